#include "common/client/peer_channel.h"

#include <memory>
#include <optional>
#include <string>

#include "absl/synchronization/mutex.h"
#include "common/server/server.h"
#include "common/server/testing/echo_service.h"
#include "common/status.h"
#include "common/testing/service_harness.h"
#include "common/testing/status_matchers.h"
#include "gmock/gmock.h"
#include "grpcpp/grpcpp.h"
#include "gtest/gtest.h"
#include "salesteam/testing/v1/echo.grpc.pb.h"

namespace salesteam::client {
namespace {

using ::salesteam::testing::ServiceHarness;
using ::salesteam::testing::StatusIs;
using ::salesteam::testing::v1::EchoRequest;
using ::salesteam::testing::v1::EchoResponse;
using ::salesteam::testing::v1::EchoService;
using ::testing::HasSubstr;

// An EchoService that answers by calling another one (its peer) the way
// every service calls its peers, and remembers how that peer call ended.
class RelayService final : public EchoService::CallbackService {
 public:
  RelayService(std::shared_ptr<grpc::Channel> peer, absl::Duration cap, std::string token)
      : stub_(EchoService::NewStub(std::move(peer))), cap_(cap), token_(std::move(token)) {}

  grpc::ServerUnaryReactor* Echo(grpc::CallbackServerContext* context, const EchoRequest* request,
                                 EchoResponse* response) override {
    return server::Unary(context, [this, request, response](const auth::Principal&) {
      ASSIGN_OR_RETURN(std::unique_ptr<grpc::ClientContext> peer_context,
                       NewPeerContext(cap_, [this] { return token_; }));
      grpc::Status status = stub_->Echo(peer_context.get(), *request, response);
      absl::MutexLock lock(&mu_);
      peer_code_ = status.error_code();
      return FromDownstreamStatus(status, "peer Echo");
    });
  }

  // How the relayed call ended, once it has.
  grpc::StatusCode AwaitPeerCode() {
    absl::MutexLock lock(&mu_);
    mu_.Await(absl::Condition(
        +[](std::optional<grpc::StatusCode>* code) { return code->has_value(); }, &peer_code_));
    return *peer_code_;
  }

 private:
  std::unique_ptr<EchoService::Stub> stub_;
  const absl::Duration cap_;
  const std::string token_;
  absl::Mutex mu_;
  std::optional<grpc::StatusCode> peer_code_ ABSL_GUARDED_BY(mu_);
};

class PeerChannelTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_OK_AND_ASSIGN(peer_, ServiceHarness::Create({.cache = testing::CacheKind::kNone}));
    auto echo = std::make_unique<server::testing::EchoServiceImpl>();
    echo_ = echo.get();
    ASSERT_OK(peer_->Serve(EchoService::service_full_name(), std::move(echo)));
  }

  // A relay in front of the peer, reaching it through MakePeerChannel.
  void StartRelay(absl::Duration cap, const RetryPolicy& retry = {}) {
    ASSERT_OK_AND_ASSIGN(relay_host_, ServiceHarness::Create({.cache = testing::CacheKind::kNone}));
    ASSERT_OK_AND_ASSIGN(std::shared_ptr<grpc::Channel> channel,
                         MakePeerChannel({.name = "echo", .address = peer_->address()}, retry));
    auto relay =
        std::make_unique<RelayService>(channel, cap, peer_->Token("relay", auth::Role::kService));
    relay_ = relay.get();
    ASSERT_OK(relay_host_->Serve(EchoService::service_full_name(), std::move(relay)));
  }

  grpc::Status CallRelay(const EchoRequest& request, std::optional<absl::Duration> deadline) {
    auto stub = EchoService::NewStub(relay_host_->channel());
    grpc::ClientContext context;
    if (deadline.has_value()) context.set_deadline(absl::ToChronoTime(absl::Now() + *deadline));
    auth::AttachBearerToken(context, relay_host_->Token("caller", auth::Role::kAdmin));
    EchoResponse response;
    return stub->Echo(&context, request, &response);
  }

  std::unique_ptr<ServiceHarness> peer_;
  server::testing::EchoServiceImpl* echo_ = nullptr;
  std::unique_ptr<ServiceHarness> relay_host_;
  RelayService* relay_ = nullptr;
};

TEST_F(PeerChannelTest, APeerCallEndsWithItsCallersDeadline) {
  StartRelay(/*cap=*/absl::Seconds(30));
  EchoRequest slow;
  slow.set_message("slow");
  slow.set_delay_ms(3000);
  EXPECT_EQ(CallRelay(slow, absl::Milliseconds(300)).error_code(),
            grpc::StatusCode::DEADLINE_EXCEEDED);
  // Without the caller's deadline the peer call would have waited 3 s and
  // succeeded within its 30 s cap. It ends with the caller's deadline, or
  // with the cancellation gRPC sends down when that deadline ends the caller.
  EXPECT_THAT(relay_->AwaitPeerCode(),
              ::testing::AnyOf(grpc::StatusCode::DEADLINE_EXCEEDED, grpc::StatusCode::CANCELLED));
}

TEST_F(PeerChannelTest, APeerCallNeverOutlastsItsCap) {
  StartRelay(/*cap=*/absl::Milliseconds(200));
  EchoRequest slow;
  slow.set_message("slow");
  slow.set_delay_ms(3000);
  EXPECT_EQ(CallRelay(slow, std::nullopt).error_code(), grpc::StatusCode::DEADLINE_EXCEEDED);
  EXPECT_EQ(relay_->AwaitPeerCode(), grpc::StatusCode::DEADLINE_EXCEEDED);
}

TEST_F(PeerChannelTest, APeerCallCarriesTheServiceToken) {
  StartRelay(absl::Seconds(5));
  EchoRequest request;
  request.set_message("hello");
  EXPECT_TRUE(CallRelay(request, absl::Seconds(5)).ok());
  EXPECT_EQ(relay_->AwaitPeerCode(), grpc::StatusCode::OK);
}

TEST_F(PeerChannelTest, IdempotentReadsAreRetriedOnUnavailable) {
  StartRelay(absl::Seconds(5), {.service = EchoService::service_full_name(),
                                .idempotent_methods = {"Echo"},
                                .max_attempts = 3});
  EchoRequest flaky;
  flaky.set_message("flaky");
  flaky.set_fail_code(static_cast<int>(grpc::StatusCode::UNAVAILABLE));
  EXPECT_EQ(CallRelay(flaky, absl::Seconds(10)).error_code(), grpc::StatusCode::UNAVAILABLE);
  EXPECT_EQ(echo_->BodiesRunFor("flaky"), 3);
}

TEST_F(PeerChannelTest, OtherMethodsAndOtherCodesAreNotRetried) {
  StartRelay(absl::Seconds(5),
             {.service = EchoService::service_full_name(), .idempotent_methods = {"AdminEcho"}});
  EchoRequest flaky;
  flaky.set_message("not-listed");
  flaky.set_fail_code(static_cast<int>(grpc::StatusCode::UNAVAILABLE));
  EXPECT_EQ(CallRelay(flaky, absl::Seconds(10)).error_code(), grpc::StatusCode::UNAVAILABLE);
  EXPECT_EQ(echo_->BodiesRunFor("not-listed"), 1);
}

TEST(MakePeerChannelTest, RefusesIncompleteTlsSettingsNamingTheFlag) {
  EXPECT_THAT(
      MakePeerChannel({.name = "roster", .address = "127.0.0.1:1", .tls_cert_file = "c"}, {}),
      StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("--roster_tls_ca")));
  EXPECT_THAT(MakePeerChannel({.name = "roster", .address = ""}, {}),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("--roster_address")));
  absl::StatusOr<std::shared_ptr<grpc::Channel>> unreadable = MakePeerChannel(
      {.name = "roster", .address = "127.0.0.1:1", .tls_ca_file = "/nonexistent/ca"}, {});
  EXPECT_FALSE(unreadable.ok());
  EXPECT_THAT(unreadable.status().message(), HasSubstr("--roster_tls_ca"));
}

TEST(RetryServiceConfigTest, NamesEachIdempotentMethodAndRetriesUnavailableOnly) {
  const std::string config =
      RetryServiceConfig({.service = "s.v1.S", .idempotent_methods = {"Get", "List"}});
  EXPECT_THAT(config, HasSubstr(R"({"service":"s.v1.S","method":"Get"})"));
  EXPECT_THAT(config, HasSubstr(R"({"service":"s.v1.S","method":"List"})"));
  EXPECT_THAT(config, HasSubstr(R"("retryableStatusCodes":["UNAVAILABLE"])"));
}

}  // namespace
}  // namespace salesteam::client
