// Label and field selectors on arbitrary text. A label selector that parses prints back to a
// form that parses to the same selector (it matches the same labels).
#include <cstddef>
#include <cstdint>
#include <map>
#include <string_view>

#include "kop/api/label_selector.h"
#include "kop/testing/internal/field_selector.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  absl::StatusOr<kop::LabelSelector> sel = kop::LabelSelector::Parse(text);
  if (sel.ok()) {
    absl::StatusOr<kop::LabelSelector> again = kop::LabelSelector::Parse(sel->ToString());
    if (!again.ok()) __builtin_trap();
    for (const std::map<std::string, std::string>& labels :
         {std::map<std::string, std::string>{}, {{"app", "web"}}, {{"tier", "db"}, {"app", "x"}}}) {
      if (sel->Matches(labels) != again->Matches(labels)) __builtin_trap();
    }
  }
  (void)kop::testing::internal::FieldSelector::Parse(text, {"status.phase", "spec.nodeName"});
  return 0;
}
