// Object metadata validation with upstream's messages (422 Invalid causes).
#ifndef KOP_TESTING_INTERNAL_VALIDATION_H_
#define KOP_TESTING_INTERNAL_VALIDATION_H_

#include <initializer_list>
#include <string>
#include <string_view>
#include <vector>

#include "kop/api/object.h"
#include "kop/testing/internal/errors.h"
#include "kop/testing/internal/registry.h"

namespace kop::testing::internal {

// Checks metadata.name (present on create unless generateName; the resource's name format),
// label keys and values, annotation keys and their total size (256 KiB), finalizer names
// (qualified, or one of the standard ones; not both orphan and foregroundDeletion) and owner
// references (apiVersion, kind, name and uid set), with upstream's fields and messages; on
// updates each finding twice, as upstream reports them.
std::vector<FieldCause> ValidateObjectMeta(const ResourceInfo& info, const Object& obj,
                                           bool create);

// What only an update is checked for: no finalizer added to an object being deleted.
std::vector<FieldCause> ValidateObjectMetaUpdate(const Object& obj, const Object& old);

// What kube-apiserver's validation of built-in kinds checks beyond their schemas: workload
// selectors (non-empty, matching the template's labels, immutable), containers (unique
// DNS-label names, an image), Service ports, ConfigMap and Secret keys and immutability.
// `old` is the stored object on updates, null on create; `subresource` the one written
// ("status", "finalize"; empty for the object itself).
std::vector<FieldCause> ValidateBuiltin(const ResourceInfo& info, const Object& obj, const Object* old,
                                        const std::string& subresource = "",
                                        std::vector<std::string>* warnings = nullptr);

// batch/v1 Jobs and CronJobs (validation_batch.cc): counts, completion mode, restart policy,
// manual selectors, what may not change after create, and a CronJob's schedule (cron syntax
// as upstream's parser reads it), concurrency policy and name length.
std::vector<FieldCause> ValidateBatch(const ResourceInfo& info, const Json& obj, const Json* old,
                                      std::vector<std::string>* warnings);

// Helpers the per-kind validators share: the value at a path (null when absent), and Go's
// %v of a map[string]string as upstream's messages print it.
const Json* FieldAt(const Json& j, std::initializer_list<const char*> path);
std::string GoStringMap(const Json* m);

// Turns a "field: Reason value: message" error text into a cause.
FieldCause ParseFieldCause(std::string_view message);

}  // namespace kop::testing::internal

#endif  // KOP_TESTING_INTERNAL_VALIDATION_H_
