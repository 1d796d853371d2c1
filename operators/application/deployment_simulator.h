// Plays the Deployment controller's part where there is none: the embedded API server runs
// no kube-controller-manager and no kubelet, so nothing would ever report a Deployment's
// pods. The simulator reports every Deployment as fully rolled out (status.replicas,
// updatedReplicas, readyReplicas and availableReplicas equal to spec.replicas, and
// observedGeneration current). It runs only with --embedded-apiserver, and says so.
#ifndef KOP_OPERATORS_APPLICATION_DEPLOYMENT_SIMULATOR_H_
#define KOP_OPERATORS_APPLICATION_DEPLOYMENT_SIMULATOR_H_

#include "kop/api/object.h"
#include "kop/controller/reconciler.h"

namespace application {

// The status the Deployment controller would write once every replica is ready.
kop::Json RolledOutStatus(const kop::Object& deployment, absl::Time now);

class DeploymentSimulator final : public kop::Reconciler {
 public:
  absl::StatusOr<kop::Result> Reconcile(const kop::Request& request,
                                        kop::ReconcileContext& ctx) override;
};

}  // namespace application

#endif  // KOP_OPERATORS_APPLICATION_DEPLOYMENT_SIMULATOR_H_
