// Runs the salesctl binary the way a person or a script does, against real
// gRPC servers on loopback ports, and checks what it prints and its exit code.
#include <stdio.h>
#include <sys/wait.h>

#include <cstdlib>
#include <fstream>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "absl/time/clock.h"
#include "gmock/gmock.h"
#include "google/protobuf/struct.pb.h"
#include "google/protobuf/util/json_util.h"
#include "grpcpp/health_check_service_interface.h"
#include "grpcpp/security/credentials.h"
#include "grpcpp/security/server_credentials.h"
#include "grpcpp/server.h"
#include "grpcpp/server_builder.h"
#include "gtest/gtest.h"
#include "salesteam/testing/v1/echo.grpc.pb.h"

#include "common/auth/auth.h"
#include "common/testing/status_matchers.h"
#include "common/testing/test_env.h"

namespace salesteam::salesctl {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::MatchesRegex;

constexpr char kSecret[] = "salesctl-test-secret-salesctl-test-secret";

struct Outcome {
  int exit_code = -1;
  std::string output;
};

// Runs `salesctl <args>` with a clean SALESTEAM_* environment (only the JWT
// secret set) and returns its stdout (and stderr too when `with_stderr`).
Outcome Salesctl(const std::string& args, bool with_stderr = false) {
  const std::string command =
      absl::StrCat("env -u SALESTEAM_TOKEN -u SALESTEAM_JSON SALESTEAM_JWT_SECRET=", kSecret, " ",
                   SALESCTL_BINARY, " ", args, with_stderr ? " 2>&1" : " 2>/dev/null");
  Outcome run;
  FILE* pipe = popen(command.c_str(), "r");
  if (pipe == nullptr) return run;
  char buffer[4096];
  size_t n;
  while ((n = fread(buffer, 1, sizeof(buffer), pipe)) > 0) run.output.append(buffer, n);
  const int status = pclose(pipe);
  run.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return run;
}

class EchoService final : public salesteam::testing::v1::EchoService::CallbackService {};

// A server answering health for the given service name, SERVING or not.
class FakeService {
 public:
  FakeService(const std::string& grpc_service, bool serving) {
    grpc::EnableDefaultHealthCheckService(true);
    grpc::ServerBuilder builder;
    builder.AddListeningPort("127.0.0.1:0", grpc::InsecureServerCredentials(), &port_);
    builder.RegisterService(&echo_);
    server_ = builder.BuildAndStart();
    server_->GetHealthCheckService()->SetServingStatus(grpc_service, serving);
  }
  ~FakeService() { server_->Shutdown(); }
  std::string address() const { return absl::StrCat("127.0.0.1:", port_); }

 private:
  EchoService echo_;
  int port_ = 0;
  std::unique_ptr<grpc::Server> server_;
};

std::string Unused() { return absl::StrCat("127.0.0.1:", testing::PickUnusedPort()); }

std::string Addresses(const std::string& roster, const std::string& activity,
                      const std::string& sprint, const std::string& compensation) {
  return absl::StrCat(" --roster_address=", roster, " --activity_address=", activity,
                      " --sprint_address=", sprint, " --compensation_address=", compensation);
}

TEST(SalesctlHealthTest, ServingServiceAndAbsentOnesExitZero) {
  FakeService roster("salesteam.roster.v1.RosterService", true);
  const std::string activity = Unused();
  Outcome run =
      Salesctl(absl::StrCat("health", Addresses(roster.address(), activity, Unused(), Unused())));
  EXPECT_EQ(run.exit_code, 0) << run.output;
  EXPECT_THAT(run.output, HasSubstr(absl::StrCat("roster        ", roster.address())));
  EXPECT_THAT(run.output, MatchesRegex(absl::StrCat("(.|\n)*roster +", roster.address(),
                                                    " +SERVING\n(.|\n)*")));
  EXPECT_THAT(run.output,
              MatchesRegex(absl::StrCat("(.|\n)*activity +", activity,
                                        " +UNAVAILABLE \\(connection refused\\)\n(.|\n)*")));
}

TEST(SalesctlHealthTest, ReachableServiceNotServingExitsOne) {
  FakeService roster("salesteam.roster.v1.RosterService", true);
  FakeService activity("salesteam.activity.v1.ActivityService", false);
  Outcome run = Salesctl(
      absl::StrCat("health", Addresses(roster.address(), activity.address(), Unused(), Unused())));
  EXPECT_EQ(run.exit_code, 1) << run.output;
  EXPECT_THAT(run.output, MatchesRegex(absl::StrCat("(.|\n)*activity +", activity.address(),
                                                    " +NOT_SERVING\n(.|\n)*")));
}

TEST(SalesctlHealthTest, NothingReachableExitsOne) {
  Outcome run = Salesctl(absl::StrCat("health", Addresses(Unused(), Unused(), Unused(), Unused())));
  EXPECT_EQ(run.exit_code, 1) << run.output;
}

TEST(SalesctlHealthTest, NamedServiceMustBeServing) {
  FakeService roster("salesteam.roster.v1.RosterService", true);
  const std::string addresses = Addresses(roster.address(), Unused(), Unused(), Unused());
  EXPECT_EQ(Salesctl(absl::StrCat("health roster", addresses)).exit_code, 0);
  EXPECT_EQ(Salesctl(absl::StrCat("health roster sprint", addresses)).exit_code, 1);
  EXPECT_EQ(Salesctl(absl::StrCat("health payroll", addresses)).exit_code, 2);
}

TEST(SalesctlHealthTest, WrongServerAtAnAddressIsReported) {
  // The roster address points at the activity service.
  FakeService activity("salesteam.activity.v1.ActivityService", true);
  Outcome run = Salesctl(absl::StrCat(
      "health", Addresses(activity.address(), activity.address(), Unused(), Unused())));
  EXPECT_EQ(run.exit_code, 1) << run.output;
  EXPECT_THAT(run.output, HasSubstr("SERVICE_UNKNOWN"));
}

TEST(SalesctlHealthTest, JsonOutputIsParseable) {
  FakeService roster("salesteam.roster.v1.RosterService", true);
  Outcome run = Salesctl(
      absl::StrCat("health --json", Addresses(roster.address(), Unused(), Unused(), Unused())));
  EXPECT_EQ(run.exit_code, 0);
  google::protobuf::Struct out;
  ASSERT_TRUE(google::protobuf::util::JsonStringToMessage(run.output, &out).ok()) << run.output;
  EXPECT_TRUE(out.fields().at("healthy").bool_value());
  const auto& services = out.fields().at("services").list_value().values();
  ASSERT_EQ(services.size(), 4);
  const auto& first = services[0].struct_value().fields();
  EXPECT_EQ(first.at("name").string_value(), "roster");
  EXPECT_EQ(first.at("status").string_value(), "SERVING");
  EXPECT_EQ(first.at("server_status").string_value(), "SERVING");
  EXPECT_TRUE(first.at("reachable").bool_value());
  const auto& second = services[1].struct_value().fields();
  EXPECT_EQ(second.at("status").string_value(), "UNAVAILABLE");
  EXPECT_FALSE(second.at("reachable").bool_value());
}

// TLS: a throwaway CA signs a server certificate for 127.0.0.1 and a client
// certificate, made with the openssl command line once per suite.
class SalesctlTlsTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = new std::string(testing::MakeTempDir("salesctl-tls"));
    const std::string script =
        absl::StrCat("cd ", *dir_, " && (",
                     "openssl req -x509 -newkey rsa:2048 -nodes -keyout ca.key -out ca.pem -days 1 "
                     "-subj /CN=salesteam-test-ca && ",
                     "openssl req -newkey rsa:2048 -nodes -keyout server.key -out server.csr "
                     "-subj /CN=salesteam.test && ",
                     "printf 'subjectAltName=IP:127.0.0.1,DNS:salesteam.test\\n' > server.ext && ",
                     "openssl x509 -req -in server.csr -CA ca.pem -CAkey ca.key -CAcreateserial "
                     "-out server.pem -days 1 -extfile server.ext && ",
                     "openssl req -newkey rsa:2048 -nodes -keyout client.key -out client.csr "
                     "-subj /CN=salesctl && ",
                     "printf 'extendedKeyUsage=clientAuth\\n' > client.ext && ",
                     "openssl x509 -req -in client.csr -CA ca.pem -CAkey ca.key -CAcreateserial "
                     "-out client.pem -days 1 -extfile client.ext",
                     ") >/dev/null 2>&1");
    ASSERT_EQ(std::system(script.c_str()), 0) << script;
  }
  static void TearDownTestSuite() {
    std::system(absl::StrCat("rm -rf ", *dir_).c_str());
    delete dir_;
  }

  static std::string File(const std::string& name) { return absl::StrCat(*dir_, "/", name); }
  static std::string Read(const std::string& name) {
    std::ifstream file(File(name));
    std::ostringstream contents;
    contents << file.rdbuf();
    return contents.str();
  }

  // A TLS server answering health for roster; `require_client_cert` for mTLS.
  void Start(bool require_client_cert) {
    grpc::SslServerCredentialsOptions options(
        require_client_cert ? GRPC_SSL_REQUEST_AND_REQUIRE_CLIENT_CERTIFICATE_AND_VERIFY
                            : GRPC_SSL_DONT_REQUEST_CLIENT_CERTIFICATE);
    options.pem_root_certs = Read("ca.pem");
    options.pem_key_cert_pairs.push_back({Read("server.key"), Read("server.pem")});
    grpc::EnableDefaultHealthCheckService(true);
    grpc::ServerBuilder builder;
    builder.AddListeningPort("127.0.0.1:0", grpc::SslServerCredentials(options), &port_);
    builder.RegisterService(&echo_);
    server_ = builder.BuildAndStart();
    ASSERT_NE(server_, nullptr);
    server_->GetHealthCheckService()->SetServingStatus("salesteam.roster.v1.RosterService", true);
  }
  void TearDown() override {
    if (server_ != nullptr) server_->Shutdown();
  }

  std::string Health(const std::string& flags) {
    return absl::StrCat("health roster --roster_address=127.0.0.1:", port_, " ", flags);
  }

  static std::string* dir_;
  EchoService echo_;
  int port_ = 0;
  std::unique_ptr<grpc::Server> server_;
};

std::string* SalesctlTlsTest::dir_ = nullptr;

TEST_F(SalesctlTlsTest, HealthOverTlsVerifiesTheServerAgainstTheGivenCa) {
  Start(/*require_client_cert=*/false);
  EXPECT_EQ(Salesctl(Health(absl::StrCat("--tls --ca_cert=", File("ca.pem")))).exit_code, 0);
  // The same name the certificate carries, when the address says otherwise.
  EXPECT_EQ(Salesctl(Health(absl::StrCat("--tls --ca_cert=", File("ca.pem"),
                                         " --tls_server_name=salesteam.test")))
                .exit_code,
            0);
  // The system roots do not know the test CA, and plaintext is no TLS.
  EXPECT_EQ(Salesctl(Health("--tls")).exit_code, 1);
  EXPECT_EQ(Salesctl(Health("")).exit_code, 1);
  EXPECT_EQ(Salesctl(Health(absl::StrCat("--tls --ca_cert=", File("ca.pem"),
                                         " --tls_server_name=someone.else")))
                .exit_code,
            1);
}

TEST_F(SalesctlTlsTest, MutualTlsNeedsTheClientCertificate) {
  Start(/*require_client_cert=*/true);
  const std::string tls = absl::StrCat("--tls --ca_cert=", File("ca.pem"));
  EXPECT_EQ(Salesctl(Health(tls)).exit_code, 1);
  EXPECT_EQ(Salesctl(Health(absl::StrCat(tls, " --client_cert=", File("client.pem"),
                                         " --client_key=", File("client.key"))))
                .exit_code,
            0);
}

TEST_F(SalesctlTlsTest, UnreadableCaFileFails) {
  Start(/*require_client_cert=*/false);
  Outcome run = Salesctl(Health("--tls --ca_cert=/nonexistent/ca.pem"), /*with_stderr=*/true);
  EXPECT_EQ(run.exit_code, 1);
  EXPECT_THAT(run.output, HasSubstr("/nonexistent/ca.pem"));
}

TEST(SalesctlTokenTest, MintedTokenVerifiesWithTheSameSecret) {
  Outcome run = Salesctl("token --role manager --sub m-1 --teams t-1,t-2 --ttl 1h");
  ASSERT_EQ(run.exit_code, 0);
  const std::string token(absl::StripTrailingAsciiWhitespace(run.output));
  ASSERT_OK_AND_ASSIGN(auth::Principal principal, auth::TokenVerifier(kSecret).Verify(
                                                      absl::StrCat("Bearer ", token), absl::Now()));
  EXPECT_EQ(principal.subject, "m-1");
  EXPECT_EQ(principal.role, auth::Role::kManager);
  EXPECT_THAT(principal.teams, ElementsAre("t-1", "t-2"));
  // Its life is the --ttl asked for.
  EXPECT_THAT(auth::TokenVerifier(kSecret).Verify(absl::StrCat("Bearer ", token),
                                                  absl::Now() + absl::Hours(2)),
              testing::StatusIs(absl::StatusCode::kUnauthenticated, HasSubstr("expired")));
}

TEST(SalesctlTokenTest, AdminTokenDefaultsItsSubject) {
  Outcome run = Salesctl("token --role admin");
  ASSERT_EQ(run.exit_code, 0);
  ASSERT_OK_AND_ASSIGN(
      auth::Principal principal,
      auth::TokenVerifier(kSecret).Verify(
          absl::StrCat("Bearer ", absl::StripTrailingAsciiWhitespace(run.output)), absl::Now()));
  EXPECT_EQ(principal.subject, "salesctl");
  EXPECT_EQ(principal.role, auth::Role::kAdmin);
}

TEST(SalesctlTokenTest, BadCommandLinesExitTwo) {
  EXPECT_EQ(Salesctl("token").exit_code, 2);
  EXPECT_EQ(Salesctl("token --role root").exit_code, 2);
  EXPECT_EQ(Salesctl("token --role rep").exit_code, 2);  // a rep token needs --sub
  EXPECT_EQ(Salesctl("token --role admin --ttl=-1h").exit_code, 2);
}

TEST(SalesctlTest, UnknownCommandExitsTwoWithUsage) {
  Outcome run = Salesctl("frobnicate", /*with_stderr=*/true);
  EXPECT_EQ(run.exit_code, 2);
  EXPECT_THAT(run.output, HasSubstr("unknown command \"frobnicate\""));
  EXPECT_THAT(run.output, HasSubstr("health"));
  EXPECT_THAT(run.output, HasSubstr("token"));
}

}  // namespace
}  // namespace salesteam::salesctl
