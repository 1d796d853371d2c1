// API server conformance for built-in kinds: the defaults the server fills in, the
// validation it applies, unknown-field handling (fieldValidation), strategic merge patch and
// the scale subresource. Passes against a real kube-apiserver (KOP_TEST_KUBECONFIG) as
// against the embedded one.
#include "catch2/catch.hpp"
#include "integration/conformance_helpers.h"
#include "support/cluster.h"

namespace kop::test {
namespace {

constexpr char kStrategic[] = "application/strategic-merge-patch+json";

Json TwoContainerDeployment(const std::string& name) {
  Json d = DeploymentJson(name, 2);
  d["spec"]["template"]["spec"]["containers"] = Json::parse(R"([
    {"name": "app", "image": "nginx:1.25", "ports": [{"containerPort": 80}],
     "env": [{"name": "A", "value": "1"}, {"name": "B", "value": "2"}]},
    {"name": "sidecar", "image": "busybox:latest"}])");
  return d;
}

TEST_CASE("a Deployment gets upstream's defaults for strategy, pod template and containers") {
  TestCluster c;
  HttpReply r = c.http().Post(AppsPath(c.ns(), "deployments"), TwoContainerDeployment("defaults"));
  INFO(r.body);
  REQUIRE(r.code == 201);
  const Json d = r.json();
  CHECK(d["spec"]["strategy"] == Json::parse(R"({"type": "RollingUpdate",
        "rollingUpdate": {"maxUnavailable": "25%", "maxSurge": "25%"}})"));
  CHECK(d["spec"]["revisionHistoryLimit"] == 10);
  CHECK(d["spec"]["progressDeadlineSeconds"] == 600);
  const Json& pod = d["spec"]["template"]["spec"];
  CHECK(pod["restartPolicy"] == "Always");
  CHECK(pod["dnsPolicy"] == "ClusterFirst");
  CHECK(pod["terminationGracePeriodSeconds"] == 30);
  CHECK(pod["schedulerName"] == "default-scheduler");
  CHECK(pod["securityContext"] == Json::object());
  const Json& app = pod["containers"][0];
  CHECK(app["imagePullPolicy"] == "IfNotPresent");
  CHECK(app["terminationMessagePath"] == "/dev/termination-log");
  CHECK(app["terminationMessagePolicy"] == "File");
  CHECK(app["resources"] == Json::object());
  CHECK(app["ports"][0]["protocol"] == "TCP");
  CHECK(pod["containers"][1]["imagePullPolicy"] == "Always");  // :latest
}

TEST_CASE("a Service gets a cluster IP and target ports, and keeps its IP when an update leaves it out") {
  TestCluster c;
  const Json svc = {{"apiVersion", "v1"},
                    {"kind", "Service"},
                    {"metadata", {{"name", "web"}}},
                    {"spec", {{"selector", {{"app", "web"}}}, {"ports", {{{"port", 80}}}}}}};
  HttpReply r = c.http().Post(CorePath(c.ns(), "services"), svc);
  INFO(r.body);
  REQUIRE(r.code == 201);
  const Json created = r.json();
  const std::string ip = created["spec"]["clusterIP"];
  CHECK_FALSE(ip.empty());
  CHECK(created["spec"]["clusterIPs"] == Json::array({ip}));
  CHECK(created["spec"]["type"] == "ClusterIP");
  CHECK(created["spec"]["sessionAffinity"] == "None");
  CHECK(created["spec"]["ports"][0]["targetPort"] == 80);
  CHECK(created["spec"]["ports"][0]["protocol"] == "TCP");

  Json update = svc;  // what an operator that builds its Service from scratch sends
  update["metadata"]["resourceVersion"] = created["metadata"]["resourceVersion"];
  update["spec"]["ports"][0]["port"] = 8080;
  r = c.http().Put(CorePath(c.ns(), "services", "web"), update);
  INFO(r.body);
  REQUIRE(r.code == 200);
  CHECK(r.json()["spec"]["clusterIP"] == ip);
  CHECK(r.json()["spec"]["ports"][0]["targetPort"] == 8080);

  Json changed = r.json();
  changed["spec"]["clusterIP"] = "10.96.0.77";
  changed["spec"]["clusterIPs"] = {"10.96.0.77"};
  r = c.http().Put(CorePath(c.ns(), "services", "web"), changed);
  CHECK(r.code == 422);
}

TEST_CASE("a Secret's stringData is written into data, base64-encoded, and type defaults to Opaque") {
  TestCluster c;
  HttpReply r = c.http().Post(CorePath(c.ns(), "secrets"),
                              {{"apiVersion", "v1"}, {"kind", "Secret"}, {"metadata", {{"name", "s"}}},
                               {"stringData", {{"password", "hunter2"}}}});
  INFO(r.body);
  REQUIRE(r.code == 201);
  CHECK(r.json()["data"]["password"] == "aHVudGVyMg==");
  CHECK_FALSE(r.json().contains("stringData"));
  CHECK(r.json()["type"] == "Opaque");
  HttpReply bad = c.http().Post(CorePath(c.ns(), "secrets"),
                                {{"apiVersion", "v1"}, {"kind", "Secret"}, {"metadata", {{"name", "b"}}},
                                 {"data", {{"k", "not base64!"}}}});
  CHECK(bad.code == 400);
}

TEST_CASE("a workload whose selector does not match its template is Invalid") {
  TestCluster c;
  Json d = DeploymentJson("mismatch");
  d["spec"]["template"]["metadata"]["labels"]["app"] = "other";
  HttpReply r = c.http().Post(AppsPath(c.ns(), "deployments"), d);
  INFO(r.body);
  REQUIRE(r.code == 422);
  const Json status = r.json();
  CHECK(status["reason"] == "Invalid");
  bool named = false;
  for (const Json& cause : status["details"]["causes"]) named = named || cause["field"] == "spec.template.metadata.labels";
  CHECK(named);
}

TEST_CASE("a Deployment's selector cannot change") {
  TestCluster c;
  Json d = c.http().Post(AppsPath(c.ns(), "deployments"), DeploymentJson("fixed")).json();
  d["spec"]["selector"]["matchLabels"]["tier"] = "x";
  d["spec"]["template"]["metadata"]["labels"]["tier"] = "x";
  HttpReply r = c.http().Put(AppsPath(c.ns(), "deployments", "fixed"), d);
  INFO(r.body);
  REQUIRE(r.code == 422);
  CHECK(r.body.find("field is immutable") != std::string::npos);
}

TEST_CASE("a container without an image is Invalid") {
  TestCluster c;
  Json d = DeploymentJson("no-image");
  d["spec"]["template"]["spec"]["containers"][0].erase("image");
  HttpReply r = c.http().Post(AppsPath(c.ns(), "deployments"), d);
  INFO(r.body);
  REQUIRE(r.code == 422);
  CHECK(r.body.find("spec.template.spec.containers[0].image") != std::string::npos);
}

TEST_CASE("a value of the wrong type in a built-in object is a BadRequest") {
  TestCluster c;
  Json d = DeploymentJson("typed");
  d["spec"]["replicas"] = "three";
  HttpReply r = c.http().Post(AppsPath(c.ns(), "deployments"), d);
  INFO(r.body);
  CHECK(r.code == 400);
}

TEST_CASE("unknown fields: Strict refuses, Warn warns and drops, Ignore drops silently") {
  TestCluster c;
  Json cm = ConfigMapJson("typo", {{"a", "1"}});
  cm["dat"] = {{"b", "2"}};
  HttpReply strict = c.http().Request("POST", CorePath(c.ns(), "configmaps") + "?fieldValidation=Strict",
                                      "application/json", DumpJson(cm));
  INFO(strict.body);
  REQUIRE(strict.code == 400);
  CHECK(strict.body.find("unknown field \\\"dat\\\"") != std::string::npos);

  HttpReply warn = c.http().Request("POST", CorePath(c.ns(), "configmaps") + "?fieldValidation=Warn",
                                    "application/json", DumpJson(cm));
  REQUIRE(warn.code == 201);
  CHECK(warn.headers["warning"].find("unknown field \\\"dat\\\"") != std::string::npos);
  CHECK_FALSE(warn.json().contains("dat"));

  cm["metadata"]["name"] = "ignored";
  HttpReply ignore = c.http().Request("POST", CorePath(c.ns(), "configmaps") + "?fieldValidation=Ignore",
                                      "application/json", DumpJson(cm));
  REQUIRE(ignore.code == 201);
  CHECK_FALSE(ignore.headers.contains("warning"));
  CHECK_FALSE(ignore.json().contains("dat"));

  // Nested, with the path of the field.
  Json d = DeploymentJson("nested");
  d["spec"]["template"]["spec"]["containers"][0]["imagePolicy"] = "x";
  HttpReply nested = c.http().Request("POST", AppsPath(c.ns(), "deployments") + "?fieldValidation=Strict",
                                      "application/json", DumpJson(d));
  INFO(nested.body);
  REQUIRE(nested.code == 400);
  CHECK(nested.body.find("spec.template.spec.containers[0].imagePolicy") != std::string::npos);
}

TEST_CASE("a strategic merge patch merges containers and env by name and honours directives") {
  TestCluster c;
  REQUIRE(c.http().Post(AppsPath(c.ns(), "deployments"), TwoContainerDeployment("smp")).code == 201);
  const std::string path = AppsPath(c.ns(), "deployments", "smp");

  // Change one container's image and one env var; the rest stays.
  HttpReply r = c.http().Patch(path, kStrategic, R"({"spec": {"template": {"spec": {"containers": [
      {"name": "app", "image": "nginx:1.26", "env": [{"name": "B", "value": "20"}]}]}}}})");
  INFO(r.body);
  REQUIRE(r.code == 200);
  Json containers = r.json()["spec"]["template"]["spec"]["containers"];
  REQUIRE(containers.size() == 2);
  CHECK(containers[0]["image"] == "nginx:1.26");
  CHECK(containers[0]["env"] == Json::parse(R"([{"name": "A", "value": "1"}, {"name": "B", "value": "20"}])"));
  CHECK(containers[1]["name"] == "sidecar");

  // $patch: delete removes one element; $setElementOrder orders the rest.
  r = c.http().Patch(path, kStrategic, R"({"spec": {"template": {"spec": {
      "$setElementOrder/containers": [{"name": "sidecar"}, {"name": "app"}],
      "containers": [{"name": "app", "env": [{"name": "A", "$patch": "delete"}]}]}}}})");
  INFO(r.body);
  REQUIRE(r.code == 200);
  containers = r.json()["spec"]["template"]["spec"]["containers"];
  REQUIRE(containers.size() == 2);
  CHECK(containers[0]["name"] == "sidecar");
  CHECK(containers[1]["env"] == Json::parse(R"([{"name": "B", "value": "20"}])"));

  // retainKeys: switching the strategy to Recreate drops rollingUpdate.
  r = c.http().Patch(path, kStrategic,
                     R"({"spec": {"strategy": {"$retainKeys": ["type"], "type": "Recreate"}}})");
  INFO(r.body);
  REQUIRE(r.code == 200);
  CHECK(r.json()["spec"]["strategy"] == Json::parse(R"({"type": "Recreate"})"));

  // A list without a merge strategy (args) is replaced whole.
  r = c.http().Patch(path, kStrategic, R"({"spec": {"template": {"spec": {"containers": [
      {"name": "sidecar", "args": ["a", "b"]}]}}}})");
  REQUIRE(r.code == 200);
  r = c.http().Patch(path, kStrategic, R"({"spec": {"template": {"spec": {"containers": [
      {"name": "sidecar", "args": ["c"]}]}}}})");
  REQUIRE(r.code == 200);
  CHECK(r.json()["spec"]["template"]["spec"]["containers"][0]["args"] == Json::array({"c"}));
}

TEST_CASE("strategic merge patch merges finalizers as a set and deletes from primitive lists") {
  TestCluster c;
  Json cm = ConfigMapJson("fin");
  cm["metadata"]["finalizers"] = {"example.com/a"};
  REQUIRE(c.http().Post(CorePath(c.ns(), "configmaps"), cm).code == 201);
  const std::string path = CorePath(c.ns(), "configmaps", "fin");
  HttpReply r = c.http().Patch(path, kStrategic, R"({"metadata": {"finalizers": ["example.com/b"]}})");
  REQUIRE(r.code == 200);
  CHECK(r.json()["metadata"]["finalizers"] == Json::array({"example.com/a", "example.com/b"}));
  r = c.http().Patch(path, kStrategic,
                     R"({"metadata": {"$deleteFromPrimitiveList/finalizers": ["example.com/a", "example.com/b"]}})");
  REQUIRE(r.code == 200);
  CHECK((!r.json()["metadata"].contains("finalizers") || r.json()["metadata"]["finalizers"].empty()));
}

TEST_CASE("custom resources refuse strategic merge patch with 415") {
  TestCluster c;
  const std::string group = c.InstallCrd("Widget", "widgets");
  const std::string path = "/apis/" + group + "/v1/namespaces/" + c.ns() + "/widgets";
  REQUIRE(c.http().Post(path, {{"apiVersion", group + "/v1"}, {"kind", "Widget"}, {"metadata", {{"name", "w"}}},
                               {"spec", {{"size", 1}}}}).code == 201);
  HttpReply r = c.http().Patch(path + "/w", kStrategic, R"({"spec": {"size": 2}})");
  CHECK(r.code == 415);
  CHECK(r.json()["reason"] == "UnsupportedMediaType");
}

TEST_CASE("the scale subresource reads and writes a Deployment's replicas") {
  TestCluster c;
  REQUIRE(c.http().Post(AppsPath(c.ns(), "deployments"), DeploymentJson("scaled", 2)).code == 201);
  const std::string path = AppsPath(c.ns(), "deployments", "scaled") + "/scale";
  HttpReply r = c.http().Get(path);
  INFO(r.body);
  REQUIRE(r.code == 200);
  Json scale = r.json();
  CHECK(scale["kind"] == "Scale");
  CHECK(scale["apiVersion"] == "autoscaling/v1");
  CHECK(scale["spec"]["replicas"] == 2);
  CHECK(scale["status"]["selector"] == "app=scaled");

  r = c.http().Patch(path, "application/merge-patch+json", R"({"spec": {"replicas": 5}})");
  INFO(r.body);
  REQUIRE(r.code == 200);
  CHECK(r.json()["spec"]["replicas"] == 5);
  CHECK(c.http().Get(AppsPath(c.ns(), "deployments", "scaled")).json()["spec"]["replicas"] == 5);

  scale = c.http().Get(path).json();
  scale["spec"]["replicas"] = 1;
  r = c.http().Put(path, scale);
  REQUIRE(r.code == 200);
  CHECK(c.http().Get(AppsPath(c.ns(), "deployments", "scaled")).json()["spec"]["replicas"] == 1);
  scale["spec"]["replicas"] = 3;  // the resourceVersion is stale now
  CHECK(c.http().Put(path, scale).code == 409);

  Json discovery = c.http().Get("/apis/apps/v1").json();
  bool listed = false;
  for (const Json& res : discovery["resources"]) {
    if (res["name"] == "deployments/scale") {
      listed = true;
      CHECK(res["group"] == "autoscaling");
      CHECK(res["kind"] == "Scale");
    }
  }
  CHECK(listed);
}

}  // namespace
}  // namespace kop::test
