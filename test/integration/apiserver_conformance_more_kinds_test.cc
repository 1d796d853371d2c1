// Built-in kinds operators own besides Deployments, Services and ConfigMaps: batch/v1 Jobs
// and CronJobs, networking.k8s.io/v1 Ingresses and NetworkPolicies, policy/v1
// PodDisruptionBudgets, autoscaling/v2 HorizontalPodAutoscalers and core/v1
// PersistentVolumeClaims. Runs against the embedded server, or a real cluster with
// KOP_TEST_KUBECONFIG (checks only what kube-apiserver itself does, not its controllers).
#include <algorithm>

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
  CHECK(stored["spec"]["jobTemplate"]["spec"]["backoffLimit"] == 6);
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

}  // namespace
}  // namespace kop::test
