// kop/api/patch: the patch formats the API server accepts.
//
// JSON Merge Patch (RFC 7386, `application/merge-patch+json`): objects merge key by key,
// null deletes a key, anything else (arrays included) replaces. JSON Patch (RFC 6902,
// `application/json-patch+json`): a list of add/remove/replace/move/copy/test operations
// addressed by JSON Pointers (RFC 6901).
//
//   kop::Json patch = kop::CreateMergePatch(before.json(), after.json());
//   KOP_ASSIGN_OR_RETURN(kop::Json patched, kop::ApplyJsonPatch(obj.json(), ops));
#ifndef KOP_API_PATCH_H_
#define KOP_API_PATCH_H_

#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "kop/api/json.h"

namespace kop {

// The merge patch that turns `original` into `modified`: {} when they are equal.
// A null in `modified` cannot be expressed (null means delete in a merge patch); such a key
// is deleted by the patch.
Json CreateMergePatch(const Json& original, const Json& modified);

// Applies a merge patch. Never fails: every JSON value is a valid merge patch.
Json ApplyMergePatch(Json target, const Json& patch);

// Applies a JSON Patch (an array of operations) atomically: either every operation applies
// or `target` is returned unchanged inside an error. InvalidArgument names the operation's
// index, op and path and what was wrong (malformed operation, path that does not exist,
// array index out of range, failed test).
absl::StatusOr<Json> ApplyJsonPatch(Json target, const Json& patch);

// Splits a JSON Pointer into unescaped reference tokens ("/a~1b/c" -> {"a/b", "c"}); "" is
// the whole document. InvalidArgument when it does not start with '/' or has a bad escape.
absl::StatusOr<std::vector<std::string>> ParseJsonPointer(std::string_view pointer);

}  // namespace kop

#endif  // KOP_API_PATCH_H_
