#include "controllers/greeting_controller.h"

#include "api/v1/greeting_types.h"
#include "kop/base/status_macros.h"
#include "kop/client/errors.h"
#include "kop/controller/predicate.h"
#include "kop/k8s/core/v1.h"
#include "kop/util/util.h"

namespace controllers {

using tutorial::v1::Greeting;
using ConfigMap = kop::k8s::core::v1::ConfigMap;

absl::StatusOr<kop::Result> GreetingReconciler::Reconcile(const kop::Request& req, kop::ReconcileContext& ctx) {
  // 1. Read the Greeting from the cache. Gone: its ConfigMap is garbage-collected.
  absl::StatusOr<Greeting> greeting = ctx.client.Get<Greeting>(req.key);
  if (kop::IsNotFound(greeting.status())) return kop::Result{};
  if (!greeting.ok()) return greeting.status();

  // 2. The ConfigMap it wants, created or updated, controlled by the Greeting.
  const std::string text = greeting->spec.message + ", " + greeting->spec.target + "!";
  ConfigMap cm;
  cm.metadata.name = req.key.name + "-greeting";
  cm.metadata.namespace_ = req.key.namespace_;
  KOP_RETURN_IF_ERROR(kop::util::CreateOrUpdate(ctx.client, cm, [&](ConfigMap& c) {
                        c.data = {{"greeting", text}};
                        return kop::util::SetControllerReference(*greeting, c);
                      }).status());

  // 3. Report what was done in the status (only when it changes).
  Greeting updated = *greeting;
  tutorial::v1::GreetingStatus& status = updated.status ? *updated.status : updated.status.emplace();
  status.observed_generation = greeting->metadata.generation;
  kop::SetCondition(status.conditions,
                    {.type = "Ready", .status = "True", .reason = "ConfigMapWritten", .message = text,
                     .observed_generation = greeting->metadata.generation.value_or(0)},
                    absl::Now());
  if (updated.status != greeting->status) {
    absl::StatusOr<Greeting> written = ctx.client.Status().Update(updated);
    if (kop::IsConflict(written.status())) return kop::Result{.requeue = true};
    if (!written.ok()) return written.status();
  }
  return kop::Result{};
}

absl::Status SetupGreetingController(kop::Manager& manager, const kop::OperatorContext& ctx) {
  return kop::ControllerBuilder(manager)
      .For<Greeting>({kop::predicate::GenerationChanged()})  // not woken by its own status writes
      .Owns<ConfigMap>()                                     // a changed or deleted ConfigMap is put back
      .WithOptions({.max_concurrent_reconciles = ctx.flags.max_concurrent_reconciles})
      .Complete(std::make_unique<GreetingReconciler>())
      .status();
}

}  // namespace controllers
