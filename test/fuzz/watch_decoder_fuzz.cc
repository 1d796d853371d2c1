// The watch-stream decoder on arbitrary bytes cut into arbitrary pieces: it never crashes,
// every event it yields is well-formed, and once it reports an error it stays failed. The
// compact decoding (with managedFields left out) accepts the same streams and yields the same
// events.
#include <cstddef>
#include <cstdint>
#include <string_view>
#include <vector>

#include "kop/client/watch_decoder.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  // The first byte sets the piece size, as a network would cut the stream.
  const size_t piece = 1 + data[0] % 64;
  std::string_view rest(reinterpret_cast<const char*>(data) + 1, size - 1);
  kop::client::WatchDecoder decoder(1 << 16);
  kop::client::WatchDecoder compact(1 << 16);
  compact.DecodeCompact({{"metadata", "managedFields"}});
  std::vector<kop::client::WatchEvent> events;
  std::vector<kop::client::WatchEvent> compact_events;
  while (!rest.empty()) {
    const std::string_view chunk = rest.substr(0, piece);
    rest.remove_prefix(chunk.size());
    const bool ok = decoder.Feed(chunk, &events).ok();
    if (compact.Feed(chunk, &compact_events).ok() != ok) __builtin_trap();
    if (!ok) return 0;
  }
  if (compact_events.size() != events.size()) __builtin_trap();
  for (size_t i = 0; i < events.size(); ++i) {
    kop::client::WatchEvent& e = events[i];
    if (compact_events[i].type != e.type) __builtin_trap();
    if (e.type == kop::client::WatchEvent::Type::kError) continue;
    if (!compact_events[i].object.is_compact()) __builtin_trap();
    e.object.ClearManagedFields();
    if (!(compact_events[i].object == e.object)) __builtin_trap();
  }
  for (const kop::client::WatchEvent& e : events) {
    if (e.type == kop::client::WatchEvent::Type::kError) {
      if (e.error.ok()) __builtin_trap();  // an ERROR event always carries a failed status
    } else if (!e.object.json().is_object()) {
      __builtin_trap();
    }
  }
  (void)decoder.Finish();
  return 0;
}
