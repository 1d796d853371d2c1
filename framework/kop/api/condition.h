// kop/api/condition: status conditions with Kubernetes semantics.
//
// Matches apimachinery's meta.SetStatusCondition: lastTransitionTime changes only when a
// condition's status changes; reason, message and observedGeneration are updated in place.
//
//   kop::Condition ready{.type = "Ready", .status = kop::kConditionTrue, .reason = "Available",
//                        .message = "2/2 replicas ready", .observed_generation = app.generation()};
//   KOP_ASSIGN_OR_RETURN(bool changed, kop::SetStatusCondition(app, ready, clock.WallNow()));
#ifndef KOP_API_CONDITION_H_
#define KOP_API_CONDITION_H_

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "kop/api/codec.h"
#include "kop/api/json.h"
#include "kop/api/object.h"

namespace kop {

inline constexpr std::string_view kConditionTrue = "True";
inline constexpr std::string_view kConditionFalse = "False";
inline constexpr std::string_view kConditionUnknown = "Unknown";

struct Condition {
  std::string type;
  std::string status;  // "True", "False" or "Unknown"
  std::string reason;
  std::string message;
  int64_t observed_generation = 0;
  // InfinitePast means unset: SetCondition fills in `now`.
  absl::Time last_transition_time = absl::InfinitePast();

  // InvalidArgument naming the field when type or status is missing or a field is mistyped.
  static absl::StatusOr<Condition> FromJson(const Json& j);
  Json ToJson() const;

  friend bool operator==(const Condition&, const Condition&) = default;
};

// Parses a conditions array (null reads as empty).
// kop::Condition in typed objects (kop/api/codec.h): `std::vector<kop::Condition> conditions`
// in a declared status reads and writes metav1.Condition's JSON, and its CRD schema is
// metav1.Condition's (type, status, reason, message required; lastTransitionTime a date-time).
absl::Status KopDecode(JsonView v, Condition& out, const codec::Path& path);
Json KopEncode(const Condition& c);
Json KopSchema(const Condition*);

absl::StatusOr<std::vector<Condition>> ConditionsFromJson(const Json& j);
Json ConditionsToJson(const std::vector<Condition>& conditions);

// Adds or updates the condition of `c.type` in `conditions`; returns whether anything changed.
bool SetCondition(std::vector<Condition>& conditions, Condition c, absl::Time now);
// Removes the condition of that type; whether it was there.
bool RemoveCondition(std::vector<Condition>& conditions, std::string_view type);
const Condition* FindCondition(const std::vector<Condition>& conditions, std::string_view type);
bool IsConditionTrue(const std::vector<Condition>& conditions, std::string_view type);

// The same on an object's status.conditions. The getters fail when the array is malformed.
absl::StatusOr<std::vector<Condition>> GetStatusConditions(const Object& obj);
absl::StatusOr<bool> SetStatusCondition(Object& obj, Condition c, absl::Time now);
absl::StatusOr<bool> RemoveStatusCondition(Object& obj, std::string_view type);
absl::StatusOr<std::optional<Condition>> FindStatusCondition(const Object& obj,
                                                             std::string_view type);

}  // namespace kop

#endif  // KOP_API_CONDITION_H_
