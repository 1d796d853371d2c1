#include "kop/client/internal/credentials.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <fstream>
#include <sstream>
#include <vector>

#include "absl/strings/escaping.h"
#include "absl/time/clock.h"
#include "kop/api/json.h"
#include "kop/api/time.h"
#include "kop/base/strings.h"

extern char** environ;

namespace kop::client::internal {
namespace {

constexpr auto kExecTimeout = std::chrono::seconds(60);
constexpr auto kTokenFileRecheck = std::chrono::seconds(1);

std::string Trim(std::string s) {
  while (!s.empty() && (s.back() == '\n' || s.back() == '\r' || s.back() == ' ')) s.pop_back();
  return s;
}

// Runs argv with extra environment; returns stdout, or an error with the exit status and
// stderr. Bounded by kExecTimeout.
absl::StatusOr<std::string> Run(const std::vector<std::string>& argv,
                                const std::vector<std::string>& extra_env) {
  int out[2];
  int err[2];
  if (pipe2(out, O_CLOEXEC) != 0 || pipe2(err, O_CLOEXEC) != 0) {
    return absl::InternalError("exec plugin: cannot create pipes");
  }
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_adddup2(&actions, out[1], 1);
  posix_spawn_file_actions_adddup2(&actions, err[1], 2);
  posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
  std::vector<std::string> env_store;
  for (char** e = environ; *e != nullptr; ++e) env_store.emplace_back(*e);
  for (const std::string& e : extra_env) env_store.push_back(e);
  std::vector<char*> envp;
  for (std::string& e : env_store) envp.push_back(e.data());
  envp.push_back(nullptr);
  std::vector<std::string> args = argv;
  std::vector<char*> argvp;
  for (std::string& a : args) argvp.push_back(a.data());
  argvp.push_back(nullptr);
  pid_t pid = 0;
  const int rc = posix_spawnp(&pid, argvp[0], &actions, nullptr, argvp.data(), envp.data());
  posix_spawn_file_actions_destroy(&actions);
  close(out[1]);
  close(err[1]);
  if (rc != 0) {
    close(out[0]);
    close(err[0]);
    return absl::NotFoundError(kop::StrCat("exec plugin \"", argv[0], "\": cannot run it: ", strerror(rc)));
  }
  std::string stdout_text;
  std::string stderr_text;
  pollfd fds[2] = {{out[0], POLLIN, 0}, {err[0], POLLIN, 0}};
  const auto deadline = std::chrono::steady_clock::now() + kExecTimeout;
  int open_fds = 2;
  bool timed_out = false;
  while (open_fds > 0) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) {
      timed_out = true;
      break;
    }
    if (poll(fds, 2, static_cast<int>(left.count())) < 0) break;
    for (pollfd& p : fds) {
      if (p.fd < 0 || !(p.revents & (POLLIN | POLLHUP | POLLERR))) continue;
      char buf[4096];
      const ssize_t n = read(p.fd, buf, sizeof buf);
      if (n <= 0) {
        close(p.fd);
        p.fd = -1;
        --open_fds;
      } else {
        (p.fd == fds[0].fd ? stdout_text : stderr_text).append(buf, static_cast<size_t>(n));
      }
    }
  }
  for (pollfd& p : fds) {
    if (p.fd >= 0) close(p.fd);
  }
  if (timed_out) kill(pid, SIGKILL);
  int status = 0;
  waitpid(pid, &status, 0);
  if (timed_out) {
    return absl::DeadlineExceededError(kop::StrCat("exec plugin \"", argv[0], "\": no answer within 60s"));
  }
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
    return absl::UnauthenticatedError(kop::StrCat(
        "exec plugin \"", argv[0], "\" failed (exit ", WIFEXITED(status) ? WEXITSTATUS(status) : -1,
        "): ", Trim(stderr_text)));
  }
  return stdout_text;
}

}  // namespace

Credentials::Credentials(Config config) : config_(std::move(config)) {}

absl::StatusOr<AuthMaterial> Credentials::Get() {
  AuthMaterial m{.client_cert_pem = config_.client_cert_pem, .client_key_pem = config_.client_key_pem};
  kop::MutexLock lock(&mu_);
  if (config_.exec.has_value()) {
    if (!have_exec_ || clock_now_passed(exec_expiry_)) {
      absl::StatusOr<AuthMaterial> fresh = RunExec();
      if (!fresh.ok()) return fresh.status();
      exec_ = *std::move(fresh);
      have_exec_ = true;
    }
    if (!exec_.authorization.empty()) m.authorization = exec_.authorization;
    if (!exec_.client_cert_pem.empty()) {
      m.client_cert_pem = exec_.client_cert_pem;
      m.client_key_pem = exec_.client_key_pem;
    }
    return m;
  }
  if (!config_.token_file.empty()) {
    const auto now = std::chrono::steady_clock::now();
    if (file_token_.empty() || now - file_checked_ >= kTokenFileRecheck) {
      file_checked_ = now;
      std::error_code ec;
      const auto mtime = std::filesystem::last_write_time(config_.token_file, ec);
      if (file_token_.empty() || (!ec && mtime != file_mtime_)) {
        std::ifstream in(config_.token_file);
        std::stringstream s;
        s << in.rdbuf();
        std::string token = Trim(s.str());
        if (!in || token.empty()) {
          if (file_token_.empty()) {
            return absl::UnauthenticatedError(
                kop::StrCat("token file ", config_.token_file, ": cannot be read or is empty"));
          }
        } else {
          file_token_ = std::move(token);
          file_mtime_ = mtime;
        }
      }
    }
    m.authorization = "Bearer " + file_token_;
    return m;
  }
  if (!config_.token.empty()) {
    m.authorization = "Bearer " + config_.token;
  } else if (!config_.username.empty()) {
    m.authorization = "Basic " + absl::Base64Escape(config_.username + ":" + config_.password);
  }
  return m;
}

bool Credentials::clock_now_passed(absl::Time t) { return absl::Now() >= t; }

void Credentials::Invalidate() {
  kop::MutexLock lock(&mu_);
  have_exec_ = false;
  file_token_.clear();
}

absl::StatusOr<AuthMaterial> Credentials::RunExec() {
  const ExecConfig& e = *config_.exec;
  Json info = {{"apiVersion", e.api_version},
               {"kind", "ExecCredential"},
               {"spec", {{"interactive", false}}}};
  if (e.provide_cluster_info) {
    Json cluster = {{"server", config_.server}};
    if (!config_.ca_pem.empty()) cluster["certificate-authority-data"] = absl::Base64Escape(config_.ca_pem);
    if (config_.insecure_skip_tls_verify) cluster["insecure-skip-tls-verify"] = true;
    info["spec"]["cluster"] = cluster;
  }
  std::vector<std::string> argv = {e.command};
  argv.insert(argv.end(), e.args.begin(), e.args.end());
  std::vector<std::string> env = {"KUBERNETES_EXEC_INFO=" + DumpJson(info)};
  for (const auto& [k, v] : e.env) env.push_back(k + "=" + v);
  absl::StatusOr<std::string> out = Run(argv, env);
  if (!out.ok()) {
    if (!e.install_hint.empty() && absl::IsNotFound(out.status())) {
      return absl::NotFoundError(kop::StrCat(out.status().message(), "\n", e.install_hint));
    }
    return out.status();
  }
  absl::StatusOr<Json> cred = ParseJson(*out);
  const std::string what = kop::StrCat("exec plugin \"", e.command, "\"");
  if (!cred.ok() || !cred->is_object()) {
    return absl::UnauthenticatedError(kop::StrCat(what, ": output is not an ExecCredential JSON object"));
  }
  if (cred->value("kind", "") != "ExecCredential") {
    return absl::UnauthenticatedError(kop::StrCat(what, ": output kind is not ExecCredential"));
  }
  if (cred->value("apiVersion", "") != e.api_version) {
    return absl::UnauthenticatedError(kop::StrCat(what, ": output apiVersion \"",
                                                  cred->value("apiVersion", ""),
                                                  "\" does not match \"", e.api_version, "\""));
  }
  const Json status = cred->value("status", Json::object());
  AuthMaterial m;
  if (status.contains("token") && status["token"].is_string()) {
    m.authorization = "Bearer " + status["token"].get<std::string>();
  }
  m.client_cert_pem = status.value("clientCertificateData", "");
  m.client_key_pem = status.value("clientKeyData", "");
  if (m.authorization.empty() && m.client_cert_pem.empty()) {
    return absl::UnauthenticatedError(kop::StrCat(what, ": output has neither token nor client certificate"));
  }
  if (m.client_cert_pem.empty() != m.client_key_pem.empty()) {
    return absl::UnauthenticatedError(kop::StrCat(what, ": client certificate and key come together"));
  }
  exec_expiry_ = absl::InfiniteFuture();
  if (auto exp = status.find("expirationTimestamp"); exp != status.end() && exp->is_string()) {
    absl::StatusOr<absl::Time> t = ParseRFC3339(exp->get<std::string>());
    if (!t.ok()) {
      return absl::UnauthenticatedError(kop::StrCat(what, ": expirationTimestamp: ", t.status().message()));
    }
    exec_expiry_ = *t;
  }
  return m;
}

}  // namespace kop::client::internal
