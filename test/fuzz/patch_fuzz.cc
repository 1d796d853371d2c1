// JSON merge patch, JSON patch and strategic merge patch on arbitrary documents and patches
// (input: document, a NUL byte, patch). Errors are fine; crashes and non-JSON results are not.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "kop/api/json.h"
#include "kop/api/patch.h"
#include "kop/testing/internal/builtin_types.h"
#include "kop/testing/internal/strategic_merge.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  const size_t nul = input.find('\0');
  if (nul == std::string_view::npos) return 0;
  absl::StatusOr<kop::Json> doc = kop::ParseJson(input.substr(0, nul));
  absl::StatusOr<kop::Json> patch = kop::ParseJson(input.substr(nul + 1));
  if (!doc.ok() || !patch.ok()) return 0;
  const kop::Json merged = kop::ApplyMergePatch(*doc, *patch);
  if (!kop::ParseJson(kop::DumpJson(merged)).ok()) __builtin_trap();
  (void)kop::ApplyJsonPatch(*doc, *patch);
  static const std::shared_ptr<const kop::Json> schema =
      kop::testing::internal::TypeCatalog::Builtin().InlinedSchema({"apps", "v1", "Deployment"});
  (void)kop::testing::internal::StrategicMergePatch(*doc, *patch, schema.get());
  (void)kop::testing::internal::StrategicMergePatch(*doc, *patch, nullptr);
  return 0;
}
