#include "kop/client/internal/credentials.h"

#include <sys/stat.h>

#include <filesystem>
#include <fstream>

#include "catch2/catch.hpp"

namespace kop::client::internal {
namespace {

struct Script {
  explicit Script(const std::string& body) {
    char tmpl[] = "/tmp/kop-exec-XXXXXX";
    dir = mkdtemp(tmpl);
    path = dir + "/plugin.sh";
    std::ofstream(path) << "#!/bin/sh\n" << body;
    chmod(path.c_str(), 0755);
  }
  ~Script() { std::filesystem::remove_all(dir); }
  std::string dir;
  std::string path;
};

Config ExecConfigFor(const std::string& command) {
  Config c;
  c.server = "https://cluster.example.com";
  c.exec = ExecConfig{.api_version = "client.authentication.k8s.io/v1", .command = command};
  return c;
}

TEST_CASE("an exec plugin's token is used and cached until it expires") {
  Script plugin(R"(echo run >> "$(dirname "$0")/runs"
printf '{"apiVersion":"client.authentication.k8s.io/v1","kind":"ExecCredential","status":{"token":"t-%s","expirationTimestamp":"2999-01-01T00:00:00Z"}}' "$REGION"
)");
  Config c = ExecConfigFor(plugin.path);
  c.exec->env = {{"REGION", "eu"}};
  Credentials creds(c);
  auto first = creds.Get();
  REQUIRE(first.ok());
  CHECK(first->authorization == "Bearer t-eu");
  REQUIRE(creds.Get().ok());
  std::ifstream runs(plugin.dir + "/runs");
  std::string line;
  int count = 0;
  while (std::getline(runs, line)) ++count;
  CHECK(count == 1);  // cached
}

TEST_CASE("an expired exec credential is fetched again, and so is one invalidated by a 401") {
  Script plugin(R"(echo run >> "$(dirname "$0")/runs"
printf '{"apiVersion":"client.authentication.k8s.io/v1","kind":"ExecCredential","status":{"token":"t","expirationTimestamp":"2000-01-01T00:00:00Z"}}'
)");
  Credentials creds(ExecConfigFor(plugin.path));
  REQUIRE(creds.Get().ok());
  REQUIRE(creds.Get().ok());
  creds.Invalidate();
  REQUIRE(creds.Get().ok());
  std::ifstream runs(plugin.dir + "/runs");
  std::string line;
  int count = 0;
  while (std::getline(runs, line)) ++count;
  CHECK(count == 3);
}

TEST_CASE("the plugin receives KUBERNETES_EXEC_INFO") {
  Script plugin(R"(case "$KUBERNETES_EXEC_INFO" in
  *'"kind":"ExecCredential"'*'cluster.example.com'*) t=ok ;;
  *) t=missing ;;
esac
printf '{"apiVersion":"client.authentication.k8s.io/v1","kind":"ExecCredential","status":{"token":"%s"}}' "$t"
)");
  Config c = ExecConfigFor(plugin.path);
  c.exec->provide_cluster_info = true;
  CHECK(Credentials(c).Get()->authorization == "Bearer ok");
}

TEST_CASE("a failing or misbehaving plugin is an error naming it and its stderr") {
  Script fails("echo 'login required' >&2; exit 3\n");
  auto s = Credentials(ExecConfigFor(fails.path)).Get();
  REQUIRE_FALSE(s.ok());
  CHECK(s.status().message().find("exit 3") != std::string_view::npos);
  CHECK(s.status().message().find("login required") != std::string_view::npos);

  Script garbage("echo not json\n");
  CHECK(Credentials(ExecConfigFor(garbage.path)).Get().status().message().find("not an ExecCredential") !=
        std::string_view::npos);

  Script wrong_version(R"(printf '{"apiVersion":"client.authentication.k8s.io/v1beta1","kind":"ExecCredential","status":{"token":"x"}}')" "\n");
  CHECK_FALSE(Credentials(ExecConfigFor(wrong_version.path)).Get().ok());

  auto missing = Credentials(ExecConfigFor("/nonexistent/kop-plugin")).Get();
  CHECK(absl::IsNotFound(missing.status()));
}

TEST_CASE("a token file is re-read when it changes") {
  Script holder("");
  const std::string token_path = holder.dir + "/token";
  std::ofstream(token_path) << "first\n";
  Config c;
  c.server = "https://x";
  c.token_file = token_path;
  Credentials creds(c);
  CHECK(creds.Get()->authorization == "Bearer first");
  std::ofstream(token_path) << "second\n";
  // Bump the modification time explicitly: two writes within one clock tick look the same.
  std::filesystem::last_write_time(token_path, std::filesystem::file_time_type::clock::now() +
                                                   std::chrono::seconds(5));
  creds.Invalidate();  // as after a 401, so the test does not wait for the periodic recheck
  CHECK(creds.Get()->authorization == "Bearer second");
}

TEST_CASE("basic auth and static tokens are sent as configured") {
  Config basic;
  basic.username = "admin";
  basic.password = "secret";
  CHECK(Credentials(basic).Get()->authorization == "Basic YWRtaW46c2VjcmV0");
  Config token;
  token.token = "abc";
  CHECK(Credentials(token).Get()->authorization == "Bearer abc");
}

}  // namespace
}  // namespace kop::client::internal
