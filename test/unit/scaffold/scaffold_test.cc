// `kop init` and `kop create api` into a scratch folder: what they write, what they refuse,
// and that re-running them never overwrites an edited file without --force.
#include "kop/scaffold/scaffold.h"

#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include "catch2/catch.hpp"

namespace kop::scaffold {
namespace {

namespace fs = std::filesystem;

struct Scratch {
  Scratch() : dir(fs::temp_directory_path() / ("kop-scaffold-" + std::to_string(getpid()) + "-" + std::to_string(++n))) {}
  ~Scratch() { fs::remove_all(dir); }
  std::string Read(const std::string& rel) const {
    std::ifstream in(dir / rel);
    std::stringstream s;
    s << in.rdbuf();
    return s.str();
  }
  static inline int n = 0;
  fs::path dir;
};

bool Has(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

TEST_CASE("scaffold: init writes a standalone project") {
  Scratch s;
  absl::StatusOr<Report> r = Init({.dir = (s.dir / "backup-operator").string(), .domain = "acme.io"});
  REQUIRE(r.ok());
  const fs::path p = s.dir / "backup-operator";
  for (const char* f : {"CMakeLists.txt", "main.cc", "README.md", ".gitignore", "Dockerfile", "PROJECT",
                        "charts/backup-operator/Chart.yaml", "charts/backup-operator/values.yaml",
                        "charts/backup-operator/templates/deployment.yaml"}) {
    INFO(f);
    CHECK(fs::exists(p / f));
  }
  const std::string cmake = s.Read("backup-operator/CMakeLists.txt");
  CHECK(Has(cmake, "find_package(kop 0.1 CONFIG REQUIRED)"));
  CHECK(Has(cmake, "add_executable(backup-operator main.cc)"));
  CHECK(Has(cmake, "add_subdirectory(${KOP_SOURCE_DIR} kop EXCLUDE_FROM_ALL)"));
  CHECK(Has(s.Read("backup-operator/main.cc"), ".name = \"backup-operator\""));
  CHECK(Has(s.Read("backup-operator/PROJECT"), "domain: acme.io"));
  // Helm's own templating is left alone.
  CHECK(Has(s.Read("backup-operator/charts/backup-operator/templates/deployment.yaml"), "{{ .Release.Name }}"));
  CHECK(Has(s.Read("backup-operator/charts/backup-operator/templates/deployment.yaml"), "runAsNonRoot: true"));
}

TEST_CASE("scaffold: create api adds the resource and registers it, once") {
  Scratch s;
  REQUIRE(Init({.dir = s.dir.string(), .domain = "acme.io", .project = "backup-operator"}).ok());
  absl::StatusOr<Report> r = CreateApi({.dir = s.dir.string(), .group = "backup", .version = "v1", .kind = "Backup"});
  REQUIRE(r.ok());
  for (const char* f : {"api/v1/backup_types.h", "api/v1/backup_crd.cc", "crds/backup.acme.io_backups.yaml",
                        "config/samples/backup_v1_backup.yaml",
                        "controllers/backup_controller.h", "controllers/backup_controller.cc",
                        "test/backup_controller_test.cc", "charts/backup-operator/templates/rbac_backup.yaml"}) {
    INFO(f);
    CHECK(fs::exists(s.dir / f));
  }
  const std::string crd = s.Read("crds/backup.acme.io_backups.yaml");
  CHECK(Has(crd, "name: backups.backup.acme.io"));
  CHECK(Has(crd, "group: backup.acme.io"));
  CHECK(Has(crd, "kind: Backup"));
  CHECK(Has(crd, "scope: Namespaced"));
  CHECK(Has(crd, "# Generated from api/v1/backup_types.h by `cmake --build build --target crds`; do not edit."));
  CHECK(Has(s.Read("api/v1/backup_types.h"), "kGroupVersionKind{\"backup.acme.io\", \"v1\", \"Backup\"}"));
  CHECK(Has(s.Read("api/v1/backup_crd.cc"), "// kop:crd-output crds/backup.acme.io_backups.yaml\n"));
  CHECK(Has(s.Read("api/v1/backup_crd.cc"), "CustomResourceDefinitionOf<backup::v1::Backup>"));
  std::string main_cc = s.Read("main.cc");
  CHECK(Has(main_cc, "#include \"controllers/backup_controller.h\""));
  CHECK(Has(main_cc, "KOP_RETURN_IF_ERROR(controllers::SetupBackupController(manager, ctx));"));
  CHECK(Has(s.Read("PROJECT"), "kind: Backup"));

  // Again: nothing changes, nothing is duplicated.
  REQUIRE(CreateApi({.dir = s.dir.string(), .group = "backup", .version = "v1", .kind = "Backup"}).ok());
  CHECK(s.Read("main.cc") == main_cc);
  const std::string project = s.Read("PROJECT");
  CHECK(project.find("kind: Backup") == project.rfind("kind: Backup"));

  // Plurals as Kubernetes spells them.
  REQUIRE(CreateApi({.dir = s.dir.string(), .group = "backup", .version = "v1", .kind = "Policy"}).ok());
  CHECK(fs::exists(s.dir / "crds/backup.acme.io_policies.yaml"));
  REQUIRE(CreateApi({.dir = s.dir.string(), .group = "backup", .version = "v1alpha1", .kind = "Class",
                     .namespaced = false}).ok());
  CHECK(Has(s.Read("crds/backup.acme.io_classes.yaml"), "scope: Cluster"));
}

TEST_CASE("scaffold: an edited file is never overwritten without --force") {
  Scratch s;
  REQUIRE(Init({.dir = s.dir.string(), .domain = "acme.io", .project = "op"}).ok());
  REQUIRE(CreateApi({.dir = s.dir.string(), .group = "g", .version = "v1", .kind = "Thing"}).ok());
  {
    std::ofstream edit(s.dir / "controllers/thing_controller.cc", std::ios::app);
    edit << "// my change\n";
  }
  absl::StatusOr<Report> again = CreateApi({.dir = s.dir.string(), .group = "g", .version = "v1", .kind = "Thing"});
  CHECK(absl::IsAlreadyExists(again.status()));
  CHECK(Has(std::string(again.status().message()), "controllers/thing_controller.cc"));
  CHECK(Has(s.Read("controllers/thing_controller.cc"), "// my change"));
  absl::StatusOr<Report> forced =
      CreateApi({.dir = s.dir.string(), .group = "g", .version = "v1", .kind = "Thing", .force = true});
  REQUIRE(forced.ok());
  CHECK_FALSE(Has(s.Read("controllers/thing_controller.cc"), "// my change"));
  // init over an edited README: refused too.
  { std::ofstream(s.dir / "README.md") << "mine\n"; }
  CHECK(absl::IsAlreadyExists(Init({.dir = s.dir.string(), .domain = "acme.io", .project = "op"}).status()));
  CHECK(s.Read("README.md") == "mine\n");
}

TEST_CASE("scaffold: bad names are refused, naming the flag") {
  Scratch s;
  CHECK(Has(std::string(Init({.dir = s.dir.string(), .domain = "Acme_IO"}).status().message()), "--domain"));
  CHECK(Has(std::string(Init({.dir = s.dir.string(), .domain = "acme.io", .project = "My Op"}).status().message()),
            "--project"));
  CHECK(absl::IsFailedPrecondition(CreateApi({.dir = s.dir.string(), .group = "g", .version = "v1", .kind = "K"}).status()));
  REQUIRE(Init({.dir = s.dir.string(), .domain = "acme.io", .project = "op"}).ok());
  CHECK(Has(std::string(CreateApi({.dir = s.dir.string(), .group = "g", .version = "1", .kind = "K"}).status().message()),
            "--version"));
  CHECK(Has(std::string(CreateApi({.dir = s.dir.string(), .group = "g", .version = "v1", .kind = "thing"}).status().message()),
            "--kind"));
  CHECK(Has(std::string(CreateApi({.dir = s.dir.string(), .group = "G_x", .version = "v1", .kind = "K"}).status().message()),
            "--group"));
}

}  // namespace
}  // namespace kop::scaffold
