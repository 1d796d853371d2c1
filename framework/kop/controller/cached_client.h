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
// Read your own writes (on by default): the cache lags the server, so a Get right after a
// write would often show the state before it, and a reconciler acting on it writes again or
// conflicts. This client remembers what each write through it returned and, while the cache
// still holds an older resourceVersion of that object, Get and List answer with the written
// object instead. What the cache does not hold at all is not found, even right after a create
// (a second create answers AlreadyExists): answering with the written object there would hide a
// deletion by someone else, and nothing would reconcile it again. Nothing waits: a read costs
// one hash lookup more when writes are pending and none otherwise, and no other key is held
// up. A written version is forgotten once the cache shows it or a newer one, when the object
// is deleted through this client, or `remember_writes_for` (10 s) after the write. Versions
// are compared as numbers (the API server's resourceVersions are etcd revisions); an
// unparsable one is never held back. A write through another client (api_reader's, another
// process) is not covered.
#ifndef KOP_CONTROLLER_CACHED_CLIENT_H_
#define KOP_CONTROLLER_CACHED_CLIENT_H_

#include <atomic>
#include <chrono>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/status/statusor.h"
#include "kop/base/mutex.h"
#include "kop/cache/cache_reader.h"
#include "kop/cache/informer_factory.h"
#include "kop/client/client.h"
#include "kop/client/object_client.h"

namespace kop {

struct CachedClientOptions {
  bool read_your_own_writes = true;
  // How long a written version may stand in for the cache: a cache is normally milliseconds
  // behind, so this only bounds the cases where it never shows the write (an object outside
  // the cached namespaces) or where someone else deleted the object before this client read it
  // back (it is then read for up to this long after the write).
  std::chrono::milliseconds remember_writes_for{std::chrono::seconds(10)};
};

// Thread-safe.
class CachedClient final : public client::ObjectClient {
 public:
  CachedClient(client::Client& client, cache::InformerFactory& cache,
               std::chrono::milliseconds sync_timeout = std::chrono::minutes(2), CachedClientOptions options = {});
  // Reads from `cached`, writes to `server`: for tests (a lagging reader over a FakeClient)
  // and for callers with caches of their own. Resource() is unavailable in this form.
  CachedClient(client::Reader& cached, client::ObjectClient& server, CachedClientOptions options = {});

  client::StatusWriter& Status() override { return status_; }

  // The API resource of a kind in a namespace, for anything else (watches, subresources).
  absl::StatusOr<client::ResourceClient> Resource(const GroupVersionKind& gvk, const std::string& ns);

  // Reads answered with a written object because the cache was behind.
  int64_t reads_served_from_writes() const { return served_from_writes_.load(std::memory_order_relaxed); }
  // Written versions remembered now.
  size_t pending_writes() const;

 private:
  class StatusPart final : public client::StatusWriter {
   public:
    explicit StatusPart(CachedClient& c) : c_(c) {}
    absl::StatusOr<Object> Update(const Object& obj) override;
    absl::StatusOr<Object> Patch(const Object& obj, client::PatchType type, const std::string& patch) override;

   private:
    CachedClient& c_;
  };

  absl::StatusOr<client::ObjectPtr> DoGet(const GroupVersionKind& gvk, const ObjectKey& key) override;
  absl::StatusOr<std::vector<client::ObjectPtr>> DoList(const GroupVersionKind& gvk, std::string_view ns,
                                                        const LabelSelector& selector) override;
  absl::StatusOr<Object> DoCreate(const Object& obj) override { return Remember(server_.Create(obj)); }
  absl::StatusOr<Object> DoUpdate(const Object& obj) override { return Remember(server_.Update(obj)); }
  absl::StatusOr<Object> DoPatch(const Object& obj, client::PatchType type, const std::string& patch) override {
    return Remember(server_.Patch(obj, type, patch));
  }
  absl::StatusOr<Object> DoApply(const Object& obj, const std::string& field_manager, bool force) override {
    return Remember(server_.Apply(obj, field_manager, force));
  }
  absl::Status DoDelete(const Object& obj, const client::DeleteOptions& options) override;
  absl::Status DoDeleteAllOf(const GroupVersionKind& gvk, std::string_view ns, const LabelSelector& selector,
                             const client::DeleteOptions& options) override;

  // Keeps what a successful write returned; passes the result on.
  absl::StatusOr<Object> Remember(absl::StatusOr<Object> written);
  void Forget(const Object& obj);

  struct Written {
    client::ObjectPtr object;
    uint64_t resource_version;
    std::chrono::steady_clock::time_point at;
  };
  // "group/Kind" -> "namespace/name" -> what was written last.
  using Kinds = absl::flat_hash_map<std::string, absl::flat_hash_map<std::string, Written>>;

  client::Client* const client_;  // null in the second form
  std::unique_ptr<cache::CacheReader> own_reader_;
  client::Reader& reader_;
  client::ObjectClient& server_;
  const CachedClientOptions options_;
  StatusPart status_{*this};

  mutable kop::Mutex mu_;  // guards written_ and last_prune_
  Kinds written_ ABSL_GUARDED_BY(mu_);
  std::chrono::steady_clock::time_point last_prune_ ABSL_GUARDED_BY(mu_);
  std::atomic<size_t> pending_{0};  // entries in written_, read without the lock
  std::atomic<int64_t> served_from_writes_{0};
};

}  // namespace kop

#endif  // KOP_CONTROLLER_CACHED_CLIENT_H_
