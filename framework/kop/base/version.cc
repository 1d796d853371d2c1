#include "kop/base/version.h"

namespace kop {

std::string_view Version() { return KOP_VERSION; }

}  // namespace kop
