#include "kop/manager/operator_main.h"

#include <iostream>
#include <optional>

#include "kop/base/status_macros.h"
#include "kop/base/strings.h"

namespace kop {
namespace {

// Parses and builds the manager; nullopt with `exit_code` set when there is nothing to run.
struct Prepared {
  std::unique_ptr<Manager> manager;
  int exit_code = 0;
};

Prepared Prepare(const std::vector<std::string>& args, OperatorSpec& spec, std::ostream& out, std::ostream& err) {
  FlagSet flags(spec.name, spec.description);
  if (spec.add_flags) spec.add_flags(flags);
  if (spec.dev_mode != nullptr) spec.dev_mode->AddFlags(flags);
  ManagerOptions defaults = spec.defaults;
  defaults.name = spec.name;
  absl::StatusOr<OperatorFlags> parsed = ParseOperatorFlags(args, flags, std::move(defaults));
  if (!parsed.ok()) {
    err << spec.name << ": " << parsed.status().message() << "\n";
    if (spec.dev_mode == nullptr && parsed.status().message().find("--embedded-") != std::string_view::npos) {
      err << spec.name << ": this is a production build, without the development mode (the embedded API "
          << "server); its development build has it\n";
    }
    return {nullptr, 2};
  }
  if (parsed->help) {
    out << parsed->usage;
    return {nullptr, 0};
  }
  log::Configure(parsed->log);
  log::Logger log = log::Root().WithName(spec.name);
  const bool development = spec.dev_mode != nullptr && spec.dev_mode->enabled();
  if (development) {
    absl::StatusOr<client::Config> config = spec.dev_mode->Start();
    if (!config.ok()) {
      log.Error(config.status(), "cannot start the development mode");
      return {nullptr, 1};
    }
    parsed->manager.config = *std::move(config);
  }
  absl::StatusOr<std::unique_ptr<Manager>> manager = Manager::Create(parsed->manager);
  if (!manager.ok()) {
    log.Error(manager.status(), "cannot create the manager");
    return {nullptr, absl::IsInvalidArgument(manager.status()) ? 2 : 1};
  }
  if (spec.setup) {
    const OperatorContext ctx{.flags = *parsed, .development = development};
    if (absl::Status s = spec.setup(**manager, ctx); !s.ok()) {
      log.Error(s, "cannot set up the operator");
      return {nullptr, 1};
    }
  }
  return {*std::move(manager), 0};
}

int Finish(const absl::Status& s, const std::string& name) {
  if (!s.ok()) {
    log::Root().WithName(name).Error(s, "exiting");
    return 1;
  }
  return 0;
}

}  // namespace

int OperatorMain(int argc, char** argv, OperatorSpec spec) {
  Prepared p = Prepare(std::vector<std::string>(argv + 1, argv + std::max(argc, 1)), spec, std::cout, std::cerr);
  if (p.manager == nullptr) return p.exit_code;
  return Finish(p.manager->Run(), spec.name);
}

int RunOperator(const std::vector<std::string>& args, OperatorSpec spec, std::stop_token stop, std::ostream& out,
                std::ostream& err) {
  Prepared p = Prepare(args, spec, out, err);
  if (p.manager == nullptr) return p.exit_code;
  return Finish(p.manager->Start(stop), spec.name);
}

}  // namespace kop
