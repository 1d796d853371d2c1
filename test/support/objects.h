// Helpers for building objects in tests, so tests say what matters and not JSON.
#ifndef KOP_TEST_SUPPORT_OBJECTS_H_
#define KOP_TEST_SUPPORT_OBJECTS_H_

#include <map>
#include <string>

#include "kop/api/object.h"

namespace kop::test {

inline GroupVersionKind ConfigMapGVK() { return {"", "v1", "ConfigMap"}; }
inline GroupVersionKind DeploymentGVK() { return {"apps", "v1", "Deployment"}; }
inline GroupVersionKind ApplicationGVK() { return {"example.com", "v1", "Application"}; }

// A ConfigMap in `ns` named `name` with the given data.
inline Object MakeConfigMap(const std::string& ns, const std::string& name,
                            const std::map<std::string, std::string>& data = {}) {
  Object cm = Object::New(ConfigMapGVK(), {ns, name});
  cm.mutable_json()["data"] = data;
  return cm;
}

// An Application with spec.image and spec.replicas.
inline Object MakeApplication(const std::string& ns, const std::string& name,
                              const std::string& image = "nginx:1.25", int replicas = 1) {
  Object app = Object::New(ApplicationGVK(), {ns, name});
  app.mutable_spec()["image"] = image;
  app.mutable_spec()["replicas"] = replicas;
  return app;
}

}  // namespace kop::test

#endif  // KOP_TEST_SUPPORT_OBJECTS_H_
