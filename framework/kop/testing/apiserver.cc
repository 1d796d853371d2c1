#include "kop/testing/apiserver.h"

#include <arpa/inet.h>
#include <dlfcn.h>
#include <netinet/in.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cstring>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <random>
#include <set>
#include <sstream>
#include <thread>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/str_split.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "civetweb.h"
#include "kop/api/label_selector.h"
#include "kop/api/patch.h"
#include "kop/api/time.h"
#include "kop/api/yaml.h"
#include "kop/base/net.h"
#include "kop/base/status_macros.h"
#include "kop/base/strings.h"
#include "kop/testing/internal/apply.h"
#include "kop/testing/internal/errors.h"
#include "kop/testing/internal/large_stack.h"
#include "kop/testing/internal/media.h"
#include "kop/testing/internal/registry.h"
#include "kop/testing/internal/schema.h"
#include "kop/testing/internal/server.h"
#include "kop/testing/internal/store.h"
#include "kop/testing/internal/table.h"
#include "kop/testing/internal/tls.h"
#include "kop/testing/internal/validation.h"


// The OpenSSL compatibility shim's bytes (ssl_compat_blob.cc, generated at build time).
extern const unsigned char kop_ssl_compat_so[];
extern const std::size_t kop_ssl_compat_so_size;

namespace kop::testing {

using internal::ErrorResponse;
using internal::JsonResponse;
using internal::NoSuchResource;
using internal::ResourceInfo;
using internal::Response;
using internal::StoredObject;

namespace {

constexpr size_t kMaxBodyBytes = 3 * 1024 * 1024;  // upstream's request size limit
constexpr int kMaxNestingDepth = 10000;              // upstream's JSON decoder limit

// Whether a JSON (or flow-style YAML) body nests objects and arrays deeper than `max`. A
// linear scan, so that nothing recursive ever sees such a body.
bool NestsDeeperThan(std::string_view body, int max) {
  int depth = 0;
  bool in_string = false;
  for (size_t i = 0; i < body.size(); ++i) {
    const char c = body[i];
    if (in_string) {
      if (c == '\\') {
        ++i;
      } else if (c == '"') {
        in_string = false;
      }
    } else if (c == '"') {
      in_string = true;
    } else if (c == '{' || c == '[') {
      if (++depth > max) return true;
    } else if (c == '}' || c == ']') {
      --depth;
    }
  }
  return false;
}

std::string UrlDecode(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '+') {
      out += ' ';
    } else if (s[i] == '%' && i + 2 < s.size() && isxdigit(static_cast<unsigned char>(s[i + 1])) &&
               isxdigit(static_cast<unsigned char>(s[i + 2]))) {
      out += static_cast<char>(std::stoi(std::string(s.substr(i + 1, 2)), nullptr, 16));
      i += 2;
    } else {
      out += s[i];
    }
  }
  return out;
}

std::map<std::string, std::string> ParseQuery(const char* q) {
  std::map<std::string, std::string> out;
  if (q == nullptr) return out;
  std::string_view rest(q);
  while (!rest.empty()) {
    const size_t amp = rest.find('&');
    std::string_view pair = rest.substr(0, amp);
    const size_t eq = pair.find('=');
    std::string key = UrlDecode(pair.substr(0, eq));
    std::string value = eq == std::string_view::npos ? "" : UrlDecode(pair.substr(eq + 1));
    if (!key.empty()) out[key] = value;
    if (amp == std::string_view::npos) break;
    rest.remove_prefix(amp + 1);
  }
  return out;
}

std::vector<std::string> SplitPath(std::string_view path) {
  std::vector<std::string> out;
  size_t start = 0;
  while (start < path.size()) {
    size_t slash = path.find('/', start);
    if (slash == std::string_view::npos) slash = path.size();
    if (slash > start) out.emplace_back(path.substr(start, slash - start));
    start = slash + 1;
  }
  return out;
}

// The media type without parameters, lower case.
std::string MediaType(const char* header) {
  if (header == nullptr) return "";
  std::string t(header);
  t = t.substr(0, t.find(';'));
  t.erase(std::remove(t.begin(), t.end(), ' '), t.end());
  std::transform(t.begin(), t.end(), t.begin(), ::tolower);
  return t;
}


}  // namespace


namespace internal {

std::string HttpDate() { return FormatHttpDate(absl::Now()); }

void AddDateHeader(mg_connection* conn) { mg_response_header_add(conn, "Date", HttpDate().c_str(), -1); }

}  // namespace internal

using internal::AddDateHeader;

// ---------------------------------------------------------------------------------------
// Lifecycle

// Loads the OpenSSL 3 compatibility shim civetweb needs (see internal/ssl_compat.c). It is
// embedded in this library (ssl_compat_blob.cc, made at build time) and loaded from an
// anonymous in-memory file, so nothing needs installing beside a program that uses it.
absl::Status LoadSslCompat() {
  static const std::string error = []() -> std::string {
    const int fd = memfd_create("libssl.so", MFD_CLOEXEC);
    if (fd < 0) return kop::StrCat("memfd_create: ", std::strerror(errno));
    size_t written = 0;
    while (written < kop_ssl_compat_so_size) {
      const ssize_t n = write(fd, kop_ssl_compat_so + written, kop_ssl_compat_so_size - written);
      if (n <= 0) {
        close(fd);
        return kop::StrCat("writing the shim: ", std::strerror(errno));
      }
      written += static_cast<size_t>(n);
    }
    const std::string path = kop::StrCat("/proc/self/fd/", fd);
    void* handle = dlopen(path.c_str(), RTLD_NOW | RTLD_GLOBAL);
    const char* why = handle == nullptr ? dlerror() : nullptr;
    close(fd);  // the mapping stays
    return handle == nullptr ? kop::StrCat("dlopen: ", why != nullptr ? why : "unknown error") : "";
  }();
  if (!error.empty()) {
    return absl::FailedPreconditionError(
        kop::StrCat("TLS needs kop's OpenSSL 3 compatibility shim for civetweb, which did not load: ", error));
  }
  return absl::OkStatus();
}

std::unique_ptr<internal::Journal> ApiServer::Impl::OpenJournal(const std::string& dir, absl::Status* error) {
  if (dir.empty()) return nullptr;
  absl::StatusOr<std::unique_ptr<internal::Journal>> j = internal::OpenSqliteJournal(dir);
  if (!j.ok()) {
    *error = j.status();
    return nullptr;
  }
  return *std::move(j);
}

absl::Status ApiServer::Impl::RestoreFromJournal() {
  KOP_RETURN_IF_ERROR(journal_error_);
  if (journal_ == nullptr) return absl::OkStatus();
  KOP_RETURN_IF_ERROR(store_.Restore([this](const std::string& storage_key, const Object& obj) {
    const size_t slash = storage_key.find('/');
    const std::string group = storage_key.substr(0, slash);
    const std::string plural = storage_key.substr(slash + 1);
    if (group == "apiextensions.k8s.io" && plural == "customresourcedefinitions") {
      (void)registry_.AddCustomResource(obj);  // its objects follow
    }
    return ResourceOf(group, plural);
  }));
  // The collector's view of who owns whom, and deletions it was in the middle of.
  for (const std::shared_ptr<const ResourceInfo>& info : registry_.StoredResources()) {
    absl::StatusOr<internal::ListResult> all = store_.List(*info, internal::ListOptions{});
    if (!all.ok()) continue;
    for (const StoredObject& s : all->items) NoteOwners(*info, *s.obj);
  }
  for (const std::shared_ptr<const ResourceInfo>& info : registry_.StoredResources()) {
    absl::StatusOr<internal::ListResult> all = store_.List(*info, internal::ListOptions{});
    if (!all.ok()) continue;
    for (const StoredObject& s : all->items) {
      if (options_.garbage_collector && s.obj->IsBeingDeleted() && s.obj->HasFinalizer("foregroundDeletion")) {
        DeleteDependentsInForeground(*info, *s.obj);
      }
    }
  }
  return absl::OkStatus();
}

// The tokens of a static token file, as kube-apiserver's --token-auth-file reads it: CSV lines
// "token,user,uid[,groups]", groups comma-separated (and so quoted when there are several).
absl::StatusOr<std::vector<std::pair<std::string, internal::UserInfo>>> ReadTokenFile(
    const std::string& path) {
  std::ifstream in(path);
  if (!in) return absl::InvalidArgumentError(kop::StrCat("--token-auth-file ", path, ": cannot read it"));
  std::vector<std::pair<std::string, internal::UserInfo>> tokens;
  std::string line;
  int n = 0;
  while (std::getline(in, line)) {
    ++n;
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (line.empty() || line[0] == '#') continue;
    const size_t first = line.find(',');
    const size_t second = first == std::string::npos ? first : line.find(',', first + 1);
    if (first == 0 || second == std::string::npos || second == first + 1) {
      return absl::InvalidArgumentError(kop::StrCat("--token-auth-file ", path, ": line ", n,
                                                    ": want token,user,uid[,groups]"));
    }
    internal::UserInfo user;
    user.username = line.substr(first + 1, second - first - 1);
    const size_t third = line.find(',', second + 1);
    user.uid = line.substr(second + 1,
                           third == std::string::npos ? std::string::npos : third - second - 1);
    if (third != std::string::npos) {
      std::string groups = line.substr(third + 1);
      if (groups.size() >= 2 && groups.front() == '"' && groups.back() == '"') {
        groups = groups.substr(1, groups.size() - 2);
      }
      for (auto g : absl::StrSplit(groups, ',', absl::SkipEmpty())) {
        user.groups.emplace_back(g.data(), g.size());
      }
    }
    user.groups.push_back("system:authenticated");
    tokens.emplace_back(line.substr(0, first), std::move(user));
  }
  if (tokens.empty()) return absl::InvalidArgumentError(kop::StrCat("--token-auth-file ", path, ": no tokens in it"));
  return tokens;
}

// The user of the token the server makes up (or is given) for its own kubeconfig.
internal::UserInfo AdminUser() {
  return {.username = "kop-admin", .uid = "", .groups = {"system:masters", "system:authenticated"}};
}

absl::Status ApiServer::Impl::Start() {
  KOP_RETURN_IF_ERROR(RestoreFromJournal());
  {
    std::random_device rd;
    for (int i = 0; i < 32; ++i) token_key_ += static_cast<char>(rd() & 0xff);
  }
  token_ = options_.token;
  if (!token_.empty()) tokens_.emplace(token_, AdminUser());
  if (!options_.token_auth_file.empty()) {
    KOP_ASSIGN_OR_RETURN(auto tokens, ReadTokenFile(options_.token_auth_file));
    for (auto& [token, user] : tokens) tokens_.insert_or_assign(token, std::move(user));
    if (token_.empty()) token_ = tokens.front().first;
  }
  if (options_.tls && token_.empty()) {
    std::random_device rd;
    static constexpr char kHex[] = "0123456789abcdef";
    for (int i = 0; i < 32; ++i) token_ += kHex[rd() % 16];
    tokens_.emplace(token_, AdminUser());
  }
  if (options_.tls) KOP_RETURN_IF_ERROR(LoadSslCompat());
  mg_init_library(options_.tls ? MG_FEATURES_TLS : 0);
  std::string ports = kop::StrCat(options_.address, ":", options_.port);
  if (options_.tls) {
    KOP_ASSIGN_OR_RETURN(tls_, internal::GenerateTlsMaterial(options_.address));
    char path[] = "/tmp/kop-apiserver-tls-XXXXXX";
    const int fd = mkstemp(path);  // 0600: the key is readable by this user only
    if (fd < 0) return absl::InternalError("embedded API server: cannot create a TLS key file");
    const std::string pem = tls_.server_cert_pem + tls_.server_key_pem;
    const bool written = write(fd, pem.data(), pem.size()) == static_cast<ssize_t>(pem.size());
    close(fd);
    tls_file_ = path;
    if (!written) return absl::InternalError("embedded API server: cannot write the TLS key file");
    ports += "s";
  }
  const std::string threads = std::to_string(std::max(options_.threads, 4));
  std::vector<const char*> opts = {"listening_ports",       ports.c_str(),
                                   "num_threads",           threads.c_str(),
                                   "enable_keep_alive",     "yes",
                                   "keep_alive_timeout_ms", "60000",
                                   "request_timeout_ms",    "30000",
                                   "tcp_nodelay",           "1"};
  if (options_.tls) {
    for (const char* o : {"ssl_certificate", tls_file_.c_str(), "ssl_protocol_version", "4"}) {
      opts.push_back(o);
    }
  }
  opts.push_back(nullptr);
  mg_callbacks callbacks{};
  mg_init_data init{};
  init.callbacks = &callbacks;
  init.user_data = this;
  init.configuration_options = opts.data();
  mg_error_data error{};
  char error_text[256] = {};
  error.text = error_text;
  error.text_buffer_size = sizeof error_text;
  ctx_ = mg_start2(&init, &error);
  if (ctx_ == nullptr) {
    return absl::UnavailableError(
        kop::StrCat("embedded API server: cannot listen on ", ports, ": ", error_text));
  }
  mg_set_request_handler(ctx_, "/", &Impl::Dispatch, this);
  // The server authenticates requests itself (Dispatch). Without a handler of its own, the
  // HTTP library looks for a password file named after the request's path (/.htpasswd, as
  // no document root is set) before every request: a file system call each time, and a file
  // of that name on the host would turn every answer into a demand for digest credentials.
  mg_set_auth_handler(ctx_, "/", [](mg_connection*, void*) { return 1; }, nullptr);
  mg_server_port server_ports[1] = {};
  if (mg_get_server_ports(ctx_, 1, server_ports) < 1) {
    Stop();
    return absl::InternalError("embedded API server: no listening port");
  }
  port_ = server_ports[0].port;

  for (const char* ns : {"default", "kube-system", "kube-public", "kube-node-lease"}) {
    Object n = Object::New({"", "v1", "Namespace"}, {"", ns});
    absl::StatusOr<Object> created = CreateObject(n);
    // A data dir has them already.
    if (!created.ok() && !internal::HasReason(created.status(), "AlreadyExists")) return created.status();
  }
  if (!options_.crds_dir.empty()) {
    std::error_code ec;
    std::vector<std::filesystem::path> files;
    for (const auto& e : std::filesystem::directory_iterator(options_.crds_dir, ec)) {
      const std::string ext = e.path().extension().string();
      if (ext == ".yaml" || ext == ".yml" || ext == ".json") files.push_back(e.path());
    }
    if (ec) {
      return absl::InvalidArgumentError(
          kop::StrCat("--crds ", options_.crds_dir, ": ", ec.message()));
    }
    std::sort(files.begin(), files.end());
    for (const auto& f : files) {
      std::ifstream in(f);
      std::stringstream text;
      text << in.rdbuf();
      absl::StatusOr<std::vector<Json>> docs = ParseYamlDocuments(text.str());
      if (!docs.ok()) {
        return absl::InvalidArgumentError(kop::StrCat(f.string(), ": ", ToStd(docs.status().message())));
      }
      for (Json& doc : *docs) {
        absl::StatusOr<Object> obj = Object::FromJson(std::move(doc));
        if (!obj.ok()) {
          return absl::InvalidArgumentError(kop::StrCat(f.string(), ": ", ToStd(obj.status().message())));
        }
        if (obj->kind() != "CustomResourceDefinition") continue;
        absl::StatusOr<Object> created = CreateObject(*obj);
        if (!created.ok() && internal::HasReason(created.status(), "AlreadyExists") && journal_ != nullptr) {
          continue;  // restored from the data dir
        }
        if (!created.ok()) {
          return absl::InvalidArgumentError(
              kop::StrCat(f.string(), ": CRD ", obj->name(), ": ", ToStd(created.status().message())));
        }
      }
    }
  }
  return absl::OkStatus();
}

void ApiServer::Impl::Stop() {
  if (ctx_ == nullptr) return;
  stopping_ = true;
  store_.CloseAllWatches();
  StallWatchStreams(false);
  StopWhileWakingListener(options_.address, port_, [this] { mg_stop(ctx_); });
  ctx_ = nullptr;
  if (!tls_file_.empty()) std::remove(tls_file_.c_str());
}

// ---------------------------------------------------------------------------------------
// HTTP plumbing

void ApiServer::Impl::Send(mg_connection* conn, const Response& r) {
  // The whole response goes out in one write (two for a large body): the HTTP library's
  // header functions send every header line in a packet of its own, and with TCP_NODELAY each
  // costs the client a wake-up.
  const mg_request_info* ri = mg_get_request_info(conn);
  const char* connection = mg_get_header(conn, "Connection");
  const bool http10 = ri->http_version != nullptr && std::string_view(ri->http_version) == "1.0";
  const std::string options = connection != nullptr ? absl::AsciiStrToLower(connection) : "";
  const bool keep_alive = r.code != 401 &&
                          (connection != nullptr ? absl::StrContains(options, "keep-alive") : !http10) &&
                          !absl::StrContains(options, "close");
  const bool head = ri->request_method != nullptr && std::string_view(ri->request_method) == "HEAD";
  constexpr size_t kInlineBody = 64 * 1024;
  std::string out;
  out.reserve(256 + (r.body.size() <= kInlineBody ? r.body.size() : 0));
  kop::StrAppend(&out, "HTTP/1.1 ", r.code, " ", mg_get_response_code_text(nullptr, r.code),
                 "\r\nContent-Type: ", r.content_type, "\r\nContent-Length: ", r.body.size(),
                 "\r\nCache-Control: no-cache, private\r\nDate: ", internal::HttpDate(), "\r\n");
  for (const auto& [k, v] : r.headers) kop::StrAppend(&out, k, ": ", v, "\r\n");
  out += keep_alive ? "Connection: keep-alive\r\n\r\n" : "Connection: close\r\n\r\n";
  const bool inline_body = !head && r.body.size() <= kInlineBody;
  if (inline_body) out += r.body;
  if (mg_write(conn, out.data(), out.size()) <= 0) return;
  if (!head && !inline_body) mg_write(conn, r.body.data(), r.body.size());
}

int ApiServer::Impl::Dispatch(mg_connection* conn, void* self) {
  int code = 0;
  internal::RunOnLargeStack([&] { code = static_cast<Impl*>(self)->Serve(conn); });
  return code;
}

int ApiServer::Impl::Serve(mg_connection* conn) {
  const mg_request_info* ri = mg_get_request_info(conn);
  Request req;
  req.conn = conn;
  req.method = ri->request_method != nullptr ? ri->request_method : "";
  req.path = ri->local_uri != nullptr ? ri->local_uri : "/";
  req.query = ParseQuery(ri->query_string);
  req.content_type = MediaType(mg_get_header(conn, "Content-Type"));
  if (const char* accept = mg_get_header(conn, "Accept"); accept != nullptr) req.accept = accept;
  if (const char* agent = mg_get_header(conn, "User-Agent"); agent != nullptr) req.user_agent = agent;
  if (const char* auth = mg_get_header(conn, "Authorization"); auth != nullptr) req.authorization = auth;
  char buf[16384];
  int n = 0;
  while ((n = mg_read(conn, buf, sizeof buf)) > 0) {
    req.body.append(buf, static_cast<size_t>(n));
    if (req.body.size() > kMaxBodyBytes) {
      Send(conn, ErrorResponse(internal::ApiError(
                     413, "RequestEntityTooLarge",
                     kop::StrCat("Request entity too large: limit is ", kMaxBodyBytes))));
      return 413;
    }
  }
  if (NestsDeeperThan(req.body, kMaxNestingDepth)) {
    Send(conn, ErrorResponse(internal::BadRequest(kop::StrCat(
                   "the body of the request could not be decoded: it nests objects and arrays deeper than ",
                   kMaxNestingDepth, " levels"))));
    return 400;
  }
  if (const int64_t ms = latency_ms_.load(); ms > 0) {
    std::this_thread::sleep_for(std::chrono::milliseconds(ms));
  }
  std::optional<Target> watch;
  Response r = Handle(req, &watch);
  if (watch.has_value()) {
    ServeWatch(*watch, req);
    return 200;
  }
  Send(conn, r);
  return r.code;
}

Response ApiServer::Impl::Handle(Request& req, std::optional<Target>* watch) {
  std::string verb;
  Response r;
  try {
    r = Route(req, &verb, watch);
  } catch (const std::exception& e) {
    // A bug of the server's (say, stored data of a shape some code did not expect): the request
    // fails with a 500, as a panic in a kube-apiserver handler does, and the server lives on.
    watch->reset();
    r = ErrorResponse(
        internal::InternalError(kop::StrCat("the request could not be served: ", e.what())));
  }
  if (!watch->has_value() && r.content_type == "application/json" && internal::PrefersYaml(req.accept)) {
    // YAML is the same document re-encoded, as kube-apiserver's YAML serializer does.
    if (absl::StatusOr<Json> doc = ParseJson(r.body); doc.ok()) {
      r.body = DumpYaml(*doc);
      r.content_type = "application/yaml";
    }
  }
  for (const std::string& w : req.warnings) {
    // RFC 7234 warn-code 299 ("miscellaneous persistent warning"), agent "-", as upstream.
    std::string quoted;
    for (char c : w) {
      if (c == '"' || c == '\\') quoted += '\\';
      quoted += c;
    }
    r.headers.emplace_back("Warning", kop::StrCat("299 - \"", quoted, "\""));
  }
  return r;
}

ApiServer::RawResponse ApiServer::Impl::ServeWithoutHttp(const std::string& method, const std::string& target,
                                                         const std::map<std::string, std::string>& headers,
                                                         const std::string& body) {
  Request req;
  req.method = method;
  const size_t q = target.find('?');
  req.path = target.substr(0, q);
  req.query = ParseQuery(q == std::string::npos ? nullptr : target.c_str() + q + 1);
  auto header = [&](const char* name) -> std::string {
    for (const auto& [k, v] : headers) {
      if (absl::EqualsIgnoreCase(k, name)) return v;
    }
    return "";
  };
  const std::string content_type = header("Content-Type");
  req.content_type = MediaType(content_type.empty() ? nullptr : content_type.c_str());
  req.accept = header("Accept");
  req.user_agent = header("User-Agent");
  req.authorization = header("Authorization");
  req.body = body;
  if (req.body.size() > kMaxBodyBytes) return {413, "request entity too large"};
  // Refusals are Status objects, as every error answer is.
  auto refuse = [](const std::string& why) {
    Response e = ErrorResponse(internal::BadRequest(why));
    return RawResponse{e.code, std::move(e.body)};
  };
  if (NestsDeeperThan(req.body, kMaxNestingDepth)) return refuse("the request body is nested too deeply");
  std::optional<Target> watch;
  Response r;
  internal::RunOnLargeStack([&] { r = Handle(req, &watch); });  // as over HTTP
  if (watch.has_value()) return refuse("a watch needs an HTTP connection");
  return {r.code, std::move(r.body)};
}

std::optional<Response> ApiServer::Impl::InjectedFailure(const std::string& verb,
                                                         const std::string& path) {
  kop::MutexLock lock(&faults_mu_);
  for (auto it = rules_.begin(); it != rules_.end(); ++it) {
    if (!it->verb.empty() && it->verb != verb) continue;
    if (!it->path.empty() && path.find(it->path) == std::string::npos) continue;
    const FailureRule rule = *it;
    if (--it->count <= 0) rules_.erase(it);
    std::string reason = "InternalError";
    std::string message = "injected failure";
    if (rule.code == 429) {
      reason = "TooManyRequests";
      message = "the server has received too many requests and has asked us to try again later";
    } else if (rule.code == 503) {
      reason = "ServiceUnavailable";
      message = "the server is currently unable to handle the request";
    } else if (rule.code == 504) {
      reason = "Timeout";
      message = "the server was unable to return a response in the time allotted";
    }
    Json details = Json::object();
    if (rule.retry_after_seconds > 0) details["retryAfterSeconds"] = rule.retry_after_seconds;
    Response r = ErrorResponse(internal::ApiError(rule.code, reason, message, details));
    if (rule.retry_after_seconds > 0) {
      r.headers.emplace_back("Retry-After", std::to_string(rule.retry_after_seconds));
    }
    return r;
  }
  return std::nullopt;
}

Response ApiServer::Impl::Route(Request& req, std::string* verb,
                                std::optional<Target>* watch_target) {
  std::vector<std::string> seg = SplitPath(req.path);
  *verb = "get";
  if (seg.empty()) return JsonResponse(200, {{"paths", {"/api", "/apis", "/healthz", "/version"}}});
  if (seg[0] == "healthz" || seg[0] == "readyz" || seg[0] == "livez") {
    // The server's checks, as upstream names the basic ones: every one passes once it serves.
    static constexpr const char* kChecks[] = {"ping", "log", "etcd"};
    if (seg.size() == 2) {
      for (const char* check : kChecks) {
        if (seg[1] == check) return {200, "ok", "text/plain; charset=utf-8"};
      }
      return {404, "404 page not found\n", "text/plain; charset=utf-8"};
    }
    if (seg.size() > 2) return {404, "404 page not found\n", "text/plain; charset=utf-8"};
    if (req.query.contains("verbose")) {
      std::string out;
      for (const char* check : kChecks) out += kop::StrCat("[+]", check, " ok\n");
      out += kop::StrCat(seg[0], " check passed\n");
      return {200, std::move(out), "text/plain; charset=utf-8"};
    }
    return {200, "ok", "text/plain; charset=utf-8"};
  }
  if (!tokens_.empty() && !(seg.size() == 1 && seg[0] == "version")) {
    const std::string_view header = req.authorization;
    if (header.substr(0, 7) != "Bearer " ||
        !Authenticate(std::string(header.substr(7))).has_value()) {
      return ErrorResponse(internal::ApiError(401, "Unauthorized", "Unauthorized"));
    }
  }
  if (seg[0] == "version" && seg.size() == 1) {
    // /version is served as JSON only.
    if (internal::PrefersYaml(req.accept)) {
      return ErrorResponse(internal::ApiError(406, "NotAcceptable", "406: Not Acceptable", Json::object()));
    }
    return JsonResponse(200, {{"major", "1"},
                              {"minor", "31"},
                              {"gitVersion", "v1.31.0+kop"},
                              {"gitCommit", "0000000000000000000000000000000000000000"},
                              {"gitTreeState", "clean"},
                              {"buildDate", "2026-01-01T00:00:00Z"},
                              {"goVersion", "none"},
                              {"compiler", "kop"},
                              {"platform", "linux/amd64"}});
  }
  if (seg[0] == "kop-admin" && options_.admin_api) return Admin(req);
  if (seg[0] == "openapi") return OpenApi(req, seg);

  std::string group;
  std::string version;
  std::vector<std::string> rest;
  if (seg[0] == "apis" && seg.size() >= 2 && !registry_.ApiGroup(seg[1]).ok()) {
    // No handler is registered under a group the server does not serve.
    return {404, "404 page not found\n", "text/plain; charset=utf-8"};
  }
  const bool discovery_document = (seg[0] == "api" && seg.size() <= 2) || (seg[0] == "apis" && seg.size() <= 3);
  if (discovery_document && req.method != "GET" && req.method != "HEAD") {
    return ErrorResponse(internal::ApiError(405, "MethodNotAllowed",
                                            "the server does not allow this method on the requested resource",
                                            Json::object()));
  }
  if ((seg[0] == "api" || seg[0] == "apis") && seg.size() == 1) {
    const internal::DiscoveryFormat format = internal::NegotiateDiscovery(req.accept);
    if (format == internal::DiscoveryFormat::kNotAcceptable) {
      return ErrorResponse(internal::ApiError(406, "NotAcceptable", "406: Not Acceptable", Json::object()));
    }
    if (format != internal::DiscoveryFormat::kLegacy) {
      const std::string v = format == internal::DiscoveryFormat::kAggregatedV2 ? "v2" : "v2beta1";
      return Response{200, DumpJson(registry_.AggregatedDiscovery(seg[0] == "api", v)),
                      internal::AggregatedDiscoveryContentType(format), {{"Vary", "Accept"}}};
    }
  }
  if (seg[0] == "api") {
    if (seg.size() == 1) {
      return JsonResponse(200, registry_.ApiVersions(kop::StrCat(options_.address, ":", port_)));
    }
    version = seg[1];
    rest.assign(seg.begin() + 2, seg.end());
    if (rest.empty()) {
      absl::StatusOr<Json> list = registry_.ApiResourceList("", version);
      return list.ok() ? JsonResponse(200, *list) : ErrorResponse(NoSuchResource());
    }
  } else if (seg[0] == "apis") {
    if (seg.size() == 1) return JsonResponse(200, registry_.ApiGroupList());
    group = seg[1];
    if (seg.size() == 2) {
      absl::StatusOr<Json> g = registry_.ApiGroup(group);
      return g.ok() ? JsonResponse(200, *g) : ErrorResponse(NoSuchResource());
    }
    version = seg[2];
    rest.assign(seg.begin() + 3, seg.end());
    if (rest.empty()) {
      absl::StatusOr<Json> list = registry_.ApiResourceList(group, version);
      return list.ok() ? JsonResponse(200, *list) : ErrorResponse(NoSuchResource());
    }
  } else {
    return ErrorResponse(NoSuchResource());
  }

  absl::StatusOr<Target> target = ResolveResource(group, version, std::move(rest));
  if (!target.ok()) return ErrorResponse(target.status());
  const Target& t = *target;
  *verb = VerbOf(req.method, t, req);
  if (std::optional<Response> injected = InjectedFailure(*verb, req.path)) return *injected;

  absl::StatusOr<Response> result = absl::InternalError("unreachable");
  if (t.info->review) {
    result = Review(t, req);
  } else if (t.sub == "token") {
    result = CreateToken(t, req);
  } else if (t.sub == "scale") {
    result = Scale(t, req);
  } else if (t.sub == "finalize") {
    // A Namespace's finalize subresource is written whole, and nothing else.
    result = req.method == "PUT" ? Update(t, req) : absl::StatusOr<Response>(internal::MethodNotAllowed());
  } else if (req.method == "GET") {
    if (*verb == "watch") {
      *watch_target = t;
      return {};
    }
    result = t.name.empty() ? List(t, req) : Get(t, req);
  } else if (req.method == "POST") {
    result = t.name.empty() ? Create(t, req)
                            : absl::StatusOr<Response>(internal::MethodNotAllowed());
  } else if (req.method == "PUT") {
    result = t.name.empty() ? absl::StatusOr<Response>(internal::MethodNotAllowed())
                            : Update(t, req);
  } else if (req.method == "PATCH") {
    result = t.name.empty() ? absl::StatusOr<Response>(internal::MethodNotAllowed())
                            : Patch(t, req);
  } else if (req.method == "DELETE") {
    if (!t.name.empty()) {
      result = Delete(t, req);
    } else if (t.info->plural == "namespaces" && t.info->group.empty()) {
      result = internal::MethodNotAllowed();
    } else {
      result = DeleteCollection(t, req);
    }
  } else {
    result = internal::MethodNotAllowed();
  }
  return result.ok() ? *std::move(result) : ErrorResponse(result.status());
}

absl::StatusOr<ApiServer::Impl::Target> ApiServer::Impl::ResolveResource(
    const std::string& group, const std::string& version, std::vector<std::string> rest) {
  Target t;
  if (!rest.empty() && rest[0] == "watch") {
    t.legacy_watch = true;
    rest.erase(rest.begin());
  }
  if (rest.empty()) return NoSuchResource();
  std::string resource;
  const bool ns_subresource =
      rest.size() == 3 && (rest[2] == "status" || rest[2] == "finalize");
  if (rest[0] == "namespaces" && rest.size() >= 3 && !ns_subresource) {
    if (rest.size() > 5) return NoSuchResource();
    t.ns = rest[1];
    resource = rest[2];
    if (rest.size() > 3) t.name = rest[3];
    if (rest.size() > 4) t.sub = rest[4];
  } else {
    if (rest.size() > 3) return NoSuchResource();
    resource = rest[0];
    if (rest.size() > 1) t.name = rest[1];
    if (rest.size() > 2) t.sub = rest[2];
  }
  t.info = registry_.Find(group, version, resource);
  if (t.info == nullptr) return NoSuchResource();
  if (!t.info->namespaced && !t.ns.empty()) return NoSuchResource();
  const bool token =
      t.sub == "token" && t.info->group.empty() && t.info->plural == "serviceaccounts";
  const bool finalize = t.sub == "finalize" && t.info->group.empty() && t.info->plural == "namespaces";
  if (!t.sub.empty() && !(t.sub == "status" && t.info->has_status) && !finalize &&
      !(t.sub == "scale" && t.info->has_scale) && !token) {
    return NoSuchResource();
  }
  return t;
}

std::string ApiServer::Impl::VerbOf(const std::string& method, const Target& t,
                                    const Request& req) const {
  if (method == "GET") {
    if (!t.name.empty()) return "get";
    auto w = req.query.find("watch");
    const bool watch = t.legacy_watch || (w != req.query.end() && (w->second == "true" || w->second == "1"));
    return watch ? "watch" : "list";
  }
  if (method == "POST") return "create";
  if (method == "PUT") return "update";
  if (method == "PATCH") return "patch";
  if (method == "DELETE") return t.name.empty() ? "deletecollection" : "delete";
  return method;
}

// ---------------------------------------------------------------------------------------
// OpenAPI

std::shared_ptr<const internal::OpenApiDocuments> ApiServer::Impl::OpenApiDocs() {
  const uint64_t generation = registry_.generation();
  kop::MutexLock lock(&openapi_mu_);
  if (openapi_ == nullptr || openapi_generation_ != generation) {
    openapi_ = std::make_shared<const internal::OpenApiDocuments>(registry_.All());
    openapi_generation_ = generation;
  }
  return openapi_;
}

Response ApiServer::Impl::OpenApi(const Request& req, const std::vector<std::string>& seg) {
  if (req.method != "GET") return ErrorResponse(internal::MethodNotAllowed());
  std::shared_ptr<const internal::OpenApiDocuments> docs = OpenApiDocs();
  if (seg.size() == 2 && seg[1] == "v2") {
    if (req.accept.find("protobuf") != std::string::npos) {
      Response r{200, docs->V2Protobuf(), internal::kOpenApiV2ProtobufType};
      return r;
    }
    return Response{200, docs->V2Json()};
  }
  if (seg.size() >= 2 && seg[1] == "v3") {
    if (seg.size() == 2) return JsonResponse(200, docs->V3Discovery());
    std::string key;
    for (size_t i = 2; i < seg.size(); ++i) key += (i > 2 ? "/" : "") + seg[i];
    absl::StatusOr<std::string> doc = docs->V3(key);
    if (!doc.ok()) return ErrorResponse(NoSuchResource());
    return Response{200, *doc};
  }
  return ErrorResponse(NoSuchResource());
}

// ---------------------------------------------------------------------------------------
// Admin (fault injection over HTTP for kop-apiserver)

Response ApiServer::Impl::Admin(const Request& req) {
  if (req.method != "POST") return ErrorResponse(internal::MethodNotAllowed());
  absl::StatusOr<Json> body = ParseJson(req.body.empty() ? "{}" : req.body);
  if (!body.ok() || !body->is_object()) return ErrorResponse(internal::BadRequest("JSON object expected"));
  const std::string action = body->value("action", "");
  if (action == "closeWatches") {
    CloseAllWatches();
  } else if (action == "compact") {
    CompactHistory();
  } else if (action == "cutStreams") {
    CutWatchStreams();
  } else if (action == "stall") {
    StallWatchStreams(body->value("stalled", true));
  } else if (action == "latency") {
    SetLatency(std::chrono::milliseconds(body->value("ms", 0)));
  } else if (action == "fail") {
    FailRequests({.verb = body->value("verb", ""),
                  .path = body->value("path", ""),
                  .code = body->value("code", 500),
                  .count = body->value("count", 1),
                  .retry_after_seconds = body->value("retryAfterSeconds", 0)});
  } else if (action == "clear") {
    ClearFaults();
  } else {
    return ErrorResponse(internal::BadRequest(
        "action must be one of closeWatches, compact, cutStreams, stall, latency, fail, clear"));
  }
  return JsonResponse(200, {{"ok", true}, {"resourceVersion", std::to_string(ResourceVersion())},
                            {"openWatches", OpenWatches()}});
}

// ---------------------------------------------------------------------------------------
// Public surface

ApiServer::ApiServer(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
ApiServer::~ApiServer() = default;

absl::StatusOr<std::unique_ptr<ApiServer>> ApiServer::Start(ApiServerOptions options) {
  auto impl = std::make_unique<Impl>(std::move(options));
  KOP_RETURN_IF_ERROR(impl->Start());
  return std::unique_ptr<ApiServer>(new ApiServer(std::move(impl)));
}

std::string ApiServer::url() const { return impl_->url(); }
int ApiServer::port() const { return impl_->port(); }

std::string ApiServer::ca_pem() const { return impl_->ca_pem(); }
std::string ApiServer::token() const { return impl_->token(); }

Json ApiServer::ClusterEntry() const {
  Json cluster = {{"server", url()}};
  if (!ca_pem().empty()) {
    cluster["certificate-authority-data"] = absl::Base64Escape(ca_pem());
  }
  return cluster;
}

std::string ApiServer::KubeconfigYaml() const {
  Json config = {
      {"apiVersion", "v1"},
      {"kind", "Config"},
      {"clusters", {{{"name", "kop"}, {"cluster", ClusterEntry()}}}},
      {"users", {{{"name", "kop"},
                  {"user", token().empty() ? Json::object() : Json{{"token", token()}}}}}},
      {"contexts",
       {{{"name", "kop"}, {"context", {{"cluster", "kop"}, {"user", "kop"}, {"namespace", "default"}}}}}},
      {"current-context", "kop"}};
  return DumpYaml(config);
}

absl::Status ApiServer::WriteKubeconfig(const std::string& path) const {
  const std::string tmp = path + ".tmp";
  {
    std::ofstream out(tmp, std::ios::trunc);
    out << KubeconfigYaml();
    if (!out) return absl::InternalError(kop::StrCat("cannot write kubeconfig ", tmp));
  }
  std::error_code ec;
  std::filesystem::rename(tmp, path, ec);  // appears whole, never half-written
  if (ec) return absl::InternalError(kop::StrCat("cannot write kubeconfig ", path, ": ", ec.message()));
  return absl::OkStatus();
}

absl::StatusOr<Object> ApiServer::Create(const Object& obj) { return impl_->CreateObject(obj); }
ApiServer::RawResponse ApiServer::ServeWithoutHttp(const std::string& method, const std::string& target,
                                                   const std::map<std::string, std::string>& headers,
                                                   const std::string& body) {
  return impl_->ServeWithoutHttp(method, target, headers, body);
}
uint64_t ApiServer::ResourceVersion() const { return impl_->ResourceVersion(); }
size_t ApiServer::OpenWatches() const { return impl_->OpenWatches(); }
void ApiServer::CloseAllWatches() { impl_->CloseAllWatches(); }
void ApiServer::CompactHistory() { impl_->CompactHistory(); }
void ApiServer::CutWatchStreams() { impl_->CutWatchStreams(); }
void ApiServer::StallWatchStreams(bool stalled) { impl_->StallWatchStreams(stalled); }
void ApiServer::FailRequests(FailureRule rule) { impl_->FailRequests(std::move(rule)); }
void ApiServer::SetLatency(std::chrono::milliseconds latency) { impl_->SetLatency(latency); }
void ApiServer::ClearFaults() { impl_->ClearFaults(); }

}  // namespace kop::testing
