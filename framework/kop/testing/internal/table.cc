#include "kop/testing/internal/table.h"

#include <algorithm>
#include <cctype>
#include <cstdio>
#include <map>

#include "kop/api/time.h"
#include "kop/base/strings.h"

namespace kop::testing::internal {
namespace {

Json Column(std::string name, std::string type, std::string description, int priority = 0,
            std::string format = "") {
  return {{"name", std::move(name)}, {"type", std::move(type)}, {"format", std::move(format)},
          {"description", std::move(description)}, {"priority", priority}};
}

std::string Str(const Json& j, std::initializer_list<const char*> path, std::string fallback = "") {
  const Json* node = &j;
  for (const char* k : path) {
    if (!node->is_object() || !node->contains(k)) return fallback;
    node = &(*node)[k];
  }
  return node->is_string() ? node->get<std::string>() : fallback;
}

int64_t Int(const Json& j, std::initializer_list<const char*> path) {
  const Json* node = &j;
  for (const char* k : path) {
    if (!node->is_object() || !node->contains(k)) return 0;
    node = &(*node)[k];
  }
  return node->is_number_integer() ? node->get<int64_t>() : 0;
}

// The value at `path`, or null: a reference into `j`, safe to iterate.
const Json& At(const Json& j, std::initializer_list<const char*> path) {
  static const Json null;
  const Json* node = &j;
  for (const char* k : path) {
    if (!node->is_object() || !node->contains(k)) return null;
    node = &(*node)[k];
  }
  return *node;
}

Json Age(const Json& obj, absl::Time now) {
  absl::StatusOr<absl::Time> t = ParseRFC3339(Str(obj, {"metadata", "creationTimestamp"}));
  if (!t.ok()) return "<unknown>";
  return HumanDuration(now - *t);
}

// `head` followed by `tail`.
std::vector<Json> Columns(std::vector<Json> head, const std::vector<Json>& tail) {
  head.insert(head.end(), tail.begin(), tail.end());
  return head;
}

// The columns workloads end with: Age, then for -o wide their pod template's containers and
// images and (unless `selector` is false, as for StatefulSets) their label selector.
std::vector<Json> WorkloadTail(bool selector) {
  std::vector<Json> tail = {Column("Age", "string", "Time since creation"),
                            Column("Containers", "string", "Container names", 1),
                            Column("Images", "string", "Container images", 1)};
  if (selector) tail.push_back(Column("Selector", "string", "Label selector", 1));
  return tail;
}

// A built-in resource's columns (after Name) and cells, as kube-apiserver prints them.
struct Printer {
  std::vector<Json> columns;
  std::function<std::vector<Json>(const Json&, absl::Time)> cells;
  // The columns include Name where upstream puts it (events: last, for -o wide only).
  bool own_name = false;
};

// Time since an RFC 3339 timestamp (with or without microseconds), or "<unknown>".
Json Since(const std::string& timestamp, absl::Time now) {
  absl::StatusOr<absl::Time> t = ParseRFC3339(timestamp);
  if (timestamp.empty() || !t.ok()) return "<unknown>";
  return HumanDuration(now - *t);
}

std::string Lower(std::string s) {
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

// A string map as "k1=v1,k2=v2" (empty for none).
std::string MapText(const Json& map) {
  std::string out;
  if (map.is_object()) {
    for (const auto& [k, v] : map.items()) {
      out += (out.empty() ? "" : ",") + k + "=" + (v.is_string() ? v.get<std::string>() : v.dump());
    }
  }
  return out;
}

// A pod template's container names and images, each comma-separated (`template`: the object
// holding the template, by default the workload's spec).
std::pair<std::string, std::string> ContainersText(const Json& workload,
                                                   std::initializer_list<const char*> spec = {
                                                       "spec"}) {
  std::string names, images;
  const Json& containers = At(At(workload, spec), {"template", "spec", "containers"});
  if (containers.is_array()) {
    for (const Json& c : containers) {
      names += (names.empty() ? "" : ",") + Str(c, {"name"});
      images += (images.empty() ? "" : ",") + Str(c, {"image"});
    }
  }
  return {names, images};
}

// A label selector as upstream writes one ("app=web,tier in (a,b),!legacy"), or "<none>".
std::string SelectorText(const Json& selector) {
  std::string out = MapText(At(selector, {"matchLabels"}));
  auto add = [&](const std::string& part) { out += (out.empty() ? "" : ",") + part; };
  if (const Json& exprs = At(selector, {"matchExpressions"}); exprs.is_array()) {
    for (const Json& e : exprs) {
      const std::string key = Str(e, {"key"});
      const std::string op = Str(e, {"operator"});
      std::string values;
      if (const Json& vs = At(e, {"values"}); vs.is_array()) {
        for (const Json& v : vs)
          values += (values.empty() ? "" : ",") + (v.is_string() ? v.get<std::string>() : v.dump());
      }
      if (op == "In") add(key + " in (" + values + ")");
      if (op == "NotIn") add(key + " notin (" + values + ")");
      if (op == "Exists") add(key);
      if (op == "DoesNotExist") add("!" + key);
    }
  }
  return out.empty() ? "<none>" : out;
}

// An Event's row as upstream prints it, core/v1 and events.k8s.io/v1 alike (the latter's fields
// are the former's under other names).
std::vector<Json> EventCells(const Json& o, absl::Time now, bool events_api) {
  auto field = [&](const char* core, const char* events) { return events_api ? events : core; };
  const Json& involved = At(o, {field("involvedObject", "regarding")});
  std::string first = Str(o, {field("firstTimestamp", "deprecatedFirstTimestamp")});
  Json first_seen = Since(first.empty() ? Str(o, {"eventTime"}) : first, now);
  const std::string last = Str(o, {field("lastTimestamp", "deprecatedLastTimestamp")});
  Json last_seen = last.empty() ? first_seen : Since(last, now);
  int64_t count = Int(o, {field("count", "deprecatedCount")});
  if (const Json& series = At(o, {"series"}); series.is_object()) {
    last_seen = Since(Str(series, {"lastObservedTime"}), now);
    count = Int(series, {"count"});
  } else if (count == 0) {
    count = 1;
  }
  const std::string kind = Lower(Str(involved, {"kind"}));
  const std::string name = Str(involved, {"name"});
  std::string source = Str(o, {field("source", "deprecatedSource"), "component"});
  if (source.empty()) {
    source = Str(o, {"reportingController"});
    if (const std::string instance = Str(o, {"reportingInstance"}); !instance.empty())
      source += ", " + instance;
  } else if (const std::string host = Str(o, {field("source", "deprecatedSource"), "host"});
             !host.empty()) {
    source += ", " + host;
  }
  std::string message = Str(o, {field("message", "note")});
  const size_t b = message.find_first_not_of(" \t\r\n");
  message =
      b == std::string::npos ? "" : message.substr(b, message.find_last_not_of(" \t\r\n") - b + 1);
  return {last_seen,
          Str(o, {"type"}),
          Str(o, {"reason"}),
          name.empty() ? kind : kind + "/" + name,
          Str(involved, {"fieldPath"}),
          source,
          message,
          first_seen,
          count,
          Str(o, {"metadata", "name"})};
}

Printer BuiltinPrinter(const ResourceInfo& info) {
  const std::string& r = info.plural;
  const std::string& g = info.group;
  if (g.empty() && r == "configmaps") {
    return {{Column("Data", "integer", "Number of keys"), Column("Age", "string", "Time since creation")},
            [](const Json& o, absl::Time now) {
              size_t n = 0;
              for (const char* k : {"data", "binaryData"}) {
                if (o.contains(k) && o[k].is_object()) n += o[k].size();
              }
              return std::vector<Json>{n, Age(o, now)};
            }};
  }
  if (g.empty() && r == "secrets") {
    return {{Column("Type", "string", "Secret type"), Column("Data", "integer", "Number of keys"),
             Column("Age", "string", "Time since creation")},
            [](const Json& o, absl::Time now) {
              const size_t n = o.contains("data") && o["data"].is_object() ? o["data"].size() : 0;
              return std::vector<Json>{Str(o, {"type"}, "Opaque"), n, Age(o, now)};
            }};
  }
  if (g.empty() && r == "services") {
    return {{Column("Type", "string", "Service type"), Column("Cluster-IP", "string", "Cluster IP"),
             Column("External-IP", "string", "External IPs"), Column("Port(s)", "string", "Ports"),
             Column("Age", "string", "Time since creation"),
             Column("Selector", "string", "Pod selector", 1)},
            [](const Json& o, absl::Time now) {
              std::string ports;
              const Json& port_list = At(o, {"spec", "ports"});
              if (port_list.is_array()) for (const Json& p : port_list) {
                if (!ports.empty()) ports += ",";
                ports += std::to_string(Int(p, {"port"}));
                if (p.contains("nodePort")) ports += ":" + std::to_string(Int(p, {"nodePort"}));
                ports += "/" + Str(p, {"protocol"}, "TCP");
              }
              const std::string selector = MapText(At(o, {"spec", "selector"}));
              const std::string type = Str(o, {"spec", "type"}, "ClusterIP");
              return std::vector<Json>{type, Str(o, {"spec", "clusterIP"}, "<none>"),
                                       type == "LoadBalancer" ? "<pending>" : "<none>",
                                       ports.empty() ? "<none>" : ports, Age(o, now),
                                       selector.empty() ? "<none>" : selector};
            }};
  }
  if (g == "apps" && (r == "deployments" || r == "statefulsets" || r == "replicasets")) {
    std::vector<Json> cols;
    if (r == "replicasets") {
      cols = {Column("Desired", "integer", "Desired replicas"), Column("Current", "integer", "Current replicas"),
              Column("Ready", "integer", "Ready replicas")};
    } else {
      cols = {Column("Ready", "string", "Ready/desired replicas")};
      if (r == "deployments") {
        cols.push_back(Column("Up-to-date", "integer", "Updated replicas"));
        cols.push_back(Column("Available", "integer", "Available replicas"));
      }
    }
    cols = Columns(std::move(cols), WorkloadTail(r != "statefulsets"));
    return {cols, [r](const Json& o, absl::Time now) {
              const int64_t desired =
                  At(o, {"spec", "replicas"}).is_number() ? Int(o, {"spec", "replicas"}) : 1;
              const auto [names, images] = ContainersText(o);
              std::vector<Json> cells;
              if (r == "replicasets") {
                cells = {desired, Int(o, {"status", "replicas"}), Int(o, {"status", "readyReplicas"})};
              } else {
                cells = {kop::StrCat(Int(o, {"status", "readyReplicas"}), "/", desired)};
                if (r == "deployments") {
                  cells.push_back(Int(o, {"status", "updatedReplicas"}));
                  cells.push_back(Int(o, {"status", "availableReplicas"}));
                }
              }
              cells.push_back(Age(o, now));
              cells.push_back(names);
              cells.push_back(images);
              if (r != "statefulsets") cells.push_back(SelectorText(At(o, {"spec", "selector"})));
              return cells;
            }};
  }
  if (g.empty() && r == "namespaces") {
    return {{Column("Status", "string", "Phase"), Column("Age", "string", "Time since creation")},
            [](const Json& o, absl::Time now) {
              return std::vector<Json>{Str(o, {"status", "phase"}, "Active"), Age(o, now)};
            }};
  }
  if (g.empty() && r == "pods") {
    return {{Column("Ready", "string", "Ready containers"), Column("Status", "string", "Phase"),
             Column("Restarts", "string", "Restarts"), Column("Age", "string", "Time since creation")},
            [](const Json& o, absl::Time now) {
              const Json& statuses = At(o, {"status", "containerStatuses"});
              int64_t ready = 0, restarts = 0;
              if (statuses.is_array()) for (const Json& s : statuses) {
                  ready += (At(s, {"ready"}).is_boolean() && At(s, {"ready"}).get<bool>()) ? 1 : 0;
                  restarts += Int(s, {"restartCount"});
              }
              const Json& containers = At(o, {"spec", "containers"});
              const size_t total = containers.is_array() ? containers.size() : 0;
              return std::vector<Json>{kop::StrCat(ready, "/", total), Str(o, {"status", "phase"}, "Pending"),
                                       std::to_string(restarts), Age(o, now)};
            }};
  }
  if ((g.empty() || g == "events.k8s.io") && r == "events") {
    Printer p{{Column("Last Seen", "string", "Time since the event was last seen"),
               Column("Type", "string", "Type of this event"),
               Column("Reason", "string", "Why the action was taken"),
               Column("Object", "string", "The object this event is about"),
               Column("Subobject", "string", "The part of the object this event is about", 1),
               Column("Source", "string", "The component reporting this event", 1),
               Column("Message", "string", "A human-readable description of the event"),
               Column("First Seen", "string", "Time since the event was first seen", 1),
               Column("Count", "integer", "The number of times this event has occurred", 1),
               Column("Name", "string",
                      "Name must be unique within a namespace. Cannot be updated.", 1, "name")},
              [events_api = !g.empty()](const Json& o, absl::Time now) {
                return EventCells(o, now, events_api);
              }};
    p.own_name = true;
    return p;
  }
  if (g.empty() && r == "serviceaccounts") {
    return {{Column("Secrets", "integer", "Number of secrets"),
             Column("Age", "string", "Time since creation")},
            [](const Json& o, absl::Time now) {
              const Json& secrets = At(o, {"secrets"});
              return std::vector<Json>{secrets.is_array() ? secrets.size() : 0, Age(o, now)};
            }};
  }
  if (g == "rbac.authorization.k8s.io" && (r == "rolebindings" || r == "clusterrolebindings")) {
    return {{Column("Role", "string", "The role this binding grants"),
             Column("Age", "string", "Time since creation"),
             Column("Users", "string", "Users in the binding", 1),
             Column("Groups", "string", "Groups in the binding", 1),
             Column("ServiceAccounts", "string", "Service accounts in the binding", 1)},
            [](const Json& o, absl::Time now) {
              std::string users, groups, accounts;
              const Json& subjects = At(o, {"subjects"});
              auto add = [](std::string& list, const std::string& item) {
                list += (list.empty() ? "" : ", ") + item;
              };
              if (subjects.is_array())
                for (const Json& sub : subjects) {
                  const std::string kind = Str(sub, {"kind"});
                  if (kind == "User") add(users, Str(sub, {"name"}));
                  if (kind == "Group") add(groups, Str(sub, {"name"}));
                  if (kind == "ServiceAccount")
                    add(accounts, Str(sub, {"namespace"}) + "/" + Str(sub, {"name"}));
                }
              return std::vector<Json>{
                  kop::StrCat(Str(o, {"roleRef", "kind"}), "/", Str(o, {"roleRef", "name"})),
                  Age(o, now), users, groups, accounts};
            }};
  }
  if (g == "apps" && r == "daemonsets") {
    return {Columns({Column("Desired", "integer", "Nodes that should run the daemon pod"),
                     Column("Current", "integer", "Nodes running at least one daemon pod"),
                     Column("Ready", "integer", "Nodes with a ready daemon pod"),
                     Column("Up-to-date", "integer", "Nodes running the updated daemon pod"),
                     Column("Available", "integer", "Nodes with an available daemon pod"),
                     Column("Node Selector", "string", "The daemon pods' node selector")},
                    WorkloadTail(true)),
            [](const Json& o, absl::Time now) {
              const std::string selector =
                  MapText(At(o, {"spec", "template", "spec", "nodeSelector"}));
              const auto [names, images] = ContainersText(o);
              return std::vector<Json>{Int(o, {"status", "desiredNumberScheduled"}),
                                       Int(o, {"status", "currentNumberScheduled"}),
                                       Int(o, {"status", "numberReady"}),
                                       Int(o, {"status", "updatedNumberScheduled"}),
                                       Int(o, {"status", "numberAvailable"}),
                                       selector.empty() ? "<none>" : selector,
                                       Age(o, now),
                                       names,
                                       images,
                                       SelectorText(At(o, {"spec", "selector"}))};
            }};
  }
  if (g.empty() && r == "nodes") {
    return {
        {Column("Status", "string", "The status of the node"),
         Column("Roles", "string", "The roles of the node"),
         Column("Age", "string", "Time since creation"),
         Column("Version", "string", "Kubelet version"),
         Column("Internal-IP", "string", "Internal address", 1),
         Column("External-IP", "string", "External address", 1),
         Column("OS-Image", "string", "OS image", 1),
         Column("Kernel-Version", "string", "Kernel version", 1),
         Column("Container-Runtime", "string", "Container runtime version", 1)},
        [](const Json& o, absl::Time now) {
          std::string status = "Unknown";
          if (const Json& conditions = At(o, {"status", "conditions"}); conditions.is_array()) {
            for (const Json& c : conditions) {
              if (Str(c, {"type"}) == "Ready")
                status = Str(c, {"status"}) == "True" ? "Ready" : "NotReady";
            }
          }
          if (const Json& u = At(o, {"spec", "unschedulable"}); u.is_boolean() && u.get<bool>()) {
            status += ",SchedulingDisabled";
          }
          std::string roles;
          if (const Json& labels = At(o, {"metadata", "labels"}); labels.is_object()) {
            for (const auto& [k, v] : labels.items()) {
              std::string role;
              if (k.rfind("node-role.kubernetes.io/", 0) == 0) role = k.substr(24);
              if (k == "kubernetes.io/role" && v.is_string()) role = v.get<std::string>();
              if (!role.empty()) roles += (roles.empty() ? "" : ",") + role;
            }
          }
          std::string internal_ip = "<none>", external_ip = "<none>";
          if (const Json& addresses = At(o, {"status", "addresses"}); addresses.is_array()) {
            for (const Json& a : addresses) {
              if (Str(a, {"type"}) == "InternalIP" && internal_ip == "<none>")
                internal_ip = Str(a, {"address"});
              if (Str(a, {"type"}) == "ExternalIP" && external_ip == "<none>")
                external_ip = Str(a, {"address"});
            }
          }
          return std::vector<Json>{
              status,
              roles.empty() ? "<none>" : roles,
              Age(o, now),
              Str(o, {"status", "nodeInfo", "kubeletVersion"}),
              internal_ip,
              external_ip,
              Str(o, {"status", "nodeInfo", "osImage"}, "<unknown>"),
              Str(o, {"status", "nodeInfo", "kernelVersion"}, "<unknown>"),
              Str(o, {"status", "nodeInfo", "containerRuntimeVersion"}, "<unknown>")};
        }};
  }
  if (g.empty() && r == "endpoints") {
    return {{Column("Endpoints", "string", "Addresses and ports of the endpoints"),
             Column("Age", "string", "Time since creation")},
            [](const Json& o, absl::Time now) {
              std::vector<std::string> all;
              if (const Json& subsets = At(o, {"subsets"}); subsets.is_array()) {
                for (const Json& subset : subsets) {
                  const Json& addresses = At(subset, {"addresses"});
                  if (!addresses.is_array()) continue;
                  const Json& ports = At(subset, {"ports"});
                  if (!ports.is_array() || ports.empty()) {
                    for (const Json& a : addresses) all.push_back(Str(a, {"ip"}));
                    continue;
                  }
                  for (const Json& port : ports) {
                    for (const Json& a : addresses)
                      all.push_back(kop::StrCat(Str(a, {"ip"}), ":", Int(port, {"port"})));
                  }
                }
              }
              std::string text;
              for (size_t i = 0; i < all.size() && i < 3; ++i) text += (i == 0 ? "" : ",") + all[i];
              if (all.size() > 3) text += kop::StrCat(" + ", all.size() - 3, " more...");
              return std::vector<Json>{text.empty() ? "<none>" : text, Age(o, now)};
            }};
  }
  if (g == "batch" && r == "jobs") {
    return {
        Columns({Column("Status", "string", "Status of the job."),
                 Column("Completions", "string", "Succeeded pods of those wanted"),
                 Column("Duration", "string", "Time required to complete the job.")},
                WorkloadTail(true)),
        [](const Json& o, absl::Time now) {
          auto has = [&](const char* type) {
            const Json& conditions = At(o, {"status", "conditions"});
            if (!conditions.is_array()) return false;
            return std::any_of(conditions.begin(), conditions.end(), [&](const Json& c) {
              return Str(c, {"type"}) == type && Str(c, {"status"}) == "True";
            });
          };
          std::string status = "Running";
          if (has("Complete")) {
            status = "Complete";
          } else if (has("Failed")) {
            status = "Failed";
          } else if (!Str(o, {"metadata", "deletionTimestamp"}).empty()) {
            status = "Terminating";
          } else if (has("Suspended")) {
            status = "Suspended";
          } else if (has("FailureTarget")) {
            status = "FailureTarget";
          } else if (has("SuccessCriteriaMet")) {
            status = "SuccessCriteriaMet";
          }
          const int64_t succeeded = Int(o, {"status", "succeeded"});
          std::string completions = kop::StrCat(succeeded, "/1");
          if (At(o, {"spec", "completions"}).is_number_integer()) {
            completions = kop::StrCat(succeeded, "/", Int(o, {"spec", "completions"}));
          } else if (const int64_t parallelism = Int(o, {"spec", "parallelism"}); parallelism > 1) {
            completions = kop::StrCat(succeeded, "/1 of ", parallelism);
          }
          std::string duration;
          absl::StatusOr<absl::Time> start = ParseRFC3339(Str(o, {"status", "startTime"}));
          if (start.ok()) {
            absl::StatusOr<absl::Time> end = ParseRFC3339(Str(o, {"status", "completionTime"}));
            duration = HumanDuration((end.ok() ? *end : now) - *start);
          }
          const auto [names, images] = ContainersText(o);
          return std::vector<Json>{status,
                                   completions,
                                   duration,
                                   Age(o, now),
                                   names,
                                   images,
                                   SelectorText(At(o, {"spec", "selector"}))};
        }};
  }
  if (g == "batch" && r == "cronjobs") {
    return {Columns({Column("Schedule", "string", "The schedule in Cron format"),
                     Column("Timezone", "string", "The time zone"),
                     Column("Suspend", "boolean", "Whether later runs are suspended"),
                     Column("Active", "integer", "Jobs running now"),
                     Column("Last Schedule", "string", "When a job was last scheduled")},
                    WorkloadTail(true)),
            [](const Json& o, absl::Time now) {
              const Json& suspend = At(o, {"spec", "suspend"});
              const Json& active = At(o, {"status", "active"});
              const std::string last = Str(o, {"status", "lastScheduleTime"});
              const auto [names, images] = ContainersText(o, {"spec", "jobTemplate", "spec"});
              return std::vector<Json>{
                  Str(o, {"spec", "schedule"}),
                  Str(o, {"spec", "timeZone"}, "<none>"),
                  suspend.is_boolean() ? (suspend.get<bool>() ? "True" : "False") : "<unset>",
                  active.is_array() ? active.size() : 0,
                  last.empty() ? Json("<none>") : Since(last, now),
                  Age(o, now),
                  names,
                  images,
                  SelectorText(At(o, {"spec", "jobTemplate", "spec", "selector"}))};
            }};
  }
  if (g == "policy" && r == "poddisruptionbudgets") {
    return {
        {Column("Min Available", "string", "The minimum number of pods that must be available."),
         Column("Max Unavailable", "string", "The maximum number of pods that may be unavailable."),
         Column("Allowed Disruptions", "integer",
                "Calculated number of pods that may be disrupted at this time."),
         Column("Age", "string", "Time since creation")},
        [](const Json& o, absl::Time now) {
          auto text = [&](const char* field) -> std::string {
            const Json& v = At(o, {"spec", field});
            if (v.is_string()) return v.get<std::string>();
            return v.is_number_integer() ? std::to_string(v.get<int64_t>()) : "N/A";
          };
          return std::vector<Json>{text("minAvailable"), text("maxUnavailable"),
                                   Int(o, {"status", "disruptionsAllowed"}), Age(o, now)};
        }};
  }
  if (g == "networking.k8s.io" && r == "networkpolicies") {
    return {{Column("Pod-Selector", "string", "The pods the policy applies to"),
             Column("Age", "string", "Time since creation")},
            [](const Json& o, absl::Time now) {
              return std::vector<Json>{SelectorText(At(o, {"spec", "podSelector"})), Age(o, now)};
            }};
  }
  if (g == "networking.k8s.io" && r == "ingresses") {
    return {{Column("Class", "string", "The IngressClass that handles the ingress"),
             Column("Hosts", "string", "Hosts that incoming requests are matched against"),
             Column("Address", "string", "Where the load balancer receives the traffic"),
             Column("Ports", "string", "Ports the ingress serves"),
             Column("Age", "string", "Time since creation")},
            [](const Json& o, absl::Time now) {
              // At most three hosts, then how many rules more.
              std::string host_text;
              size_t listed = 0;
              bool more = false;
              const Json& rules = At(o, {"spec", "rules"});
              if (rules.is_array()) {
                for (const Json& rule : rules) {
                  if (listed == 3) more = true;
                  const std::string host = Str(rule, {"host"});
                  if (!more && !host.empty()) {
                    host_text += (host_text.empty() ? "" : ",") + host;
                    ++listed;
                  }
                }
              }
              if (host_text.empty()) host_text = "*";
              if (more) host_text += kop::StrCat(" + ", rules.size() - 3, " more...");
              std::string address;
              if (const Json& ingress = At(o, {"status", "loadBalancer", "ingress"});
                  ingress.is_array()) {
                for (const Json& point : ingress) {
                  for (const char* key : {"ip", "hostname"}) {
                    const std::string a = Str(point, {key});
                    if (!a.empty()) address += (address.empty() ? "" : ",") + a;
                  }
                }
              }
              const Json& tls = At(o, {"spec", "tls"});
              return std::vector<Json>{Str(o, {"spec", "ingressClassName"}, "<none>"), host_text,
                                       address, tls.is_array() && !tls.empty() ? "80, 443" : "80",
                                       Age(o, now)};
            }};
  }
  if (g.empty() && r == "persistentvolumeclaims") {
    return {{Column("Status", "string", "Pending, Bound or Lost"),
             Column("Volume", "string", "The bound volume"),
             Column("Capacity", "string", "The bound volume's capacity"),
             Column("Access Modes", "string", "The bound volume's access modes"),
             Column("StorageClass", "string", "StorageClass of the pvc"),
             Column("VolumeAttributesClass", "string", "VolumeAttributesClass of the pvc"),
             Column("Age", "string", "Time since creation"),
             Column("VolumeMode", "string", "Filesystem or Block", 1)},
            [](const Json& o, absl::Time now) {
              std::string capacity, modes;
              if (!Str(o, {"spec", "volumeName"}).empty()) {
                capacity = Str(o, {"status", "capacity", "storage"});
                if (const Json& access = At(o, {"status", "accessModes"}); access.is_array()) {
                  for (const Json& m : access) {
                    const std::string mode = m.is_string() ? m.get<std::string>() : "";
                    const std::string shortened = mode == "ReadWriteOnce"      ? "RWO"
                                                  : mode == "ReadOnlyMany"     ? "ROX"
                                                  : mode == "ReadWriteMany"    ? "RWX"
                                                  : mode == "ReadWriteOncePod" ? "RWOP"
                                                                               : mode;
                    modes += (modes.empty() ? "" : ",") + shortened;
                  }
                }
              }
              return std::vector<Json>{Str(o, {"status", "phase"}),
                                       Str(o, {"spec", "volumeName"}),
                                       capacity,
                                       modes,
                                       Str(o, {"spec", "storageClassName"}),
                                       Str(o, {"spec", "volumeAttributesClassName"}, "<unset>"),
                                       Age(o, now),
                                       Str(o, {"spec", "volumeMode"}, "<unset>")};
            }};
  }
  if (g == "coordination.k8s.io" && r == "leases") {
    return {{Column("Holder", "string", "Holder identity"), Column("Age", "string", "Time since creation")},
            [](const Json& o, absl::Time now) {
              return std::vector<Json>{Str(o, {"spec", "holderIdentity"}), Age(o, now)};
            }};
  }
  if (g == "apiextensions.k8s.io" && r == "customresourcedefinitions") {
    return {{Column("Created At", "date", "Creation timestamp")},
            [](const Json& o, absl::Time) {
              return std::vector<Json>{Str(o, {"metadata", "creationTimestamp"})};
            }};
  }
  // Everything else: kube-apiserver's default columns.
  return {{Column("Created At", "date", "Creation timestamp")},
          [](const Json& o, absl::Time) {
            return std::vector<Json>{Str(o, {"metadata", "creationTimestamp"})};
          }};
}

Printer CustomPrinter(const ResourceInfo& info) {
  std::vector<Json> columns;
  std::vector<Json> specs = info.printer_columns;
  if (specs.empty()) {
    specs.push_back({{"name", "Age"}, {"type", "date"}, {"jsonPath", ".metadata.creationTimestamp"}});
  }
  for (const Json& c : specs) {
    const std::string type = Str(c, {"type"}, "string");
    columns.push_back(Column(Str(c, {"name"}), type == "date" ? "date" : type,
                             Str(c, {"description"}), static_cast<int>(Int(c, {"priority"})),
                             Str(c, {"format"})));
  }
  return {columns, [specs](const Json& o, absl::Time now) {
            std::vector<Json> cells;
            for (const Json& c : specs) {
              const Json* v = EvalJsonPath(o, Str(c, {"jsonPath"}));
              if (v == nullptr || v->is_null()) {
                cells.push_back(nullptr);
              } else if (Str(c, {"type"}) == "date" && v->is_string()) {
                absl::StatusOr<absl::Time> t = ParseRFC3339(v->get<std::string>());
                cells.push_back(t.ok() ? Json(HumanDuration(now - *t)) : Json("<invalid>"));
              } else if (v->is_object() || v->is_array()) {
                cells.push_back(v->dump());
              } else {
                cells.push_back(*v);
              }
            }
            return cells;
          }};
}

}  // namespace

Json PartialObjectMetadata(const Json& object) {
  auto meta = object.find("metadata");
  return {{"kind", "PartialObjectMetadata"},
          {"apiVersion", "meta.k8s.io/v1"},
          {"metadata", meta != object.end() ? *meta : Json::object()}};
}

std::string HumanDuration(absl::Duration d) {
  const int64_t s = absl::ToInt64Seconds(d);
  if (s < -1) return "<invalid>";
  if (s < 0) return "0s";
  if (s < 120) return kop::StrCat(s, "s");
  const int64_t m = s / 60;
  if (m < 10) return s % 60 == 0 ? kop::StrCat(m, "m") : kop::StrCat(m, "m", s % 60, "s");
  if (m < 180) return kop::StrCat(m, "m");
  const int64_t h = m / 60;
  if (h < 8) return m % 60 == 0 ? kop::StrCat(h, "h") : kop::StrCat(h, "h", m % 60, "m");
  if (h < 48) return kop::StrCat(h, "h");
  const int64_t days = h / 24;
  if (h < 24 * 8) return h % 24 == 0 ? kop::StrCat(days, "d") : kop::StrCat(days, "d", h % 24, "h");
  if (days < 365 * 2) return kop::StrCat(days, "d");
  const int64_t years = days / 365;
  if (days < 365 * 8) return days % 365 == 0 ? kop::StrCat(years, "y") : kop::StrCat(years, "y", days % 365, "d");
  return kop::StrCat(years, "y");
}

const Json* EvalJsonPath(const Json& object, std::string_view path) {
  if (!path.empty() && path.front() == '{' && path.back() == '}') path = path.substr(1, path.size() - 2);
  const Json* node = &object;
  size_t i = 0;
  while (i < path.size()) {
    if (path[i] == '.') {
      ++i;
      const size_t end = path.find_first_of(".[", i);
      const std::string key(path.substr(i, end == std::string_view::npos ? std::string_view::npos : end - i));
      if (key.empty()) continue;
      if (!node->is_object() || !node->contains(key)) return nullptr;
      node = &(*node)[key];
      i = end == std::string_view::npos ? path.size() : end;
    } else if (path[i] == '[') {
      const size_t close = path.find(']', i);
      if (close == std::string_view::npos || !node->is_array()) return nullptr;
      const std::string_view inside = path.substr(i + 1, close - i - 1);
      if (inside.rfind("?(@.", 0) == 0) {
        // [?(@.field=="value")]: the first element whose field equals value.
        const size_t eq = inside.find("==");
        if (eq == std::string_view::npos) return nullptr;
        const std::string field(inside.substr(4, eq - 4));
        std::string value(inside.substr(eq + 2));
        while (!value.empty() && (value.back() == ')' || value.back() == ' ')) value.pop_back();
        if (value.size() >= 2 && (value.front() == '"' || value.front() == '\'')) value = value.substr(1, value.size() - 2);
        const Json* found = nullptr;
        for (const Json& e : *node) {
          if (e.is_object() && e.contains(field) && e[field].is_string() && e[field].get<std::string>() == value) {
            found = &e;
            break;
          }
        }
        if (found == nullptr) return nullptr;
        node = found;
      } else {
        char* end = nullptr;
        const std::string index(inside);
        const long n = std::strtol(index.c_str(), &end, 10);
        if (end == index.c_str() || n < 0 || static_cast<size_t>(n) >= node->size()) return nullptr;
        node = &(*node)[static_cast<size_t>(n)];
      }
      i = close + 1;
    } else {
      return nullptr;
    }
  }
  return node;
}

Json MakeTable(const ResourceInfo& info, const std::vector<const Json*>& objects, const Json& list_meta,
               IncludeObject include, absl::Time now) {
  const Printer printer = info.custom ? CustomPrinter(info) : BuiltinPrinter(info);
  Json columns = Json::array();
  if (!printer.own_name) {
    columns.push_back(Column(
        "Name", "string", "Name must be unique within a namespace. Cannot be updated.", 0, "name"));
  }
  for (const Json& c : printer.columns) columns.push_back(c);
  Json rows = Json::array();
  for (const Json* o : objects) {
    Json cells = Json::array();
    if (!printer.own_name) cells.push_back(Str(*o, {"metadata", "name"}));
    for (Json& c : printer.cells(*o, now)) cells.push_back(std::move(c));
    Json row = {{"cells", std::move(cells)}};
    if (include == IncludeObject::kObject) {
      // Whole, with its kind: the items of built-in lists carry none, but a row's object is
      // decoded on its own (kubectl get --sort-by reads it).
      Json& obj = row["object"] = *o;
      if (obj.is_object()) {
        obj["apiVersion"] = info.ApiVersion();
        obj["kind"] = info.kind;
      }
    } else if (include == IncludeObject::kMetadata) {
      row["object"] = {{"kind", "PartialObjectMetadata"},
                       {"apiVersion", "meta.k8s.io/v1"},
                       {"metadata", o->value("metadata", Json::object())}};
    }
    rows.push_back(std::move(row));
  }
  return {{"kind", "Table"},
          {"apiVersion", "meta.k8s.io/v1"},
          {"metadata", list_meta},
          {"columnDefinitions", std::move(columns)},
          {"rows", std::move(rows)}};
}

}  // namespace kop::testing::internal
