#include "common/config.h"

#include <cctype>
#include <cstdio>
#include <cstdlib>

#include "absl/flags/parse.h"
#include "absl/flags/reflection.h"
#include "absl/strings/str_cat.h"

namespace salesteam {

std::string EnvVarForFlag(std::string_view flag_name) {
  std::string name = "SALESTEAM_";
  for (char c : flag_name)
    name.push_back(static_cast<char>(std::toupper(static_cast<unsigned char>(c))));
  return name;
}

absl::Status ApplyEnvOverrides() {
  for (const auto& [name, flag] : absl::GetAllFlags()) {
    const std::string var = EnvVarForFlag(std::string_view(name.data(), name.size()));
    const char* value = std::getenv(var.c_str());
    if (value == nullptr) continue;
    std::string error;
    if (!flag->ParseFrom(value, &error)) {
      return absl::InvalidArgumentError(
          absl::StrCat(var, "=\"", value, "\" is not a valid value for --", name, ": ", error));
    }
  }
  return absl::OkStatus();
}

std::vector<char*> ParseFlagsWithEnv(int argc, char** argv) {
  if (absl::Status status = ApplyEnvOverrides(); !status.ok()) {
    std::fprintf(stderr, "%s\n", std::string(status.message()).c_str());
    std::exit(2);  // a misconfigured binary must not start
  }
  return absl::ParseCommandLine(argc, argv);
}

}  // namespace salesteam
