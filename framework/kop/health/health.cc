#include "kop/health/health.h"

#include <civetweb.h>
#include <dlfcn.h>

#include <cstdlib>
#include <ctime>
#include <filesystem>
#include <string>
#include <thread>
#include <vector>

#include "kop/base/net.h"
#include "kop/base/strings.h"
#include "kop/health/grpc_module.h"
#include "kop/log/logger.h"

namespace kop::health {
namespace {

bool Disabled(std::string_view address) { return address.empty() || address == "0"; }

// ":8081" -> "8081" (civetweb: every interface); "host:port" stays.
std::string CivetPorts(std::string_view address) {
  if (!address.empty() && address.front() == ':') return std::string(address.substr(1));
  return std::string(address);
}

// ":8082" -> "0.0.0.0:8082" (gRPC needs a host).
std::string GrpcAddress(std::string_view address) {
  if (!address.empty() && address.front() == ':') return kop::StrCat("0.0.0.0", address);
  return std::string(address);
}

// libkop_health_grpc.so, loaded the first time a gRPC probe is asked for and kept for the
// life of the process (gRPC keeps threads and global state; it is never unloaded).
struct GrpcModule {
  decltype(&kop_grpc_health_start) start = nullptr;
  decltype(&kop_grpc_health_set_serving) set_serving = nullptr;
  decltype(&kop_grpc_health_shutdown) shutdown = nullptr;
  decltype(&kop_grpc_health_stop) stop = nullptr;
};

constexpr const char* kGrpcModuleName = "libkop_health_grpc.so";

// Where the module may be: $KOP_GRPC_HEALTH_MODULE when set (and then only there); else
// beside the executable, in ../lib/kop/ from it (the image's layout), where this build put
// it, where the install rules put it, and the dynamic loader's own search path, in that order.
std::vector<std::string> GrpcModuleCandidates() {
  std::vector<std::string> out;
  if (const char* env = std::getenv("KOP_GRPC_HEALTH_MODULE"); env != nullptr && *env != '\0') {
    out.push_back(env);
    return out;
  }
  std::error_code ec;
  const std::filesystem::path exe = std::filesystem::read_symlink("/proc/self/exe", ec);
  if (!ec) {
    out.push_back((exe.parent_path() / kGrpcModuleName).string());
    out.push_back((exe.parent_path().parent_path() / "lib" / "kop" / kGrpcModuleName).string());
  }
#ifdef KOP_GRPC_HEALTH_MODULE_BUILD_PATH
  out.push_back(KOP_GRPC_HEALTH_MODULE_BUILD_PATH);
#endif
#ifdef KOP_GRPC_HEALTH_MODULE_INSTALL_PATH
  out.push_back(KOP_GRPC_HEALTH_MODULE_INSTALL_PATH);  // where `cmake --install` put it
#endif
  out.push_back(kGrpcModuleName);
  return out;
}

absl::StatusOr<GrpcModule> LoadGrpcModule() {
  static kop::Mutex mu;
  static GrpcModule loaded;
  kop::MutexLock lock(&mu);
  if (loaded.start != nullptr) return loaded;
  std::string tried;
  for (const std::string& path : GrpcModuleCandidates()) {
    const bool bare = path.find('/') == std::string::npos;
    if (!bare && !std::filesystem::exists(path)) {
      tried += kop::StrCat("; ", path, ": no such file");
      continue;
    }
    void* handle = dlopen(path.c_str(), RTLD_NOW | RTLD_LOCAL);
    if (handle == nullptr) {
      const char* why = dlerror();
      tried += kop::StrCat("; ", path, ": ", why != nullptr ? why : "cannot load");
      continue;
    }
    GrpcModule m;
    m.start = reinterpret_cast<decltype(m.start)>(dlsym(handle, "kop_grpc_health_start"));
    m.set_serving = reinterpret_cast<decltype(m.set_serving)>(dlsym(handle, "kop_grpc_health_set_serving"));
    m.shutdown = reinterpret_cast<decltype(m.shutdown)>(dlsym(handle, "kop_grpc_health_shutdown"));
    m.stop = reinterpret_cast<decltype(m.stop)>(dlsym(handle, "kop_grpc_health_stop"));
    if (m.start == nullptr || m.set_serving == nullptr || m.shutdown == nullptr || m.stop == nullptr) {
      tried += kop::StrCat("; ", path, ": not kop's gRPC health module");
      dlclose(handle);
      continue;
    }
    loaded = m;
    return loaded;
  }
  return absl::UnavailableError(kop::StrCat("gRPC health probes need ", kGrpcModuleName,
                                            " (set KOP_GRPC_HEALTH_MODULE to its path)", tried));
}

std::string HostOf(std::string_view address) {
  const size_t colon = address.rfind(':');
  return std::string(colon == std::string_view::npos ? "" : address.substr(0, colon));
}

struct Query {
  bool verbose = false;
  std::vector<std::string> exclude;
};

Query ParseQuery(const char* q) {
  Query out;
  if (q == nullptr) return out;
  std::string_view rest(q);
  while (!rest.empty()) {
    const size_t amp = rest.find('&');
    std::string_view part = rest.substr(0, amp);
    rest = amp == std::string_view::npos ? std::string_view() : rest.substr(amp + 1);
    const size_t eq = part.find('=');
    const std::string_view key = part.substr(0, eq);
    const std::string_view value = eq == std::string_view::npos ? "" : part.substr(eq + 1);
    if (key == "verbose") out.verbose = value != "false" && value != "0";
    if (key == "exclude" && !value.empty()) out.exclude.emplace_back(value);
  }
  return out;
}

void Reply(mg_connection* conn, int code, const std::string& body) {
  mg_response_header_start(conn, code);
  mg_response_header_add(conn, "Content-Type", "text/plain; charset=utf-8", -1);
  mg_response_header_add(conn, "X-Content-Type-Options", "nosniff", -1);
  mg_response_header_add(conn, "Cache-Control", "no-cache, private", -1);
  const std::string length = std::to_string(body.size());
  mg_response_header_add(conn, "Content-Length", length.c_str(), -1);
  // civetweb's own Date header formats with gmtime(), which is not thread-safe.
  char date[64];
  const std::time_t now = std::time(nullptr);
  std::tm tm{};
  gmtime_r(&now, &tm);
  std::strftime(date, sizeof date, "%a, %d %b %Y %H:%M:%S GMT", &tm);
  mg_response_header_add(conn, "Date", date, -1);
  mg_response_header_send(conn);
  mg_write(conn, body.data(), body.size());
}

}  // namespace

// ---- Checks ----

Checks::Checks() {
  AddHealthzCheck("ping", [] { return absl::OkStatus(); });
  AddReadyzCheck("ping", [] { return absl::OkStatus(); });
  AddReadyzCheck("shutdown", [this] {
    return shutting_down() ? absl::UnavailableError("the process is shutting down")
                           : absl::OkStatus();
  });
}

void Checks::AddHealthzCheck(std::string name, Check check) {
  kop::MutexLock lock(&mu_);
  healthz_.push_back({std::move(name), std::move(check)});
}

void Checks::AddReadyzCheck(std::string name, Check check) {
  kop::MutexLock lock(&mu_);
  readyz_.push_back({std::move(name), std::move(check)});
}

void Checks::SetShuttingDown() {
  kop::MutexLock lock(&mu_);
  shutting_down_ = true;
}

bool Checks::shutting_down() const {
  kop::MutexLock lock(&mu_);
  return shutting_down_;
}

std::vector<Checks::Named> Checks::Snapshot(Kind kind) const {
  kop::MutexLock lock(&mu_);
  return kind == Kind::kHealthz ? healthz_ : readyz_;
}

std::vector<Checks::Result> Checks::Run(Kind kind, const std::vector<std::string>& exclude) const {
  std::vector<Result> out;
  for (const Named& n : Snapshot(kind)) {
    if (std::find(exclude.begin(), exclude.end(), n.name) != exclude.end()) continue;
    absl::Status status;
    try {
      status = n.check();
    } catch (const std::exception& e) {
      status = absl::InternalError(kop::StrCat("check threw: ", e.what()));
    } catch (...) {
      status = absl::InternalError("check threw");
    }
    out.push_back({n.name, std::move(status)});
  }
  return out;
}

absl::Status Checks::RunOne(Kind kind, std::string_view name) const {
  for (const Named& n : Snapshot(kind)) {
    if (n.name != name) continue;
    try {
      return n.check();
    } catch (const std::exception& e) {
      return absl::InternalError(kop::StrCat("check threw: ", e.what()));
    } catch (...) {
      return absl::InternalError("check threw");
    }
  }
  return absl::NotFoundError(kop::StrCat("no check named \"", name, "\""));
}

bool Checks::Ready() const {
  for (const Result& r : Run(Kind::kReadyz)) {
    if (!r.status.ok()) return false;
  }
  return true;
}

// ---- HealthServer ----

class HealthServer::Impl {
 public:
  Impl(HealthServerOptions options, Checks& checks)
      : options_(std::move(options)), checks_(checks), log_(log::Root().WithName("health")) {}

  ~Impl() {
    {
      kop::MutexLock lock(&mu_);
      stopping_ = true;
      cv_.SignalAll();
    }
    if (poller_.joinable()) poller_.join();
    if (grpc_ != nullptr) grpc_module_.stop(grpc_);
    if (ctx_ != nullptr) {
      StopWhileWakingListener(HostOf(options_.http_address), http_port_, [this] { mg_stop(ctx_); });
    }
  }

  absl::Status Start() {
    if (!Disabled(options_.http_address)) {
      mg_init_library(0);
      const std::string ports = CivetPorts(options_.http_address);
      const char* opts[] = {"listening_ports", ports.c_str(), "num_threads", "2",
                            "request_timeout_ms", "10000", nullptr};
      mg_callbacks callbacks{};
      mg_init_data init{};
      init.callbacks = &callbacks;
      init.user_data = this;
      init.configuration_options = opts;
      char error_text[256] = {};
      mg_error_data error{};
      error.text = error_text;
      error.text_buffer_size = sizeof error_text;
      ctx_ = mg_start2(&init, &error);
      if (ctx_ == nullptr) {
        return absl::UnavailableError(kop::StrCat("health probes cannot listen on \"",
                                                  options_.http_address, "\": ", error_text));
      }
      for (const char* path : {"/healthz", "/livez", "/readyz"}) {
        mg_set_request_handler(ctx_, path, &Impl::Handle, this);
      }
      // Probes need no credentials. Without this the HTTP library looks for a /.htpasswd on
      // the host before every request, and would demand digest credentials if one existed.
      mg_set_auth_handler(ctx_, "/", [](mg_connection*, void*) { return 1; }, nullptr);
      mg_server_port port[1] = {};
      if (mg_get_server_ports(ctx_, 1, port) >= 1) http_port_ = port[0].port;
    }
    if (!Disabled(options_.grpc_address)) {
      absl::StatusOr<GrpcModule> module = LoadGrpcModule();
      if (!module.ok()) return module.status();
      grpc_module_ = *module;
      grpc_ = grpc_module_.start(GrpcAddress(options_.grpc_address).c_str(), &grpc_port_);
      if (grpc_ == nullptr) {
        return absl::UnavailableError(kop::StrCat("gRPC health cannot listen on \"",
                                                  options_.grpc_address, "\""));
      }
      Publish();
      poller_ = std::thread([this] { Poll(); });
    }
    return absl::OkStatus();
  }

  void Refresh() {
    kop::MutexLock lock(&mu_);
    refresh_ = true;
    cv_.SignalAll();
  }

  void SetShuttingDown() {
    checks_.SetShuttingDown();
    kop::MutexLock lock(&mu_);
    if (grpc_ != nullptr && !grpc_shut_) {
      grpc_shut_ = true;
      grpc_module_.shutdown(grpc_);  // NOT_SERVING, and stays so
    }
  }

  int http_port() const { return http_port_; }
  int grpc_port() const { return grpc_port_; }

 private:
  // Sets the gRPC status of "" from readiness, when it changes: Watch streams get one
  // message per change, not one per poll.
  void Publish() {
    const bool ready = checks_.Ready();
    kop::MutexLock lock(&mu_);
    if (grpc_shut_ || (published_ && ready == last_ready_)) return;
    if (published_) log_.V(1).Info("gRPC health", "serving", ready);
    published_ = true;
    last_ready_ = ready;
    grpc_module_.set_serving(grpc_, ready ? 1 : 0);
  }

  void Poll() {
    while (true) {
      {
        kop::MutexLock lock(&mu_);
        const auto deadline = std::chrono::steady_clock::now() + options_.grpc_refresh_period;
        while (!stopping_ && !refresh_ && cv_.WaitUntil(&mu_, deadline)) {
        }
        if (stopping_) return;
        refresh_ = false;
      }
      Publish();
    }
  }

  static int Handle(mg_connection* conn, void* self) {
    static_cast<Impl*>(self)->Serve(conn);
    return 1;
  }

  void Serve(mg_connection* conn) {
    const mg_request_info* info = mg_get_request_info(conn);
    const std::string method = info->request_method != nullptr ? info->request_method : "";
    if (method != "GET" && method != "HEAD") {
      Reply(conn, 405, "method not allowed\n");
      return;
    }
    std::string_view path = info->local_uri != nullptr ? info->local_uri : "";
    while (path.size() > 1 && path.back() == '/') path.remove_suffix(1);
    const Checks::Kind kind =
        path.rfind("/readyz", 0) == 0 ? Checks::Kind::kReadyz : Checks::Kind::kHealthz;
    const std::string_view endpoint = path.substr(1, path.find('/', 1) == std::string_view::npos
                                                         ? std::string_view::npos
                                                         : path.find('/', 1) - 1);
    if (size_t slash = path.find('/', 1); slash != std::string_view::npos) {
      const std::string_view name = path.substr(slash + 1);
      absl::Status s = checks_.RunOne(kind, name);
      if (absl::IsNotFound(s)) {
        Reply(conn, 404, "404 page not found\n");
      } else if (s.ok()) {
        Reply(conn, 200, "ok");
      } else {
        log_.Error(s, "check failed", "check", name);
        Reply(conn, 503, "internal server error: check failed\n");
      }
      return;
    }
    const Query q = ParseQuery(info->query_string);
    std::string listing;
    bool ok = true;
    for (const Checks::Result& r : checks_.Run(kind, q.exclude)) {
      if (r.status.ok()) {
        listing += kop::StrCat("[+]", r.name, " ok\n");
      } else {
        ok = false;
        listing += kop::StrCat("[-]", r.name, " failed: reason withheld\n");
        log_.V(1).Info("check failed", "check", r.name, "endpoint", endpoint, "error",
                       r.status.ToString());
      }
    }
    for (const std::string& e : q.exclude) listing += kop::StrCat("[+]", e, " excluded: ok\n");
    if (ok) {
      Reply(conn, 200, q.verbose ? kop::StrCat(listing, endpoint, " check passed\n") : "ok");
    } else {
      Reply(conn, 503, kop::StrCat(listing, endpoint, " check failed\n"));
    }
  }

  const HealthServerOptions options_;
  Checks& checks_;
  const log::Logger log_;
  mg_context* ctx_ = nullptr;
  int http_port_ = 0;
  int grpc_port_ = 0;
  GrpcModule grpc_module_;
  KopGrpcHealth* grpc_ = nullptr;
  std::thread poller_;

  kop::Mutex mu_;
  kop::CondVar cv_;
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  bool refresh_ ABSL_GUARDED_BY(mu_) = false;
  bool grpc_shut_ ABSL_GUARDED_BY(mu_) = false;
  bool last_ready_ ABSL_GUARDED_BY(mu_) = false;
  bool published_ ABSL_GUARDED_BY(mu_) = false;
};

absl::StatusOr<std::unique_ptr<HealthServer>> HealthServer::Start(HealthServerOptions options,
                                                                   Checks& checks) {
  auto impl = std::make_unique<Impl>(std::move(options), checks);
  if (absl::Status s = impl->Start(); !s.ok()) return s;
  return std::unique_ptr<HealthServer>(new HealthServer(std::move(impl)));
}

HealthServer::HealthServer(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
HealthServer::~HealthServer() = default;
int HealthServer::http_port() const { return impl_->http_port(); }
int HealthServer::grpc_port() const { return impl_->grpc_port(); }
void HealthServer::Refresh() { impl_->Refresh(); }
void HealthServer::SetShuttingDown() { impl_->SetShuttingDown(); }

}  // namespace kop::health
