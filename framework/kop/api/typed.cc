#include "kop/api/typed.h"

namespace kop {

Json OverlayJson(Json original, const Json& typed) {
  if (!typed.is_object() || !original.is_object()) return typed;
  for (const auto& [key, value] : typed.items()) {
    auto it = original.find(key);
    if (it == original.end()) {
      original[key] = value;
    } else {
      *it = OverlayJson(std::move(*it), value);
    }
  }
  return original;
}

}  // namespace kop
