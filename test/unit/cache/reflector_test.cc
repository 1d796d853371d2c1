// The Reflector against a scripted transport: what it asks the server, in which order, and
// what its sink learns, through pages, bookmarks, clean ends, broken streams and 410 Gone.
#include "kop/cache/reflector.h"

#include <chrono>
#include <memory>
#include <string>
#include <thread>
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

// What the sink saw, in order: "replace@RV:a,b" or "ADDED:a@RV".
class RecordingSink final : public ReflectorSink {
 public:
  void OnReplace(std::vector<Object> items, const std::string& rv) override {
    std::string line = "replace@" + rv + ":";
    for (size_t i = 0; i < items.size(); ++i) line += (i > 0 ? "," : "") + std::string(items[i].name());
    Record(std::move(line));
  }
  void OnEvents(std::vector<client::WatchEvent>& events) override {
    for (const client::WatchEvent& e : events) {
      const char* type = e.type == client::WatchEvent::Type::kAdded      ? "ADDED"
                         : e.type == client::WatchEvent::Type::kModified ? "MODIFIED"
                                                                         : "DELETED";
      Record(std::string(type) + ":" + std::string(e.object.name()) + "@" +
             std::string(e.object.resource_version()));
    }
  }
  // Waits until `n` records exist; returns them.
  std::vector<std::string> WaitFor(size_t n, std::chrono::milliseconds timeout = 10s) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    kop::MutexLock lock(&mu_);
    while (seen_.size() < n) {
      if (!changed_.WaitUntil(&mu_, deadline)) break;
    }
    return seen_;
  }

 private:
  void Record(std::string s) {
    kop::MutexLock lock(&mu_);
    seen_.push_back(std::move(s));
    changed_.SignalAll();
  }
  kop::Mutex mu_;
  kop::CondVar changed_;
  std::vector<std::string> seen_ ABSL_GUARDED_BY(mu_);
};

std::string Item(const std::string& name, const std::string& rv) {
  return R"({"metadata":{"name":")" + name + R"(","namespace":"default","resourceVersion":")" + rv + R"("}})";
}

std::string List(const std::string& rv, const std::vector<std::string>& items, const std::string& cont = "") {
  return ListJson("ConfigMap", rv, items, cont);
}

std::string Event(const std::string& type, const std::string& name, const std::string& rv) {
  return ConfigMapEvent(type, name, rv);
}

std::string Bookmark(const std::string& rv) {
  return R"({"type":"BOOKMARK","object":{"kind":"ConfigMap","apiVersion":"v1","metadata":{"resourceVersion":")" +
         rv + "\"}}}\n";
}

bool Has(const std::string& s, const std::string& part) { return s.find(part) != std::string::npos; }

struct Fixture {
  std::shared_ptr<ScriptedTransport> transport = std::make_shared<ScriptedTransport>();
  RecordingSink sink;
  ReflectorOptions options{.page_size = 2, .initial_backoff = 1ms, .max_backoff = 5ms};
  std::unique_ptr<Reflector> reflector;
  std::jthread thread;

  void Start() {
    reflector = std::make_unique<Reflector>(client::ResourceClient(transport, {"", "v1", "configmaps"}, true, ""),
                                            options, sink);
    thread = std::jthread([this](std::stop_token stop) { reflector->Run(stop); });
  }
  ~Fixture() {
    thread.request_stop();
    if (thread.joinable()) thread.join();
  }
};

TEST_CASE("reflector: lists in pages, then watches from the list's version with bookmarks", "[reflector]") {
  Fixture f;
  f.transport->Answer("/api/v1/configmaps?limit=2", 200, List("10", {Item("a", "5"), Item("b", "6")}, "next"));
  f.transport->Answer("/api/v1/configmaps?limit=2&continue=next", 200, List("11", {Item("c", "7")}));
  f.Start();
  std::shared_ptr<ScriptedStream> watch = f.transport->NextStream();
  REQUIRE(watch != nullptr);
  // The second page's version is not the list's: the first page's is.
  CHECK(f.sink.WaitFor(1).at(0) == "replace@10:a,b,c");
  CHECK(Has(watch->request().path, "watch=true"));
  CHECK(Has(watch->request().path, "allowWatchBookmarks=true"));
  CHECK(Has(watch->request().path, "resourceVersion=10"));
  CHECK(Has(watch->request().path, "timeoutSeconds="));

  watch->Send(Event("ADDED", "d", "12") + Event("MODIFIED", "a", "13"));
  watch->Send(Event("DELETED", "b", "14"));
  const std::vector<std::string> seen = f.sink.WaitFor(4);
  REQUIRE(seen.size() == 4);
  CHECK(seen[1] == "ADDED:d@12");
  CHECK(seen[2] == "MODIFIED:a@13");
  CHECK(seen[3] == "DELETED:b@14");
  // A bookmark reaches no sink, but moves the version the next watch resumes from.
  watch->Send(Bookmark("20"));
  watch->End();  // the server ends a healthy watch (its timeout): resume at once
  std::shared_ptr<ScriptedStream> second = f.transport->NextStream();
  REQUIRE(second != nullptr);
  CHECK(Has(second->request().path, "resourceVersion=20"));
  CHECK(f.reflector->LastSyncResourceVersion() == "20");
  CHECK(f.reflector->stats().lists.load() == 1);
  CHECK(f.reflector->stats().failures.load() == 0);
  CHECK(f.sink.WaitFor(4).size() == 4);
}

TEST_CASE("reflector: a 410 Gone in the watch relists, and the relist replaces everything", "[reflector]") {
  Fixture f;
  f.transport->Answer("/api/v1/configmaps?limit=2", 200, List("10", {Item("a", "5")}));
  f.Start();
  std::shared_ptr<ScriptedStream> watch = f.transport->NextStream();
  REQUIRE(watch != nullptr);
  REQUIRE(f.sink.WaitFor(1).size() == 1);
  f.transport->Clear();
  f.transport->Answer("/api/v1/configmaps?limit=2", 200, List("30", {Item("z", "29")}));
  watch->Send(R"j({"type":"ERROR","object":{"kind":"Status","apiVersion":"v1","status":"Failure",)j"
              R"j("message":"too old resource version: 10 (25)","reason":"Expired","code":410}})j"
              "\n");
  std::shared_ptr<ScriptedStream> after = f.transport->NextStream();
  REQUIRE(after != nullptr);
  const std::vector<std::string> seen = f.sink.WaitFor(2);
  REQUIRE(seen.size() == 2);
  CHECK(seen[1] == "replace@30:z");
  CHECK(Has(after->request().path, "resourceVersion=30"));
  CHECK(f.reflector->stats().lists.load() == 2);
}

TEST_CASE("reflector: a broken watch resumes from the newest version seen, after a backoff", "[reflector]") {
  Fixture f;
  f.transport->Answer("/api/v1/configmaps?limit=2", 200, List("10", {}));
  f.Start();
  std::shared_ptr<ScriptedStream> watch = f.transport->NextStream();
  REQUIRE(watch != nullptr);
  watch->Send(Event("ADDED", "a", "11"));
  REQUIRE(f.sink.WaitFor(2).size() == 2);
  watch->End(absl::UnavailableError("connection reset by peer"));
  std::shared_ptr<ScriptedStream> again = f.transport->NextStream();
  REQUIRE(again != nullptr);
  CHECK(Has(again->request().path, "resourceVersion=11"));
  CHECK(f.reflector->stats().lists.load() == 1);  // no relist for a broken stream
  CHECK(f.reflector->stats().failures.load() == 1);
  CHECK(f.reflector->stats().watches.load() == 2);
}

TEST_CASE("reflector: a failed list is retried, and nothing is watched before a list succeeds", "[reflector]") {
  Fixture f;
  f.transport->Answer("/api/v1/configmaps?limit=2", 500,
                      R"({"kind":"Status","apiVersion":"v1","status":"Failure","message":"etcd is down","reason":"InternalError","code":500})");
  f.Start();
  // Wait for three failed lists, then let the next one succeed.
  const auto deadline = std::chrono::steady_clock::now() + 10s;
  while (f.reflector->stats().failures.load() < 3) {
    if (std::chrono::steady_clock::now() > deadline) FAIL("the list was not retried");
    std::this_thread::yield();
  }
  CHECK(f.transport->NextStream(0ms) == nullptr);
  f.transport->Clear();
  f.transport->Answer("/api/v1/configmaps?limit=2", 200, List("40", {Item("a", "39")}));
  std::shared_ptr<ScriptedStream> watch = f.transport->NextStream();
  REQUIRE(watch != nullptr);
  CHECK(f.sink.WaitFor(1).at(0) == "replace@40:a");
  CHECK(Has(watch->request().path, "resourceVersion=40"));
}

TEST_CASE("reflector: stopping cancels the open watch and returns", "[reflector]") {
  Fixture f;
  f.transport->Answer("/api/v1/configmaps?limit=2", 200, List("10", {}));
  f.Start();
  std::shared_ptr<ScriptedStream> watch = f.transport->NextStream();
  REQUIRE(watch != nullptr);
  f.thread.request_stop();
  CHECK(watch->WaitCancelled(10s));
  f.thread.join();  // Run returned
  CHECK(f.reflector->stats().watches.load() == 1);
}

}  // namespace
}  // namespace kop::cache
