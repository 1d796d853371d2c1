// Structural schemas of CustomResourceDefinitions: defaulting, pruning and validation of
// custom objects, with upstream's field paths and messages.
#ifndef KOP_TESTING_INTERNAL_SCHEMA_H_
#define KOP_TESTING_INTERNAL_SCHEMA_H_

#include <string>
#include <vector>

#include "kop/api/json.h"
#include "kop/testing/internal/errors.h"

namespace kop::testing::internal {

struct SchemaResult {
  std::vector<FieldCause> causes;           // violations; empty when the object is valid
  std::vector<std::string> unknown_fields;  // dropped fields, as "spec.containers[0].foo"
  // Whether a cause is a value of the wrong JSON type (what a typed decoder refuses).
  bool HasTypeErrors() const;
};

// Applies `schema` (an openAPIV3Schema, references inlined) to `object` as kube-apiserver
// does on every write: drops fields the schema does not know (unless it preserves unknown
// fields), fills in defaults, then validates what is left. apiVersion and kind are left
// alone; metadata is pruned by `metadata_schema` when given (ObjectMeta's), otherwise left
// alone.
SchemaResult ApplySchema(const Json& schema, Json& object, const Json* metadata_schema = nullptr);

}  // namespace kop::testing::internal

#endif  // KOP_TESTING_INTERNAL_SCHEMA_H_
