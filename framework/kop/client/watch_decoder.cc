#include "kop/client/watch_decoder.h"

#include <cstring>

#include "kop/api/json_view.h"
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

void WatchDecoder::DecodeCompact(const std::vector<std::vector<std::string>>& omit) {
  compact_ = true;
  omit_.clear();
  for (const std::vector<std::string>& path : omit) {
    omit_.push_back({"object"});
    omit_.back().insert(omit_.back().end(), path.begin(), path.end());
  }
}

absl::Status WatchDecoder::DecodeLine(std::string_view line, std::vector<WatchEvent>* out) {
  // The event in either form, read through a view.
  Json tree;
  CompactJson doc;
  JsonView root;
  if (compact_) {
    absl::StatusOr<CompactJson> c = CompactJson::Parse(line, omit_);
    if (!c.ok()) {
      return absl::InvalidArgumentError(
          kop::StrCat("watch stream: malformed event: ", c.status().message()));
    }
    doc = *std::move(c);
    root = doc.view();
  } else {
    absl::StatusOr<Json> j = ParseJson(line);
    if (!j.ok()) {
      return absl::InvalidArgumentError(
          kop::StrCat("watch stream: malformed event: ", j.status().message()));
    }
    tree = *std::move(j);
    root = JsonView(tree);
  }
  if (!root.is_object()) {
    return absl::InvalidArgumentError(
        kop::StrCat("watch stream: event is a ", JsonTypeName(root), ", not an object"));
  }
  const JsonView type = root["type"];
  const JsonView object = root["object"];
  if (!type.is_string()) return absl::InvalidArgumentError("watch stream: event without a type");
  const std::string_view t = type.get_string();
  if (!object.is_object()) {
    return absl::InvalidArgumentError(
        kop::StrCat("watch stream: ", t, " event without an object"));
  }
  WatchEvent e;
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
    if (const JsonView c = object["code"]; c.is_number_integer()) {
      const int64_t v = c.get_int64();
      if (v >= 100 && v <= 599) code = static_cast<int>(v);
    }
    e.error = ApiErrorFromResponse(code, object.Dump());
  } else {
    return absl::InvalidArgumentError(kop::StrCat("watch stream: unknown event type \"", t, "\""));
  }
  e.object = compact_ ? Object(CompactJson::Copy(object)) : Object(std::move(tree["object"]));
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
