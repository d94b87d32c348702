#include "common/server/server.h"

#include <atomic>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <optional>
#include <sstream>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include <grpcpp/generic/generic_stub.h>
#include <grpcpp/grpcpp.h>
#include <httplib.h>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/synchronization/mutex.h"
#include "absl/synchronization/notification.h"
#include "absl/time/clock.h"
#include "common/auth/auth.h"
#include "common/server/health_client.h"
#include "common/server/testing/echo_service.h"
#include "common/testing/status_matchers.h"
#include "common/testing/test_env.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace salesteam::server {
namespace {

using ::salesteam::testing::StatusIs;
using salesteam::testing::v1::AdminEchoRequest;
using salesteam::testing::v1::AdminEchoResponse;
using salesteam::testing::v1::EchoRequest;
using salesteam::testing::v1::EchoResponse;
using salesteam::testing::v1::EchoService;
using ::testing::HasSubstr;
using ::testing::MatchesRegex;
using ::testing::Not;

constexpr char kSecret[] = "server-test-secret-that-is-long-enough-0123456789";
constexpr char kEchoMethod[] = "/salesteam.testing.v1.EchoService/Echo";

// The streaming refusal helpers instantiate for generated message types.
[[maybe_unused]] auto* const kReadRefusal = &FinishedReadReactor<EchoRequest>;
[[maybe_unused]] auto* const kWriteRefusal = &FinishedWriteReactor<EchoResponse>;
[[maybe_unused]] auto* const kBidiRefusal = &FinishedBidiReactor<EchoRequest, EchoResponse>;

// Waits (up to a generous bound) for `done` to hold; returns whether it did.
bool Eventually(const std::function<bool()>& done) {
  const absl::Time give_up = absl::Now() + absl::Seconds(20);
  while (absl::Now() < give_up) {
    if (done()) return true;
    absl::SleepFor(absl::Milliseconds(10));
  }
  return done();
}

constexpr absl::Duration kHealthTimeout = absl::Seconds(10);

std::string Token(absl::string_view subject, absl::string_view secret = kSecret,
                  absl::Time issued_at = absl::Now(), auth::Role role = auth::Role::kRep) {
  auth::Principal principal;
  principal.subject = std::string(subject);
  principal.role = role;
  principal.teams = {"t-1"};
  absl::StatusOr<std::string> token = auth::MintToken(secret, principal, absl::Hours(1), issued_at);
  EXPECT_OK(token.status());
  return token.ok() ? *token : "";
}

// One request/response over any method, with hand-encoded protobuf bytes, so
// that the tests can speak reflection without its generated code (which
// Debian does not ship), and call methods the server does not have.
absl::StatusOr<std::string> GenericCall(const std::shared_ptr<grpc::Channel>& channel,
                                        const std::string& method, const std::string& request) {
  grpc::CompletionQueue cq;
  grpc::GenericStub stub(channel);
  grpc::ClientContext context;
  context.set_deadline(absl::ToChronoTime(absl::Now() + absl::Seconds(10)));
  auto call = stub.PrepareCall(&context, method, &cq);
  void* tag = nullptr;
  bool ok = false;
  const auto step = [&](intptr_t want) {
    return cq.Next(&tag, &ok) && reinterpret_cast<intptr_t>(tag) == want && ok;
  };
  call->StartCall(reinterpret_cast<void*>(1));
  bool good = step(1);
  grpc::Slice slice(request);
  grpc::ByteBuffer request_buffer(&slice, 1);
  grpc::ByteBuffer response_buffer;
  if (good) {
    call->Write(request_buffer, reinterpret_cast<void*>(2));
    good = step(2);
  }
  if (good) {
    call->WritesDone(reinterpret_cast<void*>(3));
    good = step(3);
  }
  bool got_response = false;
  if (good) {
    call->Read(&response_buffer, reinterpret_cast<void*>(4));
    got_response = step(4);
  }
  grpc::Status status;
  call->Finish(&status, reinterpret_cast<void*>(5));
  while (cq.Next(&tag, &ok) && reinterpret_cast<intptr_t>(tag) != 5) {
  }
  cq.Shutdown();
  while (cq.Next(&tag, &ok)) {
  }
  if (!status.ok()) return FromGrpcStatus(status);
  if (!got_response) return absl::InternalError("no response message");
  std::vector<grpc::Slice> slices;
  if (!response_buffer.Dump(&slices).ok()) return absl::InternalError("bad response buffer");
  std::string out;
  for (const grpc::Slice& s : slices)
    out.append(reinterpret_cast<const char*>(s.begin()), s.size());
  return out;
}

// The server's health answer for `service` ("" for the whole server).
absl::StatusOr<ServingStatus> Health(const std::shared_ptr<grpc::Channel>& channel,
                                     const std::string& service) {
  return CheckHealth(channel, service, kHealthTimeout);
}

class ServerTest : public ::testing::Test {
 protected:
  // A test that failed halfway must not leave calls in flight while the
  // server and the calls' buffers are destroyed.
  ~ServerTest() override {
    echo_.ReleaseBodies();
    for (const auto& call : held_calls_) call->done.WaitForNotification();
  }

  void StartServer(ServerOptions options = {}, grpc::Service* service = nullptr) {
    options.verifier = std::make_shared<auth::TokenVerifier>(kSecret);
    options.metrics = std::make_shared<MetricsRegistry>();
    options.call_log = [this](absl::string_view line) {
      absl::MutexLock lock(&log_mu_);
      log_.emplace_back(line);
    };
    ASSERT_OK_AND_ASSIGN(
        server_, Server::Start(std::move(options), {{EchoService::service_full_name(),
                                                     service != nullptr ? service : &echo_}}));
    channel_ = grpc::CreateChannel(absl::StrCat("127.0.0.1:", server_->port()),
                                   grpc::InsecureChannelCredentials());
  }

  // Calls Echo with `authorization` set to `authorization` (unless empty).
  grpc::Status Echo(absl::string_view authorization, EchoResponse* response,
                    const std::string& message = "hello") {
    EchoRequest request;
    request.set_message(message);
    return Echo(authorization, request, response);
  }
  grpc::Status Echo(absl::string_view authorization, const EchoRequest& request,
                    EchoResponse* response, absl::Duration timeout = absl::Seconds(10),
                    grpc::ClientContext* context = nullptr) {
    grpc::ClientContext own_context;
    if (context == nullptr) context = &own_context;
    context->set_deadline(absl::ToChronoTime(absl::Now() + timeout));
    if (!authorization.empty()) context->AddMetadata("authorization", std::string(authorization));
    return EchoService::NewStub(channel_)->Echo(context, request, response);
  }

  // A gauge's value from the server's registry, -1 when absent.
  double Gauge(absl::string_view name) {
    const std::string text = server_->metrics().Render();
    const std::string prefix = absl::StrCat("\n", name, " ");
    const size_t at = text.find(prefix);
    if (at == std::string::npos) return -1;
    return std::stod(text.substr(at + prefix.size()));
  }
  // Bodies waiting for a handler thread, process-wide.
  double QueueLength() { return Gauge("salesteam_handler_queue_length"); }

  // One call made with the callback API, so that a test can have many in
  // flight and wait for each when it needs its outcome.
  struct AsyncCall {
    grpc::ClientContext context;
    EchoRequest request;
    EchoResponse response;
    grpc::Status status;
    absl::Notification done;
  };
  std::unique_ptr<AsyncCall> StartEcho(const std::string& token, const std::string& message,
                                       absl::Duration timeout = absl::Seconds(60)) {
    auto call = std::make_unique<AsyncCall>();
    call->request.set_message(message);
    call->context.set_deadline(absl::ToChronoTime(absl::Now() + timeout));
    call->context.AddMetadata("authorization", token);
    AsyncCall* raw = call.get();
    EchoService::NewStub(channel_)->async()->Echo(&raw->context, &raw->request, &raw->response,
                                                  [raw](grpc::Status status) {
                                                    raw->status = std::move(status);
                                                    raw->done.Notify();
                                                  });
    return call;
  }

  // Holds Echo bodies and sends calls until every handler thread is busy
  // with one and one more waits in the queue. ReleaseHeldCalls() lets them
  // finish and checks they succeeded.
  void SaturateHandlerPool(const std::string& token) {
    echo_.HoldBodies();
    const int threads = static_cast<int>(Gauge("salesteam_handler_threads"));
    ASSERT_GT(threads, 0);
    for (int i = 0; i <= threads; ++i) held_calls_.push_back(StartEcho(token, "held"));
    ASSERT_TRUE(Eventually([&] { return echo_.bodies_held() == threads && QueueLength() == 1; }))
        << "held " << echo_.bodies_held() << " of " << threads << ", queued " << QueueLength();
  }
  void ReleaseHeldCalls() {
    echo_.ReleaseBodies();
    for (const auto& call : held_calls_) {
      call->done.WaitForNotification();
      EXPECT_TRUE(call->status.ok()) << call->status.error_message();
    }
    held_calls_.clear();
  }

  // The log lines of calls to `method`.
  std::vector<std::string> LogLinesOf(absl::string_view method) {
    std::vector<std::string> lines;
    for (const std::string& line : LogLines()) {
      if (absl::StrContains(line, absl::StrCat("\"method\":\"", method, "\""))) {
        lines.push_back(line);
      }
    }
    return lines;
  }

  std::vector<std::string> LogLines() {
    absl::MutexLock lock(&log_mu_);
    return log_;
  }

  std::string Metrics() {
    httplib::Client client("127.0.0.1", server_->metrics_port());
    auto response = client.Get("/metrics");
    return response ? response->body : "";
  }

  // Declared before server_ so that they outlive the server's last log line.
  absl::Mutex log_mu_;
  std::vector<std::string> log_ ABSL_GUARDED_BY(log_mu_);
  testing::EchoServiceImpl echo_;
  std::unique_ptr<Server> server_;
  std::shared_ptr<grpc::Channel> channel_;
  std::vector<std::unique_ptr<AsyncCall>> held_calls_;
};

TEST_F(ServerTest, HealthReportsServingForEachRegisteredServiceAndTheServerWithoutAToken) {
  StartServer();
  EXPECT_EQ(Health(channel_, "").value_or(ServingStatus::kUnknown), ServingStatus::kServing);
  ASSERT_OK_AND_ASSIGN(ServingStatus echo, Health(channel_, EchoService::service_full_name()));
  EXPECT_EQ(echo, ServingStatus::kServing);
  EXPECT_THAT(Health(channel_, "salesteam.nope.v1.Nope").status(),
              StatusIs(absl::StatusCode::kNotFound));
}

TEST_F(ServerTest, ReflectionListsTheRegisteredServiceWithoutAToken) {
  StartServer();
  // ServerReflectionRequest{list_services: "*"} (field 7).
  const std::string request = std::string("\x3a\x01*", 3);
  ASSERT_OK_AND_ASSIGN(
      std::string response,
      GenericCall(channel_, "/grpc.reflection.v1alpha.ServerReflection/ServerReflectionInfo",
                  request));
  EXPECT_THAT(response, HasSubstr("salesteam.testing.v1.EchoService"));
  EXPECT_THAT(response, HasSubstr("grpc.health.v1.Health"));
}

TEST_F(ServerTest, ValidTokenReachesTheHandlerWithItsPrincipal) {
  StartServer();
  EchoResponse response;
  ASSERT_TRUE(Echo(absl::StrCat("Bearer ", Token("m-7")), &response).ok());
  EXPECT_EQ(response.message(), "hello");
  EXPECT_EQ(response.principal(), "m-7");
  EXPECT_EQ(echo_.bodies_run(), 1);
}

TEST_F(ServerTest, MissingOrBadTokensAreUnauthenticatedBeforeTheHandlerBodyRuns) {
  StartServer();
  const std::vector<std::string> bad = {
      "",                  // missing
      "Bearer",            // empty token
      "Bearer not.a.jwt",  // malformed
      Token("m-7"),        // no "Bearer " scheme
      absl::StrCat("Bearer ", Token("m-7", "another-secret-of-sufficient-length-42")),
      absl::StrCat("Bearer ", Token("m-7", kSecret, absl::Now() - absl::Hours(2))),  // expired
  };
  for (const std::string& authorization : bad) {
    EchoResponse response;
    const grpc::Status status = Echo(authorization, &response);
    EXPECT_EQ(status.error_code(), grpc::StatusCode::UNAUTHENTICATED) << authorization;
    EXPECT_EQ(response.message(), "") << authorization;
  }
  EXPECT_EQ(echo_.bodies_run(), 0);
}

TEST_F(ServerTest, HandlerThatSkipsTheHelperStillCannotAnswerAnUnauthenticatedCaller) {
  testing::UnguardedEchoServiceImpl unguarded;
  StartServer({}, &unguarded);
  EchoResponse response;
  EXPECT_EQ(Echo("", &response).error_code(), grpc::StatusCode::UNAUTHENTICATED);
  EXPECT_EQ(Echo("Bearer junk", &response).error_code(), grpc::StatusCode::UNAUTHENTICATED);
  EXPECT_TRUE(Echo(absl::StrCat("Bearer ", Token("m-1")), &response).ok());
}

TEST_F(ServerTest, AuthenticateRefusesAContextNoServerVerified) {
  grpc::CallbackServerContext context;
  EXPECT_THAT(Authenticate(&context), StatusIs(absl::StatusCode::kUnauthenticated));
}

TEST_F(ServerTest, WritesOneJsonLogLinePerCallWithMethodCodeLatencyPrincipalAndPeer) {
  StartServer();
  EchoResponse response;
  ASSERT_TRUE(Echo(absl::StrCat("Bearer ", Token("m-9")), &response).ok());
  ASSERT_EQ(Echo("Bearer junk", &response).error_code(), grpc::StatusCode::UNAUTHENTICATED);
  const auto echo_lines = [&] {
    std::vector<std::string> lines;
    for (const std::string& line : LogLines()) {
      if (absl::StrContains(line, kEchoMethod)) lines.push_back(line);
    }
    return lines;
  };
  ASSERT_TRUE(Eventually([&] { return echo_lines().size() >= 2; }));
  std::vector<std::string> lines = echo_lines();
  ASSERT_EQ(lines.size(), 2u);
  // A line is written when gRPC destroys the call, which may be after the
  // client already has its answer: the two calls' lines come in either order.
  if (!absl::StrContains(lines[0], "m-9")) std::swap(lines[0], lines[1]);
  EXPECT_THAT(lines[0], HasSubstr("\"method\":\"/salesteam.testing.v1.EchoService/Echo\""));
  EXPECT_THAT(lines[0], HasSubstr("\"code\":\"OK\""));
  EXPECT_THAT(lines[0], HasSubstr("\"latency_ms\":"));
  EXPECT_THAT(lines[0], HasSubstr("\"principal\":\"m-9\""));
  EXPECT_THAT(lines[0], HasSubstr("\"peer\":\"ipv4:127.0.0.1:"));
  EXPECT_TRUE(absl::StartsWith(lines[0], "{\"ts\":\"") && absl::EndsWith(lines[0], "}\n"))
      << lines[0];
  EXPECT_THAT(lines[1], HasSubstr("\"code\":\"UNAUTHENTICATED\""));
  EXPECT_THAT(lines[1], HasSubstr("\"principal\":\"-\""));
  EXPECT_THAT(lines[1], HasSubstr("\"error\":"));
}

TEST_F(ServerTest, MetricsEndpointCountsCallsByCodeAndRecordsLatency) {
  StartServer();
  EchoResponse response;
  const std::string token = absl::StrCat("Bearer ", Token("m-1"));
  ASSERT_TRUE(Echo(token, &response).ok());
  ASSERT_TRUE(Echo(token, &response).ok());
  ASSERT_EQ(Echo("", &response).error_code(), grpc::StatusCode::UNAUTHENTICATED);
  const std::string labels =
      "grpc_service=\"salesteam.testing.v1.EchoService\",grpc_method=\"Echo\","
      "grpc_type=\"unary\"";
  const std::string ok =
      absl::StrCat("grpc_server_handled_total{", labels, ",grpc_code=\"OK\"} 2\n");
  const std::string unauthenticated =
      absl::StrCat("grpc_server_handled_total{", labels, ",grpc_code=\"UNAUTHENTICATED\"} 1\n");
  const std::string count = absl::StrCat("grpc_server_handling_seconds_count{", labels, "} 3\n");
  std::string text;
  ASSERT_TRUE(Eventually([&] {
    text = Metrics();
    return absl::StrContains(text, ok) && absl::StrContains(text, unauthenticated) &&
           absl::StrContains(text, count);
  })) << text;
  EXPECT_THAT(text, HasSubstr(absl::StrCat("grpc_server_started_total{", labels, "} 3\n")));
  EXPECT_THAT(text, HasSubstr(absl::StrCat("grpc_server_handling_seconds_bucket{", labels,
                                           ",le=\"+Inf\"} 3\n")));
  EXPECT_THAT(text, HasSubstr("\nprocess_resident_memory_bytes "));
  EXPECT_THAT(text, HasSubstr("\nprocess_cpu_seconds_total "));
}

TEST_F(ServerTest, OversizedRequestIsResourceExhaustedAndNeverReachesTheHandler) {
  ServerOptions options;
  options.max_message_bytes = 64 * 1024;
  StartServer(options);
  EchoResponse response;
  const std::string token = absl::StrCat("Bearer ", Token("m-1"));
  EXPECT_EQ(Echo(token, &response, std::string(100 * 1024, 'x')).error_code(),
            grpc::StatusCode::RESOURCE_EXHAUSTED);
  EXPECT_EQ(echo_.bodies_run(), 0);
  EXPECT_TRUE(Echo(token, &response, std::string(1024, 'x')).ok());
}

TEST_F(ServerTest, HandlerBodiesMayBlockWithoutStallingOtherCalls) {
  // Every body waits until all of them run at the same time: that completes
  // only if blocking bodies do not occupy gRPC's own (few) callback threads.
  constexpr int kCalls = 16;
  echo_.RendezvousBodies(kCalls);
  StartServer();
  const std::string token = absl::StrCat("Bearer ", Token("m-1"));
  std::vector<std::thread> callers;
  std::atomic<int> ok{0};
  for (int i = 0; i < kCalls; ++i) {
    callers.emplace_back([&] {
      EchoResponse response;
      if (Echo(token, &response).ok()) ++ok;
    });
  }
  for (auto& caller : callers) caller.join();
  EXPECT_EQ(ok.load(), kCalls);
  EXPECT_EQ(Health(channel_, "").value_or(ServingStatus::kUnknown), ServingStatus::kServing);
}

TEST_F(ServerTest, ShutdownTurnsHealthNotServingBeforeRefusingCalls) {
  ServerOptions options;
  options.prestop_delay = absl::Seconds(3);
  StartServer(options);
  std::thread stopper([this] { server_->Shutdown(); });
  // During the pre-stop delay the server still answers, with NOT_SERVING.
  EXPECT_TRUE(Eventually([&] {
    absl::StatusOr<ServingStatus> health = Health(channel_, EchoService::service_full_name());
    return health.ok() && *health == ServingStatus::kNotServing;
  }));
  EXPECT_EQ(Health(channel_, "").value_or(ServingStatus::kUnknown), ServingStatus::kNotServing);
  stopper.join();
  EchoResponse response;
  EXPECT_EQ(Echo(absl::StrCat("Bearer ", Token("m-1")), &response).error_code(),
            grpc::StatusCode::UNAVAILABLE);
}

TEST_F(ServerTest, StartFailsWhenThePortIsTaken) {
  StartServer();
  ServerOptions options;
  options.listen_address = absl::StrCat("127.0.0.1:", server_->port());
  options.verifier = std::make_shared<auth::TokenVerifier>(kSecret);
  options.metrics = std::make_shared<MetricsRegistry>();
  EXPECT_THAT(Server::Start(options, {{EchoService::service_full_name(), &echo_}}).status(),
              StatusIs(absl::StatusCode::kUnavailable));
}

TEST_F(ServerTest, CallsToUnknownMethodsShareOneMetricSeries) {
  StartServer();
  const std::string token = absl::StrCat("Bearer ", Token("m-1"));
  for (int i = 0; i < 100; ++i) {
    EXPECT_FALSE(GenericCall(channel_, absl::StrCat("/salesteam.nope.v1.Nope/Method", i), "").ok());
  }
  EchoResponse response;
  ASSERT_TRUE(Echo(token, &response).ok());
  std::string text;
  ASSERT_TRUE(Eventually([&] {
    text = Metrics();
    return absl::StrContains(
        text, "grpc_server_handled_total{grpc_service=\"salesteam.testing.v1.EchoService\"");
  })) << text;
  EXPECT_THAT(text, Not(HasSubstr("Nope")));
  int unknown_series = 0;
  for (absl::string_view line : absl::StrSplit(text, '\n')) {
    if (absl::StartsWith(line, "grpc_server_started_total{") &&
        absl::StrContains(line, "grpc_service=\"unknown\",grpc_method=\"unknown\"")) {
      ++unknown_series;
      EXPECT_TRUE(absl::EndsWith(line, "} 100")) << line;
    }
  }
  EXPECT_EQ(unknown_series, 1) << text;
  // The log still names the path the client asked for.
  EXPECT_THAT(LogLinesOf("/salesteam.nope.v1.Nope/Method7"), ::testing::SizeIs(1));
}

TEST_F(ServerTest, ServerFailureDetailsStayInTheLogAndTheClientGetsARef) {
  testing::UnguardedEchoServiceImpl unguarded;
  for (grpc::Service* service : std::vector<grpc::Service*>{&echo_, &unguarded}) {
    StartServer({}, service);
    const std::string token = absl::StrCat("Bearer ", Token("m-1"));
    for (const absl::StatusCode code :
         {absl::StatusCode::kInternal, absl::StatusCode::kUnknown, absl::StatusCode::kDataLoss}) {
      EchoRequest request;
      request.set_fail_code(static_cast<int>(code));
      request.set_fail_message("pq: password authentication failed for user \"sales\" on db-7");
      EchoResponse response;
      const grpc::Status status = Echo(token, request, &response);
      EXPECT_EQ(static_cast<int>(status.error_code()), static_cast<int>(code));
      EXPECT_THAT(status.error_message(),
                  MatchesRegex("internal error; see server log \\(ref [0-9a-f]{8}\\)"));
      EXPECT_THAT(status.error_message(), Not(HasSubstr("db-7")));
      const std::string ref = status.error_message().substr(status.error_message().size() - 9, 8);
      std::string line;
      ASSERT_TRUE(Eventually([&] {
        for (const std::string& l : LogLinesOf(kEchoMethod)) {
          if (absl::StrContains(l, ref)) line = l;
        }
        return !line.empty();
      }));
      EXPECT_THAT(line, HasSubstr(absl::StrCat("\"error_ref\":\"", ref, "\"")));
      EXPECT_THAT(line, HasSubstr("\"error\":\"pq: password authentication failed for user "
                                  "\\\"sales\\\" on db-7\""));
    }
    server_.reset();
  }
}

TEST_F(ServerTest, CallerFacingErrorsReachTheClientWithTheirMessage) {
  StartServer();
  EchoRequest request;
  request.set_fail_code(static_cast<int>(absl::StatusCode::kNotFound));
  request.set_fail_message("member \"m-404\" not found");
  EchoResponse response;
  const grpc::Status status = Echo(absl::StrCat("Bearer ", Token("m-1")), request, &response);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::NOT_FOUND);
  EXPECT_EQ(status.error_message(), "member \"m-404\" not found");
}

TEST_F(ServerTest, AdminOnlyMethodRefusesAValidTokenWithAnotherRole) {
  StartServer();
  const auto admin_echo = [&](auth::Role role, AdminEchoResponse* response) {
    AdminEchoRequest request;
    request.set_message("payroll");
    grpc::ClientContext context;
    context.set_deadline(absl::ToChronoTime(absl::Now() + absl::Seconds(10)));
    auth::AttachBearerToken(context, Token("m-5", kSecret, absl::Now(), role));
    return EchoService::NewStub(channel_)->AdminEcho(&context, request, response);
  };
  for (auth::Role role : {auth::Role::kRep, auth::Role::kManager, auth::Role::kService}) {
    AdminEchoResponse response;
    const grpc::Status status = admin_echo(role, &response);
    EXPECT_EQ(status.error_code(), grpc::StatusCode::PERMISSION_DENIED) << auth::RoleName(role);
    EXPECT_EQ(response.message(), "") << auth::RoleName(role);
  }
  AdminEchoResponse response;
  const grpc::Status status = admin_echo(auth::Role::kAdmin, &response);
  ASSERT_TRUE(status.ok()) << status.error_message();
  EXPECT_EQ(response.message(), "payroll");
  EXPECT_EQ(response.principal(), "m-5");
}

// --max_concurrent_streams caps what one connection carries at once, so a
// single client cannot open calls without bound: the calls beyond it wait in
// the client and reach a handler only when an earlier one has finished.
TEST_F(ServerTest, OneConnectionCarriesAtMostMaxConcurrentStreamsCallsAtOnce) {
  ServerOptions options;
  options.max_concurrent_streams = 2;
  StartServer(options);
  const std::string token = absl::StrCat("Bearer ", Token("m-1"));
  echo_.HoldBodies();
  for (int i = 0; i < 4; ++i) held_calls_.push_back(StartEcho(token, "held"));
  ASSERT_TRUE(Eventually([&] { return echo_.bodies_held() == 2; }));
  // Had the limit not held, the other two would have reached a body by now.
  absl::SleepFor(absl::Milliseconds(500));
  EXPECT_EQ(echo_.bodies_held(), 2);
  EXPECT_EQ(QueueLength(), 0) << "the calls beyond the limit must not reach the server";
  ReleaseHeldCalls();
}

TEST_F(ServerTest, FullHandlerQueueRefusesNewCallsAsBusyWithoutRunningThem) {
  ServerOptions options;
  options.handler_queue_limit = 2;
  StartServer(options);
  const std::string token = absl::StrCat("Bearer ", Token("m-1"));
  SaturateHandlerPool(token);
  // One more fills the queue to its limit.
  std::unique_ptr<AsyncCall> queued = StartEcho(token, "queued");
  ASSERT_TRUE(Eventually([&] { return QueueLength() == 2; }));
  std::unique_ptr<AsyncCall> refused = StartEcho(token, "refused", absl::Seconds(10));
  refused->done.WaitForNotification();
  EXPECT_EQ(refused->status.error_code(), grpc::StatusCode::RESOURCE_EXHAUSTED);
  EXPECT_THAT(refused->status.error_message(), HasSubstr("server busy"));
  ReleaseHeldCalls();
  queued->done.WaitForNotification();
  EXPECT_TRUE(queued->status.ok()) << queued->status.error_message();
  EXPECT_EQ(echo_.BodiesRunFor("refused"), 0);
  EXPECT_EQ(echo_.BodiesRunFor("queued"), 1);
  EXPECT_THAT(server_->metrics().Render(),
              HasSubstr("\nsalesteam_handler_queue_refusals_total 1\n"));
  // With the queue drained, calls run again.
  EchoResponse response;
  EXPECT_TRUE(Echo(token, &response).ok());
}

TEST_F(ServerTest, QueuedCallWhoseDeadlinePassedIsSkipped) {
  StartServer();
  const std::string token = absl::StrCat("Bearer ", Token("m-1"));
  SaturateHandlerPool(token);
  std::unique_ptr<AsyncCall> late = StartEcho(token, "late", absl::Milliseconds(300));
  late->done.WaitForNotification();
  EXPECT_EQ(late->status.error_code(), grpc::StatusCode::DEADLINE_EXCEEDED);
  // The server's deadline may end a moment after the client's.
  ASSERT_TRUE(Eventually([&] { return echo_.ServerSawCancellation("late"); }));
  ReleaseHeldCalls();
  ASSERT_TRUE(Eventually([&] { return QueueLength() == 0; }));
  // This call is queued after the late one, so once it has answered the late
  // body would have run.
  EchoResponse response;
  ASSERT_TRUE(Echo(token, &response).ok());
  EXPECT_EQ(echo_.BodiesRunFor("late"), 0);
}

TEST_F(ServerTest, QueuedCallThatTheClientCancelledIsSkipped) {
  StartServer();
  const std::string token = absl::StrCat("Bearer ", Token("m-1"));
  SaturateHandlerPool(token);
  std::unique_ptr<AsyncCall> cancelled = StartEcho(token, "cancelled");
  ASSERT_TRUE(Eventually([&] { return QueueLength() == 2; }));
  cancelled->context.TryCancel();
  cancelled->done.WaitForNotification();
  EXPECT_EQ(cancelled->status.error_code(), grpc::StatusCode::CANCELLED);
  // The client knows at once; the server when the cancellation arrives.
  ASSERT_TRUE(Eventually([&] { return echo_.ServerSawCancellation("cancelled"); }));
  ReleaseHeldCalls();
  ASSERT_TRUE(Eventually([&] { return QueueLength() == 0; }));
  EchoResponse response;
  ASSERT_TRUE(Echo(token, &response).ok());
  EXPECT_EQ(echo_.BodiesRunFor("cancelled"), 0);
}

// ---- The development JWT secret ----

// Starts servers whose verifier comes from auth::LoadJwtSecret(), with
// SALESTEAM_JWT_SECRET as the test sets it; restores the environment.
class JwtSecretServerTest : public ::testing::Test {
 protected:
  JwtSecretServerTest() {
    if (const char* value = std::getenv("SALESTEAM_JWT_SECRET")) saved_ = value;
    ::unsetenv("SALESTEAM_JWT_SECRET");
  }
  ~JwtSecretServerTest() override {
    if (saved_.has_value()) {
      ::setenv("SALESTEAM_JWT_SECRET", saved_->c_str(), 1);
    } else {
      ::unsetenv("SALESTEAM_JWT_SECRET");
    }
  }

  absl::StatusOr<std::unique_ptr<Server>> Start(const std::string& listen_address) {
    ServerOptions options;
    options.listen_address = listen_address;
    options.metrics_address = "";
    options.metrics = std::make_shared<MetricsRegistry>();
    options.call_log = [](absl::string_view) {};
    return Server::Start(options, {{EchoService::service_full_name(), &echo_}});
  }

  testing::EchoServiceImpl echo_;
  std::optional<std::string> saved_;
};

TEST_F(JwtSecretServerTest, DevelopmentSecretRefusesToGuardAnAddressOtherMachinesReach) {
  for (const std::string address : {"0.0.0.0:0", "[::]:0", ":0", "10.1.2.3:0"}) {
    EXPECT_THAT(Start(address).status(),
                StatusIs(absl::StatusCode::kFailedPrecondition, HasSubstr("SALESTEAM_JWT_SECRET")))
        << address;
  }
}

TEST_F(JwtSecretServerTest, DevelopmentSecretServesOnLoopback) {
  for (const std::string address : {"127.0.0.1:0", "localhost:0"}) {
    absl::StatusOr<std::unique_ptr<Server>> server = Start(address);
    ASSERT_TRUE(server.ok()) << address << ": " << server.status();
    EXPECT_GT((*server)->port(), 0);
  }
}

TEST_F(JwtSecretServerTest, ConfiguredSecretServesOnEveryInterface) {
  ::setenv("SALESTEAM_JWT_SECRET", kSecret, 1);
  absl::StatusOr<std::unique_ptr<Server>> server = Start("0.0.0.0:0");
  ASSERT_TRUE(server.ok()) << server.status();
  auto channel = grpc::CreateChannel(absl::StrCat("127.0.0.1:", (*server)->port()),
                                     grpc::InsecureChannelCredentials());
  EchoRequest request;
  request.set_message("hi");
  EchoResponse response;
  grpc::ClientContext context;
  context.set_deadline(absl::ToChronoTime(absl::Now() + absl::Seconds(10)));
  auth::AttachBearerToken(context, Token("m-2"));
  EXPECT_TRUE(EchoService::NewStub(channel)->Echo(&context, request, &response).ok());
}

TEST(ServerOptionsFromFlagsTest, DefaultsListenOnLoopbackOnly) {
  const ServerOptions options = ServerOptionsFromFlags(50051, 9101);
  EXPECT_EQ(options.listen_address, "127.0.0.1:50051");
  EXPECT_EQ(options.metrics_address, "127.0.0.1:9101");
  EXPECT_EQ(options.handler_queue_limit, 1024);
}

// ---- TLS ----

// A throwaway CA with a server certificate (localhost, 127.0.0.1) and a client
// certificate, made by the openssl command-line tool.
class TlsFiles {
 public:
  TlsFiles() : dir_(salesteam::testing::MakeTempDir("server_tls_test")) {
    const std::string d = dir_;
    const std::string script = absl::StrCat(
        "set -e; cd '", d, "';",
        "openssl req -x509 -newkey rsa:2048 -nodes -days 1 -subj /CN=test-ca "
        "-keyout ca.key -out ca.pem;",
        "printf 'subjectAltName=DNS:localhost,IP:127.0.0.1\\n' > server.ext;",
        "openssl req -newkey rsa:2048 -nodes -subj /CN=localhost -keyout server.key "
        "-out server.csr;",
        "openssl x509 -req -in server.csr -CA ca.pem -CAkey ca.key -CAcreateserial -days 1 "
        "-extfile server.ext -out server.pem;",
        "openssl req -newkey rsa:2048 -nodes -subj /CN=client -keyout client.key "
        "-out client.csr;",
        "openssl x509 -req -in client.csr -CA ca.pem -CAkey ca.key -CAcreateserial -days 1 "
        "-out client.pem;");
    ok_ = std::system(absl::StrCat("sh -c \"", script, "\" >/dev/null 2>&1").c_str()) == 0;
  }
  ~TlsFiles() { std::filesystem::remove_all(dir_); }

  bool ok() const { return ok_; }
  std::string Path(absl::string_view name) const { return absl::StrCat(dir_, "/", name); }
  std::string Read(absl::string_view name) const {
    std::ifstream in(Path(name));
    std::stringstream s;
    s << in.rdbuf();
    return s.str();
  }

 private:
  std::string dir_;
  bool ok_ = false;
};

class TlsServerTest : public ServerTest {
 protected:
  std::shared_ptr<grpc::Channel> TlsChannel(bool with_client_cert) {
    grpc::SslCredentialsOptions ssl;
    ssl.pem_root_certs = tls_.Read("ca.pem");
    if (with_client_cert) {
      ssl.pem_private_key = tls_.Read("client.key");
      ssl.pem_cert_chain = tls_.Read("client.pem");
    }
    grpc::ChannelArguments args;
    args.SetSslTargetNameOverride("localhost");
    return grpc::CreateCustomChannel(absl::StrCat("127.0.0.1:", server_->port()),
                                     grpc::SslCredentials(ssl), args);
  }

  TlsFiles tls_;
};

TEST_F(TlsServerTest, ServesOverTlsAndRefusesPlaintextClients) {
  ASSERT_TRUE(tls_.ok());
  ServerOptions options;
  options.tls_cert_file = tls_.Path("server.pem");
  options.tls_key_file = tls_.Path("server.key");
  StartServer(options);
  const std::shared_ptr<grpc::Channel> plaintext = channel_;
  channel_ = TlsChannel(/*with_client_cert=*/false);
  EchoResponse response;
  ASSERT_TRUE(Echo(absl::StrCat("Bearer ", Token("m-3")), &response).ok());
  EXPECT_EQ(response.principal(), "m-3");
  channel_ = plaintext;
  EXPECT_EQ(Echo(absl::StrCat("Bearer ", Token("m-3")), &response).error_code(),
            grpc::StatusCode::UNAVAILABLE);
}

TEST_F(TlsServerTest, MutualTlsAcceptsOnlyClientsWithACertificateFromTheCa) {
  ASSERT_TRUE(tls_.ok());
  ServerOptions options;
  options.tls_cert_file = tls_.Path("server.pem");
  options.tls_key_file = tls_.Path("server.key");
  options.tls_client_ca_file = tls_.Path("ca.pem");
  StartServer(options);
  EchoResponse response;
  channel_ = TlsChannel(/*with_client_cert=*/true);
  EXPECT_TRUE(Echo(absl::StrCat("Bearer ", Token("m-4")), &response).ok());
  channel_ = TlsChannel(/*with_client_cert=*/false);
  EXPECT_EQ(Echo(absl::StrCat("Bearer ", Token("m-4")), &response).error_code(),
            grpc::StatusCode::UNAVAILABLE);
  // Health stays open to token-less callers, but not to certificate-less ones.
  EXPECT_FALSE(Health(channel_, "").ok());
}

TEST_F(TlsServerTest, StartFailsOnAMissingCertificateFile) {
  ServerOptions options;
  options.tls_cert_file = "/nonexistent/server.pem";
  options.tls_key_file = "/nonexistent/server.key";
  options.verifier = std::make_shared<auth::TokenVerifier>(kSecret);
  EXPECT_THAT(Server::Start(options, {{EchoService::service_full_name(), &echo_}}).status(),
              StatusIs(absl::StatusCode::kFailedPrecondition));
  options.tls_cert_file = "";
  EXPECT_THAT(Server::Start(options, {{EchoService::service_full_name(), &echo_}}).status(),
              StatusIs(absl::StatusCode::kInvalidArgument));
}

}  // namespace
}  // namespace salesteam::server
