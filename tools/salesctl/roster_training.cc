// salesctl's training and role commands: training-record, training-list,
// training-compliance, role-suggestions (RosterService RecordTraining,
// ListTrainingSessions, GetTrainingCompliance, SuggestRoles). Conventions in
// roster_cli.h.
#include <iostream>
#include <string>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"

#include "common/status.h"
#include "tools/salesctl/client.h"
#include "tools/salesctl/commands.h"
#include "tools/salesctl/roster_cli.h"

namespace salesteam::salesctl::roster_cli {
namespace {

// 1.5 rather than 1.500000.
std::string FormatHours(double hours) { return absl::StrFormat("%g", hours); }

// ---- training-record ----

int RunTrainingRecord(const std::vector<std::string>& args) {
  return RunCommand<rosterpb::RecordTrainingRequest>(
      "training-record", args,
      [](const std::vector<std::string>& args) -> absl::StatusOr<rosterpb::RecordTrainingRequest> {
        RETURN_IF_ERROR(CheckOnlyFlags({"member", "area", "date", "hours", "note"}));
        if (!args.empty()) {
          return absl::InvalidArgumentError(
              absl::StrCat("unexpected argument ", QuoteInput(args[0])));
        }
        RETURN_IF_ERROR(RequireFlags({"member", "area", "date", "hours"}));
        rosterpb::RecordTrainingRequest request;
        rosterpb::TrainingSession& session = *request.mutable_session();
        session.set_member_id(*absl::GetFlag(FLAGS_member));
        ASSIGN_OR_RETURN(rosterpb::TrainingArea area,
                         ParseWord<rosterpb::TrainingArea>(*absl::GetFlag(FLAGS_area), "area"));
        session.set_area(area);
        ASSIGN_OR_RETURN(*session.mutable_date(), ParseDate(*absl::GetFlag(FLAGS_date), "date"));
        session.set_hours(*absl::GetFlag(FLAGS_hours));
        session.set_note(absl::GetFlag(FLAGS_note).value_or(""));
        return request;
      },
      [](RosterConnection& roster, rosterpb::RecordTrainingRequest& request) -> absl::Status {
        rosterpb::RecordTrainingResponse response;
        RETURN_IF_ERROR(roster.Call([&](auto& stub, auto* context) {
          return stub.RecordTraining(context, request, &response);
        }));
        if (absl::GetFlag(FLAGS_json)) {
          PrintJson(response);
          return absl::OkStatus();
        }
        const rosterpb::TrainingSession& session = response.session();
        Fields()
            .Add("id", session.id())
            .Add("member_id", session.member_id())
            .Add("area", Word(session.area()))
            .Add("date", FormatDate(session.date()))
            .Add("hours", FormatHours(session.hours()))
            .Add("note", OrDash(session.note()))
            .Add("recorded_by", session.recorded_by())
            .Add("create_time", FormatTimestamp(session.create_time()))
            .Print();
        return absl::OkStatus();
      });
}

SALESCTL_COMMAND({.name = "training-record",
                  .synopsis = "--member MEMBER_ID --area AREA --date YYYY-MM-DD --hours H "
                              "[--note TEXT] [--json]",
                  .summary = "Record a training session of an active member.",
                  .run = RunTrainingRecord});

// ---- training-list ----

int RunTrainingList(const std::vector<std::string>& args) {
  return RunCommand<rosterpb::ListTrainingSessionsRequest>(
      "training-list", args,
      [](const std::vector<std::string>& args)
          -> absl::StatusOr<rosterpb::ListTrainingSessionsRequest> {
        RETURN_IF_ERROR(CheckOnlyFlags({"member", "team", "area", "page_size", "page_token"}));
        if (!args.empty()) {
          return absl::InvalidArgumentError(
              absl::StrCat("unexpected argument ", QuoteInput(args[0])));
        }
        const auto member = absl::GetFlag(FLAGS_member);
        const auto team = absl::GetFlag(FLAGS_team);
        if (member.has_value() == team.has_value()) {
          return absl::InvalidArgumentError("give exactly one of --member and --team");
        }
        rosterpb::ListTrainingSessionsRequest request;
        request.set_member_id(member.value_or(""));
        request.set_team_id(team.value_or(""));
        if (auto area = absl::GetFlag(FLAGS_area)) {
          ASSIGN_OR_RETURN(rosterpb::TrainingArea value,
                           ParseWord<rosterpb::TrainingArea>(*area, "area"));
          request.set_area(value);
        }
        return request;
      },
      [](RosterConnection& roster, rosterpb::ListTrainingSessionsRequest& request) -> absl::Status {
        ASSIGN_OR_RETURN(rosterpb::ListTrainingSessionsResponse response,
                         (ListPages<rosterpb::ListTrainingSessionsRequest,
                                    rosterpb::ListTrainingSessionsResponse>(
                             request, [&](const rosterpb::ListTrainingSessionsRequest& page_request,
                                          rosterpb::ListTrainingSessionsResponse* page) {
                               return roster.Call([&](auto& stub, auto* context) {
                                 return stub.ListTrainingSessions(context, page_request, page);
                               });
                             })));
        if (absl::GetFlag(FLAGS_json)) {
          PrintJson(response);
          return absl::OkStatus();
        }
        if (response.sessions().empty() && response.next_page_token().empty()) {
          std::cout << "no training sessions" << std::endl;
          return absl::OkStatus();
        }
        Table table({"DATE", "MEMBER", "AREA", "HOURS", "ID", "NOTE"});
        for (const rosterpb::TrainingSession& session : response.sessions()) {
          table.AddRow({FormatDate(session.date()), session.member_id(), Word(session.area()),
                        FormatHours(session.hours()), session.id(), OrDash(session.note())});
        }
        table.Print();
        PrintNextPage(response.next_page_token());
        return absl::OkStatus();
      });
}

SALESCTL_COMMAND({.name = "training-list",
                  .synopsis = "--member MEMBER_ID | --team TEAM_ID [--area AREA] [--page_size N] "
                              "[--page_token TOKEN] [--json]",
                  .summary = "List the training sessions of a member or of a team's current "
                             "members, newest first.",
                  .run = RunTrainingList});

// ---- training-compliance ----

int RunTrainingCompliance(const std::vector<std::string>& args) {
  return RunCommand<rosterpb::GetTrainingComplianceRequest>(
      "training-compliance", args,
      [](const std::vector<std::string>& args)
          -> absl::StatusOr<rosterpb::GetTrainingComplianceRequest> {
        RETURN_IF_ERROR(CheckOnlyFlags({"as_of"}));
        rosterpb::GetTrainingComplianceRequest request;
        ASSIGN_OR_RETURN(*request.mutable_team_id(), OneArgument(args, "TEAM_ID"));
        if (auto as_of = absl::GetFlag(FLAGS_as_of)) {
          ASSIGN_OR_RETURN(*request.mutable_as_of(), ParseDate(*as_of, "as_of"));
        }
        return request;
      },
      [](RosterConnection& roster,
         rosterpb::GetTrainingComplianceRequest& request) -> absl::Status {
        rosterpb::GetTrainingComplianceResponse response;
        RETURN_IF_ERROR(roster.Call([&](auto& stub, auto* context) {
          return stub.GetTrainingCompliance(context, request, &response);
        }));
        if (absl::GetFlag(FLAGS_json)) {
          PrintJson(response);
          return absl::OkStatus();
        }
        std::cout << "team " << response.team_id() << " on " << FormatDate(response.as_of()) << ": "
                  << response.overdue_member_count() << " of " << response.members_size()
                  << " active members overdue" << std::endl;
        Table table({"MEMBER", "NAME", "ROLE", "AREA", "LAST_SESSION", "DUE", "STATUS"});
        for (const rosterpb::MemberCompliance& member : response.members()) {
          if (member.areas().empty()) {
            table.AddRow({member.member_id(), member.member_name(), Word(member.role()), "-", "-",
                          "-", "no cadence"});
          }
          for (const rosterpb::AreaCompliance& area : member.areas()) {
            std::string status = "ok";
            if (area.overdue()) {
              status = absl::StrCat("OVERDUE ", area.days_overdue(),
                                    area.days_overdue() == 1 ? " day" : " days");
            }
            table.AddRow(
                {member.member_id(), member.member_name(), Word(member.role()), Word(area.area()),
                 area.has_last_session_date() ? FormatDate(area.last_session_date()) : "never",
                 FormatDate(area.due_date()), status});
          }
        }
        if (!table.empty()) table.Print();
        return absl::OkStatus();
      });
}

SALESCTL_COMMAND({.name = "training-compliance",
                  .synopsis = "TEAM_ID [--as_of YYYY-MM-DD (default: today in the team's zone)] "
                              "[--json]",
                  .summary = "For each active member and each area in the team's training "
                             "cadence: the last session, when the next is due, who is overdue.",
                  .run = RunTrainingCompliance});

// ---- role-suggestions ----

int RunRoleSuggestions(const std::vector<std::string>& args) {
  return RunCommand<rosterpb::SuggestRolesRequest>(
      "role-suggestions", args,
      [](const std::vector<std::string>& args) -> absl::StatusOr<rosterpb::SuggestRolesRequest> {
        RETURN_IF_ERROR(CheckOnlyFlags({}));
        rosterpb::SuggestRolesRequest request;
        ASSIGN_OR_RETURN(*request.mutable_team_id(), OneArgument(args, "TEAM_ID"));
        return request;
      },
      [](RosterConnection& roster, rosterpb::SuggestRolesRequest& request) -> absl::Status {
        rosterpb::SuggestRolesResponse response;
        RETURN_IF_ERROR(roster.Call([&](auto& stub, auto* context) {
          return stub.SuggestRoles(context, request, &response);
        }));
        if (absl::GetFlag(FLAGS_json)) {
          PrintJson(response);
          return absl::OkStatus();
        }
        if (response.suggestions().empty()) {
          std::cout << "no active sellers to suggest roles for" << std::endl;
          return absl::OkStatus();
        }
        Table table({"MEMBER", "NAME", "CURRENT", "SUGGESTED", "CHANGE", "REASON"});
        for (const rosterpb::RoleSuggestion& suggestion : response.suggestions()) {
          table.AddRow({suggestion.member_id(), suggestion.member_name(),
                        Word(suggestion.current_role()), Word(suggestion.suggested_role()),
                        YesNo(suggestion.is_change()), suggestion.reason()});
        }
        table.Print();
        return absl::OkStatus();
      });
}

SALESCTL_COMMAND({.name = "role-suggestions",
                  .synopsis = "TEAM_ID [--json]",
                  .summary = "Suggest a role for each active seller of a team from their skills, "
                             "with the reason.",
                  .run = RunRoleSuggestions});

}  // namespace
}  // namespace salesteam::salesctl::roster_cli
