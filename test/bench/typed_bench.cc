// Typed objects against the unstructured path, on a cached (compact) Deployment as the server
// stores it: decoding into kop::k8s::apps::v1::Deployment and encoding back, against copying
// the object into a JSON tree (what changing an unstructured object costs) and writing it out.
#include <chrono>
#include <string>

#include "bench/bench.h"
#include "kop/api/codec.h"
#include "kop/api/object.h"
#include "kop/k8s/apps/v1.h"

namespace {

constexpr char kDeployment[] = R"({
  "apiVersion": "apps/v1", "kind": "Deployment",
  "metadata": {"name": "web", "namespace": "default", "uid": "8c1d4f3e-2b1a-4c5d-9e8f-0a1b2c3d4e5f",
               "resourceVersion": "123456", "generation": 4, "creationTimestamp": "2026-01-02T03:04:05Z",
               "labels": {"app": "web", "tier": "frontend"}, "annotations": {"deployment.kubernetes.io/revision": "3"},
               "ownerReferences": [{"apiVersion": "example.com/v1", "kind": "Application", "name": "web",
                                    "uid": "1f2e3d4c-5b6a-4978-8695-a4b3c2d1e0f9", "controller": true, "blockOwnerDeletion": true}]},
  "spec": {
    "replicas": 3, "revisionHistoryLimit": 10, "progressDeadlineSeconds": 600,
    "selector": {"matchLabels": {"app": "web"}},
    "strategy": {"type": "RollingUpdate", "rollingUpdate": {"maxSurge": "25%", "maxUnavailable": "25%"}},
    "template": {
      "metadata": {"creationTimestamp": null, "labels": {"app": "web", "tier": "frontend"}},
      "spec": {"containers": [{"name": "web", "image": "nginx:1.27", "args": ["--port", "8080"],
                               "env": [{"name": "MODE", "value": "prod"}, {"name": "LOG", "value": "info"}],
                               "ports": [{"name": "http", "containerPort": 8080, "protocol": "TCP"}],
                               "resources": {"limits": {"cpu": "1", "memory": "512Mi"}, "requests": {"cpu": "250m", "memory": "128Mi"}},
                               "readinessProbe": {"httpGet": {"path": "/healthz", "port": "http", "scheme": "HTTP"},
                                                  "periodSeconds": 5, "timeoutSeconds": 1, "successThreshold": 1, "failureThreshold": 3},
                               "terminationMessagePath": "/dev/termination-log", "terminationMessagePolicy": "File",
                               "imagePullPolicy": "IfNotPresent"}],
               "restartPolicy": "Always", "terminationGracePeriodSeconds": 30, "dnsPolicy": "ClusterFirst",
               "securityContext": {}, "schedulerName": "default-scheduler"}}},
  "status": {"observedGeneration": 4, "replicas": 3, "updatedReplicas": 3, "readyReplicas": 3, "availableReplicas": 3,
             "conditions": [{"type": "Available", "status": "True", "reason": "MinimumReplicasAvailable", "message": "ok",
                             "lastUpdateTime": "2026-01-02T03:04:06Z", "lastTransitionTime": "2026-01-02T03:04:06Z"},
                            {"type": "Progressing", "status": "True", "reason": "NewReplicaSetAvailable", "message": "ok",
                             "lastUpdateTime": "2026-01-02T03:04:06Z", "lastTransitionTime": "2026-01-02T03:04:05Z"}]}
})";

template <typename F>
double NanosPer(int iterations, F&& f) {
  for (int i = 0; i < iterations / 10; ++i) f();  // warm up
  const auto start = std::chrono::steady_clock::now();
  for (int i = 0; i < iterations; ++i) f();
  return kop::bench::SecondsSince(start) * 1e9 / iterations;
}

}  // namespace

int main() {
  kop::bench::Report report;
  kop::Object cached = *kop::Object::Parse(kDeployment);
  cached.Compact();  // as an informer's cache holds it
  const kop::Json params = {{"object", "Deployment"}, {"bytes", cached.Dump().size()}};
  constexpr int kIterations = 100'000;

  report.Add("typed_decode_ns", NanosPer(kIterations, [&] {
               auto d = kop::FromObject<kop::k8s::apps::v1::Deployment>(cached);
               kop::bench::DoNotOptimize(d);
             }), "ns", params);
  const auto typed = *kop::FromObject<kop::k8s::apps::v1::Deployment>(cached);
  report.Add("typed_encode_ns", NanosPer(kIterations, [&] {
               kop::Object o = kop::ToObject(typed);
               kop::bench::DoNotOptimize(o);
             }), "ns", params);
  report.Add("typed_decode_encode_ns", NanosPer(kIterations, [&] {
               auto d = kop::FromObject<kop::k8s::apps::v1::Deployment>(cached);
               kop::Object o = kop::ToObject(*d);
               kop::bench::DoNotOptimize(o);
             }), "ns", params);
  // The unstructured path to a changeable object: the cached snapshot copied into a tree.
  report.Add("unstructured_copy_to_tree_ns", NanosPer(kIterations, [&] {
               kop::Object o(cached.view().ToJson());
               kop::bench::DoNotOptimize(o);
             }), "ns", params);
  report.Add("unstructured_copy_to_tree_and_back_ns", NanosPer(kIterations, [&] {
               kop::Object o(cached.view().ToJson());
               kop::Json j = o.json();
               kop::bench::DoNotOptimize(j);
             }), "ns", params);
  // Reading a few fields in place, the cheapest unstructured read (no copy at all).
  report.Add("unstructured_read_fields_ns", NanosPer(kIterations, [&] {
               kop::JsonView v = cached.view();
               int64_t replicas = v["spec"]["replicas"].get_int64();
               std::string_view image = v["spec"]["template"]["spec"]["containers"].at(0)["image"].get_string();
               kop::bench::DoNotOptimize(replicas);
               kop::bench::DoNotOptimize(image);
             }), "ns", params);
  report.Add("cache_tree_decoded_after_typed_reads", cached.has_decoded_tree() ? 1 : 0, "bool", params);
  return 0;
}
