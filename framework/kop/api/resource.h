// kop/api/resource: custom resources declared in C++: the structs, their validation and the
// resource's names in one place, from which kop derives the JSON (de)serialisation and the
// CustomResourceDefinition with its structural OpenAPI v3 schema.
//
//   struct BackupSpec {
//     std::string schedule;
//     std::optional<int32_t> keep;
//     static constexpr auto kFields = kop::Fields(
//         kop::Field("schedule", &BackupSpec::schedule).Required().Pattern("^\\S+( \\S+){4}$")
//             .Doc("When to back up, in cron syntax."),
//         kop::Field("keep", &BackupSpec::keep).Minimum(1).Default("7").Doc("How many backups to keep."));
//     friend bool operator==(const BackupSpec&, const BackupSpec&) = default;
//   };
//   struct Backup {
//     static constexpr kop::StaticGroupVersionKind kGroupVersionKind{"example.com", "v1", "Backup"};
//     static constexpr kop::ResourceOptions kResource{
//         .plural = "backups", .short_names = {"bk"}, .status_subresource = true,
//         .printer_columns = {{.name = "Schedule", .type = "string", .json_path = ".spec.schedule"}}};
//     kop::k8s::meta::v1::ObjectMeta metadata;
//     BackupSpec spec;
//     BackupStatus status;
//     static constexpr auto kFields = kop::Fields(kop::Field("metadata", &Backup::metadata),
//         kop::Field("spec", &Backup::spec).Required(), kop::Field("status", &Backup::status));
//   };
//
//   kop::Json crd = kop::CustomResourceDefinitionOf<Backup>();   // or `kop_add_crds` in CMake
//   KOP_ASSIGN_OR_RETURN(auto b, ctx.client().Get<Backup>(req.key));
//
// Members and their JSON follow kop/api/codec.h's rules: std::optional, empty lists and maps
// and (unless Required) empty strings are left out; other plain members are always written.
// A member `kop::Json unknown_fields` keeps what the struct does not declare. Schemas:
// std::string "string", bool "boolean", int32_t/int64_t "integer" (format int32/int64),
// double "number", kop::Quantity and kop::IntOrString x-kubernetes-int-or-string, absl::Time
// and kop::MicroTime "string" (date-time), kop::Bytes "string" (byte), kop::Json any value
// (x-kubernetes-preserve-unknown-fields), std::vector "array", std::map "object" with
// additionalProperties, a declared struct "object" with its properties, kop::Condition
// metav1.Condition's schema (a type may give its own: `Json KopSchema(const T*)` found by
// argument-dependent lookup), a kop::k8s type an
// object kept whole (x-kubernetes-preserve-unknown-fields). The top level's
// `metadata` is the server's: left out of the schema, as the API server requires.
#ifndef KOP_API_RESOURCE_H_
#define KOP_API_RESOURCE_H_

#include <array>
#include <cstddef>
#include <cstdint>
#include <initializer_list>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <tuple>
#include <type_traits>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "kop/api/codec.h"
#include "kop/api/json.h"

namespace kop {

// A fixed-capacity list usable in constant expressions (short names, enum values, columns).
template <typename T, size_t N>
struct StaticList {
  std::array<T, N> items{};
  size_t size = 0;

  constexpr StaticList() = default;
  constexpr StaticList(std::initializer_list<T> list) {  // NOLINT(google-explicit-constructor)
    for (const T& e : list) {
      if (size < N) items[size++] = e;
    }
  }
  constexpr const T* begin() const { return items.data(); }
  constexpr const T* end() const { return items.data() + size; }
  constexpr bool empty() const { return size == 0; }
};

// What the CRD's schema says about one field, beyond its type.
struct FieldOptions {
  std::string_view doc;
  bool required = false;
  std::optional<double> minimum;
  std::optional<double> maximum;
  bool exclusive_minimum = false;
  bool exclusive_maximum = false;
  std::optional<int64_t> min_length;
  std::optional<int64_t> max_length;
  std::optional<int64_t> min_items;
  std::optional<int64_t> max_items;
  std::optional<int64_t> min_properties;
  std::optional<int64_t> max_properties;
  std::string_view pattern;
  std::string_view format;
  std::string_view default_json;  // the default as JSON text: "1", "\"ClusterIP\"", "{}"
  StaticList<std::string_view, 32> enum_values;
  std::string_view list_type;  // "atomic", "set" or "map"
  StaticList<std::string_view, 4> list_map_keys;
  std::string_view map_type;  // "atomic" or "granular"
  bool preserve_unknown_fields = false;
  bool nullable = false;
};

template <typename C, typename M>
struct FieldDecl {
  using Class = C;
  using Member = M;
  std::string_view name;
  M C::*member;
  FieldOptions options;

  constexpr FieldDecl Doc(std::string_view d) const { return With([&](FieldOptions& o) { o.doc = d; }); }
  constexpr FieldDecl Required() const { return With([](FieldOptions& o) { o.required = true; }); }
  constexpr FieldDecl Minimum(double v, bool exclusive = false) const {
    return With([&](FieldOptions& o) { o.minimum = v; o.exclusive_minimum = exclusive; });
  }
  constexpr FieldDecl Maximum(double v, bool exclusive = false) const {
    return With([&](FieldOptions& o) { o.maximum = v; o.exclusive_maximum = exclusive; });
  }
  constexpr FieldDecl MinLength(int64_t v) const { return With([&](FieldOptions& o) { o.min_length = v; }); }
  constexpr FieldDecl MaxLength(int64_t v) const { return With([&](FieldOptions& o) { o.max_length = v; }); }
  constexpr FieldDecl MinItems(int64_t v) const { return With([&](FieldOptions& o) { o.min_items = v; }); }
  constexpr FieldDecl MaxItems(int64_t v) const { return With([&](FieldOptions& o) { o.max_items = v; }); }
  constexpr FieldDecl MinProperties(int64_t v) const { return With([&](FieldOptions& o) { o.min_properties = v; }); }
  constexpr FieldDecl MaxProperties(int64_t v) const { return With([&](FieldOptions& o) { o.max_properties = v; }); }
  constexpr FieldDecl Pattern(std::string_view v) const { return With([&](FieldOptions& o) { o.pattern = v; }); }
  constexpr FieldDecl Format(std::string_view v) const { return With([&](FieldOptions& o) { o.format = v; }); }
  // The default, as JSON text (checked when the schema is built).
  constexpr FieldDecl Default(std::string_view json) const {
    return With([&](FieldOptions& o) { o.default_json = json; });
  }
  constexpr FieldDecl Enum(std::initializer_list<std::string_view> values) const {
    return With([&](FieldOptions& o) { o.enum_values = values; });
  }
  // x-kubernetes-list-type; "map" with the keys that identify an element.
  constexpr FieldDecl ListType(std::string_view t) const { return With([&](FieldOptions& o) { o.list_type = t; }); }
  constexpr FieldDecl ListMapKeys(std::initializer_list<std::string_view> keys) const {
    return With([&](FieldOptions& o) { o.list_type = "map"; o.list_map_keys = keys; });
  }
  constexpr FieldDecl MapType(std::string_view t) const { return With([&](FieldOptions& o) { o.map_type = t; }); }
  constexpr FieldDecl PreserveUnknownFields() const {
    return With([](FieldOptions& o) { o.preserve_unknown_fields = true; });
  }
  constexpr FieldDecl Nullable() const { return With([](FieldOptions& o) { o.nullable = true; }); }

 private:
  template <typename F>
  constexpr FieldDecl With(F&& f) const {
    FieldDecl c = *this;
    f(c.options);
    return c;
  }
};

// A declared field: its JSON name and the member it is stored in.
template <typename C, typename M>
constexpr FieldDecl<C, M> Field(std::string_view name, M C::*member) {
  return FieldDecl<C, M>{name, member, {}};
}

// A struct's declared fields, as `static constexpr auto kFields = kop::Fields(...)`.
template <typename... F>
constexpr std::tuple<F...> Fields(F... fields) {
  return std::tuple<F...>(fields...);
}

enum class ResourceScope { kNamespaced, kCluster };

struct PrinterColumn {
  std::string_view name;
  std::string_view type;  // integer, number, string, boolean, date
  std::string_view json_path;
  std::string_view description;
  std::string_view format;
  int32_t priority = 0;
};

// The scale subresource's paths (empty spec_replicas_path: no scale subresource).
struct ScaleSubresource {
  std::string_view spec_replicas_path;
  std::string_view status_replicas_path;
  std::string_view label_selector_path;
};

// What the CRD says about one version of a resource besides its schema.
struct ResourceOptions {
  std::string_view plural;    // required
  std::string_view singular;  // default: the kind in lower case
  std::string_view list_kind;  // default: <Kind>List
  StaticList<std::string_view, 8> short_names;
  StaticList<std::string_view, 8> categories;
  ResourceScope scope = ResourceScope::kNamespaced;
  std::string_view description;  // the schema's top-level description
  bool served = true;
  bool storage = true;  // with several versions, exactly one is the storage version
  bool deprecated = false;
  std::string_view deprecation_warning;
  bool status_subresource = false;
  ScaleSubresource scale;
  StaticList<PrinterColumn, 16> printer_columns;
};

namespace codec {

template <typename T>
concept HasUnknownFields = requires(T& t) {
  { t.unknown_fields } -> std::convertible_to<Json&>;
};

// Every field of the wrong type is reported (one InvalidArgument, messages joined by "; "),
// not only the first: a custom resource without a schema can hold many.
template <Declared T>
absl::Status DecodeDeclared(JsonView v, T& out, const Path& path) {
  if (!v.exists() || v.is_null()) return absl::OkStatus();
  if (absl::Status s = ExpectObject(v, path); !s.ok()) return s;
  std::string errors;
  for (const JsonMember& m : v.items()) {
    absl::Status s;
    bool matched = false;
    auto try_field = [&](const auto& f) {
      if (!matched && m.key == f.name) {
        matched = true;
        s = Decode(m.value, out.*(f.member), path.Child(m.key));
      }
    };
    std::apply([&](const auto&... f) { (try_field(f), ...); }, T::kFields);
    if (!matched) {
      if constexpr (HasUnknownFields<T>) {
        if (!(path.parent == nullptr && path.key.empty() && (m.key == "apiVersion" || m.key == "kind"))) {
          KeepUnknown(out.unknown_fields, m);
        }
      }
    }
    if (!s.ok()) {
      if (!errors.empty()) errors += "; ";
      errors.append(s.message().data(), s.message().size());
    }
  }
  return errors.empty() ? absl::OkStatus() : absl::InvalidArgumentError(errors);
}

template <Declared T>
Json EncodeDeclared(const T& in) {
  Json out = Json::object();
  if constexpr (HasUnknownFields<T>) out = StartObject(in.unknown_fields);
  auto put = [&](const auto& f) {
    const auto& value = in.*(f.member);
    using M = std::remove_cvref_t<decltype(value)>;
    if constexpr (std::is_same_v<M, std::string>) {
      if (f.options.required) {
        Put(out, f.name, value);
      } else {
        PutNonEmpty(out, f.name, value);
      }
    } else {
      Put(out, f.name, value);
    }
  };
  std::apply([&](const auto&... f) { (put(f), ...); }, T::kFields);
  return out;
}

}  // namespace codec

namespace schema_internal {

template <typename T>
struct IsOptional : std::false_type {};
template <typename T>
struct IsOptional<std::optional<T>> : std::true_type {
  using Inner = T;
};
template <typename T>
struct IsVector : std::false_type {};
template <typename T>
struct IsVector<std::vector<T>> : std::true_type {
  using Inner = T;
};
template <typename T>
struct IsMap : std::false_type {};
template <typename T>
struct IsMap<std::map<std::string, T>> : std::true_type {
  using Inner = T;
};

// Adds a field's options to its schema. A malformed default is a programming mistake found
// when the schema is built (the CRD generator's test): it is recorded under "x-kop-error".
void ApplyFieldOptions(const FieldOptions& options, Json& schema);
template <typename T>
concept HasDescription = requires { std::string_view(T::kDescription); };

}  // namespace schema_internal

// The structural OpenAPI v3 schema of a C++ type (see the top of this file).
template <typename T>
Json SchemaOf() {
  using namespace schema_internal;
  if constexpr (IsOptional<T>::value) {
    return SchemaOf<typename IsOptional<T>::Inner>();
  } else if constexpr (IsVector<T>::value) {
    return Json{{"type", "array"}, {"items", SchemaOf<typename IsVector<T>::Inner>()}};
  } else if constexpr (IsMap<T>::value) {
    return Json{{"type", "object"}, {"additionalProperties", SchemaOf<typename IsMap<T>::Inner>()}};
  } else if constexpr (std::is_same_v<T, std::string>) {
    return Json{{"type", "string"}};
  } else if constexpr (std::is_same_v<T, bool>) {
    return Json{{"type", "boolean"}};
  } else if constexpr (std::is_same_v<T, int32_t>) {
    return Json{{"type", "integer"}, {"format", "int32"}};
  } else if constexpr (std::is_same_v<T, int64_t>) {
    return Json{{"type", "integer"}, {"format", "int64"}};
  } else if constexpr (std::is_same_v<T, double>) {
    return Json{{"type", "number"}};
  } else if constexpr (std::is_same_v<T, Quantity> || std::is_same_v<T, IntOrString>) {
    return Json{{"x-kubernetes-int-or-string", true}};
  } else if constexpr (std::is_same_v<T, absl::Time> || std::is_same_v<T, MicroTime>) {
    return Json{{"type", "string"}, {"format", "date-time"}};
  } else if constexpr (std::is_same_v<T, Bytes>) {
    return Json{{"type", "string"}, {"format", "byte"}};
  } else if constexpr (std::is_same_v<T, Json>) {
    return Json{{"x-kubernetes-preserve-unknown-fields", true}};
  } else if constexpr (requires(const T* t) { { KopSchema(t) } -> std::same_as<Json>; }) {
    return KopSchema(static_cast<const T*>(nullptr));  // a type's own schema (kop::Condition)
  } else if constexpr (codec::AdlStruct<T> && !codec::Declared<T>) {
    // A generated built-in type (kop/k8s) inside a custom resource: kept whole, unpruned.
    return Json{{"type", "object"}, {"x-kubernetes-preserve-unknown-fields", true}};
  } else {
    static_assert(codec::Declared<T>, "SchemaOf: a type with no schema (declare its kFields)");
    Json s = {{"type", "object"}};
    if constexpr (HasDescription<T>) s["description"] = std::string(T::kDescription);
    Json properties = Json::object();
    Json required = Json::array();
    const bool top_level = TypedKind<T>;
    auto add = [&](const auto& f) {
      using M = typename std::remove_cvref_t<decltype(f)>::Member;
      if (top_level && f.name == "metadata") return;  // the server's
      Json p = SchemaOf<M>();
      ApplyFieldOptions(f.options, p);
      properties[std::string(f.name)] = std::move(p);
      if (f.options.required) required.push_back(std::string(f.name));
    };
    std::apply([&](const auto&... f) { (add(f), ...); }, T::kFields);
    if (!properties.empty()) s["properties"] = std::move(properties);
    if (!required.empty()) s["required"] = std::move(required);
    if constexpr (TypedKind<T>) {
      if constexpr (requires { T::kResource; }) {
        if (!T::kResource.description.empty()) s["description"] = std::string(T::kResource.description);
      }
    }
    return s;
  }
}

// A declared top-level kind: kGroupVersionKind, kResource and kFields.
template <typename T>
concept CustomResource = TypedKind<T> && requires {
  { T::kResource } -> std::convertible_to<ResourceOptions>;
};

namespace schema_internal {
// One entry of spec.versions for a version's options and schema.
Json CrdVersion(const StaticGroupVersionKind& gvk, const ResourceOptions& options, Json schema);
// The CRD around its versions; InvalidArgument when the versions disagree on the group, kind
// or names, or do not have exactly one storage version, or a schema holds an x-kop-error.
absl::StatusOr<Json> Crd(const StaticGroupVersionKind& gvk, const ResourceOptions& options, Json versions);
}  // namespace schema_internal

// The CustomResourceDefinition (apiextensions.k8s.io/v1) of one resource in one or more
// versions (the types of the same group and kind, one per version, in the order the CRD lists
// them; exactly one with kResource.storage). Names, scope and the rest come from the first.
template <CustomResource First, CustomResource... More>
absl::StatusOr<Json> CustomResourceDefinitionOf() {
  Json versions = Json::array();
  versions.push_back(schema_internal::CrdVersion(First::kGroupVersionKind, First::kResource, SchemaOf<First>()));
  (versions.push_back(schema_internal::CrdVersion(More::kGroupVersionKind, More::kResource, SchemaOf<More>())), ...);
  if (sizeof...(More) > 0) {
    // Several versions: every one must be of the first's group and kind.
    const StaticGroupVersionKind all[] = {First::kGroupVersionKind, More::kGroupVersionKind...};
    for (const StaticGroupVersionKind& g : all) {
      if (g.group != First::kGroupVersionKind.group || g.kind != First::kGroupVersionKind.kind) {
        return absl::InvalidArgumentError(StrCatForCodec("the versions of ", First::kGroupVersionKind.kind,
                                                         " must share its group and kind; got ", g.group, " ", g.kind));
      }
    }
  }
  return schema_internal::Crd(First::kGroupVersionKind, First::kResource, std::move(versions));
}

// The CRD as a YAML document, with `header` (lines of text) as a comment on top.
std::string CrdYaml(const Json& crd, std::string_view header);

// The body of a CRD generator program (what `kop_add_crd_generator` in CMake builds):
// `generator [FILE...]` writes the CRD of the versions given to every FILE, or to stdout.
// Returns the exit code: 1 with a message on stderr when the declaration is inconsistent or a
// file cannot be written.
int CrdGeneratorMain(int argc, char** argv, const absl::StatusOr<Json>& crd, std::string_view header);

}  // namespace kop

#endif  // KOP_API_RESOURCE_H_
