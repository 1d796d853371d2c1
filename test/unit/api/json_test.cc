#include "kop/api/json.h"

#include "catch2/catch.hpp"

namespace kop {
namespace {

TEST_CASE("valid JSON parses") {
  auto j = ParseJson(R"({"a": [1, 2.5, "x", true, null]})");
  REQUIRE(j.ok());
  CHECK((*j)["a"].size() == 5);
}

TEST_CASE("malformed JSON is an InvalidArgument error, never an exception") {
  for (const char* bad : {"", "{", "{\"a\":}", "[1,]", "{} trailing", "nul", "\"\\x\""}) {
    INFO(bad);
    auto j = ParseJson(bad);
    REQUIRE_FALSE(j.ok());
    CHECK(j.status().code() == absl::StatusCode::kInvalidArgument);
    CHECK(j.status().message().find("invalid JSON") != std::string_view::npos);
  }
}

TEST_CASE("invalid UTF-8 in a string does not stop serialisation") {
  Json j = std::string("a\xff""b");
  CHECK(DumpJson(j) == "\"a\xEF\xBF\xBD" "b\"");
}

TEST_CASE("JSON type names are the ones error messages use") {
  CHECK(JsonTypeName(Json::object()) == "object");
  CHECK(JsonTypeName(Json::array()) == "array");
  CHECK(JsonTypeName(Json(1)) == "integer");
  CHECK(JsonTypeName(Json(1u)) == "integer");
  CHECK(JsonTypeName(Json(1.5)) == "number");
  CHECK(JsonTypeName(Json("s")) == "string");
  CHECK(JsonTypeName(Json(true)) == "boolean");
  CHECK(JsonTypeName(Json()) == "null");
}

}  // namespace
}  // namespace kop
