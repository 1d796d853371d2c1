#ifndef KOP_API_NAMES_H_
#define KOP_API_NAMES_H_

#include <string_view>

namespace kop {

// Kubernetes' name formats, checked by hand: linear in the input, no recursion, no
// allocation, safe on arbitrarily long and hostile strings (a regex engine that backtracks
// recursively can exhaust a thread's stack on a long enough name).

// RFC 1123 label: 1-63 of [a-z0-9-], starting and ending alphanumeric (Namespace names).
bool IsDns1123Label(std::string_view s);
// RFC 1123 subdomain: such labels joined by '.', 1-253 characters (most object names).
bool IsDns1123Subdomain(std::string_view s);
// RFC 1035 label: like an RFC 1123 label but starting with a letter (Service names).
bool IsDns1035Label(std::string_view s);
// A container environment variable name: [-._a-zA-Z][-._a-zA-Z0-9]*.
bool IsEnvVarName(std::string_view s);
// A ConfigMap or Secret key: 1-253 of [-._a-zA-Z0-9].
bool IsConfigMapKey(std::string_view s);

}  // namespace kop

#endif  // KOP_API_NAMES_H_
