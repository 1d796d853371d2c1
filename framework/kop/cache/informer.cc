#include "kop/cache/informer.h"

#include <exception>

#include "absl/container/flat_hash_set.h"

namespace kop::cache {

void StripManagedFields(Object& obj) { obj.ClearManagedFields(); }

Informer::Informer(client::ResourceClient resource, InformerOptions options)
    : resource_(std::move(resource)),
      options_(std::move(options)),
      reflector_(resource_, options_.reflector, *this) {}

Informer::~Informer() { Stop(); }

void Informer::Start() {
  {
    kop::MutexLock lock(&mu_);
    if (started_) return;
    started_ = true;
  }
  dispatch_ = std::jthread([this](std::stop_token stop) { Dispatch(stop); });
  reflect_ = std::jthread([this](std::stop_token stop) { reflector_.Run(stop); });
}

void Informer::Stop() {
  if (reflect_.joinable()) {
    reflect_.request_stop();
    reflect_.join();
  }
  if (dispatch_.joinable()) {
    dispatch_.request_stop();
    {
      kop::MutexLock lock(&mu_);
      cv_.SignalAll();
    }
    dispatch_.join();
  }
}

bool Informer::HasSynced() const {
  kop::MutexLock lock(&mu_);
  return synced_;
}

bool Informer::WaitForCacheSync(std::chrono::milliseconds timeout) const {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  kop::MutexLock lock(&mu_);
  while (!synced_) {
    if (!cv_.WaitUntil(&mu_, deadline)) break;
  }
  return synced_;
}

void Informer::AddEventHandler(std::shared_ptr<EventHandler> handler) {
  Push(NewHandler{std::move(handler)});
}

ObjectPtr Informer::Prepare(Object obj) const {
  if (options_.transform) options_.transform(obj);
  return std::make_shared<const Object>(std::move(obj));
}

void Informer::OnReplace(std::vector<Object> items, const std::string&) {
  Replace r;
  r.items.reserve(items.size());
  for (Object& o : items) r.items.push_back(Prepare(std::move(o)));
  Push(std::move(r));
}

void Informer::OnEvent(client::WatchEvent::Type type, Object object) {
  Push(Change{type, Prepare(std::move(object))});
}

void Informer::Push(Delta d) {
  kop::MutexLock lock(&mu_);
  deltas_.push_back(std::move(d));
  cv_.SignalAll();
}

template <typename F>
void Informer::ForEachHandler(F f) {
  for (const auto& h : handlers_) {
    try {
      f(*h);
    } catch (...) {
      ++handler_exceptions_;
    }
  }
}

void Informer::Apply(Replace& r) {
  absl::flat_hash_set<ObjectKey> present;
  present.reserve(r.items.size());
  bool initial;
  {
    kop::MutexLock lock(&mu_);
    initial = !synced_;
  }
  for (ObjectPtr& obj : r.items) {
    present.insert(obj->key());
    ObjectPtr old = indexer_.Upsert(obj);
    if (old == nullptr) {
      ForEachHandler([&](EventHandler& h) { h.OnAdd(obj, initial); });
    } else if (old->resource_version() != obj->resource_version()) {
      ForEachHandler([&](EventHandler& h) { h.OnUpdate(old, obj); });
    }
  }
  // Gone while we were not watching: deleted, with the last state we knew.
  for (const ObjectKey& key : indexer_.Keys()) {
    if (present.contains(key)) continue;
    ObjectPtr old = indexer_.Delete(key);
    if (old != nullptr) ForEachHandler([&](EventHandler& h) { h.OnDelete(old); });
  }
  kop::MutexLock lock(&mu_);
  synced_ = true;
  cv_.SignalAll();
}

void Informer::Apply(Change& c) {
  if (c.type == client::WatchEvent::Type::kDeleted) {
    ObjectPtr old = indexer_.Delete(c.obj->key());
    if (old != nullptr) ForEachHandler([&](EventHandler& h) { h.OnDelete(c.obj); });
    return;
  }
  ObjectPtr old = indexer_.Upsert(c.obj);
  if (old == nullptr) {
    ForEachHandler([&](EventHandler& h) { h.OnAdd(c.obj, false); });
  } else if (old->resource_version() != c.obj->resource_version()) {
    ForEachHandler([&](EventHandler& h) { h.OnUpdate(old, c.obj); });
  }
}

void Informer::Apply(NewHandler& n) {
  handlers_.push_back(n.handler);
  for (const ObjectPtr& obj : indexer_.List()) {
    try {
      n.handler->OnAdd(obj, true);
    } catch (...) {
      ++handler_exceptions_;
    }
  }
}

void Informer::Resync() {
  for (const ObjectPtr& obj : indexer_.List()) {
    ForEachHandler([&](EventHandler& h) { h.OnUpdate(obj, obj); });
  }
}

void Informer::Dispatch(std::stop_token stop) {
  const bool resync = options_.resync_period.count() > 0;
  auto next_resync = std::chrono::steady_clock::now() + options_.resync_period;
  while (true) {
    std::deque<Delta> batch;
    {
      kop::MutexLock lock(&mu_);
      while (deltas_.empty() && !stop.stop_requested()) {
        if (resync) {
          if (!cv_.WaitUntil(&mu_, next_resync)) break;
        } else {
          cv_.Wait(&mu_);
        }
      }
      if (stop.stop_requested()) return;
      batch.swap(deltas_);
    }
    for (Delta& d : batch) std::visit([this](auto& x) { Apply(x); }, d);
    if (resync && std::chrono::steady_clock::now() >= next_resync) {
      Resync();
      next_resync = std::chrono::steady_clock::now() + options_.resync_period;
    }
  }
}

}  // namespace kop::cache
