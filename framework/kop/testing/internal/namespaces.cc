// The embedded API server's namespace controller: what kube-controller-manager's namespace
// controller does for a Namespace being deleted, run synchronously as things change.
//
// A deleted Namespace stays, phase Terminating, while its spec.finalizers hold the
// "kubernetes" finalizer. The controller deletes every object in it (an object with
// finalizers stays, being deleted, until they are removed), records upstream's conditions
// (NamespaceContentRemaining, NamespaceFinalizersRemaining, ...) in its status, and once the
// namespace is empty removes its finalizer; a namespace with no finalizers left goes.
// Creating in a Terminating namespace is refused by the store (403 NamespaceTerminating).
//
// With the garbage collector off (a kube-apiserver without a controller-manager) nothing
// empties the namespace: it stays Terminating until a client finalizes it.
#include <map>
#include <string>
#include <vector>

#include "kop/api/time.h"
#include "kop/base/clock.h"
#include "kop/base/strings.h"
#include "kop/testing/internal/server.h"

namespace kop::testing {

using internal::ResourceInfo;
using internal::StoredObject;

namespace {

constexpr char kKubernetesFinalizer[] = "kubernetes";

struct Condition {
  const char* type;
  bool status;
  std::string reason;
  std::string message;
};

// "configmaps. has 1 resource instances, widgets.example.com has 2 resource instances".
std::string Counted(const std::map<std::string, int>& counts) {
  std::string out;
  for (const auto& [what, n] : counts) {
    out += kop::StrCat(out.empty() ? "" : ", ", what, " has ", n, " resource instances");
  }
  return out;
}

std::string Finalizers(const std::map<std::string, int>& counts) {
  std::string out;
  for (const auto& [what, n] : counts) {
    out += kop::StrCat(out.empty() ? "" : ", ", what, " in ", n, " resource instances");
  }
  return out;
}

// The conditions upstream's controller sets, in its order; lastTransitionTime kept from
// `old` where the status did not change.
Json Conditions(const std::map<std::string, int>& remaining, const std::map<std::string, int>& finalizers,
                const Json* old, const std::string& now) {
  const std::vector<Condition> wanted = {
      {"NamespaceDeletionDiscoveryFailure", false, "ResourcesDiscovered", "All resources successfully discovered"},
      {"NamespaceDeletionGroupVersionParsingFailure", false, "ParsedGroupVersions",
       "All legacy kube types successfully parsed"},
      {"NamespaceDeletionContentFailure", false, "ContentDeleted",
       "All content successfully deleted, may be waiting on finalization"},
      remaining.empty()
          ? Condition{"NamespaceContentRemaining", false, "ContentRemoved", "All content successfully removed"}
          : Condition{"NamespaceContentRemaining", true, "SomeResourcesRemain",
                      "Some resources are remaining: " + Counted(remaining)},
      finalizers.empty()
          ? Condition{"NamespaceFinalizersRemaining", false, "ContentHasNoFinalizers",
                      "All content-preserving finalizers finished"}
          : Condition{"NamespaceFinalizersRemaining", true, "SomeFinalizersRemain",
                      "Some content in the namespace has finalizers remaining: " + Finalizers(finalizers)},
  };
  Json out = Json::array();
  for (const Condition& c : wanted) {
    const std::string status = c.status ? "True" : "False";
    std::string since = now;
    if (old != nullptr && old->is_array()) {
      for (const Json& o : *old) {
        if (o.is_object() && o.value("type", "") == c.type && o.value("status", "") == status) {
          since = o.value("lastTransitionTime", now);
        }
      }
    }
    out.push_back({{"type", c.type},
                   {"status", status},
                   {"lastTransitionTime", since},
                   {"reason", c.reason},
                   {"message", c.message}});
  }
  return out;
}

}  // namespace

void ApiServer::Impl::SyncNamespaceIfTerminating(const std::string& name) {
  std::shared_ptr<const ResourceInfo> info = registry_.Find("", "v1", "namespaces");
  if (info == nullptr) return;
  absl::StatusOr<StoredObject> ns = store_.Get(*info, "", name);
  if (ns.ok() && ns->obj->IsBeingDeleted()) SyncNamespace(name);
}

void ApiServer::Impl::SyncNamespace(const std::string& name) {
  {
    kop::MutexLock lock(&ns_mu_);
    if (!ns_syncing_.insert(name).second) {
      ns_dirty_.insert(name);  // the pass running now goes round once more
      return;
    }
  }
  for (int pass = 0;; ++pass) {
    SyncNamespaceOnce(name);
    kop::MutexLock lock(&ns_mu_);
    // A bound on passes keeps a namespace whose content is rewritten without end from holding
    // this thread; the next write moves it on.
    if (ns_dirty_.erase(name) == 0 || pass >= 16) {
      ns_dirty_.erase(name);
      ns_syncing_.erase(name);
      return;
    }
  }
}

void ApiServer::Impl::SyncNamespaceOnce(const std::string& name) {
  std::shared_ptr<const ResourceInfo> ns_info = registry_.Find("", "v1", "namespaces");
  if (ns_info == nullptr) return;
  absl::StatusOr<StoredObject> ns = store_.Get(*ns_info, "", name);
  if (!ns.ok() || !ns->obj->IsBeingDeleted()) return;
  const Json* spec_finalizers = ns->obj->Find({"spec", "finalizers"});
  bool ours = false;
  if (spec_finalizers != nullptr && spec_finalizers->is_array()) {
    for (const Json& f : *spec_finalizers) ours = ours || f == kKubernetesFinalizer;
  }
  if (ours) {
    if (!options_.garbage_collector) return;  // no controller-manager: nothing empties it
    std::map<std::string, int> remaining;   // "plural.group" -> objects left
    std::map<std::string, int> finalizers;  // finalizer -> objects it holds
    for (const std::shared_ptr<const ResourceInfo>& info : registry_.StoredResources()) {
      if (!info->namespaced) continue;
      absl::StatusOr<internal::ListResult> list = store_.List(*info, {.namespace_ = name});
      if (!list.ok()) continue;
      for (const StoredObject& s : list->items) {
        const Object& obj = *s.obj;
        if (!obj.IsBeingDeleted()) {
          absl::StatusOr<internal::Store::Deleted> d =
              store_.Delete(*info, name, std::string(obj.name()), {.uid = std::string(obj.uid())}, false);
          if (d.ok()) {
            (void)AfterWrite(*info, d->object, d->gone);
            if (d->gone) continue;
          }
        }
        absl::StatusOr<StoredObject> now = store_.Get(*info, name, std::string(obj.name()));
        if (!now.ok()) continue;
        ++remaining[kop::StrCat(info->plural, ".", info->group)];
        for (const std::string& f : now->obj->finalizers()) ++finalizers[f];
      }
    }
    // Record what is left, and let the namespace go once nothing is.
    for (int attempt = 0; attempt < 5; ++attempt) {
      absl::StatusOr<StoredObject> current = store_.Get(*ns_info, "", name);
      if (!current.ok() || !current->obj->IsBeingDeleted()) return;
      Object next = *current->obj;
      const std::string now = FormatRFC3339(options_.clock != nullptr ? options_.clock->WallNow()
                                                                      : RealClock().WallNow());
      next.mutable_json()["status"]["conditions"] =
          Conditions(remaining, finalizers, current->obj->Find({"status", "conditions"}), now);
      absl::StatusOr<StoredObject> written = store_.Update(*ns_info, next, "status", false);
      if (!written.ok()) {
        if (written.status().code() == absl::StatusCode::kAborted) continue;
        return;
      }
      if (!remaining.empty()) return;
      Object finalized = *written->obj;
      Json kept = Json::array();
      for (const Json& f : finalized.json()["spec"]["finalizers"]) {
        if (f != kKubernetesFinalizer) kept.push_back(f);
      }
      finalized.mutable_json()["spec"]["finalizers"] = std::move(kept);
      absl::StatusOr<StoredObject> done = store_.Update(*ns_info, finalized, "finalize", false);
      if (!done.ok() && done.status().code() == absl::StatusCode::kAborted) continue;
      if (done.ok() && !store_.Get(*ns_info, "", name).ok()) (void)AfterWrite(*ns_info, *done, true);
      break;
    }
  }
  // No finalizer of either kind left: the namespace goes (upstream's controller deletes it
  // again once it is finalized).
  absl::StatusOr<StoredObject> current = store_.Get(*ns_info, "", name);
  if (!current.ok() || !current->obj->finalizers().empty()) return;
  const Json* left = current->obj->Find({"spec", "finalizers"});
  if (left != nullptr && left->is_array() && !left->empty()) return;
  absl::StatusOr<internal::Store::Deleted> d =
      store_.Delete(*ns_info, "", name, {.uid = std::string(current->obj->uid())}, false);
  if (d.ok() && d->gone) (void)AfterWrite(*ns_info, d->object, true);
}

}  // namespace kop::testing
