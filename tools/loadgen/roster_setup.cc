#include "tools/loadgen/roster_setup.h"

#include <algorithm>
#include <atomic>
#include <memory>
#include <thread>
#include <utility>
#include <vector>

#include "absl/random/random.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "common/auth/auth.h"
#include "common/status.h"
#include "common/time/date.h"
#include "grpcpp/client_context.h"
#include "services/activity/domain.h"

namespace salesteam::loadgen {
namespace {

namespace rosterv1 = ::salesteam::roster::v1;

constexpr char kTeamNamePrefix[] = "loadgen ";
// Hired this many days (and up to kHireSpreadDays more) before today: longer
// ago than the 400 days of history the activity service accepts.
constexpr int kHiredDaysAgo = 410;
constexpr int kHireSpreadDays = 90;

struct TeamTemplate {
  const char* city;
  const char* time_zone;
  const char* currency_code;
  rosterpb::SalesModel model;
};

constexpr TeamTemplate kTeamTemplates[] = {
    {"Berlin", "Europe/Berlin", "EUR", rosterpb::SALES_MODEL_ISLAND},
    {"New York", "America/New_York", "USD", rosterpb::SALES_MODEL_ASSEMBLY_LINE},
    {"Los Angeles", "America/Los_Angeles", "USD", rosterpb::SALES_MODEL_ISLAND},
    {"Dublin", "Europe/Dublin", "EUR", rosterpb::SALES_MODEL_ASSEMBLY_LINE},
    {"Singapore", "Asia/Singapore", "USD", rosterpb::SALES_MODEL_ISLAND},
    {"Helsinki", "Europe/Helsinki", "EUR", rosterpb::SALES_MODEL_ASSEMBLY_LINE},
};

// An assembly line's roles, member by member: the first four cover every
// stage, then more hands where the volume is (leads, meetings, proposals).
constexpr rosterpb::MemberRole kLineRoles[] = {
    rosterpb::MEMBER_ROLE_LEAD_GENERATION,   rosterpb::MEMBER_ROLE_SALES_DEVELOPMENT,
    rosterpb::MEMBER_ROLE_ACCOUNT_EXECUTIVE, rosterpb::MEMBER_ROLE_CUSTOMER_SUCCESS,
    rosterpb::MEMBER_ROLE_LEAD_GENERATION,   rosterpb::MEMBER_ROLE_SALES_DEVELOPMENT,
    rosterpb::MEMBER_ROLE_ACCOUNT_EXECUTIVE, rosterpb::MEMBER_ROLE_LEAD_GENERATION,
    rosterpb::MEMBER_ROLE_SALES_DEVELOPMENT, rosterpb::MEMBER_ROLE_ACCOUNT_EXECUTIVE,
};

absl::Status CallFailed(absl::string_view method, const grpc::Status& status) {
  return absl::Status(FromGrpcStatus(status).code(),
                      absl::StrCat("roster.", method, ": ", status.error_message()));
}

void PrepareCall(grpc::ClientContext& context, absl::string_view token,
                 const RosterSetupOptions& options) {
  context.set_deadline(absl::ToChronoTime(absl::Now() + options.timeout));
  auth::AttachBearerToken(context, token);
}

rosterv1::Team TeamToCreate(const RosterSetupOptions& options, int index) {
  const TeamTemplate& shape = kTeamTemplates[index % std::size(kTeamTemplates)];
  rosterv1::Team team;
  team.set_name(absl::StrCat(kTeamNamePrefix, options.run_id, " ", shape.city, " ", index + 1));
  team.set_time_zone(shape.time_zone);
  team.set_currency_code(shape.currency_code);
  team.set_sales_model(shape.model);
  team.mutable_expectation_policy()->set_min_attainment_bps(9000);
  team.mutable_expectation_policy()->set_consecutive_periods(2);
  return team;
}

rosterv1::CreateMemberRequest MemberToCreate(const RosterSetupOptions& options,
                                             const std::vector<rosterv1::Team>& teams, int index) {
  const int team_index = index % static_cast<int>(teams.size());
  const int in_team = index / static_cast<int>(teams.size());
  const rosterv1::Team& team = teams[team_index];
  rosterv1::CreateMemberRequest request;
  request.set_team_id(team.id());
  request.set_role(team.sales_model() == rosterpb::SALES_MODEL_ASSEMBLY_LINE
                       ? kLineRoles[in_team % std::size(kLineRoles)]
                       : rosterpb::MEMBER_ROLE_FULL_CYCLE);
  rosterv1::Member& member = *request.mutable_member();
  member.set_name(absl::StrCat("Loadgen Rep ", index + 1));
  member.set_email(absl::StrCat("rep", index + 1, ".", options.run_id, "@loadgen.example"));
  member.set_archetype(index % 3 == 0 ? rosterpb::ARCHETYPE_BUILDER : rosterpb::ARCHETYPE_PRODUCER);
  member.set_value_tier(1 + index % 3);
  const rosterpb::Skill skills[] = {rosterpb::SKILL_PROSPECTING, rosterpb::SKILL_PRESENTING,
                                    rosterpb::SKILL_CLOSING, rosterpb::SKILL_COMMUNICATION};
  for (int s = 0; s < static_cast<int>(std::size(skills)); ++s) {
    rosterpb::SkillLevel* skill = member.add_skills();
    skill->set_skill(skills[s]);
    skill->set_level(1 + (index + s) % 5);
  }
  member.add_motivators(index % 2 == 0 ? rosterpb::MOTIVATOR_MONEY
                                       : rosterpb::MOTIVATOR_RECOGNITION);
  rosterpb::ContactChannel* channel = member.add_contact_channels();
  channel->set_kind(rosterpb::CONTACT_CHANNEL_KIND_EMAIL);
  channel->set_address(member.email());
  channel->set_preferred(true);
  const periods::Date today = absl::ToCivilDay(options.now, absl::UTCTimeZone());
  periods::DateToProto(today - kHiredDaysAgo - index % kHireSpreadDays, member.mutable_hire_date());
  return request;
}

absl::StatusOr<LoadRoster> CreateRoster(rosterv1::RosterService::Stub& roster,
                                        absl::string_view token,
                                        const RosterSetupOptions& options) {
  LoadRoster result;
  std::vector<rosterv1::Team> teams;
  for (int i = 0; i < options.teams; ++i) {
    grpc::ClientContext context;
    PrepareCall(context, token, options);
    rosterv1::CreateTeamRequest request;
    *request.mutable_team() = TeamToCreate(options, i);
    rosterv1::CreateTeamResponse response;
    if (grpc::Status status = roster.CreateTeam(&context, request, &response); !status.ok()) {
      return CallFailed("CreateTeam", status);
    }
    ASSIGN_OR_RETURN(activity::TeamFacts facts, clients::RosterTeamFromProto(response.team()));
    result.teams.push_back(std::move(facts));
    teams.push_back(response.team());
  }

  // One CreateMember per rep, from a few threads: a roster on SQLite with
  // synchronous=FULL spends most of each call on its fsync.
  result.members.resize(options.reps);
  std::atomic<int> next{0};
  absl::Mutex mu;
  absl::Status failure;
  std::vector<std::thread> threads;
  for (int t = 0; t < std::max(1, std::min(options.parallel_calls, options.reps)); ++t) {
    threads.emplace_back([&] {
      for (int i = next.fetch_add(1); i < options.reps; i = next.fetch_add(1)) {
        {
          absl::MutexLock lock(&mu);
          if (!failure.ok()) return;
        }
        grpc::ClientContext context;
        PrepareCall(context, token, options);
        const rosterv1::CreateMemberRequest request = MemberToCreate(options, teams, i);
        rosterv1::CreateMemberResponse response;
        if (grpc::Status status = roster.CreateMember(&context, request, &response); !status.ok()) {
          absl::MutexLock lock(&mu);
          if (failure.ok()) failure = CallFailed("CreateMember", status);
          return;
        }
        result.members[i] = {response.member().id(), i % options.teams, request.role()};
      }
    });
  }
  for (std::thread& thread : threads) thread.join();
  if (!failure.ok()) return failure;
  return result;
}

absl::StatusOr<LoadRoster> FindRoster(rosterv1::RosterService::Stub& roster,
                                      absl::string_view token, const RosterSetupOptions& options) {
  LoadRoster result;
  std::vector<std::string> team_ids;
  std::string page_token;
  do {
    grpc::ClientContext context;
    PrepareCall(context, token, options);
    rosterv1::ListTeamsRequest request;
    request.set_page_size(500);
    request.set_page_token(page_token);
    rosterv1::ListTeamsResponse response;
    if (grpc::Status status = roster.ListTeams(&context, request, &response); !status.ok()) {
      return CallFailed("ListTeams", status);
    }
    for (const rosterv1::Team& team : response.teams()) {
      if (!absl::StartsWith(team.name(), kTeamNamePrefix)) continue;
      ASSIGN_OR_RETURN(activity::TeamFacts facts, clients::RosterTeamFromProto(team));
      result.teams.push_back(std::move(facts));
      team_ids.push_back(team.id());
    }
    page_token = response.next_page_token();
  } while (!page_token.empty());

  for (int t = 0; t < static_cast<int>(team_ids.size()); ++t) {
    do {
      grpc::ClientContext context;
      PrepareCall(context, token, options);
      rosterv1::ListMembersRequest request;
      request.set_team_id(team_ids[t]);
      request.set_page_size(500);
      request.set_page_token(page_token);
      rosterv1::ListMembersResponse response;
      if (grpc::Status status = roster.ListMembers(&context, request, &response); !status.ok()) {
        return CallFailed("ListMembers", status);
      }
      for (const rosterv1::Member& member : response.members()) {
        result.members.push_back({member.id(), t, member.role()});
      }
      page_token = response.next_page_token();
    } while (!page_token.empty());
  }
  if (result.members.empty()) {
    return absl::FailedPreconditionError(
        absl::StrCat("--reuse_teams: the roster has no active members in teams named \"",
                     kTeamNamePrefix, "...\"; run once without --reuse_teams to create them"));
  }
  return result;
}

}  // namespace

absl::Status ValidateRosterSetupOptions(const RosterSetupOptions& options) {
  if (!options.reuse_teams) {
    if (options.teams < 1 || options.teams > 100) {
      return absl::InvalidArgumentError(
          absl::StrCat("--teams: must be 1..100, got ", options.teams));
    }
    if (options.reps < options.teams || options.reps > 100000) {
      return absl::InvalidArgumentError(absl::StrCat("--reps: must be --teams (", options.teams,
                                                     ")..100000, got ", options.reps));
    }
  }
  const bool well_formed = !options.run_id.empty() && options.run_id.size() <= 32 &&
                           std::all_of(options.run_id.begin(), options.run_id.end(), [](char c) {
                             return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-';
                           });
  if (!well_formed) {
    return absl::InvalidArgumentError(absl::StrCat(
        "--run_id: 1..32 lower-case letters, digits or '-', got ", QuoteInput(options.run_id)));
  }
  return absl::OkStatus();
}

std::string NewRunId() {
  absl::BitGen bitgen;
  return absl::StrCat(absl::Hex(absl::Uniform<uint32_t>(bitgen), absl::kZeroPad8));
}

absl::StatusOr<LoadRoster> SetUpRoster(rosterv1::RosterService::Stub& roster,
                                       absl::string_view admin_token,
                                       const RosterSetupOptions& options) {
  RETURN_IF_ERROR(ValidateRosterSetupOptions(options));
  if (options.reuse_teams) return FindRoster(roster, admin_token, options);
  return CreateRoster(roster, admin_token, options);
}

}  // namespace salesteam::loadgen
