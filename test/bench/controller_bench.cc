// End to end against the embedded API server: a Manager-run controller whose reconciler
// writes one owned ConfigMap and the primary's status. Reconciles/s and create->status
// latency (p50/p99) with 1, 2 and 4 workers; and latency at a steady 200 creates/s.
#include <algorithm>
#include <atomic>
#include <map>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "bench/bench.h"
#include "kop/manager/manager.h"
#include "kop/testing/apiserver.h"

namespace {

using Clock = std::chrono::steady_clock;

const char* kCrd = R"({"apiVersion":"apiextensions.k8s.io/v1","kind":"CustomResourceDefinition",
  "metadata":{"name":"widgets.bench.kop.example.com"},
  "spec":{"group":"bench.kop.example.com","scope":"Namespaced",
          "names":{"plural":"widgets","singular":"widget","kind":"Widget"},
          "versions":[{"name":"v1","served":true,"storage":true,"subresources":{"status":{}},
                       "schema":{"openAPIV3Schema":{"type":"object","x-kubernetes-preserve-unknown-fields":true}}}]}})";

const kop::GroupVersionKind kWidget{"bench.kop.example.com", "v1", "Widget"};

class WidgetReconciler final : public kop::Reconciler {
 public:
  absl::StatusOr<kop::Result> Reconcile(const kop::Request& req, kop::ReconcileContext& ctx) override {
    auto widget = ctx.cached->Get(kWidget, req.key);
    if (kop::IsNotFound(widget.status())) return kop::Result{};
    if (!widget.ok()) return widget.status();
    if ((*widget)->Find({"status", "observedGeneration"}) != nullptr) return kop::Result{};
    kop::Object cm = kop::Object::New({"", "v1", "ConfigMap"}, {req.key.namespace_, req.key.name});
    cm.set_owner_references({{.api_version = kWidget.api_version(), .kind = "Widget", .name = req.key.name,
                              .uid = (*widget)->uid(), .controller = true}});
    auto created = ctx.cached->Create(cm);
    if (!created.ok() && !kop::IsAlreadyExists(created.status())) return created.status();
    kop::Object status = **widget;
    status.mutable_status()["observedGeneration"] = (*widget)->generation();
    auto updated = ctx.cached->UpdateStatus(status);
    if (!updated.ok()) return updated.status();
    return kop::Result{};
  }
};

// Records when each widget got its status, from a watch.
struct StatusWatch {
  std::mutex mu;
  std::map<std::string, Clock::time_point> done;
};

double Percentile(std::vector<double> v, double p) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  return v[std::min(v.size() - 1, static_cast<size_t>(p * static_cast<double>(v.size())))];
}

struct Run {
  double reconciles_per_sec;
  double p50_ms;
  double p99_ms;
};

Run Measure(int workers, int n, double rate_per_sec) {
  auto server = kop::testing::ApiServer::Start({.watch_flush_interval = std::chrono::milliseconds(1)});
  if (!server.ok()) std::abort();
  auto crd = kop::Object::Parse(kCrd);
  if (!crd.ok() || !(*server)->Create(*crd).ok()) std::abort();
  kop::client::Config config;
  config.server = (*server)->url();
  auto manager = kop::Manager::Create({.name = "bench", .config = config, .namespaces = {"default"},
                                       .graceful_shutdown_timeout = std::chrono::seconds(5),
                                       .metrics_bind_address = "0", .health_probe_bind_address = "0"});
  if (!manager.ok()) std::abort();
  auto controller = kop::ControllerBuilder(**manager)
                        .For(kWidget, {kop::predicate::GenerationChanged()})
                        .Owns({"", "v1", "ConfigMap"})
                        .WithOptions({.max_concurrent_reconciles = workers})
                        .Complete(std::make_unique<WidgetReconciler>());
  if (!controller.ok()) std::abort();
  std::stop_source stop;
  std::jthread runner([&] { (void)(*manager)->Start(stop.get_token()); });

  auto widgets = (*manager)->client().Resource({kWidget.group, "v1", "widgets"}, true).Namespace("default");
  StatusWatch seen;
  auto watch = widgets.Watch();
  if (!watch.ok()) std::abort();
  std::atomic<int> completed{0};
  std::jthread watcher([&] {
    while (auto e = (*watch)->Next(std::chrono::seconds(60))) {
      if (e->object.Find({"status", "observedGeneration"}) == nullptr) continue;
      std::lock_guard lock(seen.mu);
      if (seen.done.emplace(e->object.name(), Clock::now()).second) ++completed;
    }
  });
  // Give the manager time to start its caches before measuring.
  while ((*server)->OpenWatches() < 3) std::this_thread::sleep_for(std::chrono::milliseconds(1));

  std::map<std::string, Clock::time_point> created_at;
  const auto start = Clock::now();
  for (int i = 0; i < n; ++i) {
    if (rate_per_sec > 0) {
      std::this_thread::sleep_until(start + std::chrono::duration_cast<Clock::duration>(
                                                std::chrono::duration<double>(i / rate_per_sec)));
    }
    kop::Object w = kop::Object::New(kWidget, {"default", "w-" + std::to_string(i)});
    w.mutable_spec()["size"] = i;
    created_at[w.name()] = Clock::now();
    if (!widgets.Create(w).ok()) std::abort();
  }
  while (completed.load() < n && kop::bench::SecondsSince(start) < 120) {
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  const double secs = kop::bench::SecondsSince(start);
  std::vector<double> latencies;
  {
    std::lock_guard lock(seen.mu);
    for (const auto& [name, t] : seen.done) {
      latencies.push_back(std::chrono::duration<double, std::milli>(t - created_at[name]).count());
    }
  }
  (*watch)->Close();
  watcher.join();
  stop.request_stop();
  runner.join();
  return {completed.load() / secs, Percentile(latencies, 0.5), Percentile(latencies, 0.99)};
}

}  // namespace

// Conflicts from stale cache reads are expected (and retried); they would flood the output.
class NullSink final : public kop::log::Sink {
 public:
  void Write(std::string_view) override {}
};

int main() {
  kop::log::Configure({.sink = std::make_shared<NullSink>()});
  kop::bench::Report report;
  for (int workers : {1, 2, 4}) {
    Run r = Measure(workers, 1000, 0);
    report.Add("reconciles_per_sec", r.reconciles_per_sec, "reconciles/s", {{"workers", workers}});
    report.Add("create_to_status_p50_ms", r.p50_ms, "ms", {{"workers", workers}, {"rate", "burst"}});
    report.Add("create_to_status_p99_ms", r.p99_ms, "ms", {{"workers", workers}, {"rate", "burst"}});
  }
  Run steady = Measure(2, 1000, 200);
  report.Add("create_to_status_p50_ms", steady.p50_ms, "ms", {{"workers", 2}, {"rate", 200}});
  report.Add("create_to_status_p99_ms", steady.p99_ms, "ms", {{"workers", 2}, {"rate", 200}});
  return 0;
}
