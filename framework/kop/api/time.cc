#include "kop/api/time.h"

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

std::string FormatRFC3339(absl::Time t) {
  return absl::FormatTime("%Y-%m-%dT%H:%M:%SZ", t, absl::UTCTimeZone());
}

std::string FormatRFC3339Micro(absl::Time t) {
  return absl::FormatTime("%Y-%m-%dT%H:%M:%E6SZ", t, absl::UTCTimeZone());
}

}  // namespace kop
