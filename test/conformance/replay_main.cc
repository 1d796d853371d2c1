// kop-conformance-replay: replays the conformance corpus against the embedded API server (or
// the cluster KOP_TEST_KUBECONFIG names) and compares every answer with the recording.
//
//   replay --corpus DIR [--area AREA] [--known FILE] [--report FILE] [--verbose]
//
// Prints one line per step that differs and a pass rate per area. Against the embedded server
// it fails (exit 1) when a step differs that FILE does not list as a known difference; a listed
// difference that no longer occurs is reported, so the list can shrink. Against a real cluster
// differences are reported only: the corpus is from v1.24, and newer servers legitimately
// differ (see the corpus README). Exits 77 (ctest's "skipped") when the corpus is absent.
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <set>
#include <sstream>
#include <unistd.h>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "conformance/replayer.h"
#include "kop/testing/apiserver.h"

namespace {

std::string ReadFile(const std::string& path) {
  std::ifstream in(path);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

// "area/scenario/step  reason" lines; '#' starts a comment.
std::map<std::string, std::string> ReadKnown(const std::string& path) {
  std::map<std::string, std::string> known;
  std::istringstream in(ReadFile(path));
  std::string line;
  while (std::getline(in, line)) {
    const std::string l(absl::StripAsciiWhitespace(line));
    if (l.empty() || l[0] == '#') continue;
    const size_t space = l.find_first_of(" \t");
    const std::string id = l.substr(0, space);
    known[id] = space == std::string::npos ? "" : std::string(absl::StripAsciiWhitespace(l.substr(space)));
  }
  return known;
}

int Usage(const std::string& why) {
  std::cerr << "replay: " << why << "\nusage: replay --corpus DIR [--area AREA] [--known FILE] [--report FILE] [--verbose]\n";
  return 2;
}

}  // namespace

int main(int argc, char** argv) {
  std::string corpus, area, known_file, report_file;
  bool verbose = false;
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    auto next = [&](std::string* out) {
      if (i + 1 >= argc) return false;
      *out = argv[++i];
      return true;
    };
    if (arg == "--verbose") {
      verbose = true;
    } else if (!((arg == "--corpus" && next(&corpus)) || (arg == "--area" && next(&area)) ||
                 (arg == "--known" && next(&known_file)) || (arg == "--report" && next(&report_file)))) {
      return Usage("unknown or incomplete argument \"" + arg + "\"");
    }
  }
  const std::string dir = kop::conformance::CorpusDir(corpus);
  if (dir.empty()) {
    std::cout << "SKIPPED: no conformance corpus at \"" << corpus
              << "\" (set KOP_CONFORMANCE_DIR, or check out shared/ beside the repository)\n";
    return 77;
  }
  std::vector<std::filesystem::path> files;
  for (const auto& entry : std::filesystem::recursive_directory_iterator(dir)) {
    if (entry.path().extension() != ".json") continue;
    if (!area.empty() && entry.path().parent_path().filename() != area) continue;
    files.push_back(entry.path());
  }
  std::sort(files.begin(), files.end());
  if (files.empty()) return Usage("no scenarios under " + dir + (area.empty() ? "" : " for area " + area));

  std::unique_ptr<kop::testing::ApiServer> server;
  std::string kubeconfig;
  const char* real = std::getenv("KOP_TEST_KUBECONFIG");
  if (real != nullptr && *real != '\0') {
    kubeconfig = real;
  } else {
    auto started = kop::testing::ApiServer::Start();
    if (!started.ok()) {
      std::cerr << "replay: starting the embedded API server: " << started.status() << "\n";
      return 1;
    }
    server = *std::move(started);
    kubeconfig = absl::StrCat("/tmp/kop-replay-", getpid(), ".yaml");
    if (absl::Status s = server->WriteKubeconfig(kubeconfig); !s.ok()) {
      std::cerr << "replay: " << s << "\n";
      return 1;
    }
  }
  auto auth = kop::test::ClusterAuth::FromKubeconfig(kubeconfig);
  if (server != nullptr) std::remove(kubeconfig.c_str());
  if (!auth.ok()) {
    std::cerr << "replay: " << auth.status() << "\n";
    return 1;
  }
  kop::test::HttpClient http(*std::move(auth));
  kop::conformance::Replayer replayer(http);
  const std::map<std::string, std::string> known = known_file.empty() ? std::map<std::string, std::string>{}
                                                                        : ReadKnown(known_file);

  struct Tally {
    int compared = 0, passed = 0;
  };
  std::map<std::string, Tally> by_area;
  int unexpected = 0;
  std::set<std::string> seen_known;
  kop::Json report = kop::Json::array();
  for (const auto& file : files) {
    absl::StatusOr<kop::Json> scenario = kop::ParseJson(ReadFile(file.string()));
    if (!scenario.ok()) {
      std::cerr << "replay: " << file.string() << ": " << scenario.status() << "\n";
      return 1;
    }
    const kop::conformance::ScenarioOutcome outcome = replayer.Run(*scenario);
    for (const auto& step : outcome.steps) {
      if (!step.compared) continue;
      Tally& t = by_area[outcome.area];
      ++t.compared;
      t.passed += step.passed ? 1 : 0;
      report.push_back({{"step", step.id}, {"passed", step.passed}, {"difference", step.difference}});
      if (step.passed) {
        if (verbose) std::cout << "ok      " << step.id << "\n";
        continue;
      }
      auto k = known.find(step.id);
      if (k != known.end()) {
        seen_known.insert(step.id);
        std::cout << "known   " << step.id << ": " << step.difference << "\n";
      } else {
        ++unexpected;
        std::cout << "DIFFERS " << step.id << ": " << step.difference << "\n";
      }
    }
  }
  for (const auto& [id, reason] : known) {
    const bool in_scope = area.empty() || id.rfind(area + "/", 0) == 0;
    if (in_scope && !seen_known.count(id)) std::cout << "note: listed as a known difference but matches now: " << id << "\n";
  }
  int compared = 0, passed = 0;
  for (const auto& [name, t] : by_area) {
    std::printf("conformance %-22s %4d/%-4d steps match (%.0f%%)\n", name.c_str(), t.passed, t.compared,
                t.compared == 0 ? 100.0 : 100.0 * t.passed / t.compared);
    compared += t.compared;
    passed += t.passed;
  }
  std::printf("conformance %-22s %4d/%-4d steps match; %d unlisted differences\n", "total", passed, compared, unexpected);
  if (!report_file.empty()) std::ofstream(report_file) << report.dump(1) << "\n";
  if (server == nullptr) {
    std::cout << "against a real cluster: differences reported, not failed (the corpus is from v1.24)\n";
    return 0;
  }
  return unexpected == 0 ? 0 : 1;
}
