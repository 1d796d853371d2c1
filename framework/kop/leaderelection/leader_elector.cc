#include "kop/leaderelection/leader_elector.h"

#include <unistd.h>

#include <cmath>
#include <random>

#include "kop/api/time.h"
#include "kop/base/status_macros.h"
#include "kop/base/strings.h"
#include "kop/client/errors.h"

namespace kop::leaderelection {
namespace {

const GroupVersionResource kLeases{"coordination.k8s.io", "v1", "leases"};

int64_t Seconds(std::chrono::milliseconds d) {
  return std::max<int64_t>(1, static_cast<int64_t>(std::ceil(d.count() / 1000.0)));
}

std::string StringAt(const Json& spec, const char* field) {
  auto it = spec.find(field);
  return it != spec.end() && it->is_string() ? it->get<std::string>() : std::string();
}

int64_t IntAt(const Json& spec, const char* field) {
  auto it = spec.find(field);
  return it != spec.end() && it->is_number_integer() ? it->get<int64_t>() : 0;
}

const Json& SpecOf(const Object& lease) {
  static const Json empty = Json::object();
  auto it = lease.json().find("spec");
  return it != lease.json().end() && it->is_object() ? *it : empty;
}

}  // namespace

std::string DefaultIdentity() {
  char host[256] = {};
  if (gethostname(host, sizeof host - 1) != 0 || host[0] == '\0') std::snprintf(host, sizeof host, "kop");
  static const char kAlphabet[] = "bcdfghjklmnpqrstvwxz2456789";
  std::random_device rd;
  std::string suffix;
  for (int i = 0; i < 8; ++i) suffix += kAlphabet[rd() % (sizeof kAlphabet - 1)];
  return kop::StrCat(host, "_", suffix);
}

absl::Status Validate(const LeaderElectionConfig& c) {
  if (c.lease_name.empty()) return absl::InvalidArgumentError("leader election: no lease name");
  if (c.lease_namespace.empty()) {
    return absl::InvalidArgumentError("leader election: no lease namespace");
  }
  if (c.lease_duration.count() <= 0 || c.renew_deadline.count() <= 0 || c.retry_period.count() <= 0) {
    return absl::InvalidArgumentError(
        "leader election: lease duration, renew deadline and retry period must be positive");
  }
  if (c.lease_duration <= c.renew_deadline) {
    return absl::InvalidArgumentError(kop::StrCat(
        "leader election: the lease duration (", c.lease_duration.count(),
        " ms) must be greater than the renew deadline (", c.renew_deadline.count(), " ms)"));
  }
  if (c.renew_deadline.count() <= 1.2 * static_cast<double>(c.retry_period.count())) {
    return absl::InvalidArgumentError(kop::StrCat(
        "leader election: the renew deadline (", c.renew_deadline.count(),
        " ms) must be greater than 1.2 x the retry period (", c.retry_period.count(), " ms)"));
  }
  return absl::OkStatus();
}

LeaderElector::LeaderElector(const client::Client& client, LeaderElectionConfig config)
    : leases_(client.Resource(kLeases, true).Namespace(config.lease_namespace)),
      config_(std::move(config)),
      clock_(config_.clock != nullptr ? *config_.clock : RealClock()),
      log_(config_.log.has_value() ? *config_.log : log::Root().WithName("leader-election")) {
  if (config_.identity.empty()) config_.identity = DefaultIdentity();
}

std::string LeaderElector::leader() const {
  kop::MutexLock lock(&mu_);
  return leader_;
}

absl::Status LeaderElector::Check(std::chrono::milliseconds margin) const {
  if (!leading_.load()) return absl::OkStatus();
  kop::MutexLock lock(&mu_);
  const auto since = clock_.Now() - last_renew_;
  if (since > config_.renew_deadline + margin) {
    return absl::DeadlineExceededError(kop::StrCat(
        "leader has not renewed lease ", config_.lease_namespace, "/", config_.lease_name, " for ",
        std::chrono::duration_cast<std::chrono::milliseconds>(since).count(), " ms"));
  }
  return absl::OkStatus();
}

void LeaderElector::SetLeading(bool leading) { leading_.store(leading); }

bool LeaderElector::Sleep(std::stop_token stop, Clock::Duration d) {
  std::stop_callback wake(stop, [this] {
    kop::MutexLock lock(&mu_);
    cv_.SignalAll();
  });
  kop::MutexLock lock(&mu_);
  clock_.AwaitWithDeadline(mu_, cv_, [&] { return stop.stop_requested(); }, clock_.Now() + d);
  return !stop.stop_requested();
}

LeaderElector::Attempt LeaderElector::TryAcquireOrRenew() {
  struct Count {
    std::atomic<int64_t>& n;
    ~Count() { ++n; }
  } count{attempts_};
  const absl::Time wall = clock_.WallNow();
  const std::string now_text = FormatRFC3339Micro(wall);
  absl::StatusOr<Object> got = leases_.Get(config_.lease_name);
  if (!got.ok() && kop::IsNotFound(got.status())) {
    Object lease = Object::New({"coordination.k8s.io", "v1", "Lease"},
                               {config_.lease_namespace, config_.lease_name});
    lease.mutable_json()["spec"] = Json{{"holderIdentity", config_.identity},
                                        {"leaseDurationSeconds", Seconds(config_.lease_duration)},
                                        {"acquireTime", now_text},
                                        {"renewTime", now_text},
                                        {"leaseTransitions", 0}};
    absl::StatusOr<Object> created = leases_.Create(lease);
    if (!created.ok()) {
      log_.V(1).Info("cannot create the lease", "error", created.status().ToString());
      return Attempt::kError;
    }
    kop::MutexLock lock(&mu_);
    observed_ = *std::move(created);
    observed_time_ = clock_.Now();
    return Attempt::kHeld;
  }
  if (!got.ok()) {
    log_.V(1).Info("cannot read the lease", "error", got.status().ToString());
    return Attempt::kError;
  }

  const Json& spec = SpecOf(*got);
  const std::string holder = StringAt(spec, "holderIdentity");
  bool changed_holder = false;
  bool held_by_other = false;
  {
    kop::MutexLock lock(&mu_);
    if (!observed_.has_value() || SpecOf(*observed_) != spec) {
      observed_ = *got;
      observed_time_ = clock_.Now();
    }
    if (holder != leader_) {
      leader_ = holder;
      changed_holder = true;
    }
    const auto duration = std::chrono::seconds(IntAt(spec, "leaseDurationSeconds"));
    held_by_other = !holder.empty() && holder != config_.identity &&
                    observed_time_ + duration > clock_.Now();
  }
  if (changed_holder) {
    log_.Info("new leader observed", "leader", holder.empty() ? "(none)" : holder);
    if (config_.on_new_leader) config_.on_new_leader(holder);
  }
  if (held_by_other) return Attempt::kNotHeld;

  Object lease = *got;
  Json& next = lease.mutable_json()["spec"];
  if (!next.is_object()) next = Json::object();
  if (holder != config_.identity) {
    next["acquireTime"] = now_text;
    next["leaseTransitions"] = IntAt(spec, "leaseTransitions") + 1;
  } else if (!next.contains("leaseTransitions")) {
    next["leaseTransitions"] = 0;
  }
  next["holderIdentity"] = config_.identity;
  next["leaseDurationSeconds"] = Seconds(config_.lease_duration);
  next["renewTime"] = now_text;
  absl::StatusOr<Object> updated = leases_.Update(lease);
  if (!updated.ok()) {
    log_.V(1).Info("cannot update the lease", "error", updated.status().ToString());
    return Attempt::kError;
  }
  kop::MutexLock lock(&mu_);
  observed_ = *std::move(updated);
  observed_time_ = clock_.Now();
  leader_ = config_.identity;
  return Attempt::kHeld;
}

void LeaderElector::Release() {
  std::optional<Object> lease;
  {
    kop::MutexLock lock(&mu_);
    lease = observed_;
  }
  if (!lease.has_value() || StringAt(SpecOf(*lease), "holderIdentity") != config_.identity) return;
  const std::string now_text = FormatRFC3339Micro(clock_.WallNow());
  Json& spec = lease->mutable_json()["spec"];
  spec["holderIdentity"] = "";
  spec["leaseDurationSeconds"] = 1;
  spec["acquireTime"] = now_text;
  spec["renewTime"] = now_text;
  absl::StatusOr<Object> updated = leases_.Update(*lease);
  if (!updated.ok()) {
    log_.Error(updated.status(), "cannot release the lease");
    return;
  }
  log_.Info("released the lease", "lease", kop::StrCat(config_.lease_namespace, "/", config_.lease_name));
  kop::MutexLock lock(&mu_);
  observed_ = *std::move(updated);
  observed_time_ = clock_.Now();
}

absl::Status LeaderElector::Run(std::stop_token stop) {
  KOP_RETURN_IF_ERROR(Validate(config_));
  log_.Info("attempting to acquire the lease", "lease",
            kop::StrCat(config_.lease_namespace, "/", config_.lease_name), "identity", config_.identity);
  std::mt19937_64 rng(std::random_device{}());
  std::uniform_real_distribution<double> jitter(0.0, 1.2);
  while (true) {
    if (stop.stop_requested()) return absl::OkStatus();
    if (TryAcquireOrRenew() == Attempt::kHeld) break;
    const auto wait = std::chrono::duration_cast<Clock::Duration>(
        config_.retry_period * (1.0 + jitter(rng)));
    if (!Sleep(stop, wait)) return absl::OkStatus();
  }
  {
    kop::MutexLock lock(&mu_);
    last_renew_ = clock_.Now();
  }
  SetLeading(true);
  log_.Info("became leader", "identity", config_.identity);
  if (config_.on_started_leading) config_.on_started_leading();

  std::string lost;
  while (Sleep(stop, config_.retry_period)) {
    const Attempt a = TryAcquireOrRenew();
    kop::MutexLock lock(&mu_);
    if (a == Attempt::kHeld) {
      last_renew_ = clock_.Now();
      continue;
    }
    if (a == Attempt::kNotHeld) {
      lost = kop::StrCat("the lease is now held by ", leader_);
      break;
    }
    if (clock_.Now() - last_renew_ > config_.renew_deadline) {
      lost = "could not renew the lease within the renew deadline";
      break;
    }
  }
  SetLeading(false);
  if (!lost.empty()) {
    log_.Error(absl::AbortedError(lost), "lost leadership");
    if (config_.on_stopped_leading) config_.on_stopped_leading();
    return absl::AbortedError(kop::StrCat("leader election lost: ", lost));
  }
  log_.Info("stopping leading");
  if (config_.on_stopped_leading) config_.on_stopped_leading();
  if (config_.release_on_cancel) Release();
  return absl::OkStatus();
}

}  // namespace kop::leaderelection
