// The libcurl transport against a scripted local HTTP server: headers it sends, answers it
// retries (Retry-After, dropped connections of idempotent requests) and those it does not,
// and streams.
#include "kop/client/transport.h"

#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include "catch2/catch.hpp"
#include "kop/base/mutex.h"
#include "support/raw_http_server.h"

namespace kop::client {
namespace {

using kop::test::RawHttpServer;
using namespace std::chrono_literals;

std::unique_ptr<Transport> Connect(const RawHttpServer& server, const std::string& token = "") {
  Config c;
  c.server = server.url();
  c.token = token;
  c.qps = 0;
  c.user_agent = "unit-test/1.0";
  absl::StatusOr<std::unique_ptr<Transport>> t = Transport::Create(c);
  REQUIRE(t.ok());
  return std::move(*t);
}

TEST_CASE("transport: a request carries its method, path, body and credentials", "[transport]") {
  RawHttpServer server;
  server.Respond(201, R"({"ok":true})", {"X-Extra: 1"});
  auto t = Connect(server, "s3cret");
  absl::StatusOr<HttpResponse> r = t->Do({.method = "POST", .path = "/api/v1/namespaces/a/configmaps?dryRun=All",
                                          .body = R"({"kind":"ConfigMap"})", .content_type = "application/json"});
  REQUIRE(r.ok());
  CHECK(r->code == 201);
  CHECK(r->body == R"({"ok":true})");
  CHECK(r->headers.at("x-extra") == "1");
  const std::vector<RawHttpServer::Request> seen = server.requests();
  REQUIRE(seen.size() == 1);
  CHECK(seen[0].method == "POST");
  CHECK(seen[0].path == "/api/v1/namespaces/a/configmaps?dryRun=All");
  CHECK(seen[0].body == R"({"kind":"ConfigMap"})");
  CHECK(seen[0].headers.at("authorization") == "Bearer s3cret");
  CHECK(seen[0].headers.at("content-type") == "application/json");
  CHECK(seen[0].headers.at("accept") == "application/json");
  CHECK(seen[0].headers.at("user-agent") == "unit-test/1.0");
}

TEST_CASE("transport: 429 with Retry-After is retried; an error without it is the answer", "[transport]") {
  RawHttpServer server;
  server.Respond(429, R"({"kind":"Status","code":429})", {"Retry-After: 0"});
  server.Respond(200, R"({"kind":"ConfigMap"})");
  server.Respond(503, R"({"kind":"Status","code":503})");
  auto t = Connect(server);
  absl::StatusOr<HttpResponse> first = t->Do({.path = "/api/v1/configmaps"});
  REQUIRE(first.ok());
  CHECK(first->code == 200);
  CHECK(server.requests().size() == 2);
  absl::StatusOr<HttpResponse> second = t->Do({.path = "/api/v1/configmaps"});
  REQUIRE(second.ok());
  CHECK(second->code == 503);  // HTTP errors are answers for the caller to map
  CHECK(server.requests().size() == 3);
}

TEST_CASE("transport: a dropped connection is retried for GET, never for POST", "[transport]") {
  RawHttpServer server;
  server.Drop();
  server.Respond(200, "{}");
  auto t = Connect(server);
  absl::StatusOr<HttpResponse> get = t->Do({.path = "/api/v1/pods"});
  REQUIRE(get.ok());
  CHECK(get->code == 200);
  CHECK(server.requests().size() == 2);

  // On a fresh connection: libcurl itself resends a request whose reused connection died
  // before any answer (the server may have closed an idle connection), as Go's client does
  // when the request was not written.
  server.Drop();
  auto fresh = Connect(server);
  absl::StatusOr<HttpResponse> post = fresh->Do({.method = "POST", .path = "/api/v1/namespaces/a/pods", .body = "{}",
                                             .content_type = "application/json"});
  CHECK_FALSE(post.ok());
  CHECK(post.status().message().find("POST") != std::string::npos);
  CHECK(server.requests().size() == 3);  // once: a create may have happened
}

// Collects a stream's pieces and its end.
struct Collected {
  kop::Mutex mu;
  kop::CondVar cv;
  std::string body;
  bool done = false;
  absl::Status status;
  bool WaitDone() {
    const auto deadline = std::chrono::steady_clock::now() + 10s;
    kop::MutexLock lock(&mu);
    while (!done) {
      if (!cv.WaitUntil(&mu, deadline)) return done;
    }
    return true;
  }
};

TEST_CASE("transport: a stream delivers the body as it comes, then its end", "[transport]") {
  RawHttpServer server;
  server.RespondChunked(200, {R"({"type":"ADDED"})" "\n", R"({"type":"MODIFIED"})" "\n"});
  server.Respond(403, R"({"kind":"Status","apiVersion":"v1","status":"Failure","reason":"Forbidden","code":403,"message":"no"})");
  auto t = Connect(server);
  for (int round = 0; round < 2; ++round) {
    Collected c;
    std::unique_ptr<Stream> s = t->OpenStream(
        {.path = "/api/v1/pods?watch=true"},
        [&](std::string_view bytes) {
          kop::MutexLock lock(&c.mu);
          c.body.append(bytes);
          return true;
        },
        [&](absl::Status st) {
          kop::MutexLock lock(&c.mu);
          c.status = std::move(st);
          c.done = true;
          c.cv.SignalAll();
        });
    REQUIRE(c.WaitDone());
    kop::MutexLock lock(&c.mu);
    if (round == 0) {
      CHECK(c.status.ok());
      CHECK(c.body == "{\"type\":\"ADDED\"}\n{\"type\":\"MODIFIED\"}\n");
    } else {
      CHECK(absl::IsPermissionDenied(c.status));  // the 403's Status, not its body as data
      CHECK(c.body.empty());
    }
  }
}

TEST_CASE("transport: a bad configuration is refused when it is made", "[transport]") {
  Config c;
  c.server = "ftp://example.com";
  CHECK_FALSE(Transport::Create(c).ok());
  c.server = "https://127.0.0.1:1";
  c.ca_pem = "not a certificate";
  absl::StatusOr<std::unique_ptr<Transport>> bad_ca = Transport::Create(c);
  CHECK(absl::IsInvalidArgument(bad_ca.status()));
  CHECK(bad_ca.status().message().find("certificate authority") != std::string::npos);
  c.ca_pem.clear();
  c.client_cert_pem = "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n";
  c.client_key_pem = "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n";  // not a key
  absl::StatusOr<std::unique_ptr<Transport>> bad_key = Transport::Create(c);
  CHECK(absl::IsInvalidArgument(bad_key.status()));
  CHECK(bad_key.status().message().find("client key") != std::string::npos);
}

}  // namespace
}  // namespace kop::client
