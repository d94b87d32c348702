#include "tools/loadgen/generator.h"

#include <map>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "absl/time/civil_time.h"
#include "common/testing/status_matchers.h"
#include "common/time/timestamp.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "services/activity/domain.h"

namespace salesteam::loadgen {
namespace {

using ::salesteam::testing::IsOk;
using ::salesteam::testing::StatusIs;
using ::testing::HasSubstr;

// A Wednesday afternoon in UTC.
const absl::Time kNow =
    absl::FromCivil(absl::CivilSecond(2026, 3, 18, 15, 0, 0), absl::UTCTimeZone());

activity::TeamFacts Team(const std::string& id, const std::string& zone,
                         const std::string& currency, rosterpb::SalesModel model) {
  rosterpb::Team team;
  team.set_id(id);
  team.set_time_zone(zone);
  team.set_currency_code(currency);
  team.set_sales_model(model);
  const rosterpb::MemberRole owners[] = {
      rosterpb::MEMBER_ROLE_LEAD_GENERATION, rosterpb::MEMBER_ROLE_SALES_DEVELOPMENT,
      rosterpb::MEMBER_ROLE_ACCOUNT_EXECUTIVE, rosterpb::MEMBER_ROLE_CUSTOMER_SUCCESS};
  for (int stage = 1; stage <= 4; ++stage) {
    rosterpb::StageOwnership* ownership = team.add_stage_ownership();
    ownership->set_stage(static_cast<rosterpb::JourneyStage>(stage));
    ownership->set_role(model == rosterpb::SALES_MODEL_ISLAND ? rosterpb::MEMBER_ROLE_FULL_CYCLE
                                                              : owners[stage - 1]);
  }
  absl::StatusOr<activity::TeamFacts> facts = clients::RosterTeamFromProto(team);
  EXPECT_THAT(facts, IsOk());
  return *facts;
}

// An island team in Berlin (EUR) and an assembly line in New York (USD),
// with a manager who should never be given work.
LoadRoster TwoTeams() {
  LoadRoster roster;
  roster.teams.push_back(Team("t-berlin", "Europe/Berlin", "EUR", rosterpb::SALES_MODEL_ISLAND));
  roster.teams.push_back(
      Team("t-newyork", "America/New_York", "USD", rosterpb::SALES_MODEL_ASSEMBLY_LINE));
  for (int i = 0; i < 8; ++i) {
    roster.members.push_back(
        {"mb-island-" + std::to_string(i), 0, rosterpb::MEMBER_ROLE_FULL_CYCLE});
  }
  const rosterpb::MemberRole line[] = {
      rosterpb::MEMBER_ROLE_LEAD_GENERATION, rosterpb::MEMBER_ROLE_SALES_DEVELOPMENT,
      rosterpb::MEMBER_ROLE_ACCOUNT_EXECUTIVE, rosterpb::MEMBER_ROLE_CUSTOMER_SUCCESS};
  for (int i = 0; i < 8; ++i) {
    roster.members.push_back({"mb-line-" + std::to_string(i), 1, line[i % 4]});
  }
  roster.members.push_back({"mb-manager", 1, rosterpb::MEMBER_ROLE_MANAGER});
  return roster;
}

GeneratorOptions Options(double duplicate_rate, double bad_rate) {
  GeneratorOptions options;
  options.seed = 42;
  options.now = kNow;
  options.duplicate_rate = duplicate_rate;
  options.bad_rate = bad_rate;
  return options;
}

struct Generated {
  std::vector<activitypb::Activity> items;
  std::vector<ItemKind> kinds;
};

Generated Generate(const LoadRoster& roster, const GeneratorOptions& options, int n) {
  absl::StatusOr<std::unique_ptr<ActivityGenerator>> generator =
      ActivityGenerator::Create(&roster, options);
  EXPECT_THAT(generator, IsOk());
  Generated out;
  out.items.resize(n);
  for (int i = 0; i < n; ++i) out.kinds.push_back((*generator)->Next(&out.items[i]));
  return out;
}

absl::Time OccurredAt(const activitypb::Activity& item) {
  return *periods::TimeFromProto(item.occurred_at(), "occurred_at");
}

TEST(ActivityGeneratorTest, SameSeedGivesSameItemsAndOtherSeedsOrKeysDoNot) {
  const LoadRoster roster = TwoTeams();
  const Generated first = Generate(roster, Options(0.01, 0.001), 5000);
  const Generated again = Generate(roster, Options(0.01, 0.001), 5000);
  for (int i = 0; i < 5000; ++i) {
    ASSERT_EQ(first.items[i].SerializeAsString(), again.items[i].SerializeAsString()) << i;
  }

  GeneratorOptions other_seed = Options(0.01, 0.001);
  other_seed.seed = 43;
  const Generated reseeded = Generate(roster, other_seed, 100);
  int same_type = 0;
  for (int i = 0; i < 100; ++i) {
    EXPECT_NE(first.items[i].activity_id(), reseeded.items[i].activity_id());
    same_type += first.items[i].type() == reseeded.items[i].type();
  }
  EXPECT_LT(same_type, 60);

  // Another id key: the same activities under other ids (a second phase of
  // a comparison against the same database).
  GeneratorOptions other_key = Options(0.01, 0.001);
  other_key.id_key = 7;
  const Generated rekeyed = Generate(roster, other_key, 5000);
  for (int i = 0; i < 5000; ++i) {
    const activitypb::Activity& a = first.items[i];
    const activitypb::Activity& b = rekeyed.items[i];
    ASSERT_NE(a.activity_id(), b.activity_id()) << i;
    ASSERT_EQ(a.type(), b.type()) << i;
    ASSERT_EQ(a.occurred_at().seconds(), b.occurred_at().seconds()) << i;
    ASSERT_EQ(a.deal_id().empty(), b.deal_id().empty()) << i;
    if (first.kinds[i] != ItemKind::kBad) {
      ASSERT_EQ(a.member_id(), b.member_id()) << i;
    }
  }

  // Workers draw different sequences from one seed.
  GeneratorOptions other_stream = Options(0.01, 0.001);
  other_stream.stream = 1;
  const Generated second_worker = Generate(roster, other_stream, 100);
  EXPECT_NE(first.items[0].activity_id(), second_worker.items[0].activity_id());
}

TEST(ActivityGeneratorTest, MixProportionsHold) {
  const LoadRoster roster = TwoTeams();
  const ActivityMix mix = DefaultMix();
  double total_weight = 0;
  for (double weight : mix.weight) total_weight += weight;
  const int n = 200000;
  const Generated generated = Generate(roster, Options(0, 0), n);
  std::map<int, int> by_type;
  for (const activitypb::Activity& item : generated.items) ++by_type[item.type()];
  for (int type = 1; type < ActivityMix::kTypes; ++type) {
    const double expected = n * mix.weight[type] / total_weight;
    EXPECT_NEAR(by_type[type], expected, 0.1 * expected)
        << activitypb::ActivityType_Name(static_cast<activitypb::ActivityType>(type));
  }

  GeneratorOptions only_two = Options(0, 0);
  only_two.mix = *ParseMix("calls=3,won=1");
  std::map<int, int> two;
  for (const activitypb::Activity& item : Generate(roster, only_two, 40000).items) {
    ++two[item.type()];
  }
  EXPECT_EQ(two.size(), 2u);
  EXPECT_NEAR(two[activitypb::ACTIVITY_TYPE_CALL_MADE], 30000, 600);
  EXPECT_NEAR(two[activitypb::ACTIVITY_TYPE_DEAL_WON], 10000, 600);
}

TEST(ActivityGeneratorTest, DuplicatesAndBadItemsComeAtTheConfiguredRates) {
  const LoadRoster roster = TwoTeams();
  const int n = 100000;
  const Generated generated = Generate(roster, Options(0.05, 0.02), n);
  absl::flat_hash_map<std::string, const activitypb::Activity*> good_by_id;
  absl::flat_hash_set<std::string> bad_ids;
  absl::flat_hash_map<std::string, int> team_of_member;
  for (const LoadRoster::Member& member : roster.members) team_of_member[member.id] = member.team;
  int duplicates = 0;
  int bad = 0;
  for (int i = 0; i < n; ++i) {
    const activitypb::Activity& item = generated.items[i];
    switch (generated.kinds[i]) {
      case ItemKind::kGood:
        ASSERT_TRUE(good_by_id.emplace(item.activity_id(), &item).second)
            << "a good item reuses an id: " << item.activity_id();
        ASSERT_FALSE(bad_ids.contains(item.activity_id()));
        break;
      case ItemKind::kDuplicate: {
        ++duplicates;
        // A resend of an earlier good item, unchanged.
        auto earlier = good_by_id.find(item.activity_id());
        ASSERT_NE(earlier, good_by_id.end()) << i;
        ASSERT_EQ(earlier->second->SerializeAsString(), item.SerializeAsString()) << i;
        break;
      }
      case ItemKind::kBad: {
        ++bad;
        ASSERT_TRUE(bad_ids.insert(item.activity_id()).second);
        ASSERT_FALSE(good_by_id.contains(item.activity_id()));
        // Invalid on its face, or for what the roster knows: an unknown
        // member, or an amount in another currency than the team's.
        const bool invalid = !activity::ValidateActivity(item, "a", kNow).ok();
        auto team = team_of_member.find(item.member_id());
        const bool unknown_member = team == team_of_member.end();
        const bool wrong_currency =
            !unknown_member && item.has_amount() &&
            item.amount().currency_code() != roster.teams[team->second].currency_code;
        EXPECT_TRUE(invalid || unknown_member || wrong_currency) << item.DebugString();
        break;
      }
    }
  }
  EXPECT_NEAR(duplicates, 0.05 * n, 0.005 * n);
  EXPECT_NEAR(bad, 0.02 * n, 0.003 * n);

  // No duplicates or bad items unless asked for.
  const Generated clean = Generate(roster, Options(0, 0), 20000);
  for (ItemKind kind : clean.kinds) ASSERT_EQ(kind, ItemKind::kGood);
}

TEST(ActivityGeneratorTest, EveryGoodItemIsValidAndRealistic) {
  const LoadRoster roster = TwoTeams();
  const GeneratorOptions options = Options(0.01, 0.001);
  const Generated generated = Generate(roster, options, 50000);
  absl::flat_hash_map<std::string, const LoadRoster::Member*> members;
  for (const LoadRoster::Member& member : roster.members) members[member.id] = &member;
  int64_t logged = 0;
  int64_t selling = 0;
  for (size_t i = 0; i < generated.items.size(); ++i) {
    if (generated.kinds[i] == ItemKind::kBad) continue;
    const activitypb::Activity& item = generated.items[i];
    ASSERT_THAT(activity::ValidateActivity(item, "a", kNow), IsOk()) << item.DebugString();
    ASSERT_EQ(item.activity_id().size(), 24u);
    ASSERT_EQ(item.activity_id().find_first_not_of("0123456789abcdef"), std::string::npos);
    EXPECT_EQ(item.source_system(), "loadgen");

    auto member = members.find(item.member_id());
    ASSERT_NE(member, members.end()) << item.member_id();
    const activity::TeamFacts& team = roster.teams[member->second->team];
    // The work of the role that owns it; managers get none.
    EXPECT_NE(member->second->role, rosterpb::MEMBER_ROLE_MANAGER);
    EXPECT_FALSE(activity::IsOutOfStage(team, member->second->role, item.type()))
        << item.DebugString();

    // A weekday, within working hours in the team's zone (the last steps of
    // a deal worked today may run up to two hours late), in the window.
    const absl::Time at = OccurredAt(item);
    EXPECT_LE(at, kNow);
    EXPECT_GE(at, kNow - absl::Hours(24 * options.days));
    const absl::CivilSecond local = absl::ToCivilSecond(at, team.zone);
    const absl::Weekday weekday = absl::GetWeekday(absl::CivilDay(local));
    EXPECT_NE(weekday, absl::Weekday::saturday) << item.DebugString();
    EXPECT_NE(weekday, absl::Weekday::sunday) << item.DebugString();
    EXPECT_GE(local.hour(), 8) << item.DebugString();
    EXPECT_LT(local.hour(), 20) << item.DebugString();

    if (item.type() == activitypb::ACTIVITY_TYPE_DEAL_WON) {
      EXPECT_EQ(item.amount().currency_code(), team.currency_code);
      EXPECT_GE(item.amount().minor_units(), 400 * 100);
      EXPECT_LE(item.amount().minor_units(), 60000 * 100);
    } else {
      EXPECT_FALSE(item.has_amount());
    }
    if (item.type() == activitypb::ACTIVITY_TYPE_TIME_LOGGED) {
      EXPECT_GE(item.minutes(), 15);
      EXPECT_LE(item.minutes(), 240);
      logged += item.minutes();
      if (item.selling()) selling += item.minutes();
    }
  }
  ASSERT_GT(logged, 0);
  EXPECT_NEAR(static_cast<double>(selling) / logged, 0.35, 0.05);
}

TEST(ActivityGeneratorTest, DealsMoveThroughTheFunnelInOrderWithinTheirTeam) {
  const LoadRoster roster = TwoTeams();
  const Generated generated = Generate(roster, Options(0, 0), 50000);
  absl::flat_hash_map<std::string, int> team_of_member;
  absl::flat_hash_map<std::string, rosterpb::MemberRole> role_of_member;
  for (const LoadRoster::Member& member : roster.members) {
    team_of_member[member.id] = member.team;
    role_of_member[member.id] = member.role;
  }
  auto step = [](activitypb::ActivityType type) {
    switch (type) {
      case activitypb::ACTIVITY_TYPE_LEAD_CREATED:
        return 0;
      case activitypb::ACTIVITY_TYPE_MEETING_SCHEDULED:
        return 1;
      case activitypb::ACTIVITY_TYPE_MEETING_HELD:
        return 2;
      case activitypb::ACTIVITY_TYPE_PROPOSAL_SENT:
        return 3;
      case activitypb::ACTIVITY_TYPE_DEAL_WON:
      case activitypb::ACTIVITY_TYPE_DEAL_LOST:
        return 4;
      default:
        return -1;
    }
  };
  struct DealSoFar {
    int step;
    int team;
    absl::Time last;
  };
  absl::flat_hash_map<std::string, DealSoFar> deals;
  int closed = 0;
  for (const activitypb::Activity& item : generated.items) {
    if (item.deal_id().empty()) continue;
    const int this_step = step(item.type());
    ASSERT_GE(this_step, 0) << item.DebugString();
    const int team = team_of_member[item.member_id()];
    auto [it, inserted] = deals.try_emplace(item.deal_id(), DealSoFar{-1, team, OccurredAt(item)});
    // One step at a time, starting with the lead, in time order, in one team.
    ASSERT_EQ(this_step, it->second.step + 1) << item.DebugString();
    ASSERT_EQ(team, it->second.team) << item.DebugString();
    ASSERT_GE(OccurredAt(item), it->second.last) << item.DebugString();
    if (roster.teams[team].sales_model == rosterpb::SALES_MODEL_ASSEMBLY_LINE) {
      EXPECT_FALSE(activity::IsOutOfStage(roster.teams[team], role_of_member[item.member_id()],
                                          item.type()));
    }
    it->second = {this_step, team, OccurredAt(item)};
    closed += this_step == 4;
  }
  // Of about 5,000 leads, about 1,000 close (won 1 + lost 1 per 10 leads).
  EXPECT_GT(deals.size(), 4000u);
  EXPECT_GT(closed, 700);
}

TEST(ParseMixTest, ReadsWeightsAndRefusesNonsense) {
  absl::StatusOr<ActivityMix> mix = ParseMix(
      "calls=40,emails=25,leads=10,follow_ups=8,meetings_scheduled=5,meetings_held=4,"
      "proposals=3,won=1,lost=1,referrals=1,partnerships=0.5,time_logged=1.5");
  ASSERT_THAT(mix, IsOk());
  EXPECT_EQ(mix->weight, DefaultMix().weight);
  EXPECT_EQ(ParseMix(FormatMix(*mix))->weight, mix->weight);

  absl::StatusOr<ActivityMix> sparse = ParseMix(" calls = 2 , won=0.5 ");
  ASSERT_THAT(sparse, IsOk());
  EXPECT_EQ(sparse->weight[activitypb::ACTIVITY_TYPE_CALL_MADE], 2);
  EXPECT_EQ(sparse->weight[activitypb::ACTIVITY_TYPE_DEAL_WON], 0.5);
  EXPECT_EQ(sparse->weight[activitypb::ACTIVITY_TYPE_EMAIL_SENT], 0);
  EXPECT_EQ(FormatMix(*sparse), "calls=2,won=0.5");

  EXPECT_THAT(ParseMix("calls=1,faxes=2"),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("\"faxes\"")));
  EXPECT_THAT(ParseMix("calls=-1"),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("calls")));
  EXPECT_THAT(ParseMix("calls=many"),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("calls")));
  EXPECT_THAT(ParseMix("calls=1,calls=2"),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("twice")));
  EXPECT_THAT(ParseMix("calls=0"), StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(ParseMix(""), StatusIs(absl::StatusCode::kInvalidArgument));
}

TEST(ActivityGeneratorTest, RefusesInvalidOptionsAndEmptyRosters) {
  const LoadRoster roster = TwoTeams();
  GeneratorOptions options = Options(0.01, 0.001);
  options.days = 0;
  EXPECT_THAT(ActivityGenerator::Create(&roster, options),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("--days")));
  options = Options(0.6, 0.5);
  EXPECT_THAT(ActivityGenerator::Create(&roster, options),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("below 1")));
  options = Options(-0.1, 0);
  EXPECT_THAT(ActivityGenerator::Create(&roster, options),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("--duplicate_rate")));
  const LoadRoster empty;
  EXPECT_THAT(ActivityGenerator::Create(&empty, Options(0, 0)),
              StatusIs(absl::StatusCode::kInvalidArgument));
}

}  // namespace
}  // namespace salesteam::loadgen
