// Replays a scenario of the conformance corpus (shared/conformance, recorded against a real
// kube-apiserver) against a server and compares every answer with the recording.
//
// The corpus's README defines the format: steps with a method, path, query, headers and body;
// values saved from one answer for later requests; polls until a condition; watches with
// nested steps. Replayer follows it: it substitutes the placeholders of requests (${ns},
// ${sfx}, ${grp}, saved values), creates the scenario's namespaces (each with a `default`
// ServiceAccount) and deletes them and the cleanup paths afterwards, and compares each
// recorded step (code, media type, body, watch events, warnings) with match.h's rules.
//
// Not thread-safe; one Replayer per thread.
#ifndef KOP_TEST_CONFORMANCE_REPLAYER_H_
#define KOP_TEST_CONFORMANCE_REPLAYER_H_

#include <map>
#include <string>
#include <vector>

#include "conformance/match.h"
#include "kop/api/json.h"
#include "support/http_client.h"

namespace kop::conformance {

struct StepOutcome {
  std::string id;         // "area/scenario/step" ("…/watch-step/inner-step" inside a watch)
  bool compared = false;  // false for unstable or unrecorded steps
  bool passed = false;
  std::string difference;  // the first difference found, when !passed
};

struct ScenarioOutcome {
  std::string area;
  std::string scenario;
  std::vector<StepOutcome> steps;
};

class Replayer {
 public:
  explicit Replayer(const test::HttpClient& http) : http_(http) {}

  // Runs one scenario (the parsed JSON of a corpus file).
  ScenarioOutcome Run(const Json& scenario);

 private:
  struct Answer {
    Json recorded;  // the answer in the corpus's form: code, contentType, body, warnings, events
    Json body;      // the whole body, for `save`
  };
  Answer Execute(const Json& step, const std::string& id, std::vector<StepOutcome>& outcomes);
  Answer Send(const Json& step);
  Answer Watch(const Json& step, const std::string& id, std::vector<StepOutcome>& outcomes);
  void Record(const Json& step, const Answer& answer, const std::string& id, std::vector<StepOutcome>& outcomes);
  Json Substitute(const Json& value) const;
  std::string SubstituteText(const std::string& text) const;
  Json ExpectedFor(const Json& recorded) const;
  std::string Target(const Json& step) const;

  const test::HttpClient& http_;
  std::string user_agent_;
  std::map<std::string, Json> vars_;  // placeholder name -> value
  Bindings* bindings_ = nullptr;  // the running scenario's
};

// The corpus folder: $KOP_CONFORMANCE_DIR, else `fallback`. Empty when neither exists.
std::string CorpusDir(const std::string& fallback);

}  // namespace kop::conformance

#endif  // KOP_TEST_CONFORMANCE_REPLAYER_H_
