// What salesctl's activity commands (activity_commands.cc: activity-record,
// activity-list, kpis, leaderboard) are made of, apart from their wiring: the
// flags only they take, reading the command line into request messages,
// reading JSON-lines files of activities in batches, the calls to the
// ActivityService at --activity_address (SALESTEAM_ACTIVITY_ADDRESS), and how
// results are printed. Kept out of the command file so that a test can check
// each piece without a server.
//
// Conventions, as for the roster commands (roster_cli.h):
//   - Flags are optional; each command refuses the flags it does not take
//     (roster's and activity's) instead of ignoring them.
//   - Activity types, buckets and metrics are words: call-made, CALL_MADE and
//     ACTIVITY_TYPE_CALL_MADE all name ACTIVITY_TYPE_CALL_MADE (any case).
//   - Amounts are decimals in the currency's major unit (--amount=1250.5
//     --currency=EUR is 125050 cents); never floating point.
//   - Ranges are half-open: --from is the first day or instant, --to the
//     first one after the range.
//   - --json prints the RPC's response (proto3 JSON, proto field names).
#ifndef SALESTEAM_TOOLS_SALESCTL_ACTIVITY_CLI_H_
#define SALESTEAM_TOOLS_SALESCTL_ACTIVITY_CLI_H_

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/flags/declare.h"
#include "absl/functional/function_ref.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/civil_time.h"
#include "absl/time/time.h"
#include "absl/types/span.h"
#include "grpcpp/client_context.h"
#include "salesteam/activity/v1/activity.grpc.pb.h"
#include "salesteam/type/v1/money.pb.h"

ABSL_DECLARE_FLAG(std::optional<std::string>, type);
ABSL_DECLARE_FLAG(std::optional<std::string>, at);
ABSL_DECLARE_FLAG(std::optional<std::string>, activity_id);
ABSL_DECLARE_FLAG(std::optional<std::string>, deal);
ABSL_DECLARE_FLAG(std::optional<std::string>, amount);
ABSL_DECLARE_FLAG(std::optional<int32_t>, minutes);
ABSL_DECLARE_FLAG(bool, selling);
ABSL_DECLARE_FLAG(std::optional<std::string>, source);
ABSL_DECLARE_FLAG(std::optional<std::string>, file);
ABSL_DECLARE_FLAG(std::optional<std::string>, from);
ABSL_DECLARE_FLAG(std::optional<std::string>, to);
ABSL_DECLARE_FLAG(std::optional<std::string>, types);
ABSL_DECLARE_FLAG(std::optional<std::string>, bucket);
ABSL_DECLARE_FLAG(std::optional<std::string>, metric);
ABSL_DECLARE_FLAG(std::optional<int32_t>, top);

namespace salesteam::salesctl::activity_cli {

namespace activitypb = ::salesteam::activity::v1;

// Activities per RecordActivities call when recording a file: well under the
// service's 5,000 items and 4 MiB, and small enough that one refused call
// (and its retry) costs little.
inline constexpr int kRecordBatchSize = 1000;

// ---- Words, amounts, times ----

// One activity type (call-made, CALL_MADE, ACTIVITY_TYPE_CALL_MADE, ...);
// INVALID_ARGUMENT naming --<flag> and listing the types.
absl::StatusOr<activitypb::ActivityType> ParseActivityType(absl::string_view text,
                                                           absl::string_view flag);
// A comma list of them: "call-made, email_sent".
absl::StatusOr<std::vector<activitypb::ActivityType>> ParseActivityTypes(absl::string_view text,
                                                                         absl::string_view flag);
// day or week.
absl::StatusOr<activitypb::KpiBucket> ParseBucket(absl::string_view text);
// count, won_value, win_rate, selling_share, or the enum's own words
// (activity-count, won-value, win-rate, selling-time-share).
absl::StatusOr<activitypb::LeaderboardMetric> ParseMetric(absl::string_view text);

// --amount in major units of `currency_code` ("1250.5" EUR is 125050 minor
// units); more decimals than the currency has is refused, never rounded.
absl::StatusOr<salesteam::type::v1::Money> ParseAmount(absl::string_view amount,
                                                       absl::string_view currency_code,
                                                       absl::string_view flag);
// "EUR 1,250.50"; "-" for an unset amount; the raw fields when the currency
// is unknown to this salesctl.
std::string FormatMoney(const salesteam::type::v1::Money& money);
// `minor_units` of `currency_code` as FormatMoney prints it.
std::string FormatMinorUnits(int64_t minor_units, absl::string_view currency_code);

// An RFC 3339 instant, e.g. 2026-03-16T09:30:00Z or 2026-03-16T10:30:00+01:00.
absl::StatusOr<absl::Time> ParseInstant(absl::string_view text, absl::string_view flag);

// A range end of activity-list: an instant, or a day whose start depends on
// the zone it is read in (the team's, known only to the roster).
struct TimeBound {
  std::optional<absl::Time> instant;
  std::optional<absl::CivilDay> day;
};
// RFC 3339 or YYYY-MM-DD.
absl::StatusOr<TimeBound> ParseTimeBound(absl::string_view text, absl::string_view flag);
// The instant `bound` names: a day starts at its first moment in `zone`.
absl::Time ResolveTimeBound(const TimeBound& bound, absl::TimeZone zone);

// "3h 05m", "45m", "0m".
std::string FormatMinutes(int64_t minutes);
// "36.67" for 3667 hundredths.
std::string FormatCenti(int64_t centi);

// A fresh activity id for an activity recorded from flags:
// "salesctl-" and 24 random hex digits.
std::string NewActivityId();

// ---- Reading the command line ----

// INVALID_ARGUMENT naming the first roster or activity flag that is set but
// not in `allowed` (names without "--").
absl::Status CheckOnlyFlags(absl::Span<const absl::string_view> allowed);

// The activity that activity-record's flags describe: --member and --type
// required; --at defaults to `now`, --activity_id to NewActivityId(),
// --source to "salesctl".
absl::StatusOr<activitypb::Activity> ActivityFromFlags(absl::Time now);

// activity-list's request from its flags, and its --from/--to as given: when
// either is a day, the caller resolves it in the team's zone and sets the
// request's start_time/end_time (ResolveListRange).
struct ListQuery {
  activitypb::ListActivitiesRequest request;
  std::optional<TimeBound> from;
  std::optional<TimeBound> to;
  // Whether --from or --to is a day (and so needs a zone).
  bool NeedsTimeZone() const {
    return (from.has_value() && from->day.has_value()) || (to.has_value() && to->day.has_value());
  }
};
absl::StatusOr<ListQuery> ListQueryFromFlags();
// Sets the request's start_time/end_time from the query's bounds; days start
// in `zone`. INVALID_ARGUMENT when --to is not after --from.
absl::Status ResolveListRange(ListQuery& query, absl::TimeZone zone);

absl::StatusOr<activitypb::GetKpisRequest> KpisRequestFromFlags();
absl::StatusOr<activitypb::GetLeaderboardRequest> LeaderboardRequestFromFlags();

// ---- Files of activities ----

// A file of activities, one proto3 JSON Activity per line (blank lines are
// skipped), e.g.
//   {"activity_id":"crm-1","member_id":"mb_1","type":"ACTIVITY_TYPE_CALL_MADE",
//    "occurred_at":"2026-03-16T09:30:00Z","source_system":"crm"}
// read in batches of up to `batch_size` activities.
struct ActivityBatch {
  // The file's line number of each activity, in order.
  std::vector<int64_t> line_numbers;
  activitypb::RecordActivitiesRequest request;
};

// One line's activity; INVALID_ARGUMENT "<file>:<line>: ..." when it is not
// an Activity in proto3 JSON.
absl::StatusOr<activitypb::Activity> ParseActivityLine(absl::string_view line,
                                                       absl::string_view file, int64_t line_number);

// Reads every line of `path` and counts the activities, so that a malformed
// line anywhere is found before anything is sent: INVALID_ARGUMENT naming the
// file and line, or naming --file when it cannot be read.
absl::StatusOr<int64_t> CheckActivityFile(const std::string& path);

// Calls `send` with the file's activities in batches of up to `batch_size`,
// in file order, stopping at the first error (of reading or of `send`).
absl::Status ForEachActivityBatch(const std::string& path, int batch_size,
                                  absl::FunctionRef<absl::Status(ActivityBatch& batch)> send);

// Appends `part`'s results to `all` and adds up the counts.
void MergeRecordResponse(const activitypb::RecordActivitiesResponse& part,
                         activitypb::RecordActivitiesResponse* all);

// ---- Calls ----

// A connection to the activity service at --activity_address.
class ActivityConnection {
 public:
  static absl::StatusOr<ActivityConnection> Open();

  // Calls `rpc(stub, context)` with the deadline and token set (PrepareCall):
  //   [&](auto& stub, auto* context) { return stub.GetKpis(context, request, &response); }
  absl::Status Call(
      absl::FunctionRef<grpc::Status(activitypb::ActivityService::Stub&, grpc::ClientContext*)>
          rpc);

 private:
  explicit ActivityConnection(std::unique_ptr<activitypb::ActivityService::Stub> stub)
      : stub_(std::move(stub)) {}
  std::shared_ptr<activitypb::ActivityService::Stub> stub_;
};

// RecordActivities, sent again (up to 3 attempts, 1 s then 2 s apart) when
// the call as a whole fails with UNAVAILABLE or DEADLINE_EXCEEDED: the
// activity ids make resending harmless, as items that did get in come back
// DUPLICATE.
absl::StatusOr<activitypb::RecordActivitiesResponse> RecordWithRetry(
    ActivityConnection& activity, const activitypb::RecordActivitiesRequest& request);

// ---- Output (on stdout) ----

// One row per item (LINE when `line_numbers` is given, ID, OUTCOME, REASON),
// then the totals, and a hint when rejected items may be resent.
void PrintRecordResults(const activitypb::RecordActivitiesResponse& response,
                        absl::Span<const int64_t> line_numbers);
// TIME MEMBER TYPE DEAL AMOUNT MINUTES SOURCE ID, then the next page's token.
void PrintActivities(const activitypb::ListActivitiesResponse& response);
// The KPIs of the request's member or team: counts by type, activity vs
// outcome metrics, funnel, selling time, value mix, out-of-stage work, then a
// line per bucket.
void PrintKpis(const activitypb::GetKpisRequest& request,
               const activitypb::GetKpisResponse& response);
// RANK MEMBER NAME VALUE; values in the metric's unit (money in
// `currency_code`, which may be empty when it could not be found out: then
// minor units). `names` maps member ids to names (may be empty).
void PrintLeaderboard(const activitypb::GetLeaderboardRequest& request,
                      const activitypb::GetLeaderboardResponse& response,
                      const std::string& currency_code,
                      const std::map<std::string, std::string>& names);

}  // namespace salesteam::salesctl::activity_cli

#endif  // SALESTEAM_TOOLS_SALESCTL_ACTIVITY_CLI_H_
