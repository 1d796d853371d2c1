// kop/api/label_selector: Kubernetes label selectors, parsed and matched.
//
// The text form the API server accepts in `?labelSelector=`: comma-separated requirements,
// all of which must hold:
//   app=web   app==web   tier!=db   env in (prod,staging)   env notin (dev)   canary   !canary
//   replicas>2   replicas<5
// `!=` and `notin` also match objects without the label, as upstream.
//
//   KOP_ASSIGN_OR_RETURN(kop::LabelSelector sel, kop::LabelSelector::Parse("app=web,!canary"));
//   if (sel.Matches(obj.labels())) ...
#ifndef KOP_API_LABEL_SELECTOR_H_
#define KOP_API_LABEL_SELECTOR_H_

#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "kop/api/json.h"
#include "kop/api/json_view.h"

namespace kop {

class LabelSelector {
 public:
  enum class Op { kEquals, kNotEquals, kIn, kNotIn, kExists, kDoesNotExist, kGreaterThan, kLessThan };
  struct Requirement {
    std::string key;
    Op op;
    std::vector<std::string> values;  // sorted
  };

  // The empty selector: matches everything.
  LabelSelector() = default;

  // Parses the text form. InvalidArgument describing the first bad requirement (bad key or
  // value syntax, missing value, unbalanced parentheses, unknown operator).
  static absl::StatusOr<LabelSelector> Parse(std::string_view text);

  // From a metav1.LabelSelector object ({matchLabels, matchExpressions}).
  static absl::StatusOr<LabelSelector> FromJson(const Json& j);

  bool Matches(const std::map<std::string, std::string>& labels) const;
  // Matches against a JSON object of labels (metadata.labels; null or absent = no labels).
  bool Matches(const Json* labels) const;
  // The same, read in place (a cached object's FindView({"metadata", "labels"})): no decode.
  bool Matches(JsonView labels) const;

  bool empty() const { return requirements_.empty(); }
  const std::vector<Requirement>& requirements() const { return requirements_; }
  // The canonical text form (requirements sorted by key), parseable again.
  std::string ToString() const;

 private:
  std::vector<Requirement> requirements_;
};

// Validates a label key ("prefix/name" or "name") and value as Kubernetes does; the error
// names what is wrong. Used for selectors and for object labels.
absl::Status ValidateLabelKey(std::string_view key);
absl::Status ValidateLabelValue(std::string_view value);

}  // namespace kop

#endif  // KOP_API_LABEL_SELECTOR_H_
