// The API server's write verbs and errors, as a client sees them over HTTP. Runs against the
// embedded server, or a real cluster when KOP_TEST_KUBECONFIG is set.
#include <set>

#include "catch2/catch.hpp"
#include "integration/conformance_helpers.h"
#include "kop/api/yaml.h"
#include "support/cluster.h"

namespace kop::test {
namespace {

TEST_CASE("create sets uid, creationTimestamp and resourceVersion and get returns the object") {
  TestCluster c;
  HttpReply created = c.http().Post(CorePath(c.ns(), "configmaps"), ConfigMapJson("a", {{"k", "v"}}));
  REQUIRE(created.code == 201);
  Json obj = created.json();
  CHECK(obj["kind"] == "ConfigMap");
  CHECK(obj["apiVersion"] == "v1");
  CHECK(obj["metadata"]["namespace"] == c.ns());
  CHECK_FALSE(obj["metadata"]["uid"].get<std::string>().empty());
  CHECK_FALSE(obj["metadata"]["resourceVersion"].get<std::string>().empty());
  CHECK(obj["metadata"]["creationTimestamp"].is_string());
  CHECK_FALSE(obj["metadata"].contains("generation"));  // ConfigMaps have no generation
  HttpReply got = c.http().Get(CorePath(c.ns(), "configmaps", "a"));
  REQUIRE(got.code == 200);
  CHECK(got.json()["data"]["k"] == "v");
  CHECK(got.json()["metadata"]["uid"] == obj["metadata"]["uid"]);
}

TEST_CASE("getting a missing object is a 404 NotFound Status naming it") {
  TestCluster c;
  HttpReply r = c.http().Get(CorePath(c.ns(), "configmaps", "missing"));
  CHECK(r.code == 404);
  Json s = r.json();
  CHECK(s["kind"] == "Status");
  CHECK(s["apiVersion"] == "v1");
  CHECK(s["status"] == "Failure");
  CHECK(s["reason"] == "NotFound");
  CHECK(s["code"] == 404);
  CHECK(s["message"] == "configmaps \"missing\" not found");
  CHECK(s["details"]["name"] == "missing");
  CHECK(s["details"]["kind"] == "configmaps");
}

TEST_CASE("creating an object that exists is a 409 AlreadyExists") {
  TestCluster c;
  REQUIRE(c.http().Post(CorePath(c.ns(), "configmaps"), ConfigMapJson("a")).code == 201);
  HttpReply r = c.http().Post(CorePath(c.ns(), "configmaps"), ConfigMapJson("a"));
  CHECK(r.code == 409);
  CHECK(r.json()["reason"] == "AlreadyExists");
  CHECK(r.json()["message"] == "configmaps \"a\" already exists");
}

TEST_CASE("invalid names and missing names are 422 Invalid with field causes") {
  TestCluster c;
  HttpReply bad = c.http().Post(CorePath(c.ns(), "configmaps"), ConfigMapJson("Not_Valid"));
  CHECK(bad.code == 422);
  Json s = bad.json();
  CHECK(s["reason"] == "Invalid");
  CHECK(s["details"]["kind"] == "ConfigMap");
  REQUIRE(s["details"]["causes"].size() >= 1);
  CHECK(s["details"]["causes"][0]["field"] == "metadata.name");
  CHECK(s["details"]["causes"][0]["reason"] == "FieldValueInvalid");

  Json nameless = ConfigMapJson("x");
  nameless["metadata"].erase("name");
  HttpReply missing = c.http().Post(CorePath(c.ns(), "configmaps"), nameless);
  CHECK(missing.code == 422);
  CHECK(missing.json()["details"]["causes"][0]["reason"] == "FieldValueRequired");
}

TEST_CASE("an unparsable body is a 400 BadRequest") {
  TestCluster c;
  HttpReply r = c.http().Request("POST", CorePath(c.ns(), "configmaps"), "application/json", "{nope");
  CHECK(r.code == 400);
  CHECK(r.json()["kind"] == "Status");
  CHECK(r.json()["reason"] == "BadRequest");
}

TEST_CASE("an apiVersion that does not match the endpoint is rejected") {
  TestCluster c;
  Json cm = ConfigMapJson("a");
  cm["apiVersion"] = "apps/v1";
  HttpReply r = c.http().Post(CorePath(c.ns(), "configmaps"), cm);
  CHECK(r.code == 400);
  CHECK(r.json()["status"] == "Failure");
}

TEST_CASE("creating in a namespace that does not exist is a 404 for the namespace") {
  TestCluster c;
  HttpReply r = c.http().Post(CorePath("no-such-namespace-kop", "configmaps"), ConfigMapJson("a"));
  CHECK(r.code == 404);
  CHECK(r.json()["details"]["kind"] == "namespaces");
  CHECK(r.json()["details"]["name"] == "no-such-namespace-kop");
}

TEST_CASE("generateName creates a unique name from the prefix") {
  TestCluster c;
  Json cm = ConfigMapJson("");
  cm["metadata"].erase("name");
  cm["metadata"]["generateName"] = "gen-";
  HttpReply a = c.http().Post(CorePath(c.ns(), "configmaps"), cm);
  HttpReply b = c.http().Post(CorePath(c.ns(), "configmaps"), cm);
  REQUIRE(a.code == 201);
  REQUIRE(b.code == 201);
  const std::string na = a.json()["metadata"]["name"];
  CHECK(na.rfind("gen-", 0) == 0);
  CHECK(na.size() == 9);
  CHECK(na != b.json()["metadata"]["name"].get<std::string>());
}

TEST_CASE("update with a stale resourceVersion is a 409 Conflict, with the current one it succeeds") {
  TestCluster c;
  Json created = c.http().Post(CorePath(c.ns(), "configmaps"), ConfigMapJson("a", {{"v", "1"}})).json();
  Json first = created;
  first["data"]["v"] = "2";
  HttpReply ok = c.http().Put(CorePath(c.ns(), "configmaps", "a"), first);
  REQUIRE(ok.code == 200);
  CHECK(ok.json()["metadata"]["resourceVersion"] != created["metadata"]["resourceVersion"]);
  Json stale = created;
  stale["data"]["v"] = "3";
  HttpReply conflict = c.http().Put(CorePath(c.ns(), "configmaps", "a"), stale);
  CHECK(conflict.code == 409);
  CHECK(conflict.json()["reason"] == "Conflict");
  CHECK(c.http().Get(CorePath(c.ns(), "configmaps", "a")).json()["data"]["v"] == "2");
}

TEST_CASE("an update whose body names another object is a 400") {
  TestCluster c;
  Json created = c.http().Post(CorePath(c.ns(), "configmaps"), ConfigMapJson("a")).json();
  created["metadata"]["name"] = "b";
  CHECK(c.http().Put(CorePath(c.ns(), "configmaps", "a"), created).code == 400);
}

TEST_CASE("an update that changes nothing keeps the resourceVersion") {
  TestCluster c;
  Json created = c.http().Post(CorePath(c.ns(), "configmaps"), ConfigMapJson("a", {{"k", "v"}})).json();
  HttpReply same = c.http().Put(CorePath(c.ns(), "configmaps", "a"), created);
  REQUIRE(same.code == 200);
  CHECK(same.json()["metadata"]["resourceVersion"] == created["metadata"]["resourceVersion"]);
}

TEST_CASE("generation starts at 1 and moves only when the spec changes") {
  TestCluster c;
  const std::string path = "/apis/apps/v1/namespaces/" + c.ns() + "/deployments";
  Json d = c.http().Post(path, DeploymentJson("web")).json();
  CHECK(d["metadata"]["generation"] == 1);
  d["metadata"]["labels"] = {{"touched", "yes"}};
  d = c.http().Put(path + "/web", d).json();
  CHECK(d["metadata"]["generation"] == 1);
  d["spec"]["replicas"] = 3;
  d = c.http().Put(path + "/web", d).json();
  CHECK(d["metadata"]["generation"] == 2);
}

TEST_CASE("objects, lists and errors answer in YAML when the client prefers it") {
  TestCluster c;
  const std::string base = "/api/v1/namespaces/" + c.ns() + "/configmaps";
  HttpReply created = c.http().Request("POST", base, "application/json",
                                       ConfigMapJson("y", {{"multi", "one\ntwo\n"}, {"num", "42"}}).dump(),
                                       "application/yaml");
  REQUIRE(created.code == 201);
  CHECK(created.headers["content-type"] == "application/yaml");
  // Strings that read as numbers are quoted; multi-line ones are literal blocks.
  CHECK(created.body.find("  multi: |\n    one\n    two\n") != std::string::npos);
  CHECK(created.body.find("  num: \"42\"\n") != std::string::npos);
  auto doc = ParseYaml(created.body);
  REQUIRE(doc.ok());
  CHECK((*doc)["data"]["multi"] == "one\ntwo\n");
  CHECK((*doc)["metadata"]["name"] == "y");

  HttpReply list = c.http().Request("GET", base, "", "", "application/yaml");
  REQUIRE(list.code == 200);
  auto listed = ParseYaml(list.body);
  REQUIRE(listed.ok());
  CHECK((*listed)["kind"] == "ConfigMapList");

  HttpReply missing = c.http().Request("GET", base + "/absent", "", "", "application/yaml");
  CHECK(missing.code == 404);
  CHECK(missing.headers["content-type"] == "application/yaml");
  auto status = ParseYaml(missing.body);
  REQUIRE(status.ok());
  CHECK((*status)["reason"] == "NotFound");

  // q-values order the preference.
  HttpReply json = c.http().Request("GET", base + "/y", "", "", "application/yaml;q=0.5, application/json;q=0.9");
  CHECK(json.headers["content-type"] == "application/json");
  CHECK(json.json()["metadata"]["name"] == "y");
}

TEST_CASE("a Lease may be created by PUT, and its times are decoded as Go decodes MicroTime") {
  TestCluster c;
  const std::string leases = "/apis/coordination.k8s.io/v1/namespaces/" + c.ns() + "/leases";
  Json lease = {{"apiVersion", "coordination.k8s.io/v1"},
                {"kind", "Lease"},
                {"metadata", {{"name", "lock"}}},
                {"spec", {{"holderIdentity", "a"}, {"renewTime", "2025-06-01T10:01:00.123456+02:00"}}}};
  HttpReply created = c.http().Put(leases + "/lock", lease);
  REQUIRE(created.code == 201);  // upstream's Leases allow create on update
  CHECK(created.json()["spec"]["renewTime"] == "2025-06-01T08:01:00.123456Z");  // UTC, six digits

  // A MicroTime needs its six fraction digits.
  lease = created.json();
  lease["spec"]["renewTime"] = "2025-06-01T10:01:00Z";
  HttpReply seconds_only = c.http().Put(leases + "/lock", lease);
  REQUIRE(seconds_only.code == 400);
  CHECK(seconds_only.json()["message"].get<std::string>().find("cannot parse \"Z\" as \".000000\"") != std::string::npos);

  Json zero = {{"apiVersion", "coordination.k8s.io/v1"}, {"kind", "Lease"}, {"metadata", {{"name", "zero"}}},
               {"spec", {{"leaseDurationSeconds", 0}}}};
  HttpReply refused = c.http().Post(leases, zero);
  REQUIRE(refused.code == 422);
  CHECK(refused.json()["details"]["causes"][0]["field"] == "spec.leaseDurationSeconds");

  // A ConfigMap is not created by a PUT.
  CHECK(c.http().Put("/api/v1/namespaces/" + c.ns() + "/configmaps/absent", ConfigMapJson("absent")).code == 404);
}

TEST_CASE("a workload status counting more pods than it has is refused (422)") {
  TestCluster c;
  const std::string path = "/apis/apps/v1/namespaces/" + c.ns() + "/deployments/web";
  Json d = c.http().Post("/apis/apps/v1/namespaces/" + c.ns() + "/deployments", DeploymentJson("web")).json();
  d["status"] = {{"replicas", 1}, {"readyReplicas", 2}, {"availableReplicas", 2}};
  HttpReply r = c.http().Put(path + "/status", d);
  REQUIRE(r.code == 422);
  Json status = r.json();
  CHECK(status["reason"] == "Invalid");
  std::set<std::string> fields;
  for (const Json& cause : status["details"]["causes"]) fields.insert(cause["field"].get<std::string>());
  CHECK(fields.contains("status.readyReplicas"));
  CHECK(fields.contains("status.availableReplicas"));
  CHECK(status["message"].get<std::string>().find("status.readyReplicas: Invalid value: 2: cannot be greater than status.replicas") !=
        std::string::npos);
  d["status"] = {{"replicas", -1}};
  CHECK(c.http().Put(path + "/status", d).code == 422);
  d["status"] = {{"replicas", 2}, {"readyReplicas", 2}, {"availableReplicas", 1}};
  CHECK(c.http().Put(path + "/status", d).code == 200);
}

TEST_CASE("the status subresource writes only status, and the main resource ignores status") {
  TestCluster c;
  const std::string path = "/apis/apps/v1/namespaces/" + c.ns() + "/deployments/web";
  Json d = c.http().Post("/apis/apps/v1/namespaces/" + c.ns() + "/deployments", DeploymentJson("web")).json();
  Json with_status = d;
  with_status["status"] = {{"replicas", 1}, {"readyReplicas", 1}};
  with_status["spec"]["replicas"] = 5;  // ignored by /status
  HttpReply st = c.http().Put(path + "/status", with_status);
  REQUIRE(st.code == 200);
  Json after = st.json();
  CHECK(after["status"]["readyReplicas"] == 1);
  CHECK(after["spec"]["replicas"] == 1);
  CHECK(after["metadata"]["generation"] == 1);

  Json main = after;
  main["status"]["readyReplicas"] = 0;  // ignored by the main resource
  main["spec"]["replicas"] = 2;
  Json updated = c.http().Put(path, main).json();
  CHECK(updated["status"]["readyReplicas"] == 1);
  CHECK(updated["spec"]["replicas"] == 2);
}

TEST_CASE("merge patch and JSON patch change the object, unsupported patch types are 415") {
  TestCluster c;
  c.http().Post(CorePath(c.ns(), "configmaps"), ConfigMapJson("a", {{"x", "1"}, {"y", "2"}}));
  HttpReply merge = c.http().Patch(CorePath(c.ns(), "configmaps", "a"), "application/merge-patch+json",
                                   R"({"data":{"x":"9","y":null}})");
  REQUIRE(merge.code == 200);
  CHECK(merge.json()["data"] == Json({{"x", "9"}}));
  HttpReply json_patch = c.http().Patch(CorePath(c.ns(), "configmaps", "a"),
                                        "application/json-patch+json",
                                        R"([{"op":"add","path":"/data/z","value":"3"}])");
  REQUIRE(json_patch.code == 200);
  CHECK(json_patch.json()["data"]["z"] == "3");
  HttpReply unsupported = c.http().Patch(CorePath(c.ns(), "configmaps", "a"), "text/plain", "x");
  CHECK(unsupported.code == 415);
  CHECK(unsupported.json()["reason"] == "UnsupportedMediaType");
}

TEST_CASE("a patch naming a stale resourceVersion is a 409 Conflict") {
  TestCluster c;
  Json created = c.http().Post(CorePath(c.ns(), "configmaps"), ConfigMapJson("a")).json();
  c.http().Patch(CorePath(c.ns(), "configmaps", "a"), "application/merge-patch+json", R"({"data":{"a":"1"}})");
  const std::string stale = created["metadata"]["resourceVersion"];
  HttpReply r = c.http().Patch(CorePath(c.ns(), "configmaps", "a"), "application/merge-patch+json",
                               R"({"metadata":{"resourceVersion":")" + stale + R"("},"data":{"b":"2"}})");
  CHECK(r.code == 409);
}

TEST_CASE("a patch of a missing object is a 404") {
  TestCluster c;
  HttpReply r = c.http().Patch(CorePath(c.ns(), "configmaps", "nope"), "application/merge-patch+json", "{}");
  CHECK(r.code == 404);
}

TEST_CASE("delete removes the object, a ConfigMap delete answers a Success Status") {
  TestCluster c;
  c.http().Post(CorePath(c.ns(), "configmaps"), ConfigMapJson("a"));
  HttpReply d = c.http().Delete(CorePath(c.ns(), "configmaps", "a"));
  REQUIRE(d.code == 200);
  CHECK(d.json()["kind"] == "Status");
  CHECK(d.json()["status"] == "Success");
  CHECK(c.http().Get(CorePath(c.ns(), "configmaps", "a")).code == 404);
  CHECK(c.http().Delete(CorePath(c.ns(), "configmaps", "a")).code == 404);
}

TEST_CASE("delete with a failing uid precondition is a 409 and keeps the object") {
  TestCluster c;
  c.http().Post(CorePath(c.ns(), "configmaps"), ConfigMapJson("a"));
  HttpReply r = c.http().Delete(CorePath(c.ns(), "configmaps", "a"),
                                {{"kind", "DeleteOptions"}, {"apiVersion", "v1"},
                                 {"preconditions", {{"uid", "00000000-0000-0000-0000-000000000000"}}}});
  CHECK(r.code == 409);
  CHECK(c.http().Get(CorePath(c.ns(), "configmaps", "a")).code == 200);
}

TEST_CASE("finalizers hold a deleted object until the last one is removed") {
  TestCluster c;
  Json cm = ConfigMapJson("a");
  cm["metadata"]["finalizers"] = {"kop.example.com/hold"};
  c.http().Post(CorePath(c.ns(), "configmaps"), cm);
  HttpReply d = c.http().Delete(CorePath(c.ns(), "configmaps", "a"));
  REQUIRE(d.code == 200);
  Json held = c.http().Get(CorePath(c.ns(), "configmaps", "a")).json();
  CHECK(held["metadata"]["deletionTimestamp"].is_string());
  held["metadata"]["finalizers"] = Json::array();
  HttpReply released = c.http().Put(CorePath(c.ns(), "configmaps", "a"), held);
  CHECK(released.code == 200);
  CHECK(c.http().Get(CorePath(c.ns(), "configmaps", "a")).code == 404);
}

TEST_CASE("dryRun=All validates and answers without storing") {
  TestCluster c;
  HttpReply r = c.http().Post(CorePath(c.ns(), "configmaps") + "?dryRun=All", ConfigMapJson("dry"));
  CHECK(r.code == 201);
  CHECK(r.json()["metadata"]["name"] == "dry");
  CHECK(c.http().Get(CorePath(c.ns(), "configmaps", "dry")).code == 404);
  CHECK(c.http().Post(CorePath(c.ns(), "configmaps") + "?dryRun=All", ConfigMapJson("BAD")).code == 422);
}

TEST_CASE("deletecollection deletes the objects its selector matches") {
  TestCluster c;
  c.http().Post(CorePath(c.ns(), "configmaps"), ConfigMapJson("a", {}, {{"team", "x"}}));
  c.http().Post(CorePath(c.ns(), "configmaps"), ConfigMapJson("b", {}, {{"team", "x"}}));
  c.http().Post(CorePath(c.ns(), "configmaps"), ConfigMapJson("keep", {}, {{"team", "y"}}));
  HttpReply r = c.http().Delete(CorePath(c.ns(), "configmaps") + "?labelSelector=team%3Dx");
  CHECK(r.code == 200);
  CHECK(c.http().Get(CorePath(c.ns(), "configmaps", "a")).code == 404);
  CHECK(c.http().Get(CorePath(c.ns(), "configmaps", "b")).code == 404);
  CHECK(c.http().Get(CorePath(c.ns(), "configmaps", "keep")).code == 200);
}

TEST_CASE("custom resources support every verb, with status and generation") {
  TestCluster c;
  const std::string group = c.InstallCrd("Widget", "widgets");
  const std::string base = "/apis/" + group + "/v1/namespaces/" + c.ns() + "/widgets";
  Json w = {{"apiVersion", group + "/v1"}, {"kind", "Widget"}, {"metadata", {{"name", "w"}}},
            {"spec", {{"size", 1}}}, {"status", {{"ignored", true}}}};
  HttpReply created = c.http().Post(base, w);
  REQUIRE(created.code == 201);
  CHECK(created.json()["metadata"]["generation"] == 1);
  CHECK_FALSE(created.json().contains("status"));  // status is written through /status only
  Json obj = created.json();
  obj["status"] = {{"phase", "Ready"}};
  HttpReply st = c.http().Put(base + "/w/status", obj);
  REQUIRE(st.code == 200);
  CHECK(st.json()["status"]["phase"] == "Ready");
  CHECK(st.json()["metadata"]["generation"] == 1);
  HttpReply patched = c.http().Patch(base + "/w", "application/merge-patch+json", R"({"spec":{"size":2}})");
  REQUIRE(patched.code == 200);
  CHECK(patched.json()["metadata"]["generation"] == 2);
  CHECK(patched.json()["status"]["phase"] == "Ready");
  HttpReply list = c.http().Get(base);
  REQUIRE(list.code == 200);
  CHECK(list.json()["kind"] == "WidgetList");
  CHECK(list.json()["items"][0]["kind"] == "Widget");
  CHECK(c.http().Delete(base + "/w").code == 200);
  CHECK(c.http().Get(base + "/w").code == 404);
}

TEST_CASE("a custom resource update without resourceVersion is rejected") {
  TestCluster c;
  const std::string group = c.InstallCrd("Gadget", "gadgets");
  const std::string base = "/apis/" + group + "/v1/namespaces/" + c.ns() + "/gadgets";
  Json g = {{"apiVersion", group + "/v1"}, {"kind", "Gadget"}, {"metadata", {{"name", "g"}}}};
  REQUIRE(c.http().Post(base, g).code == 201);
  HttpReply r = c.http().Put(base + "/g", g);
  CHECK(r.code == 422);
}

TEST_CASE("unknown resources and methods are answered with Status errors") {
  TestCluster c;
  CHECK(c.http().Get("/api/v1/namespaces/default/nonsense").code == 404);
  CHECK(c.http().Get("/apis/no.such.group/v1/things").code == 404);
  HttpReply r = c.http().Request("POST", CorePath(c.ns(), "configmaps", "a"), "application/json", "{}");
  CHECK(r.code == 405);
}

}  // namespace
}  // namespace kop::test
