#include "kop/api/group_version.h"

#include <cstdint>
#include <vector>

#include "absl/status/status.h"
#include "kop/base/strings.h"

namespace kop {
namespace {

// Splits on every `sep` (SplitAll) or on the first `max_parts - 1` of them.
std::vector<std::string_view> Split(std::string_view s, char sep, size_t max_parts = SIZE_MAX) {
  std::vector<std::string_view> parts;
  while (parts.size() + 1 < max_parts) {
    const size_t pos = s.find(sep);
    if (pos == std::string_view::npos) break;
    parts.push_back(s.substr(0, pos));
    s.remove_prefix(pos + 1);
  }
  parts.push_back(s);
  return parts;
}

// A conservative check for the characters Kubernetes allows in group, version, kind and
// resource names: no whitespace, no '/', nothing unprintable.
bool IsNamePart(std::string_view s) {
  if (s.empty()) return false;
  for (char c : s) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                    c == '-' || c == '.' || c == '_';
    if (!ok) return false;
  }
  return true;
}

}  // namespace

absl::StatusOr<GroupVersion> GroupVersion::Parse(std::string_view api_version) {
  if (api_version.empty()) {
    return absl::InvalidArgumentError("apiVersion is empty");
  }
  std::vector<std::string_view> parts = Split(api_version, '/');
  if (parts.size() == 1) {
    if (!IsNamePart(parts[0])) {
      return absl::InvalidArgumentError(
          kop::StrCat("apiVersion \"", api_version, "\": invalid version"));
    }
    return GroupVersion{"", std::string(parts[0])};
  }
  if (parts.size() != 2) {
    return absl::InvalidArgumentError(kop::StrCat(
        "apiVersion \"", api_version, "\": expected \"group/version\" or \"version\""));
  }
  if (!IsNamePart(parts[0])) {
    return absl::InvalidArgumentError(
        kop::StrCat("apiVersion \"", api_version, "\": invalid or empty group"));
  }
  if (!IsNamePart(parts[1])) {
    return absl::InvalidArgumentError(
        kop::StrCat("apiVersion \"", api_version, "\": invalid or empty version"));
  }
  return GroupVersion{std::string(parts[0]), std::string(parts[1])};
}

std::string GroupVersion::ToString() const {
  return group.empty() ? version : kop::StrCat(group, "/", version);
}

GroupVersionKind GroupVersion::WithKind(std::string_view kind) const {
  return {group, version, std::string(kind)};
}

GroupVersionResource GroupVersion::WithResource(std::string_view resource) const {
  return {group, version, std::string(resource)};
}

std::string GroupKind::ToString() const {
  return group.empty() ? kind : kop::StrCat(kind, ".", group);
}

absl::StatusOr<GroupVersionKind> GroupVersionKind::FromApiVersionKind(
    std::string_view api_version, std::string_view kind) {
  absl::StatusOr<GroupVersion> gv = GroupVersion::Parse(api_version);
  if (!gv.ok()) return gv.status();
  if (kind.empty()) {
    return absl::InvalidArgumentError(
        kop::StrCat("kind is empty (apiVersion \"", api_version, "\")"));
  }
  if (!IsNamePart(kind)) {
    return absl::InvalidArgumentError(kop::StrCat("kind \"", kind, "\" is not a valid name"));
  }
  return gv->WithKind(kind);
}

std::string GroupVersionKind::ToString() const {
  return kop::StrCat(api_version(), ", Kind=", kind);
}

absl::StatusOr<GroupVersionResource> GroupVersionResource::Parse(std::string_view text) {
  if (text.empty()) return absl::InvalidArgumentError("resource is empty");
  if (text.find('/') != std::string_view::npos) {
    std::vector<std::string_view> parts = Split(text, '/');
    GroupVersionResource gvr;
    if (parts.size() == 2) {
      gvr = {"", std::string(parts[0]), std::string(parts[1])};
    } else if (parts.size() == 3) {
      gvr = {std::string(parts[0]), std::string(parts[1]), std::string(parts[2])};
    } else {
      return absl::InvalidArgumentError(kop::StrCat(
          "resource \"", text, "\": expected \"group/version/resource\" or \"version/resource\""));
    }
    if ((parts.size() == 3 && !IsNamePart(gvr.group)) || !IsNamePart(gvr.version) ||
        !IsNamePart(gvr.resource)) {
      return absl::InvalidArgumentError(
          kop::StrCat("resource \"", text, "\": empty or invalid part"));
    }
    return gvr;
  }
  // resource.version.group, where the group itself may contain dots.
  std::vector<std::string_view> parts = Split(text, '.', 3);
  if (parts.size() < 3 || !IsNamePart(parts[0]) || !IsNamePart(parts[1]) ||
      !IsNamePart(parts[2])) {
    return absl::InvalidArgumentError(
        kop::StrCat("resource \"", text, "\": expected \"resource.version.group\""));
  }
  return GroupVersionResource{std::string(parts[2]), std::string(parts[1]),
                              std::string(parts[0])};
}

std::string GroupVersionResource::ToString() const {
  return kop::StrCat(group_version().ToString(), ", Resource=", resource);
}

std::ostream& operator<<(std::ostream& os, const GroupVersion& gv) { return os << gv.ToString(); }
std::ostream& operator<<(std::ostream& os, const GroupKind& gk) { return os << gk.ToString(); }
std::ostream& operator<<(std::ostream& os, const GroupVersionKind& gvk) {
  return os << gvk.ToString();
}
std::ostream& operator<<(std::ostream& os, const GroupVersionResource& gvr) {
  return os << gvr.ToString();
}

}  // namespace kop
