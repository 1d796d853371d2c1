// kop/api/object_key: the identity of an object within a resource.
//
// An ObjectKey is what a work queue carries and what a reconcile Request names:
// "namespace/name" for namespaced objects, "name" for cluster-scoped ones, exactly as
// client-go's MetaNamespaceKeyFunc writes keys.
//
//   KOP_ASSIGN_OR_RETURN(kop::ObjectKey key, kop::ObjectKey::Parse("default/web"));
//   key.ToString();  // "default/web"
#ifndef KOP_API_OBJECT_KEY_H_
#define KOP_API_OBJECT_KEY_H_

#include <ostream>
#include <string>
#include <string_view>
#include <utility>

#include "absl/status/statusor.h"

namespace kop {

struct ObjectKey {
  std::string namespace_;  // empty for cluster-scoped objects
  std::string name;

  // Parses "namespace/name" or "name". Errors (InvalidArgument) for an empty key, an empty
  // name or namespace around the '/', or more than one '/'.
  static absl::StatusOr<ObjectKey> Parse(std::string_view key);

  std::string ToString() const;
  bool cluster_scoped() const { return namespace_.empty(); }

  friend bool operator==(const ObjectKey&, const ObjectKey&) = default;
  friend auto operator<=>(const ObjectKey&, const ObjectKey&) = default;
  template <typename H>
  friend H AbslHashValue(H h, const ObjectKey& k) {
    return H::combine(std::move(h), k.namespace_, k.name);
  }
};

std::ostream& operator<<(std::ostream& os, const ObjectKey& key);

}  // namespace kop

#endif  // KOP_API_OBJECT_KEY_H_
