#include "kop/controller/controller.h"

#include <cstdio>
#include <exception>
#include <random>

#include "absl/strings/cord.h"
#include "kop/base/strings.h"

namespace kop {
namespace {

constexpr char kTerminalPayload[] = "kop.controller/terminal";

std::string NewReconcileId() {
  thread_local std::mt19937_64 rng{std::random_device{}()};
  const uint64_t a = rng();
  const uint64_t b = rng();
  char buf[37];
  std::snprintf(buf, sizeof buf, "%08x-%04x-4%03x-%04x-%012llx", static_cast<unsigned>(a >> 32),
                static_cast<unsigned>((a >> 16) & 0xffff), static_cast<unsigned>(a & 0x0fff),
                static_cast<unsigned>(((b >> 48) & 0x3fff) | 0x8000),
                static_cast<unsigned long long>(b & 0xffffffffffffULL));
  return buf;
}

class SharedLimiter final : public workqueue::RateLimiter<ObjectKey> {
 public:
  explicit SharedLimiter(std::shared_ptr<workqueue::RateLimiter<ObjectKey>> l) : l_(std::move(l)) {}
  workqueue::Duration When(const ObjectKey& k) override { return l_->When(k); }
  void Forget(const ObjectKey& k) override { l_->Forget(k); }
  int NumRequeues(const ObjectKey& k) override { return l_->NumRequeues(k); }

 private:
  std::shared_ptr<workqueue::RateLimiter<ObjectKey>> l_;
};

}  // namespace

std::vector<double> ReconcileTimeBuckets() {
  return {0.005, 0.01, 0.025, 0.05, 0.1, 0.15, 0.2, 0.25, 0.3, 0.35, 0.4, 0.45, 0.5, 0.6,
          0.7,   0.8,  0.9,   1,    1.25, 1.5, 1.75, 2,  2.5, 3,    3.5, 4,    4.5, 5,
          6,     7,    8,     9,    10,   15,  20,   25, 30,  40,   50,  60};
}

absl::Status TerminalError(absl::Status status) {
  if (status.ok()) status = absl::UnknownError("terminal error");
  status.SetPayload(kTerminalPayload, absl::Cord("true"));
  return status;
}

bool IsTerminalError(const absl::Status& status) {
  return status.GetPayload(kTerminalPayload).has_value();
}

Controller::Controller(ControllerOptions options, std::unique_ptr<Reconciler> reconciler)
    : options_(std::move(options)),
      reconciler_(std::move(reconciler)),
      unconfigured_(client::UnconfiguredClient(kop::StrCat("controller \"", options_.name, "\""))),
      client_(options_.client != nullptr ? *options_.client : *unconfigured_),
      api_reader_(options_.api_reader != nullptr ? *options_.api_reader : static_cast<client::Reader&>(*unconfigured_)),
      clock_(options_.clock != nullptr ? *options_.clock : RealClock()),
      log_(options_.log != nullptr
               ? options_.log
               : std::make_shared<const log::Logger>(
                     log::Root().WithName("controller").WithValues("controller", options_.name))),
      queue_(options_.rate_limiter != nullptr
                 ? std::make_unique<SharedLimiter>(options_.rate_limiter)
                 : workqueue::DefaultControllerRateLimiter<ObjectKey>(clock_),
             {.name = options_.name, .metrics_provider = options_.queue_metrics, .clock = &clock_}) {
  enqueue_target_->controller = this;
}

Controller::~Controller() {
  {
    std::unique_lock<std::shared_mutex> lock(enqueue_target_->mu);  // waits out running enqueues
    enqueue_target_->controller = nullptr;
  }
  Stop(std::chrono::milliseconds(0));
}

void Controller::Enqueue(const Request& request) { queue_.Add(request.key); }

kop::Enqueue Controller::Enqueuer() {
  return [target = enqueue_target_](const Request& r) {
    std::shared_lock<std::shared_mutex> lock(target->mu);
    if (target->controller != nullptr) target->controller->Enqueue(r);
  };
}

absl::Status Controller::Run(std::stop_token stop) {
  Start();
  {
    kop::Mutex mu;
    kop::CondVar cv;
    bool stopped = false;
    std::stop_callback on_stop(stop, [&] {
      kop::MutexLock lock(&mu);
      stopped = true;
      cv.SignalAll();
    });
    kop::MutexLock lock(&mu);
    while (!stopped) cv.Wait(&mu);
  }
  if (!Stop(options_.graceful_shutdown_timeout)) {
    return absl::DeadlineExceededError(kop::StrCat("controller \"", options_.name,
                                                   "\": in-flight reconciles did not finish within ",
                                                   options_.graceful_shutdown_timeout.count(), " ms"));
  }
  return absl::OkStatus();
}

void Controller::Start() {
  kop::MutexLock lifecycle(&lifecycle_mu_);
  if (stopping_.load() || started_.exchange(true)) return;
  log_->Info("starting workers", "workers", options_.max_concurrent_reconciles);
  for (int i = 0; i < std::max(1, options_.max_concurrent_reconciles); ++i) {
    workers_.emplace_back([this, i] { Work(i); });
  }
}

bool Controller::Stop(std::chrono::milliseconds grace) {
  kop::MutexLock lifecycle(&lifecycle_mu_);
  stopping_ = true;
  queue_.ShutDown();
  bool finished;
  {
    const auto deadline = std::chrono::steady_clock::now() + grace;
    kop::MutexLock lock(&mu_);
    while (running_ > 0) {
      if (!idle_.WaitUntil(&mu_, deadline)) break;
    }
    finished = running_ == 0;
  }
  stop_.request_stop();  // whatever still runs should give up now
  for (std::jthread& w : workers_) {
    if (w.joinable()) w.join();
  }
  workers_.clear();
  return finished;
}

void Controller::Work(int worker) {
  while (std::optional<ObjectKey> key = queue_.Get()) {
    if (stopping_.load()) {
      queue_.Done(*key);  // shutting down: queued work is left for the next leader
      continue;
    }
    {
      kop::MutexLock lock(&mu_);
      ++running_;
    }
    ++stats_.active_workers;
    Process(*key);
    --stats_.active_workers;
    queue_.Done(*key);
    kop::MutexLock lock(&mu_);
    if (--running_ == 0) idle_.SignalAll();
  }
  (void)worker;
}

void Controller::Process(const ObjectKey& key) {
  const std::string reconcile_id = NewReconcileId();
  ReconcileContext ctx(client_, api_reader_,
                       log_->WithValues("namespace", key.namespace_, "name", key.name, "reconcileID", reconcile_id));
  ctx.stop = stop_.get_token();
  ctx.reconcile_id = reconcile_id;
  const auto start = std::chrono::steady_clock::now();
  if (options_.reconcile_timeout.count() > 0) ctx.deadline = start + options_.reconcile_timeout;
  ctx.log.V(1).Info("reconcile started");

  absl::StatusOr<Result> result = absl::UnknownError("no result");
  try {
    result = reconciler_->Reconcile(Request{key}, ctx);
  } catch (const std::exception& e) {
    ++stats_.panics;
    result = absl::InternalError(kop::StrCat("reconcile threw: ", e.what()));
  } catch (...) {
    ++stats_.panics;
    result = absl::InternalError("reconcile threw a non-standard exception");
  }
  const auto took = std::chrono::steady_clock::now() - start;
  stats_.reconcile_time.Observe(std::chrono::duration<double>(took).count());
  if (options_.reconcile_timeout.count() > 0 && took > options_.reconcile_timeout) ++stats_.timeouts;

  if (!result.ok()) {
    ++stats_.error;
    if (IsTerminalError(result.status())) {
      ++stats_.terminal_errors;
      queue_.Forget(key);
      ctx.log.Error(result.status(), "reconcile failed (terminal, not retried)", "duration", took);
    } else {
      ctx.log.Error(result.status(), "reconcile failed", "duration", took);
      queue_.AddRateLimited(key);
    }
    return;
  }
  if (result->requeue_after.count() > 0) {
    ++stats_.requeue_after;
    queue_.Forget(key);
    queue_.AddAfter(key, result->requeue_after);
  } else if (result->requeue) {
    ++stats_.requeue;
    queue_.AddRateLimited(key);
  } else {
    ++stats_.success;
    queue_.Forget(key);
  }
  ctx.log.V(1).Info("reconcile finished", "duration", took,
                    "result", result->requeue_after.count() > 0 ? "requeue_after"
                              : result->requeue                 ? "requeue"
                                                                : "success");
}

}  // namespace kop
