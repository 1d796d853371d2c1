// The application-operator's command line.
#ifndef KOP_OPERATORS_APPLICATION_OPTIONS_H_
#define KOP_OPERATORS_APPLICATION_OPTIONS_H_

#include <chrono>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "kop/log/logger.h"

namespace application {

struct Options {
  std::string kubeconfig;
  std::string context;
  std::vector<std::string> namespaces;  // empty: all
  std::string metrics_bind_address = ":8080";
  std::string health_probe_bind_address = ":8081";
  std::string grpc_health_bind_address = "0";
  bool leader_elect = false;
  std::string leader_election_id = "application-operator-leader";
  std::string leader_election_namespace;
  std::chrono::milliseconds lease_duration{std::chrono::seconds(15)};
  std::chrono::milliseconds renew_deadline{std::chrono::seconds(10)};
  std::chrono::milliseconds retry_period{std::chrono::seconds(2)};
  int max_concurrent_reconciles = 1;
  kop::log::Format log_format = kop::log::Format::kText;
  int verbosity = 0;
  std::chrono::milliseconds graceful_shutdown_timeout{std::chrono::seconds(30)};
  // Development: an embedded API server in the process.
  bool embedded_apiserver = false;
  std::string embedded_listen = "127.0.0.1:0";
  std::string embedded_kubeconfig;  // default: <tmp>/application-operator-kubeconfig-<pid>
  // Report Deployments as rolled out (no Deployment controller or kubelet): on by default
  // with the embedded server, off otherwise.
  std::optional<bool> simulate_deployments;
  bool help = false;
};

// Parses argv (kubectl style: --flag=value or --flag value; -v N; --namespace repeatable
// and comma-separated). InvalidArgument naming the flag on a mistake.
absl::StatusOr<Options> ParseOptions(const std::vector<std::string>& args);

// The --help text.
std::string Usage();

}  // namespace application

#endif  // KOP_OPERATORS_APPLICATION_OPTIONS_H_
