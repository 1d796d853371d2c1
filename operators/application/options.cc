#include "options.h"

#include <charconv>
#include <functional>
#include <map>

#include "kop/base/strings.h"

namespace application {
namespace {

absl::StatusOr<std::chrono::milliseconds> ParseDuration(const std::string& flag, const std::string& v) {
  // Go-style: "15s", "500ms", "1m", "1m30s".
  std::chrono::milliseconds total{0};
  size_t i = 0;
  if (v.empty()) return absl::InvalidArgumentError(kop::StrCat("--", flag, ": empty duration"));
  while (i < v.size()) {
    size_t j = i;
    while (j < v.size() && (isdigit(static_cast<unsigned char>(v[j])) || v[j] == '.')) ++j;
    if (j == i) break;
    const double n = std::stod(v.substr(i, j - i));
    size_t k = j;
    while (k < v.size() && isalpha(static_cast<unsigned char>(v[k]))) ++k;
    const std::string unit = v.substr(j, k - j);
    double ms;
    if (unit == "ms") ms = n;
    else if (unit == "s") ms = n * 1000;
    else if (unit == "m") ms = n * 60000;
    else if (unit == "h") ms = n * 3600000;
    else break;
    total += std::chrono::milliseconds(static_cast<int64_t>(ms));
    i = k;
  }
  if (i != v.size() || total.count() <= 0) {
    return absl::InvalidArgumentError(
        kop::StrCat("--", flag, ": \"", v, "\" is not a positive duration (e.g. 15s, 500ms, 1m)"));
  }
  return total;
}

absl::StatusOr<int> ParseInt(const std::string& flag, const std::string& v, int min, int max) {
  int n = 0;
  auto [p, ec] = std::from_chars(v.data(), v.data() + v.size(), n);
  if (ec != std::errc() || p != v.data() + v.size() || n < min || n > max) {
    return absl::InvalidArgumentError(
        kop::StrCat("--", flag, ": \"", v, "\" is not an integer from ", min, " to ", max));
  }
  return n;
}

absl::StatusOr<bool> ParseBool(const std::string& flag, const std::string& v) {
  if (v == "true" || v == "1" || v.empty()) return true;
  if (v == "false" || v == "0") return false;
  return absl::InvalidArgumentError(kop::StrCat("--", flag, ": \"", v, "\" is not true or false"));
}

}  // namespace

std::string Usage() {
  return R"(application-operator: runs Applications (example.com/v1) as a ConfigMap, a Deployment and a Service.

Usage: application-operator [flags]

Connection:
  --kubeconfig PATH                 kubeconfig file (default: $KUBECONFIG, ~/.kube/config, then in-cluster)
  --context NAME                    kubeconfig context (default: the current one)
  --namespace NS                    watch and reconcile only NS; repeat or comma-separate for several
                                    (default: all namespaces)
Serving:
  --metrics-bind-address ADDR       Prometheus /metrics (default ":8080"; "0" disables)
  --health-probe-bind-address ADDR  /healthz, /livez, /readyz (default ":8081"; "0" disables)
  --grpc-health-bind-address ADDR   grpc.health.v1.Health for gRPC probes, e.g. ":8082" (default "0": off)
Leader election:
  --leader-elect                    run as one of several replicas; only the leader reconciles
  --leader-election-id NAME         the Lease's name (default "application-operator-leader")
  --leader-election-namespace NS    the Lease's namespace (default: the pod's namespace, else "default")
  --leader-election-lease-duration D  (default 15s)
  --leader-election-renew-deadline D  (default 10s)
  --leader-election-retry-period D    (default 2s)
Reconciling:
  --max-concurrent-reconciles N     parallel reconciles (default 1)
  --graceful-shutdown-timeout D     time in-flight reconciles get on SIGTERM (default 30s)
Logging:
  --log-format json|text            (default text; the container image uses json)
  -v N, --v N                       verbosity: 1 logs every reconcile, 2 and up more detail (default 0)
Development:
  --embedded-apiserver              start kop's embedded Kubernetes API server in this process, with the
                                    Application CRD installed, and run against it; its kubeconfig is
                                    written to --embedded-kubeconfig and printed, for kubectl
  --embedded-listen HOST:PORT       where the embedded server listens (default 127.0.0.1:0, a free port)
  --embedded-kubeconfig PATH        where its kubeconfig goes (default: a file in $TMPDIR)
  --simulate-deployments[=false]    report every Deployment as rolled out, playing the Deployment
                                    controller and kubelet a bare API server lacks (default: on with
                                    --embedded-apiserver, off otherwise; never use it on a real cluster)
  -h, --help                        this text
)";
}

absl::StatusOr<Options> ParseOptions(const std::vector<std::string>& args) {
  Options o;
  using Setter = std::function<absl::Status(const std::string&)>;
  auto str = [](std::string& field) -> Setter {
    return [&field](const std::string& v) {
      field = v;
      return absl::OkStatus();
    };
  };
  auto dur = [](const std::string& flag, std::chrono::milliseconds& field) -> Setter {
    return [flag, &field](const std::string& v) -> absl::Status {
      absl::StatusOr<std::chrono::milliseconds> d = ParseDuration(flag, v);
      if (!d.ok()) return d.status();
      field = *d;
      return absl::OkStatus();
    };
  };
  std::map<std::string, Setter> valued = {
      {"kubeconfig", str(o.kubeconfig)},
      {"context", str(o.context)},
      {"namespace",
       [&o](const std::string& v) {
         size_t start = 0;
         while (start <= v.size()) {
           const size_t comma = v.find(',', start);
           std::string ns = v.substr(start, comma == std::string::npos ? std::string::npos : comma - start);
           if (!ns.empty()) o.namespaces.push_back(ns);
           if (comma == std::string::npos) break;
           start = comma + 1;
         }
         return absl::OkStatus();
       }},
      {"metrics-bind-address", str(o.metrics_bind_address)},
      {"health-probe-bind-address", str(o.health_probe_bind_address)},
      {"grpc-health-bind-address", str(o.grpc_health_bind_address)},
      {"leader-election-id", str(o.leader_election_id)},
      {"leader-election-namespace", str(o.leader_election_namespace)},
      {"leader-election-lease-duration", dur("leader-election-lease-duration", o.lease_duration)},
      {"leader-election-renew-deadline", dur("leader-election-renew-deadline", o.renew_deadline)},
      {"leader-election-retry-period", dur("leader-election-retry-period", o.retry_period)},
      {"graceful-shutdown-timeout", dur("graceful-shutdown-timeout", o.graceful_shutdown_timeout)},
      {"max-concurrent-reconciles",
       [&o](const std::string& v) -> absl::Status {
         absl::StatusOr<int> n = ParseInt("max-concurrent-reconciles", v, 1, 1024);
         if (!n.ok()) return n.status();
         o.max_concurrent_reconciles = *n;
         return absl::OkStatus();
       }},
      {"log-format",
       [&o](const std::string& v) -> absl::Status {
         absl::StatusOr<kop::log::Format> f = kop::log::ParseFormat(v);
         if (!f.ok()) return absl::InvalidArgumentError(kop::StrCat("--log-format: \"", v, "\": want json or text"));
         o.log_format = *f;
         return absl::OkStatus();
       }},
      {"v",
       [&o](const std::string& v) -> absl::Status {
         absl::StatusOr<int> n = ParseInt("v", v, 0, 10);
         if (!n.ok()) return n.status();
         o.verbosity = *n;
         return absl::OkStatus();
       }},
      {"embedded-listen", str(o.embedded_listen)},
      {"embedded-kubeconfig", str(o.embedded_kubeconfig)},
  };
  bool simulate = false;
  bool simulate_set = false;
  std::map<std::string, bool*> booleans = {
      {"leader-elect", &o.leader_elect},
      {"embedded-apiserver", &o.embedded_apiserver},
      {"simulate-deployments", &simulate},
      {"help", &o.help},
  };
  for (size_t i = 0; i < args.size(); ++i) {
    std::string a = args[i];
    if (a == "-h") a = "--help";
    if (a.rfind("-v", 0) == 0 && a.rfind("--", 0) != 0) a = "-" + a;  // -v N, -v=N
    if (a.rfind("--", 0) != 0) {
      return absl::InvalidArgumentError(kop::StrCat("unexpected argument \"", a, "\" (see --help)"));
    }
    std::string name = a.substr(2);
    std::optional<std::string> value;
    if (size_t eq = name.find('='); eq != std::string::npos) {
      value = name.substr(eq + 1);
      name = name.substr(0, eq);
    }
    if (auto b = booleans.find(name); b != booleans.end()) {
      absl::StatusOr<bool> v = ParseBool(name, value.value_or("true"));
      if (!v.ok()) return v.status();
      *b->second = *v;
      if (name == "simulate-deployments") simulate_set = true;
      continue;
    }
    auto s = valued.find(name);
    if (s == valued.end()) return absl::InvalidArgumentError(kop::StrCat("unknown flag --", name, " (see --help)"));
    if (!value.has_value()) {
      if (i + 1 >= args.size()) return absl::InvalidArgumentError(kop::StrCat("--", name, " needs a value"));
      value = args[++i];
    }
    if (absl::Status st = s->second(*value); !st.ok()) return st;
  }
  if (simulate_set) o.simulate_deployments = simulate;
  return o;
}

}  // namespace application
