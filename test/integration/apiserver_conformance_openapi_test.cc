// API server conformance: the OpenAPI documents kubectl reads (/openapi/v3 for field
// validation support, patch strategies and explain; /openapi/v2 for client-side validation).
// Passes against a real kube-apiserver (KOP_TEST_KUBECONFIG) as against the embedded one.
#include <cstdio>
#include <fstream>

#include "catch2/catch.hpp"
#include "support/cluster.h"
#include "support/wait.h"

namespace kop::test {
namespace {

// The PATCH operation of a path in a v3 group-version document.
const Json* PatchOperation(const Json& doc, const std::string& path) {
  if (!doc["paths"].contains(path)) return nullptr;
  const Json& item = doc["paths"][path];
  return item.contains("patch") ? &item["patch"] : nullptr;
}

bool HasQueryParameter(const Json& op, const std::string& name) {
  for (const Json& p : op["parameters"]) {
    if (p.value("name", "") == name && p.value("in", "") == "query") return true;
  }
  return false;
}

// The schema whose x-kubernetes-group-version-kind names `kind`.
const Json* SchemaOfKind(const Json& doc, const std::string& group, const std::string& kind) {
  for (const auto& [name, schema] : doc["components"]["schemas"].items()) {
    for (const Json& gvk : schema.value("x-kubernetes-group-version-kind", Json::array())) {
      if (gvk.value("group", "") == group && gvk.value("kind", "") == kind) return &schema;
    }
  }
  return nullptr;
}

Json GroupVersionDocument(TestCluster& c, const std::string& key) {
  const Json discovery = c.http().Get("/openapi/v3").json();
  REQUIRE(discovery["paths"].contains(key));
  const std::string url = discovery["paths"][key]["serverRelativeURL"];
  HttpReply r = c.http().Get(url);
  REQUIRE(r.code == 200);
  return r.json();
}

TEST_CASE("/openapi/v3 lists the group-versions and each document says PATCH takes fieldValidation") {
  TestCluster c;
  const Json core = GroupVersionDocument(c, "api/v1");
  const Json* op = PatchOperation(core, "/api/v1/namespaces/{namespace}/configmaps/{name}");
  REQUIRE(op != nullptr);
  CHECK((*op)["x-kubernetes-group-version-kind"] == Json::parse(R"({"group": "", "kind": "ConfigMap", "version": "v1"})"));
  CHECK(HasQueryParameter(*op, "fieldValidation"));
  CHECK((*op)["requestBody"]["content"].contains("application/strategic-merge-patch+json"));
  const Json* cm = SchemaOfKind(core, "", "ConfigMap");
  REQUIRE(cm != nullptr);
  CHECK((*cm)["properties"].contains("data"));

  const Json apps = GroupVersionDocument(c, "apis/apps/v1");
  const Json* pod_spec = nullptr;
  for (const auto& [name, schema] : apps["components"]["schemas"].items()) {
    if (name == "io.k8s.api.core.v1.PodSpec") pod_spec = &schema;
  }
  REQUIRE(pod_spec != nullptr);
  const Json& containers = (*pod_spec)["properties"]["containers"];
  CHECK(containers["x-kubernetes-patch-merge-key"] == "name");
  CHECK(containers["x-kubernetes-patch-strategy"] == "merge");
  CHECK(containers["x-kubernetes-list-type"] == "map");
}

TEST_CASE("a CRD's schema is published in its group-version's document, without strategic merge patch") {
  TestCluster c;
  const Json schema = Json::parse(R"({"type": "object", "properties": {"spec": {"type": "object",
      "description": "What the gadget should be.",
      "properties": {"size": {"type": "integer", "description": "How big."}}}}})");
  const std::string group = c.InstallCrd("Gadget", "gadgets", true, schema);
  const std::string key = "apis/" + group + "/v1";
  Json doc;
  // The document appears once the CRD is served (at once here; a real server takes a moment).
  REQUIRE(WaitFor([&] { return c.http().Get("/openapi/v3").json()["paths"].contains(key); }, std::chrono::seconds(30)));
  doc = GroupVersionDocument(c, key);
  const Json* gadget = SchemaOfKind(doc, group, "Gadget");
  REQUIRE(gadget != nullptr);
  CHECK((*gadget)["properties"]["spec"]["properties"]["size"]["type"] == "integer");
  CHECK((*gadget)["properties"]["spec"]["properties"]["size"]["description"] == "How big.");
  const Json* op = PatchOperation(doc, "/apis/" + group + "/v1/namespaces/{namespace}/gadgets/{name}");
  REQUIRE(op != nullptr);
  CHECK(HasQueryParameter(*op, "fieldValidation"));
  CHECK_FALSE((*op)["requestBody"]["content"].contains("application/strategic-merge-patch+json"));
  CHECK((*op)["requestBody"]["content"].contains("application/apply-patch+yaml"));
}

TEST_CASE("/openapi/v2 is Swagger 2.0 as JSON, and protobuf when asked for it") {
  TestCluster c;
  HttpReply r = c.http().Get("/openapi/v2");
  REQUIRE(r.code == 200);
  const Json v2 = r.json();
  CHECK(v2["swagger"] == "2.0");
  REQUIRE(v2["definitions"].contains("io.k8s.api.apps.v1.Deployment"));
  CHECK(v2["definitions"]["io.k8s.api.apps.v1.Deployment"]["x-kubernetes-group-version-kind"][0]["kind"] == "Deployment");
  CHECK(v2["paths"].contains("/apis/apps/v1/namespaces/{namespace}/deployments/{name}"));

  HttpReply pb = c.http().Request("GET", "/openapi/v2", "", "",
                                  "application/com.github.proto-openapi.spec.v2@v1.0+protobuf");
  REQUIRE(pb.code == 200);
  CHECK(pb.headers["content-type"].find("protobuf") != std::string::npos);
  // Field 1 (swagger), length-delimited: tag 0x0a, length 3, "2.0".
  REQUIRE(pb.body.size() > 5);
  CHECK(pb.body.substr(0, 5) == std::string("\x0a\x03" "2.0", 5));
}

}  // namespace
}  // namespace kop::test
