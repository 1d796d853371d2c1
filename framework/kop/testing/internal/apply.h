// Server-side apply for the embedded API server: field ownership per manager, conflicts,
// and removal of fields a manager stops applying.
//
// Simplifications (see docs/testing.md): lists are atomic (applying a list replaces it
// whole, and one manager owns it), and only appliers own fields: writes by update and
// patch are not recorded as managers.
#ifndef KOP_TESTING_INTERNAL_APPLY_H_
#define KOP_TESTING_INTERNAL_APPLY_H_

#include <string>

#include "absl/status/statusor.h"
#include "kop/api/json.h"

namespace kop::testing::internal {

struct ApplyRequest {
  std::string manager;
  bool force = false;
  std::string now;          // RFC 3339, for the managedFields entry
  std::string api_version;  // of the applied configuration
};

// The object after `request.manager` applies `config` to `live` (null: the object does not
// exist yet), with metadata.managedFields updated. 409 Conflict (a Kubernetes Status with
// one cause per field) when another manager owns a field the configuration sets to a
// different value and `force` is false.
absl::StatusOr<Json> ServerSideApply(const Json* live, const Json& config, const ApplyRequest& request);

}  // namespace kop::testing::internal

#endif  // KOP_TESTING_INTERNAL_APPLY_H_
