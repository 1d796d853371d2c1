// kop's HTTP servers answer the same whatever files the host has. The HTTP library they are
// built on looks for a password file named after each request's path (/.htpasswd when no
// document root is set) and, when one exists, demands digest credentials for every request.
//
// These tests create /.htpasswd for a moment, so they run alone (RUN_SERIAL): a server of
// another library in a test running beside them could be affected. Where the file cannot be
// created (not root, or one is there already) they say so and check nothing.
#include <fcntl.h>
#include <unistd.h>

#include <string>

#include "catch2/catch.hpp"
#include "kop/health/health.h"
#include "kop/testing/apiserver.h"
#include "support/http_client.h"

namespace kop {
namespace {

constexpr char kPasswordFile[] = "/.htpasswd";

// Creates the password file and removes it again.
class HostPasswordFile {
 public:
  HostPasswordFile() {
    const int fd = open(kPasswordFile, O_WRONLY | O_CREAT | O_EXCL, 0600);
    if (fd < 0) return;
    const std::string line = "someone:somewhere:0123456789abcdef0123456789abcdef\n";
    created_ = write(fd, line.data(), line.size()) == static_cast<ssize_t>(line.size());
    close(fd);
    if (!created_) unlink(kPasswordFile);
  }
  ~HostPasswordFile() {
    if (created_) unlink(kPasswordFile);
  }
  HostPasswordFile(const HostPasswordFile&) = delete;
  HostPasswordFile& operator=(const HostPasswordFile&) = delete;
  bool created() const { return created_; }

 private:
  bool created_ = false;
};

test::HttpClient ClientAt(std::string server) {
  return test::HttpClient(test::ClusterAuth{.server = std::move(server)});
}

TEST_CASE("a /.htpasswd on the host does not make the embedded API server ask for credentials") {
  HostPasswordFile file;
  if (!file.created()) {
    WARN("cannot create /.htpasswd here (not root, or it exists): nothing checked");
    return;
  }
  auto server = testing::ApiServer::Start({});
  REQUIRE(server.ok());
  test::HttpClient http = ClientAt((*server)->url());
  const test::HttpReply namespaces = http.Get("/api/v1/namespaces");
  CHECK(namespaces.code == 200);
  CHECK(namespaces.headers.count("www-authenticate") == 0);
  CHECK(http.Get("/version").code == 200);
}

TEST_CASE("a /.htpasswd on the host does not make the health probes ask for credentials") {
  HostPasswordFile file;
  if (!file.created()) {
    WARN("cannot create /.htpasswd here (not root, or it exists): nothing checked");
    return;
  }
  health::Checks checks;
  auto probes = health::HealthServer::Start({.http_address = "127.0.0.1:0"}, checks);
  REQUIRE(probes.ok());
  test::HttpClient http = ClientAt("http://127.0.0.1:" + std::to_string((*probes)->http_port()));
  CHECK(http.Get("/healthz").code == 200);
  CHECK(http.Get("/readyz").code == 200);
}

}  // namespace
}  // namespace kop
