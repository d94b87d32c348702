// Configuration for every Salesteam binary: absl flags, each of which may be
// overridden by an environment variable SALESTEAM_<FLAG_NAME_IN_UPPER_CASE>
// (so `--redis_address` reads SALESTEAM_REDIS_ADDRESS). The command line wins
// over the environment, and the environment over the flag's default. Every
// default runs the suite on one machine with no configuration at all.
#ifndef SALESTEAM_COMMON_CONFIG_H_
#define SALESTEAM_COMMON_CONFIG_H_

#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"

namespace salesteam {

// The environment variable that overrides flag `flag_name`.
std::string EnvVarForFlag(std::string_view flag_name);

// Applies SALESTEAM_* environment overrides to every registered flag, then
// parses the command line. Exits with a message naming the variable when an
// override does not parse. Returns the positional arguments (argv[0] first).
std::vector<char*> ParseFlagsWithEnv(int argc, char** argv);

// Applies only the environment overrides; used by ParseFlagsWithEnv and tests.
absl::Status ApplyEnvOverrides();

}  // namespace salesteam

#endif  // SALESTEAM_COMMON_CONFIG_H_
