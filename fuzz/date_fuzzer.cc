// Fuzzes the calendar-day parsers every service uses for dates from outside:
// periods::ParseIsoDate ("YYYY-MM-DD", page-token cursors and salesctl
// flags), periods::DateFromProto (every salesteam.type.v1.Date field) and
// MakeDate. A date accepted from text formats back to exactly that text; a
// date accepted from a proto converts back to the same proto; refusals are
// INVALID_ARGUMENT naming the field; the ISO-week helpers agree with the day.
#include <cstddef>
#include <cstdint>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/civil_time.h"
#include "common/time/date.h"
#include "fuzz/check.h"
#include "fuzzer/FuzzedDataProvider.h"
#include "salesteam/type/v1/date.pb.h"

namespace salesteam::periods {
namespace {

void CheckDate(Date date) {
  FUZZ_CHECK(ValidateDateYear(date, "date").ok());
  const IsoWeek week = IsoWeekOf(date);
  absl::StatusOr<Date> monday = IsoWeekMonday(week, "week");
  // The Monday of year 1's first ISO week lies in year 0, which is refused.
  if (monday.ok()) {
    FUZZ_CHECK(*monday == MondayOnOrBefore(date));
    FUZZ_CHECK(date - *monday >= 0 && date - *monday < 7);
  }
  FUZZ_CHECK(QuarterOf(date) >= 1 && QuarterOf(date) <= 4);
}

void FromText(const std::string& text) {
  absl::StatusOr<Date> date = ParseIsoDate(text, "date");
  if (!date.ok()) {
    FUZZ_CHECK(fuzz::IsInvalidArgumentNaming(date.status(), "date"));
    return;
  }
  FUZZ_CHECK(FormatIsoDate(*date) == text);
  CheckDate(*date);
}

void FromProto(int32_t year, int32_t month, int32_t day) {
  type::v1::Date proto;
  proto.set_year(year);
  proto.set_month(month);
  proto.set_day(day);
  absl::StatusOr<Date> date = DateFromProto(proto, "date");
  absl::StatusOr<Date> made = MakeDate(year, month, day, "date");
  if (!date.ok()) {
    FUZZ_CHECK(fuzz::IsInvalidArgumentNaming(date.status(), "date"));
    return;
  }
  FUZZ_CHECK(made.ok() && *made == *date);
  const type::v1::Date back = DateToProto(*date);
  FUZZ_CHECK(back.year() == year && back.month() == month && back.day() == day);
  absl::StatusOr<Date> reparsed = ParseIsoDate(FormatIsoDate(*date), "date");
  FUZZ_CHECK(reparsed.ok() && *reparsed == *date);
  CheckDate(*date);
}

}  // namespace
}  // namespace salesteam::periods

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  FuzzedDataProvider in(data, size);
  if (in.ConsumeBool()) {
    const int32_t year = in.ConsumeIntegral<int32_t>();
    const int32_t month = in.ConsumeIntegral<int32_t>();
    const int32_t day = in.ConsumeIntegral<int32_t>();
    salesteam::periods::FromProto(year, month, day);
  } else {
    salesteam::periods::FromText(in.ConsumeRemainingBytesAsString());
  }
  return 0;
}
