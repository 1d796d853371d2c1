// The greeter against kop's embedded API server, with no test framework: exit status 0 when
// the ConfigMap gets its greeting within the deadline.
#include <chrono>
#include <iostream>
#include <thread>

#include "greeter.h"
#include "kop/testing/apiserver.h"

int main() {
  auto server = kop::testing::ApiServer::Start({});
  if (!server.ok()) {
    std::cerr << "embedded server: " << server.status() << "\n";
    return 1;
  }
  kop::client::Config config;
  config.server = (*server)->url();
  auto manager = kop::Manager::Create({.name = "greeter-test", .config = config,
                                       .metrics_bind_address = "0", .health_probe_bind_address = "0"});
  if (!manager.ok() || !AddGreeter(**manager).ok()) {
    std::cerr << "manager: " << manager.status() << "\n";
    return 1;
  }
  std::stop_source stop;
  std::jthread run([&] { (void)(*manager)->Start(stop.get_token()); });
  kop::Object cm = kop::Object::New(kConfigMap, {"default", "world"});
  cm.SetLabel("greet", "yes");
  if (!(*manager)->client().Create(cm).ok()) {
    std::cerr << "cannot create the ConfigMap\n";
    return 1;
  }
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  while (std::chrono::steady_clock::now() < deadline) {
    auto got = (*manager)->client().Get(kConfigMap, {"default", "world"});
    if (got.ok() && (*got)->FindView({"data", "greeting"}).get_string() == "hello, world") {
      std::cout << "greeted\n";
      stop.request_stop();
      return 0;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));  // poll interval of the wait
  }
  std::cerr << "the ConfigMap was not greeted within 30 s\n";
  stop.request_stop();
  return 1;
}
