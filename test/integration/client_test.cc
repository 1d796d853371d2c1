// kop/client against the embedded API server, or a real cluster with KOP_TEST_KUBECONFIG.
#include <algorithm>
#include <atomic>
#include <filesystem>
#include <fstream>
#include <set>
#include <thread>

#include "catch2/catch.hpp"
#include "kop/base/mutex.h"
#include "kop/client/client.h"
#include "integration/conformance_helpers.h"
#include "support/client_env.h"
#include "support/cluster.h"
#include "support/wait.h"

namespace kop::client {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;
using test::TestCluster;

std::unique_ptr<Client> Connect(TestCluster& c, double qps = 0) { return test::ConnectClient(c, qps); }

Object ConfigMap(const std::string& name, const std::map<std::string, std::string>& data = {}) {
  Object cm = Object::New({"", "v1", "ConfigMap"}, {"", name});
  cm.mutable_json()["data"] = data;
  return cm;
}

ResourceClient ConfigMaps(Client& client, TestCluster& c) {
  return client.Resource({"", "v1", "configmaps"}, true).Namespace(c.ns());
}

TEST_CASE("every verb round-trips through the dynamic client") {
  TestCluster c;
  auto client = Connect(c);
  ResourceClient cms = ConfigMaps(*client, c);
  auto created = cms.Create(ConfigMap("a", {{"k", "1"}}));
  REQUIRE(created.ok());
  CHECK_FALSE(created->uid().empty());
  auto got = cms.Get("a");
  REQUIRE(got.ok());
  CHECK(got->GetString({"data", "k"}).value() == "1");
  // Answers come back compact; a copy that changes becomes a tree of its own.
  CHECK(got->is_compact());
  CHECK(created->is_compact());
  Object changed = *got;
  changed.mutable_json()["data"]["k"] = "2";
  CHECK_FALSE(changed.is_compact());
  CHECK(got->GetString({"data", "k"}).value() == "1");
  auto updated = cms.Update(changed);
  REQUIRE(updated.ok());
  CHECK(updated->resource_version() != got->resource_version());
  CHECK(updated->json()["data"]["k"] == "2");
  auto merged = cms.Patch("a", PatchType::kMerge, R"({"data":{"m":"3"}})");
  REQUIRE(merged.ok());
  CHECK(merged->GetString({"data", "m"}).value() == "3");
  auto json_patched = cms.Patch("a", PatchType::kJson, R"([{"op":"remove","path":"/data/m"}])");
  REQUIRE(json_patched.ok());
  CHECK(json_patched->Find({"data", "m"}) == nullptr);
  auto dry = cms.Create(ConfigMap("dry"), {.dry_run = true});
  REQUIRE(dry.ok());
  CHECK(kop::IsNotFound(cms.Get("dry").status()));
  REQUIRE(cms.Delete("a").ok());
  CHECK(kop::IsNotFound(cms.Get("a").status()));
}

TEST_CASE("requests from many threads at once each get their own answer while a watch streams") {
  TestCluster c;
  auto client = Connect(c);
  ResourceClient cms = ConfigMaps(*client, c);
  auto watch = cms.Watch();
  REQUIRE(watch.ok());
  constexpr int kThreads = 6;
  constexpr int kEach = 25;
  std::atomic<int> wrong{0};
  {
    std::vector<std::jthread> threads;
    for (int t = 0; t < kThreads; ++t) {
      threads.emplace_back([&, t] {
        for (int i = 0; i < kEach; ++i) {
          const std::string name = "t" + std::to_string(t) + "-" + std::to_string(i);
          auto created = cms.Create(ConfigMap(name, {{"who", name}}));
          auto got = cms.Get(name);
          if (!created.ok() || created->name() != name || !got.ok() ||
              got->GetString({"data", "who"}).value_or("") != name) {
            ++wrong;
          }
        }
      });
    }
  }
  CHECK(wrong.load() == 0);
  // The watch, on the transport's event loop, saw every create meanwhile.
  std::set<std::string> seen;
  while (seen.size() < kThreads * kEach) {
    auto e = (*watch)->Next(seconds(10));
    if (!e.has_value()) break;
    if (e->type == WatchEvent::Type::kAdded) seen.insert(std::string(e->object.name()));
  }
  CHECK(seen.size() == kThreads * kEach);
}

TEST_CASE("the status subresource is written through UpdateStatus") {
  TestCluster c;
  auto client = Connect(c);
  ResourceClient deployments = client->Resource({"apps", "v1", "deployments"}, true).Namespace(c.ns());
  Object d = Object::New({"apps", "v1", "Deployment"}, {"", "web"});
  d.mutable_json()["spec"] = {{"replicas", 1},
                              {"selector", {{"matchLabels", {{"app", "web"}}}}},
                              {"template", {{"metadata", {{"labels", {{"app", "web"}}}}},
                                            {"spec", {{"containers", {{{"name", "c"}, {"image", "nginx"}}}}}}}}};
  auto created = deployments.Create(d);
  REQUIRE(created.ok());
  Object with_status = *created;
  // readyReplicas may not exceed replicas: the server refuses that status (422).
  with_status.mutable_status()["replicas"] = 1;
  with_status.mutable_status()["readyReplicas"] = 1;
  auto st = deployments.UpdateStatus(with_status);
  REQUIRE(st.ok());
  CHECK(st->GetInt64({"status", "readyReplicas"}).value() == 1);
}

TEST_CASE("discovery reads the whole server in two requests where aggregated discovery is served") {
  TestCluster c;
  if (test::ServerMinorVersion(c) < 30) {
    WARN("apidiscovery.k8s.io/v2 is served from Kubernetes 1.30; skipped");
    return;
  }
  auto client = Connect(c);
  auto deploy = client->mapper().ForName("deploy");
  REQUIRE(deploy.ok());
  CHECK(deploy->gvr == GroupVersionResource{"apps", "v1", "deployments"});
  CHECK(std::find(deploy->subresources.begin(), deploy->subresources.end(), "scale") != deploy->subresources.end());
  CHECK(client->mapper().ForKind({"coordination.k8s.io", "v1", "Lease"}).ok());
  CHECK(client->mapper().stats().aggregated);
  CHECK(client->mapper().stats().requests == 2);
  // A CRD installed later is found by refreshing on the miss.
  const std::string group = c.InstallCrd("Gizmo", "gizmos");
  auto gizmo = client->mapper().ForKind({group, "v1", "Gizmo"});
  REQUIRE(gizmo.ok());
  CHECK(gizmo->gvr.resource == "gizmos");
}

TEST_CASE("discovery does not draw from the client's rate limit") {
  TestCluster c;
  client::Config config = test::ClientConfig(c);
  config.qps = 0.001;  // one request, then one every 1000 s
  config.burst = 1;
  auto transport = client::Transport::Create(config);
  REQUIRE(transport.ok());
  std::shared_ptr<client::Transport> shared = std::move(*transport);
  REQUIRE(shared->Do({.path = "/version"}).ok());  // spends the client's only token
  auto answered = std::make_shared<std::atomic<int>>(0);
  std::thread reader([shared, answered] {
    for (int i = 0; i < 20; ++i) {
      auto r = shared->Do({.path = "/apis", .rate_limit = client::HttpRequest::RateLimit::kDiscovery});
      if (r.ok() && r->code == 200) answered->fetch_add(1);
    }
  });
  // Were discovery limited like the client, the second request would wait 1000 s.
  const bool done = test::WaitFor([&] { return answered->load() == 20; }, seconds(60));
  if (done) {
    reader.join();
  } else {
    reader.detach();  // it owns what it uses; the failure is reported now, not in 1000 s
  }
  CHECK(done);
}

TEST_CASE("API errors come back as typed statuses") {
  TestCluster c;
  auto client = Connect(c);
  ResourceClient cms = ConfigMaps(*client, c);
  CHECK(kop::IsNotFound(cms.Get("missing").status()));
  auto first = cms.Create(ConfigMap("a"));
  REQUIRE(first.ok());
  CHECK(kop::IsAlreadyExists(cms.Create(ConfigMap("a")).status()));
  Object stale = *first;
  REQUIRE(cms.Patch("a", PatchType::kMerge, R"({"data":{"x":"1"}})").ok());
  stale.mutable_json()["data"] = {{"y", "2"}};
  CHECK(kop::IsConflict(cms.Update(stale).status()));
  CHECK(kop::IsInvalid(cms.Create(ConfigMap("Bad_Name")).status()));
  CHECK(kop::IsBadRequest(cms.List({.label_selector = "a in (b"}).status()));
}

TEST_CASE("the pager walks 2,500 objects in pages of 500, one consistent list") {
  TestCluster c;
  auto client = Connect(c);
  ResourceClient cms = ConfigMaps(*client, c);
  for (int i = 0; i < 2500; ++i) {
    REQUIRE(cms.Create(ConfigMap("cm-" + std::to_string(10000 + i))).ok());
  }
  auto first = cms.List({.limit = 500});
  REQUIRE(first.ok());
  CHECK(first->items.size() == 500);
  CHECK_FALSE(first->continue_token.empty());
  auto all = cms.ListAll({.limit = 500});
  REQUIRE(all.ok());
  REQUIRE(all->items.size() == 2500);
  std::set<std::string> names;
  for (const Object& o : all->items) {
    names.insert(std::string(o.name()));
    CHECK(o.kind() == "ConfigMap");  // restored on items of built-in lists
    CHECK(o.api_version() == "v1");
  }
  CHECK(names.size() == 2500);
  CHECK_FALSE(all->resource_version.empty());

  // A per-item hook sees every item once, as its page arrives, and its changes are kept.
  size_t seen = 0;
  auto compacted = cms.ListAll({.limit = 500}, [&](Object& o) {
    ++seen;
    o.SetLabel("seen", std::to_string(seen));
    o.Compact();
  });
  REQUIRE(compacted.ok());
  REQUIRE(compacted->items.size() == 2500);
  CHECK(seen == 2500);
  for (size_t i = 0; i < compacted->items.size(); ++i) {
    CHECK(compacted->items[i].is_compact());
    CHECK(compacted->items[i].label("seen") == std::to_string(i + 1));
  }
}

TEST_CASE("a watch from a list's resourceVersion sees every later change exactly once, in order") {
  TestCluster c;
  auto client = Connect(c);
  ResourceClient cms = ConfigMaps(*client, c);
  REQUIRE(cms.Create(ConfigMap("before")).ok());
  auto list = cms.List();
  REQUIRE(list.ok());
  auto watch = cms.Watch({.resource_version = list->resource_version});
  REQUIRE(watch.ok());
  std::vector<std::string> expected;
  for (int i = 0; i < 20; ++i) {
    auto o = cms.Create(ConfigMap("w" + std::to_string(i)));
    REQUIRE(o.ok());
    expected.push_back(std::string(o->resource_version()));
    auto p = cms.Patch("w" + std::to_string(i), PatchType::kMerge, R"({"data":{"v":"1"}})");
    REQUIRE(p.ok());
    expected.push_back(std::string(p->resource_version()));
  }
  REQUIRE(cms.Delete("w0").ok());
  std::vector<std::string> seen;
  while (seen.size() < expected.size() + 1) {
    std::optional<WatchEvent> e = (*watch)->Next(seconds(10));
    REQUIRE(e.has_value());
    if (e->type == WatchEvent::Type::kBookmark) continue;
    seen.push_back(std::string(e->object.resource_version()));
  }
  seen.pop_back();  // the DELETED of w0
  CHECK(seen == expected);
  // Nothing more: no duplicates arrive.
  while (std::optional<WatchEvent> e = (*watch)->Next(milliseconds(300))) {
    CHECK(e->type == WatchEvent::Type::kBookmark);
  }
}

TEST_CASE("a watch from a compacted resourceVersion ends with a 410 the caller can recognise") {
  TestCluster c;
  auto client = Connect(c);
  ResourceClient cms = ConfigMaps(*client, c);
  std::string old_rv = "1";
  if (c.embedded() != nullptr) {
    auto o = cms.Create(ConfigMap("a"));
    REQUIRE(o.ok());
    old_rv = o->resource_version();
    REQUIRE(cms.Create(ConfigMap("b")).ok());
    c.embedded()->CompactHistory();
  }
  auto watch = cms.Watch({.resource_version = old_rv});
  REQUIRE(watch.ok());
  std::optional<WatchEvent> e = (*watch)->Next(seconds(30));
  REQUIRE(e.has_value());
  CHECK(e->type == WatchEvent::Type::kError);
  CHECK(kop::IsGone(e->error));
}

TEST_CASE("closing a watch from another thread wakes its reader promptly") {
  TestCluster c;
  auto client = Connect(c);
  auto watch = ConfigMaps(*client, c).Watch();
  REQUIRE(watch.ok());
  std::atomic<bool> returned{false};
  std::jthread reader([&] {
    while ((*watch)->Next(seconds(60)).has_value()) {
    }
    returned = true;
  });
  (*watch)->Close();
  REQUIRE(test::WaitFor([&] { return returned.load(); }, seconds(5)));
  CHECK(absl::IsCancelled((*watch)->status()));
}

// What a push-mode watch delivered, filled by its callbacks on the transport thread.
struct Pushed {
  kop::Mutex mu;
  std::vector<std::string> rvs ABSL_GUARDED_BY(mu);  // resourceVersions of ADDED/MODIFIED/DELETED
  std::set<std::thread::id> threads ABSL_GUARDED_BY(mu);
  int ends ABSL_GUARDED_BY(mu) = 0;
  absl::Status status ABSL_GUARDED_BY(mu);

  size_t count() {
    kop::MutexLock lock(&mu);
    return rvs.size();
  }
  int ended() {
    kop::MutexLock lock(&mu);
    return ends;
  }
};

std::unique_ptr<Stream> PushWatch(const ResourceClient& cms, Pushed& p, const WatchOptions& options,
                                  size_t stop_after = SIZE_MAX) {
  return cms.WatchEach(
      options,
      [&p, stop_after](std::vector<WatchEvent>& events) {
        kop::MutexLock lock(&p.mu);
        p.threads.insert(std::this_thread::get_id());
        for (WatchEvent& e : events) {
          if (e.type == WatchEvent::Type::kBookmark) continue;
          p.rvs.push_back(std::string(e.object.resource_version()));
          if (p.rvs.size() >= stop_after) return false;
        }
        return true;
      },
      [&p](absl::Status s) {
        kop::MutexLock lock(&p.mu);
        ++p.ends;
        p.status = std::move(s);
      });
}

TEST_CASE("a pushed watch delivers every change in order on the transport thread, then ends once") {
  TestCluster c;
  auto client = Connect(c);
  ResourceClient cms = ConfigMaps(*client, c);
  auto list = cms.List();
  REQUIRE(list.ok());
  Pushed p;
  std::unique_ptr<Stream> stream = PushWatch(cms, p, {.resource_version = list->resource_version});
  REQUIRE(stream != nullptr);
  std::vector<std::string> expected;
  for (int i = 0; i < 20; ++i) {
    auto o = cms.Create(ConfigMap("p" + std::to_string(i)));
    REQUIRE(o.ok());
    expected.push_back(std::string(o->resource_version()));
  }
  REQUIRE(test::WaitFor([&] { return p.count() >= expected.size(); }, seconds(10)));
  {
    kop::MutexLock lock(&p.mu);
    CHECK(p.rvs == expected);
    CHECK(p.threads.size() == 1);
    CHECK_FALSE(p.threads.contains(std::this_thread::get_id()));
    CHECK(p.ends == 0);
  }
  stream->Cancel();
  REQUIRE(test::WaitFor([&] { return p.ended() == 1; }, seconds(5)));
  kop::MutexLock lock(&p.mu);
  CHECK(absl::IsCancelled(p.status));
}

TEST_CASE("a pushed watch stops when its callback says so, and from a compacted version ends with a 410") {
  TestCluster c;
  auto client = Connect(c);
  ResourceClient cms = ConfigMaps(*client, c);
  auto list = cms.List();
  REQUIRE(list.ok());
  SECTION("a false from the callback stops it") {
    Pushed p;
    auto stream = PushWatch(cms, p, {.resource_version = list->resource_version}, 3);
    for (int i = 0; i < 6; ++i) REQUIRE(cms.Create(ConfigMap("s" + std::to_string(i))).ok());
    REQUIRE(test::WaitFor([&] { return p.ended() == 1; }, seconds(10)));
    kop::MutexLock lock(&p.mu);
    CHECK(p.rvs.size() == 3);
    CHECK(absl::IsCancelled(p.status));
  }
  SECTION("a 410 arrives as an error event; the server then ends the stream") {
    if (c.embedded() == nullptr) return;  // a real cluster's compaction cannot be forced
    auto o = cms.Create(ConfigMap("a"));
    REQUIRE(o.ok());
    REQUIRE(cms.Create(ConfigMap("b")).ok());
    c.embedded()->CompactHistory();
    kop::Mutex mu;
    bool gone = false;
    int ends = 0;
    auto stream = cms.WatchEach(
        {.resource_version = std::string(o->resource_version())},
        [&](std::vector<WatchEvent>& events) {
          kop::MutexLock lock(&mu);
          for (WatchEvent& e : events) gone = gone || kop::IsGone(e.error);
          return true;
        },
        [&](absl::Status) {
          kop::MutexLock lock(&mu);
          ++ends;
        });
    REQUIRE(test::WaitFor([&] {
      kop::MutexLock lock(&mu);
      return gone;
    }, seconds(30)));
    stream->Cancel();
    REQUIRE(test::WaitFor([&] {
      kop::MutexLock lock(&mu);
      return ends == 1;
    }, seconds(5)));
  }
}

TEST_CASE("a pushed watch that cannot start ends once with the reason") {
  Config config;
  config.server = "http://127.0.0.1:1";  // nothing listens on port 1
  config.connect_timeout = milliseconds(500);
  auto client = Client::Create(config);
  REQUIRE(client.ok());
  Pushed p;
  auto stream = PushWatch((*client)->Resource({"", "v1", "configmaps"}, true).Namespace("default"), p, {});
  REQUIRE(test::WaitFor([&] { return p.ended() == 1; }, seconds(10)));
  kop::MutexLock lock(&p.mu);
  CHECK(p.ends == 1);
  CHECK(p.rvs.empty());
  CHECK(absl::IsUnavailable(p.status));
}

TEST_CASE("discovery finds a CRD installed after the client started") {
  TestCluster c;
  auto client = Connect(c);
  REQUIRE(client->mapper().ForName("configmaps").ok());  // discovery loaded before the CRD
  const std::string group = c.InstallCrd("Thing", "things");
  auto mapping = client->mapper().ForKind({group, "v1", "Thing"});
  REQUIRE(mapping.ok());
  CHECK(mapping->gvr.resource == "things");
  CHECK(mapping->namespaced);
  CHECK(std::find(mapping->subresources.begin(), mapping->subresources.end(), "status") !=
        mapping->subresources.end());
  auto things = client->ForKind({group, "v1", "Thing"});
  REQUIRE(things.ok());
  Object t = Object::New({group, "v1", "Thing"}, {"", "t1"});
  CHECK(things->Namespace(c.ns()).Create(t).ok());
  // A kind nothing serves is not an API error (client-go calls it NoMatch): absl NotFound.
  CHECK(absl::IsNotFound(client->mapper().ForKind({group, "v1", "Nothing"}).status()));
}

TEST_CASE("resource names resolve like kubectl's") {
  TestCluster c;
  auto client = Connect(c);
  for (const char* name : {"deployments", "deployment", "Deployment", "deploy", "deployments.apps",
                           "deployments.v1.apps"}) {
    INFO(name);
    auto m = client->mapper().ForName(name);
    REQUIRE(m.ok());
    CHECK(m->gvr == GroupVersionResource{"apps", "v1", "deployments"});
  }
  CHECK(client->mapper().ForName("cm")->gvr.resource == "configmaps");
  CHECK(client->mapper().ForName("nonsense").status().message() ==
        "the server doesn't have a resource type \"nonsense\"");
}

TEST_CASE("Retry-After on a 429 is honoured and the request then succeeds [embedded-only]") {
  TestCluster c;
  if (c.embedded() == nullptr) return;
  auto client = Connect(c);
  c.embedded()->FailRequests({.verb = "list", .path = "/configmaps", .code = 429, .count = 2,
                              .retry_after_seconds = 1});
  const auto start = std::chrono::steady_clock::now();
  auto list = ConfigMaps(*client, c).List();
  CHECK(list.ok());
  CHECK(std::chrono::steady_clock::now() - start >= seconds(2));  // it waited as told, twice
}

TEST_CASE("without Retry-After a 500 is returned to the caller [embedded-only]") {
  TestCluster c;
  if (c.embedded() == nullptr) return;
  auto client = Connect(c);
  c.embedded()->FailRequests({.verb = "get", .code = 500, .count = 1});
  auto got = ConfigMaps(*client, c).Get("x");
  CHECK(kop::IsInternalError(got.status()));
}

TEST_CASE("client-side rate limiting spaces requests beyond the burst") {
  TestCluster c;
  auto client = Connect(c, /*qps=*/20);  // burst 10 (the Config default)
  ResourceClient cms = ConfigMaps(*client, c);
  const auto start = std::chrono::steady_clock::now();
  for (int i = 0; i < 20; ++i) REQUIRE(cms.List({.limit = 1}).ok());
  // 10 from the burst, then 10 more at 20/s: at least ~0.5 s.
  CHECK(std::chrono::steady_clock::now() - start >= milliseconds(450));
}

TEST_CASE("TLS verifies the server with the kubeconfig's CA and refuses another [embedded-only]") {
  if (std::getenv("KOP_TEST_KUBECONFIG") != nullptr) return;
  kop::testing::ApiServerOptions options;
  options.tls = true;
  TestCluster c(options);
  auto client = Connect(c);
  CHECK(ConfigMaps(*client, c).List().ok());

  auto other = kop::testing::ApiServer::Start(options);
  REQUIRE(other.ok());
  auto config = LoadKubeconfig({.path = c.kubeconfig()});
  REQUIRE(config.ok());
  config->ca_pem = (*other)->ca_pem();
  auto wrong = Client::Create(*config);
  REQUIRE(wrong.ok());
  auto refused = (*wrong)->Resource({"", "v1", "configmaps"}, true).Namespace("default").List();
  REQUIRE_FALSE(refused.ok());
  CHECK(refused.status().code() == absl::StatusCode::kUnavailable);
  CHECK(refused.status().message().find("TLS") != std::string_view::npos);

  config->ca_pem = c.embedded()->ca_pem();
  config->token = "wrong-token";
  auto unauthenticated = Client::Create(*config);
  REQUIRE(unauthenticated.ok());
  CHECK(kop::IsUnauthorized(
      (*unauthenticated)->Resource({"", "v1", "configmaps"}, true).Namespace("default").List().status()));
}

TEST_CASE("an unreachable server is a clear Unavailable error, not a hang") {
  Config config;
  config.server = "http://127.0.0.1:1";
  config.qps = 0;
  config.connect_timeout = seconds(2);
  auto client = Client::Create(config);
  REQUIRE(client.ok());
  auto r = (*client)->Resource({"", "v1", "configmaps"}, true).Namespace("default").List();
  REQUIRE_FALSE(r.ok());
  CHECK(r.status().code() == absl::StatusCode::kUnavailable);
  CHECK(r.status().message().find("127.0.0.1:1") != std::string_view::npos);
}

TEST_CASE("a watch cut in the middle of an event ends with DataLoss [embedded-only]") {
  TestCluster c;
  if (c.embedded() == nullptr) return;
  auto client = Connect(c);
  ResourceClient cms = ConfigMaps(*client, c);
  auto watch = cms.Watch();
  REQUIRE(watch.ok());
  REQUIRE(test::WaitFor([&] { return c.embedded()->OpenWatches() == 1; }));
  c.embedded()->CutWatchStreams();
  absl::StatusOr<Object> created = cms.Create(ConfigMap("a"));
  INFO(created.status().ToString());
  REQUIRE(created.ok());
  while ((*watch)->Next(seconds(10)).has_value()) {
  }
  REQUIRE((*watch)->ended());
  CHECK_FALSE((*watch)->status().ok());
  CHECK_FALSE(absl::IsCancelled((*watch)->status()));
}

}  // namespace
}  // namespace kop::client

namespace kop::client {
namespace {

TEST_CASE("an embedded server hands a client its Config through its kubeconfig text [embedded-only]") {
  kop::testing::ApiServerOptions options;
  options.tls = true;
  auto server = kop::testing::ApiServer::Start(options);
  REQUIRE(server.ok());
  auto config = ConfigFromKubeconfig((*server)->KubeconfigYaml());
  REQUIRE(config.ok());
  CHECK(config->server == (*server)->url());
  CHECK(config->ca_pem == (*server)->ca_pem());
  CHECK(config->token == (*server)->token());
  config->qps = 0;
  auto client = Client::Create(*config);
  REQUIRE(client.ok());
  CHECK((*client)->Resource({"", "v1", "namespaces"}, false).List().ok());
}

}  // namespace
}  // namespace kop::client

#include "kop/client/typed_client.h"

namespace {

struct WidgetSpec {
  std::string color;
  int size = 1;
};
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(WidgetSpec, color, size)

struct WidgetStatus {
  std::string phase;
};
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(WidgetStatus, phase)

}  // namespace

namespace kop::client {
namespace {

TEST_CASE("a typed client reads and writes user structs, keeping unknown fields") {
  TestCluster c;
  auto client = Connect(c);
  const std::string group = c.InstallCrd("Widget", "widgets");
  TypedClient<WidgetSpec, WidgetStatus> widgets(
      client->Resource({group, "v1", "widgets"}, true).Namespace(c.ns()));
  TypedObject<WidgetSpec, WidgetStatus> w;
  w.object() = Object::New({group, "v1", "Widget"}, {c.ns(), "w"});
  w.object().mutable_spec()["future"] = "kept";
  w.spec = {.color = "red", .size = 3};
  auto created = widgets.Create(w);
  REQUIRE(created.ok());
  CHECK(created->spec.color == "red");
  CHECK(created->object().GetString({"spec", "future"}).value() == "kept");
  created->status.phase = "Ready";
  auto with_status = widgets.UpdateStatus(*created);
  REQUIRE(with_status.ok());
  CHECK(with_status->status.phase == "Ready");
  auto listed = widgets.List();
  REQUIRE(listed.ok());
  REQUIRE(listed->size() == 1);
  CHECK((*listed)[0].spec.size == 3);

  // An object that does not fit the structs is a clear error, not an exception.
  REQUIRE(widgets.resource().Patch("w", PatchType::kMerge, R"({"spec":{"size":"huge"}})").ok());
  auto misfit = widgets.Get("w");
  REQUIRE_FALSE(misfit.ok());
  CHECK(misfit.status().message().rfind("spec: ", 0) == 0);
}

TEST_CASE("a stalled watch ends after its idle timeout [embedded-only]") {
  TestCluster c;
  if (c.embedded() == nullptr) return;
  auto client = Connect(c);
  auto watch = ConfigMaps(*client, c).Watch({.allow_bookmarks = false, .idle_timeout = seconds(1)});
  REQUIRE(watch.ok());
  REQUIRE(test::WaitFor([&] { return c.embedded()->OpenWatches() == 1; }));
  c.embedded()->StallWatchStreams(true);
  while ((*watch)->Next(seconds(15)).has_value()) {
  }
  c.embedded()->StallWatchStreams(false);
  REQUIRE((*watch)->ended());
  INFO((*watch)->status().ToString());
  CHECK(absl::IsDeadlineExceeded((*watch)->status()));  // "operation too slow"
}

TEST_CASE("after a 401 the exec plugin runs again and the request succeeds [embedded-only]") {
  if (std::getenv("KOP_TEST_KUBECONFIG") != nullptr) return;
  kop::testing::ApiServerOptions options;
  options.tls = true;
  auto server = kop::testing::ApiServer::Start(options);
  REQUIRE(server.ok());
  char tmpl[] = "/tmp/kop-exec-401-XXXXXX";
  const std::string dir = mkdtemp(tmpl);
  const std::string plugin = dir + "/plugin.sh";
  // First run: a stale token. Later runs: the server's.
  std::ofstream(plugin) << "#!/bin/sh\n"
                           "if [ -e \"" << dir << "/ran\" ]; then t=$GOOD; else t=stale; touch \"" << dir << "/ran\"; fi\n"
                           "printf '{\"apiVersion\":\"client.authentication.k8s.io/v1\",\"kind\":\"ExecCredential\",\"status\":{\"token\":\"%s\"}}' \"$t\"\n";
  std::filesystem::permissions(plugin, std::filesystem::perms::owner_all);
  auto config = ConfigFromKubeconfig((*server)->KubeconfigYaml());
  REQUIRE(config.ok());
  config->token.clear();
  config->qps = 0;
  config->exec = ExecConfig{.api_version = "client.authentication.k8s.io/v1",
                            .command = plugin,
                            .env = {{"GOOD", (*server)->token()}}};
  auto client = Client::Create(*config);
  REQUIRE(client.ok());
  CHECK((*client)->Resource({"", "v1", "namespaces"}, false).List().ok());
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace kop::client
