// kop/api/yaml: YAML documents (manifests, kubeconfigs) as JSON.
//
// Kubernetes manifests are YAML; kop works on JSON. Plain scalars are typed as YAML 1.2's core
// schema does (null, true/false, integers, floats; everything else a string); quoted
// scalars are always strings, so `"1"` stays "1" and `version: "1.25"` stays a string.
//
//   KOP_ASSIGN_OR_RETURN(std::vector<kop::Json> docs, kop::ParseYamlDocuments(text));
#ifndef KOP_API_YAML_H_
#define KOP_API_YAML_H_

#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "kop/api/json.h"

namespace kop {

// Every document in a ("---"-separated) YAML stream; empty documents are skipped.
// InvalidArgument with the line and column when the text is not valid YAML.
absl::StatusOr<std::vector<Json>> ParseYamlDocuments(std::string_view text);

// Exactly one document.
absl::StatusOr<Json> ParseYaml(std::string_view text);

// JSON as block-style YAML (for kubectl-like output and written kubeconfigs).
std::string DumpYaml(const Json& j);

}  // namespace kop

#endif  // KOP_API_YAML_H_
