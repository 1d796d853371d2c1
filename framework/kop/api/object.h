// kop/api/object: the unstructured Kubernetes object every module passes around.
//
// An Object is a JSON object (apiVersion, kind, metadata, spec, status, ...) with typed
// accessors for the metadata every object has and path access for the rest. It is a value
// type: copying copies the JSON. Caches hand out `std::shared_ptr<const Object>` snapshots,
// so readers never copy and cannot corrupt what others see; a writer copies, then mutates.
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

  // Validates that `json` is a JSON object whose metadata, when present, is an object and whose
  // well-known metadata fields have the right types.
  static absl::StatusOr<Object> FromJson(Json json);
  // Parses JSON text, then validates as FromJson does.
  static absl::StatusOr<Object> Parse(std::string_view text);
  // A new object with apiVersion, kind and (when given) namespace and name set.
  static Object New(const GroupVersionKind& gvk, const ObjectKey& key = {});

  const Json& json() const { return json_; }
  Json& mutable_json() { return json_; }
  // Compact JSON text.
  std::string Dump() const;

  // ---- type ----
  const std::string& api_version() const;  // "" when absent
  const std::string& kind() const;         // "" when absent
  absl::StatusOr<GroupVersionKind> gvk() const;
  void set_api_version(std::string_view v);
  void set_kind(std::string_view k);
  void set_gvk(const GroupVersionKind& gvk);

  // ---- metadata (absent or wrongly typed fields read as empty / zero) ----
  const std::string& name() const;
  const std::string& namespace_() const;
  const std::string& generate_name() const;
  const std::string& uid() const;
  const std::string& resource_version() const;
  int64_t generation() const;
  ObjectKey key() const { return {namespace_(), name()}; }

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

  // metadata.managedFields, or nullptr.
  const Json* managed_fields() const;
  void ClearManagedFields();

  // ---- spec and status ----
  const Json* spec() const { return Find({"spec"}); }
  const Json* status() const { return Find({"status"}); }
  Json& mutable_spec();    // created as {} when absent
  Json& mutable_status();  // created as {} when absent

  // ---- paths ----
  // The value at `path`, or nullptr when any step is absent (or indexes a non-container).
  const Json* Find(FieldPath path) const;
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

  friend bool operator==(const Object& a, const Object& b) { return a.json_ == b.json_; }

 private:
  const Json* metadata() const;
  Json& mutable_metadata();
  const std::string& MetadataString(const char* field) const;

  Json json_;
};

}  // namespace kop

#endif  // KOP_API_OBJECT_H_
