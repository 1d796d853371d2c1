// API server conformance: custom resources validated, defaulted and pruned by their CRD's
// structural schema, and owner-based garbage collection. Passes against a real
// kube-apiserver (KOP_TEST_KUBECONFIG) as against the embedded one.
#include "catch2/catch.hpp"
#include "integration/conformance_helpers.h"
#include "support/cluster.h"
#include "support/wait.h"

namespace kop::test {
namespace {

using std::chrono::seconds;

const Json kGadgetSchema = Json::parse(R"({
  "type": "object",
  "properties": {
    "spec": {
      "type": "object",
      "required": ["image"],
      "properties": {
        "image": {"type": "string", "minLength": 1},
        "replicas": {"type": "integer", "minimum": 0, "maximum": 100, "default": 1},
        "serviceType": {"type": "string", "enum": ["ClusterIP", "NodePort", "LoadBalancer"]},
        "env": {"type": "array", "items": {"type": "object", "required": ["name"],
                "properties": {"name": {"type": "string"}, "value": {"type": "string"}}}},
        "config": {"type": "object", "additionalProperties": {"type": "string"}},
        "extra": {"type": "object", "x-kubernetes-preserve-unknown-fields": true}
      }
    },
    "status": {"type": "object", "properties": {"readyReplicas": {"type": "integer"}}}
  }
})");

Json Gadget(const std::string& group, const std::string& ns, const std::string& name, Json spec) {
  return {{"apiVersion", group + "/v1"},
          {"kind", "Gadget"},
          {"metadata", {{"name", name}, {"namespace", ns}}},
          {"spec", std::move(spec)}};
}

bool HasCause(const HttpReply& r, const std::string& field) {
  for (const Json& c : r.json()["details"].value("causes", Json::array())) {
    if (c.value("field", "") == field) return true;
  }
  return false;
}

TEST_CASE("a CRD's schema rejects invalid custom objects with 422 and field causes") {
  TestCluster c;
  const std::string group = c.InstallCrd("Gadget", "gadgets", true, kGadgetSchema);
  const std::string path = "/apis/" + group + "/v1/namespaces/" + c.ns() + "/gadgets";

  HttpReply r = c.http().Post(path, Gadget(group, c.ns(), "no-image", {{"replicas", 2}}));
  INFO(r.body);
  REQUIRE(r.code == 422);
  REQUIRE(r.json()["reason"] == "Invalid");
  REQUIRE(HasCause(r, "spec.image"));

  r = c.http().Post(path, Gadget(group, c.ns(), "too-many", {{"image", "nginx"}, {"replicas", 500}}));
  REQUIRE(r.code == 422);
  REQUIRE(HasCause(r, "spec.replicas"));
  REQUIRE(r.json()["message"].get<std::string>().find("less than or equal to 100") != std::string::npos);

  r = c.http().Post(path, Gadget(group, c.ns(), "wrong-type", {{"image", "nginx"}, {"replicas", "two"}}));
  REQUIRE(r.code == 422);
  REQUIRE(HasCause(r, "spec.replicas"));

  r = c.http().Post(path, Gadget(group, c.ns(), "bad-enum", {{"image", "nginx"}, {"serviceType", "Magic"}}));
  REQUIRE(r.code == 422);
  REQUIRE(HasCause(r, "spec.serviceType"));
  REQUIRE(r.json()["details"]["causes"][0]["reason"] == "FieldValueNotSupported");

  r = c.http().Post(path, Gadget(group, c.ns(), "bad-env", {{"image", "nginx"}, {"env", {{{"value", "x"}}}}}));
  REQUIRE(r.code == 422);
  REQUIRE(HasCause(r, "spec.env[0].name"));

  r = c.http().Post(path, Gadget(group, c.ns(), "bad-config", {{"image", "nginx"}, {"config", {{"a", 1}}}}));
  REQUIRE(r.code == 422);
  REQUIRE(HasCause(r, "spec.config.a"));

  // Updates are checked the same way.
  r = c.http().Post(path, Gadget(group, c.ns(), "good", {{"image", "nginx"}}));
  REQUIRE(r.code == 201);
  Json good = r.json();
  good["spec"]["replicas"] = -1;
  r = c.http().Put(path + "/good", good);
  REQUIRE(r.code == 422);
  REQUIRE(HasCause(r, "spec.replicas"));
  r = c.http().Patch(path + "/good", "application/merge-patch+json", R"({"spec":{"replicas":101}})");
  REQUIRE(r.code == 422);
}

TEST_CASE("a CRD's schema fills in defaults and prunes unknown fields") {
  TestCluster c;
  const std::string group = c.InstallCrd("Gadget", "gadgets", true, kGadgetSchema);
  const std::string path = "/apis/" + group + "/v1/namespaces/" + c.ns() + "/gadgets";
  Json spec = {{"image", "nginx"}, {"unknownField", true}, {"extra", {{"anything", {{"goes", 1}}}}}};
  HttpReply r = c.http().Post(path, Gadget(group, c.ns(), "defaults", spec));
  INFO(r.body);
  REQUIRE(r.code == 201);
  Json got = c.http().Get(path + "/defaults").json();
  REQUIRE(got["spec"]["replicas"] == 1);
  REQUIRE_FALSE(got["spec"].contains("unknownField"));
  REQUIRE(got["spec"]["extra"]["anything"]["goes"] == 1);
  REQUIRE(got["metadata"]["name"] == "defaults");
}

Json ConfigMap(const std::string& ns, const std::string& name, const Json& owner = nullptr,
               bool controller = true) {
  Json cm = {{"apiVersion", "v1"}, {"kind", "ConfigMap"}, {"metadata", {{"name", name}, {"namespace", ns}}}};
  if (!owner.is_null()) {
    cm["metadata"]["ownerReferences"] = {{{"apiVersion", "v1"},
                                          {"kind", "ConfigMap"},
                                          {"name", owner["metadata"]["name"]},
                                          {"uid", owner["metadata"]["uid"]},
                                          {"controller", controller}}};
  }
  return cm;
}

TEST_CASE("a CRD's schema checks patterns, lengths, item counts, int-or-string, nullable and list types") {
  TestCluster c;
  const Json schema = Json::parse(R"({"type": "object", "properties": {"spec": {"type": "object", "properties": {
      "name": {"type": "string", "pattern": "^[a-z]+$", "maxLength": 8},
      "size": {"x-kubernetes-int-or-string": true},
      "note": {"type": "string", "nullable": true},
      "label": {"type": "string"},
      "tags": {"type": "array", "maxItems": 3, "minItems": 1, "x-kubernetes-list-type": "set", "items": {"type": "string"}},
      "ports": {"type": "array", "x-kubernetes-list-type": "map", "x-kubernetes-list-map-keys": ["port"],
                "items": {"type": "object", "required": ["port"], "properties": {
                  "port": {"type": "integer"}, "name": {"type": "string"}}}}}}}})");
  const std::string group = c.InstallCrd("Gadget", "gadgets", true, schema);
  const std::string path = "/apis/" + group + "/v1/namespaces/" + c.ns() + "/gadgets";
  auto post = [&](const std::string& name, Json spec) { return c.http().Post(path, Gadget(group, c.ns(), name, spec)); };

  HttpReply r = post("ok", {{"name", "abc"}, {"size", "50%"}, {"note", nullptr}, {"label", nullptr}, {"tags", {"a", "b"}},
                            {"ports", {{{"port", 80}}, {{"port", 443}}}}});
  INFO(r.body);
  REQUIRE(r.code == 201);
  CHECK(r.json()["spec"].contains("note"));  // nullable: null kept
  CHECK(r.json()["spec"]["note"].is_null());
  CHECK_FALSE(r.json()["spec"].contains("label"));  // not nullable: the null is dropped
  CHECK(post("int-size", {{"size", 5}}).code == 201);

  r = post("bad-name", {{"name", "ABC"}});
  CHECK(r.code == 422);
  CHECK(HasCause(r, "spec.name"));
  CHECK(HasCause(post("long-name", {{"name", "abcdefghij"}}), "spec.name"));
  CHECK(HasCause(post("bad-size", {{"size", true}}), "spec.size"));
  CHECK(HasCause(post("many-tags", {{"tags", {"a", "b", "c", "d"}}}), "spec.tags"));
  CHECK(HasCause(post("no-tags", {{"tags", Json::array()}}), "spec.tags"));
  r = post("dup-tags", {{"tags", {"a", "a"}}});
  CHECK(r.code == 422);
  CHECK(HasCause(r, "spec.tags[1]"));
  r = post("dup-ports", {{"ports", {{{"port", 80}, {"name", "x"}}, {{"port", 80}, {"name", "y"}}}}});
  CHECK(r.code == 422);
  CHECK(HasCause(r, "spec.ports[1]"));
}

TEST_CASE("hostile sizes are answered, not fatal: deep nesting and long strings under a pattern") {
  TestCluster c;
  const std::string group = c.InstallCrd("Gadget", "gadgets", true, kGadgetSchema);
  const Json pattern_schema = Json::parse(R"({"type": "object", "properties": {"spec": {"type": "object",
      "properties": {"name": {"type": "string", "pattern": "^[a-z]+$"}}}}})");
  const std::string worded = c.InstallCrd("Word", "words", true, pattern_schema);
  const std::string path = "/apis/" + group + "/v1/namespaces/" + c.ns() + "/gadgets";

  // 1,000 levels under a field that keeps unknown fields: stored, read back and patched whole.
  constexpr int kDepth = 1000;
  Json deep = "bottom";
  for (int i = 0; i < kDepth; ++i) deep = Json{{"d", std::move(deep)}};
  HttpReply r = c.http().Post(path, Gadget(group, c.ns(), "deep", {{"image", "nginx"}, {"extra", deep}}));
  INFO(r.body.substr(0, 400));
  REQUIRE(r.code == 201);
  Json got = c.http().Get(path + "/deep").json();
  const Json* at = &got["spec"]["extra"];
  for (int i = 0; i < kDepth; ++i) at = &(*at)["d"];
  CHECK(*at == "bottom");
  Json patch = "patched";
  for (int i = 0; i < kDepth; ++i) patch = Json{{"d", std::move(patch)}};
  r = c.http().Patch(path + "/deep", "application/merge-patch+json",
                     Json{{"spec", {{"extra", std::move(patch)}}}}.dump());
  REQUIRE(r.code == 200);
  got = r.json();
  at = &got["spec"]["extra"];
  for (int i = 0; i < kDepth; ++i) at = &(*at)["d"];
  CHECK(*at == "patched");
  Json applied = "applied";
  for (int i = 0; i < kDepth; ++i) applied = Json{{"d", std::move(applied)}};
  r = c.http().Request("PATCH", path + "/deep?fieldManager=deep-test&force=true", "application/apply-patch+yaml",
                       Gadget(group, c.ns(), "deep", {{"image", "nginx"}, {"extra", std::move(applied)}}).dump());
  REQUIRE(r.code == 200);
  got = r.json();
  at = &got["spec"]["extra"];
  for (int i = 0; i < kDepth; ++i) at = &(*at)["d"];
  CHECK(*at == "applied");

  // A long value under a pattern is judged, however long.
  const std::string words = "/apis/" + worded + "/v1/namespaces/" + c.ns() + "/words";
  Json word = {{"apiVersion", worded + "/v1"}, {"kind", "Word"}, {"metadata", {{"name", "long"}}},
               {"spec", {{"name", std::string(200000, 'a') + "A"}}}};
  r = c.http().Post(words, word);
  CHECK(r.code == 422);
  CHECK(HasCause(r, "spec.name"));
  word["spec"]["name"] = std::string(200000, 'a');
  CHECK(c.http().Post(words, word).code == 201);

  // Names far past their limit are refused by length, not by matching.
  word["metadata"]["name"] = std::string(100000, 'a');
  r = c.http().Post(words, word);
  CHECK(r.code == 422);
  CHECK(HasCause(r, "metadata.name"));
}

TEST_CASE("a body nested deeper than the JSON decoder allows is a 400 [embedded-only]") {
  TestCluster c;
  if (c.embedded() == nullptr) return;
  const std::string group = c.InstallCrd("Gadget", "gadgets", true, kGadgetSchema);
  const std::string path = "/apis/" + group + "/v1/namespaces/" + c.ns() + "/gadgets";
  std::string body = R"({"apiVersion":")" + group + R"(/v1","kind":"Gadget","metadata":{"name":"x"},"spec":)";
  for (int i = 0; i < 10001; ++i) body += "[";
  for (int i = 0; i < 10001; ++i) body += "]";
  body += "}";
  HttpReply r = c.http().Request("POST", path, "application/json", body);
  CHECK(r.code == 400);
  CHECK(r.json()["reason"] == "BadRequest");
  CHECK(r.json()["message"].get<std::string>().find("deeper than 10000") != std::string::npos);
  // The server is still there.
  CHECK(c.http().Get(path).code == 200);
}

TEST_CASE("a CRD with two versions serves both from one storage, each with its own schema") {
  TestCluster c;
  const Json versions = Json::parse(R"([
    {"name": "v1beta1", "served": true, "storage": false,
     "schema": {"openAPIV3Schema": {"type": "object", "properties": {"spec": {"type": "object", "properties": {
       "size": {"type": "integer", "maximum": 10}}}}}}},
    {"name": "v1", "served": true, "storage": true,
     "schema": {"openAPIV3Schema": {"type": "object", "properties": {"spec": {"type": "object", "properties": {
       "size": {"type": "integer"}, "color": {"type": "string"}}}}}}}])");
  const std::string group = c.InstallCrdVersions("Gadget", "gadgets", versions, "v1beta1");
  const std::string beta = "/apis/" + group + "/v1beta1/namespaces/" + c.ns() + "/gadgets";
  const std::string ga = "/apis/" + group + "/v1/namespaces/" + c.ns() + "/gadgets";

  Json obj = {{"apiVersion", group + "/v1beta1"}, {"kind", "Gadget"}, {"metadata", {{"name", "g"}}},
              {"spec", {{"size", 3}}}};
  HttpReply r = c.http().Post(beta, obj);
  INFO(r.body);
  REQUIRE(r.code == 201);
  CHECK(r.json()["apiVersion"] == group + "/v1beta1");
  // The same object through the other version (None conversion: only apiVersion changes).
  r = c.http().Get(ga + "/g");
  REQUIRE(r.code == 200);
  CHECK(r.json()["apiVersion"] == group + "/v1");
  CHECK(r.json()["spec"]["size"] == 3);
  CHECK(c.http().Get(ga).json()["items"].size() == 1);
  // Each version's schema applies to writes through it.
  obj["metadata"]["name"] = "big";
  obj["spec"]["size"] = 20;
  CHECK(c.http().Post(beta, obj).code == 422);
  obj["apiVersion"] = group + "/v1";
  CHECK(c.http().Post(ga, obj).code == 201);

  const Json discovery = c.http().Get("/apis/" + group).json();
  CHECK(discovery["preferredVersion"]["version"] == "v1");
  const Json crd = c.http().Get("/apis/apiextensions.k8s.io/v1/customresourcedefinitions/gadgets." + group).json();
  CHECK(crd["status"]["storedVersions"] == Json::array({"v1"}));
}

TEST_CASE("deleting an owner deletes its dependents, transitively (background propagation)") {
  TestCluster c;
  const std::string path = CorePath(c.ns(), "configmaps");
  Json owner = c.http().Post(path, ConfigMap(c.ns(), "owner")).json();
  Json child = c.http().Post(path, ConfigMap(c.ns(), "child", owner)).json();
  REQUIRE(child["metadata"]["uid"].is_string());
  REQUIRE(c.http().Post(path, ConfigMap(c.ns(), "grandchild", child)).code == 201);
  REQUIRE(c.http().Post(path, ConfigMap(c.ns(), "stranger")).code == 201);
  REQUIRE(c.http().Delete(path + "/owner").code == 200);
  REQUIRE(WaitFor([&] {
    return c.http().Get(path + "/child").code == 404 && c.http().Get(path + "/grandchild").code == 404;
  }, seconds(30)));
  REQUIRE(c.http().Get(path + "/stranger").code == 200);
}

TEST_CASE("a dependent with another live owner survives, without the dangling reference") {
  TestCluster c;
  const std::string path = CorePath(c.ns(), "configmaps");
  Json a = c.http().Post(path, ConfigMap(c.ns(), "owner-a")).json();
  Json b = c.http().Post(path, ConfigMap(c.ns(), "owner-b")).json();
  Json shared = ConfigMap(c.ns(), "shared", a, false);
  shared["metadata"]["ownerReferences"].push_back(ConfigMap(c.ns(), "x", b, false)["metadata"]["ownerReferences"][0]);
  REQUIRE(c.http().Post(path, shared).code == 201);
  REQUIRE(c.http().Delete(path + "/owner-a").code == 200);
  REQUIRE(WaitFor([&] {
    Json got = c.http().Get(path + "/shared").json();
    return got["metadata"].value("ownerReferences", Json::array()).size() == 1;
  }, seconds(30)));
  Json got = c.http().Get(path + "/shared").json();
  REQUIRE(got["metadata"]["ownerReferences"][0]["name"] == "owner-b");
}

TEST_CASE("an object created with an owner that no longer exists is collected") {
  TestCluster c;
  const std::string path = CorePath(c.ns(), "configmaps");
  Json owner = c.http().Post(path, ConfigMap(c.ns(), "short-lived")).json();
  REQUIRE(c.http().Delete(path + "/short-lived").code == 200);
  // Written late, by someone whose cache still had the owner (a controller, typically).
  HttpReply r = c.http().Post(path, ConfigMap(c.ns(), "late-child", owner));
  REQUIRE(r.code == 201);
  REQUIRE(WaitFor([&] { return c.http().Get(path + "/late-child").code == 404; }, seconds(60)));
}

TEST_CASE("propagationPolicy Orphan keeps the dependents and drops their owner reference") {
  TestCluster c;
  const std::string path = CorePath(c.ns(), "configmaps");
  Json owner = c.http().Post(path, ConfigMap(c.ns(), "owner")).json();
  REQUIRE(c.http().Post(path, ConfigMap(c.ns(), "orphan", owner)).code == 201);
  HttpReply r = c.http().Delete(path + "/owner", {{"kind", "DeleteOptions"}, {"apiVersion", "v1"},
                                                  {"propagationPolicy", "Orphan"}});
  INFO(r.body);
  REQUIRE(r.code == 200);
  REQUIRE(WaitFor([&] {
    HttpReply got = c.http().Get(path + "/orphan");
    return got.code == 200 && !got.json()["metadata"].contains("ownerReferences");
  }, seconds(30)));
  HttpReply bad = c.http().Delete(path + "/orphan", {{"kind", "DeleteOptions"}, {"apiVersion", "v1"},
                                                    {"propagationPolicy", "Sometimes"}});
  REQUIRE(bad.code == 422);  // invalid DeleteOptions, as kube-apiserver answers
  CHECK(bad.json()["details"].value("kind", "") == "DeleteOptions");
  CHECK(bad.json()["details"]["causes"][0].value("reason", "") == "FieldValueNotSupported");
}

TEST_CASE("propagationPolicy Foreground keeps the owner until the dependents blocking it are gone") {
  TestCluster c;
  const std::string path = CorePath(c.ns(), "configmaps");
  Json owner = c.http().Post(path, ConfigMap(c.ns(), "owner")).json();
  Json held = ConfigMap(c.ns(), "held", owner);
  held["metadata"]["ownerReferences"][0]["blockOwnerDeletion"] = true;
  held["metadata"]["finalizers"] = {"example.com/hold"};
  REQUIRE(c.http().Post(path, held).code == 201);
  REQUIRE(c.http().Post(path, ConfigMap(c.ns(), "loose", owner)).code == 201);

  HttpReply r = c.http().Delete(path + "/owner", {{"kind", "DeleteOptions"}, {"apiVersion", "v1"},
                                                  {"propagationPolicy", "Foreground"}});
  INFO(r.body);
  REQUIRE(r.code == 200);
  // The owner waits, marked; its dependents are being deleted.
  Json got = c.http().Get(path + "/owner").json();
  CHECK(got["metadata"].contains("deletionTimestamp"));
  CHECK(got["metadata"]["finalizers"] == Json::array({"foregroundDeletion"}));
  REQUIRE(WaitFor([&] { return c.http().Get(path + "/loose").code == 404; }, seconds(30)));
  REQUIRE(WaitFor([&] { return c.http().Get(path + "/held").json()["metadata"].contains("deletionTimestamp"); },
                  seconds(30)));
  CHECK(c.http().Get(path + "/owner").code == 200);  // still blocked by "held"

  // The blocking dependent goes once its own finalizer is removed; then the owner goes.
  REQUIRE(c.http().Patch(path + "/held", "application/merge-patch+json", R"({"metadata":{"finalizers":null}})").code == 200);
  REQUIRE(WaitFor([&] { return c.http().Get(path + "/held").code == 404; }, seconds(30)));
  REQUIRE(WaitFor([&] { return c.http().Get(path + "/owner").code == 404; }, seconds(30)));
}

TEST_CASE("without a garbage collector dependents stay and foreground owners keep their finalizer [embedded-only]") {
  TestCluster c({.garbage_collector = false});
  if (c.embedded() == nullptr) return;  // a real cluster always has its collector
  const std::string path = CorePath(c.ns(), "configmaps");
  Json owner = c.http().Post(path, ConfigMap(c.ns(), "owner")).json();
  REQUIRE(c.http().Post(path, ConfigMap(c.ns(), "child", owner)).code == 201);
  REQUIRE(c.http().Delete(path + "/owner", {{"kind", "DeleteOptions"}, {"apiVersion", "v1"},
                                            {"propagationPolicy", "Foreground"}}).code == 200);
  Json got = c.http().Get(path + "/owner").json();
  CHECK(got["metadata"]["finalizers"] == Json::array({"foregroundDeletion"}));
  CHECK(c.http().Get(path + "/child").code == 200);
  // Background deletion removes the owner alone.
  Json other = c.http().Post(path, ConfigMap(c.ns(), "other")).json();
  REQUIRE(c.http().Post(path, ConfigMap(c.ns(), "other-child", other)).code == 201);
  REQUIRE(c.http().Delete(path + "/other").code == 200);
  CHECK(c.http().Get(path + "/other").code == 404);
  CHECK(c.http().Get(path + "/other-child").code == 200);
}

}  // namespace
}  // namespace kop::test
