// The informer cache against the embedded API server (or a real cluster with
// KOP_TEST_KUBECONFIG; the fault-injection parts skip there).
#include <map>
#include <set>
#include <random>

#include <thread>

#include "catch2/catch.hpp"
#include "kop/cache/informer_factory.h"
#include "kop/cache/lister.h"
#include "support/client_env.h"
#include "support/cluster.h"
#include "support/wait.h"

namespace kop::cache {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;
using test::TestCluster;
using test::WaitFor;

// Records what handlers see and checks the informer's ordering guarantees as it goes.
class Recorder final : public EventHandler {
 public:
  void OnAdd(const ObjectPtr& obj, bool initial) override {
    kop::MutexLock lock(&mu_);
    if (last_.contains(obj->key())) ++violations_;  // an add for an object already present
    last_[obj->key()] = obj;
    ++adds_;
    if (initial) ++initial_adds_;
  }
  void OnUpdate(const ObjectPtr& old_obj, const ObjectPtr& new_obj) override {
    kop::MutexLock lock(&mu_);
    if (!last_.contains(new_obj->key())) ++violations_;
    if (old_obj != new_obj && std::stoull(std::string(new_obj->resource_version())) <
                                  std::stoull(std::string(old_obj->resource_version()))) {
      ++violations_;  // out of order
    }
    last_[new_obj->key()] = new_obj;
    ++updates_;
  }
  void OnDelete(const ObjectPtr& obj) override {
    kop::MutexLock lock(&mu_);
    if (last_.erase(obj->key()) == 0) ++violations_;
    ++deletes_;
  }
  std::map<ObjectKey, std::string> State() {
    kop::MutexLock lock(&mu_);
    std::map<ObjectKey, std::string> out;
    for (const auto& [k, o] : last_) out[k] = o->resource_version();
    return out;
  }
  int adds() { kop::MutexLock l(&mu_); return adds_; }
  int initial_adds() { kop::MutexLock l(&mu_); return initial_adds_; }
  int updates() { kop::MutexLock l(&mu_); return updates_; }
  int deletes() { kop::MutexLock l(&mu_); return deletes_; }
  int violations() { kop::MutexLock l(&mu_); return violations_; }

 private:
  kop::Mutex mu_;
  std::map<ObjectKey, ObjectPtr> last_ ABSL_GUARDED_BY(mu_);
  int adds_ ABSL_GUARDED_BY(mu_) = 0;
  int initial_adds_ ABSL_GUARDED_BY(mu_) = 0;
  int updates_ ABSL_GUARDED_BY(mu_) = 0;
  int deletes_ ABSL_GUARDED_BY(mu_) = 0;
  int violations_ ABSL_GUARDED_BY(mu_) = 0;
};

struct Env {
  explicit Env(kop::testing::ApiServerOptions options = {}) : cluster(options) {
    client = test::ConnectClient(cluster);
    cms = client->Resource({"", "v1", "configmaps"}, true).Namespace(cluster.ns());
  }
  Object Cm(const std::string& name, const std::string& value = "0") {
    Object o = Object::New({"", "v1", "ConfigMap"}, {"", name});
    o.mutable_json()["data"] = {{"v", value}};
    return o;
  }
  // The server's state of the namespace: key -> resourceVersion.
  std::map<ObjectKey, std::string> ServerState() {
    auto list = cms.ListAll();
    REQUIRE(list.ok());
    std::map<ObjectKey, std::string> out;
    for (const Object& o : list->items) out[o.key()] = o.resource_version();
    return out;
  }
  static std::map<ObjectKey, std::string> CacheState(const Informer& informer) {
    std::map<ObjectKey, std::string> out;
    for (const ObjectPtr& o : informer.indexer().List()) out[o->key()] = o->resource_version();
    return out;
  }
  TestCluster cluster;
  std::unique_ptr<client::Client> client;
  client::ResourceClient cms{nullptr, {}, true};
};

InformerOptions FastOptions() {
  InformerOptions o;
  o.reflector.initial_backoff = milliseconds(20);
  o.reflector.max_backoff = milliseconds(200);
  return o;
}

TEST_CASE("the initial list reaches the cache and handlers before WaitForCacheSync returns") {
  Env env;
  for (int i = 0; i < 30; ++i) REQUIRE(env.cms.Create(env.Cm("cm-" + std::to_string(i))).ok());
  auto informer = std::make_shared<Informer>(env.cms, FastOptions());
  auto rec = std::make_shared<Recorder>();
  informer->AddEventHandler(rec);
  CHECK_FALSE(informer->HasSynced());
  informer->Start();
  REQUIRE(informer->WaitForCacheSync(seconds(30)));
  CHECK(informer->indexer().Size() == 30);
  CHECK(rec->initial_adds() == 30);
  CHECK(Env::CacheState(*informer) == env.ServerState());
}

TEST_CASE("changes after sync reach handlers in order, with old and new snapshots") {
  Env env;
  auto informer = std::make_shared<Informer>(env.cms, FastOptions());
  auto rec = std::make_shared<Recorder>();
  informer->AddEventHandler(rec);
  informer->Start();
  REQUIRE(informer->WaitForCacheSync(seconds(30)));
  REQUIRE(env.cms.Create(env.Cm("a")).ok());
  REQUIRE(env.cms.Patch("a", client::PatchType::kMerge, R"({"data":{"v":"1"}})").ok());
  REQUIRE(env.cms.Create(env.Cm("b")).ok());
  REQUIRE(env.cms.Delete("b").ok());
  REQUIRE(WaitFor([&] { return rec->deletes() == 1 && rec->updates() == 1; }));
  CHECK(rec->adds() == 2);
  CHECK(rec->initial_adds() == 0);
  CHECK(rec->violations() == 0);
  CHECK(informer->indexer().Get({env.cluster.ns(), "a"})->GetString({"data", "v"}).value() == "1");
  CHECK(informer->indexer().Get({env.cluster.ns(), "b"}) == nullptr);
  CHECK(rec->State() == env.ServerState());
}

TEST_CASE("a handler added after start first receives the cached objects") {
  Env env;
  REQUIRE(env.cms.Create(env.Cm("a")).ok());
  auto informer = std::make_shared<Informer>(env.cms, FastOptions());
  informer->Start();
  REQUIRE(informer->WaitForCacheSync(seconds(30)));
  auto late = std::make_shared<Recorder>();
  informer->AddEventHandler(late);
  REQUIRE(WaitFor([&] { return late->initial_adds() == 1; }));
  REQUIRE(env.cms.Create(env.Cm("b")).ok());
  REQUIRE(WaitFor([&] { return late->adds() == 2; }));
  CHECK(late->violations() == 0);
}

class Thrower final : public EventHandler {
 public:
  void OnAdd(const ObjectPtr&, bool) override { throw std::runtime_error("handler bug"); }
  void OnUpdate(const ObjectPtr&, const ObjectPtr&) override {}
  void OnDelete(const ObjectPtr&) override {}
};

TEST_CASE("a handler that throws does not stop the informer or other handlers") {
  Env env;
  auto informer = std::make_shared<Informer>(env.cms, FastOptions());
  auto rec = std::make_shared<Recorder>();
  informer->AddEventHandler(std::make_shared<Thrower>());
  informer->AddEventHandler(rec);
  informer->Start();
  REQUIRE(informer->WaitForCacheSync(seconds(30)));
  REQUIRE(env.cms.Create(env.Cm("a")).ok());
  REQUIRE(env.cms.Create(env.Cm("b")).ok());
  REQUIRE(WaitFor([&] { return rec->adds() == 2; }));
  CHECK(informer->handler_exceptions() == 2);
}

TEST_CASE("managedFields are stripped before objects are cached") {
  Env env;
  Object o = env.Cm("a");
  o.mutable_json()["metadata"]["managedFields"] = Json::array({{{"manager", "test"}}});
  // The server may or may not keep client-set managedFields; the cache never holds them.
  REQUIRE(env.cms.Create(o).ok());
  auto informer = std::make_shared<Informer>(env.cms, FastOptions());
  informer->Start();
  REQUIRE(informer->WaitForCacheSync(seconds(30)));
  CHECK(informer->indexer().Get({env.cluster.ns(), "a"})->managed_fields() == nullptr);
}

TEST_CASE("cached objects are compact and read like the server's, unless compaction is off") {
  Env env;
  Object o = env.Cm("a");
  o.SetLabel("tier", "web");
  REQUIRE(env.cms.Create(o).ok());
  absl::StatusOr<Object> live = env.cms.Get("a");
  REQUIRE(live.ok());
  live->ClearManagedFields();
  size_t objects = 1;
  for (bool compact : {true, false}) {
    InformerOptions options = FastOptions();
    options.compact = compact;
    auto informer = std::make_shared<Informer>(env.cms, options);
    informer->Start();
    REQUIRE(informer->WaitForCacheSync(seconds(30)));
    ObjectPtr cached = informer->indexer().Get({env.cluster.ns(), "a"});
    REQUIRE(cached != nullptr);
    CHECK(cached->is_compact() == compact);
    CHECK(*cached == *live);
    CHECK(cached->label("tier") == "web");
    CHECK(cached->uid() == live->uid());
    CHECK(cached->json() == live->json());
    // The namespace index reads the compact object in place.
    CHECK(informer->indexer().ByIndex(kNamespaceIndex, env.cluster.ns()).size() == objects);
    // Watched objects too (decoded straight into the compact form, managedFields left out).
    Object b = env.Cm("b" + std::to_string(compact));
    b.SetLabel("tier", "db");
    absl::StatusOr<Object> created = env.cms.Create(b);
    REQUIRE(created.ok());
    ++objects;
    created->ClearManagedFields();
    REQUIRE(WaitFor([&] { return informer->indexer().Get({env.cluster.ns(), std::string(created->name())}) != nullptr; }));
    ObjectPtr watched = informer->indexer().Get({env.cluster.ns(), std::string(created->name())});
    CHECK(watched->is_compact() == compact);
    CHECK_FALSE(watched->FindView({"metadata", "managedFields"}).exists());
    CHECK(*watched == *created);
    CHECK(watched->label("tier") == "db");
    informer->Stop();
  }
}

// Records the thread its handlers run on.
class ThreadRecorder final : public EventHandler {
 public:
  void OnAdd(const ObjectPtr&, bool) override { Note(); }
  void OnUpdate(const ObjectPtr&, const ObjectPtr&) override { Note(); }
  void OnDelete(const ObjectPtr&) override { Note(); }
  std::set<std::thread::id> threads() {
    kop::MutexLock lock(&mu_);
    return threads_;
  }

 private:
  void Note() {
    kop::MutexLock lock(&mu_);
    threads_.insert(std::this_thread::get_id());
  }
  kop::Mutex mu_;
  std::set<std::thread::id> threads_ ABSL_GUARDED_BY(mu_);
};

TEST_CASE("a custom transform sees every object, listed or watched, and its changes are cached") {
  Env env;
  REQUIRE(env.cms.Create(env.Cm("a")).ok());
  InformerOptions options = FastOptions();
  // Watched objects go through a custom transform on the dispatch thread (where handlers run),
  // never on the client's transport thread.
  kop::Mutex mu;
  std::set<std::thread::id> watched_on;
  options.transform = [&](Object& o) {
    o.ClearManagedFields();
    o.SetAnnotation("seen", "yes");
    if (o.name() == "b") {
      kop::MutexLock lock(&mu);
      watched_on.insert(std::this_thread::get_id());
    }
  };
  auto informer = std::make_shared<Informer>(env.cms, options);
  auto handlers = std::make_shared<ThreadRecorder>();
  informer->AddEventHandler(handlers);
  informer->Start();
  REQUIRE(informer->WaitForCacheSync(seconds(30)));
  REQUIRE(env.cms.Create(env.Cm("b")).ok());
  REQUIRE(WaitFor([&] { return informer->indexer().Get({env.cluster.ns(), "b"}) != nullptr; }));
  for (const char* name : {"a", "b"}) {
    INFO(name);
    ObjectPtr o = informer->indexer().Get({env.cluster.ns(), name});
    REQUIRE(o != nullptr);
    CHECK(o->is_compact());
    CHECK(o->annotation("seen") == "yes");
    CHECK_FALSE(o->FindView({"metadata", "managedFields"}).exists());
  }
  kop::MutexLock lock(&mu);
  CHECK(watched_on.size() == 1);
  CHECK(watched_on == handlers->threads());
}

TEST_CASE("resync re-delivers every cached object as an update") {
  Env env;
  REQUIRE(env.cms.Create(env.Cm("a")).ok());
  InformerOptions o = FastOptions();
  o.resync_period = milliseconds(100);
  auto informer = std::make_shared<Informer>(env.cms, o);
  auto rec = std::make_shared<Recorder>();
  informer->AddEventHandler(rec);
  informer->Start();
  REQUIRE(informer->WaitForCacheSync(seconds(30)));
  REQUIRE(WaitFor([&] { return rec->updates() >= 2; }));
  CHECK(rec->violations() == 0);
}

TEST_CASE("the factory shares one informer, and one watch, per resource and selection") {
  Env env;
  InformerFactory factory(*env.client, {.namespace_ = env.cluster.ns()});
  auto a = factory.ForKind({"", "v1", "ConfigMap"});
  auto b = factory.ForResource({"", "v1", "configmaps"}, true);
  auto labelled = factory.ForResource({"", "v1", "configmaps"}, true, {.label_selector = "app=x"});
  REQUIRE(a.ok());
  REQUIRE(b.ok());
  REQUIRE(labelled.ok());
  CHECK(a->get() == b->get());
  CHECK(a->get() != labelled->get());
  CHECK(factory.size() == 2);
  factory.Start();
  REQUIRE(factory.WaitForCacheSync(seconds(30)));
  if (env.cluster.embedded() != nullptr) {
    REQUIRE(WaitFor([&] { return env.cluster.embedded()->OpenWatches() == 2; }));
  }
  // An informer asked for after Start starts at once.
  auto late = factory.ForResource({"apps", "v1", "deployments"}, true);
  REQUIRE(late.ok());
  CHECK((*late)->WaitForCacheSync(seconds(30)));
  Lister lister(*a);
  REQUIRE(env.cms.Create(env.Cm("via-lister")).ok());
  REQUIRE(WaitFor([&] { return lister.Get({env.cluster.ns(), "via-lister"}) != nullptr; }));
  CHECK(lister.List(env.cluster.ns()).size() == 1);
}

TEST_CASE("WaitForCacheSync gives up while the list keeps failing, and syncs once it works [embedded-only]") {
  Env env;
  if (env.cluster.embedded() == nullptr) return;
  env.cluster.embedded()->FailRequests({.verb = "list", .path = "/configmaps", .code = 500, .count = 1000});
  auto informer = std::make_shared<Informer>(env.cms, FastOptions());
  informer->Start();
  CHECK_FALSE(informer->WaitForCacheSync(milliseconds(300)));
  env.cluster.embedded()->ClearFaults();
  CHECK(informer->WaitForCacheSync(seconds(30)));
  CHECK(informer->reflector().stats().failures.load() > 0);
}

TEST_CASE("a watch the server ends after a quiet spell resumes at once without backing off [embedded-only]") {
  Env env;
  if (env.cluster.embedded() == nullptr) return;
  InformerOptions o;
  o.reflector.initial_backoff = seconds(10);  // any backoff would miss the deadline below
  o.reflector.max_backoff = seconds(10);
  auto informer = std::make_shared<Informer>(env.cms, o);
  informer->Start();
  REQUIRE(informer->WaitForCacheSync(seconds(30)));
  REQUIRE(WaitFor([&] { return env.cluster.embedded()->OpenWatches() == 1; }));
  // The behaviour depends on the watch's age: it must have been quiet for over a second
  // (a shorter empty watch counts as a failure, as client-go's "very short watch").
  std::this_thread::sleep_for(milliseconds(1200));
  env.cluster.embedded()->CloseAllWatches();
  REQUIRE(env.cms.Create(env.Cm("after-quiet")).ok());
  CHECK(WaitFor([&] { return informer->indexer().Get({env.cluster.ns(), "after-quiet"}) != nullptr; }, seconds(5)));
  CHECK(informer->reflector().stats().failures.load() == 0);
}

TEST_CASE("after failed watches a watch that works again resets the backoff [embedded-only]") {
  Env env;
  if (env.cluster.embedded() == nullptr) return;
  InformerOptions o;
  o.reflector.initial_backoff = milliseconds(50);
  o.reflector.max_backoff = seconds(60);
  auto informer = std::make_shared<Informer>(env.cms, o);
  informer->Start();
  REQUIRE(informer->WaitForCacheSync(seconds(30)));
  // The watch starts after the sync: closing before it is registered would miss it.
  REQUIRE(WaitFor([&] { return env.cluster.embedded()->OpenWatches() == 1; }));
  // Six failed watches in a row: the backoff grows to 1.6 s (3.2 s with jitter).
  env.cluster.embedded()->FailRequests({.verb = "watch", .code = 500, .count = 6});
  env.cluster.embedded()->CloseAllWatches();
  REQUIRE(WaitFor([&] { return informer->reflector().stats().failures.load() >= 6; }, seconds(30)));
  REQUIRE(env.cms.Create(env.Cm("first")).ok());
  REQUIRE(WaitFor([&] { return informer->indexer().Get({env.cluster.ns(), "first"}) != nullptr; }, seconds(30)));
  // That watch delivered an event: the next failure backs off from the start (50–100 ms),
  // not from where the run of failures left it (3.2 s and more).
  env.cluster.embedded()->FailRequests({.verb = "watch", .code = 500, .count = 1});
  env.cluster.embedded()->CloseAllWatches();
  REQUIRE(env.cms.Create(env.Cm("second")).ok());
  CHECK(WaitFor([&] { return informer->indexer().Get({env.cluster.ns(), "second"}) != nullptr; }, seconds(2)));
}

TEST_CASE("objects deleted while the watch was down are delivered as deletes after the relist [embedded-only]") {
  Env env;
  if (env.cluster.embedded() == nullptr) return;
  REQUIRE(env.cms.Create(env.Cm("keep")).ok());
  REQUIRE(env.cms.Create(env.Cm("doomed")).ok());
  auto informer = std::make_shared<Informer>(env.cms, FastOptions());
  auto rec = std::make_shared<Recorder>();
  informer->AddEventHandler(rec);
  informer->Start();
  REQUIRE(informer->WaitForCacheSync(seconds(30)));
  // The watch starts after the sync; one still being set up when the watches are closed would
  // stay open and deliver the delete itself.
  REQUIRE(WaitFor([&] { return env.cluster.embedded()->OpenWatches() == 1; }));
  // Make every watch fail and the history forget, then delete while nobody watches.
  env.cluster.embedded()->FailRequests({.verb = "watch", .code = 503, .count = 1000});
  env.cluster.embedded()->CloseAllWatches();
  REQUIRE(env.cms.Delete("doomed").ok());
  env.cluster.embedded()->CompactHistory();
  env.cluster.embedded()->ClearFaults();
  REQUIRE(WaitFor([&] { return rec->deletes() == 1; }, seconds(30)));
  CHECK(informer->indexer().Get({env.cluster.ns(), "doomed"}) == nullptr);
  CHECK(rec->violations() == 0);
  CHECK(informer->reflector().stats().lists.load() >= 2);
}

TEST_CASE("after a storm of faults the cache equals the server and handlers saw every final state [embedded-only]") {
  kop::testing::ApiServerOptions options;
  options.watch_history = 50;
  Env env(options);
  if (env.cluster.embedded() == nullptr) return;
  auto informer = std::make_shared<Informer>(env.cms, FastOptions());
  auto rec = std::make_shared<Recorder>();
  informer->AddEventHandler(rec);
  informer->Start();
  REQUIRE(informer->WaitForCacheSync(seconds(30)));
  std::mt19937 rng(1234);
  kop::testing::ApiServer& server = *env.cluster.embedded();
  for (int step = 0; step < 300; ++step) {
    const std::string name = "obj-" + std::to_string(rng() % 40);
    switch (rng() % 4) {
      case 0: (void)env.cms.Create(env.Cm(name)); break;
      case 1: (void)env.cms.Patch(name, client::PatchType::kMerge,
                                  R"({"data":{"v":")" + std::to_string(step) + R"("}})"); break;
      case 2: (void)env.cms.Delete(name); break;
      default: break;
    }
    switch (rng() % 25) {
      case 0: server.CloseAllWatches(); break;
      case 1: server.CompactHistory(); break;
      case 2: server.CutWatchStreams(); break;
      case 3: server.FailRequests({.verb = "list", .code = 500, .count = 2}); break;
      case 4: server.FailRequests({.verb = "watch", .code = 429, .count = 2, .retry_after_seconds = 0}); break;
      case 5: server.StallWatchStreams(true); break;
      case 6: server.StallWatchStreams(false); break;
      default: break;
    }
  }
  server.ClearFaults();
  const auto want = env.ServerState();
  const bool converged = WaitFor([&] { return Env::CacheState(*informer) == want; }, seconds(60));
  CHECK(converged);
  CHECK(WaitFor([&] { return rec->State() == want; }, seconds(30)));
  CHECK(rec->violations() == 0);
}

TEST_CASE("an informer over several namespaces caches exactly those, each relisted on its own") {
  Env env;
  const std::string a = env.cluster.ns();
  const std::string b = env.cluster.NewNamespace();
  const std::string other = env.cluster.NewNamespace();
  auto in = [&](const std::string& ns) { return env.client->Resource({"", "v1", "configmaps"}, true).Namespace(ns); };
  REQUIRE(in(a).Create(env.Cm("in-a")).ok());
  REQUIRE(in(b).Create(env.Cm("in-b")).ok());
  REQUIRE(in(other).Create(env.Cm("elsewhere")).ok());
  InformerOptions o = FastOptions();
  o.namespaces = {a, b};
  auto informer = std::make_shared<Informer>(env.client->Resource({"", "v1", "configmaps"}, true), o);
  auto rec = std::make_shared<Recorder>();
  informer->AddEventHandler(rec);
  informer->Start();
  REQUIRE(informer->WaitForCacheSync(seconds(30)));
  CHECK(informer->indexer().Size() == 2);
  CHECK(informer->indexer().Get({other, "elsewhere"}) == nullptr);
  REQUIRE(in(b).Create(env.Cm("later-b")).ok());
  REQUIRE(in(other).Create(env.Cm("later-elsewhere")).ok());
  REQUIRE(WaitFor([&] { return informer->indexer().Get({b, "later-b"}) != nullptr; }));
  if (env.cluster.embedded() != nullptr) {
    // Force every reflector to relist: each list replaces its own namespace only.
    env.cluster.embedded()->CompactHistory();
    env.cluster.embedded()->CloseAllWatches();
    REQUIRE(in(a).Delete("in-a").ok());
    REQUIRE(WaitFor([&] { return informer->indexer().Get({a, "in-a"}) == nullptr; }, seconds(30)));
    CHECK(informer->indexer().Get({b, "in-b"}) != nullptr);
    CHECK(informer->indexer().Get({b, "later-b"}) != nullptr);
  }
  CHECK(informer->indexer().Get({other, "later-elsewhere"}) == nullptr);
  CHECK(rec->violations() == 0);
  const Informer::Stats stats = informer->stats();
  CHECK(stats.added >= 1);
  CHECK(stats.objects == informer->indexer().Size());
  CHECK(stats.lists >= 2);  // one per namespace at least
}

}  // namespace
}  // namespace kop::cache
