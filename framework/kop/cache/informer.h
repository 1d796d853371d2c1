// kop/cache/informer: a reflector, a local cache and event handlers, for one resource.
//
// The Informer lists and watches (through a Reflector), keeps the result in an Indexer and
// tells handlers what changed, with (old, new) snapshots. Handlers are cheap: they compute
// keys and enqueue; they never call the API server.
//
//   auto informer = std::make_shared<kop::cache::Informer>(client->Resource(gvr, true), options);
//   informer->AddEventHandler(std::make_shared<MyHandler>());
//   informer->Start();
//   if (!informer->WaitForCacheSync(std::chrono::minutes(2))) ...
//   kop::cache::ObjectPtr obj = informer->indexer().Get({"default", "web"});
//
// Guarantees:
// - Handlers see one object's changes in resourceVersion order, and never an add for an
//   object already present without a delete in between.
// - After any fault (closed or cut watches, 410s, failed lists) the cache converges to the
//   server's state; objects deleted while disconnected are delivered as deletes carrying
//   their last known state.
// - WaitForCacheSync returns true only once the initial list is fully stored.
// - An exception thrown by a handler is caught and counted (handler_exceptions()); the
//   informer goes on.
//
// Threads: the reflector's thread lists and watches; one dispatch thread applies changes to
// the cache and runs every handler, in order.
#ifndef KOP_CACHE_INFORMER_H_
#define KOP_CACHE_INFORMER_H_

#include <atomic>
#include <chrono>
#include <deque>
#include <functional>
#include <memory>
#include <optional>
#include <thread>
#include <variant>
#include <vector>

#include "kop/base/mutex.h"
#include "kop/cache/indexer.h"
#include "kop/cache/reflector.h"
#include "kop/client/client.h"

namespace kop::cache {

// Receives an informer's changes on its dispatch thread. Implementations must be quick and
// must not call the API server.
class EventHandler {
 public:
  virtual ~EventHandler() = default;
  // `is_initial_list`: part of the state the informer started from (or replayed to a handler
  // added later), not a change that happened since.
  virtual void OnAdd(const ObjectPtr& obj, bool is_initial_list) = 0;
  virtual void OnUpdate(const ObjectPtr& old_obj, const ObjectPtr& new_obj) = 0;
  // The last known state of a deleted object.
  virtual void OnDelete(const ObjectPtr& obj) = 0;
};

// Drops metadata.managedFields, which no controller reads and which can be a fifth of an
// object's size. The informers' default transform.
void StripManagedFields(Object& obj);

struct InformerOptions {
  ReflectorOptions reflector;
  // For a namespaced resource: watch exactly these namespaces (one list+watch each, one
  // cache). Empty: the resource client's own scope (one namespace, or all).
  std::vector<std::string> namespaces;
  // Every cached object is re-delivered as an update (old == new) this often; 0: never.
  std::chrono::milliseconds resync_period{0};
  // Applied to each object before it is stored. Default: StripManagedFields.
  std::function<void(Object&)> transform = StripManagedFields;
  // Store objects compactly (Object::Compact): about a third of the memory of a JSON tree.
  // Handlers and listers read them in place through the typed accessors, view() and
  // FindView(); the first json() or Find() on a cached object decodes it once and keeps the
  // tree beside it. Turn off for a small cache whose readers all want trees.
  bool compact = true;
};

class Informer final {
 public:
  Informer(client::ResourceClient resource, InformerOptions options = {});
  ~Informer();

  // Registers a handler. If the informer holds objects already, the handler first receives
  // an add for each (is_initial_list = true), on the dispatch thread, before any change.
  void AddEventHandler(std::shared_ptr<EventHandler> handler);

  // Starts listing and watching. Idempotent.
  void Start();
  // Stops both threads; safe to call twice, and from the destructor.
  void Stop();

  bool HasSynced() const;
  // Waits until the initial list is fully stored; false when `timeout` passes first.
  bool WaitForCacheSync(std::chrono::milliseconds timeout) const;

  const Indexer& indexer() const { return indexer_; }
  // For AddIndexer before Start.
  Indexer& mutable_indexer() { return indexer_; }
  // The first reflector (the only one unless several namespaces are watched).
  const Reflector& reflector() const { return *reflectors_.front()->reflector; }
  // Lists, watches, failures and events summed over the reflectors; events by type.
  struct Stats {
    int64_t reflectors = 0;  // one per watched namespace (or one for all)
    int64_t lists = 0;
    int64_t watches = 0;
    int64_t failures = 0;
    int64_t added = 0;
    int64_t modified = 0;
    int64_t deleted = 0;
    size_t objects = 0;
  };
  Stats stats() const;
  const client::ResourceClient& resource() const { return resource_; }
  // Exceptions thrown by handlers (caught; the informer goes on).
  int64_t handler_exceptions() const { return handler_exceptions_.load(); }

 private:
  struct Replace {
    std::vector<ObjectPtr> items;
    std::string scope;  // the namespace this list covers ("" = everything)
    size_t source;      // which reflector
  };
  struct Change {
    client::WatchEvent::Type type;
    ObjectPtr obj;
    // Watched, still to go through a custom transform (on the dispatch thread: no user code
    // runs on the transport thread); `obj` is made from it then.
    std::optional<Object> unprepared;
  };
  struct NewHandler {
    std::shared_ptr<EventHandler> handler;
  };
  using Delta = std::variant<Replace, Change, NewHandler>;

  // Feeds one reflector's findings into the informer, tagged with its namespace.
  class Sink final : public ReflectorSink {
   public:
    Sink(Informer* informer, std::string scope, size_t index)
        : informer_(informer), scope_(std::move(scope)), index_(index) {}
    void Prepare(Object& object) override;
    void OnReplace(std::vector<Object> items, const std::string& resource_version) override;
    void OnEvents(std::vector<client::WatchEvent>& events) override;

   private:
    Informer* informer_;
    std::string scope_;
    size_t index_;
  };
  struct Source {
    std::unique_ptr<Sink> sink;
    std::unique_ptr<Reflector> reflector;
    std::jthread thread;
  };
  // Transform, then compact: what every object goes through before it is stored.
  void Prepare(Object& obj) const;
  // The transform is the default one (or none): framework code, which may run on the
  // transport thread as events arrive.
  bool OwnTransform() const;
  void Push(Delta d);
  void Push(std::vector<Delta> ds);
  void Dispatch(std::stop_token stop);
  void Apply(Replace& r);
  void Apply(Change& c);
  void Apply(NewHandler& h);
  void Resync();
  template <typename F>
  void ForEachHandler(F f);

  const client::ResourceClient resource_;
  const InformerOptions options_;
  Indexer indexer_;
  std::vector<std::unique_ptr<Source>> reflectors_;

  mutable kop::Mutex mu_;      // guards deltas_, synced_ and started_
  mutable kop::CondVar cv_;    // deltas arrived, synced, or stopping
  std::deque<Delta> deltas_ ABSL_GUARDED_BY(mu_);
  bool synced_ ABSL_GUARDED_BY(mu_) = false;
  std::vector<bool> listed_ ABSL_GUARDED_BY(mu_);  // per reflector: initial list applied
  bool started_ ABSL_GUARDED_BY(mu_) = false;

  std::vector<std::shared_ptr<EventHandler>> handlers_;  // dispatch thread only
  std::atomic<int64_t> handler_exceptions_{0};
  std::atomic<int64_t> added_{0};
  std::atomic<int64_t> modified_{0};
  std::atomic<int64_t> deleted_{0};

  std::jthread dispatch_;
};

}  // namespace kop::cache

#endif  // KOP_CACHE_INFORMER_H_
