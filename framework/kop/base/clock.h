// kop/base/clock: time as an injectable dependency.
//
// Everything in kop that waits, backs off or judges expiry reads time from a Clock, so
// tests control time exactly instead of sleeping. Production code uses RealClock();
// tests create a FakeClock and Advance() it.
//
//   kop::FakeClock clock;
//   auto limiter = kop::workqueue::NewItemExponentialFailureRateLimiter<Key>(...);
//   clock.Advance(std::chrono::milliseconds(5));
#ifndef KOP_BASE_CLOCK_H_
#define KOP_BASE_CLOCK_H_

#include <atomic>
#include <chrono>

#include "absl/functional/function_ref.h"
#include "absl/time/time.h"
#include "kop/base/mutex.h"

namespace kop {

// A source of monotonic time (for deadlines, backoff, expiry) and wall time (for
// timestamps written to objects). Implementations are thread-safe.
class Clock {
 public:
  using Duration = std::chrono::nanoseconds;
  using TimePoint = std::chrono::time_point<std::chrono::steady_clock, Duration>;

  virtual ~Clock() = default;

  // Monotonic time: never goes backwards; meaningful only as differences.
  virtual TimePoint Now() const = 0;

  // Wall-clock time, for timestamps such as creationTimestamp or Lease renewTime.
  virtual absl::Time WallNow() const = 0;

  // With `mu` held, blocks until `cond` holds or this clock reaches `deadline`, whichever
  // comes first; returns whether `cond` holds. `mu` is held again on return. `cond` is
  // evaluated with `mu` held, first at once and again whenever `cv` is signalled, so whoever
  // changes what `cond` reads must signal `cv`.
  virtual bool AwaitWithDeadline(Mutex& mu, CondVar& cv, absl::FunctionRef<bool()> cond,
                                 TimePoint deadline) const = 0;
};

// The process-wide real clock (std::chrono::steady_clock and absl::Now()). Never null.
const Clock& RealClock();

// A clock that moves only when told to. Thread-safe.
//
// Caveats: a thread blocked in AwaitWithDeadline on a FakeClock re-checks the fake time
// every millisecond of real time, so after Advance() a waiter wakes within about 1 ms.
class FakeClock final : public Clock {
 public:
  // Starts at an arbitrary monotonic origin and at `wall_start`.
  explicit FakeClock(absl::Time wall_start = absl::FromUnixSeconds(1700000000));

  TimePoint Now() const override;
  absl::Time WallNow() const override;
  bool AwaitWithDeadline(Mutex& mu, CondVar& cv, absl::FunctionRef<bool()> cond,
                         TimePoint deadline) const override;

  // Moves both monotonic and wall time forward by `d` (d >= 0).
  void Advance(Duration d);

  // Moves only wall time, to model a skewed or adjusted system clock.
  void SetWall(absl::Time t);

 private:
  std::atomic<int64_t> mono_ns_;
  std::atomic<int64_t> wall_ns_;
};

}  // namespace kop

#endif  // KOP_BASE_CLOCK_H_
