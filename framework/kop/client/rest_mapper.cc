#include "kop/client/rest_mapper.h"

#include <algorithm>

#include "kop/api/json.h"
#include "kop/base/status_macros.h"
#include "kop/base/strings.h"
#include "kop/client/errors.h"

namespace kop::client {
namespace {

std::string Lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(tolower(static_cast<unsigned char>(c)));
  return out;
}

absl::StatusOr<Json> GetJson(Transport& t, const std::string& path) {
  KOP_ASSIGN_OR_RETURN(HttpResponse r, t.Do({.method = "GET", .path = path}));
  if (r.code != 200) return ApiErrorFromResponse(r.code, r.body);
  absl::StatusOr<Json> j = ParseJson(r.body);
  if (!j.ok() || !j->is_object()) {
    return absl::InvalidArgumentError(kop::StrCat("discovery ", path, ": not a JSON object"));
  }
  return j;
}

void AddResources(const Json& list, const std::string& group, const std::string& version,
                  std::vector<RestMapping>* out) {
  std::vector<RestMapping> found;
  for (const Json& r : ArrayOr(list, "resources")) {
    const std::string name = StringOr(r, "name");
    if (name.empty()) continue;
    const size_t slash = name.find('/');
    if (slash != std::string::npos) {
      for (RestMapping& m : found) {
        if (m.gvr.resource == name.substr(0, slash)) m.subresources.push_back(name.substr(slash + 1));
      }
      continue;
    }
    RestMapping m;
    m.gvr = {group, version, name};
    m.gvk = {group, version, StringOr(r, "kind")};
    m.namespaced = BoolOr(r, "namespaced", false);
    m.singular = StringOr(r, "singularName");
    if (m.singular.empty()) m.singular = Lower(m.gvk.kind);
    for (const Json& s : ArrayOr(r, "shortNames")) {
      if (s.is_string()) m.short_names.push_back(s.get<std::string>());
    }
    for (const Json& v : ArrayOr(r, "verbs")) {
      if (v.is_string()) m.verbs.push_back(v.get<std::string>());
    }
    found.push_back(std::move(m));
  }
  out->insert(out->end(), found.begin(), found.end());
}

}  // namespace

RestMapper::RestMapper(std::shared_ptr<Transport> transport) : transport_(std::move(transport)) {}

void RestMapper::Invalidate() {
  kop::MutexLock lock(&mu_);
  loaded_ = false;
}

absl::Status RestMapper::RefreshLocked() {
  std::vector<RestMapping> all;
  KOP_ASSIGN_OR_RETURN(Json api, GetJson(*transport_, "/api"));
  for (const Json& v : ArrayOr(api, "versions")) {
    if (!v.is_string()) continue;
    KOP_ASSIGN_OR_RETURN(Json list, GetJson(*transport_, "/api/" + v.get<std::string>()));
    AddResources(list, "", v.get<std::string>(), &all);
  }
  KOP_ASSIGN_OR_RETURN(Json groups, GetJson(*transport_, "/apis"));
  for (const Json& g : ArrayOr(groups, "groups")) {
    const std::string name = StringOr(g, "name");
    if (name.empty()) continue;
    std::vector<std::string> versions;
    const std::string preferred = g.is_object() && g.contains("preferredVersion")
                                      ? StringOr(g["preferredVersion"], "version")
                                      : std::string();
    if (!preferred.empty()) versions.push_back(preferred);
    for (const Json& v : ArrayOr(g, "versions")) {
      const std::string ver = StringOr(v, "version");
      if (!ver.empty() && ver != preferred) versions.push_back(ver);
    }
    for (const std::string& ver : versions) {
      absl::StatusOr<Json> list = GetJson(*transport_, "/apis/" + name + "/" + ver);
      if (!list.ok()) {
        // A group version going away between the two reads (a CRD deleted) is not an error.
        if (kop::IsNotFound(list.status())) continue;
        return list.status();
      }
      AddResources(*list, name, ver, &all);
    }
  }
  mappings_ = std::move(all);
  loaded_ = true;
  return absl::OkStatus();
}

template <typename Pred>
absl::StatusOr<RestMapping> RestMapper::Find(Pred pred, std::string_view what) {
  kop::MutexLock lock(&mu_);
  for (int attempt = 0; attempt < 2; ++attempt) {
    if (!loaded_ || attempt == 1) KOP_RETURN_IF_ERROR(RefreshLocked());
    for (const RestMapping& m : mappings_) {
      if (pred(m)) return m;
    }
  }
  return absl::NotFoundError(kop::StrCat("the server doesn't have a resource type \"", what, "\""));
}

absl::StatusOr<RestMapping> RestMapper::ForKind(const GroupVersionKind& gvk) {
  return Find(
      [&](const RestMapping& m) {
        return m.gvk.group == gvk.group && m.gvk.kind == gvk.kind &&
               (gvk.version.empty() || m.gvk.version == gvk.version);
      },
      gvk.ToString());
}

absl::StatusOr<RestMapping> RestMapper::ForName(std::string_view name) {
  const std::string lower = Lower(name);
  std::string resource = lower;
  std::string group;
  std::string version;
  bool qualified = false;
  if (const size_t dot = lower.find('.'); dot != std::string::npos) {
    qualified = true;
    resource = lower.substr(0, dot);
    group = lower.substr(dot + 1);
    // "deployments.v1.apps": a version before the group.
    if (const size_t dot2 = group.find('.'); dot2 != std::string::npos && group[0] == 'v' &&
                                             isdigit(static_cast<unsigned char>(group[1]))) {
      version = group.substr(0, dot2);
      group = group.substr(dot2 + 1);
    }
  }
  auto matches_name = [&](const RestMapping& m, const std::string& r) {
    if (m.gvr.resource == r || m.singular == r || Lower(m.gvk.kind) == r) return true;
    return std::find(m.short_names.begin(), m.short_names.end(), r) != m.short_names.end();
  };
  absl::StatusOr<RestMapping> found = Find(
      [&](const RestMapping& m) {
        if (qualified) {
          return m.gvr.resource == resource && m.gvr.group == group &&
                 (version.empty() || m.gvr.version == version);
        }
        return matches_name(m, lower);
      },
      name);
  if (found.ok() || !qualified) return found;
  // "a.b" may also be a plain name with a dot in it; try it whole.
  return Find([&](const RestMapping& m) { return matches_name(m, lower); }, name);
}

absl::StatusOr<std::vector<RestMapping>> RestMapper::All() {
  kop::MutexLock lock(&mu_);
  if (!loaded_) KOP_RETURN_IF_ERROR(RefreshLocked());
  return mappings_;
}

}  // namespace kop::client
