// Discovery documents, version and health endpoints, and CRDs appearing in and leaving
// discovery. Runs against the embedded server, or a real cluster with KOP_TEST_KUBECONFIG.
#include <set>

#include "catch2/catch.hpp"
#include "integration/conformance_helpers.h"
#include "kop/api/yaml.h"
#include "support/cluster.h"
#include "support/wait.h"

namespace kop::test {
namespace {

const Json* FindResource(const Json& list, const std::string& name) {
  for (const Json& r : list["resources"]) {
    if (r["name"] == name) return &r;
  }
  return nullptr;
}

TEST_CASE("/api lists the core version") {
  TestCluster c;
  Json api = c.http().Get("/api").json();
  CHECK(api["kind"] == "APIVersions");
  CHECK(std::find(api["versions"].begin(), api["versions"].end(), "v1") != api["versions"].end());
}

TEST_CASE("/api/v1 describes core resources with verbs, short names and status subresources") {
  TestCluster c;
  Json list = c.http().Get("/api/v1").json();
  CHECK(list["kind"] == "APIResourceList");
  CHECK(list["groupVersion"] == "v1");
  const Json* cm = FindResource(list, "configmaps");
  REQUIRE(cm != nullptr);
  CHECK((*cm)["kind"] == "ConfigMap");
  CHECK((*cm)["namespaced"] == true);
  CHECK((*cm)["singularName"] == "configmap");
  CHECK(std::find((*cm)["shortNames"].begin(), (*cm)["shortNames"].end(), "cm") != (*cm)["shortNames"].end());
  for (const char* verb : {"create", "delete", "get", "list", "patch", "update", "watch"}) {
    INFO(verb);
    CHECK(std::find((*cm)["verbs"].begin(), (*cm)["verbs"].end(), verb) != (*cm)["verbs"].end());
  }
  const Json* ns = FindResource(list, "namespaces");
  REQUIRE(ns != nullptr);
  CHECK((*ns)["namespaced"] == false);
  CHECK(FindResource(list, "pods/status") != nullptr);
  CHECK(FindResource(list, "services") != nullptr);
  CHECK(FindResource(list, "secrets") != nullptr);
}

TEST_CASE("/apis lists groups with preferred versions") {
  TestCluster c;
  Json groups = c.http().Get("/apis").json();
  CHECK(groups["kind"] == "APIGroupList");
  bool apps = false;
  bool coordination = false;
  for (const Json& g : groups["groups"]) {
    if (g["name"] == "apps") {
      apps = true;
      CHECK(g["preferredVersion"]["groupVersion"] == "apps/v1");
    }
    if (g["name"] == "coordination.k8s.io") coordination = true;
  }
  CHECK(apps);
  CHECK(coordination);
  Json app_group = c.http().Get("/apis/apps").json();
  CHECK(app_group["kind"] == "APIGroup");
  CHECK(app_group["name"] == "apps");
  Json apps_v1 = c.http().Get("/apis/apps/v1").json();
  const Json* deploy = FindResource(apps_v1, "deployments");
  REQUIRE(deploy != nullptr);
  CHECK((*deploy)["kind"] == "Deployment");
  CHECK(FindResource(apps_v1, "deployments/status") != nullptr);
  CHECK(FindResource(c.http().Get("/apis/coordination.k8s.io/v1").json(), "leases") != nullptr);
}

TEST_CASE("/version and the health endpoints answer") {
  TestCluster c;
  Json v = c.http().Get("/version").json();
  CHECK(v["major"].is_string());
  CHECK(v["gitVersion"].is_string());
  CHECK(c.http().Get("/healthz").code == 200);
  CHECK(c.http().Get("/readyz").code == 200);
  CHECK(c.http().Get("/livez").code == 200);
}

TEST_CASE("an unknown group or version is a 404") {
  TestCluster c;
  // No handler exists under a group the server does not serve: a plain-text 404.
  for (const char* path : {"/apis/no.such.group.kop", "/apis/no.such.group.kop/v1/things", "/apis/v1"}) {
    INFO(path);
    HttpReply r = c.http().Get(path);
    CHECK(r.code == 404);
    CHECK(r.headers["content-type"] == "text/plain; charset=utf-8");
    CHECK(r.body == "404 page not found\n");
  }
  // An unknown version of a served group is a Status.
  HttpReply v0 = c.http().Get("/apis/apps/v0");
  CHECK(v0.code == 404);
  CHECK(v0.json()["reason"] == "NotFound");
}

TEST_CASE("discovery documents are read-only (405)") {
  TestCluster c;
  for (const char* path : {"/api/v1", "/apis/apps/v1", "/apis/apps"}) {
    INFO(path);
    HttpReply r = c.http().Post(path, Json::object());
    CHECK(r.code == 405);
    CHECK(r.json()["reason"] == "MethodNotAllowed");
    CHECK(r.json()["message"] == "the server does not allow this method on the requested resource");
  }
}

TEST_CASE("discovery answers in YAML when asked, /version only in JSON") {
  TestCluster c;
  HttpReply api = c.http().Request("GET", "/api", "", "", "application/yaml");
  REQUIRE(api.code == 200);
  CHECK(api.headers["content-type"] == "application/yaml");
  auto doc = ParseYaml(api.body);
  REQUIRE(doc.ok());
  CHECK((*doc)["kind"] == "APIVersions");
  CHECK((*doc)["versions"][0] == "v1");
  CHECK(api.body.rfind("kind: APIVersions\n", 0) == 0);  // keys in order, block style

  HttpReply version = c.http().Request("GET", "/version", "", "", "application/yaml");
  CHECK(version.code == 406);
  CHECK(version.headers["content-type"] == "application/yaml");
  auto status = ParseYaml(version.body);
  REQUIRE(status.ok());
  CHECK((*status)["reason"] == "NotAcceptable");
}

TEST_CASE("aggregated discovery describes every group, version and resource in one document") {
  TestCluster c;
  if (ServerMinorVersion(c) < 30) {
    WARN("apidiscovery.k8s.io/v2 is served from Kubernetes 1.30; skipped");
    return;
  }
  const std::string accept = "application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList,application/json";
  HttpReply apis = c.http().Request("GET", "/apis", "", "", accept);
  REQUIRE(apis.code == 200);
  CHECK(apis.headers["content-type"].find("as=APIGroupDiscoveryList") != std::string::npos);
  Json list = apis.json();
  CHECK(list["kind"] == "APIGroupDiscoveryList");
  CHECK(list["apiVersion"] == "apidiscovery.k8s.io/v2");
  const Json* deployments = nullptr;
  for (const Json& group : list["items"]) {
    if (group["metadata"]["name"] != "apps") continue;
    CHECK(group["versions"][0]["version"] == "v1");  // the preferred version first
    for (const Json& r : group["versions"][0]["resources"]) {
      if (r["resource"] == "deployments") deployments = &r;
    }
  }
  REQUIRE(deployments != nullptr);
  CHECK((*deployments)["responseKind"] == Json({{"group", "apps"}, {"version", "v1"}, {"kind", "Deployment"}}));
  CHECK((*deployments)["scope"] == "Namespaced");
  CHECK((*deployments)["singularResource"] == "deployment");
  std::set<std::string> subresources;
  for (const Json& sub : (*deployments)["subresources"]) subresources.insert(sub["subresource"].get<std::string>());
  CHECK(subresources.contains("scale"));
  CHECK(subresources.contains("status"));

  HttpReply api = c.http().Request("GET", "/api", "", "", accept);
  REQUIRE(api.code == 200);
  Json core = api.json();
  REQUIRE(core["items"].size() == 1);
  CHECK_FALSE(core["items"][0]["metadata"].contains("name"));  // the core group has no name
  bool configmaps = false;
  for (const Json& r : core["items"][0]["versions"][0]["resources"]) {
    if (r["resource"] == "configmaps") configmaps = r["scope"] == "Namespaced";
  }
  CHECK(configmaps);

  // Without the media type the legacy document is served, as before.
  CHECK(c.http().Get("/apis").json()["kind"] == "APIGroupList");
}

TEST_CASE("a CRD is established, appears in discovery, and disappears with its objects") {
  TestCluster c;
  const std::string group = c.InstallCrd("Sprocket", "sprockets");
  Json gv = c.http().Get("/apis/" + group + "/v1").json();
  const Json* r = FindResource(gv, "sprockets");
  REQUIRE(r != nullptr);
  CHECK((*r)["kind"] == "Sprocket");
  CHECK((*r)["namespaced"] == true);
  CHECK(FindResource(gv, "sprockets/status") != nullptr);
  Json crd = c.http().Get("/apis/apiextensions.k8s.io/v1/customresourcedefinitions/sprockets." + group).json();
  CHECK(crd["status"]["acceptedNames"]["kind"] == "Sprocket");
  bool names_accepted = false;
  for (const Json& cond : crd["status"]["conditions"]) {
    if (cond["type"] == "NamesAccepted" && cond["status"] == "True") names_accepted = true;
  }
  CHECK(names_accepted);

  const std::string base = "/apis/" + group + "/v1/namespaces/" + c.ns() + "/sprockets";
  REQUIRE(c.http().Post(base, {{"apiVersion", group + "/v1"}, {"kind", "Sprocket"},
                               {"metadata", {{"name", "s"}}}}).code == 201);
  REQUIRE(c.http().Delete("/apis/apiextensions.k8s.io/v1/customresourcedefinitions/sprockets." + group).code == 200);
  CHECK(WaitFor([&] { return c.http().Get("/apis/" + group + "/v1").code == 404; },
                std::chrono::seconds(30)));
  CHECK(WaitFor([&] { return c.http().Get(base + "/s").code == 404; }, std::chrono::seconds(30)));
}

TEST_CASE("a CRD whose name is not plural.group is rejected as invalid") {
  TestCluster c;
  Json crd = {{"apiVersion", "apiextensions.k8s.io/v1"},
              {"kind", "CustomResourceDefinition"},
              {"metadata", {{"name", "wrong.kop.example.com"}}},
              {"spec",
               {{"group", "kop.example.com"},
                {"scope", "Namespaced"},
                {"names", {{"plural", "things"}, {"kind", "Thing"}}},
                {"versions", {{{"name", "v1"}, {"served", true}, {"storage", true},
                               {"schema", {{"openAPIV3Schema", {{"type", "object"}}}}}}}}}}};
  HttpReply r = c.http().Post("/apis/apiextensions.k8s.io/v1/customresourcedefinitions", crd);
  CHECK(r.code == 422);
  CHECK(r.json()["reason"] == "Invalid");
}

}  // namespace
}  // namespace kop::test

namespace kop::test {
namespace {

TEST_CASE("with tls the server is verified through the CA in its kubeconfig [embedded-only]") {
  if (std::getenv("KOP_TEST_KUBECONFIG") != nullptr) return;  // a real cluster brings its own TLS
  kop::testing::ApiServerOptions options;
  options.tls = true;
  TestCluster c(options);
  CHECK(c.http().auth().server.rfind("https://", 0) == 0);
  CHECK_FALSE(c.http().auth().ca_pem.empty());
  CHECK(c.http().Get("/version").code == 200);
  HttpReply created = c.http().Post(CorePath(c.ns(), "configmaps"), ConfigMapJson("over-tls"));
  CHECK(created.code == 201);
}

TEST_CASE("a client trusting another CA is refused by a tls server [embedded-only]") {
  if (std::getenv("KOP_TEST_KUBECONFIG") != nullptr) return;
  kop::testing::ApiServerOptions options;
  options.tls = true;
  auto server = kop::testing::ApiServer::Start(options);
  auto other = kop::testing::ApiServer::Start(options);
  REQUIRE(server.ok());
  REQUIRE(other.ok());
  ClusterAuth wrong{.server = (*server)->url(), .ca_pem = (*other)->ca_pem(), .token = (*server)->token()};
  CHECK(HttpClient(wrong).Get("/version").code == 0);  // the TLS handshake fails
  ClusterAuth right{.server = (*server)->url(), .ca_pem = (*server)->ca_pem(), .token = (*server)->token()};
  CHECK(HttpClient(right).Get("/version").code == 200);
  CHECK(HttpClient(right).Get("/api/v1/namespaces").code == 200);
  ClusterAuth plain{.server = "http://127.0.0.1:" + std::to_string((*server)->port())};
  CHECK(HttpClient(plain).Get("/version").code != 200);
}

}  // namespace
}  // namespace kop::test

namespace kop::test {
namespace {

TEST_CASE("with tls, API requests need the kubeconfig's bearer token [embedded-only]") {
  if (std::getenv("KOP_TEST_KUBECONFIG") != nullptr) return;
  kop::testing::ApiServerOptions options;
  options.tls = true;
  auto server = kop::testing::ApiServer::Start(options);
  REQUIRE(server.ok());
  CHECK((*server)->token().size() == 32);
  CHECK((*server)->KubeconfigYaml().find((*server)->token()) != std::string::npos);
  ClusterAuth anonymous{.server = (*server)->url(), .ca_pem = (*server)->ca_pem()};
  HttpReply denied = HttpClient(anonymous).Get("/api/v1/namespaces");
  CHECK(denied.code == 401);
  CHECK(denied.json()["reason"] == "Unauthorized");
  CHECK(HttpClient(anonymous).Get("/healthz").code == 200);
  ClusterAuth forged = anonymous;
  forged.token = "not-the-token";
  CHECK(HttpClient(forged).Get("/api/v1/namespaces").code == 401);
}

}  // namespace
}  // namespace kop::test
