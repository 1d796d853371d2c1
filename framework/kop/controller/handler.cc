#include "kop/controller/handler.h"

#include <algorithm>

namespace kop {
namespace {

// Applies predicates, then turns each passing object into requests.
class MappingHandler final : public cache::EventHandler {
 public:
  MappingHandler(Enqueue enqueue, MapFunc map, std::vector<PredicatePtr> predicates)
      : enqueue_(std::move(enqueue)), map_(std::move(map)), predicates_(std::move(predicates)) {}

  void OnAdd(const cache::ObjectPtr& obj, bool) override {
    for (const auto& p : predicates_) {
      if (!p->Create(obj)) return;
    }
    Emit(*obj);
  }
  void OnUpdate(const cache::ObjectPtr& old_obj, const cache::ObjectPtr& new_obj) override {
    for (const auto& p : predicates_) {
      if (!p->Update(old_obj, new_obj)) return;
    }
    // The owners of the old and the new state, each once: two adds of one key could be
    // split by a worker taking it in between, which would reconcile it twice.
    std::vector<Request> requests = map_(*old_obj);
    if (old_obj != new_obj) {
      for (Request& r : map_(*new_obj)) {
        if (std::find(requests.begin(), requests.end(), r) == requests.end()) {
          requests.push_back(std::move(r));
        }
      }
    }
    for (const Request& r : requests) enqueue_(r);
  }
  void OnDelete(const cache::ObjectPtr& obj) override {
    for (const auto& p : predicates_) {
      if (!p->Delete(obj)) return;
    }
    Emit(*obj);
  }

 private:
  void Emit(const Object& obj) {
    for (const Request& r : map_(obj)) enqueue_(r);
  }
  Enqueue enqueue_;
  MapFunc map_;
  std::vector<PredicatePtr> predicates_;
};

}  // namespace

std::shared_ptr<cache::EventHandler> EnqueueForObject(Enqueue enqueue,
                                                      std::vector<PredicatePtr> predicates) {
  // The old and new states of an update share a key; the queue folds the duplicate.
  return std::make_shared<MappingHandler>(
      std::move(enqueue), [](const Object& o) { return std::vector<Request>{{o.key()}}; },
      std::move(predicates));
}

std::shared_ptr<cache::EventHandler> EnqueueForOwner(Enqueue enqueue, GroupKind owner,
                                                     std::vector<PredicatePtr> predicates) {
  return std::make_shared<MappingHandler>(
      std::move(enqueue),
      [owner = std::move(owner)](const Object& o) {
        std::vector<Request> out;
        absl::StatusOr<std::vector<OwnerReference>> refs = o.owner_references();
        if (!refs.ok()) return out;
        std::optional<OwnerReference> ctrl = GetControllerOf(*refs);
        if (ctrl && ctrl->MatchesGroupKind(owner))
          out.push_back({{std::string(o.namespace_()), ctrl->name}});
        return out;
      },
      std::move(predicates));
}

std::shared_ptr<cache::EventHandler> EnqueueFromMap(Enqueue enqueue, MapFunc map,
                                                    std::vector<PredicatePtr> predicates) {
  return std::make_shared<MappingHandler>(std::move(enqueue), std::move(map), std::move(predicates));
}

}  // namespace kop
