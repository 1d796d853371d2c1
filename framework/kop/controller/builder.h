// kop/controller/builder: describes a controller fluently, then wires it to the shared
// informers and registers it with whoever runs it (a kop::Manager):
//
//   kop::ControllerBuilder(manager)
//       .Named("application")
//       .For({"example.com", "v1", "Application"}, {kop::predicate::GenerationChanged()})
//       .Owns({"apps", "v1", "Deployment"})
//       .Watches({"", "v1", "ConfigMap"}, map_fn)
//       .WithOptions({.max_concurrent_reconciles = 2})
//       .Complete(std::make_unique<ApplicationReconciler>());
//
// For(kind) enqueues the object's own key; Owns(kind) the key of the object's controller
// owner when that owner is of the For kind; Watches(kind, map) whatever `map` returns.
// Errors (no For, a kind the server does not serve) come from Complete, never a crash, and
// leave nothing half-registered.
#ifndef KOP_CONTROLLER_BUILDER_H_
#define KOP_CONTROLLER_BUILDER_H_

#include <memory>
#include <optional>
#include <string>
#include <type_traits>
#include <vector>

#include "absl/status/statusor.h"
#include "kop/api/codec.h"
#include "kop/api/group_version.h"
#include "kop/cache/informer_factory.h"
#include "kop/client/object_client.h"
#include "kop/controller/controller.h"
#include "kop/controller/handler.h"
#include "kop/controller/predicate.h"
#include "kop/log/logger.h"

namespace kop {

// What a builder needs from whatever runs controllers. kop::Manager is one; a test can offer
// its own (an informer factory on a test server, a FakeClient, a list of controllers).
class ControllerHost {
 public:
  virtual ~ControllerHost() = default;
  // The shared informers the controller's watches hook into.
  virtual cache::InformerFactory& cache() = 0;
  // What reconciles read and write through (ctx.client) and read the server with
  // (ctx.api_reader), unless the controller's options name their own.
  virtual client::ObjectClient& controller_client() = 0;
  virtual client::Reader& api_reader() = 0;
  // Null: the queue reports no metrics.
  virtual workqueue::MetricsProvider* queue_metrics() { return nullptr; }
  virtual log::Logger log() const = 0;
  // Takes the controller and runs it (at once when already running).
  virtual void Add(std::unique_ptr<Controller> controller) = 0;
};

class ControllerBuilder {
 public:
  explicit ControllerBuilder(ControllerHost& host) : host_(host) {}

  // The controller's name (metrics label, logger name); default: the For kind, lower case.
  ControllerBuilder& Named(std::string name);
  ControllerBuilder& For(GroupVersionKind gvk, std::vector<PredicatePtr> predicates = {});
  ControllerBuilder& Owns(GroupVersionKind gvk, std::vector<PredicatePtr> predicates = {});
  ControllerBuilder& Watches(GroupVersionKind gvk, MapFunc map, std::vector<PredicatePtr> predicates = {});
  // The same with the kind taken from a typed object's type (kop/k8s, or your own):
  //   .For<Application>().Owns<kop::k8s::apps::v1::Deployment>()
  template <TypedKind T>
  ControllerBuilder& For(std::vector<PredicatePtr> predicates = {}) {
    return For(GroupVersionKind(T::kGroupVersionKind), std::move(predicates));
  }
  template <TypedKind T>
  ControllerBuilder& Owns(std::vector<PredicatePtr> predicates = {}) {
    return Owns(GroupVersionKind(T::kGroupVersionKind), std::move(predicates));
  }
  // `map` takes the typed object (const T&) or the unstructured one (const kop::Object&).
  template <TypedKind T, typename F>
  ControllerBuilder& Watches(F map, std::vector<PredicatePtr> predicates = {}) {
    if constexpr (std::is_invocable_v<F, const T&>) {
      return Watches(GroupVersionKind(T::kGroupVersionKind),
                     TypedMap<T>(std::function<std::vector<Request>(const T&)>(std::move(map))), std::move(predicates));
    } else {
      return Watches(GroupVersionKind(T::kGroupVersionKind), MapFunc(std::move(map)), std::move(predicates));
    }
  }
  // Applies to every watch of the controller.
  ControllerBuilder& WithEventFilter(PredicatePtr predicate);
  ControllerBuilder& WithOptions(ControllerOptions options);

  // Builds the controller, hooks it to the (shared) informers and hands it to the host.
  absl::StatusOr<Controller*> Complete(std::unique_ptr<Reconciler> reconciler);

 private:
  struct WatchSpec {
    enum class Kind { kOwns, kWatches } kind;
    GroupVersionKind gvk;
    MapFunc map;
    std::vector<PredicatePtr> predicates;
  };

  ControllerHost& host_;
  std::string name_;
  std::optional<GroupVersionKind> for_;
  std::vector<PredicatePtr> for_predicates_;
  std::vector<WatchSpec> watches_;
  std::vector<PredicatePtr> global_;
  ControllerOptions options_;
};

// controller-runtime's name for it.
using Builder = ControllerBuilder;

}  // namespace kop

#endif  // KOP_CONTROLLER_BUILDER_H_
