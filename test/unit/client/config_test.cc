#include "kop/client/config.h"

#include <cstdlib>
#include <filesystem>
#include <fstream>

#include "absl/strings/escaping.h"
#include "catch2/catch.hpp"

namespace kop::client {
namespace {

namespace fs = std::filesystem;

// A scratch folder removed at the end of the test.
struct TempDir {
  TempDir() {
    char tmpl[] = "/tmp/kop-config-test-XXXXXX";
    path = mkdtemp(tmpl);
  }
  ~TempDir() { fs::remove_all(path); }
  std::string Write(const std::string& name, const std::string& content) const {
    const std::string p = path + "/" + name;
    std::ofstream(p) << content;
    return p;
  }
  std::string path;
};

// Sets an environment variable for the scope of a test.
struct EnvVar {
  EnvVar(const char* name, const std::string& value) : name(name) {
    if (const char* old = std::getenv(name)) saved = old;
    setenv(name, value.c_str(), 1);
  }
  ~EnvVar() {
    if (saved) {
      setenv(name, saved->c_str(), 1);
    } else {
      unsetenv(name);
    }
  }
  const char* name;
  std::optional<std::string> saved;
};

constexpr const char* kConfig = R"(
apiVersion: v1
kind: Config
current-context: dev
clusters:
- name: dev-cluster
  cluster:
    server: https://dev.example.com:6443/
    certificate-authority-data: Q0EtUEVN
- name: prod-cluster
  cluster:
    server: https://prod.example.com
    insecure-skip-tls-verify: true
    tls-server-name: api.prod
contexts:
- name: dev
  context: {cluster: dev-cluster, user: dev-user, namespace: team-a}
- name: prod
  context: {cluster: prod-cluster, user: prod-user}
- name: broken
  context: {cluster: dev-cluster, user: nobody}
users:
- name: dev-user
  user: {token: dev-token}
- name: prod-user
  user:
    client-certificate-data: Q0VSVA==
    client-key-data: S0VZ
)";

TEST_CASE("the current context's cluster, user and namespace are loaded") {
  auto c = ConfigFromKubeconfig(kConfig);
  REQUIRE(c.ok());
  CHECK(c->server == "https://dev.example.com:6443");
  CHECK(c->ca_pem == "CA-PEM");
  CHECK(c->token == "dev-token");
  CHECK(c->namespace_ == "team-a");
  CHECK_FALSE(c->insecure_skip_tls_verify);
}

TEST_CASE("a named context is used instead of the current one") {
  auto c = ConfigFromKubeconfig(kConfig, "prod");
  REQUIRE(c.ok());
  CHECK(c->server == "https://prod.example.com");
  CHECK(c->insecure_skip_tls_verify);
  CHECK(c->tls_server_name == "api.prod");
  CHECK(c->client_cert_pem == "CERT");
  CHECK(c->client_key_pem == "KEY");
  CHECK(c->namespace_ == "default");
}

TEST_CASE("errors name the file, the context and what is missing") {
  auto missing_user = ConfigFromKubeconfig(kConfig, "broken", "/x/config");
  REQUIRE_FALSE(missing_user.ok());
  CHECK(missing_user.status().message() ==
        "kubeconfig /x/config: context \"broken\": no user \"nobody\"");
  auto missing_context = ConfigFromKubeconfig(kConfig, "staging", "/x/config");
  CHECK(missing_context.status().message() == "kubeconfig /x/config: no context \"staging\"");
  CHECK_FALSE(ConfigFromKubeconfig("clusters: [", "", "/x").ok());
  auto no_server = ConfigFromKubeconfig(R"(
current-context: c
contexts: [{name: c, context: {cluster: k}}]
clusters: [{name: k, cluster: {}}]
)");
  CHECK(no_server.status().message().find("no server") != std::string_view::npos);
  auto bad_scheme = ConfigFromKubeconfig(R"(
current-context: c
contexts: [{name: c, context: {cluster: k}}]
clusters: [{name: k, cluster: {server: "ftp://x"}}]
)");
  CHECK(bad_scheme.status().message().find("https://") != std::string_view::npos);
  auto bad_base64 = ConfigFromKubeconfig(R"(
current-context: c
contexts: [{name: c, context: {cluster: k}}]
clusters: [{name: k, cluster: {server: "https://x", certificate-authority-data: "%%%"}}]
)");
  CHECK(bad_base64.status().message().find("base64") != std::string_view::npos);
  auto half_cert = ConfigFromKubeconfig(R"(
current-context: c
contexts: [{name: c, context: {cluster: k, user: u}}]
clusters: [{name: k, cluster: {server: "https://x"}}]
users: [{name: u, user: {client-certificate-data: Q0VSVA==}}]
)");
  CHECK(half_cert.status().message().find("needs its key") != std::string_view::npos);
}

TEST_CASE("file references are read relative to the kubeconfig") {
  TempDir dir;
  dir.Write("ca.crt", "FILE-CA");
  dir.Write("token", "file-token\n");
  const std::string path = dir.Write("config", R"(
current-context: c
contexts: [{name: c, context: {cluster: k, user: u}}]
clusters: [{name: k, cluster: {server: "https://x", certificate-authority: ca.crt}}]
users: [{name: u, user: {tokenFile: token}}]
)");
  auto c = LoadKubeconfig({.path = path});
  REQUIRE(c.ok());
  CHECK(c->ca_pem == "FILE-CA");
  CHECK(c->token_file == dir.path + "/token");
  auto missing = LoadKubeconfig({.path = dir.path + "/nope"});
  CHECK(missing.status().message() == "kubeconfig " + dir.path + "/nope: no such file");
}

TEST_CASE("KUBECONFIG merges files, the first to define a name or current-context wins") {
  TempDir dir;
  const std::string a = dir.Write("a", R"(
current-context: from-a
contexts: [{name: from-a, context: {cluster: shared, user: ua}}]
clusters: [{name: shared, cluster: {server: "https://a.example.com"}}]
users: [{name: ua, user: {token: token-a}}]
)");
  const std::string b = dir.Write("b", R"(
current-context: from-b
contexts: [{name: from-b, context: {cluster: only-b, user: ub}}]
clusters:
- {name: shared, cluster: {server: "https://b-loses.example.com"}}
- {name: only-b, cluster: {server: "https://b.example.com"}}
users: [{name: ub, user: {token: token-b}}]
)");
  EnvVar env("KUBECONFIG", a + ":" + dir.path + "/missing:" + b);
  auto current = LoadKubeconfig();
  REQUIRE(current.ok());
  CHECK(current->server == "https://a.example.com");
  CHECK(current->token == "token-a");
  auto other = LoadKubeconfig({.context = "from-b"});
  REQUIRE(other.ok());
  CHECK(other->server == "https://b.example.com");
  CHECK(other->token == "token-b");
}

TEST_CASE("exec plugins are read with their arguments and environment") {
  auto c = ConfigFromKubeconfig(R"(
current-context: c
contexts: [{name: c, context: {cluster: k, user: u}}]
clusters: [{name: k, cluster: {server: "https://x"}}]
users:
- name: u
  user:
    exec:
      apiVersion: client.authentication.k8s.io/v1
      command: get-token
      args: [--cluster, x]
      env: [{name: REGION, value: eu}]
      provideClusterInfo: true
)");
  REQUIRE(c.ok());
  REQUIRE(c->exec.has_value());
  CHECK(c->exec->command == "get-token");
  CHECK(c->exec->args == std::vector<std::string>{"--cluster", "x"});
  CHECK(c->exec->env[0] == std::pair<std::string, std::string>{"REGION", "eu"});
  CHECK(c->exec->provide_cluster_info);
  auto bad = ConfigFromKubeconfig(R"(
current-context: c
contexts: [{name: c, context: {cluster: k, user: u}}]
clusters: [{name: k, cluster: {server: "https://x"}}]
users: [{name: u, user: {exec: {apiVersion: client.authentication.k8s.io/v2, command: x}}}]
)");
  CHECK(bad.status().message().find("client.authentication.k8s.io/v2") != std::string_view::npos);
}

TEST_CASE("in-cluster configuration comes from the service account and environment") {
  TempDir dir;
  InClusterOptions o{.token_path = dir.Write("token", "sa-token"),
                     .ca_path = dir.Write("ca.crt", "SA-CA"),
                     .namespace_path = dir.Write("namespace", "operators\n"),
                     .host = "10.0.0.1",
                     .port = "443"};
  auto c = InClusterConfig(o);
  REQUIRE(c.ok());
  CHECK(c->server == "https://10.0.0.1:443");
  CHECK(c->ca_pem == "SA-CA");
  CHECK(c->token_file == o.token_path);
  CHECK(c->namespace_ == "operators");
  o.host = "fd00::1";
  CHECK(InClusterConfig(o)->server == "https://[fd00::1]:443");
  InClusterOptions outside{.host = "", .port = ""};
  EnvVar host("KUBERNETES_SERVICE_HOST", "");
  CHECK(absl::IsNotFound(InClusterConfig(outside).status()));
}

}  // namespace
}  // namespace kop::client
