// Compact documents on arbitrary JSON: encoding then decoding gives the document back, a view
// of the encoding reads and compares exactly like a view of the tree, and parsing the text
// straight into the compact form (as ParseJson does) accepts exactly what nlohmann::json's
// parser accepts and reads the same.
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string_view>

#include "kop/api/json.h"
#include "kop/api/json_view.h"

namespace {

void Walk(kop::JsonView compact, kop::JsonView tree) {
  if (compact.type() != tree.type() || compact.size() != tree.size() ||
      compact.get_string() != tree.get_string() || compact.get_int64() != tree.get_int64() ||
      !(compact == tree)) {
    __builtin_trap();
  }
  auto c = compact.items().begin();
  for (const auto& member : tree.items()) {
    if (c->key != member.key) __builtin_trap();
    Walk(c->value, member.value);
    if (compact.is_object() && !(compact.find(member.key) == member.value)) __builtin_trap();
    ++c;
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  // nlohmann::json's own parser is the reference (ParseJson goes through the compact one).
  std::optional<kop::Json> doc;
  try {
    doc = kop::Json::parse(text.begin(), text.end());
  } catch (const std::exception&) {
  }
  absl::StatusOr<kop::CompactJson> parsed = kop::CompactJson::Parse(text);
  if (doc.has_value() != parsed.ok()) __builtin_trap();
  if (!doc.has_value()) return 0;
  absl::StatusOr<kop::Json> through = kop::ParseJson(text);
  if (!through.ok() || *through != *doc) __builtin_trap();
  const kop::CompactJson compact = kop::CompactJson::Encode(*doc);
  if (compact.view().ToJson() != *doc) __builtin_trap();
  Walk(compact.view(), kop::JsonView(*doc));
  if (parsed->size() != compact.size() || parsed->view().Dump() != compact.view().Dump()) {
    __builtin_trap();
  }
  Walk(parsed->view(), kop::JsonView(*doc));
  return 0;
}
