#include "kop/client/config.h"

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "absl/strings/escaping.h"
#include "kop/api/yaml.h"
#include "kop/base/status_macros.h"
#include "kop/base/strings.h"

namespace kop::client {
namespace {

namespace fs = std::filesystem;

absl::StatusOr<std::string> ReadFile(const std::string& path, std::string_view what) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return absl::NotFoundError(kop::StrCat(what, " ", path, ": cannot be read"));
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

std::string Resolve(std::string_view base_dir, const std::string& path) {
  if (path.empty() || base_dir.empty() || fs::path(path).is_absolute()) return path;
  return (fs::path(std::string(base_dir)) / path).string();
}

// A named entry of clusters/users/contexts, with where it came from.
struct Entry {
  Json value;
  std::string file;
};

struct Merged {
  std::map<std::string, Entry> clusters, users, contexts;
  std::string current_context;
  std::string current_context_file;
};

absl::Status MergeFile(const Json& doc, const std::string& file, Merged* m) {
  if (!doc.is_object()) {
    return absl::InvalidArgumentError(kop::StrCat("kubeconfig ", file, ": not a YAML mapping"));
  }
  auto merge_list = [&](const char* list, const char* inner,
                        std::map<std::string, Entry>* into) -> absl::Status {
    auto it = doc.find(list);
    if (it == doc.end() || it->is_null()) return absl::OkStatus();
    if (!it->is_array()) {
      return absl::InvalidArgumentError(
          kop::StrCat("kubeconfig ", file, ": ", list, " must be a list"));
    }
    for (const Json& e : *it) {
      if (!e.is_object() || !e.contains("name") || !e["name"].is_string()) {
        return absl::InvalidArgumentError(
            kop::StrCat("kubeconfig ", file, ": every entry of ", list, " needs a name"));
      }
      Json value = e.value(inner, Json::object());
      if (!value.is_object()) {
        return absl::InvalidArgumentError(kop::StrCat("kubeconfig ", file, ": ", list, " \"",
                                                      e["name"].get<std::string>(), "\": ", inner,
                                                      " must be a mapping"));
      }
      into->emplace(e["name"].get<std::string>(), Entry{std::move(value), file});  // first wins
    }
    return absl::OkStatus();
  };
  KOP_RETURN_IF_ERROR(merge_list("clusters", "cluster", &m->clusters));
  KOP_RETURN_IF_ERROR(merge_list("users", "user", &m->users));
  KOP_RETURN_IF_ERROR(merge_list("contexts", "context", &m->contexts));
  if (m->current_context.empty()) {
    auto cc = doc.find("current-context");
    if (cc != doc.end() && cc->is_string() && !cc->get<std::string>().empty()) {
      m->current_context = cc->get<std::string>();
      m->current_context_file = file;
    }
  }
  return absl::OkStatus();
}

absl::StatusOr<std::string> StringField(const Json& obj, const char* field, std::string_view where) {
  auto it = obj.find(field);
  if (it == obj.end() || it->is_null()) return std::string();
  if (!it->is_string()) {
    return absl::InvalidArgumentError(kop::StrCat(where, ": ", field, " must be a string"));
  }
  return it->get<std::string>();
}

absl::StatusOr<std::string> DataOrFile(const Json& obj, const char* data_field,
                                       const char* file_field, std::string_view where,
                                       const std::string& base_dir) {
  KOP_ASSIGN_OR_RETURN(std::string data, StringField(obj, data_field, where));
  if (!data.empty()) {
    std::string decoded;
    if (!absl::Base64Unescape(data, &decoded)) {
      return absl::InvalidArgumentError(
          kop::StrCat(where, ": ", data_field, " is not valid base64"));
    }
    return decoded;
  }
  KOP_ASSIGN_OR_RETURN(std::string file, StringField(obj, file_field, where));
  if (file.empty()) return std::string();
  absl::StatusOr<std::string> content =
      ReadFile(Resolve(base_dir, file), kop::StrCat(where, ": ", file_field));
  return content;
}

absl::StatusOr<Config> Build(const Merged& m, std::string_view context_override,
                             std::string_view source) {
  const std::string context_name =
      context_override.empty() ? m.current_context : std::string(context_override);
  if (context_name.empty()) {
    return absl::InvalidArgumentError(
        kop::StrCat(source, ": no current-context and no context given"));
  }
  auto ctx = m.contexts.find(context_name);
  if (ctx == m.contexts.end()) {
    return absl::NotFoundError(kop::StrCat(source, ": no context \"", context_name, "\""));
  }
  const std::string where_ctx = kop::StrCat("kubeconfig ", ctx->second.file, ": context \"", context_name, "\"");
  KOP_ASSIGN_OR_RETURN(std::string cluster_name, StringField(ctx->second.value, "cluster", where_ctx));
  KOP_ASSIGN_OR_RETURN(std::string user_name, StringField(ctx->second.value, "user", where_ctx));
  KOP_ASSIGN_OR_RETURN(std::string ns, StringField(ctx->second.value, "namespace", where_ctx));
  auto cluster = m.clusters.find(cluster_name);
  if (cluster == m.clusters.end()) {
    return absl::NotFoundError(kop::StrCat(where_ctx, ": no cluster \"", cluster_name, "\""));
  }
  Config c;
  c.source = kop::StrCat("kubeconfig ", ctx->second.file, ", context \"", context_name, "\"");
  if (!ns.empty()) c.namespace_ = ns;

  const Json& cl = cluster->second.value;
  const std::string where_cl = kop::StrCat("kubeconfig ", cluster->second.file, ": cluster \"", cluster_name, "\"");
  const std::string cl_dir = fs::path(cluster->second.file).parent_path().string();
  KOP_ASSIGN_OR_RETURN(c.server, StringField(cl, "server", where_cl));
  if (c.server.empty()) return absl::InvalidArgumentError(kop::StrCat(where_cl, ": no server"));
  if (c.server.rfind("https://", 0) != 0 && c.server.rfind("http://", 0) != 0) {
    return absl::InvalidArgumentError(
        kop::StrCat(where_cl, ": server \"", c.server, "\" must start with https:// or http://"));
  }
  while (!c.server.empty() && c.server.back() == '/') c.server.pop_back();
  KOP_ASSIGN_OR_RETURN(c.ca_pem, DataOrFile(cl, "certificate-authority-data",
                                            "certificate-authority", where_cl, cl_dir));
  if (auto it = cl.find("insecure-skip-tls-verify"); it != cl.end() && !it->is_null()) {
    if (!it->is_boolean()) {
      return absl::InvalidArgumentError(kop::StrCat(where_cl, ": insecure-skip-tls-verify must be true or false"));
    }
    c.insecure_skip_tls_verify = it->get<bool>();
  }
  KOP_ASSIGN_OR_RETURN(c.tls_server_name, StringField(cl, "tls-server-name", where_cl));

  if (!user_name.empty()) {
    auto user = m.users.find(user_name);
    if (user == m.users.end()) {
      return absl::NotFoundError(kop::StrCat(where_ctx, ": no user \"", user_name, "\""));
    }
    const Json& u = user->second.value;
    const std::string where_u = kop::StrCat("kubeconfig ", user->second.file, ": user \"", user_name, "\"");
    const std::string u_dir = fs::path(user->second.file).parent_path().string();
    KOP_ASSIGN_OR_RETURN(c.client_cert_pem, DataOrFile(u, "client-certificate-data",
                                                       "client-certificate", where_u, u_dir));
    KOP_ASSIGN_OR_RETURN(c.client_key_pem,
                         DataOrFile(u, "client-key-data", "client-key", where_u, u_dir));
    if (c.client_cert_pem.empty() != c.client_key_pem.empty()) {
      return absl::InvalidArgumentError(
          kop::StrCat(where_u, ": a client certificate needs its key, and a key its certificate"));
    }
    KOP_ASSIGN_OR_RETURN(c.token, StringField(u, "token", where_u));
    KOP_ASSIGN_OR_RETURN(std::string token_file, StringField(u, "tokenFile", where_u));
    c.token_file = Resolve(u_dir, token_file);
    KOP_ASSIGN_OR_RETURN(c.username, StringField(u, "username", where_u));
    KOP_ASSIGN_OR_RETURN(c.password, StringField(u, "password", where_u));
    if (auto exec = u.find("exec"); exec != u.end() && !exec->is_null()) {
      if (!exec->is_object()) return absl::InvalidArgumentError(kop::StrCat(where_u, ": exec must be a mapping"));
      ExecConfig e;
      const std::string where_e = kop::StrCat(where_u, ": exec");
      KOP_ASSIGN_OR_RETURN(e.api_version, StringField(*exec, "apiVersion", where_e));
      KOP_ASSIGN_OR_RETURN(e.command, StringField(*exec, "command", where_e));
      KOP_ASSIGN_OR_RETURN(e.install_hint, StringField(*exec, "installHint", where_e));
      if (e.command.empty()) return absl::InvalidArgumentError(kop::StrCat(where_e, ": no command"));
      if (e.api_version != "client.authentication.k8s.io/v1" &&
          e.api_version != "client.authentication.k8s.io/v1beta1") {
        return absl::InvalidArgumentError(kop::StrCat(
            where_e, ": apiVersion \"", e.api_version,
            "\" is not client.authentication.k8s.io/v1 or v1beta1"));
      }
      if (e.command.find('/') != std::string::npos) e.command = Resolve(u_dir, e.command);
      for (const Json& a : exec->value("args", Json::array())) {
        if (!a.is_string()) return absl::InvalidArgumentError(kop::StrCat(where_e, ": args must be strings"));
        e.args.push_back(a.get<std::string>());
      }
      for (const Json& v : exec->value("env", Json::array())) {
        if (!v.is_object() || !v.value("name", Json()).is_string()) {
          return absl::InvalidArgumentError(kop::StrCat(where_e, ": env entries need a name and value"));
        }
        e.env.emplace_back(v["name"].get<std::string>(), v.value("value", ""));
      }
      e.provide_cluster_info = exec->value("provideClusterInfo", false);
      c.exec = std::move(e);
    }
  }
  return c;
}

absl::StatusOr<Json> ParseKubeconfigFile(const std::string& path) {
  KOP_ASSIGN_OR_RETURN(std::string text, ReadFile(path, "kubeconfig"));
  absl::StatusOr<std::vector<Json>> docs = ParseYamlDocuments(text);
  if (!docs.ok()) {
    return absl::InvalidArgumentError(kop::StrCat("kubeconfig ", path, ": ", docs.status().message()));
  }
  if (docs->empty()) return Json::object();
  return std::move((*docs)[0]);
}

std::vector<std::string> KubeconfigFiles(const KubeconfigOptions& options) {
  if (!options.path.empty()) return {options.path};
  std::vector<std::string> files;
  if (const char* env = std::getenv("KUBECONFIG"); env != nullptr && *env != '\0') {
    std::string_view rest(env);
    while (!rest.empty()) {
      const size_t colon = rest.find(':');
      std::string f(rest.substr(0, colon));
      if (!f.empty()) files.push_back(f);
      if (colon == std::string_view::npos) break;
      rest.remove_prefix(colon + 1);
    }
    return files;
  }
  if (const char* home = std::getenv("HOME"); home != nullptr) {
    files.push_back(std::string(home) + "/.kube/config");
  }
  return files;
}

}  // namespace

absl::StatusOr<Config> ConfigFromKubeconfig(std::string_view yaml, std::string_view context,
                                            std::string_view source, std::string_view base_dir) {
  absl::StatusOr<std::vector<Json>> docs = ParseYamlDocuments(yaml);
  if (!docs.ok()) {
    return absl::InvalidArgumentError(kop::StrCat("kubeconfig ", source, ": ", docs.status().message()));
  }
  Merged m;
  // Relative paths resolve against base_dir (a file's folder); messages name `source`.
  const std::string file = base_dir.empty() ? std::string(source)
                                            : (fs::path(std::string(base_dir)) / std::string(source)).string();
  KOP_RETURN_IF_ERROR(MergeFile(docs->empty() ? Json::object() : (*docs)[0], file, &m));
  return Build(m, context, kop::StrCat("kubeconfig ", source));
}

absl::StatusOr<Config> LoadKubeconfig(const KubeconfigOptions& options) {
  const std::vector<std::string> files = KubeconfigFiles(options);
  if (files.empty()) return absl::NotFoundError("no kubeconfig: --kubeconfig, $KUBECONFIG and $HOME are all unset");
  Merged m;
  bool any = false;
  for (const std::string& f : files) {
    std::error_code ec;
    const bool explicit_path = !options.path.empty();
    if (!fs::exists(f, ec)) {
      if (explicit_path) return absl::NotFoundError(kop::StrCat("kubeconfig ", f, ": no such file"));
      continue;  // kubectl skips missing files of $KUBECONFIG
    }
    KOP_ASSIGN_OR_RETURN(Json doc, ParseKubeconfigFile(f));
    KOP_RETURN_IF_ERROR(MergeFile(doc, f, &m));
    any = true;
  }
  if (!any) {
    return absl::NotFoundError(kop::StrCat("no kubeconfig found (looked at ", files.front(),
                                           files.size() > 1 ? " and others" : "", ")"));
  }
  return Build(m, options.context, kop::StrCat("kubeconfig ", files.front()));
}

absl::StatusOr<Config> InClusterConfig(const InClusterOptions& options) {
  std::string host = options.host;
  std::string port = options.port;
  if (host.empty()) {
    const char* h = std::getenv("KUBERNETES_SERVICE_HOST");
    const char* p = std::getenv("KUBERNETES_SERVICE_PORT");
    if (h == nullptr || p == nullptr || *h == '\0' || *p == '\0') {
      return absl::NotFoundError(
          "not running in a cluster: KUBERNETES_SERVICE_HOST and KUBERNETES_SERVICE_PORT are unset");
    }
    host = h;
    port = p;
  }
  Config c;
  c.source = "in-cluster";
  const bool ipv6 = host.find(':') != std::string::npos;
  c.server = kop::StrCat("https://", ipv6 ? "[" : "", host, ipv6 ? "]" : "", ":", port);
  KOP_ASSIGN_OR_RETURN(c.ca_pem, ReadFile(options.ca_path, "in-cluster CA"));
  absl::StatusOr<std::string> token = ReadFile(options.token_path, "in-cluster token");
  if (!token.ok()) return token.status();
  c.token_file = options.token_path;  // re-read as it rotates
  if (absl::StatusOr<std::string> ns = ReadFile(options.namespace_path, "namespace"); ns.ok()) {
    std::string n = *ns;
    while (!n.empty() && (n.back() == '\n' || n.back() == ' ')) n.pop_back();
    if (!n.empty()) c.namespace_ = n;
  }
  return c;
}

absl::StatusOr<Config> LoadConfig(const KubeconfigOptions& options) {
  absl::StatusOr<Config> kc = LoadKubeconfig(options);
  if (kc.ok() || !options.path.empty() || !absl::IsNotFound(kc.status())) return kc;
  if (kc.status().message().rfind("no kubeconfig", 0) != 0) return kc;  // a named thing is missing
  absl::StatusOr<Config> in = InClusterConfig();
  if (in.ok()) return in;
  return absl::NotFoundError(kop::StrCat(kc.status().message(), "; ", in.status().message()));
}

}  // namespace kop::client
