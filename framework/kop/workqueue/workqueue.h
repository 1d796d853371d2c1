// kop/workqueue: the queue between event handlers and reconcilers.
//
// Start from RateLimitingQueue. A key added many times before a worker takes it is handed
// out once, and never to two workers at once; a key added while a worker holds it is handed
// out again after Done. Failed keys come back after per-key exponential backoff
// (AddRateLimited); successful ones reset it (Forget).
//
//   using kop::workqueue::RateLimitingQueue;
//   RateLimitingQueue<kop::ObjectKey> queue(
//       kop::workqueue::DefaultControllerRateLimiter<kop::ObjectKey>(), {.name = "application"});
//   queue.Add({"default", "web"});
//   std::optional<kop::ObjectKey> key = queue.Get();   // blocks; nullopt after ShutDown
//   ...
//   queue.Done(*key);
//
// The layers are usable alone: Queue (dedup FIFO), DelayingQueue (+AddAfter),
// RateLimitingQueue (+AddRateLimited/Forget/NumRequeues), and the RateLimiter family.
// Time comes from an injectable kop::Clock, so tests of delays never sleep.
#ifndef KOP_WORKQUEUE_WORKQUEUE_H_
#define KOP_WORKQUEUE_WORKQUEUE_H_

#include "kop/api/object_key.h"
#include "kop/workqueue/delaying_queue.h"      // IWYU pragma: export
#include "kop/workqueue/metrics.h"             // IWYU pragma: export
#include "kop/workqueue/queue.h"               // IWYU pragma: export
#include "kop/workqueue/rate_limiter.h"        // IWYU pragma: export
#include "kop/workqueue/rate_limiting_queue.h"  // IWYU pragma: export

namespace kop::workqueue {

// The queues of object keys are compiled once, in the library.
extern template class Queue<ObjectKey>;
extern template class DelayingQueue<ObjectKey>;
extern template class RateLimitingQueue<ObjectKey>;

}  // namespace kop::workqueue

#endif  // KOP_WORKQUEUE_WORKQUEUE_H_
