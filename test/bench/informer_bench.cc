// Informer initial sync of N ConfigMaps of about 1 KiB from the embedded server: seconds,
// heap bytes held per cached object (full objects and metadata-only), peak RSS; and the event
// throughput from the server's watch to a handler.
//
//   bench_informer [N]     (default 10000; the headline figures use 100000)
#include <malloc.h>
#include <sys/resource.h>

#include <atomic>
#include <cstdlib>
#include <string>
#include <thread>
#include <vector>

#include "bench/bench.h"
#include "bench/embedded_cluster.h"
#include "kop/cache/informer.h"
#include "kop/testing/apiserver.h"

namespace {

// Heap bytes in use after returning freed memory: what the process really holds. Large
// blocks (the cache's hash tables) are mmap'd by malloc and counted apart (hblkhd).
size_t HeapInUse() {
  malloc_trim(0);
  const struct mallinfo2 m = mallinfo2();
  return m.uordblks + m.hblkhd;
}

long PeakRssKib() {
  rusage u{};
  getrusage(RUSAGE_SELF, &u);
  return u.ru_maxrss;
}

class Counter final : public kop::cache::EventHandler {
 public:
  void OnAdd(const kop::cache::ObjectPtr&, bool) override { ++events; }
  void OnUpdate(const kop::cache::ObjectPtr&, const kop::cache::ObjectPtr&) override { ++events; }
  void OnDelete(const kop::cache::ObjectPtr&) override { ++events; }
  std::atomic<long> events{0};
};

}  // namespace

int main(int argc, char** argv) {
  const int n = argc > 1 ? std::atoi(argv[1]) : 10000;
  kop::bench::Report report;
  kop::testing::ApiServerOptions server_options;
  server_options.watch_buffer = 1 << 20;
  kop::bench::EmbeddedCluster cluster(server_options);
  auto& server = cluster.server;
  auto& cms = cluster.configmaps;
  const size_t json_bytes = cluster.CreateConfigMaps(n, 800) * static_cast<size_t>(n);
  std::cerr << "created " << n << " ConfigMaps, " << json_bytes / n << " bytes of JSON each\n";

  for (bool metadata_only : {false, true}) {
    const size_t heap_before = HeapInUse();
    kop::cache::InformerOptions options;
    options.reflector.metadata_only = metadata_only;
    if (metadata_only) {
      // The embedded server answers with whole objects; keep what PartialObjectMetadata holds.
      options.transform = [](kop::Object& o) {
        o.ClearManagedFields();
        o.mutable_json().erase("data");
      };
    }
    auto informer = std::make_unique<kop::cache::Informer>(cms, options);
    const auto start = std::chrono::steady_clock::now();
    informer->Start();
    if (!informer->WaitForCacheSync(std::chrono::minutes(5))) return 1;
    const double secs = kop::bench::SecondsSince(start);
    const size_t heap_after = HeapInUse();
    const std::string mode = metadata_only ? "metadata" : "full";
    report.Add("informer_sync_seconds", secs, "s", {{"objects", n}, {"mode", mode}});
    report.Add("informer_bytes_per_object",
               static_cast<double>(heap_after - heap_before) / n, "bytes",
               {{"objects", n}, {"mode", mode}, {"json_bytes_per_object", json_bytes / n}});
    informer->Stop();
  }
  report.Add("informer_peak_rss_mib", PeakRssKib() / 1024.0, "MiB", {{"objects", n}});

  // From the server's watch to a handler: the watch is stalled while the updates are written,
  // then released, so the burst measures the pipeline rather than the writers.
  {
    auto informer = std::make_unique<kop::cache::Informer>(cms);
    auto counter = std::make_shared<Counter>();
    informer->AddEventHandler(counter);
    informer->Start();
    if (!informer->WaitForCacheSync(std::chrono::minutes(5))) return 1;
    while (server->OpenWatches() < 1) std::this_thread::sleep_for(std::chrono::milliseconds(1));
    const long base = counter->events.load();
    const int updates = std::min(n, 20000);
    server->StallWatchStreams(true);
    {
      std::vector<std::jthread> writers;
      for (int t = 0; t < 2; ++t) {
        writers.emplace_back([&, t] {
          for (int i = t; i < updates; i += 2) {
            (void)cms.Patch("cm-" + std::to_string(i % n), kop::client::PatchType::kMerge,
                            R"({"data":{"payload":")" + std::to_string(i) + R"("}})");
          }
        });
      }
    }
    const auto start = std::chrono::steady_clock::now();
    server->StallWatchStreams(false);
    while (counter->events.load() - base < updates && kop::bench::SecondsSince(start) < 120) {
      std::this_thread::sleep_for(std::chrono::microseconds(200));
    }
    report.Add("informer_events_per_sec",
               (counter->events.load() - base) / kop::bench::SecondsSince(start), "events/s",
               {{"events", updates}});
  }
  return 0;
}
