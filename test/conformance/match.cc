#include "conformance/match.h"

#include <cctype>
#include <charconv>

#include "absl/strings/str_cat.h"

namespace kop::conformance {
namespace {

enum class Kind { kUid, kVersion, kListVersion, kIp, kNodePort, kTime, kGenerated, kToken, kNumber, kAny };

// One piece of a recorded string: literal text, or a placeholder.
struct Piece {
  bool literal = true;
  std::string text;  // the literal, or the placeholder as written
  Kind kind = Kind::kAny;
  size_t length = 0;  // kGenerated: the exact length
};

bool ParseIndex(std::string_view s, int* out) {
  if (s.empty()) return false;
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), *out);
  return ec == std::errc() && end == s.data() + s.size();
}

// Recognises the placeholder starting at s[0] ('<'); returns its length (0: not one).
size_t ParsePlaceholder(std::string_view s, Piece* piece) {
  const size_t close = s.find('>');
  if (close == std::string_view::npos || close > 24) return 0;
  const std::string_view inner = s.substr(1, close - 1);
  piece->literal = false;
  piece->text = std::string(s.substr(0, close + 1));
  static const std::pair<std::string_view, Kind> kPlain[] = {
      {"time", Kind::kTime},   {"token", Kind::kToken}, {"continue", Kind::kAny}, {"age", Kind::kAny},
      {"version", Kind::kAny}, {"str", Kind::kAny},     {"n", Kind::kNumber}};
  for (const auto& [name, kind] : kPlain) {
    if (inner == name) {
      piece->kind = kind;
      return close + 1;
    }
  }
  const size_t colon = inner.find(':');
  if (colon == std::string_view::npos) return 0;
  const std::string_view name = inner.substr(0, colon);
  std::string_view index = inner.substr(colon + 1);
  int n = 0;
  if (name == "generated") {
    if (!ParseIndex(index, &n) || n <= 0) return 0;
    piece->kind = Kind::kGenerated;
    piece->length = static_cast<size_t>(n);
    return close + 1;
  }
  const bool plus = !index.empty() && index.back() == '+';
  if (plus) index.remove_suffix(1);
  if (!ParseIndex(index, &n)) return 0;
  if (name == "rv") {
    piece->kind = plus ? Kind::kListVersion : Kind::kVersion;
  } else if (plus) {
    return 0;
  } else if (name == "uid") {
    piece->kind = Kind::kUid;
  } else if (name == "ip") {
    piece->kind = Kind::kIp;
  } else if (name == "nodeport") {
    piece->kind = Kind::kNodePort;
  } else {
    return 0;
  }
  return close + 1;
}

std::vector<Piece> Split(const std::string& s) {
  std::vector<Piece> pieces;
  std::string literal;
  for (size_t i = 0; i < s.size();) {
    Piece p;
    const size_t n = s[i] == '<' ? ParsePlaceholder(std::string_view(s).substr(i), &p) : 0;
    if (n == 0) {
      literal += s[i++];
      continue;
    }
    if (!literal.empty()) pieces.push_back(Piece{.literal = true, .text = std::move(literal)});
    literal.clear();
    pieces.push_back(std::move(p));
    i += n;
  }
  if (!literal.empty()) pieces.push_back(Piece{.literal = true, .text = std::move(literal)});
  return pieces;
}

bool InClass(Kind kind, char c) {
  const unsigned char u = static_cast<unsigned char>(c);
  switch (kind) {
    case Kind::kUid:
      return std::isxdigit(u) || c == '-';
    case Kind::kVersion:
    case Kind::kListVersion:
    case Kind::kNodePort:
    case Kind::kNumber:
      return std::isdigit(u);
    case Kind::kIp:
      return std::isxdigit(u) || c == '.' || c == ':';
    case Kind::kTime:
      return std::isdigit(u) || c == '-' || c == ':' || c == '.' || c == 'T' || c == 'Z' || c == '+';
    case Kind::kGenerated:
      return std::islower(u) || std::isdigit(u);
    case Kind::kToken:
      return !std::isspace(u) && c != '"';
    case Kind::kAny:
      return true;
  }
  return false;
}

bool Valid(const Piece& p, std::string_view v) {
  switch (p.kind) {
    case Kind::kUid:
      return v.size() == 36 && v[8] == '-' && v[13] == '-' && v[18] == '-' && v[23] == '-';
    case Kind::kTime:
      return v.size() >= 20 && std::isdigit(static_cast<unsigned char>(v[0])) && v[4] == '-' && v[10] == 'T';
    case Kind::kGenerated:
      return v.size() == p.length;
    case Kind::kToken:
      return v.size() > 40;
    case Kind::kIp:
      return v.size() >= 2;
    case Kind::kAny:
      return true;
    default:
      return !v.empty();
  }
}

// Matches pieces[i..] against s[pos..], filling `captures` (placeholder, value) on success.
bool MatchPieces(const std::vector<Piece>& pieces, size_t i, std::string_view s, size_t pos,
                 std::vector<std::pair<const Piece*, std::string_view>>& captures) {
  if (i == pieces.size()) return pos == s.size();
  const Piece& p = pieces[i];
  if (p.literal) {
    if (s.compare(pos, p.text.size(), p.text) != 0) return false;
    return MatchPieces(pieces, i + 1, s, pos + p.text.size(), captures);
  }
  size_t end = pos;
  while (end < s.size() && InClass(p.kind, s[end])) ++end;
  // Longest first, then shorter, until the rest matches.
  for (size_t e = end + 1; e-- > pos;) {
    const std::string_view v = s.substr(pos, e - pos);
    if (!Valid(p, v)) continue;
    captures.emplace_back(&p, v);
    if (MatchPieces(pieces, i + 1, s, e, captures)) return true;
    captures.pop_back();
  }
  return false;
}

std::string KindKey(const std::string& placeholder) {
  const size_t colon = placeholder.find(':');
  return placeholder.substr(0, colon == std::string::npos ? placeholder.size() : colon);
}

bool MatchString(const std::string& want, const std::string& got, Bindings& bindings, const std::string& path,
                 std::string* why) {
  const std::vector<Piece> pieces = Split(want);
  std::vector<std::pair<const Piece*, std::string_view>> captures;
  if (!MatchPieces(pieces, 0, got, 0, captures)) {
    *why = absl::StrCat(path, ": want ", Json(want).dump(), ", got ", Json(got).dump());
    return false;
  }
  for (const auto& [piece, value] : captures) {
    switch (piece->kind) {
      case Kind::kUid:
      case Kind::kVersion:
      case Kind::kListVersion:
      case Kind::kIp:
      case Kind::kNodePort:
        if (!bindings.Bind(piece->text, std::string(value), why)) {
          *why = absl::StrCat(path, ": ", *why);
          return false;
        }
        break;
      default:
        break;
    }
  }
  return true;
}

std::string TypeName(const Json& j) { return j.type_name(); }

}  // namespace

bool HasPlaceholder(const std::string& s) {
  for (const Piece& p : Split(s)) {
    if (!p.literal) return true;
  }
  return false;
}

bool Bindings::Bind(const std::string& placeholder, const std::string& value, std::string* why) {
  if (auto it = forward_.find(placeholder); it != forward_.end()) {
    if (it->second != value) {
      *why = absl::StrCat(placeholder, " stood for \"", it->second, "\" before, now \"", value, "\"");
      return false;
    }
    return true;
  }
  const std::string kind = KindKey(placeholder);
  const bool list_version = placeholder.back() == '>' && placeholder.size() > 2 &&
                            placeholder[placeholder.size() - 2] == '+';
  if (kind == "<rv") {
    uint64_t v = 0;
    auto [end, ec] = std::from_chars(value.data(), value.data() + value.size(), v);
    if (ec != std::errc() || end != value.data() + value.size()) {
      *why = absl::StrCat("resourceVersion \"", value, "\" is not a number");
      return false;
    }
    int n = 0;
    ParseIndex(std::string_view(placeholder).substr(4, placeholder.size() - 5 - (list_version ? 1 : 0)), &n);
    if (list_version) {
      list_versions_.emplace_back(n, v);
      return CheckVersionOrder(why);
    }
    versions_[n] = v;
  }
  if (!list_version) {
    const std::string key = kind + "\n" + value;
    if (auto it = backward_.find(key); it != backward_.end() && it->second != placeholder) {
      *why = absl::StrCat(placeholder, " and ", it->second, " stand for the same value \"", value, "\"");
      return false;
    }
    backward_[key] = placeholder;
    forward_[placeholder] = value;
  }
  return kind != "<rv" || CheckVersionOrder(why);
}

bool Bindings::CheckVersionOrder(std::string* why) const {
  const std::pair<const int, uint64_t>* prev = nullptr;
  for (const auto& entry : versions_) {
    if (prev != nullptr && prev->second >= entry.second) {
      *why = absl::StrCat("<rv:", prev->first, "> = ", prev->second, " is not below <rv:", entry.first,
                          "> = ", entry.second);
      return false;
    }
    prev = &entry;
  }
  for (const auto& [n, v] : list_versions_) {
    if (auto it = versions_.find(n); n > 0 && it != versions_.end() && v < it->second) {
      *why = absl::StrCat("<rv:", n, "+> = ", v, " is below <rv:", n, "> = ", it->second);
      return false;
    }
    if (auto it = versions_.find(n + 1); it != versions_.end() && v >= it->second) {
      *why = absl::StrCat("<rv:", n, "+> = ", v, " is not below <rv:", n + 1, "> = ", it->second);
      return false;
    }
  }
  return true;
}

bool Match(const Json& want, const Json& got, Bindings& bindings, const std::string& path, std::string* why) {
  if (want.is_string()) {
    const std::string& w = want.get_ref<const std::string&>();
    if (got.is_string()) {
      const std::string& g = got.get_ref<const std::string&>();
      if (w == g) return true;
      return MatchString(w, g, bindings, path, why);
    }
    // A placeholder recorded for a number (a nodePort) matches the number's text.
    if (got.is_number() && HasPlaceholder(w)) return MatchString(w, got.dump(), bindings, path, why);
    *why = absl::StrCat(path, ": want ", want.dump(), ", got ", got.dump());
    return false;
  }
  if (want.is_object()) {
    if (!got.is_object()) {
      *why = absl::StrCat(path, ": want an object, got ", TypeName(got), " ", got.dump().substr(0, 200));
      return false;
    }
    for (const auto& [key, value] : want.items()) {
      if (!got.contains(key)) {
        *why = absl::StrCat(path, ": missing key \"", key, "\" (want ", value.dump().substr(0, 200), ")");
        return false;
      }
    }
    for (const auto& [key, value] : got.items()) {
      if (!want.contains(key)) {
        *why = absl::StrCat(path, ": unexpected key \"", key, "\" = ", value.dump().substr(0, 200));
        return false;
      }
    }
    for (const auto& [key, value] : want.items()) {
      if (!Match(value, got[key], bindings, path + "." + key, why)) return false;
    }
    return true;
  }
  if (want.is_array()) {
    if (!got.is_array()) {
      *why = absl::StrCat(path, ": want a list, got ", TypeName(got), " ", got.dump().substr(0, 200));
      return false;
    }
    for (size_t i = 0; i < want.size() && i < got.size(); ++i) {
      if (!Match(want[i], got[i], bindings, absl::StrCat(path, "[", i, "]"), why)) return false;
    }
    if (want.size() != got.size()) {
      *why = absl::StrCat(path, ": want ", want.size(), " items, got ", got.size());
      return false;
    }
    return true;
  }
  if (want == got) return true;
  *why = absl::StrCat(path, ": want ", want.dump(), ", got ", got.dump().substr(0, 200));
  return false;
}

Json AtPath(const Json& doc, const std::string& path, bool* found) {
  *found = false;
  const Json* at = &doc;
  size_t i = 0;
  while (i < path.size()) {
    if (path[i] == '.') {
      ++i;
      continue;
    }
    if (path[i] == '[') {
      const size_t close = path.find(']', i);
      if (close == std::string::npos || !at->is_array()) return nullptr;
      const std::string inner = path.substr(i + 1, close - i - 1);
      i = close + 1;
      const size_t eq = inner.find('=');
      if (eq == std::string::npos) {
        int index = 0;
        if (!ParseIndex(inner, &index) || index < 0 || static_cast<size_t>(index) >= at->size()) return nullptr;
        at = &(*at)[static_cast<size_t>(index)];
        continue;
      }
      const std::string key = inner.substr(0, eq);
      const std::string value = inner.substr(eq + 1);
      const Json* next = nullptr;
      for (const Json& e : *at) {
        if (e.is_object() && e.contains(key) && e[key].is_string() && e[key].get_ref<const std::string&>() == value) {
          next = &e;
          break;
        }
      }
      if (next == nullptr) return nullptr;
      at = next;
      continue;
    }
    size_t end = path.find_first_of(".[", i);
    if (end == std::string::npos) end = path.size();
    const std::string key = path.substr(i, end - i);
    i = end;
    if (!at->is_object() || !at->contains(key)) return nullptr;
    at = &(*at)[key];
  }
  *found = true;
  return *at;
}

}  // namespace kop::conformance
