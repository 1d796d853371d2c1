#include "kop/base/net.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <string>
#include <thread>

namespace kop {

void StopWhileWakingListener(std::string_view host, int port, absl::FunctionRef<void()> stop) {
  std::string address(host);
  if (address.empty() || address == "0.0.0.0" || address == "localhost" || address == "[::]") {
    address = "127.0.0.1";
  }
  std::atomic<bool> stopped{false};
  std::thread waker([&] {
    while (!stopped.load() && port > 0) {
      const int fd = socket(AF_INET, SOCK_STREAM, 0);
      if (fd >= 0) {
        sockaddr_in addr{};
        addr.sin_family = AF_INET;
        addr.sin_port = htons(static_cast<uint16_t>(port));
        if (inet_pton(AF_INET, address.c_str(), &addr.sin_addr) == 1) {
          connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr);
        }
        close(fd);
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
  });
  stop();
  stopped = true;
  waker.join();
}

}  // namespace kop
