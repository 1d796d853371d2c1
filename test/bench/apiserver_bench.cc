// The embedded API server: start-up time; creates/s and updates/s with 0, 100 and 1,000
// watchers; watch fan-out (events delivered per second); list of 10,000 ConfigMaps.
//
// Writers use libcurl with keep-alive connections; every watch is a streaming GET carried by
// one curl-multi thread, so the figure is the server's, not the client's.
#include <curl/curl.h>

#include <atomic>
#include <string>
#include <thread>
#include <vector>

#include "bench/bench.h"
#include "kop/testing/apiserver.h"

namespace {

using Clock = std::chrono::steady_clock;

std::string ConfigMap(const std::string& name, size_t bytes) {
  return R"({"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":")" + name +
         R"(","labels":{"app":"bench"}},"data":{"payload":")" + std::string(bytes, 'x') + R"("}})";
}

size_t Discard(char*, size_t size, size_t n, void*) { return size * n; }

// One keep-alive connection for sequential requests.
class Writer {
 public:
  explicit Writer(std::string base) : base_(std::move(base)), curl_(curl_easy_init()) {
    headers_ = curl_slist_append(nullptr, "Content-Type: application/json");
    curl_easy_setopt(curl_, CURLOPT_HTTPHEADER, headers_);
    curl_easy_setopt(curl_, CURLOPT_WRITEFUNCTION, &Discard);
    curl_easy_setopt(curl_, CURLOPT_NOSIGNAL, 1L);
  }
  ~Writer() {
    curl_slist_free_all(headers_);
    curl_easy_cleanup(curl_);
  }
  long Send(const char* method, const std::string& path, const std::string& body,
            const char* content_type = nullptr) {
    curl_slist* h = headers_;
    curl_slist* custom = nullptr;
    if (content_type != nullptr) {
      custom = curl_slist_append(nullptr, (std::string("Content-Type: ") + content_type).c_str());
      h = custom;
    }
    curl_easy_setopt(curl_, CURLOPT_HTTPHEADER, h);
    curl_easy_setopt(curl_, CURLOPT_URL, (base_ + path).c_str());
    curl_easy_setopt(curl_, CURLOPT_CUSTOMREQUEST, method);
    curl_easy_setopt(curl_, CURLOPT_POSTFIELDS, body.c_str());
    curl_easy_setopt(curl_, CURLOPT_POSTFIELDSIZE, static_cast<long>(body.size()));
    long code = 0;
    if (curl_easy_perform(curl_) == CURLE_OK) curl_easy_getinfo(curl_, CURLINFO_RESPONSE_CODE, &code);
    if (custom != nullptr) curl_slist_free_all(custom);
    return code;
  }

 private:
  std::string base_;
  CURL* curl_;
  curl_slist* headers_;
};

// `count` watches of one collection, all read by one thread; counts event lines.
class Watchers {
 public:
  Watchers(const std::string& url, int count) {
    multi_ = curl_multi_init();
    for (int i = 0; i < count; ++i) {
      CURL* e = curl_easy_init();
      curl_easy_setopt(e, CURLOPT_URL, url.c_str());
      curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, &Watchers::OnData);
      curl_easy_setopt(e, CURLOPT_WRITEDATA, this);
      curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
      curl_multi_add_handle(multi_, e);
      easies_.push_back(e);
    }
    thread_ = std::jthread([this] {
      int running = 0;
      while (!stop_.load()) {
        curl_multi_perform(multi_, &running);
        curl_multi_poll(multi_, nullptr, 0, 100, nullptr);
      }
    });
  }
  ~Watchers() {
    stop_ = true;
    curl_multi_wakeup(multi_);
    thread_.join();
    for (CURL* e : easies_) {
      curl_multi_remove_handle(multi_, e);
      curl_easy_cleanup(e);
    }
    curl_multi_cleanup(multi_);
  }
  long Events() const { return events_.load(); }

 private:
  static size_t OnData(char* data, size_t size, size_t n, void* self) {
    long lines = 0;
    for (size_t i = 0; i < size * n; ++i) lines += data[i] == '\n';
    static_cast<Watchers*>(self)->events_ += lines;
    return size * n;
  }
  CURLM* multi_;
  std::vector<CURL*> easies_;
  std::atomic<long> events_{0};
  std::atomic<bool> stop_{false};
  std::jthread thread_;
};

template <typename F>
bool WaitUntil(F done, std::chrono::seconds timeout) {
  const auto deadline = Clock::now() + timeout;
  while (!done()) {
    if (Clock::now() > deadline) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }
  return true;
}

}  // namespace

int main() {
  curl_global_init(CURL_GLOBAL_ALL);
  kop::bench::Report report;

  {
    double total_ms = 0;
    constexpr int kRuns = 5;
    for (int i = 0; i < kRuns; ++i) {
      const auto start = Clock::now();
      auto server = kop::testing::ApiServer::Start();
      total_ms += kop::bench::SecondsSince(start) * 1000;
      if (!server.ok()) return 1;
    }
    report.Add("apiserver_start_ms", total_ms / kRuns, "ms");
  }

  for (int watchers : {0, 100, 1000}) {
    kop::testing::ApiServerOptions options;
    options.watch_buffer = 100000;
    auto server = kop::testing::ApiServer::Start(options);
    if (!server.ok()) return 1;
    const std::string base = (*server)->url();
    const std::string collection = "/api/v1/namespaces/default/configmaps";
    std::unique_ptr<Watchers> w;
    if (watchers > 0) {
      w = std::make_unique<Watchers>(base + collection + "?watch=true", watchers);
      if (!WaitUntil([&] { return (*server)->OpenWatches() == static_cast<size_t>(watchers); },
                     std::chrono::seconds(60))) {
        std::cerr << "watches did not open\n";
        return 1;
      }
    }
    const int kObjects = watchers >= 1000 ? 1000 : 5000;
    constexpr int kWriters = 2;
    std::atomic<int> failures{0};
    auto run = [&](bool update) {
      const auto start = Clock::now();
      std::vector<std::jthread> threads;
      for (int t = 0; t < kWriters; ++t) {
        threads.emplace_back([&, t] {
          Writer writer(base);
          for (int i = t; i < kObjects; i += kWriters) {
            const std::string name = "cm-" + std::to_string(i);
            const long code =
                update ? writer.Send("PATCH", collection + "/" + name,
                                     R"({"data":{"payload":"updated"}})",
                                     "application/merge-patch+json")
                       : writer.Send("POST", collection, ConfigMap(name, 1024));
            if (code != (update ? 200 : 201)) ++failures;
          }
        });
      }
      threads.clear();
      return kObjects / kop::bench::SecondsSince(start);
    };
    const long before = w ? w->Events() : 0;
    const auto fanout_start = Clock::now();
    report.Add("apiserver_creates_per_sec", run(false), "writes/s", {{"watchers", watchers}});
    report.Add("apiserver_writes_per_sec", run(true), "writes/s", {{"watchers", watchers}});
    if (w) {
      const long expected = before + 2L * kObjects * watchers;
      WaitUntil([&] { return w->Events() >= expected; }, std::chrono::seconds(120));
      const double secs = kop::bench::SecondsSince(fanout_start);
      report.Add("apiserver_fanout_events_per_sec", (w->Events() - before) / secs, "events/s",
                 {{"watchers", watchers}, {"writes", 2 * kObjects}});
    }
    if (failures.load() > 0) std::cerr << "failed writes: " << failures.load() << "\n";
  }

  {
    auto server = kop::testing::ApiServer::Start();
    if (!server.ok()) return 1;
    const std::string collection = "/api/v1/namespaces/default/configmaps";
    Writer writer((*server)->url());
    for (int i = 0; i < 10000; ++i) writer.Send("POST", collection, ConfigMap("cm-" + std::to_string(i), 1024));
    CURL* c = curl_easy_init();
    std::string body;
    curl_easy_setopt(c, CURLOPT_URL, ((*server)->url() + collection).c_str());
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION,
                     +[](char* d, size_t s, size_t n, void* out) {
                       static_cast<std::string*>(out)->append(d, s * n);
                       return s * n;
                     });
    curl_easy_setopt(c, CURLOPT_WRITEDATA, &body);
    double best = 1e9;
    for (int i = 0; i < 3; ++i) {
      body.clear();
      const auto start = Clock::now();
      curl_easy_perform(c);
      best = std::min(best, kop::bench::SecondsSince(start) * 1000);
    }
    curl_easy_cleanup(c);
    report.Add("apiserver_list_ms", best, "ms", {{"objects", 10000}, {"bytes", body.size()}});
  }
  return 0;
}
