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

TEST_CASE("JSON round-trips through YAML, strings that look like other types stay strings") {
  Json j = {{"a", "true"}, {"b", "123"}, {"c", ""}, {"d", {1, 2.5, false, nullptr}},
            {"e", {{"nested", "value with: colon"}}}, {"f", "null"}};
  auto back = ParseYaml(DumpYaml(j));
  REQUIRE(back.ok());
  CHECK(*back == j);
}

}  // namespace
}  // namespace kop
