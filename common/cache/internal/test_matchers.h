// IsOkAndHolds(m) for absl::StatusOr in the cache tests: Abseil 20220623 has
// none and common/testing/status_matchers.h offers IsOk/StatusIs only.
#ifndef SALESTEAM_COMMON_CACHE_INTERNAL_TEST_MATCHERS_H_
#define SALESTEAM_COMMON_CACHE_INTERNAL_TEST_MATCHERS_H_

#include "absl/status/statusor.h"
#include "gmock/gmock.h"

namespace salesteam::cache::internal {

MATCHER_P(IsOkAndHolds, value_matcher, "is OK and holds a matching value") {
  if (!arg.ok()) {
    *result_listener << "status is " << arg.status();
    return false;
  }
  return ::testing::ExplainMatchResult(value_matcher, *arg, result_listener);
}

}  // namespace salesteam::cache::internal

#endif  // SALESTEAM_COMMON_CACHE_INTERNAL_TEST_MATCHERS_H_
