// Comparing an answer with one recorded from a real kube-apiserver.
//
// The corpus under shared/conformance records answers with volatile values replaced by
// placeholders (<uid:N>, <rv:N>, <rv:N+>, <time>, <ip:N>, <nodeport:N>, <generated:5>,
// <token>, <continue>, <age>, <version>, <str>, <n>), alone or inside strings. Match compares
// a live answer with such a recording: same keys (an omitted empty field is a difference), same
// list order, same values, where a placeholder matches any value of its kind and equal
// placeholders must stand for equal values within one scenario (Bindings), and <rv:N> order
// must hold. Not thread-safe; one Bindings per scenario run.
#ifndef KOP_TEST_CONFORMANCE_MATCH_H_
#define KOP_TEST_CONFORMANCE_MATCH_H_

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "kop/api/json.h"

namespace kop::conformance {

// What the placeholders of one scenario stand for, as far as its answers so far tell.
class Bindings {
 public:
  // Binds `placeholder` ("<uid:3>") to `value`. Fails (with `why`) when the placeholder
  // stands for another value already, another placeholder of its kind stands for `value`, or
  // a resourceVersion breaks the recorded order.
  bool Bind(const std::string& placeholder, const std::string& value, std::string* why);

 private:
  bool CheckVersionOrder(std::string* why) const;

  std::map<std::string, std::string> forward_;   // placeholder -> value
  std::map<std::string, std::string> backward_;  // kind + value -> placeholder
  std::map<int, uint64_t> versions_;             // <rv:N> -> value
  std::vector<std::pair<int, uint64_t>> list_versions_;  // <rv:N+> -> value
};

// Whether `got` matches the recorded `want`. On a mismatch, `why` names the first differing
// path ("body.metadata.labels: missing key \"a\""). Bindings made before a mismatch stay.
bool Match(const Json& want, const Json& got, Bindings& bindings, const std::string& path,
           std::string* why);

// Whether the string has a placeholder Match understands.
bool HasPlaceholder(const std::string& s);

// The value at a corpus JSON path: dot-separated keys, [i] list indexes, [key=value] the first
// list element whose `key` equals `value`. Null when absent (`found` false).
Json AtPath(const Json& doc, const std::string& path, bool* found);

}  // namespace kop::conformance

#endif  // KOP_TEST_CONFORMANCE_MATCH_H_
