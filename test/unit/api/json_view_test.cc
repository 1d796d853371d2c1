#include "kop/api/json_view.h"

#include <algorithm>
#include <cstdint>
#include <limits>
#include <random>
#include <string>
#include <vector>

#include "catch2/catch.hpp"

namespace kop {
namespace {

// Every value JsonView reads from a compact document must read the same from the tree.
void CheckSame(JsonView compact, JsonView tree, const std::string& where) {
  INFO(where);
  REQUIRE(compact.exists() == tree.exists());
  REQUIRE(compact.type() == tree.type());
  CHECK(compact.size() == tree.size());
  CHECK(compact.get_string() == tree.get_string());
  CHECK(compact.get_int64() == tree.get_int64());
  CHECK(compact.get_uint64() == tree.get_uint64());
  CHECK(compact.get_bool() == tree.get_bool());
  if (compact.is_number()) CHECK(compact.get_double() == tree.get_double());
  CHECK(compact == tree);
  CHECK(tree == compact);
  if (compact.is_object()) {
    auto c = compact.items().begin();
    size_t n = 0;
    for (const auto& [key, value] : tree.items()) {
      REQUIRE(c->key == key);
      CheckSame(c->value, value, where + "." + std::string(key));
      CheckSame(compact.find(key), value, where + "[" + std::string(key) + "]");
      // Keys just before and after each one (and between neighbours) are absent.
      CHECK_FALSE(compact.find(std::string(key) + "\x01").exists());
      CHECK(compact.find(key.substr(0, key.size() / 2)).exists() ==
            tree.find(key.substr(0, key.size() / 2)).exists());
      ++c;
      ++n;
    }
    CHECK(n == tree.size());
    CHECK(c == compact.items().end());
    CHECK_FALSE(compact.find("\x7f\x7f-absent").exists());
    CHECK_FALSE(compact.find("").exists() != tree.find("").exists());
  }
  if (compact.is_array()) {
    size_t i = 0;
    for (const auto& element : tree.items()) {
      CheckSame(compact.at(i), element.value, where + "[" + std::to_string(i) + "]");
      ++i;
    }
    CHECK_FALSE(compact.at(tree.size()).exists());
  }
  if (!compact.is_object()) CHECK_FALSE(compact.find("x").exists());
  if (!compact.is_array()) CHECK_FALSE(compact.at(0).exists());
}

void CheckRoundTrip(const Json& j) {
  const CompactJson doc = CompactJson::Encode(j);
  REQUIRE_FALSE(doc.empty());
  const Json back = doc.view().ToJson();
  CHECK(back == j);
  CHECK(DumpJson(back) == DumpJson(j));
  CHECK(doc.view().Dump() == DumpJson(j));
  CheckSame(doc.view(), JsonView(j), "$");
}

TEST_CASE("compact documents round-trip every kind of value") {
  Json big_object = Json::object();
  for (int i = 0; i < 40; ++i) big_object["key-" + std::to_string(i * 7 % 40)] = i;
  Json big_array = Json::array();
  for (int i = 0; i < 300; ++i) big_array.push_back(i % 3 == 0 ? Json(std::to_string(i)) : Json(i));
  const Json doc = {
      {"null", nullptr},
      {"t", true},
      {"f", false},
      {"zero", 0},
      {"neg", -1},
      {"min", std::numeric_limits<int64_t>::min()},
      {"max", std::numeric_limits<int64_t>::max()},
      {"umax", std::numeric_limits<uint64_t>::max()},
      {"pi", 3.14159},
      {"negzero", -0.0},
      {"tiny", 1e-300},
      {"empty_string", ""},
      {"long_string", std::string(70000, 'x')},  // a 3-byte length
      {"utf8", "h\u00e9llo \u2603 \U0001F600"},
      {"nul", std::string("a\0b", 3)},
      {"empty_object", Json::object()},
      {"empty_array", Json::array()},
      {"nested", {{"a", {{"b", {{"c", {1, 2, {{"d", "e"}}}}}}}}}},
      {"big_object", big_object},
      {"big_array", big_array},
      {"", "empty key"},
  };
  CheckRoundTrip(doc);
  for (const auto& [key, value] : doc.items()) CheckRoundTrip(value);
  CheckRoundTrip(Json());
}

// A random document: scalars of every kind, and up to 13 entries per array or object (keys
// from a small alphabet, so that some repeat), nested up to 5 levels.
Json RandomValue(std::mt19937& rng, int depth = 0) {
  auto random_string = [&](size_t max_len) {
    std::string s(rng() % (max_len + 1), ' ');
    for (char& c : s) c = static_cast<char>('a' + rng() % 6);
    return s;
  };
  switch (rng() % (depth > 3 ? 6 : 8)) {
    case 0:
      return nullptr;
    case 1:
      return rng() % 2 == 0;
    case 2:
      return static_cast<int64_t>(rng()) - (1LL << 31);
    case 3:
      return static_cast<uint64_t>(rng()) << 20;
    case 4:
      return static_cast<double>(rng()) / 7.0;
    case 5:
      return random_string(20);
    case 6: {
      Json a = Json::array();
      const int n = static_cast<int>(rng() % 14);
      for (int i = 0; i < n; ++i) a.push_back(RandomValue(rng, depth + 1));
      return a;
    }
    default: {
      Json o = Json::object();
      const int n = static_cast<int>(rng() % 14);
      for (int i = 0; i < n; ++i) o[random_string(4)] = RandomValue(rng, depth + 1);
      return o;
    }
  }
}

TEST_CASE("compact documents match their trees on random documents") {
  std::mt19937 rng(20261203);
  for (int round = 0; round < 200; ++round) CheckRoundTrip(RandomValue(rng));
}

// JSON text for `j` with every object's members in a shuffled order, and, when `duplicates`,
// some members written twice (a stale value first): what a server may send.
void WriteShuffled(const Json& j, std::mt19937& rng, bool duplicates, std::string& out) {
  if (j.is_object()) {
    std::vector<std::pair<std::string, const Json*>> members;
    for (auto it = j.begin(); it != j.end(); ++it) members.emplace_back(it.key(), &*it);
    std::shuffle(members.begin(), members.end(), rng);
    out += '{';
    bool first = true;
    for (const auto& [key, value] : members) {
      if (duplicates && rng() % 4 == 0) {
        out += first ? "" : ",";
        out += DumpJson(Json(key)) + ":\"stale\"";
        first = false;
      }
      out += first ? "" : ",";
      out += DumpJson(Json(key)) + ":";
      WriteShuffled(*value, rng, duplicates, out);
      first = false;
    }
    out += '}';
  } else if (j.is_array()) {
    out += '[';
    for (size_t i = 0; i < j.size(); ++i) {
      if (i > 0) out += ", ";
      WriteShuffled(j[i], rng, duplicates, out);
    }
    out += ']';
  } else {
    out += DumpJson(j);
  }
}

// nlohmann::json's own parser, which the compact parser (and so ParseJson) must agree with.
absl::StatusOr<Json> NlohmannParse(std::string_view text) {
  try {
    return Json::parse(text.begin(), text.end());
  } catch (const std::exception& e) {
    return absl::InvalidArgumentError(e.what());
  }
}

void CheckParsed(std::string_view text, const std::vector<std::vector<std::string>>& omit = {}) {
  INFO(text.substr(0, 300));
  absl::StatusOr<Json> tree = NlohmannParse(text);
  absl::StatusOr<CompactJson> parsed = CompactJson::Parse(text, omit);
  REQUIRE(tree.ok());
  REQUIRE(parsed.ok());
  const CompactJson encoded = CompactJson::Encode(*tree);
  if (omit.empty()) {
    CHECK(parsed->size() == encoded.size());
    CHECK(parsed->view().Dump() == encoded.view().Dump());
    CheckSame(parsed->view(), JsonView(*tree), "$");
    absl::StatusOr<Json> through = ParseJson(text);
    REQUIRE(through.ok());
    CHECK(*through == *tree);
    CHECK(DumpJson(*through) == DumpJson(*tree));
  }
}

TEST_CASE("JSON text parses straight into the compact form, as it would through a tree") {
  std::mt19937 rng(7);
  Json big_object = Json::object();
  for (int i = 0; i < 40; ++i) big_object["key-" + std::to_string(i)] = {{"v", i}, {"w", "x"}};
  const Json doc = {
      {"null", nullptr},       {"t", true},
      {"min", std::numeric_limits<int64_t>::min()},
      {"umax", std::numeric_limits<uint64_t>::max()},
      {"pi", 3.14159},         {"negzero", -0.0},
      {"long_string", std::string(70000, 'x')},
      {"utf8", "h\u00e9llo \u2603 \U0001F600"},
      {"nul", std::string("a\0b", 3)},
      {"empty_object", Json::object()},
      {"empty_array", Json::array()},
      {"nested", {{"b", {{"a", {1, 2, {{"d", "e"}, {"c", "f"}}}}}}}},
      {"big_object", big_object},
      {"", "empty key"},
  };
  CheckParsed(DumpJson(doc));
  for (int round = 0; round < 20; ++round) {
    std::string text;
    WriteShuffled(doc, rng, round % 2 == 1, text);
    CheckParsed(text);
  }
  CheckParsed(" [1, -1, 1.5, \"\\u00e9\\n\", true, false, null] ");
  CheckParsed("42");
  // As for nlohmann::json, a NUL byte between tokens ends the input.
  CheckParsed(std::string_view("8\0\0\0", 4));
  CheckParsed(std::string_view("{\"a\":[1]}\0 trailing", 19));
  CheckParsed("\"just a string\"");

  SECTION("a repeated key keeps its last value") {
    absl::StatusOr<CompactJson> p = CompactJson::Parse(R"({"b":1,"a":2,"b":{"x":3},"a":4})");
    REQUIRE(p.ok());
    CHECK(p->view().size() == 2);
    CHECK(p->view()["a"].get_int64() == 4);
    CHECK(p->view()["b"]["x"].get_int64() == 3);
    CHECK(p->view().ToJson() == *NlohmannParse(R"({"b":1,"a":2,"b":{"x":3},"a":4})"));
  }
}

TEST_CASE("parsing into the compact form agrees with the tree on random shuffled documents") {
  std::mt19937 rng(20261204);
  for (int round = 0; round < 200; ++round) {
    std::string text;
    WriteShuffled(RandomValue(rng), rng, round % 3 == 0, text);
    CheckParsed(text);
  }
}

TEST_CASE("parsing into the compact form leaves out the members it is told to") {
  const std::string text = R"({
    "metadata": {"name": "a", "managedFields": [{"manager": "m"}], "labels": {"managedFields": "kept"}},
    "spec": {"managedFields": 1},
    "items": [
      {"metadata": {"managedFields": [1], "name": "i0"}},
      {"metadata": {"name": "i1"}},
      {"metadata": {"k0": 0, "k1": 1, "k2": 2, "k3": 3, "k4": 4, "managedFields": 5, "k6": 6,
                    "k7": 7, "k8": 8, "k9": 9}}
    ]})";
  absl::StatusOr<CompactJson> p = CompactJson::Parse(
      text, {{"metadata", "managedFields"}, {"items", "*", "metadata", "managedFields"}});
  REQUIRE(p.ok());
  Json expected = *ParseJson(text);
  expected["metadata"].erase("managedFields");
  for (Json& item : expected["items"]) item["metadata"].erase("managedFields");
  CHECK(p->view().ToJson() == expected);
  CheckSame(p->view(), JsonView(expected), "$");
  CHECK(p->view()["metadata"]["labels"]["managedFields"].get_string() == "kept");
  CHECK(p->view()["spec"]["managedFields"].get_int64() == 1);
  CHECK(p->view()["items"].at(2)["metadata"].size() == 9);
  CHECK(p->view()["items"].at(2)["metadata"]["k9"].get_int64() == 9);

  // "*" matches object keys too.
  absl::StatusOr<CompactJson> q = CompactJson::Parse(text, {{"*", "managedFields"}});
  REQUIRE(q.ok());
  CHECK_FALSE(q->view()["metadata"]["managedFields"].exists());
  CHECK_FALSE(q->view()["spec"]["managedFields"].exists());
  CHECK(q->view()["items"].at(0)["metadata"]["managedFields"].exists());
}

TEST_CASE("malformed text is refused by the compact parser exactly as by nlohmann::json") {
  for (const char* bad : {"", "   ", "{", "[1,]", R"({"a":})", R"({"a" 1})", "1e400", "-", "nul",
                          R"("\ud800")", "\"unterminated", "{} x", "[1] [2]", "\x01",
                          "\"\xff\xfe\"", R"({"a":1,})", "01"}) {
    INFO(bad);
    absl::StatusOr<CompactJson> p = CompactJson::Parse(bad);
    CHECK_FALSE(NlohmannParse(bad).ok());
    CHECK_FALSE(ParseJson(bad).ok());
    REQUIRE_FALSE(p.ok());
    CHECK(p.status().code() == absl::StatusCode::kInvalidArgument);
    CHECK(p.status().message().find("invalid JSON") != std::string_view::npos);
  }
}

TEST_CASE("nesting is read to 10,000 levels, as Kubernetes reads it, and refused beyond") {
  auto nested = [](int depth) {
    return std::string(static_cast<size_t>(depth), '[') + "1" + std::string(static_cast<size_t>(depth), ']');
  };
  absl::StatusOr<CompactJson> deep = CompactJson::Parse(nested(10000));
  REQUIRE(deep.ok());
  JsonView v = deep->view();
  for (int i = 0; i < 10000; ++i) v = v.at(0);
  CHECK(v.get_int64() == 1);
  absl::StatusOr<CompactJson> deeper = CompactJson::Parse(nested(10001));
  REQUIRE_FALSE(deeper.ok());
  CHECK(deeper.status().message().find("nesting deeper than 10000") != std::string_view::npos);
  CHECK_FALSE(ParseJson(nested(200000)).ok());  // quickly, without exhausting the stack
}

TEST_CASE("a copy of a view is a document of its own") {
  const Json tree = *ParseJson(R"({"a": {"b": [1, {"c": "d"}], "e": 2.5}, "f": null})");
  const CompactJson doc = CompactJson::Encode(tree);
  const CompactJson sub = CompactJson::Copy(doc.view()["a"]);
  CHECK(sub.view().ToJson() == tree["a"]);
  CheckSame(sub.view(), JsonView(tree["a"]), "a");
  CHECK(CompactJson::Copy(doc.view()["a"]["b"].at(1)).view().ToJson() == tree["a"]["b"][1]);
  CHECK(CompactJson::Copy(doc.view()["f"]).view().is_null());
  CHECK(CompactJson::Copy(JsonView(tree["a"])).view().ToJson() == tree["a"]);
  CHECK(CompactJson::Copy(doc.view()["absent"]).empty());
}

TEST_CASE("views compare with nlohmann::json's rules") {
  const CompactJson a = CompactJson::Encode(Json{{"n", 1}, {"s", "x"}, {"l", {1, 2}}});
  CHECK(a.view() == JsonView(Json{{"n", 1.0}, {"s", "x"}, {"l", {1u, 2}}}));
  CHECK_FALSE(a.view() == JsonView(Json{{"n", 2}, {"s", "x"}, {"l", {1, 2}}}));
  CHECK_FALSE(a.view() == JsonView(Json{{"n", 1}, {"t", "x"}, {"l", {1, 2}}}));
  CHECK_FALSE(a.view() == JsonView(Json{{"n", 1}, {"s", "x"}, {"l", {1, 2, 3}}}));
  CHECK_FALSE(a.view() == JsonView(Json{{"n", "1"}, {"s", "x"}, {"l", {1, 2}}}));
  CHECK_FALSE(a.view() == JsonView());
  CHECK(JsonView() == JsonView());
  CHECK(CompactJson::Encode(Json(-1)).view() == JsonView(Json(-1)));
  const Json umax = std::numeric_limits<uint64_t>::max();
  CHECK((CompactJson::Encode(Json(-1)).view() == JsonView(umax)) == (Json(-1) == umax));
}

TEST_CASE("absent views read as empty and name their type") {
  const JsonView absent;
  CHECK_FALSE(absent.exists());
  CHECK(absent.type() == Json::value_t::discarded);
  CHECK(absent["a"]["b"].at(3).get_string().empty());
  CHECK(absent.size() == 0);
  CHECK(absent.items().begin() == absent.items().end());
  CHECK(absent.ToJson().is_null());
  CHECK(absent.Dump().empty());
  CHECK(JsonTypeName(absent) == "absent");
  const CompactJson doc = CompactJson::Encode(Json{{"s", "x"}, {"i", 1}, {"d", 1.5}});
  CHECK(JsonTypeName(doc.view()) == "object");
  CHECK(JsonTypeName(doc.view()["s"]) == "string");
  CHECK(JsonTypeName(doc.view()["i"]) == "integer");
  CHECK(JsonTypeName(doc.view()["d"]) == "number");
  // Reading a value as another type gives the empty value, never garbage.
  CHECK(doc.view()["s"].get_int64() == 0);
  CHECK(doc.view()["i"].get_string().empty());
  CHECK_FALSE(doc.view()["i"].get_bool());
  CHECK(CompactJson().view().exists() == false);
}

TEST_CASE("compact documents share their bytes between copies") {
  std::vector<CompactJson> copies;
  {
    const CompactJson original = CompactJson::Encode(Json{{"name", std::string(100, 'n')}});
    copies.assign(4, original);
    CompactJson moved = original;
    CompactJson target;
    target = std::move(moved);
    CHECK(moved.empty());  // NOLINT(bugprone-use-after-move): moved-from is empty by contract
    copies.push_back(target);
    copies.back() = copies.front();  // assigning a copy of the same document
  }
  // The original is gone; every copy still reads the document.
  for (const CompactJson& c : copies) {
    CHECK(c.view()["name"].get_string() == std::string(100, 'n'));
    CHECK(c.view()["name"].get_string().data() == copies[0].view()["name"].get_string().data());
  }
  CHECK(copies[0].size() > 100);
  CHECK(copies[0].size() < 120);
}

}  // namespace
}  // namespace kop
