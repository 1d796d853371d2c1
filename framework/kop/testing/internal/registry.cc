#include "kop/testing/internal/registry.h"

#include <openssl/evp.h>

#include "absl/strings/escaping.h"

#include <algorithm>

#include "absl/status/status.h"
#include "kop/base/strings.h"
#include "kop/testing/internal/builtin_types.h"

namespace kop::testing::internal {
namespace {

const std::vector<std::string> kAllVerbs = {"create", "delete", "deletecollection", "get",
                                            "list",   "patch",  "update",           "watch"};

ResourceInfo Builtin(std::string group, std::string plural, std::string singular,
                     std::string kind, bool namespaced, std::vector<std::string> short_names) {
  ResourceInfo r;
  r.group = std::move(group);
  r.version = "v1";
  r.plural = std::move(plural);
  r.singular = std::move(singular);
  r.kind = std::move(kind);
  r.list_kind = r.kind + "List";
  r.namespaced = namespaced;
  r.short_names = std::move(short_names);
  r.schema = TypeCatalog::Builtin().InlinedSchema({r.group, r.version, r.kind});
  return r;
}

// Upstream's ordering of API versions: GA before beta before alpha, higher numbers first.
int VersionRank(const std::string& v, int* major, int* minor) {
  *major = 0;
  *minor = 0;
  size_t i = 1;
  while (i < v.size() && isdigit(static_cast<unsigned char>(v[i]))) {
    *major = *major * 10 + (v[i] - '0');
    ++i;
  }
  int kind = 3;  // GA
  if (v.compare(i, 4, "beta") == 0) {
    kind = 2;
    i += 4;
  } else if (v.compare(i, 5, "alpha") == 0) {
    kind = 1;
    i += 5;
  } else if (i != v.size()) {
    kind = 0;
  }
  while (i < v.size() && isdigit(static_cast<unsigned char>(v[i]))) {
    *minor = *minor * 10 + (v[i] - '0');
    ++i;
  }
  return kind;
}

bool VersionBefore(const std::string& a, const std::string& b) {
  int am, an, bm, bn;
  const int ak = VersionRank(a, &am, &an);
  const int bk = VersionRank(b, &bm, &bn);
  if (ak != bk) return ak > bk;
  if (am != bm) return am > bm;
  if (an != bn) return an > bn;
  return a < b;
}

}  // namespace

Registry::Registry() {
  kop::MutexLock lock(&mu_);
  {
    ResourceInfo ns = Builtin("", "namespaces", "namespace", "Namespace", false, {"ns"});
    ns.has_status = true;
    ns.field_labels = {"status.phase"};
    ns.name_format = "label";
    AddLocked(ns);
  }
  AddLocked(Builtin("", "configmaps", "configmap", "ConfigMap", true, {"cm"}));
  {
    ResourceInfo s = Builtin("", "secrets", "secret", "Secret", true, {});
    s.field_labels = {"type"};
    AddLocked(s);
  }
  {
    ResourceInfo svc = Builtin("", "services", "service", "Service", true, {"svc"});
    svc.has_status = true;
    svc.categories = {"all"};
    svc.delete_returns_object = true;
    svc.name_format = "label1035";
    AddLocked(svc);
  }
  AddLocked(Builtin("", "serviceaccounts", "serviceaccount", "ServiceAccount", true, {"sa"}));
  {
    ResourceInfo pod = Builtin("", "pods", "pod", "Pod", true, {"po"});
    pod.has_status = true;
    pod.categories = {"all"};
    pod.delete_returns_object = true;
    pod.field_labels = {"spec.nodeName",       "spec.restartPolicy", "spec.schedulerName",
                        "spec.serviceAccountName", "status.phase",  "status.podIP",
                        "status.nominatedNodeName"};
    AddLocked(pod);
  }
  {
    ResourceInfo ev = Builtin("", "events", "event", "Event", true, {"ev"});
    ev.field_labels = {"involvedObject.kind",  "involvedObject.namespace",
                       "involvedObject.name",  "involvedObject.uid",
                       "involvedObject.apiVersion", "involvedObject.resourceVersion",
                       "involvedObject.fieldPath", "reason", "reportingComponent", "source",
                       "type"};
    AddLocked(ev);
  }
  for (auto [plural, singular, kind, shorts] :
       {std::tuple{"deployments", "deployment", "Deployment", std::vector<std::string>{"deploy"}},
        std::tuple{"replicasets", "replicaset", "ReplicaSet", std::vector<std::string>{"rs"}},
        std::tuple{"statefulsets", "statefulset", "StatefulSet", std::vector<std::string>{"sts"}},
        std::tuple{"daemonsets", "daemonset", "DaemonSet", std::vector<std::string>{"ds"}}}) {
    ResourceInfo r = Builtin("apps", plural, singular, kind, true, shorts);
    r.has_status = true;
    r.has_generation = true;
    r.categories = {"all"};
    if (r.plural == "replicasets") r.field_labels = {"status.replicas"};
    if (r.plural != "daemonsets") {
      r.has_scale = true;
      r.scale_spec_path = ".spec.replicas";
      r.scale_status_path = ".status.replicas";
    }
    AddLocked(r);
  }
  {
    ResourceInfo pvc = Builtin("", "persistentvolumeclaims", "persistentvolumeclaim",
                               "PersistentVolumeClaim", true, {"pvc"});
    pvc.has_status = true;
    AddLocked(pvc);
  }
  // What a cluster's operators and kubectl read besides: nodes, endpoints, storage, quotas,
  // classes. (No node exists: as with kube-apiserver alone, there is no kubelet.)
  for (auto [group, plural, singular, kind, namespaced, shorts, status] :
       {std::tuple{"", "nodes", "node", "Node", false, std::vector<std::string>{"no"}, true},
        std::tuple{"", "endpoints", "endpoints", "Endpoints", true, std::vector<std::string>{"ep"},
                   false},
        std::tuple{"", "persistentvolumes", "persistentvolume", "PersistentVolume", false,
                   std::vector<std::string>{"pv"}, true},
        std::tuple{"", "resourcequotas", "resourcequota", "ResourceQuota", true,
                   std::vector<std::string>{"quota"}, true},
        std::tuple{"", "limitranges", "limitrange", "LimitRange", true,
                   std::vector<std::string>{"limits"}, false},
        std::tuple{"discovery.k8s.io", "endpointslices", "endpointslice", "EndpointSlice", true,
                   std::vector<std::string>{}, false},
        std::tuple{"storage.k8s.io", "storageclasses", "storageclass", "StorageClass", false,
                   std::vector<std::string>{"sc"}, false},
        std::tuple{"networking.k8s.io", "ingressclasses", "ingressclass", "IngressClass", false,
                   std::vector<std::string>{}, false},
        std::tuple{"scheduling.k8s.io", "priorityclasses", "priorityclass", "PriorityClass", false,
                   std::vector<std::string>{"pc"}, false}}) {
    ResourceInfo r = Builtin(group, plural, singular, kind, namespaced, shorts);
    r.has_status = status;
    AddLocked(r);
  }
  // What operators own besides workloads: batch, networking, disruption budgets, autoscalers.
  for (auto [group, version, plural, singular, kind, shorts, status, all] :
       {std::tuple{"batch", "v1", "jobs", "job", "Job", std::vector<std::string>{}, true, true},
        std::tuple{"batch", "v1", "cronjobs", "cronjob", "CronJob", std::vector<std::string>{"cj"},
                   true, true},
        std::tuple{"networking.k8s.io", "v1", "ingresses", "ingress", "Ingress",
                   std::vector<std::string>{"ing"}, true, false},
        std::tuple{"networking.k8s.io", "v1", "networkpolicies", "networkpolicy", "NetworkPolicy",
                   std::vector<std::string>{"netpol"}, false, false},
        std::tuple{"policy", "v1", "poddisruptionbudgets", "poddisruptionbudget",
                   "PodDisruptionBudget", std::vector<std::string>{"pdb"}, true, false},
        std::tuple{"autoscaling", "v2", "horizontalpodautoscalers", "horizontalpodautoscaler",
                   "HorizontalPodAutoscaler", std::vector<std::string>{"hpa"}, true, true}}) {
    ResourceInfo r = Builtin(group, plural, singular, kind, true, shorts);
    r.version = version;
    r.schema = TypeCatalog::Builtin().InlinedSchema({r.group, r.version, r.kind});
    r.has_status = status;
    r.has_generation = true;
    if (all) r.categories = {"all"};
    AddLocked(r);
  }
  AddLocked(Builtin("coordination.k8s.io", "leases", "lease", "Lease", true, {}));
  // RBAC objects are stored and served; the embedded server does not authorise by them.
  AddLocked(Builtin("rbac.authorization.k8s.io", "roles", "role", "Role", true, {}));
  AddLocked(Builtin("rbac.authorization.k8s.io", "rolebindings", "rolebinding", "RoleBinding", true, {}));
  AddLocked(Builtin("rbac.authorization.k8s.io", "clusterroles", "clusterrole", "ClusterRole", false, {}));
  AddLocked(Builtin("rbac.authorization.k8s.io", "clusterrolebindings", "clusterrolebinding",
                    "ClusterRoleBinding", false, {}));
  // Reviews: what kubectl auth can-i / whoami, webhook authorisers and metrics endpoints
  // that delegate authentication ask the server.
  for (auto [group, plural, singular, kind, namespaced] :
       {std::tuple{"authentication.k8s.io", "tokenreviews", "tokenreview", "TokenReview", false},
        std::tuple{"authentication.k8s.io", "selfsubjectreviews", "selfsubjectreview",
                   "SelfSubjectReview", false},
        std::tuple{"authorization.k8s.io", "subjectaccessreviews", "subjectaccessreview",
                   "SubjectAccessReview", false},
        std::tuple{"authorization.k8s.io", "selfsubjectaccessreviews", "selfsubjectaccessreview",
                   "SelfSubjectAccessReview", false},
        std::tuple{"authorization.k8s.io", "localsubjectaccessreviews", "localsubjectaccessreview",
                   "LocalSubjectAccessReview", true},
        std::tuple{"authorization.k8s.io", "selfsubjectrulesreviews", "selfsubjectrulesreview",
                   "SelfSubjectRulesReview", false}}) {
    ResourceInfo r = Builtin(group, plural, singular, kind, namespaced, {});
    r.review = true;
    AddLocked(r);
  }
  {
    ResourceInfo ev = Builtin("events.k8s.io", "events", "event", "Event", true, {"ev"});
    ev.field_labels = {"regarding.kind", "regarding.namespace", "regarding.name", "reason",
                       "reportingController", "type"};
    AddLocked(ev);
  }
  {
    ResourceInfo crd = Builtin("apiextensions.k8s.io", "customresourcedefinitions",
                               "customresourcedefinition", "CustomResourceDefinition", false,
                               {"crd", "crds"});
    crd.has_status = true;
    crd.has_generation = true;
    crd.categories = {"api-extensions"};
    AddLocked(crd);
  }
}

void Registry::AddLocked(ResourceInfo info) {
  Key key{info.group, info.version, info.plural};
  resources_[key] = std::make_shared<const ResourceInfo>(std::move(info));
  RebuildGroupsLocked();
}

std::vector<std::shared_ptr<const ResourceInfo>> Registry::All() const {
  kop::MutexLock lock(&mu_);
  std::vector<std::shared_ptr<const ResourceInfo>> out;
  out.reserve(resources_.size());
  for (const auto& [key, info] : resources_) out.push_back(info);
  return out;
}

uint64_t Registry::generation() const {
  kop::MutexLock lock(&mu_);
  return generation_;
}

void Registry::RebuildGroupsLocked() {
  ++generation_;
  std::map<std::string, std::vector<std::string>> versions;
  for (const auto& [key, info] : resources_) {
    auto& vs = versions[std::get<0>(key)];
    if (std::find(vs.begin(), vs.end(), std::get<1>(key)) == vs.end()) {
      vs.push_back(std::get<1>(key));
    }
  }
  for (auto& [group, vs] : versions) std::sort(vs.begin(), vs.end(), VersionBefore);
  // Keep the order groups first appeared in (built-ins first), drop emptied ones.
  std::erase_if(group_order_, [&](const std::string& g) { return !versions.contains(g); });
  for (const auto& [group, vs] : versions) {
    if (!group.empty() &&
        std::find(group_order_.begin(), group_order_.end(), group) == group_order_.end()) {
      group_order_.push_back(group);
    }
  }
  group_versions_ = std::move(versions);
}

std::shared_ptr<const ResourceInfo> Registry::Find(const std::string& group,
                                                   const std::string& version,
                                                   const std::string& plural) const {
  kop::MutexLock lock(&mu_);
  auto it = resources_.find(Key{group, version, plural});
  return it == resources_.end() ? nullptr : it->second;
}

std::vector<std::string> Registry::PluralsOf(const GroupVersionKind& gvk) const {
  kop::MutexLock lock(&mu_);
  std::vector<std::string> out;
  for (const auto& [key, info] : resources_) {
    if (info->group == gvk.group && info->version == gvk.version && info->kind == gvk.kind) {
      out.push_back(info->plural);
    }
  }
  return out;
}

std::vector<std::shared_ptr<const ResourceInfo>> Registry::Versions(
    const std::string& group, const std::string& plural) const {
  kop::MutexLock lock(&mu_);
  std::vector<std::shared_ptr<const ResourceInfo>> out;
  for (const auto& [key, info] : resources_) {
    if (std::get<0>(key) == group && std::get<2>(key) == plural) out.push_back(info);
  }
  return out;
}

absl::StatusOr<std::vector<ResourceInfo>> Registry::ParseCustomResource(const Object& crd) {
  const Json* spec = crd.spec();
  if (spec == nullptr || !spec->is_object()) {
    return absl::InvalidArgumentError("spec: Required value");
  }
  auto str = [&](const Json& parent, const char* field) -> std::string {
    auto it = parent.find(field);
    return it != parent.end() && it->is_string() ? it->get<std::string>() : std::string();
  };
  ResourceInfo base;
  base.custom = true;
  base.has_generation = true;
  base.delete_returns_object = true;
  base.group = str(*spec, "group");
  const Json names = spec->value("names", Json::object());
  base.plural = str(names, "plural");
  base.singular = str(names, "singular");
  base.kind = str(names, "kind");
  base.list_kind = str(names, "listKind");
  if (base.singular.empty()) {
    base.singular = base.kind;
    std::transform(base.singular.begin(), base.singular.end(), base.singular.begin(), ::tolower);
  }
  if (base.list_kind.empty()) base.list_kind = base.kind + "List";
  if (auto it = names.find("shortNames"); it != names.end() && it->is_array()) {
    for (const Json& s : *it) {
      if (s.is_string()) base.short_names.push_back(s.get<std::string>());
    }
  }
  if (auto it = names.find("categories"); it != names.end() && it->is_array()) {
    for (const Json& s : *it) {
      if (s.is_string()) base.categories.push_back(s.get<std::string>());
    }
  }
  const std::string scope = str(*spec, "scope");
  if (scope != "Namespaced" && scope != "Cluster") {
    return absl::InvalidArgumentError(
        "spec.scope: Unsupported value: must be \"Namespaced\" or \"Cluster\"");
  }
  base.namespaced = scope == "Namespaced";
  if (base.group.empty() || base.group.find('.') == std::string::npos) {
    return absl::InvalidArgumentError("spec.group: Invalid value: should be a domain with at least one dot");
  }
  if (base.plural.empty()) return absl::InvalidArgumentError("spec.names.plural: Required value");
  if (base.kind.empty()) return absl::InvalidArgumentError("spec.names.kind: Required value");
  if (crd.name() != base.plural + "." + base.group) {
    return absl::InvalidArgumentError(kop::StrCat("metadata.name: Invalid value: \"", crd.name(),
                                                  "\": must be spec.names.plural+\".\"+spec.group"));
  }
  auto versions = spec->find("versions");
  if (versions == spec->end() || !versions->is_array() || versions->empty()) {
    return absl::InvalidArgumentError("spec.versions: Required value: must have exactly one version marked as storage version");
  }
  int storage = 0;
  std::vector<ResourceInfo> served;
  for (const Json& v : *versions) {
    if (!v.is_object()) return absl::InvalidArgumentError("spec.versions: must be objects");
    if (v.value("storage", false)) ++storage;
    ResourceInfo r = base;
    r.version = str(v, "name");
    if (r.version.empty()) return absl::InvalidArgumentError("spec.versions[].name: Required value");
    const Json sub = v.value("subresources", Json::object());
    r.has_status = sub.is_object() && sub.contains("status");
    if (sub.is_object() && sub.contains("scale") && sub["scale"].is_object()) {
      const Json& scale = sub["scale"];
      r.has_scale = true;
      r.scale_spec_path = scale.value("specReplicasPath", "");
      r.scale_status_path = scale.value("statusReplicasPath", "");
      r.scale_selector_path = scale.value("labelSelectorPath", "");
    }
    if (auto cols = v.find("additionalPrinterColumns"); cols != v.end() && cols->is_array()) {
      for (const Json& c : *cols) {
        if (c.is_object()) r.printer_columns.push_back(c);
      }
    }
    if (auto schema = v.find("schema"); schema != v.end() && schema->is_object() &&
                                        schema->contains("openAPIV3Schema")) {
      r.schema = std::make_shared<const Json>((*schema)["openAPIV3Schema"]);
    }
    if (v.value("served", false)) served.push_back(std::move(r));
  }
  if (storage != 1) {
    return absl::InvalidArgumentError(
        "spec.versions: Invalid value: must have exactly one version marked as storage version");
  }
  return served;
}

std::vector<std::shared_ptr<const ResourceInfo>> Registry::StoredResources() const {
  kop::MutexLock lock(&mu_);
  std::vector<std::shared_ptr<const ResourceInfo>> out;
  std::set<std::string> seen;
  for (const auto& [key, info] : resources_) {
    if (!info->review && seen.insert(info->StorageKey()).second) out.push_back(info);
  }
  return out;
}

absl::Status Registry::AddCustomResource(const Object& crd) {
  absl::StatusOr<std::vector<ResourceInfo>> parsed = ParseCustomResource(crd);
  if (!parsed.ok()) return parsed.status();
  std::vector<ResourceInfo> served = *std::move(parsed);
  if (served.empty()) return absl::OkStatus();
  const ResourceInfo& base = served.front();
  kop::MutexLock lock(&mu_);
  std::erase_if(resources_, [&](const auto& entry) {
    return std::get<0>(entry.first) == base.group && std::get<2>(entry.first) == base.plural;
  });
  for (ResourceInfo& r : served) {
    Key key{r.group, r.version, r.plural};
    resources_[key] = std::make_shared<const ResourceInfo>(std::move(r));
  }
  RebuildGroupsLocked();
  return absl::OkStatus();
}

void Registry::RemoveCustomResource(const std::string& group, const std::string& plural) {
  kop::MutexLock lock(&mu_);
  std::erase_if(resources_, [&](const auto& entry) {
    return std::get<0>(entry.first) == group && std::get<2>(entry.first) == plural;
  });
  RebuildGroupsLocked();
}

Json Registry::ApiVersions(const std::string& server_address) const {
  return {{"kind", "APIVersions"},
          {"versions", {"v1"}},
          {"serverAddressByClientCIDRs",
           {{{"clientCIDR", "0.0.0.0/0"}, {"serverAddress", server_address}}}}};
}

Json Registry::GroupJsonLocked(const std::string& group) const {
  Json versions = Json::array();
  const auto& vs = group_versions_.at(group);
  for (const std::string& v : vs) {
    versions.push_back({{"groupVersion", group + "/" + v}, {"version", v}});
  }
  return {{"name", group},
          {"versions", versions},
          {"preferredVersion", {{"groupVersion", group + "/" + vs.front()}, {"version", vs.front()}}}};
}

Json Registry::ApiGroupList() const {
  kop::MutexLock lock(&mu_);
  Json groups = Json::array();
  for (const std::string& g : group_order_) groups.push_back(GroupJsonLocked(g));
  return {{"kind", "APIGroupList"}, {"apiVersion", "v1"}, {"groups", groups}};
}

absl::StatusOr<Json> Registry::ApiGroup(const std::string& group) const {
  kop::MutexLock lock(&mu_);
  if (group.empty() || !group_versions_.contains(group)) {
    return absl::NotFoundError(group);
  }
  Json g = GroupJsonLocked(group);
  g["kind"] = "APIGroup";
  g["apiVersion"] = "v1";
  return g;
}

std::string StorageVersionHash(const std::string& group, const std::string& version, const std::string& kind) {
  const std::string gvk = kop::StrCat(group, "/", version, "/", kind);
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int size = 0;
  if (EVP_Digest(gvk.data(), gvk.size(), digest, &size, EVP_sha256(), nullptr) != 1 || size < 8) return "";
  std::string out;
  absl::Base64Escape(std::string(reinterpret_cast<const char*>(digest), 8), &out);
  return out;
}

namespace {

Json VerbsOf(const ResourceInfo& info) {
  if (info.review) return Json({"create"});
  if (info.plural == "namespaces") {
    return Json({"create", "delete", "get", "list", "patch", "update", "watch"});
  }
  return Json(kAllVerbs);
}

// A resource's subresources as (name, group, version, kind, verbs), in name order.
struct Subresource {
  std::string name;
  GroupVersionKind kind;
  Json verbs;
};
std::vector<Subresource> SubresourcesOf(const ResourceInfo& info) {
  std::vector<Subresource> out;
  const GroupVersionKind self{info.group, info.version, info.kind};
  if (info.has_scale) out.push_back({"scale", {"autoscaling", "v1", "Scale"}, {"get", "patch", "update"}});
  if (info.has_status) out.push_back({"status", self, {"get", "patch", "update"}});
  if (info.group.empty() && info.plural == "serviceaccounts") {
    out.push_back({"token", {"authentication.k8s.io", "v1", "TokenRequest"}, {"create"}});
  }
  std::sort(out.begin(), out.end(), [](const Subresource& a, const Subresource& b) { return a.name < b.name; });
  return out;
}

}  // namespace

Json Registry::AggregatedDiscovery(bool core, const std::string& version) const {
  kop::MutexLock lock(&mu_);
  auto resource = [](const ResourceInfo& info) {
    Json r = {{"resource", info.plural},
              {"responseKind", {{"group", info.group}, {"version", info.version}, {"kind", info.kind}}},
              {"scope", info.namespaced ? "Namespaced" : "Cluster"},
              {"singularResource", info.singular},
              {"verbs", VerbsOf(info)}};
    if (!info.short_names.empty()) r["shortNames"] = info.short_names;
    if (!info.categories.empty()) r["categories"] = info.categories;
    Json subs = Json::array();
    for (const Subresource& sub : SubresourcesOf(info)) {
      subs.push_back({{"subresource", sub.name},
                      {"responseKind", {{"group", sub.kind.group}, {"version", sub.kind.version}, {"kind", sub.kind.kind}}},
                      {"verbs", sub.verbs}});
    }
    if (!subs.empty()) r["subresources"] = std::move(subs);
    return r;
  };
  auto group_item = [&](const std::string& group, const std::vector<std::string>& versions)
                        ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    Json meta = {{"creationTimestamp", nullptr}};
    if (!group.empty()) meta["name"] = group;
    Json vs = Json::array();
    for (const std::string& v : versions) {
      Json resources = Json::array();
      for (const auto& [key, info] : resources_) {  // (group, version, plural) order
        if (std::get<0>(key) == group && std::get<1>(key) == v) resources.push_back(resource(*info));
      }
      vs.push_back({{"version", v}, {"resources", std::move(resources)}, {"freshness", "Current"}});
    }
    return Json{{"metadata", std::move(meta)}, {"versions", std::move(vs)}};
  };
  Json items = Json::array();
  if (core) {
    items.push_back(group_item("", {"v1"}));
  } else {
    for (const std::string& g : group_order_) items.push_back(group_item(g, group_versions_.at(g)));
  }
  return {{"kind", "APIGroupDiscoveryList"},
          {"apiVersion", "apidiscovery.k8s.io/" + version},
          {"metadata", Json::object()},
          {"items", std::move(items)}};
}

absl::StatusOr<Json> Registry::ApiResourceList(const std::string& group,
                                               const std::string& version) const {
  kop::MutexLock lock(&mu_);
  Json resources = Json::array();
  for (const auto& [key, info] : resources_) {
    if (std::get<0>(key) != group || std::get<1>(key) != version) continue;
    Json r = {{"name", info->plural},
              {"singularName", info->singular},
              {"namespaced", info->namespaced},
              {"kind", info->kind},
              {"verbs", VerbsOf(*info)}};
    if (!info->short_names.empty()) r["shortNames"] = info->short_names;
    if (!info->categories.empty()) r["categories"] = info->categories;
    if (!info->review) r["storageVersionHash"] = StorageVersionHash(info->group, info->version, info->kind);
    resources.push_back(r);
    for (const Subresource& sub : SubresourcesOf(*info)) {
      Json sr = {{"name", info->plural + "/" + sub.name},
                 {"singularName", ""},
                 {"namespaced", info->namespaced},
                 {"kind", sub.kind.kind},
                 {"verbs", sub.verbs}};
      if (sub.kind.group != info->group || sub.kind.version != info->version) {
        sr["group"] = sub.kind.group;
        sr["version"] = sub.kind.version;
      }
      resources.push_back(std::move(sr));
    }
  }
  if (resources.empty()) return absl::NotFoundError(group + "/" + version);
  return Json{{"kind", "APIResourceList"},
              {"apiVersion", "v1"},
              {"groupVersion", group.empty() ? version : group + "/" + version},
              {"resources", resources}};
}

}  // namespace kop::testing::internal
