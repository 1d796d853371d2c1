// kop: the command-line tool of kop's users.
//
//   kop init --domain acme.io [--project NAME] [--force] DIR
//   kop create api --group G --version V --kind K [--plural P] [--cluster-scoped] [--force]
//   kop version
#include <iostream>
#include <string>
#include <vector>

#include "kop/base/version.h"
#include "kop/scaffold/scaffold.h"

namespace {

constexpr char kUsage[] = R"(kop: start and grow Kubernetes operators written in C++ on kop.

Usage:
  kop init --domain DOMAIN [--project NAME] [--force] DIR
      a new project in DIR (created when missing): CMakeLists.txt (find_package(kop)),
      main.cc on kop's operator skeleton, README.md, Dockerfile, a Helm chart, .gitignore
  kop create api --group GROUP --version VERSION --kind KIND [--plural PLURAL]
                 [--cluster-scoped] [--force] [--dir DIR]
      a resource GROUP.DOMAIN/VERSION KIND in the project (default: the current folder): its
      types, CRD, sample, a reconciler registered in main.cc, and an integration test
  kop version
      the version of kop

Files that exist with other contents (your edits) are never overwritten without --force.
)";

int Fail(const std::string& message) {
  std::cerr << "kop: " << message << "\n";
  return 2;
}

}  // namespace

int main(int argc, char** argv) {
  std::vector<std::string> args(argv + 1, argv + argc);
  if (args.empty() || args[0] == "-h" || args[0] == "--help" || args[0] == "help") {
    std::cout << kUsage;
    return args.empty() ? 2 : 0;
  }
  if (args[0] == "version" || args[0] == "--version") {
    std::cout << "kop " << kop::Version() << "\n";
    return 0;
  }
  const bool init = args[0] == "init";
  const bool create_api = args[0] == "create" && args.size() > 1 && args[1] == "api";
  if (!init && !create_api) return Fail("unknown command \"" + args[0] + "\" (see kop --help)");
  std::string domain, project, group, version, kind, plural, dir;
  bool force = false, cluster_scoped = false;
  std::vector<std::string> positional;
  for (size_t i = create_api ? 2 : 1; i < args.size(); ++i) {
    std::string a = args[i];
    std::string value;
    bool has_value = false;
    if (size_t eq = a.find('='); a.rfind("--", 0) == 0 && eq != std::string::npos) {
      value = a.substr(eq + 1);
      a.resize(eq);
      has_value = true;
    }
    auto take = [&](std::string* target) -> bool {
      if (!has_value) {
        if (i + 1 >= args.size()) return false;
        value = args[++i];
      }
      *target = value;
      return true;
    };
    bool ok = true;
    if (a == "--force") force = true;
    else if (a == "--cluster-scoped" && create_api) cluster_scoped = true;
    else if (a == "--domain" && init) ok = take(&domain);
    else if (a == "--project" && init) ok = take(&project);
    else if (a == "--group" && create_api) ok = take(&group);
    else if (a == "--version" && create_api) ok = take(&version);
    else if (a == "--kind" && create_api) ok = take(&kind);
    else if (a == "--plural" && create_api) ok = take(&plural);
    else if (a == "--dir" && create_api) ok = take(&dir);
    else if (a.rfind("-", 0) == 0) return Fail("unknown flag " + a + " (see kop --help)");
    else positional.push_back(a);
    if (!ok) return Fail(a + " needs a value");
  }
  absl::StatusOr<kop::scaffold::Report> report;
  if (init) {
    if (positional.size() != 1) return Fail("init: give one folder (kop init --domain acme.io DIR)");
    report = kop::scaffold::Init({.dir = positional[0], .domain = domain, .project = project, .force = force});
  } else {
    if (!positional.empty()) return Fail("create api: unexpected argument \"" + positional[0] + "\"");
    report = kop::scaffold::CreateApi({.dir = dir, .group = group, .version = version, .kind = kind,
                                       .plural = plural, .namespaced = !cluster_scoped, .force = force});
  }
  if (!report.ok()) {
    std::cerr << "kop: " << report.status().message() << "\n";
    return 1;
  }
  for (const std::string& line : *report) std::cout << line << "\n";
  return 0;
}
