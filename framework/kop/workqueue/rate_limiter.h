// kop/workqueue/rate_limiter: how long an item waits before it is retried.
//
// The limiters of client-go's workqueue, with its defaults and arithmetic:
// - ItemExponentialFailure: base·2^failures per item, capped (5 ms .. 1000 s for controllers).
// - Bucket: a token bucket shared by all items (10/s, burst 100 for controllers).
// - ItemFastSlow: `fast` for the first N attempts of an item, `slow` after.
// - MaxOf: the longest delay any of its limiters asks for.
// DefaultControllerRateLimiter is MaxOf(exponential 5 ms..1000 s, bucket 10/s burst 100).
//
//   auto limiter = kop::workqueue::DefaultControllerRateLimiter<kop::ObjectKey>();
//   auto delay = limiter->When(key);   // 5 ms, then 10 ms, 20 ms, ... for repeated failures
//   limiter->Forget(key);              // after a success: back to 5 ms
#ifndef KOP_WORKQUEUE_RATE_LIMITER_H_
#define KOP_WORKQUEUE_RATE_LIMITER_H_

#include <algorithm>
#include <chrono>
#include <cmath>
#include <memory>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "kop/base/mutex.h"
#include "kop/base/clock.h"

namespace kop::workqueue {

using Duration = Clock::Duration;

// Decides per item how long to wait before the next attempt. Thread-safe.
template <typename T>
class RateLimiter {
 public:
  virtual ~RateLimiter() = default;
  // The delay before `item` may be processed again; records a failure of the item where the
  // limiter tracks failures.
  virtual Duration When(const T& item) = 0;
  // Stops tracking `item` (after it succeeded): its next When starts from scratch.
  virtual void Forget(const T& item) = 0;
  // How many times When was called for `item` since it was last forgotten.
  virtual int NumRequeues(const T& item) = 0;
};

namespace internal {

// Counts failures per item; the base of the per-item limiters.
template <typename T>
class FailureCounter {
 public:
  // Returns the failure count before this call, and counts one more.
  int Next(const T& item) {
    kop::MutexLock lock(&mu_);
    return failures_[item]++;
  }
  void Forget(const T& item) {
    kop::MutexLock lock(&mu_);
    failures_.erase(item);
  }
  int Count(const T& item) {
    kop::MutexLock lock(&mu_);
    auto it = failures_.find(item);
    return it == failures_.end() ? 0 : it->second;
  }

 private:
  kop::Mutex mu_;  // guards failures_
  absl::flat_hash_map<T, int> failures_ ABSL_GUARDED_BY(mu_);
};

template <typename T>
class ItemExponentialFailureRateLimiter final : public RateLimiter<T> {
 public:
  ItemExponentialFailureRateLimiter(Duration base, Duration max) : base_(base), max_(max) {}

  Duration When(const T& item) override {
    const int exp = failures_.Next(item);
    // Computed in floating point so that large exponents saturate at max_ instead of
    // overflowing, as client-go does.
    const double backoff = static_cast<double>(base_.count()) * std::pow(2.0, exp);
    if (backoff >= static_cast<double>(max_.count())) return max_;
    return Duration(static_cast<Duration::rep>(backoff));
  }
  void Forget(const T& item) override { failures_.Forget(item); }
  int NumRequeues(const T& item) override { return failures_.Count(item); }

 private:
  const Duration base_;
  const Duration max_;
  FailureCounter<T> failures_;
};

template <typename T>
class ItemFastSlowRateLimiter final : public RateLimiter<T> {
 public:
  ItemFastSlowRateLimiter(Duration fast, Duration slow, int max_fast_attempts)
      : fast_(fast), slow_(slow), max_fast_attempts_(max_fast_attempts) {}

  Duration When(const T& item) override {
    return failures_.Next(item) + 1 <= max_fast_attempts_ ? fast_ : slow_;
  }
  void Forget(const T& item) override { failures_.Forget(item); }
  int NumRequeues(const T& item) override { return failures_.Count(item); }

 private:
  const Duration fast_;
  const Duration slow_;
  const int max_fast_attempts_;
  FailureCounter<T> failures_;
};

// A token bucket refilled at `qps` up to `burst` tokens. Each When reserves one token and
// returns how long until that token exists; reservations may run into debt, so a burst of
// calls gets increasing delays, as golang.org/x/time/rate's Reserve does.
template <typename T>
class BucketRateLimiter final : public RateLimiter<T> {
 public:
  BucketRateLimiter(double qps, int burst, const Clock& clock)
      : qps_(qps), burst_(burst), clock_(clock), tokens_(burst), last_(clock.Now()) {}

  Duration When(const T&) override {
    kop::MutexLock lock(&mu_);
    const Clock::TimePoint now = clock_.Now();
    if (now > last_) {
      const double elapsed = std::chrono::duration<double>(now - last_).count();
      tokens_ = std::min<double>(burst_, tokens_ + elapsed * qps_);
      last_ = now;
    }
    tokens_ -= 1;
    if (tokens_ >= 0 || qps_ <= 0) return Duration::zero();
    return std::chrono::duration_cast<Duration>(std::chrono::duration<double>(-tokens_ / qps_));
  }
  void Forget(const T&) override {}
  int NumRequeues(const T&) override { return 0; }

 private:
  const double qps_;
  const int burst_;
  const Clock& clock_;
  kop::Mutex mu_;  // guards tokens_ and last_
  double tokens_ ABSL_GUARDED_BY(mu_);
  Clock::TimePoint last_ ABSL_GUARDED_BY(mu_);
};

template <typename T>
class MaxOfRateLimiter final : public RateLimiter<T> {
 public:
  explicit MaxOfRateLimiter(std::vector<std::unique_ptr<RateLimiter<T>>> limiters)
      : limiters_(std::move(limiters)) {}

  Duration When(const T& item) override {
    Duration longest = Duration::zero();
    for (auto& l : limiters_) longest = std::max(longest, l->When(item));
    return longest;
  }
  void Forget(const T& item) override {
    for (auto& l : limiters_) l->Forget(item);
  }
  int NumRequeues(const T& item) override {
    int most = 0;
    for (auto& l : limiters_) most = std::max(most, l->NumRequeues(item));
    return most;
  }

 private:
  const std::vector<std::unique_ptr<RateLimiter<T>>> limiters_;
};

}  // namespace internal

template <typename T>
std::unique_ptr<RateLimiter<T>> NewItemExponentialFailureRateLimiter(Duration base,
                                                                     Duration max) {
  return std::make_unique<internal::ItemExponentialFailureRateLimiter<T>>(base, max);
}

template <typename T>
std::unique_ptr<RateLimiter<T>> NewItemFastSlowRateLimiter(Duration fast, Duration slow,
                                                           int max_fast_attempts) {
  return std::make_unique<internal::ItemFastSlowRateLimiter<T>>(fast, slow, max_fast_attempts);
}

// `clock` must outlive the limiter.
template <typename T>
std::unique_ptr<RateLimiter<T>> NewBucketRateLimiter(double qps, int burst,
                                                     const Clock& clock = RealClock()) {
  return std::make_unique<internal::BucketRateLimiter<T>>(qps, burst, clock);
}

template <typename T>
std::unique_ptr<RateLimiter<T>> NewMaxOfRateLimiter(
    std::vector<std::unique_ptr<RateLimiter<T>>> limiters) {
  return std::make_unique<internal::MaxOfRateLimiter<T>>(std::move(limiters));
}

// Variadic convenience: NewMaxOfRateLimiter<T>(a, b, c).
template <typename T, typename... L>
std::unique_ptr<RateLimiter<T>> NewMaxOfRateLimiter(std::unique_ptr<RateLimiter<T>> first,
                                                    L... rest) {
  std::vector<std::unique_ptr<RateLimiter<T>>> all;
  all.push_back(std::move(first));
  (all.push_back(std::move(rest)), ...);
  return NewMaxOfRateLimiter<T>(std::move(all));
}

// client-go's DefaultControllerRateLimiter: the longer of per-item exponential backoff
// (5 ms doubling to 1000 s) and an overall token bucket (10 qps, burst 100).
template <typename T>
std::unique_ptr<RateLimiter<T>> DefaultControllerRateLimiter(const Clock& clock = RealClock()) {
  using std::chrono::milliseconds;
  using std::chrono::seconds;
  return NewMaxOfRateLimiter<T>(NewItemExponentialFailureRateLimiter<T>(milliseconds(5),
                                                                        seconds(1000)),
                                NewBucketRateLimiter<T>(10, 100, clock));
}

}  // namespace kop::workqueue

#endif  // KOP_WORKQUEUE_RATE_LIMITER_H_
