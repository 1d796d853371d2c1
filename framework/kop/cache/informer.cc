#include "kop/cache/informer.h"

#include <algorithm>
#include <exception>

#include "absl/container/flat_hash_set.h"

namespace kop::cache {

void StripManagedFields(Object& obj) { obj.ClearManagedFields(); }

namespace {

// None, or the default: framework code, which may run on the transport thread.
bool IsOwnTransform(const std::function<void(Object&)>& transform) {
  auto* const fn = transform.target<void (*)(Object&)>();
  return !transform || (fn != nullptr && *fn == &StripManagedFields);
}

// Watched objects that are to be stored compactly are decoded that way, with no tree in
// between, when the transform is known to leave them alone after that: the default one's work
// (dropping managedFields) is done while decoding. Another transform gets trees, as it may
// change them.
InformerOptions WithDecoding(InformerOptions options) {
  if (!options.compact || !IsOwnTransform(options.transform)) return options;
  options.reflector.decode_compact = true;
  if (options.transform) options.reflector.decode_omit = {{"metadata", "managedFields"}};
  return options;
}

}  // namespace

Informer::Informer(client::ResourceClient resource, InformerOptions options)
    : resource_(std::move(resource)), options_(WithDecoding(std::move(options))) {
  std::vector<std::string> scopes = {resource_.namespaced() ? resource_.namespace_() : ""};
  if (resource_.namespaced() && !options_.namespaces.empty()) scopes = options_.namespaces;
  for (size_t i = 0; i < scopes.size(); ++i) {
    auto source = std::make_unique<Source>();
    source->sink = std::make_unique<Sink>(this, scopes[i], i);
    source->reflector = std::make_unique<Reflector>(resource_.Namespace(scopes[i]),
                                                    options_.reflector, *source->sink);
    reflectors_.push_back(std::move(source));
  }
  kop::MutexLock lock(&mu_);
  listed_.assign(reflectors_.size(), false);
}

Informer::~Informer() { Stop(); }

void Informer::Start() {
  {
    kop::MutexLock lock(&mu_);
    if (started_) return;
    started_ = true;
  }
  dispatch_ = std::jthread([this](std::stop_token stop) { Dispatch(stop); });
  for (auto& source : reflectors_) {
    Reflector* r = source->reflector.get();
    source->thread = std::jthread([r](std::stop_token stop) { r->Run(stop); });
  }
}

void Informer::Stop() {
  for (auto& source : reflectors_) source->thread.request_stop();
  for (auto& source : reflectors_) {
    if (source->thread.joinable()) source->thread.join();
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

void Informer::Prepare(Object& obj) const {
  if (options_.transform) options_.transform(obj);
  if (options_.compact) obj.Compact();
}

bool Informer::OwnTransform() const { return IsOwnTransform(options_.transform); }

void Informer::Sink::Prepare(Object& object) { informer_->Prepare(object); }

void Informer::Sink::OnReplace(std::vector<Object> items, const std::string&) {
  Replace r;
  r.scope = scope_;
  r.source = index_;
  r.items.reserve(items.size());
  for (Object& o : items) r.items.push_back(std::make_shared<const Object>(std::move(o)));
  std::vector<Object>().swap(items);  // released before the cache can report itself synced
  informer_->Push(std::move(r));
}

void Informer::Sink::OnEvents(std::vector<client::WatchEvent>& events) {
  std::vector<Delta> changes;
  changes.reserve(events.size());
  const bool here = informer_->OwnTransform();
  for (client::WatchEvent& e : events) {
    if (here) {
      informer_->Prepare(e.object);
      changes.emplace_back(Change{e.type, std::make_shared<const Object>(std::move(e.object)), {}});
    } else {
      changes.emplace_back(Change{e.type, nullptr, std::move(e.object)});
    }
  }
  informer_->Push(std::move(changes));
}

Informer::Stats Informer::stats() const {
  Stats s;
  s.reflectors = static_cast<int64_t>(reflectors_.size());
  for (const auto& source : reflectors_) {
    const ReflectorStats& r = source->reflector->stats();
    s.lists += r.lists.load();
    s.watches += r.watches.load();
    s.failures += r.failures.load();
  }
  s.added = added_.load();
  s.modified = modified_.load();
  s.deleted = deleted_.load();
  s.objects = indexer_.Size();
  return s;
}

void Informer::Push(Delta d) {
  {
    kop::MutexLock lock(&mu_);
    deltas_.push_back(std::move(d));
  }
  // After unlocking: a waiter woken with the lock held would block on it at once.
  cv_.SignalAll();
}

void Informer::Push(std::vector<Delta> ds) {
  {
    kop::MutexLock lock(&mu_);
    for (Delta& d : ds) deltas_.push_back(std::move(d));
  }
  cv_.SignalAll();  // once for them all
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
    initial = !listed_[r.source];
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
  // Gone while we were not watching: deleted, with the last state we knew. A list covers
  // its own namespace only.
  for (const ObjectKey& key : indexer_.Keys()) {
    if (present.contains(key)) continue;
    if (!r.scope.empty() && key.namespace_ != r.scope) continue;
    ObjectPtr old = indexer_.Delete(key);
    if (old != nullptr) ForEachHandler([&](EventHandler& h) { h.OnDelete(old); });
  }
  kop::MutexLock lock(&mu_);
  listed_[r.source] = true;
  synced_ = std::all_of(listed_.begin(), listed_.end(), [](bool b) { return b; });
  cv_.SignalAll();
}

void Informer::Apply(Change& c) {
  if (c.unprepared.has_value()) {
    Prepare(*c.unprepared);
    c.obj = std::make_shared<const Object>(*std::move(c.unprepared));
    c.unprepared.reset();
  }
  switch (c.type) {
    case client::WatchEvent::Type::kAdded: ++added_; break;
    case client::WatchEvent::Type::kModified: ++modified_; break;
    case client::WatchEvent::Type::kDeleted: ++deleted_; break;
    default: break;
  }
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
