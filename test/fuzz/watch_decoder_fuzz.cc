// The watch-stream decoder on arbitrary bytes cut into arbitrary pieces: it never crashes,
// every event it yields is well-formed, and once it reports an error it stays failed.
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
  std::vector<kop::client::WatchEvent> events;
  while (!rest.empty()) {
    const std::string_view chunk = rest.substr(0, piece);
    rest.remove_prefix(chunk.size());
    if (!decoder.Feed(chunk, &events).ok()) return 0;
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
