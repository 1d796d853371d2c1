// kop/metrics: the Prometheus registry an operator exports, with the metric families of
// controller-runtime and client-go under their usual names, so existing dashboards and
// alerts work unchanged.
//
// The Manager owns one MetricsRegistry and serves it at /metrics on its metrics address.
// Operator authors add their own metrics to the same registry:
//
//   auto& applied = prometheus::BuildCounter()
//                       .Name("application_deployments_applied_total")
//                       .Help("Deployments written by the application operator.")
//                       .Register(*manager->metrics().registry())
//                       .Add({});
//   applied.Increment();
//
// Values that already live elsewhere as atomics (controller and informer statistics) are
// read at scrape time through AddCollector, so the hot paths pay nothing extra.
#ifndef KOP_METRICS_METRICS_H_
#define KOP_METRICS_METRICS_H_

#include <functional>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <tuple>
#include <utility>
#include <vector>

#include "kop/base/histogram.h"
#include "kop/base/mutex.h"
#include "kop/workqueue/metrics.h"
#include "prometheus/collectable.h"
#include "prometheus/counter.h"
#include "prometheus/family.h"
#include "prometheus/gauge.h"
#include "prometheus/histogram.h"
#include "prometheus/metric_family.h"
#include "prometheus/registry.h"

namespace kop::metrics {

// Builds metric families in a collector callback.
class FamilyBuilder {
 public:
  FamilyBuilder(std::string name, std::string help, prometheus::MetricType type);
  FamilyBuilder& Add(std::vector<std::pair<std::string, std::string>> labels, double value);
  FamilyBuilder& AddHistogram(std::vector<std::pair<std::string, std::string>> labels,
                              const AtomicHistogram::Snapshot& snapshot);
  // Hands the family over (the builder is left empty).
  prometheus::MetricFamily Build() { return std::move(family_); }

 private:
  prometheus::MetricFamily family_;
};

using Collector = std::function<std::vector<prometheus::MetricFamily>()>;

// Thread-safe.
class MetricsRegistry {
 public:
  // With the process collector (process_resident_memory_bytes, process_cpu_seconds_total,
  // process_open_fds, process_max_fds, process_virtual_memory_bytes,
  // process_start_time_seconds).
  MetricsRegistry();
  ~MetricsRegistry();
  MetricsRegistry(const MetricsRegistry&) = delete;
  MetricsRegistry& operator=(const MetricsRegistry&) = delete;

  // Where operator authors register their own metrics.
  const std::shared_ptr<prometheus::Registry>& registry() const { return registry_; }

  // workqueue_* families (labels name and controller, both the queue's name).
  workqueue::MetricsProvider& workqueue();

  // rest_client_requests_total{code,method,host} and
  // rest_client_request_duration_seconds{verb,host}.
  void ObserveRequest(std::string_view method, std::string_view code, std::string_view host,
                      double seconds);

  // leader_election_master_status{name}: 1 while leading.
  void SetLeaderStatus(std::string_view name, bool leading);

  // A callback run at every scrape; its families are exported as they are.
  void AddCollector(Collector collector);

  // Everything exported, as a Collectable (for an Exposer) and as exposition text.
  std::shared_ptr<prometheus::Collectable> collectable() const { return collectable_; }
  std::string Text() const;

 private:
  class Collectors;
  class WorkqueueProvider;

  std::shared_ptr<prometheus::Registry> registry_;
  std::shared_ptr<Collectors> collectors_;
  std::shared_ptr<prometheus::Collectable> collectable_;
  std::unique_ptr<WorkqueueProvider> workqueue_;
  prometheus::Family<prometheus::Counter>& requests_;
  prometheus::Family<prometheus::Histogram>& request_duration_;
  prometheus::Family<prometheus::Gauge>& leader_;

  kop::Mutex mu_;  // guards the caches below (Family::Add is thread-safe; these save lookups)
  std::map<std::tuple<std::string, std::string, std::string>, prometheus::Counter*> request_counters_
      ABSL_GUARDED_BY(mu_);
  std::map<std::pair<std::string, std::string>, prometheus::Histogram*> request_histograms_
      ABSL_GUARDED_BY(mu_);
};

// The process collector on its own, e.g. for a registry of your own.
std::vector<prometheus::MetricFamily> CollectProcessMetrics();

}  // namespace kop::metrics

#endif  // KOP_METRICS_METRICS_H_
