// gMock matchers for absl::Status and absl::StatusOr, which Abseil 20220623
// does not ship: EXPECT_THAT(s, IsOk()), EXPECT_THAT(s, StatusIs(code)),
// EXPECT_THAT(s, StatusIs(code, HasSubstr("field"))), IsOkAndHolds(m) and
// ASSERT_OK_AND_ASSIGN.
#ifndef SALESTEAM_COMMON_TESTING_STATUS_MATCHERS_H_
#define SALESTEAM_COMMON_TESTING_STATUS_MATCHERS_H_

#include <ostream>
#include <string>
#include <utility>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace salesteam::testing {

inline const absl::Status& GetStatus(const absl::Status& status) { return status; }
template <typename T>
const absl::Status& GetStatus(const absl::StatusOr<T>& status_or) {
  return status_or.status();
}

MATCHER(IsOk, "is OK") {
  const absl::Status& status = GetStatus(arg);
  if (!status.ok()) *result_listener << "status is " << status;
  return status.ok();
}

MATCHER_P(StatusIs, code, "has code " + absl::StatusCodeToString(code)) {
  const absl::Status& status = GetStatus(arg);
  *result_listener << "status is " << status;
  return status.code() == code;
}

MATCHER_P2(StatusIs, code, message_matcher,
           "has code " + absl::StatusCodeToString(code) + " and a matching message") {
  const absl::Status& status = GetStatus(arg);
  *result_listener << "status is " << status;
  return status.code() == code &&
         ::testing::ExplainMatchResult(message_matcher, std::string(status.message()),
                                       result_listener);
}

// OK and holding a value that matches `value_matcher` (a matcher or a value).
MATCHER_P(IsOkAndHolds, value_matcher, "is OK and holds a matching value") {
  if (!arg.ok()) {
    *result_listener << "status is " << arg.status();
    return false;
  }
  return ::testing::ExplainMatchResult(value_matcher, *arg, result_listener);
}

}  // namespace salesteam::testing

#define SALESTEAM_TESTING_CONCAT_INNER_(a, b) a##b
#define SALESTEAM_TESTING_CONCAT_(a, b) SALESTEAM_TESTING_CONCAT_INNER_(a, b)

// ASSERT_OK_AND_ASSIGN(auto value, StatusOrExpr): fails the test on error.
#define ASSERT_OK_AND_ASSIGN(lhs, expr) \
  SALESTEAM_ASSERT_OK_AND_ASSIGN_IMPL_(SALESTEAM_TESTING_CONCAT_(_st_or_, __LINE__), lhs, expr)
#define SALESTEAM_ASSERT_OK_AND_ASSIGN_IMPL_(statusor, lhs, expr) \
  auto statusor = (expr);                                         \
  ASSERT_TRUE(statusor.ok()) << statusor.status();                \
  lhs = std::move(statusor).value()

#define EXPECT_OK(expr) EXPECT_THAT((expr), ::salesteam::testing::IsOk())
#define ASSERT_OK(expr) ASSERT_THAT((expr), ::salesteam::testing::IsOk())

#endif  // SALESTEAM_COMMON_TESTING_STATUS_MATCHERS_H_
