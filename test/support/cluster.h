// The cluster an integration test runs against: an embedded kop::testing::ApiServer by default,
// or the real cluster named by KOP_TEST_KUBECONFIG (like envtest's USE_EXISTING_CLUSTER).
//
// Each test gets its own namespace (and, for CRD tests, its own API group), removed when the
// fixture goes away, so tests can run against a shared real cluster.
#ifndef KOP_TEST_SUPPORT_CLUSTER_H_
#define KOP_TEST_SUPPORT_CLUSTER_H_

#include <memory>
#include <string>

#include "kop/api/json.h"
#include "kop/testing/apiserver.h"
#include "support/http_client.h"

namespace kop::test {

class TestCluster {
 public:
  // Starts an embedded server (with `options`) unless KOP_TEST_KUBECONFIG is set. Fails the
  // calling test when neither works.
  explicit TestCluster(kop::testing::ApiServerOptions options = {});
  ~TestCluster();

  // Null against a real cluster: tests of fault injection skip there.
  kop::testing::ApiServer* embedded() const { return server_.get(); }
  const HttpClient& http() const { return *http_; }
  // A kubeconfig file for this cluster.
  const std::string& kubeconfig() const { return kubeconfig_; }

  // A fresh namespace for this test, created on first use.
  const std::string& ns();
  // Another fresh namespace, removed with the fixture.
  std::string NewNamespace();
  // A unique lower-case name with the given prefix.
  static std::string UniqueName(const std::string& prefix);

  // Installs a namespaced CRD "<plural>.<unique group>" with a status subresource and waits
  // until it is Established. Returns the group.
  // `schema`: the openAPIV3Schema (null: any object, unknown fields preserved);
  // `printer_columns`: additionalPrinterColumns (null: none).
  std::string InstallCrd(const std::string& kind, const std::string& plural,
                         bool status_subresource = true, const Json& schema = nullptr,
                         const Json& printer_columns = nullptr);
  // The same with the CRD's spec.versions given whole; waits until `served_version` is served.
  std::string InstallCrdVersions(const std::string& kind, const std::string& plural, const Json& versions,
                                 const std::string& served_version);

 private:
  std::unique_ptr<kop::testing::ApiServer> server_;
  std::unique_ptr<HttpClient> http_;
  std::string kubeconfig_;
  std::string ns_;
  std::vector<std::string> extra_namespaces_;
  std::vector<std::string> crds_;
};

// Paths under the test's namespace: "/api/v1/namespaces/<ns>/configmaps".
std::string CorePath(const std::string& ns, const std::string& resource,
                     const std::string& name = "");
// "/apis/apps/v1/namespaces/<ns>/deployments".
std::string AppsPath(const std::string& ns, const std::string& resource, const std::string& name = "");

}  // namespace kop::test

#endif  // KOP_TEST_SUPPORT_CLUSTER_H_
