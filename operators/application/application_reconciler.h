// The Application operator's reconciler: an Application (example.com/v1) becomes a
// ConfigMap "<name>-config" (spec.config), a Deployment "<name>" (spec.image, replicas,
// port, env, resources; the pod template carries a hash of the config, so a config change
// rolls the pods) and a Service "<name>" (spec.port, spec.serviceType), each controlled by
// the Application. Status follows the Deployment. Written on typed objects
// (application_types.h, kop::k8s).
//
// Write strategy: create-or-update against the cache. Each owned object is read from the
// manager's cache; when it is missing it is created, otherwise only the fields the operator
// owns are set on a copy, and it is updated when that changed anything (typed equality:
// quantities by amount). Fields the API server or other controllers fill in (a Service's
// clusterIP and nodePorts, defaults in the pod template) are left alone, so a steady state
// writes nothing. A conflict (someone wrote in between) or an AlreadyExists (the cache had
// not seen our create yet) requeues the key, as does a cached Application that is no longer
// the live one (checked before creating).
#ifndef KOP_OPERATORS_APPLICATION_APPLICATION_RECONCILER_H_
#define KOP_OPERATORS_APPLICATION_APPLICATION_RECONCILER_H_

#include <map>
#include <string>
#include <vector>

#include "application_types.h"
#include "kop/api/group_version.h"
#include "kop/api/object.h"
#include "kop/controller/reconciler.h"
#include "kop/k8s/apps/v1.h"
#include "kop/k8s/core/v1.h"
#include "kop/util/event_recorder.h"

namespace application {

using Deployment = kop::k8s::apps::v1::Deployment;
using Service = kop::k8s::core::v1::Service;
using ConfigMap = kop::k8s::core::v1::ConfigMap;

inline const kop::GroupVersionKind kApplication = Application::kGroupVersionKind;
inline const kop::GroupVersionKind kDeployment = Deployment::kGroupVersionKind;
inline const kop::GroupVersionKind kService = Service::kGroupVersionKind;
inline const kop::GroupVersionKind kConfigMap = ConfigMap::kGroupVersionKind;

// The pod template annotation holding the config hash.
inline constexpr char kConfigHashAnnotation[] = "example.com/config-hash";
inline constexpr char kNameLabel[] = "app.kubernetes.io/name";
inline constexpr char kManagedByLabel[] = "app.kubernetes.io/managed-by";
inline constexpr char kManagedBy[] = "application-operator";

// The most a ConfigMap (and so spec.config) holds, as the API server enforces.
inline constexpr size_t kMaxConfigBytes = 1024 * 1024;

// An Application read from its JSON, and what is wrong with its spec beyond what its CRD
// schema checks (or everything, where the CRD was installed without one): every field of the
// wrong type, values out of range, names that cannot name its objects. Each problem names its
// field; `app` holds what could be read (metadata and status always).
struct ParsedApplication {
  Application app;
  std::vector<std::string> problems;
};
ParsedApplication ParseApplication(const kop::Object& obj);
// ParseApplication(obj).problems.
std::vector<std::string> ValidateSpec(const kop::Object& obj);

// A stable hash (FNV-1a, hex) of the config data: keys and values in key order.
std::string ConfigHash(const std::map<std::string, std::string>& config);

// The owned objects as the operator wants them: applied onto `current` (a copy of the live
// object, or a new one), touching only the operator's fields.
void DesiredConfigMap(const Application& app, ConfigMap& current);
void DesiredDeployment(const Application& app, Deployment& current);
void DesiredService(const Application& app, Service& current);

// The same on unstructured objects (the chaos tests' convergence check).
void DesiredObject(const kop::Object& app, kop::Object& current);

// The Application's status for a Deployment (null: not created yet). `invalid` lists spec
// problems (Degraded). Conditions keep their transition times when unchanged.
ApplicationStatus DesiredStatus(const Application& app, const Deployment* deployment,
                                const std::vector<std::string>& invalid, absl::Time now);

class ApplicationReconciler final : public kop::Reconciler {
 public:
  // `events` may be null (no Events).
  explicit ApplicationReconciler(kop::util::EventRecorder* events) : events_(events) {}

  absl::StatusOr<kop::Result> Reconcile(const kop::Request& request,
                                        kop::ReconcileContext& ctx) override;

 private:
  // Creates or updates one owned object; returns what it wrote ("" when nothing). Before its
  // first create in a reconcile (`owner_confirmed` false) it reads the Application from the
  // server: Aborted when the cache's is not the live one (the cache is behind a delete or
  // re-create).
  template <typename T>
  absl::StatusOr<std::string> Ensure(kop::ReconcileContext& ctx, const Application& app, const std::string& name,
                                     void (*desired)(const Application&, T&), bool* owner_confirmed);
  void Event(const Application& app, kop::util::EventType type, std::string reason, std::string message);

  kop::util::EventRecorder* const events_;
};

}  // namespace application

#endif  // KOP_OPERATORS_APPLICATION_APPLICATION_RECONCILER_H_
