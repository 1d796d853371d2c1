#include "kop/testkit/fake_client.h"

#include "catch2/catch.hpp"
#include "kop/client/errors.h"

namespace kop::testkit {
namespace {

const GroupVersionKind kConfigMap{"", "v1", "ConfigMap"};
const GroupVersionKind kWidget{"example.com", "v1", "Widget"};

Object ConfigMap(const std::string& name, const std::string& value) {
  Object cm = Object::New(kConfigMap, {"ns", name});
  cm.mutable_json()["data"] = {{"k", value}};
  return cm;
}

TEST_CASE("the fake stores what is created, with the server's bookkeeping and errors") {
  FakeClient fake;
  auto created = fake.Create(ConfigMap("a", "1"));
  REQUIRE(created.ok());
  CHECK_FALSE(created->uid().empty());
  CHECK(created->generation() == 1);
  CHECK(kop::IsAlreadyExists(fake.Create(ConfigMap("a", "2")).status()));
  auto missing = fake.Get(kConfigMap, {"ns", "b"});
  CHECK(kop::IsNotFound(missing.status()));
  CHECK(missing.status().message() == "configmaps \"b\" not found");

  // An update with a stale resourceVersion is a Conflict; a current one bumps it.
  Object stale = *created;
  Object fresh = *created;
  fresh.mutable_json()["data"]["k"] = "2";
  auto updated = fake.Update(fresh);
  REQUIRE(updated.ok());
  CHECK(updated->resource_version() != created->resource_version());
  CHECK(updated->generation() == 2);  // data is desired state
  stale.mutable_json()["data"]["k"] = "3";
  CHECK(kop::IsConflict(fake.Update(stale).status()));

  // An update that changes nothing is not a change.
  auto same = fake.Update(*updated);
  REQUIRE(same.ok());
  CHECK(same->resource_version() == updated->resource_version());
}

TEST_CASE("the fake keeps status and spec apart, as the status subresource does") {
  Object w = Object::New(kWidget, {"ns", "w"});
  w.mutable_json()["spec"] = {{"size", 1}};
  FakeClient fake({w});
  Object with_status = **fake.Get(kWidget, w.key());
  with_status.mutable_json()["status"] = {{"ready", true}};
  with_status.mutable_json()["spec"]["size"] = 5;  // ignored by a status write
  auto st = fake.Status().Update(with_status);
  REQUIRE(st.ok());
  CHECK(st->json()["status"]["ready"] == true);
  CHECK(st->json()["spec"]["size"] == 1);
  Object main = *st;
  main.mutable_json()["status"]["ready"] = false;  // ignored by a main write
  main.mutable_json()["spec"]["size"] = 2;
  auto up = fake.Update(main);
  REQUIRE(up.ok());
  CHECK(up->json()["status"]["ready"] == true);
  CHECK(up->json()["spec"]["size"] == 2);
  const std::vector<FakeClient::Write> writes = fake.Writes();
  REQUIRE(writes.size() == 2);
  CHECK(writes[0].subresource == "status");
  CHECK(writes[1].verb == "update");
}

TEST_CASE("the fake deletes through finalizers, patches, and lists by label") {
  Object held = ConfigMap("held", "x");
  held.AddFinalizer("example.com/hold");
  held.mutable_json()["metadata"]["labels"] = {{"app", "a"}};
  Object other = ConfigMap("other", "y");
  FakeClient fake({held, other});
  REQUIRE(fake.Delete(held).ok());
  auto still = fake.Get(kConfigMap, held.key());
  REQUIRE(still.ok());
  CHECK((*still)->IsBeingDeleted());
  Object release = **still;
  release.RemoveFinalizer("example.com/hold");
  REQUIRE(fake.Update(release).ok());
  CHECK(kop::IsNotFound(fake.Get(kConfigMap, held.key()).status()));

  auto patched = fake.Patch(other, client::PatchType::kMerge, R"({"metadata":{"labels":{"app":"b"}},"data":{"n":"1"}})");
  REQUIRE(patched.ok());
  CHECK(patched->json()["data"] == Json({{"k", "y"}, {"n", "1"}}));
  auto selected = fake.List(kConfigMap, "ns", *LabelSelector::Parse("app=b"));
  REQUIRE(selected.ok());
  REQUIRE(selected->size() == 1);
  CHECK((*selected)[0]->name() == "other");
  CHECK(kop::IsNotFound(fake.Delete(held)));
  CHECK(kop::IgnoreNotFound(fake.Delete(held)).ok());
}

TEST_CASE("the fake applies: creates when absent, merges when present, and logs both as apply") {
  FakeClient fake;
  auto created = fake.Apply(ConfigMap("a", "1"), "test");
  REQUIRE(created.ok());
  Object more = ConfigMap("a", "2");
  more.mutable_json()["data"]["n"] = "x";
  auto merged = fake.Apply(more, "test");
  REQUIRE(merged.ok());
  CHECK(merged->json()["data"] == Json({{"k", "2"}, {"n", "x"}}));
  const std::vector<FakeClient::Write> writes = fake.Writes();
  REQUIRE(writes.size() == 2);
  CHECK(writes[0].verb == "apply");
  CHECK(writes[1].verb == "apply");
}

}  // namespace
}  // namespace kop::testkit
