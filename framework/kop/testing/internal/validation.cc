#include "kop/testing/internal/validation.h"

#include <regex>

#include "kop/api/label_selector.h"
#include "kop/base/strings.h"

namespace kop::testing::internal {
namespace {

constexpr char kSubdomainMessage[] =
    "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or "
    "'.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used "
    "for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')";
constexpr char kLabelMessage[] =
    "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and "
    "must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex "
    "used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')";
constexpr char kLabel1035Message[] =
    "a DNS-1035 label must consist of lower case alphanumeric characters or '-', start with an "
    "alphabetic character, and end with an alphanumeric character (e.g. 'my-name',  or "
    "'abc-123', regex used for validation is '[a-z]([-a-z0-9]*[a-z0-9])?')";

bool Matches(const std::string& s, const char* pattern) {
  static thread_local std::map<const char*, std::regex> cache;
  auto it = cache.find(pattern);
  if (it == cache.end()) it = cache.emplace(pattern, std::regex(pattern)).first;
  return std::regex_match(s, it->second);
}

}  // namespace

std::vector<FieldCause> ValidateObjectMeta(const ResourceInfo& info, const Object& obj,
                                           bool create) {
  std::vector<FieldCause> causes;
  const std::string& name = obj.name();
  if (name.empty()) {
    if (!create || obj.generate_name().empty()) {
      causes.push_back({"FieldValueRequired", "metadata.name",
                        "Required value: name or generateName is required"});
    }
  } else {
    const char* pattern = "[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*";
    const char* message = kSubdomainMessage;
    size_t max = 253;
    if (info.name_format == "label") {
      pattern = "[a-z0-9]([-a-z0-9]*[a-z0-9])?";
      message = kLabelMessage;
      max = 63;
    } else if (info.name_format == "label1035") {
      pattern = "[a-z]([-a-z0-9]*[a-z0-9])?";
      message = kLabel1035Message;
      max = 63;
    }
    if (name.size() > max) {
      causes.push_back({"FieldValueInvalid", "metadata.name",
                        kop::StrCat("Invalid value: \"", name, "\": must be no more than ", max,
                                    " characters")});
    } else if (!Matches(name, pattern)) {
      causes.push_back({"FieldValueInvalid", "metadata.name",
                        kop::StrCat("Invalid value: \"", name, "\": ", message)});
    }
  }
  for (const auto& [k, v] : obj.labels()) {
    if (absl::Status s = ValidateLabelKey(k); !s.ok()) {
      causes.push_back({"FieldValueInvalid", "metadata.labels",
                        kop::StrCat("Invalid value: \"", k, "\": ", s.message())});
    }
    if (absl::Status s = ValidateLabelValue(v); !s.ok()) {
      causes.push_back({"FieldValueInvalid", kop::StrCat("metadata.labels"),
                        kop::StrCat("Invalid value: \"", v, "\": ", s.message())});
    }
  }
  for (const auto& [k, v] : obj.annotations()) {
    if (absl::Status s = ValidateLabelKey(k); !s.ok()) {
      causes.push_back({"FieldValueInvalid", "metadata.annotations",
                        kop::StrCat("Invalid value: \"", k, "\": ", s.message())});
    }
  }
  return causes;
}

FieldCause ParseFieldCause(std::string_view message) {
  const size_t colon = message.find(": ");
  if (colon == std::string_view::npos) return {"FieldValueInvalid", "", std::string(message)};
  std::string rest(message.substr(colon + 2));
  std::string reason = "FieldValueInvalid";
  if (rest.rfind("Required value", 0) == 0) reason = "FieldValueRequired";
  if (rest.rfind("Unsupported value", 0) == 0) reason = "FieldValueNotSupported";
  return {reason, std::string(message.substr(0, colon)), rest};
}

}  // namespace kop::testing::internal
