// Calendar buckets of a team's time zone: the day, ISO week (Monday start),
// month and quarter that KPIs, leaderboards, sprints and compensation periods
// are counted in (DESIGN.md section 3). Each bucket is a run of civil days
// [first_day, end_day) and the half-open absolute range those days cover in
// the zone, with a label for reports: "2026-11-28", "2026-W48", "2026-11",
// "2026-Q4".
//
// A day starts at the first instant whose local time is on that day:
// - normally local midnight, so days are 24 hours, except on DST changes:
//   New York's 2026-03-08 is 23 hours and 2026-11-01 is 25; a week holding a
//   change is 167 or 169 hours; Lord Howe shifts by half an hour;
// - where midnight is skipped (clocks jump 00:00 -> 01:00, as in
//   America/Santiago, America/Havana and historically Asia/Beirut, or jump
//   over it, as Toronto did from 23:30 to 00:30 in 1919), at the jump, the
//   first instant whose local time is on the new day;
// - where midnight happens twice (clocks fall back 01:00 -> 00:00, as in
//   America/Havana), at the first midnight, so the repeated hour belongs to
//   the new day once, not to two days. Where clocks fell back across
//   midnight (America/St_Johns until 2010: 00:00:59 -> 23:01 of the day
//   before), the instants whose local time reads the old day a second time
//   come after the new day began and belong to the new day, so an instant's
//   bucket is the one whose range holds it, not always the bucket of its
//   local calendar date;
// - where a whole day was skipped (Pacific/Apia skipped 2011-12-30), that
//   day's range is empty: it contains no instant and is never listed by
//   BucketsCovering.
// This is absl::FromCivil's order-preserving rule, which makes consecutive
// buckets tile the timeline with no gap and no overlap, and every instant is
// in exactly one bucket of each kind.
//
// Supported dates are years 0001-9999; anything outside is INVALID_ARGUMENT.
#ifndef SALESTEAM_COMMON_TIME_BUCKET_H_
#define SALESTEAM_COMMON_TIME_BUCKET_H_

#include <cstddef>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "common/time/date.h"
#include "common/time/time_range.h"

namespace salesteam::periods {

enum class BucketKind { kDay, kIsoWeek, kMonth, kQuarter };

// "day", "week", "month", "quarter".
absl::string_view BucketKindName(BucketKind kind);

struct Bucket {
  BucketKind kind;
  // The first civil day in the bucket (a Monday for a week, the 1st for a
  // month or quarter).
  Date first_day;
  // The first civil day after the bucket.
  Date end_day;
  // [start of first_day, start of end_day) in the zone.
  TimeRange range;
  // "2026-11-28", "2026-W48" (ISO week-numbering year), "2026-11", "2026-Q4".
  std::string label;
};

// Most buckets BucketsCovering lists unless told otherwise: 27 years of days.
inline constexpr size_t kDefaultMaxBuckets = 10000;

// The first instant of civil day `day` in `zone` (see above for skipped and
// repeated midnights).
absl::Time StartOfDay(Date day, const absl::TimeZone& zone);

// [start of `day`, start of the next day): 23, 24 or 25 hours around DST
// changes, 23.5 or 24.5 on Lord Howe, empty for a skipped day.
absl::StatusOr<TimeRange> DayRange(Date day, const absl::TimeZone& zone);

// [start of first_day, start of end_day): the civil days first_day up to but
// not including end_day, e.g. a two-week sprint is DaysRange(start, start +
// 14). end_day before first_day is INVALID_ARGUMENT naming `field`.
absl::StatusOr<TimeRange> DaysRange(Date first_day, Date end_day, const absl::TimeZone& zone,
                                    absl::string_view field = "days");

// The civil day whose DayRange contains `t` in `zone`.
absl::StatusOr<Date> DayOf(absl::Time t, const absl::TimeZone& zone);

// The bucket of `kind` that holds civil day `day` in `zone`.
absl::StatusOr<Bucket> BucketOfDay(BucketKind kind, Date day, const absl::TimeZone& zone);

// The bucket of `kind` whose range contains `t` in `zone`.
absl::StatusOr<Bucket> BucketContaining(BucketKind kind, absl::Time t, const absl::TimeZone& zone);

// Every bucket of `kind` that overlaps `range`, in order; the first and last
// may reach beyond it. Empty for an empty range. More than `max_buckets` is
// INVALID_ARGUMENT naming `field`, so that a request for ten years of days
// cannot make a server build an unbounded list.
absl::StatusOr<std::vector<Bucket>> BucketsCovering(BucketKind kind, const TimeRange& range,
                                                    const absl::TimeZone& zone,
                                                    size_t max_buckets = kDefaultMaxBuckets,
                                                    absl::string_view field = "range");

// The bucket a label names, in `zone`: "2026-11-28" (day), "2026-W48" (ISO
// week), "2026-11" (month), "2026-Q4" (quarter). Anything else, including a
// week 53 in a year with 52, is INVALID_ARGUMENT naming `field`.
absl::StatusOr<Bucket> ParseBucketLabel(absl::string_view label, const absl::TimeZone& zone,
                                        absl::string_view field);

}  // namespace salesteam::periods

#endif  // SALESTEAM_COMMON_TIME_BUCKET_H_
