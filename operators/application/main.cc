// application-operator: the Application operator's process, on kop's operator skeleton
// (kop::OperatorMain: the standard flags, logging, the Manager, signals). See --help, and
// docs/configuration.md for every flag.
//
// Built twice from this file: application-operator (production: no embedded-server code) and
// application-operator-dev (KOP_APPLICATION_DEV_MODE: adds --embedded-apiserver).
#include <memory>
#include <optional>

#include "application_crd.h"
#include "application_reconciler.h"
#include "deployment_simulator.h"
#include "kop/base/status_macros.h"
#include "kop/controller/predicate.h"
#include "kop/manager/operator_main.h"
#if KOP_APPLICATION_DEV_MODE
#include "kop/devmode/dev_mode.h"
#endif

int main(int argc, char** argv) {
  std::optional<bool> simulate_deployments;
  kop::OperatorSpec spec{
      .name = "application-operator",
      .description = "runs Applications (example.com/v1) as a ConfigMap, a Deployment and a Service.",
      .add_flags =
          [&](kop::FlagSet& flags) {
            flags.Section("Simulation");
            flags.OptionalBool("simulate-deployments", &simulate_deployments,
                               "report every Deployment as rolled out, playing the Deployment controller and "
                               "kubelet a bare API server lacks (default: on with --embedded-apiserver, off "
                               "otherwise; never use it on a real cluster)");
          },
      .setup = [&](kop::Manager& manager, const kop::OperatorContext& ctx) -> absl::Status {
        kop::util::EventRecorder& events = manager.EventRecorderFor("application-operator");
        KOP_RETURN_IF_ERROR(kop::ControllerBuilder(manager)
                                .Named("application")
                                .For(application::kApplication, {kop::predicate::GenerationChanged()})
                                .Owns(application::kDeployment)
                                .Owns(application::kService)
                                .Owns(application::kConfigMap)
                                .WithOptions({.max_concurrent_reconciles = ctx.flags.max_concurrent_reconciles})
                                .Complete(std::make_unique<application::ApplicationReconciler>(&events))
                                .status());
        if (simulate_deployments.value_or(ctx.development)) {
          manager.log().Info(
              "simulating the Deployment controller and kubelet the API server lacks: every Deployment is "
              "reported rolled out (--simulate-deployments=false to stop)");
          KOP_RETURN_IF_ERROR(kop::ControllerBuilder(manager)
                                  .Named("deployment-simulator")
                                  .For(application::kDeployment)
                                  .Complete(std::make_unique<application::DeploymentSimulator>())
                                  .status());
        }
        return absl::OkStatus();
      },
  };
#if KOP_APPLICATION_DEV_MODE
  spec.dev_mode = kop::devmode::EmbeddedApiServer({application::kApplicationCrdYaml});
#endif
  return kop::OperatorMain(argc, argv, std::move(spec));
}
