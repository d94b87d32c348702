#include "common/status.h"

#include "common/testing/status_matchers.h"
#include "gmock/gmock.h"
#include "grpcpp/support/status.h"
#include "gtest/gtest.h"

namespace salesteam {
namespace {

using ::salesteam::testing::StatusIs;
using ::testing::HasSubstr;

TEST(StatusConversion, EveryCanonicalCodeSurvivesTheRoundTripWithItsMessage) {
  for (int code = 1; code <= 16; ++code) {
    const absl::Status inside(static_cast<absl::StatusCode>(code), "member_id: not found");
    const grpc::Status edge = ToGrpcStatus(inside);
    EXPECT_EQ(static_cast<int>(edge.error_code()), code);
    EXPECT_EQ(edge.error_message(), "member_id: not found");
    EXPECT_EQ(FromGrpcStatus(edge), inside);
  }
}

TEST(StatusConversion, OkMapsToOkBothWays) {
  EXPECT_TRUE(ToGrpcStatus(absl::OkStatus()).ok());
  EXPECT_TRUE(FromGrpcStatus(grpc::Status::OK).ok());
}

TEST(StatusConversion, ValidationErrorReachesTheClientAsInvalidArgumentNamingTheField) {
  const grpc::Status edge = ToGrpcStatus(absl::InvalidArgumentError("team.time_zone: unknown"));
  EXPECT_EQ(edge.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(edge.error_message(), "team.time_zone: unknown");
}

TEST(StatusConversion, NonCanonicalCodeBecomesUnknown) {
  const absl::Status odd(static_cast<absl::StatusCode>(42), "odd");
  EXPECT_EQ(ToGrpcStatus(odd).error_code(), grpc::StatusCode::UNKNOWN);
  // 20, not larger: grpc::StatusCode holds only -32..31 (its enumerators run
  // from -1 to 16), and casting a value outside that is undefined (UBSan).
  EXPECT_THAT(FromGrpcStatus(grpc::Status(static_cast<grpc::StatusCode>(20), "odd")),
              StatusIs(absl::StatusCode::kUnknown));
}

TEST(DownstreamStatus, OurOwnBadRequestOrCredentialsBecomeInternalNotTheCallersFault) {
  for (grpc::StatusCode code :
       {grpc::StatusCode::UNAUTHENTICATED, grpc::StatusCode::PERMISSION_DENIED,
        grpc::StatusCode::INVALID_ARGUMENT, grpc::StatusCode::UNIMPLEMENTED}) {
    EXPECT_THAT(
        FromDownstreamStatus(grpc::Status(code, "token expired"), "roster.GetMember"),
        StatusIs(absl::StatusCode::kInternal, HasSubstr("roster.GetMember: token expired")));
  }
}

TEST(DownstreamStatus, RetryableAndLookupFaultsKeepTheirCode) {
  EXPECT_THAT(FromDownstreamStatus(grpc::Status(grpc::StatusCode::UNAVAILABLE, "down"), "roster.X"),
              StatusIs(absl::StatusCode::kUnavailable, HasSubstr("roster.X")));
  EXPECT_THAT(
      FromDownstreamStatus(grpc::Status(grpc::StatusCode::DEADLINE_EXCEEDED, "slow"), "roster.X"),
      StatusIs(absl::StatusCode::kDeadlineExceeded));
  EXPECT_THAT(FromDownstreamStatus(grpc::Status(grpc::StatusCode::NOT_FOUND, "m-1"), "roster.X"),
              StatusIs(absl::StatusCode::kNotFound));
  EXPECT_TRUE(FromDownstreamStatus(grpc::Status::OK, "roster.X").ok());
}

absl::StatusOr<int> Half(int n) {
  if (n % 2 != 0) return absl::InvalidArgumentError("n: odd");
  return n / 2;
}

absl::StatusOr<int> Quarter(int n) {
  ASSIGN_OR_RETURN(int half, Half(n));
  ASSIGN_OR_RETURN(auto quarter, Half(half));
  return quarter;
}

absl::Status CheckEven(int n) {
  RETURN_IF_ERROR(Half(n).status());
  return absl::OkStatus();
}

TEST(StatusMacros, AssignOrReturnPassesValuesAndStopsAtTheFirstError) {
  EXPECT_EQ(*Quarter(8), 2);
  EXPECT_THAT(Quarter(6), StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("n: odd")));
}

TEST(StatusMacros, ReturnIfErrorReturnsTheError) {
  EXPECT_TRUE(CheckEven(4).ok());
  EXPECT_THAT(CheckEven(3), StatusIs(absl::StatusCode::kInvalidArgument));
}

TEST(QuoteInput, EscapesControlBytesSoTheyCannotForgeLogLines) {
  EXPECT_EQ(QuoteInput("a\nb\"c"), "\"a\\nb\\\"c\"");
}

TEST(QuoteInput, CutsLongInputSoErrorsStaySmall) {
  const std::string quoted = QuoteInput(std::string(10000, 'x'));
  EXPECT_EQ(quoted, "\"" + std::string(64, 'x') + "...\"");
}

}  // namespace
}  // namespace salesteam
