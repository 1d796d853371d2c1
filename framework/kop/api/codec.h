// kop/api/codec: typed Kubernetes objects: their value types and how they read and write JSON.
//
// A typed object is a plain struct (the built-in kinds' structs are generated into kop/k8s; a
// custom resource's are declared with kop/api/resource.h) that kop reads straight from an
// object's JsonView, so reading a cached object into its type decodes once and never copies
// or pins a JSON tree, and writes back as the API server itself would write it:
//
//   KOP_ASSIGN_OR_RETURN(auto deployment, ctx.client().Get<kop::k8s::apps::v1::Deployment>(key));
//   if (deployment.spec.replicas.value_or(1) != want) { ... }
//
// Encoding follows the Go types' `omitempty` rules, field by field: an unset std::optional,
// an empty list and an empty map are left out; a field the Go type always writes (a plain
// member here: non-pointer structs, counts and required strings) is always written; a time
// the Go type always writes is written as null when unset. So an object read from the server
// and written back is what the server stores, and an empty map sent as `{}` never differs
// from what the server returns.
//
// Unknown fields: keys a struct does not model (a newer server's fields) are kept in its
// `unknown_fields` and written back, so an operator built against older types drops nothing.
//
// Thread-safety: the value types are thread-compatible; the functions are thread-safe.
#ifndef KOP_API_CODEC_H_
#define KOP_API_CODEC_H_

#include <concepts>
#include <initializer_list>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "kop/api/group_version.h"
#include "kop/api/json.h"
#include "kop/api/json_view.h"
#include "kop/api/object.h"
#include "kop/api/object_key.h"
#include "kop/api/quantity.h"

namespace kop {

// A value that is either a 32-bit integer or a string (intstr.IntOrString): a Service's
// targetPort, a rolling update's maxSurge ("25%" or 1). A default-constructed one is the int 0.
class IntOrString {
 public:
  IntOrString() = default;
  IntOrString(int32_t value) : value_(value) {}                   // NOLINT(google-explicit-constructor)
  IntOrString(std::string value) : value_(std::move(value)) {}    // NOLINT(google-explicit-constructor)
  IntOrString(const char* value) : value_(std::string(value)) {}  // NOLINT(google-explicit-constructor)

  bool is_int() const { return std::holds_alternative<int32_t>(value_); }
  bool is_string() const { return !is_int(); }
  // 0 for a string.
  int32_t int_value() const { return is_int() ? std::get<int32_t>(value_) : 0; }
  // "" for an int.
  const std::string& string_value() const;
  // "8080" or "http".
  std::string ToString() const;

  // The value against `total`, as upstream's GetScaledValueFromIntOrPercent: an int is itself,
  // "25%" is 25 % of total rounded up or down. InvalidArgument for a string that is not a
  // percentage.
  absl::StatusOr<int32_t> ScaledValue(int32_t total, bool round_up) const;

  friend bool operator==(const IntOrString&, const IntOrString&) = default;

 private:
  std::variant<int32_t, std::string> value_{int32_t{0}};
};

// A metav1.MicroTime: a time written with exactly six fraction digits
// ("2026-01-02T03:04:05.000000Z"), as Leases and events.k8s.io Events carry.
struct MicroTime {
  absl::Time time;
  friend bool operator==(const MicroTime&, const MicroTime&) = default;
};

// Binary data ([]byte in Go): the bytes themselves here, base64 in JSON (a Secret's data).
struct Bytes : std::string {
  using std::string::string;
  Bytes() = default;
  Bytes(std::string s) : std::string(std::move(s)) {}  // NOLINT(google-explicit-constructor)
};

// The GroupVersionKind of a typed kind, usable in constant expressions (no static
// initialisation order to worry about); converts to GroupVersionKind.
struct StaticGroupVersionKind {
  std::string_view group;
  std::string_view version;
  std::string_view kind;

  operator GroupVersionKind() const {  // NOLINT(google-explicit-constructor)
    return {std::string(group), std::string(version), std::string(kind)};
  }
  // "apps/v1", or "v1" for the core group.
  std::string api_version() const;
  // Whether `api_version` is this group and version (no allocation: every typed read asks).
  constexpr bool MatchesApiVersion(std::string_view api_version) const {
    if (group.empty()) return api_version == version;
    return api_version.size() == group.size() + 1 + version.size() && api_version.starts_with(group) &&
           api_version[group.size()] == '/' && api_version.ends_with(version);
  }
};

namespace codec {

// Where in the document a value is, for error messages: a chain of keys and indices from
// the root, built on the stack while decoding (nothing is allocated unless an error is made).
struct Path {
  static constexpr size_t kNoIndex = static_cast<size_t>(-1);
  const Path* parent = nullptr;
  std::string_view key;
  size_t index = kNoIndex;

  Path Child(std::string_view k) const { return Path{this, k, kNoIndex}; }
  Path Element(size_t i) const { return Path{this, {}, i}; }
  // "spec.template.spec.containers[0].ports[1].containerPort"; "" for the root.
  std::string ToString() const;
};

// InvalidArgument: "<path>: expected <want>, got <JSON type> <value>".
absl::Status WrongType(const Path& path, std::string_view want, JsonView got);

// Scalars. null leaves the value as it is (Go does the same for non-pointer fields).
absl::Status Decode(JsonView v, std::string& out, const Path& path);
absl::Status Decode(JsonView v, bool& out, const Path& path);
absl::Status Decode(JsonView v, int32_t& out, const Path& path);
absl::Status Decode(JsonView v, int64_t& out, const Path& path);
absl::Status Decode(JsonView v, double& out, const Path& path);
absl::Status Decode(JsonView v, Quantity& out, const Path& path);
absl::Status Decode(JsonView v, IntOrString& out, const Path& path);
absl::Status Decode(JsonView v, absl::Time& out, const Path& path);
absl::Status Decode(JsonView v, MicroTime& out, const Path& path);
absl::Status Decode(JsonView v, Bytes& out, const Path& path);
absl::Status Decode(JsonView v, Json& out, const Path& path);

Json Encode(const std::string& v);
Json Encode(bool v);
Json Encode(int32_t v);
Json Encode(int64_t v);
Json Encode(double v);
Json Encode(const Quantity& v);
Json Encode(const IntOrString& v);
Json Encode(absl::Time v);
Json Encode(const MicroTime& v);
Json Encode(const Bytes& v);
Json Encode(const Json& v);

// Structs: found by argument-dependent lookup.
//   absl::Status KopDecode(JsonView, T&, const kop::codec::Path&);
//   kop::Json KopEncode(const T&);   // a JSON object
// Or declared with kop::Fields (kop/api/resource.h): `static constexpr auto kFields`.
template <typename T>
concept AdlStruct = requires(JsonView v, T& t, const T& ct, const Path& p) {
  { KopDecode(v, t, p) } -> std::same_as<absl::Status>;
  { KopEncode(ct) } -> std::same_as<Json>;
};
template <typename T>
concept Declared = requires { T::kFields; };
template <typename T>
concept Struct = AdlStruct<T> || Declared<T>;

template <Declared T>
absl::Status DecodeDeclared(JsonView v, T& out, const Path& path);  // kop/api/resource.h
template <Declared T>
Json EncodeDeclared(const T& in);

template <Struct T>
absl::Status Decode(JsonView v, T& out, const Path& path) {
  if constexpr (Declared<T>) {
    return DecodeDeclared(v, out, path);
  } else {
    return KopDecode(v, out, path);
  }
}
template <Struct T>
Json Encode(const T& v) {
  if constexpr (Declared<T>) {
    return EncodeDeclared(v);
  } else {
    return KopEncode(v);
  }
}

template <typename T>
absl::Status Decode(JsonView v, std::optional<T>& out, const Path& path);
template <typename T>
absl::Status Decode(JsonView v, std::vector<T>& out, const Path& path);
template <typename T>
absl::Status Decode(JsonView v, std::map<std::string, T>& out, const Path& path);
template <typename T>
Json Encode(const std::optional<T>& v);
template <typename T>
Json Encode(const std::vector<T>& v);
template <typename T>
Json Encode(const std::map<std::string, T>& v);

template <typename T>
absl::Status Decode(JsonView v, std::optional<T>& out, const Path& path) {
  if (!v.exists() || v.is_null()) {
    out.reset();
    return absl::OkStatus();
  }
  if (!out.has_value()) out.emplace();
  return Decode(v, *out, path);
}

template <typename T>
absl::Status Decode(JsonView v, std::vector<T>& out, const Path& path) {
  out.clear();
  if (!v.exists() || v.is_null()) return absl::OkStatus();
  if (!v.is_array()) return WrongType(path, "a list", v);
  out.resize(v.size());
  size_t i = 0;
  for (const JsonMember& m : v.items()) {
    absl::Status s = Decode(m.value, out[i], path.Element(i));
    if (!s.ok()) return s;
    ++i;
  }
  return absl::OkStatus();
}

template <typename T>
absl::Status Decode(JsonView v, std::map<std::string, T>& out, const Path& path) {
  out.clear();
  if (!v.exists() || v.is_null()) return absl::OkStatus();
  if (!v.is_object()) return WrongType(path, "an object", v);
  for (const JsonMember& m : v.items()) {
    auto it = out.emplace_hint(out.end(), std::string(m.key), T{});
    absl::Status s = Decode(m.value, it->second, path.Child(m.key));
    if (!s.ok()) return s;
  }
  return absl::OkStatus();
}

template <typename T>
Json Encode(const std::optional<T>& v) {
  return v.has_value() ? Encode(*v) : Json(nullptr);
}

template <typename T>
Json Encode(const std::vector<T>& v) {
  Json out = Json::array();
  for (const T& e : v) out.push_back(Encode(e));
  return out;
}

template <typename T>
Json Encode(const std::map<std::string, T>& v) {
  Json out = Json::object();
  for (const auto& [k, e] : v) out[k] = Encode(e);
  return out;
}

// Writes a field as Go's `omitempty` does: an unset optional, an empty list or map is left
// out; anything else (plain values: what Go always writes) is written. (Strings with
// omitempty use PutNonEmpty.)
template <typename T>
void Put(Json& object, std::string_view name, const T& v) {
  object[std::string(name)] = Encode(v);
}
template <typename T>
void Put(Json& object, std::string_view name, const std::optional<T>& v) {
  if (v.has_value()) object[std::string(name)] = Encode(*v);
}
template <typename T>
void Put(Json& object, std::string_view name, const std::vector<T>& v) {
  if (!v.empty()) object[std::string(name)] = Encode(v);
}
template <typename T>
void Put(Json& object, std::string_view name, const std::map<std::string, T>& v) {
  if (!v.empty()) object[std::string(name)] = Encode(v);
}
// A string with Go's omitempty: left out when empty.
inline void PutNonEmpty(Json& object, std::string_view name, const std::string& v) {
  if (!v.empty()) object[std::string(name)] = v;
}
// An `any` or `object` field: left out when null.
inline void Put(Json& object, std::string_view name, const Json& v) {
  if (!v.is_null()) object[std::string(name)] = v;
}
// A field Go always writes: unset optionals (times) and empty lists and maps are written as
// null (a nil slice or map in Go).
template <typename T>
void PutAlways(Json& object, std::string_view name, const T& v) {
  object[std::string(name)] = Encode(v);
}
template <typename T>
void PutAlways(Json& object, std::string_view name, const std::vector<T>& v) {
  object[std::string(name)] = v.empty() ? Json(nullptr) : Encode(v);
}
template <typename T>
void PutAlways(Json& object, std::string_view name, const std::map<std::string, T>& v) {
  object[std::string(name)] = v.empty() ? Json(nullptr) : Encode(v);
}
// An `object` field Go always writes (a non-pointer struct kop does not model): {} when unset.
inline void PutAlwaysObject(Json& object, std::string_view name, const Json& v) {
  object[std::string(name)] = v.is_null() ? Json::object() : v;
}

// The start of a struct's encoding: its unknown fields (an object), or {}.
inline Json StartObject(const Json& unknown_fields) {
  return unknown_fields.is_object() ? unknown_fields : Json::object();
}
// Keeps a member a struct does not model.
void KeepUnknown(Json& unknown_fields, const JsonMember& member);
// The error for a struct given something other than an object (null is fine: nothing set).
absl::Status ExpectObject(JsonView v, const Path& path);

}  // namespace codec

// Concatenation for the templates below (kop/base/strings.h without its include weight).
std::string StrCatForCodec(std::initializer_list<std::string_view> parts);
template <typename... Args>
std::string StrCatForCodec(const Args&... args) {
  return StrCatForCodec({std::string_view(args)...});
}

// A typed top-level kind: a codec::Struct with `static constexpr StaticGroupVersionKind
// kGroupVersionKind` and ObjectMeta `metadata`.
template <typename T>
concept TypedKind = codec::Struct<T> && requires {
  { T::kGroupVersionKind } -> std::convertible_to<StaticGroupVersionKind>;
};

// Decodes an object into T. InvalidArgument naming the kind and the field path when a field
// has the wrong type or form (a quantity that is not one); FailedPrecondition when the object
// is of another kind. Reads the object's view: a cached compact object is not copied into a
// JSON tree.
template <TypedKind T>
absl::StatusOr<T> FromObject(const Object& obj) {
  const JsonView v = obj.view();
  const StaticGroupVersionKind want = T::kGroupVersionKind;
  if (!obj.kind().empty() && (obj.kind() != want.kind || !want.MatchesApiVersion(obj.api_version()))) {
    return absl::FailedPreconditionError(StrCatForCodec("decoding ", want.api_version(), " ", want.kind, ": the object is ",
                                                        obj.api_version(), " ", obj.kind()));
  }
  T out;
  absl::Status s = codec::Decode(v, out, codec::Path{});
  if (!s.ok()) {
    return absl::InvalidArgumentError(StrCatForCodec("decoding ", want.api_version(), " ", want.kind, " ",
                                                     obj.namespace_(), obj.namespace_().empty() ? "" : "/", obj.name(),
                                                     ": ", std::string(s.message())));
  }
  return out;
}

// A write's result decoded into T (the error as it was when the write failed). Caveat: a
// stored object that does not decode into T (a custom resource without a schema holding
// anything) is an InvalidArgument although the write itself succeeded; write such objects
// unstructured.
template <TypedKind T>
absl::StatusOr<T> FromResult(const absl::StatusOr<Object>& stored) {
  if (!stored.ok()) return stored.status();
  return FromObject<T>(*stored);
}

// The namespace and name of a typed object.
template <TypedKind T>
ObjectKey KeyOf(const T& typed) {
  return ObjectKey{typed.metadata.namespace_, typed.metadata.name};
}

// The object as JSON, written as the server writes it (apiVersion and kind included).
template <TypedKind T>
Object ToObject(const T& typed) {
  Json j = codec::Encode(typed);
  const StaticGroupVersionKind gvk = T::kGroupVersionKind;
  j["apiVersion"] = gvk.api_version();
  j["kind"] = std::string(gvk.kind);
  return Object(std::move(j));
}

}  // namespace kop

#endif  // KOP_API_CODEC_H_
