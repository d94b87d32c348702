// salesctl: the Salesteam command-line client. `salesctl help` lists the
// commands; each lives in its own file and registers itself (commands.h).
#include <iostream>
#include <string>
#include <vector>

#include "absl/flags/usage.h"

#include "common/config.h"
#include "tools/salesctl/commands.h"

int main(int argc, char** argv) {
  using salesteam::salesctl::kExitOk;
  using salesteam::salesctl::kExitUsage;
  absl::SetProgramUsageMessage(salesteam::salesctl::Usage());
  std::vector<char*> positional = salesteam::ParseFlagsWithEnv(argc, argv);
  if (positional.size() < 2) {
    std::cerr << salesteam::salesctl::Usage();
    return kExitUsage;
  }
  const std::string name = positional[1];
  if (name == "help") {
    std::cout << salesteam::salesctl::Usage();
    return kExitOk;
  }
  const salesteam::salesctl::Command* command = salesteam::salesctl::FindCommand(name);
  if (command == nullptr) {
    std::cerr << "salesctl: unknown command \"" << name << "\"\n\n" << salesteam::salesctl::Usage();
    return kExitUsage;
  }
  return command->run(std::vector<std::string>(positional.begin() + 2, positional.end()));
}
