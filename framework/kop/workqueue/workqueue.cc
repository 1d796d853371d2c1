#include "kop/workqueue/workqueue.h"

namespace kop::workqueue {

template class Queue<ObjectKey>;
template class DelayingQueue<ObjectKey>;
template class RateLimitingQueue<ObjectKey>;

}  // namespace kop::workqueue
