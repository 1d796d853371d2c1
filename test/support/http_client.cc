#include "support/http_client.h"

#include <curl/curl.h>

#include <algorithm>
#include <cstdlib>
#include <fstream>
#include <sstream>

#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "kop/api/yaml.h"
#include "kop/base/strings.h"

namespace kop::test {
namespace {

struct CurlInit {
  CurlInit() { curl_global_init(CURL_GLOBAL_ALL); }
};

void EnsureInit() { static CurlInit init; }

size_t Append(char* data, size_t size, size_t n, void* out) {
  static_cast<std::string*>(out)->append(data, size * n);
  return size * n;
}

size_t Header(char* data, size_t size, size_t n, void* out) {
  std::string line(data, size * n);
  const size_t colon = line.find(':');
  if (colon != std::string::npos) {
    std::string name = line.substr(0, colon);
    for (char& c : name) c = static_cast<char>(tolower(c));
    std::string value = line.substr(colon + 1);
    while (!value.empty() && (value.front() == ' ')) value.erase(0, 1);
    while (!value.empty() && (value.back() == '\r' || value.back() == '\n')) value.pop_back();
    auto& headers = *static_cast<std::map<std::string, std::string>*>(out);
    auto [it, added] = headers.emplace(name, value);
    if (!added) it->second += "\n" + value;
  }
  return size * n;
}

std::string Decode64(const Json& j) {
  std::string out;
  if (j.is_string()) absl::Base64Unescape(j.get<std::string>(), &out);
  return out;
}

std::string ReadFile(const std::string& path) {
  std::ifstream in(path);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

}  // namespace

Json HttpReply::json() const {
  absl::StatusOr<Json> j = ParseJson(body);
  return j.ok() ? *j : Json();
}

absl::StatusOr<ClusterAuth> ClusterAuth::FromKubeconfig(const std::string& path) {
  absl::StatusOr<Json> cfg = ParseYaml(ReadFile(path));
  if (!cfg.ok()) return cfg.status();
  const std::string current = cfg->value("current-context", "");
  auto find = [&](const char* list, const std::string& name) -> Json {
    for (const Json& e : cfg->value(list, Json::array())) {
      if (e.value("name", "") == name) return e;
    }
    return Json::object();
  };
  const Json context = find("contexts", current).value("context", Json::object());
  const Json cluster = find("clusters", context.value("cluster", "")).value("cluster", Json::object());
  const Json user = find("users", context.value("user", "")).value("user", Json::object());
  ClusterAuth a;
  a.server = cluster.value("server", "");
  if (a.server.empty()) {
    return absl::InvalidArgumentError(kop::StrCat("kubeconfig ", path, ": no server for context \"", current, "\""));
  }
  a.ca_pem = cluster.contains("certificate-authority-data")
                 ? Decode64(cluster["certificate-authority-data"])
                 : (cluster.contains("certificate-authority")
                        ? ReadFile(cluster["certificate-authority"].get<std::string>())
                        : "");
  a.insecure = cluster.value("insecure-skip-tls-verify", false);
  a.client_cert_pem = user.contains("client-certificate-data")
                          ? Decode64(user["client-certificate-data"])
                          : (user.contains("client-certificate")
                                 ? ReadFile(user["client-certificate"].get<std::string>())
                                 : "");
  a.client_key_pem = user.contains("client-key-data")
                         ? Decode64(user["client-key-data"])
                         : (user.contains("client-key") ? ReadFile(user["client-key"].get<std::string>())
                                                        : "");
  a.token = user.value("token", "");
  if (a.token.empty() && user.contains("tokenFile")) a.token = ReadFile(user["tokenFile"].get<std::string>());
  return a;
}

HttpClient::HttpClient(ClusterAuth auth) : auth_(std::move(auth)) { EnsureInit(); }

void HttpClient::Configure(void* handle, void* headers_list) const {
  CURL* curl = static_cast<CURL*>(handle);
  curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(curl, CURLOPT_CONNECTTIMEOUT_MS, 5000L);
  if (!auth_.ca_pem.empty()) {
    curl_blob blob{const_cast<char*>(auth_.ca_pem.data()), auth_.ca_pem.size(), CURL_BLOB_COPY};
    curl_easy_setopt(curl, CURLOPT_CAINFO_BLOB, &blob);
  }
  if (auth_.insecure) {
    curl_easy_setopt(curl, CURLOPT_SSL_VERIFYPEER, 0L);
    curl_easy_setopt(curl, CURLOPT_SSL_VERIFYHOST, 0L);
  }
  if (!auth_.client_cert_pem.empty()) {
    curl_blob cert{const_cast<char*>(auth_.client_cert_pem.data()), auth_.client_cert_pem.size(),
                   CURL_BLOB_COPY};
    curl_blob key{const_cast<char*>(auth_.client_key_pem.data()), auth_.client_key_pem.size(),
                  CURL_BLOB_COPY};
    curl_easy_setopt(curl, CURLOPT_SSLCERT_BLOB, &cert);
    curl_easy_setopt(curl, CURLOPT_SSLCERTTYPE, "PEM");
    curl_easy_setopt(curl, CURLOPT_SSLKEY_BLOB, &key);
    curl_easy_setopt(curl, CURLOPT_SSLKEYTYPE, "PEM");
  }
  curl_slist** list = static_cast<curl_slist**>(headers_list);
  bool has_accept = false;
  for (curl_slist* h = *list; h != nullptr; h = h->next) {
    has_accept = has_accept || std::string_view(h->data).rfind("Accept:", 0) == 0;
  }
  if (!has_accept) *list = curl_slist_append(*list, "Accept: application/json");
  if (!auth_.token.empty()) {
    *list = curl_slist_append(*list, ("Authorization: Bearer " + auth_.token).c_str());
  }
}

HttpReply HttpClient::Request(const std::string& method, const std::string& path,
                              const std::string& content_type, const std::string& body,
                              const std::string& accept) const {
  std::vector<std::string> lines;
  if (!accept.empty()) lines.push_back("Accept: " + accept);
  if (!content_type.empty()) lines.push_back("Content-Type: " + content_type);
  return Send(method, path, lines, body);
}

HttpReply HttpClient::Send(const std::string& method, const std::string& path,
                           const std::vector<std::string>& header_lines, const std::string& body) const {
  HttpReply reply;
  CURL* curl = curl_easy_init();
  curl_slist* headers = nullptr;
  for (const std::string& line : header_lines) headers = curl_slist_append(headers, line.c_str());
  Configure(curl, &headers);
  const std::string url = auth_.server + path;
  curl_easy_setopt(curl, CURLOPT_URL, url.c_str());
  curl_easy_setopt(curl, CURLOPT_CUSTOMREQUEST, method.c_str());
  curl_easy_setopt(curl, CURLOPT_HTTPHEADER, headers);
  // A bound against hangs, not a performance check: under ThreadSanitizer the heaviest
  // requests (a server-side apply 1,000 levels deep) take tens of seconds.
  curl_easy_setopt(curl, CURLOPT_TIMEOUT_MS, 120000L);
  if (!body.empty() || method == "POST" || method == "PUT" || method == "PATCH") {
    curl_easy_setopt(curl, CURLOPT_POSTFIELDS, body.data());
    curl_easy_setopt(curl, CURLOPT_POSTFIELDSIZE, static_cast<long>(body.size()));
  }
  curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, &Append);
  curl_easy_setopt(curl, CURLOPT_WRITEDATA, &reply.body);
  curl_easy_setopt(curl, CURLOPT_HEADERFUNCTION, &Header);
  curl_easy_setopt(curl, CURLOPT_HEADERDATA, &reply.headers);
  if (curl_easy_perform(curl) == CURLE_OK) {
    curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &reply.code);
  }
  curl_slist_free_all(headers);
  curl_easy_cleanup(curl);
  return reply;
}

HttpReply HttpClient::Get(const std::string& path) const { return Request("GET", path, "", ""); }
HttpReply HttpClient::Post(const std::string& path, const Json& body) const {
  return Request("POST", path, "application/json", body.dump());
}
HttpReply HttpClient::Put(const std::string& path, const Json& body) const {
  return Request("PUT", path, "application/json", body.dump());
}
HttpReply HttpClient::Patch(const std::string& path, const std::string& content_type,
                            const std::string& body) const {
  return Request("PATCH", path, content_type, body);
}
HttpReply HttpClient::Delete(const std::string& path, const Json& body) const {
  return Request("DELETE", path, body.is_null() ? "" : "application/json",
                 body.is_null() ? "" : body.dump());
}

std::unique_ptr<WatchStream> HttpClient::Watch(const std::string& path, const std::string& accept) const {
  std::unique_ptr<WatchStream> stream(new WatchStream());
  WatchStream* s = stream.get();
  const std::string url = auth_.server + path;
  s->thread_ = std::jthread([this, s, url, accept] {
    CURL* curl = curl_easy_init();
    curl_slist* headers = nullptr;
    if (!accept.empty()) headers = curl_slist_append(headers, ("Accept: " + accept).c_str());
    Configure(curl, &headers);
    curl_easy_setopt(curl, CURLOPT_URL, url.c_str());
    curl_easy_setopt(curl, CURLOPT_HTTPHEADER, headers);
    curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, &WatchStream::OnData);
    curl_easy_setopt(curl, CURLOPT_WRITEDATA, s);
    curl_easy_setopt(curl, CURLOPT_HEADERFUNCTION, &WatchStream::OnHeader);
    curl_easy_setopt(curl, CURLOPT_HEADERDATA, s);
    CURLM* multi = curl_multi_init();
    curl_multi_add_handle(multi, curl);
    s->multi_.store(multi);
    CURLcode rc = CURLE_OK;
    int running = 1;
    while (running > 0 && !s->cancel_.load()) {
      curl_multi_perform(multi, &running);
      if (running == 0) break;
      curl_multi_poll(multi, nullptr, 0, 1000, nullptr);  // woken by the destructor
    }
    int left = 0;
    while (CURLMsg* msg = curl_multi_info_read(multi, &left)) {
      if (msg->msg == CURLMSG_DONE) rc = msg->data.result;
    }
    if (s->cancel_.load()) rc = CURLE_ABORTED_BY_CALLBACK;
    {
      kop::MutexLock lock(&s->mu_);
      s->multi_.store(nullptr);
    }
    curl_multi_remove_handle(multi, curl);
    curl_multi_cleanup(multi);
    long code = 0;
    curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &code);
    curl_slist_free_all(headers);
    curl_easy_cleanup(curl);
    kop::MutexLock lock(&s->mu_);
    s->code_ = code;
    s->ended_ = true;
    s->truncated_ = !s->partial_.empty() || (rc != CURLE_OK && rc != CURLE_ABORTED_BY_CALLBACK);
    s->changed_.SignalAll();
  });
  return stream;
}

WatchStream::~WatchStream() {
  cancel_ = true;
  {
    kop::MutexLock lock(&mu_);
    if (void* multi = multi_.load()) curl_multi_wakeup(static_cast<CURLM*>(multi));
  }
  if (thread_.joinable()) thread_.join();
}

size_t WatchStream::OnData(char* data, size_t size, size_t n, void* self) {
  auto* s = static_cast<WatchStream*>(self);
  kop::MutexLock lock(&s->mu_);
  if (s->code_ == 0) s->code_ = 200;
  if (s->raw_.size() < 65536) s->raw_.append(data, std::min(size * n, 65536 - s->raw_.size()));
  s->partial_.append(data, size * n);
  size_t nl;
  while ((nl = s->partial_.find('\n')) != std::string::npos) {
    const std::string line = s->partial_.substr(0, nl);
    s->partial_.erase(0, nl + 1);
    if (line.empty()) continue;
    absl::StatusOr<Json> j = ParseJson(line);
    if (j.ok()) s->events_.push_back(*std::move(j));
  }
  s->changed_.SignalAll();
  return size * n;
}

size_t WatchStream::OnHeader(char* data, size_t size, size_t n, void* self) {
  auto* s = static_cast<WatchStream*>(self);
  const std::string_view line(data, size * n);
  kop::MutexLock lock(&s->mu_);
  if (line.rfind("HTTP/", 0) == 0) {
    // The status line of this (or a following, after 100 Continue) response.
    const size_t space = line.find(' ');
    if (space != std::string_view::npos) s->code_ = std::atol(std::string(line.substr(space + 1, 3)).c_str());
    s->content_type_.clear();
  } else if (line.size() > 13 && absl::EqualsIgnoreCase(std::string(line.substr(0, 13)), "content-type:")) {
    s->content_type_ = std::string(absl::StripAsciiWhitespace(std::string(line.substr(13))));
  }
  return size * n;
}

std::optional<Json> WatchStream::Next(std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  kop::MutexLock lock(&mu_);
  while (events_.empty() && !ended_) {
    if (!changed_.WaitUntil(&mu_, deadline)) break;
  }
  if (events_.empty()) return std::nullopt;
  Json e = std::move(events_.front());
  events_.pop_front();
  return e;
}

bool WatchStream::Ended() {
  kop::MutexLock lock(&mu_);
  return ended_;
}

bool WatchStream::WaitEnded(std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  kop::MutexLock lock(&mu_);
  while (!ended_) {
    if (!changed_.WaitUntil(&mu_, deadline)) break;
  }
  return ended_;
}

long WatchStream::code() {
  kop::MutexLock lock(&mu_);
  return code_;
}

std::string WatchStream::content_type() {
  kop::MutexLock lock(&mu_);
  return content_type_;
}

std::string WatchStream::raw_body() {
  kop::MutexLock lock(&mu_);
  return raw_;
}

bool WatchStream::Truncated() {
  kop::MutexLock lock(&mu_);
  return truncated_;
}

}  // namespace kop::test
