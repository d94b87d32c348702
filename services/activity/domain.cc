#include "services/activity/domain.h"

#include <algorithm>
#include <iterator>
#include <limits>
#include <map>
#include <utility>

#include "absl/strings/str_cat.h"
#include "common/money/currency.h"
#include "common/status.h"
#include "common/time/bucket.h"
#include "common/time/time_range.h"
#include "common/time/time_zone.h"
#include "common/time/timestamp.h"
#include "common/validation.h"

namespace salesteam::activity {
namespace {

using activitypb::ActivityType;

constexpr int64_t kBasisPoints = 10000;

bool IsHighValue(ActivityType type) {
  return type == activitypb::ACTIVITY_TYPE_MEETING_HELD ||
         type == activitypb::ACTIVITY_TYPE_REFERRAL ||
         type == activitypb::ACTIVITY_TYPE_PARTNERSHIP;
}

bool IsHighVolume(ActivityType type) {
  return type == activitypb::ACTIVITY_TYPE_CALL_MADE ||
         type == activitypb::ACTIVITY_TYPE_EMAIL_SENT ||
         type == activitypb::ACTIVITY_TYPE_LEAD_CREATED;
}

// Outcomes and logged time are not "activity" in the activity-vs-outcome sense.
bool IsActivityMetric(ActivityType type) {
  return type != activitypb::ACTIVITY_TYPE_DEAL_WON &&
         type != activitypb::ACTIVITY_TYPE_DEAL_LOST &&
         type != activitypb::ACTIVITY_TYPE_TIME_LOGGED;
}

// (a * b) / c rounded half up, for non-negative values small enough that a*b
// fits (counts and minutes times 10,000 or 100).
int64_t RoundedRatio(int64_t numerator, int64_t scale, int64_t denominator) {
  return (2 * numerator * scale + denominator) / (2 * denominator);
}

}  // namespace

absl::Status ValidateActivityId(absl::string_view id, absl::string_view field) {
  if (id.empty()) return absl::InvalidArgumentError(absl::StrCat(field, ": is required"));
  if (id.size() > static_cast<size_t>(kMaxActivityIdChars)) {
    return absl::InvalidArgumentError(
        absl::StrCat(field, ": at most ", kMaxActivityIdChars, " characters, got ", id.size()));
  }
  for (size_t i = 0; i < id.size(); ++i) {
    const unsigned char c = static_cast<unsigned char>(id[i]);
    if (c < 0x21 || c > 0x7E) {
      return absl::InvalidArgumentError(
          absl::StrCat(field, ": must be printable ASCII without spaces; byte ", i, " is 0x",
                       absl::Hex(c, absl::kZeroPad2)));
    }
  }
  return absl::OkStatus();
}

absl::Status ValidateActivity(const activitypb::Activity& activity, absl::string_view field,
                              absl::Time now) {
  RETURN_IF_ERROR(ValidateActivityId(activity.activity_id(), SubField(field, "activity_id")));
  RETURN_IF_ERROR(ValidateId(activity.member_id(), SubField(field, "member_id")));
  RETURN_IF_ERROR(ValidateEnum(activity.type(), SubField(field, "type")));
  const std::string occurred_field = SubField(field, "occurred_at");
  if (!activity.has_occurred_at()) {
    return absl::InvalidArgumentError(absl::StrCat(occurred_field, ": is required"));
  }
  ASSIGN_OR_RETURN(absl::Time occurred_at,
                   periods::TimeFromProto(activity.occurred_at(), occurred_field));
  if (occurred_at > now + kMaxFuture) {
    return absl::InvalidArgumentError(
        absl::StrCat(occurred_field, ": at most 1 day in the future, got ",
                     absl::FormatTime(absl::RFC3339_sec, occurred_at, absl::UTCTimeZone())));
  }
  if (occurred_at < now - kMaxPast) {
    return absl::InvalidArgumentError(
        absl::StrCat(occurred_field, ": at most 400 days in the past, got ",
                     absl::FormatTime(absl::RFC3339_sec, occurred_at, absl::UTCTimeZone())));
  }
  if (!activity.deal_id().empty()) {
    RETURN_IF_ERROR(
        ValidateText(activity.deal_id(), SubField(field, "deal_id"), 0, kMaxDealIdChars));
  }
  if (!activity.source_system().empty()) {
    RETURN_IF_ERROR(ValidateText(activity.source_system(), SubField(field, "source_system"), 0,
                                 kMaxSourceSystemChars));
  }
  const std::string amount_field = SubField(field, "amount");
  if (activity.has_amount()) {
    RETURN_IF_ERROR(money::ValidateCurrencyCode(activity.amount().currency_code(),
                                                SubField(amount_field, "currency_code")));
    if (activity.amount().minor_units() < 0) {
      return absl::InvalidArgumentError(absl::StrCat(SubField(amount_field, "minor_units"),
                                                     ": must not be negative, got ",
                                                     activity.amount().minor_units()));
    }
  }
  if (activity.type() == activitypb::ACTIVITY_TYPE_DEAL_WON) {
    if (!activity.has_amount()) {
      return absl::InvalidArgumentError(
          absl::StrCat(amount_field, ": is required for ACTIVITY_TYPE_DEAL_WON"));
    }
    if (activity.amount().minor_units() <= 0) {
      return absl::InvalidArgumentError(absl::StrCat(
          SubField(amount_field, "minor_units"),
          ": must be positive for ACTIVITY_TYPE_DEAL_WON, got ", activity.amount().minor_units()));
    }
  }
  const std::string minutes_field = SubField(field, "minutes");
  if (activity.type() == activitypb::ACTIVITY_TYPE_TIME_LOGGED) {
    RETURN_IF_ERROR(ValidateRange(activity.minutes(), minutes_field, 1, kMaxMinutes));
  } else {
    if (activity.minutes() != 0) {
      return absl::InvalidArgumentError(
          absl::StrCat(minutes_field, ": only ACTIVITY_TYPE_TIME_LOGGED carries minutes, got ",
                       activity.minutes(), " on ", EnumName(activity.type())));
    }
    if (activity.selling()) {
      return absl::InvalidArgumentError(absl::StrCat(
          SubField(field, "selling"), ": only ACTIVITY_TYPE_TIME_LOGGED carries the selling flag"));
    }
  }
  return absl::OkStatus();
}

absl::StatusOr<Attribution> Attribute(
    const clients::RosterMember& member, absl::Time occurred_at, activitypb::ActivityType type,
    absl::FunctionRef<const TeamFacts*(absl::string_view team_id)> team_for,
    absl::string_view field) {
  const std::optional<Date>& hired = member.hire_date;
  const std::optional<Date>& deactivated = member.deactivation_date;
  // The assignment whose days contain the occurrence's day in its own team's
  // zone (the older one where a move eastwards makes two match); failing that
  // (a move westwards leaves a gap of hours that no zone's day covers), the
  // latest one that had begun.
  const clients::RosterAssignment* chosen = nullptr;
  const TeamFacts* chosen_team = nullptr;
  Date chosen_day;
  const clients::RosterAssignment* begun = nullptr;
  const TeamFacts* begun_team = nullptr;
  Date begun_day;
  std::optional<Date> first_day;
  for (const clients::RosterAssignment& assignment : member.assignments) {
    const TeamFacts* team = team_for(assignment.team_id);
    if (team == nullptr) {
      return absl::UnavailableError(absl::StrCat("team ", QuoteInput(assignment.team_id),
                                                 " of member ", QuoteInput(member.id),
                                                 " could not be read from the roster"));
    }
    // The zone of the day's terms: days before a change of zone keep theirs.
    Date day;
    team->TermsAt(occurred_at, &day);
    if (!first_day.has_value()) first_day = day;
    const std::optional<Date>& from = assignment.effective_from;
    const std::optional<Date>& until = assignment.effective_until;
    if (from.has_value() && day < *from) continue;
    begun = &assignment;
    begun_team = team;
    begun_day = day;
    if (until.has_value() && day >= *until) continue;
    chosen = &assignment;
    chosen_team = team;
    chosen_day = day;
    break;
  }
  if (chosen == nullptr) {
    chosen = begun;
    chosen_team = begun_team;
    chosen_day = begun_day;
  }
  auto inactive = [&](Date day) {
    return absl::FailedPreconditionError(absl::StrCat(
        SubField(field, "member_id"), ": member ", QuoteInput(member.id), " was not active on ",
        periods::FormatIsoDate(day), ", the day of occurred_at"));
  };
  if (chosen == nullptr) {
    if (!first_day.has_value()) {
      return absl::FailedPreconditionError(absl::StrCat(SubField(field, "member_id"), ": member ",
                                                        QuoteInput(member.id),
                                                        " has no team assignment"));
    }
    return inactive(*first_day);
  }
  if ((hired.has_value() && chosen_day < *hired) ||
      (deactivated.has_value() && chosen_day >= *deactivated)) {
    return inactive(chosen_day);
  }
  Attribution attribution;
  attribution.team_id = chosen->team_id;
  attribution.role = chosen->role;
  attribution.local_day = chosen_day;
  attribution.currency_code = chosen_team->TermsOn(chosen_day).currency_code;
  attribution.out_of_stage = IsOutOfStage(*chosen_team, chosen->role, type);
  return attribution;
}

rosterpb::JourneyStage StageOf(activitypb::ActivityType type) {
  switch (type) {
    case activitypb::ACTIVITY_TYPE_LEAD_CREATED:
      return rosterpb::JOURNEY_STAGE_LEAD_GENERATION;
    case activitypb::ACTIVITY_TYPE_MEETING_SCHEDULED:
    case activitypb::ACTIVITY_TYPE_MEETING_HELD:
      return rosterpb::JOURNEY_STAGE_QUALIFICATION;
    case activitypb::ACTIVITY_TYPE_PROPOSAL_SENT:
    case activitypb::ACTIVITY_TYPE_DEAL_WON:
    case activitypb::ACTIVITY_TYPE_DEAL_LOST:
      return rosterpb::JOURNEY_STAGE_PROPOSAL_AND_CLOSE;
    case activitypb::ACTIVITY_TYPE_REFERRAL:
      return rosterpb::JOURNEY_STAGE_AFTER_SALE;
    default:
      return rosterpb::JOURNEY_STAGE_UNSPECIFIED;
  }
}

bool IsOutOfStage(const TeamFacts& team, rosterpb::MemberRole role, activitypb::ActivityType type) {
  if (team.sales_model != rosterpb::SALES_MODEL_ASSEMBLY_LINE) return false;
  if (role == rosterpb::MEMBER_ROLE_MANAGER) return false;
  const int stage = static_cast<int>(StageOf(type));
  if (stage <= 0 || stage >= 5) return false;
  const rosterpb::MemberRole owner = team.stage_owner[stage];
  return owner != rosterpb::MEMBER_ROLE_UNSPECIFIED && owner != role;
}

int FunnelStepOf(activitypb::ActivityType type) {
  switch (type) {
    case activitypb::ACTIVITY_TYPE_LEAD_CREATED:
      return 1;
    case activitypb::ACTIVITY_TYPE_MEETING_HELD:
      return 2;
    case activitypb::ACTIVITY_TYPE_PROPOSAL_SENT:
      return 3;
    case activitypb::ACTIVITY_TYPE_DEAL_WON:
      return 4;
    default:
      return 0;
  }
}

std::optional<int32_t> BasisPoints(int64_t numerator, int64_t denominator) {
  if (denominator <= 0) return std::nullopt;
  const int64_t bps = RoundedRatio(numerator, kBasisPoints, denominator);
  return static_cast<int32_t>(std::min<int64_t>(bps, std::numeric_limits<int32_t>::max()));
}

activitypb::Kpis ComputeKpis(absl::Span<const DailyTotals> rows, absl::string_view currency_code,
                             std::optional<int> value_tier) {
  const int kTypes = activitypb::ActivityType_ARRAYSIZE;
  std::vector<int64_t> counts(kTypes, 0);
  std::vector<int64_t> funnel(kTypes, 0);
  int64_t won_value = 0;
  int64_t logged = 0;
  int64_t selling = 0;
  int64_t out_of_stage = 0;
  for (const DailyTotals& row : rows) {
    const int type = static_cast<int>(row.type);
    if (type <= 0 || type >= kTypes) continue;
    counts[type] += row.count;
    funnel[type] += row.funnel_count;
    if (row.type == activitypb::ACTIVITY_TYPE_DEAL_WON) won_value += row.amount_minor;
    logged += row.minutes;
    selling += row.selling_minutes;
    out_of_stage += row.out_of_stage_count;
  }
  activitypb::Kpis kpis;
  int64_t activity_count = 0;
  int64_t high_value = 0;
  int64_t high_volume = 0;
  for (int type = 1; type < kTypes; ++type) {
    if (!activitypb::ActivityType_IsValid(type)) continue;
    const auto t = static_cast<ActivityType>(type);
    activitypb::ActivityCount* count = kpis.add_counts();
    count->set_type(t);
    count->set_count(counts[type]);
    if (IsActivityMetric(t)) activity_count += counts[type];
    if (IsHighValue(t)) high_value += counts[type];
    if (IsHighVolume(t)) high_volume += counts[type];
  }
  const int64_t won = counts[activitypb::ACTIVITY_TYPE_DEAL_WON];
  const int64_t lost = counts[activitypb::ACTIVITY_TYPE_DEAL_LOST];
  kpis.set_activity_count(activity_count);
  kpis.set_deals_won(won);
  kpis.set_deals_lost(lost);
  kpis.mutable_won_value()->set_currency_code(std::string(currency_code));
  kpis.mutable_won_value()->set_minor_units(won_value);
  if (won > 0) kpis.set_activities_per_won_deal_centi(RoundedRatio(activity_count, 100, won));
  if (std::optional<int32_t> rate = BasisPoints(won, won + lost)) kpis.set_win_rate_bps(*rate);

  activitypb::Funnel* f = kpis.mutable_funnel();
  f->set_leads(funnel[activitypb::ACTIVITY_TYPE_LEAD_CREATED]);
  f->set_meetings_held(funnel[activitypb::ACTIVITY_TYPE_MEETING_HELD]);
  f->set_proposals_sent(funnel[activitypb::ACTIVITY_TYPE_PROPOSAL_SENT]);
  f->set_deals_won(funnel[activitypb::ACTIVITY_TYPE_DEAL_WON]);
  if (auto bps = BasisPoints(f->meetings_held(), f->leads())) f->set_lead_to_meeting_bps(*bps);
  if (auto bps = BasisPoints(f->proposals_sent(), f->meetings_held())) {
    f->set_meeting_to_proposal_bps(*bps);
  }
  if (auto bps = BasisPoints(f->deals_won(), f->proposals_sent())) f->set_proposal_to_won_bps(*bps);

  kpis.set_logged_minutes(logged);
  kpis.set_selling_minutes(selling);
  if (auto share = BasisPoints(selling, logged)) kpis.set_selling_time_share_bps(*share);

  activitypb::ValueMix* mix = kpis.mutable_value_mix();
  mix->set_high_value_count(high_value);
  mix->set_high_volume_count(high_volume);
  if (auto share = BasisPoints(high_value, high_value + high_volume)) {
    mix->set_high_value_share_bps(*share);
  }
  mix->set_mostly_volume_for_tier(value_tier.has_value() && *value_tier == 1 &&
                                  high_volume > high_value);
  kpis.set_out_of_stage_count(out_of_stage);
  return kpis;
}

void ComputeKpiResponse(absl::Span<const DailyTotals> rows, Date start, Date end,
                        activitypb::KpiBucket bucket, absl::string_view currency_code,
                        std::optional<int> value_tier, activitypb::GetKpisResponse* response) {
  std::vector<DailyTotals> in_range;
  in_range.reserve(rows.size());
  for (const DailyTotals& row : rows) {
    if (row.day >= start && row.day < end) in_range.push_back(row);
  }
  rows = in_range;
  *response->mutable_total() = ComputeKpis(rows, currency_code, value_tier);
  response->set_currency_code(std::string(currency_code));
  if (bucket == activitypb::KPI_BUCKET_UNSPECIFIED) return;
  // Bucket starts in order; rows are grouped by the start of their bucket.
  std::map<Date, std::vector<DailyTotals>> by_bucket;
  auto bucket_start = [&](Date day) {
    const Date first = bucket == activitypb::KPI_BUCKET_WEEK ? periods::MondayOnOrBefore(day) : day;
    return std::max(first, start);
  };
  for (Date day = start; day < end;) {
    const Date first = bucket_start(day);
    by_bucket[first];
    day = bucket == activitypb::KPI_BUCKET_WEEK ? periods::MondayOnOrBefore(day) + 7 : day + 1;
  }
  for (const DailyTotals& row : rows) {
    if (row.day < start || row.day >= end) continue;
    by_bucket[bucket_start(row.day)].push_back(row);
  }
  for (auto it = by_bucket.begin(); it != by_bucket.end(); ++it) {
    auto next = std::next(it);
    const Date bucket_end = next == by_bucket.end() ? end : next->first;
    activitypb::KpiBucketResult* result = response->add_buckets();
    periods::DateToProto(it->first, result->mutable_start_date());
    periods::DateToProto(bucket_end, result->mutable_end_date());
    *result->mutable_kpis() = ComputeKpis(it->second, currency_code, value_tier);
  }
}

std::vector<activitypb::LeaderboardEntry> RankLeaderboard(std::vector<LeaderboardScore> scores,
                                                          activitypb::LeaderboardMetric metric,
                                                          int top_n, int* ranked_count) {
  const bool ratio = metric == activitypb::LEADERBOARD_METRIC_WIN_RATE ||
                     metric == activitypb::LEADERBOARD_METRIC_SELLING_TIME_SHARE;
  std::vector<std::pair<int64_t, std::string>> ranked;
  ranked.reserve(scores.size());
  for (LeaderboardScore& score : scores) {
    if (ratio) {
      std::optional<int32_t> bps = BasisPoints(score.numerator, score.denominator);
      if (!bps.has_value()) continue;
      ranked.emplace_back(*bps, std::move(score.member_id));
    } else {
      ranked.emplace_back(score.numerator, std::move(score.member_id));
    }
  }
  std::sort(ranked.begin(), ranked.end(), [](const auto& a, const auto& b) {
    if (a.first != b.first) return a.first > b.first;
    return a.second < b.second;
  });
  *ranked_count = static_cast<int>(ranked.size());
  std::vector<activitypb::LeaderboardEntry> entries;
  const size_t n = std::min(ranked.size(), static_cast<size_t>(std::max(top_n, 0)));
  entries.reserve(n);
  int rank = 0;
  for (size_t i = 0; i < n; ++i) {
    if (i == 0 || ranked[i].first != ranked[i - 1].first) rank = static_cast<int>(i) + 1;
    activitypb::LeaderboardEntry& entry = entries.emplace_back();
    entry.set_rank(rank);
    entry.set_member_id(std::move(ranked[i].second));
    entry.set_value(ranked[i].first);
  }
  return entries;
}

int64_t DayNumber(Date day) { return day - Date(1970, 1, 1); }

Date DayFromNumber(int64_t number) { return Date(1970, 1, 1) + number; }

}  // namespace salesteam::activity
