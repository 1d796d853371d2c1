// The Manager over a scripted transport (no server): start order, readiness, runnables,
// errors, and the event recorders it owns.
#include "kop/manager/manager.h"

#include <chrono>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "catch2/catch.hpp"
#include "kop/base/mutex.h"
#include "support/api_json.h"
#include "support/scripted_transport.h"

namespace kop {
namespace {

using kop::test::ScriptedTransport;
using namespace std::chrono_literals;

const std::vector<kop::test::DiscoveredResource> kServed = {{"apps", "v1", "deployments", "Deployment"}};
const std::string kApis = kop::test::AggregatedDiscovery(kServed, false);
const std::string kApi = kop::test::AggregatedDiscovery(kServed, true);
constexpr const char* kAggregated = kop::test::kAggregatedDiscoveryType;

std::shared_ptr<ScriptedTransport> Serving(bool lists_work) {
  auto t = std::make_shared<ScriptedTransport>();
  t->Answer("/apis", 200, kApis, kAggregated, "apidiscovery.k8s.io");
  t->Answer("/api", 200, kApi, kAggregated, "apidiscovery.k8s.io");
  if (lists_work) {
    t->Answer("/apis/apps/v1/deployments?*", 200,
              R"({"kind":"DeploymentList","apiVersion":"apps/v1","metadata":{"resourceVersion":"3"},"items":[]})");
  } else {
    t->Answer("/apis/apps/v1/deployments?*", 503,
              R"({"kind":"Status","apiVersion":"v1","status":"Failure","reason":"ServiceUnavailable","code":503})");
  }
  return t;
}

ManagerOptions Options(std::shared_ptr<ScriptedTransport> t) {
  ManagerOptions o;
  o.name = "unit";
  o.transport = std::move(t);
  o.metrics_bind_address = "0";
  o.health_probe_bind_address = "0";
  o.graceful_shutdown_timeout = 5s;
  return o;
}

// Records what it saw when it started, and runs until stopped (or fails at once).
class Probe final : public Runnable {
 public:
  Probe(Manager& m, bool needs_leader, absl::Status fail = absl::OkStatus())
      : m_(m), needs_leader_(needs_leader), fail_(std::move(fail)) {}
  absl::Status Run(std::stop_token stop) override {
    const bool synced = m_.cache().WaitForCacheSync(0ms);
    const bool ready = m_.health_checks().RunOne(health::Checks::Kind::kReadyz, "informers-synced").ok();
    {
      kop::MutexLock lock(&mu_);
      started_ = true;
      synced_at_start_ = synced;
      ready_at_start_ = ready;
      cv_.SignalAll();
    }
    if (!fail_.ok()) return fail_;
    std::stop_callback wake(stop, [this] {
      kop::MutexLock lock(&mu_);
      cv_.SignalAll();
    });
    kop::MutexLock lock(&mu_);
    while (!stop.stop_requested()) cv_.Wait(&mu_);
    stopped_ = true;
    return absl::OkStatus();
  }
  bool NeedsLeaderElection() const override { return needs_leader_; }
  bool WaitStarted(std::chrono::milliseconds timeout = 10s) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    kop::MutexLock lock(&mu_);
    while (!started_) {
      if (!cv_.WaitUntil(&mu_, deadline)) return started_;
    }
    return true;
  }
  bool started() {
    kop::MutexLock lock(&mu_);
    return started_;
  }
  bool synced_at_start() {
    kop::MutexLock lock(&mu_);
    return synced_at_start_;
  }
  bool ready_at_start() {
    kop::MutexLock lock(&mu_);
    return ready_at_start_;
  }
  bool stopped() {
    kop::MutexLock lock(&mu_);
    return stopped_;
  }

 private:
  Manager& m_;
  const bool needs_leader_;
  const absl::Status fail_;
  kop::Mutex mu_;
  kop::CondVar cv_;
  bool started_ ABSL_GUARDED_BY(mu_) = false;
  bool synced_at_start_ ABSL_GUARDED_BY(mu_) = false;
  bool ready_at_start_ ABSL_GUARDED_BY(mu_) = false;
  bool stopped_ ABSL_GUARDED_BY(mu_) = false;
};

TEST_CASE("manager: runnables start after the caches synced, and stop when it stops", "[manager]") {
  absl::StatusOr<std::unique_ptr<Manager>> m = Manager::Create(Options(Serving(true)));
  REQUIRE(m.ok());
  Manager& manager = **m;
  REQUIRE(manager.cache().ForKind({"apps", "v1", "Deployment"}).ok());
  CHECK_FALSE(manager.health_checks().RunOne(health::Checks::Kind::kReadyz, "informers-synced").ok());
  auto probe = std::make_unique<Probe>(manager, true);
  auto everywhere = std::make_unique<Probe>(manager, false);
  Probe* p = probe.get();
  Probe* e = everywhere.get();
  manager.Add(std::move(probe));
  manager.Add(std::move(everywhere));
  std::stop_source stop;
  absl::Status result = absl::UnknownError("not returned");
  std::thread run([&] { result = manager.Start(stop.get_token()); });
  REQUIRE(p->WaitStarted());
  REQUIRE(e->WaitStarted());
  CHECK(p->synced_at_start());
  CHECK(p->ready_at_start());
  CHECK(e->synced_at_start());
  CHECK(manager.IsLeader());  // no leader election: this replica leads
  // Added while running: starts at once.
  auto late = std::make_unique<Probe>(manager, true);
  Probe* l = late.get();
  manager.Add(std::move(late));
  REQUIRE(l->WaitStarted());
  stop.request_stop();
  run.join();
  CHECK(result.ok());
  CHECK(p->stopped());
  CHECK(e->stopped());
  CHECK(l->stopped());
}

TEST_CASE("manager: caches that do not sync in time fail Start before anything runs", "[manager]") {
  ManagerOptions o = Options(Serving(false));
  o.cache_sync_timeout = 300ms;
  absl::StatusOr<std::unique_ptr<Manager>> m = Manager::Create(std::move(o));
  REQUIRE(m.ok());
  REQUIRE((*m)->cache().ForKind({"apps", "v1", "Deployment"}).ok());
  auto probe = std::make_unique<Probe>(**m, false);
  Probe* p = probe.get();
  (*m)->Add(std::move(probe));
  std::stop_source stop;
  absl::Status result = (*m)->Start(stop.get_token());
  CHECK(absl::IsDeadlineExceeded(result));
  CHECK(result.message().find("caches did not sync") != std::string::npos);
  CHECK_FALSE(p->started());
}

TEST_CASE("manager: a failing runnable's error is what Start returns", "[manager]") {
  absl::StatusOr<std::unique_ptr<Manager>> m = Manager::Create(Options(Serving(true)));
  REQUIRE(m.ok());
  auto failing = std::make_unique<Probe>(**m, false, absl::InternalError("the sweeper broke"));
  Probe* f = failing.get();
  (*m)->Add(std::move(failing));
  std::stop_source stop;
  absl::Status result;
  std::thread run([&] { result = (*m)->Start(stop.get_token()); });
  REQUIRE(f->WaitStarted());
  stop.request_stop();
  run.join();
  CHECK(absl::IsInternal(result));
  CHECK(result.message() == "the sweeper broke");
}

TEST_CASE("manager: one event recorder per component, owned by the manager; bad options are errors", "[manager]") {
  absl::StatusOr<std::unique_ptr<Manager>> m = Manager::Create(Options(Serving(true)));
  REQUIRE(m.ok());
  util::EventRecorder& a = (*m)->EventRecorderFor("app-controller");
  CHECK(&a == &(*m)->EventRecorderFor("app-controller"));
  CHECK(&a != &(*m)->EventRecorderFor("other"));

  ManagerOptions bad = Options(Serving(true));
  bad.metrics_bind_address = "not an address";
  CHECK_FALSE(Manager::Create(std::move(bad)).ok());
  ManagerOptions timings = Options(Serving(true));
  timings.leader_election = true;
  timings.leader_election_namespace = "ops";
  timings.renew_deadline = 20s;  // longer than the lease
  absl::StatusOr<std::unique_ptr<Manager>> refused = Manager::Create(std::move(timings));
  CHECK(absl::IsInvalidArgument(refused.status()));
}

}  // namespace
}  // namespace kop
