// kop/manager: runs an operator: its client, its shared caches, its controllers and other
// runnables, and the order in which they start and stop.
//
//   KOP_ASSIGN_OR_RETURN(auto manager, kop::Manager::Create({.name = "application-operator"}));
//   KOP_RETURN_IF_ERROR(kop::ControllerBuilder(*manager)
//                           .For({"example.com", "v1", "Application"})
//                           .Owns({"apps", "v1", "Deployment"})
//                           .Complete(std::make_unique<ApplicationReconciler>()).status());
//   return manager->Run();  // until SIGTERM/SIGINT; a second signal exits at once
//
// Start order: caches (and waits for them to sync), then controllers and runnables. Stop
// order: controllers stop taking work and get the graceful-shutdown period for in-flight
// reconciles; runnables are asked to stop; caches stop.
#ifndef KOP_MANAGER_MANAGER_H_
#define KOP_MANAGER_MANAGER_H_

#include <chrono>
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
#include "kop/controller/cached_client.h"
#include "kop/controller/controller.h"

namespace kop {

// Something the manager runs: Run blocks until `stop` is requested (or it fails).
class Runnable {
 public:
  virtual ~Runnable() = default;
  virtual absl::Status Run(std::stop_token stop) = 0;
  // Whether it may run only on the elected leader (controllers do).
  virtual bool NeedsLeaderElection() const { return true; }
};

struct ManagerOptions {
  // The operator's name: the User-Agent suffix and the logger's name.
  std::string name = "kop-operator";
  // Null: kubectl's rules (--kubeconfig path below, $KUBECONFIG, ~/.kube/config, in-cluster).
  std::optional<client::Config> config;
  std::string kubeconfig;
  std::string context;
  // Namespaces to cache (and so to reconcile); empty: all.
  std::vector<std::string> namespaces;
  std::chrono::milliseconds graceful_shutdown_timeout{std::chrono::seconds(30)};
  std::chrono::milliseconds cache_sync_timeout{std::chrono::minutes(2)};
  // Client-side rate limiting is off by default, as controller-runtime's since v0.21.
  double qps = 0;
  int burst = 0;
};

// Thread-safe.
class Manager {
 public:
  static absl::StatusOr<std::unique_ptr<Manager>> Create(ManagerOptions options = {});
  ~Manager();

  // The API client (writes, and reads that must not come from the cache).
  client::Client& client() { return *client_; }
  // The shared informers. Informers asked for after Start start at once.
  cache::InformerFactory& cache() { return *cache_; }
  // Reads from the caches, writes to the API server: what reconcilers get as ctx.cached.
  CachedClient& cached_client() { return *cached_client_; }
  const ManagerOptions& options() const { return options_; }
  log::Logger log() const { return log_; }

  // Adds a controller or a runnable; both start with the manager (at once if it runs).
  void Add(std::unique_ptr<Controller> controller);
  void Add(std::unique_ptr<Runnable> runnable);

  // Runs until `stop` is requested: starts the caches, waits for them to sync (an error if
  // they do not within cache_sync_timeout), starts controllers and runnables, then shuts down
  // in order. Returns the first runnable's error, if any.
  absl::Status Start(std::stop_token stop);
  // Start, stopped by SIGTERM or SIGINT; a second signal exits the process at once.
  absl::Status Run();

 private:
  Manager(ManagerOptions options, std::unique_ptr<client::Client> client, log::Logger log);
  void StartRunnable(Runnable* r) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  const ManagerOptions options_;
  std::unique_ptr<client::Client> client_;
  std::unique_ptr<cache::InformerFactory> cache_;
  std::unique_ptr<CachedClient> cached_client_;
  log::Logger log_;

  kop::Mutex mu_;  // guards the lists, running_ and first_error_
  std::vector<std::unique_ptr<Controller>> controllers_ ABSL_GUARDED_BY(mu_);
  std::vector<std::unique_ptr<Runnable>> runnables_ ABSL_GUARDED_BY(mu_);
  std::vector<std::jthread> runnable_threads_ ABSL_GUARDED_BY(mu_);
  bool running_ ABSL_GUARDED_BY(mu_) = false;
  absl::Status first_error_ ABSL_GUARDED_BY(mu_);
};

// Describes a controller fluently, then registers it with the manager:
//
//   kop::ControllerBuilder(manager)
//       .Named("application")
//       .For({"example.com", "v1", "Application"}, {kop::predicate::GenerationChanged()})
//       .Owns({"apps", "v1", "Deployment"})
//       .Watches({"", "v1", "ConfigMap"}, map_fn)
//       .WithOptions({.max_concurrent_reconciles = 2})
//       .Complete(std::make_unique<ApplicationReconciler>());
//
// Errors (no For, a kind the server does not serve) come from Complete, never a crash.
class ControllerBuilder {
 public:
  explicit ControllerBuilder(Manager& manager) : manager_(manager) {}

  ControllerBuilder& Named(std::string name);
  ControllerBuilder& For(GroupVersionKind gvk, std::vector<PredicatePtr> predicates = {});
  ControllerBuilder& Owns(GroupVersionKind gvk, std::vector<PredicatePtr> predicates = {});
  ControllerBuilder& Watches(GroupVersionKind gvk, MapFunc map, std::vector<PredicatePtr> predicates = {});
  // Applies to every watch of the controller.
  ControllerBuilder& WithEventFilter(PredicatePtr predicate);
  ControllerBuilder& WithOptions(ControllerOptions options);

  // Builds the controller, hooks it to the (shared) informers and adds it to the manager.
  absl::StatusOr<Controller*> Complete(std::unique_ptr<Reconciler> reconciler);

 private:
  struct WatchSpec {
    enum class Kind { kOwns, kWatches } kind;
    GroupVersionKind gvk;
    MapFunc map;
    std::vector<PredicatePtr> predicates;
  };

  Manager& manager_;
  std::string name_;
  std::optional<GroupVersionKind> for_;
  std::vector<PredicatePtr> for_predicates_;
  std::vector<WatchSpec> watches_;
  std::vector<PredicatePtr> global_;
  ControllerOptions options_;
};

}  // namespace kop

#endif  // KOP_MANAGER_MANAGER_H_
