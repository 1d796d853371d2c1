#include "kop/client/errors.h"

#include "catch2/catch.hpp"

namespace kop {
namespace {

TEST_CASE("a Status body becomes an error keeping code, reason, message and details") {
  absl::Status s = ApiErrorFromResponse(404, R"({"kind":"Status","apiVersion":"v1","status":"Failure",
      "message":"configmaps \"x\" not found","reason":"NotFound","details":{"name":"x","kind":"configmaps"},"code":404})");
  CHECK(s.code() == absl::StatusCode::kNotFound);
  CHECK(s.message() == "configmaps \"x\" not found");
  CHECK(kop::IsNotFound(s));
  CHECK_FALSE(IsConflict(s));
  CHECK(HttpCode(s) == 404);
  CHECK(StatusReason(s) == "NotFound");
  CHECK((*KubernetesStatus(s))["details"]["name"] == "x");
}

TEST_CASE("each helper answers for its reason or code") {
  auto err = [](int code, const char* reason) {
    return ApiErrorFromResponse(code, std::string(R"({"kind":"Status","reason":")") + reason + "\"}");
  };
  CHECK(kop::IsAlreadyExists(err(409, "AlreadyExists")));
  CHECK(err(409, "AlreadyExists").code() == absl::StatusCode::kAlreadyExists);
  CHECK(IsConflict(err(409, "Conflict")));
  CHECK(err(409, "Conflict").code() == absl::StatusCode::kAborted);
  CHECK(IsGone(err(410, "Gone")));
  CHECK(IsResourceExpired(err(410, "Expired")));
  CHECK_FALSE(IsResourceExpired(err(410, "Gone")));
  CHECK(IsInvalid(err(422, "Invalid")));
  CHECK(IsForbidden(err(403, "Forbidden")));
  CHECK(IsUnauthorized(err(401, "Unauthorized")));
  CHECK(IsTooManyRequests(err(429, "TooManyRequests")));
  CHECK(IsServerTimeout(err(500, "ServerTimeout")));
  CHECK(IsTimeout(err(504, "Timeout")));
  CHECK(IsBadRequest(err(400, "BadRequest")));
  CHECK(IsMethodNotSupported(err(405, "MethodNotAllowed")));
  CHECK(IsUnsupportedMediaType(err(415, "UnsupportedMediaType")));
  CHECK(IsServiceUnavailable(err(503, "ServiceUnavailable")));
}

TEST_CASE("a body that is not a Status still gives a clear error with the code's reason") {
  absl::Status s = ApiErrorFromResponse(503, "<html>upstream down</html>");
  CHECK(s.code() == absl::StatusCode::kUnavailable);
  CHECK(s.message().find("503") != std::string_view::npos);
  CHECK(s.message().find("upstream down") != std::string_view::npos);
  CHECK(IsServiceUnavailable(s));
  absl::Status empty = ApiErrorFromResponse(404, "");
  CHECK(kop::IsNotFound(empty));
  CHECK(empty.message() == "the server answered HTTP 404");
}

TEST_CASE("retryAfterSeconds is read from the details") {
  absl::Status s = ApiErrorFromResponse(429, R"({"kind":"Status","reason":"TooManyRequests","details":{"retryAfterSeconds":3}})");
  CHECK(RetryAfterSeconds(s) == 3);
  CHECK_FALSE(RetryAfterSeconds(absl::NotFoundError("x")).has_value());
}

TEST_CASE("a Status object in hand becomes the same error its text would") {
  const Json status = {{"kind", "Status"},
                       {"apiVersion", "v1"},
                       {"status", "Failure"},
                       {"reason", "NotFound"},
                       {"message", "configmaps \"x\" not found"},
                       {"details", {{"name", "x"}, {"kind", "configmaps"}}}};
  absl::Status direct = ApiErrorFromStatus(404, status);
  absl::Status parsed = ApiErrorFromResponse(404, DumpJson(status));
  CHECK(direct == parsed);
  CHECK(kop::IsNotFound(direct));
  CHECK(HttpCode(direct) == 404);
  CHECK(direct.message() == "configmaps \"x\" not found");
  // Without a reason, the code's is filled in; a reason that is not a string counts as none.
  absl::Status bare = ApiErrorFromStatus(409, {{"kind", "Status"}, {"reason", 7}});
  CHECK(IsConflict(bare));
  CHECK(bare.code() == absl::StatusCode::kAborted);
  CHECK(StatusReason(ApiErrorFromStatus(500, Json::array())) == "InternalError");
}

TEST_CASE("a payload that is not a Status object answers no rather than failing") {
  absl::Status s = absl::NotFoundError("x");
  s.SetPayload("kop.k8s.io/status", absl::Cord("[1,2]"));
  CHECK_FALSE(kop::IsNotFound(s));
  CHECK(HttpCode(s) == 0);
  CHECK_FALSE(KubernetesStatus(s).has_value());
  s.SetPayload("kop.k8s.io/status", absl::Cord(R"({"reason":["NotFound"],"code":"404"})"));
  CHECK_FALSE(kop::IsNotFound(s));
  CHECK(HttpCode(s) == 0);
  CHECK(KubernetesStatus(s).has_value());
}

TEST_CASE("errors that did not come from the server answer no") {
  absl::Status s = absl::UnavailableError("connection refused");
  CHECK_FALSE(kop::IsNotFound(s));
  CHECK(HttpCode(s) == 0);
  CHECK(StatusReason(s).empty());
}

}  // namespace
}  // namespace kop
