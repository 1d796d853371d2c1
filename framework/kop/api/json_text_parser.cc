// The JSON text parser: text straight into the compact form (CompactJson::Parse).
#include <charconv>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <limits>
#include <vector>

#include "kop/api/internal/compact_writer.h"
#include "kop/api/json_view.h"
#include "kop/base/strings.h"

namespace kop {
namespace {

using compact::CompactWriter;

// JSON text (RFC 8259, as nlohmann::json reads it: UTF-8 checked, a leading byte-order mark
// skipped, numbers as int64/uint64/double by the same rules) into a CompactWriter. Iterative,
// so deep nesting cannot overflow the stack; nesting deeper than kMaxDepth is refused. Strings without escapes go to the
// writer straight from the text.
class TextParser {
 public:
  // As Kubernetes' own JSON decoding (Go's limit). Each level also copies what it holds once
  // when it closes, so the limit bounds that work too.
  static constexpr size_t kMaxDepth = 10000;

  TextParser(std::string_view text, CompactWriter& w)
      : p_(reinterpret_cast<const unsigned char*>(text.data())), begin_(p_), end_(p_ + text.size()), w_(w) {}

  // An empty string on success, else what is wrong.
  std::string Run() {
    if (end_ - p_ >= 3 && p_[0] == 0xEF && p_[1] == 0xBB && p_[2] == 0xBF) p_ += 3;
    std::vector<bool> stack;  // open containers: true for objects
    while (true) {
      // A value.
      SkipSpace();
      if (p_ == end_) return Error("unexpected end of input; expected a value");
      if ((*p_ == '{' || *p_ == '[') && stack.size() >= kMaxDepth) {
        return Error(kop::StrCat("nesting deeper than ", kMaxDepth, " levels"));
      }
      switch (*p_) {
        case '{':
          ++p_;
          w_.start_object(0);
          SkipSpace();
          if (p_ != end_ && *p_ == '}') {
            ++p_;
            if (!w_.end_object()) return Writer();
            break;
          }
          stack.push_back(true);
          if (std::string e = Key(); !e.empty()) return e;
          continue;
        case '[':
          ++p_;
          w_.start_array(0);
          SkipSpace();
          if (p_ != end_ && *p_ == ']') {
            ++p_;
            if (!w_.end_array()) return Writer();
            break;
          }
          stack.push_back(false);
          continue;
        case '"': {
          std::string_view v;
          if (std::string e = String(v); !e.empty()) return e;
          w_.string(v);
          break;
        }
        case 't':
          if (!Literal("true")) return Error("invalid literal");
          w_.boolean(true);
          break;
        case 'f':
          if (!Literal("false")) return Error("invalid literal");
          w_.boolean(false);
          break;
        case 'n':
          if (!Literal("null")) return Error("invalid literal");
          w_.null();
          break;
        default:
          if (*p_ == '-' || (*p_ >= '0' && *p_ <= '9')) {
            if (std::string e = Number(); !e.empty()) return e;
            break;
          }
          return Error("unexpected character; expected a value");
      }
      // After a value: close what ends here, then find the next value.
      while (true) {
        SkipSpace();
        if (stack.empty()) {
          if (p_ != end_) return Error("unexpected character after the document");
          return "";
        }
        if (p_ == end_) return Error("unexpected end of input");
        const bool object = stack.back();
        if (*p_ == ',') {
          ++p_;
          if (object) {
            SkipSpace();
            if (std::string e = Key(); !e.empty()) return e;
          }
          break;
        }
        if (*p_ == (object ? '}' : ']')) {
          ++p_;
          stack.pop_back();
          if (!(object ? w_.end_object() : w_.end_array())) return Writer();
          continue;
        }
        return Error(object ? "expected ',' or '}'" : "expected ',' or ']'");
      }
    }
  }

 private:
  std::string Error(std::string_view what) const {
    return kop::StrCat("syntax error at byte ", p_ - begin_, ": ", what);
  }
  std::string Writer() const { return w_.error(); }

  // Between tokens. A NUL byte there ends the input, as it does for nlohmann::json (and so for
  // ParseJson): whatever follows it is not read.
  void SkipSpace() {
    while (p_ != end_ && (*p_ == ' ' || *p_ == '\n' || *p_ == '\r' || *p_ == '\t')) ++p_;
    if (p_ != end_ && *p_ == '\0') end_ = p_;
  }

  bool Literal(std::string_view word) {
    if (static_cast<size_t>(end_ - p_) < word.size() || std::memcmp(p_, word.data(), word.size()) != 0) {
      return false;
    }
    p_ += word.size();
    return true;
  }

  // A member's key and its colon; p_ at the key's quote.
  std::string Key() {
    if (p_ == end_ || *p_ != '"') return Error("expected a string as an object key");
    std::string_view k;
    if (std::string e = String(k); !e.empty()) return e;
    w_.key(k);
    SkipSpace();
    if (p_ == end_ || *p_ != ':') return Error("expected ':' after an object key");
    ++p_;
    return "";
  }

  int Hex4() {
    if (end_ - p_ < 4) return -1;
    int v = 0;
    for (int i = 0; i < 4; ++i) {
      const unsigned char c = p_[i];
      v <<= 4;
      if (c >= '0' && c <= '9') {
        v |= c - '0';
      } else if (c >= 'a' && c <= 'f') {
        v |= c - 'a' + 10;
      } else if (c >= 'A' && c <= 'F') {
        v |= c - 'A' + 10;
      } else {
        return -1;
      }
    }
    p_ += 4;
    return v;
  }

  // The bytes of a well-formed UTF-8 sequence starting at p_ (a byte >= 0x80), or 0.
  size_t Utf8Length() const {
    const unsigned char c = *p_;
    const auto n = static_cast<size_t>(end_ - p_);
    auto cont = [&](size_t i, unsigned char lo = 0x80, unsigned char hi = 0xBF) {
      return i < n && p_[i] >= lo && p_[i] <= hi;
    };
    if (c >= 0xC2 && c <= 0xDF) return cont(1) ? 2 : 0;
    if (c == 0xE0) return cont(1, 0xA0) && cont(2) ? 3 : 0;
    if ((c >= 0xE1 && c <= 0xEC) || c == 0xEE || c == 0xEF) return cont(1) && cont(2) ? 3 : 0;
    if (c == 0xED) return cont(1, 0x80, 0x9F) && cont(2) ? 3 : 0;
    if (c == 0xF0) return cont(1, 0x90) && cont(2) && cont(3) ? 4 : 0;
    if (c >= 0xF1 && c <= 0xF3) return cont(1) && cont(2) && cont(3) ? 4 : 0;
    if (c == 0xF4) return cont(1, 0x80, 0x8F) && cont(2) && cont(3) ? 4 : 0;
    return 0;
  }

  void PutUtf8(uint32_t cp) {
    if (cp < 0x80) {
      token_.push_back(static_cast<char>(cp));
    } else if (cp < 0x800) {
      token_.push_back(static_cast<char>(0xC0 | (cp >> 6)));
      token_.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
    } else if (cp < 0x10000) {
      token_.push_back(static_cast<char>(0xE0 | (cp >> 12)));
      token_.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
      token_.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
    } else {
      token_.push_back(static_cast<char>(0xF0 | (cp >> 18)));
      token_.push_back(static_cast<char>(0x80 | ((cp >> 12) & 0x3F)));
      token_.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
      token_.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
    }
  }

  // A string; p_ at its opening quote. `out` views the text itself when the string has no
  // escapes, else token_.
  std::string String(std::string_view& out) {
    ++p_;
    const unsigned char* start = p_;
    bool escaped = false;
    while (true) {
      // The plain run.
      const unsigned char* run = p_;
      while (p_ != end_ && *p_ >= 0x20 && *p_ != '"' && *p_ != '\\' && *p_ < 0x80) ++p_;
      if (escaped) token_.append(reinterpret_cast<const char*>(run), static_cast<size_t>(p_ - run));
      if (p_ == end_) return Error("unterminated string");
      const unsigned char c = *p_;
      if (c == '"') {
        out = escaped ? std::string_view(token_)
                      : std::string_view(reinterpret_cast<const char*>(start), static_cast<size_t>(p_ - start));
        ++p_;
        return "";
      }
      if (c < 0x20) return Error("control character in a string (it must be escaped)");
      if (c >= 0x80) {
        const size_t n = Utf8Length();
        if (n == 0) return Error("invalid UTF-8 in a string");
        if (escaped) token_.append(reinterpret_cast<const char*>(p_), n);
        p_ += n;
        continue;
      }
      // A backslash: from here on the string is built in token_.
      if (!escaped) {
        escaped = true;
        token_.assign(reinterpret_cast<const char*>(start), static_cast<size_t>(p_ - start));
      }
      ++p_;
      if (p_ == end_) return Error("unterminated string");
      switch (*p_++) {
        case '"': token_.push_back('"'); break;
        case '\\': token_.push_back('\\'); break;
        case '/': token_.push_back('/'); break;
        case 'b': token_.push_back('\b'); break;
        case 'f': token_.push_back('\f'); break;
        case 'n': token_.push_back('\n'); break;
        case 'r': token_.push_back('\r'); break;
        case 't': token_.push_back('\t'); break;
        case 'u': {
          int cp = Hex4();
          if (cp < 0) return Error("\\u must be followed by 4 hex digits");
          if (cp >= 0xD800 && cp <= 0xDBFF) {
            if (end_ - p_ < 2 || p_[0] != '\\' || p_[1] != 'u') {
              return Error("a high surrogate must be followed by a low one");
            }
            p_ += 2;
            const int lo = Hex4();
            if (lo < 0xDC00 || lo > 0xDFFF) return Error("a high surrogate must be followed by a low one");
            PutUtf8(0x10000 + ((static_cast<uint32_t>(cp) - 0xD800) << 10) + (static_cast<uint32_t>(lo) - 0xDC00));
          } else if (cp >= 0xDC00 && cp <= 0xDFFF) {
            return Error("a low surrogate without a high one");
          } else {
            PutUtf8(static_cast<uint32_t>(cp));
          }
          break;
        }
        default:
          return Error("invalid escape in a string");
      }
    }
  }

  std::string Number() {
    const unsigned char* start = p_;
    bool integer = true;
    if (*p_ == '-') ++p_;
    auto digits = [&] {
      const unsigned char* d = p_;
      while (p_ != end_ && *p_ >= '0' && *p_ <= '9') ++p_;
      return p_ != d;
    };
    if (p_ != end_ && *p_ == '0') {
      ++p_;
    } else if (!digits()) {
      return Error("invalid number");
    }
    if (p_ != end_ && *p_ == '.') {
      ++p_;
      integer = false;
      if (!digits()) return Error("invalid number: a digit must follow '.'");
    }
    if (p_ != end_ && (*p_ == 'e' || *p_ == 'E')) {
      ++p_;
      integer = false;
      if (p_ != end_ && (*p_ == '+' || *p_ == '-')) ++p_;
      if (!digits()) return Error("invalid number: a digit must follow the exponent");
    }
    const char* first = reinterpret_cast<const char*>(start);
    const char* last = reinterpret_cast<const char*>(p_);
    if (integer) {
      if (*start == '-') {
        int64_t v = 0;
        if (auto r = std::from_chars(first, last, v); r.ec == std::errc() && r.ptr == last) {
          w_.number_integer(v);
          return "";
        }
      } else {
        uint64_t v = 0;
        if (auto r = std::from_chars(first, last, v); r.ec == std::errc() && r.ptr == last) {
          w_.number_unsigned(v);
          return "";
        }
      }
    }
    // A fraction, an exponent, or an integer out of 64-bit range: a double, as strtod reads it
    // (underflow gives zero or a subnormal; overflow is an error).
    double d = 0;
    auto r = std::from_chars(first, last, d);
    if (r.ec == std::errc::result_out_of_range) {
      const std::string copy(first, last);
      d = std::strtod(copy.c_str(), nullptr);
    }
    if (!std::isfinite(d)) return Error("number out of range");
    w_.number_float(d);
    return "";
  }

  const unsigned char* p_;
  const unsigned char* const begin_;
  const unsigned char* end_;
  CompactWriter& w_;
  std::string token_;
};

}  // namespace

absl::StatusOr<CompactJson> CompactJson::Parse(std::string_view text,
                                               const std::vector<std::vector<std::string>>& omit) {
  thread_local std::string scratch;
  scratch.clear();
  CompactWriter writer(scratch, omit);
  if (std::string error = TextParser(text, writer).Run(); !error.empty()) {
    return absl::InvalidArgumentError(kop::StrCat("invalid JSON: ", error));
  }
  if (scratch.size() > std::numeric_limits<uint32_t>::max()) {
    return absl::InvalidArgumentError("invalid JSON: document too large");
  }
  CompactJson out = FromBytes(scratch);
  if (scratch.capacity() > (1 << 20)) std::string().swap(scratch);
  return out;
}

}  // namespace kop
