// The Application operator as the chaos harness runs it: in this process (with every
// reconcile instrumented), or as a fleet of application-operator processes with leader
// election that the harness kills and restarts.
#ifndef KOP_TEST_CHAOS_OPERATORS_H_
#define KOP_TEST_CHAOS_OPERATORS_H_

#include <atomic>
#include <map>
#include <memory>
#include <optional>
#include <random>
#include <set>
#include <stop_token>
#include <string>
#include <thread>
#include <vector>

#include "absl/time/time.h"
#include "kop/base/mutex.h"
#include "kop/client/client.h"
#include "kop/manager/manager.h"
#include "kop/util/event_recorder.h"

namespace kop::chaos {

// What the instrumented reconciler saw. Thread-safe.
class ReconcileLedger {
 public:
  void Begin(const std::string& key);
  void End(const std::string& key, const absl::Status& status);
  // How often each error (its first 100 characters) was seen.
  std::map<std::string, int> Errors() const;
  // Keys whose reconciles overlapped, and those of `live` whose last reconcile failed (an
  // Application deleted after a failure has nothing left to reconcile).
  std::vector<std::string> Violations(const std::set<std::string>& live) const;
  int reconciles() const;
  int errors() const;
  // Reconciles of one key so far.
  int reconciles(const std::string& key) const;

 private:
  mutable kop::Mutex mu_;  // guards everything below
  std::map<std::string, int> active_ ABSL_GUARDED_BY(mu_);
  std::map<std::string, bool> last_ok_ ABSL_GUARDED_BY(mu_);
  std::vector<std::string> overlaps_ ABSL_GUARDED_BY(mu_);
  int reconciles_ ABSL_GUARDED_BY(mu_) = 0;
  int errors_ ABSL_GUARDED_BY(mu_) = 0;
  std::map<std::string, int> error_messages_ ABSL_GUARDED_BY(mu_);
  std::map<std::string, int> per_key_ ABSL_GUARDED_BY(mu_);
};

// The operator's controllers (Application, with two workers, and the Deployment simulator)
// in a Manager run on its own thread.
class InProcessOperator {
 public:
  static absl::StatusOr<std::unique_ptr<InProcessOperator>> Start(const client::Config& config);
  ~InProcessOperator();
  const ReconcileLedger& ledger() const { return ledger_; }
  // The recorder of the operator's Events (WaitIdle lets a test see every Event written).
  util::EventRecorder& events() { return *events_; }
  // The manager's error, once it has returned (it should not before the end).
  bool Failed(std::string* why);

 private:
  InProcessOperator() = default;
  ReconcileLedger ledger_;
  std::unique_ptr<Manager> manager_;
  std::unique_ptr<util::EventRecorder> events_;  // uses manager_'s client
  kop::Mutex mu_;  // guards result_
  std::optional<absl::Status> result_ ABSL_GUARDED_BY(mu_);
  std::jthread thread_;
};

// `replicas` application-operator processes electing a leader through a Lease. Chaos kills
// the leader (SIGKILL or SIGTERM) or a standby at random points and starts it again.
class OperatorFleet {
 public:
  OperatorFleet(std::string binary, std::string kubeconfig, std::string workdir, int replicas, uint64_t seed);
  ~OperatorFleet();
  absl::Status StartAll();
  // Until `stop`: every 1.5–5 s, kills the leader (usually) or a standby, then starts it again
  // 0.3–2 s later. Replicas that exit by themselves (lost leadership) are restarted.
  void Chaos(std::stop_token stop, client::Client& client);
  // Starts whatever is not running.
  void EnsureAllRunning();
  void StopAll();
  // From the processes' logs: reconciles of one key that overlapped, and reconciles of two
  // processes that overlapped (two leaders acting at once); crashes (death by a signal the
  // harness did not send); keys of `live` whose last reconcile failed. (A key deleted after a
  // failed reconcile is not one: while no replica leads, nobody sees the deletion, and a new
  // leader's list no longer has the key.)
  std::vector<std::string> Violations(const std::set<std::string>& live) const;
  std::map<std::string, int> Counts() const;
  int reconciles() const;

 private:
  struct Incarnation {
    int replica;
    pid_t pid;
    std::string log;
    absl::Time started;
    std::optional<absl::Time> died;  // when the harness saw it gone (after a kill, exact)
    bool killed = false;             // by the harness
    int status = 0;                  // waitpid's
  };
  absl::Status Spawn(int replica);
  void Reap(bool block);
  int LeaderReplica(client::Client& client) const;

  const std::string binary_, kubeconfig_, workdir_;
  const int replicas_;
  std::mt19937_64 rng_;
  std::vector<Incarnation> incarnations_;
  std::vector<int> running_;  // per replica: index into incarnations_, or -1
  std::map<std::string, int> counts_;
  mutable int reconciles_ = 0;
};

}  // namespace kop::chaos

#endif  // KOP_TEST_CHAOS_OPERATORS_H_
