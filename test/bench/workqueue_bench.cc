// Work queue throughput: Add+Get+Done cycles per second, single-threaded and with 4 producers
// x 4 consumers, over distinct and heavily duplicated keys; and AddAfter with 100,000 pending
// delayed items.
#include <atomic>
#include <string>
#include <thread>
#include <vector>

#include "bench/bench.h"
#include "kop/workqueue/workqueue.h"

namespace {

using kop::ObjectKey;
using kop::workqueue::DelayingQueue;
using kop::workqueue::Queue;

std::vector<ObjectKey> MakeKeys(int n) {
  std::vector<ObjectKey> keys;
  keys.reserve(n);
  for (int i = 0; i < n; ++i) keys.push_back({"default", "application-" + std::to_string(i)});
  return keys;
}

// One thread: Add, Get, Done, repeated.
double SingleThreadCycles(const std::vector<ObjectKey>& keys, int cycles) {
  Queue<ObjectKey> q;
  const auto start = std::chrono::steady_clock::now();
  for (int i = 0; i < cycles; ++i) {
    q.Add(keys[static_cast<size_t>(i) % keys.size()]);
    std::optional<ObjectKey> k = q.Get();
    q.Done(*k);
  }
  return cycles / kop::bench::SecondsSince(start);
}

// Producers add `adds_per_producer` keys each; consumers Get/Done until the queue is drained.
// Reports completed Get+Done cycles per second (duplicates fold, so cycles <= adds).
double ContendedCycles(const std::vector<ObjectKey>& keys, int producers, int consumers,
                       int adds_per_producer) {
  Queue<ObjectKey> q;
  std::atomic<long> cycles{0};
  const auto start = std::chrono::steady_clock::now();
  {
    std::vector<std::jthread> workers;
    for (int c = 0; c < consumers; ++c) {
      workers.emplace_back([&] {
        long mine = 0;
        while (std::optional<ObjectKey> k = q.Get()) {
          q.Done(*k);
          ++mine;
        }
        cycles += mine;
      });
    }
    {
      std::vector<std::jthread> adders;
      for (int p = 0; p < producers; ++p) {
        adders.emplace_back([&, p] {
          for (int i = 0; i < adds_per_producer; ++i) {
            q.Add(keys[static_cast<size_t>(i * producers + p) % keys.size()]);
          }
        });
      }
    }
    q.ShutDownWithDrain();
  }
  return cycles.load() / kop::bench::SecondsSince(start);
}

}  // namespace

int main() {
  kop::bench::Report report;
  const auto distinct = MakeKeys(100'000);
  const auto duplicated = MakeKeys(16);

  report.Add("workqueue_cycles_per_sec", SingleThreadCycles(distinct, 2'000'000), "cycles/s",
             {{"threads", 1}, {"keys", "distinct"}});
  report.Add("workqueue_cycles_per_sec", SingleThreadCycles(duplicated, 2'000'000), "cycles/s",
             {{"threads", 1}, {"keys", "duplicated"}});
  report.Add("workqueue_cycles_per_sec", ContendedCycles(distinct, 4, 4, 250'000), "cycles/s",
             {{"threads", 8}, {"producers", 4}, {"consumers", 4}, {"keys", "distinct"}});
  report.Add("workqueue_cycles_per_sec", ContendedCycles(duplicated, 4, 4, 250'000), "cycles/s",
             {{"threads", 8}, {"producers", 4}, {"consumers", 4}, {"keys", "duplicated"}});

  // AddAfter with 100,000 pending delayed items.
  {
    DelayingQueue<ObjectKey> q;
    const auto start = std::chrono::steady_clock::now();
    for (const ObjectKey& k : distinct) q.AddAfter(k, std::chrono::hours(1));
    const double seconds = kop::bench::SecondsSince(start);
    report.Add("workqueue_add_after_per_sec", distinct.size() / seconds, "adds/s",
               {{"pending", q.PendingDelayed()}});
  }
  return 0;
}
