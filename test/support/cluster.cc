#include "support/cluster.h"

#include <unistd.h>

#include <atomic>
#include <cstdlib>
#include <random>

#include "catch2/catch.hpp"
#include "support/wait.h"

namespace kop::test {

TestCluster::TestCluster(kop::testing::ApiServerOptions options) {
  if (const char* kc = std::getenv("KOP_TEST_KUBECONFIG"); kc != nullptr && *kc != '\0') {
    kubeconfig_ = kc;
  } else {
    auto server = kop::testing::ApiServer::Start(std::move(options));
    REQUIRE(server.ok());
    server_ = *std::move(server);
    kubeconfig_ = "/tmp/kop-test-" + std::to_string(getpid()) + "-" + UniqueName("kc") + ".yaml";
    REQUIRE(server_->WriteKubeconfig(kubeconfig_).ok());
  }
  auto auth = ClusterAuth::FromKubeconfig(kubeconfig_);
  INFO(auth.status().ToString());
  REQUIRE(auth.ok());
  http_ = std::make_unique<HttpClient>(*std::move(auth));
}

TestCluster::~TestCluster() {
  for (const std::string& crd : crds_) {
    http_->Delete("/apis/apiextensions.k8s.io/v1/customresourcedefinitions/" + crd);
  }
  if (!ns_.empty()) http_->Delete("/api/v1/namespaces/" + ns_);
  for (const std::string& ns : extra_namespaces_) http_->Delete("/api/v1/namespaces/" + ns);
  if (server_ != nullptr) std::remove(kubeconfig_.c_str());
}

std::string TestCluster::UniqueName(const std::string& prefix) {
  static std::atomic<int> counter{0};
  static const uint32_t run = std::random_device{}();
  return prefix + "-" + std::to_string(run % 100000) + "-" + std::to_string(++counter);
}

const std::string& TestCluster::ns() {
  if (ns_.empty()) {
    ns_ = UniqueName("kop-test");
    HttpReply r = http_->Post("/api/v1/namespaces",
                              {{"apiVersion", "v1"}, {"kind", "Namespace"}, {"metadata", {{"name", ns_}}}});
    INFO(r.body);
    REQUIRE(r.code == 201);
  }
  return ns_;
}

std::string TestCluster::NewNamespace() {
  const std::string name = UniqueName("kop-test");
  HttpReply r = http_->Post("/api/v1/namespaces",
                            {{"apiVersion", "v1"}, {"kind", "Namespace"}, {"metadata", {{"name", name}}}});
  INFO(r.body);
  REQUIRE(r.code == 201);
  extra_namespaces_.push_back(name);
  return name;
}

std::string TestCluster::InstallCrd(const std::string& kind, const std::string& plural,
                                    bool status_subresource, const Json& schema,
                                    const Json& printer_columns) {
  Json version = {{"name", "v1"},
                  {"served", true},
                  {"storage", true},
                  {"schema",
                   {{"openAPIV3Schema",
                     schema.is_null() ? Json{{"type", "object"}, {"x-kubernetes-preserve-unknown-fields", true}}
                                      : schema}}}};
  if (status_subresource) version["subresources"] = {{"status", Json::object()}};
  if (!printer_columns.is_null()) version["additionalPrinterColumns"] = printer_columns;
  return InstallCrdVersions(kind, plural, Json::array({version}), "v1");
}

std::string TestCluster::InstallCrdVersions(const std::string& kind, const std::string& plural,
                                            const Json& versions, const std::string& served_version) {
  const std::string group = UniqueName("g") + ".kop.example.com";
  const std::string name = plural + "." + group;
  Json crd = {{"apiVersion", "apiextensions.k8s.io/v1"},
              {"kind", "CustomResourceDefinition"},
              {"metadata", {{"name", name}}},
              {"spec",
               {{"group", group},
                {"scope", "Namespaced"},
                {"names", {{"plural", plural}, {"singular", kind}, {"kind", kind}, {"listKind", kind + "List"}}},
                {"versions", versions}}}};
  for (char& c : crd["spec"]["names"]["singular"].get_ref<std::string&>()) c = static_cast<char>(tolower(c));
  HttpReply r = http_->Post("/apis/apiextensions.k8s.io/v1/customresourcedefinitions", crd);
  INFO(r.body);
  REQUIRE(r.code == 201);
  crds_.push_back(name);
  const bool established = WaitFor([&] {
    Json got = http_->Get("/apis/apiextensions.k8s.io/v1/customresourcedefinitions/" + name).json();
    for (const Json& c : got["status"].value("conditions", Json::array())) {
      if (c.value("type", "") == "Established" && c.value("status", "") == "True") {
        // Served once discovery lists it.
        return http_->Get("/apis/" + group + "/" + served_version).code == 200;
      }
    }
    return false;
  });
  REQUIRE(established);
  return group;
}

std::string CorePath(const std::string& ns, const std::string& resource, const std::string& name) {
  std::string p = "/api/v1/namespaces/" + ns + "/" + resource;
  if (!name.empty()) p += "/" + name;
  return p;
}

std::string AppsPath(const std::string& ns, const std::string& resource, const std::string& name) {
  std::string p = "/apis/apps/v1/namespaces/" + ns + "/" + resource;
  if (!name.empty()) p += "/" + name;
  return p;
}

}  // namespace kop::test
