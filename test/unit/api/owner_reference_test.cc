#include "kop/api/owner_reference.h"

#include "catch2/catch.hpp"
#include "kop/api/object.h"

namespace kop {
namespace {

OwnerReference AppRef(bool controller) {
  return {.api_version = "example.com/v1", .kind = "Application", .name = "web",
          .uid = "u-1", .controller = controller, .block_owner_deletion = true};
}

TEST_CASE("owner references round-trip through an object") {
  Object obj;
  obj.set_owner_references({AppRef(true), {.api_version = "v1", .kind = "ConfigMap",
                                           .name = "c", .uid = "u-2"}});
  auto refs = obj.owner_references();
  REQUIRE(refs.ok());
  REQUIRE(refs->size() == 2);
  CHECK((*refs)[0] == AppRef(true));
  CHECK_FALSE((*refs)[1].controller.has_value());
  CHECK_FALSE(obj.json()["metadata"]["ownerReferences"][1].contains("controller"));
  obj.set_owner_references({});
  CHECK(obj.Find({"metadata", "ownerReferences"}) == nullptr);
}

TEST_CASE("the controller reference is the one with controller true") {
  std::vector<OwnerReference> refs = {AppRef(false), AppRef(true)};
  refs[1].name = "owner";
  auto ctrl = GetControllerOf(refs);
  REQUIRE(ctrl.has_value());
  CHECK(ctrl->name == "owner");
  CHECK_FALSE(GetControllerOf({AppRef(false)}).has_value());
}

TEST_CASE("owner references match by group and kind, whatever the version") {
  OwnerReference ref = AppRef(true);
  ref.api_version = "example.com/v2beta1";
  CHECK(ref.MatchesGroupKind({"example.com", "Application"}));
  CHECK_FALSE(ref.MatchesGroupKind({"other.com", "Application"}));
  CHECK_FALSE(ref.MatchesGroupKind({"example.com", "Deployment"}));
  OwnerReference core{.api_version = "v1", .kind = "ConfigMap", .name = "c", .uid = "u"};
  CHECK(core.MatchesGroupKind({"", "ConfigMap"}));
}

TEST_CASE("malformed owner references are rejected naming the field") {
  CHECK(OwnerReference::FromJson(Json::array()).status().message() ==
        "ownerReference: expected object, got array");
  CHECK(OwnerReference::FromJson({{"apiVersion", "v1"}, {"kind", "X"}, {"name", "n"}})
            .status()
            .message() == "ownerReference: missing uid");
  CHECK(OwnerReference::FromJson(
            {{"apiVersion", "v1"}, {"kind", "X"}, {"name", "n"}, {"uid", "u"}, {"controller", "yes"}})
            .status()
            .message() == "ownerReference.controller: expected boolean, got string");
  CHECK(OwnerReferencesFromJson(Json::object()).status().message() ==
        "metadata.ownerReferences: expected array, got object");
}

}  // namespace
}  // namespace kop
