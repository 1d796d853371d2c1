// kopctl: a small kubectl for operator authors, built on kop/client alone.
//
//   kopctl [--kubeconfig F] [--context C] [--cache-dir D] get RESOURCE [NAME] [-n NS | -A] [-l SEL] [-o json|yaml|name]
//   kopctl [...] watch RESOURCE [NAME] [-n NS | -A] [-l SEL]      one line per event
//   kopctl [...] apply -f FILE [-n NS]                            server-side apply
//   kopctl [...] create -f FILE|DIR [-n NS]                       create each object
//   kopctl [...] delete RESOURCE NAME [-n NS]
//
// RESOURCE is a plural, singular, kind or short name, or plural.group, resolved through
// discovery as kubectl does. Discovery is kept between runs under --cache-dir (default
// $KUBECACHEDIR, else ~/.kube/cache; "" turns the disk cache off) for six hours, and read
// again from the server when a name is not found in it.
#include <algorithm>
#include <csignal>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

#include "absl/time/clock.h"
#include "kop/api/time.h"
#include "kop/api/yaml.h"
#include "kop/client/client.h"

namespace {

using kop::client::Client;
using kop::client::ResourceClient;

struct Args {
  std::string kubeconfig;
  std::string context;
  std::optional<std::string> cache_dir;
  std::string verb;
  std::vector<std::string> positional;
  std::string ns;
  bool all_namespaces = false;
  std::string selector;
  std::string output;
  std::string file;
};

constexpr char kUsage[] =
    "usage: kopctl [--kubeconfig FILE] [--context NAME] [--cache-dir DIR] COMMAND ...\n"
    "  get RESOURCE [NAME] [-n NS | -A] [-l SELECTOR] [-o json|yaml|name]\n"
    "  watch RESOURCE [NAME] [-n NS | -A] [-l SELECTOR]\n"
    "  apply -f FILE [-n NS]           (server-side apply, field manager \"kopctl\")\n"
    "  create -f FILE|DIR [-n NS]      (creates every object; a folder's *.yaml files in name order)\n"
    "  delete RESOURCE NAME [-n NS]\n";

int Fail(const std::string& message, int code = 1) {
  std::cerr << "error: " << message << "\n";
  return code;
}

std::string Age(const kop::Object& o) {
  auto t = o.creation_timestamp();
  if (!t.ok() || !t->has_value()) return "<unknown>";
  const int64_t s = absl::ToInt64Seconds(absl::Now() - **t);
  if (s < 120) return std::to_string(s) + "s";
  if (s < 7200) return std::to_string(s / 60) + "m";
  if (s < 172800) return std::to_string(s / 3600) + "h";
  return std::to_string(s / 86400) + "d";
}

void Print(const std::vector<kop::Object>& items, const std::string& output, const std::string& resource,
           bool show_namespace) {
  if (output == "json") {
    if (items.size() == 1) {
      std::cout << items[0].json().dump(4) << "\n";
    } else {
      kop::Json list = {{"apiVersion", "v1"}, {"kind", "List"}, {"items", kop::Json::array()}};
      for (const auto& o : items) list["items"].push_back(o.json());
      std::cout << list.dump(4) << "\n";
    }
  } else if (output == "yaml") {
    for (size_t i = 0; i < items.size(); ++i) {
      if (i > 0) std::cout << "---\n";
      std::cout << kop::DumpYaml(items[i].json());
    }
  } else if (output == "name") {
    for (const auto& o : items) std::cout << resource << "/" << o.name() << "\n";
  } else {
    if (items.empty()) {
      std::cerr << "No resources found\n";
      return;
    }
    if (show_namespace) std::printf("%-20s ", "NAMESPACE");
    std::printf("%-40s %s\n", "NAME", "AGE");
    for (const auto& o : items) {
      if (show_namespace) std::printf("%-20s ", std::string(o.namespace_()).c_str());
      std::printf("%-40s %s\n", std::string(o.name()).c_str(), Age(o).c_str());
    }
  }
}

}  // namespace

int main(int argc, char** argv) {
  Args a;
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    auto value = [&](const char* flag) -> std::string {
      if (i + 1 >= argc) {
        std::cerr << "error: " << flag << " needs a value\n" << kUsage;
        std::exit(2);
      }
      return argv[++i];
    };
    if (arg == "--kubeconfig") {
      a.kubeconfig = value("--kubeconfig");
    } else if (arg == "--context") {
      a.context = value("--context");
    } else if (arg == "--cache-dir") {
      a.cache_dir = value("--cache-dir");
    } else if (arg == "-n" || arg == "--namespace") {
      a.ns = value("-n");
    } else if (arg == "-A" || arg == "--all-namespaces") {
      a.all_namespaces = true;
    } else if (arg == "-l" || arg == "--selector") {
      a.selector = value("-l");
    } else if (arg == "-o" || arg == "--output") {
      a.output = value("-o");
    } else if (arg == "-f" || arg == "--filename") {
      a.file = value("-f");
    } else if (arg == "-h" || arg == "--help") {
      std::cout << kUsage;
      return 0;
    } else if (!arg.empty() && arg[0] == '-') {
      std::cerr << "error: unknown flag " << arg << "\n" << kUsage;
      return 2;
    } else if (a.verb.empty()) {
      a.verb = arg;
    } else {
      a.positional.push_back(arg);
    }
  }
  if (a.verb.empty()) {
    std::cerr << kUsage;
    return 2;
  }
  if (!a.output.empty() && a.output != "json" && a.output != "yaml" && a.output != "name") {
    return Fail("-o must be json, yaml or name, not \"" + a.output + "\"", 2);
  }
  auto config = kop::client::LoadConfig({.path = a.kubeconfig, .context = a.context});
  if (!config.ok()) return Fail(std::string(config.status().message()));
  config->user_agent = kop::client::DefaultUserAgent() + " (kopctl)";
  kop::client::RestMapperOptions discovery;
  if (!a.cache_dir.has_value()) {
    if (const char* env = std::getenv("KUBECACHEDIR"); env != nullptr && *env != '\0') {
      a.cache_dir = env;
    } else if (const char* home = std::getenv("HOME"); home != nullptr && *home != '\0') {
      a.cache_dir = std::string(home) + "/.kube/cache";
    }
  }
  if (a.cache_dir.has_value() && !a.cache_dir->empty()) {
    discovery.disk_cache_dir = kop::client::DiscoveryCacheDir(*a.cache_dir, config->server);
  }
  auto client = Client::Create(*config, discovery);
  if (!client.ok()) return Fail(std::string(client.status().message()));
  const std::string ns = a.ns.empty() ? config->namespace_ : a.ns;

  if (a.verb == "apply" || a.verb == "create") {
    if (a.file.empty()) return Fail(a.verb + " needs -f FILE", 2);
    std::vector<std::string> files;
    if (std::filesystem::is_directory(a.file)) {
      for (const auto& e : std::filesystem::directory_iterator(a.file)) {
        const std::string ext = e.path().extension().string();
        if (ext == ".yaml" || ext == ".yml" || ext == ".json") files.push_back(e.path().string());
      }
      std::sort(files.begin(), files.end());
    } else {
      files.push_back(a.file);
    }
    std::vector<kop::Json> all;
    for (const std::string& file : files) {
      std::ifstream in(file);
      if (!in) return Fail("cannot read " + file);
      std::stringstream text;
      text << in.rdbuf();
      auto docs = kop::ParseYamlDocuments(text.str());
      if (!docs.ok()) return Fail(file + ": " + std::string(docs.status().message()));
      for (kop::Json& doc : *docs) {
        if (!doc.is_null()) all.push_back(std::move(doc));
      }
    }
    int failures = 0;
    for (kop::Json& doc : all) {
      auto obj = kop::Object::FromJson(std::move(doc));
      if (!obj.ok()) return Fail(a.file + ": " + std::string(obj.status().message()));
      auto gvk = obj->gvk();
      if (!gvk.ok()) return Fail(a.file + ": " + std::string(gvk.status().message()));
      auto mapping = (*client)->mapper().ForKind(*gvk);
      if (!mapping.ok()) return Fail(std::string(mapping.status().message()));
      ResourceClient rc = (*client)->Resource(mapping->gvr, mapping->namespaced);
      if (mapping->namespaced) {
        if (obj->namespace_().empty()) obj->set_namespace(ns);
        rc = rc.Namespace(std::string(obj->namespace_()));
      }
      auto written = a.verb == "apply" ? rc.Apply(*obj, "kopctl") : rc.Create(*obj);
      if (!written.ok()) {
        std::cerr << "error: " << mapping->gvr.resource << "/" << obj->name() << ": "
                  << written.status().message() << "\n";
        ++failures;
        continue;
      }
      std::cout << mapping->gvr.resource << "/" << obj->name() << (a.verb == "apply" ? " applied\n" : " created\n");
    }
    return failures == 0 ? 0 : 1;
  }

  if (a.positional.empty()) return Fail(a.verb + " needs a RESOURCE", 2);
  auto mapping = (*client)->mapper().ForName(a.positional[0]);
  if (!mapping.ok()) return Fail(std::string(mapping.status().message()));
  ResourceClient rc = (*client)->Resource(mapping->gvr, mapping->namespaced);
  if (mapping->namespaced && !a.all_namespaces) rc = rc.Namespace(ns);
  const std::string name = a.positional.size() > 1 ? a.positional[1] : "";
  const std::string kind_name = mapping->gvr.group.empty()
                                    ? mapping->singular
                                    : mapping->singular + "." + mapping->gvr.group;

  if (a.verb == "get") {
    std::vector<kop::Object> items;
    if (!name.empty()) {
      auto obj = rc.Get(name);
      if (!obj.ok()) return Fail(std::string(obj.status().message()));
      items.push_back(*std::move(obj));
    } else {
      auto list = rc.ListAll({.label_selector = a.selector});
      if (!list.ok()) return Fail(std::string(list.status().message()));
      items = std::move(list->items);
    }
    Print(items, a.output, kind_name, a.all_namespaces && mapping->namespaced);
    return 0;
  }
  if (a.verb == "delete") {
    if (name.empty()) return Fail("delete needs a NAME", 2);
    absl::Status s = rc.Delete(name);
    if (!s.ok()) return Fail(std::string(s.message()));
    std::cout << kind_name << " \"" << name << "\" deleted\n";
    return 0;
  }
  if (a.verb == "watch") {
    std::string field_selector = name.empty() ? "" : "metadata.name=" + name;
    std::string rv;
    while (true) {
      auto watch = rc.Watch({.label_selector = a.selector, .field_selector = field_selector,
                             .resource_version = rv, .idle_timeout = std::chrono::minutes(3)});
      if (!watch.ok()) return Fail(std::string(watch.status().message()));
      while (auto e = (*watch)->Next(std::chrono::hours(24))) {
        if (e->type == kop::client::WatchEvent::Type::kBookmark) {
          rv = e->object.resource_version();
          continue;
        }
        if (e->type == kop::client::WatchEvent::Type::kError) {
          if (kop::IsGone(e->error)) {
            rv.clear();  // too old: start again from the current state
            break;
          }
          return Fail(std::string(e->error.message()));
        }
        rv = e->object.resource_version();
        std::cout << kop::client::WatchEventTypeName(e->type) << " " << kind_name << "/"
                  << e->object.name() << " " << rv << std::endl;
      }
      absl::Status s = (*watch)->status();
      if (!s.ok() && !absl::IsDataLoss(s) && !absl::IsUnavailable(s) &&
          !absl::IsDeadlineExceeded(s) && !kop::IsGone(s)) {
        return Fail(std::string(s.message()));
      }
    }
  }
  return Fail("unknown command \"" + a.verb + "\"\n" + kUsage, 2);
}
