#include "conformance/replayer.h"

#include <cstdlib>
#include <filesystem>
#include <random>
#include <thread>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"

namespace kop::conformance {
namespace {

using Clock = std::chrono::steady_clock;

std::string PercentEncode(const std::string& s) {
  static const char kHex[] = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : s) {
    if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~') {
      out += static_cast<char>(c);
    } else {
      out += '%';
      out += kHex[c >> 4];
      out += kHex[c & 15];
    }
  }
  return out;
}

// j[key] when present, else an empty object (or list): no temporaries to iterate over.
const Json& Field(const Json& j, const char* key, bool list = false) {
  static const Json kEmptyObject = Json::object();
  static const Json kEmptyList = Json::array();
  if (j.is_object()) {
    auto it = j.find(key);
    if (it != j.end()) return *it;
  }
  return list ? kEmptyList : kEmptyObject;
}

std::string ScalarText(const Json& v) { return v.is_string() ? v.get<std::string>() : v.dump(); }

std::string MediaType(const std::string& content_type) {
  return absl::AsciiStrToLower(absl::StripAsciiWhitespace(content_type.substr(0, content_type.find(';'))));
}

bool ValidUtf8(const std::string& s) {
  for (size_t i = 0; i < s.size();) {
    const unsigned char c = static_cast<unsigned char>(s[i]);
    if (c == 0) return false;
    size_t n = c < 0x80 ? 1 : (c >> 5) == 6 ? 2 : (c >> 4) == 14 ? 3 : (c >> 3) == 30 ? 4 : 0;
    if (n == 0 || i + n > s.size()) return false;
    for (size_t k = 1; k < n; ++k) {
      if ((static_cast<unsigned char>(s[i + k]) >> 6) != 2) return false;
    }
    i += n;
  }
  return true;
}

// A body as the corpus records it: JSON, {"$text": …} or {"$binary": size}; null when empty.
Json RecordedBody(const std::string& body) {
  if (body.empty()) return nullptr;
  absl::StatusOr<Json> j = ParseJson(body);
  if (j.ok()) return *std::move(j);
  if (!ValidUtf8(body)) return Json{{"$binary", body.size()}};
  // The first 4000 characters (code points), as the recorder cut them.
  size_t bytes = 0;
  for (size_t chars = 0; bytes < body.size() && chars < 4000; ++chars) {
    const unsigned char c = static_cast<unsigned char>(body[bytes]);
    bytes += c < 0x80 ? 1 : (c >> 5) == 6 ? 2 : (c >> 4) == 14 ? 3 : 4;
  }
  return Json{{"$text", body.substr(0, bytes)}};
}

Json Picked(const Json& body, const Json& paths) {
  Json out = Json::object();
  for (const Json& p : paths) {
    const std::string path = p.get<std::string>();
    bool found = false;
    Json v = AtPath(body, path, &found);
    out[path] = found ? v : Json("<absent>");
  }
  return out;
}

bool PollDone(const Json& until, const Json& answer) {
  if (until.contains("code")) return answer.value("code", 0) == until["code"].get<int>();
  if (!until.contains("path")) return true;
  const Json& body = answer.contains("body") ? answer["body"] : Json();
  bool found = false;
  Json v = AtPath(body, until["path"].get<std::string>(), &found);
  if (until.contains("exists") && !until["exists"].get<bool>()) return !found;
  if (!found) return false;
  return !until.contains("equals") || v == until["equals"];
}

std::chrono::milliseconds Seconds(const Json& v, double fallback) {
  const double s = v.is_number() ? v.get<double>() : fallback;
  return std::chrono::milliseconds(static_cast<int64_t>(s * 1000));
}

}  // namespace

std::string CorpusDir(const std::string& fallback) {
  std::string dir = fallback;
  if (const char* env = std::getenv("KOP_CONFORMANCE_DIR"); env != nullptr && *env != '\0') dir = env;
  std::error_code ec;
  return std::filesystem::is_directory(dir, ec) ? dir : "";
}

std::string Replayer::SubstituteText(const std::string& text) const {
  std::string out;
  size_t i = 0;
  while (i < text.size()) {
    const size_t open = text.find("${", i);
    if (open == std::string::npos) break;
    const size_t close = text.find('}', open);
    if (close == std::string::npos) break;
    out.append(text, i, open - i);
    const std::string name = text.substr(open + 2, close - open - 2);
    auto it = vars_.find(name);
    out += it == vars_.end() ? text.substr(open, close - open + 1) : ScalarText(it->second);
    i = close + 1;
  }
  out.append(text, i, std::string::npos);
  return out;
}

Json Replayer::Substitute(const Json& value) const {
  if (value.is_string()) {
    const std::string& s = value.get_ref<const std::string&>();
    // A whole-string placeholder of a saved non-string value stands for that value.
    if (s.size() > 3 && s.rfind("${", 0) == 0 && s.back() == '}' && s.find("${", 2) == std::string::npos) {
      auto it = vars_.find(s.substr(2, s.size() - 3));
      if (it != vars_.end()) return it->second;
    }
    return SubstituteText(s);
  }
  if (value.is_object()) {
    Json out = Json::object();
    for (const auto& [k, v] : value.items()) out[SubstituteText(k)] = Substitute(v);
    return out;
  }
  if (value.is_array()) {
    Json out = Json::array();
    for (const Json& v : value) out.push_back(Substitute(v));
    return out;
  }
  return value;
}

// Recorded answers name the run's namespaces, groups and suffix as ${ns}, ${grp}, ${sfx}.
Json Replayer::ExpectedFor(const Json& recorded) const {
  if (recorded.is_string()) return SubstituteText(recorded.get<std::string>());
  if (recorded.is_object()) {
    Json out = Json::object();
    for (const auto& [k, v] : recorded.items()) out[SubstituteText(k)] = ExpectedFor(v);
    return out;
  }
  if (recorded.is_array()) {
    Json out = Json::array();
    for (const Json& v : recorded) out.push_back(ExpectedFor(v));
    return out;
  }
  return recorded;
}

std::string Replayer::Target(const Json& step) const {
  std::string target = SubstituteText(step.value("path", "/"));
  std::string query;
  for (const auto& [key, value] : Field(step, "query").items()) {
    const Json values = value.is_array() ? value : Json::array({value});
    for (const Json& v : values) {
      absl::StrAppend(&query, query.empty() ? "" : "&", PercentEncode(key), "=",
                      PercentEncode(ScalarText(Substitute(v))));
    }
  }
  if (!query.empty()) absl::StrAppend(&target, target.find('?') == std::string::npos ? "?" : "&", query);
  return target;
}

Replayer::Answer Replayer::Send(const Json& step) {
  const std::string method = step.value("method", "GET");
  std::vector<std::string> headers = {"User-Agent: " + user_agent_};
  bool content_type = false;
  for (const auto& [name, value] : Field(step, "headers").items()) {
    headers.push_back(name + ": " + SubstituteText(ScalarText(value)));
    content_type = content_type || absl::EqualsIgnoreCase(name, "Content-Type");
  }
  std::string body;
  if (step.contains("raw")) {
    body = SubstituteText(step["raw"].get<std::string>());
  } else if (step.contains("body")) {
    body = Substitute(step["body"]).dump();
  }
  if ((step.contains("raw") || step.contains("body")) && !content_type) {
    headers.push_back("Content-Type: application/json");
  }
  const test::HttpReply reply = http_.Send(method, Target(step), headers, body);
  Answer a;
  a.body = RecordedBody(reply.body);
  a.recorded = {{"code", reply.code}};
  auto ct = reply.headers.find("content-type");
  a.recorded["contentType"] = ct == reply.headers.end() ? "" : ct->second;
  a.recorded["body"] = a.body;
  if (reply.code >= 200 && reply.code < 300 && step.contains("pick")) a.recorded["body"] = Picked(a.body, step["pick"]);
  if (auto w = reply.headers.find("warning"); w != reply.headers.end()) {
    Json warnings = Json::array();
    for (absl::string_view line : absl::StrSplit(w->second, '\n')) warnings.push_back(std::string(line));
    a.recorded["warnings"] = warnings;
  }
  return a;
}

Replayer::Answer Replayer::Watch(const Json& step, const std::string& id, std::vector<StepOutcome>& outcomes) {
  const Json& watch = step["watch"];
  std::unique_ptr<test::WatchStream> stream = http_.Watch(Target(step));
  // The recorder gave the watch this long to be registered before its nested steps.
  std::this_thread::sleep_for(Seconds(watch.value("settle", Json()), 0.3));
  for (const Json& inner : Field(watch, "steps", true)) {
    Execute(inner, id + "/" + inner.value("name", "?"), outcomes);
  }
  const size_t want_events = watch.value("events", static_cast<size_t>(-1));
  const auto deadline = Clock::now() + Seconds(watch.value("wait", Json()), 8);
  Json events = Json::array();
  auto stop = deadline;
  while (true) {
    const auto now = Clock::now();
    if (now >= stop) break;
    std::optional<Json> e = stream->Next(std::chrono::duration_cast<std::chrono::milliseconds>(stop - now));
    if (!e.has_value()) {
      if (stream->Ended()) break;
      continue;
    }
    events.push_back(*std::move(e));
    if (events.size() >= want_events) stop = std::min(deadline, Clock::now() + std::chrono::milliseconds(400));
  }
  const bool closed = stream->Ended();
  Answer a;
  const long code = stream->code();
  a.recorded = {{"code", code}, {"contentType", stream->content_type()}};
  if (code != 200) {
    stream->WaitEnded(std::chrono::seconds(2));
    a.body = RecordedBody(stream->raw_body());
    a.recorded["body"] = a.body;
    events = Json::array();
  }
  if (watch.contains("pickEvents")) {
    for (Json& e : events) e = Picked(e, watch["pickEvents"]);
  }
  a.recorded["events"] = events;
  if (watch.value("recordClose", false)) a.recorded["streamClosedByServer"] = closed;
  return a;
}

Replayer::Answer Replayer::Execute(const Json& step, const std::string& id, std::vector<StepOutcome>& outcomes) {
  Answer answer;
  if (step.contains("watch")) {
    answer = Watch(step, id, outcomes);
  } else if (step.contains("poll")) {
    const Json& poll = step["poll"];
    const auto deadline = Clock::now() + Seconds(poll.value("timeout", Json()), 30);
    const auto interval = std::min(Seconds(poll.value("interval", Json()), 1), std::chrono::milliseconds(100));
    while (true) {
      answer = Send(step);
      if (PollDone(Field(poll, "until"), answer.recorded) || Clock::now() >= deadline) break;
      std::this_thread::sleep_for(interval);  // polling a condition, as the recorder did, up to its deadline
    }
  } else {
    answer = Send(step);
  }
  for (const auto& [var, path] : Field(step, "save").items()) {
    bool found = false;
    Json v = AtPath(answer.body, path.get<std::string>(), &found);
    if (found) vars_[var] = v;
  }
  Record(step, answer, id, outcomes);
  if (step.contains("sleepAfter")) std::this_thread::sleep_for(Seconds(step["sleepAfter"], 0));
  return answer;
}

void Replayer::Record(const Json& step, const Answer& answer, const std::string& id,
                      std::vector<StepOutcome>& outcomes) {
  StepOutcome out{.id = id};
  const Json& response = step.contains("response") ? step["response"] : Json();
  if (step.value("unstable", false) || !response.is_object()) {
    outcomes.push_back(std::move(out));
    return;
  }
  out.compared = true;
  const Json want = ExpectedFor(response);
  const Json& got = answer.recorded;
  std::string why;
  if (want.value("code", 0) != got.value("code", 0)) {
    why = absl::StrCat("code: want ", want.value("code", 0), ", got ", got.value("code", 0));
    if (got.contains("body")) absl::StrAppend(&why, " (", got["body"].dump().substr(0, 300), ")");
  } else if (MediaType(want.value("contentType", "")) != MediaType(got.value("contentType", ""))) {
    why = absl::StrCat("contentType: want ", want.value("contentType", ""), ", got ", got.value("contentType", ""));
  } else {
    for (const char* key : {"body", "events", "streamClosedByServer", "warnings"}) {
      if (!want.contains(key)) continue;
      if (!got.contains(key)) {
        why = absl::StrCat(key, ": missing");
        break;
      }
      if (!Match(want[key], got[key], *bindings_, key, &why)) break;
    }
  }
  out.passed = why.empty();
  out.difference = std::move(why);
  outcomes.push_back(std::move(out));
}

ScenarioOutcome Replayer::Run(const Json& scenario) {
  ScenarioOutcome result{.area = scenario.value("area", ""), .scenario = scenario.value("scenario", "")};
  Bindings bindings;
  bindings_ = &bindings;
  user_agent_ = scenario.value("userAgent", "kop-conformance/1.0");
  vars_.clear();
  static std::mt19937 rng{std::random_device{}()};
  char sfx[9];
  std::snprintf(sfx, sizeof(sfx), "%08x", static_cast<unsigned>(rng()));
  vars_["sfx"] = sfx;
  vars_["grp"] = absl::StrCat("cf", sfx, ".conf.example");
  vars_["grp2"] = absl::StrCat("cf", sfx, "b.conf.example");
  vars_["big200k"] = std::string(200000, 'y');
  vars_["big300k"] = std::string(300000, 'z');
  std::vector<std::string> namespaces;
  for (const Json& n : Field(scenario, "namespaces", true)) {
    const std::string name = absl::StrCat("cf-", sfx, "-", n.get<std::string>());
    vars_[n.get<std::string>()] = name;
    namespaces.push_back(name);
    http_.Post("/api/v1/namespaces", {{"apiVersion", "v1"}, {"kind", "Namespace"}, {"metadata", {{"name", name}}}});
    http_.Post("/api/v1/namespaces/" + name + "/serviceaccounts",
               {{"apiVersion", "v1"}, {"kind", "ServiceAccount"}, {"metadata", {{"name", "default"}}}});
  }
  const std::string prefix = result.area + "/" + result.scenario + "/";
  for (const Json& step : Field(scenario, "steps", true)) {
    Execute(step, prefix + step.value("name", "?"), result.steps);
  }
  for (const Json& path : Field(scenario, "cleanup", true)) http_.Delete(SubstituteText(path.get<std::string>()));
  for (const std::string& ns : namespaces) http_.Delete("/api/v1/namespaces/" + ns);
  bindings_ = nullptr;
  return result;
}

}  // namespace kop::conformance
