#include "kop/api/time.h"

#include <algorithm>
#include <cstdint>

#include "absl/status/status.h"
#include "absl/strings/ascii.h"
#include "kop/base/strings.h"

namespace kop {

absl::StatusOr<absl::Time> ParseRFC3339(std::string_view text) {
  // RFC 3339 requires a date, 'T', a time and a zone; absl's parser is lenient about
  // surrounding whitespace, so reject that first.
  if (text.size() < 20 || absl::ascii_isspace(static_cast<unsigned char>(text.front())) ||
      absl::ascii_isspace(static_cast<unsigned char>(text.back())) ||
      (text[10] != 'T' && text[10] != 't')) {
    return absl::InvalidArgumentError(
        kop::StrCat("timestamp \"", text, "\" is not RFC 3339 (want 2006-01-02T15:04:05Z)"));
  }
  absl::Time t;
  std::string err;
  if (!absl::ParseTime(absl::RFC3339_full, ToAbsl(text), &t, &err)) {
    return absl::InvalidArgumentError(
        kop::StrCat("timestamp \"", text, "\" is not RFC 3339: ", err));
  }
  return t;
}

namespace {

// A UTC date and time of day, for the years 0000 to 9999 that the formats below can spell.
struct Civil {
  int64_t year;
  int month;  // 1..12
  int day;    // 1..31
  int hour, minute, second;
  int weekday;  // 0 = Sunday
};

constexpr int64_t kSecondsPerDay = 86400;
constexpr int64_t kFirstSecond = -62167219200;  // 0000-01-01T00:00:00Z
constexpr int64_t kLastSecond = 253402300799;   // 9999-12-31T23:59:59Z

// The civil time of `unix_seconds` (within [kFirstSecond, kLastSecond]). Days are counted in
// 400-year eras starting on 1 March, so that the leap day ends each era's year.
Civil ToCivil(int64_t unix_seconds) {
  int64_t days = unix_seconds / kSecondsPerDay;
  int64_t secs = unix_seconds % kSecondsPerDay;
  if (secs < 0) {
    secs += kSecondsPerDay;
    --days;
  }
  Civil c{};
  c.hour = static_cast<int>(secs / 3600);
  c.minute = static_cast<int>(secs / 60 % 60);
  c.second = static_cast<int>(secs % 60);
  c.weekday = static_cast<int>(((days + 4) % 7 + 7) % 7);  // 1970-01-01 was a Thursday
  const int64_t from_0000_03_01 = days + 719468;
  const int64_t era = (from_0000_03_01 >= 0 ? from_0000_03_01 : from_0000_03_01 - 146096) / 146097;
  const int64_t day_of_era = from_0000_03_01 - era * 146097;  // [0, 146096]
  const int64_t year_of_era =
      (day_of_era - day_of_era / 1460 + day_of_era / 36524 - day_of_era / 146096) / 365;
  const int64_t day_of_year =
      day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
  const int64_t shifted_month = (5 * day_of_year + 2) / 153;  // 0 = March
  c.day = static_cast<int>(day_of_year - (153 * shifted_month + 2) / 5 + 1);
  c.month = static_cast<int>(shifted_month < 10 ? shifted_month + 3 : shifted_month - 9);
  c.year = year_of_era + era * 400 + (c.month <= 2 ? 1 : 0);
  return c;
}

// Writes `v` as `width` decimal digits at `out`.
char* Digits(char* out, int64_t v, int width) {
  for (int i = width - 1; i >= 0; --i) {
    out[i] = static_cast<char>('0' + v % 10);
    v /= 10;
  }
  return out + width;
}

// "YYYY-MM-DDTHH:MM:SS" at `out`; returns the end.
char* DateTime(char* out, const Civil& c) {
  out = Digits(out, c.year, 4);
  *out++ = '-';
  out = Digits(out, c.month, 2);
  *out++ = '-';
  out = Digits(out, c.day, 2);
  *out++ = 'T';
  out = Digits(out, c.hour, 2);
  *out++ = ':';
  out = Digits(out, c.minute, 2);
  *out++ = ':';
  return Digits(out, c.second, 2);
}

bool Spellable(absl::Time t) {
  if (t == absl::InfinitePast() || t == absl::InfiniteFuture()) return false;
  const int64_t s = absl::ToUnixSeconds(t);
  return s >= kFirstSecond && s <= kLastSecond;
}

}  // namespace

// These are written out by hand: every object the embedded server stores and every answer it
// sends carries a timestamp, and absl::FormatTime costs a time-zone lookup and a format parse.
// Years before 1000 keep their four digits (absl drops the zeros; RFC 3339 and Go do not).
// Times beyond the years 0000-9999 (and the infinite ones) go to absl, which spells them.
std::string FormatRFC3339(absl::Time t) {
  if (!Spellable(t)) return absl::FormatTime("%Y-%m-%dT%H:%M:%SZ", t, absl::UTCTimeZone());
  char buf[20];
  char* end = DateTime(buf, ToCivil(absl::ToUnixSeconds(t)));
  *end++ = 'Z';
  return std::string(buf, end);
}

std::string FormatRFC3339Micro(absl::Time t) {
  if (!Spellable(t)) return absl::FormatTime("%Y-%m-%dT%H:%M:%E6SZ", t, absl::UTCTimeZone());
  const int64_t seconds = absl::ToUnixSeconds(t);
  const int64_t micros = absl::ToInt64Microseconds(t - absl::FromUnixSeconds(seconds));
  char buf[27];
  char* end = DateTime(buf, ToCivil(seconds));
  *end++ = '.';
  end = Digits(end, micros, 6);
  *end++ = 'Z';
  return std::string(buf, end);
}

std::string FormatHttpDate(absl::Time t) {
  if (!Spellable(t)) return absl::FormatTime("%a, %d %b %Y %H:%M:%S GMT", t, absl::UTCTimeZone());
  static constexpr const char* kDays[] = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
  static constexpr const char* kMonths[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                            "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
  const Civil c = ToCivil(absl::ToUnixSeconds(t));
  char buf[29];
  char* out = buf;
  out = std::copy_n(kDays[c.weekday], 3, out);
  *out++ = ',';
  *out++ = ' ';
  out = Digits(out, c.day, 2);
  *out++ = ' ';
  out = std::copy_n(kMonths[c.month - 1], 3, out);
  *out++ = ' ';
  out = Digits(out, c.year, 4);
  *out++ = ' ';
  out = Digits(out, c.hour, 2);
  *out++ = ':';
  out = Digits(out, c.minute, 2);
  *out++ = ':';
  out = Digits(out, c.second, 2);
  out = std::copy_n(" GMT", 4, out);
  return std::string(buf, out);
}

}  // namespace kop
