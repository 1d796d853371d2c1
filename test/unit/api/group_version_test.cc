#include "kop/api/group_version.h"

#include "absl/container/flat_hash_set.h"
#include "catch2/catch.hpp"

namespace kop {
namespace {

TEST_CASE("apiVersion with a group parses into group and version") {
  auto gv = GroupVersion::Parse("apps/v1");
  REQUIRE(gv.ok());
  CHECK(gv->group == "apps");
  CHECK(gv->version == "v1");
  CHECK(gv->ToString() == "apps/v1");
}

TEST_CASE("a core apiVersion has an empty group and formats without a slash") {
  auto gv = GroupVersion::Parse("v1");
  REQUIRE(gv.ok());
  CHECK(gv->group.empty());
  CHECK(gv->ToString() == "v1");
}

TEST_CASE("malformed apiVersions are rejected with the input in the message") {
  for (const char* bad : {"", "/v1", "apps/", "a/b/c", "apps v1", "apps/v 1"}) {
    auto gv = GroupVersion::Parse(bad);
    INFO(bad);
    REQUIRE_FALSE(gv.ok());
    CHECK(gv.status().code() == absl::StatusCode::kInvalidArgument);
    if (*bad != '\0') CHECK(gv.status().message().find(bad) != std::string_view::npos);
  }
}

TEST_CASE("a GroupVersionKind comes from apiVersion and kind and prints as Kubernetes does") {
  auto gvk = GroupVersionKind::FromApiVersionKind("example.com/v1", "Application");
  REQUIRE(gvk.ok());
  CHECK(gvk->group == "example.com");
  CHECK(gvk->api_version() == "example.com/v1");
  CHECK(gvk->ToString() == "example.com/v1, Kind=Application");
  CHECK(gvk->group_kind().ToString() == "Application.example.com");
  CHECK_FALSE(GroupVersionKind::FromApiVersionKind("v1", "").ok());
  CHECK_FALSE(GroupVersionKind::FromApiVersionKind("", "Pod").ok());
}

TEST_CASE("a GroupVersionResource parses from kubectl's dotted form and the path form") {
  auto dotted = GroupVersionResource::Parse("deployments.v1.apps");
  REQUIRE(dotted.ok());
  CHECK(*dotted == GroupVersionResource{"apps", "v1", "deployments"});
  auto crd = GroupVersionResource::Parse("applications.v1.example.com");
  REQUIRE(crd.ok());
  CHECK(crd->group == "example.com");
  auto path = GroupVersionResource::Parse("v1/configmaps");
  REQUIRE(path.ok());
  CHECK(*path == GroupVersionResource{"", "v1", "configmaps"});
  CHECK(path->ToString() == "v1, Resource=configmaps");
  CHECK_FALSE(GroupVersionResource::Parse("deployments").ok());
  CHECK_FALSE(GroupVersionResource::Parse("a/b/c/d").ok());
  CHECK_FALSE(GroupVersionResource::Parse("").ok());
}

TEST_CASE("group-version types are hashable and comparable") {
  absl::flat_hash_set<GroupVersionKind> set;
  set.insert({"apps", "v1", "Deployment"});
  set.insert({"apps", "v1", "Deployment"});
  set.insert({"", "v1", "Service"});
  CHECK(set.size() == 2);
  CHECK(GroupVersionKind{"a", "v1", "K"} < GroupVersionKind{"b", "v1", "K"});
}

}  // namespace
}  // namespace kop
