// kop/controller/cached_client: what a reconciler reads and writes through.
//
// Reads come from the shared informers (the first read of a kind starts its informer and
// waits for it to sync); writes go to the API server. `direct()` reads from the server when a
// reconcile must not act on a cached copy.
//
//   KOP_ASSIGN_OR_RETURN(kop::cache::ObjectPtr app, ctx.cached->Get(kAppGVK, req.key));
//   KOP_ASSIGN_OR_RETURN(auto owned, ctx.cached->List(kDeploymentGVK, req.key.namespace_));
//   KOP_RETURN_IF_ERROR(ctx.cached->UpdateStatus(updated).status());
//
// Caveats: the cache lags the server. A read right after a write may still show the old
// state (controller-runtime behaves the same); write with resourceVersion preconditions
// (Update does) and let the conflict requeue.
#ifndef KOP_CONTROLLER_CACHED_CLIENT_H_
#define KOP_CONTROLLER_CACHED_CLIENT_H_

#include <chrono>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "kop/api/label_selector.h"
#include "kop/cache/informer_factory.h"
#include "kop/client/client.h"

namespace kop {

// Thread-safe.
class CachedClient {
 public:
  CachedClient(client::Client& client, cache::InformerFactory& cache,
               std::chrono::milliseconds sync_timeout = std::chrono::minutes(2));

  // From the cache. NotFound (kop::IsNotFound) when the cache has no such object.
  absl::StatusOr<cache::ObjectPtr> Get(const GroupVersionKind& gvk, const ObjectKey& key);
  absl::StatusOr<std::vector<cache::ObjectPtr>> List(const GroupVersionKind& gvk,
                                                     std::string_view ns = "",
                                                     const LabelSelector& selector = {});

  // To the API server; the resource comes from the object's apiVersion and kind.
  absl::StatusOr<Object> Create(const Object& obj);
  absl::StatusOr<Object> Update(const Object& obj);
  absl::StatusOr<Object> UpdateStatus(const Object& obj);
  absl::StatusOr<Object> Patch(const Object& obj, client::PatchType type, const std::string& patch,
                               const std::string& subresource = "");
  absl::Status Delete(const Object& obj, const client::DeleteOptions& options = {});

  // The API resource of a kind in a namespace, for anything else (and uncached reads).
  absl::StatusOr<client::ResourceClient> Resource(const GroupVersionKind& gvk, const std::string& ns);
  client::Client& direct() { return client_; }

 private:
  absl::StatusOr<std::shared_ptr<cache::Informer>> Informer(const GroupVersionKind& gvk);
  absl::StatusOr<client::ResourceClient> ResourceOf(const Object& obj);

  client::Client& client_;
  cache::InformerFactory& cache_;
  const std::chrono::milliseconds sync_timeout_;
};

}  // namespace kop

#endif  // KOP_CONTROLLER_CACHED_CLIENT_H_
