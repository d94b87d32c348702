// salesctl's subcommands. Each command lives in its own file (health.cc,
// token.cc, and one file per service's commands) and registers itself with
// SALESCTL_COMMAND, so adding a service's commands touches only that file and
// the source list in CMakeLists.txt. main.cc looks the command up by name.
//
// Flags are absl flags and therefore process-wide: a command defines the flags
// only it uses in its own file (name them so they cannot clash with another
// command's, e.g. --member_role rather than --role, which `token` owns), and
// uses the shared ones from client.h. Every flag also reads SALESTEAM_<FLAG>
// from the environment (common/config.h).
//
// Exit codes, for every command: 0 done; 1 the command ran and failed (an RPC
// error, a service not SERVING); 2 the command line was wrong.
#ifndef SALESTEAM_TOOLS_SALESCTL_COMMANDS_H_
#define SALESTEAM_TOOLS_SALESCTL_COMMANDS_H_

#include <functional>
#include <string>
#include <vector>

#include "absl/strings/string_view.h"

namespace salesteam::salesctl {

inline constexpr int kExitOk = 0;
inline constexpr int kExitFailed = 1;
inline constexpr int kExitUsage = 2;

struct Command {
  std::string name;      // the word after `salesctl`, e.g. "health"
  std::string synopsis;  // its arguments for the usage text, e.g. "[--json] [SERVICE...]"
  std::string summary;   // one line saying what it does
  // Runs the command with the positional arguments after its name; flags are
  // already parsed. Returns the exit code.
  std::function<int(const std::vector<std::string>& args)> run;
};

// Adds `command` to the table; returns true so that it can initialise a
// namespace-scope constant (see SALESCTL_COMMAND). Aborts on a duplicate name.
bool RegisterCommand(Command command);

// The command called `name`, or nullptr.
const Command* FindCommand(absl::string_view name);

// Every command, sorted by name.
std::vector<const Command*> AllCommands();

// The usage text listing every command.
std::string Usage();

}  // namespace salesteam::salesctl

#define SALESCTL_COMMAND_CONCAT_INNER_(a, b) a##b
#define SALESCTL_COMMAND_CONCAT_(a, b) SALESCTL_COMMAND_CONCAT_INNER_(a, b)

// SALESCTL_COMMAND({.name = "...", .synopsis = "...", .summary = "...", .run = Fn});
// at namespace scope in the command's file.
#define SALESCTL_COMMAND(...)                                                                \
  [[maybe_unused]] static const bool SALESCTL_COMMAND_CONCAT_(kSalesctlCommand_, __LINE__) = \
      ::salesteam::salesctl::RegisterCommand(::salesteam::salesctl::Command __VA_ARGS__)

#endif  // SALESTEAM_TOOLS_SALESCTL_COMMANDS_H_
