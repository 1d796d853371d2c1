// kop/workqueue/queue: the de-duplicating FIFO at the bottom of the work queue stack.
//
// Guarantees (client-go's workqueue contract):
// - An item added several times before a consumer takes it is handed out once.
// - An item is never handed to two consumers at once: until Done(item), it is "processing".
// - An item added while processing is handed out again after Done.
// - Otherwise items come out in the order they were first added.
// - After ShutDown, Add is ignored and Get keeps handing out what is queued, then returns
//   nullopt. ShutDownWithDrain also waits until every handed-out item is Done.
//
//   kop::workqueue::Queue<kop::ObjectKey> q;
//   q.Add(key);
//   while (std::optional<kop::ObjectKey> item = q.Get()) {
//     Process(*item);
//     q.Done(*item);
//   }
#ifndef KOP_WORKQUEUE_QUEUE_H_
#define KOP_WORKQUEUE_QUEUE_H_

#include <algorithm>
#include <chrono>
#include <deque>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <utility>

#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "kop/base/mutex.h"
#include "kop/base/clock.h"
#include "kop/workqueue/metrics.h"

namespace kop::workqueue {

struct QueueOptions {
  // Names the queue in metrics (the `name` label). Metrics are recorded only when both a
  // name and a provider are given.
  std::string name;
  // Not owned; must outlive the queue.
  MetricsProvider* metrics_provider = nullptr;
  // Time for delays and metrics. Not owned; null means the real clock.
  const Clock* clock = nullptr;
  // How often the unfinished-work gauges are refreshed (client-go: 500 ms).
  Clock::Duration unfinished_work_update_period = std::chrono::milliseconds(500);
};

// Thread-safe. `T` must be copyable, equality-comparable and hashable with absl::Hash.
template <typename T>
class Queue {
 public:
  explicit Queue(QueueOptions options = {});
  Queue(const Queue&) = delete;
  Queue& operator=(const Queue&) = delete;
  // Shuts down (without draining) and stops the metrics thread.
  virtual ~Queue();

  // Marks `item` as needing processing. Ignored after shutdown.
  void Add(const T& item);

  // Blocks until an item is available and returns it, marking it processing; nullopt once the
  // queue is shut down and empty. The caller must call Done(item) when finished.
  std::optional<T> Get();

  // Marks `item` as no longer processing; if it was added meanwhile, queues it again.
  void Done(const T& item);

  // Items waiting to be handed out (not counting those processing).
  size_t Len() const;

  // Stops accepting items and wakes every blocked Get.
  virtual void ShutDown();
  // As ShutDown, then blocks until every item handed out has been marked Done.
  virtual void ShutDownWithDrain();
  bool ShuttingDown() const;

 protected:
  const Clock& clock() const { return clock_; }
  const std::string& name() const { return name_; }
  // Called by subclasses for each delayed re-add (AddAfter), feeding workqueue_retries_total.
  void RecordRetry() {
    if (metrics_ != nullptr) metrics_->retries->Inc();
  }

 private:
  struct Metrics;

  const Clock& clock_;
  const std::string name_;
  std::unique_ptr<Metrics> metrics_;  // null when metrics are off

  mutable kop::Mutex mu_;  // guards everything below
  kop::CondVar cond_;      // signalled when queue_ gains an item, and at shutdown
  kop::CondVar drained_;   // signalled when processing_ empties during a drain
  kop::CondVar stopping_;  // signalled at shutdown, for the metrics thread
  std::deque<T> queue_ ABSL_GUARDED_BY(mu_);
  absl::flat_hash_set<T> dirty_ ABSL_GUARDED_BY(mu_);       // needs processing
  absl::flat_hash_set<T> processing_ ABSL_GUARDED_BY(mu_);  // handed out, not Done
  bool shutting_down_ ABSL_GUARDED_BY(mu_) = false;
  bool drain_ ABSL_GUARDED_BY(mu_) = false;

  // Declared last: started after, and stopped before, everything it reads.
  std::jthread metrics_thread_;
};

// ---- implementation ----

template <typename T>
struct Queue<T>::Metrics {
  Metrics(MetricsProvider& p, const std::string& name)
      : depth(p.NewDepthMetric(name)),
        adds(p.NewAddsMetric(name)),
        latency(p.NewLatencyMetric(name)),
        work_duration(p.NewWorkDurationMetric(name)),
        unfinished(p.NewUnfinishedWorkSecondsMetric(name)),
        longest(p.NewLongestRunningProcessorSecondsMetric(name)),
        retries(p.NewRetriesMetric(name)) {}

  std::unique_ptr<GaugeMetric> depth;
  std::unique_ptr<CounterMetric> adds;
  std::unique_ptr<HistogramMetric> latency;
  std::unique_ptr<HistogramMetric> work_duration;
  std::unique_ptr<SettableGaugeMetric> unfinished;
  std::unique_ptr<SettableGaugeMetric> longest;
  std::unique_ptr<CounterMetric> retries;
  // Guarded by the queue's mu_.
  absl::flat_hash_map<T, Clock::TimePoint> add_times;
  absl::flat_hash_map<T, Clock::TimePoint> processing_start_times;
};

template <typename T>
Queue<T>::Queue(QueueOptions options)
    : clock_(options.clock != nullptr ? *options.clock : RealClock()),
      name_(std::move(options.name)) {
  if (options.metrics_provider != nullptr && !name_.empty()) {
    metrics_ = std::make_unique<Metrics>(*options.metrics_provider, name_);
    // A ticker anchored at construction, so that time passing before the thread first runs
    // is not lost.
    const Clock::Duration period = options.unfinished_work_update_period;
    metrics_thread_ = std::jthread([this, period, next = clock_.Now() + period](
                                       std::stop_token stop) mutable {
      kop::MutexLock lock(&mu_);
      while (!stop.stop_requested() && !shutting_down_) {
        auto stopping = [this, &stop]() ABSL_NO_THREAD_SAFETY_ANALYSIS {
          return shutting_down_ || stop.stop_requested();
        };
        if (clock_.AwaitWithDeadline(mu_, stopping_, stopping, next)) break;
        const Clock::TimePoint now = clock_.Now();
        next += period;
        if (next <= now) next = now + period;  // fell behind: skip the missed ticks
        double total = 0;
        double longest = 0;
        for (const auto& [item, start] : metrics_->processing_start_times) {
          const double s = std::chrono::duration<double>(now - start).count();
          total += s;
          longest = std::max(longest, s);
        }
        metrics_->unfinished->Set(total);
        metrics_->longest->Set(longest);
      }
    });
  }
}

template <typename T>
Queue<T>::~Queue() {
  ShutDown();
  if (metrics_thread_.joinable()) {
    metrics_thread_.request_stop();
    metrics_thread_.join();
  }
}

template <typename T>
void Queue<T>::Add(const T& item) {
  {
    kop::MutexLock lock(&mu_);
    if (shutting_down_) return;
    if (!dirty_.insert(item).second) return;  // already waiting: handed out once
    if (metrics_ != nullptr) {
      metrics_->adds->Inc();
      if (metrics_->add_times.emplace(item, clock_.Now()).second) metrics_->depth->Inc();
    }
    if (processing_.contains(item)) return;  // queued again by Done
    queue_.push_back(item);
  }
  // Signalled after unlocking: a worker woken with the lock still held would only block on
  // it again (two wake-ups instead of one). (Adding to a queue being destroyed is the
  // caller's error either way.)
  cond_.Signal();
}

template <typename T>
std::optional<T> Queue<T>::Get() {
  kop::MutexLock lock(&mu_);
  while (queue_.empty() && !shutting_down_) cond_.Wait(&mu_);
  if (queue_.empty()) return std::nullopt;
  T item = std::move(queue_.front());
  queue_.pop_front();
  if (metrics_ != nullptr) {
    const Clock::TimePoint now = clock_.Now();
    if (auto it = metrics_->add_times.find(item); it != metrics_->add_times.end()) {
      metrics_->depth->Dec();
      metrics_->latency->Observe(std::chrono::duration<double>(now - it->second).count());
      metrics_->add_times.erase(it);
    }
    metrics_->processing_start_times[item] = now;
  }
  processing_.insert(item);
  dirty_.erase(item);
  return item;
}

template <typename T>
void Queue<T>::Done(const T& item) {
  // Unlike Add, Done signals with the lock held: once its item leaves processing_, a
  // ShutDownWithDrain may return and the owner destroy the queue, so nothing here may touch
  // the queue after unlocking.
  kop::MutexLock lock(&mu_);
  if (metrics_ != nullptr) {
    if (auto it = metrics_->processing_start_times.find(item);
        it != metrics_->processing_start_times.end()) {
      metrics_->work_duration->Observe(
          std::chrono::duration<double>(clock_.Now() - it->second).count());
      metrics_->processing_start_times.erase(it);
    }
  }
  processing_.erase(item);
  if (dirty_.contains(item)) {
    queue_.push_back(item);
    cond_.Signal();
  } else if (processing_.empty() && drain_) {
    drained_.SignalAll();
  }
}

template <typename T>
size_t Queue<T>::Len() const {
  kop::MutexLock lock(&mu_);
  return queue_.size();
}

template <typename T>
void Queue<T>::ShutDown() {
  kop::MutexLock lock(&mu_);
  shutting_down_ = true;
  cond_.SignalAll();
  stopping_.SignalAll();
}

template <typename T>
void Queue<T>::ShutDownWithDrain() {
  kop::MutexLock lock(&mu_);
  drain_ = true;
  shutting_down_ = true;
  cond_.SignalAll();
  stopping_.SignalAll();
  while (!processing_.empty()) drained_.Wait(&mu_);
  drain_ = false;
}

template <typename T>
bool Queue<T>::ShuttingDown() const {
  kop::MutexLock lock(&mu_);
  return shutting_down_;
}

}  // namespace kop::workqueue

#endif  // KOP_WORKQUEUE_QUEUE_H_
