// The schemas of the built-in kinds the embedded API server serves (builtin_types.yaml),
// expanded into OpenAPI v3 schemas: the source of the OpenAPI documents, of defaulting,
// pruning and strict field validation of built-in objects, and of the list semantics that
// strategic merge patch and server-side apply follow.
#ifndef KOP_TESTING_INTERNAL_BUILTIN_TYPES_H_
#define KOP_TESTING_INTERNAL_BUILTIN_TYPES_H_

#include <map>
#include <memory>
#include <string>
#include <string_view>

#include "kop/api/group_version.h"
#include "kop/api/json.h"

namespace kop::testing::internal {

// Immutable once built; thread-safe.
class TypeCatalog {
 public:
  // The built-in catalog, parsed on first use. A broken builtin_types.yaml is a build-time
  // mistake and aborts with a message naming the type.
  static const TypeCatalog& Builtin();

  // Builds a catalog from the notation described at the top of builtin_types.yaml.
  static absl::StatusOr<TypeCatalog> Parse(std::string_view yaml);

  // Every definition, by full name ("io.k8s.api.core.v1.ConfigMap"), as an OpenAPI v3 schema
  // whose references read "#/components/schemas/<name>".
  const std::map<std::string, Json>& definitions() const { return definitions_; }
  // The definition name of a top-level kind; empty when the catalog has none.
  std::string DefinitionOf(const GroupVersionKind& gvk) const;
  // The kind's schema with every reference inlined (null when unknown): what the server
  // applies to objects of that kind.
  std::shared_ptr<const Json> InlinedSchema(const GroupVersionKind& gvk) const;
  // ObjectMeta's schema, inlined.
  const Json& ObjectMetaSchema() const { return *object_meta_; }

  // The names of the definitions `name` refers to, directly or not, itself included.
  std::vector<std::string> Closure(const std::string& name) const;

 private:
  std::map<std::string, Json> definitions_;
  std::map<std::string, std::string> by_gvk_;  // "group/version/Kind" -> definition name
  std::map<std::string, std::shared_ptr<const Json>> inlined_;  // by definition name
  std::shared_ptr<const Json> object_meta_;
};

// The prefix of references in OpenAPI v3 documents.
inline constexpr std::string_view kSchemaRefPrefix = "#/components/schemas/";

// Fills in what kube-apiserver's defaulting functions set on built-in objects beyond plain
// schema defaults (which ApplySchema fills in): rollout strategies, image pull policies,
// a Service's target ports, cluster IP and IP families, a Secret's stringData. `old` is the
// stored object on updates (null on create): a Service keeps the cluster IP and node ports
// it was allocated when an update leaves them out, as upstream does.
void DefaultBuiltinObject(const GroupVersionKind& gvk, const Json* old, Json& object);

// What admission plugins set on a new object after defaulting, outside its creator's managed
// fields: a Pod's priority, preemption policy, service account and default tolerations, and
// its first status (phase Pending, its QoS class); a claim's phase Pending.
void AdmitNewBuiltinObject(const GroupVersionKind& gvk, Json& obj);

}  // namespace kop::testing::internal

#endif  // KOP_TESTING_INTERNAL_BUILTIN_TYPES_H_
