#include "kop/util/event_recorder.h"

#include <unistd.h>

#include <cstdio>

#include "kop/api/time.h"
#include "kop/base/strings.h"
#include "kop/client/errors.h"

namespace kop::util {

EventRecorder::EventRecorder(const client::Client& client, EventRecorderOptions options)
    : client_(client),
      options_(std::move(options)),
      clock_(options_.clock != nullptr ? *options_.clock : RealClock()),
      host_(options_.host) {
  if (host_.empty()) {
    char name[256] = {};
    if (gethostname(name, sizeof name - 1) == 0) host_ = name;
  }
  thread_ = std::jthread([this](std::stop_token stop) { Loop(stop); });
}

EventRecorder::~EventRecorder() {
  thread_.request_stop();
  {
    kop::MutexLock lock(&mu_);
    cv_.SignalAll();
  }
}

void EventRecorder::Event(const Object& regarding, EventType type, std::string reason,
                          std::string message) {
  Pending e{.involved = {{"apiVersion", regarding.api_version()},
                         {"kind", regarding.kind()},
                         {"name", regarding.name()},
                         {"uid", regarding.uid()},
                         {"resourceVersion", regarding.resource_version()}},
            .ns = regarding.namespace_().empty() ? "default" : std::string(regarding.namespace_()),
            .uid = std::string(regarding.uid()),
            .type = type,
            .reason = std::move(reason),
            .message = std::move(message),
            .at = clock_.WallNow()};
  if (!regarding.namespace_().empty()) e.involved["namespace"] = regarding.namespace_();
  kop::MutexLock lock(&mu_);
  if (pending_.size() >= options_.max_pending) {
    ++dropped_;
    return;
  }
  pending_.push_back(std::move(e));
  cv_.Signal();
}

bool EventRecorder::WaitIdle(std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  kop::MutexLock lock(&mu_);
  while (!pending_.empty() || busy_) {
    if (!cv_.WaitUntil(&mu_, deadline)) break;
  }
  return pending_.empty() && !busy_;
}

bool EventRecorder::Allow(const std::string& uid) {
  const Clock::TimePoint now = clock_.Now();
  auto [it, inserted] = buckets_.try_emplace(uid, Bucket{static_cast<double>(options_.burst_per_object), now});
  Bucket& b = it->second;
  if (!inserted) {
    const double refill = std::chrono::duration<double>(now - b.last).count() /
                          std::max<double>(1, static_cast<double>(options_.refill_per_object.count()));
    b.tokens = std::min<double>(options_.burst_per_object, b.tokens + refill);
    b.last = now;
  }
  if (b.tokens < 1) return false;
  b.tokens -= 1;
  return true;
}

void EventRecorder::Write(const Pending& e) {
  if (!Allow(e.uid)) {
    ++dropped_;
    return;
  }
  const std::string type = e.type == EventType::kNormal ? "Normal" : "Warning";
  const std::string ts = FormatRFC3339(e.at);
  auto events = client_.Resource({"", "v1", "events"}, true).Namespace(e.ns);
  const AggregateKey key{e.uid, static_cast<int>(e.type), e.reason, e.message};
  if (auto seen = seen_.find(key); seen != seen_.end()) {
    const int64_t count = seen->second.count + 1;
    absl::StatusOr<Object> patched = events.Patch(
        seen->second.name, client::PatchType::kMerge,
        DumpJson({{"count", count}, {"lastTimestamp", ts}}));
    if (patched.ok()) {
      seen->second.count = count;
      ++written_;
      return;
    }
    seen_.erase(seen);  // gone (expired or deleted): record it afresh
  }
  char suffix[32];
  std::snprintf(suffix, sizeof suffix, "%llx",
                static_cast<unsigned long long>(absl::ToUnixNanos(e.at)));
  Object event = Object::New({"", "v1", "Event"}, {e.ns, kop::StrCat(e.involved.value("name", "event"), ".", suffix)});
  Json& j = event.mutable_json();
  j["involvedObject"] = e.involved;
  j["reason"] = e.reason;
  j["message"] = e.message;
  j["type"] = type;
  j["count"] = 1;
  j["firstTimestamp"] = ts;
  j["lastTimestamp"] = ts;
  j["source"] = {{"component", options_.component}, {"host", host_}};
  j["reportingComponent"] = options_.component;
  j["reportingInstance"] = host_;
  absl::StatusOr<Object> created = events.Create(event);
  if (created.ok()) {
    seen_[key] = Seen{std::string(created->name()), 1};
    ++written_;
  } else {
    ++dropped_;  // events are best effort; a reconcile never waits on them
  }
}

void EventRecorder::Loop(std::stop_token stop) {
  while (true) {
    Pending e;
    {
      kop::MutexLock lock(&mu_);
      busy_ = false;
      cv_.SignalAll();
      while (pending_.empty() && !stop.stop_requested()) cv_.Wait(&mu_);
      if (stop.stop_requested()) return;
      e = std::move(pending_.front());
      pending_.pop_front();
      busy_ = true;
    }
    Write(e);
  }
}

}  // namespace kop::util
