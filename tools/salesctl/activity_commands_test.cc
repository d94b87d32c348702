// salesctl's activity commands, in two parts:
//   - their pieces called directly (activity_cli.h): flags to request
//     messages, amounts in minor units, days in a team's zone, JSON-lines
//     files in batches, and what the tables and summaries print;
//   - the built binary, run as a person or script runs it, against a fake
//     ActivityService that records what it was sent and answers what a real
//     one would, and a real roster (for zones, currencies and names), both
//     started in this process on loopback ports.
// The activity service itself is tested in services/activity and end to end
// in tests/.
#include <stdio.h>
#include <sys/wait.h>

#include <cstdlib>
#include <fstream>
#include <map>
#include <memory>
#include <optional>
#include <sstream>
#include <string>
#include <tuple>
#include <utility>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/flags/reflection.h"
#include "absl/functional/function_ref.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_split.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/civil_time.h"
#include "absl/time/time.h"
#include "gmock/gmock.h"
#include "google/protobuf/util/json_util.h"
#include "grpcpp/security/server_credentials.h"
#include "grpcpp/server.h"
#include "grpcpp/server_builder.h"
#include "gtest/gtest.h"
#include "roster_migrations.h"
#include "salesteam/activity/v1/activity.grpc.pb.h"
#include "salesteam/roster/v1/roster.pb.h"

#include "clients/roster/testing/test_roster.h"
#include "common/auth/auth.h"
#include "common/cache/fake_cache.h"
#include "common/server/server.h"
#include "common/store/database.h"
#include "common/store/migrations.h"
#include "common/testing/service_harness.h"
#include "common/testing/status_matchers.h"
#include "common/testing/test_env.h"
#include "common/time/time_zone.h"
#include "common/time/timestamp.h"
#include "services/roster/roster_service.h"
#include "tools/salesctl/activity_cli.h"
#include "tools/salesctl/roster_cli.h"

namespace salesteam::salesctl::activity_cli {
namespace {

namespace rosterpb = ::salesteam::roster::v1;

using ::salesteam::testing::IsOkAndHolds;
using ::salesteam::testing::StatusIs;
using ::testing::ContainsRegex;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::Not;
using ::testing::SizeIs;

constexpr char kSecret[] = "activity-commands-test-secret-activity-commands";

std::string CaptureStdout(absl::FunctionRef<void()> print) {
  std::ostringstream out;
  std::streambuf* old = std::cout.rdbuf(out.rdbuf());
  print();
  std::cout.rdbuf(old);
  return out.str();
}

// The line of `text` that contains `needle`, or "".
std::string LineWith(const std::string& text, absl::string_view needle) {
  for (absl::string_view line : absl::StrSplit(text, '\n')) {
    if (absl::StrContains(line, needle)) return std::string(line);
  }
  return "";
}

absl::Time Utc(int y, int m, int d, int hh, int mm) {
  return absl::FromCivil(absl::CivilMinute(y, m, d, hh, mm), absl::UTCTimeZone());
}

absl::Time FromProto(const google::protobuf::Timestamp& proto) {
  absl::StatusOr<absl::Time> time = periods::TimeFromProto(proto, "time");
  EXPECT_OK(time.status());
  return time.value_or(absl::InfinitePast());
}

// A JSON line of a call of `member` at 09:00 on 2026-03-16 plus `minute`.
std::string CallLine(const std::string& id, const std::string& member, int minute = 0) {
  return absl::StrCat(R"({"activity_id":")", id, R"(","member_id":")", member,
                      R"(","type":"ACTIVITY_TYPE_CALL_MADE","occurred_at":"2026-03-16T09:)",
                      absl::StrFormat("%02d", minute % 60), R"(:00Z","source_system":"crm"})");
}

// ---- The pieces ----

class ActivityCliTest : public ::testing::Test {
 protected:
  // Flags set by a test are reset after it.
  absl::FlagSaver saver_;
};

TEST_F(ActivityCliTest, AmountsAreDecimalMajorUnitsIntoExactMinorUnits) {
  ASSERT_OK_AND_ASSIGN(salesteam::type::v1::Money eur, ParseAmount("1250.5", "EUR", "amount"));
  EXPECT_EQ(eur.currency_code(), "EUR");
  EXPECT_EQ(eur.minor_units(), 125050);
  ASSERT_OK_AND_ASSIGN(salesteam::type::v1::Money usd, ParseAmount("1250.00", "usd", "amount"));
  EXPECT_EQ(usd.currency_code(), "USD");
  EXPECT_EQ(usd.minor_units(), 125000);
  ASSERT_OK_AND_ASSIGN(salesteam::type::v1::Money jpy, ParseAmount("1250", "JPY", "amount"));
  EXPECT_EQ(jpy.minor_units(), 1250);
  // Never rounded, never guessed.
  EXPECT_THAT(ParseAmount("12.345", "EUR", "amount").status(),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("--amount")));
  EXPECT_THAT(ParseAmount("1,250.00", "EUR", "amount").status(),
              StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(ParseAmount("10", "EURO", "amount").status(),
              StatusIs(absl::StatusCode::kInvalidArgument));

  EXPECT_EQ(FormatMoney(eur), "EUR 1,250.50");
  EXPECT_EQ(FormatMoney(salesteam::type::v1::Money()), "-");
  EXPECT_EQ(FormatMinorUnits(4500050, "USD"), "USD 45,000.50");
  EXPECT_EQ(FormatMinorUnits(123, ""), "123 minor units");
}

TEST_F(ActivityCliTest, TypesAreWordsInAnyCaseWithOrWithoutThePrefix) {
  for (const char* text : {"call-made", "CALL_MADE", "call_made", "Call-Made",
                           "ACTIVITY_TYPE_CALL_MADE", " call-made "}) {
    ASSERT_OK_AND_ASSIGN(activitypb::ActivityType type, ParseActivityType(text, "type"));
    EXPECT_EQ(type, activitypb::ACTIVITY_TYPE_CALL_MADE) << text;
  }
  EXPECT_THAT(ParseActivityType("unspecified", "type").status(),
              StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(ParseActivityType("cold-call", "type").status(),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("--type: unknown value \"cold-call\" (one of: lead-created, "
                                 "call-made")));
  ASSERT_OK_AND_ASSIGN(std::vector<activitypb::ActivityType> types,
                       ParseActivityTypes("call-made, MEETING_HELD,call_made", "types"));
  EXPECT_THAT(types, ElementsAre(activitypb::ACTIVITY_TYPE_CALL_MADE,
                                 activitypb::ACTIVITY_TYPE_MEETING_HELD));
  EXPECT_THAT(ParseActivityTypes(" , ", "types").status(),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("--types")));

  EXPECT_THAT(ParseMetric("count"), IsOkAndHolds(activitypb::LEADERBOARD_METRIC_ACTIVITY_COUNT));
  EXPECT_THAT(ParseMetric("won_value"), IsOkAndHolds(activitypb::LEADERBOARD_METRIC_WON_VALUE));
  EXPECT_THAT(ParseMetric("win-rate"), IsOkAndHolds(activitypb::LEADERBOARD_METRIC_WIN_RATE));
  EXPECT_THAT(ParseMetric("selling_share"),
              IsOkAndHolds(activitypb::LEADERBOARD_METRIC_SELLING_TIME_SHARE));
  EXPECT_THAT(ParseMetric("SELLING_TIME_SHARE"),
              IsOkAndHolds(activitypb::LEADERBOARD_METRIC_SELLING_TIME_SHARE));
  EXPECT_THAT(ParseMetric("revenue").status(),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("(one of: count, won_value, win_rate, selling_share)")));
  EXPECT_THAT(ParseBucket("WEEK"), IsOkAndHolds(activitypb::KPI_BUCKET_WEEK));
  EXPECT_THAT(ParseBucket("month").status(), StatusIs(absl::StatusCode::kInvalidArgument));
}

TEST_F(ActivityCliTest, DaysStartInTheTeamsZoneAndInstantsAreRfc3339) {
  ASSERT_OK_AND_ASSIGN(absl::TimeZone berlin, periods::LoadTimeZone("Europe/Berlin", "zone"));
  ASSERT_OK_AND_ASSIGN(TimeBound winter, ParseTimeBound("2026-01-15", "from"));
  EXPECT_EQ(ResolveTimeBound(winter, berlin), Utc(2026, 1, 14, 23, 0));
  ASSERT_OK_AND_ASSIGN(TimeBound summer, ParseTimeBound("2026-07-15", "from"));
  EXPECT_EQ(ResolveTimeBound(summer, berlin), Utc(2026, 7, 14, 22, 0));
  ASSERT_OK_AND_ASSIGN(TimeBound instant, ParseTimeBound("2026-01-15T10:30:00+01:00", "to"));
  EXPECT_EQ(ResolveTimeBound(instant, berlin), Utc(2026, 1, 15, 9, 30));
  EXPECT_THAT(ParseInstant("2026-03-16T09:30:00Z", "at"), IsOkAndHolds(Utc(2026, 3, 16, 9, 30)));
  EXPECT_THAT(ParseInstant("2026-03-16 09:30", "at").status(),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("--at")));
  EXPECT_THAT(ParseTimeBound("2026-02-30", "from").status(),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("--from")));
  EXPECT_THAT(ParseTimeBound("yesterday", "to").status(),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("--to")));

  EXPECT_EQ(FormatMinutes(45), "45m");
  EXPECT_EQ(FormatMinutes(185), "3h 05m");
  EXPECT_EQ(FormatCenti(3667), "36.67");
  EXPECT_EQ(FormatCenti(100), "1.00");
}

TEST_F(ActivityCliTest, RecordFlagsMakeOneActivity) {
  absl::SetFlag(&FLAGS_member, "mb_1");
  absl::SetFlag(&FLAGS_type, "deal_won");
  absl::SetFlag(&FLAGS_at, "2026-03-16T14:05:00+01:00");
  absl::SetFlag(&FLAGS_activity_id, "crm-42");
  absl::SetFlag(&FLAGS_deal, "deal-7");
  absl::SetFlag(&FLAGS_amount, "1250.5");
  absl::SetFlag(&FLAGS_currency, "EUR");
  ASSERT_OK_AND_ASSIGN(activitypb::Activity won, ActivityFromFlags(Utc(2026, 3, 20, 0, 0)));
  EXPECT_EQ(won.member_id(), "mb_1");
  EXPECT_EQ(won.type(), activitypb::ACTIVITY_TYPE_DEAL_WON);
  EXPECT_EQ(FromProto(won.occurred_at()), Utc(2026, 3, 16, 13, 5));
  EXPECT_EQ(won.activity_id(), "crm-42");
  EXPECT_EQ(won.deal_id(), "deal-7");
  EXPECT_EQ(won.amount().currency_code(), "EUR");
  EXPECT_EQ(won.amount().minor_units(), 125050);
  EXPECT_EQ(won.source_system(), "salesctl");

  // Without --at and --activity_id: now, and a fresh id each time.
  absl::FlagSaver inner;
  absl::SetFlag(&FLAGS_at, std::nullopt);
  absl::SetFlag(&FLAGS_activity_id, std::nullopt);
  ASSERT_OK_AND_ASSIGN(activitypb::Activity first, ActivityFromFlags(Utc(2026, 3, 20, 8, 0)));
  ASSERT_OK_AND_ASSIGN(activitypb::Activity second, ActivityFromFlags(Utc(2026, 3, 20, 8, 0)));
  EXPECT_EQ(FromProto(first.occurred_at()), Utc(2026, 3, 20, 8, 0));
  EXPECT_THAT(first.activity_id(), ContainsRegex("^salesctl-[0-9a-f]{24}$"));
  EXPECT_NE(first.activity_id(), second.activity_id());
}

TEST_F(ActivityCliTest, RecordFlagsRefuseWhatTheTypeCannotCarry) {
  absl::SetFlag(&FLAGS_member, "mb_1");
  absl::SetFlag(&FLAGS_type, "time-logged");
  EXPECT_THAT(ActivityFromFlags(absl::Now()).status(),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("--minutes is required with --type=time-logged")));
  absl::SetFlag(&FLAGS_minutes, 90);
  absl::SetFlag(&FLAGS_selling, true);
  ASSERT_OK_AND_ASSIGN(activitypb::Activity logged, ActivityFromFlags(absl::Now()));
  EXPECT_EQ(logged.minutes(), 90);
  EXPECT_TRUE(logged.selling());

  absl::SetFlag(&FLAGS_type, "CALL_MADE");
  EXPECT_THAT(ActivityFromFlags(absl::Now()).status(),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("--minutes applies to --type=time-logged only")));
  absl::SetFlag(&FLAGS_minutes, std::nullopt);
  absl::SetFlag(&FLAGS_selling, false);
  absl::SetFlag(&FLAGS_amount, "10");
  EXPECT_THAT(ActivityFromFlags(absl::Now()).status(),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("--amount needs --currency")));
  absl::SetFlag(&FLAGS_amount, std::nullopt);
  absl::SetFlag(&FLAGS_member, std::nullopt);
  EXPECT_THAT(ActivityFromFlags(absl::Now()).status(),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("--member is required")));

  // Flags of other commands, roster's or activity's, are refused by name.
  absl::SetFlag(&FLAGS_bucket, "week");
  EXPECT_THAT(CheckOnlyFlags({"member", "type"}),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("--bucket does not apply to this command")));
  absl::SetFlag(&FLAGS_bucket, std::nullopt);
  absl::SetFlag(&FLAGS_member_role, "manager");
  EXPECT_THAT(CheckOnlyFlags({"member", "type"}),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("--member_role")));
}

TEST_F(ActivityCliTest, ListFlagsMakeTheRequest) {
  absl::SetFlag(&FLAGS_team, "t_1");
  absl::SetFlag(&FLAGS_from, "2026-01-15");
  absl::SetFlag(&FLAGS_to, "2026-01-16T12:00:00Z");
  absl::SetFlag(&FLAGS_types, "call-made,deal-won");
  absl::SetFlag(&FLAGS_page_size, 50);
  absl::SetFlag(&FLAGS_page_token, "tok");
  ASSERT_OK_AND_ASSIGN(ListQuery query, ListQueryFromFlags());
  EXPECT_TRUE(query.NeedsTimeZone());
  ASSERT_OK_AND_ASSIGN(absl::TimeZone new_york, periods::LoadTimeZone("America/New_York", "z"));
  ASSERT_OK(ResolveListRange(query, new_york));
  const activitypb::ListActivitiesRequest& request = query.request;
  EXPECT_EQ(request.team_id(), "t_1");
  EXPECT_TRUE(request.member_id().empty());
  EXPECT_EQ(FromProto(request.start_time()), Utc(2026, 1, 15, 5, 0));
  EXPECT_EQ(FromProto(request.end_time()), Utc(2026, 1, 16, 12, 0));
  EXPECT_THAT(request.types(),
              ElementsAre(activitypb::ACTIVITY_TYPE_CALL_MADE, activitypb::ACTIVITY_TYPE_DEAL_WON));
  EXPECT_EQ(request.page_size(), 50);
  EXPECT_EQ(request.page_token(), "tok");

  absl::SetFlag(&FLAGS_to, "2026-01-15");
  ASSERT_OK_AND_ASSIGN(ListQuery empty, ListQueryFromFlags());
  EXPECT_THAT(ResolveListRange(empty, new_york),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("--to must be after")));

  absl::SetFlag(&FLAGS_member, "mb_1");
  EXPECT_THAT(ListQueryFromFlags().status(),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("exactly one of --member and --team")));
}

TEST_F(ActivityCliTest, KpiAndLeaderboardFlagsMakeTheRequests) {
  absl::SetFlag(&FLAGS_member, "mb_1");
  absl::SetFlag(&FLAGS_from, "2026-03-02");
  absl::SetFlag(&FLAGS_to, "2026-03-16");
  absl::SetFlag(&FLAGS_bucket, "week");
  ASSERT_OK_AND_ASSIGN(activitypb::GetKpisRequest kpis, KpisRequestFromFlags());
  EXPECT_EQ(kpis.member_id(), "mb_1");
  EXPECT_EQ(kpis.start_date().year(), 2026);
  EXPECT_EQ(kpis.start_date().month(), 3);
  EXPECT_EQ(kpis.start_date().day(), 2);
  EXPECT_EQ(kpis.end_date().day(), 16);
  EXPECT_EQ(kpis.bucket(), activitypb::KPI_BUCKET_WEEK);
  absl::SetFlag(&FLAGS_to, "2026-03-16T00:00:00Z");
  EXPECT_THAT(KpisRequestFromFlags().status(),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("--to")));
  absl::SetFlag(&FLAGS_to, std::nullopt);
  EXPECT_THAT(KpisRequestFromFlags().status(),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("--to is required")));

  absl::SetFlag(&FLAGS_member, std::nullopt);
  absl::SetFlag(&FLAGS_team, "t_1");
  absl::SetFlag(&FLAGS_to, "2026-03-16");
  absl::SetFlag(&FLAGS_metric, "count");
  EXPECT_THAT(LeaderboardRequestFromFlags().status(),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("needs --type")));
  absl::SetFlag(&FLAGS_type, "meeting_held");
  absl::SetFlag(&FLAGS_top, 3);
  ASSERT_OK_AND_ASSIGN(activitypb::GetLeaderboardRequest board, LeaderboardRequestFromFlags());
  EXPECT_EQ(board.team_id(), "t_1");
  EXPECT_EQ(board.metric(), activitypb::LEADERBOARD_METRIC_ACTIVITY_COUNT);
  EXPECT_EQ(board.activity_type(), activitypb::ACTIVITY_TYPE_MEETING_HELD);
  EXPECT_EQ(board.top_n(), 3);
  EXPECT_EQ(board.end_date().day(), 16);
  absl::SetFlag(&FLAGS_metric, "won_value");
  EXPECT_THAT(LeaderboardRequestFromFlags().status(),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("--type applies to --metric=count only")));
}

class ActivityFileTest : public ::testing::Test {
 protected:
  void SetUp() override { dir_ = testing::MakeTempDir("activity-file"); }
  void TearDown() override { std::system(absl::StrCat("rm -rf ", dir_).c_str()); }

  std::string Write(const std::string& name, const std::vector<std::string>& lines) {
    const std::string path = absl::StrCat(dir_, "/", name);
    std::ofstream out(path);
    for (const std::string& line : lines) out << line << "\n";
    return path;
  }

  std::string dir_;
};

TEST_F(ActivityFileTest, JsonLinesAreProto3Activities) {
  ASSERT_OK_AND_ASSIGN(activitypb::Activity won,
                       ParseActivityLine(R"({"activityId":"crm-9","memberId":"mb_1",)"
                                         R"("type":"ACTIVITY_TYPE_DEAL_WON",)"
                                         R"("occurredAt":"2026-03-16T10:00:00+01:00",)"
                                         R"("dealId":"d-1","amount":{"currency_code":"EUR",)"
                                         R"("minor_units":"125050"}})",
                                         "f.jsonl", 1));
  EXPECT_EQ(won.activity_id(), "crm-9");
  EXPECT_EQ(won.type(), activitypb::ACTIVITY_TYPE_DEAL_WON);
  EXPECT_EQ(FromProto(won.occurred_at()), Utc(2026, 3, 16, 9, 0));
  EXPECT_EQ(won.amount().minor_units(), 125050);
  EXPECT_THAT(ParseActivityLine(R"({"activity_id":"x","colour":"red"})", "f.jsonl", 7).status(),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("f.jsonl:7: ")));
  EXPECT_THAT(ParseActivityLine("activity_id=x", "f.jsonl", 8).status(),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("f.jsonl:8: ")));
}

TEST_F(ActivityFileTest, FilesGoInBatchesOfAThousandInFileOrder) {
  std::vector<std::string> lines;
  for (int i = 0; i < 2500; ++i) {
    lines.push_back(CallLine(absl::StrCat("crm-", i), "mb_1", i));
    if (i == 1200) lines.push_back("   ");  // blank lines are skipped
  }
  const std::string path = Write("calls.jsonl", lines);
  EXPECT_THAT(CheckActivityFile(path), IsOkAndHolds(2500));

  std::vector<int> sizes;
  std::vector<int64_t> line_numbers;
  std::vector<std::string> ids;
  ASSERT_OK(ForEachActivityBatch(path, kRecordBatchSize, [&](ActivityBatch& batch) {
    sizes.push_back(batch.request.activities_size());
    EXPECT_EQ(batch.line_numbers.size(), static_cast<size_t>(batch.request.activities_size()));
    line_numbers.insert(line_numbers.end(), batch.line_numbers.begin(), batch.line_numbers.end());
    for (const auto& activity : batch.request.activities()) ids.push_back(activity.activity_id());
    return absl::OkStatus();
  }));
  EXPECT_THAT(sizes, ElementsAre(1000, 1000, 500));
  ASSERT_THAT(ids, SizeIs(2500));
  EXPECT_EQ(ids[0], "crm-0");
  EXPECT_EQ(ids[2499], "crm-2499");
  EXPECT_EQ(line_numbers[1200], 1201);
  EXPECT_EQ(line_numbers[1201], 1203);  // after the blank line 1202

  // One bad line anywhere is found before anything would be sent; after the
  // blank line, lines[1800] is line 1801.
  lines[1800] = R"({"activity_id":"crm-1800","type":"PHONE_CALL"})";
  const std::string bad = Write("bad.jsonl", lines);
  EXPECT_THAT(CheckActivityFile(bad),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr(":1801: ")));
  EXPECT_THAT(CheckActivityFile(absl::StrCat(dir_, "/missing.jsonl")),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("--file: cannot read")));
  EXPECT_THAT(CheckActivityFile(Write("empty.jsonl", {})), IsOkAndHolds(0));
}

TEST(ActivityOutputTest, RecordResultsShowEachItemAndTheTotals) {
  activitypb::RecordActivitiesResponse first;
  auto* accepted = first.add_results();
  accepted->set_activity_id("crm-1");
  accepted->set_outcome(activitypb::RECORD_OUTCOME_ACCEPTED);
  auto* rejected = first.add_results();
  rejected->set_activity_id("crm-2");
  rejected->set_outcome(activitypb::RECORD_OUTCOME_REJECTED);
  rejected->set_code(static_cast<int>(absl::StatusCode::kInvalidArgument));
  rejected->set_reason("activities[1].minutes: must be between 1 and 1440, got 0");
  first.set_accepted_count(1);
  first.set_rejected_count(1);
  activitypb::RecordActivitiesResponse second;
  auto* duplicate = second.add_results();
  duplicate->set_activity_id("crm-3");
  duplicate->set_outcome(activitypb::RECORD_OUTCOME_DUPLICATE);
  auto* later = second.add_results();
  later->set_activity_id("crm-4");
  later->set_outcome(activitypb::RECORD_OUTCOME_REJECTED);
  later->set_code(static_cast<int>(absl::StatusCode::kUnavailable));
  later->set_reason("the roster did not answer");
  later->set_retryable(true);
  second.set_duplicate_count(1);
  second.set_rejected_count(1);
  activitypb::RecordActivitiesResponse all;
  MergeRecordResponse(first, &all);
  MergeRecordResponse(second, &all);
  EXPECT_EQ(all.results_size(), 4);
  EXPECT_EQ(all.rejected_count(), 2);

  const std::vector<int64_t> lines = {1, 2, 4, 5};
  const std::string out = CaptureStdout([&] { PrintRecordResults(all, lines); });
  EXPECT_THAT(out, ContainsRegex("LINE +ID +OUTCOME +REASON\n"));
  EXPECT_THAT(out, ContainsRegex("\n1 +crm-1 +accepted +-\n"));
  EXPECT_THAT(out, ContainsRegex("\n2 +crm-2 +rejected +INVALID_ARGUMENT: activities\\[1\\]\\."
                                 "minutes: must be between 1 and 1440, got 0\n"));
  EXPECT_THAT(out, ContainsRegex("\n4 +crm-3 +duplicate +-\n"));
  EXPECT_THAT(out, ContainsRegex("\n5 +crm-4 +rejected +UNAVAILABLE: the roster did not answer "
                                 "\\(retryable\\)\n"));
  EXPECT_THAT(out, HasSubstr("4 activities: 1 accepted, 1 duplicate, 2 rejected\n"));
  EXPECT_THAT(out, HasSubstr("1 rejected for now only (retryable)"));
  EXPECT_EQ(LineWith(out, "LINE").find("OUTCOME"), LineWith(out, "crm-3").find("duplicate"));
}

// A member's KPIs as the service would answer them.
activitypb::GetKpisResponse SampleKpis() {
  activitypb::GetKpisResponse response;
  response.set_time_zone("Europe/Berlin");
  response.set_currency_code("EUR");
  activitypb::Kpis& kpis = *response.mutable_total();
  const std::vector<std::pair<activitypb::ActivityType, int>> counts = {
      {activitypb::ACTIVITY_TYPE_LEAD_CREATED, 12}, {activitypb::ACTIVITY_TYPE_CALL_MADE, 40},
      {activitypb::ACTIVITY_TYPE_EMAIL_SENT, 0},    {activitypb::ACTIVITY_TYPE_MEETING_HELD, 6},
      {activitypb::ACTIVITY_TYPE_DEAL_WON, 3},      {activitypb::ACTIVITY_TYPE_DEAL_LOST, 1}};
  for (const auto& [type, count] : counts) {
    auto* entry = kpis.add_counts();
    entry->set_type(type);
    entry->set_count(count);
  }
  kpis.set_activity_count(58);
  kpis.set_deals_won(3);
  kpis.set_deals_lost(1);
  kpis.mutable_won_value()->set_currency_code("EUR");
  kpis.mutable_won_value()->set_minor_units(4500000);
  kpis.set_activities_per_won_deal_centi(1933);
  kpis.set_win_rate_bps(7500);
  activitypb::Funnel& funnel = *kpis.mutable_funnel();
  funnel.set_leads(12);
  funnel.set_meetings_held(6);
  funnel.set_proposals_sent(4);
  funnel.set_deals_won(3);
  funnel.set_lead_to_meeting_bps(5000);
  funnel.set_meeting_to_proposal_bps(6667);
  funnel.set_proposal_to_won_bps(7500);
  kpis.set_logged_minutes(2430);
  kpis.set_selling_minutes(850);
  kpis.set_selling_time_share_bps(3498);
  kpis.mutable_value_mix()->set_high_value_count(6);
  kpis.mutable_value_mix()->set_high_volume_count(52);
  kpis.mutable_value_mix()->set_high_value_share_bps(1034);
  kpis.mutable_value_mix()->set_mostly_volume_for_tier(true);
  kpis.set_out_of_stage_count(2);
  for (int day : {2, 9}) {
    activitypb::KpiBucketResult& bucket = *response.add_buckets();
    bucket.mutable_start_date()->set_year(2026);
    bucket.mutable_start_date()->set_month(3);
    bucket.mutable_start_date()->set_day(day);
    bucket.mutable_end_date()->set_year(2026);
    bucket.mutable_end_date()->set_month(3);
    bucket.mutable_end_date()->set_day(day + 7);
    bucket.mutable_kpis()->set_activity_count(29);
    bucket.mutable_kpis()->set_deals_won(day == 2 ? 1 : 2);
  }
  response.mutable_buckets(0)->mutable_kpis()->mutable_won_value()->set_currency_code("EUR");
  response.mutable_buckets(0)->mutable_kpis()->mutable_won_value()->set_minor_units(1250050);
  response.mutable_buckets(0)->mutable_kpis()->set_win_rate_bps(10000);
  return response;
}

activitypb::GetKpisRequest SampleKpisRequest() {
  activitypb::GetKpisRequest request;
  request.set_member_id("mb_1");
  request.mutable_start_date()->set_year(2026);
  request.mutable_start_date()->set_month(3);
  request.mutable_start_date()->set_day(2);
  request.mutable_end_date()->set_year(2026);
  request.mutable_end_date()->set_month(3);
  request.mutable_end_date()->set_day(16);
  request.set_bucket(activitypb::KPI_BUCKET_WEEK);
  return request;
}

TEST(ActivityOutputTest, KpisReadAsASummaryThenOneLinePerBucket) {
  const std::string out = CaptureStdout([&] { PrintKpis(SampleKpisRequest(), SampleKpis()); });
  EXPECT_THAT(out, HasSubstr("KPIs of member mb_1, 2026-03-02 .. 2026-03-15 (Europe/Berlin, "
                             "EUR)\n"));
  // Counts: the non-zero ones only.
  EXPECT_THAT(out, ContainsRegex("\n  call-made +40\n"));
  EXPECT_THAT(out, ContainsRegex("\n  deal-won +3\n"));
  EXPECT_THAT(out, Not(HasSubstr("email-sent")));
  EXPECT_THAT(out, ContainsRegex("\n  activities +58 "));
  EXPECT_THAT(out, ContainsRegex("\n  win rate +75%\n"));
  EXPECT_THAT(out, ContainsRegex("\n  won value +EUR 45,000.00\n"));
  EXPECT_THAT(out, ContainsRegex("\n  activities per won deal +19.33\n"));
  EXPECT_THAT(out, ContainsRegex("\n  meetings held +6  \\(50% of leads\\)\n"));
  EXPECT_THAT(out, ContainsRegex("\n  proposals sent +4  \\(66.67% of meetings\\)\n"));
  EXPECT_THAT(out, ContainsRegex("\n  logged +40h 30m\n"));
  EXPECT_THAT(out, ContainsRegex("\n  selling +14h 10m  \\(34.98% of logged time\\)\n"));
  EXPECT_THAT(out, ContainsRegex("\n  high-value share +10.34%\n"));
  EXPECT_THAT(out, ContainsRegex("\n  tier check +MOSTLY VOLUME"));
  EXPECT_THAT(out, ContainsRegex("\n  out of stage +2 "));
  EXPECT_THAT(out, HasSubstr("\nBy week\n"));
  EXPECT_THAT(out, ContainsRegex("\n2026-03-02 .. 2026-03-08 +29 +0 +0 +0 +1 +0 +100% +EUR "
                                 "12,500.50 +- +0\n"));
  EXPECT_THAT(out, ContainsRegex("\n2026-03-09 .. 2026-03-15 +29 +0 +0 +0 +2 +0 +- +EUR 0.00 "));

  // Without decided deals, logged time or buckets, the ratios say "-".
  activitypb::GetKpisRequest team = SampleKpisRequest();
  team.clear_member_id();
  team.set_team_id("t_1");
  team.clear_bucket();
  activitypb::GetKpisResponse empty;
  empty.set_time_zone("America/New_York");
  empty.set_currency_code("USD");
  const std::string quiet = CaptureStdout([&] { PrintKpis(team, empty); });
  EXPECT_THAT(quiet, HasSubstr("KPIs of team t_1"));
  EXPECT_THAT(quiet, ContainsRegex("\n  win rate +-\n"));
  EXPECT_THAT(quiet, ContainsRegex("\n  won value +USD 0.00\n"));
  EXPECT_THAT(quiet, HasSubstr("no activity in this range"));
  EXPECT_THAT(quiet, Not(HasSubstr("tier check")));  // member KPIs only
  EXPECT_THAT(quiet, Not(HasSubstr("By ")));
}

TEST(ActivityOutputTest, LeaderboardValuesAreInTheMetricsUnit) {
  activitypb::GetLeaderboardRequest request;
  request.set_team_id("t_1");
  request.set_metric(activitypb::LEADERBOARD_METRIC_WON_VALUE);
  *request.mutable_start_date() = SampleKpisRequest().start_date();
  *request.mutable_end_date() = SampleKpisRequest().end_date();
  activitypb::GetLeaderboardResponse response;
  for (const auto& [rank, id, value] : std::vector<std::tuple<int, std::string, int64_t>>{
           {1, "mb_a", 4500000}, {2, "mb_b", 1250050}, {2, "mb_c", 1250050}}) {
    auto* entry = response.add_entries();
    entry->set_rank(rank);
    entry->set_member_id(id);
    entry->set_value(value);
  }
  response.set_ranked_count(5);
  const std::string out = CaptureStdout([&] {
    PrintLeaderboard(request, response, "USD", {{"mb_a", "Hannah Cole"}});
  });
  EXPECT_THAT(out, HasSubstr("Team t_1 by won value, 2026-03-02 .. 2026-03-15\n"));
  EXPECT_THAT(out, ContainsRegex("\n1 +mb_a +Hannah Cole +USD 45,000.00\n"));
  EXPECT_THAT(out, ContainsRegex("\n2 +mb_c +- +USD 12,500.50\n"));
  EXPECT_THAT(out, HasSubstr("top 3 of 5 ranked members"));

  request.set_metric(activitypb::LEADERBOARD_METRIC_SELLING_TIME_SHARE);
  response.mutable_entries(0)->set_value(3550);
  EXPECT_THAT(CaptureStdout([&] { PrintLeaderboard(request, response, "", {}); }),
              ContainsRegex("\n1 +mb_a +- +35.5%\n"));
  request.set_metric(activitypb::LEADERBOARD_METRIC_ACTIVITY_COUNT);
  request.set_activity_type(activitypb::ACTIVITY_TYPE_CALL_MADE);
  response.mutable_entries(0)->set_value(42);
  const std::string counts = CaptureStdout([&] { PrintLeaderboard(request, response, "", {}); });
  EXPECT_THAT(counts, HasSubstr("by call-made count"));
  EXPECT_THAT(counts, ContainsRegex("\n1 +mb_a +- +42\n"));
}

// ---- The binary against a fake activity service and a real roster ----

// Answers as the real service does, from memory: an id is accepted once and
// then duplicate; logged time outside 1..1440 minutes is rejected; ids
// starting "later-" are rejected as retryable. Keeps every request.
class FakeActivityService final : public activitypb::ActivityService::Service {
 public:
  grpc::Status RecordActivities(grpc::ServerContext*,
                                const activitypb::RecordActivitiesRequest* request,
                                activitypb::RecordActivitiesResponse* response) override {
    absl::MutexLock lock(&mutex_);
    batch_sizes_.push_back(request->activities_size());
    for (int i = 0; i < request->activities_size(); ++i) {
      const activitypb::Activity& activity = request->activities(i);
      activitypb::RecordResult& result = *response->add_results();
      result.set_activity_id(activity.activity_id());
      if (recorded_.count(activity.activity_id()) > 0) {
        result.set_outcome(activitypb::RECORD_OUTCOME_DUPLICATE);
        response->set_duplicate_count(response->duplicate_count() + 1);
      } else if (activity.type() == activitypb::ACTIVITY_TYPE_TIME_LOGGED &&
                 (activity.minutes() < 1 || activity.minutes() > 1440)) {
        result.set_outcome(activitypb::RECORD_OUTCOME_REJECTED);
        result.set_code(static_cast<int>(absl::StatusCode::kInvalidArgument));
        result.set_reason(absl::StrCat("activities[", i,
                                       "].minutes: must be between 1 and 1440, "
                                       "got ",
                                       activity.minutes()));
        response->set_rejected_count(response->rejected_count() + 1);
      } else if (absl::StartsWith(activity.activity_id(), "later-")) {
        result.set_outcome(activitypb::RECORD_OUTCOME_REJECTED);
        result.set_code(static_cast<int>(absl::StatusCode::kUnavailable));
        result.set_reason("the roster could not be asked");
        result.set_retryable(true);
        response->set_rejected_count(response->rejected_count() + 1);
      } else {
        result.set_outcome(activitypb::RECORD_OUTCOME_ACCEPTED);
        recorded_[activity.activity_id()] = activity;
        response->set_accepted_count(response->accepted_count() + 1);
      }
    }
    return grpc::Status::OK;
  }

  grpc::Status ListActivities(grpc::ServerContext*,
                              const activitypb::ListActivitiesRequest* request,
                              activitypb::ListActivitiesResponse* response) override {
    absl::MutexLock lock(&mutex_);
    last_list_ = *request;
    for (const auto& [id, activity] : recorded_) {
      if (activity.member_id() == request->member_id()) *response->add_activities() = activity;
    }
    response->set_next_page_token("page-2");
    return grpc::Status::OK;
  }

  grpc::Status GetKpis(grpc::ServerContext*, const activitypb::GetKpisRequest* request,
                       activitypb::GetKpisResponse* response) override {
    absl::MutexLock lock(&mutex_);
    last_kpis_ = *request;
    *response = SampleKpis();
    return grpc::Status::OK;
  }

  grpc::Status GetLeaderboard(grpc::ServerContext*,
                              const activitypb::GetLeaderboardRequest* request,
                              activitypb::GetLeaderboardResponse* response) override {
    absl::MutexLock lock(&mutex_);
    last_leaderboard_ = *request;
    *response = leaderboard_;
    return grpc::Status::OK;
  }

  std::vector<int> TakeBatchSizes() {
    absl::MutexLock lock(&mutex_);
    return std::exchange(batch_sizes_, {});
  }
  std::optional<activitypb::Activity> Recorded(const std::string& id) {
    absl::MutexLock lock(&mutex_);
    auto it = recorded_.find(id);
    if (it == recorded_.end()) return std::nullopt;
    return it->second;
  }
  activitypb::ListActivitiesRequest last_list() {
    absl::MutexLock lock(&mutex_);
    return last_list_;
  }
  activitypb::GetKpisRequest last_kpis() {
    absl::MutexLock lock(&mutex_);
    return last_kpis_;
  }
  activitypb::GetLeaderboardRequest last_leaderboard() {
    absl::MutexLock lock(&mutex_);
    return last_leaderboard_;
  }
  void set_leaderboard(activitypb::GetLeaderboardResponse leaderboard) {
    absl::MutexLock lock(&mutex_);
    leaderboard_ = std::move(leaderboard);
  }

 private:
  absl::Mutex mutex_;
  std::vector<int> batch_sizes_ ABSL_GUARDED_BY(mutex_);
  std::map<std::string, activitypb::Activity> recorded_ ABSL_GUARDED_BY(mutex_);
  activitypb::ListActivitiesRequest last_list_ ABSL_GUARDED_BY(mutex_);
  activitypb::GetKpisRequest last_kpis_ ABSL_GUARDED_BY(mutex_);
  activitypb::GetLeaderboardRequest last_leaderboard_ ABSL_GUARDED_BY(mutex_);
  activitypb::GetLeaderboardResponse leaderboard_ ABSL_GUARDED_BY(mutex_);
};

struct Outcome {
  int exit_code = -1;
  std::string out;
  std::string err;
};

std::string ReadFile(const std::string& path) {
  std::ifstream file(path);
  std::ostringstream contents;
  contents << file.rdbuf();
  return contents.str();
}

class ActivityCommandsTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = new std::string(testing::MakeTempDir("activity-commands"));
    absl::StatusOr<std::unique_ptr<clients::testing::TestRoster>> roster =
        clients::testing::TestRoster::Start(kSecret, testing::CacheKind::kFake,
                                            absl::ZeroDuration());
    ASSERT_OK(roster.status());
    roster_ = roster->release();
    absl::StatusOr<std::unique_ptr<testing::ServiceHarness>> activity =
        testing::ServiceHarness::Create({.cache = testing::CacheKind::kNone, .secret = kSecret});
    ASSERT_OK(activity.status());
    activity_ = activity->release();
    auto fake = std::make_unique<FakeActivityService>();
    activity_service_ = fake.get();
    ASSERT_OK(activity_->Serve(activitypb::ActivityService::service_full_name(), std::move(fake)));
  }

  static void TearDownTestSuite() {
    delete activity_;
    delete roster_;
    std::system(absl::StrCat("rm -rf ", *dir_).c_str());
    delete dir_;
  }

  // Runs `salesctl <args>` against the test servers with a clean SALESTEAM_*
  // environment; salesctl mints its own admin token with the test secret.
  static Outcome Salesctl(const std::string& args) {
    const std::string err_file = absl::StrCat(*dir_, "/stderr");
    const std::string command =
        absl::StrCat("env -u SALESTEAM_TOKEN -u SALESTEAM_JSON SALESTEAM_JWT_SECRET=", kSecret,
                     " SALESTEAM_ROSTER_ADDRESS=", roster_->address(),
                     " SALESTEAM_ACTIVITY_ADDRESS=", activity_->address(), " ", SALESCTL_BINARY,
                     " ", args, " 2>", err_file);
    Outcome run;
    FILE* pipe = popen(command.c_str(), "r");
    if (pipe == nullptr) return run;
    char buffer[4096];
    size_t n;
    while ((n = fread(buffer, 1, sizeof(buffer), pipe)) > 0) run.out.append(buffer, n);
    const int status = pclose(pipe);
    run.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    run.err = ReadFile(err_file);
    return run;
  }

  template <typename Response>
  static Response Json(const std::string& args) {
    Outcome run = Salesctl(absl::StrCat(args, " --json"));
    Response response;
    EXPECT_EQ(run.exit_code, 0) << args << "\n" << run.err;
    EXPECT_TRUE(google::protobuf::util::JsonStringToMessage(run.out, &response).ok())
        << args << "\n"
        << run.out;
    return response;
  }

  static std::string WriteFile(const std::string& name, const std::vector<std::string>& lines) {
    const std::string path = absl::StrCat(*dir_, "/", name);
    std::ofstream out(path);
    for (const std::string& line : lines) out << line << "\n";
    return path;
  }

  static rosterpb::Team CreateTeam(const std::string& name, const std::string& zone,
                                   const std::string& currency) {
    return Json<rosterpb::CreateTeamResponse>(
               absl::StrCat("team-create --name='", name, "' --time_zone=", zone,
                            " --currency=", currency,
                            " --model=island --min_attainment_bps=9000 --consecutive_periods=2"))
        .team();
  }

  static rosterpb::Member CreateMember(const std::string& team_id, const std::string& name,
                                       const std::string& email) {
    return Json<rosterpb::CreateMemberResponse>(
               absl::StrCat("member-create --team=", team_id, " --member_role=full-cycle --name='",
                            name, "' --email=", email, " --value_tier=2 --hire_date=2020-01-01"))
        .member();
  }

  static std::string* dir_;
  static clients::testing::TestRoster* roster_;
  static testing::ServiceHarness* activity_;
  static FakeActivityService* activity_service_;
};

std::string* ActivityCommandsTest::dir_ = nullptr;
clients::testing::TestRoster* ActivityCommandsTest::roster_ = nullptr;
testing::ServiceHarness* ActivityCommandsTest::activity_ = nullptr;
FakeActivityService* ActivityCommandsTest::activity_service_ = nullptr;

TEST_F(ActivityCommandsTest, RecordFromFlagsSendsOneActivity) {
  Outcome run = Salesctl(
      "activity-record --member=mb_flags --type=deal-won --at=2026-03-16T15:00:00+01:00 "
      "--activity_id=crm-flags-1 --deal=deal-77 --amount=1250.5 --currency=EUR --source=crm");
  ASSERT_EQ(run.exit_code, 0) << run.err;
  EXPECT_THAT(run.out, ContainsRegex("ID +OUTCOME +REASON\ncrm-flags-1 +accepted"));
  EXPECT_THAT(run.out, HasSubstr("1 activity: 1 accepted, 0 duplicate, 0 rejected"));
  EXPECT_THAT(activity_service_->TakeBatchSizes(), ElementsAre(1));
  std::optional<activitypb::Activity> sent = activity_service_->Recorded("crm-flags-1");
  ASSERT_TRUE(sent.has_value());
  EXPECT_EQ(sent->type(), activitypb::ACTIVITY_TYPE_DEAL_WON);
  EXPECT_EQ(sent->member_id(), "mb_flags");
  EXPECT_EQ(FromProto(sent->occurred_at()), Utc(2026, 3, 16, 14, 0));
  EXPECT_EQ(sent->amount().minor_units(), 125050);
  EXPECT_EQ(sent->amount().currency_code(), "EUR");
  EXPECT_EQ(sent->deal_id(), "deal-77");
  EXPECT_EQ(sent->source_system(), "crm");

  // The same id again changes nothing; --json prints the response.
  activitypb::RecordActivitiesResponse again = Json<activitypb::RecordActivitiesResponse>(
      "activity-record --member=mb_flags --type=DEAL_WON --activity_id=crm-flags-1 "
      "--amount=99 --currency=EUR");
  ASSERT_THAT(again.results(), SizeIs(1));
  EXPECT_EQ(again.results(0).outcome(), activitypb::RECORD_OUTCOME_DUPLICATE);
  EXPECT_EQ(activity_service_->Recorded("crm-flags-1")->amount().minor_units(), 125050);
  activity_service_->TakeBatchSizes();
}

TEST_F(ActivityCommandsTest, RecordAFileInBatchesAndExitOneOnARejectedItem) {
  std::vector<std::string> lines;
  for (int i = 0; i < 2300; ++i) lines.push_back(CallLine(absl::StrCat("bulk-", i), "mb_bulk", i));
  // Line 1501: logged time with 0 minutes, which the service refuses.
  lines[1500] = R"({"activity_id":"bulk-1500","member_id":"mb_bulk","type":"ACTIVITY_TYPE_)"
                R"(TIME_LOGGED","occurred_at":"2026-03-16T12:00:00Z","minutes":0})";
  const std::string path = WriteFile("bulk.jsonl", lines);

  Outcome run = Salesctl(absl::StrCat("activity-record --file=", path));
  EXPECT_EQ(run.exit_code, 1) << run.err;
  EXPECT_THAT(activity_service_->TakeBatchSizes(), ElementsAre(1000, 1000, 300));
  EXPECT_THAT(run.out, ContainsRegex("\n1501 +bulk-1500 +rejected +INVALID_ARGUMENT: "
                                     "activities\\[500\\]\\.minutes: must be between 1 and 1440"));
  EXPECT_THAT(run.out, ContainsRegex("\n2300 +bulk-2299 +accepted"));
  EXPECT_THAT(run.out, HasSubstr("2300 activities: 2299 accepted, 0 duplicate, 1 rejected\n"));
  EXPECT_TRUE(activity_service_->Recorded("bulk-2299").has_value());

  // Sending the file again records nothing twice.
  lines[1500] = CallLine("bulk-1500", "mb_bulk");
  activitypb::RecordActivitiesResponse again = Json<activitypb::RecordActivitiesResponse>(
      absl::StrCat("activity-record --file=", WriteFile("bulk-fixed.jsonl", lines)));
  EXPECT_EQ(again.results_size(), 2300);
  EXPECT_EQ(again.accepted_count(), 1);
  EXPECT_EQ(again.duplicate_count(), 2299);
  EXPECT_EQ(again.rejected_count(), 0);
  EXPECT_EQ(again.results(1500).activity_id(), "bulk-1500");
  EXPECT_EQ(again.results(1500).outcome(), activitypb::RECORD_OUTCOME_ACCEPTED);
  EXPECT_THAT(activity_service_->TakeBatchSizes(), ElementsAre(1000, 1000, 300));

  // Retryable refusals say so.
  Outcome later = Salesctl(absl::StrCat(
      "activity-record --file=", WriteFile("later.jsonl", {CallLine("later-1", "mb_bulk")})));
  EXPECT_EQ(later.exit_code, 1);
  EXPECT_THAT(later.out, HasSubstr("(retryable)"));
  activity_service_->TakeBatchSizes();
}

TEST_F(ActivityCommandsTest, AMalformedFileSendsNothing) {
  const std::string path = WriteFile(
      "malformed.jsonl", {CallLine("never-1", "mb_x"), "{\"activity_id\": \"never-2\",", ""});
  Outcome run = Salesctl(absl::StrCat("activity-record --file=", path));
  EXPECT_EQ(run.exit_code, 2);
  EXPECT_THAT(run.err, HasSubstr(absl::StrCat(path, ":2: not an Activity in proto3 JSON")));
  EXPECT_THAT(activity_service_->TakeBatchSizes(), SizeIs(0));
  EXPECT_FALSE(activity_service_->Recorded("never-1").has_value());

  Outcome mixed = Salesctl(absl::StrCat("activity-record --file=", path, " --member=mb_x"));
  EXPECT_EQ(mixed.exit_code, 2);
  EXPECT_THAT(mixed.err, HasSubstr("--member does not apply to this command"));
}

TEST_F(ActivityCommandsTest, ListDaysStartInTheTeamsZoneFromTheRoster) {
  rosterpb::Team team = CreateTeam("List Team", "America/New_York", "USD");
  rosterpb::Member member = CreateMember(team.id(), "Lena List", "lena.list@example.com");
  ASSERT_EQ(Salesctl(absl::StrCat("activity-record --member=", member.id(),
                                  " --type=time-logged --minutes=45 --selling "
                                  "--at=2026-01-15T14:00:00Z --activity_id=list-1"))
                .exit_code,
            0);
  ASSERT_EQ(Salesctl(absl::StrCat("activity-record --member=", member.id(),
                                  " --type=deal-won --amount=12500 --currency=USD --deal=d-9 "
                                  "--at=2026-01-15T16:00:00Z --activity_id=list-2"))
                .exit_code,
            0);
  activity_service_->TakeBatchSizes();

  Outcome run = Salesctl(absl::StrCat("activity-list --member=", member.id(),
                                      " --from=2026-01-15 --to=2026-01-16 --types=time-logged,"
                                      "DEAL_WON --page_size=20"));
  ASSERT_EQ(run.exit_code, 0) << run.err;
  activitypb::ListActivitiesRequest sent = activity_service_->last_list();
  EXPECT_EQ(sent.member_id(), member.id());
  EXPECT_EQ(FromProto(sent.start_time()), Utc(2026, 1, 15, 5, 0));  // New York, EST
  EXPECT_EQ(FromProto(sent.end_time()), Utc(2026, 1, 16, 5, 0));
  EXPECT_THAT(sent.types(), ElementsAre(activitypb::ACTIVITY_TYPE_TIME_LOGGED,
                                        activitypb::ACTIVITY_TYPE_DEAL_WON));
  EXPECT_EQ(sent.page_size(), 20);
  EXPECT_THAT(run.out, ContainsRegex("TIME +MEMBER +TYPE +DEAL +AMOUNT +MINUTES +SOURCE +ID\n"));
  EXPECT_THAT(run.out, ContainsRegex(absl::StrCat("2026-01-15T14:00:00Z +", member.id(),
                                                  " +time-logged +- +- +45 selling +salesctl "
                                                  "+list-1\n")));
  EXPECT_THAT(run.out, ContainsRegex(absl::StrCat("2026-01-15T16:00:00Z +", member.id(),
                                                  " +deal-won +d-9 +USD 12,500.00 +- ")));
  EXPECT_THAT(run.out, HasSubstr("next page: --page_token=page-2"));

  // --time_zone instead of the roster; RFC 3339 instants need neither.
  ASSERT_EQ(
      Salesctl("activity-list --team=t_any --from=2026-01-15 --time_zone=Asia/Tokyo").exit_code, 0);
  EXPECT_EQ(FromProto(activity_service_->last_list().start_time()), Utc(2026, 1, 14, 15, 0));
  EXPECT_FALSE(activity_service_->last_list().has_end_time());
  Outcome unknown = Salesctl("activity-list --member=mb_nobody --from=2026-01-15");
  EXPECT_EQ(unknown.exit_code, 1);
  EXPECT_THAT(unknown.err, HasSubstr("NOT_FOUND"));
  EXPECT_THAT(unknown.err, HasSubstr("give --time_zone"));
  ASSERT_EQ(Salesctl("activity-list --member=mb_nobody --from=2026-01-15T00:00:00Z").exit_code, 0);
}

TEST_F(ActivityCommandsTest, KpisPrintTheSummaryOrTheResponse) {
  Outcome run = Salesctl("kpis --member=mb_1 --from=2026-03-02 --to=2026-03-16 --bucket=week");
  ASSERT_EQ(run.exit_code, 0) << run.err;
  activitypb::GetKpisRequest sent = activity_service_->last_kpis();
  EXPECT_EQ(sent.member_id(), "mb_1");
  EXPECT_EQ(sent.start_date().day(), 2);
  EXPECT_EQ(sent.end_date().day(), 16);
  EXPECT_EQ(sent.bucket(), activitypb::KPI_BUCKET_WEEK);
  EXPECT_THAT(run.out, HasSubstr("KPIs of member mb_1, 2026-03-02 .. 2026-03-15"));
  EXPECT_THAT(run.out, ContainsRegex("won value +EUR 45,000.00"));
  EXPECT_THAT(run.out, HasSubstr("By week"));

  activitypb::GetKpisResponse json =
      Json<activitypb::GetKpisResponse>("kpis --team=t_1 --from=2026-03-02 --to=2026-03-16");
  EXPECT_EQ(json.total().won_value().minor_units(), 4500000);
  EXPECT_EQ(activity_service_->last_kpis().team_id(), "t_1");
  EXPECT_EQ(activity_service_->last_kpis().bucket(), activitypb::KPI_BUCKET_UNSPECIFIED);
}

TEST_F(ActivityCommandsTest, LeaderboardShowsNamesAndTheTeamsCurrency) {
  rosterpb::Team team = CreateTeam("Board Team", "America/New_York", "USD");
  rosterpb::Member hannah = CreateMember(team.id(), "Hannah Board", "hannah.board@example.com");
  activitypb::GetLeaderboardResponse board;
  auto* first = board.add_entries();
  first->set_rank(1);
  first->set_member_id(hannah.id());
  first->set_value(4500050);
  auto* second = board.add_entries();
  second->set_rank(2);
  second->set_member_id("mb_gone");
  second->set_value(100);
  board.set_ranked_count(2);
  activity_service_->set_leaderboard(board);

  Outcome run = Salesctl(absl::StrCat("leaderboard --team=", team.id(),
                                      " --metric=won_value --from=2026-03-01 --to=2026-04-01 "
                                      "--top=2"));
  ASSERT_EQ(run.exit_code, 0) << run.err;
  EXPECT_EQ(activity_service_->last_leaderboard().top_n(), 2);
  EXPECT_EQ(activity_service_->last_leaderboard().metric(),
            activitypb::LEADERBOARD_METRIC_WON_VALUE);
  EXPECT_THAT(run.out, HasSubstr(absl::StrCat("Team ", team.id(),
                                              " by won value, 2026-03-01 .. 2026-03-31")));
  EXPECT_THAT(run.out,
              ContainsRegex(absl::StrCat("\n1 +", hannah.id(), " +Hannah Board +USD 45,000.50\n")));
  EXPECT_THAT(run.out, ContainsRegex("\n2 +mb_gone +- +USD 1.00\n"));

  activitypb::GetLeaderboardResponse json = Json<activitypb::GetLeaderboardResponse>(
      absl::StrCat("leaderboard --team=", team.id(),
                   " --metric=count --type=CALL_MADE --from=2026-03-01 --to=2026-04-01"));
  EXPECT_EQ(json.entries_size(), 2);
  EXPECT_EQ(activity_service_->last_leaderboard().activity_type(),
            activitypb::ACTIVITY_TYPE_CALL_MADE);
}

TEST_F(ActivityCommandsTest, BadCommandLinesExitTwoAndAMissingServiceOne) {
  struct Case {
    std::string args;
    std::string message;
  };
  const std::vector<Case> cases = {
      {"activity-record --type=call-made", "--member is required"},
      {"activity-record --member=m --type=call-made --bucket=week",
       "--bucket does not apply to this command"},
      {"activity-record --member=m --type=call-made --at=yesterday", "--at: \"yesterday\""},
      {"activity-list --from=2026-03-01", "exactly one of --member and --team"},
      {"activity-list --team=t --time_zone=Mars/Olympus", "--time_zone"},
      {"kpis --team=t --from=2026-03-01", "--to is required"},
      {"kpis --team=t --from=2026-03-01 --to=2026-03-08 --bucket=month",
       "--bucket: unknown value \"month\" (one of: day, week)"},
      {"leaderboard --team=t --metric=won_value --from=2026-03-01 --to=2026-03-08 --type=call",
       "--type applies to --metric=count only"},
      {"leaderboard --metric=win_rate --from=2026-03-01 --to=2026-03-08", "--team is required"},
  };
  for (const Case& c : cases) {
    Outcome run = Salesctl(c.args);
    EXPECT_EQ(run.exit_code, 2) << c.args << "\n" << run.err;
    EXPECT_THAT(run.err, HasSubstr(c.message)) << c.args;
  }

  const int nowhere = testing::PickUnusedPort();
  Outcome down = Salesctl(absl::StrCat("kpis --team=t --from=2026-03-01 --to=2026-03-08 ",
                                       "--timeout=2s --activity_address=127.0.0.1:", nowhere));
  EXPECT_EQ(down.exit_code, 1);
  EXPECT_THAT(down.err, HasSubstr("UNAVAILABLE"));
}

}  // namespace
}  // namespace salesteam::salesctl::activity_cli
