// A workqueue MetricsProvider that records every call, for asserting on queue metrics.
#ifndef KOP_TEST_SUPPORT_RECORDING_METRICS_H_
#define KOP_TEST_SUPPORT_RECORDING_METRICS_H_

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "kop/base/mutex.h"
#include "kop/workqueue/metrics.h"

namespace kop::test {

class RecordingMetrics final : public workqueue::MetricsProvider {
 public:
  struct Values {
    double depth = 0;
    double adds = 0;
    double retries = 0;
    double unfinished = 0;
    double longest = 0;
    std::vector<double> latency;
    std::vector<double> work_duration;
  };

  Values Get(const std::string& name) {
    kop::MutexLock lock(&mu_);
    return values_[name];
  }

  std::unique_ptr<workqueue::GaugeMetric> NewDepthMetric(std::string_view name) override {
    return std::make_unique<Gauge>(this, std::string(name));
  }
  std::unique_ptr<workqueue::CounterMetric> NewAddsMetric(std::string_view name) override {
    return std::make_unique<Counter>(this, std::string(name), &Values::adds);
  }
  std::unique_ptr<workqueue::HistogramMetric> NewLatencyMetric(std::string_view name) override {
    return std::make_unique<Histogram>(this, std::string(name), &Values::latency);
  }
  std::unique_ptr<workqueue::HistogramMetric> NewWorkDurationMetric(
      std::string_view name) override {
    return std::make_unique<Histogram>(this, std::string(name), &Values::work_duration);
  }
  std::unique_ptr<workqueue::SettableGaugeMetric> NewUnfinishedWorkSecondsMetric(
      std::string_view name) override {
    return std::make_unique<Settable>(this, std::string(name), &Values::unfinished);
  }
  std::unique_ptr<workqueue::SettableGaugeMetric> NewLongestRunningProcessorSecondsMetric(
      std::string_view name) override {
    return std::make_unique<Settable>(this, std::string(name), &Values::longest);
  }
  std::unique_ptr<workqueue::CounterMetric> NewRetriesMetric(std::string_view name) override {
    return std::make_unique<Counter>(this, std::string(name), &Values::retries);
  }

 private:
  struct Gauge final : workqueue::GaugeMetric {
    Gauge(RecordingMetrics* m, std::string n) : m(m), n(std::move(n)) {}
    void Inc() override {
      kop::MutexLock lock(&m->mu_);
      m->values_[n].depth += 1;
    }
    void Dec() override {
      kop::MutexLock lock(&m->mu_);
      m->values_[n].depth -= 1;
    }
    RecordingMetrics* m;
    std::string n;
  };
  struct Counter final : workqueue::CounterMetric {
    Counter(RecordingMetrics* m, std::string n, double Values::*f) : m(m), n(std::move(n)), f(f) {}
    void Inc() override {
      kop::MutexLock lock(&m->mu_);
      m->values_[n].*f += 1;
    }
    RecordingMetrics* m;
    std::string n;
    double Values::*f;
  };
  struct Settable final : workqueue::SettableGaugeMetric {
    Settable(RecordingMetrics* m, std::string n, double Values::*f) : m(m), n(std::move(n)), f(f) {}
    void Set(double v) override {
      kop::MutexLock lock(&m->mu_);
      m->values_[n].*f = v;
    }
    RecordingMetrics* m;
    std::string n;
    double Values::*f;
  };
  struct Histogram final : workqueue::HistogramMetric {
    Histogram(RecordingMetrics* m, std::string n, std::vector<double> Values::*f)
        : m(m), n(std::move(n)), f(f) {}
    void Observe(double v) override {
      kop::MutexLock lock(&m->mu_);
      (m->values_[n].*f).push_back(v);
    }
    RecordingMetrics* m;
    std::string n;
    std::vector<double> Values::*f;
  };

  kop::Mutex mu_;
  std::map<std::string, Values> values_ ABSL_GUARDED_BY(mu_);
};

}  // namespace kop::test

#endif  // KOP_TEST_SUPPORT_RECORDING_METRICS_H_
