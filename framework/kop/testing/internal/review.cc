// Reviews: objects a client creates to ask a question, answered at once and never stored.
//
//   authentication.k8s.io/v1  TokenReview (whose token is this?), SelfSubjectReview (who am I?,
//                             kubectl auth whoami)
//   authorization.k8s.io/v1   SubjectAccessReview, LocalSubjectAccessReview and
//                             SelfSubjectAccessReview (may this user do that?, kubectl auth
//                             can-i), SelfSubjectRulesReview (what may I do?, can-i --list)
//   core/v1                   serviceaccounts/<name>/token: a TokenRequest (kubectl create
//                             token), answered with a JWT this server signs and authenticates
//
// The embedded server authorises nothing: whoever it authenticates may do anything. Access
// reviews therefore answer "allowed", as kube-apiserver does with --authorization-mode=
// AlwaysAllow, after the same validation upstream applies.
#include <openssl/crypto.h>
#include <openssl/evp.h>

#include <string>
#include <vector>

#include "absl/strings/escaping.h"
#include "kop/api/json_view.h"
#include "kop/api/time.h"
#include "kop/base/status_macros.h"
#include "kop/base/strings.h"
#include "kop/testing/internal/server.h"

namespace kop::testing {

using internal::FieldCause;
using internal::Response;

namespace {

// What kube-apiserver reports as its audience when a TokenReview names none (the default
// service account issuer).
constexpr const char* kApiAudience = "https://kubernetes.default.svc.cluster.local";

bool IsSet(const Json& j) {
  if (j.is_null()) return false;
  if (j.is_string() || j.is_object() || j.is_array()) return !j.empty();
  return true;
}

// Access reviews take no metadata (upstream: "must be empty"), bar managedFields and, for a
// LocalSubjectAccessReview, its namespace. A null creationTimestamp, as Go clients send, is
// empty.
std::vector<FieldCause> CheckEmptyMetadata(const Json& obj, bool namespaced) {
  auto m = obj.find("metadata");
  if (m == obj.end() || !m->is_object()) return {};
  for (const auto& [key, value] : m->items()) {
    if (key == "managedFields" || (namespaced && key == "namespace") || !IsSet(value)) continue;
    Json shown = *m;
    shown.erase("managedFields");
    if (namespaced) shown.erase("namespace");
    return {{"FieldValueInvalid", "metadata",
             kop::StrCat("Invalid value: ", DumpJson(shown), ": must be empty",
                         namespaced ? " except for namespace" : "")}};
  }
  return {};
}

// Exactly one of resourceAttributes and nonResourceAttributes; for the reviews that name a
// subject, a user or a group.
std::vector<FieldCause> CheckAccessSpec(const Json& spec, bool needs_subject) {
  std::vector<FieldCause> causes;
  const bool resource =
      spec.contains("resourceAttributes") && !spec["resourceAttributes"].is_null();
  const bool non_resource =
      spec.contains("nonResourceAttributes") && !spec["nonResourceAttributes"].is_null();
  if (resource && non_resource) {
    causes.push_back({"FieldValueInvalid", "spec.nonResourceAttributes",
                      kop::StrCat("Invalid value: ", DumpJson(spec["nonResourceAttributes"]),
                                  ": cannot be specified in combination with resourceAttributes")});
  }
  if (!resource && !non_resource) {
    causes.push_back(
        {"FieldValueInvalid", "spec.resourceAttributes",
         "Invalid value: null: exactly one of nonResourceAttributes or resourceAttributes "
         "must be specified"});
  }
  if (needs_subject) {
    const std::string user =
        spec.contains("user") && spec["user"].is_string() ? spec["user"].get<std::string>() : "";
    const bool groups =
        spec.contains("groups") && spec["groups"].is_array() && !spec["groups"].empty();
    if (user.empty() && !groups) {
      causes.push_back({"FieldValueInvalid", "spec.user",
                        "Invalid value: \"\": at least one of user or group must be specified"});
    }
  }
  return causes;
}

// HMAC-SHA256 of `data` under `key`.
std::string Mac(const std::string& key, std::string_view data) {
  unsigned char out[EVP_MAX_MD_SIZE];
  size_t n = 0;
  if (EVP_Q_mac(nullptr, "HMAC", nullptr, "SHA256", nullptr, key.data(), key.size(),
                reinterpret_cast<const unsigned char*>(data.data()), data.size(), out, sizeof out,
                &n) == nullptr) {
    return "";
  }
  return std::string(reinterpret_cast<const char*>(out), n);
}

std::string Base64Url(std::string_view data) {
  return absl::WebSafeBase64Escape(absl::string_view(data.data(), data.size()));
}

int64_t UnixSeconds(absl::Time t) { return absl::ToUnixSeconds(t); }

}  // namespace

Json internal::UserInfo::ToJson() const {
  Json j = Json::object();
  if (!username.empty()) j["username"] = username;
  if (!uid.empty()) j["uid"] = uid;
  if (!groups.empty()) j["groups"] = groups;
  return j;
}

std::optional<internal::UserInfo> ApiServer::Impl::Authenticate(const std::string& token) const {
  if (auto it = tokens_.find(token); it != tokens_.end()) return it->second;
  // A service account token: a JWT (header.claims.signature) this server signed.
  const size_t first = token.find('.');
  const size_t second = first == std::string::npos ? first : token.find('.', first + 1);
  if (second == std::string::npos) return std::nullopt;
  std::string signature;
  if (!absl::WebSafeBase64Unescape(token.substr(second + 1), &signature)) return std::nullopt;
  const std::string expected = Mac(token_key_, std::string_view(token).substr(0, second));
  if (expected.empty() || signature.size() != expected.size() ||
      CRYPTO_memcmp(signature.data(), expected.data(), expected.size()) != 0) {
    return std::nullopt;
  }
  std::string payload;
  if (!absl::WebSafeBase64Unescape(token.substr(first + 1, second - first - 1), &payload)) {
    return std::nullopt;
  }
  absl::StatusOr<Json> claims = ParseJson(payload);
  if (!claims.ok() || !claims->is_object()) return std::nullopt;
  const absl::Time now =
      options_.clock != nullptr ? options_.clock->WallNow() : RealClock().WallNow();
  // Claims this server wrote, so well-formed; read them without assuming it all the same.
  const JsonView c(*claims);
  const JsonView exp = c.find("exp");
  if (!exp.is_number_integer() || UnixSeconds(now) >= exp.get_int64()) return std::nullopt;
  const std::string ns(c.find("kubernetes.io").find("namespace").get_string());
  const JsonView account_claim = c.find("kubernetes.io").find("serviceaccount");
  const std::string name(account_claim.find("name").get_string());
  const std::string uid(account_claim.find("uid").get_string());
  if (ns.empty() || name.empty() || uid.empty()) return std::nullopt;
  // Bound to the service account: void once it is deleted (or replaced by one of the same name).
  std::shared_ptr<const internal::ResourceInfo> accounts =
      registry_.Find("", "v1", "serviceaccounts");
  if (accounts == nullptr) return std::nullopt;
  absl::StatusOr<StoredObject> account = store_.Get(*accounts, ns, name);
  if (!account.ok() || account->obj->uid() != uid) return std::nullopt;
  return internal::UserInfo{
      .username = kop::StrCat("system:serviceaccount:", ns, ":", name),
      .uid = uid,
      .groups = {"system:serviceaccounts", kop::StrCat("system:serviceaccounts:", ns),
                 "system:authenticated"}};
}

absl::StatusOr<Response> ApiServer::Impl::CreateToken(const Target& t, Request& req) {
  if (req.method != "POST") {
    return internal::MethodNotAllowed();
  }
  KOP_RETURN_IF_ERROR(CheckBodyType(req));
  KOP_ASSIGN_OR_RETURN(StoredObject account, store_.Get(*t.info, t.ns, t.name));
  absl::StatusOr<Json> body = ParseJson(req.body.empty() ? "{}" : req.body);
  if (!body.ok() || !body->is_object()) {
    return internal::BadRequest(
        kop::StrCat("the body of the request could not be decoded: ",
                    body.ok() ? "not an object" : ToStd(body.status().message())));
  }
  if (body->contains("kind") && (*body)["kind"] != "TokenRequest") {
    return internal::BadRequest(kop::StrCat("the kind in the data (", DumpJson((*body)["kind"]),
                                            ") does not match the expected kind (TokenRequest)"));
  }
  Json spec =
      body->contains("spec") && (*body)["spec"].is_object() ? (*body)["spec"] : Json::object();
  int64_t seconds = 3600;  // upstream's default
  if (spec.contains("expirationSeconds") && !spec["expirationSeconds"].is_null()) {
    if (!spec["expirationSeconds"].is_number_integer()) {
      return internal::BadRequest("spec.expirationSeconds: must be an integer");
    }
    seconds = spec["expirationSeconds"].get<int64_t>();
  }
  const internal::ErrorSubject subject{"authentication.k8s.io", "tokenrequests", "TokenRequest",
                                       t.name};
  if (seconds < 600) {
    return internal::Invalid(subject,
                             {{"FieldValueInvalid", "spec.expirationSeconds",
                               kop::StrCat("Invalid value: ", seconds,
                                           ": may not specify a duration less than 10 minutes")}});
  }
  if (seconds > (int64_t{1} << 32)) {
    return internal::Invalid(
        subject, {{"FieldValueInvalid", "spec.expirationSeconds",
                   kop::StrCat("Invalid value: ", seconds,
                               ": may not specify a duration larger than 2^32 seconds")}});
  }
  const bool named =
      spec.contains("audiences") && spec["audiences"].is_array() && !spec["audiences"].empty();
  const Json audiences = named ? spec["audiences"] : Json::array({kApiAudience});
  const absl::Time now =
      options_.clock != nullptr ? options_.clock->WallNow() : RealClock().WallNow();
  const absl::Time expires = now + absl::Seconds(seconds);
  const std::string uid(account.obj->uid());
  const Json claims = {
      {"aud", audiences},
      {"exp", UnixSeconds(expires)},
      {"iat", UnixSeconds(now)},
      {"nbf", UnixSeconds(now)},
      {"iss", kApiAudience},
      {"jti", kop::StrCat(uid, "-", absl::ToUnixNanos(now))},
      {"sub", kop::StrCat("system:serviceaccount:", t.ns, ":", t.name)},
      {"kubernetes.io",
       {{"namespace", t.ns}, {"serviceaccount", {{"name", t.name}, {"uid", uid}}}}}};
  const std::string signed_part =
      kop::StrCat(Base64Url(R"({"alg":"HS256","typ":"JWT"})"), ".", Base64Url(DumpJson(claims)));
  const std::string token = kop::StrCat(signed_part, ".", Base64Url(Mac(token_key_, signed_part)));
  spec["audiences"] = audiences;
  spec["expirationSeconds"] = seconds;
  if (!spec.contains("boundObjectRef")) spec["boundObjectRef"] = nullptr;
  Json out = {{"kind", "TokenRequest"},
              {"apiVersion", "authentication.k8s.io/v1"},
              {"metadata",
               {{"name", t.name}, {"namespace", t.ns}, {"creationTimestamp", FormatRFC3339(now)}}},
              {"spec", std::move(spec)},
              {"status", {{"token", token}, {"expirationTimestamp", FormatRFC3339(expires)}}}};
  return internal::JsonResponse(201, out);
}

internal::UserInfo ApiServer::Impl::UserOf(const Request& req) const {
  const std::string_view header = req.authorization;
  if (header.substr(0, 7) == "Bearer ") {
    if (std::optional<internal::UserInfo> user = Authenticate(std::string(header.substr(7))))
      return *user;
  }
  // Without authentication every request is the server's administrator, as requests to
  // kube-apiserver's former insecure port were.
  return {.username = "system:unsecured",
          .uid = "",
          .groups = {"system:masters", "system:authenticated"}};
}

absl::StatusOr<Response> ApiServer::Impl::Review(const Target& t, Request& req) {
  if (req.method != "POST" || !t.name.empty()) {
    return internal::MethodNotAllowed();
  }
  KOP_RETURN_IF_ERROR(CheckBodyType(req));
  KOP_RETURN_IF_ERROR(DryRun(req).status());
  KOP_ASSIGN_OR_RETURN(Object decoded, DecodeBody(t, req.body));
  Json obj = decoded.json();
  const std::string& kind = t.info->kind;
  const internal::ErrorSubject subject{t.info->group, t.info->plural, kind, ""};
  Json spec = obj.contains("spec") && obj["spec"].is_object() ? obj["spec"] : Json::object();
  // What comes back: the review as sent, its metadata as Go writes an empty one, and a status.
  Json out = {{"kind", kind},
              {"apiVersion", t.info->ApiVersion()},
              {"metadata", {{"creationTimestamp", nullptr}}}};
  if (kind == "TokenReview") {
    const std::string token =
        spec.contains("token") && spec["token"].is_string() ? spec["token"].get<std::string>() : "";
    if (token.empty()) {
      return internal::BadRequest("token is required for TokenReview in authentication");
    }
    out["spec"] = spec;
    Json status = {{"user", Json::object()}};
    if (std::optional<internal::UserInfo> user = Authenticate(token)) {
      status["authenticated"] = true;
      status["user"] = user->ToJson();
      const bool named =
          spec.contains("audiences") && spec["audiences"].is_array() && !spec["audiences"].empty();
      status["audiences"] = named ? spec["audiences"] : Json::array({kApiAudience});
    }
    out["status"] = std::move(status);
  } else if (kind == "SelfSubjectReview") {
    const absl::Time now =
        options_.clock != nullptr ? options_.clock->WallNow() : RealClock().WallNow();
    out["metadata"] = {{"creationTimestamp", FormatRFC3339(now)}};
    out["status"] = {{"userInfo", UserOf(req).ToJson()}};
  } else if (kind == "SelfSubjectRulesReview") {
    if (!spec.contains("namespace") || !spec["namespace"].is_string() ||
        spec["namespace"].get<std::string>().empty()) {
      return internal::BadRequest("no namespace on request");
    }
    out["spec"] = Json::object();  // upstream answers with a new review: the spec is not echoed
    out["status"] = {
        {"resourceRules", {{{"verbs", {"*"}}, {"apiGroups", {"*"}}, {"resources", {"*"}}}}},
        {"nonResourceRules", {{{"verbs", {"*"}}, {"nonResourceURLs", {"*"}}}}},
        {"incomplete", false}};
  } else {
    // SubjectAccessReview, LocalSubjectAccessReview, SelfSubjectAccessReview.
    const bool local = kind == "LocalSubjectAccessReview";
    std::vector<FieldCause> causes = CheckAccessSpec(spec, kind != "SelfSubjectAccessReview");
    if (local && spec.contains("nonResourceAttributes") &&
        !spec["nonResourceAttributes"].is_null()) {
      causes.push_back({"FieldValueInvalid", "spec.nonResourceAttributes",
                        kop::StrCat("Invalid value: ", DumpJson(spec["nonResourceAttributes"]),
                                    ": disallowed on this kind of request")});
    }
    for (FieldCause& c : CheckEmptyMetadata(obj, local)) causes.push_back(std::move(c));
    if (!causes.empty()) return internal::Invalid(subject, causes);
    if (local) out["metadata"]["namespace"] = t.ns;
    out["spec"] = spec;
    out["status"] = {{"allowed", true}};
  }
  return internal::JsonResponse(201, out);
}

}  // namespace kop::testing
