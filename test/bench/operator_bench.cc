// The Application operator as its users run it: a separate process against kop-apiserver.
// Start-to-ready (spawn until /readyz answers 200) and idle resident memory; then the same
// start against a server serving 30 API groups (CRDs in generated groups), and what discovery
// of that server costs a client with aggregated discovery and without it.
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
#include "kop/client/client.h"
#include "kop/client/rest_mapper.h"
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

// The transport of a client that does not know aggregated discovery: every request asks for
// plain JSON, so discovery reads each group version.
class LegacyDiscovery : public kop::client::Transport {
 public:
  explicit LegacyDiscovery(std::shared_ptr<kop::client::Transport> inner) : inner_(std::move(inner)) {}
  absl::StatusOr<kop::client::HttpResponse> Do(const kop::client::HttpRequest& request) override {
    kop::client::HttpRequest plain = request;
    plain.accept = "application/json";
    return inner_->Do(plain);
  }
  std::unique_ptr<kop::client::Stream> OpenStream(const kop::client::HttpRequest& request,
                                                  std::function<bool(std::string_view)> on_data,
                                                  std::function<void(absl::Status)> on_done,
                                                  std::chrono::milliseconds idle_timeout) override {
    return inner_->OpenStream(request, std::move(on_data), std::move(on_done), idle_timeout);
  }
  const kop::client::Config& config() const override { return inner_->config(); }

 private:
  std::shared_ptr<kop::client::Transport> inner_;
};

// `count` CRDs, each in a group of its own, as JSON manifests in `dir`.
void WriteGroupCrds(const std::string& dir, int count) {
  for (int i = 0; i < count; ++i) {
    const std::string group = "g" + std::to_string(i) + ".bench.kop.example.com";
    const nlohmann::json schema = {{"type", "object"}, {"x-kubernetes-preserve-unknown-fields", true}};
    const nlohmann::json crd = {
        {"apiVersion", "apiextensions.k8s.io/v1"},
        {"kind", "CustomResourceDefinition"},
        {"metadata", {{"name", "things." + group}}},
        {"spec",
         {{"group", group},
          {"scope", "Namespaced"},
          {"names", {{"plural", "things"}, {"singular", "thing"}, {"kind", "Thing"}, {"listKind", "ThingList"}}},
          {"versions",
           {{{"name", "v1"}, {"served", true}, {"storage", true}, {"schema", {{"openAPIV3Schema", schema}}}}}}}}};
    std::ofstream(dir + "/group-" + std::to_string(i) + ".json") << crd.dump();
  }
}

// The median start-to-ready of `runs` operator starts against the server of `kubeconfig`.
double StartToReadyMs(const std::string& kubeconfig, const std::string& work, int runs, double* rss) {
  std::vector<double> ready_ms;
  for (int run = 0; run < runs; ++run) {
    const int health = FreePort();
    const auto start = std::chrono::steady_clock::now();
    pid_t op = Spawn({KOP_OPERATOR_PATH, "--kubeconfig", kubeconfig, "--metrics-bind-address", "0",
                      "--health-probe-bind-address", "127.0.0.1:" + std::to_string(health),
                      "--log-format", "json"},
                     work + "/operator.log");
    if (op <= 0) return -1;
    const std::string readyz = "http://127.0.0.1:" + std::to_string(health) + "/readyz";
    while (HttpCode(readyz) != 200) {
      if (std::chrono::steady_clock::now() - start > std::chrono::seconds(30)) return -1;
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
    ready_ms.push_back(kop::bench::SecondsSince(start) * 1000);
    if (rss != nullptr && run == runs - 1) {
      // Idle: synced, nothing to reconcile, for a couple of seconds.
      std::this_thread::sleep_for(std::chrono::seconds(2));
      *rss = RssMib(op);
    }
    kill(op, SIGTERM);
    int status = 0;
    waitpid(op, &status, 0);
  }
  std::sort(ready_ms.begin(), ready_ms.end());
  return ready_ms[ready_ms.size() / 2];
}

pid_t StartServer(const std::string& kubeconfig, const std::string& crds, const std::string& log) {
  pid_t server = Spawn({KOP_APISERVER_PATH, "--listen", "127.0.0.1:0", "--kubeconfig-out", kubeconfig,
                        "--crds", crds},
                       log);
  while (!std::filesystem::exists(kubeconfig) || std::filesystem::file_size(kubeconfig) == 0) {
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  return server;
}

}  // namespace

int main(int argc, char** argv) {
  const int runs = argc > 1 ? std::atoi(argv[1]) : 5;
  curl_global_init(CURL_GLOBAL_DEFAULT);
  kop::bench::Report report;
  const std::string work = std::filesystem::temp_directory_path() / ("kop-bench-operator-" + std::to_string(getpid()));
  std::filesystem::create_directories(work);
  const std::string kubeconfig = work + "/kubeconfig";
  pid_t server = StartServer(kubeconfig, KOP_CRDS_DIR, work + "/apiserver.log");
  double rss = -1;
  const double ready = StartToReadyMs(kubeconfig, work, runs, &rss);
  if (ready < 0) return 1;
  report.Add("operator_start_to_ready_ms", ready, "ms", {{"runs", runs}, {"statistic", "median"}});
  report.Add("operator_idle_rss_mib", rss, "MiB", {{"objects", 0}});
  kill(server, SIGTERM);
  waitpid(server, nullptr, 0);

  // A server serving 30 API groups: the built-in ones, the Application CRD's, and generated ones.
  const std::string crds = work + "/crds";
  std::filesystem::create_directories(crds);
  for (const auto& e : std::filesystem::directory_iterator(KOP_CRDS_DIR)) {
    std::filesystem::copy_file(e.path(), crds + "/" + e.path().filename().string());
  }
  const std::string kubeconfig30 = work + "/kubeconfig-30";
  {
    // Count what the server serves before adding groups.
    pid_t probe = StartServer(kubeconfig30, crds, work + "/apiserver-probe.log");
    auto config = kop::client::LoadKubeconfig({.path = kubeconfig30});
    auto client = config.ok() ? kop::client::Client::Create(*config) : absl::StatusOr<std::unique_ptr<kop::client::Client>>(config.status());
    auto groups = client.ok() ? (*client)->transport().Do({.path = "/apis"}) : absl::StatusOr<kop::client::HttpResponse>(client.status());
    int served = 1;  // the core group
    if (groups.ok()) served += static_cast<int>(nlohmann::json::parse(groups->body)["groups"].size());
    kill(probe, SIGTERM);
    waitpid(probe, nullptr, 0);
    std::filesystem::remove(kubeconfig30);
    WriteGroupCrds(crds, std::max(0, 30 - served));
  }
  server = StartServer(kubeconfig30, crds, work + "/apiserver-30.log");
  const double ready30 = StartToReadyMs(kubeconfig30, work, runs, nullptr);
  if (ready30 < 0) return 1;
  report.Add("operator_start_to_ready_ms", ready30, "ms", {{"runs", runs}, {"statistic", "median"}, {"api_groups", 30}});
  auto config = kop::client::LoadKubeconfig({.path = kubeconfig30});
  if (!config.ok()) return 1;
  auto transport = kop::client::Transport::Create(*config);
  if (!transport.ok()) return 1;
  std::shared_ptr<kop::client::Transport> shared = std::move(*transport);
  for (const bool aggregated : {true, false}) {
    std::vector<double> ms;
    int requests = 0;
    for (int run = 0; run < std::max(runs, 5); ++run) {
      std::shared_ptr<kop::client::Transport> t = aggregated ? shared : std::make_shared<LegacyDiscovery>(shared);
      kop::client::RestMapper mapper(t);
      const auto start = std::chrono::steady_clock::now();
      if (!mapper.All().ok()) return 1;
      ms.push_back(kop::bench::SecondsSince(start) * 1000);
      requests = mapper.stats().requests;
    }
    std::sort(ms.begin(), ms.end());
    report.Add("discovery_cold_ms", ms[ms.size() / 2], "ms",
               {{"api_groups", 30}, {"aggregated", aggregated}, {"requests", requests}, {"statistic", "median"}});
  }
  kill(server, SIGTERM);
  waitpid(server, nullptr, 0);
  std::filesystem::remove_all(work);
  return 0;
}
