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
  kop::Mutex mu;
  kop::CondVar cv;
  bool result = true;
  const Clock::TimePoint deadline = clock.Now() + seconds(10);
  std::thread waiter([&] {
    kop::MutexLock lock(&mu);
    result = clock.AwaitWithDeadline(mu, cv, [] { return false; }, deadline);
  });
  clock.Advance(seconds(10));
  waiter.join();  // returns only because fake time reached the deadline
  CHECK_FALSE(result);
}

TEST_CASE("a waiter returns true as soon as its condition holds") {
  FakeClock clock;
  kop::Mutex mu;
  kop::CondVar cv;
  bool ready = false;
  bool result = false;
  const Clock::TimePoint deadline = clock.Now() + seconds(10);
  std::thread waiter([&] {
    kop::MutexLock lock(&mu);
    result = clock.AwaitWithDeadline(mu, cv, [&] { return ready; }, deadline);
  });
  {
    kop::MutexLock lock(&mu);
    ready = true;
    cv.Signal();
  }
  waiter.join();
  CHECK(result);
}

TEST_CASE("the real clock's wait honours a deadline in the past") {
  kop::Mutex mu;
  kop::CondVar cv;
  kop::MutexLock lock(&mu);
  CHECK_FALSE(RealClock().AwaitWithDeadline(mu, cv, [] { return false; },
                                            RealClock().Now() - milliseconds(1)));
}

TEST_CASE("the real clock's wait returns at its deadline") {
  kop::Mutex mu;
  kop::CondVar cv;
  kop::MutexLock lock(&mu);
  const Clock::TimePoint deadline = RealClock().Now() + milliseconds(20);
  CHECK_FALSE(RealClock().AwaitWithDeadline(mu, cv, [] { return false; }, deadline));
  CHECK(RealClock().Now() >= deadline);
}

}  // namespace
}  // namespace kop
