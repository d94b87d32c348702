#include "tools/loadgen/driver.h"

#include <atomic>
#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "absl/synchronization/mutex.h"
#include "common/testing/status_matchers.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "services/activity/domain.h"

namespace salesteam::loadgen {
namespace {

using ::salesteam::testing::IsOk;
using ::salesteam::testing::StatusIs;

LoadRoster OneTeam() {
  rosterpb::Team team;
  team.set_id("t-1");
  team.set_time_zone("Europe/Berlin");
  team.set_currency_code("EUR");
  team.set_sales_model(rosterpb::SALES_MODEL_ISLAND);
  LoadRoster roster;
  roster.teams.push_back(*clients::RosterTeamFromProto(team));
  for (int i = 0; i < 10; ++i) {
    roster.members.push_back({"mb-" + std::to_string(i), 0, rosterpb::MEMBER_ROLE_FULL_CYCLE});
  }
  return roster;
}

// Judges items as the activity service would, without a database: invalid
// items, unknown members and foreign currencies are rejected, repeated ids
// are duplicates, the rest accepted.
class JudgingTarget final : public Target {
 public:
  explicit JudgingTarget(const LoadRoster& roster) : roster_(roster) {}

  void RunWorker(int, BatchSource& source, LoadStats& stats) override {
    google::protobuf::RepeatedPtrField<activity::v1::Activity> items;
    while (source.Next(&items)) {
      stats.Sent(items.size());
      google::protobuf::RepeatedPtrField<activity::v1::RecordResult> results;
      for (const activity::v1::Activity& item : items) Judge(item, results.Add());
      stats.Answered(absl::Milliseconds(1), results);
    }
  }

 private:
  void Judge(const activity::v1::Activity& item, activity::v1::RecordResult* result) {
    result->set_activity_id(item.activity_id());
    absl::Status status = activity::ValidateActivity(item, "a", absl::Now());
    const LoadRoster::Member* member = nullptr;
    for (const LoadRoster::Member& candidate : roster_.members) {
      if (candidate.id == item.member_id()) member = &candidate;
    }
    if (status.ok() && member == nullptr) status = absl::NotFoundError("member");
    if (status.ok() && item.has_amount() &&
        item.amount().currency_code() != roster_.teams[member->team].currency_code) {
      status = absl::InvalidArgumentError("currency");
    }
    if (!status.ok()) {
      result->set_outcome(activity::v1::RECORD_OUTCOME_REJECTED);
      result->set_code(static_cast<int>(status.code()));
      return;
    }
    absl::MutexLock lock(&mu_);
    result->set_outcome(recorded_.insert(item.activity_id()).second
                            ? activity::v1::RECORD_OUTCOME_ACCEPTED
                            : activity::v1::RECORD_OUTCOME_DUPLICATE);
  }

  const LoadRoster& roster_;
  absl::Mutex mu_;
  absl::flat_hash_set<std::string> recorded_ ABSL_GUARDED_BY(mu_);
};

// Fails every batch as a whole, as an unreachable server does.
class FailingTarget final : public Target {
 public:
  void RunWorker(int, BatchSource& source, LoadStats& stats) override {
    google::protobuf::RepeatedPtrField<activity::v1::Activity> items;
    while (source.Next(&items)) {
      stats.Sent(items.size());
      stats.Failed(absl::UnavailableError("connection refused"));
    }
  }
};

LoadOptions Options() {
  LoadOptions options;
  options.concurrency = 3;
  options.batch = 100;
  options.events = 10000;
  options.report_every = absl::ZeroDuration();
  options.generator.now = absl::Now();
  options.generator.duplicate_rate = 0.02;
  options.generator.bad_rate = 0.01;
  return options;
}

TEST(RunLoadTest, SendsExactlyTheEventsAndCountsEveryAnswer) {
  const LoadRoster roster = OneTeam();
  JudgingTarget target(roster);
  LoadOptions options = Options();
  options.events = 10001;  // not a multiple of the workers or the batch
  absl::StatusOr<LoadSummary> summary = RunLoad("test", target, roster, options, stdout);
  ASSERT_THAT(summary, IsOk());
  EXPECT_EQ(summary->counts.sent, 10001);
  EXPECT_EQ(summary->generated.total(), 10001);
  EXPECT_TRUE(summary->ok());
  // Every item got the answer the generator meant it to get.
  EXPECT_EQ(summary->counts.accepted, summary->generated.good);
  EXPECT_EQ(summary->counts.duplicate, summary->generated.duplicate);
  EXPECT_EQ(summary->counts.rejected, summary->generated.bad);
  EXPECT_GT(summary->counts.duplicate, 0);
  EXPECT_GT(summary->counts.rejected, 0);
  int64_t by_code = 0;
  for (const auto& [code, count] : summary->rejected_by_code) {
    EXPECT_TRUE(code == static_cast<int>(absl::StatusCode::kInvalidArgument) ||
                code == static_cast<int>(absl::StatusCode::kNotFound))
        << code;
    by_code += count;
  }
  EXPECT_EQ(by_code, summary->counts.rejected);
  // 3,334 + 3,334 + 3,333 items in batches of up to 100: 34 + 34 + 34.
  EXPECT_EQ(summary->counts.batches, 102);
  EXPECT_EQ(summary->latencies_ms.size(), 102u);
}

TEST(RunLoadTest, FailedCallsMakeTheRunFail) {
  const LoadRoster roster = OneTeam();
  FailingTarget target;
  absl::StatusOr<LoadSummary> summary = RunLoad("test", target, roster, Options(), stdout);
  ASSERT_THAT(summary, IsOk());
  EXPECT_FALSE(summary->ok());
  EXPECT_FALSE(summary->Balanced());
  EXPECT_EQ(summary->counts.sent, 10000);
  EXPECT_EQ(summary->counts.errors, 102);  // every batch of the three workers
  EXPECT_EQ(summary->errors_by_code.at(static_cast<int>(absl::StatusCode::kUnavailable)),
            summary->counts.errors);
  EXPECT_THAT(summary->first_error, ::testing::HasSubstr("connection refused"));
}

TEST(RunLoadTest, DurationEndsARunWithoutAnEventLimit) {
  const LoadRoster roster = OneTeam();
  JudgingTarget target(roster);
  LoadOptions options = Options();
  options.events = 0;
  options.duration = absl::Milliseconds(300);
  const absl::Time start = absl::Now();
  absl::StatusOr<LoadSummary> summary = RunLoad("test", target, roster, options, stdout);
  ASSERT_THAT(summary, IsOk());
  EXPECT_LT(absl::Now() - start, absl::Seconds(5));
  EXPECT_GT(summary->counts.sent, 0);
  EXPECT_TRUE(summary->ok());
}

TEST(RunLoadTest, RunsProbesBesideTheWorkersAndFailsWhenTheyFail) {
  const LoadRoster roster = OneTeam();
  JudgingTarget target(roster);
  LoadOptions options = Options();
  options.events = 0;
  options.duration = absl::Milliseconds(400);
  std::atomic<int64_t> reads{0};
  std::vector<ProbeSpec> probes;
  probes.push_back(
      {.name = "GetKpis", .rate = 100, .callers = 2, .call = [&](int64_t, absl::BitGen&) {
         reads.fetch_add(1);
         return absl::OkStatus();
       }});
  probes.push_back(
      {.name = "GetLeaderboard", .rate = 50, .callers = 1, .call = [](int64_t, absl::BitGen&) {
         return absl::PermissionDeniedError("not a manager of this team");
       }});
  absl::StatusOr<LoadSummary> summary = RunLoad("test", target, roster, options, stdout, probes);
  ASSERT_THAT(summary, IsOk());
  ASSERT_EQ(summary->probes.size(), 2u);
  const ProbeSummary& kpis = summary->probes[0];
  EXPECT_EQ(kpis.name, "GetKpis");
  // 100/s while the workers ran (about 0.4 s), and no longer.
  EXPECT_LE(kpis.elapsed, summary->elapsed + absl::Milliseconds(50));
  EXPECT_GE(kpis.elapsed, absl::Milliseconds(350));
  EXPECT_GE(kpis.calls, 0.8 * 100 * absl::ToDoubleSeconds(kpis.elapsed));
  EXPECT_LE(kpis.calls, 100 * absl::ToDoubleSeconds(kpis.elapsed) + 2);
  EXPECT_EQ(kpis.calls, reads.load());
  EXPECT_EQ(kpis.errors, 0);
  const ProbeSummary& leaderboard = summary->probes[1];
  EXPECT_GT(leaderboard.errors, 0);
  EXPECT_EQ(leaderboard.errors, leaderboard.calls);
  // The load itself went well, but a failing read fails the run.
  EXPECT_EQ(summary->counts.errors, 0);
  EXPECT_TRUE(summary->Balanced());
  EXPECT_FALSE(summary->ok());
  PrintSummary(*summary, Mode::kStream, options, stdout);

  probes[1].rate = 0;
  EXPECT_THAT(RunLoad("test", target, roster, options, stdout, probes),
              StatusIs(absl::StatusCode::kInvalidArgument));
}

TEST(RunLoadTest, RefusesInvalidOptions) {
  const LoadRoster roster = OneTeam();
  JudgingTarget target(roster);
  LoadOptions options = Options();
  options.batch = activity::kMaxBatchItems + 1;
  EXPECT_THAT(RunLoad("test", target, roster, options, stdout),
              StatusIs(absl::StatusCode::kInvalidArgument));
  options = Options();
  options.events = 0;
  EXPECT_THAT(RunLoad("test", target, roster, options, stdout),
              StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(ParseMode("bidi"), StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(ParseMode("direct"), IsOk());
}

}  // namespace
}  // namespace salesteam::loadgen
