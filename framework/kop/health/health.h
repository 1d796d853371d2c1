// kop/health: liveness and readiness, for kubelet's HTTP and native gRPC probes.
//
// Checks are named functions returning a status. The HTTP server answers kube-apiserver's
// way: GET /healthz (and its alias /livez) and /readyz run every check and answer 200 "ok"
// or 503 listing each check ("[+]ping ok", "[-]informers-synced failed: reason withheld");
// `?verbose` lists them on success too; `?exclude=<name>` skips one; /readyz/<name> runs
// one. The gRPC server is the standard grpc.health.v1.Health service (Check and Watch):
// service "" mirrors readiness, and turns NOT_SERVING for good when shutdown begins.
//
//   kop::health::Checks checks;
//   checks.AddReadyzCheck("database", [] { return db.Ping(); });
//   KOP_ASSIGN_OR_RETURN(auto server, kop::health::HealthServer::Start(
//       {.http_address = ":8081", .grpc_address = ":8082"}, checks));
//   ...
//   server->SetShuttingDown();  // readyz fails and gRPC says NOT_SERVING from now on
#ifndef KOP_HEALTH_HEALTH_H_
#define KOP_HEALTH_HEALTH_H_

#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "kop/base/mutex.h"

namespace kop::health {

using Check = std::function<absl::Status()>;

// Named checks. Thread-safe; checks may be added at any time.
class Checks {
 public:
  Checks();
  // Liveness: failing restarts the pod. "ping" (always ok) is there from the start.
  void AddHealthzCheck(std::string name, Check check);
  // Readiness: failing takes the pod out of service endpoints (and, in kop, out of the
  // gRPC SERVING state). "shutdown" is there from the start and fails after SetShuttingDown.
  void AddReadyzCheck(std::string name, Check check);
  void SetShuttingDown();
  bool shutting_down() const;

  struct Result {
    std::string name;
    absl::Status status;
  };
  enum class Kind { kHealthz, kReadyz };
  // Runs the checks of `kind` (minus the excluded names), in the order they were added.
  std::vector<Result> Run(Kind kind, const std::vector<std::string>& exclude = {}) const;
  // Runs one check; NotFound when there is none by that name.
  absl::Status RunOne(Kind kind, std::string_view name) const;
  // Whether every readyz check passes.
  bool Ready() const;

 private:
  struct Named {
    std::string name;
    Check check;
  };
  std::vector<Named> Snapshot(Kind kind) const;

  mutable kop::Mutex mu_;
  std::vector<Named> healthz_ ABSL_GUARDED_BY(mu_);
  std::vector<Named> readyz_ ABSL_GUARDED_BY(mu_);
  bool shutting_down_ ABSL_GUARDED_BY(mu_) = false;
};

struct HealthServerOptions {
  // HTTP probes: ":8081", "127.0.0.1:0", ...; "" or "0" disables.
  std::string http_address = ":8081";
  // grpc.health.v1.Health: e.g. ":8082"; "" or "0" (the default) disables.
  std::string grpc_address;
  // How often readiness is re-evaluated for the gRPC service (Refresh forces it).
  std::chrono::milliseconds grpc_refresh_period{std::chrono::seconds(1)};
};

// Thread-safe.
class HealthServer {
 public:
  // `checks` must outlive the server.
  static absl::StatusOr<std::unique_ptr<HealthServer>> Start(HealthServerOptions options,
                                                             Checks& checks);
  ~HealthServer();

  int http_port() const;
  int grpc_port() const;
  // Re-evaluates readiness for gRPC now (e.g. right after the caches synced).
  void Refresh();
  // Readiness fails from now on, and the gRPC service turns NOT_SERVING, at once.
  void SetShuttingDown();

 private:
  class Impl;
  explicit HealthServer(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace kop::health

#endif  // KOP_HEALTH_HEALTH_H_
