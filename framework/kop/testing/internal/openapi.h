// The OpenAPI documents of the embedded API server, derived from the built-in kinds' schemas
// (builtin_types.yaml) and the schemas of the CustomResourceDefinitions it serves:
//
//   GET /openapi/v3                      which group-versions have a document, and where
//   GET /openapi/v3/api/v1, /openapi/v3/apis/<group>/<version>
//                                        one group-version's paths and schemas (OpenAPI 3.0)
//   GET /openapi/v2                      everything in one Swagger 2.0 document, as JSON, or
//                                        as the gnostic protobuf kubectl asks for
//
// kubectl reads them to decide whether the server validates fields itself
// (fieldValidation on PATCH), to compute `kubectl apply` patches (patch strategies and merge
// keys), and for `kubectl explain`.
#ifndef KOP_TESTING_INTERNAL_OPENAPI_H_
#define KOP_TESTING_INTERNAL_OPENAPI_H_

#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "kop/api/json.h"
#include "kop/testing/internal/registry.h"

namespace kop::testing::internal {

// The Accept value client-go sends for the protobuf /openapi/v2, and the Content-Type of
// the answer.
inline constexpr char kOpenApiV2ProtobufAccept[] = "application/com.github.proto-openapi.spec.v2@v1.0+protobuf";
inline constexpr char kOpenApiV2ProtobufType[] = "application/com.github.proto-openapi.spec.v2.v1.0+protobuf";

// The documents for one set of served resources. Immutable; thread-safe.
class OpenApiDocuments {
 public:
  explicit OpenApiDocuments(std::vector<std::shared_ptr<const ResourceInfo>> resources);

  // GET /openapi/v3: {"paths": {"api/v1": {"serverRelativeURL": "/openapi/v3/api/v1?hash=..."}}}.
  const Json& V3Discovery() const { return v3_discovery_; }
  // The document of "api/v1" or "apis/<group>/<version>"; NotFound when nothing is served
  // there.
  absl::StatusOr<std::string> V3(const std::string& group_version_path) const;
  // The Swagger 2.0 document, as JSON text and as gnostic protobuf bytes.
  const std::string& V2Json() const { return v2_json_; }
  const std::string& V2Protobuf() const { return v2_protobuf_; }

 private:
  Json v3_discovery_;
  std::map<std::string, std::string> v3_;  // by "api/v1", "apis/apps/v1"
  std::string v2_json_;
  std::string v2_protobuf_;
};

// The definition name OpenAPI documents give a custom kind: the group reversed, then the
// version and kind ("example.com", v1, Application -> "com.example.v1.Application").
std::string CustomDefinitionName(const std::string& group, const std::string& version, const std::string& kind);

// A Swagger 2.0 document (JSON) encoded as gnostic's openapi.v2.Document protobuf message.
std::string EncodeOpenApiV2Protobuf(const Json& document);

}  // namespace kop::testing::internal

#endif  // KOP_TESTING_INTERNAL_OPENAPI_H_
