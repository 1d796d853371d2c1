#include "kop/testing/internal/validation.h"

#include <set>

#include "kop/api/label_selector.h"
#include "kop/api/names.h"
#include "kop/base/strings.h"

namespace kop::testing::internal {
namespace {

constexpr char kSubdomainMessage[] =
    "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or "
    "'.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used "
    "for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')";
constexpr char kLabelMessage[] =
    "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and "
    "must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex "
    "used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')";
constexpr char kLabel1035Message[] =
    "a DNS-1035 label must consist of lower case alphanumeric characters or '-', start with an "
    "alphabetic character, and end with an alphanumeric character (e.g. 'my-name',  or "
    "'abc-123', regex used for validation is '[a-z]([-a-z0-9]*[a-z0-9])?')";

}  // namespace

std::vector<FieldCause> ValidateObjectMeta(const ResourceInfo& info, const Object& obj,
                                           bool create) {
  std::vector<FieldCause> causes;
  const std::string name(obj.name());
  if (name.empty()) {
    if (!create || obj.generate_name().empty()) {
      causes.push_back({"FieldValueRequired", "metadata.name",
                        "Required value: name or generateName is required"});
    }
  } else {
    bool (*valid)(std::string_view) = IsDns1123Subdomain;
    const char* message = kSubdomainMessage;
    size_t max = 253;
    if (info.name_format == "label") {
      valid = IsDns1123Label;
      message = kLabelMessage;
      max = 63;
    } else if (info.name_format == "label1035") {
      valid = IsDns1035Label;
      message = kLabel1035Message;
      max = 63;
    }
    if (name.size() > max) {
      causes.push_back({"FieldValueInvalid", "metadata.name",
                        kop::StrCat("Invalid value: \"", name, "\": must be no more than ", max,
                                    " characters")});
    } else if (!valid(name)) {
      causes.push_back({"FieldValueInvalid", "metadata.name",
                        kop::StrCat("Invalid value: \"", name, "\": ", message)});
    }
  }
  for (const auto& [k, v] : obj.labels()) {
    if (absl::Status s = ValidateLabelKey(k); !s.ok()) {
      causes.push_back({"FieldValueInvalid", "metadata.labels",
                        kop::StrCat("Invalid value: \"", k, "\": ", s.message())});
    }
    if (absl::Status s = ValidateLabelValue(v); !s.ok()) {
      causes.push_back({"FieldValueInvalid", kop::StrCat("metadata.labels"),
                        kop::StrCat("Invalid value: \"", v, "\": ", s.message())});
    }
  }
  for (const auto& [k, v] : obj.annotations()) {
    if (absl::Status s = ValidateLabelKey(k); !s.ok()) {
      causes.push_back({"FieldValueInvalid", "metadata.annotations",
                        kop::StrCat("Invalid value: \"", k, "\": ", s.message())});
    }
  }
  return causes;
}

namespace {

const Json* At(const Json& j, std::initializer_list<const char*> path) {
  const Json* node = &j;
  for (const char* k : path) {
    if (!node->is_object()) return nullptr;
    auto it = node->find(k);
    if (it == node->end()) return nullptr;
    node = &*it;
  }
  return node;
}

// Go's %v of a map[string]string, which upstream's messages print.
std::string GoMap(const Json* m) {
  std::string out = "map[string]string{";
  if (m != nullptr && m->is_object()) {
    bool first = true;
    for (const auto& [k, v] : m->items()) {
      out += kop::StrCat(first ? "" : ", ", "\"", k, "\":", v.dump());
      first = false;
    }
  }
  return out + "}";
}

void ValidateContainers(const Json& spec, const std::string& path, std::vector<FieldCause>& out) {
  for (const char* list : {"initContainers", "containers"}) {
    const Json* cs = At(spec, {list});
    if (cs == nullptr || !cs->is_array()) continue;
    if (std::string_view(list) == "containers" && cs->empty()) {
      out.push_back({"FieldValueRequired", kop::StrCat(path, ".containers"), "Required value"});
    }
    std::set<std::string> names;
    for (size_t i = 0; i < cs->size(); ++i) {
      const Json& c = (*cs)[i];
      const std::string at = kop::StrCat(path, ".", list, "[", i, "]");
      const std::string name = c.value("name", "");
      if (!name.empty() && !IsDns1123Label(name)) {
        out.push_back({"FieldValueInvalid", at + ".name",
                       kop::StrCat("Invalid value: \"", name, "\": ", kLabelMessage)});
      } else if (!name.empty() && !names.insert(name).second) {
        out.push_back({"FieldValueDuplicate", at + ".name", kop::StrCat("Duplicate value: \"", name, "\"")});
      }
      if (!c.contains("image") || c["image"] == "") {
        out.push_back({"FieldValueRequired", at + ".image", "Required value"});
      }
      if (const Json* ports = At(c, {"ports"}); ports != nullptr && ports->is_array()) {
        for (size_t p = 0; p < ports->size(); ++p) {
          const Json& port = (*ports)[p];
          const int64_t n = port.value("containerPort", int64_t{0});
          if (n < 1 || n > 65535) {
            out.push_back({"FieldValueInvalid", kop::StrCat(at, ".ports[", p, "].containerPort"),
                           kop::StrCat("Invalid value: ", n, ": must be between 1 and 65535, inclusive")});
          }
        }
      }
    }
  }
}

void ValidateWorkload(const std::string& kind, const Json& obj, const Json* old, std::vector<FieldCause>& out) {
  const Json* spec = At(obj, {"spec"});
  if (spec == nullptr || !spec->is_object()) return;
  if (const Json* r = At(*spec, {"replicas"}); r != nullptr && r->is_number_integer() && r->get<int64_t>() < 0) {
    out.push_back({"FieldValueInvalid", "spec.replicas",
                   kop::StrCat("Invalid value: ", r->get<int64_t>(), ": must be greater than or equal to 0")});
  }
  const Json* selector = At(*spec, {"selector"});
  if (selector != nullptr && selector->is_object()) {
    const Json* ml = At(*selector, {"matchLabels"});
    const Json* me = At(*selector, {"matchExpressions"});
    const bool empty = (ml == nullptr || !ml->is_object() || ml->empty()) &&
                       (me == nullptr || !me->is_array() || me->empty());
    if (empty) {
      out.push_back({"FieldValueInvalid", "spec.selector",
                     kop::StrCat("Invalid value: \"null\": empty selector is invalid for ",
                                 kind == "Deployment" ? "deployment" : kind == "StatefulSet" ? "statefulset" : "daemonset")});
    } else {
      absl::StatusOr<LabelSelector> sel = LabelSelector::FromJson(*selector);
      const Json* labels = At(*spec, {"template", "metadata", "labels"});
      std::map<std::string, std::string> label_map;
      if (labels != nullptr && labels->is_object()) {
        for (const auto& [k, v] : labels->items()) {
          if (v.is_string()) label_map[k] = v.get<std::string>();
        }
      }
      if (sel.ok() && At(*spec, {"template"}) != nullptr && !sel->Matches(label_map)) {
        out.push_back({"FieldValueInvalid", "spec.template.metadata.labels",
                       kop::StrCat("Invalid value: ", GoMap(labels),
                                   ": `selector` does not match template `labels`")});
      }
    }
    if (old != nullptr) {
      const Json* old_selector = At(*old, {"spec", "selector"});
      if (old_selector != nullptr && *old_selector != *selector) {
        out.push_back({"FieldValueInvalid", "spec.selector",
                       kop::StrCat("Invalid value: ", DumpJson(*selector), ": field is immutable")});
      }
    }
  }
  if (const Json* pod = At(*spec, {"template", "spec"}); pod != nullptr && pod->is_object()) {
    ValidateContainers(*pod, "spec.template.spec", out);
  }
}

void ValidateDataKeys(const Json& obj, std::vector<FieldCause>& out) {
  for (const char* field : {"data", "binaryData", "stringData"}) {
    const Json* data = At(obj, {field});
    if (data == nullptr || !data->is_object()) continue;
    for (const auto& [k, v] : data->items()) {
      if (!IsConfigMapKey(k)) {
        out.push_back({"FieldValueInvalid", kop::StrCat(field, "[", k, "]"),
                       kop::StrCat("Invalid value: \"", k, "\": a valid config key must consist of alphanumeric "
                                   "characters, '-', '_' or '.' (e.g. 'key.name',  or 'KEY_NAME',  or "
                                   "'key-name', regex used for validation is '[-._a-zA-Z0-9]+')")});
      }
    }
  }
}

}  // namespace

std::vector<FieldCause> ValidateBuiltin(const ResourceInfo& info, const Object& obj, const Object* old) {
  std::vector<FieldCause> out;
  const Json& j = obj.json();
  const Json* before = old != nullptr ? &old->json() : nullptr;
  if (info.group == "apps" && (info.kind == "Deployment" || info.kind == "StatefulSet" ||
                               info.kind == "DaemonSet" || info.kind == "ReplicaSet")) {
    ValidateWorkload(info.kind, j, before, out);
  } else if (info.group.empty() && info.kind == "Pod") {
    if (const Json* spec = At(j, {"spec"}); spec != nullptr && spec->is_object()) {
      ValidateContainers(*spec, "spec", out);
    }
  } else if (info.group.empty() && info.kind == "Service") {
    const std::string type = j.contains("spec") ? j["spec"].value("type", "ClusterIP") : "ClusterIP";
    const Json* ports = At(j, {"spec", "ports"});
    const bool headless = At(j, {"spec", "clusterIP"}) != nullptr && j["spec"]["clusterIP"] == "None";
    if (type != "ExternalName" && !headless && (ports == nullptr || !ports->is_array() || ports->empty())) {
      out.push_back({"FieldValueRequired", "spec.ports", "Required value"});
    }
    if (ports != nullptr && ports->is_array()) {
      for (size_t i = 0; i < ports->size(); ++i) {
        if (type == "ClusterIP" && (*ports)[i].contains("nodePort") && (*ports)[i]["nodePort"] != 0) {
          out.push_back({"FieldValueForbidden", kop::StrCat("spec.ports[", i, "].nodePort"),
                         "Forbidden: may not be used when `type` is 'ClusterIP'"});
        }
        const int64_t n = (*ports)[i].value("port", int64_t{0});
        if (n < 1 || n > 65535) {
          out.push_back({"FieldValueInvalid", kop::StrCat("spec.ports[", i, "].port"),
                         kop::StrCat("Invalid value: ", n, ": must be between 1 and 65535, inclusive")});
        }
      }
    }
    if (before != nullptr) {
      const Json* was = At(*before, {"spec", "clusterIP"});
      const Json* now = At(j, {"spec", "clusterIP"});
      if (was != nullptr && now != nullptr && *was != *now && type != "ExternalName") {
        out.push_back({"FieldValueInvalid", "spec.clusterIPs[0]",
                       kop::StrCat("Invalid value: ", now->dump(), ": may not change once set")});
      }
    }
  } else if (info.group.empty() && (info.kind == "ConfigMap" || info.kind == "Secret")) {
    ValidateDataKeys(j, out);
    // Upstream caps both at 1 MiB of data (a Secret's decoded).
    size_t bytes = 0;
    for (const char* field : {"data", "binaryData"}) {
      const Json* data = At(j, {field});
      if (data == nullptr || !data->is_object()) continue;
      for (const auto& [k, v] : data->items()) {
        if (!v.is_string()) continue;
        const size_t n = v.get_ref<const std::string&>().size();
        bytes += k.size() + (info.kind == "Secret" || std::string_view(field) == "binaryData" ? n / 4 * 3 : n);
      }
    }
    if (bytes > 1024 * 1024) {
      out.push_back({"FieldValueTooLong", info.kind == "Secret" ? "data" : "[]",
                     kop::StrCat("Too long: must have at most 1048576 bytes")});
    }
    if (before != nullptr && before->value("immutable", false)) {
      for (const char* field : {"data", "binaryData"}) {
        const Json* a = At(*before, {field});
        const Json* b = At(j, {field});
        if ((a == nullptr) != (b == nullptr) || (a != nullptr && *a != *b)) {
          out.push_back({"FieldValueForbidden", field, "Forbidden: field is immutable when `immutable` is set"});
        }
      }
      if (!j.value("immutable", false)) {
        out.push_back({"FieldValueForbidden", "immutable", "Forbidden: field is immutable when `immutable` is set"});
      }
    }
    if (info.kind == "Secret" && before != nullptr && before->value("type", "") != j.value("type", "")) {
      out.push_back({"FieldValueInvalid", "type",
                     kop::StrCat("Invalid value: \"", j.value("type", ""), "\": field is immutable")});
    }
  }
  return out;
}

FieldCause ParseFieldCause(std::string_view message) {
  const size_t colon = message.find(": ");
  if (colon == std::string_view::npos) return {"FieldValueInvalid", "", std::string(message)};
  std::string rest(message.substr(colon + 2));
  std::string reason = "FieldValueInvalid";
  if (rest.rfind("Required value", 0) == 0) reason = "FieldValueRequired";
  if (rest.rfind("Unsupported value", 0) == 0) reason = "FieldValueNotSupported";
  return {reason, std::string(message.substr(0, colon)), rest};
}

}  // namespace kop::testing::internal
