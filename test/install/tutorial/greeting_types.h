// The Greeting custom resource, declared in C++: crds/ is generated from it.
#ifndef API_V1_GREETING_TYPES_H_
#define API_V1_GREETING_TYPES_H_

#include <optional>
#include <string>
#include <vector>

#include "kop/api/condition.h"
#include "kop/api/resource.h"
#include "kop/k8s/meta/v1.h"

namespace tutorial::v1 {

struct GreetingSpec {
  std::string message;
  std::string target;
  kop::Json unknown_fields;

  static constexpr auto kFields = kop::Fields(
      kop::Field("message", &GreetingSpec::message).Default("\"Hello\"").Doc("How to greet."),
      kop::Field("target", &GreetingSpec::target).Default("\"world\"").Doc("Whom to greet."));
  friend bool operator==(const GreetingSpec&, const GreetingSpec&) = default;
};

struct GreetingStatus {
  std::optional<int64_t> observed_generation;
  std::vector<kop::Condition> conditions;
  kop::Json unknown_fields;

  static constexpr auto kFields = kop::Fields(
      kop::Field("observedGeneration", &GreetingStatus::observed_generation),
      kop::Field("conditions", &GreetingStatus::conditions).ListMapKeys({"type"}));
  friend bool operator==(const GreetingStatus&, const GreetingStatus&) = default;
};

struct Greeting {
  static constexpr kop::StaticGroupVersionKind kGroupVersionKind{"tutorial.example.com", "v1", "Greeting"};
  static constexpr kop::ResourceOptions kResource{
      .plural = "greetings",
      .status_subresource = true,
      .printer_columns = {{.name = "Message", .type = "string", .json_path = ".spec.message"}}};

  kop::k8s::meta::v1::ObjectMeta metadata;
  GreetingSpec spec;
  std::optional<GreetingStatus> status;
  kop::Json unknown_fields;

  static constexpr auto kFields = kop::Fields(kop::Field("metadata", &Greeting::metadata),
                                              kop::Field("spec", &Greeting::spec),
                                              kop::Field("status", &Greeting::status));
  friend bool operator==(const Greeting&, const Greeting&) = default;
};

}  // namespace tutorial::v1

#endif  // API_V1_GREETING_TYPES_H_
