#ifndef KOP_TESTING_INTERNAL_LARGE_STACK_H_
#define KOP_TESTING_INTERNAL_LARGE_STACK_H_

#include <cstddef>

#include "absl/functional/function_ref.h"

namespace kop::testing::internal {

// The HTTP library runs requests on threads with a 100 KiB stack, too little for the
// recursive work a request can need (schema validation, defaulting, pruning and merging of a
// deeply nested custom object; more so under AddressSanitizer). RunOnLargeStack runs `f` on a
// stack of kLargeStackBytes and returns when it has finished; an exception `f` throws is
// rethrown here.
//
// The stack belongs to the calling thread (mapped on its first call, unmapped when it exits)
// and `f` runs on the same thread, switched to with swapcontext: no other thread is woken,
// which matters because a request pays this twice. Under AddressSanitizer and
// ThreadSanitizer, which need every stack switch announced, `f` runs instead on a companion
// thread with that much stack. A call made while already on the large stack runs `f` in place.
// Where no stack or thread can be had, `f` runs on the calling thread.
inline constexpr size_t kLargeStackBytes = 32u << 20;  // reserved, touched only as used
void RunOnLargeStack(absl::FunctionRef<void()> f);

}  // namespace kop::testing::internal

#endif  // KOP_TESTING_INTERNAL_LARGE_STACK_H_
