#include "kop/metrics/metrics.h"

#include "catch2/catch.hpp"
#include "kop/metrics/server.h"
#include "kop/workqueue/workqueue.h"

namespace kop::metrics {
namespace {

bool Has(const std::string& text, const std::string& line) {
  return text.find(line) != std::string::npos;
}

TEST_CASE("the registry exports the workqueue family with name and controller labels") {
  MetricsRegistry registry;
  workqueue::Queue<int> queue({.name = "application", .metrics_provider = &registry.workqueue()});
  queue.Add(1);
  queue.Add(2);
  queue.Add(1);  // already waiting: not an add
  const std::string text = registry.Text();
  REQUIRE(Has(text, "workqueue_adds_total{controller=\"application\",name=\"application\"} 2"));
  REQUIRE(Has(text, "workqueue_depth{controller=\"application\",name=\"application\"} 2"));
  REQUIRE(Has(text, "# TYPE workqueue_queue_duration_seconds histogram"));
  REQUIRE(Has(text, "workqueue_queue_duration_seconds_bucket{controller=\"application\",name=\"application\",le=\"1e-08\"}"));
  REQUIRE(Has(text, "workqueue_work_duration_seconds_bucket{controller=\"application\",name=\"application\",le=\"1000\"}"));
  REQUIRE(Has(text, "workqueue_unfinished_work_seconds{"));
  REQUIRE(Has(text, "workqueue_longest_running_processor_seconds{"));
  REQUIRE(Has(text, "workqueue_retries_total{"));
  std::optional<int> item = queue.Get();
  REQUIRE(item.has_value());
  queue.Done(*item);
  REQUIRE(Has(registry.Text(), "workqueue_depth{controller=\"application\",name=\"application\"} 1"));
  queue.ShutDown();
}

TEST_CASE("request observations become rest_client_requests_total and the latency histogram") {
  MetricsRegistry registry;
  registry.ObserveRequest("GET", "200", "10.0.0.1:6443", 0.01);
  registry.ObserveRequest("GET", "200", "10.0.0.1:6443", 0.02);
  registry.ObserveRequest("PUT", "409", "10.0.0.1:6443", 0.2);
  registry.ObserveRequest("GET", "<error>", "10.0.0.1:6443", 30);
  const std::string text = registry.Text();
  REQUIRE(Has(text, "rest_client_requests_total{code=\"200\",host=\"10.0.0.1:6443\",method=\"GET\"} 2"));
  REQUIRE(Has(text, "rest_client_requests_total{code=\"409\",host=\"10.0.0.1:6443\",method=\"PUT\"} 1"));
  REQUIRE(Has(text, "rest_client_requests_total{code=\"<error>\",host=\"10.0.0.1:6443\",method=\"GET\"} 1"));
  REQUIRE(Has(text, "rest_client_request_duration_seconds_count{host=\"10.0.0.1:6443\",verb=\"GET\"} 3"));
  REQUIRE(Has(text, "rest_client_request_duration_seconds_bucket{host=\"10.0.0.1:6443\",verb=\"PUT\",le=\"0.25\"} 1"));
}

TEST_CASE("leader status, process metrics and user metrics share the registry") {
  MetricsRegistry registry;
  registry.SetLeaderStatus("app-leader", true);
  auto& mine = prometheus::BuildCounter().Name("app_things_total").Help("Things.").Register(*registry.registry()).Add({});
  mine.Increment(3);
  const std::string text = registry.Text();
  REQUIRE(Has(text, "leader_election_master_status{name=\"app-leader\"} 1"));
  REQUIRE(Has(text, "app_things_total 3"));
  for (const char* name : {"process_resident_memory_bytes ", "process_cpu_seconds_total ",
                           "process_open_fds ", "process_start_time_seconds ", "process_max_fds "}) {
    INFO(name);
    REQUIRE(Has(text, name));
  }
  // The RSS of this very process is real.
  for (const prometheus::MetricFamily& f : CollectProcessMetrics()) {
    if (f.name == "process_resident_memory_bytes") REQUIRE(f.metric.at(0).gauge.value > 1e6);
    if (f.name == "process_open_fds") REQUIRE(f.metric.at(0).gauge.value >= 3);
  }
}

TEST_CASE("collectors run at scrape time and histograms come out cumulative") {
  MetricsRegistry registry;
  AtomicHistogram h({1, 2});
  int scrapes = 0;
  registry.AddCollector([&] {
    ++scrapes;
    FamilyBuilder f("demo_seconds", "Demo.", prometheus::MetricType::Histogram);
    f.AddHistogram({{"controller", "x"}}, h.Take());
    return std::vector<prometheus::MetricFamily>{f.Build()};
  });
  h.Observe(0.5);
  h.Observe(1.5);
  h.Observe(5);
  const std::string text = registry.Text();
  REQUIRE(scrapes == 1);
  REQUIRE(Has(text, "demo_seconds_bucket{controller=\"x\",le=\"1\"} 1"));
  REQUIRE(Has(text, "demo_seconds_bucket{controller=\"x\",le=\"2\"} 2"));
  REQUIRE(Has(text, "demo_seconds_bucket{controller=\"x\",le=\"+Inf\"} 3"));
  REQUIRE(Has(text, "demo_seconds_count{controller=\"x\"} 3"));
}

TEST_CASE("bind addresses are checked and translated") {
  REQUIRE(*ListenSpec(":8080") == "8080");
  REQUIRE(*ListenSpec("127.0.0.1:0") == "127.0.0.1:0");
  REQUIRE(ListenSpec("8080x").status().code() == absl::StatusCode::kInvalidArgument);
  REQUIRE(ListenSpec("localhost").status().message().find("no port") != std::string::npos);
  REQUIRE(ListenSpec("host:").status().code() == absl::StatusCode::kInvalidArgument);
}

TEST_CASE("a metrics server on a taken port fails with a clear error") {
  MetricsRegistry registry;
  auto first = MetricsServer::Start("127.0.0.1:0", registry);
  REQUIRE(first.ok());
  REQUIRE((*first)->port() > 0);
  auto second = MetricsServer::Start("127.0.0.1:" + std::to_string((*first)->port()), registry);
  REQUIRE_FALSE(second.ok());
  REQUIRE(second.status().message().find("metrics server cannot listen") != std::string::npos);
}

}  // namespace
}  // namespace kop::metrics
