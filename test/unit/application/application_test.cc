// The Application operator's pure parts: spec validation, desired objects, status, flags.
#include "application_reconciler.h"
#include "catch2/catch.hpp"
#include "kop/api/condition.h"
#include "deployment_simulator.h"
#include "kop/testkit/fake_client.h"

namespace application {
namespace {

using kop::Json;
using kop::Object;

Object App(Json spec, int64_t generation = 1) {
  Object app = Object::New(kApplication, {"shop", "web"});
  app.set_uid("uid-1");
  app.set_generation(generation);
  app.mutable_json()["spec"] = std::move(spec);
  return app;
}

TEST_CASE("ValidateSpec names every problem") {
  REQUIRE(ValidateSpec(App({{"image", "nginx"}})).empty());
  std::vector<std::string> p = ValidateSpec(App({{"replicas", 101},
                                                 {"port", 0},
                                                 {"serviceType", "Magic"},
                                                 {"env", {{{"name", "A"}}, {{"name", "A"}}, {{"name", "1 bad"}}}},
                                                 {"config", {{"ok.txt", "x"}, {"bad/key", "y"}}}}));
  auto has = [&](const std::string& text) {
    for (const std::string& s : p) {
      if (s.find(text) != std::string::npos) return true;
    }
    return false;
  };
  REQUIRE(has("spec.image is required"));
  REQUIRE(has("spec.replicas must be an integer from 0 to 100"));
  REQUIRE(has("spec.port"));
  REQUIRE(has("spec.serviceType"));
  REQUIRE(has("\"A\" is set twice"));
  REQUIRE(has("\"1 bad\" is not a valid variable name"));
  REQUIRE(has("\"bad/key\" is not a valid file name"));
  REQUIRE(ValidateSpec(App({{"image", "has space"}})).size() == 1);
}

// The typed Application the reconciler reads from App(spec).
Application Typed(Json spec, int64_t generation = 1) { return ParseApplication(App(std::move(spec), generation)).app; }

template <typename T>
T Decode(const char* json) {
  auto t = kop::FromObject<T>(*Object::Parse(json));
  REQUIRE(t.ok());
  return *t;
}

TEST_CASE("a spec of the wrong types names every field that is wrong") {
  std::vector<std::string> p = ValidateSpec(App({{"image", 5}, {"replicas", "three"}, {"port", true}}));
  REQUIRE_FALSE(p.empty());
  CHECK_THAT(p[0], Catch::Contains("spec.image") && Catch::Contains("spec.replicas") && Catch::Contains("spec.port"));
  CHECK(ValidateSpec(App(nullptr)) == std::vector<std::string>{"spec is missing"});
  CHECK_THAT(ValidateSpec(App({{"image", "x"}, {"resources", {{"cpus", {{"a", "1"}}}}}}))[0],
             Catch::Contains("spec.resources"));
}

TEST_CASE("ConfigHash is stable, order-independent and sensitive to keys and values") {
  const std::string h = ConfigHash({{"a", "1"}, {"b", "2"}});
  REQUIRE(h.size() == 16);
  REQUIRE(ConfigHash({{"b", "2"}, {"a", "1"}}) == h);
  REQUIRE(ConfigHash({{"a", "1"}, {"b", "3"}}) != h);
  REQUIRE(ConfigHash({{"ab", ""}}) != ConfigHash({{"a", "b"}}));
  REQUIRE(ConfigHash({}).size() == 16);
}

TEST_CASE("the desired Deployment sets only the operator's fields and keeps the rest") {
  Application app = Typed({{"image", "shop:2"}, {"replicas", 3}, {"port", 9000},
                           {"env", {{{"name", "MODE"}, {"value", "prod"}}}},
                           {"config", {{"shop.conf", "x=1"}}},
                           {"resources", {{"limits", {{"cpu", "500m"}}}}}});
  // What the API server and other controllers filled in must survive.
  Deployment d = Decode<Deployment>(R"({"apiVersion": "apps/v1", "kind": "Deployment",
    "metadata": {"name": "web", "namespace": "shop"},
    "spec": {"progressDeadlineSeconds": 600,
      "template": {"spec": {"restartPolicy": "Always",
        "containers": [{"name": "app", "image": "old", "imagePullPolicy": "IfNotPresent"},
                       {"name": "sidecar", "image": "proxy"}]}}}})");
  DesiredDeployment(app, d);
  CHECK(d.spec.replicas == 3);
  CHECK(d.spec.selector.match_labels.at(kNameLabel) == "web");
  CHECK(d.spec.template_.metadata.labels.at(kNameLabel) == "web");
  CHECK(d.spec.template_.metadata.annotations.at(kConfigHashAnnotation) == ConfigHash({{"shop.conf", "x=1"}}));
  CHECK(d.spec.progress_deadline_seconds == 600);
  CHECK(d.spec.template_.spec.restart_policy == "Always");
  const auto& containers = d.spec.template_.spec.containers;
  REQUIRE(containers.size() == 2);
  CHECK(containers[0].image == "shop:2");
  CHECK(containers[0].image_pull_policy == "IfNotPresent");
  CHECK(containers[0].ports.at(0).container_port == 9000);
  CHECK(containers[0].env.at(0).value == "prod");
  CHECK(containers[0].resources.limits.at("cpu") == *kop::Quantity::Parse("500m"));
  CHECK(containers[0].volume_mounts.at(0).mount_path == "/etc/app");
  CHECK(containers[1].image == "proxy");
  CHECK(d.spec.template_.spec.volumes.at(0).config_map->name == "web-config");
  CHECK(d.metadata.labels.at(kManagedByLabel) == "application-operator");

  // Applying it again changes nothing: a steady state writes nothing.
  Deployment again = d;
  DesiredDeployment(app, again);
  CHECK(again == d);
}

TEST_CASE("a Deployment as the API server stores it, defaults and all, is already as desired") {
  Application app = Typed({{"image", "shop:2"}, {"replicas", 3}, {"port", 9000},
                           {"resources", {{"limits", {{"cpu", "1000m"}}}}}});
  Deployment fresh;
  DesiredDeployment(app, fresh);
  // What kube-apiserver adds (and the embedded server too), with quantities in canonical form.
  kop::Json stored = kop::ToObject(fresh).json();
  kop::Json& pod = stored["spec"]["template"]["spec"];
  pod["restartPolicy"] = "Always";
  pod["dnsPolicy"] = "ClusterFirst";
  pod["terminationGracePeriodSeconds"] = 30;
  pod["schedulerName"] = "default-scheduler";
  pod["securityContext"] = Json::object();
  pod["volumes"][0]["configMap"]["defaultMode"] = 420;
  kop::Json& c = pod["containers"][0];
  c["imagePullPolicy"] = "IfNotPresent";
  c["terminationMessagePath"] = "/dev/termination-log";
  c["terminationMessagePolicy"] = "File";
  c["resources"]["limits"]["cpu"] = "1";
  stored["spec"]["strategy"] = {{"type", "RollingUpdate"}, {"rollingUpdate", {{"maxSurge", "25%"}, {"maxUnavailable", "25%"}}}};
  stored["spec"]["revisionHistoryLimit"] = 10;
  stored["spec"]["progressDeadlineSeconds"] = 600;
  Deployment server = *kop::FromObject<Deployment>(Object(stored));
  Deployment again = server;
  DesiredDeployment(app, again);
  CHECK(again == server);  // nothing to write: a steady state stays quiet
}

TEST_CASE("the desired Service keeps the node port the server assigned") {
  Application app = Typed({{"image", "x"}, {"port", 80}, {"serviceType", "NodePort"}});
  Service svc = Decode<Service>(R"({"apiVersion": "v1", "kind": "Service", "metadata": {"name": "web", "namespace": "shop"},
      "spec": {"clusterIP": "10.0.0.7", "ports": [{"name": "http", "port": 80, "nodePort": 31234}]}})");
  DesiredService(app, svc);
  CHECK(svc.spec.type == "NodePort");
  CHECK(svc.spec.cluster_ip == "10.0.0.7");
  CHECK(svc.spec.ports.at(0).node_port == 31234);
  CHECK(svc.spec.ports.at(0).target_port == kop::IntOrString(80));
  CHECK(svc.spec.selector.at(kNameLabel) == "web");

  ConfigMap cm;
  DesiredConfigMap(Typed({{"image", "x"}, {"config", {{"a.txt", "hello"}}}}), cm);
  CHECK(cm.data.at("a.txt") == "hello");
  ConfigMap empty;
  DesiredConfigMap(Typed({{"image", "x"}}), empty);
  CHECK_FALSE(kop::ToObject(empty).json().contains("data"));  // as the server stores it
}

TEST_CASE("status follows the Deployment: Progressing, then Ready") {
  Application app = Typed({{"image", "x"}, {"replicas", 2}}, 3);
  const absl::Time now = absl::FromUnixSeconds(1800000000);

  ApplicationStatus none = DesiredStatus(app, nullptr, {}, now);
  CHECK(none.observed_generation == 3);
  CHECK(kop::FindCondition(none.conditions, "Ready")->status == "False");
  CHECK(kop::FindCondition(none.conditions, "Progressing")->status == "True");
  CHECK(kop::FindCondition(none.conditions, "Degraded")->status == "False");

  Object d = Object::New(kDeployment, {"shop", "web"});
  d.set_generation(1);
  d.mutable_json()["spec"] = {{"replicas", 2}};
  d.mutable_json()["status"] = {{"observedGeneration", 1}, {"replicas", 2}, {"updatedReplicas", 2}, {"readyReplicas", 1}};
  Deployment half_rolled = *kop::FromObject<Deployment>(d);
  ApplicationStatus half = DesiredStatus(app, &half_rolled, {}, now);
  CHECK(half.ready_replicas == 1);
  CHECK(kop::FindCondition(half.conditions, "Ready")->message == "1/2 replicas ready");

  d.mutable_json()["status"] = RolledOutStatus(d, now);
  Deployment rolled = *kop::FromObject<Deployment>(d);
  ApplicationStatus done = DesiredStatus(app, &rolled, {}, now);
  CHECK(done.ready_replicas == 2);
  CHECK(done.selector == "app.kubernetes.io/name=web");
  CHECK(kop::FindCondition(done.conditions, "Ready")->status == "True");
  CHECK(kop::FindCondition(done.conditions, "Ready")->observed_generation == 3);
  CHECK(kop::FindCondition(done.conditions, "Progressing")->status == "False");

  // An unchanged situation later keeps the transition times: no status write.
  Application with_status = app;
  with_status.status = done;
  CHECK(DesiredStatus(with_status, &rolled, {}, now + absl::Minutes(5)) == done);
}

TEST_CASE("an invalid spec is Degraded with the reasons") {
  ApplicationStatus s = DesiredStatus(Typed({{"replicas", 2}}), nullptr, {"spec.image is required"}, absl::Now());
  CHECK(kop::FindCondition(s.conditions, "Degraded")->status == "True");
  CHECK(kop::FindCondition(s.conditions, "Degraded")->reason == "InvalidSpec");
  CHECK(kop::FindCondition(s.conditions, "Degraded")->message == "spec.image is required");
  CHECK(kop::FindCondition(s.conditions, "Ready")->status == "False");
}

TEST_CASE("Reconcile writes the owned objects and the status, then nothing (in memory, no server)") {
  Object app = App({{"image", "nginx:1.25"}, {"replicas", 2}, {"config", {{"app.conf", "x"}}}});
  kop::testkit::FakeClient fake({app});
  ApplicationReconciler reconciler(nullptr);
  kop::ReconcileContext ctx(fake, fake, kop::log::Root());

  auto result = reconciler.Reconcile({app.key()}, ctx);
  REQUIRE(result.ok());
  auto deployment = fake.Get(kDeployment, app.key());
  REQUIRE(deployment.ok());
  CHECK((*deployment)->json()["spec"]["replicas"] == 2);
  auto owners = (*deployment)->owner_references();
  REQUIRE(owners.ok());
  REQUIRE(owners->size() == 1);
  CHECK((*owners)[0].uid == "uid-1");
  CHECK(fake.Get(kService, app.key()).ok());
  CHECK(fake.Get(kConfigMap, {"shop", "web-config"}).ok());
  auto stored = fake.Get(kApplication, app.key());
  REQUIRE(stored.ok());
  REQUIRE((*stored)->status() != nullptr);
  CHECK((*stored)->status()->contains("conditions"));

  // Converged: a second reconcile reads everything and writes nothing.
  fake.ClearWrites();
  result = reconciler.Reconcile({app.key()}, ctx);
  REQUIRE(result.ok());
  for (const auto& w : fake.Writes()) FAIL_CHECK("unexpected " << w.verb << " of " << w.gvk.kind << " " << w.key.name);
  CHECK(fake.Writes().empty());
}

TEST_CASE("Reconcile leaves an object another controller owns and reports it") {
  Object app = App({{"image", "nginx:1.25"}});
  Object foreign = Object::New(kService, {"shop", "web"});
  foreign.mutable_json()["metadata"]["ownerReferences"] = {{{"apiVersion", "v1"}, {"kind", "Other"}, {"name", "x"},
                                                            {"uid", "other-uid"}, {"controller", true}}};
  kop::testkit::FakeClient fake({app, foreign});
  ApplicationReconciler reconciler(nullptr);
  kop::ReconcileContext ctx(fake, fake, kop::log::Root());
  auto result = reconciler.Reconcile({app.key()}, ctx);
  CHECK_FALSE(result.ok());  // retried: the conflict may be resolved by a person
  auto service = fake.Get(kService, app.key());
  REQUIRE(service.ok());
  CHECK((*service)->json()["metadata"]["ownerReferences"][0]["uid"] == "other-uid");
  auto stored = fake.Get(kApplication, app.key());
  REQUIRE(stored.ok());
  bool degraded = false;
  for (const Json& c : (*stored)->status()->value("conditions", Json::array())) {
    if (c["type"] == "Degraded" && c["status"] == "True") degraded = true;
  }
  CHECK(degraded);
}

}  // namespace
}  // namespace application
