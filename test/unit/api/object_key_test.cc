#include "kop/api/object_key.h"

#include <sstream>

#include "absl/container/flat_hash_set.h"
#include "catch2/catch.hpp"

namespace kop {
namespace {

TEST_CASE("a namespaced key round-trips through its string form") {
  auto key = ObjectKey::Parse("default/web");
  REQUIRE(key.ok());
  CHECK(key->namespace_ == "default");
  CHECK(key->name == "web");
  CHECK(key->ToString() == "default/web");
  CHECK_FALSE(key->cluster_scoped());
}

TEST_CASE("a cluster-scoped key has no namespace and no slash") {
  auto key = ObjectKey::Parse("node-1");
  REQUIRE(key.ok());
  CHECK(key->cluster_scoped());
  CHECK(key->ToString() == "node-1");
  std::ostringstream os;
  os << *key;
  CHECK(os.str() == "node-1");
}

TEST_CASE("bad keys are rejected naming the problem") {
  CHECK(ObjectKey::Parse("").status().message() == "object key is empty");
  CHECK(ObjectKey::Parse("/web").status().message().find("empty namespace") !=
        std::string_view::npos);
  CHECK(ObjectKey::Parse("ns/").status().message().find("empty name") != std::string_view::npos);
  CHECK(ObjectKey::Parse("a/b/c").status().message().find("more than one") !=
        std::string_view::npos);
}

TEST_CASE("keys hash and compare by namespace and name") {
  absl::flat_hash_set<ObjectKey> keys = {{"a", "x"}, {"a", "x"}, {"b", "x"}, {"", "x"}};
  CHECK(keys.size() == 3);
  CHECK(ObjectKey{"a", "z"} < ObjectKey{"b", "a"});
}

}  // namespace
}  // namespace kop
