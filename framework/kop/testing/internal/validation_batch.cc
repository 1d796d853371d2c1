// Validation of batch/v1 Jobs and CronJobs, with upstream's fields and messages.
#include <algorithm>
#include <charconv>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "kop/api/label_selector.h"
#include "kop/base/strings.h"
#include "kop/testing/internal/validation.h"

namespace kop::testing::internal {
namespace {

constexpr int64_t kMaxIndexedJob = 100000;

std::optional<int64_t> IntAt(const Json& j, std::initializer_list<const char*> path) {
  const Json* v = FieldAt(j, path);
  if (v == nullptr || !v->is_number_integer()) return std::nullopt;
  return v->get<int64_t>();
}

std::string StringAt(const Json& j, std::initializer_list<const char*> path) {
  const Json* v = FieldAt(j, path);
  return v != nullptr && v->is_string() ? v->get<std::string>() : "";
}

void NonNegative(const Json& spec, const std::string& at, const char* field, std::vector<FieldCause>& out) {
  if (std::optional<int64_t> n = IntAt(spec, {field}); n.has_value() && *n < 0) {
    out.push_back({"FieldValueInvalid", kop::StrCat(at, ".", field),
                   kop::StrCat("Invalid value: ", *n, ": must be greater than or equal to 0")});
  }
}

// What a Job spec and a CronJob's job template share (upstream's validateJobSpec).
void ValidateJobSpecCommon(const Json& spec, const std::string& at, std::vector<FieldCause>& out) {
  for (const char* field : {"parallelism", "completions", "activeDeadlineSeconds", "backoffLimit",
                            "ttlSecondsAfterFinished"}) {
    NonNegative(spec, at, field, out);
  }
  if (const Json* mode = FieldAt(spec, {"completionMode"}); mode != nullptr && mode->is_string()) {
    const std::string m = mode->get<std::string>();
    if (m != "NonIndexed" && m != "Indexed") {
      out.push_back({"FieldValueNotSupported", at + ".completionMode",
                     kop::StrCat("Unsupported value: \"", m, "\": supported values: \"NonIndexed\", \"Indexed\"")});
    }
    if (m == "Indexed") {
      std::optional<int64_t> completions = IntAt(spec, {"completions"});
      if (!completions.has_value()) {
        out.push_back({"FieldValueRequired", at + ".completions", "Required value: when completion mode is Indexed"});
      } else if (*completions > kMaxIndexedJob) {
        out.push_back({"FieldValueInvalid", at + ".completions",
                       kop::StrCat("Invalid value: ", *completions, ": must be less than or equal to ", kMaxIndexedJob,
                                   " when completion mode is Indexed")});
      }
      if (std::optional<int64_t> p = IntAt(spec, {"parallelism"}); p.has_value() && *p > kMaxIndexedJob) {
        out.push_back({"FieldValueInvalid", at + ".parallelism",
                       kop::StrCat("Invalid value: ", *p, ": must be less than or equal to ", kMaxIndexedJob,
                                   " when completion mode is Indexed")});
      }
    }
  }
  const std::string restart = StringAt(spec, {"template", "spec", "restartPolicy"});
  if (restart != "OnFailure" && restart != "Never") {
    out.push_back({"FieldValueRequired", at + ".template.spec.restartPolicy",
                   "Required value: valid values: \"OnFailure\", \"Never\""});
  }
}

// A selector the client chose (manualSelector: true) must exist and match the pods' labels; a
// generated one is made to match after validation.
void ValidateManualSelector(const Json& spec, const std::string& at, std::vector<FieldCause>& out) {
  const Json* manual = FieldAt(spec, {"manualSelector"});
  if (manual == nullptr || !manual->is_boolean() || !manual->get<bool>()) return;
  const Json* selector = FieldAt(spec, {"selector"});
  const Json* labels = FieldAt(spec, {"template", "metadata", "labels"});
  std::map<std::string, std::string> label_map;
  if (labels != nullptr && labels->is_object()) {
    for (auto it = labels->begin(); it != labels->end(); ++it) {
      if (it.value().is_string()) label_map[it.key()] = it.value().get<std::string>();
    }
  }
  bool matches = false;
  if (selector == nullptr || selector->is_null()) {
    out.push_back({"FieldValueRequired", at + ".selector", "Required value"});
  } else if (absl::StatusOr<LabelSelector> sel = LabelSelector::FromJson(*selector); sel.ok()) {
    matches = sel->Matches(label_map);
  }
  if (!matches) {
    out.push_back({"FieldValueInvalid", at + ".template.metadata.labels",
                   kop::StrCat("Invalid value: ", GoStringMap(labels), ": `selector` does not match template `labels`")});
  }
}

// A copy of a pod template without what a suspended Job that never ran may change (upstream's
// mutable scheduling directives).
Json WithoutSchedulingDirectives(const Json* tmpl) {
  Json t = tmpl != nullptr ? *tmpl : Json(nullptr);
  if (!t.is_object()) return t;
  if (t.contains("metadata") && t["metadata"].is_object()) {
    t["metadata"].erase("labels");
    t["metadata"].erase("annotations");
  }
  if (t.contains("spec") && t["spec"].is_object()) {
    for (const char* f : {"nodeSelector", "tolerations", "affinity", "schedulingGates"}) t["spec"].erase(f);
  }
  return t;
}

void ValidateJobUpdate(const Json& spec, const Json& old_spec, const Json& old, std::vector<FieldCause>& out) {
  auto same = [&](const char* field) {
    const Json* a = FieldAt(spec, {field});
    const Json* b = FieldAt(old_spec, {field});
    return (a == nullptr) == (b == nullptr) && (a == nullptr || *a == *b);
  };
  auto immutable = [&](const char* field) {
    const Json* v = FieldAt(spec, {field});
    out.push_back({"FieldValueInvalid", kop::StrCat("spec.", field),
                   kop::StrCat("Invalid value: ", v != nullptr ? v->dump() : "null", ": field is immutable")});
  };
  // An Indexed Job may be scaled by changing completions together with parallelism.
  const bool elastic = StringAt(spec, {"completionMode"}) == "Indexed" &&
                       IntAt(spec, {"completions"}) == IntAt(spec, {"parallelism"});
  if (!same("completions") && !elastic) immutable("completions");
  if (!same("selector")) immutable("selector");
  const Json* tmpl = FieldAt(spec, {"template"});
  const Json* old_tmpl = FieldAt(old_spec, {"template"});
  const bool never_started = FieldAt(old, {"status", "startTime"}) == nullptr;
  const Json* suspended = FieldAt(old_spec, {"suspend"});
  const bool may_reschedule = never_started && suspended != nullptr && suspended->is_boolean() && suspended->get<bool>();
  const bool template_changed = may_reschedule
                                    ? WithoutSchedulingDirectives(tmpl) != WithoutSchedulingDirectives(old_tmpl)
                                    : !same("template");
  if (template_changed) immutable("template");
  if (!same("completionMode")) immutable("completionMode");
}

// ---- cron schedules, as robfig/cron's standard parser reads them ---------------------------

struct CronField {
  int min;
  int max;
  std::vector<std::string_view> names;  // names[i] stands for min + i (months, weekdays)
};

std::string Lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(tolower(static_cast<unsigned char>(c)));
  return out;
}

std::vector<std::string> Split(std::string_view s, char sep) {
  std::vector<std::string> out;
  size_t start = 0;
  while (true) {
    const size_t at = s.find(sep, start);
    out.emplace_back(s.substr(start, at == std::string_view::npos ? std::string_view::npos : at - start));
    if (at == std::string_view::npos) return out;
    start = at + 1;
  }
}

// strconv.Atoi's error text for what it refuses.
std::optional<std::string> Atoi(const std::string& s, int* out) {
  int64_t v = 0;
  const char* b = s.data();
  const char* e = s.data() + s.size();
  if (b != e && *b == '+') ++b;
  auto [p, ec] = std::from_chars(b, e, v);
  if (s.empty() || ec == std::errc::invalid_argument || p != e) {
    return kop::StrCat("strconv.Atoi: parsing ", Json(s).dump(), ": invalid syntax");
  }
  if (ec == std::errc::result_out_of_range || v > INT32_MAX || v < INT32_MIN) {
    return kop::StrCat("strconv.Atoi: parsing ", Json(s).dump(), ": value out of range");
  }
  *out = static_cast<int>(v);
  return std::nullopt;
}

std::optional<std::string> IntOrName(const std::string& expr, const CronField& f, int* out) {
  const std::string lower = Lower(expr);
  for (size_t i = 0; i < f.names.size(); ++i) {
    if (f.names[i] == lower) {
      *out = f.min + static_cast<int>(i);
      return std::nullopt;
    }
  }
  if (std::optional<std::string> err = Atoi(expr, out); err.has_value()) {
    return kop::StrCat("failed to parse int from ", expr, ": ", *err);
  }
  if (*out < 0) return kop::StrCat("negative number (", *out, ") not allowed: ", expr);
  return std::nullopt;
}

std::optional<std::string> CronRange(const std::string& expr, const CronField& f) {
  const std::vector<std::string> step_parts = Split(expr, '/');
  const std::vector<std::string> range_parts = Split(step_parts[0], '-');
  int start = 0;
  int end = 0;
  const bool star = range_parts[0] == "*" || range_parts[0] == "?";
  if (star) {
    start = f.min;
    end = f.max;
  } else {
    if (auto err = IntOrName(range_parts[0], f, &start)) return err;
    if (range_parts.size() == 1) {
      end = start;
    } else if (range_parts.size() == 2) {
      if (auto err = IntOrName(range_parts[1], f, &end)) return err;
    } else {
      return kop::StrCat("too many hyphens: ", expr);
    }
  }
  if (step_parts.size() == 2) {
    int step = 0;
    if (auto err = Atoi(step_parts[1], &step)) return kop::StrCat("failed to parse int from ", step_parts[1], ": ", *err);
    if (step < 0) return kop::StrCat("negative number (", step, ") not allowed: ", step_parts[1]);
    if (!star && range_parts.size() == 1) end = f.max;  // "N/step" means N-max/step
    if (step == 0) return kop::StrCat("step of range should be a positive number: ", expr);
  } else if (step_parts.size() > 2) {
    return kop::StrCat("too many slashes: ", expr);
  }
  if (start < f.min) return kop::StrCat("beginning of range (", start, ") below minimum (", f.min, "): ", expr);
  if (end > f.max) return kop::StrCat("end of range (", end, ") above maximum (", f.max, "): ", expr);
  if (start > end) return kop::StrCat("beginning of range (", start, ") beyond end of range (", end, "): ", expr);
  return std::nullopt;
}

// Go's time.ParseDuration, enough to accept or refuse "@every <duration>".
bool IsGoDuration(std::string_view s) {
  if (s == "0") return true;
  if (!s.empty() && (s[0] == '+' || s[0] == '-')) s.remove_prefix(1);
  if (s.empty()) return false;
  static const char* const kUnits[] = {"ns", "us", "\xc2\xb5s", "\xce\xbcs", "ms", "s", "m", "h"};
  while (!s.empty()) {
    size_t n = 0;
    bool digits = false;
    while (n < s.size() && (isdigit(static_cast<unsigned char>(s[n])) || s[n] == '.')) {
      digits = digits || s[n] != '.';
      ++n;
    }
    if (!digits) return false;
    s.remove_prefix(n);
    bool unit = false;
    for (const char* u : kUnits) {
      if (s.substr(0, std::string_view(u).size()) == u && !(std::string_view(u) == "m" && s.substr(0, 2) == "ms")) {
        s.remove_prefix(std::string_view(u).size());
        unit = true;
        break;
      }
    }
    if (!unit) return false;
  }
  return true;
}

// Why robfig/cron's ParseStandard refuses `schedule`, or nothing when it parses.
std::optional<std::string> CronScheduleError(std::string spec) {
  if (spec.empty()) return "empty spec string";
  if (spec.rfind("TZ=", 0) == 0 || spec.rfind("CRON_TZ=", 0) == 0) {
    const size_t space = spec.find(' ');
    const size_t eq = spec.find('=');
    if (space == std::string::npos) return kop::StrCat("provided bad location ", spec.substr(eq + 1), ": unknown time zone ", spec.substr(eq + 1));
    spec = spec.substr(space);
  }
  spec.erase(0, spec.find_first_not_of(" \t"));
  if (!spec.empty() && spec[0] == '@') {
    static const std::set<std::string> kDescriptors = {"@yearly", "@annually", "@monthly", "@weekly",
                                                       "@daily",  "@midnight", "@hourly"};
    if (kDescriptors.contains(spec)) return std::nullopt;
    if (spec.rfind("@every ", 0) == 0) {
      const std::string d = spec.substr(7);
      if (!IsGoDuration(d)) return kop::StrCat("failed to parse duration ", spec, ": time: invalid duration ", Json(d).dump());
      return std::nullopt;
    }
    return kop::StrCat("unrecognized descriptor: ", spec);
  }
  // strings.Fields: runs of white space separate fields.
  std::vector<std::string> fields;
  std::string current;
  for (char c : spec + " ") {
    if (isspace(static_cast<unsigned char>(c))) {
      if (!current.empty()) fields.push_back(std::move(current));
      current.clear();
    } else {
      current += c;
    }
  }
  if (fields.size() != 5) {
    std::string printed = "[";
    for (size_t i = 0; i < fields.size(); ++i) printed += (i > 0 ? " " : "") + fields[i];
    return kop::StrCat("expected exactly 5 fields, found ", fields.size(), ": ", printed, "]");
  }
  static const CronField kFields[] = {
      {0, 59, {}},
      {0, 23, {}},
      {1, 31, {}},
      {1, 12, {"jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"}},
      {0, 6, {"sun", "mon", "tue", "wed", "thu", "fri", "sat"}},
  };
  for (size_t i = 0; i < 5; ++i) {
    for (const std::string& part : Split(fields[i], ',')) {
      if (std::optional<std::string> err = CronRange(part, kFields[i])) return err;
    }
  }
  return std::nullopt;
}

void ValidateCronJob(const Json& obj, std::vector<FieldCause>& out, std::vector<std::string>* warnings) {
  const std::string name = StringAt(obj, {"metadata", "name"});
  if (name.size() > 52) {
    // Jobs it creates are named <name>-<11 characters>, and must stay DNS labels.
    out.push_back({"FieldValueInvalid", "metadata.name",
                   kop::StrCat("Invalid value: \"", name, "\": must be no more than 52 characters")});
  }
  const Json* spec = FieldAt(obj, {"spec"});
  if (spec == nullptr || !spec->is_object()) return;
  const Json* schedule = FieldAt(*spec, {"schedule"});
  if (schedule == nullptr || !schedule->is_string() || schedule->get<std::string>().empty()) {
    out.push_back({"FieldValueRequired", "spec.schedule", "Required value"});
  } else {
    const std::string s = schedule->get<std::string>();
    if (std::optional<std::string> err = CronScheduleError(s)) {
      out.push_back({"FieldValueInvalid", "spec.schedule", kop::StrCat("Invalid value: \"", s, "\": ", *err)});
    } else if (s.find("TZ") != std::string::npos && warnings != nullptr) {
      warnings->push_back(
          "CRON_TZ or TZ used in spec.spec.schedule is not officially supported, see "
          "https://kubernetes.io/docs/concepts/workloads/controllers/cron-jobs/ for more details");
    }
  }
  NonNegative(*spec, "spec", "startingDeadlineSeconds", out);
  if (const Json* policy = FieldAt(*spec, {"concurrencyPolicy"}); policy != nullptr && policy->is_string()) {
    const std::string p = policy->get<std::string>();
    if (p != "Allow" && p != "Forbid" && p != "Replace") {
      out.push_back({"FieldValueNotSupported", "spec.concurrencyPolicy",
                     kop::StrCat("Unsupported value: \"", p, "\": supported values: \"Allow\", \"Forbid\", \"Replace\"")});
    }
  }
  if (const Json* job = FieldAt(*spec, {"jobTemplate", "spec"}); job != nullptr && job->is_object()) {
    ValidateJobSpecCommon(*job, "spec.jobTemplate.spec", out);
  }
  NonNegative(*spec, "spec", "successfulJobsHistoryLimit", out);
  NonNegative(*spec, "spec", "failedJobsHistoryLimit", out);
}

}  // namespace

std::vector<FieldCause> ValidateBatch(const ResourceInfo& info, const Json& obj, const Json* old,
                                      std::vector<std::string>* warnings) {
  std::vector<FieldCause> out;
  if (info.kind == "CronJob") {
    ValidateCronJob(obj, out, warnings);
    return out;
  }
  if (info.kind != "Job") return out;
  const Json* spec = FieldAt(obj, {"spec"});
  if (spec == nullptr || !spec->is_object()) return out;
  ValidateJobSpecCommon(*spec, "spec", out);
  ValidateManualSelector(*spec, "spec", out);
  if (old != nullptr) {
    if (const Json* old_spec = FieldAt(*old, {"spec"}); old_spec != nullptr && old_spec->is_object()) {
      ValidateJobUpdate(*spec, *old_spec, *old, out);
    }
  }
  return out;
}

}  // namespace kop::testing::internal
