// A minimal Kubernetes HTTP client for the API server conformance tests, on libcurl alone.
//
// The conformance tests speak to the API server the way any client would, over HTTP, without
// kop's own client (so that a bug there cannot hide one in the server, or the reverse). It
// reads a kubeconfig for the server address and credentials: bearer tokens, client
// certificates and CA data, as a real cluster needs.
#ifndef KOP_TEST_SUPPORT_HTTP_CLIENT_H_
#define KOP_TEST_SUPPORT_HTTP_CLIENT_H_

#include <atomic>
#include <chrono>
#include <deque>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "absl/status/statusor.h"
#include "kop/api/json.h"
#include "kop/base/mutex.h"

namespace kop::test {

struct HttpReply {
  long code = 0;
  std::string body;
  std::map<std::string, std::string> headers;  // lower-case names; repeated ones joined by '\n'
  Json json() const;
};

struct ClusterAuth {
  std::string server;
  std::string ca_pem;
  std::string client_cert_pem;
  std::string client_key_pem;
  std::string token;
  bool insecure = false;
  // From the current context of a kubeconfig file.
  static absl::StatusOr<ClusterAuth> FromKubeconfig(const std::string& path);
};

class WatchStream;

// Thread-safe: every request uses its own connection handle.
class HttpClient {
 public:
  explicit HttpClient(ClusterAuth auth);

  HttpReply Get(const std::string& path) const;
  HttpReply Post(const std::string& path, const Json& body) const;
  HttpReply Put(const std::string& path, const Json& body) const;
  HttpReply Patch(const std::string& path, const std::string& content_type,
                  const std::string& body) const;
  HttpReply Delete(const std::string& path, const Json& body = nullptr) const;
  // `accept`: the Accept header (default application/json).
  HttpReply Request(const std::string& method, const std::string& path,
                    const std::string& content_type, const std::string& body,
                    const std::string& accept = "") const;
  // A request with exactly these extra header lines ("Name: value"); Accept defaults to
  // application/json when none of them sets it.
  HttpReply Send(const std::string& method, const std::string& path,
                 const std::vector<std::string>& header_lines, const std::string& body) const;

  // Opens a streaming GET (a watch); events arrive in the returned stream. `accept`: the Accept
  // header (default application/json).
  std::unique_ptr<WatchStream> Watch(const std::string& path, const std::string& accept = "") const;

  const ClusterAuth& auth() const { return auth_; }

 private:
  friend class WatchStream;
  void Configure(void* curl, void* headers_list) const;
  ClusterAuth auth_;
};

// Lines of a watch response, decoded as they arrive. Thread-safe.
class WatchStream {
 public:
  ~WatchStream();
  // The next event, or nullopt when the stream ended or `timeout` passed first.
  std::optional<Json> Next(std::chrono::milliseconds timeout = std::chrono::seconds(10));
  // Whether the server ended the response (cleanly or not).
  bool Ended();
  // Waits up to `timeout` for the end of the response.
  bool WaitEnded(std::chrono::milliseconds timeout);
  // The HTTP status code, once the status line arrived (0 before).
  long code();
  // The response's Content-Type header ("" before the headers arrived).
  std::string content_type();
  // The first 64 KiB of the response body as it came (for answers that are not watch events).
  std::string raw_body();
  // Whether the response ended with an incomplete event (a cut stream).
  bool Truncated();

 private:
  friend class HttpClient;
  WatchStream() = default;
  static size_t OnData(char* data, size_t size, size_t n, void* self);
  static size_t OnHeader(char* data, size_t size, size_t n, void* self);

  kop::Mutex mu_;
  kop::CondVar changed_;
  std::string partial_ ABSL_GUARDED_BY(mu_);
  std::deque<Json> events_ ABSL_GUARDED_BY(mu_);
  bool ended_ ABSL_GUARDED_BY(mu_) = false;
  bool truncated_ ABSL_GUARDED_BY(mu_) = false;
  long code_ ABSL_GUARDED_BY(mu_) = 0;
  std::string content_type_ ABSL_GUARDED_BY(mu_);
  std::string raw_ ABSL_GUARDED_BY(mu_);
  std::atomic<bool> cancel_{false};
  std::atomic<void*> multi_{nullptr};  // the transfer's multi handle while it runs
  std::jthread thread_;
};

}  // namespace kop::test

#endif  // KOP_TEST_SUPPORT_HTTP_CLIENT_H_
