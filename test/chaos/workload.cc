#include "chaos/workload.h"

#include <array>
#include <condition_variable>
#include <mutex>

#include "kop/base/strings.h"
#include "kop/client/errors.h"

namespace kop::chaos {
namespace {

client::ResourceClient In(client::Client& c, GroupVersionResource gvr, const std::string& ns) {
  return c.Resource(gvr, true).Namespace(ns);
}

}  // namespace

Workload::Workload(client::Client& client, std::string ns, int pool, uint64_t seed)
    : apps_(In(client, {"example.com", "v1", "applications"}, ns)),
      deployments_(In(client, {"apps", "v1", "deployments"}, ns)),
      services_(In(client, {"", "v1", "services"}, ns)),
      configmaps_(In(client, {"", "v1", "configmaps"}, ns)),
      pool_(pool),
      rng_(seed) {}

void Workload::Count(const std::string& op, bool ok) {
  ++attempted_[op];
  if (ok) ++succeeded_[op];
}

Json Workload::RandomSpec() {
  auto between = [&](int lo, int hi) { return std::uniform_int_distribution<int>(lo, hi)(rng_); };
  Json spec = {{"image", kop::StrCat("registry.example.com/shop:1.", between(0, 9))},
               {"replicas", between(0, 5)},
               {"port", std::array{80, 8080, 9000}[between(0, 2)]},
               {"serviceType", between(0, 3) == 0 ? "NodePort" : "ClusterIP"}};
  Json config = Json::object();
  for (int i = between(0, 3); i > 0; --i) config[kop::StrCat("key", between(0, 5))] = kop::StrCat("v", between(0, 99));
  if (!config.empty()) spec["config"] = config;
  Json env = Json::array();
  for (int i = between(0, 2); i > 0; --i) {
    env.push_back({{"name", kop::StrCat("VAR", i)}, {"value", kop::StrCat("x", between(0, 9))}});
  }
  if (!env.empty()) spec["env"] = env;
  return spec;
}

void Workload::Step() {
  auto between = [&](int lo, int hi) { return std::uniform_int_distribution<int>(lo, hi)(rng_); };
  const std::string name = kop::StrCat("app-", between(0, pool_ - 1));
  absl::StatusOr<Object> app = apps_.Get(name);
  if (!app.ok()) {
    if (!kop::IsNotFound(app.status())) return;  // a fault: try something else next time
    Object fresh = Object::New({"example.com", "v1", "Application"}, {apps_.namespace_(), name});
    fresh.mutable_json()["spec"] = RandomSpec();
    Count("create_application", apps_.Create(fresh).ok());
    return;
  }
  switch (between(0, 9)) {
    case 0:
    case 1:
    case 2: {  // change the spec
      Object changed = *app;
      Json& spec = changed.mutable_json()["spec"];
      const Json fresh = RandomSpec();
      for (const char* field : {"image", "replicas", "port", "config", "env", "serviceType"}) {
        if (between(0, 2) == 0) {
          if (fresh.contains(field)) {
            spec[field] = fresh[field];
          } else {
            spec.erase(field);
          }
        }
      }
      Count("update_application", apps_.Update(changed).ok());
      break;
    }
    case 3:
      Count("delete_application", apps_.Delete(name).ok());
      break;
    case 4: {  // an owned object deleted by someone else
      client::ResourceClient* target = std::array{&deployments_, &services_, &configmaps_}[between(0, 2)];
      const std::string object = target == &configmaps_ ? name + "-config" : name;
      Count("delete_owned", target->Delete(object).ok());
      break;
    }
    case 5: {  // drift: replicas or image changed by hand
      const std::string patch = between(0, 1) == 0
                                    ? kop::StrCat(R"({"spec":{"replicas":)", between(0, 9), "}}")
                                    : R"({"spec":{"template":{"spec":{"containers":[{"name":"app","image":"hand/edited:1"}]}}}})";
      Count("edit_deployment", deployments_.Patch(name, client::PatchType::kStrategicMerge, patch).ok());
      break;
    }
    case 6:
      Count("edit_configmap",
            configmaps_.Patch(name + "-config", client::PatchType::kMerge, R"({"data":{"hand":"edited"}})").ok());
      break;
    case 7:
      Count("edit_service", services_.Patch(name, client::PatchType::kMerge,
                                            R"({"metadata":{"labels":{"app.kubernetes.io/managed-by":null}}})")
                                .ok());
      break;
    default:
      break;  // a read, and a pause
  }
}

void Workload::Run(std::stop_token stop) {
  std::mutex mu;
  std::condition_variable_any cv;
  while (!stop.stop_requested()) {
    Step();
    std::unique_lock lock(mu);
    cv.wait_for(lock, stop, std::chrono::milliseconds(std::uniform_int_distribution<int>(2, 30)(rng_)),
                [] { return false; });
  }
}

}  // namespace kop::chaos
