#include "kop/workqueue/rate_limiter.h"

#include <string>

#include "catch2/catch.hpp"

namespace kop::workqueue {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;

TEST_CASE("exponential backoff doubles per failure of an item and resets on Forget") {
  auto l = NewItemExponentialFailureRateLimiter<std::string>(milliseconds(5), seconds(1000));
  CHECK(l->When("a") == milliseconds(5));
  CHECK(l->When("a") == milliseconds(10));
  CHECK(l->When("a") == milliseconds(20));
  CHECK(l->When("b") == milliseconds(5));
  CHECK(l->NumRequeues("a") == 3);
  l->Forget("a");
  CHECK(l->NumRequeues("a") == 0);
  CHECK(l->When("a") == milliseconds(5));
}

TEST_CASE("exponential backoff is capped and never overflows") {
  auto l = NewItemExponentialFailureRateLimiter<int>(milliseconds(5), seconds(1000));
  Clock::Duration last{};
  for (int i = 0; i < 200; ++i) last = l->When(1);
  CHECK(last == seconds(1000));
  // 5 ms * 2^17 = 655 s is the last step below the cap; 2^18 passes it.
  auto fresh = NewItemExponentialFailureRateLimiter<int>(milliseconds(5), seconds(1000));
  for (int i = 0; i < 17; ++i) fresh->When(1);
  CHECK(fresh->When(1) == milliseconds(5 * (1 << 17)));
  CHECK(fresh->When(1) == seconds(1000));
}

TEST_CASE("the token bucket allows a burst, then spaces reservations at its rate") {
  FakeClock clock;
  auto l = NewBucketRateLimiter<int>(/*qps=*/10, /*burst=*/2, clock);
  CHECK(l->When(1) == Clock::Duration::zero());
  CHECK(l->When(2) == Clock::Duration::zero());
  CHECK(l->When(3) == milliseconds(100));
  CHECK(l->When(4) == milliseconds(200));
  clock.Advance(milliseconds(500));
  // Debt of 2 tokens, 5 refilled: 3 - 1 remain after this reservation.
  CHECK(l->When(5) == Clock::Duration::zero());
  CHECK(l->NumRequeues(5) == 0);
}

TEST_CASE("the token bucket never holds more than its burst") {
  FakeClock clock;
  auto l = NewBucketRateLimiter<int>(1, 3, clock);
  clock.Advance(seconds(3600));
  for (int i = 0; i < 3; ++i) CHECK(l->When(i) == Clock::Duration::zero());
  CHECK(l->When(9) == seconds(1));
}

TEST_CASE("fast-slow uses the fast delay for the first attempts, then the slow one") {
  auto l = NewItemFastSlowRateLimiter<int>(milliseconds(1), seconds(10), 2);
  CHECK(l->When(1) == milliseconds(1));
  CHECK(l->When(1) == milliseconds(1));
  CHECK(l->When(1) == seconds(10));
  CHECK(l->NumRequeues(1) == 3);
  l->Forget(1);
  CHECK(l->When(1) == milliseconds(1));
}

TEST_CASE("max-of returns the longest delay and forgets in every limiter") {
  auto l = NewMaxOfRateLimiter<int>(
      NewItemFastSlowRateLimiter<int>(milliseconds(3), seconds(3), 1),
      NewItemExponentialFailureRateLimiter<int>(milliseconds(1), seconds(1)));
  CHECK(l->When(1) == milliseconds(3));  // max(3 ms, 1 ms)
  CHECK(l->When(1) == seconds(3));       // max(3 s, 2 ms)
  CHECK(l->NumRequeues(1) == 2);
  l->Forget(1);
  CHECK(l->NumRequeues(1) == 0);
  CHECK(l->When(1) == milliseconds(3));
}

TEST_CASE("the default controller limiter is exponential per item under a shared bucket") {
  FakeClock clock;
  auto l = DefaultControllerRateLimiter<int>(clock);
  CHECK(l->When(0) == milliseconds(5));
  CHECK(l->When(0) == milliseconds(10));
  // 98 more distinct items use up the burst of 100; then the bucket spaces them at 10/s.
  for (int i = 1; i <= 98; ++i) CHECK(l->When(i) == milliseconds(5));
  CHECK(l->When(1000) == milliseconds(100));
  CHECK(l->When(1001) == milliseconds(200));
}

}  // namespace
}  // namespace kop::workqueue
