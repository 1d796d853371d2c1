// kop/base/runnable: something that runs until asked to stop. The manager runs controllers,
// servers and the user's own background tasks through this one interface.
//
//   class Sweeper : public kop::Runnable {
//     absl::Status Run(std::stop_token stop) override {
//       while (!stop.stop_requested()) { ... }
//       return absl::OkStatus();
//     }
//     bool NeedsLeaderElection() const override { return false; }  // runs on every replica
//   };
#ifndef KOP_BASE_RUNNABLE_H_
#define KOP_BASE_RUNNABLE_H_

#include <stop_token>

#include "absl/status/status.h"

namespace kop {

class Runnable {
 public:
  virtual ~Runnable() = default;
  // Blocks until `stop` is requested (then returns OK once cleaned up) or it fails.
  virtual absl::Status Run(std::stop_token stop) = 0;
  // Whether it may run only on the elected leader (controllers do).
  virtual bool NeedsLeaderElection() const { return true; }
};

}  // namespace kop

#endif  // KOP_BASE_RUNNABLE_H_
