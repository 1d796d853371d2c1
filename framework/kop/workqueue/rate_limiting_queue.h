// kop/workqueue/rate_limiting_queue: the queue controllers use.
//
// A DelayingQueue plus a RateLimiter: AddRateLimited(item) re-adds after the limiter's delay
// (growing with the item's failures), Forget(item) resets the item's backoff after a success.
//
//   kop::workqueue::RateLimitingQueue<kop::ObjectKey> queue(
//       kop::workqueue::DefaultControllerRateLimiter<kop::ObjectKey>(), {.name = "application"});
//   auto key = queue.Get();
//   if (Reconcile(*key).ok()) queue.Forget(*key); else queue.AddRateLimited(*key);
//   queue.Done(*key);
#ifndef KOP_WORKQUEUE_RATE_LIMITING_QUEUE_H_
#define KOP_WORKQUEUE_RATE_LIMITING_QUEUE_H_

#include <memory>
#include <utility>

#include "kop/workqueue/delaying_queue.h"
#include "kop/workqueue/rate_limiter.h"

namespace kop::workqueue {

// Thread-safe.
template <typename T>
class RateLimitingQueue : public DelayingQueue<T> {
 public:
  // `limiter` must not be null.
  explicit RateLimitingQueue(std::unique_ptr<RateLimiter<T>> limiter, QueueOptions options = {})
      : DelayingQueue<T>(std::move(options)), limiter_(std::move(limiter)) {}

  // Adds `item` after the delay the rate limiter assigns it.
  void AddRateLimited(const T& item) { this->AddAfter(item, limiter_->When(item)); }
  // Resets the item's failure history in the rate limiter. Does not remove it from the queue.
  void Forget(const T& item) { limiter_->Forget(item); }
  // How many times the item has been rate-limited since it was last forgotten.
  int NumRequeues(const T& item) { return limiter_->NumRequeues(item); }

 private:
  const std::unique_ptr<RateLimiter<T>> limiter_;
};

}  // namespace kop::workqueue

#endif  // KOP_WORKQUEUE_RATE_LIMITING_QUEUE_H_
