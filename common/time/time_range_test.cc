#include "common/time/time_range.h"

#include <sstream>

#include "absl/time/time.h"
#include "common/testing/status_matchers.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace salesteam::periods {
namespace {

using ::salesteam::testing::StatusIs;
using ::testing::HasSubstr;
using ::testing::StartsWith;

absl::Time T(int64_t seconds) { return absl::FromUnixSeconds(seconds); }

TimeRange R(int64_t start, int64_t end) {
  absl::StatusOr<TimeRange> range = TimeRange::Create(T(start), T(end));
  EXPECT_TRUE(range.ok()) << range.status();
  return *range;
}

TEST(TimeRange, ReversedRangeIsInvalidArgumentNamingTheField) {
  EXPECT_THAT(TimeRange::Create(T(10), T(9), "query.range"),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       StartsWith("query.range: end 1970-01-01T00:00:09+00:00 is before start")));
}

TEST(TimeRange, EqualEndsMakeTheEmptyRange) {
  const TimeRange empty = R(10, 10);
  EXPECT_TRUE(empty.Empty());
  EXPECT_FALSE(empty.Contains(T(10)));
  EXPECT_EQ(empty.Length(), absl::ZeroDuration());
  EXPECT_TRUE(TimeRange().Empty());
}

TEST(TimeRange, ContainsItsStartButNotItsEnd) {
  const TimeRange range = R(100, 200);
  EXPECT_FALSE(range.Contains(T(99)));
  EXPECT_TRUE(range.Contains(T(100)));
  EXPECT_TRUE(range.Contains(T(200) - absl::Nanoseconds(1)));
  EXPECT_FALSE(range.Contains(T(200)));
  EXPECT_EQ(range.Length(), absl::Seconds(100));
}

TEST(TimeRange, TouchingRangesDoNotOverlapAndEmptyRangesOverlapNothing) {
  EXPECT_FALSE(R(0, 10).Overlaps(R(10, 20)));
  EXPECT_FALSE(R(10, 20).Overlaps(R(0, 10)));
  EXPECT_TRUE(R(0, 11).Overlaps(R(10, 20)));
  EXPECT_TRUE(R(0, 100).Overlaps(R(10, 20)));
  EXPECT_TRUE(R(10, 20).Overlaps(R(0, 100)));
  EXPECT_FALSE(R(0, 100).Overlaps(R(50, 50)));
  EXPECT_FALSE(R(50, 50).Overlaps(R(50, 50)));
}

TEST(TimeRange, ContainsRangesWithinIt) {
  EXPECT_TRUE(R(0, 100).Contains(R(0, 100)));
  EXPECT_TRUE(R(0, 100).Contains(R(10, 20)));
  EXPECT_FALSE(R(0, 100).Contains(R(90, 101)));
  EXPECT_TRUE(R(0, 100).Contains(R(100, 100)));
  EXPECT_FALSE(R(0, 100).Contains(R(101, 101)));
}

TEST(TimeRange, IntersectionIsTheCommonPartOrEmpty) {
  EXPECT_EQ(R(0, 100).Intersection(R(50, 150)), R(50, 100));
  EXPECT_EQ(R(50, 150).Intersection(R(0, 100)), R(50, 100));
  EXPECT_TRUE(R(0, 10).Intersection(R(20, 30)).Empty());
  EXPECT_TRUE(R(0, 10).Intersection(R(10, 30)).Empty());
}

TEST(TimeRange, UnboundedRangesWork) {
  ASSERT_OK_AND_ASSIGN(const TimeRange from_now_on,
                       TimeRange::Create(T(100), absl::InfiniteFuture()));
  EXPECT_TRUE(from_now_on.Contains(T(1) + absl::Hours(1000000)));
  EXPECT_EQ(from_now_on.Length(), absl::InfiniteDuration());
  EXPECT_EQ(from_now_on.Intersection(R(0, 200)), R(100, 200));
}

TEST(TimeRange, PrintsAsHalfOpenUtcInterval) {
  std::ostringstream out;
  out << R(0, 86400);
  EXPECT_EQ(out.str(), "[1970-01-01T00:00:00+00:00, 1970-01-02T00:00:00+00:00)");
}

}  // namespace
}  // namespace salesteam::periods
