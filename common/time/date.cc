#include "common/time/date.h"
#include "common/status.h"

#include <string>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "salesteam/type/v1/date.pb.h"

namespace salesteam::periods {
namespace {

// What is wrong with a year-month-day triple, if anything.
struct DateProblem {
  // "year", "month" or "day"; empty when the date is valid.
  absl::string_view part;
  // Says why, starting with the offending value: "13 is not a month (1-12)".
  std::string reason;
};

DateProblem CheckDate(int64_t year, int64_t month, int64_t day) {
  if (year < kMinYear || year > kMaxYear) {
    return {"year", absl::StrCat(year, " is outside 0001-9999")};
  }
  if (month < 1 || month > 12) return {"month", absl::StrCat(month, " is not a month (1-12)")};
  const int days = DaysInMonth(year, static_cast<int>(month));
  if (day < 1 || day > days) {
    return {"day", absl::StrFormat("%d is not a day of %04d-%02d (1-%d)", day, year, month, days)};
  }
  return {};
}

bool AllDigits(absl::string_view text) {
  for (char c : text) {
    if (c < '0' || c > '9') return false;
  }
  return true;
}

int ToInt(absl::string_view digits) {
  int value = 0;
  for (char c : digits) value = value * 10 + (c - '0');
  return value;
}

}  // namespace

bool IsLeapYear(int64_t year) { return (year % 4 == 0 && year % 100 != 0) || year % 400 == 0; }

int DaysInMonth(int64_t year, int month) {
  static constexpr int kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  if (month == 2 && IsLeapYear(year)) return 29;
  return kDays[month - 1];
}

absl::StatusOr<Date> MakeDate(int64_t year, int month, int day, absl::string_view field) {
  const DateProblem problem = CheckDate(year, month, day);
  if (!problem.part.empty()) {
    return absl::InvalidArgumentError(absl::StrCat(field, ".", problem.part, ": ", problem.reason));
  }
  return Date(year, month, day);
}

absl::Status ValidateDateYear(Date date, absl::string_view field) {
  if (date.year() < kMinYear || date.year() > kMaxYear) {
    return absl::InvalidArgumentError(
        absl::StrCat(field, ": ", FormatIsoDate(date), " is outside years 0001-9999"));
  }
  return absl::OkStatus();
}

absl::StatusOr<Date> DateFromProto(const salesteam::type::v1::Date& proto,
                                   absl::string_view field) {
  if (proto.year() == 0 && proto.month() == 0 && proto.day() == 0) {
    return absl::InvalidArgumentError(absl::StrCat(field, ": is required"));
  }
  return MakeDate(proto.year(), proto.month(), proto.day(), field);
}

salesteam::type::v1::Date DateToProto(Date date) {
  salesteam::type::v1::Date proto;
  DateToProto(date, &proto);
  return proto;
}

void DateToProto(Date date, salesteam::type::v1::Date* proto) {
  proto->set_year(static_cast<int32_t>(date.year()));
  proto->set_month(date.month());
  proto->set_day(date.day());
}

absl::StatusOr<Date> ParseIsoDate(absl::string_view text, absl::string_view field) {
  if (text.size() != 10 || text[4] != '-' || text[7] != '-' || !AllDigits(text.substr(0, 4)) ||
      !AllDigits(text.substr(5, 2)) || !AllDigits(text.substr(8, 2))) {
    return absl::InvalidArgumentError(
        absl::StrCat(field, ": ", QuoteInput(text), " is not a date in the form YYYY-MM-DD"));
  }
  const int year = ToInt(text.substr(0, 4));
  const int month = ToInt(text.substr(5, 2));
  const int day = ToInt(text.substr(8, 2));
  const DateProblem problem = CheckDate(year, month, day);
  if (!problem.part.empty()) {
    return absl::InvalidArgumentError(absl::StrCat(
        field, ": ", QuoteInput(text), " is not a date: ", problem.part, " ", problem.reason));
  }
  return Date(year, month, day);
}

std::string FormatIsoDate(Date date) {
  return absl::StrFormat("%04d-%02d-%02d", date.year(), date.month(), date.day());
}

Date MondayOnOrBefore(Date date) { return absl::PrevWeekday(date + 1, absl::Weekday::monday); }

IsoWeek IsoWeekOf(Date date) {
  // The Thursday of the week decides which year the week belongs to.
  const Date thursday = MondayOnOrBefore(date) + 3;
  const int64_t year = thursday.year();
  return IsoWeek{year, static_cast<int>((thursday - Date(year, 1, 1)) / 7 + 1)};
}

int IsoWeeksInYear(int64_t year) {
  // 28 December is always in the year's last ISO week.
  return IsoWeekOf(Date(year, 12, 28)).week;
}

absl::StatusOr<Date> IsoWeekMonday(IsoWeek week, absl::string_view field) {
  if (week.year < kMinYear || week.year > kMaxYear) {
    return absl::InvalidArgumentError(
        absl::StrCat(field, ": week-year ", week.year, " is outside 0001-9999"));
  }
  const int weeks = IsoWeeksInYear(week.year);
  if (week.week < 1 || week.week > weeks) {
    return absl::InvalidArgumentError(absl::StrFormat("%s: week %d is not a week of %04d (1-%d)",
                                                      field, week.week, week.year, weeks));
  }
  // 4 January is always in week 1.
  return MondayOnOrBefore(Date(week.year, 1, 4)) + 7 * (week.week - 1);
}

std::string FormatIsoWeek(IsoWeek week) {
  return absl::StrFormat("%04d-W%02d", week.year, week.week);
}

int QuarterOf(Date date) { return (date.month() - 1) / 3 + 1; }

}  // namespace salesteam::periods
