// The embedded API server's Table helpers: kubectl's durations and printer-column paths.
#include "catch2/catch.hpp"
#include "kop/testing/internal/table.h"

namespace kop::testing::internal {
namespace {

TEST_CASE("HumanDuration prints ages as kubectl does") {
  REQUIRE(HumanDuration(absl::Seconds(-5)) == "<invalid>");
  REQUIRE(HumanDuration(absl::Milliseconds(-500)) == "0s");
  REQUIRE(HumanDuration(absl::Seconds(45)) == "45s");
  REQUIRE(HumanDuration(absl::Seconds(119)) == "119s");
  REQUIRE(HumanDuration(absl::Seconds(200)) == "3m20s");
  REQUIRE(HumanDuration(absl::Minutes(5)) == "5m");
  REQUIRE(HumanDuration(absl::Minutes(90)) == "90m");
  REQUIRE(HumanDuration(absl::Hours(5) + absl::Minutes(7)) == "5h7m");
  REQUIRE(HumanDuration(absl::Hours(30)) == "30h");
  REQUIRE(HumanDuration(absl::Hours(24 * 3 + 4)) == "3d4h");
  REQUIRE(HumanDuration(absl::Hours(24 * 40)) == "40d");
  REQUIRE(HumanDuration(absl::Hours(24 * (365 * 3 + 10))) == "3y10d");
  REQUIRE(HumanDuration(absl::Hours(24 * 365 * 9)) == "9y");
}

TEST_CASE("printer-column paths resolve fields, indexes and filters") {
  const Json o = Json::parse(R"({"spec": {"image": "nginx", "ports": [{"port": 80}, {"port": 443}]},
    "status": {"conditions": [{"type": "Progressing", "status": "True"}, {"type": "Ready", "status": "False"}]}})");
  REQUIRE(*EvalJsonPath(o, ".spec.image") == "nginx");
  REQUIRE(*EvalJsonPath(o, "{.spec.image}") == "nginx");
  REQUIRE(*EvalJsonPath(o, ".spec.ports[1].port") == 443);
  REQUIRE(*EvalJsonPath(o, ".status.conditions[?(@.type==\"Ready\")].status") == "False");
  REQUIRE(*EvalJsonPath(o, ".status.conditions[?(@.type=='Progressing')].status") == "True");
  REQUIRE(EvalJsonPath(o, ".status.conditions[?(@.type==\"Gone\")].status") == nullptr);
  REQUIRE(EvalJsonPath(o, ".spec.ports[7].port") == nullptr);
  REQUIRE(EvalJsonPath(o, ".spec.missing") == nullptr);
  REQUIRE(EvalJsonPath(o, ".spec.image.deeper") == nullptr);
}

TEST_CASE("the Accept header picks the first representation the server can give") {
  using R = Representation;
  CHECK(Negotiate("", false) == R::kObject);
  CHECK(Negotiate("application/json", true) == R::kObject);
  CHECK(Negotiate("application/json;as=Table;v=v1;g=meta.k8s.io,application/json", true) == R::kTable);
  CHECK(Negotiate("application/json;as=Table;v=v1beta1;g=meta.k8s.io", false) == R::kTable);
  CHECK(Negotiate("application/json;as=PartialObjectMetadataList;v=v1;g=meta.k8s.io,application/json", true) ==
        R::kMetadata);
  CHECK(Negotiate("application/json;as=PartialObjectMetadata;g=meta.k8s.io;v=v1", false) == R::kMetadata);
  // A list representation for a single object (and the reverse) falls through to what follows.
  CHECK(Negotiate("application/json;as=PartialObjectMetadataList;v=v1;g=meta.k8s.io,application/json", false) ==
        R::kObject);
  CHECK(Negotiate("application/vnd.kubernetes.protobuf,application/json", false) == R::kObject);
  CHECK(Negotiate("application/vnd.kubernetes.protobuf", false) == R::kNotAcceptable);
  // JSON is served, but not as that: upstream answers this 406 with another message.
  CHECK(Negotiate("application/json;as=Table;v=v2;g=meta.k8s.io", false) == R::kNotAcceptableConversion);
  CHECK(Negotiate("*/*", false) == R::kObject);
}

}  // namespace
}  // namespace kop::testing::internal
