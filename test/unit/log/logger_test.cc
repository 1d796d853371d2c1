#include "kop/log/logger.h"

#include <thread>

#include "absl/strings/cord.h"
#include "catch2/catch.hpp"
#include "kop/api/json.h"
#include "kop/api/object_key.h"

namespace kop::log {
namespace {

struct Capture {
  explicit Capture(Format format, int verbosity = 0)
      : sink(std::make_shared<MemorySink>()),
        logger(Options{.format = format, .verbosity = verbosity, .sink = sink, .clock = &clock}) {}
  FakeClock clock{absl::FromUnixSeconds(1714557600)};
  std::shared_ptr<MemorySink> sink;
  Logger logger;
};

TEST_CASE("a JSON record carries ts, level, logger, msg and the fields") {
  Capture c(Format::kJson);
  c.logger.WithName("controller").WithName("application").Info("starting", "workers", 2,
                                                                 "leader", true);
  auto lines = c.sink->Lines();
  REQUIRE(lines.size() == 1);
  CHECK(lines[0].back() == '\n');
  Json rec = ParseJson(lines[0]).value();
  CHECK(rec["ts"] == "2024-05-01T10:00:00.000000Z");
  CHECK(rec["level"] == "info");
  CHECK(rec["logger"] == "controller.application");
  CHECK(rec["msg"] == "starting");
  CHECK(rec["workers"] == 2);
  CHECK(rec["leader"] == true);
}

TEST_CASE("child loggers carry their fixed fields into every record") {
  Capture c(Format::kJson);
  Logger child = c.logger.WithValues("controller", "app", "key", ObjectKey{"ns", "web"});
  child.Info("one");
  child.WithValues("reconcileID", "r-1").Info("two", "extra", 1.5);
  c.logger.Info("parent");
  auto lines = c.sink->Lines();
  REQUIRE(lines.size() == 3);
  Json one = ParseJson(lines[0]).value();
  CHECK(one["controller"] == "app");
  CHECK(one["key"] == "ns/web");
  Json two = ParseJson(lines[1]).value();
  CHECK(two["reconcileID"] == "r-1");
  CHECK(two["controller"] == "app");
  CHECK(two["extra"] == 1.5);
  CHECK_FALSE(ParseJson(lines[2]).value().contains("controller"));
}

TEST_CASE("fixed fields keep the order they were added in, however deep the children go") {
  Capture c(Format::kText);
  // Deeper than a chain of shared fields grows before it is folded into one node, so both
  // the linked and the folded paths are on the way; a sibling must see none of the other's.
  Logger l = c.logger.WithValues("k0", 0);
  Logger sibling = l.WithValues("side", true);
  std::string expected = " k0=0";
  for (int i = 1; i <= 20; ++i) {
    l = l.WithValues("k" + std::to_string(i), i);
    expected += " k" + std::to_string(i) + "=" + std::to_string(i);
    l.Info("m");
  }
  // A key given twice is written twice, in order, as logr's sinks see it.
  l.WithValues("k0", "again").Info("dup", "call", 1);
  sibling.Info("s");
  auto lines = c.sink->Lines();
  REQUIRE(lines.size() == 22);
  for (int i = 1; i <= 20; ++i) {
    std::string want = " k0=0";
    for (int j = 1; j <= i; ++j) want += " k" + std::to_string(j) + "=" + std::to_string(j);
    INFO("record " << i << ": " << lines[i - 1]);
    CHECK(lines[i - 1].ends_with("\"m\"" + want + "\n"));
  }
  CHECK(lines[20].ends_with("\"dup\"" + expected + " k0=\"again\" call=1\n"));
  CHECK(lines[21].ends_with("\"s\" k0=0 side=true\n"));
}

TEST_CASE("verbosity gates V(n) records and errors are always written") {
  Capture c(Format::kJson, /*verbosity=*/1);
  c.logger.V(1).Info("shown");
  c.logger.V(2).Info("hidden");
  CHECK(c.logger.V(1).Enabled());
  CHECK_FALSE(c.logger.V(2).Enabled());
  c.logger.Error(absl::UnavailableError("server down"), "reconcile failed", "key", "ns/a");
  auto lines = c.sink->Lines();
  REQUIRE(lines.size() == 2);
  Json v1 = ParseJson(lines[0]).value();
  CHECK(v1["level"] == "debug");
  CHECK(v1["v"] == 1);
  Json err = ParseJson(lines[1]).value();
  CHECK(err["level"] == "error");
  CHECK(err["error"] == "UNAVAILABLE: server down");
  CHECK(err["key"] == "ns/a");
}

TEST_CASE("text records are one readable line with quoted strings") {
  Capture c(Format::kText);
  c.logger.WithName("queue").Info("added \"item\"", "key", "a b", "n", 3);
  auto lines = c.sink->Lines();
  REQUIRE(lines.size() == 1);
  CHECK(lines[0] ==
        "2024-05-01T10:00:00.000000Z INFO  queue \"added \\\"item\\\"\" key=\"a b\" n=3\n");
}

TEST_CASE("a value cannot break the record it is in") {
  Capture c(Format::kJson);
  c.logger.Info("x", "evil", "\"}\n{\"forged\":1", "bytes", std::string("\xff\xfe"));
  auto lines = c.sink->Lines();
  REQUIRE(lines.size() == 1);
  Json rec = ParseJson(lines[0]).value();
  CHECK(rec["evil"] == "\"}\n{\"forged\":1");
  CHECK_FALSE(rec.contains("forged"));
}

TEST_CASE("errors are logged as code and message, without payloads") {
  Capture c(Format::kJson);
  absl::Status s = absl::NotFoundError("configmaps \"x\" not found");
  s.SetPayload("kop.k8s.io/status", absl::Cord("{\"kind\":\"Status\"}"));
  c.logger.Error(s, "get failed", "cause", s);
  Json rec = ParseJson(c.sink->Lines()[0]).value();
  CHECK(rec["error"] == "NOT_FOUND: configmaps \"x\" not found");
  CHECK(rec["cause"] == "NOT_FOUND: configmaps \"x\" not found");
}

TEST_CASE("an odd number of key-value arguments marks the missing value") {
  Capture c(Format::kJson);
  c.logger.Info("x", "lonely");
  CHECK(ParseJson(c.sink->Lines()[0]).value()["lonely"] == "(MISSING)");
}

TEST_CASE("durations and statuses are logged as strings") {
  Capture c(Format::kJson);
  c.logger.Info("x", "took", std::chrono::milliseconds(1500), "s", absl::OkStatus(), "d",
                absl::Seconds(2));
  Json rec = ParseJson(c.sink->Lines()[0]).value();
  CHECK(rec["took"] == "1.5s");
  CHECK(rec["s"] == "OK");
  CHECK(rec["d"] == "2s");
}

TEST_CASE("records from many threads arrive whole") {
  Capture c(Format::kJson);
  {
    std::vector<std::jthread> threads;
    for (int t = 0; t < 4; ++t) {
      threads.emplace_back([&, t] {
        for (int i = 0; i < 200; ++i) c.logger.Info("m", "thread", t, "i", i);
      });
    }
  }
  auto lines = c.sink->Lines();
  REQUIRE(lines.size() == 800);
  for (const std::string& line : lines) REQUIRE(ParseJson(line).ok());
}

TEST_CASE("log formats parse from their flag values") {
  CHECK(ParseFormat("json").value() == Format::kJson);
  CHECK(ParseFormat("text").value() == Format::kText);
  CHECK(ParseFormat("xml").status().message() ==
        "log format \"xml\": want \"json\" or \"text\"");
}

TEST_CASE("Configure changes the root logger's format and level") {
  auto sink = std::make_shared<MemorySink>();
  Configure({.format = Format::kJson, .verbosity = 2, .sink = sink});
  Root().WithName("root-test").V(2).Info("configured");
  Configure({});
  auto lines = sink->Lines();
  REQUIRE(lines.size() == 1);
  CHECK(ParseJson(lines[0]).value()["logger"] == "root-test");
}

}  // namespace
}  // namespace kop::log
