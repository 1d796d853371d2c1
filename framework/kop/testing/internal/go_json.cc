#include "kop/testing/internal/go_json.h"

#include <string>
#include <vector>

#include "kop/api/quantity.h"
#include "kop/base/status_macros.h"
#include "kop/base/strings.h"

namespace kop::testing::internal {
namespace {

const Json* Member(const Json& schema, const char* key) {
  if (!schema.is_object()) return nullptr;
  auto it = schema.find(key);
  return it == schema.end() ? nullptr : &*it;
}

bool IsMapType(const Json& schema) {
  return Member(schema, "additionalProperties") != nullptr && Member(schema, "properties") == nullptr;
}

bool IsAlways(const Json& schema, const std::string& field) {
  const Json* always = Member(schema, kAlwaysKey);
  if (always == nullptr || !always->is_array()) return false;
  for (const Json& f : *always) {
    if (f.is_string() && f.get_ref<const std::string&>() == field) return true;
  }
  return false;
}

Json ZeroOf(const Json& schema) {
  if (Member(schema, "properties") != nullptr) return GoZeroValue(schema);
  const Json* type = Member(schema, "type");
  const Json* format = Member(schema, "format");
  if (format != nullptr && *format == "date-time") return nullptr;
  if (type == nullptr || !type->is_string()) return nullptr;
  const std::string& t = type->get_ref<const std::string&>();
  if (t == "integer" || t == "number") return 0;
  if (t == "boolean") return false;
  if (t == "string" && Member(schema, kQuantityKey) == nullptr) return "";
  if (t == "object" && Member(schema, "additionalProperties") == nullptr) return Json::object();  // an open struct
  return nullptr;  // lists, maps
}

absl::Status Walk(const Json& schema, Json& value) {
  if (Member(schema, kQuantityKey) != nullptr) {
    if (!value.is_string() && !value.is_number()) return absl::OkStatus();  // the schema reports the type
    const std::string text = value.is_string() ? value.get<std::string>() : value.dump();
    absl::StatusOr<Quantity> q = Quantity::Parse(text);
    if (!q.ok()) return q.status();
    value = q->String();
    return absl::OkStatus();
  }
  if (value.is_array()) {
    if (const Json* items = Member(schema, "items")) {
      for (Json& e : value) KOP_RETURN_IF_ERROR(Walk(*items, e));
    }
    return absl::OkStatus();
  }
  if (!value.is_object()) return absl::OkStatus();
  const Json* props = Member(schema, "properties");
  if (props == nullptr) {
    if (const Json* ap = Member(schema, "additionalProperties"); ap != nullptr && ap->is_object()) {
      for (auto& [k, v] : value.items()) KOP_RETURN_IF_ERROR(Walk(*ap, v));
    }
    return absl::OkStatus();
  }
  std::vector<std::string> drop;
  for (auto& [k, v] : value.items()) {
    auto sub = props->find(k);
    if (sub == props->end()) continue;  // pruning is the schema's business
    const bool always = IsAlways(schema, k);
    if (v.is_null()) {
      if (!always) drop.push_back(k);
      continue;
    }
    KOP_RETURN_IF_ERROR(Walk(*sub, v));
    if (!always && ((v.is_array() && v.empty()) || (v.is_object() && v.empty() && IsMapType(*sub)))) {
      drop.push_back(k);
    }
  }
  for (const std::string& k : drop) value.erase(k);
  if (const Json* always = Member(schema, kAlwaysKey); always != nullptr && always->is_array()) {
    for (const Json& f : *always) {
      const std::string& name = f.get_ref<const std::string&>();
      if (value.contains(name)) continue;
      auto sub = props->find(name);
      value[name] = sub == props->end() ? Json() : ZeroOf(*sub);
    }
  }
  return absl::OkStatus();
}

}  // namespace

absl::Status GoRoundTrip(const Json& schema, Json& value) { return Walk(schema, value); }

Json GoZeroValue(const Json& schema) {
  Json out = Json::object();
  const Json* props = Member(schema, "properties");
  const Json* always = Member(schema, kAlwaysKey);
  if (props == nullptr || always == nullptr || !always->is_array()) return out;
  for (const Json& f : *always) {
    const std::string& name = f.get_ref<const std::string&>();
    auto sub = props->find(name);
    out[name] = sub == props->end() ? Json() : ZeroOf(*sub);
  }
  return out;
}

}  // namespace kop::testing::internal
