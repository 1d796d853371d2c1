#include "kop/testing/internal/errors.h"

#include "absl/strings/cord.h"
#include "kop/base/strings.h"

namespace kop::testing::internal {
namespace {

constexpr char kPayloadKey[] = "kop.testing/status";

absl::StatusCode CodeFor(int http) {
  switch (http) {
    case 400: return absl::StatusCode::kInvalidArgument;
    case 401: return absl::StatusCode::kUnauthenticated;
    case 403: return absl::StatusCode::kPermissionDenied;
    case 404: return absl::StatusCode::kNotFound;
    case 405: return absl::StatusCode::kUnimplemented;
    case 409: return absl::StatusCode::kAborted;
    case 410: return absl::StatusCode::kOutOfRange;
    case 415: return absl::StatusCode::kInvalidArgument;
    case 422: return absl::StatusCode::kInvalidArgument;
    case 429: return absl::StatusCode::kResourceExhausted;
    case 503: return absl::StatusCode::kUnavailable;
    case 504: return absl::StatusCode::kDeadlineExceeded;
    default: return absl::StatusCode::kInternal;
  }
}

Json SubjectDetails(const ErrorSubject& s) {
  Json d = {{"name", s.name}, {"kind", s.resource}};
  if (!s.group.empty()) d["group"] = s.group;
  return d;
}

std::string Qualified(const ErrorSubject& s) {
  return s.group.empty() ? s.resource : kop::StrCat(s.resource, ".", s.group);
}

}  // namespace

absl::Status ApiError(int code, std::string_view reason, std::string_view message, Json details) {
  Json status = {{"kind", "Status"},
                 {"apiVersion", "v1"},
                 {"metadata", Json::object()},
                 {"status", "Failure"},
                 {"message", message},
                 {"reason", reason},
                 {"code", code}};
  if (!details.is_null()) status["details"] = std::move(details);
  absl::Status s(CodeFor(code), ToAbsl(message));
  s.SetPayload(kPayloadKey, absl::Cord(DumpJson(status)));
  return s;
}

absl::Status NotFound(const ErrorSubject& s) {
  return ApiError(404, "NotFound", kop::StrCat(Qualified(s), " \"", s.name, "\" not found"),
                  SubjectDetails(s));
}

bool HasReason(const absl::Status& s, std::string_view reason) {
  if (s.ok()) return false;
  const Json status = StatusObject(s);
  return status.is_object() && status.value("reason", "") == reason;
}

absl::Status AlreadyExists(const ErrorSubject& s) {
  return ApiError(409, "AlreadyExists",
                  kop::StrCat(Qualified(s), " \"", s.name, "\" already exists"),
                  SubjectDetails(s));
}

absl::Status Conflict(const ErrorSubject& s, std::string_view why) {
  return ApiError(409, "Conflict",
                  kop::StrCat("Operation cannot be fulfilled on ", Qualified(s), " \"", s.name,
                              "\": ", why),
                  SubjectDetails(s));
}

absl::Status Invalid(const ErrorSubject& s, const std::vector<FieldCause>& causes) {
  std::string message = kop::StrCat(s.group.empty() ? s.kind : kop::StrCat(s.kind, ".", s.group),
                                     " \"", s.name, "\" is invalid: ");
  Json jc = Json::array();
  for (size_t i = 0; i < causes.size(); ++i) {
    if (i > 0) message += ", ";
    message += kop::StrCat(causes[i].field, ": ", causes[i].message);
    jc.push_back({{"reason", causes[i].reason},
                  {"message", causes[i].message},
                  {"field", causes[i].field}});
  }
  if (causes.size() > 1) {
    message = message.substr(0, message.find(" is invalid: ") + 13) + "[" +
              message.substr(message.find(" is invalid: ") + 13) + "]";
  }
  Json details = {{"kind", s.kind}, {"causes", jc}};
  if (!s.name.empty()) details["name"] = s.name;
  if (!s.group.empty()) details["group"] = s.group;
  return ApiError(422, "Invalid", message, details);
}

absl::Status InvalidOptions(std::string_view kind, const FieldCause& cause) {
  return Invalid({.group = "meta.k8s.io", .kind = std::string(kind)}, {cause});
}

absl::Status Forbidden(const ErrorSubject& s, std::string_view why, const std::vector<FieldCause>& causes) {
  const std::string resource = s.group.empty() ? s.resource : kop::StrCat(s.resource, ".", s.group);
  const std::string message = s.name.empty() ? kop::StrCat(resource, " is forbidden: ", why)
                                             : kop::StrCat(resource, " \"", s.name, "\" is forbidden: ", why);
  Json details = {{"name", s.name}, {"kind", s.resource}};
  if (!s.group.empty()) details["group"] = s.group;
  if (s.name.empty()) details.erase("name");
  if (!causes.empty()) {
    Json list = Json::array();
    for (const FieldCause& c : causes) list.push_back({{"reason", c.reason}, {"message", c.message}, {"field", c.field}});
    details["causes"] = std::move(list);
  }
  return ApiError(403, "Forbidden", message, std::move(details));
}

absl::Status BadRequest(std::string_view message) {
  return ApiError(400, "BadRequest", message);
}

absl::Status MethodNotAllowed() {
  return ApiError(405, "MethodNotAllowed", "the server does not allow this method on the requested resource",
                  Json::object());
}

absl::Status UnsupportedMediaType() {
  return ApiError(415, "UnsupportedMediaType",
                  "the body of the request was in an unknown format - accepted media types include: "
                  "application/json, application/yaml, application/vnd.kubernetes.protobuf");
}

absl::Status Expired(std::string_view message) { return ApiError(410, "Expired", message); }

absl::Status InternalError(std::string_view message) {
  return ApiError(500, "InternalError", kop::StrCat("Internal error occurred: ", message));
}

Json StatusObject(const absl::Status& s) {
  if (auto payload = s.GetPayload(kPayloadKey); payload.has_value()) {
    absl::StatusOr<Json> j = ParseJson(std::string(*payload));
    if (j.ok()) return *j;
  }
  const int code = HttpCode(s);
  return {{"kind", "Status"},      {"apiVersion", "v1"},       {"metadata", Json::object()},
          {"status", "Failure"},   {"message", std::string(s.message())},
          {"reason", code == 500 ? "InternalError" : "BadRequest"}, {"code", code}};
}

int HttpCode(const absl::Status& s) {
  if (auto payload = s.GetPayload(kPayloadKey); payload.has_value()) {
    absl::StatusOr<Json> j = ParseJson(std::string(*payload));
    if (j.ok() && (*j)["code"].is_number_integer()) return (*j)["code"].get<int>();
  }
  switch (s.code()) {
    case absl::StatusCode::kInvalidArgument: return 400;
    case absl::StatusCode::kNotFound: return 404;
    case absl::StatusCode::kAlreadyExists:
    case absl::StatusCode::kAborted: return 409;
    case absl::StatusCode::kUnavailable: return 503;
    default: return 500;
  }
}

}  // namespace kop::testing::internal
