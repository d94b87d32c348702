// absl::Time <-> google.protobuf.Timestamp, the wire form of every instant
// (DESIGN.md section 3), in one place.
#ifndef SALESTEAM_COMMON_TIME_TIMESTAMP_H_
#define SALESTEAM_COMMON_TIME_TIMESTAMP_H_

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"

namespace google::protobuf {
class Timestamp;
}  // namespace google::protobuf

namespace salesteam::periods {

// Truncates to whole nanoseconds; infinite times become the Timestamp range's ends.
void TimeToProto(absl::Time time, google::protobuf::Timestamp* proto);

// INVALID_ARGUMENT naming `field` when the Timestamp is outside its valid range
// (0001-01-01 .. 9999-12-31) or its nanos are not 0..999,999,999.
absl::StatusOr<absl::Time> TimeFromProto(const google::protobuf::Timestamp& proto,
                                         absl::string_view field);

}  // namespace salesteam::periods

#endif  // SALESTEAM_COMMON_TIME_TIMESTAMP_H_
