// The roster's rules, as plain functions over the proto messages: what makes
// a team or member valid, which roles a sales model allows, who owns which
// stage of the buyer's journey, what was true on a given day, who is overdue
// for training, and which role suits whom. No server, database or clock:
// "today" is always a parameter. The service (roster_service.cc) decodes,
// authorises, calls these, and stores the result.
//
// Every error is INVALID_ARGUMENT with a message that starts with the field
// path it is about, e.g. `member.value_tier: must be 1..3 (got 4)`; the
// caller passes the path prefix (`field`) of the message it validates.
#ifndef SALESTEAM_SERVICES_ROSTER_DOMAIN_H_
#define SALESTEAM_SERVICES_ROSTER_DOMAIN_H_

#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "common/time/date.h"
#include "salesteam/roster/v1/roster.pb.h"

namespace salesteam::roster {

namespace rosterpb = ::salesteam::roster::v1;

// Limits shared by validation, the service and its tests.
inline constexpr int kMaxNameChars = 200;
inline constexpr int kMaxEmailChars = 254;
inline constexpr int kMaxChannelAddressChars = 320;
inline constexpr int kMaxContactChannels = 20;
inline constexpr int kMaxTrainingNoteChars = 2000;
inline constexpr int kMinSkillLevel = 1;
inline constexpr int kMaxSkillLevel = 5;
inline constexpr int kMinValueTier = 1;
inline constexpr int kMaxValueTier = 3;
// How far ahead a hire date or an effective date may lie.
inline constexpr int kMaxDaysAhead = 365;

// ---- Validation ----

// The fields a caller sets on a team: name, time_zone (IANA, in tzdata),
// currency_code (ISO 4217), sales_model (ISLAND or ASSEMBLY_LINE),
// expectation_policy (required: min_attainment_bps 1..100000,
// consecutive_periods 1..24), training_cadence (known areas, each at most
// once, max_days_between_sessions 1..730) and stage_ownership (see
// ValidateStageOwnership). Not manager_id, which needs the store.
absl::Status ValidateTeam(const rosterpb::Team& team, absl::string_view field);

// The profile a caller sets on a member: name, email (well-formed, at most
// kMaxEmailChars), archetype (a known value; UNSPECIFIED allowed: not yet
// assessed), value_tier (present, 1..3), skills (known, each at most once,
// levels 1..5), motivators (known, each at most once), contact_channels (at
// most kMaxContactChannels; known kind; address 1..320 characters, an email
// for the EMAIL kind; at most one preferred), hire_date (a real day, at most
// kMaxDaysAhead after `today`).
absl::Status ValidateMemberProfile(const rosterpb::Member& member, periods::Date today,
                                   absl::string_view field);

// A known role other than UNSPECIFIED.
absl::Status ValidateRole(rosterpb::MemberRole role, absl::string_view field);

// session.member_id present, area known, date a real day not after `today`,
// 0 < hours <= 24 (finite), note at most kMaxTrainingNoteChars characters.
absl::Status ValidateTrainingSession(const rosterpb::TrainingSession& session, periods::Date today,
                                     absl::string_view field);

// ---- Sales models, roles and stages ----

// MANAGER fits every team; an ISLAND team's sellers are FULL_CYCLE; an
// ASSEMBLY_LINE team refuses FULL_CYCLE. INVALID_ARGUMENT naming `field`, the
// role and the model otherwise.
absl::Status CheckRoleFitsModel(rosterpb::SalesModel model, rosterpb::MemberRole role,
                                absl::string_view field);

// A team's manager_id: empty, or the id of a member (`manager`: absent when
// no member has it) who is active with role MANAGER on `today`.
// INVALID_ARGUMENT naming `field` otherwise.
absl::Status ValidateTeamManager(absl::string_view manager_id,
                                 const std::optional<rosterpb::Member>& manager,
                                 periods::Date today, absl::string_view field);

// A team's manager_id always names an active manager, so a member that
// `managed` teams name cannot `change` ("be deactivated", "leave the manager
// role") until they name someone else: FAILED_PRECONDITION naming a team.
absl::Status CheckManagesNoTeam(absl::string_view member_id,
                                const std::vector<rosterpb::Team>& managed,
                                absl::string_view change);

// A new sales model must fit a role the team's members hold or will hold:
// FAILED_PRECONDITION naming team.sales_model and the member otherwise.
absl::Status CheckModelFitsMemberRole(rosterpb::SalesModel model, absl::string_view member_id,
                                      rosterpb::MemberRole role);

// The standard ownership: ISLAND, FULL_CYCLE owns every stage; ASSEMBLY_LINE,
// LEAD_GENERATION -> lead generation, SALES_DEVELOPMENT -> qualification,
// ACCOUNT_EXECUTIVE -> proposal and close, CUSTOMER_SUCCESS -> after sale.
std::vector<rosterpb::StageOwnership> DefaultStageOwnership(rosterpb::SalesModel model);

// Gives `team` its model's standard ownership when it carries none, or when
// its model changed (an ownership given together with the new model is
// applied by the caller instead, and not passed here).
void ApplyDefaultStageOwnership(rosterpb::Team& team, bool model_changed);

// Exactly one owner for each of the four stages; ISLAND: FULL_CYCLE only;
// ASSEMBLY_LINE: specialist roles only (not FULL_CYCLE or MANAGER).
absl::Status ValidateStageOwnership(
    rosterpb::SalesModel model,
    const google::protobuf::RepeatedPtrField<rosterpb::StageOwnership>& ownership,
    absl::string_view field);

// The role that owns `stage` on `team` (UNSPECIFIED when none does).
rosterpb::MemberRole StageOwner(const rosterpb::Team& team, rosterpb::JourneyStage stage);

// ---- What was true on a day ----

// Fills member.team_id, role and active for `as_of` from the member's
// assignments and dates: the assignment whose [effective_from,
// effective_until) covers as_of (before the first one: the first one's team
// and role), active when hire_date <= as_of < deactivation_date.
void ResolveAsOf(rosterpb::Member& member, periods::Date as_of);

// Fills team.time_zone and currency_code from the terms in force on `as_of`
// (the latest whose effective_from is on or before it; before the first
// change, the first terms). A team without terms is left as it is.
void ResolveTermsAsOf(rosterpb::Team& team, periods::Date as_of);

// The assignment ResolveAsOf takes team and role from on `day` (null when
// the member has none).
const rosterpb::Assignment* AssignmentOn(const rosterpb::Member& member, periods::Date day);

// ---- Which writes a member takes ----

// A member can be written (updated, moved, trained, deactivated) until the
// first day they are inactive: FAILED_PRECONDITION once `today` has reached
// their deactivation date. A deactivation scheduled for a later day leaves
// them writable until then.
absl::Status CheckWritable(const rosterpb::Member& member, periods::Date today);

// A move from `effective` on: at most kMaxDaysAhead after `today`, and after
// the start of the member's latest assignment, so that what was true before
// is never rewritten. The one exception: a latest assignment that has not
// started yet (a scheduled move) may be replaced from its own start day.
// INVALID_ARGUMENT naming `field` otherwise; FAILED_PRECONDITION when the
// member is deactivated on or before `effective`.
absl::Status ValidateMoveDate(const rosterpb::Member& member, periods::Date effective,
                              periods::Date today, absl::string_view field);

// A deactivation from `effective` on: not before the hire date, at most
// kMaxDaysAhead after `today`.
absl::Status ValidateDeactivationDate(const rosterpb::Member& member, periods::Date effective,
                                      periods::Date today, absl::string_view field);

// A new hire date in an update: before the start of the second assignment
// (the first one starts on the hire date) and before the deactivation date.
absl::Status ValidateHireDateChange(const rosterpb::Member& member, periods::Date hire_date,
                                    absl::string_view field);

// Clears the management data (value_tier, motivators) for callers who may
// not see it.
void RedactManagementData(rosterpb::Member& member);

// ---- Training compliance ----

// The compliance report of `team` on `as_of` for `members` (already resolved
// as of that day; inactive ones are skipped), given each member's latest
// session per area on or before as_of (`last`). For each area in the team's
// cadence, in area order: due_date = (last session, or the hire date when
// there is none) + max_days_between_sessions; overdue when as_of > due_date.
struct LastSession {
  std::string member_id;
  rosterpb::TrainingArea area;
  periods::Date date;
};
rosterpb::GetTrainingComplianceResponse ComputeTrainingCompliance(
    const rosterpb::Team& team, const std::vector<rosterpb::Member>& members,
    const std::vector<LastSession>& last, periods::Date as_of);

// ---- Role suggestions ----

// The suggested role for one member of a team, with the reason in words.
// The rules, in order (levels 1..5; strong >= 4, weak <= 2, unlisted = 0):
//   0. MANAGER stays MANAGER ("manages the team").
//   1. ISLAND team: FULL_CYCLE ("island team: every seller runs the whole
//      cycle"), naming the member's strongest skill.
//   2. strong closing -> ACCOUNT_EXECUTIVE.
//   3. strong relationship building and strong account management ->
//      CUSTOMER_SUCCESS.
//   4. strong prospecting and weak presenting -> LEAD_GENERATION.
//   5. strong qualifying, or strong prospecting -> SALES_DEVELOPMENT.
//   6. otherwise the best fit by average level: LEAD_GENERATION (prospecting),
//      SALES_DEVELOPMENT (prospecting, qualifying), ACCOUNT_EXECUTIVE
//      (presenting, negotiating, closing), CUSTOMER_SUCCESS (relationship
//      building, account management); ties go to the earlier stage.
// `member` must be resolved (role = the current role).
rosterpb::RoleSuggestion SuggestRole(rosterpb::SalesModel model, const rosterpb::Member& member);

}  // namespace salesteam::roster

#endif  // SALESTEAM_SERVICES_ROSTER_DOMAIN_H_
