#include "services/roster/roster_service.h"

#include <algorithm>
#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "absl/random/random.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "common/auth/auth.h"
#include "common/cache/cache_aside.h"
#include "common/cache/labelled_value.h"
#include "common/pagination/page_token.h"
#include "common/server/handler.h"
#include "common/server/server.h"
#include "common/status.h"
#include "common/time/date.h"
#include "common/time/time_zone.h"
#include "common/time/timestamp.h"
#include "common/update_mask.h"
#include "common/validation.h"
#include "services/roster/change_feed.h"
#include "services/roster/domain.h"
#include "services/roster/roster_store.h"

namespace salesteam::roster {
namespace {

using auth::Principal;
using auth::Role;
using periods::FormatIsoDate;

constexpr int kDefaultPageSize = 50;
constexpr int kMaxPageSize = 500;
constexpr int kMaxBatchGetIds = 1000;
// v2: each value is labelled (common/cache/labelled_value.h) with the change
// sequence it was read at.
constexpr absl::string_view kMemberKeyPrefix = "roster:v2:member:";

std::string MemberKey(absl::string_view member_id) {
  return absl::StrCat(kMemberKeyPrefix, member_id);
}

// Opaque server-generated ids: a kind prefix and 96 random bits.
std::string NewId(absl::string_view prefix) {
  thread_local absl::BitGen bitgen;
  const uint64_t high = absl::Uniform<uint64_t>(bitgen);
  const uint32_t low = absl::Uniform<uint32_t>(bitgen);
  return absl::StrCat(prefix, absl::Hex(high, absl::kZeroPad16), absl::Hex(low, absl::kZeroPad8));
}

// Only managers (of their own teams, checked separately) and admins write;
// the service role reads everything but writes nothing.
constexpr std::initializer_list<Role> kWriters = {Role::kManager, Role::kAdmin};

// Updates carry the version they read (DESIGN.md section 3).
absl::Status RequireVersion(int64_t version, absl::string_view field) {
  if (version > 0) return absl::OkStatus();
  return absl::InvalidArgumentError(absl::StrCat(field, ": required (the version that was read)"));
}

// Management reports (training compliance, role suggestions) are for the
// team's managers, admins and services.
absl::Status CheckCanReadManagementReports(const Principal& caller, absl::string_view team_id) {
  if (!auth::CanSeeManagementData(caller, team_id)) {
    return absl::PermissionDeniedError(
        absl::StrCat("principal ", QuoteInput(caller.subject), " (", auth::RoleName(caller.role),
                     ") may not read management reports of team ", QuoteInput(team_id)));
  }
  return absl::OkStatus();
}

bool IsAdminOrService(const Principal& caller) {
  return caller.role == Role::kAdmin || caller.role == Role::kService;
}

// The feed runs on the service's clock: the writes stamp each change's
// commit time with it, and the retention is measured against those times.
ChangeFeedOptions FeedOptions(const RosterServiceOptions& options) {
  ChangeFeedOptions feed = options.feed;
  feed.clock = options.clock;
  return feed;
}

}  // namespace

// Everything behind the gRPC methods: each takes the verified caller and the
// request, and fills the response. Kept apart from the reactor plumbing so
// that each reads as decode, authorise, validate, apply, store, encode.
class RosterCore {
 public:
  RosterCore(store::Database* db, cache::Cache* cache, RosterServiceOptions options)
      : store_(db, [this](const CommittedChange& change) { feed_.Committed(change); }),
        members_cache_(
            cache, cache::CacheAsideOptions{.ttl = options.member_cache_ttl,
                                            .call_options = {.timeout = options.cache_timeout}}),
        page_tokens_(options.page_token_key),
        options_(std::move(options)),
        feed_(&store_, cache, FeedOptions(options_)) {
    feed_.Start();
  }

  ChangeFeed& feed() { return feed_; }

  // WatchRosterChanges, before the stream starts: the caller and request.
  static absl::Status CheckWatch(const Principal& caller,
                                 const v1::WatchRosterChangesRequest& request) {
    RETURN_IF_ERROR(auth::CheckRole(caller, {Role::kAdmin, Role::kService}));
    if (request.after_sequence() < 0) {
      return absl::InvalidArgumentError(
          absl::StrCat("after_sequence: must be at least 0 (got ", request.after_sequence(), ")"));
    }
    return absl::OkStatus();
  }

  // The changes after `after` (the head's sequence when `at_head`) for a
  // watcher, each member resolved as of today; FAILED_PRECONDITION when
  // `after` is outside the retained log.
  absl::StatusOr<ChangePage> ChangesFor(int64_t after, bool at_head, bool from_oldest, int limit) {
    if (at_head) {
      ASSIGN_OR_RETURN(after, store_.LastSequence());
    }
    ASSIGN_OR_RETURN(ChangePage page, store_.ReadChanges(after, limit));
    if (from_oldest && after < page.pruned_through) {
      after = page.pruned_through;
      ASSIGN_OR_RETURN(page, store_.ReadChanges(after, limit));
    }
    if (after < page.pruned_through) {
      return absl::FailedPreconditionError(
          absl::StrCat("after_sequence ", after,
                       " is older than the roster's change retention (changes "
                       "through ",
                       page.pruned_through,
                       " were deleted): rebuild what you derived from the "
                       "roster, then watch with start_at_head"));
    }
    if (after > page.last_sequence) {
      return absl::FailedPreconditionError(absl::StrCat(
          "after_sequence ", after, " is ahead of the roster's newest change ", page.last_sequence,
          " (was the roster restored from a backup?): rebuild what you "
          "derived from the roster, then watch with start_at_head"));
    }
    const periods::Date today = Today();
    for (rosterpb::RosterChange& change : page.changes) {
      if (change.has_member()) ResolveAsOf(*change.mutable_member(), today);
      if (change.has_team()) ResolveTermsAsOf(*change.mutable_team(), today);
    }
    // An empty page of a watcher at the head: the position is the head.
    if (page.changes.empty()) page.last_sequence = std::max(page.last_sequence, after);
    return page;
  }

  absl::Status CreateTeam(const Principal& caller, const v1::CreateTeamRequest& request,
                          v1::CreateTeamResponse& response) {
    RETURN_IF_ERROR(auth::CheckRole(caller, {Role::kAdmin}));
    rosterpb::Team team = request.team();
    team.clear_id();
    team.clear_version();
    team.clear_create_time();
    team.clear_update_time();
    ApplyDefaultStageOwnership(team, /*model_changed=*/false);
    RETURN_IF_ERROR(ValidateTeam(team, "team"));
    if (!team.manager_id().empty())
      RETURN_IF_ERROR(ValidateId(team.manager_id(), "team.manager_id"));
    team.set_id(NewId("tm_"));
    team.set_version(1);
    const absl::Time now = Now();
    periods::TimeToProto(now, team.mutable_create_time());
    periods::TimeToProto(now, team.mutable_update_time());
    const periods::Date today = Today();
    // Checked inside the insert's transaction (see TeamCheck in roster_store.h).
    RETURN_IF_ERROR(
        store_.InsertTeam(team, [&team, today](const std::optional<rosterpb::Member>& manager) {
          return ValidateTeamManager(team.manager_id(), manager, today, "team.manager_id");
        }));
    rosterpb::TeamTerms& terms = *team.add_terms();
    terms.set_time_zone(team.time_zone());
    terms.set_currency_code(team.currency_code());
    *response.mutable_team() = std::move(team);
    return absl::OkStatus();
  }

  absl::Status GetTeam(const Principal& caller, const v1::GetTeamRequest& request,
                       v1::GetTeamResponse& response) {
    RETURN_IF_ERROR(ValidateId(request.team_id(), "team_id"));
    RETURN_IF_ERROR(auth::CheckCanReadTeam(caller, request.team_id()));
    // Taken before the read: the answer includes at least every change to it.
    response.set_roster_sequence(feed_.head());
    ASSIGN_OR_RETURN(*response.mutable_team(), store_.GetTeam(request.team_id()));
    ResolveTermsAsOf(*response.mutable_team(), Today());
    return absl::OkStatus();
  }

  absl::Status UpdateTeam(const Principal& caller, const v1::UpdateTeamRequest& request,
                          v1::UpdateTeamResponse& response) {
    const rosterpb::Team& patch = request.team();
    RETURN_IF_ERROR(auth::CheckRole(caller, kWriters));
    RETURN_IF_ERROR(ValidateId(patch.id(), "team.id"));
    RETURN_IF_ERROR(auth::CheckCanWriteTeam(caller, patch.id()));
    RETURN_IF_ERROR(RequireVersion(patch.version(), "team.version"));
    ASSIGN_OR_RETURN(std::vector<std::string> paths,
                     UpdatePaths(request.update_mask(), patch,
                                 {"name", "time_zone", "currency_code", "sales_model", "manager_id",
                                  "expectation_policy", "training_cadence", "stage_ownership"},
                                 ""));
    ASSIGN_OR_RETURN(rosterpb::Team team, store_.GetTeam(patch.id()));
    if (team.version() != patch.version())
      return StaleVersionError("team", team.id(), team.version(), patch.version());
    const periods::Date today = Today();
    // What readers were shown: today's zone and currency. Sending those back
    // (a whole team, no mask) changes nothing, even with a later change
    // scheduled (the stored team carries the latest terms).
    rosterpb::Team shown = team;
    ResolveTermsAsOf(shown, today);
    bool terms_given = false;
    const rosterpb::SalesModel old_model = team.sales_model();
    bool ownership_given = false;
    for (const std::string& path : paths) {
      if (path == "name") team.set_name(patch.name());
      if (path == "time_zone" && patch.time_zone() != shown.time_zone()) {
        team.set_time_zone(patch.time_zone());
        terms_given = true;
      }
      if (path == "currency_code" && patch.currency_code() != shown.currency_code()) {
        team.set_currency_code(patch.currency_code());
        terms_given = true;
      }
      if (path == "sales_model") team.set_sales_model(patch.sales_model());
      if (path == "manager_id") team.set_manager_id(patch.manager_id());
      if (path == "expectation_policy") {
        *team.mutable_expectation_policy() = patch.expectation_policy();
      }
      if (path == "training_cadence") {
        *team.mutable_training_cadence() = patch.training_cadence();
      }
      if (path == "stage_ownership") {
        *team.mutable_stage_ownership() = patch.stage_ownership();
        ownership_given = !patch.stage_ownership().empty();
      }
    }
    if (!ownership_given) ApplyDefaultStageOwnership(team, team.sales_model() != old_model);
    RETURN_IF_ERROR(ValidateTeam(team, "team"));
    if (!team.manager_id().empty())
      RETURN_IF_ERROR(ValidateId(team.manager_id(), "team.manager_id"));
    const bool manager_changed = std::find(paths.begin(), paths.end(), "manager_id") != paths.end();
    const bool model_changed = team.sales_model() != old_model;
    ASSIGN_OR_RETURN(periods::Date terms_from, TermsEffectiveDate(request, shown, terms_given));
    // Checked inside the update's transaction (see TeamCheck in roster_store.h).
    auto check = [&](const std::vector<TeamAssignment>& assignments,
                     const std::optional<rosterpb::Member>& manager) -> absl::Status {
      if (manager_changed) {
        RETURN_IF_ERROR(ValidateTeamManager(team.manager_id(), manager, today, "team.manager_id"));
      }
      if (model_changed) {
        for (const TeamAssignment& assignment : assignments) {
          RETURN_IF_ERROR(
              CheckModelFitsMemberRole(team.sales_model(), assignment.member_id, assignment.role));
        }
      }
      return absl::OkStatus();
    };
    ASSIGN_OR_RETURN(*response.mutable_team(),
                     store_.UpdateTeam(team, patch.version(), Now(), today, check, terms_from));
    ResolveTermsAsOf(*response.mutable_team(), today);
    return absl::OkStatus();
  }

  absl::Status ListTeams(const Principal& caller, const v1::ListTeamsRequest& request,
                         v1::ListTeamsResponse& response) {
    ASSIGN_OR_RETURN(int page_size, pagination::ResolvePageSize(request.page_size(),
                                                                kDefaultPageSize, kMaxPageSize));
    std::optional<std::vector<std::string>> only_ids;
    if (!IsAdminOrService(caller)) only_ids = caller.teams;
    // The scope binds a token to the caller's view, so it cannot be replayed by another caller.
    const std::string scope = pagination::ListScope(request, caller.subject);
    std::string after_id;
    if (!request.page_token().empty()) {
      ASSIGN_OR_RETURN(std::vector<std::string> cursor,
                       page_tokens_.Decode(request.page_token(), scope, 1));
      after_id = cursor[0];
    }
    ASSIGN_OR_RETURN(std::vector<rosterpb::Team> teams,
                     store_.ListTeams(only_ids, after_id, page_size + 1));
    const bool more = static_cast<int>(teams.size()) > page_size;
    if (more) teams.resize(page_size);
    const periods::Date today = Today();
    for (rosterpb::Team& team : teams) {
      ResolveTermsAsOf(team, today);
      *response.add_teams() = std::move(team);
    }
    if (more) {
      response.set_next_page_token(
          page_tokens_.Encode(scope, {response.teams(page_size - 1).id()}));
    }
    return absl::OkStatus();
  }

  absl::Status CreateMember(const Principal& caller, const v1::CreateMemberRequest& request,
                            v1::CreateMemberResponse& response) {
    RETURN_IF_ERROR(auth::CheckRole(caller, kWriters));
    RETURN_IF_ERROR(ValidateId(request.team_id(), "team_id"));
    RETURN_IF_ERROR(auth::CheckCanWriteTeam(caller, request.team_id()));
    RETURN_IF_ERROR(ValidateRole(request.role(), "role"));
    const periods::Date today = Today();
    rosterpb::Member member = request.member();
    // Output-only fields are the server's to set.
    member.clear_id();
    member.clear_team_id();
    member.clear_role();
    member.clear_active();
    member.clear_deactivation_date();
    member.clear_assignments();
    member.clear_version();
    member.clear_create_time();
    member.clear_update_time();
    RETURN_IF_ERROR(ValidateMemberProfile(member, today, "member"));
    ASSIGN_OR_RETURN(rosterpb::Team team, ExistingTeam(request.team_id(), "team_id"));
    member.set_id(NewId("mb_"));
    member.set_version(1);
    const absl::Time now = Now();
    periods::TimeToProto(now, member.mutable_create_time());
    periods::TimeToProto(now, member.mutable_update_time());
    rosterpb::Assignment* first = member.add_assignments();
    first->set_team_id(team.id());
    first->set_role(request.role());
    *first->mutable_effective_from() = member.hire_date();
    const rosterpb::MemberRole role = request.role();
    RETURN_IF_ERROR(store_.InsertMember(member, [role](const rosterpb::Team& team) {
      return CheckRoleFitsModel(team.sales_model(), role, "role");
    }));
    ResolveAsOf(member, today);
    *response.mutable_member() = std::move(member);
    return absl::OkStatus();
  }

  absl::Status GetMember(const Principal& caller, const v1::GetMemberRequest& request,
                         v1::GetMemberResponse& response) {
    RETURN_IF_ERROR(ValidateId(request.member_id(), "member_id"));
    ASSIGN_OR_RETURN(periods::Date as_of, AsOf(request.has_as_of(), request.as_of(), "as_of"));
    ASSIGN_OR_RETURN(rosterpb::Member member, CachedMember(request.member_id()));
    RETURN_IF_ERROR(ShowMember(caller, as_of, Today(), member));
    *response.mutable_member() = std::move(member);
    return absl::OkStatus();
  }

  absl::Status BatchGetMembers(const Principal& caller, const v1::BatchGetMembersRequest& request,
                               v1::BatchGetMembersResponse& response) {
    if (request.member_ids().empty()) {
      return absl::InvalidArgumentError("member_ids: at least one id is required");
    }
    if (request.member_ids_size() > kMaxBatchGetIds) {
      return absl::InvalidArgumentError(absl::StrCat("member_ids: at most ", kMaxBatchGetIds,
                                                     " ids per call (got ",
                                                     request.member_ids_size(), ")"));
    }
    std::vector<std::string> ids;
    absl::flat_hash_set<absl::string_view> seen;
    for (int i = 0; i < request.member_ids_size(); ++i) {
      const std::string& id = request.member_ids(i);
      RETURN_IF_ERROR(ValidateId(id, absl::StrCat("member_ids[", i, "]")));
      if (!seen.insert(id).second) continue;
      ids.push_back(id);
    }
    ASSIGN_OR_RETURN(periods::Date as_of, AsOf(request.has_as_of(), request.as_of(), "as_of"));
    ASSIGN_OR_RETURN(CachedCopies found, CachedMembers(ids));
    const periods::Date today = Today();
    for (const std::string& id : ids) {
      auto it = found.members.find(id);
      if (it == found.members.end()) {
        response.add_missing_member_ids(id);
        continue;
      }
      rosterpb::Member member = std::move(it->second);
      RETURN_IF_ERROR(ShowMember(caller, as_of, today, member));
      *response.add_members() = std::move(member);
    }
    response.set_roster_sequence(found.label);
    return absl::OkStatus();
  }

  absl::Status UpdateMember(const Principal& caller, const v1::UpdateMemberRequest& request,
                            v1::UpdateMemberResponse& response) {
    const rosterpb::Member& patch = request.member();
    RETURN_IF_ERROR(auth::CheckRole(caller, kWriters));
    RETURN_IF_ERROR(ValidateId(patch.id(), "member.id"));
    RETURN_IF_ERROR(RequireVersion(patch.version(), "member.version"));
    ASSIGN_OR_RETURN(std::vector<std::string> paths,
                     UpdatePaths(request.update_mask(), patch,
                                 {"name", "email", "archetype", "value_tier", "skills",
                                  "motivators", "contact_channels", "hire_date"},
                                 "; team and role change with MoveMember"));
    const periods::Date today = Today();
    ASSIGN_OR_RETURN(rosterpb::Member member, store_.GetMember(patch.id()));
    ResolveAsOf(member, today);
    RETURN_IF_ERROR(auth::CheckCanWriteMember(caller, member.id(), member.team_id()));
    RETURN_IF_ERROR(CheckWritable(member, today));
    if (member.version() != patch.version()) {
      return StaleVersionError("member", member.id(), member.version(), patch.version());
    }
    for (const std::string& path : paths) {
      if (path == "name") member.set_name(patch.name());
      if (path == "email") member.set_email(patch.email());
      if (path == "archetype") member.set_archetype(patch.archetype());
      if (path == "value_tier") {
        if (patch.has_value_tier()) {
          member.set_value_tier(patch.value_tier());
        } else {
          member.clear_value_tier();
        }
      }
      if (path == "skills") *member.mutable_skills() = patch.skills();
      if (path == "motivators") *member.mutable_motivators() = patch.motivators();
      if (path == "contact_channels") {
        *member.mutable_contact_channels() = patch.contact_channels();
      }
      if (path == "hire_date") *member.mutable_hire_date() = patch.hire_date();
    }
    RETURN_IF_ERROR(ValidateMemberProfile(member, today, "member"));
    ASSIGN_OR_RETURN(periods::Date hire_date,
                     periods::DateFromProto(member.hire_date(), "member.hire_date"));
    RETURN_IF_ERROR(ValidateHireDateChange(member, hire_date, "member.hire_date"));
    absl::StatusOr<rosterpb::Member> stored =
        store_.UpdateMemberProfile(member, patch.version(), Now());
    return AnswerMemberWrite(caller, member.id(), std::move(stored), today,
                             *response.mutable_member());
  }

  absl::Status MoveMember(const Principal& caller, const v1::MoveMemberRequest& request,
                          v1::MoveMemberResponse& response) {
    RETURN_IF_ERROR(auth::CheckRole(caller, kWriters));
    RETURN_IF_ERROR(ValidateId(request.member_id(), "member_id"));
    RETURN_IF_ERROR(RequireVersion(request.version(), "version"));
    RETURN_IF_ERROR(ValidateId(request.team_id(), "team_id"));
    RETURN_IF_ERROR(ValidateRole(request.role(), "role"));
    const periods::Date today = Today();
    ASSIGN_OR_RETURN(periods::Date effective, AsOf(request.has_effective_date(),
                                                   request.effective_date(), "effective_date"));
    ASSIGN_OR_RETURN(rosterpb::Member member, store_.GetMember(request.member_id()));
    ResolveAsOf(member, today);
    RETURN_IF_ERROR(auth::CheckCanWriteMember(caller, member.id(), member.team_id()));
    RETURN_IF_ERROR(auth::CheckCanWriteTeam(caller, request.team_id()));
    RETURN_IF_ERROR(CheckWritable(member, today));
    if (member.version() != request.version()) {
      return StaleVersionError("member", member.id(), member.version(), request.version());
    }
    RETURN_IF_ERROR(ValidateMoveDate(member, effective, today, "effective_date"));
    ASSIGN_OR_RETURN(rosterpb::Team team, ExistingTeam(request.team_id(), "team_id"));
    const rosterpb::MemberRole role = request.role();
    TeamsCheck check_managed = nullptr;
    if (role != rosterpb::MEMBER_ROLE_MANAGER) {
      check_managed = [&member](const std::vector<rosterpb::Team>& managed) {
        return CheckManagesNoTeam(member.id(), managed, "leave the manager role");
      };
    }
    absl::StatusOr<rosterpb::Member> stored = store_.MoveMember(
        member.id(), request.version(), team.id(), role, effective, Now(),
        [role](const rosterpb::Team& to) {
          return CheckRoleFitsModel(to.sales_model(), role, "role");
        },
        check_managed);
    return AnswerMemberWrite(caller, member.id(), std::move(stored), today,
                             *response.mutable_member());
  }

  absl::Status DeactivateMember(const Principal& caller, const v1::DeactivateMemberRequest& request,
                                v1::DeactivateMemberResponse& response) {
    RETURN_IF_ERROR(auth::CheckRole(caller, kWriters));
    RETURN_IF_ERROR(ValidateId(request.member_id(), "member_id"));
    RETURN_IF_ERROR(RequireVersion(request.version(), "version"));
    const periods::Date today = Today();
    ASSIGN_OR_RETURN(periods::Date effective, AsOf(request.has_effective_date(),
                                                   request.effective_date(), "effective_date"));
    ASSIGN_OR_RETURN(rosterpb::Member member, store_.GetMember(request.member_id()));
    ResolveAsOf(member, today);
    RETURN_IF_ERROR(auth::CheckCanWriteMember(caller, member.id(), member.team_id()));
    RETURN_IF_ERROR(CheckWritable(member, today));
    if (member.version() != request.version()) {
      return StaleVersionError("member", member.id(), member.version(), request.version());
    }
    if (member.has_deactivation_date()) {
      return absl::FailedPreconditionError(absl::StrCat("member ", QuoteInput(member.id()),
                                                        " is already scheduled to be deactivated"));
    }
    RETURN_IF_ERROR(ValidateDeactivationDate(member, effective, today, "effective_date"));
    absl::StatusOr<rosterpb::Member> stored =
        store_.DeactivateMember(member.id(), request.version(), effective, Now(),
                                [&member](const std::vector<rosterpb::Team>& managed) {
                                  return CheckManagesNoTeam(member.id(), managed, "be deactivated");
                                });
    return AnswerMemberWrite(caller, member.id(), std::move(stored), today,
                             *response.mutable_member());
  }

  absl::Status ListMembers(const Principal& caller, const v1::ListMembersRequest& request,
                           v1::ListMembersResponse& response) {
    ASSIGN_OR_RETURN(int page_size, pagination::ResolvePageSize(request.page_size(),
                                                                kDefaultPageSize, kMaxPageSize));
    MemberFilter filter;
    filter.team_id = request.team_id();
    if (filter.team_id.empty()) {
      if (!IsAdminOrService(caller)) {
        return absl::InvalidArgumentError(
            "team_id: required (only admins and services may list every team)");
      }
    } else {
      RETURN_IF_ERROR(ValidateId(filter.team_id, "team_id"));
      RETURN_IF_ERROR(auth::CheckCanReadTeam(caller, filter.team_id));
      RETURN_IF_ERROR(store_.GetTeam(filter.team_id).status());
    }
    if (request.role() != rosterpb::MEMBER_ROLE_UNSPECIFIED) {
      RETURN_IF_ERROR(ValidateRole(request.role(), "role"));
    }
    filter.role = request.role();
    filter.include_inactive = request.include_inactive();
    ASSIGN_OR_RETURN(filter.as_of, AsOf(request.has_as_of(), request.as_of(), "as_of"));
    // The day is part of the cursor, not the scope, so that paging with the
    // default as_of survives midnight: every page answers for the first one's day.
    const std::string scope = pagination::ListScope(request, caller.subject);
    std::string after_id;
    if (!request.page_token().empty()) {
      ASSIGN_OR_RETURN(std::vector<std::string> cursor,
                       page_tokens_.Decode(request.page_token(), scope, 2));
      ASSIGN_OR_RETURN(filter.as_of, periods::ParseIsoDate(cursor[0], "page_token"));
      after_id = cursor[1];
    }
    ASSIGN_OR_RETURN(std::vector<rosterpb::Member> members,
                     store_.ListMembers(filter, after_id, page_size + 1));
    const bool more = static_cast<int>(members.size()) > page_size;
    if (more) members.resize(page_size);
    const periods::Date today = Today();
    for (rosterpb::Member& member : members) {
      ResolveAsOf(member, filter.as_of);
      if (!auth::CanSeeManagementData(caller, CurrentTeam(member, today))) {
        RedactManagementData(member);
      }
      *response.add_members() = std::move(member);
    }
    if (more) {
      response.set_next_page_token(page_tokens_.Encode(
          scope, {FormatIsoDate(filter.as_of), response.members(page_size - 1).id()}));
    }
    return absl::OkStatus();
  }

  absl::Status RecordTraining(const Principal& caller, const v1::RecordTrainingRequest& request,
                              v1::RecordTrainingResponse& response) {
    RETURN_IF_ERROR(auth::CheckRole(caller, kWriters));
    const periods::Date today = Today();
    rosterpb::TrainingSession session = request.session();
    session.clear_id();
    session.clear_recorded_by();
    session.clear_create_time();
    RETURN_IF_ERROR(ValidateTrainingSession(session, today, "session"));
    ASSIGN_OR_RETURN(rosterpb::Member member, store_.GetMember(session.member_id()));
    ResolveAsOf(member, today);
    RETURN_IF_ERROR(auth::CheckCanWriteMember(caller, member.id(), member.team_id()));
    RETURN_IF_ERROR(CheckWritable(member, today));
    ASSIGN_OR_RETURN(periods::Date day, periods::DateFromProto(session.date(), "session.date"));
    ASSIGN_OR_RETURN(periods::Date hired,
                     periods::DateFromProto(member.hire_date(), "member.hire_date"));
    if (day < hired) {
      return absl::InvalidArgumentError(absl::StrCat("session.date: ", FormatIsoDate(day),
                                                     " is before the member's hire date ",
                                                     FormatIsoDate(hired)));
    }
    session.set_id(NewId("tr_"));
    session.set_recorded_by(caller.subject);
    periods::TimeToProto(Now(), session.mutable_create_time());
    RETURN_IF_ERROR(store_.InsertTrainingSession(session));
    *response.mutable_session() = std::move(session);
    return absl::OkStatus();
  }

  absl::Status ListTrainingSessions(const Principal& caller,
                                    const v1::ListTrainingSessionsRequest& request,
                                    v1::ListTrainingSessionsResponse& response) {
    ASSIGN_OR_RETURN(int page_size, pagination::ResolvePageSize(request.page_size(),
                                                                kDefaultPageSize, kMaxPageSize));
    if (request.member_id().empty() == request.team_id().empty()) {
      return absl::InvalidArgumentError("member_id, team_id: exactly one is required");
    }
    RETURN_IF_ERROR(ValidateEnum(request.area(), "area", Unspecified::kAllow));
    TrainingFilter filter;
    filter.as_of = Today();
    filter.area = request.area();
    if (!request.member_id().empty()) {
      RETURN_IF_ERROR(ValidateId(request.member_id(), "member_id"));
      ASSIGN_OR_RETURN(rosterpb::Member member, CachedMember(request.member_id()));
      ResolveAsOf(member, filter.as_of);
      // A rep sees their own training; teammates' only through their managers.
      if (caller.subject != member.id()) {
        RETURN_IF_ERROR(CheckCanReadManagementReports(caller, member.team_id()));
      }
      filter.member_id = member.id();
    } else {
      RETURN_IF_ERROR(ValidateId(request.team_id(), "team_id"));
      RETURN_IF_ERROR(CheckCanReadManagementReports(caller, request.team_id()));
      RETURN_IF_ERROR(store_.GetTeam(request.team_id()).status());
      filter.team_id = request.team_id();
    }
    const std::string scope = pagination::ListScope(request, caller.subject);
    std::optional<TrainingCursor> after;
    if (!request.page_token().empty()) {
      // The cursor also carries the day whose team members are listed, so
      // that every page lists the same people.
      ASSIGN_OR_RETURN(std::vector<std::string> cursor,
                       page_tokens_.Decode(request.page_token(), scope, 3));
      ASSIGN_OR_RETURN(filter.as_of, periods::ParseIsoDate(cursor[0], "page_token"));
      ASSIGN_OR_RETURN(periods::Date date, periods::ParseIsoDate(cursor[1], "page_token"));
      after = TrainingCursor{date, cursor[2]};
    }
    ASSIGN_OR_RETURN(std::vector<rosterpb::TrainingSession> sessions,
                     store_.ListTrainingSessions(filter, after, page_size + 1));
    const bool more = static_cast<int>(sessions.size()) > page_size;
    if (more) sessions.resize(page_size);
    for (rosterpb::TrainingSession& session : sessions) {
      *response.add_sessions() = std::move(session);
    }
    if (more) {
      const rosterpb::TrainingSession& last = response.sessions(page_size - 1);
      ASSIGN_OR_RETURN(periods::Date last_day, periods::DateFromProto(last.date(), "session.date"));
      response.set_next_page_token(page_tokens_.Encode(
          scope, {FormatIsoDate(filter.as_of), FormatIsoDate(last_day), last.id()}));
    }
    return absl::OkStatus();
  }

  absl::Status GetTrainingCompliance(const Principal& caller,
                                     const v1::GetTrainingComplianceRequest& request,
                                     v1::GetTrainingComplianceResponse& response) {
    RETURN_IF_ERROR(ValidateId(request.team_id(), "team_id"));
    RETURN_IF_ERROR(CheckCanReadManagementReports(caller, request.team_id()));
    ASSIGN_OR_RETURN(rosterpb::Team team, store_.GetTeam(request.team_id()));
    periods::Date as_of;
    if (request.has_as_of()) {
      ASSIGN_OR_RETURN(as_of, periods::DateFromProto(request.as_of(), "as_of"));
    } else {
      ASSIGN_OR_RETURN(absl::TimeZone zone,
                       periods::LoadTimeZone(team.time_zone(), "team.time_zone"));
      as_of = absl::ToCivilDay(Now(), zone);
    }
    ASSIGN_OR_RETURN(std::vector<rosterpb::Member> members, ActiveMembers(team.id(), as_of));
    std::vector<std::string> ids;
    for (const rosterpb::Member& member : members) ids.push_back(member.id());
    ASSIGN_OR_RETURN(std::vector<LastTraining> last, store_.LastTrainingPerArea(ids, as_of));
    std::vector<LastSession> sessions;
    sessions.reserve(last.size());
    for (LastTraining& entry : last) {
      sessions.push_back(LastSession{std::move(entry.member_id), entry.area, entry.date});
    }
    response = ComputeTrainingCompliance(team, members, sessions, as_of);
    return absl::OkStatus();
  }

  absl::Status SuggestRoles(const Principal& caller, const v1::SuggestRolesRequest& request,
                            v1::SuggestRolesResponse& response) {
    RETURN_IF_ERROR(ValidateId(request.team_id(), "team_id"));
    RETURN_IF_ERROR(CheckCanReadManagementReports(caller, request.team_id()));
    ASSIGN_OR_RETURN(rosterpb::Team team, store_.GetTeam(request.team_id()));
    ASSIGN_OR_RETURN(std::vector<rosterpb::Member> members, ActiveMembers(team.id(), Today()));
    for (const rosterpb::Member& member : members) {
      *response.add_suggestions() = SuggestRole(team.sales_model(), member);
    }
    return absl::OkStatus();
  }

 private:
  // The first day a new zone or currency applies: terms_effective_date, by
  // default and at the earliest the team's tomorrow (in its zone today), so
  // that no day that may already hold recorded money changes currency.
  absl::StatusOr<periods::Date> TermsEffectiveDate(const v1::UpdateTeamRequest& request,
                                                   const rosterpb::Team& shown,
                                                   bool terms_given) const {
    ASSIGN_OR_RETURN(absl::TimeZone zone,
                     periods::LoadTimeZone(shown.time_zone(), "team.time_zone"));
    const periods::Date tomorrow = absl::ToCivilDay(Now(), zone) + 1;
    if (!request.has_terms_effective_date()) return tomorrow;
    if (!terms_given) {
      return absl::InvalidArgumentError(
          "terms_effective_date: applies only to a change of time_zone or currency_code, and "
          "the request changes neither");
    }
    ASSIGN_OR_RETURN(periods::Date day, periods::DateFromProto(request.terms_effective_date(),
                                                               "terms_effective_date"));
    if (day < tomorrow) {
      return absl::InvalidArgumentError(absl::StrCat(
          "terms_effective_date: ", periods::FormatIsoDate(day), " is not after the team's today (",
          periods::FormatIsoDate(tomorrow - 1), " in ", shown.time_zone(),
          "): a new time zone or currency applies from a later day, so that days that may "
          "already hold recorded activity and pay keep theirs"));
    }
    return day;
  }

  // The clock, to the microsecond: what the database keeps of an instant, so
  // that a written time reads back equal.
  absl::Time Now() const { return absl::FromUnixMicros(absl::ToUnixMicros(options_.clock())); }

  // Today's date in UTC: the default as_of of member reads. Team-local days
  // matter for reports (GetTrainingCompliance uses the team's zone).
  periods::Date Today() const { return absl::ToCivilDay(Now(), absl::UTCTimeZone()); }

  absl::StatusOr<periods::Date> AsOf(bool present, const salesteam::type::v1::Date& date,
                                     absl::string_view field) const {
    if (!present) return Today();
    return periods::DateFromProto(date, field);
  }

  // Every member write ends alike: the cached copy goes whatever the outcome
  // (a write that failed may have raced one that committed), and the answer
  // is the stored member as of today, as the caller may see it.
  absl::Status AnswerMemberWrite(const Principal& caller, const std::string& member_id,
                                 absl::StatusOr<rosterpb::Member> stored, periods::Date today,
                                 rosterpb::Member& answer) {
    members_cache_.Invalidate(MemberKey(member_id)).IgnoreError();
    RETURN_IF_ERROR(stored.status());
    ResolveAsOf(*stored, today);
    if (!auth::CanSeeManagementData(caller, stored->team_id())) RedactManagementData(*stored);
    answer = *std::move(stored);
    return absl::OkStatus();
  }

  // A member by id through the cache: the stored record, unresolved.
  absl::StatusOr<rosterpb::Member> CachedMember(const std::string& member_id) {
    ASSIGN_OR_RETURN(CachedCopies found, CachedMembers({member_id}));
    auto it = found.members.find(member_id);
    if (it == found.members.end()) {
      return absl::NotFoundError(absl::StrCat("member ", QuoteInput(member_id), " not found"));
    }
    return std::move(it->second);
  }

  struct CachedCopies {
    // The stored records (unresolved) of the ids that exist.
    absl::flat_hash_map<std::string, rosterpb::Member> members;
    // The change sequence all of them reflect at least (the oldest label).
    int64_t label = 0;
  };

  // Members by id (unique) through the cache. Each cached copy carries the
  // change sequence it was read at, and one older than the newest change of
  // its member known here (a read that raced a write and cached what it read
  // before the write committed) is refused and read again.
  absl::StatusOr<CachedCopies> CachedMembers(absl::Span<const std::string> ids) {
    std::vector<std::string> keys;
    keys.reserve(ids.size());
    for (const std::string& id : ids) keys.push_back(MemberKey(id));
    const int64_t label = feed_.head();  // before any read
    ASSIGN_OR_RETURN(
        cache::CacheAside::ValuesByKey found,
        members_cache_.GetOrLoadMany(keys, options_.member_cache_ttl,
                                     [this, label](absl::Span<const std::string> missing)
                                         -> absl::StatusOr<cache::CacheAside::ValuesByKey> {
                                       std::vector<std::string> missing_ids;
                                       missing_ids.reserve(missing.size());
                                       for (const std::string& key : missing) {
                                         missing_ids.push_back(key.substr(kMemberKeyPrefix.size()));
                                       }
                                       ASSIGN_OR_RETURN(std::vector<rosterpb::Member> loaded,
                                                        store_.GetMembers(missing_ids));
                                       cache::CacheAside::ValuesByKey values;
                                       for (const rosterpb::Member& member : loaded) {
                                         values[MemberKey(member.id())] =
                                             cache::Labelled(label, member.SerializeAsString());
                                       }
                                       return values;
                                     }));
    CachedCopies copies;
    copies.label = label;
    std::vector<std::string> stale;
    for (size_t i = 0; i < ids.size(); ++i) {
      auto it = found.find(keys[i]);
      if (it == found.end()) continue;
      std::optional<cache::LabelledValue> copy = cache::Unlabel(it->second);
      rosterpb::Member member;
      if (!copy.has_value() || copy->label < feed_.LastChangeOfMember(ids[i]) ||
          !member.ParseFromArray(copy->value.data(), static_cast<int>(copy->value.size()))) {
        // Stale or corrupt: the database answers, and the entry goes.
        members_cache_.Invalidate(keys[i]).IgnoreError();
        stale.push_back(ids[i]);
        continue;
      }
      copies.label = std::min(copies.label, copy->label);
      copies.members.emplace(ids[i], std::move(member));
    }
    if (!stale.empty()) {
      ASSIGN_OR_RETURN(std::vector<rosterpb::Member> loaded, store_.GetMembers(stale));
      for (rosterpb::Member& member : loaded) {
        std::string id = member.id();
        copies.members.emplace(std::move(id), std::move(member));
      }
    }
    return copies;
  }

  // The member's team today: whose managers see its management data. Value
  // tier and motivators are not dated, so a former team's manager does not
  // see the current assessment.
  static std::string CurrentTeam(const rosterpb::Member& member, periods::Date today) {
    const rosterpb::Assignment* current = AssignmentOn(member, today);
    return current == nullptr ? std::string() : current->team_id();
  }

  // Resolves `member` for `as_of`, checks the caller may read it, and hides
  // what the caller may not see. Reps read their own record and the members
  // of their team today, whatever day they ask about (a teammate who left is
  // another team's now); managers also the members their team had on as_of.
  static absl::Status ShowMember(const Principal& caller, periods::Date as_of, periods::Date today,
                                 rosterpb::Member& member) {
    ResolveAsOf(member, as_of);
    const std::string current_team = CurrentTeam(member, today);
    bool readable = auth::CheckCanReadMember(caller, member.id(), current_team).ok();
    if (!readable && caller.role != Role::kRep) {
      readable = auth::CheckCanReadMember(caller, member.id(), member.team_id()).ok();
    }
    if (!readable) {
      // Without the member's team: a refusal must not tell where they are.
      return absl::PermissionDeniedError(
          absl::StrCat("principal ", QuoteInput(caller.subject), " (", auth::RoleName(caller.role),
                       ") may not read member ", QuoteInput(member.id())));
    }
    if (!auth::CanSeeManagementData(caller, current_team)) RedactManagementData(member);
    return absl::OkStatus();
  }

  absl::StatusOr<rosterpb::Team> ExistingTeam(const std::string& team_id, absl::string_view field) {
    absl::StatusOr<rosterpb::Team> team = store_.GetTeam(team_id);
    if (absl::IsNotFound(team.status())) {
      return absl::InvalidArgumentError(
          absl::StrCat(field, ": team ", QuoteInput(team_id), " does not exist"));
    }
    return team;
  }

  // Every member of the team active on `as_of`, resolved for that day.
  absl::StatusOr<std::vector<rosterpb::Member>> ActiveMembers(const std::string& team_id,
                                                              periods::Date as_of) {
    MemberFilter filter;
    filter.team_id = team_id;
    filter.as_of = as_of;
    std::vector<rosterpb::Member> all;
    std::string after_id;
    while (true) {
      ASSIGN_OR_RETURN(std::vector<rosterpb::Member> page,
                       store_.ListMembers(filter, after_id, kMaxPageSize));
      const bool last_page = static_cast<int>(page.size()) < kMaxPageSize;
      if (!page.empty()) after_id = page.back().id();
      for (rosterpb::Member& member : page) {
        ResolveAsOf(member, as_of);
        all.push_back(std::move(member));
      }
      if (last_page) break;
    }
    return all;
  }

  RosterStore store_;
  cache::CacheAside members_cache_;
  pagination::PageTokenCodec page_tokens_;
  const RosterServiceOptions options_;
  ChangeFeed feed_;
};

RosterServiceImpl::RosterServiceImpl(store::Database* db, cache::Cache* cache,
                                     RosterServiceOptions options)
    : core_(std::make_unique<RosterCore>(db, cache, std::move(options))) {}

RosterServiceImpl::~RosterServiceImpl() = default;

namespace {

// WatchRosterChanges: one page of changes in flight at a time; the next page
// is read when the last write is done and the feed has moved past what was
// sent (or a heartbeat is due). Reads run on the handler pool (Offload), so
// a slow database never blocks gRPC's threads.
class WatchReactor final : public grpc::ServerWriteReactor<v1::WatchRosterChangesResponse>,
                           public ChangeFeed::Subscriber {
 public:
  // Changes per message: a member with its history is about 200 bytes.
  static constexpr int kPageSize = 500;

  WatchReactor(RosterCore* core, const v1::WatchRosterChangesRequest& request)
      : core_(core),
        position_(request.after_sequence()),
        at_head_(request.start_at_head()),
        from_oldest_(request.from_oldest_retained()) {}

  // After construction (the feed may call back at once).
  void Begin() {
    core_->feed().Subscribe(this);
    absl::MutexLock lock(&mu_);
    MaybeFetchLocked();
  }

  void OnFeedAdvanced(int64_t head, bool heartbeat) override {
    absl::MutexLock lock(&mu_);
    if (finished_) return;
    known_head_ = std::max(known_head_, head);
    heartbeat_due_ = heartbeat_due_ || heartbeat;
    MaybeFetchLocked();
  }

  void OnWriteDone(bool ok) override {
    std::optional<grpc::Status> done;
    {
      absl::MutexLock lock(&mu_);
      writing_ = false;
      if (!ok) failed_ = grpc::Status(grpc::StatusCode::CANCELLED, "the watcher stopped reading");
      MaybeFetchLocked();
      done = MaybeFinishLocked();
    }
    if (done.has_value()) Finish(*done);
  }

  void OnCancel() override {
    std::optional<grpc::Status> done;
    {
      absl::MutexLock lock(&mu_);
      if (!failed_.has_value()) failed_ = grpc::Status(grpc::StatusCode::CANCELLED, "cancelled");
      done = MaybeFinishLocked();
    }
    if (done.has_value()) Finish(*done);
  }

  void OnDone() override {
    core_->feed().Unsubscribe(this);
    delete this;
  }

 private:
  void MaybeFetchLocked() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    if (finished_ || fetching_ || writing_ || failed_.has_value()) return;
    if (positioned_ && position_ >= known_head_ && !heartbeat_due_) return;
    fetching_ = true;
    server::Offload([this, after = position_, at_head = !positioned_ && at_head_,
                     from_oldest = !positioned_ && from_oldest_] {
      absl::StatusOr<ChangePage> page = core_->ChangesFor(after, at_head, from_oldest, kPageSize);
      // Read before taking mu_: the feed calls OnFeedAdvanced holding its lock.
      const std::string feed_id = core_->feed().feed_id();
      std::optional<grpc::Status> done;
      {
        absl::MutexLock lock(&mu_);
        fetching_ = false;
        Fetched(std::move(page), feed_id);
        done = MaybeFinishLocked();
      }
      // gRPC may run OnDone (and delete this) once Finish is called.
      if (done.has_value()) Finish(*done);
    });
  }

  void Fetched(absl::StatusOr<ChangePage> page, const std::string& feed_id)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    if (failed_.has_value()) return;
    if (!page.ok()) {
      failed_ = ToGrpcStatus(page.status());
      return;
    }
    known_head_ = std::max(known_head_, page->last_sequence);
    const bool first = !positioned_;
    positioned_ = true;
    if (page->changes.empty()) {
      position_ = std::max(position_, page->last_sequence);
      // Nothing new: tell a new watcher it is at the head, or beat.
      if (!first && !heartbeat_due_) return;
    } else {
      position_ = page->changes.back().sequence();
    }
    heartbeat_due_ = false;
    response_.Clear();
    for (rosterpb::RosterChange& change : page->changes) {
      *response_.add_changes() = std::move(change);
    }
    response_.set_head_sequence(page->last_sequence);
    response_.set_feed_id(feed_id);
    writing_ = true;
    StartWrite(&response_);
  }

  // Finish after releasing mu_: OnDone may run (and delete this) at once.
  std::optional<grpc::Status> MaybeFinishLocked() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    if (finished_ || fetching_ || writing_ || !failed_.has_value()) return std::nullopt;
    finished_ = true;
    return *failed_;
  }

  RosterCore* const core_;
  absl::Mutex mu_;
  int64_t position_ ABSL_GUARDED_BY(mu_);
  const bool at_head_;
  const bool from_oldest_;
  bool positioned_ ABSL_GUARDED_BY(mu_) = false;
  int64_t known_head_ ABSL_GUARDED_BY(mu_) = 0;
  bool heartbeat_due_ ABSL_GUARDED_BY(mu_) = false;
  bool fetching_ ABSL_GUARDED_BY(mu_) = false;
  bool writing_ ABSL_GUARDED_BY(mu_) = false;
  bool finished_ ABSL_GUARDED_BY(mu_) = false;
  std::optional<grpc::Status> failed_ ABSL_GUARDED_BY(mu_);
  v1::WatchRosterChangesResponse response_ ABSL_GUARDED_BY(mu_);
};

}  // namespace

grpc::ServerWriteReactor<v1::WatchRosterChangesResponse>* RosterServiceImpl::WatchRosterChanges(
    grpc::CallbackServerContext* context, const v1::WatchRosterChangesRequest* request) {
  absl::StatusOr<auth::Principal> caller = server::Authenticate(context);
  if (caller.ok())
    caller = [&]() -> absl::StatusOr<auth::Principal> {
      RETURN_IF_ERROR(RosterCore::CheckWatch(*caller, *request));
      return caller;
    }();
  if (!caller.ok()) {
    return server::FinishedWriteReactor<v1::WatchRosterChangesResponse>(caller.status());
  }
  auto* reactor = new WatchReactor(core_.get(), *request);
  reactor->Begin();
  return reactor;
}

SALESTEAM_UNARY_WRITE_HANDLER(RosterServiceImpl, CreateTeam)
SALESTEAM_UNARY_HANDLER(RosterServiceImpl, GetTeam)
SALESTEAM_UNARY_WRITE_HANDLER(RosterServiceImpl, UpdateTeam)
SALESTEAM_UNARY_HANDLER(RosterServiceImpl, ListTeams)
SALESTEAM_UNARY_WRITE_HANDLER(RosterServiceImpl, CreateMember)
SALESTEAM_UNARY_HANDLER(RosterServiceImpl, GetMember)
SALESTEAM_UNARY_HANDLER(RosterServiceImpl, BatchGetMembers)
SALESTEAM_UNARY_WRITE_HANDLER(RosterServiceImpl, UpdateMember)
SALESTEAM_UNARY_WRITE_HANDLER(RosterServiceImpl, MoveMember)
SALESTEAM_UNARY_WRITE_HANDLER(RosterServiceImpl, DeactivateMember)
SALESTEAM_UNARY_HANDLER(RosterServiceImpl, ListMembers)
SALESTEAM_UNARY_WRITE_HANDLER(RosterServiceImpl, RecordTraining)
SALESTEAM_UNARY_HANDLER(RosterServiceImpl, ListTrainingSessions)
SALESTEAM_UNARY_HANDLER(RosterServiceImpl, GetTrainingCompliance)
SALESTEAM_UNARY_HANDLER(RosterServiceImpl, SuggestRoles)

}  // namespace salesteam::roster
