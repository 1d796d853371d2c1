// kop/api/group_version: naming API types and resources.
//
// A GroupVersionKind names a type ("apps/v1, Kind=Deployment"); a GroupVersionResource
// names the REST collection that serves it ("apps/v1, Resource=deployments"). The core
// group is the empty string, written "v1" in apiVersion.
//
//   KOP_ASSIGN_OR_RETURN(kop::GroupVersion gv, kop::GroupVersion::Parse("apps/v1"));
//   kop::GroupVersionKind gvk = gv.WithKind("Deployment");
#ifndef KOP_API_GROUP_VERSION_H_
#define KOP_API_GROUP_VERSION_H_

#include <ostream>
#include <string>
#include <string_view>
#include <utility>

#include "absl/status/statusor.h"

namespace kop {

struct GroupVersionKind;
struct GroupVersionResource;

// An API group and version, as written in apiVersion ("apps/v1", or "v1" for core).
struct GroupVersion {
  std::string group;
  std::string version;

  // Parses an apiVersion. Errors (InvalidArgument) name the input: empty strings, more than
  // one '/', an empty group or version around the '/'.
  static absl::StatusOr<GroupVersion> Parse(std::string_view api_version);

  // "apps/v1", or "v1" for the core group.
  std::string ToString() const;
  GroupVersionKind WithKind(std::string_view kind) const;
  GroupVersionResource WithResource(std::string_view resource) const;

  friend bool operator==(const GroupVersion&, const GroupVersion&) = default;
  friend auto operator<=>(const GroupVersion&, const GroupVersion&) = default;
  template <typename H>
  friend H AbslHashValue(H h, const GroupVersion& gv) {
    return H::combine(std::move(h), gv.group, gv.version);
  }
};

// A group and kind without a version: what owner references and REST mappings match on.
struct GroupKind {
  std::string group;
  std::string kind;

  // "Deployment.apps", or "ConfigMap" for core.
  std::string ToString() const;

  friend bool operator==(const GroupKind&, const GroupKind&) = default;
  friend auto operator<=>(const GroupKind&, const GroupKind&) = default;
  template <typename H>
  friend H AbslHashValue(H h, const GroupKind& gk) {
    return H::combine(std::move(h), gk.group, gk.kind);
  }
};

struct GroupVersionKind {
  std::string group;
  std::string version;
  std::string kind;

  // From an object's apiVersion and kind; fails when either is malformed or empty.
  static absl::StatusOr<GroupVersionKind> FromApiVersionKind(std::string_view api_version,
                                                             std::string_view kind);

  GroupVersion group_version() const { return {group, version}; }
  GroupKind group_kind() const { return {group, kind}; }
  std::string api_version() const { return group_version().ToString(); }
  // "apps/v1, Kind=Deployment", as Kubernetes prints it.
  std::string ToString() const;

  friend bool operator==(const GroupVersionKind&, const GroupVersionKind&) = default;
  friend auto operator<=>(const GroupVersionKind&, const GroupVersionKind&) = default;
  template <typename H>
  friend H AbslHashValue(H h, const GroupVersionKind& gvk) {
    return H::combine(std::move(h), gvk.group, gvk.version, gvk.kind);
  }
};

struct GroupVersionResource {
  std::string group;
  std::string version;
  std::string resource;  // the plural, lower case: "deployments"

  // Parses "deployments.v1.apps" (resource.version.group), as kubectl prints it, or
  // "apps/v1/deployments" (group/version/resource; "v1/configmaps" for core).
  static absl::StatusOr<GroupVersionResource> Parse(std::string_view text);

  GroupVersion group_version() const { return {group, version}; }
  // "apps/v1, Resource=deployments".
  std::string ToString() const;

  friend bool operator==(const GroupVersionResource&, const GroupVersionResource&) = default;
  friend auto operator<=>(const GroupVersionResource&, const GroupVersionResource&) = default;
  template <typename H>
  friend H AbslHashValue(H h, const GroupVersionResource& gvr) {
    return H::combine(std::move(h), gvr.group, gvr.version, gvr.resource);
  }
};

std::ostream& operator<<(std::ostream& os, const GroupVersion& gv);
std::ostream& operator<<(std::ostream& os, const GroupKind& gk);
std::ostream& operator<<(std::ostream& os, const GroupVersionKind& gvk);
std::ostream& operator<<(std::ostream& os, const GroupVersionResource& gvr);

}  // namespace kop

#endif  // KOP_API_GROUP_VERSION_H_
