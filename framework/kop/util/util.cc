#include "kop/util/util.h"

#include "kop/api/patch.h"
#include "kop/base/status_macros.h"
#include "kop/base/strings.h"
#include "kop/client/errors.h"

namespace kop::util {
namespace {

absl::Status CheckOwnership(const Object& owner, const Object& object) {
  if (owner.uid().empty()) {
    return absl::InvalidArgumentError(kop::StrCat("owner ", owner.kind(), " ", owner.key().ToString(),
                                                  " has no uid: create it before owning things"));
  }
  if (!owner.namespace_().empty()) {
    if (object.namespace_().empty()) {
      return absl::InvalidArgumentError(kop::StrCat(
          "cluster-scoped ", object.kind(), " ", object.name(), " cannot have a namespaced owner ",
          owner.kind(), " ", owner.key().ToString()));
    }
    if (owner.namespace_() != object.namespace_()) {
      return absl::InvalidArgumentError(kop::StrCat(
          "cross-namespace owner references are disallowed: owner ", owner.key().ToString(),
          ", object ", object.key().ToString()));
    }
  }
  return absl::OkStatus();
}

OwnerReference ReferenceTo(const Object& owner) {
  return {.api_version = std::string(owner.api_version()),
          .kind = std::string(owner.kind()),
          .name = std::string(owner.name()),
          .uid = std::string(owner.uid())};
}

bool SameOwner(const OwnerReference& ref, const Object& owner) {
  absl::StatusOr<GroupVersionKind> gvk = owner.gvk();
  return gvk.ok() && ref.MatchesGroupKind(gvk->group_kind()) && ref.name == owner.name();
}

absl::Status Mutate(const MutateFn& mutate, Object& obj) {
  const ObjectKey before = obj.key();
  KOP_RETURN_IF_ERROR(mutate(obj));
  if (obj.key() != before) {
    return absl::InvalidArgumentError(kop::StrCat("mutate changed the object's name or namespace from ",
                                                  before.ToString(), " to ", obj.key().ToString()));
  }
  return absl::OkStatus();
}

// One resource in one namespace as an ObjectClient, so that the helpers taking a
// ResourceClient share the implementation of those taking an ObjectClient.
class ResourceAdapter final : public client::ObjectClient, public client::StatusWriter {
 public:
  explicit ResourceAdapter(const client::ResourceClient& r) : r_(r) {}
  client::StatusWriter& Status() override { return *this; }
  absl::StatusOr<Object> Update(const Object& obj) override { return r_.UpdateStatus(obj); }
  absl::StatusOr<Object> Patch(const Object& obj, client::PatchType type, const std::string& patch) override {
    return r_.Patch(std::string(obj.name()), type, patch, {}, "status");
  }

 private:
  absl::StatusOr<client::ObjectPtr> DoGet(const GroupVersionKind&, const ObjectKey& key) override {
    KOP_ASSIGN_OR_RETURN(Object obj, r_.Get(key.name));
    return std::make_shared<const Object>(std::move(obj));
  }
  absl::StatusOr<std::vector<client::ObjectPtr>> DoList(const GroupVersionKind&, std::string_view,
                                                        const LabelSelector& selector) override {
    KOP_ASSIGN_OR_RETURN(client::ObjectList list, r_.ListAll({.label_selector = selector.ToString()}));
    std::vector<client::ObjectPtr> out;
    for (Object& o : list.items) out.push_back(std::make_shared<const Object>(std::move(o)));
    return out;
  }
  absl::StatusOr<Object> DoCreate(const Object& obj) override { return r_.Create(obj); }
  absl::StatusOr<Object> DoUpdate(const Object& obj) override { return r_.Update(obj); }
  absl::StatusOr<Object> DoPatch(const Object& obj, client::PatchType type, const std::string& patch) override {
    return r_.Patch(std::string(obj.name()), type, patch);
  }
  absl::StatusOr<Object> DoApply(const Object& obj, const std::string& field_manager, bool force) override {
    return r_.Apply(obj, field_manager, force);
  }
  absl::Status DoDelete(const Object& obj, const client::DeleteOptions& options) override {
    return r_.Delete(std::string(obj.name()), options);
  }
  absl::Status DoDeleteAllOf(const GroupVersionKind&, std::string_view, const LabelSelector& selector,
                             const client::DeleteOptions& options) override {
    return r_.DeleteCollection({.label_selector = selector.ToString()}, options);
  }

  const client::ResourceClient& r_;
};

// The object as the client reads it; when absent, `object` mutated and created.
absl::StatusOr<std::optional<Object>> GetOrCreate(client::ObjectClient& c, Object& object, const MutateFn& mutate) {
  // A ResourceAdapter knows its resource; any other client needs the object's kind.
  absl::StatusOr<GroupVersionKind> gvk = object.gvk();
  if (!gvk.ok() && dynamic_cast<ResourceAdapter*>(&c) == nullptr) return gvk.status();
  absl::StatusOr<client::ObjectPtr> existing = c.Get(gvk.ok() ? *gvk : GroupVersionKind{}, object.key());
  if (kop::IsNotFound(existing.status())) {
    KOP_RETURN_IF_ERROR(Mutate(mutate, object));
    KOP_ASSIGN_OR_RETURN(object, c.Create(object));
    return std::optional<Object>();
  }
  if (!existing.ok()) return existing.status();
  return std::optional<Object>(**existing);
}


Json WithoutStatus(const Json& j) {
  Json copy = j;
  copy.erase("status");
  return copy;
}

}  // namespace

absl::Status SetControllerReference(const Object& owner, Object& object) {
  KOP_RETURN_IF_ERROR(CheckOwnership(owner, object));
  KOP_ASSIGN_OR_RETURN(std::vector<OwnerReference> refs, object.owner_references());
  if (std::optional<OwnerReference> ctrl = GetControllerOf(refs); ctrl && !SameOwner(*ctrl, owner)) {
    return absl::AlreadyExistsError(kop::StrCat(object.kind(), " ", object.key().ToString(),
                                                " is already controlled by ", ctrl->kind, " ",
                                                ctrl->name));
  }
  OwnerReference ref = ReferenceTo(owner);
  ref.controller = true;
  ref.block_owner_deletion = true;
  std::erase_if(refs, [&](const OwnerReference& r) { return SameOwner(r, owner); });
  refs.push_back(ref);
  object.set_owner_references(refs);
  return absl::OkStatus();
}

absl::Status SetOwnerReference(const Object& owner, Object& object) {
  KOP_RETURN_IF_ERROR(CheckOwnership(owner, object));
  KOP_ASSIGN_OR_RETURN(std::vector<OwnerReference> refs, object.owner_references());
  for (OwnerReference& r : refs) {
    if (SameOwner(r, owner)) {
      r.uid = owner.uid();
      r.api_version = owner.api_version();
      object.set_owner_references(refs);
      return absl::OkStatus();
    }
  }
  refs.push_back(ReferenceTo(owner));
  object.set_owner_references(refs);
  return absl::OkStatus();
}

bool IsControlledBy(const Object& object, const Object& owner) {
  absl::StatusOr<std::vector<OwnerReference>> refs = object.owner_references();
  if (!refs.ok()) return false;
  std::optional<OwnerReference> ctrl = GetControllerOf(*refs);
  return ctrl.has_value() && ctrl->uid == owner.uid();
}

std::string_view OperationResultName(OperationResult r) {
  switch (r) {
    case OperationResult::kUnchanged: return "unchanged";
    case OperationResult::kCreated: return "created";
    case OperationResult::kUpdated: return "updated";
    case OperationResult::kUpdatedStatus: return "updatedStatus";
  }
  return "";
}

absl::StatusOr<OperationResult> CreateOrUpdate(client::ObjectClient& c, Object& object, const MutateFn& mutate) {
  KOP_ASSIGN_OR_RETURN(std::optional<Object> existing, GetOrCreate(c, object, mutate));
  if (!existing.has_value()) return OperationResult::kCreated;
  Object desired = *existing;
  KOP_RETURN_IF_ERROR(Mutate(mutate, desired));
  if (desired == *existing) {
    object = *std::move(existing);
    return OperationResult::kUnchanged;
  }
  KOP_ASSIGN_OR_RETURN(object, c.Update(desired));
  return OperationResult::kUpdated;
}

absl::StatusOr<OperationResult> CreateOrUpdate(const client::ResourceClient& resource, Object& object,
                                               const MutateFn& mutate) {
  ResourceAdapter adapter(resource);
  return CreateOrUpdate(adapter, object, mutate);
}

absl::StatusOr<OperationResult> CreateOrPatch(client::ObjectClient& c, Object& object, const MutateFn& mutate) {
  KOP_ASSIGN_OR_RETURN(std::optional<Object> existing, GetOrCreate(c, object, mutate));
  if (!existing.has_value()) return OperationResult::kCreated;
  Object desired = *existing;
  KOP_RETURN_IF_ERROR(Mutate(mutate, desired));
  OperationResult result = OperationResult::kUnchanged;
  object = *existing;
  const Json patch = CreateMergePatch(WithoutStatus(existing->json()), WithoutStatus(desired.json()));
  if (!patch.empty()) {
    KOP_ASSIGN_OR_RETURN(object, c.Patch(object, client::PatchType::kMerge, DumpJson(patch)));
    result = OperationResult::kUpdated;
  }
  const Json* old_status = existing->status();
  const Json* new_status = desired.status();
  const Json status_patch = CreateMergePatch(old_status ? *old_status : Json::object(),
                                             new_status ? *new_status : Json::object());
  if (!status_patch.empty()) {
    KOP_ASSIGN_OR_RETURN(object, c.Status().Patch(object, client::PatchType::kMerge,
                                                  DumpJson(Json{{"status", status_patch}})));
    if (result == OperationResult::kUnchanged) result = OperationResult::kUpdatedStatus;
  }
  return result;
}

absl::StatusOr<OperationResult> CreateOrPatch(const client::ResourceClient& resource, Object& object,
                                              const MutateFn& mutate) {
  ResourceAdapter adapter(resource);
  return CreateOrPatch(adapter, object, mutate);
}

absl::StatusOr<Object> Apply(client::Writer& c, const Object& desired, const std::string& field_manager, bool force) {
  if (desired.name().empty()) return absl::InvalidArgumentError("Apply: the object has no name");
  if (desired.api_version().empty() || desired.kind().empty()) {
    return absl::InvalidArgumentError("Apply: the object needs apiVersion and kind");
  }
  Object config = desired;
  Json& j = config.mutable_json();
  j.erase("status");
  if (auto meta = j.find("metadata"); meta != j.end() && meta->is_object()) {
    for (const char* server_set : {"resourceVersion", "uid", "generation", "creationTimestamp",
                                   "managedFields", "deletionTimestamp", "deletionGracePeriodSeconds", "selfLink"}) {
      meta->erase(server_set);
    }
  }
  return c.Apply(config, field_manager, force);
}

absl::StatusOr<Object> Apply(const client::ResourceClient& resource, const Object& desired,
                             const std::string& field_manager, bool force) {
  ResourceAdapter adapter(resource);
  return Apply(adapter, desired, field_manager, force);
}

}  // namespace kop::util
