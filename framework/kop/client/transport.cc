#include "kop/client/transport.h"

#include <curl/curl.h>

#include <algorithm>
#include <atomic>
#include <thread>
#include <vector>

#include "kop/base/mutex.h"
#include "kop/base/strings.h"
#include "kop/client/errors.h"
#include "kop/client/internal/credentials.h"

namespace kop::client {
namespace {

constexpr int kMaxRetryAfterRetries = 10;
constexpr int kMaxConnectionRetries = 3;
constexpr size_t kMaxErrorBody = 1 << 20;

struct CurlGlobal {
  CurlGlobal() { curl_global_init(CURL_GLOBAL_ALL); }
};

// A token bucket: `qps` refill, `burst` capacity. Reserve() returns how long to wait.
class TokenBucket {
 public:
  TokenBucket(double qps, int burst) : qps_(qps), burst_(std::max(burst, 1)), tokens_(burst_) {}
  std::chrono::nanoseconds Reserve() {
    if (qps_ <= 0) return {};
    kop::MutexLock lock(&mu_);
    const auto now = std::chrono::steady_clock::now();
    if (started_) {
      tokens_ = std::min<double>(burst_, tokens_ + std::chrono::duration<double>(now - last_).count() * qps_);
    }
    started_ = true;
    last_ = now;
    tokens_ -= 1;
    if (tokens_ >= 0) return {};
    return std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::duration<double>(-tokens_ / qps_));
  }

 private:
  const double qps_;
  const int burst_;
  kop::Mutex mu_;  // guards the bucket
  double tokens_ ABSL_GUARDED_BY(mu_);
  bool started_ ABSL_GUARDED_BY(mu_) = false;
  std::chrono::steady_clock::time_point last_ ABSL_GUARDED_BY(mu_);
};

struct Transfer {
  CURL* easy = nullptr;
  curl_slist* headers = nullptr;
  std::string url;
  std::string method;
  std::string body;
  HttpResponse response;
  std::string error_text;
  char curl_error[CURL_ERROR_SIZE] = {};
  // Streams.
  bool streaming = false;
  std::function<bool(std::string_view)> on_data;
  std::function<void(absl::Status)> on_done;
  bool stopped_by_reader = false;  // loop thread only
  std::atomic<bool> cancelled{false};
  std::atomic<bool> finished{false};
  std::chrono::steady_clock::time_point started;  // when it was sent
};

size_t OnHeader(char* data, size_t size, size_t n, void* p) {
  auto* t = static_cast<Transfer*>(p);
  std::string_view line(data, size * n);
  if (line.rfind("HTTP/", 0) == 0) t->response.headers.clear();  // a new response (redirect, 100)
  const size_t colon = line.find(':');
  if (colon != std::string_view::npos) {
    std::string name(line.substr(0, colon));
    for (char& c : name) c = static_cast<char>(tolower(static_cast<unsigned char>(c)));
    std::string_view value = line.substr(colon + 1);
    while (!value.empty() && (value.front() == ' ' || value.front() == '\t')) value.remove_prefix(1);
    while (!value.empty() && (value.back() == '\r' || value.back() == '\n')) value.remove_suffix(1);
    t->response.headers[name] = std::string(value);
  }
  return size * n;
}

size_t OnBody(char* data, size_t size, size_t n, void* p) {
  auto* t = static_cast<Transfer*>(p);
  const size_t len = size * n;
  if (!t->streaming) {
    t->response.body.append(data, len);
    return len;
  }
  if (t->response.code == 0) {
    long code = 0;
    curl_easy_getinfo(t->easy, CURLINFO_RESPONSE_CODE, &code);
    t->response.code = static_cast<int>(code);
  }
  if (t->response.code != 200) {
    if (t->response.body.size() < kMaxErrorBody) t->response.body.append(data, len);
    return len;
  }
  if (t->cancelled.load() || !t->on_data(std::string_view(data, len))) {
    t->stopped_by_reader = true;
    return 0;  // aborts the transfer
  }
  return len;
}

absl::Status TransportError(const Transfer& t, CURLcode rc) {
  std::string detail = t.curl_error[0] != '\0' ? t.curl_error : curl_easy_strerror(rc);
  const std::string what = kop::StrCat(t.method, " ", t.url, ": ");
  switch (rc) {
    case CURLE_OPERATION_TIMEDOUT:
      return absl::DeadlineExceededError(kop::StrCat(what, "timed out: ", detail));
    case CURLE_PEER_FAILED_VERIFICATION:
    case CURLE_SSL_CACERT_BADFILE:
    case CURLE_SSL_CERTPROBLEM:
    case CURLE_SSL_CONNECT_ERROR:
      return absl::UnavailableError(kop::StrCat(
          what, "TLS: ", detail, " (check the cluster's certificate-authority in the kubeconfig)"));
    default:
      return absl::UnavailableError(kop::StrCat(what, detail));
  }
}

bool RetryableConnectionError(CURLcode rc) {
  return rc == CURLE_COULDNT_CONNECT || rc == CURLE_SEND_ERROR || rc == CURLE_RECV_ERROR ||
         rc == CURLE_GOT_NOTHING || rc == CURLE_PARTIAL_FILE;
}

class StreamHandle;

// "https://host:port/prefix" -> "host:port".
std::string HostOf(std::string_view server) {
  if (size_t scheme = server.find("://"); scheme != std::string_view::npos) {
    server.remove_prefix(scheme + 3);
  }
  return std::string(server.substr(0, server.find('/')));
}

class CurlTransport final : public Transport {
 public:
  explicit CurlTransport(Config config)
      : config_(std::move(config)),
        credentials_(config_),
        bucket_(config_.qps, config_.burst),
        discovery_bucket_(config_.discovery_qps, config_.discovery_burst),
        user_agent_(config_.user_agent.empty() ? DefaultUserAgent() : config_.user_agent),
        host_(HostOf(config_.server)) {
    static CurlGlobal global;
    multi_ = curl_multi_init();
    curl_multi_setopt(multi_, CURLMOPT_PIPELINING, CURLPIPE_MULTIPLEX);
    loop_ = std::jthread([this] { Loop(); });
  }

  ~CurlTransport() override {
    {
      kop::MutexLock lock(&mu_);
      stopping_ = true;
    }
    curl_multi_wakeup(multi_);
    loop_.join();
    curl_multi_cleanup(multi_);
    for (CURL* e : idle_) curl_easy_cleanup(e);
  }

  const Config& config() const override { return config_; }

  absl::StatusOr<HttpResponse> Do(const HttpRequest& request) override;
  std::unique_ptr<Stream> OpenStream(const HttpRequest& request,
                                     std::function<bool(std::string_view)> on_data,
                                     std::function<void(absl::Status)> on_done,
                                     std::chrono::milliseconds idle_timeout) override;

  void Cancel(const std::shared_ptr<Transfer>& t) {
    if (t->finished.load()) return;
    t->cancelled = true;
    {
      kop::MutexLock lock(&mu_);
      cancels_.push_back(t);
    }
    curl_multi_wakeup(multi_);
  }

 private:
  absl::StatusOr<std::shared_ptr<Transfer>> Prepare(const HttpRequest& request, bool streaming,
                                                    std::chrono::milliseconds idle_timeout);
  // Requests reuse the easy handles of finished ones, and with them their open connections.
  CURL* AcquireEasy() {
    {
      kop::MutexLock lock(&mu_);
      if (!idle_.empty()) {
        CURL* e = idle_.back();
        idle_.pop_back();
        curl_easy_reset(e);  // options only: the connection and TLS session stay
        return e;
      }
    }
    return curl_easy_init();
  }
  void ReleaseEasy(CURL* e) {
    {
      kop::MutexLock lock(&mu_);
      if (idle_.size() < kMaxIdleHandles) {
        idle_.push_back(e);
        return;
      }
    }
    curl_easy_cleanup(e);
  }
  void Observe(const Transfer& t);
  void Submit(std::shared_ptr<Transfer> t) {
    t->started = std::chrono::steady_clock::now();
    {
      kop::MutexLock lock(&mu_);
      incoming_.push_back(std::move(t));
    }
    curl_multi_wakeup(multi_);
  }
  void Loop();
  void Finish(const std::shared_ptr<Transfer>& t, CURLcode rc);

  const Config config_;
  internal::Credentials credentials_;
  TokenBucket bucket_;
  TokenBucket discovery_bucket_;
  const std::string user_agent_;
  const std::string host_;  // host:port, the rest_client_* metrics' label
  CURLM* multi_ = nullptr;

  static constexpr size_t kMaxIdleHandles = 32;

  kop::Mutex mu_;  // guards incoming_, cancels_, stopping_ and idle_
  std::vector<CURL*> idle_ ABSL_GUARDED_BY(mu_);
  std::vector<std::shared_ptr<Transfer>> incoming_ ABSL_GUARDED_BY(mu_);
  std::vector<std::shared_ptr<Transfer>> cancels_ ABSL_GUARDED_BY(mu_);
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  std::map<CURL*, std::shared_ptr<Transfer>> active_;  // loop thread only

  std::jthread loop_;  // last: started after everything it uses
};

class StreamHandle final : public Stream {
 public:
  StreamHandle(CurlTransport* transport, std::shared_ptr<Transfer> t)
      : transport_(transport), transfer_(std::move(t)) {}
  ~StreamHandle() override { Cancel(); }
  void Cancel() override { transport_->Cancel(transfer_); }

 private:
  CurlTransport* transport_;
  std::shared_ptr<Transfer> transfer_;
};

absl::StatusOr<std::shared_ptr<Transfer>> CurlTransport::Prepare(
    const HttpRequest& request, bool streaming, std::chrono::milliseconds idle_timeout) {
  absl::StatusOr<internal::AuthMaterial> auth = credentials_.Get();
  if (!auth.ok()) return auth.status();
  auto t = std::make_shared<Transfer>();
  t->streaming = streaming;
  t->method = request.method;
  t->url = config_.server + request.path;
  t->body = request.body;
  CURL* e = streaming ? curl_easy_init() : AcquireEasy();
  if (e == nullptr) return absl::InternalError("curl_easy_init failed");
  t->easy = e;
  curl_easy_setopt(e, CURLOPT_URL, t->url.c_str());
  curl_easy_setopt(e, CURLOPT_CUSTOMREQUEST, request.method.c_str());
  curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(e, CURLOPT_ERRORBUFFER, t->curl_error);
  curl_easy_setopt(e, CURLOPT_USERAGENT, user_agent_.c_str());
  curl_easy_setopt(e, CURLOPT_HTTP_VERSION, CURL_HTTP_VERSION_2TLS);
  // Over TLS a request may wait for a connection being set up, to share it through HTTP/2.
  // Plain http:// is HTTP/1.1 only: waiting for a busy (or dying) connection would only
  // delay the request.
  if (t->url.rfind("https://", 0) == 0) curl_easy_setopt(e, CURLOPT_PIPEWAIT, 1L);
  curl_easy_setopt(e, CURLOPT_CONNECTTIMEOUT_MS, static_cast<long>(config_.connect_timeout.count()));
  curl_easy_setopt(e, CURLOPT_TCP_KEEPALIVE, 1L);
  curl_easy_setopt(e, CURLOPT_TCP_KEEPIDLE, 30L);
  curl_easy_setopt(e, CURLOPT_TCP_KEEPINTVL, 10L);
  if (!streaming) {
    const auto timeout = request.timeout.count() > 0 ? request.timeout : config_.timeout;
    curl_easy_setopt(e, CURLOPT_TIMEOUT_MS, static_cast<long>(timeout.count()));
  } else if (idle_timeout.count() > 0) {
    curl_easy_setopt(e, CURLOPT_LOW_SPEED_LIMIT, 1L);
    curl_easy_setopt(e, CURLOPT_LOW_SPEED_TIME,
                     std::max(1L, static_cast<long>(idle_timeout.count() / 1000)));
  }
  if (!config_.ca_pem.empty()) {
    curl_blob ca{const_cast<char*>(config_.ca_pem.data()), config_.ca_pem.size(), CURL_BLOB_COPY};
    curl_easy_setopt(e, CURLOPT_CAINFO_BLOB, &ca);
  }
  if (config_.insecure_skip_tls_verify) {
    curl_easy_setopt(e, CURLOPT_SSL_VERIFYPEER, 0L);
    curl_easy_setopt(e, CURLOPT_SSL_VERIFYHOST, 0L);
  }
  if (!auth->client_cert_pem.empty()) {
    curl_blob cert{auth->client_cert_pem.data(), auth->client_cert_pem.size(), CURL_BLOB_COPY};
    curl_blob key{auth->client_key_pem.data(), auth->client_key_pem.size(), CURL_BLOB_COPY};
    curl_easy_setopt(e, CURLOPT_SSLCERT_BLOB, &cert);
    curl_easy_setopt(e, CURLOPT_SSLCERTTYPE, "PEM");
    curl_easy_setopt(e, CURLOPT_SSLKEY_BLOB, &key);
    curl_easy_setopt(e, CURLOPT_SSLKEYTYPE, "PEM");
  }
  if (!request.accept.empty()) t->headers = curl_slist_append(t->headers, ("Accept: " + request.accept).c_str());
  if (!request.content_type.empty()) {
    t->headers = curl_slist_append(t->headers, ("Content-Type: " + request.content_type).c_str());
  }
  if (!auth->authorization.empty()) {
    t->headers = curl_slist_append(t->headers, ("Authorization: " + auth->authorization).c_str());
  }
  t->headers = curl_slist_append(t->headers, "Expect:");
  curl_easy_setopt(e, CURLOPT_HTTPHEADER, t->headers);
  if (!t->body.empty() || request.method == "POST" || request.method == "PUT" ||
      request.method == "PATCH") {
    curl_easy_setopt(e, CURLOPT_POSTFIELDS, t->body.data());
    curl_easy_setopt(e, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(t->body.size()));
  }
  curl_easy_setopt(e, CURLOPT_HEADERFUNCTION, &OnHeader);
  curl_easy_setopt(e, CURLOPT_HEADERDATA, t.get());
  curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, &OnBody);
  curl_easy_setopt(e, CURLOPT_WRITEDATA, t.get());
  curl_easy_setopt(e, CURLOPT_PRIVATE, t.get());
  return t;
}

void CurlTransport::Loop() {
  while (true) {
    std::vector<std::shared_ptr<Transfer>> incoming;
    std::vector<std::shared_ptr<Transfer>> cancels;
    bool stopping = false;
    {
      kop::MutexLock lock(&mu_);
      incoming.swap(incoming_);
      cancels.swap(cancels_);
      stopping = stopping_;
    }
    for (auto& t : incoming) {
      if (stopping || t->cancelled.load()) {
        Finish(t, CURLE_ABORTED_BY_CALLBACK);
        continue;
      }
      curl_multi_add_handle(multi_, t->easy);
      active_.emplace(t->easy, t);
    }
    for (auto& t : cancels) {
      auto it = active_.find(t->easy);
      // A finished transfer's handle may have been reused by a new one: match the transfer.
      if (it == active_.end() || it->second != t) continue;
      curl_multi_remove_handle(multi_, t->easy);
      active_.erase(it);
      Finish(t, CURLE_ABORTED_BY_CALLBACK);
    }
    if (stopping) {
      for (auto& [easy, t] : active_) {
        curl_multi_remove_handle(multi_, easy);
        t->cancelled = true;
        Finish(t, CURLE_ABORTED_BY_CALLBACK);
      }
      active_.clear();
      return;
    }
    int running = 0;
    curl_multi_perform(multi_, &running);
    int left = 0;
    while (CURLMsg* msg = curl_multi_info_read(multi_, &left)) {
      if (msg->msg != CURLMSG_DONE) continue;
      CURL* easy = msg->easy_handle;
      const CURLcode rc = msg->data.result;
      auto it = active_.find(easy);
      if (it == active_.end()) continue;
      std::shared_ptr<Transfer> t = it->second;
      active_.erase(it);
      curl_multi_remove_handle(multi_, easy);
      Finish(t, rc);
    }
    curl_multi_poll(multi_, nullptr, 0, 1000, nullptr);
  }
}

// The answer's status code, and the rest_client_* metrics.
void CurlTransport::Observe(const Transfer& t) {
  if (config_.request_metrics == nullptr) return;
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t.started).count();
  const bool answered = t.response.code != 0;
  config_.request_metrics->Observe(t.method, answered ? std::to_string(t.response.code) : "<error>", host_,
                                   seconds);
}

// A stream's end (loop thread).
void CurlTransport::Finish(const std::shared_ptr<Transfer>& t, CURLcode rc) {
  if (t->finished.exchange(true)) return;
  long code = 0;
  curl_easy_getinfo(t->easy, CURLINFO_RESPONSE_CODE, &code);
  if (t->response.code == 0) t->response.code = static_cast<int>(code);
  Observe(*t);
  curl_easy_cleanup(t->easy);
  curl_slist_free_all(t->headers);
  t->headers = nullptr;
  absl::Status status;
  if (t->cancelled.load() || t->stopped_by_reader) {
    status = absl::CancelledError(kop::StrCat(t->method, " ", t->url, ": cancelled"));
  } else if (t->response.code != 0 && t->response.code != 200) {
    status = ApiErrorFromResponse(t->response.code, t->response.body);
  } else if (rc != CURLE_OK) {
    status = TransportError(*t, rc);
  }
  t->on_done(status);
  t->on_data = nullptr;
  t->on_done = nullptr;
}

absl::StatusOr<HttpResponse> CurlTransport::Do(const HttpRequest& request) {
  const bool idempotent = request.method == "GET" || request.method == "HEAD";
  bool reauthenticated = false;
  int connection_failures = 0;
  int retry_afters = 0;
  while (true) {
    TokenBucket& bucket =
        request.rate_limit == HttpRequest::RateLimit::kDiscovery ? discovery_bucket_ : bucket_;
    if (auto wait = bucket.Reserve(); wait.count() > 0) std::this_thread::sleep_for(wait);
    absl::StatusOr<std::shared_ptr<Transfer>> prepared = Prepare(request, false, {});
    if (!prepared.ok()) return prepared.status();
    std::shared_ptr<Transfer> t = *prepared;
    // On the calling thread: handing the request to the event loop and the answer back would
    // cost two thread wake-ups per request, and serialise every caller behind one thread.
    t->started = std::chrono::steady_clock::now();
    const CURLcode rc = curl_easy_perform(t->easy);
    long code = 0;
    curl_easy_getinfo(t->easy, CURLINFO_RESPONSE_CODE, &code);
    t->response.code = static_cast<int>(code);
    Observe(*t);
    curl_slist_free_all(t->headers);
    t->headers = nullptr;
    ReleaseEasy(std::exchange(t->easy, nullptr));
    if (rc != CURLE_OK) {
      if (idempotent && RetryableConnectionError(rc) && ++connection_failures < kMaxConnectionRetries) {
        std::this_thread::sleep_for(std::chrono::milliseconds(100 << connection_failures));
        continue;
      }
      return TransportError(*t, rc);
    }
    HttpResponse& r = t->response;
    if (r.code == 401 && !reauthenticated && (config_.exec.has_value() || !config_.token_file.empty())) {
      reauthenticated = true;
      credentials_.Invalidate();
      continue;
    }
    if ((r.code == 429 || r.code >= 500) && retry_afters < kMaxRetryAfterRetries) {
      auto ra = r.headers.find("retry-after");
      if (ra != r.headers.end()) {
        const int secs = std::clamp(std::atoi(ra->second.c_str()), 0, 60);
        ++retry_afters;
        std::this_thread::sleep_for(std::chrono::seconds(secs));
        continue;
      }
    }
    return std::move(r);
  }
}

std::unique_ptr<Stream> CurlTransport::OpenStream(const HttpRequest& request,
                                                  std::function<bool(std::string_view)> on_data,
                                                  std::function<void(absl::Status)> on_done,
                                                  std::chrono::milliseconds idle_timeout) {
  if (auto wait = bucket_.Reserve(); wait.count() > 0) std::this_thread::sleep_for(wait);
  absl::StatusOr<std::shared_ptr<Transfer>> prepared = Prepare(request, true, idle_timeout);
  if (!prepared.ok()) {
    on_done(prepared.status());
    return nullptr;
  }
  std::shared_ptr<Transfer> t = *prepared;
  t->on_data = std::move(on_data);
  t->on_done = std::move(on_done);
  Submit(t);
  return std::make_unique<StreamHandle>(this, std::move(t));
}

}  // namespace

std::string DefaultUserAgent() { return "kop/0.1.0"; }

absl::StatusOr<std::unique_ptr<Transport>> Transport::Create(const Config& config) {
  if (config.server.rfind("https://", 0) != 0 && config.server.rfind("http://", 0) != 0) {
    return absl::InvalidArgumentError(
        kop::StrCat("server \"", config.server, "\" must start with https:// or http://"));
  }
  if (config.client_cert_pem.empty() != config.client_key_pem.empty()) {
    return absl::InvalidArgumentError("a client certificate needs its key, and a key its certificate");
  }
  // PEM material that is not PEM would otherwise fail only at the first request, as a TLS
  // error that does not say which piece was wrong.
  auto has_block = [](const std::string& pem, std::string_view label_end) {
    for (size_t at = pem.find("-----BEGIN "); at != std::string::npos; at = pem.find("-----BEGIN ", at + 1)) {
      const size_t close = pem.find("-----", at + 11);
      if (close != std::string::npos && std::string_view(pem).substr(at + 11, close - at - 11).ends_with(label_end)) {
        return true;
      }
    }
    return false;
  };
  if (!config.ca_pem.empty() && !has_block(config.ca_pem, "CERTIFICATE")) {
    return absl::InvalidArgumentError(
        "the certificate authority data is not PEM: it holds no \"-----BEGIN CERTIFICATE-----\" block");
  }
  if (!config.client_cert_pem.empty() && !has_block(config.client_cert_pem, "CERTIFICATE")) {
    return absl::InvalidArgumentError(
        "the client certificate data is not PEM: it holds no \"-----BEGIN CERTIFICATE-----\" block");
  }
  if (!config.client_key_pem.empty() && !has_block(config.client_key_pem, "PRIVATE KEY")) {
    return absl::InvalidArgumentError(
        "the client key data is not PEM: it holds no \"-----BEGIN ... PRIVATE KEY-----\" block");
  }
  return std::unique_ptr<Transport>(new CurlTransport(config));
}

}  // namespace kop::client
