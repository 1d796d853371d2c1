// Kubernetes Status errors as absl::Status values.
//
// Every failure inside the embedded API server is an absl::Status that carries the full
// Kubernetes Status object (code, reason, message, details) as a payload, so the HTTP layer
// can answer exactly what kube-apiserver would. Helpers build the common ones with upstream's
// messages.
#ifndef KOP_TESTING_INTERNAL_ERRORS_H_
#define KOP_TESTING_INTERNAL_ERRORS_H_

#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "kop/api/json.h"

namespace kop::testing::internal {

// What a resource error names: group and plural ("configmaps") for most details, and the
// Kind for Invalid errors, as upstream.
struct ErrorSubject {
  std::string group;
  std::string resource;  // plural
  std::string kind;
  std::string name;
};

struct FieldCause {
  std::string reason;  // FieldValueInvalid, FieldValueRequired, ...
  std::string field;   // metadata.name
  std::string message;
};

absl::Status ApiError(int code, std::string_view reason, std::string_view message,
                      Json details = nullptr);

absl::Status NotFound(const ErrorSubject& s);
absl::Status AlreadyExists(const ErrorSubject& s);
absl::Status Conflict(const ErrorSubject& s, std::string_view why);
absl::Status Invalid(const ErrorSubject& s, const std::vector<FieldCause>& causes);
// A request option refused as upstream refuses it: 422 on "<kind>.meta.k8s.io" (CreateOptions,
// DeleteOptions, ListOptions, ...) with one cause.
absl::Status InvalidOptions(std::string_view kind, const FieldCause& cause);
absl::Status BadRequest(std::string_view message);
// 403 Forbidden: `<resource> "<name>" is forbidden: <why>` (no name: `<resource> is forbidden`),
// with `causes` in the details when given.
absl::Status Forbidden(const ErrorSubject& s, std::string_view why, const std::vector<FieldCause>& causes = {});
// Upstream's messages: the method is not served on that path; a body that is not JSON or YAML
// (or protobuf, which kop does not decode).
absl::Status MethodNotAllowed();
absl::Status UnsupportedMediaType();
absl::Status Expired(std::string_view message);  // 410, reason Expired
absl::Status InternalError(std::string_view message);

// Whether `s` carries a Kubernetes Status with this reason ("AlreadyExists", "Conflict", ...).
bool HasReason(const absl::Status& s, std::string_view reason);

// The Status object to send for `s`: its payload when it has one, otherwise one derived
// from the absl code.
Json StatusObject(const absl::Status& s);
int HttpCode(const absl::Status& s);

}  // namespace kop::testing::internal

#endif  // KOP_TESTING_INTERNAL_ERRORS_H_
