#include "kop/controller/cached_client.h"

#include "kop/base/status_macros.h"
#include "kop/base/strings.h"
#include "kop/client/errors.h"

namespace kop {

CachedClient::CachedClient(client::Client& client, cache::InformerFactory& cache,
                           std::chrono::milliseconds sync_timeout)
    : client_(client), cache_(cache), sync_timeout_(sync_timeout) {}

absl::StatusOr<std::shared_ptr<cache::Informer>> CachedClient::Informer(const GroupVersionKind& gvk) {
  KOP_ASSIGN_OR_RETURN(std::shared_ptr<cache::Informer> informer, cache_.ForKind(gvk));
  informer->Start();  // idempotent; a factory that runs has started it already
  if (!informer->WaitForCacheSync(sync_timeout_)) {
    return absl::DeadlineExceededError(
        kop::StrCat("the cache of ", gvk.ToString(), " did not sync in time"));
  }
  return informer;
}

absl::StatusOr<cache::ObjectPtr> CachedClient::Get(const GroupVersionKind& gvk, const ObjectKey& key) {
  KOP_ASSIGN_OR_RETURN(std::shared_ptr<cache::Informer> informer, Informer(gvk));
  cache::ObjectPtr obj = informer->indexer().Get(key);
  if (obj == nullptr) {
    const client::ResourceClient& r = informer->resource();
    Json status = {{"kind", "Status"},
                   {"apiVersion", "v1"},
                   {"status", "Failure"},
                   {"reason", "NotFound"},
                   {"message", kop::StrCat(r.gvr().resource, r.gvr().group.empty() ? "" : ".",
                                           r.gvr().group, " \"", key.name, "\" not found")},
                   {"details", {{"name", key.name}, {"group", r.gvr().group}, {"kind", r.gvr().resource}}}};
    return ApiErrorFromStatus(404, std::move(status));
  }
  return obj;
}

absl::StatusOr<std::vector<cache::ObjectPtr>> CachedClient::List(const GroupVersionKind& gvk,
                                                                  std::string_view ns,
                                                                  const LabelSelector& selector) {
  KOP_ASSIGN_OR_RETURN(std::shared_ptr<cache::Informer> informer, Informer(gvk));
  return informer->indexer().List(ns, selector);
}

absl::StatusOr<client::ResourceClient> CachedClient::Resource(const GroupVersionKind& gvk,
                                                              const std::string& ns) {
  KOP_ASSIGN_OR_RETURN(client::ResourceClient r, client_.ForKind(gvk));
  return r.Namespace(ns);
}

absl::StatusOr<client::ResourceClient> CachedClient::ResourceOf(const Object& obj) {
  KOP_ASSIGN_OR_RETURN(GroupVersionKind gvk, obj.gvk());
  return Resource(gvk, std::string(obj.namespace_()));
}

absl::StatusOr<Object> CachedClient::Create(const Object& obj) {
  KOP_ASSIGN_OR_RETURN(client::ResourceClient r, ResourceOf(obj));
  return r.Create(obj);
}

absl::StatusOr<Object> CachedClient::Update(const Object& obj) {
  KOP_ASSIGN_OR_RETURN(client::ResourceClient r, ResourceOf(obj));
  return r.Update(obj);
}

absl::StatusOr<Object> CachedClient::UpdateStatus(const Object& obj) {
  KOP_ASSIGN_OR_RETURN(client::ResourceClient r, ResourceOf(obj));
  return r.UpdateStatus(obj);
}

absl::StatusOr<Object> CachedClient::Patch(const Object& obj, client::PatchType type,
                                           const std::string& patch, const std::string& subresource) {
  KOP_ASSIGN_OR_RETURN(client::ResourceClient r, ResourceOf(obj));
  return r.Patch(std::string(obj.name()), type, patch, {}, subresource);
}

absl::Status CachedClient::Delete(const Object& obj, const client::DeleteOptions& options) {
  KOP_ASSIGN_OR_RETURN(client::ResourceClient r, ResourceOf(obj));
  return r.Delete(std::string(obj.name()), options);
}

}  // namespace kop
