#ifndef KOP_TESTING_INTERNAL_LARGE_STACK_H_
#define KOP_TESTING_INTERNAL_LARGE_STACK_H_

#include <cstddef>

#include "absl/functional/function_ref.h"

namespace kop::testing::internal {

// The HTTP library runs requests on threads with a 100 KiB stack, too little for the
// recursive work a request can need (schema validation, defaulting, pruning and merging of a
// deeply nested custom object; more so under AddressSanitizer). RunOnLargeStack runs `f` on a
// companion thread of the calling thread, one with kLargeStackBytes of stack, and returns when
// it has finished; an exception `f` throws is rethrown here. The companion is created on a
// thread's first call and joined when that thread exits. Where no thread can be created, `f`
// runs on the calling thread.
inline constexpr size_t kLargeStackBytes = 32u << 20;  // reserved, touched only as used
void RunOnLargeStack(absl::FunctionRef<void()> f);

}  // namespace kop::testing::internal

#endif  // KOP_TESTING_INTERNAL_LARGE_STACK_H_
