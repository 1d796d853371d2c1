#include "kop/testing/internal/field_selector.h"

#include "kop/base/strings.h"
#include "kop/testing/internal/errors.h"

namespace kop::testing::internal {

absl::StatusOr<FieldSelector> FieldSelector::Parse(std::string_view text,
                                                   const std::set<std::string>& supported) {
  FieldSelector sel;
  if (text.empty()) return sel;
  // Split on unescaped commas; '\' escapes ',', '=', '!' and itself.
  std::vector<std::string> terms(1);
  for (size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '\\' && i + 1 < text.size()) {
      terms.back() += '\\';
      terms.back() += text[++i];
    } else if (text[i] == ',') {
      terms.emplace_back();
    } else {
      terms.back() += text[i];
    }
  }
  for (const std::string& term : terms) {
    Requirement r;
    size_t op = std::string::npos;
    size_t op_len = 0;
    for (size_t i = 0; i < term.size(); ++i) {
      if (term[i] == '\\') {
        ++i;
        continue;
      }
      if (term.compare(i, 2, "!=") == 0) {
        op = i, op_len = 2, r.equals = false;
      } else if (term.compare(i, 2, "==") == 0) {
        op = i, op_len = 2, r.equals = true;
      } else if (term[i] == '=') {
        op = i, op_len = 1, r.equals = true;
      }
      if (op != std::string::npos) break;
    }
    if (op == std::string::npos || op == 0) {
      return BadRequest(kop::StrCat("invalid field selector: \"", text,
                                    "\": expected field=value, field==value or field!=value"));
    }
    r.field = term.substr(0, op);
    std::string raw = term.substr(op + op_len);
    for (size_t i = 0; i < raw.size(); ++i) {
      if (raw[i] == '\\' && i + 1 < raw.size()) ++i;
      r.value += raw[i];
    }
    if (r.field != "metadata.name" && r.field != "metadata.namespace" &&
        !supported.contains(r.field)) {
      return BadRequest(kop::StrCat("field label not supported: ", r.field));
    }
    sel.requirements_.push_back(std::move(r));
  }
  return sel;
}

std::string FieldSelector::FieldValue(const Object& obj, const std::string& field) {
  std::vector<std::string> parts;
  size_t start = 0;
  while (true) {
    size_t dot = field.find('.', start);
    parts.push_back(field.substr(start, dot == std::string::npos ? std::string::npos : dot - start));
    if (dot == std::string::npos) break;
    start = dot + 1;
  }
  std::vector<std::string_view> views(parts.begin(), parts.end());
  const Json* v = obj.Find(views);
  if (v == nullptr || v->is_null()) return "";
  if (v->is_string()) return v->get<std::string>();
  return v->dump();
}

bool FieldSelector::Matches(const Object& obj) const {
  for (const Requirement& r : requirements_) {
    if ((FieldValue(obj, r.field) == r.value) != r.equals) return false;
  }
  return true;
}

}  // namespace kop::testing::internal
