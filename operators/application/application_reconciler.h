// The Application operator's reconciler: an Application (example.com/v1) becomes a
// ConfigMap "<name>-config" (spec.config), a Deployment "<name>" (spec.image, replicas,
// port, env, resources; the pod template carries a hash of the config, so a config change
// rolls the pods) and a Service "<name>" (spec.port, spec.serviceType), each controlled by
// the Application. Status follows the Deployment.
//
// Write strategy: create-or-update against the cache. Each owned object is read from the
// manager's cache; when it is missing it is created, otherwise only the fields the operator
// owns are set on a copy, and it is updated when that changed anything. Fields the API
// server or other controllers fill in (a Service's clusterIP and nodePorts, defaults in the
// pod template) are left alone, so a steady state writes nothing. A conflict (someone wrote
// in between) or an AlreadyExists (the cache had not seen our create yet) requeues the key, as
// does a cached Application that is no longer the live one (checked before creating).
#ifndef KOP_OPERATORS_APPLICATION_APPLICATION_RECONCILER_H_
#define KOP_OPERATORS_APPLICATION_APPLICATION_RECONCILER_H_

#include <string>
#include <vector>

#include "kop/api/group_version.h"
#include "kop/api/object.h"
#include "kop/controller/reconciler.h"
#include "kop/util/event_recorder.h"

namespace application {

inline const kop::GroupVersionKind kApplication{"example.com", "v1", "Application"};
inline const kop::GroupVersionKind kDeployment{"apps", "v1", "Deployment"};
inline const kop::GroupVersionKind kService{"", "v1", "Service"};
inline const kop::GroupVersionKind kConfigMap{"", "v1", "ConfigMap"};

// The pod template annotation holding the config hash.
inline constexpr char kConfigHashAnnotation[] = "example.com/config-hash";
inline constexpr char kNameLabel[] = "app.kubernetes.io/name";
inline constexpr char kManagedByLabel[] = "app.kubernetes.io/managed-by";
inline constexpr char kManagedBy[] = "application-operator";

// The most a ConfigMap (and so spec.config) holds, as the API server enforces.
inline constexpr size_t kMaxConfigBytes = 1024 * 1024;

// What is wrong with an Application's spec beyond what its CRD schema checks (or
// everything, where the CRD was installed without one), and names that cannot name its
// objects; empty when it is usable. Each problem names its field.
std::vector<std::string> ValidateSpec(const kop::Object& app);

// A stable hash (FNV-1a, hex) of the config data: keys and values in key order.
std::string ConfigHash(const kop::Json& config);

// The owned objects as the operator wants them: applied onto `current` (a copy of the live
// object, or a new one), touching only the operator's fields.
void DesiredConfigMap(const kop::Object& app, kop::Object& current);
void DesiredDeployment(const kop::Object& app, kop::Object& current);
void DesiredService(const kop::Object& app, kop::Object& current);

// The Application's status for a Deployment (null: not created yet). `invalid` lists spec
// problems (Degraded). Conditions keep their transition times when unchanged.
kop::Json DesiredStatus(const kop::Object& app, const kop::Object* deployment,
                        const std::vector<std::string>& invalid, absl::Time now);

class ApplicationReconciler final : public kop::Reconciler {
 public:
  // `events` may be null (no Events).
  explicit ApplicationReconciler(kop::util::EventRecorder* events) : events_(events) {}

  absl::StatusOr<kop::Result> Reconcile(const kop::Request& request,
                                        kop::ReconcileContext& ctx) override;

 private:
  // Creates or updates one owned object; returns whether it wrote, and what. Before its first
  // create in a reconcile (`owner_confirmed` false) it reads the Application from the server:
  // Aborted when the cache's is not the live one (the cache is behind a delete or re-create).
  absl::StatusOr<std::string> Ensure(kop::ReconcileContext& ctx, const kop::Object& app,
                                     const kop::GroupVersionKind& gvk, const std::string& name,
                                     void (*desired)(const kop::Object&, kop::Object&), bool* owner_confirmed);
  void Event(const kop::Object& app, kop::util::EventType type, std::string reason,
             std::string message);

  kop::util::EventRecorder* const events_;
};

}  // namespace application

#endif  // KOP_OPERATORS_APPLICATION_APPLICATION_RECONCILER_H_
