// Strategic merge patch: lists merged by their merge keys, scalar sets, and the directives
// kubectl sends.
#include "catch2/catch.hpp"
#include "kop/testing/internal/strategic_merge.h"

namespace kop::testing::internal {
namespace {

// A schema with one merge list (items by name), one set, one atomic list and one
// retainKeys map.
const Json kSchema = Json::parse(R"({
  "type": "object",
  "properties": {
    "items": {"type": "array", "x-kubernetes-patch-merge-key": "name", "x-kubernetes-patch-strategy": "merge",
              "items": {"type": "object", "properties": {
                "name": {"type": "string"},
                "tags": {"type": "array", "x-kubernetes-patch-strategy": "merge", "items": {"type": "string"}}}}},
    "set": {"type": "array", "x-kubernetes-patch-strategy": "merge", "items": {"type": "string"}},
    "atomic": {"type": "array", "items": {"type": "string"}},
    "strategy": {"type": "object", "x-kubernetes-patch-strategy": "retainKeys",
                 "properties": {"type": {"type": "string"}, "rolling": {"type": "object"}}}
  }})");

Json Patch(const Json& original, const char* patch) {
  absl::StatusOr<Json> r = StrategicMergePatch(original, Json::parse(patch), &kSchema);
  REQUIRE(r.ok());
  return *r;
}

TEST_CASE("maps merge key by key and null deletes a key") {
  const Json out = Patch({{"a", 1}, {"b", {{"c", 2}, {"d", 3}}}}, R"({"b": {"c": 20, "d": null}, "e": 5})");
  CHECK(out == Json::parse(R"({"a": 1, "b": {"c": 20}, "e": 5})"));
}

TEST_CASE("a merge list merges elements by key and appends new ones") {
  const Json original = Json::parse(R"({"items": [{"name": "a", "v": 1}, {"name": "b", "v": 2}]})");
  const Json out = Patch(original, R"({"items": [{"name": "b", "v": 20}, {"name": "c", "v": 3}]})");
  CHECK(out["items"] == Json::parse(R"([{"name": "a", "v": 1}, {"name": "b", "v": 20}, {"name": "c", "v": 3}])"));
}

TEST_CASE("$patch delete removes a list element or a map") {
  const Json original = Json::parse(R"({"items": [{"name": "a"}, {"name": "b"}], "m": {"x": 1}})");
  const Json out = Patch(original, R"({"items": [{"name": "a", "$patch": "delete"}], "m": {"$patch": "delete"}})");
  CHECK(out == Json::parse(R"({"items": [{"name": "b"}]})"));
}

TEST_CASE("$patch replace replaces a map instead of merging into it") {
  const Json out = Patch(Json::parse(R"({"m": {"x": 1, "y": 2}})"), R"({"m": {"$patch": "replace", "z": 3}})");
  CHECK(out["m"] == Json::parse(R"({"z": 3})"));
}

TEST_CASE("$setElementOrder orders a merged list, elements it does not name last") {
  const Json original = Json::parse(R"({"items": [{"name": "a"}, {"name": "b"}, {"name": "server-added"}]})");
  const Json out = Patch(original, R"({"$setElementOrder/items": [{"name": "b"}, {"name": "a"}],
                                      "items": [{"name": "a", "v": 1}]})");
  CHECK(out["items"] == Json::parse(R"([{"name": "b"}, {"name": "a", "v": 1}, {"name": "server-added"}])"));
  // An order alone, without changes to the list, reorders it.
  const Json reordered = Patch(original, R"({"$setElementOrder/items": [{"name": "server-added"}]})");
  CHECK(reordered["items"][0]["name"] == "server-added");
}

TEST_CASE("a merge list of scalars is a set and $deleteFromPrimitiveList removes values") {
  const Json original = Json::parse(R"({"set": ["x", "y"]})");
  CHECK(Patch(original, R"({"set": ["y", "z"]})")["set"] == Json::parse(R"(["x", "y", "z"])"));
  CHECK(Patch(original, R"({"$deleteFromPrimitiveList/set": ["x"]})")["set"] == Json::parse(R"(["y"])"));
}

TEST_CASE("a list without a merge strategy is replaced whole") {
  CHECK(Patch(Json::parse(R"({"atomic": ["a", "b"]})"), R"({"atomic": ["c"]})")["atomic"] == Json::parse(R"(["c"])"));
}

TEST_CASE("$retainKeys keeps only the listed keys of a map") {
  const Json original = Json::parse(R"({"strategy": {"type": "Rolling", "rolling": {"max": 1}}})");
  CHECK(Patch(original, R"({"strategy": {"$retainKeys": ["type"], "type": "Recreate"}})")["strategy"] ==
        Json::parse(R"({"type": "Recreate"})"));
}

TEST_CASE("nested merge lists merge inside a merged element") {
  const Json original = Json::parse(R"({"items": [{"name": "a", "tags": ["t1"]}]})");
  CHECK(Patch(original, R"({"items": [{"name": "a", "tags": ["t2"]}]})")["items"][0]["tags"] ==
        Json::parse(R"(["t1", "t2"])"));
}

TEST_CASE("directives in new elements are applied, not stored") {
  const Json out = Patch(Json::object(), R"({"items": [{"name": "a", "$setElementOrder/tags": ["x"], "tags": ["x"]}]})");
  CHECK(out["items"] == Json::parse(R"([{"name": "a", "tags": ["x"]}])"));
}

TEST_CASE("without a schema every list is replaced") {
  absl::StatusOr<Json> r = StrategicMergePatch(Json::parse(R"({"items": [{"name": "a"}]})"),
                                               Json::parse(R"({"items": [{"name": "b"}]})"), nullptr);
  REQUIRE(r.ok());
  CHECK((*r)["items"] == Json::parse(R"([{"name": "b"}])"));
}

TEST_CASE("malformed patches are errors naming what is wrong") {
  CHECK_FALSE(StrategicMergePatch(Json::object(), Json::array(), &kSchema).ok());
  absl::StatusOr<Json> no_key = StrategicMergePatch(Json::object(), Json::parse(R"({"items": [{"v": 1}]})"), &kSchema);
  REQUIRE_FALSE(no_key.ok());
  CHECK(no_key.status().message().find("merge key") != std::string_view::npos);
  CHECK_FALSE(StrategicMergePatch(Json::object(), Json::parse(R"({"m": {"$patch": "explode"}})"), &kSchema).ok());
  CHECK_FALSE(StrategicMergePatch(Json::object(), Json::parse(R"({"$retainKeys": "type"})"), &kSchema).ok());
}

}  // namespace
}  // namespace kop::testing::internal

namespace kop::testing::internal {
namespace {

TEST_CASE("a $patch directive that is not a string is refused, not thrown") {
  const Json original = Json::parse(R"({"data": {"a": "1"}})");
  absl::StatusOr<Json> r = StrategicMergePatch(original, Json::parse(R"({"data": {"$patch": ["replace"]}})"), nullptr);
  REQUIRE_FALSE(r.ok());
  CHECK(std::string(r.status().message()).find("unknown patch directive") != std::string::npos);
}

}  // namespace
}  // namespace kop::testing::internal
