// kop/api/time: Kubernetes timestamps.
//
// metav1.Time is RFC 3339 with second precision ("2024-05-01T10:00:00Z"); metav1.MicroTime
// (Lease acquireTime/renewTime, Event eventTime) carries six fractional digits. Parsing
// accepts both, any fractional precision, and numeric offsets.
#ifndef KOP_API_TIME_H_
#define KOP_API_TIME_H_

#include <string>
#include <string_view>

#include "absl/status/statusor.h"
#include "absl/time/time.h"

namespace kop {

// Parses an RFC 3339 timestamp; InvalidArgument naming the text when it is not one.
absl::StatusOr<absl::Time> ParseRFC3339(std::string_view text);

// "2024-05-01T10:00:00Z": UTC, whole seconds (fractions are truncated), as metav1.Time; the
// year always has four digits ("0001-01-01T00:00:00Z").
std::string FormatRFC3339(absl::Time t);

// "2024-05-01T10:00:00.123456Z": UTC, microseconds, as metav1.MicroTime.
std::string FormatRFC3339Micro(absl::Time t);

// "Fri, 01 May 2024 10:00:00 GMT": the HTTP Date header's form (RFC 9110 IMF-fixdate).
std::string FormatHttpDate(absl::Time t);

}  // namespace kop

#endif  // KOP_API_TIME_H_
