// Typed objects against the embedded API server (or a real cluster with KOP_TEST_KUBECONFIG):
// every built-in kind kop::k8s has a type for is created from testdata/builtin_samples.yaml,
// read back, decoded into its type and encoded again, and must come out as the server's own
// JSON; written back unchanged, the server must see no change (no new resourceVersion).
#include <fstream>
#include <set>
#include <sstream>
#include <string>

#include "catch2/catch.hpp"
#include "kop/api/codec.h"
#include "kop/api/yaml.h"
#include "kop/client/errors.h"
#include "kop/k8s/k8s.h"
#include "kop/util/util.h"
#include "support/client_env.h"
#include "support/cluster.h"

namespace kop {
namespace {

std::vector<Json> Samples() {
  std::ifstream in(std::string(KOP_TEST_DATA_DIR) + "/builtin_samples.yaml");
  REQUIRE(in);
  std::stringstream text;
  text << in.rdbuf();
  auto docs = ParseYamlDocuments(text.str());
  REQUIRE(docs.ok());
  return *docs;
}

bool ClusterScoped(std::string_view kind) {
  static const std::set<std::string_view> kCluster = {"Namespace",         "Node",          "PersistentVolume",
                                                      "ClusterRole",       "ClusterRoleBinding", "IngressClass",
                                                      "StorageClass",      "PriorityClass", "CustomResourceDefinition"};
  return kCluster.contains(kind);
}

// Replaces the placeholders NAMESPACE and GROUP in every string of `j`.
void Substitute(Json& j, const std::string& ns, const std::string& group) {
  if (j.is_string()) {
    std::string s = j.get<std::string>();
    for (auto [from, to] : {std::pair<std::string, std::string>{"NAMESPACE", ns}, {"GROUP", group}}) {
      for (size_t at = s.find(from); at != std::string::npos; at = s.find(from, at + to.size())) s.replace(at, from.size(), to);
    }
    j = s;
  } else if (j.is_structured()) {
    for (auto& e : j) Substitute(e, ns, group);
  }
}

// The kinds the API server does not store: nothing to create.
bool NotStored(std::string_view kind) { return kind == "Status" || kind == "Scale"; }

}  // namespace

TEST_CASE("every built-in kind round-trips through its type exactly as the server writes it", "[k8s]") {
  test::TestCluster cluster;
  std::unique_ptr<client::Client> client = test::ConnectClient(cluster);
  const std::vector<Json> samples = Samples();
  const std::string suffix = test::TestCluster::UniqueName("t").substr(1);
  const std::string group = "typed" + suffix + ".example.com";
  std::vector<Object> cluster_objects;

  k8s::ForEachKind(k8s::AllKinds{}, [&]<typename T>() {
    const StaticGroupVersionKind gvk = T::kGroupVersionKind;
    if (NotStored(gvk.kind)) return;
    int found = 0;
    for (const Json& sample : samples) {
      if (sample.value("apiVersion", "") != gvk.api_version() || sample.value("kind", "") != gvk.kind) continue;
      ++found;
      Json j = sample;
      Substitute(j, cluster.ns(), group);
      if (gvk.kind != "CustomResourceDefinition") j["metadata"]["name"] = j["metadata"]["name"].get<std::string>() + suffix;
      if (!ClusterScoped(gvk.kind)) j["metadata"]["namespace"] = cluster.ns();
      const std::string what = kop::StrCatForCodec(gvk.api_version(), " ", gvk.kind, " ", j["metadata"]["name"].get<std::string>());
      INFO(what);
      auto created = client->Create(Object(j));
      INFO(created.status().ToString());
      REQUIRE(created.ok());
      if (ClusterScoped(gvk.kind)) cluster_objects.push_back(*created);

      // The server's JSON, decoded and encoded, is the server's JSON.
      auto stored = client->Get(T::kGroupVersionKind, created->key());
      REQUIRE(stored.ok());
      auto typed = FromObject<T>(**stored);
      INFO(typed.status().ToString());
      REQUIRE(typed.ok());
      CHECK(ToObject(*typed).json() == (*stored)->json());

      // Read typed through the client, written back unchanged: the server sees no change.
      // (On a real cluster a controller may write in between: read again then.)
      bool unchanged = false;
      for (int attempt = 0; attempt < 5 && !unchanged; ++attempt) {
        auto read = client->Get<T>(created->key());
        REQUIRE(read.ok());
        auto written = client->Update(*read);
        if (IsConflict(written.status())) continue;
        INFO(written.status().ToString());
        REQUIRE(written.ok());
        CHECK(written->metadata.resource_version == read->metadata.resource_version);
        CHECK(*written == *read);
        unchanged = true;
      }
      CHECK(unchanged);
    }
    INFO(kop::StrCatForCodec(gvk.api_version(), " ", gvk.kind));
    CHECK(found > 0);  // every kind has a sample
  });

  for (const Object& o : cluster_objects) (void)client->Delete(o);
}

TEST_CASE("a typed write reads back what the server stored, with its defaults", "[k8s]") {
  test::TestCluster cluster;
  std::unique_ptr<client::Client> client = test::ConnectClient(cluster);
  k8s::apps::v1::Deployment d;
  d.metadata.name = "typed-web";
  d.metadata.namespace_ = cluster.ns();
  d.metadata.labels = {{"app", "web"}};
  d.spec.selector.match_labels = {{"app", "web"}};
  d.spec.template_.metadata.labels = {{"app", "web"}};
  auto& c = d.spec.template_.spec.containers.emplace_back();
  c.name = "web";
  c.image = "nginx:1.27";
  c.resources.limits["memory"] = *Quantity::Parse("1024Mi");

  auto created = client->Create(d);
  INFO(created.status().ToString());
  REQUIRE(created.ok());
  CHECK_FALSE(created->metadata.uid.empty());
  CHECK(created->spec.replicas == 1);  // defaulted by the server
  CHECK(created->spec.strategy.type == "RollingUpdate");
  CHECK(created->spec.template_.spec.containers.at(0).resources.limits.at("memory") == *Quantity::Parse("1Gi"));

  auto listed = client->List<k8s::apps::v1::Deployment>(cluster.ns());
  REQUIRE(listed.ok());
  REQUIRE(listed->size() == 1);
  CHECK(listed->front() == *created);

  k8s::apps::v1::Deployment with_status = *created;
  with_status.status.observed_generation = created->metadata.generation;
  with_status.status.replicas = 1;
  auto status_written = client->Status().Update(with_status);
  INFO(status_written.status().ToString());
  REQUIRE(status_written.ok());
  CHECK(status_written->status.replicas == 1);
  CHECK(status_written->status.observed_generation == created->metadata.generation);

  REQUIRE(client->Delete(*created).ok());
  CHECK(kop::IsNotFound(client->Get<k8s::apps::v1::Deployment>(KeyOf(*created)).status()));
}

TEST_CASE("typed CreateOrUpdate writes only when the typed object changed, and sets the controller", "[k8s]") {
  test::TestCluster cluster;
  std::unique_ptr<client::Client> client = test::ConnectClient(cluster);
  k8s::core::v1::ConfigMap owner;
  owner.metadata.name = "owner";
  owner.metadata.namespace_ = cluster.ns();
  auto stored_owner = client->Create(owner);
  REQUIRE(stored_owner.ok());

  k8s::core::v1::ConfigMap cm;
  cm.metadata.name = "owned";
  cm.metadata.namespace_ = cluster.ns();
  auto mutate = [&](k8s::core::v1::ConfigMap& c) {
    c.data["cpu"] = "1";
    c.data["empty-map-is-no-change"] = "";
    return util::SetControllerReference(*stored_owner, c);
  };
  auto created = util::CreateOrUpdate(*client, cm, mutate);
  INFO(created.status().ToString());
  REQUIRE(created.ok());
  CHECK(*created == util::OperationResult::kCreated);
  CHECK(util::IsControlledBy(cm, *stored_owner));
  const std::string rv = cm.metadata.resource_version;

  auto again = util::CreateOrUpdate(*client, cm, mutate);
  REQUIRE(again.ok());
  CHECK(*again == util::OperationResult::kUnchanged);
  CHECK(client->Get<k8s::core::v1::ConfigMap>(KeyOf(cm))->metadata.resource_version == rv);

  auto changed = util::CreateOrUpdate(*client, cm, [](k8s::core::v1::ConfigMap& c) {
    c.data["cpu"] = "2";
    return absl::OkStatus();
  });
  REQUIRE(changed.ok());
  CHECK(*changed == util::OperationResult::kUpdated);
  CHECK(cm.data.at("cpu") == "2");
  CHECK(cm.metadata.resource_version != rv);

  auto renamed = util::CreateOrUpdate(*client, cm, [](k8s::core::v1::ConfigMap& c) {
    c.metadata.name = "other";
    return absl::OkStatus();
  });
  CHECK(absl::IsInvalidArgument(renamed.status()));
}

}  // namespace kop
