#include "kop/testkit/environment.h"

#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <random>
#include <sstream>

#include "kop/api/yaml.h"
#include "kop/base/status_macros.h"
#include "kop/base/strings.h"
#include "kop/client/errors.h"

namespace kop::testkit {
namespace {

const GroupVersionKind kNamespace{"", "v1", "Namespace"};
const GroupVersionKind kCrd{"apiextensions.k8s.io", "v1", "CustomResourceDefinition"};

std::string RandomSuffix() {
  static thread_local std::mt19937 rng{std::random_device{}()};
  static const char kChars[] = "abcdefghijklmnopqrstuvwxyz0123456789";
  std::string s;
  for (int i = 0; i < 6; ++i) s += kChars[rng() % 36];
  return s;
}

absl::StatusOr<std::string> ReadFile(const std::filesystem::path& path) {
  std::ifstream in(path);
  if (!in) return absl::NotFoundError(kop::StrCat("cannot read ", path.string()));
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

bool IsManifest(const std::filesystem::path& p) {
  const std::string ext = p.extension().string();
  return ext == ".yaml" || ext == ".yml" || ext == ".json";
}

}  // namespace

absl::StatusOr<std::unique_ptr<Environment>> Environment::Start(EnvironmentOptions options) {
  auto env = std::unique_ptr<Environment>(new Environment());
  env->crd_timeout_ = options.crd_timeout;
  const char* external = std::getenv("KOP_TEST_KUBECONFIG");
  const bool has_external = external != nullptr && *external != '\0';
  const bool existing = options.use_existing_cluster.value_or(has_external);
  if (existing) {
    if (!has_external) {
      return absl::FailedPreconditionError("use_existing_cluster: KOP_TEST_KUBECONFIG names no kubeconfig");
    }
    env->kubeconfig_path_ = external;
    KOP_ASSIGN_OR_RETURN(env->config_, client::LoadConfig({.path = external}));
  } else {
    KOP_ASSIGN_OR_RETURN(env->server_, testing::ApiServer::Start(options.server));
    env->kubeconfig_path_ = (std::filesystem::temp_directory_path() /
                             kop::StrCat("kop-testkit-", getpid(), "-", RandomSuffix(), ".kubeconfig"))
                                .string();
    KOP_RETURN_IF_ERROR(env->server_->WriteKubeconfig(env->kubeconfig_path_));
    env->own_kubeconfig_ = true;
    KOP_ASSIGN_OR_RETURN(env->config_, client::ConfigFromKubeconfig(env->server_->KubeconfigYaml()));
  }
  env->config_.qps = 0;  // tests are not throttled
  env->config_.burst = 0;
  KOP_ASSIGN_OR_RETURN(env->client_, client::Client::Create(env->config_));
  for (const std::string& path : options.crd_paths) KOP_RETURN_IF_ERROR(env->InstallCrds(path));
  return env;
}

Environment::~Environment() {
  for (const std::string& ns : namespaces_) {
    (void)client_->Delete(Object::New(kNamespace, {"", ns}));
  }
  for (const std::string& crd : installed_crds_) {
    (void)client_->Delete(Object::New(kCrd, {"", crd}));
  }
  if (own_kubeconfig_) std::remove(kubeconfig_path_.c_str());
}

ManagerOptions Environment::ManagerOptionsFor(std::string name) const {
  ManagerOptions o;
  o.name = std::move(name);
  o.config = config_;
  o.metrics_bind_address = "0";
  o.health_probe_bind_address = "0";
  o.graceful_shutdown_timeout = std::chrono::seconds(5);
  return o;
}

absl::StatusOr<std::string> Environment::CreateNamespace(const std::string& prefix) {
  const std::string name = kop::StrCat(prefix, "-", RandomSuffix());
  KOP_RETURN_IF_ERROR(client_->Create(Object::New(kNamespace, {"", name})).status());
  namespaces_.push_back(name);
  return name;
}

absl::Status Environment::InstallCrds(const std::string& path) {
  std::vector<std::filesystem::path> files;
  std::error_code ec;
  if (std::filesystem::is_directory(path, ec)) {
    for (const auto& entry : std::filesystem::directory_iterator(path, ec)) {
      if (entry.is_regular_file() && IsManifest(entry.path())) files.push_back(entry.path());
    }
    std::sort(files.begin(), files.end());
  } else if (std::filesystem::is_regular_file(path, ec)) {
    files.push_back(path);
  } else {
    return absl::NotFoundError(kop::StrCat("CRD path ", path, ": no such file or folder"));
  }
  for (const std::filesystem::path& file : files) {
    KOP_ASSIGN_OR_RETURN(std::string text, ReadFile(file));
    absl::StatusOr<std::vector<Json>> docs = ParseYamlDocuments(text);
    if (!docs.ok()) return absl::InvalidArgumentError(kop::StrCat(file.string(), ": ", docs.status().message()));
    for (Json& doc : *docs) {
      if (doc.is_null()) continue;
      absl::StatusOr<Object> crd = Object::FromJson(std::move(doc));
      if (!crd.ok()) return absl::InvalidArgumentError(kop::StrCat(file.string(), ": ", crd.status().message()));
      if (crd->kind() != "CustomResourceDefinition") {
        return absl::InvalidArgumentError(
            kop::StrCat(file.string(), ": a ", crd->kind(), " is not a CustomResourceDefinition"));
      }
      KOP_RETURN_IF_ERROR(InstallCrd(*std::move(crd)));
    }
  }
  return absl::OkStatus();
}

absl::Status Environment::InstallCrd(Object crd) {
  const std::string name(crd.name());
  absl::StatusOr<Object> created = client_->Create(crd);
  if (created.ok()) {
    if (existing_cluster()) installed_crds_.push_back(name);
  } else if (!kop::IsAlreadyExists(created.status())) {
    return created.status();
  }
  const std::string group(crd.FindView({"spec", "group"}).get_string());
  const std::string kind(crd.FindView({"spec", "names", "kind"}).get_string());
  std::vector<std::string> versions;
  for (const JsonMember& v : crd.FindView({"spec", "versions"}).items()) {
    if (v.value["served"].get_bool()) versions.emplace_back(v.value["name"].get_string());
  }
  for (const std::string& version : versions) {
    absl::Status served = EventuallyOk(
        [&]() -> absl::Status { return client_->ForKind({group, version, kind}).status(); }, crd_timeout_,
        std::chrono::milliseconds(50));
    if (!served.ok()) {
      return absl::DeadlineExceededError(
          kop::StrCat("CRD ", name, ": ", group, "/", version, " ", kind, " is not served: ", served.message()));
    }
  }
  return absl::OkStatus();
}

absl::StatusOr<std::unique_ptr<BackgroundManager>> BackgroundManager::Start(std::unique_ptr<Manager> manager,
                                                                            std::chrono::milliseconds timeout) {
  auto bm = std::unique_ptr<BackgroundManager>(new BackgroundManager());
  bm->manager_ = std::move(manager);
  auto done = std::make_shared<std::atomic<bool>>(false);
  BackgroundManager* self = bm.get();
  bm->thread_ = std::jthread([self, done] {
    self->result_ = self->manager_->Start(self->stop_.get_token());
    done->store(true);
  });
  const bool started = Eventually(
      [&] {
        return done->load() ||
               (self->manager_->IsLeader() &&
                self->manager_->health_checks().RunOne(health::Checks::Kind::kReadyz, "informers-synced").ok());
      },
      timeout, std::chrono::milliseconds(2));
  if (done->load()) {
    bm->thread_.join();
    bm->stopped_ = true;
    return bm->result_.ok() ? absl::InternalError("the manager stopped as soon as it started") : bm->result_;
  }
  if (!started) {
    (void)bm->Stop();
    return absl::DeadlineExceededError(kop::StrCat("the manager did not start within ", timeout.count(), " ms"));
  }
  return bm;
}

absl::Status BackgroundManager::Stop() {
  if (!stopped_) {
    stop_.request_stop();
    if (thread_.joinable()) thread_.join();
    stopped_ = true;
  }
  return result_;
}

BackgroundManager::~BackgroundManager() { (void)Stop(); }

bool Eventually(const std::function<bool()>& condition, std::chrono::milliseconds timeout,
                std::chrono::milliseconds interval) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (true) {
    if (condition()) return true;
    if (std::chrono::steady_clock::now() >= deadline) return false;
    std::this_thread::sleep_for(interval);
  }
}

absl::Status EventuallyOk(const std::function<absl::Status()>& check, std::chrono::milliseconds timeout,
                          std::chrono::milliseconds interval) {
  absl::Status last;
  if (Eventually([&] { return (last = check()).ok(); }, timeout, interval)) return absl::OkStatus();
  return absl::DeadlineExceededError(kop::StrCat("not within ", timeout.count(), " ms; last: ", last.ToString()));
}

}  // namespace kop::testkit
