// SIGTERM and SIGINT against a real server process (echo_test_server, which
// runs RunServer() exactly as a service's main() does).
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <optional>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include <fcntl.h>

#include <grpcpp/grpcpp.h>
#include <httplib.h>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "common/auth/auth.h"
#include "common/server/health_client.h"
#include "common/testing/status_matchers.h"
#include "common/testing/test_env.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "salesteam/testing/v1/echo.grpc.pb.h"

namespace salesteam::server {
namespace {

using salesteam::testing::v1::EchoRequest;
using salesteam::testing::v1::EchoResponse;
using salesteam::testing::v1::EchoService;
using ::testing::HasSubstr;
using ::testing::Not;

constexpr char kSecret[] = "shutdown-test-secret-that-is-long-enough-0123456789";

bool Eventually(const std::function<bool()>& done) {
  const absl::Time give_up = absl::Now() + absl::Seconds(30);
  while (absl::Now() < give_up) {
    if (done()) return true;
    absl::SleepFor(absl::Milliseconds(20));
  }
  return done();
}

class ServerProcess {
 public:
  // Starts echo_test_server with the given extra flags; stderr goes to a file.
  explicit ServerProcess(std::vector<std::string> extra_flags)
      : port_(salesteam::testing::PickUnusedPort()),
        metrics_port_(salesteam::testing::PickUnusedPort()),
        dir_(salesteam::testing::MakeTempDir("shutdown_test")) {
    std::vector<std::string> args = {
        ECHO_TEST_SERVER_PATH, absl::StrCat("--listen_address=127.0.0.1:", port_),
        absl::StrCat("--metrics_address=127.0.0.1:", metrics_port_), "--shutdown_grace=20s"};
    args.insert(args.end(), extra_flags.begin(), extra_flags.end());
    // Everything the child needs is prepared before fork(): this process has
    // gRPC threads, so the child may only call async-signal-safe functions.
    std::vector<char*> argv;
    for (std::string& arg : args) argv.push_back(arg.data());
    argv.push_back(nullptr);
    std::vector<std::string> env_strings = {absl::StrCat("SALESTEAM_JWT_SECRET=", kSecret)};
    for (char** e = environ; *e != nullptr; ++e) {
      if (!absl::StartsWith(*e, "SALESTEAM_JWT_SECRET=")) env_strings.emplace_back(*e);
    }
    std::vector<char*> envp;
    for (std::string& e : env_strings) envp.push_back(e.data());
    envp.push_back(nullptr);
    const int log_fd = ::open(log_path().c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    pid_ = ::fork();
    if (pid_ == 0) {
      if (log_fd < 0 || ::dup2(log_fd, STDERR_FILENO) < 0) ::_exit(126);
      ::execve(argv[0], argv.data(), envp.data());
      ::_exit(127);
    }
    if (log_fd >= 0) ::close(log_fd);
    channel_ =
        grpc::CreateChannel(absl::StrCat("127.0.0.1:", port_), grpc::InsecureChannelCredentials());
  }

  ~ServerProcess() {
    if (pid_ > 0 && !reaped_) {
      ::kill(pid_, SIGKILL);
      ::waitpid(pid_, nullptr, 0);
    }
    std::filesystem::remove_all(dir_);
  }

  std::string log_path() const { return dir_ + "/stderr.log"; }
  std::string Log() const {
    std::ifstream in(log_path());
    std::stringstream s;
    s << in.rdbuf();
    return s.str();
  }

  // The health service's answer for the whole server.
  absl::StatusOr<ServingStatus> Health() { return CheckHealth(channel_, "", absl::Seconds(2)); }

  bool WaitUntilServing() {
    return Eventually([&] {
      absl::StatusOr<ServingStatus> health = Health();
      return health.ok() && *health == ServingStatus::kServing;
    });
  }

  // How many Echo calls the server has started, from its metrics endpoint.
  bool EchoCallsStarted(int n) {
    httplib::Client client("127.0.0.1", metrics_port_);
    auto response = client.Get("/metrics");
    return response &&
           absl::StrContains(response->body,
                             absl::StrCat("grpc_server_started_total{grpc_service=\"salesteam."
                                          "testing.v1.EchoService\",grpc_method=\"Echo\","
                                          "grpc_type=\"unary\"} ",
                                          n, "\n"));
  }

  // Waits for the process to exit; returns its wait status.
  int Wait() {
    int status = 0;
    ::waitpid(pid_, &status, 0);
    reaped_ = true;
    return status;
  }

  // Like Wait(), but gives up (nullopt) after `limit`; the destructor then
  // kills the process.
  std::optional<int> WaitAtMost(absl::Duration limit) {
    const absl::Time give_up = absl::Now() + limit;
    while (absl::Now() < give_up) {
      int status = 0;
      if (::waitpid(pid_, &status, WNOHANG) == pid_) {
        reaped_ = true;
        return status;
      }
      absl::SleepFor(absl::Milliseconds(20));
    }
    return std::nullopt;
  }

  pid_t pid() const { return pid_; }
  const std::shared_ptr<grpc::Channel>& channel() const { return channel_; }

 private:
  int port_;
  int metrics_port_;
  std::string dir_;
  pid_t pid_ = -1;
  bool reaped_ = false;
  std::shared_ptr<grpc::Channel> channel_;
};

std::string Token() {
  auth::Principal principal;
  principal.subject = "m-1";
  principal.role = auth::Role::kRep;
  absl::StatusOr<std::string> token =
      auth::MintToken(kSecret, principal, absl::Hours(1), absl::Now());
  EXPECT_OK(token.status());
  return token.ok() ? *token : "";
}

// Sends `signo` while a slow call is in flight, and checks the contract.
// With a pre-stop delay, health must answer NOT_SERVING (the server is still
// up); without one, new calls may simply be refused.
void ExpectGracefulStopOn(int signo, std::vector<std::string> flags, bool has_prestop_delay) {
  ServerProcess server(std::move(flags));
  ASSERT_GT(server.pid(), 0);
  ASSERT_TRUE(server.WaitUntilServing()) << server.Log();

  grpc::Status slow_status;
  EchoResponse slow_response;
  std::thread slow([&] {
    EchoRequest request;
    request.set_message("slow");
    request.set_delay_ms(1500);
    grpc::ClientContext context;
    context.set_deadline(absl::ToChronoTime(absl::Now() + absl::Seconds(30)));
    auth::AttachBearerToken(context, Token());
    slow_status = EchoService::NewStub(server.channel())->Echo(&context, request, &slow_response);
  });
  ASSERT_TRUE(Eventually([&] { return server.EchoCallsStarted(1); })) << server.Log();
  ASSERT_EQ(::kill(server.pid(), signo), 0);

  // While the slow call drains, the server no longer reports itself SERVING:
  // health says NOT_SERVING, or new calls are refused.
  EXPECT_TRUE(Eventually([&] {
    const absl::StatusOr<ServingStatus> health = server.Health();
    return (health.ok() && *health == ServingStatus::kNotServing) ||
           (!has_prestop_delay && !health.ok());
  }));

  slow.join();
  EXPECT_TRUE(slow_status.ok()) << slow_status.error_message();
  EXPECT_EQ(slow_response.message(), "slow");
  EXPECT_EQ(slow_response.principal(), "m-1");

  const int status = server.Wait();
  ASSERT_TRUE(WIFEXITED(status)) << "wait status " << status << "\n" << server.Log();
  EXPECT_EQ(WEXITSTATUS(status), 0) << server.Log();
  const std::string log = server.Log();
  EXPECT_THAT(log, HasSubstr("\"event\":\"serving\""));
  EXPECT_THAT(log, HasSubstr("\"event\":\"draining\""));
  EXPECT_THAT(log, HasSubstr("\"event\":\"stopped\""));
  EXPECT_THAT(log, HasSubstr("\"method\":\"/salesteam.testing.v1.EchoService/Echo\",\"code\":"
                             "\"OK\""));
}

TEST(ShutdownTest, SigtermDrainsTheInFlightCallAndExitsZero) {
  ExpectGracefulStopOn(SIGTERM, {}, /*has_prestop_delay=*/false);
}

TEST(ShutdownTest, SigtermWithPrestopDelayKeepsServingNotServingThenDrains) {
  ExpectGracefulStopOn(SIGTERM, {"--prestop_delay=1s"}, /*has_prestop_delay=*/true);
}

TEST(ShutdownTest, SigintDrainsTheInFlightCallAndExitsZero) {
  ExpectGracefulStopOn(SIGINT, {}, /*has_prestop_delay=*/false);
}

// Starts a call whose handler body outlives any grace period (it sleeps for
// ten minutes, like a body stuck on a database) and waits until it runs.
std::thread StartStuckCall(ServerProcess& server, grpc::Status* status) {
  std::thread caller([&server, status] {
    EchoRequest request;
    request.set_message("stuck");
    request.set_delay_ms(10 * 60 * 1000);
    grpc::ClientContext context;
    context.set_deadline(absl::ToChronoTime(absl::Now() + absl::Minutes(11)));
    auth::AttachBearerToken(context, Token());
    EchoResponse response;
    *status = EchoService::NewStub(server.channel())->Echo(&context, request, &response);
  });
  EXPECT_TRUE(Eventually([&] { return server.EchoCallsStarted(1); })) << server.Log();
  return caller;
}

TEST(ShutdownTest, DrainThatOverrunsTheGraceEndsTheProcessWithExitZero) {
  ServerProcess server({"--shutdown_grace=1s"});
  ASSERT_TRUE(server.WaitUntilServing()) << server.Log();
  grpc::Status stuck_status;
  std::thread stuck = StartStuckCall(server, &stuck_status);
  ASSERT_EQ(::kill(server.pid(), SIGTERM), 0);
  // The bound is 1 s grace + 3 s margin; the body would take ten minutes.
  const std::optional<int> status = server.WaitAtMost(absl::Minutes(2));
  stuck.join();
  ASSERT_TRUE(status.has_value()) << "still running after 2 minutes\n" << server.Log();
  ASSERT_TRUE(WIFEXITED(*status)) << "wait status " << *status << "\n" << server.Log();
  EXPECT_EQ(WEXITSTATUS(*status), 0) << server.Log();
  EXPECT_FALSE(stuck_status.ok());
  const std::string log = server.Log();
  EXPECT_THAT(log, HasSubstr("\"event\":\"drain_timeout\""));
  EXPECT_THAT(log, HasSubstr("\"calls_in_flight\":1"));
  EXPECT_THAT(log, Not(HasSubstr("\"event\":\"stopped\"")));
}

TEST(ShutdownTest, SecondSigtermDuringTheDrainExitsAtOnce) {
  ServerProcess server({"--shutdown_grace=10m"});
  ASSERT_TRUE(server.WaitUntilServing()) << server.Log();
  grpc::Status stuck_status;
  std::thread stuck = StartStuckCall(server, &stuck_status);
  ASSERT_EQ(::kill(server.pid(), SIGTERM), 0);
  ASSERT_TRUE(Eventually([&] { return absl::StrContains(server.Log(), "\"event\":\"draining\""); }))
      << server.Log();
  ASSERT_EQ(::kill(server.pid(), SIGTERM), 0);
  // Far below the ten-minute grace the first signal granted.
  const std::optional<int> status = server.WaitAtMost(absl::Minutes(2));
  stuck.join();
  ASSERT_TRUE(status.has_value()) << "still running after 2 minutes\n" << server.Log();
  ASSERT_TRUE(WIFEXITED(*status)) << "wait status " << *status << "\n" << server.Log();
  EXPECT_EQ(WEXITSTATUS(*status), 128 + SIGTERM) << server.Log();
  EXPECT_THAT(server.Log(), HasSubstr("\"event\":\"aborted\""));
}

TEST(ShutdownTest, ServerThatCannotStartExitsNonZero) {
  // An unreadable TLS key makes the server refuse to start.
  ServerProcess server({"--tls_cert=/nonexistent.pem", "--tls_key=/nonexistent.key"});
  const int status = server.Wait();
  ASSERT_TRUE(WIFEXITED(status));
  EXPECT_EQ(WEXITSTATUS(status), 1);
  EXPECT_THAT(server.Log(), HasSubstr("\"event\":\"start_failed\""));
}

}  // namespace
}  // namespace salesteam::server
