#include "kop/testing/internal/apply.h"

#include "kop/testing/internal/go_json.h"

#include <algorithm>
#include <map>
#include <optional>
#include <set>
#include <string_view>
#include <vector>

#include "kop/base/strings.h"
#include "kop/testing/internal/builtin_types.h"
#include "kop/testing/internal/errors.h"

namespace kop::testing::internal {
namespace {

using Path = std::vector<std::string>;  // "f:x", "k:{...}", "v:...", "."
using Fields = std::set<Path>;

// ---- schema navigation

const Json* Sub(const Json* schema, const std::string& field) {
  if (schema == nullptr || !schema->is_object()) return nullptr;
  if (auto props = schema->find("properties"); props != schema->end() && props->is_object()) {
    if (auto it = props->find(field); it != props->end()) return &*it;
  }
  if (auto ap = schema->find("additionalProperties"); ap != schema->end() && ap->is_object()) return &*ap;
  return nullptr;
}

const Json* Items(const Json* schema) {
  if (schema == nullptr || !schema->is_object()) return nullptr;
  auto it = schema->find("items");
  return it != schema->end() && it->is_object() ? &*it : nullptr;
}

// The string `key` of `j`, or `fallback` when `j` is not an object or has no such string.
// (No copies: these run for every field of every write.)
std::string_view StringField(const Json* j, const char* key, std::string_view fallback = {}) {
  if (j == nullptr || !j->is_object()) return fallback;
  auto it = j->find(key);
  return it != j->end() && it->is_string() ? std::string_view(it->get_ref<const std::string&>())
                                           : fallback;
}

std::string_view ListType(const Json* schema) {
  return StringField(schema, "x-kubernetes-list-type", "atomic");
}

std::vector<std::string> ListKeys(const Json* schema) {
  std::vector<std::string> keys;
  if (schema == nullptr || !schema->is_object()) return keys;
  if (auto k = schema->find("x-kubernetes-list-map-keys"); k != schema->end() && k->is_array()) {
    for (const Json& key : *k) {
      if (key.is_string()) keys.push_back(key.get<std::string>());
    }
  }
  return keys;
}

bool AtomicMap(const Json* schema) {
  return StringField(schema, "x-kubernetes-map-type") == "atomic";
}

// Which top-level fields a write through the main resource or a subresource may own, and
// which metadata fields anyone may own (the rest of metadata belongs to the server).
bool Ownable(const Path& path, const std::string& key, const std::string& subresource) {
  if (path.empty()) {
    if (key == "apiVersion" || key == "kind") return false;
    if (subresource == "status") return key == "status";
    return key != "status";
  }
  if (path.size() == 1 && path[0] == "f:metadata") {
    return key == "labels" || key == "annotations" || key == "ownerReferences" || key == "finalizers";
  }
  return true;
}

const Json* FieldSchema(const Json* schema, const Path& path, const std::string& key) {
  // Custom resources' schemas rarely describe metadata; ObjectMeta's always applies.
  if (path.empty() && key == "metadata") return &TypeCatalog::Builtin().ObjectMetaSchema();
  return Sub(schema, key);
}

std::string KeyElement(const Json& element, const std::vector<std::string>& keys) {
  Json k = Json::object();
  for (const std::string& key : keys) {
    if (element.contains(key)) k[key] = element[key];
  }
  return "k:" + k.dump();
}

bool HasKeys(const Json& element, const std::vector<std::string>& keys) {
  if (!element.is_object() || keys.empty()) return false;
  return std::all_of(keys.begin(), keys.end(), [&](const std::string& k) { return element.contains(k); });
}

// ---- field sets of values

// What an update is compared with on create: the kind's Go zero value (fields Go always
// encodes are there already, so they are not "added"), with metadata for every kind.
Json ZeroObject(const Json* schema) {
  Json zero = schema != nullptr ? GoZeroValue(*schema) : Json::object();
  if (!zero.contains("metadata")) zero["metadata"] = Json::object();
  return zero;
}

// The fields `value` sets, into `sink.all`: map keys (f:), associative-list elements by their keys
// (k:, with "." for the element itself), set elements (v:), down to scalars, atomic maps and
// atomic lists. When `changed` is given, `before` (the node at the same path in the previous
// object, or null) is walked alongside, and the fields whose value differs from the previous
// object's (or that it did not set) go to `sink.changed` (and `sink.changed_tree`) too: the same as computing both objects'
// fields and comparing every path, without building the previous object's set.
// Where CollectChanges puts what it finds; any part may be null.
struct FieldSink {
  Fields* all = nullptr;
  Fields* changed = nullptr;
  // The changed fields as FieldsV1 (what Encode would make of `changed`), built directly.
  Json* changed_tree = nullptr;
  // Record "." for maps, structs and lists as an update does: the node itself is a field,
  // changed when the previous object did not have it (upstream compares the objects; an
  // apply's field set has no such entries).
  bool dots = false;
};

void CollectChanges(const Json& value, const Json* before, const Json* schema, Path& path, const FieldSink& sink,
                    const std::string& subresource) {
  auto leaf = [&](bool same) {
    if (sink.all != nullptr) sink.all->insert(path);
    if (same) return;
    if (sink.changed != nullptr) sink.changed->insert(path);
    if (sink.changed_tree != nullptr) {
      Json* node = sink.changed_tree;
      for (const std::string& e : path) node = &(*node)[e];
      if (node->is_null()) *node = Json::object();
    }
  };
  auto node_itself = [&] {
    if (!sink.dots || path.empty()) return;
    path.push_back(".");
    leaf(before != nullptr);
    path.pop_back();
  };
  if (value.is_object() && !AtomicMap(schema) && !(value.empty() && !path.empty())) {
    node_itself();
    // The previous node's children were fields only if Collect would have walked into it.
    const bool walked = before != nullptr && before->is_object() && !AtomicMap(schema) &&
                        !(before->empty() && !path.empty());
    for (const auto& [key, child] : value.items()) {
      if (!Ownable(path, key, subresource)) continue;
      const Json* sub = FieldSchema(schema, path, key);
      const Json* was = nullptr;
      if (walked) {
        auto it = before->find(key);
        if (it != before->end()) was = &*it;
      }
      path.push_back("f:" + key);
      CollectChanges(child, was, sub, path, sink, subresource);
      path.pop_back();
    }
    return;
  }
  if (value.is_array() && !value.empty()) {
    const std::string_view type = ListType(schema);
    const std::vector<std::string> keys = ListKeys(schema);
    auto all_keyed = [&](const Json& list) {
      return std::all_of(list.begin(), list.end(), [&](const Json& e) { return HasKeys(e, keys); });
    };
    const bool keyed = type == "map" && all_keyed(value);
    const bool before_walked = before != nullptr && before->is_array() && !before->empty();
    if (keyed || type == "set") node_itself();
    if (keyed) {
      const bool before_keyed = before_walked && all_keyed(*before);
      for (const Json& element : value) {
        const Json* was = nullptr;
        if (before_keyed) {
          for (const Json& candidate : *before) {
            if (std::all_of(keys.begin(), keys.end(), [&](const std::string& k) { return candidate[k] == element[k]; })) {
              was = &candidate;
              break;
            }
          }
        }
        path.push_back(KeyElement(element, keys));
        path.push_back(".");
        leaf(was != nullptr);
        path.pop_back();
        for (const auto& [key, child] : element.items()) {
          const Json* was_child = nullptr;
          if (was != nullptr) {
            auto it = was->find(key);
            if (it != was->end()) was_child = &*it;
          }
          path.push_back("f:" + key);
          CollectChanges(child, was_child, Sub(Items(schema), key), path, sink, subresource);
          path.pop_back();
        }
        path.pop_back();
      }
      return;
    }
    if (type == "set") {
      for (const Json& element : value) {
        path.push_back("v:" + element.dump());
        leaf(before_walked && std::find(before->begin(), before->end(), element) != before->end());
        path.pop_back();
      }
      return;
    }
  }
  if (!path.empty()) leaf(before != nullptr && *before == value);
}

Fields FieldsOf(const Json& object, const Json* schema, const std::string& subresource) {
  Fields out;
  Path path;
  CollectChanges(object, nullptr, schema, path, {.all = &out}, subresource);
  return out;
}

// The node a path names in `root`, or null.
const Json* At(const Json& root, const Path& path) {
  const Json* node = &root;
  for (const std::string& e : path) {
    if (e == ".") continue;
    if (e.rfind("f:", 0) == 0) {
      if (!node->is_object()) return nullptr;
      auto it = node->find(e.substr(2));
      if (it == node->end()) return nullptr;
      node = &*it;
    } else if (e.rfind("k:", 0) == 0 || e.rfind("v:", 0) == 0) {
      if (!node->is_array()) return nullptr;
      const Json want = Json::parse(e.substr(2), nullptr, false);
      const Json* found = nullptr;
      for (const Json& element : *node) {
        bool match = false;
        if (e[0] == 'v') {
          match = element == want;
        } else if (element.is_object() && want.is_object()) {
          match = std::all_of(want.items().begin(), want.items().end(), [&](const auto& kv) {
            return element.contains(kv.key()) && element[kv.key()] == kv.value();
          });
        }
        if (match) {
          found = &element;
          break;
        }
      }
      if (found == nullptr) return nullptr;
      node = found;
    } else {
      return nullptr;
    }
  }
  return node;
}

bool SameValue(const Json& a, const Json& b, const Path& p) {
  if (!p.empty() && p.back() == ".") return true;  // an element's existence, not its value
  const Json* x = At(a, p);
  const Json* y = At(b, p);
  if (x == nullptr || y == nullptr) return x == y;
  return *x == *y;
}

// Removes what `path` names from `root`; a map a removal empties goes too (never a
// top-level field). Key fields of a list element are left alone: the element stays or goes
// as a whole.
void Remove(Json& root, Path path) {
  if (path.empty()) return;
  if (path.back() == ".") path.pop_back();  // the element itself
  if (path.size() >= 2 && path[path.size() - 2].rfind("k:", 0) == 0) {
    const Json key = Json::parse(path[path.size() - 2].substr(2), nullptr, false);
    if (key.is_object() && key.contains(path.back().substr(2))) return;
  }
  std::vector<Json*> chain{&root};
  for (size_t i = 0; i + 1 < path.size(); ++i) {
    Json* node = const_cast<Json*>(At(*chain.back(), {path[i]}));
    if (node == nullptr) return;
    chain.push_back(node);
  }
  Json& parent = *chain.back();
  const std::string& last = path.back();
  if (last.rfind("f:", 0) == 0) {
    if (!parent.is_object()) return;
    parent.erase(last.substr(2));
  } else if (parent.is_array()) {
    const Json* target = At(parent, {last});
    if (target == nullptr) return;
    for (auto it = parent.begin(); it != parent.end(); ++it) {
      if (&*it == target) {
        parent.erase(it);
        break;
      }
    }
  }
  for (size_t i = chain.size() - 1; i >= 2; --i) {
    Json& node = *chain[i];
    if (!node.is_object() || !node.empty() || path[i - 1].rfind("f:", 0) != 0) break;
    if (chain[i - 1]->is_object()) chain[i - 1]->erase(path[i - 1].substr(2));
  }
}

// `config` merged into `live`: maps key by key, associative lists by their keys, sets as
// unions; everything else replaced.
Json Merge(const Json* live, const Json& config, const Json* schema, const Path& path, const std::string& subresource) {
  if (live == nullptr) return config;
  if (config.is_object() && live->is_object() && !AtomicMap(schema)) {
    Json out = *live;
    for (const auto& [key, value] : config.items()) {
      if (!Ownable(path, key, subresource)) continue;
      Path sub = path;
      sub.push_back("f:" + key);
      auto it = live->find(key);
      out[key] = Merge(it != live->end() ? &*it : nullptr, value, FieldSchema(schema, path, key), sub, subresource);
    }
    return out;
  }
  if (config.is_array() && live->is_array()) {
    const std::string_view type = ListType(schema);
    const std::vector<std::string> keys = ListKeys(schema);
    if (type == "map" && std::all_of(config.begin(), config.end(), [&](const Json& e) { return HasKeys(e, keys); }) &&
        std::all_of(live->begin(), live->end(), [&](const Json& e) { return HasKeys(e, keys); })) {
      Json out = *live;
      for (const Json& element : config) {
        const Json* match = At(out, {KeyElement(element, keys)});
        if (match != nullptr) {
          const Json merged = Merge(match, element, Items(schema), path, subresource);
          *const_cast<Json*>(match) = merged;
        } else {
          out.push_back(element);
        }
      }
      return out;
    }
    if (type == "set") {
      Json out = *live;
      for (const Json& element : config) {
        if (std::find(out.begin(), out.end(), element) == out.end()) out.push_back(element);
      }
      return out;
    }
  }
  return config;
}

// ---- managedFields

Json Encode(const Fields& fields) {
  Json out = Json::object();
  for (const Path& p : fields) {
    Json* node = &out;
    for (const std::string& e : p) node = &(*node)[e];
    if (node->is_null()) *node = Json::object();
  }
  return out;
}

void Decode(const Json& v, Path& path, Fields& out) {
  if (!v.is_object()) return;
  bool leaf = true;
  for (const auto& [key, child] : v.items()) {
    leaf = false;
    path.push_back(key);
    if (key == ".") {
      out.insert(path);
    } else {
      Decode(child, path, out);
    }
    path.pop_back();
  }
  if (leaf && !path.empty()) out.insert(path);
}

struct Entry {
  Json json;  // manager, operation, apiVersion, time, subresource
  Fields fields;
  bool Is(const std::string& manager, const std::string& operation, const std::string& subresource) const {
    return StringField(&json, "manager") == manager &&
           StringField(&json, "operation") == operation &&
           StringField(&json, "subresource") == subresource;
  }
};

std::vector<Entry> EntriesOf(const Json& object) {
  std::vector<Entry> out;
  const Json* meta = object.is_object() && object.contains("metadata") ? &object["metadata"] : nullptr;
  if (meta == nullptr || !meta->is_object() || !meta->contains("managedFields")) return out;
  const Json& mf = (*meta)["managedFields"];
  if (!mf.is_array()) return out;
  for (const Json& e : mf) {
    if (!e.is_object()) continue;
    Entry entry{Json::object(), {}};
    for (const auto& [key, value] : e.items()) {
      if (key == "fieldsV1") {
        Path p;
        Decode(value, p, entry.fields);
      } else {
        entry.json[key] = value;
      }
    }
    out.push_back(std::move(entry));
  }
  return out;
}

void StoreEntries(Json& object, std::vector<Entry> entries) {
  Json managed = Json::array();
  for (Entry& e : entries) {
    if (e.fields.empty()) continue;
    Json j = std::move(e.json);
    j["fieldsType"] = "FieldsV1";
    j["fieldsV1"] = Encode(e.fields);
    managed.push_back(std::move(j));
  }
  if (managed.empty()) {
    if (object.contains("metadata") && object["metadata"].is_object()) object["metadata"].erase("managedFields");
  } else {
    object["metadata"]["managedFields"] = std::move(managed);
  }
}

Entry& EntryFor(std::vector<Entry>& entries, const ApplyRequest& r, const std::string& operation) {
  for (Entry& e : entries) {
    if (e.Is(r.manager, operation, r.subresource)) return e;
  }
  Json j = Json::object();
  j["manager"] = r.manager;
  j["operation"] = operation;
  if (!r.subresource.empty()) j["subresource"] = r.subresource;
  entries.push_back({std::move(j), {}});
  return entries.back();
}

void Stamp(Entry& e, const ApplyRequest& r) {
  e.json["apiVersion"] = r.api_version;
  e.json["time"] = r.now;
}

std::string Dotted(const Path& p) {
  std::string out;
  for (const std::string& e : p) {
    if (e == ".") continue;
    // Appended piece by piece: `"." + e.substr(2)` trips GCC 12's -Wrestrict at -O3.
    if (e.rfind("f:", 0) == 0) {
      out += '.';
      out.append(e, 2);
    } else if (e.rfind("k:", 0) == 0) {
      // An associative-list element as upstream prints it: [name="app"], [port=80,protocol="TCP"].
      const Json keys = Json::parse(e.substr(2), nullptr, false);
      out += '[';
      if (keys.is_object()) {
        bool first = true;
        for (const auto& [k, v] : keys.items()) {
          if (!first) out += ',';
          first = false;
          out += k;
          out += '=';
          out += v.dump();
        }
      } else {
        out.append(e, 2);
      }
      out += ']';
    } else {
      out += "[=";  // a set element: [="value"]
      out.append(e, 2);
      out += ']';
    }
  }
  return out;
}

}  // namespace

absl::StatusOr<Json> ServerSideApply(const Json* live, const Json& config, const ApplyRequest& r, const Json* schema) {
  const Fields applied = FieldsOf(config, schema, r.subresource);
  const Json empty = Json::object();
  const Json& current = live != nullptr ? *live : empty;

  std::vector<Entry> entries = EntriesOf(current);
  Fields previous;
  for (const Entry& e : entries) {
    if (e.Is(r.manager, "Apply", r.subresource)) previous = e.fields;
  }

  // Conflicts: a field someone else owns, set here to something else.
  // Managers are named as upstream prints them: "name", `with subresource "status"`, and
  // `using <apiVersion>` for Update entries.
  auto printed = [](const Entry& e) {
    std::string out = Json(e.json.value("manager", "")).dump();
    if (const std::string sub = e.json.value("subresource", ""); !sub.empty()) {
      out += kop::StrCat(" with subresource ", Json(sub).dump());
    }
    if (e.json.value("operation", "") == "Update") out += " using " + e.json.value("apiVersion", "");
    return out;
  };
  std::map<std::string, std::vector<Path>> conflicts;  // by printed manager
  for (const Path& p : applied) {
    if (SameValue(current, config, p)) continue;
    for (const Entry& e : entries) {
      if (e.Is(r.manager, "Apply", r.subresource) || !e.fields.contains(p)) continue;
      if (At(current, p) == nullptr) continue;  // owned, but no longer there
      conflicts[printed(e)].push_back(p);
    }
  }
  if (!conflicts.empty() && !r.force) {
    size_t n = 0;
    std::string list;
    Json causes = Json::array();
    for (const auto& [manager, paths] : conflicts) {
      list += kop::StrCat(list.empty() ? "" : "\n", "conflicts with ", manager, ":");
      for (const Path& p : paths) {
        ++n;
        list += "\n- " + Dotted(p);
        causes.push_back({{"reason", "FieldManagerConflict"},
                          {"message", kop::StrCat("conflict with ", manager)},
                          {"field", Dotted(p)}});
      }
    }
    const std::string message =
        n == 1 ? kop::StrCat("Apply failed with 1 conflict: conflict with ", conflicts.begin()->first, ": ",
                             Dotted(conflicts.begin()->second.front()))
               : kop::StrCat("Apply failed with ", n, " conflicts: ", list);
    return ApiError(409, "Conflict", message, Json{{"causes", causes}});
  }

  Json result = Merge(live != nullptr ? live : nullptr, config, schema, {}, r.subresource);
  if (live == nullptr) {
    result = config;
    if (r.subresource.empty()) result.erase("status");
  }
  for (const char* key : {"apiVersion", "kind"}) {
    if (config.contains(key)) result[key] = config[key];
  }
  if (live != nullptr && result.contains("metadata") && result["metadata"].is_object()) {
    // Server-owned metadata stays as it was.
    for (const auto& [key, value] : (*live)["metadata"].items()) {
      if (key != "labels" && key != "annotations" && key != "ownerReferences" && key != "finalizers") {
        result["metadata"][key] = value;
      }
    }
  }

  // Forced: the conflicting fields change hands.
  for (Entry& e : entries) {
    auto it = conflicts.find(printed(e));
    if (it == conflicts.end() || e.Is(r.manager, "Apply", r.subresource)) continue;
    for (const Path& p : it->second) e.fields.erase(p);
  }
  // What this manager applied before and no longer does goes, unless someone else owns it
  // (deepest paths first; a removed list element takes its remaining fields along).
  // A path stays while anyone else owns it or anything beneath it.
  auto owned_by_others = [&](const Path& p) {
    for (const Entry& e : entries) {
      if (e.Is(r.manager, "Apply", r.subresource)) continue;
      for (auto it = e.fields.lower_bound(p); it != e.fields.end(); ++it) {
        if (it->size() < p.size() || !std::equal(p.begin(), p.end(), it->begin())) break;
        return true;
      }
    }
    return false;
  };
  std::vector<Path> dropped;
  for (const Path& p : previous) {
    if (!applied.contains(p) && !owned_by_others(p)) dropped.push_back(p);
  }
  std::sort(dropped.begin(), dropped.end(), [](const Path& a, const Path& b) { return a.size() > b.size(); });
  for (const Path& p : dropped) Remove(result, p);

  Entry& mine = EntryFor(entries, r, "Apply");
  mine.fields = applied;
  Stamp(mine, r);
  StoreEntries(result, std::move(entries));
  return result;
}

void TrackUpdate(const Json* before, Json& after, const ApplyRequest& r, const Json* schema) {
  if (!after.is_object()) return;
  const Json* sent = after.contains("metadata") && after["metadata"].is_object() && after["metadata"].contains("managedFields")
                         ? &after["metadata"]["managedFields"]
                         : nullptr;
  if (before == nullptr && (sent == nullptr || !sent->is_array() || sent->empty())) {
    // A create without managedFields of its own: every field is the writer's, in one entry
    // built during the walk (what the general path below arrives at, without field sets).
    Json tree = Json::object();
    Path path;
    const Json zero = ZeroObject(schema);
    CollectChanges(after, &zero, schema, path, {.changed_tree = &tree, .dots = true}, r.subresource);
    std::vector<Entry> entries;
    if (!tree.empty()) {
      Entry& mine = EntryFor(entries, r, "Update");
      Stamp(mine, r);
      mine.json["fieldsType"] = "FieldsV1";
      mine.json["fieldsV1"] = std::move(tree);
    }
    if (entries.empty()) {
      if (after.contains("metadata") && after["metadata"].is_object()) after["metadata"].erase("managedFields");
    } else {
      after["metadata"]["managedFields"] = Json::array({std::move(entries.front().json)});
    }
    return;
  }
  const Json zero = ZeroObject(schema);
  const Json& was = before != nullptr ? *before : zero;
  Fields now;
  Fields changed;
  {
    Path path;
    CollectChanges(after, &was, schema, path, {.all = &now, .changed = &changed, .dots = true}, r.subresource);
  }
  // The previous object's field set, only if a manager owns a field the object no longer has.
  std::optional<Fields> old;
  auto was_set = [&](const Path& p) {
    if (!p.empty() && p.back() == "." && p.size() >= 2 && p[p.size() - 2].rfind("f:", 0) == 0) {
      return At(was, p) != nullptr;  // a map, struct or list: whether it was there
    }
    if (!old.has_value()) old = FieldsOf(was, schema, r.subresource);
    return old->contains(p);
  };
  // The stored managedFields stand, unless the writer sent different ones on purpose.
  const Json* stored = was.contains("metadata") && was["metadata"].is_object() && was["metadata"].contains("managedFields")
                           ? &was["metadata"]["managedFields"]
                           : nullptr;
  std::vector<Entry> entries =
      sent != nullptr && sent->is_array() && !sent->empty() && (stored == nullptr || *sent != *stored) ? EntriesOf(after)
                                                                                                       : EntriesOf(was);
  for (Entry& e : entries) {
    for (auto it = e.fields.begin(); it != e.fields.end();) {
      // Changed fields move to the writer; fields gone from the object are nobody's. (A
      // subresource's writes touch only its own part.)
      const bool in_scope = r.subresource == "status" ? (*it)[0] == "f:status" : (*it)[0] != "f:status";
      if (changed.contains(*it) || (in_scope && !now.contains(*it) && was_set(*it))) {
        it = e.fields.erase(it);
      } else {
        ++it;
      }
    }
  }
  if (!changed.empty()) {
    Entry& mine = EntryFor(entries, r, "Update");
    mine.fields.insert(changed.begin(), changed.end());
    Stamp(mine, r);
  }
  StoreEntries(after, std::move(entries));
}

std::string ManagerOf(const std::string& field_manager, const std::string& user_agent) {
  if (!field_manager.empty()) return field_manager;
  const std::string product = user_agent.substr(0, user_agent.find('/'));
  return product.empty() ? "unknown" : product;
}

}  // namespace kop::testing::internal
