#include "kop/api/condition.h"

#include <algorithm>
#include <utility>

#include "absl/status/status.h"
#include "kop/base/strings.h"
#include "kop/api/time.h"
#include "kop/base/status_macros.h"

namespace kop {
namespace {

absl::Status StringField(const Json& j, const char* field, bool required, std::string* out) {
  auto it = j.find(field);
  if (it == j.end() || it->is_null()) {
    if (required) return absl::InvalidArgumentError(kop::StrCat("condition: missing ", field));
    return absl::OkStatus();
  }
  if (!it->is_string()) {
    return absl::InvalidArgumentError(kop::StrCat("condition.", field, ": expected string, got ",
                                                   JsonTypeName(*it)));
  }
  *out = it->get<std::string>();
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<Condition> Condition::FromJson(const Json& j) {
  if (!j.is_object()) {
    return absl::InvalidArgumentError(
        kop::StrCat("condition: expected object, got ", JsonTypeName(j)));
  }
  Condition c;
  KOP_RETURN_IF_ERROR(StringField(j, "type", true, &c.type));
  KOP_RETURN_IF_ERROR(StringField(j, "status", true, &c.status));
  KOP_RETURN_IF_ERROR(StringField(j, "reason", false, &c.reason));
  KOP_RETURN_IF_ERROR(StringField(j, "message", false, &c.message));
  if (auto it = j.find("observedGeneration"); it != j.end() && !it->is_null()) {
    if (!it->is_number_integer()) {
      return absl::InvalidArgumentError(kop::StrCat(
          "condition.observedGeneration: expected integer, got ", JsonTypeName(*it)));
    }
    c.observed_generation = it->get<int64_t>();
  }
  std::string ltt;
  KOP_RETURN_IF_ERROR(StringField(j, "lastTransitionTime", false, &ltt));
  if (!ltt.empty()) {
    absl::StatusOr<absl::Time> t = ParseRFC3339(ltt);
    if (!t.ok()) {
      return absl::InvalidArgumentError(
          kop::StrCat("condition.lastTransitionTime: ", t.status().message()));
    }
    c.last_transition_time = *t;
  }
  return c;
}

Json Condition::ToJson() const {
  Json j = {{"type", type}, {"status", status}};
  if (!reason.empty()) j["reason"] = reason;
  if (!message.empty()) j["message"] = message;
  if (observed_generation != 0) j["observedGeneration"] = observed_generation;
  if (last_transition_time != absl::InfinitePast()) {
    j["lastTransitionTime"] = FormatRFC3339(last_transition_time);
  }
  return j;
}

absl::StatusOr<std::vector<Condition>> ConditionsFromJson(const Json& j) {
  std::vector<Condition> out;
  if (j.is_null()) return out;
  if (!j.is_array()) {
    return absl::InvalidArgumentError(
        kop::StrCat("conditions: expected array, got ", JsonTypeName(j)));
  }
  for (size_t i = 0; i < j.size(); ++i) {
    absl::StatusOr<Condition> c = Condition::FromJson(j[i]);
    if (!c.ok()) {
      return absl::InvalidArgumentError(
          kop::StrCat("conditions[", i, "]: ", c.status().message()));
    }
    out.push_back(*std::move(c));
  }
  return out;
}

Json ConditionsToJson(const std::vector<Condition>& conditions) {
  Json arr = Json::array();
  for (const Condition& c : conditions) arr.push_back(c.ToJson());
  return arr;
}

bool SetCondition(std::vector<Condition>& conditions, Condition c, absl::Time now) {
  auto it = std::find_if(conditions.begin(), conditions.end(),
                         [&](const Condition& e) { return e.type == c.type; });
  if (it == conditions.end()) {
    if (c.last_transition_time == absl::InfinitePast()) c.last_transition_time = now;
    conditions.push_back(std::move(c));
    return true;
  }
  bool changed = false;
  if (it->status != c.status) {
    it->status = c.status;
    it->last_transition_time =
        c.last_transition_time == absl::InfinitePast() ? now : c.last_transition_time;
    changed = true;
  }
  if (it->reason != c.reason) {
    it->reason = std::move(c.reason);
    changed = true;
  }
  if (it->message != c.message) {
    it->message = std::move(c.message);
    changed = true;
  }
  if (it->observed_generation != c.observed_generation) {
    it->observed_generation = c.observed_generation;
    changed = true;
  }
  return changed;
}

bool RemoveCondition(std::vector<Condition>& conditions, std::string_view type) {
  const auto before = conditions.size();
  std::erase_if(conditions, [&](const Condition& c) { return c.type == type; });
  return conditions.size() != before;
}

const Condition* FindCondition(const std::vector<Condition>& conditions, std::string_view type) {
  for (const Condition& c : conditions) {
    if (c.type == type) return &c;
  }
  return nullptr;
}

bool IsConditionTrue(const std::vector<Condition>& conditions, std::string_view type) {
  const Condition* c = FindCondition(conditions, type);
  return c != nullptr && c->status == kConditionTrue;
}

absl::StatusOr<std::vector<Condition>> GetStatusConditions(const Object& obj) {
  const Json* j = obj.Find({"status", "conditions"});
  if (j == nullptr) return std::vector<Condition>();
  absl::StatusOr<std::vector<Condition>> c = ConditionsFromJson(*j);
  if (!c.ok()) return absl::InvalidArgumentError(kop::StrCat("status.", c.status().message()));
  return c;
}

absl::StatusOr<bool> SetStatusCondition(Object& obj, Condition c, absl::Time now) {
  KOP_ASSIGN_OR_RETURN(std::vector<Condition> conditions, GetStatusConditions(obj));
  if (!SetCondition(conditions, std::move(c), now)) return false;
  obj.mutable_status()["conditions"] = ConditionsToJson(conditions);
  return true;
}

absl::StatusOr<bool> RemoveStatusCondition(Object& obj, std::string_view type) {
  KOP_ASSIGN_OR_RETURN(std::vector<Condition> conditions, GetStatusConditions(obj));
  if (!RemoveCondition(conditions, type)) return false;
  obj.mutable_status()["conditions"] = ConditionsToJson(conditions);
  return true;
}

absl::StatusOr<std::optional<Condition>> FindStatusCondition(const Object& obj,
                                                             std::string_view type) {
  KOP_ASSIGN_OR_RETURN(std::vector<Condition> conditions, GetStatusConditions(obj));
  const Condition* c = FindCondition(conditions, type);
  if (c == nullptr) return std::optional<Condition>();
  return std::optional<Condition>(*c);
}

absl::Status KopDecode(JsonView v, Condition& out, const codec::Path& path) {
  if (!v.exists() || v.is_null()) return absl::OkStatus();
  absl::StatusOr<Condition> c = Condition::FromJson(v.ToJson());
  if (!c.ok()) return absl::InvalidArgumentError(kop::StrCat(path.ToString(), ": ", c.status().message()));
  out = *std::move(c);
  return absl::OkStatus();
}

Json KopEncode(const Condition& c) { return c.ToJson(); }

Json KopSchema(const Condition*) {
  return Json::parse(R"({"type": "object", "required": ["type", "status", "lastTransitionTime", "reason", "message"],
    "properties": {
      "type": {"type": "string", "maxLength": 316, "description": "The type of condition in CamelCase."},
      "status": {"type": "string", "enum": ["True", "False", "Unknown"], "description": "True, False or Unknown."},
      "observedGeneration": {"type": "integer", "format": "int64", "minimum": 0,
                             "description": "The .metadata.generation the condition was set upon."},
      "lastTransitionTime": {"type": "string", "format": "date-time",
                             "description": "When the condition last changed from one status to another."},
      "reason": {"type": "string", "maxLength": 1024, "minLength": 1,
                 "description": "A programmatic identifier of the reason for the last transition, in CamelCase."},
      "message": {"type": "string", "maxLength": 32768, "description": "A human readable message about the transition."}}})");
}

}  // namespace kop
