// The controller on its own, without a Manager or a server: its reconcile context.
#include "kop/controller/controller.h"

#include <chrono>
#include <memory>
#include <optional>

#include "catch2/catch.hpp"
#include "kop/base/mutex.h"
#include "kop/client/object_client.h"
#include "kop/testkit/fake_client.h"

namespace kop {
namespace {

// Records what a reconcile saw through its context's clients.
class Probe final : public Reconciler {
 public:
  absl::StatusOr<Result> Reconcile(const Request& req, ReconcileContext& ctx) override {
    absl::StatusOr<client::ObjectPtr> cached = ctx.client.Get({"", "v1", "ConfigMap"}, req.key);
    absl::StatusOr<client::ObjectPtr> live = ctx.api_reader.Get({"", "v1", "ConfigMap"}, req.key);
    kop::MutexLock lock(&mu_);
    cached_ = cached.status();
    live_ = live.status();
    if (cached.ok()) name_ = std::string((*cached)->name());
    done_ = true;
    cv_.SignalAll();
    return Result{};
  }

  bool WaitDone(std::chrono::seconds timeout) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    kop::MutexLock lock(&mu_);
    while (!done_) {
      if (!cv_.WaitUntil(&mu_, deadline) && !done_) return false;
    }
    return true;
  }
  absl::Status cached() {
    kop::MutexLock lock(&mu_);
    return cached_;
  }
  absl::Status live() {
    kop::MutexLock lock(&mu_);
    return live_;
  }
  std::string name() {
    kop::MutexLock lock(&mu_);
    return name_;
  }

 private:
  kop::Mutex mu_;
  kop::CondVar cv_;  // signalled when a reconcile is done
  bool done_ ABSL_GUARDED_BY(mu_) = false;
  absl::Status cached_ ABSL_GUARDED_BY(mu_);
  absl::Status live_ ABSL_GUARDED_BY(mu_);
  std::string name_ ABSL_GUARDED_BY(mu_);
};

TEST_CASE("a controller without a client hands its reconciles one that refuses, never null") {
  auto probe = std::make_unique<Probe>();
  Probe* p = probe.get();
  Controller controller({.name = "lonely"}, std::move(probe));
  controller.Start();
  controller.Enqueue({{"ns", "cm"}});
  REQUIRE(p->WaitDone(std::chrono::seconds(30)));
  CHECK(absl::IsFailedPrecondition(p->cached()));
  CHECK(p->cached().message() == "controller \"lonely\" has no client: build it with a Manager, or give it one");
  CHECK(absl::IsFailedPrecondition(p->live()));
  controller.Stop(std::chrono::seconds(5));
}

TEST_CASE("a controller's reconciles read through the clients it was given") {
  Object cm = Object::New({"", "v1", "ConfigMap"}, {"ns", "cm"});
  testkit::FakeClient fake({cm});
  auto probe = std::make_unique<Probe>();
  Probe* p = probe.get();
  Controller controller({.name = "wired", .client = &fake, .api_reader = &fake}, std::move(probe));
  controller.Start();
  controller.Enqueue({{"ns", "cm"}});
  REQUIRE(p->WaitDone(std::chrono::seconds(30)));
  CHECK(p->cached().ok());
  CHECK(p->live().ok());
  CHECK(p->name() == "cm");
  controller.Stop(std::chrono::seconds(5));
}

}  // namespace
}  // namespace kop
