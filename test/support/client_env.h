// A kop client for a TestCluster (integration tests of kop's own modules; the API server
// conformance tests deliberately use support/http_client.h instead).
#ifndef KOP_TEST_SUPPORT_CLIENT_ENV_H_
#define KOP_TEST_SUPPORT_CLIENT_ENV_H_

#include <memory>

#include "catch2/catch.hpp"
#include "kop/client/client.h"
#include "support/cluster.h"

namespace kop::test {

// The cluster's client Config (from its kubeconfig), with client-side rate limiting `qps`
// (0: off).
inline client::Config ClientConfig(TestCluster& c, double qps = 0) {
  auto config = client::LoadKubeconfig({.path = c.kubeconfig()});
  INFO(config.status().ToString());
  REQUIRE(config.ok());
  config->qps = qps;
  return *config;
}

inline std::unique_ptr<client::Client> ConnectClient(TestCluster& c, double qps = 0) {
  auto client = client::Client::Create(ClientConfig(c, qps));
  REQUIRE(client.ok());
  return *std::move(client);
}

}  // namespace kop::test

#endif  // KOP_TEST_SUPPORT_CLIENT_ENV_H_
