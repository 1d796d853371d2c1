#include <string>

#include <catch2/catch.hpp>

#include "kop/api/codec.h"
#include "kop/api/object.h"
#include "kop/k8s/apps/v1.h"
#include "kop/k8s/coordination/v1.h"
#include "kop/k8s/core/v1.h"

namespace {

namespace apps = kop::k8s::apps::v1;
namespace core = kop::k8s::core::v1;

// A Deployment as kube-apiserver returns it (what its Go types encode).
constexpr char kStoredDeployment[] = R"({
  "apiVersion": "apps/v1", "kind": "Deployment",
  "metadata": {"name": "web", "namespace": "default", "uid": "u-1", "resourceVersion": "7", "generation": 2,
               "creationTimestamp": "2026-01-02T03:04:05Z", "labels": {"app": "web"}},
  "spec": {
    "replicas": 3, "revisionHistoryLimit": 10, "progressDeadlineSeconds": 600,
    "selector": {"matchLabels": {"app": "web"}},
    "strategy": {"type": "RollingUpdate", "rollingUpdate": {"maxSurge": "25%", "maxUnavailable": 1}},
    "template": {
      "metadata": {"creationTimestamp": null, "labels": {"app": "web"}},
      "spec": {"containers": [{"name": "web", "image": "nginx:1.27",
                               "ports": [{"containerPort": 80, "protocol": "TCP"}],
                               "resources": {"limits": {"cpu": "1", "memory": "1Gi"}, "requests": {"cpu": "250m"}},
                               "terminationMessagePath": "/dev/termination-log", "imagePullPolicy": "IfNotPresent"}],
               "restartPolicy": "Always", "terminationGracePeriodSeconds": 30, "dnsPolicy": "ClusterFirst",
               "securityContext": {}, "schedulerName": "default-scheduler"}}},
  "status": {"observedGeneration": 2, "replicas": 3, "readyReplicas": 3, "availableReplicas": 3,
             "conditions": [{"type": "Available", "status": "True", "reason": "MinimumReplicasAvailable",
                             "message": "ok", "lastUpdateTime": "2026-01-02T03:04:06Z",
                             "lastTransitionTime": "2026-01-02T03:04:06Z"}]}
})";

kop::Object Parse(const char* text) {
  auto obj = kop::Object::Parse(text);
  REQUIRE(obj.ok());
  return *obj;
}

}  // namespace

TEST_CASE("a stored Deployment decodes into its type and encodes back to the same JSON", "[k8s]") {
  kop::Object stored = Parse(kStoredDeployment);
  auto d = kop::FromObject<apps::Deployment>(stored);
  REQUIRE(d.ok());
  CHECK(d->metadata.name == "web");
  CHECK(d->metadata.generation == 2);
  CHECK(d->spec.replicas == 3);
  CHECK(d->spec.template_.spec.containers.at(0).image == "nginx:1.27");
  CHECK(d->spec.strategy.rolling_update->max_surge == kop::IntOrString("25%"));
  CHECK(d->spec.strategy.rolling_update->max_unavailable == kop::IntOrString(1));
  CHECK(d->status.ready_replicas == 3);
  CHECK(kop::ToObject(*d).json() == stored.json());
}

TEST_CASE("fields the types do not model survive a round trip, at the top and nested", "[k8s]") {
  kop::Object stored = Parse(R"({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "c", "creationTimestamp": null, "futureMeta": 1},
                                 "data": {"a": "b"}, "futureField": {"x": [1, 2]}})");
  auto cm = kop::FromObject<core::ConfigMap>(stored);
  REQUIRE(cm.ok());
  CHECK(cm->unknown_fields.at("futureField") == kop::Json::parse(R"({"x": [1, 2]})"));
  CHECK(kop::ToObject(*cm).json() == stored.json());
}

TEST_CASE("empty maps and lists are left out, as the server's omitempty does", "[k8s]") {
  core::ConfigMap cm;
  cm.metadata.name = "c";
  cm.metadata.namespace_ = "default";
  kop::Json j = kop::ToObject(cm).json();
  CHECK_FALSE(j.contains("data"));
  CHECK_FALSE(j["metadata"].contains("labels"));
  CHECK(j["metadata"] == kop::Json::parse(R"({"name": "c", "namespace": "default", "creationTimestamp": null})"));
  CHECK(j["apiVersion"] == "v1");
  CHECK(j["kind"] == "ConfigMap");
}

TEST_CASE("fields Go always writes are written when unset: structs as {}, times as null", "[k8s]") {
  apps::Deployment d;
  d.metadata.name = "web";
  kop::Json j = kop::ToObject(d).json();
  CHECK(j["spec"]["template"]["metadata"]["creationTimestamp"].is_null());
  CHECK(j["spec"]["template"]["metadata"].contains("creationTimestamp"));
  CHECK(j["status"] == kop::Json::object());
  CHECK_FALSE(j["spec"].contains("replicas"));
}

TEST_CASE("quantities compare by value and are written in canonical form", "[k8s]") {
  kop::Object pod = Parse(R"({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "p"},
      "spec": {"containers": [{"name": "c", "image": "i",
               "resources": {"limits": {"cpu": "1000m", "memory": "1024Mi"}, "requests": {"cpu": 0.5}}}]}})");
  auto p = kop::FromObject<core::Pod>(pod);
  REQUIRE(p.ok());
  const auto& limits = p->spec.containers.at(0).resources.limits;
  CHECK(limits.at("cpu") == *kop::Quantity::Parse("1"));
  kop::Json out = kop::ToObject(*p).json();
  CHECK(out["spec"]["containers"][0]["resources"]["limits"]["cpu"] == "1");
  CHECK(out["spec"]["containers"][0]["resources"]["limits"]["memory"] == "1Gi");
  CHECK(out["spec"]["containers"][0]["resources"]["requests"]["cpu"] == "500m");
}

TEST_CASE("a value that is not a quantity is an error naming the field", "[k8s]") {
  kop::Object pod = Parse(R"({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "p", "namespace": "ns"},
      "spec": {"containers": [{"name": "c", "resources": {"limits": {"cpu": "lots"}}}]}})");
  auto p = kop::FromObject<core::Pod>(pod);
  REQUIRE_FALSE(p.ok());
  CHECK(p.status().code() == absl::StatusCode::kInvalidArgument);
  CHECK_THAT(std::string(p.status().message()), Catch::Contains("v1 Pod ns/p") &&
                                                    Catch::Contains("spec.containers[0].resources.limits.cpu") &&
                                                    Catch::Contains("quantities must match"));
}

TEST_CASE("a field of the wrong JSON type is an error naming the path and what was found", "[k8s]") {
  kop::Object stored = Parse(R"({"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "d"},
                                 "spec": {"replicas": "three"}})");
  auto d = kop::FromObject<apps::Deployment>(stored);
  REQUIRE_FALSE(d.ok());
  CHECK_THAT(std::string(d.status().message()),
             Catch::Contains("spec.replicas: expected a 32-bit integer, got string \"three\""));
}

TEST_CASE("an object of another kind is refused", "[k8s]") {
  auto d = kop::FromObject<apps::Deployment>(Parse(R"({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "c"}})"));
  REQUIRE_FALSE(d.ok());
  CHECK(d.status().code() == absl::StatusCode::kFailedPrecondition);
}

TEST_CASE("int-or-string holds either and scales percentages as upstream does", "[k8s]") {
  kop::IntOrString port = 8080;
  kop::IntOrString named = "http";
  CHECK(port.is_int());
  CHECK(named.is_string());
  CHECK(port.ToString() == "8080");
  CHECK(kop::IntOrString("25%").ScaledValue(10, true).value() == 3);
  CHECK(kop::IntOrString("25%").ScaledValue(10, false).value() == 2);
  CHECK(kop::IntOrString(4).ScaledValue(10, true).value() == 4);
  CHECK_FALSE(kop::IntOrString("x%").ScaledValue(10, true).ok());
  CHECK(kop::codec::Encode(port) == kop::Json(8080));
  CHECK(kop::codec::Encode(named) == kop::Json("http"));
}

TEST_CASE("a Secret's data is bytes in the type and base64 in JSON", "[k8s]") {
  core::Secret s;
  s.metadata.name = "creds";
  s.data["password"] = kop::Bytes("s3cret\n");
  kop::Json j = kop::ToObject(s).json();
  CHECK(j["data"]["password"] == "czNjcmV0Cg==");
  auto back = kop::FromObject<core::Secret>(kop::Object(j));
  REQUIRE(back.ok());
  CHECK(back->data.at("password") == "s3cret\n");
  j["data"]["password"] = "not base64!";
  CHECK_FALSE(kop::FromObject<core::Secret>(kop::Object(j)).ok());
}

TEST_CASE("micro times keep six fraction digits", "[k8s]") {
  kop::Object lease = Parse(R"({"apiVersion": "coordination.k8s.io/v1", "kind": "Lease", "metadata": {"name": "l"},
                                "spec": {"holderIdentity": "a", "renewTime": "2026-01-02T03:04:05.123456Z"}})");
  auto l = kop::FromObject<kop::k8s::coordination::v1::Lease>(lease);
  REQUIRE(l.ok());
  CHECK(kop::ToObject(*l).json()["spec"]["renewTime"] == "2026-01-02T03:04:05.123456Z");
}

TEST_CASE("decoding a compact object reads it in place, without expanding a JSON tree", "[k8s]") {
  kop::Object stored = Parse(kStoredDeployment);
  stored.Compact();
  auto d = kop::FromObject<apps::Deployment>(stored);
  REQUIRE(d.ok());
  CHECK(d->spec.replicas == 3);
  CHECK_FALSE(stored.has_decoded_tree());
}

TEST_CASE("typed objects compare by value, quantities by amount", "[k8s]") {
  core::Container a;
  a.name = "c";
  a.resources.limits["cpu"] = *kop::Quantity::Parse("1000m");
  core::Container b = a;
  b.resources.limits["cpu"] = *kop::Quantity::Parse("1");
  CHECK(a == b);
  b.image = "other";
  CHECK_FALSE(a == b);
}

TEST_CASE("quantity and int-or-string edge cases read and write as the server does", "[k8s]") {
  struct Case {
    const char* in;
    const char* out;
  };
  for (const Case& c : {Case{"0.5Gi", "512Mi"}, Case{"1e3", "1e3"}, Case{"100m", "100m"}, Case{"0", "0"},
                        Case{"1.5", "1500m"}, Case{"2048Ki", "2Mi"}}) {
    INFO(c.in);
    kop::Json j = {{"apiVersion", "v1"}, {"kind", "ResourceQuota"}, {"metadata", {{"name", "q"}}},
                   {"spec", {{"hard", {{"cpu", c.in}}}}}};
    auto q = kop::FromObject<core::ResourceQuota>(kop::Object(j));
    REQUIRE(q.ok());
    CHECK(kop::ToObject(*q).json()["spec"]["hard"]["cpu"] == c.out);
  }
  kop::Json svc = {{"apiVersion", "v1"}, {"kind", "Service"}, {"metadata", {{"name", "s"}}},
                   {"spec", {{"ports", {{{"port", 80}, {"targetPort", 3.5}}}}}}};
  auto bad = kop::FromObject<core::Service>(kop::Object(svc));
  REQUIRE_FALSE(bad.ok());
  CHECK_THAT(std::string(bad.status().message()), Catch::Contains("spec.ports[0].targetPort"));
  svc["spec"]["ports"][0]["targetPort"] = 8080.0;  // an integral float is an int, as Go reads it
  auto ok = kop::FromObject<core::Service>(kop::Object(svc));
  REQUIRE(ok.ok());
  CHECK(ok->spec.ports.at(0).target_port == kop::IntOrString(8080));
  svc["spec"]["ports"][0]["targetPort"] = int64_t{1} << 40;  // beyond int32
  CHECK_FALSE(kop::FromObject<core::Service>(kop::Object(svc)).ok());
}

TEST_CASE("a kind's apiVersion is matched exactly, core group included", "[k8s]") {
  constexpr kop::StaticGroupVersionKind apps{"apps", "v1", "Deployment"};
  constexpr kop::StaticGroupVersionKind core{"", "v1", "Pod"};
  static_assert(apps.MatchesApiVersion("apps/v1"));
  CHECK_FALSE(apps.MatchesApiVersion("v1"));
  CHECK_FALSE(apps.MatchesApiVersion("apps/v1beta1"));
  CHECK_FALSE(apps.MatchesApiVersion("appsXv1"));
  CHECK(core.MatchesApiVersion("v1"));
  CHECK_FALSE(core.MatchesApiVersion("apps/v1"));
}
