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

TEST_CASE("timestamps are spelled as absl spells them, across the years and at the edges") {
  const absl::TimeZone utc = absl::UTCTimeZone();
  auto expect_same = [&](absl::Time t) {
    INFO(absl::ToUnixNanos(t));
    CHECK(FormatRFC3339(t) == absl::FormatTime("%Y-%m-%dT%H:%M:%SZ", t, utc));
    CHECK(FormatRFC3339Micro(t) == absl::FormatTime("%Y-%m-%dT%H:%M:%E6SZ", t, utc));
    CHECK(FormatHttpDate(t) == absl::FormatTime("%a, %d %b %Y %H:%M:%S GMT", t, utc));
  };
  // Leap days and the days around them, century years (2000 is a leap year, 1900 and 2100
  // are not), the epoch, times before it (fractions round down), and the first and last
  // seconds of the years 0000 and 9999 and just beyond them.
  for (const char* text :
       {"2024-02-29T23:59:59Z", "2024-03-01T00:00:00Z", "2000-02-29T12:00:00Z",
        "1900-02-28T23:59:59Z", "1900-03-01T00:00:00Z", "2100-03-01T00:00:00Z",
        "1970-01-01T00:00:00Z", "1969-12-31T23:59:59.999999Z", "1600-02-29T00:00:00Z",
        "1000-01-01T00:00:00Z", "9999-12-31T23:59:59.999999Z"}) {
    absl::StatusOr<absl::Time> t = ParseRFC3339(text);
    REQUIRE(t.ok());
    expect_same(*t);
  }
  // Years before 1000 keep four digits, as RFC 3339 (and Go's formatter) require; absl
  // drops the leading zeros.
  for (const char* text : {"0000-01-01T00:00:00Z", "0000-02-29T23:59:59Z", "0001-01-01T00:00:00Z",
                           "0999-12-31T23:59:59Z"}) {
    absl::StatusOr<absl::Time> t = ParseRFC3339(text);
    REQUIRE(t.ok());
    CHECK(FormatRFC3339(*t) == text);
  }
  CHECK(FormatRFC3339Micro(*ParseRFC3339("0001-01-01T00:00:00.5Z")) ==
        "0001-01-01T00:00:00.500000Z");
  CHECK(FormatHttpDate(*ParseRFC3339("0001-01-01T00:00:00Z")) == "Mon, 01 Jan 0001 00:00:00 GMT");
  expect_same(absl::FromUnixSeconds(-62167219200) - absl::Seconds(1));  // year -1
  expect_same(absl::FromUnixSeconds(253402300800));                     // year 10000
  expect_same(absl::FromUnixNanos(-1));
  expect_same(absl::InfiniteFuture());
  expect_same(absl::InfinitePast());
  // Days of 9,000 years (every 37th, at a varying time of day and fraction).
  const int64_t first = -30610224000;  // 1000-01-01T00:00:00Z
  for (int64_t s = first, i = 0; s < 253402300800; s += 86400 * 37 + 3607, ++i) {
    expect_same(absl::FromUnixSeconds(s) + absl::Microseconds(i * 7919 % 1000000));
  }
}

}  // namespace
}  // namespace kop
