// The embedded API server's server-side apply merge: ownership, removal and conflicts.
#include "catch2/catch.hpp"
#include "kop/testing/internal/apply.h"

namespace kop::testing::internal {
namespace {

const ApplyRequest kA{.manager = "a", .now = "2026-01-01T00:00:00Z", .api_version = "v1"};
const ApplyRequest kB{.manager = "b", .now = "2026-01-01T00:00:00Z", .api_version = "v1"};

Json Cm(Json data) {
  return {{"apiVersion", "v1"}, {"kind", "ConfigMap"}, {"metadata", {{"name", "x"}}}, {"data", std::move(data)}};
}

TEST_CASE("apply records the applied fields in managedFields") {
  auto r = ServerSideApply(nullptr, Cm({{"k", "1"}}), kA);
  REQUIRE(r.ok());
  const Json& mf = (*r)["metadata"]["managedFields"];
  REQUIRE(mf.size() == 1);
  REQUIRE(mf[0]["manager"] == "a");
  REQUIRE(mf[0]["operation"] == "Apply");
  REQUIRE(mf[0]["fieldsV1"] == Json::parse(R"({"f:data": {"f:k": {}}})"));
  REQUIRE((*r)["data"]["k"] == "1");
  REQUIRE((*r)["metadata"]["name"] == "x");
}

TEST_CASE("a field dropped by its only owner goes and one another manager owns stays") {
  Json live = *ServerSideApply(nullptr, Cm({{"mine", "1"}, {"shared", "s"}}), kA);
  live = *ServerSideApply(&live, Cm({{"shared", "s"}}), kB);
  Json next = *ServerSideApply(&live, Cm(Json::object()), kA);
  REQUIRE_FALSE(next["data"].contains("mine"));
  REQUIRE(next["data"]["shared"] == "s");  // b still applies it
}

TEST_CASE("changing another manager's field conflicts unless forced and forcing takes it over") {
  Json live = *ServerSideApply(nullptr, Cm({{"k", "1"}}), kA);
  auto conflict = ServerSideApply(&live, Cm({{"k", "2"}}), kB);
  REQUIRE(conflict.status().code() == absl::StatusCode::kAborted);
  REQUIRE(conflict.status().message().find("conflict with \"a\": .data.k") != std::string_view::npos);
  ApplyRequest forced = kB;
  forced.force = true;
  auto taken = ServerSideApply(&live, Cm({{"k", "2"}}), forced);
  REQUIRE(taken.ok());
  REQUIRE((*taken)["data"]["k"] == "2");
  for (const Json& e : (*taken)["metadata"]["managedFields"]) REQUIRE(e["manager"] == "b");  // a owned nothing else
}

}  // namespace
}  // namespace kop::testing::internal
