#include "kop/controller/cached_client.h"

#include "kop/base/status_macros.h"

namespace kop {

CachedClient::CachedClient(client::Client& client, cache::InformerFactory& cache,
                           std::chrono::milliseconds sync_timeout)
    : client_(client), reader_(cache, sync_timeout) {}

absl::StatusOr<client::ResourceClient> CachedClient::Resource(const GroupVersionKind& gvk, const std::string& ns) {
  KOP_ASSIGN_OR_RETURN(client::ResourceClient r, client_.ForKind(gvk));
  return r.namespaced() ? r.Namespace(ns) : r;
}

}  // namespace kop
