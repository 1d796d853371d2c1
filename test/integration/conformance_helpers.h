// Object builders shared by the API server conformance tests.
#ifndef KOP_TEST_INTEGRATION_CONFORMANCE_HELPERS_H_
#define KOP_TEST_INTEGRATION_CONFORMANCE_HELPERS_H_

#include <cstdlib>
#include <map>
#include <string>

#include "kop/api/json.h"
#include "support/cluster.h"

namespace kop::test {

inline Json ConfigMapJson(const std::string& name, const std::map<std::string, std::string>& data = {},
                          const std::map<std::string, std::string>& labels = {}) {
  Json cm = {{"apiVersion", "v1"}, {"kind", "ConfigMap"}, {"metadata", {{"name", name}}}, {"data", data}};
  if (!labels.empty()) cm["metadata"]["labels"] = labels;
  return cm;
}

inline Json DeploymentJson(const std::string& name, int replicas = 1) {
  return {{"apiVersion", "apps/v1"},
          {"kind", "Deployment"},
          {"metadata", {{"name", name}}},
          {"spec",
           {{"replicas", replicas},
            {"selector", {{"matchLabels", {{"app", name}}}}},
            {"template",
             {{"metadata", {{"labels", {{"app", name}}}}},
              {"spec", {{"containers", {{{"name", "app"}, {"image", "nginx:1.25"}}}}}}}}}}};
}

// The server's minor version from /version ("31", "30+" -> 30), for behaviour that changed
// between Kubernetes releases; 0 when it cannot be read.
inline int ServerMinorVersion(TestCluster& c) {
  Json v = c.http().Get("/version").json();
  if (!v.is_object() || !v.contains("minor") || !v["minor"].is_string()) return 0;
  return std::atoi(v["minor"].get<std::string>().c_str());
}

}  // namespace kop::test

#endif  // KOP_TEST_INTEGRATION_CONFORMANCE_HELPERS_H_
