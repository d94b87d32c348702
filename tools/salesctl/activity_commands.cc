// salesctl's activity commands: activity-record, activity-list, kpis,
// leaderboard (ActivityService RecordActivities, ListActivities, GetKpis,
// GetLeaderboard at --activity_address, SALESTEAM_ACTIVITY_ADDRESS). Their
// parts and conventions are in activity_cli.h; this file wires them into
// commands. activity-list and leaderboard also ask the roster (for a team's
// zone, currency and members' names), which the activity API leaves out.
#include <iostream>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"

#include "common/status.h"
#include "common/time/time_zone.h"
#include "tools/salesctl/activity_cli.h"
#include "tools/salesctl/client.h"
#include "tools/salesctl/commands.h"
#include "tools/salesctl/roster_cli.h"

namespace salesteam::salesctl::activity_cli {
namespace {

namespace rosterpb = ::salesteam::roster::v1;

using roster_cli::RosterConnection;

// Runs an activity command in two phases: `parse` reads the command line
// (its errors are usage errors: exit 2), then `execute` calls the service and
// prints; its status is exit 1, else it returns the exit code.
template <typename Parsed>
int RunCommand(absl::string_view command, const std::vector<std::string>& args,
               absl::FunctionRef<absl::StatusOr<Parsed>(const std::vector<std::string>&)> parse,
               absl::FunctionRef<absl::StatusOr<int>(ActivityConnection&, Parsed&)> execute) {
  absl::StatusOr<Parsed> parsed = parse(args);
  if (!parsed.ok()) return roster_cli::UsageError(command, parsed.status());
  absl::StatusOr<ActivityConnection> activity = ActivityConnection::Open();
  if (!activity.ok()) return Fail(activity.status());
  absl::StatusOr<int> exit_code = execute(*activity, *parsed);
  if (!exit_code.ok()) return Fail(exit_code.status());
  return *exit_code;
}

absl::Status NoArguments(const std::vector<std::string>& args) {
  if (args.empty()) return absl::OkStatus();
  return absl::InvalidArgumentError(absl::StrCat("unexpected argument ", QuoteInput(args[0])));
}

// The roster's team of `team_id`, or of `member_id`'s current team.
absl::StatusOr<rosterpb::Team> TeamFromRoster(const std::string& member_id,
                                              const std::string& team_id) {
  ASSIGN_OR_RETURN(RosterConnection roster, RosterConnection::Open());
  rosterpb::GetTeamRequest get_team;
  get_team.set_team_id(team_id);
  if (!member_id.empty()) {
    rosterpb::GetMemberRequest get_member;
    get_member.set_member_id(member_id);
    rosterpb::GetMemberResponse member;
    RETURN_IF_ERROR(roster.Call(
        [&](auto& stub, auto* context) { return stub.GetMember(context, get_member, &member); }));
    if (member.member().team_id().empty()) {
      return absl::FailedPreconditionError(
          absl::StrCat("member ", QuoteInput(member_id), " has no team today"));
    }
    get_team.set_team_id(member.member().team_id());
  }
  rosterpb::GetTeamResponse team;
  RETURN_IF_ERROR(roster.Call(
      [&](auto& stub, auto* context) { return stub.GetTeam(context, get_team, &team); }));
  return team.team();
}

// Prefixes `status`'s message with what salesctl was doing, keeping its code.
absl::Status Annotate(const absl::Status& status, absl::string_view doing) {
  return absl::Status(status.code(), absl::StrCat(doing, ": ", status.message()));
}

// ---- activity-record ----

struct RecordInput {
  // --file, and the number of activities in it; else `single` from flags.
  std::optional<std::string> file;
  int64_t file_count = 0;
  activitypb::RecordActivitiesRequest single;
};

absl::StatusOr<int> RecordFile(ActivityConnection& activity, const RecordInput& input) {
  const bool json = absl::GetFlag(FLAGS_json);
  activitypb::RecordActivitiesResponse all;
  std::vector<int64_t> line_numbers;
  int batch_number = 0;
  absl::Status sent = ForEachActivityBatch(
      *input.file, kRecordBatchSize, [&](ActivityBatch& batch) -> absl::Status {
        ++batch_number;
        absl::StatusOr<activitypb::RecordActivitiesResponse> response =
            RecordWithRetry(activity, batch.request);
        if (response.ok() && response->results_size() != batch.request.activities_size()) {
          response = absl::InternalError(
              absl::StrCat("the service answered ", response->results_size(), " results for ",
                           batch.request.activities_size(), " activities"));
        }
        if (!response.ok()) {
          return Annotate(
              response.status(),
              absl::StrCat("batch ", batch_number, " (lines ", batch.line_numbers.front(), "..",
                           batch.line_numbers.back(), ") was not recorded"));
        }
        MergeRecordResponse(*response, &all);
        line_numbers.insert(line_numbers.end(), batch.line_numbers.begin(),
                            batch.line_numbers.end());
        return absl::OkStatus();
      });
  if (json) {
    PrintJson(all);
  } else if (input.file_count == 0) {
    std::cout << "no activities in " << *input.file << std::endl;
  } else {
    PrintRecordResults(all, line_numbers);
  }
  if (!sent.ok()) {
    if (batch_number > 1) {
      std::cerr << "salesctl: the batches before it were recorded (results above); sending the "
                   "file again records only what is missing"
                << std::endl;
    }
    return sent;
  }
  return all.rejected_count() > 0 ? kExitFailed : kExitOk;
}

int RunActivityRecord(const std::vector<std::string>& args) {
  return RunCommand<RecordInput>(
      "activity-record", args,
      [](const std::vector<std::string>& args) -> absl::StatusOr<RecordInput> {
        RETURN_IF_ERROR(NoArguments(args));
        RecordInput input;
        if (auto file = absl::GetFlag(FLAGS_file)) {
          RETURN_IF_ERROR(CheckOnlyFlags({"file"}));
          input.file = *file;
          ASSIGN_OR_RETURN(input.file_count, CheckActivityFile(*file));
          return input;
        }
        RETURN_IF_ERROR(CheckOnlyFlags({"member", "type", "at", "activity_id", "deal", "amount",
                                        "currency", "minutes", "selling", "source"}));
        ASSIGN_OR_RETURN(*input.single.add_activities(), ActivityFromFlags(absl::Now()));
        return input;
      },
      [](ActivityConnection& activity, RecordInput& input) -> absl::StatusOr<int> {
        if (input.file.has_value()) return RecordFile(activity, input);
        ASSIGN_OR_RETURN(activitypb::RecordActivitiesResponse response,
                         RecordWithRetry(activity, input.single));
        if (absl::GetFlag(FLAGS_json)) {
          PrintJson(response);
        } else {
          PrintRecordResults(response, {});
        }
        return response.rejected_count() > 0 ? kExitFailed : kExitOk;
      });
}

SALESCTL_COMMAND(
    {.name = "activity-record",
     .synopsis = "--member MEMBER_ID --type TYPE [--at RFC3339 (default: now)] "
                 "[--activity_id ID (default: random)] [--deal DEAL_ID] "
                 "[--amount 1250.00 --currency EUR] [--minutes N [--selling]] [--source NAME] "
                 "[--json]  |  --file FILE [--json]",
     .summary = "Record one activity from flags, or every line of a file (one proto3 JSON "
                "Activity per line, sent 1,000 at a time); prints each item's outcome. Exits 1 "
                "when any item was rejected.",
     .run = RunActivityRecord});

// ---- activity-list ----

struct ListInput {
  ListQuery query;
  // --time_zone: the zone of --from/--to days; else the team's.
  std::optional<absl::TimeZone> zone;
};

int RunActivityList(const std::vector<std::string>& args) {
  return RunCommand<ListInput>(
      "activity-list", args,
      [](const std::vector<std::string>& args) -> absl::StatusOr<ListInput> {
        RETURN_IF_ERROR(NoArguments(args));
        RETURN_IF_ERROR(CheckOnlyFlags(
            {"member", "team", "from", "to", "types", "page_size", "page_token", "time_zone"}));
        ListInput input;
        ASSIGN_OR_RETURN(input.query, ListQueryFromFlags());
        if (auto name = absl::GetFlag(FLAGS_time_zone)) {
          ASSIGN_OR_RETURN(input.zone, periods::LoadTimeZone(*name, "--time_zone"));
        }
        // Instants need no zone: check the range now, as part of the command line.
        if (!input.query.NeedsTimeZone() || input.zone.has_value()) {
          RETURN_IF_ERROR(ResolveListRange(input.query, input.zone.value_or(absl::UTCTimeZone())));
        }
        return input;
      },
      [](ActivityConnection& activity, ListInput& input) -> absl::StatusOr<int> {
        ListQuery& query = input.query;
        if (query.NeedsTimeZone() && !input.zone.has_value()) {
          absl::StatusOr<rosterpb::Team> team =
              TeamFromRoster(query.request.member_id(), query.request.team_id());
          if (!team.ok()) {
            return Annotate(team.status(),
                            "finding the team's time zone for the days of --from/--to (give "
                            "--time_zone, or RFC 3339 times)");
          }
          ASSIGN_OR_RETURN(absl::TimeZone zone,
                           periods::LoadTimeZone(team->time_zone(), "team.time_zone"));
          RETURN_IF_ERROR(ResolveListRange(query, zone));
        }
        activitypb::ListActivitiesResponse response;
        RETURN_IF_ERROR(activity.Call([&](auto& stub, auto* context) {
          return stub.ListActivities(context, query.request, &response);
        }));
        if (absl::GetFlag(FLAGS_json)) {
          PrintJson(response);
        } else {
          PrintActivities(response);
        }
        return kExitOk;
      });
}

SALESCTL_COMMAND(
    {.name = "activity-list",
     .synopsis = "--member MEMBER_ID | --team TEAM_ID [--from DAY|RFC3339] [--to DAY|RFC3339] "
                 "[--time_zone ZONE (default: the team's)] [--types TYPE,...] [--page_size N] "
                 "[--page_token TOKEN] [--json]",
     .summary = "List a member's or team's activities, newest first, one page (default 100) and "
                "the token of the next; --to is exclusive, days start in the team's zone.",
     .run = RunActivityList});

// ---- kpis ----

int RunKpis(const std::vector<std::string>& args) {
  return RunCommand<activitypb::GetKpisRequest>(
      "kpis", args,
      [](const std::vector<std::string>& args) -> absl::StatusOr<activitypb::GetKpisRequest> {
        RETURN_IF_ERROR(NoArguments(args));
        RETURN_IF_ERROR(CheckOnlyFlags({"member", "team", "from", "to", "bucket"}));
        return KpisRequestFromFlags();
      },
      [](ActivityConnection& activity, activitypb::GetKpisRequest& request) -> absl::StatusOr<int> {
        activitypb::GetKpisResponse response;
        RETURN_IF_ERROR(activity.Call(
            [&](auto& stub, auto* context) { return stub.GetKpis(context, request, &response); }));
        if (absl::GetFlag(FLAGS_json)) {
          PrintJson(response);
        } else {
          PrintKpis(request, response);
        }
        return kExitOk;
      });
}

SALESCTL_COMMAND({.name = "kpis",
                  .synopsis = "--member MEMBER_ID | --team TEAM_ID --from YYYY-MM-DD "
                              "--to YYYY-MM-DD (exclusive) [--bucket day|week] [--json]",
                  .summary = "KPIs over days of the team's zone: counts, activity vs outcome, win "
                             "rate, won value, funnel, selling time, value mix, out-of-stage "
                             "work; per day or week with --bucket.",
                  .run = RunKpis});

// ---- leaderboard ----

// What the leaderboard leaves out and the roster knows: the team's currency
// (for won value) and the members' names. Only decoration, so a roster that
// cannot answer costs a warning, not the leaderboard.
void DecorateFromRoster(const activitypb::GetLeaderboardRequest& request,
                        const activitypb::GetLeaderboardResponse& response, std::string* currency,
                        std::map<std::string, std::string>* names) {
  if (response.entries().empty()) return;
  absl::Status status = [&]() -> absl::Status {
    ASSIGN_OR_RETURN(RosterConnection roster, RosterConnection::Open());
    if (request.metric() == activitypb::LEADERBOARD_METRIC_WON_VALUE) {
      rosterpb::GetTeamRequest get;
      get.set_team_id(request.team_id());
      rosterpb::GetTeamResponse team;
      RETURN_IF_ERROR(roster.Call(
          [&](auto& stub, auto* context) { return stub.GetTeam(context, get, &team); }));
      *currency = team.team().currency_code();
    }
    rosterpb::BatchGetMembersRequest batch;
    for (const activitypb::LeaderboardEntry& entry : response.entries()) {
      batch.add_member_ids(entry.member_id());
    }
    rosterpb::BatchGetMembersResponse members;
    RETURN_IF_ERROR(roster.Call(
        [&](auto& stub, auto* context) { return stub.BatchGetMembers(context, batch, &members); }));
    for (const rosterpb::Member& member : members.members()) {
      (*names)[member.id()] = member.name();
    }
    return absl::OkStatus();
  }();
  if (!status.ok()) {
    std::cerr << "salesctl: no names"
              << (request.metric() == activitypb::LEADERBOARD_METRIC_WON_VALUE && currency->empty()
                      ? " or currency"
                      : "")
              << " from the roster: " << status << std::endl;
  }
}

int RunLeaderboard(const std::vector<std::string>& args) {
  return RunCommand<activitypb::GetLeaderboardRequest>(
      "leaderboard", args,
      [](const std::vector<std::string>& args)
          -> absl::StatusOr<activitypb::GetLeaderboardRequest> {
        RETURN_IF_ERROR(NoArguments(args));
        RETURN_IF_ERROR(CheckOnlyFlags({"team", "metric", "type", "from", "to", "top"}));
        return LeaderboardRequestFromFlags();
      },
      [](ActivityConnection& activity,
         activitypb::GetLeaderboardRequest& request) -> absl::StatusOr<int> {
        activitypb::GetLeaderboardResponse response;
        RETURN_IF_ERROR(activity.Call([&](auto& stub, auto* context) {
          return stub.GetLeaderboard(context, request, &response);
        }));
        if (absl::GetFlag(FLAGS_json)) {
          PrintJson(response);
          return kExitOk;
        }
        std::string currency;
        std::map<std::string, std::string> names;
        DecorateFromRoster(request, response, &currency, &names);
        PrintLeaderboard(request, response, currency, names);
        return kExitOk;
      });
}

SALESCTL_COMMAND({.name = "leaderboard",
                  .synopsis = "--team TEAM_ID --metric count|won_value|win_rate|selling_share "
                              "[--type TYPE (for count)] --from YYYY-MM-DD --to YYYY-MM-DD "
                              "(exclusive) [--top N (default 10)] [--json]",
                  .summary = "Rank a team's members by one metric over days of the team's zone.",
                  .run = RunLeaderboard});

}  // namespace
}  // namespace salesteam::salesctl::activity_cli
