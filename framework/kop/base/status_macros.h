// kop/base: the few pieces every module shares: the status macros and the clock.
//
// Debian's abseil has no RETURN_IF_ERROR / ASSIGN_OR_RETURN, so kop defines its own:
//
//   absl::StatusOr<Config> Load(std::string_view path) {
//     KOP_ASSIGN_OR_RETURN(std::string text, ReadFile(path));
//     KOP_RETURN_IF_ERROR(Validate(text));
//     return Parse(text);
//   }
#ifndef KOP_BASE_STATUS_MACROS_H_
#define KOP_BASE_STATUS_MACROS_H_

#include <utility>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

// Returns the status from the enclosing function when `expr` (an absl::Status) is not OK.
#define KOP_RETURN_IF_ERROR(expr)                         \
  do {                                                    \
    ::absl::Status kop_status_ = (expr);                  \
    if (!kop_status_.ok()) return kop_status_;            \
  } while (false)

#define KOP_STATUS_CONCAT_INNER_(a, b) a##b
#define KOP_STATUS_CONCAT_(a, b) KOP_STATUS_CONCAT_INNER_(a, b)

// Evaluates `rexpr` (an absl::StatusOr<T>); on error returns its status from the enclosing
// function, otherwise moves the value into `lhs` (a declaration or an assignable lvalue).
#define KOP_ASSIGN_OR_RETURN(lhs, rexpr) \
  KOP_ASSIGN_OR_RETURN_IMPL_(KOP_STATUS_CONCAT_(kop_statusor_, __LINE__), lhs, rexpr)

#define KOP_ASSIGN_OR_RETURN_IMPL_(statusor, lhs, rexpr) \
  auto statusor = (rexpr);                               \
  if (!statusor.ok()) return std::move(statusor).status(); \
  lhs = std::move(statusor).value()

#endif  // KOP_BASE_STATUS_MACROS_H_
