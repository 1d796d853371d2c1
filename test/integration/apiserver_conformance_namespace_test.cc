// A Namespace's lifecycle: the "kubernetes" finalizer, Terminating while its content goes,
// no new content meanwhile, the finalize subresource, and the namespaces that may not be
// deleted. Runs against the embedded server, or a real cluster with KOP_TEST_KUBECONFIG.
#include <string>

#include "catch2/catch.hpp"
#include "integration/conformance_helpers.h"
#include "support/cluster.h"
#include "support/wait.h"

namespace kop::test {
namespace {

using std::chrono::seconds;

const Json* ConditionOf(const Json& ns, const std::string& type) {
  if (!ns.contains("status") || !ns["status"].contains("conditions")) return nullptr;
  for (const Json& c : ns["status"]["conditions"]) {
    if (c["type"] == type) return &c;
  }
  return nullptr;
}

TEST_CASE("a deleted namespace stays Terminating while its content is held, refuses new content, then goes") {
  TestCluster c;
  const std::string ns = c.NewNamespace();
  const std::string path = "/api/v1/namespaces/" + ns;
  Json held = ConfigMapJson("held");
  held["metadata"]["finalizers"] = {"kop.example.com/hold"};
  REQUIRE(c.http().Post(path + "/configmaps", held).code == 201);
  REQUIRE(c.http().Post(path + "/configmaps", ConfigMapJson("plain")).code == 201);

  HttpReply deleted = c.http().Delete(path);
  REQUIRE(deleted.code == 200);
  Json terminating = deleted.json();
  CHECK(terminating["status"]["phase"] == "Terminating");
  CHECK(terminating["metadata"].contains("deletionTimestamp"));
  CHECK(terminating["spec"]["finalizers"] == Json({"kubernetes"}));

  // No new content in a namespace being deleted: 403 with the NamespaceTerminating cause.
  HttpReply late = c.http().Post(path + "/configmaps", ConfigMapJson("late"));
  REQUIRE(late.code == 403);
  Json refused = late.json();
  CHECK(refused["reason"] == "Forbidden");
  CHECK(refused["message"] == "configmaps \"late\" is forbidden: unable to create new content in namespace " + ns +
                                  " because it is being terminated");
  REQUIRE(refused["details"]["causes"].size() == 1);
  CHECK(refused["details"]["causes"][0]["reason"] == "NamespaceTerminating");
  CHECK(refused["details"]["causes"][0]["field"] == "metadata.namespace");

  // The namespace controller deletes what it can and reports what holds the namespace.
  Json status;
  REQUIRE(WaitFor(
      [&] {
        status = c.http().Get(path).json();
        const Json* f = ConditionOf(status, "NamespaceFinalizersRemaining");
        return f != nullptr && (*f)["status"] == "True";
      },
      seconds(60)));
  CHECK((*ConditionOf(status, "NamespaceFinalizersRemaining"))["message"] ==
        "Some content in the namespace has finalizers remaining: kop.example.com/hold in 1 resource instances");
  CHECK(WaitFor([&] { return c.http().Get(path + "/configmaps/plain").code == 404; }, seconds(60)));
  Json still = c.http().Get(path + "/configmaps/held").json();
  CHECK(still["metadata"].contains("deletionTimestamp"));
  // What exists may still be written.
  CHECK(c.http().Patch(path + "/configmaps/held", "application/merge-patch+json", R"({"data":{"k":"v"}})").code == 200);

  // Releasing the last finalizer lets the namespace go.
  REQUIRE(c.http().Patch(path + "/configmaps/held", "application/merge-patch+json",
                         R"({"metadata":{"finalizers":null}})").code == 200);
  CHECK(WaitFor([&] { return c.http().Get(path).code == 404; }, seconds(90)));
}

TEST_CASE("the system namespaces may not be deleted") {
  TestCluster c;
  for (const char* name : {"default", "kube-system"}) {
    INFO(name);
    HttpReply r = c.http().Request("DELETE", std::string("/api/v1/namespaces/") + name + "?dryRun=All", "", "");
    CHECK(r.code == 403);
    CHECK(r.json()["message"] == std::string("namespaces \"") + name + "\" is forbidden: this namespace may not be deleted");
  }
}

TEST_CASE("spec.finalizers gain kubernetes on create and change only through the finalize subresource") {
  TestCluster c;
  const std::string name = TestCluster::UniqueName("kop-nsf");
  const std::string path = "/api/v1/namespaces/" + name;
  Json ns = {{"apiVersion", "v1"}, {"kind", "Namespace"}, {"metadata", {{"name", name}}},
             {"spec", {{"finalizers", {"kop.example.com/custom"}}}}};
  HttpReply created = c.http().Post("/api/v1/namespaces", ns);
  REQUIRE(created.code == 201);
  CHECK(created.json()["spec"]["finalizers"] == Json({"kop.example.com/custom", "kubernetes"}));
  CHECK(created.json()["status"]["phase"] == "Active");
  CHECK(created.json()["metadata"]["labels"]["kubernetes.io/metadata.name"] == name);

  // A patch of spec.finalizers is ignored.
  HttpReply patched = c.http().Patch(path, "application/merge-patch+json", R"({"spec":{"finalizers":["kubernetes"]}})");
  REQUIRE(patched.code == 200);
  CHECK(patched.json()["spec"]["finalizers"] == Json({"kop.example.com/custom", "kubernetes"}));

  // The status may not claim Terminating while the namespace is not being deleted.
  Json st = created.json();
  st["status"]["phase"] = "Terminating";
  HttpReply bad_status = c.http().Put(path + "/status", st);
  CHECK(bad_status.code == 422);
  CHECK(bad_status.json()["details"]["causes"][0]["field"] == "status.Phase");

  // finalize writes spec.finalizers, and the name must be the URL's.
  Json mismatch = {{"apiVersion", "v1"}, {"kind", "Namespace"}, {"metadata", {{"name", "other"}}}};
  CHECK(c.http().Put(path + "/finalize", mismatch).code == 400);
  Json fin = {{"apiVersion", "v1"}, {"kind", "Namespace"}, {"metadata", {{"name", name}}},
              {"spec", {{"finalizers", {"kubernetes"}}}}};
  HttpReply finalized = c.http().Put(path + "/finalize", fin);
  REQUIRE(finalized.code == 200);
  CHECK(finalized.json()["spec"]["finalizers"] == Json({"kubernetes"}));

  // A finalizer name that is neither standard nor qualified is refused.
  Json bad = {{"apiVersion", "v1"}, {"kind", "Namespace"}, {"metadata", {{"name", name + "-bad"}}},
              {"spec", {{"finalizers", {"bad finalizer"}}}}};
  HttpReply refused = c.http().Post("/api/v1/namespaces", bad);
  CHECK(refused.code == 422);
  CHECK(refused.json()["details"]["causes"].size() == 2);

  REQUIRE(c.http().Delete(path).code == 200);
  CHECK(WaitFor([&] { return c.http().Get(path).code == 404; }, seconds(90)));
}

TEST_CASE("without a garbage collector a deleted namespace stays Terminating until finalized [embedded-only]") {
  TestCluster c({.garbage_collector = false});
  const std::string ns = c.NewNamespace();
  const std::string path = "/api/v1/namespaces/" + ns;
  REQUIRE(c.http().Post(path + "/configmaps", ConfigMapJson("kept")).code == 201);
  REQUIRE(c.http().Delete(path).code == 200);
  CHECK(c.http().Get(path).json()["status"]["phase"] == "Terminating");
  CHECK(c.http().Get(path + "/configmaps/kept").code == 200);  // nothing emptied it
  Json fin = {{"apiVersion", "v1"}, {"kind", "Namespace"}, {"metadata", {{"name", ns}}}, {"spec", Json::object()}};
  REQUIRE(c.http().Put(path + "/finalize", fin).code == 200);
  CHECK(c.http().Get(path).code == 404);
}

}  // namespace
}  // namespace kop::test
