// Reviews: objects a client creates to ask a question, answered at once and never stored.
//
//   authentication.k8s.io/v1  TokenReview (whose token is this?), SelfSubjectReview (who am I?,
//                             kubectl auth whoami)
//   authorization.k8s.io/v1   SubjectAccessReview, LocalSubjectAccessReview and
//                             SelfSubjectAccessReview (may this user do that?, kubectl auth
//                             can-i), SelfSubjectRulesReview (what may I do?, can-i --list)
//
// The embedded server authorises nothing: whoever it authenticates may do anything. Access
// reviews therefore answer "allowed", as kube-apiserver does with --authorization-mode=
// AlwaysAllow, after the same validation upstream applies.
#include <string>
#include <vector>

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

}  // namespace

Json internal::UserInfo::ToJson() const {
  Json j = Json::object();
  if (!username.empty()) j["username"] = username;
  if (!uid.empty()) j["uid"] = uid;
  if (!groups.empty()) j["groups"] = groups;
  return j;
}

internal::UserInfo ApiServer::Impl::UserOf(const Request& req) const {
  const std::string_view header = req.authorization;
  if (header.substr(0, 7) == "Bearer ") {
    if (auto it = tokens_.find(std::string(header.substr(7))); it != tokens_.end())
      return it->second;
  }
  // Without authentication every request is the server's administrator, as requests to
  // kube-apiserver's former insecure port were.
  return {.username = "system:unsecured",
          .uid = "",
          .groups = {"system:masters", "system:authenticated"}};
}

absl::StatusOr<Response> ApiServer::Impl::Review(const Target& t, Request& req) {
  if (req.method != "POST" || !t.name.empty()) {
    return internal::MethodNotAllowed(
        "the server does not allow this method on the requested resource");
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
    if (token.empty())
      return internal::BadRequest("token is required for TokenReview in authentication");
    out["spec"] = spec;
    Json status = {{"user", Json::object()}};
    if (auto it = tokens_.find(token); it != tokens_.end()) {
      status["authenticated"] = true;
      status["user"] = it->second.ToJson();
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
