#include "kop/client/watch_decoder.h"

#include <cstring>

#include "kop/base/strings.h"
#include "kop/client/errors.h"

namespace kop::client {

std::string_view WatchEventTypeName(WatchEvent::Type t) {
  switch (t) {
    case WatchEvent::Type::kAdded: return "ADDED";
    case WatchEvent::Type::kModified: return "MODIFIED";
    case WatchEvent::Type::kDeleted: return "DELETED";
    case WatchEvent::Type::kBookmark: return "BOOKMARK";
    case WatchEvent::Type::kError: return "ERROR";
  }
  return "";
}

WatchDecoder::WatchDecoder(size_t max_event_bytes) : max_event_bytes_(max_event_bytes) {}

absl::Status WatchDecoder::Feed(std::string_view bytes, std::vector<WatchEvent>* out) {
  buffer_.append(bytes.data(), bytes.size());
  while (true) {
    const char* begin = buffer_.data() + scanned_;
    const char* nl = static_cast<const char*>(
        std::memchr(begin, '\n', buffer_.size() - scanned_));
    if (nl == nullptr) {
      scanned_ = buffer_.size();
      if (buffered_bytes() > max_event_bytes_) {
        return absl::InvalidArgumentError(kop::StrCat(
            "watch stream: an event exceeds ", max_event_bytes_, " bytes without a newline"));
      }
      break;
    }
    const size_t end = static_cast<size_t>(nl - buffer_.data());
    std::string_view line(buffer_.data() + consumed_, end - consumed_);
    consumed_ = end + 1;
    scanned_ = consumed_;
    while (!line.empty() && (line.back() == '\r' || line.back() == ' ')) line.remove_suffix(1);
    if (line.empty()) continue;  // keep-alive
    absl::Status s = DecodeLine(line, out);
    if (!s.ok()) return s;
  }
  // Drop what has been decoded, cheaply: only when it is most of the buffer.
  if (consumed_ > 0 && consumed_ * 2 >= buffer_.size()) {
    buffer_.erase(0, consumed_);
    scanned_ -= consumed_;
    consumed_ = 0;
  }
  return absl::OkStatus();
}

absl::Status WatchDecoder::DecodeLine(std::string_view line, std::vector<WatchEvent>* out) {
  absl::StatusOr<Json> j = ParseJson(line);
  if (!j.ok()) {
    return absl::InvalidArgumentError(
        kop::StrCat("watch stream: malformed event: ", j.status().message()));
  }
  if (!j->is_object()) {
    return absl::InvalidArgumentError(
        kop::StrCat("watch stream: event is a ", JsonTypeName(*j), ", not an object"));
  }
  auto type = j->find("type");
  auto object = j->find("object");
  if (type == j->end() || !type->is_string()) {
    return absl::InvalidArgumentError("watch stream: event without a type");
  }
  if (object == j->end() || !object->is_object()) {
    return absl::InvalidArgumentError(
        kop::StrCat("watch stream: ", type->get<std::string>(), " event without an object"));
  }
  WatchEvent e;
  const std::string& t = type->get_ref<const std::string&>();
  if (t == "ADDED") {
    e.type = WatchEvent::Type::kAdded;
  } else if (t == "MODIFIED") {
    e.type = WatchEvent::Type::kModified;
  } else if (t == "DELETED") {
    e.type = WatchEvent::Type::kDeleted;
  } else if (t == "BOOKMARK") {
    e.type = WatchEvent::Type::kBookmark;
  } else if (t == "ERROR") {
    e.type = WatchEvent::Type::kError;
    int code = 500;  // a Status without a usable code is still an error
    if (auto c = object->find("code"); c != object->end() && c->is_number_integer()) {
      const int64_t v = c->get<int64_t>();
      if (v >= 100 && v <= 599) code = static_cast<int>(v);
    }
    e.error = ApiErrorFromResponse(code, DumpJson(*object));
  } else {
    return absl::InvalidArgumentError(kop::StrCat("watch stream: unknown event type \"", t, "\""));
  }
  e.object = Object(std::move(*object));
  out->push_back(std::move(e));
  return absl::OkStatus();
}

absl::Status WatchDecoder::Finish() const {
  std::string_view rest(buffer_.data() + consumed_, buffer_.size() - consumed_);
  while (!rest.empty() && (rest.back() == '\r' || rest.back() == ' ' || rest.back() == '\n')) {
    rest.remove_suffix(1);
  }
  if (!rest.empty()) {
    return absl::DataLossError(kop::StrCat("watch stream ended inside an event (",
                                           rest.size(), " bytes of it received)"));
  }
  return absl::OkStatus();
}

}  // namespace kop::client
