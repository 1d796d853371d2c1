#include "chaos/operators.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <fstream>

#include "application_reconciler.h"
#include "deployment_simulator.h"
#include "kop/api/time.h"
#include "kop/base/status_macros.h"
#include "kop/base/strings.h"
#include "kop/controller/predicate.h"
#include "kop/util/event_recorder.h"

namespace kop::chaos {

// ---------------------------------------------------------------------------------------
// In process

void ReconcileLedger::Begin(const std::string& key) {
  kop::MutexLock lock(&mu_);
  if (active_[key]++ > 0) overlaps_.push_back(kop::StrCat("key ", key, " was reconciled by two workers at once"));
}

void ReconcileLedger::End(const std::string& key, const absl::Status& status) {
  kop::MutexLock lock(&mu_);
  --active_[key];
  last_ok_[key] = status.ok();
  ++reconciles_;
  ++per_key_[key];
  if (!status.ok()) {
    ++errors_;
    ++error_messages_[status.ToString().substr(0, 100)];
  }
}

std::map<std::string, int> ReconcileLedger::Errors() const {
  kop::MutexLock lock(&mu_);
  return error_messages_;
}

std::vector<std::string> ReconcileLedger::Violations(const std::set<std::string>& live) const {
  kop::MutexLock lock(&mu_);
  std::vector<std::string> out = overlaps_;
  for (const auto& [key, ok] : last_ok_) {
    if (!ok && live.contains(key)) out.push_back(kop::StrCat("key ", key, ": its last reconcile failed, and none succeeded after"));
  }
  return out;
}

int ReconcileLedger::reconciles() const {
  kop::MutexLock lock(&mu_);
  return reconciles_;
}

int ReconcileLedger::reconciles(const std::string& key) const {
  kop::MutexLock lock(&mu_);
  auto it = per_key_.find(key);
  return it == per_key_.end() ? 0 : it->second;
}

int ReconcileLedger::errors() const {
  kop::MutexLock lock(&mu_);
  return errors_;
}

namespace {

class Instrumented final : public Reconciler {
 public:
  Instrumented(ReconcileLedger& ledger, std::unique_ptr<Reconciler> inner)
      : ledger_(ledger), inner_(std::move(inner)) {}
  absl::StatusOr<Result> Reconcile(const Request& request, ReconcileContext& ctx) override {
    const std::string key = kop::StrCat(request.key.namespace_, "/", request.key.name);
    ledger_.Begin(key);
    absl::StatusOr<Result> r = inner_->Reconcile(request, ctx);
    ledger_.End(key, r.status());
    return r;
  }

 private:
  ReconcileLedger& ledger_;
  std::unique_ptr<Reconciler> inner_;
};

}  // namespace

absl::StatusOr<std::unique_ptr<InProcessOperator>> InProcessOperator::Start(const client::Config& config) {
  std::unique_ptr<InProcessOperator> op(new InProcessOperator());
  KOP_ASSIGN_OR_RETURN(op->manager_, Manager::Create({.name = "application-operator",
                                                      .config = config,
                                                      .graceful_shutdown_timeout = std::chrono::seconds(5),
                                                      .metrics_bind_address = "0",
                                                      .health_probe_bind_address = "0"}));
  op->events_ = std::make_unique<util::EventRecorder>(op->manager_->client(),
                                                      util::EventRecorderOptions{.component = "application-operator"});
  KOP_RETURN_IF_ERROR(ControllerBuilder(*op->manager_)
                          .Named("application")
                          .For(application::kApplication, {predicate::GenerationChanged()})
                          .Owns(application::kDeployment)
                          .Owns(application::kService)
                          .Owns(application::kConfigMap)
                          .WithOptions({.max_concurrent_reconciles = 2})
                          .Complete(std::make_unique<Instrumented>(
                              op->ledger_, std::make_unique<application::ApplicationReconciler>(op->events_.get())))
                          .status());
  KOP_RETURN_IF_ERROR(ControllerBuilder(*op->manager_)
                          .Named("deployment-simulator")
                          .For(application::kDeployment)
                          .Complete(std::make_unique<application::DeploymentSimulator>())
                          .status());
  InProcessOperator* self = op.get();
  op->thread_ = std::jthread([self](std::stop_token stop) {
    absl::Status s = self->manager_->Start(stop);
    kop::MutexLock lock(&self->mu_);
    self->result_ = s;
  });
  return op;
}

InProcessOperator::~InProcessOperator() {
  thread_.request_stop();
  if (thread_.joinable()) thread_.join();
}

bool InProcessOperator::Failed(std::string* why) {
  kop::MutexLock lock(&mu_);
  if (!result_.has_value()) return false;
  *why = result_->ok() ? "the manager returned early" : result_->ToString();
  return true;
}

// ---------------------------------------------------------------------------------------
// Processes

OperatorFleet::OperatorFleet(std::string binary, std::string kubeconfig, std::string workdir, int replicas,
                             uint64_t seed)
    : binary_(std::move(binary)),
      kubeconfig_(std::move(kubeconfig)),
      workdir_(std::move(workdir)),
      replicas_(replicas),
      rng_(seed),
      running_(static_cast<size_t>(replicas), -1) {}

OperatorFleet::~OperatorFleet() { StopAll(); }

absl::Status OperatorFleet::Spawn(int replica) {
  const int n = static_cast<int>(incarnations_.size());
  const std::string log = kop::StrCat(workdir_, "/operator-", replica, "-", n, ".log");
  std::vector<std::string> args = {binary_,
                                   "--kubeconfig", kubeconfig_,
                                   "--leader-elect",
                                   "--leader-election-namespace", "default",
                                   "--leader-election-lease-duration", "4s",
                                   "--leader-election-renew-deadline", "2500ms",
                                   "--leader-election-retry-period", "500ms",
                                   "--graceful-shutdown-timeout", "10s",
                                   "--max-concurrent-reconciles", "2",
                                   "--metrics-bind-address", "0",
                                   "--health-probe-bind-address", "0",
                                   "--log-format", "json",
                                   "-v", "1",
                                   "--simulate-deployments"};
  std::vector<char*> argv;
  for (std::string& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  const pid_t pid = fork();
  if (pid < 0) return absl::InternalError("fork failed");
  if (pid == 0) {
    const int fd = open(log.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    if (fd >= 0) {
      dup2(fd, 1);
      dup2(fd, 2);
      close(fd);
    }
    execv(argv[0], argv.data());
    _exit(127);
  }
  incarnations_.push_back({.replica = replica, .pid = pid, .log = log, .started = absl::Now()});
  running_[static_cast<size_t>(replica)] = n;
  return absl::OkStatus();
}

absl::Status OperatorFleet::StartAll() {
  for (int r = 0; r < replicas_; ++r) KOP_RETURN_IF_ERROR(Spawn(r));
  return absl::OkStatus();
}

void OperatorFleet::Reap(bool block) {
  for (int r = 0; r < replicas_; ++r) {
    const int i = running_[static_cast<size_t>(r)];
    if (i < 0) continue;
    Incarnation& inc = incarnations_[static_cast<size_t>(i)];
    int status = 0;
    const pid_t got = waitpid(inc.pid, &status, block ? 0 : WNOHANG);
    if (got != inc.pid) continue;
    inc.status = status;
    inc.died = absl::Now();
    running_[static_cast<size_t>(r)] = -1;
    if (!inc.killed) {
      if (WIFSIGNALED(status)) {
        ++counts_["crashes"];
      } else {
        ++counts_["exits_on_lost_leadership"];
      }
    }
  }
}

int OperatorFleet::LeaderReplica(client::Client& client) const {
  absl::StatusOr<Object> lease = client.Resource({"coordination.k8s.io", "v1", "leases"}, true)
                                     .Namespace("default")
                                     .Get("application-operator-leader");
  if (!lease.ok()) return -1;
  const Json* holder = lease->Find({"spec", "holderIdentity"});
  if (holder == nullptr || !holder->is_string() || holder->get<std::string>().empty()) return -1;
  for (int r = 0; r < replicas_; ++r) {
    const int i = running_[static_cast<size_t>(r)];
    if (i < 0) continue;
    std::ifstream in(incarnations_[static_cast<size_t>(i)].log);
    std::string line;
    while (std::getline(in, line)) {
      if (line.find("\"became leader\"") != std::string::npos && line.find(holder->get<std::string>()) != std::string::npos) {
        return r;
      }
    }
  }
  return -1;
}

void OperatorFleet::Chaos(std::stop_token stop, client::Client& client) {
  auto between = [&](int lo, int hi) { return std::uniform_int_distribution<int>(lo, hi)(rng_); };
  auto pause = [&](int ms) {
    const auto until = std::chrono::steady_clock::now() + std::chrono::milliseconds(ms);
    while (!stop.stop_requested() && std::chrono::steady_clock::now() < until) {
      Reap(false);
      std::this_thread::sleep_for(std::chrono::milliseconds(50));  // polls child exits; decides nothing
    }
  };
  while (!stop.stop_requested()) {
    pause(between(1500, 5000));
    if (stop.stop_requested()) break;
    EnsureAllRunning();  // replicas that exited by themselves come back
    int victim = between(0, 3) > 0 ? LeaderReplica(client) : -1;
    const bool leader = victim >= 0;
    if (victim < 0) victim = between(0, replicas_ - 1);
    const int i = running_[static_cast<size_t>(victim)];
    if (i < 0) continue;
    Incarnation& inc = incarnations_[static_cast<size_t>(i)];
    const bool sigkill = between(0, 1) == 0;
    inc.killed = true;
    kill(inc.pid, sigkill ? SIGKILL : SIGTERM);
    int status = 0;
    waitpid(inc.pid, &status, 0);
    inc.status = status;
    inc.died = absl::Now();
    running_[static_cast<size_t>(victim)] = -1;
    ++counts_[kop::StrCat(leader ? "leader_" : "standby_", sigkill ? "sigkill" : "sigterm")];
    pause(between(300, 2000));
    if (Spawn(victim).ok()) ++counts_["restarts"];
  }
  EnsureAllRunning();
}

void OperatorFleet::EnsureAllRunning() {
  Reap(false);
  for (int r = 0; r < replicas_; ++r) {
    if (running_[static_cast<size_t>(r)] < 0 && Spawn(r).ok()) ++counts_["restarts"];
  }
}

void OperatorFleet::StopAll() {
  for (int r = 0; r < replicas_; ++r) {
    const int i = running_[static_cast<size_t>(r)];
    if (i < 0) continue;
    incarnations_[static_cast<size_t>(i)].killed = true;
    kill(incarnations_[static_cast<size_t>(i)].pid, SIGTERM);
  }
  Reap(true);
}

std::map<std::string, int> OperatorFleet::Counts() const { return counts_; }
int OperatorFleet::reconciles() const { return reconciles_; }

std::vector<std::string> OperatorFleet::Violations(const std::set<std::string>& live) const {
  struct Interval {
    absl::Time begin, end;
    int incarnation;
    std::string key, id;
    bool finished = false;  // logged its end (not cut short by the process's death)
    bool ok = false;
  };
  std::vector<Interval> all;
  std::vector<std::string> out;
  reconciles_ = 0;
  for (size_t n = 0; n < incarnations_.size(); ++n) {
    const Incarnation& inc = incarnations_[n];
    if (inc.died.has_value() && !inc.killed && WIFSIGNALED(inc.status)) {
      out.push_back(kop::StrCat("replica ", inc.replica, " (", inc.log, ") crashed with signal ", WTERMSIG(inc.status)));
    }
    std::ifstream in(inc.log);
    std::string line;
    std::map<std::string, Interval> open;  // by reconcileID
    absl::Time last = inc.started;
    while (std::getline(in, line)) {
      absl::StatusOr<Json> j = ParseJson(line);
      if (!j.ok() || !j->is_object()) continue;
      absl::StatusOr<absl::Time> ts = ParseRFC3339(j->value("ts", ""));
      if (ts.ok()) last = *ts;
      if (j->value("controller", "") != "application") continue;
      const std::string msg = j->value("msg", "");
      const std::string id = j->value("reconcileID", "");
      if (msg == "reconcile started" && ts.ok()) {
        open[id] = {*ts, absl::InfiniteFuture(), static_cast<int>(n),
                    kop::StrCat(j->value("namespace", ""), "/", j->value("name", "")), id};
      } else if ((msg == "reconcile finished" || msg.rfind("reconcile failed", 0) == 0) && open.contains(id) && ts.ok()) {
        Interval i = open[id];
        i.end = *ts;
        i.finished = true;
        i.ok = msg == "reconcile finished";
        all.push_back(i);
        open.erase(id);
        ++reconciles_;
      }
    }
    // Reconciles cut short by the process's end: they ran until it was gone.
    for (auto& [id, i] : open) {
      i.end = inc.killed && inc.died.has_value() ? *inc.died : last;
      all.push_back(i);
    }
  }
  // Every live key's last finished reconcile (over all processes) must have succeeded: an
  // error log without a later success is a key left behind.
  std::map<std::string, std::pair<absl::Time, bool>> last_result;
  for (const Interval& i : all) {
    if (i.end == absl::InfiniteFuture() || !i.finished) continue;
    auto& [when, ok] = last_result[i.key];
    if (i.end >= when) {
      when = i.end;
      ok = i.ok;
    }
  }
  for (const auto& [key, result] : last_result) {
    if (!result.second && live.contains(key)) out.push_back(kop::StrCat("key ", key, ": its last reconcile failed, and none succeeded after"));
  }
  std::sort(all.begin(), all.end(), [](const Interval& a, const Interval& b) { return a.begin < b.begin; });
  for (size_t a = 0; a < all.size(); ++a) {
    for (size_t b = a + 1; b < all.size() && all[b].begin < all[a].end; ++b) {
      if (all[a].key == all[b].key) {
        out.push_back(kop::StrCat("key ", all[a].key, " reconciled concurrently (", all[a].id, ", ", all[b].id, ")"));
      } else if (incarnations_[static_cast<size_t>(all[a].incarnation)].replica !=
                 incarnations_[static_cast<size_t>(all[b].incarnation)].replica) {
        out.push_back(kop::StrCat("two leaders acted at once: ", incarnations_[static_cast<size_t>(all[a].incarnation)].log,
                                  " and ", incarnations_[static_cast<size_t>(all[b].incarnation)].log, " at ",
                                  FormatRFC3339(all[b].begin)));
      }
    }
  }
  return out;
}

}  // namespace kop::chaos
