// What kube-apiserver stores is not what it was sent: built-in objects go through their Go types
// (empty maps dropped, quantities canonical, always-encoded fields present), defaulting and
// admission add fields, and metadata and updates are validated. Operators that compare what
// they want with what they read depend on each of these. Runs against the embedded server, or
// a real cluster with KOP_TEST_KUBECONFIG (every check here is kube-apiserver's own behaviour).
#include "catch2/catch.hpp"
#include "support/cluster.h"

namespace kop::test {
namespace {

Json Pod(const std::string& name, Json resources) {
  return {{"apiVersion", "v1"},
          {"kind", "Pod"},
          {"metadata", {{"name", name}}},
          {"spec", {{"automountServiceAccountToken", false},
                    {"containers", {{{"name", "main"}, {"image", "busybox:1.36"}, {"resources", std::move(resources)}}}}}}};
}

TEST_CASE("empty maps and lists are dropped from built-in objects, as their Go types drop them") {
  TestCluster c;
  HttpReply r = c.http().Post(CorePath(c.ns(), "configmaps"),
                              {{"apiVersion", "v1"}, {"kind", "ConfigMap"},
                               {"metadata", {{"name", "blank"}, {"labels", Json::object()}, {"finalizers", Json::array()}}},
                               {"data", Json::object()}});
  REQUIRE(r.code == 201);
  const Json got = c.http().Get(CorePath(c.ns(), "configmaps", "blank")).json();
  CHECK_FALSE(got.contains("data"));
  CHECK_FALSE(got["metadata"].contains("labels"));
  CHECK_FALSE(got["metadata"].contains("finalizers"));
  // kind and apiVersion may be left out of a built-in object's body: the URL says them.
  REQUIRE(c.http().Post(CorePath(c.ns(), "configmaps"), {{"metadata", {{"name", "kindless"}}}}).code == 201);
}

TEST_CASE("resource quantities are stored in canonical form and bad ones are refused") {
  TestCluster c;
  HttpReply r = c.http().Post(CorePath(c.ns(), "pods"),
                              Pod("q", {{"limits", {{"cpu", "2000m"}, {"memory", "0.5Gi"}}}}));
  INFO(r.body);
  REQUIRE(r.code == 201);
  const Json resources = r.json()["spec"]["containers"][0]["resources"];
  CHECK(resources["limits"]["cpu"] == "2");
  CHECK(resources["limits"]["memory"] == "512Mi");
  // Requests default to the limits.
  CHECK(resources["requests"] == resources["limits"]);
  CHECK(r.json()["status"]["qosClass"] == "Guaranteed");
  CHECK(r.json()["status"]["phase"] == "Pending");

  HttpReply bad = c.http().Post(CorePath(c.ns(), "pods"), Pod("bad", {{"limits", {{"memory", "12GB"}}}}));
  CHECK(bad.code == 400);
  CHECK(bad.json().value("message", "").find("quantities must match the regular expression") != std::string::npos);
}

TEST_CASE("a pod's spec is immutable but for images and a shorter deadline") {
  TestCluster c;
  Json pod = Pod("immutable", Json::object());
  pod["spec"]["activeDeadlineSeconds"] = 600;
  REQUIRE(c.http().Post(CorePath(c.ns(), "pods"), pod).code == 201);
  const std::string path = CorePath(c.ns(), "pods", "immutable");
  CHECK(c.http().Patch(path, "application/strategic-merge-patch+json",
                       R"({"spec":{"containers":[{"name":"main","image":"busybox:1.37"}]}})").code == 200);
  CHECK(c.http().Patch(path, "application/merge-patch+json", R"({"spec":{"activeDeadlineSeconds":300}})").code == 200);
  HttpReply longer = c.http().Patch(path, "application/merge-patch+json", R"({"spec":{"activeDeadlineSeconds":900}})");
  CHECK(longer.code == 422);
  CHECK(longer.json()["details"]["causes"][0].value("field", "") == "spec.activeDeadlineSeconds");
  HttpReply node = c.http().Patch(path, "application/merge-patch+json", R"({"spec":{"nodeName":"elsewhere"}})");
  CHECK(node.code == 422);
  CHECK(node.json()["details"]["causes"][0].value("field", "") == "spec");
  CHECK(node.json()["details"]["causes"][0].value("reason", "") == "FieldValueForbidden");
}

TEST_CASE("a namespace carries its name as a label") {
  TestCluster c;
  const std::string name = c.NewNamespace();
  const Json ns = c.http().Get("/api/v1/namespaces/" + name).json();
  CHECK(ns["metadata"]["labels"]["kubernetes.io/metadata.name"] == name);
}

TEST_CASE("metadata is validated: finalizer names, owner references, annotation size") {
  TestCluster c;
  auto create = [&](Json metadata) {
    return c.http().Post(CorePath(c.ns(), "configmaps"), {{"apiVersion", "v1"}, {"kind", "ConfigMap"}, {"metadata", metadata}});
  };
  HttpReply unqualified = create({{"name", "f1"}, {"finalizers", {"cleanup"}}});
  CHECK(unqualified.code == 422);
  CHECK(unqualified.json()["details"]["causes"][0].value("field", "") == "metadata.finalizers[0]");
  CHECK(create({{"name", "f2"}, {"finalizers", {"example.com/cleanup"}}}).code == 201);
  const Json no_uid_ref = {{"apiVersion", "v1"}, {"kind", "ConfigMap"}, {"name", "x"}};
  HttpReply no_uid = create({{"name", "o1"}, {"ownerReferences", Json::array({no_uid_ref})}});
  CHECK(no_uid.code == 422);
  CHECK(no_uid.json()["details"]["causes"][0].value("field", "") == "metadata.ownerReferences.uid");
  const Json annotations = {{"a", std::string(200000, 'y')}, {"b", std::string(200000, 'y')}};
  HttpReply big = create({{"name", "a1"}, {"annotations", annotations}});
  CHECK(big.code == 422);
  CHECK(big.json()["details"]["causes"][0].value("reason", "") == "FieldValueTooLong");
}

TEST_CASE("deleting an object with finalizers bumps its generation, and no finalizer may be added then") {
  TestCluster c;
  const Json container = {{"name", "main"}, {"image", "busybox:1.36"}};
  const Json labels = {{"app", "held"}};
  Json d = {{"apiVersion", "apps/v1"}, {"kind", "Deployment"}};
  d["metadata"] = {{"name", "held"}, {"finalizers", Json::array({"example.com/hold"})}};
  d["spec"]["selector"]["matchLabels"] = labels;
  d["spec"]["template"]["metadata"]["labels"] = labels;
  d["spec"]["template"]["spec"]["containers"] = Json::array({container});
  REQUIRE(c.http().Post(AppsPath(c.ns(), "deployments"), d).code == 201);
  const std::string path = AppsPath(c.ns(), "deployments", "held");
  HttpReply deleted = c.http().Delete(path);
  REQUIRE(deleted.code == 200);
  CHECK(deleted.json()["metadata"]["generation"] == 2);
  HttpReply added = c.http().Patch(path, "application/merge-patch+json",
                                   R"({"metadata":{"finalizers":["example.com/hold","example.com/more"]}})");
  CHECK(added.code == 422);
  CHECK(added.json()["details"]["causes"][0].value("reason", "") == "FieldValueForbidden");
  // Releasing the last finalizer deletes it; the answer is the object as last written.
  HttpReply released = c.http().Patch(path, "application/json-patch+json", R"([{"op":"remove","path":"/metadata/finalizers"}])");
  CHECK(released.code == 200);
  CHECK_FALSE(released.json()["metadata"].contains("finalizers"));
  CHECK(c.http().Get(path).code == 404);
}

}  // namespace
}  // namespace kop::test
