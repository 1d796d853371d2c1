// kop/cache/indexer: the informer's local cache, a thread-safe map from object key to an
// immutable snapshot, with indexes.
//
// Readers get `std::shared_ptr<const Object>`: they never copy and can never change what
// others see. One writer (the informer's dispatch thread) replaces snapshots.
//
// Built-in indexes: kNamespaceIndex (metadata.namespace) and kControllerUidIndex (the uid of
// the ownerReference with controller: true). Add your own with AddIndexer:
//
//   indexer.AddIndexer("spec.nodeName", [](const kop::Object& o) {
//     auto n = o.GetString({"spec", "nodeName"});
//     return n.ok() ? std::vector<std::string>{*n} : std::vector<std::string>{};
//   });
//   auto on_node = indexer.ByIndex("spec.nodeName", "node-1");
#ifndef KOP_CACHE_INDEXER_H_
#define KOP_CACHE_INDEXER_H_

#include <functional>
#include <map>
#include <memory>
#include <shared_mutex>
#include <string>
#include <string_view>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "absl/hash/hash.h"
#include "absl/status/status.h"
#include "kop/api/label_selector.h"
#include "kop/api/object.h"

namespace kop::cache {

using ObjectPtr = std::shared_ptr<const Object>;

inline constexpr std::string_view kNamespaceIndex = "namespace";
inline constexpr std::string_view kControllerUidIndex = "controller-uid";

// Values of an object under one index (none: the object is not in that index).
using IndexFunc = std::function<std::vector<std::string>(const Object&)>;

// Thread-safe. Writers (Upsert, Delete, Replace) are meant for one thread; readers any.
class Indexer {
 public:
  Indexer();

  // Adds an index, built over the objects already stored. AlreadyExists for a taken name.
  absl::Status AddIndexer(std::string name, IndexFunc fn);

  // Stores `obj` under its key; returns the previous snapshot (null if new).
  ObjectPtr Upsert(ObjectPtr obj);
  // Removes the key; returns the last snapshot (null if absent).
  ObjectPtr Delete(const ObjectKey& key);

  ObjectPtr Get(const ObjectKey& key) const;
  std::vector<ObjectPtr> List() const;
  // Objects in `ns` ("" = all) whose labels match `selector`.
  std::vector<ObjectPtr> List(std::string_view ns, const LabelSelector& selector) const;
  // Objects whose index `index` has `value`. NotFound-free: an unknown index gives nothing.
  std::vector<ObjectPtr> ByIndex(std::string_view index, std::string_view value) const;
  std::vector<ObjectKey> Keys() const;
  size_t Size() const;
  bool HasIndex(std::string_view index) const;

 private:
  struct Index {
    IndexFunc fn;
    // The snapshots themselves (hashed by address): 16 bytes a member where a copy of the key
    // took 64, and ByIndex needs no second lookup.
    absl::flat_hash_map<std::string, absl::flat_hash_set<ObjectPtr>> values;
  };
  void IndexLocked(const ObjectPtr& old_obj, const ObjectPtr& new_obj);

  // Snapshots by their namespace/name, looked up with an ObjectKey: the key is read from the
  // snapshot itself rather than stored beside it (16 bytes a slot instead of 80).
  struct ByKey {
    using is_transparent = void;
    static size_t Of(std::string_view ns, std::string_view name) {
      return absl::HashOf(ns, name);
    }
    size_t operator()(const ObjectPtr& o) const { return Of(o->namespace_(), o->name()); }
    size_t operator()(const ObjectKey& k) const { return Of(k.namespace_, k.name); }
    bool operator()(const ObjectPtr& a, const ObjectPtr& b) const {
      return a->name() == b->name() && a->namespace_() == b->namespace_();
    }
    bool operator()(const ObjectPtr& a, const ObjectKey& b) const {
      return a->name() == b.name && a->namespace_() == b.namespace_;
    }
    bool operator()(const ObjectKey& a, const ObjectPtr& b) const { return (*this)(b, a); }
  };

  mutable std::shared_mutex mu_;  // guards objects_ and indexes_
  absl::flat_hash_set<ObjectPtr, ByKey, ByKey> objects_;
  std::map<std::string, Index, std::less<>> indexes_;
};

}  // namespace kop::cache

#endif  // KOP_CACHE_INDEXER_H_
