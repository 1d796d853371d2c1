// Durable storage for the embedded API server (kop-apiserver --data-dir): every object and
// the recent change history in a SQLite database, written inside each commit so that an
// acknowledged write survives a crash (WAL, synchronous=FULL), and resource versions and
// watches carry on after a restart.
#ifndef KOP_TESTING_INTERNAL_JOURNAL_H_
#define KOP_TESTING_INTERNAL_JOURNAL_H_

#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "absl/status/statusor.h"

namespace kop::testing::internal {

// Not thread-safe: the store calls it under its own lock, which also orders the writes.
class Journal {
 public:
  virtual ~Journal() = default;

  struct Write {
    uint64_t rv;
    std::string type;         // ADDED, MODIFIED, DELETED
    std::string storage_key;  // "apps/deployments"
    std::string object_key;   // "ns/name" or "name"
    std::string json;         // the object at rv (its final state for DELETED)
    std::string prev_json;    // the state before (empty for ADDED)
  };
  // Records one committed change in one transaction: the object's row written or removed, the
  // change appended to the history, the newest resourceVersion moved to `rv`.
  virtual absl::Status Commit(const Write& w) = 0;
  // Forgets history up to and including `rv` (the store's window moved past it).
  virtual absl::Status Compact(uint64_t rv) = 0;

  struct Loaded {
    uint64_t rv = 0;  // the newest resourceVersion committed
  };
  // Reads everything back: each object (CRDs and namespaces first), then the history in
  // resourceVersion order.
  virtual absl::StatusOr<Loaded> Load(
      const std::function<void(const std::string& storage_key, const std::string& json)>& object,
      const std::function<void(const Write& change)>& change) = 0;
};

// Opens (creating when needed) DIR/kop-apiserver.db. Errors name the folder and what failed.
absl::StatusOr<std::unique_ptr<Journal>> OpenSqliteJournal(const std::string& dir);

}  // namespace kop::testing::internal

#endif  // KOP_TESTING_INTERNAL_JOURNAL_H_
