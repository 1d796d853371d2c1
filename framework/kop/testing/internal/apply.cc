#include "kop/testing/internal/apply.h"

#include <map>
#include <set>
#include <vector>

#include "kop/base/strings.h"
#include "kop/testing/internal/errors.h"

namespace kop::testing::internal {
namespace {

using Path = std::vector<std::string>;
using Fields = std::set<Path>;

// Metadata fields an applier can own; the rest of metadata belongs to the server.
bool OwnableMetadata(const std::string& key) {
  return key == "labels" || key == "annotations" || key == "ownerReferences" || key == "finalizers";
}

// The leaf paths a configuration sets: scalars, lists (atomic) and empty maps.
void Collect(const Json& v, Path& path, Fields& out) {
  if (v.is_object() && !v.empty()) {
    for (const auto& [key, child] : v.items()) {
      if (path.empty() && (key == "apiVersion" || key == "kind" || key == "status")) continue;
      if (path.size() == 1 && path[0] == "metadata" && !OwnableMetadata(key)) continue;
      path.push_back(key);
      Collect(child, path, out);
      path.pop_back();
    }
    return;
  }
  if (!path.empty()) out.insert(path);
}

Json Encode(const Fields& fields) {
  Json out = Json::object();
  for (const Path& p : fields) {
    Json* node = &out;
    for (const std::string& key : p) node = &(*node)["f:" + key];
    if (node->is_null()) *node = Json::object();
  }
  return out;
}

void Decode(const Json& v, Path& path, Fields& out) {
  if (!v.is_object()) return;
  bool leaf = true;
  for (const auto& [key, child] : v.items()) {
    if (key.rfind("f:", 0) != 0) continue;
    leaf = false;
    path.push_back(key.substr(2));
    Decode(child, path, out);
    path.pop_back();
  }
  if (leaf && !path.empty()) out.insert(path);
}

const Json* At(const Json& root, const Path& p) {
  const Json* node = &root;
  for (const std::string& key : p) {
    if (!node->is_object()) return nullptr;
    auto it = node->find(key);
    if (it == node->end()) return nullptr;
    node = &*it;
  }
  return node;
}

void Set(Json& root, const Path& p, const Json& value) {
  Json* node = &root;
  for (size_t i = 0; i + 1 < p.size(); ++i) {
    if (!(*node)[p[i]].is_object()) (*node)[p[i]] = Json::object();
    node = &(*node)[p[i]];
  }
  (*node)[p.back()] = value;
}

// Removes the leaf, then parents the removal left empty (never the top level).
void Erase(Json& root, const Path& p) {
  std::vector<Json*> chain{&root};
  for (size_t i = 0; i + 1 < p.size(); ++i) {
    Json* node = chain.back();
    if (!node->is_object() || !node->contains(p[i])) return;
    chain.push_back(&(*node)[p[i]]);
  }
  if (!chain.back()->is_object()) return;
  chain.back()->erase(p.back());
  for (size_t i = chain.size() - 1; i >= 2; --i) {
    if (chain[i]->is_object() && chain[i]->empty()) chain[i - 1]->erase(p[i - 1]);
  }
}

std::string Dotted(const Path& p) {
  std::string out;
  for (const std::string& k : p) out += "." + k;
  return out;
}

struct Entry {
  Json json;
  Fields fields;
};

}  // namespace

absl::StatusOr<Json> ServerSideApply(const Json* live, const Json& config, const ApplyRequest& r) {
  Fields applied;
  Path scratch;
  Collect(config, scratch, applied);

  Json result = live != nullptr ? *live : Json::object();
  std::vector<Entry> entries;  // every managedFields entry but this manager's Apply one
  Fields previous;
  if (const Json* mf = At(result, {"metadata", "managedFields"}); mf != nullptr && mf->is_array()) {
    for (const Json& e : *mf) {
      Fields f;
      Path p;
      Decode(e.value("fieldsV1", Json::object()), p, f);
      if (e.value("manager", "") == r.manager && e.value("operation", "") == "Apply") {
        previous = std::move(f);
      } else {
        entries.push_back({e, std::move(f)});
      }
    }
  }

  // Conflicts: a field another applier owns, set here to something else.
  std::map<std::string, std::vector<Path>> conflicts;
  for (const Path& p : applied) {
    for (const Entry& e : entries) {
      if (e.json.value("operation", "") != "Apply" || !e.fields.contains(p)) continue;
      const Json* have = live != nullptr ? At(*live, p) : nullptr;
      const Json* want = At(config, p);
      if (have == nullptr || want == nullptr || *have != *want) {
        conflicts[e.json.value("manager", "")].push_back(p);
      }
    }
  }
  if (!conflicts.empty() && !r.force) {
    size_t n = 0;
    std::string list;
    Json causes = Json::array();
    for (const auto& [manager, paths] : conflicts) {
      for (const Path& p : paths) {
        ++n;
        list += kop::StrCat("\n- conflict with \"", manager, "\": ", Dotted(p));
        causes.push_back({{"reason", "FieldManagerConflict"},
                          {"message", kop::StrCat("conflict with \"", manager, "\"")},
                          {"field", Dotted(p)}});
      }
    }
    return ApiError(409, "Conflict",
                    kop::StrCat("Apply failed with ", n, " conflict", n == 1 ? "" : "s", ":", list),
                    Json{{"causes", causes}});
  }
  if (r.force) {
    for (Entry& e : entries) {
      for (const auto& [manager, paths] : conflicts) {
        if (e.json.value("manager", "") != manager) continue;
        for (const Path& p : paths) e.fields.erase(p);
      }
    }
  }

  // Fields this manager applied before and no longer does go, unless someone else owns them.
  for (const Path& p : previous) {
    if (applied.contains(p)) continue;
    bool owned = false;
    for (const Entry& e : entries) owned = owned || e.fields.contains(p);
    if (!owned) Erase(result, p);
  }
  for (const Path& p : applied) {
    const Json& want = *At(config, p);
    const Json* have = At(result, p);
    // An empty map in the configuration asks for the map to exist, not to be emptied.
    if (want.is_object() && want.empty() && have != nullptr && have->is_object()) continue;
    Set(result, p, want);
  }
  for (const char* key : {"apiVersion", "kind"}) {
    if (config.contains(key)) result[key] = config[key];
  }
  if (live == nullptr && config.contains("metadata")) {
    for (const char* key : {"name", "namespace", "generateName"}) {
      if (config["metadata"].contains(key)) result["metadata"][key] = config["metadata"][key];
    }
  }

  Json managed = Json::array();
  for (const Entry& e : entries) {
    if (e.fields.empty()) continue;
    Json j = e.json;
    j["fieldsV1"] = Encode(e.fields);
    managed.push_back(std::move(j));
  }
  managed.push_back({{"manager", r.manager},
                     {"operation", "Apply"},
                     {"apiVersion", r.api_version},
                     {"time", r.now},
                     {"fieldsType", "FieldsV1"},
                     {"fieldsV1", Encode(applied)}});
  result["metadata"]["managedFields"] = managed;
  return result;
}

}  // namespace kop::testing::internal
