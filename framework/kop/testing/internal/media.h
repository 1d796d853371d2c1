// Content negotiation: which media type and representation an Accept header asks for.
//
// Ranges are taken in the client's order of preference: by q-value (highest first, q=0 never),
// then as listed. JSON is the server's native form; YAML (application/yaml) is the same
// document re-encoded (EncodeYamlIfAsked); `as=` asks for another representation of the
// objects (Table, PartialObjectMetadata) or, on /api and /apis, aggregated discovery.
#ifndef KOP_TESTING_INTERNAL_MEDIA_H_
#define KOP_TESTING_INTERNAL_MEDIA_H_

#include <map>
#include <string>
#include <string_view>
#include <vector>

namespace kop::testing::internal {

struct MediaRange {
  std::string type;                           // "application/json", "*/*", ...
  std::map<std::string, std::string> params;  // "as", "g", "v" (q removed)
  double q = 1;
};

// The ranges of an Accept header in preference order; an empty header is one "*/*" range.
std::vector<MediaRange> ParseAccept(std::string_view accept);

enum class Representation {
  kObject,
  kTable,
  kMetadata,
  kNotAcceptable,            // no media type listed is served
  kNotAcceptableConversion,  // JSON is, but not as the representation (as=...) asked for
};

// The first representation in an Accept header this server can give a get or watch
// (`list` false) or a list (`list` true): kObject for plain JSON or YAML (or no Accept
// header), kNotAcceptable when nothing listed can be served (a 406).
Representation Negotiate(std::string_view accept, bool list);

// The Content-Type of a response in a representation (always application/json, as upstream).
std::string_view ContentTypeOf(Representation r, bool list);

// What GET /api or /apis answers: the legacy document (JSON or YAML), aggregated discovery in
// apidiscovery.k8s.io/v2 or v2beta1, or nothing acceptable.
enum class DiscoveryFormat { kLegacy, kAggregatedV2, kAggregatedV2beta1, kNotAcceptable };
DiscoveryFormat NegotiateDiscovery(std::string_view accept);

// "application/json;g=apidiscovery.k8s.io;v=<v>;as=APIGroupDiscoveryList".
std::string AggregatedDiscoveryContentType(DiscoveryFormat format);

// True when the most preferred range the server can answer is YAML: a plain-JSON answer is
// then re-encoded as YAML.
bool PrefersYaml(std::string_view accept);

}  // namespace kop::testing::internal

#endif  // KOP_TESTING_INTERNAL_MEDIA_H_
