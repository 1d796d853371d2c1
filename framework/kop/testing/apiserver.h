// kop/testing: an embedded Kubernetes API server for tests and local development.
//
// ApiServer speaks the Kubernetes REST API over HTTP on a loopback port: discovery, every verb
// on built-in resources and on the custom resources of the CRDs you create, list pagination,
// watches with resourceVersion resume, bookmarks and 410 Gone, the status subresource,
// generation and finalizers, and Kubernetes Status errors. It starts in milliseconds and
// needs nothing downloaded, so every test can have its own.
//
//   KOP_ASSIGN_OR_RETURN(auto server, kop::testing::ApiServer::Start());
//   KOP_RETURN_IF_ERROR(server->WriteKubeconfig("/tmp/kubeconfig"));
//   // point a client (or kubectl) at server->url() / the kubeconfig
//   server->CloseAllWatches();  // fault injection: every open watch ends
//
// It shares only the object model (kop/api) with kop's client, so the two cannot hide each
// other's mistakes. Where it differs from kube-apiserver, docs/testing.md says so.
//
// Thread-safe. The destructor stops the server, ending every open watch.
#ifndef KOP_TESTING_APISERVER_H_
#define KOP_TESTING_APISERVER_H_

#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "kop/api/object.h"
#include "kop/base/clock.h"

namespace kop::testing {

struct ApiServerOptions {
  std::string address = "127.0.0.1";
  int port = 0;  // 0: a free port
  size_t watch_history = 10000;  // changes kept for watches resuming from a resourceVersion
  size_t watch_buffer = 4096;    // events buffered per watch; a watch that falls further behind is closed
  std::chrono::milliseconds bookmark_interval = std::chrono::seconds(60);
  // A busy watch writes at most once per interval, batching the events in between (an idle
  // one sends its next event at once): fewer, larger writes keep fan-out cheap.
  std::chrono::milliseconds watch_flush_interval = std::chrono::milliseconds(5);
  std::chrono::seconds max_watch_duration = std::chrono::minutes(30);
  // Every *.yaml/*.yml/*.json manifest of a CustomResourceDefinition in this folder is
  // installed at start.
  std::string crds_dir;
  // HTTP worker threads: each serves one request or one open watch at a time.
  int threads = 1100;
  // Serve HTTPS with a freshly generated CA and serving certificate (for 127.0.0.1, localhost
  // and `address`); the kubeconfig carries the CA, so clients verify the server as they do a
  // real cluster's.
  bool tls = false;
  // Bearer token every API request must carry (401 otherwise); /healthz, /readyz, /livez and
  // /version stay open. Empty: with tls a random one is generated; without tls, no
  // authentication. The kubeconfig carries it.
  std::string token;
  // A static token file as kube-apiserver's --token-auth-file reads it: one
  // "token,user,uid[,\"group1,group2\"]" line per user. Every token in it is accepted (with
  // `token`, when set); the written kubeconfig carries `token`, or else the file's first.
  std::string token_auth_file;
  // Run the garbage collector kube-controller-manager runs: dependents of deleted owners are
  // deleted (background, foreground) or un-owned (orphan). Off, the server behaves as a
  // kube-apiserver alone: foreground and orphan deletions leave their finalizer in place.
  bool garbage_collector = true;
  // Keep every object in a SQLite database in this folder (created if needed), so that the
  // state survives restarts: each acknowledged write is durable, resource versions continue,
  // and watches resume from any resourceVersion still in the history window. Empty: memory only.
  std::string data_dir;
  // Serves POST /kop-admin/faults (fault injection over HTTP, for the kop-apiserver command).
  bool admin_api = false;
  const Clock* clock = nullptr;  // creation and deletion timestamps; null = real clock
};

// A request failure to inject: the next `count` requests whose verb and path match answer
// `code` with a Kubernetes Status (and `Retry-After` when set).
struct FailureRule {
  std::string verb;   // get, list, watch, create, update, patch, delete, deletecollection; "" = any
  std::string path;   // substring of the request path; "" = any
  int code = 500;     // 429, 500, 503, 504, ...
  int count = 1;
  int retry_after_seconds = 0;
};

class ApiServer {
 public:
  // Starts serving; returns once the server answers. Errors: the port is taken, a CRD
  // manifest in crds_dir is unreadable or invalid.
  static absl::StatusOr<std::unique_ptr<ApiServer>> Start(ApiServerOptions options = {});
  ~ApiServer();

  // "http://127.0.0.1:PORT", or https:// with tls.
  std::string url() const;
  // The CA certificate (PEM) that signed the serving certificate; empty without tls.
  std::string ca_pem() const;
  // The bearer token clients must send; empty when there is no authentication.
  std::string token() const;
  int port() const;
  // A kubeconfig for this server (cluster, user and context named "kop", namespace default).
  std::string KubeconfigYaml() const;
  absl::Status WriteKubeconfig(const std::string& path) const;

  // Creates an object (a CRD, a namespace, ...) as a POST would; errors as the API answers.
  absl::StatusOr<Object> Create(const Object& obj);

  // Serves one request as if it had come over HTTP, without a connection: the method, the
  // target ("/api/v1/namespaces/default/configmaps?limit=5"), headers (Content-Type, Accept,
  // Authorization, User-Agent) and body. For fuzzing the request handling; a watch is
  // answered 400.
  struct RawResponse {
    int code = 0;
    std::string body;
  };
  RawResponse ServeWithoutHttp(const std::string& method, const std::string& target,
                               const std::map<std::string, std::string>& headers, const std::string& body);

  // The newest resourceVersion, and the number of open watches.
  uint64_t ResourceVersion() const;
  size_t OpenWatches() const;

  // ---- fault injection (never available against a real cluster) ----
  // Ends every open watch cleanly; clients re-watch.
  void CloseAllWatches();
  // Forgets the watch history: watches resuming from an older resourceVersion get 410.
  void CompactHistory();
  // Every open watch's next event is cut in the middle and its connection closed.
  void CutWatchStreams();
  // Watches stop sending (their buffers fill until they overflow and close) until released.
  void StallWatchStreams(bool stalled);
  void FailRequests(FailureRule rule);
  // Delays every request by `latency` before it is served.
  void SetLatency(std::chrono::milliseconds latency);
  // Removes failure rules, latency and stalls.
  void ClearFaults();

  class Impl;

 private:
  Json ClusterEntry() const;
  explicit ApiServer(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace kop::testing

#endif  // KOP_TESTING_APISERVER_H_
