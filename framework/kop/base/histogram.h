// kop/base/histogram: a lock-free, fixed-bucket histogram for hot paths.
//
// Recording is a bucket search plus two relaxed atomic additions, so code that runs per
// reconcile can keep one without caring who reads it; kop/metrics turns a Snapshot into a
// Prometheus histogram at scrape time.
//
//   kop::AtomicHistogram latency({0.005, 0.01, 0.1, 1});
//   latency.Observe(0.02);
//   kop::AtomicHistogram::Snapshot s = latency.Take();  // s.counts[2] == 1
#ifndef KOP_BASE_HISTOGRAM_H_
#define KOP_BASE_HISTOGRAM_H_

#include <algorithm>
#include <atomic>
#include <cstdint>
#include <memory>
#include <vector>

namespace kop {

// Thread-safe.
class AtomicHistogram {
 public:
  // `bounds`: the upper bounds of the buckets, ascending; +Inf is implicit.
  explicit AtomicHistogram(std::vector<double> bounds)
      : bounds_(std::move(bounds)), counts_(new std::atomic<uint64_t>[bounds_.size() + 1]) {
    for (size_t i = 0; i <= bounds_.size(); ++i) counts_[i].store(0, std::memory_order_relaxed);
  }
  AtomicHistogram(const AtomicHistogram&) = delete;
  AtomicHistogram& operator=(const AtomicHistogram&) = delete;

  void Observe(double value) {
    const size_t i = static_cast<size_t>(std::lower_bound(bounds_.begin(), bounds_.end(), value) -
                                         bounds_.begin());
    counts_[i].fetch_add(1, std::memory_order_relaxed);
    sum_.fetch_add(value, std::memory_order_relaxed);
  }

  struct Snapshot {
    std::vector<double> bounds;
    std::vector<uint64_t> counts;  // per bucket (not cumulative); the last is +Inf
    uint64_t count = 0;
    double sum = 0;
  };
  // Consistent per bucket; a concurrent Observe may show in the sum and not yet in a bucket.
  Snapshot Take() const {
    Snapshot s;
    s.bounds = bounds_;
    s.counts.resize(bounds_.size() + 1);
    for (size_t i = 0; i <= bounds_.size(); ++i) {
      s.counts[i] = counts_[i].load(std::memory_order_relaxed);
      s.count += s.counts[i];
    }
    s.sum = sum_.load(std::memory_order_relaxed);
    return s;
  }

  const std::vector<double>& bounds() const { return bounds_; }

 private:
  const std::vector<double> bounds_;
  const std::unique_ptr<std::atomic<uint64_t>[]> counts_;
  std::atomic<double> sum_{0};
};

}  // namespace kop

#endif  // KOP_BASE_HISTOGRAM_H_
