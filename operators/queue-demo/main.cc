// kop-queue-demo: the reconcile loop's plumbing at work, with no API server.
//
// Simulated events for a handful of objects land on a rate-limited work queue; a pool of
// workers "reconciles" them. Some reconciles fail and come back with per-key exponential
// backoff; a burst of events for one key is folded into one reconcile; no key is ever
// reconciled by two workers at once. Everything is logged as structured records.
//
//   kop-queue-demo [--workers N] [--objects N] [--log-format json|text] [-v N]
#include <atomic>
#include <cstdlib>
#include <iostream>
#include <random>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "kop/api/object_key.h"
#include "kop/log/logger.h"
#include "kop/workqueue/workqueue.h"

namespace {

struct Flags {
  int workers = 2;
  int objects = 6;
  kop::log::Format format = kop::log::Format::kText;
  int verbosity = 0;
};

int Usage(const std::string& error) {
  std::cerr << "kop-queue-demo: " << error << "\n"
            << "usage: kop-queue-demo [--workers N] [--objects N] [--log-format json|text] [-v N]\n";
  return 2;
}

}  // namespace

int main(int argc, char** argv) {
  Flags flags;
  for (int i = 1; i < argc; ++i) {
    std::string_view arg = argv[i];
    auto next = [&]() -> const char* { return i + 1 < argc ? argv[++i] : nullptr; };
    const char* value = nullptr;
    if (arg == "--workers" && (value = next())) {
      flags.workers = std::atoi(value);
    } else if (arg == "--objects" && (value = next())) {
      flags.objects = std::atoi(value);
    } else if (arg == "--log-format" && (value = next())) {
      auto f = kop::log::ParseFormat(value);
      if (!f.ok()) return Usage(std::string(f.status().message()));
      flags.format = *f;
    } else if (arg == "-v" && (value = next())) {
      flags.verbosity = std::atoi(value);
    } else {
      return Usage("unknown or incomplete flag " + std::string(arg));
    }
  }
  if (flags.workers < 1 || flags.objects < 1) return Usage("--workers and --objects must be >= 1");

  kop::log::Configure({.format = flags.format, .verbosity = flags.verbosity});
  kop::log::Logger log = kop::log::Root().WithName("queue-demo");

  kop::workqueue::RateLimitingQueue<kop::ObjectKey> queue(
      kop::workqueue::DefaultControllerRateLimiter<kop::ObjectKey>(), {.name = "demo"});

  // Every object fails its first `failures[i]` reconciles, then succeeds.
  std::vector<int> failures(flags.objects);
  std::vector<std::atomic<int>> attempts(flags.objects);
  std::vector<std::atomic<int>> in_flight(flags.objects);
  std::mt19937 rng(42);
  for (int& f : failures) f = static_cast<int>(rng() % 4);
  std::atomic<int> converged{0};
  std::atomic<int> overlaps{0};

  std::vector<std::jthread> workers;
  for (int w = 0; w < flags.workers; ++w) {
    workers.emplace_back([&, w] {
      kop::log::Logger wlog = log.WithValues("worker", w);
      while (std::optional<kop::ObjectKey> key = queue.Get()) {
        const int idx = std::atoi(key->name.c_str() + key->name.rfind('-') + 1);
        if (in_flight[idx].fetch_add(1) != 0) ++overlaps;
        const int attempt = attempts[idx].fetch_add(1) + 1;
        if (attempt <= failures[idx]) {
          const int requeues = queue.NumRequeues(*key);
          wlog.Error(absl::UnavailableError("simulated conflict"), "reconcile failed; backing off",
                     "key", *key, "attempt", attempt, "requeues", requeues + 1);
          queue.AddRateLimited(*key);
        } else {
          wlog.Info("reconciled", "key", *key, "attempt", attempt);
          queue.Forget(*key);
          if (attempt == failures[idx] + 1) ++converged;
        }
        in_flight[idx].fetch_sub(1);
        queue.Done(*key);
      }
    });
  }

  // A burst of events per object: folded by the queue into far fewer reconciles.
  for (int burst = 0; burst < 5; ++burst) {
    for (int i = 0; i < flags.objects; ++i) {
      queue.Add({"default", "app-" + std::to_string(i)});
    }
  }
  log.Info("enqueued events", "events", 5 * flags.objects, "objects", flags.objects,
           "workers", flags.workers);

  while (converged.load() < flags.objects) std::this_thread::sleep_for(std::chrono::milliseconds(5));
  queue.ShutDownWithDrain();
  workers.clear();

  int total = 0;
  for (auto& a : attempts) total += a.load();
  log.Info("all objects converged", "objects", flags.objects, "reconciles", total,
           "events", 5 * flags.objects, "concurrentReconcilesOfOneKey", overlaps.load());
  return overlaps.load() == 0 ? 0 : 1;
}
