// Strategic merge patch (application/strategic-merge-patch+json) for built-in kinds, as
// kubectl apply, kubectl patch and client-go send it.
//
// A strategic merge patch is a JSON merge patch whose lists can merge instead of being
// replaced: a list whose schema says x-kubernetes-patch-strategy "merge" with an
// x-kubernetes-patch-merge-key (containers by name, ports by containerPort, env by name,
// volumes by name, ...) merges element by element on that key; a merge list of scalars
// (finalizers) is a set union. Directives in the patch:
//   "$patch": "replace"            (in a map) the map replaces the original's whole
//   "$patch": "delete"             (in a map, or a list element) removes it
//   "$setElementOrder/<list>": [...]   the order of the merged list
//   "$deleteFromPrimitiveList/<list>": [...]  values to remove from a scalar list
//   "$retainKeys": [...]           only these keys stay in the map (retainKeys strategy)
//
// Caveats: lists of lists and "$patch: merge" are not supported (upstream rarely sees them).
#ifndef KOP_TESTING_INTERNAL_STRATEGIC_MERGE_H_
#define KOP_TESTING_INTERNAL_STRATEGIC_MERGE_H_

#include "absl/status/statusor.h"
#include "kop/api/json.h"

namespace kop::testing::internal {

// `original` patched by `patch`, lists merged as `schema` (inlined; null: every list is
// replaced) says. InvalidArgument for a patch that is not an object or misuses a directive.
absl::StatusOr<Json> StrategicMergePatch(const Json& original, const Json& patch, const Json* schema);

}  // namespace kop::testing::internal

#endif  // KOP_TESTING_INTERNAL_STRATEGIC_MERGE_H_
