#include "kop/workqueue/delaying_queue.h"

#include <string>

#include "catch2/catch.hpp"
#include "kop/workqueue/workqueue.h"
#include "support/recording_metrics.h"
#include "support/wait.h"

namespace kop::workqueue {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;
using test::WaitFor;

TEST_CASE("a delayed item is added once its delay has passed on the queue's clock") {
  FakeClock clock;
  DelayingQueue<std::string> q({.clock = &clock});
  q.AddAfter("a", seconds(5));
  CHECK(q.Len() == 0);
  CHECK(q.PendingDelayed() == 1);
  clock.Advance(seconds(4));
  clock.Advance(seconds(1));
  REQUIRE(WaitFor([&] { return q.Len() == 1; }));
  CHECK(q.Get() == "a");
  CHECK(q.PendingDelayed() == 0);
}

TEST_CASE("a zero or negative delay adds at once") {
  FakeClock clock;
  DelayingQueue<std::string> q({.clock = &clock});
  q.AddAfter("zero", Clock::Duration::zero());
  q.AddAfter("negative", -seconds(1));
  CHECK(q.Len() == 2);
  CHECK(q.PendingDelayed() == 0);
}

TEST_CASE("the earliest ready time wins when an item is delayed several times") {
  FakeClock clock;
  DelayingQueue<std::string> q({.clock = &clock});
  q.AddAfter("a", seconds(10));
  q.AddAfter("a", seconds(1));
  q.AddAfter("a", seconds(5));
  CHECK(q.PendingDelayed() == 1);
  clock.Advance(seconds(1));
  REQUIRE(WaitFor([&] { return q.Len() == 1; }));
  REQUIRE(q.Get() == "a");
  q.Done("a");
  CHECK(q.PendingDelayed() == 0);
  // The later delays were folded into the first: when a sentinel delayed past them all
  // arrives, "a" has not come back.
  q.AddAfter("sentinel", seconds(20));
  clock.Advance(seconds(20));
  REQUIRE(WaitFor([&] { return q.Len() == 1; }));
  CHECK(q.Get() == "sentinel");
}

TEST_CASE("delayed items are added in the order of their ready times") {
  FakeClock clock;
  DelayingQueue<std::string> q({.clock = &clock});
  q.AddAfter("a", seconds(3));
  q.AddAfter("b", seconds(1));
  q.AddAfter("c", seconds(2));
  clock.Advance(seconds(3));
  REQUIRE(WaitFor([&] { return q.Len() == 3; }));
  CHECK(q.Get() == "b");
  CHECK(q.Get() == "c");
  CHECK(q.Get() == "a");
}

TEST_CASE("an item delayed earlier than the current earliest wakes the timer") {
  DelayingQueue<std::string> q;  // real clock: the timer is asleep on a 1 h deadline
  q.AddAfter("late", std::chrono::hours(1));
  q.AddAfter("soon", milliseconds(1));
  REQUIRE(WaitFor([&] { return q.Len() == 1; }));
  CHECK(q.Get() == "soon");
}

TEST_CASE("shutdown drops pending delayed items and ignores later ones") {
  FakeClock clock;
  DelayingQueue<std::string> q({.clock = &clock});
  q.AddAfter("a", seconds(1));
  q.ShutDown();
  CHECK(q.PendingDelayed() == 0);
  q.AddAfter("b", seconds(1));
  CHECK(q.PendingDelayed() == 0);
  clock.Advance(seconds(2));
  CHECK_FALSE(q.Get().has_value());
}

TEST_CASE("every delayed add counts as a retry") {
  test::RecordingMetrics metrics;
  FakeClock clock;
  DelayingQueue<std::string> q({.name = "q", .metrics_provider = &metrics, .clock = &clock});
  q.AddAfter("a", seconds(1));
  q.AddAfter("b", Clock::Duration::zero());
  CHECK(metrics.Get("q").retries == 2);
}

TEST_CASE("many pending delayed items are served by one timer in order") {
  FakeClock clock;
  DelayingQueue<int> q({.clock = &clock});
  constexpr int kItems = 10000;
  for (int i = kItems - 1; i >= 0; --i) q.AddAfter(i, milliseconds(1 + i));
  CHECK(q.PendingDelayed() == kItems);
  clock.Advance(milliseconds(kItems + 1));
  REQUIRE(WaitFor([&] { return q.Len() == kItems; }));
  for (int i = 0; i < kItems; ++i) REQUIRE(q.Get() == i);
}

}  // namespace
}  // namespace kop::workqueue
