#include "kop/testing/internal/openapi.h"

#include <cstring>
#include <functional>
#include <set>

#include "kop/base/strings.h"
#include "kop/testing/internal/builtin_types.h"

namespace kop::testing::internal {
namespace {

constexpr char kMeta[] = "io.k8s.apimachinery.pkg.apis.meta.v1.";
constexpr char kV2RefPrefix[] = "#/definitions/";

// j[k] when present, otherwise null (which iterates as empty): a reference, safe to iterate.
const Json& Member(const Json& j, const char* k) {
  static const Json kNull;
  auto it = j.find(k);
  return it == j.end() ? kNull : *it;
}

Json Ref(const std::string& name) { return {{"$ref", kop::StrCat(kSchemaRefPrefix, name)}}; }

std::string Capitalised(std::string s) {
  if (!s.empty()) s[0] = static_cast<char>(toupper(static_cast<unsigned char>(s[0])));
  return s;
}

// "apps" -> "Apps", "" -> "Core", "example.com" -> "ExampleCom" (as upstream's operation ids).
std::string GroupWord(const std::string& group) {
  if (group.empty()) return "Core";
  std::string out;
  bool up = true;
  for (char c : group) {
    if (c == '.' || c == '-') {
      up = true;
      continue;
    }
    out += up ? static_cast<char>(toupper(static_cast<unsigned char>(c))) : c;
    up = false;
  }
  return out;
}

struct Kinds {
  std::string object;  // definition name of the kind
  std::string list;    // ... and of its list
};

// What one group-version document holds while it is being built.
struct Doc {
  Json paths = Json::object();
  std::map<std::string, Json> schemas;  // v3 schemas, references "#/components/schemas/"
};

Json Param(const std::string& name, const std::string& in, const std::string& description,
           bool required = false, const std::string& type = "string") {
  Json p = {{"name", name}, {"in", in}, {"description", description}};
  if (required) p["required"] = true;
  p["schema"] = {{"type", type}, {"uniqueItems", true}};
  return p;
}

Json QueryParams(const std::string& action) {
  Json out = Json::array();
  auto add = [&](const char* name, const char* description, const char* type = "string") {
    out.push_back(Param(name, "query", description, false, type));
  };
  if (action == "list" || action == "deletecollection") {
    add("allowWatchBookmarks", "Requests watch events with type BOOKMARK.", "boolean");
    add("continue", "The continue token of the previous page of a paginated list.");
    add("fieldSelector", "Restricts the objects returned by their fields.");
    add("labelSelector", "Restricts the objects returned by their labels.");
    add("limit", "The maximum number of objects in one response.", "integer");
    add("resourceVersion", "Which version of the collection to serve.");
    add("resourceVersionMatch", "How resourceVersion applies to lists: Exact or NotOlderThan.");
    add("timeoutSeconds", "Ends a list or watch call after this long.", "integer");
    if (action == "list") add("watch", "Watch for changes and return them as a stream of events.", "boolean");
  }
  if (action == "post" || action == "put" || action == "patch") {
    add("dryRun", "When present (All), the change is validated but not persisted.");
    add("fieldManager", "The name of the actor or entity making the change.");
    add("fieldValidation",
        "How unknown fields are treated: Ignore (dropped silently), Warn (dropped with a warning, the "
        "default) or Strict (the request fails).");
  }
  if (action == "patch") add("force", "Takes over conflicting fields in an apply request.", "boolean");
  if (action == "delete" || action == "deletecollection") {
    add("dryRun", "When present (All), the deletion is validated but not persisted.");
    add("gracePeriodSeconds", "The duration before the object is deleted.", "integer");
    add("propagationPolicy", "Whether and how dependents are garbage collected: Orphan, Background or Foreground.");
  }
  return out;
}

Json Content(const Json& schema, const std::vector<std::string>& types) {
  Json c = Json::object();
  for (const std::string& t : types) c[t] = {{"schema", schema}};
  return c;
}

void AddOperation(Json& path_item, const std::string& method, const std::string& action,
                  const std::string& operation_id, const std::string& tag, const Json& gvk,
                  const Json& response_schema, const Json& body_schema, bool strategic) {
  Json op = {{"operationId", operation_id},
             {"tags", Json::array({tag})},
             {"x-kubernetes-action", action},
             {"x-kubernetes-group-version-kind", gvk},
             {"parameters", QueryParams(method == "get" ? action : method == "delete" ? action : method)}};
  const std::vector<std::string> json_yaml = {"application/json", "application/yaml"};
  if (method == "post" || method == "put") {
    op["requestBody"] = {{"content", Content(body_schema, {"*/*"})}, {"required", true}};
  } else if (method == "patch") {
    std::vector<std::string> types = {"application/apply-patch+yaml", "application/json-patch+json",
                                      "application/merge-patch+json"};
    if (strategic) types.push_back("application/strategic-merge-patch+json");
    op["requestBody"] = {{"content", Content({{"type", "object"}}, types)}, {"required", true}};
  }
  op["responses"] = {{"200", {{"description", "OK"}, {"content", Content(response_schema, json_yaml)}}},
                     {"401", {{"description", "Unauthorized"}}}};
  if (method == "post") op["responses"]["201"] = {{"description", "Created"}, {"content", Content(response_schema, json_yaml)}};
  path_item[method] = std::move(op);
}

Json GvkOf(const std::string& group, const std::string& version, const std::string& kind) {
  return {{"group", group}, {"kind", kind}, {"version", version}};
}

// The published schema of a custom resource version.
Json CustomSchema(const ResourceInfo& info) {
  Json s = info.schema != nullptr && info.schema->is_object()
               ? *info.schema
               : Json{{"type", "object"}, {"x-kubernetes-preserve-unknown-fields", true}};
  s["type"] = "object";
  if (!s.contains("properties") || !s["properties"].is_object()) s["properties"] = Json::object();
  s["properties"]["apiVersion"] = {{"type", "string"},
                                   {"description", "The versioned schema of this representation of an object."}};
  s["properties"]["kind"] = {{"type", "string"}, {"description", "The REST resource this object represents."}};
  s["properties"]["metadata"] = Ref(kop::StrCat(kMeta, "ObjectMeta"));
  s["properties"]["metadata"]["description"] = "Standard object's metadata.";
  s["x-kubernetes-group-version-kind"] = Json::array({GvkOf(info.group, info.version, info.kind)});
  return s;
}

Json ListSchema(const ResourceInfo& info, const std::string& item) {
  return {{"type", "object"},
          {"description", kop::StrCat(info.list_kind, " is a list of ", info.kind, ".")},
          {"required", Json::array({"items"})},
          {"properties",
           {{"apiVersion", {{"type", "string"}}},
            {"kind", {{"type", "string"}}},
            {"metadata", Ref(kop::StrCat(kMeta, "ListMeta"))},
            {"items", {{"type", "array"}, {"items", Ref(item)}}}}},
          {"x-kubernetes-group-version-kind", Json::array({GvkOf(info.group, info.version, info.list_kind)})}};
}

// Adds `name` and everything it refers to from the catalog.
void AddClosure(const std::string& name, Doc& doc) {
  const TypeCatalog& catalog = TypeCatalog::Builtin();
  for (const std::string& n : catalog.Closure(name)) {
    auto it = catalog.definitions().find(n);
    if (it != catalog.definitions().end()) doc.schemas[n] = it->second;
  }
}

void AddResource(const ResourceInfo& info, Doc& doc) {
  Kinds kinds;
  if (info.custom) {
    kinds.object = CustomDefinitionName(info.group, info.version, info.kind);
    doc.schemas[kinds.object] = CustomSchema(info);
    AddClosure(kop::StrCat(kMeta, "ObjectMeta"), doc);
  } else {
    kinds.object = TypeCatalog::Builtin().DefinitionOf({info.group, info.version, info.kind});
    if (kinds.object.empty()) return;  // nothing to describe it with
    AddClosure(kinds.object, doc);
  }
  kinds.list = kinds.object + "List";
  doc.schemas[kinds.list] = ListSchema(info, kinds.object);
  AddClosure(kop::StrCat(kMeta, "ListMeta"), doc);
  AddClosure(kop::StrCat(kMeta, "Status"), doc);

  const std::string prefix = info.group.empty() ? "/api/v1" : kop::StrCat("/apis/", info.group, "/", info.version);
  const std::string tag = kop::StrCat(info.group.empty() ? "core" : info.group, "_", info.version);
  const std::string words = kop::StrCat(GroupWord(info.group), Capitalised(info.version),
                                        info.namespaced ? "Namespaced" : "", info.kind);
  const Json gvk = GvkOf(info.group, info.version, info.kind);
  const Json obj = Ref(kinds.object);
  const Json list = Ref(kinds.list);
  const Json status = Ref(kop::StrCat(kMeta, "Status"));
  const bool strategic = !info.custom;
  const std::string collection =
      info.namespaced ? kop::StrCat(prefix, "/namespaces/{namespace}/", info.plural) : kop::StrCat(prefix, "/", info.plural);
  const Json name_param = Param("name", "path", kop::StrCat("name of the ", info.kind), true);
  const Json ns_param = Param("namespace", "path", "object name and auth scope, such as for teams and projects", true);
  auto path_params = [&](bool named) {
    Json p = Json::array();
    if (named) p.push_back(name_param);
    if (info.namespaced) p.push_back(ns_param);
    return p;
  };

  Json& coll = doc.paths[collection];
  coll["parameters"] = path_params(false);
  AddOperation(coll, "get", "list", "list" + words, tag, gvk, list, nullptr, strategic);
  AddOperation(coll, "post", "post", "create" + words, tag, gvk, obj, obj, strategic);
  if (!(info.group.empty() && info.plural == "namespaces")) {
    AddOperation(coll, "delete", "deletecollection", "deleteCollection" + words, tag, gvk, status, nullptr, strategic);
  }
  Json& item = doc.paths[collection + "/{name}"];
  item["parameters"] = path_params(true);
  AddOperation(item, "get", "get", "read" + words, tag, gvk, obj, nullptr, strategic);
  AddOperation(item, "put", "put", "replace" + words, tag, gvk, obj, obj, strategic);
  AddOperation(item, "patch", "patch", "patch" + words, tag, gvk, obj, nullptr, strategic);
  AddOperation(item, "delete", "delete", "delete" + words, tag, gvk, status, nullptr, strategic);
  if (info.namespaced) {
    Json& all = doc.paths[kop::StrCat(prefix, "/", info.plural)];
    AddOperation(all, "get", "list", kop::StrCat("list", GroupWord(info.group), Capitalised(info.version), info.kind,
                                                 "ForAllNamespaces"),
                 tag, gvk, list, nullptr, strategic);
  }
  if (info.has_status) {
    Json& st = doc.paths[collection + "/{name}/status"];
    st["parameters"] = path_params(true);
    AddOperation(st, "get", "get", "read" + words + "Status", tag, gvk, obj, nullptr, strategic);
    AddOperation(st, "put", "put", "replace" + words + "Status", tag, gvk, obj, obj, strategic);
    AddOperation(st, "patch", "patch", "patch" + words + "Status", tag, gvk, obj, nullptr, strategic);
  }
  if (info.has_scale) {
    const std::string scale_def = TypeCatalog::Builtin().DefinitionOf({"autoscaling", "v1", "Scale"});
    AddClosure(scale_def, doc);
    const Json scale = Ref(scale_def);
    const Json scale_gvk = GvkOf("autoscaling", "v1", "Scale");
    Json& sc = doc.paths[collection + "/{name}/scale"];
    sc["parameters"] = path_params(true);
    AddOperation(sc, "get", "get", "read" + words + "Scale", tag, scale_gvk, scale, nullptr, strategic);
    AddOperation(sc, "put", "put", "replace" + words + "Scale", tag, scale_gvk, scale, scale, strategic);
    AddOperation(sc, "patch", "patch", "patch" + words + "Scale", tag, scale_gvk, scale, nullptr, strategic);
  }
}

Json Info() { return {{"title", "Kubernetes"}, {"version", "v1.31.0"}}; }

// ---- Swagger 2.0 ----

// An OpenAPI v3 schema as Swagger 2.0 knows it: references to #/definitions/, and without
// what 2.0 lacks (nullable, anyOf, oneOf, not).
Json SchemaToV2(const Json& s) {
  if (s.is_array()) {
    Json out = Json::array();
    for (const Json& v : s) out.push_back(SchemaToV2(v));
    return out;
  }
  if (!s.is_object()) return s;
  Json out = Json::object();
  for (const auto& [k, v] : s.items()) {
    if (k == "nullable" || k == "anyOf" || k == "oneOf" || k == "not") continue;
    if (k == "$ref" && v.is_string()) {
      out[k] = kop::StrCat(kV2RefPrefix, v.get<std::string>().substr(kSchemaRefPrefix.size()));
    } else if (k == "properties" && v.is_object()) {
      Json props = Json::object();
      for (const auto& [name, p] : v.items()) props[name] = SchemaToV2(p);
      out[k] = std::move(props);
    } else if (k == "items" || k == "additionalProperties" || k == "allOf") {
      out[k] = SchemaToV2(v);
    } else {
      out[k] = v;
    }
  }
  if (out.value("x-kubernetes-int-or-string", false)) out.erase("type");
  return out;
}

Json OperationToV2(const Json& op) {
  Json out = Json::object();
  for (const char* k : {"operationId", "tags", "x-kubernetes-action", "x-kubernetes-group-version-kind"}) {
    if (op.contains(k)) out[k] = op[k];
  }
  Json params = Json::array();
  for (const Json& p : Member(op, "parameters")) {
    Json q = {{"name", p["name"]}, {"in", p["in"]}, {"description", p.value("description", "")},
              {"type", p["schema"]["type"]}, {"uniqueItems", true}};
    if (p.value("required", false)) q["required"] = true;
    params.push_back(std::move(q));
  }
  if (op.contains("requestBody")) {
    const Json& content = op["requestBody"]["content"];
    Json consumes = Json::array();
    Json schema = {{"type", "object"}};
    for (const auto& [type, c] : content.items()) {
      consumes.push_back(type == "*/*" ? "application/json" : type);
      schema = SchemaToV2(c["schema"]);
    }
    out["consumes"] = consumes;
    params.push_back({{"name", "body"}, {"in", "body"}, {"required", true}, {"schema", schema}});
  } else {
    out["consumes"] = Json::array({"*/*"});
  }
  out["parameters"] = params;
  out["produces"] = Json::array({"application/json", "application/yaml"});
  out["schemes"] = Json::array({"https"});
  Json responses = Json::object();
  for (const auto& [code, r] : op["responses"].items()) {
    Json v2 = {{"description", r["description"]}};
    if (r.contains("content")) v2["schema"] = SchemaToV2(r["content"]["application/json"]["schema"]);
    responses[code] = std::move(v2);
  }
  out["responses"] = responses;
  return out;
}

Json PathToV2(const Json& item) {
  Json out = Json::object();
  for (const auto& [k, v] : item.items()) {
    if (k == "parameters") {
      Json params = Json::array();
      for (const Json& p : v) {
        Json q = {{"name", p["name"]}, {"in", p["in"]}, {"description", p.value("description", "")},
                  {"type", p["schema"]["type"]}, {"uniqueItems", true}};
        if (p.value("required", false)) q["required"] = true;
        params.push_back(std::move(q));
      }
      out[k] = params;
    } else {
      out[k] = OperationToV2(v);
    }
  }
  return out;
}

// ---- protobuf (gnostic's openapi.v2 messages, field numbers as published) ----

class Proto {
 public:
  Proto& Varint(int field, uint64_t v) {
    Key(field, 0);
    Raw(v);
    return *this;
  }
  Proto& Bool(int field, bool v) { return v ? Varint(field, 1) : *this; }
  Proto& Int(int field, int64_t v) { return v != 0 ? Varint(field, static_cast<uint64_t>(v)) : *this; }
  Proto& Double(int field, double v) {
    Key(field, 1);
    char bytes[8];
    std::memcpy(bytes, &v, 8);
    out_.append(bytes, 8);
    return *this;
  }
  Proto& Bytes(int field, const std::string& v) {
    Key(field, 2);
    Raw(v.size());
    out_ += v;
    return *this;
  }
  Proto& String(int field, const std::string& v) { return v.empty() ? *this : Bytes(field, v); }
  Proto& Message(int field, const Proto& m) { return Bytes(field, m.out_); }
  const std::string& str() const { return out_; }

 private:
  void Key(int field, int wire) { Raw((static_cast<uint64_t>(field) << 3) | static_cast<uint64_t>(wire)); }
  void Raw(uint64_t v) {
    while (v >= 0x80) {
      out_ += static_cast<char>((v & 0x7f) | 0x80);
      v >>= 7;
    }
    out_ += static_cast<char>(v);
  }
  std::string out_;
};

std::string Str(const Json& j, const char* k) {
  auto it = j.find(k);
  return it != j.end() && it->is_string() ? it->get<std::string>() : "";
}

// openapi.v2.Any: a value as YAML text (JSON is YAML).
Proto AnyOf(const Json& v) { return Proto().String(2, v.dump()); }

Proto NamedAny(const std::string& name, const Json& v) { return Proto().String(1, name).Message(2, AnyOf(v)); }

Proto SchemaProto(const Json& s) {
  Proto p;
  if (!s.is_object()) return p;
  p.String(1, Str(s, "$ref")).String(2, Str(s, "format")).String(3, Str(s, "title")).String(4, Str(s, "description"));
  if (s.contains("default")) p.Message(5, AnyOf(s["default"]));
  if (s.contains("multipleOf") && s["multipleOf"].is_number()) p.Double(6, s["multipleOf"].get<double>());
  if (s.contains("maximum") && s["maximum"].is_number()) p.Double(7, s["maximum"].get<double>());
  p.Bool(8, s.value("exclusiveMaximum", false));
  if (s.contains("minimum") && s["minimum"].is_number()) p.Double(9, s["minimum"].get<double>());
  p.Bool(10, s.value("exclusiveMinimum", false));
  for (auto [key, field] : {std::pair{"maxLength", 11}, {"minLength", 12}, {"maxItems", 14}, {"minItems", 15},
                            {"maxProperties", 17}, {"minProperties", 18}}) {
    if (s.contains(key) && s[key].is_number_integer()) p.Int(field, s[key].get<int64_t>());
  }
  p.String(13, Str(s, "pattern"));
  p.Bool(16, s.value("uniqueItems", false));
  for (const Json& r : Member(s, "required")) {
    if (r.is_string()) p.Bytes(19, r.get<std::string>());
  }
  for (const Json& e : Member(s, "enum")) p.Message(20, AnyOf(e));
  if (auto ap = s.find("additionalProperties"); ap != s.end()) {
    if (ap->is_boolean()) p.Message(21, Proto().Bool(2, ap->get<bool>()));
    else p.Message(21, Proto().Message(1, SchemaProto(*ap)));
  }
  if (auto t = s.find("type"); t != s.end() && t->is_string()) p.Message(22, Proto().Bytes(1, t->get<std::string>()));
  if (auto items = s.find("items"); items != s.end() && items->is_object()) {
    p.Message(23, Proto().Message(1, SchemaProto(*items)));
  }
  for (const Json& a : Member(s, "allOf")) p.Message(24, SchemaProto(a));
  if (auto props = s.find("properties"); props != s.end() && props->is_object()) {
    Proto named;
    for (const auto& [name, sub] : props->items()) {
      named.Message(1, Proto().String(1, name).Message(2, SchemaProto(sub)));
    }
    p.Message(25, named);
  }
  p.Bool(27, s.value("readOnly", false));
  for (const auto& [k, v] : s.items()) {
    if (k.rfind("x-", 0) == 0) p.Message(31, NamedAny(k, v));
  }
  return p;
}

Proto ParameterProto(const Json& param) {
  if (Str(param, "in") == "body") {
    Proto body;
    body.String(1, Str(param, "description")).String(2, Str(param, "name")).String(3, "body")
        .Bool(4, param.value("required", false));
    if (param.contains("schema")) body.Message(5, SchemaProto(param["schema"]));
    return Proto().Message(1, Proto().Message(1, body));
  }
  // query and path parameters share their first fields' numbers up to `type`, which moves.
  const bool path = Str(param, "in") == "path";
  Proto sub;
  sub.Bool(1, param.value("required", false)).String(2, Str(param, "in")).String(3, Str(param, "description"))
      .String(4, Str(param, "name"));
  if (path) {
    sub.String(5, Str(param, "type")).Bool(19, param.value("uniqueItems", false));
  } else {
    sub.String(6, Str(param, "type")).Bool(20, param.value("uniqueItems", false));
  }
  return Proto().Message(1, Proto().Message(2, Proto().Message(path ? 4 : 3, sub)));
}

Proto OperationProto(const Json& op) {
  Proto p;
  for (const Json& t : Member(op, "tags")) p.Bytes(1, t.get<std::string>());
  p.String(5, Str(op, "operationId"));
  for (const Json& t : Member(op, "produces")) p.Bytes(6, t.get<std::string>());
  for (const Json& t : Member(op, "consumes")) p.Bytes(7, t.get<std::string>());
  for (const Json& param : Member(op, "parameters")) p.Message(8, ParameterProto(param));
  Proto responses;
  for (const auto& [code, r] : Member(op, "responses").items()) {
    Proto response;
    response.String(1, Str(r, "description"));
    if (r.contains("schema")) response.Message(2, Proto().Message(1, SchemaProto(r["schema"])));
    responses.Message(1, Proto().String(1, code).Message(2, Proto().Message(1, response)));
  }
  p.Message(9, responses);
  for (const Json& t : Member(op, "schemes")) p.Bytes(10, t.get<std::string>());
  for (const auto& [k, v] : op.items()) {
    if (k.rfind("x-", 0) == 0) p.Message(13, NamedAny(k, v));
  }
  return p;
}

}  // namespace

std::string CustomDefinitionName(const std::string& group, const std::string& version, const std::string& kind) {
  std::vector<std::string> parts;
  size_t start = 0;
  while (true) {
    const size_t dot = group.find('.', start);
    parts.push_back(group.substr(start, dot == std::string::npos ? std::string::npos : dot - start));
    if (dot == std::string::npos) break;
    start = dot + 1;
  }
  std::string out;
  for (auto it = parts.rbegin(); it != parts.rend(); ++it) out += *it + ".";
  return kop::StrCat(out, version, ".", kind);
}

std::string EncodeOpenApiV2Protobuf(const Json& d) {
  Proto doc;
  doc.String(1, Str(d, "swagger"));
  if (d.contains("info")) doc.Message(2, Proto().String(1, Str(d["info"], "title")).String(2, Str(d["info"], "version")));
  Proto paths;
  for (const auto& [path, item] : Member(d, "paths").items()) {
    Proto pi;
    for (auto [method, field] : {std::pair{"get", 2}, {"put", 3}, {"post", 4}, {"delete", 5}, {"patch", 8}}) {
      if (item.contains(method)) pi.Message(field, OperationProto(item[method]));
    }
    for (const Json& param : Member(item, "parameters")) pi.Message(9, ParameterProto(param));
    paths.Message(2, Proto().String(1, path).Message(2, pi));
  }
  doc.Message(8, paths);
  Proto defs;
  for (const auto& [name, schema] : Member(d, "definitions").items()) {
    defs.Message(1, Proto().String(1, name).Message(2, SchemaProto(schema)));
  }
  doc.Message(9, defs);
  return doc.str();
}

OpenApiDocuments::OpenApiDocuments(std::vector<std::shared_ptr<const ResourceInfo>> resources) {
  std::map<std::string, Doc> docs;  // by "api/v1", "apis/<group>/<version>"
  for (const auto& info : resources) {
    if (info->review) continue;  // create-only and not described (see docs/testing.md)
    const std::string key = info->group.empty() ? "api/v1" : kop::StrCat("apis/", info->group, "/", info->version);
    AddResource(*info, docs[key]);
  }
  v3_discovery_ = {{"paths", Json::object()}};
  Json v2_paths = Json::object();
  Json v2_defs = Json::object();
  for (auto& [key, doc] : docs) {
    Json schemas = Json::object();
    for (auto& [name, s] : doc.schemas) {
      schemas[name] = s;
      v2_defs[name] = SchemaToV2(s);
    }
    for (const auto& [path, item] : doc.paths.items()) v2_paths[path] = PathToV2(item);
    const Json v3 = {{"openapi", "3.0.0"},
                     {"info", Info()},
                     {"paths", std::move(doc.paths)},
                     {"components", {{"schemas", std::move(schemas)}}}};
    std::string text = DumpJson(v3);
    char hash[32];
    std::snprintf(hash, sizeof hash, "%016zX", std::hash<std::string>{}(text));
    v3_discovery_["paths"][key] = {{"serverRelativeURL", kop::StrCat("/openapi/v3/", key, "?hash=", hash)}};
    v3_[key] = std::move(text);
  }
  const Json v2 = {{"swagger", "2.0"}, {"info", Info()}, {"paths", v2_paths}, {"definitions", v2_defs}};
  v2_json_ = DumpJson(v2);
  v2_protobuf_ = EncodeOpenApiV2Protobuf(v2);
}

absl::StatusOr<std::string> OpenApiDocuments::V3(const std::string& group_version_path) const {
  auto it = v3_.find(group_version_path);
  if (it == v3_.end()) return absl::NotFoundError(group_version_path);
  return it->second;
}

}  // namespace kop::testing::internal
