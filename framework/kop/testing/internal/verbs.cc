// The REST verbs of the embedded API server and the pipeline every write goes through.
#include <algorithm>
#include <set>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "kop/api/json.h"
#include "kop/base/status_macros.h"
#include "kop/base/strings.h"
#include "kop/testing/internal/go_json.h"
#include "kop/testing/internal/server.h"

#include "absl/time/clock.h"
#include "kop/api/label_selector.h"
#include "kop/api/patch.h"
#include "kop/api/time.h"
#include "kop/api/yaml.h"
#include "kop/testing/internal/apply.h"
#include "kop/testing/internal/builtin_types.h"
#include "kop/testing/internal/schema.h"
#include "kop/testing/internal/strategic_merge.h"
#include "kop/testing/internal/table.h"
#include "kop/testing/internal/validation.h"

namespace kop::testing {

using internal::ErrorResponse;
using internal::JsonResponse;
using internal::ResourceInfo;
using internal::Response;
using internal::StoredObject;
using internal::FieldSelector;
// ---------------------------------------------------------------------------------------
// Verbs

std::string ApiServer::Impl::EncodeFor(const ResourceInfo& info, const StoredObject& s,
                                       bool as_item) const {
  if (s.obj->api_version() != info.ApiVersion()) {
    Object copy = *s.obj;
    copy.set_api_version(info.ApiVersion());
    return DumpJson(copy.json());
  }
  if (as_item && s.item_json != nullptr) return *s.item_json;
  return *s.json;
}

absl::Status ApiServer::Impl::CheckBodyType(const Request& req) const {
  if (req.content_type.empty() || req.content_type == "application/json" || req.content_type == "application/yaml") {
    return absl::OkStatus();
  }
  if (req.content_type == "application/vnd.kubernetes.protobuf") {
    return internal::ApiError(415, "UnsupportedMediaType",
                              "the body of the request was in an unknown format - kop-apiserver does not decode "
                              "Kubernetes protobuf; send application/json or application/yaml");
  }
  return internal::UnsupportedMediaType();
}

namespace {

// The options kind a request's query parameters decode into, as upstream names it.
std::string OptionsKind(const std::string& method) {
  if (method == "POST") return "CreateOptions";
  if (method == "PUT") return "UpdateOptions";
  if (method == "PATCH") return "PatchOptions";
  if (method == "DELETE") return "DeleteOptions";
  return "ListOptions";
}

}  // namespace

absl::StatusOr<bool> ApiServer::Impl::DryRun(const Request& req) const {
  auto it = req.query.find("dryRun");
  if (it == req.query.end() || it->second.empty()) return false;
  if (it->second == "All") return true;
  return internal::InvalidOptions(OptionsKind(req.method),
                                  {"FieldValueNotSupported", "dryRun",
                                   kop::StrCat("Unsupported value: []string{", Json(it->second).dump(),
                                               "}: supported values: \"All\"")});
}

absl::StatusOr<Object> ApiServer::Impl::DecodeBody(const Target& t, const std::string& body) const {
  absl::StatusOr<Json> j = ParseJson(body);
  if (!j.ok()) {
    absl::StatusOr<Json> y = ParseYaml(body);  // clients may send YAML
    if (!y.ok() || !y->is_object()) {
      return internal::BadRequest(
          kop::StrCat("the body of the request could not be decoded: ", ToStd(j.status().message())));
    }
    j = std::move(y);
  }
  absl::StatusOr<Object> obj = Object::FromJson(*std::move(j));
  if (!obj.ok()) return internal::BadRequest(ToStd(obj.status().message()));
  const ResourceInfo& info = *t.info;
  if (!info.custom) {
    // A built-in object is decoded into its Go type: kind and apiVersion may be left out (the
    // URL says them), and a body of another kind or version cannot be converted.
    if (obj->kind().empty()) obj->mutable_json()["kind"] = info.kind;
    if (obj->api_version().empty()) obj->mutable_json()["apiVersion"] = info.ApiVersion();
    const std::string cannot = kop::StrCat(obj->kind(), " in version \"", info.version,
                                           "\" cannot be handled as a ", info.kind, ": ");
    if (obj->api_version() != info.ApiVersion()) {
      return internal::BadRequest(kop::StrCat(cannot, "no kind \"", obj->kind(), "\" is registered for version \"",
                                              obj->api_version(), "\" in scheme \"pkg/api/legacyscheme/scheme.go:31\""));
    }
    if (obj->kind() != info.kind) {
      const std::string internal_package = info.group.empty() ? "core" : info.group.substr(0, info.group.find('.'));
      return internal::BadRequest(kop::StrCat(cannot, "converting (", info.version, ".", obj->kind(), ") to (",
                                              internal_package, ".", info.kind, "): unknown conversion"));
    }
  }
  if (obj->kind().empty()) {
    return internal::BadRequest(kop::StrCat("Object 'Kind' is missing in '", body.substr(0, 200), "'"));
  }
  if (obj->api_version().empty()) {
    return internal::BadRequest(
        kop::StrCat("Object 'apiVersion' is missing in '", body.substr(0, 200), "'"));
  }
  if (obj->api_version() != info.ApiVersion()) {
    return internal::BadRequest(kop::StrCat("the API version in the data (", obj->api_version(),
                                            ") does not match the expected API version (",
                                            info.ApiVersion(), ")"));
  }
  if (obj->kind() != info.kind) {
    return internal::BadRequest(kop::StrCat("the kind in the data (", obj->kind(),
                                            ") does not match the expected kind (", info.kind, ")"));
  }
  if (info.namespaced) {
    if (obj->namespace_().empty()) {
      obj->set_namespace(t.ns);
    } else if (obj->namespace_() != t.ns) {
      return internal::BadRequest(
          "the namespace of the provided object does not match the namespace sent on the request");
    }
  } else {
    obj->Remove({"metadata", "namespace"});
  }
  return obj;
}

namespace {

// Upstream's two answers: no media type of the Accept header is served at all, or JSON is but
// not as the representation asked for.
absl::Status NotAcceptable(internal::Representation rep) {
  if (rep == internal::Representation::kNotAcceptableConversion) {
    return internal::ApiError(406, "NotAcceptable",
                              "only the following media types are accepted: application/json, application/yaml, "
                              "application/vnd.kubernetes.protobuf");
  }
  return internal::ApiError(406, "NotAcceptable", "406: Not Acceptable", Json::object());
}

}  // namespace

absl::StatusOr<Response> ApiServer::Impl::Get(const Target& t, const Request& req) {
  const internal::Representation rep = internal::Negotiate(req.accept, false);
  if (rep == internal::Representation::kNotAcceptable || rep == internal::Representation::kNotAcceptableConversion) {
    return NotAcceptable(rep);
  }
  KOP_ASSIGN_OR_RETURN(StoredObject s, store_.Get(*t.info, t.ns, t.name));
  if (rep == internal::Representation::kObject) return Response{200, EncodeFor(*t.info, s, false)};
  KOP_ASSIGN_OR_RETURN(Json obj, ParseJson(EncodeFor(*t.info, s, false)));
  Json body = rep == internal::Representation::kTable
                  ? TableOf(*t.info, {&obj}, {{"resourceVersion", s.obj->resource_version()}}, req)
                  : internal::PartialObjectMetadata(obj);
  return Response{200, DumpJson(body), std::string(internal::ContentTypeOf(rep, false))};
}

std::string ApiServer::Impl::ConvertEvents(const ResourceInfo& info, const std::string& lines, const Request& req,
                                           internal::Representation rep) {
  std::string out;
  size_t start = 0;
  while (start < lines.size()) {
    size_t end = lines.find('\n', start);
    if (end == std::string::npos) end = lines.size();
    absl::StatusOr<Json> event = ParseJson(std::string_view(lines).substr(start, end - start));
    start = end + 1;
    if (!event.ok() || !event->is_object()) continue;
    const std::string type = event->value("type", "");
    Json& obj = (*event)["object"];
    if (type == "ADDED" || type == "MODIFIED" || type == "DELETED" || type == "BOOKMARK") {
      if (rep == internal::Representation::kMetadata) {
        obj = internal::PartialObjectMetadata(obj);
      } else if (type != "BOOKMARK") {
        obj = TableOf(info, {&obj}, {{"resourceVersion", obj["metadata"].value("resourceVersion", "")}}, req);
      }
    }
    out += DumpJson(*event);
    out += '\n';
  }
  return out;
}

Json ApiServer::Impl::TableOf(const ResourceInfo& info, const std::vector<const Json*>& objects,
                              const Json& list_meta, const Request& req) {
  internal::IncludeObject include = internal::IncludeObject::kMetadata;
  if (auto it = req.query.find("includeObject"); it != req.query.end()) {
    if (it->second == "None") include = internal::IncludeObject::kNone;
    if (it->second == "Object") include = internal::IncludeObject::kObject;
  }
  const absl::Time now = options_.clock != nullptr ? options_.clock->WallNow() : RealClock().WallNow();
  return internal::MakeTable(info, objects, list_meta, include, now);
}

absl::StatusOr<internal::ListOptions> ApiServer::Impl::ParseListOptions(const Target& t,
                                                                        const Request& req) const {
  internal::ListOptions o;
  o.namespace_ = t.ns;
  auto q = [&](const char* k) -> std::string {
    auto it = req.query.find(k);
    return it == req.query.end() ? "" : it->second;
  };
  absl::StatusOr<LabelSelector> labels = LabelSelector::Parse(q("labelSelector"));
  if (!labels.ok()) return internal::BadRequest(ToStd(labels.status().message()));
  o.labels = *std::move(labels);
  KOP_ASSIGN_OR_RETURN(o.fields, FieldSelector::Parse(q("fieldSelector"), t.info->field_labels));
  if (const std::string limit = q("limit"); !limit.empty()) {
    char* end = nullptr;
    o.limit = std::strtoll(limit.c_str(), &end, 10);
    if (*end != '\0' || o.limit < 0) {
      return internal::BadRequest(kop::StrCat("limit: Invalid value: \"", limit, "\""));
    }
  }
  o.continue_token = q("continue");
  o.resource_version = q("resourceVersion");
  o.resource_version_match = q("resourceVersionMatch");
  return o;
}

absl::StatusOr<Response> ApiServer::Impl::List(const Target& t, const Request& req) {
  const internal::Representation rep = internal::Negotiate(req.accept, true);
  if (rep == internal::Representation::kNotAcceptable || rep == internal::Representation::kNotAcceptableConversion) {
    return NotAcceptable(rep);
  }
  KOP_ASSIGN_OR_RETURN(internal::ListOptions o, ParseListOptions(t, req));
  KOP_ASSIGN_OR_RETURN(internal::ListResult r, store_.List(*t.info, o));
  std::string body;
  size_t size = 256;
  for (const StoredObject& s : r.items) size += s.json->size() + 1;
  body.reserve(size);
  Json meta = {{"resourceVersion", std::to_string(r.rv)}};
  if (!r.continue_token.empty()) meta["continue"] = r.continue_token;
  if (r.remaining.has_value()) meta["remainingItemCount"] = *r.remaining;
  body += kop::StrCat("{\"kind\":\"", t.info->list_kind, "\",\"apiVersion\":\"",
                      t.info->ApiVersion(), "\",\"metadata\":", DumpJson(meta), ",\"items\":[");
  if (rep == internal::Representation::kTable) {
    std::vector<Json> objects;
    objects.reserve(r.items.size());
    for (const StoredObject& s : r.items) {
      KOP_ASSIGN_OR_RETURN(Json obj, ParseJson(EncodeFor(*t.info, s, true)));
      objects.push_back(std::move(obj));
    }
    std::vector<const Json*> pointers;
    for (const Json& o : objects) pointers.push_back(&o);
    return Response{200, DumpJson(TableOf(*t.info, pointers, meta, req)), std::string(internal::ContentTypeOf(rep, true))};
  }
  if (rep == internal::Representation::kMetadata) {
    Json items = Json::array();
    for (const StoredObject& s : r.items) items.push_back(internal::PartialObjectMetadata(s.obj->json()));
    const Json list = {{"kind", "PartialObjectMetadataList"},
                       {"apiVersion", "meta.k8s.io/v1"},
                       {"metadata", meta},
                       {"items", std::move(items)}};
    return Response{200, DumpJson(list), std::string(internal::ContentTypeOf(rep, true))};
  }
  for (size_t i = 0; i < r.items.size(); ++i) {
    if (i > 0) body += ',';
    body += EncodeFor(*t.info, r.items[i], true);
  }
  body += "]}";
  return Response{200, std::move(body)};
}

absl::StatusOr<StoredObject> ApiServer::Impl::CreateStored(const ResourceInfo& info, Object obj,
                                                           bool dry_run, Request& req, bool track) {
  KOP_RETURN_IF_ERROR(Admit(info, obj, nullptr, req));
  if (track) TrackWrite(info, nullptr, obj, req, "");
  if (!dry_run) NoteOwners(info, obj);
  KOP_ASSIGN_OR_RETURN(StoredObject s, store_.Create(info, std::move(obj), dry_run));
  if (!dry_run) {
    KOP_RETURN_IF_ERROR(AfterWrite(info, s, false));
    if (info.plural == "customresourcedefinitions") {
      // The CRD controller's answer, already given: names accepted, established.
      KOP_ASSIGN_OR_RETURN(s, store_.Get(info, "", std::string(s.obj->name())));
    }
  }
  return s;
}

void ApiServer::Impl::TrackWrite(const ResourceInfo& info, const Object* before, Object& after, const Request& req,
                                 const std::string& subresource) {
  const internal::ApplyRequest r{
      .manager = internal::ManagerOf(req.Query("fieldManager"), req.user_agent),
      .now = FormatRFC3339(options_.clock != nullptr ? options_.clock->WallNow() : RealClock().WallNow()),
      .api_version = info.ApiVersion(),
      .subresource = subresource};
  internal::TrackUpdate(before != nullptr ? &before->json() : nullptr, after.mutable_json(), r, info.schema.get());
}

absl::StatusOr<internal::FieldValidation> ApiServer::Impl::FieldValidationOf(const Request& req) const {
  const std::string v = req.Query("fieldValidation");
  if (v.empty() || v == "Warn") return internal::FieldValidation::kWarn;  // the default since 1.23
  if (v == "Strict") return internal::FieldValidation::kStrict;
  if (v == "Ignore") return internal::FieldValidation::kIgnore;
  return internal::BadRequest(kop::StrCat("invalid fieldValidation directive: \"", v,
                                          "\": must be one of Ignore, Warn or Strict"));
}

namespace {

// Owner references repeating a uid are kept once, with a warning, as upstream does since 1.20.
void DedupOwnerReferences(Object& obj, std::vector<std::string>& warnings) {
  Json* refs = obj.mutable_json().contains("metadata") ? &obj.mutable_json()["metadata"] : nullptr;
  if (refs == nullptr || !refs->is_object() || !refs->contains("ownerReferences")) return;
  Json& list = (*refs)["ownerReferences"];
  if (!list.is_array()) return;
  std::set<std::string> seen;
  std::vector<std::string> duplicates;
  Json kept = Json::array();
  for (const Json& r : list) {
    const std::string uid = r.is_object() && r.contains("uid") && r["uid"].is_string() ? r["uid"].get<std::string>() : "";
    if (!uid.empty() && !seen.insert(uid).second) {
      if (std::find(duplicates.begin(), duplicates.end(), uid) == duplicates.end()) duplicates.push_back(uid);
      continue;
    }
    kept.push_back(r);
  }
  if (duplicates.empty()) return;
  list = std::move(kept);
  std::string uids;
  for (const std::string& u : duplicates) uids += (uids.empty() ? "" : ", ") + u;
  warnings.push_back(kop::StrCat(
      ".metadata.ownerReferences contains duplicate entries; API server dedups owner references in 1.20+, and may "
      "reject such requests as early as 1.24; please fix your requests; duplicate UID(s) observed: ",
      uids));
}

}  // namespace

absl::Status ApiServer::Impl::Admit(const ResourceInfo& info, Object& obj, const Object* old, Request& req) {
  KOP_ASSIGN_OR_RETURN(internal::FieldValidation mode, FieldValidationOf(req));
  DedupOwnerReferences(obj, req.warnings);
  std::vector<internal::FieldCause> causes = internal::ValidateObjectMeta(info, obj, old == nullptr);
  if (old != nullptr) {
    std::vector<internal::FieldCause> update = internal::ValidateObjectMetaUpdate(obj, *old);
    causes.insert(causes.end(), update.begin(), update.end());
  }
  if (!info.custom && info.schema != nullptr) internal::DropNullFields(*info.schema, obj.mutable_json());
  if (info.schema != nullptr) {
    internal::SchemaResult r = internal::ApplySchema(*info.schema, obj.mutable_json(),
                                                     &internal::TypeCatalog::Builtin().ObjectMetaSchema());
    const std::string cannot = kop::StrCat(info.kind, " in version \"", info.version,
                                           "\" cannot be handled as a ", info.kind, ": ");
    if (!r.unknown_fields.empty() && mode != internal::FieldValidation::kIgnore) {
      std::string all;
      for (const std::string& f : r.unknown_fields) {
        const std::string one = kop::StrCat("unknown field \"", f, "\"");
        all += (all.empty() ? "" : ", ") + one;
        if (mode == internal::FieldValidation::kWarn) req.warnings.push_back(one);
      }
      if (mode == internal::FieldValidation::kStrict) {
        return internal::BadRequest(kop::StrCat(info.custom ? "" : cannot, "strict decoding error: ", all));
      }
    }
    if (!info.custom && r.HasTypeErrors()) {
      // A typed decoder refuses the body before anything is validated.
      for (const internal::FieldCause& c : r.causes) {
        if (c.reason == "FieldValueTypeInvalid") {
          return internal::BadRequest(kop::StrCat(cannot, c.field, ": ", c.message));
        }
      }
    }
    causes.insert(causes.end(), r.causes.begin(), r.causes.end());
  }
  if (!info.custom) {
    const GroupVersionKind gvk{info.group, info.version, info.kind};
    internal::DefaultBuiltinObject(gvk, old != nullptr ? &old->json() : nullptr, obj.mutable_json());
    if (info.schema != nullptr) {
      if (absl::Status decoded = internal::GoRoundTrip(*info.schema, obj.mutable_json()); !decoded.ok()) {
        return internal::BadRequest(kop::StrCat(info.kind, " in version \"", info.version, "\" cannot be handled as a ",
                                                info.kind, ": ", ToStd(decoded.message())));
      }
    }
    std::string subresource;
    for (const char* sub : {"/status", "/finalize"}) {
      if (absl::EndsWith(req.path, sub)) subresource = sub + 1;
    }
    std::vector<internal::FieldCause> more = internal::ValidateBuiltin(info, obj, old, subresource, &req.warnings);
    causes.insert(causes.end(), more.begin(), more.end());
  }
  if (info.custom && obj.json().contains("metadata")) {
    // A custom object's metadata is a Go ObjectMeta all the same.
    (void)internal::GoRoundTrip(internal::TypeCatalog::Builtin().ObjectMetaSchema(), obj.mutable_json()["metadata"]);
  }
  if (info.group == "apiextensions.k8s.io" && info.plural == "customresourcedefinitions") {
    if (absl::StatusOr<std::vector<ResourceInfo>> crd = internal::Registry::ParseCustomResource(obj);
        !crd.ok()) {
      causes.push_back(internal::ParseFieldCause(ToStd(crd.status().message())));
    }
  }
  if (!causes.empty())
    return internal::Invalid({info.group, info.plural, info.kind, std::string(obj.name())}, causes);
  return absl::OkStatus();
}

absl::Status ApiServer::Impl::AfterWrite(const ResourceInfo& info, const StoredObject& s,
                                         bool deleted) {
  GarbageCollectAfterWrite(s, deleted);
  if (info.group.empty() && info.plural == "namespaces") {
    if (!deleted && s.obj->IsBeingDeleted()) SyncNamespace(std::string(s.obj->name()));
  } else if (info.namespaced && (deleted || s.obj->IsBeingDeleted())) {
    SyncNamespaceIfTerminating(std::string(s.obj->namespace_()));
  }
  if (info.group != "apiextensions.k8s.io" || info.plural != "customresourcedefinitions") {
    return absl::OkStatus();
  }
  const Object& crd = *s.obj;
  absl::StatusOr<std::vector<ResourceInfo>> parsed = internal::Registry::ParseCustomResource(crd);
  if (!parsed.ok() || parsed->empty()) return absl::OkStatus();
  const ResourceInfo& first = parsed->front();
  if (deleted) {
    for (const auto& served : registry_.Versions(first.group, first.plural)) {
      store_.DeleteAll(*served, "");
      store_.CloseWatches(served->StorageKey());
      break;  // versions share storage
    }
    registry_.RemoveCustomResource(first.group, first.plural);
    return absl::OkStatus();
  }
  KOP_RETURN_IF_ERROR(registry_.AddCustomResource(crd));
  if (crd.IsBeingDeleted()) return absl::OkStatus();
  Object with_status = crd;
  Json names = crd.spec()->value("names", Json::object());
  if (!names.contains("singular")) names["singular"] = first.singular;
  if (!names.contains("listKind")) names["listKind"] = first.list_kind;
  std::string storage_version;
  for (const Json& v : (*crd.spec())["versions"]) {
    if (v.value("storage", false)) storage_version = v.value("name", "");
  }
  const std::string now = FormatRFC3339(options_.clock != nullptr ? options_.clock->WallNow()
                                                                  : RealClock().WallNow());
  Json conditions = Json::array();
  const Json* old = crd.Find({"status", "conditions"});
  auto keep_time = [&](const char* type) {
    if (old != nullptr && old->is_array()) {
      for (const Json& c : *old) {
        if (c.value("type", "") == type && c.value("status", "") == "True") {
          return c.value("lastTransitionTime", now);
        }
      }
    }
    return now;
  };
  conditions.push_back({{"type", "NamesAccepted"}, {"status", "True"}, {"reason", "NoConflicts"},
                        {"message", "no conflicts found"},
                        {"lastTransitionTime", keep_time("NamesAccepted")}});
  conditions.push_back({{"type", "Established"}, {"status", "True"},
                        {"reason", "InitialNamesAccepted"},
                        {"message", "the initial names have been accepted"},
                        {"lastTransitionTime", keep_time("Established")}});
  with_status.mutable_json()["status"] = {
      {"conditions", conditions}, {"acceptedNames", names}, {"storedVersions", {storage_version}}};
  absl::StatusOr<StoredObject> updated = store_.Update(info, with_status, "status", false);
  return updated.ok() ? absl::OkStatus() : updated.status();
}

absl::StatusOr<Response> ApiServer::Impl::Create(const Target& t, Request& req) {
  KOP_RETURN_IF_ERROR(CheckBodyType(req));
  KOP_ASSIGN_OR_RETURN(bool dry_run, DryRun(req));
  KOP_ASSIGN_OR_RETURN(Object obj, DecodeBody(t, req.body));
  obj.ClearManagedFields();  // a new object's fields are its creator's
  KOP_ASSIGN_OR_RETURN(StoredObject s, CreateStored(*t.info, std::move(obj), dry_run, req, /*track=*/true));
  if (!dry_run) CollectIfOrphaned(*t.info, s);
  return Response{201, EncodeFor(*t.info, s, false)};
}

absl::StatusOr<Object> ApiServer::Impl::CreateObject(const Object& obj) {
  KOP_ASSIGN_OR_RETURN(GroupVersionKind gvk, obj.gvk());
  std::shared_ptr<const ResourceInfo> info;
  for (const std::string& plural : registry_.PluralsOf(gvk)) {
    info = registry_.Find(gvk.group, gvk.version, plural);
  }
  if (info == nullptr) {
    return absl::NotFoundError(kop::StrCat("no resource serves ", gvk.ToString()));
  }
  Object copy = obj;
  if (info->namespaced && copy.namespace_().empty()) copy.set_namespace("default");
  Request req;
  req.user_agent = "kop-apiserver";
  KOP_ASSIGN_OR_RETURN(StoredObject s, CreateStored(*info, std::move(copy), false, req, /*track=*/true));
  return *s.obj;
}

absl::StatusOr<Response> ApiServer::Impl::Update(const Target& t, Request& req) {
  KOP_RETURN_IF_ERROR(CheckBodyType(req));
  KOP_ASSIGN_OR_RETURN(bool dry_run, DryRun(req));
  KOP_ASSIGN_OR_RETURN(Object obj, DecodeBody(t, req.body));
  if (obj.name() != t.name) {
    return internal::BadRequest(kop::StrCat("the name of the object (", obj.name(),
                                            ") does not match the name on the URL (", t.name, ")"));
  }
  absl::StatusOr<StoredObject> current = store_.Get(*t.info, t.ns, t.name);
  // Leases, Endpoints and Events may be created by a PUT (upstream's AllowCreateOnUpdate).
  const bool create_on_update = t.sub.empty() && ((t.info->group == "coordination.k8s.io" && t.info->plural == "leases") ||
                                                  (t.info->group.empty() && t.info->plural == "endpoints") ||
                                                  t.info->plural == "events");
  if (!current.ok() && create_on_update && current.status().code() == absl::StatusCode::kNotFound) {
    if (t.info->namespaced && obj.namespace_().empty()) obj.set_namespace(t.ns);
    obj.set_resource_version("");
    KOP_ASSIGN_OR_RETURN(StoredObject created, CreateStored(*t.info, std::move(obj), dry_run, req, /*track=*/true));
    return Response{201, EncodeFor(*t.info, created, false)};
  }
  KOP_RETURN_IF_ERROR(Admit(*t.info, obj, current.ok() ? current->obj.get() : nullptr, req));
  TrackWrite(*t.info, current.ok() ? current->obj.get() : nullptr, obj, req, t.sub);
  if (!dry_run) NoteOwners(*t.info, obj);
  KOP_ASSIGN_OR_RETURN(StoredObject s, store_.Update(*t.info, std::move(obj), t.sub, dry_run));
  if (!dry_run) KOP_RETURN_IF_ERROR(AfterWrite(*t.info, s, !store_.Get(*t.info, t.ns, t.name).ok()));
  return Response{200, EncodeFor(*t.info, s, false)};
}

absl::StatusOr<Response> ApiServer::Impl::Apply(const Target& t, Request& req) {
  const std::string manager = req.Query("fieldManager");
  if (manager.empty()) {
    return internal::InvalidOptions("PatchOptions", {"FieldValueRequired", "fieldManager",
                                                     "Required value: is required for apply patch"});
  }
  const bool force = req.Query("force") == "true" || req.Query("force") == "1";
  KOP_ASSIGN_OR_RETURN(bool dry_run, DryRun(req));
  // JSON is YAML; most clients (kubectl, kop) send JSON, which parses faster and deeper as such.
  absl::StatusOr<Json> parsed = ParseJson(req.body);
  if (!parsed.ok()) parsed = ParseYaml(req.body);
  if (!parsed.ok() || !parsed->is_object()) {
    return internal::BadRequest(kop::StrCat("error decoding YAML: ",
                                            parsed.ok() ? "not an object" : ToStd(parsed.status().message())));
  }
  if (!parsed->contains("metadata") || !(*parsed)["metadata"].is_object()) (*parsed)["metadata"] = Json::object();
  if (!(*parsed)["metadata"].contains("name")) (*parsed)["metadata"]["name"] = t.name;
  KOP_ASSIGN_OR_RETURN(Object config, DecodeBody(t, DumpJson(*parsed)));
  if (config.name() != t.name) {
    return internal::BadRequest(kop::StrCat("the name of the object (", config.name(),
                                            ") does not match the name on the URL (", t.name, ")"));
  }
  const internal::ApplyRequest request{
      .manager = manager,
      .force = force,
      .now = FormatRFC3339(options_.clock != nullptr ? options_.clock->WallNow() : RealClock().WallNow()),
      .api_version = t.info->ApiVersion(),
      .subresource = t.sub};
  for (int attempt = 0;; ++attempt) {
    absl::StatusOr<StoredObject> current = store_.Get(*t.info, t.ns, t.name);
    if (!current.ok() && current.status().code() != absl::StatusCode::kNotFound) return current.status();
    if (!current.ok()) {
      if (t.sub == "status") return current.status();
      KOP_ASSIGN_OR_RETURN(Json created, internal::ServerSideApply(nullptr, config.json(), request, t.info->schema.get()));
      absl::StatusOr<StoredObject> s = CreateStored(*t.info, Object(std::move(created)), dry_run, req, /*track=*/false);
      if (!s.ok() && internal::HasReason(s.status(), "AlreadyExists") && attempt < 10) continue;
      if (!s.ok()) return s.status();
      if (!dry_run) CollectIfOrphaned(*t.info, *s);
      return Response{201, EncodeFor(*t.info, *s, false)};
    }
    KOP_ASSIGN_OR_RETURN(Json applied, internal::ServerSideApply(&current->obj->json(), config.json(), request, t.info->schema.get()));
    Object obj(std::move(applied));
    obj.set_resource_version(current->obj->resource_version());
    KOP_RETURN_IF_ERROR(Admit(*t.info, obj, current->obj.get(), req));
    if (!dry_run) NoteOwners(*t.info, obj);
    absl::StatusOr<StoredObject> s = store_.Update(*t.info, std::move(obj), t.sub, dry_run);
    if (!s.ok() && s.status().code() == absl::StatusCode::kAborted && attempt < 10) continue;
    if (!s.ok()) return s.status();
    if (!dry_run) KOP_RETURN_IF_ERROR(AfterWrite(*t.info, *s, !store_.Get(*t.info, t.ns, t.name).ok()));
    return Response{200, EncodeFor(*t.info, *s, false)};
  }
}

absl::StatusOr<Json> ApiServer::Impl::ApplyPatch(const ResourceInfo& info, const std::string& type,
                                                  const Json& current, const Json& patch, const Json* schema) const {
  if (type == "application/merge-patch+json") return ApplyMergePatch(current, patch);
  if (type == "application/json-patch+json") {
    absl::StatusOr<Json> applied = ApplyJsonPatch(current, patch);
    if (!applied.ok()) return internal::ApiError(422, "Invalid", ToStd(applied.status().message()), Json::object());
    return applied;
  }
  if (type == "application/strategic-merge-patch+json" && !info.custom) {
    absl::StatusOr<Json> applied = internal::StrategicMergePatch(current, patch, schema);
    if (!applied.ok()) return internal::BadRequest(ToStd(applied.status().message()));
    return applied;
  }
  return internal::ApiError(
      415, "UnsupportedMediaType",
      kop::StrCat("the body of the request was in an unknown format - accepted media types include: ",
                  info.custom ? "" : "application/strategic-merge-patch+json, ",
                  "application/json-patch+json, application/merge-patch+json, application/apply-patch+yaml"));
}

absl::StatusOr<Response> ApiServer::Impl::Patch(const Target& t, Request& req) {
  const std::string& type = req.content_type;
  if (type == "application/apply-patch+yaml") return Apply(t, req);
  if (req.query.contains("force")) {
    return internal::InvalidOptions("PatchOptions", {"FieldValueForbidden", "force",
                                                     "Forbidden: may not be specified for non-apply patch"});
  }
  // An unsupported media type is refused before the body is read: one that is no patch type at
  // all by the router, with its generic answer; strategic merge on a custom resource by the
  // handler, naming what it accepts.
  if (type != "application/merge-patch+json" && type != "application/json-patch+json" &&
      type != "application/strategic-merge-patch+json") {
    return internal::ApiError(415, "UnsupportedMediaType", "415: Unsupported Media Type", Json::object());
  }
  if (type != "application/merge-patch+json" && type != "application/json-patch+json") {
    KOP_RETURN_IF_ERROR(ApplyPatch(*t.info, type, Json::object(), Json::object(), nullptr).status());
  }
  KOP_ASSIGN_OR_RETURN(bool dry_run, DryRun(req));
  absl::StatusOr<Json> patch = ParseJson(req.body);
  if (!patch.ok()) return internal::BadRequest(ToStd(patch.status().message()));
  for (int attempt = 0;; ++attempt) {
    KOP_ASSIGN_OR_RETURN(StoredObject current, store_.Get(*t.info, t.ns, t.name));
    KOP_ASSIGN_OR_RETURN(Json patched, ApplyPatch(*t.info, type, current.obj->json(), *patch, t.info->schema.get()));
    absl::StatusOr<Object> obj = Object::FromJson(std::move(patched));
    if (!obj.ok()) return internal::ApiError(422, "Invalid", ToStd(obj.status().message()));
    if (obj->name() != t.name || (t.info->namespaced && obj->namespace_() != t.ns)) {
      return internal::BadRequest("the name and namespace of a patched object cannot change");
    }
    // A patch that names a resourceVersion is a precondition; otherwise retry on conflict, as
    // upstream's patch handler does.
    const bool precondition = obj->resource_version() != current.obj->resource_version();
    req.warnings.clear();  // a retried attempt warns afresh
    KOP_RETURN_IF_ERROR(Admit(*t.info, *obj, current.obj.get(), req));
    TrackWrite(*t.info, current.obj.get(), *obj, req, t.sub);
    if (!dry_run) NoteOwners(*t.info, *obj);
    absl::StatusOr<StoredObject> s = store_.Update(*t.info, *std::move(obj), t.sub, dry_run);
    if (!s.ok() && s.status().code() == absl::StatusCode::kAborted && !precondition &&
        attempt < 10) {
      continue;
    }
    if (!s.ok()) return s.status();
    if (!dry_run) KOP_RETURN_IF_ERROR(AfterWrite(*t.info, *s, !store_.Get(*t.info, t.ns, t.name).ok()));
    return Response{200, EncodeFor(*t.info, *s, false)};
  }
}

absl::StatusOr<Response> ApiServer::Impl::Delete(const Target& t, Request& req) {
  KOP_ASSIGN_OR_RETURN(bool dry_run, DryRun(req));
  std::string propagation;
  std::optional<bool> orphan_dependents;  // the deprecated spelling, when given
  internal::Preconditions pre;
  if (!req.body.empty()) {
    absl::StatusOr<Json> opts = ParseJson(req.body);
    if (!opts.ok() || !opts->is_object()) {
      return internal::BadRequest("the body of a DELETE must be DeleteOptions");
    }
    if (auto p = opts->find("preconditions"); p != opts->end() && p->is_object()) {
      pre.uid = p->value("uid", "");
      pre.resource_version = p->value("resourceVersion", "");
    }
    if (auto d = opts->find("dryRun"); d != opts->end() && d->is_array()) {
      for (const Json& v : *d) {
        if (v == "All") dry_run = true;
      }
    }
    if (auto p = opts->find("propagationPolicy"); p != opts->end() && p->is_string()) {
      propagation = p->get<std::string>();
    }
    if (auto o = opts->find("orphanDependents"); o != opts->end() && o->is_boolean()) orphan_dependents = o->get<bool>();
  }
  if (auto q = req.query.find("propagationPolicy"); q != req.query.end()) propagation = q->second;
  if (auto q = req.query.find("orphanDependents"); q != req.query.end()) orphan_dependents = q->second == "true";
  if (orphan_dependents.has_value() && !propagation.empty()) {
    return internal::InvalidOptions("DeleteOptions",
                                    {"FieldValueInvalid", "propagationPolicy",
                                     kop::StrCat("Invalid value: \"", propagation,
                                                 "\": orphanDependents and deletionPropagation cannot be both set")});
  }
  if (propagation.empty() && orphan_dependents.value_or(false)) propagation = "Orphan";
  if (propagation != "" && propagation != "Background" && propagation != "Foreground" &&
      propagation != "Orphan") {
    return internal::InvalidOptions("DeleteOptions",
                                    {"FieldValueNotSupported", "propagationPolicy",
                                     kop::StrCat("Unsupported value: \"", propagation,
                                                 "\": supported values: \"Foreground\", \"Background\", \"Orphan\", \"nil\"")});
  }
  // Foreground and (without the collector) orphan deletions wait for the collector with a
  // finalizer, as kube-apiserver makes them.
  std::string finalizer;
  if (propagation == "Foreground") finalizer = "foregroundDeletion";
  if (propagation == "Orphan" && !options_.garbage_collector) finalizer = "orphan";
  if (propagation == "Orphan" && options_.garbage_collector && !dry_run) {
    if (absl::StatusOr<StoredObject> current = store_.Get(*t.info, t.ns, t.name); current.ok()) {
      kop::MutexLock lock(&gc_mu_);
      orphaning_.insert(std::string(current->obj->uid()));
    }
  }
  if (t.info->group.empty() && t.info->plural == "namespaces" &&
      (t.name == "default" || t.name == "kube-system" || t.name == "kube-public")) {
    // Upstream's NamespaceLifecycle admission keeps the system namespaces.
    return internal::Forbidden({"", "namespaces", "Namespace", t.name}, "this namespace may not be deleted");
  }
  KOP_ASSIGN_OR_RETURN(internal::Store::Deleted d,
                       store_.Delete(*t.info, t.ns, t.name, pre, dry_run, finalizer));
  // Gone, or marked for deletion (which starts a Namespace's controller).
  if (!dry_run) KOP_RETURN_IF_ERROR(AfterWrite(*t.info, d.object, d.gone));
  if (!dry_run && !d.gone && propagation == "Foreground" && options_.garbage_collector) {
    DeleteDependentsInForeground(*t.info, *d.object.obj);
    // It may be gone already (nothing blocked it); answer with its last state either way.
    if (absl::StatusOr<StoredObject> now = store_.Get(*t.info, t.ns, t.name); now.ok()) d.object = *now;
  }
  if (!d.gone || t.info->delete_returns_object) {
    return Response{200, EncodeFor(*t.info, d.object, false)};
  }
  Json details = {{"name", t.name}, {"kind", t.info->plural}, {"uid", d.object.obj->uid()}};
  if (!t.info->group.empty()) details["group"] = t.info->group;
  return JsonResponse(200, {{"kind", "Status"},
                            {"apiVersion", "v1"},
                            {"metadata", Json::object()},
                            {"status", "Success"},
                            {"details", details}});
}

absl::StatusOr<Response> ApiServer::Impl::DeleteCollection(const Target& t, Request& req) {
  KOP_ASSIGN_OR_RETURN(bool dry_run, DryRun(req));
  KOP_ASSIGN_OR_RETURN(internal::ListOptions o, ParseListOptions(t, req));
  o.limit = 0;
  o.continue_token.clear();
  KOP_ASSIGN_OR_RETURN(internal::ListResult r, store_.List(*t.info, o));
  std::string items;
  for (const StoredObject& s : r.items) {
    absl::StatusOr<internal::Store::Deleted> d = store_.Delete(
        *t.info, std::string(s.obj->namespace_()), std::string(s.obj->name()), {}, dry_run);
    if (!d.ok()) {
      if (d.status().code() == absl::StatusCode::kNotFound) continue;
      return d.status();
    }
    if (!dry_run && d->gone) KOP_RETURN_IF_ERROR(AfterWrite(*t.info, d->object, true));
    if (!items.empty()) items += ',';
    items += EncodeFor(*t.info, d->object, true);
  }
  return Response{200, kop::StrCat("{\"kind\":\"", t.info->list_kind, "\",\"apiVersion\":\"",
                                   t.info->ApiVersion(), "\",\"metadata\":{\"resourceVersion\":\"",
                                   store_.CurrentRv(), "\"},\"items\":[", items, "]}")};
}

}  // namespace kop::testing
