// kop/api/quantity: Kubernetes resource quantities ("500m", "1.5Gi", "2e3").
//
// A Quantity is an exact fixed-point number with the format of the suffix it was written
// with: binary (Ki, Mi, Gi, Ti, Pi, Ei), decimal SI (n, u, m, k, M, G, T, P, E) or a decimal
// exponent (e3). String() gives the canonical form the API server stores and returns, so an
// operator comparing what it wants with what it reads compares like with like:
//
//   Quantity::Parse("0.5Gi")->String()   == "512Mi"
//   Quantity::Parse("1024Gi")->String()  == "1Ti"
//   Quantity::Parse("2000m")->String()   == "2"
//   Quantity::Parse("0.25")->String()    == "250m"
//   Quantity::Parse("100m")->String()    == "100m"   (binary, but below 1024: decimal)
//
// As upstream, precision finer than nano units is rounded up to 1n, and a binary quantity
// that is not a whole number is written in decimal SI. Values beyond about 10^20 in magnitude
// are refused (upstream accepts them through arbitrary precision; no resource needs them).
#ifndef KOP_API_QUANTITY_H_
#define KOP_API_QUANTITY_H_

#include <string>
#include <string_view>

#include "absl/status/statusor.h"

namespace kop {

namespace quantity_internal {
__extension__ typedef __int128 Int128;  // exact values up to about 10^38
}  // namespace quantity_internal

// A value type; thread-compatible.
class Quantity {
 public:
  enum class Format { kDecimalSI, kBinarySI, kDecimalExponent };

  // The error message upstream gives for text that is not a quantity.
  static constexpr std::string_view kFormatError =
      "quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'";

  Quantity() = default;
  // InvalidArgument with kFormatError (or "unable to parse quantity's suffix") for text that
  // is not a quantity.
  static absl::StatusOr<Quantity> Parse(std::string_view text);
  // A whole number in decimal SI ("3").
  static Quantity FromInt(int64_t value);

  // The canonical form ("512Mi", "250m", "1e3", "0").
  std::string String() const;
  Format format() const { return format_; }
  // -1, 0 or 1.
  int Sign() const { return mantissa_ < 0 ? -1 : mantissa_ > 0 ? 1 : 0; }
  bool IsZero() const { return mantissa_ == 0; }
  // Whether the value is a whole number.
  bool IsInteger() const;
  // -1, 0 or 1 as this is below, equal to or above `other` (formats do not matter).
  int Compare(const Quantity& other) const;
  // The value in thousandths, rounded up (what upstream's MilliValue gives for CPU).
  int64_t MilliValue() const;
  // The value, rounded up to a whole number.
  int64_t Value() const;

  friend bool operator==(const Quantity& a, const Quantity& b) { return a.Compare(b) == 0; }

 private:
  // value = mantissa_ × 10^scale_, exactly; scale_ >= -9.
  quantity_internal::Int128 mantissa_ = 0;
  int scale_ = 0;
  Format format_ = Format::kDecimalSI;
};

}  // namespace kop

#endif  // KOP_API_QUANTITY_H_
