// kop/manager: runs an operator: its client, its shared caches, its controllers and other
// runnables, and the order in which they start and stop.
//
//   KOP_ASSIGN_OR_RETURN(auto manager, kop::Manager::Create({.name = "application-operator"}));
//   KOP_RETURN_IF_ERROR(kop::ControllerBuilder(*manager)  // kop/controller/builder.h
//                           .For({"example.com", "v1", "Application"})
//                           .Owns({"apps", "v1", "Deployment"})
//                           .Complete(std::make_unique<ApplicationReconciler>()).status());
//   return manager->Run();  // until SIGTERM/SIGINT; a second signal exits at once
//
// The manager's code is split by concern: manager.cc (creation, start and stop order,
// leader-election wiring), manager_metrics.cc (what /metrics reports about controllers and
// informers), signals.cc (Run: SIGTERM/SIGINT).
//
// Start order: caches (and waits for them to sync), then controllers and runnables. Stop
// order: controllers stop taking work and get the graceful-shutdown period for in-flight
// reconciles; runnables are asked to stop; caches stop.
#ifndef KOP_MANAGER_MANAGER_H_
#define KOP_MANAGER_MANAGER_H_

#include <chrono>
#include <map>
#include <memory>
#include <optional>
#include <stop_token>
#include <string>
#include <thread>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "kop/cache/informer_factory.h"
#include "kop/client/client.h"
#include "kop/base/runnable.h"
#include "kop/controller/builder.h"
#include "kop/controller/cached_client.h"
#include "kop/controller/controller.h"
#include "kop/health/health.h"
#include "kop/util/event_recorder.h"

namespace kop::leaderelection {
class LeaderElector;
}
// kop/metrics/metrics.h: include it to register metrics of your own on metrics(). Kept out of
// this header so that an operator's files do not all compile prometheus-cpp's headers.
namespace kop::metrics {
class MetricsRegistry;
class MetricsServer;
}

namespace kop {

struct ManagerOptions {
  // The operator's name: the User-Agent suffix and the logger's name.
  std::string name = "kop-operator";
  // Null: kubectl's rules (--kubeconfig path below, $KUBECONFIG, ~/.kube/config, in-cluster).
  std::optional<client::Config> config;
  std::string kubeconfig;
  std::string context;
  // A transport of the caller's instead of one made from the config (a scripted one in unit
  // tests). The rest_client_* metrics then report nothing; qps/burst are the transport's.
  std::shared_ptr<client::Transport> transport;
  // Namespaces to cache (and so to reconcile); empty: all.
  std::vector<std::string> namespaces;
  std::chrono::milliseconds graceful_shutdown_timeout{std::chrono::seconds(30)};
  std::chrono::milliseconds cache_sync_timeout{std::chrono::minutes(2)};
  // After a write through cached_client(), reads of that object through it never return an
  // older resourceVersion than the one written (see kop/controller/cached_client.h).
  bool read_your_own_writes = true;
  // Client-side rate limiting is off by default, as controller-runtime's since v0.21.
  double qps = 0;
  int burst = 0;

  // Prometheus metrics at /metrics: ":8080", "127.0.0.1:0", ...; "0" or "" disables.
  std::string metrics_bind_address = ":8080";
  // /healthz, /livez, /readyz; "0" or "" disables.
  std::string health_probe_bind_address = ":8081";
  // grpc.health.v1.Health (for kubelet's grpc probes), e.g. ":8082"; "" or "0" disables.
  std::string grpc_health_bind_address;

  // Leader election over a coordination.k8s.io/v1 Lease: controllers (and runnables that
  // need it) run only while this replica leads.
  bool leader_election = false;
  std::string leader_election_id;  // the Lease's name; default "<name>-leader"
  // Empty: the pod's namespace (from the service-account namespace file), else "default".
  std::string leader_election_namespace;
  std::string service_account_namespace_file =
      "/var/run/secrets/kubernetes.io/serviceaccount/namespace";
  std::chrono::milliseconds lease_duration{std::chrono::seconds(15)};
  std::chrono::milliseconds renew_deadline{std::chrono::seconds(10)};
  std::chrono::milliseconds retry_period{std::chrono::seconds(2)};
  // On graceful shutdown, clear the Lease so a standby takes over within a retry period.
  bool leader_election_release_on_cancel = true;
  // When the lease is lost, controllers stop at once; then the process exits with status 1
  // (true), or Start returns an Aborted error for the caller to act on (false).
  bool exit_on_lost_leadership = true;
  // Empty: the host name plus a random suffix.
  std::string leader_election_identity;
};

// Thread-safe. A ControllerHost: ControllerBuilder(manager) registers controllers with it.
class Manager final : public ControllerHost {
 public:
  static absl::StatusOr<std::unique_ptr<Manager>> Create(ManagerOptions options = {});
  ~Manager() override;

  // The API client (writes, and reads that must not come from the cache).
  client::Client& client() { return *client_; }
  // The shared informers. Informers asked for after Start start at once.
  cache::InformerFactory& cache() override { return *cache_; }
  // Reads from the caches, writes to the API server: what reconcilers get as ctx.client
  // (ctx.api_reader is client(), which reads the server).
  CachedClient& cached_client() { return *cached_client_; }
  // ControllerHost: controllers read through cached_client() and live through client().
  client::ObjectClient& controller_client() override { return *cached_client_; }
  client::Reader& api_reader() override { return *client_; }
  workqueue::MetricsProvider* queue_metrics() override;
  const ManagerOptions& options() const { return options_; }
  log::Logger log() const override { return log_; }
  // The Prometheus registry served at /metrics; register your own metrics on registry()
  // (include kop/metrics/metrics.h).
  metrics::MetricsRegistry& metrics() { return *metrics_; }
  // The Event recorder of `component` (source.component and reportingComponent of its
  // Events), made on first use and kept, writing through this manager's client, until the
  // manager is destroyed (after its controllers stopped). Thread-safe.
  util::EventRecorder& EventRecorderFor(const std::string& component);
  // Named health checks (see kop/health). "informers-synced" and "shutdown" are readiness
  // checks from the start; "leader-election" a liveness check when electing.
  void AddHealthzCheck(std::string name, health::Check check);
  void AddReadyzCheck(std::string name, health::Check check);
  health::Checks& health_checks() { return checks_; }
  // Bound ports once Start has opened them (0 before, or when disabled).
  int metrics_port() const { return metrics_port_.load(); }
  int health_port() const { return health_port_.load(); }
  int grpc_health_port() const { return grpc_health_port_.load(); }
  // Whether this replica leads (always true once started without leader election).
  bool IsLeader() const { return leading_.load(); }
  // The leader election identity (empty without leader election).
  std::string identity() const;

  // Adds a controller or a runnable; both start with the manager (at once if it runs).
  void Add(std::unique_ptr<Controller> controller) override;
  void Add(std::unique_ptr<Runnable> runnable);

  // Runs until `stop` is requested: starts the caches, waits for them to sync (an error if
  // they do not within cache_sync_timeout), starts controllers and runnables, then shuts down
  // in order. Returns the first runnable's error, if any.
  //
  // With leader election, caches start and sync on every replica (a standby's are warm) and
  // controllers start when this replica is elected. Losing the lease stops the controllers
  // at once and ends Start with an Aborted error (or exits the process, by default).
  absl::Status Start(std::stop_token stop);
  // Start, stopped by SIGTERM or SIGINT; a second signal exits the process at once.
  absl::Status Run();

 private:
  Manager(ManagerOptions options, std::unique_ptr<client::Client> client,
          std::unique_ptr<metrics::MetricsRegistry> metrics, log::Logger log);
  void StartRunnable(Runnable* r) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  absl::Status StartServers();
  void StartLeading();
  void LostLeadership();
  // What /metrics reports about the controllers and informers (manager.cc).
  struct Collectors;
  friend struct Collectors;

  const ManagerOptions options_;
  std::unique_ptr<metrics::MetricsRegistry> metrics_;
  std::unique_ptr<client::Client> client_;
  std::unique_ptr<cache::InformerFactory> cache_;
  std::unique_ptr<CachedClient> cached_client_;
  log::Logger log_;
  health::Checks checks_;
  std::unique_ptr<metrics::MetricsServer> metrics_server_;
  std::unique_ptr<health::HealthServer> health_server_;
  std::unique_ptr<client::Client> election_client_;
  std::unique_ptr<leaderelection::LeaderElector> elector_;
  std::atomic<int> metrics_port_{0};
  std::atomic<int> health_port_{0};
  std::atomic<int> grpc_health_port_{0};
  std::atomic<bool> synced_{false};
  std::atomic<bool> leading_{false};

  kop::Mutex mu_;  // guards the lists, running_, lost_ and first_error_
  kop::CondVar wake_;  // signalled when the lease is lost
  std::vector<std::unique_ptr<Controller>> controllers_ ABSL_GUARDED_BY(mu_);
  std::vector<std::unique_ptr<Runnable>> runnables_ ABSL_GUARDED_BY(mu_);
  std::vector<std::jthread> runnable_threads_ ABSL_GUARDED_BY(mu_);
  bool running_ ABSL_GUARDED_BY(mu_) = false;
  bool lost_ ABSL_GUARDED_BY(mu_) = false;
  absl::Status first_error_ ABSL_GUARDED_BY(mu_);

  kop::Mutex recorders_mu_;  // guards recorders_
  std::map<std::string, std::unique_ptr<util::EventRecorder>> recorders_ ABSL_GUARDED_BY(recorders_mu_);
};

}  // namespace kop

#endif  // KOP_MANAGER_MANAGER_H_
