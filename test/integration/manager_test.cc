// kop/manager: a builder-made controller run by a Manager against the embedded API server (or
// a real cluster with KOP_TEST_KUBECONFIG).
#include "catch2/catch.hpp"
#include "kop/manager/manager.h"
#include "support/client_env.h"
#include "support/cluster.h"
#include "support/wait.h"

namespace kop {
namespace {

using std::chrono::seconds;
using test::TestCluster;
using test::WaitFor;

// Keeps a ConfigMap "<widget>-config", owned by the widget, in existence.
class ConfigKeeper final : public Reconciler {
 public:
  explicit ConfigKeeper(std::string group) : group_(std::move(group)) {}
  absl::StatusOr<Result> Reconcile(const Request& req, ReconcileContext& ctx) override {
    ++reconciles;
    // Reads come from the manager's caches.
    absl::StatusOr<cache::ObjectPtr> widget = ctx.client.Get({group_, "v1", "Widget"}, req.key);
    if (kop::IsNotFound(widget.status())) return Result{};  // deleted: its dependents go with it
    if (!widget.ok()) return widget.status();
    const std::string name = req.key.name + "-config";
    absl::StatusOr<cache::ObjectPtr> existing = ctx.client.Get({"", "v1", "ConfigMap"}, {req.key.namespace_, name});
    if (existing.ok()) return Result{};
    if (!kop::IsNotFound(existing.status())) return existing.status();
    Object cm = Object::New({"", "v1", "ConfigMap"}, {req.key.namespace_, name});
    cm.set_owner_references({{.api_version = group_ + "/v1",
                              .kind = "Widget",
                              .name = std::string((*widget)->name()),
                              .uid = std::string((*widget)->uid()),
                              .controller = true,
                              .block_owner_deletion = true}});
    absl::StatusOr<Object> created = ctx.client.Create(cm);
    if (!created.ok() && !kop::IsAlreadyExists(created.status())) return created.status();
    return Result{};
  }
  std::atomic<int> reconciles{0};

 private:
  std::string group_;
};

std::unique_ptr<Manager> NewManager(TestCluster& c) {
  auto m = Manager::Create({.name = "test-operator", .config = test::ClientConfig(c), .namespaces = {c.ns()},
                            .graceful_shutdown_timeout = seconds(5), .cache_sync_timeout = seconds(30),
                            .metrics_bind_address = "0", .health_probe_bind_address = "0"});
  REQUIRE(m.ok());
  return *std::move(m);
}

TEST_CASE("Complete reports a missing For or an unknown kind instead of crashing") {
  TestCluster c;
  auto manager = NewManager(c);
  auto no_for = ControllerBuilder(*manager).Owns({"", "v1", "ConfigMap"}).Complete(
      std::make_unique<ConfigKeeper>("x"));
  REQUIRE_FALSE(no_for.ok());
  CHECK(no_for.status().message().find("For") != std::string_view::npos);
  auto unknown = ControllerBuilder(*manager).For({"nowhere.example.com", "v1", "Ghost"}).Complete(
      std::make_unique<ConfigKeeper>("x"));
  REQUIRE_FALSE(unknown.ok());
  CHECK(unknown.status().message().find("Ghost") != std::string_view::npos);
}

TEST_CASE("a builder-made controller keeps owned objects in place and stops when asked") {
  TestCluster c;
  const std::string group = c.InstallCrd("Widget", "widgets");
  auto manager = NewManager(c);
  auto keeper = std::make_unique<ConfigKeeper>(group);
  ConfigKeeper* k = keeper.get();
  auto controller = ControllerBuilder(*manager)
                        .For({group, "v1", "Widget"}, {predicate::GenerationChanged()})
                        .Owns({"", "v1", "ConfigMap"})
                        .WithOptions({.max_concurrent_reconciles = 2})
                        .Complete(std::move(keeper));
  REQUIRE(controller.ok());
  CHECK((*controller)->name() == "widget");

  std::stop_source stop;
  absl::Status result = absl::UnknownError("not returned");
  std::atomic<bool> returned{false};
  std::jthread runner([&] {
    result = manager->Start(stop.get_token());
    returned = true;
  });
  auto widgets = manager->client().Resource({group, "v1", "widgets"}, true).Namespace(c.ns());
  auto cms = manager->client().Resource({"", "v1", "configmaps"}, true).Namespace(c.ns());
  Object w = Object::New({group, "v1", "Widget"}, {c.ns(), "w"});
  REQUIRE(widgets.Create(w).ok());
  REQUIRE(WaitFor([&] { return cms.Get("w-config").ok(); }, seconds(30)));
  // Drift: someone deletes the owned object; the owner's reconcile puts it back.
  REQUIRE(cms.Delete("w-config").ok());
  REQUIRE(WaitFor([&] { return cms.Get("w-config").ok(); }, seconds(30)));
  auto restored = cms.Get("w-config");
  REQUIRE(restored.ok());
  CHECK(restored->owner_references().value()[0].name == "w");
  CHECK(k->reconciles.load() >= 2);

  stop.request_stop();
  REQUIRE(WaitFor([&] { return returned.load(); }, seconds(30)));
  runner.join();
  CHECK(result.ok());
}

TEST_CASE("the cached client reads from the caches and writes to the server") {
  TestCluster c;
  auto manager = NewManager(c);
  CachedClient& cached = manager->cached_client();
  const GroupVersionKind cm_gvk{"", "v1", "ConfigMap"};
  auto missing = cached.Get(cm_gvk, {c.ns(), "x"});  // starts and syncs the ConfigMap informer
  CHECK(kop::IsNotFound(missing.status()));
  CHECK(missing.status().message() == "configmaps \"x\" not found");
  Object cm = Object::New(cm_gvk, {c.ns(), "x"});
  cm.SetLabel("app", "web");
  REQUIRE(cached.Create(cm).ok());
  REQUIRE(WaitFor([&] { return cached.Get(cm_gvk, {c.ns(), "x"}).ok(); }));
  auto listed = cached.List(cm_gvk, c.ns(), LabelSelector::Parse("app=web").value());
  REQUIRE(listed.ok());
  CHECK(listed->size() == 1);
  auto got = cached.Get(cm_gvk, {c.ns(), "x"});
  Object changed = **got;
  changed.mutable_json()["data"] = {{"k", "v"}};
  REQUIRE(cached.Update(changed).ok());
  REQUIRE(WaitFor([&] {
    auto now = cached.Get(cm_gvk, {c.ns(), "x"});
    return now.ok() && (*now)->Find({"data", "k"}) != nullptr;
  }));
  REQUIRE(cached.Delete(changed).ok());
  REQUIRE(WaitFor([&] { return kop::IsNotFound(cached.Get(cm_gvk, {c.ns(), "x"}).status()); }));
  CHECK(absl::IsNotFound(cached.Get({"nowhere.example.com", "v1", "Ghost"}, {c.ns(), "x"}).status()));
}

TEST_CASE("Start fails clearly when the caches cannot sync in time [embedded-only]") {
  TestCluster c;
  if (c.embedded() == nullptr) return;
  auto manager = Manager::Create({.config = test::ClientConfig(c), .namespaces = {c.ns()},
                                  .cache_sync_timeout = std::chrono::milliseconds(300),
                                  .metrics_bind_address = "0", .health_probe_bind_address = "0"});
  REQUIRE(manager.ok());
  REQUIRE(ControllerBuilder(**manager).For({"", "v1", "ConfigMap"}).Complete(std::make_unique<ConfigKeeper>("x")).ok());
  c.embedded()->FailRequests({.verb = "list", .code = 500, .count = 100000});
  std::stop_source stop;
  absl::Status s = (*manager)->Start(stop.get_token());
  CHECK(absl::IsDeadlineExceeded(s));
  CHECK(s.message().find("did not sync") != std::string_view::npos);
  c.embedded()->ClearFaults();
}

}  // namespace
}  // namespace kop
