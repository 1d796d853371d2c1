#include "kop/testing/internal/validation.h"

#include <algorithm>
#include <cctype>
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


constexpr size_t kTotalAnnotationBytes = 256 * 1024;
constexpr char kQualifiedNameMessage[] =
    "must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an "
    "alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for "
    "validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')";
constexpr char kLabelValueMessage[] =
    "a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or "
    "'.', and must start and end with an alphanumeric character (e.g. 'MyValue',  or "
    "'my_value',  or '12345', regex used for validation is "
    "'(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')";

bool IsNamePart(std::string_view s) {
  if (s.empty()) return false;
  auto alnum = [](char c) { return std::isalnum(static_cast<unsigned char>(c)) != 0; };
  if (!alnum(s.front()) || !alnum(s.back())) return false;
  return std::all_of(s.begin(), s.end(), [&](char c) { return alnum(c) || c == '-' || c == '_' || c == '.'; });
}

// Upstream's IsQualifiedName: "[prefix/]name", the prefix a DNS subdomain.
std::vector<std::string> QualifiedNameErrors(std::string_view value) {
  std::vector<std::string> errs;
  const size_t slashes = static_cast<size_t>(std::count(value.begin(), value.end(), '/'));
  std::string_view name = value;
  if (slashes == 1) {
    const std::string_view prefix = value.substr(0, value.find('/'));
    name = value.substr(value.find('/') + 1);
    if (prefix.empty()) {
      errs.push_back("prefix part must be non-empty");
    } else if (prefix.size() > 253) {
      errs.push_back("prefix part must be no more than 253 characters");
    } else if (!IsDns1123Subdomain(prefix)) {
      errs.push_back(kop::StrCat("prefix part ", kSubdomainMessage));
    }
  } else if (slashes > 1) {
    return {kop::StrCat("a qualified name ", kQualifiedNameMessage,
                        " with an optional DNS subdomain prefix and '/' (e.g. 'example.com/MyName')")};
  }
  if (name.empty()) {
    errs.push_back("name part must be non-empty");
  } else if (name.size() > 63) {
    errs.push_back("name part must be no more than 63 characters");
  }
  if (!IsNamePart(name)) errs.push_back(kop::StrCat("name part ", kQualifiedNameMessage));
  return errs;
}

std::vector<std::string> LabelValueErrors(std::string_view value) {
  std::vector<std::string> errs;
  if (value.size() > 63) errs.push_back("must be no more than 63 characters");
  if (!value.empty() && !IsNamePart(value)) errs.push_back(kLabelValueMessage);
  return errs;
}

// Go's %#v of a []string.
std::string GoStrings(const std::vector<std::string>& v) {
  std::string out = "[]string{";
  for (size_t i = 0; i < v.size(); ++i) out += kop::StrCat(i > 0 ? ", " : "", Json(v[i]).dump());
  return out + "}";
}

void ValidateFinalizers(const std::vector<std::string>& finalizers, std::vector<FieldCause>& causes) {
  static const std::set<std::string> kStandard = {"kubernetes", "orphan", "foregroundDeletion"};
  for (size_t i = 0; i < finalizers.size(); ++i) {
    const std::string& f = finalizers[i];
    const std::vector<std::string> errs = QualifiedNameErrors(f);
    for (const std::string& m : errs) {
      causes.push_back({"FieldValueInvalid", "metadata.finalizers", kop::StrCat("Invalid value: \"", f, "\": ", m)});
    }
    if (errs.empty() && !kStandard.contains(f) && f.find('/') == std::string::npos) {
      causes.push_back({"FieldValueInvalid", kop::StrCat("metadata.finalizers[", i, "]"),
                        kop::StrCat("Invalid value: \"", f,
                                    "\": name is neither a standard finalizer name nor is it fully qualified")});
    }
  }
  const bool orphan = std::find(finalizers.begin(), finalizers.end(), "orphan") != finalizers.end();
  const bool foreground = std::find(finalizers.begin(), finalizers.end(), "foregroundDeletion") != finalizers.end();
  if (orphan && foreground) {
    causes.push_back({"FieldValueInvalid", "metadata.finalizers",
                      kop::StrCat("Invalid value: ", GoStrings(finalizers),
                                  ": finalizer orphan and foregroundDeletion cannot be both set")});
  }
}

void ValidateOwnerReferences(const Object& obj, std::vector<FieldCause>& causes) {
  const Json* refs = obj.Find({"metadata", "ownerReferences"});
  if (refs == nullptr || !refs->is_array()) return;
  const std::string field = "metadata.ownerReferences";
  for (const Json& r : *refs) {
    if (!r.is_object()) continue;
    auto text = [&](const char* key) {
      auto it = r.find(key);
      return it != r.end() && it->is_string() ? it->get<std::string>() : std::string();
    };
    const std::string api_version = text("apiVersion");
    // The version of "group/version" or "version"; more slashes parse as nothing.
    std::string version;
    if (std::count(api_version.begin(), api_version.end(), '/') <= 1) {
      version = api_version.substr(api_version.find('/') == std::string::npos ? 0 : api_version.find('/') + 1);
    }
    auto invalid = [&](const char* child, const std::string& value, const char* why) {
      causes.push_back({"FieldValueInvalid", kop::StrCat(field, ".", child),
                        kop::StrCat("Invalid value: \"", value, "\": ", why)});
    };
    if (version.empty()) invalid("apiVersion", api_version, "version must not be empty");
    if (text("kind").empty()) invalid("kind", "", "kind must not be empty");
    if (text("name").empty()) invalid("name", "", "name must not be empty");
    if (text("uid").empty()) invalid("uid", "", "uid must not be empty");
  }
}

// A pod's spec is immutable but for its containers' images, a shorter activeDeadlineSeconds,
// added tolerations and a negative terminationGracePeriodSeconds set to 1, as upstream's
// ValidatePodUpdate. (Upstream's message ends with a Go diff of the two specs; kop's does not.)
void ValidatePodSpecUpdate(const Json& spec, const Json& old, std::vector<FieldCause>& out) {
  const Json* deadline = spec.contains("activeDeadlineSeconds") ? &spec["activeDeadlineSeconds"] : nullptr;
  const Json* old_deadline = old.contains("activeDeadlineSeconds") ? &old["activeDeadlineSeconds"] : nullptr;
  if (old_deadline != nullptr && old_deadline->is_number() && deadline != nullptr && deadline->is_number() &&
      deadline->get<int64_t>() > old_deadline->get<int64_t>()) {
    out.push_back({"FieldValueInvalid", "spec.activeDeadlineSeconds",
                   kop::StrCat("Invalid value: ", deadline->get<int64_t>(), ": must be less than or equal to previous value")});
    return;
  }
  // The old spec with every change that is allowed applied: anything else differing is not.
  Json allowed = old;
  for (const char* list : {"containers", "initContainers"}) {
    if (!spec.contains(list) || !spec[list].is_array() || !allowed.contains(list) || !allowed[list].is_array() ||
        spec[list].size() != allowed[list].size()) {
      continue;
    }
    for (size_t i = 0; i < spec[list].size(); ++i) {
      if (spec[list][i].is_object() && spec[list][i].contains("image") && allowed[list][i].is_object()) {
        allowed[list][i]["image"] = spec[list][i]["image"];
      }
    }
  }
  if (deadline != nullptr) {
    allowed["activeDeadlineSeconds"] = *deadline;
  }
  // Tolerations: the old ones must all still be there (tolerationSeconds may change); more may come.
  if (spec.contains("tolerations") && spec["tolerations"].is_array()) {
    const Json old_tolerations = old.value("tolerations", Json::array());
    bool kept = true;
    for (const Json& t : old_tolerations) {
      bool found = false;
      for (const Json& n : spec["tolerations"]) {
        Json a = t, b = n;
        if (a.is_object()) a.erase("tolerationSeconds");
        if (b.is_object()) b.erase("tolerationSeconds");
        found = found || a == b;
      }
      kept = kept && found;
    }
    if (!kept) {
      out.push_back({"FieldValueForbidden", "spec.tolerations",
                     "Forbidden: existing toleration can not be modified except its tolerationSeconds"});
    }
    allowed["tolerations"] = spec["tolerations"];
  }
  if (old.value("terminationGracePeriodSeconds", int64_t{0}) < 0 && spec.value("terminationGracePeriodSeconds", int64_t{0}) == 1) {
    allowed["terminationGracePeriodSeconds"] = 1;
  }
  if (allowed != spec) {
    out.push_back({"FieldValueForbidden", "spec",
                   "Forbidden: pod updates may not change fields other than `spec.containers[*].image`, "
                   "`spec.initContainers[*].image`, `spec.activeDeadlineSeconds`, `spec.tolerations` (only additions "
                   "to existing tolerations) or `spec.terminationGracePeriodSeconds` (allow it to be set to 1 if it "
                   "was previously negative)"});
  }
}

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
  const size_t metadata_start = causes.size();
  for (const auto& [k, v] : obj.labels()) {
    for (const std::string& m : QualifiedNameErrors(k)) {
      causes.push_back({"FieldValueInvalid", "metadata.labels", kop::StrCat("Invalid value: \"", k, "\": ", m)});
    }
    for (const std::string& m : LabelValueErrors(v)) {
      causes.push_back({"FieldValueInvalid", "metadata.labels", kop::StrCat("Invalid value: \"", v, "\": ", m)});
    }
  }
  size_t annotation_bytes = 0;
  for (const auto& [k, v] : obj.annotations()) {
    std::string lower = k;
    for (char& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    for (const std::string& m : QualifiedNameErrors(lower)) {
      causes.push_back({"FieldValueInvalid", "metadata.annotations", kop::StrCat("Invalid value: \"", k, "\": ", m)});
    }
    annotation_bytes += k.size() + v.size();
  }
  const bool too_long = annotation_bytes > kTotalAnnotationBytes;
  if (too_long) {
    causes.push_back({"FieldValueTooLong", "metadata.annotations",
                      kop::StrCat("Too long: must have at most ", kTotalAnnotationBytes, " bytes")});
  }
  ValidateFinalizers(obj.finalizers(), causes);
  ValidateOwnerReferences(obj, causes);
  if (!create) {
    // Upstream validates an update's metadata twice (as the new object and as an update), and
    // reports each finding both times; the annotation size once more in each.
    const size_t end = causes.size();
    for (size_t i = metadata_start; i < end; ++i) causes.push_back(causes[i]);
    if (too_long) {
      causes.push_back({"FieldValueTooLong", "metadata.annotations",
                        kop::StrCat("Too long: must have at most ", kTotalAnnotationBytes, " bytes")});
      causes.push_back(causes.back());
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

// A Namespace's spec.finalizers (qualified names, or a standard one), and on a status write
// its phase against its deletionTimestamp, as upstream's ValidateNamespace(StatusUpdate).
void ValidateNamespace(const Json& obj, const Json* old, const std::string& subresource, std::vector<FieldCause>& out) {
  static const std::set<std::string> kStandard = {"kubernetes", "orphan", "foregroundDeletion"};
  if (const Json* fs = At(obj, {"spec", "finalizers"}); fs != nullptr && fs->is_array() && subresource != "status") {
    for (const Json& f : *fs) {
      if (!f.is_string()) continue;
      const std::string name = f.get<std::string>();
      for (const std::string& m : QualifiedNameErrors(name)) {
        out.push_back({"FieldValueInvalid", "spec.finalizers", kop::StrCat("Invalid value: \"", name, "\": ", m)});
      }
      if (name.find('/') == std::string::npos && !kStandard.contains(name)) {
        out.push_back({"FieldValueInvalid", "spec.finalizers",
                       kop::StrCat("Invalid value: \"", name,
                                   "\": name is neither a standard finalizer name nor is it fully qualified")});
      }
    }
  }
  if (old == nullptr) {
    // The name is also the value of the kubernetes.io/metadata.name label, set before
    // validation upstream, so a name too long for a label value is reported twice.
    const Json* name = At(obj, {"metadata", "name"});
    if (name != nullptr && name->is_string()) {
      for (const std::string& m : LabelValueErrors(name->get<std::string>())) {
        out.push_back({"FieldValueInvalid", "metadata.labels",
                       kop::StrCat("Invalid value: \"", name->get<std::string>(), "\": ", m)});
      }
    }
  }
  if (subresource != "status") return;
  const Json* phase = At(obj, {"status", "phase"});
  const std::string p = phase != nullptr && phase->is_string() ? phase->get<std::string>() : "";
  // The deletion fields are the server's: an update keeps the stored ones.
  const bool deleting = At(old != nullptr ? *old : obj, {"metadata", "deletionTimestamp"}) != nullptr;
  if (!deleting && p != "Active") {
    out.push_back({"FieldValueInvalid", "status.Phase",
                   kop::StrCat("Invalid value: \"", p, "\": may only be 'Active' if `deletionTimestamp` is empty")});
  } else if (deleting && p != "Terminating") {
    out.push_back({"FieldValueInvalid", "status.Phase",
                   kop::StrCat("Invalid value: \"", p, "\": may only be 'Terminating' if `deletionTimestamp` is not empty")});
  }
}

// A workload's status counters, as upstream's Validate<Kind>Status: none negative, and none
// counting more pods than the status says exist.
void ValidateWorkloadStatus(const std::string& kind, const Json& obj, std::vector<FieldCause>& out) {
  const Json* status = At(obj, {"status"});
  if (status == nullptr || !status->is_object()) return;
  auto count = [&](const char* field) -> int64_t {
    const Json* v = At(*status, {field});
    return v != nullptr && v->is_number_integer() ? v->get<int64_t>() : 0;
  };
  std::vector<const char*> counters;
  if (kind == "Deployment") {
    counters = {"replicas", "updatedReplicas", "readyReplicas", "availableReplicas", "unavailableReplicas",
                "observedGeneration", "collisionCount"};
  } else if (kind == "ReplicaSet") {
    counters = {"replicas", "fullyLabeledReplicas", "readyReplicas", "availableReplicas", "observedGeneration"};
  } else if (kind == "StatefulSet") {
    counters = {"replicas", "readyReplicas", "currentReplicas", "updatedReplicas", "availableReplicas",
                "observedGeneration", "collisionCount"};
  } else {
    counters = {"currentNumberScheduled", "numberMisscheduled", "desiredNumberScheduled", "numberReady",
                "observedGeneration", "updatedNumberScheduled", "numberAvailable", "numberUnavailable",
                "collisionCount"};
  }
  for (const char* field : counters) {
    if (const int64_t n = count(field); n < 0) {
      out.push_back({"FieldValueInvalid", kop::StrCat("status.", field),
                     kop::StrCat("Invalid value: ", n, ": must be greater than or equal to 0")});
    }
  }
  auto at_most = [&](const char* field, const char* limit, const char* message) {
    if (At(*status, {field}) == nullptr || count(field) <= count(limit)) return;
    out.push_back({"FieldValueInvalid", kop::StrCat("status.", field),
                   kop::StrCat("Invalid value: ", count(field), ": ", message)});
  };
  if (kind == "Deployment") {
    at_most("updatedReplicas", "replicas", "cannot be greater than status.replicas");
    at_most("readyReplicas", "replicas", "cannot be greater than status.replicas");
    at_most("availableReplicas", "replicas", "cannot be greater than status.replicas");
    at_most("availableReplicas", "readyReplicas", "cannot be greater than readyReplicas");
  } else if (kind == "ReplicaSet") {
    at_most("fullyLabeledReplicas", "replicas", "cannot be greater than the number of replicas");
    at_most("readyReplicas", "replicas", "cannot be greater than the number of replicas");
    at_most("availableReplicas", "replicas", "cannot be greater than the number of replicas");
    at_most("availableReplicas", "readyReplicas", "cannot be greater than readyReplicas");
  } else if (kind == "StatefulSet") {
    at_most("readyReplicas", "replicas", "cannot be greater than status.replicas");
    at_most("currentReplicas", "replicas", "cannot be greater than status.replicas");
    at_most("updatedReplicas", "replicas", "cannot be greater than status.replicas");
    at_most("availableReplicas", "replicas", "cannot be greater than status.replicas");
    at_most("availableReplicas", "readyReplicas", "cannot be greater than status.readyReplicas");
  }
}

void ValidateWorkload(const std::string& kind, const Json& obj, const Json* old, std::vector<FieldCause>& out) {
  ValidateWorkloadStatus(kind, obj, out);
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

const Json* FieldAt(const Json& j, std::initializer_list<const char*> path) { return At(j, path); }
std::string GoStringMap(const Json* m) { return GoMap(m); }

std::vector<FieldCause> ValidateBuiltin(const ResourceInfo& info, const Object& obj, const Object* old,
                                        const std::string& subresource, std::vector<std::string>* warnings) {
  std::vector<FieldCause> out;
  const Json& j = obj.json();
  const Json* before = old != nullptr ? &old->json() : nullptr;
  if (info.group.empty() && info.kind == "Namespace") {
    ValidateNamespace(j, before, subresource, out);
  } else if (info.group == "coordination.k8s.io" && info.kind == "Lease") {
    if (const Json* d = At(j, {"spec", "leaseDurationSeconds"}); d != nullptr && d->is_number_integer() && d->get<int64_t>() <= 0) {
      out.push_back({"FieldValueInvalid", "spec.leaseDurationSeconds",
                     kop::StrCat("Invalid value: ", d->get<int64_t>(), ": must be greater than 0")});
    }
    if (const Json* n = At(j, {"spec", "leaseTransitions"}); n != nullptr && n->is_number_integer() && n->get<int64_t>() < 0) {
      // (sic: upstream's wording)
      out.push_back({"FieldValueInvalid", "spec.leaseTransitions",
                     kop::StrCat("Invalid value: ", n->get<int64_t>(), ": must to greater or equal than 0")});
    }
  } else if (info.group == "batch") {
    if (subresource.empty()) out = ValidateBatch(info, j, before, warnings);
  } else if (info.group == "apps" && (info.kind == "Deployment" || info.kind == "StatefulSet" ||
                               info.kind == "DaemonSet" || info.kind == "ReplicaSet")) {
    ValidateWorkload(info.kind, j, before, out);
  } else if (info.group.empty() && info.kind == "Pod") {
    if (const Json* spec = At(j, {"spec"}); spec != nullptr && spec->is_object()) {
      ValidateContainers(*spec, "spec", out);
      if (const Json* was = before != nullptr ? At(*before, {"spec"}) : nullptr; was != nullptr && was->is_object()) {
        ValidatePodSpecUpdate(*spec, *was, out);
      }
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

std::vector<FieldCause> ValidateObjectMetaUpdate(const Object& obj, const Object& old) {
  std::vector<FieldCause> causes;
  if (!old.IsBeingDeleted()) return causes;
  // No finalizer may be added to an object being deleted (reported twice, as upstream does).
  const std::vector<std::string> was = old.finalizers();
  std::set<std::string> added;
  for (const std::string& f : obj.finalizers()) {
    if (std::find(was.begin(), was.end(), f) == was.end()) added.insert(f);
  }
  if (added.empty()) return causes;
  const FieldCause c{"FieldValueForbidden", "metadata.finalizers",
                     kop::StrCat("Forbidden: no new finalizers can be added if the object is being deleted, found new "
                                 "finalizers ",
                                 GoStrings(std::vector<std::string>(added.begin(), added.end())))};
  causes.push_back(c);
  causes.push_back(c);
  return causes;
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
