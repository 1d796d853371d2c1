// kop/controller/cached_client: what a reconciler reads and writes through (ctx.client).
//
// An ObjectClient that reads from the shared informers (cache::CacheReader: the first read
// of a kind starts its informer and waits for it to sync) and writes to the API server
// (client::Client). For the few reads that must be live, a reconcile has ctx.api_reader.
//
//   KOP_ASSIGN_OR_RETURN(kop::client::ObjectPtr app, ctx.client.Get(kAppGVK, req.key));
//   KOP_ASSIGN_OR_RETURN(auto owned, ctx.client.List(kDeploymentGVK, req.key.namespace_));
//   KOP_RETURN_IF_ERROR(ctx.client.Status().Update(updated).status());
//
// Caveats: the cache lags the server. A read right after a write may still show the old
// state (controller-runtime behaves the same); write with resourceVersion preconditions
// (Update does) and let the conflict requeue.
#ifndef KOP_CONTROLLER_CACHED_CLIENT_H_
#define KOP_CONTROLLER_CACHED_CLIENT_H_

#include <chrono>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "kop/cache/cache_reader.h"
#include "kop/cache/informer_factory.h"
#include "kop/client/client.h"
#include "kop/client/object_client.h"

namespace kop {

// Thread-safe.
class CachedClient final : public client::ObjectClient {
 public:
  CachedClient(client::Client& client, cache::InformerFactory& cache,
               std::chrono::milliseconds sync_timeout = std::chrono::minutes(2));

  client::StatusWriter& Status() override { return client_.Status(); }

  // The API resource of a kind in a namespace, for anything else (watches, subresources).
  absl::StatusOr<client::ResourceClient> Resource(const GroupVersionKind& gvk, const std::string& ns);
  // The API server, for live reads.
  client::Client& direct() { return client_; }

 private:
  absl::StatusOr<client::ObjectPtr> DoGet(const GroupVersionKind& gvk, const ObjectKey& key) override {
    return reader_.Get(gvk, key);
  }
  absl::StatusOr<std::vector<client::ObjectPtr>> DoList(const GroupVersionKind& gvk, std::string_view ns,
                                                        const LabelSelector& selector) override {
    return reader_.List(gvk, ns, selector);
  }
  absl::StatusOr<Object> DoCreate(const Object& obj) override { return client_.Create(obj); }
  absl::StatusOr<Object> DoUpdate(const Object& obj) override { return client_.Update(obj); }
  absl::StatusOr<Object> DoPatch(const Object& obj, client::PatchType type, const std::string& patch) override {
    return client_.Patch(obj, type, patch);
  }
  absl::StatusOr<Object> DoApply(const Object& obj, const std::string& field_manager, bool force) override {
    return client_.Apply(obj, field_manager, force);
  }
  absl::Status DoDelete(const Object& obj, const client::DeleteOptions& options) override {
    return client_.Delete(obj, options);
  }
  absl::Status DoDeleteAllOf(const GroupVersionKind& gvk, std::string_view ns, const LabelSelector& selector,
                             const client::DeleteOptions& options) override {
    return client_.DeleteAllOf(gvk, ns, selector, options);
  }

  client::Client& client_;
  cache::CacheReader reader_;
};

}  // namespace kop

#endif  // KOP_CONTROLLER_CACHED_CLIENT_H_
