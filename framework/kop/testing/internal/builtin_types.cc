#include "kop/testing/internal/builtin_types.h"

#include <cstdio>
#include <cstdlib>
#include <random>
#include <set>

#include "absl/strings/escaping.h"
#include "kop/api/quantity.h"
#include "kop/api/yaml.h"
#include "kop/base/status_macros.h"
#include "kop/base/strings.h"
#include "kop/testing/internal/go_json.h"

namespace kop::testing::internal {

extern const std::string_view kBuiltinTypesYaml;  // builtin_types_yaml.cc, generated

namespace {

constexpr char kMetaPackage[] = "io.k8s.apimachinery.pkg.apis.meta.v1";

// Definitions every catalog has, which the notation names with lower-case words.
std::map<std::string, Json> WellKnownDefinitions() {
  const std::string meta = kMetaPackage;
  return {
      {meta + ".Time",
       {{"type", "string"}, {"format", "date-time"}, {kGoTimeKey, "RFC3339"},
        {"description", "An RFC 3339 date and time, serialised as a string such as 2026-01-02T15:04:05Z."}}},
      {meta + ".MicroTime",
       {{"type", "string"}, {"format", "date-time"}, {kGoTimeKey, "RFC3339Micro"},
        {"description", "A date and time with microseconds, such as 2026-01-02T15:04:05.000000Z."}}},
      {"io.k8s.apimachinery.pkg.util.intstr.IntOrString",
       {{"type", "string"}, {"format", "int-or-string"}, {"x-kubernetes-int-or-string", true},
        {"description", "An integer or a string, such as a port number or name, or a percentage."}}},
      {"io.k8s.apimachinery.pkg.api.resource.Quantity",
       {{"type", "string"}, {"x-kubernetes-int-or-string", true}, {kQuantityKey, true},
        {"description", "A fixed-point number with an optional suffix, such as 100m, 1.5, 64Mi or 2G."}}},
  };
}

class Expander {
 public:
  Expander(const Json& packages, std::map<std::string, Json>* out) : packages_(packages), out_(out) {
    for (const auto& [pkg, types] : packages.items()) {
      for (const auto& [name, type] : types.items()) {
        const std::string full = pkg + "." + name;
        if (by_short_.contains(name)) by_short_[name] = "";  // ambiguous: needs the full name
        else by_short_[name] = full;
        (void)type;
      }
    }
  }

  absl::Status Run() {
    for (const auto& [pkg, types] : packages_.items()) {
      if (!types.is_object()) return absl::InvalidArgumentError(pkg + ": expected a mapping of types");
      for (const auto& [name, type] : types.items()) {
        absl::StatusOr<Json> schema = Type(pkg, type);
        if (!schema.ok()) {
          return absl::InvalidArgumentError(kop::StrCat(pkg, ".", name, ": ", ToStd(schema.status().message())));
        }
        (*out_)[pkg + "." + name] = *std::move(schema);
      }
    }
    return absl::OkStatus();
  }

 private:
  absl::StatusOr<std::string> Resolve(const std::string& pkg, const std::string& name) const {
    if (name.find('.') != std::string::npos) {
      const size_t dot = name.rfind('.');
      const std::string p = name.substr(0, dot);
      if (!packages_.contains(p) || !packages_[p].contains(name.substr(dot + 1))) {
        return absl::InvalidArgumentError("unknown type " + name);
      }
      return name;
    }
    if (packages_.contains(pkg) && packages_[pkg].contains(name)) return pkg + "." + name;
    auto it = by_short_.find(name);
    if (it == by_short_.end()) return absl::InvalidArgumentError("unknown type " + name);
    if (it->second.empty()) return absl::InvalidArgumentError("ambiguous type " + name + ": use its full name");
    return it->second;
  }

  static Json Ref(const std::string& full) {
    return {{"$ref", kop::StrCat(kSchemaRefPrefix, full)}};
  }

  absl::StatusOr<Json> Expr(const std::string& pkg, const std::string& e) const {
    if (e == "string") return Json{{"type", "string"}};
    if (e == "boolean") return Json{{"type", "boolean"}};
    if (e == "int32") return Json{{"type", "integer"}, {"format", "int32"}};
    if (e == "int64") return Json{{"type", "integer"}, {"format", "int64"}};
    if (e == "number") return Json{{"type", "number"}, {"format", "double"}};
    if (e == "bytes") return Json{{"type", "string"}, {"format", "byte"}};
    if (e == "time") return Ref(kop::StrCat(kMetaPackage, ".Time"));
    if (e == "microtime") return Ref(kop::StrCat(kMetaPackage, ".MicroTime"));
    if (e == "int-or-string") return Ref("io.k8s.apimachinery.pkg.util.intstr.IntOrString");
    if (e == "quantity") return Ref("io.k8s.apimachinery.pkg.api.resource.Quantity");
    if (e == "any") return Json{{"x-kubernetes-preserve-unknown-fields", true}};
    if (e == "object") return Json{{"type", "object"}, {"x-kubernetes-preserve-unknown-fields", true}};
    if (e.rfind("map[", 0) == 0 && e.back() == ']') {
      KOP_ASSIGN_OR_RETURN(Json value, Expr(pkg, e.substr(4, e.size() - 5)));
      return Json{{"type", "object"}, {"additionalProperties", std::move(value)}};
    }
    if (e.rfind("[]", 0) == 0) {
      KOP_ASSIGN_OR_RETURN(Json item, Expr(pkg, e.substr(2)));
      return Json{{"type", "array"}, {"items", std::move(item)}};
    }
    KOP_ASSIGN_OR_RETURN(std::string full, Resolve(pkg, e));
    return Ref(full);
  }

  absl::StatusOr<Json> Field(const std::string& pkg, const std::string& name, const Json& f) const {
    if (f.is_string()) return Expr(pkg, f.get<std::string>());
    if (!f.is_object() || !f.contains("type") || !f["type"].is_string()) {
      return absl::InvalidArgumentError(name + ": a field is a type or a mapping with a type");
    }
    // A described reference keeps its description beside "$ref" (not in an allOf wrapper):
    // kubectl before 1.28 does not look through allOf for patch strategies.
    KOP_ASSIGN_OR_RETURN(Json s, Expr(pkg, f["type"].get<std::string>()));
    if (f.contains("doc")) s["description"] = f["doc"];
    if (f.contains("default")) s["default"] = f["default"];
    if (f.contains("enum")) s["enum"] = f["enum"];
    if (f.contains("map_type")) s["x-kubernetes-map-type"] = f["map_type"];
    const std::string list = f.value("list", f.contains("merge") || f.contains("keys") ? "map" : "");
    if (!list.empty()) {
      if (!s.contains("items")) return absl::InvalidArgumentError(name + ": list semantics on a non-list");
      s["x-kubernetes-list-type"] = list;
    }
    if (list == "map") {
      if (f.contains("keys")) {
        s["x-kubernetes-list-map-keys"] = f["keys"];
      } else if (f.contains("merge")) {
        s["x-kubernetes-list-map-keys"] = Json::array({f["merge"]});
      } else {
        return absl::InvalidArgumentError(name + ": a map list needs keys");
      }
    }
    if (f.contains("merge")) s["x-kubernetes-patch-merge-key"] = f["merge"];
    if (f.contains("strategy")) {
      s["x-kubernetes-patch-strategy"] = f["strategy"];
    } else if (f.contains("merge") || list == "set") {
      s["x-kubernetes-patch-strategy"] = "merge";
    }
    return s;
  }

  absl::StatusOr<Json> Type(const std::string& pkg, const Json& t) const {
    if (!t.is_object()) return absl::InvalidArgumentError("expected a mapping");
    Json s = {{"type", "object"}};
    if (t.contains("doc")) s["description"] = t["doc"];
    Json props = Json::object();
    if (auto fields = t.find("fields"); fields != t.end()) {
      for (const auto& [name, f] : fields->items()) {
        absl::StatusOr<Json> field = Field(pkg, name, f);
        if (!field.ok()) return absl::InvalidArgumentError(kop::StrCat(name, ": ", ToStd(field.status().message())));
        props[name] = *std::move(field);
      }
    }
    s["properties"] = props;
    if (t.contains("required")) s["required"] = t["required"];
    if (t.value("open", false)) s["x-kubernetes-preserve-unknown-fields"] = true;
    if (t.contains("map_type")) s["x-kubernetes-map-type"] = t["map_type"];
    if (t.contains("always")) {
      for (const Json& f : t["always"]) {
        if (!f.is_string() || !props.contains(f.get<std::string>())) {
          return absl::InvalidArgumentError(kop::StrCat("always: ", f.dump(), " is not a field of the type"));
        }
      }
      s[kAlwaysKey] = t["always"];
    }
    if (t.contains("kind")) {
      absl::StatusOr<GroupVersionKind> gvk = ParseKind(t["kind"].get<std::string>());
      if (!gvk.ok()) return gvk.status();
      s["x-kubernetes-group-version-kind"] =
          Json::array({{{"group", gvk->group}, {"kind", gvk->kind}, {"version", gvk->version}}});
    }
    return s;
  }

 public:
  static absl::StatusOr<GroupVersionKind> ParseKind(const std::string& text) {
    const size_t slash = text.rfind('/');
    if (slash == std::string::npos) return absl::InvalidArgumentError("kind: want group/version/Kind, got " + text);
    absl::StatusOr<GroupVersionKind> gvk =
        GroupVersionKind::FromApiVersionKind(text.substr(0, slash), text.substr(slash + 1));
    if (!gvk.ok()) return absl::InvalidArgumentError("kind: " + text);
    return gvk;
  }

 private:
  const Json& packages_;
  std::map<std::string, Json>* out_;
  std::map<std::string, std::string> by_short_;
};

std::string GvkKey(const GroupVersionKind& gvk) {
  return kop::StrCat(gvk.group, "/", gvk.version, "/", gvk.kind);
}

// The schema with references replaced by what they name. Descriptions and defaults on a
// wrapper win over the referenced type's.
absl::StatusOr<Json> Inline(const std::map<std::string, Json>& defs, const Json& s, int depth) {
  if (depth > 64) return absl::InvalidArgumentError("references nest too deeply (a cycle?)");
  if (s.is_array()) {
    Json out = Json::array();
    for (const Json& v : s) {
      KOP_ASSIGN_OR_RETURN(Json x, Inline(defs, v, depth));
      out.push_back(std::move(x));
    }
    return out;
  }
  if (!s.is_object()) return s;
  const Json* ref = nullptr;
  if (auto r = s.find("$ref"); r != s.end()) ref = &*r;
  if (auto all = s.find("allOf"); all != s.end() && all->is_array() && all->size() == 1 &&
                                   (*all)[0].contains("$ref")) {
    ref = &(*all)[0]["$ref"];
  }
  if (ref != nullptr) {
    const std::string name = ref->get<std::string>().substr(kSchemaRefPrefix.size());
    auto it = defs.find(name);
    if (it == defs.end()) return absl::InvalidArgumentError("unknown reference " + name);
    KOP_ASSIGN_OR_RETURN(Json out, Inline(defs, it->second, depth + 1));
    out.erase("x-kubernetes-group-version-kind");
    for (const auto& [k, v] : s.items()) {
      if (k != "$ref" && k != "allOf") out[k] = v;
    }
    return out;
  }
  Json out = Json::object();
  for (const auto& [k, v] : s.items()) {
    if (k == "properties" && v.is_object()) {
      Json props = Json::object();
      for (const auto& [name, p] : v.items()) {
        KOP_ASSIGN_OR_RETURN(props[name], Inline(defs, p, depth + 1));
      }
      out[k] = std::move(props);
    } else if (k == "items" || k == "additionalProperties") {
      KOP_ASSIGN_OR_RETURN(out[k], Inline(defs, v, depth + 1));
    } else {
      out[k] = v;
    }
  }
  return out;
}

// Removes the markers only the server reads (go_json.h) from a published definition.
void StripMarkers(Json& s) {
  if (s.is_object()) {
    s.erase(kAlwaysKey);
    s.erase(kQuantityKey);
    s.erase(kGoTimeKey);
    for (auto& [k, v] : s.items()) StripMarkers(v);
  } else if (s.is_array()) {
    for (Json& v : s) StripMarkers(v);
  }
}

void CollectRefs(const Json& s, std::set<std::string>& out) {
  if (s.is_object()) {
    for (const auto& [k, v] : s.items()) {
      if (k == "$ref" && v.is_string()) {
        out.insert(v.get<std::string>().substr(kSchemaRefPrefix.size()));
      } else {
        CollectRefs(v, out);
      }
    }
  } else if (s.is_array()) {
    for (const Json& v : s) CollectRefs(v, out);
  }
}

}  // namespace

absl::StatusOr<TypeCatalog> TypeCatalog::Parse(std::string_view yaml) {
  KOP_ASSIGN_OR_RETURN(Json packages, ParseYaml(yaml));
  if (!packages.is_object()) return absl::InvalidArgumentError("the catalog is a mapping of packages");
  TypeCatalog c;
  c.definitions_ = WellKnownDefinitions();
  Expander expander(packages, &c.definitions_);
  KOP_RETURN_IF_ERROR(expander.Run());
  for (const auto& [name, def] : c.definitions_) {
    auto gvks = def.find("x-kubernetes-group-version-kind");
    if (gvks == def.end()) continue;
    for (const Json& g : *gvks) {
      const GroupVersionKind gvk{g["group"], g["version"], g["kind"]};
      c.by_gvk_[GvkKey(gvk)] = name;
      KOP_ASSIGN_OR_RETURN(Json inlined, Inline(c.definitions_, def, 0));
      c.inlined_[name] = std::make_shared<const Json>(std::move(inlined));
    }
  }
  auto meta = c.definitions_.find(kop::StrCat(kMetaPackage, ".ObjectMeta"));
  if (meta == c.definitions_.end()) return absl::InvalidArgumentError("the catalog has no ObjectMeta");
  KOP_ASSIGN_OR_RETURN(Json meta_inlined, Inline(c.definitions_, meta->second, 0));
  c.object_meta_ = std::make_shared<const Json>(std::move(meta_inlined));
  for (auto& [name, def] : c.definitions_) StripMarkers(def);
  return c;
}

const TypeCatalog& TypeCatalog::Builtin() {
  static const TypeCatalog* catalog = [] {
    absl::StatusOr<TypeCatalog> c = Parse(kBuiltinTypesYaml);
    if (!c.ok()) {
      std::fprintf(stderr, "kop: builtin_types.yaml: %s\n", std::string(c.status().message()).c_str());
      std::abort();
    }
    return new TypeCatalog(*std::move(c));  // lives as long as the process
  }();
  return *catalog;
}

std::string TypeCatalog::DefinitionOf(const GroupVersionKind& gvk) const {
  auto it = by_gvk_.find(GvkKey(gvk));
  return it == by_gvk_.end() ? "" : it->second;
}

std::shared_ptr<const Json> TypeCatalog::InlinedSchema(const GroupVersionKind& gvk) const {
  const std::string name = DefinitionOf(gvk);
  auto it = inlined_.find(name);
  return it == inlined_.end() ? nullptr : it->second;
}

std::vector<std::string> TypeCatalog::Closure(const std::string& name) const {
  std::set<std::string> seen;
  std::vector<std::string> todo{name};
  while (!todo.empty()) {
    const std::string n = todo.back();
    todo.pop_back();
    if (!seen.insert(n).second) continue;
    auto it = definitions_.find(n);
    if (it == definitions_.end()) continue;
    std::set<std::string> refs;
    CollectRefs(it->second, refs);
    for (const std::string& r : refs) todo.push_back(r);
  }
  return {seen.begin(), seen.end()};
}

// ---------------------------------------------------------------------------------------
// Defaulting beyond the schema

namespace {

Json& Child(Json& parent, const char* key) {
  if (!parent.contains(key) || !parent[key].is_object()) parent[key] = Json::object();
  return parent[key];
}

void DefaultTo(Json& parent, const char* key, Json value) {
  if (!parent.contains(key) || parent[key].is_null()) parent[key] = std::move(value);
}

// kube's rule: an image without a tag, or tagged latest, is pulled Always; otherwise
// IfNotPresent.
std::string PullPolicyFor(const std::string& image) {
  if (image.find('@') != std::string::npos) return "IfNotPresent";
  const size_t slash = image.rfind('/');
  const size_t colon = image.rfind(':');
  if (colon == std::string::npos || (slash != std::string::npos && colon < slash)) return "Always";
  return image.substr(colon + 1) == "latest" ? "Always" : "IfNotPresent";
}

void DefaultPodSpec(Json& spec) {
  if (!spec.is_object()) return;
  for (const char* list : {"containers", "initContainers"}) {
    if (!spec.contains(list) || !spec[list].is_array()) continue;
    for (Json& c : spec[list]) {
      if (c.is_object() && c.contains("image") && c["image"].is_string()) {
        DefaultTo(c, "imagePullPolicy", PullPolicyFor(c["image"].get<std::string>()));
      }
    }
  }
}

bool SameQuantity(const Json& a, const Json& b) {
  auto parse = [](const Json& j) { return Quantity::Parse(j.is_string() ? j.get<std::string>() : j.dump()); };
  absl::StatusOr<Quantity> x = parse(a), y = parse(b);
  return x.ok() && y.ok() ? *x == *y : a == b;
}

// Requests default to the limits (SetDefaults_Pod).
void DefaultPod(const Json* old, Json& pod) {
  Json& spec = pod["spec"];
  if (!spec.is_object()) return;
  for (const char* list : {"containers", "initContainers"}) {
    if (!spec.contains(list) || !spec[list].is_array()) continue;
    for (Json& c : spec[list]) {
      if (!c.is_object() || !c.contains("resources") || !c["resources"].is_object()) continue;
      Json& resources = c["resources"];
      if (!resources.contains("limits") || !resources["limits"].is_object()) continue;
      for (const auto& [name, amount] : resources["limits"].items()) {
        Json& requests = Child(resources, "requests");
        if (!requests.contains(name)) requests[name] = amount;
      }
    }
  }
  (void)old;
}

// What admission plugins add to a new pod after its fields were recorded as its creator's
// (Priority, DefaultTolerationSeconds, ServiceAccount), and the status a new pod starts with.
void AdmitNewPod(Json& pod) {
  if (!pod.contains("spec") || !pod["spec"].is_object()) return;
  Json& spec = pod["spec"];
  if (!spec.contains("priorityClassName")) DefaultTo(spec, "priority", 0);
  DefaultTo(spec, "preemptionPolicy", "PreemptLowerPriority");
  DefaultTo(spec, "serviceAccountName", "default");
  DefaultTo(spec, "serviceAccount", spec["serviceAccountName"]);
  Json& tolerations = spec["tolerations"];
  if (!tolerations.is_array()) tolerations = Json::array();
  for (const char* taint : {"node.kubernetes.io/not-ready", "node.kubernetes.io/unreachable"}) {
    bool tolerated = false;
    for (const Json& t : tolerations) {
      tolerated = tolerated || (t.is_object() && (t.value("key", "") == taint || (t.value("key", "").empty() &&
                                                                                 t.value("operator", "") == "Exists")));
    }
    if (!tolerated) {
      tolerations.push_back(
          {{"key", taint}, {"operator", "Exists"}, {"effect", "NoExecute"}, {"tolerationSeconds", 300}});
    }
  }
  // QoS: Guaranteed when every container limits cpu and memory and requests what it limits;
  // BestEffort when none requests or limits anything; Burstable otherwise.
  bool any = false, guaranteed = true;
  for (const Json& c : spec.value("containers", Json::array())) {
    const Json resources = c.is_object() ? c.value("resources", Json::object()) : Json::object();
    const Json limits = resources.value("limits", Json::object());
    const Json requests = resources.value("requests", Json::object());
    any = any || !limits.empty() || !requests.empty();
    for (const char* r : {"cpu", "memory"}) {
      guaranteed = guaranteed && limits.contains(r) && requests.contains(r) && SameQuantity(limits[r], requests[r]);
    }
  }
  Json& status = Child(pod, "status");
  status["phase"] = "Pending";
  status["qosClass"] = !any ? "BestEffort" : guaranteed ? "Guaranteed" : "Burstable";
}

void DefaultTemplate(Json& obj) {
  if (obj.contains("spec") && obj["spec"].is_object() && obj["spec"].contains("template") &&
      obj["spec"]["template"].is_object() && obj["spec"]["template"].contains("spec")) {
    DefaultPodSpec(obj["spec"]["template"]["spec"]);
  }
}

std::string RandomClusterIp() {
  static thread_local std::mt19937 rng{std::random_device{}()};
  std::uniform_int_distribution<int> third(0, 255);
  std::uniform_int_distribution<int> fourth(2, 254);
  return kop::StrCat("10.96.", third(rng), ".", fourth(rng));
}

int RandomNodePort() {
  static thread_local std::mt19937 rng{std::random_device{}()};
  return std::uniform_int_distribution<int>(30000, 32767)(rng);
}

void DefaultService(const Json* old, Json& obj) {
  Json& spec = Child(obj, "spec");
  DefaultTo(spec, "type", "ClusterIP");
  const std::string type = spec["type"].is_string() ? spec["type"].get<std::string>() : "";
  DefaultTo(spec, "sessionAffinity", "None");
  if (spec.contains("ports") && spec["ports"].is_array()) {
    for (Json& p : spec["ports"]) {
      if (p.is_object() && p.contains("port")) DefaultTo(p, "targetPort", p["port"]);
    }
  }
  const Json* old_spec = old != nullptr && old->contains("spec") ? &(*old)["spec"] : nullptr;
  const std::string old_type =
      old_spec != nullptr && old_spec->is_object() ? old_spec->value("type", "ClusterIP") : "";
  if (type == "ClusterIP" && (old_type == "NodePort" || old_type == "LoadBalancer")) {
    // Leaving an external type drops what only external types have, when the update kept the
    // old values (upstream's dropTypeDependentFields).
    for (const char* field : {"externalTrafficPolicy", "healthCheckNodePort", "allocateLoadBalancerNodePorts"}) {
      if (spec.contains(field) && old_spec->contains(field) && spec[field] == (*old_spec)[field]) spec.erase(field);
    }
    if (spec.contains("ports") && spec["ports"].is_array()) {
      for (Json& p : spec["ports"]) {
        if (p.is_object()) p.erase("nodePort");
      }
    }
  }
  if (type == "ExternalName") return;
  DefaultTo(spec, "internalTrafficPolicy", "Cluster");
  // An update that leaves out what the server allocated keeps it (upstream's
  // patchAllocatedValues).
  if (old_spec != nullptr && old_spec->is_object()) {
    if (!spec.contains("clusterIP") && old_spec->contains("clusterIP")) spec["clusterIP"] = (*old_spec)["clusterIP"];
    if (!spec.contains("clusterIPs") && old_spec->contains("clusterIPs")) spec["clusterIPs"] = (*old_spec)["clusterIPs"];
  }
  if (!spec.contains("clusterIP") || spec["clusterIP"] == "") spec["clusterIP"] = RandomClusterIp();
  DefaultTo(spec, "clusterIPs", Json::array({spec["clusterIP"]}));
  DefaultTo(spec, "ipFamilies", Json::array({"IPv4"}));
  DefaultTo(spec, "ipFamilyPolicy", "SingleStack");
  if ((type == "NodePort" || type == "LoadBalancer") && spec.contains("ports") && spec["ports"].is_array()) {
    DefaultTo(spec, "externalTrafficPolicy", "Cluster");
    for (Json& p : spec["ports"]) {
      if (!p.is_object() || (p.contains("nodePort") && p["nodePort"] != 0)) continue;
      int node_port = 0;
      if (old_spec != nullptr && old_spec->contains("ports") && (*old_spec)["ports"].is_array()) {
        for (const Json& o : (*old_spec)["ports"]) {
          if (o.is_object() && o.value("port", -1) == p.value("port", -2) && o.contains("nodePort")) {
            node_port = o.value("nodePort", 0);
          }
        }
      }
      p["nodePort"] = node_port != 0 ? node_port : RandomNodePort();
    }
    if (type == "LoadBalancer") DefaultTo(spec, "allocateLoadBalancerNodePorts", true);
  }
}

void DefaultSecret(Json& obj) {
  auto sd = obj.find("stringData");
  if (sd == obj.end()) return;
  if (sd->is_object()) {
    Json& data = Child(obj, "data");
    for (const auto& [k, v] : sd->items()) {
      if (v.is_string()) data[k] = absl::Base64Escape(v.get<std::string>());
    }
  }
  obj.erase("stringData");
}

// A Job's own defaults (upstream's SetDefaults_Job), which a CronJob's job template does not
// get: one completion and one pod at a time when neither is said, six retries, NonIndexed, not
// suspended; a Job without labels carries its pods'.
void DefaultJob(Json& obj) {
  Json& spec = Child(obj, "spec");
  if (!spec.contains("completions") && !spec.contains("parallelism")) spec["completions"] = 1;
  DefaultTo(spec, "parallelism", 1);
  DefaultTo(spec, "backoffLimit", 6);
  DefaultTo(spec, "completionMode", "NonIndexed");
  DefaultTo(spec, "suspend", false);
  // A Job without labels of its own carries its pods' (as the client wrote them).
  if (spec.contains("template") && spec["template"].is_object() && spec["template"].contains("metadata") &&
      spec["template"]["metadata"].is_object()) {
    const Json& pod_meta = spec["template"]["metadata"];
    Json& meta = Child(obj, "metadata");
    if (pod_meta.contains("labels") && pod_meta["labels"].is_object() && !pod_meta["labels"].empty() &&
        (!meta.contains("labels") || !meta["labels"].is_object() || meta["labels"].empty())) {
      meta["labels"] = pod_meta["labels"];
    }
  }
}

// What the Job strategy adds on create, once the uid is known: unless the client chose the
// selector, pods are labelled with the job's uid and name and selected by the uid; a Job
// without labels of its own carries its pods'.
void AdmitNewJob(Json& obj) {
  Json& meta = Child(obj, "metadata");
  Json& spec = Child(obj, "spec");
  const Json* manual = spec.contains("manualSelector") ? &spec["manualSelector"] : nullptr;
  if (manual == nullptr || !manual->is_boolean() || !manual->get<bool>()) {
    const std::string uid = meta.value("uid", "");
    Json& labels = Child(Child(Child(spec, "template"), "metadata"), "labels");
    if (!labels.contains("job-name")) labels["job-name"] = meta.value("name", "");
    if (!labels.contains("controller-uid")) labels["controller-uid"] = uid;
    Json& match = Child(Child(spec, "selector"), "matchLabels");
    if (!match.contains("controller-uid")) match["controller-uid"] = uid;
  }
  const Json* pod_labels = nullptr;
  if (spec.contains("template") && spec["template"].is_object() && spec["template"].contains("metadata") &&
      spec["template"]["metadata"].is_object() && spec["template"]["metadata"].contains("labels")) {
    pod_labels = &spec["template"]["metadata"]["labels"];
  }
  const bool unlabelled = !meta.contains("labels") || !meta["labels"].is_object() || meta["labels"].empty();
  if (unlabelled && pod_labels != nullptr && pod_labels->is_object() && !pod_labels->empty()) {
    meta["labels"] = *pod_labels;
  }
}

}  // namespace

void DefaultBuiltinObject(const GroupVersionKind& gvk, const Json* old, Json& obj) {
  if (!obj.is_object()) return;
  if (gvk.group.empty()) {
    if (gvk.kind == "Service") {
      DefaultService(old, obj);
    } else if (gvk.kind == "Secret") {
      DefaultSecret(obj);
    } else if (gvk.kind == "Pod" && obj.contains("spec")) {
      DefaultTo(obj["spec"], "enableServiceLinks", true);
      DefaultPodSpec(obj["spec"]);
      DefaultPod(old, obj);
    } else if (gvk.kind == "Namespace") {
      // Every namespace carries its name as a label, whatever the client sent.
      if (obj.contains("metadata") && obj["metadata"].is_object() && obj["metadata"].value("name", "") != "") {
        Child(obj["metadata"], "labels")["kubernetes.io/metadata.name"] = obj["metadata"]["name"];
      }
    }
    return;
  }
  if (gvk.group == "batch" && gvk.kind == "Job") {
    DefaultJob(obj);
    DefaultTemplate(obj);
    return;
  }
  if (gvk.group == "batch" && gvk.kind == "CronJob") {
    // The job template's pods get pod defaults; the job template itself gets none.
    if (obj.contains("spec") && obj["spec"].is_object() && obj["spec"].contains("jobTemplate") &&
        obj["spec"]["jobTemplate"].is_object()) {
      DefaultTemplate(obj["spec"]["jobTemplate"]);
    }
    return;
  }
  if (gvk.group != "apps" || !obj.contains("spec") || !obj["spec"].is_object()) return;
  Json& spec = obj["spec"];
  if (gvk.kind == "Deployment") {
    Json& strategy = Child(spec, "strategy");
    DefaultTo(strategy, "type", "RollingUpdate");
    if (strategy["type"] == "RollingUpdate") {
      Json& ru = Child(strategy, "rollingUpdate");
      DefaultTo(ru, "maxUnavailable", "25%");
      DefaultTo(ru, "maxSurge", "25%");
    }
  } else if (gvk.kind == "StatefulSet") {
    Json& strategy = Child(spec, "updateStrategy");
    DefaultTo(strategy, "type", "RollingUpdate");
    if (strategy["type"] == "RollingUpdate") DefaultTo(Child(strategy, "rollingUpdate"), "partition", 0);
    Json& retention = Child(spec, "persistentVolumeClaimRetentionPolicy");
    DefaultTo(retention, "whenDeleted", "Retain");
    DefaultTo(retention, "whenScaled", "Retain");
  } else if (gvk.kind == "DaemonSet") {
    Json& strategy = Child(spec, "updateStrategy");
    DefaultTo(strategy, "type", "RollingUpdate");
    if (strategy["type"] == "RollingUpdate") {
      Json& ru = Child(strategy, "rollingUpdate");
      DefaultTo(ru, "maxUnavailable", 1);
      DefaultTo(ru, "maxSurge", 0);
    }
  }
  DefaultTemplate(obj);
}

void AdmitNewBuiltinObject(const GroupVersionKind& gvk, Json& obj) {
  if (gvk.group == "batch" && gvk.kind == "Job" && obj.is_object()) AdmitNewJob(obj);
  if (!gvk.group.empty() || !obj.is_object()) return;
  if (gvk.kind == "Pod") AdmitNewPod(obj);
  if (gvk.kind == "PersistentVolumeClaim") obj["status"]["phase"] = "Pending";  // unbound until a binder binds it
}

}  // namespace kop::testing::internal
