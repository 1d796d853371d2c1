// kop/util/event_recorder: core/v1 Events about objects, as kubectl describe shows them.
//
//   kop::util::EventRecorder& recorder = manager->EventRecorderFor("application-operator");
//   (or, without a Manager: kop::util::EventRecorder recorder(client, {.component = "..."}))
//   recorder.Event(app, kop::util::EventType::kNormal, "Created", "created Deployment web");
//
// Guarantees: Event never blocks and never fails the caller: events are queued (up to
// max_pending; beyond that they are dropped and counted) and written by one background
// thread. A repeat of the same event (object, type, reason, message) increments the existing
// Event's count and lastTimestamp instead of creating another. Each object may emit a burst
// of 25 events, then one per 5 minutes, as client-go's spam filter allows.
#ifndef KOP_UTIL_EVENT_RECORDER_H_
#define KOP_UTIL_EVENT_RECORDER_H_

#include <atomic>
#include <chrono>
#include <deque>
#include <map>
#include <string>
#include <thread>
#include <tuple>

#include "kop/api/object.h"
#include "kop/base/clock.h"
#include "kop/base/mutex.h"
#include "kop/client/client.h"

namespace kop::util {

enum class EventType { kNormal, kWarning };

struct EventRecorderOptions {
  std::string component = "kop";  // source.component and reportingComponent
  std::string host;               // source.host; default: the hostname
  size_t max_pending = 1000;
  int burst_per_object = 25;
  std::chrono::seconds refill_per_object{300};
  const Clock* clock = nullptr;
};

// Thread-safe.
class EventRecorder {
 public:
  EventRecorder(const client::Client& client, EventRecorderOptions options = {});
  ~EventRecorder();

  void Event(const Object& regarding, EventType type, std::string reason, std::string message);

  // Waits until every queued event was written (or dropped); false on timeout. For tests.
  bool WaitIdle(std::chrono::milliseconds timeout);
  int64_t dropped() const { return dropped_.load(); }
  int64_t written() const { return written_.load(); }

 private:
  struct Pending {
    Json involved;
    std::string ns;
    std::string uid;
    EventType type;
    std::string reason;
    std::string message;
    absl::Time at;
  };
  struct Seen {
    std::string name;
    int64_t count;
  };
  struct Bucket {
    double tokens;
    Clock::TimePoint last;
  };
  using AggregateKey = std::tuple<std::string, int, std::string, std::string>;

  void Loop(std::stop_token stop);
  void Write(const Pending& e);
  bool Allow(const std::string& uid);

  const client::Client& client_;
  const EventRecorderOptions options_;
  const Clock& clock_;
  std::string host_;

  kop::Mutex mu_;  // guards pending_ and busy_
  kop::CondVar cv_;
  std::deque<Pending> pending_ ABSL_GUARDED_BY(mu_);
  bool busy_ ABSL_GUARDED_BY(mu_) = false;

  std::map<AggregateKey, Seen> seen_;       // writer thread only
  std::map<std::string, Bucket> buckets_;   // writer thread only
  std::atomic<int64_t> dropped_{0};
  std::atomic<int64_t> written_{0};
  std::jthread thread_;  // last
};

}  // namespace kop::util

#endif  // KOP_UTIL_EVENT_RECORDER_H_
