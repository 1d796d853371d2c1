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

TEST_CASE("DumpYaml writes what Kubernetes writes: sorted keys, block style, indentless lists") {
  Json j = {{"kind", "ConfigMap"},
            {"apiVersion", "v1"},
            {"metadata", {{"name", "web"}, {"labels", Json::object()}, {"finalizers", Json::array()}}},
            {"items", {{{"b", 1}, {"a", {1, 2}}}, {{"x", "y"}}}},
            {"nested", {{1, 2}, {3}}}};
  CHECK(DumpYaml(j) ==
        "apiVersion: v1\n"
        "items:\n"
        "- a:\n"
        "  - 1\n"
        "  - 2\n"
        "  b: 1\n"
        "- x: \"y\"\n"  // "y" is a YAML 1.1 boolean
        "kind: ConfigMap\n"
        "metadata:\n"
        "  finalizers: []\n"
        "  labels: {}\n"
        "  name: web\n"
        "nested:\n"
        "- - 1\n"
        "  - 2\n"
        "- - 3\n");
  CHECK(DumpYaml(Json::object()) == "{}\n");
  CHECK(DumpYaml(Json("x")) == "x\n");
}

TEST_CASE("DumpYaml orders keys as go-yaml does: digit runs as numbers, symbols before letters") {
  Json j = {{"a10", 1}, {"a2", 2}, {"f:data", 3}, {".", 4}, {"B", 5}, {"b", 6}};
  CHECK(DumpYaml(j) == ".: 4\nB: 5\na2: 2\na10: 1\nb: 6\nf:data: 3\n");
}

TEST_CASE("DumpYaml quotes a string only when YAML 1.1 would read it as something else") {
  // Double quotes: would resolve to bool, null, number (any base), base-60 float, timestamp.
  for (const char* s : {"true", "yes", "on", "N", "off", "null", "~", "", "42", "-1", "0x1F", "0o17",
                        "1_000", "1.5", ".5", "1e3", ".inf", "1:20", "2024-01-02",
                        "2024-01-02T03:04:05Z"}) {
    INFO(s);
    CHECK(DumpYaml(Json{{"k", s}}) == std::string("k: \"") + s + "\"\n");
  }
  // Plain: ordinary text, including what YAML 1.2 would not read as a number either.
  for (const char* s : {"hello", "web-1", "f:data", "a:b", "1.2.3", "v1", "<uid:1>", "x y"}) {
    INFO(s);
    CHECK(DumpYaml(Json{{"k", s}}) == std::string("k: ") + s + "\n");
  }
  // Single quotes: indicators and ": ", quotes doubled.
  CHECK(DumpYaml(Json{{"k", "406: Not Acceptable"}}) == "k: '406: Not Acceptable'\n");
  CHECK(DumpYaml(Json{{"k", "it's # here"}}) == "k: 'it''s # here'\n");
  CHECK(DumpYaml(Json{{"k", "*star"}}) == "k: '*star'\n");
  CHECK(DumpYaml(Json{{"k", " lead"}}) == "k: ' lead'\n");
  // Double quotes with escapes: characters that cannot be written otherwise.
  CHECK(DumpYaml(Json{{"k", "tab\there"}}) == "k: \"tab\\there\"\n");
}

TEST_CASE("DumpYaml writes multi-line strings as literal blocks with the right chomping") {
  CHECK(DumpYaml(Json{{"k", "one\ntwo\n"}, {"z", 1}}) == "k: |\n  one\n  two\nz: 1\n");
  CHECK(DumpYaml(Json{{"k", "one\ntwo"}}) == "k: |-\n  one\n  two\n");
  CHECK(DumpYaml(Json{{"k", "one\n\n"}}) == "k: |+\n  one\n\n");
  CHECK(DumpYaml(Json{{"k", "a\n\nb"}}) == "k: |-\n  a\n\n  b\n");
  CHECK(DumpYaml(Json{{"m", {{"k", " x\ny"}}}}) == "m:\n  k: |2-\n     x\n    y\n");
  // A document that is one multi-line string: its lines indented, so they read back.
  CHECK(DumpYaml(Json("a0 :a\nmonm#men")) == "|-\n  a0 :a\n  monm#men\n");
}

TEST_CASE("DumpYaml folds long scalars at spaces past column 80, indented under their key") {
  const std::string words =
      "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, and "
      "must start and end with an alphanumeric character";
  // The space after "alphanumeric" is at column 79, not past 80: the line goes on to the next.
  const std::string yaml = DumpYaml(Json{{"message", words}});
  CHECK(yaml ==
        "message: a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters,\n"
        "  and must start and end with an alphanumeric character\n");
  auto back = ParseYaml(yaml);
  REQUIRE(back.ok());
  CHECK((*back)["message"] == words);
  // Keys are never folded; one longer than 128 bytes, or with a line break, is written as an
  // explicit "? key" entry, which YAML readers accept at any length.
  const std::string long_key(120, 'k');
  CHECK(DumpYaml(Json{{long_key + " x", 1}}).find('\n') == long_key.size() + 5);
  const Json odd_keys = {{std::string(2000, 'k'), {{"a", 1}}}, {"two\nlines", "v"}};
  auto odd = ParseYaml(DumpYaml(odd_keys));
  REQUIRE(odd.ok());
  CHECK(*odd == odd_keys);
}

TEST_CASE("whatever DumpYaml writes reads back as the same JSON") {
  const Json j = {{"s", {"yes", "1:20", "2024-01-02", "a: b", "- x", "#c", "x #c", "'q'", "\"dq\"",
                         "line\nbreak", " both ", "trail ", "\ttab", "uni\u00e9\u4e2d", "\u0001ctl",
                         "end\n\n\n", "{}", "[]", "&a", "!t", "%p", "@a", "`b`", "|", ">", "?",
                         ": x", "---", "..."}},
                  {"n", {0, -7, 3.25, 1e300, true, false, nullptr}},
                  {"deep", {{"a", {{"b", {{"c", {Json::array(), Json::object(), {1}}}}}}}}}};
  auto back = ParseYaml(DumpYaml(j));
  REQUIRE(back.ok());
  CHECK(*back == j);
}

}  // namespace
}  // namespace kop
