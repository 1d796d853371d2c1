// The Widget custom resource the benchmarks reconcile and write: namespaced, a status
// subresource, any fields.
#ifndef KOP_TEST_BENCH_WIDGET_CRD_H_
#define KOP_TEST_BENCH_WIDGET_CRD_H_

namespace kop::bench {

inline constexpr const char* kWidgetCrd = R"({"apiVersion":"apiextensions.k8s.io/v1","kind":"CustomResourceDefinition",
  "metadata":{"name":"widgets.bench.kop.example.com"},
  "spec":{"group":"bench.kop.example.com","scope":"Namespaced",
          "names":{"plural":"widgets","singular":"widget","kind":"Widget"},
          "versions":[{"name":"v1","served":true,"storage":true,"subresources":{"status":{}},
                       "schema":{"openAPIV3Schema":{"type":"object","x-kubernetes-preserve-unknown-fields":true}}}]}})";

}  // namespace kop::bench

#endif  // KOP_TEST_BENCH_WIDGET_CRD_H_
