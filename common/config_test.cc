#include "common/config.h"

#include <stdlib.h>

#include "absl/flags/flag.h"
#include "common/testing/status_matchers.h"
#include "gtest/gtest.h"

ABSL_FLAG(int, config_test_port, 50051, "a flag for the test");
ABSL_FLAG(std::string, config_test_name, "default", "a flag for the test");

namespace salesteam {
namespace {

using ::salesteam::testing::StatusIs;

TEST(Config, EnvironmentVariableNameIsPrefixedUpperCaseFlagName) {
  EXPECT_EQ(EnvVarForFlag("redis_address"), "SALESTEAM_REDIS_ADDRESS");
}

TEST(Config, EnvironmentOverridesTheDefault) {
  ::setenv("SALESTEAM_CONFIG_TEST_PORT", "6000", 1);
  ::setenv("SALESTEAM_CONFIG_TEST_NAME", "from-env", 1);
  ASSERT_OK(ApplyEnvOverrides());
  EXPECT_EQ(absl::GetFlag(FLAGS_config_test_port), 6000);
  EXPECT_EQ(absl::GetFlag(FLAGS_config_test_name), "from-env");
  ::unsetenv("SALESTEAM_CONFIG_TEST_PORT");
  ::unsetenv("SALESTEAM_CONFIG_TEST_NAME");
}

TEST(Config, CommandLineWinsOverEnvironment) {
  ::setenv("SALESTEAM_CONFIG_TEST_PORT", "6000", 1);
  char arg0[] = "prog";
  char arg1[] = "--config_test_port=7000";
  char* argv[] = {arg0, arg1};
  ParseFlagsWithEnv(2, argv);
  EXPECT_EQ(absl::GetFlag(FLAGS_config_test_port), 7000);
  ::unsetenv("SALESTEAM_CONFIG_TEST_PORT");
}

TEST(Config, UnparsableOverrideIsAnErrorNamingTheVariable) {
  ::setenv("SALESTEAM_CONFIG_TEST_PORT", "not-a-number", 1);
  EXPECT_THAT(ApplyEnvOverrides(), StatusIs(absl::StatusCode::kInvalidArgument,
                                            ::testing::HasSubstr("SALESTEAM_CONFIG_TEST_PORT")));
  ::unsetenv("SALESTEAM_CONFIG_TEST_PORT");
}

}  // namespace
}  // namespace salesteam
