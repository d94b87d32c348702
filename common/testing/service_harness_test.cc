#include "common/testing/service_harness.h"

#include <memory>

#include "common/cache/fake_cache.h"
#include "common/server/testing/echo_service.h"
#include "common/testing/status_matchers.h"
#include "gmock/gmock.h"
#include "grpcpp/grpcpp.h"
#include "gtest/gtest.h"
#include "salesteam/testing/v1/echo.grpc.pb.h"

namespace salesteam::testing {
namespace {

using ::salesteam::testing::v1::EchoRequest;
using ::salesteam::testing::v1::EchoResponse;
using ::salesteam::testing::v1::EchoService;
using ::testing::HasSubstr;

grpc::Status Echo(ServiceHarness& harness, const std::string& token, EchoResponse* response) {
  auto stub = EchoService::NewStub(harness.channel());
  grpc::ClientContext context;
  if (!token.empty()) auth::AttachBearerToken(context, token);
  EchoRequest request;
  request.set_message("hi");
  return stub->Echo(&context, request, response);
}

TEST(ServiceHarnessTest, ServesOverARealChannelWithTokensOfEachRole) {
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<ServiceHarness> harness,
                       ServiceHarness::Create({.cache = CacheKind::kFake}));
  ASSERT_OK(harness->Serve(EchoService::service_full_name(),
                           std::make_unique<server::testing::EchoServiceImpl>()));
  for (auth::Role role :
       {auth::Role::kRep, auth::Role::kManager, auth::Role::kAdmin, auth::Role::kService}) {
    EchoResponse response;
    ASSERT_TRUE(Echo(*harness, harness->Token("m-1", role, {"t-1"}), &response).ok());
    EXPECT_EQ(response.principal(), "m-1");
  }
  EchoResponse response;
  EXPECT_EQ(Echo(*harness, "", &response).error_code(), grpc::StatusCode::UNAUTHENTICATED);
  EXPECT_THAT(harness->AwaitCallLog(5), ::testing::Contains(HasSubstr("UNAUTHENTICATED")));
}

TEST(ServiceHarnessTest, StoppedServerRefusesCalls) {
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<ServiceHarness> harness,
                       ServiceHarness::Create({.cache = CacheKind::kNone}));
  ASSERT_OK(harness->Serve(EchoService::service_full_name(),
                           std::make_unique<server::testing::EchoServiceImpl>()));
  harness->Stop();
  EchoResponse response;
  EXPECT_EQ(Echo(*harness, harness->Token("a", auth::Role::kAdmin), &response).error_code(),
            grpc::StatusCode::UNAVAILABLE);
}

TEST(ServiceHarnessTest, TheClockMovesOnlyWhenTold) {
  const absl::Time start = absl::FromUnixSeconds(1'800'000'000);
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<ServiceHarness> harness,
                       ServiceHarness::Create({.cache = CacheKind::kNone, .start = start}));
  std::function<absl::Time()> now = harness->clock().AsFunction();
  EXPECT_EQ(now(), start);
  harness->clock().Advance(absl::Hours(25));
  EXPECT_EQ(now(), start + absl::Hours(25));
}

TEST(ServiceHarnessTest, TheFakeCacheCanBeSwitchedOff) {
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<ServiceHarness> harness,
                       ServiceHarness::Create({.cache = CacheKind::kFake}));
  ASSERT_NE(harness->fake_cache(), nullptr);
  EXPECT_EQ(harness->private_redis(), nullptr);
}

}  // namespace
}  // namespace salesteam::testing
