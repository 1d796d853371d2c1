#include "kop/manager/manager.h"

#include <fcntl.h>
#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cctype>

#include "kop/base/status_macros.h"
#include "kop/base/strings.h"

namespace kop {
namespace {

// Signal delivery: the handler only writes a byte to a pipe (async-signal-safe); a second
// signal exits at once, as kubectl users expect of a second Ctrl-C.
int g_signal_pipe[2] = {-1, -1};
std::atomic<int> g_signals{0};

void OnSignal(int) {
  if (g_signals.fetch_add(1) >= 1) _exit(130);
  const char b = 1;
  (void)!write(g_signal_pipe[1], &b, 1);
}

}  // namespace

absl::StatusOr<std::unique_ptr<Manager>> Manager::Create(ManagerOptions options) {
  client::Config config;
  if (options.config.has_value()) {
    config = *options.config;
  } else {
    KOP_ASSIGN_OR_RETURN(config, client::LoadConfig({.path = options.kubeconfig, .context = options.context}));
  }
  config.qps = options.qps;
  config.burst = options.burst;
  config.user_agent = kop::StrCat(client::DefaultUserAgent(), " (", options.name, ")");
  KOP_ASSIGN_OR_RETURN(std::unique_ptr<client::Client> c, client::Client::Create(config));
  log::Logger log = log::Root().WithName(options.name);
  return std::unique_ptr<Manager>(new Manager(std::move(options), std::move(c), std::move(log)));
}

Manager::Manager(ManagerOptions options, std::unique_ptr<client::Client> client, log::Logger log)
    : options_(std::move(options)), client_(std::move(client)), log_(std::move(log)) {
  cache::InformerFactoryOptions cache_options;
  if (options_.namespaces.size() == 1) {
    cache_options.namespace_ = options_.namespaces[0];
  } else {
    cache_options.namespaces = options_.namespaces;
  }
  cache_ = std::make_unique<cache::InformerFactory>(*client_, cache_options);
  cached_client_ = std::make_unique<CachedClient>(*client_, *cache_, options_.cache_sync_timeout);
}

Manager::~Manager() {
  std::vector<std::unique_ptr<Controller>> controllers;
  {
    kop::MutexLock lock(&mu_);
    controllers = std::move(controllers_);
  }
  for (auto& c : controllers) c->Stop(std::chrono::milliseconds(0));
  cache_->Stop();
}

void Manager::Add(std::unique_ptr<Controller> controller) {
  kop::MutexLock lock(&mu_);
  if (running_) controller->Start();
  controllers_.push_back(std::move(controller));
}

void Manager::Add(std::unique_ptr<Runnable> runnable) {
  kop::MutexLock lock(&mu_);
  runnables_.push_back(std::move(runnable));
  if (running_) StartRunnable(runnables_.back().get());
}

void Manager::StartRunnable(Runnable* r) {
  runnable_threads_.emplace_back([this, r](std::stop_token stop) {
    absl::Status s = r->Run(stop);
    if (!s.ok()) {
      log_.Error(s, "runnable failed");
      kop::MutexLock lock(&mu_);
      if (first_error_.ok()) first_error_ = s;
    }
  });
}

absl::Status Manager::Start(std::stop_token stop) {
  log_.Info("starting caches");
  cache_->Start();
  if (!cache_->WaitForCacheSync(options_.cache_sync_timeout)) {
    cache_->Stop();
    return absl::DeadlineExceededError(
        kop::StrCat("caches did not sync within ", options_.cache_sync_timeout.count(), " ms"));
  }
  {
    kop::MutexLock lock(&mu_);
    running_ = true;
    for (auto& c : controllers_) c->Start();
    for (auto& r : runnables_) StartRunnable(r.get());
  }
  log_.Info("started");

  // Wait for the stop request.
  {
    kop::Mutex wait_mu;
    kop::CondVar wait_cv;
    bool stopped = false;
    std::stop_callback on_stop(stop, [&] {
      kop::MutexLock lock(&wait_mu);
      stopped = true;
      wait_cv.SignalAll();
    });
    kop::MutexLock lock(&wait_mu);
    while (!stopped) wait_cv.Wait(&wait_mu);
  }

  log_.Info("stopping: in-flight reconciles get the graceful shutdown period",
            "grace", options_.graceful_shutdown_timeout);
  std::vector<Controller*> controllers;
  std::vector<std::jthread> threads;
  {
    kop::MutexLock lock(&mu_);
    running_ = false;
    for (auto& c : controllers_) controllers.push_back(c.get());
    threads = std::move(runnable_threads_);
  }
  const auto deadline = std::chrono::steady_clock::now() + options_.graceful_shutdown_timeout;
  for (Controller* c : controllers) {
    const auto left = std::max(std::chrono::milliseconds(0),
                               std::chrono::duration_cast<std::chrono::milliseconds>(
                                   deadline - std::chrono::steady_clock::now()));
    if (!c->Stop(left)) log_.Info("abandoned in-flight reconciles", "controller", c->name());
  }
  for (std::jthread& t : threads) t.request_stop();
  threads.clear();  // joins
  cache_->Stop();
  log_.Info("stopped");
  kop::MutexLock lock(&mu_);
  return first_error_;
}

absl::Status Manager::Run() {
  if (g_signal_pipe[0] < 0 && pipe2(g_signal_pipe, O_CLOEXEC) != 0) {
    return absl::InternalError("cannot create the signal pipe");
  }
  struct sigaction sa {};
  sa.sa_handler = &OnSignal;
  sigemptyset(&sa.sa_mask);
  sigaction(SIGTERM, &sa, nullptr);
  sigaction(SIGINT, &sa, nullptr);
  std::stop_source stop;
  std::jthread watcher([&stop](std::stop_token self) {
    char b;
    while (!self.stop_requested()) {
      if (read(g_signal_pipe[0], &b, 1) == 1) {
        if (b == 1) stop.request_stop();
        return;
      }
    }
  });
  absl::Status s = Start(stop.get_token());
  const char done = 0;
  (void)!write(g_signal_pipe[1], &done, 1);  // release the watcher when no signal came
  return s;
}

// ---- ControllerBuilder ----

ControllerBuilder& ControllerBuilder::Named(std::string name) {
  name_ = std::move(name);
  return *this;
}

ControllerBuilder& ControllerBuilder::For(GroupVersionKind gvk, std::vector<PredicatePtr> predicates) {
  for_ = std::move(gvk);
  for_predicates_ = std::move(predicates);
  return *this;
}

ControllerBuilder& ControllerBuilder::Owns(GroupVersionKind gvk, std::vector<PredicatePtr> predicates) {
  watches_.push_back({WatchSpec::Kind::kOwns, std::move(gvk), nullptr, std::move(predicates)});
  return *this;
}

ControllerBuilder& ControllerBuilder::Watches(GroupVersionKind gvk, MapFunc map,
                                              std::vector<PredicatePtr> predicates) {
  watches_.push_back({WatchSpec::Kind::kWatches, std::move(gvk), std::move(map), std::move(predicates)});
  return *this;
}

ControllerBuilder& ControllerBuilder::WithEventFilter(PredicatePtr predicate) {
  global_.push_back(std::move(predicate));
  return *this;
}

ControllerBuilder& ControllerBuilder::WithOptions(ControllerOptions options) {
  options_ = std::move(options);
  return *this;
}

absl::StatusOr<Controller*> ControllerBuilder::Complete(std::unique_ptr<Reconciler> reconciler) {
  if (!for_.has_value()) {
    return absl::InvalidArgumentError("ControllerBuilder: For(kind) is required before Complete");
  }
  if (reconciler == nullptr) return absl::InvalidArgumentError("ControllerBuilder: no reconciler");
  if (name_.empty()) {
    name_ = for_->kind;
    std::transform(name_.begin(), name_.end(), name_.begin(), ::tolower);
  }
  // Resolve every kind first, so that a mistake leaves nothing half-registered.
  cache::InformerFactory& cache = manager_.cache();
  KOP_ASSIGN_OR_RETURN(std::shared_ptr<cache::Informer> primary, cache.ForKind(*for_));
  std::vector<std::shared_ptr<cache::Informer>> secondary;
  for (const WatchSpec& w : watches_) {
    KOP_ASSIGN_OR_RETURN(std::shared_ptr<cache::Informer> informer, cache.ForKind(w.gvk));
    secondary.push_back(std::move(informer));
  }
  ControllerOptions options = options_;
  options.name = name_;
  if (options.client == nullptr) options.client = &manager_.client();
  if (options.cached_client == nullptr) options.cached_client = &manager_.cached_client();
  if (options.log == nullptr) {
    options.log = std::make_shared<const log::Logger>(
        manager_.log().WithName("controller").WithValues("controller", name_));
  }
  auto controller = std::make_unique<Controller>(std::move(options), std::move(reconciler));
  auto with_global = [&](std::vector<PredicatePtr> p) {
    p.insert(p.end(), global_.begin(), global_.end());
    return p;
  };
  primary->AddEventHandler(EnqueueForObject(controller->Enqueuer(), with_global(for_predicates_)));
  for (size_t i = 0; i < watches_.size(); ++i) {
    const WatchSpec& w = watches_[i];
    if (w.kind == WatchSpec::Kind::kOwns) {
      secondary[i]->AddEventHandler(
          EnqueueForOwner(controller->Enqueuer(), for_->group_kind(), with_global(w.predicates)));
    } else {
      secondary[i]->AddEventHandler(EnqueueFromMap(controller->Enqueuer(), w.map, with_global(w.predicates)));
    }
  }
  Controller* raw = controller.get();
  manager_.Add(std::move(controller));
  return raw;
}

}  // namespace kop
