#include "kop/testing/internal/schema.h"

#include <algorithm>
#include <cmath>
#include <regex>
#include <string>
#include <unordered_map>

#include "absl/strings/escaping.h"
#include "kop/api/time.h"
#include "kop/base/strings.h"
#include "kop/testing/internal/go_json.h"

namespace kop::testing::internal {
namespace {

// A CRD's `pattern`, compiled once per thread. The polynomial (breadth-first) executor keeps
// the matcher's recursion bounded by the pattern rather than the value, so a long string
// cannot exhaust a server thread's small stack. Throws std::regex_error for a bad pattern.
const std::regex& CompiledPattern(const std::string& pattern) {
  static thread_local std::unordered_map<std::string, std::regex> cache;
  if (auto it = cache.find(pattern); it != cache.end()) return it->second;
  if (cache.size() >= 256) cache.clear();
  return cache
      .emplace(pattern, std::regex(pattern, std::regex::ECMAScript | std::regex_constants::__polynomial))
      .first->second;
}

std::string Join(const std::string& path, const std::string& field) {
  return path.empty() ? field : kop::StrCat(path, ".", field);
}

bool PreservesUnknown(const Json& schema) {
  return schema.value("x-kubernetes-preserve-unknown-fields", false);
}

// Defaults first, at every level that exists, as upstream does before validating.
void Default(const Json& schema, Json& value) {
  if (value.is_object()) {
    if (auto props = schema.find("properties"); props != schema.end() && props->is_object()) {
      for (const auto& [name, sub] : props->items()) {
        if (!value.contains(name) && sub.is_object() && sub.contains("default")) {
          value[name] = sub["default"];
        }
        if (value.contains(name) && sub.is_object()) Default(sub, value[name]);
      }
    }
    if (auto ap = schema.find("additionalProperties"); ap != schema.end() && ap->is_object()) {
      for (auto& [name, v] : value.items()) Default(*ap, v);
    }
  } else if (value.is_array()) {
    if (auto items = schema.find("items"); items != schema.end() && items->is_object()) {
      for (Json& v : value) Default(*items, v);
    }
  }
}

std::string Index(const std::string& path, size_t i) { return kop::StrCat(path, "[", i, "]"); }

void Prune(const Json& schema, Json& value, const std::string& path, std::vector<std::string>* unknown) {
  if (PreservesUnknown(schema) || schema.value("x-kubernetes-embedded-resource", false)) return;
  if (value.is_object()) {
    const auto props = schema.find("properties");
    const auto ap = schema.find("additionalProperties");
    const bool any_key = ap != schema.end() && (ap->is_object() || (ap->is_boolean() && ap->get<bool>()));
    for (auto it = value.begin(); it != value.end();) {
      if (path.empty() && (it.key() == "apiVersion" || it.key() == "kind" || it.key() == "metadata")) {
        ++it;
        continue;
      }
      const bool known = props != schema.end() && props->is_object() && props->contains(it.key());
      const Json* sub = known ? &(*props)[it.key()] : (ap != schema.end() && ap->is_object() ? &*ap : nullptr);
      if (it.value().is_null() && (known || any_key) && (sub == nullptr || !sub->value("nullable", false))) {
        // A null where the schema does not allow one is dropped, as upstream's decoding does
        // (kubectl sends creationTimestamp: null).
        it = value.erase(it);
        continue;
      }
      if (!known && !any_key) {
        unknown->push_back(Join(path, it.key()));
        it = value.erase(it);
        continue;
      }
      if (known) {
        Prune((*props)[it.key()], it.value(), Join(path, it.key()), unknown);
      } else if (ap->is_object()) {
        Prune(*ap, it.value(), Join(path, it.key()), unknown);
      }
      ++it;
    }
  } else if (value.is_array()) {
    if (auto items = schema.find("items"); items != schema.end() && items->is_object()) {
      for (size_t i = 0; i < value.size(); ++i) Prune(*items, value[i], Index(path, i), unknown);
    }
  }
}

std::string TypeOf(const Json& v) {
  if (v.is_null()) return "null";
  if (v.is_boolean()) return "boolean";
  if (v.is_number_integer() || v.is_number_unsigned()) return "integer";
  if (v.is_number()) return std::floor(v.get<double>()) == v.get<double>() ? "integer" : "number";
  if (v.is_string()) return "string";
  if (v.is_array()) return "array";
  return "object";
}

bool HasType(const Json& v, const std::string& type) {
  const std::string actual = TypeOf(v);
  if (type == actual) return true;
  return type == "number" && actual == "integer";
}

std::string Show(const Json& v) { return v.dump(); }

bool IsBase64(const std::string& s) {
  std::string decoded;
  return absl::Base64Unescape(s, &decoded) && s.size() % 4 == 0;
}

void Validate(const Json& schema, const Json& value, const std::string& path,
              std::vector<FieldCause>& out) {
  if (!schema.is_object()) return;
  if (value.is_null()) {
    if (schema.value("nullable", false)) return;
  }
  const bool int_or_string = schema.value("x-kubernetes-int-or-string", false);
  if (int_or_string) {
    if (!value.is_string() && TypeOf(value) != "integer") {
      out.push_back({"FieldValueTypeInvalid", path,
                     kop::StrCat("Invalid value: ", Show(value), ": ", path,
                                 " in body must be of type integer-or-string: \"", TypeOf(value), "\"")});
      return;
    }
  } else if (auto type = schema.find("type"); type != schema.end() && type->is_string()) {
    if (!HasType(value, *type)) {
      out.push_back({"FieldValueTypeInvalid", path,
                     kop::StrCat("Invalid value: \"", TypeOf(value), "\": ", path,
                                 " in body must be of type ", type->get<std::string>(), ": \"",
                                 TypeOf(value), "\"")});
      return;
    }
  }
  if (auto e = schema.find("enum"); e != schema.end() && e->is_array()) {
    bool found = false;
    for (const Json& allowed : *e) found = found || allowed == value;
    if (!found) {
      std::string supported;
      for (const Json& allowed : *e) supported += (supported.empty() ? "" : ", ") + Show(allowed);
      out.push_back({"FieldValueNotSupported", path,
                     kop::StrCat("Unsupported value: ", Show(value), ": supported values: ", supported)});
    }
  }
  if (value.is_number()) {
    const double x = value.get<double>();
    if (auto m = schema.find("maximum"); m != schema.end() && m->is_number()) {
      const bool exclusive = schema.value("exclusiveMaximum", false);
      if (exclusive ? x >= m->get<double>() : x > m->get<double>()) {
        out.push_back({"FieldValueInvalid", path,
                       kop::StrCat("Invalid value: ", Show(value), ": ", path, " in body should be less than ",
                                   exclusive ? "" : "or equal to ", Show(*m))});
      }
    }
    if (auto m = schema.find("minimum"); m != schema.end() && m->is_number()) {
      const bool exclusive = schema.value("exclusiveMinimum", false);
      if (exclusive ? x <= m->get<double>() : x < m->get<double>()) {
        out.push_back({"FieldValueInvalid", path,
                       kop::StrCat("Invalid value: ", Show(value), ": ", path, " in body should be greater than ",
                                   exclusive ? "" : "or equal to ", Show(*m))});
      }
    }
  }
  if (value.is_string()) {
    const std::string& s = value.get_ref<const std::string&>();
    const std::string format = schema.value("format", "");
    if (format == "byte" && !IsBase64(s)) {
      out.push_back({"FieldValueTypeInvalid", path,
                     kop::StrCat("Invalid value: ", Show(value), ": ", path, " in body must be of type byte: ",
                                 Show(value))});
    } else if (format == "date-time" && !schema.contains(kGoTimeKey) && !ParseRFC3339(s).ok()) {
      // (A built-in kind's times are decoded by the Go round trip, with Go's messages.)
      out.push_back({"FieldValueTypeInvalid", path,
                     kop::StrCat("Invalid value: ", Show(value), ": ", path, " in body must be of type date-time: ",
                                 Show(value))});
    }
    if (auto m = schema.find("maxLength"); m != schema.end() && m->is_number_integer() &&
                                           static_cast<int64_t>(s.size()) > m->get<int64_t>()) {
      out.push_back({"FieldValueTooLong", path,
                     kop::StrCat("Too long: may not be more than ", m->get<int64_t>(), " bytes")});
    }
    if (auto m = schema.find("minLength"); m != schema.end() && m->is_number_integer() &&
                                           static_cast<int64_t>(s.size()) < m->get<int64_t>()) {
      out.push_back({"FieldValueInvalid", path,
                     kop::StrCat("Invalid value: ", Show(value), ": ", path, " in body should be at least ",
                                 m->get<int64_t>(), " chars long")});
    }
    if (auto p = schema.find("pattern"); p != schema.end() && p->is_string()) {
      try {
        if (!std::regex_search(s, CompiledPattern(p->get<std::string>()))) {
          out.push_back({"FieldValueInvalid", path,
                         kop::StrCat("Invalid value: ", Show(value), ": ", path, " in body should match '",
                                     p->get<std::string>(), "'")});
        }
      } catch (const std::regex_error&) {
        // An unusable pattern was already accepted in the CRD; upstream would have refused it.
      }
    }
  }
  if (value.is_array()) {
    const int64_t n = static_cast<int64_t>(value.size());
    if (auto m = schema.find("maxItems"); m != schema.end() && m->is_number_integer() && n > m->get<int64_t>()) {
      out.push_back({"FieldValueTooMany", path,
                     kop::StrCat("Too many: ", n, ": must have at most ", m->get<int64_t>(), " items")});
    }
    if (auto m = schema.find("minItems"); m != schema.end() && m->is_number_integer() && n < m->get<int64_t>()) {
      out.push_back({"FieldValueInvalid", path,
                     kop::StrCat("Invalid value: ", n, ": ", path, " in body should have at least ",
                                 m->get<int64_t>(), " items")});
    }
    if (auto items = schema.find("items"); items != schema.end() && items->is_object()) {
      for (size_t i = 0; i < value.size(); ++i) {
        Validate(*items, value[i], kop::StrCat(path, "[", i, "]"), out);
      }
    }
    // A set holds each value once; a map list each key once.
    const std::string list_type = schema.value("x-kubernetes-list-type", "");
    if (list_type == "set" || list_type == "map") {
      std::vector<Json> seen;
      for (size_t i = 0; i < value.size(); ++i) {
        Json key = value[i];
        if (list_type == "map") {
          key = Json::object();
          for (const Json& k : schema.value("x-kubernetes-list-map-keys", Json::array())) {
            if (k.is_string() && value[i].is_object() && value[i].contains(k.get<std::string>())) {
              key[k.get<std::string>()] = value[i][k.get<std::string>()];
            }
          }
        }
        if (std::find(seen.begin(), seen.end(), key) != seen.end()) {
          out.push_back({"FieldValueDuplicate", kop::StrCat(path, "[", i, "]"),
                         kop::StrCat("Duplicate value: ", Show(list_type == "map" ? key : value[i]))});
        } else {
          seen.push_back(std::move(key));
        }
      }
    }
  }
  if (value.is_object()) {
    if (auto req = schema.find("required"); req != schema.end() && req->is_array()) {
      for (const Json& name : *req) {
        if (name.is_string() && !value.contains(name.get<std::string>())) {
          out.push_back({"FieldValueRequired", Join(path, name.get<std::string>()), "Required value"});
        }
      }
    }
    const auto props = schema.find("properties");
    const auto ap = schema.find("additionalProperties");
    for (const auto& [name, v] : value.items()) {
      if (path.empty() && (name == "apiVersion" || name == "kind" || name == "metadata")) continue;
      if (props != schema.end() && props->is_object() && props->contains(name)) {
        Validate((*props)[name], v, Join(path, name), out);
      } else if (ap != schema.end() && ap->is_object()) {
        Validate(*ap, v, Join(path, name), out);
      }
    }
  }
}

}  // namespace

bool SchemaResult::HasTypeErrors() const {
  for (const FieldCause& c : causes) {
    if (c.reason == "FieldValueTypeInvalid") return true;
  }
  return false;
}

SchemaResult ApplySchema(const Json& schema, Json& object, const Json* metadata_schema) {
  SchemaResult out;
  if (!schema.is_object() || !object.is_object()) return out;
  Prune(schema, object, "", &out.unknown_fields);
  if (metadata_schema != nullptr && object.contains("metadata") && object["metadata"].is_object()) {
    Prune(*metadata_schema, object["metadata"], "metadata", &out.unknown_fields);
  }
  Default(schema, object);
  Validate(schema, object, "", out.causes);
  return out;
}

}  // namespace kop::testing::internal
