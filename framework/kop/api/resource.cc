#include "kop/api/resource.h"

#include <cctype>
#include <fstream>
#include <iostream>
#include <set>

#include "kop/api/yaml.h"
#include "kop/base/strings.h"

namespace kop::schema_internal {
namespace {

Json Number(double v) {
  const auto i = static_cast<int64_t>(v);
  return static_cast<double>(i) == v ? Json(i) : Json(v);
}

std::string Lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

// The first x-kop-error in a schema, or "".
std::string FirstError(const Json& j, const std::string& path) {
  if (!j.is_object()) return "";
  if (auto e = j.find("x-kop-error"); e != j.end()) return path + ": " + e->get<std::string>();
  if (auto p = j.find("properties"); p != j.end()) {
    for (const auto& [k, v] : p->items()) {
      std::string e = FirstError(v, path + "." + k);
      if (!e.empty()) return e;
    }
  }
  for (const char* key : {"items", "additionalProperties"}) {
    if (auto p = j.find(key); p != j.end()) {
      std::string e = FirstError(*p, path + "[]");
      if (!e.empty()) return e;
    }
  }
  return "";
}

}  // namespace

void ApplyFieldOptions(const FieldOptions& o, Json& s) {
  if (!o.doc.empty()) s["description"] = std::string(o.doc);
  if (o.minimum) s["minimum"] = Number(*o.minimum);
  if (o.maximum) s["maximum"] = Number(*o.maximum);
  if (o.exclusive_minimum) s["exclusiveMinimum"] = true;
  if (o.exclusive_maximum) s["exclusiveMaximum"] = true;
  if (o.min_length) s["minLength"] = *o.min_length;
  if (o.max_length) s["maxLength"] = *o.max_length;
  if (o.min_items) s["minItems"] = *o.min_items;
  if (o.max_items) s["maxItems"] = *o.max_items;
  if (o.min_properties) s["minProperties"] = *o.min_properties;
  if (o.max_properties) s["maxProperties"] = *o.max_properties;
  if (!o.pattern.empty()) s["pattern"] = std::string(o.pattern);
  if (!o.format.empty()) s["format"] = std::string(o.format);
  if (!o.default_json.empty()) {
    Json d = Json::parse(o.default_json.begin(), o.default_json.end(), nullptr, /*allow_exceptions=*/false);
    if (d.is_discarded()) {
      s["x-kop-error"] = kop::StrCat("the default ", o.default_json, " is not JSON text");
    } else {
      s["default"] = std::move(d);
    }
  }
  if (!o.enum_values.empty()) {
    Json e = Json::array();
    for (std::string_view v : o.enum_values) e.push_back(std::string(v));
    s["enum"] = std::move(e);
  }
  if (!o.list_type.empty()) s["x-kubernetes-list-type"] = std::string(o.list_type);
  if (!o.list_map_keys.empty()) {
    Json keys = Json::array();
    for (std::string_view k : o.list_map_keys) keys.push_back(std::string(k));
    s["x-kubernetes-list-map-keys"] = std::move(keys);
  }
  if (!o.map_type.empty()) s["x-kubernetes-map-type"] = std::string(o.map_type);
  if (o.preserve_unknown_fields) s["x-kubernetes-preserve-unknown-fields"] = true;
  if (o.nullable) s["nullable"] = true;
}

Json CrdVersion(const StaticGroupVersionKind& gvk, const ResourceOptions& options, Json schema) {
  Json v = {{"name", std::string(gvk.version)},
            {"served", options.served},
            {"storage", options.storage},
            {"schema", {{"openAPIV3Schema", std::move(schema)}}}};
  if (options.deprecated) {
    v["deprecated"] = true;
    if (!options.deprecation_warning.empty()) v["deprecationWarning"] = std::string(options.deprecation_warning);
  }
  Json sub = Json::object();
  if (options.status_subresource) sub["status"] = Json::object();
  if (!options.scale.spec_replicas_path.empty()) {
    Json scale = {{"specReplicasPath", std::string(options.scale.spec_replicas_path)},
                  {"statusReplicasPath", std::string(options.scale.status_replicas_path)}};
    if (!options.scale.label_selector_path.empty()) {
      scale["labelSelectorPath"] = std::string(options.scale.label_selector_path);
    }
    sub["scale"] = std::move(scale);
  }
  if (!sub.empty()) v["subresources"] = std::move(sub);
  if (!options.printer_columns.empty()) {
    Json cols = Json::array();
    for (const PrinterColumn& c : options.printer_columns) {
      Json col = {{"name", std::string(c.name)}, {"type", std::string(c.type)}, {"jsonPath", std::string(c.json_path)}};
      if (!c.description.empty()) col["description"] = std::string(c.description);
      if (!c.format.empty()) col["format"] = std::string(c.format);
      if (c.priority != 0) col["priority"] = c.priority;
      cols.push_back(std::move(col));
    }
    v["additionalPrinterColumns"] = std::move(cols);
  }
  return v;
}

absl::StatusOr<Json> Crd(const StaticGroupVersionKind& gvk, const ResourceOptions& options, Json versions) {
  if (options.plural.empty()) {
    return absl::InvalidArgumentError(kop::StrCat(gvk.kind, ": kResource.plural is required"));
  }
  if (gvk.group.empty()) return absl::InvalidArgumentError(kop::StrCat(gvk.kind, ": a custom resource needs a group"));
  int storage = 0;
  std::set<std::string> names;
  for (const Json& v : versions) {
    if (v["storage"].get<bool>()) ++storage;
    if (!names.insert(v["name"].get<std::string>()).second) {
      return absl::InvalidArgumentError(kop::StrCat(gvk.kind, ": version ", v["name"].get<std::string>(), " is declared twice"));
    }
    std::string error = FirstError(v["schema"]["openAPIV3Schema"], v["name"].get<std::string>());
    if (!error.empty()) return absl::InvalidArgumentError(kop::StrCat(gvk.kind, " ", error));
  }
  if (storage != 1) {
    return absl::InvalidArgumentError(
        kop::StrCat(gvk.kind, ": exactly one version must be the storage version; ", storage, " are"));
  }
  Json names_json = {{"plural", std::string(options.plural)},
                     {"singular", options.singular.empty() ? Lower(gvk.kind) : std::string(options.singular)},
                     {"kind", std::string(gvk.kind)},
                     {"listKind", options.list_kind.empty() ? kop::StrCat(gvk.kind, "List") : std::string(options.list_kind)}};
  if (!options.short_names.empty()) {
    Json sn = Json::array();
    for (std::string_view n : options.short_names) sn.push_back(std::string(n));
    names_json["shortNames"] = std::move(sn);
  }
  if (!options.categories.empty()) {
    Json cats = Json::array();
    for (std::string_view c : options.categories) cats.push_back(std::string(c));
    names_json["categories"] = std::move(cats);
  }
  return Json{{"apiVersion", "apiextensions.k8s.io/v1"},
              {"kind", "CustomResourceDefinition"},
              {"metadata", {{"name", kop::StrCat(options.plural, ".", gvk.group)}}},
              {"spec",
               {{"group", std::string(gvk.group)},
                {"scope", options.scope == ResourceScope::kNamespaced ? "Namespaced" : "Cluster"},
                {"names", std::move(names_json)},
                {"versions", std::move(versions)}}}};
}

}  // namespace kop::schema_internal

namespace kop {

std::string CrdYaml(const Json& crd, std::string_view header) {
  std::string out;
  size_t start = 0;
  while (start < header.size()) {
    size_t end = header.find('\n', start);
    if (end == std::string_view::npos) end = header.size();
    std::string_view line = header.substr(start, end - start);
    out += line.empty() ? "#\n" : kop::StrCat("# ", line, "\n");
    start = end + 1;
  }
  out += DumpYaml(crd);
  if (out.empty() || out.back() != '\n') out += '\n';
  return out;
}

int CrdGeneratorMain(int argc, char** argv, const absl::StatusOr<Json>& crd, std::string_view header) {
  const std::string program = argc > 0 ? argv[0] : "crd-generator";
  if (!crd.ok()) {
    std::cerr << program << ": " << crd.status().message() << "\n";
    return 1;
  }
  const std::string yaml = CrdYaml(*crd, header);
  if (argc < 2) {
    std::cout << yaml;
    return std::cout.good() ? 0 : 1;
  }
  for (int i = 1; i < argc; ++i) {
    std::ofstream out(argv[i], std::ios::binary | std::ios::trunc);
    out << yaml;
    out.close();
    if (!out) {
      std::cerr << program << ": cannot write " << argv[i] << "\n";
      return 1;
    }
  }
  return 0;
}

}  // namespace kop
