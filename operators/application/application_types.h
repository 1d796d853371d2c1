// The Application custom resource (example.com/v1), declared in C++: its spec and status
// structs with their validation, and the resource's names, subresources and printer columns.
// crds/application.yaml (and the chart's copy) is generated from this declaration by
// `cmake --build build --target application-crds`; the test
// `unit:application-crd-matches-its-declaration` fails when the committed YAML differs.
#ifndef KOP_OPERATORS_APPLICATION_APPLICATION_TYPES_H_
#define KOP_OPERATORS_APPLICATION_APPLICATION_TYPES_H_

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "absl/time/time.h"
#include "kop/api/condition.h"
#include "kop/api/resource.h"
#include "kop/k8s/meta/v1.h"

namespace application {

struct EnvVar {
  std::string name;
  std::string value;
  kop::Json unknown_fields;

  static constexpr auto kFields = kop::Fields(kop::Field("name", &EnvVar::name).Required().MinLength(1),
                                              kop::Field("value", &EnvVar::value));
  friend bool operator==(const EnvVar&, const EnvVar&) = default;
};

struct Resources {
  std::map<std::string, kop::Quantity> requests;
  std::map<std::string, kop::Quantity> limits;
  kop::Json unknown_fields;

  static constexpr auto kFields = kop::Fields(kop::Field("requests", &Resources::requests),
                                              kop::Field("limits", &Resources::limits));
  friend bool operator==(const Resources&, const Resources&) = default;
};

struct ApplicationSpec {
  std::string image;
  std::optional<int32_t> replicas;
  std::optional<int32_t> port;
  std::vector<EnvVar> env;
  std::map<std::string, std::string> config;
  std::string service_type;
  std::optional<Resources> resources;
  kop::Json unknown_fields;

  static constexpr auto kFields = kop::Fields(
      kop::Field("image", &ApplicationSpec::image).Required().MinLength(1).Doc("The container image to run."),
      kop::Field("replicas", &ApplicationSpec::replicas).Minimum(0).Maximum(100).Default("1").Doc("How many pods to run."),
      kop::Field("port", &ApplicationSpec::port)
          .Minimum(1)
          .Maximum(65535)
          .Default("8080")
          .Doc("The port the container listens on and the Service exposes."),
      kop::Field("env", &ApplicationSpec::env).Doc("Environment variables of the container."),
      kop::Field("config", &ApplicationSpec::config)
          .Doc("Files for the container, as the data of a ConfigMap mounted at /etc/app."),
      kop::Field("serviceType", &ApplicationSpec::service_type)
          .Enum({"ClusterIP", "NodePort", "LoadBalancer"})
          .Default("\"ClusterIP\"")
          .Doc("The type of the Service."),
      kop::Field("resources", &ApplicationSpec::resources).Doc("The container's resource requests and limits."));
  friend bool operator==(const ApplicationSpec&, const ApplicationSpec&) = default;
};

struct ApplicationStatus {
  std::optional<int64_t> observed_generation;
  std::optional<int32_t> replicas;
  std::optional<int32_t> ready_replicas;
  std::string selector;
  std::string config_hash;
  std::vector<kop::Condition> conditions;
  kop::Json unknown_fields;

  static constexpr auto kFields = kop::Fields(
      kop::Field("observedGeneration", &ApplicationStatus::observed_generation),
      kop::Field("replicas", &ApplicationStatus::replicas), kop::Field("readyReplicas", &ApplicationStatus::ready_replicas),
      kop::Field("selector", &ApplicationStatus::selector), kop::Field("configHash", &ApplicationStatus::config_hash),
      kop::Field("conditions", &ApplicationStatus::conditions));
  friend bool operator==(const ApplicationStatus&, const ApplicationStatus&) = default;
};

// An application the operator runs as a Deployment behind a Service.
struct Application {
  static constexpr kop::StaticGroupVersionKind kGroupVersionKind{"example.com", "v1", "Application"};
  static constexpr kop::ResourceOptions kResource{
      .plural = "applications",
      .short_names = {"app"},
      .description = "An application the operator runs as a Deployment behind a Service.",
      .status_subresource = true,
      .scale = {.spec_replicas_path = ".spec.replicas",
                .status_replicas_path = ".status.replicas",
                .label_selector_path = ".status.selector"},
      .printer_columns = {{.name = "Image", .type = "string", .json_path = ".spec.image"},
                          {.name = "Desired", .type = "integer", .json_path = ".spec.replicas"},
                          {.name = "Ready", .type = "integer", .json_path = ".status.readyReplicas"},
                          {.name = "Age", .type = "date", .json_path = ".metadata.creationTimestamp"}}};

  kop::k8s::meta::v1::ObjectMeta metadata;
  ApplicationSpec spec;
  std::optional<ApplicationStatus> status;
  kop::Json unknown_fields;

  static constexpr auto kFields = kop::Fields(kop::Field("metadata", &Application::metadata),
                                              kop::Field("spec", &Application::spec).Required(),
                                              kop::Field("status", &Application::status));
  friend bool operator==(const Application&, const Application&) = default;
};

}  // namespace application

#endif  // KOP_OPERATORS_APPLICATION_APPLICATION_TYPES_H_
