// The operator built step by step in docs/tutorial.md, kept compiling and passing here:
// a Greeting custom resource that becomes a ConfigMap. Runs against the embedded API server
// (or a real cluster with KOP_TEST_KUBECONFIG).
#include "catch2/catch.hpp"
#include "kop/api/condition.h"
#include "kop/base/status_macros.h"
#include "kop/controller/predicate.h"
#include "kop/manager/manager.h"
#include "kop/util/util.h"
#include "support/client_env.h"
#include "support/cluster.h"
#include "support/wait.h"

namespace tutorial {

// --- step 2: the reconciler ---------------------------------------------------------------
class GreetingReconciler final : public kop::Reconciler {
 public:
  explicit GreetingReconciler(kop::GroupVersionKind greeting) : greeting_(std::move(greeting)) {}

  absl::StatusOr<kop::Result> Reconcile(const kop::Request& req, kop::ReconcileContext& ctx) override {
    // 1. Read the Greeting from the cache. Gone: its ConfigMap is garbage-collected.
    absl::StatusOr<kop::client::ObjectPtr> got = ctx.client.Get(greeting_, req.key);
    if (kop::IsNotFound(got.status())) return kop::Result{};
    if (!got.ok()) return got.status();
    const kop::Object& greeting = **got;

    // 2. The ConfigMap it wants, created or updated, controlled by the Greeting.
    const std::string text = greeting.GetString({"spec", "message"}).value_or("Hello") + ", " +
                             greeting.GetString({"spec", "target"}).value_or("world") + "!";
    kop::Object cm = kop::Object::New({"", "v1", "ConfigMap"}, {req.key.namespace_, req.key.name + "-greeting"});
    KOP_ASSIGN_OR_RETURN(kop::util::OperationResult op,
                         kop::util::CreateOrUpdate(ctx.client, cm, [&](kop::Object& obj) -> absl::Status {
                           obj.mutable_json()["data"] = {{"greeting", text}};
                           return kop::util::SetControllerReference(greeting, obj);
                         }));
    if (op != kop::util::OperationResult::kUnchanged) {
      ctx.log.Info("wrote the ConfigMap", "operation", kop::util::OperationResultName(op));
    }

    // 3. Report what was done in the status.
    kop::Object updated = greeting;
    updated.mutable_status()["observedGeneration"] = greeting.generation();
    KOP_ASSIGN_OR_RETURN(bool changed, kop::SetStatusCondition(updated,
                                                               {.type = "Ready",
                                                                .status = "True",
                                                                .reason = "ConfigMapWritten",
                                                                .message = text,
                                                                .observed_generation = greeting.generation()},
                                                               absl::Now()));
    if (changed || greeting.status() == nullptr || *greeting.status() != *updated.status()) {
      absl::StatusOr<kop::Object> written = ctx.client.Status().Update(updated);
      if (!written.ok() && kop::IsConflict(written.status())) return kop::Result{.requeue = true};
      if (!written.ok()) return written.status();
    }
    return kop::Result{};
  }

 private:
  const kop::GroupVersionKind greeting_;
};

// --- step 4: the test -------------------------------------------------------------------
TEST_CASE("tutorial: a Greeting becomes a ConfigMap, follows changes and takes it along when deleted") {
  kop::test::TestCluster cluster;
  const std::string group = cluster.InstallCrd("Greeting", "greetings");
  const kop::GroupVersionKind kGreeting{group, "v1", "Greeting"};

  // Step 3: the manager and the builder, as in main().
  auto manager = kop::Manager::Create({.name = "greeting-operator",
                                       .config = kop::test::ClientConfig(cluster),
                                       .namespaces = {cluster.ns()},
                                       .metrics_bind_address = "0",
                                       .health_probe_bind_address = "0"});
  REQUIRE(manager.ok());
  REQUIRE(kop::ControllerBuilder(**manager)
              .For(kGreeting, {kop::predicate::GenerationChanged()})
              .Owns({"", "v1", "ConfigMap"})
              .Complete(std::make_unique<GreetingReconciler>(kGreeting))
              .ok());
  std::stop_source stop;
  std::thread run([&] { REQUIRE((*manager)->Start(stop.get_token()).ok()); });

  auto client = kop::test::ConnectClient(cluster);
  auto greetings = client->Resource({group, "v1", "greetings"}, true).Namespace(cluster.ns());
  auto cms = client->Resource({"", "v1", "configmaps"}, true).Namespace(cluster.ns());
  kop::Object hello = kop::Object::New(kGreeting, {cluster.ns(), "hello"});
  hello.mutable_json()["spec"] = {{"message", "Hello"}, {"target", "kop"}};
  REQUIRE(greetings.Create(hello).ok());

  auto greeting_text = [&] {
    auto cm = cms.Get("hello-greeting");
    return cm.ok() ? cm->GetString({"data", "greeting"}).value_or("") : "";
  };
  REQUIRE(kop::test::WaitFor([&] { return greeting_text() == "Hello, kop!"; }));
  REQUIRE(kop::test::WaitFor([&] {
    auto g = greetings.Get("hello");
    return g.ok() && kop::IsConditionTrue(kop::GetStatusConditions(*g).value_or(std::vector<kop::Condition>{}), "Ready");
  }));

  auto current = greetings.Get("hello");
  REQUIRE(current.ok());
  current->mutable_json()["spec"]["target"] = "world";
  REQUIRE(greetings.Update(*current).ok());
  REQUIRE(kop::test::WaitFor([&] { return greeting_text() == "Hello, world!"; }));

  REQUIRE(greetings.Delete("hello").ok());
  REQUIRE(kop::test::WaitFor([&] { return kop::IsNotFound(cms.Get("hello-greeting").status()); },
                             std::chrono::seconds(30)));
  stop.request_stop();
  run.join();
}

}  // namespace tutorial
