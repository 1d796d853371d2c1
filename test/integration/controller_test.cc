// kop/controller: reconciles driven by informers, against the embedded API server (or a real
// cluster with KOP_TEST_KUBECONFIG).
#include <map>

#include "catch2/catch.hpp"
#include "kop/cache/informer_factory.h"
#include "kop/controller/controller.h"
#include "support/client_env.h"
#include "support/cluster.h"
#include "support/wait.h"

namespace kop {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;
using test::TestCluster;
using test::WaitFor;

// Counts reconciles per key and checks that no key is ever reconciled twice at once.
class CountingReconciler final : public Reconciler {
 public:
  absl::StatusOr<Result> Reconcile(const Request& req, ReconcileContext& ctx) override {
    {
      kop::MutexLock lock(&mu_);
      if (++in_flight_[req.key] > 1) ++overlaps_;
      ++running_;
      max_running_ = std::max(max_running_, running_);
      ++count_[req.key];
    }
    absl::StatusOr<Result> result = Result{};
    if (behaviour) result = behaviour(req, ctx);
    kop::MutexLock lock(&mu_);
    --in_flight_[req.key];
    --running_;
    return result;
  }
  int Count(const ObjectKey& k) {
    kop::MutexLock lock(&mu_);
    return count_[k];
  }
  int Total() {
    kop::MutexLock lock(&mu_);
    int n = 0;
    for (const auto& [k, c] : count_) n += c;
    return n;
  }
  int overlaps() { kop::MutexLock l(&mu_); return overlaps_; }
  int max_running() { kop::MutexLock l(&mu_); return max_running_; }

  // Set before the controller starts.
  std::function<absl::StatusOr<Result>(const Request&, ReconcileContext&)> behaviour;

 private:
  kop::Mutex mu_;
  std::map<ObjectKey, int> count_ ABSL_GUARDED_BY(mu_);
  std::map<ObjectKey, int> in_flight_ ABSL_GUARDED_BY(mu_);
  int running_ ABSL_GUARDED_BY(mu_) = 0;
  int max_running_ ABSL_GUARDED_BY(mu_) = 0;
  int overlaps_ ABSL_GUARDED_BY(mu_) = 0;
};

struct Env {
  Env() {
    client = test::ConnectClient(cluster);
    group = cluster.InstallCrd("Widget", "widgets");
    widgets = client->Resource({group, "v1", "widgets"}, true).Namespace(cluster.ns());
    configmaps = client->Resource({"", "v1", "configmaps"}, true).Namespace(cluster.ns());
    factory = std::make_unique<cache::InformerFactory>(*client, cache::InformerFactoryOptions{.namespace_ = cluster.ns()});
  }
  // Wires `controller` to widgets (For) and configmaps (Owns), starts everything.
  void Wire(Controller& controller, std::vector<PredicatePtr> primary_predicates = {}) {
    auto w = factory->ForResource({group, "v1", "widgets"}, true);
    auto cms = factory->ForResource({"", "v1", "configmaps"}, true);
    REQUIRE(w.ok());
    REQUIRE(cms.ok());
    (*w)->AddEventHandler(EnqueueForObject(controller.Enqueuer(), std::move(primary_predicates)));
    (*cms)->AddEventHandler(EnqueueForOwner(controller.Enqueuer(), {group, "Widget"}));
    factory->Start();
    REQUIRE(factory->WaitForCacheSync(seconds(30)));
    controller.Start();
  }
  Object Widget(const std::string& name) {
    Object o = Object::New({group, "v1", "Widget"}, {"", name});
    o.mutable_spec()["size"] = 1;
    return o;
  }
  Object OwnedConfigMap(const std::string& name, const Object& owner, bool controller = true) {
    Object cm = Object::New({"", "v1", "ConfigMap"}, {"", name});
    cm.set_owner_references({{.api_version = group + "/v1",
                              .kind = "Widget",
                              .name = std::string(owner.name()),
                              .uid = std::string(owner.uid()),
                              .controller = controller}});
    return cm;
  }
  TestCluster cluster;
  std::unique_ptr<client::Client> client;
  std::string group;
  client::ResourceClient widgets{nullptr, {}, true};
  client::ResourceClient configmaps{nullptr, {}, true};
  std::unique_ptr<cache::InformerFactory> factory;
};

TEST_CASE("create, update and delete of the primary each reconcile it") {
  Env env;
  auto* rec = new CountingReconciler();
  Controller controller({.name = "widgets"}, std::unique_ptr<Reconciler>(rec));
  env.Wire(controller);
  const ObjectKey key{env.cluster.ns(), "w"};
  REQUIRE(env.widgets.Create(env.Widget("w")).ok());
  REQUIRE(WaitFor([&] { return rec->Count(key) >= 1; }));
  const int after_create = rec->Count(key);
  REQUIRE(env.widgets.Patch("w", client::PatchType::kMerge, R"({"spec":{"size":2}})").ok());
  REQUIRE(WaitFor([&] { return rec->Count(key) > after_create; }));
  const int after_update = rec->Count(key);
  REQUIRE(env.widgets.Delete("w").ok());
  REQUIRE(WaitFor([&] { return rec->Count(key) > after_update; }));
  REQUIRE(WaitFor([&] { return controller.stats().success.load() >= 3; }));  // counted as each returns
}

TEST_CASE("an owned object reconciles its controller owner, one without a controller reference nothing") {
  Env env;
  auto* rec = new CountingReconciler();
  Controller controller({.name = "widgets"}, std::unique_ptr<Reconciler>(rec));
  env.Wire(controller);
  auto owner = env.widgets.Create(env.Widget("owner"));
  auto bystander = env.widgets.Create(env.Widget("bystander"));
  REQUIRE(owner.ok());
  REQUIRE(bystander.ok());
  const ObjectKey owner_key{env.cluster.ns(), "owner"};
  const ObjectKey bystander_key{env.cluster.ns(), "bystander"};
  REQUIRE(WaitFor([&] { return rec->Count(owner_key) >= 1 && rec->Count(bystander_key) >= 1; }));
  REQUIRE(WaitFor([&] { return env.cluster.embedded() == nullptr || env.client != nullptr; }));
  const int owner_before = rec->Count(owner_key);
  const int bystander_before = rec->Count(bystander_key);
  REQUIRE(env.configmaps.Create(env.OwnedConfigMap("owned", *owner)).ok());
  REQUIRE(WaitFor([&] { return rec->Count(owner_key) > owner_before; }));
  // A reference that is not the controller's, and an object owned by nobody: no reconcile.
  REQUIRE(env.configmaps.Create(env.OwnedConfigMap("referenced", *bystander, /*controller=*/false)).ok());
  REQUIRE(env.configmaps.Create(Object::New({"", "v1", "ConfigMap"}, {"", "orphan"})).ok());
  // A marker proves the events before it were handled: its owner's reconcile comes after them.
  const int owner_now = rec->Count(owner_key);
  REQUIRE(env.configmaps.Create(env.OwnedConfigMap("marker", *owner)).ok());
  REQUIRE(WaitFor([&] { return rec->Count(owner_key) > owner_now; }));
  CHECK(rec->Count(bystander_key) == bystander_before);
  CHECK(rec->Count({env.cluster.ns(), "orphan"}) == 0);
  CHECK(rec->Count({env.cluster.ns(), "referenced"}) == 0);
}

TEST_CASE("two workers reconcile two keys in parallel but never one key twice at once") {
  Env env;
  auto* rec = new CountingReconciler();
  std::atomic<int> gate{0};
  rec->behaviour = [&](const Request&, ReconcileContext&) -> absl::StatusOr<Result> {
    // Hold each reconcile until a second one runs (or a deadline passes).
    ++gate;
    WaitFor([&] { return gate.load() >= 2; }, milliseconds(500));
    return Result{};
  };
  Controller controller({.name = "widgets", .max_concurrent_reconciles = 2}, std::unique_ptr<Reconciler>(rec));
  env.Wire(controller);
  REQUIRE(env.widgets.Create(env.Widget("a")).ok());
  REQUIRE(env.widgets.Create(env.Widget("b")).ok());
  REQUIRE(WaitFor([&] { return rec->Count({env.cluster.ns(), "a"}) >= 1 && rec->Count({env.cluster.ns(), "b"}) >= 1; }));
  CHECK(rec->max_running() == 2);
  // Many events for one key while it reconciles: never two at once.
  for (int i = 0; i < 10; ++i) {
    (void)env.widgets.Patch("a", client::PatchType::kMerge, R"({"spec":{"size":)" + std::to_string(i + 10) + "}}");
  }
  REQUIRE(WaitFor([&] { return rec->Count({env.cluster.ns(), "a"}) >= 2; }));
  CHECK(rec->overlaps() == 0);
}

TEST_CASE("informers that outlive their controller keep delivering without reaching it") {
  Env env;
  Enqueue enqueue;
  {
    auto* rec = new CountingReconciler();
    Controller controller({.name = "widgets"}, std::unique_ptr<Reconciler>(rec));
    env.Wire(controller);
    enqueue = controller.Enqueuer();
    REQUIRE(env.widgets.Create(env.Widget("early")).ok());
    REQUIRE(WaitFor([&] { return rec->Count({env.cluster.ns(), "early"}) >= 1; }));
  }
  // The controller is gone; the informers still run and still call its handlers.
  auto widgets = env.factory->ForResource({env.group, "v1", "widgets"}, true);
  REQUIRE(widgets.ok());
  for (int i = 0; i < 20; ++i) {
    REQUIRE(env.widgets.Create(env.Widget("late-" + std::to_string(i))).ok());
  }
  REQUIRE(WaitFor([&] { return (*widgets)->indexer().Size() == 21; }));
  enqueue(Request{ObjectKey{env.cluster.ns(), "direct"}});  // a no-op, not a use after free
}

TEST_CASE("requeue_after and error backoff follow the controller's clock") {
  Env env;
  FakeClock clock;
  auto* rec = new CountingReconciler();
  std::atomic<int> calls{0};
  rec->behaviour = [&](const Request&, ReconcileContext&) -> absl::StatusOr<Result> {
    switch (++calls) {
      case 1: return Result{.requeue_after = seconds(10)};
      case 2: return absl::UnavailableError("flaky");  // backoff 5 ms
      case 3: return absl::UnavailableError("flaky");  // backoff 10 ms
      default: return Result{};
    }
  };
  Controller controller({.name = "widgets", .clock = &clock}, std::unique_ptr<Reconciler>(rec));
  env.Wire(controller, {predicate::GenerationChanged()});
  const ObjectKey key{env.cluster.ns(), "w"};
  REQUIRE(env.widgets.Create(env.Widget("w")).ok());
  REQUIRE(WaitFor([&] { return calls.load() == 1; }));
  // The requeue is scheduled after Reconcile returns: wait for it before moving the clock,
  // or the 10 s would count from the moved clock.
  REQUIRE(WaitFor([&] { return controller.queue().PendingDelayed() == 1; }));
  clock.Advance(seconds(9));
  CHECK(controller.queue().PendingDelayed() == 1);  // still waiting for its 10 s
  clock.Advance(seconds(1));
  REQUIRE(WaitFor([&] { return calls.load() == 2; }));
  REQUIRE(WaitFor([&] { return controller.queue().PendingDelayed() == 1; }));
  clock.Advance(milliseconds(5));
  REQUIRE(WaitFor([&] { return calls.load() == 3; }));
  REQUIRE(WaitFor([&] { return controller.queue().PendingDelayed() == 1; }));
  clock.Advance(milliseconds(9));
  CHECK(calls.load() == 3);  // 10 ms this time
  clock.Advance(milliseconds(1));
  REQUIRE(WaitFor([&] { return calls.load() == 4; }));
  CHECK(controller.stats().error.load() == 2);
  CHECK(controller.stats().requeue_after.load() == 1);
  CHECK(rec->Count(key) == 4);
}

TEST_CASE("an exception from Reconcile is caught, counted and retried") {
  Env env;
  auto* rec = new CountingReconciler();
  std::atomic<int> calls{0};
  rec->behaviour = [&](const Request&, ReconcileContext&) -> absl::StatusOr<Result> {
    if (++calls == 1) throw std::runtime_error("bug");
    return Result{};
  };
  Controller controller({.name = "widgets"}, std::unique_ptr<Reconciler>(rec));
  env.Wire(controller);
  REQUIRE(env.widgets.Create(env.Widget("w")).ok());
  // The retry's success is counted after its Reconcile returns: wait for the count itself.
  REQUIRE(WaitFor([&] { return controller.stats().success.load() >= 1; }));
  CHECK(calls.load() >= 2);
  CHECK(controller.stats().panics.load() == 1);
}

TEST_CASE("a terminal error is not retried") {
  Env env;
  auto* rec = new CountingReconciler();
  rec->behaviour = [&](const Request&, ReconcileContext&) -> absl::StatusOr<Result> {
    return TerminalError(absl::InvalidArgumentError("spec.size must be positive"));
  };
  FakeClock clock;
  Controller controller({.name = "widgets", .clock = &clock}, std::unique_ptr<Reconciler>(rec));
  env.Wire(controller);
  REQUIRE(env.widgets.Create(env.Widget("w")).ok());
  REQUIRE(WaitFor([&] { return controller.stats().terminal_errors.load() == 1; }));
  clock.Advance(seconds(3600));
  CHECK(controller.queue().PendingDelayed() == 0);
  CHECK(controller.queue().Len() == 0);
  CHECK(rec->Count({env.cluster.ns(), "w"}) == 1);
}

TEST_CASE("predicates drop status-only updates of the primary") {
  Env env;
  auto* rec = new CountingReconciler();
  Controller controller({.name = "widgets"}, std::unique_ptr<Reconciler>(rec));
  env.Wire(controller, {predicate::GenerationChanged()});
  auto w = env.widgets.Create(env.Widget("w"));
  REQUIRE(w.ok());
  const ObjectKey key{env.cluster.ns(), "w"};
  REQUIRE(WaitFor([&] { return rec->Count(key) == 1; }));
  Object with_status = *w;
  with_status.mutable_status()["phase"] = "Ready";
  REQUIRE(env.widgets.UpdateStatus(with_status).ok());
  // A spec change afterwards reconciles; the status change before it did not.
  REQUIRE(env.widgets.Patch("w", client::PatchType::kMerge, R"({"spec":{"size":5}})").ok());
  REQUIRE(WaitFor([&] { return rec->Count(key) == 2; }));
  CHECK(rec->Count(key) == 2);
}

TEST_CASE("Stop lets an in-flight reconcile finish within the grace period, and gives up after it") {
  Env env;
  auto* rec = new CountingReconciler();
  std::atomic<bool> started{false};
  std::atomic<bool> saw_stop{false};
  std::atomic<int> mode{0};  // 0: finish in 100 ms; 1: run until asked to stop
  auto behaviour = [&](const Request&, ReconcileContext& ctx) -> absl::StatusOr<Result> {
    started = true;
    if (mode.load() == 0) {
      WaitFor([&] { return false; }, milliseconds(100));
      return Result{};
    }
    WaitFor([&] { return ctx.stop.stop_requested(); }, seconds(30));
    saw_stop = ctx.stop.stop_requested();
    return Result{};
  };
  rec->behaviour = behaviour;
  {
    Controller controller({.name = "widgets"}, std::unique_ptr<Reconciler>(rec));
    env.Wire(controller);
    REQUIRE(env.widgets.Create(env.Widget("quick")).ok());
    REQUIRE(WaitFor([&] { return started.load(); }));
    CHECK(controller.Stop(seconds(10)));  // it finishes well inside the grace period
  }
  auto* slow = new CountingReconciler();
  slow->behaviour = behaviour;
  started = false;
  mode = 1;
  Controller controller({.name = "widgets-2"}, std::unique_ptr<Reconciler>(slow));
  cache::InformerFactory factory(*env.client, {.namespace_ = env.cluster.ns()});
  auto w = factory.ForResource({env.group, "v1", "widgets"}, true);
  REQUIRE(w.ok());
  (*w)->AddEventHandler(EnqueueForObject(controller.Enqueuer()));
  factory.Start();
  REQUIRE(factory.WaitForCacheSync(seconds(30)));
  controller.Start();
  REQUIRE(WaitFor([&] { return started.load(); }));
  CHECK_FALSE(controller.Stop(milliseconds(100)));  // abandoned after the grace period ...
  CHECK(saw_stop.load());                           // ... and told to stop
}

TEST_CASE("two controllers watching one resource share one watch [embedded-only]") {
  Env env;
  if (env.cluster.embedded() == nullptr) return;
  auto* a = new CountingReconciler();
  auto* b = new CountingReconciler();
  Controller first({.name = "first"}, std::unique_ptr<Reconciler>(a));
  Controller second({.name = "second"}, std::unique_ptr<Reconciler>(b));
  auto w1 = env.factory->ForResource({env.group, "v1", "widgets"}, true);
  auto w2 = env.factory->ForResource({env.group, "v1", "widgets"}, true);
  REQUIRE(w1.ok());
  REQUIRE(w2.ok());
  (*w1)->AddEventHandler(EnqueueForObject(first.Enqueuer()));
  (*w2)->AddEventHandler(EnqueueForObject(second.Enqueuer()));
  env.factory->Start();
  REQUIRE(env.factory->WaitForCacheSync(seconds(30)));
  first.Start();
  second.Start();
  REQUIRE(env.widgets.Create(env.Widget("w")).ok());
  REQUIRE(WaitFor([&] { return a->Total() >= 1 && b->Total() >= 1; }));
  CHECK(env.cluster.embedded()->OpenWatches() == 1);
}

}  // namespace
}  // namespace kop
