// Field ownership in the embedded API server: server-side apply (merging, removal,
// conflicts) and the Update managers every write records.
#include "catch2/catch.hpp"
#include "kop/testing/internal/apply.h"
#include "kop/testing/internal/builtin_types.h"
#include "kop/testing/internal/go_json.h"

namespace kop::testing::internal {
namespace {

ApplyRequest As(const std::string& manager, bool force = false) {
  return {.manager = manager, .force = force, .now = "2026-01-01T00:00:00Z", .api_version = "v1"};
}

Json Cm(Json data) {
  return {{"apiVersion", "v1"}, {"kind", "ConfigMap"}, {"metadata", {{"name", "x"}}}, {"data", std::move(data)}};
}

const Json* Entry(const Json& obj, const std::string& manager, const std::string& operation) {
  for (const Json& e : obj["metadata"]["managedFields"]) {
    if (e["manager"] == manager && e["operation"] == operation) return &e;
  }
  return nullptr;
}

Json Apply(const Json* live, const Json& config, const ApplyRequest& r, const Json* schema = nullptr) {
  absl::StatusOr<Json> out = ServerSideApply(live, config, r, schema);
  REQUIRE(out.ok());
  return *out;
}

const Json& DeploymentSchema() { return *TypeCatalog::Builtin().InlinedSchema({"apps", "v1", "Deployment"}); }

Json Deployment(Json containers) {
  return {{"apiVersion", "apps/v1"},
          {"kind", "Deployment"},
          {"metadata", {{"name", "web"}}},
          {"spec", {{"template", {{"spec", {{"containers", std::move(containers)}}}}}}}};
}

TEST_CASE("apply records the applied fields in managedFields") {
  const Json r = Apply(nullptr, Cm({{"k", "1"}}), As("a"));
  const Json& mf = r["metadata"]["managedFields"];
  REQUIRE(mf.size() == 1);
  CHECK(mf[0]["manager"] == "a");
  CHECK(mf[0]["operation"] == "Apply");
  CHECK(mf[0]["fieldsType"] == "FieldsV1");
  CHECK(mf[0]["fieldsV1"] == Json::parse(R"({"f:data": {"f:k": {}}})"));
  CHECK(r["data"]["k"] == "1");
  CHECK(r["metadata"]["name"] == "x");
}

TEST_CASE("a field dropped by its only owner goes and one another manager owns stays") {
  Json live = Apply(nullptr, Cm({{"mine", "1"}, {"shared", "s"}}), As("a"));
  live = Apply(&live, Cm({{"shared", "s"}}), As("b"));
  const Json next = Apply(&live, Cm(Json::object()), As("a"));
  CHECK_FALSE(next["data"].contains("mine"));
  CHECK(next["data"]["shared"] == "s");  // b still applies it
}

TEST_CASE("changing another manager's field conflicts unless forced and forcing takes it over") {
  const Json live = Apply(nullptr, Cm({{"k", "1"}}), As("a"));
  absl::StatusOr<Json> conflict = ServerSideApply(&live, Cm({{"k", "2"}}), As("b"), nullptr);
  REQUIRE(conflict.status().code() == absl::StatusCode::kAborted);
  CHECK(conflict.status().message().find("conflict with \"a\": .data.k") != std::string_view::npos);
  const Json taken = Apply(&live, Cm({{"k", "2"}}), As("b", true));
  CHECK(taken["data"]["k"] == "2");
  for (const Json& e : taken["metadata"]["managedFields"]) CHECK(e["manager"] == "b");  // a owned nothing else
}

TEST_CASE("an associative list merges by key and each manager owns its own elements") {
  const Json& schema = DeploymentSchema();
  Json live = Apply(nullptr, Deployment({{{"name", "app"}, {"image", "nginx:1"}}}), As("a"), &schema);
  live = Apply(&live, Deployment({{{"name", "sidecar"}, {"image", "proxy:1"}}}), As("b"), &schema);
  const Json& containers = live["spec"]["template"]["spec"]["containers"];
  REQUIRE(containers.size() == 2);
  CHECK(containers[0]["name"] == "app");
  CHECK(containers[1]["name"] == "sidecar");
  const Json* b = Entry(live, "b", "Apply");
  REQUIRE(b != nullptr);
  CHECK((*b)["fieldsV1"]["f:spec"]["f:template"]["f:spec"]["f:containers"].contains(R"(k:{"name":"sidecar"})"));
  CHECK((*b)["fieldsV1"]["f:spec"]["f:template"]["f:spec"]["f:containers"][R"(k:{"name":"sidecar"})"].contains("."));

  // b stops applying its container: it goes; a's stays.
  live = Apply(&live, Deployment(Json::array()), As("b"), &schema);
  REQUIRE(live["spec"]["template"]["spec"]["containers"].size() == 1);
  CHECK(live["spec"]["template"]["spec"]["containers"][0]["name"] == "app");

  // Changing a's container's image is a conflict for b; its own new field is not.
  absl::StatusOr<Json> conflict = ServerSideApply(
      &live, Deployment({{{"name", "app"}, {"image", "nginx:2"}}}), As("b"), &schema);
  CHECK(conflict.status().code() == absl::StatusCode::kAborted);
  const Json added = Apply(&live, Deployment({{{"name", "app"}, {"imagePullPolicy", "Always"}}}), As("b"), &schema);
  CHECK(added["spec"]["template"]["spec"]["containers"][0]["image"] == "nginx:1");
  CHECK(added["spec"]["template"]["spec"]["containers"][0]["imagePullPolicy"] == "Always");
}

TEST_CASE("a custom resource's x-kubernetes-list-map-keys key its lists") {
  const Json schema = Json::parse(R"({"type": "object", "properties": {"spec": {"type": "object", "properties": {
      "routes": {"type": "array", "x-kubernetes-list-type": "map", "x-kubernetes-list-map-keys": ["host", "port"],
                 "items": {"type": "object"}}}}}})");
  auto cr = [](Json routes) {
    return Json{{"apiVersion", "example.com/v1"}, {"kind", "Router"}, {"metadata", {{"name", "r"}}},
                {"spec", {{"routes", std::move(routes)}}}};
  };
  Json live = Apply(nullptr, cr({{{"host", "a"}, {"port", 80}, {"to", "x"}}}), As("a"), &schema);
  live = Apply(&live, cr({{{"host", "a"}, {"port", 443}, {"to", "y"}}}), As("b"), &schema);
  CHECK(live["spec"]["routes"].size() == 2);  // same host, another port: another element
  const Json* a = Entry(live, "a", "Apply");
  REQUIRE(a != nullptr);
  CHECK((*a)["fieldsV1"]["f:spec"]["f:routes"].contains(R"(k:{"host":"a","port":80})"));
}

TEST_CASE("a set list is a union of what each manager applies") {
  Json live = Apply(nullptr, Cm({{"k", "v"}}), As("a"));
  Json with = live;
  with["metadata"]["finalizers"] = {"example.com/a"};
  live = Apply(&live, with, As("a"));
  Json other = Cm(Json::object());
  other.erase("data");
  other["metadata"]["finalizers"] = {"example.com/b"};
  live = Apply(&live, other, As("b"));
  CHECK(live["metadata"]["finalizers"] == Json::array({"example.com/a", "example.com/b"}));
  other["metadata"].erase("finalizers");
  live = Apply(&live, other, As("b"));
  CHECK(live["metadata"]["finalizers"] == Json::array({"example.com/a"}));
}

TEST_CASE("an update makes its writer own what it changed and conflicts with a later apply") {
  Json live = Apply(nullptr, Cm({{"a", "1"}, {"b", "2"}}), As("applier"));
  Json updated = live;
  updated["data"]["b"] = "20";
  updated["data"]["c"] = "3";
  TrackUpdate(&live, updated, As("kubectl-edit"), nullptr);
  const Json* edit = Entry(updated, "kubectl-edit", "Update");
  REQUIRE(edit != nullptr);
  CHECK((*edit)["fieldsV1"] == Json::parse(R"({"f:data": {"f:b": {}, "f:c": {}}})"));  // data existed: no "."
  const Json* applier = Entry(updated, "applier", "Apply");
  REQUIRE(applier != nullptr);
  CHECK((*applier)["fieldsV1"] == Json::parse(R"({"f:data": {"f:a": {}}})"));  // b moved to the editor

  absl::StatusOr<Json> conflict = ServerSideApply(&updated, Cm({{"a", "1"}, {"b", "2"}}), As("applier"), nullptr);
  REQUIRE(conflict.status().code() == absl::StatusCode::kAborted);
  // Update managers are named with the version they wrote, as upstream prints them.
  CHECK(conflict.status().message() ==
        "Apply failed with 1 conflict: conflict with \"kubectl-edit\" using v1: .data.b");
}

TEST_CASE("a create is recorded as its creator's update and removed fields leave every owner") {
  Json created = Cm({{"a", "1"}, {"b", "2"}});
  TrackUpdate(nullptr, created, As("creator"), nullptr);
  const Json* c = Entry(created, "creator", "Update");
  REQUIRE(c != nullptr);
  // The map is new too ("."), as a real server records a create.
  CHECK((*c)["fieldsV1"] == Json::parse(R"({"f:data": {".": {}, "f:a": {}, "f:b": {}}})"));
  Json without = created;
  without["data"].erase("b");
  without["metadata"].erase("managedFields");  // most clients send back none
  TrackUpdate(&created, without, As("other"), nullptr);
  const Json* still = Entry(without, "creator", "Update");
  REQUIRE(still != nullptr);
  CHECK((*still)["fieldsV1"] == Json::parse(R"({"f:data": {".": {}, "f:a": {}}})"));
  CHECK(Entry(without, "other", "Update") == nullptr);  // it changed nothing it now owns
}

TEST_CASE("a create records the same fields as an update of an empty object would") {
  // Creates take a shorter path (no field sets); it must agree with the general one.
  Json created = Deployment(Json::array({{{"name", "app"}, {"image", "app:1"}, {"ports", {{{"containerPort", 80}}}}},
                                         {{"name", "sidecar"}, {"image", "proxy:2"}}}));
  created["metadata"]["labels"] = {{"app", "web"}};
  created["metadata"]["finalizers"] = {"kop.example.com/cleanup"};
  created["metadata"]["ownerReferences"] = Json::array(
      {{{"apiVersion", "v1"}, {"kind", "ConfigMap"}, {"name", "o"}, {"uid", "u-1"}, {"controller", true}}});
  created["metadata"]["uid"] = "not-a-field";
  created["status"] = {{"replicas", 1}};
  Json general = created;
  TrackUpdate(nullptr, created, As("creator"), &DeploymentSchema());
  // What a create is compared with: the kind's Go zero value (spec.template.spec is always
  // there, so it is not new; the labels map is).
  Json empty = GoZeroValue(DeploymentSchema());
  REQUIRE(empty["spec"]["template"]["spec"].contains("containers"));
  TrackUpdate(&empty, general, As("creator"), &DeploymentSchema());
  REQUIRE(created["metadata"].contains("managedFields"));
  CHECK(created["metadata"]["managedFields"] == general["metadata"]["managedFields"]);
  const Json* c = Entry(created, "creator", "Update");
  REQUIRE(c != nullptr);
  const Json& f = (*c)["fieldsV1"];
  CHECK(f["f:metadata"]["f:labels"].contains("f:app"));
  CHECK(f["f:metadata"]["f:labels"].contains("."));        // a new map is a field itself
  CHECK(f["f:metadata"]["f:finalizers"].contains("."));    // so is a new set
  CHECK_FALSE(f["f:metadata"].contains("."));              // metadata is always there
  CHECK_FALSE(f["f:spec"].contains("."));
  CHECK_FALSE(f["f:spec"]["f:template"]["f:spec"]["f:containers"].contains("."));  // never omitted
  CHECK(f["f:metadata"]["f:ownerReferences"].contains(R"(k:{"uid":"u-1"})"));
  CHECK_FALSE(f["f:metadata"].contains("f:uid"));
  CHECK(f["f:spec"]["f:template"]["f:spec"]["f:containers"].contains(R"(k:{"name":"sidecar"})"));
  CHECK_FALSE(f.contains("f:status"));  // a main-resource write does not own status

  Json bare = Cm(Json::object());
  bare.erase("data");  // left: apiVersion, kind and a name, all the server's
  TrackUpdate(nullptr, bare, As("creator"), nullptr);
  CHECK_FALSE(bare["metadata"].contains("managedFields"));  // nothing it can own: no entry
}

TEST_CASE("the manager of an update comes from fieldManager or the user agent") {
  CHECK(ManagerOf("kubectl-edit", "kubectl/v1.31.0 (linux/amd64)") == "kubectl-edit");
  CHECK(ManagerOf("", "kubectl/v1.31.0 (linux/amd64) kubernetes/abc") == "kubectl");
  CHECK(ManagerOf("", "") == "unknown");
}

}  // namespace
}  // namespace kop::testing::internal
