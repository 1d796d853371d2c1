#include "kop/api/quantity.h"

#include <algorithm>
#include <cctype>
#include <limits>

#include "kop/base/strings.h"

namespace kop {
namespace {

using quantity_internal::Int128;
__extension__ typedef unsigned __int128 UInt128;

constexpr Int128 kLimit = static_cast<Int128>(1) << 100;  // refuse values past this mantissa

std::string Int128ToString(Int128 v) {
  if (v == 0) return "0";
  const bool negative = v < 0;
  UInt128 u = negative ? -static_cast<UInt128>(v) : static_cast<UInt128>(v);
  std::string out;
  while (u > 0) {
    out.insert(out.begin(), static_cast<char>('0' + static_cast<int>(u % 10)));
    u /= 10;
  }
  if (negative) out.insert(out.begin(), '-');
  return out;
}

bool MulOverflows(Int128 a, Int128 b) {
  if (a == 0 || b == 0) return false;
  const Int128 abs_a = a < 0 ? -a : a;
  const Int128 abs_b = b < 0 ? -b : b;
  return abs_a > kLimit / abs_b;
}

Int128 Pow10(int n) {
  Int128 r = 1;
  for (int i = 0; i < n; ++i) r *= 10;
  return r;
}

// Ceiling division toward +infinity.
Int128 CeilDiv(Int128 a, Int128 b) {
  Int128 q = a / b;
  if (a % b != 0 && a > 0) ++q;
  return q;
}

absl::Status FormatError() { return absl::InvalidArgumentError(std::string(Quantity::kFormatError)); }

}  // namespace

absl::StatusOr<Quantity> Quantity::Parse(std::string_view text) {
  if (text.empty()) return absl::InvalidArgumentError("quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'");
  size_t i = 0;
  bool negative = false;
  if (text[i] == '+' || text[i] == '-') negative = text[i++] == '-';
  // The number: digits with at most one point.
  Int128 mantissa = 0;
  int scale = 0;
  bool digits = false, point = false;
  const size_t number_start = i;
  for (; i < text.size() && (std::isdigit(static_cast<unsigned char>(text[i])) || text[i] == '.'); ++i) {
    if (text[i] == '.') {
      if (point) return FormatError();
      point = true;
      continue;
    }
    digits = true;
    if (mantissa > kLimit / 10) return absl::InvalidArgumentError(kop::StrCat("quantity \"", text, "\" is too large"));
    mantissa = mantissa * 10 + (text[i] - '0');
    if (point) --scale;
  }
  if (i == number_start || !digits) return FormatError();
  // The suffix: letters from the set, then an optional signed exponent; nothing else.
  const std::string_view rest = text.substr(i);
  size_t letters = 0;
  while (letters < rest.size() && std::string_view("eEinumkKMGTP").find(rest[letters]) != std::string_view::npos) ++letters;
  size_t tail = letters;
  if (tail < rest.size() && (rest[tail] == '+' || rest[tail] == '-')) ++tail;
  while (tail < rest.size() && std::isdigit(static_cast<unsigned char>(rest[tail]))) ++tail;
  if (tail != rest.size()) return FormatError();
  const std::string_view suffix = rest;
  Quantity q;
  int base2_exponent = 0;  // in units of 10 bits
  static constexpr std::pair<std::string_view, int> kDecimal[] = {
      {"n", -9}, {"u", -6}, {"m", -3}, {"", 0}, {"k", 3}, {"M", 6}, {"G", 9}, {"T", 12}, {"P", 15}, {"E", 18}};
  static constexpr std::pair<std::string_view, int> kBinary[] = {
      {"Ki", 1}, {"Mi", 2}, {"Gi", 3}, {"Ti", 4}, {"Pi", 5}, {"Ei", 6}};
  bool known = false;
  for (const auto& [s, e] : kDecimal) {
    if (suffix == s) {
      scale += e;
      q.format_ = Format::kDecimalSI;
      known = true;
    }
  }
  for (const auto& [s, e] : kBinary) {
    if (suffix == s) {
      base2_exponent = e;
      q.format_ = Format::kBinarySI;
      known = true;
    }
  }
  if (!known && suffix.size() >= 2 && (suffix[0] == 'e' || suffix[0] == 'E')) {
    std::string_view exp = suffix.substr(1);
    bool exp_negative = false;
    if (exp[0] == '+' || exp[0] == '-') {
      exp_negative = exp[0] == '-';
      exp.remove_prefix(1);
    }
    if (!exp.empty() && exp.size() <= 3 && std::all_of(exp.begin(), exp.end(), [](char c) { return std::isdigit(static_cast<unsigned char>(c)); })) {
      int e = 0;
      for (char c : exp) e = e * 10 + (c - '0');
      scale += exp_negative ? -e : e;
      q.format_ = Format::kDecimalExponent;
      known = true;
    }
  }
  if (!known) return absl::InvalidArgumentError("unable to parse quantity's suffix");
  for (int k = 0; k < base2_exponent; ++k) {
    if (MulOverflows(mantissa, 1024)) return absl::InvalidArgumentError(kop::StrCat("quantity \"", text, "\" is too large"));
    mantissa *= 1024;
  }
  if (negative) mantissa = -mantissa;
  // Nothing finer than nano units: round up, as upstream does.
  if (scale < -9) {
    const int drop = -9 - scale;
    mantissa = drop > 38 ? (mantissa > 0 ? 1 : 0) : CeilDiv(mantissa, Pow10(drop));
    scale = -9;
  }
  // Large positive scales become mantissa digits, within bounds.
  while (scale > 0 && mantissa != 0 && !MulOverflows(mantissa, 10) && scale > 18) {
    mantissa *= 10;
    --scale;
  }
  if (scale > 18 && mantissa != 0) return absl::InvalidArgumentError(kop::StrCat("quantity \"", text, "\" is too large"));
  q.mantissa_ = mantissa;
  q.scale_ = mantissa == 0 ? 0 : scale;
  return q;
}

Quantity Quantity::FromInt(int64_t value) {
  Quantity q;
  q.mantissa_ = value;
  return q;
}

bool Quantity::IsInteger() const {
  if (scale_ >= 0) return true;
  return mantissa_ % Pow10(-scale_) == 0;
}

int Quantity::Compare(const Quantity& other) const {
  if (Sign() != other.Sign()) return Sign() < other.Sign() ? -1 : 1;
  // Same sign: bring both to the smaller scale. Only the side with the larger scale is
  // multiplied; if its magnitude would pass the limit, it is the larger magnitude.
  const int s = std::min(scale_, other.scale_);
  Int128 a = mantissa_, b = other.mantissa_;
  bool a_huge = false, b_huge = false;
  auto scale_up = [](Int128& v, int times, bool& huge) {
    for (int i = 0; i < times && !huge; ++i) {
      huge = MulOverflows(v, 10);
      if (!huge) v *= 10;
    }
  };
  scale_up(a, scale_ - s, a_huge);
  scale_up(b, other.scale_ - s, b_huge);
  if (a_huge || b_huge) {
    const int magnitude = a_huge ? 1 : -1;  // at most one side is scaled up
    return Sign() >= 0 ? magnitude : -magnitude;
  }
  return a < b ? -1 : a > b ? 1 : 0;
}

namespace {

// value × 10^shift, rounded up, saturated to int64.
int64_t Scaled(Int128 mantissa, int shift) {
  constexpr Int128 kMax = std::numeric_limits<int64_t>::max();
  constexpr Int128 kMin = std::numeric_limits<int64_t>::min();
  if (shift < 0) {
    const Int128 v = -shift > 38 ? (mantissa > 0 ? 1 : 0) : CeilDiv(mantissa, Pow10(-shift));
    return static_cast<int64_t>(std::clamp(v, kMin, kMax));
  }
  Int128 v = mantissa;
  for (int i = 0; i < shift; ++i) {
    if (v > kMax || v < kMin) break;
    v *= 10;
  }
  return static_cast<int64_t>(std::clamp(v, kMin, kMax));
}

}  // namespace

int64_t Quantity::MilliValue() const { return Scaled(mantissa_, scale_ + 3); }

int64_t Quantity::Value() const { return Scaled(mantissa_, scale_); }

std::string Quantity::String() const {
  if (mantissa_ == 0) return "0";
  Format format = format_;
  if (format == Format::kBinarySI) {
    // Small or fractional binary values read better (and exactly) in decimal SI.
    const Quantity limit = FromInt(1024);
    const Quantity neg_limit = FromInt(-1024);
    if ((Compare(neg_limit) > 0 && Compare(limit) < 0) || !IsInteger()) format = Format::kDecimalSI;
  }
  if (format == Format::kBinarySI) {
    Int128 v = scale_ >= 0 ? mantissa_ * Pow10(scale_) : mantissa_ / Pow10(-scale_);  // whole, checked above
    int exponent = 0;
    while (exponent < 6 && v % 1024 == 0) {
      v /= 1024;
      ++exponent;
    }
    static constexpr std::string_view kSuffix[] = {"", "Ki", "Mi", "Gi", "Ti", "Pi", "Ei"};
    return kop::StrCat(Int128ToString(v), kSuffix[exponent]);
  }
  // Decimal: strip trailing zeros, then lower the exponent to a multiple of three.
  Int128 m = mantissa_;
  int e = scale_;
  while (m % 10 == 0) {
    m /= 10;
    ++e;
  }
  int extra = e % 3;
  if (extra < 0) extra += 3;
  m *= Pow10(extra);
  e -= extra;
  if (format == Format::kDecimalExponent) {
    return e == 0 ? Int128ToString(m) : kop::StrCat(Int128ToString(m), "e", e);
  }
  while (e > 18) {
    m *= 1000;
    e -= 3;
  }
  static constexpr std::string_view kSuffix[] = {"n", "u", "m", "", "k", "M", "G", "T", "P", "E"};
  return kop::StrCat(Int128ToString(m), kSuffix[(e + 9) / 3]);
}

}  // namespace kop
