// kop/util against the embedded API server (or a real cluster with KOP_TEST_KUBECONFIG).
#include "catch2/catch.hpp"
#include "kop/util/event_recorder.h"
#include "kop/util/util.h"
#include "support/client_env.h"
#include "support/cluster.h"
#include "support/wait.h"

namespace kop::util {
namespace {

using std::chrono::seconds;

struct Env {
  Env() {
    client = test::ConnectClient(cluster);
    cms = client->Resource({"", "v1", "configmaps"}, true).Namespace(cluster.ns());
  }
  test::TestCluster cluster;
  std::unique_ptr<client::Client> client;
  client::ResourceClient cms{nullptr, {}, true};
};

MutateFn SetData(std::string value) {
  return [value](Object& o) {
    o.mutable_json()["data"] = {{"k", value}};
    return absl::OkStatus();
  };
}

TEST_CASE("CreateOrUpdate creates, updates, and does not write when nothing changes") {
  Env env;
  Object cm = Object::New({"", "v1", "ConfigMap"}, {env.cluster.ns(), "c"});
  CHECK(CreateOrUpdate(env.cms, cm, SetData("1")).value() == OperationResult::kCreated);
  CHECK_FALSE(cm.uid().empty());
  const std::string rv(cm.resource_version());
  CHECK(CreateOrUpdate(env.cms, cm, SetData("1")).value() == OperationResult::kUnchanged);
  CHECK(env.cms.Get("c")->resource_version() == rv);  // no write
  CHECK(CreateOrUpdate(env.cms, cm, SetData("2")).value() == OperationResult::kUpdated);
  CHECK(env.cms.Get("c")->GetString({"data", "k"}).value() == "2");
  auto rename = CreateOrUpdate(env.cms, cm, [](Object& o) {
    o.set_name("other");
    return absl::OkStatus();
  });
  CHECK(absl::IsInvalidArgument(rename.status()));
}

TEST_CASE("Apply sends only the desired fields: server-set metadata is not a conflict") {
  Env env;
  Object desired = Object::New({"", "v1", "ConfigMap"}, {env.cluster.ns(), "applied"});
  desired.mutable_json()["data"] = {{"k", "1"}, {"gone", "soon"}};
  auto first = Apply(env.cms, desired, "kop-test");
  INFO(first.status().ToString());
  REQUIRE(first.ok());
  CHECK(first->GetString({"data", "k"}).value() == "1");
  // Re-applying the object as read back (resourceVersion, uid, managedFields and all) works.
  Object again = *first;
  again.mutable_json()["data"] = {{"k", "2"}};
  auto second = Apply(env.cms, again, "kop-test");
  INFO(second.status().ToString());
  REQUIRE(second.ok());
  CHECK(second->GetString({"data", "k"}).value() == "2");
  CHECK_FALSE(second->Find({"data", "gone"}));  // dropped from the configuration: removed
  // Another manager is refused without force and wins with it.
  Object other = Object::New({"", "v1", "ConfigMap"}, {env.cluster.ns(), "applied"});
  other.mutable_json()["data"] = {{"k", "3"}};
  CHECK(kop::IsConflict(Apply(env.cms, other, "someone-else", false).status()));
  CHECK(Apply(env.cms, other, "someone-else", true).value().GetString({"data", "k"}).value() == "3");
  CHECK(absl::IsInvalidArgument(Apply(env.cms, Object::New({"", "v1", "ConfigMap"}, {}), "x").status()));
}

TEST_CASE("CreateOrPatch patches the object and its status separately, and skips no-ops") {
  Env env;
  const std::string group = env.cluster.InstallCrd("Gizmo", "gizmos");
  auto gizmos = env.client->Resource({group, "v1", "gizmos"}, true).Namespace(env.cluster.ns());
  Object g = Object::New({group, "v1", "Gizmo"}, {env.cluster.ns(), "g"});
  auto spec = [](int n) {
    return [n](Object& o) { return o.Set({"spec", "size"}, n); };
  };
  CHECK(CreateOrPatch(gizmos, g, spec(1)).value() == OperationResult::kCreated);
  CHECK(CreateOrPatch(gizmos, g, spec(1)).value() == OperationResult::kUnchanged);
  CHECK(CreateOrPatch(gizmos, g, spec(2)).value() == OperationResult::kUpdated);
  auto ready = [](Object& o) { return o.Set({"status", "phase"}, "Ready"); };
  CHECK(CreateOrPatch(gizmos, g, ready).value() == OperationResult::kUpdatedStatus);
  auto got = gizmos.Get("g");
  REQUIRE(got.ok());
  CHECK(got->GetInt64({"spec", "size"}).value() == 2);
  CHECK(got->GetString({"status", "phase"}).value() == "Ready");
}

TEST_CASE("the event recorder writes Events and folds repeats into a count") {
  Env env;
  auto about = env.cms.Create(Object::New({"", "v1", "ConfigMap"}, {env.cluster.ns(), "subject"}));
  REQUIRE(about.ok());
  EventRecorder recorder(*env.client, {.component = "kop-test"});
  recorder.Event(*about, EventType::kNormal, "Created", "created things");
  recorder.Event(*about, EventType::kNormal, "Created", "created things");
  recorder.Event(*about, EventType::kNormal, "Created", "created things");
  recorder.Event(*about, EventType::kWarning, "Failed", "something broke");
  REQUIRE(recorder.WaitIdle(seconds(30)));
  auto events = env.client->Resource({"", "v1", "events"}, true).Namespace(env.cluster.ns()).List(
      {.field_selector = "involvedObject.name=subject"});
  REQUIRE(events.ok());
  REQUIRE(events->items.size() == 2);
  for (const Object& e : events->items) {
    if (e.GetString({"reason"}).value() == "Created") {
      CHECK(e.GetInt64({"count"}).value() == 3);
      CHECK(e.GetString({"type"}).value() == "Normal");
      CHECK(e.GetString({"involvedObject", "uid"}).value() == about->uid());
      CHECK(e.GetString({"source", "component"}).value() == "kop-test");
    } else {
      CHECK(e.GetString({"type"}).value() == "Warning");
      CHECK(e.GetInt64({"count"}).value() == 1);
    }
  }
  CHECK(recorder.written() == 4);
}

TEST_CASE("the event recorder never blocks: beyond its buffer and its per-object budget it drops") {
  Env env;
  auto about = env.cms.Create(Object::New({"", "v1", "ConfigMap"}, {env.cluster.ns(), "noisy"}));
  REQUIRE(about.ok());
  EventRecorder recorder(*env.client, {.burst_per_object = 3});
  for (int i = 0; i < 10; ++i) {
    recorder.Event(*about, EventType::kNormal, "Tick", "tick " + std::to_string(i));
  }
  REQUIRE(recorder.WaitIdle(seconds(30)));
  CHECK(recorder.written() == 3);
  CHECK(recorder.dropped() == 7);
}

}  // namespace
}  // namespace kop::util
