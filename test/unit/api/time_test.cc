#include "kop/api/time.h"

#include "catch2/catch.hpp"

namespace kop {
namespace {

TEST_CASE("RFC 3339 timestamps parse with and without fractional seconds") {
  auto whole = ParseRFC3339("2024-05-01T10:00:00Z");
  REQUIRE(whole.ok());
  CHECK(absl::ToUnixSeconds(*whole) == 1714557600);
  auto micro = ParseRFC3339("2024-05-01T10:00:00.123456Z");
  REQUIRE(micro.ok());
  CHECK(*micro - *whole == absl::Microseconds(123456));
  auto nano = ParseRFC3339("2024-05-01T10:00:00.000000001Z");
  REQUIRE(nano.ok());
  CHECK(*nano - *whole == absl::Nanoseconds(1));
}

TEST_CASE("RFC 3339 offsets are honoured") {
  auto t = ParseRFC3339("2024-05-01T12:00:00+02:00");
  REQUIRE(t.ok());
  CHECK(absl::ToUnixSeconds(*t) == 1714557600);
}

TEST_CASE("invalid timestamps are rejected naming the text") {
  for (const char* bad : {"", "yesterday", "2024-05-01", "2024-05-01 10:00:00Z",
                          "2024-13-01T10:00:00Z", "2024-05-01T25:00:00Z", "2024-05-01T10:00:00",
                          " 2024-05-01T10:00:00Z"}) {
    INFO(bad);
    auto t = ParseRFC3339(bad);
    REQUIRE_FALSE(t.ok());
    CHECK(t.status().message().find("RFC 3339") != std::string_view::npos);
  }
}

TEST_CASE("timestamps format in UTC as metav1.Time and metav1.MicroTime do") {
  const absl::Time t = absl::FromUnixMicros(int64_t{1714557600} * 1000000 + 42);
  CHECK(FormatRFC3339(t) == "2024-05-01T10:00:00Z");
  CHECK(FormatRFC3339Micro(t) == "2024-05-01T10:00:00.000042Z");
  CHECK(*ParseRFC3339(FormatRFC3339Micro(t)) == t);
}

}  // namespace
}  // namespace kop
