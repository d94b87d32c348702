#include "common/server/stream_limiter.h"

#include "absl/status/status.h"
#include "common/testing/status_matchers.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace salesteam::server {
namespace {

using ::salesteam::testing::StatusIs;
using ::testing::AllOf;
using ::testing::HasSubstr;

TEST(StreamLimiterTest, AnIdentityBeyondItsLimitIsRefusedNamingTheLimitAndOthersAreNot) {
  StreamLimiter limiter(2);
  ASSERT_OK(limiter.Acquire("crm"));
  ASSERT_OK(limiter.Acquire("crm"));
  EXPECT_THAT(limiter.Acquire("crm"), StatusIs(absl::StatusCode::kResourceExhausted,
                                               AllOf(HasSubstr("\"crm\""), HasSubstr("limit is 2"),
                                                     HasSubstr("--max_streams_per_principal"))));
  EXPECT_EQ(limiter.Open("crm"), 2) << "a refusal counts nothing";
  EXPECT_OK(limiter.Acquire("dashboard"));
}

TEST(StreamLimiterTest, AnEndedStreamFreesItsPlace) {
  StreamLimiter limiter(1);
  ASSERT_OK(limiter.Acquire("crm"));
  EXPECT_FALSE(limiter.Acquire("crm").ok());
  limiter.Release("crm");
  EXPECT_EQ(limiter.Open("crm"), 0);
  EXPECT_OK(limiter.Acquire("crm"));
}

}  // namespace
}  // namespace salesteam::server
