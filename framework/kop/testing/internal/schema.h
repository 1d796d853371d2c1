// Structural schemas of CustomResourceDefinitions: defaulting, pruning and validation of
// custom objects, with upstream's field paths and messages.
#ifndef KOP_TESTING_INTERNAL_SCHEMA_H_
#define KOP_TESTING_INTERNAL_SCHEMA_H_

#include <vector>

#include "kop/api/json.h"
#include "kop/testing/internal/errors.h"

namespace kop::testing::internal {

// Applies `schema` (an openAPIV3Schema) to `object` as kube-apiserver does on every write:
// fills in defaults, drops fields the schema does not know (unless it preserves unknown
// fields), then validates what is left. apiVersion, kind and metadata are left alone.
// Returns the violations; empty when the object is valid.
std::vector<FieldCause> ApplySchema(const Json& schema, Json& object);

}  // namespace kop::testing::internal

#endif  // KOP_TESTING_INTERNAL_SCHEMA_H_
