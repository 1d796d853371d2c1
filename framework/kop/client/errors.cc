#include "kop/client/errors.h"

#include "absl/strings/cord.h"
#include "kop/api/json_view.h"
#include "kop/base/strings.h"

namespace kop {
namespace {

constexpr char kStatusPayload[] = "kop.k8s.io/status";

absl::StatusCode CodeFor(int http, std::string_view reason) {
  switch (http) {
    case 400: return absl::StatusCode::kInvalidArgument;
    case 401: return absl::StatusCode::kUnauthenticated;
    case 403: return absl::StatusCode::kPermissionDenied;
    case 404: return absl::StatusCode::kNotFound;
    case 405: return absl::StatusCode::kUnimplemented;
    case 409:
      return reason == "AlreadyExists" ? absl::StatusCode::kAlreadyExists
                                       : absl::StatusCode::kAborted;
    case 410: return absl::StatusCode::kOutOfRange;
    case 413:
    case 415:
    case 422: return absl::StatusCode::kInvalidArgument;
    case 429: return absl::StatusCode::kResourceExhausted;
    case 503: return absl::StatusCode::kUnavailable;
    case 504: return absl::StatusCode::kDeadlineExceeded;
    default:
      if (http >= 500) return absl::StatusCode::kInternal;
      return absl::StatusCode::kUnknown;
  }
}

// The reason upstream's client-go infers for a code when the body carries none.
std::string_view DefaultReason(int http) {
  switch (http) {
    case 400: return "BadRequest";
    case 401: return "Unauthorized";
    case 403: return "Forbidden";
    case 404: return "NotFound";
    case 405: return "MethodNotAllowed";
    case 406: return "NotAcceptable";
    case 409: return "Conflict";
    case 410: return "Gone";
    case 413: return "RequestEntityTooLarge";
    case 415: return "UnsupportedMediaType";
    case 422: return "Invalid";
    case 429: return "TooManyRequests";
    case 500: return "InternalError";
    case 503: return "ServiceUnavailable";
    case 504: return "Timeout";
    default: return "Unknown";
  }
}

// The Status object an API error carries, read without building a tree (the Is* questions
// below are asked on hot paths, such as a cache miss before every create).
std::optional<CompactJson> StatusPayload(const absl::Status& s) {
  if (s.ok()) return std::nullopt;
  auto payload = s.GetPayload(kStatusPayload);
  if (!payload.has_value()) return std::nullopt;
  auto flat = payload->TryFlat();
  absl::StatusOr<CompactJson> parsed =
      flat.has_value() ? CompactJson::Parse(std::string_view(flat->data(), flat->size()))
                       : CompactJson::Parse(std::string(*payload));
  if (!parsed.ok() || !parsed->view().is_object()) return std::nullopt;
  return *std::move(parsed);
}

}  // namespace

absl::Status ApiErrorFromResponse(int http_code, std::string_view body) {
  absl::StatusOr<Json> parsed = ParseJson(body);
  if (parsed.ok() && StringOr(*parsed, "kind") == "Status") {
    return ApiErrorFromStatus(http_code, *std::move(parsed));
  }
  std::string snippet(body.substr(0, 200));
  return ApiErrorFromStatus(
      http_code, {{"kind", "Status"},
                  {"apiVersion", "v1"},
                  {"status", "Failure"},
                  {"message", snippet.empty() ? kop::StrCat("the server answered HTTP ", http_code)
                                              : kop::StrCat("the server answered HTTP ", http_code,
                                                            ": ", snippet)}});
}

absl::Status ApiErrorFromStatus(int http_code, Json status) {
  if (!status.is_object()) status = Json::object();
  status["code"] = http_code;
  if (!status.contains("reason") || !status["reason"].is_string() ||
      status["reason"].get<std::string>().empty()) {
    status["reason"] = DefaultReason(http_code);
  }
  const std::string reason = status["reason"];
  const std::string message = StringOr(status, "message", DefaultReason(http_code));
  absl::Status s(CodeFor(http_code, reason), ToAbsl(message));
  s.SetPayload(kStatusPayload, absl::Cord(DumpJson(status)));
  return s;
}

std::optional<Json> KubernetesStatus(const absl::Status& s) {
  std::optional<CompactJson> st = StatusPayload(s);
  if (!st.has_value()) return std::nullopt;
  return st->view().ToJson();
}

int HttpCode(const absl::Status& s) {
  std::optional<CompactJson> st = StatusPayload(s);
  if (!st.has_value()) return 0;
  const JsonView code = st->view()["code"];
  return code.is_number_integer() ? static_cast<int>(code.get_int64()) : 0;
}

std::string StatusReason(const absl::Status& s) {
  std::optional<CompactJson> st = StatusPayload(s);
  if (!st.has_value()) return "";
  const JsonView reason = st->view()["reason"];
  return reason.is_string() ? std::string(reason.get_string()) : "";
}

std::optional<int> RetryAfterSeconds(const absl::Status& s) {
  std::optional<Json> st = KubernetesStatus(s);
  if (!st.has_value()) return std::nullopt;
  auto d = st->find("details");
  if (d == st->end() || !d->is_object()) return std::nullopt;
  auto r = d->find("retryAfterSeconds");
  if (r == d->end() || !r->is_number_integer()) return std::nullopt;
  return r->get<int>();
}

bool IsNotFound(const absl::Status& s) { return StatusReason(s) == "NotFound"; }
bool IsAlreadyExists(const absl::Status& s) { return StatusReason(s) == "AlreadyExists"; }
bool IsConflict(const absl::Status& s) { return StatusReason(s) == "Conflict"; }
bool IsGone(const absl::Status& s) { return HttpCode(s) == 410; }
bool IsResourceExpired(const absl::Status& s) {
  return HttpCode(s) == 410 && StatusReason(s) == "Expired";
}
bool IsInvalid(const absl::Status& s) { return StatusReason(s) == "Invalid"; }
bool IsBadRequest(const absl::Status& s) { return StatusReason(s) == "BadRequest"; }
bool IsForbidden(const absl::Status& s) { return StatusReason(s) == "Forbidden"; }
bool IsUnauthorized(const absl::Status& s) { return StatusReason(s) == "Unauthorized"; }
bool IsTooManyRequests(const absl::Status& s) {
  return StatusReason(s) == "TooManyRequests" || HttpCode(s) == 429;
}
bool IsServerTimeout(const absl::Status& s) { return StatusReason(s) == "ServerTimeout"; }
bool IsTimeout(const absl::Status& s) {
  return StatusReason(s) == "Timeout" || HttpCode(s) == 504;
}
bool IsMethodNotSupported(const absl::Status& s) { return StatusReason(s) == "MethodNotAllowed"; }
bool IsUnsupportedMediaType(const absl::Status& s) {
  return StatusReason(s) == "UnsupportedMediaType";
}
bool IsInternalError(const absl::Status& s) { return StatusReason(s) == "InternalError"; }
bool IsServiceUnavailable(const absl::Status& s) {
  return StatusReason(s) == "ServiceUnavailable";
}

absl::Status IgnoreNotFound(absl::Status s) { return kop::IsNotFound(s) ? absl::OkStatus() : s; }
absl::Status IgnoreAlreadyExists(absl::Status s) { return kop::IsAlreadyExists(s) ? absl::OkStatus() : s; }
absl::Status IgnoreConflict(absl::Status s) { return kop::IsConflict(s) ? absl::OkStatus() : s; }

}  // namespace kop
