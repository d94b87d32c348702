#include "tools/salesctl/commands.h"

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <utility>

#include "absl/strings/str_cat.h"

namespace salesteam::salesctl {
namespace {

// Function-local so that registrations from other files' static initialisers
// never run before the table exists.
std::map<std::string, Command, std::less<>>& Table() {
  static auto* table = new std::map<std::string, Command, std::less<>>();
  return *table;
}

}  // namespace

bool RegisterCommand(Command command) {
  std::string name = command.name;
  if (!Table().emplace(name, std::move(command)).second) {
    std::fprintf(stderr, "salesctl: command \"%s\" registered twice\n", name.c_str());
    std::abort();
  }
  return true;
}

const Command* FindCommand(absl::string_view name) {
  auto it = Table().find(name);
  return it == Table().end() ? nullptr : &it->second;
}

std::vector<const Command*> AllCommands() {
  std::vector<const Command*> commands;
  for (const auto& [name, command] : Table()) commands.push_back(&command);
  return commands;  // std::map keeps them sorted by name
}

std::string Usage() {
  std::string usage =
      "salesctl: the Salesteam command-line client.\n\n"
      "usage: salesctl COMMAND [ARGS...] [FLAGS...]\n\ncommands:\n";
  for (const Command* command : AllCommands()) {
    absl::StrAppend(&usage, "  ", command->name, " ", command->synopsis, "\n      ",
                    command->summary, "\n");
  }
  absl::StrAppend(&usage,
                  "\nCalls carry --token (or SALESTEAM_TOKEN); without one, salesctl mints a "
                  "short-lived admin token\nwith the local JWT secret. Every flag also reads "
                  "SALESTEAM_<FLAG>. `salesctl --helpfull` lists all flags.\n"
                  "Exit codes: 0 done, 1 failed, 2 bad command line.\n");
  return usage;
}

}  // namespace salesteam::salesctl
