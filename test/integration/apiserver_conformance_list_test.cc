// List: label and field selectors, pagination over a consistent snapshot, and resourceVersion
// semantics. Runs against the embedded server, or a real cluster with KOP_TEST_KUBECONFIG.
#include <set>

#include "catch2/catch.hpp"
#include "integration/conformance_helpers.h"
#include "support/cluster.h"
#include "support/wait.h"

namespace kop::test {
namespace {

std::set<std::string> Names(const Json& list) {
  std::set<std::string> out;
  for (const Json& i : list["items"]) out.insert(i["metadata"]["name"].get<std::string>());
  return out;
}

void Seed(TestCluster& c) {
  c.http().Post(CorePath(c.ns(), "configmaps"), ConfigMapJson("web", {}, {{"app", "web"}, {"tier", "front"}}));
  c.http().Post(CorePath(c.ns(), "configmaps"), ConfigMapJson("api", {}, {{"app", "api"}, {"tier", "back"}}));
  c.http().Post(CorePath(c.ns(), "configmaps"), ConfigMapJson("db", {}, {{"app", "db"}}));
}

std::string Escape(const std::string& s) {
  std::string out;
  for (char ch : s) {
    if (isalnum(static_cast<unsigned char>(ch)) || ch == '-' || ch == '.' || ch == '_') {
      out += ch;
    } else {
      char buf[4];
      std::snprintf(buf, sizeof buf, "%%%02X", static_cast<unsigned char>(ch));
      out += buf;
    }
  }
  return out;
}

Json List(TestCluster& c, const std::string& query) {
  HttpReply r = c.http().Get(CorePath(c.ns(), "configmaps") + "?" + query);
  INFO(r.body);
  REQUIRE(r.code == 200);
  return r.json();
}

TEST_CASE("a list has the List kind, a resourceVersion and every object") {
  TestCluster c;
  Seed(c);
  Json list = List(c, "");
  CHECK(list["kind"] == "ConfigMapList");
  CHECK(list["apiVersion"] == "v1");
  CHECK_FALSE(list["metadata"]["resourceVersion"].get<std::string>().empty());
  CHECK(Names(list) == std::set<std::string>{"web", "api", "db"});
}

TEST_CASE("label selectors filter lists with every operator") {
  TestCluster c;
  Seed(c);
  CHECK(Names(List(c, "labelSelector=" + Escape("app=web"))) == std::set<std::string>{"web"});
  CHECK(Names(List(c, "labelSelector=" + Escape("app==web"))) == std::set<std::string>{"web"});
  CHECK(Names(List(c, "labelSelector=" + Escape("app!=web"))) == std::set<std::string>{"api", "db"});
  CHECK(Names(List(c, "labelSelector=" + Escape("app in (web,db)"))) == std::set<std::string>{"web", "db"});
  CHECK(Names(List(c, "labelSelector=" + Escape("app notin (web,db)"))) == std::set<std::string>{"api"});
  CHECK(Names(List(c, "labelSelector=" + Escape("tier"))) == std::set<std::string>{"web", "api"});
  CHECK(Names(List(c, "labelSelector=" + Escape("!tier"))) == std::set<std::string>{"db"});
  CHECK(Names(List(c, "labelSelector=" + Escape("tier,app!=api"))) == std::set<std::string>{"web"});
}

TEST_CASE("a malformed label selector is a 400") {
  TestCluster c;
  HttpReply r = c.http().Get(CorePath(c.ns(), "configmaps") + "?labelSelector=" + Escape("app in (web"));
  CHECK(r.code == 400);
}

TEST_CASE("field selectors filter on metadata.name and metadata.namespace") {
  TestCluster c;
  Seed(c);
  CHECK(Names(List(c, "fieldSelector=" + Escape("metadata.name=api"))) == std::set<std::string>{"api"});
  CHECK(Names(List(c, "fieldSelector=" + Escape("metadata.name!=api"))) == std::set<std::string>{"web", "db"});
  HttpReply all = c.http().Get("/api/v1/configmaps?fieldSelector=" + Escape("metadata.namespace=" + c.ns()));
  REQUIRE(all.code == 200);
  CHECK(Names(all.json()) == std::set<std::string>{"web", "api", "db"});
}

TEST_CASE("an unsupported field selector is a 400") {
  TestCluster c;
  HttpReply r = c.http().Get(CorePath(c.ns(), "configmaps") + "?fieldSelector=" + Escape("data.x=1"));
  CHECK(r.code == 400);
}

TEST_CASE("pod field selectors include spec.nodeName and status.phase") {
  TestCluster c;
  // Bound to a node that does not exist, so that a real cluster never runs it.
  Json pod = {{"apiVersion", "v1"}, {"kind", "Pod"}, {"metadata", {{"name", "p"}}},
              {"spec", {{"nodeName", "kop-no-such-node"},
                        {"containers", {{{"name", "c"}, {"image", "busybox"}}}}}}};
  // A real cluster admits pods once the namespace's default ServiceAccount exists.
  REQUIRE(WaitFor([&] { return c.http().Post(CorePath(c.ns(), "pods"), pod).code == 201; },
                  std::chrono::seconds(30)));
  HttpReply on_node = c.http().Get(CorePath(c.ns(), "pods") + "?fieldSelector=" +
                                   Escape("spec.nodeName=kop-no-such-node"));
  REQUIRE(on_node.code == 200);
  CHECK(Names(on_node.json()) == std::set<std::string>{"p"});
  HttpReply running = c.http().Get(CorePath(c.ns(), "pods") + "?fieldSelector=" + Escape("status.phase=Running"));
  REQUIRE(running.code == 200);
  CHECK(running.json()["items"].empty());
}

TEST_CASE("limit and continue page through one consistent snapshot") {
  TestCluster c;
  for (int i = 0; i < 25; ++i) {
    REQUIRE(c.http().Post(CorePath(c.ns(), "configmaps"), ConfigMapJson("cm-" + std::to_string(100 + i))).code == 201);
  }
  Json first = List(c, "limit=10");
  REQUIRE(first["items"].size() == 10);
  const std::string token = first["metadata"]["continue"];
  REQUIRE_FALSE(token.empty());
  CHECK(first["metadata"]["remainingItemCount"] == 15);
  // Changes after the first page are not seen by the rest of it.
  c.http().Post(CorePath(c.ns(), "configmaps"), ConfigMapJson("cm-999"));
  c.http().Delete(CorePath(c.ns(), "configmaps", "cm-124"));
  std::set<std::string> seen = Names(first);
  std::string next = token;
  int pages = 1;
  while (!next.empty()) {
    Json page = List(c, "limit=10&continue=" + Escape(next));
    CHECK(page["metadata"]["resourceVersion"] == first["metadata"]["resourceVersion"]);
    for (const std::string& n : Names(page)) CHECK(seen.insert(n).second);
    next = page["metadata"].value("continue", "");
    ++pages;
  }
  CHECK(pages == 3);
  CHECK(seen.size() == 25);
  CHECK(seen.count("cm-124") == 1);
  CHECK(seen.count("cm-999") == 0);
}

TEST_CASE("a malformed continue token is a 400") {
  TestCluster c;
  HttpReply r = c.http().Get(CorePath(c.ns(), "configmaps") + "?limit=1&continue=garbage");
  CHECK(r.code == 400);
}

TEST_CASE("resourceVersionMatch without resourceVersion is refused as invalid ListOptions") {
  TestCluster c;
  HttpReply r = c.http().Get(CorePath(c.ns(), "configmaps") + "?resourceVersionMatch=NotOlderThan");
  CHECK(r.code == 422);
  const Json status = r.json();
  CHECK(status.value("reason", "") == "Invalid");
  CHECK(status["details"].value("kind", "") == "ListOptions");
  CHECK(status["details"].value("group", "") == "meta.k8s.io");
  REQUIRE(status["details"]["causes"].size() == 1);
  CHECK(status["details"]["causes"][0].value("field", "") == "resourceVersionMatch");
  CHECK(status["details"]["causes"][0].value("reason", "") == "FieldValueForbidden");
}

TEST_CASE("a list at resourceVersion 0 or at the current version succeeds") {
  TestCluster c;
  Seed(c);
  Json now = List(c, "");
  CHECK(Names(List(c, "resourceVersion=0")).size() == 3);
  const std::string rv = now["metadata"]["resourceVersion"];
  Json not_older = List(c, "resourceVersion=" + rv + "&resourceVersionMatch=NotOlderThan");
  CHECK(Names(not_older).size() == 3);
}

TEST_CASE("an exact list at an older resourceVersion shows the state then") {
  TestCluster c;
  Seed(c);
  const std::string rv = List(c, "")["metadata"]["resourceVersion"];
  c.http().Delete(CorePath(c.ns(), "configmaps", "db"));
  c.http().Post(CorePath(c.ns(), "configmaps"), ConfigMapJson("late"));
  Json then = List(c, "resourceVersion=" + rv + "&resourceVersionMatch=Exact");
  CHECK(Names(then) == std::set<std::string>{"web", "api", "db"});
  CHECK(then["metadata"]["resourceVersion"] == rv);
}

TEST_CASE("list items of a custom resource carry apiVersion and kind") {
  TestCluster c;
  const std::string group = c.InstallCrd("Doohickey", "doohickeys");
  const std::string base = "/apis/" + group + "/v1/namespaces/" + c.ns() + "/doohickeys";
  c.http().Post(base, {{"apiVersion", group + "/v1"}, {"kind", "Doohickey"}, {"metadata", {{"name", "d"}}}});
  Json list = c.http().Get(base).json();
  REQUIRE(list["items"].size() == 1);
  CHECK(list["items"][0]["apiVersion"] == group + "/v1");
  CHECK(list["items"][0]["kind"] == "Doohickey");
}

}  // namespace
}  // namespace kop::test
