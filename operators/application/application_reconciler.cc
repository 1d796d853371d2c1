#include "application_reconciler.h"

#include <cstdio>
#include <set>

#include "kop/api/condition.h"
#include "kop/api/names.h"
#include "kop/api/quantity.h"
#include "kop/base/status_macros.h"
#include "kop/base/strings.h"
#include "kop/client/errors.h"
#include "kop/client/object_client.h"
#include "kop/util/util.h"

namespace application {
namespace {

using kop::Json;
using kop::Object;

const Json& Spec(const Object& app) {
  static const Json empty = Json::object();
  const Json* spec = app.spec();
  return spec != nullptr && spec->is_object() ? *spec : empty;
}

int64_t Replicas(const Object& app) {
  const Json& s = Spec(app);
  return s.contains("replicas") && s["replicas"].is_number_integer() ? s["replicas"].get<int64_t>() : 1;
}

int64_t Port(const Object& app) {
  const Json& s = Spec(app);
  return s.contains("port") && s["port"].is_number_integer() ? s["port"].get<int64_t>() : 8080;
}

Json Config(const Object& app) {
  const Json& s = Spec(app);
  return s.contains("config") && s["config"].is_object() ? s["config"] : Json::object();
}

Json SelectorLabels(const Object& app) { return {{kNameLabel, app.name()}}; }

// Sets metadata.labels[k] for the operator's labels, leaving others.
void Label(Object& obj, const Object& app) {
  Json& labels = obj.mutable_json()["metadata"]["labels"];
  if (!labels.is_object()) labels = Json::object();
  labels[kNameLabel] = app.name();
  labels[kManagedByLabel] = kManagedBy;
}

// The element of `list` whose "name" is `name`, appended when missing.
Json& Named(Json& list, const std::string& name) {
  if (!list.is_array()) list = Json::array();
  for (Json& e : list) {
    if (e.is_object() && e.value("name", "") == name) return e;
  }
  list.push_back({{"name", name}});
  return list.back();
}

int64_t IntAt(const Json& j, const char* field) {
  auto it = j.find(field);
  return it != j.end() && it->is_number_integer() ? it->get<int64_t>() : 0;
}

}  // namespace

std::vector<std::string> ValidateSpec(const Object& app) {
  std::vector<std::string> problems;
  const Json* spec = app.spec();
  if (spec == nullptr || !spec->is_object()) return {"spec is missing"};
  const Json& s = *spec;
  if (!s.contains("image") || !s["image"].is_string() || s["image"].get<std::string>().empty()) {
    problems.push_back("spec.image is required");
  } else if (s["image"].get<std::string>().find_first_of(" \t\n") != std::string::npos) {
    problems.push_back("spec.image must not contain whitespace");
  }
  if (s.contains("replicas") && (!s["replicas"].is_number_integer() || s["replicas"].get<int64_t>() < 0 ||
                                 s["replicas"].get<int64_t>() > 100)) {
    problems.push_back("spec.replicas must be an integer from 0 to 100");
  }
  if (s.contains("port") && (!s["port"].is_number_integer() || s["port"].get<int64_t>() < 1 ||
                             s["port"].get<int64_t>() > 65535)) {
    problems.push_back("spec.port must be an integer from 1 to 65535");
  }
  if (s.contains("serviceType")) {
    const std::string t = s["serviceType"].is_string() ? s["serviceType"].get<std::string>() : "";
    if (t != "ClusterIP" && t != "NodePort" && t != "LoadBalancer") {
      problems.push_back("spec.serviceType must be ClusterIP, NodePort or LoadBalancer");
    }
  }
  if (s.contains("env")) {
    std::set<std::string> seen;
    if (!s["env"].is_array()) {
      problems.push_back("spec.env must be a list");
    } else {
      for (const Json& e : s["env"]) {
        const std::string name = e.is_object() ? e.value("name", "") : "";
        if (!kop::IsEnvVarName(name)) {
          problems.push_back(kop::StrCat("spec.env: \"", name, "\" is not a valid variable name"));
        } else if (!seen.insert(name).second) {
          problems.push_back(kop::StrCat("spec.env: \"", name, "\" is set twice"));
        }
      }
    }
  }
  if (s.contains("config")) {
    if (!s["config"].is_object()) {
      problems.push_back("spec.config must be a map of file names to contents");
    } else {
      size_t bytes = 0;
      for (const auto& [key, value] : s["config"].items()) {
        if (!kop::IsConfigMapKey(key)) {
          problems.push_back(kop::StrCat("spec.config: \"", key, "\" is not a valid file name"));
        }
        if (!value.is_string()) {
          problems.push_back(kop::StrCat("spec.config.", key, " must be a string"));
        } else {
          bytes += key.size() + value.get_ref<const std::string&>().size();
        }
      }
      if (bytes > kMaxConfigBytes) {
        problems.push_back(kop::StrCat("spec.config holds ", bytes, " bytes; a ConfigMap holds at most ", kMaxConfigBytes));
      }
    }
  }
  if (s.contains("resources")) {
    const Json& r = s["resources"];
    bool ok = r.is_object();
    if (ok) {
      for (const auto& [section, values] : r.items()) {
        ok = ok && (section == "limits" || section == "requests") && values.is_object();
        if (!ok) break;
        for (const auto& [name, q] : values.items()) ok = ok && (q.is_string() || q.is_number());
      }
    }
    if (!ok) problems.push_back("spec.resources must hold limits and requests, maps of resource names to quantities");
  }
  // The Service is named after the Application, and Service names are DNS-1035 labels.
  if (!kop::IsDns1035Label(app.name())) {
    problems.push_back(kop::StrCat("metadata.name \"", app.name(),
                                   "\" cannot name a Service: it must be a DNS-1035 label (lower case letters, digits "
                                   "and '-', starting with a letter) of at most 63 characters"));
  }
  return problems;
}

std::string ConfigHash(const Json& config) {
  uint64_t h = 14695981039346656037ull;
  auto mix = [&h](std::string_view s) {
    for (unsigned char c : s) {
      h ^= c;
      h *= 1099511628211ull;
    }
    h ^= 0xff;  // separator: ("ab","c") and ("a","bc") differ
    h *= 1099511628211ull;
  };
  if (config.is_object()) {
    for (const auto& [key, value] : config.items()) {  // nlohmann orders keys
      mix(key);
      mix(value.is_string() ? value.get<std::string>() : value.dump());
    }
  }
  char out[17];
  std::snprintf(out, sizeof out, "%016llx", static_cast<unsigned long long>(h));
  return out;
}

// Resource requirements as the API server stores them: quantities in canonical form ("1000m"
// is stored as "1"), empty maps dropped.
Json CanonicalResources(const Json& resources) {
  Json out = Json::object();
  for (const auto& [kind, amounts] : resources.items()) {
    if (!amounts.is_object()) {
      out[kind] = amounts;
      continue;
    }
    Json canonical = Json::object();
    for (const auto& [name, amount] : amounts.items()) {
      absl::StatusOr<kop::Quantity> q =
          kop::Quantity::Parse(amount.is_string() ? amount.get<std::string>() : amount.dump());
      canonical[name] = q.ok() ? Json(q->String()) : amount;
    }
    if (!canonical.empty()) out[kind] = std::move(canonical);
  }
  return out;
}

void DesiredConfigMap(const Object& app, Object& cm) {
  Label(cm, app);
  Json data = Json::object();
  const Json config = Config(app);
  for (const auto& [key, value] : config.items()) {
    if (value.is_string()) data[key] = value;
  }
  // The API server drops an empty map (Go's omitempty): asking for one would differ forever.
  if (data.empty()) {
    cm.mutable_json().erase("data");
  } else {
    cm.mutable_json()["data"] = data;
  }
}

void DesiredDeployment(const Object& app, Object& d) {
  Label(d, app);
  Json& spec = d.mutable_json()["spec"];
  if (!spec.is_object()) spec = Json::object();
  spec["replicas"] = Replicas(app);
  spec["selector"] = {{"matchLabels", SelectorLabels(app)}};
  Json& meta = spec["template"]["metadata"];
  Json& labels = meta["labels"];
  if (!labels.is_object()) labels = Json::object();
  labels[kNameLabel] = app.name();
  Json& annotations = meta["annotations"];
  if (!annotations.is_object()) annotations = Json::object();
  annotations[kConfigHashAnnotation] = ConfigHash(Config(app));

  Json& pod = spec["template"]["spec"];
  Json& c = Named(pod["containers"], "app");
  const Json& s = Spec(app);
  c["image"] = s.value("image", "");
  Json& port = Named(c["ports"], "http");
  port["containerPort"] = Port(app);
  port["protocol"] = "TCP";
  if (s.contains("env") && s["env"].is_array() && !s["env"].empty()) {
    Json env = Json::array();
    for (const Json& e : s["env"]) {
      Json var = {{"name", e.value("name", "")}};
      if (const std::string value = e.value("value", ""); !value.empty()) var["value"] = value;  // "" is not stored
      env.push_back(std::move(var));
    }
    c["env"] = env;
  } else {
    c.erase("env");
  }
  // No resources is what the API server stores as {}: the same, so a steady state writes nothing.
  c["resources"] = s.contains("resources") && s["resources"].is_object() ? CanonicalResources(s["resources"]) : Json::object();
  Json& mount = Named(c["volumeMounts"], "config");
  mount["mountPath"] = "/etc/app";
  mount["readOnly"] = true;
  // The volume's source is the config ConfigMap, named; what the server defaults beside the
  // name (defaultMode) stays.
  Json& volume = Named(pod["volumes"], "config");
  for (auto it = volume.begin(); it != volume.end();) {
    it = it.key() == "name" || it.key() == "configMap" ? std::next(it) : volume.erase(it);
  }
  Json& source = volume["configMap"];
  if (!source.is_object()) source = Json::object();
  source["name"] = std::string(app.name()) + "-config";
}

void DesiredService(const Object& app, Object& svc) {
  Label(svc, app);
  Json& spec = svc.mutable_json()["spec"];
  if (!spec.is_object()) spec = Json::object();
  spec["type"] = Spec(app).value("serviceType", "ClusterIP");
  spec["selector"] = SelectorLabels(app);
  Json& port = Named(spec["ports"], "http");
  port["port"] = Port(app);
  port["targetPort"] = Port(app);
  port["protocol"] = "TCP";
  if (spec["type"] == "ClusterIP") port.erase("nodePort");  // only NodePort/LoadBalancer have one
}

Json DesiredStatus(const Object& app, const Object* deployment, const std::vector<std::string>& invalid,
                   absl::Time now) {
  Object scratch = app;
  Json& status = scratch.mutable_json()["status"];
  if (!status.is_object()) status = Json::object();
  const int64_t generation = app.generation();
  const int64_t desired = Replicas(app);
  status["observedGeneration"] = generation;
  status["selector"] = kop::StrCat(kNameLabel, "=", app.name());
  status["configHash"] = ConfigHash(Config(app));
  auto set = [&](const char* type, bool value, const std::string& reason, const std::string& message) {
    (void)kop::SetStatusCondition(scratch,
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
    return scratch.json()["status"];
  }
  int64_t replicas = 0, ready = 0, updated = 0, observed = 0, dep_generation = 0;
  if (deployment != nullptr) {
    const Json* ds = deployment->status();
    if (ds != nullptr && ds->is_object()) {
      replicas = IntAt(*ds, "replicas");
      ready = IntAt(*ds, "readyReplicas");
      updated = IntAt(*ds, "updatedReplicas");
      observed = IntAt(*ds, "observedGeneration");
    }
    dep_generation = deployment->generation();
  }
  status["replicas"] = replicas;
  status["readyReplicas"] = ready;
  const bool rolled_out = deployment != nullptr && observed >= dep_generation && updated == desired &&
                          ready == desired && replicas == desired;
  const std::string counts = kop::StrCat(ready, "/", desired, " replicas ready");
  set("Ready", rolled_out, rolled_out ? "AllReplicasReady" : "ReplicasNotReady", counts);
  set("Progressing", !rolled_out, rolled_out ? "RolloutComplete" : "RollingOut",
      rolled_out ? "the Deployment is rolled out" : kop::StrCat("rolling out: ", counts));
  set("Degraded", false, "AsExpected", "the spec is valid and its objects are in place");
  return scratch.json()["status"];
}

void ApplicationReconciler::Event(const Object& app, kop::util::EventType type, std::string reason,
                                  std::string message) {
  if (events_ != nullptr) events_->Event(app, type, std::move(reason), std::move(message));
}

absl::StatusOr<std::string> ApplicationReconciler::Ensure(kop::ReconcileContext& ctx, const Object& app,
                                                          const kop::GroupVersionKind& gvk,
                                                          const std::string& name,
                                                          void (*desired)(const Object&, Object&),
                                                          bool* owner_confirmed) {
  Object obj = Object::New(gvk, {std::string(app.namespace_()), name});
  KOP_ASSIGN_OR_RETURN(
      kop::util::OperationResult op,
      kop::util::CreateOrUpdate(ctx.client, obj, [&](Object& o) -> absl::Status {
        if (o.uid().empty() && !*owner_confirmed) {
          // Before creating, make sure the Application is the one the server has: with a
          // cache behind a delete and re-create, objects owned by the old uid would be
          // garbage collected as soon as they were written, and their deletion would bring us
          // straight back here.
          absl::StatusOr<kop::client::ObjectPtr> live = ctx.api_reader.Get(kApplication, app.key());
          if (!live.ok() && !kop::IsNotFound(live.status())) return live.status();
          if (!live.ok() || (*live)->uid() != app.uid()) {
            return absl::AbortedError(kop::StrCat("the cached Application ", app.name(), " is not the live one"));
          }
          *owner_confirmed = true;
        }
        desired(app, o);
        absl::Status owned = kop::util::SetControllerReference(app, o);
        if (!owned.ok()) {
          // Someone else controls an object by that name: leave it, and say so.
          return absl::FailedPreconditionError(
              kop::StrCat(gvk.kind, " ", name, " exists and is not controlled by this Application: ",
                          std::string(kop::ToStd(owned.message()))));
        }
        return absl::OkStatus();
      }));
  switch (op) {
    case kop::util::OperationResult::kCreated:
      return kop::StrCat("Created ", gvk.kind, " ", name);
    case kop::util::OperationResult::kUpdated:
      return kop::StrCat("Updated ", gvk.kind, " ", name);
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
  // A private copy (it shares the cached encoding): what this reconcile decodes to read the
  // spec as a tree is its own and goes with it, instead of staying on the cache's snapshot.
  const Object app = **got;

  const absl::Time now = absl::Now();
  const std::vector<std::string> invalid = ValidateSpec(app);
  std::optional<Object> deployment;
  absl::Status failure;
  if (invalid.empty()) {
    struct Owned {
      const kop::GroupVersionKind& gvk;
      std::string name;
      void (*desired)(const Object&, Object&);
    };
    bool owner_confirmed = false;
    for (const Owned& o :
         {Owned{kConfigMap, std::string(app.name()) + "-config", &DesiredConfigMap},
          Owned{kDeployment, std::string(app.name()), &DesiredDeployment},
          Owned{kService, std::string(app.name()), &DesiredService}}) {
      absl::StatusOr<std::string> wrote = Ensure(ctx, app, o.gvk, o.name, o.desired, &owner_confirmed);
      if (!wrote.ok()) {
        if (kop::IsConflict(wrote.status()) || kop::IsAlreadyExists(wrote.status()) ||
            wrote.status().code() == absl::StatusCode::kAborted) {
          // The cache is behind our own or someone else's write: look again shortly.
          ctx.log.V(1).Info("cache behind a write, requeueing", "object", o.name);
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
    absl::StatusOr<kop::client::ObjectPtr> d =
        ctx.client.Get(kDeployment, {std::string(app.namespace_()), std::string(app.name())});
    if (d.ok()) deployment = **d;
  } else {
    ctx.log.Info("invalid spec", "problems", invalid.size());
  }

  Json status = DesiredStatus(app, deployment.has_value() ? &*deployment : nullptr, invalid, now);
  if (!failure.ok()) {
    Object scratch = app;
    scratch.mutable_json()["status"] = status;
    (void)kop::SetStatusCondition(scratch,
                                  {.type = "Degraded",
                                   .status = std::string(kop::kConditionTrue),
                                   .reason = "ReconcileError",
                                   .message = std::string(kop::ToStd(failure.message())),
                                   .observed_generation = app.generation()},
                                  now);
    status = scratch.json()["status"];
  }
  const Json* old_status = app.status();
  if (old_status == nullptr || *old_status != status) {
    const bool was_degraded = kop::IsConditionTrue(
        kop::ConditionsFromJson(old_status != nullptr ? old_status->value("conditions", Json()) : Json())
            .value_or(std::vector<kop::Condition>{}),
        "Degraded");
    Object updated = app;
    updated.mutable_json()["status"] = status;
    absl::StatusOr<Object> written = ctx.client.Status().Update(updated);
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
