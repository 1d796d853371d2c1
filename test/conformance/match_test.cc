#include "conformance/match.h"

#include "catch2/catch.hpp"

namespace kop::conformance {
namespace {

bool Matches(const Json& want, const Json& got, Bindings& b, std::string* why = nullptr) {
  std::string ignored;
  return Match(want, got, b, "body", why != nullptr ? why : &ignored);
}

TEST_CASE("a recorded object matches only an answer with the same keys") {
  Bindings b;
  std::string why;
  REQUIRE(Matches(Json{{"a", 1}, {"b", {{"c", "x"}}}}, Json{{"b", {{"c", "x"}}}, {"a", 1}}, b));
  REQUIRE_FALSE(Matches(Json{{"a", 1}}, Json{{"a", 1}, {"data", Json::object()}}, b, &why));
  CHECK(why == "body: unexpected key \"data\" = {}");
  REQUIRE_FALSE(Matches(Json{{"a", 1}, {"b", 2}}, Json{{"a", 1}}, b, &why));
  CHECK(why.find("missing key \"b\"") != std::string::npos);
  REQUIRE_FALSE(Matches(Json::array({1, 2}), Json::array({2, 1}), b, &why));
  CHECK(why == "body[0]: want 1, got 2");
}

TEST_CASE("equal placeholders must stand for equal values within a scenario") {
  Bindings b;
  const std::string uid1 = "0b5a3a6e-4c1e-4d0f-9a55-3c2c1e0f9b21";
  const std::string uid2 = "7f1d2e3c-1111-4222-8333-944455556666";
  REQUIRE(Matches("<uid:1>", uid1, b));
  REQUIRE(Matches("<uid:1>", uid1, b));
  REQUIRE_FALSE(Matches("<uid:1>", uid2, b));   // <uid:1> is uid1 already
  REQUIRE_FALSE(Matches("<uid:2>", uid1, b));   // uid1 is <uid:1> already
  REQUIRE(Matches("<uid:2>", uid2, b));
  REQUIRE_FALSE(Matches("<uid:3>", "not-a-uid", b));
}

TEST_CASE("resourceVersion placeholders keep the recorded order") {
  Bindings b;
  REQUIRE(Matches("<rv:1>", "10", b));
  REQUIRE(Matches("<rv:3>", "30", b));
  REQUIRE(Matches("<rv:2+>", "20", b));   // a list's version between <rv:2> and <rv:3>
  REQUIRE_FALSE(Matches("<rv:2>", "40", b));  // above <rv:3>
  Bindings c;
  REQUIRE(Matches("<rv:1>", "10", c));
  REQUIRE(Matches("<rv:2>", "20", c));
  REQUIRE_FALSE(Matches("<rv:1+>", "25", c));  // not below <rv:2>
  REQUIRE_FALSE(Matches("<rv:4>", "abc", c));
}

TEST_CASE("placeholders inside strings match the values they replaced") {
  Bindings b;
  REQUIRE(Matches("too old resource version: <n> (<n>)", "too old resource version: 5 (17)", b));
  REQUIRE_FALSE(Matches("too old resource version: <n> (<n>)", "too old resource version: x (17)", b));
  REQUIRE(Matches("web-<generated:5>", "web-x7k2q", b));
  REQUIRE_FALSE(Matches("web-<generated:5>", "web-x7k2", b));
  REQUIRE(Matches("resourceVersion: \"<rv:1>\"\nkind: X", "resourceVersion: \"12\"\nkind: X", b));
  REQUIRE(Matches("<time>", "2026-12-07T08:14:03Z", b));
  REQUIRE_FALSE(Matches("<time>", "yesterday", b));
  REQUIRE(Matches("<nodeport:1>", 30080, b));  // recorded as a string, served as a number
  REQUIRE(Matches("<age>", "5m", b));
  REQUIRE(Matches("<unknown>", "<unknown>", b));  // not a placeholder: literal text
  REQUIRE_FALSE(Matches("<unknown>", "x", b));
}

TEST_CASE("corpus paths select keys, indexes and list items by key") {
  const Json doc = {{"status", {{"conditions", Json::array({{{"type", "A"}, {"status", "False"}},
                                                            {{"type", "Ready"}, {"status", "True"}}})}}}};
  bool found = false;
  CHECK(AtPath(doc, "status.conditions[type=Ready].status", &found) == "True");
  CHECK(found);
  CHECK(AtPath(doc, "status.conditions[0].type", &found) == "A");
  AtPath(doc, "status.conditions[type=Gone].status", &found);
  CHECK_FALSE(found);
  AtPath(doc, "status.conditions[7]", &found);
  CHECK_FALSE(found);
}

}  // namespace
}  // namespace kop::conformance
