// kop/manager/flags: the command line every operator has, and the user's flags beside it.
//
//   kop::FlagSet flags("greeter", "Greets ConfigMaps labelled greet=yes.");
//   std::string greeting = "hello";
//   flags.String("greeting", &greeting, "what to write", "TEXT");
//   KOP_ASSIGN_OR_RETURN(kop::OperatorFlags parsed, kop::ParseOperatorFlags(argc, argv, flags));
//   if (parsed.help) { std::cout << parsed.usage; return 0; }
//   kop::log::Configure(parsed.log);
//   auto manager = kop::Manager::Create(parsed.manager);
//
// (kop::OperatorMain in kop/manager/operator_main.h does all of that.)
//
// The standard flags carry controller-runtime's and kubebuilder's names and defaults:
//   --kubeconfig, --context, --watch-namespaces (also --watch-namespace, --namespace),
//   --metrics-bind-address (:8080), --health-probe-bind-address (:8081),
//   --grpc-health-bind-address (off), --leader-elect, --leader-election-id,
//   --leader-election-namespace, --leader-election-lease-duration (15s),
//   --leader-election-renew-deadline (10s), --leader-election-retry-period (2s),
//   --max-concurrent-reconciles (1), --graceful-shutdown-timeout (30s),
//   --cache-sync-timeout (2m), --log-format (text|json) and -v N, with zap's
//   --zap-encoder (console|json), --zap-log-level (info|debug|error|N) and --zap-devel as
//   aliases, and -h/--help.
// Values are given as --flag=value or --flag value; booleans as --flag, --flag=true|false.
// A mistake is an InvalidArgument naming the flag.
#ifndef KOP_MANAGER_FLAGS_H_
#define KOP_MANAGER_FLAGS_H_

#include <chrono>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "kop/log/logger.h"
#include "kop/manager/manager.h"

namespace kop {

struct OperatorFlags;

// A set of flags with their help. Targets must outlive Parse.
class FlagSet {
 public:
  FlagSet(std::string program, std::string description);

  void String(const std::string& name, std::string* target, std::string help, std::string value_name = "VALUE");
  // Repeatable and comma-separated: --ns a --ns b,c.
  void StringList(const std::string& name, std::vector<std::string>* target, std::string help,
                  std::string value_name = "VALUE");
  void Bool(const std::string& name, bool* target, std::string help);
  // Unset (nullopt) unless given.
  void OptionalBool(const std::string& name, std::optional<bool>* target, std::string help);
  void Int(const std::string& name, int* target, int min, int max, std::string help);
  // Go's duration syntax: 15s, 500ms, 1m30s, 2h.
  void Duration(const std::string& name, std::chrono::milliseconds* target, std::string help);
  // Another name for a flag already defined.
  void Alias(const std::string& alias, const std::string& name);
  // A heading in the --help text before the flags defined next.
  void Section(std::string title);

  // Parses arguments (without the program name). Unknown flags and positional arguments are
  // errors. Returns whether --help (-h) was given.
  absl::StatusOr<bool> Parse(const std::vector<std::string>& args) const;
  std::string Usage() const;
  const std::string& program() const { return program_; }

 private:
  struct Flag {
    std::string help;
    std::string value_name;  // empty: a boolean
    std::function<absl::Status(const std::string& name, const std::optional<std::string>& value)> set;
  };
  struct Line {
    std::string section;  // a heading when set
    std::string name;
  };
  void Define(const std::string& name, Flag flag);
  const std::string program_;
  const std::string description_;
  std::map<std::string, Flag> flags_;
  std::map<std::string, std::string> aliases_;
  std::vector<Line> lines_;           // the operator's own flags, in order
  std::vector<Line> standard_lines_;  // the standard ones, shown first
  bool adding_standard_ = false;
  friend absl::StatusOr<OperatorFlags> ParseOperatorFlags(const std::vector<std::string>&, FlagSet&, ManagerOptions);
};

// Go's time.ParseDuration for the units operators use (ms, s, m, h); positive only.
absl::StatusOr<std::chrono::milliseconds> ParseGoDuration(std::string_view text);

struct OperatorFlags {
  ManagerOptions manager;
  log::Options log;
  int max_concurrent_reconciles = 1;
  bool help = false;
  std::string usage;  // the --help text
};

// Adds the standard flags to `flags` (first, under their own headings), parses `args`, and
// returns what they say. `defaults` gives the starting values (the operator's name, and
// any default it wants to change), e.g. {.name = "greeter"}.
absl::StatusOr<OperatorFlags> ParseOperatorFlags(const std::vector<std::string>& args, FlagSet& flags,
                                                 ManagerOptions defaults = {});
absl::StatusOr<OperatorFlags> ParseOperatorFlags(int argc, const char* const* argv, FlagSet& flags,
                                                 ManagerOptions defaults = {});

}  // namespace kop

#endif  // KOP_MANAGER_FLAGS_H_
