#include "kop/client/rest_mapper.h"

#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <memory>
#include <string>

#include "catch2/catch.hpp"
#include "support/scripted_transport.h"

namespace kop::client {
namespace {

using kop::test::ScriptedTransport;

constexpr char kAggregatedApi[] = R"({
  "kind": "APIGroupDiscoveryList", "apiVersion": "apidiscovery.k8s.io/v2", "metadata": {},
  "items": [{"metadata": {"creationTimestamp": null}, "versions": [{"version": "v1", "freshness": "Current",
    "resources": [
      {"resource": "configmaps", "responseKind": {"group": "", "version": "v1", "kind": "ConfigMap"},
       "scope": "Namespaced", "singularResource": "configmap", "shortNames": ["cm"],
       "verbs": ["get", "list", "watch"]},
      {"resource": "namespaces", "responseKind": {"group": "", "version": "v1", "kind": "Namespace"},
       "scope": "Cluster", "singularResource": "namespace", "shortNames": ["ns"], "verbs": ["get"],
       "subresources": [{"subresource": "status", "verbs": ["get"]}, {"subresource": "finalize", "verbs": ["update"]}]}
    ]}]}]})";

constexpr char kAggregatedApis[] = R"({
  "kind": "APIGroupDiscoveryList", "apiVersion": "apidiscovery.k8s.io/v2", "metadata": {},
  "items": [
    {"metadata": {"name": "apps"}, "versions": [{"version": "v1", "freshness": "Current", "resources": [
      {"resource": "deployments", "responseKind": {"group": "apps", "version": "v1", "kind": "Deployment"},
       "scope": "Namespaced", "singularResource": "deployment", "shortNames": ["deploy"], "verbs": ["get"],
       "subresources": [{"subresource": "scale", "responseKind": {"group": "autoscaling", "version": "v1", "kind": "Scale"}}]}]}]},
    {"metadata": {"name": "example.com"}, "versions": [
      {"version": "v2", "freshness": "Stale", "resources": [
        {"resource": "widgets", "responseKind": {"kind": "Widget"}, "scope": "Namespaced"}]},
      {"version": "v1", "freshness": "Current", "resources": [
        {"resource": "widgets", "responseKind": {"group": "example.com", "version": "v1", "kind": "Widget"},
         "scope": "Namespaced", "singularResource": "widget"}]}]}
  ]})";

const char* kAggregatedType = "application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList";

void ServeAggregated(ScriptedTransport& t) {
  t.Answer("/api", 200, kAggregatedApi, kAggregatedType, "apidiscovery.k8s.io");
  t.Answer("/apis", 200, kAggregatedApis, kAggregatedType, "apidiscovery.k8s.io");
}

void ServeLegacy(ScriptedTransport& t) {
  t.Answer("/api", 200, R"({"kind": "APIVersions", "versions": ["v1"]})");
  t.Answer("/api/v1", 200, R"({"kind": "APIResourceList", "groupVersion": "v1", "resources": [
    {"name": "configmaps", "singularName": "", "namespaced": true, "kind": "ConfigMap", "shortNames": ["cm"], "verbs": ["get"]},
    {"name": "pods", "singularName": "", "namespaced": true, "kind": "Pod", "verbs": ["get"]},
    {"name": "pods/status", "singularName": "", "namespaced": true, "kind": "Pod", "verbs": ["get"]}]})");
  t.Answer("/apis", 200, R"({"kind": "APIGroupList", "groups": [{"name": "apps",
    "versions": [{"groupVersion": "apps/v1", "version": "v1"}],
    "preferredVersion": {"groupVersion": "apps/v1", "version": "v1"}}]})");
  t.Answer("/apis/apps/v1", 200, R"({"kind": "APIResourceList", "groupVersion": "apps/v1", "resources": [
    {"name": "deployments", "singularName": "deployment", "namespaced": true, "kind": "Deployment", "verbs": ["get"]}]})");
}

// A fresh folder for one test's disk cache.
struct TempDir {
  TempDir() {
    path = (std::filesystem::temp_directory_path() /
            ("kop-rest-mapper-" + std::to_string(::getpid()) + "-" + std::to_string(counter++)))
               .string();
    std::filesystem::remove_all(path);
  }
  ~TempDir() { std::filesystem::remove_all(path); }
  std::string path;
  static inline int counter = 0;
};

TEST_CASE("aggregated discovery maps the whole server in two requests") {
  auto t = std::make_shared<ScriptedTransport>();
  ServeAggregated(*t);
  RestMapper mapper(t);
  auto deploy = mapper.ForName("deploy");
  REQUIRE(deploy.ok());
  CHECK(deploy->gvr == GroupVersionResource{"apps", "v1", "deployments"});
  CHECK(deploy->gvk.kind == "Deployment");
  CHECK(deploy->namespaced);
  CHECK(deploy->subresources == std::vector<std::string>{"scale"});
  auto ns = mapper.ForKind({"", "v1", "Namespace"});
  REQUIRE(ns.ok());
  CHECK_FALSE(ns->namespaced);
  CHECK(ns->subresources == std::vector<std::string>{"status", "finalize"});
  CHECK(mapper.ForName("cm")->gvr.resource == "configmaps");
  // A Stale version is not trusted: the preferred usable version is v1.
  auto widget = mapper.ForKind({"example.com", "", "Widget"});
  REQUIRE(widget.ok());
  CHECK(widget->gvr.version == "v1");

  const auto requests = t->requests();
  REQUIRE(requests.size() == 2);
  for (const HttpRequest& r : requests) {
    CHECK(r.accept == kAggregatedDiscoveryAccept);
    CHECK(r.rate_limit == HttpRequest::RateLimit::kDiscovery);
  }
  CHECK(mapper.stats().aggregated);
}

TEST_CASE("a server without aggregated discovery is read group version by group version") {
  auto t = std::make_shared<ScriptedTransport>();
  ServeLegacy(*t);
  RestMapper mapper(t);
  auto pods = mapper.ForName("pod");
  REQUIRE(pods.ok());
  CHECK(pods->gvr == GroupVersionResource{"", "v1", "pods"});
  CHECK(pods->singular == "pod");  // an empty singularName falls back to the lower-case kind
  CHECK(pods->subresources == std::vector<std::string>{"status"});
  CHECK(mapper.ForName("deployments.apps")->gvk.kind == "Deployment");
  CHECK(t->requests().size() == 4);
  CHECK_FALSE(mapper.stats().aggregated);
  for (const HttpRequest& r : t->requests()) CHECK(r.rate_limit == HttpRequest::RateLimit::kDiscovery);
}

TEST_CASE("a miss refreshes once, then answers NotFound") {
  auto t = std::make_shared<ScriptedTransport>();
  ServeAggregated(*t);
  RestMapper mapper(t);
  REQUIRE(mapper.ForName("deployments").ok());
  t->ClearRequests();
  auto missing = mapper.ForName("gizmos");
  CHECK(absl::IsNotFound(missing.status()));
  CHECK(missing.status().message() == "the server doesn't have a resource type \"gizmos\"");
  CHECK(t->requests().size() == 2);  // one refresh
}

TEST_CASE("discovery errors surface with the server's answer") {
  auto t = std::make_shared<ScriptedTransport>();
  t->Answer("/api", 500, R"({"kind":"Status","status":"Failure","message":"etcd is down","code":500})");
  RestMapper mapper(t);
  auto m = mapper.ForName("pods");
  REQUIRE_FALSE(m.ok());
  CHECK(std::string(m.status().message()).find("etcd is down") != std::string::npos);
}

TEST_CASE("the disk cache serves the next run without a request, and a miss renews it") {
  TempDir dir;
  auto t = std::make_shared<ScriptedTransport>();
  ServeAggregated(*t);
  {
    RestMapper first(t, {.disk_cache_dir = dir.path});
    REQUIRE(first.ForName("deploy").ok());
    CHECK(first.stats().server_refreshes == 1);
  }
  REQUIRE(std::filesystem::exists(dir.path + "/kop-discovery.json"));
  t->ClearRequests();
  {
    RestMapper second(t, {.disk_cache_dir = dir.path});
    REQUIRE(second.ForName("deploy").ok());
    CHECK(t->requests().empty());
    CHECK(second.stats().disk_loads == 1);
  }
  t->Clear();
  ServeLegacy(*t);
  {
    RestMapper third(t, {.disk_cache_dir = dir.path});
    // A name the copy does not know: the server (now without aggregated discovery) is asked,
    // and the copy rewritten.
    auto pods = third.ForName("pods");
    REQUIRE(pods.ok());
    CHECK(third.stats().disk_loads == 1);
    CHECK(third.stats().server_refreshes == 1);
  }
  t->ClearRequests();
  {
    RestMapper fourth(t, {.disk_cache_dir = dir.path});
    REQUIRE(fourth.ForName("pods").ok());  // the renewed copy has it
    CHECK(t->requests().empty());
  }
}

TEST_CASE("an expired, unreadable or invalidated disk copy is not used") {
  TempDir dir;
  auto t = std::make_shared<ScriptedTransport>();
  ServeAggregated(*t);
  {
    RestMapper warm(t, {.disk_cache_dir = dir.path});
    REQUIRE(warm.ForName("deploy").ok());
  }
  SECTION("expired") {
    RestMapper m(t, {.disk_cache_dir = dir.path, .disk_cache_ttl = std::chrono::seconds(0)});
    t->ClearRequests();
    // Age the file past a zero TTL.
    std::filesystem::last_write_time(dir.path + "/kop-discovery.json",
                                     std::filesystem::file_time_type::clock::now() - std::chrono::seconds(5));
    REQUIRE(m.ForName("deploy").ok());
    CHECK(m.stats().disk_loads == 0);
    CHECK(t->requests().size() == 2);
  }
  SECTION("unreadable") {
    std::ofstream(dir.path + "/kop-discovery.json", std::ios::trunc) << "{not json";
    RestMapper m(t, {.disk_cache_dir = dir.path});
    t->ClearRequests();
    REQUIRE(m.ForName("deploy").ok());
    CHECK(m.stats().disk_loads == 0);
    CHECK(t->requests().size() == 2);
  }
  SECTION("invalidated") {
    RestMapper m(t, {.disk_cache_dir = dir.path});
    REQUIRE(m.ForName("deploy").ok());
    CHECK(m.stats().disk_loads == 1);
    m.Invalidate();
    t->ClearRequests();
    REQUIRE(m.ForName("deploy").ok());
    CHECK(t->requests().size() == 2);
  }
}

TEST_CASE("the disk cache folder follows kubectl's layout, one folder per server") {
  CHECK(DiscoveryCacheDir("/home/u/.kube/cache", "https://10.0.0.1:6443") ==
        "/home/u/.kube/cache/discovery/10.0.0.1_6443");
  CHECK(DiscoveryCacheDir("/c", "https://api.example.com:443/prefix/") == "/c/discovery/api.example.com_443/prefix");
}

}  // namespace
}  // namespace kop::client
