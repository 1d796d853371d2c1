// kop/metrics/server: serves a MetricsRegistry at /metrics over HTTP.
//
//   KOP_ASSIGN_OR_RETURN(auto server, kop::metrics::MetricsServer::Start(":8080", registry));
//   server->port();  // the bound port (useful with ":0")
#ifndef KOP_METRICS_SERVER_H_
#define KOP_METRICS_SERVER_H_

#include <memory>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"
#include "kop/metrics/metrics.h"

namespace prometheus {
class Exposer;
}

namespace kop::metrics {

// Turns Go-style bind addresses into civetweb's: ":8080" -> "8080" (every interface),
// "127.0.0.1:0" stays. InvalidArgument for anything without a port.
absl::StatusOr<std::string> ListenSpec(std::string_view address);

class MetricsServer {
 public:
  // `address`: ":8080", "127.0.0.1:0", ... The registry must outlive the server.
  static absl::StatusOr<std::unique_ptr<MetricsServer>> Start(std::string_view address,
                                                               const MetricsRegistry& registry);
  ~MetricsServer();
  int port() const { return port_; }

 private:
  MetricsServer() = default;
  std::unique_ptr<prometheus::Exposer> exposer_;
  std::string host_;
  int port_ = 0;
};

}  // namespace kop::metrics

#endif  // KOP_METRICS_SERVER_H_
