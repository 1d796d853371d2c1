#include "kop/manager/flags.h"

#include <algorithm>
#include <charconv>
#include <cstdlib>

#include "kop/base/status_macros.h"
#include "kop/base/strings.h"

namespace kop {
namespace {

absl::Status Invalid(const std::string& name, const std::string& why) {
  return absl::InvalidArgumentError(kop::StrCat("--", name, ": ", why));
}

absl::StatusOr<bool> ParseBoolValue(const std::string& name, const std::optional<std::string>& v) {
  if (!v.has_value() || *v == "true" || *v == "1") return true;
  if (*v == "false" || *v == "0") return false;
  return Invalid(name, kop::StrCat("\"", *v, "\" is not true or false"));
}

// Sets a bool or an optional<bool> from --flag (true) or --flag=true|false.
template <typename T>
std::function<absl::Status(const std::string&, const std::optional<std::string>&)> BoolSetter(T* target) {
  return [target](const std::string& n, const std::optional<std::string>& v) -> absl::Status {
    absl::StatusOr<bool> b = ParseBoolValue(n, v);
    if (!b.ok()) return b.status();
    *target = *b;
    return absl::OkStatus();
  };
}

void SplitInto(const std::string& v, std::vector<std::string>* out) {
  size_t start = 0;
  while (start <= v.size()) {
    const size_t comma = v.find(',', start);
    std::string part = v.substr(start, comma == std::string::npos ? std::string::npos : comma - start);
    if (!part.empty()) out->push_back(std::move(part));
    if (comma == std::string::npos) break;
    start = comma + 1;
  }
}

}  // namespace

absl::StatusOr<std::chrono::milliseconds> ParseGoDuration(std::string_view v) {
  if (v.empty()) return absl::InvalidArgumentError("empty duration");
  double total_ms = 0;
  size_t i = 0;
  while (i < v.size()) {
    size_t j = i;
    while (j < v.size() && ((v[j] >= '0' && v[j] <= '9') || v[j] == '.')) ++j;
    if (j == i) break;
    const double n = std::strtod(std::string(v.substr(i, j - i)).c_str(), nullptr);
    size_t k = j;
    while (k < v.size() && ((v[k] >= 'a' && v[k] <= 'z') || (v[k] >= 'A' && v[k] <= 'Z'))) ++k;
    const std::string_view unit = v.substr(j, k - j);
    double scale;
    if (unit == "ms") scale = 1;
    else if (unit == "s") scale = 1000;
    else if (unit == "m") scale = 60000;
    else if (unit == "h") scale = 3600000;
    else break;
    total_ms += n * scale;
    i = k;
  }
  if (i != v.size() || total_ms <= 0 || total_ms > 1e12) {
    return absl::InvalidArgumentError(kop::StrCat("\"", v, "\" is not a positive duration (e.g. 15s, 500ms, 1m30s)"));
  }
  return std::chrono::milliseconds(static_cast<int64_t>(total_ms));
}

FlagSet::FlagSet(std::string program, std::string description)
    : program_(std::move(program)), description_(std::move(description)) {}

void FlagSet::Section(std::string title) {
  (adding_standard_ ? standard_lines_ : lines_).push_back({.section = std::move(title)});
}

void FlagSet::String(const std::string& name, std::string* target, std::string help, std::string value_name) {
  Define(name, {std::move(help), std::move(value_name),
                  [target](const std::string&, const std::optional<std::string>& v) {
                    *target = *v;
                    return absl::OkStatus();
                  }});
}

void FlagSet::StringList(const std::string& name, std::vector<std::string>* target, std::string help,
                         std::string value_name) {
  Define(name, {std::move(help), std::move(value_name),
                  [target](const std::string&, const std::optional<std::string>& v) {
                    SplitInto(*v, target);
                    return absl::OkStatus();
                  }});
}

void FlagSet::Bool(const std::string& name, bool* target, std::string help) {
  Define(name, {std::move(help), "", BoolSetter(target)});
}

void FlagSet::OptionalBool(const std::string& name, std::optional<bool>* target, std::string help) {
  Define(name, {std::move(help), "", BoolSetter(target)});
}

void FlagSet::Int(const std::string& name, int* target, int min, int max, std::string help) {
  Define(name, {std::move(help), "N",
                  [target, min, max](const std::string& n, const std::optional<std::string>& v) -> absl::Status {
                    int x = 0;
                    auto [end, ec] = std::from_chars(v->data(), v->data() + v->size(), x);
                    if (ec != std::errc() || end != v->data() + v->size() || x < min || x > max) {
                      return Invalid(n, kop::StrCat("\"", *v, "\" is not an integer from ", min, " to ", max));
                    }
                    *target = x;
                    return absl::OkStatus();
                  }});
}

void FlagSet::Duration(const std::string& name, std::chrono::milliseconds* target, std::string help) {
  Define(name, {std::move(help), "DURATION",
                  [target](const std::string& n, const std::optional<std::string>& v) -> absl::Status {
                    absl::StatusOr<std::chrono::milliseconds> d = ParseGoDuration(*v);
                    if (!d.ok()) return Invalid(n, std::string(d.status().message()));
                    *target = *d;
                    return absl::OkStatus();
                  }});
}

void FlagSet::Define(const std::string& name, Flag flag) {
  flags_[name] = std::move(flag);
  (adding_standard_ ? standard_lines_ : lines_).push_back({.name = name});
}

void FlagSet::Alias(const std::string& alias, const std::string& name) { aliases_[alias] = name; }

absl::StatusOr<bool> FlagSet::Parse(const std::vector<std::string>& args) const {
  bool help = false;
  for (size_t i = 0; i < args.size(); ++i) {
    std::string a = args[i];
    if (a == "-h" || a == "--help" || a == "-help") {
      help = true;
      continue;
    }
    if (a.rfind("-v", 0) == 0 && a.rfind("--", 0) != 0) a = "-" + a;  // -v N, -v=N
    if (a.rfind("--", 0) != 0 || a.size() == 2) {
      return absl::InvalidArgumentError(kop::StrCat("unexpected argument \"", a, "\" (see --help)"));
    }
    std::string name = a.substr(2);
    std::optional<std::string> value;
    if (size_t eq = name.find('='); eq != std::string::npos) {
      value = name.substr(eq + 1);
      name.resize(eq);
    }
    std::string canonical = name;
    if (auto al = aliases_.find(name); al != aliases_.end()) canonical = al->second;
    auto f = flags_.find(canonical);
    if (f == flags_.end()) return absl::InvalidArgumentError(kop::StrCat("unknown flag --", name, " (see --help)"));
    if (!f->second.value_name.empty() && !value.has_value()) {
      if (i + 1 >= args.size()) return Invalid(name, "needs a value");
      value = args[++i];
    }
    KOP_RETURN_IF_ERROR(f->second.set(name, value));
  }
  return help;
}

std::string FlagSet::Usage() const {
  std::string out = kop::StrCat(program_, ": ", description_, "\n\nUsage: ", program_, " [flags]\n");
  auto print = [&](const std::vector<Line>& lines) {
    for (const Line& l : lines) {
      if (!l.section.empty()) {
        out += kop::StrCat("\n", l.section, ":\n");
        continue;
      }
      const Flag& f = flags_.at(l.name);
      std::string left = kop::StrCat("  --", l.name, f.value_name.empty() ? "" : kop::StrCat(" ", f.value_name));
      for (const auto& [alias, target] : aliases_) {
        if (target == l.name) left += kop::StrCat(", --", alias);
      }
      if (left.size() < 36) left.resize(36, ' ');
      else left += "\n" + std::string(36, ' ');
      out += kop::StrCat(left, f.help, "\n");
    }
  };
  print(standard_lines_);
  print(lines_);
  out += "\n  -h, --help                        this text\n";
  return out;
}

absl::StatusOr<OperatorFlags> ParseOperatorFlags(const std::vector<std::string>& args, FlagSet& flags,
                                                 ManagerOptions defaults) {
  if (flags.flags_.count("kubeconfig") > 0) {
    return absl::FailedPreconditionError("ParseOperatorFlags: this FlagSet has the standard flags already");
  }
  OperatorFlags o;
  o.manager = std::move(defaults);
  ManagerOptions& m = o.manager;
  if (m.leader_election_id.empty()) m.leader_election_id = kop::StrCat(m.name, "-leader");
  std::string zap_encoder;
  std::string zap_level;
  bool zap_devel = false;
  std::string log_format = "text";
  std::string metrics = m.metrics_bind_address;
  std::string probes = m.health_probe_bind_address;
  std::string grpc = m.grpc_health_bind_address.empty() ? "0" : m.grpc_health_bind_address;

  flags.adding_standard_ = true;
  flags.Section("Connection");
  flags.String("kubeconfig", &m.kubeconfig, "kubeconfig file (default: $KUBECONFIG, ~/.kube/config, then in-cluster)", "PATH");
  flags.String("context", &m.context, "kubeconfig context (default: the current one)", "NAME");
  flags.StringList("watch-namespaces", &m.namespaces,
                   "cache and reconcile only these namespaces; repeat or comma-separate (default: all)", "NS");
  flags.Alias("watch-namespace", "watch-namespaces");
  flags.Alias("namespace", "watch-namespaces");
  flags.Section("Serving");
  flags.String("metrics-bind-address", &metrics, kop::StrCat("Prometheus /metrics (default \"", metrics, "\"; \"0\" disables)"), "ADDR");
  flags.String("health-probe-bind-address", &probes,
               kop::StrCat("/healthz, /livez, /readyz (default \"", probes, "\"; \"0\" disables)"), "ADDR");
  flags.String("grpc-health-bind-address", &grpc, "grpc.health.v1.Health for gRPC probes, e.g. \":8082\" (default \"0\": off)", "ADDR");
  flags.Section("Leader election");
  flags.Bool("leader-elect", &m.leader_election, "run as one of several replicas; only the leader reconciles");
  flags.String("leader-election-id", &m.leader_election_id, kop::StrCat("the Lease's name (default \"", m.leader_election_id, "\")"), "NAME");
  flags.String("leader-election-namespace", &m.leader_election_namespace,
               "the Lease's namespace (default: the pod's namespace, else \"default\")", "NS");
  flags.Duration("leader-election-lease-duration", &m.lease_duration, "(default 15s)");
  flags.Duration("leader-election-renew-deadline", &m.renew_deadline, "(default 10s)");
  flags.Duration("leader-election-retry-period", &m.retry_period, "(default 2s)");
  flags.Section("Reconciling");
  flags.Int("max-concurrent-reconciles", &o.max_concurrent_reconciles, 1, 1024, "parallel reconciles per controller (default 1)");
  flags.Duration("graceful-shutdown-timeout", &m.graceful_shutdown_timeout, "time in-flight reconciles get on SIGTERM (default 30s)");
  flags.Duration("cache-sync-timeout", &m.cache_sync_timeout, "how long the caches may take to sync at start (default 2m)");
  flags.Section("Logging");
  flags.String("log-format", &log_format, "text or json (default text)", "FORMAT");
  flags.Int("v", &o.log.verbosity, 0, 10, "verbosity: 1 logs every reconcile, 2 and up more detail (default 0)");
  flags.String("zap-encoder", &zap_encoder, "controller-runtime's name: console (= --log-format text) or json", "ENCODER");
  flags.String("zap-log-level", &zap_level, "controller-runtime's name: info (-v 0), debug (-v 1), error, or N (-v N)", "LEVEL");
  flags.Bool("zap-devel", &zap_devel, "controller-runtime's development mode: console output at debug level");
  flags.adding_standard_ = false;

  KOP_ASSIGN_OR_RETURN(o.help, flags.Parse(args));
  o.usage = flags.Usage();

  if (zap_devel) {
    log_format = "text";
    o.log.verbosity = std::max(o.log.verbosity, 1);
  }
  if (!zap_encoder.empty()) {
    if (zap_encoder == "console") log_format = "text";
    else if (zap_encoder == "json") log_format = "json";
    else return Invalid("zap-encoder", kop::StrCat("\"", zap_encoder, "\": want console or json"));
  }
  absl::StatusOr<log::Format> format = log::ParseFormat(log_format);
  if (!format.ok()) return Invalid("log-format", kop::StrCat("\"", log_format, "\": want json or text"));
  o.log.format = *format;
  if (!zap_level.empty()) {
    int n = 0;
    auto [end, ec] = std::from_chars(zap_level.data(), zap_level.data() + zap_level.size(), n);
    if (zap_level == "info" || zap_level == "error" || zap_level == "warn") {
      o.log.verbosity = 0;
    } else if (zap_level == "debug") {
      o.log.verbosity = 1;
    } else if (ec == std::errc() && end == zap_level.data() + zap_level.size() && n >= 0 && n <= 10) {
      o.log.verbosity = n;
    } else {
      return Invalid("zap-log-level", kop::StrCat("\"", zap_level, "\": want info, debug, error or a level 0..10"));
    }
  }
  m.metrics_bind_address = metrics;
  m.health_probe_bind_address = probes;
  m.grpc_health_bind_address = grpc == "0" ? "" : grpc;
  return o;
}

absl::StatusOr<OperatorFlags> ParseOperatorFlags(int argc, const char* const* argv, FlagSet& flags,
                                                 ManagerOptions defaults) {
  return ParseOperatorFlags(std::vector<std::string>(argv + 1, argv + std::max(argc, 1)), flags, std::move(defaults));
}

}  // namespace kop
