// Reading cached objects never leaves a decoded tree on the cache's shared snapshots: after
// 10,000 reconciles of 1,000 Applications by the Application reconciler, through the cached
// client an operator uses, no cached Application or owned object holds a tree and the heap
// has not grown by the size of one.
//
// Runs against the embedded server, or KOP_TEST_KUBECONFIG's cluster.
#include <malloc.h>

#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include "application_helpers.h"
#include "application_reconciler.h"
#include "catch2/catch.hpp"
#include "kop/api/yaml.h"
#include "kop/cache/informer_factory.h"
#include "kop/client/client.h"
#include "kop/client/config.h"
#include "kop/controller/cached_client.h"
#include "support/cluster.h"
#include "support/wait.h"

namespace kop::test {
namespace {

using std::chrono::seconds;

constexpr int kApplications = 1000;
constexpr int kPasses = 10;

size_t HeapInUse() { return mallinfo2().uordblks; }

TEST_CASE("10,000 reconciles of 1,000 Applications leave no decoded tree in the cache") {
  TestCluster c({.crds_dir = KOP_CRDS_DIR});
  EnsureApplicationCrd(c);
  const std::string ns = c.ns();
  std::unique_ptr<client::Client> api = UnthrottledClient(c);
  client::ResourceClient apps = api->Resource({"example.com", "v1", "applications"}, true).Namespace(ns);
  for (int i = 0; i < kApplications; ++i) {
    Object app = Object::New({"example.com", "v1", "Application"}, {ns, "app-" + std::to_string(i)});
    app.mutable_spec() = {{"image", "nginx:1.25"}, {"replicas", 1 + i % 3}, {"config", {{"k", std::to_string(i)}}}};
    REQUIRE(apps.Create(app).ok());
  }

  cache::InformerFactory informers(*api, {.namespace_ = ns});
  informers.Start();
  CachedClient cached(*api, informers);
  application::ApplicationReconciler reconciler(nullptr);
  ReconcileContext ctx(cached, *api, log::Root().WithName("memory-test"));
  auto reconcile_all = [&] {
    int requeued = 0;
    for (int i = 0; i < kApplications; ++i) {
      absl::StatusOr<Result> r = reconciler.Reconcile({{ns, "app-" + std::to_string(i)}}, ctx);
      REQUIRE(r.ok());
      if (r->requeue) ++requeued;
    }
    return requeued;
  };
  // Converge: create the owned objects, until a pass has nothing left to do and the caches
  // hold all of them.
  const GroupVersionKind deployment{"apps", "v1", "Deployment"};
  REQUIRE(WaitFor([&] { return reconcile_all() == 0 && cached.List(deployment, ns)->size() == kApplications; },
                  seconds(300)));

  // One more pass to settle what a steady reconcile allocates once (log buffers, the queue of
  // the informers' deltas), then the measured passes.
  reconcile_all();
  const size_t before = HeapInUse();
  for (int pass = 0; pass < kPasses; ++pass) reconcile_all();
  const size_t after = HeapInUse();

  size_t with_tree = 0;  // or not compact at all
  size_t cached_objects = 0;
  for (const GroupVersionKind& gvk :
       {GroupVersionKind{"example.com", "v1", "Application"}, deployment, GroupVersionKind{"", "v1", "Service"},
        GroupVersionKind{"", "v1", "ConfigMap"}}) {
    absl::StatusOr<std::vector<client::ObjectPtr>> objects = cached.List(gvk, ns);
    REQUIRE(objects.ok());
    for (const client::ObjectPtr& o : *objects) {
      if (!o->is_compact() || o->has_decoded_tree()) ++with_tree;
      ++cached_objects;
    }
  }
  INFO("heap in use before " << before << " bytes, after " << after << " bytes, cached objects " << cached_objects);
  CHECK(cached_objects >= 4 * kApplications);
  CHECK(with_tree == 0);
  // A decoded Application alone is over 1 KiB: had each kept one, the heap would have grown by
  // more than a megabyte.
  CHECK(after < before + 512 * 1024);
  informers.Stop();
}

}  // namespace
}  // namespace kop::test
