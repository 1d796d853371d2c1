#include "kop/api/owner_reference.h"

#include "absl/status/status.h"
#include "kop/base/strings.h"

namespace kop {
namespace {

absl::Status RequiredString(JsonView j, const char* field, std::string* out) {
  const JsonView v = j[field];
  if (!v.exists() || v.is_null()) {
    return absl::InvalidArgumentError(kop::StrCat("ownerReference: missing ", field));
  }
  if (!v.is_string()) {
    return absl::InvalidArgumentError(
        kop::StrCat("ownerReference.", field, ": expected string, got ", JsonTypeName(v)));
  }
  *out = std::string(v.get_string());
  if (out->empty()) {
    return absl::InvalidArgumentError(kop::StrCat("ownerReference: empty ", field));
  }
  return absl::OkStatus();
}

absl::Status OptionalBool(JsonView j, const char* field, std::optional<bool>* out) {
  const JsonView v = j[field];
  if (!v.exists() || v.is_null()) return absl::OkStatus();
  if (!v.is_boolean()) {
    return absl::InvalidArgumentError(
        kop::StrCat("ownerReference.", field, ": expected boolean, got ", JsonTypeName(v)));
  }
  *out = v.get_bool();
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<OwnerReference> OwnerReference::FromJson(const Json& j) {
  return FromJson(JsonView(j));
}

absl::StatusOr<OwnerReference> OwnerReference::FromJson(JsonView j) {
  if (!j.is_object()) {
    return absl::InvalidArgumentError(
        kop::StrCat("ownerReference: expected object, got ", JsonTypeName(j)));
  }
  OwnerReference ref;
  absl::Status s = RequiredString(j, "apiVersion", &ref.api_version);
  if (s.ok()) s = RequiredString(j, "kind", &ref.kind);
  if (s.ok()) s = RequiredString(j, "name", &ref.name);
  if (s.ok()) s = RequiredString(j, "uid", &ref.uid);
  if (s.ok()) s = OptionalBool(j, "controller", &ref.controller);
  if (s.ok()) s = OptionalBool(j, "blockOwnerDeletion", &ref.block_owner_deletion);
  if (!s.ok()) return s;
  return ref;
}

Json OwnerReference::ToJson() const {
  Json j = {{"apiVersion", api_version}, {"kind", kind}, {"name", name}, {"uid", uid}};
  if (controller.has_value()) j["controller"] = *controller;
  if (block_owner_deletion.has_value()) j["blockOwnerDeletion"] = *block_owner_deletion;
  return j;
}

std::string OwnerReference::group() const {
  absl::StatusOr<GroupVersion> gv = GroupVersion::Parse(api_version);
  return gv.ok() ? gv->group : std::string();
}

bool OwnerReference::MatchesGroupKind(const GroupKind& gk) const {
  return kind == gk.kind && group() == gk.group;
}

absl::StatusOr<std::vector<OwnerReference>> OwnerReferencesFromJson(const Json& j) {
  return OwnerReferencesFromJson(JsonView(j));
}

absl::StatusOr<std::vector<OwnerReference>> OwnerReferencesFromJson(JsonView j) {
  std::vector<OwnerReference> refs;
  if (j.is_null()) return refs;
  if (!j.is_array()) {
    return absl::InvalidArgumentError(
        kop::StrCat("metadata.ownerReferences: expected array, got ", JsonTypeName(j)));
  }
  refs.reserve(j.size());
  size_t i = 0;
  for (const auto& [unused, element] : j.items()) {
    absl::StatusOr<OwnerReference> ref = OwnerReference::FromJson(element);
    if (!ref.ok()) {
      return absl::InvalidArgumentError(kop::StrCat("metadata.ownerReferences[", i,
                                                     "]: ", ref.status().message()));
    }
    refs.push_back(*std::move(ref));
    ++i;
  }
  return refs;
}

std::optional<OwnerReference> GetControllerOf(const std::vector<OwnerReference>& refs) {
  for (const OwnerReference& ref : refs) {
    if (ref.is_controller()) return ref;
  }
  return std::nullopt;
}

}  // namespace kop
