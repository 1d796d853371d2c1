#include "kop/cache/informer_factory.h"

#include "kop/base/status_macros.h"

namespace kop::cache {

InformerFactory::InformerFactory(const client::Client& client, InformerFactoryOptions options)
    : client_(client), options_(std::move(options)) {}

InformerFactory::~InformerFactory() { Stop(); }

absl::StatusOr<std::shared_ptr<Informer>> InformerFactory::ForResource(
    const GroupVersionResource& gvr, bool namespaced, const Selection& selection) {
  const std::string ns = namespaced ? options_.namespace_ : "";
  Key key{gvr.group + "/" + gvr.version, gvr.resource, ns, selection.label_selector,
          selection.field_selector, selection.metadata_only};
  kop::MutexLock lock(&mu_);
  auto it = informers_.find(key);
  if (it != informers_.end()) return it->second;
  InformerOptions o;
  o.reflector = options_.reflector;
  o.reflector.label_selector = selection.label_selector;
  o.reflector.field_selector = selection.field_selector;
  o.reflector.metadata_only = selection.metadata_only;
  o.resync_period = options_.resync_period;
  if (namespaced) o.namespaces = options_.namespaces;
  auto informer = std::make_shared<Informer>(client_.Resource(gvr, namespaced).Namespace(ns), o);
  informers_.emplace(key, informer);
  if (started_) informer->Start();
  return informer;
}

absl::StatusOr<std::shared_ptr<Informer>> InformerFactory::ForKind(const GroupVersionKind& gvk,
                                                                   const Selection& selection) {
  KOP_ASSIGN_OR_RETURN(client::RestMapping m, client_.mapper().ForKind(gvk));
  return ForResource(m.gvr, m.namespaced, selection);
}

void InformerFactory::Start() {
  kop::MutexLock lock(&mu_);
  started_ = true;
  for (auto& [key, informer] : informers_) informer->Start();
}

void InformerFactory::Stop() {
  std::map<Key, std::shared_ptr<Informer>> informers;
  {
    kop::MutexLock lock(&mu_);
    informers = informers_;
  }
  for (auto& [key, informer] : informers) informer->Stop();
}

bool InformerFactory::WaitForCacheSync(std::chrono::milliseconds timeout) const {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  std::map<Key, std::shared_ptr<Informer>> informers;
  {
    kop::MutexLock lock(&mu_);
    informers = informers_;
  }
  for (auto& [key, informer] : informers) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    if (!informer->WaitForCacheSync(std::max(left, std::chrono::milliseconds(0)))) return false;
  }
  return true;
}

size_t InformerFactory::size() const {
  kop::MutexLock lock(&mu_);
  return informers_.size();
}

std::vector<std::shared_ptr<Informer>> InformerFactory::Informers() const {
  kop::MutexLock lock(&mu_);
  std::vector<std::shared_ptr<Informer>> out;
  out.reserve(informers_.size());
  for (const auto& [key, informer] : informers_) out.push_back(informer);
  return out;
}

}  // namespace kop::cache
