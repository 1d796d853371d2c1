// kop/cache/cache_reader: a client::Reader over the shared informers.
//
// The first read of a kind starts its informer (through the InformerFactory) and waits for it
// to sync; reads then come from memory: no request, and the object is the informer's shared
// snapshot (no copy). The cache lags the server: a read right after a write may still show
// the old state.
//
// Thread-safe.
#ifndef KOP_CACHE_CACHE_READER_H_
#define KOP_CACHE_CACHE_READER_H_

#include <chrono>
#include <memory>
#include <string_view>
#include <vector>

#include "kop/cache/informer_factory.h"
#include "kop/client/object_client.h"

namespace kop::cache {

class CacheReader final : public client::Reader {
 public:
  explicit CacheReader(InformerFactory& informers, std::chrono::milliseconds sync_timeout = std::chrono::minutes(2));

 private:
  absl::StatusOr<std::shared_ptr<Informer>> Synced(const GroupVersionKind& gvk);
  absl::StatusOr<client::ObjectPtr> DoGet(const GroupVersionKind& gvk, const ObjectKey& key) override;
  absl::StatusOr<std::vector<client::ObjectPtr>> DoList(const GroupVersionKind& gvk, std::string_view ns,
                                                        const LabelSelector& selector) override;

  InformerFactory& informers_;
  const std::chrono::milliseconds sync_timeout_;
};

}  // namespace kop::cache

#endif  // KOP_CACHE_CACHE_READER_H_
