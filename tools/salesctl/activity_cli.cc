#include "tools/salesctl/activity_cli.h"

#include <errno.h>
#include <string.h>

#include <algorithm>
#include <cstdlib>
#include <fstream>
#include <functional>
#include <iostream>

#include "absl/flags/flag.h"
#include "absl/random/random.h"
#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "absl/time/clock.h"
#include "google/protobuf/util/json_util.h"

#include "common/money/money.h"
#include "common/status.h"
#include "common/time/date.h"
#include "common/time/timestamp.h"
#include "tools/salesctl/client.h"
#include "tools/salesctl/roster_cli.h"

ABSL_FLAG(std::optional<std::string>, type, std::nullopt,
          "activity: the activity type (activity-record) or the type to count (leaderboard "
          "--metric=count), e.g. call-made or CALL_MADE");
ABSL_FLAG(std::optional<std::string>, at, std::nullopt,
          "activity-record: when it happened, RFC 3339, e.g. 2026-03-16T09:30:00Z (default: now)");
ABSL_FLAG(std::optional<std::string>, activity_id, std::nullopt,
          "activity-record: the idempotency key, e.g. the CRM's event id (default: a random id)");
ABSL_FLAG(std::optional<std::string>, deal, std::nullopt, "activity-record: the CRM's deal id");
ABSL_FLAG(std::optional<std::string>, amount, std::nullopt,
          "activity-record: the amount in major units with --currency, e.g. 1250.00");
ABSL_FLAG(std::optional<int32_t>, minutes, std::nullopt,
          "activity-record --type=time-logged: minutes, 1..1440");
ABSL_FLAG(bool, selling, false, "activity-record --type=time-logged: the time was selling time");
ABSL_FLAG(std::optional<std::string>, source, std::nullopt,
          "activity-record: the sending system (default: salesctl)");
ABSL_FLAG(std::optional<std::string>, file, std::nullopt,
          "activity-record: a file of activities, one proto3 JSON Activity per line");
ABSL_FLAG(std::optional<std::string>, from, std::nullopt,
          "activity: first day of the range, YYYY-MM-DD in the team's zone (activity-list also "
          "takes an RFC 3339 instant)");
ABSL_FLAG(std::optional<std::string>, to, std::nullopt,
          "activity: first day after the range (half-open), like --from");
ABSL_FLAG(std::optional<std::string>, types, std::nullopt,
          "activity-list: only these types, comma-separated, e.g. call-made,meeting-held");
ABSL_FLAG(std::optional<std::string>, bucket, std::nullopt,
          "kpis: also break the range down by day or week");
ABSL_FLAG(std::optional<std::string>, metric, std::nullopt,
          "leaderboard: count (with --type), won_value, win_rate or selling_share");
ABSL_FLAG(std::optional<int32_t>, top, std::nullopt, "leaderboard: how many (1..1000, default 10)");

namespace salesteam::salesctl::activity_cli {
namespace {

using roster_cli::FormatBasisPoints;
using roster_cli::FormatDate;
using roster_cli::FormatTimestamp;
using roster_cli::OrDash;
using roster_cli::ParseDate;
using roster_cli::ParseWord;
using roster_cli::Required;
using roster_cli::Table;
using roster_cli::Word;

// One flag of the activity commands and whether the command line set it.
struct ActivityFlag {
  absl::string_view name;
  std::function<bool()> set;
};

template <typename T>
std::function<bool()> IsSet(const absl::Flag<std::optional<T>>& flag) {
  return [&flag] { return absl::GetFlag(flag).has_value(); };
}

const std::vector<ActivityFlag>& ActivityFlags() {
  static const auto* flags = new std::vector<ActivityFlag>{
      {"type", IsSet(FLAGS_type)},
      {"at", IsSet(FLAGS_at)},
      {"activity_id", IsSet(FLAGS_activity_id)},
      {"deal", IsSet(FLAGS_deal)},
      {"amount", IsSet(FLAGS_amount)},
      {"minutes", IsSet(FLAGS_minutes)},
      {"selling", [] { return absl::GetFlag(FLAGS_selling); }},
      {"source", IsSet(FLAGS_source)},
      {"file", IsSet(FLAGS_file)},
      {"from", IsSet(FLAGS_from)},
      {"to", IsSet(FLAGS_to)},
      {"types", IsSet(FLAGS_types)},
      {"bucket", IsSet(FLAGS_bucket)},
      {"metric", IsSet(FLAGS_metric)},
      {"top", IsSet(FLAGS_top)},
  };
  return *flags;
}

// --member or --team, exactly one, into the request's member_id/team_id.
template <typename Request>
absl::Status SetMemberOrTeam(Request& request) {
  const std::optional<std::string> member = absl::GetFlag(FLAGS_member);
  const std::optional<std::string> team = absl::GetFlag(FLAGS_team);
  if (member.has_value() == team.has_value()) {
    return absl::InvalidArgumentError("give exactly one of --member and --team");
  }
  if (member.has_value()) request.set_member_id(*member);
  if (team.has_value()) request.set_team_id(*team);
  return absl::OkStatus();
}

// --from and --to as the days of a half-open range, both required.
absl::Status SetDayRange(salesteam::type::v1::Date* start, salesteam::type::v1::Date* end) {
  ASSIGN_OR_RETURN(std::string from, Required(absl::GetFlag(FLAGS_from), "from"));
  ASSIGN_OR_RETURN(std::string to, Required(absl::GetFlag(FLAGS_to), "to"));
  ASSIGN_OR_RETURN(*start, ParseDate(from, "from"));
  ASSIGN_OR_RETURN(*end, ParseDate(to, "to"));
  ASSIGN_OR_RETURN(periods::Date first, periods::DateFromProto(*start, "--from"));
  ASSIGN_OR_RETURN(periods::Date after, periods::DateFromProto(*end, "--to"));
  if (after <= first) {
    return absl::InvalidArgumentError(
        "--to must be after --from: the range is half-open, --to is the first day after it");
  }
  return absl::OkStatus();
}

// "2026-03-02 .. 2026-03-08" for [2026-03-02, 2026-03-09), "2026-03-02" for
// a single day: the days a half-open range covers, as people say them.
std::string FormatDays(const salesteam::type::v1::Date& start,
                       const salesteam::type::v1::Date& end) {
  absl::StatusOr<periods::Date> first = periods::DateFromProto(start, "start");
  absl::StatusOr<periods::Date> after = periods::DateFromProto(end, "end");
  if (!first.ok() || !after.ok()) return absl::StrCat(FormatDate(start), " ..< ", FormatDate(end));
  if (*after - *first <= 1) return periods::FormatIsoDate(*first);
  return absl::StrCat(periods::FormatIsoDate(*first), " .. ", periods::FormatIsoDate(*after - 1));
}

std::string OptionalBps(bool has, int32_t bps) { return has ? FormatBasisPoints(bps) : "-"; }

// Labelled lines under a heading, the values aligned.
class Section {
 public:
  explicit Section(std::string heading) : heading_(std::move(heading)) {}
  Section& Add(std::string label, std::string value) {
    lines_.emplace_back(std::move(label), std::move(value));
    return *this;
  }
  void Print() const {
    size_t width = 0;
    for (const auto& [label, value] : lines_) width = std::max(width, label.size());
    std::cout << "\n" << heading_ << "\n";
    for (const auto& [label, value] : lines_) {
      std::cout << "  " << label << std::string(width - label.size() + 2, ' ') << value << "\n";
    }
  }

 private:
  std::string heading_;
  std::vector<std::pair<std::string, std::string>> lines_;
};

// "6  (50% of leads)": a funnel stage and its conversion from the one before.
std::string Stage(int64_t count, bool has_bps, int32_t bps, absl::string_view previous) {
  if (!has_bps) return absl::StrCat(count);
  return absl::StrCat(count, "  (", FormatBasisPoints(bps), " of ", previous, ")");
}

}  // namespace

// ---- Words, amounts, times ----

absl::StatusOr<activitypb::ActivityType> ParseActivityType(absl::string_view text,
                                                           absl::string_view flag) {
  return ParseWord<activitypb::ActivityType>(text, flag);
}

absl::StatusOr<std::vector<activitypb::ActivityType>> ParseActivityTypes(absl::string_view text,
                                                                         absl::string_view flag) {
  std::vector<activitypb::ActivityType> types;
  for (absl::string_view item : absl::StrSplit(text, ',', absl::SkipWhitespace())) {
    ASSIGN_OR_RETURN(activitypb::ActivityType type, ParseActivityType(item, flag));
    if (std::find(types.begin(), types.end(), type) == types.end()) types.push_back(type);
  }
  if (types.empty()) {
    return absl::InvalidArgumentError(absl::StrCat("--", flag, ": no activity type given"));
  }
  return types;
}

absl::StatusOr<activitypb::KpiBucket> ParseBucket(absl::string_view text) {
  return ParseWord<activitypb::KpiBucket>(text, "bucket");
}

absl::StatusOr<activitypb::LeaderboardMetric> ParseMetric(absl::string_view text) {
  std::string word = absl::AsciiStrToLower(absl::StripAsciiWhitespace(text));
  std::replace(word.begin(), word.end(), '-', '_');
  // The short words people use for the metrics whose enum names are longer.
  if (word == "count") return activitypb::LEADERBOARD_METRIC_ACTIVITY_COUNT;
  if (word == "selling_share") return activitypb::LEADERBOARD_METRIC_SELLING_TIME_SHARE;
  absl::StatusOr<activitypb::LeaderboardMetric> metric =
      ParseWord<activitypb::LeaderboardMetric>(text, "metric");
  if (metric.ok()) return metric;
  return absl::InvalidArgumentError(
      absl::StrCat("--metric: unknown value ", QuoteInput(text),
                   " (one of: count, won_value, win_rate, selling_share)"));
}

absl::StatusOr<salesteam::type::v1::Money> ParseAmount(absl::string_view amount,
                                                       absl::string_view currency_code,
                                                       absl::string_view flag) {
  const std::string code = absl::AsciiStrToUpper(absl::StripAsciiWhitespace(currency_code));
  ASSIGN_OR_RETURN(money::Money money, money::ParseAmount(absl::StripAsciiWhitespace(amount), code,
                                                          absl::StrCat("--", flag)));
  return money::ToProto(money);
}

std::string FormatMoney(const salesteam::type::v1::Money& money) {
  if (money.currency_code().empty() && money.minor_units() == 0) return "-";
  return FormatMinorUnits(money.minor_units(), money.currency_code());
}

std::string FormatMinorUnits(int64_t minor_units, absl::string_view currency_code) {
  absl::StatusOr<money::Money> money = money::Money::Create(currency_code, minor_units);
  if (!money.ok()) {
    return absl::StrCat(minor_units, " minor units", currency_code.empty() ? "" : " of ",
                        currency_code);
  }
  return money::FormatForDisplay(*money);
}

absl::StatusOr<absl::Time> ParseInstant(absl::string_view text, absl::string_view flag) {
  absl::Time time;
  std::string error;
  if (!absl::ParseTime(absl::RFC3339_full, std::string(absl::StripAsciiWhitespace(text)), &time,
                       &error)) {
    return absl::InvalidArgumentError(absl::StrCat("--", flag, ": ", QuoteInput(text),
                                                   " is not an RFC 3339 time such as "
                                                   "2026-03-16T09:30:00Z or "
                                                   "2026-03-16T10:30:00+01:00"));
  }
  return time;
}

absl::StatusOr<TimeBound> ParseTimeBound(absl::string_view text, absl::string_view flag) {
  text = absl::StripAsciiWhitespace(text);
  TimeBound bound;
  if (!absl::StrContains(text, 'T') && !absl::StrContains(text, 't')) {
    absl::StatusOr<periods::Date> day = periods::ParseIsoDate(text, absl::StrCat("--", flag));
    if (!day.ok()) {
      return absl::InvalidArgumentError(absl::StrCat(
          "--", flag, ": ", QuoteInput(text),
          " is neither a day (YYYY-MM-DD) nor an RFC 3339 time such as 2026-03-16T09:30:00Z"));
    }
    bound.day = *day;
    return bound;
  }
  ASSIGN_OR_RETURN(bound.instant, ParseInstant(text, flag));
  return bound;
}

absl::Time ResolveTimeBound(const TimeBound& bound, absl::TimeZone zone) {
  if (bound.instant.has_value()) return *bound.instant;
  return absl::FromCivil(*bound.day, zone);
}

std::string FormatMinutes(int64_t minutes) {
  if (minutes < 60) return absl::StrCat(minutes, "m");
  return absl::StrFormat("%dh %02dm", minutes / 60, minutes % 60);
}

std::string FormatCenti(int64_t centi) {
  return absl::StrFormat("%s%d.%02d", centi < 0 ? "-" : "", std::abs(centi / 100),
                         std::abs(centi % 100));
}

std::string NewActivityId() {
  // Seeded from the OS: two runs in the same second get different ids.
  static absl::BitGen* const gen = new absl::BitGen();
  return absl::StrFormat("salesctl-%016x%08x", absl::Uniform<uint64_t>(*gen),
                         absl::Uniform<uint32_t>(*gen));
}

// ---- Reading the command line ----

absl::Status CheckOnlyFlags(absl::Span<const absl::string_view> allowed) {
  RETURN_IF_ERROR(roster_cli::CheckOnlyFlags(allowed));
  for (const ActivityFlag& flag : ActivityFlags()) {
    if (!flag.set()) continue;
    if (std::find(allowed.begin(), allowed.end(), flag.name) != allowed.end()) continue;
    return absl::InvalidArgumentError(
        absl::StrCat("--", flag.name, " does not apply to this command"));
  }
  return absl::OkStatus();
}

absl::StatusOr<activitypb::Activity> ActivityFromFlags(absl::Time now) {
  activitypb::Activity activity;
  ASSIGN_OR_RETURN(*activity.mutable_member_id(), Required(absl::GetFlag(FLAGS_member), "member"));
  ASSIGN_OR_RETURN(std::string type_text, Required(absl::GetFlag(FLAGS_type), "type"));
  ASSIGN_OR_RETURN(activitypb::ActivityType type, ParseActivityType(type_text, "type"));
  activity.set_type(type);
  absl::Time at = now;
  if (auto text = absl::GetFlag(FLAGS_at)) {
    ASSIGN_OR_RETURN(at, ParseInstant(*text, "at"));
  }
  periods::TimeToProto(at, activity.mutable_occurred_at());
  activity.set_activity_id(absl::GetFlag(FLAGS_activity_id).value_or(NewActivityId()));
  activity.set_deal_id(absl::GetFlag(FLAGS_deal).value_or(""));

  const std::optional<std::string> amount = absl::GetFlag(FLAGS_amount);
  const std::optional<std::string> currency = absl::GetFlag(FLAGS_currency);
  if (amount.has_value() && !currency.has_value()) {
    return absl::InvalidArgumentError(
        "--amount needs --currency, the team's ISO 4217 code (e.g. EUR)");
  }
  if (currency.has_value() && !amount.has_value()) {
    return absl::InvalidArgumentError("--currency goes with --amount");
  }
  if (amount.has_value()) {
    ASSIGN_OR_RETURN(*activity.mutable_amount(), ParseAmount(*amount, *currency, "amount"));
  }

  // The proto has these for logged time only; refusing them elsewhere beats
  // recording a call whose minutes silently vanish.
  const std::optional<int32_t> minutes = absl::GetFlag(FLAGS_minutes);
  const bool selling = absl::GetFlag(FLAGS_selling);
  if (type == activitypb::ACTIVITY_TYPE_TIME_LOGGED) {
    if (!minutes.has_value()) {
      return absl::InvalidArgumentError("--minutes is required with --type=time-logged");
    }
    activity.set_minutes(*minutes);
    activity.set_selling(selling);
  } else if (minutes.has_value() || selling) {
    return absl::InvalidArgumentError(absl::StrCat(minutes.has_value() ? "--minutes" : "--selling",
                                                   " applies to --type=time-logged only"));
  }
  activity.set_source_system(absl::GetFlag(FLAGS_source).value_or("salesctl"));
  return activity;
}

absl::StatusOr<ListQuery> ListQueryFromFlags() {
  ListQuery query;
  RETURN_IF_ERROR(SetMemberOrTeam(query.request));
  if (auto from = absl::GetFlag(FLAGS_from)) {
    ASSIGN_OR_RETURN(query.from, ParseTimeBound(*from, "from"));
  }
  if (auto to = absl::GetFlag(FLAGS_to)) {
    ASSIGN_OR_RETURN(query.to, ParseTimeBound(*to, "to"));
  }
  if (auto types = absl::GetFlag(FLAGS_types)) {
    ASSIGN_OR_RETURN(std::vector<activitypb::ActivityType> values,
                     ParseActivityTypes(*types, "types"));
    for (activitypb::ActivityType type : values) query.request.add_types(type);
  }
  if (auto page_size = absl::GetFlag(FLAGS_page_size)) query.request.set_page_size(*page_size);
  if (auto page_token = absl::GetFlag(FLAGS_page_token)) {
    query.request.set_page_token(*page_token);
  }
  return query;
}

absl::Status ResolveListRange(ListQuery& query, absl::TimeZone zone) {
  std::optional<absl::Time> start;
  std::optional<absl::Time> end;
  if (query.from.has_value()) start = ResolveTimeBound(*query.from, zone);
  if (query.to.has_value()) end = ResolveTimeBound(*query.to, zone);
  if (start.has_value() && end.has_value() && *end <= *start) {
    return absl::InvalidArgumentError(
        "--to must be after --from: the range is half-open, --to is the first moment after it");
  }
  if (start.has_value()) periods::TimeToProto(*start, query.request.mutable_start_time());
  if (end.has_value()) periods::TimeToProto(*end, query.request.mutable_end_time());
  return absl::OkStatus();
}

absl::StatusOr<activitypb::GetKpisRequest> KpisRequestFromFlags() {
  activitypb::GetKpisRequest request;
  RETURN_IF_ERROR(SetMemberOrTeam(request));
  RETURN_IF_ERROR(SetDayRange(request.mutable_start_date(), request.mutable_end_date()));
  if (auto bucket = absl::GetFlag(FLAGS_bucket)) {
    ASSIGN_OR_RETURN(activitypb::KpiBucket value, ParseBucket(*bucket));
    request.set_bucket(value);
  }
  return request;
}

absl::StatusOr<activitypb::GetLeaderboardRequest> LeaderboardRequestFromFlags() {
  activitypb::GetLeaderboardRequest request;
  ASSIGN_OR_RETURN(*request.mutable_team_id(), Required(absl::GetFlag(FLAGS_team), "team"));
  ASSIGN_OR_RETURN(std::string metric_text, Required(absl::GetFlag(FLAGS_metric), "metric"));
  ASSIGN_OR_RETURN(activitypb::LeaderboardMetric metric, ParseMetric(metric_text));
  request.set_metric(metric);
  const std::optional<std::string> type = absl::GetFlag(FLAGS_type);
  if (metric == activitypb::LEADERBOARD_METRIC_ACTIVITY_COUNT) {
    if (!type.has_value()) {
      return absl::InvalidArgumentError(
          "--metric=count needs --type, the activity type to count (e.g. call-made)");
    }
    ASSIGN_OR_RETURN(activitypb::ActivityType value, ParseActivityType(*type, "type"));
    request.set_activity_type(value);
  } else if (type.has_value()) {
    return absl::InvalidArgumentError("--type applies to --metric=count only");
  }
  RETURN_IF_ERROR(SetDayRange(request.mutable_start_date(), request.mutable_end_date()));
  if (auto top = absl::GetFlag(FLAGS_top)) request.set_top_n(*top);
  return request;
}

// ---- Files of activities ----

absl::StatusOr<activitypb::Activity> ParseActivityLine(absl::string_view line,
                                                       absl::string_view file,
                                                       int64_t line_number) {
  activitypb::Activity activity;
  const google::protobuf::util::Status status =
      google::protobuf::util::JsonStringToMessage(std::string(line), &activity);
  if (!status.ok()) {
    return absl::InvalidArgumentError(
        absl::StrCat(file, ":", line_number, ": not an Activity in proto3 JSON: ",
                     absl::string_view(status.message().data(), status.message().size())));
  }
  return activity;
}

namespace {

// Calls `each` with every non-blank line of `path` and its number.
absl::Status ForEachLine(const std::string& path,
                         absl::FunctionRef<absl::Status(absl::string_view, int64_t)> each) {
  std::ifstream in(path);
  if (!in) {
    return absl::InvalidArgumentError(
        absl::StrCat("--file: cannot read ", QuoteInput(path), ": ", strerror(errno)));
  }
  std::string line;
  int64_t number = 0;
  while (std::getline(in, line)) {
    ++number;
    absl::string_view text = absl::StripAsciiWhitespace(line);
    if (text.empty()) continue;
    RETURN_IF_ERROR(each(text, number));
  }
  if (in.bad()) {
    return absl::InvalidArgumentError(
        absl::StrCat("--file: reading ", QuoteInput(path), " failed after line ", number));
  }
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<int64_t> CheckActivityFile(const std::string& path) {
  int64_t count = 0;
  RETURN_IF_ERROR(ForEachLine(path, [&](absl::string_view line, int64_t number) -> absl::Status {
    RETURN_IF_ERROR(ParseActivityLine(line, path, number).status());
    ++count;
    return absl::OkStatus();
  }));
  return count;
}

absl::Status ForEachActivityBatch(const std::string& path, int batch_size,
                                  absl::FunctionRef<absl::Status(ActivityBatch& batch)> send) {
  ActivityBatch batch;
  RETURN_IF_ERROR(ForEachLine(path, [&](absl::string_view line, int64_t number) -> absl::Status {
    ASSIGN_OR_RETURN(*batch.request.add_activities(), ParseActivityLine(line, path, number));
    batch.line_numbers.push_back(number);
    if (batch.request.activities_size() < batch_size) return absl::OkStatus();
    RETURN_IF_ERROR(send(batch));
    batch = ActivityBatch();
    return absl::OkStatus();
  }));
  if (!batch.line_numbers.empty()) RETURN_IF_ERROR(send(batch));
  return absl::OkStatus();
}

void MergeRecordResponse(const activitypb::RecordActivitiesResponse& part,
                         activitypb::RecordActivitiesResponse* all) {
  for (const activitypb::RecordResult& result : part.results()) *all->add_results() = result;
  all->set_accepted_count(all->accepted_count() + part.accepted_count());
  all->set_duplicate_count(all->duplicate_count() + part.duplicate_count());
  all->set_rejected_count(all->rejected_count() + part.rejected_count());
}

// ---- Calls ----

absl::StatusOr<ActivityConnection> ActivityConnection::Open() {
  ASSIGN_OR_RETURN(Endpoint endpoint, FindEndpoint("activity"));
  ASSIGN_OR_RETURN(std::shared_ptr<grpc::Channel> channel, OpenChannel(endpoint.address));
  return ActivityConnection(activitypb::ActivityService::NewStub(channel));
}

absl::Status ActivityConnection::Call(
    absl::FunctionRef<grpc::Status(activitypb::ActivityService::Stub&, grpc::ClientContext*)> rpc) {
  grpc::ClientContext context;
  RETURN_IF_ERROR(PrepareCall(context));
  return FromGrpcStatus(rpc(*stub_, &context));
}

absl::StatusOr<activitypb::RecordActivitiesResponse> RecordWithRetry(
    ActivityConnection& activity, const activitypb::RecordActivitiesRequest& request) {
  constexpr int kAttempts = 3;
  for (int attempt = 1;; ++attempt) {
    activitypb::RecordActivitiesResponse response;
    absl::Status status = activity.Call([&](auto& stub, auto* context) {
      return stub.RecordActivities(context, request, &response);
    });
    if (status.ok()) return response;
    const bool transient = absl::IsUnavailable(status) || absl::IsDeadlineExceeded(status);
    if (!transient || attempt == kAttempts) return status;
    const absl::Duration pause = absl::Seconds(attempt);
    std::cerr << "salesctl: " << status << "; sending the batch again in "
              << absl::FormatDuration(pause) << std::endl;
    absl::SleepFor(pause);
  }
}

// ---- Output ----

void PrintRecordResults(const activitypb::RecordActivitiesResponse& response,
                        absl::Span<const int64_t> line_numbers) {
  const bool with_lines = !line_numbers.empty();
  std::vector<std::string> header = {"ID", "OUTCOME", "REASON"};
  if (with_lines) header.insert(header.begin(), "LINE");
  Table table(std::move(header));
  int64_t retryable = 0;
  for (int i = 0; i < response.results_size(); ++i) {
    const activitypb::RecordResult& result = response.results(i);
    std::string reason = "-";
    if (result.outcome() == activitypb::RECORD_OUTCOME_REJECTED) {
      reason = absl::StrCat(absl::StatusCodeToString(static_cast<absl::StatusCode>(result.code())),
                            ": ", result.reason(), result.retryable() ? " (retryable)" : "");
      if (result.retryable()) ++retryable;
    }
    std::vector<std::string> row = {OrDash(result.activity_id()), Word(result.outcome()),
                                    std::move(reason)};
    if (with_lines) {
      row.insert(row.begin(), static_cast<size_t>(i) < line_numbers.size()
                                  ? absl::StrCat(line_numbers[i])
                                  : std::string("-"));
    }
    table.AddRow(std::move(row));
  }
  if (!table.empty()) table.Print();
  std::cout << response.results_size()
            << (response.results_size() == 1 ? " activity: " : " activities: ")
            << response.accepted_count() << " accepted, " << response.duplicate_count()
            << " duplicate, " << response.rejected_count() << " rejected" << std::endl;
  if (retryable > 0) {
    std::cout << retryable
              << " rejected for now only (retryable): send the same activities again later; "
                 "those recorded meanwhile answer duplicate"
              << std::endl;
  }
}

void PrintActivities(const activitypb::ListActivitiesResponse& response) {
  if (response.activities().empty()) {
    std::cout << "no activities" << std::endl;
    roster_cli::PrintNextPage(response.next_page_token());
    return;
  }
  Table table({"TIME", "MEMBER", "TYPE", "DEAL", "AMOUNT", "MINUTES", "SOURCE", "ID"});
  for (const activitypb::Activity& activity : response.activities()) {
    std::string minutes = "-";
    if (activity.type() == activitypb::ACTIVITY_TYPE_TIME_LOGGED) {
      minutes = absl::StrCat(activity.minutes(), activity.selling() ? " selling" : "");
    }
    table.AddRow({FormatTimestamp(activity.occurred_at()), activity.member_id(),
                  Word(activity.type()), OrDash(activity.deal_id()),
                  activity.has_amount() ? FormatMoney(activity.amount()) : "-", minutes,
                  OrDash(activity.source_system()), activity.activity_id()});
  }
  table.Print();
  roster_cli::PrintNextPage(response.next_page_token());
}

void PrintKpis(const activitypb::GetKpisRequest& request,
               const activitypb::GetKpisResponse& response) {
  const activitypb::Kpis& kpis = response.total();
  const std::string currency = response.currency_code();
  const bool of_member = !request.member_id().empty();
  std::cout << "KPIs of " << (of_member ? "member " : "team ")
            << (of_member ? request.member_id() : request.team_id()) << ", "
            << FormatDays(request.start_date(), request.end_date()) << " ("
            << OrDash(response.time_zone()) << ", " << OrDash(currency) << ")\n";

  Section counts("Counts by type");
  for (const activitypb::ActivityCount& count : kpis.counts()) {
    if (count.count() != 0) counts.Add(Word(count.type()), absl::StrCat(count.count()));
  }
  if (kpis.counts().empty() ||
      std::all_of(kpis.counts().begin(), kpis.counts().end(),
                  [](const activitypb::ActivityCount& count) { return count.count() == 0; })) {
    counts.Add("none", "no activity in this range");
  }
  counts.Print();

  Section outcome("Activity vs outcome");
  outcome
      .Add("activities", absl::StrCat(kpis.activity_count(), "  (all but won, lost, logged time)"))
      .Add("deals won", absl::StrCat(kpis.deals_won()))
      .Add("deals lost", absl::StrCat(kpis.deals_lost()))
      .Add("win rate", OptionalBps(kpis.has_win_rate_bps(), kpis.win_rate_bps()))
      .Add("won value",
           kpis.has_won_value() ? FormatMoney(kpis.won_value()) : FormatMinorUnits(0, currency))
      .Add("activities per won deal", kpis.has_activities_per_won_deal_centi()
                                          ? FormatCenti(kpis.activities_per_won_deal_centi())
                                          : "-");
  outcome.Print();

  const activitypb::Funnel& funnel = kpis.funnel();
  Section("Funnel")
      .Add("leads", absl::StrCat(funnel.leads()))
      .Add("meetings held", Stage(funnel.meetings_held(), funnel.has_lead_to_meeting_bps(),
                                  funnel.lead_to_meeting_bps(), "leads"))
      .Add("proposals sent", Stage(funnel.proposals_sent(), funnel.has_meeting_to_proposal_bps(),
                                   funnel.meeting_to_proposal_bps(), "meetings"))
      .Add("deals won", Stage(funnel.deals_won(), funnel.has_proposal_to_won_bps(),
                              funnel.proposal_to_won_bps(), "proposals"))
      .Print();

  Section time("Time");
  time.Add("logged", FormatMinutes(kpis.logged_minutes()));
  time.Add("selling",
           kpis.has_selling_time_share_bps()
               ? absl::StrCat(FormatMinutes(kpis.selling_minutes()), "  (",
                              FormatBasisPoints(kpis.selling_time_share_bps()), " of logged time)")
               : FormatMinutes(kpis.selling_minutes()));
  time.Print();

  const activitypb::ValueMix& mix = kpis.value_mix();
  Section value("Value mix");
  value
      .Add("high-value work",
           absl::StrCat(mix.high_value_count(), "  (meetings held, referrals, partnerships)"))
      .Add("high-volume work",
           absl::StrCat(mix.high_volume_count(), "  (calls, emails, leads created)"))
      .Add("high-value share",
           OptionalBps(mix.has_high_value_share_bps(), mix.high_value_share_bps()));
  if (of_member) {
    value.Add("tier check", mix.mostly_volume_for_tier()
                                ? "MOSTLY VOLUME: a value-tier-1 member doing mostly "
                                  "high-volume work"
                                : "ok");
  }
  value.Print();

  Section("Stages")
      .Add("out of stage",
           absl::StrCat(kpis.out_of_stage_count(), "  (activities in a stage another role owns)"))
      .Print();

  if (!response.buckets().empty()) {
    std::cout << "\nBy " << (request.bucket() == activitypb::KPI_BUCKET_WEEK ? "week" : "day")
              << "\n";
    Table table({"DAYS", "ACTIVITIES", "LEADS", "MEETINGS", "PROPOSALS", "WON", "LOST", "WIN RATE",
                 "WON VALUE", "SELLING", "OUT OF STAGE"});
    for (const activitypb::KpiBucketResult& bucket : response.buckets()) {
      const activitypb::Kpis& b = bucket.kpis();
      table.AddRow(
          {FormatDays(bucket.start_date(), bucket.end_date()), absl::StrCat(b.activity_count()),
           absl::StrCat(b.funnel().leads()), absl::StrCat(b.funnel().meetings_held()),
           absl::StrCat(b.funnel().proposals_sent()), absl::StrCat(b.deals_won()),
           absl::StrCat(b.deals_lost()), OptionalBps(b.has_win_rate_bps(), b.win_rate_bps()),
           b.has_won_value() ? FormatMoney(b.won_value()) : FormatMinorUnits(0, currency),
           OptionalBps(b.has_selling_time_share_bps(), b.selling_time_share_bps()),
           absl::StrCat(b.out_of_stage_count())});
    }
    table.Print();
  }
  std::cout.flush();
}

void PrintLeaderboard(const activitypb::GetLeaderboardRequest& request,
                      const activitypb::GetLeaderboardResponse& response,
                      const std::string& currency_code,
                      const std::map<std::string, std::string>& names) {
  std::string metric;
  switch (request.metric()) {
    case activitypb::LEADERBOARD_METRIC_ACTIVITY_COUNT:
      metric = absl::StrCat(Word(request.activity_type()), " count");
      break;
    case activitypb::LEADERBOARD_METRIC_WON_VALUE:
      metric = "won value";
      break;
    case activitypb::LEADERBOARD_METRIC_WIN_RATE:
      metric = "win rate";
      break;
    case activitypb::LEADERBOARD_METRIC_SELLING_TIME_SHARE:
      metric = "selling-time share";
      break;
    default:
      metric = Word(request.metric());
  }
  std::cout << "Team " << request.team_id() << " by " << metric << ", "
            << FormatDays(request.start_date(), request.end_date()) << "\n";
  if (response.entries().empty()) {
    std::cout << "no member has a " << metric << " in this range" << std::endl;
    return;
  }
  Table table({"RANK", "MEMBER", "NAME", "VALUE"});
  for (const activitypb::LeaderboardEntry& entry : response.entries()) {
    std::string value;
    switch (request.metric()) {
      case activitypb::LEADERBOARD_METRIC_WON_VALUE:
        value = FormatMinorUnits(entry.value(), currency_code);
        break;
      case activitypb::LEADERBOARD_METRIC_WIN_RATE:
      case activitypb::LEADERBOARD_METRIC_SELLING_TIME_SHARE:
        value = FormatBasisPoints(entry.value());
        break;
      default:
        value = absl::StrCat(entry.value());
    }
    auto name = names.find(entry.member_id());
    table.AddRow({absl::StrCat(entry.rank()), entry.member_id(),
                  name == names.end() ? "-" : name->second, std::move(value)});
  }
  table.Print();
  if (response.ranked_count() > response.entries_size()) {
    std::cout << "top " << response.entries_size() << " of " << response.ranked_count()
              << " ranked members" << std::endl;
  }
}

}  // namespace salesteam::salesctl::activity_cli
