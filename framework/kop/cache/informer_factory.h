// kop/cache/informer_factory: one shared informer per resource and selection.
//
// Every controller that asks for Deployments in the same scope gets the same informer, so
// the server sees one watch. Informers asked for after Start start at once.
//
//   kop::cache::InformerFactory factory(*client, {.namespace_ = "team-a"});
//   KOP_ASSIGN_OR_RETURN(auto deployments, factory.ForKind({"apps", "v1", "Deployment"}));
//   factory.Start();
//   if (!factory.WaitForCacheSync(std::chrono::minutes(2))) ...
#ifndef KOP_CACHE_INFORMER_FACTORY_H_
#define KOP_CACHE_INFORMER_FACTORY_H_

#include <chrono>
#include <map>
#include <memory>
#include <string>
#include <tuple>
#include <vector>

#include "absl/status/statusor.h"
#include "kop/base/mutex.h"
#include "kop/cache/informer.h"
#include "kop/client/client.h"

namespace kop::cache {

struct InformerFactoryOptions {
  std::string namespace_;  // "" = every namespace (cluster-scoped resources ignore it)
  // Several namespaces (one list+watch each, one cache per informer); overrides namespace_.
  std::vector<std::string> namespaces;
  std::chrono::milliseconds resync_period{0};
  ReflectorOptions reflector;
};

// What to watch beyond the resource.
struct Selection {
  std::string label_selector;
  std::string field_selector;
  // Cache PartialObjectMetadata only, for owned objects whose bodies nobody reads.
  bool metadata_only = false;
};

// Thread-safe.
class InformerFactory {
 public:
  InformerFactory(const client::Client& client, InformerFactoryOptions options = {});
  ~InformerFactory();

  absl::StatusOr<std::shared_ptr<Informer>> ForResource(const GroupVersionResource& gvr,
                                                        bool namespaced,
                                                        const Selection& selection = {});
  // Through discovery. NotFound when no resource serves the kind.
  absl::StatusOr<std::shared_ptr<Informer>> ForKind(const GroupVersionKind& gvk,
                                                    const Selection& selection = {});

  void Start();
  void Stop();
  // Waits for every informer created so far; false when `timeout` passes first.
  bool WaitForCacheSync(std::chrono::milliseconds timeout) const;
  size_t size() const;
  // Every informer created so far (for metrics and diagnostics).
  std::vector<std::shared_ptr<Informer>> Informers() const;

 private:
  using Key = std::tuple<std::string, std::string, std::string, std::string, std::string, bool>;

  const client::Client& client_;
  const InformerFactoryOptions options_;
  mutable kop::Mutex mu_;  // guards informers_ and started_
  std::map<Key, std::shared_ptr<Informer>> informers_ ABSL_GUARDED_BY(mu_);
  bool started_ ABSL_GUARDED_BY(mu_) = false;
};

}  // namespace kop::cache

#endif  // KOP_CACHE_INFORMER_FACTORY_H_
