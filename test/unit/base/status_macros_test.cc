#include "kop/base/status_macros.h"

#include <string>

#include "catch2/catch.hpp"

namespace kop {
namespace {

absl::StatusOr<int> Half(int x) {
  if (x % 2 != 0) return absl::InvalidArgumentError("odd");
  return x / 2;
}

absl::StatusOr<int> Quarter(int x) {
  KOP_ASSIGN_OR_RETURN(int half, Half(x));
  KOP_ASSIGN_OR_RETURN(int quarter, Half(half));
  return quarter;
}

absl::Status CheckEven(int x) {
  KOP_RETURN_IF_ERROR(Half(x).status());
  return absl::OkStatus();
}

TEST_CASE("KOP_ASSIGN_OR_RETURN passes values through and returns the first error") {
  CHECK(Quarter(8).value() == 2);
  absl::StatusOr<int> odd = Quarter(6);
  REQUIRE_FALSE(odd.ok());
  CHECK(odd.status().code() == absl::StatusCode::kInvalidArgument);
}

TEST_CASE("KOP_RETURN_IF_ERROR returns the error and continues on success") {
  CHECK(CheckEven(4).ok());
  CHECK(CheckEven(3).message() == "odd");
}

}  // namespace
}  // namespace kop
