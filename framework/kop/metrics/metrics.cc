#include "kop/metrics/metrics.h"

#include <cmath>
#include <utility>

#include "prometheus/text_serializer.h"

namespace kop::metrics {
namespace {

using Labels = std::map<std::string, std::string>;

// client-go's workqueue buckets: 1e-8 .. 1e3 seconds, ten times apart.
prometheus::Histogram::BucketBoundaries WorkqueueBuckets() {
  prometheus::Histogram::BucketBoundaries b;
  for (int e = -8; e <= 3; ++e) b.push_back(std::pow(10.0, e));
  return b;
}

// client-go's rest_client_request_duration_seconds buckets.
prometheus::Histogram::BucketBoundaries RequestBuckets() {
  return {0.005, 0.025, 0.1, 0.25, 0.5, 1.0, 2.0, 4.0, 8.0, 15.0, 30.0, 60.0};
}

class Gauge final : public workqueue::GaugeMetric, public workqueue::SettableGaugeMetric {
 public:
  explicit Gauge(prometheus::Gauge& g) : g_(g) {}
  void Inc() override { g_.Increment(); }
  void Dec() override { g_.Decrement(); }
  void Set(double v) override { g_.Set(v); }

 private:
  prometheus::Gauge& g_;
};

class Counter final : public workqueue::CounterMetric {
 public:
  explicit Counter(prometheus::Counter& c) : c_(c) {}
  void Inc() override { c_.Increment(); }

 private:
  prometheus::Counter& c_;
};

class Histogram final : public workqueue::HistogramMetric {
 public:
  explicit Histogram(prometheus::Histogram& h) : h_(h) {}
  void Observe(double v) override { h_.Observe(v); }

 private:
  prometheus::Histogram& h_;
};

}  // namespace

FamilyBuilder::FamilyBuilder(std::string name, std::string help, prometheus::MetricType type) {
  family_.name = std::move(name);
  family_.help = std::move(help);
  family_.type = type;
}

FamilyBuilder& FamilyBuilder::Add(std::vector<std::pair<std::string, std::string>> labels,
                                  double value) {
  prometheus::ClientMetric m;
  for (auto& [k, v] : labels) m.label.push_back({std::move(k), std::move(v)});
  switch (family_.type) {
    case prometheus::MetricType::Counter:
      m.counter.value = value;
      break;
    case prometheus::MetricType::Gauge:
      m.gauge.value = value;
      break;
    default:
      m.untyped.value = value;
      break;
  }
  family_.metric.push_back(std::move(m));
  return *this;
}

FamilyBuilder& FamilyBuilder::AddHistogram(std::vector<std::pair<std::string, std::string>> labels,
                                           const AtomicHistogram::Snapshot& snapshot) {
  prometheus::ClientMetric m;
  for (auto& [k, v] : labels) m.label.push_back({std::move(k), std::move(v)});
  uint64_t cumulative = 0;
  for (size_t i = 0; i < snapshot.bounds.size(); ++i) {
    cumulative += snapshot.counts[i];
    m.histogram.bucket.push_back({cumulative, snapshot.bounds[i]});
  }
  cumulative += snapshot.counts.back();
  m.histogram.bucket.push_back({cumulative, std::numeric_limits<double>::infinity()});
  m.histogram.sample_count = cumulative;
  m.histogram.sample_sum = snapshot.sum;
  family_.metric.push_back(std::move(m));
  return *this;
}

// The registry plus the scrape-time collectors, as one Collectable.
class MetricsRegistry::Collectors final : public prometheus::Collectable {
 public:
  explicit Collectors(std::shared_ptr<prometheus::Registry> registry)
      : registry_(std::move(registry)) {}

  void Add(Collector c) {
    kop::MutexLock lock(&mu_);
    collectors_.push_back(std::move(c));
  }

  std::vector<prometheus::MetricFamily> Collect() const override {
    std::vector<prometheus::MetricFamily> out = registry_->Collect();
    std::vector<Collector> collectors;
    {
      kop::MutexLock lock(&mu_);
      collectors = collectors_;
    }
    for (const Collector& c : collectors) {
      for (prometheus::MetricFamily& f : c()) out.push_back(std::move(f));
    }
    return out;
  }

 private:
  const std::shared_ptr<prometheus::Registry> registry_;
  mutable kop::Mutex mu_;
  std::vector<Collector> collectors_ ABSL_GUARDED_BY(mu_);
};

class MetricsRegistry::WorkqueueProvider final : public workqueue::MetricsProvider {
 public:
  explicit WorkqueueProvider(prometheus::Registry& r)
      : depth_(prometheus::BuildGauge()
                   .Name("workqueue_depth")
                   .Help("Current depth of workqueue")
                   .Register(r)),
        adds_(prometheus::BuildCounter()
                  .Name("workqueue_adds_total")
                  .Help("Total number of adds handled by workqueue")
                  .Register(r)),
        latency_(prometheus::BuildHistogram()
                     .Name("workqueue_queue_duration_seconds")
                     .Help("How long in seconds an item stays in workqueue before being requested")
                     .Register(r)),
        work_(prometheus::BuildHistogram()
                  .Name("workqueue_work_duration_seconds")
                  .Help("How long in seconds processing an item from workqueue takes.")
                  .Register(r)),
        unfinished_(prometheus::BuildGauge()
                        .Name("workqueue_unfinished_work_seconds")
                        .Help("How many seconds of work has been done that is in progress and "
                              "hasn't been observed by work_duration. Large values indicate stuck "
                              "threads. One can deduce the number of stuck threads by observing "
                              "the rate at which this increases.")
                        .Register(r)),
        longest_(prometheus::BuildGauge()
                     .Name("workqueue_longest_running_processor_seconds")
                     .Help("How many seconds has the longest running processor for workqueue "
                           "been running.")
                     .Register(r)),
        retries_(prometheus::BuildCounter()
                     .Name("workqueue_retries_total")
                     .Help("Total number of retries handled by workqueue")
                     .Register(r)) {}

  std::unique_ptr<workqueue::GaugeMetric> NewDepthMetric(std::string_view name) override {
    return std::make_unique<Gauge>(depth_.Add(L(name)));
  }
  std::unique_ptr<workqueue::CounterMetric> NewAddsMetric(std::string_view name) override {
    return std::make_unique<Counter>(adds_.Add(L(name)));
  }
  std::unique_ptr<workqueue::HistogramMetric> NewLatencyMetric(std::string_view name) override {
    return std::make_unique<Histogram>(latency_.Add(L(name), WorkqueueBuckets()));
  }
  std::unique_ptr<workqueue::HistogramMetric> NewWorkDurationMetric(std::string_view name) override {
    return std::make_unique<Histogram>(work_.Add(L(name), WorkqueueBuckets()));
  }
  std::unique_ptr<workqueue::SettableGaugeMetric> NewUnfinishedWorkSecondsMetric(
      std::string_view name) override {
    return std::make_unique<Gauge>(unfinished_.Add(L(name)));
  }
  std::unique_ptr<workqueue::SettableGaugeMetric> NewLongestRunningProcessorSecondsMetric(
      std::string_view name) override {
    return std::make_unique<Gauge>(longest_.Add(L(name)));
  }
  std::unique_ptr<workqueue::CounterMetric> NewRetriesMetric(std::string_view name) override {
    return std::make_unique<Counter>(retries_.Add(L(name)));
  }

 private:
  // controller-runtime labels its queues by controller name twice.
  static Labels L(std::string_view name) {
    return {{"name", std::string(name)}, {"controller", std::string(name)}};
  }

  prometheus::Family<prometheus::Gauge>& depth_;
  prometheus::Family<prometheus::Counter>& adds_;
  prometheus::Family<prometheus::Histogram>& latency_;
  prometheus::Family<prometheus::Histogram>& work_;
  prometheus::Family<prometheus::Gauge>& unfinished_;
  prometheus::Family<prometheus::Gauge>& longest_;
  prometheus::Family<prometheus::Counter>& retries_;
};

MetricsRegistry::MetricsRegistry()
    : registry_(std::make_shared<prometheus::Registry>()),
      collectors_(std::make_shared<Collectors>(registry_)),
      collectable_(collectors_),
      workqueue_(std::make_unique<WorkqueueProvider>(*registry_)),
      requests_(prometheus::BuildCounter()
                    .Name("rest_client_requests_total")
                    .Help("Number of HTTP requests, partitioned by status code, method, and host.")
                    .Register(*registry_)),
      request_duration_(prometheus::BuildHistogram()
                            .Name("rest_client_request_duration_seconds")
                            .Help("Request latency in seconds. Broken down by verb, and host.")
                            .Register(*registry_)),
      leader_(prometheus::BuildGauge()
                  .Name("leader_election_master_status")
                  .Help("Gauge of if the reporting system is master of the relevant lease, 0 "
                        "indicates backup, 1 indicates master. 'name' is the string used to "
                        "identify the lease. Please make sure to group by name.")
                  .Register(*registry_)) {
  collectors_->Add(CollectProcessMetrics);
}

MetricsRegistry::~MetricsRegistry() = default;

workqueue::MetricsProvider& MetricsRegistry::workqueue() { return *workqueue_; }

void MetricsRegistry::ObserveRequest(std::string_view method, std::string_view code,
                                     std::string_view host, double seconds) {
  prometheus::Counter* counter;
  prometheus::Histogram* histogram;
  {
    kop::MutexLock lock(&mu_);
    auto key = std::make_tuple(std::string(code), std::string(method), std::string(host));
    auto it = request_counters_.find(key);
    if (it == request_counters_.end()) {
      prometheus::Counter& c = requests_.Add({{"code", std::get<0>(key)},
                                              {"method", std::get<1>(key)},
                                              {"host", std::get<2>(key)}});
      it = request_counters_.emplace(std::move(key), &c).first;
    }
    counter = it->second;
    auto hkey = std::make_pair(std::string(method), std::string(host));
    auto hit = request_histograms_.find(hkey);
    if (hit == request_histograms_.end()) {
      prometheus::Histogram& h = request_duration_.Add(
          {{"verb", hkey.first}, {"host", hkey.second}}, RequestBuckets());
      hit = request_histograms_.emplace(std::move(hkey), &h).first;
    }
    histogram = hit->second;
  }
  counter->Increment();
  histogram->Observe(seconds);
}

void MetricsRegistry::SetLeaderStatus(std::string_view name, bool leading) {
  leader_.Add({{"name", std::string(name)}}).Set(leading ? 1 : 0);
}

void MetricsRegistry::AddCollector(Collector collector) { collectors_->Add(std::move(collector)); }

std::string MetricsRegistry::Text() const {
  return prometheus::TextSerializer().Serialize(collectable_->Collect());
}

}  // namespace kop::metrics
