#include "kop/controller/cached_client.h"

#include "absl/strings/numbers.h"
#include "kop/base/status_macros.h"
#include "kop/base/strings.h"
#include "kop/client/errors.h"

namespace kop {
namespace {

std::string KindKey(std::string_view group, std::string_view kind) { return kop::StrCat(group, "/", kind); }

std::string NameKey(std::string_view ns, std::string_view name) { return kop::StrCat(ns, "/", name); }

// 0 when the version is not a number (then nothing is held back for it).
uint64_t VersionOf(const Object& obj) {
  uint64_t v = 0;
  return absl::SimpleAtoi(absl::string_view(obj.resource_version().data(), obj.resource_version().size()), &v) ? v
                                                                                                                : 0;
}

}  // namespace

CachedClient::CachedClient(client::Client& client, cache::InformerFactory& cache,
                           std::chrono::milliseconds sync_timeout, CachedClientOptions options)
    : client_(&client),
      own_reader_(std::make_unique<cache::CacheReader>(cache, sync_timeout)),
      reader_(*own_reader_),
      server_(client),
      options_(options) {}

CachedClient::CachedClient(client::Reader& cached, client::ObjectClient& server, CachedClientOptions options)
    : client_(nullptr), reader_(cached), server_(server), options_(options) {}

absl::StatusOr<client::ResourceClient> CachedClient::Resource(const GroupVersionKind& gvk, const std::string& ns) {
  if (client_ == nullptr) {
    return absl::FailedPreconditionError("CachedClient::Resource: this client was made without an API client");
  }
  KOP_ASSIGN_OR_RETURN(client::ResourceClient r, client_->ForKind(gvk));
  return r.namespaced() ? r.Namespace(ns) : r;
}

size_t CachedClient::pending_writes() const { return pending_.load(std::memory_order_relaxed); }

absl::StatusOr<Object> CachedClient::Remember(absl::StatusOr<Object> written) {
  if (!options_.read_your_own_writes || !written.ok()) return written;
  const uint64_t rv = VersionOf(*written);
  absl::StatusOr<GroupVersionKind> gvk = written->gvk();
  if (rv == 0 || !gvk.ok() || written->name().empty()) return written;
  auto copy = std::make_shared<const Object>(*written);
  const auto now = std::chrono::steady_clock::now();
  kop::MutexLock lock(&mu_);
  // Forget what the cache never showed, now and then (not on every write).
  if (now - last_prune_ > std::chrono::seconds(1)) {
    last_prune_ = now;
    for (auto kind = written_.begin(); kind != written_.end();) {
      absl::erase_if(kind->second, [&](const auto& e) { return now - e.second.at > options_.remember_writes_for; });
      if (kind->second.empty()) {
        written_.erase(kind++);
      } else {
        ++kind;
      }
    }
  }
  auto& kind = written_[KindKey(gvk->group, gvk->kind)];
  Written& w = kind[NameKey(written->namespace_(), written->name())];
  // Two writes may finish out of order: keep the newer.
  if (w.object == nullptr || rv >= w.resource_version) w = Written{std::move(copy), rv, now};
  size_t n = 0;
  for (const auto& k : written_) n += k.second.size();
  pending_.store(n, std::memory_order_relaxed);
  return written;
}

void CachedClient::Forget(const Object& obj) {
  if (pending_.load(std::memory_order_relaxed) == 0) return;
  absl::StatusOr<GroupVersionKind> gvk = obj.gvk();
  if (!gvk.ok()) return;
  kop::MutexLock lock(&mu_);
  auto kind = written_.find(KindKey(gvk->group, gvk->kind));
  if (kind == written_.end()) return;
  if (kind->second.erase(NameKey(obj.namespace_(), obj.name())) > 0) pending_.fetch_sub(1, std::memory_order_relaxed);
  if (kind->second.empty()) written_.erase(kind);
}

absl::StatusOr<client::ObjectPtr> CachedClient::DoGet(const GroupVersionKind& gvk, const ObjectKey& key) {
  absl::StatusOr<client::ObjectPtr> cached = reader_.Get(gvk, key);
  // Absent from the cache: answer so. Had it been created by this client and not reached the
  // cache yet, a NotFound only delays (a create answers AlreadyExists); had it been deleted by
  // someone else, answering with the written object would hide the deletion, and nothing would
  // reconcile it again.
  if (pending_.load(std::memory_order_relaxed) == 0 || !cached.ok()) return cached;
  kop::MutexLock lock(&mu_);
  auto kind = written_.find(KindKey(gvk.group, gvk.kind));
  if (kind == written_.end()) return cached;
  auto it = kind->second.find(NameKey(key.namespace_, key.name));
  if (it == kind->second.end()) return cached;
  const bool expired = std::chrono::steady_clock::now() - it->second.at > options_.remember_writes_for;
  if (expired || (cached.ok() && VersionOf(**cached) >= it->second.resource_version)) {
    // The cache caught up (or the write is too old to trust over it): forget the write.
    kind->second.erase(it);
    pending_.fetch_sub(1, std::memory_order_relaxed);
    if (kind->second.empty()) written_.erase(kind);
    return cached;
  }
  served_from_writes_.fetch_add(1, std::memory_order_relaxed);
  return it->second.object;
}

absl::StatusOr<std::vector<client::ObjectPtr>> CachedClient::DoList(const GroupVersionKind& gvk, std::string_view ns,
                                                                    const LabelSelector& selector) {
  KOP_ASSIGN_OR_RETURN(std::vector<client::ObjectPtr> items, reader_.List(gvk, ns, selector));
  if (pending_.load(std::memory_order_relaxed) == 0) return items;
  kop::MutexLock lock(&mu_);
  auto kind = written_.find(KindKey(gvk.group, gvk.kind));
  if (kind == written_.end()) return items;
  absl::flat_hash_map<std::string, size_t> position;
  position.reserve(items.size());
  for (size_t i = 0; i < items.size(); ++i) position[NameKey(items[i]->namespace_(), items[i]->name())] = i;
  bool dropped = false;
  const auto now = std::chrono::steady_clock::now();
  for (const auto& [name_key, w] : kind->second) {
    if (!ns.empty() && w.object->namespace_() != ns) continue;
    if (now - w.at > options_.remember_writes_for) continue;  // too old to trust over the cache
    auto at = position.find(name_key);
    if (at != position.end()) {
      if (VersionOf(*items[at->second]) >= w.resource_version) continue;
      served_from_writes_.fetch_add(1, std::memory_order_relaxed);
      if (selector.Matches(w.object->FindView({"metadata", "labels"}))) {
        items[at->second] = w.object;
      } else {
        items[at->second] = nullptr;  // relabelled out of the selection by the write
        dropped = true;
      }
    }
    // Not in the cached list: as for Get, the cache's answer stands (it may have been deleted).
  }
  if (dropped) std::erase(items, nullptr);
  return items;
}

absl::Status CachedClient::DoDelete(const Object& obj, const client::DeleteOptions& options) {
  absl::Status s = server_.Delete(obj, options);
  if (s.ok() || kop::IsNotFound(s)) Forget(obj);
  return s;
}

absl::Status CachedClient::DoDeleteAllOf(const GroupVersionKind& gvk, std::string_view ns,
                                         const LabelSelector& selector, const client::DeleteOptions& options) {
  absl::Status s = server_.DeleteAllOf(gvk, ns, selector, options);
  if (s.ok() && pending_.load(std::memory_order_relaxed) > 0) {
    kop::MutexLock lock(&mu_);
    auto kind = written_.find(KindKey(gvk.group, gvk.kind));
    if (kind != written_.end()) {
      const size_t erased = absl::erase_if(kind->second, [&](const auto& e) {
        return (ns.empty() || e.second.object->namespace_() == ns) && selector.Matches(e.second.object->FindView({"metadata", "labels"}));
      });
      pending_.fetch_sub(erased, std::memory_order_relaxed);
      if (kind->second.empty()) written_.erase(kind);
    }
  }
  return s;
}

absl::StatusOr<Object> CachedClient::StatusPart::Update(const Object& obj) {
  return c_.Remember(c_.server_.Status().Update(obj));
}

absl::StatusOr<Object> CachedClient::StatusPart::Patch(const Object& obj, client::PatchType type,
                                                       const std::string& patch) {
  return c_.Remember(c_.server_.Status().Patch(obj, type, patch));
}

}  // namespace kop
