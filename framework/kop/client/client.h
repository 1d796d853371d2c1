// kop/client: talking to a Kubernetes API server.
//
// Start from Client: it owns the Transport (one event-loop thread, HTTP/2 where offered) and
// the RestMapper (discovery), and hands out ResourceClients for a resource, which carry the
// verbs. Every answer that is not a success is an absl::Status with the server's Status kept
// (kop::IsNotFound, kop::IsConflict, ... in kop/client/errors.h).
//
//   KOP_ASSIGN_OR_RETURN(auto config, kop::client::LoadConfig());
//   KOP_ASSIGN_OR_RETURN(auto client, kop::client::Client::Create(config));
//   kop::client::ResourceClient cms = client->Resource({"", "v1", "configmaps"}, true).Namespace("default");
//   KOP_ASSIGN_OR_RETURN(kop::Object cm, cms.Get("settings"));
//   KOP_ASSIGN_OR_RETURN(auto watch, cms.Watch({.resource_version = cm.resource_version()}));
//   while (auto event = watch->Next(std::chrono::seconds(30))) { ... }
//
// Thread-safe: Client and ResourceClient may be used from any thread.
#ifndef KOP_CLIENT_CLIENT_H_
#define KOP_CLIENT_CLIENT_H_

#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "kop/api/group_version.h"
#include "kop/api/object.h"
#include "kop/client/config.h"
#include "kop/client/errors.h"
#include "kop/client/object_client.h"
#include "kop/client/rest_mapper.h"
#include "kop/client/transport.h"
#include "kop/client/watch_decoder.h"

namespace kop::client {

struct GetOptions {
  std::string resource_version;
};

struct ListOptions {
  std::string label_selector;
  std::string field_selector;
  int64_t limit = 0;
  std::string continue_token;
  std::string resource_version;
  std::string resource_version_match;  // "", "NotOlderThan", "Exact"
  // PartialObjectMetadataList: only apiVersion, kind and metadata of each object.
  bool metadata_only = false;
};

struct ObjectList {
  std::vector<Object> items;
  std::string resource_version;
  std::string continue_token;
  std::optional<int64_t> remaining_item_count;
};

struct WatchOptions {
  std::string label_selector;
  std::string field_selector;
  std::string resource_version;  // "" or "0": start with ADDED for every current object
  bool allow_bookmarks = true;
  std::optional<int64_t> timeout_seconds;
  bool metadata_only = false;
  // End the watch when no byte arrives for this long (0: never). Bookmarks keep a healthy
  // watch busy, so a stalled connection is noticed.
  std::chrono::milliseconds idle_timeout{0};
  // Decode objects straight into the compact form (Object::is_compact()), with no JSON tree
  // in between: about half the decoding work, for consumers that store what they receive (an
  // informer's cache). `compact_omit` lists members to leave out, as paths of keys under the
  // object ({{"metadata", "managedFields"}}).
  bool compact = false;
  std::vector<std::vector<std::string>> compact_omit;
};

struct WriteOptions {
  bool dry_run = false;
  std::string field_manager;
};

struct PatchOptions {
  bool dry_run = false;
  std::string field_manager;  // required by server-side apply
  bool force = false;         // server-side apply: take fields from other managers
};

// The events of one watch, decoded as they arrive. Thread-safe.
class WatchStream {
 public:
  virtual ~WatchStream() = default;
  // The next event; nullopt when the stream ended (see status()) or `timeout` passed first
  // (then ended() is false).
  virtual std::optional<WatchEvent> Next(std::chrono::milliseconds timeout) = 0;
  virtual bool ended() = 0;
  // Why the stream ended: OK when the server closed it cleanly; an API error (such as a 410),
  // a transport error, DataLoss for a stream cut inside an event, InvalidArgument for a
  // malformed one, Cancelled after Close().
  virtual absl::Status status() = 0;
  // Stops the stream from any thread; pending Next calls return promptly.
  virtual void Close() = 0;
};

// The verbs on one resource, optionally in one namespace. Cheap to copy.
class ResourceClient {
 public:
  ResourceClient(std::shared_ptr<Transport> transport, GroupVersionResource gvr, bool namespaced,
                 std::string ns = "");

  // A copy scoped to namespace `ns` ("" = all namespaces, for list and watch).
  ResourceClient Namespace(std::string ns) const;

  absl::StatusOr<Object> Get(const std::string& name, const GetOptions& options = {}) const;
  absl::StatusOr<ObjectList> List(const ListOptions& options = {}) const;
  // Walks every page (limit per page from options, default 500) and returns all items with
  // the first page's resourceVersion. A 410 on a continue restarts nothing: it is returned.
  // `each`, when set, runs on every item as its page arrives, before the next page is asked
  // for (to shrink items while a large list is collected).
  absl::StatusOr<ObjectList> ListAll(ListOptions options = {},
                                     const std::function<void(Object&)>& each = {}) const;
  absl::StatusOr<std::unique_ptr<WatchStream>> Watch(const WatchOptions& options = {}) const;
  // The same watch, pushed instead of pulled. `on_events` gets the events decoded from each
  // piece of the body as it arrives, in order, on the transport's event-loop thread (so it must
  // not block: every watch of this client waits behind it); it may move from them, and returns
  // false to stop the watch. `on_end` runs exactly once, after the last `on_events`, with the
  // status WatchStream::status() would give (CANCELLED after Stream::Cancel() or a false from
  // `on_events`). When the request cannot be made at all, `on_end` runs on the calling thread
  // before this returns null. Destroying the returned stream cancels it.
  std::unique_ptr<Stream> WatchEach(const WatchOptions& options,
                                    std::function<bool(std::vector<WatchEvent>&)> on_events,
                                    std::function<void(absl::Status)> on_end) const;

  absl::StatusOr<Object> Create(const Object& obj, const WriteOptions& options = {}) const;
  absl::StatusOr<Object> Update(const Object& obj, const WriteOptions& options = {}) const;
  absl::StatusOr<Object> UpdateStatus(const Object& obj, const WriteOptions& options = {}) const;
  absl::StatusOr<Object> Patch(const std::string& name, PatchType type, const std::string& patch,
                               const PatchOptions& options = {},
                               const std::string& subresource = "") const;
  // Server-side apply of `obj` (application/apply-patch+yaml; JSON is valid YAML).
  absl::StatusOr<Object> Apply(const Object& obj, const std::string& field_manager,
                               bool force = false) const;
  absl::Status Delete(const std::string& name, const DeleteOptions& options = {}) const;
  absl::Status DeleteCollection(const ListOptions& selection, const DeleteOptions& options = {}) const;

  const GroupVersionResource& gvr() const { return gvr_; }
  bool namespaced() const { return namespaced_; }
  const std::string& namespace_() const { return ns_; }
  // "/api/v1/namespaces/default/configmaps[/name[/sub]]".
  std::string Path(const std::string& name = "", const std::string& subresource = "") const;

 private:
  absl::StatusOr<Object> Send(const std::string& method, const std::string& path,
                              const std::string& content_type, const std::string& body,
                              const std::string& accept = "application/json") const;

  std::shared_ptr<Transport> transport_;
  GroupVersionResource gvr_;
  bool namespaced_;
  std::string ns_;
};

// Also an ObjectClient: Get/List by kind read the API server (live, never cached), and the
// writes find the resource of the object's kind through discovery.
class Client : public ObjectClient {
 public:
  // `discovery`: the RestMapper's options (a disk cache for command-line tools).
  static absl::StatusOr<std::unique_ptr<Client>> Create(const Config& config,
                                                        RestMapperOptions discovery = {});
  using Writer::Create;  // Create(const Object&), beside the factory above
  // A client over a transport of the caller's (a substitute in unit tests, a transport
  // shared with another client).
  static std::unique_ptr<Client> ForTransport(std::shared_ptr<Transport> transport,
                                              RestMapperOptions discovery = {});

  // The resource named explicitly (no discovery).
  ResourceClient Resource(const GroupVersionResource& gvr, bool namespaced) const;
  // The resource serving `gvk`, found through discovery (refreshed once on a miss, so a CRD
  // installed after start is found). NotFound when no resource serves it.
  absl::StatusOr<ResourceClient> ForKind(const GroupVersionKind& gvk) const;

  // The resource of `obj`'s apiVersion and kind, in its namespace.
  absl::StatusOr<ResourceClient> ResourceOf(const Object& obj) const;

  RestMapper& mapper() const { return *mapper_; }
  Transport& transport() const { return *transport_; }
  const Config& config() const { return transport_->config(); }

  StatusWriter& Status() override { return status_; }

 private:
  class StatusClient : public StatusWriter {
   public:
    explicit StatusClient(Client& client) : client_(client) {}
    absl::StatusOr<Object> Update(const Object& obj) override;
    absl::StatusOr<Object> Patch(const Object& obj, PatchType type, const std::string& patch) override;

   private:
    Client& client_;
  };

  Client(std::shared_ptr<Transport> transport, std::unique_ptr<RestMapper> mapper)
      : transport_(std::move(transport)), mapper_(std::move(mapper)) {}

  absl::StatusOr<ObjectPtr> DoGet(const GroupVersionKind& gvk, const ObjectKey& key) override;
  absl::StatusOr<std::vector<ObjectPtr>> DoList(const GroupVersionKind& gvk, std::string_view ns,
                                                const LabelSelector& selector) override;
  absl::StatusOr<Object> DoCreate(const Object& obj) override;
  absl::StatusOr<Object> DoUpdate(const Object& obj) override;
  absl::StatusOr<Object> DoPatch(const Object& obj, PatchType type, const std::string& patch) override;
  absl::StatusOr<Object> DoApply(const Object& obj, const std::string& field_manager, bool force) override;
  absl::Status DoDelete(const Object& obj, const DeleteOptions& options) override;
  absl::Status DoDeleteAllOf(const GroupVersionKind& gvk, std::string_view ns, const LabelSelector& selector,
                             const DeleteOptions& options) override;

  std::shared_ptr<Transport> transport_;
  std::unique_ptr<RestMapper> mapper_;
  StatusClient status_{*this};
};

// Encodes a query parameter value.
std::string QueryEscape(const std::string& value);

}  // namespace kop::client

#endif  // KOP_CLIENT_CLIENT_H_
