// The embedded API server's implementation, shared by the files that implement it:
// apiserver.cc (lifecycle, HTTP, routing, admin), internal/verbs.cc (the REST verbs and the
// write pipeline), internal/gc.cc (the garbage collector), internal/watch_handler.cc
// (watch streams) and internal/openapi.cc (OpenAPI documents).
// Nothing outside kop/testing includes it.
#ifndef KOP_TESTING_INTERNAL_SERVER_H_
#define KOP_TESTING_INTERNAL_SERVER_H_

#include <atomic>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "kop/api/object.h"
#include "kop/base/mutex.h"
#include "kop/base/strings.h"
#include "kop/testing/apiserver.h"
#include "kop/testing/internal/errors.h"
#include "kop/testing/internal/journal.h"
#include "kop/testing/internal/openapi.h"
#include "kop/testing/internal/registry.h"
#include "kop/testing/internal/store.h"
#include "kop/testing/internal/table.h"
#include "kop/testing/internal/tls.h"

struct mg_connection;
struct mg_context;

namespace kop::testing {
namespace internal {

struct Response {
  int code = 200;
  std::string body;
  std::string content_type = "application/json";
  std::vector<std::pair<std::string, std::string>> headers;
};

inline Response JsonResponse(int code, const Json& j) { return {code, DumpJson(j)}; }
inline Response ErrorResponse(const absl::Status& s) {
  return Response{HttpCode(s), DumpJson(StatusObject(s))};
}
inline absl::Status NoSuchResource() {
  return ApiError(404, "NotFound", "the server could not find the requested resource", Json::object());
}

// Who a request is made by (authentication.k8s.io UserInfo).
struct UserInfo {
  std::string username;
  std::string uid;
  std::vector<std::string> groups;
  Json ToJson() const;
};

// Adds a Date header formatted thread-safely (civetweb's own uses gmtime()).
// The current time as an HTTP Date header value.
std::string HttpDate();
void AddDateHeader(mg_connection* conn);

// How a write treats fields the schema does not know (the fieldValidation parameter).
enum class FieldValidation { kIgnore, kWarn, kStrict };

}  // namespace internal

// The server. Thread-safe: civetweb runs each request (and each watch) on its own thread.
class ApiServer::Impl {
 public:
  explicit Impl(ApiServerOptions options)
      : options_(std::move(options)),
        journal_(OpenJournal(options_.data_dir, &journal_error_)),
        store_({.history = options_.watch_history,
                .watcher_buffer = options_.watch_buffer,
                .clock = options_.clock,
                .journal = journal_.get()}) {}

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
  RawResponse ServeWithoutHttp(const std::string& method, const std::string& target,
                               const std::map<std::string, std::string>& headers, const std::string& body);
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
  using Response = internal::Response;
  using ResourceInfo = internal::ResourceInfo;
  using StoredObject = internal::StoredObject;

  struct Request {
    mg_connection* conn = nullptr;
    std::string method;
    std::string path;
    std::map<std::string, std::string> query;
    std::string body;
    std::string content_type;
    std::string accept;
    std::string user_agent;
    std::string authorization;
    // Warnings for the client (unknown fields kept out of the object), sent as Warning headers.
    std::vector<std::string> warnings;

    // The query parameter, or "".
    std::string Query(const char* key) const {
      auto it = query.find(key);
      return it == query.end() ? "" : it->second;
    }
  };
  struct Target {
    std::shared_ptr<const ResourceInfo> info;
    std::string ns;
    std::string name;
    std::string sub;
    bool legacy_watch = false;
  };

  // The request handler: Serve on a thread with a large stack (see large_stack.h).
  static int Dispatch(mg_connection* conn, void* self);
  int Serve(mg_connection* conn);
  void Send(mg_connection* conn, const Response& r);

  // Serves a parsed request: the response, or the watch to stream in `watch`.
  Response Handle(Request& req, std::optional<Target>* watch);
  Response Route(Request& req, std::string* verb, std::optional<Target>* watch_target);
  absl::StatusOr<Target> ResolveResource(const std::string& group, const std::string& version,
                                         std::vector<std::string> rest);
  std::string VerbOf(const std::string& method, const Target& t, const Request& req) const;
  std::optional<Response> InjectedFailure(const std::string& verb, const std::string& path);

  absl::StatusOr<Response> Get(const Target& t, const Request& req);
  Json TableOf(const ResourceInfo& info, const std::vector<const Json*>& objects, const Json& list_meta,
               const Request& req);
  // Watch events with their objects in another representation: Tables of one row (kubectl
  // get -w) or PartialObjectMetadata (metadata-only informers).
  std::string ConvertEvents(const ResourceInfo& info, const std::string& lines, const Request& req,
                            internal::Representation rep);
  absl::StatusOr<Response> List(const Target& t, const Request& req);
  absl::StatusOr<Response> Create(const Target& t, Request& req);
  absl::StatusOr<Response> Update(const Target& t, Request& req);
  absl::StatusOr<Response> Patch(const Target& t, Request& req);
  absl::StatusOr<Response> Apply(const Target& t, Request& req);
  absl::StatusOr<Response> Delete(const Target& t, Request& req);
  // `patch` (of media type `type`) applied to `current`; 415 for a type the resource does
  // not take (strategic merge patch on custom resources).
  absl::StatusOr<Json> ApplyPatch(const ResourceInfo& info, const std::string& type, const Json& current,
                                  const Json& patch, const Json* schema) const;
  // The scale subresource (autoscaling/v1 Scale): GET, PUT and PATCH of .../<name>/scale.
  absl::StatusOr<Response> Scale(const Target& t, Request& req);
  // TokenReview, SelfSubjectReview and the access reviews (internal/review.cc).
  absl::StatusOr<Response> Review(const Target& t, Request& req);
  // The user a request's bearer token stands for; the server's anonymous administrator when it
  // authenticates nobody.
  internal::UserInfo UserOf(const Request& req) const;
  // The user of a bearer token: a token-file or kubeconfig token, or a service account token
  // this server issued that has not expired and whose service account still exists.
  std::optional<internal::UserInfo> Authenticate(const std::string& token) const;
  // serviceaccounts/<name>/token: a TokenRequest (kubectl create token).
  absl::StatusOr<Response> CreateToken(const Target& t, Request& req);
  absl::StatusOr<Response> DeleteCollection(const Target& t, Request& req);
  void ServeWatch(const Target& t, const Request& req);
  Response Admin(const Request& req);
  // GET /openapi/v2 and /openapi/v3[/<group-version path>].
  Response OpenApi(const Request& req, const std::vector<std::string>& segments);
  // The documents for what is served now, rebuilt after the registry changed.
  std::shared_ptr<const internal::OpenApiDocuments> OpenApiDocs();

  absl::StatusOr<Object> DecodeBody(const Target& t, const std::string& body) const;
  absl::StatusOr<bool> DryRun(const Request& req) const;
  // 415 for a body that is not JSON or YAML (Kubernetes protobuf included).
  absl::Status CheckBodyType(const Request& req) const;
  absl::StatusOr<internal::ListOptions> ParseListOptions(const Target& t, const Request& req) const;
  std::string EncodeFor(const ResourceInfo& info, const StoredObject& s, bool as_item) const;
  absl::Status AfterWrite(const ResourceInfo& info, const StoredObject& s, bool deleted);
  // What every write goes through before it is stored, as kube-apiserver's decoding,
  // defaulting and validation: unknown fields dropped (an error under
  // fieldValidation=Strict, a warning under Warn), defaults filled in, the object validated
  // (422 Invalid with field causes; 400 for values of the wrong type on built-in kinds).
  // `old` is the stored object on updates, null on create.
  absl::Status Admit(const ResourceInfo& info, Object& obj, const Object* old, Request& req);
  absl::StatusOr<internal::FieldValidation> FieldValidationOf(const Request& req) const;
  // ---- the garbage collector (internal/gc.cc) ----
  // Where a dependent is: enough to find it again.
  struct DependentKey {
    std::string group, plural, ns, name;
    auto operator<=>(const DependentKey&) const = default;
  };
  struct Dependent {
    std::shared_ptr<const ResourceInfo> info;
    StoredObject object;
    bool blocks_owner;  // its reference to the owner has blockOwnerDeletion: true
  };
  // Records the owners `obj` names, so that their deletion finds it.
  void NoteOwners(const ResourceInfo& info, const Object& obj);
  // The objects that name `uid` as an owner now.
  std::vector<Dependent> DependentsOf(const std::string& uid);
  // Deletes (background) or un-owns (orphan, or another owner alive) the dependents of a
  // vanished owner.
  void CollectGarbage(const std::string& uid, bool orphan);
  bool OwnerExists(const Json& ref, const std::string& ns);
  // Deletes an object whose owners are all gone, right after it was written.
  void CollectIfOrphaned(const ResourceInfo& info, const StoredObject& s);
  // Deletes the dependents of an owner being deleted in the foreground, then releases the
  // owner once nothing blocks it.
  void DeleteDependentsInForeground(const ResourceInfo& info, const Object& owner);
  void FinishForegroundIfUnblocked(const std::string& uid);
  // What the collector does after any write: collect the dependents of a deleted object, and
  // release foreground owners no longer blocked.
  void GarbageCollectAfterWrite(const StoredObject& s, bool deleted);
  std::shared_ptr<const ResourceInfo> ResourceOf(const std::string& group, const std::string& plural);

  // The namespace controller (namespaces.cc): a Namespace being deleted is emptied (its
  // objects deleted, their finalizers honoured), its status conditions kept as upstream's
  // controller keeps them, its "kubernetes" finalizer removed once nothing is left, and then
  // it goes. Runs synchronously after the writes that can move it on; one pass at a time per
  // namespace (a write during a pass asks for another).
  void SyncNamespace(const std::string& name);
  void SyncNamespaceIfTerminating(const std::string& name);
  void SyncNamespaceOnce(const std::string& name);
  kop::Mutex ns_mu_;  // guards ns_syncing_ and ns_dirty_
  std::set<std::string> ns_syncing_ ABSL_GUARDED_BY(ns_mu_);
  std::set<std::string> ns_dirty_ ABSL_GUARDED_BY(ns_mu_);

  kop::Mutex gc_mu_;  // guards dependents_, orphaning_ and foreground_
  // Owner uid -> objects that named it as owner when written (hints: checked before use).
  std::map<std::string, std::set<DependentKey>> dependents_ ABSL_GUARDED_BY(gc_mu_);
  // Deletes asked for with propagationPolicy Orphan, by uid, until the object is gone.
  std::set<std::string> orphaning_ ABSL_GUARDED_BY(gc_mu_);
  // Owners being deleted in the foreground, by uid.
  std::map<std::string, DependentKey> foreground_ ABSL_GUARDED_BY(gc_mu_);
  // `track`: record the creator in managedFields (an apply has already).
  absl::StatusOr<StoredObject> CreateStored(const ResourceInfo& info, Object obj, bool dry_run, Request& req,
                                            bool track);
  // Records a write (create, update, patch) in managedFields as operation Update by the
  // request's field manager (the fieldManager parameter, or the User-Agent's product).
  void TrackWrite(const ResourceInfo& info, const Object* before, Object& after, const Request& req,
                  const std::string& subresource);

  // The journal for --data-dir (null without one); an error opening it is kept for Start.
  static std::unique_ptr<internal::Journal> OpenJournal(const std::string& dir, absl::Status* error);
  // Loads what the data dir holds, before serving.
  absl::Status RestoreFromJournal();

  const ApiServerOptions options_;
  internal::Registry registry_;
  absl::Status journal_error_;
  std::unique_ptr<internal::Journal> journal_;  // declared before store_, which uses it
  internal::Store store_;
  mg_context* ctx_ = nullptr;
  int port_ = 0;
  internal::TlsMaterial tls_;
  std::string token_;                 // the token the kubeconfig carries
  // Every accepted bearer token and its user; empty: no authentication.
  std::map<std::string, internal::UserInfo> tokens_;
  std::string token_key_;  // signs service account tokens (HMAC-SHA256); random per server
  std::string tls_file_;  // serving certificate and key, as civetweb reads them
  std::atomic<bool> stopping_{false};

  kop::Mutex faults_mu_;   // guards rules_ and stalled_
  kop::CondVar unstalled_;  // signalled when stalled_ clears
  std::vector<FailureRule> rules_ ABSL_GUARDED_BY(faults_mu_);
  bool stalled_ ABSL_GUARDED_BY(faults_mu_) = false;
  std::atomic<int64_t> latency_ms_{0};

  kop::Mutex openapi_mu_;  // guards openapi_ and openapi_generation_
  std::shared_ptr<const internal::OpenApiDocuments> openapi_ ABSL_GUARDED_BY(openapi_mu_);
  uint64_t openapi_generation_ ABSL_GUARDED_BY(openapi_mu_) = 0;
};

}  // namespace kop::testing

#endif  // KOP_TESTING_INTERNAL_SERVER_H_
