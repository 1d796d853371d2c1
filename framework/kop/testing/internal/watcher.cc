#include "kop/testing/internal/watcher.h"

namespace kop::testing::internal {
namespace {

const char* TypeName(EventType t) {
  switch (t) {
    case EventType::kAdded: return "ADDED";
    case EventType::kModified: return "MODIFIED";
    case EventType::kDeleted: return "DELETED";
  }
  return "";
}

// The object as this watcher's version of the resource serves it.
std::string EncodeFor(const ResourceInfo& info, const Object& obj, uint64_t rv) {
  Object copy = obj;
  copy.set_api_version(info.ApiVersion());
  copy.set_resource_version(std::to_string(rv));
  return DumpJson(copy.json());
}

}  // namespace

bool WatchFilter::Matches(const Object& obj) const {
  if (!namespace_.empty() && obj.namespace_() != namespace_) return false;
  return labels.Matches(obj.Find({"metadata", "labels"})) && fields.Matches(obj);
}

Watcher::Watcher(std::shared_ptr<const ResourceInfo> info, WatchFilter filter, uint64_t min_rv,
                 size_t capacity)
    : info_(std::move(info)), filter_(std::move(filter)), min_rv_(min_rv), capacity_(capacity) {}

std::shared_ptr<const std::string> Watcher::EncodeEvent(EventType type, const std::string& json) {
  std::string line;
  line.reserve(json.size() + 32);
  line += "{\"type\":\"";
  line += TypeName(type);
  line += "\",\"object\":";
  line += json;
  line += "}\n";
  return std::make_shared<const std::string>(std::move(line));
}

bool Watcher::Deliver(const Change& change) {
  if (change.rv <= min_rv_) return false;
  const bool now = filter_.Matches(*change.object.obj);
  const bool before = change.prev != nullptr && filter_.Matches(*change.prev);
  const bool same_version = change.object.obj->api_version() == info_->ApiVersion();
  std::shared_ptr<const std::string> line;
  switch (change.type) {
    case EventType::kAdded:
      if (!now) return false;
      line = same_version ? change.line
                          : EncodeEvent(EventType::kAdded,
                                        EncodeFor(*info_, *change.object.obj, change.rv));
      break;
    case EventType::kModified:
      if (now && before) {
        line = same_version ? change.line
                            : EncodeEvent(EventType::kModified,
                                          EncodeFor(*info_, *change.object.obj, change.rv));
      } else if (now) {
        line = EncodeEvent(EventType::kAdded, same_version
                                                  ? *change.object.json
                                                  : EncodeFor(*info_, *change.object.obj, change.rv));
      } else if (before) {
        // Upstream sends the previous state, stamped with the new resourceVersion.
        line = EncodeEvent(EventType::kDeleted, EncodeFor(*info_, *change.prev, change.rv));
      } else {
        return false;
      }
      break;
    case EventType::kDeleted:
      if (!before && !now) return false;
      line = same_version ? change.line
                          : EncodeEvent(EventType::kDeleted,
                                        EncodeFor(*info_, *change.object.obj, change.rv));
      break;
  }
  kop::MutexLock lock(&mu_);
  return PushLocked(std::move(line));
}

void Watcher::DeliverInitial(const Change& change) {
  if (!filter_.Matches(*change.object.obj)) return;
  std::shared_ptr<const std::string> line =
      change.object.obj->api_version() == info_->ApiVersion()
          ? change.line
          : EncodeEvent(EventType::kAdded, EncodeFor(*info_, *change.object.obj, change.rv));
  kop::MutexLock lock(&mu_);
  PushLocked(std::move(line));
}

void Watcher::Push(std::shared_ptr<const std::string> line) {
  kop::MutexLock lock(&mu_);
  if (PushLocked(std::move(line))) ready_.Signal();
}

void Watcher::Wake() { ready_.Signal(); }

bool Watcher::PushLocked(std::shared_ptr<const std::string> line) {
  if (closed_) return false;
  if (lines_.size() >= capacity_) {
    // A client too slow to keep up is cut off, as upstream does; it re-watches from the
    // last resourceVersion it saw.
    closed_ = true;
    ready_.SignalAll();
    return false;
  }
  const bool was_empty = lines_.empty();
  lines_.push_back(std::move(line));
  // Only the first line of a batch needs to wake the reader; the rest ride along. The wake
  // itself happens outside the store lock. No wake-up is lost: a waiting reader set
  // waiting_ under mu_ and entered its wait atomically with releasing mu_.
  return was_empty && waiting_;
}

void Watcher::Close() {
  kop::MutexLock lock(&mu_);
  closed_ = true;
  ready_.SignalAll();
}

bool Watcher::IsClosed() {
  kop::MutexLock lock(&mu_);
  return closed_;
}

void Watcher::CutNextEvent() {
  kop::MutexLock lock(&mu_);
  cut_ = true;
}

bool Watcher::WaitAndDrain(std::chrono::steady_clock::time_point deadline, std::string* out,
                           bool* cut) {
  kop::MutexLock lock(&mu_);
  while (lines_.empty() && !closed_) {
    waiting_ = true;
    const bool signalled = ready_.WaitUntil(&mu_, deadline);
    waiting_ = false;
    if (!signalled) break;
  }
  *cut = false;
  if (cut_ && !lines_.empty()) {
    // Half of the first pending event, then the stream ends.
    const std::string& first = *lines_.front();
    out->append(first, 0, first.size() / 2);
    lines_.clear();
    closed_ = true;
    *cut = true;
    return false;
  }
  for (const auto& line : lines_) out->append(*line);
  lines_.clear();
  return !closed_;
}

}  // namespace kop::testing::internal
