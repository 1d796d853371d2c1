#include "kop/api/object.h"

#include <algorithm>
#include <charconv>
#include <utility>

#include "kop/base/strings.h"
#include "kop/api/time.h"
#include "kop/base/status_macros.h"

namespace kop {
namespace {

const std::string& EmptyString() {
  static const std::string* const empty = new std::string();
  return *empty;
}

absl::Status CheckType(const Json& parent, const char* field, std::string_view where,
                       Json::value_t want, std::string_view want_name) {
  auto it = parent.find(field);
  if (it == parent.end() || it->is_null()) return absl::OkStatus();
  const bool ok = it->type() == want ||
                  (want == Json::value_t::number_integer && it->is_number_unsigned());
  if (!ok) {
    return absl::InvalidArgumentError(kop::StrCat(where, field, ": expected ", want_name,
                                                   ", got ", JsonTypeName(*it)));
  }
  return absl::OkStatus();
}

absl::Status CheckStringMap(const Json& metadata, const char* field) {
  auto it = metadata.find(field);
  if (it == metadata.end() || it->is_null()) return absl::OkStatus();
  if (!it->is_object()) {
    return absl::InvalidArgumentError(kop::StrCat("metadata.", field,
                                                   ": expected object, got ",
                                                   JsonTypeName(*it)));
  }
  for (const auto& [k, v] : it->items()) {
    if (!v.is_string()) {
      return absl::InvalidArgumentError(kop::StrCat("metadata.", field, ".", k,
                                                     ": expected string, got ",
                                                     JsonTypeName(v)));
    }
  }
  return absl::OkStatus();
}

std::map<std::string, std::string> StringMap(const Json* metadata, const char* field) {
  std::map<std::string, std::string> out;
  if (metadata == nullptr) return out;
  auto it = metadata->find(field);
  if (it == metadata->end() || !it->is_object()) return out;
  for (const auto& [k, v] : it->items()) {
    if (v.is_string()) out.emplace(k, v.get<std::string>());
  }
  return out;
}

std::optional<std::string> StringMapEntry(const Json* metadata, const char* field,
                                          std::string_view key) {
  if (metadata == nullptr) return std::nullopt;
  auto it = metadata->find(field);
  if (it == metadata->end() || !it->is_object()) return std::nullopt;
  auto entry = it->find(key);
  if (entry == it->end() || !entry->is_string()) return std::nullopt;
  return entry->get<std::string>();
}

absl::StatusOr<std::optional<absl::Time>> Timestamp(const Json* metadata, const char* field) {
  if (metadata == nullptr) return std::nullopt;
  auto it = metadata->find(field);
  if (it == metadata->end() || it->is_null()) return std::nullopt;
  if (!it->is_string()) {
    return absl::InvalidArgumentError(kop::StrCat("metadata.", field,
                                                   ": expected string, got ",
                                                   JsonTypeName(*it)));
  }
  absl::StatusOr<absl::Time> t = ParseRFC3339(it->get_ref<const std::string&>());
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

template <typename T>
absl::StatusOr<T> TypeMismatch(FieldPath path, std::string_view want, const Json& got) {
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

absl::StatusOr<Object> Object::FromJson(Json json) {
  if (!json.is_object()) {
    return absl::InvalidArgumentError(
        kop::StrCat("object: expected a JSON object, got ", JsonTypeName(json)));
  }
  const Json::value_t kString = Json::value_t::string;
  absl::Status s = CheckType(json, "apiVersion", "", kString, "string");
  if (s.ok()) s = CheckType(json, "kind", "", kString, "string");
  if (s.ok()) s = CheckType(json, "metadata", "", Json::value_t::object, "object");
  if (!s.ok()) return s;
  auto md = json.find("metadata");
  if (md != json.end() && md->is_object()) {
    for (const char* field : {"name", "namespace", "generateName", "uid", "resourceVersion",
                              "creationTimestamp", "deletionTimestamp"}) {
      KOP_RETURN_IF_ERROR(CheckType(*md, field, "metadata.", kString, "string"));
    }
    KOP_RETURN_IF_ERROR(
        CheckType(*md, "generation", "metadata.", Json::value_t::number_integer, "integer"));
    KOP_RETURN_IF_ERROR(CheckStringMap(*md, "labels"));
    KOP_RETURN_IF_ERROR(CheckStringMap(*md, "annotations"));
    KOP_RETURN_IF_ERROR(
        CheckType(*md, "finalizers", "metadata.", Json::value_t::array, "array"));
    if (auto f = md->find("finalizers"); f != md->end() && f->is_array()) {
      for (const Json& v : *f) {
        if (!v.is_string()) {
          return absl::InvalidArgumentError(kop::StrCat(
              "metadata.finalizers: expected array of strings, found ", JsonTypeName(v)));
        }
      }
    }
    if (auto refs = md->find("ownerReferences"); refs != md->end()) {
      absl::StatusOr<std::vector<OwnerReference>> parsed = OwnerReferencesFromJson(*refs);
      if (!parsed.ok()) return parsed.status();
    }
  }
  return Object(std::move(json));
}

absl::StatusOr<Object> Object::Parse(std::string_view text) {
  absl::StatusOr<Json> j = ParseJson(text);
  if (!j.ok()) return j.status();
  return FromJson(*std::move(j));
}

Object Object::New(const GroupVersionKind& gvk, const ObjectKey& key) {
  Object obj;
  obj.set_gvk(gvk);
  if (!key.name.empty()) obj.set_name(key.name);
  if (!key.namespace_.empty()) obj.set_namespace(key.namespace_);
  return obj;
}

std::string Object::Dump() const { return DumpJson(json_); }

const std::string& Object::api_version() const {
  auto it = json_.find("apiVersion");
  return it != json_.end() && it->is_string() ? it->get_ref<const std::string&>() : EmptyString();
}

const std::string& Object::kind() const {
  auto it = json_.find("kind");
  return it != json_.end() && it->is_string() ? it->get_ref<const std::string&>() : EmptyString();
}

absl::StatusOr<GroupVersionKind> Object::gvk() const {
  return GroupVersionKind::FromApiVersionKind(api_version(), kind());
}

void Object::set_api_version(std::string_view v) { json_["apiVersion"] = v; }
void Object::set_kind(std::string_view k) { json_["kind"] = k; }
void Object::set_gvk(const GroupVersionKind& gvk) {
  json_["apiVersion"] = gvk.api_version();
  json_["kind"] = gvk.kind;
}

const Json* Object::metadata() const {
  auto it = json_.find("metadata");
  return it != json_.end() && it->is_object() ? &*it : nullptr;
}

Json& Object::mutable_metadata() {
  Json& md = json_["metadata"];
  if (!md.is_object()) md = Json::object();
  return md;
}

const std::string& Object::MetadataString(const char* field) const {
  const Json* md = metadata();
  if (md == nullptr) return EmptyString();
  auto it = md->find(field);
  return it != md->end() && it->is_string() ? it->get_ref<const std::string&>() : EmptyString();
}

const std::string& Object::name() const { return MetadataString("name"); }
const std::string& Object::namespace_() const { return MetadataString("namespace"); }
const std::string& Object::generate_name() const { return MetadataString("generateName"); }
const std::string& Object::uid() const { return MetadataString("uid"); }
const std::string& Object::resource_version() const { return MetadataString("resourceVersion"); }

int64_t Object::generation() const {
  const Json* md = metadata();
  if (md == nullptr) return 0;
  auto it = md->find("generation");
  return it != md->end() && it->is_number_integer() ? it->get<int64_t>() : 0;
}

void Object::set_name(std::string_view v) { mutable_metadata()["name"] = v; }
void Object::set_namespace(std::string_view v) { mutable_metadata()["namespace"] = v; }
void Object::set_generate_name(std::string_view v) { mutable_metadata()["generateName"] = v; }
void Object::set_uid(std::string_view v) { mutable_metadata()["uid"] = v; }
void Object::set_resource_version(std::string_view v) {
  mutable_metadata()["resourceVersion"] = v;
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
  Json& l = mutable_metadata()["labels"];
  if (!l.is_object()) l = Json::object();
  l[std::string(key)] = value;
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
  Json& a = mutable_metadata()["annotations"];
  if (!a.is_object()) a = Json::object();
  a[std::string(key)] = value;
}
bool Object::RemoveAnnotation(std::string_view key) {
  return Remove({"metadata", "annotations", key});
}

absl::StatusOr<std::vector<OwnerReference>> Object::owner_references() const {
  const Json* md = metadata();
  if (md == nullptr) return std::vector<OwnerReference>();
  auto it = md->find("ownerReferences");
  if (it == md->end()) return std::vector<OwnerReference>();
  return OwnerReferencesFromJson(*it);
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
  const Json* f = Find({"metadata", "finalizers"});
  if (f == nullptr || !f->is_array()) return out;
  for (const Json& v : *f) {
    if (v.is_string()) out.push_back(v.get<std::string>());
  }
  return out;
}

bool Object::HasFinalizer(std::string_view finalizer) const {
  const Json* f = Find({"metadata", "finalizers"});
  if (f == nullptr || !f->is_array()) return false;
  return std::any_of(f->begin(), f->end(),
                     [&](const Json& v) { return v.is_string() && v == finalizer; });
}

bool Object::AddFinalizer(std::string_view finalizer) {
  if (HasFinalizer(finalizer)) return false;
  Json& f = mutable_metadata()["finalizers"];
  if (!f.is_array()) f = Json::array();
  f.push_back(finalizer);
  return true;
}

bool Object::RemoveFinalizer(std::string_view finalizer) {
  Json* md = json_.contains("metadata") ? &json_["metadata"] : nullptr;
  if (md == nullptr || !md->is_object()) return false;
  auto it = md->find("finalizers");
  if (it == md->end() || !it->is_array()) return false;
  Json kept = Json::array();
  bool removed = false;
  for (Json& v : *it) {
    if (v.is_string() && v == finalizer) {
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
  const Json* t = Find({"metadata", "deletionTimestamp"});
  return t != nullptr && !t->is_null();
}

const Json* Object::managed_fields() const { return Find({"metadata", "managedFields"}); }
void Object::ClearManagedFields() { Remove({"metadata", "managedFields"}); }

Json& Object::mutable_spec() {
  Json& s = json_["spec"];
  if (!s.is_object()) s = Json::object();
  return s;
}

Json& Object::mutable_status() {
  Json& s = json_["status"];
  if (!s.is_object()) s = Json::object();
  return s;
}

const Json* Object::Find(FieldPath path) const {
  const Json* node = &json_;
  for (std::string_view part : path) {
    node = Step(*node, part);
    if (node == nullptr) return nullptr;
  }
  return node;
}

absl::StatusOr<std::string> Object::GetString(FieldPath path) const {
  const Json* v = Find(path);
  if (v == nullptr) return NotFoundAt(path);
  if (!v->is_string()) return TypeMismatch<std::string>(path, "string", *v);
  return v->get<std::string>();
}

absl::StatusOr<int64_t> Object::GetInt64(FieldPath path) const {
  const Json* v = Find(path);
  if (v == nullptr) return NotFoundAt(path);
  if (v->is_number_unsigned()) {
    const uint64_t u = v->get<uint64_t>();
    if (u > static_cast<uint64_t>(INT64_MAX)) {
      return absl::OutOfRangeError(kop::StrCat(path.ToString(), ": ", u, " overflows int64"));
    }
    return static_cast<int64_t>(u);
  }
  if (!v->is_number_integer()) return TypeMismatch<int64_t>(path, "integer", *v);
  return v->get<int64_t>();
}

absl::StatusOr<double> Object::GetDouble(FieldPath path) const {
  const Json* v = Find(path);
  if (v == nullptr) return NotFoundAt(path);
  if (!v->is_number()) return TypeMismatch<double>(path, "number", *v);
  return v->get<double>();
}

absl::StatusOr<bool> Object::GetBool(FieldPath path) const {
  const Json* v = Find(path);
  if (v == nullptr) return NotFoundAt(path);
  if (!v->is_boolean()) return TypeMismatch<bool>(path, "boolean", *v);
  return v->get<bool>();
}

absl::Status Object::Set(FieldPath path, Json value) {
  if (path.empty()) return absl::InvalidArgumentError("Set: empty field path");
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
  const std::string_view* last = path.end() - 1;
  const Json* parent = &json_;
  for (const std::string_view* p = path.begin(); p != last; ++p) {
    parent = Step(*parent, *p);
    if (parent == nullptr) return false;
  }
  if (!parent->is_object()) return false;
  // Find() hands out const pointers; this object owns the node, so mutating it is sound.
  return const_cast<Json*>(parent)->erase(std::string(*last)) > 0;
}

}  // namespace kop
