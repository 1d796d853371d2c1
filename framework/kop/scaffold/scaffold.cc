#include "kop/scaffold/scaffold.h"

#include <algorithm>
#include <cctype>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>

#include "kop/api/resource.h"
#include "kop/base/status_macros.h"
#include "kop/base/strings.h"
#include "kop/scaffold/templates.h"

namespace kop::scaffold {
namespace {

namespace fs = std::filesystem;
using Vars = std::map<std::string, std::string>;

// The CRD the starter declaration in templates::kTypes generates, as its generator
// (templates::kCrdGenerator) writes it: `kop create api` writes it at once, so the project
// builds and its CRD test passes before anyone runs the generator. The generated project's
// test <kind>_crd-matches-its-declaration keeps the two in agreement.
absl::StatusOr<std::string> StarterCrdYaml(const std::string& group, const std::string& version,
                                           const std::string& kind, const std::string& plural, bool namespaced,
                                           const std::string& header) {
  const Json schema = {
      {"type", "object"},
      {"properties",
       {{"spec", {{"type", "object"}, {"properties", {{"foo", {{"type", "string"}, {"description", "An example field."}}}}}}},
        {"status",
         {{"type", "object"},
          {"properties",
           {{"observedGeneration",
             {{"type", "integer"}, {"format", "int64"}, {"description", "The metadata.generation the status describes."}}}}}}}}}};
  const StaticGroupVersionKind gvk{group, version, kind};
  const ResourceOptions options{.plural = plural,
                                .scope = namespaced ? ResourceScope::kNamespaced : ResourceScope::kCluster,
                                .status_subresource = true};
  Json versions = Json::array({schema_internal::CrdVersion(gvk, options, schema)});
  KOP_ASSIGN_OR_RETURN(Json crd, schema_internal::Crd(gvk, options, std::move(versions)));
  return CrdYaml(crd, header);
}

std::string Fill(std::string_view text, const Vars& vars) {
  std::string out;
  out.reserve(text.size());
  size_t i = 0;
  while (i < text.size()) {
    const size_t at = text.find('@', i);
    if (at == std::string_view::npos) break;
    const size_t end = text.find('@', at + 1);
    if (end != std::string_view::npos) {
      auto v = vars.find(std::string(text.substr(at + 1, end - at - 1)));
      if (v != vars.end()) {
        out.append(text.substr(i, at - i));
        out += v->second;
        i = end + 1;
        continue;
      }
    }
    out.append(text.substr(i, at - i + 1));
    i = at + 1;
  }
  out.append(text.substr(i));
  return out;
}

absl::StatusOr<std::string> Read(const fs::path& p) {
  std::ifstream in(p);
  if (!in) return absl::NotFoundError(kop::StrCat("cannot read ", p.string()));
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

absl::Status WriteText(const fs::path& p, const std::string& text) {
  std::error_code ec;
  fs::create_directories(p.parent_path(), ec);
  std::ofstream out(p, std::ios::trunc);
  out << text;
  out.close();
  if (!out) return absl::InternalError(kop::StrCat("cannot write ", p.string()));
  return absl::OkStatus();
}

// Writes `text` to dir/rel unless a different file is there (then an error, unless force).
absl::Status Emit(const fs::path& dir, const std::string& rel, const std::string& text, bool force, Report* report) {
  const fs::path p = dir / rel;
  if (fs::exists(p)) {
    KOP_ASSIGN_OR_RETURN(std::string have, Read(p));
    if (have == text) {
      report->push_back(kop::StrCat("keep ", rel, " (unchanged)"));
      return absl::OkStatus();
    }
    if (!force) {
      return absl::AlreadyExistsError(
          kop::StrCat(rel, " exists and differs from what would be generated (edited?): not overwritten; ",
                      "use --force to replace it"));
    }
    report->push_back(kop::StrCat("overwrite ", rel));
  } else {
    report->push_back(kop::StrCat("create ", rel));
  }
  return WriteText(p, text);
}

bool IsDnsLabel(std::string_view s) {
  if (s.empty() || s.size() > 63) return false;
  for (char c : s) {
    if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-')) return false;
  }
  return s.front() != '-' && s.back() != '-';
}

bool IsDnsSubdomain(std::string_view s) {
  if (s.empty() || s.size() > 253) return false;
  size_t start = 0;
  while (true) {
    const size_t dot = s.find('.', start);
    if (!IsDnsLabel(s.substr(start, dot == std::string_view::npos ? std::string_view::npos : dot - start))) return false;
    if (dot == std::string_view::npos) return true;
    start = dot + 1;
  }
}

std::string Lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return std::tolower(c); });
  return s;
}

std::string Upper(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return c == '-' || c == '.' ? '_' : std::toupper(c); });
  return s;
}

std::string Identifier(std::string s) {
  for (char& c : s) {
    if (c == '-' || c == '.') c = '_';
  }
  return s;
}

// "domain: acme.io" lines of PROJECT.
std::string ProjectField(const std::string& project, const std::string& key) {
  std::istringstream in(project);
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind(key + ": ", 0) == 0) return line.substr(key.size() + 2);
  }
  return "";
}

// Inserts `line` before the line holding `marker` (once: nothing when `line` is there already).
absl::Status InsertAtMarker(std::string& text, const std::string& marker, const std::string& line,
                            const std::string& file) {
  if (text.find(line) != std::string::npos) return absl::OkStatus();
  const size_t at = text.find(marker);
  if (at == std::string::npos) {
    return absl::FailedPreconditionError(kop::StrCat(file, " has no \"", marker,
                                                     "\" line: add it where `kop create api` should register, "
                                                     "or register the controller by hand"));
  }
  const size_t line_start = text.rfind('\n', at) == std::string::npos ? 0 : text.rfind('\n', at) + 1;
  const std::string indent = text.substr(line_start, at - line_start);
  text.insert(line_start, indent + line + "\n");
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<Report> Init(const InitOptions& o) {
  if (o.dir.empty()) return absl::InvalidArgumentError("init: which folder? (kop init --domain acme.io DIR)");
  if (!IsDnsSubdomain(o.domain)) {
    return absl::InvalidArgumentError(
        kop::StrCat("--domain \"", o.domain, "\": want a DNS subdomain such as acme.io (lower case, dots)"));
  }
  std::string project = o.project;
  if (project.empty()) project = fs::absolute(fs::path(o.dir)).lexically_normal().filename().string();
  if (!IsDnsLabel(project)) {
    return absl::InvalidArgumentError(kop::StrCat(
        "--project \"", project, "\": want a DNS label such as backup-operator (lower case letters, digits, '-')"));
  }
  const Vars vars = {{"project", project}, {"project_id", Identifier(project)}, {"domain", o.domain}};
  const fs::path dir(o.dir);
  Report report;
  const std::vector<std::pair<std::string, std::string_view>> files = {
      {"CMakeLists.txt", templates::kCMakeLists},
      {"main.cc", templates::kMain},
      {"README.md", templates::kReadme},
      {".gitignore", templates::kGitignore},
      {"Dockerfile", templates::kDockerfile},
      {kop::StrCat("charts/", project, "/Chart.yaml"), templates::kChartYaml},
      {kop::StrCat("charts/", project, "/values.yaml"), templates::kValuesYaml},
      {kop::StrCat("charts/", project, "/templates/deployment.yaml"), templates::kDeploymentYaml},
      {kop::StrCat("charts/", project, "/templates/serviceaccount.yaml"), templates::kServiceAccountYaml},
  };
  // PROJECT grows with `create api`: an existing one is kept as it is.
  if (fs::exists(dir / "PROJECT")) {
    KOP_ASSIGN_OR_RETURN(std::string have, Read(dir / "PROJECT"));
    if (ProjectField(have, "domain") != o.domain || ProjectField(have, "projectName") != project) {
      if (!o.force) {
        return absl::AlreadyExistsError(kop::StrCat("PROJECT exists for another project (",
                                                    ProjectField(have, "projectName"), ", ",
                                                    ProjectField(have, "domain"), "): use --force to replace it"));
      }
      KOP_RETURN_IF_ERROR(Emit(dir, "PROJECT", Fill(templates::kProject, vars), true, &report));
    } else {
      report.push_back("keep PROJECT");
    }
  } else {
    KOP_RETURN_IF_ERROR(Emit(dir, "PROJECT", Fill(templates::kProject, vars), o.force, &report));
  }
  for (const auto& [rel, text] : files) KOP_RETURN_IF_ERROR(Emit(dir, rel, Fill(text, vars), o.force, &report));
  std::error_code ec;
  fs::create_directories(dir / "crds", ec);
  fs::create_directories(dir / "controllers", ec);
  fs::create_directories(dir / "test", ec);
  return report;
}

absl::StatusOr<Report> CreateApi(const ApiOptions& o) {
  const fs::path dir(o.dir.empty() ? "." : o.dir);
  absl::StatusOr<std::string> project_file = Read(dir / "PROJECT");
  if (!project_file.ok()) {
    return absl::FailedPreconditionError(
        kop::StrCat("create api: no PROJECT file in ", dir.string(), ": run `kop init` first (or run this in the project)"));
  }
  const std::string domain = ProjectField(*project_file, "domain");
  const std::string project = ProjectField(*project_file, "projectName");
  if (domain.empty() || project.empty()) {
    return absl::FailedPreconditionError("create api: PROJECT lacks domain or projectName");
  }
  if (!IsDnsLabel(o.group)) {
    return absl::InvalidArgumentError(kop::StrCat("--group \"", o.group, "\": want a DNS label such as backup"));
  }
  if (o.version.size() < 2 || o.version[0] != 'v' || !std::isdigit(static_cast<unsigned char>(o.version[1])) ||
      !IsDnsLabel(o.version)) {
    return absl::InvalidArgumentError(
        kop::StrCat("--version \"", o.version, "\": want a Kubernetes version such as v1, v1beta1, v2alpha1"));
  }
  if (o.kind.empty() || !std::isupper(static_cast<unsigned char>(o.kind[0])) ||
      !std::all_of(o.kind.begin(), o.kind.end(), [](unsigned char c) { return std::isalnum(c); })) {
    return absl::InvalidArgumentError(
        kop::StrCat("--kind \"", o.kind, "\": want a CamelCase name starting with a capital, such as Backup"));
  }
  const std::string lower = Lower(o.kind);
  std::string plural = o.plural;
  if (plural.empty()) {
    const char last = lower.back();
    plural = (last == 's' || last == 'x' || lower.ends_with("ch") || lower.ends_with("sh")) ? lower + "es"
             : (last == 'y' && lower.size() > 1 && std::string("aeiou").find(lower[lower.size() - 2]) == std::string::npos)
                 ? lower.substr(0, lower.size() - 1) + "ies"
                 : lower + "s";
  }
  if (!IsDnsLabel(plural)) return absl::InvalidArgumentError(kop::StrCat("--plural \"", plural, "\": want a DNS label"));
  const Vars vars = {{"project", project},
                     {"domain", domain},
                     {"group", o.group},
                     {"group_id", Identifier(o.group)},
                     {"version", o.version},
                     {"VERSION", Upper(o.version)},
                     {"kind", o.kind},
                     {"KIND", Upper(o.kind)},
                     {"kind_lower", lower},
                     {"plural", plural},
                     {"scope", o.namespaced ? "Namespaced" : "Cluster"}};
  Vars with_header = vars;
  with_header["crd_header"] = Fill(templates::kCrdHeader, vars);
  KOP_ASSIGN_OR_RETURN(std::string crd_yaml, StarterCrdYaml(kop::StrCat(o.group, ".", domain), o.version, o.kind, plural,
                                                            o.namespaced, with_header["crd_header"]));
  Report report;
  const std::vector<std::pair<std::string, std::string_view>> files = {
      {kop::StrCat("api/", o.version, "/", lower, "_types.h"), templates::kTypes},
      {kop::StrCat("api/", o.version, "/", lower, "_crd.cc"), templates::kCrdGenerator},
      {kop::StrCat("config/samples/", o.group, "_", o.version, "_", lower, ".yaml"), templates::kSample},
      {kop::StrCat("controllers/", lower, "_controller.h"), templates::kControllerH},
      {kop::StrCat("controllers/", lower, "_controller.cc"), templates::kControllerCc},
      {kop::StrCat("test/", lower, "_controller_test.cc"), templates::kControllerTest},
      {kop::StrCat("charts/", project, "/templates/rbac_", lower, ".yaml"), templates::kRbac},
  };
  for (const auto& [rel, text] : files) KOP_RETURN_IF_ERROR(Emit(dir, rel, Fill(text, with_header), o.force, &report));
  KOP_RETURN_IF_ERROR(
      Emit(dir, kop::StrCat("crds/", o.group, ".", domain, "_", plural, ".yaml"), crd_yaml, o.force, &report));

  // Registration in main.cc, at its markers.
  KOP_ASSIGN_OR_RETURN(std::string main_cc, Read(dir / "main.cc"));
  const std::string before = main_cc;
  KOP_RETURN_IF_ERROR(InsertAtMarker(main_cc, "// kop:scaffold:includes",
                                     kop::StrCat("#include \"controllers/", lower, "_controller.h\""), "main.cc"));
  KOP_RETURN_IF_ERROR(InsertAtMarker(main_cc, "// kop:scaffold:controllers",
                                     kop::StrCat("KOP_RETURN_IF_ERROR(controllers::Setup", o.kind,
                                                 "Controller(manager, ctx));"),
                                     "main.cc"));
  if (main_cc != before) {
    KOP_RETURN_IF_ERROR(WriteText(dir / "main.cc", main_cc));
    report.push_back("update main.cc (registers the controller)");
  }
  // PROJECT records the resource once.
  const std::string entry = kop::StrCat("  - {group: ", o.group, ", version: ", o.version, ", kind: ", o.kind,
                                        ", plural: ", plural, "}\n");
  if (project_file->find(entry) == std::string::npos) {
    KOP_RETURN_IF_ERROR(WriteText(dir / "PROJECT", *project_file + entry));
    report.push_back("update PROJECT");
  }
  return report;
}

}  // namespace kop::scaffold
