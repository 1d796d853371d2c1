// The Application operator given bad Applications, as a CRD without a schema lets anyone write
// them: each gets a Degraded condition and a Warning event naming what is wrong, none is retried
// in a loop, and the good ones around them converge. Embedded only: it installs its own
// schema-less applications.example.com CRD.
#include <chrono>
#include <set>
#include <string>
#include <vector>

#include "catch2/catch.hpp"
#include "chaos/operators.h"
#include "kop/api/condition.h"
#include "kop/base/strings.h"
#include "kop/client/errors.h"
#include "kop/client/client.h"
#include "kop/client/config.h"
#include "kop/testing/apiserver.h"
#include "support/wait.h"

namespace kop::test {
namespace {

using std::chrono::seconds;

constexpr char kSchemalessCrd[] = R"({
  "apiVersion": "apiextensions.k8s.io/v1", "kind": "CustomResourceDefinition",
  "metadata": {"name": "applications.example.com"},
  "spec": {"group": "example.com", "scope": "Namespaced",
           "names": {"plural": "applications", "singular": "application", "kind": "Application"},
           "versions": [{"name": "v1", "served": true, "storage": true, "subresources": {"status": {}},
                         "schema": {"openAPIV3Schema": {"type": "object",
                                                        "x-kubernetes-preserve-unknown-fields": true}}}]}})";

Object App(const std::string& name, Json spec) {
  Object app = Object::New({"example.com", "v1", "Application"}, {"default", name});
  if (!spec.is_null()) app.mutable_json()["spec"] = std::move(spec);
  return app;
}

// The condition of that type, if the status has one (kop::FindStatusCondition, errors as none).
std::optional<Condition> ConditionOf(const Object& app, const std::string& type) {
  absl::StatusOr<std::optional<Condition>> c = FindStatusCondition(app, type);
  return c.ok() ? *c : std::nullopt;
}

TEST_CASE("bad Applications are Degraded with the reason, not retried in a loop, and leave good ones alone [embedded-only]") {
  auto server = testing::ApiServer::Start();
  REQUIRE(server.ok());
  REQUIRE((*server)->Create(*Object::FromJson(*ParseJson(kSchemalessCrd))).ok());
  absl::StatusOr<client::Config> config = client::ConfigFromKubeconfig((*server)->KubeconfigYaml());
  REQUIRE(config.ok());
  config->qps = 0;
  auto client = client::Client::Create(*config);
  REQUIRE(client.ok());
  auto op = chaos::InProcessOperator::Start(*config);
  REQUIRE(op.ok());
  client::ResourceClient apps = (*client)->Resource({"example.com", "v1", "applications"}, true).Namespace("default");
  client::ResourceClient deployments = (*client)->Resource({"apps", "v1", "deployments"}, true).Namespace("default");

  const std::string long_name(64, 'a');  // a fine object name, too long for a Service
  struct Bad {
    std::string name;
    Json spec;
    std::string named;  // what the Degraded message must name
  };
  const std::vector<Bad> bad = {
      {"wrong-types", {{"image", 5}, {"replicas", "three"}, {"port", true}}, "spec.replicas"},
      {"no-spec", nullptr, "spec is missing"},
      {"huge-config", {{"image", "x"}, {"config", {{"big.txt", std::string(1200 * 1024, 'x')}}}}, "spec.config holds"},
      {long_name, {{"image", "x"}}, "cannot name a Service"},
      {"1app", {{"image", "x"}}, "DNS-1035"},
      {"bad-env", {{"image", "x"}, {"env", {{{"name", "has space"}}, {{"value", 1}}}}}, "spec.env"},
      {"bad-resources", {{"image", "x"}, {"resources", {{"limits", "lots"}}}}, "spec.resources"},
  };
  for (const Bad& b : bad) {
    INFO(b.name);
    REQUIRE(apps.Create(App(b.name, b.spec)).ok());
  }
  const std::string unicode = "héllo wörld ✓ — 日本";
  REQUIRE(apps.Create(App("good", {{"image", "nginx:1.25"}, {"replicas", 2}})).ok());
  REQUIRE(apps.Create(App("unicode", {{"image", "nginx:1.25"},
                                      {"config", {{"greeting.txt", unicode}}},
                                      {"env", {{{"name", "GREETING"}, {"value", unicode}}}}})).ok());

  // The good ones converge, unicode intact.
  for (const char* name : {"good", "unicode"}) {
    INFO(name);
    REQUIRE(WaitFor([&] {
      absl::StatusOr<Object> a = apps.Get(name);
      std::optional<Condition> ready = a.ok() ? ConditionOf(*a, "Ready") : std::nullopt;
      return ready.has_value() && ready->status == "True";
    }, seconds(30)));
  }
  absl::StatusOr<Object> cm = (*client)->Resource({"", "v1", "configmaps"}, true).Namespace("default").Get("unicode-config");
  REQUIRE(cm.ok());
  CHECK(cm->json()["data"]["greeting.txt"] == unicode);

  // Each bad one says what is wrong, gets a Warning event, and gets no objects.
  for (const Bad& b : bad) {
    INFO(b.name);
    std::optional<Condition> degraded;
    REQUIRE(WaitFor([&] {
      absl::StatusOr<Object> a = apps.Get(b.name);
      degraded = a.ok() ? ConditionOf(*a, "Degraded") : std::nullopt;
      return degraded.has_value() && degraded->status == "True";
    }, seconds(30)));
    CHECK(degraded->reason == "InvalidSpec");
    CHECK(degraded->message.find(b.named) != std::string::npos);
    CHECK(kop::IsNotFound(deployments.Get(b.name).status()));
    CHECK(WaitFor([&] {
      absl::StatusOr<client::ObjectList> events = (*client)->Resource({"", "v1", "events"}, true).Namespace("default").List(
          {.field_selector = "involvedObject.name=" + b.name + ",reason=InvalidSpec"});
      return events.ok() && !events->items.empty();
    }, seconds(30)));
  }

  // No loop: while the good Application changes three times (and is reconciled each time),
  // the bad ones are not reconciled again.
  const chaos::ReconcileLedger& ledger = (*op)->ledger();
  // The ledger counts a reconcile when it returns, which is after its status write is
  // visible: wait for each bad one's first reconcile to be counted before taking the counts.
  for (const Bad& b : bad) {
    INFO(b.name);
    REQUIRE(WaitFor([&] { return ledger.reconciles("default/" + b.name) >= 1; }, seconds(30)));
  }
  std::vector<int> before;
  for (const Bad& b : bad) before.push_back(ledger.reconciles("default/" + b.name));
  for (int replicas : {3, 4, 5}) {
    REQUIRE(apps.Patch("good", client::PatchType::kMerge, kop::StrCat(R"({"spec":{"replicas":)", replicas, "}}")).ok());
    REQUIRE(WaitFor([&] {
      absl::StatusOr<Object> d = deployments.Get("good");
      return d.ok() && d->json()["spec"]["replicas"] == replicas;
    }, seconds(30)));
  }
  for (size_t i = 0; i < bad.size(); ++i) {
    INFO(bad[i].name);
    CHECK(ledger.reconciles("default/" + bad[i].name) == before[i]);
  }
  // No key is left with a failed reconcile. Waited for: the good one's last reconcile may have
  // just failed (a Deployment update racing the simulator's status write) with its retry due.
  // Overlapping reconciles, once recorded, never clear.
  std::set<std::string> live = {"default/good", "default/unicode"};
  for (const Bad& b : bad) live.insert("default/" + b.name);
  std::vector<std::string> violations;
  WaitFor([&] {
    violations = ledger.Violations(live);
    return violations.empty();
  }, seconds(30));
  CHECK(violations == std::vector<std::string>{});  // prints them otherwise
}

}  // namespace
}  // namespace kop::test
