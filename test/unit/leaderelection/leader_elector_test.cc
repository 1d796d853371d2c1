// The LeaderElector against an in-memory Lease endpoint (GET, POST, PUT with
// resourceVersion preconditions, as the API server serves them), without a server.
#include "kop/leaderelection/leader_elector.h"

#include <atomic>
#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <thread>

#include "catch2/catch.hpp"
#include "kop/base/mutex.h"
#include "kop/client/transport.h"

namespace kop::leaderelection {
namespace {

using namespace std::chrono_literals;

constexpr char kPath[] = "/apis/coordination.k8s.io/v1/namespaces/ops/leases/op-leader";
constexpr char kCollection[] = "/apis/coordination.k8s.io/v1/namespaces/ops/leases";

client::HttpResponse StatusAnswer(int code, const std::string& reason, const std::string& message) {
  return {.code = code,
          .body = Json{{"kind", "Status"}, {"apiVersion", "v1"}, {"status", "Failure"}, {"reason", reason},
                       {"message", message}, {"code", code}}
                      .dump()};
}

// One Lease, stored as the API server would: a create when absent, updates only at the
// resourceVersion last written (409 otherwise), a new resourceVersion per write.
class LeaseEndpoint final : public client::Transport {
 public:
  absl::StatusOr<client::HttpResponse> Do(const client::HttpRequest& r) override {
    kop::MutexLock lock(&mu_);
    const std::string path = r.path.substr(0, r.path.find('?'));
    if (r.method == "GET" && path == kPath) {
      if (!lease_.has_value()) return StatusAnswer(404, "NotFound", "leases.coordination.k8s.io \"op-leader\" not found");
      return client::HttpResponse{.code = 200, .body = lease_->dump()};
    }
    if (r.method == "POST" && path == kCollection) {
      if (lease_.has_value()) return StatusAnswer(409, "AlreadyExists", "leases.coordination.k8s.io \"op-leader\" already exists");
      return Store(Json::parse(r.body), 201);
    }
    if (r.method == "PUT" && path == kPath) {
      if (fail_updates_) return StatusAnswer(500, "InternalError", "etcdserver: request timed out");
      Json next = Json::parse(r.body);
      if (!lease_.has_value()) return StatusAnswer(404, "NotFound", "not found");
      if (next["metadata"].value("resourceVersion", "") != (*lease_)["metadata"].value("resourceVersion", "")) {
        ++conflicts_;
        return StatusAnswer(409, "Conflict", "the object has been modified; please apply your changes to the latest version and try again");
      }
      return Store(std::move(next), 200);
    }
    return StatusAnswer(404, "NotFound", "the server could not find the requested resource");
  }
  std::unique_ptr<client::Stream> OpenStream(const client::HttpRequest&, std::function<bool(std::string_view)>,
                                             std::function<void(absl::Status)> on_done,
                                             std::chrono::milliseconds) override {
    on_done(absl::UnimplementedError("no watches here"));
    return nullptr;
  }
  const client::Config& config() const override { return config_; }

  Json spec() const {
    kop::MutexLock lock(&mu_);
    return lease_.has_value() ? (*lease_)["spec"] : Json();
  }
  void Put(Json lease) {
    kop::MutexLock lock(&mu_);
    lease["metadata"]["resourceVersion"] = std::to_string(++rv_);
    lease_ = std::move(lease);
  }
  void FailUpdates(bool fail) {
    kop::MutexLock lock(&mu_);
    fail_updates_ = fail;
  }
  int conflicts() const {
    kop::MutexLock lock(&mu_);
    return conflicts_;
  }

 private:
  client::HttpResponse Store(Json obj, int code) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    obj["metadata"]["resourceVersion"] = std::to_string(++rv_);
    lease_ = obj;
    return {.code = code, .body = obj.dump()};
  }
  client::Config config_;
  mutable kop::Mutex mu_;
  std::optional<Json> lease_ ABSL_GUARDED_BY(mu_);
  int rv_ ABSL_GUARDED_BY(mu_) = 0;
  int conflicts_ ABSL_GUARDED_BY(mu_) = 0;
  bool fail_updates_ ABSL_GUARDED_BY(mu_) = false;
};

LeaderElectionConfig Config(std::string identity) {
  return {.lease_name = "op-leader",
          .lease_namespace = "ops",
          .identity = std::move(identity),
          .lease_duration = 1000ms,
          .renew_deadline = 500ms,
          .retry_period = 50ms};
}

template <typename F>
bool Eventually(F f, std::chrono::milliseconds timeout = 10s) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (!f()) {
    if (std::chrono::steady_clock::now() > deadline) return false;
    std::this_thread::sleep_for(5ms);  // polling interval of the wait, not a synchronisation
  }
  return true;
}

struct Candidate {
  Candidate(const client::Client& c, LeaderElectionConfig config) {
    config.on_started_leading = [this] { ++started; };
    config.on_stopped_leading = [this] { ++stopped; };
    elector = std::make_unique<LeaderElector>(c, std::move(config));
    thread = std::jthread([this](std::stop_token stop) { result = elector->Run(stop); });
  }
  ~Candidate() { Stop(); }
  void Stop() {
    thread.request_stop();
    if (thread.joinable()) thread.join();
  }
  std::atomic<int> started{0};
  std::atomic<int> stopped{0};
  std::unique_ptr<LeaderElector> elector;
  absl::Status result;  // read after Stop
  std::jthread thread;
};

TEST_CASE("leader elector: creates the absent lease, leads, renews, and releases on stop", "[leaderelection]") {
  auto endpoint = std::make_shared<LeaseEndpoint>();
  auto c = client::Client::ForTransport(endpoint);
  Candidate a(*c, Config("a"));
  REQUIRE(Eventually([&] { return a.elector->IsLeader(); }));
  CHECK(a.started == 1);
  Json spec = endpoint->spec();
  CHECK(spec["holderIdentity"] == "a");
  CHECK(spec["leaseDurationSeconds"] == 1);
  CHECK(spec["leaseTransitions"] == 0);
  CHECK(a.elector->Check().ok());
  // Renewals move renewTime.
  const std::string first_renew = spec["renewTime"];
  REQUIRE(Eventually([&] { return endpoint->spec()["renewTime"] != first_renew; }));
  a.Stop();
  CHECK(a.result.ok());
  CHECK(a.stopped == 1);
  spec = endpoint->spec();
  CHECK(spec["holderIdentity"] == "");  // released: a standby need not wait out the lease
  CHECK(spec["leaseDurationSeconds"] == 1);
}

TEST_CASE("leader elector: a standby waits while the lease is held, and takes it once released", "[leaderelection]") {
  auto endpoint = std::make_shared<LeaseEndpoint>();
  auto c = client::Client::ForTransport(endpoint);
  Candidate a(*c, Config("a"));
  REQUIRE(Eventually([&] { return a.elector->IsLeader(); }));
  Candidate b(*c, Config("b"));
  REQUIRE(Eventually([&] { return b.elector->attempts() >= 3; }));
  CHECK_FALSE(b.elector->IsLeader());
  CHECK(b.elector->leader() == "a");
  CHECK(endpoint->spec()["holderIdentity"] == "a");
  a.Stop();
  REQUIRE(Eventually([&] { return b.elector->IsLeader(); }));
  const Json spec = endpoint->spec();
  CHECK(spec["holderIdentity"] == "b");
  CHECK(spec["leaseTransitions"] == 1);
}

TEST_CASE("leader elector: an expired lease of a dead holder is taken over, judged by the local clock", "[leaderelection]") {
  auto endpoint = std::make_shared<LeaseEndpoint>();
  // Its renewTime lies in the future: remote timestamps are not trusted, only how long the
  // record has been seen unchanged.
  endpoint->Put(Json::parse(R"({"apiVersion":"coordination.k8s.io/v1","kind":"Lease",
      "metadata":{"name":"op-leader","namespace":"ops"},
      "spec":{"holderIdentity":"ghost","leaseDurationSeconds":1,"leaseTransitions":4,
              "acquireTime":"2099-01-01T00:00:00.000000Z","renewTime":"2099-01-01T00:00:00.000000Z"}})"));
  auto c = client::Client::ForTransport(endpoint);
  const auto start = std::chrono::steady_clock::now();
  Candidate b(*c, Config("b"));
  REQUIRE(Eventually([&] { return b.elector->IsLeader(); }));
  CHECK(std::chrono::steady_clock::now() - start >= 1s);  // not before the lease duration
  CHECK(endpoint->spec()["holderIdentity"] == "b");
  CHECK(endpoint->spec()["leaseTransitions"] == 5);
}

TEST_CASE("leader elector: a leader that cannot renew within the renew deadline stops leading", "[leaderelection]") {
  auto endpoint = std::make_shared<LeaseEndpoint>();
  auto c = client::Client::ForTransport(endpoint);
  Candidate a(*c, Config("a"));
  REQUIRE(Eventually([&] { return a.elector->IsLeader(); }));
  endpoint->FailUpdates(true);
  REQUIRE(Eventually([&] { return a.stopped.load() == 1; }));
  CHECK_FALSE(a.elector->IsLeader());
  a.Stop();
  CHECK(absl::IsAborted(a.result));
  CHECK(a.result.message().find("renew deadline") != std::string::npos);
}

TEST_CASE("leader elector: bad timings are refused before anything is written", "[leaderelection]") {
  LeaderElectionConfig config = Config("a");
  config.renew_deadline = 1500ms;  // above the lease duration
  CHECK(absl::IsInvalidArgument(Validate(config)));
  config = Config("a");
  config.lease_name.clear();
  CHECK(absl::IsInvalidArgument(Validate(config)));
}

}  // namespace
}  // namespace kop::leaderelection
