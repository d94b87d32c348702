#include "common/server/health_client.h"

#include <memory>
#include <string>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "grpcpp/create_channel.h"
#include "grpcpp/health_check_service_interface.h"
#include "grpcpp/security/credentials.h"
#include "grpcpp/security/server_credentials.h"
#include "grpcpp/server.h"
#include "grpcpp/server_builder.h"
#include "gtest/gtest.h"
#include "salesteam/testing/v1/echo.grpc.pb.h"

#include "common/testing/status_matchers.h"
#include "common/testing/test_env.h"

namespace salesteam::server {
namespace {

using ::salesteam::testing::StatusIs;

constexpr absl::Duration kTimeout = absl::Seconds(10);
constexpr char kRoster[] = "salesteam.roster.v1.RosterService";

TEST(HealthCheckWireTest, RequestIsFieldOneString) {
  EXPECT_EQ(EncodeHealthCheckRequest(""), "");
  EXPECT_EQ(EncodeHealthCheckRequest("ab"),
            "\x0a\x02"
            "ab");
}

TEST(HealthCheckWireTest, ResponseStatusIsDecoded) {
  EXPECT_EQ(*DecodeHealthCheckResponse("\x08\x01"), ServingStatus::kServing);
  EXPECT_EQ(*DecodeHealthCheckResponse("\x08\x02"), ServingStatus::kNotServing);
  EXPECT_EQ(*DecodeHealthCheckResponse(""), ServingStatus::kUnknown);
  // Fields a newer server adds are skipped; unknown enum values read as UNKNOWN.
  EXPECT_EQ(*DecodeHealthCheckResponse("\x12\x02xy\x08\x02"), ServingStatus::kNotServing);
  EXPECT_EQ(*DecodeHealthCheckResponse("\x08\x09"), ServingStatus::kUnknown);
}

TEST(HealthCheckWireTest, MalformedResponseIsDataLoss) {
  EXPECT_THAT(DecodeHealthCheckResponse("\x08"), StatusIs(absl::StatusCode::kDataLoss));
  EXPECT_THAT(DecodeHealthCheckResponse("\x12\x05xy"), StatusIs(absl::StatusCode::kDataLoss));
}

class EchoService final : public salesteam::testing::v1::EchoService::CallbackService {};

// A real server on a loopback port, with or without the standard health
// service that every Salesteam server runs.
class HealthServer {
 public:
  explicit HealthServer(bool with_health) {
    grpc::EnableDefaultHealthCheckService(with_health);
    grpc::ServerBuilder builder;
    builder.AddListeningPort("127.0.0.1:0", grpc::InsecureServerCredentials(), &port_);
    builder.RegisterService(&echo_);
    server_ = builder.BuildAndStart();
    grpc::EnableDefaultHealthCheckService(false);
  }
  ~HealthServer() { server_->Shutdown(); }

  grpc::HealthCheckServiceInterface* health() { return server_->GetHealthCheckService(); }
  std::shared_ptr<grpc::Channel> Channel() const {
    return grpc::CreateChannel(absl::StrCat("127.0.0.1:", port_),
                               grpc::InsecureChannelCredentials());
  }

 private:
  EchoService echo_;
  int port_ = 0;
  std::unique_ptr<grpc::Server> server_;
};

TEST(CheckHealthTest, ReportsWhatTheServerSetsPerServiceName) {
  HealthServer server(/*with_health=*/true);
  ASSERT_NE(server.health(), nullptr);
  server.health()->SetServingStatus(kRoster, true);
  ASSERT_OK_AND_ASSIGN(ServingStatus serving, CheckHealth(server.Channel(), kRoster, kTimeout));
  EXPECT_EQ(serving, ServingStatus::kServing);
  server.health()->SetServingStatus(kRoster, false);
  ASSERT_OK_AND_ASSIGN(ServingStatus not_serving, CheckHealth(server.Channel(), kRoster, kTimeout));
  EXPECT_EQ(not_serving, ServingStatus::kNotServing);
}

TEST(CheckHealthTest, EmptyNameAsksAboutTheWholeServer) {
  HealthServer server(/*with_health=*/true);
  server.health()->SetServingStatus(true);
  absl::StatusOr<ServingStatus> status = CheckHealth(server.Channel(), "", kTimeout);
  ASSERT_TRUE(status.ok()) << status.status();
  EXPECT_EQ(*status, ServingStatus::kServing);
  server.health()->SetServingStatus(false);
  status = CheckHealth(server.Channel(), "", kTimeout);
  ASSERT_TRUE(status.ok()) << status.status();
  EXPECT_EQ(*status, ServingStatus::kNotServing);
}

TEST(CheckHealthTest, UnknownServiceNameIsNotFound) {
  HealthServer server(/*with_health=*/true);
  EXPECT_THAT(CheckHealth(server.Channel(), "salesteam.nope.v1.Nope", kTimeout),
              StatusIs(absl::StatusCode::kNotFound));
}

TEST(CheckHealthTest, ServerWithoutHealthServiceIsUnimplemented) {
  HealthServer server(/*with_health=*/false);
  EXPECT_THAT(CheckHealth(server.Channel(), kRoster, kTimeout),
              StatusIs(absl::StatusCode::kUnimplemented));
}

TEST(CheckHealthTest, NothingListeningIsUnavailable) {
  auto channel = grpc::CreateChannel(absl::StrCat("127.0.0.1:", testing::PickUnusedPort()),
                                     grpc::InsecureChannelCredentials());
  EXPECT_THAT(CheckHealth(channel, kRoster, kTimeout), StatusIs(absl::StatusCode::kUnavailable));
}

}  // namespace
}  // namespace salesteam::server
