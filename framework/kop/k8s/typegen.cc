// kop-typegen: writes the C++ types of the built-in kinds from builtin_types.yaml, the one
// schema description the embedded API server also serves, validates and defaults from.
//
//   kop-typegen builtin_types.yaml OUT_DIR
//
// For each package (top-level key, "io.k8s.api.apps.v1") it writes OUT_DIR/kop/k8s/<group>/
// <version>.h with one struct per type in namespace kop::k8s::<group>::<version>, and
// OUT_DIR/k8s_<group>_<version>.cc with their decoders and encoders (kop/api/codec.h); and
// OUT_DIR/kop/k8s/k8s.h including every package. Members are the JSON names in snake_case
// (a C++ keyword gets a trailing underscore: `template_`). A build-time tool, not installed.
//
// Mapping, from the notation's rules (see the top of builtin_types.yaml):
//   - fields in `always` and `required` are plain members (Go always writes them); other
//     strings are plain and left out when empty (Go's omitempty on a string); every other
//     scalar or struct is a std::optional; lists and maps are std::vector and std::map, left
//     out when empty unless `always` says the Go type writes them (then null when empty);
//   - a top-level kind's apiVersion and kind are its type (kGroupVersionKind), not members;
//   - string, boolean, int32, int64, number, bytes, time, microtime, int-or-string, quantity,
//     any/object map to std::string, bool, int32_t, int64_t, double, kop::Bytes, absl::Time,
//     kop::MicroTime, kop::IntOrString, kop::Quantity, kop::Json.
#include <algorithm>
#include <cctype>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <functional>
#include <iostream>
#include <map>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "kop/api/json.h"
#include "kop/api/yaml.h"

namespace {

using kop::Json;

struct TypeRef {
  enum class Shape { kScalar, kStruct, kList, kMap } shape = Shape::kScalar;
  std::string cpp;           // the full C++ type
  std::string notation;      // the scalar's notation name, for scalars
  std::string struct_name;   // full definition name, for structs
  std::vector<std::string> struct_deps;  // definitions this type needs complete
};

struct Field {
  std::string json_name;
  std::string member;
  TypeRef type;
  bool plain = false;   // not optional
  bool always = false;  // Go always writes it
  bool required = false;
  std::string doc;
  std::vector<std::string> enum_values;
};

struct TypeDef {
  std::string package;
  std::string name;
  std::string full;  // package.name
  std::string kind;  // "apps/v1/Deployment" for top-level kinds
  std::string doc;
  std::vector<Field> fields;
};

struct Package {
  std::string name;
  std::string group;    // namespace part: "apps"
  std::string version;  // "v1"
  std::vector<std::string> types;  // full names, in order
};

[[noreturn]] void Fail(const std::string& message) {
  std::cerr << "kop-typegen: " << message << "\n";
  std::exit(1);
}

const std::set<std::string>& Keywords() {
  static const std::set<std::string> k = {
      "alignas", "alignof", "and", "and_eq", "asm", "auto", "bitand", "bitor", "bool", "break", "case",
      "catch", "char", "char8_t", "char16_t", "char32_t", "class", "compl", "concept", "const", "consteval",
      "constexpr", "constinit", "const_cast", "continue", "co_await", "co_return", "co_yield", "decltype",
      "default", "delete", "do", "double", "dynamic_cast", "else", "enum", "explicit", "export", "extern",
      "false", "float", "for", "friend", "goto", "if", "inline", "int", "long", "mutable", "namespace", "new",
      "noexcept", "not", "not_eq", "nullptr", "operator", "or", "or_eq", "private", "protected", "public",
      "register", "reinterpret_cast", "requires", "return", "short", "signed", "sizeof", "static",
      "static_assert", "static_cast", "struct", "switch", "template", "this", "thread_local", "throw", "true",
      "try", "typedef", "typeid", "typename", "union", "unsigned", "using", "virtual", "void", "volatile",
      "wchar_t", "while", "xor", "xor_eq", "unknown_fields"};
  return k;
}

// camelCase JSON names to snake_case members: podIP -> pod_ip, podIPs -> pod_ips,
// hostIPC -> host_ipc, targetCPUUtilizationPercentage -> target_cpu_utilization_percentage.
std::string SnakeCase(const std::string& name) {
  std::string out;
  const size_t n = name.size();
  for (size_t i = 0; i < n; ++i) {
    const char c = name[i];
    if (!std::isalnum(static_cast<unsigned char>(c))) {
      if (!out.empty() && out.back() != '_') out += '_';
      continue;
    }
    if (std::isupper(static_cast<unsigned char>(c))) {
      const bool prev_lower = i > 0 && (std::islower(static_cast<unsigned char>(name[i - 1])) ||
                                        std::isdigit(static_cast<unsigned char>(name[i - 1])));
      const bool prev_upper = i > 0 && std::isupper(static_cast<unsigned char>(name[i - 1]));
      // An acronym's last letter starts a new word when a lower-case word follows ("IPFamily"),
      // but not when only a plural "s" does ("IPs").
      const bool next_lower = i + 1 < n && std::islower(static_cast<unsigned char>(name[i + 1]));
      const bool plural_s = i + 1 < n && name[i + 1] == 's' &&
                            (i + 2 == n || std::isupper(static_cast<unsigned char>(name[i + 2])));
      if (!out.empty() && out.back() != '_' && (prev_lower || (prev_upper && next_lower && !plural_s))) out += '_';
      out += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    } else {
      out += c;
    }
  }
  if (out.empty() || std::isdigit(static_cast<unsigned char>(out[0]))) out = "f_" + out;
  if (Keywords().count(out) > 0) out += '_';
  return out;
}

std::vector<std::string> Split(const std::string& s, char sep) {
  std::vector<std::string> out;
  std::string cur;
  for (char c : s) {
    if (c == sep) {
      out.push_back(cur);
      cur.clear();
    } else {
      cur += c;
    }
  }
  out.push_back(cur);
  return out;
}

class Generator {
 public:
  explicit Generator(const Json& doc) {
    for (const auto& [pkg_name, types] : doc.items()) {
      if (!types.is_object()) Fail("package " + pkg_name + " is not a mapping of types");
      std::vector<std::string> parts = Split(pkg_name, '.');
      if (parts.size() < 2) Fail("package " + pkg_name + " has no group and version");
      Package pkg;
      pkg.name = pkg_name;
      pkg.group = SnakeCase(parts[parts.size() - 2]);
      pkg.version = parts.back();
      for (const auto& [type_name, _] : types.items()) {
        const std::string full = pkg_name + "." + type_name;
        owner_of_short_[type_name].push_back(full);
        pkg.types.push_back(full);
      }
      packages_.push_back(pkg);
      package_of_[pkg_name] = packages_.size() - 1;
    }
    for (const Package& pkg : packages_) {
      for (const auto& [type_name, t] : doc[pkg.name].items()) ReadType(pkg, type_name, t);
    }
  }

  void Write(const std::string& out_dir) {
    std::string umbrella =
        "// Every built-in kind's C++ type. Generated by kop-typegen from builtin_types.yaml; do not edit.\n"
        "#ifndef KOP_K8S_K8S_H_\n#define KOP_K8S_K8S_H_\n\n";
    for (const Package& pkg : packages_) {
      WriteFile(out_dir + "/kop/k8s/" + pkg.group + "/" + pkg.version + ".h", Header(pkg));
      WriteFile(out_dir + "/k8s_" + pkg.group + "_" + pkg.version + ".cc", Source(pkg));
      umbrella += "#include \"kop/k8s/" + pkg.group + "/" + pkg.version + ".h\"\n";
    }
    umbrella +=
        "\nnamespace kop::k8s {\n\n"
        "// A list of types, to visit each: ForEachKind(AllKinds{}, [&]<typename T>() { ... }).\n"
        "template <typename... T>\nstruct KindList {};\n\n"
        "template <typename... T, typename F>\nvoid ForEachKind(KindList<T...>, F&& f) {\n"
        "  (f.template operator()<T>(), ...);\n}\n\n"
        "// Every top-level kind of builtin_types.yaml.\nusing AllKinds = KindList<\n";
    std::vector<std::string> kinds;
    for (const Package& pkg : packages_) {
      for (const std::string& full : pkg.types) {
        if (!defs_.at(full).kind.empty()) kinds.push_back("    " + Namespace(pkg.name) + "::" + defs_.at(full).name);
      }
    }
    for (size_t i = 0; i < kinds.size(); ++i) umbrella += kinds[i] + (i + 1 < kinds.size() ? ",\n" : ">;\n");
    umbrella += "\n}  // namespace kop::k8s\n\n#endif  // KOP_K8S_K8S_H_\n";
    WriteFile(out_dir + "/kop/k8s/k8s.h", umbrella);
  }

 private:
  std::string Namespace(const std::string& package) const {
    const Package& p = packages_[package_of_.at(package)];
    return "::kop::k8s::" + p.group + "::" + p.version;
  }

  std::string Resolve(const std::string& package, const std::string& name) const {
    if (name.find('.') != std::string::npos) {
      if (!Declared(name)) Fail("unknown type " + name);
      return name;
    }
    const std::string same = package + "." + name;
    if (Declared(same)) return same;
    auto it = owner_of_short_.find(name);
    if (it == owner_of_short_.end()) Fail("unknown type " + name + " (in " + package + ")");
    if (it->second.size() > 1) Fail("ambiguous type " + name + " (in " + package + "): use its full name");
    return it->second.front();
  }

  bool Declared(const std::string& full) const {
    for (const Package& p : packages_) {
      if (std::find(p.types.begin(), p.types.end(), full) != p.types.end()) return true;
    }
    return false;
  }

  TypeRef ParseType(const std::string& package, const std::string& expr) const {
    static const std::map<std::string, std::string> kScalars = {
        {"string", "std::string"},         {"boolean", "bool"},
        {"int32", "int32_t"},              {"int64", "int64_t"},
        {"number", "double"},              {"bytes", "::kop::Bytes"},
        {"time", "absl::Time"},            {"microtime", "::kop::MicroTime"},
        {"int-or-string", "::kop::IntOrString"}, {"quantity", "::kop::Quantity"},
        {"any", "::kop::Json"},            {"object", "::kop::Json"}};
    TypeRef r;
    if (expr.rfind("[]", 0) == 0) {
      TypeRef e = ParseType(package, expr.substr(2));
      r.shape = TypeRef::Shape::kList;
      r.cpp = "std::vector<" + e.cpp + ">";
      r.struct_deps = e.struct_deps;  // kept complete too: simpler than tracking which are fine
      return r;
    }
    if (expr.rfind("map[", 0) == 0 && expr.back() == ']') {
      TypeRef e = ParseType(package, expr.substr(4, expr.size() - 5));
      r.shape = TypeRef::Shape::kMap;
      r.cpp = "std::map<std::string, " + e.cpp + ">";
      r.struct_deps = e.struct_deps;
      return r;
    }
    auto s = kScalars.find(expr);
    if (s != kScalars.end()) {
      r.cpp = s->second;
      r.notation = expr;
      return r;
    }
    const std::string full = Resolve(package, expr);
    const size_t dot = full.rfind('.');
    r.shape = TypeRef::Shape::kStruct;
    r.struct_name = full;
    r.cpp = Namespace(full.substr(0, dot)) + "::" + full.substr(dot + 1);
    r.struct_deps = {full};
    return r;
  }

  void ReadType(const Package& pkg, const std::string& name, const Json& t) {
    TypeDef def;
    def.package = pkg.name;
    def.name = name;
    def.full = pkg.name + "." + name;
    def.kind = t.value("kind", "");
    def.doc = t.value("doc", "");
    std::set<std::string> always, required;
    if (t.contains("always")) for (const Json& f : t["always"]) always.insert(f.get<std::string>());
    if (t.contains("required")) for (const Json& f : t["required"]) required.insert(f.get<std::string>());
    std::set<std::string> members;
    if (t.contains("fields")) {
      for (const auto& [fname, fspec] : t["fields"].items()) {
        if (!def.kind.empty() && (fname == "apiVersion" || fname == "kind")) continue;
        Field f;
        f.json_name = fname;
        f.member = SnakeCase(fname);
        if (!members.insert(f.member).second) Fail(def.full + ": two fields map to member " + f.member);
        std::string expr;
        if (fspec.is_string()) {
          expr = fspec.get<std::string>();
        } else if (fspec.is_object() && fspec.contains("type")) {
          expr = fspec["type"].get<std::string>();
          f.doc = fspec.value("doc", "");
          if (fspec.contains("enum")) {
            for (const Json& e : fspec["enum"]) f.enum_values.push_back(e.is_string() ? e.get<std::string>() : e.dump());
          }
        } else {
          Fail(def.full + "." + fname + ": a field is a type expression or a mapping with type");
        }
        f.type = ParseType(pkg.name, expr);
        f.always = always.count(fname) > 0;
        f.required = required.count(fname) > 0;
        f.plain = f.always || f.required || f.type.notation == "string" || f.type.shape == TypeRef::Shape::kList ||
                  f.type.shape == TypeRef::Shape::kMap || f.type.notation == "any" || f.type.notation == "object";
        // Every stored object has metadata: a top-level kind's is never optional.
        if (!def.kind.empty() && fname == "metadata") f.plain = true;
        // A time Go always writes is null when unset: it stays optional, written by PutAlways.
        if ((f.type.notation == "time" || f.type.notation == "microtime") && f.always) f.plain = false;
        def.fields.push_back(std::move(f));
      }
    }
    for (const std::string& a : always) {
      bool found = false;
      for (const Field& f : def.fields) found = found || f.json_name == a;
      if (!found && !(def.kind.size() > 0 && (a == "apiVersion" || a == "kind"))) Fail(def.full + ": always names unknown field " + a);
    }
    defs_[def.full] = std::move(def);
  }

  // The package's types, each after the types of the same package it needs complete.
  std::vector<const TypeDef*> Ordered(const Package& pkg) const {
    std::vector<const TypeDef*> out;
    std::map<std::string, int> state;  // 1 visiting, 2 done
    std::function<void(const std::string&)> visit = [&](const std::string& full) {
      if (state[full] == 2) return;
      if (state[full] == 1) Fail("types refer to each other in a cycle through " + full);
      state[full] = 1;
      const TypeDef& d = defs_.at(full);
      for (const Field& f : d.fields) {
        for (const std::string& dep : f.type.struct_deps) {
          if (defs_.at(dep).package == pkg.name) visit(dep);
        }
      }
      state[full] = 2;
      out.push_back(&d);
    };
    for (const std::string& full : pkg.types) visit(full);
    return out;
  }

  std::set<std::string> PackagesUsed(const Package& pkg) const {
    std::set<std::string> used;
    for (const std::string& full : pkg.types) {
      for (const Field& f : defs_.at(full).fields) {
        for (const std::string& dep : f.type.struct_deps) {
          const std::string& p = defs_.at(dep).package;
          if (p != pkg.name) used.insert(p);
        }
      }
    }
    return used;
  }

  static std::string Comment(const std::string& text, const std::string& indent) {
    if (text.empty()) return "";
    std::string out;
    std::istringstream words(text);
    std::string word, line;
    const size_t width = 96 - indent.size();
    while (words >> word) {
      if (!line.empty() && line.size() + 1 + word.size() > width) {
        out += indent + "// " + line + "\n";
        line.clear();
      }
      line += (line.empty() ? "" : " ") + word;
    }
    if (!line.empty()) out += indent + "// " + line + "\n";
    return out;
  }

  std::string Guard(const Package& pkg) const {
    std::string g = "KOP_K8S_" + pkg.group + "_" + pkg.version + "_H_";
    for (char& c : g) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    return g;
  }

  std::string Header(const Package& pkg) const {
    std::ostringstream h;
    h << "// The types of " << pkg.name << ", generated by kop-typegen from builtin_types.yaml; do not edit.\n"
      << "// How they read and write JSON: kop/api/codec.h.\n"
      << "#ifndef " << Guard(pkg) << "\n#define " << Guard(pkg) << "\n\n"
      << "#include <cstdint>\n#include <map>\n#include <optional>\n#include <string>\n#include <vector>\n\n"
      << "#include \"absl/status/status.h\"\n#include \"absl/time/time.h\"\n"
      << "#include \"kop/api/codec.h\"\n#include \"kop/api/json.h\"\n#include \"kop/api/json_view.h\"\n"
      << "#include \"kop/api/quantity.h\"\n";
    for (const std::string& used : PackagesUsed(pkg)) {
      const Package& p = packages_[package_of_.at(used)];
      h << "#include \"kop/k8s/" << p.group << "/" << p.version << ".h\"\n";
    }
    h << "\nnamespace kop::k8s::" << pkg.group << "::" << pkg.version << " {\n\n";
    for (const TypeDef* d : Ordered(pkg)) {
      h << Comment(d->doc, "");
      h << "struct " << d->name << " {\n";
      if (!d->kind.empty()) {
        std::vector<std::string> parts = Split(d->kind, '/');
        std::string group = parts.size() == 3 ? parts[0] : "";
        h << "  static constexpr ::kop::StaticGroupVersionKind kGroupVersionKind{\"" << group << "\", \""
          << parts[parts.size() - 2] << "\", \"" << parts.back() << "\"};\n\n";
      }
      for (const Field& f : d->fields) {
        h << Comment(f.doc, "  ");
        if (!f.enum_values.empty()) {
          std::string one_of = "One of: ";
          for (size_t i = 0; i < f.enum_values.size(); ++i) one_of += (i ? ", " : "") + f.enum_values[i];
          h << Comment(one_of + ".", "  ");
        }
        if (f.plain) {
          std::string init;
          if (f.type.notation == "int32" || f.type.notation == "int64" || f.type.notation == "number") init = " = 0";
          if (f.type.notation == "boolean") init = " = false";
          h << "  " << f.type.cpp << " " << f.member << init << ";";
        } else {
          h << "  std::optional<" << f.type.cpp << "> " << f.member << ";";
        }
        if (SnakeCase(f.json_name) != f.json_name && f.doc.empty()) h << "  // " << f.json_name;
        h << "\n";
      }
      h << "  // Fields this type does not model, kept as read and written back.\n"
        << "  ::kop::Json unknown_fields;\n\n"
        << "  friend bool operator==(const " << d->name << "&, const " << d->name << "&) = default;\n"
        << "};\n"
        << "absl::Status KopDecode(::kop::JsonView v, " << d->name << "& out, const ::kop::codec::Path& path);\n"
        << "::kop::Json KopEncode(const " << d->name << "& in);\n\n";
    }
    h << "}  // namespace kop::k8s::" << pkg.group << "::" << pkg.version << "\n\n#endif  // " << Guard(pkg) << "\n";
    return h.str();
  }

  std::string Source(const Package& pkg) const {
    std::ostringstream s;
    s << "// Generated by kop-typegen from builtin_types.yaml; do not edit.\n"
      << "#include \"kop/k8s/" << pkg.group << "/" << pkg.version << ".h\"\n\n"
      << "namespace kop::k8s::" << pkg.group << "::" << pkg.version << " {\n\n";
    for (const TypeDef* d : Ordered(pkg)) {
      s << "absl::Status KopDecode(::kop::JsonView v, " << d->name << "& out, const ::kop::codec::Path& path) {\n"
        << "  if (!v.exists() || v.is_null()) return absl::OkStatus();\n"
        << "  if (absl::Status s = ::kop::codec::ExpectObject(v, path); !s.ok()) return s;\n"
        << "  for (const ::kop::JsonMember& m : v.items()) {\n"
        << "    absl::Status s;\n";
      bool first = true;
      for (const Field& f : d->fields) {
        s << "    " << (first ? "" : "} else ") << "if (m.key == \"" << f.json_name << "\") {\n"
          << "      s = ::kop::codec::Decode(m.value, out." << f.member << ", path.Child(m.key));\n";
        first = false;
      }
      if (!d->kind.empty()) {
        s << "    " << (first ? "" : "} else ") << "if (m.key == \"apiVersion\" || m.key == \"kind\") {\n";
        first = false;
      }
      if (first) {
        s << "    ::kop::codec::KeepUnknown(out.unknown_fields, m);\n";
      } else {
        s << "    } else {\n      ::kop::codec::KeepUnknown(out.unknown_fields, m);\n    }\n";
      }
      s << "    if (!s.ok()) return s;\n  }\n  return absl::OkStatus();\n}\n\n";

      s << "::kop::Json KopEncode(const " << d->name << "& in) {\n"
        << "  ::kop::Json out = ::kop::codec::StartObject(in.unknown_fields);\n";
      for (const Field& f : d->fields) {
        const char* put = "Put";
        // Go's omitempty on a plain string: left out when empty.
        if (f.type.notation == "string" && !f.always && !f.required) put = "PutNonEmpty";
        if (f.always) put = (f.type.notation == "object") ? "PutAlwaysObject" : "PutAlways";
        s << "  ::kop::codec::" << put << "(out, \"" << f.json_name << "\", in." << f.member << ");\n";
      }
      s << "  return out;\n}\n\n";
    }
    s << "}  // namespace kop::k8s::" << pkg.group << "::" << pkg.version << "\n";
    return s.str();
  }

  static void WriteFile(const std::string& path, const std::string& text) {
    // Unchanged files keep their time stamps, so a schema edit rebuilds only what it changed.
    std::ifstream in(path, std::ios::binary);
    if (in) {
      std::ostringstream old;
      old << in.rdbuf();
      if (old.str() == text) return;
    }
    std::error_code ec;
    std::filesystem::create_directories(std::filesystem::path(path).parent_path(), ec);
    if (ec) Fail("cannot create the directory of " + path + ": " + ec.message());
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    out << text;
    if (!out) Fail("cannot write " + path);
  }

  std::vector<Package> packages_;
  std::map<std::string, size_t> package_of_;
  std::map<std::string, std::vector<std::string>> owner_of_short_;
  std::map<std::string, TypeDef> defs_;
};

}  // namespace

int main(int argc, char** argv) {
  if (argc != 3) {
    std::cerr << "usage: kop-typegen builtin_types.yaml OUT_DIR\n";
    return 2;
  }
  std::ifstream in(argv[1], std::ios::binary);
  if (!in) Fail(std::string("cannot read ") + argv[1]);
  std::ostringstream text;
  text << in.rdbuf();
  absl::StatusOr<Json> doc = kop::ParseYaml(text.str());
  if (!doc.ok()) Fail(std::string(argv[1]) + ": " + std::string(doc.status().message()));
  Generator gen(*doc);
  gen.Write(argv[2]);
  return 0;
}
