// kop/client/watch_decoder: watch events from a byte stream, incrementally.
//
// A watch response is a stream of JSON objects, one per line: {"type": ..., "object": ...}.
// Bytes arrive in arbitrary pieces (an event split anywhere, several per piece, blank
// keep-alive lines); Feed() takes them as they come and yields each complete event once.
//
//   kop::client::WatchDecoder decoder;
//   std::vector<kop::client::WatchEvent> events;
//   KOP_RETURN_IF_ERROR(decoder.Feed(chunk, &events));
//   ...
//   KOP_RETURN_IF_ERROR(decoder.Finish());  // at end of stream: no half event left over
//
// Not thread-safe; one decoder per stream.
#ifndef KOP_CLIENT_WATCH_DECODER_H_
#define KOP_CLIENT_WATCH_DECODER_H_

#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "kop/api/object.h"

namespace kop::client {

struct WatchEvent {
  enum class Type { kAdded, kModified, kDeleted, kBookmark, kError };
  Type type = Type::kAdded;
  // The object (for kBookmark: only apiVersion, kind and metadata.resourceVersion; for
  // kError: the Status object).
  Object object;
  // For kError: the Status as an absl::Status (IsResourceExpired for a 410, ...).
  absl::Status error;
};

std::string_view WatchEventTypeName(WatchEvent::Type t);

class WatchDecoder {
 public:
  // Events larger than `max_event_bytes` are an error (the stream is garbage or hostile).
  explicit WatchDecoder(size_t max_event_bytes = size_t{512} << 20);

  // Appends every event completed by `bytes` to `out`. InvalidArgument naming the problem
  // when a line is not JSON, not an object, has no known type, or has no object; the stream
  // cannot be trusted after that.
  absl::Status Feed(std::string_view bytes, std::vector<WatchEvent>* out);

  // From now on, decode objects straight into the compact form (Object::is_compact()), with
  // no JSON tree in between, leaving out the members at `omit` (paths of keys under the
  // object, "*" matching any key or element; see CompactJson::Parse).
  void DecodeCompact(const std::vector<std::vector<std::string>>& omit = {});

  // At end of stream: DataLoss when bytes of an unfinished event remain (a cut stream).
  absl::Status Finish() const;

  size_t buffered_bytes() const { return buffer_.size() - consumed_; }

 private:
  absl::Status DecodeLine(std::string_view line, std::vector<WatchEvent>* out);

  const size_t max_event_bytes_;
  bool compact_ = false;
  std::vector<std::vector<std::string>> omit_;  // under the event: each starts with "object"
  std::string buffer_;
  size_t consumed_ = 0;  // bytes of buffer_ already decoded
  size_t scanned_ = 0;   // bytes of buffer_ known to hold no newline
};

}  // namespace kop::client

#endif  // KOP_CLIENT_WATCH_DECODER_H_
