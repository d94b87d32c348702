#include "services/roster/domain.h"

#include <cmath>
#include <limits>
#include <string>
#include <vector>

#include "common/testing/status_matchers.h"
#include "common/time/date.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "salesteam/type/v1/date.pb.h"

namespace salesteam::roster {
namespace {

using ::salesteam::testing::IsOk;
using ::salesteam::testing::StatusIs;
using ::testing::AllOf;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::StartsWith;

constexpr auto kInvalid = absl::StatusCode::kInvalidArgument;
const periods::Date kToday(2026, 11, 28);

salesteam::type::v1::Date Day(int year, int month, int day) {
  salesteam::type::v1::Date proto;
  proto.set_year(year);
  proto.set_month(month);
  proto.set_day(day);
  return proto;
}

periods::Date ToDate(const salesteam::type::v1::Date& proto) {
  return periods::Date(proto.year(), proto.month(), proto.day());
}

rosterpb::Team ValidTeam(rosterpb::SalesModel model) {
  rosterpb::Team team;
  team.set_id("tm_1");
  team.set_name("Berlin Hunters");
  team.set_time_zone("Europe/Berlin");
  team.set_currency_code("EUR");
  team.set_sales_model(model);
  team.mutable_expectation_policy()->set_min_attainment_bps(9000);
  team.mutable_expectation_policy()->set_consecutive_periods(3);
  rosterpb::TrainingCadence* cadence = team.add_training_cadence();
  cadence->set_area(rosterpb::TRAINING_AREA_PROSPECTING);
  cadence->set_max_days_between_sessions(90);
  for (const rosterpb::StageOwnership& owner : DefaultStageOwnership(model)) {
    *team.add_stage_ownership() = owner;
  }
  return team;
}

rosterpb::Member ValidMember() {
  rosterpb::Member member;
  member.set_id("mb_1");
  member.set_name("Ada Lovelace");
  member.set_email("ada@example.com");
  member.set_archetype(rosterpb::ARCHETYPE_BUILDER);
  member.set_value_tier(2);
  rosterpb::SkillLevel* skill = member.add_skills();
  skill->set_skill(rosterpb::SKILL_PROSPECTING);
  skill->set_level(5);
  skill = member.add_skills();
  skill->set_skill(rosterpb::SKILL_PRESENTING);
  skill->set_level(2);
  member.add_motivators(rosterpb::MOTIVATOR_MONEY);
  member.add_motivators(rosterpb::MOTIVATOR_GROWTH);
  rosterpb::ContactChannel* channel = member.add_contact_channels();
  channel->set_kind(rosterpb::CONTACT_CHANNEL_KIND_EMAIL);
  channel->set_address("ada@example.com");
  channel->set_preferred(true);
  channel = member.add_contact_channels();
  channel->set_kind(rosterpb::CONTACT_CHANNEL_KIND_MOBILE);
  channel->set_address("+49 170 1234567");
  *member.mutable_hire_date() = Day(2026, 1, 5);
  return member;
}

rosterpb::TrainingSession ValidSession() {
  rosterpb::TrainingSession session;
  session.set_member_id("mb_1");
  session.set_area(rosterpb::TRAINING_AREA_PRODUCT_KNOWLEDGE);
  *session.mutable_date() = Day(2026, 11, 20);
  session.set_hours(2.5);
  session.set_note("New pricing tiers.\nQuiz passed.");
  return session;
}

// ---- Teams ----

TEST(ValidateTeam, AcceptsAWellFormedTeamOfEitherModel) {
  EXPECT_THAT(ValidateTeam(ValidTeam(rosterpb::SALES_MODEL_ISLAND), "team"), IsOk());
  EXPECT_THAT(ValidateTeam(ValidTeam(rosterpb::SALES_MODEL_ASSEMBLY_LINE), "team"), IsOk());
}

TEST(ValidateTeam, RefusesAnEmptyName) {
  rosterpb::Team team = ValidTeam(rosterpb::SALES_MODEL_ISLAND);
  team.set_name("");
  EXPECT_THAT(ValidateTeam(team, "team"), StatusIs(kInvalid, "team.name: is required"));
}

TEST(ValidateTeam, RefusesATenThousandCharacterNameNamingTheLimit) {
  rosterpb::Team team = ValidTeam(rosterpb::SALES_MODEL_ISLAND);
  team.set_name(std::string(10000, 'n'));
  EXPECT_THAT(ValidateTeam(team, "team"),
              StatusIs(kInvalid, "team.name: must be at most 200 characters (got 10000)"));
  team.set_name(std::string(kMaxNameChars, 'n'));
  EXPECT_THAT(ValidateTeam(team, "team"), IsOk());
}

TEST(ValidateTeam, RefusesAnUnknownTimeZone) {
  rosterpb::Team team = ValidTeam(rosterpb::SALES_MODEL_ISLAND);
  team.set_time_zone("Mars/Olympus");
  EXPECT_THAT(ValidateTeam(team, "team"),
              StatusIs(kInvalid, AllOf(StartsWith("team.time_zone: "), HasSubstr("Mars/Olympus"))));
  team.set_time_zone("");
  EXPECT_THAT(ValidateTeam(team, "team"),
              StatusIs(kInvalid, StartsWith("team.time_zone: is required")));
  team.set_time_zone("America/Argentina/Buenos_Aires");
  EXPECT_THAT(ValidateTeam(team, "team"), IsOk());
}

TEST(ValidateTeam, RefusesAnUnknownCurrency) {
  rosterpb::Team team = ValidTeam(rosterpb::SALES_MODEL_ISLAND);
  for (const char* code : {"XYZ", "usd", "", "EURO"}) {
    team.set_currency_code(code);
    EXPECT_THAT(ValidateTeam(team, "team"), StatusIs(kInvalid, StartsWith("team.currency_code: ")))
        << code;
  }
  team.set_currency_code("JPY");
  EXPECT_THAT(ValidateTeam(team, "team"), IsOk());
}

TEST(ValidateTeam, RefusesAnUnknownOrUnsetSalesModel) {
  rosterpb::Team team = ValidTeam(rosterpb::SALES_MODEL_ISLAND);
  team.set_sales_model(static_cast<rosterpb::SalesModel>(99));
  EXPECT_THAT(ValidateTeam(team, "team"),
              StatusIs(kInvalid, StartsWith("team.sales_model: unknown value 99")));
  team.set_sales_model(rosterpb::SALES_MODEL_UNSPECIFIED);
  EXPECT_THAT(ValidateTeam(team, "team"),
              StatusIs(kInvalid, StartsWith("team.sales_model: is required")));
}

TEST(ValidateTeam, RequiresAnExpectationPolicyWithinItsRanges) {
  rosterpb::Team team = ValidTeam(rosterpb::SALES_MODEL_ISLAND);
  team.clear_expectation_policy();
  EXPECT_THAT(ValidateTeam(team, "team"),
              StatusIs(kInvalid, StartsWith("team.expectation_policy: is required")));

  team = ValidTeam(rosterpb::SALES_MODEL_ISLAND);
  team.mutable_expectation_policy()->set_min_attainment_bps(0);
  EXPECT_THAT(
      ValidateTeam(team, "team"),
      StatusIs(kInvalid, "team.expectation_policy.min_attainment_bps: must be 1..100000 (got 0)"));
  team.mutable_expectation_policy()->set_min_attainment_bps(100001);
  EXPECT_THAT(ValidateTeam(team, "team"), StatusIs(kInvalid, HasSubstr("(got 100001)")));
  team.mutable_expectation_policy()->set_min_attainment_bps(100000);
  EXPECT_THAT(ValidateTeam(team, "team"), IsOk());

  team.mutable_expectation_policy()->set_consecutive_periods(0);
  EXPECT_THAT(
      ValidateTeam(team, "team"),
      StatusIs(kInvalid, "team.expectation_policy.consecutive_periods: must be 1..24 (got 0)"));
  team.mutable_expectation_policy()->set_consecutive_periods(25);
  EXPECT_THAT(ValidateTeam(team, "team"), StatusIs(kInvalid, HasSubstr("(got 25)")));
  team.mutable_expectation_policy()->set_consecutive_periods(24);
  EXPECT_THAT(ValidateTeam(team, "team"), IsOk());
}

TEST(ValidateTeam, RefusesABadTrainingCadence) {
  rosterpb::Team team = ValidTeam(rosterpb::SALES_MODEL_ISLAND);
  rosterpb::TrainingCadence* second = team.add_training_cadence();
  second->set_area(rosterpb::TRAINING_AREA_PRODUCT_KNOWLEDGE);
  second->set_max_days_between_sessions(730);
  EXPECT_THAT(ValidateTeam(team, "team"), IsOk());

  second->set_max_days_between_sessions(731);
  EXPECT_THAT(
      ValidateTeam(team, "team"),
      StatusIs(kInvalid,
               "team.training_cadence[1].max_days_between_sessions: must be 1..730 (got 731)"));
  second->set_max_days_between_sessions(0);
  EXPECT_THAT(ValidateTeam(team, "team"), StatusIs(kInvalid, HasSubstr("(got 0)")));
  second->set_max_days_between_sessions(30);

  second->set_area(static_cast<rosterpb::TrainingArea>(99));
  EXPECT_THAT(ValidateTeam(team, "team"),
              StatusIs(kInvalid, StartsWith("team.training_cadence[1].area: unknown value 99")));
  second->set_area(rosterpb::TRAINING_AREA_UNSPECIFIED);
  EXPECT_THAT(ValidateTeam(team, "team"),
              StatusIs(kInvalid, StartsWith("team.training_cadence[1].area: is required")));
  second->set_area(rosterpb::TRAINING_AREA_PROSPECTING);
  EXPECT_THAT(ValidateTeam(team, "team"),
              StatusIs(kInvalid,
                       "team.training_cadence[1].area: TRAINING_AREA_PROSPECTING is "
                       "listed twice (also at [0])"));
}

TEST(ValidateTeam, ChecksStageOwnershipAgainstTheModel) {
  rosterpb::Team team = ValidTeam(rosterpb::SALES_MODEL_ASSEMBLY_LINE);
  team.set_sales_model(rosterpb::SALES_MODEL_ISLAND);
  EXPECT_THAT(ValidateTeam(team, "team"),
              StatusIs(kInvalid, StartsWith("team.stage_ownership[0].role: on an island team")));
}

// ---- Stage ownership ----

google::protobuf::RepeatedPtrField<rosterpb::StageOwnership> Ownership(
    const std::vector<rosterpb::StageOwnership>& owners) {
  return {owners.begin(), owners.end()};
}

TEST(DefaultStageOwnership, IslandGivesEveryStageToFullCycle) {
  const auto owners = DefaultStageOwnership(rosterpb::SALES_MODEL_ISLAND);
  ASSERT_EQ(owners.size(), 4u);
  for (int i = 0; i < 4; ++i) {
    EXPECT_EQ(owners[i].stage(), i + 1);
    EXPECT_EQ(owners[i].role(), rosterpb::MEMBER_ROLE_FULL_CYCLE);
  }
  EXPECT_THAT(ValidateStageOwnership(rosterpb::SALES_MODEL_ISLAND, Ownership(owners), "o"), IsOk());
}

TEST(DefaultStageOwnership, AssemblyLineGivesEachStageToItsSpecialist) {
  const auto owners = DefaultStageOwnership(rosterpb::SALES_MODEL_ASSEMBLY_LINE);
  ASSERT_EQ(owners.size(), 4u);
  EXPECT_EQ(owners[0].stage(), rosterpb::JOURNEY_STAGE_LEAD_GENERATION);
  EXPECT_EQ(owners[0].role(), rosterpb::MEMBER_ROLE_LEAD_GENERATION);
  EXPECT_EQ(owners[1].stage(), rosterpb::JOURNEY_STAGE_QUALIFICATION);
  EXPECT_EQ(owners[1].role(), rosterpb::MEMBER_ROLE_SALES_DEVELOPMENT);
  EXPECT_EQ(owners[2].stage(), rosterpb::JOURNEY_STAGE_PROPOSAL_AND_CLOSE);
  EXPECT_EQ(owners[2].role(), rosterpb::MEMBER_ROLE_ACCOUNT_EXECUTIVE);
  EXPECT_EQ(owners[3].stage(), rosterpb::JOURNEY_STAGE_AFTER_SALE);
  EXPECT_EQ(owners[3].role(), rosterpb::MEMBER_ROLE_CUSTOMER_SUCCESS);
  EXPECT_THAT(ValidateStageOwnership(rosterpb::SALES_MODEL_ASSEMBLY_LINE, Ownership(owners), "o"),
              IsOk());
}

TEST(DefaultStageOwnership, IsEmptyWithoutAModel) {
  EXPECT_TRUE(DefaultStageOwnership(rosterpb::SALES_MODEL_UNSPECIFIED).empty());
}

TEST(ValidateStageOwnership, RequiresAnOwnerForEveryStage) {
  EXPECT_THAT(ValidateStageOwnership(rosterpb::SALES_MODEL_ISLAND, {}, "team.stage_ownership"),
              StatusIs(kInvalid,
                       "team.stage_ownership: no owner for "
                       "JOURNEY_STAGE_LEAD_GENERATION (each of the 4 stages needs "
                       "exactly one)"));
  auto owners = Ownership(DefaultStageOwnership(rosterpb::SALES_MODEL_ASSEMBLY_LINE));
  owners.RemoveLast();
  EXPECT_THAT(
      ValidateStageOwnership(rosterpb::SALES_MODEL_ASSEMBLY_LINE, owners, "team.stage_ownership"),
      StatusIs(kInvalid,
               StartsWith("team.stage_ownership: no owner for JOURNEY_STAGE_AFTER_SALE")));
}

TEST(ValidateStageOwnership, RefusesTwoOwnersOfOneStage) {
  auto owners = Ownership(DefaultStageOwnership(rosterpb::SALES_MODEL_ASSEMBLY_LINE));
  owners.Mutable(2)->set_stage(rosterpb::JOURNEY_STAGE_QUALIFICATION);
  EXPECT_THAT(ValidateStageOwnership(rosterpb::SALES_MODEL_ASSEMBLY_LINE, owners, "o"),
              StatusIs(kInvalid,
                       "o[2].stage: JOURNEY_STAGE_QUALIFICATION already has an owner "
                       "(at [1])"));
}

TEST(ValidateStageOwnership, RefusesUnknownStagesAndRoles) {
  auto owners = Ownership(DefaultStageOwnership(rosterpb::SALES_MODEL_ASSEMBLY_LINE));
  owners.Mutable(1)->set_stage(static_cast<rosterpb::JourneyStage>(99));
  EXPECT_THAT(ValidateStageOwnership(rosterpb::SALES_MODEL_ASSEMBLY_LINE, owners, "o"),
              StatusIs(kInvalid, StartsWith("o[1].stage: unknown value 99")));
  owners = Ownership(DefaultStageOwnership(rosterpb::SALES_MODEL_ASSEMBLY_LINE));
  owners.Mutable(1)->set_role(static_cast<rosterpb::MemberRole>(99));
  EXPECT_THAT(ValidateStageOwnership(rosterpb::SALES_MODEL_ASSEMBLY_LINE, owners, "o"),
              StatusIs(kInvalid, StartsWith("o[1].role: unknown value 99")));
  owners.Mutable(1)->set_role(rosterpb::MEMBER_ROLE_UNSPECIFIED);
  EXPECT_THAT(ValidateStageOwnership(rosterpb::SALES_MODEL_ASSEMBLY_LINE, owners, "o"),
              StatusIs(kInvalid, StartsWith("o[1].role: is required")));
}

TEST(ValidateStageOwnership, IslandStagesBelongToFullCycleOnly) {
  auto owners = Ownership(DefaultStageOwnership(rosterpb::SALES_MODEL_ISLAND));
  for (const rosterpb::MemberRole role :
       {rosterpb::MEMBER_ROLE_LEAD_GENERATION, rosterpb::MEMBER_ROLE_ACCOUNT_EXECUTIVE,
        rosterpb::MEMBER_ROLE_MANAGER}) {
    owners.Mutable(3)->set_role(role);
    EXPECT_THAT(ValidateStageOwnership(rosterpb::SALES_MODEL_ISLAND, owners, "o"),
                StatusIs(kInvalid, AllOf(StartsWith("o[3].role: on an island team every stage is "
                                                    "owned by MEMBER_ROLE_FULL_CYCLE"),
                                         HasSubstr(rosterpb::MemberRole_Name(role)))));
  }
}

TEST(ValidateStageOwnership, AssemblyLineStagesBelongToSpecialistsOnly) {
  auto owners = Ownership(DefaultStageOwnership(rosterpb::SALES_MODEL_ASSEMBLY_LINE));
  for (const rosterpb::MemberRole role :
       {rosterpb::MEMBER_ROLE_FULL_CYCLE, rosterpb::MEMBER_ROLE_MANAGER}) {
    owners.Mutable(0)->set_role(role);
    EXPECT_THAT(ValidateStageOwnership(rosterpb::SALES_MODEL_ASSEMBLY_LINE, owners, "o"),
                StatusIs(kInvalid, AllOf(StartsWith("o[0].role: on an assembly line"),
                                         HasSubstr(rosterpb::MemberRole_Name(role)))));
  }
  // A specialist may own more than one stage: account executives who also
  // qualify their own leads.
  owners = Ownership(DefaultStageOwnership(rosterpb::SALES_MODEL_ASSEMBLY_LINE));
  owners.Mutable(1)->set_role(rosterpb::MEMBER_ROLE_ACCOUNT_EXECUTIVE);
  EXPECT_THAT(ValidateStageOwnership(rosterpb::SALES_MODEL_ASSEMBLY_LINE, owners, "o"), IsOk());
}

TEST(ValidateStageOwnership, NeedsAKnownModel) {
  const auto owners = Ownership(DefaultStageOwnership(rosterpb::SALES_MODEL_ISLAND));
  EXPECT_THAT(ValidateStageOwnership(rosterpb::SALES_MODEL_UNSPECIFIED, owners, "o"),
              StatusIs(kInvalid, StartsWith("o: depends on the sales model")));
}

TEST(StageOwner, FindsTheOwningRoleOrNone) {
  rosterpb::Team team = ValidTeam(rosterpb::SALES_MODEL_ASSEMBLY_LINE);
  EXPECT_EQ(StageOwner(team, rosterpb::JOURNEY_STAGE_PROPOSAL_AND_CLOSE),
            rosterpb::MEMBER_ROLE_ACCOUNT_EXECUTIVE);
  EXPECT_EQ(StageOwner(team, rosterpb::JOURNEY_STAGE_AFTER_SALE),
            rosterpb::MEMBER_ROLE_CUSTOMER_SUCCESS);
  team.clear_stage_ownership();
  EXPECT_EQ(StageOwner(team, rosterpb::JOURNEY_STAGE_AFTER_SALE),
            rosterpb::MEMBER_ROLE_UNSPECIFIED);
}

// ---- Roles and models ----

TEST(CheckRoleFitsModel, IslandTeamsTakeFullCycleSellersAndManagers) {
  EXPECT_THAT(
      CheckRoleFitsModel(rosterpb::SALES_MODEL_ISLAND, rosterpb::MEMBER_ROLE_FULL_CYCLE, "role"),
      IsOk());
  EXPECT_THAT(
      CheckRoleFitsModel(rosterpb::SALES_MODEL_ISLAND, rosterpb::MEMBER_ROLE_MANAGER, "role"),
      IsOk());
  for (const rosterpb::MemberRole role :
       {rosterpb::MEMBER_ROLE_LEAD_GENERATION, rosterpb::MEMBER_ROLE_SALES_DEVELOPMENT,
        rosterpb::MEMBER_ROLE_ACCOUNT_EXECUTIVE, rosterpb::MEMBER_ROLE_CUSTOMER_SUCCESS}) {
    EXPECT_THAT(
        CheckRoleFitsModel(rosterpb::SALES_MODEL_ISLAND, role, "role"),
        StatusIs(kInvalid, AllOf(StartsWith("role: "), HasSubstr(rosterpb::MemberRole_Name(role)),
                                 HasSubstr("SALES_MODEL_ISLAND"))));
  }
}

TEST(CheckRoleFitsModel, AssemblyLinesTakeSpecialistsAndManagersButNotFullCycle) {
  for (const rosterpb::MemberRole role :
       {rosterpb::MEMBER_ROLE_LEAD_GENERATION, rosterpb::MEMBER_ROLE_SALES_DEVELOPMENT,
        rosterpb::MEMBER_ROLE_ACCOUNT_EXECUTIVE, rosterpb::MEMBER_ROLE_CUSTOMER_SUCCESS,
        rosterpb::MEMBER_ROLE_MANAGER}) {
    EXPECT_THAT(CheckRoleFitsModel(rosterpb::SALES_MODEL_ASSEMBLY_LINE, role, "role"), IsOk())
        << rosterpb::MemberRole_Name(role);
  }
  EXPECT_THAT(CheckRoleFitsModel(rosterpb::SALES_MODEL_ASSEMBLY_LINE,
                                 rosterpb::MEMBER_ROLE_FULL_CYCLE, "move.role"),
              StatusIs(kInvalid, AllOf(StartsWith("move.role: MEMBER_ROLE_FULL_CYCLE does not fit"),
                                       HasSubstr("SALES_MODEL_ASSEMBLY_LINE"))));
}

TEST(CheckRoleFitsModel, RefusesUnknownRoles) {
  EXPECT_THAT(CheckRoleFitsModel(rosterpb::SALES_MODEL_ASSEMBLY_LINE,
                                 rosterpb::MEMBER_ROLE_UNSPECIFIED, "role"),
              StatusIs(kInvalid, StartsWith("role: is required")));
  EXPECT_THAT(CheckRoleFitsModel(rosterpb::SALES_MODEL_ISLAND,
                                 static_cast<rosterpb::MemberRole>(99), "role"),
              StatusIs(kInvalid, StartsWith("role: unknown value 99")));
}

TEST(ValidateRole, AcceptsKnownRolesOnly) {
  EXPECT_THAT(ValidateRole(rosterpb::MEMBER_ROLE_CUSTOMER_SUCCESS, "role"), IsOk());
  EXPECT_THAT(ValidateRole(rosterpb::MEMBER_ROLE_UNSPECIFIED, "role"),
              StatusIs(kInvalid, StartsWith("role: is required")));
  EXPECT_THAT(ValidateRole(static_cast<rosterpb::MemberRole>(99), "request.role"),
              StatusIs(kInvalid, StartsWith("request.role: unknown value 99")));
}

// ---- Members ----

TEST(ValidateMemberProfile, AcceptsAWellFormedMember) {
  EXPECT_THAT(ValidateMemberProfile(ValidMember(), kToday, "member"), IsOk());
}

TEST(ValidateMemberProfile, RefusesEmptyAndOverlongNames) {
  rosterpb::Member member = ValidMember();
  member.set_name("");
  EXPECT_THAT(ValidateMemberProfile(member, kToday, "member"),
              StatusIs(kInvalid, "member.name: is required"));
  member.set_name(std::string(10000, 'a'));
  EXPECT_THAT(ValidateMemberProfile(member, kToday, "member"),
              StatusIs(kInvalid, "member.name: must be at most 200 characters (got 10000)"));
  member.set_name("   ");
  EXPECT_THAT(ValidateMemberProfile(member, kToday, "member"),
              StatusIs(kInvalid, StartsWith("member.name: must not be only whitespace")));
}

TEST(ValidateMemberProfile, RefusesMalformedEmails) {
  rosterpb::Member member = ValidMember();
  for (const char* email : {"", "ada", "ada@", "@example.com", "ada@localhost", "ada @example.com",
                            "ada@@example.com", "ada@example..com"}) {
    member.set_email(email);
    EXPECT_THAT(ValidateMemberProfile(member, kToday, "member"),
                StatusIs(kInvalid, StartsWith("member.email: ")))
        << email;
  }
  member.set_email(std::string(243, 'a') + "@example.com");  // 255 characters.
  EXPECT_THAT(ValidateMemberProfile(member, kToday, "member"),
              StatusIs(kInvalid, StartsWith("member.email: must be at most 254 characters")));
  member.set_email("Ada.Lovelace+crm@Example.com");
  EXPECT_THAT(ValidateMemberProfile(member, kToday, "member"), IsOk());
}

TEST(ValidateMemberProfile, AllowsAnUnassessedArchetypeButNotAnUnknownOne) {
  rosterpb::Member member = ValidMember();
  member.set_archetype(rosterpb::ARCHETYPE_UNSPECIFIED);
  EXPECT_THAT(ValidateMemberProfile(member, kToday, "member"), IsOk());
  member.set_archetype(static_cast<rosterpb::Archetype>(99));
  EXPECT_THAT(ValidateMemberProfile(member, kToday, "member"),
              StatusIs(kInvalid, StartsWith("member.archetype: unknown value 99")));
}

TEST(ValidateMemberProfile, RequiresAValueTierOfOneToThree) {
  rosterpb::Member member = ValidMember();
  member.clear_value_tier();
  EXPECT_THAT(ValidateMemberProfile(member, kToday, "member"),
              StatusIs(kInvalid, "member.value_tier: is required (1..3)"));
  member.set_value_tier(0);
  EXPECT_THAT(ValidateMemberProfile(member, kToday, "member"),
              StatusIs(kInvalid, "member.value_tier: must be 1..3 (got 0)"));
  member.set_value_tier(4);
  EXPECT_THAT(ValidateMemberProfile(member, kToday, "member"),
              StatusIs(kInvalid, "member.value_tier: must be 1..3 (got 4)"));
  for (int tier : {1, 3}) {
    member.set_value_tier(tier);
    EXPECT_THAT(ValidateMemberProfile(member, kToday, "member"), IsOk());
  }
}

TEST(ValidateMemberProfile, RefusesUnknownAndDuplicateSkillsAndBadLevels) {
  rosterpb::Member member = ValidMember();
  member.mutable_skills(1)->set_level(9);
  EXPECT_THAT(ValidateMemberProfile(member, kToday, "member"),
              StatusIs(kInvalid, "member.skills[1].level: must be 1..5 (got 9)"));
  member.mutable_skills(1)->set_level(0);
  EXPECT_THAT(ValidateMemberProfile(member, kToday, "member"),
              StatusIs(kInvalid, "member.skills[1].level: must be 1..5 (got 0)"));
  member.mutable_skills(1)->set_level(1);
  EXPECT_THAT(ValidateMemberProfile(member, kToday, "member"), IsOk());

  member.mutable_skills(1)->set_skill(static_cast<rosterpb::Skill>(99));
  EXPECT_THAT(ValidateMemberProfile(member, kToday, "member"),
              StatusIs(kInvalid, StartsWith("member.skills[1].skill: unknown value 99")));
  member.mutable_skills(1)->set_skill(rosterpb::SKILL_UNSPECIFIED);
  EXPECT_THAT(ValidateMemberProfile(member, kToday, "member"),
              StatusIs(kInvalid, StartsWith("member.skills[1].skill: is required")));
  member.mutable_skills(1)->set_skill(rosterpb::SKILL_PROSPECTING);
  EXPECT_THAT(ValidateMemberProfile(member, kToday, "member"),
              StatusIs(kInvalid,
                       "member.skills[1].skill: SKILL_PROSPECTING is listed twice "
                       "(also at [0])"));
}

TEST(ValidateMemberProfile, RefusesUnknownAndDuplicateMotivators) {
  rosterpb::Member member = ValidMember();
  member.add_motivators(static_cast<rosterpb::Motivator>(99));
  EXPECT_THAT(ValidateMemberProfile(member, kToday, "member"),
              StatusIs(kInvalid, StartsWith("member.motivators[2]: unknown value 99")));
  member.set_motivators(2, rosterpb::MOTIVATOR_UNSPECIFIED);
  EXPECT_THAT(ValidateMemberProfile(member, kToday, "member"),
              StatusIs(kInvalid, StartsWith("member.motivators[2]: is required")));
  member.set_motivators(2, rosterpb::MOTIVATOR_MONEY);
  EXPECT_THAT(ValidateMemberProfile(member, kToday, "member"),
              StatusIs(kInvalid,
                       "member.motivators[2]: MOTIVATOR_MONEY is listed twice (also "
                       "at [0])"));
  member.set_motivators(2, rosterpb::MOTIVATOR_RECOGNITION);
  EXPECT_THAT(ValidateMemberProfile(member, kToday, "member"), IsOk());
}

TEST(ValidateMemberProfile, RefusesAtMostOnePreferredChannel) {
  rosterpb::Member member = ValidMember();
  member.mutable_contact_channels(1)->set_preferred(true);
  EXPECT_THAT(ValidateMemberProfile(member, kToday, "member"),
              StatusIs(kInvalid,
                       "member.contact_channels[1].preferred: only one channel may be "
                       "preferred (already [0])"));
  member.mutable_contact_channels(0)->set_preferred(false);
  EXPECT_THAT(ValidateMemberProfile(member, kToday, "member"), IsOk());
}

TEST(ValidateMemberProfile, RefusesBadChannels) {
  rosterpb::Member member = ValidMember();
  member.mutable_contact_channels(1)->set_kind(static_cast<rosterpb::ContactChannelKind>(99));
  EXPECT_THAT(ValidateMemberProfile(member, kToday, "member"),
              StatusIs(kInvalid, StartsWith("member.contact_channels[1].kind: unknown value 99")));
  member = ValidMember();
  member.mutable_contact_channels(1)->set_kind(rosterpb::CONTACT_CHANNEL_KIND_UNSPECIFIED);
  EXPECT_THAT(ValidateMemberProfile(member, kToday, "member"),
              StatusIs(kInvalid, StartsWith("member.contact_channels[1].kind: is required")));

  member = ValidMember();
  member.mutable_contact_channels(1)->set_address("");
  EXPECT_THAT(ValidateMemberProfile(member, kToday, "member"),
              StatusIs(kInvalid, "member.contact_channels[1].address: is required"));
  member.mutable_contact_channels(1)->set_address(std::string(321, '1'));
  EXPECT_THAT(ValidateMemberProfile(member, kToday, "member"),
              StatusIs(kInvalid,
                       "member.contact_channels[1].address: must be at most 320 "
                       "characters (got 321)"));
  member.mutable_contact_channels(1)->set_address(std::string(320, '1'));
  EXPECT_THAT(ValidateMemberProfile(member, kToday, "member"), IsOk());

  // The EMAIL kind needs an email address; other kinds take any handle.
  member = ValidMember();
  member.mutable_contact_channels(0)->set_address("@ada");
  EXPECT_THAT(ValidateMemberProfile(member, kToday, "member"),
              StatusIs(kInvalid, StartsWith("member.contact_channels[0].address: ")));
  member.mutable_contact_channels(0)->set_kind(rosterpb::CONTACT_CHANNEL_KIND_SLACK);
  EXPECT_THAT(ValidateMemberProfile(member, kToday, "member"), IsOk());
}

TEST(ValidateMemberProfile, RefusesMoreThanTwentyChannels) {
  rosterpb::Member member = ValidMember();
  member.clear_contact_channels();
  for (int i = 0; i < kMaxContactChannels; ++i) {
    rosterpb::ContactChannel* channel = member.add_contact_channels();
    channel->set_kind(rosterpb::CONTACT_CHANNEL_KIND_PHONE);
    channel->set_address(std::to_string(1000 + i));
  }
  EXPECT_THAT(ValidateMemberProfile(member, kToday, "member"), IsOk());
  *member.add_contact_channels() = member.contact_channels(0);
  EXPECT_THAT(ValidateMemberProfile(member, kToday, "member"),
              StatusIs(kInvalid, "member.contact_channels: at most 20 channels (got 21)"));
}

TEST(ValidateMemberProfile, RefusesAHireDateMoreThanAYearAhead) {
  rosterpb::Member member = ValidMember();
  *member.mutable_hire_date() = periods::DateToProto(kToday + kMaxDaysAhead);
  EXPECT_THAT(ValidateMemberProfile(member, kToday, "member"), IsOk());
  *member.mutable_hire_date() = periods::DateToProto(kToday + kMaxDaysAhead + 1);
  EXPECT_THAT(ValidateMemberProfile(member, kToday, "member"),
              StatusIs(kInvalid,
                       "member.hire_date: 2027-11-29 is more than 365 days after "
                       "today (2026-11-28)"));
  *member.mutable_hire_date() = Day(1998, 3, 1);
  EXPECT_THAT(ValidateMemberProfile(member, kToday, "member"), IsOk());
}

TEST(ValidateMemberProfile, RequiresARealHireDate) {
  rosterpb::Member member = ValidMember();
  member.clear_hire_date();
  EXPECT_THAT(ValidateMemberProfile(member, kToday, "member"),
              StatusIs(kInvalid, "member.hire_date: is required"));
  *member.mutable_hire_date() = Day(2026, 2, 30);
  EXPECT_THAT(ValidateMemberProfile(member, kToday, "member"),
              StatusIs(kInvalid, StartsWith("member.hire_date.day: ")));
}

// ---- Training sessions ----

TEST(ValidateTrainingSession, AcceptsAWellFormedSession) {
  EXPECT_THAT(ValidateTrainingSession(ValidSession(), kToday, "session"), IsOk());
  rosterpb::TrainingSession session = ValidSession();
  *session.mutable_date() = periods::DateToProto(kToday);
  session.set_hours(24);
  session.clear_note();
  EXPECT_THAT(ValidateTrainingSession(session, kToday, "session"), IsOk());
}

TEST(ValidateTrainingSession, RequiresAMemberAndAKnownArea) {
  rosterpb::TrainingSession session = ValidSession();
  session.clear_member_id();
  EXPECT_THAT(ValidateTrainingSession(session, kToday, "session"),
              StatusIs(kInvalid, "session.member_id: is required"));
  session = ValidSession();
  session.set_area(static_cast<rosterpb::TrainingArea>(99));
  EXPECT_THAT(ValidateTrainingSession(session, kToday, "session"),
              StatusIs(kInvalid, StartsWith("session.area: unknown value 99")));
  session.set_area(rosterpb::TRAINING_AREA_UNSPECIFIED);
  EXPECT_THAT(ValidateTrainingSession(session, kToday, "session"),
              StatusIs(kInvalid, StartsWith("session.area: is required")));
}

TEST(ValidateTrainingSession, RefusesAFutureOrUnrealDate) {
  rosterpb::TrainingSession session = ValidSession();
  *session.mutable_date() = periods::DateToProto(kToday + 1);
  EXPECT_THAT(ValidateTrainingSession(session, kToday, "session"),
              StatusIs(kInvalid,
                       "session.date: 2026-11-29 is in the future (today is "
                       "2026-11-28)"));
  *session.mutable_date() = Day(2026, 13, 1);
  EXPECT_THAT(ValidateTrainingSession(session, kToday, "session"),
              StatusIs(kInvalid, StartsWith("session.date.month: ")));
  session.clear_date();
  EXPECT_THAT(ValidateTrainingSession(session, kToday, "session"),
              StatusIs(kInvalid, "session.date: is required"));
}

TEST(ValidateTrainingSession, RefusesHoursOutsideZeroToTwentyFour) {
  rosterpb::TrainingSession session = ValidSession();
  for (double hours : {0.0, -1.0, 24.5, std::nan(""), std::numeric_limits<double>::infinity()}) {
    session.set_hours(hours);
    EXPECT_THAT(ValidateTrainingSession(session, kToday, "session"),
                StatusIs(kInvalid, StartsWith("session.hours: must be more than 0 and at most 24")))
        << hours;
  }
  session.set_hours(0.25);
  EXPECT_THAT(ValidateTrainingSession(session, kToday, "session"), IsOk());
}

TEST(ValidateTrainingSession, RefusesAnOverlongNote) {
  rosterpb::TrainingSession session = ValidSession();
  session.set_note(std::string(kMaxTrainingNoteChars + 1, 'n'));
  EXPECT_THAT(ValidateTrainingSession(session, kToday, "session"),
              StatusIs(kInvalid, "session.note: must be at most 2000 characters (got 2001)"));
  session.set_note(std::string(kMaxTrainingNoteChars, 'n'));
  EXPECT_THAT(ValidateTrainingSession(session, kToday, "session"), IsOk());
}

// ---- What was true on a day ----

void AddAssignment(rosterpb::Member& member, const std::string& team_id, rosterpb::MemberRole role,
                   periods::Date from) {
  if (member.assignments_size() > 0) {
    periods::DateToProto(
        from, member.mutable_assignments(member.assignments_size() - 1)->mutable_effective_until());
  }
  rosterpb::Assignment* assignment = member.add_assignments();
  assignment->set_team_id(team_id);
  assignment->set_role(role);
  periods::DateToProto(from, assignment->mutable_effective_from());
}

// Hired into tm_a as lead generation on 2026-01-05, moved to tm_b as an
// account executive on 2026-04-01, made a sales development rep there on
// 2026-09-01.
rosterpb::Member MovedMember() {
  rosterpb::Member member = ValidMember();
  AddAssignment(member, "tm_a", rosterpb::MEMBER_ROLE_LEAD_GENERATION, periods::Date(2026, 1, 5));
  AddAssignment(member, "tm_b", rosterpb::MEMBER_ROLE_ACCOUNT_EXECUTIVE, periods::Date(2026, 4, 1));
  AddAssignment(member, "tm_b", rosterpb::MEMBER_ROLE_SALES_DEVELOPMENT, periods::Date(2026, 9, 1));
  return member;
}

TEST(CheckWritable, AMemberIsWritableUntilTheDeactivationDateArrives) {
  rosterpb::Member member = MovedMember();
  EXPECT_OK(CheckWritable(member, kToday));
  periods::DateToProto(kToday + 10, member.mutable_deactivation_date());
  EXPECT_OK(CheckWritable(member, kToday));  // scheduled, not yet
  EXPECT_THAT(CheckWritable(member, kToday + 10),
              StatusIs(absl::StatusCode::kFailedPrecondition, HasSubstr("deactivated")));
}

TEST(ValidateMoveDate, RefusesADayOnOrBeforeTheLatestStartSoHistoryIsNotRewritten) {
  const rosterpb::Member member = MovedMember();  // latest assignment from 2026-09-01
  for (periods::Date day : {periods::Date(2026, 9, 1), periods::Date(2026, 1, 5)}) {
    EXPECT_THAT(ValidateMoveDate(member, day, kToday, "effective_date"),
                StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("effective_date: ")))
        << day;
  }
  EXPECT_OK(ValidateMoveDate(member, periods::Date(2026, 9, 2), kToday, "effective_date"));
  EXPECT_THAT(ValidateMoveDate(member, kToday + kMaxDaysAhead + 1, kToday, "effective_date"),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("days ahead")));
}

TEST(ValidateMoveDate, AScheduledMoveMayBeReplacedFromItsOwnStartDay) {
  rosterpb::Member member = MovedMember();
  AddAssignment(member, "tm_c", rosterpb::MEMBER_ROLE_CUSTOMER_SUCCESS, kToday + 5);
  EXPECT_OK(ValidateMoveDate(member, kToday + 5, kToday, "effective_date"));
  EXPECT_THAT(ValidateMoveDate(member, kToday + 4, kToday, "effective_date"),
              StatusIs(absl::StatusCode::kInvalidArgument));
}

TEST(ValidateMoveDate, RefusesAMoveFromTheDeactivationDateOn) {
  rosterpb::Member member = MovedMember();
  periods::DateToProto(kToday + 10, member.mutable_deactivation_date());
  EXPECT_OK(ValidateMoveDate(member, kToday + 9, kToday, "effective_date"));
  EXPECT_THAT(ValidateMoveDate(member, kToday + 10, kToday, "effective_date"),
              StatusIs(absl::StatusCode::kFailedPrecondition));
}

TEST(ValidateDeactivationDate, NotBeforeTheHireDateNorMoreThanAYearAhead) {
  rosterpb::Member member = MovedMember();
  periods::DateToProto(periods::Date(2026, 1, 5), member.mutable_hire_date());
  EXPECT_OK(ValidateDeactivationDate(member, periods::Date(2026, 1, 5), kToday, "effective_date"));
  EXPECT_THAT(ValidateDeactivationDate(member, periods::Date(2026, 1, 4), kToday, "effective_date"),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("effective_date: ")));
  EXPECT_THAT(
      ValidateDeactivationDate(member, kToday + kMaxDaysAhead + 1, kToday, "effective_date"),
      StatusIs(absl::StatusCode::kInvalidArgument));
}

TEST(ValidateHireDateChange, MustStayBeforeTheSecondAssignmentAndTheDeactivation) {
  rosterpb::Member member = MovedMember();  // second assignment from 2026-04-01
  EXPECT_OK(ValidateHireDateChange(member, periods::Date(2026, 3, 31), "member.hire_date"));
  EXPECT_THAT(ValidateHireDateChange(member, periods::Date(2026, 4, 1), "member.hire_date"),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("member.hire_date: ")));
  rosterpb::Member single = ValidMember();
  AddAssignment(single, "tm_a", rosterpb::MEMBER_ROLE_LEAD_GENERATION, periods::Date(2026, 1, 5));
  periods::DateToProto(periods::Date(2026, 2, 1), single.mutable_deactivation_date());
  EXPECT_THAT(ValidateHireDateChange(single, periods::Date(2026, 2, 1), "member.hire_date"),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("deactivation")));
}

TEST(ApplyDefaultStageOwnership, FillsAnEmptyOwnershipAndReplacesItWhenTheModelChanged) {
  rosterpb::Team team;
  team.set_sales_model(rosterpb::SALES_MODEL_ASSEMBLY_LINE);
  ApplyDefaultStageOwnership(team, /*model_changed=*/false);
  ASSERT_EQ(team.stage_ownership_size(), 4);
  EXPECT_EQ(StageOwner(team, rosterpb::JOURNEY_STAGE_PROPOSAL_AND_CLOSE),
            rosterpb::MEMBER_ROLE_ACCOUNT_EXECUTIVE);

  // A custom ownership stays while the model does.
  team.mutable_stage_ownership(2)->set_role(rosterpb::MEMBER_ROLE_SALES_DEVELOPMENT);
  ApplyDefaultStageOwnership(team, /*model_changed=*/false);
  EXPECT_EQ(StageOwner(team, rosterpb::JOURNEY_STAGE_PROPOSAL_AND_CLOSE),
            rosterpb::MEMBER_ROLE_SALES_DEVELOPMENT);

  team.set_sales_model(rosterpb::SALES_MODEL_ISLAND);
  ApplyDefaultStageOwnership(team, /*model_changed=*/true);
  ASSERT_EQ(team.stage_ownership_size(), 4);
  for (const rosterpb::StageOwnership& owner : team.stage_ownership()) {
    EXPECT_EQ(owner.role(), rosterpb::MEMBER_ROLE_FULL_CYCLE);
  }
}

struct AsOf {
  std::string team_id;
  rosterpb::MemberRole role;
  bool active;
};

AsOf Resolved(rosterpb::Member member, periods::Date day) {
  ResolveAsOf(member, day);
  return {member.team_id(), member.role(), member.active()};
}

MATCHER_P3(IsAsOf, team_id, role, active, "") {
  *result_listener << "team " << arg.team_id << ", role " << rosterpb::MemberRole_Name(arg.role)
                   << ", active " << arg.active;
  return arg.team_id == team_id && arg.role == role && arg.active == active;
}

TEST(ResolveAsOf, AnswersTheAssignmentInForceOnEachDay) {
  const rosterpb::Member member = MovedMember();
  EXPECT_THAT(Resolved(member, periods::Date(2026, 1, 5)),
              IsAsOf("tm_a", rosterpb::MEMBER_ROLE_LEAD_GENERATION, true));
  EXPECT_THAT(Resolved(member, periods::Date(2026, 3, 31)),
              IsAsOf("tm_a", rosterpb::MEMBER_ROLE_LEAD_GENERATION, true));
  EXPECT_THAT(Resolved(member, periods::Date(2026, 4, 1)),
              IsAsOf("tm_b", rosterpb::MEMBER_ROLE_ACCOUNT_EXECUTIVE, true));
  EXPECT_THAT(Resolved(member, periods::Date(2026, 8, 31)),
              IsAsOf("tm_b", rosterpb::MEMBER_ROLE_ACCOUNT_EXECUTIVE, true));
  EXPECT_THAT(Resolved(member, periods::Date(2026, 9, 1)),
              IsAsOf("tm_b", rosterpb::MEMBER_ROLE_SALES_DEVELOPMENT, true));
  EXPECT_THAT(Resolved(member, periods::Date(2030, 1, 1)),
              IsAsOf("tm_b", rosterpb::MEMBER_ROLE_SALES_DEVELOPMENT, true));
}

TEST(ResolveAsOf, BeforeTheHireDateGivesTheFirstAssignmentInactive) {
  EXPECT_THAT(Resolved(MovedMember(), periods::Date(2026, 1, 4)),
              IsAsOf("tm_a", rosterpb::MEMBER_ROLE_LEAD_GENERATION, false));
}

TEST(ResolveAsOf, IsInactiveFromTheDeactivationDateOn) {
  rosterpb::Member member = MovedMember();
  *member.mutable_deactivation_date() = Day(2026, 10, 1);
  EXPECT_THAT(Resolved(member, periods::Date(2026, 9, 30)),
              IsAsOf("tm_b", rosterpb::MEMBER_ROLE_SALES_DEVELOPMENT, true));
  EXPECT_THAT(Resolved(member, periods::Date(2026, 10, 1)),
              IsAsOf("tm_b", rosterpb::MEMBER_ROLE_SALES_DEVELOPMENT, false));
  // The past is unchanged by the deactivation.
  EXPECT_THAT(Resolved(member, periods::Date(2026, 2, 1)),
              IsAsOf("tm_a", rosterpb::MEMBER_ROLE_LEAD_GENERATION, true));
}

TEST(ResolveAsOf, OverwritesWhatTheMemberCarriedBefore) {
  rosterpb::Member member = MovedMember();
  member.set_team_id("tm_stale");
  member.set_role(rosterpb::MEMBER_ROLE_MANAGER);
  member.set_active(false);
  ResolveAsOf(member, periods::Date(2026, 5, 1));
  EXPECT_EQ(member.team_id(), "tm_b");
  EXPECT_EQ(member.role(), rosterpb::MEMBER_ROLE_ACCOUNT_EXECUTIVE);
  EXPECT_TRUE(member.active());
  EXPECT_EQ(member.assignments_size(), 3);
}

TEST(ResolveAsOf, LeavesNoTeamOrRoleWithoutAssignments) {
  rosterpb::Member member = ValidMember();
  member.set_team_id("tm_stale");
  member.set_role(rosterpb::MEMBER_ROLE_MANAGER);
  ResolveAsOf(member, kToday);
  EXPECT_EQ(member.team_id(), "");
  EXPECT_EQ(member.role(), rosterpb::MEMBER_ROLE_UNSPECIFIED);
  EXPECT_TRUE(member.active());  // Hired 2026-01-05.
}

TEST(RedactManagementData, ClearsTierAndMotivatorsOnly) {
  rosterpb::Member member = ValidMember();
  RedactManagementData(member);
  EXPECT_FALSE(member.has_value_tier());
  EXPECT_EQ(member.motivators_size(), 0);
  EXPECT_EQ(member.skills_size(), 2);
  EXPECT_EQ(member.contact_channels_size(), 2);
  EXPECT_EQ(member.name(), "Ada Lovelace");
}

// ---- Training compliance ----

rosterpb::Member ActiveMember(const std::string& id, periods::Date hired) {
  rosterpb::Member member;
  member.set_id(id);
  member.set_name("Rep " + id);
  member.set_role(rosterpb::MEMBER_ROLE_FULL_CYCLE);
  member.set_active(true);
  periods::DateToProto(hired, member.mutable_hire_date());
  return member;
}

// Cadence listed out of area order: PROSPECTING (3) every 90 days,
// PRODUCT_KNOWLEDGE (1) every 30.
rosterpb::Team ComplianceTeam() {
  rosterpb::Team team = ValidTeam(rosterpb::SALES_MODEL_ISLAND);
  rosterpb::TrainingCadence* cadence = team.add_training_cadence();
  cadence->set_area(rosterpb::TRAINING_AREA_PRODUCT_KNOWLEDGE);
  cadence->set_max_days_between_sessions(30);
  return team;
}

TEST(ComputeTrainingCompliance, FillsTheHeaderAndKeepsTheMembersOrder) {
  const std::vector<rosterpb::Member> members = {ActiveMember("mb_z", periods::Date(2026, 11, 1)),
                                                 ActiveMember("mb_a", periods::Date(2026, 11, 1))};
  const auto report = ComputeTrainingCompliance(ComplianceTeam(), members, {}, kToday);
  EXPECT_EQ(report.team_id(), "tm_1");
  EXPECT_EQ(ToDate(report.as_of()), kToday);
  ASSERT_EQ(report.members_size(), 2);
  EXPECT_EQ(report.members(0).member_id(), "mb_z");
  EXPECT_EQ(report.members(0).member_name(), "Rep mb_z");
  EXPECT_EQ(report.members(0).role(), rosterpb::MEMBER_ROLE_FULL_CYCLE);
  EXPECT_EQ(report.members(1).member_id(), "mb_a");
  EXPECT_EQ(report.overdue_member_count(), 0);
}

TEST(ComputeTrainingCompliance, ReportsTheTeamsAreasInAreaOrderAndNoOthers) {
  const std::vector<rosterpb::Member> members = {ActiveMember("mb_1", periods::Date(2026, 11, 1))};
  const std::vector<LastSession> last = {
      {"mb_1", rosterpb::TRAINING_AREA_COMPETITIVE_INTELLIGENCE, periods::Date(2026, 1, 1)}};
  const auto report = ComputeTrainingCompliance(ComplianceTeam(), members, last, kToday);
  ASSERT_EQ(report.members_size(), 1);
  std::vector<int> areas;
  for (const auto& area : report.members(0).areas()) areas.push_back(area.area());
  EXPECT_THAT(areas, ElementsAre(rosterpb::TRAINING_AREA_PRODUCT_KNOWLEDGE,
                                 rosterpb::TRAINING_AREA_PROSPECTING));
}

TEST(ComputeTrainingCompliance, NeverTrainedIsDueFromTheHireDate) {
  const std::vector<rosterpb::Member> members = {ActiveMember("mb_1", periods::Date(2026, 10, 1))};
  const auto report = ComputeTrainingCompliance(ComplianceTeam(), members, {}, kToday);
  ASSERT_EQ(report.members_size(), 1);
  const auto& product = report.members(0).areas(0);
  EXPECT_FALSE(product.has_last_session_date());
  EXPECT_EQ(ToDate(product.due_date()), periods::Date(2026, 10, 31));
  EXPECT_TRUE(product.overdue());
  EXPECT_EQ(product.days_overdue(), 28);
  const auto& prospecting = report.members(0).areas(1);
  EXPECT_EQ(ToDate(prospecting.due_date()), periods::Date(2026, 12, 30));
  EXPECT_FALSE(prospecting.overdue());
  EXPECT_EQ(prospecting.days_overdue(), 0);
  EXPECT_TRUE(report.members(0).any_overdue());
  EXPECT_EQ(report.overdue_member_count(), 1);
}

TEST(ComputeTrainingCompliance, RecentlyTrainedIsNotOverdue) {
  const std::vector<rosterpb::Member> members = {ActiveMember("mb_1", periods::Date(2025, 1, 1))};
  const std::vector<LastSession> last = {
      {"mb_1", rosterpb::TRAINING_AREA_PRODUCT_KNOWLEDGE, periods::Date(2026, 11, 20)},
      {"mb_1", rosterpb::TRAINING_AREA_PROSPECTING, periods::Date(2026, 9, 1)}};
  const auto report = ComputeTrainingCompliance(ComplianceTeam(), members, last, kToday);
  ASSERT_EQ(report.members_size(), 1);
  const auto& product = report.members(0).areas(0);
  EXPECT_EQ(ToDate(product.last_session_date()), periods::Date(2026, 11, 20));
  EXPECT_EQ(ToDate(product.due_date()), periods::Date(2026, 12, 20));
  EXPECT_FALSE(product.overdue());
  const auto& prospecting = report.members(0).areas(1);
  EXPECT_EQ(ToDate(prospecting.last_session_date()), periods::Date(2026, 9, 1));
  EXPECT_EQ(ToDate(prospecting.due_date()), periods::Date(2026, 11, 30));
  EXPECT_FALSE(prospecting.overdue());
  EXPECT_FALSE(report.members(0).any_overdue());
  EXPECT_EQ(report.overdue_member_count(), 0);
}

TEST(ComputeTrainingCompliance, CountsTheDaysPastTheDueDate) {
  const std::vector<rosterpb::Member> members = {ActiveMember("mb_1", periods::Date(2025, 1, 1)),
                                                 ActiveMember("mb_2", periods::Date(2025, 1, 1))};
  const std::vector<LastSession> last = {
      {"mb_1", rosterpb::TRAINING_AREA_PRODUCT_KNOWLEDGE, periods::Date(2026, 10, 18)},
      {"mb_1", rosterpb::TRAINING_AREA_PROSPECTING, periods::Date(2026, 11, 1)},
      // Due exactly today: still compliant.
      {"mb_2", rosterpb::TRAINING_AREA_PRODUCT_KNOWLEDGE, periods::Date(2026, 10, 29)},
      {"mb_2", rosterpb::TRAINING_AREA_PROSPECTING, periods::Date(2026, 11, 1)}};
  const auto report = ComputeTrainingCompliance(ComplianceTeam(), members, last, kToday);
  ASSERT_EQ(report.members_size(), 2);
  const auto& late = report.members(0).areas(0);
  EXPECT_EQ(ToDate(late.due_date()), periods::Date(2026, 11, 17));
  EXPECT_TRUE(late.overdue());
  EXPECT_EQ(late.days_overdue(), 11);
  const auto& on_time = report.members(1).areas(0);
  EXPECT_EQ(ToDate(on_time.due_date()), kToday);
  EXPECT_FALSE(on_time.overdue());
  EXPECT_EQ(on_time.days_overdue(), 0);
  EXPECT_EQ(report.overdue_member_count(), 1);
}

TEST(ComputeTrainingCompliance, SkipsInactiveMembers) {
  rosterpb::Member gone = ActiveMember("mb_gone", periods::Date(2020, 1, 1));
  gone.set_active(false);
  const std::vector<rosterpb::Member> members = {
      gone, ActiveMember("mb_here", periods::Date(2026, 11, 1))};
  const auto report = ComputeTrainingCompliance(ComplianceTeam(), members, {}, kToday);
  ASSERT_EQ(report.members_size(), 1);
  EXPECT_EQ(report.members(0).member_id(), "mb_here");
  EXPECT_EQ(report.overdue_member_count(), 0);
}

TEST(ComputeTrainingCompliance, UsesTheLatestOfSeveralSessionsAndOnlyTheMembersOwn) {
  const std::vector<rosterpb::Member> members = {ActiveMember("mb_1", periods::Date(2025, 1, 1))};
  const std::vector<LastSession> last = {
      {"mb_1", rosterpb::TRAINING_AREA_PRODUCT_KNOWLEDGE, periods::Date(2026, 11, 10)},
      {"mb_1", rosterpb::TRAINING_AREA_PRODUCT_KNOWLEDGE, periods::Date(2026, 5, 1)},
      {"mb_other", rosterpb::TRAINING_AREA_PROSPECTING, periods::Date(2026, 11, 27)}};
  const auto report = ComputeTrainingCompliance(ComplianceTeam(), members, last, kToday);
  ASSERT_EQ(report.members_size(), 1);
  EXPECT_EQ(ToDate(report.members(0).areas(0).last_session_date()), periods::Date(2026, 11, 10));
  EXPECT_FALSE(report.members(0).areas(1).has_last_session_date());
  EXPECT_TRUE(report.members(0).areas(1).overdue());  // Hired 2025-01-01, never trained.
}

TEST(ComputeTrainingCompliance, ATeamWithoutCadenceTracksNothing) {
  rosterpb::Team team = ComplianceTeam();
  team.clear_training_cadence();
  const std::vector<rosterpb::Member> members = {ActiveMember("mb_1", periods::Date(2020, 1, 1))};
  const auto report = ComputeTrainingCompliance(team, members, {}, kToday);
  ASSERT_EQ(report.members_size(), 1);
  EXPECT_EQ(report.members(0).areas_size(), 0);
  EXPECT_FALSE(report.members(0).any_overdue());
  EXPECT_EQ(report.overdue_member_count(), 0);
}

// ---- Role suggestions ----

rosterpb::Member Seller(rosterpb::MemberRole role,
                        std::vector<std::pair<rosterpb::Skill, int>> skills) {
  rosterpb::Member member;
  member.set_id("mb_s");
  member.set_name("Sam Seller");
  member.set_role(role);
  member.set_active(true);
  for (const auto& [skill, level] : skills) {
    rosterpb::SkillLevel* entry = member.add_skills();
    entry->set_skill(skill);
    entry->set_level(level);
  }
  return member;
}

constexpr auto kAssembly = rosterpb::SALES_MODEL_ASSEMBLY_LINE;
constexpr auto kIsland = rosterpb::SALES_MODEL_ISLAND;

TEST(SuggestRole, FillsTheMemberAndTheCurrentRole) {
  const auto suggestion = SuggestRole(
      kAssembly, Seller(rosterpb::MEMBER_ROLE_SALES_DEVELOPMENT, {{rosterpb::SKILL_CLOSING, 5}}));
  EXPECT_EQ(suggestion.member_id(), "mb_s");
  EXPECT_EQ(suggestion.member_name(), "Sam Seller");
  EXPECT_EQ(suggestion.current_role(), rosterpb::MEMBER_ROLE_SALES_DEVELOPMENT);
  EXPECT_EQ(suggestion.suggested_role(), rosterpb::MEMBER_ROLE_ACCOUNT_EXECUTIVE);
  EXPECT_TRUE(suggestion.is_change());
}

TEST(SuggestRole, RuleZeroManagersStayManagers) {
  for (const auto model : {kAssembly, kIsland}) {
    const auto suggestion =
        SuggestRole(model, Seller(rosterpb::MEMBER_ROLE_MANAGER, {{rosterpb::SKILL_CLOSING, 5}}));
    EXPECT_EQ(suggestion.suggested_role(), rosterpb::MEMBER_ROLE_MANAGER);
    EXPECT_EQ(suggestion.reason(), "manages the team");
    EXPECT_FALSE(suggestion.is_change());
  }
}

TEST(SuggestRole, RuleOneIslandSellersRunTheWholeCycleNamingTheirStrongestSkill) {
  auto suggestion = SuggestRole(
      kIsland, Seller(rosterpb::MEMBER_ROLE_FULL_CYCLE, {{rosterpb::SKILL_CLOSING, 3},
                                                         {rosterpb::SKILL_NEGOTIATING, 5},
                                                         {rosterpb::SKILL_PROSPECTING, 4}}));
  EXPECT_EQ(suggestion.suggested_role(), rosterpb::MEMBER_ROLE_FULL_CYCLE);
  EXPECT_EQ(suggestion.reason(),
            "island team: every seller runs the whole cycle; strongest skill: negotiating (5)");
  EXPECT_FALSE(suggestion.is_change());

  // A tie names the earlier skill in the profile's order, whatever the listing order.
  suggestion = SuggestRole(
      kIsland, Seller(rosterpb::MEMBER_ROLE_FULL_CYCLE,
                      {{rosterpb::SKILL_CLOSING, 4}, {rosterpb::SKILL_PROSPECTING, 4}}));
  EXPECT_THAT(suggestion.reason(), HasSubstr("strongest skill: prospecting (4)"));

  suggestion = SuggestRole(kIsland, Seller(rosterpb::MEMBER_ROLE_LEAD_GENERATION, {}));
  EXPECT_EQ(suggestion.suggested_role(), rosterpb::MEMBER_ROLE_FULL_CYCLE);
  EXPECT_EQ(suggestion.reason(),
            "island team: every seller runs the whole cycle; no skills rated yet");
  EXPECT_TRUE(suggestion.is_change());
}

TEST(SuggestRole, RuleTwoStrongClosingMakesAnAccountExecutive) {
  auto suggestion = SuggestRole(
      kAssembly, Seller(rosterpb::MEMBER_ROLE_ACCOUNT_EXECUTIVE, {{rosterpb::SKILL_CLOSING, 4}}));
  EXPECT_EQ(suggestion.suggested_role(), rosterpb::MEMBER_ROLE_ACCOUNT_EXECUTIVE);
  EXPECT_EQ(suggestion.reason(), "strong closing (4): account executive");
  EXPECT_FALSE(suggestion.is_change());

  // It comes before the customer-success and lead-generation rules.
  suggestion = SuggestRole(kAssembly, Seller(rosterpb::MEMBER_ROLE_LEAD_GENERATION,
                                             {{rosterpb::SKILL_CLOSING, 5},
                                              {rosterpb::SKILL_PROSPECTING, 5},
                                              {rosterpb::SKILL_PRESENTING, 1},
                                              {rosterpb::SKILL_RELATIONSHIP_BUILDING, 5},
                                              {rosterpb::SKILL_ACCOUNT_MANAGEMENT, 5}}));
  EXPECT_EQ(suggestion.suggested_role(), rosterpb::MEMBER_ROLE_ACCOUNT_EXECUTIVE);

  // Closing 3 is not strong.
  suggestion = SuggestRole(kAssembly,
                           Seller(rosterpb::MEMBER_ROLE_ACCOUNT_EXECUTIVE,
                                  {{rosterpb::SKILL_CLOSING, 3}, {rosterpb::SKILL_QUALIFYING, 4}}));
  EXPECT_EQ(suggestion.suggested_role(), rosterpb::MEMBER_ROLE_SALES_DEVELOPMENT);
}

TEST(SuggestRole, RuleThreeStrongRelationshipsAndAccountsMakeCustomerSuccess) {
  auto suggestion = SuggestRole(kAssembly, Seller(rosterpb::MEMBER_ROLE_ACCOUNT_EXECUTIVE,
                                                  {{rosterpb::SKILL_RELATIONSHIP_BUILDING, 4},
                                                   {rosterpb::SKILL_ACCOUNT_MANAGEMENT, 5},
                                                   {rosterpb::SKILL_PROSPECTING, 5},
                                                   {rosterpb::SKILL_PRESENTING, 1}}));
  EXPECT_EQ(suggestion.suggested_role(), rosterpb::MEMBER_ROLE_CUSTOMER_SUCCESS);
  EXPECT_EQ(suggestion.reason(),
            "strong relationship building (4) and strong account management (5): customer "
            "success");
  EXPECT_TRUE(suggestion.is_change());

  // Both must be strong.
  suggestion = SuggestRole(kAssembly, Seller(rosterpb::MEMBER_ROLE_CUSTOMER_SUCCESS,
                                             {{rosterpb::SKILL_RELATIONSHIP_BUILDING, 5},
                                              {rosterpb::SKILL_ACCOUNT_MANAGEMENT, 3},
                                              {rosterpb::SKILL_PROSPECTING, 4},
                                              {rosterpb::SKILL_PRESENTING, 2}}));
  EXPECT_EQ(suggestion.suggested_role(), rosterpb::MEMBER_ROLE_LEAD_GENERATION);
}

TEST(SuggestRole, RuleFourStrongProspectingAndWeakPresentingMakeLeadGeneration) {
  auto suggestion = SuggestRole(kAssembly, Seller(rosterpb::MEMBER_ROLE_SALES_DEVELOPMENT,
                                                  {{rosterpb::SKILL_PROSPECTING, 5},
                                                   {rosterpb::SKILL_PRESENTING, 2},
                                                   {rosterpb::SKILL_QUALIFYING, 5}}));
  EXPECT_EQ(suggestion.suggested_role(), rosterpb::MEMBER_ROLE_LEAD_GENERATION);
  EXPECT_EQ(suggestion.reason(), "strong prospecting (5) and weak presenting (2): lead generation");
  EXPECT_TRUE(suggestion.is_change());

  // An unrated skill counts as 0, so weak.
  suggestion = SuggestRole(
      kAssembly, Seller(rosterpb::MEMBER_ROLE_LEAD_GENERATION, {{rosterpb::SKILL_PROSPECTING, 4}}));
  EXPECT_EQ(suggestion.suggested_role(), rosterpb::MEMBER_ROLE_LEAD_GENERATION);
  EXPECT_EQ(suggestion.reason(),
            "strong prospecting (4) and weak presenting (not rated): lead generation");
  EXPECT_FALSE(suggestion.is_change());
}

TEST(SuggestRole, RuleFiveStrongQualifyingOrProspectingMakeSalesDevelopment) {
  auto suggestion = SuggestRole(
      kAssembly, Seller(rosterpb::MEMBER_ROLE_LEAD_GENERATION, {{rosterpb::SKILL_QUALIFYING, 4}}));
  EXPECT_EQ(suggestion.suggested_role(), rosterpb::MEMBER_ROLE_SALES_DEVELOPMENT);
  EXPECT_EQ(suggestion.reason(), "strong qualifying (4): sales development");

  // Strong prospecting with presenting that is not weak.
  suggestion = SuggestRole(
      kAssembly, Seller(rosterpb::MEMBER_ROLE_SALES_DEVELOPMENT,
                        {{rosterpb::SKILL_PROSPECTING, 5}, {rosterpb::SKILL_PRESENTING, 3}}));
  EXPECT_EQ(suggestion.suggested_role(), rosterpb::MEMBER_ROLE_SALES_DEVELOPMENT);
  EXPECT_EQ(suggestion.reason(), "strong prospecting (5): sales development");
  EXPECT_FALSE(suggestion.is_change());

  suggestion = SuggestRole(kAssembly, Seller(rosterpb::MEMBER_ROLE_SALES_DEVELOPMENT,
                                             {{rosterpb::SKILL_QUALIFYING, 4},
                                              {rosterpb::SKILL_PROSPECTING, 4},
                                              {rosterpb::SKILL_PRESENTING, 4}}));
  EXPECT_EQ(suggestion.reason(),
            "strong prospecting (4) and strong qualifying (4): sales "
            "development");
}

TEST(SuggestRole, RuleSixPicksTheBestAverage) {
  // Lead generation 2, sales development 2.5, account executive 8/3, customer
  // success 2.5.
  const auto suggestion = SuggestRole(kAssembly, Seller(rosterpb::MEMBER_ROLE_CUSTOMER_SUCCESS,
                                                        {{rosterpb::SKILL_PROSPECTING, 2},
                                                         {rosterpb::SKILL_QUALIFYING, 3},
                                                         {rosterpb::SKILL_PRESENTING, 3},
                                                         {rosterpb::SKILL_NEGOTIATING, 3},
                                                         {rosterpb::SKILL_CLOSING, 2},
                                                         {rosterpb::SKILL_RELATIONSHIP_BUILDING, 3},
                                                         {rosterpb::SKILL_ACCOUNT_MANAGEMENT, 2}}));
  EXPECT_EQ(suggestion.suggested_role(), rosterpb::MEMBER_ROLE_ACCOUNT_EXECUTIVE);
  EXPECT_EQ(suggestion.reason(),
            "best fit by average level: account executive (presenting 3, negotiating 3, "
            "closing 2: average 2.7)");
  EXPECT_TRUE(suggestion.is_change());
}

TEST(SuggestRole, RuleSixCanPickCustomerSuccess) {
  const auto suggestion = SuggestRole(kAssembly, Seller(rosterpb::MEMBER_ROLE_CUSTOMER_SUCCESS,
                                                        {{rosterpb::SKILL_PROSPECTING, 1},
                                                         {rosterpb::SKILL_RELATIONSHIP_BUILDING, 3},
                                                         {rosterpb::SKILL_ACCOUNT_MANAGEMENT, 3}}));
  EXPECT_EQ(suggestion.suggested_role(), rosterpb::MEMBER_ROLE_CUSTOMER_SUCCESS);
  EXPECT_FALSE(suggestion.is_change());
}

TEST(SuggestRole, RuleSixTiesGoToTheEarlierStage) {
  // Lead generation 3 and sales development 3: the earlier stage wins.
  auto suggestion = SuggestRole(
      kAssembly, Seller(rosterpb::MEMBER_ROLE_SALES_DEVELOPMENT,
                        {{rosterpb::SKILL_PROSPECTING, 3}, {rosterpb::SKILL_QUALIFYING, 3}}));
  EXPECT_EQ(suggestion.suggested_role(), rosterpb::MEMBER_ROLE_LEAD_GENERATION);
  EXPECT_EQ(suggestion.reason(),
            "best fit by average level: lead generation (prospecting 3: average 3.0); tied "
            "with sales development, the earlier stage wins");

  // Account executive 3 and customer success 3.
  suggestion = SuggestRole(kAssembly, Seller(rosterpb::MEMBER_ROLE_CUSTOMER_SUCCESS,
                                             {{rosterpb::SKILL_PRESENTING, 3},
                                              {rosterpb::SKILL_NEGOTIATING, 3},
                                              {rosterpb::SKILL_CLOSING, 3},
                                              {rosterpb::SKILL_RELATIONSHIP_BUILDING, 3},
                                              {rosterpb::SKILL_ACCOUNT_MANAGEMENT, 3}}));
  EXPECT_EQ(suggestion.suggested_role(), rosterpb::MEMBER_ROLE_ACCOUNT_EXECUTIVE);
  EXPECT_THAT(suggestion.reason(), HasSubstr("tied with customer success"));

  // Nothing rated: every average is 0 and the earliest stage wins.
  suggestion = SuggestRole(kAssembly, Seller(rosterpb::MEMBER_ROLE_ACCOUNT_EXECUTIVE, {}));
  EXPECT_EQ(suggestion.suggested_role(), rosterpb::MEMBER_ROLE_LEAD_GENERATION);
  EXPECT_THAT(suggestion.reason(),
              HasSubstr("tied with sales development, account executive, customer success"));
}

TEST(SuggestRole, DoesNotDependOnTheOrderSkillsAreListedIn) {
  const std::vector<std::pair<rosterpb::Skill, int>> skills = {
      {rosterpb::SKILL_PROSPECTING, 2},       {rosterpb::SKILL_QUALIFYING, 3},
      {rosterpb::SKILL_PRESENTING, 3},        {rosterpb::SKILL_NEGOTIATING, 2},
      {rosterpb::SKILL_CLOSING, 3},           {rosterpb::SKILL_RELATIONSHIP_BUILDING, 3},
      {rosterpb::SKILL_ACCOUNT_MANAGEMENT, 3}};
  const std::vector<std::pair<rosterpb::Skill, int>> reversed(skills.rbegin(), skills.rend());
  const auto forward =
      SuggestRole(kAssembly, Seller(rosterpb::MEMBER_ROLE_LEAD_GENERATION, skills));
  const auto backward =
      SuggestRole(kAssembly, Seller(rosterpb::MEMBER_ROLE_LEAD_GENERATION, reversed));
  EXPECT_EQ(forward.suggested_role(), rosterpb::MEMBER_ROLE_CUSTOMER_SUCCESS);
  EXPECT_EQ(forward.SerializeAsString(), backward.SerializeAsString());
}

}  // namespace
}  // namespace salesteam::roster
