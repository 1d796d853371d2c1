// Reviews (TokenReview, SelfSubjectReview, the access reviews) and the health endpoints'
// verbose form. Runs against the embedded server, or a real cluster with KOP_TEST_KUBECONFIG
// (whose kubeconfig user is taken to be an administrator).
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <fstream>

#include "catch2/catch.hpp"
#include "integration/conformance_helpers.h"
#include "support/cluster.h"
#include "support/wait.h"

namespace kop::test {
namespace {

constexpr const char* kAuthz = "/apis/authorization.k8s.io/v1";
constexpr const char* kAuthn = "/apis/authentication.k8s.io/v1";

bool Contains(const Json& array, const std::string& value) {
  return array.is_array() && std::find(array.begin(), array.end(), value) != array.end();
}

Json Review(const std::string& kind, const std::string& api_version, Json spec) {
  return {{"apiVersion", api_version}, {"kind", kind}, {"spec", std::move(spec)}};
}

Json AccessReview(const std::string& kind, Json spec) {
  return Review(kind, "authorization.k8s.io/v1", std::move(spec));
}

TEST_CASE("discovery lists the reviews, each to be created only") {
  TestCluster c;
  for (const auto& [gv, names] :
       {std::pair{std::string(kAuthz),
                  std::vector<std::string>{"selfsubjectaccessreviews", "subjectaccessreviews",
                                           "localsubjectaccessreviews", "selfsubjectrulesreviews"}},
        std::pair{std::string(kAuthn),
                  std::vector<std::string>{"tokenreviews", "selfsubjectreviews"}}}) {
    Json list = c.http().Get(gv).json();
    for (const std::string& name : names) {
      INFO(gv << " " << name);
      const Json* found = nullptr;
      for (const Json& r : list["resources"]) {
        if (r["name"] == name) found = &r;
      }
      REQUIRE(found != nullptr);
      CHECK((*found)["verbs"] == Json::array({"create"}));
      CHECK((*found)["namespaced"] == (name == "localsubjectaccessreviews"));
    }
  }
}

TEST_CASE("a SelfSubjectAccessReview answers whether the caller may act, and is not stored") {
  TestCluster c;
  Json spec = {{"resourceAttributes",
                {{"namespace", c.ns()},
                 {"verb", "create"},
                 {"group", "apps"},
                 {"resource", "deployments"}}}};
  HttpReply r = c.http().Post(std::string(kAuthz) + "/selfsubjectaccessreviews",
                              AccessReview("SelfSubjectAccessReview", spec));
  REQUIRE(r.code == 201);
  Json answer = r.json();
  CHECK(answer["kind"] == "SelfSubjectAccessReview");
  CHECK(answer["apiVersion"] == "authorization.k8s.io/v1");
  CHECK(answer["spec"]["resourceAttributes"]["resource"] == "deployments");
  CHECK(answer["status"]["allowed"] == true);

  HttpReply non_resource = c.http().Post(
      std::string(kAuthz) + "/selfsubjectaccessreviews",
      AccessReview("SelfSubjectAccessReview",
                   {{"nonResourceAttributes", {{"path", "/healthz"}, {"verb", "get"}}}}));
  REQUIRE(non_resource.code == 201);
  CHECK(non_resource.json()["status"]["allowed"] == true);

  // Nothing to read back: the collection cannot be listed.
  CHECK(c.http().Get(std::string(kAuthz) + "/selfsubjectaccessreviews").code == 405);
}

TEST_CASE("access reviews are validated as upstream validates them") {
  TestCluster c;
  SECTION("neither kind of attributes") {
    HttpReply r = c.http().Post(std::string(kAuthz) + "/selfsubjectaccessreviews",
                                AccessReview("SelfSubjectAccessReview", Json::object()));
    CHECK(r.code == 422);
    CHECK(r.json()["reason"] == "Invalid");
    CHECK(r.json()["message"].get<std::string>().find(
              "exactly one of nonResourceAttributes or resourceAttributes must be specified") !=
          std::string::npos);
  }
  SECTION("a SubjectAccessReview without a user or a group") {
    HttpReply r = c.http().Post(
        std::string(kAuthz) + "/subjectaccessreviews",
        AccessReview("SubjectAccessReview",
                     {{"resourceAttributes", {{"verb", "get"}, {"resource", "pods"}}}}));
    CHECK(r.code == 422);
    CHECK(r.json()["message"].get<std::string>().find(
              "at least one of user or group must be specified") != std::string::npos);
  }
  SECTION("metadata on an access review") {
    Json review = AccessReview("SelfSubjectAccessReview",
                               {{"resourceAttributes", {{"verb", "get"}, {"resource", "pods"}}}});
    review["metadata"] = {{"name", "named"}};
    HttpReply r = c.http().Post(std::string(kAuthz) + "/selfsubjectaccessreviews", review);
    CHECK(r.code == 422);
    CHECK(r.json()["message"].get<std::string>().find("must be empty") != std::string::npos);
  }
}

TEST_CASE("a SubjectAccessReview and a LocalSubjectAccessReview answer for the named user") {
  TestCluster c;
  Json attributes = {{"namespace", c.ns()}, {"verb", "get"}, {"resource", "configmaps"}};
  HttpReply sar =
      c.http().Post(std::string(kAuthz) + "/subjectaccessreviews",
                    AccessReview("SubjectAccessReview", {{"user", "someone"},
                                                         {"groups", {"system:masters"}},
                                                         {"resourceAttributes", attributes}}));
  REQUIRE(sar.code == 201);
  CHECK(sar.json()["status"]["allowed"] == true);
  CHECK(sar.json()["spec"]["user"] == "someone");

  HttpReply local = c.http().Post(
      "/apis/authorization.k8s.io/v1/namespaces/" + c.ns() + "/localsubjectaccessreviews",
      AccessReview("LocalSubjectAccessReview",
                   {{"groups", {"system:masters"}}, {"resourceAttributes", attributes}}));
  REQUIRE(local.code == 201);
  CHECK(local.json()["metadata"]["namespace"] == c.ns());
  CHECK(local.json()["status"]["allowed"] == true);
}

TEST_CASE("a SelfSubjectRulesReview lists what the caller may do in a namespace") {
  TestCluster c;
  HttpReply none = c.http().Post(std::string(kAuthz) + "/selfsubjectrulesreviews",
                                 AccessReview("SelfSubjectRulesReview", Json::object()));
  CHECK(none.code == 400);
  HttpReply r = c.http().Post(std::string(kAuthz) + "/selfsubjectrulesreviews",
                              AccessReview("SelfSubjectRulesReview", {{"namespace", c.ns()}}));
  REQUIRE(r.code == 201);
  Json status = r.json()["status"];
  bool everything = false;
  for (const Json& rule : status["resourceRules"]) {
    everything = everything || (Contains(rule["verbs"], "*") && Contains(rule["apiGroups"], "*") &&
                                Contains(rule["resources"], "*"));
  }
  CHECK(everything);
  CHECK(status["incomplete"] == false);
}

TEST_CASE("a SelfSubjectReview names the caller") {
  TestCluster c;
  HttpReply r = c.http().Post(
      std::string(kAuthn) + "/selfsubjectreviews",
      Json{{"apiVersion", "authentication.k8s.io/v1"}, {"kind", "SelfSubjectReview"}});
  REQUIRE(r.code == 201);
  Json user = r.json()["status"]["userInfo"];
  CHECK_FALSE(user.value("username", "").empty());
  CHECK(Contains(user["groups"], "system:authenticated"));
  CHECK(r.json()["metadata"]["creationTimestamp"].is_string());
}

TEST_CASE("a TokenReview tells a known token from an unknown one") {
  TestCluster c;
  const std::string path = std::string(kAuthn) + "/tokenreviews";
  HttpReply missing =
      c.http().Post(path, Review("TokenReview", "authentication.k8s.io/v1", Json::object()));
  CHECK(missing.code == 400);
  CHECK(missing.json()["message"] == "token is required for TokenReview in authentication");

  HttpReply unknown = c.http().Post(path, Review("TokenReview", "authentication.k8s.io/v1",
                                                 {{"token", "not-a-token-anyone-has"}}));
  REQUIRE(unknown.code == 201);
  CHECK(unknown.json()["status"].value("authenticated", false) == false);

  const std::string& own = c.http().auth().token;
  if (own.empty()) return;  // the client authenticates by certificate: no token to review
  HttpReply known =
      c.http().Post(path, Review("TokenReview", "authentication.k8s.io/v1", {{"token", own}}));
  REQUIRE(known.code == 201);
  Json status = known.json()["status"];
  CHECK(status["authenticated"] == true);
  CHECK_FALSE(status["user"].value("username", "").empty());
  CHECK(Contains(status["user"]["groups"], "system:authenticated"));
  CHECK_FALSE(status["audiences"].empty());
}

TEST_CASE(
    "a TokenRequest issues a service account token that authenticates until the account goes") {
  TestCluster c;
  const std::string accounts = CorePath(c.ns(), "serviceaccounts");
  REQUIRE(c.http()
              .Post(accounts, {{"apiVersion", "v1"},
                               {"kind", "ServiceAccount"},
                               {"metadata", {{"name", "builder"}}}})
              .code == 201);
  const Json request = {{"apiVersion", "authentication.k8s.io/v1"},
                        {"kind", "TokenRequest"},
                        {"spec", {{"expirationSeconds", 1200}}}};
  HttpReply issued = c.http().Post(accounts + "/builder/token", request);
  INFO(issued.body);
  REQUIRE(issued.code == 201);
  CHECK(issued.json()["kind"] == "TokenRequest");
  CHECK(issued.json()["spec"]["expirationSeconds"] == 1200);
  CHECK_FALSE(issued.json()["spec"]["audiences"].empty());
  CHECK(issued.json()["status"]["expirationTimestamp"].is_string());
  const std::string token = issued.json()["status"]["token"];
  CHECK(std::count(token.begin(), token.end(), '.') == 2);  // a JWT

  const std::string user = "system:serviceaccount:" + c.ns() + ":builder";
  HttpReply review =
      c.http().Post(std::string(kAuthn) + "/tokenreviews",
                    Review("TokenReview", "authentication.k8s.io/v1", {{"token", token}}));
  REQUIRE(review.code == 201);
  CHECK(review.json()["status"]["authenticated"] == true);
  CHECK(review.json()["status"]["user"]["username"] == user);
  CHECK(Contains(review.json()["status"]["user"]["groups"], "system:serviceaccounts:" + c.ns()));

  ClusterAuth as_account = c.http().auth();
  as_account.token = token;
  as_account.client_cert_pem.clear();
  as_account.client_key_pem.clear();
  const Json whoami_request = {{"apiVersion", "authentication.k8s.io/v1"},
                               {"kind", "SelfSubjectReview"}};
  HttpReply whoami =
      HttpClient(as_account).Post(std::string(kAuthn) + "/selfsubjectreviews", whoami_request);
  REQUIRE(whoami.code == 201);
  CHECK(whoami.json()["status"]["userInfo"]["username"] == user);

  // Too short a lifetime, and an account that does not exist.
  HttpReply short_lived =
      c.http().Post(accounts + "/builder/token", Json{{"apiVersion", "authentication.k8s.io/v1"},
                                                      {"kind", "TokenRequest"},
                                                      {"spec", {{"expirationSeconds", 60}}}});
  CHECK(short_lived.code == 422);
  CHECK(c.http().Post(accounts + "/nobody/token", request).code == 404);

  // The token is bound to the account: deleting it voids the token.
  REQUIRE(c.http().Delete(accounts + "/builder").code == 200);
  CHECK(WaitFor([&] {
    HttpReply r =
        c.http().Post(std::string(kAuthn) + "/tokenreviews",
                      Review("TokenReview", "authentication.k8s.io/v1", {{"token", token}}));
    return r.code == 201 && !r.json()["status"].value("authenticated", false);
  }));
}

TEST_CASE("the users of a token file are who reviews say they are [embedded-only]") {
  if (std::getenv("KOP_TEST_KUBECONFIG") != nullptr) return;
  char path[] = "/tmp/kop-tokens-XXXXXX";
  const int fd = mkstemp(path);
  REQUIRE(fd >= 0);
  close(fd);
  {
    std::ofstream out(path);
    out << "# comment\n"
        << "tok-alice,alice,uid-1,\"dev,ops\"\n"
        << "tok-bob,bob,uid-2\n";
  }
  kop::testing::ApiServerOptions options;
  options.token_auth_file = path;
  auto server = kop::testing::ApiServer::Start(options);
  std::remove(path);
  REQUIRE(server.ok());
  HttpClient bob(ClusterAuth{.server = (*server)->url(), .token = "tok-bob"});
  HttpReply whoami =
      bob.Post(std::string(kAuthn) + "/selfsubjectreviews",
               Json{{"apiVersion", "authentication.k8s.io/v1"}, {"kind", "SelfSubjectReview"}});
  REQUIRE(whoami.code == 201);
  CHECK(whoami.json()["status"]["userInfo"] ==
        Json{{"username", "bob"}, {"uid", "uid-2"}, {"groups", {"system:authenticated"}}});
  HttpReply alice = bob.Post(std::string(kAuthn) + "/tokenreviews",
                             Review("TokenReview", "authentication.k8s.io/v1",
                                    {{"token", "tok-alice"}, {"audiences", {"my-api"}}}));
  REQUIRE(alice.code == 201);
  Json status = alice.json()["status"];
  CHECK(status["authenticated"] == true);
  CHECK(status["user"] == Json{{"username", "alice"},
                               {"uid", "uid-1"},
                               {"groups", {"dev", "ops", "system:authenticated"}}});
  CHECK(status["audiences"] == Json::array({"my-api"}));
}

TEST_CASE("health endpoints list their checks when asked to be verbose") {
  TestCluster c;
  for (const char* endpoint : {"/readyz", "/livez"}) {
    INFO(endpoint);
    HttpReply verbose = c.http().Get(std::string(endpoint) + "?verbose");
    REQUIRE(verbose.code == 200);
    CHECK(verbose.body.find("[+]ping ok") != std::string::npos);
    CHECK(verbose.body.find(std::string(endpoint + 1) + " check passed") != std::string::npos);
    HttpReply ping = c.http().Get(std::string(endpoint) + "/ping");
    CHECK(ping.code == 200);
    CHECK(ping.body == "ok");
    CHECK(c.http().Get(std::string(endpoint) + "/no-such-check").code == 404);
  }
}

}  // namespace
}  // namespace kop::test
