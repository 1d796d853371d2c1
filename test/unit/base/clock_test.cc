#include "kop/base/clock.h"

#include <thread>

#include "catch2/catch.hpp"

namespace kop {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;

TEST_CASE("a fake clock moves only when advanced") {
  FakeClock clock;
  const Clock::TimePoint start = clock.Now();
  const absl::Time wall = clock.WallNow();
  CHECK(clock.Now() == start);
  clock.Advance(seconds(3));
  CHECK(clock.Now() - start == seconds(3));
  CHECK(clock.WallNow() - wall == absl::Seconds(3));
}

TEST_CASE("moving a fake clock's wall time leaves its monotonic time alone") {
  FakeClock clock;
  const Clock::TimePoint start = clock.Now();
  clock.SetWall(absl::FromUnixSeconds(42));
  CHECK(clock.WallNow() == absl::FromUnixSeconds(42));
  CHECK(clock.Now() == start);
}

TEST_CASE("a fake clock's waiter returns when the clock passes the deadline") {
  FakeClock clock;
  absl::Mutex mu;
  bool never = false;
  bool returned = false;
  bool result = true;
  const Clock::TimePoint deadline = clock.Now() + seconds(10);
  std::thread waiter([&] {
    absl::MutexLock lock(&mu);
    result = clock.AwaitWithDeadline(mu, absl::Condition(&never), deadline);
    returned = true;
  });
  clock.Advance(seconds(10));
  {
    absl::MutexLock lock(&mu);
    REQUIRE(mu.AwaitWithTimeout(absl::Condition(&returned), absl::Seconds(10)));
  }
  waiter.join();
  CHECK_FALSE(result);
}

TEST_CASE("a waiter returns true as soon as its condition holds") {
  FakeClock clock;
  absl::Mutex mu;
  bool ready = false;
  bool result = false;
  std::thread waiter([&] {
    absl::MutexLock lock(&mu);
    result = clock.AwaitWithDeadline(mu, absl::Condition(&ready), clock.Now() + seconds(10));
  });
  {
    absl::MutexLock lock(&mu);
    ready = true;
  }
  waiter.join();
  CHECK(result);
}

TEST_CASE("the real clock's wait honours a deadline in the past") {
  absl::Mutex mu;
  bool never = false;
  absl::MutexLock lock(&mu);
  CHECK_FALSE(RealClock().AwaitWithDeadline(mu, absl::Condition(&never),
                                            RealClock().Now() - milliseconds(1)));
}

}  // namespace
}  // namespace kop
