#include "kop/api/object.h"

#include <algorithm>
#include <charconv>
#include <memory>
#include <utility>

#include "kop/api/time.h"
#include "kop/base/status_macros.h"
#include "kop/base/strings.h"

namespace kop {
namespace {

absl::Status CheckType(JsonView parent, const char* field, std::string_view where,
                       Json::value_t want, std::string_view want_name) {
  const JsonView v = parent.find(field);
  if (!v.exists() || v.is_null()) return absl::OkStatus();
  const bool ok =
      v.type() == want || (want == Json::value_t::number_integer && v.is_number_integer());
  if (!ok) {
    return absl::InvalidArgumentError(
        kop::StrCat(where, field, ": expected ", want_name, ", got ", JsonTypeName(v)));
  }
  return absl::OkStatus();
}

absl::Status CheckStringMap(JsonView metadata, const char* field) {
  const JsonView map = metadata.find(field);
  if (!map.exists() || map.is_null()) return absl::OkStatus();
  if (!map.is_object()) {
    return absl::InvalidArgumentError(
        kop::StrCat("metadata.", field, ": expected object, got ", JsonTypeName(map)));
  }
  for (const auto& [k, v] : map.items()) {
    if (!v.is_string()) {
      return absl::InvalidArgumentError(kop::StrCat("metadata.", field, ".", k,
                                                     ": expected string, got ",
                                                     JsonTypeName(v)));
    }
  }
  return absl::OkStatus();
}

// What FromJson checks, on either representation.
absl::Status Validate(JsonView json) {
  if (!json.is_object()) {
    return absl::InvalidArgumentError(
        kop::StrCat("object: expected a JSON object, got ", JsonTypeName(json)));
  }
  const Json::value_t kString = Json::value_t::string;
  KOP_RETURN_IF_ERROR(CheckType(json, "apiVersion", "", kString, "string"));
  KOP_RETURN_IF_ERROR(CheckType(json, "kind", "", kString, "string"));
  KOP_RETURN_IF_ERROR(CheckType(json, "metadata", "", Json::value_t::object, "object"));
  const JsonView md = json.find("metadata");
  if (!md.is_object()) return absl::OkStatus();
  for (const char* field : {"name", "namespace", "generateName", "uid", "resourceVersion",
                            "creationTimestamp", "deletionTimestamp"}) {
    KOP_RETURN_IF_ERROR(CheckType(md, field, "metadata.", kString, "string"));
  }
  KOP_RETURN_IF_ERROR(
      CheckType(md, "generation", "metadata.", Json::value_t::number_integer, "integer"));
  KOP_RETURN_IF_ERROR(CheckStringMap(md, "labels"));
  KOP_RETURN_IF_ERROR(CheckStringMap(md, "annotations"));
  KOP_RETURN_IF_ERROR(CheckType(md, "finalizers", "metadata.", Json::value_t::array, "array"));
  for (const auto& [unused, v] : md.find("finalizers").items()) {
    if (!v.is_string()) {
      return absl::InvalidArgumentError(
          kop::StrCat("metadata.finalizers: expected array of strings, found ", JsonTypeName(v)));
    }
  }
  // Owner references are checked for their types only: one that lacks a field is still an
  // object (the API server refuses it with a 422 naming the field; owner_references() reports
  // it to whoever asks for the references).
  if (const JsonView refs = md.find("ownerReferences"); refs.exists() && !refs.is_null()) {
    if (!refs.is_array()) {
      return absl::InvalidArgumentError(kop::StrCat("metadata.ownerReferences: expected array, got ", JsonTypeName(refs)));
    }
    size_t i = 0;
    for (const auto& [unused, ref] : refs.items()) {
      if (!ref.is_object()) {
        return absl::InvalidArgumentError(
            kop::StrCat("metadata.ownerReferences[", i, "]: expected object, got ", JsonTypeName(ref)));
      }
      for (const char* field : {"apiVersion", "kind", "name", "uid"}) {
        if (const JsonView v = ref.find(field); v.exists() && !v.is_null() && !v.is_string()) {
          return absl::InvalidArgumentError(
              kop::StrCat("metadata.ownerReferences[", i, "].", field, ": expected string, got ", JsonTypeName(v)));
        }
      }
      for (const char* field : {"controller", "blockOwnerDeletion"}) {
        if (const JsonView v = ref.find(field); v.exists() && !v.is_null() && !v.is_boolean()) {
          return absl::InvalidArgumentError(
              kop::StrCat("metadata.ownerReferences[", i, "].", field, ": expected boolean, got ", JsonTypeName(v)));
        }
      }
      ++i;
    }
  }
  return absl::OkStatus();
}

std::map<std::string, std::string> StringMap(JsonView metadata, const char* field) {
  std::map<std::string, std::string> out;
  for (const auto& [k, v] : metadata[field].items()) {
    if (v.is_string()) out.emplace_hint(out.end(), k, v.get_string());
  }
  return out;
}

std::optional<std::string> StringMapEntry(JsonView metadata, const char* field,
                                          std::string_view key) {
  const JsonView entry = metadata[field][key];
  if (!entry.is_string()) return std::nullopt;
  return std::string(entry.get_string());
}

absl::StatusOr<std::optional<absl::Time>> Timestamp(JsonView metadata, const char* field) {
  const JsonView v = metadata[field];
  if (!v.exists() || v.is_null()) return std::nullopt;
  if (!v.is_string()) {
    return absl::InvalidArgumentError(
        kop::StrCat("metadata.", field, ": expected string, got ", JsonTypeName(v)));
  }
  absl::StatusOr<absl::Time> t = ParseRFC3339(v.get_string());
  if (!t.ok()) {
    return absl::InvalidArgumentError(kop::StrCat("metadata.", field, ": ", t.status().message()));
  }
  return std::optional<absl::Time>(*t);
}

// Steps from `node` to its child `part`: a key of an object, or an index of an array.
const Json* Step(const Json& node, std::string_view part) {
  if (node.is_object()) {
    auto it = node.find(part);
    return it == node.end() ? nullptr : &*it;
  }
  if (node.is_array()) {
    size_t index = 0;
    auto [end, ec] = std::from_chars(part.data(), part.data() + part.size(), index);
    if (ec != std::errc() || end != part.data() + part.size() || index >= node.size()) {
      return nullptr;
    }
    return &node[index];
  }
  return nullptr;
}

JsonView StepView(JsonView node, std::string_view part) {
  if (node.is_object()) return node.find(part);
  if (node.is_array()) {
    size_t index = 0;
    auto [end, ec] = std::from_chars(part.data(), part.data() + part.size(), index);
    if (ec != std::errc() || end != part.data() + part.size()) return {};
    return node.at(index);
  }
  return {};
}

template <typename T>
absl::StatusOr<T> TypeMismatch(FieldPath path, std::string_view want, const JsonView& got) {
  return absl::InvalidArgumentError(kop::StrCat(path.ToString(), ": expected ", want, ", got ",
                                                 JsonTypeName(got)));
}

absl::Status NotFoundAt(FieldPath path) {
  return absl::NotFoundError(kop::StrCat(path.ToString(), ": not set"));
}

}  // namespace

std::string FieldPath::ToString() const {
  std::string out;
  for (const std::string_view* p = begin_; p != end_; ++p) {
    if (p != begin_) out += '.';
    out += *p;
  }
  return out;
}

Object::Object() : json_(Json::object()) {}

Object::Object(Json json) : json_(std::move(json)) {}

Object::Object(CompactJson compact) : compact_(std::move(compact)) {
  if (compact_.empty()) json_ = Json::object();
}

Object::Object(const Object& other) : json_(other.json_), compact_(other.compact_) {}

Object::Object(Object&& other) noexcept
    : json_(std::move(other.json_)),
      compact_(std::move(other.compact_)),
      decoded_(other.decoded_.exchange(nullptr, std::memory_order_relaxed)) {}

Object& Object::operator=(const Object& other) {
  if (this != &other) {
    json_ = other.json_;
    compact_ = other.compact_;
    delete decoded_.exchange(nullptr, std::memory_order_relaxed);
  }
  return *this;
}

Object& Object::operator=(Object&& other) noexcept {
  if (this != &other) {
    json_ = std::move(other.json_);
    compact_ = std::move(other.compact_);
    delete decoded_.exchange(other.decoded_.exchange(nullptr, std::memory_order_relaxed),
                             std::memory_order_relaxed);
  }
  return *this;
}

Object::~Object() { delete decoded_.load(std::memory_order_relaxed); }

const Json& Object::json() const {
  if (compact_.empty()) return json_;
  Json* tree = decoded_.load(std::memory_order_acquire);
  if (tree != nullptr) return *tree;
  // Concurrent first readers may both decode; one tree wins, the other is dropped.
  auto fresh = std::make_unique<Json>(compact_.view().ToJson());
  if (decoded_.compare_exchange_strong(tree, fresh.get(), std::memory_order_acq_rel,
                                       std::memory_order_acquire)) {
    return *fresh.release();
  }
  return *tree;
}

Json& Object::tree() {
  if (!compact_.empty()) {
    if (Json* decoded = decoded_.exchange(nullptr, std::memory_order_relaxed)) {
      json_ = std::move(*decoded);
      delete decoded;
    } else {
      json_ = compact_.view().ToJson();
    }
    compact_ = CompactJson();
  }
  return json_;
}

void Object::Compact() {
  if (!compact_.empty()) return;
  compact_ = CompactJson::Encode(json_);
  if (!compact_.empty()) json_ = Json();
}

absl::StatusOr<Object> Object::FromJson(Json json) {
  KOP_RETURN_IF_ERROR(Validate(JsonView(json)));
  return Object(std::move(json));
}

absl::StatusOr<Object> Object::Parse(std::string_view text) {
  absl::StatusOr<Json> j = ParseJson(text);
  if (!j.ok()) return j.status();
  return FromJson(*std::move(j));
}

absl::StatusOr<Object> Object::ParseCompact(std::string_view text) {
  KOP_ASSIGN_OR_RETURN(CompactJson compact, CompactJson::Parse(text));
  KOP_RETURN_IF_ERROR(Validate(compact.view()));
  return Object(std::move(compact));
}

Object Object::New(const GroupVersionKind& gvk, const ObjectKey& key) {
  Object obj;
  obj.set_gvk(gvk);
  if (!key.name.empty()) obj.set_name(key.name);
  if (!key.namespace_.empty()) obj.set_namespace(key.namespace_);
  return obj;
}

std::string Object::Dump() const { return compact_.empty() ? DumpJson(json_) : view().Dump(); }

std::string_view Object::api_version() const { return view()["apiVersion"].get_string(); }

std::string_view Object::kind() const { return view()["kind"].get_string(); }

absl::StatusOr<GroupVersionKind> Object::gvk() const {
  return GroupVersionKind::FromApiVersionKind(api_version(), kind());
}

// Setters copy their argument before touching the document: it may be a view into this
// object's own compact encoding, which a mutation releases.
void Object::set_api_version(std::string_view v) {
  Json value(v);
  tree()["apiVersion"] = std::move(value);
}
void Object::set_kind(std::string_view k) {
  Json value(k);
  tree()["kind"] = std::move(value);
}
void Object::set_gvk(const GroupVersionKind& gvk) {
  tree()["apiVersion"] = gvk.api_version();
  json_["kind"] = gvk.kind;
}

JsonView Object::metadata() const {
  const JsonView md = view()["metadata"];
  return md.is_object() ? md : JsonView();
}

Json& Object::mutable_metadata() {
  Json& md = tree()["metadata"];
  if (!md.is_object()) md = Json::object();
  return md;
}

std::string_view Object::MetadataString(const char* field) const {
  return metadata()[field].get_string();
}

std::string_view Object::name() const { return MetadataString("name"); }
std::string_view Object::namespace_() const { return MetadataString("namespace"); }
std::string_view Object::generate_name() const { return MetadataString("generateName"); }
std::string_view Object::uid() const { return MetadataString("uid"); }
std::string_view Object::resource_version() const { return MetadataString("resourceVersion"); }

int64_t Object::generation() const {
  const JsonView g = metadata()["generation"];
  return g.is_number_integer() ? g.get_int64() : 0;
}

void Object::set_name(std::string_view v) {
  Json value(v);
  mutable_metadata()["name"] = std::move(value);
}
void Object::set_namespace(std::string_view v) {
  Json value(v);
  mutable_metadata()["namespace"] = std::move(value);
}
void Object::set_generate_name(std::string_view v) {
  Json value(v);
  mutable_metadata()["generateName"] = std::move(value);
}
void Object::set_uid(std::string_view v) {
  Json value(v);
  mutable_metadata()["uid"] = std::move(value);
}
void Object::set_resource_version(std::string_view v) {
  Json value(v);
  mutable_metadata()["resourceVersion"] = std::move(value);
}
void Object::set_generation(int64_t v) { mutable_metadata()["generation"] = v; }

std::map<std::string, std::string> Object::labels() const {
  return StringMap(metadata(), "labels");
}
std::optional<std::string> Object::label(std::string_view key) const {
  return StringMapEntry(metadata(), "labels", key);
}
void Object::set_labels(const std::map<std::string, std::string>& labels) {
  mutable_metadata()["labels"] = labels;
}
void Object::SetLabel(std::string_view key, std::string_view value) {
  std::string k(key);
  Json v(value);
  Json& l = mutable_metadata()["labels"];
  if (!l.is_object()) l = Json::object();
  l[std::move(k)] = std::move(v);
}
bool Object::RemoveLabel(std::string_view key) {
  return Remove({"metadata", "labels", key});
}

std::map<std::string, std::string> Object::annotations() const {
  return StringMap(metadata(), "annotations");
}
std::optional<std::string> Object::annotation(std::string_view key) const {
  return StringMapEntry(metadata(), "annotations", key);
}
void Object::set_annotations(const std::map<std::string, std::string>& annotations) {
  mutable_metadata()["annotations"] = annotations;
}
void Object::SetAnnotation(std::string_view key, std::string_view value) {
  std::string k(key);
  Json v(value);
  Json& a = mutable_metadata()["annotations"];
  if (!a.is_object()) a = Json::object();
  a[std::move(k)] = std::move(v);
}
bool Object::RemoveAnnotation(std::string_view key) {
  return Remove({"metadata", "annotations", key});
}

absl::StatusOr<std::vector<OwnerReference>> Object::owner_references() const {
  const JsonView refs = metadata()["ownerReferences"];
  if (!refs.exists()) return std::vector<OwnerReference>();
  return OwnerReferencesFromJson(refs);
}

void Object::set_owner_references(const std::vector<OwnerReference>& refs) {
  if (refs.empty()) {
    Remove({"metadata", "ownerReferences"});
    return;
  }
  Json arr = Json::array();
  for (const OwnerReference& ref : refs) arr.push_back(ref.ToJson());
  mutable_metadata()["ownerReferences"] = std::move(arr);
}

std::vector<std::string> Object::finalizers() const {
  std::vector<std::string> out;
  for (const auto& [unused, v] : metadata()["finalizers"].items()) {
    if (v.is_string()) out.emplace_back(v.get_string());
  }
  return out;
}

bool Object::HasFinalizer(std::string_view finalizer) const {
  for (const auto& [unused, v] : metadata()["finalizers"].items()) {
    if (v.is_string() && v.get_string() == finalizer) return true;
  }
  return false;
}

bool Object::AddFinalizer(std::string_view finalizer) {
  if (HasFinalizer(finalizer)) return false;
  Json value(finalizer);
  Json& f = mutable_metadata()["finalizers"];
  if (!f.is_array()) f = Json::array();
  f.push_back(std::move(value));
  return true;
}

bool Object::RemoveFinalizer(std::string_view finalizer) {
  if (!HasFinalizer(finalizer)) return false;
  const std::string wanted(finalizer);
  Json& root = tree();
  Json* md = root.contains("metadata") ? &root["metadata"] : nullptr;
  if (md == nullptr || !md->is_object()) return false;
  auto it = md->find("finalizers");
  if (it == md->end() || !it->is_array()) return false;
  Json kept = Json::array();
  bool removed = false;
  for (Json& v : *it) {
    if (v.is_string() && v == wanted) {
      removed = true;
    } else {
      kept.push_back(std::move(v));
    }
  }
  if (kept.empty()) {
    md->erase(it);
  } else {
    *it = std::move(kept);
  }
  return removed;
}

absl::StatusOr<std::optional<absl::Time>> Object::creation_timestamp() const {
  return Timestamp(metadata(), "creationTimestamp");
}
absl::StatusOr<std::optional<absl::Time>> Object::deletion_timestamp() const {
  return Timestamp(metadata(), "deletionTimestamp");
}
void Object::set_creation_timestamp(absl::Time t) {
  mutable_metadata()["creationTimestamp"] = FormatRFC3339(t);
}
void Object::set_deletion_timestamp(absl::Time t) {
  mutable_metadata()["deletionTimestamp"] = FormatRFC3339(t);
}
bool Object::IsBeingDeleted() const {
  const JsonView t = metadata()["deletionTimestamp"];
  return t.exists() && !t.is_null();
}

const Json* Object::managed_fields() const { return Find({"metadata", "managedFields"}); }
void Object::ClearManagedFields() { Remove({"metadata", "managedFields"}); }

Json& Object::mutable_spec() {
  Json& s = tree()["spec"];
  if (!s.is_object()) s = Json::object();
  return s;
}

Json& Object::mutable_status() {
  Json& s = tree()["status"];
  if (!s.is_object()) s = Json::object();
  return s;
}

const Json* Object::Find(FieldPath path) const {
  const Json* node = &json();
  for (std::string_view part : path) {
    node = Step(*node, part);
    if (node == nullptr) return nullptr;
  }
  return node;
}

JsonView Object::FindView(FieldPath path) const {
  JsonView node = view();
  for (std::string_view part : path) {
    node = StepView(node, part);
    if (!node.exists()) return {};
  }
  return node;
}

absl::StatusOr<std::string> Object::GetString(FieldPath path) const {
  const JsonView v = FindView(path);
  if (!v.exists()) return NotFoundAt(path);
  if (!v.is_string()) return TypeMismatch<std::string>(path, "string", v);
  return std::string(v.get_string());
}

absl::StatusOr<int64_t> Object::GetInt64(FieldPath path) const {
  const JsonView v = FindView(path);
  if (!v.exists()) return NotFoundAt(path);
  if (v.is_number_unsigned()) {
    const uint64_t u = v.get_uint64();
    if (u > static_cast<uint64_t>(INT64_MAX)) {
      return absl::OutOfRangeError(kop::StrCat(path.ToString(), ": ", u, " overflows int64"));
    }
    return static_cast<int64_t>(u);
  }
  if (!v.is_number_integer()) return TypeMismatch<int64_t>(path, "integer", v);
  return v.get_int64();
}

absl::StatusOr<double> Object::GetDouble(FieldPath path) const {
  const JsonView v = FindView(path);
  if (!v.exists()) return NotFoundAt(path);
  if (!v.is_number()) return TypeMismatch<double>(path, "number", v);
  return v.get_double();
}

absl::StatusOr<bool> Object::GetBool(FieldPath path) const {
  const JsonView v = FindView(path);
  if (!v.exists()) return NotFoundAt(path);
  if (!v.is_boolean()) return TypeMismatch<bool>(path, "boolean", v);
  return v.get_bool();
}

absl::Status Object::Set(FieldPath path, Json value) {
  if (path.empty()) return absl::InvalidArgumentError("Set: empty field path");
  if (is_compact()) {
    // The path's parts may point into the encoding that tree() releases.
    const std::vector<std::string> owned(path.begin(), path.end());
    const std::vector<std::string_view> parts(owned.begin(), owned.end());
    tree();
    return Set(FieldPath(parts), std::move(value));
  }
  Json* node = &json_;
  size_t depth = 0;
  for (std::string_view part : path) {
    if (node->is_null()) *node = Json::object();
    if (!node->is_object()) {
      std::vector<std::string_view> prefix(path.begin(), path.begin() + depth);
      return absl::InvalidArgumentError(
          kop::StrCat("Set ", path.ToString(), ": ",
                       prefix.empty() ? std::string("the object") : FieldPath(prefix).ToString(),
                       " is a ", JsonTypeName(*node), ", not an object"));
    }
    node = &(*node)[std::string(part)];
    ++depth;
  }
  *node = std::move(value);
  return absl::OkStatus();
}

bool Object::Remove(FieldPath path) {
  if (path.empty()) return false;
  if (!FindView(path).exists()) return false;
  if (is_compact()) {
    // The path's parts may point into the encoding that tree() releases.
    const std::vector<std::string> owned(path.begin(), path.end());
    const std::vector<std::string_view> parts(owned.begin(), owned.end());
    tree();
    return Remove(FieldPath(parts));
  }
  const std::string_view* last = path.end() - 1;
  const std::string key(*last);
  const Json* parent = &json_;
  for (const std::string_view* p = path.begin(); p != last; ++p) {
    parent = Step(*parent, *p);
    if (parent == nullptr) return false;
  }
  if (!parent->is_object()) return false;
  // Find() hands out const pointers; this object owns the node, so mutating it is sound.
  return const_cast<Json*>(parent)->erase(key) > 0;
}

}  // namespace kop
