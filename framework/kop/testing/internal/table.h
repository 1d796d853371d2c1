// The alternate representations of objects a client can ask for with its Accept header:
// meta.k8s.io/v1 Table, which kubectl asks for (`application/json;as=Table;v=v1;g=meta.k8s.io`)
// to print `kubectl get` (the columns of built-in resources as kube-apiserver prints them, and a
// CRD's additionalPrinterColumns), and PartialObjectMetadata(List), which metadata-only
// informers ask for (`as=PartialObjectMetadata`, `as=PartialObjectMetadataList` for lists).
#ifndef KOP_TESTING_INTERNAL_TABLE_H_
#define KOP_TESTING_INTERNAL_TABLE_H_

#include <string>
#include <vector>

#include "absl/time/time.h"
#include "kop/api/json.h"
#include "kop/testing/internal/media.h"
#include "kop/testing/internal/registry.h"

namespace kop::testing::internal {

// {"kind": "PartialObjectMetadata", "apiVersion": "meta.k8s.io/v1", "metadata": ...}.
Json PartialObjectMetadata(const Json& object);

// "includeObject": None, Metadata (the default) or Object.
enum class IncludeObject { kNone, kMetadata, kObject };

// A Table of `objects` (each an object of `info`'s resource, in the served version).
// `list_meta`: the list's metadata (resourceVersion, continue); `now` dates the Age column.
Json MakeTable(const ResourceInfo& info, const std::vector<const Json*>& objects,
               const Json& list_meta, IncludeObject include, absl::Time now);

// kubectl's relative durations: "45s", "3m20s", "5h", "12d", ...
std::string HumanDuration(absl::Duration d);

// A small JSONPath subset for printer columns: ".a.b", ".a[0].b", and
// ".a[?(@.k=="v")].b". Null when the path does not resolve.
const Json* EvalJsonPath(const Json& object, std::string_view path);

}  // namespace kop::testing::internal

#endif  // KOP_TESTING_INTERNAL_TABLE_H_
