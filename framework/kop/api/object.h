// kop/api/object: the unstructured Kubernetes object every module passes around.
//
// An Object is a JSON object (apiVersion, kind, metadata, spec, status, ...) with typed
// accessors for the metadata every object has and path access for the rest. It is a value
// type: copying copies the JSON. Caches hand out `std::shared_ptr<const Object>` snapshots,
// so readers never copy and cannot corrupt what others see; a writer copies, then mutates.
//
// Two representations, one interface. An Object normally holds a `Json` tree. `Compact()`
// re-encodes it as a `CompactJson` (one allocation about the size of the JSON text, where the
// tree takes about three times that); informer caches keep their objects compact. Every typed
// accessor, `view()`, `FindView()` and the Get* readers read a compact object in place. The
// first `json()`, `Find()`, `spec()` or `status()` call on a compact object decodes it once
// and keeps the tree beside it for the object's lifetime (thread-safe). So read cached
// objects (shared snapshots) through the views only, which the framework itself does; a
// reader that wants a tree copies the snapshot first (`kop::Object app = *cached;`: cheap,
// the copy shares the encoding) and decodes its own copy, which goes when the copy does. Any mutation turns a compact object back into a tree. Copying a
// compact object shares its encoding.
//
//   KOP_ASSIGN_OR_RETURN(kop::Object cm, kop::Object::Parse(text));
//   cm.SetLabel("app", "web");
//   KOP_ASSIGN_OR_RETURN(int64_t replicas, deployment.GetInt64({"spec", "replicas"}));
//   KOP_RETURN_IF_ERROR(deployment.Set({"spec", "replicas"}, 3));
//
// Thread-safety: like std::string: const methods may run concurrently; a mutation needs
// exclusive access.
#ifndef KOP_API_OBJECT_H_
#define KOP_API_OBJECT_H_

#include <atomic>
#include <cstdint>
#include <initializer_list>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "kop/api/group_version.h"
#include "kop/api/json.h"
#include "kop/api/json_view.h"
#include "kop/api/object_key.h"
#include "kop/api/owner_reference.h"

namespace kop {

// A path of object keys (and, where the value is an array, decimal indices) from the root of
// an object: {"spec", "template", "metadata", "labels"}. Borrowed: the strings must outlive
// the call it is passed to, as they do for a braced list at the call site.
class FieldPath {
 public:
  // The braced list's array lives until the end of the full expression that passes it.
  FieldPath(std::initializer_list<std::string_view> parts)  // NOLINT(google-explicit-constructor)
      : begin_(std::data(parts)), end_(std::data(parts) + parts.size()) {}
  FieldPath(const std::vector<std::string_view>& parts)  // NOLINT(google-explicit-constructor)
      : begin_(parts.data()), end_(parts.data() + parts.size()) {}

  const std::string_view* begin() const { return begin_; }
  const std::string_view* end() const { return end_; }
  size_t size() const { return static_cast<size_t>(end_ - begin_); }
  bool empty() const { return begin_ == end_; }
  // "spec.template.metadata", for messages.
  std::string ToString() const;

 private:
  const std::string_view* begin_;
  const std::string_view* end_;
};

class Object {
 public:
  // An empty object: `{}`.
  Object();
  // Takes `json` as it is; prefer FromJson for input from outside, which validates it.
  explicit Object(Json json);
  // Takes a compact document as it is (it should hold a JSON object), as a compact object.
  explicit Object(CompactJson compact);
  Object(const Object& other);
  Object(Object&& other) noexcept;
  Object& operator=(const Object& other);
  Object& operator=(Object&& other) noexcept;
  ~Object();

  // Validates that `json` is a JSON object whose metadata, when present, is an object and whose
  // well-known metadata fields have the right types.
  static absl::StatusOr<Object> FromJson(Json json);
  // Parses JSON text, then validates as FromJson does.
  static absl::StatusOr<Object> Parse(std::string_view text);
  // As Parse, into a compact object: no tree is built unless json() or a mutation needs one,
  // and then it costs what Parse would have. The client returns the server's answers this way.
  static absl::StatusOr<Object> ParseCompact(std::string_view text);
  // A new object with apiVersion, kind and (when given) namespace and name set.
  static Object New(const GroupVersionKind& gvk, const ObjectKey& key = {});

  // The tree. For a compact object, decodes it on first use (see above).
  const Json& json() const;
  Json& mutable_json() { return tree(); }
  // A read-only view of the whole document in either representation; never decodes.
  JsonView view() const { return compact_.empty() ? JsonView(json_) : compact_.view(); }
  // Compact JSON text.
  std::string Dump() const;

  // Re-encodes the document compactly and releases the tree (see above). No-op when compact.
  void Compact();
  bool is_compact() const { return !compact_.empty(); }
  // Whether a compact object has decoded a tree beside its encoding (json(), Find(), spec(),
  // status() or managed_fields() on it), which it then keeps. Objects in a cache should never
  // have one: read them through the views, or copy the object (a copy shares the encoding, and
  // what it decodes is its own).
  bool has_decoded_tree() const { return decoded_.load(std::memory_order_acquire) != nullptr; }

  // ---- type ----
  std::string_view api_version() const;  // "" when absent
  std::string_view kind() const;         // "" when absent
  absl::StatusOr<GroupVersionKind> gvk() const;
  void set_api_version(std::string_view v);
  void set_kind(std::string_view k);
  void set_gvk(const GroupVersionKind& gvk);

  // ---- metadata (absent or wrongly typed fields read as empty / zero) ----
  std::string_view name() const;
  std::string_view namespace_() const;
  std::string_view generate_name() const;
  std::string_view uid() const;
  std::string_view resource_version() const;
  int64_t generation() const;
  ObjectKey key() const { return {std::string(namespace_()), std::string(name())}; }

  void set_name(std::string_view v);
  void set_namespace(std::string_view v);
  void set_generate_name(std::string_view v);
  void set_uid(std::string_view v);
  void set_resource_version(std::string_view v);
  void set_generation(int64_t v);

  std::map<std::string, std::string> labels() const;
  std::optional<std::string> label(std::string_view key) const;
  void set_labels(const std::map<std::string, std::string>& labels);
  void SetLabel(std::string_view key, std::string_view value);
  bool RemoveLabel(std::string_view key);  // whether it was there

  std::map<std::string, std::string> annotations() const;
  std::optional<std::string> annotation(std::string_view key) const;
  void set_annotations(const std::map<std::string, std::string>& annotations);
  void SetAnnotation(std::string_view key, std::string_view value);
  bool RemoveAnnotation(std::string_view key);

  // Errors when ownerReferences is present but malformed.
  absl::StatusOr<std::vector<OwnerReference>> owner_references() const;
  void set_owner_references(const std::vector<OwnerReference>& refs);

  std::vector<std::string> finalizers() const;
  bool HasFinalizer(std::string_view finalizer) const;
  bool AddFinalizer(std::string_view finalizer);     // false when already present
  bool RemoveFinalizer(std::string_view finalizer);  // false when absent

  // Timestamps: nullopt when absent or null; an error when present but not RFC 3339.
  absl::StatusOr<std::optional<absl::Time>> creation_timestamp() const;
  absl::StatusOr<std::optional<absl::Time>> deletion_timestamp() const;
  void set_creation_timestamp(absl::Time t);
  void set_deletion_timestamp(absl::Time t);
  // Whether metadata.deletionTimestamp is set (deletion has begun, finalizers pending).
  bool IsBeingDeleted() const;

  // metadata.managedFields, or nullptr. Decodes a compact object (see above).
  const Json* managed_fields() const;
  void ClearManagedFields();

  // ---- spec and status ----
  const Json* spec() const { return Find({"spec"}); }
  const Json* status() const { return Find({"status"}); }
  Json& mutable_spec();    // created as {} when absent
  Json& mutable_status();  // created as {} when absent

  // ---- paths ----
  // The value at `path`, or nullptr when any step is absent (or indexes a non-container).
  // Decodes a compact object (see above); FindView does not.
  const Json* Find(FieldPath path) const;
  // The value at `path` as a view; absent (exists() false) where Find returns nullptr.
  JsonView FindView(FieldPath path) const;
  // Typed reads: NotFound when absent; InvalidArgument naming the path and both types when
  // the value has another type.
  absl::StatusOr<std::string> GetString(FieldPath path) const;
  absl::StatusOr<int64_t> GetInt64(FieldPath path) const;
  absl::StatusOr<double> GetDouble(FieldPath path) const;
  absl::StatusOr<bool> GetBool(FieldPath path) const;
  // Sets the value at `path`, creating missing objects on the way. InvalidArgument when a step
  // on the way exists but is not an object (arrays are not extended), or the path is empty.
  absl::Status Set(FieldPath path, Json value);
  // Removes the value at `path`; whether something was removed.
  bool Remove(FieldPath path);

  friend bool operator==(const Object& a, const Object& b) { return a.view() == b.view(); }

 private:
  JsonView metadata() const;
  Json& mutable_metadata();
  std::string_view MetadataString(const char* field) const;
  // The tree, for mutation: a compact object becomes a tree first.
  Json& tree();

  Json json_;                                    // the tree; null while compact
  CompactJson compact_;                          // the compact encoding, or empty
  mutable std::atomic<Json*> decoded_{nullptr};  // a compact object's tree, once json() ran
};

}  // namespace kop

#endif  // KOP_API_OBJECT_H_
