#include "kop/api/label_selector.h"

#include <algorithm>
#include <charconv>
#include <cstdlib>

#include "absl/status/status.h"
#include "kop/api/names.h"
#include "kop/base/status_macros.h"
#include "kop/base/strings.h"

namespace kop {
namespace {

bool IsAlnum(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}

// A qualified name part: 1-63 chars of [A-Za-z0-9_.-], starting and ending alphanumeric.
bool IsQualifiedName(std::string_view s) {
  if (s.empty() || s.size() > 63 || !IsAlnum(s.front()) || !IsAlnum(s.back())) return false;
  return std::all_of(s.begin(), s.end(),
                     [](char c) { return IsAlnum(c) || c == '-' || c == '_' || c == '.'; });
}

class Parser {
 public:
  explicit Parser(std::string_view text) : text_(text) {}

  absl::StatusOr<std::vector<LabelSelector::Requirement>> ParseAll() {
    std::vector<LabelSelector::Requirement> out;
    SkipSpace();
    if (AtEnd()) return out;
    while (true) {
      KOP_ASSIGN_OR_RETURN(LabelSelector::Requirement r, ParseRequirement());
      out.push_back(std::move(r));
      SkipSpace();
      if (AtEnd()) break;
      if (text_[pos_] != ',') return Error("expected ',' between requirements");
      ++pos_;
      SkipSpace();
      if (AtEnd()) return Error("expected a requirement after ','");
    }
    return out;
  }

 private:
  bool AtEnd() const { return pos_ >= text_.size(); }
  void SkipSpace() {
    while (!AtEnd() && (text_[pos_] == ' ' || text_[pos_] == '\t')) ++pos_;
  }
  absl::Status Error(std::string_view what) const {
    return absl::InvalidArgumentError(kop::StrCat("unable to parse requirement: label selector \"",
                                                  text_, "\": ", what, " at position ", pos_));
  }
  static bool IsWordChar(char c) {
    return IsAlnum(c) || c == '-' || c == '_' || c == '.' || c == '/';
  }
  std::string_view Word() {
    const size_t start = pos_;
    while (!AtEnd() && IsWordChar(text_[pos_])) ++pos_;
    return text_.substr(start, pos_ - start);
  }
  bool Consume(std::string_view token) {
    if (text_.substr(pos_, token.size()) == token) {
      pos_ += token.size();
      return true;
    }
    return false;
  }
  // "in" / "notin" must be followed by space or '('.
  bool ConsumeKeyword(std::string_view kw) {
    if (text_.substr(pos_, kw.size()) != kw) return false;
    const size_t after = pos_ + kw.size();
    if (after < text_.size() && IsWordChar(text_[after])) return false;
    pos_ = after;
    return true;
  }

  absl::StatusOr<std::string> Value() {
    SkipSpace();
    std::string_view v = Word();
    KOP_RETURN_IF_ERROR(ValidateLabelValue(v));
    return std::string(v);
  }

  absl::StatusOr<LabelSelector::Requirement> ParseRequirement() {
    LabelSelector::Requirement r;
    if (Consume("!")) {
      SkipSpace();
      std::string_view key = Word();
      if (absl::Status s = ValidateLabelKey(key); !s.ok()) return Error(ToStd(s.message()));
      r.key = std::string(key);
      r.op = LabelSelector::Op::kDoesNotExist;
      return r;
    }
    std::string_view key = Word();
    if (key.empty()) return Error("expected a label key");
    if (absl::Status s = ValidateLabelKey(key); !s.ok()) return Error(ToStd(s.message()));
    r.key = std::string(key);
    SkipSpace();
    if (AtEnd() || text_[pos_] == ',') {
      r.op = LabelSelector::Op::kExists;
      return r;
    }
    if (Consume("==") || Consume("=")) {
      r.op = LabelSelector::Op::kEquals;
    } else if (Consume("!=")) {
      r.op = LabelSelector::Op::kNotEquals;
    } else if (Consume(">")) {
      r.op = LabelSelector::Op::kGreaterThan;
    } else if (Consume("<")) {
      r.op = LabelSelector::Op::kLessThan;
    } else if (ConsumeKeyword("notin")) {
      r.op = LabelSelector::Op::kNotIn;
    } else if (ConsumeKeyword("in")) {
      r.op = LabelSelector::Op::kIn;
    } else {
      return Error("expected an operator (=, ==, !=, in, notin, >, <)");
    }
    if (r.op == LabelSelector::Op::kIn || r.op == LabelSelector::Op::kNotIn) {
      SkipSpace();
      if (!Consume("(")) return Error("expected '(' after in/notin");
      while (true) {
        absl::StatusOr<std::string> v = Value();
        if (!v.ok()) return Error(ToStd(v.status().message()));
        r.values.push_back(*std::move(v));
        SkipSpace();
        if (Consume(")")) break;
        if (!Consume(",")) return Error("expected ',' or ')' in value set");
      }
    } else {
      absl::StatusOr<std::string> v = Value();
      if (!v.ok()) return Error(ToStd(v.status().message()));
      if (r.op == LabelSelector::Op::kGreaterThan || r.op == LabelSelector::Op::kLessThan) {
        int64_t n = 0;
        auto [end, ec] = std::from_chars(v->data(), v->data() + v->size(), n);
        if (ec != std::errc() || end != v->data() + v->size()) {
          return Error("'>' and '<' need an integer value");
        }
      }
      r.values.push_back(*std::move(v));
    }
    std::sort(r.values.begin(), r.values.end());
    return r;
  }

  std::string_view text_;
  size_t pos_ = 0;
};

bool RequirementMatches(const LabelSelector::Requirement& r, const std::string_view* value) {
  auto in_values = [&] {
    return std::binary_search(r.values.begin(), r.values.end(), *value,
                              [](std::string_view a, std::string_view b) { return a < b; });
  };
  switch (r.op) {
    case LabelSelector::Op::kEquals:
    case LabelSelector::Op::kIn:
      return value != nullptr && in_values();
    case LabelSelector::Op::kNotEquals:
    case LabelSelector::Op::kNotIn:
      return value == nullptr || !in_values();
    case LabelSelector::Op::kExists:
      return value != nullptr;
    case LabelSelector::Op::kDoesNotExist:
      return value == nullptr;
    case LabelSelector::Op::kGreaterThan:
    case LabelSelector::Op::kLessThan: {
      if (value == nullptr) return false;
      int64_t have = 0;
      auto [end, ec] = std::from_chars(value->data(), value->data() + value->size(), have);
      if (ec != std::errc() || end != value->data() + value->size()) return false;
      const int64_t want = std::strtoll(r.values[0].c_str(), nullptr, 10);
      return r.op == LabelSelector::Op::kGreaterThan ? have > want : have < want;
    }
  }
  return false;
}

}  // namespace

absl::Status ValidateLabelKey(std::string_view key) {
  std::string_view name = key;
  const size_t slash = key.find('/');
  if (slash != std::string_view::npos) {
    std::string_view prefix = key.substr(0, slash);
    name = key.substr(slash + 1);
    if (!IsDns1123Subdomain(prefix)) {
      return absl::InvalidArgumentError(
          kop::StrCat("label key \"", key, "\": prefix must be a DNS-1123 subdomain"));
    }
  }
  if (!IsQualifiedName(name)) {
    return absl::InvalidArgumentError(kop::StrCat(
        "label key \"", key,
        "\": name must be 1-63 characters of [A-Za-z0-9_.-], starting and ending alphanumeric"));
  }
  return absl::OkStatus();
}

absl::Status ValidateLabelValue(std::string_view value) {
  if (value.empty()) return absl::OkStatus();
  if (!IsQualifiedName(value)) {
    return absl::InvalidArgumentError(kop::StrCat(
        "label value \"", value,
        "\": must be empty or 1-63 characters of [A-Za-z0-9_.-], starting and ending "
        "alphanumeric"));
  }
  return absl::OkStatus();
}

absl::StatusOr<LabelSelector> LabelSelector::Parse(std::string_view text) {
  KOP_ASSIGN_OR_RETURN(std::vector<Requirement> reqs, Parser(text).ParseAll());
  LabelSelector sel;
  sel.requirements_ = std::move(reqs);
  std::stable_sort(sel.requirements_.begin(), sel.requirements_.end(),
                   [](const Requirement& a, const Requirement& b) { return a.key < b.key; });
  return sel;
}

absl::StatusOr<LabelSelector> LabelSelector::FromJson(const Json& j) {
  LabelSelector sel;
  if (j.is_null()) return sel;
  if (!j.is_object()) {
    return absl::InvalidArgumentError(
        kop::StrCat("label selector: expected object, got ", JsonTypeName(j)));
  }
  if (auto ml = j.find("matchLabels"); ml != j.end() && !ml->is_null()) {
    if (!ml->is_object()) return absl::InvalidArgumentError("matchLabels: expected object");
    for (const auto& [k, v] : ml->items()) {
      if (!v.is_string()) {
        return absl::InvalidArgumentError(kop::StrCat("matchLabels.", k, ": expected string"));
      }
      KOP_RETURN_IF_ERROR(ValidateLabelKey(k));
      KOP_RETURN_IF_ERROR(ValidateLabelValue(v.get<std::string>()));
      sel.requirements_.push_back({k, Op::kEquals, {v.get<std::string>()}});
    }
  }
  if (auto me = j.find("matchExpressions"); me != j.end() && !me->is_null()) {
    if (!me->is_array()) return absl::InvalidArgumentError("matchExpressions: expected array");
    for (const Json& e : *me) {
      if (!e.is_object() || !e.contains("key") || !e["key"].is_string() ||
          !e.contains("operator") || !e["operator"].is_string()) {
        return absl::InvalidArgumentError("matchExpressions: each needs string key and operator");
      }
      Requirement r{e["key"].get<std::string>(), Op::kExists, {}};
      KOP_RETURN_IF_ERROR(ValidateLabelKey(r.key));
      const std::string op = e["operator"].get<std::string>();
      if (op == "In") {
        r.op = Op::kIn;
      } else if (op == "NotIn") {
        r.op = Op::kNotIn;
      } else if (op == "Exists") {
        r.op = Op::kExists;
      } else if (op == "DoesNotExist") {
        r.op = Op::kDoesNotExist;
      } else {
        return absl::InvalidArgumentError(kop::StrCat("matchExpressions: unknown operator \"", op, "\""));
      }
      if (auto vals = e.find("values"); vals != e.end() && vals->is_array()) {
        for (const Json& v : *vals) {
          if (!v.is_string()) return absl::InvalidArgumentError("matchExpressions: values must be strings");
          r.values.push_back(v.get<std::string>());
        }
      }
      const bool needs_values = r.op == Op::kIn || r.op == Op::kNotIn;
      if (needs_values == r.values.empty()) {
        return absl::InvalidArgumentError(kop::StrCat(
            "matchExpressions: operator ", op, needs_values ? " needs values" : " takes no values"));
      }
      std::sort(r.values.begin(), r.values.end());
      sel.requirements_.push_back(std::move(r));
    }
  }
  std::stable_sort(sel.requirements_.begin(), sel.requirements_.end(),
                   [](const Requirement& a, const Requirement& b) { return a.key < b.key; });
  return sel;
}

bool LabelSelector::Matches(const std::map<std::string, std::string>& labels) const {
  for (const Requirement& r : requirements_) {
    auto it = labels.find(r.key);
    std::string_view value;
    if (it != labels.end()) value = it->second;
    if (!RequirementMatches(r, it == labels.end() ? nullptr : &value)) return false;
  }
  return true;
}

bool LabelSelector::Matches(const Json* labels) const {
  for (const Requirement& r : requirements_) {
    std::string_view value;
    bool present = false;
    if (labels != nullptr && labels->is_object()) {
      auto it = labels->find(r.key);
      if (it != labels->end() && it->is_string()) {
        value = it->get_ref<const std::string&>();
        present = true;
      }
    }
    if (!RequirementMatches(r, present ? &value : nullptr)) return false;
  }
  return true;
}

bool LabelSelector::Matches(JsonView labels) const {
  for (const Requirement& r : requirements_) {
    const JsonView v = labels.find(r.key);
    const std::string_view value = v.get_string();
    if (!RequirementMatches(r, v.is_string() ? &value : nullptr)) return false;
  }
  return true;
}

std::string LabelSelector::ToString() const {
  std::string out;
  for (const Requirement& r : requirements_) {
    if (!out.empty()) out += ',';
    auto set = [&] {
      std::string s = "(";
      for (size_t i = 0; i < r.values.size(); ++i) s += (i ? "," : "") + r.values[i];
      return s + ")";
    };
    switch (r.op) {
      case Op::kEquals: out += r.key + "=" + r.values[0]; break;
      case Op::kNotEquals: out += r.key + "!=" + r.values[0]; break;
      case Op::kIn: out += r.key + " in " + set(); break;
      case Op::kNotIn: out += r.key + " notin " + set(); break;
      case Op::kExists: out += r.key; break;
      case Op::kDoesNotExist: out += "!" + r.key; break;
      case Op::kGreaterThan: out += r.key + ">" + r.values[0]; break;
      case Op::kLessThan: out += r.key + "<" + r.values[0]; break;
    }
  }
  return out;
}

}  // namespace kop
