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

TEST_CASE("ConfigHash is stable, order-independent and sensitive to keys and values") {
  const std::string h = ConfigHash({{"a", "1"}, {"b", "2"}});
  REQUIRE(h.size() == 16);
  REQUIRE(ConfigHash(Json::parse(R"({"b":"2","a":"1"})")) == h);
  REQUIRE(ConfigHash({{"a", "1"}, {"b", "3"}}) != h);
  REQUIRE(ConfigHash({{"ab", ""}}) != ConfigHash({{"a", "b"}}));
  REQUIRE(ConfigHash(Json::object()) == ConfigHash(nullptr));
}

TEST_CASE("the desired Deployment sets only the operator's fields and keeps the rest") {
  Object app = App({{"image", "shop:2"}, {"replicas", 3}, {"port", 9000},
                    {"env", {{{"name", "MODE"}, {"value", "prod"}}}},
                    {"config", {{"shop.conf", "x=1"}}},
                    {"resources", {{"limits", {{"cpu", "500m"}}}}}});
  Object d = Object::New(kDeployment, {"shop", "web"});
  // What the API server and other controllers filled in must survive.
  d.mutable_json()["spec"] = Json::parse(R"({
    "progressDeadlineSeconds": 600,
    "template": {"spec": {"restartPolicy": "Always",
      "containers": [{"name": "app", "image": "old", "imagePullPolicy": "IfNotPresent"},
                     {"name": "sidecar", "image": "proxy"}]}}})");
  DesiredDeployment(app, d);
  const Json& spec = d.json()["spec"];
  REQUIRE(spec["replicas"] == 3);
  REQUIRE(spec["selector"]["matchLabels"]["app.kubernetes.io/name"] == "web");
  REQUIRE(spec["template"]["metadata"]["labels"]["app.kubernetes.io/name"] == "web");
  REQUIRE(spec["template"]["metadata"]["annotations"][kConfigHashAnnotation] ==
          ConfigHash({{"shop.conf", "x=1"}}));
  REQUIRE(spec["progressDeadlineSeconds"] == 600);
  REQUIRE(spec["template"]["spec"]["restartPolicy"] == "Always");
  const Json& containers = spec["template"]["spec"]["containers"];
  REQUIRE(containers.size() == 2);
  REQUIRE(containers[0]["image"] == "shop:2");
  REQUIRE(containers[0]["imagePullPolicy"] == "IfNotPresent");
  REQUIRE(containers[0]["ports"][0]["containerPort"] == 9000);
  REQUIRE(containers[0]["env"][0]["value"] == "prod");
  REQUIRE(containers[0]["resources"]["limits"]["cpu"] == "500m");
  REQUIRE(containers[0]["volumeMounts"][0]["mountPath"] == "/etc/app");
  REQUIRE(containers[1]["image"] == "proxy");
  REQUIRE(spec["template"]["spec"]["volumes"][0]["configMap"]["name"] == "web-config");
  REQUIRE(d.json()["metadata"]["labels"]["app.kubernetes.io/managed-by"] == "application-operator");

  // Applying it again changes nothing: a steady state writes nothing.
  Object again = d;
  DesiredDeployment(app, again);
  REQUIRE(again.json() == d.json());
}

TEST_CASE("a Deployment as the API server stores it, defaults and all, is already as desired") {
  Object app = App({{"image", "shop:2"}, {"replicas", 3}, {"port", 9000}});
  Object fresh = Object::New(kDeployment, {"default", "shop"});
  DesiredDeployment(app, fresh);
  // What kube-apiserver adds to the pod template (and what the embedded server adds too).
  Json& pod = fresh.mutable_json()["spec"]["template"]["spec"];
  pod["restartPolicy"] = "Always";
  pod["dnsPolicy"] = "ClusterFirst";
  pod["terminationGracePeriodSeconds"] = 30;
  pod["schedulerName"] = "default-scheduler";
  pod["securityContext"] = Json::object();
  pod["volumes"][0]["configMap"]["defaultMode"] = 420;
  Json& c = pod["containers"][0];
  c["imagePullPolicy"] = "IfNotPresent";
  c["terminationMessagePath"] = "/dev/termination-log";
  c["terminationMessagePolicy"] = "File";
  c["resources"] = Json::object();
  fresh.mutable_json()["spec"]["strategy"] = {{"type", "RollingUpdate"},
                                              {"rollingUpdate", {{"maxSurge", "25%"}, {"maxUnavailable", "25%"}}}};
  fresh.mutable_json()["spec"]["revisionHistoryLimit"] = 10;
  fresh.mutable_json()["spec"]["progressDeadlineSeconds"] = 600;
  Object again = fresh;
  DesiredDeployment(app, again);
  CHECK(again.json() == fresh.json());  // nothing to write: a steady state stays quiet
}

TEST_CASE("the desired Service keeps the node port the server assigned") {
  Object app = App({{"image", "x"}, {"port", 80}, {"serviceType", "NodePort"}});
  Object svc = Object::New(kService, {"shop", "web"});
  svc.mutable_json()["spec"] = Json::parse(R"({"clusterIP": "10.0.0.7",
      "ports": [{"name": "http", "port": 80, "nodePort": 31234}]})");
  DesiredService(app, svc);
  REQUIRE(svc.json()["spec"]["type"] == "NodePort");
  REQUIRE(svc.json()["spec"]["clusterIP"] == "10.0.0.7");
  REQUIRE(svc.json()["spec"]["ports"][0]["nodePort"] == 31234);
  REQUIRE(svc.json()["spec"]["ports"][0]["targetPort"] == 80);
  REQUIRE(svc.json()["spec"]["selector"]["app.kubernetes.io/name"] == "web");

  Object cm = Object::New(kConfigMap, {"shop", "web-config"});
  DesiredConfigMap(App({{"image", "x"}, {"config", {{"a.txt", "hello"}}}}), cm);
  REQUIRE(cm.json()["data"]["a.txt"] == "hello");
}

const kop::Condition* Find(const Json& status, const std::string& type, std::vector<kop::Condition>& storage) {
  storage = kop::ConditionsFromJson(status["conditions"]).value();
  return kop::FindCondition(storage, type);
}

TEST_CASE("status follows the Deployment: Progressing, then Ready") {
  Object app = App({{"image", "x"}, {"replicas", 2}}, 3);
  const absl::Time now = absl::FromUnixSeconds(1800000000);
  std::vector<kop::Condition> c;

  Json none = DesiredStatus(app, nullptr, {}, now);
  REQUIRE(none["observedGeneration"] == 3);
  REQUIRE(Find(none, "Ready", c)->status == "False");
  REQUIRE(Find(none, "Progressing", c)->status == "True");
  REQUIRE(Find(none, "Degraded", c)->status == "False");

  Object d = Object::New(kDeployment, {"shop", "web"});
  d.set_generation(1);
  d.mutable_json()["spec"] = {{"replicas", 2}};
  d.mutable_json()["status"] = {{"observedGeneration", 1}, {"replicas", 2}, {"updatedReplicas", 2},
                                {"readyReplicas", 1}};
  Json half = DesiredStatus(app, &d, {}, now);
  REQUIRE(half["readyReplicas"] == 1);
  REQUIRE(Find(half, "Ready", c)->message == "1/2 replicas ready");

  d.mutable_json()["status"] = RolledOutStatus(d, now);
  Json done = DesiredStatus(app, &d, {}, now);
  REQUIRE(done["readyReplicas"] == 2);
  REQUIRE(done["selector"] == "app.kubernetes.io/name=web");
  REQUIRE(Find(done, "Ready", c)->status == "True");
  REQUIRE(Find(done, "Ready", c)->observed_generation == 3);
  REQUIRE(Find(done, "Progressing", c)->status == "False");

  // An unchanged situation later keeps the transition times: no status write.
  Object with_status = app;
  with_status.mutable_json()["status"] = done;
  REQUIRE(DesiredStatus(with_status, &d, {}, now + absl::Minutes(5)) == done);
}

TEST_CASE("an invalid spec is Degraded with the reasons") {
  std::vector<kop::Condition> c;
  Json s = DesiredStatus(App({{"replicas", 2}}), nullptr, {"spec.image is required"}, absl::Now());
  REQUIRE(Find(s, "Degraded", c)->status == "True");
  REQUIRE(Find(s, "Degraded", c)->reason == "InvalidSpec");
  REQUIRE(Find(s, "Degraded", c)->message == "spec.image is required");
  REQUIRE(Find(s, "Ready", c)->status == "False");
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
