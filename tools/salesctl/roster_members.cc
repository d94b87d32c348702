// salesctl's member commands: member-create, member-get, member-batch-get,
// member-update, member-move, member-deactivate, member-list (RosterService
// CreateMember, GetMember, BatchGetMembers, UpdateMember, MoveMember,
// DeactivateMember, ListMembers). Conventions in roster_cli.h.
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

// The flags that set a member's profile, for member-create and member-update.
constexpr absl::string_view kProfileFlags[] = {"name",   "email",      "archetype", "value_tier",
                                               "skills", "motivators", "channels",  "hire_date"};

// The profile fields the command line sets, and their update_mask paths.
struct MemberPatch {
  rosterpb::Member member;
  std::vector<std::string> paths;
};

absl::StatusOr<MemberPatch> ProfileFromFlags() {
  MemberPatch patch;
  rosterpb::Member& member = patch.member;
  if (auto name = absl::GetFlag(FLAGS_name)) {
    member.set_name(*name);
    patch.paths.push_back("name");
  }
  if (auto email = absl::GetFlag(FLAGS_email)) {
    member.set_email(*email);
    patch.paths.push_back("email");
  }
  if (auto archetype = absl::GetFlag(FLAGS_archetype)) {
    ASSIGN_OR_RETURN(rosterpb::Archetype value,
                     ParseWord<rosterpb::Archetype>(*archetype, "archetype",
                                                    /*allow_unspecified=*/true));
    member.set_archetype(value);
    patch.paths.push_back("archetype");
  }
  if (auto tier = absl::GetFlag(FLAGS_value_tier)) {
    member.set_value_tier(*tier);
    patch.paths.push_back("value_tier");
  }
  if (auto skills = absl::GetFlag(FLAGS_skills)) {
    ASSIGN_OR_RETURN(auto levels, ParseSkills(*skills));
    for (auto& level : levels) *member.add_skills() = std::move(level);
    patch.paths.push_back("skills");
  }
  if (auto motivators = absl::GetFlag(FLAGS_motivators)) {
    ASSIGN_OR_RETURN(auto values, ParseMotivators(*motivators));
    for (rosterpb::Motivator value : values) member.add_motivators(value);
    patch.paths.push_back("motivators");
  }
  if (auto channels = absl::GetFlag(FLAGS_channels)) {
    ASSIGN_OR_RETURN(auto values, ParseChannels(*channels));
    for (auto& value : values) *member.add_contact_channels() = std::move(value);
    patch.paths.push_back("contact_channels");
  }
  if (auto hire_date = absl::GetFlag(FLAGS_hire_date)) {
    ASSIGN_OR_RETURN(*member.mutable_hire_date(), ParseDate(*hire_date, "hire_date"));
    patch.paths.push_back("hire_date");
  }
  return patch;
}

// --as_of as a date, when given.
absl::StatusOr<std::optional<salesteam::type::v1::Date>> AsOfFromFlag() {
  std::optional<std::string> as_of = absl::GetFlag(FLAGS_as_of);
  if (!as_of.has_value()) return std::nullopt;
  ASSIGN_OR_RETURN(salesteam::type::v1::Date date, ParseDate(*as_of, "as_of"));
  return date;
}

absl::Status GetMember(RosterConnection& roster, const rosterpb::GetMemberRequest& request,
                       rosterpb::GetMemberResponse* response) {
  return roster.Call(
      [&](auto& stub, auto* context) { return stub.GetMember(context, request, response); });
}

// The member's version to write at: --expected_version, else the current one.
absl::StatusOr<int64_t> VersionToWrite(RosterConnection& roster, const std::string& member_id,
                                       rosterpb::Member* current) {
  if (auto version = absl::GetFlag(FLAGS_expected_version)) return *version;
  rosterpb::GetMemberRequest request;
  request.set_member_id(member_id);
  rosterpb::GetMemberResponse response;
  RETURN_IF_ERROR(GetMember(roster, request, &response));
  *current = std::move(*response.mutable_member());
  return current->version();
}

absl::Status NoArguments(const std::vector<std::string>& args) {
  if (args.empty()) return absl::OkStatus();
  return absl::InvalidArgumentError(absl::StrCat("unexpected argument ", QuoteInput(args[0])));
}

// Prints a response holding one member.
template <typename Response>
void PrintMemberResponse(const Response& response) {
  if (absl::GetFlag(FLAGS_json)) {
    PrintJson(response);
  } else {
    PrintMember(response.member());
  }
}

// ---- member-create ----

int RunMemberCreate(const std::vector<std::string>& args) {
  return RunCommand<rosterpb::CreateMemberRequest>(
      "member-create", args,
      [](const std::vector<std::string>& args) -> absl::StatusOr<rosterpb::CreateMemberRequest> {
        std::vector<absl::string_view> allowed(std::begin(kProfileFlags), std::end(kProfileFlags));
        allowed.push_back("team");
        allowed.push_back("member_role");
        RETURN_IF_ERROR(CheckOnlyFlags(allowed));
        RETURN_IF_ERROR(NoArguments(args));
        RETURN_IF_ERROR(RequireFlags({"team", "member_role", "name", "email"}));
        ASSIGN_OR_RETURN(MemberPatch patch, ProfileFromFlags());
        rosterpb::CreateMemberRequest request;
        *request.mutable_member() = std::move(patch.member);
        if (!request.member().has_hire_date())
          *request.mutable_member()->mutable_hire_date() = TodayUtc();
        request.set_team_id(*absl::GetFlag(FLAGS_team));
        ASSIGN_OR_RETURN(
            rosterpb::MemberRole role,
            ParseWord<rosterpb::MemberRole>(*absl::GetFlag(FLAGS_member_role), "member_role"));
        request.set_role(role);
        return request;
      },
      [](RosterConnection& roster, rosterpb::CreateMemberRequest& request) -> absl::Status {
        rosterpb::CreateMemberResponse response;
        RETURN_IF_ERROR(roster.Call([&](auto& stub, auto* context) {
          return stub.CreateMember(context, request, &response);
        }));
        PrintMemberResponse(response);
        return absl::OkStatus();
      });
}

SALESCTL_COMMAND({.name = "member-create",
                  .synopsis = "--team TEAM_ID --member_role ROLE --name NAME --email EMAIL "
                              "--value_tier 1..3 [--archetype builder|producer] "
                              "[--skills SKILL:LEVEL,...] [--motivators M,...] "
                              "[--channels KIND:ADDRESS[:preferred],...] "
                              "[--hire_date YYYY-MM-DD (default: today, UTC)] [--json]",
                  .summary = "Add a member to a team in a role, from the hire date on.",
                  .run = RunMemberCreate});

// ---- member-get ----

int RunMemberGet(const std::vector<std::string>& args) {
  return RunCommand<rosterpb::GetMemberRequest>(
      "member-get", args,
      [](const std::vector<std::string>& args) -> absl::StatusOr<rosterpb::GetMemberRequest> {
        RETURN_IF_ERROR(CheckOnlyFlags({"as_of"}));
        rosterpb::GetMemberRequest request;
        ASSIGN_OR_RETURN(*request.mutable_member_id(), OneArgument(args, "MEMBER_ID"));
        ASSIGN_OR_RETURN(auto as_of, AsOfFromFlag());
        if (as_of.has_value()) *request.mutable_as_of() = *as_of;
        return request;
      },
      [](RosterConnection& roster, rosterpb::GetMemberRequest& request) -> absl::Status {
        rosterpb::GetMemberResponse response;
        RETURN_IF_ERROR(GetMember(roster, request, &response));
        PrintMemberResponse(response);
        return absl::OkStatus();
      });
}

SALESCTL_COMMAND({.name = "member-get",
                  .synopsis = "MEMBER_ID [--as_of YYYY-MM-DD] [--json]",
                  .summary = "Show a member; with --as_of, the team, role and active flag of "
                             "that day.",
                  .run = RunMemberGet});

// ---- member-batch-get ----

int RunMemberBatchGet(const std::vector<std::string>& args) {
  return RunCommand<rosterpb::BatchGetMembersRequest>(
      "member-batch-get", args,
      [](const std::vector<std::string>& args) -> absl::StatusOr<rosterpb::BatchGetMembersRequest> {
        RETURN_IF_ERROR(CheckOnlyFlags({"as_of"}));
        if (args.empty()) return absl::InvalidArgumentError("MEMBER_ID... is required");
        rosterpb::BatchGetMembersRequest request;
        for (const std::string& id : args) request.add_member_ids(id);
        ASSIGN_OR_RETURN(auto as_of, AsOfFromFlag());
        if (as_of.has_value()) *request.mutable_as_of() = *as_of;
        return request;
      },
      [](RosterConnection& roster, rosterpb::BatchGetMembersRequest& request) -> absl::Status {
        rosterpb::BatchGetMembersResponse response;
        RETURN_IF_ERROR(roster.Call([&](auto& stub, auto* context) {
          return stub.BatchGetMembers(context, request, &response);
        }));
        if (absl::GetFlag(FLAGS_json)) {
          PrintJson(response);
          return absl::OkStatus();
        }
        if (!response.members().empty()) PrintMemberTable(response.members());
        if (!response.missing_member_ids().empty()) {
          std::cout << "not found: " << absl::StrJoin(response.missing_member_ids(), ", ")
                    << std::endl;
        }
        return absl::OkStatus();
      });
}

SALESCTL_COMMAND({.name = "member-batch-get",
                  .synopsis = "MEMBER_ID... [--as_of YYYY-MM-DD] [--json]",
                  .summary = "Show up to 1,000 members at once, and which ids name no member.",
                  .run = RunMemberBatchGet});

// ---- member-update ----

struct MemberUpdate {
  std::string member_id;
  MemberPatch patch;
};

int RunMemberUpdate(const std::vector<std::string>& args) {
  return RunCommand<MemberUpdate>(
      "member-update", args,
      [](const std::vector<std::string>& args) -> absl::StatusOr<MemberUpdate> {
        if (absl::GetFlag(FLAGS_team).has_value() || absl::GetFlag(FLAGS_member_role).has_value()) {
          return absl::InvalidArgumentError(
              "team and role change with member-move, from a date on");
        }
        std::vector<absl::string_view> allowed(std::begin(kProfileFlags), std::end(kProfileFlags));
        allowed.push_back("expected_version");
        RETURN_IF_ERROR(CheckOnlyFlags(allowed));
        MemberUpdate update;
        ASSIGN_OR_RETURN(update.member_id, OneArgument(args, "MEMBER_ID"));
        ASSIGN_OR_RETURN(update.patch, ProfileFromFlags());
        if (update.patch.paths.empty()) {
          return absl::InvalidArgumentError(
              "nothing to update: give at least one of --name, --email, --archetype, "
              "--value_tier, --skills, --motivators, --channels, --hire_date");
        }
        return update;
      },
      [](RosterConnection& roster, MemberUpdate& update) -> absl::Status {
        rosterpb::UpdateMemberRequest request;
        rosterpb::Member& member = *request.mutable_member();
        member = std::move(update.patch.member);
        member.set_id(update.member_id);
        rosterpb::Member current;
        ASSIGN_OR_RETURN(int64_t version, VersionToWrite(roster, update.member_id, &current));
        member.set_version(version);
        for (const std::string& path : update.patch.paths) {
          request.mutable_update_mask()->add_paths(path);
        }
        rosterpb::UpdateMemberResponse response;
        RETURN_IF_ERROR(roster.Call([&](auto& stub, auto* context) {
          return stub.UpdateMember(context, request, &response);
        }));
        PrintMemberResponse(response);
        return absl::OkStatus();
      });
}

SALESCTL_COMMAND({.name = "member-update",
                  .synopsis = "MEMBER_ID [--name NAME] [--email EMAIL] [--archetype A] "
                              "[--value_tier 1..3] [--skills SKILL:LEVEL,...|none] "
                              "[--motivators M,...|none] [--channels KIND:ADDRESS,...|none] "
                              "[--hire_date YYYY-MM-DD] [--expected_version N] [--json]",
                  .summary = "Change the profile fields given (they make the update mask) at the "
                             "member's current version (read first) or at --expected_version.",
                  .run = RunMemberUpdate});

// ---- member-move ----

int RunMemberMove(const std::vector<std::string>& args) {
  return RunCommand<rosterpb::MoveMemberRequest>(
      "member-move", args,
      [](const std::vector<std::string>& args) -> absl::StatusOr<rosterpb::MoveMemberRequest> {
        RETURN_IF_ERROR(
            CheckOnlyFlags({"team", "member_role", "effective_date", "expected_version"}));
        rosterpb::MoveMemberRequest request;
        ASSIGN_OR_RETURN(*request.mutable_member_id(), OneArgument(args, "MEMBER_ID"));
        const std::optional<std::string> team = absl::GetFlag(FLAGS_team);
        const std::optional<std::string> role = absl::GetFlag(FLAGS_member_role);
        if (!team.has_value() && !role.has_value()) {
          return absl::InvalidArgumentError("give --team, --member_role or both");
        }
        if (team.has_value()) request.set_team_id(*team);
        if (role.has_value()) {
          ASSIGN_OR_RETURN(rosterpb::MemberRole value,
                           ParseWord<rosterpb::MemberRole>(*role, "member_role"));
          request.set_role(value);
        }
        if (auto date = absl::GetFlag(FLAGS_effective_date)) {
          ASSIGN_OR_RETURN(*request.mutable_effective_date(), ParseDate(*date, "effective_date"));
        } else {
          *request.mutable_effective_date() = TodayUtc();
        }
        return request;
      },
      [](RosterConnection& roster, rosterpb::MoveMemberRequest& request) -> absl::Status {
        // What is not given stays as the latest assignment has it, which is
        // what the member holds from its start on (today's may be older).
        const bool need_current = request.team_id().empty() ||
                                  request.role() == rosterpb::MEMBER_ROLE_UNSPECIFIED ||
                                  !absl::GetFlag(FLAGS_expected_version).has_value();
        if (need_current) {
          rosterpb::GetMemberRequest get;
          get.set_member_id(request.member_id());
          rosterpb::GetMemberResponse current;
          RETURN_IF_ERROR(GetMember(roster, get, &current));
          const rosterpb::Member& member = current.member();
          std::string team_id = member.team_id();
          rosterpb::MemberRole role = member.role();
          if (!member.assignments().empty()) {
            const rosterpb::Assignment& latest = *member.assignments().rbegin();
            team_id = latest.team_id();
            role = latest.role();
          }
          if (request.team_id().empty()) request.set_team_id(team_id);
          if (request.role() == rosterpb::MEMBER_ROLE_UNSPECIFIED) request.set_role(role);
          request.set_version(member.version());
        }
        if (auto version = absl::GetFlag(FLAGS_expected_version)) request.set_version(*version);
        rosterpb::MoveMemberResponse response;
        RETURN_IF_ERROR(roster.Call([&](auto& stub, auto* context) {
          return stub.MoveMember(context, request, &response);
        }));
        PrintMemberResponse(response);
        return absl::OkStatus();
      });
}

SALESCTL_COMMAND({.name = "member-move",
                  .synopsis = "MEMBER_ID [--team TEAM_ID] [--member_role ROLE] "
                              "[--effective_date YYYY-MM-DD (default: today, UTC)] "
                              "[--expected_version N] [--json]",
                  .summary = "Move a member to another team and/or role from a date on (what "
                             "is not given stays); history before it stays as it was.",
                  .run = RunMemberMove});

// ---- member-deactivate ----

int RunMemberDeactivate(const std::vector<std::string>& args) {
  return RunCommand<rosterpb::DeactivateMemberRequest>(
      "member-deactivate", args,
      [](const std::vector<std::string>& args)
          -> absl::StatusOr<rosterpb::DeactivateMemberRequest> {
        RETURN_IF_ERROR(CheckOnlyFlags({"effective_date", "expected_version"}));
        rosterpb::DeactivateMemberRequest request;
        ASSIGN_OR_RETURN(*request.mutable_member_id(), OneArgument(args, "MEMBER_ID"));
        if (auto date = absl::GetFlag(FLAGS_effective_date)) {
          ASSIGN_OR_RETURN(*request.mutable_effective_date(), ParseDate(*date, "effective_date"));
        }
        return request;
      },
      [](RosterConnection& roster, rosterpb::DeactivateMemberRequest& request) -> absl::Status {
        rosterpb::Member current;
        ASSIGN_OR_RETURN(int64_t version, VersionToWrite(roster, request.member_id(), &current));
        request.set_version(version);
        rosterpb::DeactivateMemberResponse response;
        RETURN_IF_ERROR(roster.Call([&](auto& stub, auto* context) {
          return stub.DeactivateMember(context, request, &response);
        }));
        PrintMemberResponse(response);
        return absl::OkStatus();
      });
}

SALESCTL_COMMAND({.name = "member-deactivate",
                  .synopsis = "MEMBER_ID [--effective_date YYYY-MM-DD (default: today, UTC)] "
                              "[--expected_version N] [--json]",
                  .summary = "Mark a member inactive from a date on (members are never deleted).",
                  .run = RunMemberDeactivate});

// ---- member-list ----

int RunMemberList(const std::vector<std::string>& args) {
  return RunCommand<rosterpb::ListMembersRequest>(
      "member-list", args,
      [](const std::vector<std::string>& args) -> absl::StatusOr<rosterpb::ListMembersRequest> {
        RETURN_IF_ERROR(CheckOnlyFlags(
            {"team", "member_role", "include_inactive", "as_of", "page_size", "page_token"}));
        RETURN_IF_ERROR(NoArguments(args));
        rosterpb::ListMembersRequest request;
        if (auto team = absl::GetFlag(FLAGS_team)) request.set_team_id(*team);
        if (auto role = absl::GetFlag(FLAGS_member_role)) {
          ASSIGN_OR_RETURN(rosterpb::MemberRole value,
                           ParseWord<rosterpb::MemberRole>(*role, "member_role"));
          request.set_role(value);
        }
        request.set_include_inactive(absl::GetFlag(FLAGS_include_inactive));
        ASSIGN_OR_RETURN(auto as_of, AsOfFromFlag());
        if (as_of.has_value()) *request.mutable_as_of() = *as_of;
        return request;
      },
      [](RosterConnection& roster, rosterpb::ListMembersRequest& request) -> absl::Status {
        ASSIGN_OR_RETURN(rosterpb::ListMembersResponse response,
                         (ListPages<rosterpb::ListMembersRequest, rosterpb::ListMembersResponse>(
                             request, [&](const rosterpb::ListMembersRequest& page_request,
                                          rosterpb::ListMembersResponse* page) {
                               return roster.Call([&](auto& stub, auto* context) {
                                 return stub.ListMembers(context, page_request, page);
                               });
                             })));
        if (absl::GetFlag(FLAGS_json)) {
          PrintJson(response);
          return absl::OkStatus();
        }
        if (response.members().empty() && response.next_page_token().empty()) {
          std::cout << "no members" << std::endl;
          return absl::OkStatus();
        }
        PrintMemberTable(response.members());
        PrintNextPage(response.next_page_token());
        return absl::OkStatus();
      });
}

SALESCTL_COMMAND({.name = "member-list",
                  .synopsis = "[--team TEAM_ID] [--member_role ROLE] [--include_inactive] "
                              "[--as_of YYYY-MM-DD] [--page_size N] [--page_token TOKEN] [--json]",
                  .summary = "List members (of a team; admins may leave --team out), every page "
                             "unless --page_size or --page_token is given.",
                  .run = RunMemberList});

}  // namespace
}  // namespace salesteam::salesctl::roster_cli
