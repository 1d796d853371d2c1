#include "kop/manager/manager.h"

#include <algorithm>
#include <atomic>
#include <cctype>

#include <fstream>

#include "kop/base/status_macros.h"
#include "kop/base/strings.h"
#include "kop/leaderelection/leader_elector.h"
#include "kop/manager/internal/collectors.h"
#include "kop/metrics/server.h"

namespace kop {
namespace {

// Feeds the transport's observations to the rest_client_* metrics.
class RequestMetricsAdapter final : public client::RequestMetrics {
 public:
  explicit RequestMetricsAdapter(metrics::MetricsRegistry& m) : m_(m) {}
  void Observe(std::string_view method, std::string_view code, std::string_view host,
               double seconds) override {
    m_.ObserveRequest(method, code, host, seconds);
  }

 private:
  metrics::MetricsRegistry& m_;
};

bool Disabled(const std::string& address) { return address.empty() || address == "0"; }

}  // namespace

absl::StatusOr<std::unique_ptr<Manager>> Manager::Create(ManagerOptions options) {
  client::Config config;
  if (options.transport != nullptr) {
    config = options.transport->config();
  } else if (options.config.has_value()) {
    config = *options.config;
  } else {
    KOP_ASSIGN_OR_RETURN(config, client::LoadConfig({.path = options.kubeconfig, .context = options.context}));
  }
  config.qps = options.qps;
  config.burst = options.burst;
  config.user_agent = kop::StrCat(client::DefaultUserAgent(), " (", options.name, ")");
  auto registry = std::make_unique<metrics::MetricsRegistry>();
  config.request_metrics = std::make_shared<RequestMetricsAdapter>(*registry);
  if (!Disabled(options.metrics_bind_address)) {
    KOP_RETURN_IF_ERROR(metrics::ListenSpec(options.metrics_bind_address).status());
  }
  if (!Disabled(options.health_probe_bind_address)) {
    KOP_RETURN_IF_ERROR(metrics::ListenSpec(options.health_probe_bind_address).status());
  }
  if (!Disabled(options.grpc_health_bind_address)) {
    KOP_RETURN_IF_ERROR(metrics::ListenSpec(options.grpc_health_bind_address).status());
  }
  log::Logger log = log::Root().WithName(options.name);
  std::unique_ptr<client::Client> election_client;
  if (options.leader_election) {
    if (options.leader_election_id.empty()) {
      options.leader_election_id = kop::StrCat(options.name, "-leader");
    }
    if (options.leader_election_namespace.empty()) {
      std::ifstream in(options.service_account_namespace_file);
      std::string ns;
      if (in && std::getline(in, ns) && !ns.empty()) {
        options.leader_election_namespace = ns;
      } else {
        options.leader_election_namespace = "default";
      }
    }
    KOP_RETURN_IF_ERROR(leaderelection::Validate({.lease_name = options.leader_election_id,
                                                  .lease_namespace = options.leader_election_namespace,
                                                  .lease_duration = options.lease_duration,
                                                  .renew_deadline = options.renew_deadline,
                                                  .retry_period = options.retry_period}));
    // The elector's own client: a renewal must give up well within the renew deadline.
    client::Config election_config = config;
    election_config.timeout = std::min(config.timeout, options.renew_deadline / 2);
    election_config.user_agent = kop::StrCat(config.user_agent, " leader-election");
    if (options.transport != nullptr) {
      election_client = client::Client::ForTransport(options.transport);
    } else {
      KOP_ASSIGN_OR_RETURN(election_client, client::Client::Create(election_config));
    }
  }
  std::unique_ptr<client::Client> c;
  if (options.transport != nullptr) {
    c = client::Client::ForTransport(options.transport);
  } else {
    KOP_ASSIGN_OR_RETURN(c, client::Client::Create(config));
  }
  auto manager = std::unique_ptr<Manager>(
      new Manager(std::move(options), std::move(c), std::move(registry), std::move(log)));
  if (election_client != nullptr) {
    Manager* m = manager.get();
    m->election_client_ = std::move(election_client);
    m->elector_ = std::make_unique<leaderelection::LeaderElector>(
        *m->election_client_,
        leaderelection::LeaderElectionConfig{
            .lease_name = m->options_.leader_election_id,
            .lease_namespace = m->options_.leader_election_namespace,
            .identity = m->options_.leader_election_identity,
            .lease_duration = m->options_.lease_duration,
            .renew_deadline = m->options_.renew_deadline,
            .retry_period = m->options_.retry_period,
            .release_on_cancel = m->options_.leader_election_release_on_cancel,
            .on_started_leading = [m] { m->StartLeading(); },
            .on_stopped_leading = [m] { m->LostLeadership(); },
            .log = m->log_.WithName("leader-election"),
        });
    m->metrics_->SetLeaderStatus(m->options_.leader_election_id, false);
    m->checks_.AddHealthzCheck("leader-election", [m] { return m->elector_->Check(); });
  }
  return manager;
}

Manager::Manager(ManagerOptions options, std::unique_ptr<client::Client> client,
                 std::unique_ptr<metrics::MetricsRegistry> metrics, log::Logger log)
    : options_(std::move(options)),
      metrics_(std::move(metrics)),
      client_(std::move(client)),
      log_(std::move(log)) {
  cache::InformerFactoryOptions cache_options;
  if (options_.namespaces.size() == 1) {
    cache_options.namespace_ = options_.namespaces[0];
  } else {
    cache_options.namespaces = options_.namespaces;
  }
  cache_ = std::make_unique<cache::InformerFactory>(*client_, cache_options);
  cached_client_ = std::make_unique<CachedClient>(*client_, *cache_, options_.cache_sync_timeout,
                                                  CachedClientOptions{.read_your_own_writes = options_.read_your_own_writes});
  checks_.AddReadyzCheck("informers-synced", [this] {
    return synced_.load() ? absl::OkStatus()
                          : absl::UnavailableError("the caches have not synced yet");
  });
  metrics_->AddCollector([this] { return Collectors::Controllers(*this); });
  metrics_->AddCollector([this] { return Collectors::Informers(*this); });
}

workqueue::MetricsProvider* Manager::queue_metrics() { return &metrics_->workqueue(); }

std::string Manager::identity() const { return elector_ != nullptr ? elector_->identity() : ""; }

void Manager::AddHealthzCheck(std::string name, health::Check check) {
  checks_.AddHealthzCheck(std::move(name), std::move(check));
}

void Manager::AddReadyzCheck(std::string name, health::Check check) {
  checks_.AddReadyzCheck(std::move(name), std::move(check));
}

util::EventRecorder& Manager::EventRecorderFor(const std::string& component) {
  kop::MutexLock lock(&recorders_mu_);
  std::unique_ptr<util::EventRecorder>& r = recorders_[component];
  if (r == nullptr) r = std::make_unique<util::EventRecorder>(*client_, util::EventRecorderOptions{.component = component});
  return *r;
}

absl::Status Manager::StartServers() {
  if (!Disabled(options_.metrics_bind_address)) {
    KOP_ASSIGN_OR_RETURN(metrics_server_,
                         metrics::MetricsServer::Start(options_.metrics_bind_address, *metrics_));
    metrics_port_ = metrics_server_->port();
    log_.Info("serving metrics", "address", options_.metrics_bind_address, "port", metrics_port_.load());
  }
  if (!Disabled(options_.health_probe_bind_address) || !Disabled(options_.grpc_health_bind_address)) {
    KOP_ASSIGN_OR_RETURN(health_server_,
                         health::HealthServer::Start({.http_address = options_.health_probe_bind_address,
                                                      .grpc_address = options_.grpc_health_bind_address},
                                                     checks_));
    health_port_ = health_server_->http_port();
    grpc_health_port_ = health_server_->grpc_port();
    log_.Info("serving health probes", "port", health_port_.load(), "grpc_port", grpc_health_port_.load());
  }
  return absl::OkStatus();
}

void Manager::StartLeading() {
  kop::MutexLock lock(&mu_);
  if (!running_ || leading_.load()) return;
  leading_ = true;
  if (elector_ != nullptr) metrics_->SetLeaderStatus(options_.leader_election_id, true);
  for (auto& c : controllers_) c->Start();
  for (auto& r : runnables_) {
    if (r->NeedsLeaderElection()) StartRunnable(r.get());
  }
}

void Manager::LostLeadership() {
  metrics_->SetLeaderStatus(options_.leader_election_id, false);
  std::vector<Controller*> controllers;
  {
    kop::MutexLock lock(&mu_);
    if (!leading_.exchange(false)) return;
    if (!running_) return;  // a requested stop: Start stops the controllers itself
    lost_ = true;
    wake_.SignalAll();
    for (auto& c : controllers_) controllers.push_back(c.get());
  }
  // A former leader must not keep acting: no grace period.
  for (Controller* c : controllers) c->Stop(std::chrono::milliseconds(0));
  if (options_.exit_on_lost_leadership) {
    log_.Error(absl::AbortedError("leader election lost"), "exiting");
    std::_Exit(1);
  }
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
  if (running_ && leading_.load()) controller->Start();
  controllers_.push_back(std::move(controller));
}

void Manager::Add(std::unique_ptr<Runnable> runnable) {
  kop::MutexLock lock(&mu_);
  runnables_.push_back(std::move(runnable));
  Runnable* r = runnables_.back().get();
  if (running_ && (leading_.load() || !r->NeedsLeaderElection())) StartRunnable(r);
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
  KOP_RETURN_IF_ERROR(StartServers());
  log_.Info("starting caches");
  cache_->Start();
  if (!cache_->WaitForCacheSync(options_.cache_sync_timeout)) {
    cache_->Stop();
    health_server_.reset();
    metrics_server_.reset();
    return absl::DeadlineExceededError(
        kop::StrCat("caches did not sync within ", options_.cache_sync_timeout.count(), " ms"));
  }
  synced_ = true;
  if (health_server_ != nullptr) health_server_->Refresh();
  {
    kop::MutexLock lock(&mu_);
    running_ = true;
    for (auto& r : runnables_) {
      if (!r->NeedsLeaderElection()) StartRunnable(r.get());
    }
  }
  std::stop_source election_stop;
  std::jthread election;
  absl::Status election_status;
  if (elector_ != nullptr) {
    election = std::jthread([this, &election_stop, &election_status] {
      election_status = elector_->Run(election_stop.get_token());
    });
  } else {
    StartLeading();
  }
  log_.Info("started");

  // Wait for the stop request (or the loss of the lease).
  bool lost;
  {
    std::stop_callback on_stop(stop, [this] {
      kop::MutexLock lock(&mu_);
      wake_.SignalAll();
    });
    kop::MutexLock lock(&mu_);
    while (!stop.stop_requested() && !lost_) wake_.Wait(&mu_);
    lost = lost_;
  }

  if (health_server_ != nullptr) health_server_->SetShuttingDown();
  checks_.SetShuttingDown();
  std::vector<Controller*> controllers;
  std::vector<std::jthread> threads;
  {
    kop::MutexLock lock(&mu_);
    running_ = false;
    for (auto& c : controllers_) controllers.push_back(c.get());
    threads = std::move(runnable_threads_);
  }
  if (lost) {
    log_.Info("stopping: the lease was lost, no graceful shutdown period");
    for (Controller* c : controllers) c->Stop(std::chrono::milliseconds(0));
  } else {
    log_.Info("stopping: in-flight reconciles get the graceful shutdown period",
              "grace", options_.graceful_shutdown_timeout);
    const auto deadline = std::chrono::steady_clock::now() + options_.graceful_shutdown_timeout;
    for (Controller* c : controllers) {
      const auto left = std::max(std::chrono::milliseconds(0),
                                 std::chrono::duration_cast<std::chrono::milliseconds>(
                                     deadline - std::chrono::steady_clock::now()));
      if (!c->Stop(left)) log_.Info("abandoned in-flight reconciles", "controller", c->name());
    }
  }
  for (std::jthread& t : threads) t.request_stop();
  threads.clear();  // joins
  cache_->Stop();
  if (election.joinable()) {
    election_stop.request_stop();  // releases the lease when leading
    election.join();
  }
  leading_ = false;
  health_server_.reset();
  metrics_server_.reset();
  log_.Info("stopped");
  kop::MutexLock lock(&mu_);
  if (lost) return election_status.ok() ? absl::AbortedError("leader election lost") : election_status;
  return first_error_;
}

}  // namespace kop
