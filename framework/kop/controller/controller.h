// kop/controller/controller: a work queue of requests and the workers that reconcile them.
//
//   kop::Controller controller({.name = "application", .max_concurrent_reconciles = 2},
//                              std::make_unique<ApplicationReconciler>());
//   apps_informer->AddEventHandler(kop::EnqueueForObject(controller.Enqueuer()));
//   deployments_informer->AddEventHandler(
//       kop::EnqueueForOwner(controller.Enqueuer(), {"example.com", "Application"}));
//   controller.Start();
//   ...
//   controller.Stop(std::chrono::seconds(30));
//
// A Controller is a Runnable: Run(stop) starts it and, once `stop` is requested, stops it
// with options.graceful_shutdown_timeout for in-flight reconciles. The manager runs it so
// (with ControllerBuilder, kop/controller/builder.h, doing the wiring above).
//
// Guarantees (from the queue): one key is never reconciled by two workers at once; a key
// enqueued during its reconcile runs again after it. Success forgets the key's backoff; an
// error (or an exception, caught and counted) requeues it with per-key exponential backoff;
// a TerminalError is not retried; requeue_after schedules the key later.
//
// Thread-safe.
#ifndef KOP_CONTROLLER_CONTROLLER_H_
#define KOP_CONTROLLER_CONTROLLER_H_

#include <atomic>
#include <chrono>
#include <memory>
#include <shared_mutex>
#include <stop_token>
#include <string>
#include <thread>
#include <vector>

#include "kop/base/clock.h"
#include "kop/base/histogram.h"
#include "kop/base/runnable.h"
#include "kop/client/object_client.h"
#include "kop/controller/handler.h"
#include "kop/controller/reconciler.h"
#include "kop/log/logger.h"
#include "kop/workqueue/workqueue.h"

namespace kop {

struct ControllerOptions {
  std::string name = "controller";
  int max_concurrent_reconciles = 1;
  // Default: client-go's controller limiter (max of 5 ms..1000 s exponential and 10/s bucket).
  std::shared_ptr<workqueue::RateLimiter<ObjectKey>> rate_limiter;
  // A reconcile running longer than this counts as timed out (its context's deadline).
  std::chrono::milliseconds reconcile_timeout{0};
  const Clock* clock = nullptr;
  // Null: the root logger.
  std::shared_ptr<const log::Logger> log;
  // What reconciles read and write through (ctx.client) and read the server with
  // (ctx.api_reader). Null: a client that refuses every call (FailedPrecondition).
  client::ObjectClient* client = nullptr;
  client::Reader* api_reader = nullptr;
  workqueue::MetricsProvider* queue_metrics = nullptr;
  // How long Run gives in-flight reconciles once stopped (Stop's grace).
  std::chrono::milliseconds graceful_shutdown_timeout{std::chrono::seconds(30)};
};

// controller_runtime_reconcile_time_seconds' buckets (controller-runtime's).
std::vector<double> ReconcileTimeBuckets();

// What a controller did; read from any thread. kop/manager exports these as
// controller-runtime's metrics. A reconcile counts once among success, error, requeue and
// requeue_after; terminal errors, panics and timeouts are counted besides (a panic and a
// terminal error are also errors).
struct ControllerStats {
  std::atomic<int64_t> success{0};
  std::atomic<int64_t> error{0};
  std::atomic<int64_t> requeue{0};
  std::atomic<int64_t> requeue_after{0};
  std::atomic<int64_t> terminal_errors{0};
  std::atomic<int64_t> panics{0};
  std::atomic<int64_t> timeouts{0};
  std::atomic<int> active_workers{0};
  AtomicHistogram reconcile_time{ReconcileTimeBuckets()};  // seconds
};

class Controller : public Runnable {
 public:
  Controller(ControllerOptions options, std::unique_ptr<Reconciler> reconciler);
  Controller(const Controller&) = delete;
  Controller& operator=(const Controller&) = delete;
  // Stops (without a grace period) and joins the workers.
  ~Controller() override;

  // Runnable: Start, wait for `stop`, Stop(graceful_shutdown_timeout). An error when some
  // reconcile did not finish within the grace period.
  absl::Status Run(std::stop_token stop) override;

  void Enqueue(const Request& request);
  // A function handlers can hold. Once the controller is destroyed it does nothing, so an
  // informer that outlives the controller cannot reach into a dead queue.
  kop::Enqueue Enqueuer();

  // Starts the workers. Idempotent; does nothing once stopped.
  void Start();
  // Stops taking work, lets in-flight reconciles finish for up to `grace`, then asks them to
  // stop (their context's stop token). Returns whether every reconcile finished in time.
  bool Stop(std::chrono::milliseconds grace);

  const std::string& name() const { return options_.name; }
  int max_concurrent_reconciles() const { return options_.max_concurrent_reconciles; }
  const ControllerStats& stats() const { return stats_; }
  workqueue::RateLimitingQueue<ObjectKey>& queue() { return queue_; }

 private:
  void Work(int worker);
  void Process(const ObjectKey& key);

  // What Enqueuer()'s functions reach the controller through; cleared by the destructor.
  struct EnqueueTarget {
    std::shared_mutex mu;
    Controller* controller = nullptr;
  };

  const ControllerOptions options_;
  const std::unique_ptr<Reconciler> reconciler_;
  const std::unique_ptr<client::ObjectClient> unconfigured_;  // stands in for a missing client
  client::ObjectClient& client_;
  client::Reader& api_reader_;
  const Clock& clock_;
  const std::shared_ptr<const log::Logger> log_;
  workqueue::RateLimitingQueue<ObjectKey> queue_;
  ControllerStats stats_;
  std::stop_source stop_;  // asks running reconciles to give up
  std::atomic<bool> stopping_{false};
  std::atomic<bool> started_{false};

  kop::Mutex mu_;        // guards running_
  kop::CondVar idle_;    // signalled when running_ drops
  int running_ ABSL_GUARDED_BY(mu_) = 0;

  kop::Mutex lifecycle_mu_;  // serialises Start and Stop; guards workers_
  std::vector<std::jthread> workers_ ABSL_GUARDED_BY(lifecycle_mu_);

  const std::shared_ptr<EnqueueTarget> enqueue_target_ = std::make_shared<EnqueueTarget>();
};

}  // namespace kop

#endif  // KOP_CONTROLLER_CONTROLLER_H_
