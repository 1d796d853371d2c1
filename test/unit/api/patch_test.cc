#include "kop/api/patch.h"

#include "catch2/catch.hpp"

namespace kop {
namespace {

Json J(const char* text) { return ParseJson(text).value(); }

TEST_CASE("merge patches follow RFC 7386's examples") {
  // The table from RFC 7386 appendix A.
  struct Case {
    const char* target;
    const char* patch;
    const char* result;
  } cases[] = {
      {R"({"a":"b"})", R"({"a":"c"})", R"({"a":"c"})"},
      {R"({"a":"b"})", R"({"b":"c"})", R"({"a":"b","b":"c"})"},
      {R"({"a":"b"})", R"({"a":null})", R"({})"},
      {R"({"a":"b","b":"c"})", R"({"a":null})", R"({"b":"c"})"},
      {R"({"a":["b"]})", R"({"a":"c"})", R"({"a":"c"})"},
      {R"({"a":"c"})", R"({"a":["b"]})", R"({"a":["b"]})"},
      {R"({"a":{"b":"c"}})", R"({"a":{"b":"d","c":null}})", R"({"a":{"b":"d"}})"},
      {R"({"a":[{"b":"c"}]})", R"({"a":[1]})", R"({"a":[1]})"},
      {R"(["a","b"])", R"(["c","d"])", R"(["c","d"])"},
      {R"({"a":"b"})", R"(["c"])", R"(["c"])"},
      {R"({"a":"foo"})", "null", "null"},
      {R"({"a":"foo"})", R"("bar")", R"("bar")"},
      {R"({"e":null})", R"({"a":1})", R"({"e":null,"a":1})"},
      {R"([1,2])", R"({"a":"b","c":null})", R"({"a":"b"})"},
      {R"({})", R"({"a":{"bb":{"ccc":null}}})", R"({"a":{"bb":{}}})"},
  };
  for (const Case& c : cases) {
    INFO(c.target << " + " << c.patch);
    CHECK(ApplyMergePatch(J(c.target), J(c.patch)) == J(c.result));
  }
}

TEST_CASE("a created merge patch turns the original into the modified object") {
  Json original = J(R"({"metadata":{"labels":{"a":"1","b":"2"}},"spec":{"x":[1,2],"y":{"z":1}}})");
  Json modified = J(R"({"metadata":{"labels":{"a":"1","c":"3"}},"spec":{"x":[1],"y":{"z":1}}})");
  Json patch = CreateMergePatch(original, modified);
  CHECK(patch == J(R"({"metadata":{"labels":{"b":null,"c":"3"}},"spec":{"x":[1]}})"));
  CHECK(ApplyMergePatch(original, patch) == modified);
  CHECK(CreateMergePatch(original, original) == Json::object());
}

TEST_CASE("JSON patch applies every RFC 6902 operation") {
  Json doc = J(R"({"a":{"b":[1,2,3]},"c":"x"})");
  Json ops = J(R"([
    {"op":"add","path":"/a/b/1","value":9},
    {"op":"add","path":"/a/b/-","value":4},
    {"op":"remove","path":"/a/b/0"},
    {"op":"replace","path":"/c","value":"y"},
    {"op":"copy","from":"/c","path":"/d"},
    {"op":"move","from":"/d","path":"/e"},
    {"op":"test","path":"/e","value":"y"},
    {"op":"add","path":"/f~1g","value":{"~":1}}
  ])");
  auto out = ApplyJsonPatch(doc, ops);
  REQUIRE(out.ok());
  CHECK(*out == J(R"({"a":{"b":[9,2,3,4]},"c":"y","e":"y","f/g":{"~":1}})"));
}

TEST_CASE("a JSON patch that does not apply names the operation and changes nothing") {
  Json doc = J(R"({"a":1})");
  struct Case {
    const char* ops;
    const char* message;
  } cases[] = {
      {R"([{"op":"replace","path":"/b","value":1}])",
       "json patch operation 0 (replace /b): key \"b\" does not exist"},
      {R"([{"op":"add","path":"/a","value":2},{"op":"test","path":"/a","value":3}])",
       "json patch operation 1 (test /a): test failed: value is 2, expected 3"},
      {R"([{"op":"remove","path":"/x/y"}])",
       "json patch operation 0 (remove /x/y): key \"x\" does not exist"},
      {R"([{"op":"frobnicate","path":"/a"}])",
       "json patch operation 0 (frobnicate /a): unknown op \"frobnicate\""},
      {R"([{"op":"add","path":"a","value":1}])",
       "json patch operation 0 (add a): JSON pointer \"a\" must start with '/'"},
      {R"([{"op":"add","path":"/a"}])", "json patch operation 0 (add /a): missing \"value\""},
      {R"([{"path":"/a"}])", "json patch operation 0: missing \"op\""},
      {R"([5])", "json patch operation 0: operation must be an object, got integer"},
      {R"({"op":"add"})", "json patch: expected an array of operations, got object"},
      {R"([{"op":"move","from":"/a","path":"/a/b"}])",
       "json patch operation 0 (move /a/b): cannot move a value into one of its own children"},
  };
  for (const Case& c : cases) {
    INFO(c.ops);
    auto out = ApplyJsonPatch(doc, J(c.ops));
    REQUIRE_FALSE(out.ok());
    CHECK(out.status().message() == c.message);
  }
}

TEST_CASE("JSON patch array indices are checked") {
  Json doc = J(R"({"a":[1]})");
  CHECK_FALSE(ApplyJsonPatch(doc, J(R"([{"op":"add","path":"/a/2","value":0}])")).ok());
  CHECK_FALSE(ApplyJsonPatch(doc, J(R"([{"op":"remove","path":"/a/01"}])")).ok());
  CHECK_FALSE(ApplyJsonPatch(doc, J(R"([{"op":"remove","path":"/a/1"}])")).ok());
  CHECK_FALSE(ApplyJsonPatch(doc, J(R"([{"op":"replace","path":"/a/x","value":0}])")).ok());
  CHECK(ApplyJsonPatch(doc, J(R"([{"op":"add","path":"/a/1","value":0}])")).value() ==
        J(R"({"a":[1,0]})"));
}

TEST_CASE("JSON pointers unescape ~0 and ~1 and reject other escapes") {
  CHECK(ParseJsonPointer("").value().empty());
  CHECK(ParseJsonPointer("/").value() == std::vector<std::string>{""});
  CHECK(ParseJsonPointer("/a~1b/~0c").value() == std::vector<std::string>{"a/b", "~c"});
  CHECK_FALSE(ParseJsonPointer("/a~2").ok());
  CHECK_FALSE(ParseJsonPointer("/a~").ok());
}

}  // namespace
}  // namespace kop
