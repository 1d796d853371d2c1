// Metrics and probes of a running Manager, scraped over HTTP and gRPC as Prometheus and
// kubelet would (embedded API server, or a real cluster with KOP_TEST_KUBECONFIG).
#include <grpcpp/create_channel.h>
#include <grpcpp/security/credentials.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <regex>

#include "catch2/catch.hpp"
#include "health.grpc.pb.h"
#include "kop/manager/manager.h"
#include "kop/metrics/metrics.h"
#include "support/client_env.h"
#include "support/cluster.h"
#include "support/wait.h"

namespace kop {
namespace {

using grpc::health::v1::Health;
using grpc::health::v1::HealthCheckRequest;
using grpc::health::v1::HealthCheckResponse;
using std::chrono::seconds;
using test::TestCluster;
using test::WaitFor;

// Succeeds for "ok-*", fails once then succeeds for "flaky-*", always fails for "bad-*",
// and blocks "slow-*" until released.
class Scripted final : public Reconciler {
 public:
  absl::StatusOr<Result> Reconcile(const Request& req, ReconcileContext&) override {
    const std::string& name = req.key.name;
    if (name.rfind("flaky-", 0) == 0 && flaky_attempts.fetch_add(1) == 0) {
      return absl::UnavailableError("first attempt fails");
    }
    if (name.rfind("bad-", 0) == 0) return absl::InvalidArgumentError("always fails");
    if (name.rfind("slow-", 0) == 0) {
      kop::MutexLock lock(&mu);
      slow_running = true;
      while (!release) cv.Wait(&mu);
    }
    return Result{};
  }
  std::atomic<int> flaky_attempts{0};
  kop::Mutex mu;
  kop::CondVar cv;
  bool slow_running ABSL_GUARDED_BY(mu) = false;
  bool release ABSL_GUARDED_BY(mu) = false;
};

test::HttpClient Http(int port) {
  test::ClusterAuth auth;
  auth.server = "http://127.0.0.1:" + std::to_string(port);
  return test::HttpClient(auth);
}

// The value of the sample `series` ("name{labels}") in exposition text; -1 when absent.
double Sample(const std::string& text, const std::string& series) {
  size_t at = 0;
  while ((at = text.find(series + " ", at)) != std::string::npos) {
    if (at == 0 || text[at - 1] == '\n') return std::strtod(text.c_str() + at + series.size() + 1, nullptr);
    at += series.size();
  }
  return -1;
}

HealthCheckResponse::ServingStatus GrpcStatus(int port) {
  auto stub = Health::NewStub(grpc::CreateChannel("127.0.0.1:" + std::to_string(port),
                                                  grpc::InsecureChannelCredentials()));
  grpc::ClientContext ctx;
  ctx.set_deadline(std::chrono::system_clock::now() + seconds(5));
  HealthCheckRequest req;
  HealthCheckResponse resp;
  if (!stub->Check(&ctx, req, &resp).ok()) return HealthCheckResponse::UNKNOWN;
  return resp.status();
}

// promtool from Debian's prometheus package, when installed.
std::string Promtool() {
  for (const char* p : {"/usr/bin/promtool", "/usr/local/bin/promtool"}) {
    if (std::ifstream(p).good()) return p;
  }
  return "";
}

TEST_CASE("a running manager exports controller-runtime's metrics and kube-style probes") {
  TestCluster c;
  if (c.embedded() != nullptr) {
    // The first lists fail, so the caches take a while to sync: readiness must say so.
    c.embedded()->FailRequests({.verb = "list", .path = "configmaps", .code = 500, .count = 2});
  }
  auto manager = Manager::Create({.name = "observed", .config = test::ClientConfig(c),
                                  .namespaces = {c.ns()}, .graceful_shutdown_timeout = seconds(20),
                                  .metrics_bind_address = "127.0.0.1:0",
                                  .health_probe_bind_address = "127.0.0.1:0",
                                  .grpc_health_bind_address = "127.0.0.1:0"});
  REQUIRE(manager.ok());
  Manager& m = **manager;
  auto reconciler = std::make_unique<Scripted>();
  Scripted& scripted = *reconciler;
  REQUIRE(ControllerBuilder(m).Named("cm").For({"", "v1", "ConfigMap"})
              .WithOptions({.max_concurrent_reconciles = 2})
              .Complete(std::move(reconciler)).ok());
  auto& custom = prometheus::BuildCounter().Name("observed_custom_total").Help("A user metric.")
                     .Register(*m.metrics().registry()).Add({{"kind", "demo"}});

  std::stop_source stop;
  absl::Status run_status;
  std::thread run([&] { run_status = m.Start(stop.get_token()); });

  REQUIRE(WaitFor([&] { return m.health_port() > 0 && m.grpc_health_port() > 0; }));
  test::HttpClient health = Http(m.health_port());
  if (c.embedded() != nullptr) {
    test::HttpReply before = health.Get("/readyz?verbose");
    CHECK(before.code == 503);
    CHECK(before.body.find("[-]informers-synced failed") != std::string::npos);
  }
  REQUIRE(WaitFor([&] { return health.Get("/readyz").code == 200; }, seconds(30)));
  REQUIRE(health.Get("/healthz").code == 200);
  REQUIRE(WaitFor([&] { return GrpcStatus(m.grpc_health_port()) == HealthCheckResponse::SERVING; }));

  auto client = test::ConnectClient(c);
  auto cms = client->Resource({"", "v1", "configmaps"}, true).Namespace(c.ns());
  for (const char* name : {"ok-1", "flaky-1", "bad-1"}) {
    REQUIRE(cms.Create(Object::New({"", "v1", "ConfigMap"}, {c.ns(), name})).ok());
  }
  custom.Increment();

  test::HttpClient scrape = Http(m.metrics_port());
  std::string text;
  REQUIRE(WaitFor([&] {
    text = scrape.Get("/metrics").body;
    return Sample(text, R"(controller_runtime_reconcile_total{controller="cm",result="success"})") >= 2 &&
           Sample(text, R"(controller_runtime_reconcile_total{controller="cm",result="error"})") >= 2 &&
           Sample(text, R"(workqueue_retries_total{controller="cm",name="cm"})") >= 2;
  }, seconds(20)));
  INFO(text);
  CHECK(Sample(text, R"(controller_runtime_reconcile_total{controller="cm",result="requeue"})") == 0);
  CHECK(Sample(text, R"(controller_runtime_reconcile_total{controller="cm",result="requeue_after"})") == 0);
  CHECK(Sample(text, R"(controller_runtime_reconcile_errors_total{controller="cm"})") >= 2);
  CHECK(Sample(text, R"(controller_runtime_terminal_reconcile_errors_total{controller="cm"})") == 0);
  CHECK(Sample(text, R"(controller_runtime_reconcile_panics_total{controller="cm"})") == 0);
  CHECK(Sample(text, R"(controller_runtime_max_concurrent_reconciles{controller="cm"})") == 2);
  CHECK(Sample(text, R"(controller_runtime_active_workers{controller="cm"})") >= 0);
  CHECK(Sample(text, R"(controller_runtime_reconcile_time_seconds_count{controller="cm"})") >= 4);
  CHECK(Sample(text, R"(controller_runtime_reconcile_time_seconds_bucket{controller="cm",le="60"})") >= 4);
  CHECK(Sample(text, R"(workqueue_adds_total{controller="cm",name="cm"})") >= 3);
  CHECK(Sample(text, R"(workqueue_depth{controller="cm",name="cm"})") >= 0);
  CHECK(text.find(R"(workqueue_queue_duration_seconds_bucket{controller="cm",name="cm",le="1e-08"})") != std::string::npos);
  CHECK(text.find(R"(workqueue_unfinished_work_seconds{controller="cm",name="cm"})") != std::string::npos);
  CHECK(text.find(R"(workqueue_longest_running_processor_seconds{controller="cm",name="cm"})") != std::string::npos);
  CHECK(std::regex_search(text, std::regex(R"re(rest_client_requests_total\{code="200",host="[^"]+",method="GET"\} [1-9])re")));
  CHECK(std::regex_search(text, std::regex(R"re(rest_client_request_duration_seconds_count\{host="[^"]+",verb="GET"\} [1-9])re")));
  CHECK(Sample(text, R"(kop_informer_objects{resource="configmaps.v1"})") >= 3);
  CHECK(Sample(text, R"(kop_informer_events_total{resource="configmaps.v1",type="added"})") >= 3);
  CHECK(Sample(text, R"(kop_informer_lists_total{resource="configmaps.v1"})") >= 1);
  CHECK(Sample(text, R"(observed_custom_total{kind="demo"})") == 1);
  CHECK(Sample(text, "process_resident_memory_bytes") > 0);
  CHECK(Sample(text, "process_cpu_seconds_total") >= 0);
  CHECK(Sample(text, "process_open_fds") > 0);
  CHECK(Sample(text, "process_start_time_seconds") > 1.6e9);

  if (const std::string promtool = Promtool(); !promtool.empty()) {
    const std::string path = "/tmp/kop-metrics-" + std::to_string(getpid()) + ".txt";
    std::ofstream(path) << text;
    const std::string cmd = promtool + " check metrics < " + path + " > " + path + ".out 2>&1";
    const int rc = std::system(cmd.c_str());
    std::ifstream out(path + ".out");
    std::string complaints((std::istreambuf_iterator<char>(out)), std::istreambuf_iterator<char>());
    INFO(complaints);
    CHECK(rc == 0);
    std::remove(path.c_str());
    std::remove((path + ".out").c_str());
  } else {
    WARN("promtool not installed (Debian package prometheus): exposition not linted");
  }

  // Shutdown with a reconcile in flight: readiness and gRPC turn at once, before it ends.
  REQUIRE(cms.Create(Object::New({"", "v1", "ConfigMap"}, {c.ns(), "slow-1"})).ok());
  REQUIRE(WaitFor([&] {
    kop::MutexLock lock(&scripted.mu);
    return scripted.slow_running;
  }));
  stop.request_stop();
  CHECK(WaitFor([&] { return health.Get("/readyz").code == 503; }));
  CHECK(WaitFor([&] { return GrpcStatus(m.grpc_health_port()) == HealthCheckResponse::NOT_SERVING; }));
  {
    kop::MutexLock lock(&scripted.mu);
    scripted.release = true;
    scripted.cv.SignalAll();
  }
  run.join();
  REQUIRE(run_status.ok());
}

TEST_CASE("the manager rejects a malformed bind address when it is created") {
  TestCluster c;
  auto manager = Manager::Create({.config = test::ClientConfig(c), .metrics_bind_address = "localhost"});
  REQUIRE_FALSE(manager.ok());
  REQUIRE(manager.status().message().find("\"localhost\" has no port") != std::string::npos);
}

}  // namespace
}  // namespace kop
