#include "kop/api/resource.h"

#include <string>

#include "catch2/catch.hpp"

namespace {

struct WidgetSpec {
  std::string size;
  std::optional<int32_t> count;
  std::vector<std::string> tags;
  std::map<std::string, kop::Quantity> limits;
  std::optional<absl::Time> since;
  kop::Json unknown_fields;

  static constexpr std::string_view kDescription = "What a widget should be.";
  static constexpr auto kFields = kop::Fields(
      kop::Field("size", &WidgetSpec::size).Required().Enum({"small", "large"}).Doc("How big."),
      kop::Field("count", &WidgetSpec::count).Minimum(1).Maximum(10, true).Default("3"),
      kop::Field("tags", &WidgetSpec::tags).ListType("set").MaxItems(5),
      kop::Field("limits", &WidgetSpec::limits), kop::Field("since", &WidgetSpec::since));
  friend bool operator==(const WidgetSpec&, const WidgetSpec&) = default;
};

struct Widget {
  static constexpr kop::StaticGroupVersionKind kGroupVersionKind{"example.com", "v2", "Widget"};
  static constexpr kop::ResourceOptions kResource{.plural = "widgets",
                                                  .short_names = {"wd"},
                                                  .categories = {"all"},
                                                  .scope = kop::ResourceScope::kCluster,
                                                  .storage = true,
                                                  .status_subresource = true,
                                                  .printer_columns = {{.name = "Size", .type = "string", .json_path = ".spec.size", .priority = 1}}};
  kop::Json metadata;
  WidgetSpec spec;
  static constexpr auto kFields = kop::Fields(kop::Field("metadata", &Widget::metadata), kop::Field("spec", &Widget::spec));
};

struct WidgetV1 {
  static constexpr kop::StaticGroupVersionKind kGroupVersionKind{"example.com", "v1", "Widget"};
  static constexpr kop::ResourceOptions kResource{.plural = "widgets", .storage = false, .deprecated = true,
                                                  .deprecation_warning = "use v2"};
  kop::Json metadata;
  std::string size;
  static constexpr auto kFields = kop::Fields(kop::Field("metadata", &WidgetV1::metadata), kop::Field("size", &WidgetV1::size));
};

struct BadDefault {
  static constexpr kop::StaticGroupVersionKind kGroupVersionKind{"example.com", "v1", "Bad"};
  static constexpr kop::ResourceOptions kResource{.plural = "bads"};
  std::optional<int32_t> n;
  static constexpr auto kFields = kop::Fields(kop::Field("n", &BadDefault::n).Default("not json"));
};

}  // namespace

TEST_CASE("a declared struct decodes and encodes by its fields, keeping unknown ones", "[resource]") {
  auto obj = kop::Object::Parse(R"({"apiVersion": "example.com/v2", "kind": "Widget", "metadata": {"name": "w"},
      "spec": {"size": "small", "count": 2, "tags": ["a"], "limits": {"cpu": "500m"}, "extra": {"kept": true}}})");
  REQUIRE(obj.ok());
  auto w = kop::FromObject<Widget>(*obj);
  REQUIRE(w.ok());
  CHECK(w->spec.size == "small");
  CHECK(w->spec.count == 2);
  CHECK(w->spec.limits.at("cpu") == *kop::Quantity::Parse("0.5"));
  CHECK(w->spec.unknown_fields.at("extra") == kop::Json::parse(R"({"kept": true})"));
  CHECK(kop::ToObject(*w).json() == obj->json());
}

TEST_CASE("a declared struct leaves out what is unset, except required strings", "[resource]") {
  Widget w;
  kop::Json j = kop::ToObject(w).json();
  CHECK(j["spec"] == kop::Json::parse(R"({"size": ""})"));
  CHECK(j["apiVersion"] == "example.com/v2");
}

TEST_CASE("a declared field of the wrong type is an error naming its path", "[resource]") {
  auto obj = kop::Object::Parse(R"({"apiVersion": "example.com/v2", "kind": "Widget", "metadata": {"name": "w"},
                                    "spec": {"tags": "a"}})");
  auto w = kop::FromObject<Widget>(*obj);
  REQUIRE_FALSE(w.ok());
  CHECK_THAT(std::string(w.status().message()), Catch::Contains("spec.tags: expected a list, got string"));
}

TEST_CASE("the schema carries every option of the declaration", "[resource]") {
  kop::Json s = kop::SchemaOf<WidgetSpec>();
  CHECK(s["type"] == "object");
  CHECK(s["description"] == "What a widget should be.");
  CHECK(s["required"] == kop::Json::parse(R"(["size"])"));
  CHECK(s["properties"]["size"] == kop::Json::parse(R"({"type": "string", "enum": ["small", "large"], "description": "How big."})"));
  CHECK(s["properties"]["count"] == kop::Json::parse(
      R"({"type": "integer", "format": "int32", "minimum": 1, "maximum": 10, "exclusiveMaximum": true, "default": 3})"));
  CHECK(s["properties"]["tags"] == kop::Json::parse(
      R"({"type": "array", "items": {"type": "string"}, "x-kubernetes-list-type": "set", "maxItems": 5})"));
  CHECK(s["properties"]["limits"]["additionalProperties"] == kop::Json::parse(R"({"x-kubernetes-int-or-string": true})"));
  CHECK(s["properties"]["since"] == kop::Json::parse(R"({"type": "string", "format": "date-time"})"));
}

TEST_CASE("a CRD lists its versions, names, subresources and columns; metadata stays the server's", "[resource]") {
  auto crd = kop::CustomResourceDefinitionOf<Widget, WidgetV1>();
  INFO(crd.status().ToString());
  REQUIRE(crd.ok());
  const kop::Json& spec = (*crd)["spec"];
  CHECK((*crd)["metadata"]["name"] == "widgets.example.com");
  CHECK(spec["scope"] == "Cluster");
  CHECK(spec["names"] == kop::Json::parse(R"({"plural": "widgets", "singular": "widget", "kind": "Widget",
                                              "listKind": "WidgetList", "shortNames": ["wd"], "categories": ["all"]})"));
  REQUIRE(spec["versions"].size() == 2);
  const kop::Json& v2 = spec["versions"][0];
  CHECK(v2["name"] == "v2");
  CHECK(v2["storage"] == true);
  CHECK(v2["subresources"] == kop::Json::parse(R"({"status": {}})"));
  CHECK(v2["additionalPrinterColumns"] == kop::Json::parse(R"([{"name": "Size", "type": "string", "jsonPath": ".spec.size", "priority": 1}])"));
  CHECK_FALSE(v2["schema"]["openAPIV3Schema"]["properties"].contains("metadata"));
  const kop::Json& v1 = spec["versions"][1];
  CHECK(v1["storage"] == false);
  CHECK(v1["deprecated"] == true);
  CHECK(v1["deprecationWarning"] == "use v2");
}

TEST_CASE("an inconsistent declaration is an error, not a CRD", "[resource]") {
  auto none = kop::CustomResourceDefinitionOf<WidgetV1>();
  CHECK_THAT(std::string(none.status().message()), Catch::Contains("exactly one version must be the storage version"));
  auto bad = kop::CustomResourceDefinitionOf<BadDefault>();
  CHECK_THAT(std::string(bad.status().message()), Catch::Contains("v1.n: the default not json is not JSON text"));
}

TEST_CASE("the YAML of a CRD starts with its header as comments", "[resource]") {
  auto crd = kop::CustomResourceDefinitionOf<Widget>();
  REQUIRE(crd.ok());
  std::string yaml = kop::CrdYaml(*crd, "Generated.\n\nDo not edit.");
  CHECK(yaml.rfind("# Generated.\n#\n# Do not edit.\napiVersion: apiextensions.k8s.io/v1\n", 0) == 0);
}
