// Calendar days: the civil Date type every service uses for sprint start
// dates, training dates and day buckets, its interop with the
// salesteam.type.v1.Date proto and ISO 8601 text ("2026-11-28"), and the
// calendar facts the buckets are built from (leap years, ISO weeks, quarters).
//
// A Date is absl::CivilDay: a day without a time or zone of its own. Abseil
// silently normalises out-of-range fields (absl::CivilDay(2026, 2, 30) is
// 2026-03-02), so input from outside (protos, text) goes through the
// validating functions here, which refuse instead of normalising and name the
// offending field. Supported years are 0001-9999, as in google.type.Date.
#ifndef SALESTEAM_COMMON_TIME_DATE_H_
#define SALESTEAM_COMMON_TIME_DATE_H_

#include <cstdint>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/civil_time.h"

namespace salesteam::type::v1 {
class Date;
}  // namespace salesteam::type::v1

namespace salesteam::periods {

using Date = absl::CivilDay;

inline constexpr int64_t kMinYear = 1;
inline constexpr int64_t kMaxYear = 9999;

bool IsLeapYear(int64_t year);
// Days in `month` (1-12) of `year`: 28-31.
int DaysInMonth(int64_t year, int month);

// The date year-month-day; INVALID_ARGUMENT naming `field` when the year is
// outside 0001-9999, the month outside 1-12 or the day not in that month
// (2026-02-29 is refused, 2024-02-29 accepted).
absl::StatusOr<Date> MakeDate(int64_t year, int month, int day, absl::string_view field);

// OK when `date`'s year is within 0001-9999 (its month and day are always
// valid, being normalised). INVALID_ARGUMENT naming `field` otherwise.
absl::Status ValidateDateYear(Date date, absl::string_view field);

// The proto's date, validated. Errors name the component: FromProto(p,
// "sprint.start_date") -> `sprint.start_date.month: 13 is not a month
// (1-12)`; an all-zero (unset) proto is `sprint.start_date: is required`.
absl::StatusOr<Date> DateFromProto(const salesteam::type::v1::Date& proto, absl::string_view field);
// `date` as a proto. `date`'s year must be within 0001-9999 (every Date from
// this part's functions is).
salesteam::type::v1::Date DateToProto(Date date);
void DateToProto(Date date, salesteam::type::v1::Date* proto);

// Reads exactly "YYYY-MM-DD" (ISO 8601 calendar date, four-digit year):
// "2026-11-28". Anything else ("2026-1-5", "2026-11-28T00:00", "20261128",
// "2026-02-30") is INVALID_ARGUMENT naming `field`.
absl::StatusOr<Date> ParseIsoDate(absl::string_view text, absl::string_view field);
// "2026-11-28".
std::string FormatIsoDate(Date date);

// An ISO 8601 week: weeks start on Monday, and week 1 of a year is the week
// holding that year's first Thursday, so the days around New Year can belong
// to the neighbouring year's week (2021-01-03 is in 2020-W53; 2024-12-30 is
// in 2025-W01). `year` is that week-numbering year.
struct IsoWeek {
  int64_t year;
  int week;  // 1-52 or 1-53.

  friend bool operator==(const IsoWeek& a, const IsoWeek& b) {
    return a.year == b.year && a.week == b.week;
  }
};

// The ISO week `date` falls in.
IsoWeek IsoWeekOf(Date date);
// 52 or 53: the number of ISO weeks in week-numbering year `year`.
int IsoWeeksInYear(int64_t year);
// The Monday that starts `week`; INVALID_ARGUMENT naming `field` when the
// week number does not exist in that year or the year is out of range.
absl::StatusOr<Date> IsoWeekMonday(IsoWeek week, absl::string_view field);
// The Monday on or before `date`.
Date MondayOnOrBefore(Date date);
// "2026-W48": week-numbering year and two-digit week.
std::string FormatIsoWeek(IsoWeek week);

// 1-4: the calendar quarter of `date` (Jan-Mar is 1).
int QuarterOf(Date date);

}  // namespace salesteam::periods

#endif  // SALESTEAM_COMMON_TIME_DATE_H_
