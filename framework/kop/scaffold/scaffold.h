// kop/scaffold: what `kop init` and `kop create api` write (kubebuilder's two commands).
//
//   kop init --domain acme.io --project backup-operator DIR
//   cd DIR && kop create api --group backup --version v1 --kind Backup
//
// init writes a standalone project: CMakeLists.txt (find_package(kop), or kop as a
// subproject with -DKOP_SOURCE_DIR), main.cc on kop's operator skeleton, a README with its
// own two commands, a Dockerfile, a Helm chart, .gitignore, and a PROJECT file recording
// what was generated. create api adds a resource: its types, CRD, sample, a reconciler stub,
// its registration in main.cc and an integration test on kop::testkit.
//
// Files are never overwritten when they exist with other contents (a user's edits), unless
// `force`; an identical file is left alone, so re-running a command is harmless.
#ifndef KOP_SCAFFOLD_SCAFFOLD_H_
#define KOP_SCAFFOLD_SCAFFOLD_H_

#include <string>
#include <vector>

#include "absl/status/statusor.h"

namespace kop::scaffold {

struct InitOptions {
  std::string dir;
  std::string domain;   // e.g. acme.io
  std::string project;  // e.g. backup-operator (default: the folder's name)
  bool force = false;
};

struct ApiOptions {
  std::string dir;  // the project (where PROJECT is)
  std::string group;
  std::string version;
  std::string kind;
  std::string plural;  // default: the kind, lower case, plus "s" (or "es")
  bool namespaced = true;
  bool force = false;
};

// What a command did, one line per file: "create main.cc", "keep README.md (unchanged)",
// "update main.cc".
using Report = std::vector<std::string>;

absl::StatusOr<Report> Init(const InitOptions& options);
absl::StatusOr<Report> CreateApi(const ApiOptions& options);

}  // namespace kop::scaffold

#endif  // KOP_SCAFFOLD_SCAFFOLD_H_
