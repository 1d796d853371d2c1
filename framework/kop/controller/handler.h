// kop/controller/handler: informer events to reconcile requests.
//
// - ForObject: the object's own key (the primary resource of a controller).
// - ForOwner: the key of the object's controller owner reference, when that owner has the
//   given group and kind (resources the controller owns: Deployments of an Application).
//   On update, the owners of both the old and the new object; on delete, of the last state.
// - FromMap: whatever keys a function of the object returns.
// Each applies its predicates first. Handlers run on the informer's dispatch thread and only
// enqueue.
#ifndef KOP_CONTROLLER_HANDLER_H_
#define KOP_CONTROLLER_HANDLER_H_

#include <functional>
#include <memory>
#include <vector>

#include "kop/api/codec.h"
#include "kop/api/group_version.h"
#include "kop/cache/informer.h"
#include "kop/controller/predicate.h"
#include "kop/controller/reconciler.h"

namespace kop {

using Enqueue = std::function<void(const Request&)>;
using MapFunc = std::function<std::vector<Request>(const Object&)>;

std::shared_ptr<cache::EventHandler> EnqueueForObject(Enqueue enqueue,
                                                      std::vector<PredicatePtr> predicates = {});
std::shared_ptr<cache::EventHandler> EnqueueForOwner(Enqueue enqueue, GroupKind owner,
                                                     std::vector<PredicatePtr> predicates = {});
std::shared_ptr<cache::EventHandler> EnqueueFromMap(Enqueue enqueue, MapFunc map,
                                                    std::vector<PredicatePtr> predicates = {});

// A map over typed objects: `map` sees the object decoded into T; an object that does not
// decode maps to nothing.
template <TypedKind T>
MapFunc TypedMap(std::function<std::vector<Request>(const T&)> map) {
  return [map = std::move(map)](const Object& obj) -> std::vector<Request> {
    absl::StatusOr<T> t = kop::FromObject<T>(obj);
    if (!t.ok()) return {};
    return map(*t);
  };
}

}  // namespace kop

#endif  // KOP_CONTROLLER_HANDLER_H_
