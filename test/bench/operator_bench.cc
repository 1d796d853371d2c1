// The Application operator as its users run it: a separate process against kop-apiserver.
// Start-to-ready (spawn until /readyz answers 200) and idle resident memory.
//
//   bench_operator [runs]      (default 5; the median start-to-ready is reported)
#include <signal.h>
#include <spawn.h>
#include <fcntl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <thread>
#include <vector>

#include <curl/curl.h>

#include "bench/bench.h"
#include "kop/testing/apiserver.h"

extern char** environ;

namespace {

size_t Discard(char*, size_t size, size_t n, void*) { return size * n; }

long HttpCode(const std::string& url) {
  CURL* c = curl_easy_init();
  curl_easy_setopt(c, CURLOPT_URL, url.c_str());
  curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, &Discard);
  curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, 1000L);
  long code = 0;
  if (curl_easy_perform(c) == CURLE_OK) curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &code);
  curl_easy_cleanup(c);
  return code;
}

// A port nothing listens on right now.
int FreePort() {
  kop::testing::ApiServerOptions o;
  auto probe = kop::testing::ApiServer::Start(o);
  return probe.ok() ? (*probe)->port() : 0;
}

double RssMib(pid_t pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/status");
  for (std::string line; std::getline(in, line);) {
    if (line.rfind("VmRSS:", 0) == 0) return std::atof(line.c_str() + 6) / 1024.0;
  }
  return -1;
}

pid_t Spawn(const std::vector<std::string>& args, const std::string& log) {
  std::vector<char*> argv;
  for (const std::string& a : args) argv.push_back(const_cast<char*>(a.c_str()));
  argv.push_back(nullptr);
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, 2, log.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
  posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0);
  pid_t pid = 0;
  if (posix_spawn(&pid, argv[0], &actions, nullptr, argv.data(), environ) != 0) pid = -1;
  posix_spawn_file_actions_destroy(&actions);
  return pid;
}

}  // namespace

int main(int argc, char** argv) {
  const int runs = argc > 1 ? std::atoi(argv[1]) : 5;
  curl_global_init(CURL_GLOBAL_DEFAULT);
  kop::bench::Report report;
  const std::string work = std::filesystem::temp_directory_path() / ("kop-bench-operator-" + std::to_string(getpid()));
  std::filesystem::create_directories(work);
  const std::string kubeconfig = work + "/kubeconfig";
  pid_t server = Spawn({KOP_APISERVER_PATH, "--listen", "127.0.0.1:0", "--kubeconfig-out", kubeconfig,
                        "--crds", KOP_CRDS_DIR},
                       work + "/apiserver.log");
  while (!std::filesystem::exists(kubeconfig) || std::filesystem::file_size(kubeconfig) == 0) {
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }

  std::vector<double> ready_ms;
  double rss = -1;
  for (int run = 0; run < runs; ++run) {
    const int health = FreePort();
    const auto start = std::chrono::steady_clock::now();
    pid_t op = Spawn({KOP_OPERATOR_PATH, "--kubeconfig", kubeconfig, "--metrics-bind-address", "0",
                      "--health-probe-bind-address", "127.0.0.1:" + std::to_string(health),
                      "--log-format", "json"},
                     work + "/operator.log");
    if (op <= 0) return 1;
    const std::string readyz = "http://127.0.0.1:" + std::to_string(health) + "/readyz";
    while (HttpCode(readyz) != 200) {
      if (std::chrono::steady_clock::now() - start > std::chrono::seconds(30)) return 1;
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
    ready_ms.push_back(kop::bench::SecondsSince(start) * 1000);
    if (run == runs - 1) {
      // Idle: synced, nothing to reconcile, for a couple of seconds.
      std::this_thread::sleep_for(std::chrono::seconds(2));
      rss = RssMib(op);
    }
    kill(op, SIGTERM);
    int status = 0;
    waitpid(op, &status, 0);
  }
  std::sort(ready_ms.begin(), ready_ms.end());
  report.Add("operator_start_to_ready_ms", ready_ms[ready_ms.size() / 2], "ms",
             {{"runs", runs}, {"statistic", "median"}});
  report.Add("operator_idle_rss_mib", rss, "MiB", {{"objects", 0}});
  kill(server, SIGTERM);
  waitpid(server, nullptr, 0);
  std::filesystem::remove_all(work);
  return 0;
}
