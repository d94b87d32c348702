#include "services/roster/domain.h"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <iterator>
#include <optional>
#include <string>
#include <tuple>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "common/money/currency.h"
#include "common/status.h"
#include "common/time/date.h"
#include "common/time/time_zone.h"
#include "common/validation.h"
#include "salesteam/type/v1/date.pb.h"

namespace salesteam::roster {
namespace {

// Limits of the team's policies (roster.proto).
constexpr int kMinAttainmentBps = 1;
constexpr int kMaxAttainmentBps = 100000;
constexpr int kMinConsecutivePeriods = 1;
constexpr int kMaxConsecutivePeriods = 24;
constexpr int kMinCadenceDays = 1;
constexpr int kMaxCadenceDays = 730;
constexpr double kMaxSessionHours = 24;

// Role-suggestion thresholds (domain.h): strong >= 4, weak <= 2.
constexpr int kStrongLevel = 4;
constexpr int kWeakLevel = 2;

constexpr rosterpb::JourneyStage kStages[] = {
    rosterpb::JOURNEY_STAGE_LEAD_GENERATION,
    rosterpb::JOURNEY_STAGE_QUALIFICATION,
    rosterpb::JOURNEY_STAGE_PROPOSAL_AND_CLOSE,
    rosterpb::JOURNEY_STAGE_AFTER_SALE,
};

absl::Status Invalid(absl::string_view field, absl::string_view problem) {
  return absl::InvalidArgumentError(absl::StrCat(field, ": ", problem));
}

// A stored day, or nullopt when it is unset or not a real day. Stored
// members were validated on the way in, so this only guards against a
// hand-built message.
std::optional<periods::Date> StoredDay(const salesteam::type::v1::Date& proto) {
  absl::StatusOr<periods::Date> day = periods::DateFromProto(proto, "");
  if (!day.ok()) return std::nullopt;
  return *day;
}

// periods::DateToProto needs a year within 0001-9999; a due date computed
// from a day near the end of 9999 is kept there.
salesteam::type::v1::Date ClampedDateProto(periods::Date day) {
  const periods::Date last(periods::kMaxYear, 12, 31);
  return periods::DateToProto(std::min(day, last));
}

bool IsSpecialist(rosterpb::MemberRole role) {
  return role == rosterpb::MEMBER_ROLE_LEAD_GENERATION ||
         role == rosterpb::MEMBER_ROLE_SALES_DEVELOPMENT ||
         role == rosterpb::MEMBER_ROLE_ACCOUNT_EXECUTIVE ||
         role == rosterpb::MEMBER_ROLE_CUSTOMER_SUCCESS;
}

// ---- Words for reasons ----

std::string RoleWords(rosterpb::MemberRole role) {
  switch (role) {
    case rosterpb::MEMBER_ROLE_LEAD_GENERATION:
      return "lead generation";
    case rosterpb::MEMBER_ROLE_SALES_DEVELOPMENT:
      return "sales development";
    case rosterpb::MEMBER_ROLE_ACCOUNT_EXECUTIVE:
      return "account executive";
    case rosterpb::MEMBER_ROLE_CUSTOMER_SUCCESS:
      return "customer success";
    case rosterpb::MEMBER_ROLE_FULL_CYCLE:
      return "full cycle";
    case rosterpb::MEMBER_ROLE_MANAGER:
      return "manager";
    default:
      return EnumName(role);
  }
}

std::string SkillWords(rosterpb::Skill skill) {
  switch (skill) {
    case rosterpb::SKILL_PROSPECTING:
      return "prospecting";
    case rosterpb::SKILL_QUALIFYING:
      return "qualifying";
    case rosterpb::SKILL_PRESENTING:
      return "presenting";
    case rosterpb::SKILL_NEGOTIATING:
      return "negotiating";
    case rosterpb::SKILL_CLOSING:
      return "closing";
    case rosterpb::SKILL_RELATIONSHIP_BUILDING:
      return "relationship building";
    case rosterpb::SKILL_ACCOUNT_MANAGEMENT:
      return "account management";
    case rosterpb::SKILL_PRODUCT_KNOWLEDGE:
      return "product knowledge";
    case rosterpb::SKILL_TERRITORY_PLANNING:
      return "territory planning";
    case rosterpb::SKILL_COMMUNICATION:
      return "communication";
    default:
      return EnumName(skill);
  }
}

// ---- Member profile parts ----

absl::Status ValidateSkills(const rosterpb::Member& member, absl::string_view field) {
  const std::string skills_field = SubField(field, "skills");
  absl::flat_hash_map<int, int> seen_at;
  for (int i = 0; i < member.skills_size(); ++i) {
    const rosterpb::SkillLevel& skill = member.skills(i);
    const std::string item = IndexedField(skills_field, i);
    const std::string skill_field = SubField(item, "skill");
    RETURN_IF_ERROR(ValidateEnum(skill.skill(), skill_field));
    if (auto [it, inserted] = seen_at.try_emplace(skill.skill(), i); !inserted) {
      return Invalid(skill_field, absl::StrCat(EnumName(skill.skill()),
                                               " is listed twice (also at [", it->second, "])"));
    }
    RETURN_IF_ERROR(
        ValidateRange(skill.level(), SubField(item, "level"), kMinSkillLevel, kMaxSkillLevel));
  }
  return absl::OkStatus();
}

absl::Status ValidateMotivators(const rosterpb::Member& member, absl::string_view field) {
  const std::string motivators_field = SubField(field, "motivators");
  absl::flat_hash_map<int, int> seen_at;
  for (int i = 0; i < member.motivators_size(); ++i) {
    const rosterpb::Motivator motivator = member.motivators(i);
    const std::string item = IndexedField(motivators_field, i);
    RETURN_IF_ERROR(ValidateEnum(motivator, item));
    if (auto [it, inserted] = seen_at.try_emplace(motivator, i); !inserted) {
      return Invalid(
          item, absl::StrCat(EnumName(motivator), " is listed twice (also at [", it->second, "])"));
    }
  }
  return absl::OkStatus();
}

absl::Status ValidateContactChannels(const rosterpb::Member& member, absl::string_view field) {
  const std::string channels_field = SubField(field, "contact_channels");
  if (member.contact_channels_size() > kMaxContactChannels) {
    return Invalid(channels_field, absl::StrCat("at most ", kMaxContactChannels, " channels (got ",
                                                member.contact_channels_size(), ")"));
  }
  int preferred_at = -1;
  for (int i = 0; i < member.contact_channels_size(); ++i) {
    const rosterpb::ContactChannel& channel = member.contact_channels(i);
    const std::string item = IndexedField(channels_field, i);
    RETURN_IF_ERROR(ValidateEnum(channel.kind(), SubField(item, "kind")));
    const std::string address_field = SubField(item, "address");
    RETURN_IF_ERROR(ValidateText(channel.address(), address_field, 1, kMaxChannelAddressChars));
    if (channel.kind() == rosterpb::CONTACT_CHANNEL_KIND_EMAIL) {
      RETURN_IF_ERROR(ValidateEmail(channel.address(), address_field));
    }
    if (channel.preferred()) {
      if (preferred_at >= 0) {
        return Invalid(
            SubField(item, "preferred"),
            absl::StrCat("only one channel may be preferred (already [", preferred_at, "])"));
      }
      preferred_at = i;
    }
  }
  return absl::OkStatus();
}

absl::Status ValidateTrainingCadence(const rosterpb::Team& team, absl::string_view field) {
  const std::string cadence_field = SubField(field, "training_cadence");
  absl::flat_hash_map<int, int> seen_at;
  for (int i = 0; i < team.training_cadence_size(); ++i) {
    const rosterpb::TrainingCadence& cadence = team.training_cadence(i);
    const std::string item = IndexedField(cadence_field, i);
    const std::string area_field = SubField(item, "area");
    RETURN_IF_ERROR(ValidateEnum(cadence.area(), area_field));
    if (auto [it, inserted] = seen_at.try_emplace(cadence.area(), i); !inserted) {
      return Invalid(area_field, absl::StrCat(EnumName(cadence.area()),
                                              " is listed twice (also at [", it->second, "])"));
    }
    RETURN_IF_ERROR(ValidateRange(cadence.max_days_between_sessions(),
                                  SubField(item, "max_days_between_sessions"), kMinCadenceDays,
                                  kMaxCadenceDays));
  }
  return absl::OkStatus();
}

// ---- Role suggestion ----

// A member's skill levels, 0 for the ones not listed.
class SkillProfile {
 public:
  explicit SkillProfile(const rosterpb::Member& member) {
    for (const rosterpb::SkillLevel& skill : member.skills()) {
      levels_[skill.skill()] = skill.level();
    }
  }

  int Level(rosterpb::Skill skill) const {
    auto it = levels_.find(skill);
    return it == levels_.end() ? 0 : it->second;
  }
  bool Strong(rosterpb::Skill skill) const { return Level(skill) >= kStrongLevel; }
  bool Weak(rosterpb::Skill skill) const { return Level(skill) <= kWeakLevel; }

  // "closing (5)"; "presenting (not rated)" for a skill that is not listed.
  std::string Describe(rosterpb::Skill skill) const {
    const int level = Level(skill);
    return absl::StrCat(SkillWords(skill), " (",
                        level == 0 ? std::string("not rated") : absl::StrCat(level), ")");
  }

  // The highest-rated known skill, the earliest in the enum on a tie;
  // nullopt when none is rated.
  std::optional<rosterpb::Skill> Strongest() const {
    std::optional<rosterpb::Skill> best;
    for (int value = rosterpb::Skill_MIN; value <= rosterpb::Skill_MAX; ++value) {
      if (!rosterpb::Skill_IsValid(value) || value == rosterpb::SKILL_UNSPECIFIED) continue;
      const auto skill = static_cast<rosterpb::Skill>(value);
      if (Level(skill) > 0 && (!best.has_value() || Level(skill) > Level(*best))) best = skill;
    }
    return best;
  }

 private:
  absl::flat_hash_map<int, int> levels_;
};

struct RoleFit {
  rosterpb::MemberRole role;
  std::vector<rosterpb::Skill> skills;
};

// Rule 6's candidates, in stage order (which breaks ties).
const std::vector<RoleFit>& RoleFits() {
  static const auto* const kFits = new std::vector<RoleFit>{
      {rosterpb::MEMBER_ROLE_LEAD_GENERATION, {rosterpb::SKILL_PROSPECTING}},
      {rosterpb::MEMBER_ROLE_SALES_DEVELOPMENT,
       {rosterpb::SKILL_PROSPECTING, rosterpb::SKILL_QUALIFYING}},
      {rosterpb::MEMBER_ROLE_ACCOUNT_EXECUTIVE,
       {rosterpb::SKILL_PRESENTING, rosterpb::SKILL_NEGOTIATING, rosterpb::SKILL_CLOSING}},
      {rosterpb::MEMBER_ROLE_CUSTOMER_SUCCESS,
       {rosterpb::SKILL_RELATIONSHIP_BUILDING, rosterpb::SKILL_ACCOUNT_MANAGEMENT}},
  };
  return *kFits;
}

// Rule 6: the best average level, compared exactly (sum_a / n_a > sum_b /
// n_b as sum_a * n_b > sum_b * n_a) so that no rounding decides a tie.
std::pair<rosterpb::MemberRole, std::string> BestFitByAverage(const SkillProfile& profile) {
  const RoleFit* best = nullptr;
  int64_t best_sum = 0;
  std::vector<const RoleFit*> tied;
  for (const RoleFit& fit : RoleFits()) {
    int64_t sum = 0;
    for (rosterpb::Skill skill : fit.skills) sum += profile.Level(skill);
    if (best == nullptr) {
      best = &fit;
      best_sum = sum;
      continue;
    }
    const int64_t lhs = sum * static_cast<int64_t>(best->skills.size());
    const int64_t rhs = best_sum * static_cast<int64_t>(fit.skills.size());
    if (lhs > rhs) {
      best = &fit;
      best_sum = sum;
      tied.clear();
    } else if (lhs == rhs) {
      tied.push_back(&fit);
    }
  }
  std::vector<std::string> parts;
  for (rosterpb::Skill skill : best->skills) {
    parts.push_back(absl::StrCat(SkillWords(skill), " ", profile.Level(skill)));
  }
  std::string reason =
      absl::StrFormat("best fit by average level: %s (%s: average %.1f)", RoleWords(best->role),
                      absl::StrJoin(parts, ", "),
                      static_cast<double>(best_sum) / static_cast<double>(best->skills.size()));
  if (!tied.empty()) {
    std::vector<std::string> others;
    for (const RoleFit* fit : tied) others.push_back(RoleWords(fit->role));
    absl::StrAppend(&reason, "; tied with ", absl::StrJoin(others, ", "),
                    ", the earlier stage wins");
  }
  return {best->role, std::move(reason)};
}

}  // namespace

// ---- Validation ----

absl::Status ValidateTeam(const rosterpb::Team& team, absl::string_view field) {
  RETURN_IF_ERROR(ValidateText(team.name(), SubField(field, "name"), 1, kMaxNameChars));
  RETURN_IF_ERROR(periods::LoadTimeZone(team.time_zone(), SubField(field, "time_zone")).status());
  RETURN_IF_ERROR(
      money::ValidateCurrencyCode(team.currency_code(), SubField(field, "currency_code")));
  RETURN_IF_ERROR(ValidateEnum(team.sales_model(), SubField(field, "sales_model")));

  const std::string policy_field = SubField(field, "expectation_policy");
  if (!team.has_expectation_policy()) {
    return Invalid(policy_field,
                   absl::StrCat("is required (min_attainment_bps ", kMinAttainmentBps, "..",
                                kMaxAttainmentBps, ", consecutive_periods ", kMinConsecutivePeriods,
                                "..", kMaxConsecutivePeriods, ")"));
  }
  RETURN_IF_ERROR(ValidateRange(team.expectation_policy().min_attainment_bps(),
                                SubField(policy_field, "min_attainment_bps"), kMinAttainmentBps,
                                kMaxAttainmentBps));
  RETURN_IF_ERROR(ValidateRange(team.expectation_policy().consecutive_periods(),
                                SubField(policy_field, "consecutive_periods"),
                                kMinConsecutivePeriods, kMaxConsecutivePeriods));

  RETURN_IF_ERROR(ValidateTrainingCadence(team, field));
  return ValidateStageOwnership(team.sales_model(), team.stage_ownership(),
                                SubField(field, "stage_ownership"));
}

absl::Status ValidateMemberProfile(const rosterpb::Member& member, periods::Date today,
                                   absl::string_view field) {
  RETURN_IF_ERROR(ValidateText(member.name(), SubField(field, "name"), 1, kMaxNameChars));
  const std::string email_field = SubField(field, "email");
  RETURN_IF_ERROR(ValidateEmail(member.email(), email_field));
  if (CountCodePoints(member.email()) > kMaxEmailChars) {
    return Invalid(email_field,
                   absl::StrCat("must be at most ", kMaxEmailChars, " characters (got ",
                                CountCodePoints(member.email()), ")"));
  }
  RETURN_IF_ERROR(
      ValidateEnum(member.archetype(), SubField(field, "archetype"), Unspecified::kAllow));

  const std::string tier_field = SubField(field, "value_tier");
  if (!member.has_value_tier()) {
    return Invalid(tier_field,
                   absl::StrCat("is required (", kMinValueTier, "..", kMaxValueTier, ")"));
  }
  RETURN_IF_ERROR(ValidateRange(member.value_tier(), tier_field, kMinValueTier, kMaxValueTier));

  RETURN_IF_ERROR(ValidateSkills(member, field));
  RETURN_IF_ERROR(ValidateMotivators(member, field));
  RETURN_IF_ERROR(ValidateContactChannels(member, field));

  const std::string hire_field = SubField(field, "hire_date");
  ASSIGN_OR_RETURN(const periods::Date hire_date,
                   periods::DateFromProto(member.hire_date(), hire_field));
  if (hire_date - today > kMaxDaysAhead) {
    return Invalid(hire_field,
                   absl::StrCat(periods::FormatIsoDate(hire_date), " is more than ", kMaxDaysAhead,
                                " days after today (", periods::FormatIsoDate(today), ")"));
  }
  return absl::OkStatus();
}

absl::Status ValidateRole(rosterpb::MemberRole role, absl::string_view field) {
  return ValidateEnum(role, field);
}

absl::Status ValidateTrainingSession(const rosterpb::TrainingSession& session, periods::Date today,
                                     absl::string_view field) {
  if (session.member_id().empty()) return Invalid(SubField(field, "member_id"), "is required");
  RETURN_IF_ERROR(ValidateEnum(session.area(), SubField(field, "area")));
  const std::string date_field = SubField(field, "date");
  ASSIGN_OR_RETURN(const periods::Date date, periods::DateFromProto(session.date(), date_field));
  if (date > today) {
    return Invalid(date_field,
                   absl::StrCat(periods::FormatIsoDate(date), " is in the future (today is ",
                                periods::FormatIsoDate(today), ")"));
  }
  const double hours = session.hours();
  if (!std::isfinite(hours) || hours <= 0 || hours > kMaxSessionHours) {
    return Invalid(
        SubField(field, "hours"),
        absl::StrFormat("must be more than 0 and at most %g (got %g)", kMaxSessionHours, hours));
  }
  return ValidateMultilineText(session.note(), SubField(field, "note"), 0, kMaxTrainingNoteChars);
}

// ---- Sales models, roles and stages ----

absl::Status CheckRoleFitsModel(rosterpb::SalesModel model, rosterpb::MemberRole role,
                                absl::string_view field) {
  RETURN_IF_ERROR(ValidateRole(role, field));
  if (role == rosterpb::MEMBER_ROLE_MANAGER) return absl::OkStatus();
  switch (model) {
    case rosterpb::SALES_MODEL_ISLAND:
      if (role == rosterpb::MEMBER_ROLE_FULL_CYCLE) return absl::OkStatus();
      return Invalid(field, absl::StrCat(EnumName(role), " does not fit an island team (",
                                         EnumName(model), "): every seller there is ",
                                         EnumName(rosterpb::MEMBER_ROLE_FULL_CYCLE)));
    case rosterpb::SALES_MODEL_ASSEMBLY_LINE:
      if (IsSpecialist(role)) return absl::OkStatus();
      return Invalid(
          field,
          absl::StrCat(EnumName(role), " does not fit an assembly-line team (", EnumName(model),
                       "): each seller there owns one stage as LEAD_GENERATION, "
                       "SALES_DEVELOPMENT, ACCOUNT_EXECUTIVE or CUSTOMER_SUCCESS"));
    default:
      return Invalid(field, absl::StrCat("the team's sales model ", EnumName(model),
                                         " is not one that roles can be checked against"));
  }
}

std::vector<rosterpb::StageOwnership> DefaultStageOwnership(rosterpb::SalesModel model) {
  std::vector<rosterpb::StageOwnership> ownership;
  const auto add = [&](rosterpb::JourneyStage stage, rosterpb::MemberRole role) {
    rosterpb::StageOwnership& owner = ownership.emplace_back();
    owner.set_stage(stage);
    owner.set_role(role);
  };
  switch (model) {
    case rosterpb::SALES_MODEL_ISLAND:
      for (rosterpb::JourneyStage stage : kStages) add(stage, rosterpb::MEMBER_ROLE_FULL_CYCLE);
      break;
    case rosterpb::SALES_MODEL_ASSEMBLY_LINE:
      add(rosterpb::JOURNEY_STAGE_LEAD_GENERATION, rosterpb::MEMBER_ROLE_LEAD_GENERATION);
      add(rosterpb::JOURNEY_STAGE_QUALIFICATION, rosterpb::MEMBER_ROLE_SALES_DEVELOPMENT);
      add(rosterpb::JOURNEY_STAGE_PROPOSAL_AND_CLOSE, rosterpb::MEMBER_ROLE_ACCOUNT_EXECUTIVE);
      add(rosterpb::JOURNEY_STAGE_AFTER_SALE, rosterpb::MEMBER_ROLE_CUSTOMER_SUCCESS);
      break;
    default:
      break;
  }
  return ownership;
}

absl::Status ValidateStageOwnership(
    rosterpb::SalesModel model,
    const google::protobuf::RepeatedPtrField<rosterpb::StageOwnership>& ownership,
    absl::string_view field) {
  if (model != rosterpb::SALES_MODEL_ISLAND && model != rosterpb::SALES_MODEL_ASSEMBLY_LINE) {
    return Invalid(field, absl::StrCat("depends on the sales model, which is ", EnumName(model)));
  }
  absl::flat_hash_map<int, int> owned_at;
  for (int i = 0; i < ownership.size(); ++i) {
    const rosterpb::StageOwnership& owner = ownership[i];
    const std::string item = IndexedField(field, i);
    const std::string stage_field = SubField(item, "stage");
    const std::string role_field = SubField(item, "role");
    RETURN_IF_ERROR(ValidateEnum(owner.stage(), stage_field));
    if (auto [it, inserted] = owned_at.try_emplace(owner.stage(), i); !inserted) {
      return Invalid(stage_field, absl::StrCat(EnumName(owner.stage()),
                                               " already has an owner (at [", it->second, "])"));
    }
    RETURN_IF_ERROR(ValidateRole(owner.role(), role_field));
    if (model == rosterpb::SALES_MODEL_ISLAND && owner.role() != rosterpb::MEMBER_ROLE_FULL_CYCLE) {
      return Invalid(role_field, absl::StrCat("on an island team every stage is owned by ",
                                              EnumName(rosterpb::MEMBER_ROLE_FULL_CYCLE), " (got ",
                                              EnumName(owner.role()), ")"));
    }
    if (model == rosterpb::SALES_MODEL_ASSEMBLY_LINE && !IsSpecialist(owner.role())) {
      return Invalid(role_field,
                     absl::StrCat("on an assembly line each stage is owned by a specialist role "
                                  "(LEAD_GENERATION, SALES_DEVELOPMENT, ACCOUNT_EXECUTIVE or "
                                  "CUSTOMER_SUCCESS), not ",
                                  EnumName(owner.role())));
    }
  }
  for (rosterpb::JourneyStage stage : kStages) {
    if (!owned_at.contains(stage)) {
      return Invalid(field, absl::StrCat("no owner for ", EnumName(stage), " (each of the ",
                                         std::size(kStages), " stages needs exactly one)"));
    }
  }
  return absl::OkStatus();
}

void ApplyDefaultStageOwnership(rosterpb::Team& team, bool model_changed) {
  if (!model_changed && !team.stage_ownership().empty()) return;
  team.clear_stage_ownership();
  for (rosterpb::StageOwnership& owner : DefaultStageOwnership(team.sales_model())) {
    *team.add_stage_ownership() = std::move(owner);
  }
}

rosterpb::MemberRole StageOwner(const rosterpb::Team& team, rosterpb::JourneyStage stage) {
  for (const rosterpb::StageOwnership& owner : team.stage_ownership()) {
    if (owner.stage() == stage) return owner.role();
  }
  return rosterpb::MEMBER_ROLE_UNSPECIFIED;
}

// ---- What was true on a day ----

const rosterpb::Assignment* AssignmentOn(const rosterpb::Member& member, periods::Date day) {
  const rosterpb::Assignment* current = nullptr;
  for (const rosterpb::Assignment& assignment : member.assignments()) {
    // Oldest first and back to back, so the covering one is the last that has
    // started by `day`; before the first one, the first one.
    const std::optional<periods::Date> from = StoredDay(assignment.effective_from());
    if (current == nullptr || (from.has_value() && *from <= day)) current = &assignment;
  }
  return current;
}

void ResolveTermsAsOf(rosterpb::Team& team, periods::Date as_of) {
  const rosterpb::TeamTerms* in_force = nullptr;
  for (const rosterpb::TeamTerms& terms : team.terms()) {
    if (in_force != nullptr && terms.has_effective_from()) {
      absl::StatusOr<periods::Date> from = periods::DateFromProto(terms.effective_from(), "");
      if (!from.ok() || *from > as_of) break;
    }
    in_force = &terms;
  }
  if (in_force == nullptr) return;
  team.set_time_zone(in_force->time_zone());
  team.set_currency_code(in_force->currency_code());
}

void ResolveAsOf(rosterpb::Member& member, periods::Date as_of) {
  const rosterpb::Assignment* current = AssignmentOn(member, as_of);
  if (current == nullptr) {
    member.clear_team_id();
    member.clear_role();
  } else {
    // Copy before writing: `current` points into member.
    std::string team_id = current->team_id();
    const rosterpb::MemberRole role = current->role();
    member.set_team_id(std::move(team_id));
    member.set_role(role);
  }

  std::optional<periods::Date> hired = StoredDay(member.hire_date());
  if (!hired.has_value() && member.assignments_size() > 0) {
    hired = StoredDay(member.assignments(0).effective_from());
  }
  const std::optional<periods::Date> deactivated =
      member.has_deactivation_date() ? StoredDay(member.deactivation_date()) : std::nullopt;
  member.set_active(hired.has_value() && *hired <= as_of &&
                    (!deactivated.has_value() || as_of < *deactivated));
}

absl::Status CheckWritable(const rosterpb::Member& member, periods::Date today) {
  const std::optional<periods::Date> deactivated =
      member.has_deactivation_date() ? StoredDay(member.deactivation_date()) : std::nullopt;
  if (!deactivated.has_value() || today < *deactivated) return absl::OkStatus();
  return absl::FailedPreconditionError(absl::StrCat(
      "member ", QuoteInput(member.id()), " is deactivated (from ",
      periods::FormatIsoDate(*deactivated), "); a deactivated member can only be read"));
}

absl::Status ValidateMoveDate(const rosterpb::Member& member, periods::Date effective,
                              periods::Date today, absl::string_view field) {
  if (effective > today + kMaxDaysAhead) {
    return absl::InvalidArgumentError(absl::StrCat(field, ": ", periods::FormatIsoDate(effective),
                                                   " is more than ", kMaxDaysAhead, " days ahead"));
  }
  if (member.assignments_size() > 0) {
    const std::optional<periods::Date> latest =
        StoredDay(member.assignments(member.assignments_size() - 1).effective_from());
    const bool replaces_scheduled = latest.has_value() && *latest > today && effective == *latest;
    if (latest.has_value() && effective <= *latest && !replaces_scheduled) {
      return absl::InvalidArgumentError(absl::StrCat(
          field, ": ", periods::FormatIsoDate(effective),
          " is not after the start of the member's latest assignment (",
          periods::FormatIsoDate(*latest), "); what was true before a day that has begun is ",
          "history and is not rewritten"));
    }
  }
  if (member.has_deactivation_date()) {
    const std::optional<periods::Date> deactivated = StoredDay(member.deactivation_date());
    if (deactivated.has_value() && *deactivated <= effective) {
      return absl::FailedPreconditionError(
          absl::StrCat("member ", QuoteInput(member.id()), " is deactivated from ",
                       periods::FormatIsoDate(*deactivated), ", on or before ", field, " ",
                       periods::FormatIsoDate(effective)));
    }
  }
  return absl::OkStatus();
}

absl::Status ValidateDeactivationDate(const rosterpb::Member& member, periods::Date effective,
                                      periods::Date today, absl::string_view field) {
  if (effective > today + kMaxDaysAhead) {
    return absl::InvalidArgumentError(absl::StrCat(field, ": ", periods::FormatIsoDate(effective),
                                                   " is more than ", kMaxDaysAhead, " days ahead"));
  }
  const std::optional<periods::Date> hired = StoredDay(member.hire_date());
  if (hired.has_value() && effective < *hired) {
    return absl::InvalidArgumentError(absl::StrCat(field, ": ", periods::FormatIsoDate(effective),
                                                   " is before the hire date ",
                                                   periods::FormatIsoDate(*hired)));
  }
  return absl::OkStatus();
}

absl::Status ValidateHireDateChange(const rosterpb::Member& member, periods::Date hire_date,
                                    absl::string_view field) {
  if (member.assignments_size() > 1) {
    const std::optional<periods::Date> second = StoredDay(member.assignments(1).effective_from());
    if (second.has_value() && hire_date >= *second) {
      return absl::InvalidArgumentError(
          absl::StrCat(field, ": ", periods::FormatIsoDate(hire_date),
                       " is not before the member's second assignment, which starts on ",
                       periods::FormatIsoDate(*second)));
    }
  }
  if (member.has_deactivation_date()) {
    const std::optional<periods::Date> deactivated = StoredDay(member.deactivation_date());
    if (deactivated.has_value() && hire_date >= *deactivated) {
      return absl::InvalidArgumentError(absl::StrCat(field, ": ", periods::FormatIsoDate(hire_date),
                                                     " is not before the deactivation date ",
                                                     periods::FormatIsoDate(*deactivated)));
    }
  }
  return absl::OkStatus();
}

absl::Status ValidateTeamManager(absl::string_view manager_id,
                                 const std::optional<rosterpb::Member>& manager,
                                 periods::Date today, absl::string_view field) {
  if (manager_id.empty()) return absl::OkStatus();
  if (!manager.has_value()) {
    return absl::InvalidArgumentError(
        absl::StrCat(field, ": ", QuoteInput(manager_id), " is not a member"));
  }
  rosterpb::Member resolved = *manager;
  ResolveAsOf(resolved, today);
  if (!resolved.active() || resolved.role() != rosterpb::MEMBER_ROLE_MANAGER) {
    return absl::InvalidArgumentError(
        absl::StrCat(field, ": member ", QuoteInput(manager_id),
                     " must be an active member with role MEMBER_ROLE_MANAGER (is ",
                     resolved.active() ? "active" : "inactive", ", ",
                     rosterpb::MemberRole_Name(resolved.role()), ")"));
  }
  return absl::OkStatus();
}

absl::Status CheckManagesNoTeam(absl::string_view member_id,
                                const std::vector<rosterpb::Team>& managed,
                                absl::string_view change) {
  if (managed.empty()) return absl::OkStatus();
  return absl::FailedPreconditionError(absl::StrCat(
      "member ", QuoteInput(member_id), " manages team ", QuoteInput(managed.front().id()),
      " and cannot ", change, " until the team names another manager_id"));
}

absl::Status CheckModelFitsMemberRole(rosterpb::SalesModel model, absl::string_view member_id,
                                      rosterpb::MemberRole role) {
  if (CheckRoleFitsModel(model, role, "role").ok()) return absl::OkStatus();
  return absl::FailedPreconditionError(
      absl::StrCat("team.sales_model: member ", QuoteInput(member_id), " holds or will hold role ",
                   rosterpb::MemberRole_Name(role), ", which ", rosterpb::SalesModel_Name(model),
                   " does not allow; move the team's members to fitting roles first"));
}

void RedactManagementData(rosterpb::Member& member) {
  member.clear_value_tier();
  member.clear_motivators();
}

// ---- Training compliance ----

rosterpb::GetTrainingComplianceResponse ComputeTrainingCompliance(
    const rosterpb::Team& team, const std::vector<rosterpb::Member>& members,
    const std::vector<LastSession>& last, periods::Date as_of) {
  rosterpb::GetTrainingComplianceResponse response;
  response.set_team_id(team.id());
  periods::DateToProto(as_of, response.mutable_as_of());

  std::vector<rosterpb::TrainingCadence> cadences(team.training_cadence().begin(),
                                                  team.training_cadence().end());
  std::stable_sort(cadences.begin(), cadences.end(),
                   [](const rosterpb::TrainingCadence& a, const rosterpb::TrainingCadence& b) {
                     return a.area() < b.area();
                   });

  // The latest session per member and area (the caller should pass one, but
  // a later one wins if it passes several).
  absl::flat_hash_map<std::pair<std::string, int>, periods::Date> latest;
  for (const LastSession& session : last) {
    auto [it, inserted] = latest.try_emplace({session.member_id, session.area}, session.date);
    if (!inserted && it->second < session.date) it->second = session.date;
  }

  int overdue_members = 0;
  for (const rosterpb::Member& member : members) {
    if (!member.active()) continue;
    rosterpb::MemberCompliance& out = *response.add_members();
    out.set_member_id(member.id());
    out.set_member_name(member.name());
    out.set_role(member.role());
    std::optional<periods::Date> hired = StoredDay(member.hire_date());
    if (!hired.has_value() && member.assignments_size() > 0) {
      hired = StoredDay(member.assignments(0).effective_from());
    }
    for (const rosterpb::TrainingCadence& cadence : cadences) {
      rosterpb::AreaCompliance& area = *out.add_areas();
      area.set_area(cadence.area());
      auto it = latest.find(std::make_pair(member.id(), static_cast<int>(cadence.area())));
      // Without a session or a hire date the clock starts on as_of: nothing
      // is known to be overdue.
      periods::Date since = as_of;
      if (it != latest.end()) {
        since = it->second;
        periods::DateToProto(it->second, area.mutable_last_session_date());
      } else if (hired.has_value()) {
        since = *hired;
      }
      const periods::Date due = since + cadence.max_days_between_sessions();
      *area.mutable_due_date() = ClampedDateProto(due);
      if (as_of > due) {
        area.set_overdue(true);
        area.set_days_overdue(static_cast<int32_t>(as_of - due));
        out.set_any_overdue(true);
      }
    }
    if (out.any_overdue()) ++overdue_members;
  }
  response.set_overdue_member_count(overdue_members);
  return response;
}

// ---- Role suggestions ----

rosterpb::RoleSuggestion SuggestRole(rosterpb::SalesModel model, const rosterpb::Member& member) {
  rosterpb::RoleSuggestion suggestion;
  suggestion.set_member_id(member.id());
  suggestion.set_member_name(member.name());
  suggestion.set_current_role(member.role());

  const SkillProfile profile(member);
  rosterpb::MemberRole role;
  std::string reason;
  if (member.role() == rosterpb::MEMBER_ROLE_MANAGER) {
    role = rosterpb::MEMBER_ROLE_MANAGER;
    reason = "manages the team";
  } else if (model == rosterpb::SALES_MODEL_ISLAND) {
    role = rosterpb::MEMBER_ROLE_FULL_CYCLE;
    reason = "island team: every seller runs the whole cycle";
    const std::optional<rosterpb::Skill> strongest = profile.Strongest();
    absl::StrAppend(&reason, strongest.has_value()
                                 ? absl::StrCat("; strongest skill: ", profile.Describe(*strongest))
                                 : std::string("; no skills rated yet"));
  } else if (profile.Strong(rosterpb::SKILL_CLOSING)) {
    role = rosterpb::MEMBER_ROLE_ACCOUNT_EXECUTIVE;
    reason =
        absl::StrCat("strong ", profile.Describe(rosterpb::SKILL_CLOSING), ": ", RoleWords(role));
  } else if (profile.Strong(rosterpb::SKILL_RELATIONSHIP_BUILDING) &&
             profile.Strong(rosterpb::SKILL_ACCOUNT_MANAGEMENT)) {
    role = rosterpb::MEMBER_ROLE_CUSTOMER_SUCCESS;
    reason = absl::StrCat("strong ", profile.Describe(rosterpb::SKILL_RELATIONSHIP_BUILDING),
                          " and strong ", profile.Describe(rosterpb::SKILL_ACCOUNT_MANAGEMENT),
                          ": ", RoleWords(role));
  } else if (profile.Strong(rosterpb::SKILL_PROSPECTING) &&
             profile.Weak(rosterpb::SKILL_PRESENTING)) {
    role = rosterpb::MEMBER_ROLE_LEAD_GENERATION;
    reason = absl::StrCat("strong ", profile.Describe(rosterpb::SKILL_PROSPECTING), " and weak ",
                          profile.Describe(rosterpb::SKILL_PRESENTING), ": ", RoleWords(role));
  } else if (profile.Strong(rosterpb::SKILL_QUALIFYING) ||
             profile.Strong(rosterpb::SKILL_PROSPECTING)) {
    role = rosterpb::MEMBER_ROLE_SALES_DEVELOPMENT;
    std::vector<std::string> strong;
    for (rosterpb::Skill skill : {rosterpb::SKILL_PROSPECTING, rosterpb::SKILL_QUALIFYING}) {
      if (profile.Strong(skill)) strong.push_back(absl::StrCat("strong ", profile.Describe(skill)));
    }
    reason = absl::StrCat(absl::StrJoin(strong, " and "), ": ", RoleWords(role));
  } else {
    std::tie(role, reason) = BestFitByAverage(profile);
  }
  suggestion.set_suggested_role(role);
  suggestion.set_reason(std::move(reason));
  suggestion.set_is_change(role != member.role());
  return suggestion;
}

}  // namespace salesteam::roster
