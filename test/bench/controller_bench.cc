// End to end against the embedded API server: a Manager-run controller whose reconciler
// creates one owned ConfigMap (when the cache does not have it) and updates the primary's
// status. Reconciles/s (primaries reconciled per second, from a burst of 1,000
// created by 4 clients), Reconcile calls per primary, and create->status latency (p50/p99)
// with 1, 2 and 4 workers; and latency at a steady 200 creates/s. Also how many cores the
// whole process (server, operator and load generator share the machine) kept busy.
#include <sys/resource.h>

#include <algorithm>
#include <cstdlib>
#include <atomic>
#include <condition_variable>
#include <map>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "bench/bench.h"
#include "bench/widget_crd.h"
#include "kop/manager/manager.h"
#include "kop/testing/apiserver.h"

namespace {

using Clock = std::chrono::steady_clock;


const kop::GroupVersionKind kWidget{"bench.kop.example.com", "v1", "Widget"};
const kop::GroupVersionKind kConfigMap{"", "v1", "ConfigMap"};

class WidgetReconciler final : public kop::Reconciler {
 public:
  absl::StatusOr<kop::Result> Reconcile(const kop::Request& req, kop::ReconcileContext& ctx) override {
    auto widget = ctx.client.Get(kWidget, req.key);
    if (kop::IsNotFound(widget.status())) return kop::Result{};
    if (!widget.ok()) return widget.status();
    if ((*widget)->FindView({"status", "observedGeneration"}).exists()) return kop::Result{};
    // As reconcilers do: the owned object is looked up in the cache and created when missing.
    auto owned = ctx.client.Get(kConfigMap, req.key);
    if (kop::IsNotFound(owned.status())) {
      kop::Object cm = kop::Object::New(kConfigMap, {req.key.namespace_, req.key.name});
      cm.set_owner_references({{.api_version = kWidget.api_version(),
                                .kind = "Widget",
                                .name = req.key.name,
                                .uid = std::string((*widget)->uid()),
                                .controller = true}});
      auto created = ctx.client.Create(cm);
      if (!created.ok() && !kop::IsAlreadyExists(created.status())) return created.status();
    } else if (!owned.ok()) {
      return owned.status();
    }
    kop::Object status = **widget;
    status.mutable_status()["observedGeneration"] = (*widget)->generation();
    auto updated = ctx.client.Status().Update(status);
    if (!updated.ok()) return updated.status();
    return kop::Result{};
  }
};

// Records when each widget got its status, from a watch.
struct StatusWatch {
  std::mutex mu;
  std::condition_variable all_done;  // signalled when `done` reaches the target
  std::map<std::string, Clock::time_point> done;
};

double Percentile(std::vector<double> v, double p) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  return v[std::min(v.size() - 1, static_cast<size_t>(p * static_cast<double>(v.size())))];
}

struct Run {
  double reconciles_per_sec;
  double calls_per_object;  // Reconcile calls per widget (events for owned objects, conflicts)
  double errors_per_object;  // of which failed (conflicts from stale cache reads)
  double reconcile_ms;      // mean time inside Reconcile
  double p50_ms;
  double p99_ms;
  double cpu_cores;  // CPU time of the whole process (server included) per second of the run
};

constexpr int kCreators = 4;

double CpuSeconds() {
  rusage u{};
  getrusage(RUSAGE_SELF, &u);
  return static_cast<double>(u.ru_utime.tv_sec + u.ru_stime.tv_sec) +
         static_cast<double>(u.ru_utime.tv_usec + u.ru_stime.tv_usec) / 1e6;
}

Run Measure(int workers, int n, double rate_per_sec, bool read_your_own_writes = true) {
  // Watches flush at most every millisecond (the server's default, 5 ms, batches more: it
  // adds about 8 ms to the median create->status latency at 200/s for no clear gain in
  // throughput on this machine).
  auto server = kop::testing::ApiServer::Start({.watch_flush_interval = std::chrono::milliseconds(1)});
  if (!server.ok()) std::abort();
  auto crd = kop::Object::Parse(kop::bench::kWidgetCrd);
  if (!crd.ok() || !(*server)->Create(*crd).ok()) std::abort();
  kop::client::Config config;
  config.server = (*server)->url();
  auto manager = kop::Manager::Create({.name = "bench", .config = config, .namespaces = {"default"},
                                       .graceful_shutdown_timeout = std::chrono::seconds(5),
                                       .read_your_own_writes = read_your_own_writes,
                                       .metrics_bind_address = "0", .health_probe_bind_address = "0"});
  if (!manager.ok()) std::abort();
  auto controller = kop::ControllerBuilder(**manager)
                        .For(kWidget, {kop::predicate::GenerationChanged()})
                        .Owns(kConfigMap)
                        .WithOptions({.max_concurrent_reconciles = workers})
                        .Complete(std::make_unique<WidgetReconciler>());
  if (!controller.ok()) std::abort();
  std::stop_source stop;
  std::jthread runner([&] { (void)(*manager)->Start(stop.get_token()); });

  // The load generator is a client of its own, as another process would be: it does not
  // share the operator's connections.
  config.qps = 0;
  auto load = kop::client::Client::Create(config);
  if (!load.ok()) std::abort();
  auto widgets = (*load)->Resource({kWidget.group, "v1", "widgets"}, true).Namespace("default");
  StatusWatch seen;
  // Compact decoding keeps the harness's own share of the two cores small.
  auto watch = widgets.Watch({.compact = true});
  if (!watch.ok()) std::abort();
  std::atomic<int> completed{0};
  std::jthread watcher([&] {
    while (auto e = (*watch)->Next(std::chrono::seconds(60))) {
      if (!e->object.FindView({"status", "observedGeneration"}).exists()) continue;
      std::lock_guard lock(seen.mu);
      if (seen.done.emplace(e->object.name(), Clock::now()).second && ++completed == n) {
        seen.all_done.notify_all();
      }
    }
  });
  // Give the manager time to start its caches before measuring.
  while ((*server)->OpenWatches() < 3) std::this_thread::sleep_for(std::chrono::milliseconds(1));

  // Creation times by index; each creator writes only its own indices, read after the joins.
  std::vector<Clock::time_point> created_at(n);
  std::atomic<bool> create_failed{false};
  auto create = [&](int i) {
    kop::Object w = kop::Object::New(kWidget, {"default", "w-" + std::to_string(i)});
    w.mutable_spec()["size"] = i;
    created_at[i] = Clock::now();
    if (!widgets.Create(w).ok()) create_failed = true;
  };
  const auto start = Clock::now();
  const double cpu_start = CpuSeconds();
  if (rate_per_sec > 0) {
    for (int i = 0; i < n; ++i) {
      std::this_thread::sleep_until(start + std::chrono::duration_cast<Clock::duration>(
                                                std::chrono::duration<double>(i / rate_per_sec)));
      create(i);
    }
  } else {
    // A burst from several clients at once, so that one client's round trips do not bound
    // the figure: the operator, not the load generator, is measured.
    std::vector<std::jthread> creators;
    for (int c = 0; c < kCreators; ++c) {
      creators.emplace_back([&, c] {
        for (int i = c; i < n; i += kCreators) create(i);
      });
    }
  }
  if (create_failed) std::abort();
  {
    // Woken by the watcher, not by polling: a polling main thread would take its share of the
    // two cores from what is measured.
    std::unique_lock lock(seen.mu);
    seen.all_done.wait_until(lock, start + std::chrono::seconds(120), [&] { return completed.load() >= n; });
  }
  const double secs = kop::bench::SecondsSince(start);
  const double cpu_cores = (CpuSeconds() - cpu_start) / secs;
  std::vector<double> latencies;
  {
    std::lock_guard lock(seen.mu);
    for (const auto& [name, t] : seen.done) {
      const int i = std::stoi(name.substr(2));
      latencies.push_back(std::chrono::duration<double, std::milli>(t - created_at[i]).count());
    }
  }
  const kop::ControllerStats& stats = (*controller)->stats();
  const double calls = static_cast<double>(stats.success.load() + stats.error.load() + stats.requeue.load() +
                                           stats.requeue_after.load());
  const auto times = stats.reconcile_time.Take();
  const double reconcile_ms = times.count > 0 ? times.sum / static_cast<double>(times.count) * 1000 : 0;
  (*watch)->Close();
  watcher.join();
  stop.request_stop();
  runner.join();
  return {completed.load() / secs, calls / n, static_cast<double>(stats.error.load()) / n, reconcile_ms, Percentile(latencies, 0.5), Percentile(latencies, 0.99),
          cpu_cores};
}

}  // namespace

// Conflicts from stale cache reads are expected (and retried); they would flood the output.
class NullSink final : public kop::log::Sink {
 public:
  void Write(std::string_view) override {}
};

// With no arguments, every measurement; with worker counts (bench_controller 2), only the
// bursts with those workers (quick comparisons of one figure).
int main(int argc, char** argv) {
  kop::log::Configure({.sink = std::make_shared<NullSink>()});
  std::vector<int> worker_counts;
  for (int i = 1; i < argc; ++i) worker_counts.push_back(std::max(1, std::atoi(argv[i])));
  const bool everything = worker_counts.empty();
  if (everything) worker_counts = {1, 2, 4};
  kop::bench::Report report;
  for (int workers : worker_counts) {
    Run r = Measure(workers, 1000, 0);
    report.Add("reconciles_per_sec", r.reconciles_per_sec, "reconciles/s", {{"workers", workers}});
    report.Add("reconcile_calls_per_object", r.calls_per_object, "calls", {{"workers", workers}});
    report.Add("reconcile_errors_per_object", r.errors_per_object, "errors", {{"workers", workers}});
    report.Add("reconcile_mean_ms", r.reconcile_ms, "ms", {{"workers", workers}});
    report.Add("controller_bench_cpu_cores", r.cpu_cores, "cores", {{"workers", workers}});
    // CPU time of the whole process per reconciled widget: steadier than the rate on a shared
    // machine, whose cores come and go.
    report.Add("controller_bench_cpu_ms_per_object", r.cpu_cores / r.reconciles_per_sec * 1000, "ms",
               {{"workers", workers}});
    report.Add("create_to_status_p50_ms", r.p50_ms, "ms", {{"workers", workers}, {"rate", "burst"}});
    report.Add("create_to_status_p99_ms", r.p99_ms, "ms", {{"workers", workers}, {"rate", "burst"}});
    if (workers == 2) {
      // The cost and the effect of reading one's own writes: the same burst without it.
      Run off = Measure(workers, 1000, 0, false);
      const nlohmann::json p = {{"workers", workers}, {"read_your_own_writes", false}};
      report.Add("reconciles_per_sec", off.reconciles_per_sec, "reconciles/s", p);
      report.Add("reconcile_calls_per_object", off.calls_per_object, "calls", p);
      report.Add("reconcile_errors_per_object", off.errors_per_object, "errors", p);
      report.Add("controller_bench_cpu_ms_per_object", off.cpu_cores / off.reconciles_per_sec * 1000, "ms", p);
    }
  }
  if (!everything) return 0;
  Run steady = Measure(2, 1000, 200);
  report.Add("create_to_status_p50_ms", steady.p50_ms, "ms", {{"workers", 2}, {"rate", 200}});
  report.Add("create_to_status_p99_ms", steady.p99_ms, "ms", {{"workers", 2}, {"rate", 200}});
  return 0;
}
