// What metrics and logging add to each reconcile: the same no-op reconciles through a
// Controller with and without Prometheus work-queue metrics, logging at the default level.
//
//   bench_metrics [reconciles]
#include <cstdlib>
#include <iostream>

#include "bench/bench.h"
#include "kop/controller/controller.h"
#include "kop/log/logger.h"
#include "kop/metrics/metrics.h"

namespace {

class Noop final : public kop::Reconciler {
 public:
  absl::StatusOr<kop::Result> Reconcile(const kop::Request&, kop::ReconcileContext&) override {
    return kop::Result{};
  }
};

// Nanoseconds per reconcile for `n` distinct keys through one worker.
double NsPerReconcile(int n, kop::workqueue::MetricsProvider* provider) {
  kop::Controller controller({.name = "bench", .queue_metrics = provider},
                             std::make_unique<Noop>());
  for (int i = 0; i < n; ++i) {
    std::string name = std::to_string(i);
    name.insert(name.begin(), 'k');
    controller.Enqueue({{"default", std::move(name)}});
  }
  const auto start = std::chrono::steady_clock::now();
  controller.Start();
  while (controller.stats().success.load() < n) std::this_thread::yield();
  const double seconds = kop::bench::SecondsSince(start);
  controller.Stop(std::chrono::seconds(1));
  return seconds * 1e9 / n;
}

// The logging a reconcile does at the default level: its logger context (controller, key,
// reconcile id) and the two verbosity-1 lines, which are off.
double LogNsPerReconcile(int n) {
  const kop::log::Logger base = kop::log::Root().WithName("controller").WithValues("controller", "bench");
  const std::string ns = "default";
  const auto start = std::chrono::steady_clock::now();
  for (int i = 0; i < n; ++i) {
    kop::log::Logger l = base.WithValues("namespace", ns, "name", "k");
    l = l.WithValues("reconcileID", "0b3c1a9e-6d0f-4a55-9d4e-2f1c9a7e5b11");
    l.V(1).Info("reconcile started");
    l.V(1).Info("reconcile finished", "duration", std::chrono::microseconds(3), "result", "success");
    kop::bench::DoNotOptimize(l);
  }
  return kop::bench::SecondsSince(start) * 1e9 / n;
}

}  // namespace

int main(int argc, char** argv) {
  const int n = argc > 1 ? std::atoi(argv[1]) : 200000;
  kop::bench::Report report;
  kop::metrics::MetricsRegistry registry;
  // Warm up, then alternate to spread machine noise over both.
  NsPerReconcile(n / 10, nullptr);
  double bare = 0, instrumented = 0;
  constexpr int kRounds = 3;
  for (int r = 0; r < kRounds; ++r) {
    bare += NsPerReconcile(n, nullptr) / kRounds;
    instrumented += NsPerReconcile(n, &registry.workqueue()) / kRounds;
  }
  report.Add("reconcile_ns", bare, "ns", {{"metrics", false}, {"reconciles", n}});
  report.Add("reconcile_ns", instrumented, "ns", {{"metrics", true}, {"reconciles", n}});
  report.Add("reconcile_metrics_overhead_ns", instrumented - bare, "ns", {{"reconciles", n}});
  const double log = LogNsPerReconcile(n);
  report.Add("reconcile_log_overhead_ns", log, "ns", {{"log_level", "default"}});
  report.Add("reconcile_metrics_and_log_overhead_ns", instrumented - bare + log, "ns",
             {{"log_level", "default"}});
  // Everything kop does per reconcile besides the reconcile itself (queue, stats, logger
  // context, metrics): the instrumented figure is an upper bound of it.
  report.Add("reconcile_overhead_ns", instrumented, "ns", {{"log_level", "default"}, {"reconciles", n}});
  return 0;
}
