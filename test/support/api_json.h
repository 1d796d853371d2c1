// JSON a Kubernetes API server answers, for tests on scripted transports: lists, watch
// events, bookmarks, and aggregated discovery documents.
#ifndef KOP_TEST_SUPPORT_API_JSON_H_
#define KOP_TEST_SUPPORT_API_JSON_H_

#include <string>
#include <vector>

namespace kop::test {

// The Content-Type of an aggregated discovery document.
inline constexpr char kAggregatedDiscoveryType[] =
    "application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList";

// One resource in an aggregated discovery document.
struct DiscoveredResource {
  std::string group;
  std::string version;
  std::string resource;
  std::string kind;
  bool namespaced = true;
};

// The aggregated discovery document of /api (core resources) or /apis (the rest), listing
// `resources` (each under its group and version; resources of the other half are left out).
inline std::string AggregatedDiscovery(const std::vector<DiscoveredResource>& resources, bool core) {
  std::string items;
  std::vector<std::string> seen_groups;
  for (const DiscoveredResource& r : resources) {
    if (r.group.empty() != core) continue;
    bool seen = false;
    for (const std::string& g : seen_groups) seen = seen || g == r.group + "/" + r.version;
    if (seen) continue;
    seen_groups.push_back(r.group + "/" + r.version);
    std::string list;
    for (const DiscoveredResource& x : resources) {
      if (x.group != r.group || x.version != r.version) continue;
      if (!list.empty()) list += ",";
      list += R"({"resource":")" + x.resource + R"(","responseKind":{"group":")" + x.group + R"(","version":")" +
              x.version + R"(","kind":")" + x.kind + R"("},"scope":")" + (x.namespaced ? "Namespaced" : "Cluster") +
              R"(","verbs":["get","list","watch"]})";
    }
    if (!items.empty()) items += ",";
    items += R"({"metadata":{"name":")" + r.group + R"("},"versions":[{"version":")" + r.version +
             R"(","freshness":"Current","resources":[)" + list + "]}]}";
  }
  return R"({"kind":"APIGroupDiscoveryList","apiVersion":"apidiscovery.k8s.io/v2","metadata":{},"items":[)" + items +
         "]}";
}

// A list answer: items are JSON objects; `cont` the continue token of a further page.
inline std::string ListJson(const std::string& kind, const std::string& rv, const std::vector<std::string>& items,
                            const std::string& cont = "") {
  std::string body = R"({"kind":")" + kind + R"(List","apiVersion":"v1","metadata":{"resourceVersion":")" + rv + "\"";
  if (!cont.empty()) body += R"(,"continue":")" + cont + "\"";
  body += R"(},"items":[)";
  for (size_t i = 0; i < items.size(); ++i) body += (i > 0 ? "," : "") + items[i];
  return body + "]}";
}

// A watch event line for a ConfigMap `name` in "default" at `rv`.
inline std::string ConfigMapEvent(const std::string& type, const std::string& name, const std::string& rv) {
  return R"({"type":")" + type + R"(","object":{"kind":"ConfigMap","apiVersion":"v1","metadata":{"name":")" + name +
         R"(","namespace":"default","resourceVersion":")" + rv + "\"}}}\n";
}

// A watch event line for any object.
inline std::string EventJson(const std::string& type, const std::string& object) {
  return R"({"type":")" + type + R"(","object":)" + object + "}\n";
}

}  // namespace kop::test

#endif  // KOP_TEST_SUPPORT_API_JSON_H_
