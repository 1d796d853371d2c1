#include "kop/metrics/server.h"

#include <exception>

#include "kop/base/net.h"
#include "kop/base/strings.h"
#include "prometheus/exposer.h"

namespace kop::metrics {

absl::StatusOr<std::string> ListenSpec(std::string_view address) {
  const size_t colon = address.rfind(':');
  if (colon == std::string_view::npos || colon + 1 == address.size()) {
    return absl::InvalidArgumentError(
        kop::StrCat("bind address \"", address, "\" has no port (want host:port or :port)"));
  }
  for (char c : address.substr(colon + 1)) {
    if (c < '0' || c > '9') {
      return absl::InvalidArgumentError(
          kop::StrCat("bind address \"", address, "\" has a non-numeric port"));
    }
  }
  if (colon == 0) return std::string(address.substr(1));
  return std::string(address);
}

absl::StatusOr<std::unique_ptr<MetricsServer>> MetricsServer::Start(std::string_view address,
                                                                     const MetricsRegistry& registry) {
  absl::StatusOr<std::string> spec = ListenSpec(address);
  if (!spec.ok()) return spec.status();
  std::unique_ptr<MetricsServer> server(new MetricsServer());
  try {
    server->exposer_ = std::make_unique<prometheus::Exposer>(*spec, 2);
  } catch (const std::exception& e) {
    return absl::UnavailableError(
        kop::StrCat("metrics server cannot listen on \"", address, "\": ", e.what()));
  }
  server->exposer_->RegisterCollectable(registry.collectable());
  const size_t colon = address.rfind(':');
  server->host_ = std::string(address.substr(0, colon));
  const std::vector<int> ports = server->exposer_->GetListeningPorts();
  if (!ports.empty()) server->port_ = ports.front();
  return server;
}

MetricsServer::~MetricsServer() {
  StopWhileWakingListener(host_, port_, [this] { exposer_.reset(); });
}

}  // namespace kop::metrics
