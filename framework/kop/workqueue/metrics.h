// kop/workqueue/metrics: the hooks a queue reports through.
//
// The queue depends only on these interfaces; kop/metrics provides the Prometheus
// implementation with client-go's metric names (workqueue_depth, workqueue_adds_total,
// workqueue_queue_duration_seconds, workqueue_work_duration_seconds,
// workqueue_unfinished_work_seconds, workqueue_longest_running_processor_seconds,
// workqueue_retries_total), labelled by queue name. A queue without a provider records
// nothing and pays nothing.
#ifndef KOP_WORKQUEUE_METRICS_H_
#define KOP_WORKQUEUE_METRICS_H_

#include <memory>
#include <string_view>

namespace kop::workqueue {

// Implementations are thread-safe.
class GaugeMetric {
 public:
  virtual ~GaugeMetric() = default;
  virtual void Inc() = 0;
  virtual void Dec() = 0;
};

class SettableGaugeMetric {
 public:
  virtual ~SettableGaugeMetric() = default;
  virtual void Set(double value) = 0;
};

class CounterMetric {
 public:
  virtual ~CounterMetric() = default;
  virtual void Inc() = 0;
};

class HistogramMetric {
 public:
  virtual ~HistogramMetric() = default;
  virtual void Observe(double value) = 0;
};

// Creates the metrics of one queue, by queue name. Thread-safe.
class MetricsProvider {
 public:
  virtual ~MetricsProvider() = default;
  // Items waiting to be processed (added and not yet taken by Get).
  virtual std::unique_ptr<GaugeMetric> NewDepthMetric(std::string_view name) = 0;
  // Adds that put an item in the queue (an add of an item already waiting is not counted).
  virtual std::unique_ptr<CounterMetric> NewAddsMetric(std::string_view name) = 0;
  // Seconds an item waited between Add and Get.
  virtual std::unique_ptr<HistogramMetric> NewLatencyMetric(std::string_view name) = 0;
  // Seconds between Get and Done.
  virtual std::unique_ptr<HistogramMetric> NewWorkDurationMetric(std::string_view name) = 0;
  // Sum of the seconds every in-flight item has been processing so far.
  virtual std::unique_ptr<SettableGaugeMetric> NewUnfinishedWorkSecondsMetric(
      std::string_view name) = 0;
  // Seconds the longest-running in-flight item has been processing.
  virtual std::unique_ptr<SettableGaugeMetric> NewLongestRunningProcessorSecondsMetric(
      std::string_view name) = 0;
  // Items re-added with a delay (AddAfter / AddRateLimited).
  virtual std::unique_ptr<CounterMetric> NewRetriesMetric(std::string_view name) = 0;
};

}  // namespace kop::workqueue

#endif  // KOP_WORKQUEUE_METRICS_H_
