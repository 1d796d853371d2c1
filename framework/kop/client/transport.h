// kop/client/transport: HTTP to the API server on libcurl.
//
// One event-loop thread (curl_multi) drives every watch stream of a Transport; over TLS it
// negotiates HTTP/2 and multiplexes them on one connection. A request (Do) runs on the
// calling thread, on a pooled handle that keeps its connection (HTTP/2 over TLS, otherwise
// HTTP/1.1) for the next request: no hand-off to another thread and back. TLS verification is on unless the Config
// explicitly turns it off. Credentials, User-Agent, client-side rate limiting, Retry-After
// (429/503, bounded) and retries of idempotent requests on connection errors are handled
// here, so callers see one answer per request.
//
// Thread-safe. No caller code runs on the event-loop thread except a Stream's handler, which
// must be quick (kop's watch decoder: append bytes, decode, queue).
#ifndef KOP_CLIENT_TRANSPORT_H_
#define KOP_CLIENT_TRANSPORT_H_

#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"
#include "kop/client/config.h"

namespace kop::client {

struct HttpRequest {
  std::string method = "GET";
  std::string path;  // with the query: "/api/v1/namespaces/default/pods?limit=500"
  std::string body;
  std::string content_type;
  std::string accept = "application/json";
  // Zero: the Config's timeout. Streams have no total timeout.
  std::chrono::milliseconds timeout{0};
  // Which client-side rate limit the request draws from: the Config's qps/burst, or the
  // discovery bucket (discovery_qps/discovery_burst).
  enum class RateLimit { kDefault, kDiscovery };
  RateLimit rate_limit = RateLimit::kDefault;
};

struct HttpResponse {
  int code = 0;
  std::string body;
  std::map<std::string, std::string> headers;  // lower-case names
};

// An open streaming response (a watch). Destroying it cancels the transfer promptly.
class Stream {
 public:
  virtual ~Stream() = default;
  // Stops the transfer; the done callback runs with CANCELLED (if it has not run yet).
  virtual void Cancel() = 0;
};

class Transport {
 public:
  // Validates the configuration (server URL, PEM material). Starts the event-loop thread.
  static absl::StatusOr<std::unique_ptr<Transport>> Create(const Config& config);
  virtual ~Transport() = default;

  // Sends a request and waits for its answer. HTTP error codes are answers, not errors: the
  // caller maps them (kop::ApiErrorFromResponse). Errors: the server could not be reached
  // (after retries for idempotent requests), TLS failures, timeouts, unusable credentials.
  virtual absl::StatusOr<HttpResponse> Do(const HttpRequest& request) = 0;

  // Opens a streaming request. `on_data` receives the body as it arrives (only when the
  // answer is 200) and returns false to stop; `on_done` runs exactly once at the end: OK when
  // the server ended the body, an API error for a non-200 answer, or the transport error.
  // `idle_timeout` > 0 ends a stream that delivers no byte for that long.
  virtual std::unique_ptr<Stream> OpenStream(const HttpRequest& request,
                                             std::function<bool(std::string_view)> on_data,
                                             std::function<void(absl::Status)> on_done,
                                             std::chrono::milliseconds idle_timeout = {}) = 0;

  virtual const Config& config() const = 0;
};

// "kop/<version>", the User-Agent prefix.
std::string DefaultUserAgent();

}  // namespace kop::client

#endif  // KOP_CLIENT_TRANSPORT_H_
