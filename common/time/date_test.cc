#include "common/time/date.h"

#include "common/testing/status_matchers.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "salesteam/type/v1/date.pb.h"
#include "salesteam/type/v1/money.pb.h"

namespace salesteam::periods {
namespace {

using ::salesteam::testing::IsOk;
using ::salesteam::testing::StatusIs;
using ::testing::HasSubstr;
using ::testing::StartsWith;

using ::salesteam::testing::IsOkAndHolds;

TEST(Calendar, LeapYearsFollowTheGregorianRules) {
  EXPECT_TRUE(IsLeapYear(2024));
  EXPECT_FALSE(IsLeapYear(2026));
  EXPECT_FALSE(IsLeapYear(1900));
  EXPECT_TRUE(IsLeapYear(2000));
  EXPECT_EQ(DaysInMonth(2024, 2), 29);
  EXPECT_EQ(DaysInMonth(2026, 2), 28);
  EXPECT_EQ(DaysInMonth(2026, 4), 30);
  EXPECT_EQ(DaysInMonth(2026, 12), 31);
}

TEST(MakeDate, RefusesToNormaliseImpossibleDates) {
  EXPECT_THAT(MakeDate(2024, 2, 29, "d"), IsOk());
  EXPECT_THAT(MakeDate(2026, 2, 29, "sprint.start_date"),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       StartsWith("sprint.start_date.day: 29 is not a day of 2026-02 (1-28)")));
  EXPECT_THAT(MakeDate(1900, 2, 29, "d"), StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(MakeDate(2000, 2, 29, "d"), IsOk());
  EXPECT_THAT(MakeDate(2026, 4, 31, "d"), StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(MakeDate(2026, 13, 1, "d"), StatusIs(absl::StatusCode::kInvalidArgument,
                                                   StartsWith("d.month: 13 is not a month")));
  EXPECT_THAT(MakeDate(2026, 0, 1, "d"), StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(MakeDate(2026, 1, 0, "d"), StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(MakeDate(0, 1, 1, "d"),
              StatusIs(absl::StatusCode::kInvalidArgument, StartsWith("d.year: 0 is outside")));
  EXPECT_THAT(MakeDate(10000, 1, 1, "d"), StatusIs(absl::StatusCode::kInvalidArgument));
}

TEST(DateProto, RoundTripsAndNamesTheBadComponent) {
  salesteam::type::v1::Date proto;
  proto.set_year(2024);
  proto.set_month(2);
  proto.set_day(29);
  ASSERT_OK_AND_ASSIGN(const Date date, DateFromProto(proto, "training.completed_on"));
  EXPECT_EQ(date, Date(2024, 2, 29));
  const salesteam::type::v1::Date back = DateToProto(date);
  EXPECT_EQ(back.year(), 2024);
  EXPECT_EQ(back.month(), 2);
  EXPECT_EQ(back.day(), 29);

  proto.set_year(2026);
  EXPECT_THAT(DateFromProto(proto, "training.completed_on"),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       StartsWith("training.completed_on.day: 29 is not a day of 2026-02")));
  proto.set_month(-1);
  EXPECT_THAT(DateFromProto(proto, "training.completed_on"),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       StartsWith("training.completed_on.month: -1 is not a month")));
  EXPECT_THAT(
      DateFromProto(salesteam::type::v1::Date(), "sprint.start_date"),
      StatusIs(absl::StatusCode::kInvalidArgument, StartsWith("sprint.start_date: is required")));
}

TEST(IsoDateText, ParsesAndFormatsYyyyMmDd) {
  ASSERT_OK_AND_ASSIGN(const Date date, ParseIsoDate("2026-11-28", "day"));
  EXPECT_EQ(date, Date(2026, 11, 28));
  EXPECT_EQ(FormatIsoDate(date), "2026-11-28");
  EXPECT_EQ(FormatIsoDate(Date(1, 1, 5)), "0001-01-05");
  ASSERT_OK_AND_ASSIGN(const Date leap, ParseIsoDate("2024-02-29", "day"));
  EXPECT_EQ(leap, Date(2024, 2, 29));
}

TEST(IsoDateText, RejectsOtherShapesAndImpossibleDatesNamingTheField) {
  for (const char* text : {"", "2026-1-5", "2026-11-28T00:00", "20261128", "2026/11/28", "26-11-28",
                           " 2026-11-28", "2026-11-2x", "+026-11-28", "2026-11-28\n"}) {
    EXPECT_THAT(ParseIsoDate(text, "query.day"),
                StatusIs(absl::StatusCode::kInvalidArgument, StartsWith("query.day: ")))
        << text;
  }
  EXPECT_THAT(ParseIsoDate("2026-02-29", "query.day"),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("\"2026-02-29\" is not a date: day 29 is not a day of 2026-02")));
  EXPECT_THAT(ParseIsoDate("2026-00-10", "query.day"),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("month 0 is not a month")));
  EXPECT_THAT(ParseIsoDate("0000-01-01", "query.day"),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("year 0 is outside")));
}

TEST(IsoWeek, EdgeCasesAroundNewYear) {
  const struct {
    Date day;
    IsoWeek week;
    const char* label;
  } kCases[] = {
      {Date(2020, 12, 31), {2020, 53}, "2020-W53"},  // Thursday.
      {Date(2021, 1, 3), {2020, 53}, "2020-W53"},    // Sunday after.
      {Date(2021, 1, 4), {2021, 1}, "2021-W01"},     // Monday.
      {Date(2024, 12, 30), {2025, 1}, "2025-W01"},   // Monday before New Year.
      {Date(2024, 12, 29), {2024, 52}, "2024-W52"},
      {Date(2026, 1, 1), {2026, 1}, "2026-W01"},  // Thursday.
      {Date(2026, 11, 28), {2026, 48}, "2026-W48"},
      {Date(2026, 12, 31), {2026, 53}, "2026-W53"},
      {Date(2027, 1, 3), {2026, 53}, "2026-W53"},
      {Date(2027, 1, 4), {2027, 1}, "2027-W01"},
      {Date(2008, 12, 29), {2009, 1}, "2009-W01"},
      {Date(2010, 1, 3), {2009, 53}, "2009-W53"},
      {Date(2005, 1, 1), {2004, 53}, "2004-W53"},  // Saturday.
  };
  for (const auto& c : kCases) {
    EXPECT_EQ(IsoWeekOf(c.day), c.week) << FormatIsoDate(c.day);
    EXPECT_EQ(FormatIsoWeek(IsoWeekOf(c.day)), c.label) << FormatIsoDate(c.day);
  }
}

TEST(IsoWeek, YearsHave52Or53WeeksAndMondaysAreFoundBack) {
  EXPECT_EQ(IsoWeeksInYear(2020), 53);
  EXPECT_EQ(IsoWeeksInYear(2021), 52);
  EXPECT_EQ(IsoWeeksInYear(2024), 52);
  EXPECT_EQ(IsoWeeksInYear(2026), 53);
  EXPECT_EQ(IsoWeeksInYear(2015), 53);
  EXPECT_THAT(IsoWeekMonday({2020, 53}, "w"), IsOkAndHolds(Date(2020, 12, 28)));
  EXPECT_THAT(IsoWeekMonday({2025, 1}, "w"), IsOkAndHolds(Date(2024, 12, 30)));
  EXPECT_THAT(IsoWeekMonday({2026, 48}, "w"), IsOkAndHolds(Date(2026, 11, 23)));
  EXPECT_THAT(IsoWeekMonday({2021, 53}, "w"), StatusIs(absl::StatusCode::kInvalidArgument,
                                                       HasSubstr("week 53 is not a week of 2021")));
  EXPECT_THAT(IsoWeekMonday({2021, 0}, "w"), StatusIs(absl::StatusCode::kInvalidArgument));
  // Every day from 2019 to 2031 maps to a week whose Monday is on or before
  // it and at most six days earlier.
  for (Date day(2019, 1, 1); day < Date(2032, 1, 1); ++day) {
    const IsoWeek week = IsoWeekOf(day);
    ASSERT_OK_AND_ASSIGN(const Date monday, IsoWeekMonday(week, "w"));
    ASSERT_EQ(monday, MondayOnOrBefore(day)) << FormatIsoDate(day);
    ASSERT_EQ(absl::GetWeekday(monday), absl::Weekday::monday);
  }
}

TEST(Quarter, MonthsMapToQuarters) {
  EXPECT_EQ(QuarterOf(Date(2026, 1, 1)), 1);
  EXPECT_EQ(QuarterOf(Date(2026, 3, 31)), 1);
  EXPECT_EQ(QuarterOf(Date(2026, 4, 1)), 2);
  EXPECT_EQ(QuarterOf(Date(2026, 9, 30)), 3);
  EXPECT_EQ(QuarterOf(Date(2026, 10, 1)), 4);
  EXPECT_EQ(QuarterOf(Date(2026, 12, 31)), 4);
}

}  // namespace
}  // namespace salesteam::periods
