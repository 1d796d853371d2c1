// kop/controller: from watched objects to reconciles.
//
// An operator author writes one class:
//
//   class ApplicationReconciler final : public kop::Reconciler {
//    public:
//     absl::StatusOr<kop::Result> Reconcile(const kop::Request& req, kop::ReconcileContext& ctx) override {
//       ctx.log.V(1).Info("reconciling");
//       ... read current state, make the world match it ...
//       return kop::Result{.requeue_after = std::chrono::minutes(5)};
//     }
//   };
//
// A Request names an object (namespace and name) and nothing else: the reconciler reads the
// current state and acts on it (level-based), whatever events led there.
#ifndef KOP_CONTROLLER_RECONCILER_H_
#define KOP_CONTROLLER_RECONCILER_H_

#include <chrono>
#include <stop_token>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "kop/api/object_key.h"
#include "kop/log/logger.h"

namespace kop {

namespace client {
class Client;
}  // namespace client
class CachedClient;

struct Request {
  ObjectKey key;
  friend bool operator==(const Request&, const Request&) = default;
};

struct Result {
  // Reconcile again after the rate limiter's backoff, as for an error but without one.
  bool requeue = false;
  // Reconcile again after this long (> 0); the key's failure backoff is reset.
  std::chrono::milliseconds requeue_after{0};
};

// What a reconcile runs with.
struct ReconcileContext {
  // Requested when the controller shuts down; long reconciles should give up early.
  std::stop_token stop;
  // When the controller's reconcile timeout expires (time_point::max() without one).
  std::chrono::steady_clock::time_point deadline = std::chrono::steady_clock::time_point::max();
  // Carries controller, namespace, name and reconcileID.
  log::Logger log;
  std::string reconcile_id;
  // Reads from the shared caches, writes to the API server (set by the Manager).
  CachedClient* cached = nullptr;
  // The API client, for reads that must bypass the cache; may be null in tests that need none.
  client::Client* client = nullptr;
};

class Reconciler {
 public:
  virtual ~Reconciler() = default;
  // An error is retried with per-key exponential backoff; a TerminalError is not. An
  // exception thrown here is caught, logged, counted and retried like an error.
  virtual absl::StatusOr<Result> Reconcile(const Request& request, ReconcileContext& ctx) = 0;
};

// Marks an error as terminal: retrying cannot help (an invalid spec); the key is not requeued
// (until its object changes).
absl::Status TerminalError(absl::Status status);
bool IsTerminalError(const absl::Status& status);

}  // namespace kop

#endif  // KOP_CONTROLLER_RECONCILER_H_
