// API server conformance: the alternate representations clients ask for with Accept:
// meta.k8s.io/v1 Table (`kubectl get`) and PartialObjectMetadata (metadata-only informers).
// Passes against a real kube-apiserver (KOP_TEST_KUBECONFIG) as against the embedded one.
#include <ctime>

#include "catch2/catch.hpp"
#include "support/cluster.h"

namespace kop::test {
namespace {

constexpr char kTableAccept[] =
    "application/json;as=Table;v=v1;g=meta.k8s.io,application/json;as=Table;v=v1beta1;g=meta.k8s.io,application/json";

std::vector<std::string> ColumnNames(const Json& table) {
  std::vector<std::string> names;
  for (const Json& c : table["columnDefinitions"]) names.push_back(c["name"]);
  return names;
}

TEST_CASE("a list asked for as a Table has kube's columns and one row per object") {
  TestCluster c;
  const std::string path = CorePath(c.ns(), "configmaps");
  REQUIRE(c.http().Post(path, {{"apiVersion", "v1"}, {"kind", "ConfigMap"},
                               {"metadata", {{"name", "two-keys"}}}, {"data", {{"a", "1"}, {"b", "2"}}}}).code == 201);
  HttpReply r = c.http().Request("GET", path, "", "", kTableAccept);
  INFO(r.body);
  REQUIRE(r.code == 200);
  const Json table = r.json();
  REQUIRE(table["kind"] == "Table");
  REQUIRE(table["apiVersion"] == "meta.k8s.io/v1");
  REQUIRE(ColumnNames(table) == std::vector<std::string>{"Name", "Data", "Age"});
  REQUIRE(table["columnDefinitions"][0]["format"] == "name");
  REQUIRE(table["metadata"]["resourceVersion"].is_string());
  bool found = false;
  for (const Json& row : table["rows"]) {
    if (row["cells"][0] != "two-keys") continue;
    found = true;
    REQUIRE(row["cells"][1] == 2);
    REQUIRE(row["object"]["kind"] == "PartialObjectMetadata");
    REQUIRE(row["object"]["metadata"]["name"] == "two-keys");
  }
  REQUIRE(found);

  // includeObject=Object carries the whole object; a single GET is a one-row Table.
  r = c.http().Request("GET", path + "/two-keys?includeObject=Object", "", "", kTableAccept);
  REQUIRE(r.code == 200);
  REQUIRE(r.json()["kind"] == "Table");
  REQUIRE(r.json()["rows"].size() == 1);
  REQUIRE(r.json()["rows"][0]["object"]["kind"] == "ConfigMap");
  REQUIRE(r.json()["rows"][0]["object"]["data"]["b"] == "2");
  // So does a list's row, whose object (unlike the plain list's items) carries its kind, to be
  // decoded alone (kubectl get --sort-by).
  r = c.http().Request("GET", path + "?includeObject=Object", "", "", kTableAccept);
  REQUIRE(r.code == 200);
  REQUIRE(r.json()["rows"].size() == 1);
  CHECK(r.json()["rows"][0]["object"]["kind"] == "ConfigMap");
  CHECK(r.json()["rows"][0]["object"]["apiVersion"] == "v1");
  CHECK(r.json()["rows"][0]["object"]["metadata"]["name"] == "two-keys");
  // Without the Table media type, the plain list.
  REQUIRE(c.http().Get(path).json()["kind"] == "ConfigMapList");
}

// The one row of `path`'s Table (a single GET).
Json OneRow(const TestCluster& c, const std::string& path, Json* table = nullptr) {
  HttpReply r = c.http().Request("GET", path, "", "", kTableAccept);
  INFO(r.body);
  REQUIRE(r.code == 200);
  Json t = r.json();
  REQUIRE(t["rows"].size() == 1);
  if (table != nullptr) *table = t;
  return t["rows"][0];
}

TEST_CASE("Events print as kubectl get events shows them, the name last") {
  TestCluster c;
  const std::string now = [] {
    char buf[32];
    const std::time_t t = std::time(nullptr);
    std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", std::gmtime(&t));
    return std::string(buf);
  }();
  Json event = {
      {"apiVersion", "v1"},
      {"kind", "Event"},
      {"metadata", {{"name", "web.1"}}},
      {"involvedObject",
       {{"kind", "Deployment"}, {"name", "web"}, {"namespace", c.ns()}, {"apiVersion", "apps/v1"}}},
      {"reason", "ScalingReplicaSet"},
      {"message", "  Scaled up replica set web-1 to 2 "},
      {"type", "Normal"},
      {"source", {{"component", "deployment-controller"}}},
      {"firstTimestamp", now},
      {"lastTimestamp", now},
      {"count", 3}};
  REQUIRE(c.http().Post(CorePath(c.ns(), "events"), event).code == 201);
  Json table;
  Json row = OneRow(c, CorePath(c.ns(), "events", "web.1"), &table);
  CHECK(ColumnNames(table) == std::vector<std::string>{"Last Seen", "Type", "Reason", "Object",
                                                       "Subobject", "Source", "Message",
                                                       "First Seen", "Count", "Name"});
  const Json& cells = row["cells"];
  REQUIRE(cells.size() == 10);
  CHECK(cells[0].is_string());
  CHECK(cells[0] != "<unknown>");
  CHECK(cells[1] == "Normal");
  CHECK(cells[2] == "ScalingReplicaSet");
  CHECK(cells[3] == "deployment/web");
  CHECK(cells[5] == "deployment-controller");
  CHECK(cells[6] == "Scaled up replica set web-1 to 2");
  CHECK(cells[8] == 3);
  CHECK(cells[9] == "web.1");
  CHECK(table["columnDefinitions"][9]["priority"] == 1);
}

TEST_CASE("service accounts, role bindings and workloads have kube's columns") {
  TestCluster c;
  Json table;
  REQUIRE(c.http()
              .Post(CorePath(c.ns(), "serviceaccounts"), {{"apiVersion", "v1"},
                                                          {"kind", "ServiceAccount"},
                                                          {"metadata", {{"name", "builder"}}}})
              .code == 201);
  Json row = OneRow(c, CorePath(c.ns(), "serviceaccounts", "builder"), &table);
  CHECK(ColumnNames(table) == std::vector<std::string>{"Name", "Secrets", "Age"});
  CHECK(row["cells"][1] == 0);

  const std::string rbac =
      "/apis/rbac.authorization.k8s.io/v1/namespaces/" + c.ns() + "/rolebindings";
  REQUIRE(
      c.http()
          .Post(
              rbac,
              {{"apiVersion", "rbac.authorization.k8s.io/v1"},
               {"kind", "RoleBinding"},
               {"metadata", {{"name", "readers"}}},
               {"roleRef",
                {{"apiGroup", "rbac.authorization.k8s.io"}, {"kind", "Role"}, {"name", "reader"}}},
               {"subjects",
                {{{"kind", "ServiceAccount"}, {"name", "builder"}, {"namespace", c.ns()}},
                 {{"kind", "User"},
                  {"name", "alice"},
                  {"apiGroup", "rbac.authorization.k8s.io"}}}}})
          .code == 201);
  row = OneRow(c, rbac + "/readers", &table);
  CHECK(ColumnNames(table) ==
        std::vector<std::string>{"Name", "Role", "Age", "Users", "Groups", "ServiceAccounts"});
  CHECK(row["cells"][1] == "Role/reader");
  CHECK(row["cells"][3] == "alice");
  CHECK(row["cells"][5] == c.ns() + "/builder");  // service accounts print as namespace/name

  Json deployment = {
      {"apiVersion", "apps/v1"},
      {"kind", "Deployment"},
      {"metadata", {{"name", "web"}}},
      {"spec",
       {{"selector", {{"matchLabels", {{"app", "web"}}}}},
        {"template",
         {{"metadata", {{"labels", {{"app", "web"}}}}},
          {"spec", {{"containers", {{{"name", "app"}, {"image", "nginx:1.25"}}}}}}}}}}};
  REQUIRE(c.http().Post(AppsPath(c.ns(), "deployments"), deployment).code == 201);
  row = OneRow(c, AppsPath(c.ns(), "deployments", "web"), &table);
  CHECK(ColumnNames(table) == std::vector<std::string>{"Name", "Ready", "Up-to-date", "Available",
                                                       "Age", "Containers", "Images", "Selector"});
  CHECK(row["cells"][5] == "app");
  CHECK(row["cells"][6] == "nginx:1.25");
  CHECK(row["cells"][7] == "app=web");

  Json daemonset = deployment;
  daemonset["kind"] = "DaemonSet";
  daemonset["metadata"]["name"] = "agent";
  REQUIRE(c.http().Post(AppsPath(c.ns(), "daemonsets"), daemonset).code == 201);
  row = OneRow(c, AppsPath(c.ns(), "daemonsets", "agent"), &table);
  CHECK(ColumnNames(table) == std::vector<std::string>{"Name", "Desired", "Current", "Ready",
                                                       "Up-to-date", "Available", "Node Selector",
                                                       "Age", "Containers", "Images", "Selector"});
  CHECK(row["cells"][6] == "<none>");
  CHECK(row["cells"][10] == "app=web");
}

TEST_CASE("a Table is printed even from a status of unexpected shape") {
  TestCluster c;
  const std::string pods = CorePath(c.ns(), "pods");
  REQUIRE(c.http()
              .Post(pods, {{"apiVersion", "v1"},
                           {"kind", "Pod"},
                           {"metadata", {{"name", "odd"}}},
                           {"spec", {{"containers", {{{"name", "a"}, {"image", "busybox"}}}}}}})
              .code == 201);
  // kube-apiserver refuses this status (422); the embedded server keeps pod statuses as they
  // come, and must still print them rather than fail (or worse) on the next kubectl get.
  HttpReply patched = c.http().Patch(
      pods + "/odd/status", "application/merge-patch+json",
      R"({"status":{"containerStatuses":[{"name":"a","ready":"yes","restartCount":"x"}]}})");
  CHECK((patched.code == 200 || patched.code == 422));
  Json table;
  Json row = OneRow(c, pods + "/odd", &table);
  CHECK(row["cells"][0] == "odd");
  HttpReply list = c.http().Request("GET", pods, "", "", kTableAccept);
  CHECK(list.code == 200);
  CHECK(c.http().Get("/version").code == 200);
}

TEST_CASE("a custom resource's Table has its printer columns") {
  TestCluster c;
  const std::string group = c.InstallCrd("Gadget", "gadgets", true, nullptr,
      Json::parse(R"([{"name": "Image", "type": "string", "jsonPath": ".spec.image"},
                      {"name": "Ready", "type": "string", "jsonPath": ".status.conditions[?(@.type==\"Ready\")].status"},
                      {"name": "Replicas", "type": "integer", "jsonPath": ".spec.replicas"},
                      {"name": "Age", "type": "date", "jsonPath": ".metadata.creationTimestamp"}])"));
  const std::string path = "/apis/" + group + "/v1/namespaces/" + c.ns() + "/gadgets";
  REQUIRE(c.http().Post(path, {{"apiVersion", group + "/v1"}, {"kind", "Gadget"},
                               {"metadata", {{"name", "g1"}}}, {"spec", {{"image", "nginx:1"}, {"replicas", 3}}}})
              .code == 201);
  HttpReply r = c.http().Request("GET", path, "", "", kTableAccept);
  INFO(r.body);
  REQUIRE(r.code == 200);
  const Json table = r.json();
  REQUIRE(ColumnNames(table) == std::vector<std::string>{"Name", "Image", "Ready", "Replicas", "Age"});
  REQUIRE(table["rows"].size() == 1);
  const Json& cells = table["rows"][0]["cells"];
  REQUIRE(cells[0] == "g1");
  REQUIRE(cells[1] == "nginx:1");
  REQUIRE(cells[2].is_null());  // no status yet
  REQUIRE(cells[3] == 3);
  REQUIRE(cells[4].is_string());  // an age such as "0s"
}

constexpr char kMetadataList[] =
    "application/json;as=PartialObjectMetadataList;g=meta.k8s.io;v=v1,application/json";
constexpr char kMetadata[] = "application/json;as=PartialObjectMetadata;g=meta.k8s.io;v=v1,application/json";

TEST_CASE("lists, gets and watches can be metadata only") {
  TestCluster c;
  const std::string path = CorePath(c.ns(), "configmaps");
  REQUIRE(c.http().Post(path, {{"apiVersion", "v1"}, {"kind", "ConfigMap"},
                               {"metadata", {{"name", "m1"}, {"labels", {{"k", "v"}}}}},
                               {"data", {{"big", std::string(4096, 'x')}}}}).code == 201);
  HttpReply list = c.http().Request("GET", path, "", "", kMetadataList);
  INFO(list.body);
  REQUIRE(list.code == 200);
  // The body says what it is; the media type stays plain JSON, as kube-apiserver answers.
  CHECK(list.headers["content-type"].rfind("application/json", 0) == 0);
  const Json l = list.json();
  CHECK(l["kind"] == "PartialObjectMetadataList");
  CHECK(l["apiVersion"] == "meta.k8s.io/v1");
  CHECK(l["metadata"]["resourceVersion"].is_string());
  REQUIRE(l["items"].size() == 1);
  CHECK(l["items"][0]["kind"] == "PartialObjectMetadata");
  CHECK(l["items"][0]["metadata"]["labels"]["k"] == "v");
  CHECK_FALSE(l["items"][0].contains("data"));

  HttpReply get = c.http().Request("GET", path + "/m1", "", "", kMetadata);
  REQUIRE(get.code == 200);
  CHECK(get.json()["kind"] == "PartialObjectMetadata");
  CHECK(get.json()["metadata"]["name"] == "m1");
  CHECK_FALSE(get.json().contains("data"));

  auto w = c.http().Watch(path + "?watch=true&resourceVersion=" + l["metadata"]["resourceVersion"].get<std::string>(),
                          kMetadata);
  REQUIRE(c.http().Patch(path + "/m1", "application/merge-patch+json", R"({"metadata":{"labels":{"k":"w"}}})").code == 200);
  std::optional<Json> event = w->Next(std::chrono::seconds(10));
  REQUIRE(event.has_value());
  CHECK((*event)["type"] == "MODIFIED");
  CHECK((*event)["object"]["kind"] == "PartialObjectMetadata");
  CHECK((*event)["object"]["metadata"]["labels"]["k"] == "w");
  CHECK_FALSE((*event)["object"].contains("data"));
}

}  // namespace
}  // namespace kop::test
