#include "kop/api/label_selector.h"

#include "catch2/catch.hpp"

namespace kop {
namespace {

using Labels = std::map<std::string, std::string>;

bool M(const char* selector, const Labels& labels) {
  auto s = LabelSelector::Parse(selector);
  REQUIRE(s.ok());
  return s->Matches(labels);
}

TEST_CASE("equality selectors match label values") {
  CHECK(M("app=web", {{"app", "web"}}));
  CHECK(M("app==web", {{"app", "web"}}));
  CHECK_FALSE(M("app=web", {{"app", "db"}}));
  CHECK_FALSE(M("app=web", {}));
  CHECK(M("app!=web", {{"app", "db"}}));
  CHECK(M("app!=web", {}));  // absent labels satisfy !=, as upstream
}

TEST_CASE("set-based selectors match in, notin, exists and does-not-exist") {
  CHECK(M("env in (prod, staging)", {{"env", "staging"}}));
  CHECK_FALSE(M("env in (prod,staging)", {{"env", "dev"}}));
  CHECK(M("env notin (dev)", {{"env", "prod"}}));
  CHECK(M("env notin (dev)", {}));
  CHECK(M("canary", {{"canary", ""}}));
  CHECK_FALSE(M("canary", {}));
  CHECK(M("!canary", {}));
  CHECK_FALSE(M("!canary", {{"canary", "true"}}));
}

TEST_CASE("all requirements of a selector must hold") {
  CHECK(M("app=web, tier in (front),!canary", {{"app", "web"}, {"tier", "front"}}));
  CHECK_FALSE(M("app=web,tier=front", {{"app", "web"}}));
  CHECK(M("", {{"anything", "x"}}));
}

TEST_CASE("numeric comparisons use integer values") {
  CHECK(M("replicas>2", {{"replicas", "3"}}));
  CHECK_FALSE(M("replicas>2", {{"replicas", "2"}}));
  CHECK(M("replicas<2", {{"replicas", "1"}}));
  CHECK_FALSE(M("replicas<2", {{"replicas", "x"}}));
}

TEST_CASE("prefixed keys are accepted") {
  CHECK(M("app.kubernetes.io/name=web", {{"app.kubernetes.io/name", "web"}}));
}

TEST_CASE("malformed selectors are rejected with a message naming the selector") {
  for (const char* bad : {"app=", "=web", "app=web,", "env in prod", "env in (a", "a b",
                          "app=we b", "-bad=x", "Bad_Prefix/x=y", "x>y", "app=-x"}) {
    INFO(bad);
    auto s = LabelSelector::Parse(bad);
    if (std::string_view(bad) == "app=") {
      REQUIRE(s.ok());  // an empty value is valid: matches label app with value ""
      continue;
    }
    REQUIRE_FALSE(s.ok());
    CHECK(s.status().code() == absl::StatusCode::kInvalidArgument);
    CHECK(s.status().message().find("unable to parse requirement") != std::string_view::npos);
  }
}

TEST_CASE("selectors from metav1.LabelSelector JSON match like the text form") {
  Json j = {{"matchLabels", {{"app", "web"}}},
            {"matchExpressions", {{{"key", "env"}, {"operator", "In"}, {"values", {"prod"}}}}}};
  auto s = LabelSelector::FromJson(j);
  REQUIRE(s.ok());
  CHECK(s->Matches(Labels{{"app", "web"}, {"env", "prod"}}));
  CHECK_FALSE(s->Matches(Labels{{"app", "web"}, {"env", "dev"}}));
  CHECK(s->ToString() == "app=web,env in (prod)");
  CHECK_FALSE(LabelSelector::FromJson({{"matchExpressions", {{{"key", "a"}, {"operator", "In"}}}}}).ok());
  CHECK_FALSE(LabelSelector::FromJson({{"matchExpressions", {{{"key", "a"}, {"operator", "Near"}}}}}).ok());
}

TEST_CASE("a selector matches a JSON labels object") {
  auto s = LabelSelector::Parse("app=web").value();
  Json labels = {{"app", "web"}};
  CHECK(s.Matches(&labels));
  CHECK_FALSE(s.Matches(nullptr));
}

}  // namespace
}  // namespace kop
