// The API server's round trip of built-in objects through Go structs, emulated from the schema
// description (builtin_types.yaml).
//
// kube-apiserver decodes every built-in object into its Go type and encodes it back, so what
// it stores and returns is not what it was sent:
//   - null fields, and empty maps and lists of `omitempty` fields, are dropped
//     (`data: {}` on a ConfigMap, `finalizers: []`);
//   - fields Go always encodes (non-pointer structs, times and counts without `omitempty`,
//     listed as `always` in the notation) are present even when unset: `status: {}`,
//     `creationTimestamp: null` in a pod template, `lastProbeTime: null` in a condition;
//   - resource quantities are canonicalised (`1000m` → `1`, `1024Mi` → `1Gi`); text that is
//     not a quantity fails decoding.
// Custom resources get the same treatment of their metadata only (ObjectMeta is a Go type
// there too).
#ifndef KOP_TESTING_INTERNAL_GO_JSON_H_
#define KOP_TESTING_INTERNAL_GO_JSON_H_

#include "absl/status/status.h"
#include "kop/api/json.h"

namespace kop::testing::internal {

// Schema markers the notation's expansion adds to inlined schemas (and removes from the
// published OpenAPI documents).
inline constexpr char kAlwaysKey[] = "x-kop-always";      // fields Go encodes when unset
inline constexpr char kQuantityKey[] = "x-kop-quantity";  // a resource.Quantity
// A metav1.Time ("RFC3339": whole seconds) or metav1.MicroTime ("RFC3339Micro": exactly six
// fraction digits): parsed with Go's time.Parse rules and messages, written back in UTC.
inline constexpr char kGoTimeKey[] = "x-kop-go-time";

// Rewrites `value` (of the type `schema` describes, inlined) as the Go round trip would.
// InvalidArgument with upstream's decoding message (e.g. the quantity format) when the value
// cannot be decoded; `value` is then partly rewritten.
absl::Status GoRoundTrip(const Json& schema, Json& value);

// Removes the null fields of a built-in object that its schema describes (recursively, not
// inside maps or opaque objects): Go decodes null into a field's zero value, so a built-in
// object's `"status": null` or `"currentMetrics": null` is the same as leaving it out, never
// a type error (what the server itself writes for an unset always-written list is null).
void DropNullFields(const Json& schema, Json& value);

// The Go zero value of the type, as encoded: the `always` fields with their zero values
// (structs recursively, null times and lists, 0, false, ""). {} for schemas without markers.
Json GoZeroValue(const Json& schema);

}  // namespace kop::testing::internal

#endif  // KOP_TESTING_INTERNAL_GO_JSON_H_
