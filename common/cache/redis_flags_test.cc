#include "common/cache/redis_flags.h"

#include <cstdlib>

#include "absl/flags/reflection.h"
#include "common/config.h"
#include "common/testing/status_matchers.h"
#include "gtest/gtest.h"

namespace salesteam::cache {
namespace {

TEST(RedisFlagsTest, DefaultsReachTheLocalRedis) {
  const RedisCacheOptions options = RedisCacheOptionsFromFlags();
  EXPECT_EQ(options.address, "127.0.0.1:6379");
  EXPECT_EQ(options.db, 0);
  EXPECT_EQ(options.command_timeout, absl::Milliseconds(250));
}

TEST(RedisFlagsTest, EnvironmentOverridesTheAddressAndTimeouts) {
  absl::FlagSaver restore_flags_afterwards;
  ::setenv("SALESTEAM_REDIS_ADDRESS", "redis.cache.svc:6380", 1);
  ::setenv("SALESTEAM_REDIS_COMMAND_TIMEOUT", "75ms", 1);
  ASSERT_OK(ApplyEnvOverrides());
  ::unsetenv("SALESTEAM_REDIS_ADDRESS");
  ::unsetenv("SALESTEAM_REDIS_COMMAND_TIMEOUT");
  const RedisCacheOptions options = RedisCacheOptionsFromFlags();
  EXPECT_EQ(options.address, "redis.cache.svc:6380");
  EXPECT_EQ(options.command_timeout, absl::Milliseconds(75));
  EXPECT_OK(RedisCache::Create(options).status());
}

}  // namespace
}  // namespace salesteam::cache
