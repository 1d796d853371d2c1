// API server conformance: meta.k8s.io/v1 Table output, which `kubectl get` asks for.
// Passes against a real kube-apiserver (KOP_TEST_KUBECONFIG) as against the embedded one.
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
  // Without the Table media type, the plain list.
  REQUIRE(c.http().Get(path).json()["kind"] == "ConfigMapList");
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

}  // namespace
}  // namespace kop::test
