// kop/workqueue/delaying_queue: a Queue that can add items later.
//
// AddAfter(item, d) adds `item` once `d` has passed on the queue's clock. One timer thread
// serves the whole queue, whatever the number of pending items.
//
// Guarantees:
// - An item pending several delays is added once, at the earliest of its ready times.
// - A zero or negative delay adds at once.
// - Pending items are dropped at shutdown; AddAfter after shutdown is ignored.
#ifndef KOP_WORKQUEUE_DELAYING_QUEUE_H_
#define KOP_WORKQUEUE_DELAYING_QUEUE_H_

#include <chrono>
#include <cstdint>
#include <thread>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "kop/base/mutex.h"
#include "kop/workqueue/queue.h"

namespace kop::workqueue {

// Thread-safe.
template <typename T>
class DelayingQueue : public Queue<T> {
 public:
  explicit DelayingQueue(QueueOptions options = {});
  ~DelayingQueue() override;

  // Adds `item` after `delay`; counts a retry in the queue's metrics.
  void AddAfter(const T& item, Clock::Duration delay);

  // Items waiting for their delay to pass.
  size_t PendingDelayed() const;

  void ShutDown() override;
  void ShutDownWithDrain() override;

 private:
  struct Entry {
    Clock::TimePoint ready;
    uint64_t seq;  // FIFO among equal ready times
    T item;
  };
  struct Later {
    bool operator()(const Entry& a, const Entry& b) const {
      return a.ready != b.ready ? a.ready > b.ready : a.seq > b.seq;
    }
  };

  void StopTimer();
  void TimerLoop();

  mutable kop::Mutex mu_;  // guards everything below
  kop::CondVar wake_;      // signalled when the earliest ready time moves earlier, or at stop
  // A min-heap on ready time. An item whose ready time was moved earlier leaves its old
  // entry behind; entries that no longer match waiting_ are skipped when they surface.
  std::vector<Entry> heap_ ABSL_GUARDED_BY(mu_);
  absl::flat_hash_map<T, Clock::TimePoint> waiting_ ABSL_GUARDED_BY(mu_);
  uint64_t next_seq_ ABSL_GUARDED_BY(mu_) = 0;
  bool stopped_ ABSL_GUARDED_BY(mu_) = false;

  std::jthread timer_;  // declared last: started after everything it uses
};

// ---- implementation ----

template <typename T>
DelayingQueue<T>::DelayingQueue(QueueOptions options)
    : Queue<T>(std::move(options)), timer_([this] { TimerLoop(); }) {}

template <typename T>
DelayingQueue<T>::~DelayingQueue() {
  StopTimer();
  if (timer_.joinable()) timer_.join();
}

template <typename T>
void DelayingQueue<T>::AddAfter(const T& item, Clock::Duration delay) {
  if (this->ShuttingDown()) return;
  this->RecordRetry();
  if (delay <= Clock::Duration::zero()) {
    this->Add(item);
    return;
  }
  const Clock::TimePoint ready = this->clock().Now() + delay;
  kop::MutexLock lock(&mu_);
  if (stopped_) return;
  auto [it, inserted] = waiting_.try_emplace(item, ready);
  if (!inserted) {
    if (it->second <= ready) return;  // already due no later than this
    it->second = ready;
  }
  const bool new_earliest = heap_.empty() || ready < heap_.front().ready;
  heap_.push_back(Entry{ready, next_seq_++, item});
  std::push_heap(heap_.begin(), heap_.end(), Later());
  if (new_earliest) wake_.Signal();
}

template <typename T>
size_t DelayingQueue<T>::PendingDelayed() const {
  kop::MutexLock lock(&mu_);
  return waiting_.size();
}

template <typename T>
void DelayingQueue<T>::ShutDown() {
  StopTimer();
  Queue<T>::ShutDown();
}

template <typename T>
void DelayingQueue<T>::ShutDownWithDrain() {
  StopTimer();
  Queue<T>::ShutDownWithDrain();
}

template <typename T>
void DelayingQueue<T>::StopTimer() {
  kop::MutexLock lock(&mu_);
  stopped_ = true;
  heap_.clear();
  waiting_.clear();
  wake_.Signal();
}

template <typename T>
void DelayingQueue<T>::TimerLoop() {
  // With nothing pending, wake up now and then anyway; costs nothing and bounds the damage
  // of any missed wake-up.
  constexpr Clock::Duration kIdleWait = std::chrono::seconds(10);
  std::vector<T> ready;
  kop::MutexLock lock(&mu_);
  while (!stopped_) {
    const Clock::TimePoint now = this->clock().Now();
    while (!heap_.empty() && heap_.front().ready <= now) {
      std::pop_heap(heap_.begin(), heap_.end(), Later());
      Entry entry = std::move(heap_.back());
      heap_.pop_back();
      auto it = waiting_.find(entry.item);
      if (it != waiting_.end() && it->second == entry.ready) {
        waiting_.erase(it);
        ready.push_back(std::move(entry.item));
      }
    }
    if (!ready.empty()) {
      // Never hold this lock while taking the queue's own.
      mu_.Unlock();
      for (const T& item : ready) this->Add(item);
      ready.clear();
      mu_.Lock();
      continue;
    }
    // Sleep until the earliest item is due, an earlier one arrives, or the timer stops.
    const Clock::TimePoint deadline = heap_.empty() ? now + kIdleWait : heap_.front().ready;
    auto woken = [this, deadline]() ABSL_NO_THREAD_SAFETY_ANALYSIS {
      return stopped_ || (!heap_.empty() && heap_.front().ready < deadline);
    };
    this->clock().AwaitWithDeadline(mu_, wake_, woken, deadline);
  }
}

}  // namespace kop::workqueue

#endif  // KOP_WORKQUEUE_DELAYING_QUEUE_H_
