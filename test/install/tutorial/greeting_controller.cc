#include "controllers/greeting_controller.h"

#include "api/v1/greeting_types.h"
#include "kop/api/condition.h"
#include "kop/base/status_macros.h"
#include "kop/client/errors.h"
#include "kop/controller/predicate.h"
#include "kop/util/util.h"

namespace controllers {

using tutorial::v1::kGreeting;

absl::StatusOr<kop::Result> GreetingReconciler::Reconcile(const kop::Request& req, kop::ReconcileContext& ctx) {
  // 1. Read the Greeting from the cache. Gone: its ConfigMap is garbage-collected.
  absl::StatusOr<kop::client::ObjectPtr> got = ctx.client.Get(kGreeting, req.key);
  if (kop::IsNotFound(got.status())) return kop::Result{};
  if (!got.ok()) return got.status();
  const kop::Object greeting = **got;  // a copy of the cached snapshot, to read as a tree

  // 2. The ConfigMap it wants, created or updated, controlled by the Greeting.
  const std::string text = greeting.GetString({"spec", "message"}).value_or("Hello") + ", " +
                           greeting.GetString({"spec", "target"}).value_or("world") + "!";
  kop::Object cm = kop::Object::New({"", "v1", "ConfigMap"}, {req.key.namespace_, req.key.name + "-greeting"});
  KOP_RETURN_IF_ERROR(kop::util::CreateOrUpdate(ctx.client, cm, [&](kop::Object& obj) -> absl::Status {
                        obj.mutable_json()["data"] = {{"greeting", text}};
                        return kop::util::SetControllerReference(greeting, obj);
                      }).status());

  // 3. Report what was done in the status (only when it changes).
  kop::Object updated = greeting;
  updated.mutable_status()["observedGeneration"] = greeting.generation();
  KOP_ASSIGN_OR_RETURN(bool changed,
                       kop::SetStatusCondition(updated,
                                               {.type = "Ready", .status = "True", .reason = "ConfigMapWritten",
                                                .message = text, .observed_generation = greeting.generation()},
                                               absl::Now()));
  if (changed || greeting.status() == nullptr || *greeting.status() != *updated.status()) {
    absl::StatusOr<kop::Object> written = ctx.client.Status().Update(updated);
    if (kop::IsConflict(written.status())) return kop::Result{.requeue = true};
    if (!written.ok()) return written.status();
  }
  return kop::Result{};
}

absl::Status SetupGreetingController(kop::Manager& manager, const kop::OperatorContext& ctx) {
  return kop::ControllerBuilder(manager)
      .For(kGreeting, {kop::predicate::GenerationChanged()})  // not woken by its own status writes
      .Owns({"", "v1", "ConfigMap"})                          // a changed or deleted ConfigMap is put back
      .WithOptions({.max_concurrent_reconciles = ctx.flags.max_concurrent_reconciles})
      .Complete(std::make_unique<GreetingReconciler>())
      .status();
}

}  // namespace controllers
