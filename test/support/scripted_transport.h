// A Transport that answers from a script instead of a server, for unit tests of what sits on
// the transport (the RestMapper, clients): each request is recorded, and answered by the
// first rule whose method and path match (and whose Accept contains the rule's, when set).
// Unmatched requests answer 404 with a Status body, as a server would.
#ifndef KOP_TEST_SUPPORT_SCRIPTED_TRANSPORT_H_
#define KOP_TEST_SUPPORT_SCRIPTED_TRANSPORT_H_

#include <string>
#include <utility>
#include <vector>

#include "kop/base/mutex.h"
#include "kop/client/transport.h"

namespace kop::test {

class ScriptedTransport : public client::Transport {
 public:
  struct Rule {
    std::string method = "GET";
    std::string path;
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
      if (rule.method == request.method && rule.path == request.path &&
          (rule.accept_contains.empty() || request.accept.find(rule.accept_contains) != std::string::npos)) {
        return rule.response;
      }
    }
    return client::HttpResponse{
        .code = 404,
        .body = R"({"kind":"Status","apiVersion":"v1","status":"Failure","reason":"NotFound","code":404,)"
                R"("message":"the server could not find the requested resource"})"};
  }

  std::unique_ptr<client::Stream> OpenStream(const client::HttpRequest&, std::function<bool(std::string_view)>,
                                             std::function<void(absl::Status)> on_done,
                                             std::chrono::milliseconds) override {
    on_done(absl::UnimplementedError("the scripted transport does not stream"));
    return nullptr;
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
  mutable kop::Mutex mu_;  // guards rules_ and requests_
  std::vector<Rule> rules_ ABSL_GUARDED_BY(mu_);
  std::vector<client::HttpRequest> requests_ ABSL_GUARDED_BY(mu_);
};

}  // namespace kop::test

#endif  // KOP_TEST_SUPPORT_SCRIPTED_TRANSPORT_H_
