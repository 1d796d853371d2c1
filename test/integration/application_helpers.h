// Shared by the Application operator's integration tests.
#ifndef KOP_TEST_INTEGRATION_APPLICATION_HELPERS_H_
#define KOP_TEST_INTEGRATION_APPLICATION_HELPERS_H_

#include <chrono>
#include <memory>
#include <fstream>
#include <sstream>
#include <string>

#include "catch2/catch.hpp"
#include "kop/api/yaml.h"
#include "kop/client/client.h"
#include "kop/client/config.h"
#include "support/cluster.h"
#include "support/wait.h"

namespace kop::test {

inline std::string ReadFile(const std::string& path) {
  std::ifstream in(path);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

// Installs crds/application.yaml when the cluster does not serve it yet (a real cluster; the
// embedded one loads crds_dir), and waits until it is served.
inline void EnsureApplicationCrd(TestCluster& c) {
  const std::string name = "applications.example.com";
  const std::string path = "/apis/apiextensions.k8s.io/v1/customresourcedefinitions";
  if (c.http().Get(path + "/" + name).code != 200) {
    absl::StatusOr<Json> crd = ParseYaml(ReadFile(std::string(KOP_CRDS_DIR) + "/application.yaml"));
    REQUIRE(crd.ok());
    const long code = c.http().Post(path, *crd).code;
    REQUIRE((code == 201 || code == 409));
  }
  REQUIRE(WaitFor([&] { return c.http().Get("/apis/example.com/v1").code == 200; }, std::chrono::seconds(30)));
}

// A client for the cluster, without client-side rate limiting.
inline std::unique_ptr<client::Client> UnthrottledClient(TestCluster& c) {
  absl::StatusOr<client::Config> config = client::ConfigFromKubeconfig(ReadFile(c.kubeconfig()));
  REQUIRE(config.ok());
  config->qps = 0;
  absl::StatusOr<std::unique_ptr<client::Client>> client = client::Client::Create(*config);
  REQUIRE(client.ok());
  return *std::move(client);
}

}  // namespace kop::test

#endif  // KOP_TEST_INTEGRATION_APPLICATION_HELPERS_H_
