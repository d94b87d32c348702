#include "common/time/timestamp.h"

#include <google/protobuf/timestamp.pb.h>

#include "common/testing/status_matchers.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace salesteam::periods {
namespace {

using ::salesteam::testing::IsOkAndHolds;
using ::salesteam::testing::StatusIs;
using ::testing::HasSubstr;

TEST(TimestampTest, RoundTripsInstantsBeforeAndAfterTheEpochToTheNanosecond) {
  for (absl::Time t : {absl::FromUnixNanos(1'700'000'000'123'456'789),
                       absl::FromUnixNanos(-1'500'000'001), absl::UnixEpoch()}) {
    google::protobuf::Timestamp proto;
    TimeToProto(t, &proto);
    EXPECT_GE(proto.nanos(), 0);
    EXPECT_THAT(TimeFromProto(proto, "t"), IsOkAndHolds(t));
  }
}

TEST(TimestampTest, InfiniteTimesBecomeTheEndsOfTheRange) {
  google::protobuf::Timestamp proto;
  TimeToProto(absl::InfiniteFuture(), &proto);
  EXPECT_EQ(proto.seconds(), 253402300799);
  TimeToProto(absl::InfinitePast(), &proto);
  EXPECT_EQ(proto.seconds(), -62135596800);
}

TEST(TimestampTest, RefusesOutOfRangeValuesNamingTheField) {
  google::protobuf::Timestamp proto;
  proto.set_seconds(253402300800);
  EXPECT_THAT(TimeFromProto(proto, "session.create_time"),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("session.create_time")));
  proto.set_seconds(0);
  proto.set_nanos(-1);
  EXPECT_THAT(TimeFromProto(proto, "t"), StatusIs(absl::StatusCode::kInvalidArgument));
}

}  // namespace
}  // namespace salesteam::periods
