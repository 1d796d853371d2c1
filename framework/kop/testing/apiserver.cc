#include "kop/testing/apiserver.h"

#include <algorithm>
#include <cstdio>
#include <atomic>
#include <set>
#include <filesystem>
#include <fstream>
#include <map>
#include <random>
#include <sstream>
#include <thread>
#include <vector>

#include <arpa/inet.h>
#include <dlfcn.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include "civetweb.h"
#include "kop/api/label_selector.h"
#include "kop/api/patch.h"
#include "kop/api/time.h"
#include "absl/strings/escaping.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "kop/api/yaml.h"
#include "kop/base/net.h"
#include "kop/base/status_macros.h"
#include "kop/base/strings.h"
#include "kop/testing/internal/apply.h"
#include "kop/testing/internal/errors.h"
#include "kop/testing/internal/registry.h"
#include "kop/testing/internal/schema.h"
#include "kop/testing/internal/store.h"
#include "kop/testing/internal/table.h"
#include "kop/testing/internal/tls.h"
#include "kop/testing/internal/validation.h"

namespace kop::testing {

using internal::FieldSelector;
using internal::ResourceInfo;
using internal::StoredObject;

namespace {

constexpr size_t kMaxBodyBytes = 3 * 1024 * 1024;  // upstream's request size limit

struct Response {
  int code = 200;
  std::string body;
  std::string content_type = "application/json";
  std::vector<std::pair<std::string, std::string>> headers;
};

Response JsonResponse(int code, const Json& j) { return {code, DumpJson(j)}; }

Response ErrorResponse(const absl::Status& s) {
  Response r{internal::HttpCode(s), DumpJson(internal::StatusObject(s))};
  return r;
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

// civetweb formats its own Date header with gmtime(), which is not thread-safe; a Date header
// set here (formatted thread-safely) makes it skip that.
void AddDateHeader(mg_connection* conn) {
  const std::string date =
      absl::FormatTime("%a, %d %b %Y %H:%M:%S GMT", absl::Now(), absl::UTCTimeZone());
  mg_response_header_add(conn, "Date", date.c_str(), -1);
}

absl::Status NoSuchResource() {
  return internal::ApiError(404, "NotFound", "the server could not find the requested resource",
                            Json::object());
}

}  // namespace

class ApiServer::Impl {
 public:
  explicit Impl(ApiServerOptions options)
      : options_(std::move(options)),
        store_({.history = options_.watch_history,
                .watcher_buffer = options_.watch_buffer,
                .clock = options_.clock}) {}

  ~Impl() { Stop(); }

  absl::Status Start();
  void Stop();

  std::string url() const {
    return kop::StrCat(options_.tls ? "https://" : "http://", options_.address, ":", port_);
  }
  const std::string& ca_pem() const { return tls_.ca_cert_pem; }
  const std::string& token() const { return token_; }
  int port() const { return port_; }

  absl::StatusOr<Object> CreateObject(const Object& obj);
  uint64_t ResourceVersion() const { return store_.CurrentRv(); }
  size_t OpenWatches() const { return store_.WatchCount(); }

  void CloseAllWatches() { store_.CloseAllWatches(); }
  void CompactHistory() { store_.Compact(); }
  void CutWatchStreams() { store_.CutAllWatchStreams(); }
  void StallWatchStreams(bool stalled) {
    kop::MutexLock lock(&faults_mu_);
    stalled_ = stalled;
    unstalled_.SignalAll();
  }
  void FailRequests(FailureRule rule) {
    kop::MutexLock lock(&faults_mu_);
    rules_.push_back(std::move(rule));
  }
  void SetLatency(std::chrono::milliseconds latency) { latency_ms_ = latency.count(); }
  void ClearFaults() {
    kop::MutexLock lock(&faults_mu_);
    rules_.clear();
    latency_ms_ = 0;
    stalled_ = false;
    unstalled_.SignalAll();
  }

 private:
  struct Request {
    mg_connection* conn = nullptr;
    std::string method;
    std::string path;
    std::map<std::string, std::string> query;
    std::string body;
    std::string content_type;
    std::string accept;
  };
  struct Target {
    std::shared_ptr<const ResourceInfo> info;
    std::string ns;
    std::string name;
    std::string sub;
    bool legacy_watch = false;
  };

  static int Dispatch(mg_connection* conn, void* self) {
    return static_cast<Impl*>(self)->Serve(conn);
  }
  int Serve(mg_connection* conn);
  void Send(mg_connection* conn, const Response& r);

  Response Route(Request& req, std::string* verb, std::optional<Target>* watch_target);
  absl::StatusOr<Target> ResolveResource(const std::string& group, const std::string& version,
                                         std::vector<std::string> rest);
  std::string VerbOf(const std::string& method, const Target& t, const Request& req) const;
  std::optional<Response> InjectedFailure(const std::string& verb, const std::string& path);

  absl::StatusOr<Response> Get(const Target& t, const Request& req);
  Response TableResponse(const ResourceInfo& info, const std::vector<const Json*>& objects,
                         const Json& list_meta, const Request& req);
  // Watch events as Tables of one row (kubectl get -w).
  std::string TableEvents(const ResourceInfo& info, const std::string& lines, const Request& req);
  absl::StatusOr<Response> List(const Target& t, const Request& req);
  absl::StatusOr<Response> Create(const Target& t, const Request& req);
  absl::StatusOr<Response> Update(const Target& t, const Request& req);
  absl::StatusOr<Response> Patch(const Target& t, const Request& req);
  absl::StatusOr<Response> Apply(const Target& t, const Request& req);
  absl::StatusOr<Response> Delete(const Target& t, const Request& req);
  absl::StatusOr<Response> DeleteCollection(const Target& t, const Request& req);
  void ServeWatch(const Target& t, const Request& req);
  Response Admin(const Request& req);

  absl::StatusOr<Object> DecodeBody(const Target& t, const std::string& body) const;
  absl::StatusOr<bool> DryRun(const Request& req) const;
  absl::StatusOr<internal::ListOptions> ParseListOptions(const Target& t, const Request& req) const;
  std::string EncodeFor(const ResourceInfo& info, const StoredObject& s, bool as_item) const;
  absl::Status AfterWrite(const ResourceInfo& info, const StoredObject& s, bool deleted);
  // Schema defaulting, pruning and validation for custom resources; metadata for all.
  std::vector<internal::FieldCause> Validate(const ResourceInfo& info, Object& obj, bool create);
  // The garbage collector, run when an object is gone: deletes the dependents whose owners
  // are all gone (background propagation), or drops their references to it (orphan).
  void CollectGarbage(const std::string& uid, bool orphan);
  void NoteOwners(const Object& obj);
  bool OwnerExists(const Json& ref, const std::string& ns);
  // Deletes an object whose owners are all gone, right after it was written.
  void CollectIfOrphaned(const ResourceInfo& info, const StoredObject& s);

  kop::Mutex gc_mu_;
  std::set<std::string> referenced_owners_ ABSL_GUARDED_BY(gc_mu_);  // uids some object names as owner
  // Deletes asked for with propagationPolicy Orphan, by uid, until the object is gone.
  std::set<std::string> orphaning_ ABSL_GUARDED_BY(gc_mu_);
  absl::StatusOr<StoredObject> CreateStored(const ResourceInfo& info, Object obj, bool dry_run);

  const ApiServerOptions options_;
  internal::Registry registry_;
  internal::Store store_;
  mg_context* ctx_ = nullptr;
  int port_ = 0;
  internal::TlsMaterial tls_;
  std::string token_;
  std::string tls_file_;  // serving certificate and key, as civetweb reads them
  std::atomic<bool> stopping_{false};

  kop::Mutex faults_mu_;   // guards rules_ and stalled_
  kop::CondVar unstalled_;  // signalled when stalled_ clears
  std::vector<FailureRule> rules_ ABSL_GUARDED_BY(faults_mu_);
  bool stalled_ ABSL_GUARDED_BY(faults_mu_) = false;
  std::atomic<int64_t> latency_ms_{0};
};

// ---------------------------------------------------------------------------------------
// Lifecycle

// Loads the OpenSSL 3 compatibility shim civetweb needs (see internal/ssl_compat.c), from
// the build tree or from beside the running binary.
absl::Status LoadSslCompat() {
  static const bool loaded = [] {
    for (const std::string& path :
         {std::string(KOP_SSL_COMPAT_PATH),
          (std::filesystem::read_symlink("/proc/self/exe").parent_path() / KOP_SSL_COMPAT_NAME)
              .string()}) {
      if (dlopen(path.c_str(), RTLD_NOW | RTLD_GLOBAL) != nullptr) return true;
    }
    return false;
  }();
  if (!loaded) {
    return absl::FailedPreconditionError(kop::StrCat(
        "TLS needs ", KOP_SSL_COMPAT_NAME, " (built with kop) beside the binary or at ",
        KOP_SSL_COMPAT_PATH));
  }
  return absl::OkStatus();
}

absl::Status ApiServer::Impl::Start() {
  token_ = options_.token;
  if (options_.tls && token_.empty()) {
    std::random_device rd;
    static constexpr char kHex[] = "0123456789abcdef";
    for (int i = 0; i < 32; ++i) token_ += kHex[rd() % 16];
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
  mg_server_port server_ports[1] = {};
  if (mg_get_server_ports(ctx_, 1, server_ports) < 1) {
    Stop();
    return absl::InternalError("embedded API server: no listening port");
  }
  port_ = server_ports[0].port;

  for (const char* ns : {"default", "kube-system", "kube-public", "kube-node-lease"}) {
    Object n = Object::New({"", "v1", "Namespace"}, {"", ns});
    KOP_ASSIGN_OR_RETURN(Object created, CreateObject(n));
    (void)created;
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
  mg_response_header_start(conn, r.code);
  mg_response_header_add(conn, "Content-Type", r.content_type.c_str(), -1);
  const std::string length = std::to_string(r.body.size());
  mg_response_header_add(conn, "Content-Length", length.c_str(), -1);
  mg_response_header_add(conn, "Cache-Control", "no-cache, private", -1);
  AddDateHeader(conn);
  for (const auto& [k, v] : r.headers) mg_response_header_add(conn, k.c_str(), v.c_str(), -1);
  mg_response_header_send(conn);
  if (!r.body.empty()) mg_write(conn, r.body.data(), r.body.size());
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
  if (const int64_t ms = latency_ms_.load(); ms > 0) {
    std::this_thread::sleep_for(std::chrono::milliseconds(ms));
  }
  std::string verb;
  std::optional<Target> watch;
  Response r = Route(req, &verb, &watch);
  if (watch.has_value()) {
    ServeWatch(*watch, req);
    return 200;
  }
  Send(conn, r);
  return r.code;
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
    return {200, "ok", "text/plain; charset=utf-8"};
  }
  if (!token_.empty() && !(seg.size() == 1 && seg[0] == "version")) {
    const char* auth = mg_get_header(req.conn, "Authorization");
    if (auth == nullptr || std::string_view(auth) != "Bearer " + token_) {
      return ErrorResponse(internal::ApiError(401, "Unauthorized", "Unauthorized"));
    }
  }
  if (seg[0] == "version" && seg.size() == 1) {
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

  std::string group;
  std::string version;
  std::vector<std::string> rest;
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
  if (req.method == "GET") {
    if (*verb == "watch") {
      *watch_target = t;
      return {};
    }
    result = t.name.empty() ? List(t, req) : Get(t, req);
  } else if (req.method == "POST") {
    result = t.name.empty() ? Create(t, req)
                            : absl::StatusOr<Response>(internal::MethodNotAllowed(
                                  kop::StrCat("POST is not allowed on ", req.path)));
  } else if (req.method == "PUT") {
    result = t.name.empty() ? absl::StatusOr<Response>(internal::MethodNotAllowed(
                                  "PUT is only allowed on a named object"))
                            : Update(t, req);
  } else if (req.method == "PATCH") {
    result = t.name.empty() ? absl::StatusOr<Response>(internal::MethodNotAllowed(
                                  "PATCH is only allowed on a named object"))
                            : Patch(t, req);
  } else if (req.method == "DELETE") {
    if (!t.name.empty()) {
      result = Delete(t, req);
    } else if (t.info->plural == "namespaces" && t.info->group.empty()) {
      result = internal::MethodNotAllowed("deletecollection is not supported on namespaces");
    } else {
      result = DeleteCollection(t, req);
    }
  } else {
    result = internal::MethodNotAllowed(kop::StrCat("method ", req.method, " is not allowed"));
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
  if (!t.sub.empty() && !(t.sub == "status" && t.info->has_status)) return NoSuchResource();
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
// Verbs

std::string ApiServer::Impl::EncodeFor(const ResourceInfo& info, const StoredObject& s,
                                       bool as_item) const {
  if (s.obj->api_version() != info.ApiVersion()) {
    Object copy = *s.obj;
    copy.set_api_version(info.ApiVersion());
    return DumpJson(copy.json());
  }
  if (as_item && s.item_json != nullptr) return *s.item_json;
  return *s.json;
}

absl::StatusOr<bool> ApiServer::Impl::DryRun(const Request& req) const {
  auto it = req.query.find("dryRun");
  if (it == req.query.end() || it->second.empty()) return false;
  if (it->second == "All") return true;
  return internal::BadRequest(
      kop::StrCat("dryRun: Unsupported value: \"", it->second, "\": supported values: \"All\""));
}

absl::StatusOr<Object> ApiServer::Impl::DecodeBody(const Target& t, const std::string& body) const {
  absl::StatusOr<Json> j = ParseJson(body);
  if (!j.ok()) {
    absl::StatusOr<Json> y = ParseYaml(body);  // clients may send YAML
    if (!y.ok() || !y->is_object()) {
      return internal::BadRequest(
          kop::StrCat("the body of the request could not be decoded: ", ToStd(j.status().message())));
    }
    j = std::move(y);
  }
  absl::StatusOr<Object> obj = Object::FromJson(*std::move(j));
  if (!obj.ok()) return internal::BadRequest(ToStd(obj.status().message()));
  const ResourceInfo& info = *t.info;
  if (obj->kind().empty()) {
    return internal::BadRequest(kop::StrCat("Object 'Kind' is missing in '", body.substr(0, 200), "'"));
  }
  if (obj->api_version().empty()) {
    return internal::BadRequest(
        kop::StrCat("Object 'apiVersion' is missing in '", body.substr(0, 200), "'"));
  }
  if (obj->api_version() != info.ApiVersion()) {
    return internal::BadRequest(kop::StrCat("the API version in the data (", obj->api_version(),
                                            ") does not match the expected API version (",
                                            info.ApiVersion(), ")"));
  }
  if (obj->kind() != info.kind) {
    return internal::BadRequest(kop::StrCat("the kind in the data (", obj->kind(),
                                            ") does not match the expected kind (", info.kind, ")"));
  }
  if (info.namespaced) {
    if (obj->namespace_().empty()) {
      obj->set_namespace(t.ns);
    } else if (obj->namespace_() != t.ns) {
      return internal::BadRequest(
          "the namespace of the provided object does not match the namespace sent on the request");
    }
  } else {
    obj->Remove({"metadata", "namespace"});
  }
  return obj;
}

absl::StatusOr<Response> ApiServer::Impl::Get(const Target& t, const Request& req) {
  KOP_ASSIGN_OR_RETURN(StoredObject s, store_.Get(*t.info, t.ns, t.name));
  if (internal::WantsTable(req.accept)) {
    KOP_ASSIGN_OR_RETURN(Json obj, ParseJson(EncodeFor(*t.info, s, false)));
    return TableResponse(*t.info, {&obj}, {{"resourceVersion", s.obj->resource_version()}}, req);
  }
  return Response{200, EncodeFor(*t.info, s, false)};
}

std::string ApiServer::Impl::TableEvents(const ResourceInfo& info, const std::string& lines,
                                         const Request& req) {
  std::string out;
  size_t start = 0;
  while (start < lines.size()) {
    size_t end = lines.find('\n', start);
    if (end == std::string::npos) end = lines.size();
    absl::StatusOr<Json> event = ParseJson(std::string_view(lines).substr(start, end - start));
    start = end + 1;
    if (!event.ok() || !event->is_object()) continue;
    const std::string type = event->value("type", "");
    if (type == "ADDED" || type == "MODIFIED" || type == "DELETED") {
      const Json& obj = (*event)["object"];
      Response r = TableResponse(info, {&obj}, {{"resourceVersion", obj["metadata"].value("resourceVersion", "")}}, req);
      (*event)["object"] = Json::parse(r.body);
    }
    out += DumpJson(*event);
    out += '\n';
  }
  return out;
}

Response ApiServer::Impl::TableResponse(const ResourceInfo& info, const std::vector<const Json*>& objects,
                                        const Json& list_meta, const Request& req) {
  internal::IncludeObject include = internal::IncludeObject::kMetadata;
  if (auto it = req.query.find("includeObject"); it != req.query.end()) {
    if (it->second == "None") include = internal::IncludeObject::kNone;
    if (it->second == "Object") include = internal::IncludeObject::kObject;
  }
  const absl::Time now = options_.clock != nullptr ? options_.clock->WallNow() : RealClock().WallNow();
  Response r{200, DumpJson(internal::MakeTable(info, objects, list_meta, include, now))};
  r.content_type = "application/json;as=Table;v=v1;g=meta.k8s.io";
  return r;
}

absl::StatusOr<internal::ListOptions> ApiServer::Impl::ParseListOptions(const Target& t,
                                                                        const Request& req) const {
  internal::ListOptions o;
  o.namespace_ = t.ns;
  auto q = [&](const char* k) -> std::string {
    auto it = req.query.find(k);
    return it == req.query.end() ? "" : it->second;
  };
  absl::StatusOr<LabelSelector> labels = LabelSelector::Parse(q("labelSelector"));
  if (!labels.ok()) return internal::BadRequest(ToStd(labels.status().message()));
  o.labels = *std::move(labels);
  KOP_ASSIGN_OR_RETURN(o.fields, FieldSelector::Parse(q("fieldSelector"), t.info->field_labels));
  if (const std::string limit = q("limit"); !limit.empty()) {
    char* end = nullptr;
    o.limit = std::strtoll(limit.c_str(), &end, 10);
    if (*end != '\0' || o.limit < 0) {
      return internal::BadRequest(kop::StrCat("limit: Invalid value: \"", limit, "\""));
    }
  }
  o.continue_token = q("continue");
  o.resource_version = q("resourceVersion");
  o.resource_version_match = q("resourceVersionMatch");
  return o;
}

absl::StatusOr<Response> ApiServer::Impl::List(const Target& t, const Request& req) {
  KOP_ASSIGN_OR_RETURN(internal::ListOptions o, ParseListOptions(t, req));
  KOP_ASSIGN_OR_RETURN(internal::ListResult r, store_.List(*t.info, o));
  std::string body;
  size_t size = 256;
  for (const StoredObject& s : r.items) size += s.json->size() + 1;
  body.reserve(size);
  Json meta = {{"resourceVersion", std::to_string(r.rv)}};
  if (!r.continue_token.empty()) meta["continue"] = r.continue_token;
  if (r.remaining.has_value()) meta["remainingItemCount"] = *r.remaining;
  body += kop::StrCat("{\"kind\":\"", t.info->list_kind, "\",\"apiVersion\":\"",
                      t.info->ApiVersion(), "\",\"metadata\":", DumpJson(meta), ",\"items\":[");
  if (internal::WantsTable(req.accept)) {
    std::vector<Json> objects;
    objects.reserve(r.items.size());
    for (const StoredObject& s : r.items) {
      KOP_ASSIGN_OR_RETURN(Json obj, ParseJson(EncodeFor(*t.info, s, true)));
      objects.push_back(std::move(obj));
    }
    std::vector<const Json*> pointers;
    for (const Json& o : objects) pointers.push_back(&o);
    return TableResponse(*t.info, pointers, meta, req);
  }
  for (size_t i = 0; i < r.items.size(); ++i) {
    if (i > 0) body += ',';
    body += EncodeFor(*t.info, r.items[i], true);
  }
  body += "]}";
  return Response{200, std::move(body)};
}

absl::StatusOr<StoredObject> ApiServer::Impl::CreateStored(const ResourceInfo& info, Object obj,
                                                           bool dry_run) {
  std::vector<internal::FieldCause> causes = Validate(info, obj, true);
  if (info.group == "apiextensions.k8s.io" && info.plural == "customresourcedefinitions") {
    if (absl::StatusOr<std::vector<ResourceInfo>> crd = internal::Registry::ParseCustomResource(obj);
        !crd.ok()) {
      causes.push_back(internal::ParseFieldCause(ToStd(crd.status().message())));
    }
  }
  if (!causes.empty()) {
    return internal::Invalid({info.group, info.plural, info.kind, obj.name()}, causes);
  }
  if (!dry_run) NoteOwners(obj);
  KOP_ASSIGN_OR_RETURN(StoredObject s, store_.Create(info, std::move(obj), dry_run));
  if (!dry_run) {
    KOP_RETURN_IF_ERROR(AfterWrite(info, s, false));
    if (info.plural == "customresourcedefinitions") {
      // The CRD controller's answer, already given: names accepted, established.
      KOP_ASSIGN_OR_RETURN(s, store_.Get(info, "", s.obj->name()));
    }
  }
  return s;
}

// Keeps the registry in step with CustomResourceDefinitions.
std::vector<internal::FieldCause> ApiServer::Impl::Validate(const ResourceInfo& info, Object& obj,
                                                            bool create) {
  std::vector<internal::FieldCause> causes = internal::ValidateObjectMeta(info, obj, create);
  if (info.schema != nullptr) {
    std::vector<internal::FieldCause> more = internal::ApplySchema(*info.schema, obj.mutable_json());
    causes.insert(causes.end(), more.begin(), more.end());
  }
  return causes;
}

bool ApiServer::Impl::OwnerExists(const Json& ref, const std::string& ns) {
  const std::string api_version = ref.value("apiVersion", "");
  const std::string kind = ref.value("kind", "");
  const size_t slash = api_version.find('/');
  const std::string group = slash == std::string::npos ? "" : api_version.substr(0, slash);
  const std::string version = slash == std::string::npos ? api_version : api_version.substr(slash + 1);
  for (const std::string& plural : registry_.PluralsOf({group, version, kind})) {
    std::shared_ptr<const ResourceInfo> info = registry_.Find(group, version, plural);
    if (info == nullptr) continue;
    absl::StatusOr<StoredObject> owner =
        store_.Get(*info, info->namespaced ? ns : "", ref.value("name", ""));
    if (owner.ok() && owner->obj->uid() == ref.value("uid", "")) return true;
  }
  return false;
}

void ApiServer::Impl::CollectIfOrphaned(const ResourceInfo& info, const StoredObject& s) {
  const Json* refs = s.obj->Find({"metadata", "ownerReferences"});
  if (refs == nullptr || !refs->is_array() || refs->empty()) return;
  for (const Json& r : *refs) {
    if (!r.is_object() || OwnerExists(r, s.obj->namespace_())) return;
  }
  // Every owner it names is gone (or never existed): the garbage collector removes it, as
  // upstream's does once it has checked the owners with the API server.
  absl::StatusOr<internal::Store::Deleted> d =
      store_.Delete(info, s.obj->namespace_(), s.obj->name(), {.uid = s.obj->uid()}, false);
  if (d.ok() && d->gone) (void)AfterWrite(info, d->object, true);
}

void ApiServer::Impl::NoteOwners(const Object& obj) {
  const Json* refs = obj.Find({"metadata", "ownerReferences"});
  if (refs == nullptr || !refs->is_array() || refs->empty()) return;
  kop::MutexLock lock(&gc_mu_);
  for (const Json& r : *refs) {
    if (r.is_object() && r.contains("uid") && r["uid"].is_string()) {
      referenced_owners_.insert(r["uid"].get<std::string>());
    }
  }
}

void ApiServer::Impl::CollectGarbage(const std::string& uid, bool orphan) {
  {
    kop::MutexLock lock(&gc_mu_);
    if (referenced_owners_.erase(uid) == 0) return;  // nobody names it as owner
  }
  auto exists = [this](const Json& ref, const std::string& ns) { return OwnerExists(ref, ns); };
  for (const std::shared_ptr<const ResourceInfo>& info : registry_.StoredResources()) {
    absl::StatusOr<internal::ListResult> all = store_.List(*info, internal::ListOptions{});
    if (!all.ok()) continue;
    for (const StoredObject& s : all->items) {
      const Json* refs = s.obj->Find({"metadata", "ownerReferences"});
      if (refs == nullptr || !refs->is_array()) continue;
      bool names_it = false;
      bool other_owner_alive = false;
      Json kept = Json::array();
      for (const Json& r : *refs) {
        if (r.is_object() && r.value("uid", "") == uid) {
          names_it = true;
        } else {
          kept.push_back(r);
          if (r.is_object() && exists(r, s.obj->namespace_())) other_owner_alive = true;
        }
      }
      if (!names_it) continue;
      if (orphan || other_owner_alive) {
        // The dependent stays; its reference to the vanished owner goes.
        Object updated = *s.obj;
        if (kept.empty()) {
          updated.mutable_json()["metadata"].erase("ownerReferences");
        } else {
          updated.mutable_json()["metadata"]["ownerReferences"] = kept;
        }
        (void)store_.Update(*info, std::move(updated), false, false);
        continue;
      }
      absl::StatusOr<internal::Store::Deleted> d =
          store_.Delete(*info, s.obj->namespace_(), s.obj->name(), {}, false);
      if (d.ok() && d->gone) (void)AfterWrite(*info, d->object, true);
    }
  }
}

absl::Status ApiServer::Impl::AfterWrite(const ResourceInfo& info, const StoredObject& s,
                                         bool deleted) {
  if (deleted) {
    bool orphan;
    {
      kop::MutexLock lock(&gc_mu_);
      orphan = orphaning_.erase(s.obj->uid()) > 0;
    }
    CollectGarbage(s.obj->uid(), orphan);
  }
  if (info.group != "apiextensions.k8s.io" || info.plural != "customresourcedefinitions") {
    return absl::OkStatus();
  }
  const Object& crd = *s.obj;
  absl::StatusOr<std::vector<ResourceInfo>> parsed = internal::Registry::ParseCustomResource(crd);
  if (!parsed.ok() || parsed->empty()) return absl::OkStatus();
  const ResourceInfo& first = parsed->front();
  if (deleted) {
    for (const auto& served : registry_.Versions(first.group, first.plural)) {
      store_.DeleteAll(*served, "");
      store_.CloseWatches(served->StorageKey());
      break;  // versions share storage
    }
    registry_.RemoveCustomResource(first.group, first.plural);
    return absl::OkStatus();
  }
  KOP_RETURN_IF_ERROR(registry_.AddCustomResource(crd));
  if (crd.IsBeingDeleted()) return absl::OkStatus();
  Object with_status = crd;
  Json names = crd.spec()->value("names", Json::object());
  if (!names.contains("singular")) names["singular"] = first.singular;
  if (!names.contains("listKind")) names["listKind"] = first.list_kind;
  std::string storage_version;
  for (const Json& v : (*crd.spec())["versions"]) {
    if (v.value("storage", false)) storage_version = v.value("name", "");
  }
  const std::string now = FormatRFC3339(options_.clock != nullptr ? options_.clock->WallNow()
                                                                  : RealClock().WallNow());
  Json conditions = Json::array();
  const Json* old = crd.Find({"status", "conditions"});
  auto keep_time = [&](const char* type) {
    if (old != nullptr && old->is_array()) {
      for (const Json& c : *old) {
        if (c.value("type", "") == type && c.value("status", "") == "True") {
          return c.value("lastTransitionTime", now);
        }
      }
    }
    return now;
  };
  conditions.push_back({{"type", "NamesAccepted"}, {"status", "True"}, {"reason", "NoConflicts"},
                        {"message", "no conflicts found"},
                        {"lastTransitionTime", keep_time("NamesAccepted")}});
  conditions.push_back({{"type", "Established"}, {"status", "True"},
                        {"reason", "InitialNamesAccepted"},
                        {"message", "the initial names have been accepted"},
                        {"lastTransitionTime", keep_time("Established")}});
  with_status.mutable_json()["status"] = {
      {"conditions", conditions}, {"acceptedNames", names}, {"storedVersions", {storage_version}}};
  absl::StatusOr<StoredObject> updated = store_.Update(info, with_status, true, false);
  return updated.ok() ? absl::OkStatus() : updated.status();
}

absl::StatusOr<Response> ApiServer::Impl::Create(const Target& t, const Request& req) {
  if (!req.content_type.empty() && req.content_type != "application/json" &&
      req.content_type != "application/yaml") {
    return internal::UnsupportedMediaType(req.content_type);
  }
  KOP_ASSIGN_OR_RETURN(bool dry_run, DryRun(req));
  KOP_ASSIGN_OR_RETURN(Object obj, DecodeBody(t, req.body));
  KOP_ASSIGN_OR_RETURN(StoredObject s, CreateStored(*t.info, std::move(obj), dry_run));
  if (!dry_run) CollectIfOrphaned(*t.info, s);
  return Response{201, EncodeFor(*t.info, s, false)};
}

absl::StatusOr<Object> ApiServer::Impl::CreateObject(const Object& obj) {
  KOP_ASSIGN_OR_RETURN(GroupVersionKind gvk, obj.gvk());
  std::shared_ptr<const ResourceInfo> info;
  for (const std::string& plural : registry_.PluralsOf(gvk)) {
    info = registry_.Find(gvk.group, gvk.version, plural);
  }
  if (info == nullptr) {
    return absl::NotFoundError(kop::StrCat("no resource serves ", gvk.ToString()));
  }
  Object copy = obj;
  if (info->namespaced && copy.namespace_().empty()) copy.set_namespace("default");
  KOP_ASSIGN_OR_RETURN(StoredObject s, CreateStored(*info, std::move(copy), false));
  return *s.obj;
}

absl::StatusOr<Response> ApiServer::Impl::Update(const Target& t, const Request& req) {
  if (!req.content_type.empty() && req.content_type != "application/json" &&
      req.content_type != "application/yaml") {
    return internal::UnsupportedMediaType(req.content_type);
  }
  KOP_ASSIGN_OR_RETURN(bool dry_run, DryRun(req));
  KOP_ASSIGN_OR_RETURN(Object obj, DecodeBody(t, req.body));
  if (obj.name() != t.name) {
    return internal::BadRequest(kop::StrCat("the name of the object (", obj.name(),
                                            ") does not match the name on the URL (", t.name, ")"));
  }
  std::vector<internal::FieldCause> causes = Validate(*t.info, obj, false);
  if (t.info->plural == "customresourcedefinitions" && t.sub.empty()) {
    if (auto crd = internal::Registry::ParseCustomResource(obj); !crd.ok()) {
      causes.push_back(internal::ParseFieldCause(ToStd(crd.status().message())));
    }
  }
  if (!causes.empty()) {
    return internal::Invalid({t.info->group, t.info->plural, t.info->kind, obj.name()}, causes);
  }
  if (!dry_run) NoteOwners(obj);
  KOP_ASSIGN_OR_RETURN(StoredObject s, store_.Update(*t.info, std::move(obj), t.sub == "status", dry_run));
  if (!dry_run) KOP_RETURN_IF_ERROR(AfterWrite(*t.info, s, !store_.Get(*t.info, t.ns, t.name).ok()));
  return Response{200, EncodeFor(*t.info, s, false)};
}

absl::StatusOr<Response> ApiServer::Impl::Apply(const Target& t, const Request& req) {
  auto q = [&](const char* k) -> std::string {
    auto it = req.query.find(k);
    return it == req.query.end() ? "" : it->second;
  };
  const std::string manager = q("fieldManager");
  if (manager.empty()) {
    return internal::ApiError(422, "Invalid",
                              "PatchOptions.meta.k8s.io \"\" is invalid: fieldManager: Required value: "
                              "is required for apply patch");
  }
  const bool force = q("force") == "true" || q("force") == "1";
  KOP_ASSIGN_OR_RETURN(bool dry_run, DryRun(req));
  absl::StatusOr<Json> parsed = ParseYaml(req.body);
  if (!parsed.ok() || !parsed->is_object()) {
    return internal::BadRequest(kop::StrCat("error decoding YAML: ",
                                            parsed.ok() ? "not an object" : ToStd(parsed.status().message())));
  }
  if (!parsed->contains("metadata") || !(*parsed)["metadata"].is_object()) (*parsed)["metadata"] = Json::object();
  if (!(*parsed)["metadata"].contains("name")) (*parsed)["metadata"]["name"] = t.name;
  KOP_ASSIGN_OR_RETURN(Object config, DecodeBody(t, DumpJson(*parsed)));
  if (config.name() != t.name) {
    return internal::BadRequest(kop::StrCat("the name of the object (", config.name(),
                                            ") does not match the name on the URL (", t.name, ")"));
  }
  const internal::ApplyRequest request{
      .manager = manager,
      .force = force,
      .now = FormatRFC3339(options_.clock != nullptr ? options_.clock->WallNow() : RealClock().WallNow()),
      .api_version = t.info->ApiVersion()};
  for (int attempt = 0;; ++attempt) {
    absl::StatusOr<StoredObject> current = store_.Get(*t.info, t.ns, t.name);
    if (!current.ok() && current.status().code() != absl::StatusCode::kNotFound) return current.status();
    if (!current.ok()) {
      if (t.sub == "status") return current.status();
      KOP_ASSIGN_OR_RETURN(Json created, internal::ServerSideApply(nullptr, config.json(), request));
      absl::StatusOr<StoredObject> s = CreateStored(*t.info, Object(std::move(created)), dry_run);
      if (!s.ok() && s.status().code() == absl::StatusCode::kAlreadyExists && attempt < 10) continue;
      if (!s.ok()) return s.status();
      if (!dry_run) CollectIfOrphaned(*t.info, *s);
      return Response{201, EncodeFor(*t.info, *s, false)};
    }
    KOP_ASSIGN_OR_RETURN(Json applied, internal::ServerSideApply(&current->obj->json(), config.json(), request));
    Object obj(std::move(applied));
    obj.set_resource_version(current->obj->resource_version());
    std::vector<internal::FieldCause> causes = Validate(*t.info, obj, false);
    if (!causes.empty()) {
      return internal::Invalid({t.info->group, t.info->plural, t.info->kind, t.name}, causes);
    }
    if (!dry_run) NoteOwners(obj);
    absl::StatusOr<StoredObject> s = store_.Update(*t.info, std::move(obj), t.sub == "status", dry_run);
    if (!s.ok() && s.status().code() == absl::StatusCode::kAborted && attempt < 10) continue;
    if (!s.ok()) return s.status();
    if (!dry_run) KOP_RETURN_IF_ERROR(AfterWrite(*t.info, *s, !store_.Get(*t.info, t.ns, t.name).ok()));
    return Response{200, EncodeFor(*t.info, *s, false)};
  }
}

absl::StatusOr<Response> ApiServer::Impl::Patch(const Target& t, const Request& req) {
  const std::string& type = req.content_type;
  if (type == "application/apply-patch+yaml") return Apply(t, req);
  if (type != "application/merge-patch+json" && type != "application/json-patch+json") {
    return internal::UnsupportedMediaType(type);
  }
  KOP_ASSIGN_OR_RETURN(bool dry_run, DryRun(req));
  absl::StatusOr<Json> patch = ParseJson(req.body);
  if (!patch.ok()) return internal::BadRequest(ToStd(patch.status().message()));
  for (int attempt = 0;; ++attempt) {
    KOP_ASSIGN_OR_RETURN(StoredObject current, store_.Get(*t.info, t.ns, t.name));
    Json patched;
    if (type == "application/merge-patch+json") {
      patched = ApplyMergePatch(current.obj->json(), *patch);
    } else {
      absl::StatusOr<Json> applied = ApplyJsonPatch(current.obj->json(), *patch);
      if (!applied.ok()) return internal::ApiError(422, "Invalid", ToStd(applied.status().message()));
      patched = *std::move(applied);
    }
    absl::StatusOr<Object> obj = Object::FromJson(std::move(patched));
    if (!obj.ok()) return internal::ApiError(422, "Invalid", ToStd(obj.status().message()));
    if (obj->name() != t.name || (t.info->namespaced && obj->namespace_() != t.ns)) {
      return internal::BadRequest("the name and namespace of a patched object cannot change");
    }
    // A patch that names a resourceVersion is a precondition; otherwise retry on conflict, as
    // upstream's patch handler does.
    const bool precondition = obj->resource_version() != current.obj->resource_version();
    std::vector<internal::FieldCause> causes = Validate(*t.info, *obj, false);
    if (!causes.empty()) {
      return internal::Invalid({t.info->group, t.info->plural, t.info->kind, t.name}, causes);
    }
    if (!dry_run) NoteOwners(*obj);
    absl::StatusOr<StoredObject> s = store_.Update(*t.info, *std::move(obj), t.sub == "status", dry_run);
    if (!s.ok() && s.status().code() == absl::StatusCode::kAborted && !precondition &&
        attempt < 10) {
      continue;
    }
    if (!s.ok()) return s.status();
    if (!dry_run) KOP_RETURN_IF_ERROR(AfterWrite(*t.info, *s, !store_.Get(*t.info, t.ns, t.name).ok()));
    return Response{200, EncodeFor(*t.info, *s, false)};
  }
}

absl::StatusOr<Response> ApiServer::Impl::Delete(const Target& t, const Request& req) {
  KOP_ASSIGN_OR_RETURN(bool dry_run, DryRun(req));
  std::string propagation;
  internal::Preconditions pre;
  if (!req.body.empty()) {
    absl::StatusOr<Json> opts = ParseJson(req.body);
    if (!opts.ok() || !opts->is_object()) {
      return internal::BadRequest("the body of a DELETE must be DeleteOptions");
    }
    if (auto p = opts->find("preconditions"); p != opts->end() && p->is_object()) {
      pre.uid = p->value("uid", "");
      pre.resource_version = p->value("resourceVersion", "");
    }
    if (auto d = opts->find("dryRun"); d != opts->end() && d->is_array()) {
      for (const Json& v : *d) {
        if (v == "All") dry_run = true;
      }
    }
    if (auto p = opts->find("propagationPolicy"); p != opts->end() && p->is_string()) {
      propagation = p->get<std::string>();
    } else if (opts->value("orphanDependents", false)) {
      propagation = "Orphan";
    }
  }
  if (auto q = req.query.find("propagationPolicy"); q != req.query.end()) propagation = q->second;
  if (propagation != "" && propagation != "Background" && propagation != "Foreground" &&
      propagation != "Orphan") {
    return internal::BadRequest(kop::StrCat(
        "propagationPolicy: Unsupported value: \"", propagation,
        "\": supported values: \"Foreground\", \"Background\", \"Orphan\""));
  }
  if (propagation == "Orphan" && !dry_run) {
    if (absl::StatusOr<StoredObject> current = store_.Get(*t.info, t.ns, t.name); current.ok()) {
      kop::MutexLock lock(&gc_mu_);
      orphaning_.insert(current->obj->uid());
    }
  }
  KOP_ASSIGN_OR_RETURN(internal::Store::Deleted d,
                       store_.Delete(*t.info, t.ns, t.name, pre, dry_run));
  if (!dry_run && d.gone) KOP_RETURN_IF_ERROR(AfterWrite(*t.info, d.object, true));
  if (!d.gone || t.info->delete_returns_object) {
    return Response{200, EncodeFor(*t.info, d.object, false)};
  }
  Json details = {{"name", t.name}, {"kind", t.info->plural}, {"uid", d.object.obj->uid()}};
  if (!t.info->group.empty()) details["group"] = t.info->group;
  return JsonResponse(200, {{"kind", "Status"},
                            {"apiVersion", "v1"},
                            {"metadata", Json::object()},
                            {"status", "Success"},
                            {"details", details}});
}

absl::StatusOr<Response> ApiServer::Impl::DeleteCollection(const Target& t, const Request& req) {
  KOP_ASSIGN_OR_RETURN(bool dry_run, DryRun(req));
  KOP_ASSIGN_OR_RETURN(internal::ListOptions o, ParseListOptions(t, req));
  o.limit = 0;
  o.continue_token.clear();
  KOP_ASSIGN_OR_RETURN(internal::ListResult r, store_.List(*t.info, o));
  std::string items;
  for (const StoredObject& s : r.items) {
    absl::StatusOr<internal::Store::Deleted> d =
        store_.Delete(*t.info, s.obj->namespace_(), s.obj->name(), {}, dry_run);
    if (!d.ok()) {
      if (d.status().code() == absl::StatusCode::kNotFound) continue;
      return d.status();
    }
    if (!dry_run && d->gone) KOP_RETURN_IF_ERROR(AfterWrite(*t.info, d->object, true));
    if (!items.empty()) items += ',';
    items += EncodeFor(*t.info, d->object, true);
  }
  return Response{200, kop::StrCat("{\"kind\":\"", t.info->list_kind, "\",\"apiVersion\":\"",
                                   t.info->ApiVersion(), "\",\"metadata\":{\"resourceVersion\":\"",
                                   store_.CurrentRv(), "\"},\"items\":[", items, "]}")};
}

// ---------------------------------------------------------------------------------------
// Watch

void ApiServer::Impl::ServeWatch(const Target& t, const Request& req) {
  mg_connection* conn = req.conn;
  absl::StatusOr<internal::ListOptions> o = ParseListOptions(t, req);
  if (!o.ok()) {
    Send(conn, ErrorResponse(o.status()));
    return;
  }
  auto q = [&](const char* k) -> std::string {
    auto it = req.query.find(k);
    return it == req.query.end() ? "" : it->second;
  };
  const std::string rv = q("resourceVersion");
  if (!rv.empty() && rv.find_first_not_of("0123456789") != std::string::npos) {
    Send(conn, ErrorResponse(internal::BadRequest(
                   kop::StrCat("resourceVersion: Invalid value: \"", rv, "\": must be a number"))));
    return;
  }
  const bool bookmarks = q("allowWatchBookmarks") == "true" || q("allowWatchBookmarks") == "1";
  const bool table = internal::WantsTable(req.accept);
  auto now = std::chrono::steady_clock::now;
  auto end = now() + options_.max_watch_duration;
  if (const std::string ts = q("timeoutSeconds"); !ts.empty()) {
    char* e = nullptr;
    const long long secs = std::strtoll(ts.c_str(), &e, 10);
    if (*e != '\0' || secs < 0) {
      Send(conn, ErrorResponse(internal::BadRequest(kop::StrCat("timeoutSeconds: Invalid value: \"", ts, "\""))));
      return;
    }
    end = std::min(end, now() + std::chrono::seconds(secs));
  }
  internal::WatchFilter filter{o->namespace_, std::move(o->labels), std::move(o->fields)};
  std::shared_ptr<internal::Watcher> watcher = store_.Watch(t.info, std::move(filter), rv);

  mg_response_header_start(conn, 200);
  mg_response_header_add(conn, "Content-Type", "application/json", -1);
  mg_response_header_add(conn, "Transfer-Encoding", "chunked", -1);
  mg_response_header_add(conn, "Cache-Control", "no-cache, private", -1);
  mg_response_header_add(conn, "Connection", "close", -1);
  AddDateHeader(conn);
  mg_response_header_send(conn);

  auto next_bookmark = now() + options_.bookmark_interval;
  // Under load, flush at most once per interval so that events batch into fewer writes;
  // an idle watch still delivers the first event at once.
  const auto kMinFlushInterval = options_.watch_flush_interval;
  auto last_flush = now() - kMinFlushInterval;
  std::string out;
  std::string chunk;
  bool open = true;
  bool cut = false;
  while (open && !stopping_) {
    if (const auto since = now() - last_flush; since < kMinFlushInterval) {
      std::this_thread::sleep_for(kMinFlushInterval - since);
    }
    {
      // A stalled stream sends nothing; its watcher fills up and is closed by the store.
      kop::MutexLock lock(&faults_mu_);
      while (stalled_ && !stopping_ && !watcher->IsClosed()) {
        unstalled_.WaitUntil(&faults_mu_, now() + std::chrono::milliseconds(50));
      }
      if (stalled_ && watcher->IsClosed()) break;
    }
    out.clear();
    const auto deadline = std::min(end, bookmarks ? next_bookmark : end);
    open = watcher->WaitAndDrain(deadline, &out, &cut);
    if (table && !cut && !out.empty()) out = TableEvents(*t.info, out, req);
    if (!out.empty()) {
      // One chunk, framed here, in one write.
      char size[24];
      const int n = std::snprintf(size, sizeof size, "%zx\r\n", out.size());
      chunk.assign(size, static_cast<size_t>(n));
      chunk += out;
      chunk += "\r\n";
      if (mg_write(conn, chunk.data(), chunk.size()) <= 0) break;  // the client went away
      last_flush = now();
    }
    if (cut) {
      // A cut connection: after half an event the byte stream stops making sense, which a
      // client sees as a transport error in the middle of an event.
      mg_write(conn, "\r\nX-cut\r\n", 10);
      break;
    }
    const auto t_now = now();
    if (t_now >= end) break;
    if (bookmarks && t_now >= next_bookmark) {
      store_.Bookmark(watcher);
      next_bookmark = t_now + options_.bookmark_interval;
    }
  }
  store_.Unwatch(watcher);
  watcher->Close();
  if (!cut) mg_send_chunk(conn, "", 0);
}

// ---------------------------------------------------------------------------------------
// Admin (fault injection over HTTP for kop-apiserver)

Response ApiServer::Impl::Admin(const Request& req) {
  if (req.method != "POST") return ErrorResponse(internal::MethodNotAllowed("POST only"));
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
