// kop/client/errors: Kubernetes API errors as absl::Status.
//
// An error answer from the API server becomes an absl::Status whose code follows the HTTP
// status and which keeps the whole Kubernetes Status object (reason, message, details,
// retryAfterSeconds) as a payload. Callers ask questions instead of matching strings:
//
//   absl::StatusOr<kop::Object> got = client.Get(key);
//   if (kop::IsNotFound(got.status())) return CreateIt();   // qualified: absl has IsNotFound too
//   if (kop::IsConflict(s)) return Retry();
#ifndef KOP_CLIENT_ERRORS_H_
#define KOP_CLIENT_ERRORS_H_

#include <optional>
#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "kop/api/json.h"

namespace kop {

// Builds the Status for an HTTP answer `http_code` with `body`. A body that is a Kubernetes
// Status object supplies reason, message and details; anything else (HTML from a proxy,
// nothing at all) gives a message naming the code and the start of the body.
absl::Status ApiErrorFromResponse(int http_code, std::string_view body);
// The same for a Status object already in hand (as a cache builds its NotFound): `code` is set
// to `http_code`, and a missing reason is inferred from it.
absl::Status ApiErrorFromStatus(int http_code, Json status);

// The Kubernetes Status object behind an error, if it came from the API server.
std::optional<Json> KubernetesStatus(const absl::Status& s);
// The HTTP code (0 when the error did not come from an HTTP answer).
int HttpCode(const absl::Status& s);
// The Status reason ("NotFound", "Conflict", ...), or "".
std::string StatusReason(const absl::Status& s);
// details.retryAfterSeconds, when the server set it.
std::optional<int> RetryAfterSeconds(const absl::Status& s);

bool IsNotFound(const absl::Status& s);
bool IsAlreadyExists(const absl::Status& s);
bool IsConflict(const absl::Status& s);
bool IsGone(const absl::Status& s);             // 410: a resourceVersion too old to serve
bool IsResourceExpired(const absl::Status& s);  // 410 with reason Expired
bool IsInvalid(const absl::Status& s);          // 422
bool IsBadRequest(const absl::Status& s);
bool IsForbidden(const absl::Status& s);
bool IsUnauthorized(const absl::Status& s);
bool IsTooManyRequests(const absl::Status& s);
bool IsServerTimeout(const absl::Status& s);
bool IsTimeout(const absl::Status& s);  // 504, or reason Timeout
bool IsMethodNotSupported(const absl::Status& s);
bool IsUnsupportedMediaType(const absl::Status& s);
bool IsInternalError(const absl::Status& s);
bool IsServiceUnavailable(const absl::Status& s);

// `s`, or OK when it says the object is not there (or already there, or changed meanwhile):
// for writes whose goal is met either way.
//   KOP_RETURN_IF_ERROR(kop::IgnoreNotFound(ctx.client.Delete(old)));
absl::Status IgnoreNotFound(absl::Status s);
absl::Status IgnoreAlreadyExists(absl::Status s);
absl::Status IgnoreConflict(absl::Status s);

}  // namespace kop

#endif  // KOP_CLIENT_ERRORS_H_
