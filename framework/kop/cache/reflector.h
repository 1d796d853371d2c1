// kop/cache/reflector: keeps a sink in step with the server by listing, then watching.
//
// Lists the resource in pages, hands the whole list to the sink, then watches from the
// list's resourceVersion (with bookmarks), handing over each change. It remembers the newest
// resourceVersion seen (bookmarks included); a watch that ends or breaks resumes from it; a
// 410 Gone (the version is too old) relists. Failures back off (jittered, 800 ms doubling to
// 30 s, reset after two minutes of health), and each watch asks for a random timeout between
// 5 and 10 minutes so that many watches do not expire together.
//
// Guarantees: after any fault the sink converges to the server's state: a relist replaces
// everything, so objects deleted while disconnected disappear from the sink.
#ifndef KOP_CACHE_REFLECTOR_H_
#define KOP_CACHE_REFLECTOR_H_

#include <atomic>
#include <chrono>
#include <memory>
#include <stop_token>
#include <string>
#include <vector>

#include "kop/base/mutex.h"
#include "kop/cache/indexer.h"
#include "kop/client/client.h"

namespace kop::cache {

// Receives what the reflector learns: lists on the reflector's thread, watch events on the
// client's event-loop thread (one call at a time, never both at once for one reflector).
class ReflectorSink {
 public:
  virtual ~ReflectorSink() = default;
  // Runs on every listed object as its page arrives, before OnReplace sees it: a chance to
  // shrink objects (transform, compact) while a large list is still being collected.
  virtual void Prepare(Object& object) { (void)object; }
  // The complete state at `resource_version` (initial list and every relist).
  virtual void OnReplace(std::vector<Object> items, const std::string& resource_version) = 0;
  // Changes from the watch (ADDED, MODIFIED, DELETED; never bookmarks or errors), in order, as
  // they arrived together, on the client's transport thread; the sink may move from them. It
  // must not block, and should not run user code there (a slow transform would hold up every
  // watch of the client).
  virtual void OnEvents(std::vector<client::WatchEvent>& events) = 0;
};

struct ReflectorOptions {
  std::string label_selector;
  std::string field_selector;
  bool metadata_only = false;
  int64_t page_size = 500;
  // Between failures: jittered, doubling from initial_backoff up to max_backoff. A success (a
  // list, or a watch that delivers an event) starts it over, as does a quiet
  // backoff_reset_after; client-go only has the latter, which after a burst of faults can
  // leave an informer up to max_backoff behind a server that is healthy again.
  std::chrono::milliseconds initial_backoff{800};
  std::chrono::milliseconds max_backoff{std::chrono::seconds(30)};
  std::chrono::milliseconds backoff_reset_after{std::chrono::minutes(2)};
  std::chrono::seconds min_watch_timeout{std::chrono::minutes(5)};  // random in [min, 2*min]
  // A watch silent for this long is treated as broken (0: never). Bookmarks keep a healthy
  // watch talking.
  std::chrono::milliseconds watch_idle_timeout{std::chrono::minutes(5)};
  // Decode watched objects straight into the compact form, leaving out these members (see
  // client::WatchOptions::compact). Informers set these from their own options.
  bool decode_compact = false;
  std::vector<std::vector<std::string>> decode_omit;
};

// Counters for observability; updated by the reflector, read from anywhere.
struct ReflectorStats {
  std::atomic<int64_t> lists{0};
  std::atomic<int64_t> watches{0};
  std::atomic<int64_t> failures{0};
  std::atomic<int64_t> events{0};
};

class Reflector {
 public:
  Reflector(client::ResourceClient resource, ReflectorOptions options, ReflectorSink& sink);

  // Lists and watches until `stop` is requested. Thread: the caller's (one at a time).
  void Run(std::stop_token stop);

  // The newest resourceVersion seen. Thread-safe.
  std::string LastSyncResourceVersion() const;
  const ReflectorStats& stats() const { return stats_; }

 private:
  // Waits `d` or until stopped; returns false when stopped.
  bool Sleep(std::stop_token& stop, std::chrono::milliseconds d);
  std::chrono::milliseconds NextBackoff();
  // The watch's events, on the client's event-loop thread; false stops the watch.
  bool Deliver(std::vector<client::WatchEvent>& events);

  // The open watch, as its callbacks see it.
  struct WatchState {
    client::Stream* stream = nullptr;  // for stopping
    int64_t received = 0;              // events and bookmarks
    bool gone = false;                 // it ended with a 410 Gone error event
    bool ended = false;
    absl::Status status;               // why it ended
  };

  const client::ResourceClient resource_;
  const ReflectorOptions options_;
  ReflectorSink& sink_;
  ReflectorStats stats_;

  mutable kop::Mutex mu_;  // guards rv_, watch_, and the sleep
  kop::CondVar wake_;      // signalled on stop and when a watch ends
  std::string rv_ ABSL_GUARDED_BY(mu_);
  WatchState watch_ ABSL_GUARDED_BY(mu_);

  std::chrono::milliseconds backoff_{0};  // Run's thread only
  std::chrono::steady_clock::time_point healthy_since_;
};

}  // namespace kop::cache

#endif  // KOP_CACHE_REFLECTOR_H_
