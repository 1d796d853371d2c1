// kop-apiserver: the embedded Kubernetes API server as a command, for local development
// and for tests that run components as separate processes.
//
//   kop-apiserver --listen 127.0.0.1:0 --kubeconfig-out /tmp/kop.kubeconfig [--crds DIR]
//                 [--watch-history N] [--bookmark-interval DURATION] [--admin] [--tls]
//                 [--disable-garbage-collector] [--data-dir DIR] [--token-auth-file FILE]
//
// The kubeconfig is written once the server answers; SIGTERM or SIGINT stops it.
#include <csignal>
#include <cstdlib>
#include <iostream>
#include <string>
#include <string_view>

#include "kop/log/logger.h"
#include "kop/testing/apiserver.h"

namespace {

int Usage(const std::string& error) {
  std::cerr << "kop-apiserver: " << error << "\n\n"
            << "usage: kop-apiserver [flags]\n"
               "  --listen HOST:PORT          address to serve on (default 127.0.0.1:0, a free port)\n"
               "  --kubeconfig-out FILE       write a kubeconfig for the server here once it answers\n"
               "  --crds DIR                  install every CRD manifest (*.yaml, *.yml, *.json) in DIR\n"
               "  --watch-history N           changes kept for resuming watches (default 10000)\n"
               "  --bookmark-interval D       how often watches get BOOKMARK events, e.g. 60s, 500ms\n"
               "  --admin                     serve POST /kop-admin/faults for fault injection\n"
               "  --tls                       serve HTTPS with a generated CA (written into the kubeconfig)\n"
               "  --disable-garbage-collector no garbage collection, as a kube-apiserver without a controller-manager\n"
               "  --data-dir DIR              keep the state in DIR/kop-apiserver.db (SQLite) across restarts\n"
               "  --token-auth-file FILE      accept the bearer tokens of FILE (token,user,uid[,groups] lines)\n";
  return 2;
}

bool ParseDuration(std::string_view text, std::chrono::milliseconds* out) {
  char* end = nullptr;
  const std::string s(text);
  const double v = std::strtod(s.c_str(), &end);
  const std::string unit(end);
  if (end == s.c_str() || v < 0) return false;
  if (unit == "ms") {
    *out = std::chrono::milliseconds(static_cast<int64_t>(v));
  } else if (unit == "s") {
    *out = std::chrono::milliseconds(static_cast<int64_t>(v * 1000));
  } else if (unit == "m") {
    *out = std::chrono::milliseconds(static_cast<int64_t>(v * 60000));
  } else {
    return false;
  }
  return true;
}

}  // namespace

int main(int argc, char** argv) {
  kop::testing::ApiServerOptions options;
  std::string kubeconfig_out;
  for (int i = 1; i < argc; ++i) {
    const std::string_view arg = argv[i];
    auto value = [&]() -> const char* { return i + 1 < argc ? argv[++i] : nullptr; };
    const char* v = nullptr;
    if (arg == "--listen" && (v = value())) {
      const std::string_view hp = v;
      const size_t colon = hp.rfind(':');
      if (colon == std::string_view::npos) return Usage("--listen wants HOST:PORT");
      options.address = std::string(hp.substr(0, colon));
      char* end = nullptr;
      const long port = std::strtol(std::string(hp.substr(colon + 1)).c_str(), &end, 10);
      if (*end != '\0' || port < 0 || port > 65535) return Usage("--listen: bad port");
      options.port = static_cast<int>(port);
    } else if (arg == "--kubeconfig-out" && (v = value())) {
      kubeconfig_out = v;
    } else if (arg == "--crds" && (v = value())) {
      options.crds_dir = v;
    } else if (arg == "--watch-history" && (v = value())) {
      char* end = nullptr;
      const long long n = std::strtoll(v, &end, 10);
      if (*end != '\0' || n < 1) return Usage("--watch-history wants a positive number");
      options.watch_history = static_cast<size_t>(n);
    } else if (arg == "--bookmark-interval" && (v = value())) {
      if (!ParseDuration(v, &options.bookmark_interval)) {
        return Usage("--bookmark-interval wants a duration like 60s or 500ms");
      }
    } else if (arg == "--admin") {
      options.admin_api = true;
    } else if (arg == "--token-auth-file" && (v = value())) {
      options.token_auth_file = v;
    } else if (arg == "--data-dir" && (v = value())) {
      options.data_dir = v;
    } else if (arg == "--disable-garbage-collector") {
      options.garbage_collector = false;
    } else if (arg == "--tls") {
      options.tls = true;
    } else if (arg == "--help" || arg == "-h") {
      Usage("help");
      return 0;
    } else {
      return Usage("unknown or incomplete flag " + std::string(arg));
    }
  }

  // Signals are taken synchronously below; no thread may receive them first.
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGTERM);
  sigaddset(&signals, SIGINT);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);

  kop::log::Logger log = kop::log::Root().WithName("kop-apiserver");
  auto server = kop::testing::ApiServer::Start(options);
  if (!server.ok()) {
    log.Error(server.status(), "cannot start");
    return 1;
  }
  if (!kubeconfig_out.empty()) {
    if (absl::Status s = (*server)->WriteKubeconfig(kubeconfig_out); !s.ok()) {
      log.Error(s, "cannot write kubeconfig");
      return 1;
    }
  }
  log.Info("serving", "url", (*server)->url(), "kubeconfig", kubeconfig_out);
  int sig = 0;
  sigwait(&signals, &sig);
  log.Info("stopping", "signal", sig);
  server->reset();
  return 0;
}
