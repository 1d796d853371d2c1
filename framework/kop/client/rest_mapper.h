// kop/client/rest_mapper: which REST resource serves a kind, from discovery.
//
// Reads /api and /apis (and each group version) to map GroupVersionKind <-> resource, and
// resolves the names people type (plural, singular, kind, short name, "plural.group") as
// kubectl does. The result is cached; a lookup that misses refreshes it once, so resources
// added after start (a new CRD) are found.
#ifndef KOP_CLIENT_REST_MAPPER_H_
#define KOP_CLIENT_REST_MAPPER_H_

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "kop/api/group_version.h"
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

// Thread-safe.
class RestMapper {
 public:
  explicit RestMapper(std::shared_ptr<Transport> transport);

  // The mapping of a kind (its preferred version's resource when `gvk.version` is empty).
  absl::StatusOr<RestMapping> ForKind(const GroupVersionKind& gvk);
  // Resolves "deployments", "deployment", "Deployment", "deploy", "deployments.apps",
  // "deployments.v1.apps". absl NotFound (not an API error): `the server doesn't have a
  // resource type "x"`.
  absl::StatusOr<RestMapping> ForName(std::string_view name);
  // Every resource the server serves (preferred versions first).
  absl::StatusOr<std::vector<RestMapping>> All();
  // Forgets the cache.
  void Invalidate();

 private:
  absl::Status RefreshLocked() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  template <typename Pred>
  absl::StatusOr<RestMapping> Find(Pred pred, std::string_view what);

  std::shared_ptr<Transport> transport_;
  kop::Mutex mu_;  // guards the cache; held during a refresh so that only one runs
  bool loaded_ ABSL_GUARDED_BY(mu_) = false;
  std::vector<RestMapping> mappings_ ABSL_GUARDED_BY(mu_);  // preferred versions first
};

}  // namespace kop::client

#endif  // KOP_CLIENT_REST_MAPPER_H_
