// CachedClient's reads after its own writes, with a cache the test moves by hand (one
// FakeClient stands for the informers, another for the API server).
#include "kop/controller/cached_client.h"

#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include "catch2/catch.hpp"
#include "kop/testkit/fake_client.h"

namespace kop {
namespace {

const GroupVersionKind kCM{"", "v1", "ConfigMap"};

Object ConfigMap(const std::string& name, const std::string& value, const std::string& team = "a") {
  Object o = Object::New(kCM, {"ns", name});
  o.mutable_json()["metadata"]["labels"] = Json{{"team", team}};
  o.mutable_json()["data"] = Json{{"v", value}};
  return o;
}

std::string ValueOf(const client::ObjectPtr& o) { return std::string(o->FindView({"data", "v"}).get_string()); }

struct Fixture {
  testkit::FakeClient server;
  testkit::FakeClient cache;  // what the informers hold; the test decides when they catch up
  CachedClient client{cache, server};
  // The cache catches up with the server's current state of `name`.
  void Sync(const std::string& name) {
    absl::StatusOr<client::ObjectPtr> live = server.Get(kCM, {"ns", name});
    REQUIRE(live.ok());
    cache.Add(**live);
  }
};

TEST_CASE("cached client: what the cache does not hold is not found, even just after a create", "[cached_client]") {
  Fixture f;
  absl::StatusOr<Object> created = f.client.Create(ConfigMap("a", "1"));
  REQUIRE(created.ok());
  // Not in the cache yet: NotFound (a second create would answer AlreadyExists).
  CHECK(kop::IsNotFound(f.client.Get(kCM, {"ns", "a"}).status()));
  CHECK(f.client.List(kCM, "ns")->empty());
  f.Sync("a");
  REQUIRE(f.client.Get(kCM, {"ns", "a"}).ok());
  CHECK(f.client.pending_writes() == 0);
}

TEST_CASE("cached client: an object deleted by someone else after our write reads as deleted", "[cached_client]") {
  Fixture f;
  REQUIRE(f.client.Create(ConfigMap("a", "1")).ok());
  f.Sync("a");
  Object next = **f.server.Get(kCM, {"ns", "a"});
  next.mutable_json()["data"]["v"] = "2";
  REQUIRE(f.client.Update(next).ok());  // remembered: the cache still holds "1"
  // Someone else deletes it, and the informer sees the delete before this client reads it
  // back: the written version must not hide the deletion (nothing would reconcile it again).
  REQUIRE(f.cache.Delete(**f.cache.Get(kCM, {"ns", "a"})).ok());
  CHECK(kop::IsNotFound(f.client.Get(kCM, {"ns", "a"}).status()));
  CHECK(f.client.List(kCM, "ns")->empty());
}

TEST_CASE("cached client: an update is never read back older, in Get or List", "[cached_client]") {
  Fixture f;
  REQUIRE(f.client.Create(ConfigMap("a", "1")).ok());
  REQUIRE(f.client.Create(ConfigMap("b", "1")).ok());
  f.Sync("a");
  f.Sync("b");
  absl::StatusOr<client::ObjectPtr> cached = f.client.Get(kCM, {"ns", "a"});
  REQUIRE(cached.ok());
  Object next = **cached;
  next.mutable_json()["data"]["v"] = "2";
  absl::StatusOr<Object> updated = f.client.Update(next);
  REQUIRE(updated.ok());
  // The cache still holds "1".
  CHECK(ValueOf(*f.cache.Get(kCM, {"ns", "a"})) == "1");
  CHECK(ValueOf(*f.client.Get(kCM, {"ns", "a"})) == "2");
  absl::StatusOr<std::vector<client::ObjectPtr>> listed = f.client.List(kCM, "ns");
  REQUIRE(listed.ok());
  REQUIRE(listed->size() == 2);
  for (const client::ObjectPtr& o : *listed) {
    CHECK(ValueOf(o) == (o->name() == "a" ? "2" : "1"));
  }
  // A status write counts too.
  Object with_status = *updated;
  with_status.mutable_json()["status"] = Json{{"phase", "Ready"}};
  REQUIRE(f.client.Status().Update(with_status).ok());
  CHECK((*f.client.Get(kCM, {"ns", "a"}))->FindView({"status", "phase"}).get_string() == "Ready");
}

TEST_CASE("cached client: a write that relabels an object moves it out of a selection at once", "[cached_client]") {
  Fixture f;
  REQUIRE(f.client.Create(ConfigMap("a", "1", "a")).ok());
  f.Sync("a");
  const LabelSelector team_a = *LabelSelector::Parse("team=a");
  const LabelSelector team_b = *LabelSelector::Parse("team=b");
  Object moved = **f.client.Get(kCM, {"ns", "a"});
  moved.mutable_json()["metadata"]["labels"]["team"] = "b";
  REQUIRE(f.client.Update(moved).ok());
  CHECK(f.client.List(kCM, "ns", team_a)->empty());
  // Into a selection only once the cache shows it (the cache's answer stands for what it lacks).
  CHECK(f.client.List(kCM, "ns", team_b)->empty());
  f.Sync("a");
  REQUIRE(f.client.List(kCM, "ns", team_b)->size() == 1);
  // Another namespace's list is not touched.
  CHECK(f.client.List(kCM, "elsewhere", team_b)->empty());
}

TEST_CASE("cached client: deletes forget, and the option turns it off", "[cached_client]") {
  Fixture f;
  absl::StatusOr<Object> a = f.client.Create(ConfigMap("a", "1"));
  REQUIRE(a.ok());
  CHECK(f.client.pending_writes() == 1);
  REQUIRE(f.client.Delete(*a).ok());
  CHECK(f.client.pending_writes() == 0);
  CHECK(kop::IsNotFound(f.client.Get(kCM, {"ns", "a"}).status()));

  testkit::FakeClient server;
  testkit::FakeClient cache;
  CachedClient plain(cache, server, {.read_your_own_writes = false});
  REQUIRE(plain.Create(ConfigMap("b", "1")).ok());
  CHECK(kop::IsNotFound(plain.Get(kCM, {"ns", "b"}).status()));  // the cache lags, as without the option
  CHECK(plain.pending_writes() == 0);
}

TEST_CASE("cached client: a cache newer than the write wins", "[cached_client]") {
  Fixture f;
  REQUIRE(f.client.Create(ConfigMap("a", "1")).ok());
  // Someone else updated it after our write, and the cache has that.
  Object later = **f.server.Get(kCM, {"ns", "a"});
  later.mutable_json()["data"]["v"] = "3";
  REQUIRE(f.server.Update(later).ok());
  f.Sync("a");
  CHECK(ValueOf(*f.client.Get(kCM, {"ns", "a"})) == "3");
  CHECK(f.client.pending_writes() == 0);
}

TEST_CASE("cached client: a write stands in for the cache only for remember_writes_for", "[cached_client]") {
  testkit::FakeClient server;
  testkit::FakeClient cache;
  CachedClient client(cache, server, {.remember_writes_for = std::chrono::milliseconds(1)});
  REQUIRE(client.Create(ConfigMap("a", "1")).ok());
  cache.Add(**server.Get(kCM, {"ns", "a"}));
  Object next = **server.Get(kCM, {"ns", "a"});
  next.mutable_json()["data"]["v"] = "2";
  REQUIRE(client.Update(next).ok());
  // The cache never shows the update: once the window passes, reads answer from the cache
  // alone, with no write through the client in between.
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (ValueOf(*client.Get(kCM, {"ns", "a"})) != "1") {
    if (std::chrono::steady_clock::now() > deadline) FAIL("the written version outlived remember_writes_for");
  }
  CHECK(client.pending_writes() == 0);
  CHECK(ValueOf(client.List(kCM, "ns")->at(0)) == "1");
}

}  // namespace
}  // namespace kop
