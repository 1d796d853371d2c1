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

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "kop/api/condition.h"
#include "kop/api/object.h"
#include "kop/client/client.h"
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

}  // namespace kop::util

#endif  // KOP_UTIL_UTIL_H_
