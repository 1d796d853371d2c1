#include "kop/api/typed.h"

#include <optional>

#include "catch2/catch.hpp"
#include "support/objects.h"

namespace {

struct AppSpec {
  std::string image;
  int replicas = 1;
};
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(AppSpec, image, replicas)

struct AppStatus {
  int readyReplicas = 0;
};
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(AppStatus, readyReplicas)

using App = kop::TypedObject<AppSpec, AppStatus>;

TEST_CASE("a typed object decodes spec and status from an unstructured object") {
  kop::Object obj = kop::test::MakeApplication("ns", "web", "nginx:1", 3);
  auto app = App::FromObject(obj);
  REQUIRE(app.ok());
  CHECK(app->spec.image == "nginx:1");
  CHECK(app->spec.replicas == 3);
  CHECK(app->status.readyReplicas == 0);
  CHECK(app->object().name() == "web");
}

TEST_CASE("fields the struct does not know survive a typed round trip") {
  kop::Object obj = kop::test::MakeApplication("ns", "web");
  obj.mutable_spec()["futureField"] = {{"nested", true}};
  obj.mutable_status()["conditions"] = kop::Json::array({{{"type", "Ready"}}});
  obj.mutable_json()["extra"] = 1;
  auto app = App::FromObject(obj).value();
  app.spec.replicas = 5;
  app.status.readyReplicas = 2;
  kop::Object out = app.ToObject();
  CHECK(out.GetInt64({"spec", "replicas"}).value() == 5);
  CHECK(out.GetBool({"spec", "futureField", "nested"}).value());
  CHECK(out.GetInt64({"status", "readyReplicas"}).value() == 2);
  CHECK(out.Find({"status", "conditions", "0", "type"}) != nullptr);
  CHECK(out.json()["extra"] == 1);
  CHECK(out.name() == "web");
}

TEST_CASE("a spec of the wrong shape is an error naming spec, not an exception") {
  kop::Object obj = kop::test::MakeApplication("ns", "web");
  obj.mutable_spec()["replicas"] = "three";
  auto app = App::FromObject(obj);
  REQUIRE_FALSE(app.ok());
  CHECK(app.status().code() == absl::StatusCode::kInvalidArgument);
  CHECK(app.status().message().rfind("spec: ", 0) == 0);
}

TEST_CASE("a status-less typed object leaves status alone") {
  kop::Object obj = kop::test::MakeApplication("ns", "web");
  obj.mutable_status()["phase"] = "Running";
  auto spec_only = kop::TypedObject<AppSpec>::FromObject(obj).value();
  CHECK(spec_only.ToObject().json()["status"]["phase"] == "Running");
}

TEST_CASE("overlay merges objects and replaces everything else") {
  kop::Json original = {{"a", {{"x", 1}, {"y", 2}}}, {"list", {1, 2}}};
  kop::Json typed = {{"a", {{"x", 9}}}, {"list", {3}}};
  CHECK(kop::OverlayJson(original, typed) ==
        kop::Json({{"a", {{"x", 9}, {"y", 2}}}, {"list", {3}}}));
}

}  // namespace
