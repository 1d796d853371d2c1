#include "kop/api/names.h"

#include <string>

#include "catch2/catch.hpp"

namespace kop {
namespace {

TEST_CASE("DNS-1123 labels and subdomains are checked as Kubernetes checks them") {
  CHECK(IsDns1123Label("a"));
  CHECK(IsDns1123Label("0-web-1"));
  CHECK(IsDns1123Label(std::string(63, 'a')));
  CHECK_FALSE(IsDns1123Label(std::string(64, 'a')));
  CHECK_FALSE(IsDns1123Label(""));
  CHECK_FALSE(IsDns1123Label("-a"));
  CHECK_FALSE(IsDns1123Label("a-"));
  CHECK_FALSE(IsDns1123Label("Web"));
  CHECK_FALSE(IsDns1123Label("a.b"));

  CHECK(IsDns1123Subdomain("example.com"));
  CHECK(IsDns1123Subdomain("a"));
  CHECK(IsDns1123Subdomain(std::string(253, 'a')));
  CHECK_FALSE(IsDns1123Subdomain(std::string(254, 'a')));
  CHECK_FALSE(IsDns1123Subdomain(""));
  CHECK_FALSE(IsDns1123Subdomain("a..b"));
  CHECK_FALSE(IsDns1123Subdomain(".a"));
  CHECK_FALSE(IsDns1123Subdomain("a."));
  CHECK_FALSE(IsDns1123Subdomain("a.-b"));
  CHECK_FALSE(IsDns1123Subdomain("a_b"));
}

TEST_CASE("DNS-1035 labels start with a letter") {
  CHECK(IsDns1035Label("web-1"));
  CHECK_FALSE(IsDns1035Label("1web"));
  CHECK_FALSE(IsDns1035Label(std::string(64, 'a')));
  CHECK_FALSE(IsDns1035Label("web-"));
  CHECK_FALSE(IsDns1035Label("\xc3\xa9t\xc3\xa9"));
}

TEST_CASE("environment variable names and ConfigMap keys") {
  CHECK(IsEnvVarName("PATH"));
  CHECK(IsEnvVarName("_x.y-z9"));
  CHECK_FALSE(IsEnvVarName("9LIVES"));
  CHECK_FALSE(IsEnvVarName(""));
  CHECK_FALSE(IsEnvVarName("A B"));
  CHECK(IsConfigMapKey("app.properties"));
  CHECK(IsConfigMapKey(".hidden"));
  CHECK_FALSE(IsConfigMapKey("dir/file"));
  CHECK_FALSE(IsConfigMapKey(std::string(254, 'k')));
}

TEST_CASE("very long hostile names are refused without exhausting the stack") {
  // A recursive regex matcher overflows a small thread stack long before a megabyte.
  const std::string huge(1 << 20, 'a');
  CHECK_FALSE(IsDns1123Subdomain(huge));
  CHECK_FALSE(IsDns1123Label(huge));
  CHECK(IsEnvVarName(huge));
  CHECK_FALSE(IsConfigMapKey(huge));
}

}  // namespace
}  // namespace kop
