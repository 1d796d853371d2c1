#include "kop/api/object_key.h"

#include "absl/status/status.h"
#include "kop/base/strings.h"

namespace kop {

absl::StatusOr<ObjectKey> ObjectKey::Parse(std::string_view key) {
  if (key.empty()) return absl::InvalidArgumentError("object key is empty");
  const size_t slash = key.find('/');
  if (slash == std::string_view::npos) return ObjectKey{"", std::string(key)};
  if (key.find('/', slash + 1) != std::string_view::npos) {
    return absl::InvalidArgumentError(
        kop::StrCat("object key \"", key, "\": more than one '/'"));
  }
  std::string_view ns = key.substr(0, slash);
  std::string_view name = key.substr(slash + 1);
  if (ns.empty()) {
    return absl::InvalidArgumentError(kop::StrCat("object key \"", key, "\": empty namespace"));
  }
  if (name.empty()) {
    return absl::InvalidArgumentError(kop::StrCat("object key \"", key, "\": empty name"));
  }
  return ObjectKey{std::string(ns), std::string(name)};
}

std::string ObjectKey::ToString() const {
  return namespace_.empty() ? name : kop::StrCat(namespace_, "/", name);
}

std::ostream& operator<<(std::ostream& os, const ObjectKey& key) { return os << key.ToString(); }

}  // namespace kop
