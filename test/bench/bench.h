// A small harness for kop's benchmarks: measure, then print one JSON object
// {"figures": [{"name", "value", "unit", "params"}, ...]} on stdout, the format
// scripts/bench collects. Human-readable progress goes to stderr.
#ifndef KOP_TEST_BENCH_BENCH_H_
#define KOP_TEST_BENCH_BENCH_H_

#include <chrono>
#include <cstdio>
#include <iostream>
#include <string>
#include <utility>

#include "nlohmann/json.hpp"

namespace kop::bench {

class Report {
 public:
  void Add(std::string name, double value, std::string unit, nlohmann::json params = {}) {
    std::cerr << "  " << name << " " << params.dump() << ": " << value << " " << unit << "\n";
    figures_.push_back({{"name", std::move(name)},
                        {"value", value},
                        {"unit", std::move(unit)},
                        {"params", params.is_null() ? nlohmann::json::object() : params}});
  }
  ~Report() { std::cout << nlohmann::json{{"figures", figures_}}.dump(2) << std::endl; }

 private:
  nlohmann::json figures_ = nlohmann::json::array();
};

// Seconds since `start` on the steady clock.
inline double SecondsSince(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

// Keeps the optimiser from deleting a computation whose result is unused.
template <typename T>
inline void DoNotOptimize(const T& value) {
  asm volatile("" : : "r,m"(value) : "memory");
}

}  // namespace kop::bench

#endif  // KOP_TEST_BENCH_BENCH_H_
