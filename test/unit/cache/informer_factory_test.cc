// The InformerFactory over a scripted transport: one informer per resource and selection,
// what each lists, and how start and sync behave for informers made before and after Start.
#include "kop/cache/informer_factory.h"

#include <chrono>
#include <memory>
#include <string>

#include "catch2/catch.hpp"
#include "support/api_json.h"
#include "support/scripted_transport.h"

namespace kop::cache {
namespace {

using kop::test::ScriptedTransport;
using namespace std::chrono_literals;

const std::vector<kop::test::DiscoveredResource> kServed = {{"apps", "v1", "deployments", "Deployment"}, {"", "v1", "namespaces", "Namespace", false}};
const std::string kApis = kop::test::AggregatedDiscovery(kServed, false);
const std::string kApi = kop::test::AggregatedDiscovery(kServed, true);
constexpr const char* kAggregated = kop::test::kAggregatedDiscoveryType;

std::string EmptyList(const std::string& kind) {
  return R"({"kind":")" + kind + R"(List","apiVersion":"v1","metadata":{"resourceVersion":"7"},"items":[]})";
}

struct Fixture {
  Fixture() {
    transport->Answer("/apis", 200, kApis, kAggregated, "apidiscovery.k8s.io");
    transport->Answer("/api", 200, kApi, kAggregated, "apidiscovery.k8s.io");
    transport->Answer("/apis/apps/v1/namespaces/team-a/deployments?*", 200, EmptyList("Deployment"));
    transport->Answer("/apis/apps/v1/namespaces/team-b/deployments?*", 200, EmptyList("Deployment"));
    transport->Answer("/api/v1/namespaces?*", 200, EmptyList("Namespace"));
  }
  bool Requested(const std::string& prefix) {
    for (const client::HttpRequest& r : transport->requests()) {
      if (r.method == "GET" && r.path.rfind(prefix, 0) == 0 && r.path.find("watch=") == std::string::npos) return true;
    }
    return false;
  }
  std::shared_ptr<ScriptedTransport> transport = std::make_shared<ScriptedTransport>();
  std::unique_ptr<client::Client> client = client::Client::ForTransport(transport);
};

TEST_CASE("informer factory: one informer per resource and selection, found through discovery", "[factory]") {
  Fixture f;
  InformerFactory factory(*f.client, {.namespace_ = "team-a"});
  absl::StatusOr<std::shared_ptr<Informer>> a = factory.ForKind({"apps", "v1", "Deployment"});
  absl::StatusOr<std::shared_ptr<Informer>> b = factory.ForKind({"apps", "v1", "Deployment"});
  REQUIRE(a.ok());
  REQUIRE(b.ok());
  CHECK(a->get() == b->get());  // shared: one watch for every controller
  absl::StatusOr<std::shared_ptr<Informer>> labelled =
      factory.ForKind({"apps", "v1", "Deployment"}, {.label_selector = "app=web"});
  REQUIRE(labelled.ok());
  CHECK(labelled->get() != a->get());
  CHECK(factory.size() == 2);
  absl::StatusOr<std::shared_ptr<Informer>> unknown = factory.ForKind({"apps", "v1", "Gizmo"});
  CHECK(absl::IsNotFound(unknown.status()));
  CHECK(factory.size() == 2);
}

TEST_CASE("informer factory: its namespaces scope namespaced resources only", "[factory]") {
  Fixture f;
  InformerFactory factory(*f.client, {.namespaces = {"team-a", "team-b"}});
  REQUIRE(factory.ForKind({"apps", "v1", "Deployment"}).ok());
  REQUIRE(factory.ForKind({"", "v1", "Namespace"}).ok());
  factory.Start();
  REQUIRE(factory.WaitForCacheSync(10s));
  CHECK(f.Requested("/apis/apps/v1/namespaces/team-a/deployments?"));
  CHECK(f.Requested("/apis/apps/v1/namespaces/team-b/deployments?"));
  CHECK_FALSE(f.Requested("/apis/apps/v1/deployments?"));
  CHECK(f.Requested("/api/v1/namespaces?"));  // cluster-scoped: listed once, whole
  factory.Stop();
}

TEST_CASE("informer factory: informers asked for after Start start at once; sync waits for all", "[factory]") {
  Fixture f;
  InformerFactory factory(*f.client, {.namespace_ = "team-a", .reflector = {.initial_backoff = 1ms, .max_backoff = 5ms}});
  factory.Start();
  CHECK(factory.WaitForCacheSync(1s));  // nothing to wait for
  absl::StatusOr<std::shared_ptr<Informer>> late = factory.ForKind({"apps", "v1", "Deployment"});
  REQUIRE(late.ok());
  CHECK((*late)->WaitForCacheSync(10s));
  // An informer whose list keeps failing holds the factory's sync back.
  f.transport->Clear();  // rules match in order: the failing one first
  f.transport->Answer("/apis/apps/v1/namespaces/team-a/deployments?labelSelector*", 503,
                      R"({"kind":"Status","apiVersion":"v1","status":"Failure","reason":"ServiceUnavailable","code":503})");
  f.transport->Answer("/apis/apps/v1/namespaces/team-a/deployments?*", 200, EmptyList("Deployment"));
  REQUIRE(factory.ForKind({"apps", "v1", "Deployment"}, {.label_selector = "tier=db"}).ok());
  CHECK_FALSE(factory.WaitForCacheSync(200ms));
  factory.Stop();
}

}  // namespace
}  // namespace kop::cache
