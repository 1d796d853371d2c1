// kop/testkit/environment: what a user's integration tests run against, with no test
// framework assumed (every call returns a Status): kop's embedded API server started in the
// test's process, or the real cluster named by KOP_TEST_KUBECONFIG (one switch, as envtest's
// USE_EXISTING_CLUSTER), so a test that passes here runs unchanged against a cluster.
//
//   KOP_ASSIGN_OR_RETURN(auto env, kop::testkit::Environment::Start({.crd_paths = {"crds"}}));
//   KOP_ASSIGN_OR_RETURN(std::string ns, env->CreateNamespace());         // removed at the end
//   KOP_ASSIGN_OR_RETURN(auto manager, kop::Manager::Create(env->ManagerOptionsFor("my-operator")));
//   ... register controllers ...
//   KOP_ASSIGN_OR_RETURN(auto running, kop::testkit::BackgroundManager::Start(std::move(manager)));
//   KOP_RETURN_IF_ERROR(env->client().Create(my_object).status());
//   bool ready = kop::testkit::Eventually([&] { return IsReady(env->client(), key); });
//
// The environment's clients have no client-side rate limit. Namespaces it created are
// deleted, and CRDs it installed on a real cluster removed, when it is destroyed.
#ifndef KOP_TESTKIT_ENVIRONMENT_H_
#define KOP_TESTKIT_ENVIRONMENT_H_

#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <stop_token>
#include <string>
#include <thread>
#include <vector>

#include "absl/status/statusor.h"
#include "kop/client/client.h"
#include "kop/manager/manager.h"
#include "kop/testing/apiserver.h"

namespace kop::testkit {

struct EnvironmentOptions {
  // CRD manifests to install at start: YAML or JSON files, or folders of them (*.yaml,
  // *.yml, *.json; several documents per file allowed). Start waits until each is served.
  std::vector<std::string> crd_paths;
  // Null: KOP_TEST_KUBECONFIG decides (set and not empty: that cluster). True: that cluster
  // (an error when KOP_TEST_KUBECONFIG is unset); false: always the embedded server.
  std::optional<bool> use_existing_cluster;
  // The embedded server's options.
  testing::ApiServerOptions server;
  // How long a CRD may take to be served.
  std::chrono::milliseconds crd_timeout{std::chrono::seconds(30)};
};

class Environment {
 public:
  static absl::StatusOr<std::unique_ptr<Environment>> Start(EnvironmentOptions options = {});
  ~Environment();

  // The embedded server (null against a real cluster: tests of fault injection skip there).
  testing::ApiServer* embedded() const { return server_.get(); }
  bool existing_cluster() const { return server_ == nullptr; }
  // How to reach it: no client-side rate limit.
  const client::Config& config() const { return config_; }
  // A kubeconfig file for it (for kubectl, or a process under test).
  const std::string& kubeconfig_path() const { return kubeconfig_path_; }
  client::Client& client() { return *client_; }
  // ManagerOptions aimed at this environment, with the servers a test does not need off.
  ManagerOptions ManagerOptionsFor(std::string name) const;

  // A new namespace "<prefix>-<unique>", deleted with the environment.
  absl::StatusOr<std::string> CreateNamespace(const std::string& prefix = "test");
  // Installs the CRDs of a file or folder and waits until they are served.
  absl::Status InstallCrds(const std::string& path);

 private:
  Environment() = default;
  absl::Status InstallCrd(Object crd);

  std::unique_ptr<testing::ApiServer> server_;
  client::Config config_;
  std::string kubeconfig_path_;
  bool own_kubeconfig_ = false;
  std::unique_ptr<client::Client> client_;
  std::chrono::milliseconds crd_timeout_{0};
  std::vector<std::string> namespaces_;
  std::vector<std::string> installed_crds_;  // on a real cluster: removed at the end
};

// Runs a Manager on a thread of its own until destroyed (or Stop). Start returns once the
// caches synced and the controllers started, or the manager's error when it could not start.
class BackgroundManager {
 public:
  static absl::StatusOr<std::unique_ptr<BackgroundManager>> Start(
      std::unique_ptr<Manager> manager, std::chrono::milliseconds timeout = std::chrono::seconds(60));
  ~BackgroundManager();

  Manager& manager() { return *manager_; }
  // Stops the manager (graceful shutdown) and returns what Start returned.
  absl::Status Stop();

 private:
  BackgroundManager() = default;
  std::unique_ptr<Manager> manager_;
  std::stop_source stop_;
  std::jthread thread_;
  absl::Status result_;  // written by the thread, read after it is joined
  bool stopped_ = false;
};

// Polls `condition` every `interval` until it holds (true) or `timeout` passes (false).
bool Eventually(const std::function<bool()>& condition, std::chrono::milliseconds timeout = std::chrono::seconds(10),
                std::chrono::milliseconds interval = std::chrono::milliseconds(10));
// The same for a check that explains itself: OK once `check` is OK; else, at the deadline,
// DeadlineExceeded carrying the last error.
absl::Status EventuallyOk(const std::function<absl::Status()>& check,
                          std::chrono::milliseconds timeout = std::chrono::seconds(10),
                          std::chrono::milliseconds interval = std::chrono::milliseconds(10));

}  // namespace kop::testkit

#endif  // KOP_TESTKIT_ENVIRONMENT_H_
