// The embedded API server's storage: every resource as generic JSON objects, one
// cluster-wide resourceVersion, a bounded history of changes for watches, and consistent
// snapshots for paginated lists.
#ifndef KOP_TESTING_INTERNAL_STORE_H_
#define KOP_TESTING_INTERNAL_STORE_H_

#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <random>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "kop/api/object.h"
#include "kop/base/clock.h"
#include "kop/base/mutex.h"
#include "kop/testing/internal/journal.h"
#include "kop/testing/internal/registry.h"
#include "kop/testing/internal/watcher.h"

namespace kop::testing::internal {

struct StoreOptions {
  size_t history = 10000;          // changes kept for resuming watches
  size_t watcher_buffer = 4096;    // events buffered per watch before it is closed
  const Clock* clock = nullptr;    // for timestamps; null = real clock
  // Where every change is made durable before it is acknowledged or seen by a watch;
  // null: memory only. Not owned; outlives the store.
  Journal* journal = nullptr;
};

struct ListOptions {
  std::string namespace_;  // empty: all namespaces
  LabelSelector labels;
  FieldSelector fields;
  int64_t limit = 0;
  std::string continue_token;
  std::string resource_version;        // "", "0" or a number
  std::string resource_version_match;  // "", "NotOlderThan", "Exact"
};

struct ListResult {
  std::vector<StoredObject> items;
  uint64_t rv = 0;
  std::string continue_token;
  std::optional<int64_t> remaining;
};

struct Preconditions {
  std::string uid;
  std::string resource_version;
};

// Thread-safe. Errors are Kubernetes Status errors (see errors.h).
class Store {
 public:
  explicit Store(StoreOptions options);

  uint64_t CurrentRv() const;

  // Loads what the journal holds (before any other call): the objects, the change history
  // and the newest resourceVersion. `resolve` names the resource a stored object belongs to
  // (and registers CRDs as they come); objects of resources it does not know are skipped.
  absl::Status Restore(
      const std::function<std::shared_ptr<const ResourceInfo>(const std::string& storage_key, const Object& obj)>&
          resolve);

  absl::StatusOr<StoredObject> Get(const ResourceInfo& info, const std::string& ns,
                                   const std::string& name) const;
  // `obj` is the validated body; server-set fields are filled in here. Creating in a Namespace
  // that is being deleted is Forbidden (NamespaceTerminating), as upstream's admission.
  absl::StatusOr<StoredObject> Create(const ResourceInfo& info, Object obj, bool dry_run);
  // Replaces the object; through a subresource ("status", or a Namespace's "finalize") only
  // that part of it. Returns the stored state; an update that changes nothing is not written.
  // An object being deleted goes once no finalizer is left (a Namespace's spec.finalizers
  // included).
  absl::StatusOr<StoredObject> Update(const ResourceInfo& info, Object obj, const std::string& subresource,
                                      bool dry_run);
  struct Deleted {
    StoredObject object;
    bool gone;  // false: finalizers keep it, deletionTimestamp was set
  };
  // `add_finalizer` (when not empty) is added as the deletion starts, so that the object
  // stays until it is removed: "foregroundDeletion" or "orphan".
  absl::StatusOr<Deleted> Delete(const ResourceInfo& info, const std::string& ns,
                                 const std::string& name, const Preconditions& pre, bool dry_run,
                                 const std::string& add_finalizer = "");
  absl::StatusOr<ListResult> List(const ResourceInfo& info, const ListOptions& options);

  // Opens a watch. With no resourceVersion (or "0") it starts with ADDED for every current
  // object; from a resourceVersion it replays later changes from the history, or answers
  // with a 410 ERROR event when they are gone.
  std::shared_ptr<Watcher> Watch(std::shared_ptr<const ResourceInfo> info, WatchFilter filter,
                                 const std::string& resource_version);
  void Unwatch(const std::shared_ptr<Watcher>& watcher);
  // Queues a BOOKMARK at the current resourceVersion (ordered after every event queued).
  void Bookmark(const std::shared_ptr<Watcher>& watcher);

  // Deletes every object of a resource (a CRD going away), in the namespace if given.
  void DeleteAll(const ResourceInfo& info, const std::string& ns);
  // Ends every watch of a resource (its definition went away).
  void CloseWatches(const std::string& storage_key);

  // ---- faults ----
  void CloseAllWatches();
  // Forgets the history: watches resuming from an older resourceVersion get 410.
  void Compact();
  void CutAllWatchStreams();

  size_t WatchCount() const;

 private:
  // Holds the store lock for a write and wakes the watchers it fed once the lock is released,
  // so futex calls never happen inside the store's critical section.
  class ABSL_SCOPED_LOCKABLE WriteScope {
   public:
    explicit WriteScope(Store* store) ABSL_EXCLUSIVE_LOCK_FUNCTION(store->mu_) : store_(store) {
      store_->mu_.Lock();
      store_->wakes_ = &wakes_;
    }
    ~WriteScope() ABSL_UNLOCK_FUNCTION() {
      store_->wakes_ = nullptr;
      store_->mu_.Unlock();
      for (const auto& w : wakes_) w->Wake();
    }
    WriteScope(const WriteScope&) = delete;
    WriteScope& operator=(const WriteScope&) = delete;

   private:
    Store* const store_;
    std::vector<std::shared_ptr<Watcher>> wakes_;
  };

  struct Snapshot {
    std::vector<StoredObject> items;
    uint64_t rv;
  };

  using Objects = std::map<std::string, StoredObject>;  // "ns/name" or "name", sorted

  static std::string KeyOf(const std::string& ns, const std::string& name) {
    return ns.empty() ? name : ns + "/" + name;
  }
  // Stamps `rv` into `obj` and encodes it.
  StoredObject Stamp(const ResourceInfo& info, Object obj, uint64_t rv) const;
  // Commits a change: journaled (when there is a journal), then kept in the history and fed
  // to watches. A journal failure is returned before anyone saw the change; the caller undoes
  // its in-memory part.
  absl::Status Record(EventType type, const std::string& storage_key, const StoredObject& object,
                      std::shared_ptr<const Object> prev) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  std::string NewUid() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // Removes the object; `last` (when given) is the state the DELETED event and the answer
  // carry: an update that removed the last finalizer of an object being deleted.
  absl::StatusOr<StoredObject> RemoveLocked(const ResourceInfo& info, Objects& objects, Objects::iterator it,
                                            const Object* last = nullptr) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  absl::StatusOr<Objects> ObjectsAt(const ResourceInfo& info, uint64_t rv) const
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  const StoreOptions options_;
  const Clock& clock_;

  mutable kop::Mutex mu_;  // guards everything below
  uint64_t rv_ ABSL_GUARDED_BY(mu_) = 0;
  uint64_t compacted_rv_ ABSL_GUARDED_BY(mu_) = 0;  // changes at or below are forgotten
  uint64_t journal_compacted_rv_ ABSL_GUARDED_BY(mu_) = 0;  // ... and gone from the journal
  std::map<std::string, Objects> data_ ABSL_GUARDED_BY(mu_);  // by storage key
  std::map<std::string, std::shared_ptr<const ResourceInfo>> infos_ ABSL_GUARDED_BY(mu_);
  std::deque<Change> history_ ABSL_GUARDED_BY(mu_);
  std::map<std::string, std::vector<std::shared_ptr<Watcher>>> watchers_ ABSL_GUARDED_BY(mu_);
  std::map<uint64_t, Snapshot> snapshots_ ABSL_GUARDED_BY(mu_);
  uint64_t next_snapshot_ ABSL_GUARDED_BY(mu_) = 1;
  std::mt19937_64 rng_ ABSL_GUARDED_BY(mu_);
  // Watchers to wake after the write in progress (null outside a WriteScope).
  std::vector<std::shared_ptr<Watcher>>* wakes_ ABSL_GUARDED_BY(mu_) = nullptr;
};

}  // namespace kop::testing::internal

#endif  // KOP_TESTING_INTERNAL_STORE_H_
