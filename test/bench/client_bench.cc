// kop/client: watch-event decode throughput (events/s and MB/s on one core) for 1 KiB and
// 10 KiB objects, list-and-decode of 10,000 1 KiB ConfigMaps from the embedded server, and
// the round trip of one request at a time (get, merge patch).
#include <string>
#include <vector>

#include "bench/bench.h"
#include "bench/embedded_cluster.h"
#include "kop/client/client.h"
#include "kop/client/watch_decoder.h"
#include "kop/testing/apiserver.h"

namespace {

std::string EventLine(int i, size_t object_bytes) {
  const std::string head = R"({"type":"MODIFIED","object":{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"cm-)" +
                           std::to_string(i) +
                           R"(","namespace":"default","uid":"6b1d3f7e-1c2a-4d0e-9f8a-0c1d2e3f4a5b","resourceVersion":")" +
                           std::to_string(100000 + i) +
                           R"(","creationTimestamp":"2026-01-01T00:00:00Z","labels":{"app":"bench","tier":"web"}},"data":{"payload":")";
  const std::string tail = "\"}}}\n";
  const size_t fill = object_bytes > head.size() + tail.size() ? object_bytes - head.size() - tail.size() : 0;
  return head + std::string(fill, 'x') + tail;
}

// `compact`: straight into compact objects, as informers decode (the figures then carry
// form=compact).
void DecodeBench(kop::bench::Report& report, size_t object_kib, bool compact) {
  // A stream of events delivered in 16 KiB chunks, as a socket would.
  std::string stream;
  for (int i = 0; i < 256; ++i) stream += EventLine(i, object_kib * 1024);
  const size_t events_per_pass = 256;
  constexpr size_t kChunk = 16 * 1024;
  size_t events = 0;
  size_t bytes = 0;
  const auto start = std::chrono::steady_clock::now();
  while (kop::bench::SecondsSince(start) < 2.0) {
    kop::client::WatchDecoder decoder;
    if (compact) decoder.DecodeCompact({{"metadata", "managedFields"}});
    std::vector<kop::client::WatchEvent> out;
    out.reserve(events_per_pass);
    for (size_t off = 0; off < stream.size(); off += kChunk) {
      if (!decoder.Feed(std::string_view(stream).substr(off, kChunk), &out).ok()) std::abort();
    }
    kop::bench::DoNotOptimize(out.back().object.resource_version().size());
    events += out.size();
    bytes += stream.size();
  }
  const double secs = kop::bench::SecondsSince(start);
  nlohmann::json params = {{"object_kib", object_kib}};
  if (compact) params["form"] = "compact";
  report.Add("watch_decode_events_per_sec", events / secs, "events/s", params);
  report.Add("watch_decode_mb_per_sec", bytes / secs / 1e6, "MB/s", params);
}

}  // namespace

int main() {
  kop::bench::Report report;
  for (bool compact : {false, true}) {
    DecodeBench(report, 1, compact);
    DecodeBench(report, 10, compact);
  }

  kop::bench::EmbeddedCluster cluster;
  cluster.CreateConfigMaps(10000, 900);
  auto& cms = cluster.configmaps;
  double best = 1e9;
  for (int i = 0; i < 3; ++i) {
    const auto start = std::chrono::steady_clock::now();
    auto list = cms.List();
    if (!list.ok() || list->items.size() != 10000) return 1;
    best = std::min(best, kop::bench::SecondsSince(start) * 1000);
  }
  report.Add("client_list_decode_ms", best, "ms", {{"objects", 10000}, {"object_kib", 1}});
  double paged = 1e9;
  for (int i = 0; i < 3; ++i) {
    const auto start = std::chrono::steady_clock::now();
    auto list = cms.ListAll({.limit = 500});
    if (!list.ok() || list->items.size() != 10000) return 1;
    paged = std::min(paged, kop::bench::SecondsSince(start) * 1000);
  }
  report.Add("client_list_decode_ms", paged, "ms", {{"objects", 10000}, {"object_kib", 1}, {"page", 500}});

  // One request at a time, through the whole stack (client, HTTP, server): the floor under
  // every reconcile's latency.
  constexpr int kRequests = 5000;
  for (const char* verb : {"get", "patch"}) {
    const auto start = std::chrono::steady_clock::now();
    for (int i = 0; i < kRequests; ++i) {
      const std::string name = "cm-" + std::to_string(i % 10000);
      const bool ok = std::string(verb) == "get"
                          ? cms.Get(name).ok()
                          : cms.Patch(name, kop::client::PatchType::kMerge, R"({"data":{"k":"v"}})").ok();
      if (!ok) return 1;
    }
    report.Add("client_round_trip_us", kop::bench::SecondsSince(start) * 1e6 / kRequests, "us", {{"verb", verb}});
  }
  return 0;
}
