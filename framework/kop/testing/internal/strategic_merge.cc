#include "kop/testing/internal/strategic_merge.h"

#include <algorithm>
#include <string>
#include <vector>

#include "kop/base/status_macros.h"
#include "kop/base/strings.h"

namespace kop::testing::internal {
namespace {

constexpr std::string_view kPatch = "$patch";

// An object's $patch directive when it is a string; "" otherwise (MergeMap refuses others).
std::string DirectiveOf(const Json& j) {
  if (!j.is_object()) return "";
  auto d = j.find(std::string(kPatch));
  return d != j.end() && d->is_string() ? d->get<std::string>() : "";
}
constexpr std::string_view kRetainKeys = "$retainKeys";
constexpr std::string_view kSetElementOrder = "$setElementOrder/";
constexpr std::string_view kDeleteFromPrimitiveList = "$deleteFromPrimitiveList/";

bool StartsWith(std::string_view s, std::string_view prefix) { return s.substr(0, prefix.size()) == prefix; }

const Json* Property(const Json* schema, const std::string& key) {
  if (schema == nullptr || !schema->is_object()) return nullptr;
  if (auto props = schema->find("properties"); props != schema->end() && props->is_object()) {
    if (auto it = props->find(key); it != props->end()) return &*it;
  }
  if (auto ap = schema->find("additionalProperties"); ap != schema->end() && ap->is_object()) return &*ap;
  return nullptr;
}

const Json* Items(const Json* schema) {
  if (schema == nullptr || !schema->is_object()) return nullptr;
  auto it = schema->find("items");
  return it != schema->end() && it->is_object() ? &*it : nullptr;
}

std::string Strategy(const Json* schema) {
  return schema != nullptr && schema->is_object() ? schema->value("x-kubernetes-patch-strategy", "") : "";
}

bool HasStrategy(const Json* schema, std::string_view which) {
  const std::string s = Strategy(schema);
  size_t start = 0;
  while (start <= s.size()) {
    size_t comma = s.find(',', start);
    if (comma == std::string::npos) comma = s.size();
    if (std::string_view(s).substr(start, comma - start) == which) return true;
    start = comma + 1;
  }
  return false;
}

absl::StatusOr<Json> MergeValue(const Json* original, const Json& patch, const Json* schema);

// A patch value that lands where the original has nothing: its directives still apply
// (and are dropped), so a new map comes out as a merge into nothing.
absl::StatusOr<Json> Fresh(const Json& patch, const Json* schema) { return MergeValue(nullptr, patch, schema); }

absl::StatusOr<Json> MergeList(const Json* original, const Json& patch, const Json* schema,
                               const Json* order) {
  if (!patch.is_array()) return absl::InvalidArgumentError("expected a list in the patch");
  const Json* items = Items(schema);
  const bool merge = HasStrategy(schema, "merge");
  const std::string key = schema != nullptr ? schema->value("x-kubernetes-patch-merge-key", "") : "";
  const Json base = original != nullptr && original->is_array() ? *original : Json::array();
  if (!merge) {
    Json out = Json::array();
    for (const Json& e : patch) {
      KOP_ASSIGN_OR_RETURN(Json v, Fresh(e, items));
      out.push_back(std::move(v));
    }
    return out;
  }
  Json out = base;
  if (key.empty()) {
    // A set of scalars: union, the patch's new values last.
    for (const Json& e : patch) {
      if (e.is_object()) return absl::InvalidArgumentError("a merge list without a merge key holds maps");
      if (std::find(out.begin(), out.end(), e) == out.end()) out.push_back(e);
    }
  } else {
    // A replace directive among the elements: the other elements replace the list.
    for (const Json& e : patch) {
      if (e.is_object() && e.size() == 1 && DirectiveOf(e) == "replace") {
        Json replaced = Json::array();
        for (const Json& x : patch) {
          if (&x == &e) continue;
          KOP_ASSIGN_OR_RETURN(Json v, Fresh(x, items));
          replaced.push_back(std::move(v));
        }
        return replaced;
      }
    }
    for (const Json& e : patch) {
      if (!e.is_object() || !e.contains(key)) {
        return absl::InvalidArgumentError(kop::StrCat("a list element in the patch lacks its merge key \"", key, "\""));
      }
      auto match = std::find_if(out.begin(), out.end(), [&](const Json& o) {
        return o.is_object() && o.contains(key) && o[key] == e[key];
      });
      if (DirectiveOf(e) == "delete") {
        if (match != out.end()) out.erase(match);
        continue;
      }
      if (match != out.end()) {
        KOP_ASSIGN_OR_RETURN(*match, MergeValue(&*match, e, items));
      } else {
        KOP_ASSIGN_OR_RETURN(Json v, Fresh(e, items));
        out.push_back(std::move(v));
      }
    }
  }
  if (order != nullptr && order->is_array()) {
    // The listed elements first, in the listed order; the rest (added by others) after, as
    // they were.
    auto position = [&](const Json& element) -> size_t {
      for (size_t i = 0; i < order->size(); ++i) {
        const Json& o = (*order)[i];
        if (key.empty() ? o == element : (o.is_object() && element.is_object() && o.contains(key) &&
                                          element.contains(key) && o[key] == element[key])) {
          return i;
        }
      }
      return order->size();
    };
    std::stable_sort(out.begin(), out.end(), [&](const Json& a, const Json& b) { return position(a) < position(b); });
  }
  return out;
}

absl::StatusOr<Json> MergeMap(const Json* original, const Json& patch, const Json* schema) {
  // A $patch directive that is not a string is refused like an unknown one (never a throw).
  auto d = patch.find(std::string(kPatch));
  if (d != patch.end() && !d->is_string()) {
    return absl::InvalidArgumentError(kop::StrCat("unknown patch directive ", d->dump()));
  }
  const std::string directive = d != patch.end() ? d->get<std::string>() : "";
  if (directive == "replace") {
    Json out = Json::object();
    for (const auto& [k, v] : patch.items()) {
      if (k == kPatch) continue;
      KOP_ASSIGN_OR_RETURN(out[k], Fresh(v, Property(schema, k)));
    }
    return out;
  }
  if (!directive.empty() && directive != "merge" && directive != "delete") {
    return absl::InvalidArgumentError(kop::StrCat("unknown patch directive \"", directive, "\""));
  }
  Json out = original != nullptr && original->is_object() ? *original : Json::object();
  for (const auto& [k, v] : patch.items()) {
    if (k == kPatch || k == kRetainKeys || StartsWith(k, kSetElementOrder)) continue;
    if (StartsWith(k, kDeleteFromPrimitiveList)) {
      const std::string field = k.substr(kDeleteFromPrimitiveList.size());
      if (!v.is_array()) return absl::InvalidArgumentError(k + " must be a list");
      if (auto it = out.find(field); it != out.end() && it->is_array()) {
        Json kept = Json::array();
        for (const Json& e : *it) {
          if (std::find(v.begin(), v.end(), e) == v.end()) kept.push_back(e);
        }
        *it = std::move(kept);
      }
      continue;
    }
    if (v.is_null()) {
      out.erase(k);
      continue;
    }
    const Json* sub = Property(schema, k);
    const Json* current = out.contains(k) ? &out[k] : nullptr;
    if (v.is_object() && DirectiveOf(v) == "delete") {
      out.erase(k);
      continue;
    }
    if (v.is_array()) {
      auto order = patch.find(kop::StrCat(kSetElementOrder, k));
      KOP_ASSIGN_OR_RETURN(Json merged, MergeList(current, v, sub, order != patch.end() ? &*order : nullptr));
      out[k] = std::move(merged);
    } else if (v.is_object() && !HasStrategy(sub, "replace")) {
      KOP_ASSIGN_OR_RETURN(Json merged, MergeMap(current != nullptr && current->is_object() ? current : nullptr, v, sub));
      out[k] = std::move(merged);
    } else {
      KOP_ASSIGN_OR_RETURN(out[k], Fresh(v, sub));
    }
  }
  // Lists the patch only reorders.
  for (const auto& [k, v] : patch.items()) {
    if (!StartsWith(k, kSetElementOrder)) continue;
    const std::string field = k.substr(kSetElementOrder.size());
    if (patch.contains(field) || !out.contains(field) || !out[field].is_array()) continue;
    KOP_ASSIGN_OR_RETURN(out[field], MergeList(&out[field], Json::array(), Property(schema, field), &v));
  }
  if (auto retain = patch.find(std::string(kRetainKeys)); retain != patch.end()) {
    if (!retain->is_array()) return absl::InvalidArgumentError("$retainKeys must be a list");
    for (auto it = out.begin(); it != out.end();) {
      if (std::find(retain->begin(), retain->end(), Json(it.key())) == retain->end()) {
        it = out.erase(it);
      } else {
        ++it;
      }
    }
  }
  return out;
}

absl::StatusOr<Json> MergeValue(const Json* original, const Json& patch, const Json* schema) {
  if (patch.is_object()) return MergeMap(original, patch, schema);
  if (patch.is_array()) return MergeList(original, patch, schema, nullptr);
  return patch;
}

}  // namespace

absl::StatusOr<Json> StrategicMergePatch(const Json& original, const Json& patch, const Json* schema) {
  if (!patch.is_object()) return absl::InvalidArgumentError("a strategic merge patch must be a JSON object");
  return MergeMap(&original, patch, schema);
}

}  // namespace kop::testing::internal
