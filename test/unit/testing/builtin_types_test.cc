// The built-in type catalog: its notation, what the compiled-in catalog holds, and the
// defaults the server adds beyond schemas.
#include "catch2/catch.hpp"
#include "kop/testing/internal/builtin_types.h"

namespace kop::testing::internal {
namespace {

TEST_CASE("the notation expands into OpenAPI v3 schemas with references and list semantics") {
  absl::StatusOr<TypeCatalog> c = TypeCatalog::Parse(R"(
io.k8s.apimachinery.pkg.apis.meta.v1:
  ObjectMeta:
    fields:
      name: string
example.v1:
  Thing:
    kind: example.com/v1/Thing
    doc: A thing.
    required: [parts]
    fields:
      metadata: ObjectMeta
      parts: {type: "[]Part", merge: name}
      labels: map[string]
      when: time
      count: {type: int32, default: 1}
  Part:
    fields:
      name: string
)");
  REQUIRE(c.ok());
  const Json& thing = c->definitions().at("example.v1.Thing");
  CHECK(thing["description"] == "A thing.");
  CHECK(thing["required"] == Json::array({"parts"}));
  CHECK(thing["properties"]["metadata"]["$ref"] == "#/components/schemas/io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta");
  const Json& parts = thing["properties"]["parts"];
  CHECK(parts["type"] == "array");
  CHECK(parts["items"]["$ref"] == "#/components/schemas/example.v1.Part");
  CHECK(parts["x-kubernetes-patch-merge-key"] == "name");
  CHECK(parts["x-kubernetes-list-type"] == "map");
  CHECK(parts["x-kubernetes-list-map-keys"] == Json::array({"name"}));
  CHECK(thing["properties"]["labels"]["additionalProperties"]["type"] == "string");
  CHECK(thing["properties"]["count"]["default"] == 1);
  CHECK(c->DefinitionOf({"example.com", "v1", "Thing"}) == "example.v1.Thing");

  std::shared_ptr<const Json> inlined = c->InlinedSchema({"example.com", "v1", "Thing"});
  REQUIRE(inlined != nullptr);
  CHECK((*inlined)["properties"]["parts"]["items"]["properties"]["name"]["type"] == "string");
  CHECK((*inlined)["properties"]["when"]["format"] == "date-time");
  CHECK_FALSE(inlined->dump().find("$ref") != std::string::npos);
}

TEST_CASE("a broken catalog is an error naming the type and field") {
  absl::StatusOr<TypeCatalog> unknown = TypeCatalog::Parse(R"(
io.k8s.apimachinery.pkg.apis.meta.v1:
  ObjectMeta: {fields: {name: string}}
p:
  T:
    fields:
      x: Missing
)");
  REQUIRE_FALSE(unknown.ok());
  CHECK(unknown.status().message().find("p.T") != std::string_view::npos);
  CHECK(unknown.status().message().find("unknown type Missing") != std::string_view::npos);
  CHECK_FALSE(TypeCatalog::Parse("[not, a, mapping]").ok());
  absl::StatusOr<TypeCatalog> misplaced = TypeCatalog::Parse(
      "io.k8s.apimachinery.pkg.apis.meta.v1: {ObjectMeta: {fields: {name: string}}}\n"
      "p: {T: {fields: {x: {type: string, merge: name}}}}");
  REQUIRE_FALSE(misplaced.ok());
  CHECK(misplaced.status().message().find("x: list semantics on a non-list") != std::string_view::npos);
  CHECK_FALSE(TypeCatalog::Parse("p: {T: {fields: {x: string}}}").ok());  // no ObjectMeta
}

TEST_CASE("the compiled-in catalog describes every kind the server serves") {
  const TypeCatalog& c = TypeCatalog::Builtin();
  for (const GroupVersionKind& gvk : std::vector<GroupVersionKind>{
           {"", "v1", "ConfigMap"}, {"", "v1", "Secret"}, {"", "v1", "Service"}, {"", "v1", "Pod"},
           {"", "v1", "Namespace"}, {"", "v1", "ServiceAccount"}, {"", "v1", "Event"},
           {"apps", "v1", "Deployment"}, {"apps", "v1", "StatefulSet"}, {"apps", "v1", "DaemonSet"},
           {"apps", "v1", "ReplicaSet"}, {"coordination.k8s.io", "v1", "Lease"},
           {"rbac.authorization.k8s.io", "v1", "Role"}, {"rbac.authorization.k8s.io", "v1", "ClusterRoleBinding"},
           {"events.k8s.io", "v1", "Event"}, {"autoscaling", "v1", "Scale"},
           {"apiextensions.k8s.io", "v1", "CustomResourceDefinition"}}) {
    INFO(gvk.ToString());
    CHECK(c.InlinedSchema(gvk) != nullptr);
  }
  const Json& containers =
      (*c.InlinedSchema({"apps", "v1", "Deployment"}))["properties"]["spec"]["properties"]["template"]["properties"]
                                                      ["spec"]["properties"]["containers"];
  CHECK(containers["x-kubernetes-patch-merge-key"] == "name");
  CHECK(containers["items"]["properties"]["ports"]["x-kubernetes-list-map-keys"] ==
        Json::array({"containerPort", "protocol"}));
}

TEST_CASE("image pull policies default from the tag") {
  for (auto [image, policy] : std::vector<std::pair<std::string, std::string>>{
           {"nginx", "Always"}, {"nginx:latest", "Always"}, {"nginx:1.25", "IfNotPresent"},
           {"registry:5000/team/app", "Always"}, {"registry:5000/team/app:v2", "IfNotPresent"},
           {"app@sha256:abcd", "IfNotPresent"}}) {
    Json pod = {{"spec", {{"containers", {{{"name", "c"}, {"image", image}}}}}}};
    DefaultBuiltinObject({"", "v1", "Pod"}, nullptr, pod);
    INFO(image);
    CHECK(pod["spec"]["containers"][0]["imagePullPolicy"] == policy);
  }
}

TEST_CASE("a Service update keeps allocated node ports it leaves out") {
  Json created = {{"spec", {{"type", "NodePort"}, {"ports", {{{"port", 80}}}}}}};
  DefaultBuiltinObject({"", "v1", "Service"}, nullptr, created);
  const int node_port = created["spec"]["ports"][0]["nodePort"];
  CHECK(node_port >= 30000);
  CHECK(node_port <= 32767);
  Json update = {{"spec", {{"type", "NodePort"}, {"ports", {{{"port", 80}}}}}}};
  DefaultBuiltinObject({"", "v1", "Service"}, &created, update);
  CHECK(update["spec"]["ports"][0]["nodePort"] == node_port);
  CHECK(update["spec"]["clusterIP"] == created["spec"]["clusterIP"]);
}

TEST_CASE("a Service that goes back to ClusterIP loses its node ports and external traffic policy") {
  Json node_port = {{"spec", {{"type", "NodePort"}, {"ports", {{{"port", 80}}}}}}};
  DefaultBuiltinObject({"", "v1", "Service"}, nullptr, node_port);
  REQUIRE(node_port["spec"]["externalTrafficPolicy"] == "Cluster");
  Json back = node_port;  // an update that only changes the type
  back["spec"]["type"] = "ClusterIP";
  DefaultBuiltinObject({"", "v1", "Service"}, &node_port, back);
  CHECK_FALSE(back["spec"].contains("externalTrafficPolicy"));
  CHECK_FALSE(back["spec"]["ports"][0].contains("nodePort"));
  CHECK(back["spec"]["clusterIP"] == node_port["spec"]["clusterIP"]);
}

}  // namespace
}  // namespace kop::testing::internal
