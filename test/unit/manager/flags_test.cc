// The standard operator flags and a user's own beside them.
#include "kop/manager/flags.h"

#include <chrono>
#include <optional>
#include <string>
#include <vector>

#include "catch2/catch.hpp"

namespace kop {
namespace {

absl::StatusOr<OperatorFlags> Parse(const std::vector<std::string>& args) {
  FlagSet flags("greeter", "greets");
  return ParseOperatorFlags(args, flags, {.name = "greeter"});
}

TEST_CASE("operator flags: controller-runtime's names and defaults") {
  absl::StatusOr<OperatorFlags> o = Parse({});
  REQUIRE(o.ok());
  CHECK(o->manager.name == "greeter");
  CHECK(o->manager.metrics_bind_address == ":8080");
  CHECK(o->manager.health_probe_bind_address == ":8081");
  CHECK(o->manager.grpc_health_bind_address.empty());
  CHECK_FALSE(o->manager.leader_election);
  CHECK(o->manager.leader_election_id == "greeter-leader");
  CHECK(o->manager.lease_duration == std::chrono::seconds(15));
  CHECK(o->manager.renew_deadline == std::chrono::seconds(10));
  CHECK(o->manager.retry_period == std::chrono::seconds(2));
  CHECK(o->manager.graceful_shutdown_timeout == std::chrono::seconds(30));
  CHECK(o->manager.cache_sync_timeout == std::chrono::minutes(2));
  CHECK(o->max_concurrent_reconciles == 1);
  CHECK(o->log.format == log::Format::kText);
  CHECK(o->log.verbosity == 0);
  CHECK_FALSE(o->help);
}

TEST_CASE("operator flags: values, aliases and repeats, as kubectl users expect") {
  absl::StatusOr<OperatorFlags> o =
      Parse({"--watch-namespaces", "a,b", "--namespace=c", "--watch-namespace", "d", "--leader-elect", "-v", "2",
             "--metrics-bind-address=:9090", "--leader-election-lease-duration", "30s",
             "--leader-election-retry-period=500ms", "--max-concurrent-reconciles", "4", "--log-format=json",
             "--grpc-health-bind-address", ":8082", "--kubeconfig", "/k", "--context=dev",
             "--graceful-shutdown-timeout=1m30s"});
  REQUIRE(o.ok());
  CHECK(o->manager.namespaces == std::vector<std::string>{"a", "b", "c", "d"});
  CHECK(o->manager.leader_election);
  CHECK(o->log.verbosity == 2);
  CHECK(o->log.format == log::Format::kJson);
  CHECK(o->manager.metrics_bind_address == ":9090");
  CHECK(o->manager.grpc_health_bind_address == ":8082");
  CHECK(o->manager.lease_duration == std::chrono::seconds(30));
  CHECK(o->manager.retry_period == std::chrono::milliseconds(500));
  CHECK(o->manager.graceful_shutdown_timeout == std::chrono::seconds(90));
  CHECK(o->max_concurrent_reconciles == 4);
  CHECK(o->manager.kubeconfig == "/k");
  CHECK(o->manager.context == "dev");
}

TEST_CASE("operator flags: zap's log flags are aliases") {
  CHECK(Parse({"--zap-encoder=json"})->log.format == log::Format::kJson);
  CHECK(Parse({"--zap-encoder", "console"})->log.format == log::Format::kText);
  CHECK(Parse({"--zap-log-level=debug"})->log.verbosity == 1);
  CHECK(Parse({"--zap-log-level=3"})->log.verbosity == 3);
  CHECK(Parse({"--zap-log-level=info"})->log.verbosity == 0);
  CHECK(Parse({"--zap-devel"})->log.verbosity == 1);
  CHECK(Parse({"--zap-encoder=xml"}).status().message().find("--zap-encoder") != std::string_view::npos);
  CHECK(Parse({"--zap-log-level=loud"}).status().message().find("--zap-log-level") != std::string_view::npos);
}

TEST_CASE("operator flags: mistakes are errors that name the flag") {
  CHECK(Parse({"--bogus"}).status().message() == "unknown flag --bogus (see --help)");
  CHECK(Parse({"--kubeconfig"}).status().message() == "--kubeconfig: needs a value");
  CHECK(Parse({"--max-concurrent-reconciles", "0"}).status().message().find("from 1 to 1024") != std::string_view::npos);
  CHECK(Parse({"--leader-election-renew-deadline", "ten"}).status().message().find("positive duration") !=
        std::string_view::npos);
  CHECK(Parse({"--log-format", "xml"}).status().message().find("want json or text") != std::string_view::npos);
  CHECK(Parse({"stray"}).status().message().find("unexpected argument") != std::string_view::npos);
  CHECK(Parse({"--leader-elect=maybe"}).status().message().find("--leader-elect") != std::string_view::npos);
  for (const char* bad : {"", "5", "-1s", "1x", "0s"}) CHECK_FALSE(ParseGoDuration(bad).ok());
}

TEST_CASE("operator flags: the operator's own flags sit beside the standard ones, and --help shows both") {
  FlagSet flags("greeter", "greets ConfigMaps");
  std::string greeting = "hello";
  std::optional<bool> loud;
  std::chrono::milliseconds every{std::chrono::seconds(1)};
  flags.Section("Greeting");
  flags.String("greeting", &greeting, "what to write", "TEXT");
  flags.OptionalBool("loud", &loud, "shout");
  flags.Duration("every", &every, "how often");
  absl::StatusOr<OperatorFlags> o =
      ParseOperatorFlags({"--greeting", "hi", "--loud=false", "--every=2m", "--leader-elect", "--help"}, flags,
                         {.name = "greeter"});
  REQUIRE(o.ok());
  CHECK(greeting == "hi");
  CHECK(loud == false);
  CHECK(every == std::chrono::minutes(2));
  CHECK(o->manager.leader_election);
  CHECK(o->help);
  CHECK(o->usage.find("greeter: greets ConfigMaps") == 0);
  CHECK(o->usage.find("--greeting TEXT") != std::string::npos);
  CHECK(o->usage.find("--metrics-bind-address ADDR") != std::string::npos);
  CHECK(o->usage.find("--watch-namespaces NS, --namespace, --watch-namespace") != std::string::npos);
  // The standard flags come first.
  CHECK(o->usage.find("--kubeconfig") < o->usage.find("--greeting"));
  // A FlagSet takes the standard flags once.
  CHECK(absl::IsFailedPrecondition(ParseOperatorFlags(std::vector<std::string>{}, flags, {}).status()));
}

}  // namespace
}  // namespace kop
