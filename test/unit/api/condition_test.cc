#include "kop/api/condition.h"

#include "catch2/catch.hpp"

namespace kop {
namespace {

const absl::Time kT0 = absl::FromUnixSeconds(1714557600);
const absl::Time kT1 = kT0 + absl::Minutes(5);

Condition Ready(std::string_view status, std::string reason = "R", int64_t gen = 1) {
  return {.type = "Ready", .status = std::string(status), .reason = std::move(reason),
          .message = "m", .observed_generation = gen};
}

TEST_CASE("a new condition gets now as its lastTransitionTime") {
  std::vector<Condition> cs;
  CHECK(SetCondition(cs, Ready(kConditionTrue), kT0));
  REQUIRE(cs.size() == 1);
  CHECK(cs[0].last_transition_time == kT0);
}

TEST_CASE("lastTransitionTime changes only when the status changes") {
  std::vector<Condition> cs;
  SetCondition(cs, Ready(kConditionTrue), kT0);
  CHECK(SetCondition(cs, Ready(kConditionTrue, "Other", 2), kT1));
  CHECK(cs[0].last_transition_time == kT0);
  CHECK(cs[0].reason == "Other");
  CHECK(cs[0].observed_generation == 2);
  CHECK(SetCondition(cs, Ready(kConditionFalse, "Other", 2), kT1));
  CHECK(cs[0].last_transition_time == kT1);
}

TEST_CASE("setting an identical condition reports no change") {
  std::vector<Condition> cs;
  SetCondition(cs, Ready(kConditionTrue), kT0);
  CHECK_FALSE(SetCondition(cs, Ready(kConditionTrue), kT1));
  CHECK(cs[0].last_transition_time == kT0);
}

TEST_CASE("conditions are found, tested and removed by type") {
  std::vector<Condition> cs;
  SetCondition(cs, Ready(kConditionTrue), kT0);
  SetCondition(cs, {.type = "Degraded", .status = "False"}, kT0);
  CHECK(IsConditionTrue(cs, "Ready"));
  CHECK_FALSE(IsConditionTrue(cs, "Degraded"));
  CHECK(FindCondition(cs, "Missing") == nullptr);
  CHECK(RemoveCondition(cs, "Ready"));
  CHECK_FALSE(RemoveCondition(cs, "Ready"));
  CHECK(cs.size() == 1);
}

TEST_CASE("status conditions on an object round-trip through JSON") {
  Object app;
  CHECK(SetStatusCondition(app, Ready(kConditionTrue), kT0).value());
  CHECK_FALSE(SetStatusCondition(app, Ready(kConditionTrue), kT1).value());
  const Json& stored = app.json()["status"]["conditions"][0];
  CHECK(stored["lastTransitionTime"] == "2024-05-01T10:00:00Z");
  CHECK(stored["observedGeneration"] == 1);
  auto found = FindStatusCondition(app, "Ready");
  REQUIRE(found.ok());
  REQUIRE(found->has_value());
  CHECK((*found)->last_transition_time == kT0);
  CHECK(RemoveStatusCondition(app, "Ready").value());
  CHECK(app.json()["status"]["conditions"].empty());
}

TEST_CASE("malformed conditions are an error naming the element and field") {
  Object app = Object::Parse(R"({"status": {"conditions": [{"type": "Ready"}]}})").value();
  auto cs = GetStatusConditions(app);
  REQUIRE_FALSE(cs.ok());
  CHECK(cs.status().message() == "status.conditions[0]: condition: missing status");
  Object bad_time = Object::Parse(
      R"({"status": {"conditions": [{"type": "A", "status": "True", "lastTransitionTime": "x"}]}})")
                        .value();
  CHECK_FALSE(GetStatusConditions(bad_time).ok());
  Object not_array = Object::Parse(R"({"status": {"conditions": {}}})").value();
  CHECK_FALSE(SetStatusCondition(not_array, Ready(kConditionTrue), kT0).ok());
}

}  // namespace
}  // namespace kop
