#include "kop/client/client.h"

#include <deque>

#include "kop/base/status_macros.h"
#include "kop/base/strings.h"

namespace kop::client {
namespace {

constexpr char kMetadataListAccept[] =
    "application/json;as=PartialObjectMetadataList;g=meta.k8s.io;v=v1,application/json";
constexpr char kMetadataAccept[] =
    "application/json;as=PartialObjectMetadata;g=meta.k8s.io;v=v1,application/json";

void AddParam(std::string* query, const char* key, const std::string& value) {
  if (value.empty()) return;
  *query += query->empty() ? '?' : '&';
  *query += key;
  *query += '=';
  *query += QueryEscape(value);
}

absl::StatusOr<Object> DecodeObject(const HttpResponse& r, std::string_view what) {
  if (r.code < 200 || r.code > 299) return ApiErrorFromResponse(r.code, r.body);
  absl::StatusOr<Object> obj = Object::ParseCompact(r.body);
  if (!obj.ok()) {
    return absl::InternalError(kop::StrCat(what, ": the server's answer is not an object: ",
                                           obj.status().message()));
  }
  return obj;
}

class WatchStreamImpl final : public WatchStream {
 public:
  struct State {
    kop::Mutex mu;
    kop::CondVar cv;  // signalled when events arrive or the stream ends
    std::deque<WatchEvent> events ABSL_GUARDED_BY(mu);
    bool ended ABSL_GUARDED_BY(mu) = false;
    absl::Status status ABSL_GUARDED_BY(mu);
  };

  explicit WatchStreamImpl(std::shared_ptr<State> state) : state_(std::move(state)) {}
  ~WatchStreamImpl() override { Close(); }

  void Attach(std::unique_ptr<Stream> stream) { stream_ = std::move(stream); }

  std::optional<WatchEvent> Next(std::chrono::milliseconds timeout) override {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    kop::MutexLock lock(&state_->mu);
    while (state_->events.empty() && !state_->ended) {
      if (!state_->cv.WaitUntil(&state_->mu, deadline)) break;
    }
    if (state_->events.empty()) return std::nullopt;
    WatchEvent e = std::move(state_->events.front());
    state_->events.pop_front();
    return e;
  }

  bool ended() override {
    kop::MutexLock lock(&state_->mu);
    return state_->ended && state_->events.empty();
  }

  absl::Status status() override {
    kop::MutexLock lock(&state_->mu);
    return state_->status;
  }

  void Close() override {
    if (stream_ != nullptr) stream_->Cancel();
    kop::MutexLock lock(&state_->mu);
    if (!state_->ended) {
      state_->ended = true;
      state_->status = absl::CancelledError("watch closed");
    }
    state_->cv.SignalAll();
  }

 private:
  std::shared_ptr<State> state_;
  std::unique_ptr<Stream> stream_;
};

}  // namespace

std::string QueryEscape(const std::string& value) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : value) {
    if (isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~') {
      out += static_cast<char>(c);
    } else {
      out += '%';
      out += kHex[c >> 4];
      out += kHex[c & 15];
    }
  }
  return out;
}

ResourceClient::ResourceClient(std::shared_ptr<Transport> transport, GroupVersionResource gvr,
                               bool namespaced, std::string ns)
    : transport_(std::move(transport)), gvr_(std::move(gvr)), namespaced_(namespaced), ns_(std::move(ns)) {}

ResourceClient ResourceClient::Namespace(std::string ns) const {
  return ResourceClient(transport_, gvr_, namespaced_, std::move(ns));
}

std::string ResourceClient::Path(const std::string& name, const std::string& subresource) const {
  std::string p = gvr_.group.empty() ? kop::StrCat("/api/", gvr_.version)
                                     : kop::StrCat("/apis/", gvr_.group, "/", gvr_.version);
  if (namespaced_ && !ns_.empty()) p += kop::StrCat("/namespaces/", ns_);
  p += "/" + gvr_.resource;
  if (!name.empty()) p += "/" + name;
  if (!subresource.empty()) p += "/" + subresource;
  return p;
}

absl::StatusOr<Object> ResourceClient::Send(const std::string& method, const std::string& path,
                                            const std::string& content_type,
                                            const std::string& body,
                                            const std::string& accept) const {
  KOP_ASSIGN_OR_RETURN(HttpResponse r, transport_->Do({.method = method,
                                                       .path = path,
                                                       .body = body,
                                                       .content_type = content_type,
                                                       .accept = accept}));
  return DecodeObject(r, kop::StrCat(method, " ", path));
}

absl::StatusOr<Object> ResourceClient::Get(const std::string& name, const GetOptions& options) const {
  if (name.empty()) return absl::InvalidArgumentError("Get: empty name");
  std::string query;
  AddParam(&query, "resourceVersion", options.resource_version);
  return Send("GET", Path(name) + query, "", "");
}

absl::StatusOr<ObjectList> ResourceClient::List(const ListOptions& options) const {
  std::string query;
  AddParam(&query, "labelSelector", options.label_selector);
  AddParam(&query, "fieldSelector", options.field_selector);
  if (options.limit > 0) AddParam(&query, "limit", std::to_string(options.limit));
  AddParam(&query, "continue", options.continue_token);
  AddParam(&query, "resourceVersion", options.resource_version);
  AddParam(&query, "resourceVersionMatch", options.resource_version_match);
  const std::string path = Path() + query;
  KOP_ASSIGN_OR_RETURN(HttpResponse r,
                       transport_->Do({.method = "GET",
                                       .path = path,
                                       .accept = options.metadata_only ? kMetadataListAccept
                                                                       : "application/json"}));
  if (r.code != 200) return ApiErrorFromResponse(r.code, r.body);
  absl::StatusOr<Json> j = ParseJson(r.body);
  if (!j.ok() || !j->is_object() || !j->value("items", Json()).is_array()) {
    return absl::InternalError(kop::StrCat("GET ", path, ": the answer is not a list"));
  }
  ObjectList list;
  const Json& meta = j->value("metadata", Json::object());
  list.resource_version = meta.value("resourceVersion", "");
  list.continue_token = meta.value("continue", "");
  if (auto rem = meta.find("remainingItemCount"); rem != meta.end() && rem->is_number_integer()) {
    list.remaining_item_count = rem->get<int64_t>();
  }
  // Items of built-in lists carry no apiVersion/kind; restore them from the list's.
  std::string kind = j->value("kind", "");
  if (kind.size() > 4 && kind.compare(kind.size() - 4, 4, "List") == 0) kind.resize(kind.size() - 4);
  const std::string api_version = j->value("apiVersion", gvr_.group_version().ToString());
  Json& items = (*j)["items"];
  list.items.reserve(items.size());
  for (Json& item : items) {
    if (!item.is_object()) return absl::InternalError(kop::StrCat("GET ", path, ": a list item is not an object"));
    if (!item.contains("kind") && !kind.empty() && kind != "PartialObjectMetadata") item["kind"] = kind;
    if (!item.contains("apiVersion")) item["apiVersion"] = api_version;
    list.items.emplace_back(std::move(item));
  }
  return list;
}

absl::StatusOr<ObjectList> ResourceClient::ListAll(ListOptions options,
                                                   const std::function<void(Object&)>& each) const {
  if (options.limit <= 0) options.limit = 500;
  ObjectList all;
  bool first = true;
  do {
    KOP_ASSIGN_OR_RETURN(ObjectList page, List(options));
    if (first) {
      all.resource_version = page.resource_version;
      first = false;
      options.resource_version.clear();  // not allowed together with continue
      options.resource_version_match.clear();
    }
    for (Object& o : page.items) {
      if (each) each(o);
      all.items.push_back(std::move(o));
    }
    options.continue_token = page.continue_token;
  } while (!options.continue_token.empty());
  return all;
}

std::unique_ptr<Stream> ResourceClient::WatchEach(const WatchOptions& options,
                                                  std::function<bool(std::vector<WatchEvent>&)> on_events,
                                                  std::function<void(absl::Status)> on_end) const {
  std::string query = "?watch=true";
  if (options.allow_bookmarks) query += "&allowWatchBookmarks=true";
  AddParam(&query, "labelSelector", options.label_selector);
  AddParam(&query, "fieldSelector", options.field_selector);
  AddParam(&query, "resourceVersion", options.resource_version);
  if (options.timeout_seconds.has_value()) {
    AddParam(&query, "timeoutSeconds", std::to_string(*options.timeout_seconds));
  }
  // Touched only by the transport's callbacks, which run one at a time on its loop thread (or
  // once, on this thread, when the request fails before it starts): no lock.
  struct Decoding {
    WatchDecoder decoder;
    std::vector<WatchEvent> events;
    absl::Status error;  // a malformed body, which stopped the stream
  };
  auto d = std::make_shared<Decoding>();
  if (options.compact) d->decoder.DecodeCompact(options.compact_omit);
  auto on_data = [d, on_events = std::move(on_events)](std::string_view bytes) {
    d->events.clear();
    absl::Status s = d->decoder.Feed(bytes, &d->events);
    // The events before a malformed one are delivered first.
    if (!d->events.empty() && !on_events(d->events)) return false;
    if (!s.ok()) {
      d->error = std::move(s);
      return false;
    }
    return true;
  };
  auto on_done = [d, on_end = std::move(on_end)](absl::Status s) {
    if (!d->error.ok()) {
      s = d->error;  // the transport reports the stop it caused as CANCELLED
    } else if (s.ok()) {
      s = d->decoder.Finish();
    }
    on_end(std::move(s));
  };
  return transport_->OpenStream(
      {.method = "GET",
       .path = Path() + query,
       .accept = options.metadata_only ? kMetadataAccept : "application/json"},
      std::move(on_data), std::move(on_done), options.idle_timeout);
}

absl::StatusOr<std::unique_ptr<WatchStream>> ResourceClient::Watch(const WatchOptions& options) const {
  auto state = std::make_shared<WatchStreamImpl::State>();
  auto stream = std::make_unique<WatchStreamImpl>(state);
  auto on_events = [state](std::vector<WatchEvent>& events) {
    {
      kop::MutexLock lock(&state->mu);
      if (state->ended) return false;  // closed by the reader
      for (WatchEvent& e : events) state->events.push_back(std::move(e));
    }
    state->cv.SignalAll();
    return true;
  };
  auto on_end = [state](absl::Status s) {
    {
      kop::MutexLock lock(&state->mu);
      if (!state->ended) {
        state->status = std::move(s);
        state->ended = true;
      }
    }
    state->cv.SignalAll();
  };
  stream->Attach(WatchEach(options, std::move(on_events), std::move(on_end)));
  return std::unique_ptr<WatchStream>(std::move(stream));
}

namespace {
std::string WriteQuery(bool dry_run, const std::string& field_manager) {
  std::string q;
  if (dry_run) AddParam(&q, "dryRun", "All");
  AddParam(&q, "fieldManager", field_manager);
  return q;
}
}  // namespace

absl::StatusOr<Object> ResourceClient::Create(const Object& obj, const WriteOptions& options) const {
  return Send("POST", Path() + WriteQuery(options.dry_run, options.field_manager),
              "application/json", obj.Dump());
}

absl::StatusOr<Object> ResourceClient::Update(const Object& obj, const WriteOptions& options) const {
  if (obj.name().empty()) return absl::InvalidArgumentError("Update: the object has no name");
  return Send("PUT",
              Path(std::string(obj.name())) + WriteQuery(options.dry_run, options.field_manager),
              "application/json", obj.Dump());
}

absl::StatusOr<Object> ResourceClient::UpdateStatus(const Object& obj, const WriteOptions& options) const {
  if (obj.name().empty()) return absl::InvalidArgumentError("UpdateStatus: the object has no name");
  return Send(
      "PUT",
      Path(std::string(obj.name()), "status") + WriteQuery(options.dry_run, options.field_manager),
      "application/json", obj.Dump());
}

absl::StatusOr<Object> ResourceClient::Patch(const std::string& name, PatchType type,
                                             const std::string& patch, const PatchOptions& options,
                                             const std::string& subresource) const {
  const char* content_type = "application/merge-patch+json";
  switch (type) {
    case PatchType::kMerge: break;
    case PatchType::kJson: content_type = "application/json-patch+json"; break;
    case PatchType::kStrategicMerge: content_type = "application/strategic-merge-patch+json"; break;
    case PatchType::kApply: content_type = "application/apply-patch+yaml"; break;
  }
  std::string query = WriteQuery(options.dry_run, options.field_manager);
  if (options.force) AddParam(&query, "force", "true");
  return Send("PATCH", Path(name, subresource) + query, content_type, patch);
}

absl::StatusOr<Object> ResourceClient::Apply(const Object& obj, const std::string& field_manager,
                                             bool force) const {
  if (field_manager.empty()) return absl::InvalidArgumentError("Apply: a field manager is required");
  return Patch(std::string(obj.name()), PatchType::kApply, obj.Dump(),
               {.field_manager = field_manager, .force = force});
}

namespace {
std::string DeleteBody(const DeleteOptions& o) {
  Json body = {{"kind", "DeleteOptions"}, {"apiVersion", "v1"}};
  if (!o.propagation_policy.empty()) body["propagationPolicy"] = o.propagation_policy;
  if (o.grace_period_seconds.has_value()) body["gracePeriodSeconds"] = *o.grace_period_seconds;
  if (!o.precondition_uid.empty()) body["preconditions"]["uid"] = o.precondition_uid;
  if (!o.precondition_resource_version.empty()) {
    body["preconditions"]["resourceVersion"] = o.precondition_resource_version;
  }
  if (o.dry_run) body["dryRun"] = {"All"};
  return DumpJson(body);
}
}  // namespace

absl::Status ResourceClient::Delete(const std::string& name, const DeleteOptions& options) const {
  if (name.empty()) return absl::InvalidArgumentError("Delete: empty name");
  KOP_ASSIGN_OR_RETURN(HttpResponse r, transport_->Do({.method = "DELETE",
                                                       .path = Path(name),
                                                       .body = DeleteBody(options),
                                                       .content_type = "application/json"}));
  if (r.code < 200 || r.code > 299) return ApiErrorFromResponse(r.code, r.body);
  return absl::OkStatus();
}

absl::Status ResourceClient::DeleteCollection(const ListOptions& selection,
                                              const DeleteOptions& options) const {
  std::string query;
  AddParam(&query, "labelSelector", selection.label_selector);
  AddParam(&query, "fieldSelector", selection.field_selector);
  KOP_ASSIGN_OR_RETURN(HttpResponse r, transport_->Do({.method = "DELETE",
                                                       .path = Path() + query,
                                                       .body = DeleteBody(options),
                                                       .content_type = "application/json"}));
  if (r.code < 200 || r.code > 299) return ApiErrorFromResponse(r.code, r.body);
  return absl::OkStatus();
}

std::unique_ptr<Client> Client::ForTransport(std::shared_ptr<Transport> transport,
                                             RestMapperOptions discovery) {
  auto mapper = std::make_unique<RestMapper>(transport, std::move(discovery));
  return std::unique_ptr<Client>(new Client(std::move(transport), std::move(mapper)));
}

absl::StatusOr<std::unique_ptr<Client>> Client::Create(const Config& config,
                                                       RestMapperOptions discovery) {
  KOP_ASSIGN_OR_RETURN(std::unique_ptr<Transport> transport, Transport::Create(config));
  std::shared_ptr<Transport> shared = std::move(transport);
  auto mapper = std::make_unique<RestMapper>(shared, std::move(discovery));
  return std::unique_ptr<Client>(new Client(std::move(shared), std::move(mapper)));
}

ResourceClient Client::Resource(const GroupVersionResource& gvr, bool namespaced) const {
  return ResourceClient(transport_, gvr, namespaced);
}

absl::StatusOr<ResourceClient> Client::ForKind(const GroupVersionKind& gvk) const {
  KOP_ASSIGN_OR_RETURN(RestMapping m, mapper_->ForKind(gvk));
  return ResourceClient(transport_, m.gvr, m.namespaced);
}

absl::StatusOr<ResourceClient> Client::ResourceOf(const Object& obj) const {
  KOP_ASSIGN_OR_RETURN(GroupVersionKind gvk, obj.gvk());
  KOP_ASSIGN_OR_RETURN(ResourceClient r, ForKind(gvk));
  return r.namespaced() ? r.Namespace(std::string(obj.namespace_())) : r;
}

absl::StatusOr<ObjectPtr> Client::DoGet(const GroupVersionKind& gvk, const ObjectKey& key) {
  KOP_ASSIGN_OR_RETURN(ResourceClient r, ForKind(gvk));
  if (r.namespaced()) r = r.Namespace(key.namespace_);
  KOP_ASSIGN_OR_RETURN(Object obj, r.Get(key.name));
  return std::make_shared<const Object>(std::move(obj));
}

absl::StatusOr<std::vector<ObjectPtr>> Client::DoList(const GroupVersionKind& gvk, std::string_view ns,
                                                      const LabelSelector& selector) {
  KOP_ASSIGN_OR_RETURN(ResourceClient r, ForKind(gvk));
  if (r.namespaced() && !ns.empty()) r = r.Namespace(std::string(ns));
  KOP_ASSIGN_OR_RETURN(ObjectList list, r.ListAll({.label_selector = selector.ToString()}));
  std::vector<ObjectPtr> out;
  out.reserve(list.items.size());
  for (Object& o : list.items) out.push_back(std::make_shared<const Object>(std::move(o)));
  return out;
}

absl::StatusOr<Object> Client::DoCreate(const Object& obj) {
  KOP_ASSIGN_OR_RETURN(ResourceClient r, ResourceOf(obj));
  return r.Create(obj);
}

absl::StatusOr<Object> Client::DoUpdate(const Object& obj) {
  KOP_ASSIGN_OR_RETURN(ResourceClient r, ResourceOf(obj));
  return r.Update(obj);
}

absl::StatusOr<Object> Client::DoPatch(const Object& obj, PatchType type, const std::string& patch) {
  KOP_ASSIGN_OR_RETURN(ResourceClient r, ResourceOf(obj));
  return r.Patch(std::string(obj.name()), type, patch);
}

absl::StatusOr<Object> Client::DoApply(const Object& obj, const std::string& field_manager, bool force) {
  KOP_ASSIGN_OR_RETURN(ResourceClient r, ResourceOf(obj));
  return r.Apply(obj, field_manager, force);
}

absl::Status Client::DoDelete(const Object& obj, const DeleteOptions& options) {
  KOP_ASSIGN_OR_RETURN(ResourceClient r, ResourceOf(obj));
  return r.Delete(std::string(obj.name()), options);
}

absl::Status Client::DoDeleteAllOf(const GroupVersionKind& gvk, std::string_view ns, const LabelSelector& selector,
                                   const DeleteOptions& options) {
  KOP_ASSIGN_OR_RETURN(ResourceClient r, ForKind(gvk));
  if (r.namespaced() && !ns.empty()) r = r.Namespace(std::string(ns));
  return r.DeleteCollection({.label_selector = selector.ToString()}, options);
}

absl::StatusOr<Object> Client::StatusClient::Update(const Object& obj) {
  KOP_ASSIGN_OR_RETURN(ResourceClient r, client_.ResourceOf(obj));
  return r.UpdateStatus(obj);
}

absl::StatusOr<Object> Client::StatusClient::Patch(const Object& obj, PatchType type, const std::string& patch) {
  KOP_ASSIGN_OR_RETURN(ResourceClient r, client_.ResourceOf(obj));
  return r.Patch(std::string(obj.name()), type, patch, {}, "status");
}

}  // namespace kop::client
