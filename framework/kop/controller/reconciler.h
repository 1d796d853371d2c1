// kop/controller: from watched objects to reconciles.
//
// An operator author writes one class:
//
//   class ApplicationReconciler final : public kop::Reconciler {
//    public:
//     absl::StatusOr<kop::Result> Reconcile(const kop::Request& req, kop::ReconcileContext& ctx) override {
//       ctx.log.V(1).Info("reconciling");
//       KOP_ASSIGN_OR_RETURN(kop::client::ObjectPtr app, ctx.client.Get(kApplication, req.key));
//       ... make the world match it, through ctx.client ...
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
#include <utility>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "kop/api/object_key.h"
#include "kop/log/logger.h"

namespace kop {

namespace client {
class ObjectClient;
class Reader;
}  // namespace client

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

// What a reconcile runs with. The clients are always there: a controller built without a
// Manager hands out one that answers FailedPrecondition.
struct ReconcileContext {
  ReconcileContext(client::ObjectClient& client, client::Reader& api_reader, log::Logger log)
      : log(std::move(log)), client(client), api_reader(api_reader) {}

  // Requested when the controller shuts down; long reconciles should give up early.
  std::stop_token stop;
  // When the controller's reconcile timeout expires (time_point::max() without one).
  std::chrono::steady_clock::time_point deadline = std::chrono::steady_clock::time_point::max();
  // Carries controller, namespace, name and reconcileID.
  log::Logger log;
  std::string reconcile_id;
  // Reads from the shared caches, writes to the API server (kop/client/object_client.h).
  client::ObjectClient& client;
  // Reads the API server itself, for the few reads that must not come from a cache.
  client::Reader& api_reader;
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
