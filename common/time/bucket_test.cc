#include "common/time/bucket.h"

#include <string>
#include <vector>

#include "absl/time/civil_time.h"
#include "absl/time/time.h"
#include "common/testing/status_matchers.h"
#include "common/time/time_zone.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace salesteam::periods {
namespace {

using ::salesteam::testing::StatusIs;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::StartsWith;

absl::TimeZone Zone(const char* name) {
  absl::StatusOr<absl::TimeZone> zone = LoadTimeZone(name, "zone");
  EXPECT_TRUE(zone.ok()) << zone.status();
  return zone.value_or(absl::UTCTimeZone());
}

absl::Time Utc(int y, int m, int d, int hh, int mm = 0, int ss = 0) {
  return absl::FromCivil(absl::CivilSecond(y, m, d, hh, mm, ss), absl::UTCTimeZone());
}

// An unambiguous local time in `zone`.
absl::Time Local(const absl::TimeZone& zone, int y, int m, int d, int hh, int mm = 0) {
  const absl::TimeZone::TimeInfo info = zone.At(absl::CivilSecond(y, m, d, hh, mm, 0));
  EXPECT_EQ(info.kind, absl::TimeZone::TimeInfo::UNIQUE);
  return info.pre;
}

TimeRange DayOrDie(Date day, const absl::TimeZone& zone) {
  absl::StatusOr<TimeRange> range = DayRange(day, zone);
  EXPECT_TRUE(range.ok()) << range.status();
  return range.value_or(TimeRange());
}

Bucket BucketOrDie(BucketKind kind, absl::Time t, const absl::TimeZone& zone) {
  absl::StatusOr<Bucket> bucket = BucketContaining(kind, t, zone);
  EXPECT_TRUE(bucket.ok()) << bucket.status();
  return bucket.ok() ? *bucket : Bucket{};
}

std::vector<std::string> Labels(const std::vector<Bucket>& buckets) {
  std::vector<std::string> labels;
  for (const Bucket& bucket : buckets) labels.push_back(bucket.label);
  return labels;
}

// --- Days across DST changes.

TEST(DayRange, NewYorkSpringForwardDayIs23HoursAndFallBackDayIs25) {
  const absl::TimeZone ny = Zone("America/New_York");
  const TimeRange spring = DayOrDie(Date(2026, 3, 8), ny);
  EXPECT_EQ(spring.start(), Utc(2026, 3, 8, 5));  // Midnight EST.
  EXPECT_EQ(spring.end(), Utc(2026, 3, 9, 4));    // Midnight EDT.
  EXPECT_EQ(spring.Length(), absl::Hours(23));
  const TimeRange fall = DayOrDie(Date(2026, 11, 1), ny);
  EXPECT_EQ(fall.start(), Utc(2026, 11, 1, 4));
  EXPECT_EQ(fall.end(), Utc(2026, 11, 2, 5));
  EXPECT_EQ(fall.Length(), absl::Hours(25));
  EXPECT_EQ(DayOrDie(Date(2026, 3, 7), ny).Length(), absl::Hours(24));
  EXPECT_EQ(DayOrDie(Date(2026, 3, 9), ny).Length(), absl::Hours(24));
}

TEST(DayRange, BerlinSpringForwardDayIs23HoursAndFallBackDayIs25) {
  const absl::TimeZone berlin = Zone("Europe/Berlin");
  const TimeRange spring = DayOrDie(Date(2026, 3, 29), berlin);
  EXPECT_EQ(spring.start(), Utc(2026, 3, 28, 23));
  EXPECT_EQ(spring.Length(), absl::Hours(23));
  const TimeRange fall = DayOrDie(Date(2026, 10, 25), berlin);
  EXPECT_EQ(fall.start(), Utc(2026, 10, 24, 22));
  EXPECT_EQ(fall.Length(), absl::Hours(25));
}

TEST(DayRange, LordHoweShiftsByHalfAnHour) {
  const absl::TimeZone lord_howe = Zone("Australia/Lord_Howe");
  EXPECT_EQ(DayOrDie(Date(2025, 4, 6), lord_howe).Length(), absl::Minutes(24 * 60 + 30));
  EXPECT_EQ(DayOrDie(Date(2025, 10, 5), lord_howe).Length(), absl::Minutes(23 * 60 + 30));
}

TEST(DayRange, SkippedMidnightStartsTheDayAtTheJump) {
  // Santiago, 2022-09-11: 23:59:59 -04 is followed by 01:00:00 -03.
  const absl::TimeZone santiago = Zone("America/Santiago");
  const TimeRange day = DayOrDie(Date(2022, 9, 11), santiago);
  EXPECT_EQ(day.start(), Utc(2022, 9, 11, 4));
  EXPECT_EQ(day.Length(), absl::Hours(23));
  EXPECT_EQ(DayOrDie(Date(2022, 9, 10), santiago).end(), day.start());
  EXPECT_EQ(absl::FormatTime("%H:%M", day.start(), santiago), "01:00");
  // Havana, 2024-03-10: midnight CST is skipped too.
  const absl::TimeZone havana = Zone("America/Havana");
  EXPECT_EQ(DayOrDie(Date(2024, 3, 10), havana).start(), Utc(2024, 3, 10, 5));
  EXPECT_EQ(DayOrDie(Date(2024, 3, 10), havana).Length(), absl::Hours(23));
}

TEST(DayRange, RepeatedMidnightStartsTheDayAtTheFirstOne) {
  // Havana, 2024-11-03: 00:59:59 CDT is followed by 00:00:00 CST, so local
  // midnight happens at 04:00Z and again at 05:00Z.
  const absl::TimeZone havana = Zone("America/Havana");
  const TimeRange day = DayOrDie(Date(2024, 11, 3), havana);
  EXPECT_EQ(day.start(), Utc(2024, 11, 3, 4));
  EXPECT_EQ(day.Length(), absl::Hours(25));
  EXPECT_EQ(DayOrDie(Date(2024, 11, 2), havana).Length(), absl::Hours(24));
  // The second 00:30 is in the same day, once.
  ASSERT_OK_AND_ASSIGN(const Date second_half_past, DayOf(Utc(2024, 11, 3, 5, 30), havana));
  EXPECT_EQ(second_half_past, Date(2024, 11, 3));
  ASSERT_OK_AND_ASSIGN(const Date just_before, DayOf(Utc(2024, 11, 3, 3, 59, 59), havana));
  EXPECT_EQ(just_before, Date(2024, 11, 2));
}

TEST(DayRange, MidnightInsideASkippedGapStartsTheDayAtTheJumpNotAnHourLater) {
  // Toronto, 1919-03-30 23:29:59 EST was followed by 1919-03-31 00:30 EDT:
  // midnight lies inside the gap, so the day starts at the jump (04:30Z,
  // local 00:30), not at midnight reckoned in EST (05:00Z).
  const absl::TimeZone toronto = Zone("America/Toronto");
  const TimeRange day = DayOrDie(Date(1919, 3, 31), toronto);
  EXPECT_EQ(day.start(), Utc(1919, 3, 31, 4, 30));
  EXPECT_EQ(day.Length(), absl::Minutes(23 * 60 + 30));
  ASSERT_OK_AND_ASSIGN(const Date at_00_45, DayOf(Utc(1919, 3, 31, 4, 45), toronto));
  EXPECT_EQ(at_00_45, Date(1919, 3, 31));
}

TEST(DayRange, FallBackAcrossMidnightKeepsTheRepeatedMinutesInTheNewDay) {
  // St. John's, 2009-11-01 00:00:59 NDT was followed by 2009-10-31 23:01 NST:
  // local clocks went back into the previous day. Days stay contiguous: the
  // new day starts at its first midnight, and the instants whose local time
  // reads 23:01-23:59 on 10-31 a second time belong to 11-01.
  const absl::TimeZone st_johns = Zone("America/St_Johns");
  const TimeRange october_31 = DayOrDie(Date(2009, 10, 31), st_johns);
  const TimeRange november_1 = DayOrDie(Date(2009, 11, 1), st_johns);
  EXPECT_EQ(november_1.start(), Utc(2009, 11, 1, 2, 30));
  EXPECT_EQ(october_31.end(), november_1.start());
  EXPECT_EQ(october_31.Length(), absl::Hours(24));
  EXPECT_EQ(november_1.Length(), absl::Hours(25));
  const absl::Time second_23_30 = Utc(2009, 11, 1, 3, 0);
  EXPECT_EQ(absl::ToCivilDay(second_23_30, st_johns), Date(2009, 10, 31));
  ASSERT_OK_AND_ASSIGN(const Date day, DayOf(second_23_30, st_johns));
  EXPECT_EQ(day, Date(2009, 11, 1));
  EXPECT_EQ(BucketOrDie(BucketKind::kMonth, second_23_30, st_johns).label, "2009-11");
  EXPECT_EQ(BucketOrDie(BucketKind::kIsoWeek, second_23_30, st_johns).label, "2009-W44");
}

TEST(DayRange, ADayThatNeverHappenedIsEmptyAndIsNeverListed) {
  // Samoa moved across the date line: 2011-12-29 23:59:59 -10 was followed
  // by 2011-12-31 00:00:00 +14.
  const absl::TimeZone apia = Zone("Pacific/Apia");
  const TimeRange skipped = DayOrDie(Date(2011, 12, 30), apia);
  EXPECT_TRUE(skipped.Empty());
  EXPECT_EQ(skipped.start(), Utc(2011, 12, 30, 10));
  ASSERT_OK_AND_ASSIGN(const Date at_jump, DayOf(Utc(2011, 12, 30, 10), apia));
  EXPECT_EQ(at_jump, Date(2011, 12, 31));
  ASSERT_OK_AND_ASSIGN(const TimeRange span, DaysRange(Date(2011, 12, 29), Date(2012, 1, 1), apia));
  ASSERT_OK_AND_ASSIGN(const auto days, BucketsCovering(BucketKind::kDay, span, apia));
  EXPECT_THAT(Labels(days), ElementsAre("2011-12-29", "2011-12-31"));
  const Bucket week = BucketOrDie(BucketKind::kIsoWeek, Utc(2011, 12, 30, 12), apia);
  EXPECT_EQ(week.label, "2011-W52");
  EXPECT_EQ(week.range.Length(), absl::Hours(6 * 24));
}

TEST(DaysRange, CoversWholeDaysAndRefusesReversedOnes) {
  const absl::TimeZone berlin = Zone("Europe/Berlin");
  // A two-week sprint starting Monday 2026-03-23 spans the spring change.
  ASSERT_OK_AND_ASSIGN(const TimeRange sprint,
                       DaysRange(Date(2026, 3, 23), Date(2026, 3, 23) + 14, berlin, "sprint"));
  EXPECT_EQ(sprint.Length(), absl::Hours(14 * 24 - 1));
  EXPECT_THAT(DaysRange(Date(2026, 3, 23), Date(2026, 3, 22), berlin, "sprint"),
              StatusIs(absl::StatusCode::kInvalidArgument, StartsWith("sprint: end day")));
  EXPECT_THAT(DayRange(Date(0, 12, 31), berlin), StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(DayRange(Date(10000, 1, 1), berlin), StatusIs(absl::StatusCode::kInvalidArgument));
}

// --- Weeks, months, quarters.

TEST(WeekBucket, WeeksHoldingADstChangeAre167And169Hours) {
  const absl::TimeZone ny = Zone("America/New_York");
  const Bucket spring = BucketOrDie(BucketKind::kIsoWeek, Local(ny, 2026, 3, 8, 12), ny);
  EXPECT_EQ(spring.first_day, Date(2026, 3, 2));
  EXPECT_EQ(spring.end_day, Date(2026, 3, 9));
  EXPECT_EQ(spring.label, "2026-W10");
  EXPECT_EQ(spring.range.Length(), absl::Hours(167));
  const Bucket fall = BucketOrDie(BucketKind::kIsoWeek, Local(ny, 2026, 11, 1, 12), ny);
  EXPECT_EQ(fall.range.Length(), absl::Hours(169));
  const absl::TimeZone berlin = Zone("Europe/Berlin");
  EXPECT_EQ(BucketOrDie(BucketKind::kIsoWeek, Local(berlin, 2026, 3, 25, 9), berlin).range.Length(),
            absl::Hours(167));
  EXPECT_EQ(
      BucketOrDie(BucketKind::kIsoWeek, Local(berlin, 2026, 10, 20, 9), berlin).range.Length(),
      absl::Hours(169));
  EXPECT_EQ(BucketOrDie(BucketKind::kIsoWeek, Local(berlin, 2026, 6, 10, 9), berlin).range.Length(),
            absl::Hours(168));
}

TEST(WeekBucket, StartsMondayAtLocalMidnightAndUsesTheIsoWeekYear) {
  const absl::TimeZone ny = Zone("America/New_York");
  const Bucket week = BucketOrDie(BucketKind::kIsoWeek, Local(ny, 2026, 11, 28, 15), ny);
  EXPECT_EQ(week.label, "2026-W48");
  EXPECT_EQ(week.first_day, Date(2026, 11, 23));
  EXPECT_EQ(week.range.start(), Local(ny, 2026, 11, 23, 0));
  // New Year's week straddles two calendar years.
  const Bucket new_year = BucketOrDie(BucketKind::kIsoWeek, Local(ny, 2025, 1, 1, 9), ny);
  EXPECT_EQ(new_year.label, "2025-W01");
  EXPECT_EQ(new_year.first_day, Date(2024, 12, 30));
  EXPECT_EQ(BucketOrDie(BucketKind::kIsoWeek, Local(ny, 2021, 1, 3, 23), ny).label, "2020-W53");
}

TEST(MonthAndQuarterBuckets, BoundariesFallAtLocalMidnightOfTheTeamsZone) {
  const absl::TimeZone ny = Zone("America/New_York");
  const absl::Time last_second_of_march = Local(ny, 2026, 4, 1, 0) - absl::Seconds(1);
  EXPECT_EQ(BucketOrDie(BucketKind::kMonth, last_second_of_march, ny).label, "2026-03");
  EXPECT_EQ(BucketOrDie(BucketKind::kQuarter, last_second_of_march, ny).label, "2026-Q1");
  EXPECT_EQ(BucketOrDie(BucketKind::kMonth, Local(ny, 2026, 4, 1, 0), ny).label, "2026-04");
  EXPECT_EQ(BucketOrDie(BucketKind::kQuarter, Local(ny, 2026, 4, 1, 0), ny).label, "2026-Q2");
  // The same instant is still March in New York but already April in Berlin.
  const absl::Time instant = Utc(2026, 4, 1, 1);
  EXPECT_EQ(BucketOrDie(BucketKind::kMonth, instant, ny).label, "2026-03");
  EXPECT_EQ(BucketOrDie(BucketKind::kMonth, instant, Zone("Europe/Berlin")).label, "2026-04");
  EXPECT_EQ(BucketOrDie(BucketKind::kDay, instant, Zone("Asia/Kolkata")).label, "2026-04-01");

  const Bucket q4 = BucketOrDie(BucketKind::kQuarter, Local(ny, 2026, 11, 28, 12), ny);
  EXPECT_EQ(q4.label, "2026-Q4");
  EXPECT_EQ(q4.first_day, Date(2026, 10, 1));
  EXPECT_EQ(q4.end_day, Date(2027, 1, 1));
  EXPECT_EQ(q4.range.start(), Utc(2026, 10, 1, 4));
  EXPECT_EQ(q4.range.end(), Utc(2027, 1, 1, 5));
  EXPECT_EQ(q4.range.Length(), absl::Hours(92 * 24 + 1));
  const Bucket november = BucketOrDie(BucketKind::kMonth, Local(ny, 2026, 11, 28, 12), ny);
  EXPECT_EQ(november.label, "2026-11");
  EXPECT_EQ(november.range.Length(), absl::Hours(30 * 24 + 1));
  const Bucket february = BucketOrDie(BucketKind::kMonth, Local(ny, 2024, 2, 10, 12), ny);
  EXPECT_EQ(february.end_day, Date(2024, 3, 1));
  EXPECT_EQ(february.range.Length(), absl::Hours(29 * 24));
}

// --- Half-open semantics.

TEST(BucketContaining, AnInstantAtABucketsEndBelongsToTheNextBucket) {
  const absl::TimeZone ny = Zone("America/New_York");
  const Bucket day = BucketOrDie(BucketKind::kDay, Local(ny, 2026, 11, 28, 12), ny);
  EXPECT_EQ(day.label, "2026-11-28");
  EXPECT_TRUE(day.range.Contains(day.range.start()));
  EXPECT_FALSE(day.range.Contains(day.range.end()));
  EXPECT_EQ(BucketOrDie(BucketKind::kDay, day.range.end(), ny).label, "2026-11-29");
  EXPECT_EQ(BucketOrDie(BucketKind::kDay, day.range.end() - absl::Nanoseconds(1), ny).label,
            "2026-11-28");
  const Bucket week = BucketOrDie(BucketKind::kIsoWeek, Local(ny, 2026, 11, 28, 12), ny);
  EXPECT_EQ(BucketOrDie(BucketKind::kIsoWeek, week.range.end(), ny).label, "2026-W49");
}

TEST(BucketContaining, EveryInstantIsInExactlyOneBucketAndBucketsTileTheTimeline) {
  const struct {
    const char* name;
    int year;
  } kZoneYears[] = {{"America/New_York", 2024},    {"Europe/Berlin", 2024},
                    {"Australia/Lord_Howe", 2024}, {"America/Santiago", 2022},
                    {"America/Havana", 2024},      {"Asia/Kolkata", 2024},
                    {"America/St_Johns", 2009},    {"Pacific/Apia", 2011}};
  for (const auto& [name, year] : kZoneYears) {
    const absl::TimeZone zone = Zone(name);
    for (BucketKind kind :
         {BucketKind::kDay, BucketKind::kIsoWeek, BucketKind::kMonth, BucketKind::kQuarter}) {
      Bucket bucket = BucketOrDie(kind, Utc(year, 1, 1, 12), zone);
      for (absl::Time t = Utc(year, 1, 1, 12); t < Utc(year + 1, 1, 1, 0); t += absl::Minutes(30)) {
        // Step to the next bucket, through any empty one (a skipped day).
        while (!bucket.range.Contains(t)) {
          ASSERT_EQ(t, bucket.range.end()) << name << " " << bucket.label;
          ASSERT_OK_AND_ASSIGN(const Bucket next, BucketOfDay(kind, bucket.end_day, zone));
          ASSERT_EQ(next.range.start(), bucket.range.end()) << name << " " << next.label;
          bucket = next;
        }
        const Bucket found = BucketOrDie(kind, t, zone);
        ASSERT_EQ(found.label, bucket.label) << name << " " << absl::FormatTime(t);
        ASSERT_TRUE(found.range.Contains(t));
      }
    }
  }
}

TEST(BucketContaining, InstantsOutsideYears1To9999AreRefused) {
  const absl::TimeZone utc = absl::UTCTimeZone();
  EXPECT_THAT(BucketContaining(BucketKind::kDay, absl::InfiniteFuture(), utc),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("outside years 0001-9999")));
  EXPECT_THAT(BucketContaining(BucketKind::kDay, absl::InfinitePast(), utc),
              StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_EQ(BucketOrDie(BucketKind::kIsoWeek, Utc(9999, 12, 31, 12), utc).label, "9999-W52");
}

// --- Enumeration.

TEST(BucketsCovering, DaysAcrossSpringForwardAreContiguousWithTheShortDayInside) {
  const absl::TimeZone ny = Zone("America/New_York");
  ASSERT_OK_AND_ASSIGN(const TimeRange range,
                       TimeRange::Create(Local(ny, 2026, 3, 7, 12), Local(ny, 2026, 3, 10, 0)));
  ASSERT_OK_AND_ASSIGN(const auto days, BucketsCovering(BucketKind::kDay, range, ny));
  EXPECT_THAT(Labels(days), ElementsAre("2026-03-07", "2026-03-08", "2026-03-09"));
  EXPECT_EQ(days[0].range.Length(), absl::Hours(24));
  EXPECT_EQ(days[1].range.Length(), absl::Hours(23));
  EXPECT_EQ(days[2].range.Length(), absl::Hours(24));
  EXPECT_EQ(days[0].range.end(), days[1].range.start());
  EXPECT_EQ(days[1].range.end(), days[2].range.start());
  // The range's end is exclusive: 2026-03-10 starts exactly there and is not listed.
  EXPECT_EQ(days[2].range.end(), range.end());
}

TEST(BucketsCovering, WeeksMonthsAndQuartersOfAYearCrossingBothChanges) {
  const absl::TimeZone berlin = Zone("Europe/Berlin");
  ASSERT_OK_AND_ASSIGN(const TimeRange year, DaysRange(Date(2026, 1, 1), Date(2027, 1, 1), berlin));
  ASSERT_OK_AND_ASSIGN(const auto weeks, BucketsCovering(BucketKind::kIsoWeek, year, berlin));
  ASSERT_EQ(weeks.size(), 53u);
  EXPECT_EQ(weeks.front().label, "2026-W01");
  EXPECT_EQ(weeks.back().label, "2026-W53");
  EXPECT_EQ(weeks.back().end_day, Date(2027, 1, 4));  // Reaches beyond the range.
  ASSERT_OK_AND_ASSIGN(const auto months, BucketsCovering(BucketKind::kMonth, year, berlin));
  ASSERT_EQ(months.size(), 12u);
  EXPECT_EQ(months[2].range.Length(), absl::Hours(31 * 24 - 1));
  EXPECT_EQ(months[9].range.Length(), absl::Hours(31 * 24 + 1));
  ASSERT_OK_AND_ASSIGN(const auto quarters, BucketsCovering(BucketKind::kQuarter, year, berlin));
  EXPECT_THAT(Labels(quarters), ElementsAre("2026-Q1", "2026-Q2", "2026-Q3", "2026-Q4"));
  absl::Duration total;
  for (const Bucket& quarter : quarters) total += quarter.range.Length();
  EXPECT_EQ(total, year.Length());
}

TEST(BucketsCovering, EmptyRangeHasNoBucketsAndHugeRangesAreRefused) {
  const absl::TimeZone ny = Zone("America/New_York");
  ASSERT_OK_AND_ASSIGN(const TimeRange empty,
                       TimeRange::Create(Utc(2026, 1, 1, 0), Utc(2026, 1, 1, 0)));
  ASSERT_OK_AND_ASSIGN(const auto none, BucketsCovering(BucketKind::kDay, empty, ny));
  EXPECT_TRUE(none.empty());
  ASSERT_OK_AND_ASSIGN(const TimeRange decade, DaysRange(Date(2020, 1, 1), Date(2030, 1, 1), ny));
  EXPECT_THAT(BucketsCovering(BucketKind::kDay, decade, ny, 366, "query.range"),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       AllOf(StartsWith("query.range: "), HasSubstr("more than 366 day buckets"))));
  ASSERT_OK_AND_ASSIGN(const auto quarters, BucketsCovering(BucketKind::kQuarter, decade, ny, 40));
  EXPECT_EQ(quarters.size(), 40u);
  ASSERT_OK_AND_ASSIGN(const TimeRange forever,
                       TimeRange::Create(Utc(2026, 1, 1, 0), absl::InfiniteFuture()));
  EXPECT_THAT(BucketsCovering(BucketKind::kQuarter, forever, ny, 1000000),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("beyond 9999-12-31")));
}

// --- Labels.

TEST(ParseBucketLabel, ReadsEachLabelBackToItsBucket) {
  const absl::TimeZone ny = Zone("America/New_York");
  for (BucketKind kind :
       {BucketKind::kDay, BucketKind::kIsoWeek, BucketKind::kMonth, BucketKind::kQuarter}) {
    const Bucket bucket = BucketOrDie(kind, Local(ny, 2026, 11, 28, 12), ny);
    ASSERT_OK_AND_ASSIGN(const Bucket parsed, ParseBucketLabel(bucket.label, ny, "bucket"));
    EXPECT_EQ(parsed.kind, kind);
    EXPECT_EQ(parsed.label, bucket.label);
    EXPECT_EQ(parsed.range, bucket.range);
  }
  ASSERT_OK_AND_ASSIGN(const Bucket w53, ParseBucketLabel("2020-W53", ny, "bucket"));
  EXPECT_EQ(w53.first_day, Date(2020, 12, 28));
}

TEST(ParseBucketLabel, RejectsMalformedAndImpossibleLabelsNamingTheField) {
  const absl::TimeZone ny = Zone("America/New_York");
  for (const char* label : {"", "2026", "2026-W5", "2026-W054", "2026-Q0", "2026-Q5", "2026-13",
                            "2026-00", "2021-W53", "2026-02-30", "2026-w48", "26-11", "2026-11-"}) {
    EXPECT_THAT(ParseBucketLabel(label, ny, "kpi.bucket"),
                StatusIs(absl::StatusCode::kInvalidArgument, StartsWith("kpi.bucket")))
        << label;
  }
}

}  // namespace
}  // namespace salesteam::periods
