#include "kop/testing/internal/go_json.h"

#include "catch2/catch.hpp"
#include "kop/testing/internal/builtin_types.h"

namespace kop::testing::internal {
namespace {

const Json& SchemaOf(const std::string& group, const std::string& version, const std::string& kind) {
  return *TypeCatalog::Builtin().InlinedSchema({group, version, kind});
}

TEST_CASE("the round trip drops nulls and empty maps and lists as Go's omitempty does") {
  Json cm = Json::parse(R"({"apiVersion": "v1", "kind": "ConfigMap",
      "metadata": {"name": "c", "labels": {}, "annotations": null, "finalizers": []},
      "data": {}, "binaryData": null})");
  REQUIRE(GoRoundTrip(SchemaOf("", "v1", "ConfigMap"), cm).ok());
  // (An unset creationTimestamp is null, as Go writes it; the server sets it on create.)
  CHECK(cm == Json::parse(R"({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "c", "creationTimestamp": null}})"));

  Json kept = Json::parse(R"({"apiVersion": "v1", "kind": "ConfigMap",
      "metadata": {"name": "c", "creationTimestamp": "2026-01-01T00:00:00Z"}, "data": {"k": ""}})");
  const Json before = kept;
  REQUIRE(GoRoundTrip(SchemaOf("", "v1", "ConfigMap"), kept).ok());
  CHECK(kept == before);  // an empty value is a value
}

TEST_CASE("the round trip adds what Go always encodes: structs, null times, counts") {
  Json d = Json::parse(R"({"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "d"},
      "spec": {"selector": {}, "template": {"metadata": {"labels": {"a": "b"}},
                                             "spec": {"containers": [{"name": "c", "image": "i"}]}}}})");
  REQUIRE(GoRoundTrip(SchemaOf("apps", "v1", "Deployment"), d).ok());
  CHECK(d["status"] == Json::object());
  CHECK(d["spec"]["template"]["metadata"].contains("creationTimestamp"));
  CHECK(d["spec"]["template"]["metadata"]["creationTimestamp"].is_null());
  CHECK(d["spec"]["strategy"] == Json::object());
  CHECK(d["spec"]["selector"] == Json::object());  // a pointer to an empty struct stays

  Json pdb = Json::parse(R"({"apiVersion": "policy/v1", "kind": "PodDisruptionBudget", "metadata": {"name": "p"},
      "spec": {}, "status": {}})");
  REQUIRE(GoRoundTrip(SchemaOf("policy", "v1", "PodDisruptionBudget"), pdb).ok());
  CHECK(pdb["status"] == Json::parse(R"({"currentHealthy": 0, "desiredHealthy": 0, "disruptionsAllowed": 0, "expectedPods": 0})"));
}

TEST_CASE("the round trip canonicalises quantities and refuses text that is not one") {
  Json pod = Json::parse(R"({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "p"},
      "spec": {"containers": [{"name": "c", "image": "i",
                               "resources": {"limits": {"cpu": "2000m", "memory": "0.5Gi"},
                                             "requests": {"cpu": 0.25}}}]}})");
  REQUIRE(GoRoundTrip(SchemaOf("", "v1", "Pod"), pod).ok());
  const Json& r = pod["spec"]["containers"][0]["resources"];
  CHECK(r["limits"]["cpu"] == "2");
  CHECK(r["limits"]["memory"] == "512Mi");
  CHECK(r["requests"]["cpu"] == "250m");

  Json bad = Json::parse(R"({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "p"},
      "spec": {"containers": [{"name": "c", "resources": {"limits": {"memory": "12GB"}}}]}})");
  const absl::Status s = GoRoundTrip(SchemaOf("", "v1", "Pod"), bad);
  CHECK(s.code() == absl::StatusCode::kInvalidArgument);
  CHECK(std::string(s.message()).find("quantities must match the regular expression") != std::string::npos);
}

TEST_CASE("the Go zero value of a kind has its always-encoded fields") {
  const Json zero = GoZeroValue(SchemaOf("apps", "v1", "Deployment"));
  CHECK(zero["status"] == Json::object());
  CHECK(zero["spec"]["template"]["spec"]["containers"].is_null());
  CHECK_FALSE(zero["spec"].contains("replicas"));  // a pointer: absent
}

}  // namespace
}  // namespace kop::testing::internal
