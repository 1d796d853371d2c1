#include "catch2/catch.hpp"
#include "kop/base/histogram.h"

#include <thread>
#include <vector>

namespace kop {
namespace {

TEST_CASE("AtomicHistogram puts a value on a bound in that bucket, as Prometheus' le does") {
  AtomicHistogram h({0.1, 1, 10});
  h.Observe(0.1);   // le="0.1"
  h.Observe(0.5);   // le="1"
  h.Observe(1);     // le="1"
  h.Observe(100);   // +Inf
  const AtomicHistogram::Snapshot s = h.Take();
  REQUIRE(s.counts == std::vector<uint64_t>{1, 2, 0, 1});
  REQUIRE(s.count == 4);
  REQUIRE(s.sum == Approx(101.6));
}

TEST_CASE("AtomicHistogram loses no observation under concurrent writers") {
  AtomicHistogram h({1, 2});
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&h, t] {
      for (int i = 0; i < 10000; ++i) h.Observe(t % 3);
    });
  }
  for (auto& t : threads) t.join();
  const AtomicHistogram::Snapshot s = h.Take();
  REQUIRE(s.count == 40000);
  REQUIRE(s.counts[0] == 30000);  // le="1": the 0s (threads 0 and 3) and the 1s (thread 1)
  REQUIRE(s.counts[1] == 10000);  // le="2": thread 2
  REQUIRE(s.counts[2] == 0);
}

}  // namespace
}  // namespace kop
