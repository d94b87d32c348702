#include "common/time/bucket.h"

#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "common/status.h"

namespace salesteam::periods {
namespace {

// The civil days [first, end) of the bucket of `kind` holding `day`.
struct DaySpan {
  Date first;
  Date end;
};

DaySpan SpanOf(BucketKind kind, Date day) {
  switch (kind) {
    case BucketKind::kDay:
      return {day, day + 1};
    case BucketKind::kIsoWeek: {
      const Date monday = MondayOnOrBefore(day);
      return {monday, monday + 7};
    }
    case BucketKind::kMonth: {
      const absl::CivilMonth month(day);
      return {Date(month), Date(month + 1)};
    }
    case BucketKind::kQuarter: {
      const absl::CivilMonth first_month(day.year(), (QuarterOf(day) - 1) * 3 + 1);
      return {Date(first_month), Date(first_month + 3)};
    }
  }
  return {day, day + 1};  // Unreachable: every kind is handled above.
}

std::string LabelOf(BucketKind kind, Date first_day) {
  switch (kind) {
    case BucketKind::kDay:
      return FormatIsoDate(first_day);
    case BucketKind::kIsoWeek:
      return FormatIsoWeek(IsoWeekOf(first_day));
    case BucketKind::kMonth:
      return absl::StrFormat("%04d-%02d", first_day.year(), first_day.month());
    case BucketKind::kQuarter:
      return absl::StrFormat("%04d-Q%d", first_day.year(), QuarterOf(first_day));
  }
  return FormatIsoDate(first_day);
}

bool AllDigits(absl::string_view text) {
  for (char c : text) {
    if (c < '0' || c > '9') return false;
  }
  return !text.empty();
}

int ToInt(absl::string_view digits) {
  int value = 0;
  for (char c : digits) value = value * 10 + (c - '0');
  return value;
}

}  // namespace

absl::string_view BucketKindName(BucketKind kind) {
  switch (kind) {
    case BucketKind::kDay:
      return "day";
    case BucketKind::kIsoWeek:
      return "week";
    case BucketKind::kMonth:
      return "month";
    case BucketKind::kQuarter:
      return "quarter";
  }
  return "unknown";
}

absl::Time StartOfDay(Date day, const absl::TimeZone& zone) {
  // Unique midnight: that instant. Repeated: the first one (pre-transition
  // offset). Skipped: the transition, the first instant on the new day.
  return absl::FromCivil(absl::CivilSecond(day), zone);
}

absl::StatusOr<TimeRange> DayRange(Date day, const absl::TimeZone& zone) {
  return DaysRange(day, day + 1, zone, "day");
}

absl::StatusOr<TimeRange> DaysRange(Date first_day, Date end_day, const absl::TimeZone& zone,
                                    absl::string_view field) {
  RETURN_IF_ERROR(ValidateDateYear(first_day, field));
  if (end_day < first_day) {
    return absl::InvalidArgumentError(absl::StrCat(field, ": end day ", FormatIsoDate(end_day),
                                                   " is before first day ",
                                                   FormatIsoDate(first_day)));
  }
  // The last week of 9999 ends in January 10000; nothing may end later.
  if (end_day.year() > kMaxYear + 1) {
    return absl::InvalidArgumentError(
        absl::StrCat(field, ": end day ", FormatIsoDate(end_day), " is after year 10000 began"));
  }
  // FromCivil preserves order, so the start never comes after the end.
  return TimeRange::Create(StartOfDay(first_day, zone), StartOfDay(end_day, zone), field);
}

absl::StatusOr<Date> DayOf(absl::Time t, const absl::TimeZone& zone) {
  ASSIGN_OR_RETURN(const Bucket day, BucketContaining(BucketKind::kDay, t, zone));
  return day.first_day;
}

absl::StatusOr<Bucket> BucketOfDay(BucketKind kind, Date day, const absl::TimeZone& zone) {
  RETURN_IF_ERROR(ValidateDateYear(day, "day"));
  const DaySpan span = SpanOf(kind, day);
  ASSIGN_OR_RETURN(TimeRange range, DaysRange(span.first, span.end, zone, "day"));
  return Bucket{kind, span.first, span.end, range, LabelOf(kind, span.first)};
}

absl::StatusOr<Bucket> BucketContaining(BucketKind kind, absl::Time t, const absl::TimeZone& zone) {
  const Date local_day = absl::ToCivilDay(t, zone);
  if (local_day.year() < kMinYear || local_day.year() > kMaxYear) {
    return absl::InvalidArgumentError(
        absl::StrCat("time: ", absl::FormatTime(absl::RFC3339_full, t, absl::UTCTimeZone()),
                     " is outside years 0001-9999"));
  }
  ASSIGN_OR_RETURN(Bucket bucket, BucketOfDay(kind, local_day, zone));
  // Where clocks fall back across midnight, the repeated local minutes of the
  // old day come after the new day has started; the bucket is the one whose
  // range holds `t`, which is a neighbour of the local day's bucket.
  while (t >= bucket.range.end()) {
    ASSIGN_OR_RETURN(bucket, BucketOfDay(kind, bucket.end_day, zone));
  }
  while (t < bucket.range.start()) {
    ASSIGN_OR_RETURN(bucket, BucketOfDay(kind, bucket.first_day - 1, zone));
  }
  return bucket;
}

absl::StatusOr<std::vector<Bucket>> BucketsCovering(BucketKind kind, const TimeRange& range,
                                                    const absl::TimeZone& zone, size_t max_buckets,
                                                    absl::string_view field) {
  std::vector<Bucket> buckets;
  if (range.Empty()) return buckets;
  ASSIGN_OR_RETURN(Bucket bucket, BucketContaining(kind, range.start(), zone));
  while (true) {
    if (bucket.range.Overlaps(range)) {
      if (buckets.size() == max_buckets) {
        return absl::InvalidArgumentError(absl::StrCat(field, ": ", FormatTimeRange(range),
                                                       " covers more than ", max_buckets, " ",
                                                       BucketKindName(kind), " buckets"));
      }
      buckets.push_back(bucket);
    }
    if (bucket.range.end() >= range.end()) break;
    if (bucket.end_day.year() > kMaxYear) {
      return absl::InvalidArgumentError(
          absl::StrCat(field, ": ", FormatTimeRange(range), " reaches beyond 9999-12-31"));
    }
    ASSIGN_OR_RETURN(bucket, BucketOfDay(kind, bucket.end_day, zone));
  }
  return buckets;
}

absl::StatusOr<Bucket> ParseBucketLabel(absl::string_view label, const absl::TimeZone& zone,
                                        absl::string_view field) {
  auto malformed = [&]() {
    return absl::InvalidArgumentError(absl::StrCat(
        field, ": ", QuoteInput(label),
        " is not a bucket label (\"2026-11-28\", \"2026-W48\", \"2026-11\" or \"2026-Q4\")"));
  };
  if (label.size() < 7 || !AllDigits(label.substr(0, 4)) || label[4] != '-') return malformed();
  const int year = ToInt(label.substr(0, 4));
  const absl::string_view rest = label.substr(5);
  if (rest.size() == 5) {  // MM-DD
    ASSIGN_OR_RETURN(const Date day, ParseIsoDate(label, field));
    return BucketOfDay(BucketKind::kDay, day, zone);
  }
  if (rest.size() == 3 && rest[0] == 'W' && AllDigits(rest.substr(1))) {
    ASSIGN_OR_RETURN(const Date monday, IsoWeekMonday(IsoWeek{year, ToInt(rest.substr(1))}, field));
    return BucketOfDay(BucketKind::kIsoWeek, monday, zone);
  }
  if (rest.size() == 2 && rest[0] == 'Q' && rest[1] >= '1' && rest[1] <= '4') {
    ASSIGN_OR_RETURN(const Date first, MakeDate(year, (rest[1] - '1') * 3 + 1, 1, field));
    return BucketOfDay(BucketKind::kQuarter, first, zone);
  }
  if (rest.size() == 2 && AllDigits(rest)) {
    const int month = ToInt(rest);
    if (month < 1 || month > 12) {
      return absl::InvalidArgumentError(
          absl::StrCat(field, ": ", QuoteInput(label), " is not a month (01-12)"));
    }
    ASSIGN_OR_RETURN(const Date first, MakeDate(year, month, 1, field));
    return BucketOfDay(BucketKind::kMonth, first, zone);
  }
  return malformed();
}

}  // namespace salesteam::periods
