// The Application operator in a steady state makes no write: once an Application has converged,
// (counted by the "Updated <Kind>" Events the operator records for each write it makes, since
// a server answers a write that changes nothing without a new resourceVersion),
// a reconcile (here triggered by a foreign label on its Deployment, which the operator leaves
// alone) finds every owned object as the server stores it and writes nothing, neither the
// objects nor the status. What a real server
// stores differs from what an operator sends (empty maps dropped, quantities canonical, empty
// env values dropped); an operator that compares naively updates on every reconcile.
//
// Runs against the embedded server, or against KOP_TEST_KUBECONFIG's cluster (the
// applications.example.com CRD is installed when missing).
#include <chrono>
#include <fstream>
#include <sstream>
#include <string>

#include "catch2/catch.hpp"
#include "chaos/operators.h"
#include "kop/api/condition.h"
#include "kop/api/yaml.h"
#include "kop/base/strings.h"
#include "kop/client/client.h"
#include "kop/client/config.h"
#include "support/cluster.h"
#include "support/wait.h"
#include "application_helpers.h"

namespace kop::test {
namespace {

using std::chrono::seconds;

bool Ready(const Object& app) {
  absl::StatusOr<std::optional<Condition>> ready = FindStatusCondition(app, "Ready");
  return ready.ok() && ready->has_value() && (*ready)->status == "True" &&
         (*ready)->observed_generation == app.generation();
}

TEST_CASE("the Application operator writes nothing once an Application has converged") {
  TestCluster c({.crds_dir = KOP_CRDS_DIR});
  EnsureApplicationCrd(c);
  const std::string ns = c.ns();
  absl::StatusOr<client::Config> config = client::ConfigFromKubeconfig(ReadFile(c.kubeconfig()));
  REQUIRE(config.ok());
  config->qps = 0;
  auto client = client::Client::Create(*config);
  REQUIRE(client.ok());
  auto op = chaos::InProcessOperator::Start(*config);
  REQUIRE(op.ok());
  client::ResourceClient apps = (*client)->Resource({"example.com", "v1", "applications"}, true).Namespace(ns);

  // What servers store differently from what is sent: no config (an empty ConfigMap), resource
  // quantities in non-canonical spellings, an env variable with an empty value.
  const std::vector<std::pair<std::string, Json>> specs = {
      {"plain", {{"image", "nginx:1.25"}, {"replicas", 2}}},
      {"spelled", {{"image", "nginx:1.25"},
                   {"config", {{"app.properties", "a=1"}}},
                   {"resources", {{"limits", {{"cpu", "1000m"}, {"memory", "0.5Gi"}}},
                                  {"requests", {{"cpu", "0.25"}, {"memory", "1024Mi"}}}}},
                   {"env", {{{"name", "EMPTY"}, {"value", ""}}, {{"name", "SET"}, {"value", "x"}}}}}},
  };
  for (const auto& [name, spec] : specs) {
    Object app = Object::New({"example.com", "v1", "Application"}, {ns, name});
    app.mutable_json()["spec"] = spec;
    REQUIRE(apps.Create(app).ok());
  }
  const chaos::ReconcileLedger& ledger = (*op)->ledger();
  for (const auto& [name, spec] : specs) {
    INFO(name);
    REQUIRE(WaitFor([&] {
      absl::StatusOr<Object> a = apps.Get(name);
      return a.ok() && Ready(*a);
    }, seconds(60)));

    // The versions of what the operator writes, converged.
    auto version_of = [&](const GroupVersionResource& gvr, const std::string& object) {
      absl::StatusOr<Object> o = (*client)->Resource(gvr, true).Namespace(ns).Get(object);
      return o.ok() ? std::string(o->resource_version()) : std::string("gone: ") + o.status().ToString();
    };
    auto deployment_spec = [&] {
      absl::StatusOr<Object> d = (*client)->Resource({"apps", "v1", "deployments"}, true).Namespace(ns).Get(name);
      // Not the resourceVersion: a cluster's own controllers write a Deployment's status, and
      // the test's own touch label is left out.
      if (!d.ok()) return d.status().ToString();
      Json labels = d->json()["metadata"].value("labels", Json::object());
      labels.erase("kop.example.com/touch");
      return d->json()["spec"].dump() + labels.dump() + std::to_string(d->generation());
    };
    // Settled: a reconcile that finds nothing to do leaves every version alone. Wait until the
    // operator has finished the reconciles the convergence itself caused.
    std::string cm, svc, dep;
    REQUIRE(WaitFor([&] {
      const int before = ledger.reconciles(ns + "/" + name);
      const std::string c1 = version_of({"", "v1", "configmaps"}, name + "-config");
      const std::string s1 = version_of({"", "v1", "services"}, name);
      const std::string d1 = deployment_spec();
      std::this_thread::sleep_for(std::chrono::milliseconds(50));  // a sampling interval, not a wait for an event
      cm = version_of({"", "v1", "configmaps"}, name + "-config");
      svc = version_of({"", "v1", "services"}, name);
      dep = deployment_spec();
      return c1 == cm && s1 == svc && d1 == dep && ledger.reconciles(ns + "/" + name) == before;
    }, seconds(30)));

    const std::string app_version = version_of({"example.com", "v1", "applications"}, name);
    // Each write the operator makes is an "Updated <Kind> <name>" Event on the Application.
    auto updates = [&] {
      absl::StatusOr<client::ObjectList> events = (*client)->Resource({"", "v1", "events"}, true).Namespace(ns).List(
          {.field_selector = "involvedObject.name=" + name + ",reason=Updated"});
      int n = 0;
      if (events.ok()) {
        for (const Object& e : events->items) n += e.json().value("count", 1);
      }
      return n;
    };
    REQUIRE((*op)->events().WaitIdle(std::chrono::seconds(30)));  // Events are written in the background
    const int written = updates();
    for (int round = 0; round < 3; ++round) {
      INFO("round " << round);
      const int reconciled = ledger.reconciles(ns + "/" + name);
      absl::StatusOr<Object> touched = (*client)->Resource({"apps", "v1", "deployments"}, true).Namespace(ns).Patch(
          name, client::PatchType::kMerge,
          kop::StrCat(R"({"metadata":{"labels":{"kop.example.com/touch":")", round, R"("}}})"));
      REQUIRE(touched.ok());
      // The owned Deployment changed, so the operator reconciles its Application; once it has,
      // nothing else changed.
      REQUIRE(WaitFor([&] { return ledger.reconciles(ns + "/" + name) > reconciled; }, seconds(30)));
      CHECK(version_of({"", "v1", "configmaps"}, name + "-config") == cm);
      CHECK(version_of({"", "v1", "services"}, name) == svc);
      CHECK(deployment_spec() == dep);
      CHECK(version_of({"example.com", "v1", "applications"}, name) == app_version);
    }
    REQUIRE((*op)->events().WaitIdle(std::chrono::seconds(30)));
    CHECK(updates() == written);
  }
  CHECK(ledger.errors() == 0);
}

}  // namespace
}  // namespace kop::test
