#include "kop/client/rest_mapper.h"

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <system_error>

#include <unistd.h>

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

std::vector<std::string> Strings(const Json& j, const char* key) {
  std::vector<std::string> out;
  for (const Json& s : ArrayOr(j, key)) {
    if (s.is_string()) out.push_back(s.get<std::string>());
  }
  return out;
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
    m.short_names = Strings(r, "shortNames");
    m.verbs = Strings(r, "verbs");
    found.push_back(std::move(m));
  }
  out->insert(out->end(), found.begin(), found.end());
}

// One APIGroupDiscovery (aggregated discovery) into mappings, preferred version first as the
// server lists them. Versions the server marks Stale are skipped: a lookup that needs them
// misses and refreshes.
void AddAggregatedGroup(const Json& item, std::vector<RestMapping>* out) {
  const Json* meta = item.is_object() && item.contains("metadata") ? &item["metadata"] : nullptr;
  const std::string group = meta != nullptr ? StringOr(*meta, "name") : std::string();
  for (const Json& v : ArrayOr(item, "versions")) {
    const std::string version = StringOr(v, "version");
    if (version.empty() || StringOr(v, "freshness") == "Stale") continue;
    for (const Json& r : ArrayOr(v, "resources")) {
      const std::string name = StringOr(r, "resource");
      if (name.empty()) continue;
      RestMapping m;
      m.gvr = {group, version, name};
      const Json* kind = r.is_object() && r.contains("responseKind") ? &r["responseKind"] : nullptr;
      m.gvk = {group, version, kind != nullptr ? StringOr(*kind, "kind") : std::string()};
      m.namespaced = StringOr(r, "scope") == "Namespaced";
      m.singular = StringOr(r, "singularResource");
      if (m.singular.empty()) m.singular = Lower(m.gvk.kind);
      m.short_names = Strings(r, "shortNames");
      m.verbs = Strings(r, "verbs");
      for (const Json& s : ArrayOr(r, "subresources")) {
        const std::string sub = StringOr(s, "subresource");
        if (!sub.empty()) m.subresources.push_back(sub);
      }
      out->push_back(std::move(m));
    }
  }
}

bool IsAggregated(const Json& doc) { return StringOr(doc, "kind") == "APIGroupDiscoveryList"; }

Json MappingToJson(const RestMapping& m) {
  return {{"group", m.gvr.group},     {"version", m.gvr.version}, {"resource", m.gvr.resource},
          {"kind", m.gvk.kind},       {"namespaced", m.namespaced}, {"singular", m.singular},
          {"shortNames", m.short_names}, {"verbs", m.verbs},    {"subresources", m.subresources}};
}

RestMapping MappingFromJson(const Json& j) {
  RestMapping m;
  m.gvr = {StringOr(j, "group"), StringOr(j, "version"), StringOr(j, "resource")};
  m.gvk = {m.gvr.group, m.gvr.version, StringOr(j, "kind")};
  m.namespaced = BoolOr(j, "namespaced", false);
  m.singular = StringOr(j, "singular");
  m.short_names = Strings(j, "shortNames");
  m.verbs = Strings(j, "verbs");
  m.subresources = Strings(j, "subresources");
  return m;
}

constexpr char kDiskFile[] = "kop-discovery.json";
constexpr int kDiskFormat = 1;

}  // namespace

const char kAggregatedDiscoveryAccept[] =
    "application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList,"
    "application/json;g=apidiscovery.k8s.io;v=v2beta1;as=APIGroupDiscoveryList,"
    "application/json";

std::string DiscoveryCacheDir(const std::string& parent, const std::string& server_url) {
  std::string host = server_url;
  if (const size_t scheme = host.find("://"); scheme != std::string::npos) host = host.substr(scheme + 3);
  for (char& c : host) {
    const bool keep = isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '/' || c == '_';
    if (!keep) c = '_';
  }
  while (!host.empty() && host.back() == '/') host.pop_back();
  return kop::StrCat(parent, "/discovery/", host);
}

RestMapper::RestMapper(std::shared_ptr<Transport> transport, RestMapperOptions options)
    : transport_(std::move(transport)), options_(std::move(options)) {}

void RestMapper::Invalidate() {
  kop::MutexLock lock(&mu_);
  loaded_ = false;
  disk_usable_ = false;
}

RestMapper::Stats RestMapper::stats() const {
  kop::MutexLock lock(&mu_);
  return stats_;
}

absl::StatusOr<Json> RestMapper::Get(const std::string& path, const char* accept) {
  ++stats_.requests;
  KOP_ASSIGN_OR_RETURN(HttpResponse r, transport_->Do({.method = "GET",
                                                       .path = path,
                                                       .accept = accept,
                                                       .rate_limit = HttpRequest::RateLimit::kDiscovery}));
  if (r.code != 200) return ApiErrorFromResponse(r.code, r.body);
  absl::StatusOr<Json> j = ParseJson(r.body);
  if (!j.ok() || !j->is_object()) {
    return absl::InvalidArgumentError(kop::StrCat("discovery ", path, ": not a JSON object"));
  }
  return j;
}

absl::Status RestMapper::LoadLocked() {
  if (options_.disk_cache_dir.empty() || !disk_usable_ || !LoadFromDiskLocked()) {
    KOP_RETURN_IF_ERROR(RefreshLocked());
  }
  return absl::OkStatus();
}

bool RestMapper::LoadFromDiskLocked() {
  namespace fs = std::filesystem;
  const fs::path file = fs::path(options_.disk_cache_dir) / kDiskFile;
  std::error_code ec;
  const fs::file_time_type written = fs::last_write_time(file, ec);
  if (ec || fs::file_time_type::clock::now() - written > options_.disk_cache_ttl) return false;
  std::ifstream in(file);
  std::stringstream text;
  text << in.rdbuf();
  absl::StatusOr<Json> doc = ParseJson(text.str());
  // An unreadable or foreign file is a miss, never an error: the server has the answer.
  if (!doc.ok() || !doc->is_object() || doc->value("format", 0) != kDiskFormat) return false;
  std::vector<RestMapping> all;
  for (const Json& m : ArrayOr(*doc, "mappings")) all.push_back(MappingFromJson(m));
  if (all.empty()) return false;
  mappings_ = std::move(all);
  loaded_ = true;
  ++stats_.disk_loads;
  return true;
}

void RestMapper::StoreToDiskLocked() {
  namespace fs = std::filesystem;
  if (options_.disk_cache_dir.empty()) return;
  std::error_code ec;
  fs::create_directories(options_.disk_cache_dir, ec);
  if (ec) return;  // a cache that cannot be written costs only the next run's discovery
  Json doc = {{"format", kDiskFormat}, {"mappings", Json::array()}};
  for (const RestMapping& m : mappings_) doc["mappings"].push_back(MappingToJson(m));
  const fs::path file = fs::path(options_.disk_cache_dir) / kDiskFile;
  const fs::path tmp = fs::path(kop::StrCat(file.string(), ".tmp.", ::getpid()));
  {
    std::ofstream out(tmp, std::ios::trunc);
    out << doc.dump();
    if (!out.good()) {
      fs::remove(tmp, ec);
      return;
    }
  }
  fs::permissions(tmp, fs::perms::owner_read | fs::perms::owner_write | fs::perms::group_read, ec);
  fs::rename(tmp, file, ec);  // atomic: a concurrent reader sees the old file or the new one
  if (ec) fs::remove(tmp, ec);
}

absl::Status RestMapper::RefreshLocked() {
  ++stats_.server_refreshes;
  std::vector<RestMapping> all;
  bool aggregated = false;
  KOP_ASSIGN_OR_RETURN(Json api, Get("/api", kAggregatedDiscoveryAccept));
  if (IsAggregated(api)) {
    aggregated = true;
    for (const Json& item : ArrayOr(api, "items")) AddAggregatedGroup(item, &all);
  } else {
    for (const Json& v : ArrayOr(api, "versions")) {
      if (!v.is_string()) continue;
      KOP_ASSIGN_OR_RETURN(Json list, Get("/api/" + v.get<std::string>(), "application/json"));
      AddResources(list, "", v.get<std::string>(), &all);
    }
  }
  KOP_ASSIGN_OR_RETURN(Json groups, Get("/apis", kAggregatedDiscoveryAccept));
  if (IsAggregated(groups)) {
    for (const Json& item : ArrayOr(groups, "items")) AddAggregatedGroup(item, &all);
  } else {
    aggregated = false;
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
        absl::StatusOr<Json> list = Get("/apis/" + name + "/" + ver, "application/json");
        if (!list.ok()) {
          // A group version going away between the two reads (a CRD deleted) is not an error.
          if (kop::IsNotFound(list.status())) continue;
          return list.status();
        }
        AddResources(*list, name, ver, &all);
      }
    }
  }
  mappings_ = std::move(all);
  loaded_ = true;
  stats_.aggregated = aggregated;
  StoreToDiskLocked();
  return absl::OkStatus();
}

template <typename Pred>
absl::StatusOr<RestMapping> RestMapper::Find(Pred pred, std::string_view what) {
  kop::MutexLock lock(&mu_);
  for (int attempt = 0; attempt < 2; ++attempt) {
    if (!loaded_) {
      KOP_RETURN_IF_ERROR(LoadLocked());
    } else if (attempt == 1) {
      KOP_RETURN_IF_ERROR(RefreshLocked());  // a miss: the server may serve it by now
    }
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
  if (!loaded_) KOP_RETURN_IF_ERROR(LoadLocked());
  return mappings_;
}

}  // namespace kop::client
