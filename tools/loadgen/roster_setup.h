// The teams and reps a load run sends activities for, made in the roster
// through its API before the run: --teams teams that mix island and
// assembly-line models, time zones on three continents and EUR and USD, and
// --reps members spread over them in the roles each model uses, all hired
// more than 400 days ago so that every day the activity service accepts is
// one they were active on. Team names start with "loadgen <run id>" and
// emails carry the run id, so that runs never collide; --reuse_teams takes
// every "loadgen ..." team already in the roster instead.
#ifndef SALESTEAM_TOOLS_LOADGEN_ROSTER_SETUP_H_
#define SALESTEAM_TOOLS_LOADGEN_ROSTER_SETUP_H_

#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "salesteam/roster/v1/roster.grpc.pb.h"
#include "tools/loadgen/generator.h"

namespace salesteam::loadgen {

struct RosterSetupOptions {
  int teams = 4;
  int reps = 200;
  // Lower-case letters, digits and '-', 1..32 characters.
  std::string run_id;
  // Use the roster's existing loadgen teams and their active members.
  bool reuse_teams = false;
  // Deadline of each roster call.
  absl::Duration timeout = absl::Seconds(10);
  // Members are created from this many threads at once.
  int parallel_calls = 4;
  absl::Time now = absl::Now();
};

// INVALID_ARGUMENT naming the flag: teams outside 1..100, reps outside
// 1..100000 or fewer than teams (both only when creating), a malformed run
// id.
absl::Status ValidateRosterSetupOptions(const RosterSetupOptions& options);

// A run id: 8 random lower-case hex digits.
std::string NewRunId();

// Creates the teams and members (or finds them, with reuse_teams) calling
// `roster` with `admin_token`. Errors name the call that failed;
// FAILED_PRECONDITION when reuse_teams finds no loadgen team with members.
absl::StatusOr<LoadRoster> SetUpRoster(roster::v1::RosterService::Stub& roster,
                                       absl::string_view admin_token,
                                       const RosterSetupOptions& options);

}  // namespace salesteam::loadgen

#endif  // SALESTEAM_TOOLS_LOADGEN_ROSTER_SETUP_H_
