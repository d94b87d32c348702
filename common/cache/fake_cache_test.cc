// What FakeCache adds beyond the Redis behaviour asserted in
// cache_contract_test.cc: the outage switch and expiry on an injected clock.
#include "common/cache/fake_cache.h"

#include "absl/time/time.h"
#include "common/testing/status_matchers.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace salesteam::cache {
namespace {

using ::salesteam::testing::IsOk;
using ::salesteam::testing::IsOkAndHolds;
using ::salesteam::testing::StatusIs;
using ::testing::Optional;

TEST(FakeCacheTest, UnavailableFailsEveryCallAndKeepsTheData) {
  FakeCache cache;
  ASSERT_THAT(cache.Set("k", "v", {}, {}), IsOk());
  cache.SetAvailable(false);
  EXPECT_THAT(cache.Get("k", {}), StatusIs(absl::StatusCode::kUnavailable));
  EXPECT_THAT(cache.Set("k", "other", {}, {}), StatusIs(absl::StatusCode::kUnavailable));
  EXPECT_THAT(cache.Pipeline({{"GET", "k"}}, {}), StatusIs(absl::StatusCode::kUnavailable));
  cache.SetAvailable(true);
  EXPECT_THAT(cache.Get("k", {}), IsOkAndHolds(Optional(std::string("v"))));
  EXPECT_EQ(cache.calls(), 5);
  EXPECT_EQ(cache.commands_executed(), 2);
}

TEST(FakeCacheTest, ClearDropsEverything) {
  FakeCache cache;
  ASSERT_THAT(cache.Set("k", "v", {}, {}), IsOk());
  cache.Clear();
  EXPECT_THAT(cache.Get("k", {}), IsOkAndHolds(std::optional<std::string>()));
}

TEST(FakeCacheTest, KeysExpireOnTheInjectedClock) {
  absl::Time now = absl::FromUnixSeconds(1'700'000'000);
  FakeCache cache([&now] { return now; });
  ASSERT_THAT(cache.Set("k", "v", SetOptions{.ttl = absl::Seconds(10)}, {}), IsOk());
  ASSERT_THAT(cache.IncrBy("n", 1, {}), IsOk());
  ASSERT_THAT(cache.Expire("n", absl::Seconds(20), {}), IsOkAndHolds(true));

  now += absl::Seconds(9);
  EXPECT_THAT(cache.Get("k", {}), IsOkAndHolds(Optional(std::string("v"))));
  EXPECT_THAT(cache.Ttl("k", {}), IsOkAndHolds(Optional(absl::Seconds(1))));
  // INCRBY keeps the TTL, as in Redis.
  ASSERT_THAT(cache.IncrBy("n", 1, {}), IsOkAndHolds(2));

  now += absl::Seconds(1);
  EXPECT_THAT(cache.Get("k", {}), IsOkAndHolds(std::optional<std::string>()));
  EXPECT_THAT(cache.Get("n", {}), IsOkAndHolds(Optional(std::string("2"))));
  now += absl::Seconds(10);
  EXPECT_THAT(cache.Get("n", {}), IsOkAndHolds(std::optional<std::string>()));
}

TEST(FakeCacheTest, ExpiredKeyIsReplacedBySetOnlyIfAbsent) {
  absl::Time now = absl::FromUnixSeconds(1'700'000'000);
  FakeCache cache([&now] { return now; });
  ASSERT_THAT(cache.Set("lock", "a", SetOptions{.ttl = absl::Seconds(1)}, {}), IsOk());
  EXPECT_THAT(cache.Set("lock", "b", SetOptions{.only_if_absent = true}, {}), IsOkAndHolds(false));
  now += absl::Seconds(2);
  EXPECT_THAT(cache.Set("lock", "b", SetOptions{.only_if_absent = true}, {}), IsOkAndHolds(true));
}

}  // namespace
}  // namespace salesteam::cache
