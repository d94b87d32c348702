// A half-open span of absolute time, [start, end): the shape of every period
// in Salesteam (a KPI bucket, a sprint, a compensation period, a query's
// range). Half-open so that consecutive periods tile the timeline with no
// instant in two of them and none in neither: an activity at exactly the
// instant a week ends belongs to the next week.
#ifndef SALESTEAM_COMMON_TIME_TIME_RANGE_H_
#define SALESTEAM_COMMON_TIME_TIME_RANGE_H_

#include <ostream>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"

namespace salesteam::periods {

class TimeRange {
 public:
  // The empty range at the Unix epoch.
  TimeRange() = default;

  // [start, end); INVALID_ARGUMENT naming `field` when end is before start
  // (start == end is the valid, empty range). Infinite instants are allowed,
  // e.g. [start, absl::InfiniteFuture()) for "from start on".
  static absl::StatusOr<TimeRange> Create(absl::Time start, absl::Time end,
                                          absl::string_view field = "range");

  absl::Time start() const { return start_; }
  absl::Time end() const { return end_; }
  // end - start; zero for an empty range, infinite for an unbounded one.
  absl::Duration Length() const { return end_ - start_; }

  // True when the range holds no instant at all.
  bool Empty() const { return start_ == end_; }
  // start <= t < end: `end` itself is not contained.
  bool Contains(absl::Time t) const { return start_ <= t && t < end_; }
  // Every instant of `other` is in this range (trivially so when `other` is
  // empty and lies within [start, end]).
  bool Contains(const TimeRange& other) const {
    return start_ <= other.start_ && other.end_ <= end_;
  }
  // Some instant is in both. Ranges that only touch ([a, b) and [b, c)) do
  // not overlap, and an empty range overlaps nothing.
  bool Overlaps(const TimeRange& other) const {
    return start_ < other.end_ && other.start_ < end_ && !Empty() && !other.Empty();
  }
  // The instants in both; an empty range when they do not overlap.
  TimeRange Intersection(const TimeRange& other) const;

  friend bool operator==(const TimeRange& a, const TimeRange& b) {
    return a.start_ == b.start_ && a.end_ == b.end_;
  }

 private:
  TimeRange(absl::Time start, absl::Time end) : start_(start), end_(end) {}

  absl::Time start_ = absl::UnixEpoch();
  absl::Time end_ = absl::UnixEpoch();
};

// "[2026-03-08T05:00:00+00:00, 2026-03-09T04:00:00+00:00)" in UTC.
std::string FormatTimeRange(const TimeRange& range);
std::ostream& operator<<(std::ostream& os, const TimeRange& range);

}  // namespace salesteam::periods

#endif  // SALESTEAM_COMMON_TIME_TIME_RANGE_H_
