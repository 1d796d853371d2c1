// YAML manifests (kubectl-style multi-document streams) on arbitrary text.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "kop/api/json.h"
#include "kop/api/yaml.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  absl::StatusOr<std::vector<kop::Json>> docs = kop::ParseYamlDocuments(text);
  if (docs.ok()) {
    // What was parsed serialises and parses back as JSON.
    for (const kop::Json& d : *docs) {
      if (!kop::ParseJson(kop::DumpJson(d)).ok()) __builtin_trap();
      // ... and as YAML: what DumpYaml writes reads back as the same value.
      absl::StatusOr<kop::Json> back = kop::ParseYaml(kop::DumpYaml(d));
      if (!back.ok() || *back != d) __builtin_trap();
    }
  }
  (void)kop::ParseJson(text);
  return 0;
}
