// The embedded API server's garbage collector: what kube-controller-manager's garbage
// collector does, run synchronously as objects change and go away.
//
// - Background: when an owner is gone, each dependent that names it is deleted, unless
//   another owner it names still exists (then only the reference goes).
// - Foreground: the owner stays, with deletionTimestamp and the foregroundDeletion
//   finalizer, while its dependents are deleted; it goes once no dependent that blocks
//   owner deletion (ownerReference blockOwnerDeletion: true) is left.
// - Orphan: the dependents stay, their references to the owner removed.
// An object created naming owners that are all gone is collected at once.
//
// With the collector switched off (as a kube-apiserver without a controller-manager), none
// of this happens: foreground and orphan deletions leave their finalizer on the owner.
#include <string>
#include <vector>

#include "kop/base/status_macros.h"
#include "kop/base/strings.h"
#include "kop/testing/internal/server.h"

namespace kop::testing {

using internal::ResourceInfo;
using internal::StoredObject;

namespace {

constexpr char kForegroundDeletion[] = "foregroundDeletion";

std::string GroupOf(const std::string& api_version) {
  const size_t slash = api_version.find('/');
  return slash == std::string::npos ? "" : api_version.substr(0, slash);
}

}  // namespace

std::shared_ptr<const ResourceInfo> ApiServer::Impl::ResourceOf(const std::string& group,
                                                              const std::string& plural) {
  std::vector<std::shared_ptr<const ResourceInfo>> versions = registry_.Versions(group, plural);
  return versions.empty() ? nullptr : versions.front();
}

bool ApiServer::Impl::OwnerExists(const Json& ref, const std::string& ns) {
  const std::string api_version = ref.value("apiVersion", "");
  const std::string kind = ref.value("kind", "");
  const std::string group = GroupOf(api_version);
  const std::string version = api_version.substr(group.empty() ? 0 : group.size() + 1);
  for (const std::string& plural : registry_.PluralsOf({group, version, kind})) {
    std::shared_ptr<const ResourceInfo> info = registry_.Find(group, version, plural);
    if (info == nullptr) continue;
    absl::StatusOr<StoredObject> owner = store_.Get(*info, info->namespaced ? ns : "", ref.value("name", ""));
    if (owner.ok() && owner->obj->uid() == ref.value("uid", "")) return true;
  }
  return false;
}

void ApiServer::Impl::NoteOwners(const ResourceInfo& info, const Object& obj) {
  const Json* refs = obj.Find({"metadata", "ownerReferences"});
  if (refs == nullptr || !refs->is_array() || refs->empty()) return;
  const DependentKey key{info.group, info.plural, std::string(obj.namespace_()),
                         std::string(obj.name())};
  kop::MutexLock lock(&gc_mu_);
  for (const Json& r : *refs) {
    if (r.is_object() && r.contains("uid") && r["uid"].is_string()) dependents_[r["uid"].get<std::string>()].insert(key);
  }
}

std::vector<ApiServer::Impl::Dependent> ApiServer::Impl::DependentsOf(const std::string& uid) {
  std::set<DependentKey> keys;
  {
    kop::MutexLock lock(&gc_mu_);
    auto it = dependents_.find(uid);
    if (it == dependents_.end()) return {};
    keys = it->second;
  }
  std::vector<Dependent> out;
  std::set<DependentKey> stale;
  for (const DependentKey& k : keys) {
    std::shared_ptr<const ResourceInfo> info = ResourceOf(k.group, k.plural);
    absl::StatusOr<StoredObject> s =
        info != nullptr ? store_.Get(*info, k.ns, k.name) : absl::StatusOr<StoredObject>(absl::NotFoundError(""));
    const Json* refs = s.ok() ? s->obj->Find({"metadata", "ownerReferences"}) : nullptr;
    const Json* ref = nullptr;
    if (refs != nullptr && refs->is_array()) {
      for (const Json& r : *refs) {
        if (r.is_object() && r.value("uid", "") == uid) ref = &r;
      }
    }
    if (ref == nullptr) {  // gone, or no longer names the owner: the hint was stale
      stale.insert(k);
      continue;
    }
    out.push_back({info, *s, ref->value("blockOwnerDeletion", false)});
  }
  if (!stale.empty()) {
    kop::MutexLock lock(&gc_mu_);
    if (auto it = dependents_.find(uid); it != dependents_.end()) {
      for (const DependentKey& k : stale) it->second.erase(k);
      if (it->second.empty()) dependents_.erase(it);
    }
  }
  return out;
}

void ApiServer::Impl::CollectIfOrphaned(const ResourceInfo& info, const StoredObject& s) {
  if (!options_.garbage_collector) return;
  const Json* refs = s.obj->Find({"metadata", "ownerReferences"});
  if (refs == nullptr || !refs->is_array() || refs->empty()) return;
  for (const Json& r : *refs) {
    if (!r.is_object() || OwnerExists(r, std::string(s.obj->namespace_()))) return;
  }
  // Every owner it names is gone (or never existed): the garbage collector removes it, as
  // upstream's does once it has checked the owners with the API server.
  absl::StatusOr<internal::Store::Deleted> d =
      store_.Delete(info, std::string(s.obj->namespace_()), std::string(s.obj->name()),
                    {.uid = std::string(s.obj->uid())}, false);
  if (d.ok() && d->gone) (void)AfterWrite(info, d->object, true);
}

void ApiServer::Impl::CollectGarbage(const std::string& uid, bool orphan) {
  for (const Dependent& d : DependentsOf(uid)) {
    const Object& obj = *d.object.obj;
    const Json& refs = obj.json()["metadata"]["ownerReferences"];
    bool other_owner_alive = false;
    Json kept = Json::array();
    for (const Json& r : refs) {
      if (r.is_object() && r.value("uid", "") == uid) continue;
      kept.push_back(r);
      if (r.is_object() && OwnerExists(r, std::string(obj.namespace_()))) other_owner_alive = true;
    }
    if (orphan || other_owner_alive) {
      // The dependent stays; its reference to the vanished owner goes.
      Object updated = obj;
      if (kept.empty()) {
        updated.mutable_json()["metadata"].erase("ownerReferences");
      } else {
        updated.mutable_json()["metadata"]["ownerReferences"] = kept;
      }
      if (absl::StatusOr<StoredObject> s = store_.Update(*d.info, std::move(updated), "", false); s.ok()) {
        (void)AfterWrite(
            *d.info, *s,
            !store_.Get(*d.info, std::string(obj.namespace_()), std::string(obj.name())).ok());
      }
      continue;
    }
    absl::StatusOr<internal::Store::Deleted> gone =
        store_.Delete(*d.info, std::string(obj.namespace_()), std::string(obj.name()),
                      {.uid = std::string(obj.uid())}, false);
    if (gone.ok() && gone->gone) (void)AfterWrite(*d.info, gone->object, true);
  }
  kop::MutexLock lock(&gc_mu_);
  dependents_.erase(uid);
}

void ApiServer::Impl::DeleteDependentsInForeground(const ResourceInfo& info, const Object& owner) {
  {
    kop::MutexLock lock(&gc_mu_);
    foreground_[std::string(owner.uid())] = {
        info.group, info.plural, std::string(owner.namespace_()), std::string(owner.name())};
  }
  for (const Dependent& d : DependentsOf(std::string(owner.uid()))) {
    const Object& obj = *d.object.obj;
    if (obj.IsBeingDeleted() && (!d.blocks_owner || obj.HasFinalizer(kForegroundDeletion))) continue;
    // Dependents that block their owner go in the foreground too, so the owner waits for the
    // whole tree below it; the others go in the background.
    absl::StatusOr<internal::Store::Deleted> gone = store_.Delete(
        *d.info, std::string(obj.namespace_()), std::string(obj.name()),
        {.uid = std::string(obj.uid())}, false, d.blocks_owner ? kForegroundDeletion : "");
    if (!gone.ok()) continue;
    if (gone->gone) {
      (void)AfterWrite(*d.info, gone->object, true);
    } else if (d.blocks_owner) {
      DeleteDependentsInForeground(*d.info, *gone->object.obj);
    }
  }
  FinishForegroundIfUnblocked(std::string(owner.uid()));
}

void ApiServer::Impl::FinishForegroundIfUnblocked(const std::string& uid) {
  DependentKey key;
  {
    kop::MutexLock lock(&gc_mu_);
    auto it = foreground_.find(uid);
    if (it == foreground_.end()) return;
    key = it->second;
  }
  for (const Dependent& d : DependentsOf(uid)) {
    if (d.blocks_owner) return;  // still waiting
  }
  std::shared_ptr<const ResourceInfo> info = ResourceOf(key.group, key.plural);
  {
    kop::MutexLock lock(&gc_mu_);
    foreground_.erase(uid);
  }
  if (info == nullptr) return;
  for (int attempt = 0; attempt < 10; ++attempt) {
    absl::StatusOr<StoredObject> owner = store_.Get(*info, key.ns, key.name);
    if (!owner.ok() || owner->obj->uid() != uid) return;
    Object updated = *owner->obj;
    if (!updated.RemoveFinalizer(kForegroundDeletion)) return;
    absl::StatusOr<StoredObject> s = store_.Update(*info, std::move(updated), "", false);
    if (!s.ok() && s.status().code() == absl::StatusCode::kAborted) continue;
    if (s.ok()) (void)AfterWrite(*info, *s, !store_.Get(*info, key.ns, key.name).ok());
    return;
  }
}

void ApiServer::Impl::GarbageCollectAfterWrite(const StoredObject& s, bool deleted) {
  if (!options_.garbage_collector) return;
  const Object& obj = *s.obj;
  if (deleted) {
    bool orphan;
    {
      kop::MutexLock lock(&gc_mu_);
      orphan = orphaning_.erase(std::string(obj.uid())) > 0;
      foreground_.erase(std::string(obj.uid()));
    }
    CollectGarbage(std::string(obj.uid()), orphan);
  }
  // A dependent that went away, or stopped blocking (its reference changed or went), may
  // release an owner deleted in the foreground. Few owners are ever waiting at once.
  std::vector<std::string> waiting;
  {
    kop::MutexLock lock(&gc_mu_);
    for (const auto& [uid, key] : foreground_) waiting.push_back(uid);
  }
  for (const std::string& uid : waiting) FinishForegroundIfUnblocked(uid);
}

}  // namespace kop::testing
