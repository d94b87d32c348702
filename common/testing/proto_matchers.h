// gMock matchers for protobuf messages.
//
//   EXPECT_THAT(stored, EqualsProto(expected));
//
// On a mismatch the failure names each differing field (MessageDifferencer).
#ifndef SALESTEAM_COMMON_TESTING_PROTO_MATCHERS_H_
#define SALESTEAM_COMMON_TESTING_PROTO_MATCHERS_H_

#include <string>

#include "gmock/gmock.h"
#include "google/protobuf/util/message_differencer.h"

namespace salesteam::testing {

MATCHER_P(EqualsProto, expected, "equals " + expected.ShortDebugString()) {
  std::string diff;
  google::protobuf::util::MessageDifferencer differencer;
  differencer.ReportDifferencesToString(&diff);
  if (differencer.Compare(expected, arg)) return true;
  *result_listener << "differs: " << diff;
  return false;
}

}  // namespace salesteam::testing

#endif  // SALESTEAM_COMMON_TESTING_PROTO_MATCHERS_H_
