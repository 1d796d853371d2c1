// The Informer against a scripted transport: the cache it keeps and what its handlers hear,
// in order, including the deletes a relist reveals and handlers added late.
#include "kop/cache/informer.h"

#include <chrono>
#include <algorithm>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

#include "catch2/catch.hpp"
#include "support/api_json.h"
#include "support/scripted_transport.h"

namespace kop::cache {
namespace {

using kop::test::ScriptedStream;
using kop::test::ScriptedTransport;
using kop::test::ConfigMapEvent;
using kop::test::ListJson;
using namespace std::chrono_literals;

// Records "add:a@5(initial)", "update:a@5->a@6", "delete:a@6".
class Recorder final : public EventHandler {
 public:
  void OnAdd(const ObjectPtr& obj, bool initial) override {
    Record("add:" + Id(*obj) + (initial ? "(initial)" : ""));
  }
  void OnUpdate(const ObjectPtr& old_obj, const ObjectPtr& new_obj) override {
    Record("update:" + Id(*old_obj) + "->" + Id(*new_obj));
  }
  void OnDelete(const ObjectPtr& obj) override { Record("delete:" + Id(*obj)); }

  std::vector<std::string> WaitFor(size_t n, std::chrono::milliseconds timeout = 10s) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    kop::MutexLock lock(&mu_);
    while (seen_.size() < n) {
      if (!changed_.WaitUntil(&mu_, deadline)) break;
    }
    return seen_;
  }

 private:
  static std::string Id(const Object& o) {
    return std::string(o.name()) + "@" + std::string(o.resource_version());
  }
  void Record(std::string s) {
    kop::MutexLock lock(&mu_);
    seen_.push_back(std::move(s));
    changed_.SignalAll();
  }
  kop::Mutex mu_;
  kop::CondVar changed_;
  std::vector<std::string> seen_ ABSL_GUARDED_BY(mu_);
};

class Thrower final : public EventHandler {
 public:
  void OnAdd(const ObjectPtr&, bool) override { throw std::runtime_error("handler bug"); }
  void OnUpdate(const ObjectPtr&, const ObjectPtr&) override {}
  void OnDelete(const ObjectPtr&) override {}
};

std::string Item(const std::string& name, const std::string& rv) {
  return R"({"metadata":{"name":")" + name + R"(","namespace":"default","resourceVersion":")" + rv +
         R"(","managedFields":[{"manager":"kubectl"}]},"data":{"k":")" + name + R"("}})";
}

std::string List(const std::string& rv, const std::vector<std::string>& items) {
  return ListJson("ConfigMap", rv, items);
}

std::string Event(const std::string& type, const std::string& name, const std::string& rv) {
  return ConfigMapEvent(type, name, rv);
}

InformerOptions Options() {
  InformerOptions o;
  o.reflector.initial_backoff = 1ms;
  o.reflector.max_backoff = 5ms;
  return o;
}

TEST_CASE("informer: the initial list, then changes, reach the cache and the handlers in order", "[informer]") {
  auto t = std::make_shared<ScriptedTransport>();
  t->Answer("/api/v1/configmaps?limit=500", 200, List("10", {Item("a", "5"), Item("b", "6")}));
  Informer informer(client::ResourceClient(t, {"", "v1", "configmaps"}, true, ""), Options());
  auto rec = std::make_shared<Recorder>();
  informer.AddEventHandler(rec);
  CHECK_FALSE(informer.HasSynced());
  informer.Start();
  REQUIRE(informer.WaitForCacheSync(10s));
  std::shared_ptr<ScriptedStream> watch = t->NextStream();
  REQUIRE(watch != nullptr);
  CHECK(rec->WaitFor(2) == std::vector<std::string>{"add:a@5(initial)", "add:b@6(initial)"});
  // The default transform drops managed fields before storing.
  ObjectPtr a = informer.indexer().Get({"default", "a"});
  REQUIRE(a != nullptr);
  CHECK_FALSE(a->FindView({"metadata", "managedFields"}).exists());
  CHECK(a->FindView({"data", "k"}).get_string() == "a");

  watch->Send(Event("MODIFIED", "a", "11") + Event("ADDED", "c", "12") + Event("DELETED", "b", "13"));
  const std::vector<std::string> seen = rec->WaitFor(5);
  REQUIRE(seen.size() == 5);
  CHECK(seen[2] == "update:a@5->a@11");
  CHECK(seen[3] == "add:c@12");
  CHECK(seen[4] == "delete:b@13");  // the object as the DELETED event carried it
  CHECK(informer.indexer().Get({"default", "b"}) == nullptr);
  CHECK(informer.indexer().Get({"default", "c"}) != nullptr);
  const Informer::Stats st = informer.stats();
  CHECK(st.objects == 2);
  CHECK(st.added == 1);
  CHECK(st.modified == 1);
  CHECK(st.deleted == 1);
  informer.Stop();
}

TEST_CASE("informer: a relist delivers deletes for what vanished and updates for what changed", "[informer]") {
  auto t = std::make_shared<ScriptedTransport>();
  t->Answer("/api/v1/configmaps?limit=500", 200, List("10", {Item("a", "5"), Item("b", "6")}));
  Informer informer(client::ResourceClient(t, {"", "v1", "configmaps"}, true, ""), Options());
  auto rec = std::make_shared<Recorder>();
  informer.AddEventHandler(rec);
  informer.Start();
  REQUIRE(informer.WaitForCacheSync(10s));
  std::shared_ptr<ScriptedStream> watch = t->NextStream();
  REQUIRE(watch != nullptr);
  REQUIRE(rec->WaitFor(2).size() == 2);
  // While the informer was behind, b was deleted, a changed and d appeared.
  t->Clear();
  t->Answer("/api/v1/configmaps?limit=500", 200, List("50", {Item("a", "40"), Item("d", "45")}));
  watch->Send(R"({"type":"ERROR","object":{"kind":"Status","apiVersion":"v1","status":"Failure","reason":"Expired","code":410,"message":"too old resource version"}})"
              "\n");
  std::vector<std::string> seen = rec->WaitFor(5);
  REQUIRE(seen.size() == 5);
  std::sort(seen.begin() + 2, seen.end());
  CHECK(seen[2] == "add:d@45");
  CHECK(seen[3] == "delete:b@6");
  CHECK(seen[4] == "update:a@5->a@40");
  CHECK(informer.indexer().List().size() == 2);
  informer.Stop();
}

TEST_CASE("informer: a handler added late first hears the cached objects; a throwing handler is counted", "[informer]") {
  auto t = std::make_shared<ScriptedTransport>();
  t->Answer("/api/v1/configmaps?limit=500", 200, List("10", {Item("a", "5")}));
  Informer informer(client::ResourceClient(t, {"", "v1", "configmaps"}, true, ""), Options());
  informer.AddEventHandler(std::make_shared<Thrower>());
  informer.Start();
  REQUIRE(informer.WaitForCacheSync(10s));
  std::shared_ptr<ScriptedStream> watch = t->NextStream();
  REQUIRE(watch != nullptr);
  auto late = std::make_shared<Recorder>();
  informer.AddEventHandler(late);
  CHECK(late->WaitFor(1) == std::vector<std::string>{"add:a@5(initial)"});
  watch->Send(Event("ADDED", "b", "11"));
  CHECK(late->WaitFor(2).at(1) == "add:b@11");
  CHECK(informer.handler_exceptions() == 2);  // a (initial) and b: the informer went on
  informer.Stop();
}

}  // namespace
}  // namespace kop::cache
