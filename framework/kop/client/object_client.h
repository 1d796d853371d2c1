// kop/client/object_client: reading and writing objects addressed by kind, behind interfaces.
//
// What a reconciler, a helper or a test talks to, as controller-runtime's client.Client:
//
//   Reader        Get and List by GroupVersionKind
//   Writer        Create, Update, Patch, Apply, Delete, DeleteAllOf, and Status()
//   StatusWriter  Update and Patch of the status subresource
//   ObjectClient  Reader + Writer
//
// Implementations: client::Client (the API server, live reads), cache::CacheReader (the
// shared informers), kop::CachedClient (reads from the caches, writes to the server: what a
// Manager hands reconcilers as ctx.client), kop::testkit::FakeClient (in memory, for unit
// tests). Objects read are shared, immutable snapshots (ObjectPtr): copy one to change it.
//
//   KOP_ASSIGN_OR_RETURN(kop::client::ObjectPtr app, ctx.client.Get(kApplication, req.key));
//   kop::Object updated = *app;
//   ...
//   KOP_RETURN_IF_ERROR(ctx.client.Status().Update(updated).status());
//   KOP_RETURN_IF_ERROR(kop::IgnoreNotFound(ctx.client.Delete(old)));
//
// Thread-safe in every implementation kop provides.
#ifndef KOP_CLIENT_OBJECT_CLIENT_H_
#define KOP_CLIENT_OBJECT_CLIENT_H_

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "kop/api/codec.h"
#include "kop/api/group_version.h"
#include "kop/api/label_selector.h"
#include "kop/api/object.h"
#include "kop/api/object_key.h"
#include "kop/base/status_macros.h"

namespace kop::client {

using ObjectPtr = std::shared_ptr<const Object>;

enum class PatchType { kMerge, kJson, kStrategicMerge, kApply };

struct DeleteOptions {
  // "Background" (the default when empty), "Foreground" or "Orphan".
  std::string propagation_policy;
  std::optional<int64_t> grace_period_seconds;
  // Preconditions: the delete fails with 409 Conflict when the object differs.
  std::string precondition_uid;
  std::string precondition_resource_version;
  bool dry_run = false;
};

class Reader {
 public:
  virtual ~Reader() = default;

  // The object of `gvk` at `key` (an empty namespace for cluster-scoped kinds). NotFound
  // (kop::IsNotFound) when there is none.
  absl::StatusOr<ObjectPtr> Get(const GroupVersionKind& gvk, const ObjectKey& key) { return DoGet(gvk, key); }
  // Every object of `gvk` in `ns` (all namespaces when empty) that `selector` matches.
  absl::StatusOr<std::vector<ObjectPtr>> List(const GroupVersionKind& gvk, std::string_view ns = "",
                                              const LabelSelector& selector = {}) {
    return DoList(gvk, ns, selector);
  }

  // Typed reads: the object decoded into its type (kop/k8s for built-in kinds, your own
  // declared types for custom resources). Decoding reads the shared snapshot in place: a
  // cached object is neither copied nor expanded into a JSON tree first.
  //   KOP_ASSIGN_OR_RETURN(auto d, ctx.client().Get<kop::k8s::apps::v1::Deployment>(key));
  template <TypedKind T>
  absl::StatusOr<T> Get(const ObjectKey& key) {
    KOP_ASSIGN_OR_RETURN(ObjectPtr obj, DoGet(T::kGroupVersionKind, key));
    return kop::FromObject<T>(*obj);
  }
  template <TypedKind T>
  absl::StatusOr<std::vector<T>> List(std::string_view ns = "", const LabelSelector& selector = {}) {
    KOP_ASSIGN_OR_RETURN(std::vector<ObjectPtr> objs, DoList(T::kGroupVersionKind, ns, selector));
    std::vector<T> out;
    out.reserve(objs.size());
    for (const ObjectPtr& o : objs) {
      KOP_ASSIGN_OR_RETURN(T t, kop::FromObject<T>(*o));
      out.push_back(std::move(t));
    }
    return out;
  }

 private:
  virtual absl::StatusOr<ObjectPtr> DoGet(const GroupVersionKind& gvk, const ObjectKey& key) = 0;
  virtual absl::StatusOr<std::vector<ObjectPtr>> DoList(const GroupVersionKind& gvk, std::string_view ns,
                                                        const LabelSelector& selector) = 0;
};

// The status subresource. The object's apiVersion and kind say which resource.
class StatusWriter {
 public:
  virtual ~StatusWriter() = default;
  // Writes obj's status (with its resourceVersion as precondition); returns the stored object.
  virtual absl::StatusOr<Object> Update(const Object& obj) = 0;
  virtual absl::StatusOr<Object> Patch(const Object& obj, PatchType type, const std::string& patch) = 0;

  // Typed: the stored object decoded back into T.
  template <TypedKind T>
  absl::StatusOr<T> Update(const T& obj) {
    return kop::FromResult<T>(Update(kop::ToObject(obj)));
  }
  template <TypedKind T>
  absl::StatusOr<T> Patch(const T& obj, PatchType type, const std::string& patch) {
    return kop::FromResult<T>(Patch(kop::ToObject(obj), type, patch));
  }
};

// Writes go to the API server. The object's apiVersion and kind say which resource, its
// metadata which object.
class Writer {
 public:
  virtual ~Writer() = default;

  absl::StatusOr<Object> Create(const Object& obj) { return DoCreate(obj); }
  // A replace with obj's resourceVersion as precondition (409 Conflict when stale).
  absl::StatusOr<Object> Update(const Object& obj) { return DoUpdate(obj); }
  absl::StatusOr<Object> Patch(const Object& obj, PatchType type, const std::string& patch) {
    return DoPatch(obj, type, patch);
  }
  // Server-side apply of the fields `obj` sets, as `field_manager` (forcing conflicts by
  // default: a controller is the authority on what it applies).
  absl::StatusOr<Object> Apply(const Object& obj, const std::string& field_manager, bool force = true) {
    return DoApply(obj, field_manager, force);
  }
  absl::Status Delete(const Object& obj, const DeleteOptions& options = {}) { return DoDelete(obj, options); }
  // Deletes every object of `gvk` in `ns` that `selector` matches.
  absl::Status DeleteAllOf(const GroupVersionKind& gvk, std::string_view ns, const LabelSelector& selector = {},
                           const DeleteOptions& options = {}) {
    return DoDeleteAllOf(gvk, ns, selector, options);
  }
  virtual StatusWriter& Status() = 0;

  // Typed writes: T encoded as the server writes it, the stored object decoded back.
  template <TypedKind T>
  absl::StatusOr<T> Create(const T& obj) {
    return kop::FromResult<T>(DoCreate(kop::ToObject(obj)));
  }
  template <TypedKind T>
  absl::StatusOr<T> Update(const T& obj) {
    return kop::FromResult<T>(DoUpdate(kop::ToObject(obj)));
  }
  template <TypedKind T>
  absl::StatusOr<T> Patch(const T& obj, PatchType type, const std::string& patch) {
    return kop::FromResult<T>(DoPatch(kop::ToObject(obj), type, patch));
  }
  // Server-side apply of every field T sets. Plain members are always sent (counts and
  // required fields included), so apply with types whose optional fields say what you own.
  template <TypedKind T>
  absl::StatusOr<T> Apply(const T& obj, const std::string& field_manager, bool force = true) {
    return kop::FromResult<T>(DoApply(kop::ToObject(obj), field_manager, force));
  }
  template <TypedKind T>
  absl::Status Delete(const T& obj, const DeleteOptions& options = {}) {
    return DoDelete(kop::ToObject(obj), options);
  }

 private:
  virtual absl::StatusOr<Object> DoCreate(const Object& obj) = 0;
  virtual absl::StatusOr<Object> DoUpdate(const Object& obj) = 0;
  virtual absl::StatusOr<Object> DoPatch(const Object& obj, PatchType type, const std::string& patch) = 0;
  virtual absl::StatusOr<Object> DoApply(const Object& obj, const std::string& field_manager, bool force) = 0;
  virtual absl::Status DoDelete(const Object& obj, const DeleteOptions& options) = 0;
  virtual absl::Status DoDeleteAllOf(const GroupVersionKind& gvk, std::string_view ns, const LabelSelector& selector,
                                     const DeleteOptions& options) = 0;
};

class ObjectClient : public Reader, public Writer {};

// An ObjectClient that refuses everything with FailedPrecondition naming `who`: what a
// controller built without a client hands its reconcilers, so that a reconcile never meets a
// null client (it meets a clear error instead).
std::unique_ptr<ObjectClient> UnconfiguredClient(std::string who);

}  // namespace kop::client

#endif  // KOP_CLIENT_OBJECT_CLIENT_H_
