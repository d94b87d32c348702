#include "services/activity/id_filter.h"

#include <cstdint>
#include <random>

#include "gtest/gtest.h"

namespace salesteam::activity {
namespace {

// The share of `count` ids from `next` that the filter cannot rule out.
template <typename Next>
double FalsePositiveShare(const IdFilter& filter, int64_t count, Next next) {
  int64_t positives = 0;
  for (int64_t i = 0; i < count; ++i) positives += filter.MayContain(next()) ? 1 : 0;
  return static_cast<double>(positives) / static_cast<double>(count);
}

TEST(IdFilterTest, EveryAddedIdIsReportedAsPossiblyRecordedEvenPastCapacity) {
  IdFilter filter(100000);
  std::mt19937_64 added(7);
  for (int i = 0; i < 300000; ++i) filter.Add(static_cast<int64_t>(added()));
  std::mt19937_64 again(7);
  int missed = 0;
  for (int i = 0; i < 300000; ++i)
    missed += filter.MayContain(static_cast<int64_t>(again())) ? 0 : 1;
  EXPECT_EQ(missed, 0);
  EXPECT_EQ(filter.size(), 300000);
}

TEST(IdFilterTest, AtCapacityAboutOneNewIdInAHundredNeedsALookup) {
  IdFilter filter(1000000);
  std::mt19937_64 added(1);
  for (int i = 0; i < 1000000; ++i) filter.Add(static_cast<int64_t>(added()));
  std::mt19937_64 others(2);
  const double share =
      FalsePositiveShare(filter, 1000000, [&] { return static_cast<int64_t>(others()); });
  EXPECT_LT(share, 0.02);
  EXPECT_GT(share, 0.0);  // a filter that rules everything out would lose repeats
}

TEST(IdFilterTest, SmallAndSequentialFingerprintsAreSpreadLikeRandomOnes) {
  IdFilter filter(200000);
  for (int64_t id = 0; id < 200000; ++id) filter.Add(id);
  for (int64_t id = 0; id < 200000; ++id) ASSERT_TRUE(filter.MayContain(id)) << id;
  int64_t next = 200000;
  EXPECT_LT(FalsePositiveShare(filter, 200000, [&] { return next++; }), 0.02);
  int64_t negative = -1;
  EXPECT_LT(FalsePositiveShare(filter, 200000, [&] { return negative--; }), 0.02);
}

TEST(IdFilterTest, AnEmptyFilterRulesOutEveryId) {
  const IdFilter filter(0);
  std::mt19937_64 ids(3);
  EXPECT_EQ(FalsePositiveShare(filter, 10000, [&] { return static_cast<int64_t>(ids()); }), 0.0);
  EXPECT_GE(filter.capacity(), 1024);  // the floor
  EXPECT_EQ(filter.memory_bytes() % 64, 0);
}

}  // namespace
}  // namespace salesteam::activity
