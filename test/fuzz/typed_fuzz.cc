// Typed decoding of hostile JSON (kop/api/codec.h, kop/k8s): never a crash, and what decodes
// encodes to JSON that decodes to the same encoding (the server's round trip is idempotent).
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "kop/api/codec.h"
#include "kop/api/resource.h"
#include "kop/k8s/apps/v1.h"
#include "kop/k8s/core/v1.h"

namespace {

struct Spec {
  std::string name;
  std::optional<int32_t> count;
  std::vector<std::string> tags;
  std::map<std::string, kop::Quantity> limits;
  std::optional<kop::IntOrString> port;
  kop::Json unknown_fields;
  static constexpr auto kFields =
      kop::Fields(kop::Field("name", &Spec::name).Required(), kop::Field("count", &Spec::count),
                  kop::Field("tags", &Spec::tags), kop::Field("limits", &Spec::limits), kop::Field("port", &Spec::port));
};

struct Declared {
  static constexpr kop::StaticGroupVersionKind kGroupVersionKind{"example.com", "v1", "Declared"};
  kop::Json metadata;
  std::vector<Spec> spec;
  static constexpr auto kFields = kop::Fields(kop::Field("metadata", &Declared::metadata), kop::Field("spec", &Declared::spec));
};

template <typename T>
void RoundTrip(const kop::Object& obj) {
  absl::StatusOr<T> first = kop::FromObject<T>(obj);
  if (!first.ok()) return;
  const kop::Object encoded = kop::ToObject(*first);
  absl::StatusOr<T> second = kop::FromObject<T>(encoded);
  if (!second.ok() || kop::ToObject(*second).json() != encoded.json()) std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  absl::StatusOr<kop::Object> obj = kop::Object::Parse(std::string_view(reinterpret_cast<const char*>(data), size));
  if (!obj.ok()) return 0;
  for (bool compact : {false, true}) {
    kop::Object o = *obj;
    if (compact) o.Compact();
    RoundTrip<kop::k8s::apps::v1::Deployment>(o);
    RoundTrip<kop::k8s::core::v1::Pod>(o);
    RoundTrip<kop::k8s::core::v1::Service>(o);
    RoundTrip<kop::k8s::core::v1::Secret>(o);
    RoundTrip<Declared>(o);
  }
  return 0;
}
