// What /metrics reports about a manager's controllers and informers (manager_metrics.cc).
#ifndef KOP_MANAGER_INTERNAL_COLLECTORS_H_
#define KOP_MANAGER_INTERNAL_COLLECTORS_H_

#include <vector>

#include "kop/manager/manager.h"
#include "kop/metrics/metrics.h"

namespace kop {

struct Manager::Collectors {
  // controller-runtime's controller_runtime_reconcile_* families.
  static std::vector<prometheus::MetricFamily> Controllers(Manager& m);
  // kop_informer_*: objects, lists, relists, watch restarts, failures, events.
  static std::vector<prometheus::MetricFamily> Informers(Manager& m);
};

}  // namespace kop

#endif  // KOP_MANAGER_INTERNAL_COLLECTORS_H_
