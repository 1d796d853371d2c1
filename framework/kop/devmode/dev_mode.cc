#include "kop/devmode/dev_mode.h"

#include <unistd.h>

#include <filesystem>

#include "kop/api/yaml.h"
#include "kop/base/status_macros.h"
#include "kop/base/strings.h"
#include "kop/testing/apiserver.h"

namespace kop::devmode {
namespace {

class EmbeddedServerMode final : public DevMode {
 public:
  EmbeddedServerMode(std::vector<std::string> crds, std::string crds_dir, std::ostream& out)
      : crds_(std::move(crds)), crds_dir_(std::move(crds_dir)), out_(out) {}

  void AddFlags(FlagSet& flags) override {
    flags.Section("Development (an embedded Kubernetes API server in this process)");
    flags.Bool("embedded-apiserver", &enabled_,
               "start kop's embedded Kubernetes API server in this process, with the operator's CRDs "
               "installed, and run against it; its kubeconfig is written to --embedded-kubeconfig and printed");
    flags.String("embedded-listen", &listen_, "where the embedded server listens (default 127.0.0.1:0, a free port)",
                 "HOST:PORT");
    flags.String("embedded-kubeconfig", &kubeconfig_, "where its kubeconfig goes (default: a file in $TMPDIR)", "PATH");
  }

  bool enabled() const override { return enabled_; }

  absl::StatusOr<client::Config> Start() override {
    testing::ApiServerOptions so;
    const size_t colon = listen_.rfind(':');
    int port = -1;
    if (colon != std::string::npos) {
      const std::string digits = listen_.substr(colon + 1);
      if (!digits.empty() && digits.size() <= 5 && digits.find_first_not_of("0123456789") == std::string::npos) {
        port = std::stoi(digits);
      }
    }
    if (port < 0 || port > 65535) {
      return absl::InvalidArgumentError(kop::StrCat("--embedded-listen \"", listen_, "\": want HOST:PORT"));
    }
    so.address = listen_.substr(0, colon);
    so.port = port;
    so.crds_dir = crds_dir_;
    KOP_ASSIGN_OR_RETURN(server_, testing::ApiServer::Start(so));
    for (const std::string& text : crds_) {
      KOP_ASSIGN_OR_RETURN(Json crd, ParseYaml(text));
      KOP_ASSIGN_OR_RETURN(Object crd_object, Object::FromJson(std::move(crd)));
      KOP_RETURN_IF_ERROR(server_->Create(crd_object).status());
    }
    if (kubeconfig_.empty()) {
      kubeconfig_ = (std::filesystem::temp_directory_path() / kop::StrCat("kop-dev-kubeconfig-", getpid())).string();
    }
    KOP_RETURN_IF_ERROR(server_->WriteKubeconfig(kubeconfig_));
    out_ << "Embedded Kubernetes API server at " << server_->url()
         << (crds_dir_.empty() ? kop::StrCat(" (", crds_.size(), crds_.size() == 1 ? " CRD" : " CRDs", " installed)")
                               : kop::StrCat(" (the CRDs of ", crds_dir_, " installed)"))
         << "\n"
         << "Its kubeconfig: " << kubeconfig_ << "\n"
         << "    export KUBECONFIG=" << kubeconfig_ << "\n"
         << std::flush;
    return client::ConfigFromKubeconfig(server_->KubeconfigYaml());
  }

 private:
  const std::vector<std::string> crds_;
  const std::string crds_dir_;
  std::ostream& out_;
  bool enabled_ = false;
  std::string listen_ = "127.0.0.1:0";
  std::string kubeconfig_;
  std::unique_ptr<testing::ApiServer> server_;  // lives as long as the mode (the process)
};

}  // namespace

std::shared_ptr<DevMode> EmbeddedApiServer(std::vector<std::string> crds, std::ostream& out) {
  return std::make_shared<EmbeddedServerMode>(std::move(crds), "", out);
}

std::shared_ptr<DevMode> EmbeddedApiServerWithCrdsFrom(std::string crds_dir, std::ostream& out) {
  return std::make_shared<EmbeddedServerMode>(std::vector<std::string>{}, std::move(crds_dir), out);
}

}  // namespace kop::devmode
