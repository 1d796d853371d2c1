// API server conformance: server-side apply (application/apply-patch+yaml) as kubectl
// apply --server-side and controllers use it. Passes against a real kube-apiserver
// (KOP_TEST_KUBECONFIG) as against the embedded one.
#include "catch2/catch.hpp"
#include "support/cluster.h"

namespace kop::test {
namespace {

HttpReply ApplyConfig(TestCluster& c, const std::string& name, const std::string& yaml,
                      const std::string& manager, bool force = false) {
  std::string path = CorePath(c.ns(), "configmaps", name);
  if (!manager.empty()) path += "?fieldManager=" + manager;
  if (force) path += "&force=true";
  return c.http().Patch(path, "application/apply-patch+yaml", yaml);
}

std::string Config(const std::string& name, const std::string& data) {
  return "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: " + name + "\ndata:\n" + data;
}

TEST_CASE("apply creates, updates, and removes what the manager stops applying") {
  TestCluster c;
  HttpReply r = ApplyConfig(c, "applied", Config("applied", "  a: \"1\"\n  b: \"2\"\n"), "tool-a");
  INFO(r.body);
  REQUIRE(r.code == 201);
  Json got = r.json();
  REQUIRE(got["data"]["a"] == "1");
  bool found = false;
  for (const Json& e : got["metadata"]["managedFields"]) {
    if (e["manager"] == "tool-a" && e["operation"] == "Apply") {
      found = true;
      REQUIRE(e["fieldsV1"]["f:data"].contains("f:a"));
      REQUIRE(e["fieldsType"] == "FieldsV1");
    }
  }
  REQUIRE(found);

  r = ApplyConfig(c, "applied", Config("applied", "  a: \"10\"\n"), "tool-a");
  INFO(r.body);
  REQUIRE(r.code == 200);
  REQUIRE(r.json()["data"]["a"] == "10");
  REQUIRE_FALSE(r.json()["data"].contains("b"));  // no longer applied by its only owner

  // The same configuration again changes nothing.
  const std::string rv = r.json()["metadata"]["resourceVersion"];
  r = ApplyConfig(c, "applied", Config("applied", "  a: \"10\"\n"), "tool-a");
  REQUIRE(r.code == 200);
  REQUIRE(r.json()["data"]["a"] == "10");
}

TEST_CASE("apply conflicts with another manager's field unless forced") {
  TestCluster c;
  REQUIRE(ApplyConfig(c, "shared", Config("shared", "  owner: a\n  a-only: x\n"), "tool-a").code == 201);
  // Same value: shared ownership, no conflict.
  REQUIRE(ApplyConfig(c, "shared", Config("shared", "  owner: a\n"), "tool-b").code == 200);
  HttpReply r = ApplyConfig(c, "shared", Config("shared", "  owner: b\n"), "tool-b");
  INFO(r.body);
  REQUIRE(r.code == 409);
  REQUIRE(r.json()["reason"] == "Conflict");
  REQUIRE(r.json()["message"].get<std::string>().find("conflict with \"tool-a\"") != std::string::npos);
  REQUIRE(r.json()["message"].get<std::string>().find(".data.owner") != std::string::npos);

  r = ApplyConfig(c, "shared", Config("shared", "  owner: b\n"), "tool-b", true);
  REQUIRE(r.code == 200);
  REQUIRE(r.json()["data"]["owner"] == "b");
  REQUIRE(r.json()["data"]["a-only"] == "x");  // untouched: tool-a still owns it
}

TEST_CASE("apply needs a field manager and an object of the URL's kind") {
  TestCluster c;
  HttpReply r = ApplyConfig(c, "x", Config("x", "  a: b\n"), "");
  REQUIRE(r.code == 422);
  REQUIRE(r.json()["message"].get<std::string>().find("fieldManager") != std::string::npos);
  r = ApplyConfig(c, "x", "apiVersion: v1\nkind: Secret\nmetadata: {name: x}\n", "tool");
  REQUIRE(r.code == 400);
  r = ApplyConfig(c, "x", "{not yaml: [", "tool");
  REQUIRE(r.code == 400);
}

std::string DeploymentConfig(const std::string& containers) {
  return "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\nspec:\n  selector:\n    matchLabels: {app: web}\n"
         "  template:\n    metadata:\n      labels: {app: web}\n    spec:\n      containers:\n" + containers;
}

TEST_CASE("apply merges containers by name: each manager keeps its own") {
  TestCluster c;
  const std::string path = AppsPath(c.ns(), "deployments", "web");
  HttpReply r = c.http().Patch(path + "?fieldManager=app-team", "application/apply-patch+yaml",
                               DeploymentConfig("      - {name: app, image: 'nginx:1.25'}\n"));
  INFO(r.body);
  REQUIRE(r.code == 201);
  r = c.http().Patch(path + "?fieldManager=mesh", "application/apply-patch+yaml",
                     DeploymentConfig("      - {name: proxy, image: 'envoy:1.30'}\n"));
  INFO(r.body);
  REQUIRE(r.code == 200);
  Json containers = r.json()["spec"]["template"]["spec"]["containers"];
  REQUIRE(containers.size() == 2);
  CHECK(containers[0]["name"] == "app");
  CHECK(containers[1]["name"] == "proxy");
  // The mesh stops applying its proxy: it goes, the app stays.
  const std::string none = "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\n";
  r = c.http().Patch(path + "?fieldManager=mesh", "application/apply-patch+yaml", none);
  REQUIRE(r.code == 200);
  containers = r.json()["spec"]["template"]["spec"]["containers"];
  REQUIRE(containers.size() == 1);
  CHECK(containers[0]["name"] == "app");
}

TEST_CASE("a field changed by an update conflicts with the applier that set it") {
  TestCluster c;
  REQUIRE(ApplyConfig(c, "cfg", Config("cfg", "  level: info\n"), "operator").code == 201);
  // Someone edits the field with a plain update (kubectl edit, a script, another controller).
  HttpReply r = c.http().Patch(CorePath(c.ns(), "configmaps", "cfg") + "?fieldManager=human",
                               "application/merge-patch+json", R"({"data": {"level": "debug"}})");
  REQUIRE(r.code == 200);
  bool recorded = false;
  const Json patched = r.json();
  for (const Json& e : patched["metadata"]["managedFields"]) {
    if (e["manager"] == "human") {
      recorded = true;
      CHECK(e["operation"] == "Update");
      CHECK(e["fieldsV1"]["f:data"].contains("f:level"));
    }
  }
  CHECK(recorded);
  r = ApplyConfig(c, "cfg", Config("cfg", "  level: info\n"), "operator");
  INFO(r.body);
  REQUIRE(r.code == 409);
  CHECK(r.json()["message"].get<std::string>().find("conflict with \"human\"") != std::string::npos);
  REQUIRE(ApplyConfig(c, "cfg", Config("cfg", "  level: info\n"), "operator", true).code == 200);
}

}  // namespace
}  // namespace kop::test
