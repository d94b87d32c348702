// The roster client against a real RosterService (TestRoster) over a real
// channel and Redis, and its fake.
#include "clients/roster/roster_client.h"

#include <memory>
#include <string>
#include <vector>

#include "clients/roster/fake_roster_client.h"
#include "clients/roster/testing/test_roster.h"
#include "common/auth/auth.h"
#include "common/cache/fake_cache.h"
#include "common/client/peer_channel.h"
#include "common/testing/status_matchers.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace salesteam::clients {
namespace {

using ::salesteam::clients::testing::TestRoster;
using ::salesteam::testing::CacheKind;
using ::salesteam::testing::StatusIs;
using ::testing::ElementsAre;
using ::testing::IsEmpty;
using ::testing::UnorderedElementsAre;

class GrpcRosterClientTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_OK_AND_ASSIGN(roster_, TestRoster::Start(std::string(salesteam::testing::kTestSecret),
                                                    CacheKind::kFake, absl::Hours(24 * 30)));
    ASSERT_OK_AND_ASSIGN(team_, roster_->CreateTeam("Team T", rosterpb::SALES_MODEL_ASSEMBLY_LINE,
                                                    "Europe/Berlin", "EUR"));
    ASSERT_OK_AND_ASSIGN(member_,
                         roster_->CreateMember("Sam Developer", team_.id(),
                                               rosterpb::MEMBER_ROLE_SALES_DEVELOPMENT, 2));
    tokens_ = std::make_unique<auth::ServiceTokenSource>(salesteam::testing::kTestSecret, "test");
    GrpcRosterClientOptions options;
    options.token = [this] { return tokens_->Token(); };
    ASSERT_OK_AND_ASSIGN(auto channel,
                         client::MakePeerChannel({.name = "roster", .address = roster_->address()},
                                                 RosterRetryPolicy()));
    client_ = std::make_unique<GrpcRosterClient>(channel, &cache_, std::move(options));
  }

  std::unique_ptr<TestRoster> roster_;
  rosterpb::Team team_;
  rosterpb::Member member_;
  cache::FakeCache cache_;
  std::unique_ptr<auth::ServiceTokenSource> tokens_;
  std::unique_ptr<GrpcRosterClient> client_;
};

TEST_F(GrpcRosterClientTest, FindsMembersWithTheirHistoryAndSaysWhichAreMissing) {
  const std::vector<std::string> ids = {member_.id(), "mb_nobody", member_.id()};
  MemberLookup lookup = client_->GetMembers(ids);
  EXPECT_THAT(lookup.missing, UnorderedElementsAre("mb_nobody"));
  EXPECT_THAT(lookup.unavailable, IsEmpty());
  ASSERT_TRUE(lookup.found.contains(member_.id()));
  const RosterMember& found = *lookup.found.at(member_.id());
  EXPECT_EQ(found.team_id, team_.id());
  EXPECT_EQ(found.role, rosterpb::MEMBER_ROLE_SALES_DEVELOPMENT);
  EXPECT_EQ(found.value_tier, 2) << "a service token sees management data";
  ASSERT_EQ(found.assignments.size(), 1u);
  EXPECT_EQ(found.assignments[0].team_id, team_.id());
  EXPECT_TRUE(found.hire_date.has_value());
}

TEST_F(GrpcRosterClientTest, ReadsTeamFactsAsPlainValues) {
  ASSERT_OK_AND_ASSIGN(std::shared_ptr<const RosterTeam> team, client_->GetTeam(team_.id()));
  EXPECT_EQ(team->zone.name(), "Europe/Berlin");
  EXPECT_EQ(team->currency_code, "EUR");
  EXPECT_EQ(team->sales_model, rosterpb::SALES_MODEL_ASSEMBLY_LINE);
  EXPECT_EQ(team->stage_owner[rosterpb::JOURNEY_STAGE_QUALIFICATION],
            rosterpb::MEMBER_ROLE_SALES_DEVELOPMENT);
  EXPECT_EQ(team->min_attainment_bps, 9000);
  EXPECT_THAT(client_->GetTeam("tm_nowhere"), StatusIs(absl::StatusCode::kNotFound));
}

TEST_F(GrpcRosterClientTest, AnUnreachableRosterMakesUncachedIdsUnavailableNeverGuessed) {
  ASSERT_OK(client_->GetTeam(team_.id()).status());
  ASSERT_EQ(client_->GetMembers({member_.id()}).found.size(), 1u);
  roster_->Stop();
  // What was read is still answered from the caches...
  EXPECT_EQ(client_->GetMembers({member_.id()}).found.size(), 1u);
  EXPECT_OK(client_->GetTeam(team_.id()).status());
  // ...and what was not is unavailable, with the reason.
  MemberLookup lookup = client_->GetMembers({"mb_unseen"});
  EXPECT_THAT(lookup.unavailable, ElementsAre("mb_unseen"));
  EXPECT_THAT(lookup.missing, IsEmpty());
  EXPECT_EQ(lookup.unavailable_reason.code(), absl::StatusCode::kUnavailable);
  EXPECT_THAT(client_->GetTeam("tm_unseen"), StatusIs(absl::StatusCode::kUnavailable));
}

TEST(RosterMemberFromProtoTest, KeepsDatesAndLeavesAbsentOnesAbsent) {
  rosterpb::Member member;
  member.set_id("mb_1");
  member.mutable_hire_date()->set_year(2026);
  member.mutable_hire_date()->set_month(1);
  member.mutable_hire_date()->set_day(5);
  rosterpb::Assignment* assignment = member.add_assignments();
  assignment->set_team_id("tm_1");
  assignment->mutable_effective_until()->set_year(2026);
  assignment->mutable_effective_until()->set_month(3);
  assignment->mutable_effective_until()->set_day(2);
  const RosterMember plain = RosterMemberFromProto(member);
  EXPECT_EQ(plain.hire_date, periods::Date(2026, 1, 5));
  EXPECT_FALSE(plain.deactivation_date.has_value());
  EXPECT_FALSE(plain.value_tier.has_value());
  ASSERT_EQ(plain.assignments.size(), 1u);
  EXPECT_FALSE(plain.assignments[0].effective_from.has_value());
  EXPECT_EQ(plain.assignments[0].effective_until, periods::Date(2026, 3, 2));
}

TEST(FakeRosterClientTest, AnswersWhatWasPutAndCanBeMadeUnreachable) {
  FakeRosterClient fake;
  fake.PutMember({.id = "mb_1", .team_id = "tm_1"});
  fake.PutTeam({.id = "tm_1", .currency_code = "USD"});
  MemberLookup lookup = fake.GetMembers({"mb_1", "mb_2"});
  EXPECT_EQ(lookup.found.size(), 1u);
  EXPECT_THAT(lookup.missing, ElementsAre("mb_2"));
  EXPECT_OK(fake.GetTeam("tm_1").status());
  fake.SetUnavailable(absl::UnavailableError("down"));
  EXPECT_THAT(fake.GetMembers({"mb_1"}).unavailable, ElementsAre("mb_1"));
  EXPECT_THAT(fake.GetTeam("tm_1"), StatusIs(absl::StatusCode::kUnavailable));
  EXPECT_EQ(fake.calls(), 4);
}

}  // namespace
}  // namespace salesteam::clients
