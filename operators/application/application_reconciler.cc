#include "application_reconciler.h"

#include <cstdio>
#include <set>

#include "kop/api/names.h"
#include "kop/base/status_macros.h"
#include "kop/base/strings.h"
#include "kop/client/errors.h"
#include "kop/client/object_client.h"
#include "kop/util/util.h"

namespace application {
namespace {

namespace core = kop::k8s::core::v1;

int32_t Replicas(const Application& app) { return app.spec.replicas.value_or(1); }
int32_t Port(const Application& app) { return app.spec.port.value_or(8080); }
const std::string& Name(const Application& app) { return app.metadata.name; }

void Label(kop::k8s::meta::v1::ObjectMeta& meta, const Application& app) {
  meta.labels[kNameLabel] = Name(app);
  meta.labels[kManagedByLabel] = kManagedBy;
}

// The element of `list` named `name`, appended when missing.
template <typename T>
T& Named(std::vector<T>& list, const std::string& name) {
  for (T& e : list) {
    if (e.name == name) return e;
  }
  T& added = list.emplace_back();
  added.name = name;
  return added;
}

void Validate(const Application& app, std::vector<std::string>& problems) {
  const ApplicationSpec& s = app.spec;
  if (s.image.empty()) {
    problems.push_back("spec.image is required");
  } else if (s.image.find_first_of(" \t\n") != std::string::npos) {
    problems.push_back("spec.image must not contain whitespace");
  }
  if (s.replicas && (*s.replicas < 0 || *s.replicas > 100)) problems.push_back("spec.replicas must be an integer from 0 to 100");
  if (s.port && (*s.port < 1 || *s.port > 65535)) problems.push_back("spec.port must be an integer from 1 to 65535");
  if (!s.service_type.empty() && s.service_type != "ClusterIP" && s.service_type != "NodePort" &&
      s.service_type != "LoadBalancer") {
    problems.push_back("spec.serviceType must be ClusterIP, NodePort or LoadBalancer");
  }
  std::set<std::string> seen;
  for (const EnvVar& e : s.env) {
    if (!kop::IsEnvVarName(e.name)) {
      problems.push_back(kop::StrCat("spec.env: \"", e.name, "\" is not a valid variable name"));
    } else if (!seen.insert(e.name).second) {
      problems.push_back(kop::StrCat("spec.env: \"", e.name, "\" is set twice"));
    }
  }
  size_t bytes = 0;
  for (const auto& [key, value] : s.config) {
    if (!kop::IsConfigMapKey(key)) problems.push_back(kop::StrCat("spec.config: \"", key, "\" is not a valid file name"));
    bytes += key.size() + value.size();
  }
  if (bytes > kMaxConfigBytes) {
    problems.push_back(kop::StrCat("spec.config holds ", bytes, " bytes; a ConfigMap holds at most ", kMaxConfigBytes));
  }
  if (s.resources && !s.resources->unknown_fields.is_null()) {
    problems.push_back("spec.resources must hold limits and requests, maps of resource names to quantities");
  }
  // The Service is named after the Application, and Service names are DNS-1035 labels.
  if (!kop::IsDns1035Label(Name(app))) {
    problems.push_back(kop::StrCat("metadata.name \"", Name(app),
                                   "\" cannot name a Service: it must be a DNS-1035 label (lower case letters, digits "
                                   "and '-', starting with a letter) of at most 63 characters"));
  }
}

}  // namespace

ParsedApplication ParseApplication(const kop::Object& obj) {
  ParsedApplication out;
  const kop::JsonView v = obj.view();
  // Metadata and status are the server's (a status that does not read is rewritten anyway).
  if (absl::Status s = kop::codec::Decode(v["metadata"], out.app.metadata, {nullptr, "metadata"}); !s.ok()) {
    out.problems.push_back(std::string(s.message()));
  }
  if (!kop::codec::Decode(v["status"], out.app.status, {nullptr, "status"}).ok()) out.app.status.reset();
  const kop::JsonView spec = v["spec"];
  if (!spec.exists() || spec.is_null()) {
    out.problems.push_back("spec is missing");
    return out;
  }
  // Every field of the wrong type, named (a CRD without a schema lets anything through).
  if (absl::Status s = kop::codec::Decode(spec, out.app.spec, {nullptr, "spec"}); !s.ok()) {
    out.problems.push_back(std::string(s.message()));
  }
  Validate(out.app, out.problems);
  return out;
}

std::vector<std::string> ValidateSpec(const kop::Object& obj) { return ParseApplication(obj).problems; }

std::string ConfigHash(const std::map<std::string, std::string>& config) {
  uint64_t h = 14695981039346656037ull;
  auto mix = [&h](std::string_view s) {
    for (unsigned char c : s) {
      h ^= c;
      h *= 1099511628211ull;
    }
    h ^= 0xff;  // separator: ("ab","c") and ("a","bc") differ
    h *= 1099511628211ull;
  };
  for (const auto& [key, value] : config) {
    mix(key);
    mix(value);
  }
  char out[17];
  std::snprintf(out, sizeof out, "%016llx", static_cast<unsigned long long>(h));
  return out;
}

void DesiredConfigMap(const Application& app, ConfigMap& cm) {
  Label(cm.metadata, app);
  cm.data = app.spec.config;  // an empty map is left out, as the server leaves it out
}

void DesiredDeployment(const Application& app, Deployment& d) {
  Label(d.metadata, app);
  d.spec.replicas = Replicas(app);
  d.spec.selector = {};
  d.spec.selector.match_labels = {{kNameLabel, Name(app)}};
  d.spec.template_.metadata.labels[kNameLabel] = Name(app);
  d.spec.template_.metadata.annotations[kConfigHashAnnotation] = ConfigHash(app.spec.config);

  core::PodSpec& pod = d.spec.template_.spec;
  core::Container& c = Named(pod.containers, "app");
  c.image = app.spec.image;
  core::ContainerPort& port = Named(c.ports, "http");
  port.container_port = Port(app);
  port.protocol = "TCP";
  c.env.clear();
  for (const EnvVar& e : app.spec.env) {
    core::EnvVar& var = c.env.emplace_back();
    var.name = e.name;
    var.value = e.value;
  }
  c.resources = {};
  if (app.spec.resources) {
    c.resources.limits = app.spec.resources->limits;
    c.resources.requests = app.spec.resources->requests;
  }
  core::VolumeMount& mount = Named(c.volume_mounts, "config");
  mount.mount_path = "/etc/app";
  mount.read_only = true;
  // The volume's source is the config ConfigMap, named; what the server defaults beside the
  // name (defaultMode) stays, any other source goes.
  core::Volume& volume = Named(pod.volumes, "config");
  core::Volume wanted;
  wanted.name = volume.name;
  wanted.config_map = volume.config_map.value_or(core::ConfigMapVolumeSource{});
  wanted.config_map->name = Name(app) + "-config";
  volume = std::move(wanted);
}

void DesiredService(const Application& app, Service& svc) {
  Label(svc.metadata, app);
  svc.spec.type = app.spec.service_type.empty() ? "ClusterIP" : app.spec.service_type;
  svc.spec.selector = {{kNameLabel, Name(app)}};
  core::ServicePort& port = Named(svc.spec.ports, "http");
  port.port = Port(app);
  port.target_port = kop::IntOrString(Port(app));
  port.protocol = "TCP";
  if (svc.spec.type == "ClusterIP") port.node_port.reset();  // only NodePort/LoadBalancer have one
}

namespace {

template <typename T>
void DesiredUnstructured(const Application& app, kop::Object& current, void (*desired)(const Application&, T&)) {
  absl::StatusOr<T> typed = kop::FromObject<T>(current);
  if (!typed.ok()) return;
  desired(app, *typed);
  current = kop::ToObject(*typed);
}

}  // namespace

void DesiredObject(const kop::Object& app_object, kop::Object& current) {
  const Application app = ParseApplication(app_object).app;
  if (current.kind() == "ConfigMap") DesiredUnstructured(app, current, &DesiredConfigMap);
  if (current.kind() == "Deployment") DesiredUnstructured(app, current, &DesiredDeployment);
  if (current.kind() == "Service") DesiredUnstructured(app, current, &DesiredService);
}

ApplicationStatus DesiredStatus(const Application& app, const Deployment* deployment,
                                const std::vector<std::string>& invalid, absl::Time now) {
  ApplicationStatus status = app.status.value_or(ApplicationStatus{});
  const int64_t generation = app.metadata.generation.value_or(0);
  const int32_t desired = Replicas(app);
  status.observed_generation = generation;
  status.selector = kop::StrCat(kNameLabel, "=", Name(app));
  status.config_hash = ConfigHash(app.spec.config);
  auto set = [&](const char* type, bool value, const std::string& reason, const std::string& message) {
    kop::SetCondition(status.conditions,
                      {.type = type,
                       .status = std::string(value ? kop::kConditionTrue : kop::kConditionFalse),
                       .reason = reason,
                       .message = message,
                       .observed_generation = generation},
                      now);
  };
  if (!invalid.empty()) {
    std::string message;
    for (const std::string& p : invalid) message += (message.empty() ? "" : "; ") + p;
    set("Degraded", true, "InvalidSpec", message);
    set("Ready", false, "InvalidSpec", "the spec is invalid: " + message);
    set("Progressing", false, "InvalidSpec", "nothing is rolled out until the spec is fixed");
    return status;
  }
  int32_t replicas = 0, ready = 0, updated = 0;
  int64_t observed = 0, dep_generation = 0;
  if (deployment != nullptr) {
    replicas = deployment->status.replicas.value_or(0);
    ready = deployment->status.ready_replicas.value_or(0);
    updated = deployment->status.updated_replicas.value_or(0);
    observed = deployment->status.observed_generation.value_or(0);
    dep_generation = deployment->metadata.generation.value_or(0);
  }
  status.replicas = replicas;
  status.ready_replicas = ready;
  const bool rolled_out = deployment != nullptr && observed >= dep_generation && updated == desired &&
                          ready == desired && replicas == desired;
  const std::string counts = kop::StrCat(ready, "/", desired, " replicas ready");
  set("Ready", rolled_out, rolled_out ? "AllReplicasReady" : "ReplicasNotReady", counts);
  set("Progressing", !rolled_out, rolled_out ? "RolloutComplete" : "RollingOut",
      rolled_out ? "the Deployment is rolled out" : kop::StrCat("rolling out: ", counts));
  set("Degraded", false, "AsExpected", "the spec is valid and its objects are in place");
  return status;
}

void ApplicationReconciler::Event(const Application& app, kop::util::EventType type, std::string reason,
                                  std::string message) {
  if (events_ != nullptr) events_->Event(kop::ToObject(app), type, std::move(reason), std::move(message));
}

template <typename T>
absl::StatusOr<std::string> ApplicationReconciler::Ensure(kop::ReconcileContext& ctx, const Application& app,
                                                          const std::string& name,
                                                          void (*desired)(const Application&, T&),
                                                          bool* owner_confirmed) {
  const std::string_view kind = T::kGroupVersionKind.kind;
  T obj;
  obj.metadata.name = name;
  obj.metadata.namespace_ = app.metadata.namespace_;
  KOP_ASSIGN_OR_RETURN(
      kop::util::OperationResult op, kop::util::CreateOrUpdate(ctx.client, obj, [&](T& o) -> absl::Status {
        if (o.metadata.uid.empty() && !*owner_confirmed) {
          // Before creating, make sure the Application is the one the server has: with a
          // cache behind a delete and re-create, objects owned by the old uid would be
          // garbage collected as soon as they were written, and their deletion would bring us
          // straight back here.
          absl::StatusOr<kop::client::ObjectPtr> live = ctx.api_reader.Get(kApplication, kop::KeyOf(app));
          if (!live.ok() && !kop::IsNotFound(live.status())) return live.status();
          if (!live.ok() || (*live)->uid() != app.metadata.uid) {
            return absl::AbortedError(kop::StrCat("the cached Application ", Name(app), " is not the live one"));
          }
          *owner_confirmed = true;
        }
        desired(app, o);
        if (absl::Status owned = kop::util::SetControllerReference(app, o); !owned.ok()) {
          // Someone else controls an object by that name: leave it, and say so.
          return absl::FailedPreconditionError(kop::StrCat(kind, " ", name,
                                                           " exists and is not controlled by this Application: ",
                                                           std::string(kop::ToStd(owned.message()))));
        }
        return absl::OkStatus();
      }));
  switch (op) {
    case kop::util::OperationResult::kCreated:
      return kop::StrCat("Created ", kind, " ", name);
    case kop::util::OperationResult::kUpdated:
      return kop::StrCat("Updated ", kind, " ", name);
    default:
      return std::string();
  }
}

absl::StatusOr<kop::Result> ApplicationReconciler::Reconcile(const kop::Request& request,
                                                             kop::ReconcileContext& ctx) {
  absl::StatusOr<kop::client::ObjectPtr> got = ctx.client.Get(kApplication, request.key);
  if (kop::IsNotFound(got.status())) return kop::Result{};  // deleted: dependents are collected
  if (!got.ok()) return got.status();
  if ((*got)->IsBeingDeleted()) return kop::Result{};
  // Read from the cached snapshot in place: nothing is decoded onto the shared object.
  const ParsedApplication parsed = ParseApplication(**got);
  const Application& app = parsed.app;
  const std::vector<std::string>& invalid = parsed.problems;

  const absl::Time now = absl::Now();
  std::optional<Deployment> deployment;
  absl::Status failure;
  if (invalid.empty()) {
    bool owner_confirmed = false;
    const std::string& name = Name(app);
    for (int step = 0; step < 3; ++step) {
      absl::StatusOr<std::string> wrote =
          step == 0   ? Ensure<ConfigMap>(ctx, app, name + "-config", &DesiredConfigMap, &owner_confirmed)
          : step == 1 ? Ensure<Deployment>(ctx, app, name, &DesiredDeployment, &owner_confirmed)
                      : Ensure<Service>(ctx, app, name, &DesiredService, &owner_confirmed);
      if (!wrote.ok()) {
        if (kop::IsConflict(wrote.status()) || kop::IsAlreadyExists(wrote.status()) ||
            wrote.status().code() == absl::StatusCode::kAborted) {
          // The cache is behind our own or someone else's write: look again shortly.
          ctx.log.V(1).Info("cache behind a write, requeueing", "object", name);
          return kop::Result{.requeue = true};
        }
        failure = wrote.status();
        break;
      }
      if (!wrote->empty()) {
        ctx.log.Info(*wrote);
        Event(app, kop::util::EventType::kNormal, wrote->substr(0, wrote->find(' ')), *wrote);
      }
    }
    absl::StatusOr<Deployment> d = ctx.client.Get<Deployment>(kop::KeyOf(app));
    if (d.ok()) deployment = *std::move(d);
  } else {
    ctx.log.Info("invalid spec", "problems", invalid.size());
  }

  ApplicationStatus status = DesiredStatus(app, deployment ? &*deployment : nullptr, invalid, now);
  if (!failure.ok()) {
    kop::SetCondition(status.conditions,
                      {.type = "Degraded",
                       .status = std::string(kop::kConditionTrue),
                       .reason = "ReconcileError",
                       .message = std::string(kop::ToStd(failure.message())),
                       .observed_generation = app.metadata.generation.value_or(0)},
                      now);
  }
  if (app.status != status) {
    const bool was_degraded = app.status && kop::IsConditionTrue(app.status->conditions, "Degraded");
    // Written on the object as read: a spec that did not decode is sent back as it was.
    kop::Object updated = **got;
    updated.mutable_json()["status"] = kop::codec::Encode(status);
    absl::StatusOr<kop::Object> written = ctx.client.Status().Update(updated);
    if (!written.ok()) {
      if (kop::IsConflict(written.status())) return kop::Result{.requeue = true};
      if (!kop::IsNotFound(written.status())) return written.status();
    }
    if (!invalid.empty() && !was_degraded) {
      std::string message;
      for (const std::string& p : invalid) message += (message.empty() ? "" : "; ") + p;
      Event(app, kop::util::EventType::kWarning, "InvalidSpec", message);
    }
  }
  if (!failure.ok()) {
    Event(app, kop::util::EventType::kWarning, "ReconcileFailed", std::string(kop::ToStd(failure.message())));
    return failure;
  }
  // A bad spec waits for the next spec change; nothing to retry.
  return kop::Result{};
}

}  // namespace application
