#include "chaos/faults.h"

#include <curl/curl.h>

#include <array>
#include <condition_variable>
#include <mutex>
#include <thread>

#include "kop/api/json.h"

namespace kop::chaos {
namespace {

class Embedded final : public FaultTarget {
 public:
  explicit Embedded(testing::ApiServer& s) : s_(s) {}
  void CloseWatches() override { s_.CloseAllWatches(); }
  void Compact() override { s_.CompactHistory(); }
  void CutStreams() override { s_.CutWatchStreams(); }
  void Stall(bool stalled) override { s_.StallWatchStreams(stalled); }
  void Fail(const testing::FailureRule& rule) override { s_.FailRequests(rule); }
  void Latency(std::chrono::milliseconds latency) override { s_.SetLatency(latency); }
  void Clear() override { s_.ClearFaults(); }

 private:
  testing::ApiServer& s_;
};

size_t Discard(char*, size_t size, size_t n, void*) { return size * n; }

class Admin final : public FaultTarget {
 public:
  explicit Admin(std::string url) : url_(std::move(url) + "/kop-admin/faults") {}
  void CloseWatches() override { Post({{"action", "closeWatches"}}); }
  void Compact() override { Post({{"action", "compact"}}); }
  void CutStreams() override { Post({{"action", "cutStreams"}}); }
  void Stall(bool stalled) override { Post({{"action", "stall"}, {"stalled", stalled}}); }
  void Fail(const testing::FailureRule& r) override {
    Post({{"action", "fail"}, {"verb", r.verb}, {"path", r.path}, {"code", r.code}, {"count", r.count},
          {"retryAfterSeconds", r.retry_after_seconds}});
  }
  void Latency(std::chrono::milliseconds latency) override { Post({{"action", "latency"}, {"ms", latency.count()}}); }
  void Clear() override { Post({{"action", "clear"}}); }

 private:
  void Post(const Json& body) {
    const std::string text = DumpJson(body);
    CURL* c = curl_easy_init();
    curl_easy_setopt(c, CURLOPT_URL, url_.c_str());
    curl_easy_setopt(c, CURLOPT_POSTFIELDS, text.c_str());
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, &Discard);
    curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(c, CURLOPT_TIMEOUT, 10L);
    curl_easy_perform(c);  // a fault that could not be injected is simply not counted twice
    curl_easy_cleanup(c);
  }
  std::string url_;
};

}  // namespace

std::unique_ptr<FaultTarget> EmbeddedTarget(testing::ApiServer& server) { return std::make_unique<Embedded>(server); }
std::unique_ptr<FaultTarget> AdminTarget(std::string server_url) { return std::make_unique<Admin>(std::move(server_url)); }

void FaultSchedule::Sleep(std::stop_token& stop, std::chrono::milliseconds d) {
  std::mutex mu;
  std::condition_variable_any cv;
  std::unique_lock lock(mu);
  cv.wait_for(lock, stop, d, [] { return false; });
}

int FaultSchedule::total() const {
  int n = 0;
  for (const auto& [k, v] : counts_) n += v;
  return n;
}

void FaultSchedule::Run(std::stop_token stop) {
  auto between = [&](int lo, int hi) { return std::uniform_int_distribution<int>(lo, hi)(rng_); };
  static const char* kVerbs[] = {"", "get", "list", "watch", "create", "update", "patch", "delete"};
  while (!stop.stop_requested()) {
    Sleep(stop, std::chrono::milliseconds(between(150, 1200)));
    if (stop.stop_requested()) break;
    switch (between(0, 6)) {
      case 0:
        target_.CloseWatches();
        ++counts_["closed_watches"];
        break;
      case 1:
        target_.Compact();
        ++counts_["compactions_410"];
        break;
      case 2:
        target_.CutStreams();
        ++counts_["cut_streams"];
        break;
      case 3:
        target_.Stall(true);
        ++counts_["stalled_streams"];
        Sleep(stop, std::chrono::milliseconds(between(300, 2000)));
        target_.Stall(false);
        break;
      case 4: {
        const int code = std::array{429, 500, 503, 504}[between(0, 3)];
        target_.Fail({.verb = kVerbs[between(0, 7)],
                      .code = code,
                      .count = between(1, 15),
                      .retry_after_seconds = code == 429 ? 1 : 0});
        ++counts_[code == 429 ? "bursts_429" : "bursts_5xx"];
        break;
      }
      case 5:
        target_.Latency(std::chrono::milliseconds(between(20, 250)));
        ++counts_["latency_spikes"];
        Sleep(stop, std::chrono::milliseconds(between(200, 1500)));
        target_.Latency(std::chrono::milliseconds(0));
        break;
      default:
        // A quiet spell: faults come in bursts, as in life.
        Sleep(stop, std::chrono::milliseconds(between(200, 800)));
        break;
    }
  }
  target_.Clear();
}

}  // namespace kop::chaos
