#include "kop/testing/internal/media.h"

#include <algorithm>
#include <cstdlib>

namespace kop::testing::internal {
namespace {

std::string Trim(std::string_view s) {
  size_t a = 0;
  size_t b = s.size();
  while (a < b && (s[a] == ' ' || s[a] == '\t')) ++a;
  while (b > a && (s[b - 1] == ' ' || s[b - 1] == '\t')) --b;
  return std::string(s.substr(a, b - a));
}

bool IsJsonType(const std::string& type) {
  return type == "application/json" || type == "*/*" || type == "application/*";
}

bool IsYamlType(const std::string& type) { return type == "application/yaml"; }

}  // namespace

std::vector<MediaRange> ParseAccept(std::string_view accept) {
  std::vector<MediaRange> out;
  if (Trim(accept).empty()) {
    out.push_back({.type = "*/*"});
    return out;
  }
  size_t start = 0;
  while (start <= accept.size()) {
    size_t comma = accept.find(',', start);
    if (comma == std::string_view::npos) comma = accept.size();
    const std::string_view range = accept.substr(start, comma - start);
    start = comma + 1;
    MediaRange m;
    size_t p = 0;
    bool first = true;
    while (p <= range.size()) {
      size_t semi = range.find(';', p);
      if (semi == std::string_view::npos) semi = range.size();
      const std::string part = Trim(range.substr(p, semi - p));
      p = semi + 1;
      if (first) {
        m.type = part;
        for (char& c : m.type) c = static_cast<char>(tolower(static_cast<unsigned char>(c)));
        first = false;
      } else if (const size_t eq = part.find('='); eq != std::string::npos) {
        const std::string key = Trim(part.substr(0, eq));
        const std::string value = Trim(part.substr(eq + 1));
        if (key == "q") {
          char* end = nullptr;
          const double q = std::strtod(value.c_str(), &end);
          m.q = end != value.c_str() ? std::clamp(q, 0.0, 1.0) : 1.0;
        } else {
          m.params[key] = value;
        }
      }
    }
    if (!m.type.empty() && m.q > 0) out.push_back(std::move(m));
  }
  std::stable_sort(out.begin(), out.end(), [](const MediaRange& a, const MediaRange& b) { return a.q > b.q; });
  return out;
}

Representation Negotiate(std::string_view accept, bool list) {
  // The common headers, without parsing them.
  if (accept.empty() || accept == "application/json" || accept == "*/*") return Representation::kObject;
  bool conversion_refused = false;  // a JSON range asked for a representation not served
  for (const MediaRange& m : ParseAccept(accept)) {
    const bool json = IsJsonType(m.type);
    if (!json && !IsYamlType(m.type)) continue;  // protobuf, ...: not offered
    auto as = m.params.find("as");
    if (as == m.params.end()) return Representation::kObject;
    if (!json) continue;
    conversion_refused = true;
    auto g = m.params.find("g");
    auto v = m.params.find("v");
    if (g == m.params.end() || g->second != "meta.k8s.io" || v == m.params.end() ||
        (v->second != "v1" && v->second != "v1beta1")) {
      continue;
    }
    if (as->second == "Table") return Representation::kTable;
    if (as->second == (list ? "PartialObjectMetadataList" : "PartialObjectMetadata")) return Representation::kMetadata;
  }
  return conversion_refused ? Representation::kNotAcceptableConversion : Representation::kNotAcceptable;
}

std::string_view ContentTypeOf(Representation, bool) {
  // kube-apiserver names the serializer's media type, not the representation asked for:
  // Tables and PartialObjectMetadata(List) answer as plain application/json (the body's kind
  // says what it is).
  return "application/json";
}

DiscoveryFormat NegotiateDiscovery(std::string_view accept) {
  for (const MediaRange& m : ParseAccept(accept)) {
    const bool json = IsJsonType(m.type);
    if (!json && !IsYamlType(m.type)) continue;
    auto as = m.params.find("as");
    if (as == m.params.end()) return DiscoveryFormat::kLegacy;
    if (!json || as->second != "APIGroupDiscoveryList") continue;
    auto g = m.params.find("g");
    auto v = m.params.find("v");
    if (g == m.params.end() || g->second != "apidiscovery.k8s.io" || v == m.params.end()) continue;
    if (v->second == "v2") return DiscoveryFormat::kAggregatedV2;
    if (v->second == "v2beta1") return DiscoveryFormat::kAggregatedV2beta1;
  }
  return DiscoveryFormat::kNotAcceptable;
}

std::string AggregatedDiscoveryContentType(DiscoveryFormat format) {
  const char* v = format == DiscoveryFormat::kAggregatedV2beta1 ? "v2beta1" : "v2";
  return std::string("application/json;g=apidiscovery.k8s.io;v=") + v + ";as=APIGroupDiscoveryList";
}

bool PrefersYaml(std::string_view accept) {
  // Every answer asks this: most Accept headers never mention YAML, and need no parsing.
  if (accept.find("yaml") == std::string_view::npos) return false;
  for (const MediaRange& m : ParseAccept(accept)) {
    if (IsYamlType(m.type)) return m.params.find("as") == m.params.end();
    if (IsJsonType(m.type)) return false;
  }
  return false;
}

}  // namespace kop::testing::internal
