// Cost of a log call: disabled (the common case for V(1)+ in production) and enabled into a
// sink that discards, in JSON and text.
#include <chrono>
#include <memory>

#include "bench/bench.h"
#include "kop/api/object_key.h"
#include "kop/log/logger.h"

namespace {

class NullSink final : public kop::log::Sink {
 public:
  void Write(std::string_view line) override { bytes_ += line.size(); }
  size_t bytes_ = 0;
};

double NanosPerCall(const kop::log::Logger& log, int level, int iterations) {
  const kop::ObjectKey key{"default", "web"};
  const auto start = std::chrono::steady_clock::now();
  for (int i = 0; i < iterations; ++i) {
    log.V(level).Info("reconciling", "key", key, "attempt", i);
  }
  return kop::bench::SecondsSince(start) * 1e9 / iterations;
}

}  // namespace

int main() {
  kop::bench::Report report;
  auto sink = std::make_shared<NullSink>();
  for (auto [format, name] : {std::pair{kop::log::Format::kJson, "json"},
                              std::pair{kop::log::Format::kText, "text"}}) {
    kop::log::Logger log(
        {.format = format, .verbosity = 0, .sink = sink});
    kop::log::Logger child = log.WithName("controller").WithValues("controller", "application");
    report.Add("log_disabled_ns_per_call", NanosPerCall(child, 1, 20'000'000), "ns",
               {{"format", name}});
    report.Add("log_enabled_ns_per_call", NanosPerCall(child, 0, 300'000), "ns",
               {{"format", name}});
  }
  return 0;
}
