// kop/util: what reconcilers reach for.
//
//   KOP_RETURN_IF_ERROR(kop::util::SetControllerReference(app, deployment));
//   KOP_ASSIGN_OR_RETURN(auto op, kop::util::CreateOrUpdate(deployments, deployment, [&](kop::Object& d) {
//     return d.Set({"spec", "replicas"}, replicas);
//   }));   // kCreated, kUpdated or kUnchanged (no write when nothing changed)
//   recorder.Event(app, kop::util::EventType::kNormal, "Created", "created deployment web");
//
//   KOP_ASSIGN_OR_RETURN(kop::Object applied, kop::util::Apply(deployments, desired, "app-operator"));
//
// Finalizers and status conditions live on kop::Object (AddFinalizer, RemoveFinalizer,
// HasFinalizer) and in kop/api/condition.h (SetStatusCondition, ...).
#ifndef KOP_UTIL_UTIL_H_
#define KOP_UTIL_UTIL_H_

#include <functional>
#include <string>
#include <type_traits>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "kop/api/codec.h"
#include "kop/api/condition.h"
#include "kop/api/object.h"
#include "kop/base/status_macros.h"
#include "kop/client/client.h"
#include "kop/client/errors.h"
#include "kop/client/object_client.h"

namespace kop::util {

// Makes `owner` the controller of `object` (ownerReferences with controller and
// blockOwnerDeletion true). AlreadyExists naming the current controller when another object
// controls it; InvalidArgument for cross-namespace or cluster-to-namespaced ownership, which
// Kubernetes forbids, and for an owner without uid (not yet created).
absl::Status SetControllerReference(const Object& owner, Object& object);
// Adds (or refreshes) a non-controller owner reference to `owner`.
absl::Status SetOwnerReference(const Object& owner, Object& object);
// Whether `owner` is `object`'s controller.
bool IsControlledBy(const Object& object, const Object& owner);

enum class OperationResult { kUnchanged, kCreated, kUpdated, kUpdatedStatus };
std::string_view OperationResultName(OperationResult r);

using MutateFn = std::function<absl::Status(Object&)>;

// Reads `object` (by its kind, namespace and name, through `c`: from the cache when `c` is
// ctx.client), applies `mutate`, and creates or updates it; nothing is written when the
// mutation changes nothing. On return `object` holds the server's state. `mutate` must not
// change the name or namespace (InvalidArgument). A stale cached read makes the update fail
// with 409 Conflict, which requeues the reconcile.
absl::StatusOr<OperationResult> CreateOrUpdate(client::ObjectClient& c, Object& object, const MutateFn& mutate);
// The same on one resource, reading the server.
absl::StatusOr<OperationResult> CreateOrUpdate(const client::ResourceClient& resource,
                                               Object& object, const MutateFn& mutate);

// As CreateOrUpdate, but writes JSON merge patches: one for the object (status excluded) and,
// when the status changed, one for the status subresource. Fields other writers own are not
// overwritten, and no resourceVersion conflict can occur.
absl::StatusOr<OperationResult> CreateOrPatch(client::ObjectClient& c, Object& object, const MutateFn& mutate);
absl::StatusOr<OperationResult> CreateOrPatch(const client::ResourceClient& resource,
                                              Object& object, const MutateFn& mutate);

// Server-side apply of `desired`: the fields this field manager wants, and only those
// (apiVersion, kind, name and namespace plus the fields to own). Server-set metadata
// (resourceVersion, uid, generation, creationTimestamp, managedFields) and the status are
// dropped before sending. The API server merges it, removes fields this manager applied
// before and no longer does, and answers 409 Conflict (kop::IsConflict) when another
// manager owns a field with a different value, unless `force` (controllers usually force:
// they are the authority on what they apply). Returns the object as stored.
absl::StatusOr<Object> Apply(client::Writer& c, const Object& desired, const std::string& field_manager,
                             bool force = true);
absl::StatusOr<Object> Apply(const client::ResourceClient& resource, const Object& desired,
                             const std::string& field_manager, bool force = true);

// Typed objects (kop/k8s types, or your own declared kinds).
//
//   kop::k8s::apps::v1::Deployment d;
//   d.metadata.name = app.metadata.name;
//   d.metadata.namespace_ = app.metadata.namespace_;
//   KOP_ASSIGN_OR_RETURN(auto op, kop::util::CreateOrUpdate(ctx.client(), d, [&](auto& d) {
//     d.spec.replicas = app.spec.replicas;
//     return kop::util::SetControllerReference(app, d);
//   }));
//
// Nothing is written when the mutated object equals the one read (typed equality: quantities
// compare by amount, so `1000m` against a stored `1` is no change).
template <TypedKind Owner, TypedKind T>
absl::Status SetControllerReference(const Owner& owner, T& object) {
  Object obj = kop::ToObject(object);
  KOP_RETURN_IF_ERROR(SetControllerReference(kop::ToObject(owner), obj));
  return codec::Decode(obj.view()["metadata"]["ownerReferences"], object.metadata.owner_references,
                       codec::Path{nullptr, "metadata.ownerReferences"});
}
template <TypedKind Owner, TypedKind T>
bool IsControlledBy(const T& object, const Owner& owner) {
  for (const auto& ref : object.metadata.owner_references) {
    if (ref.controller.value_or(false)) return ref.uid == owner.metadata.uid;
  }
  return false;
}

template <TypedKind T>
absl::StatusOr<OperationResult> CreateOrUpdate(client::ObjectClient& c, T& object,
                                               const std::type_identity_t<std::function<absl::Status(T&)>>& mutate) {
  const ObjectKey key = KeyOf(object);
  auto renamed = [&](const T& o) {
    return KeyOf(o) == key ? absl::OkStatus()
                           : absl::InvalidArgumentError("CreateOrUpdate: the mutate function changed the name or namespace");
  };
  absl::StatusOr<T> current = c.Get<T>(key);
  if (!current.ok()) {
    if (!kop::IsNotFound(current.status())) return current.status();
    KOP_RETURN_IF_ERROR(mutate(object));
    KOP_RETURN_IF_ERROR(renamed(object));
    KOP_ASSIGN_OR_RETURN(object, c.Create(object));
    return OperationResult::kCreated;
  }
  T desired = *current;
  KOP_RETURN_IF_ERROR(mutate(desired));
  KOP_RETURN_IF_ERROR(renamed(desired));
  if (desired == *current) {
    object = *std::move(current);
    return OperationResult::kUnchanged;
  }
  KOP_ASSIGN_OR_RETURN(object, c.Update(desired));
  return OperationResult::kUpdated;
}

}  // namespace kop::util

#endif  // KOP_UTIL_UTIL_H_
