// kop/client/config: where the API server is and how to authenticate to it.
//
// Loading follows kubectl's rules: an explicit kubeconfig path, else $KUBECONFIG (a
// colon-separated list of files merged so that the first file to define a cluster, user,
// context or current-context wins), else ~/.kube/config; else, inside a pod, the in-cluster
// service-account configuration.
//
//   KOP_ASSIGN_OR_RETURN(kop::client::Config config, kop::client::LoadConfig({.context = "prod"}));
//
// Errors name the file, the context and the field: `kubeconfig /root/.kube/config: context
// "prod": no user "admin"`.
#ifndef KOP_CLIENT_CONFIG_H_
#define KOP_CLIENT_CONFIG_H_

#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"

namespace kop::client {

// A client.authentication.k8s.io exec credential plugin (users[].user.exec).
struct ExecConfig {
  std::string api_version;  // client.authentication.k8s.io/v1 or v1beta1
  std::string command;
  std::vector<std::string> args;
  std::vector<std::pair<std::string, std::string>> env;
  bool provide_cluster_info = false;
  std::string install_hint;
};

// Observes every HTTP exchange a transport makes (each attempt, retries included), for
// client-go's rest_client_* metrics. Called on the transport's thread: keep it cheap.
class RequestMetrics {
 public:
  virtual ~RequestMetrics() = default;
  // `code`: the HTTP status as text, or "<error>" when no answer came. `host`: host:port of
  // the server. `seconds`: the exchange's duration; for watch streams, until the end.
  virtual void Observe(std::string_view method, std::string_view code, std::string_view host,
                       double seconds) = 0;
};

struct Config {
  std::string server;  // https://host:port (or http:// for local development)
  // TLS: PEM CA bundle (empty: the system's), whether to skip verification (never the
  // default), and the name to verify the server certificate against.
  std::string ca_pem;
  bool insecure_skip_tls_verify = false;
  std::string tls_server_name;
  // Client certificate authentication (PEM).
  std::string client_cert_pem;
  std::string client_key_pem;
  // Bearer token, or a file holding one that is re-read when it changes (bound
  // service-account tokens rotate).
  std::string token;
  std::string token_file;
  std::string username;
  std::string password;
  std::optional<ExecConfig> exec;

  std::string namespace_ = "default";  // the context's namespace
  // Client-side rate limit, a token bucket; qps <= 0 disables it (client-go: 5 and 10).
  double qps = 5;
  int burst = 10;
  // Discovery requests (HttpRequest::kDiscovery) draw from their own bucket, as client-go's
  // discovery client and kubectl do (50 and 300): a cold start reads one document per group
  // version, and those reads must not queue behind, or starve, the client's own requests.
  double discovery_qps = 50;
  int discovery_burst = 300;
  std::chrono::milliseconds timeout{std::chrono::seconds(30)};  // per request; not watches
  std::chrono::milliseconds connect_timeout{std::chrono::seconds(10)};
  std::string user_agent;  // default "kop/<version>"; operators add "(<name>)"

  // Null: no request metrics.
  std::shared_ptr<RequestMetrics> request_metrics;

  // Where this came from, for messages: "kubeconfig /path, context \"x\"" or "in-cluster".
  std::string source;
};

struct KubeconfigOptions {
  std::string path;     // explicit file (--kubeconfig); empty: $KUBECONFIG, then ~/.kube/config
  std::string context;  // empty: the current context
};

// Loads a kubeconfig as kubectl does (see the header comment).
absl::StatusOr<Config> LoadKubeconfig(const KubeconfigOptions& options = {});

// Parses kubeconfig text; `source` names it in errors ("kubeconfig <source>: ...") and
// relative file references resolve against `base_dir`.
absl::StatusOr<Config> ConfigFromKubeconfig(std::string_view yaml, std::string_view context = "",
                                            std::string_view source = "(in memory)",
                                            std::string_view base_dir = "");

struct InClusterOptions {
  std::string token_path = "/var/run/secrets/kubernetes.io/serviceaccount/token";
  std::string ca_path = "/var/run/secrets/kubernetes.io/serviceaccount/ca.crt";
  std::string namespace_path = "/var/run/secrets/kubernetes.io/serviceaccount/namespace";
  // Empty: $KUBERNETES_SERVICE_HOST and $KUBERNETES_SERVICE_PORT.
  std::string host;
  std::string port;
};

// The configuration of a pod's service account. NotFound when not running in a cluster.
absl::StatusOr<Config> InClusterConfig(const InClusterOptions& options = {});

// kubectl's order: an explicit kubeconfig, $KUBECONFIG, ~/.kube/config, then in-cluster.
absl::StatusOr<Config> LoadConfig(const KubeconfigOptions& options = {});

}  // namespace kop::client

#endif  // KOP_CLIENT_CONFIG_H_
