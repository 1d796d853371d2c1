// The scale subresource (autoscaling/v1 Scale) of built-in workloads and of custom resources
// whose CRD declares one: what `kubectl scale` and autoscalers read and write.
#include <string>
#include <vector>

#include "kop/api/label_selector.h"
#include "kop/base/status_macros.h"
#include "kop/base/strings.h"
#include "kop/testing/internal/builtin_types.h"
#include "kop/testing/internal/server.h"

namespace kop::testing {

using internal::ResourceInfo;
using internal::Response;
using internal::StoredObject;

namespace {

// ".spec.replicas" -> {"spec", "replicas"}.
std::vector<std::string> PathOf(const std::string& dotted) {
  std::vector<std::string> out;
  size_t start = dotted.empty() || dotted[0] != '.' ? 0 : 1;
  while (start < dotted.size()) {
    size_t dot = dotted.find('.', start);
    if (dot == std::string::npos) dot = dotted.size();
    out.push_back(dotted.substr(start, dot - start));
    start = dot + 1;
  }
  return out;
}

const Json* At(const Json& j, const std::vector<std::string>& path) {
  const Json* node = &j;
  for (const std::string& k : path) {
    if (!node->is_object()) return nullptr;
    auto it = node->find(k);
    if (it == node->end()) return nullptr;
    node = &*it;
  }
  return node;
}

void SetAt(Json& j, const std::vector<std::string>& path, Json value) {
  Json* node = &j;
  for (size_t i = 0; i + 1 < path.size(); ++i) {
    if (!(*node)[path[i]].is_object()) (*node)[path[i]] = Json::object();
    node = &(*node)[path[i]];
  }
  (*node)[path.back()] = std::move(value);
}

Json ScaleOf(const ResourceInfo& info, const Object& obj) {
  const Json& j = obj.json();
  Json metadata = {{"name", obj.name()},
                   {"uid", obj.uid()},
                   {"resourceVersion", obj.resource_version()},
                   {"creationTimestamp", j["metadata"].value("creationTimestamp", "")}};
  if (!obj.namespace_().empty()) metadata["namespace"] = obj.namespace_();
  const Json* spec = At(j, PathOf(info.scale_spec_path));
  const Json* status = At(j, PathOf(info.scale_status_path));
  Json scale_status = {{"replicas", status != nullptr && status->is_number_integer() ? status->get<int64_t>() : 0}};
  if (!info.custom) {
    // Built-in workloads publish their label selector in its string form.
    if (const Json* sel = At(j, {"spec", "selector"}); sel != nullptr) {
      if (absl::StatusOr<LabelSelector> s = LabelSelector::FromJson(*sel); s.ok()) scale_status["selector"] = s->ToString();
    }
  } else if (!info.scale_selector_path.empty()) {
    if (const Json* sel = At(j, PathOf(info.scale_selector_path)); sel != nullptr && sel->is_string()) {
      scale_status["selector"] = *sel;
    }
  }
  Json scale_spec = Json::object();
  if (spec != nullptr && spec->is_number_integer()) scale_spec["replicas"] = spec->get<int64_t>();
  return {{"kind", "Scale"},
          {"apiVersion", "autoscaling/v1"},
          {"metadata", std::move(metadata)},
          {"spec", std::move(scale_spec)},
          {"status", std::move(scale_status)}};
}

}  // namespace

absl::StatusOr<Response> ApiServer::Impl::Scale(const Target& t, Request& req) {
  const ResourceInfo& info = *t.info;
  if (req.method == "GET") {
    KOP_ASSIGN_OR_RETURN(StoredObject s, store_.Get(info, t.ns, t.name));
    return internal::JsonResponse(200, ScaleOf(info, *s.obj));
  }
  if (req.method != "PUT" && req.method != "PATCH") {
    return internal::MethodNotAllowed();
  }
  KOP_ASSIGN_OR_RETURN(bool dry_run, DryRun(req));
  Json body;
  if (req.method == "PATCH") {
    absl::StatusOr<Json> patch = ParseJson(req.body);
    if (!patch.ok()) return internal::BadRequest(ToStd(patch.status().message()));
    body = *std::move(patch);
  } else {
    absl::StatusOr<Json> scale = ParseJson(req.body);
    if (!scale.ok() || !scale->is_object()) {
      return internal::BadRequest("the body of a scale update must be an autoscaling/v1 Scale");
    }
    body = *std::move(scale);
  }
  const GroupVersionKind scale_gvk{"autoscaling", "v1", "Scale"};
  const std::shared_ptr<const Json> scale_schema = internal::TypeCatalog::Builtin().InlinedSchema(scale_gvk);
  const ResourceInfo scale_info = [&] {
    ResourceInfo r;
    r.group = "autoscaling";
    r.version = "v1";
    r.kind = "Scale";
    return r;
  }();
  for (int attempt = 0;; ++attempt) {
    KOP_ASSIGN_OR_RETURN(StoredObject current, store_.Get(info, t.ns, t.name));
    Json scale = ScaleOf(info, *current.obj);
    bool precondition = false;
    if (req.method == "PATCH") {
      KOP_ASSIGN_OR_RETURN(scale, ApplyPatch(scale_info, req.content_type, scale, body, scale_schema.get()));
    } else {
      const std::string rv = body.contains("metadata") ? body["metadata"].value("resourceVersion", "") : "";
      if (!rv.empty() && rv != current.obj->resource_version()) {
        return internal::Conflict({info.group, info.plural, info.kind, t.name},
                                  "the object has been modified; please apply your changes to the latest version and try again");
      }
      precondition = !rv.empty();
      scale = body;
    }
    const Json* replicas = scale.contains("spec") ? &scale["spec"] : nullptr;
    if (replicas == nullptr || !replicas->is_object() || !replicas->contains("replicas") ||
        !(*replicas)["replicas"].is_number_integer()) {
      return internal::Invalid({"autoscaling", "scale", "Scale", t.name},
                               {{"FieldValueRequired", "spec.replicas", "Required value"}});
    }
    const int64_t n = (*replicas)["replicas"].get<int64_t>();
    if (n < 0) {
      return internal::Invalid({"autoscaling", "scale", "Scale", t.name},
                               {{"FieldValueInvalid", "spec.replicas",
                                 kop::StrCat("Invalid value: ", n, ": must be greater than or equal to 0")}});
    }
    Object updated = *current.obj;
    SetAt(updated.mutable_json(), PathOf(info.scale_spec_path), n);
    KOP_RETURN_IF_ERROR(Admit(info, updated, current.obj.get(), req));
    TrackWrite(info, current.obj.get(), updated, req, "scale");
    absl::StatusOr<StoredObject> s = store_.Update(info, std::move(updated), "", dry_run);
    if (!s.ok() && s.status().code() == absl::StatusCode::kAborted && !precondition && attempt < 10) continue;
    if (!s.ok()) return s.status();
    return internal::JsonResponse(200, ScaleOf(info, *s->obj));
  }
}

}  // namespace kop::testing
