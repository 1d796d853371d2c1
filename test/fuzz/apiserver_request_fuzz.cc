// The embedded API server's request handling on arbitrary requests: "METHOD TARGET" on the
// first line, "Name: value" headers until an empty line, then the body. Every answer is a
// valid HTTP status with a JSON (or text) body; nothing crashes, whatever the path, query,
// media type or body.
#include <cstddef>
#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <string_view>

#include "kop/api/json.h"
#include "kop/api/yaml.h"
#include "kop/testing/apiserver.h"

namespace {

kop::testing::ApiServer& Server() {
  static kop::testing::ApiServer* server = [] {
    auto s = kop::testing::ApiServer::Start({.threads = 1});
    if (!s.ok()) __builtin_trap();
    // A CRD with a schema, so custom resources are in play too.
    const char* crd = R"({"apiVersion":"apiextensions.k8s.io/v1","kind":"CustomResourceDefinition",
      "metadata":{"name":"widgets.fuzz.example.com"},"spec":{"group":"fuzz.example.com","scope":"Namespaced",
      "names":{"plural":"widgets","singular":"widget","kind":"Widget"},
      "versions":[{"name":"v1","served":true,"storage":true,"subresources":{"status":{},"scale":{
        "specReplicasPath":".spec.replicas","statusReplicasPath":".status.replicas"}},
        "schema":{"openAPIV3Schema":{"type":"object","properties":{"spec":{"type":"object","properties":{
          "replicas":{"type":"integer","minimum":0},"tags":{"type":"array","x-kubernetes-list-type":"set",
          "items":{"type":"string"}}}}}}}}]}})";
    (void)(*s)->Create(*kop::Object::FromJson(*kop::ParseJson(crd)));
    return s->release();  // lives as long as the process
  }();
  return *server;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view input(reinterpret_cast<const char*>(data), size);
  const size_t eol = input.find('\n');
  const std::string_view first = input.substr(0, eol);
  const size_t space = first.find(' ');
  if (space == std::string_view::npos) return 0;
  const std::string method(first.substr(0, space));
  const std::string target(first.substr(space + 1));
  if (target.empty() || target[0] != '/') return 0;
  std::map<std::string, std::string> headers;
  std::string_view rest = eol == std::string_view::npos ? std::string_view() : input.substr(eol + 1);
  while (!rest.empty()) {
    const size_t end = rest.find('\n');
    const std::string_view line = rest.substr(0, end);
    rest = end == std::string_view::npos ? std::string_view() : rest.substr(end + 1);
    if (line.empty()) break;
    const size_t colon = line.find(": ");
    if (colon != std::string_view::npos) headers[std::string(line.substr(0, colon))] = std::string(line.substr(colon + 2));
  }
  const kop::testing::ApiServer::RawResponse r = Server().ServeWithoutHttp(method, target, headers, std::string(rest));
  if (r.code < 200 || r.code > 599) __builtin_trap();
  // Errors are Status objects (in JSON, or in YAML when the client prefers it), except
  // upstream's plain-text answer for a path no handler serves (a group the server does not
  // have, or a health check it does not run).
  const bool no_handler = r.code == 404 && r.body == "404 page not found\n";
  if (r.code >= 400 && r.code != 413 && !no_handler) {
    absl::StatusOr<kop::Json> status = kop::ParseJson(r.body);
    if (!status.ok()) status = kop::ParseYaml(r.body);
    if (!status.ok() || !status->is_object() || status->value("kind", "") != "Status") __builtin_trap();
  }
  return 0;
}
