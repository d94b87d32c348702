#include "tools/loadgen/prober.h"

#include <algorithm>
#include <set>
#include <string>

#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"
#include "common/testing/status_matchers.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "services/activity/domain.h"

namespace salesteam::loadgen {
namespace {

namespace activitypb = ::salesteam::activity::v1;

using ::salesteam::testing::IsOk;
using ::salesteam::testing::StatusIs;

activity::TeamFacts Team(const std::string& id, const std::string& zone) {
  rosterpb::Team team;
  team.set_id(id);
  team.set_time_zone(zone);
  team.set_currency_code("EUR");
  team.set_sales_model(rosterpb::SALES_MODEL_ISLAND);
  return *clients::RosterTeamFromProto(team);
}

// Berlin is a day ahead of Los Angeles late in the UTC evening.
LoadRoster TwoZones() {
  LoadRoster roster;
  roster.teams.push_back(Team("t-berlin", "Europe/Berlin"));
  roster.teams.push_back(Team("t-la", "America/Los_Angeles"));
  roster.members.push_back({"mb-berlin", 0, rosterpb::MEMBER_ROLE_FULL_CYCLE});
  roster.members.push_back({"mb-la", 1, rosterpb::MEMBER_ROLE_FULL_CYCLE});
  return roster;
}

// 2026-03-18 23:30 UTC: 2026-03-19 00:30 in Berlin, 2026-03-18 16:30 in LA.
const absl::Time kNow =
    absl::FromCivil(absl::CivilSecond(2026, 3, 18, 23, 30, 0), absl::UTCTimeZone());

std::string Day(const type::v1::Date& date) {
  return absl::StrCat(date.year(), "-", date.month(), "-", date.day());
}

TEST(KpisProbeRequestTest, AsksAMembersAndATeamsLastSevenDaysInTurnByDay) {
  const LoadRoster roster = TwoZones();
  // Even calls: a member, over the last 7 days of their team's zone.
  activitypb::GetKpisRequest member = KpisProbeRequest(roster, 0, /*random=*/0, kNow);
  EXPECT_EQ(member.member_id(), "mb-berlin");
  EXPECT_TRUE(member.team_id().empty());
  EXPECT_EQ(Day(member.start_date()), "2026-3-13");
  EXPECT_EQ(Day(member.end_date()), "2026-3-20");  // exclusive: today (the 19th) counts
  EXPECT_EQ(member.bucket(), activitypb::KPI_BUCKET_DAY);
  // Odd calls: a team, in its own zone.
  activitypb::GetKpisRequest team = KpisProbeRequest(roster, 1, /*random=*/1, kNow);
  EXPECT_EQ(team.team_id(), "t-la");
  EXPECT_TRUE(team.member_id().empty());
  EXPECT_EQ(Day(team.start_date()), "2026-3-12");
  EXPECT_EQ(Day(team.end_date()), "2026-3-19");
  EXPECT_EQ(team.bucket(), activitypb::KPI_BUCKET_DAY);
}

TEST(KpisProbeRequestTest, SpreadsOverEveryMemberAndTeam) {
  LoadRoster roster = TwoZones();
  for (int i = 0; i < 8; ++i) {
    roster.members.push_back({absl::StrCat("mb-", i), i % 2, rosterpb::MEMBER_ROLE_FULL_CYCLE});
  }
  std::set<std::string> members;
  std::set<std::string> teams;
  for (uint64_t random = 0; random < 100; ++random) {
    members.insert(KpisProbeRequest(roster, 2, random, kNow).member_id());
    teams.insert(KpisProbeRequest(roster, 3, random, kNow).team_id());
  }
  EXPECT_EQ(members.size(), roster.members.size());
  EXPECT_EQ(teams.size(), roster.teams.size());
}

TEST(LeaderboardProbeRequestTest, AsksATeamsTopTenByWonValueOverTheLastSevenDays) {
  const LoadRoster roster = TwoZones();
  activitypb::GetLeaderboardRequest request = LeaderboardProbeRequest(roster, 0, kNow);
  EXPECT_EQ(request.team_id(), "t-berlin");
  EXPECT_EQ(request.metric(), activitypb::LEADERBOARD_METRIC_WON_VALUE);
  EXPECT_EQ(request.top_n(), 10);
  EXPECT_EQ(Day(request.start_date()), "2026-3-13");
  EXPECT_EQ(Day(request.end_date()), "2026-3-20");
  EXPECT_EQ(LeaderboardProbeRequest(roster, 1, kNow).team_id(), "t-la");
}

TEST(PacedProbeTest, CallsAtItsRateAndNumbersEveryCallOnce) {
  absl::Mutex mu;
  std::set<int64_t> numbers;
  PacedProbe probe(
      {.name = "test", .rate = 200, .callers = 2, .call = [&](int64_t n, absl::BitGen&) {
         absl::MutexLock lock(&mu);
         EXPECT_TRUE(numbers.insert(n).second) << n;
         return absl::OkStatus();
       }});
  absl::SleepFor(absl::Milliseconds(500));
  probe.Stop();
  const ProbeSummary summary = probe.Summary();
  // 200/s for about 0.5 s: about 100 calls; not a closed loop's thousands.
  EXPECT_GE(summary.elapsed, absl::Milliseconds(500));
  EXPECT_GE(summary.calls, 0.8 * 200 * absl::ToDoubleSeconds(summary.elapsed));
  EXPECT_LE(summary.calls, 200 * absl::ToDoubleSeconds(summary.elapsed) + 2);
  EXPECT_EQ(summary.errors, 0);
  absl::MutexLock lock(&mu);
  EXPECT_EQ(static_cast<int64_t>(numbers.size()), summary.calls);
  EXPECT_EQ(*numbers.rbegin(), summary.calls - 1);
  probe.Stop();  // again: nothing happens
}

TEST(PacedProbeTest, ChargesALateCallForItsWait) {
  // Calls take 25 ms but are due every 10 ms: each starts later than
  // scheduled, and its latency counts from when it was due.
  PacedProbe probe({.name = "slow", .rate = 100, .callers = 1, .call = [](int64_t, absl::BitGen&) {
                      absl::SleepFor(absl::Milliseconds(25));
                      return absl::OkStatus();
                    }});
  absl::SleepFor(absl::Milliseconds(300));
  probe.Stop();
  const ProbeSummary summary = probe.Summary();
  ASSERT_GE(summary.calls, 5);
  EXPECT_GE(summary.LatencyPercentile(0), 24.0);
  // The n-th call is due at 10n ms and ends at 25(n + 1) ms: 15 ms later
  // each time, so the last of 10+ calls waited well over 100 ms.
  EXPECT_GE(summary.latencies_ms.back(), 25.0 + 15.0 * (summary.calls - 2));
  EXPECT_TRUE(std::is_sorted(summary.latencies_ms.begin(), summary.latencies_ms.end()));
}

TEST(PacedProbeTest, CountsFailedCallsByCode) {
  PacedProbe probe(
      {.name = "flaky", .rate = 400, .callers = 2, .call = [](int64_t n, absl::BitGen&) {
         return n % 2 == 1 ? absl::UnavailableError("server busy") : absl::OkStatus();
       }});
  absl::SleepFor(absl::Milliseconds(200));
  probe.Stop();
  const ProbeSummary summary = probe.Summary();
  ASSERT_GT(summary.calls, 10);
  EXPECT_EQ(summary.errors, summary.calls / 2);
  EXPECT_EQ(summary.errors_by_code.at(static_cast<int>(absl::StatusCode::kUnavailable)),
            summary.errors);
  EXPECT_THAT(summary.first_error, ::testing::HasSubstr("server busy"));
  EXPECT_EQ(static_cast<int64_t>(summary.latencies_ms.size()), summary.calls);
}

TEST(ValidateProbeSpecTest, RefusesRatesAndCallersThatCannotBeKept) {
  const ProbeCall ok = [](int64_t, absl::BitGen&) { return absl::OkStatus(); };
  EXPECT_THAT(ValidateProbeSpec({.name = "p", .rate = 10, .callers = 2, .call = ok}), IsOk());
  EXPECT_THAT(ValidateProbeSpec({.name = "p", .rate = 0, .callers = 1, .call = ok}),
              StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(ValidateProbeSpec({.name = "p", .rate = 1, .callers = 2, .call = ok}),
              StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(ValidateProbeSpec({.name = "p", .rate = 10, .callers = 0, .call = ok}),
              StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(ValidateProbeSpec({.name = "p", .rate = 10, .callers = 1, .call = nullptr}),
              StatusIs(absl::StatusCode::kInvalidArgument));
}

}  // namespace
}  // namespace salesteam::loadgen
