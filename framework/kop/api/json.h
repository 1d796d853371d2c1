// kop/api/json: the edge between text and nlohmann::json.
//
// nlohmann::json reports errors with exceptions; kop never lets one cross a module
// boundary. Parse text with ParseJson and describe values with JsonTypeName.
#ifndef KOP_API_JSON_H_
#define KOP_API_JSON_H_

#include <string>
#include <string_view>

#include "absl/status/statusor.h"
#include "nlohmann/json.hpp"

namespace kop {

using Json = nlohmann::json;

// Parses JSON text. InvalidArgument with the byte offset and what was expected when it is
// not valid JSON (including trailing garbage and empty input).
absl::StatusOr<Json> ParseJson(std::string_view text);

// Serialises compactly. Strings that are not valid UTF-8 are written with U+FFFD in place
// of the bad bytes instead of failing.
std::string DumpJson(const Json& j);

// "object", "array", "string", "integer", "number", "boolean" or "null".
std::string_view JsonTypeName(const Json& j);
std::string_view JsonTypeName(Json::value_t type);

// Lenient readers for documents from elsewhere (servers, files): the member `key` of `j` when
// `j` is an object and the member has the type asked for, `fallback` otherwise. Unlike
// Json::value they never throw.
std::string StringOr(const Json& j, std::string_view key, std::string_view fallback = "");
bool BoolOr(const Json& j, std::string_view key, bool fallback);
// A JSON array member, or an empty array.
const Json& ArrayOr(const Json& j, std::string_view key);

}  // namespace kop

#endif  // KOP_API_JSON_H_
