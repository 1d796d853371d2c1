// kop::testkit's Environment as a user's tests use it: the embedded server (or
// KOP_TEST_KUBECONFIG's cluster), CRDs from a folder, namespaces, a background Manager and
// waits with a deadline.
#include "kop/testkit/environment.h"

#include <chrono>
#include <memory>
#include <string>

#include "catch2/catch.hpp"
#include "kop/api/condition.h"
#include "kop/controller/builder.h"

namespace kop::testkit {
namespace {

using namespace std::chrono_literals;

const GroupVersionKind kApplication{"example.com", "v1", "Application"};
const GroupVersionKind kConfigMap{"", "v1", "ConfigMap"};

// Marks each Application's status (a field its CRD schema has: others would be pruned).
class Marker final : public Reconciler {
 public:
  absl::StatusOr<Result> Reconcile(const Request& req, ReconcileContext& ctx) override {
    absl::StatusOr<client::ObjectPtr> app = ctx.client.Get(kApplication, req.key);
    if (kop::IsNotFound(app.status())) return Result{};
    if (!app.ok()) return app.status();
    if ((*app)->FindView({"status", "configHash"}).exists()) return Result{};
    Object updated = **app;
    updated.mutable_status()["configHash"] = "marked-" + req.key.name;
    absl::StatusOr<Object> written = ctx.client.Status().Update(updated);
    if (!written.ok() && !kop::IsConflict(written.status())) return written.status();
    return Result{};
  }
};

TEST_CASE("testkit: an environment with CRDs from a folder runs a manager in the background") {
  absl::StatusOr<std::unique_ptr<Environment>> env = Environment::Start({.crd_paths = {KOP_CRDS_DIR}});
  INFO(env.status().ToString());
  REQUIRE(env.ok());
  CHECK((*env)->config().qps == 0);  // no client-side rate limit
  CHECK(((*env)->embedded() != nullptr) == !(*env)->existing_cluster());
  absl::StatusOr<std::string> ns = (*env)->CreateNamespace("testkit");
  REQUIRE(ns.ok());
  CHECK(ns->rfind("testkit-", 0) == 0);

  absl::StatusOr<std::unique_ptr<Manager>> manager = Manager::Create((*env)->ManagerOptionsFor("testkit-test"));
  REQUIRE(manager.ok());
  REQUIRE(ControllerBuilder(**manager).For(kApplication).Complete(std::make_unique<Marker>()).ok());
  absl::StatusOr<std::unique_ptr<BackgroundManager>> running = BackgroundManager::Start(*std::move(manager));
  REQUIRE(running.ok());

  Object app = Object::New(kApplication, {*ns, "web"});
  app.mutable_spec() = {{"image", "nginx:1.25"}};
  REQUIRE((*env)->client().Create(app).ok());
  absl::Status marked = EventuallyOk([&]() -> absl::Status {
    absl::StatusOr<client::ObjectPtr> got = (*env)->client().Get(kApplication, {*ns, "web"});
    if (!got.ok()) return got.status();
    if ((*got)->FindView({"status", "configHash"}).get_string() != "marked-web") {
      return absl::UnavailableError("not marked yet");
    }
    return absl::OkStatus();
  }, 30s);
  INFO(marked.ToString());
  CHECK(marked.ok());
  CHECK((*running)->Stop().ok());
}

TEST_CASE("testkit: waits report the last error at their deadline; bad CRD paths are named") {
  int calls = 0;
  absl::Status s = EventuallyOk([&] {
    ++calls;
    return absl::UnavailableError("still starting");
  }, 50ms, 5ms);
  CHECK(absl::IsDeadlineExceeded(s));
  CHECK(s.message().find("still starting") != std::string::npos);
  CHECK(calls >= 2);
  CHECK(Eventually([&] { return ++calls > 5; }, 1s, 1ms));

  absl::StatusOr<std::unique_ptr<Environment>> env = Environment::Start({.crd_paths = {"/no/such/crds"}});
  CHECK(absl::IsNotFound(env.status()));
  CHECK(env.status().message().find("/no/such/crds") != std::string::npos);
}

}  // namespace
}  // namespace kop::testkit
