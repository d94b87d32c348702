#include "common/time/timestamp.h"

#include <google/protobuf/timestamp.pb.h>

#include <algorithm>
#include <cstdint>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"

namespace salesteam::periods {
namespace {

// google.protobuf.Timestamp's documented range: 0001-01-01T00:00:00Z ..
// 9999-12-31T23:59:59.999999999Z.
constexpr int64_t kMinSeconds = -62135596800;
constexpr int64_t kMaxSeconds = 253402300799;

}  // namespace

void TimeToProto(absl::Time time, google::protobuf::Timestamp* proto) {
  if (time == absl::InfinitePast() || time < absl::FromUnixSeconds(kMinSeconds)) {
    proto->set_seconds(kMinSeconds);
    proto->set_nanos(0);
    return;
  }
  if (time == absl::InfiniteFuture() || time > absl::FromUnixSeconds(kMaxSeconds)) {
    proto->set_seconds(kMaxSeconds);
    proto->set_nanos(999999999);
    return;
  }
  const int64_t seconds = absl::ToUnixSeconds(time);  // rounds towards negative infinity
  proto->set_seconds(seconds);
  proto->set_nanos(
      static_cast<int32_t>(absl::ToInt64Nanoseconds(time - absl::FromUnixSeconds(seconds))));
}

absl::StatusOr<absl::Time> TimeFromProto(const google::protobuf::Timestamp& proto,
                                         absl::string_view field) {
  if (proto.seconds() < kMinSeconds || proto.seconds() > kMaxSeconds) {
    return absl::InvalidArgumentError(
        absl::StrCat(field, ": seconds ", proto.seconds(), " is outside 0001-01-01..9999-12-31"));
  }
  if (proto.nanos() < 0 || proto.nanos() > 999999999) {
    return absl::InvalidArgumentError(
        absl::StrCat(field, ": nanos must be 0..999999999 (got ", proto.nanos(), ")"));
  }
  return absl::FromUnixSeconds(proto.seconds()) + absl::Nanoseconds(proto.nanos());
}

}  // namespace salesteam::periods
