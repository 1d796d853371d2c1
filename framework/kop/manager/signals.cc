// Manager::Run: Start, stopped by SIGTERM or SIGINT.
#include <fcntl.h>
#include <signal.h>
#include <unistd.h>

#include <atomic>
#include <thread>

#include "kop/manager/manager.h"

namespace kop {
namespace {

// Signal delivery: the handler only writes a byte to a pipe (async-signal-safe); a second
// signal exits at once, as kubectl users expect of a second Ctrl-C.
int g_signal_pipe[2] = {-1, -1};
std::atomic<int> g_signals{0};

void OnSignal(int) {
  if (g_signals.fetch_add(1) >= 1) _exit(130);
  const char b = 1;
  (void)!write(g_signal_pipe[1], &b, 1);
}

}  // namespace

absl::Status Manager::Run() {
  if (g_signal_pipe[0] < 0 && pipe2(g_signal_pipe, O_CLOEXEC) != 0) {
    return absl::InternalError("cannot create the signal pipe");
  }
  struct sigaction sa {};
  sa.sa_handler = &OnSignal;
  sigemptyset(&sa.sa_mask);
  sigaction(SIGTERM, &sa, nullptr);
  sigaction(SIGINT, &sa, nullptr);
  std::stop_source stop;
  std::jthread watcher([&stop](std::stop_token self) {
    char b;
    while (!self.stop_requested()) {
      if (read(g_signal_pipe[0], &b, 1) == 1) {
        if (b == 1) stop.request_stop();
        return;
      }
    }
  });
  absl::Status s = Start(stop.get_token());
  const char done = 0;
  (void)!write(g_signal_pipe[1], &done, 1);  // release the watcher when no signal came
  return s;
}

}  // namespace kop
