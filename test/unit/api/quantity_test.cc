#include "kop/api/quantity.h"

#include <limits>

#include "catch2/catch.hpp"

namespace kop {
namespace {

std::string Canonical(std::string_view text) {
  absl::StatusOr<Quantity> q = Quantity::Parse(text);
  INFO(text);
  REQUIRE(q.ok());
  return q->String();
}

TEST_CASE("quantities are written in the canonical form the API server stores") {
  // Forms recorded from a real kube-apiserver (shared/conformance/quantity).
  CHECK(Canonical("0.5Gi") == "512Mi");
  CHECK(Canonical("1.5Gi") == "1536Mi");
  CHECK(Canonical("1024Gi") == "1Ti");
  CHECK(Canonical("4096Mi") == "4Gi");
  CHECK(Canonical("2048Ki") == "2Mi");
  CHECK(Canonical("2Pi") == "2Pi");
  CHECK(Canonical("0.01Ti") == "10995116277760m");
  CHECK(Canonical("100m") == "100m");
  CHECK(Canonical("1500m") == "1500m");
  CHECK(Canonical("2048k") == "2048k");
  CHECK(Canonical("2000m") == "2");
  CHECK(Canonical("0.25") == "250m");
  CHECK(Canonical("0.75") == "750m");
  CHECK(Canonical("1000") == "1k");
  CHECK(Canonical("1500") == "1500");
  CHECK(Canonical("3") == "3");
  CHECK(Canonical("1e3") == "1e3");
  CHECK(Canonical("1.5e3") == "1500");
  CHECK(Canonical("0") == "0");
  CHECK(Canonical("0Gi") == "0");
  CHECK(Canonical("-1Gi") == "-1Gi");
  CHECK(Canonical("+5") == "5");
  CHECK(Canonical("0.1n") == "1n");  // finer than nano rounds up
  CHECK(Canonical("12E") == "12E");
  CHECK(Canonical("0.1Ki") == "102400m");  // a fraction of a byte: decimal SI
  CHECK(Canonical("1024Mi") == "1Gi");
}

TEST_CASE("text that is not a quantity is refused with upstream's message") {
  for (std::string_view bad : {"", "1 Gi", "12GB", "5e3M", "abc", "1..5", ".", "-", "1Gi "}) {
    absl::StatusOr<Quantity> q = Quantity::Parse(bad);
    INFO(bad);
    REQUIRE_FALSE(q.ok());
    CHECK(q.status().code() == absl::StatusCode::kInvalidArgument);
  }
  CHECK(std::string(Quantity::Parse("12GB").status().message()) == Quantity::kFormatError);
  CHECK(std::string(Quantity::Parse("5kk").status().message()) == "unable to parse quantity's suffix");
}

TEST_CASE("quantities compare by value whatever their format") {
  CHECK(*Quantity::Parse("1Gi") == *Quantity::Parse("1073741824"));
  CHECK(*Quantity::Parse("1") == *Quantity::Parse("1000m"));
  CHECK(Quantity::Parse("500m")->Compare(*Quantity::Parse("1")) < 0);
  CHECK(Quantity::Parse("2Gi")->Compare(*Quantity::Parse("2G")) > 0);
  CHECK(Quantity::Parse("-1")->Sign() == -1);
  CHECK(Quantity::Parse("250m")->MilliValue() == 250);
  CHECK(Quantity::Parse("1.5")->Value() == 2);
  CHECK(Quantity::Parse("1.5")->IsInteger() == false);
  CHECK(Quantity::Parse("3Mi")->IsInteger());
  // Far apart in scale and huge: compared without overflow; values saturate.
  const Quantity huge = *Quantity::Parse("999999999999999999999999999E");
  CHECK(huge.Compare(*Quantity::Parse("1n")) > 0);
  CHECK(Quantity::Parse("1n")->Compare(huge) < 0);
  CHECK(Quantity::Parse("-999999999999999999999999999E")->Compare(*Quantity::Parse("-1n")) < 0);
  CHECK(huge.Value() == std::numeric_limits<int64_t>::max());
  CHECK(huge.MilliValue() == std::numeric_limits<int64_t>::max());
}

}  // namespace
}  // namespace kop
