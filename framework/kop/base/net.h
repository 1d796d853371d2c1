// kop/base/net: small socket helpers.
#ifndef KOP_BASE_NET_H_
#define KOP_BASE_NET_H_

#include <string_view>

#include "absl/functional/function_ref.h"

namespace kop {

// Runs `stop` (which shuts down a server listening on host:port) while connecting to that
// port every 20 ms. civetweb's listener sleeps in poll() for up to two seconds before it
// notices a stop; a connection wakes it at once. An empty host or a wildcard one means
// loopback.
void StopWhileWakingListener(std::string_view host, int port, absl::FunctionRef<void()> stop);

}  // namespace kop

#endif  // KOP_BASE_NET_H_
