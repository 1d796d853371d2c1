#include "kop/testkit/fake_client.h"

#include <algorithm>

#include "absl/time/clock.h"
#include "kop/api/patch.h"
#include "kop/base/status_macros.h"
#include "kop/base/strings.h"
#include "kop/client/errors.h"

namespace kop::testkit {
namespace {

std::string Resource(const GroupVersionKind& gvk) {
  std::string plural = gvk.kind;
  for (char& c : plural) c = static_cast<char>(tolower(static_cast<unsigned char>(c)));
  if (!plural.empty() && plural.back() == 's') return plural + "es";
  if (!plural.empty() && plural.back() == 'y') return plural.substr(0, plural.size() - 1) + "ies";
  return plural + "s";
}

absl::Status ApiError(int code, const char* reason, const GroupVersionKind& gvk, const std::string& name,
                      const std::string& message) {
  Json details = {{"name", name}, {"kind", Resource(gvk)}};
  if (!gvk.group.empty()) details["group"] = gvk.group;
  return ApiErrorFromStatus(code, {{"kind", "Status"},
                                   {"apiVersion", "v1"},
                                   {"status", "Failure"},
                                   {"reason", reason},
                                   {"code", code},
                                   {"message", message},
                                   {"details", std::move(details)}});
}

std::string Subject(const GroupVersionKind& gvk, const std::string& name) {
  return kop::StrCat(Resource(gvk), gvk.group.empty() ? "" : ".", gvk.group, " \"", name, "\"");
}

absl::Status NotFound(const GroupVersionKind& gvk, const std::string& name) {
  return ApiError(404, "NotFound", gvk, name, Subject(gvk, name) + " not found");
}

// The object without the fields a change of which is not a change of its desired state.
Json DesiredState(const Json& j) {
  Json out = j;
  out.erase("metadata");
  out.erase("status");
  return out;
}

}  // namespace

FakeClient::FakeClient(const std::vector<Object>& objects) {
  for (const Object& o : objects) Add(o);
}

void FakeClient::Add(const Object& obj) {
  absl::StatusOr<GroupVersionKind> gvk = obj.gvk();
  kop::MutexLock lock(&mu_);
  Object stored = obj;
  if (stored.uid().empty()) stored.set_uid(kop::StrCat("fake-uid-", ++uids_));
  if (stored.resource_version().empty()) stored.set_resource_version(std::to_string(++rv_));
  const GroupVersionKind g = gvk.ok() ? *gvk : GroupVersionKind{};
  objects_[{g.group, g.kind, std::string(obj.namespace_()), std::string(obj.name())}] = std::move(stored);
}

std::vector<FakeClient::Write> FakeClient::Writes() const {
  kop::MutexLock lock(&mu_);
  return writes_;
}

void FakeClient::ClearWrites() {
  kop::MutexLock lock(&mu_);
  writes_.clear();
}

void FakeClient::RecordLocked(const char* verb, const char* subresource, const Object& obj) {
  absl::StatusOr<GroupVersionKind> gvk = obj.gvk();
  writes_.push_back({verb, subresource, gvk.ok() ? *gvk : GroupVersionKind{}, obj.key()});
}

absl::StatusOr<client::ObjectPtr> FakeClient::DoGet(const GroupVersionKind& gvk, const ObjectKey& key) {
  kop::MutexLock lock(&mu_);
  auto it = objects_.find({gvk.group, gvk.kind, key.namespace_, key.name});
  if (it == objects_.end()) return NotFound(gvk, key.name);
  return std::make_shared<const Object>(it->second);
}

absl::StatusOr<std::vector<client::ObjectPtr>> FakeClient::DoList(const GroupVersionKind& gvk, std::string_view ns,
                                                                  const LabelSelector& selector) {
  kop::MutexLock lock(&mu_);
  std::vector<client::ObjectPtr> out;
  for (const auto& [key, obj] : objects_) {
    if (std::get<0>(key) != gvk.group || std::get<1>(key) != gvk.kind) continue;
    if (!ns.empty() && std::get<2>(key) != ns) continue;
    if (!selector.Matches(obj.labels())) continue;
    out.push_back(std::make_shared<const Object>(obj));
  }
  return out;
}

absl::StatusOr<Object> FakeClient::DoCreate(const Object& obj) {
  kop::MutexLock lock(&mu_);
  return CreateLocked(obj, "create");
}

absl::StatusOr<Object> FakeClient::CreateLocked(const Object& obj, const char* verb) {
  KOP_ASSIGN_OR_RETURN(GroupVersionKind gvk, obj.gvk());
  if (obj.name().empty()) return absl::InvalidArgumentError("FakeClient: the object has no name");
  const Key key{gvk.group, gvk.kind, std::string(obj.namespace_()), std::string(obj.name())};
  if (objects_.contains(key)) {
    return ApiError(409, "AlreadyExists", gvk, std::string(obj.name()),
                    Subject(gvk, std::string(obj.name())) + " already exists");
  }
  Object stored = obj;
  stored.set_uid(kop::StrCat("fake-uid-", ++uids_));
  stored.set_resource_version(std::to_string(++rv_));
  stored.set_generation(1);
  stored.set_creation_timestamp(absl::Now());
  stored.Remove({"metadata", "deletionTimestamp"});
  objects_[key] = stored;
  RecordLocked(verb, "", stored);
  return stored;
}

absl::StatusOr<Object> FakeClient::StoreLocked(const Key& key, Object next, bool status_only) {
  auto it = objects_.find(key);
  const GroupVersionKind gvk{std::get<0>(key), "", std::get<1>(key)};
  if (it == objects_.end()) return NotFound(gvk, std::get<3>(key));
  const Object& current = it->second;
  if (!next.resource_version().empty() && next.resource_version() != current.resource_version()) {
    return ApiError(409, "Conflict", gvk, std::get<3>(key),
                    kop::StrCat("Operation cannot be fulfilled on ", Subject(gvk, std::get<3>(key)),
                                ": the object has been modified; please apply your changes to the latest version and "
                                "try again"));
  }
  Object stored = current;
  if (status_only) {
    if (const Json* st = next.status(); st != nullptr) {
      stored.mutable_json()["status"] = *st;
    } else {
      stored.mutable_json().erase("status");
    }
  } else {
    stored = std::move(next);
    for (const char* field : {"uid", "creationTimestamp", "deletionTimestamp", "generation"}) {
      if (const Json* v = current.Find({"metadata", field}); v != nullptr) {
        stored.mutable_json()["metadata"][field] = *v;
      } else if (stored.mutable_json().contains("metadata")) {
        stored.mutable_json()["metadata"].erase(field);
      }
    }
    if (const Json* st = current.status(); st != nullptr) {
      stored.mutable_json()["status"] = *st;
    } else {
      stored.mutable_json().erase("status");
    }
    if (DesiredState(stored.json()) != DesiredState(current.json())) stored.set_generation(current.generation() + 1);
  }
  stored.set_resource_version(current.resource_version());
  if (stored == current) return current;  // no change: no write, as the server
  if (stored.IsBeingDeleted() && stored.finalizers().empty()) {
    objects_.erase(it);
    stored.set_resource_version(std::to_string(++rv_));
    return stored;
  }
  stored.set_resource_version(std::to_string(++rv_));
  it->second = stored;
  return stored;
}

absl::StatusOr<Object> FakeClient::DoUpdate(const Object& obj) {
  KOP_ASSIGN_OR_RETURN(GroupVersionKind gvk, obj.gvk());
  kop::MutexLock lock(&mu_);
  RecordLocked("update", "", obj);
  return StoreLocked({gvk.group, gvk.kind, std::string(obj.namespace_()), std::string(obj.name())}, obj, false);
}

absl::StatusOr<Object> FakeClient::UpdateStatus(const Object& obj) {
  KOP_ASSIGN_OR_RETURN(GroupVersionKind gvk, obj.gvk());
  kop::MutexLock lock(&mu_);
  RecordLocked("update", "status", obj);
  return StoreLocked({gvk.group, gvk.kind, std::string(obj.namespace_()), std::string(obj.name())}, obj, true);
}

absl::StatusOr<Object> FakeClient::PatchLocked(const Object& obj, client::PatchType type, const std::string& patch,
                                               bool status_only) {
  KOP_ASSIGN_OR_RETURN(GroupVersionKind gvk, obj.gvk());
  const Key key{gvk.group, gvk.kind, std::string(obj.namespace_()), std::string(obj.name())};
  auto it = objects_.find(key);
  if (it == objects_.end()) return NotFound(gvk, std::string(obj.name()));
  absl::StatusOr<Json> parsed = ParseJson(patch);
  if (!parsed.ok()) {
    return absl::InvalidArgumentError(kop::StrCat("FakeClient: the patch is not JSON: ", std::string(parsed.status().message())));
  }
  Json next;
  if (type == client::PatchType::kJson) {
    KOP_ASSIGN_OR_RETURN(next, ApplyJsonPatch(it->second.json(), *parsed));
  } else {
    next = ApplyMergePatch(it->second.json(), *parsed);
  }
  Object patched(std::move(next));
  patched.set_resource_version("");  // a patch carries no precondition unless it says so
  if (const Json* rv = parsed->is_object() && parsed->contains("metadata") ? &(*parsed)["metadata"] : nullptr;
      rv != nullptr && rv->is_object() && rv->contains("resourceVersion") && (*rv)["resourceVersion"].is_string()) {
    patched.set_resource_version((*rv)["resourceVersion"].get<std::string>());
  }
  return StoreLocked(key, std::move(patched), status_only);
}

absl::StatusOr<Object> FakeClient::DoPatch(const Object& obj, client::PatchType type, const std::string& patch) {
  kop::MutexLock lock(&mu_);
  RecordLocked("patch", "", obj);
  return PatchLocked(obj, type, patch, false);
}

absl::StatusOr<Object> FakeClient::PatchStatus(const Object& obj, client::PatchType type, const std::string& patch) {
  kop::MutexLock lock(&mu_);
  RecordLocked("patch", "status", obj);
  return PatchLocked(obj, type, patch, true);
}

absl::StatusOr<Object> FakeClient::DoApply(const Object& obj, const std::string&, bool) {
  KOP_ASSIGN_OR_RETURN(GroupVersionKind gvk, obj.gvk());
  kop::MutexLock lock(&mu_);  // one critical section: the object cannot appear or go meanwhile
  const Key key{gvk.group, gvk.kind, std::string(obj.namespace_()), std::string(obj.name())};
  if (!objects_.contains(key)) return CreateLocked(obj, "apply");
  RecordLocked("apply", "", obj);
  Object config = obj;
  config.set_resource_version("");
  return PatchLocked(obj, client::PatchType::kMerge, DumpJson(config.json()), false);
}

absl::Status FakeClient::DoDelete(const Object& obj, const client::DeleteOptions& options) {
  KOP_ASSIGN_OR_RETURN(GroupVersionKind gvk, obj.gvk());
  kop::MutexLock lock(&mu_);
  const Key key{gvk.group, gvk.kind, std::string(obj.namespace_()), std::string(obj.name())};
  auto it = objects_.find(key);
  if (it == objects_.end()) return NotFound(gvk, std::string(obj.name()));
  if (!options.precondition_uid.empty() && options.precondition_uid != it->second.uid()) {
    return ApiError(409, "Conflict", gvk, std::string(obj.name()), "Precondition failed: UID in precondition");
  }
  RecordLocked("delete", "", obj);
  if (options.dry_run) return absl::OkStatus();
  if (it->second.finalizers().empty()) {
    objects_.erase(it);
  } else if (!it->second.IsBeingDeleted()) {
    it->second.set_deletion_timestamp(absl::Now());
    it->second.set_resource_version(std::to_string(++rv_));
  }
  return absl::OkStatus();
}

absl::Status FakeClient::DoDeleteAllOf(const GroupVersionKind& gvk, std::string_view ns, const LabelSelector& selector,
                                       const client::DeleteOptions& options) {
  KOP_ASSIGN_OR_RETURN(std::vector<client::ObjectPtr> all, List(gvk, ns, selector));
  for (const client::ObjectPtr& o : all) {
    KOP_RETURN_IF_ERROR(IgnoreNotFound(Delete(*o, options)));
  }
  return absl::OkStatus();
}

}  // namespace kop::testkit
