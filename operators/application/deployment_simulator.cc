#include "deployment_simulator.h"

#include "application_reconciler.h"
#include "kop/api/condition.h"
#include "kop/client/errors.h"
#include "kop/client/object_client.h"

namespace application {

kop::Json RolledOutStatus(const kop::Object& deployment, absl::Time now) {
  kop::Object scratch = deployment;
  const kop::Json* spec = deployment.spec();
  const int64_t replicas = spec != nullptr && spec->contains("replicas") && (*spec)["replicas"].is_number_integer()
                               ? (*spec)["replicas"].get<int64_t>()
                               : 1;
  kop::Json& status = scratch.mutable_json()["status"];
  if (!status.is_object()) status = kop::Json::object();
  status["observedGeneration"] = deployment.generation();
  status["replicas"] = replicas;
  status["updatedReplicas"] = replicas;
  status["readyReplicas"] = replicas;
  status["availableReplicas"] = replicas;
  (void)kop::SetStatusCondition(scratch,
                                {.type = "Available", .status = "True", .reason = "MinimumReplicasAvailable",
                                 .message = "Deployment has minimum availability."},
                                now);
  (void)kop::SetStatusCondition(scratch,
                                {.type = "Progressing", .status = "True", .reason = "NewReplicaSetAvailable",
                                 .message = "ReplicaSet has successfully progressed."},
                                now);
  // The Deployment controller's conditions carry no observedGeneration.
  for (kop::Json& c : scratch.mutable_json()["status"]["conditions"]) c.erase("observedGeneration");
  return scratch.json()["status"];
}

absl::StatusOr<kop::Result> DeploymentSimulator::Reconcile(const kop::Request& request,
                                                           kop::ReconcileContext& ctx) {
  absl::StatusOr<kop::client::ObjectPtr> got = ctx.client.Get(kDeployment, request.key);
  if (kop::IsNotFound(got.status())) return kop::Result{};
  if (!got.ok()) return got.status();
  const kop::Object& d = **got;
  kop::Json status = RolledOutStatus(d, absl::Now());
  if (d.status() != nullptr && *d.status() == status) return kop::Result{};
  kop::Object updated = d;
  updated.mutable_json()["status"] = status;
  absl::StatusOr<kop::Object> written = ctx.client.Status().Update(updated);
  if (!written.ok() && kop::IsConflict(written.status())) return kop::Result{.requeue = true};
  if (!written.ok() && !kop::IsNotFound(written.status())) return written.status();
  ctx.log.V(1).Info("simulated a rolled-out Deployment", "replicas", status["replicas"].get<int64_t>());
  return kop::Result{};
}

}  // namespace application
