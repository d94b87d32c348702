// ActivityStore's contract, run on both backends (test names end in /sqlite
// and /postgres) against real databases with the activity migrations applied:
// every activity_id is recorded once, ever; the daily aggregates, funnel steps
// and team-day counts always equal the activities that were accepted, also
// under concurrent writers and after a failed transaction; listing pages
// through every activity exactly once.
#include "services/activity/activity_store.h"

#include <algorithm>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <random>
#include <set>
#include <string>
#include <thread>
#include <tuple>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/civil_time.h"
#include "absl/time/time.h"
#include "absl/types/span.h"
#include "activity_migrations.h"
#include "common/status.h"
#include "common/store/fault_injecting_database.h"
#include "common/store/migrations.h"
#include "common/testing/databases.h"
#include "common/testing/status_matchers.h"
#include "common/time/date.h"
#include "common/time/timestamp.h"
#include "gmock/gmock.h"
#include "google/protobuf/util/message_differencer.h"
#include "gtest/gtest.h"
#include "salesteam/activity/v1/activity.pb.h"

namespace salesteam::activity {
namespace {

using ::salesteam::testing::DatabaseTest;
using ::salesteam::testing::StatusIs;
using ::testing::ElementsAre;
using ::testing::ElementsAreArray;
using ::testing::IsEmpty;
using ::testing::Pair;
using ::testing::UnorderedElementsAre;
using ::testing::UnorderedElementsAreArray;

using activitypb::Activity;
using activitypb::ActivityType;

constexpr ActivityType kLead = activitypb::ACTIVITY_TYPE_LEAD_CREATED;
constexpr ActivityType kCall = activitypb::ACTIVITY_TYPE_CALL_MADE;
constexpr ActivityType kEmail = activitypb::ACTIVITY_TYPE_EMAIL_SENT;
constexpr ActivityType kMeetingHeld = activitypb::ACTIVITY_TYPE_MEETING_HELD;
constexpr ActivityType kProposal = activitypb::ACTIVITY_TYPE_PROPOSAL_SENT;
constexpr ActivityType kWon = activitypb::ACTIVITY_TYPE_DEAL_WON;
constexpr ActivityType kLost = activitypb::ACTIVITY_TYPE_DEAL_LOST;
constexpr ActivityType kTime = activitypb::ACTIVITY_TYPE_TIME_LOGGED;

// Monday 2026-03-02, 09:00 UTC, and the days after it.
const Date kDay0(2026, 3, 2);
const absl::Time kT0 = absl::FromCivil(absl::CivilSecond(2026, 3, 2, 9, 0, 0), absl::UTCTimeZone());
// Microseconds included: the store keeps instants to the microsecond.
const absl::Time kRecordTime = absl::FromUnixMicros(1'772'500'000'123'456);

absl::Time DayTime(int day, int minute = 0) {
  return kT0 + absl::Hours(24 * day) + absl::Minutes(minute);
}

// An activity of `member` as attribution left it: the team given, role SDR,
// the local day its UTC day, inside the stage, from the CRM.
Activity Act(absl::string_view id, absl::string_view member, ActivityType type, absl::Time at,
             absl::string_view team = "tm_a") {
  Activity a;
  a.set_activity_id(std::string(id));
  a.set_member_id(std::string(member));
  a.set_type(type);
  periods::TimeToProto(at, a.mutable_occurred_at());
  a.set_source_system("crm");
  a.set_team_id(std::string(team));
  a.set_role(rosterpb::MEMBER_ROLE_SALES_DEVELOPMENT);
  periods::DateToProto(absl::ToCivilDay(at, absl::UTCTimeZone()), a.mutable_local_date());
  return a;
}

Activity WithDeal(Activity a, absl::string_view deal_id) {
  a.set_deal_id(std::string(deal_id));
  return a;
}

Activity WithAmount(Activity a, int64_t minor_units) {
  a.mutable_amount()->set_minor_units(minor_units);
  a.mutable_amount()->set_currency_code("EUR");
  return a;
}

Activity WithMinutes(Activity a, int minutes, bool selling) {
  a.set_minutes(minutes);
  a.set_selling(selling);
  return a;
}

Activity OutOfStage(Activity a) {
  a.set_out_of_stage(true);
  return a;
}

Date LocalDay(const Activity& a) {
  return Date(a.local_date().year(), a.local_date().month(), a.local_date().day());
}

absl::Time OccurredAt(const Activity& a) {
  return absl::FromUnixSeconds(a.occurred_at().seconds()) +
         absl::Nanoseconds(a.occurred_at().nanos());
}

// The store's input for `activities` (which must outlive it), attributed as
// their output-only fields say, fingerprinted by their real ids.
std::vector<NewActivity> ToNew(const std::vector<Activity>& activities) {
  std::vector<NewActivity> batch;
  batch.reserve(activities.size());
  for (const Activity& a : activities) {
    NewActivity& item = batch.emplace_back();
    item.activity = &a;
    item.id_hash = ActivityIdHash(a.activity_id());
    item.id_check = ActivityIdCheck(a.activity_id());
    item.occurred_at = OccurredAt(a);
    item.attribution.team_id = a.team_id();
    item.attribution.role = a.role();
    item.attribution.local_day = LocalDay(a);
    item.attribution.out_of_stage = a.out_of_stage();
  }
  return batch;
}

std::string Name(RecordOutcome outcome) {
  switch (outcome) {
    case RecordOutcome::kAccepted:
      return "accepted";
    case RecordOutcome::kDuplicate:
      return "duplicate";
    case RecordOutcome::kFingerprintCollision:
      return "collision";
  }
  return "?";
}

std::vector<std::string> Names(const std::vector<RecordOutcome>& outcomes) {
  std::vector<std::string> names;
  for (RecordOutcome o : outcomes) names.push_back(Name(o));
  return names;
}

std::vector<std::string> Ids(const std::vector<Activity>& activities) {
  std::vector<std::string> ids;
  for (const Activity& a : activities) ids.push_back(a.activity_id());
  return ids;
}

// One aggregate row as text, so that a mismatch shows every field at once.
std::string Describe(absl::string_view who, absl::string_view team, const DailyTotals& t) {
  return absl::StrCat(who, " ", periods::FormatIsoDate(t.day), " ",
                      activitypb::ActivityType_Name(t.type), " team=", team, " count=", t.count,
                      " amount=", t.amount_minor, " minutes=", t.minutes,
                      " selling=", t.selling_minutes, " funnel=", t.funnel_count,
                      " out_of_stage=", t.out_of_stage_count);
}

std::vector<std::string> Describe(const std::vector<MemberDailyTotals>& rows,
                                  absl::string_view member_id) {
  std::vector<std::string> out;
  for (const MemberDailyTotals& r : rows) out.push_back(Describe(member_id, r.team_id, r.totals));
  return out;
}

std::vector<std::string> Describe(const std::vector<MemberDayTotals>& rows,
                                  absl::string_view team_id) {
  std::vector<std::string> out;
  for (const MemberDayTotals& r : rows) out.push_back(Describe(r.member_id, team_id, r.totals));
  return out;
}

std::vector<std::string> Describe(const std::vector<DailyTotals>& rows, absl::string_view team_id) {
  std::vector<std::string> out;
  for (const DailyTotals& r : rows) out.push_back(Describe("team", team_id, r));
  return out;
}

DailyTotals Totals(Date day, ActivityType type, int64_t count, int64_t amount = 0,
                   int64_t minutes = 0, int64_t selling = 0, int64_t funnel = 0,
                   int64_t out_of_stage = 0) {
  DailyTotals t;
  t.day = day;
  t.type = type;
  t.count = count;
  t.amount_minor = amount;
  t.minutes = minutes;
  t.selling_minutes = selling;
  t.funnel_count = funnel;
  t.out_of_stage_count = out_of_stage;
  return t;
}

bool IsFunnelType(ActivityType type) {
  return type == kLead || type == kMeetingHeld || type == kProposal || type == kWon;
}

// What the aggregates must hold for `stored` activities, computed here from
// their own fields: per (member, day, type) and per team-day. A deal counts
// in the funnel once per step, on the first activity recorded for it (the
// earliest record_time: callers give each batch its own record time and
// never repeat a deal and step within one batch). Out-of-stage work is kept
// per member-day, and answered on the first type that day has (the lowest
// enum value), so the model sums it per day and places it the same way.
struct Model {
  // member -> Describe() rows.
  std::map<std::string, std::vector<std::string>> member_rows;
  // team -> Describe() rows of its members.
  std::map<std::string, std::vector<std::string>> team_member_rows;
  // team -> Describe("team", ...) rows summed over its members.
  std::map<std::string, std::vector<std::string>> team_rows;
  // team -> (day, activities).
  std::map<std::string, std::vector<std::pair<Date, int64_t>>> team_day_counts;
};

// One day of one member or team: totals per type and the day's out-of-stage
// count.
struct ModelDay {
  std::map<int, DailyTotals> by_type;
  int64_t out_of_stage = 0;

  std::vector<DailyTotals> Rows() const {
    std::vector<DailyTotals> rows;
    int64_t out_of_stage_left = out_of_stage;
    for (const auto& [type, totals] : by_type) {
      DailyTotals row = totals;
      row.out_of_stage_count = out_of_stage_left;
      out_of_stage_left = 0;
      rows.push_back(row);
    }
    return rows;
  }
};

Model ComputeModel(std::vector<Activity> stored) {
  std::sort(stored.begin(), stored.end(), [](const Activity& a, const Activity& b) {
    return std::make_pair(a.record_time().seconds(), a.record_time().nanos()) <
           std::make_pair(b.record_time().seconds(), b.record_time().nanos());
  });
  std::set<std::pair<std::string, int>> steps_seen;
  // (member, day) -> (team, day totals).
  std::map<std::pair<std::string, Date>, std::pair<std::string, ModelDay>> member_day;
  std::map<std::pair<std::string, Date>, ModelDay> team_day;
  std::map<std::string, std::map<Date, int64_t>> counts;
  for (const Activity& a : stored) {
    const Date day = LocalDay(a);
    bool funnel = false;
    if (IsFunnelType(a.type())) {
      funnel = a.deal_id().empty() || steps_seen.emplace(a.deal_id(), a.type()).second;
    }
    auto add = [&](ModelDay& d) {
      DailyTotals& t = d.by_type[a.type()];
      t.day = day;
      t.type = a.type();
      t.count += 1;
      if (a.type() == kWon) t.amount_minor += a.amount().minor_units();
      t.minutes += a.minutes();
      if (a.selling()) t.selling_minutes += a.minutes();
      if (funnel) t.funnel_count += 1;
      if (a.out_of_stage()) d.out_of_stage += 1;
    };
    auto& [team, days] = member_day[{a.member_id(), day}];
    team = a.team_id();
    add(days);
    add(team_day[{a.team_id(), day}]);
    counts[a.team_id()][day] += 1;
  }
  Model model;
  for (const auto& [key, row] : member_day) {
    const std::string& member = key.first;
    for (const DailyTotals& totals : row.second.Rows()) {
      model.member_rows[member].push_back(Describe(member, row.first, totals));
      model.team_member_rows[row.first].push_back(Describe(member, row.first, totals));
    }
  }
  for (const auto& [key, day] : team_day) {
    for (const DailyTotals& totals : day.Rows()) {
      model.team_rows[key.first].push_back(Describe("team", key.first, totals));
    }
  }
  for (const auto& [team, days] : counts) {
    for (const auto& [day, n] : days) model.team_day_counts[team].emplace_back(day, n);
  }
  return model;
}

// Calls `before_attempt(n)` before the n-th transaction it forwards to
// `real`. Under a FaultInjectingDatabase, which forwards each attempt of a
// retried transaction as a transaction of its own, it lets a test act as a
// concurrent writer that commits between a failed attempt and its retry.
class BetweenAttemptsDatabase final : public store::Database {
 public:
  BetweenAttemptsDatabase(store::Database* real, std::function<void(int)> before_attempt)
      : real_(real), before_attempt_(std::move(before_attempt)) {}

  store::Dialect dialect() const override { return real_->dialect(); }

 protected:
  absl::StatusOr<store::ResultSet> DoQuery(absl::string_view sql,
                                           absl::Span<const store::Param> params) override {
    return real_->Query(sql, params);
  }
  absl::StatusOr<int64_t> DoExecute(absl::string_view sql,
                                    absl::Span<const store::Param> params) override {
    return real_->Execute(sql, params);
  }
  absl::Status DoTransact(const store::TransactionFunction& fn,
                          const store::TransactOptions& options) override {
    before_attempt_(++attempts_);
    return real_->Transact(fn, options);
  }

 private:
  store::Database* const real_;
  std::function<void(int)> before_attempt_;
  int attempts_ = 0;
};

// What StatementHookDatabase gives its hook when a transaction attempt
// begins (each retry of a transaction is an attempt of its own).
constexpr absl::string_view kAttemptBegins = "-- attempt begins";

// Gives every statement, in a transaction or not, to `before_statement` and
// then runs it on `real`, and kAttemptBegins at the start of every attempt of
// a transaction: lets a test hold a writer at a chosen point and count
// attempts.
class StatementHookDatabase final : public store::Database {
 public:
  StatementHookDatabase(store::Database* real,
                        std::function<void(absl::string_view sql)> before_statement)
      : real_(real), before_statement_(std::move(before_statement)) {}

  store::Dialect dialect() const override { return real_->dialect(); }

 protected:
  absl::StatusOr<store::ResultSet> DoQuery(absl::string_view sql,
                                           absl::Span<const store::Param> params) override {
    before_statement_(sql);
    return real_->Query(sql, params);
  }
  absl::StatusOr<int64_t> DoExecute(absl::string_view sql,
                                    absl::Span<const store::Param> params) override {
    before_statement_(sql);
    return real_->Execute(sql, params);
  }
  absl::Status DoTransact(const store::TransactionFunction& fn,
                          const store::TransactOptions& options) override {
    return real_->Transact(
        [&](store::Transaction& real_tx) {
          before_statement_(kAttemptBegins);
          HookedTransaction tx(&real_tx, before_statement_);
          return fn(tx);
        },
        options);
  }

 private:
  class HookedTransaction final : public store::Transaction {
   public:
    HookedTransaction(store::Transaction* real,
                      const std::function<void(absl::string_view)>& before_statement)
        : real_(real), before_statement_(before_statement) {}
    store::Dialect dialect() const override { return real_->dialect(); }

   protected:
    absl::StatusOr<store::ResultSet> DoQuery(absl::string_view sql,
                                             absl::Span<const store::Param> params) override {
      before_statement_(sql);
      return real_->Query(sql, params);
    }
    absl::StatusOr<int64_t> DoExecute(absl::string_view sql,
                                      absl::Span<const store::Param> params) override {
      before_statement_(sql);
      return real_->Execute(sql, params);
    }
    absl::StatusOr<int64_t> DoInsertRows(absl::string_view insert_head, int columns_per_row,
                                         absl::Span<const store::Param> values,
                                         absl::string_view tail) override {
      before_statement_(insert_head);
      return real_->InsertRows(insert_head, columns_per_row, values, tail);
    }
    absl::Status DoExecuteScript(absl::string_view sql) override {
      before_statement_(sql);
      return real_->ExecuteScript(sql);
    }

   private:
    store::Transaction* const real_;
    const std::function<void(absl::string_view)>& before_statement_;
  };

  store::Database* const real_;
  std::function<void(absl::string_view sql)> before_statement_;
};

class ActivityStoreTest : public DatabaseTest {
 protected:
  void SetUp() override {
    DatabaseTest::SetUp();
    if (HasFatalFailure()) return;  // no database: the base class said why
    ASSERT_OK(store::ApplyMigrations(db(), migrations::activity()));
    store_ = std::make_unique<ActivityStore>(&db());
  }

  ActivityStore& store() { return *store_; }

  // Records `activities` as one batch on `on` (default: the test's store)
  // and names each outcome.
  absl::StatusOr<std::vector<std::string>> Record(const std::vector<Activity>& activities,
                                                  absl::Time record_time = kRecordTime,
                                                  ActivityStore* on = nullptr) {
    const std::vector<NewActivity> batch = ToNew(activities);
    ASSIGN_OR_RETURN(std::vector<RecordOutcome> outcomes,
                     (on != nullptr ? on : store_.get())->Record(batch, record_time));
    if (outcomes.size() != activities.size()) {
      return absl::InternalError(
          absl::StrCat(outcomes.size(), " outcomes for ", activities.size(), " activities"));
    }
    return Names(outcomes);
  }

  // Every page of `query` with `page_size`, concatenated; fails when a page
  // is oversize or a page that announces more is not full.
  absl::StatusOr<std::vector<Activity>> ListAll(ListQuery query, int page_size,
                                                int* pages = nullptr) {
    query.limit = page_size;
    query.after.reset();
    std::vector<Activity> all;
    for (int page = 1; page <= 10'000; ++page) {
      ASSIGN_OR_RETURN(ListPage p, store().List(query));
      if (static_cast<int>(p.activities.size()) > page_size) {
        return absl::InternalError(absl::StrCat("page ", page, " has ", p.activities.size(),
                                                " activities, more than ", page_size));
      }
      all.insert(all.end(), p.activities.begin(), p.activities.end());
      if (!p.next.has_value()) {
        if (pages != nullptr) *pages = page;
        return all;
      }
      if (static_cast<int>(p.activities.size()) != page_size) {
        return absl::InternalError(absl::StrCat("page ", page, " has a next cursor but only ",
                                                p.activities.size(), " activities"));
      }
      query.after = p.next;
    }
    return absl::InternalError("List never ran out of pages");
  }

  absl::StatusOr<std::vector<Activity>> ListMember(absl::string_view member_id) {
    ListQuery query;
    query.member_id = std::string(member_id);
    return ListAll(query, 1000);
  }

  absl::StatusOr<std::vector<Activity>> ListTeam(absl::string_view team_id) {
    ListQuery query;
    query.team_id = std::string(team_id);
    return ListAll(query, 1000);
  }

  // Sum of TeamDayCounts over [start, end).
  int64_t TeamDayTotal(absl::string_view team_id, Date start, Date end) {
    absl::StatusOr<std::vector<std::pair<Date, int64_t>>> counts =
        store().TeamDayCounts(team_id, start, end);
    EXPECT_OK(counts);
    int64_t total = 0;
    if (counts.ok()) {
      for (const auto& [day, n] : *counts) total += n;
    }
    return total;
  }

  // Asserts that every aggregate the store keeps equals `ComputeModel` of
  // what it stored for `teams` and `members` over [start, end).
  void ExpectAggregatesMatchStoredActivities(const std::vector<std::string>& teams,
                                             const std::vector<std::string>& members, Date start,
                                             Date end) {
    std::vector<Activity> stored;
    for (const std::string& team : teams) {
      ASSERT_OK_AND_ASSIGN(std::vector<Activity> of_team, ListTeam(team));
      stored.insert(stored.end(), of_team.begin(), of_team.end());
    }
    const Model model = ComputeModel(stored);
    for (const std::string& member : members) {
      ASSERT_OK_AND_ASSIGN(std::vector<MemberDailyTotals> rows,
                           store().MemberTotals(member, start, end));
      auto it = model.member_rows.find(member);
      EXPECT_THAT(Describe(rows, member), UnorderedElementsAreArray(it == model.member_rows.end()
                                                                        ? std::vector<std::string>{}
                                                                        : it->second))
          << "MemberTotals of " << member;
    }
    for (const std::string& team : teams) {
      auto rows_of = [](const std::map<std::string, std::vector<std::string>>& m,
                        const std::string& key) {
        auto it = m.find(key);
        return it == m.end() ? std::vector<std::string>{} : it->second;
      };
      ASSERT_OK_AND_ASSIGN(std::vector<DailyTotals> team_rows,
                           store().TeamTotals(team, start, end));
      EXPECT_THAT(Describe(team_rows, team),
                  UnorderedElementsAreArray(rows_of(model.team_rows, team)))
          << "TeamTotals of " << team;
      ASSERT_OK_AND_ASSIGN(std::vector<MemberDayTotals> member_rows,
                           store().TeamMemberTotals(team, start, end));
      EXPECT_THAT(Describe(member_rows, team),
                  UnorderedElementsAreArray(rows_of(model.team_member_rows, team)))
          << "TeamMemberTotals of " << team;
      ASSERT_OK_AND_ASSIGN(auto counts, store().TeamDayCounts(team, start, end));
      auto expected = model.team_day_counts.find(team);
      EXPECT_THAT(counts, ElementsAreArray(expected == model.team_day_counts.end()
                                               ? std::vector<std::pair<Date, int64_t>>{}
                                               : expected->second))
          << "TeamDayCounts of " << team;
      for (Date day = start; day < end; ++day) {
        ASSERT_OK_AND_ASSIGN(std::vector<MemberDayTotals> day_rows,
                             store().TeamDayMemberTotals(team, day));
        std::vector<std::string> expected_day;
        for (const std::string& row : rows_of(model.team_member_rows, team)) {
          if (row.find(absl::StrCat(" ", periods::FormatIsoDate(day), " ")) != std::string::npos) {
            expected_day.push_back(row);
          }
        }
        EXPECT_THAT(Describe(day_rows, team), UnorderedElementsAreArray(expected_day))
            << "TeamDayMemberTotals of " << team << " on " << periods::FormatIsoDate(day);
      }
    }
  }

  void ExpectMixedBatchAcceptsExactlyTheNewIds(int size);
  void ExpectRaceCountedEachActivityOnce(const std::vector<Activity>& all,
                                         const struct RaceResult& race);

 private:
  std::unique_ptr<ActivityStore> store_;
};

// ---- Idempotency ----

TEST_P(ActivityStoreTest, RecordAcceptsNewIdsAndAnswersDuplicateForIdsRecordedBefore) {
  const std::vector<Activity> first = {Act("crm-1", "mb_a", kCall, DayTime(0, 1)),
                                       Act("crm-2", "mb_a", kEmail, DayTime(0, 2))};
  EXPECT_THAT(Record(first),
              ::salesteam::testing::IsOkAndHolds(ElementsAre("accepted", "accepted")));
  const std::vector<Activity> second = {Act("crm-3", "mb_a", kCall, DayTime(0, 3)),
                                        Act("crm-2", "mb_a", kEmail, DayTime(0, 2)),
                                        Act("crm-1", "mb_a", kCall, DayTime(0, 1))};
  EXPECT_THAT(Record(second), ::salesteam::testing::IsOkAndHolds(
                                  ElementsAre("accepted", "duplicate", "duplicate")));
  EXPECT_THAT(store().CountActivities(), ::salesteam::testing::IsOkAndHolds(3));
}

TEST_P(ActivityStoreTest, ARepeatedIdWithDifferentContentIsADuplicateAndTheFirstStands) {
  const std::vector<Activity> first = {Act("crm-1", "mb_a", kCall, DayTime(0, 10))};
  ASSERT_OK(Record(first, kRecordTime).status());
  // Same id, everything else different: another member, type, day, deal,
  // amount and team.
  const std::vector<Activity> changed = {
      WithAmount(WithDeal(Act("crm-1", "mb_b", kWon, DayTime(1, 20), "tm_b"), "deal-9"), 500'00)};
  EXPECT_THAT(Record(changed, kRecordTime + absl::Hours(1)),
              ::salesteam::testing::IsOkAndHolds(ElementsAre("duplicate")));

  ASSERT_OK_AND_ASSIGN(std::vector<Activity> of_a, ListMember("mb_a"));
  ASSERT_EQ(of_a.size(), 1u);
  Activity expected = first[0];
  periods::TimeToProto(kRecordTime, expected.mutable_record_time());
  EXPECT_TRUE(google::protobuf::util::MessageDifferencer::Equals(of_a[0], expected))
      << of_a[0].DebugString();
  EXPECT_THAT(ListMember("mb_b"), ::salesteam::testing::IsOkAndHolds(IsEmpty()));
  EXPECT_THAT(ListTeam("tm_b"), ::salesteam::testing::IsOkAndHolds(IsEmpty()));
  // The repeat added nothing anywhere.
  ASSERT_OK_AND_ASSIGN(auto a_rows, store().MemberTotals("mb_a", kDay0, kDay0 + 7));
  EXPECT_THAT(Describe(a_rows, "mb_a"),
              ElementsAre(Describe("mb_a", "tm_a", Totals(kDay0, kCall, 1))));
  EXPECT_THAT(store().MemberTotals("mb_b", kDay0, kDay0 + 7),
              ::salesteam::testing::IsOkAndHolds(IsEmpty()));
  EXPECT_THAT(store().TeamTotals("tm_b", kDay0, kDay0 + 7),
              ::salesteam::testing::IsOkAndHolds(IsEmpty()));
  EXPECT_THAT(store().TeamDayCounts("tm_b", kDay0, kDay0 + 7),
              ::salesteam::testing::IsOkAndHolds(IsEmpty()));
  EXPECT_THAT(store().TeamDayCounts("tm_a", kDay0, kDay0 + 7),
              ::salesteam::testing::IsOkAndHolds(ElementsAre(Pair(kDay0, 1))));
  // Nor did its deal reach the funnel: a later activity of that deal is the
  // deal's first won step.
  const std::vector<Activity> later = {
      WithAmount(WithDeal(Act("crm-2", "mb_b", kWon, DayTime(1, 30), "tm_b"), "deal-9"), 100)};
  ASSERT_OK(Record(later).status());
  ASSERT_OK_AND_ASSIGN(auto b_rows, store().MemberTotals("mb_b", kDay0, kDay0 + 7));
  EXPECT_THAT(Describe(b_rows, "mb_b"),
              ElementsAre(Describe("mb_b", "tm_b", Totals(kDay0 + 1, kWon, 1, 100, 0, 0, 1))));
}

TEST_P(ActivityStoreTest, AnEmptyBatchAnswersNothingAndStoresNothing) {
  EXPECT_THAT(Record({}), ::salesteam::testing::IsOkAndHolds(IsEmpty()));
  EXPECT_THAT(store().CountActivities(), ::salesteam::testing::IsOkAndHolds(0));
}

// A batch of `size` activities of which every third was recorded by earlier
// batches (themselves large enough to take the chunked path): exactly the new
// ones are accepted, in the batch's order, and the aggregates count each
// activity once.
void ActivityStoreTest::ExpectMixedBatchAcceptsExactlyTheNewIds(int size) {
  std::vector<Activity> all;
  for (int i = 0; i < size; ++i) {
    const ActivityType type =
        i % 4 == 0 ? kLead : (i % 4 == 1 ? kCall : (i % 4 == 2 ? kTime : kWon));
    Activity a = Act(absl::StrFormat("crm-%05d", i), i % 2 == 0 ? "mb_a" : "mb_b", type,
                     DayTime(i % 3, i % 600));
    if (type == kTime) a = WithMinutes(std::move(a), 1 + i % 50, i % 3 == 0);
    if (type == kWon) a = WithAmount(std::move(a), 1000 + i);
    all.push_back(std::move(a));
  }
  std::vector<Activity> earlier;
  for (int i = 0; i < size; i += 3) earlier.push_back(all[i]);
  // The earlier ids in two batches, so that the repeats of the big batch were
  // recorded by different calls.
  const size_t half = earlier.size() / 2;
  const std::vector<Activity> earlier1(earlier.begin(), earlier.begin() + half);
  const std::vector<Activity> earlier2(earlier.begin() + half, earlier.end());
  ASSERT_OK_AND_ASSIGN(std::vector<std::string> o1,
                       Record(earlier1, kRecordTime - absl::Minutes(2)));
  EXPECT_THAT(o1, ::testing::Each("accepted"));
  ASSERT_OK_AND_ASSIGN(std::vector<std::string> o2,
                       Record(earlier2, kRecordTime - absl::Minutes(1)));
  EXPECT_THAT(o2, ::testing::Each("accepted"));

  ASSERT_OK_AND_ASSIGN(std::vector<std::string> outcomes, Record(all, kRecordTime));
  std::vector<std::string> expected;
  for (int i = 0; i < size; ++i) expected.push_back(i % 3 == 0 ? "duplicate" : "accepted");
  EXPECT_THAT(outcomes, ElementsAreArray(expected));

  // Sent again, all of it is a repeat.
  ASSERT_OK_AND_ASSIGN(std::vector<std::string> again, Record(all, kRecordTime + absl::Minutes(1)));
  EXPECT_THAT(again, ::testing::Each("duplicate"));
  EXPECT_THAT(store().CountActivities(), ::salesteam::testing::IsOkAndHolds(size));
  EXPECT_EQ(TeamDayTotal("tm_a", kDay0, kDay0 + 3), size);
}

TEST_P(ActivityStoreTest, AMixedBatchOfAThousandAcceptsExactlyTheNewIds) {
  ExpectMixedBatchAcceptsExactlyTheNewIds(1000);
  if (HasFatalFailure()) return;
  ExpectAggregatesMatchStoredActivities({"tm_a"}, {"mb_a", "mb_b"}, kDay0, kDay0 + 3);
}

TEST_P(ActivityStoreTest, AMixedBatchOf337AcceptsExactlyTheNewIds) {
  // 337 = 256 + 64 + 16 + 1: every chunk size of the PostgreSQL path.
  ExpectMixedBatchAcceptsExactlyTheNewIds(337);
  if (HasFatalFailure()) return;
  ExpectAggregatesMatchStoredActivities({"tm_a"}, {"mb_a", "mb_b"}, kDay0, kDay0 + 3);
}

// ---- Fingerprint collisions ----

TEST_P(ActivityStoreTest, AnotherIdWithARecordedFingerprintIsACollisionAndNothingOfItIsStored) {
  const Activity first = Act("crm-first", "mb_a", kCall, DayTime(0, 5));
  const Activity second =
      WithAmount(WithDeal(Act("crm-second", "mb_b", kWon, DayTime(1, 5), "tm_b"), "deal-1"), 900);
  const Activity bystander = Act("crm-bystander", "mb_b", kEmail, DayTime(1, 6), "tm_b");
  const int64_t shared_hash = ActivityIdHash(first.activity_id());

  std::vector<NewActivity> batch1(1);
  batch1[0].activity = &first;
  batch1[0].id_hash = shared_hash;
  batch1[0].id_check = ActivityIdCheck(first.activity_id());
  batch1[0].occurred_at = OccurredAt(first);
  batch1[0].attribution = {"tm_a", rosterpb::MEMBER_ROLE_SALES_DEVELOPMENT, kDay0, false};
  ASSERT_OK_AND_ASSIGN(std::vector<RecordOutcome> o1, store().Record(batch1, kRecordTime));
  EXPECT_THAT(Names(o1), ElementsAre("accepted"));

  std::vector<NewActivity> batch2 = ToNew({bystander});
  batch2.insert(batch2.begin(), NewActivity{});
  batch2[0].activity = &second;
  batch2[0].id_hash = shared_hash;  // not second's own: a collision
  batch2[0].id_check = ActivityIdCheck(second.activity_id());
  batch2[0].occurred_at = OccurredAt(second);
  batch2[0].attribution = {"tm_b", rosterpb::MEMBER_ROLE_SALES_DEVELOPMENT, kDay0 + 1, false};
  // ToNew's items point into a temporary vector: point the bystander anew.
  batch2[1].activity = &bystander;
  ASSERT_OK_AND_ASSIGN(std::vector<RecordOutcome> o2,
                       store().Record(batch2, kRecordTime + absl::Seconds(1)));
  EXPECT_THAT(Names(o2), ElementsAre("collision", "accepted"));
  // The same collision again is still a collision, never a duplicate.
  ASSERT_OK_AND_ASSIGN(
      std::vector<RecordOutcome> o3,
      store().Record(absl::MakeConstSpan(batch2).subspan(0, 1), kRecordTime + absl::Seconds(2)));
  EXPECT_THAT(Names(o3), ElementsAre("collision"));

  EXPECT_THAT(store().CountActivities(), ::salesteam::testing::IsOkAndHolds(2));
  ASSERT_OK_AND_ASSIGN(std::vector<Activity> of_b, ListMember("mb_b"));
  EXPECT_THAT(Ids(of_b), ElementsAre("crm-bystander"));
  ASSERT_OK_AND_ASSIGN(std::vector<Activity> of_a, ListMember("mb_a"));
  ASSERT_THAT(Ids(of_a), ElementsAre("crm-first"));
  EXPECT_EQ(of_a[0].type(), kCall);
  ASSERT_OK_AND_ASSIGN(auto b_rows, store().MemberTotals("mb_b", kDay0, kDay0 + 7));
  EXPECT_THAT(Describe(b_rows, "mb_b"),
              ElementsAre(Describe("mb_b", "tm_b", Totals(kDay0 + 1, kEmail, 1))));
  EXPECT_THAT(store().TeamDayCounts("tm_b", kDay0, kDay0 + 7),
              ::salesteam::testing::IsOkAndHolds(ElementsAre(Pair(kDay0 + 1, 1))));
  // The colliding activity's deal did not reach the funnel.
  const std::vector<Activity> won = {
      WithAmount(WithDeal(Act("crm-won", "mb_b", kWon, DayTime(1, 7), "tm_b"), "deal-1"), 100)};
  ASSERT_OK(Record(won, kRecordTime + absl::Seconds(3)).status());
  ASSERT_OK_AND_ASSIGN(auto team_rows, store().TeamTotals("tm_b", kDay0, kDay0 + 7));
  EXPECT_THAT(
      Describe(team_rows, "tm_b"),
      UnorderedElementsAre(Describe("team", "tm_b", Totals(kDay0 + 1, kEmail, 1)),
                           Describe("team", "tm_b", Totals(kDay0 + 1, kWon, 1, 100, 0, 0, 1))));
}

TEST_P(ActivityStoreTest, TwoIdsWithOneFingerprintInOneBatchStoreOneAndRefuseTheOther) {
  const Activity x = Act("crm-x", "mb_a", kCall, DayTime(0, 5));
  const Activity y = Act("crm-y", "mb_a", kEmail, DayTime(0, 6));
  std::vector<NewActivity> batch = ToNew({});
  for (const Activity* a : {&x, &y}) {
    NewActivity& item = batch.emplace_back();
    item.activity = a;
    item.id_hash = 42;
    item.id_check = ActivityIdCheck(a->activity_id());
    item.occurred_at = OccurredAt(*a);
    item.attribution = {"tm_a", rosterpb::MEMBER_ROLE_SALES_DEVELOPMENT, kDay0, false};
  }
  ASSERT_OK_AND_ASSIGN(std::vector<RecordOutcome> outcomes, store().Record(batch, kRecordTime));
  ASSERT_THAT(Names(outcomes), UnorderedElementsAre("accepted", "collision"));
  const Activity& kept = outcomes[0] == RecordOutcome::kAccepted ? x : y;
  ASSERT_OK_AND_ASSIGN(std::vector<Activity> stored, ListMember("mb_a"));
  EXPECT_THAT(Ids(stored), ElementsAre(kept.activity_id()));
  ASSERT_OK_AND_ASSIGN(auto rows, store().MemberTotals("mb_a", kDay0, kDay0 + 1));
  EXPECT_THAT(Describe(rows, "mb_a"),
              ElementsAre(Describe("mb_a", "tm_a", Totals(kDay0, kept.type(), 1))));
}

// ---- The idempotency index over time ----

// Ids `from` .. `to` - 1, one call each, over two members and three days.
std::vector<Activity> Calls(int from, int to) {
  std::vector<Activity> calls;
  for (int i = from; i < to; ++i) {
    calls.push_back(Act(absl::StrCat("crm-call-", i), i % 2 == 0 ? "mb_a" : "mb_b", kCall,
                        DayTime(i % 3, i % 600)));
  }
  return calls;
}

TEST_P(ActivityStoreTest, IdsStayDuplicatesAfterManyMergesIntoTheIndexAndARestart) {
  // Every 40 accepted ids move from memory into the index (on SQLite, as a
  // new run; the filter of merged ids is rebuilt as it fills past 1,024).
  ActivityStoreOptions options;
  options.sqlite_merge_threshold = 40;
  options.sqlite_filter_build_page = 7;  // the filter is read back a few rows at a time
  constexpr int kIds = 2600;
  {
    ActivityStore first(&db(), options);
    for (int start = 0; start < kIds; start += 100) {
      ASSERT_OK_AND_ASSIGN(std::vector<std::string> fresh,
                           Record(Calls(start, start + 100), kRecordTime, &first));
      EXPECT_THAT(fresh, ::testing::Each("accepted")) << "ids " << start << "..";
      // Ids of every earlier batch, merged long ago or just now.
      std::vector<Activity> again;
      for (int old = 0; old < start + 100; old += 97) {
        std::vector<Activity> one = Calls(old, old + 1);
        again.push_back(one[0]);
      }
      ASSERT_OK_AND_ASSIGN(std::vector<std::string> repeated,
                           Record(again, kRecordTime + absl::Seconds(1), &first));
      EXPECT_THAT(repeated, ::testing::Each("duplicate")) << "after ids " << start << "..";
    }
  }
  // A restart, with runs merged and ids not merged yet (25 < 40): the new
  // store finds every id again.
  constexpr int kBefore = kIds + 25;
  {
    ActivityStore first(&db(), options);
    ASSERT_OK_AND_ASSIGN(std::vector<std::string> tail,
                         Record(Calls(kIds, kBefore), kRecordTime, &first));
    EXPECT_THAT(tail, ::testing::Each("accepted"));
  }
  ActivityStore second(&db(), options);
  std::vector<Activity> everything = Calls(0, kBefore + 50);
  ASSERT_OK_AND_ASSIGN(std::vector<std::string> outcomes,
                       Record(everything, kRecordTime + absl::Seconds(2), &second));
  const std::vector<std::string> old_outcomes(outcomes.begin(), outcomes.begin() + kBefore);
  const std::vector<std::string> new_outcomes(outcomes.begin() + kBefore, outcomes.end());
  EXPECT_THAT(old_outcomes, ::testing::Each("duplicate"));
  EXPECT_THAT(new_outcomes, ::testing::Each("accepted"));
  EXPECT_THAT(second.CountActivities(), ::salesteam::testing::IsOkAndHolds(kBefore + 50));

  // Another id sharing a merged id's fingerprint is still told apart.
  const Activity other = Act("crm-other", "mb_a", kEmail, DayTime(0, 9));
  std::vector<NewActivity> clash = ToNew({other});
  clash[0].activity = &other;
  clash[0].id_hash = ActivityIdHash("crm-call-7");
  ASSERT_OK_AND_ASSIGN(std::vector<RecordOutcome> clashed,
                       second.Record(clash, kRecordTime + absl::Seconds(3)));
  EXPECT_THAT(Names(clashed), ElementsAre("collision"));
  ASSERT_OK_AND_ASSIGN(auto rows, second.MemberTotals("mb_a", kDay0, kDay0 + 3));
  int64_t calls = 0;
  for (const MemberDailyTotals& row : rows) calls += row.totals.count;
  EXPECT_EQ(calls, (kBefore + 50 + 1) / 2);  // the even ids
}

TEST_P(ActivityStoreTest, IdsOfACommitWhoseReplyWasLostAreDuplicatesWhenResent) {
  store::FaultInjectingDatabase lossy(&db());
  ActivityStoreOptions options;
  options.sqlite_merge_threshold = 20;
  ActivityStore shared(&lossy, options);
  ASSERT_OK(Record(Calls(0, 30), kRecordTime, &shared).status());  // merged: a run exists
  lossy.LoseNextCommitReplies(absl::UnavailableError("the commit's reply was lost"));
  EXPECT_THAT(Record(Calls(30, 40), kRecordTime, &shared),
              StatusIs(absl::StatusCode::kUnavailable));
  // The client cannot know and resends: the rows were written, once.
  ASSERT_OK_AND_ASSIGN(std::vector<std::string> resent,
                       Record(Calls(30, 40), kRecordTime + absl::Seconds(1), &shared));
  EXPECT_THAT(resent, ::testing::Each("duplicate"));
  // And again after the next merge has taken them into the index.
  ASSERT_OK(Record(Calls(40, 70), kRecordTime + absl::Seconds(2), &shared).status());
  ASSERT_OK_AND_ASSIGN(std::vector<std::string> later,
                       Record(Calls(30, 40), kRecordTime + absl::Seconds(3), &shared));
  EXPECT_THAT(later, ::testing::Each("duplicate"));
  EXPECT_THAT(shared.CountActivities(), ::salesteam::testing::IsOkAndHolds(70));
}

TEST(ActivityFingerprintTest, IsTheFirstAndNextEightBytesOfTheIdsSha256) {
  // Stored in every database: a change of hash would make every id recorded
  // before look new. SHA-256("abc") = ba7816bf 8f01cfea 414140de 5dae2223 ...
  const ActivityFingerprint fingerprint = FingerprintOf("abc");
  EXPECT_EQ(fingerprint.hash, static_cast<int64_t>(0xeacf018fbf1678baULL));
  EXPECT_EQ(fingerprint.check, static_cast<int64_t>(0x2322ae5dde404141ULL));
  EXPECT_EQ(ActivityIdHash("abc"), fingerprint.hash);
  EXPECT_EQ(ActivityIdCheck("abc"), fingerprint.check);
}

// A database that a SQLite store filled under migration 1 alone, when it
// merged ids into activity_ids: migration 2 moves them into run 0 of
// activity_id_runs (PostgreSQL's activity_ids, never merged, stays as it is),
// and every one of them is still a duplicate.
class ActivityMigrationTest : public DatabaseTest {};

TEST_P(ActivityMigrationTest, IdsMergedBeforeTheRunsMigrationAreStillDuplicatesAfterIt) {
  const store::MigrationSet all = migrations::activity();
  ASSERT_GE(all.migrations.size(), 2u);
  ASSERT_OK(
      store::ApplyMigrations(db(), store::MigrationSet{all.service, all.migrations.subspan(0, 1)}));
  const std::vector<Activity> before = Calls(0, 30);
  const bool sqlite = kind() == ::salesteam::testing::DatabaseKind::kSqlite;
  ASSERT_OK(db().Transact([&](store::Transaction& tx) -> absl::Status {
    for (const Activity& a : before) {
      RETURN_IF_ERROR(
          tx.Execute("INSERT INTO activity_ids (id_hash, id_check) VALUES ($1, $2)",
                     {ActivityIdHash(a.activity_id()), ActivityIdCheck(a.activity_id())})
              .status());
    }
    // What a SQLite merge left behind; PostgreSQL never merges.
    if (sqlite) {
      RETURN_IF_ERROR(
          tx.Execute("UPDATE activity_ids_merged SET last_rowid = 30 WHERE id = 1").status());
    }
    return absl::OkStatus();
  }));
  ASSERT_OK(store::ApplyMigrations(db(), all));

  ASSERT_OK_AND_ASSIGN(store::ResultSet counts,
                       db().Query("SELECT (SELECT COUNT(*) FROM activity_ids), "
                                  "(SELECT COUNT(*) FROM activity_id_runs WHERE run = 0), "
                                  "(SELECT runs FROM activity_ids_merged WHERE id = 1)"));
  ASSERT_EQ(counts.size(), 1u);
  EXPECT_THAT(counts.row(0).Int64(0), ::salesteam::testing::IsOkAndHolds(sqlite ? 0 : 30));
  EXPECT_THAT(counts.row(0).Int64(1), ::salesteam::testing::IsOkAndHolds(sqlite ? 30 : 0));
  EXPECT_THAT(counts.row(0).Int64(2), ::salesteam::testing::IsOkAndHolds(sqlite ? 1 : 0));

  ActivityStore store(&db());
  std::vector<Activity> resent = Calls(0, 40);
  const std::vector<NewActivity> batch = ToNew(resent);
  ASSERT_OK_AND_ASSIGN(std::vector<RecordOutcome> outcomes, store.Record(batch, kRecordTime));
  const std::vector<std::string> names = Names(outcomes);
  EXPECT_THAT(std::vector<std::string>(names.begin(), names.begin() + 30),
              ::testing::Each("duplicate"));
  EXPECT_THAT(std::vector<std::string>(names.begin() + 30, names.end()),
              ::testing::Each("accepted"));
}

SALESTEAM_INSTANTIATE_DATABASE_TEST(ActivityMigrationTest);

// ---- Aggregates ----

TEST_P(ActivityStoreTest, AggregatesCountWonAmountsLoggedAndSellingMinutesAndOutOfStage) {
  const std::vector<Activity> batch1 = {
      WithAmount(WithDeal(Act("w1", "mb_a", kWon, DayTime(0, 1)), "deal-1"), 500'00),
      // Amounts of other types are kept but are not won value.
      WithAmount(WithDeal(Act("p1", "mb_a", kProposal, DayTime(0, 2)), "deal-1"), 200'00),
      WithMinutes(Act("t1", "mb_a", kTime, DayTime(0, 3)), 90, true),
      WithMinutes(Act("t2", "mb_a", kTime, DayTime(0, 4)), 30, false),
      OutOfStage(Act("c1", "mb_a", kCall, DayTime(0, 5))),
      WithAmount(Act("l1", "mb_a", kLost, DayTime(0, 6)), 300'00),
      WithAmount(Act("w9", "mb_b", kWon, DayTime(0, 7)), 10'00),
  };
  ASSERT_OK(Record(batch1, kRecordTime).status());
  const std::vector<Activity> batch2 = {
      // Repeats with other content add nothing.
      WithAmount(WithDeal(Act("w1", "mb_a", kWon, DayTime(0, 1)), "deal-7"), 999'99),
      WithMinutes(Act("t1", "mb_a", kTime, DayTime(0, 3)), 600, true),
      OutOfStage(Act("t2", "mb_a", kTime, DayTime(0, 4))),
      WithAmount(WithDeal(Act("w2", "mb_a", kWon, DayTime(0, 8)), "deal-2"), 250'00),
      WithMinutes(Act("t3", "mb_a", kTime, DayTime(0, 9)), 15, true),
      OutOfStage(WithMinutes(Act("t4", "mb_a", kTime, DayTime(1, 9)), 45, true)),
  };
  ASSERT_OK_AND_ASSIGN(std::vector<std::string> o2, Record(batch2, kRecordTime + absl::Hours(1)));
  EXPECT_THAT(
      o2, ElementsAre("duplicate", "duplicate", "duplicate", "accepted", "accepted", "accepted"));

  ASSERT_OK_AND_ASSIGN(auto a_rows, store().MemberTotals("mb_a", kDay0, kDay0 + 7));
  EXPECT_THAT(
      Describe(a_rows, "mb_a"),
      UnorderedElementsAre(Describe("mb_a", "tm_a", Totals(kDay0, kWon, 2, 750'00, 0, 0, 2)),
                           Describe("mb_a", "tm_a", Totals(kDay0, kProposal, 1, 0, 0, 0, 1)),
                           Describe("mb_a", "tm_a", Totals(kDay0, kTime, 3, 0, 135, 105)),
                           Describe("mb_a", "tm_a", Totals(kDay0, kCall, 1, 0, 0, 0, 0, 1)),
                           Describe("mb_a", "tm_a", Totals(kDay0, kLost, 1)),
                           Describe("mb_a", "tm_a", Totals(kDay0 + 1, kTime, 1, 0, 45, 45, 0, 1))));
  // [start, end) is half-open on days.
  ASSERT_OK_AND_ASSIGN(auto day1_rows, store().MemberTotals("mb_a", kDay0 + 1, kDay0 + 2));
  EXPECT_THAT(Describe(day1_rows, "mb_a"),
              ElementsAre(Describe("mb_a", "tm_a", Totals(kDay0 + 1, kTime, 1, 0, 45, 45, 0, 1))));
  EXPECT_THAT(store().MemberTotals("mb_a", kDay0 + 2, kDay0 + 7),
              ::salesteam::testing::IsOkAndHolds(IsEmpty()));

  ASSERT_OK_AND_ASSIGN(auto team_rows, store().TeamTotals("tm_a", kDay0, kDay0 + 1));
  EXPECT_THAT(
      Describe(team_rows, "tm_a"),
      UnorderedElementsAre(Describe("team", "tm_a", Totals(kDay0, kWon, 3, 760'00, 0, 0, 3)),
                           Describe("team", "tm_a", Totals(kDay0, kProposal, 1, 0, 0, 0, 1)),
                           Describe("team", "tm_a", Totals(kDay0, kTime, 3, 0, 135, 105)),
                           Describe("team", "tm_a", Totals(kDay0, kCall, 1, 0, 0, 0, 0, 1)),
                           Describe("team", "tm_a", Totals(kDay0, kLost, 1))));
  EXPECT_THAT(store().TeamDayCounts("tm_a", kDay0, kDay0 + 7),
              ::salesteam::testing::IsOkAndHolds(ElementsAre(Pair(kDay0, 9), Pair(kDay0 + 1, 1))));
}

TEST_P(ActivityStoreTest, AggregatesEqualTheAcceptedActivitiesOverManyBatchesWithRepeats) {
  // Six batches of random activities of three members in two teams over four
  // days, each batch after the first also repeating 40 earlier ids with other
  // content. Within a batch a deal reaches each step at most once, so that
  // "first recorded" is well defined.
  std::mt19937 rng(20260302);
  const std::vector<std::pair<std::string, std::string>> members = {
      {"mb_a", "tm_a"}, {"mb_b", "tm_a"}, {"mb_c", "tm_b"}};
  std::vector<Activity> sent;
  std::set<std::string> accepted_ids;
  for (int b = 0; b < 6; ++b) {
    std::vector<Activity> batch;
    std::vector<std::string> expected;
    std::set<std::pair<std::string, int>> steps_in_batch;
    for (int k = 0; k < 120; ++k) {
      const auto& [member, team] = members[rng() % members.size()];
      const ActivityType type = static_cast<ActivityType>(1 + rng() % 12);
      Activity a = Act(absl::StrFormat("gen-%d-%03d", b, k), member, type,
                       DayTime(static_cast<int>(rng() % 4), static_cast<int>(rng() % 600)), team);
      if (rng() % 2 == 0) {
        const std::string deal = absl::StrCat("deal-", rng() % 12);
        if (!IsFunnelType(type) || steps_in_batch.emplace(deal, type).second) {
          a = WithDeal(std::move(a), deal);
        }
      }
      if (type == kWon) {
        a = WithAmount(std::move(a), 1000 + rng() % 100'000);
      } else if (rng() % 5 == 0) {
        a = WithAmount(std::move(a), rng() % 5000);
      }
      if (type == kTime) a = WithMinutes(std::move(a), 1 + rng() % 240, rng() % 2 == 0);
      if (rng() % 7 == 0) a = OutOfStage(std::move(a));
      batch.push_back(a);
      expected.push_back("accepted");
    }
    if (b > 0) {
      std::set<size_t> picked;
      while (picked.size() < 40) picked.insert(rng() % sent.size());
      for (size_t i : picked) {
        Activity repeat = WithMinutes(
            WithAmount(WithDeal(Act(sent[i].activity_id(), "mb_a", kWon, DayTime(2)), "deal-x"),
                       777'777),
            999, true);
        batch.insert(batch.begin() + static_cast<long>(rng() % (batch.size() + 1)), repeat);
      }
      expected.clear();
      for (const Activity& a : batch) {
        expected.push_back(accepted_ids.count(a.activity_id()) ? "duplicate" : "accepted");
      }
    }
    ASSERT_OK_AND_ASSIGN(std::vector<std::string> outcomes,
                         Record(batch, kRecordTime + absl::Seconds(b)));
    EXPECT_THAT(outcomes, ElementsAreArray(expected)) << "batch " << b;
    for (const Activity& a : batch) {
      if (accepted_ids.insert(a.activity_id()).second) sent.push_back(a);
    }
  }
  EXPECT_THAT(store().CountActivities(),
              ::salesteam::testing::IsOkAndHolds(static_cast<int64_t>(accepted_ids.size())));
  ExpectAggregatesMatchStoredActivities({"tm_a", "tm_b"}, {"mb_a", "mb_b", "mb_c"}, kDay0,
                                        kDay0 + 4);
  if (HasFailure()) return;
  // And the stored activities are the first versions, as sent.
  ASSERT_OK_AND_ASSIGN(std::vector<Activity> tm_a, ListTeam("tm_a"));
  ASSERT_OK_AND_ASSIGN(std::vector<Activity> tm_b, ListTeam("tm_b"));
  std::map<std::string, Activity> stored;
  for (const Activity& a : tm_a) stored.emplace(a.activity_id(), a);
  for (const Activity& a : tm_b) stored.emplace(a.activity_id(), a);
  ASSERT_EQ(stored.size(), sent.size());
  for (const Activity& a : sent) {
    auto it = stored.find(a.activity_id());
    ASSERT_NE(it, stored.end()) << a.activity_id();
    Activity without_record_time = it->second;
    without_record_time.clear_record_time();
    EXPECT_TRUE(google::protobuf::util::MessageDifferencer::Equals(without_record_time, a))
        << without_record_time.DebugString() << " vs sent " << a.DebugString();
  }
}

// ---- Funnel ----

TEST_P(ActivityStoreTest, ADealCountsOncePerFunnelStepAndActivitiesWithoutDealEachCount) {
  const std::vector<Activity> batch1 = {
      WithDeal(Act("l1", "mb_a", kLead, DayTime(0, 1)), "deal-A"),
      WithDeal(Act("l2", "mb_b", kLead, DayTime(0, 2)), "deal-A"),
      Act("l3", "mb_a", kLead, DayTime(0, 3)),
      Act("l4", "mb_b", kLead, DayTime(0, 4)),
      WithDeal(Act("m1", "mb_a", kMeetingHeld, DayTime(0, 5)), "deal-A"),
      WithDeal(Act("p1", "mb_a", kProposal, DayTime(0, 6)), "deal-B"),
      // Not a funnel step, deal or not.
      WithDeal(Act("c1", "mb_a", kCall, DayTime(0, 7)), "deal-A"),
  };
  ASSERT_OK_AND_ASSIGN(std::vector<std::string> o1, Record(batch1, kRecordTime));
  EXPECT_THAT(o1, ::testing::Each("accepted"));
  // Day 0, both members: deal-A's lead once, plus l3 and l4.
  ASSERT_OK_AND_ASSIGN(auto day0, store().TeamTotals("tm_a", kDay0, kDay0 + 1));
  EXPECT_THAT(
      Describe(day0, "tm_a"),
      UnorderedElementsAre(Describe("team", "tm_a", Totals(kDay0, kLead, 4, 0, 0, 0, 3)),
                           Describe("team", "tm_a", Totals(kDay0, kMeetingHeld, 1, 0, 0, 0, 1)),
                           Describe("team", "tm_a", Totals(kDay0, kProposal, 1, 0, 0, 0, 1)),
                           Describe("team", "tm_a", Totals(kDay0, kCall, 1))));

  const std::vector<Activity> batch2 = {
      // deal-A reached these steps in batch 1 already.
      WithDeal(Act("l5", "mb_b", kLead, DayTime(1, 1)), "deal-A"),
      WithDeal(Act("m2", "mb_b", kMeetingHeld, DayTime(1, 2)), "deal-A"),
      // New steps of known deals count, on the member who reached them.
      WithAmount(WithDeal(Act("w1", "mb_b", kWon, DayTime(1, 3)), "deal-A"), 100'00),
      WithDeal(Act("m3", "mb_b", kMeetingHeld, DayTime(1, 4)), "deal-B"),
      Act("l6", "mb_b", kLead, DayTime(1, 5)),
      // A repeat of m1 naming another deal registers nothing for deal-C.
      WithDeal(Act("m1", "mb_a", kMeetingHeld, DayTime(0, 5)), "deal-C"),
  };
  ASSERT_OK_AND_ASSIGN(std::vector<std::string> o2, Record(batch2, kRecordTime + absl::Hours(1)));
  EXPECT_THAT(o2,
              ElementsAre("accepted", "accepted", "accepted", "accepted", "accepted", "duplicate"));
  const std::vector<Activity> batch3 = {
      WithDeal(Act("m4", "mb_a", kMeetingHeld, DayTime(1, 6)), "deal-C"),
  };
  ASSERT_OK(Record(batch3, kRecordTime + absl::Hours(2)).status());

  ASSERT_OK_AND_ASSIGN(auto b_rows, store().MemberTotals("mb_b", kDay0 + 1, kDay0 + 2));
  EXPECT_THAT(
      Describe(b_rows, "mb_b"),
      UnorderedElementsAre(Describe("mb_b", "tm_a", Totals(kDay0 + 1, kLead, 2, 0, 0, 0, 1)),
                           Describe("mb_b", "tm_a", Totals(kDay0 + 1, kMeetingHeld, 2, 0, 0, 0, 1)),
                           Describe("mb_b", "tm_a", Totals(kDay0 + 1, kWon, 1, 100'00, 0, 0, 1))));
  ASSERT_OK_AND_ASSIGN(auto a_rows, store().MemberTotals("mb_a", kDay0 + 1, kDay0 + 2));
  EXPECT_THAT(
      Describe(a_rows, "mb_a"),
      ElementsAre(Describe("mb_a", "tm_a", Totals(kDay0 + 1, kMeetingHeld, 1, 0, 0, 0, 1))));

  // Over both days: leads 4 (deal-A, l3, l4, l6) of 6; meetings held 3
  // (deal-A, deal-B, deal-C) of 4; proposals 1; won 1.
  ASSERT_OK_AND_ASSIGN(auto all, store().TeamTotals("tm_a", kDay0, kDay0 + 2));
  std::map<ActivityType, std::pair<int64_t, int64_t>> by_type;
  for (const DailyTotals& t : all) {
    by_type[t.type].first += t.count;
    by_type[t.type].second += t.funnel_count;
  }
  EXPECT_THAT(by_type, UnorderedElementsAre(Pair(kLead, Pair(6, 4)), Pair(kMeetingHeld, Pair(4, 3)),
                                            Pair(kProposal, Pair(1, 1)), Pair(kWon, Pair(1, 1)),
                                            Pair(kCall, Pair(1, 0))));
}

TEST_P(ActivityStoreTest, ADealReachingAStepTwiceInOneBatchCountsOnce) {
  std::vector<Activity> batch;
  for (int i = 0; i < 300; ++i) {
    batch.push_back(WithDeal(
        Act(absl::StrCat("lead-", i), i % 2 == 0 ? "mb_a" : "mb_b", kLead, DayTime(i % 2, i)),
        absl::StrCat("deal-", i % 7)));
  }
  ASSERT_OK(Record(batch).status());
  ASSERT_OK_AND_ASSIGN(auto rows, store().TeamTotals("tm_a", kDay0, kDay0 + 2));
  int64_t count = 0;
  int64_t funnel = 0;
  for (const DailyTotals& t : rows) {
    count += t.count;
    funnel += t.funnel_count;
  }
  EXPECT_EQ(count, 300);
  EXPECT_EQ(funnel, 7);
}

// ---- Team-day counts and per-member rows ----

TEST_P(ActivityStoreTest, TeamDayCountsEqualAcceptedActivitiesPerTeamDayOverManyRecords) {
  // 24 small batches, so that the count of one team-day is spread over
  // several shards, each batch also repeating an id of the one before.
  std::map<std::pair<std::string, Date>, int64_t> expected;
  std::vector<Activity> previous;
  for (int b = 0; b < 24; ++b) {
    std::vector<Activity> batch;
    for (int k = 0; k < 5; ++k) {
      const int day = (b + k) % 3;
      const std::string team = k == 4 ? "tm_b" : "tm_a";
      batch.push_back(Act(absl::StrCat("b", b, "-", k), k == 4 ? "mb_c" : "mb_a", kCall,
                          DayTime(day, k), team));
      expected[{team, kDay0 + day}] += 1;
    }
    if (!previous.empty()) batch.push_back(previous[0]);
    ASSERT_OK_AND_ASSIGN(std::vector<std::string> outcomes,
                         Record(batch, kRecordTime + absl::Seconds(b)));
    EXPECT_EQ(std::count(outcomes.begin(), outcomes.end(), "accepted"), 5) << "batch " << b;
    previous = batch;
  }
  EXPECT_THAT(
      store().TeamDayCounts("tm_a", kDay0, kDay0 + 7),
      ::salesteam::testing::IsOkAndHolds(ElementsAre(
          Pair(kDay0, expected[{"tm_a", kDay0}]), Pair(kDay0 + 1, expected[{"tm_a", kDay0 + 1}]),
          Pair(kDay0 + 2, expected[{"tm_a", kDay0 + 2}]))));
  // Half-open, and days without activity are absent.
  EXPECT_THAT(store().TeamDayCounts("tm_a", kDay0 + 1, kDay0 + 2),
              ::salesteam::testing::IsOkAndHolds(
                  ElementsAre(Pair(kDay0 + 1, expected[{"tm_a", kDay0 + 1}]))));
  EXPECT_THAT(store().TeamDayCounts("tm_a", kDay0 + 3, kDay0 + 7),
              ::salesteam::testing::IsOkAndHolds(IsEmpty()));
  EXPECT_THAT(
      store().TeamDayCounts("tm_b", kDay0, kDay0 + 3),
      ::salesteam::testing::IsOkAndHolds(ElementsAre(
          Pair(kDay0, expected[{"tm_b", kDay0}]), Pair(kDay0 + 1, expected[{"tm_b", kDay0 + 1}]),
          Pair(kDay0 + 2, expected[{"tm_b", kDay0 + 2}]))));
  EXPECT_EQ(TeamDayTotal("tm_a", kDay0, kDay0 + 7) + TeamDayTotal("tm_b", kDay0, kDay0 + 7), 120);
  ExpectAggregatesMatchStoredActivities({"tm_a", "tm_b"}, {"mb_a", "mb_c"}, kDay0, kDay0 + 3);
}

TEST_P(ActivityStoreTest, PerMemberRowsFollowTheTeamTheMemberHadThatDay) {
  // mb_m counts for tm_a on day 0 and for tm_b (as an AE) on day 1.
  Activity moved = Act("m-2", "mb_m", kCall, DayTime(1, 1), "tm_b");
  moved.set_role(rosterpb::MEMBER_ROLE_ACCOUNT_EXECUTIVE);
  const std::vector<Activity> batch = {
      Act("m-1", "mb_m", kCall, DayTime(0, 1), "tm_a"),
      moved,
      Act("a-1", "mb_a", kCall, DayTime(0, 2), "tm_a"),
      Act("a-2", "mb_a", kCall, DayTime(0, 3), "tm_a"),
      Act("a-3", "mb_a", kEmail, DayTime(1, 3), "tm_a"),
  };
  ASSERT_OK(Record(batch).status());

  ASSERT_OK_AND_ASSIGN(auto tm_a, store().TeamMemberTotals("tm_a", kDay0, kDay0 + 2));
  EXPECT_THAT(Describe(tm_a, "tm_a"),
              UnorderedElementsAre(Describe("mb_m", "tm_a", Totals(kDay0, kCall, 1)),
                                   Describe("mb_a", "tm_a", Totals(kDay0, kCall, 2)),
                                   Describe("mb_a", "tm_a", Totals(kDay0 + 1, kEmail, 1))));
  ASSERT_OK_AND_ASSIGN(auto tm_b_day1, store().TeamDayMemberTotals("tm_b", kDay0 + 1));
  EXPECT_THAT(Describe(tm_b_day1, "tm_b"),
              ElementsAre(Describe("mb_m", "tm_b", Totals(kDay0 + 1, kCall, 1))));
  EXPECT_THAT(store().TeamDayMemberTotals("tm_b", kDay0),
              ::salesteam::testing::IsOkAndHolds(IsEmpty()));
  ASSERT_OK_AND_ASSIGN(auto tm_a_day1, store().TeamDayMemberTotals("tm_a", kDay0 + 1));
  EXPECT_THAT(Describe(tm_a_day1, "tm_a"),
              ElementsAre(Describe("mb_a", "tm_a", Totals(kDay0 + 1, kEmail, 1))));
  ASSERT_OK_AND_ASSIGN(auto m_rows, store().MemberTotals("mb_m", kDay0, kDay0 + 2));
  EXPECT_THAT(Describe(m_rows, "mb_m"),
              UnorderedElementsAre(Describe("mb_m", "tm_a", Totals(kDay0, kCall, 1)),
                                   Describe("mb_m", "tm_b", Totals(kDay0 + 1, kCall, 1))));
  ASSERT_OK_AND_ASSIGN(auto tm_b_totals, store().TeamTotals("tm_b", kDay0, kDay0 + 2));
  EXPECT_THAT(Describe(tm_b_totals, "tm_b"),
              ElementsAre(Describe("team", "tm_b", Totals(kDay0 + 1, kCall, 1))));
}

// ---- List ----

TEST_P(ActivityStoreTest, ListRoundTripsEveryField) {
  Activity won =
      WithAmount(WithDeal(Act("crm-won", "mb_a", kWon, DayTime(0, 1)), "deal-42"), 1234'56);
  // Sub-second instants, kept to the microsecond.
  won.mutable_occurred_at()->set_nanos(123'456'000);
  won.set_team_id("tm_east");
  won.set_role(rosterpb::MEMBER_ROLE_ACCOUNT_EXECUTIVE);
  // The attributed day, whatever the UTC day (a zone ahead of UTC).
  periods::DateToProto(kDay0 + 1, won.mutable_local_date());
  won.set_out_of_stage(true);
  won.set_source_system("salesforce");
  Activity logged = WithMinutes(Act("crm-time", "mb_a", kTime, DayTime(0, 2), "tm_east"), 75, true);
  Activity bare = Act("crm-bare", "mb_a", kCall, DayTime(0, 3), "tm_east");
  bare.set_source_system("dialer");
  const std::vector<Activity> batch = {won, logged, bare};
  ASSERT_OK(Record(batch, kRecordTime).status());

  ASSERT_OK_AND_ASSIGN(std::vector<Activity> stored, ListMember("mb_a"));
  ASSERT_THAT(Ids(stored), ElementsAre("crm-bare", "crm-time", "crm-won"));
  const Activity* expected[] = {&bare, &logged, &won};
  for (int i = 0; i < 3; ++i) {
    Activity want = *expected[i];
    periods::TimeToProto(kRecordTime, want.mutable_record_time());
    EXPECT_TRUE(google::protobuf::util::MessageDifferencer::Equals(stored[i], want))
        << "stored:\n"
        << stored[i].DebugString() << "want:\n"
        << want.DebugString();
  }
  EXPECT_FALSE(stored[0].has_amount());
  EXPECT_EQ(stored[0].deal_id(), "");
}

TEST_P(ActivityStoreTest, ListByMemberIsNewestFirstWithinAHalfOpenRange) {
  const std::vector<Activity> batch = {
      Act("e0", "mb_a", kEmail, DayTime(0, 0)), Act("e1", "mb_a", kEmail, DayTime(0, 10)),
      Act("e2", "mb_a", kEmail, DayTime(0, 20)), Act("e3", "mb_a", kEmail, DayTime(0, 30)),
      Act("other", "mb_b", kEmail, DayTime(0, 15))};
  ASSERT_OK(Record(batch).status());
  ListQuery query;
  query.member_id = "mb_a";
  EXPECT_THAT(ListAll(query, 100), ::salesteam::testing::IsOkAndHolds(::testing::ResultOf(
                                       Ids, ElementsAre("e3", "e2", "e1", "e0"))));
  query.start = DayTime(0, 10);  // inclusive
  query.end = DayTime(0, 30);    // exclusive
  EXPECT_THAT(ListAll(query, 100), ::salesteam::testing::IsOkAndHolds(
                                       ::testing::ResultOf(Ids, ElementsAre("e2", "e1"))));
  query.start = DayTime(0, 10) + absl::Microseconds(1);
  query.end = DayTime(0, 30) + absl::Microseconds(1);
  EXPECT_THAT(ListAll(query, 100), ::salesteam::testing::IsOkAndHolds(
                                       ::testing::ResultOf(Ids, ElementsAre("e3", "e2"))));
  query.start.reset();
  query.end = DayTime(0, 0);
  EXPECT_THAT(ListAll(query, 100), ::salesteam::testing::IsOkAndHolds(IsEmpty()));
}

TEST_P(ActivityStoreTest, ListByTeamHasEveryMemberOfTheTeamAndNoOther) {
  const std::vector<Activity> batch = {
      Act("a1", "mb_a", kCall, DayTime(0, 1)), Act("b1", "mb_b", kCall, DayTime(0, 2)),
      Act("c1", "mb_c", kCall, DayTime(0, 3), "tm_b"), Act("a2", "mb_a", kCall, DayTime(1, 1))};
  ASSERT_OK(Record(batch).status());
  EXPECT_THAT(ListTeam("tm_a"), ::salesteam::testing::IsOkAndHolds(
                                    ::testing::ResultOf(Ids, ElementsAre("a2", "b1", "a1"))));
  EXPECT_THAT(ListTeam("tm_b"),
              ::salesteam::testing::IsOkAndHolds(::testing::ResultOf(Ids, ElementsAre("c1"))));
  EXPECT_THAT(ListTeam("tm_none"), ::salesteam::testing::IsOkAndHolds(IsEmpty()));
}

TEST_P(ActivityStoreTest, ListFiltersByTypes) {
  const std::vector<Activity> batch = {
      Act("call", "mb_a", kCall, DayTime(0, 1)),
      WithAmount(Act("won", "mb_a", kWon, DayTime(0, 2)), 100),
      Act("email", "mb_a", kEmail, DayTime(0, 3)),
      Act("lead", "mb_a", kLead, DayTime(0, 4)),
  };
  ASSERT_OK(Record(batch).status());
  ListQuery query;
  query.member_id = "mb_a";
  query.types = {kCall, kWon};
  EXPECT_THAT(ListAll(query, 100), ::salesteam::testing::IsOkAndHolds(
                                       ::testing::ResultOf(Ids, ElementsAre("won", "call"))));
  query.types = {kProposal};
  EXPECT_THAT(ListAll(query, 100), ::salesteam::testing::IsOkAndHolds(IsEmpty()));
}

TEST_P(ActivityStoreTest, PagingVisitsEveryActivityOnceEvenWithEqualTimestamps) {
  // 30 activities in 8 instants: up to four share one occurred_at, so pages
  // often end inside a group of equal timestamps.
  std::vector<Activity> batch;
  for (int i = 0; i < 30; ++i) {
    batch.push_back(
        Act(absl::StrCat("same-", i), "mb_a", i % 5 == 0 ? kWon : kCall, DayTime(0, i / 4)));
  }
  ASSERT_OK(Record(batch).status());
  // Newest first; equal instants by fingerprint, descending.
  std::vector<Activity> sorted = batch;
  std::sort(sorted.begin(), sorted.end(), [](const Activity& a, const Activity& b) {
    return std::make_pair(OccurredAt(a), ActivityIdHash(a.activity_id())) >
           std::make_pair(OccurredAt(b), ActivityIdHash(b.activity_id()));
  });
  for (int page_size : {1, 3, 4, 7, 29, 30, 31}) {
    ListQuery query;
    query.member_id = "mb_a";
    int pages = 0;
    ASSERT_OK_AND_ASSIGN(std::vector<Activity> all, ListAll(query, page_size, &pages));
    EXPECT_THAT(Ids(all), ElementsAreArray(Ids(sorted))) << "page size " << page_size;
    EXPECT_EQ(pages, (30 + page_size - 1) / page_size) << "page size " << page_size;
    query.team_id = "tm_a";
    query.member_id.clear();
    ASSERT_OK_AND_ASSIGN(std::vector<Activity> by_team, ListAll(query, page_size));
    EXPECT_THAT(Ids(by_team), ElementsAreArray(Ids(sorted))) << "page size " << page_size;
  }
  // With a filter and a range too.
  std::vector<std::string> calls;
  for (const Activity& a : sorted) {
    if (a.type() == kCall && OccurredAt(a) < DayTime(0, 6)) calls.push_back(a.activity_id());
  }
  ListQuery query;
  query.member_id = "mb_a";
  query.types = {kCall};
  query.end = DayTime(0, 6);
  ASSERT_OK_AND_ASSIGN(std::vector<Activity> filtered, ListAll(query, 2));
  EXPECT_THAT(Ids(filtered), ElementsAreArray(calls));
}

// ---- Concurrency ----

// How often each writer of a race was told each id was accepted (or a
// collision), and how each writer ended.
struct RaceResult {
  std::vector<absl::Status> statuses;
  std::vector<std::vector<int>> accepted;
  std::vector<std::vector<int>> collisions;
};

// Runs one thread per plan at once: writer w records on stores[w] the slices
// [begin, end) of `items` its plan lists, one Record call each, in order.
RaceResult Race(absl::Span<const NewActivity> items,
                const std::vector<std::vector<std::pair<int, int>>>& plans,
                const std::vector<ActivityStore*>& stores) {
  RaceResult result;
  result.statuses.resize(plans.size());
  result.accepted.assign(plans.size(), std::vector<int>(items.size(), 0));
  result.collisions.assign(plans.size(), std::vector<int>(items.size(), 0));
  std::vector<std::thread> writers;
  for (size_t w = 0; w < plans.size(); ++w) {
    writers.emplace_back([&, w] {
      for (const auto& [begin, end] : plans[w]) {
        absl::StatusOr<std::vector<RecordOutcome>> outcomes =
            stores[w]->Record(items.subspan(begin, end - begin), kRecordTime);
        if (!outcomes.ok()) {
          result.statuses[w] = outcomes.status();
          return;
        }
        for (int k = 0; k < end - begin; ++k) {
          if ((*outcomes)[k] == RecordOutcome::kAccepted) ++result.accepted[w][begin + k];
          if ((*outcomes)[k] == RecordOutcome::kFingerprintCollision) {
            ++result.collisions[w][begin + k];
          }
        }
      }
    });
  }
  for (std::thread& t : writers) t.join();
  return result;
}

// `count` activities of mb_a and mb_b in tm_a over two days: leads, meetings
// held and calls, most on one of 40 shared deals.
std::vector<Activity> RaceActivities(int count) {
  std::vector<Activity> all;
  for (int i = 0; i < count; ++i) {
    const ActivityType type = i % 3 == 0 ? kLead : (i % 3 == 1 ? kMeetingHeld : kCall);
    Activity a = Act(absl::StrFormat("race-%04d", i), i % 2 == 0 ? "mb_a" : "mb_b", type,
                     DayTime(i % 2, i % 500));
    if (i % 4 != 0) a = WithDeal(std::move(a), absl::StrCat("deal-", i % 40));
    all.push_back(std::move(a));
  }
  return all;
}

// Every id of `all` accepted by exactly one writer, never a collision, and
// the team's aggregates count each activity once and each deal once per
// step. (Which member's row holds a deal's step depends on who won the race,
// so this compares team sums per type.)
void ActivityStoreTest::ExpectRaceCountedEachActivityOnce(const std::vector<Activity>& all,
                                                          const RaceResult& race) {
  for (size_t w = 0; w < race.statuses.size(); ++w) {
    ASSERT_OK(race.statuses[w]) << "writer " << w;
  }
  for (size_t i = 0; i < all.size(); ++i) {
    int times = 0;
    for (size_t w = 0; w < race.statuses.size(); ++w) {
      times += race.accepted[w][i];
      EXPECT_EQ(race.collisions[w][i], 0) << all[i].activity_id() << " writer " << w;
    }
    EXPECT_EQ(times, 1) << all[i].activity_id() << " accepted " << times << " times";
  }
  EXPECT_THAT(store().CountActivities(),
              ::salesteam::testing::IsOkAndHolds(static_cast<int64_t>(all.size())));
  EXPECT_EQ(TeamDayTotal("tm_a", kDay0, kDay0 + 2), static_cast<int64_t>(all.size()));
  ASSERT_OK_AND_ASSIGN(auto rows, store().TeamTotals("tm_a", kDay0, kDay0 + 2));
  std::map<ActivityType, std::pair<int64_t, int64_t>> by_type;
  for (const DailyTotals& t : rows) {
    by_type[t.type].first += t.count;
    by_type[t.type].second += t.funnel_count;
  }
  std::map<ActivityType, std::pair<int64_t, int64_t>> expected;
  std::set<std::pair<std::string, int>> steps;
  for (const Activity& a : all) {
    expected[a.type()].first += 1;
    if (IsFunnelType(a.type()) &&
        (a.deal_id().empty() || steps.emplace(a.deal_id(), a.type()).second)) {
      expected[a.type()].second += 1;
    }
  }
  EXPECT_THAT(by_type, ElementsAreArray(expected));
}

TEST_P(ActivityStoreTest, ConcurrentWritersOfOverlappingBatchesAcceptEachIdExactlyOnce) {
  // 600 ids, two writers each sending all of them twice in differently cut
  // batches. On PostgreSQL each writer has its own database handle and store,
  // as two replicas of the service do. An SQLite file is owned by one
  // process (one store; see the migration), so there the writers are two
  // threads of that process sharing its store on their own handles' behalf.
  const std::vector<Activity> all = RaceActivities(600);
  const std::vector<NewActivity> items = ToNew(all);
  const std::vector<std::vector<std::pair<int, int>>> plans = {
      {{0, 200}, {200, 400}, {400, 600}, {0, 600}},
      {{300, 600}, {0, 300}, {150, 450}, {0, 150}, {450, 600}},
  };
  std::vector<std::unique_ptr<store::Database>> handles;
  std::vector<std::unique_ptr<ActivityStore>> own_stores;
  std::vector<ActivityStore*> stores;
  for (size_t w = 0; w < plans.size(); ++w) {
    if (kind() == ::salesteam::testing::DatabaseKind::kSqlite) {
      stores.push_back(&store());
      continue;
    }
    ASSERT_OK_AND_ASSIGN(std::unique_ptr<store::Database> handle, test_database().Open());
    own_stores.push_back(std::make_unique<ActivityStore>(handle.get()));
    stores.push_back(own_stores.back().get());
    handles.push_back(std::move(handle));
  }
  const RaceResult race = Race(items, plans, stores);
  own_stores.clear();
  handles.clear();
  ExpectRaceCountedEachActivityOnce(all, race);
}

TEST_P(ActivityStoreTest, ManyConcurrentCallsOnOneStoreAcceptEachIdExactlyOnce) {
  // Eight threads of one service calling Record at once (written together
  // by group commit), each sending every id once, cut at random places and
  // in a random order of slices.
  constexpr int kIds = 800;
  constexpr int kThreads = 8;
  const std::vector<Activity> all = RaceActivities(kIds);
  const std::vector<NewActivity> items = ToNew(all);
  std::mt19937 rng(8);
  std::vector<std::vector<std::pair<int, int>>> plans(kThreads);
  for (auto& plan : plans) {
    for (int begin = 0; begin < kIds;) {
      const int end = std::min(kIds, begin + 1 + static_cast<int>(rng() % 150));
      plan.emplace_back(begin, end);
      begin = end;
    }
    std::shuffle(plan.begin(), plan.end(), rng);
  }
  const RaceResult race = Race(items, plans, std::vector<ActivityStore*>(kThreads, &store()));
  ExpectRaceCountedEachActivityOnce(all, race);
}

TEST_P(ActivityStoreTest, WritersSharingDealsInOppositeFingerprintOrderDoNotDeadlock) {
  // Record writes rows in a fixed order so that concurrent transactions take
  // their locks in one order and never deadlock. Two disjoint batches of
  // leads on the same 200 deals, which in fingerprint order name the deals
  // in opposite orders, are held just before their funnel-step inserts until
  // both are there, then let go together: neither may need a second attempt.
  if (kind() == ::salesteam::testing::DatabaseKind::kSqlite) {
    GTEST_SKIP() << "SQLite runs one writer at a time: there is no lock order to get wrong";
  }
  constexpr int kDeals = 200;
  auto make_batch = [](absl::string_view prefix, bool reverse) {
    std::vector<std::string> ids;
    for (int i = 0; i < kDeals; ++i) ids.push_back(absl::StrCat(prefix, i));
    std::sort(ids.begin(), ids.end(), [](const std::string& a, const std::string& b) {
      return ActivityIdHash(a) < ActivityIdHash(b);
    });
    std::vector<Activity> batch;
    for (int k = 0; k < kDeals; ++k) {
      batch.push_back(WithDeal(Act(ids[k], "mb_a", kLead, DayTime(0, k)),
                               absl::StrCat("deal-", reverse ? kDeals - 1 - k : k)));
    }
    return batch;
  };
  const std::vector<std::vector<Activity>> batches = {make_batch("up-", false),
                                                      make_batch("down-", true)};

  absl::Mutex mu;
  int arrived = 0;
  std::vector<int> attempts(batches.size(), 0);
  std::vector<bool> waited(batches.size(), false);
  std::vector<std::unique_ptr<store::Database>> handles;
  std::vector<std::unique_ptr<StatementHookDatabase>> hooked;
  std::vector<std::unique_ptr<ActivityStore>> stores;
  for (size_t w = 0; w < batches.size(); ++w) {
    ASSERT_OK_AND_ASSIGN(std::unique_ptr<store::Database> handle, test_database().Open());
    hooked.push_back(
        std::make_unique<StatementHookDatabase>(handle.get(), [&, w](absl::string_view sql) {
          absl::MutexLock lock(&mu);
          if (sql == kAttemptBegins) {
            ++attempts[w];
            return;
          }
          if (!absl::StrContains(sql, "INSERT INTO deal_steps") || waited[w]) return;
          waited[w] = true;
          ++arrived;
          mu.AwaitWithTimeout(absl::Condition(
                                  +[](int* n) { return *n == 2; }, &arrived),
                              absl::Seconds(10));
        }));
    stores.push_back(std::make_unique<ActivityStore>(hooked.back().get()));
    handles.push_back(std::move(handle));
  }
  std::vector<absl::StatusOr<std::vector<RecordOutcome>>> results(batches.size(),
                                                                  absl::UnknownError("not run"));
  std::vector<std::vector<NewActivity>> items;
  for (const std::vector<Activity>& batch : batches) items.push_back(ToNew(batch));
  std::vector<std::thread> writers;
  for (size_t w = 0; w < batches.size(); ++w) {
    writers.emplace_back([&, w] { results[w] = stores[w]->Record(items[w], kRecordTime); });
  }
  for (std::thread& t : writers) t.join();
  stores.clear();
  hooked.clear();
  handles.clear();
  for (size_t w = 0; w < batches.size(); ++w) {
    ASSERT_OK(results[w].status()) << "writer " << w;
    EXPECT_THAT(Names(*results[w]), ::testing::Each("accepted")) << "writer " << w;
    EXPECT_EQ(attempts[w], 1) << "writer " << w
                              << "'s transaction ran more than once: PostgreSQL aborted it "
                                 "(a deadlock, after deadlock_timeout) and it was retried";
  }
  ASSERT_OK_AND_ASSIGN(auto rows, store().TeamTotals("tm_a", kDay0, kDay0 + 1));
  EXPECT_THAT(
      Describe(rows, "tm_a"),
      ElementsAre(Describe("team", "tm_a", Totals(kDay0, kLead, 2 * kDeals, 0, 0, 0, kDeals))));
}

TEST_P(ActivityStoreTest, OnPostgresASecondGroupIsWrittenWhileTheFirstIsOpen) {
  // ActivityStoreOptions::postgres_writers = 2: a Record call arriving while
  // another one's transaction is open is written by a second transaction at
  // the same time, not after the first (which is held here, for up to 10 s,
  // until the second transaction begins).
  if (kind() == ::salesteam::testing::DatabaseKind::kSqlite) {
    GTEST_SKIP() << "SQLite has one writer";
  }
  absl::Mutex mu;
  int begun = 0;
  bool overlapped = false;
  StatementHookDatabase hooked(&db(), [&](absl::string_view sql) {
    if (sql != kAttemptBegins) return;
    absl::MutexLock lock(&mu);
    if (++begun == 1) {
      overlapped = mu.AwaitWithTimeout(absl::Condition(
                                           +[](int* n) { return *n >= 2; }, &begun),
                                       absl::Seconds(10));
    }
  });
  ActivityStoreOptions options;
  options.postgres_writers = 2;
  ActivityStore shared(&hooked, options);
  const std::vector<Activity> first = {Act("g-1", "mb_a", kCall, DayTime(0, 1))};
  const std::vector<Activity> second = {Act("g-2", "mb_a", kCall, DayTime(0, 2))};
  absl::StatusOr<std::vector<std::string>> first_result = absl::UnknownError("not run");
  absl::StatusOr<std::vector<std::string>> second_result = absl::UnknownError("not run");
  std::thread first_writer([&] { first_result = Record(first, kRecordTime, &shared); });
  {
    absl::MutexLock lock(&mu);
    mu.AwaitWithTimeout(absl::Condition(
                            +[](int* n) { return *n >= 1; }, &begun),
                        absl::Seconds(10));
  }
  std::thread second_writer([&] { second_result = Record(second, kRecordTime, &shared); });
  first_writer.join();
  second_writer.join();
  EXPECT_THAT(first_result, ::salesteam::testing::IsOkAndHolds(ElementsAre("accepted")));
  EXPECT_THAT(second_result, ::salesteam::testing::IsOkAndHolds(ElementsAre("accepted")));
  absl::MutexLock lock(&mu);
  EXPECT_TRUE(overlapped) << "the second Record call's transaction began only after the first "
                             "one's ended: groups of one store are written one at a time";
}

// ---- Failures ----

TEST_P(ActivityStoreTest, AStatementFailingMidRecordLeavesNothingAndARetryAcceptsAll) {
  const std::vector<Activity> before = {Act("old-1", "mb_a", kCall, DayTime(0, 1))};
  ASSERT_OK(Record(before, kRecordTime - absl::Hours(1)).status());
  // The team-day counts are written last: with their table gone, Record fails
  // after it has written activities, funnel steps and daily rows.
  ASSERT_OK(db().Execute("ALTER TABLE team_day_counts RENAME TO team_day_counts_away").status());
  std::vector<Activity> batch = {
      Act("old-1", "mb_a", kCall, DayTime(0, 1)),
      WithDeal(Act("new-lead", "mb_a", kLead, DayTime(0, 2)), "deal-1"),
      WithAmount(WithDeal(Act("new-won", "mb_b", kWon, DayTime(0, 3)), "deal-1"), 50'00),
      WithMinutes(Act("new-time", "mb_b", kTime, DayTime(1, 3)), 20, true),
  };
  for (int i = 0; i < 300; ++i) {
    batch.push_back(Act(absl::StrCat("new-call-", i), "mb_a", kCall, DayTime(i % 2, 10 + i)));
  }
  EXPECT_FALSE(Record(batch).ok());
  ASSERT_OK(db().Execute("ALTER TABLE team_day_counts_away RENAME TO team_day_counts").status());

  EXPECT_THAT(store().CountActivities(), ::salesteam::testing::IsOkAndHolds(1));
  ASSERT_OK_AND_ASSIGN(auto a_rows, store().MemberTotals("mb_a", kDay0, kDay0 + 2));
  EXPECT_THAT(Describe(a_rows, "mb_a"),
              ElementsAre(Describe("mb_a", "tm_a", Totals(kDay0, kCall, 1))));
  EXPECT_THAT(store().MemberTotals("mb_b", kDay0, kDay0 + 2),
              ::salesteam::testing::IsOkAndHolds(IsEmpty()));

  ASSERT_OK_AND_ASSIGN(std::vector<std::string> retry, Record(batch));
  std::vector<std::string> expected(batch.size(), "accepted");
  expected[0] = "duplicate";
  EXPECT_THAT(retry, ElementsAreArray(expected));
  EXPECT_THAT(store().CountActivities(),
              ::salesteam::testing::IsOkAndHolds(static_cast<int64_t>(batch.size())));
  // The failed attempt's funnel steps were rolled back too: deal-1 counts now.
  ASSERT_OK_AND_ASSIGN(auto b_rows, store().MemberTotals("mb_b", kDay0, kDay0 + 2));
  EXPECT_THAT(
      Describe(b_rows, "mb_b"),
      UnorderedElementsAre(Describe("mb_b", "tm_a", Totals(kDay0, kWon, 1, 50'00, 0, 0, 1)),
                           Describe("mb_b", "tm_a", Totals(kDay0 + 1, kTime, 1, 0, 20, 20))));
  ExpectAggregatesMatchStoredActivities({"tm_a"}, {"mb_a", "mb_b"}, kDay0, kDay0 + 2);
}

TEST_P(ActivityStoreTest, AFailedCommitLeavesNothingAndARetryAcceptsAll) {
  store::FaultInjectingDatabase faulty(&db());
  ActivityStore faulty_store(&faulty);
  std::vector<Activity> batch;
  for (int i = 0; i < 40; ++i) {
    batch.push_back(
        WithDeal(Act(absl::StrCat("c-", i), "mb_a", i % 2 ? kLead : kMeetingHeld, DayTime(0, i)),
                 absl::StrCat("deal-", i % 5)));
  }
  faulty.FailNextCommits(absl::UnavailableError("connection lost at commit"));
  EXPECT_THAT(Record(batch, kRecordTime, &faulty_store), StatusIs(absl::StatusCode::kUnavailable));
  EXPECT_THAT(store().CountActivities(), ::salesteam::testing::IsOkAndHolds(0));
  EXPECT_THAT(store().MemberTotals("mb_a", kDay0, kDay0 + 1),
              ::salesteam::testing::IsOkAndHolds(IsEmpty()));
  EXPECT_THAT(store().TeamDayCounts("tm_a", kDay0, kDay0 + 1),
              ::salesteam::testing::IsOkAndHolds(IsEmpty()));

  ASSERT_OK_AND_ASSIGN(std::vector<std::string> retry, Record(batch, kRecordTime, &faulty_store));
  EXPECT_THAT(retry, ::testing::Each("accepted"));
  ASSERT_OK_AND_ASSIGN(auto rows, store().MemberTotals("mb_a", kDay0, kDay0 + 1));
  EXPECT_THAT(
      Describe(rows, "mb_a"),
      UnorderedElementsAre(Describe("mb_a", "tm_a", Totals(kDay0, kLead, 20, 0, 0, 0, 5)),
                           Describe("mb_a", "tm_a", Totals(kDay0, kMeetingHeld, 20, 0, 0, 0, 5))));
  EXPECT_THAT(store().TeamDayCounts("tm_a", kDay0, kDay0 + 1),
              ::salesteam::testing::IsOkAndHolds(ElementsAre(Pair(kDay0, 40))));
}

TEST_P(ActivityStoreTest, AnAbortedAttemptIsRetriedWithinRecordAndCountsOnce) {
  // A serialization failure at commit: Transact runs the whole function
  // again, which must not see its own rolled-back rows as repeats.
  store::FaultInjectingDatabase faulty(&db());
  ActivityStore faulty_store(&faulty);
  const std::vector<Activity> earlier = {Act("r-0", "mb_a", kCall, DayTime(0, 0))};
  ASSERT_OK(Record(earlier, kRecordTime - absl::Hours(1)).status());
  std::vector<Activity> batch = earlier;
  for (int i = 1; i <= 20; ++i) {
    batch.push_back(WithDeal(Act(absl::StrCat("r-", i), "mb_a", kLead, DayTime(0, i)),
                             absl::StrCat("deal-", i % 4)));
  }
  faulty.FailNextCommits(absl::AbortedError("could not serialize access"));
  ASSERT_OK_AND_ASSIGN(std::vector<std::string> outcomes,
                       Record(batch, kRecordTime, &faulty_store));
  std::vector<std::string> expected(batch.size(), "accepted");
  expected[0] = "duplicate";
  EXPECT_THAT(outcomes, ElementsAreArray(expected));
  ASSERT_OK_AND_ASSIGN(auto rows, store().MemberTotals("mb_a", kDay0, kDay0 + 1));
  EXPECT_THAT(Describe(rows, "mb_a"),
              UnorderedElementsAre(Describe("mb_a", "tm_a", Totals(kDay0, kCall, 1)),
                                   Describe("mb_a", "tm_a", Totals(kDay0, kLead, 20, 0, 0, 0, 4))));
  EXPECT_THAT(store().TeamDayCounts("tm_a", kDay0, kDay0 + 1),
              ::salesteam::testing::IsOkAndHolds(ElementsAre(Pair(kDay0, 21))));
}

TEST_P(ActivityStoreTest, ARetriedAttemptAnswersWhatTheRetryFoundNotTheFailedAttempt) {
  // Attempt 1 accepts both items and fails at commit (a serialization
  // failure); before attempt 2 another writer records one of them. The
  // answer must be the retry's: that item is a duplicate, counted once.
  if (kind() == ::salesteam::testing::DatabaseKind::kSqlite) {
    GTEST_SKIP() << "SQLite has one writing store per database (the ingest lock), and it "
                    "serializes its groups: no other writer can commit between attempts";
  }
  const std::vector<Activity> batch = {Act("mine", "mb_a", kCall, DayTime(0, 1)),
                                       Act("theirs", "mb_a", kEmail, DayTime(0, 2))};
  absl::Status other_writer;
  BetweenAttemptsDatabase hooked(&db(), [&](int attempt) {
    if (attempt != 2) return;
    const std::vector<Activity> theirs = {batch[1]};
    other_writer = Record(theirs, kRecordTime - absl::Seconds(1)).status();
  });
  store::FaultInjectingDatabase faulty(&hooked);
  ActivityStore faulty_store(&faulty);
  faulty.FailNextCommits(absl::AbortedError("could not serialize access"));
  ASSERT_OK_AND_ASSIGN(std::vector<std::string> outcomes,
                       Record(batch, kRecordTime, &faulty_store));
  ASSERT_OK(other_writer);
  EXPECT_THAT(outcomes, ElementsAre("accepted", "duplicate"));
  EXPECT_THAT(store().CountActivities(), ::salesteam::testing::IsOkAndHolds(2));
  ASSERT_OK_AND_ASSIGN(auto rows, store().MemberTotals("mb_a", kDay0, kDay0 + 1));
  EXPECT_THAT(Describe(rows, "mb_a"),
              UnorderedElementsAre(Describe("mb_a", "tm_a", Totals(kDay0, kCall, 1)),
                                   Describe("mb_a", "tm_a", Totals(kDay0, kEmail, 1))));
  EXPECT_THAT(store().TeamDayCounts("tm_a", kDay0, kDay0 + 1),
              ::salesteam::testing::IsOkAndHolds(ElementsAre(Pair(kDay0, 2))));
}

SALESTEAM_INSTANTIATE_DATABASE_TEST(ActivityStoreTest);

}  // namespace
}  // namespace salesteam::activity
