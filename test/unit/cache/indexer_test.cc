#include "kop/cache/indexer.h"

#include <algorithm>

#include "catch2/catch.hpp"
#include "support/objects.h"

namespace kop::cache {
namespace {

ObjectPtr Cm(const std::string& ns, const std::string& name,
             const std::map<std::string, std::string>& labels = {}, const std::string& owner_uid = "") {
  Object o = test::MakeConfigMap(ns, name);
  if (!labels.empty()) o.set_labels(labels);
  if (!owner_uid.empty()) {
    o.set_owner_references({{.api_version = "example.com/v1", .kind = "Application", .name = "app",
                             .uid = owner_uid, .controller = true}});
  }
  return std::make_shared<const Object>(std::move(o));
}

std::vector<std::string> Names(std::vector<ObjectPtr> objs) {
  std::vector<std::string> out;
  for (const auto& o : objs) out.push_back(std::string(o->name()));
  std::sort(out.begin(), out.end());
  return out;
}

TEST_CASE("upsert and delete return the previous snapshot") {
  Indexer idx;
  CHECK(idx.Upsert(Cm("ns", "a")) == nullptr);
  ObjectPtr second = Cm("ns", "a", {{"v", "2"}});
  ObjectPtr old = idx.Upsert(second);
  REQUIRE(old != nullptr);
  CHECK_FALSE(old->label("v").has_value());
  CHECK(idx.Get({"ns", "a"}) == second);
  CHECK(idx.Delete({"ns", "a"}) == second);
  CHECK(idx.Delete({"ns", "a"}) == nullptr);
  CHECK(idx.Size() == 0);
}

TEST_CASE("snapshots handed out stay valid and unchanged after the cache moves on") {
  Indexer idx;
  idx.Upsert(Cm("ns", "a", {{"v", "1"}}));
  ObjectPtr held = idx.Get({"ns", "a"});
  idx.Upsert(Cm("ns", "a", {{"v", "2"}}));
  idx.Delete({"ns", "a"});
  CHECK(held->label("v") == "1");
}

TEST_CASE("indexes hand out the newest snapshot and let go of replaced ones") {
  Indexer idx;
  ObjectPtr first = Cm("ns", "a", {{"v", "1"}}, "uid-1");
  idx.Upsert(first);
  ObjectPtr second = Cm("ns", "a", {{"v", "2"}}, "uid-1");  // same index values
  idx.Upsert(second);
  REQUIRE(idx.ByIndex(kNamespaceIndex, "ns").size() == 1);
  CHECK(idx.ByIndex(kNamespaceIndex, "ns")[0] == second);
  CHECK(idx.ByIndex(kControllerUidIndex, "uid-1") == std::vector<ObjectPtr>{second});
  REQUIRE(idx.List("ns", {}).size() == 1);
  CHECK(idx.List("ns", {})[0] == second);
  CHECK(first.use_count() == 1);  // only this test holds the replaced snapshot
  idx.Delete({"ns", "a"});
  CHECK(second.use_count() == 1);
  CHECK(idx.ByIndex(kNamespaceIndex, "ns").empty());
}

TEST_CASE("the namespace index and label selectors narrow lists") {
  Indexer idx;
  idx.Upsert(Cm("a", "one", {{"app", "web"}}));
  idx.Upsert(Cm("a", "two", {{"app", "db"}}));
  idx.Upsert(Cm("b", "three", {{"app", "web"}}));
  CHECK(Names(idx.List("a", {})) == std::vector<std::string>{"one", "two"});
  CHECK(Names(idx.List("", LabelSelector::Parse("app=web").value())) ==
        std::vector<std::string>{"one", "three"});
  CHECK(Names(idx.ByIndex(kNamespaceIndex, "b")) == std::vector<std::string>{"three"});
  CHECK(idx.List("none", {}).empty());
}

TEST_CASE("the controller-owner index follows changes of owner references") {
  Indexer idx;
  idx.Upsert(Cm("ns", "a", {}, "uid-1"));
  idx.Upsert(Cm("ns", "b", {}, "uid-1"));
  CHECK(Names(idx.ByIndex(kControllerUidIndex, "uid-1")) == std::vector<std::string>{"a", "b"});
  idx.Upsert(Cm("ns", "b", {}, "uid-2"));
  CHECK(Names(idx.ByIndex(kControllerUidIndex, "uid-1")) == std::vector<std::string>{"a"});
  CHECK(Names(idx.ByIndex(kControllerUidIndex, "uid-2")) == std::vector<std::string>{"b"});
  idx.Delete({"ns", "a"});
  CHECK(idx.ByIndex(kControllerUidIndex, "uid-1").empty());
}

TEST_CASE("a user index added later covers the objects already stored") {
  Indexer idx;
  idx.Upsert(Cm("ns", "a", {{"tier", "front"}}));
  idx.Upsert(Cm("ns", "b", {{"tier", "back"}}));
  auto by_tier = [](const Object& o) {
    auto t = o.label("tier");
    return t ? std::vector<std::string>{*t} : std::vector<std::string>{};
  };
  REQUIRE(idx.AddIndexer("tier", by_tier).ok());
  CHECK(idx.HasIndex("tier"));
  CHECK(Names(idx.ByIndex("tier", "front")) == std::vector<std::string>{"a"});
  idx.Upsert(Cm("ns", "c", {{"tier", "front"}}));
  CHECK(Names(idx.ByIndex("tier", "front")) == std::vector<std::string>{"a", "c"});
  CHECK(absl::IsAlreadyExists(idx.AddIndexer("tier", by_tier)));
  CHECK(idx.ByIndex("unknown", "x").empty());
}

}  // namespace
}  // namespace kop::cache
