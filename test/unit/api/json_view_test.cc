#include "kop/api/json_view.h"

#include <cstdint>
#include <functional>
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

TEST_CASE("compact documents match their trees on random documents") {
  std::mt19937 rng(20261203);
  auto random_string = [&](size_t max_len) {
    std::string s(rng() % (max_len + 1), ' ');
    for (char& c : s) c = static_cast<char>('a' + rng() % 6);
    return s;
  };
  std::function<Json(int)> random_value = [&](int depth) -> Json {
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
        for (int i = 0; i < n; ++i) a.push_back(random_value(depth + 1));
        return a;
      }
      default: {
        Json o = Json::object();
        const int n = static_cast<int>(rng() % 14);
        for (int i = 0; i < n; ++i) o[random_string(4)] = random_value(depth + 1);
        return o;
      }
    }
  };
  for (int round = 0; round < 200; ++round) CheckRoundTrip(random_value(0));
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
