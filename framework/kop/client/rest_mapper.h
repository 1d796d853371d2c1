// kop/client/rest_mapper: which REST resource serves a kind, from discovery.
//
// Reads discovery to map GroupVersionKind <-> resource, and resolves the names people type
// (plural, singular, kind, short name, "plural.group") as kubectl does.
//
// Discovery asks for aggregated discovery first (apidiscovery.k8s.io/v2, then v2beta1: the
// whole server in two requests, /api and /apis); a server that does not serve it answers the
// legacy documents, and the mapper then reads each group version. Its requests draw from the
// transport's discovery rate limit, not the client's.
//
// The result is cached in memory and, when RestMapperOptions names a folder, on disk between
// runs (kopctl, like kubectl's ~/.kube/cache/discovery). A lookup that misses refreshes from
// the server once, so resources added since (a new CRD) are found and the disk copy is renewed.
#ifndef KOP_CLIENT_REST_MAPPER_H_
#define KOP_CLIENT_REST_MAPPER_H_

#include <chrono>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "kop/api/group_version.h"
#include "kop/api/json.h"
#include "kop/base/mutex.h"
#include "kop/client/transport.h"

namespace kop::client {

struct RestMapping {
  GroupVersionResource gvr;
  GroupVersionKind gvk;
  bool namespaced = true;
  std::string singular;
  std::vector<std::string> short_names;
  std::vector<std::string> verbs;
  std::vector<std::string> subresources;  // "status", "scale", ...
};

struct RestMapperOptions {
  // A folder for the discovery cache shared between runs; empty: memory only. Use
  // DiscoveryCacheDir() for one folder per server.
  std::string disk_cache_dir;
  // A disk copy older than this is not read (kubectl's default).
  std::chrono::seconds disk_cache_ttl = std::chrono::hours(6);
};

// "<parent>/discovery/<host_port>": kubectl's layout, one folder per server (the URL's scheme
// dropped, characters other than letters, digits, '.' and '/' turned into '_').
std::string DiscoveryCacheDir(const std::string& parent, const std::string& server_url);

// The Accept header asking for aggregated discovery, falling back to the legacy documents.
extern const char kAggregatedDiscoveryAccept[];

// Thread-safe.
class RestMapper {
 public:
  explicit RestMapper(std::shared_ptr<Transport> transport, RestMapperOptions options = {});

  // The mapping of a kind (its preferred version's resource when `gvk.version` is empty).
  absl::StatusOr<RestMapping> ForKind(const GroupVersionKind& gvk);
  // Resolves "deployments", "deployment", "Deployment", "deploy", "deployments.apps",
  // "deployments.v1.apps". absl NotFound (not an API error): `the server doesn't have a
  // resource type "x"`.
  absl::StatusOr<RestMapping> ForName(std::string_view name);
  // Every resource the server serves (preferred versions first).
  absl::StatusOr<std::vector<RestMapping>> All();
  // Forgets the cache (memory, and the disk copy is not read again).
  void Invalidate();

  // How the last refresh from the server went, for tests and benchmarks.
  struct Stats {
    int server_refreshes = 0;  // refreshes that read the server
    int disk_loads = 0;        // loads satisfied by the disk copy
    int requests = 0;          // discovery requests sent in total
    bool aggregated = false;   // the last server refresh used aggregated discovery
  };
  Stats stats() const;

 private:
  absl::Status RefreshLocked() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  absl::Status LoadLocked() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  bool LoadFromDiskLocked() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  void StoreToDiskLocked() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  absl::StatusOr<Json> Get(const std::string& path, const char* accept)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  template <typename Pred>
  absl::StatusOr<RestMapping> Find(Pred pred, std::string_view what);

  std::shared_ptr<Transport> transport_;
  const RestMapperOptions options_;
  mutable kop::Mutex mu_;  // guards the cache; held during a refresh so that only one runs
  bool loaded_ ABSL_GUARDED_BY(mu_) = false;
  bool disk_usable_ ABSL_GUARDED_BY(mu_) = true;   // false after Invalidate()
  Stats stats_ ABSL_GUARDED_BY(mu_);
  std::vector<RestMapping> mappings_ ABSL_GUARDED_BY(mu_);  // preferred versions first
};

}  // namespace kop::client

#endif  // KOP_CLIENT_REST_MAPPER_H_
