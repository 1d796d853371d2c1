// DumpYaml: JSON as YAML, written byte for byte as Kubernetes writes it.
//
// kube-apiserver and kubectl turn JSON into YAML by reading it into Go values and marshalling
// those with go-yaml (v2), whose emitter is a port of libyaml's. The rules that decide the
// text are reproduced here:
//   - map keys in go-yaml's "natural" order (runs of digits compare as numbers, non-letters
//     before letters);
//   - a string that would read back as another type under YAML 1.1 (null, y/yes/on/off,
//     numbers in any base, base-60 floats, timestamps) is double-quoted; one with a line break
//     is a literal block (`|`, `|-`, `|+`); anything else is plain unless libyaml's scalar
//     analysis forbids it (indicators, leading/trailing space, ": ", " #"), then
//     single-quoted, then double-quoted with escapes;
//   - block style, two-space indent, sequences inside maps not indented, empty collections
//     as `{}` and `[]`, and long plain or quoted scalars folded at spaces past column 80.
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <regex>
#include <string>
#include <string_view>
#include <vector>

#include "kop/api/yaml.h"
#include "kop/base/strings.h"

namespace kop {
namespace {

constexpr int kBestIndent = 2;
constexpr int kBestWidth = 80;

// ---- UTF-8 -------------------------------------------------------------------------------

// The code point at s[i] and its length in bytes (an invalid byte reads as itself, length 1).
char32_t DecodeAt(std::string_view s, size_t i, size_t* len) {
  const unsigned char c = static_cast<unsigned char>(s[i]);
  int n = c < 0x80 ? 1 : (c >> 5) == 0x6 ? 2 : (c >> 4) == 0xE ? 3 : (c >> 3) == 0x1E ? 4 : 0;
  if (n == 0 || i + n > s.size()) {
    *len = 1;
    return c;
  }
  char32_t cp = n == 1 ? c : n == 2 ? (c & 0x1F) : n == 3 ? (c & 0x0F) : (c & 0x07);
  for (int k = 1; k < n; ++k) {
    const unsigned char d = static_cast<unsigned char>(s[i + k]);
    if ((d >> 6) != 0x2) {
      *len = 1;
      return c;
    }
    cp = (cp << 6) | (d & 0x3F);
  }
  *len = static_cast<size_t>(n);
  return cp;
}

std::vector<char32_t> CodePoints(std::string_view s) {
  std::vector<char32_t> out;
  for (size_t i = 0; i < s.size();) {
    size_t len = 1;
    out.push_back(DecodeAt(s, i, &len));
    i += len;
  }
  return out;
}

void AppendUtf8(std::string* out, char32_t cp) {
  if (cp < 0x80) {
    out->push_back(static_cast<char>(cp));
  } else if (cp < 0x800) {
    out->push_back(static_cast<char>(0xC0 | (cp >> 6)));
    out->push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else if (cp < 0x10000) {
    out->push_back(static_cast<char>(0xE0 | (cp >> 12)));
    out->push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out->push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else {
    out->push_back(static_cast<char>(0xF0 | (cp >> 18)));
    out->push_back(static_cast<char>(0x80 | ((cp >> 12) & 0x3F)));
    out->push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out->push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  }
}

bool IsLetter(char32_t c) {
  // unicode.IsLetter for the ASCII range; other code points above 0x7F count as letters
  // unless they are punctuation-like (close enough for keys, which are ASCII in practice).
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c >= 0xC0;
}
bool IsDigit(char32_t c) { return c >= '0' && c <= '9'; }

// ---- go-yaml's key order -----------------------------------------------------------------

bool KeyLess(const std::string& a_text, const std::string& b_text) {
  const std::vector<char32_t> a = CodePoints(a_text);
  const std::vector<char32_t> b = CodePoints(b_text);
  for (size_t i = 0; i < a.size() && i < b.size(); ++i) {
    if (a[i] == b[i]) continue;
    const bool al = IsLetter(a[i]);
    const bool bl = IsLetter(b[i]);
    if (al && bl) return a[i] < b[i];
    if (al || bl) return bl;
    int64_t an = 0;
    int64_t bn = 0;
    if (a[i] == '0' || b[i] == '0') {
      for (size_t j = i; j-- > 0 && IsDigit(a[j]);) {
        if (a[j] != '0') {
          an = 1;
          bn = 1;
          break;
        }
      }
    }
    size_t ai = i;
    size_t bi = i;
    for (; ai < a.size() && IsDigit(a[ai]); ++ai) an = an * 10 + static_cast<int64_t>(a[ai] - '0');
    for (; bi < b.size() && IsDigit(b[bi]); ++bi) bn = bn * 10 + static_cast<int64_t>(b[bi] - '0');
    if (an != bn) return an < bn;
    if (ai != bi) return ai < bi;
    return a[i] < b[i];
  }
  return a.size() < b.size();
}

// ---- what a plain scalar would read back as (go-yaml v2's resolver, YAML 1.1) ------------

bool IsGoInt(std::string s) {
  // strconv.ParseInt(s, 0, 64) after removing '_': sign, then 0x/0o/0b prefixes or a leading
  // 0 for octal, digits of that base.
  s.erase(std::remove(s.begin(), s.end(), '_'), s.end());
  size_t i = 0;
  if (i < s.size() && (s[i] == '+' || s[i] == '-')) ++i;
  if (i >= s.size()) return false;
  int base = 10;
  if (s[i] == '0' && i + 1 < s.size()) {
    const char p = static_cast<char>(tolower(static_cast<unsigned char>(s[i + 1])));
    if (p == 'x') {
      base = 16;
      i += 2;
    } else if (p == 'o') {
      base = 8;
      i += 2;
    } else if (p == 'b') {
      base = 2;
      i += 2;
    } else {
      base = 8;
      i += 1;
    }
    if (i >= s.size()) return false;
  }
  for (; i < s.size(); ++i) {
    const char c = static_cast<char>(tolower(static_cast<unsigned char>(s[i])));
    int d = c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : 99;
    if (d >= base) return false;
  }
  return true;
}

bool IsGoFloat(const std::string& s) {
  static const std::regex kFloat(R"(^[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?$)");
  std::string plain = s;
  plain.erase(std::remove(plain.begin(), plain.end(), '_'), plain.end());
  return std::regex_match(plain, kFloat);
}

bool IsBase60Float(const std::string& s) {
  static const std::regex kBase60(R"(^[-+]?[0-9][0-9_]*(?::[0-5]?[0-9])+(?:\.[0-9_]*)?$)");
  return s.find(':') != std::string::npos && std::regex_match(s, kBase60);
}

bool IsTimestamp(const std::string& s) {
  // The layouts go-yaml tries: 2006-1-2T15:4:5.999999999Z07:00 (also 't' or ' ' as the
  // separator, zone optional with ' ') and 2006-1-2.
  static const std::regex kDate(R"(^[0-9]{4}-[0-9]{1,2}-[0-9]{1,2}$)");
  static const std::regex kStamp(
      R"(^[0-9]{4}-[0-9]{1,2}-[0-9]{1,2}[Tt][0-9]{1,2}:[0-9]{1,2}:[0-9]{1,2}(\.[0-9]+)?(Z|[-+][0-9]{2}:[0-9]{2})$)");
  static const std::regex kSpaced(
      R"(^[0-9]{4}-[0-9]{1,2}-[0-9]{1,2} [0-9]{1,2}:[0-9]{1,2}:[0-9]{1,2}(\.[0-9]+)?$)");
  return std::regex_match(s, kDate) || std::regex_match(s, kStamp) || std::regex_match(s, kSpaced);
}

bool ResolvesToNonString(const std::string& s) {
  static const char* const kWords[] = {
      "",      "~",     "null",  "Null",  "NULL",  "y",     "Y",     "yes",   "Yes",   "YES",
      "on",    "On",    "ON",    "true",  "True",  "TRUE",  "n",     "N",     "no",    "No",
      "NO",    "off",   "Off",   "OFF",   "false", "False", "FALSE", ".nan",  ".NaN",  ".NAN",
      ".inf",  ".Inf",  ".INF",  "+.inf", "+.Inf", "+.INF", "-.inf", "-.Inf", "-.INF", "<<"};
  for (const char* w : kWords) {
    if (s == w) return true;
  }
  const char c = s[0];
  if (c == '.') return IsGoFloat(s);
  if (c == '+' || c == '-' || IsDigit(static_cast<unsigned char>(c))) {
    if (IsGoInt(s) || IsGoFloat(s)) return true;
    if (IsDigit(static_cast<unsigned char>(c)) && IsTimestamp(s)) return true;
  }
  return false;
}

// ---- libyaml's scalar analysis -----------------------------------------------------------

bool IsBreak(char32_t c) { return c == '\r' || c == '\n' || c == 0x85 || c == 0x2028 || c == 0x2029; }
bool IsSpace(char32_t c) { return c == ' '; }
bool IsBlankZ(char32_t c) { return c == ' ' || c == '\t' || IsBreak(c) || c == 0; }
bool IsPrintable(char32_t c) {
  return c == 0x0A || (c >= 0x20 && c <= 0x7E) || c == 0x85 || (c >= 0xA0 && c <= 0xD7FF) ||
         (c >= 0xE000 && c <= 0xFFFD && c != 0xFEFF) || (c >= 0x10000 && c <= 0x10FFFF);
}

struct Analysis {
  bool multiline = false;
  bool block_plain_allowed = true;
  bool single_quoted_allowed = true;
  bool block_allowed = true;
};

Analysis Analyze(const std::vector<char32_t>& v) {
  Analysis a;
  if (v.empty()) {
    a.block_plain_allowed = true;
    a.block_allowed = false;
    return a;
  }
  bool block_indicators = false;
  bool leading_space = false, leading_break = false, trailing_space = false, trailing_break = false;
  bool break_space = false, space_break = false, previous_space = false, previous_break = false;
  bool line_breaks = false, special = false;
  if (v.size() >= 3 && ((v[0] == '-' && v[1] == '-' && v[2] == '-') || (v[0] == '.' && v[1] == '.' && v[2] == '.'))) {
    block_indicators = true;
  }
  bool preceded_by_whitespace = true;
  bool followed_by_whitespace = IsBlankZ(v.size() > 1 ? v[1] : 0);
  for (size_t i = 0; i < v.size(); ++i) {
    const char32_t c = v[i];
    const bool first = i == 0;
    const bool last = i + 1 == v.size();
    if (first) {
      switch (c) {
        case '#': case ',': case '[': case ']': case '{': case '}': case '&': case '*':
        case '!': case '|': case '>': case '\'': case '"': case '%': case '@': case '`':
          block_indicators = true;
          break;
        case '?': case ':':
          if (followed_by_whitespace) block_indicators = true;
          break;
        case '-':
          if (followed_by_whitespace) block_indicators = true;
          break;
        default:
          break;
      }
    } else {
      if (c == ':' && followed_by_whitespace) block_indicators = true;
      if (c == '#' && preceded_by_whitespace) block_indicators = true;
    }
    if (!IsPrintable(c)) special = true;
    if (IsBreak(c)) line_breaks = true;
    if (IsSpace(c)) {
      if (first) leading_space = true;
      if (last) trailing_space = true;
      if (previous_break) break_space = true;
      previous_space = true;
      previous_break = false;
    } else if (IsBreak(c)) {
      if (first) leading_break = true;
      if (last) trailing_break = true;
      if (previous_space) space_break = true;
      previous_break = true;
      previous_space = false;
    } else {
      previous_space = false;
      previous_break = false;
    }
    preceded_by_whitespace = IsBlankZ(c);
    followed_by_whitespace = IsBlankZ(i + 2 < v.size() ? v[i + 2] : 0);
  }
  a.multiline = line_breaks;
  if (leading_space || leading_break || trailing_space || trailing_break) a.block_plain_allowed = false;
  if (trailing_space) a.block_allowed = false;
  if (break_space) a.block_plain_allowed = a.single_quoted_allowed = false;
  if (space_break || special) a.block_plain_allowed = a.single_quoted_allowed = a.block_allowed = false;
  if (line_breaks) a.block_plain_allowed = false;
  if (block_indicators) a.block_plain_allowed = false;
  return a;
}

// ---- the writer --------------------------------------------------------------------------

enum class Style { kPlain, kSingle, kDouble, kLiteral };

class Writer {
 public:
  // The text, ending with exactly one line break (a "|+" block has written its own).
  std::string Finish() {
    if (column_ != 0) NewLine();
    return std::move(out_);
  }

  // A value: `mapping_value` after "key:", `sequence_item` after "- ", else a document.
  void Node(const Json& j, int indent, bool mapping_value, bool sequence_item) {
    if (j.is_object() && !j.empty()) {
      Mapping(j, indent, sequence_item);
    } else if (j.is_array() && !j.empty()) {
      Sequence(j, mapping_value ? indent - kBestIndent : indent, sequence_item);
    } else if (j.is_object()) {
      Write("{}");
    } else if (j.is_array()) {
      Write("[]");
    } else {
      Scalar(j, indent, false);
    }
  }

 private:
  // A mapping whose keys start at `indent`. After "- " (sequence_item) the first key follows
  // on the same line; otherwise each key starts a line.
  void Mapping(const Json& j, int indent, bool sequence_item) {
    std::vector<const std::string*> keys;
    keys.reserve(j.size());
    for (auto it = j.begin(); it != j.end(); ++it) keys.push_back(&it.key());
    std::stable_sort(keys.begin(), keys.end(), [](const std::string* a, const std::string* b) { return KeyLess(*a, *b); });
    bool first = true;
    for (const std::string* key : keys) {
      if (first && sequence_item) {
        Space();
      } else {
        Indent(indent);
      }
      first = false;
      if (key->size() > 128 || key->find_first_of("\r\n") != std::string::npos ||
          key->find("\xc2\x85") != std::string::npos || key->find("\xe2\x80\xa8") != std::string::npos ||
          key->find("\xe2\x80\xa9") != std::string::npos) {
        // Too long or multi-line for a simple key (libyaml's rule): "? key" then ": value".
        Put('?');
        Scalar(Json(*key), indent + kBestIndent, false);
        Indent(indent);
      } else {
        Scalar(Json(*key), indent, true);
      }
      Put(':');
      Node(j.at(*key), indent + kBestIndent, true, false);
    }
  }

  // Items at `indent` ("- " then the item). As a mapping value the dashes line up with the key.
  void Sequence(const Json& j, int indent, bool sequence_item) {
    bool first = true;
    for (const Json& item : j) {
      if (first && sequence_item) {
        Space();
      } else {
        Indent(indent);
      }
      first = false;
      Put('-');
      if (item.is_object() && !item.empty()) {
        Mapping(item, indent + kBestIndent, true);
      } else if (item.is_array() && !item.empty()) {
        Sequence(item, indent + kBestIndent, true);
      } else {
        Node(item, indent + kBestIndent, false, true);
      }
    }
  }

  // A scalar whose continuation lines (folds, literal lines) are indented to `indent`.
  void Scalar(const Json& j, int indent, bool simple_key) {
    switch (j.type()) {
      case Json::value_t::null:
        Write("null");
        return;
      case Json::value_t::boolean:
        Write(j.get<bool>() ? "true" : "false");
        return;
      case Json::value_t::number_float:
        Write(FormatFloat(j.get<double>()));
        return;
      case Json::value_t::string:
        break;
      default:
        Write(j.dump());
        return;
    }
    const std::string& s = j.get_ref<const std::string&>();
    const std::vector<char32_t> v = CodePoints(s);
    Style style = Style::kPlain;
    if (s.find('\n') != std::string::npos) {
      style = Style::kLiteral;
    } else if (ResolvesToNonString(s) || IsBase60Float(s)) {
      style = Style::kDouble;
    }
    const Analysis a = Analyze(v);
    if (style == Style::kPlain) {
      if (!a.block_plain_allowed || (v.empty() && simple_key)) style = Style::kSingle;
    }
    if (style == Style::kSingle && !a.single_quoted_allowed) style = Style::kDouble;
    if (style == Style::kLiteral && (!a.block_allowed || simple_key)) style = Style::kDouble;
    const bool allow_breaks = !simple_key;
    switch (style) {
      case Style::kPlain:
        WritePlain(v, indent, allow_breaks);
        break;
      case Style::kSingle:
        WriteSingle(v, indent, allow_breaks);
        break;
      case Style::kDouble:
        WriteDouble(v, indent, allow_breaks);
        break;
      case Style::kLiteral:
        WriteLiteral(v, indent);
        break;
    }
  }

  static std::string FormatFloat(double d) {
    if (std::isnan(d)) return ".nan";
    if (std::isinf(d)) return d > 0 ? "+.inf" : "-.inf";
    // strconv.FormatFloat(d, 'g', -1, 64): the shortest form that reads back, exponent as
    // "e+06" below 1e-4 or from 1e21.
    std::string out = Json(d).dump();  // shortest round-trip digits
    const size_t e = out.find_first_of("eE");
    if (e != std::string::npos) {
      std::string mant = out.substr(0, e);
      std::string exp = out.substr(e + 1);
      const bool neg = !exp.empty() && exp[0] == '-';
      if (!exp.empty() && (exp[0] == '+' || exp[0] == '-')) exp = exp.substr(1);
      while (exp.size() > 1 && exp[0] == '0') exp = exp.substr(1);
      if (exp.size() < 2) exp = "0" + exp;
      if (mant.size() > 2 && mant.substr(mant.size() - 2) == ".0") mant.resize(mant.size() - 2);
      return kop::StrCat(mant, "e", neg ? "-" : "+", exp);
    }
    if (out.size() > 2 && out.substr(out.size() - 2) == ".0") out.resize(out.size() - 2);
    return out;
  }

  void WritePlain(const std::vector<char32_t>& v, int indent, bool allow_breaks) {
    if (!v.empty()) Space();
    bool spaces = false;
    for (size_t i = 0; i < v.size(); ++i) {
      if (IsSpace(v[i])) {
        if (allow_breaks && !spaces && column_ > kBestWidth && !(i + 1 < v.size() && IsSpace(v[i + 1]))) {
          Indent(indent);
        } else {
          PutCp(v[i]);
        }
        spaces = true;
      } else {
        PutCp(v[i]);
        spaces = false;
      }
    }
  }

  void WriteSingle(const std::vector<char32_t>& v, int indent, bool allow_breaks) {
    Space();
    Put('\'');
    bool spaces = false;
    for (size_t i = 0; i < v.size(); ++i) {
      if (IsSpace(v[i])) {
        if (allow_breaks && !spaces && column_ > kBestWidth && i != 0 && i + 1 != v.size() &&
            !(i + 1 < v.size() && IsSpace(v[i + 1]))) {
          Indent(indent);
        } else {
          PutCp(v[i]);
        }
        spaces = true;
      } else {
        if (v[i] == '\'') Put('\'');
        PutCp(v[i]);
        spaces = false;
      }
    }
    Put('\'');
  }

  void WriteDouble(const std::vector<char32_t>& v, int indent, bool allow_breaks) {
    Space();
    Put('"');
    bool spaces = false;
    for (size_t i = 0; i < v.size(); ++i) {
      const char32_t c = v[i];
      if (!IsPrintable(c) || c == 0xFEFF || IsBreak(c) || c == '"' || c == '\\') {
        Put('\\');
        switch (c) {
          case 0x00: Put('0'); break;
          case 0x07: Put('a'); break;
          case 0x08: Put('b'); break;
          case 0x09: Put('t'); break;
          case 0x0A: Put('n'); break;
          case 0x0B: Put('v'); break;
          case 0x0C: Put('f'); break;
          case 0x0D: Put('r'); break;
          case 0x1B: Put('e'); break;
          case 0x22: Put('"'); break;
          case 0x5C: Put('\\'); break;
          case 0x85: Put('N'); break;
          case 0xA0: Put('_'); break;
          case 0x2028: Put('L'); break;
          case 0x2029: Put('P'); break;
          default: {
            const char* digits = "0123456789ABCDEF";
            int width = 0;
            if (c <= 0xFF) {
              Put('x');
              width = 2;
            } else if (c <= 0xFFFF) {
              Put('u');
              width = 4;
            } else {
              Put('U');
              width = 8;
            }
            for (int k = (width - 1) * 4; k >= 0; k -= 4) Put(digits[(c >> k) & 0xF]);
          }
        }
        spaces = false;
      } else if (IsSpace(c)) {
        if (allow_breaks && !spaces && column_ > kBestWidth && i != 0 && i + 1 != v.size()) {
          Indent(indent);
          if (i + 1 < v.size() && IsSpace(v[i + 1])) Put('\\');
        } else {
          PutCp(c);
        }
        spaces = true;
      } else {
        PutCp(c);
        spaces = false;
      }
    }
    Put('"');
  }

  void WriteLiteral(const std::vector<char32_t>& v, int indent) {
    Space();
    Put('|');
    if (!v.empty() && (IsSpace(v[0]) || IsBreak(v[0]))) {
      Put(static_cast<char>('0' + kBestIndent));
    }
    // Chomping: no final break "-", exactly one "", more than one "+".
    if (v.empty() || !IsBreak(v.back())) {
      Put('-');
    } else if (v.size() == 1 || IsBreak(v[v.size() - 2])) {
      Put('+');
    }
    bool breaks = true;
    NewLine();
    for (char32_t c : v) {
      if (IsBreak(c)) {
        NewLine();
        breaks = true;
      } else {
        if (breaks) {
          Indent(indent);
          breaks = false;
        }
        PutCp(c);
      }
    }
  }

  // Moves to column `indent` of a new line, unless the line holds nothing but indentation up
  // to there (libyaml's rule, which keeps "- key: v" on one line and adds no blank line
  // after a literal block).
  void Indent(int indent) {
    if (!out_.empty() && (!indention_ || column_ > indent || (column_ == indent && !whitespace_))) NewLine();
    while (column_ < indent) Pad();
  }
  // The space between an indicator and what follows (none at the start of a line).
  void Space() {
    if (!whitespace_) Pad();
  }
  void Pad() {
    out_.push_back(' ');
    ++column_;
    whitespace_ = true;
  }
  void NewLine() {
    out_.push_back('\n');
    column_ = 0;
    whitespace_ = true;
    indention_ = true;
  }
  void Put(char c) {
    out_.push_back(c);
    ++column_;
    whitespace_ = false;
    indention_ = indention_ && c == '-';  // a sequence's dash still counts as indentation
  }
  void PutCp(char32_t c) {
    AppendUtf8(&out_, c);
    ++column_;
    whitespace_ = c == ' ';
    indention_ = false;
  }
  void Write(std::string_view s) {
    Space();
    for (char c : s) Put(c);
  }

  std::string out_;
  int column_ = 0;
  bool whitespace_ = true;  // the last thing written was a space or a line break
  bool indention_ = true;   // the line holds only indentation so far
};

}  // namespace

std::string DumpYaml(const Json& j) {
  Writer w;
  // A document that is one scalar continues (folds, literal lines) at the default indent.
  const bool scalar = !(j.is_object() && !j.empty()) && !(j.is_array() && !j.empty());
  w.Node(j, scalar ? kBestIndent : 0, false, false);
  return w.Finish();
}

}  // namespace kop
