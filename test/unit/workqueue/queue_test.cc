#include "kop/workqueue/queue.h"

#include <atomic>
#include <thread>
#include <vector>

#include "catch2/catch.hpp"
#include "kop/workqueue/workqueue.h"
#include "support/recording_metrics.h"
#include "support/wait.h"

namespace kop::workqueue {
namespace {

using test::WaitFor;
using Key = ObjectKey;

TEST_CASE("an item added several times before it is taken is handed out once") {
  Queue<Key> q;
  q.Add({"ns", "a"});
  q.Add({"ns", "a"});
  q.Add({"ns", "a"});
  CHECK(q.Len() == 1);
  CHECK(q.Get() == Key{"ns", "a"});
  CHECK(q.Len() == 0);
}

TEST_CASE("items come out in the order they were first added") {
  Queue<int> q;
  for (int i : {3, 1, 2, 1, 3}) q.Add(i);
  CHECK(q.Get() == 3);
  CHECK(q.Get() == 1);
  CHECK(q.Get() == 2);
  CHECK(q.Len() == 0);
}

TEST_CASE("an item being processed is not handed to a second consumer") {
  Queue<int> q;
  q.Add(1);
  REQUIRE(q.Get() == 1);
  q.Add(1);
  q.Add(2);
  CHECK(q.Len() == 1);  // only 2 is ready; 1 waits for Done
  CHECK(q.Get() == 2);
  CHECK(q.Len() == 0);
}

TEST_CASE("a key re-added while processing runs again after Done") {
  Queue<int> q;
  q.Add(1);
  REQUIRE(q.Get() == 1);
  q.Add(1);
  CHECK(q.Len() == 0);
  q.Done(1);
  CHECK(q.Len() == 1);
  CHECK(q.Get() == 1);
  q.Done(1);
  CHECK(q.Len() == 0);
}

TEST_CASE("Get blocks until an item is added") {
  Queue<int> q;
  std::atomic<int> got{-1};
  std::jthread consumer([&] { got = q.Get().value_or(-2); });
  q.Add(7);
  REQUIRE(WaitFor([&] { return got.load() == 7; }));
}

TEST_CASE("ShutDown wakes blocked consumers with nothing") {
  Queue<int> q;
  std::atomic<int> finished{0};
  std::vector<std::jthread> consumers;
  for (int i = 0; i < 3; ++i) {
    consumers.emplace_back([&] {
      if (!q.Get().has_value()) ++finished;
    });
  }
  q.ShutDown();
  REQUIRE(WaitFor([&] { return finished.load() == 3; }));
  CHECK(q.ShuttingDown());
}

TEST_CASE("after ShutDown adds are ignored and queued items are still handed out") {
  Queue<int> q;
  q.Add(1);
  q.ShutDown();
  q.Add(2);
  CHECK(q.Len() == 1);
  CHECK(q.Get() == 1);
  CHECK_FALSE(q.Get().has_value());
}

TEST_CASE("ShutDownWithDrain returns only after in-flight items are Done") {
  Queue<int> q;
  q.Add(1);
  REQUIRE(q.Get() == 1);
  std::atomic<bool> done_called{false};
  std::jthread worker([&] {
    // Finish only once the drain has begun, so the drain really has to wait for us.
    REQUIRE(WaitFor([&] { return q.ShuttingDown(); }));
    done_called = true;
    q.Done(1);
  });
  q.ShutDownWithDrain();
  CHECK(done_called.load());
}

TEST_CASE("ShutDownWithDrain with nothing in flight returns at once") {
  Queue<int> q;
  q.ShutDownWithDrain();
  CHECK(q.ShuttingDown());
}

TEST_CASE("8 producers and 8 consumers lose no item and never process one concurrently") {
  constexpr int kKeys = 64;
  constexpr int kAddsPerProducer = 4000;
  Queue<int> q;
  std::vector<std::atomic<int>> added(kKeys);
  std::vector<std::atomic<int>> seen(kKeys);
  std::vector<std::atomic<int>> in_flight(kKeys);
  std::atomic<int> overlaps{0};
  std::atomic<long> processed{0};

  std::vector<std::jthread> consumers;
  for (int c = 0; c < 8; ++c) {
    consumers.emplace_back([&] {
      while (std::optional<int> k = q.Get()) {
        if (in_flight[*k].fetch_add(1) != 0) ++overlaps;
        // Everything added before this point is covered by this run (level-triggered).
        const int snapshot = added[*k].load();
        int prev = seen[*k].load();
        while (prev < snapshot && !seen[*k].compare_exchange_weak(prev, snapshot)) {
        }
        ++processed;
        in_flight[*k].fetch_sub(1);
        q.Done(*k);
      }
    });
  }
  {
    std::vector<std::jthread> producers;
    for (int p = 0; p < 8; ++p) {
      producers.emplace_back([&, p] {
        for (int i = 0; i < kAddsPerProducer; ++i) {
          const int k = (i * 7 + p) % kKeys;
          added[k].fetch_add(1);
          q.Add(k);
        }
      });
    }
  }
  const bool converged = WaitFor([&] {
    for (int k = 0; k < kKeys; ++k) {
      if (seen[k].load() != added[k].load()) return false;
    }
    return true;
  });
  q.ShutDown();
  consumers.clear();
  CHECK(converged);
  CHECK(overlaps.load() == 0);
  CHECK(processed.load() <= 8L * kAddsPerProducer);  // duplicates were folded
  for (int k = 0; k < kKeys; ++k) CHECK(seen[k].load() == added[k].load());
}

TEST_CASE("queue metrics follow client-go's meanings") {
  test::RecordingMetrics metrics;
  FakeClock clock;
  Queue<int> q({.name = "app", .metrics_provider = &metrics, .clock = &clock,
                .unfinished_work_update_period = std::chrono::milliseconds(500)});
  q.Add(1);
  q.Add(1);  // already waiting: not counted
  q.Add(2);
  CHECK(metrics.Get("app").adds == 2);
  CHECK(metrics.Get("app").depth == 2);
  clock.Advance(std::chrono::seconds(2));
  REQUIRE(q.Get() == 1);
  CHECK(metrics.Get("app").depth == 1);
  REQUIRE(metrics.Get("app").latency.size() == 1);
  CHECK(metrics.Get("app").latency[0] == Approx(2.0));
  clock.Advance(std::chrono::seconds(3));
  // The unfinished-work gauges refresh every 500 ms of queue time.
  REQUIRE(WaitFor([&] { return metrics.Get("app").longest >= 3.0; }));
  CHECK(metrics.Get("app").unfinished >= 3.0);
  q.Done(1);
  REQUIRE(metrics.Get("app").work_duration.size() == 1);
  CHECK(metrics.Get("app").work_duration[0] == Approx(3.0));
}

TEST_CASE("a queue without a name records no metrics") {
  test::RecordingMetrics metrics;
  Queue<int> q({.metrics_provider = &metrics});
  q.Add(1);
  CHECK(metrics.Get("").adds == 0);
}

}  // namespace
}  // namespace kop::workqueue
