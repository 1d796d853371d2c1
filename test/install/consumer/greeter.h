// Writes data.greeting into every ConfigMap labelled greet=yes.
#ifndef GREETER_H_
#define GREETER_H_

#include <memory>
#include <string>

#include "kop/manager/manager.h"

inline const kop::GroupVersionKind kConfigMap{"", "v1", "ConfigMap"};

class Greeter final : public kop::Reconciler {
 public:
  absl::StatusOr<kop::Result> Reconcile(const kop::Request& req, kop::ReconcileContext& ctx) override {
    absl::StatusOr<kop::client::ObjectPtr> cm = ctx.client.Get(kConfigMap, req.key);
    if (kop::IsNotFound(cm.status())) return kop::Result{};
    if (!cm.ok()) return cm.status();
    if ((*cm)->FindView({"metadata", "labels", "greet"}).get_string() != "yes") return kop::Result{};
    if ((*cm)->FindView({"data", "greeting"}).exists()) return kop::Result{};
    kop::Object updated = **cm;
    updated.mutable_json()["data"]["greeting"] = "hello, " + std::string(updated.name());
    absl::StatusOr<kop::Object> written = ctx.client.Update(updated);
    if (!written.ok() && !kop::IsConflict(written.status())) return written.status();
    return kop::Result{};
  }
};

inline absl::Status AddGreeter(kop::Manager& manager) {
  return kop::ControllerBuilder(manager).For(kConfigMap).Complete(std::make_unique<Greeter>()).status();
}

#endif  // GREETER_H_
