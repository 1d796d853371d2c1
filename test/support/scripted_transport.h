// A Transport that answers from a script instead of a server, for unit tests of what sits on
// the transport (the RestMapper, clients): each request is recorded, and answered by the
// first rule whose method and path match (and whose Accept contains the rule's, when set).
// Unmatched requests answer 404 with a Status body, as a server would.
//
// Streams (watches) are played by the test: each OpenStream is queued as a ScriptedStream
// the test takes with NextStream(), then feeds (Send), ends (End) or finds cancelled. As with
// the real transport, the stream's callbacks run on one event-loop thread of the transport,
// never on the caller's, and Cancel is asynchronous (its on_done comes later, on that thread).
#ifndef KOP_TEST_SUPPORT_SCRIPTED_TRANSPORT_H_
#define KOP_TEST_SUPPORT_SCRIPTED_TRANSPORT_H_

#include <chrono>
#include <deque>
#include <functional>
#include <memory>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "kop/base/mutex.h"
#include "kop/client/transport.h"

namespace kop::test {

// The event loop: runs tasks one at a time, in order, on its own thread.
class ScriptedLoop {
 public:
  ScriptedLoop() : thread_([this] { Loop(); }) {}
  ~ScriptedLoop() {
    {
      kop::MutexLock lock(&mu_);
      done_ = true;
      wake_.SignalAll();
    }
    thread_.join();
  }
  void Post(std::function<void()> task) {
    kop::MutexLock lock(&mu_);
    tasks_.push_back(std::move(task));
    wake_.SignalAll();
  }

 private:
  void Loop() {
    for (;;) {
      std::function<void()> task;
      {
        kop::MutexLock lock(&mu_);
        while (tasks_.empty() && !done_) wake_.Wait(&mu_);
        if (tasks_.empty()) return;  // done, and everything posted has run
        task = std::move(tasks_.front());
        tasks_.pop_front();
      }
      task();
    }
  }
  kop::Mutex mu_;  // guards tasks_ and done_
  kop::CondVar wake_;
  std::deque<std::function<void()>> tasks_ ABSL_GUARDED_BY(mu_);
  bool done_ ABSL_GUARDED_BY(mu_) = false;
  std::thread thread_;
};

// The server side of one open stream.
class ScriptedStream {
 public:
  ScriptedStream(client::HttpRequest request, std::function<bool(std::string_view)> on_data,
                 std::function<void(absl::Status)> on_done, ScriptedLoop& loop)
      : request_(std::move(request)), on_data_(std::move(on_data)), on_done_(std::move(on_done)), loop_(loop) {}

  const client::HttpRequest& request() const { return request_; }
  // Delivers bytes of the body (on the loop thread); ignored once the stream ended.
  void Send(std::string bytes) {
    loop_.Post([this, self = Self(), bytes = std::move(bytes)] {
      if (ended_) return;
      if (!on_data_(bytes)) Finish(absl::CancelledError("the client stopped reading"));
    });
  }
  // Ends the stream: OK as when the server ends the body, or an error (a broken connection).
  void End(absl::Status status = absl::OkStatus()) {
    loop_.Post([this, self = Self(), status = std::move(status)] { Finish(status); });
  }
  // Whether the client cancelled it (or stopped reading).
  bool cancelled() const {
    kop::MutexLock lock(&mu_);
    return cancelled_;
  }
  bool WaitCancelled(std::chrono::milliseconds timeout) const {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    kop::MutexLock lock(&mu_);
    while (!cancelled_) {
      if (!changed_.WaitUntil(&mu_, deadline)) return cancelled_;
    }
    return true;
  }
  void Cancel() {
    {
      kop::MutexLock lock(&mu_);
      cancelled_ = true;
      changed_.SignalAll();
    }
    loop_.Post([this, self = Self()] { Finish(absl::CancelledError("cancelled")); });
  }

  void set_self(std::weak_ptr<ScriptedStream> self) { self_ = std::move(self); }

 private:
  std::shared_ptr<ScriptedStream> Self() { return self_.lock(); }
  // Loop thread only.
  void Finish(absl::Status status) {
    if (ended_) return;
    ended_ = true;
    if (!status.ok()) {
      kop::MutexLock lock(&mu_);
      if (absl::IsCancelled(status)) cancelled_ = true;
      changed_.SignalAll();
    }
    on_done_(std::move(status));
  }

  const client::HttpRequest request_;
  const std::function<bool(std::string_view)> on_data_;
  const std::function<void(absl::Status)> on_done_;
  ScriptedLoop& loop_;
  std::weak_ptr<ScriptedStream> self_;
  bool ended_ = false;  // loop thread only
  mutable kop::Mutex mu_;  // guards cancelled_
  mutable kop::CondVar changed_;
  bool cancelled_ ABSL_GUARDED_BY(mu_) = false;
};

class ScriptedTransport : public client::Transport {
 public:
  struct Rule {
    std::string method = "GET";
    std::string path;  // the path with its query; ending in '*': any path with that prefix
    std::string accept_contains;  // empty: any Accept
    client::HttpResponse response;
  };

  void Answer(std::string path, int code, std::string body, std::string content_type = "application/json",
              std::string accept_contains = "") {
    client::HttpResponse r{.code = code, .body = std::move(body), .headers = {{"content-type", std::move(content_type)}}};
    kop::MutexLock lock(&mu_);
    rules_.push_back({.path = std::move(path), .accept_contains = std::move(accept_contains), .response = std::move(r)});
  }
  void Clear() {
    kop::MutexLock lock(&mu_);
    rules_.clear();
  }

  absl::StatusOr<client::HttpResponse> Do(const client::HttpRequest& request) override {
    kop::MutexLock lock(&mu_);
    requests_.push_back(request);
    for (const Rule& rule : rules_) {
      const bool prefix = !rule.path.empty() && rule.path.back() == '*';
      const bool path_matches = prefix ? request.path.compare(0, rule.path.size() - 1, rule.path, 0,
                                                              rule.path.size() - 1) == 0
                                       : rule.path == request.path;
      if (rule.method == request.method && path_matches &&
          (rule.accept_contains.empty() || request.accept.find(rule.accept_contains) != std::string::npos)) {
        return rule.response;
      }
    }
    return client::HttpResponse{
        .code = 404,
        .body = R"({"kind":"Status","apiVersion":"v1","status":"Failure","reason":"NotFound","code":404,)"
                R"("message":"the server could not find the requested resource"})"};
  }

  std::unique_ptr<client::Stream> OpenStream(const client::HttpRequest& request,
                                             std::function<bool(std::string_view)> on_data,
                                             std::function<void(absl::Status)> on_done,
                                             std::chrono::milliseconds) override {
    auto stream = std::make_shared<ScriptedStream>(request, std::move(on_data), std::move(on_done), *loop_);
    stream->set_self(stream);
    {
      kop::MutexLock lock(&mu_);
      requests_.push_back(request);
      streams_.push_back(stream);
      stream_opened_.SignalAll();
    }
    class Handle final : public client::Stream {
     public:
      explicit Handle(std::shared_ptr<ScriptedStream> s) : s_(std::move(s)) {}
      ~Handle() override { s_->Cancel(); }
      void Cancel() override { s_->Cancel(); }

     private:
      std::shared_ptr<ScriptedStream> s_;
    };
    return std::make_unique<Handle>(std::move(stream));
  }

  // The oldest stream opened and not taken yet; null when none opens within `timeout`.
  std::shared_ptr<ScriptedStream> NextStream(std::chrono::milliseconds timeout = std::chrono::seconds(10)) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    kop::MutexLock lock(&mu_);
    while (streams_.empty()) {
      if (!stream_opened_.WaitUntil(&mu_, deadline)) break;
    }
    if (streams_.empty()) return nullptr;
    std::shared_ptr<ScriptedStream> s = std::move(streams_.front());
    streams_.pop_front();
    return s;
  }

  const client::Config& config() const override { return config_; }

  std::vector<client::HttpRequest> requests() const {
    kop::MutexLock lock(&mu_);
    return requests_;
  }
  void ClearRequests() {
    kop::MutexLock lock(&mu_);
    requests_.clear();
  }

 private:
  client::Config config_;
  // Before the members below, so that it is destroyed last: callbacks still queued run first.
  std::unique_ptr<ScriptedLoop> loop_ = std::make_unique<ScriptedLoop>();
  mutable kop::Mutex mu_;  // guards rules_, requests_ and streams_
  kop::CondVar stream_opened_;
  std::deque<std::shared_ptr<ScriptedStream>> streams_ ABSL_GUARDED_BY(mu_);
  std::vector<Rule> rules_ ABSL_GUARDED_BY(mu_);
  std::vector<client::HttpRequest> requests_ ABSL_GUARDED_BY(mu_);
};

}  // namespace kop::test

#endif  // KOP_TEST_SUPPORT_SCRIPTED_TRANSPORT_H_
