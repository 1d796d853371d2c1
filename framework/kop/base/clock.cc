#include "kop/base/clock.h"

#include "absl/time/clock.h"

#include <cassert>

namespace kop {
namespace {

class SteadyClock final : public Clock {
 public:
  TimePoint Now() const override {
    return std::chrono::time_point_cast<Duration>(std::chrono::steady_clock::now());
  }

  absl::Time WallNow() const override { return absl::Now(); }

  bool AwaitWithDeadline(Mutex& mu, CondVar& cv, absl::FunctionRef<bool()> cond,
                         TimePoint deadline) const override {
    while (!cond()) {
      if (!cv.WaitUntil(&mu, deadline)) return cond();
    }
    return true;
  }
};

}  // namespace

const Clock& RealClock() {
  static const SteadyClock* const clock = new SteadyClock();
  return *clock;
}

FakeClock::FakeClock(absl::Time wall_start)
    : mono_ns_(int64_t{1} << 40), wall_ns_(absl::ToUnixNanos(wall_start)) {}

Clock::TimePoint FakeClock::Now() const {
  return TimePoint(Duration(mono_ns_.load(std::memory_order_acquire)));
}

absl::Time FakeClock::WallNow() const {
  return absl::FromUnixNanos(wall_ns_.load(std::memory_order_acquire));
}

bool FakeClock::AwaitWithDeadline(Mutex& mu, CondVar& cv, absl::FunctionRef<bool()> cond,
                                  TimePoint deadline) const {
  while (!cond()) {
    if (Now() >= deadline) return false;
    // Fake time moves without signalling `cv`, so look again after a short real wait.
    cv.WaitUntil(&mu, std::chrono::steady_clock::now() + std::chrono::milliseconds(1));
  }
  return true;
}

void FakeClock::Advance(Duration d) {
  assert(d >= Duration::zero());
  wall_ns_.fetch_add(d.count(), std::memory_order_acq_rel);
  mono_ns_.fetch_add(d.count(), std::memory_order_acq_rel);
}

void FakeClock::SetWall(absl::Time t) {
  wall_ns_.store(absl::ToUnixNanos(t), std::memory_order_release);
}

}  // namespace kop
