// kop/cache/lister: reads from an informer's cache, as reconcilers do.
//
//   kop::cache::Lister deployments(informer);
//   kop::cache::ObjectPtr d = deployments.Get({"default", "web"});
//   auto owned = deployments.ByIndex(kop::cache::kControllerUidIndex, app.uid());
#ifndef KOP_CACHE_LISTER_H_
#define KOP_CACHE_LISTER_H_

#include <memory>
#include <string_view>
#include <vector>

#include "kop/cache/informer.h"

namespace kop::cache {

// Thread-safe; cheap to copy. Keeps the informer alive.
class Lister {
 public:
  explicit Lister(std::shared_ptr<const Informer> informer) : informer_(std::move(informer)) {}

  ObjectPtr Get(const ObjectKey& key) const { return informer_->indexer().Get(key); }
  std::vector<ObjectPtr> List(std::string_view ns = "", const LabelSelector& selector = {}) const {
    return informer_->indexer().List(ns, selector);
  }
  std::vector<ObjectPtr> ByIndex(std::string_view index, std::string_view value) const {
    return informer_->indexer().ByIndex(index, value);
  }
  bool HasSynced() const { return informer_->HasSynced(); }

 private:
  std::shared_ptr<const Informer> informer_;
};

}  // namespace kop::cache

#endif  // KOP_CACHE_LISTER_H_
