// salesctl's team commands: team-create, team-get, team-update, team-list
// (RosterService CreateTeam, GetTeam, UpdateTeam, ListTeams). Conventions in
// roster_cli.h.
#include <iostream>
#include <iterator>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"

#include "common/status.h"
#include "tools/salesctl/client.h"
#include "tools/salesctl/commands.h"
#include "tools/salesctl/roster_cli.h"

namespace salesteam::salesctl::roster_cli {
namespace {

// The flags that set a team's fields, for team-create and team-update.
constexpr absl::string_view kTeamFieldFlags[] = {"name",
                                                 "time_zone",
                                                 "currency",
                                                 "model",
                                                 "manager",
                                                 "min_attainment_bps",
                                                 "consecutive_periods",
                                                 "cadence",
                                                 "stages"};

// The team fields the command line sets, and their update_mask paths.
struct TeamPatch {
  rosterpb::Team team;
  std::vector<std::string> paths;
  // Only one of --min_attainment_bps and --consecutive_periods: the other
  // half of the policy comes from the stored team.
  bool partial_policy = false;
};

absl::StatusOr<TeamPatch> TeamFromFlags() {
  TeamPatch patch;
  rosterpb::Team& team = patch.team;
  if (auto name = absl::GetFlag(FLAGS_name)) {
    team.set_name(*name);
    patch.paths.push_back("name");
  }
  if (auto time_zone = absl::GetFlag(FLAGS_time_zone)) {
    team.set_time_zone(*time_zone);
    patch.paths.push_back("time_zone");
  }
  if (auto currency = absl::GetFlag(FLAGS_currency)) {
    team.set_currency_code(*currency);
    patch.paths.push_back("currency_code");
  }
  if (auto model = absl::GetFlag(FLAGS_model)) {
    ASSIGN_OR_RETURN(rosterpb::SalesModel value, ParseWord<rosterpb::SalesModel>(*model, "model"));
    team.set_sales_model(value);
    patch.paths.push_back("sales_model");
  }
  if (auto manager = absl::GetFlag(FLAGS_manager)) {
    team.set_manager_id(*manager == "none" ? "" : *manager);
    patch.paths.push_back("manager_id");
  }
  const auto min_attainment = absl::GetFlag(FLAGS_min_attainment_bps);
  const auto periods = absl::GetFlag(FLAGS_consecutive_periods);
  if (min_attainment.has_value() || periods.has_value()) {
    if (min_attainment.has_value()) {
      team.mutable_expectation_policy()->set_min_attainment_bps(*min_attainment);
    }
    if (periods.has_value()) team.mutable_expectation_policy()->set_consecutive_periods(*periods);
    patch.partial_policy = !min_attainment.has_value() || !periods.has_value();
    patch.paths.push_back("expectation_policy");
  }
  if (auto cadence = absl::GetFlag(FLAGS_cadence)) {
    ASSIGN_OR_RETURN(auto entries, ParseCadence(*cadence));
    for (auto& entry : entries) *team.add_training_cadence() = std::move(entry);
    patch.paths.push_back("training_cadence");
  }
  if (auto stages = absl::GetFlag(FLAGS_stages)) {
    ASSIGN_OR_RETURN(auto owners, ParseStages(*stages));
    for (auto& owner : owners) *team.add_stage_ownership() = std::move(owner);
    patch.paths.push_back("stage_ownership");
  }
  return patch;
}

absl::Status GetTeam(RosterConnection& roster, const std::string& team_id, rosterpb::Team* team) {
  rosterpb::GetTeamRequest request;
  request.set_team_id(team_id);
  rosterpb::GetTeamResponse response;
  RETURN_IF_ERROR(roster.Call(
      [&](auto& stub, auto* context) { return stub.GetTeam(context, request, &response); }));
  *team = std::move(*response.mutable_team());
  return absl::OkStatus();
}

// ---- team-create ----

int RunTeamCreate(const std::vector<std::string>& args) {
  return RunCommand<rosterpb::CreateTeamRequest>(
      "team-create", args,
      [](const std::vector<std::string>& args) -> absl::StatusOr<rosterpb::CreateTeamRequest> {
        RETURN_IF_ERROR(CheckOnlyFlags(kTeamFieldFlags));
        if (!args.empty()) {
          return absl::InvalidArgumentError(
              absl::StrCat("unexpected argument ", QuoteInput(args[0])));
        }
        RETURN_IF_ERROR(RequireFlags({"name", "time_zone", "currency", "model",
                                      "min_attainment_bps", "consecutive_periods"}));
        ASSIGN_OR_RETURN(TeamPatch patch, TeamFromFlags());
        rosterpb::CreateTeamRequest request;
        *request.mutable_team() = std::move(patch.team);
        return request;
      },
      [](RosterConnection& roster, rosterpb::CreateTeamRequest& request) -> absl::Status {
        rosterpb::CreateTeamResponse response;
        RETURN_IF_ERROR(roster.Call([&](auto& stub, auto* context) {
          return stub.CreateTeam(context, request, &response);
        }));
        if (absl::GetFlag(FLAGS_json)) {
          PrintJson(response);
        } else {
          PrintTeam(response.team());
        }
        return absl::OkStatus();
      });
}

SALESCTL_COMMAND({.name = "team-create",
                  .synopsis = "--name NAME --time_zone ZONE --currency CODE "
                              "--model island|assembly-line --min_attainment_bps BPS "
                              "--consecutive_periods N [--cadence AREA:DAYS,...] "
                              "[--stages STAGE:ROLE,...] [--json]",
                  .summary = "Create a team (admins). Set its manager with team-update --manager "
                             "once the manager is a member.",
                  .run = RunTeamCreate});

// ---- team-get ----

int RunTeamGet(const std::vector<std::string>& args) {
  return RunCommand<std::string>(
      "team-get", args,
      [](const std::vector<std::string>& args) -> absl::StatusOr<std::string> {
        RETURN_IF_ERROR(CheckOnlyFlags({}));
        return OneArgument(args, "TEAM_ID");
      },
      [](RosterConnection& roster, std::string& team_id) -> absl::Status {
        rosterpb::GetTeamResponse response;
        RETURN_IF_ERROR(GetTeam(roster, team_id, response.mutable_team()));
        if (absl::GetFlag(FLAGS_json)) {
          PrintJson(response);
        } else {
          PrintTeam(response.team());
        }
        return absl::OkStatus();
      });
}

SALESCTL_COMMAND({.name = "team-get",
                  .synopsis = "TEAM_ID [--json]",
                  .summary = "Show a team.",
                  .run = RunTeamGet});

// ---- team-update ----

struct TeamUpdate {
  std::string team_id;
  TeamPatch patch;
};

int RunTeamUpdate(const std::vector<std::string>& args) {
  return RunCommand<TeamUpdate>(
      "team-update", args,
      [](const std::vector<std::string>& args) -> absl::StatusOr<TeamUpdate> {
        std::vector<absl::string_view> allowed(std::begin(kTeamFieldFlags),
                                               std::end(kTeamFieldFlags));
        allowed.push_back("expected_version");
        allowed.push_back("effective_date");
        RETURN_IF_ERROR(CheckOnlyFlags(allowed));
        TeamUpdate update;
        ASSIGN_OR_RETURN(update.team_id, OneArgument(args, "TEAM_ID"));
        ASSIGN_OR_RETURN(update.patch, TeamFromFlags());
        if (update.patch.paths.empty()) {
          return absl::InvalidArgumentError(
              "nothing to update: give at least one of --name, --time_zone, --currency, --model, "
              "--manager, --min_attainment_bps, --consecutive_periods, --cadence, --stages");
        }
        return update;
      },
      [](RosterConnection& roster, TeamUpdate& update) -> absl::Status {
        rosterpb::UpdateTeamRequest request;
        rosterpb::Team& team = *request.mutable_team();
        team = std::move(update.patch.team);
        team.set_id(update.team_id);
        const std::optional<int64_t> version = absl::GetFlag(FLAGS_expected_version);
        if (!version.has_value() || update.patch.partial_policy) {
          rosterpb::Team current;
          RETURN_IF_ERROR(GetTeam(roster, update.team_id, &current));
          team.set_version(current.version());
          if (update.patch.partial_policy) {
            rosterpb::ExpectationPolicy policy = current.expectation_policy();
            policy.MergeFrom(team.expectation_policy());
            *team.mutable_expectation_policy() = policy;
          }
        }
        if (version.has_value()) team.set_version(*version);
        for (const std::string& path : update.patch.paths)
          request.mutable_update_mask()->add_paths(path);
        // When a new zone or currency applies (default: today, UTC).
        if (const std::optional<std::string> day = absl::GetFlag(FLAGS_effective_date)) {
          ASSIGN_OR_RETURN(*request.mutable_terms_effective_date(),
                           ParseDate(*day, "effective_date"));
        }
        rosterpb::UpdateTeamResponse response;
        RETURN_IF_ERROR(roster.Call([&](auto& stub, auto* context) {
          return stub.UpdateTeam(context, request, &response);
        }));
        if (absl::GetFlag(FLAGS_json)) {
          PrintJson(response);
        } else {
          PrintTeam(response.team());
        }
        return absl::OkStatus();
      });
}

SALESCTL_COMMAND({.name = "team-update",
                  .synopsis = "TEAM_ID [--name NAME] [--time_zone ZONE] [--currency CODE] "
                              "[--model MODEL] [--manager MEMBER_ID|none] "
                              "[--min_attainment_bps BPS] [--consecutive_periods N] "
                              "[--cadence AREA:DAYS,...|none] [--stages STAGE:ROLE,...] "
                              "[--effective_date YYYY-MM-DD] [--expected_version N] [--json]",
                  .summary = "Change the fields given (they make the update mask) at the team's "
                             "current version (read first) or at --expected_version; a new "
                             "--time_zone or --currency applies from --effective_date (default "
                             "today, UTC), earlier days keep theirs.",
                  .run = RunTeamUpdate});

// ---- team-list ----

int RunTeamList(const std::vector<std::string>& args) {
  return RunCommand<rosterpb::ListTeamsRequest>(
      "team-list", args,
      [](const std::vector<std::string>& args) -> absl::StatusOr<rosterpb::ListTeamsRequest> {
        RETURN_IF_ERROR(CheckOnlyFlags({"page_size", "page_token"}));
        if (!args.empty()) {
          return absl::InvalidArgumentError(
              absl::StrCat("unexpected argument ", QuoteInput(args[0])));
        }
        return rosterpb::ListTeamsRequest();
      },
      [](RosterConnection& roster, rosterpb::ListTeamsRequest& request) -> absl::Status {
        ASSIGN_OR_RETURN(rosterpb::ListTeamsResponse response,
                         (ListPages<rosterpb::ListTeamsRequest, rosterpb::ListTeamsResponse>(
                             request, [&](const rosterpb::ListTeamsRequest& page_request,
                                          rosterpb::ListTeamsResponse* page) {
                               return roster.Call([&](auto& stub, auto* context) {
                                 return stub.ListTeams(context, page_request, page);
                               });
                             })));
        if (absl::GetFlag(FLAGS_json)) {
          PrintJson(response);
          return absl::OkStatus();
        }
        if (response.teams().empty() && response.next_page_token().empty()) {
          std::cout << "no teams" << std::endl;
          return absl::OkStatus();
        }
        Table table({"ID", "NAME", "MODEL", "TIME_ZONE", "CURRENCY", "MANAGER", "VERSION"});
        for (const rosterpb::Team& team : response.teams()) {
          table.AddRow({team.id(), team.name(), Word(team.sales_model()), team.time_zone(),
                        team.currency_code(), OrDash(team.manager_id()),
                        absl::StrCat(team.version())});
        }
        table.Print();
        PrintNextPage(response.next_page_token());
        return absl::OkStatus();
      });
}

SALESCTL_COMMAND({.name = "team-list",
                  .synopsis = "[--page_size N] [--page_token TOKEN] [--json]",
                  .summary = "List the teams you may read (every page unless --page_size or "
                             "--page_token is given).",
                  .run = RunTeamList});

}  // namespace
}  // namespace salesteam::salesctl::roster_cli
