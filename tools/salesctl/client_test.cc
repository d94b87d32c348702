#include "tools/salesctl/client.h"

#include <stdlib.h>

#include <memory>
#include <string>

#include "absl/flags/declare.h"
#include "absl/flags/flag.h"
#include "absl/flags/reflection.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "gmock/gmock.h"
#include "grpcpp/security/server_credentials.h"
#include "grpcpp/server.h"
#include "grpcpp/server_builder.h"
#include "gtest/gtest.h"
#include "salesteam/testing/v1/echo.grpc.pb.h"

#include "common/auth/auth.h"
#include "common/testing/status_matchers.h"

ABSL_DECLARE_FLAG(std::string, token);
ABSL_DECLARE_FLAG(std::string, roster_address);
ABSL_DECLARE_FLAG(bool, tls);
ABSL_DECLARE_FLAG(std::string, ca_cert);
ABSL_DECLARE_FLAG(std::string, client_cert);
ABSL_DECLARE_FLAG(std::string, client_key);

namespace salesteam::salesctl {
namespace {

using ::salesteam::testing::IsOk;
using ::salesteam::testing::StatusIs;
using ::testing::AllOf;
using ::testing::HasSubstr;

constexpr char kSecret[] = "client-test-secret-client-test-secret-0123";

// Answers with the subject of the verified bearer token, "" when there is none.
class WhoAmI final : public salesteam::testing::v1::EchoService::CallbackService {
  grpc::ServerUnaryReactor* Echo(grpc::CallbackServerContext* context,
                                 const salesteam::testing::v1::EchoRequest* /*request*/,
                                 salesteam::testing::v1::EchoResponse* response) override {
    auto it = context->client_metadata().find(auth::kAuthorizationMetadataKey);
    if (it != context->client_metadata().end()) {
      absl::StatusOr<auth::Principal> principal = auth::TokenVerifier(kSecret).Verify(
          absl::string_view(it->second.data(), it->second.size()), absl::Now());
      if (principal.ok()) {
        response->set_principal(
            absl::StrCat(principal->subject, "/", auth::RoleName(principal->role)));
      }
    }
    grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
    reactor->Finish(grpc::Status::OK);
    return reactor;
  }
};

class PrepareCallTest : public ::testing::Test {
 protected:
  void SetUp() override {
    setenv("SALESTEAM_JWT_SECRET", kSecret, 1);
    grpc::ServerBuilder builder;
    builder.AddListeningPort("127.0.0.1:0", grpc::InsecureServerCredentials(), &port_);
    builder.RegisterService(&service_);
    server_ = builder.BuildAndStart();
  }
  void TearDown() override {
    server_->Shutdown();
    unsetenv("SALESTEAM_JWT_SECRET");
  }

  // Calls the server the way every salesctl command does.
  std::string CallerAsSeenByServer() {
    absl::StatusOr<std::shared_ptr<grpc::Channel>> channel =
        OpenChannel(absl::StrCat("127.0.0.1:", port_));
    EXPECT_THAT(channel, IsOk());
    auto stub = salesteam::testing::v1::EchoService::NewStub(*channel);
    grpc::ClientContext context;
    EXPECT_THAT(PrepareCall(context), IsOk());
    salesteam::testing::v1::EchoRequest request;
    salesteam::testing::v1::EchoResponse response;
    grpc::Status status = stub->Echo(&context, request, &response);
    EXPECT_TRUE(status.ok()) << status.error_message();
    return response.principal();
  }

  absl::FlagSaver flags_;
  WhoAmI service_;
  int port_ = 0;
  std::unique_ptr<grpc::Server> server_;
};

TEST_F(PrepareCallTest, CallsCarryTheGivenToken) {
  ASSERT_OK_AND_ASSIGN(std::string token,
                       auth::MintToken(kSecret, {"m-5", auth::Role::kManager, {"t-1"}},
                                       absl::Hours(1), absl::Now()));
  absl::SetFlag(&FLAGS_token, token);
  EXPECT_EQ(CallerAsSeenByServer(), "m-5/manager");
}

TEST_F(PrepareCallTest, WithoutATokenCallsCarryALocallyMintedAdminToken) {
  absl::SetFlag(&FLAGS_token, "");
  EXPECT_EQ(CallerAsSeenByServer(), "salesctl/admin");
}

TEST_F(PrepareCallTest, EveryCallOfOneRunCarriesTheSameMintedToken) {
  absl::SetFlag(&FLAGS_token, "");
  ASSERT_OK_AND_ASSIGN(std::string first, CallToken());
  ASSERT_OK_AND_ASSIGN(std::string second, CallToken());
  EXPECT_EQ(first, second);
  EXPECT_THAT(auth::TokenVerifier(kSecret).Verify(absl::StrCat("Bearer ", first), absl::Now()),
              IsOk());
}

// An unreadable TLS file is a configuration error naming the flag, the path
// and why, worded like every other file the suite reads (ReadFileToString).
TEST(OpenChannelTest, UnreadableTlsFilesNameTheFlagThePathAndTheReason) {
  absl::FlagSaver flags;
  absl::SetFlag(&FLAGS_tls, true);
  absl::SetFlag(&FLAGS_ca_cert, "/nonexistent/ca.pem");
  EXPECT_THAT(OpenChannel("127.0.0.1:1"),
              StatusIs(absl::StatusCode::kFailedPrecondition,
                       AllOf(HasSubstr("--ca_cert"), HasSubstr("/nonexistent/ca.pem"),
                             HasSubstr("No such file or directory"))));

  absl::SetFlag(&FLAGS_ca_cert, "");
  absl::SetFlag(&FLAGS_client_cert, "/nonexistent/client.pem");
  absl::SetFlag(&FLAGS_client_key, "/nonexistent/client.key");
  EXPECT_THAT(OpenChannel("127.0.0.1:1"),
              StatusIs(absl::StatusCode::kFailedPrecondition,
                       AllOf(HasSubstr("--client_cert"), HasSubstr("/nonexistent/client.pem"),
                             HasSubstr("No such file or directory"))));
}

TEST(EndpointTest, AddressesComeFromFlags) {
  absl::FlagSaver flags;
  absl::SetFlag(&FLAGS_roster_address, "roster.internal:443");
  ASSERT_OK_AND_ASSIGN(Endpoint roster, FindEndpoint("roster"));
  EXPECT_EQ(roster.address, "roster.internal:443");
  EXPECT_EQ(roster.grpc_service, "salesteam.roster.v1.RosterService");
  EXPECT_EQ(AllEndpoints().size(), 4u);
  EXPECT_THAT(FindEndpoint("payroll"), StatusIs(absl::StatusCode::kNotFound));
}

}  // namespace
}  // namespace salesteam::salesctl
