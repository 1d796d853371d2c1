// kop/base/strings: string helpers that bridge std::string_view and Debian's abseil.
//
// Debian builds abseil with its own absl::string_view (not an alias of std::string_view), so
// absl::StrCat and friends do not accept std::string_view. kop's public APIs speak
// std::string_view; kop::StrCat / kop::StrAppend accept both.
#ifndef KOP_BASE_STRINGS_H_
#define KOP_BASE_STRINGS_H_

#include <string>
#include <string_view>
#include <type_traits>

#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"

namespace kop {

inline absl::string_view ToAbsl(std::string_view s) { return {s.data(), s.size()}; }
inline std::string_view ToStd(absl::string_view s) { return {s.data(), s.size()}; }

namespace internal {
template <typename T>
decltype(auto) AlphaNumArg(const T& v) {
  if constexpr (std::is_same_v<T, std::string_view>) {
    return ToAbsl(v);
  } else {
    return (v);
  }
}
}  // namespace internal

// absl::StrCat that also takes std::string_view.
template <typename... Args>
std::string StrCat(const Args&... args) {
  return absl::StrCat(internal::AlphaNumArg(args)...);
}

// absl::StrAppend that also takes std::string_view.
template <typename... Args>
void StrAppend(std::string* out, const Args&... args) {
  absl::StrAppend(out, internal::AlphaNumArg(args)...);
}

}  // namespace kop

#endif  // KOP_BASE_STRINGS_H_
