#include "catch2/catch.hpp"
#include "kop/util/util.h"
#include "support/objects.h"

namespace kop::util {
namespace {

Object Owner(const std::string& ns = "ns", const std::string& name = "app", const std::string& uid = "uid-app") {
  Object o = test::MakeApplication(ns, name);
  o.set_uid(uid);
  return o;
}

TEST_CASE("SetControllerReference makes the owner the controller, once") {
  Object cm = test::MakeConfigMap("ns", "cm");
  Object app = Owner();
  REQUIRE(SetControllerReference(app, cm).ok());
  REQUIRE(SetControllerReference(app, cm).ok());  // idempotent
  auto refs = cm.owner_references().value();
  REQUIRE(refs.size() == 1);
  CHECK(refs[0].is_controller());
  CHECK(refs[0].block_owner_deletion == true);
  CHECK(refs[0].kind == "Application");
  CHECK(refs[0].uid == "uid-app");
  CHECK(IsControlledBy(cm, app));
}

TEST_CASE("SetControllerReference refuses a second controller, naming the first") {
  Object cm = test::MakeConfigMap("ns", "cm");
  REQUIRE(SetControllerReference(Owner("ns", "first", "uid-1"), cm).ok());
  absl::Status s = SetControllerReference(Owner("ns", "second", "uid-2"), cm);
  CHECK(absl::IsAlreadyExists(s));
  CHECK(s.message().find("first") != std::string_view::npos);
  CHECK_FALSE(IsControlledBy(cm, Owner("ns", "second", "uid-2")));
}

TEST_CASE("ownership across namespaces, from namespaced to cluster-scoped, and by unsaved owners is refused") {
  Object cm = test::MakeConfigMap("other", "cm");
  CHECK(absl::IsInvalidArgument(SetControllerReference(Owner("ns"), cm)));
  Object cluster_scoped = Object::New({"", "v1", "Namespace"}, {"", "team"});
  CHECK(absl::IsInvalidArgument(SetOwnerReference(Owner("ns"), cluster_scoped)));
  Object unsaved = test::MakeApplication("ns", "new");
  Object cm2 = test::MakeConfigMap("ns", "cm");
  CHECK(SetControllerReference(unsaved, cm2).message().find("no uid") != std::string_view::npos);
}

TEST_CASE("SetOwnerReference adds a plain reference beside a controller") {
  Object cm = test::MakeConfigMap("ns", "cm");
  REQUIRE(SetControllerReference(Owner("ns", "a", "uid-a"), cm).ok());
  REQUIRE(SetOwnerReference(Owner("ns", "b", "uid-b"), cm).ok());
  REQUIRE(SetOwnerReference(Owner("ns", "b", "uid-b2"), cm).ok());  // refreshed, not added
  auto refs = cm.owner_references().value();
  REQUIRE(refs.size() == 2);
  CHECK(refs[1].uid == "uid-b2");
  CHECK_FALSE(refs[1].is_controller());
}

}  // namespace
}  // namespace kop::util
