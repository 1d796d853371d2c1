// kop/base/version: the version of kop a program was built with ("0.1.0"), set once in the
// top-level CMakeLists.txt (project(kop VERSION ...)).
#ifndef KOP_BASE_VERSION_H_
#define KOP_BASE_VERSION_H_

#include <string_view>

namespace kop {

std::string_view Version();

}  // namespace kop

#endif  // KOP_BASE_VERSION_H_
