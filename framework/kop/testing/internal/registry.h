// The resources the embedded API server serves, and the discovery documents describing them.
#ifndef KOP_TESTING_INTERNAL_REGISTRY_H_
#define KOP_TESTING_INTERNAL_REGISTRY_H_

#include <map>
#include <memory>
#include <set>
#include <tuple>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "kop/api/json.h"
#include "kop/api/object.h"
#include "kop/base/mutex.h"

namespace kop::testing::internal {

struct ResourceInfo {
  std::string group;
  std::string version;
  std::string plural;
  std::string singular;
  std::string kind;
  std::string list_kind;
  bool namespaced = true;
  std::vector<std::string> short_names;
  std::vector<std::string> categories;
  bool has_status = false;       // serves <plural>/status
  bool has_generation = false;   // metadata.generation tracks spec changes
  bool custom = false;           // defined by a CustomResourceDefinition
  bool delete_returns_object = false;
  // A review (TokenReview, SelfSubjectAccessReview, ...): only created, answered at once and
  // never stored, listed or watched.
  bool review = false;
  std::set<std::string> field_labels;  // selectable fields besides metadata.name/namespace
  std::string name_format = "subdomain";  // "subdomain", "label" (RFC 1123) or "label1035"
  // The schema objects are pruned, defaulted and validated by: a custom resource's
  // openAPIV3Schema, or a built-in kind's from builtin_types.yaml (null: none).
  std::shared_ptr<const Json> schema;
  // The scale subresource (custom resources that declare one; built-in workloads).
  std::vector<Json> printer_columns;  // additionalPrinterColumns
  bool has_scale = false;
  std::string scale_spec_path;    // ".spec.replicas"
  std::string scale_status_path;  // ".status.replicas"
  std::string scale_selector_path;

  // Where objects of this resource are stored: versions of one group/resource share them.
  std::string StorageKey() const { return group + "/" + plural; }
  std::string ApiVersion() const { return group.empty() ? version : group + "/" + version; }
};

// Thread-safe.
class Registry {
 public:
  Registry();

  std::shared_ptr<const ResourceInfo> Find(const std::string& group, const std::string& version,
                                           const std::string& plural) const;
  // The plural names serving a group, version and kind (usually one).
  std::vector<std::string> PluralsOf(const GroupVersionKind& gvk) const;
  // One served version of every resource that has storage (for the garbage collector).
  std::vector<std::shared_ptr<const ResourceInfo>> StoredResources() const;
  // Every served version of a group/resource.
  std::vector<std::shared_ptr<const ResourceInfo>> Versions(const std::string& group,
                                                            const std::string& plural) const;

  // Every served resource version, in (group, version, plural) order.
  std::vector<std::shared_ptr<const ResourceInfo>> All() const;
  // Changes whenever the set of served resources does (a CRD added, changed or removed).
  uint64_t generation() const;

  // The resources a CustomResourceDefinition describes (one per served version). Errors name
  // the field that makes the definition unusable.
  static absl::StatusOr<std::vector<ResourceInfo>> ParseCustomResource(const Object& crd);
  // Serves (or re-serves) what a CustomResourceDefinition describes.
  absl::Status AddCustomResource(const Object& crd);
  void RemoveCustomResource(const std::string& group, const std::string& plural);

  Json ApiVersions(const std::string& server_address) const;  // GET /api
  Json ApiGroupList() const;                                  // GET /apis
  absl::StatusOr<Json> ApiGroup(const std::string& group) const;
  absl::StatusOr<Json> ApiResourceList(const std::string& group,
                                       const std::string& version) const;
  // Aggregated discovery (apidiscovery.k8s.io/`version`, "v2" or "v2beta1"): every group but
  // the core one (GET /apis), or the core group alone (GET /api), with every version and
  // resource, in one APIGroupDiscoveryList.
  Json AggregatedDiscovery(bool core, const std::string& version) const;

 private:
  using Key = std::tuple<std::string, std::string, std::string>;  // group, version, plural

  void AddLocked(ResourceInfo info) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // Recomputes group_versions_ and group_order_ from resources_.
  void RebuildGroupsLocked() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  Json GroupJsonLocked(const std::string& group) const ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  mutable kop::Mutex mu_;  // guards the maps
  std::map<Key, std::shared_ptr<const ResourceInfo>> resources_ ABSL_GUARDED_BY(mu_);
  // group -> versions, in preference order
  std::map<std::string, std::vector<std::string>> group_versions_ ABSL_GUARDED_BY(mu_);
  std::vector<std::string> group_order_ ABSL_GUARDED_BY(mu_);
  uint64_t generation_ ABSL_GUARDED_BY(mu_) = 0;
};

// What discovery lists as a resource's storageVersionHash: the first 8 bytes of the SHA-256 of
// "<group>/<version>/<Kind>" in base64, as upstream computes it from the storage version.
std::string StorageVersionHash(const std::string& group, const std::string& version, const std::string& kind);

}  // namespace kop::testing::internal

#endif  // KOP_TESTING_INTERNAL_REGISTRY_H_
