#include "kop/controller/builder.h"

#include <algorithm>
#include <cctype>

#include "kop/base/status_macros.h"

namespace kop {


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
  cache::InformerFactory& cache = host_.cache();
  KOP_ASSIGN_OR_RETURN(std::shared_ptr<cache::Informer> primary, cache.ForKind(*for_));
  std::vector<std::shared_ptr<cache::Informer>> secondary;
  for (const WatchSpec& w : watches_) {
    KOP_ASSIGN_OR_RETURN(std::shared_ptr<cache::Informer> informer, cache.ForKind(w.gvk));
    secondary.push_back(std::move(informer));
  }
  ControllerOptions options = options_;
  options.name = name_;
  if (options.client == nullptr) options.client = &host_.controller_client();
  if (options.api_reader == nullptr) options.api_reader = &host_.api_reader();
  if (options.queue_metrics == nullptr) options.queue_metrics = host_.queue_metrics();
  if (options.log == nullptr) {
    options.log = std::make_shared<const log::Logger>(
        host_.log().WithName("controller").WithValues("controller", name_));
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
  host_.Add(std::move(controller));
  return raw;
}

}  // namespace kop
