// Kubeconfig parsing on arbitrary text: an error or a config with a server, never a crash.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "kop/client/config.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  absl::StatusOr<kop::client::Config> config = kop::client::ConfigFromKubeconfig(text, "", "fuzz", "/nonexistent");
  if (config.ok() && config->server.empty()) __builtin_trap();  // a usable config names its server
  return 0;
}
