// Leader election over a Lease, against the embedded API server (or a real cluster with
// KOP_TEST_KUBECONFIG). Timings are short (lease 2 s, renew 1.5 s, retry 250 ms) so that
// failovers happen in seconds.
#include <cstdio>

#include "catch2/catch.hpp"
#include "kop/leaderelection/leader_elector.h"
#include "kop/manager/manager.h"
#include "kop/metrics/metrics.h"
#include "support/client_env.h"
#include "support/cluster.h"
#include "support/wait.h"

namespace kop::leaderelection {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;
using Clock = std::chrono::steady_clock;
using test::TestCluster;
using test::WaitFor;

constexpr milliseconds kLease{2000};
constexpr milliseconds kRenew{1500};
constexpr milliseconds kRetry{250};

// Who led when: every candidate appends its leading windows.
struct Record {
  kop::Mutex mu;
  struct Window {
    int who;
    Clock::time_point start, end;
  };
  std::vector<Window> windows ABSL_GUARDED_BY(mu);
  std::map<int, Clock::time_point> open ABSL_GUARDED_BY(mu);
  int leading ABSL_GUARDED_BY(mu) = 0;
  int max_leading ABSL_GUARDED_BY(mu) = 0;

  void Start(int who) {
    kop::MutexLock lock(&mu);
    open[who] = Clock::now();
    max_leading = std::max(max_leading, ++leading);
  }
  void Stop(int who) {
    kop::MutexLock lock(&mu);
    auto it = open.find(who);
    if (it == open.end()) return;
    windows.push_back({who, it->second, Clock::now()});
    open.erase(it);
    --leading;
  }
};

struct Candidate {
  Candidate(TestCluster& c, const std::string& lease, int who, Record& record, bool release = true)
      : client(test::ConnectClient(c)),
        elector(*client, {.lease_name = lease,
                          .lease_namespace = c.ns(),
                          .identity = "candidate-" + std::to_string(who),
                          .lease_duration = kLease,
                          .renew_deadline = kRenew,
                          .retry_period = kRetry,
                          .release_on_cancel = release,
                          .on_started_leading = [&record, who] { record.Start(who); },
                          .on_stopped_leading = [&record, who] { record.Stop(who); }}) {}

  void Run() {
    thread = std::thread([this] { status = elector.Run(stop.get_token()); });
  }
  void Stop() {
    stop.request_stop();
    if (thread.joinable()) thread.join();
  }
  ~Candidate() { Stop(); }

  std::unique_ptr<client::Client> client;
  LeaderElector elector;
  std::stop_source stop;
  std::thread thread;
  absl::Status status;
};

int Leaders(const std::vector<std::unique_ptr<Candidate>>& cs) {
  int n = 0;
  for (const auto& c : cs) n += c->elector.IsLeader() ? 1 : 0;
  return n;
}

Candidate* Leader(const std::vector<std::unique_ptr<Candidate>>& cs) {
  for (const auto& c : cs) {
    if (c->elector.IsLeader()) return c.get();
  }
  return nullptr;
}

TEST_CASE("the configuration is checked") {
  REQUIRE(Validate({.lease_name = "x"}).ok());
  REQUIRE_FALSE(Validate({}).ok());
  auto s = Validate({.lease_name = "x", .lease_duration = seconds(5), .renew_deadline = seconds(10)});
  REQUIRE(s.message().find("must be greater than the renew deadline") != std::string::npos);
  s = Validate({.lease_name = "x", .renew_deadline = seconds(2), .retry_period = seconds(2)});
  REQUIRE(s.message().find("1.2 x the retry period") != std::string::npos);
  REQUIRE(DefaultIdentity() != DefaultIdentity());
}

TEST_CASE("of three candidates exactly one leads, round after round, and windows never overlap") {
  TestCluster c;
  Record record;
  std::vector<std::unique_ptr<Candidate>> cs;
  for (int i = 0; i < 3; ++i) cs.push_back(std::make_unique<Candidate>(c, "rounds", i, record));
  for (auto& cand : cs) cand->Run();
  for (int round = 0; round < 4; ++round) {
    REQUIRE(WaitFor([&] { return Leaders(cs) == 1; }, seconds(15)));
    Candidate* leader = Leader(cs);
    REQUIRE(leader != nullptr);
    // Everyone agrees on who it is.
    REQUIRE(WaitFor([&] {
      for (const auto& cand : cs) {
        if (cand->elector.leader() != leader->elector.identity()) return false;
      }
      return true;
    }, seconds(10)));
    // The leader steps down (releasing); a new candidate replaces it.
    leader->Stop();
    REQUIRE(leader->status.ok());
    auto fresh = std::make_unique<Candidate>(c, "rounds", 10 + round, record);
    fresh->Run();
    for (auto& cand : cs) {
      if (cand.get() == leader) cand = std::move(fresh);
    }
  }
  for (auto& cand : cs) cand->Stop();
  kop::MutexLock lock(&record.mu);
  REQUIRE(record.max_leading == 1);
  REQUIRE(record.windows.size() >= 4);
  std::sort(record.windows.begin(), record.windows.end(),
            [](const auto& a, const auto& b) { return a.start < b.start; });
  for (size_t i = 1; i < record.windows.size(); ++i) {
    INFO("window " << i);
    REQUIRE(record.windows[i - 1].end <= record.windows[i].start);
  }
}

TEST_CASE("failover: a killed leader is replaced within the lease duration, a released one at once") {
  TestCluster c;
  Record record;
  for (bool release : {false, true}) {
    const std::string lease = release ? "graceful" : "killed";
    auto first = std::make_unique<Candidate>(c, lease, 1, record, release);
    first->Run();
    REQUIRE(WaitFor([&] { return first->elector.IsLeader(); }, seconds(10)));
    auto second = std::make_unique<Candidate>(c, lease, 2, record, release);
    second->Run();
    REQUIRE(WaitFor([&] { return second->elector.leader() == "candidate-1"; }, seconds(10)));
    // Without release this is a crash as far as the Lease can tell: nobody clears it.
    const auto stopped = Clock::now();
    first->Stop();
    REQUIRE(WaitFor([&] { return second->elector.IsLeader(); }, seconds(15)));
    const auto took = std::chrono::duration_cast<milliseconds>(Clock::now() - stopped);
    std::printf("failover (%s): %lld ms\n", release ? "released" : "killed",
                static_cast<long long>(took.count()));
    // Bounds from the algorithm: the standby notices within its jittered retry period
    // (at most 2.2 x retry) after the lease ran out (killed) or was cleared (released);
    // one extra second covers scheduling on a loaded machine.
    const milliseconds slack = milliseconds(static_cast<int>(2.2 * kRetry.count())) + seconds(1);
    if (release) {
      CHECK(took <= slack);
    } else {
      CHECK(took <= kLease + slack);
    }
    second->Stop();
  }
}

TEST_CASE("a leader that cannot reach the API server steps down before its lease expires [embedded-only]") {
  TestCluster c;
  if (c.embedded() == nullptr) return;
  Record record;
  Candidate leader(c, "unreachable", 1, record);
  leader.Run();
  REQUIRE(WaitFor([&] { return leader.elector.IsLeader(); }, seconds(10)));
  const auto cut = Clock::now();  // no renewal succeeds after this
  c.embedded()->FailRequests({.path = "/leases/", .code = 503, .count = 1000000});
  REQUIRE(WaitFor([&] { return !leader.elector.IsLeader(); }, seconds(10)));
  const auto stepped_down = Clock::now();
  // Others may take over once the lease (last renewed before `cut`) has expired: after
  // cut + kLease at the earliest. The leader must have stopped before then.
  CHECK(stepped_down < cut + kLease);
  leader.thread.join();
  CHECK(leader.status.code() == absl::StatusCode::kAborted);
  c.embedded()->ClearFaults();
}

TEST_CASE("a Lease held by a stranger is respected, and taking it from the leader deposes it") {
  TestCluster c;
  auto client = test::ConnectClient(c);
  auto leases = client->Resource({"coordination.k8s.io", "v1", "leases"}, true).Namespace(c.ns());
  Object lease = Object::New({"coordination.k8s.io", "v1", "Lease"}, {c.ns(), "stranger"});
  lease.mutable_json()["spec"] = {{"holderIdentity", "stranger"}, {"leaseDurationSeconds", 3600},
                                  {"renewTime", "2020-01-01T00:00:00.000000Z"},
                                  {"leaseTransitions", 4}};
  // The remote timestamps are ancient: expiry is judged by the local clock, from when the
  // record was first seen, so the stranger still holds it.
  REQUIRE(leases.Create(lease).ok());
  Record record;
  Candidate cand(c, "stranger", 1, record);
  cand.Run();
  REQUIRE(WaitFor([&] { return cand.elector.attempts() >= 4; }, seconds(10)));
  CHECK_FALSE(cand.elector.IsLeader());
  CHECK(cand.elector.leader() == "stranger");

  // Released by the stranger: taken, with a transition counted.
  auto current = leases.Get("stranger");
  REQUIRE(current.ok());
  current->mutable_json()["spec"]["holderIdentity"] = "";
  REQUIRE(leases.Update(*current).ok());
  REQUIRE(WaitFor([&] { return cand.elector.IsLeader(); }, seconds(10)));
  auto taken = leases.Get("stranger");
  REQUIRE(taken.ok());
  CHECK(taken->json()["spec"]["holderIdentity"] == "candidate-1");
  CHECK(taken->json()["spec"]["leaseTransitions"] == 5);
  CHECK(taken->json()["spec"]["leaseDurationSeconds"] == 2);
  CHECK(taken->json()["spec"].contains("acquireTime"));

  // The stranger overwrites the holder: the leader must stop leading.
  REQUIRE(WaitFor([&] {
    auto l = leases.Get("stranger");
    if (!l.ok()) return false;
    l->mutable_json()["spec"]["holderIdentity"] = "stranger";
    l->mutable_json()["spec"]["leaseDurationSeconds"] = 3600;
    return leases.Update(*l).ok();  // retried on a conflict with a renewal
  }, seconds(10)));
  REQUIRE(WaitFor([&] { return !cand.elector.IsLeader(); }, seconds(10)));
  cand.thread.join();
  CHECK(cand.status.code() == absl::StatusCode::kAborted);
  kop::MutexLock lock(&record.mu);
  CHECK(record.windows.size() == 1);
}

// Counts reconciles per manager.
class Counting final : public Reconciler {
 public:
  absl::StatusOr<Result> Reconcile(const Request&, ReconcileContext&) override {
    ++count;
    return Result{};
  }
  std::atomic<int> count{0};
};

TEST_CASE("managers with leader election: only the leader reconciles, a standby takes over") {
  TestCluster c;
  struct Replica {
    std::unique_ptr<Manager> manager;
    Counting* reconciler = nullptr;
    std::stop_source stop;
    std::thread thread;
    absl::Status status;
  };
  std::vector<std::unique_ptr<Replica>> replicas;
  for (int i = 0; i < 2; ++i) {
    auto r = std::make_unique<Replica>();
    auto m = Manager::Create({.name = "le", .config = test::ClientConfig(c), .namespaces = {c.ns()},
                              .graceful_shutdown_timeout = seconds(5),
                              .metrics_bind_address = "0", .health_probe_bind_address = "0",
                              .leader_election = true, .leader_election_id = "le-test",
                              .leader_election_namespace = c.ns(), .lease_duration = kLease,
                              .renew_deadline = kRenew, .retry_period = kRetry,
                              .exit_on_lost_leadership = false,
                              .leader_election_identity = "replica-" + std::to_string(i)});
    REQUIRE(m.ok());
    r->manager = *std::move(m);
    auto rec = std::make_unique<Counting>();
    r->reconciler = rec.get();
    REQUIRE(ControllerBuilder(*r->manager).For({"", "v1", "ConfigMap"}).Complete(std::move(rec)).ok());
    Replica* raw = r.get();
    r->thread = std::thread([raw] { raw->status = raw->manager->Start(raw->stop.get_token()); });
    replicas.push_back(std::move(r));
  }
  REQUIRE(WaitFor([&] { return replicas[0]->manager->IsLeader() || replicas[1]->manager->IsLeader(); },
                  seconds(15)));
  const int leader = replicas[0]->manager->IsLeader() ? 0 : 1;
  const int standby = 1 - leader;
  CHECK_FALSE(replicas[standby]->manager->IsLeader());
  CHECK(replicas[leader]->manager->metrics().Text().find(
            "leader_election_master_status{name=\"le-test\"} 1") != std::string::npos);
  CHECK(replicas[standby]->manager->metrics().Text().find(
            "leader_election_master_status{name=\"le-test\"} 0") != std::string::npos);

  auto client = test::ConnectClient(c);
  auto cms = client->Resource({"", "v1", "configmaps"}, true).Namespace(c.ns());
  REQUIRE(cms.Create(Object::New({"", "v1", "ConfigMap"}, {c.ns(), "one"})).ok());
  REQUIRE(WaitFor([&] { return replicas[leader]->reconciler->count.load() >= 1; }));
  CHECK(replicas[standby]->reconciler->count.load() == 0);

  replicas[leader]->stop.request_stop();  // graceful: releases the lease
  replicas[leader]->thread.join();
  CHECK(replicas[leader]->status.ok());
  REQUIRE(WaitFor([&] { return replicas[standby]->manager->IsLeader(); }, seconds(10)));
  // The new leader's informers were warm; it reconciles what exists at once.
  REQUIRE(WaitFor([&] { return replicas[standby]->reconciler->count.load() >= 1; }));
  replicas[standby]->stop.request_stop();
  replicas[standby]->thread.join();
  CHECK(replicas[standby]->status.ok());
}

}  // namespace
}  // namespace kop::leaderelection
