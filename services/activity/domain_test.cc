#include "services/activity/domain.h"

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/civil_time.h"
#include "absl/time/time.h"
#include "common/testing/status_matchers.h"
#include "common/time/date.h"
#include "common/time/timestamp.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "salesteam/type/v1/date.pb.h"

namespace salesteam::activity {
namespace {

using ::salesteam::testing::IsOk;
using ::salesteam::testing::StatusIs;
using ::testing::AllOf;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::StartsWith;

constexpr auto kInvalid = absl::StatusCode::kInvalidArgument;
constexpr char kItem[] = "activities[3]";

// The server's clock in every validation test.
const absl::Time kNow =
    absl::FromCivil(absl::CivilSecond(2026, 3, 10, 12, 0, 0), absl::UTCTimeZone());

absl::Time Utc(int year, int month, int day, int hour, int minute, int second = 0) {
  return absl::FromCivil(absl::CivilSecond(year, month, day, hour, minute, second),
                         absl::UTCTimeZone());
}

salesteam::type::v1::Date DateProto(int year, int month, int day) {
  return periods::DateToProto(Date(year, month, day));
}

Date FromProto(const salesteam::type::v1::Date& proto) {
  return Date(proto.year(), proto.month(), proto.day());
}

// ---------------------------------------------------------------------------
// ValidateActivityId

TEST(ValidateActivityIdTest, AcceptsPrintableAsciiUpTo128Characters) {
  EXPECT_OK(ValidateActivityId("a", "id"));
  EXPECT_OK(ValidateActivityId("crm:evt/2026-03-10#42!~", "id"));
  EXPECT_OK(ValidateActivityId(std::string(kMaxActivityIdChars, 'x'), "id"));
  // The ends of the printable range: '!' (0x21) and '~' (0x7E).
  EXPECT_OK(ValidateActivityId("!~", "id"));
}

TEST(ValidateActivityIdTest, RefusesEmpty) {
  EXPECT_THAT(ValidateActivityId("", "activities[0].activity_id"),
              StatusIs(kInvalid, "activities[0].activity_id: is required"));
}

TEST(ValidateActivityIdTest, Refuses129Characters) {
  EXPECT_THAT(ValidateActivityId(std::string(129, 'x'), "activities[0].activity_id"),
              StatusIs(kInvalid, AllOf(StartsWith("activities[0].activity_id: "),
                                       HasSubstr("at most 128 characters, got 129"))));
}

TEST(ValidateActivityIdTest, RefusesSpaceNamingTheByte) {
  EXPECT_THAT(ValidateActivityId("ab cd", "id"),
              StatusIs(kInvalid, AllOf(StartsWith("id: "), HasSubstr("byte 2 is 0x20"))));
}

TEST(ValidateActivityIdTest, RefusesControlCharacters) {
  EXPECT_THAT(ValidateActivityId(absl::string_view("ab\x01", 3), "id"),
              StatusIs(kInvalid, HasSubstr("byte 2 is 0x01")));
  EXPECT_THAT(ValidateActivityId("ab\tc", "id"), StatusIs(kInvalid, HasSubstr("byte 2 is 0x09")));
  EXPECT_THAT(ValidateActivityId("ab\x7f", "id"), StatusIs(kInvalid, HasSubstr("byte 2 is 0x7f")));
  EXPECT_THAT(ValidateActivityId(absl::string_view("a\0b", 3), "id"),
              StatusIs(kInvalid, HasSubstr("byte 1 is 0x00")));
}

TEST(ValidateActivityIdTest, RefusesNonAsciiBytes) {
  // "é" in UTF-8 is 0xC3 0xA9: valid text, but not the same bytes everywhere.
  EXPECT_THAT(ValidateActivityId("caf\xc3\xa9", "id"),
              StatusIs(kInvalid, HasSubstr("byte 3 is 0xc3")));
  EXPECT_THAT(ValidateActivityId("\xff", "id"), StatusIs(kInvalid, HasSubstr("byte 0 is 0xff")));
}

// ---------------------------------------------------------------------------
// ValidateActivity

activitypb::Activity ValidActivity(activitypb::ActivityType type) {
  activitypb::Activity activity;
  activity.set_activity_id("crm-evt-1001");
  activity.set_member_id("mb_7");
  activity.set_type(type);
  periods::TimeToProto(kNow - absl::Hours(2), activity.mutable_occurred_at());
  activity.set_source_system("crm");
  if (type == activitypb::ACTIVITY_TYPE_DEAL_WON) {
    activity.mutable_amount()->set_currency_code("USD");
    activity.mutable_amount()->set_minor_units(1250000);
    activity.set_deal_id("deal-88");
  }
  if (type == activitypb::ACTIVITY_TYPE_TIME_LOGGED) {
    activity.set_minutes(90);
    activity.set_selling(true);
  }
  return activity;
}

absl::Status Validate(const activitypb::Activity& activity) {
  return ValidateActivity(activity, kItem, kNow);
}

TEST(ValidateActivityTest, AcceptsAValidActivityOfEveryType) {
  for (int type = 1; type < activitypb::ActivityType_ARRAYSIZE; ++type) {
    const auto t = static_cast<activitypb::ActivityType>(type);
    EXPECT_OK(Validate(ValidActivity(t))) << activitypb::ActivityType_Name(t);
  }
}

TEST(ValidateActivityTest, AcceptsOptionalFieldsLeftEmpty) {
  activitypb::Activity activity = ValidActivity(activitypb::ACTIVITY_TYPE_CALL_MADE);
  activity.clear_source_system();
  activity.clear_deal_id();
  activity.clear_amount();
  EXPECT_OK(Validate(activity));
}

TEST(ValidateActivityTest, ChecksActivityIdUnderTheItemPath) {
  activitypb::Activity activity = ValidActivity(activitypb::ACTIVITY_TYPE_CALL_MADE);
  activity.clear_activity_id();
  EXPECT_THAT(Validate(activity), StatusIs(kInvalid, "activities[3].activity_id: is required"));
  activity.set_activity_id("has space");
  EXPECT_THAT(Validate(activity), StatusIs(kInvalid, StartsWith("activities[3].activity_id: ")));
  activity.set_activity_id(std::string(129, 'a'));
  EXPECT_THAT(Validate(activity), StatusIs(kInvalid, StartsWith("activities[3].activity_id: ")));
}

TEST(ValidateActivityTest, RequiresMemberIdOfAtMost128Characters) {
  activitypb::Activity activity = ValidActivity(activitypb::ACTIVITY_TYPE_CALL_MADE);
  activity.clear_member_id();
  EXPECT_THAT(Validate(activity), StatusIs(kInvalid, StartsWith("activities[3].member_id: ")));
  activity.set_member_id(std::string(128, 'm'));
  EXPECT_OK(Validate(activity));
  activity.set_member_id(std::string(129, 'm'));
  EXPECT_THAT(Validate(activity), StatusIs(kInvalid, StartsWith("activities[3].member_id: ")));
}

TEST(ValidateActivityTest, RefusesUnspecifiedType) {
  activitypb::Activity activity = ValidActivity(activitypb::ACTIVITY_TYPE_CALL_MADE);
  activity.set_type(activitypb::ACTIVITY_TYPE_UNSPECIFIED);
  EXPECT_THAT(Validate(activity),
              StatusIs(kInvalid, StartsWith("activities[3].type: is required")));
}

TEST(ValidateActivityTest, RefusesUnknownTypeNumber) {
  activitypb::Activity activity = ValidActivity(activitypb::ACTIVITY_TYPE_CALL_MADE);
  activity.set_type(static_cast<activitypb::ActivityType>(99));
  EXPECT_THAT(Validate(activity),
              StatusIs(kInvalid, StartsWith("activities[3].type: unknown value 99")));
}

TEST(ValidateActivityTest, RequiresOccurredAt) {
  activitypb::Activity activity = ValidActivity(activitypb::ACTIVITY_TYPE_CALL_MADE);
  activity.clear_occurred_at();
  EXPECT_THAT(Validate(activity), StatusIs(kInvalid, "activities[3].occurred_at: is required"));
}

TEST(ValidateActivityTest, RefusesMalformedOccurredAt) {
  activitypb::Activity activity = ValidActivity(activitypb::ACTIVITY_TYPE_CALL_MADE);
  activity.mutable_occurred_at()->set_nanos(-1);
  EXPECT_THAT(Validate(activity), StatusIs(kInvalid, StartsWith("activities[3].occurred_at")));
}

TEST(ValidateActivityTest, AcceptsOccurredAtExactlyOneDayAhead) {
  activitypb::Activity activity = ValidActivity(activitypb::ACTIVITY_TYPE_CALL_MADE);
  periods::TimeToProto(kNow + absl::Hours(24), activity.mutable_occurred_at());
  EXPECT_OK(Validate(activity));
}

TEST(ValidateActivityTest, RefusesOccurredAtMoreThanOneDayAhead) {
  activitypb::Activity activity = ValidActivity(activitypb::ACTIVITY_TYPE_CALL_MADE);
  periods::TimeToProto(kNow + absl::Hours(24) + absl::Seconds(1), activity.mutable_occurred_at());
  EXPECT_THAT(Validate(activity),
              StatusIs(kInvalid,
                       AllOf(StartsWith("activities[3].occurred_at: "),
                             HasSubstr("1 day in the future"), HasSubstr("2026-03-11T12:00:01"))));
}

TEST(ValidateActivityTest, AcceptsOccurredAtExactly400DaysBack) {
  activitypb::Activity activity = ValidActivity(activitypb::ACTIVITY_TYPE_CALL_MADE);
  periods::TimeToProto(kNow - absl::Hours(24 * 400), activity.mutable_occurred_at());
  EXPECT_OK(Validate(activity));
}

TEST(ValidateActivityTest, RefusesOccurredAtMoreThan400DaysBack) {
  activitypb::Activity activity = ValidActivity(activitypb::ACTIVITY_TYPE_CALL_MADE);
  periods::TimeToProto(kNow - absl::Hours(24 * 400) - absl::Seconds(1),
                       activity.mutable_occurred_at());
  EXPECT_THAT(Validate(activity),
              StatusIs(kInvalid, AllOf(StartsWith("activities[3].occurred_at: "),
                                       HasSubstr("400 days in the past"))));
  periods::TimeToProto(Utc(2000, 1, 1, 0, 0), activity.mutable_occurred_at());
  EXPECT_THAT(Validate(activity), StatusIs(kInvalid, StartsWith("activities[3].occurred_at: ")));
}

TEST(ValidateActivityTest, DealIdIsOptionalOneLineOfUpTo128Characters) {
  activitypb::Activity activity = ValidActivity(activitypb::ACTIVITY_TYPE_PROPOSAL_SENT);
  activity.set_deal_id(std::string(kMaxDealIdChars, 'd'));
  EXPECT_OK(Validate(activity));
  activity.set_deal_id(std::string(kMaxDealIdChars + 1, 'd'));
  EXPECT_THAT(Validate(activity),
              StatusIs(kInvalid, AllOf(StartsWith("activities[3].deal_id: "),
                                       HasSubstr("at most 128 characters (got 129)"))));
  activity.set_deal_id("deal 88");  // CRM deal names may hold spaces
  EXPECT_OK(Validate(activity));
  activity.set_deal_id("deal\n88");
  EXPECT_THAT(Validate(activity), StatusIs(kInvalid, StartsWith("activities[3].deal_id: ")));
}

TEST(ValidateActivityTest, SourceSystemIsAtMost64CharactersOfText) {
  activitypb::Activity activity = ValidActivity(activitypb::ACTIVITY_TYPE_EMAIL_SENT);
  activity.set_source_system(std::string(kMaxSourceSystemChars, 's'));
  EXPECT_OK(Validate(activity));
  // Characters, not bytes: 64 two-byte characters fit.
  std::string accented;
  for (int i = 0; i < kMaxSourceSystemChars; ++i) accented += "\xc3\xa9";
  activity.set_source_system(accented);
  EXPECT_OK(Validate(activity));
  activity.set_source_system(std::string(kMaxSourceSystemChars + 1, 's'));
  EXPECT_THAT(Validate(activity),
              StatusIs(kInvalid, AllOf(StartsWith("activities[3].source_system: "),
                                       HasSubstr("at most 64 characters"))));
}

TEST(ValidateActivityTest, SourceSystemRefusesControlCharactersAndBadUtf8) {
  activitypb::Activity activity = ValidActivity(activitypb::ACTIVITY_TYPE_EMAIL_SENT);
  activity.set_source_system("crm\nforged log line");
  EXPECT_THAT(Validate(activity),
              StatusIs(kInvalid, AllOf(StartsWith("activities[3].source_system: "),
                                       HasSubstr("control characters"))));
  activity.set_source_system("crm\x1b[31m");
  EXPECT_THAT(Validate(activity), StatusIs(kInvalid, StartsWith("activities[3].source_system: ")));
  activity.set_source_system("crm\xff");
  EXPECT_THAT(Validate(activity), StatusIs(kInvalid, StartsWith("activities[3].source_system: ")));
  activity.set_source_system("   ");
  EXPECT_THAT(Validate(activity), StatusIs(kInvalid, StartsWith("activities[3].source_system: ")));
}

TEST(ValidateActivityTest, DealWonRequiresAnAmount) {
  activitypb::Activity activity = ValidActivity(activitypb::ACTIVITY_TYPE_DEAL_WON);
  activity.clear_amount();
  EXPECT_THAT(Validate(activity),
              StatusIs(kInvalid, "activities[3].amount: is required for ACTIVITY_TYPE_DEAL_WON"));
}

TEST(ValidateActivityTest, DealWonRequiresAPositiveAmount) {
  activitypb::Activity activity = ValidActivity(activitypb::ACTIVITY_TYPE_DEAL_WON);
  activity.mutable_amount()->set_minor_units(0);
  EXPECT_THAT(Validate(activity),
              StatusIs(kInvalid, AllOf(StartsWith("activities[3].amount.minor_units: "),
                                       HasSubstr("positive"), HasSubstr("got 0"))));
  activity.mutable_amount()->set_minor_units(-500);
  EXPECT_THAT(Validate(activity),
              StatusIs(kInvalid,
                       AllOf(StartsWith("activities[3].amount.minor_units: "), HasSubstr("-500"))));
  activity.mutable_amount()->set_minor_units(1);
  EXPECT_OK(Validate(activity));
}

TEST(ValidateActivityTest, RefusesNegativeAmountOnAnyType) {
  activitypb::Activity activity = ValidActivity(activitypb::ACTIVITY_TYPE_PROPOSAL_SENT);
  activity.mutable_amount()->set_currency_code("EUR");
  activity.mutable_amount()->set_minor_units(-1);
  EXPECT_THAT(Validate(activity),
              StatusIs(kInvalid, AllOf(StartsWith("activities[3].amount.minor_units: "),
                                       HasSubstr("must not be negative, got -1"))));
  // Zero and positive amounts are fine on other types (e.g. a proposal's value).
  activity.mutable_amount()->set_minor_units(0);
  EXPECT_OK(Validate(activity));
  activity.mutable_amount()->set_minor_units(9900000);
  EXPECT_OK(Validate(activity));
}

TEST(ValidateActivityTest, RefusesBadCurrencyCodes) {
  activitypb::Activity activity = ValidActivity(activitypb::ACTIVITY_TYPE_DEAL_WON);
  for (const char* code : {"", "usd", "US", "USDX", "ZZZ", "€"}) {
    activity.mutable_amount()->set_currency_code(code);
    EXPECT_THAT(Validate(activity),
                StatusIs(kInvalid, StartsWith("activities[3].amount.currency_code: ")))
        << code;
  }
  activity.mutable_amount()->set_currency_code("JPY");
  EXPECT_OK(Validate(activity));
}

TEST(ValidateActivityTest, TimeLoggedNeedsMinutesFrom1To1440) {
  activitypb::Activity activity = ValidActivity(activitypb::ACTIVITY_TYPE_TIME_LOGGED);
  activity.set_minutes(0);
  EXPECT_THAT(Validate(activity), StatusIs(kInvalid, AllOf(StartsWith("activities[3].minutes: "),
                                                           HasSubstr("1..1440"), HasSubstr("0"))));
  activity.set_minutes(1);
  EXPECT_OK(Validate(activity));
  activity.set_minutes(1440);
  EXPECT_OK(Validate(activity));
  activity.set_minutes(1441);
  EXPECT_THAT(Validate(activity),
              StatusIs(kInvalid, AllOf(StartsWith("activities[3].minutes: "), HasSubstr("1441"))));
  activity.set_minutes(-30);
  EXPECT_THAT(Validate(activity), StatusIs(kInvalid, StartsWith("activities[3].minutes: ")));
}

TEST(ValidateActivityTest, TimeLoggedMayBeSellingOrNot) {
  activitypb::Activity activity = ValidActivity(activitypb::ACTIVITY_TYPE_TIME_LOGGED);
  activity.set_selling(false);
  EXPECT_OK(Validate(activity));
  activity.set_selling(true);
  EXPECT_OK(Validate(activity));
}

TEST(ValidateActivityTest, OnlyTimeLoggedCarriesMinutes) {
  activitypb::Activity activity = ValidActivity(activitypb::ACTIVITY_TYPE_CALL_MADE);
  activity.set_minutes(30);
  EXPECT_THAT(Validate(activity),
              StatusIs(kInvalid, AllOf(StartsWith("activities[3].minutes: "),
                                       HasSubstr("ACTIVITY_TYPE_TIME_LOGGED"), HasSubstr("30"),
                                       HasSubstr("ACTIVITY_TYPE_CALL_MADE"))));
  activity.set_minutes(-1);
  EXPECT_THAT(Validate(activity), StatusIs(kInvalid, StartsWith("activities[3].minutes: ")));
}

TEST(ValidateActivityTest, OnlyTimeLoggedCarriesTheSellingFlag) {
  activitypb::Activity activity = ValidActivity(activitypb::ACTIVITY_TYPE_MEETING_HELD);
  activity.set_selling(true);
  EXPECT_THAT(Validate(activity), StatusIs(kInvalid, StartsWith("activities[3].selling: ")));
}

TEST(ValidateActivityTest, UsesTheFieldPathItIsGiven) {
  activitypb::Activity activity = ValidActivity(activitypb::ACTIVITY_TYPE_TIME_LOGGED);
  activity.set_minutes(0);
  EXPECT_THAT(ValidateActivity(activity, "activities[4999]", kNow),
              StatusIs(kInvalid, StartsWith("activities[4999].minutes: ")));
}

// ---------------------------------------------------------------------------
// TeamFactsFromRoster, StageOf, IsOutOfStage, FunnelStepOf

rosterpb::Team RosterTeam(absl::string_view id, absl::string_view zone,
                          rosterpb::SalesModel model) {
  rosterpb::Team team;
  team.set_id(std::string(id));
  team.set_name(absl::StrCat("Team ", id));
  team.set_time_zone(std::string(zone));
  team.set_currency_code("USD");
  team.set_sales_model(model);
  auto own = [&team](rosterpb::JourneyStage stage, rosterpb::MemberRole role) {
    rosterpb::StageOwnership* ownership = team.add_stage_ownership();
    ownership->set_stage(stage);
    ownership->set_role(role);
  };
  if (model == rosterpb::SALES_MODEL_ASSEMBLY_LINE) {
    own(rosterpb::JOURNEY_STAGE_LEAD_GENERATION, rosterpb::MEMBER_ROLE_LEAD_GENERATION);
    own(rosterpb::JOURNEY_STAGE_QUALIFICATION, rosterpb::MEMBER_ROLE_SALES_DEVELOPMENT);
    own(rosterpb::JOURNEY_STAGE_PROPOSAL_AND_CLOSE, rosterpb::MEMBER_ROLE_ACCOUNT_EXECUTIVE);
    own(rosterpb::JOURNEY_STAGE_AFTER_SALE, rosterpb::MEMBER_ROLE_CUSTOMER_SUCCESS);
  } else {
    own(rosterpb::JOURNEY_STAGE_LEAD_GENERATION, rosterpb::MEMBER_ROLE_FULL_CYCLE);
    own(rosterpb::JOURNEY_STAGE_QUALIFICATION, rosterpb::MEMBER_ROLE_FULL_CYCLE);
    own(rosterpb::JOURNEY_STAGE_PROPOSAL_AND_CLOSE, rosterpb::MEMBER_ROLE_FULL_CYCLE);
    own(rosterpb::JOURNEY_STAGE_AFTER_SALE, rosterpb::MEMBER_ROLE_FULL_CYCLE);
  }
  return team;
}

TeamFacts Facts(absl::string_view id, absl::string_view zone, rosterpb::SalesModel model) {
  absl::StatusOr<TeamFacts> facts = clients::RosterTeamFromProto(RosterTeam(id, zone, model));
  EXPECT_OK(facts);
  return facts.ok() ? *std::move(facts) : TeamFacts{};
}

TEST(RosterTeamFromProtoTest, CopiesZoneCurrencyModelAndStageOwners) {
  ASSERT_OK_AND_ASSIGN(TeamFacts facts,
                       clients::RosterTeamFromProto(
                           RosterTeam("tm_1", "Asia/Tokyo", rosterpb::SALES_MODEL_ASSEMBLY_LINE)));
  EXPECT_EQ(facts.id, "tm_1");
  EXPECT_EQ(facts.currency_code, "USD");
  EXPECT_EQ(facts.sales_model, rosterpb::SALES_MODEL_ASSEMBLY_LINE);
  EXPECT_EQ(absl::ToCivilHour(Utc(2026, 3, 1, 15, 0), facts.zone), absl::CivilHour(2026, 3, 2, 0));
  EXPECT_EQ(facts.stage_owner[rosterpb::JOURNEY_STAGE_UNSPECIFIED],
            rosterpb::MEMBER_ROLE_UNSPECIFIED);
  EXPECT_EQ(facts.stage_owner[rosterpb::JOURNEY_STAGE_LEAD_GENERATION],
            rosterpb::MEMBER_ROLE_LEAD_GENERATION);
  EXPECT_EQ(facts.stage_owner[rosterpb::JOURNEY_STAGE_QUALIFICATION],
            rosterpb::MEMBER_ROLE_SALES_DEVELOPMENT);
  EXPECT_EQ(facts.stage_owner[rosterpb::JOURNEY_STAGE_PROPOSAL_AND_CLOSE],
            rosterpb::MEMBER_ROLE_ACCOUNT_EXECUTIVE);
  EXPECT_EQ(facts.stage_owner[rosterpb::JOURNEY_STAGE_AFTER_SALE],
            rosterpb::MEMBER_ROLE_CUSTOMER_SUCCESS);
}

TEST(RosterTeamFromProtoTest, UnloadableZoneIsInternal) {
  EXPECT_THAT(
      clients::RosterTeamFromProto(
          RosterTeam("tm_1", "Mars/Olympus", rosterpb::SALES_MODEL_ISLAND)),
      StatusIs(absl::StatusCode::kInternal, AllOf(HasSubstr("tm_1"), HasSubstr("Mars/Olympus"))));
}

TEST(StageOfTest, MapsEveryTypeToItsJourneyStage) {
  EXPECT_EQ(StageOf(activitypb::ACTIVITY_TYPE_UNSPECIFIED), rosterpb::JOURNEY_STAGE_UNSPECIFIED);
  EXPECT_EQ(StageOf(activitypb::ACTIVITY_TYPE_LEAD_CREATED),
            rosterpb::JOURNEY_STAGE_LEAD_GENERATION);
  EXPECT_EQ(StageOf(activitypb::ACTIVITY_TYPE_CALL_MADE), rosterpb::JOURNEY_STAGE_UNSPECIFIED);
  EXPECT_EQ(StageOf(activitypb::ACTIVITY_TYPE_EMAIL_SENT), rosterpb::JOURNEY_STAGE_UNSPECIFIED);
  EXPECT_EQ(StageOf(activitypb::ACTIVITY_TYPE_FOLLOW_UP), rosterpb::JOURNEY_STAGE_UNSPECIFIED);
  EXPECT_EQ(StageOf(activitypb::ACTIVITY_TYPE_MEETING_SCHEDULED),
            rosterpb::JOURNEY_STAGE_QUALIFICATION);
  EXPECT_EQ(StageOf(activitypb::ACTIVITY_TYPE_MEETING_HELD), rosterpb::JOURNEY_STAGE_QUALIFICATION);
  EXPECT_EQ(StageOf(activitypb::ACTIVITY_TYPE_PROPOSAL_SENT),
            rosterpb::JOURNEY_STAGE_PROPOSAL_AND_CLOSE);
  EXPECT_EQ(StageOf(activitypb::ACTIVITY_TYPE_DEAL_WON),
            rosterpb::JOURNEY_STAGE_PROPOSAL_AND_CLOSE);
  EXPECT_EQ(StageOf(activitypb::ACTIVITY_TYPE_DEAL_LOST),
            rosterpb::JOURNEY_STAGE_PROPOSAL_AND_CLOSE);
  EXPECT_EQ(StageOf(activitypb::ACTIVITY_TYPE_REFERRAL), rosterpb::JOURNEY_STAGE_AFTER_SALE);
  EXPECT_EQ(StageOf(activitypb::ACTIVITY_TYPE_PARTNERSHIP), rosterpb::JOURNEY_STAGE_UNSPECIFIED);
  EXPECT_EQ(StageOf(activitypb::ACTIVITY_TYPE_TIME_LOGGED), rosterpb::JOURNEY_STAGE_UNSPECIFIED);
  EXPECT_EQ(StageOf(static_cast<activitypb::ActivityType>(99)),
            rosterpb::JOURNEY_STAGE_UNSPECIFIED);
}

TEST(FunnelStepOfTest, LeadMeetingHeldProposalWonAreSteps1To4) {
  EXPECT_EQ(FunnelStepOf(activitypb::ACTIVITY_TYPE_LEAD_CREATED), 1);
  EXPECT_EQ(FunnelStepOf(activitypb::ACTIVITY_TYPE_MEETING_HELD), 2);
  EXPECT_EQ(FunnelStepOf(activitypb::ACTIVITY_TYPE_PROPOSAL_SENT), 3);
  EXPECT_EQ(FunnelStepOf(activitypb::ACTIVITY_TYPE_DEAL_WON), 4);
  for (activitypb::ActivityType other :
       {activitypb::ACTIVITY_TYPE_UNSPECIFIED, activitypb::ACTIVITY_TYPE_CALL_MADE,
        activitypb::ACTIVITY_TYPE_EMAIL_SENT, activitypb::ACTIVITY_TYPE_FOLLOW_UP,
        activitypb::ACTIVITY_TYPE_MEETING_SCHEDULED, activitypb::ACTIVITY_TYPE_DEAL_LOST,
        activitypb::ACTIVITY_TYPE_REFERRAL, activitypb::ACTIVITY_TYPE_PARTNERSHIP,
        activitypb::ACTIVITY_TYPE_TIME_LOGGED, static_cast<activitypb::ActivityType>(99)}) {
    EXPECT_EQ(FunnelStepOf(other), 0) << static_cast<int>(other);
  }
}

TEST(IsOutOfStageTest, AssemblyLineFlagsWorkInAStageAnotherRoleOwns) {
  const TeamFacts line = Facts("tm_line", "UTC", rosterpb::SALES_MODEL_ASSEMBLY_LINE);
  const auto sdr = rosterpb::MEMBER_ROLE_SALES_DEVELOPMENT;
  EXPECT_TRUE(IsOutOfStage(line, sdr, activitypb::ACTIVITY_TYPE_PROPOSAL_SENT));
  EXPECT_TRUE(IsOutOfStage(line, sdr, activitypb::ACTIVITY_TYPE_DEAL_WON));
  EXPECT_TRUE(IsOutOfStage(line, sdr, activitypb::ACTIVITY_TYPE_LEAD_CREATED));
  EXPECT_TRUE(IsOutOfStage(line, sdr, activitypb::ACTIVITY_TYPE_REFERRAL));
  EXPECT_FALSE(IsOutOfStage(line, sdr, activitypb::ACTIVITY_TYPE_MEETING_HELD));
  EXPECT_FALSE(IsOutOfStage(line, sdr, activitypb::ACTIVITY_TYPE_MEETING_SCHEDULED));
  EXPECT_FALSE(IsOutOfStage(line, rosterpb::MEMBER_ROLE_ACCOUNT_EXECUTIVE,
                            activitypb::ACTIVITY_TYPE_PROPOSAL_SENT));
  EXPECT_TRUE(IsOutOfStage(line, rosterpb::MEMBER_ROLE_ACCOUNT_EXECUTIVE,
                           activitypb::ACTIVITY_TYPE_REFERRAL));
  EXPECT_FALSE(IsOutOfStage(line, rosterpb::MEMBER_ROLE_CUSTOMER_SUCCESS,
                            activitypb::ACTIVITY_TYPE_REFERRAL));
}

TEST(IsOutOfStageTest, WorkDoneInEveryStageIsNeverOutOfStage) {
  const TeamFacts line = Facts("tm_line", "UTC", rosterpb::SALES_MODEL_ASSEMBLY_LINE);
  for (activitypb::ActivityType type :
       {activitypb::ACTIVITY_TYPE_CALL_MADE, activitypb::ACTIVITY_TYPE_EMAIL_SENT,
        activitypb::ACTIVITY_TYPE_FOLLOW_UP, activitypb::ACTIVITY_TYPE_PARTNERSHIP,
        activitypb::ACTIVITY_TYPE_TIME_LOGGED}) {
    EXPECT_FALSE(IsOutOfStage(line, rosterpb::MEMBER_ROLE_LEAD_GENERATION, type))
        << activitypb::ActivityType_Name(type);
  }
}

TEST(IsOutOfStageTest, ManagersAreNeverOutOfStage) {
  const TeamFacts line = Facts("tm_line", "UTC", rosterpb::SALES_MODEL_ASSEMBLY_LINE);
  for (int type = 1; type < activitypb::ActivityType_ARRAYSIZE; ++type) {
    EXPECT_FALSE(IsOutOfStage(line, rosterpb::MEMBER_ROLE_MANAGER,
                              static_cast<activitypb::ActivityType>(type)))
        << type;
  }
}

TEST(IsOutOfStageTest, IslandTeamsAreNeverOutOfStage) {
  TeamFacts island = Facts("tm_island", "UTC", rosterpb::SALES_MODEL_ISLAND);
  // Even a stage owner that differs from the role does not matter off the line.
  island.stage_owner[rosterpb::JOURNEY_STAGE_PROPOSAL_AND_CLOSE] =
      rosterpb::MEMBER_ROLE_ACCOUNT_EXECUTIVE;
  for (int type = 1; type < activitypb::ActivityType_ARRAYSIZE; ++type) {
    const auto t = static_cast<activitypb::ActivityType>(type);
    EXPECT_FALSE(IsOutOfStage(island, rosterpb::MEMBER_ROLE_FULL_CYCLE, t)) << type;
    EXPECT_FALSE(IsOutOfStage(island, rosterpb::MEMBER_ROLE_SALES_DEVELOPMENT, t)) << type;
  }
}

TEST(IsOutOfStageTest, StageWithoutOwnerIsNobodysToGuard) {
  TeamFacts line = Facts("tm_line", "UTC", rosterpb::SALES_MODEL_ASSEMBLY_LINE);
  line.stage_owner[rosterpb::JOURNEY_STAGE_AFTER_SALE] = rosterpb::MEMBER_ROLE_UNSPECIFIED;
  EXPECT_FALSE(IsOutOfStage(line, rosterpb::MEMBER_ROLE_SALES_DEVELOPMENT,
                            activitypb::ACTIVITY_TYPE_REFERRAL));
}

// ---------------------------------------------------------------------------
// Attribute

class AttributeTest : public ::testing::Test {
 protected:
  void SetUp() override {
    teams_.emplace("tm_la", Facts("tm_la", "America/Los_Angeles", rosterpb::SALES_MODEL_ISLAND));
    teams_.emplace("tm_tokyo", Facts("tm_tokyo", "Asia/Tokyo", rosterpb::SALES_MODEL_ISLAND));
    teams_.emplace("tm_line",
                   Facts("tm_line", "Europe/Berlin", rosterpb::SALES_MODEL_ASSEMBLY_LINE));
  }

  static void Assign(rosterpb::Member& member, absl::string_view team, rosterpb::MemberRole role,
                     std::optional<Date> from, std::optional<Date> until) {
    rosterpb::Assignment* assignment = member.add_assignments();
    assignment->set_team_id(std::string(team));
    assignment->set_role(role);
    if (from.has_value()) periods::DateToProto(*from, assignment->mutable_effective_from());
    if (until.has_value()) periods::DateToProto(*until, assignment->mutable_effective_until());
  }

  // Hired 2026-02-02 into Los Angeles as an SDR, moved to Tokyo as an account
  // executive on 2026-03-02.
  static rosterpb::Member MovedMember() {
    rosterpb::Member member;
    member.set_id("mb_7");
    *member.mutable_hire_date() = DateProto(2026, 2, 2);
    Assign(member, "tm_la", rosterpb::MEMBER_ROLE_SALES_DEVELOPMENT, Date(2026, 2, 2),
           Date(2026, 3, 2));
    Assign(member, "tm_tokyo", rosterpb::MEMBER_ROLE_ACCOUNT_EXECUTIVE, Date(2026, 3, 2),
           std::nullopt);
    return member;
  }

  static rosterpb::Member LineMember(rosterpb::MemberRole role) {
    rosterpb::Member member;
    member.set_id("mb_line");
    *member.mutable_hire_date() = DateProto(2025, 1, 6);
    Assign(member, "tm_line", role, Date(2025, 1, 6), std::nullopt);
    return member;
  }

  absl::StatusOr<Attribution> Run(const rosterpb::Member& member, absl::Time at,
                                  activitypb::ActivityType type) {
    auto team_for = [this](absl::string_view id) -> const TeamFacts* {
      auto it = teams_.find(std::string(id));
      return it == teams_.end() ? nullptr : &it->second;
    };
    return Attribute(clients::RosterMemberFromProto(member), at, type, team_for, "activities[2]");
  }

  std::map<std::string, TeamFacts> teams_;
};

TEST_F(AttributeTest, UsesTheLocalDayOfTheTeamAssignedThen) {
  // 2026-03-02 03:00 UTC, the move day in UTC and in Tokyo, is still
  // 2026-03-01 19:00 in Los Angeles, where the member then was.
  ASSERT_OK_AND_ASSIGN(Attribution before_move, Run(MovedMember(), Utc(2026, 3, 2, 3, 0),
                                                    activitypb::ACTIVITY_TYPE_CALL_MADE));
  EXPECT_EQ(before_move.team_id, "tm_la");
  EXPECT_EQ(before_move.role, rosterpb::MEMBER_ROLE_SALES_DEVELOPMENT);
  EXPECT_EQ(before_move.local_day, Date(2026, 3, 1));
  EXPECT_FALSE(before_move.out_of_stage);

  // 2026-03-02 16:00 UTC is 08:00 on the move day in Los Angeles (no longer
  // the member's team) and already 2026-03-03 01:00 in Tokyo.
  ASSERT_OK_AND_ASSIGN(Attribution after_move, Run(MovedMember(), Utc(2026, 3, 2, 16, 0),
                                                   activitypb::ACTIVITY_TYPE_CALL_MADE));
  EXPECT_EQ(after_move.team_id, "tm_tokyo");
  EXPECT_EQ(after_move.role, rosterpb::MEMBER_ROLE_ACCOUNT_EXECUTIVE);
  EXPECT_EQ(after_move.local_day, Date(2026, 3, 3));
}

TEST_F(AttributeTest, LocalDayDiffersFromUtcDayAheadOfUtc) {
  // 2026-03-20 23:30 UTC is 2026-03-21 08:30 in Tokyo.
  ASSERT_OK_AND_ASSIGN(Attribution attribution, Run(MovedMember(), Utc(2026, 3, 20, 23, 30),
                                                    activitypb::ACTIVITY_TYPE_EMAIL_SENT));
  EXPECT_EQ(attribution.team_id, "tm_tokyo");
  EXPECT_EQ(attribution.local_day, Date(2026, 3, 21));
}

TEST_F(AttributeTest, LastMomentOfTheOldAssignmentInItsZone) {
  // 2026-03-02 07:59:59 UTC is 2026-03-01 23:59:59 PST: still Los Angeles.
  ASSERT_OK_AND_ASSIGN(Attribution last, Run(MovedMember(), Utc(2026, 3, 2, 7, 59, 59),
                                             activitypb::ACTIVITY_TYPE_CALL_MADE));
  EXPECT_EQ(last.team_id, "tm_la");
  EXPECT_EQ(last.local_day, Date(2026, 3, 1));
  // One second later it is the move day in Los Angeles, so Tokyo's.
  ASSERT_OK_AND_ASSIGN(Attribution next, Run(MovedMember(), Utc(2026, 3, 2, 8, 0, 0),
                                             activitypb::ACTIVITY_TYPE_CALL_MADE));
  EXPECT_EQ(next.team_id, "tm_tokyo");
  EXPECT_EQ(next.local_day, Date(2026, 3, 2));
}

TEST_F(AttributeTest, RefusesBeforeHireDateNamingMemberAndLocalDay) {
  // 2026-02-02 07:59:59 UTC is 2026-02-01 23:59:59 in Los Angeles: the day
  // before the hire date, although UTC is already on it.
  EXPECT_THAT(Run(MovedMember(), Utc(2026, 2, 2, 7, 59, 59), activitypb::ACTIVITY_TYPE_CALL_MADE),
              StatusIs(absl::StatusCode::kFailedPrecondition,
                       AllOf(StartsWith("activities[2].member_id: "), HasSubstr("\"mb_7\""),
                             HasSubstr("2026-02-01"))));
  ASSERT_OK_AND_ASSIGN(Attribution first_day, Run(MovedMember(), Utc(2026, 2, 2, 8, 0, 0),
                                                  activitypb::ACTIVITY_TYPE_CALL_MADE));
  EXPECT_EQ(first_day.team_id, "tm_la");
  EXPECT_EQ(first_day.local_day, Date(2026, 2, 2));
}

TEST_F(AttributeTest, HireDateIsCheckedEvenWhenTheAssignmentStartsEarlier) {
  rosterpb::Member member = MovedMember();
  member.mutable_assignments(0)->clear_effective_from();
  EXPECT_THAT(Run(member, Utc(2026, 1, 20, 18, 0), activitypb::ACTIVITY_TYPE_CALL_MADE),
              StatusIs(absl::StatusCode::kFailedPrecondition, HasSubstr("\"mb_7\"")));
}

TEST_F(AttributeTest, RefusesOnAndAfterDeactivationDate) {
  rosterpb::Member member = MovedMember();
  *member.mutable_deactivation_date() = DateProto(2026, 4, 1);
  // 2026-03-31 14:59:59 UTC is 23:59:59 in Tokyo: the last active day.
  ASSERT_OK_AND_ASSIGN(Attribution last, Run(member, Utc(2026, 3, 31, 14, 59, 59),
                                             activitypb::ACTIVITY_TYPE_CALL_MADE));
  EXPECT_EQ(last.team_id, "tm_tokyo");
  EXPECT_EQ(last.local_day, Date(2026, 3, 31));
  // One second later it is the deactivation day in Tokyo (still 03-31 in UTC).
  EXPECT_THAT(Run(member, Utc(2026, 3, 31, 15, 0, 0), activitypb::ACTIVITY_TYPE_CALL_MADE),
              StatusIs(absl::StatusCode::kFailedPrecondition,
                       AllOf(StartsWith("activities[2].member_id: "), HasSubstr("\"mb_7\""))));
  EXPECT_THAT(Run(member, Utc(2026, 5, 1, 12, 0), activitypb::ACTIVITY_TYPE_CALL_MADE),
              StatusIs(absl::StatusCode::kFailedPrecondition));
}

// The refusal is about the day in the zone of the team the member was last
// in: naming the day in an earlier team's zone would name a day on which the
// member was active.
TEST_F(AttributeTest, DeactivationRefusalNamesTheDayTheMemberWasInactive) {
  rosterpb::Member member = MovedMember();
  *member.mutable_deactivation_date() = DateProto(2026, 4, 1);
  // Tokyo: 2026-04-01 00:00 (inactive). Los Angeles: 2026-03-31 08:00.
  EXPECT_THAT(Run(member, Utc(2026, 3, 31, 15, 0, 0), activitypb::ACTIVITY_TYPE_CALL_MADE),
              StatusIs(absl::StatusCode::kFailedPrecondition, HasSubstr("2026-04-01")));
}

// Moving westwards (Tokyo until 2026-03-02, Los Angeles from 2026-03-02)
// leaves instants that are on or after the move day in Tokyo but still
// before it in Los Angeles. The member was hired and not deactivated then, so
// the activity must count for one of the two teams, not be refused as "not
// active" (FAILED_PRECONDITION, which tells the client never to resend it).
TEST_F(AttributeTest, ActiveMemberMovingWestIsAttributedAcrossTheZoneGap) {
  rosterpb::Member member;
  member.set_id("mb_west");
  *member.mutable_hire_date() = DateProto(2026, 2, 2);
  Assign(member, "tm_tokyo", rosterpb::MEMBER_ROLE_FULL_CYCLE, Date(2026, 2, 2), Date(2026, 3, 2));
  Assign(member, "tm_la", rosterpb::MEMBER_ROLE_FULL_CYCLE, Date(2026, 3, 2), std::nullopt);
  // 2026-03-01 20:00 UTC: 2026-03-02 05:00 in Tokyo, 2026-03-01 12:00 in LA.
  absl::StatusOr<Attribution> attribution =
      Run(member, Utc(2026, 3, 1, 20, 0), activitypb::ACTIVITY_TYPE_CALL_MADE);
  ASSERT_OK(attribution);
  EXPECT_THAT(attribution->team_id, ::testing::AnyOf("tm_tokyo", "tm_la"));
}

TEST_F(AttributeTest, MemberWithoutAssignmentsWasNeverActive) {
  rosterpb::Member member;
  member.set_id("mb_empty");
  EXPECT_THAT(Run(member, Utc(2026, 3, 1, 12, 0), activitypb::ACTIVITY_TYPE_CALL_MADE),
              StatusIs(absl::StatusCode::kFailedPrecondition, HasSubstr("\"mb_empty\"")));
}

TEST_F(AttributeTest, UnknownTeamIsUnavailable) {
  rosterpb::Member member;
  member.set_id("mb_9");
  *member.mutable_hire_date() = DateProto(2026, 1, 1);
  Assign(member, "tm_gone", rosterpb::MEMBER_ROLE_FULL_CYCLE, Date(2026, 1, 1), std::nullopt);
  EXPECT_THAT(Run(member, Utc(2026, 3, 1, 12, 0), activitypb::ACTIVITY_TYPE_CALL_MADE),
              StatusIs(absl::StatusCode::kUnavailable,
                       AllOf(HasSubstr("\"tm_gone\""), HasSubstr("\"mb_9\""))));
}

TEST_F(AttributeTest, SdrRecordingAProposalOnTheLineIsOutOfStage) {
  const rosterpb::Member sdr = LineMember(rosterpb::MEMBER_ROLE_SALES_DEVELOPMENT);
  ASSERT_OK_AND_ASSIGN(Attribution proposal,
                       Run(sdr, Utc(2026, 3, 2, 10, 0), activitypb::ACTIVITY_TYPE_PROPOSAL_SENT));
  EXPECT_EQ(proposal.team_id, "tm_line");
  EXPECT_EQ(proposal.role, rosterpb::MEMBER_ROLE_SALES_DEVELOPMENT);
  EXPECT_TRUE(proposal.out_of_stage);
  ASSERT_OK_AND_ASSIGN(Attribution meeting,
                       Run(sdr, Utc(2026, 3, 2, 10, 0), activitypb::ACTIVITY_TYPE_MEETING_HELD));
  EXPECT_FALSE(meeting.out_of_stage);
  ASSERT_OK_AND_ASSIGN(Attribution call,
                       Run(sdr, Utc(2026, 3, 2, 10, 0), activitypb::ACTIVITY_TYPE_CALL_MADE));
  EXPECT_FALSE(call.out_of_stage);
}

TEST_F(AttributeTest, ManagerOnTheLineIsNeverOutOfStage) {
  ASSERT_OK_AND_ASSIGN(Attribution attribution,
                       Run(LineMember(rosterpb::MEMBER_ROLE_MANAGER), Utc(2026, 3, 2, 10, 0),
                           activitypb::ACTIVITY_TYPE_PROPOSAL_SENT));
  EXPECT_EQ(attribution.role, rosterpb::MEMBER_ROLE_MANAGER);
  EXPECT_FALSE(attribution.out_of_stage);
}

TEST_F(AttributeTest, IslandTeamIsNeverOutOfStage) {
  ASSERT_OK_AND_ASSIGN(Attribution attribution, Run(MovedMember(), Utc(2026, 3, 10, 3, 0),
                                                    activitypb::ACTIVITY_TYPE_PROPOSAL_SENT));
  EXPECT_EQ(attribution.team_id, "tm_tokyo");
  EXPECT_FALSE(attribution.out_of_stage);
}

TEST_F(AttributeTest, OutOfStageFollowsTheRoleHeldThen) {
  // An SDR on the line until 2026-03-02 (Berlin), account executive after.
  rosterpb::Member member;
  member.set_id("mb_promoted");
  *member.mutable_hire_date() = DateProto(2025, 6, 2);
  Assign(member, "tm_line", rosterpb::MEMBER_ROLE_SALES_DEVELOPMENT, Date(2025, 6, 2),
         Date(2026, 3, 2));
  Assign(member, "tm_line", rosterpb::MEMBER_ROLE_ACCOUNT_EXECUTIVE, Date(2026, 3, 2),
         std::nullopt);
  // 2026-03-01 22:59:59 UTC is 23:59:59 in Berlin (CET): still an SDR.
  ASSERT_OK_AND_ASSIGN(Attribution as_sdr, Run(member, Utc(2026, 3, 1, 22, 59, 59),
                                               activitypb::ACTIVITY_TYPE_PROPOSAL_SENT));
  EXPECT_EQ(as_sdr.role, rosterpb::MEMBER_ROLE_SALES_DEVELOPMENT);
  EXPECT_TRUE(as_sdr.out_of_stage);
  // 2026-03-01 23:00 UTC is midnight in Berlin: an account executive now.
  ASSERT_OK_AND_ASSIGN(Attribution as_ae, Run(member, Utc(2026, 3, 1, 23, 0, 0),
                                              activitypb::ACTIVITY_TYPE_PROPOSAL_SENT));
  EXPECT_EQ(as_ae.role, rosterpb::MEMBER_ROLE_ACCOUNT_EXECUTIVE);
  EXPECT_EQ(as_ae.local_day, Date(2026, 3, 2));
  EXPECT_FALSE(as_ae.out_of_stage);
}

// ---------------------------------------------------------------------------
// ComputeKpis

DailyTotals Row(Date day, activitypb::ActivityType type, int64_t count) {
  DailyTotals row;
  row.day = day;
  row.type = type;
  row.count = count;
  row.funnel_count = FunnelStepOf(type) > 0 ? count : 0;
  return row;
}

std::vector<int64_t> Counts(const activitypb::Kpis& kpis) {
  std::vector<int64_t> counts;
  for (const activitypb::ActivityCount& count : kpis.counts()) counts.push_back(count.count());
  return counts;
}

TEST(ComputeKpisTest, EmptyRowsGiveZerosForEveryTypeAndNoRatios) {
  const activitypb::Kpis kpis = ComputeKpis({}, "EUR", 1);
  ASSERT_EQ(kpis.counts_size(), activitypb::ActivityType_ARRAYSIZE - 1);
  for (int i = 0; i < kpis.counts_size(); ++i) {
    EXPECT_EQ(kpis.counts(i).type(), static_cast<activitypb::ActivityType>(i + 1));
    EXPECT_EQ(kpis.counts(i).count(), 0);
  }
  EXPECT_EQ(kpis.activity_count(), 0);
  EXPECT_EQ(kpis.deals_won(), 0);
  EXPECT_EQ(kpis.deals_lost(), 0);
  EXPECT_EQ(kpis.won_value().currency_code(), "EUR");
  EXPECT_EQ(kpis.won_value().minor_units(), 0);
  EXPECT_FALSE(kpis.has_activities_per_won_deal_centi());
  EXPECT_FALSE(kpis.has_win_rate_bps());
  EXPECT_FALSE(kpis.funnel().has_lead_to_meeting_bps());
  EXPECT_FALSE(kpis.funnel().has_meeting_to_proposal_bps());
  EXPECT_FALSE(kpis.funnel().has_proposal_to_won_bps());
  EXPECT_FALSE(kpis.has_selling_time_share_bps());
  EXPECT_FALSE(kpis.value_mix().has_high_value_share_bps());
  EXPECT_FALSE(kpis.value_mix().mostly_volume_for_tier());
  EXPECT_EQ(kpis.out_of_stage_count(), 0);
}

// Two days of a rep's work, in no particular order.
std::vector<DailyTotals> SampleRows() {
  const Date d1(2026, 3, 2);
  const Date d2(2026, 3, 3);
  std::vector<DailyTotals> rows;
  rows.push_back(Row(d2, activitypb::ACTIVITY_TYPE_CALL_MADE, 2));
  rows.push_back(Row(d1, activitypb::ACTIVITY_TYPE_LEAD_CREATED, 4));
  rows.back().funnel_count = 3;  // two leads were the same deal
  rows.push_back(Row(d1, activitypb::ACTIVITY_TYPE_CALL_MADE, 10));
  rows.push_back(Row(d1, activitypb::ACTIVITY_TYPE_EMAIL_SENT, 5));
  rows.push_back(Row(d1, activitypb::ACTIVITY_TYPE_MEETING_HELD, 3));
  rows.back().funnel_count = 2;
  rows.back().out_of_stage_count = 2;
  rows.push_back(Row(d1, activitypb::ACTIVITY_TYPE_PROPOSAL_SENT, 2));
  rows.back().funnel_count = 1;
  rows.back().out_of_stage_count = 1;
  rows.push_back(Row(d1, activitypb::ACTIVITY_TYPE_DEAL_WON, 1));
  rows.back().amount_minor = 500000;
  rows.push_back(Row(d2, activitypb::ACTIVITY_TYPE_DEAL_WON, 1));
  rows.back().amount_minor = 250000;
  rows.back().funnel_count = 0;  // a deal already won once
  rows.push_back(Row(d1, activitypb::ACTIVITY_TYPE_DEAL_LOST, 2));
  rows.push_back(Row(d1, activitypb::ACTIVITY_TYPE_TIME_LOGGED, 2));
  rows.back().minutes = 300;
  rows.back().selling_minutes = 200;
  rows.push_back(Row(d2, activitypb::ACTIVITY_TYPE_REFERRAL, 1));
  return rows;
}

TEST(ComputeKpisTest, CountsEveryTypeInEnumOrder) {
  const activitypb::Kpis kpis = ComputeKpis(SampleRows(), "USD", std::nullopt);
  //                           lead call email fu msch mheld prop won lost ref part time
  EXPECT_THAT(Counts(kpis), ElementsAre(4, 12, 5, 0, 0, 3, 2, 2, 2, 1, 0, 2));
  for (int i = 0; i < kpis.counts_size(); ++i) {
    EXPECT_EQ(kpis.counts(i).type(), static_cast<activitypb::ActivityType>(i + 1));
  }
}

TEST(ComputeKpisTest, ActivityCountExcludesOutcomesAndLoggedTime) {
  const activitypb::Kpis kpis = ComputeKpis(SampleRows(), "USD", std::nullopt);
  EXPECT_EQ(kpis.activity_count(), 4 + 12 + 5 + 3 + 2 + 1);
}

TEST(ComputeKpisTest, OutcomesWonValueAndWinRate) {
  const activitypb::Kpis kpis = ComputeKpis(SampleRows(), "USD", std::nullopt);
  EXPECT_EQ(kpis.deals_won(), 2);
  EXPECT_EQ(kpis.deals_lost(), 2);
  EXPECT_EQ(kpis.won_value().currency_code(), "USD");
  EXPECT_EQ(kpis.won_value().minor_units(), 750000);
  ASSERT_TRUE(kpis.has_win_rate_bps());
  EXPECT_EQ(kpis.win_rate_bps(), 5000);
  ASSERT_TRUE(kpis.has_activities_per_won_deal_centi());
  EXPECT_EQ(kpis.activities_per_won_deal_centi(), 2700 / 2);
}

TEST(ComputeKpisTest, WonValueCountsOnlyDealWonAmounts) {
  std::vector<DailyTotals> rows = {
      Row(Date(2026, 3, 2), activitypb::ACTIVITY_TYPE_PROPOSAL_SENT, 1),
      Row(Date(2026, 3, 2), activitypb::ACTIVITY_TYPE_DEAL_WON, 1)};
  rows[0].amount_minor = 999999;  // the proposal's value is not won
  rows[1].amount_minor = 1000;
  EXPECT_EQ(ComputeKpis(rows, "USD", std::nullopt).won_value().minor_units(), 1000);
}

TEST(ComputeKpisTest, ActivitiesPerWonDealRoundsHalfUp) {
  const Date day(2026, 3, 2);
  // 1 activity / 8 won = 12.5 hundredths -> 13.
  EXPECT_EQ(ComputeKpis({Row(day, activitypb::ACTIVITY_TYPE_CALL_MADE, 1),
                         Row(day, activitypb::ACTIVITY_TYPE_DEAL_WON, 8)},
                        "USD", std::nullopt)
                .activities_per_won_deal_centi(),
            13);
  // 2 / 3 = 66.67 hundredths -> 67; 10 / 3 = 333.33 -> 333.
  EXPECT_EQ(ComputeKpis({Row(day, activitypb::ACTIVITY_TYPE_CALL_MADE, 2),
                         Row(day, activitypb::ACTIVITY_TYPE_DEAL_WON, 3)},
                        "USD", std::nullopt)
                .activities_per_won_deal_centi(),
            67);
  EXPECT_EQ(ComputeKpis({Row(day, activitypb::ACTIVITY_TYPE_CALL_MADE, 10),
                         Row(day, activitypb::ACTIVITY_TYPE_DEAL_WON, 3)},
                        "USD", std::nullopt)
                .activities_per_won_deal_centi(),
            333);
  // Won without any activity: 0, and present.
  const activitypb::Kpis only_won =
      ComputeKpis({Row(day, activitypb::ACTIVITY_TYPE_DEAL_WON, 1)}, "USD", std::nullopt);
  ASSERT_TRUE(only_won.has_activities_per_won_deal_centi());
  EXPECT_EQ(only_won.activities_per_won_deal_centi(), 0);
}

TEST(ComputeKpisTest, ActivitiesPerWonDealAbsentWithoutWonDeal) {
  const Date day(2026, 3, 2);
  const activitypb::Kpis kpis = ComputeKpis({Row(day, activitypb::ACTIVITY_TYPE_CALL_MADE, 10),
                                             Row(day, activitypb::ACTIVITY_TYPE_DEAL_LOST, 2)},
                                            "USD", std::nullopt);
  EXPECT_FALSE(kpis.has_activities_per_won_deal_centi());
  ASSERT_TRUE(kpis.has_win_rate_bps());
  EXPECT_EQ(kpis.win_rate_bps(), 0);
}

TEST(ComputeKpisTest, WinRateInBasisPointsRoundedAndAbsentWithoutDecidedDeals) {
  const Date day(2026, 3, 2);
  EXPECT_EQ(ComputeKpis({Row(day, activitypb::ACTIVITY_TYPE_DEAL_WON, 1),
                         Row(day, activitypb::ACTIVITY_TYPE_DEAL_LOST, 2)},
                        "USD", std::nullopt)
                .win_rate_bps(),
            3333);
  EXPECT_EQ(ComputeKpis({Row(day, activitypb::ACTIVITY_TYPE_DEAL_WON, 2),
                         Row(day, activitypb::ACTIVITY_TYPE_DEAL_LOST, 1)},
                        "USD", std::nullopt)
                .win_rate_bps(),
            6667);
  EXPECT_EQ(ComputeKpis({Row(day, activitypb::ACTIVITY_TYPE_DEAL_WON, 4)}, "USD", std::nullopt)
                .win_rate_bps(),
            10000);
  EXPECT_FALSE(
      ComputeKpis({Row(day, activitypb::ACTIVITY_TYPE_PROPOSAL_SENT, 4)}, "USD", std::nullopt)
          .has_win_rate_bps());
}

TEST(ComputeKpisTest, FunnelCountsFunnelStepsNotActivities) {
  const activitypb::Kpis kpis = ComputeKpis(SampleRows(), "USD", std::nullopt);
  const activitypb::Funnel& funnel = kpis.funnel();
  EXPECT_EQ(funnel.leads(), 3);
  EXPECT_EQ(funnel.meetings_held(), 2);
  EXPECT_EQ(funnel.proposals_sent(), 1);
  EXPECT_EQ(funnel.deals_won(), 1);
  EXPECT_EQ(funnel.lead_to_meeting_bps(), 6667);
  EXPECT_EQ(funnel.meeting_to_proposal_bps(), 5000);
  EXPECT_EQ(funnel.proposal_to_won_bps(), 10000);
}

TEST(ComputeKpisTest, FunnelIgnoresFunnelCountOfTypesThatAreNotSteps) {
  DailyTotals meeting_scheduled =
      Row(Date(2026, 3, 2), activitypb::ACTIVITY_TYPE_MEETING_SCHEDULED, 5);
  meeting_scheduled.funnel_count = 5;  // a bad row must not leak into the funnel
  const activitypb::Funnel funnel = ComputeKpis({meeting_scheduled}, "USD", std::nullopt).funnel();
  EXPECT_EQ(funnel.leads(), 0);
  EXPECT_EQ(funnel.meetings_held(), 0);
  EXPECT_EQ(funnel.proposals_sent(), 0);
  EXPECT_EQ(funnel.deals_won(), 0);
}

TEST(ComputeKpisTest, ConversionAbsentWhenTheEarlierStageIsZero) {
  const Date day(2026, 3, 2);
  // Meetings without leads (e.g. leads created before the range), and no
  // proposals yet.
  const activitypb::Funnel funnel =
      ComputeKpis({Row(day, activitypb::ACTIVITY_TYPE_MEETING_HELD, 2)}, "USD", std::nullopt)
          .funnel();
  EXPECT_FALSE(funnel.has_lead_to_meeting_bps());
  ASSERT_TRUE(funnel.has_meeting_to_proposal_bps());
  EXPECT_EQ(funnel.meeting_to_proposal_bps(), 0);
  EXPECT_FALSE(funnel.has_proposal_to_won_bps());
}

TEST(ComputeKpisTest, SellingTimeShare) {
  const activitypb::Kpis kpis = ComputeKpis(SampleRows(), "USD", std::nullopt);
  EXPECT_EQ(kpis.logged_minutes(), 300);
  EXPECT_EQ(kpis.selling_minutes(), 200);
  ASSERT_TRUE(kpis.has_selling_time_share_bps());
  EXPECT_EQ(kpis.selling_time_share_bps(), 6667);

  DailyTotals none_selling = Row(Date(2026, 3, 2), activitypb::ACTIVITY_TYPE_TIME_LOGGED, 1);
  none_selling.minutes = 45;
  const activitypb::Kpis zero = ComputeKpis({none_selling}, "USD", std::nullopt);
  ASSERT_TRUE(zero.has_selling_time_share_bps());
  EXPECT_EQ(zero.selling_time_share_bps(), 0);
}

TEST(ComputeKpisTest, ValueMixCountsHighValueAgainstHighVolume) {
  const activitypb::ValueMix mix = ComputeKpis(SampleRows(), "USD", std::nullopt).value_mix();
  // Meetings held 3 + referrals 1 + partnerships 0, against calls 12 +
  // emails 5 + leads 4.
  EXPECT_EQ(mix.high_value_count(), 4);
  EXPECT_EQ(mix.high_volume_count(), 21);
  ASSERT_TRUE(mix.has_high_value_share_bps());
  EXPECT_EQ(mix.high_value_share_bps(), 1600);
}

TEST(ComputeKpisTest, ValueMixLeavesOutOtherTypes) {
  const Date day(2026, 3, 2);
  const activitypb::ValueMix mix =
      ComputeKpis({Row(day, activitypb::ACTIVITY_TYPE_FOLLOW_UP, 7),
                   Row(day, activitypb::ACTIVITY_TYPE_MEETING_SCHEDULED, 7),
                   Row(day, activitypb::ACTIVITY_TYPE_PROPOSAL_SENT, 7),
                   Row(day, activitypb::ACTIVITY_TYPE_PARTNERSHIP, 1)},
                  "USD", 1)
          .value_mix();
  EXPECT_EQ(mix.high_value_count(), 1);
  EXPECT_EQ(mix.high_volume_count(), 0);
  EXPECT_EQ(mix.high_value_share_bps(), 10000);
  EXPECT_FALSE(mix.mostly_volume_for_tier());
}

std::vector<DailyTotals> MixRows(int64_t high_value, int64_t high_volume) {
  const Date day(2026, 3, 2);
  return {Row(day, activitypb::ACTIVITY_TYPE_MEETING_HELD, high_value),
          Row(day, activitypb::ACTIVITY_TYPE_CALL_MADE, high_volume)};
}

TEST(ComputeKpisTest, MostlyVolumeFlagOnlyForTierOneWithMoreVolumeThanValue) {
  EXPECT_TRUE(ComputeKpis(MixRows(2, 3), "USD", 1).value_mix().mostly_volume_for_tier());
  EXPECT_FALSE(ComputeKpis(MixRows(2, 3), "USD", 2).value_mix().mostly_volume_for_tier());
  EXPECT_FALSE(ComputeKpis(MixRows(2, 3), "USD", 3).value_mix().mostly_volume_for_tier());
  EXPECT_FALSE(
      ComputeKpis(MixRows(2, 3), "USD", std::nullopt).value_mix().mostly_volume_for_tier());
  EXPECT_FALSE(ComputeKpis(MixRows(2, 2), "USD", 1).value_mix().mostly_volume_for_tier());
  EXPECT_FALSE(ComputeKpis(MixRows(3, 2), "USD", 1).value_mix().mostly_volume_for_tier());
  EXPECT_FALSE(ComputeKpis(MixRows(0, 0), "USD", 1).value_mix().mostly_volume_for_tier());
}

TEST(ComputeKpisTest, SumsOutOfStageCounts) {
  EXPECT_EQ(ComputeKpis(SampleRows(), "USD", std::nullopt).out_of_stage_count(), 3);
}

TEST(ComputeKpisTest, IgnoresRowsOfUnknownTypes) {
  DailyTotals unknown = Row(Date(2026, 3, 2), activitypb::ACTIVITY_TYPE_CALL_MADE, 50);
  unknown.type = static_cast<activitypb::ActivityType>(99);
  unknown.minutes = 600;
  unknown.out_of_stage_count = 50;
  DailyTotals unspecified = unknown;
  unspecified.type = activitypb::ACTIVITY_TYPE_UNSPECIFIED;
  const activitypb::Kpis kpis = ComputeKpis({unknown, unspecified}, "USD", std::nullopt);
  EXPECT_THAT(Counts(kpis), ElementsAre(0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0));
  EXPECT_EQ(kpis.activity_count(), 0);
  EXPECT_EQ(kpis.logged_minutes(), 0);
  EXPECT_EQ(kpis.out_of_stage_count(), 0);
}

// ---------------------------------------------------------------------------
// ComputeKpiResponse

struct BucketView {
  Date start;
  Date end;
  int64_t activity_count;
};

std::vector<BucketView> Buckets(const activitypb::GetKpisResponse& response) {
  std::vector<BucketView> buckets;
  for (const activitypb::KpiBucketResult& bucket : response.buckets()) {
    buckets.push_back({FromProto(bucket.start_date()), FromProto(bucket.end_date()),
                       bucket.kpis().activity_count()});
  }
  return buckets;
}

MATCHER_P3(BucketIs, start, end, activity_count, "") {
  return arg.start == start && arg.end == end && arg.activity_count == activity_count;
}

TEST(ComputeKpiResponseTest, DayBucketsCoverEveryDayIncludingEmptyOnes) {
  const std::vector<DailyTotals> rows = {
      Row(Date(2026, 3, 1), activitypb::ACTIVITY_TYPE_CALL_MADE, 100),  // before start
      Row(Date(2026, 3, 2), activitypb::ACTIVITY_TYPE_CALL_MADE, 3),
      Row(Date(2026, 3, 4), activitypb::ACTIVITY_TYPE_EMAIL_SENT, 2),
      Row(Date(2026, 3, 2), activitypb::ACTIVITY_TYPE_EMAIL_SENT, 1),
      Row(Date(2026, 3, 5), activitypb::ACTIVITY_TYPE_CALL_MADE, 100),  // end is exclusive
  };
  activitypb::GetKpisResponse response;
  ComputeKpiResponse(rows, Date(2026, 3, 2), Date(2026, 3, 5), activitypb::KPI_BUCKET_DAY, "EUR",
                     std::nullopt, &response);
  EXPECT_EQ(response.currency_code(), "EUR");
  EXPECT_THAT(Buckets(response), ElementsAre(BucketIs(Date(2026, 3, 2), Date(2026, 3, 3), 4),
                                             BucketIs(Date(2026, 3, 3), Date(2026, 3, 4), 0),
                                             BucketIs(Date(2026, 3, 4), Date(2026, 3, 5), 2)));
  // An empty bucket still lists every type.
  EXPECT_EQ(response.buckets(1).kpis().counts_size(), activitypb::ActivityType_ARRAYSIZE - 1);
  EXPECT_EQ(response.buckets(1).kpis().won_value().currency_code(), "EUR");
}

TEST(ComputeKpiResponseTest, DayBucketsAcrossMonthAndLeapDay) {
  activitypb::GetKpisResponse response;
  ComputeKpiResponse({}, Date(2028, 2, 27), Date(2028, 3, 2), activitypb::KPI_BUCKET_DAY, "USD",
                     std::nullopt, &response);
  EXPECT_THAT(Buckets(response), ElementsAre(BucketIs(Date(2028, 2, 27), Date(2028, 2, 28), 0),
                                             BucketIs(Date(2028, 2, 28), Date(2028, 2, 29), 0),
                                             BucketIs(Date(2028, 2, 29), Date(2028, 3, 1), 0),
                                             BucketIs(Date(2028, 3, 1), Date(2028, 3, 2), 0)));
}

TEST(ComputeKpiResponseTest, WeekBucketsStartOnMondayClippedToTheRange) {
  // 2026-03-04 is a Wednesday, 2026-03-17 a Tuesday.
  const std::vector<DailyTotals> rows = {
      Row(Date(2026, 3, 3), activitypb::ACTIVITY_TYPE_CALL_MADE, 100),  // before start
      Row(Date(2026, 3, 4), activitypb::ACTIVITY_TYPE_CALL_MADE, 1),
      Row(Date(2026, 3, 8), activitypb::ACTIVITY_TYPE_CALL_MADE, 2),     // Sunday
      Row(Date(2026, 3, 9), activitypb::ACTIVITY_TYPE_CALL_MADE, 4),     // Monday
      Row(Date(2026, 3, 15), activitypb::ACTIVITY_TYPE_CALL_MADE, 8),    // Sunday
      Row(Date(2026, 3, 16), activitypb::ACTIVITY_TYPE_CALL_MADE, 16),   // Monday
      Row(Date(2026, 3, 17), activitypb::ACTIVITY_TYPE_CALL_MADE, 100),  // end
  };
  activitypb::GetKpisResponse response;
  ComputeKpiResponse(rows, Date(2026, 3, 4), Date(2026, 3, 17), activitypb::KPI_BUCKET_WEEK, "USD",
                     std::nullopt, &response);
  EXPECT_THAT(Buckets(response), ElementsAre(BucketIs(Date(2026, 3, 4), Date(2026, 3, 9), 3),
                                             BucketIs(Date(2026, 3, 9), Date(2026, 3, 16), 12),
                                             BucketIs(Date(2026, 3, 16), Date(2026, 3, 17), 16)));
}

TEST(ComputeKpiResponseTest, WeekBucketsOfWholeWeeksIncludingEmptyOnes) {
  activitypb::GetKpisResponse response;
  ComputeKpiResponse({Row(Date(2026, 3, 20), activitypb::ACTIVITY_TYPE_CALL_MADE, 5)},
                     Date(2026, 3, 2), Date(2026, 3, 23), activitypb::KPI_BUCKET_WEEK, "USD",
                     std::nullopt, &response);
  EXPECT_THAT(Buckets(response), ElementsAre(BucketIs(Date(2026, 3, 2), Date(2026, 3, 9), 0),
                                             BucketIs(Date(2026, 3, 9), Date(2026, 3, 16), 0),
                                             BucketIs(Date(2026, 3, 16), Date(2026, 3, 23), 5)));
}

TEST(ComputeKpiResponseTest, WeekBucketsAcrossNewYear) {
  // 2025-12-31 is a Wednesday; its ISO week (2026-W01) starts 2025-12-29.
  activitypb::GetKpisResponse response;
  ComputeKpiResponse({}, Date(2025, 12, 31), Date(2026, 1, 6), activitypb::KPI_BUCKET_WEEK, "USD",
                     std::nullopt, &response);
  EXPECT_THAT(Buckets(response), ElementsAre(BucketIs(Date(2025, 12, 31), Date(2026, 1, 5), 0),
                                             BucketIs(Date(2026, 1, 5), Date(2026, 1, 6), 0)));
}

TEST(ComputeKpiResponseTest, SingleDayRangeInsideOneWeek) {
  activitypb::GetKpisResponse response;
  ComputeKpiResponse({}, Date(2026, 3, 5), Date(2026, 3, 6), activitypb::KPI_BUCKET_WEEK, "USD",
                     std::nullopt, &response);
  EXPECT_THAT(Buckets(response), ElementsAre(BucketIs(Date(2026, 3, 5), Date(2026, 3, 6), 0)));
}

TEST(ComputeKpiResponseTest, NoBucketsWhenNoneAskedFor) {
  activitypb::GetKpisResponse response;
  ComputeKpiResponse(SampleRows(), Date(2026, 3, 1), Date(2026, 3, 31),
                     activitypb::KPI_BUCKET_UNSPECIFIED, "USD", 1, &response);
  EXPECT_THAT(response.buckets(), IsEmpty());
  EXPECT_EQ(response.currency_code(), "USD");
  EXPECT_EQ(response.total().activity_count(), 27);
  EXPECT_EQ(response.total().won_value().minor_units(), 750000);
  EXPECT_TRUE(response.total().value_mix().mostly_volume_for_tier());
}

TEST(ComputeKpiResponseTest, TotalsAndBucketsAgreeOnRowsInTheRange) {
  activitypb::GetKpisResponse response;
  ComputeKpiResponse(SampleRows(), Date(2026, 3, 2), Date(2026, 3, 4), activitypb::KPI_BUCKET_DAY,
                     "USD", 1, &response);
  ASSERT_EQ(response.buckets_size(), 2);
  EXPECT_EQ(response.total().activity_count(), 27);
  EXPECT_EQ(
      response.buckets(0).kpis().activity_count() + response.buckets(1).kpis().activity_count(),
      27);
  EXPECT_EQ(response.buckets(0).kpis().won_value().minor_units(), 500000);
  EXPECT_EQ(response.buckets(1).kpis().won_value().minor_units(), 250000);
  EXPECT_EQ(response.buckets(1).kpis().funnel().deals_won(), 0);
}

// ---------------------------------------------------------------------------
// RankLeaderboard

MATCHER_P3(EntryIs, rank, member_id, value, "") {
  return arg.rank() == rank && arg.member_id() == member_id && arg.value() == value;
}

TEST(RankLeaderboardTest, TiesShareARankAndAreOrderedByMemberId) {
  int ranked = -1;
  const std::vector<activitypb::LeaderboardEntry> entries = RankLeaderboard(
      {{"mb_d", 5, 0}, {"mb_c", 8, 0}, {"mb_a", 10, 0}, {"mb_e", 0, 0}, {"mb_b", 8, 0}},
      activitypb::LEADERBOARD_METRIC_ACTIVITY_COUNT, 10, &ranked);
  EXPECT_EQ(ranked, 5);
  EXPECT_THAT(entries,
              ElementsAre(EntryIs(1, "mb_a", 10), EntryIs(2, "mb_b", 8), EntryIs(2, "mb_c", 8),
                          EntryIs(4, "mb_d", 5), EntryIs(5, "mb_e", 0)));
}

TEST(RankLeaderboardTest, ThreeWayTieAtTheTop) {
  int ranked = -1;
  EXPECT_THAT(RankLeaderboard({{"mb_z", 7, 0}, {"mb_x", 7, 0}, {"mb_y", 7, 0}, {"mb_w", 1, 0}},
                              activitypb::LEADERBOARD_METRIC_WON_VALUE, 10, &ranked),
              ElementsAre(EntryIs(1, "mb_x", 7), EntryIs(1, "mb_y", 7), EntryIs(1, "mb_z", 7),
                          EntryIs(4, "mb_w", 1)));
  EXPECT_EQ(ranked, 4);
}

TEST(RankLeaderboardTest, TopNCutsAfterRankingAndRankedCountCountsAll) {
  int ranked = -1;
  const std::vector<LeaderboardScore> scores = {
      {"mb_d", 5, 0}, {"mb_c", 8, 0}, {"mb_a", 10, 0}, {"mb_e", 0, 0}, {"mb_b", 8, 0}};
  EXPECT_THAT(RankLeaderboard(scores, activitypb::LEADERBOARD_METRIC_WON_VALUE, 2, &ranked),
              ElementsAre(EntryIs(1, "mb_a", 10), EntryIs(2, "mb_b", 8)));
  EXPECT_EQ(ranked, 5);
  ranked = -1;
  EXPECT_THAT(RankLeaderboard(scores, activitypb::LEADERBOARD_METRIC_WON_VALUE, 0, &ranked),
              IsEmpty());
  EXPECT_EQ(ranked, 5);
  ranked = -1;
  EXPECT_THAT(RankLeaderboard(scores, activitypb::LEADERBOARD_METRIC_WON_VALUE, -3, &ranked),
              IsEmpty());
  EXPECT_EQ(ranked, 5);
}

TEST(RankLeaderboardTest, WinRateSkipsMembersWithoutDecidedDeals) {
  int ranked = -1;
  EXPECT_THAT(
      RankLeaderboard({{"mb_a", 1, 2}, {"mb_b", 0, 0}, {"mb_c", 2, 3}, {"mb_d", 0, 4}},
                      activitypb::LEADERBOARD_METRIC_WIN_RATE, 10, &ranked),
      ElementsAre(EntryIs(1, "mb_c", 6667), EntryIs(2, "mb_a", 5000), EntryIs(3, "mb_d", 0)));
  EXPECT_EQ(ranked, 3);
}

TEST(RankLeaderboardTest, SellingShareSkipsMembersWithoutLoggedTimeAndTiesOnBasisPoints) {
  int ranked = -1;
  // 1/2 and 240/480 are the same share: one rank.
  EXPECT_THAT(RankLeaderboard({{"mb_b", 240, 480}, {"mb_c", 0, 0}, {"mb_a", 1, 2}},
                              activitypb::LEADERBOARD_METRIC_SELLING_TIME_SHARE, 10, &ranked),
              ElementsAre(EntryIs(1, "mb_a", 5000), EntryIs(1, "mb_b", 5000)));
  EXPECT_EQ(ranked, 2);
}

TEST(RankLeaderboardTest, CountsIgnoreTheDenominator) {
  int ranked = -1;
  EXPECT_THAT(RankLeaderboard({{"mb_a", 3, 0}, {"mb_b", 4, 1}},
                              activitypb::LEADERBOARD_METRIC_ACTIVITY_COUNT, 10, &ranked),
              ElementsAre(EntryIs(1, "mb_b", 4), EntryIs(2, "mb_a", 3)));
  EXPECT_EQ(ranked, 2);
}

TEST(RankLeaderboardTest, NobodyToRank) {
  int ranked = -1;
  EXPECT_THAT(RankLeaderboard({}, activitypb::LEADERBOARD_METRIC_ACTIVITY_COUNT, 10, &ranked),
              IsEmpty());
  EXPECT_EQ(ranked, 0);
  ranked = -1;
  EXPECT_THAT(
      RankLeaderboard({{"mb_a", 0, 0}}, activitypb::LEADERBOARD_METRIC_WIN_RATE, 10, &ranked),
      IsEmpty());
  EXPECT_EQ(ranked, 0);
}

// ---------------------------------------------------------------------------
// BasisPoints, DayNumber

TEST(BasisPointsTest, RoundsHalfUpAndIsAbsentWithoutDenominator) {
  EXPECT_EQ(BasisPoints(1, 3), 3333);
  EXPECT_EQ(BasisPoints(2, 3), 6667);
  EXPECT_EQ(BasisPoints(1, 20000), 1);  // 0.5 bp rounds up
  EXPECT_EQ(BasisPoints(5, 0), std::nullopt);
}

TEST(BasisPointsTest, WholeAndZero) {
  EXPECT_EQ(BasisPoints(0, 7), 0);
  EXPECT_EQ(BasisPoints(7, 7), 10000);
  EXPECT_EQ(BasisPoints(1, 40000), 0);  // 0.25 bp rounds down
}

TEST(DayNumberTest, EpochIsDayZero) {
  EXPECT_EQ(DayNumber(Date(1970, 1, 1)), 0);
  EXPECT_EQ(DayNumber(Date(1970, 1, 2)), 1);
  EXPECT_EQ(DayNumber(Date(1969, 12, 31)), -1);
  EXPECT_EQ(DayNumber(Date(2000, 3, 1)), 11017);
  EXPECT_EQ(DayFromNumber(0), Date(1970, 1, 1));
  EXPECT_EQ(DayFromNumber(11017), Date(2000, 3, 1));
}

TEST(DayNumberTest, RoundTrips) {
  for (Date day(1999, 12, 1); day < Date(2029, 1, 1); day += 7) {
    EXPECT_EQ(DayFromNumber(DayNumber(day)), day) << day;
  }
  for (int64_t number : {-719162, -1, 0, 1, 20513, 2932896}) {  // 0001-01-01 .. 9999-12-31
    EXPECT_EQ(DayNumber(DayFromNumber(number)), number);
  }
  EXPECT_EQ(DayFromNumber(-719162), Date(1, 1, 1));
  EXPECT_EQ(DayFromNumber(2932896), Date(9999, 12, 31));
}

}  // namespace
}  // namespace salesteam::activity
