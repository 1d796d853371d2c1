// The controller on its own, without a Manager or a server: its reconcile context.
#include "kop/controller/controller.h"

#include <chrono>
#include <memory>
#include <optional>
#include <thread>

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

// Blocks its reconcile until released (or until its context asks it to stop).
class Blocker final : public Reconciler {
 public:
  absl::StatusOr<Result> Reconcile(const Request&, ReconcileContext& ctx) override {
    std::stop_callback wake(ctx.stop, [this] {
      kop::MutexLock lock(&mu_);
      cv_.SignalAll();
    });
    kop::MutexLock lock(&mu_);
    entered_ = true;
    cv_.SignalAll();
    while (!released_ && !ctx.stop.stop_requested()) cv_.Wait(&mu_);
    return Result{};
  }
  bool WaitEntered() {
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
    kop::MutexLock lock(&mu_);
    while (!entered_) {
      if (!cv_.WaitUntil(&mu_, deadline)) return entered_;
    }
    return true;
  }
  void Release() {
    kop::MutexLock lock(&mu_);
    released_ = true;
    cv_.SignalAll();
  }

 private:
  kop::Mutex mu_;
  kop::CondVar cv_;
  bool entered_ ABSL_GUARDED_BY(mu_) = false;
  bool released_ ABSL_GUARDED_BY(mu_) = false;
};

TEST_CASE("a controller is a Runnable: Run works until stopped, then drains within the grace period") {
  auto blocker = std::make_unique<Blocker>();
  Blocker* b = blocker.get();
  Controller controller({.name = "runnable", .graceful_shutdown_timeout = std::chrono::seconds(30)},
                        std::move(blocker));
  Runnable& runnable = controller;
  CHECK(runnable.NeedsLeaderElection());
  std::stop_source stop;
  absl::Status result = absl::UnknownError("not returned");
  std::thread run([&] { result = runnable.Run(stop.get_token()); });
  controller.Enqueue({{"ns", "a"}});
  REQUIRE(b->WaitEntered());
  stop.request_stop();
  b->Release();  // the in-flight reconcile finishes within the grace period
  run.join();
  CHECK(result.ok());
}

TEST_CASE("a controller's Run reports in-flight reconciles abandoned after the grace period") {
  auto blocker = std::make_unique<Blocker>();
  Blocker* b = blocker.get();
  Controller controller({.name = "stuck", .graceful_shutdown_timeout = std::chrono::milliseconds(0)},
                        std::move(blocker));
  std::stop_source stop;
  absl::Status result;
  std::thread run([&] { result = controller.Run(stop.get_token()); });
  controller.Enqueue({{"ns", "a"}});
  REQUIRE(b->WaitEntered());
  stop.request_stop();  // never released: only the context's stop token ends it
  run.join();
  CHECK(absl::IsDeadlineExceeded(result));
  CHECK(result.message().find("controller \"stuck\"") != std::string::npos);
}

}  // namespace
}  // namespace kop
