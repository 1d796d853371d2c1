// application-operator: the Application operator's process. See --help, and
// docs/configuration.md for every flag.
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <iostream>

#include "application_crd.h"
#include "application_reconciler.h"
#include "deployment_simulator.h"
#include "kop/api/yaml.h"
#include "kop/base/status_macros.h"
#include "kop/base/strings.h"
#include "kop/controller/predicate.h"
#include "kop/manager/manager.h"
#include "kop/testing/apiserver.h"
#include "options.h"

namespace {

using application::Options;

// Starts the embedded API server with the Application CRD and writes its kubeconfig.
absl::StatusOr<std::unique_ptr<kop::testing::ApiServer>> StartEmbedded(Options& o) {
  kop::testing::ApiServerOptions so;
  const size_t colon = o.embedded_listen.rfind(':');
  if (colon == std::string::npos) {
    return absl::InvalidArgumentError(
        kop::StrCat("--embedded-listen \"", o.embedded_listen, "\": want HOST:PORT"));
  }
  so.address = o.embedded_listen.substr(0, colon);
  so.port = std::atoi(o.embedded_listen.c_str() + colon + 1);
  KOP_ASSIGN_OR_RETURN(std::unique_ptr<kop::testing::ApiServer> server, kop::testing::ApiServer::Start(so));
  KOP_ASSIGN_OR_RETURN(kop::Json crd, kop::ParseYaml(application::kApplicationCrdYaml));
  KOP_ASSIGN_OR_RETURN(kop::Object crd_object, kop::Object::FromJson(std::move(crd)));
  KOP_RETURN_IF_ERROR(server->Create(crd_object).status());
  if (o.embedded_kubeconfig.empty()) {
    o.embedded_kubeconfig = (std::filesystem::temp_directory_path() /
                             kop::StrCat("application-operator-kubeconfig-", getpid()))
                                .string();
  }
  KOP_RETURN_IF_ERROR(server->WriteKubeconfig(o.embedded_kubeconfig));
  std::cout << "Embedded Kubernetes API server at " << server->url()
            << " (Application CRD installed)\n"
            << "Its kubeconfig: " << o.embedded_kubeconfig << "\n"
            << "    export KUBECONFIG=" << o.embedded_kubeconfig << "\n"
            << std::flush;
  return server;
}

absl::Status Run(Options o) {
  kop::log::Logger log = kop::log::Root().WithName("application-operator");
  std::unique_ptr<kop::testing::ApiServer> embedded;
  kop::ManagerOptions mo{
      .name = "application-operator",
      .kubeconfig = o.kubeconfig,
      .context = o.context,
      .namespaces = o.namespaces,
      .graceful_shutdown_timeout = o.graceful_shutdown_timeout,
      .metrics_bind_address = o.metrics_bind_address,
      .health_probe_bind_address = o.health_probe_bind_address,
      .grpc_health_bind_address = o.grpc_health_bind_address,
      .leader_election = o.leader_elect,
      .leader_election_id = o.leader_election_id,
      .leader_election_namespace = o.leader_election_namespace,
      .lease_duration = o.lease_duration,
      .renew_deadline = o.renew_deadline,
      .retry_period = o.retry_period,
  };
  if (o.embedded_apiserver) {
    KOP_ASSIGN_OR_RETURN(embedded, StartEmbedded(o));
    KOP_ASSIGN_OR_RETURN(mo.config, kop::client::ConfigFromKubeconfig(embedded->KubeconfigYaml()));
  }
  KOP_ASSIGN_OR_RETURN(std::unique_ptr<kop::Manager> manager, kop::Manager::Create(std::move(mo)));
  kop::util::EventRecorder& events = manager->EventRecorderFor("application-operator");
  KOP_RETURN_IF_ERROR(kop::ControllerBuilder(*manager)
                          .Named("application")
                          .For(application::kApplication, {kop::predicate::GenerationChanged()})
                          .Owns(application::kDeployment)
                          .Owns(application::kService)
                          .Owns(application::kConfigMap)
                          .WithOptions({.max_concurrent_reconciles = o.max_concurrent_reconciles})
                          .Complete(std::make_unique<application::ApplicationReconciler>(&events))
                          .status());
  if (o.simulate_deployments.value_or(embedded != nullptr)) {
    log.Info("simulating the Deployment controller and kubelet the API server lacks: every "
             "Deployment is reported rolled out (--simulate-deployments=false to stop)");
    KOP_RETURN_IF_ERROR(kop::ControllerBuilder(*manager)
                            .Named("deployment-simulator")
                            .For(application::kDeployment)
                            .Complete(std::make_unique<application::DeploymentSimulator>())
                            .status());
  }
  return manager->Run();
}

}  // namespace

int main(int argc, char** argv) {
  absl::StatusOr<Options> options = application::ParseOptions(std::vector<std::string>(argv + 1, argv + argc));
  if (!options.ok()) {
    std::cerr << "application-operator: " << options.status().message() << "\n";
    return 2;
  }
  if (options->help) {
    std::cout << application::Usage();
    return 0;
  }
  kop::log::Configure({.format = options->log_format, .verbosity = options->verbosity});
  absl::Status s = Run(*std::move(options));
  if (!s.ok()) {
    kop::log::Root().WithName("application-operator").Error(s, "exiting");
    return 1;
  }
  return 0;
}
