// ControllerBuilder against a host of the test's own: informers over a scripted transport,
// reconciles through a FakeClient. What it wires (For, Owns, Watches), what it names, and
// that a mistake registers nothing.
#include "kop/controller/builder.h"

#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include "catch2/catch.hpp"
#include "kop/k8s/apps/v1.h"
#include "kop/k8s/core/v1.h"
#include "kop/testkit/fake_client.h"
#include "support/api_json.h"
#include "support/scripted_transport.h"

namespace kop {
namespace {

using kop::test::ScriptedStream;
using kop::test::ScriptedTransport;
using namespace std::chrono_literals;

const std::vector<kop::test::DiscoveredResource> kServed = {{"apps", "v1", "deployments", "Deployment"}, {"example.com", "v1", "widgets", "Widget"}, {"", "v1", "configmaps", "ConfigMap"}};
const std::string kApis = kop::test::AggregatedDiscovery(kServed, false);
const std::string kApi = kop::test::AggregatedDiscovery(kServed, true);
constexpr const char* kAggregated = kop::test::kAggregatedDiscoveryType;

// Counts reconciles per key.
class Recorder final : public Reconciler {
 public:
  absl::StatusOr<Result> Reconcile(const Request& req, ReconcileContext&) override {
    kop::MutexLock lock(&mu_);
    keys_.push_back(req.key.namespace_ + "/" + req.key.name);
    cv_.SignalAll();
    return Result{};
  }
  bool WaitFor(const std::string& key, std::chrono::milliseconds timeout = 10s) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    kop::MutexLock lock(&mu_);
    for (;;) {
      for (const std::string& k : keys_) {
        if (k == key) return true;
      }
      if (!cv_.WaitUntil(&mu_, deadline)) return false;
    }
  }

 private:
  kop::Mutex mu_;
  kop::CondVar cv_;
  std::vector<std::string> keys_ ABSL_GUARDED_BY(mu_);
};

class TestHost final : public ControllerHost {
 public:
  TestHost() {
    transport->Answer("/apis", 200, kApis, kAggregated, "apidiscovery.k8s.io");
    transport->Answer("/api", 200, kApi, kAggregated, "apidiscovery.k8s.io");
    transport->Answer("/apis/example.com/v1/widgets?limit=500", 200,
                      R"({"kind":"WidgetList","apiVersion":"example.com/v1","metadata":{"resourceVersion":"1"},"items":[]})");
    transport->Answer("/apis/apps/v1/deployments?limit=500", 200,
                      R"({"kind":"DeploymentList","apiVersion":"apps/v1","metadata":{"resourceVersion":"1"},"items":[]})");
    transport->Answer("/api/v1/configmaps?limit=500", 200,
                      R"({"kind":"ConfigMapList","apiVersion":"v1","metadata":{"resourceVersion":"1"},"items":[]})");
  }
  ~TestHost() override {
    for (auto& c : controllers) c->Stop(0ms);
    factory.Stop();
  }
  cache::InformerFactory& cache() override { return factory; }
  client::ObjectClient& controller_client() override { return fake; }
  client::Reader& api_reader() override { return fake; }
  log::Logger log() const override { return log::Root().WithName("test"); }
  void Add(std::unique_ptr<Controller> controller) override { controllers.push_back(std::move(controller)); }

  // The open watch on `resource` ("widgets", "deployments").
  std::shared_ptr<ScriptedStream> WatchOf(const std::string& resource) {
    for (auto& s : streams) {
      if (s->request().path.find("/" + resource + "?") != std::string::npos) return s;
    }
    while (auto s = transport->NextStream()) {
      streams.push_back(s);
      if (s->request().path.find("/" + resource + "?") != std::string::npos) return s;
    }
    return nullptr;
  }

  std::shared_ptr<ScriptedTransport> transport = std::make_shared<ScriptedTransport>();
  std::unique_ptr<client::Client> client = client::Client::ForTransport(transport);
  cache::InformerFactory factory{*client};
  testkit::FakeClient fake;
  std::vector<std::unique_ptr<Controller>> controllers;
  std::vector<std::shared_ptr<ScriptedStream>> streams;
};

std::string Event(const std::string& type, const std::string& object) { return kop::test::EventJson(type, object); }

TEST_CASE("builder: For and Owns enqueue the primary's key; the name defaults to the kind", "[builder]") {
  TestHost host;
  auto recorder = std::make_unique<Recorder>();
  Recorder* rec = recorder.get();
  absl::StatusOr<Controller*> c = ControllerBuilder(host)
                                      .For({"example.com", "v1", "Widget"})
                                      .Owns({"apps", "v1", "Deployment"})
                                      .Complete(std::move(recorder));
  REQUIRE(c.ok());
  REQUIRE(host.controllers.size() == 1);
  CHECK(host.controllers[0].get() == *c);
  CHECK((*c)->name() == "widget");
  (*c)->Start();
  host.factory.Start();
  REQUIRE(host.factory.WaitForCacheSync(10s));

  std::shared_ptr<ScriptedStream> widgets = host.WatchOf("widgets");
  std::shared_ptr<ScriptedStream> deployments = host.WatchOf("deployments");
  REQUIRE(widgets != nullptr);
  REQUIRE(deployments != nullptr);
  widgets->Send(Event("ADDED", R"({"apiVersion":"example.com/v1","kind":"Widget","metadata":{"name":"w1","namespace":"ns","resourceVersion":"2"}})"));
  CHECK(rec->WaitFor("ns/w1"));
  deployments->Send(Event("ADDED", R"({"apiVersion":"apps/v1","kind":"Deployment","metadata":{"name":"d","namespace":"ns","resourceVersion":"3",)"
                                     R"("ownerReferences":[{"apiVersion":"example.com/v1","kind":"Widget","name":"w2","uid":"u2","controller":true}]}})"));
  CHECK(rec->WaitFor("ns/w2"));
}

TEST_CASE("builder: For<T> and Owns<T> take the kinds from typed objects' types", "[builder]") {
  TestHost host;
  auto recorder = std::make_unique<Recorder>();
  Recorder* rec = recorder.get();
  absl::StatusOr<Controller*> c = ControllerBuilder(host)
                                      .For<k8s::apps::v1::Deployment>()
                                      .Owns<k8s::core::v1::ConfigMap>()
                                      .Complete(std::move(recorder));
  REQUIRE(c.ok());
  CHECK((*c)->name() == "deployment");
  (*c)->Start();
  host.factory.Start();
  REQUIRE(host.factory.WaitForCacheSync(10s));
  std::shared_ptr<ScriptedStream> configmaps = host.WatchOf("configmaps");
  REQUIRE(configmaps != nullptr);
  configmaps->Send(Event("ADDED", R"({"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"c","namespace":"ns","resourceVersion":"3",)"
                                    R"("ownerReferences":[{"apiVersion":"apps/v1","kind":"Deployment","name":"web","uid":"u","controller":true}]}})"));
  CHECK(rec->WaitFor("ns/web"));
}

TEST_CASE("builder: Watches<T> maps typed objects; typed predicates see typed objects", "[builder]") {
  TestHost host;
  auto recorder = std::make_unique<Recorder>();
  Recorder* rec = recorder.get();
  using k8s::core::v1::ConfigMap;
  absl::StatusOr<Controller*> c =
      ControllerBuilder(host)
          .For<k8s::apps::v1::Deployment>()
          .Watches<ConfigMap>([](const ConfigMap& cm) {
                                std::vector<Request> out;
                                if (cm.data.contains("app")) out.push_back({{cm.metadata.namespace_, cm.data.at("app")}});
                                return out;
                              },
                              {predicate::TypedFuncs<ConfigMap>(
                                  [](const ConfigMap& cm) { return cm.metadata.labels.contains("watched"); }, nullptr,
                                  nullptr)})
          .Complete(std::move(recorder));
  REQUIRE(c.ok());
  (*c)->Start();
  host.factory.Start();
  REQUIRE(host.factory.WaitForCacheSync(10s));
  std::shared_ptr<ScriptedStream> configmaps = host.WatchOf("configmaps");
  REQUIRE(configmaps != nullptr);
  // Filtered out by the typed predicate (no label), then let through.
  configmaps->Send(Event("ADDED", R"({"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"a","namespace":"ns","resourceVersion":"3"},)"
                                    R"("data":{"app":"skipped"}})"));
  configmaps->Send(Event("ADDED", R"({"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"b","namespace":"ns","resourceVersion":"4",)"
                                    R"("labels":{"watched":"yes"}},"data":{"app":"mapped"}})"));
  CHECK(rec->WaitFor("ns/mapped"));
  // Events are handled in order and one worker takes keys in order: had the first passed, it
  // would have been reconciled before the second.
  CHECK_FALSE(rec->WaitFor("ns/skipped", 0ms));
}

TEST_CASE("builder: Watches maps objects to keys; the options' name and event filters apply", "[builder]") {
  TestHost host;
  auto recorder = std::make_unique<Recorder>();
  Recorder* rec = recorder.get();
  absl::StatusOr<Controller*> c =
      ControllerBuilder(host)
          .Named("widget-config")
          .For({"example.com", "v1", "Widget"})
          .Watches({"", "v1", "ConfigMap"},
                   [](const Object& o) { return std::vector<Request>{{{"ns", "for-" + std::string(o.name())}}}; })
          .WithEventFilter(predicate::MatchesLabels(*LabelSelector::Parse("team=a")))
          .Complete(std::move(recorder));
  REQUIRE(c.ok());
  CHECK((*c)->name() == "widget-config");
  (*c)->Start();
  host.factory.Start();
  REQUIRE(host.factory.WaitForCacheSync(10s));
  std::shared_ptr<ScriptedStream> cms = host.WatchOf("configmaps");
  REQUIRE(cms != nullptr);
  cms->Send(Event("ADDED", R"({"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"other","namespace":"ns","resourceVersion":"2","labels":{"team":"b"}}})"));
  cms->Send(Event("ADDED", R"({"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"mine","namespace":"ns","resourceVersion":"3","labels":{"team":"a"}}})"));
  CHECK(rec->WaitFor("ns/for-mine"));
  CHECK_FALSE(rec->WaitFor("ns/for-other", 0ms));  // filtered; events are handled in order
}

TEST_CASE("builder: mistakes are errors from Complete and register nothing", "[builder]") {
  TestHost host;
  absl::StatusOr<Controller*> no_for = ControllerBuilder(host).Complete(std::make_unique<Recorder>());
  CHECK(absl::IsInvalidArgument(no_for.status()));
  absl::StatusOr<Controller*> no_reconciler =
      ControllerBuilder(host).For({"example.com", "v1", "Widget"}).Complete(nullptr);
  CHECK(absl::IsInvalidArgument(no_reconciler.status()));
  absl::StatusOr<Controller*> unknown = ControllerBuilder(host)
                                            .For({"example.com", "v1", "Widget"})
                                            .Owns({"example.com", "v1", "Gadget"})
                                            .Complete(std::make_unique<Recorder>());
  CHECK(absl::IsNotFound(unknown.status()));
  CHECK(unknown.status().message().find("Gadget") != std::string::npos);
  CHECK(host.controllers.empty());
}

}  // namespace
}  // namespace kop
