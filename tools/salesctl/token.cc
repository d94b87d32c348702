// `salesctl token`: mints a bearer token with the local JWT secret, for
// trying the suite by hand (`export SALESTEAM_TOKEN=$(salesctl token --role
// manager --sub m-1 --teams t-1)`) and for scripts.
#include <iostream>
#include <string>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "google/protobuf/struct.pb.h"

#include "common/auth/auth.h"
#include "tools/salesctl/client.h"
#include "tools/salesctl/commands.h"

ABSL_FLAG(std::string, role, "", "token: the role claim: rep, manager, admin or service");
ABSL_FLAG(std::string, sub, "",
          "token: the subject (member id); required for rep and manager, default \"salesctl\" "
          "for admin and service");
ABSL_FLAG(std::vector<std::string>, teams, {}, "token: comma-separated team ids");
ABSL_FLAG(absl::Duration, ttl, absl::Hours(12), "token: how long the token is valid");

namespace salesteam::salesctl {
namespace {

int RunToken(const std::vector<std::string>& args) {
  if (!args.empty()) {
    std::cerr << "salesctl token: unexpected argument \"" << args[0] << "\"\n";
    return kExitUsage;
  }
  const std::string role_name = absl::GetFlag(FLAGS_role);
  if (role_name.empty()) {
    std::cerr << "salesctl token: --role is required (rep, manager, admin or service)\n";
    return kExitUsage;
  }
  absl::StatusOr<auth::Role> role = auth::ParseRole(role_name);
  if (!role.ok()) {
    std::cerr << "salesctl token: --role: " << role.status().message() << "\n";
    return kExitUsage;
  }
  auth::Principal principal;
  principal.role = *role;
  principal.subject = absl::GetFlag(FLAGS_sub);
  principal.teams = absl::GetFlag(FLAGS_teams);
  if (principal.subject.empty()) {
    if (*role == auth::Role::kRep || *role == auth::Role::kManager) {
      // Their data is found by member id, so a made-up subject would
      // authenticate and then see nothing.
      std::cerr << "salesctl token: --sub (the member id) is required for role " << role_name
                << "\n";
      return kExitUsage;
    }
    principal.subject = "salesctl";
  }
  const absl::Duration ttl = absl::GetFlag(FLAGS_ttl);
  if (ttl <= absl::ZeroDuration()) {
    std::cerr << "salesctl token: --ttl must be positive\n";
    return kExitUsage;
  }

  absl::StatusOr<auth::JwtSecret> secret = auth::LoadJwtSecret();
  if (!secret.ok()) return Fail(secret.status());
  const absl::Time now = absl::Now();
  absl::StatusOr<std::string> token = auth::MintToken(secret->value, principal, ttl, now);
  if (!token.ok()) return Fail(token.status());

  if (!absl::GetFlag(FLAGS_json)) {
    std::cout << *token << std::endl;
    return kExitOk;
  }
  google::protobuf::Struct out;
  auto& fields = *out.mutable_fields();
  fields["token"].set_string_value(*token);
  fields["sub"].set_string_value(principal.subject);
  fields["role"].set_string_value(std::string(auth::RoleName(principal.role)));
  auto* teams = fields["teams"].mutable_list_value();
  for (const std::string& team : principal.teams) teams->add_values()->set_string_value(team);
  fields["expires_at"].set_string_value(
      absl::FormatTime(absl::RFC3339_sec, now + ttl, absl::UTCTimeZone()));
  PrintJson(out);
  return kExitOk;
}

SALESCTL_COMMAND({.name = "token",
                  .synopsis = "--role ROLE [--sub ID] [--teams T1,T2] [--ttl 12h] [--json]",
                  .summary = "Print a bearer token minted with the local JWT secret.",
                  .run = RunToken});

}  // namespace
}  // namespace salesteam::salesctl
