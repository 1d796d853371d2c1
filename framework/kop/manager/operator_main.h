// kop/manager/operator_main: an operator's whole `main` in one call: the standard flags
// (kop/manager/flags.h) and the operator's own, logging, the Manager, the controllers the
// operator adds, signals, exit status.
//
//   int main(int argc, char** argv) {
//     bool dry_run = false;
//     return kop::OperatorMain(argc, argv, {
//         .name = "greeter",
//         .description = "Greets ConfigMaps labelled greet=yes.",
//         .add_flags = [&](kop::FlagSet& f) { f.Bool("dry-run", &dry_run, "log, do not write"); },
//         .setup = [&](kop::Manager& m, const kop::OperatorContext& ctx) {
//           return kop::ControllerBuilder(m).For(kConfigMap)
//               .WithOptions({.max_concurrent_reconciles = ctx.flags.max_concurrent_reconciles})
//               .Complete(std::make_unique<Greeter>(dry_run)).status();
//         }});
//   }
//
// Exit status: 0 after a clean shutdown (SIGTERM/SIGINT), 1 when the operator failed, 2 for
// a bad command line (the error names the flag), 0 for --help.
//
// Development mode: a `DevMode` (kop::devmode::EmbeddedApiServer, in the optional kop::devmode
// library) adds --embedded-apiserver and runs the operator against an API server in the same
// process. A production build leaves `dev_mode` null and links no embedded-server code.
#ifndef KOP_MANAGER_OPERATOR_MAIN_H_
#define KOP_MANAGER_OPERATOR_MAIN_H_

#include <functional>
#include <memory>
#include <stop_token>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "kop/client/config.h"
#include "kop/manager/flags.h"
#include "kop/manager/manager.h"

namespace kop {

// An optional way of running the operator for development (see kop/devmode).
class DevMode {
 public:
  virtual ~DevMode() = default;
  // Adds its flags (under a heading of its own).
  virtual void AddFlags(FlagSet& flags) = 0;
  // After parsing: whether its flags ask for it.
  virtual bool enabled() const = 0;
  // Starts what it provides; the client configuration the operator then uses.
  virtual absl::StatusOr<client::Config> Start() = 0;
};

struct OperatorContext {
  const OperatorFlags& flags;
  // Running in development mode (against an embedded API server).
  bool development = false;
};

struct OperatorSpec {
  std::string name;         // the operator's name: logs, User-Agent, the Lease's default name
  std::string description;  // the first line of --help
  // Adds the operator's own flags, beside the standard ones.
  std::function<void(FlagSet&)> add_flags;
  // Adds controllers and runnables to the manager (after the flags are parsed).
  std::function<absl::Status(Manager&, const OperatorContext&)> setup;
  // Null: production only.
  std::shared_ptr<DevMode> dev_mode;
  // Defaults the operator changes (name is taken from above).
  ManagerOptions defaults;
};

// Parses, sets up and runs until SIGTERM/SIGINT. Returns the process exit status.
int OperatorMain(int argc, char** argv, OperatorSpec spec);

// The same, for tests: arguments without the program name, messages to `out`/`err`, stopped
// by `stop` instead of signals. Returns the exit status.
int RunOperator(const std::vector<std::string>& args, OperatorSpec spec, std::stop_token stop, std::ostream& out,
                std::ostream& err);

}  // namespace kop

#endif  // KOP_MANAGER_OPERATOR_MAIN_H_
