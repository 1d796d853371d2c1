#include "kop/workqueue/rate_limiting_queue.h"

#include "catch2/catch.hpp"
#include "kop/workqueue/workqueue.h"
#include "support/wait.h"

namespace kop::workqueue {
namespace {

using std::chrono::milliseconds;
using test::WaitFor;

TEST_CASE("a rate-limited key comes back after its backoff, which grows until forgotten") {
  FakeClock clock;
  RateLimitingQueue<ObjectKey> q(
      NewItemExponentialFailureRateLimiter<ObjectKey>(milliseconds(5), milliseconds(1000)),
      {.clock = &clock});
  const ObjectKey key{"ns", "a"};
  q.AddRateLimited(key);
  CHECK(q.NumRequeues(key) == 1);
  CHECK(q.Len() == 0);
  clock.Advance(milliseconds(5));
  REQUIRE(WaitFor([&] { return q.Len() == 1; }));
  REQUIRE(q.Get() == key);

  q.AddRateLimited(key);  // second failure: 10 ms
  q.Done(key);
  clock.Advance(milliseconds(9));
  CHECK(q.PendingDelayed() == 1);
  clock.Advance(milliseconds(1));
  REQUIRE(WaitFor([&] { return q.Len() == 1; }));
  REQUIRE(q.Get() == key);
  q.Done(key);

  q.Forget(key);
  CHECK(q.NumRequeues(key) == 0);
}

TEST_CASE("the default controller queue works end to end on the real clock") {
  RateLimitingQueue<ObjectKey> q(DefaultControllerRateLimiter<ObjectKey>(), {.name = "test"});
  q.AddRateLimited({"ns", "x"});
  std::optional<ObjectKey> got = q.Get();  // 5 ms later
  REQUIRE(got.has_value());
  CHECK(*got == ObjectKey{"ns", "x"});
  q.Done(*got);
  q.ShutDownWithDrain();
  CHECK_FALSE(q.Get().has_value());
}

}  // namespace
}  // namespace kop::workqueue
