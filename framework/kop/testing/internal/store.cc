#include "kop/testing/internal/store.h"

#include <algorithm>
#include <cstdio>

#include "absl/strings/escaping.h"
#include "kop/api/time.h"
#include "kop/base/status_macros.h"
#include "kop/base/strings.h"
#include "kop/testing/internal/builtin_types.h"
#include "kop/testing/internal/errors.h"
#include "kop/testing/internal/go_json.h"

namespace kop::testing::internal {
namespace {

constexpr size_t kMaxSnapshots = 64;

bool IsNamespaces(const ResourceInfo& info) { return info.group.empty() && info.plural == "namespaces"; }

// A Namespace's spec.finalizers keep it, Terminating, as metadata.finalizers keep any object.
bool HasSpecFinalizers(const ResourceInfo& info, const Object& obj) {
  if (!IsNamespaces(info)) return false;
  const Json* f = obj.Find({"spec", "finalizers"});
  return f != nullptr && f->is_array() && !f->empty();
}

ErrorSubject Subject(const ResourceInfo& info, const std::string& name) {
  return {info.group, info.plural, info.kind, name};
}

std::optional<uint64_t> ParseRv(const std::string& s) {
  if (s.empty() || s.size() > 20) return std::nullopt;
  uint64_t v = 0;
  for (char c : s) {
    if (c < '0' || c > '9') return std::nullopt;
    v = v * 10 + static_cast<uint64_t>(c - '0');
  }
  return v;
}

// The parts of an object that metadata.generation tracks: everything but metadata and status.
bool SpecEqual(const Json& a, const Json& b) {
  for (const auto& [k, v] : a.items()) {
    if (k == "metadata" || k == "status") continue;
    auto it = b.find(k);
    if (it == b.end() || *it != v) return false;
  }
  for (const auto& [k, v] : b.items()) {
    if (k == "metadata" || k == "status") continue;
    if (!a.contains(k)) return false;
  }
  return true;
}

void CopyMetadataField(const Object& from, Object& to, std::string_view field) {
  const Json* v = from.Find({"metadata", field});
  if (v == nullptr) {
    to.Remove({"metadata", field});
  } else {
    (void)to.Set({"metadata", field}, *v);
  }
}

}  // namespace

Store::Store(StoreOptions options)
    : options_(options),
      clock_(options.clock != nullptr ? *options.clock : RealClock()),
      rng_(std::random_device{}()) {}

uint64_t Store::CurrentRv() const {
  kop::MutexLock lock(&mu_);
  return rv_;
}

StoredObject Store::Stamp(const ResourceInfo& info, Object obj, uint64_t rv) const {
  if (rv != 0) obj.set_resource_version(std::to_string(rv));
  StoredObject s;
  s.rv = rv;
  if (info.custom || !obj.json().is_object()) {
    s.json = std::make_shared<const std::string>(DumpJson(obj.json()));
  } else {
    // Built-in list items carry no apiVersion/kind: each member is serialized once and both
    // encodings are assembled from the pieces (keys come sorted, as DumpJson writes them).
    std::string full = "{";
    std::string item = "{";
    for (const auto& [key, value] : obj.json().items()) {
      std::string member = DumpJson(Json(key));
      member += ':';
      member += DumpJson(value);
      if (full.size() > 1) full += ',';
      full += member;
      if (key != "apiVersion" && key != "kind") {
        if (item.size() > 1) item += ',';
        item += member;
      }
    }
    full += '}';
    item += '}';
    s.json = std::make_shared<const std::string>(std::move(full));
    s.item_json = std::make_shared<const std::string>(std::move(item));
  }
  s.obj = std::make_shared<const Object>(std::move(obj));
  return s;
}

std::string Store::NewUid() {
  const uint64_t hi = rng_();
  const uint64_t lo = rng_();
  char buf[37];
  std::snprintf(buf, sizeof buf, "%08x-%04x-4%03x-%04x-%012llx",
                static_cast<unsigned>(hi >> 32), static_cast<unsigned>((hi >> 16) & 0xffff),
                static_cast<unsigned>(hi & 0x0fff),
                static_cast<unsigned>(((lo >> 48) & 0x3fff) | 0x8000),
                static_cast<unsigned long long>(lo & 0xffffffffffffULL));
  return buf;
}

namespace {

std::string_view TypeName(EventType type) {
  switch (type) {
    case EventType::kAdded:
      return "ADDED";
    case EventType::kModified:
      return "MODIFIED";
    default:
      return "DELETED";
  }
}

}  // namespace

absl::Status Store::Record(EventType type, const std::string& storage_key, const StoredObject& object,
                           std::shared_ptr<const Object> prev) {
  if (options_.journal != nullptr) {
    const Object& o = *object.obj;
    absl::Status s = options_.journal->Commit(
        {.rv = object.rv,
         .type = std::string(TypeName(type)),
         .storage_key = storage_key,
         .object_key = KeyOf(std::string(o.namespace_()), std::string(o.name())),
         .json = *object.json,
         .prev_json = prev != nullptr ? DumpJson(prev->json()) : ""});
    if (!s.ok()) return s;
  }
  Change change{object.rv, type, storage_key, object, std::move(prev),
                Watcher::EncodeEvent(type, *object.json)};
  if (auto it = watchers_.find(storage_key); it != watchers_.end()) {
    for (const auto& w : it->second) {
      if (w->Deliver(change) && wakes_ != nullptr) wakes_->push_back(w);
    }
  }
  history_.push_back(std::move(change));
  while (history_.size() > options_.history) {
    compacted_rv_ = history_.front().rv;
    history_.pop_front();
  }
  if (options_.journal != nullptr && compacted_rv_ >= journal_compacted_rv_ + 1024) {
    // The journal's history follows the window, a batch at a time.
    if (options_.journal->Compact(compacted_rv_).ok()) journal_compacted_rv_ = compacted_rv_;
  }
  return absl::OkStatus();
}

absl::Status Store::Restore(
    const std::function<std::shared_ptr<const ResourceInfo>(const std::string&, const Object&)>& resolve) {
  if (options_.journal == nullptr) return absl::OkStatus();
  kop::MutexLock lock(&mu_);
  absl::Status bad = absl::OkStatus();
  auto parse = [&](const std::string& text) -> std::optional<Object> {
    absl::StatusOr<Json> j = ParseJson(text);
    if (!j.ok()) return std::nullopt;
    absl::StatusOr<Object> o = Object::FromJson(*std::move(j));
    if (!o.ok()) return std::nullopt;
    return *std::move(o);
  };
  absl::StatusOr<Journal::Loaded> loaded = options_.journal->Load(
      [&](const std::string& storage_key, const std::string& json) {
        std::optional<Object> obj = parse(json);
        if (!obj.has_value()) {
          bad = InternalError(kop::StrCat("the data dir holds an unreadable object of ", storage_key));
          return;
        }
        std::shared_ptr<const ResourceInfo> info = resolve(storage_key, *obj);
        if (info == nullptr) return;
        const uint64_t rv = ParseRv(std::string(obj->resource_version())).value_or(0);
        const std::string key =
            KeyOf(info->namespaced ? std::string(obj->namespace_()) : "", std::string(obj->name()));
        infos_[storage_key] = info;
        data_[storage_key][key] = Stamp(*info, *std::move(obj), rv);
      },
      [&](const Journal::Write& w) {
        auto info = infos_.find(w.storage_key);
        std::optional<Object> obj = parse(w.json);
        if (info == infos_.end() || !obj.has_value()) return;
        std::shared_ptr<const Object> prev;
        if (!w.prev_json.empty()) {
          if (std::optional<Object> p = parse(w.prev_json); p.has_value()) prev = std::make_shared<const Object>(*std::move(p));
        }
        const EventType type = w.type == "ADDED" ? EventType::kAdded
                               : w.type == "MODIFIED" ? EventType::kModified
                                                      : EventType::kDeleted;
        StoredObject stored = Stamp(*info->second, *std::move(obj), w.rv);
        history_.push_back({w.rv, type, w.storage_key, stored, std::move(prev), Watcher::EncodeEvent(type, *stored.json)});
      });
  if (!loaded.ok()) return loaded.status();
  if (!bad.ok()) return bad;
  rv_ = loaded->rv;
  while (history_.size() > options_.history) history_.pop_front();
  // Watches resume from any resourceVersion the kept history covers.
  compacted_rv_ = history_.empty() ? rv_ : history_.front().rv - 1;
  journal_compacted_rv_ = compacted_rv_;
  return absl::OkStatus();
}

absl::StatusOr<StoredObject> Store::Get(const ResourceInfo& info, const std::string& ns,
                                        const std::string& name) const {
  kop::MutexLock lock(&mu_);
  auto data = data_.find(info.StorageKey());
  if (data != data_.end()) {
    auto it = data->second.find(KeyOf(ns, name));
    if (it != data->second.end()) return it->second;
  }
  return NotFound(Subject(info, name));
}

absl::StatusOr<StoredObject> Store::Create(const ResourceInfo& info, Object obj, bool dry_run) {
  WriteScope scope(this);
  const std::string ns = info.namespaced ? std::string(obj.namespace_()) : "";
  if (info.namespaced) {
    auto nss = data_.find("/namespaces");
    auto found = nss == data_.end() ? Objects::iterator() : nss->second.find(ns);
    if (nss == data_.end() || found == nss->second.end()) {
      return NotFound({"", "namespaces", "Namespace", ns});
    }
    if (found->second.obj->IsBeingDeleted()) {
      return Forbidden(Subject(info, std::string(obj.name())),
                       kop::StrCat("unable to create new content in namespace ", ns, " because it is being terminated"),
                       {{"NamespaceTerminating", "metadata.namespace", kop::StrCat("namespace ", ns, " is being terminated")}});
    }
  }
  Objects& objects = data_[info.StorageKey()];
  infos_[info.StorageKey()] = std::make_shared<const ResourceInfo>(info);
  if (obj.name().empty()) {
    // generateName: the prefix plus five characters, as upstream, retried on collision.
    static constexpr char kAlphabet[] = "bcdfghjklmnpqrstvwxz2456789";
    std::string name;
    do {
      name = obj.generate_name();
      for (int i = 0; i < 5; ++i) name += kAlphabet[rng_() % (sizeof kAlphabet - 1)];
    } while (objects.contains(KeyOf(ns, name)));
    obj.set_name(name);
  }
  const std::string key = KeyOf(ns, std::string(obj.name()));
  if (objects.contains(key)) return AlreadyExists(Subject(info, std::string(obj.name())));

  obj.set_uid(NewUid());
  obj.set_creation_timestamp(clock_.WallNow());
  obj.Remove({"metadata", "deletionTimestamp"});
  obj.Remove({"metadata", "deletionGracePeriodSeconds"});
  obj.Remove({"metadata", "resourceVersion"});
  if (info.has_generation) {
    obj.set_generation(1);
  } else {
    obj.Remove({"metadata", "generation"});
  }
  if (IsNamespaces(info)) {
    // The namespace controller's finalizer, added to whatever the client asked for.
    Json& spec = obj.mutable_json()["spec"];
    if (!spec.is_object()) spec = Json::object();
    Json& finalizers = spec["finalizers"];
    if (!finalizers.is_array()) finalizers = Json::array();
    if (std::find(finalizers.begin(), finalizers.end(), Json("kubernetes")) == finalizers.end()) {
      finalizers.push_back("kubernetes");
    }
    obj.mutable_json()["status"] = {{"phase", "Active"}};
    // The name label of a namespace whose name was generated here.
    obj.mutable_json()["metadata"]["labels"]["kubernetes.io/metadata.name"] = std::string(obj.name());
  } else if (info.has_status) {
    // Status is written through /status; a create starts from an empty one.
    if (info.custom) {
      obj.mutable_json().erase("status");
    } else {
      // What the Go type of the status encodes when nothing is set ({} or zero counts).
      const Json* status_schema = nullptr;
      if (info.schema != nullptr && info.schema->contains("properties") && (*info.schema)["properties"].contains("status")) {
        status_schema = &(*info.schema)["properties"]["status"];
      }
      obj.mutable_json()["status"] = status_schema != nullptr ? GoZeroValue(*status_schema) : Json::object();
      AdmitNewBuiltinObject({info.group, info.version, info.kind}, obj.mutable_json());
    }
  }
  if (dry_run) return Stamp(info, std::move(obj), 0);
  StoredObject stored = Stamp(info, std::move(obj), ++rv_);
  objects.emplace(key, stored);
  if (absl::Status s = Record(EventType::kAdded, info.StorageKey(), stored, nullptr); !s.ok()) {
    objects.erase(key);
    --rv_;
    return s;
  }
  return stored;
}

absl::StatusOr<StoredObject> Store::RemoveLocked(const ResourceInfo& info, Objects& objects,
                                                 Objects::iterator it, const Object* last) {
  StoredObject previous = it->second;
  const std::string key = it->first;
  objects.erase(it);
  StoredObject final_state = Stamp(info, last != nullptr ? *last : *previous.obj, ++rv_);
  if (absl::Status s = Record(EventType::kDeleted, info.StorageKey(), final_state, previous.obj); !s.ok()) {
    objects.emplace(key, previous);
    --rv_;
    return s;
  }
  if (info.plural == "namespaces" && info.group.empty()) {
    // The namespace's contents go with it (upstream's namespace controller, done at once).
    const std::string ns(previous.obj->name());
    for (auto& [storage_key, objs] : data_) {
      auto ri = infos_.find(storage_key);
      if (ri == infos_.end() || !ri->second->namespaced) continue;
      for (auto o = objs.lower_bound(ns + "/"); o != objs.end() && o->first.rfind(ns + "/", 0) == 0;) {
        StoredObject gone = o->second;
        o = objs.erase(o);
        StoredObject fin = Stamp(*ri->second, *gone.obj, ++rv_);
        if (absl::Status s = Record(EventType::kDeleted, storage_key, fin, gone.obj); !s.ok()) {
          // The namespace is gone already; what could not be journaled stays in memory only.
          std::fprintf(stderr, "kop-apiserver: %s\n", std::string(s.message()).c_str());
        }
      }
    }
  }
  return final_state;
}

absl::StatusOr<StoredObject> Store::Update(const ResourceInfo& info, Object obj, const std::string& subresource,
                                           bool dry_run) {
  WriteScope scope(this);
  Objects& objects = data_[info.StorageKey()];
  const std::string ns = info.namespaced ? std::string(obj.namespace_()) : "";
  auto it = objects.find(KeyOf(ns, std::string(obj.name())));
  if (it == objects.end()) return NotFound(Subject(info, std::string(obj.name())));
  const StoredObject& existing = it->second;
  const std::string existing_rv(existing.obj->resource_version());
  if (!obj.resource_version().empty() && obj.resource_version() != existing_rv) {
    return Conflict(Subject(info, std::string(obj.name())),
                    "the object has been modified; please apply your changes to the latest "
                    "version and try again");
  }
  if (obj.resource_version().empty() && info.custom) {
    return Invalid(Subject(info, std::string(obj.name())),
                   {{"FieldValueInvalid", "metadata.resourceVersion",
                     "Invalid value: 0x0: must be specified for an update"}});
  }
  Object next;
  if (subresource == "finalize") {
    // A Namespace's finalize subresource writes spec.finalizers and nothing else.
    next = *existing.obj;
    const Json* finalizers = obj.Find({"spec", "finalizers"});
    if (finalizers != nullptr && finalizers->is_array() && !finalizers->empty()) {
      next.mutable_json()["spec"]["finalizers"] = *finalizers;
    } else if (next.mutable_json().contains("spec")) {
      next.mutable_json()["spec"].erase("finalizers");
    }
    if (const Json* mf = obj.Find({"metadata", "managedFields"}); mf != nullptr) {
      next.mutable_json()["metadata"]["managedFields"] = *mf;
    }
  } else if (subresource == "status") {
    next = *existing.obj;
    if (const Json* st = obj.status(); st != nullptr) {
      next.mutable_json()["status"] = *st;
    } else {
      next.mutable_json().erase("status");
    }
    // Who owns which status fields is recorded with the status write.
    if (const Json* mf = obj.Find({"metadata", "managedFields"}); mf != nullptr) {
      next.mutable_json()["metadata"]["managedFields"] = *mf;
    } else {
      next.mutable_json()["metadata"].erase("managedFields");
    }
  } else {
    next = std::move(obj);
    for (std::string_view f : {"uid", "creationTimestamp", "deletionTimestamp",
                               "deletionGracePeriodSeconds", "generation"}) {
      CopyMetadataField(*existing.obj, next, f);
    }
    if (info.has_status) {
      if (const Json* st = existing.obj->status(); st != nullptr) {
        next.mutable_json()["status"] = *st;
      } else {
        next.mutable_json().erase("status");
      }
    }
    if (IsNamespaces(info)) {
      // spec.finalizers change only through the finalize subresource.
      const Json* kept = existing.obj->Find({"spec", "finalizers"});
      if (kept != nullptr) {
        next.mutable_json()["spec"]["finalizers"] = *kept;
      } else if (next.mutable_json().contains("spec") && next.mutable_json()["spec"].is_object()) {
        next.mutable_json()["spec"].erase("finalizers");
      }
    }
    if (info.has_generation && (!SpecEqual(existing.obj->json(), next.json()) ||
                                (info.group == "apps" && info.kind == "Deployment" &&
                                 existing.obj->annotations() != next.annotations()))) {
      // A Deployment's generation follows its annotations too (upstream's strategy).
      next.set_generation(existing.obj->generation() + 1);
    }
  }
  next.set_resource_version(existing_rv);
  if (next == *existing.obj) return existing;  // nothing changed: no write, no event
  if (next.IsBeingDeleted() && next.finalizers().empty() && !HasSpecFinalizers(info, next)) {
    if (dry_run) return Stamp(info, std::move(next), 0);
    return RemoveLocked(info, objects, it, &next);  // the update's result is the last state
  }
  if (dry_run) return Stamp(info, std::move(next), 0);
  std::shared_ptr<const Object> prev = existing.obj;
  const StoredObject before = existing;
  StoredObject stored = Stamp(info, std::move(next), ++rv_);
  it->second = stored;
  if (absl::Status s = Record(EventType::kModified, info.StorageKey(), stored, std::move(prev)); !s.ok()) {
    it->second = before;
    --rv_;
    return s;
  }
  return stored;
}

absl::StatusOr<Store::Deleted> Store::Delete(const ResourceInfo& info, const std::string& ns,
                                             const std::string& name, const Preconditions& pre,
                                             bool dry_run, const std::string& add_finalizer) {
  WriteScope scope(this);
  Objects& objects = data_[info.StorageKey()];
  auto it = objects.find(KeyOf(info.namespaced ? ns : "", name));
  if (it == objects.end()) return NotFound(Subject(info, name));
  const StoredObject& existing = it->second;
  if (!pre.uid.empty() && pre.uid != existing.obj->uid()) {
    return Conflict(Subject(info, name),
                    kop::StrCat("Precondition failed: UID in precondition: ", pre.uid,
                                ", UID in object meta: ", existing.obj->uid()));
  }
  if (!pre.resource_version.empty() && pre.resource_version != existing.obj->resource_version()) {
    return Conflict(Subject(info, name),
                    kop::StrCat("Precondition failed: ResourceVersion in precondition: ",
                                pre.resource_version, ", ResourceVersion in object meta: ",
                                existing.obj->resource_version()));
  }
  const bool adds = !add_finalizer.empty() && !existing.obj->HasFinalizer(add_finalizer);
  if (!existing.obj->finalizers().empty() || adds || HasSpecFinalizers(info, *existing.obj)) {
    if (existing.obj->IsBeingDeleted() && !adds) return Deleted{existing, false};
    Object next = *existing.obj;
    if (adds) next.AddFinalizer(add_finalizer);
    if (!existing.obj->IsBeingDeleted()) {
      next.set_deletion_timestamp(clock_.WallNow());
      if (IsNamespaces(info)) {
        // The namespace controller empties it, then removes its "kubernetes" finalizer.
        next.mutable_json()["status"]["phase"] = "Terminating";
      } else {
        (void)next.Set({"metadata", "deletionGracePeriodSeconds"}, 0);
      }
      // Marking an object for deletion is a change of its desired state.
      if (info.has_generation && next.generation() > 0) next.set_generation(next.generation() + 1);
    }
    if (dry_run) return Deleted{Stamp(info, std::move(next), 0), false};
    std::shared_ptr<const Object> prev = existing.obj;
    const StoredObject before = existing;
    StoredObject stored = Stamp(info, std::move(next), ++rv_);
    it->second = stored;
    if (absl::Status s = Record(EventType::kModified, info.StorageKey(), stored, std::move(prev)); !s.ok()) {
      it->second = before;
      --rv_;
      return s;
    }
    return Deleted{stored, false};
  }
  if (dry_run) return Deleted{existing, true};
  absl::StatusOr<StoredObject> final_state = RemoveLocked(info, objects, it);
  if (!final_state.ok()) return final_state.status();
  return Deleted{*final_state, true};
}

absl::StatusOr<Store::Objects> Store::ObjectsAt(const ResourceInfo& info, uint64_t rv) const {
  if (rv < compacted_rv_) {
    return Expired(kop::StrCat("too old resource version: ", rv, " (", compacted_rv_ + 1, ")"));
  }
  Objects objects;
  if (auto d = data_.find(info.StorageKey()); d != data_.end()) objects = d->second;
  // Undo, newest first, every change made after `rv`.
  for (auto c = history_.rbegin(); c != history_.rend() && c->rv > rv; ++c) {
    if (c->storage_key != info.StorageKey()) continue;
    const Object& o = *c->object.obj;
    const std::string key =
        KeyOf(info.namespaced ? std::string(o.namespace_()) : "", std::string(o.name()));
    if (c->type == EventType::kAdded) {
      objects.erase(key);
    } else {
      auto prev_rv = ParseRv(std::string(c->prev->resource_version()));
      objects[key] = Stamp(info, *c->prev, prev_rv.value_or(0));
    }
  }
  return objects;
}

absl::StatusOr<ListResult> Store::List(const ResourceInfo& info, const ListOptions& options) {
  const bool has_rv = !options.resource_version.empty();
  if (!options.continue_token.empty() && has_rv && options.resource_version != "0") {
    return BadRequest("specifying resource version is not allowed when using continue");
  }
  if (!options.resource_version_match.empty()) {
    if (!has_rv) {
      return InvalidOptions("ListOptions", {"FieldValueForbidden", "resourceVersionMatch",
                                            "Forbidden: resourceVersionMatch is forbidden unless resourceVersion is provided"});
    }
    if (options.resource_version_match != "Exact" &&
        options.resource_version_match != "NotOlderThan") {
      return InvalidOptions("ListOptions",
                            {"FieldValueNotSupported", "resourceVersionMatch",
                             kop::StrCat("Unsupported value: \"", options.resource_version_match,
                                         "\": supported values: \"Exact\", \"NotOlderThan\", \"\"")});
    }
    if (options.resource_version_match == "Exact" && options.resource_version == "0") {
      return InvalidOptions("ListOptions", {"FieldValueForbidden", "resourceVersionMatch",
                                            "Forbidden: resourceVersionMatch \"exact\" is forbidden for resourceVersion \"0\""});
    }
  }
  std::optional<uint64_t> want_rv;
  if (has_rv) {
    want_rv = ParseRv(options.resource_version);
    if (!want_rv) {
      return BadRequest(kop::StrCat("resourceVersion: Invalid value: \"",
                                    options.resource_version, "\": must be a number"));
    }
  }

  kop::MutexLock lock(&mu_);
  ListResult result;
  if (!options.continue_token.empty()) {
    std::string decoded;
    absl::StatusOr<Json> token = absl::WebSafeBase64Unescape(options.continue_token, &decoded)
                                     ? ParseJson(decoded)
                                     : absl::StatusOr<Json>(absl::InvalidArgumentError("base64"));
    if (!token.ok() || !token->is_object() || !(*token)["snap"].is_number_unsigned() ||
        !(*token)["off"].is_number_unsigned()) {
      return BadRequest("continue key is not valid: incorrect encoded start resourceVersion "
                        "(version meta.k8s.io/v1)");
    }
    auto snap = snapshots_.find((*token)["snap"].get<uint64_t>());
    if (snap == snapshots_.end()) {
      return Expired(
          "The provided continue parameter is too old to display a consistent list result. You "
          "can start a new list without the continue parameter.");
    }
    const size_t off = (*token)["off"].get<size_t>();
    const auto& all = snap->second.items;
    const size_t end = options.limit > 0 ? std::min(all.size(), off + options.limit) : all.size();
    for (size_t i = std::min(off, all.size()); i < end; ++i) result.items.push_back(all[i]);
    result.rv = snap->second.rv;
    if (end < all.size()) {
      result.continue_token = absl::WebSafeBase64Escape(
          DumpJson({{"snap", snap->first}, {"off", end}, {"rv", result.rv}}));
      if (options.labels.empty() && options.fields.empty()) result.remaining = all.size() - end;
    } else {
      snapshots_.erase(snap);
    }
    return result;
  }

  Objects at_rv;
  const Objects* source = nullptr;
  result.rv = rv_;
  if (want_rv && options.resource_version_match == "Exact" && *want_rv != rv_) {
    if (*want_rv > rv_) {
      return ApiError(504, "Timeout",
                      kop::StrCat("Too large resource version: ", *want_rv, ", current: ", rv_),
                      {{"causes", {{{"reason", "ResourceVersionTooLarge"},
                                    {"message", "Too large resource version"}}}},
                       {"retryAfterSeconds", 1}});
    }
    KOP_ASSIGN_OR_RETURN(at_rv, ObjectsAt(info, *want_rv));
    source = &at_rv;
    result.rv = *want_rv;
  } else {
    if (want_rv && *want_rv > rv_) {
      return ApiError(504, "Timeout",
                      kop::StrCat("Too large resource version: ", *want_rv, ", current: ", rv_),
                      {{"causes", {{{"reason", "ResourceVersionTooLarge"},
                                    {"message", "Too large resource version"}}}},
                       {"retryAfterSeconds", 1}});
    }
    if (auto d = data_.find(info.StorageKey()); d != data_.end()) source = &d->second;
  }
  std::vector<StoredObject> matched;
  if (source != nullptr) {
    auto begin = source->begin();
    auto end = source->end();
    if (!options.namespace_.empty() && info.namespaced) {
      begin = source->lower_bound(options.namespace_ + "/");
      end = source->lower_bound(options.namespace_ + "0");  // '0' sorts right after '/'
    }
    for (auto it = begin; it != end; ++it) {
      const Object& o = *it->second.obj;
      if (!options.labels.Matches(o.Find({"metadata", "labels"}))) continue;
      if (!options.fields.empty() && !options.fields.Matches(o)) continue;
      matched.push_back(it->second);
    }
  }
  if (options.limit > 0 && matched.size() > static_cast<size_t>(options.limit)) {
    const size_t limit = static_cast<size_t>(options.limit);
    result.items.assign(matched.begin(), matched.begin() + static_cast<std::ptrdiff_t>(limit));
    if (options.labels.empty() && options.fields.empty()) {
      result.remaining = static_cast<int64_t>(matched.size() - limit);
    }
    const uint64_t id = next_snapshot_++;
    snapshots_[id] = Snapshot{std::move(matched), result.rv};
    while (snapshots_.size() > kMaxSnapshots) snapshots_.erase(snapshots_.begin());
    result.continue_token =
        absl::WebSafeBase64Escape(DumpJson({{"snap", id}, {"off", limit}, {"rv", result.rv}}));
  } else {
    result.items = std::move(matched);
  }
  return result;
}

std::shared_ptr<Watcher> Store::Watch(std::shared_ptr<const ResourceInfo> info, WatchFilter filter,
                                      const std::string& resource_version) {
  kop::MutexLock lock(&mu_);
  const std::string key = info->StorageKey();
  const bool from_now = resource_version.empty() || resource_version == "0";
  std::optional<uint64_t> from = from_now ? std::optional<uint64_t>(rv_) : ParseRv(resource_version);
  size_t initial = 0;
  if (from_now) {
    if (auto d = data_.find(key); d != data_.end()) initial = d->second.size();
  }
  auto watcher = std::make_shared<Watcher>(info, std::move(filter), from.value_or(0),
                                           options_.watcher_buffer + initial);
  if (!from.has_value() || *from < compacted_rv_) {
    Json status =
        StatusObject(Expired(kop::StrCat("too old resource version: ", resource_version, " (",
                                         compacted_rv_ + 1, ")")));
    watcher->Push(std::make_shared<const std::string>(
        kop::StrCat("{\"type\":\"ERROR\",\"object\":", DumpJson(status), "}\n")));
    watcher->Close();
    return watcher;
  }
  if (from_now) {
    if (auto d = data_.find(key); d != data_.end()) {
      for (const auto& [k, stored] : d->second) {
        Change added{stored.rv, EventType::kAdded, key, stored, nullptr,
                     Watcher::EncodeEvent(EventType::kAdded, *stored.json)};
        watcher->DeliverInitial(added);
      }
    }
  } else {
    for (const Change& c : history_) {
      if (c.rv > *from && c.storage_key == key) watcher->Deliver(c);
    }
  }
  watchers_[key].push_back(watcher);
  return watcher;
}

void Store::Unwatch(const std::shared_ptr<Watcher>& watcher) {
  kop::MutexLock lock(&mu_);
  auto it = watchers_.find(watcher->info().StorageKey());
  if (it == watchers_.end()) return;
  std::erase(it->second, watcher);
}

void Store::Bookmark(const std::shared_ptr<Watcher>& watcher) {
  kop::MutexLock lock(&mu_);
  const ResourceInfo& info = watcher->info();
  Json bookmark = {{"kind", info.kind},
                   {"apiVersion", info.ApiVersion()},
                   {"metadata", {{"resourceVersion", std::to_string(rv_)}}}};
  watcher->Push(std::make_shared<const std::string>(
      kop::StrCat("{\"type\":\"BOOKMARK\",\"object\":", DumpJson(bookmark), "}\n")));
}

void Store::DeleteAll(const ResourceInfo& info, const std::string& ns) {
  WriteScope scope(this);
  auto d = data_.find(info.StorageKey());
  if (d == data_.end()) return;
  Objects& objects = d->second;
  for (auto it = objects.begin(); it != objects.end();) {
    if (!ns.empty() && it->second.obj->namespace_() != ns) {
      ++it;
      continue;
    }
    auto next = std::next(it);
    (void)RemoveLocked(info, objects, it);
    it = next;
  }
}

void Store::CloseWatches(const std::string& storage_key) {
  kop::MutexLock lock(&mu_);
  auto it = watchers_.find(storage_key);
  if (it == watchers_.end()) return;
  for (const auto& w : it->second) w->Close();
  watchers_.erase(it);
}

void Store::CloseAllWatches() {
  kop::MutexLock lock(&mu_);
  for (auto& [key, list] : watchers_) {
    for (const auto& w : list) w->Close();
  }
  watchers_.clear();
}

void Store::Compact() {
  kop::MutexLock lock(&mu_);
  compacted_rv_ = rv_;
  history_.clear();
  snapshots_.clear();
  if (options_.journal != nullptr && options_.journal->Compact(compacted_rv_).ok()) {
    journal_compacted_rv_ = compacted_rv_;
  }
}

void Store::CutAllWatchStreams() {
  kop::MutexLock lock(&mu_);
  for (auto& [key, list] : watchers_) {
    for (const auto& w : list) w->CutNextEvent();
  }
}

size_t Store::WatchCount() const {
  kop::MutexLock lock(&mu_);
  size_t n = 0;
  for (const auto& [key, list] : watchers_) n += list.size();
  return n;
}

}  // namespace kop::testing::internal
