#include "kop/cache/indexer.h"

#include <mutex>

#include "kop/base/strings.h"

namespace kop::cache {

Indexer::Indexer() {
  indexes_.emplace(std::string(kNamespaceIndex),
                   Index{[](const Object& o) {
                           return o.namespace_().empty()
                                      ? std::vector<std::string>{}
                                      : std::vector<std::string>{std::string(o.namespace_())};
                         },
                         {}});
  indexes_.emplace(std::string(kControllerUidIndex), Index{[](const Object& o) {
                     absl::StatusOr<std::vector<OwnerReference>> refs = o.owner_references();
                     if (!refs.ok()) return std::vector<std::string>{};
                     std::optional<OwnerReference> ctrl = GetControllerOf(*refs);
                     return ctrl ? std::vector<std::string>{ctrl->uid} : std::vector<std::string>{};
                   }, {}});
}

absl::Status Indexer::AddIndexer(std::string name, IndexFunc fn) {
  std::unique_lock lock(mu_);
  if (indexes_.contains(name)) {
    return absl::AlreadyExistsError(kop::StrCat("index \"", name, "\" exists"));
  }
  Index& index = indexes_.emplace(name, Index{std::move(fn), {}}).first->second;
  for (const ObjectPtr& obj : objects_) {
    for (std::string& v : index.fn(*obj)) index.values[std::move(v)].insert(obj);
  }
  return absl::OkStatus();
}

void Indexer::IndexLocked(const ObjectPtr& old_obj, const ObjectPtr& new_obj) {
  for (auto& [name, index] : indexes_) {
    if (old_obj != nullptr) {
      for (const std::string& v : index.fn(*old_obj)) {
        auto it = index.values.find(v);
        if (it == index.values.end()) continue;
        it->second.erase(old_obj);
        if (it->second.empty()) index.values.erase(it);
      }
    }
    if (new_obj != nullptr) {
      for (std::string& v : index.fn(*new_obj)) index.values[std::move(v)].insert(new_obj);
    }
  }
}

ObjectPtr Indexer::Upsert(ObjectPtr obj) {
  std::unique_lock lock(mu_);
  ObjectPtr old;
  if (auto it = objects_.find(obj); it != objects_.end()) {
    old = *it;
    objects_.erase(it);
  }
  IndexLocked(old, obj);
  objects_.insert(std::move(obj));
  return old;
}

ObjectPtr Indexer::Delete(const ObjectKey& key) {
  std::unique_lock lock(mu_);
  auto it = objects_.find(key);
  if (it == objects_.end()) return nullptr;
  ObjectPtr old = *it;
  objects_.erase(it);
  IndexLocked(old, nullptr);
  return old;
}

ObjectPtr Indexer::Get(const ObjectKey& key) const {
  std::shared_lock lock(mu_);
  auto it = objects_.find(key);
  return it == objects_.end() ? nullptr : *it;
}

std::vector<ObjectPtr> Indexer::List() const {
  std::shared_lock lock(mu_);
  std::vector<ObjectPtr> out;
  out.assign(objects_.begin(), objects_.end());
  return out;
}

std::vector<ObjectPtr> Indexer::List(std::string_view ns, const LabelSelector& selector) const {
  std::vector<ObjectPtr> out;
  auto keep = [&](const ObjectPtr& o) {
    if (selector.Matches(o->FindView({"metadata", "labels"}))) out.push_back(o);
  };
  std::shared_lock lock(mu_);
  if (ns.empty()) {
    for (const ObjectPtr& obj : objects_) keep(obj);
    return out;
  }
  const Index& by_ns = indexes_.find(kNamespaceIndex)->second;
  auto it = by_ns.values.find(std::string(ns));
  if (it == by_ns.values.end()) return out;
  for (const ObjectPtr& obj : it->second) keep(obj);
  return out;
}

std::vector<ObjectPtr> Indexer::ByIndex(std::string_view index, std::string_view value) const {
  std::vector<ObjectPtr> out;
  std::shared_lock lock(mu_);
  auto idx = indexes_.find(index);
  if (idx == indexes_.end()) return out;
  auto it = idx->second.values.find(std::string(value));
  if (it == idx->second.values.end()) return out;
  out.assign(it->second.begin(), it->second.end());
  return out;
}

std::vector<ObjectKey> Indexer::Keys() const {
  std::shared_lock lock(mu_);
  std::vector<ObjectKey> keys;
  keys.reserve(objects_.size());
  for (const ObjectPtr& obj : objects_) keys.push_back(obj->key());
  return keys;
}

size_t Indexer::Size() const {
  std::shared_lock lock(mu_);
  return objects_.size();
}

bool Indexer::HasIndex(std::string_view index) const {
  std::shared_lock lock(mu_);
  return indexes_.find(index) != indexes_.end();
}

}  // namespace kop::cache
