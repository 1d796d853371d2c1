// kop/controller/predicate: which events are worth a reconcile.
//
//   auto pred = kop::predicate::Or(kop::predicate::GenerationChanged(),
//                                  kop::predicate::LabelsChanged());
//
// A predicate sees the event (create, update with old and new, delete) and answers whether
// to enqueue. Status-only updates, for instance, do not change metadata.generation.
#ifndef KOP_CONTROLLER_PREDICATE_H_
#define KOP_CONTROLLER_PREDICATE_H_

#include <functional>
#include <memory>
#include <vector>

#include "kop/api/codec.h"
#include "kop/api/label_selector.h"
#include "kop/cache/indexer.h"

namespace kop {

class Predicate {
 public:
  virtual ~Predicate() = default;
  virtual bool Create(const cache::ObjectPtr& /*obj*/) const { return true; }
  virtual bool Update(const cache::ObjectPtr& /*old_obj*/, const cache::ObjectPtr& /*new_obj*/) const {
    return true;
  }
  virtual bool Delete(const cache::ObjectPtr& /*obj*/) const { return true; }
};

using PredicatePtr = std::shared_ptr<const Predicate>;

namespace predicate {

// Updates only when metadata.generation changed (spec changes; not status-only writes).
PredicatePtr GenerationChanged();
// Updates only when metadata.resourceVersion changed (drops resyncs).
PredicatePtr ResourceVersionChanged();
PredicatePtr LabelsChanged();
PredicatePtr AnnotationsChanged();
// Events of objects whose labels match (for updates: the new object).
PredicatePtr MatchesLabels(LabelSelector selector);
PredicatePtr And(std::vector<PredicatePtr> all);
PredicatePtr Or(std::vector<PredicatePtr> any);
PredicatePtr Not(PredicatePtr p);
template <typename... P>
PredicatePtr And(PredicatePtr a, P... rest) {
  return And(std::vector<PredicatePtr>{std::move(a), std::move(rest)...});
}
template <typename... P>
PredicatePtr Or(PredicatePtr a, P... rest) {
  return Or(std::vector<PredicatePtr>{std::move(a), std::move(rest)...});
}
// From lambdas; a missing one lets its events through.
PredicatePtr Funcs(std::function<bool(const cache::ObjectPtr&)> create,
                   std::function<bool(const cache::ObjectPtr&, const cache::ObjectPtr&)> update,
                   std::function<bool(const cache::ObjectPtr&)> del);

// The same over typed objects: each function sees the object decoded into T (kop/k8s types,
// or your own declared kinds). An object that does not decode into T is let through: its
// reconcile reports what is wrong with it.
//   predicate::TypedFuncs<Deployment>(nullptr, [](const Deployment& o, const Deployment& n) {
//     return o.spec.replicas != n.spec.replicas;
//   }, nullptr)
template <TypedKind T>
PredicatePtr TypedFuncs(std::function<bool(const T&)> create, std::function<bool(const T&, const T&)> update,
                        std::function<bool(const T&)> del) {
  auto one = [](std::function<bool(const T&)> f) -> std::function<bool(const cache::ObjectPtr&)> {
    if (!f) return nullptr;
    return [f = std::move(f)](const cache::ObjectPtr& obj) {
      absl::StatusOr<T> t = kop::FromObject<T>(*obj);
      return !t.ok() || f(*t);
    };
  };
  std::function<bool(const cache::ObjectPtr&, const cache::ObjectPtr&)> both;
  if (update) {
    both = [update = std::move(update)](const cache::ObjectPtr& old_obj, const cache::ObjectPtr& new_obj) {
      absl::StatusOr<T> o = kop::FromObject<T>(*old_obj);
      absl::StatusOr<T> n = kop::FromObject<T>(*new_obj);
      return !o.ok() || !n.ok() || update(*o, *n);
    };
  }
  return Funcs(one(std::move(create)), std::move(both), one(std::move(del)));
}

}  // namespace predicate
}  // namespace kop

#endif  // KOP_CONTROLLER_PREDICATE_H_
