// Built-in kinds operators own besides Deployments, Services and ConfigMaps: batch/v1 Jobs
// and CronJobs, networking.k8s.io/v1 Ingresses and NetworkPolicies, policy/v1
// PodDisruptionBudgets, autoscaling/v2 HorizontalPodAutoscalers and core/v1
// PersistentVolumeClaims. Runs against the embedded server, or a real cluster with
// KOP_TEST_KUBECONFIG (checks only what kube-apiserver itself does, not its controllers).
#include <algorithm>
#include <cstdlib>

#include "catch2/catch.hpp"
#include "support/cluster.h"

namespace kop::test {
namespace {

struct Kind {
  std::string group_version;  // "batch/v1"; "v1" for core
  std::string plural;
  bool status;
};

std::string CollectionPath(const Kind& k, const std::string& ns) {
  return (k.group_version == "v1" ? std::string("/api/v1") : "/apis/" + k.group_version) +
         "/namespaces/" + ns + "/" + k.plural;
}

Json PodTemplate(const std::string& app, const std::string& restart) {
  return {{"metadata", {{"labels", {{"app", app}}}}},
          {"spec",
           {{"restartPolicy", restart},
            {"containers", {{{"name", "main"}, {"image", "busybox:1.36"}}}}}}};
}

TEST_CASE("operators' other built-in kinds are served with their status subresources") {
  TestCluster c;
  const std::vector<Kind> kinds = {{"batch/v1", "jobs", true},
                                   {"batch/v1", "cronjobs", true},
                                   {"networking.k8s.io/v1", "ingresses", true},
                                   {"networking.k8s.io/v1", "networkpolicies", false},
                                   {"policy/v1", "poddisruptionbudgets", true},
                                   {"autoscaling/v2", "horizontalpodautoscalers", true},
                                   {"v1", "persistentvolumeclaims", true}};
  for (const Kind& k : kinds) {
    INFO(k.group_version << " " << k.plural);
    Json list =
        c.http().Get(k.group_version == "v1" ? "/api/v1" : "/apis/" + k.group_version).json();
    bool found = false, status = false;
    for (const Json& r : list["resources"]) {
      found = found || r["name"] == k.plural;
      status = status || r["name"] == k.plural + "/status";
    }
    CHECK(found);
    if (k.status) CHECK(status);
    CHECK(c.http().Get(CollectionPath(k, c.ns())).code == 200);
  }
}

TEST_CASE("Jobs and CronJobs are stored with upstream's defaults and count generations") {
  TestCluster c;
  const std::string jobs = "/apis/batch/v1/namespaces/" + c.ns() + "/jobs";
  Json job = {{"apiVersion", "batch/v1"},
              {"kind", "Job"},
              {"metadata", {{"name", "migrate"}}},
              {"spec", {{"template", PodTemplate("migrate", "Never")}}}};
  HttpReply created = c.http().Post(jobs, job);
  INFO(created.body);
  REQUIRE(created.code == 201);
  Json stored = created.json();
  CHECK(stored["spec"]["backoffLimit"] == 6);
  CHECK(stored["spec"]["parallelism"] == 1);
  CHECK(stored["spec"]["completionMode"] == "NonIndexed");
  CHECK(stored["spec"]["suspend"] == false);
  CHECK(stored["metadata"]["generation"] == 1);
  HttpReply suspended = c.http().Patch(jobs + "/migrate", "application/merge-patch+json",
                                       R"({"spec":{"suspend":true}})");
  REQUIRE(suspended.code == 200);
  CHECK(suspended.json()["metadata"]["generation"] == 2);

  Json cron = {
      {"apiVersion", "batch/v1"},
      {"kind", "CronJob"},
      {"metadata", {{"name", "nightly"}}},
      {"spec",
       {{"schedule", "0 3 * * *"},
        {"jobTemplate", {{"spec", {{"template", PodTemplate("nightly", "OnFailure")}}}}}}}};
  created = c.http().Post("/apis/batch/v1/namespaces/" + c.ns() + "/cronjobs", cron);
  REQUIRE(created.code == 201);
  stored = created.json();
  CHECK(stored["spec"]["concurrencyPolicy"] == "Allow");
  CHECK(stored["spec"]["successfulJobsHistoryLimit"] == 3);
  CHECK(stored["spec"]["failedJobsHistoryLimit"] == 1);
  // A job template gets its pods' defaults, none of a Job's own (those come when a Job is made).
  CHECK_FALSE(stored["spec"]["jobTemplate"]["spec"].contains("backoffLimit"));
  CHECK_FALSE(stored["spec"]["jobTemplate"]["spec"].contains("completionMode"));
  CHECK(stored["spec"]["jobTemplate"]["spec"]["template"]["spec"]["dnsPolicy"] == "ClusterFirst");
}

TEST_CASE("a Job gets a generated selector, and what kube-apiserver refuses in Jobs is refused") {
  TestCluster c;
  const std::string jobs = "/apis/batch/v1/namespaces/" + c.ns() + "/jobs";
  auto job = [](const std::string& name, Json spec) {
    if (!spec.contains("template")) spec["template"] = PodTemplate(name, "Never");
    return Json{{"apiVersion", "batch/v1"}, {"kind", "Job"}, {"metadata", {{"name", name}}}, {"spec", spec}};
  };
  HttpReply created = c.http().Post(jobs, job("gen", Json::object()));
  REQUIRE(created.code == 201);
  Json stored = created.json();
  const std::string uid = stored["metadata"]["uid"];
  CHECK(stored["spec"]["selector"]["matchLabels"]["controller-uid"] == uid);
  CHECK(stored["spec"]["template"]["metadata"]["labels"]["controller-uid"] == uid);
  CHECK(stored["spec"]["template"]["metadata"]["labels"]["job-name"] == "gen");
  CHECK(stored["spec"]["completions"] == 1);

  auto refused = [&](const Json& body, const std::string& field) {
    HttpReply r = c.http().Post(jobs, body);
    INFO(r.body);
    REQUIRE(r.code == 422);
    const Json status = r.json();
    bool found = false;
    for (const Json& cause : status["details"]["causes"]) found = found || cause["field"] == field;
    CHECK(found);
  };
  refused(job("neg", {{"parallelism", -1}}), "spec.parallelism");
  refused(job("ttl", {{"ttlSecondsAfterFinished", -1}}), "spec.ttlSecondsAfterFinished");
  refused(job("mode", {{"completionMode", "Partial"}}), "spec.completionMode");
  Json always = job("always", Json::object());
  always["spec"]["template"]["spec"]["restartPolicy"] = "Always";
  refused(always, "spec.template.spec.restartPolicy");
  Json manual = job("manual", {{"manualSelector", true}, {"selector", {{"matchLabels", {{"j", "one"}}}}}});
  refused(manual, "spec.template.metadata.labels");  // the selector must match the pods

  // After create: completions, selector, template and completion mode stay.
  HttpReply more = c.http().Patch(jobs + "/gen", "application/merge-patch+json", R"({"spec":{"completions":5}})");
  CHECK(more.code == 422);
  HttpReply image = c.http().Patch(jobs + "/gen", "application/strategic-merge-patch+json",
                                   R"({"spec":{"template":{"spec":{"containers":[{"name":"main","image":"other"}]}}}})");
  CHECK(image.code == 422);
}

TEST_CASE("a CronJob's schedule, policy and name are validated as kube-apiserver does") {
  TestCluster c;
  const std::string path = "/apis/batch/v1/namespaces/" + c.ns() + "/cronjobs";
  auto cron = [](const std::string& name, const std::string& schedule) {
    return Json{{"apiVersion", "batch/v1"},
                {"kind", "CronJob"},
                {"metadata", {{"name", name}}},
                {"spec", {{"schedule", schedule}, {"suspend", true},
                          {"jobTemplate", {{"spec", {{"template", PodTemplate(name, "OnFailure")}}}}}}}};
  };
  for (const char* ok : {"*/5 * * * *", "0 3 * * mon-fri", "15 2 1 jan,jul *", "@hourly", "@every 1h30m"}) {
    INFO(ok);
    CHECK(c.http().Post(path, cron(TestCluster::UniqueName("ok"), ok)).code == 201);
  }
  HttpReply words = c.http().Post(path, cron("words", "every tuesday"));
  REQUIRE(words.code == 422);
  CHECK(words.json()["details"]["causes"][0]["message"] ==
        "Invalid value: \"every tuesday\": expected exactly 5 fields, found 2: [every tuesday]");
  HttpReply minute = c.http().Post(path, cron("minute", "61 * * * *"));
  REQUIRE(minute.code == 422);
  CHECK(minute.json()["details"]["causes"][0]["message"] ==
        "Invalid value: \"61 * * * *\": end of range (61) above maximum (59): 61");
  Json policy = cron("policy", "* * * * *");
  policy["spec"]["concurrencyPolicy"] = "Sometimes";
  CHECK(c.http().Post(path, policy).code == 422);
  HttpReply long_name = c.http().Post(path, cron(std::string(53, 'c'), "* * * * *"));
  REQUIRE(long_name.code == 422);
  CHECK(long_name.json()["details"]["causes"][0]["field"] == "metadata.name");
  Json job_always = cron("always", "* * * * *");
  job_always["spec"]["jobTemplate"]["spec"]["template"]["spec"]["restartPolicy"] = "Always";
  HttpReply always = c.http().Post(path, job_always);
  REQUIRE(always.code == 422);
  CHECK(always.json()["details"]["causes"][0]["field"] == "spec.jobTemplate.spec.template.spec.restartPolicy");
}

TEST_CASE("Ingresses, NetworkPolicies, PodDisruptionBudgets, autoscalers and claims round-trip") {
  TestCluster c;
  const std::string ns = c.ns();
  Json ingress = {
      {"apiVersion", "networking.k8s.io/v1"},
      {"kind", "Ingress"},
      {"metadata", {{"name", "web"}}},
      {"spec",
       {{"rules",
         {{{"host", "shop.example.com"},
           {"http",
            {{"paths",
              {{{"path", "/"},
                {"pathType", "Prefix"},
                {"backend",
                 {{"service", {{"name", "web"}, {"port", {{"number", 80}}}}}}}}}}}}}}}}}};
  HttpReply r =
      c.http().Post("/apis/networking.k8s.io/v1/namespaces/" + ns + "/ingresses", ingress);
  INFO(r.body);
  REQUIRE(r.code == 201);
  CHECK(r.json()["spec"]["rules"][0]["http"]["paths"][0]["backend"]["service"]["port"]["number"] ==
        80);

  Json policy = {{"apiVersion", "networking.k8s.io/v1"},
                 {"kind", "NetworkPolicy"},
                 {"metadata", {{"name", "deny-all"}}},
                 {"spec", {{"podSelector", Json::object()}, {"policyTypes", {"Ingress"}}}}};
  r = c.http().Post("/apis/networking.k8s.io/v1/namespaces/" + ns + "/networkpolicies", policy);
  REQUIRE(r.code == 201);
  CHECK(r.json()["spec"]["policyTypes"] == Json::array({"Ingress"}));

  Json pdb = {{"apiVersion", "policy/v1"},
              {"kind", "PodDisruptionBudget"},
              {"metadata", {{"name", "web"}}},
              {"spec", {{"minAvailable", 1}, {"selector", {{"matchLabels", {{"app", "web"}}}}}}}};
  r = c.http().Post("/apis/policy/v1/namespaces/" + ns + "/poddisruptionbudgets", pdb);
  REQUIRE(r.code == 201);
  CHECK(r.json()["spec"]["minAvailable"] == 1);

  Json hpa = {
      {"apiVersion", "autoscaling/v2"},
      {"kind", "HorizontalPodAutoscaler"},
      {"metadata", {{"name", "web"}}},
      {"spec",
       {{"scaleTargetRef", {{"apiVersion", "apps/v1"}, {"kind", "Deployment"}, {"name", "web"}}},
        {"maxReplicas", 5}}}};
  r = c.http().Post("/apis/autoscaling/v2/namespaces/" + ns + "/horizontalpodautoscalers", hpa);
  REQUIRE(r.code == 201);
  CHECK(r.json()["spec"]["minReplicas"] == 1);
  CHECK(r.json()["spec"]["maxReplicas"] == 5);

  Json claim = {
      {"apiVersion", "v1"},
      {"kind", "PersistentVolumeClaim"},
      {"metadata", {{"name", "data"}}},
      {"spec",
       {{"accessModes", {"ReadWriteOnce"}}, {"resources", {{"requests", {{"storage", "1Gi"}}}}}}}};
  r = c.http().Post(CorePath(ns, "persistentvolumeclaims"), claim);
  REQUIRE(r.code == 201);
  CHECK(r.json()["spec"]["volumeMode"] == "Filesystem");
  CHECK(r.json()["spec"]["resources"]["requests"]["storage"] == "1Gi");
  CHECK(
      c.http().Get(CorePath(ns, "persistentvolumeclaims", "data")).json()["spec"]["accessModes"] ==
      Json::array({"ReadWriteOnce"}));
}

constexpr char kTableAccept[] = "application/json;as=Table;v=v1;g=meta.k8s.io,application/json";

// The column names and the first row of `path` as a Table.
std::pair<std::vector<std::string>, Json> TableOf(const TestCluster& c, const std::string& path) {
  HttpReply r = c.http().Request("GET", path, "", "", kTableAccept);
  INFO(r.body);
  REQUIRE(r.code == 200);
  const Json table = r.json();
  std::vector<std::string> names;
  for (const Json& col : table["columnDefinitions"]) names.push_back(col["name"]);
  REQUIRE(table["rows"].size() == 1);
  return {names, table["rows"][0]["cells"]};
}

TEST_CASE("kubectl get prints these kinds with kube's columns") {
  TestCluster c;
  const std::string ns = c.ns();
  const std::string batch = "/apis/batch/v1/namespaces/" + ns;
  REQUIRE(c.http()
              .Post(batch + "/jobs",
                    {{"apiVersion", "batch/v1"},
                     {"kind", "Job"},
                     {"metadata", {{"name", "once"}}},
                     {"spec", {{"suspend", true}, {"template", PodTemplate("once", "Never")}}}})
              .code == 201);
  auto [job_columns, job] = TableOf(c, batch + "/jobs/once");
  CHECK(job_columns == std::vector<std::string>{"Name", "Status", "Completions", "Duration", "Age",
                                                "Containers", "Images", "Selector"});
  CHECK(job[5] == "main");

  REQUIRE(c.http()
              .Post(batch + "/cronjobs",
                    {{"apiVersion", "batch/v1"},
                     {"kind", "CronJob"},
                     {"metadata", {{"name", "nightly"}}},
                     {"spec",
                      {{"schedule", "0 3 * * *"},
                       {"jobTemplate",
                        {{"spec", {{"template", PodTemplate("nightly", "OnFailure")}}}}}}}})
              .code == 201);
  auto [cron_columns, cron] = TableOf(c, batch + "/cronjobs/nightly");
  CHECK(cron_columns == std::vector<std::string>{"Name", "Schedule", "Timezone", "Suspend",
                                                 "Active", "Last Schedule", "Age", "Containers",
                                                 "Images", "Selector"});
  CHECK(cron[1] == "0 3 * * *");
  CHECK(cron[2] == "<none>");
  CHECK(cron[3] == "False");
  CHECK(cron[4] == 0);
  CHECK(cron[5] == "<none>");
  CHECK(cron[7] == "main");

  const std::string policy = "/apis/policy/v1/namespaces/" + ns + "/poddisruptionbudgets";
  REQUIRE(c.http()
              .Post(policy,
                    {{"apiVersion", "policy/v1"},
                     {"kind", "PodDisruptionBudget"},
                     {"metadata", {{"name", "web"}}},
                     {"spec",
                      {{"minAvailable", 1}, {"selector", {{"matchLabels", {{"app", "web"}}}}}}}})
              .code == 201);
  auto [pdb_columns, pdb] = TableOf(c, policy + "/web");
  CHECK(pdb_columns == std::vector<std::string>{"Name", "Min Available", "Max Unavailable",
                                                "Allowed Disruptions", "Age"});
  CHECK(pdb[1] == "1");
  CHECK(pdb[2] == "N/A");

  const std::string networking = "/apis/networking.k8s.io/v1/namespaces/" + ns;
  REQUIRE(c.http()
              .Post(networking + "/networkpolicies",
                    {{"apiVersion", "networking.k8s.io/v1"},
                     {"kind", "NetworkPolicy"},
                     {"metadata", {{"name", "web-only"}}},
                     {"spec", {{"podSelector", {{"matchLabels", {{"app", "web"}}}}}}}})
              .code == 201);
  auto [netpol_columns, netpol] = TableOf(c, networking + "/networkpolicies/web-only");
  CHECK(netpol_columns == std::vector<std::string>{"Name", "Pod-Selector", "Age"});
  CHECK(netpol[1] == "app=web");

  Json backend = {{"service", {{"name", "web"}, {"port", {{"number", 80}}}}}};
  Json paths = {{{"path", "/"}, {"pathType", "Prefix"}, {"backend", backend}}};
  REQUIRE(c.http()
              .Post(networking + "/ingresses",
                    {{"apiVersion", "networking.k8s.io/v1"},
                     {"kind", "Ingress"},
                     {"metadata", {{"name", "web"}}},
                     {"spec",
                      {{"rules",
                        {{{"host", "a.example.com"}, {"http", {{"paths", paths}}}},
                         {{"host", "b.example.com"}, {"http", {{"paths", paths}}}}}}}}})
              .code == 201);
  auto [ingress_columns, ingress] = TableOf(c, networking + "/ingresses/web");
  CHECK(ingress_columns ==
        std::vector<std::string>{"Name", "Class", "Hosts", "Address", "Ports", "Age"});
  CHECK(ingress[2] == "a.example.com,b.example.com");
  CHECK(ingress[4] == "80");

  REQUIRE(c.http()
              .Post(CorePath(ns, "persistentvolumeclaims"),
                    {{"apiVersion", "v1"},
                     {"kind", "PersistentVolumeClaim"},
                     {"metadata", {{"name", "data"}}},
                     {"spec",
                      {{"accessModes", {"ReadWriteOnce"}},
                       {"resources", {{"requests", {{"storage", "1Gi"}}}}}}}})
              .code == 201);
  auto [pvc_columns, pvc] = TableOf(c, CorePath(ns, "persistentvolumeclaims", "data"));
  CHECK(pvc_columns == std::vector<std::string>{"Name", "Status", "Volume", "Capacity",
                                                "Access Modes", "StorageClass",
                                                "VolumeAttributesClass", "Age", "VolumeMode"});
  CHECK(pvc[8] == "Filesystem");
}

TEST_CASE("nodes, endpoints, storage, quotas and classes are served") {
  TestCluster c;
  const std::string ns = c.ns();
  for (const auto& [gv, plural] : std::vector<std::pair<std::string, std::string>>{
           {"v1", "nodes"},
           {"v1", "persistentvolumes"},
           {"storage.k8s.io/v1", "storageclasses"},
           {"networking.k8s.io/v1", "ingressclasses"},
           {"scheduling.k8s.io/v1", "priorityclasses"}}) {
    INFO(gv << " " << plural);
    CHECK(c.http().Get((gv == "v1" ? std::string("/api/v1") : "/apis/" + gv) + "/" + plural).code ==
          200);
  }
  for (const auto& [gv, plural] : std::vector<std::pair<std::string, std::string>>{
           {"v1", "endpoints"},
           {"v1", "resourcequotas"},
           {"v1", "limitranges"},
           {"discovery.k8s.io/v1", "endpointslices"}}) {
    INFO(gv << " " << plural);
    CHECK(c.http()
              .Get((gv == "v1" ? std::string("/api/v1") : "/apis/" + gv) + "/namespaces/" + ns +
                   "/" + plural)
              .code == 200);
  }

  // Endpoints as a controller writes them, printed as kubectl get endpoints shows them.
  Json endpoints = {{"apiVersion", "v1"},
                    {"kind", "Endpoints"},
                    {"metadata", {{"name", "web"}}},
                    {"subsets",
                     {{{"addresses", {{{"ip", "10.0.0.1"}}, {{"ip", "10.0.0.2"}}}},
                       {"ports", {{{"port", 8080}, {"protocol", "TCP"}}}}}}}};
  REQUIRE(c.http().Post(CorePath(ns, "endpoints"), endpoints).code == 201);
  auto [ep_columns, ep] = TableOf(c, CorePath(ns, "endpoints", "web"));
  CHECK(ep_columns == std::vector<std::string>{"Name", "Endpoints", "Age"});
  CHECK(ep[1] == "10.0.0.1:8080,10.0.0.2:8080");

  // A cluster-scoped kind with defaults: a PriorityClass (removed again: the cluster may be
  // shared).
  const std::string name = TestCluster::UniqueName("kop-test-priority");
  const std::string classes = "/apis/scheduling.k8s.io/v1/priorityclasses";
  HttpReply created = c.http().Post(classes, {{"apiVersion", "scheduling.k8s.io/v1"},
                                              {"kind", "PriorityClass"},
                                              {"metadata", {{"name", name}}},
                                              {"value", 1000}});
  REQUIRE(created.code == 201);
  CHECK(created.json()["preemptionPolicy"] == "PreemptLowerPriority");
  CHECK(c.http().Delete(classes + "/" + name).code == 200);
}

TEST_CASE("a node prints its readiness, roles and version [embedded-only]") {
  if (std::getenv("KOP_TEST_KUBECONFIG") != nullptr) return;  // no fake nodes in a real cluster
  TestCluster c;
  Json node = {
      {"apiVersion", "v1"},
      {"kind", "Node"},
      {"metadata", {{"name", "worker-1"}, {"labels", {{"node-role.kubernetes.io/worker", ""}}}}},
      {"spec", {{"unschedulable", true}}}};
  REQUIRE(c.http().Post("/api/v1/nodes", node).code == 201);
  Json status = {{"status",
                  {{"conditions", {{{"type", "Ready"}, {"status", "True"}}}},
                   {"addresses", {{{"type", "InternalIP"}, {"address", "10.1.2.3"}}}},
                   {"nodeInfo", {{"kubeletVersion", "v1.31.0"}}}}}};
  REQUIRE(c.http()
              .Patch("/api/v1/nodes/worker-1/status", "application/merge-patch+json", status.dump())
              .code == 200);
  auto [columns, cells] = TableOf(c, "/api/v1/nodes/worker-1");
  CHECK(columns == std::vector<std::string>{"Name", "Status", "Roles", "Age", "Version",
                                            "Internal-IP", "External-IP", "OS-Image",
                                            "Kernel-Version", "Container-Runtime"});
  CHECK(cells[1] == "Ready,SchedulingDisabled");
  CHECK(cells[2] == "worker");
  CHECK(cells[4] == "v1.31.0");
  CHECK(cells[5] == "10.1.2.3");
  CHECK(cells[6] == "<none>");
}

}  // namespace
}  // namespace kop::test
