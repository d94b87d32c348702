#include "common/time/time_range.h"

#include <algorithm>
#include <string>

#include "absl/strings/str_cat.h"

namespace salesteam::periods {
namespace {

std::string FormatInstant(absl::Time t) {
  return absl::FormatTime(absl::RFC3339_full, t, absl::UTCTimeZone());
}

}  // namespace

absl::StatusOr<TimeRange> TimeRange::Create(absl::Time start, absl::Time end,
                                            absl::string_view field) {
  if (end < start) {
    return absl::InvalidArgumentError(absl::StrCat(field, ": end ", FormatInstant(end),
                                                   " is before start ", FormatInstant(start)));
  }
  return TimeRange(start, end);
}

TimeRange TimeRange::Intersection(const TimeRange& other) const {
  const absl::Time start = std::max(start_, other.start_);
  const absl::Time end = std::max(start, std::min(end_, other.end_));
  return TimeRange(start, end);
}

std::string FormatTimeRange(const TimeRange& range) {
  return absl::StrCat("[", FormatInstant(range.start()), ", ", FormatInstant(range.end()), ")");
}

std::ostream& operator<<(std::ostream& os, const TimeRange& range) {
  return os << FormatTimeRange(range);
}

}  // namespace salesteam::periods
