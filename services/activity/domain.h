// The activity service's rules, as pure functions over plain values: what a
// valid activity is, to which team, role and day it is attributed (from the
// roster's effective-dated assignments and the team's time zone), whether it
// lies outside the member's stage on an assembly line, and how KPIs,
// funnels, value mix and leaderboards are computed from the daily aggregates
// the store keeps. Nothing here needs a server, a database or a clock: the
// current time is a parameter.
#ifndef SALESTEAM_SERVICES_ACTIVITY_DOMAIN_H_
#define SALESTEAM_SERVICES_ACTIVITY_DOMAIN_H_

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "absl/functional/function_ref.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "absl/types/span.h"
#include "clients/roster/roster_client.h"
#include "common/time/date.h"
#include "salesteam/activity/v1/activity.pb.h"
#include "salesteam/roster/v1/roster.pb.h"

namespace salesteam::activity {

namespace activitypb = ::salesteam::activity::v1;
namespace rosterpb = ::salesteam::roster::v1;
using periods::Date;

// Request bounds.
inline constexpr int kMaxBatchItems = 5000;
inline constexpr int64_t kMaxBatchBytes = int64_t{4} << 20;
inline constexpr int kMaxActivityIdChars = 128;
inline constexpr int kMaxDealIdChars = 128;
inline constexpr int kMaxSourceSystemChars = 64;
inline constexpr int kMaxMinutes = 1440;
inline constexpr absl::Duration kMaxFuture = absl::Hours(24);
inline constexpr absl::Duration kMaxPast = absl::Hours(24 * 400);
inline constexpr int kMaxRangeDays = 400;

// The activity_id rule: 1..128 printable ASCII characters (0x21..0x7E), so
// that the key means the same bytes to every client and in every log.
absl::Status ValidateActivityId(absl::string_view id, absl::string_view field);

// Everything about one activity that can be checked without the roster:
// id, member id, type, occurred_at within [now - 400 days, now + 1 day],
// deal id, amount (required and positive for DEAL_WON, never negative; the
// currency is checked against the team later), minutes and the selling flag
// (TIME_LOGGED only; other types must leave them unset), deal_id (one line
// of at most 128 characters) and source_system.
// `field` is the item's path, e.g. "activities[3]".
absl::Status ValidateActivity(const activitypb::Activity& activity, absl::string_view field,
                              absl::Time now);

// The team facts attribution needs: the roster client's plain team.
using TeamFacts = clients::RosterTeam;

// Which team, role and local day an activity counts for.
struct Attribution {
  std::string team_id;
  rosterpb::MemberRole role = rosterpb::MEMBER_ROLE_UNSPECIFIED;
  Date local_day;
  bool out_of_stage = false;
  // The team's currency on local_day: amounts must be in it.
  std::string currency_code = "";
};

// Attributes an activity of `member` (the roster's Member with its full
// assignment history) that occurred at `occurred_at`: the assignment whose
// [effective_from, effective_until) contains the occurrence's day in that
// assignment's team's time zone (the older one when a move eastwards makes
// two match; the latest begun one when a move westwards leaves hours that no
// zone's day covers), if that day is within the member's active days
// [hire_date, deactivation_date). `team_for` returns the facts of a team id
// (nullptr when unknown). FAILED_PRECONDITION naming the member and the day
// when the member was not active then.
absl::StatusOr<Attribution> Attribute(
    const clients::RosterMember& member, absl::Time occurred_at, activitypb::ActivityType type,
    absl::FunctionRef<const TeamFacts*(absl::string_view team_id)> team_for,
    absl::string_view field);

// The stage of the buyer's journey a type belongs to, or UNSPECIFIED for work
// done in every stage (calls, emails, follow-ups, partnerships, logged time).
rosterpb::JourneyStage StageOf(activitypb::ActivityType type);

// On an assembly-line team: the type belongs to a stage whose owner is
// another role. Managers are not on the line and never out of stage.
bool IsOutOfStage(const TeamFacts& team, rosterpb::MemberRole role, activitypb::ActivityType type);

// The funnel stage a type advances (1 lead, 2 meeting held, 3 proposal,
// 4 won), 0 for the others.
int FunnelStepOf(activitypb::ActivityType type);

// One row of the daily aggregates: what one member did of one type on one
// local day.
struct DailyTotals {
  Date day;
  activitypb::ActivityType type = activitypb::ACTIVITY_TYPE_UNSPECIFIED;
  int64_t count = 0;
  int64_t amount_minor = 0;
  int64_t minutes = 0;
  int64_t selling_minutes = 0;
  // Funnel steps: each activity without a deal id, and each deal's first
  // activity of this type.
  int64_t funnel_count = 0;
  int64_t out_of_stage_count = 0;
};

// KPIs over `rows` (any order). value_tier is the member's (member KPIs
// only): tier 1 with mostly high-volume work sets the mix flag.
activitypb::Kpis ComputeKpis(absl::Span<const DailyTotals> rows, absl::string_view currency_code,
                             std::optional<int> value_tier);

// Totals plus day or ISO-week buckets covering [start, end), clipped to it;
// every bucket is present, empty ones included.
void ComputeKpiResponse(absl::Span<const DailyTotals> rows, Date start, Date end,
                        activitypb::KpiBucket bucket, absl::string_view currency_code,
                        std::optional<int> value_tier, activitypb::GetKpisResponse* response);

// numerator / denominator in basis points, rounded half up; nullopt when
// denominator is 0.
std::optional<int32_t> BasisPoints(int64_t numerator, int64_t denominator);

// One member's standing on a leaderboard metric: value = numerator for
// counts and won value; numerator/denominator in basis points for ratios.
struct LeaderboardScore {
  std::string member_id;
  int64_t numerator = 0;
  int64_t denominator = 0;
};

// Ranks members by the metric: ratios skip members whose denominator is 0;
// equal values share a rank (competition ranking 1, 2, 2, 4) and are ordered
// by member id. Returns the top `top_n` and sets *ranked_count.
std::vector<activitypb::LeaderboardEntry> RankLeaderboard(std::vector<LeaderboardScore> scores,
                                                          activitypb::LeaderboardMetric metric,
                                                          int top_n, int* ranked_count);

// Days since 1970-01-01, the store's representation of a local day.
int64_t DayNumber(Date day);
Date DayFromNumber(int64_t number);

}  // namespace salesteam::activity

#endif  // SALESTEAM_SERVICES_ACTIVITY_DOMAIN_H_
