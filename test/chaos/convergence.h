// What "converged" means for the Application operator, read from the API server:
// - every Application has its ConfigMap, Deployment and Service, controlled by it, with
//   exactly the fields the operator owns as its spec says (applying the operator's desired
//   state to the live object changes nothing);
// - its status has observedGeneration equal to its generation;
// - no object is controlled by an Application that no longer exists (the garbage collector
//   took everything of deleted or replaced Applications).
#ifndef KOP_TEST_CHAOS_CONVERGENCE_H_
#define KOP_TEST_CHAOS_CONVERGENCE_H_

#include <string>
#include <vector>

#include "kop/client/client.h"

namespace kop::chaos {

// What is still wrong; empty when converged. A read that fails is reported as a problem.
std::vector<std::string> ConvergenceProblems(client::Client& client, const std::string& ns);

}  // namespace kop::chaos

#endif  // KOP_TEST_CHAOS_CONVERGENCE_H_
