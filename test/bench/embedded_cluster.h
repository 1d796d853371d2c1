// For benchmarks: an embedded API server with a client and N ConfigMaps in "default".
#ifndef KOP_TEST_BENCH_EMBEDDED_CLUSTER_H_
#define KOP_TEST_BENCH_EMBEDDED_CLUSTER_H_

#include <memory>
#include <string>

#include "kop/client/client.h"
#include "kop/testing/apiserver.h"

namespace kop::bench {

struct EmbeddedCluster {
  // Starts the server and a client without client-side rate limiting; exits on failure (a
  // benchmark that cannot set up has nothing to measure).
  explicit EmbeddedCluster(kop::testing::ApiServerOptions options = {}) {
    auto s = kop::testing::ApiServer::Start(options);
    if (!s.ok()) std::abort();
    server = *std::move(s);
    kop::client::Config config;
    config.server = server->url();
    config.qps = 0;
    auto c = kop::client::Client::Create(config);
    if (!c.ok()) std::abort();
    client = *std::move(c);
    configmaps = client->Resource({"", "v1", "configmaps"}, true).Namespace("default");
  }

  // Creates cm-0 .. cm-(n-1) with a payload of `payload_bytes`; returns the average JSON size.
  size_t CreateConfigMaps(int n, size_t payload_bytes) {
    size_t json_bytes = 0;
    for (int i = 0; i < n; ++i) {
      Object cm = Object::New({"", "v1", "ConfigMap"}, {"", "cm-" + std::to_string(i)});
      cm.set_labels({{"app", "bench"}, {"shard", std::to_string(i % 16)}});
      cm.mutable_json()["data"] = {{"payload", std::string(payload_bytes, 'x')}};
      auto created = configmaps.Create(cm);
      if (!created.ok()) std::abort();
      // Measured as the informer caches it: without managedFields (its default transform).
      created->ClearManagedFields();
      json_bytes += created->Dump().size();
    }
    return n > 0 ? json_bytes / n : 0;
  }

  std::unique_ptr<kop::testing::ApiServer> server;
  std::unique_ptr<kop::client::Client> client;
  kop::client::ResourceClient configmaps{nullptr, {}, true};
};

}  // namespace kop::bench

#endif  // KOP_TEST_BENCH_EMBEDDED_CLUSTER_H_
