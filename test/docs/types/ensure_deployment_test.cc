#include "catch2/catch.hpp"
#include "kop/k8s/apps/v1.h"
#include "kop/k8s/core/v1.h"
#include "kop/testkit/fake_client.h"
#include "kop/util/util.h"

namespace apps = kop::k8s::apps::v1;
namespace core = kop::k8s::core::v1;

// The Deployment `owner` wants: created, updated, or left alone when it is as wanted.
absl::StatusOr<kop::util::OperationResult> EnsureDeployment(kop::client::ObjectClient& client,
                                                            const core::ConfigMap& owner) {
  apps::Deployment d;
  d.metadata.name = owner.metadata.name;
  d.metadata.namespace_ = owner.metadata.namespace_;
  return kop::util::CreateOrUpdate(client, d, [&](apps::Deployment& d) {
    d.spec.replicas = std::stoi(owner.data.at("replicas"));
    d.spec.selector.match_labels = {{"app", owner.metadata.name}};
    d.spec.template_.metadata.labels = {{"app", owner.metadata.name}};
    if (d.spec.template_.spec.containers.empty()) d.spec.template_.spec.containers.emplace_back();
    core::Container& web = d.spec.template_.spec.containers[0];
    web.name = "web";
    web.image = owner.data.at("image");
    web.resources.limits["memory"] = *kop::Quantity::Parse("512Mi");
    return kop::util::SetControllerReference(owner, d);
  });
}

TEST_CASE("EnsureDeployment creates once, then writes only when the owner changes") {
  kop::testkit::FakeClient fake;
  core::ConfigMap owner;
  owner.metadata.name = "web";
  owner.metadata.namespace_ = "default";
  owner.data = {{"replicas", "2"}, {"image", "nginx:1.27"}};
  owner = *fake.Create(owner);  // the fake gives it a uid, as the server would

  CHECK(*EnsureDeployment(fake, owner) == kop::util::OperationResult::kCreated);
  CHECK(*EnsureDeployment(fake, owner) == kop::util::OperationResult::kUnchanged);

  owner.data["replicas"] = "3";
  CHECK(*EnsureDeployment(fake, owner) == kop::util::OperationResult::kUpdated);
  auto d = fake.Get<apps::Deployment>({"default", "web"});
  REQUIRE(d.ok());
  CHECK(d->spec.replicas == 3);
  CHECK(kop::util::IsControlledBy(*d, owner));
}
