// Watch: initial state, resume from a resourceVersion, 410 Expired, bookmarks, timeouts,
// selector transitions; and (embedded server only) injected faults.
#include "catch2/catch.hpp"
#include "integration/conformance_helpers.h"
#include "support/cluster.h"
#include "support/wait.h"

namespace kop::test {
namespace {

using std::chrono::seconds;

std::string Rv(const Json& obj) { return obj["metadata"]["resourceVersion"]; }

// The next event that is not a BOOKMARK.
std::optional<Json> NextChange(WatchStream& w) {
  while (std::optional<Json> e = w.Next()) {
    if ((*e)["type"] != "BOOKMARK") return e;
  }
  return std::nullopt;
}

TEST_CASE("a watch from resourceVersion 0 starts with ADDED for existing objects, then changes") {
  TestCluster c;
  c.http().Post(CorePath(c.ns(), "configmaps"), ConfigMapJson("a"));
  auto w = c.http().Watch(CorePath(c.ns(), "configmaps") + "?watch=true&resourceVersion=0");
  std::optional<Json> added = NextChange(*w);
  REQUIRE(added.has_value());
  CHECK((*added)["type"] == "ADDED");
  CHECK((*added)["object"]["metadata"]["name"] == "a");
  CHECK((*added)["object"]["kind"] == "ConfigMap");
  c.http().Patch(CorePath(c.ns(), "configmaps", "a"), "application/merge-patch+json", R"({"data":{"x":"1"}})");
  std::optional<Json> modified = NextChange(*w);
  REQUIRE(modified.has_value());
  CHECK((*modified)["type"] == "MODIFIED");
  CHECK((*modified)["object"]["data"]["x"] == "1");
  c.http().Delete(CorePath(c.ns(), "configmaps", "a"));
  std::optional<Json> deleted = NextChange(*w);
  REQUIRE(deleted.has_value());
  CHECK((*deleted)["type"] == "DELETED");
  CHECK((*deleted)["object"]["metadata"]["name"] == "a");
}

TEST_CASE("a watch from a list's resourceVersion sees every later change exactly once, in order") {
  TestCluster c;
  c.http().Post(CorePath(c.ns(), "configmaps"), ConfigMapJson("before"));
  const std::string rv = c.http().Get(CorePath(c.ns(), "configmaps")).json()["metadata"]["resourceVersion"];
  std::vector<std::string> expected;
  for (int i = 0; i < 5; ++i) {
    Json created = c.http().Post(CorePath(c.ns(), "configmaps"), ConfigMapJson("after-" + std::to_string(i))).json();
    expected.push_back(Rv(created));
  }
  auto w = c.http().Watch(CorePath(c.ns(), "configmaps") + "?watch=true&resourceVersion=" + rv);
  for (const std::string& want : expected) {
    std::optional<Json> e = NextChange(*w);
    REQUIRE(e.has_value());
    CHECK((*e)["type"] == "ADDED");
    CHECK(Rv((*e)["object"]) == want);
  }
  c.http().Post(CorePath(c.ns(), "configmaps"), ConfigMapJson("live"));
  std::optional<Json> live = NextChange(*w);
  REQUIRE(live.has_value());
  CHECK((*live)["object"]["metadata"]["name"] == "live");
}

TEST_CASE("watch label selectors send objects leaving the selection as DELETED and entering as ADDED") {
  TestCluster c;
  c.http().Post(CorePath(c.ns(), "configmaps"), ConfigMapJson("a", {}, {{"app", "web"}}));
  const std::string rv = c.http().Get(CorePath(c.ns(), "configmaps")).json()["metadata"]["resourceVersion"];
  auto w = c.http().Watch(CorePath(c.ns(), "configmaps") + "?watch=true&labelSelector=app%3Dweb&resourceVersion=" + rv);
  c.http().Patch(CorePath(c.ns(), "configmaps", "a"), "application/merge-patch+json",
                 R"({"metadata":{"labels":{"app":"other"}}})");
  std::optional<Json> left = NextChange(*w);
  REQUIRE(left.has_value());
  CHECK((*left)["type"] == "DELETED");
  CHECK((*left)["object"]["metadata"]["name"] == "a");
  c.http().Patch(CorePath(c.ns(), "configmaps", "a"), "application/merge-patch+json",
                 R"({"metadata":{"labels":{"app":"web"}}})");
  std::optional<Json> entered = NextChange(*w);
  REQUIRE(entered.has_value());
  CHECK((*entered)["type"] == "ADDED");
  // Objects outside the selection are never sent.
  c.http().Post(CorePath(c.ns(), "configmaps"), ConfigMapJson("other", {}, {{"app", "db"}}));
  c.http().Post(CorePath(c.ns(), "configmaps"), ConfigMapJson("b", {}, {{"app", "web"}}));
  std::optional<Json> next = NextChange(*w);
  REQUIRE(next.has_value());
  CHECK((*next)["object"]["metadata"]["name"] == "b");
}

TEST_CASE("timeoutSeconds ends the watch") {
  TestCluster c;
  auto w = c.http().Watch(CorePath(c.ns(), "configmaps") + "?watch=true&timeoutSeconds=1");
  CHECK(w->WaitEnded(seconds(15)));
  CHECK(w->code() == 200);
}

TEST_CASE("a watch from a compacted resourceVersion gets a 410 Expired ERROR event") {
  kop::testing::ApiServerOptions options;
  options.watch_history = 5;
  TestCluster c(options);
  if (c.embedded() == nullptr) {
    // A real cluster compacts on its own schedule; resourceVersion 1 is long gone there.
    auto w = c.http().Watch(CorePath(c.ns(), "configmaps") + "?watch=true&resourceVersion=1");
    std::optional<Json> e = w->Next(seconds(30));
    REQUIRE(e.has_value());
    CHECK((*e)["type"] == "ERROR");
    CHECK((*e)["object"]["code"] == 410);
    return;
  }
  const std::string old_rv = c.http().Get(CorePath(c.ns(), "configmaps")).json()["metadata"]["resourceVersion"];
  for (int i = 0; i < 10; ++i) c.http().Post(CorePath(c.ns(), "configmaps"), ConfigMapJson("x" + std::to_string(i)));
  auto w = c.http().Watch(CorePath(c.ns(), "configmaps") + "?watch=true&resourceVersion=" + old_rv);
  std::optional<Json> e = w->Next();
  REQUIRE(e.has_value());
  CHECK((*e)["type"] == "ERROR");
  CHECK((*e)["object"]["kind"] == "Status");
  CHECK((*e)["object"]["code"] == 410);
  CHECK((*e)["object"]["reason"] == "Expired");
  CHECK(w->WaitEnded(seconds(10)));
}

TEST_CASE("allowWatchBookmarks brings BOOKMARK events carrying the current resourceVersion") {
  kop::testing::ApiServerOptions options;
  options.bookmark_interval = std::chrono::milliseconds(100);
  TestCluster c(options);
  Json created = c.http().Post(CorePath(c.ns(), "configmaps"), ConfigMapJson("a")).json();
  auto w = c.http().Watch(CorePath(c.ns(), "configmaps") +
                          "?watch=true&allowWatchBookmarks=true&resourceVersion=" + Rv(created));
  // Upstream sends bookmarks about once a minute.
  std::optional<Json> e = w->Next(seconds(90));
  REQUIRE(e.has_value());
  CHECK((*e)["type"] == "BOOKMARK");
  CHECK(std::stoull(Rv((*e)["object"])) >= std::stoull(Rv(created)));
  CHECK((*e)["object"]["kind"] == "ConfigMap");
}

TEST_CASE("watch=1 and a field selector on metadata.name watch one object") {
  TestCluster c;
  auto w = c.http().Watch(CorePath(c.ns(), "configmaps") + "?watch=1&fieldSelector=metadata.name%3Dtarget");
  c.http().Post(CorePath(c.ns(), "configmaps"), ConfigMapJson("other"));
  c.http().Post(CorePath(c.ns(), "configmaps"), ConfigMapJson("target"));
  std::optional<Json> e = NextChange(*w);
  REQUIRE(e.has_value());
  CHECK((*e)["object"]["metadata"]["name"] == "target");
}

TEST_CASE("deleting an object with finalizers is seen by watchers as MODIFIED") {
  TestCluster c;
  Json cm = ConfigMapJson("a");
  cm["metadata"]["finalizers"] = {"kop.example.com/hold"};
  Json created = c.http().Post(CorePath(c.ns(), "configmaps"), cm).json();
  auto w = c.http().Watch(CorePath(c.ns(), "configmaps") + "?watch=true&resourceVersion=" + Rv(created));
  c.http().Delete(CorePath(c.ns(), "configmaps", "a"));
  std::optional<Json> e = NextChange(*w);
  REQUIRE(e.has_value());
  CHECK((*e)["type"] == "MODIFIED");
  CHECK((*e)["object"]["metadata"]["deletionTimestamp"].is_string());
  c.http().Patch(CorePath(c.ns(), "configmaps", "a"), "application/merge-patch+json",
                 R"({"metadata":{"finalizers":null}})");
  std::optional<Json> gone = NextChange(*w);
  REQUIRE(gone.has_value());
  CHECK((*gone)["type"] == "DELETED");
}

// ---- fault injection: embedded server only ----

TEST_CASE("closing all watches ends their streams cleanly [embedded-only]") {
  TestCluster c;
  if (c.embedded() == nullptr) return;  // fault injection needs the embedded server
  auto w = c.http().Watch(CorePath(c.ns(), "configmaps") + "?watch=true");
  REQUIRE(WaitFor([&] { return c.embedded()->OpenWatches() == 1; }));
  c.embedded()->CloseAllWatches();
  CHECK(w->WaitEnded(seconds(10)));
  CHECK_FALSE(w->Truncated());
}

TEST_CASE("a cut stream ends in the middle of an event [embedded-only]") {
  TestCluster c;
  if (c.embedded() == nullptr) return;
  auto w = c.http().Watch(CorePath(c.ns(), "configmaps") + "?watch=true");
  REQUIRE(WaitFor([&] { return c.embedded()->OpenWatches() == 1; }));
  c.embedded()->CutWatchStreams();
  c.http().Post(CorePath(c.ns(), "configmaps"), ConfigMapJson("a"));
  CHECK(w->WaitEnded(seconds(10)));
  CHECK(w->Truncated());
  CHECK_FALSE(w->Next(std::chrono::milliseconds(10)).has_value());
}

TEST_CASE("injected failures answer with the code and Retry-After, then stop [embedded-only]") {
  TestCluster c;
  if (c.embedded() == nullptr) return;
  c.embedded()->FailRequests({.verb = "list", .path = "/configmaps", .code = 429, .count = 2,
                              .retry_after_seconds = 3});
  HttpReply first = c.http().Get(CorePath(c.ns(), "configmaps"));
  CHECK(first.code == 429);
  CHECK(first.headers["retry-after"] == "3");
  CHECK(first.json()["reason"] == "TooManyRequests");
  CHECK(c.http().Get(CorePath(c.ns(), "configmaps")).code == 429);
  CHECK(c.http().Get(CorePath(c.ns(), "configmaps")).code == 200);
  CHECK(c.http().Get(CorePath(c.ns(), "configmaps", "x")).code == 404);  // other verbs unaffected
}

TEST_CASE("compacting the history makes resuming watches get 410 [embedded-only]") {
  TestCluster c;
  if (c.embedded() == nullptr) return;
  Json a = c.http().Post(CorePath(c.ns(), "configmaps"), ConfigMapJson("a")).json();
  c.http().Post(CorePath(c.ns(), "configmaps"), ConfigMapJson("b"));
  c.embedded()->CompactHistory();
  auto w = c.http().Watch(CorePath(c.ns(), "configmaps") + "?watch=true&resourceVersion=" + Rv(a));
  std::optional<Json> e = w->Next();
  REQUIRE(e.has_value());
  CHECK((*e)["type"] == "ERROR");
  CHECK((*e)["object"]["code"] == 410);
}

TEST_CASE("a stalled watcher overflows and is closed without blocking writers [embedded-only]") {
  kop::testing::ApiServerOptions options;
  options.watch_buffer = 16;
  TestCluster c(options);
  if (c.embedded() == nullptr) return;
  auto stalled = c.http().Watch(CorePath(c.ns(), "configmaps") + "?watch=true");
  REQUIRE(WaitFor([&] { return c.embedded()->OpenWatches() == 1; }));
  c.embedded()->StallWatchStreams(true);
  for (int i = 0; i < 40; ++i) {
    REQUIRE(c.http().Post(CorePath(c.ns(), "configmaps"), ConfigMapJson("s" + std::to_string(i))).code == 201);
  }
  // The stalled watch overflowed its buffer and was closed; writes never waited for it.
  REQUIRE(WaitFor([&] { return c.embedded()->OpenWatches() == 0; }));
  c.embedded()->StallWatchStreams(false);
  CHECK(stalled->WaitEnded(seconds(10)));
  auto fresh = c.http().Watch(CorePath(c.ns(), "configmaps") + "?watch=true&resourceVersion=0");
  int added = 0;
  while (std::optional<Json> e = fresh->Next(seconds(5))) {
    if ((*e)["type"] == "ADDED" && ++added == 40) break;
  }
  CHECK(added == 40);
}

}  // namespace
}  // namespace kop::test
