// kop/api/owner_reference: who owns an object.
//
// metadata.ownerReferences ties a dependent (a Deployment) to its owners (an Application).
// At most one reference has `controller: true`; it names the object that manages the
// dependent, and is what controllers follow to enqueue the owner's key.
//
//   KOP_ASSIGN_OR_RETURN(auto refs, deployment.owner_references());
//   if (auto ref = kop::GetControllerOf(refs); ref && ref->MatchesGroupKind({"example.com", "Application"}))
//     queue.Add(kop::ObjectKey{deployment.namespace_(), ref->name});
#ifndef KOP_API_OWNER_REFERENCE_H_
#define KOP_API_OWNER_REFERENCE_H_

#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "kop/api/group_version.h"
#include "kop/api/json.h"
#include "kop/api/json_view.h"

namespace kop {

struct OwnerReference {
  std::string api_version;
  std::string kind;
  std::string name;
  std::string uid;
  std::optional<bool> controller;
  std::optional<bool> block_owner_deletion;

  // Parses one entry of metadata.ownerReferences. InvalidArgument naming the field when a
  // required field (apiVersion, kind, name, uid) is missing or a field has the wrong type.
  static absl::StatusOr<OwnerReference> FromJson(const Json& j);
  static absl::StatusOr<OwnerReference> FromJson(JsonView j);
  Json ToJson() const;

  bool is_controller() const { return controller.value_or(false); }
  // The group of api_version ("" for core, and for a malformed api_version).
  std::string group() const;
  // Whether this reference points at an object of that group and kind, any version.
  bool MatchesGroupKind(const GroupKind& gk) const;

  friend bool operator==(const OwnerReference&, const OwnerReference&) = default;
};

// Parses a whole metadata.ownerReferences array (null reads as empty).
absl::StatusOr<std::vector<OwnerReference>> OwnerReferencesFromJson(const Json& j);
absl::StatusOr<std::vector<OwnerReference>> OwnerReferencesFromJson(JsonView j);

// The reference with controller: true, if any.
std::optional<OwnerReference> GetControllerOf(const std::vector<OwnerReference>& refs);

}  // namespace kop

#endif  // KOP_API_OWNER_REFERENCE_H_
