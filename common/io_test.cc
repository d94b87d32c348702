#include "common/io.h"

#include <fstream>

#include "common/testing/status_matchers.h"
#include "common/testing/test_env.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace salesteam {
namespace {

using ::salesteam::testing::StatusIs;
using ::testing::HasSubstr;

TEST(ReadFileToString, ReadsEveryByte) {
  const std::string dir = testing::MakeTempDir("io_test");
  const std::string path = dir + "/secret";
  std::ofstream(path, std::ios::binary) << std::string("a\0b\n", 4);
  ASSERT_OK_AND_ASSIGN(std::string contents, ReadFileToString(path, "--jwt_secret_file"));
  EXPECT_EQ(contents, std::string("a\0b\n", 4));
}

TEST(ReadFileToString, MissingFileIsAConfigurationErrorNamingTheFlag) {
  EXPECT_THAT(ReadFileToString("/nonexistent/cert.pem", "--tls_cert"),
              StatusIs(absl::StatusCode::kFailedPrecondition, HasSubstr("--tls_cert")));
}

TEST(ReadFileToString, FolderIsAConfigurationErrorNotAnEmptyFile) {
  const std::string dir = testing::MakeTempDir("io_test");
  EXPECT_THAT(ReadFileToString(dir, "--ca_cert"),
              StatusIs(absl::StatusCode::kFailedPrecondition, HasSubstr("--ca_cert")));
}

TEST(ParseHostPort, SplitsHostAndPortIncludingIpv6Brackets) {
  ASSERT_OK_AND_ASSIGN(HostPort v4, ParseHostPort("127.0.0.1:6379", "--redis_address"));
  EXPECT_EQ(v4.host, "127.0.0.1");
  EXPECT_EQ(v4.port, 6379);
  ASSERT_OK_AND_ASSIGN(HostPort v6, ParseHostPort("[::1]:50051", "--listen_address"));
  EXPECT_EQ(v6.host, "::1");
  EXPECT_EQ(v6.port, 50051);
  ASSERT_OK_AND_ASSIGN(HostPort any, ParseHostPort(":9101", "--metrics_address"));
  EXPECT_EQ(any.host, "");
}

TEST(ParseHostPort, RefusesMissingOrBadPortsNamingTheSetting) {
  for (const char* bad : {"localhost", "localhost:", "host:http", "host:70000", "host:-1"}) {
    EXPECT_THAT(ParseHostPort(bad, "--redis_address"),
                StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("--redis_address")))
        << bad;
  }
}

TEST(FormatUtcMicros, WritesUtcWithMicroseconds) {
  EXPECT_EQ(FormatUtcMicros(absl::FromUnixMicros(1795867200123456)), "2026-11-28T12:00:00.123456Z");
}

}  // namespace
}  // namespace salesteam
