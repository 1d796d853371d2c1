// Field ownership for the embedded API server: server-side apply and the managedFields every
// write records, as kube-apiserver's structured-merge-diff keeps them.
//
// A field set is what metadata.managedFields[].fieldsV1 encodes: paths of
//   f:<name>          a field of an object
//   k:{"name":"app"}  an element of an associative list (x-kubernetes-list-type: map), by its keys
//   v:"value"         an element of a set (x-kubernetes-list-type: set)
//   .                 the element itself, beside its fields
// Lists without a list type are atomic: the list is one field, owned whole.
//
// - Apply (application/apply-patch+yaml): the manager's configuration is merged into the
//   object (maps by key, associative lists by their keys, sets as unions); the manager owns
//   exactly what it applied; fields it applied before and no longer does are removed unless
//   another manager owns them; a field another manager (Apply or Update) owns with a
//   different value is a 409 Conflict unless forced, which takes the field over.
// - Update (create, update, patch): the writer owns what its write changed; others lose it.
//
// Differences from upstream (docs/testing.md): fields are compared by JSON value; a forced
// apply takes over only the conflicting fields; lists without a list type in the schema are
// atomic.
#ifndef KOP_TESTING_INTERNAL_APPLY_H_
#define KOP_TESTING_INTERNAL_APPLY_H_

#include <string>

#include "absl/status/statusor.h"
#include "kop/api/json.h"

namespace kop::testing::internal {

struct ApplyRequest {
  std::string manager;
  bool force = false;
  std::string now;          // RFC 3339, for the managedFields entry
  std::string api_version;  // of the applied configuration
  std::string subresource;  // "" or "status"
};

// The object after `request.manager` applies `config` to `live` (null: the object does not
// exist yet), with metadata.managedFields updated. `schema` (inlined; null: every list atomic)
// gives list types and keys. 409 Conflict (a Kubernetes Status with one cause per field) when
// another manager owns a field the configuration sets to a different value and `force` is
// false.
absl::StatusOr<Json> ServerSideApply(const Json* live, const Json& config, const ApplyRequest& request,
                                     const Json* schema);

// Records a write by `request.manager` (operation Update) in `after`'s managedFields: the
// fields that differ from `before` (null on create) become its own. `after`'s managedFields
// are taken from `before` (clients cannot rewrite them) unless `after` sets them explicitly.
void TrackUpdate(const Json* before, Json& after, const ApplyRequest& request, const Json* schema);

// The manager an update is recorded under: the fieldManager parameter, or the User-Agent's
// product (what precedes its first '/'), as upstream derives it.
std::string ManagerOf(const std::string& field_manager, const std::string& user_agent);

}  // namespace kop::testing::internal

#endif  // KOP_TESTING_INTERNAL_APPLY_H_
