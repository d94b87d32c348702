// Fuzzes the request validation of every RosterService RPC. The first input
// byte picks the RPC; the rest is parsed as its request message (inputs that
// do not parse are skipped), and the checks the handler in roster_service.cc
// applies to the request before it reads the store run on it, in the same
// order: the domain rules of services/roster/domain.h and the common
// validators (ids, enums, dates, page sizes). Every refusal must be
// INVALID_ARGUMENT naming the field, as domain.h promises.
//
// Not reachable without a server, so not fuzzed here (they live in
// roster_service.cc's anonymous namespace or in RosterCore): RequireVersion
// (Update*/Move/Deactivate), MaskPaths (UpdateTeam/UpdateMember's
// update_mask), BatchGetMembers' id-count bounds and ListTrainingSessions'
// "exactly one of member_id, team_id", and the page-size constants (the
// values below are copies of roster_service.cc's 50 and 500).
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "common/pagination/page_token.h"
#include "common/time/date.h"
#include "common/validation.h"
#include "fuzz/check.h"
#include "salesteam/roster/v1/roster.pb.h"
#include "services/roster/domain.h"

namespace salesteam::roster {
namespace {

namespace v1 = ::salesteam::roster::v1;
using periods::Date;

const Date kToday(2026, 12, 7);
constexpr int kDefaultPageSize = 50;
constexpr int kMaxPageSize = 500;

// A validation result: OK, or INVALID_ARGUMENT naming `field`. Returns
// whether the request is still valid (the handler stops at the first error).
bool Valid(const absl::Status& status, absl::string_view field) {
  if (status.ok()) return true;
  FUZZ_CHECK(fuzz::IsInvalidArgumentNaming(status, field));
  return false;
}

bool ValidDate(bool present, const type::v1::Date& date, absl::string_view field) {
  return !present || Valid(periods::DateFromProto(date, field).status(), field);
}

bool ValidPageSize(int page_size) {
  absl::StatusOr<int> size = pagination::ResolvePageSize(page_size, kDefaultPageSize, kMaxPageSize);
  if (size.ok()) FUZZ_CHECK(*size >= 1 && *size <= kMaxPageSize);
  return Valid(size.status(), "page_size");
}

// What the roster does with a valid team afterwards, without the store.
void UseTeam(const rosterpb::Team& team) {
  for (int stage = 0; stage < 5; ++stage) {
    StageOwner(team, static_cast<rosterpb::JourneyStage>(stage));
  }
}

// What the roster does with a member it holds: stored members are valid
// profiles, but their assignment history is whatever the writes made it.
void UseMember(rosterpb::Member member) {
  ResolveAsOf(member, kToday);
  AssignmentOn(member, kToday);
  const absl::Status writable = CheckWritable(member, kToday);
  FUZZ_CHECK(writable.ok() || absl::IsFailedPrecondition(writable));
  SuggestRole(rosterpb::SALES_MODEL_ISLAND, member);
  SuggestRole(rosterpb::SALES_MODEL_ASSEMBLY_LINE, member);
  RedactManagementData(member);
}

void CreateTeam(const v1::CreateTeamRequest& request) {
  rosterpb::Team team = request.team();
  team.clear_id();
  team.clear_version();
  team.clear_create_time();
  team.clear_update_time();
  ApplyDefaultStageOwnership(team, /*model_changed=*/false);
  if (!Valid(ValidateTeam(team, "team"), "team")) return;
  if (!team.manager_id().empty() &&
      !Valid(ValidateId(team.manager_id(), "team.manager_id"), "team.manager_id")) {
    return;
  }
  UseTeam(team);
}

void UpdateTeam(const v1::UpdateTeamRequest& request) {
  // The patch applied over a stored team; here, over an empty one.
  rosterpb::Team team = request.team();
  if (!Valid(ValidateId(team.id(), "team.id"), "team.id")) return;
  if (team.stage_ownership().empty()) ApplyDefaultStageOwnership(team, /*model_changed=*/true);
  if (!Valid(ValidateTeam(team, "team"), "team")) return;
  UseTeam(team);
}

void CreateMember(const v1::CreateMemberRequest& request) {
  if (!Valid(ValidateId(request.team_id(), "team_id"), "team_id")) return;
  if (!Valid(ValidateRole(request.role(), "role"), "role")) return;
  rosterpb::Member member = request.member();
  member.clear_id();
  member.clear_team_id();
  member.clear_role();
  member.clear_active();
  member.clear_deactivation_date();
  member.clear_assignments();
  member.clear_version();
  member.clear_create_time();
  member.clear_update_time();
  if (!Valid(ValidateMemberProfile(member, kToday, "member"), "member")) return;
  for (rosterpb::SalesModel model :
       {rosterpb::SALES_MODEL_ISLAND, rosterpb::SALES_MODEL_ASSEMBLY_LINE}) {
    Valid(CheckRoleFitsModel(model, request.role(), "role"), "role");
  }
  rosterpb::Assignment* first = member.add_assignments();
  first->set_team_id(request.team_id());
  first->set_role(request.role());
  *first->mutable_effective_from() = member.hire_date();
  UseMember(member);
}

void UpdateMember(const v1::UpdateMemberRequest& request) {
  // The patch applied over a stored member; here, the request's member with
  // whatever assignment history it carries.
  const rosterpb::Member& member = request.member();
  if (!Valid(ValidateId(member.id(), "member.id"), "member.id")) return;
  if (!Valid(ValidateMemberProfile(member, kToday, "member"), "member")) return;
  absl::StatusOr<Date> hire_date = periods::DateFromProto(member.hire_date(), "member.hire_date");
  if (!Valid(hire_date.status(), "member.hire_date")) return;
  const absl::Status change = ValidateHireDateChange(member, *hire_date, "member.hire_date");
  if (!Valid(change, "member.hire_date")) return;
  UseMember(member);
}

void MoveMember(const v1::MoveMemberRequest& request) {
  if (!Valid(ValidateId(request.member_id(), "member_id"), "member_id")) return;
  if (!Valid(ValidateId(request.team_id(), "team_id"), "team_id")) return;
  if (!Valid(ValidateRole(request.role(), "role"), "role")) return;
  ValidDate(request.has_effective_date(), request.effective_date(), "effective_date");
}

void ListMembers(const v1::ListMembersRequest& request) {
  if (!ValidPageSize(request.page_size())) return;
  if (!request.team_id().empty() && !Valid(ValidateId(request.team_id(), "team_id"), "team_id")) {
    return;
  }
  if (request.role() != rosterpb::MEMBER_ROLE_UNSPECIFIED &&
      !Valid(ValidateRole(request.role(), "role"), "role")) {
    return;
  }
  ValidDate(request.has_as_of(), request.as_of(), "as_of");
}

void RecordTraining(const v1::RecordTrainingRequest& request) {
  rosterpb::TrainingSession session = request.session();
  session.clear_id();
  session.clear_recorded_by();
  session.clear_create_time();
  if (!Valid(ValidateTrainingSession(session, kToday, "session"), "session")) return;
  // A valid session's date is a real day.
  FUZZ_CHECK(periods::DateFromProto(session.date(), "session.date").ok());
}

void ListTrainingSessions(const v1::ListTrainingSessionsRequest& request) {
  if (!ValidPageSize(request.page_size())) return;
  if (!Valid(ValidateEnum(request.area(), "area", Unspecified::kAllow), "area")) return;
  if (!request.member_id().empty()) {
    Valid(ValidateId(request.member_id(), "member_id"), "member_id");
  } else if (!request.team_id().empty()) {
    Valid(ValidateId(request.team_id(), "team_id"), "team_id");
  }
}

// Parses `bytes` as the request and runs `check` on it.
template <typename Request, typename Check>
void Run(const uint8_t* data, size_t size, Check check) {
  Request request;
  if (!request.ParseFromArray(data, static_cast<int>(size))) return;
  check(request);
}

}  // namespace
}  // namespace salesteam::roster

extern "C" int LLVMFuzzerInitialize(int* /*argc*/, char*** /*argv*/) {
  salesteam::fuzz::SilenceProtobufLogs();
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace salesteam::roster;  // NOLINT: the file's one subject
  if (size == 0) return 0;
  const uint8_t method = data[0];
  ++data;
  --size;
  switch (method % 15) {
    case 0:
      Run<v1::CreateTeamRequest>(data, size, CreateTeam);
      break;
    case 1:
      Run<v1::GetTeamRequest>(data, size, [](const v1::GetTeamRequest& r) {
        Valid(salesteam::ValidateId(r.team_id(), "team_id"), "team_id");
      });
      break;
    case 2:
      Run<v1::UpdateTeamRequest>(data, size, UpdateTeam);
      break;
    case 3:
      Run<v1::ListTeamsRequest>(
          data, size, [](const v1::ListTeamsRequest& r) { ValidPageSize(r.page_size()); });
      break;
    case 4:
      Run<v1::CreateMemberRequest>(data, size, CreateMember);
      break;
    case 5:
      Run<v1::GetMemberRequest>(data, size, [](const v1::GetMemberRequest& r) {
        if (!Valid(salesteam::ValidateId(r.member_id(), "member_id"), "member_id")) return;
        ValidDate(r.has_as_of(), r.as_of(), "as_of");
      });
      break;
    case 6:
      Run<v1::BatchGetMembersRequest>(data, size, [](const v1::BatchGetMembersRequest& r) {
        for (int i = 0; i < r.member_ids_size(); ++i) {
          const std::string field = absl::StrCat("member_ids[", i, "]");
          if (!Valid(salesteam::ValidateId(r.member_ids(i), field), field)) return;
        }
        ValidDate(r.has_as_of(), r.as_of(), "as_of");
      });
      break;
    case 7:
      Run<v1::UpdateMemberRequest>(data, size, UpdateMember);
      break;
    case 8:
      Run<v1::MoveMemberRequest>(data, size, MoveMember);
      break;
    case 9:
      Run<v1::DeactivateMemberRequest>(data, size, [](const v1::DeactivateMemberRequest& r) {
        if (!Valid(salesteam::ValidateId(r.member_id(), "member_id"), "member_id")) return;
        ValidDate(r.has_effective_date(), r.effective_date(), "effective_date");
      });
      break;
    case 10:
      Run<v1::ListMembersRequest>(data, size, ListMembers);
      break;
    case 11:
      Run<v1::RecordTrainingRequest>(data, size, RecordTraining);
      break;
    case 12:
      Run<v1::ListTrainingSessionsRequest>(data, size, ListTrainingSessions);
      break;
    case 13:
      Run<v1::GetTrainingComplianceRequest>(
          data, size, [](const v1::GetTrainingComplianceRequest& r) {
            if (!Valid(salesteam::ValidateId(r.team_id(), "team_id"), "team_id")) return;
            ValidDate(r.has_as_of(), r.as_of(), "as_of");
          });
      break;
    default:
      Run<v1::SuggestRolesRequest>(data, size, [](const v1::SuggestRolesRequest& r) {
        Valid(salesteam::ValidateId(r.team_id(), "team_id"), "team_id");
      });
      break;
  }
  return 0;
}
