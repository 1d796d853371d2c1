// kop/leaderelection: one leader among an operator's replicas, over a
// coordination.k8s.io/v1 Lease, with client-go's algorithm and timings.
//
//   kop::leaderelection::LeaderElector elector(client, {
//       .lease_name = "application-operator", .lease_namespace = "operators",
//       .on_started_leading = [&] { controllers.Start(); },
//       .on_stopped_leading = [&] { controllers.Stop(); }});
//   absl::Status s = elector.Run(stop_token);  // Aborted when the lease was lost
//
// A candidate takes the Lease when it is free (no holder) or expired. Expiry is judged by
// this process's monotonic clock from when it last saw the record change, for the record's
// leaseDurationSeconds, never by comparing the remote timestamps (clocks are skewed). Every
// write carries the resourceVersion it read, so two candidates never both win. The leader
// renews every retry period; when it cannot renew for the renew deadline it stops leading
// (before the lease could expire for the others). On a requested stop, the leader releases
// the Lease (no holder, a 1 s duration) so a standby takes over within one retry period.
#ifndef KOP_LEADERELECTION_LEADER_ELECTOR_H_
#define KOP_LEADERELECTION_LEADER_ELECTOR_H_

#include <atomic>
#include <chrono>
#include <functional>
#include <optional>
#include <stop_token>
#include <string>

#include "absl/status/status.h"
#include "kop/api/object.h"
#include "kop/base/clock.h"
#include "kop/base/mutex.h"
#include "kop/client/client.h"
#include "kop/log/logger.h"

namespace kop::leaderelection {

struct LeaderElectionConfig {
  std::string lease_name;
  std::string lease_namespace = "default";
  // Empty: the host name plus a random suffix (unique per process).
  std::string identity;
  // client-go's defaults. renew_deadline must be below lease_duration and above 1.2 x
  // retry_period.
  std::chrono::milliseconds lease_duration{std::chrono::seconds(15)};
  std::chrono::milliseconds renew_deadline{std::chrono::seconds(10)};
  std::chrono::milliseconds retry_period{std::chrono::seconds(2)};
  bool release_on_cancel = true;
  // Called on the elector's thread; keep them short (start or stop things, then return).
  std::function<void()> on_started_leading;
  std::function<void()> on_stopped_leading;
  // Whenever the observed holder changes (also for others).
  std::function<void(const std::string& holder)> on_new_leader;
  const Clock* clock = nullptr;
  std::optional<log::Logger> log;
};

// The identity client-go would pick: "<hostname>_<random>".
std::string DefaultIdentity();

// Checks the timings (positive, renew_deadline < lease_duration, renew_deadline > 1.2 x
// retry_period) and that a lease name is set.
absl::Status Validate(const LeaderElectionConfig& config);

// Thread-safe.
class LeaderElector {
 public:
  // `client` must outlive the elector; its request timeout should not exceed the renew
  // deadline (the Manager gives the elector a client of its own for that).
  LeaderElector(const client::Client& client, LeaderElectionConfig config);

  // Campaigns, then leads, until `stop` is requested (OK, after releasing the Lease when
  // configured) or the lease is lost (Aborted). on_stopped_leading runs in both cases when
  // this candidate had been leading.
  absl::Status Run(std::stop_token stop);

  bool IsLeader() const { return leading_.load(); }
  // Attempts to acquire or renew made so far (each reads the Lease).
  int64_t attempts() const { return attempts_.load(); }
  std::string leader() const;
  const std::string& identity() const { return config_.identity; }
  // For a liveness check: an error when leading but the last renewal is older than the
  // renew deadline plus `margin`.
  absl::Status Check(std::chrono::milliseconds margin = std::chrono::seconds(20)) const;

 private:
  enum class Attempt { kHeld, kNotHeld, kError };
  Attempt TryAcquireOrRenew();
  // Sleeps for `d`; false when `stop` was requested meanwhile.
  bool Sleep(std::stop_token stop, Clock::Duration d);
  void Release();
  void SetLeading(bool leading);

  const client::ResourceClient leases_;
  LeaderElectionConfig config_;
  const Clock& clock_;
  const log::Logger log_;

  std::atomic<bool> leading_{false};
  std::atomic<int64_t> attempts_{0};
  mutable kop::Mutex mu_;
  kop::CondVar cv_;  // signalled on stop
  std::optional<Object> observed_ ABSL_GUARDED_BY(mu_);  // the Lease as last read or written
  Clock::TimePoint observed_time_ ABSL_GUARDED_BY(mu_);   // when its spec last changed
  Clock::TimePoint last_renew_ ABSL_GUARDED_BY(mu_);
  std::string leader_ ABSL_GUARDED_BY(mu_);
};

}  // namespace kop::leaderelection

#endif  // KOP_LEADERELECTION_LEADER_ELECTOR_H_
