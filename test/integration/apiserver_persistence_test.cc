// The embedded API server with a data dir: what it held before it stopped is there after it
// starts again, resource versions continue and watches resume. Embedded only (a real cluster
// keeps its state in etcd).
#include <filesystem>

#include "catch2/catch.hpp"
#include "integration/conformance_helpers.h"
#include "kop/testing/apiserver.h"
#include "support/http_client.h"

namespace kop::test {
namespace {

struct Dir {
  std::string path = (std::filesystem::temp_directory_path() /
                      ("kop-data-" + std::to_string(::getpid()) + "-" + std::to_string(std::rand())))
                         .string();
  ~Dir() { std::filesystem::remove_all(path); }
};

HttpClient ClientFor(const kop::testing::ApiServer& s) { return HttpClient(ClusterAuth{.server = s.url()}); }

TEST_CASE("a data dir keeps objects, CRDs and resource versions across restarts [embedded-only]") {
  Dir dir;
  std::string rv_before;
  std::string last_rv;
  {
    auto server = kop::testing::ApiServer::Start({.data_dir = dir.path});
    REQUIRE(server.ok());
    HttpClient http = ClientFor(**server);
    rv_before = http.Get("/api/v1/namespaces/default/configmaps").json()["metadata"]["resourceVersion"];
    for (int i = 0; i < 5; ++i) {
      REQUIRE(http.Post("/api/v1/namespaces/default/configmaps", ConfigMapJson("cm" + std::to_string(i), {{"i", std::to_string(i)}})).code == 201);
    }
    HttpReply updated = http.Patch("/api/v1/namespaces/default/configmaps/cm1", "application/merge-patch+json",
                                   R"({"data":{"i":"one"}})");
    REQUIRE(updated.code == 200);
    REQUIRE(http.Delete("/api/v1/namespaces/default/configmaps/cm2").code == 200);
    last_rv = http.Get("/api/v1/namespaces/default/configmaps").json()["metadata"]["resourceVersion"];
  }
  auto server = kop::testing::ApiServer::Start({.data_dir = dir.path});
  REQUIRE(server.ok());
  HttpClient http = ClientFor(**server);
  const Json list = http.Get("/api/v1/namespaces/default/configmaps").json();
  CHECK(list["items"].size() == 4);
  CHECK(http.Get("/api/v1/namespaces/default/configmaps/cm1").json()["data"]["i"] == "one");
  CHECK(http.Get("/api/v1/namespaces/default/configmaps/cm2").code == 404);
  CHECK(list["metadata"]["resourceVersion"] == last_rv);
  HttpReply next = http.Post("/api/v1/namespaces/default/configmaps", ConfigMapJson("later"));
  REQUIRE(next.code == 201);
  CHECK(std::stoull(next.json()["metadata"]["resourceVersion"].get<std::string>()) > std::stoull(last_rv));

  // A watch from before the restart replays what happened since.
  auto w = http.Watch("/api/v1/namespaces/default/configmaps?watch=true&resourceVersion=" + rv_before);
  std::vector<std::string> seen;
  while (seen.size() < 8) {
    std::optional<Json> e = w->Next(std::chrono::seconds(10));
    REQUIRE(e.has_value());
    REQUIRE((*e)["type"] != "ERROR");
    seen.push_back((*e)["type"].get<std::string>() + " " + (*e)["object"]["metadata"]["name"].get<std::string>());
  }
  CHECK(seen == std::vector<std::string>{"ADDED cm0", "ADDED cm1", "ADDED cm2", "ADDED cm3", "ADDED cm4",
                                         "MODIFIED cm1", "DELETED cm2", "ADDED later"});
}

TEST_CASE("an unusable data dir fails the start with a message naming it [embedded-only]") {
  auto server = kop::testing::ApiServer::Start({.data_dir = "/proc/kop-cannot-write-here"});
  REQUIRE_FALSE(server.ok());
  CHECK(server.status().message().find("/proc/kop-cannot-write-here") != std::string_view::npos);
}

}  // namespace
}  // namespace kop::test
