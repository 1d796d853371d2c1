#include <iostream>

#include "api/v1/greeting_types.h"
#include "controllers/greeting_controller.h"
#include "kop/k8s/core/v1.h"
#include "kop/testkit/environment.h"

using tutorial::v1::Greeting;

// The greeting in the Greeting's ConfigMap ("" while there is none).
std::string GreetingText(kop::client::Client& client, const std::string& ns) {
  auto cm = client.Get<kop::k8s::core::v1::ConfigMap>({ns, "hello-greeting"});
  return cm.ok() && cm->data.contains("greeting") ? cm->data.at("greeting") : "";
}

int main() {
  // The embedded API server (or KOP_TEST_KUBECONFIG's cluster), with the CRDs of crds/.
  auto env = kop::testkit::Environment::Start({.crd_paths = {CRDS_DIR}});
  if (!env.ok()) return std::cerr << env.status() << "\n", 1;
  auto ns = (*env)->CreateNamespace("greeting");
  auto manager = kop::Manager::Create((*env)->ManagerOptionsFor("greeting-operator-test"));
  const kop::OperatorFlags flags;
  if (!ns.ok() || !manager.ok() || !controllers::SetupGreetingController(**manager, {.flags = flags}).ok()) return 1;
  auto running = kop::testkit::BackgroundManager::Start(*std::move(manager));
  if (!running.ok()) return std::cerr << running.status() << "\n", 1;
  kop::client::Client& client = (*env)->client();

  // A Greeting becomes a ConfigMap; the CRD's defaults fill what the spec leaves out.
  Greeting hello;
  hello.metadata.name = "hello";
  hello.metadata.namespace_ = *ns;
  hello.spec.target = "kop";
  auto created = client.Create(hello);
  if (!created.ok()) return std::cerr << created.status() << "\n", 1;
  if (!kop::testkit::Eventually([&] { return GreetingText(client, *ns) == "Hello, kop!"; })) {
    return std::cerr << "no ConfigMap with \"Hello, kop!\"\n", 1;
  }

  // A change to the Greeting reaches its ConfigMap.
  if (!client.Patch(*created, kop::client::PatchType::kMerge, R"({"spec":{"message":"Hi"}})").ok()) return 1;
  if (!kop::testkit::Eventually([&] { return GreetingText(client, *ns) == "Hi, kop!"; })) {
    return std::cerr << "the ConfigMap did not follow the Greeting\n", 1;
  }
  std::cout << "ok\n";
  return 0;
}
