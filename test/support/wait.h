// Waiting on a condition with a deadline, the only way tests wait.
#ifndef KOP_TEST_SUPPORT_WAIT_H_
#define KOP_TEST_SUPPORT_WAIT_H_

#include <chrono>
#include <functional>
#include <thread>

namespace kop::test {

// Polls `condition` until it holds or `timeout` passes; returns whether it held. Polling is
// for conditions on other threads' progress that no notification exposes; the interval
// only bounds the wake-up delay, it never decides an outcome.
inline bool WaitFor(const std::function<bool()>& condition,
                    std::chrono::milliseconds timeout = std::chrono::seconds(10)) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (!condition()) {
    if (std::chrono::steady_clock::now() >= deadline) return condition();
    std::this_thread::sleep_for(std::chrono::microseconds(200));
  }
  return true;
}

}  // namespace kop::test

#endif  // KOP_TEST_SUPPORT_WAIT_H_
