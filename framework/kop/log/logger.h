// kop/log: structured, levelled logging in the spirit of klog and logr.
//
// A Logger writes one record per call: a message plus key-value fields, as one JSON object per
// line (ts, level, logger, msg, then the fields) or as human-readable text. Child loggers carry
// fixed fields and a dotted name; verbosity levels gate detail (`-v=2` shows V(0)..V(2)).
//
//   kop::log::Configure({.format = kop::log::Format::kJson, .verbosity = 1});
//   kop::log::Logger log = kop::log::Root().WithName("controller").WithValues("controller", "application");
//   log.Info("starting workers", "count", 2);
//   log.V(1).Info("reconciling", "key", key, "reconcileID", id);
//   log.Error(status, "reconcile failed", "key", key);
//
// A disabled V(n) call costs an atomic load and a compare; its arguments are only formatted
// when the level is enabled. Wrap expensive argument computations in `if (log.V(2).Enabled())`.
//
// Thread-safety: Loggers are immutable values, safe to copy and use from any thread; each
// record reaches the sink in one write, so lines from different threads never interleave.
#ifndef KOP_LOG_LOGGER_H_
#define KOP_LOG_LOGGER_H_

#include <atomic>
#include <chrono>
#include <concepts>
#include <memory>
#include <ostream>
#include <sstream>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <vector>

#include "absl/container/inlined_vector.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "kop/api/json.h"
#include "kop/base/clock.h"
#include "kop/base/mutex.h"

namespace kop::log {

enum class Format { kText, kJson };

// "json" or "text"; InvalidArgument otherwise.
absl::StatusOr<Format> ParseFormat(std::string_view text);

// Where formatted records go. Implementations are thread-safe; Write receives one complete
// line, newline included.
class Sink {
 public:
  virtual ~Sink() = default;
  virtual void Write(std::string_view line) = 0;
};

// Writes to the process's standard error.
std::shared_ptr<Sink> StderrSink();

// Keeps every line in memory; for tests that assert on logs. Thread-safe.
class MemorySink final : public Sink {
 public:
  void Write(std::string_view line) override;
  std::vector<std::string> Lines() const;

 private:
  mutable kop::Mutex mu_;
  std::vector<std::string> lines_ ABSL_GUARDED_BY(mu_);
};

struct Options {
  Format format = Format::kText;
  // Records at V(n) with n <= verbosity are written. Error records are always written.
  int verbosity = 0;
  // Null means standard error.
  std::shared_ptr<Sink> sink;
  // Source of timestamps. Null means the real clock.
  const Clock* clock = nullptr;
};

// Applies `options` to the root logger and every logger derived from it.
void Configure(Options options);

// Converts a field value to JSON. Strings, numbers and booleans stay themselves; absl::Status,
// durations and anything printable with operator<< become strings; other types use their
// nlohmann to_json.
template <typename T>
Json ToLogValue(const T& v) {
  using U = std::decay_t<T>;
  if constexpr (std::is_same_v<U, bool> || std::is_arithmetic_v<U>) {
    return v;
  } else if constexpr (std::is_convertible_v<const T&, std::string_view>) {
    return std::string_view(v);
  } else if constexpr (std::is_same_v<U, absl::Status>) {
    return v.ok() ? std::string("OK")
                  : std::string(absl::StatusCodeToString(v.code())) + ": " + std::string(v.message());
  } else if constexpr (std::is_same_v<U, absl::Duration>) {
    return absl::FormatDuration(v);
  } else if constexpr (requires { typename U::rep; typename U::period; }) {
    return absl::FormatDuration(absl::FromChrono(v));
  } else if constexpr (std::is_same_v<U, Json>) {
    return v;
  } else if constexpr (requires(std::ostream& os) { os << v; }) {
    std::ostringstream os;
    os << v;
    return os.str();
  } else {
    return Json(v);
  }
}

namespace internal {

struct Core;
// A record's key-value pairs. Most calls and child loggers carry one or two.
using Fields = absl::InlinedVector<std::pair<std::string, Json>, 2>;

// The fields a child logger adds, linked to its parent's: a child shares what its ancestors
// hold instead of copying it, so WithValues costs the new pairs only (a reconcile's logger
// context is built this way for every reconcile).
struct FieldNode {
  // A chain never grows longer than this: a child of a node this deep copies the chain's
  // fields into itself and starts a new one (which keeps logging a record and destroying a
  // logger bounded, however many times WithValues is applied).
  static constexpr int kMaxDepth = 8;
  std::shared_ptr<const FieldNode> parent;
  int depth = 1;  // nodes in the chain, this one included
  Fields fields;
};
// Appends the fields of `node`'s chain to `out`, outermost first.
void FlattenFields(const FieldNode& node, Fields& out);

template <typename K>
std::string KeyString(const K& k) {
  if constexpr (std::is_convertible_v<const K&, std::string_view>) {
    return std::string(std::string_view(k));
  } else {
    return ToLogValue(k).dump();
  }
}

inline void AppendFields(Fields&) {}
// An odd trailing key gets the value "(MISSING)", as logr does, rather than being dropped.
template <typename K>
void AppendFields(Fields& out, const K& key) {
  out.emplace_back(KeyString(key), "(MISSING)");
}
template <typename K, typename V, typename... Rest>
void AppendFields(Fields& out, const K& key, const V& value, const Rest&... rest) {
  out.emplace_back(KeyString(key), ToLogValue(value));
  AppendFields(out, rest...);
}

}  // namespace internal

class Logger;

// A logger fixed at one verbosity level, as returned by Logger::V. Cheap; do not store it.
class LevelLogger {
 public:
  bool Enabled() const { return enabled_; }
  template <typename... KV>
  void Info(std::string_view msg, const KV&... kv) const;

 private:
  friend class Logger;
  LevelLogger(const Logger* logger, int level, bool enabled)
      : logger_(logger), level_(level), enabled_(enabled) {}
  const Logger* logger_;
  int level_;
  bool enabled_;
};

class Logger {
 public:
  // A logger with its own settings, independent of Configure(); for tests and embedding.
  explicit Logger(Options options);

  // A child named "<parent>.<name>" (or "<name>" from an unnamed parent).
  Logger WithName(std::string_view name) const;

  // A child that adds these key-value pairs to every record.
  template <typename... KV>
  Logger WithValues(const KV&... kv) const {
    Logger child = *this;
    auto node = std::make_shared<internal::FieldNode>();
    if (fields_ != nullptr && fields_->depth >= internal::FieldNode::kMaxDepth) {
      internal::FlattenFields(*fields_, node->fields);
    } else if (fields_ != nullptr) {
      node->parent = fields_;
      node->depth = fields_->depth + 1;
    }
    internal::AppendFields(node->fields, kv...);
    child.fields_ = std::move(node);
    return child;
  }

  LevelLogger V(int level) const { return LevelLogger(this, level, Enabled(level)); }
  bool Enabled(int level) const;

  // Writes at V(0).
  template <typename... KV>
  void Info(std::string_view msg, const KV&... kv) const {
    if (!Enabled(0)) return;
    internal::Fields f;
    internal::AppendFields(f, kv...);
    Emit(0, /*error=*/nullptr, msg, f);
  }

  // Always written, with an "error" field carrying the status.
  template <typename... KV>
  void Error(const absl::Status& status, std::string_view msg, const KV&... kv) const {
    internal::Fields f;
    internal::AppendFields(f, kv...);
    Emit(0, &status, msg, f);
  }

  const std::string& name() const { return name_; }

 private:
  friend class LevelLogger;
  friend Logger Root();
  explicit Logger(std::shared_ptr<internal::Core> core);

  void Emit(int level, const absl::Status* error, std::string_view msg,
            const internal::Fields& call_fields) const;

  std::shared_ptr<internal::Core> core_;
  std::string name_;
  std::shared_ptr<const internal::FieldNode> fields_;  // the innermost WithValues; null: none
};

template <typename... KV>
void LevelLogger::Info(std::string_view msg, const KV&... kv) const {
  if (!enabled_) return;
  internal::Fields f;
  internal::AppendFields(f, kv...);
  logger_->Emit(level_, /*error=*/nullptr, msg, f);
}

// The process's root logger, configured by Configure().
Logger Root();

}  // namespace kop::log

#endif  // KOP_LOG_LOGGER_H_
