// RosterStore's contract, run on both backends (test names end in /sqlite and
// /postgres) against real databases with the roster migrations applied.
#include "services/roster/roster_store.h"

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "common/status.h"
#include "common/store/fault_injecting_database.h"
#include "common/store/migrations.h"
#include "common/testing/databases.h"
#include "common/testing/proto_matchers.h"
#include "common/testing/status_matchers.h"
#include "common/time/date.h"
#include "common/time/timestamp.h"
#include "gmock/gmock.h"
#include "google/protobuf/timestamp.pb.h"
#include "google/protobuf/util/message_differencer.h"
#include "gtest/gtest.h"
#include "roster_migrations.h"
#include "salesteam/roster/v1/roster.pb.h"

namespace salesteam::roster {
namespace {

using ::salesteam::testing::DatabaseTest;
using ::salesteam::testing::EqualsProto;
using ::salesteam::testing::IsOkAndHolds;
using ::salesteam::testing::StatusIs;
using ::testing::ElementsAre;
using ::testing::ElementsAreArray;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::SizeIs;
using ::testing::UnorderedElementsAreArray;

using Date = periods::Date;

const absl::Time kCreated = absl::FromUnixSeconds(1'790'000'000);
const absl::Time kLater = absl::FromUnixSeconds(1'790'086'400);

google::protobuf::Timestamp Ts(absl::Time time) {
  google::protobuf::Timestamp proto;
  periods::TimeToProto(time, &proto);
  return proto;
}

std::string Iso(const salesteam::type::v1::Date& proto) {
  absl::StatusOr<Date> date = periods::DateFromProto(proto, "date");
  return date.ok() ? periods::FormatIsoDate(*date) : "<unset>";
}

// "team from..until" for each assignment, to compare histories at a glance.
std::vector<std::string> History(const rosterpb::Member& member) {
  std::vector<std::string> out;
  for (const rosterpb::Assignment& a : member.assignments()) {
    out.push_back(absl::StrCat(a.team_id(), " ", rosterpb::MemberRole_Name(a.role()), " ",
                               Iso(a.effective_from()), "..",
                               a.has_effective_until() ? Iso(a.effective_until()) : ""));
  }
  return out;
}

std::vector<std::string> Ids(const std::vector<rosterpb::Member>& members) {
  std::vector<std::string> ids;
  for (const rosterpb::Member& m : members) ids.push_back(m.id());
  return ids;
}

std::vector<std::string> Ids(const std::vector<rosterpb::TrainingSession>& sessions) {
  std::vector<std::string> ids;
  for (const rosterpb::TrainingSession& s : sessions) ids.push_back(s.id());
  return ids;
}

rosterpb::Team MakeTeam(const std::string& id) {
  rosterpb::Team team;
  team.set_id(id);
  team.set_name(absl::StrCat("Team ", id));
  team.set_time_zone("Europe/Berlin");
  team.set_currency_code("EUR");
  team.set_sales_model(rosterpb::SALES_MODEL_ASSEMBLY_LINE);
  team.mutable_expectation_policy()->set_min_attainment_bps(9000);
  team.mutable_expectation_policy()->set_consecutive_periods(2);
  rosterpb::TrainingCadence* cadence = team.add_training_cadence();
  cadence->set_area(rosterpb::TRAINING_AREA_PROSPECTING);
  cadence->set_max_days_between_sessions(30);
  rosterpb::StageOwnership* owner = team.add_stage_ownership();
  owner->set_stage(rosterpb::JOURNEY_STAGE_LEAD_GENERATION);
  owner->set_role(rosterpb::MEMBER_ROLE_LEAD_GENERATION);
  team.set_version(1);
  *team.mutable_create_time() = Ts(kCreated);
  *team.mutable_update_time() = Ts(kCreated);
  return team;
}

rosterpb::Member MakeMember(const std::string& id, const std::string& email,
                            const std::string& team_id, rosterpb::MemberRole role, Date hire) {
  rosterpb::Member member;
  member.set_id(id);
  member.set_name(absl::StrCat("Name of ", id));
  member.set_email(email);
  member.set_archetype(rosterpb::ARCHETYPE_BUILDER);
  member.set_value_tier(2);
  rosterpb::SkillLevel* skill = member.add_skills();
  skill->set_skill(rosterpb::SKILL_PROSPECTING);
  skill->set_level(5);
  member.add_motivators(rosterpb::MOTIVATOR_RECOGNITION);
  member.add_motivators(rosterpb::MOTIVATOR_MONEY);
  rosterpb::ContactChannel* channel = member.add_contact_channels();
  channel->set_kind(rosterpb::CONTACT_CHANNEL_KIND_SLACK);
  channel->set_address("@someone");
  channel->set_preferred(true);
  periods::DateToProto(hire, member.mutable_hire_date());
  member.set_version(1);
  *member.mutable_create_time() = Ts(kCreated);
  *member.mutable_update_time() = Ts(kCreated);
  rosterpb::Assignment* assignment = member.add_assignments();
  assignment->set_team_id(team_id);
  assignment->set_role(role);
  periods::DateToProto(hire, assignment->mutable_effective_from());
  return member;
}

rosterpb::TrainingSession MakeSession(const std::string& id, const std::string& member_id,
                                      rosterpb::TrainingArea area, Date date) {
  rosterpb::TrainingSession session;
  session.set_id(id);
  session.set_member_id(member_id);
  session.set_area(area);
  periods::DateToProto(date, session.mutable_date());
  session.set_hours(1.5);
  session.set_note("objection handling");
  session.set_recorded_by("mb_manager");
  *session.mutable_create_time() = Ts(kCreated);
  return session;
}

std::vector<int64_t> Sequences(const std::vector<rosterpb::RosterChange>& changes) {
  std::vector<int64_t> sequences;
  for (const rosterpb::RosterChange& change : changes) sequences.push_back(change.sequence());
  return sequences;
}

class RosterStoreTest : public DatabaseTest {
 protected:
  void SetUp() override {
    DatabaseTest::SetUp();
    if (HasFatalFailure()) return;  // no database: the base class said why
    ASSERT_OK(store::ApplyMigrations(db(), migrations::roster()));
    store_ = std::make_unique<RosterStore>(&db());
    ASSERT_OK(store_->InsertTeam(MakeTeam("tm_a")));
    ASSERT_OK(store_->InsertTeam(MakeTeam("tm_b")));
  }

  RosterStore& store() { return *store_; }

  // A member of `team_id` hired on 2026-01-05 as an SDR.
  void AddMember(const std::string& id, const std::string& team_id = "tm_a",
                 rosterpb::MemberRole role = rosterpb::MEMBER_ROLE_SALES_DEVELOPMENT,
                 Date hire = Date(2026, 1, 5)) {
    ASSERT_OK(store().InsertMember(
        MakeMember(id, absl::StrCat(id, "@example.com"), team_id, role, hire)));
  }

  // Every change after `after`, oldest first.
  std::vector<rosterpb::RosterChange> ChangesAfter(int64_t after) {
    absl::StatusOr<ChangePage> page = store().ReadChanges(after, 1000);
    EXPECT_OK(page.status());
    return page.ok() ? page->changes : std::vector<rosterpb::RosterChange>();
  }

  // The newest change (empty when the log has none).
  rosterpb::RosterChange LastChange() {
    std::vector<rosterpb::RosterChange> changes = ChangesAfter(0);
    return changes.empty() ? rosterpb::RosterChange() : changes.back();
  }

  int64_t VersionOf(const std::string& member_id) {
    absl::StatusOr<rosterpb::Member> member = store().GetMember(member_id);
    return member.ok() ? member->version() : -1;
  }

 private:
  std::unique_ptr<RosterStore> store_;
};

// ---- Teams ----

TEST_P(RosterStoreTest, TeamRoundTripsEveryField) {
  rosterpb::Team team = MakeTeam("tm_full");
  team.set_manager_id("mb_boss");
  ASSERT_OK(store().InsertTeam(team));
  ASSERT_OK_AND_ASSIGN(rosterpb::Team stored, store().GetTeam("tm_full"));
  // Read back with its first terms (since the team began).
  rosterpb::TeamTerms& terms = *team.add_terms();
  terms.set_time_zone(team.time_zone());
  terms.set_currency_code(team.currency_code());
  EXPECT_TRUE(google::protobuf::util::MessageDifferencer::Equals(stored, team))
      << stored.DebugString();
}

TEST_P(RosterStoreTest, ANewZoneOrCurrencyAppliesFromItsDayAndEarlierDaysKeepTheirs) {
  ASSERT_OK_AND_ASSIGN(rosterpb::Team team, store().GetTeam("tm_a"));
  const std::string old_zone = team.time_zone();
  const std::string old_currency = team.currency_code();
  team.set_currency_code(old_currency == "EUR" ? "USD" : "EUR");
  const periods::Date day(2026, 9, 1);
  ASSERT_OK_AND_ASSIGN(rosterpb::Team changed,
                       store().UpdateTeam(team, team.version(), absl::Now(), day, nullptr, day));
  ASSERT_EQ(changed.terms_size(), 2);
  EXPECT_FALSE(changed.terms(0).has_effective_from());
  EXPECT_EQ(changed.terms(0).currency_code(), old_currency);
  EXPECT_EQ(changed.terms(1).effective_from().month(), 9);
  EXPECT_EQ(changed.terms(1).currency_code(), team.currency_code());
  EXPECT_EQ(changed.terms(1).time_zone(), old_zone);

  // The same day again replaces that change; an earlier day than a
  // scheduled change is refused.
  team = changed;
  team.set_time_zone("Asia/Tokyo");
  ASSERT_OK_AND_ASSIGN(changed,
                       store().UpdateTeam(team, team.version(), absl::Now(), day, nullptr, day));
  ASSERT_EQ(changed.terms_size(), 2);
  EXPECT_EQ(changed.terms(1).time_zone(), "Asia/Tokyo");
  team = changed;
  team.set_time_zone("America/Chicago");
  EXPECT_THAT(store().UpdateTeam(team, team.version(), absl::Now(), day - 1, nullptr, day - 1),
              StatusIs(absl::StatusCode::kFailedPrecondition, HasSubstr("already scheduled")));
  ASSERT_OK_AND_ASSIGN(rosterpb::Team stored, store().GetTeam("tm_a"));
  EXPECT_EQ(stored.terms_size(), 2);
  EXPECT_EQ(stored.version(), changed.version());
}

TEST_P(RosterStoreTest, TeamWithoutManagerReadsBackWithEmptyManager) {
  ASSERT_OK_AND_ASSIGN(rosterpb::Team stored, store().GetTeam("tm_a"));
  EXPECT_EQ(stored.manager_id(), "");
  EXPECT_EQ(stored.name(), "Team tm_a");
}

TEST_P(RosterStoreTest, InsertTeamRefusesATakenId) {
  EXPECT_THAT(
      store().InsertTeam(MakeTeam("tm_a")),
      StatusIs(absl::StatusCode::kAlreadyExists, HasSubstr("team \"tm_a\" already exists")));
}

TEST_P(RosterStoreTest, GetTeamNamesTheMissingId) {
  EXPECT_THAT(store().GetTeam("tm_nope"),
              StatusIs(absl::StatusCode::kNotFound, "team \"tm_nope\" not found"));
}

TEST_P(RosterStoreTest, UpdateTeamReplacesFieldsAndBumpsVersion) {
  rosterpb::Team team = MakeTeam("tm_a");
  team.set_name("Renamed");
  team.set_time_zone("America/New_York");
  team.set_currency_code("USD");
  team.set_sales_model(rosterpb::SALES_MODEL_ISLAND);
  team.set_manager_id("mb_new_boss");
  team.clear_training_cadence();
  team.clear_stage_ownership();
  team.mutable_expectation_policy()->set_consecutive_periods(3);
  ASSERT_OK_AND_ASSIGN(rosterpb::Team updated, store().UpdateTeam(team, 1, kLater));
  EXPECT_EQ(updated.version(), 2);
  EXPECT_EQ(updated.name(), "Renamed");
  EXPECT_EQ(updated.manager_id(), "mb_new_boss");
  EXPECT_EQ(updated.sales_model(), rosterpb::SALES_MODEL_ISLAND);
  EXPECT_THAT(updated.training_cadence(), IsEmpty());
  EXPECT_EQ(updated.expectation_policy().consecutive_periods(), 3);
  EXPECT_EQ(updated.create_time().seconds(), absl::ToUnixSeconds(kCreated));
  EXPECT_EQ(updated.update_time().seconds(), absl::ToUnixSeconds(kLater));
  ASSERT_OK_AND_ASSIGN(rosterpb::Team reread, store().GetTeam("tm_a"));
  EXPECT_TRUE(google::protobuf::util::MessageDifferencer::Equals(reread, updated));

  // Clearing the manager stores no manager.
  updated.clear_manager_id();
  ASSERT_OK_AND_ASSIGN(rosterpb::Team cleared, store().UpdateTeam(updated, 2, kLater));
  EXPECT_EQ(cleared.manager_id(), "");
  EXPECT_EQ(cleared.version(), 3);
}

TEST_P(RosterStoreTest, UpdateTeamWithAStaleVersionIsAbortedAndChangesNothing) {
  ASSERT_OK(store().UpdateTeam(MakeTeam("tm_a"), 1, kLater).status());
  rosterpb::Team team = MakeTeam("tm_a");
  team.set_name("Lost update");
  EXPECT_THAT(store().UpdateTeam(team, 1, kLater),
              StatusIs(absl::StatusCode::kAborted,
                       "team \"tm_a\" was changed: version is 2, the update read 1; "
                       "read it again and reapply the change"));
  ASSERT_OK_AND_ASSIGN(rosterpb::Team stored, store().GetTeam("tm_a"));
  EXPECT_EQ(stored.name(), "Team tm_a");
  EXPECT_EQ(stored.version(), 2);
}

TEST_P(RosterStoreTest, UpdateTeamOfAnUnknownIdIsNotFound) {
  EXPECT_THAT(store().UpdateTeam(MakeTeam("tm_ghost"), 1, kLater),
              StatusIs(absl::StatusCode::kNotFound, "team \"tm_ghost\" not found"));
}

TEST_P(RosterStoreTest, ListTeamsPagesByIdAndRestrictsToAllowedIds) {
  ASSERT_OK(store().InsertTeam(MakeTeam("tm_c")));
  ASSERT_OK(store().InsertTeam(MakeTeam("tm_d")));
  auto ids = [](const std::vector<rosterpb::Team>& teams) {
    std::vector<std::string> out;
    for (const rosterpb::Team& t : teams) out.push_back(t.id());
    return out;
  };
  ASSERT_OK_AND_ASSIGN(auto page1, store().ListTeams(std::nullopt, "", 3));
  EXPECT_THAT(ids(page1), ElementsAre("tm_a", "tm_b", "tm_c"));
  ASSERT_OK_AND_ASSIGN(auto page2, store().ListTeams(std::nullopt, "tm_c", 3));
  EXPECT_THAT(ids(page2), ElementsAre("tm_d"));

  const std::vector<std::string> allowed = {"tm_d", "tm_zz", "tm_b", "tm_a", "tm_d"};
  ASSERT_OK_AND_ASSIGN(auto only1, store().ListTeams(allowed, "", 2));
  EXPECT_THAT(ids(only1), ElementsAre("tm_a", "tm_b"));
  ASSERT_OK_AND_ASSIGN(auto only2, store().ListTeams(allowed, "tm_b", 2));
  EXPECT_THAT(ids(only2), ElementsAre("tm_d"));
  ASSERT_OK_AND_ASSIGN(auto none, store().ListTeams(std::vector<std::string>(), "", 2));
  EXPECT_THAT(none, IsEmpty());
}

// ---- Members: insert and read ----

TEST_P(RosterStoreTest, MemberRoundTripsProfileAndFirstAssignment) {
  const rosterpb::Member member = MakeMember(
      "mb_ann", "Ann@Example.com", "tm_a", rosterpb::MEMBER_ROLE_LEAD_GENERATION, Date(2026, 2, 2));
  ASSERT_OK(store().InsertMember(member));
  ASSERT_OK_AND_ASSIGN(rosterpb::Member stored, store().GetMember("mb_ann"));
  EXPECT_EQ(stored.name(), member.name());
  EXPECT_EQ(stored.email(), "Ann@Example.com");  // as given, not lower-cased
  EXPECT_EQ(stored.archetype(), rosterpb::ARCHETYPE_BUILDER);
  ASSERT_TRUE(stored.has_value_tier());
  EXPECT_EQ(stored.value_tier(), 2);
  EXPECT_TRUE(
      google::protobuf::util::MessageDifferencer::Equals(stored.skills(0), member.skills(0)));
  EXPECT_THAT(stored.motivators(),
              ElementsAre(rosterpb::MOTIVATOR_RECOGNITION, rosterpb::MOTIVATOR_MONEY));
  EXPECT_TRUE(google::protobuf::util::MessageDifferencer::Equals(stored.contact_channels(0),
                                                                 member.contact_channels(0)));
  EXPECT_EQ(Iso(stored.hire_date()), "2026-02-02");
  EXPECT_FALSE(stored.has_deactivation_date());
  EXPECT_EQ(stored.version(), 1);
  EXPECT_EQ(stored.create_time().seconds(), absl::ToUnixSeconds(kCreated));
  EXPECT_THAT(History(stored), ElementsAre("tm_a MEMBER_ROLE_LEAD_GENERATION 2026-02-02.."));
  // Resolution is the service's job.
  EXPECT_EQ(stored.team_id(), "");
  EXPECT_EQ(stored.role(), rosterpb::MEMBER_ROLE_UNSPECIFIED);
  EXPECT_FALSE(stored.active());
}

TEST_P(RosterStoreTest, MemberWithoutValueTierReadsBackWithoutOne) {
  rosterpb::Member member =
      MakeMember("mb_x", "x@example.com", "tm_a", rosterpb::MEMBER_ROLE_MANAGER, Date(2026, 1, 1));
  member.clear_value_tier();
  ASSERT_OK(store().InsertMember(member));
  ASSERT_OK_AND_ASSIGN(rosterpb::Member stored, store().GetMember("mb_x"));
  EXPECT_FALSE(stored.has_value_tier());
}

TEST_P(RosterStoreTest, InsertMemberRefusesATakenEmailWhateverItsCase) {
  AddMember("mb_ann");
  const rosterpb::Member twin = MakeMember("mb_twin", "MB_Ann@EXAMPLE.com", "tm_b",
                                           rosterpb::MEMBER_ROLE_LEAD_GENERATION, Date(2026, 1, 5));
  EXPECT_THAT(store().InsertMember(twin),
              StatusIs(absl::StatusCode::kAlreadyExists,
                       "member.email: \"MB_Ann@EXAMPLE.com\" already belongs to member "
                       "\"mb_ann\""));
  EXPECT_THAT(store().GetMember("mb_twin"), StatusIs(absl::StatusCode::kNotFound));
}

TEST_P(RosterStoreTest, ConcurrentInsertsOfOneEmailLetOneWinAndNameItToTheOthers) {
  // The losers may fail at the store's own check or at the unique index
  // (a writer that committed in between); either way they learn the owner.
  constexpr int kWriters = 6;
  std::vector<absl::Status> results(kWriters);
  std::vector<std::thread> writers;
  for (int i = 0; i < kWriters; ++i) {
    writers.emplace_back([&, i] {
      results[i] = store().InsertMember(MakeMember(
          absl::StrCat("mb_w", i), i % 2 == 0 ? "Shared@Example.com" : "shared@example.COM", "tm_a",
          rosterpb::MEMBER_ROLE_LEAD_GENERATION, Date(2026, 1, 5)));
    });
  }
  for (std::thread& t : writers) t.join();
  int winner = -1;
  for (int i = 0; i < kWriters; ++i) {
    if (results[i].ok()) {
      EXPECT_EQ(winner, -1) << "two writers won";
      winner = i;
    }
  }
  ASSERT_NE(winner, -1);
  for (int i = 0; i < kWriters; ++i) {
    if (i == winner) continue;
    EXPECT_THAT(results[i],
                StatusIs(absl::StatusCode::kAlreadyExists,
                         HasSubstr(absl::StrCat("already belongs to member \"mb_w", winner, "\""))))
        << "writer " << i;
  }
}

TEST_P(RosterStoreTest, AnEmailTakenByAWriterCommittingMeanwhileStillNamesItsOwner) {
  // Another writer holds an uncommitted member with the email while the
  // store inserts: on PostgreSQL the store's own check cannot see it yet and
  // its insert waits on the unique index until that writer commits, then
  // fails; on SQLite the store waits for the writer and its check sees it.
  absl::Status inserted;
  std::thread racer;
  store::TransactOptions once;
  once.max_attempts = 1;
  ASSERT_OK(db().Transact(
      [&](store::Transaction& tx) -> absl::Status {
        RETURN_IF_ERROR(
            tx.Execute("INSERT INTO members (id, email_key, name, email, profile, hire_date, "
                       "deactivation_date, version, create_time_us, update_time_us) VALUES "
                       "('mb_first', 'race@example.com', 'First', 'race@example.com', $1, "
                       "'2026-01-05', NULL, 1, 0, 0)",
                       {store::Param::Bytes("")})
                .status());
        racer = std::thread([&] {
          inserted = store().InsertMember(MakeMember("mb_second", "Race@Example.com", "tm_a",
                                                     rosterpb::MEMBER_ROLE_LEAD_GENERATION,
                                                     Date(2026, 1, 5)));
        });
        absl::SleepFor(absl::Milliseconds(300));
        return absl::OkStatus();
      },
      once));
  racer.join();
  EXPECT_THAT(inserted, StatusIs(absl::StatusCode::kAlreadyExists,
                                 "member.email: \"Race@Example.com\" already belongs to member "
                                 "\"mb_first\""));
}

TEST_P(RosterStoreTest, InsertMemberRefusesATakenId) {
  AddMember("mb_ann");
  EXPECT_THAT(
      store().InsertMember(MakeMember("mb_ann", "other@example.com", "tm_a",
                                      rosterpb::MEMBER_ROLE_LEAD_GENERATION, Date(2026, 1, 5))),
      StatusIs(absl::StatusCode::kAlreadyExists, "member \"mb_ann\" already exists"));
}

TEST_P(RosterStoreTest, InsertMemberIntoAnUnknownTeamFailsAndStoresNothing) {
  EXPECT_THAT(
      store().InsertMember(MakeMember("mb_lost", "lost@example.com", "tm_ghost",
                                      rosterpb::MEMBER_ROLE_LEAD_GENERATION, Date(2026, 1, 5))),
      StatusIs(absl::StatusCode::kFailedPrecondition, HasSubstr("\"tm_ghost\"")));
  EXPECT_THAT(store().GetMember("mb_lost"), StatusIs(absl::StatusCode::kNotFound));
  ASSERT_OK_AND_ASSIGN(auto by_email, store().FindMemberByEmail("lost@example.com"));
  EXPECT_EQ(by_email, std::nullopt);
}

TEST_P(RosterStoreTest, GetMemberNamesTheMissingId) {
  EXPECT_THAT(store().GetMember("mb_nobody"),
              StatusIs(absl::StatusCode::kNotFound, "member \"mb_nobody\" not found"));
}

TEST_P(RosterStoreTest, FindMemberByEmailIgnoresCase) {
  AddMember("mb_ann");
  ASSERT_OK_AND_ASSIGN(std::optional<rosterpb::Member> found,
                       store().FindMemberByEmail("MB_ANN@example.COM"));
  ASSERT_TRUE(found.has_value());
  EXPECT_EQ(found->id(), "mb_ann");
  EXPECT_EQ(found->assignments_size(), 1);
  ASSERT_OK_AND_ASSIGN(std::optional<rosterpb::Member> missing,
                       store().FindMemberByEmail("nobody@example.com"));
  EXPECT_EQ(missing, std::nullopt);
}

TEST_P(RosterStoreTest, GetMembersOfAThousandIdsAnswersEachFoundOnceInFewStatements) {
  // 600 members, every tenth with a second assignment; the request asks for
  // 1,000 ids: all 600 (some twice) and unknown ones.
  std::vector<std::string> existing;
  for (int i = 0; i < 600; ++i) {
    const std::string id = absl::StrFormat("mb_%04d", i);
    AddMember(id, i % 2 == 0 ? "tm_a" : "tm_b");
    if (i % 10 == 0) {
      ASSERT_OK(store()
                    .MoveMember(id, 1, "tm_b", rosterpb::MEMBER_ROLE_ACCOUNT_EXECUTIVE,
                                Date(2026, 6, 1), kLater)
                    .status());
    }
    existing.push_back(id);
  }
  std::vector<std::string> request;
  for (int i = 0; i < 600; ++i) request.push_back(existing[i]);
  for (int i = 0; i < 250; ++i) request.push_back(existing[i * 2]);  // repeats
  for (int i = 0; i < 150; ++i) request.push_back(absl::StrFormat("mb_missing_%03d", i));
  ASSERT_EQ(request.size(), 1000u);

  store::FaultInjectingDatabase counting(&db());
  RosterStore counted_store(&counting);
  ASSERT_OK_AND_ASSIGN(std::vector<rosterpb::Member> members, counted_store.GetMembers(request));
  // 750 distinct ids: two chunks, one statement each.
  EXPECT_LE(counting.statements_run(), 2);
  EXPECT_THAT(Ids(members), UnorderedElementsAreArray(existing));
  for (const rosterpb::Member& m : members) {
    const int n = std::stoi(m.id().substr(3));
    const std::string first_team = n % 2 == 0 ? "tm_a" : "tm_b";
    if (n % 10 == 0) {
      EXPECT_THAT(History(m),
                  ElementsAre(first_team + " MEMBER_ROLE_SALES_DEVELOPMENT 2026-01-05..2026-06-01",
                              "tm_b MEMBER_ROLE_ACCOUNT_EXECUTIVE 2026-06-01.."))
          << m.id();
      EXPECT_EQ(m.version(), 2) << m.id();
    } else {
      EXPECT_THAT(History(m),
                  ElementsAre(first_team + " MEMBER_ROLE_SALES_DEVELOPMENT 2026-01-05.."))
          << m.id();
    }
  }
}

TEST_P(RosterStoreTest, GetMembersOfOnlyUnknownIdsIsEmpty) {
  ASSERT_OK_AND_ASSIGN(auto members, store().GetMembers({"mb_x", "mb_y"}));
  EXPECT_THAT(members, IsEmpty());
  ASSERT_OK_AND_ASSIGN(auto none, store().GetMembers({}));
  EXPECT_THAT(none, IsEmpty());
}

// ---- Members: profile updates ----

TEST_P(RosterStoreTest, UpdateMemberProfileReplacesProfileAndBumpsVersion) {
  AddMember("mb_ann");
  rosterpb::Member changed = MakeMember("mb_ann", "Ann.New@Example.com", "ignored",
                                        rosterpb::MEMBER_ROLE_UNSPECIFIED, Date(2026, 1, 5));
  changed.set_name("Ann Newname");
  changed.set_archetype(rosterpb::ARCHETYPE_PRODUCER);
  changed.clear_value_tier();
  changed.clear_motivators();
  changed.clear_contact_channels();
  ASSERT_OK_AND_ASSIGN(rosterpb::Member updated, store().UpdateMemberProfile(changed, 1, kLater));
  EXPECT_EQ(updated.version(), 2);
  EXPECT_EQ(updated.name(), "Ann Newname");
  EXPECT_EQ(updated.email(), "Ann.New@Example.com");
  EXPECT_EQ(updated.archetype(), rosterpb::ARCHETYPE_PRODUCER);
  EXPECT_FALSE(updated.has_value_tier());
  EXPECT_THAT(updated.motivators(), IsEmpty());
  EXPECT_THAT(updated.contact_channels(), IsEmpty());
  EXPECT_EQ(updated.update_time().seconds(), absl::ToUnixSeconds(kLater));
  EXPECT_EQ(updated.create_time().seconds(), absl::ToUnixSeconds(kCreated));
  // The assignment is untouched; the old email is free, the new one taken.
  EXPECT_THAT(History(updated), ElementsAre("tm_a MEMBER_ROLE_SALES_DEVELOPMENT 2026-01-05.."));
  ASSERT_OK_AND_ASSIGN(auto old_email, store().FindMemberByEmail("mb_ann@example.com"));
  EXPECT_EQ(old_email, std::nullopt);
  ASSERT_OK_AND_ASSIGN(auto new_email, store().FindMemberByEmail("ann.new@example.com"));
  ASSERT_TRUE(new_email.has_value());
  EXPECT_EQ(new_email->id(), "mb_ann");
}

TEST_P(RosterStoreTest, UpdateMemberProfileMayChangeTheCaseOfItsOwnEmail) {
  AddMember("mb_ann");
  const rosterpb::Member changed = MakeMember("mb_ann", "MB_ANN@example.com", "tm_a",
                                              rosterpb::MEMBER_ROLE_UNSPECIFIED, Date(2026, 1, 5));
  ASSERT_OK_AND_ASSIGN(rosterpb::Member updated, store().UpdateMemberProfile(changed, 1, kLater));
  EXPECT_EQ(updated.email(), "MB_ANN@example.com");
}

TEST_P(RosterStoreTest, UpdateMemberProfileRefusesAnotherMembersEmail) {
  AddMember("mb_ann");
  AddMember("mb_bob");
  const rosterpb::Member changed = MakeMember("mb_bob", "Mb_Ann@Example.com", "tm_a",
                                              rosterpb::MEMBER_ROLE_UNSPECIFIED, Date(2026, 1, 5));
  EXPECT_THAT(store().UpdateMemberProfile(changed, 1, kLater),
              StatusIs(absl::StatusCode::kAlreadyExists,
                       "member.email: \"Mb_Ann@Example.com\" already belongs to member "
                       "\"mb_ann\""));
  EXPECT_EQ(VersionOf("mb_bob"), 1);
}

TEST_P(RosterStoreTest, UpdateMemberProfileWithAStaleVersionIsAborted) {
  AddMember("mb_ann");
  rosterpb::Member changed = MakeMember("mb_ann", "mb_ann@example.com", "tm_a",
                                        rosterpb::MEMBER_ROLE_UNSPECIFIED, Date(2026, 1, 5));
  ASSERT_OK(store().UpdateMemberProfile(changed, 1, kLater).status());
  changed.set_name("Lost update");
  EXPECT_THAT(store().UpdateMemberProfile(changed, 1, kLater),
              StatusIs(absl::StatusCode::kAborted,
                       "member \"mb_ann\" was changed: version is 2, the update read 1; "
                       "read it again and reapply the change"));
  ASSERT_OK_AND_ASSIGN(rosterpb::Member stored, store().GetMember("mb_ann"));
  EXPECT_NE(stored.name(), "Lost update");
}

TEST_P(RosterStoreTest, UpdateMemberProfileOfAnUnknownMemberIsNotFound) {
  EXPECT_THAT(
      store().UpdateMemberProfile(MakeMember("mb_ghost", "g@example.com", "tm_a",
                                             rosterpb::MEMBER_ROLE_UNSPECIFIED, Date(2026, 1, 5)),
                                  1, kLater),
      StatusIs(absl::StatusCode::kNotFound, "member \"mb_ghost\" not found"));
}

TEST_P(RosterStoreTest, UpdateMemberProfileHireDateMovesTheFirstAssignmentStart) {
  AddMember("mb_ann");
  ASSERT_OK(store()
                .MoveMember("mb_ann", 1, "tm_b", rosterpb::MEMBER_ROLE_ACCOUNT_EXECUTIVE,
                            Date(2026, 3, 1), kLater)
                .status());
  const rosterpb::Member changed = MakeMember("mb_ann", "mb_ann@example.com", "tm_a",
                                              rosterpb::MEMBER_ROLE_UNSPECIFIED, Date(2026, 2, 1));
  ASSERT_OK_AND_ASSIGN(rosterpb::Member updated, store().UpdateMemberProfile(changed, 2, kLater));
  EXPECT_EQ(Iso(updated.hire_date()), "2026-02-01");
  EXPECT_THAT(History(updated),
              ElementsAre("tm_a MEMBER_ROLE_SALES_DEVELOPMENT 2026-02-01..2026-03-01",
                          "tm_b MEMBER_ROLE_ACCOUNT_EXECUTIVE 2026-03-01.."));
  // And earlier again.
  const rosterpb::Member earlier = MakeMember("mb_ann", "mb_ann@example.com", "tm_a",
                                              rosterpb::MEMBER_ROLE_UNSPECIFIED, Date(2025, 12, 1));
  ASSERT_OK_AND_ASSIGN(rosterpb::Member again, store().UpdateMemberProfile(earlier, 3, kLater));
  EXPECT_THAT(History(again),
              ElementsAre("tm_a MEMBER_ROLE_SALES_DEVELOPMENT 2025-12-01..2026-03-01",
                          "tm_b MEMBER_ROLE_ACCOUNT_EXECUTIVE 2026-03-01.."));
}

TEST_P(RosterStoreTest, UpdateMemberProfileRefusesAHireDateOnOrAfterTheSecondAssignment) {
  AddMember("mb_ann");
  ASSERT_OK(store()
                .MoveMember("mb_ann", 1, "tm_b", rosterpb::MEMBER_ROLE_ACCOUNT_EXECUTIVE,
                            Date(2026, 3, 1), kLater)
                .status());
  const rosterpb::Member changed = MakeMember("mb_ann", "mb_ann@example.com", "tm_a",
                                              rosterpb::MEMBER_ROLE_UNSPECIFIED, Date(2026, 3, 1));
  EXPECT_THAT(store().UpdateMemberProfile(changed, 2, kLater),
              StatusIs(absl::StatusCode::kFailedPrecondition, HasSubstr("2026-03-01")));
  ASSERT_OK_AND_ASSIGN(rosterpb::Member stored, store().GetMember("mb_ann"));
  EXPECT_EQ(Iso(stored.hire_date()), "2026-01-05");
  EXPECT_EQ(stored.version(), 2);
}

TEST_P(RosterStoreTest, UpdateMemberProfileRefusesAHireDateOnOrAfterDeactivation) {
  AddMember("mb_ann");
  ASSERT_OK(store().DeactivateMember("mb_ann", 1, Date(2026, 4, 1), kLater).status());
  const rosterpb::Member changed = MakeMember("mb_ann", "mb_ann@example.com", "tm_a",
                                              rosterpb::MEMBER_ROLE_UNSPECIFIED, Date(2026, 4, 1));
  EXPECT_THAT(store().UpdateMemberProfile(changed, 2, kLater),
              StatusIs(absl::StatusCode::kFailedPrecondition, HasSubstr("deactivation")));
  EXPECT_EQ(VersionOf("mb_ann"), 2);
}

// ---- Members: moves and deactivation ----

TEST_P(RosterStoreTest, TwoMovesKeepTheWholeHistoryWithItsDates) {
  AddMember("mb_ann");
  ASSERT_OK_AND_ASSIGN(
      rosterpb::Member first,
      store().MoveMember("mb_ann", 1, "tm_b", rosterpb::MEMBER_ROLE_ACCOUNT_EXECUTIVE,
                         Date(2026, 3, 1), kLater));
  EXPECT_EQ(first.version(), 2);
  EXPECT_EQ(first.update_time().seconds(), absl::ToUnixSeconds(kLater));
  ASSERT_OK_AND_ASSIGN(rosterpb::Member second,
                       store().MoveMember("mb_ann", 2, "tm_a", rosterpb::MEMBER_ROLE_MANAGER,
                                          Date(2026, 7, 15), kLater));
  EXPECT_EQ(second.version(), 3);
  EXPECT_THAT(History(second),
              ElementsAre("tm_a MEMBER_ROLE_SALES_DEVELOPMENT 2026-01-05..2026-03-01",
                          "tm_b MEMBER_ROLE_ACCOUNT_EXECUTIVE 2026-03-01..2026-07-15",
                          "tm_a MEMBER_ROLE_MANAGER 2026-07-15.."));
  ASSERT_OK_AND_ASSIGN(rosterpb::Member reread, store().GetMember("mb_ann"));
  EXPECT_EQ(History(reread), History(second));
}

TEST_P(RosterStoreTest, AMoveOnTheLatestAssignmentsStartDayReplacesIt) {
  AddMember("mb_ann");
  ASSERT_OK(store()
                .MoveMember("mb_ann", 1, "tm_b", rosterpb::MEMBER_ROLE_ACCOUNT_EXECUTIVE,
                            Date(2026, 3, 1), kLater)
                .status());
  ASSERT_OK_AND_ASSIGN(
      rosterpb::Member corrected,
      store().MoveMember("mb_ann", 2, "tm_b", rosterpb::MEMBER_ROLE_CUSTOMER_SUCCESS,
                         Date(2026, 3, 1), kLater));
  EXPECT_EQ(corrected.version(), 3);
  EXPECT_THAT(History(corrected),
              ElementsAre("tm_a MEMBER_ROLE_SALES_DEVELOPMENT 2026-01-05..2026-03-01",
                          "tm_b MEMBER_ROLE_CUSTOMER_SUCCESS 2026-03-01.."));
}

TEST_P(RosterStoreTest, AMoveOnTheHireDateReplacesTheFirstAssignment) {
  AddMember("mb_ann");
  ASSERT_OK_AND_ASSIGN(
      rosterpb::Member corrected,
      store().MoveMember("mb_ann", 1, "tm_b", rosterpb::MEMBER_ROLE_LEAD_GENERATION,
                         Date(2026, 1, 5), kLater));
  EXPECT_THAT(History(corrected), ElementsAre("tm_b MEMBER_ROLE_LEAD_GENERATION 2026-01-05.."));
}

TEST_P(RosterStoreTest, MoveMemberRefusesADateBeforeTheLatestAssignment) {
  AddMember("mb_ann");
  ASSERT_OK(store()
                .MoveMember("mb_ann", 1, "tm_b", rosterpb::MEMBER_ROLE_ACCOUNT_EXECUTIVE,
                            Date(2026, 3, 1), kLater)
                .status());
  EXPECT_THAT(store().MoveMember("mb_ann", 2, "tm_a", rosterpb::MEMBER_ROLE_LEAD_GENERATION,
                                 Date(2026, 2, 28), kLater),
              StatusIs(absl::StatusCode::kFailedPrecondition,
                       HasSubstr("is before the start of the latest assignment (2026-03-01)")));
  EXPECT_EQ(VersionOf("mb_ann"), 2);
}

TEST_P(RosterStoreTest, MoveMemberRefusesADeactivatedMember) {
  AddMember("mb_ann");
  ASSERT_OK(store().DeactivateMember("mb_ann", 1, Date(2026, 5, 1), kLater).status());
  // On the deactivation day and after it: refused.
  EXPECT_THAT(store().MoveMember("mb_ann", 2, "tm_b", rosterpb::MEMBER_ROLE_LEAD_GENERATION,
                                 Date(2026, 5, 1), kLater),
              StatusIs(absl::StatusCode::kFailedPrecondition, HasSubstr("deactivated")));
  EXPECT_THAT(store().MoveMember("mb_ann", 2, "tm_b", rosterpb::MEMBER_ROLE_LEAD_GENERATION,
                                 Date(2026, 6, 1), kLater),
              StatusIs(absl::StatusCode::kFailedPrecondition, HasSubstr("deactivated")));
  // The day before it: still a move within the active time.
  ASSERT_OK_AND_ASSIGN(
      rosterpb::Member moved,
      store().MoveMember("mb_ann", 2, "tm_b", rosterpb::MEMBER_ROLE_LEAD_GENERATION,
                         Date(2026, 4, 30), kLater));
  EXPECT_EQ(moved.assignments_size(), 2);
}

TEST_P(RosterStoreTest, MoveMemberRefusesAnUnknownTeamAndKeepsTheHistory) {
  AddMember("mb_ann");
  EXPECT_THAT(store().MoveMember("mb_ann", 1, "tm_ghost", rosterpb::MEMBER_ROLE_LEAD_GENERATION,
                                 Date(2026, 3, 1), kLater),
              StatusIs(absl::StatusCode::kFailedPrecondition, HasSubstr("\"tm_ghost\"")));
  ASSERT_OK_AND_ASSIGN(rosterpb::Member stored, store().GetMember("mb_ann"));
  EXPECT_THAT(History(stored), ElementsAre("tm_a MEMBER_ROLE_SALES_DEVELOPMENT 2026-01-05.."));
  EXPECT_EQ(stored.version(), 1);
}

TEST_P(RosterStoreTest, MoveMemberWithAStaleVersionIsAbortedAndChangesNothing) {
  AddMember("mb_ann");
  ASSERT_OK(store()
                .MoveMember("mb_ann", 1, "tm_b", rosterpb::MEMBER_ROLE_ACCOUNT_EXECUTIVE,
                            Date(2026, 3, 1), kLater)
                .status());
  EXPECT_THAT(store().MoveMember("mb_ann", 1, "tm_a", rosterpb::MEMBER_ROLE_MANAGER,
                                 Date(2026, 4, 1), kLater),
              StatusIs(absl::StatusCode::kAborted,
                       "member \"mb_ann\" was changed: version is 2, the update read 1; "
                       "read it again and reapply the change"));
  ASSERT_OK_AND_ASSIGN(rosterpb::Member stored, store().GetMember("mb_ann"));
  EXPECT_EQ(stored.assignments_size(), 2);
}

TEST_P(RosterStoreTest, MoveMemberOfAnUnknownMemberIsNotFound) {
  EXPECT_THAT(store().MoveMember("mb_ghost", 1, "tm_a", rosterpb::MEMBER_ROLE_MANAGER,
                                 Date(2026, 4, 1), kLater),
              StatusIs(absl::StatusCode::kNotFound, "member \"mb_ghost\" not found"));
}

TEST_P(RosterStoreTest, DeactivateMemberSetsTheFirstInactiveDay) {
  AddMember("mb_ann");
  ASSERT_OK_AND_ASSIGN(rosterpb::Member gone,
                       store().DeactivateMember("mb_ann", 1, Date(2026, 9, 30), kLater));
  EXPECT_EQ(Iso(gone.deactivation_date()), "2026-09-30");
  EXPECT_EQ(gone.version(), 2);
  EXPECT_EQ(gone.update_time().seconds(), absl::ToUnixSeconds(kLater));
  ASSERT_OK_AND_ASSIGN(rosterpb::Member reread, store().GetMember("mb_ann"));
  EXPECT_EQ(Iso(reread.deactivation_date()), "2026-09-30");
  EXPECT_THAT(History(reread), ElementsAre("tm_a MEMBER_ROLE_SALES_DEVELOPMENT 2026-01-05.."));
}

TEST_P(RosterStoreTest, DeactivateMemberOnTheHireDateIsAllowed) {
  AddMember("mb_ann");
  EXPECT_OK(store().DeactivateMember("mb_ann", 1, Date(2026, 1, 5), kLater).status());
}

TEST_P(RosterStoreTest, DeactivateMemberRefusesADeactivatedMember) {
  AddMember("mb_ann");
  ASSERT_OK(store().DeactivateMember("mb_ann", 1, Date(2026, 9, 30), kLater).status());
  EXPECT_THAT(store().DeactivateMember("mb_ann", 2, Date(2026, 10, 30), kLater),
              StatusIs(absl::StatusCode::kFailedPrecondition,
                       HasSubstr("already deactivated (from 2026-09-30)")));
}

TEST_P(RosterStoreTest, DeactivateMemberRefusesADateBeforeTheHireDate) {
  AddMember("mb_ann");
  EXPECT_THAT(store().DeactivateMember("mb_ann", 1, Date(2026, 1, 4), kLater),
              StatusIs(absl::StatusCode::kFailedPrecondition, HasSubstr("hire date")));
  EXPECT_EQ(VersionOf("mb_ann"), 1);
}

TEST_P(RosterStoreTest, DeactivateMemberWithAStaleVersionIsAbortedAndUnknownIsNotFound) {
  AddMember("mb_ann");
  EXPECT_THAT(store().DeactivateMember("mb_ann", 7, Date(2026, 9, 30), kLater),
              StatusIs(absl::StatusCode::kAborted,
                       "member \"mb_ann\" was changed: version is 1, the update read 7; "
                       "read it again and reapply the change"));
  ASSERT_OK_AND_ASSIGN(rosterpb::Member stored, store().GetMember("mb_ann"));
  EXPECT_FALSE(stored.has_deactivation_date());
  EXPECT_THAT(store().DeactivateMember("mb_ghost", 1, Date(2026, 9, 30), kLater),
              StatusIs(absl::StatusCode::kNotFound, "member \"mb_ghost\" not found"));
}

// ---- ListMembers ----

TEST_P(RosterStoreTest, ListMembersFollowsTheTeamAsOfTheDay) {
  AddMember("mb_ann");
  AddMember("mb_bob");
  ASSERT_OK(store()
                .MoveMember("mb_ann", 1, "tm_b", rosterpb::MEMBER_ROLE_ACCOUNT_EXECUTIVE,
                            Date(2026, 3, 1), kLater)
                .status());
  auto list = [&](const std::string& team, Date as_of) {
    MemberFilter filter;
    filter.team_id = team;
    filter.as_of = as_of;
    absl::StatusOr<std::vector<rosterpb::Member>> members = store().ListMembers(filter, "", 50);
    EXPECT_OK(members.status());
    return members.ok() ? Ids(*members) : std::vector<std::string>{"<error>"};
  };
  EXPECT_THAT(list("tm_a", Date(2026, 2, 28)), ElementsAre("mb_ann", "mb_bob"));
  EXPECT_THAT(list("tm_b", Date(2026, 2, 28)), IsEmpty());
  EXPECT_THAT(list("tm_a", Date(2026, 3, 1)), ElementsAre("mb_bob"));
  EXPECT_THAT(list("tm_b", Date(2026, 3, 1)), ElementsAre("mb_ann"));
  // Before anyone was hired nobody is listed; no team: everyone.
  EXPECT_THAT(list("tm_a", Date(2026, 1, 4)), IsEmpty());
  EXPECT_THAT(list("", Date(2026, 3, 1)), ElementsAre("mb_ann", "mb_bob"));

  // Listed members carry their whole history.
  MemberFilter filter;
  filter.team_id = "tm_b";
  filter.as_of = Date(2026, 3, 1);
  ASSERT_OK_AND_ASSIGN(auto members, store().ListMembers(filter, "", 50));
  ASSERT_EQ(members.size(), 1u);
  EXPECT_THAT(History(members[0]),
              ElementsAre("tm_a MEMBER_ROLE_SALES_DEVELOPMENT 2026-01-05..2026-03-01",
                          "tm_b MEMBER_ROLE_ACCOUNT_EXECUTIVE 2026-03-01.."));
}

TEST_P(RosterStoreTest, ListMembersFiltersByTheRoleOnTheDay) {
  AddMember("mb_ann", "tm_a", rosterpb::MEMBER_ROLE_LEAD_GENERATION);
  AddMember("mb_bob", "tm_a", rosterpb::MEMBER_ROLE_ACCOUNT_EXECUTIVE);
  ASSERT_OK(store()
                .MoveMember("mb_ann", 1, "tm_a", rosterpb::MEMBER_ROLE_ACCOUNT_EXECUTIVE,
                            Date(2026, 3, 1), kLater)
                .status());
  MemberFilter filter;
  filter.team_id = "tm_a";
  filter.role = rosterpb::MEMBER_ROLE_ACCOUNT_EXECUTIVE;
  filter.as_of = Date(2026, 2, 1);
  ASSERT_OK_AND_ASSIGN(auto before, store().ListMembers(filter, "", 50));
  EXPECT_THAT(Ids(before), ElementsAre("mb_bob"));
  filter.as_of = Date(2026, 3, 1);
  ASSERT_OK_AND_ASSIGN(auto after, store().ListMembers(filter, "", 50));
  EXPECT_THAT(Ids(after), ElementsAre("mb_ann", "mb_bob"));
}

TEST_P(RosterStoreTest, ListMembersSkipsInactiveMembersUnlessAsked) {
  AddMember("mb_ann");
  AddMember("mb_bob");
  ASSERT_OK(store().DeactivateMember("mb_bob", 1, Date(2026, 6, 1), kLater).status());
  MemberFilter filter;
  filter.team_id = "tm_a";
  filter.as_of = Date(2026, 5, 31);
  ASSERT_OK_AND_ASSIGN(auto still_active, store().ListMembers(filter, "", 50));
  EXPECT_THAT(Ids(still_active), ElementsAre("mb_ann", "mb_bob"));
  filter.as_of = Date(2026, 6, 1);
  ASSERT_OK_AND_ASSIGN(auto active, store().ListMembers(filter, "", 50));
  EXPECT_THAT(Ids(active), ElementsAre("mb_ann"));
  filter.include_inactive = true;
  ASSERT_OK_AND_ASSIGN(auto all, store().ListMembers(filter, "", 50));
  EXPECT_THAT(Ids(all), ElementsAre("mb_ann", "mb_bob"));
  ASSERT_EQ(all.size(), 2u);
  EXPECT_EQ(Iso(all[1].deactivation_date()), "2026-06-01");
}

TEST_P(RosterStoreTest, ListMembersPagesWithoutGapsOrRepeats) {
  std::vector<std::string> expected;
  for (int i = 0; i < 11; ++i) {
    const std::string id = absl::StrFormat("mb_%02d", i);
    AddMember(id, i % 3 == 0 ? "tm_b" : "tm_a");
    // Some with long histories, so that history rows cannot shrink a page.
    if (i % 2 == 0) {
      ASSERT_OK(store()
                    .MoveMember(id, 1, i % 3 == 0 ? "tm_b" : "tm_a",
                                rosterpb::MEMBER_ROLE_LEAD_GENERATION, Date(2026, 2, 1), kLater)
                    .status());
      ASSERT_OK(store()
                    .MoveMember(id, 2, i % 3 == 0 ? "tm_b" : "tm_a",
                                rosterpb::MEMBER_ROLE_SALES_DEVELOPMENT, Date(2026, 3, 1), kLater)
                    .status());
    }
    if (i % 3 != 0) expected.push_back(id);
  }
  MemberFilter filter;
  filter.team_id = "tm_a";
  filter.as_of = Date(2026, 4, 1);
  std::vector<std::string> seen;
  std::string after;
  for (int page = 0; page < 10; ++page) {
    ASSERT_OK_AND_ASSIGN(auto members, store().ListMembers(filter, after, 3));
    ASSERT_LE(members.size(), 3u);
    for (const rosterpb::Member& m : members) {
      seen.push_back(m.id());
      EXPECT_EQ(m.assignments_size(), std::stoi(m.id().substr(3)) % 2 == 0 ? 3 : 1) << m.id();
    }
    if (members.size() < 3) break;
    after = members.back().id();
  }
  EXPECT_EQ(seen, expected);
}

// ---- Training ----

TEST_P(RosterStoreTest, TrainingSessionRoundTripsAndRefusesUnknownMemberAndTakenId) {
  AddMember("mb_ann");
  const rosterpb::TrainingSession session =
      MakeSession("tr_1", "mb_ann", rosterpb::TRAINING_AREA_PROSPECTING, Date(2026, 2, 3));
  ASSERT_OK(store().InsertTrainingSession(session));
  TrainingFilter filter;
  filter.member_id = "mb_ann";
  ASSERT_OK_AND_ASSIGN(auto sessions, store().ListTrainingSessions(filter, std::nullopt, 10));
  ASSERT_EQ(sessions.size(), 1u);
  EXPECT_TRUE(google::protobuf::util::MessageDifferencer::Equals(sessions[0], session))
      << sessions[0].DebugString();

  EXPECT_THAT(store().InsertTrainingSession(MakeSession(
                  "tr_2", "mb_ghost", rosterpb::TRAINING_AREA_PROSPECTING, Date(2026, 2, 3))),
              StatusIs(absl::StatusCode::kFailedPrecondition, HasSubstr("\"mb_ghost\"")));
  EXPECT_THAT(store().InsertTrainingSession(session),
              StatusIs(absl::StatusCode::kAlreadyExists, HasSubstr("\"tr_1\"")));
}

TEST_P(RosterStoreTest, TrainingSessionsListNewestFirstAndResumeAfterTheCursor) {
  AddMember("mb_ann");
  AddMember("mb_bob");
  // Same-day sessions order by id, descending.
  ASSERT_OK(store().InsertTrainingSession(
      MakeSession("tr_a", "mb_ann", rosterpb::TRAINING_AREA_PROSPECTING, Date(2026, 2, 1))));
  ASSERT_OK(store().InsertTrainingSession(
      MakeSession("tr_c", "mb_ann", rosterpb::TRAINING_AREA_PRODUCT_KNOWLEDGE, Date(2026, 3, 1))));
  ASSERT_OK(store().InsertTrainingSession(
      MakeSession("tr_b", "mb_ann", rosterpb::TRAINING_AREA_PROSPECTING, Date(2026, 3, 1))));
  ASSERT_OK(store().InsertTrainingSession(
      MakeSession("tr_d", "mb_ann", rosterpb::TRAINING_AREA_PROSPECTING, Date(2026, 1, 15))));
  ASSERT_OK(store().InsertTrainingSession(
      MakeSession("tr_z", "mb_bob", rosterpb::TRAINING_AREA_PROSPECTING, Date(2026, 2, 15))));

  TrainingFilter filter;
  filter.member_id = "mb_ann";
  ASSERT_OK_AND_ASSIGN(auto all, store().ListTrainingSessions(filter, std::nullopt, 10));
  EXPECT_THAT(Ids(all), ElementsAre("tr_c", "tr_b", "tr_a", "tr_d"));

  ASSERT_OK_AND_ASSIGN(auto page1, store().ListTrainingSessions(filter, std::nullopt, 1));
  EXPECT_THAT(Ids(page1), ElementsAre("tr_c"));
  ASSERT_OK_AND_ASSIGN(auto page2, store().ListTrainingSessions(
                                       filter, TrainingCursor{Date(2026, 3, 1), "tr_c"}, 2));
  EXPECT_THAT(Ids(page2), ElementsAre("tr_b", "tr_a"));
  ASSERT_OK_AND_ASSIGN(auto page3, store().ListTrainingSessions(
                                       filter, TrainingCursor{Date(2026, 2, 1), "tr_a"}, 2));
  EXPECT_THAT(Ids(page3), ElementsAre("tr_d"));

  filter.area = rosterpb::TRAINING_AREA_PROSPECTING;
  ASSERT_OK_AND_ASSIGN(auto prospecting, store().ListTrainingSessions(filter, std::nullopt, 10));
  EXPECT_THAT(Ids(prospecting), ElementsAre("tr_b", "tr_a", "tr_d"));
}

TEST_P(RosterStoreTest, TeamTrainingListsTheSessionsOfTheTeamsMembersOnTheDay) {
  AddMember("mb_ann");
  AddMember("mb_bob");
  AddMember("mb_cat", "tm_b");
  ASSERT_OK(store()
                .MoveMember("mb_bob", 1, "tm_b", rosterpb::MEMBER_ROLE_ACCOUNT_EXECUTIVE,
                            Date(2026, 3, 1), kLater)
                .status());
  ASSERT_OK(store().InsertTrainingSession(
      MakeSession("tr_ann", "mb_ann", rosterpb::TRAINING_AREA_PROSPECTING, Date(2026, 2, 1))));
  ASSERT_OK(store().InsertTrainingSession(
      MakeSession("tr_bob", "mb_bob", rosterpb::TRAINING_AREA_PROSPECTING, Date(2026, 2, 2))));
  ASSERT_OK(store().InsertTrainingSession(
      MakeSession("tr_cat", "mb_cat", rosterpb::TRAINING_AREA_PROSPECTING, Date(2026, 2, 3))));

  TrainingFilter filter;
  filter.team_id = "tm_a";
  filter.as_of = Date(2026, 2, 15);
  ASSERT_OK_AND_ASSIGN(auto before, store().ListTrainingSessions(filter, std::nullopt, 10));
  EXPECT_THAT(Ids(before), ElementsAre("tr_bob", "tr_ann"));
  filter.as_of = Date(2026, 3, 15);
  ASSERT_OK_AND_ASSIGN(auto after, store().ListTrainingSessions(filter, std::nullopt, 10));
  EXPECT_THAT(Ids(after), ElementsAre("tr_ann"));
  filter.team_id = "tm_b";
  ASSERT_OK_AND_ASSIGN(auto team_b, store().ListTrainingSessions(filter, std::nullopt, 10));
  EXPECT_THAT(Ids(team_b), ElementsAre("tr_cat", "tr_bob"));
  ASSERT_OK_AND_ASSIGN(
      auto team_b_rest,
      store().ListTrainingSessions(filter, TrainingCursor{Date(2026, 2, 3), "tr_cat"}, 10));
  EXPECT_THAT(Ids(team_b_rest), ElementsAre("tr_bob"));
}

TEST_P(RosterStoreTest, LastTrainingPerAreaIgnoresSessionsAfterTheDay) {
  AddMember("mb_ann");
  AddMember("mb_bob");
  AddMember("mb_cat");
  ASSERT_OK(store().InsertTrainingSession(
      MakeSession("tr_1", "mb_ann", rosterpb::TRAINING_AREA_PROSPECTING, Date(2026, 2, 1))));
  ASSERT_OK(store().InsertTrainingSession(
      MakeSession("tr_2", "mb_ann", rosterpb::TRAINING_AREA_PROSPECTING, Date(2026, 3, 1))));
  ASSERT_OK(store().InsertTrainingSession(
      MakeSession("tr_3", "mb_ann", rosterpb::TRAINING_AREA_PROSPECTING, Date(2026, 4, 1))));
  ASSERT_OK(store().InsertTrainingSession(
      MakeSession("tr_4", "mb_ann", rosterpb::TRAINING_AREA_PRODUCT_KNOWLEDGE, Date(2026, 1, 20))));
  ASSERT_OK(store().InsertTrainingSession(
      MakeSession("tr_5", "mb_bob", rosterpb::TRAINING_AREA_PROSPECTING, Date(2026, 3, 16))));
  ASSERT_OK(store().InsertTrainingSession(
      MakeSession("tr_6", "mb_cat", rosterpb::TRAINING_AREA_PROSPECTING, Date(2026, 2, 10))));

  ASSERT_OK_AND_ASSIGN(
      std::vector<LastTraining> last,
      store().LastTrainingPerArea({"mb_ann", "mb_bob", "mb_ann", "mb_nobody"}, Date(2026, 3, 15)));
  std::vector<std::string> got;
  for (const LastTraining& l : last) {
    got.push_back(absl::StrCat(l.member_id, " ", rosterpb::TrainingArea_Name(l.area), " ",
                               periods::FormatIsoDate(l.date)));
  }
  // mb_ann's April session and mb_bob's (after the day) do not count; mb_cat
  // was not asked for.
  EXPECT_THAT(got, UnorderedElementsAreArray({
                       "mb_ann TRAINING_AREA_PRODUCT_KNOWLEDGE 2026-01-20",
                       "mb_ann TRAINING_AREA_PROSPECTING 2026-03-01",
                   }));
  ASSERT_OK_AND_ASSIGN(auto on_the_day, store().LastTrainingPerArea({"mb_bob"}, Date(2026, 3, 16)));
  ASSERT_EQ(on_the_day.size(), 1u);
  EXPECT_EQ(on_the_day[0].date, Date(2026, 3, 16));
}

// ---- Change feed ----

// SetUp created tm_a and tm_b: changes 1 and 2, committed at kCreated.

TEST_P(RosterStoreTest, CreatingATeamAppendsTeamCreatedWithTheTeamAndNoEffectiveDate) {
  const std::vector<rosterpb::RosterChange> changes = ChangesAfter(0);
  ASSERT_THAT(changes, SizeIs(2));
  const rosterpb::RosterChange& change = changes[0];
  EXPECT_EQ(change.sequence(), 1);
  EXPECT_EQ(change.kind(), rosterpb::ROSTER_CHANGE_KIND_TEAM_CREATED);
  EXPECT_EQ(change.team_id(), "tm_a");
  EXPECT_EQ(change.member_id(), "");
  EXPECT_FALSE(change.has_effective_date()) << Iso(change.effective_date());
  rosterpb::Team expected = MakeTeam("tm_a");
  rosterpb::TeamTerms& terms = *expected.add_terms();  // its first terms
  terms.set_time_zone(expected.time_zone());
  terms.set_currency_code(expected.currency_code());
  EXPECT_THAT(change.team(), EqualsProto(expected));
  EXPECT_FALSE(change.has_member());
  EXPECT_THAT(change.commit_time(), EqualsProto(Ts(kCreated)));
  EXPECT_EQ(changes[1].sequence(), 2);
  EXPECT_EQ(changes[1].team_id(), "tm_b");
}

TEST_P(RosterStoreTest, UpdatingATeamAppendsTeamUpdatedWithTheStoredTeamAndNoEffectiveDate) {
  rosterpb::Team team = MakeTeam("tm_a");
  team.set_name("Renamed");
  ASSERT_OK_AND_ASSIGN(rosterpb::Team updated, store().UpdateTeam(team, 1, kLater));

  const rosterpb::RosterChange change = LastChange();
  EXPECT_EQ(change.sequence(), 3);
  EXPECT_EQ(change.kind(), rosterpb::ROSTER_CHANGE_KIND_TEAM_UPDATED);
  EXPECT_EQ(change.team_id(), "tm_a");
  EXPECT_EQ(change.member_id(), "");
  EXPECT_FALSE(change.has_effective_date()) << Iso(change.effective_date());
  EXPECT_THAT(change.team(), EqualsProto(updated));
  EXPECT_EQ(change.team().version(), 2);
  EXPECT_THAT(change.commit_time(), EqualsProto(Ts(kLater)));
}

TEST_P(RosterStoreTest, CreatingAMemberAppendsMemberCreatedEffectiveFromTheHireDate) {
  AddMember("mb_ann", "tm_b", rosterpb::MEMBER_ROLE_FULL_CYCLE, Date(2026, 1, 5));
  ASSERT_OK_AND_ASSIGN(rosterpb::Member stored, store().GetMember("mb_ann"));

  const rosterpb::RosterChange change = LastChange();
  EXPECT_EQ(change.sequence(), 3);
  EXPECT_EQ(change.kind(), rosterpb::ROSTER_CHANGE_KIND_MEMBER_CREATED);
  EXPECT_EQ(change.member_id(), "mb_ann");
  EXPECT_EQ(change.team_id(), "");
  EXPECT_EQ(Iso(change.effective_date()), "2026-01-05");
  EXPECT_THAT(change.member(), EqualsProto(stored));
  EXPECT_FALSE(change.has_team());
  EXPECT_THAT(change.commit_time(), EqualsProto(Ts(kCreated)));
}

TEST_P(RosterStoreTest, AProfileUpdateAppendsMemberUpdatedWithoutAnEffectiveDate) {
  AddMember("mb_ann");
  ASSERT_OK_AND_ASSIGN(rosterpb::Member member, store().GetMember("mb_ann"));
  member.set_name("Ann Renamed");
  ASSERT_OK_AND_ASSIGN(rosterpb::Member updated, store().UpdateMemberProfile(member, 1, kLater));

  const rosterpb::RosterChange change = LastChange();
  EXPECT_EQ(change.sequence(), 4);
  EXPECT_EQ(change.kind(), rosterpb::ROSTER_CHANGE_KIND_MEMBER_UPDATED);
  EXPECT_EQ(change.member_id(), "mb_ann");
  // Nobody's team, role or activity changed on any day.
  EXPECT_FALSE(change.has_effective_date()) << Iso(change.effective_date());
  EXPECT_THAT(change.member(), EqualsProto(updated));
  EXPECT_EQ(change.member().name(), "Ann Renamed");
  EXPECT_THAT(change.commit_time(), EqualsProto(Ts(kLater)));
}

TEST_P(RosterStoreTest, AHireDateChangeIsEffectiveFromTheEarlierOfTheOldAndTheNewDate) {
  AddMember("mb_ann", "tm_a", rosterpb::MEMBER_ROLE_SALES_DEVELOPMENT, Date(2026, 1, 5));
  ASSERT_OK_AND_ASSIGN(rosterpb::Member member, store().GetMember("mb_ann"));

  periods::DateToProto(Date(2026, 1, 20), member.mutable_hire_date());
  ASSERT_OK_AND_ASSIGN(member, store().UpdateMemberProfile(member, 1, kLater));
  // Hired later: the days from the old date on are no longer hers.
  EXPECT_EQ(Iso(LastChange().effective_date()), "2026-01-05");

  periods::DateToProto(Date(2026, 1, 10), member.mutable_hire_date());
  ASSERT_OK_AND_ASSIGN(member, store().UpdateMemberProfile(member, 2, kLater));
  // Hired earlier: the days from the new date on become hers.
  const rosterpb::RosterChange change = LastChange();
  EXPECT_EQ(Iso(change.effective_date()), "2026-01-10");
  EXPECT_EQ(change.kind(), rosterpb::ROSTER_CHANGE_KIND_MEMBER_UPDATED);
  EXPECT_THAT(History(change.member()),
              ElementsAre("tm_a MEMBER_ROLE_SALES_DEVELOPMENT 2026-01-10.."));
}

TEST_P(RosterStoreTest, AMoveAppendsMemberMovedEffectiveFromTheMoveWithTheWholeHistory) {
  AddMember("mb_ann");
  ASSERT_OK_AND_ASSIGN(
      rosterpb::Member moved,
      store().MoveMember("mb_ann", 1, "tm_b", rosterpb::MEMBER_ROLE_ACCOUNT_EXECUTIVE,
                         Date(2026, 3, 1), kLater));

  const rosterpb::RosterChange change = LastChange();
  EXPECT_EQ(change.sequence(), 4);
  EXPECT_EQ(change.kind(), rosterpb::ROSTER_CHANGE_KIND_MEMBER_MOVED);
  EXPECT_EQ(change.member_id(), "mb_ann");
  EXPECT_EQ(change.team_id(), "");
  EXPECT_EQ(Iso(change.effective_date()), "2026-03-01");
  EXPECT_THAT(change.member(), EqualsProto(moved));
  EXPECT_THAT(History(change.member()),
              ElementsAre("tm_a MEMBER_ROLE_SALES_DEVELOPMENT 2026-01-05..2026-03-01",
                          "tm_b MEMBER_ROLE_ACCOUNT_EXECUTIVE 2026-03-01.."));
  EXPECT_THAT(change.commit_time(), EqualsProto(Ts(kLater)));
}

TEST_P(RosterStoreTest, ADeactivationAppendsMemberDeactivatedEffectiveFromTheFirstInactiveDay) {
  AddMember("mb_ann");
  ASSERT_OK_AND_ASSIGN(rosterpb::Member deactivated,
                       store().DeactivateMember("mb_ann", 1, Date(2026, 4, 1), kLater));

  const rosterpb::RosterChange change = LastChange();
  EXPECT_EQ(change.sequence(), 4);
  EXPECT_EQ(change.kind(), rosterpb::ROSTER_CHANGE_KIND_MEMBER_DEACTIVATED);
  EXPECT_EQ(change.member_id(), "mb_ann");
  EXPECT_EQ(Iso(change.effective_date()), "2026-04-01");
  EXPECT_THAT(change.member(), EqualsProto(deactivated));
  EXPECT_EQ(Iso(change.member().deactivation_date()), "2026-04-01");
}

TEST_P(RosterStoreTest, AFailedWriteAppendsNoChangeAndTellsNoListener) {
  AddMember("mb_ann");  // change 3
  std::vector<CommittedChange> heard;
  RosterStore listening(&db(),
                        [&heard](const CommittedChange& change) { heard.push_back(change); });
  const auto refuse = [](const auto&...) { return absl::FailedPreconditionError("refused"); };
  const rosterpb::Member ann =
      MakeMember("mb_ann", "mb_ann@example.com", "tm_a", rosterpb::MEMBER_ROLE_SALES_DEVELOPMENT,
                 Date(2026, 1, 5));
  rosterpb::Member bob = MakeMember("mb_bob", "MB_ANN@example.com", "tm_a",
                                    rosterpb::MEMBER_ROLE_SALES_DEVELOPMENT, Date(2026, 1, 5));

  EXPECT_THAT(listening.InsertTeam(MakeTeam("tm_a")), StatusIs(absl::StatusCode::kAlreadyExists));
  EXPECT_THAT(listening.InsertTeam(MakeTeam("tm_c"), refuse),
              StatusIs(absl::StatusCode::kFailedPrecondition));
  EXPECT_THAT(listening.UpdateTeam(MakeTeam("tm_a"), 7, kLater),
              StatusIs(absl::StatusCode::kAborted));
  // The check runs after the change is appended: the rollback takes it too.
  EXPECT_THAT(listening.UpdateTeam(MakeTeam("tm_a"), 1, kLater, Date(2026, 1, 1), refuse),
              StatusIs(absl::StatusCode::kFailedPrecondition));
  EXPECT_THAT(listening.InsertMember(bob), StatusIs(absl::StatusCode::kAlreadyExists));
  bob.set_email("bob@example.com");
  EXPECT_THAT(listening.InsertMember(bob, refuse), StatusIs(absl::StatusCode::kFailedPrecondition));
  EXPECT_THAT(listening.UpdateMemberProfile(ann, 5, kLater), StatusIs(absl::StatusCode::kAborted));
  EXPECT_THAT(listening.MoveMember("mb_ann", 1, "tm_nope", rosterpb::MEMBER_ROLE_SALES_DEVELOPMENT,
                                   Date(2026, 3, 1), kLater),
              StatusIs(absl::StatusCode::kFailedPrecondition));
  EXPECT_THAT(listening.MoveMember("mb_ann", 4, "tm_b", rosterpb::MEMBER_ROLE_SALES_DEVELOPMENT,
                                   Date(2026, 3, 1), kLater),
              StatusIs(absl::StatusCode::kAborted));
  EXPECT_THAT(listening.DeactivateMember("mb_ann", 1, Date(2026, 4, 1), kLater, refuse),
              StatusIs(absl::StatusCode::kFailedPrecondition));
  EXPECT_THAT(listening.DeactivateMember("mb_ann", 1, Date(2025, 4, 1), kLater),
              StatusIs(absl::StatusCode::kFailedPrecondition));

  EXPECT_THAT(heard, IsEmpty());
  EXPECT_THAT(Sequences(ChangesAfter(0)), ElementsAre(1, 2, 3));
  EXPECT_THAT(store().LastSequence(), IsOkAndHolds(3));
  // The next write takes the next number: nothing was handed out and lost.
  ASSERT_OK(listening
                .MoveMember("mb_ann", 1, "tm_b", rosterpb::MEMBER_ROLE_SALES_DEVELOPMENT,
                            Date(2026, 3, 1), kLater)
                .status());
  EXPECT_THAT(Sequences(ChangesAfter(0)), ElementsAre(1, 2, 3, 4));
  ASSERT_THAT(heard, SizeIs(1));
  EXPECT_EQ(heard[0].sequence, 4);
}

TEST_P(RosterStoreTest, TheListenerHearsEachCommittedWriteOnceWithItsSequenceAfterTheCommit) {
  std::vector<std::string> heard;
  RosterStore listening(&db(), [&](const CommittedChange& change) {
    // Called after the commit: a reader elsewhere already sees the change.
    absl::StatusOr<ChangePage> page = store().ReadChanges(change.sequence - 1, 1);
    const bool visible =
        page.ok() && page->changes.size() == 1 && page->changes[0].sequence() == change.sequence;
    heard.push_back(absl::StrCat(change.sequence, " team=", change.team_id, " member=",
                                 change.member_id, visible ? "" : " (not yet visible)"));
  });
  rosterpb::Team team = MakeTeam("tm_c");
  ASSERT_OK(listening.InsertTeam(team));
  team.set_name("Renamed");
  ASSERT_OK(listening.UpdateTeam(team, 1, kLater).status());
  rosterpb::Member ann = MakeMember("mb_ann", "ann@example.com", "tm_c",
                                    rosterpb::MEMBER_ROLE_SALES_DEVELOPMENT, Date(2026, 1, 5));
  ASSERT_OK(listening.InsertMember(ann));
  ann.set_name("Ann Renamed");
  ASSERT_OK(listening.UpdateMemberProfile(ann, 1, kLater).status());
  ASSERT_OK(listening
                .MoveMember("mb_ann", 2, "tm_a", rosterpb::MEMBER_ROLE_SALES_DEVELOPMENT,
                            Date(2026, 3, 1), kLater)
                .status());
  ASSERT_OK(listening.DeactivateMember("mb_ann", 3, Date(2026, 4, 1), kLater).status());

  EXPECT_THAT(heard, ElementsAre("3 team=tm_c member=", "4 team=tm_c member=",
                                 "5 team= member=mb_ann", "6 team= member=mb_ann",
                                 "7 team= member=mb_ann", "8 team= member=mb_ann"));
}

TEST_P(RosterStoreTest, ConcurrentWritersTakeEverySequenceExactlyOnceInCommitOrder) {
  constexpr int kWriters = 4;
  constexpr int kWritesEach = 10;
  for (int w = 0; w < kWriters; ++w) AddMember(absl::StrCat("mb_w", w));
  ASSERT_OK_AND_ASSIGN(const int64_t before, store().LastSequence());

  // Each writer moves and renames its own member, so that every write
  // commits (no version conflicts) and all of them race for the next number.
  std::vector<std::thread> writers;
  for (int w = 0; w < kWriters; ++w) {
    writers.emplace_back([this, w] {
      const std::string id = absl::StrCat("mb_w", w);
      absl::StatusOr<rosterpb::Member> member = store().GetMember(id);
      ASSERT_OK(member.status());
      for (int i = 0; i < kWritesEach; ++i) {
        const int64_t version = 1 + i;
        if (i % 2 == 0) {
          member = store().MoveMember(id, version, i % 4 == 0 ? "tm_b" : "tm_a",
                                      rosterpb::MEMBER_ROLE_SALES_DEVELOPMENT, Date(2026, 2, 1) + i,
                                      kLater);
        } else {
          member->set_name(absl::StrCat("Writer ", w, " write ", i));
          member = store().UpdateMemberProfile(*member, version, kLater);
        }
        ASSERT_OK(member.status()) << id << " write " << i;
      }
    });
  }
  for (std::thread& t : writers) t.join();

  const std::vector<rosterpb::RosterChange> changes = ChangesAfter(before);
  std::vector<int64_t> expected;
  for (int64_t s = before + 1; s <= before + kWriters * kWritesEach; ++s) expected.push_back(s);
  EXPECT_THAT(Sequences(changes), ElementsAreArray(expected));
  EXPECT_THAT(store().LastSequence(), IsOkAndHolds(before + kWriters * kWritesEach));
  // In sequence order, each member's changes show its versions in the order
  // they were written: numbers follow commits.
  std::map<std::string, std::vector<int64_t>> versions;
  for (const rosterpb::RosterChange& change : changes) {
    versions[change.member_id()].push_back(change.member().version());
  }
  ASSERT_THAT(versions, SizeIs(kWriters));
  for (const auto& [member_id, seen] : versions) {
    EXPECT_THAT(seen, ElementsAre(2, 3, 4, 5, 6, 7, 8, 9, 10, 11)) << member_id;
  }
}

TEST_P(RosterStoreTest, ReadChangesPagesByLimitAndSaysWhereTheLogEnds) {
  AddMember("mb_ann");
  AddMember("mb_bob");
  AddMember("mb_cat");  // changes 3..5

  ASSERT_OK_AND_ASSIGN(ChangePage page, store().ReadChanges(0, 2));
  EXPECT_THAT(Sequences(page.changes), ElementsAre(1, 2));
  EXPECT_EQ(page.last_sequence, 5);
  EXPECT_EQ(page.pruned_through, 0);
  ASSERT_OK_AND_ASSIGN(page, store().ReadChanges(2, 2));
  EXPECT_THAT(Sequences(page.changes), ElementsAre(3, 4));
  ASSERT_OK_AND_ASSIGN(page, store().ReadChanges(4, 2));
  EXPECT_THAT(Sequences(page.changes), ElementsAre(5));
  EXPECT_EQ(page.changes[0].member_id(), "mb_cat");
  // At the head, and ahead of it: nothing, and where the log ends.
  ASSERT_OK_AND_ASSIGN(page, store().ReadChanges(5, 2));
  EXPECT_THAT(page.changes, IsEmpty());
  EXPECT_EQ(page.last_sequence, 5);
  ASSERT_OK_AND_ASSIGN(page, store().ReadChanges(9, 2));
  EXPECT_THAT(page.changes, IsEmpty());
  EXPECT_EQ(page.last_sequence, 5);
  EXPECT_THAT(store().LastSequence(), IsOkAndHolds(5));
}

TEST_P(RosterStoreTest, PruneChangesDeletesTheChangesOlderThanTheCutoffAndRaisesPrunedThrough) {
  rosterpb::Team team = MakeTeam("tm_a");
  team.set_name("Renamed");
  ASSERT_OK(store().UpdateTeam(team, 1, kLater).status());  // change 3, at kLater

  // Only changes strictly before the cutoff go.
  EXPECT_THAT(store().PruneChanges(kCreated), IsOkAndHolds(0));
  EXPECT_THAT(Sequences(ChangesAfter(0)), ElementsAre(1, 2, 3));
  EXPECT_THAT(store().PruneChanges(kCreated + absl::Seconds(1)), IsOkAndHolds(2));

  // A reader from before the pruned range gets nothing, and learns why.
  for (int64_t after : {0, 1}) {
    ASSERT_OK_AND_ASSIGN(ChangePage page, store().ReadChanges(after, 10));
    EXPECT_THAT(page.changes, IsEmpty()) << "after " << after;
    EXPECT_EQ(page.pruned_through, 2) << "after " << after;
    EXPECT_EQ(page.last_sequence, 3) << "after " << after;
  }
  ASSERT_OK_AND_ASSIGN(ChangePage page, store().ReadChanges(2, 10));
  EXPECT_THAT(Sequences(page.changes), ElementsAre(3));
  EXPECT_EQ(page.pruned_through, 2);
  EXPECT_THAT(store().PruneChanges(kCreated + absl::Seconds(1)), IsOkAndHolds(2));

  // Pruning the whole log keeps the numbering.
  EXPECT_THAT(store().PruneChanges(kLater + absl::Seconds(1)), IsOkAndHolds(3));
  ASSERT_OK_AND_ASSIGN(page, store().ReadChanges(3, 10));
  EXPECT_THAT(page.changes, IsEmpty());
  EXPECT_EQ(page.pruned_through, 3);
  EXPECT_EQ(page.last_sequence, 3);
  AddMember("mb_ann");
  EXPECT_THAT(Sequences(ChangesAfter(3)), ElementsAre(4));
}

SALESTEAM_INSTANTIATE_DATABASE_TEST(RosterStoreTest);

}  // namespace
}  // namespace salesteam::roster
