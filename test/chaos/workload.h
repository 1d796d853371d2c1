// The chaos harness's seeded workload: Applications created, changed and deleted, and their
// Deployments, Services and ConfigMaps edited and deleted behind the operator's back.
#ifndef KOP_TEST_CHAOS_WORKLOAD_H_
#define KOP_TEST_CHAOS_WORKLOAD_H_

#include <map>
#include <random>
#include <stop_token>
#include <string>

#include "kop/client/client.h"

namespace kop::chaos {

// Thread-compatible: one thread runs it; counts are read after.
class Workload {
 public:
  // Names are drawn from a pool of `pool` ("app-0" ...), so deleted names come back.
  Workload(client::Client& client, std::string ns, int pool, uint64_t seed);
  void Run(std::stop_token stop);
  // Operations attempted and how many the (faulty) server accepted, by kind.
  const std::map<std::string, int>& attempted() const { return attempted_; }
  const std::map<std::string, int>& succeeded() const { return succeeded_; }

  // A random valid Application spec.
  Json RandomSpec();

 private:
  void Step();
  void Count(const std::string& op, bool ok);
  client::ResourceClient apps_, deployments_, services_, configmaps_;
  const int pool_;
  std::mt19937_64 rng_;
  std::map<std::string, int> attempted_, succeeded_;
};

}  // namespace kop::chaos

#endif  // KOP_TEST_CHAOS_WORKLOAD_H_
