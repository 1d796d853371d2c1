// The faults the chaos harness injects into the API server, and the seeded schedule that
// injects them: closed watches, 410 compactions, cut and stalled streams, bursts of 429 (with
// Retry-After) and 5xx answers, latency spikes.
#ifndef KOP_TEST_CHAOS_FAULTS_H_
#define KOP_TEST_CHAOS_FAULTS_H_

#include <atomic>
#include <chrono>
#include <map>
#include <memory>
#include <random>
#include <stop_token>
#include <string>

#include "kop/testing/apiserver.h"

namespace kop::chaos {

// Where faults go: an embedded server's methods, or kop-apiserver's admin endpoint.
class FaultTarget {
 public:
  virtual ~FaultTarget() = default;
  virtual void CloseWatches() = 0;
  virtual void Compact() = 0;
  virtual void CutStreams() = 0;
  virtual void Stall(bool stalled) = 0;
  virtual void Fail(const testing::FailureRule& rule) = 0;
  virtual void Latency(std::chrono::milliseconds latency) = 0;
  virtual void Clear() = 0;
};

std::unique_ptr<FaultTarget> EmbeddedTarget(testing::ApiServer& server);
// POSTs to <server>/kop-admin/faults (kop-apiserver --admin).
std::unique_ptr<FaultTarget> AdminTarget(std::string server_url);

// Injects a random fault every 150–1200 ms until `stop`, then clears them all. Counts what it
// injected, by kind. Thread-compatible: one thread runs it, counts are read after.
class FaultSchedule {
 public:
  FaultSchedule(FaultTarget& target, uint64_t seed) : target_(target), rng_(seed) {}
  void Run(std::stop_token stop);
  const std::map<std::string, int>& counts() const { return counts_; }
  int total() const;

 private:
  void Sleep(std::stop_token& stop, std::chrono::milliseconds d);
  FaultTarget& target_;
  std::mt19937_64 rng_;
  std::map<std::string, int> counts_;
};

}  // namespace kop::chaos

#endif  // KOP_TEST_CHAOS_FAULTS_H_
