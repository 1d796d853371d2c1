// The embedded API server's own cost per request, without HTTP: requests go through
// ApiServer::ServeWithoutHttp, so the figure is admission, validation, defaulting, managed
// fields, storage and watch-event encoding, not sockets. Microseconds per request for a
// ConfigMap create, a custom object create, a status update and a merge patch.
#include <string>

#include "bench/bench.h"
#include "bench/widget_crd.h"
#include "kop/testing/apiserver.h"

namespace {

using Clock = std::chrono::steady_clock;


const std::map<std::string, std::string> kJson = {{"Content-Type", "application/json"},
                                                  {"User-Agent", "bench/1.0"}};
const std::map<std::string, std::string> kMerge = {{"Content-Type", "application/merge-patch+json"},
                                                   {"User-Agent", "bench/1.0"}};

std::string ConfigMap(int i) {
  return R"({"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"cm-)" + std::to_string(i) +
         R"(","labels":{"app":"bench"}},"data":{"payload":")" +
         std::string(200, 'x') + R"("}})";
}

std::string Widget(int i) {
  return R"({"apiVersion":"bench.kop.example.com/v1","kind":"Widget","metadata":{"name":"w-)" +
         std::to_string(i) + R"("},"spec":{"size":)" + std::to_string(i) + "}}";
}

// Runs `n` requests made by `make(i)`; microseconds per request. Aborts on an unexpected code.
template <typename Make>
double PerRequest(kop::testing::ApiServer& server, int n, int want, Make make) {
  const auto start = Clock::now();
  for (int i = 0; i < n; ++i) {
    auto [method, target, headers, body] = make(i);
    auto r = server.ServeWithoutHttp(method, target, headers, body);
    if (r.code != want) {
      std::cerr << method << " " << target << ": " << r.code << " " << r.body << "\n";
      std::abort();
    }
  }
  return kop::bench::SecondsSince(start) * 1e6 / n;
}

}  // namespace

int main() {
  kop::bench::Report report;
  auto server = kop::testing::ApiServer::Start();
  if (!server.ok()) return 1;
  auto crd = kop::Object::Parse(kop::bench::kWidgetCrd);
  if (!crd.ok() || !(*server)->Create(*crd).ok()) return 1;
  constexpr int kN = 20000;
  using Req = std::tuple<std::string, std::string, std::map<std::string, std::string>, std::string>;
  const std::string cms = "/api/v1/namespaces/default/configmaps";
  const std::string widgets = "/apis/bench.kop.example.com/v1/namespaces/default/widgets";

  double us = PerRequest(**server, kN, 201, [&](int i) { return Req{"POST", cms, kJson, ConfigMap(i)}; });
  report.Add("apiserver_request_us", us, "us", {{"request", "create configmap"}});
  us = PerRequest(**server, kN, 201, [&](int i) { return Req{"POST", widgets, kJson, Widget(i)}; });
  report.Add("apiserver_request_us", us, "us", {{"request", "create custom"}});
  us = PerRequest(**server, kN, 200, [&](int i) {
    const std::string name = "w-" + std::to_string(i);
    return Req{"PATCH", widgets + "/" + name + "/status", kMerge, R"({"status":{"observedGeneration":1}})"};
  });
  report.Add("apiserver_request_us", us, "us", {{"request", "patch status"}});
  us = PerRequest(**server, kN, 200, [&](int i) {
    return Req{"PATCH", cms + "/cm-" + std::to_string(i), kMerge, R"({"data":{"k":"v"}})"};
  });
  report.Add("apiserver_request_us", us, "us", {{"request", "patch configmap"}});
  return 0;
}
