#include "kop/cache/cache_reader.h"

#include "kop/base/status_macros.h"
#include "kop/base/strings.h"
#include "kop/client/errors.h"

namespace kop::cache {

CacheReader::CacheReader(InformerFactory& informers, std::chrono::milliseconds sync_timeout)
    : informers_(informers), sync_timeout_(sync_timeout) {}

absl::StatusOr<std::shared_ptr<Informer>> CacheReader::Synced(const GroupVersionKind& gvk) {
  KOP_ASSIGN_OR_RETURN(std::shared_ptr<Informer> informer, informers_.ForKind(gvk));
  informer->Start();  // idempotent; a factory that runs has started it already
  if (!informer->WaitForCacheSync(sync_timeout_)) {
    return absl::DeadlineExceededError(kop::StrCat("the cache of ", gvk.ToString(), " did not sync in time"));
  }
  return informer;
}

absl::StatusOr<client::ObjectPtr> CacheReader::DoGet(const GroupVersionKind& gvk, const ObjectKey& key) {
  KOP_ASSIGN_OR_RETURN(std::shared_ptr<Informer> informer, Synced(gvk));
  ObjectPtr obj = informer->indexer().Get(key);
  if (obj != nullptr) return obj;
  // The API server's answer for an object it does not have, so that callers handle a cache
  // miss and a server miss alike (kop::IsNotFound).
  const client::ResourceClient& r = informer->resource();
  Json status = {{"kind", "Status"},
                 {"apiVersion", "v1"},
                 {"status", "Failure"},
                 {"reason", "NotFound"},
                 {"code", 404},
                 {"message", kop::StrCat(r.gvr().resource, r.gvr().group.empty() ? "" : ".", r.gvr().group, " \"",
                                         key.name, "\" not found")},
                 {"details", {{"name", key.name}, {"group", r.gvr().group}, {"kind", r.gvr().resource}}}};
  return ApiErrorFromStatus(404, std::move(status));
}

absl::StatusOr<std::vector<client::ObjectPtr>> CacheReader::DoList(const GroupVersionKind& gvk, std::string_view ns,
                                                                   const LabelSelector& selector) {
  KOP_ASSIGN_OR_RETURN(std::shared_ptr<Informer> informer, Synced(gvk));
  return informer->indexer().List(ns, selector);
}

}  // namespace kop::cache
