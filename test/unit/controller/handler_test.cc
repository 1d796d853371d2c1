// The event handlers that turn informer events into reconcile requests, without an informer:
// each is called as an informer would call it, and the requests it makes are recorded.
#include "kop/controller/handler.h"

#include <memory>
#include <string>
#include <vector>

#include "catch2/catch.hpp"

namespace kop {
namespace {

struct Requests {
  std::vector<std::string> keys;
  Enqueue enqueue() {
    return [this](const Request& r) { keys.push_back(r.key.namespace_ + "/" + r.key.name); };
  }
};

cache::ObjectPtr Make(const std::string& json) {
  return std::make_shared<const Object>(Object(Json::parse(json)));
}

cache::ObjectPtr Deployment(const std::string& name, const std::string& owners, int generation = 1) {
  return Make(R"({"apiVersion":"apps/v1","kind":"Deployment","metadata":{"name":")" + name +
              R"(","namespace":"prod","generation":)" + std::to_string(generation) +
              R"(,"ownerReferences":)" + owners + "}}");
}

std::string Owner(const std::string& api_version, const std::string& kind, const std::string& name,
                  bool controller) {
  return R"({"apiVersion":")" + api_version + R"(","kind":")" + kind + R"(","name":")" + name +
         R"(","uid":"u-)" + name + R"(","controller":)" + (controller ? "true" : "false") + "}";
}

TEST_CASE("EnqueueForObject: the object's own key, for adds, updates and deletes", "[handler]") {
  Requests got;
  auto h = EnqueueForObject(got.enqueue());
  cache::ObjectPtr a = Make(R"({"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"a","namespace":"ns"}})");
  h->OnAdd(a, true);
  h->OnUpdate(a, a);
  h->OnDelete(a);
  CHECK(got.keys == std::vector<std::string>{"ns/a", "ns/a", "ns/a"});
}

TEST_CASE("EnqueueForOwner: only the controller owner of the given group and kind", "[handler]") {
  Requests got;
  auto h = EnqueueForOwner(got.enqueue(), {"example.com", "Application"});
  // Controller owner of the right kind.
  h->OnAdd(Deployment("d1", "[" + Owner("example.com/v1", "Application", "web", true) + "]"), false);
  // An owner that is not the controller: nothing.
  h->OnAdd(Deployment("d2", "[" + Owner("example.com/v1", "Application", "api", false) + "]"), false);
  // The controller is of another kind, or another group: nothing.
  h->OnAdd(Deployment("d3", "[" + Owner("apps/v1", "ReplicaSet", "rs", true) + "]"), false);
  h->OnAdd(Deployment("d4", "[" + Owner("other.io/v1", "Application", "x", true) + "]"), false);
  // Another version of the same group and kind counts.
  h->OnDelete(Deployment("d5", "[" + Owner("example.com/v2", "Application", "v2app", true) + "]"));
  CHECK(got.keys == std::vector<std::string>{"prod/web", "prod/v2app"});
}

TEST_CASE("EnqueueForOwner: an update that moves the owner enqueues both, each once", "[handler]") {
  Requests got;
  auto h = EnqueueForOwner(got.enqueue(), {"example.com", "Application"});
  cache::ObjectPtr before = Deployment("d", "[" + Owner("example.com/v1", "Application", "old", true) + "]");
  cache::ObjectPtr after = Deployment("d", "[" + Owner("example.com/v1", "Application", "new", true) + "]");
  h->OnUpdate(before, after);
  CHECK(got.keys == std::vector<std::string>{"prod/old", "prod/new"});
  got.keys.clear();
  cache::ObjectPtr same = Deployment("d", "[" + Owner("example.com/v1", "Application", "new", true) + "]", 2);
  h->OnUpdate(after, same);
  CHECK(got.keys == std::vector<std::string>{"prod/new"});
}

TEST_CASE("EnqueueFromMap and predicates: the map's keys, after every predicate passes", "[handler]") {
  Requests got;
  auto h = EnqueueFromMap(
      got.enqueue(),
      [](const Object& o) {
        return std::vector<Request>{{{"a", std::string(o.name())}}, {{"b", std::string(o.name())}}};
      },
      {predicate::GenerationChanged()});
  cache::ObjectPtr g1 = Deployment("d", "[]", 1);
  cache::ObjectPtr g1_again = Deployment("d", "[]", 1);
  cache::ObjectPtr g2 = Deployment("d", "[]", 2);
  h->OnUpdate(g1, g1_again);  // same generation: filtered
  CHECK(got.keys.empty());
  h->OnUpdate(g1, g2);
  CHECK(got.keys == std::vector<std::string>{"a/d", "b/d"});
}

}  // namespace
}  // namespace kop
