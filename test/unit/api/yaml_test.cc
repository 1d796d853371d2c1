#include "kop/api/yaml.h"

#include "catch2/catch.hpp"

namespace kop {
namespace {

TEST_CASE("YAML documents become JSON with scalars typed as YAML 1.2 core schema") {
  auto docs = ParseYamlDocuments(R"(
apiVersion: v1
kind: ConfigMap
metadata: {name: web, labels: {tier: front}}
data:
  quoted: "1"
  version: "1.25"
  plain: hello
spec:
  replicas: 3
  ratio: 0.5
  enabled: true
  nothing: null
  tilde: ~
  list: [a, 2]
---
---
kind: Second
)");
  REQUIRE(docs.ok());
  REQUIRE(docs->size() == 2);  // the empty document is skipped
  const Json& d = (*docs)[0];
  CHECK(d["metadata"]["name"] == "web");
  CHECK(d["data"]["quoted"] == "1");
  CHECK(d["data"]["version"] == "1.25");
  CHECK(d["data"]["plain"] == "hello");
  CHECK(d["spec"]["replicas"] == 3);
  CHECK(d["spec"]["ratio"] == 0.5);
  CHECK(d["spec"]["enabled"] == true);
  CHECK(d["spec"]["nothing"].is_null());
  CHECK(d["spec"]["tilde"].is_null());
  CHECK(d["spec"]["list"] == Json({"a", 2}));
  CHECK((*docs)[1]["kind"] == "Second");
}

TEST_CASE("invalid YAML is an error with its line, never an exception") {
  auto docs = ParseYamlDocuments("a: [1, 2\nb: c\n");
  REQUIRE_FALSE(docs.ok());
  CHECK(docs.status().code() == absl::StatusCode::kInvalidArgument);
  CHECK(docs.status().message().find("line") != std::string_view::npos);
  CHECK_FALSE(ParseYaml("a: 1\n---\nb: 2\n").ok());  // two documents where one is wanted
  CHECK_FALSE(ParseYamlDocuments("{[}: x").ok());
}

TEST_CASE("inputs that once hung or blew up the parser are errors at once") {
  // Found by fuzz_yaml and fuzz_kubeconfig: a flow entry where a document's root node belongs.
  for (const char* text : {",", ", a", "!,\x9a", "--- ,", "{a: 1}, b", "[a], b", "\"x\", y",
                           "a: 1\n---\n, , {c:\xe3 nnnscope-}nly"}) {
    INFO(text);
    CHECK_FALSE(ParseYamlDocuments(text).ok());
  }
  // Nested aliases that would expand to billions of nodes.
  std::string bomb = "a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n";
  for (int i = 1; i < 12; ++i) {
    const std::string p = "*a" + std::to_string(i - 1);
    bomb += "a" + std::to_string(i) + ": &a" + std::to_string(i) + " [" + p + ", " + p + ", " + p + ", " + p +
            ", " + p + ", " + p + ", " + p + ", " + p + ", " + p + ", " + p + "]\n";
  }
  auto docs = ParseYamlDocuments(bomb);
  REQUIRE_FALSE(docs.ok());
  CHECK(docs.status().message().find("aliases expand") != std::string_view::npos);
  // Aliases within reason resolve to copies.
  auto ok = ParseYaml("base: &b {x: 1}\ncopy: *b\nlist: [*b]\n");
  REQUIRE(ok.ok());
  CHECK((*ok)["copy"] == Json({{"x", 1}}));
  CHECK((*ok)["list"][0]["x"] == 1);
  CHECK_FALSE(ParseYaml("a: *missing\n").ok());
  CHECK_FALSE(ParseYaml("? [a]\n: b\n").ok());  // keys must be scalars
}

TEST_CASE("JSON round-trips through YAML, strings that look like other types stay strings") {
  Json j = {{"a", "true"}, {"b", "123"}, {"c", ""}, {"d", {1, 2.5, false, nullptr}},
            {"e", {{"nested", "value with: colon"}}}, {"f", "null"}};
  auto back = ParseYaml(DumpYaml(j));
  REQUIRE(back.ok());
  CHECK(*back == j);
}

}  // namespace
}  // namespace kop
