#include "kop/health/health.h"

#include <grpcpp/create_channel.h>
#include <grpcpp/security/credentials.h>

#include <dlfcn.h>
#include <stdlib.h>

#include <atomic>

#include "catch2/catch.hpp"
#include "health.grpc.pb.h"
#include "support/http_client.h"
#include "support/wait.h"

namespace kop::health {
namespace {

using grpc::health::v1::Health;
using grpc::health::v1::HealthCheckRequest;
using grpc::health::v1::HealthCheckResponse;
using test::HttpClient;
using test::WaitFor;

HttpClient Http(int port) {
  test::ClusterAuth auth;
  auth.server = "http://127.0.0.1:" + std::to_string(port);
  return HttpClient(auth);
}

TEST_CASE("Checks run in order, skip exclusions and catch exceptions") {
  Checks checks;
  checks.AddReadyzCheck("db", [] { return absl::UnavailableError("down"); });
  checks.AddReadyzCheck("boom", []() -> absl::Status { throw std::runtime_error("bad"); });
  std::vector<Checks::Result> r = checks.Run(Checks::Kind::kReadyz);
  REQUIRE(r.size() == 4);
  REQUIRE(r[0].name == "ping");
  REQUIRE(r[1].name == "shutdown");
  REQUIRE(r[1].status.ok());
  REQUIRE(r[2].status.code() == absl::StatusCode::kUnavailable);
  REQUIRE(r[3].status.message().find("check threw: bad") != std::string::npos);
  REQUIRE(checks.Run(Checks::Kind::kReadyz, {"db", "boom"}).size() == 2);
  REQUIRE_FALSE(checks.Ready());
  REQUIRE(absl::IsNotFound(checks.RunOne(Checks::Kind::kReadyz, "nope")));
  REQUIRE(checks.Run(Checks::Kind::kHealthz).size() == 1);
}

TEST_CASE("HTTP probes answer like kube-apiserver's") {
  Checks checks;
  std::atomic<bool> synced{false};
  checks.AddReadyzCheck("informers-synced", [&] {
    return synced ? absl::OkStatus() : absl::UnavailableError("not synced");
  });
  auto server = HealthServer::Start({.http_address = "127.0.0.1:0"}, checks);
  REQUIRE(server.ok());
  HttpClient http = Http((*server)->http_port());

  SECTION("liveness passes; /livez is an alias") {
    REQUIRE(http.Get("/healthz").code == 200);
    REQUIRE(http.Get("/healthz").body == "ok");
    REQUIRE(http.Get("/livez").code == 200);
    test::HttpReply v = http.Get("/healthz?verbose");
    REQUIRE(v.code == 200);
    REQUIRE(v.body == "[+]ping ok\nhealthz check passed\n");
    REQUIRE(v.headers["content-type"] == "text/plain; charset=utf-8");
  }
  SECTION("readiness fails until synced, listing each check, then passes") {
    test::HttpReply r = http.Get("/readyz");
    REQUIRE(r.code == 503);
    REQUIRE(r.body == "[+]ping ok\n[+]shutdown ok\n[-]informers-synced failed: reason withheld\n"
                      "readyz check failed\n");
    REQUIRE(http.Get("/readyz/informers-synced").code == 503);
    REQUIRE(http.Get("/readyz/ping").code == 200);
    REQUIRE(http.Get("/readyz/nope").code == 404);
    test::HttpReply excluded = http.Get("/readyz?exclude=informers-synced&verbose");
    REQUIRE(excluded.code == 200);
    REQUIRE(excluded.body.find("[+]informers-synced excluded: ok") != std::string::npos);
    synced = true;
    REQUIRE(http.Get("/readyz").code == 200);
    REQUIRE(http.Get("/readyz").body == "ok");
    (*server)->SetShuttingDown();
    test::HttpReply down = http.Get("/readyz");
    REQUIRE(down.code == 503);
    REQUIRE(down.body.find("[-]shutdown failed") != std::string::npos);
    REQUIRE(http.Get("/healthz").code == 200);  // shutting down is not being dead
  }
  SECTION("only GET and HEAD") {
    REQUIRE(http.Request("POST", "/healthz", "text/plain", "").code == 405);
  }
}

TEST_CASE("a taken port is a clear error") {
  Checks checks;
  auto first = HealthServer::Start({.http_address = "127.0.0.1:0"}, checks);
  REQUIRE(first.ok());
  auto second = HealthServer::Start(
      {.http_address = "127.0.0.1:" + std::to_string((*first)->http_port())}, checks);
  REQUIRE_FALSE(second.ok());
  REQUIRE(second.status().message().find("health probes cannot listen") != std::string::npos);
}

TEST_CASE("a gRPC probe without its module is a clear error naming where it looked") {
  // The module is loaded on the first gRPC probe; this process has not loaded it yet.
  setenv("KOP_GRPC_HEALTH_MODULE", "/nonexistent/libkop_health_grpc.so", 1);
  Checks checks;
  auto server = HealthServer::Start({.http_address = "0", .grpc_address = "127.0.0.1:0"}, checks);
  unsetenv("KOP_GRPC_HEALTH_MODULE");
  REQUIRE_FALSE(server.ok());
  CHECK(server.status().code() == absl::StatusCode::kUnavailable);
  CHECK(server.status().message().find("libkop_health_grpc.so") != std::string::npos);
  CHECK(server.status().message().find("/nonexistent/libkop_health_grpc.so: no such file") != std::string::npos);
}

TEST_CASE("HTTP probes alone never load gRPC") {
  Checks checks;
  auto server = HealthServer::Start({.http_address = "127.0.0.1:0"}, checks);
  REQUIRE(server.ok());
  CHECK(dlopen("libkop_health_grpc.so", RTLD_NOLOAD | RTLD_NOW) == nullptr);
  CHECK(dlopen(KOP_GRPC_HEALTH_MODULE_PATH, RTLD_NOLOAD | RTLD_NOW) == nullptr);
}

TEST_CASE("grpc.health.v1.Health mirrors readiness and turns NOT_SERVING on shutdown") {
  Checks checks;
  std::atomic<bool> synced{false};
  checks.AddReadyzCheck("informers-synced", [&] {
    return synced ? absl::OkStatus() : absl::UnavailableError("not synced");
  });
  auto server = HealthServer::Start({.http_address = "0",
                                     .grpc_address = "127.0.0.1:0",
                                     .grpc_refresh_period = std::chrono::milliseconds(50)},
                                    checks);
  REQUIRE(server.ok());
  REQUIRE((*server)->http_port() == 0);
  REQUIRE((*server)->grpc_port() > 0);
  auto channel = grpc::CreateChannel("127.0.0.1:" + std::to_string((*server)->grpc_port()),
                                     grpc::InsecureChannelCredentials());
  std::unique_ptr<Health::Stub> stub = Health::NewStub(channel);
  auto check = [&](const std::string& service) {
    grpc::ClientContext ctx;
    ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(5));
    HealthCheckRequest req;
    req.set_service(service);
    HealthCheckResponse resp;
    grpc::Status s = stub->Check(&ctx, req, &resp);
    return std::make_pair(s, resp.status());
  };

  auto [s0, st0] = check("");
  REQUIRE(s0.ok());
  REQUIRE(st0 == HealthCheckResponse::NOT_SERVING);
  REQUIRE(check("unknown.Service").first.error_code() == grpc::StatusCode::NOT_FOUND);

  // A watcher sees every change as it happens.
  grpc::ClientContext watch_ctx;
  HealthCheckRequest watch_req;
  auto reader = stub->Watch(&watch_ctx, watch_req);
  HealthCheckResponse update;
  REQUIRE(reader->Read(&update));
  REQUIRE(update.status() == HealthCheckResponse::NOT_SERVING);

  synced = true;
  (*server)->Refresh();
  REQUIRE(reader->Read(&update));
  REQUIRE(update.status() == HealthCheckResponse::SERVING);
  REQUIRE(check("").second == HealthCheckResponse::SERVING);

  (*server)->SetShuttingDown();
  REQUIRE(reader->Read(&update));
  REQUIRE(update.status() == HealthCheckResponse::NOT_SERVING);
  REQUIRE(check("").second == HealthCheckResponse::NOT_SERVING);
  watch_ctx.TryCancel();
  reader->Finish();
}

}  // namespace
}  // namespace kop::health
