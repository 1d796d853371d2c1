// kop-chaos: proves the Application operator converges whatever happens around it.
//
//   kop-chaos [--seed N] [--duration 20s] [--apps 12] [--converge-timeout 60s]
//             [--mode inprocess | processes --operator BIN --apiserver BIN --crds DIR [--replicas 3]]
//
// For --duration, a seeded workload creates, changes and deletes Applications and edits and
// deletes their Deployments, Services and ConfigMaps behind the operator's back, while a
// seeded schedule injects API server faults (closed watches, 410s, cut and stalled streams,
// 429/5xx bursts with Retry-After, latency spikes). In processes mode, three operator
// processes elect a leader and the harness kills the leader (SIGKILL or SIGTERM) or a standby
// at random and starts it again. Then the workload and faults stop, and the operator must
// converge within --converge-timeout: every Application's objects exactly as its spec says,
// nothing left of deleted ones, every status at the latest generation; and no key may ever
// have been reconciled twice at once, nor two leaders acted at once, nor a replica crashed,
// nor a key been left with a failed last reconcile.
//
// Prints a JSON summary (seed, faults, workload, reconciles, convergence time) and exits 0
// when all held, 1 otherwise. The same seed replays the same workload and fault sequence.
#include <sys/wait.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <iostream>
#include <random>
#include <set>
#include <thread>

#include "chaos/convergence.h"
#include "chaos/faults.h"
#include "chaos/operators.h"
#include "chaos/workload.h"
#include "kop/base/strings.h"
#include "kop/client/config.h"
#include "kop/log/logger.h"
#include "kop/testing/apiserver.h"

namespace {

using Clock = std::chrono::steady_clock;

struct Flags {
  uint64_t seed = 0;
  std::chrono::milliseconds duration{20000};
  std::chrono::milliseconds converge_timeout{60000};
  int apps = 12;
  std::string mode = "inprocess";
  std::string operator_bin, apiserver_bin, crds = "crds";
  int replicas = 3;
  bool verbose = false;
  bool faults = true;
};

bool Duration(const std::string& s, std::chrono::milliseconds* out) {
  char* end = nullptr;
  const double v = std::strtod(s.c_str(), &end);
  const std::string unit(end);
  if (end == s.c_str() || v < 0) return false;
  const double ms = unit == "ms" ? v : unit == "s" ? v * 1000 : unit == "m" ? v * 60000 : -1;
  if (ms < 0) return false;
  *out = std::chrono::milliseconds(static_cast<int64_t>(ms));
  return true;
}

int Usage(const std::string& why) {
  std::cerr << "kop-chaos: " << why
            << "\nusage: kop-chaos [--seed N] [--duration D] [--apps N] [--converge-timeout D]\n"
               "                 [--mode inprocess|processes] [--operator BIN] [--apiserver BIN] [--crds DIR]"
               " [--replicas N] [--no-faults] [--verbose]\n";
  return 2;
}

// Counts the operator's log lines; with --verbose also writes them to a file.
class CountingSink final : public kop::log::Sink {
 public:
  void Write(std::string_view line) override {
    ++lines_;
    if (file_ != nullptr) {
      kop::MutexLock lock(&mu_);
      std::fwrite(line.data(), 1, line.size(), file_);
      std::fputc('\n', file_);
    }
  }
  long lines() const { return lines_.load(); }
  void WriteTo(const std::string& path) { file_ = std::fopen(path.c_str(), "w"); }

 private:
  std::atomic<long> lines_{0};
  kop::Mutex mu_;
  std::FILE* file_ = nullptr;
};

// Waits for `done` with a deadline, polling (the condition is another process's progress).
template <typename F>
bool WaitFor(F done, std::chrono::milliseconds timeout) {
  const auto deadline = Clock::now() + timeout;
  while (!done()) {
    if (Clock::now() >= deadline) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  return true;
}

}  // namespace

int main(int argc, char** argv) {
  Flags f;
  f.seed = std::random_device{}();
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    auto next = [&]() -> std::string { return i + 1 < argc ? argv[++i] : ""; };
    if (a == "--seed") {
      f.seed = std::strtoull(next().c_str(), nullptr, 10);
    } else if (a == "--duration") {
      if (!Duration(next(), &f.duration)) return Usage("--duration wants 20s, 500ms, 2m");
    } else if (a == "--converge-timeout") {
      if (!Duration(next(), &f.converge_timeout)) return Usage("--converge-timeout wants 60s");
    } else if (a == "--apps") {
      f.apps = std::atoi(next().c_str());
      if (f.apps < 1) return Usage("--apps wants a positive number");
    } else if (a == "--mode") {
      f.mode = next();
      if (f.mode != "inprocess" && f.mode != "processes") return Usage("--mode is inprocess or processes");
    } else if (a == "--operator") {
      f.operator_bin = next();
    } else if (a == "--apiserver") {
      f.apiserver_bin = next();
    } else if (a == "--crds") {
      f.crds = next();
    } else if (a == "--no-faults") {
      f.faults = false;
    } else if (a == "--verbose") {
      f.verbose = true;
    } else if (a == "--replicas") {
      f.replicas = std::atoi(next().c_str());
    } else {
      return Usage("unknown flag " + a);
    }
  }
  if (f.mode == "processes" && (f.operator_bin.empty() || f.apiserver_bin.empty())) {
    return Usage("--mode processes needs --operator and --apiserver");
  }
  // The operator's own logs (errors included, which faults make many of) are counted, not
  // printed: the summary speaks, and the ledger checks every failure was followed by success.
  auto sink = std::make_shared<CountingSink>();
  if (f.verbose) {
    sink->WriteTo("/tmp/kop-chaos-operator.log");
    kop::log::Configure({.format = kop::log::Format::kJson, .verbosity = 1, .sink = sink});
  } else {
    kop::log::Configure({.sink = sink});
  }
  std::cerr << "kop-chaos: seed " << f.seed << " (replay with --seed " << f.seed << ")\n";

  std::mt19937_64 seeds(f.seed);
  const uint64_t workload_seed = seeds(), fault_seed = seeds(), fleet_seed = seeds();
  const std::string workdir =
      (std::filesystem::temp_directory_path() / kop::StrCat("kop-chaos-", getpid())).string();
  std::filesystem::create_directories(workdir);

  // The API server and the fault target.
  std::unique_ptr<kop::testing::ApiServer> embedded;
  std::unique_ptr<kop::chaos::FaultTarget> target;
  std::string kubeconfig_path = workdir + "/kubeconfig";
  pid_t apiserver_pid = -1;
  if (f.mode == "inprocess") {
    auto server = kop::testing::ApiServer::Start({.crds_dir = f.crds});
    if (!server.ok()) return Usage(kop::StrCat("cannot start the API server: ", server.status().ToString()));
    embedded = *std::move(server);
    target = kop::chaos::EmbeddedTarget(*embedded);
    if (!embedded->WriteKubeconfig(kubeconfig_path).ok()) return Usage("cannot write the kubeconfig");
  } else {
    apiserver_pid = fork();
    if (apiserver_pid == 0) {
      execl(f.apiserver_bin.c_str(), f.apiserver_bin.c_str(), "--listen", "127.0.0.1:0", "--kubeconfig-out",
            kubeconfig_path.c_str(), "--crds", f.crds.c_str(), "--admin", static_cast<char*>(nullptr));
      _exit(127);
    }
    if (!WaitFor([&] { return std::filesystem::exists(kubeconfig_path); }, std::chrono::seconds(20))) {
      return Usage("kop-apiserver did not start");
    }
  }
  absl::StatusOr<kop::client::Config> config = kop::client::LoadKubeconfig({.path = kubeconfig_path});
  if (!config.ok()) return Usage(config.status().ToString());
  if (!embedded) target = kop::chaos::AdminTarget(config->server);
  config->qps = 0;  // no client-side rate limit: the workload and checks run at full speed
  config->burst = 0;
  absl::StatusOr<std::unique_ptr<kop::client::Client>> client = kop::client::Client::Create(*config);
  if (!client.ok()) return Usage(client.status().ToString());

  // The operator.
  std::unique_ptr<kop::chaos::InProcessOperator> in_process;
  std::unique_ptr<kop::chaos::OperatorFleet> fleet;
  if (f.mode == "inprocess") {
    auto op = kop::chaos::InProcessOperator::Start(*config);
    if (!op.ok()) return Usage(kop::StrCat("cannot start the operator: ", op.status().ToString()));
    in_process = *std::move(op);
  } else {
    fleet = std::make_unique<kop::chaos::OperatorFleet>(f.operator_bin, kubeconfig_path, workdir, f.replicas, fleet_seed);
    if (absl::Status s = fleet->StartAll(); !s.ok()) return Usage(s.ToString());
  }

  // Chaos.
  kop::chaos::Workload workload(**client, "default", f.apps, workload_seed);
  kop::chaos::FaultSchedule faults(*target, fault_seed);
  {
    std::jthread load([&](std::stop_token st) { workload.Run(st); });
    std::jthread inject;
    if (f.faults) inject = std::jthread([&](std::stop_token st) { faults.Run(st); });
    std::jthread kills;
    if (fleet) kills = std::jthread([&](std::stop_token st) { fleet->Chaos(st, **client); });
    std::this_thread::sleep_for(f.duration);  // the chaos runs this long, by design
  }  // joins: the workload stops, faults are cleared, every replica is running again

  // Convergence.
  const auto start = Clock::now();
  std::vector<std::string> problems;
  auto last_report = Clock::now();
  const bool converged = WaitFor([&] {
    const auto check_start = Clock::now();
    problems = kop::chaos::ConvergenceProblems(**client, "default");
    if (f.verbose) {
      std::cerr << "kop-chaos: check took " << std::chrono::duration<double>(Clock::now() - check_start).count()
                << " s\n";
    }
    if (f.verbose && Clock::now() - last_report > std::chrono::seconds(2)) {
      last_report = Clock::now();
      std::cerr << "kop-chaos: " << problems.size() << " problems after "
                << std::chrono::duration<double>(Clock::now() - start).count() << " s, "
                << (in_process ? in_process->ledger().reconciles() : 0) << " reconciles so far"
                << (problems.empty() ? "" : ", first: " + problems.front()) << "\n";
    }
    return problems.empty();
  }, f.converge_timeout);
  const double seconds = std::chrono::duration<double>(Clock::now() - start).count();

  // The Applications left at the end: a key whose last reconcile failed is a key left behind
  // only if its Application still exists.
  std::set<std::string> live;
  {
    auto apps = (*client)->Resource({"example.com", "v1", "applications"}, true).Namespace("default").ListAll();
    if (!apps.ok()) return Usage("cannot list the Applications at the end: " + apps.status().ToString());
    for (const kop::Object& app : apps->items) live.insert(kop::StrCat(app.namespace_(), "/", app.name()));
  }

  std::vector<std::string> violations;
  kop::Json summary = {{"seed", f.seed}, {"mode", f.mode}, {"duration_s", f.duration.count() / 1000.0},
                       {"apps", f.apps}};
  if (in_process) {
    std::string why;
    if (in_process->Failed(&why)) violations.push_back("the operator stopped: " + why);
    for (std::string& v : in_process->ledger().Violations(live)) violations.push_back(std::move(v));
    summary["reconciles"] = in_process->ledger().reconciles();
    summary["reconcile_errors"] = in_process->ledger().errors();
    if (f.verbose) summary["reconcile_error_messages"] = in_process->ledger().Errors();
    in_process.reset();
  }
  if (fleet) {
    fleet->StopAll();
    for (std::string& v : fleet->Violations(live)) violations.push_back(std::move(v));
    summary["reconciles"] = fleet->reconciles();
    summary["process_chaos"] = fleet->Counts();
  }
  summary["operator_log_lines"] = sink->lines();
  summary["faults"] = faults.counts();
  summary["faults_total"] = faults.total();
  summary["workload_attempted"] = workload.attempted();
  summary["workload_succeeded"] = workload.succeeded();
  summary["converged"] = converged;
  summary["convergence_s"] = seconds;
  // The first few of each, and how many there were.
  auto first = [](const std::vector<std::string>& v) {
    return std::vector<std::string>(v.begin(), v.begin() + static_cast<long>(std::min<size_t>(v.size(), 20)));
  };
  summary["problems"] = first(problems);
  summary["problem_count"] = problems.size();
  summary["violations"] = first(violations);
  summary["violation_count"] = violations.size();
  std::cout << summary.dump(2) << std::endl;
  if (apiserver_pid > 0) {
    kill(apiserver_pid, SIGTERM);
    waitpid(apiserver_pid, nullptr, 0);
  }
  const bool ok = converged && violations.empty();
  if (ok) {
    std::filesystem::remove_all(workdir);
  } else {
    std::cerr << "kop-chaos: FAILED (seed " << f.seed << "); logs kept in " << workdir << "\n";
  }
  return ok ? 0 : 1;
}
