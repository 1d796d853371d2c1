#include "kop/api/json.h"

#include "absl/status/status.h"
#include "kop/api/json_view.h"
#include "kop/base/strings.h"

namespace kop {

absl::StatusOr<Json> ParseJson(std::string_view text) {
  // Through the compact form: its parser reads the text several times faster than
  // nlohmann::json's (which reads it as that parser would), and a tree built from the encoding
  // knows every size in advance.
  absl::StatusOr<CompactJson> compact = CompactJson::Parse(text);
  if (!compact.ok()) return compact.status();
  return compact->view().ToJson();
}

std::string StringOr(const Json& j, std::string_view key, std::string_view fallback) {
  if (!j.is_object()) return std::string(fallback);
  auto it = j.find(key);
  return it != j.end() && it->is_string() ? it->get<std::string>() : std::string(fallback);
}

bool BoolOr(const Json& j, std::string_view key, bool fallback) {
  if (!j.is_object()) return fallback;
  auto it = j.find(key);
  return it != j.end() && it->is_boolean() ? it->get<bool>() : fallback;
}

const Json& ArrayOr(const Json& j, std::string_view key) {
  static const Json* const kEmpty = new Json(Json::array());
  if (!j.is_object()) return *kEmpty;
  auto it = j.find(key);
  return it != j.end() && it->is_array() ? *it : *kEmpty;
}

std::string DumpJson(const Json& j) {
  return j.dump(-1, ' ', false, Json::error_handler_t::replace);
}

std::string_view JsonTypeName(const Json& j) { return JsonTypeName(j.type()); }

std::string_view JsonTypeName(Json::value_t type) {
  switch (type) {
    case Json::value_t::object:
      return "object";
    case Json::value_t::array:
      return "array";
    case Json::value_t::string:
      return "string";
    case Json::value_t::number_integer:
    case Json::value_t::number_unsigned:
      return "integer";
    case Json::value_t::number_float:
      return "number";
    case Json::value_t::boolean:
      return "boolean";
    case Json::value_t::null:
      return "null";
    default:
      return "invalid";
  }
}

}  // namespace kop
