// Field selectors (`?fieldSelector=metadata.name=web,status.phase!=Running`), as the API
// server supports them: equality and inequality on a per-resource set of fields.
#ifndef KOP_TESTING_INTERNAL_FIELD_SELECTOR_H_
#define KOP_TESTING_INTERNAL_FIELD_SELECTOR_H_

#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "kop/api/object.h"

namespace kop::testing::internal {

class FieldSelector {
 public:
  struct Requirement {
    std::string field;
    bool equals;  // false: !=
    std::string value;
  };

  // Parses and checks every field against metadata.name, metadata.namespace and `supported`.
  // Errors are the 400 BadRequest Status the API server answers.
  static absl::StatusOr<FieldSelector> Parse(std::string_view text,
                                             const std::set<std::string>& supported);

  bool Matches(const Object& obj) const;
  bool empty() const { return requirements_.empty(); }
  // The value a field selector compares for `field` ("" when absent).
  static std::string FieldValue(const Object& obj, const std::string& field);

 private:
  std::vector<Requirement> requirements_;
};

}  // namespace kop::testing::internal

#endif  // KOP_TESTING_INTERNAL_FIELD_SELECTOR_H_
