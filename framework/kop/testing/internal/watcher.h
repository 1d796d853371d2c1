// One open watch: a bounded buffer of encoded events between the store (which fills it while
// holding the store lock, never blocking) and the HTTP thread (which drains it to the client).
#ifndef KOP_TESTING_INTERNAL_WATCHER_H_
#define KOP_TESTING_INTERNAL_WATCHER_H_

#include <chrono>
#include <cstdint>
#include <deque>
#include <memory>
#include <string>

#include "kop/api/label_selector.h"
#include "kop/api/object.h"
#include "kop/base/mutex.h"
#include "kop/testing/internal/field_selector.h"
#include "kop/testing/internal/registry.h"

namespace kop::testing::internal {

enum class EventType { kAdded, kModified, kDeleted };

// A stored object with its encodings, shared by the store, history, lists and watches.
struct StoredObject {
  std::shared_ptr<const Object> obj;
  std::shared_ptr<const std::string> json;  // as returned by GET
  // As an item of a list: built-in resources' list items carry no apiVersion/kind, as
  // upstream's. Null: same as `json`.
  std::shared_ptr<const std::string> item_json;
  uint64_t rv = 0;
};

// A change, as kept in the history window and fanned out to watchers.
struct Change {
  uint64_t rv;
  EventType type;
  std::string storage_key;
  StoredObject object;                  // new state (for kDeleted: final state at rv)
  std::shared_ptr<const Object> prev;   // old state for kModified and kDeleted
  // `{"type":...,"object":...}\n` for watchers that see the change as it is.
  std::shared_ptr<const std::string> line;
};

struct WatchFilter {
  std::string namespace_;  // empty: every namespace
  LabelSelector labels;
  FieldSelector fields;
  bool Matches(const Object& obj) const;
};

// Thread-safe.
class Watcher {
 public:
  Watcher(std::shared_ptr<const ResourceInfo> info, WatchFilter filter, uint64_t min_rv,
          size_t capacity);

  const ResourceInfo& info() const { return *info_; }

  // Store side (store lock held). Applies the filter with upstream's selector transitions:
  // an object leaving the selection is sent as DELETED (its previous state at the new
  // resourceVersion), one entering it as ADDED. Closes the watch when the buffer is full.
  // Returns whether the reader must be woken (call Wake() once the store lock is released).
  bool Deliver(const Change& change);
  // Store side: the synthetic ADDED of a watch that starts from the current state (filter
  // applied, no resourceVersion floor).
  void DeliverInitial(const Change& change);
  // Queues a line as it is (bookmarks, ERROR) and wakes the reader.
  void Push(std::shared_ptr<const std::string> line);
  // Wakes the reader after Deliver asked for it.
  void Wake();
  void Close();
  bool IsClosed();
  // Makes the next write cut an event in half and close (fault injection).
  void CutNextEvent();

  // HTTP side: waits until lines are queued, the watch is closed, or `deadline` passes; moves
  // every queued line into `out`. Returns false once closed and drained.
  bool WaitAndDrain(std::chrono::steady_clock::time_point deadline, std::string* out,
                    bool* cut);

  // The line for `obj` as event `type` (`obj` encoded as `json`).
  static std::shared_ptr<const std::string> EncodeEvent(EventType type, const std::string& json);

 private:
  // Queues `line`; returns whether the reader is blocked on an empty queue and needs a wake.
  bool PushLocked(std::shared_ptr<const std::string> line) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  const std::shared_ptr<const ResourceInfo> info_;
  const WatchFilter filter_;
  const uint64_t min_rv_;  // events at or below this were already seen by the client
  const size_t capacity_;

  kop::Mutex mu_;      // guards everything below
  kop::CondVar ready_;  // signalled on push and close
  std::deque<std::shared_ptr<const std::string>> lines_ ABSL_GUARDED_BY(mu_);
  bool closed_ ABSL_GUARDED_BY(mu_) = false;
  bool cut_ ABSL_GUARDED_BY(mu_) = false;
  bool waiting_ ABSL_GUARDED_BY(mu_) = false;  // the reader is blocked in WaitAndDrain
};

}  // namespace kop::testing::internal

#endif  // KOP_TESTING_INTERNAL_WATCHER_H_
