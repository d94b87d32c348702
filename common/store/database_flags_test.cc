// The database flags as a service's main() sees them: defaults, SALESTEAM_*
// environment overrides applied by ApplyEnvOverrides (what ParseFlagsWithEnv
// runs), and the database they open, on real SQLite files and a real
// PostgreSQL server.
#include "common/store/database_flags.h"

#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <memory>
#include <string>
#include <system_error>
#include <vector>

#include "absl/flags/declare.h"
#include "absl/flags/flag.h"
#include "absl/flags/reflection.h"
#include "absl/strings/str_cat.h"
#include "common/config.h"
#include "common/status.h"
#include "common/testing/databases.h"
#include "common/testing/status_matchers.h"
#include "common/testing/test_env.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "store_test_migrations.h"

ABSL_DECLARE_FLAG(int, postgres_pool_size);
ABSL_DECLARE_FLAG(int, sqlite_readers);
ABSL_DECLARE_FLAG(absl::Duration, sqlite_busy_timeout);

namespace salesteam::store {
namespace {

using ::salesteam::testing::DatabaseKind;
using ::salesteam::testing::IsOkAndHolds;
using ::salesteam::testing::StatusIs;
using ::salesteam::testing::TestDatabase;
using ::testing::AllOf;
using ::testing::HasSubstr;
using ::testing::Not;

// Sets environment variables for one test and removes them afterwards, and
// restores every flag (ApplyEnvOverrides writes them).
class DatabaseFlagsTest : public ::testing::Test {
 protected:
  void SetEnv(const std::string& name, const std::string& value) {
    ::setenv(name.c_str(), value.c_str(), 1);
    set_.push_back(name);
  }
  void TearDown() override {
    for (const std::string& name : set_) ::unsetenv(name.c_str());
  }

  // Runs the test body in a fresh working folder, as a service started in
  // an empty checkout would be.
  void EnterTempDir() {
    dir_ = salesteam::testing::MakeTempDir("salesteam-database-flags");
    ASSERT_FALSE(dir_.empty());
    previous_ = std::filesystem::current_path();
    std::filesystem::current_path(dir_);
  }
  void LeaveTempDir() {
    if (dir_.empty()) return;
    std::filesystem::current_path(previous_);
    std::error_code ignored;
    std::filesystem::remove_all(dir_, ignored);
    dir_.clear();
  }
  ~DatabaseFlagsTest() override { LeaveTempDir(); }

  absl::FlagSaver restore_flags_;
  std::vector<std::string> set_;
  std::string dir_;
  std::filesystem::path previous_;
};

// The newest migration version in testdata/migrations.
int64_t NewestTestMigration() { return migrations::store_test().migrations.back().version; }

TEST_F(DatabaseFlagsTest, DefaultsAreTheServicesOwnSqliteFileWithFullDurability) {
  EXPECT_EQ(DatabaseUrlFromFlags("roster"), "sqlite://var/data/roster.db");
  EXPECT_EQ(DatabaseUrlFromFlags("activity"), "sqlite://var/data/activity.db");
  ASSERT_OK_AND_ASSIGN(DatabaseOptions options, DatabaseOptionsFromFlags());
  const DatabaseOptions defaults;
  EXPECT_EQ(options.sqlite_synchronous, SqliteSynchronous::kFull);
  EXPECT_EQ(options.sqlite_busy_timeout, defaults.sqlite_busy_timeout);
  EXPECT_EQ(options.sqlite_readers, defaults.sqlite_readers);
  EXPECT_EQ(options.postgres_pool_size, defaults.postgres_pool_size);
  EXPECT_EQ(options.postgres_acquire_timeout, defaults.postgres_acquire_timeout);
  EXPECT_EQ(options.postgres_connect_timeout, defaults.postgres_connect_timeout);
}

TEST_F(DatabaseFlagsTest, DefaultCreatesVarDataAndAppliesTheMigrations) {
  EnterTempDir();
  ASSERT_FALSE(std::filesystem::exists("var/data"));
  {
    ASSERT_OK_AND_ASSIGN(std::unique_ptr<Database> db,
                         OpenDatabaseFromFlags("store_test", &migrations::store_test()));
    EXPECT_EQ(db->dialect(), Dialect::kSqlite);
    EXPECT_THAT(SchemaVersion(*db, "store_test"), IsOkAndHolds(NewestTestMigration()));
    EXPECT_OK(db->Execute("INSERT INTO teams (id, name) VALUES ('t1', 'West')"));
  }
  EXPECT_TRUE(std::filesystem::exists("var/data/store_test.db"));
  // Opening again finds the same data and migrates nothing twice.
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<Database> again,
                       OpenDatabaseFromFlags("store_test", &migrations::store_test()));
  ASSERT_OK_AND_ASSIGN(ResultSet rows, again->Query("SELECT name FROM teams"));
  ASSERT_EQ(rows.size(), 1u);
  EXPECT_THAT(rows.front().Text(0), IsOkAndHolds("West"));
}

TEST_F(DatabaseFlagsTest, WithoutMigrationsTheSchemaIsLeftAlone) {
  EnterTempDir();
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<Database> db, OpenDatabaseFromFlags("store_test"));
  EXPECT_THAT(SchemaVersion(*db, "store_test"), IsOkAndHolds(0));
}

TEST_F(DatabaseFlagsTest, EnvironmentUrlSelectsPostgresAndMigratesIt) {
  ASSERT_OK_AND_ASSIGN(auto test_db, TestDatabase::Create(DatabaseKind::kPostgres));
  SetEnv("SALESTEAM_DATABASE_URL", test_db->url());
  SetEnv("SALESTEAM_POSTGRES_POOL_SIZE", "3");
  ASSERT_OK(ApplyEnvOverrides());
  EXPECT_EQ(DatabaseUrlFromFlags("store_test"), test_db->url());
  ASSERT_OK_AND_ASSIGN(DatabaseOptions options, DatabaseOptionsFromFlags());
  EXPECT_EQ(options.postgres_pool_size, 3);
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<Database> db,
                       OpenDatabaseFromFlags("store_test", &migrations::store_test()));
  EXPECT_EQ(db->dialect(), Dialect::kPostgres);
  EXPECT_THAT(SchemaVersion(*db, "store_test"), IsOkAndHolds(NewestTestMigration()));
}

TEST_F(DatabaseFlagsTest, EnvironmentUrlNamesAnExplicitSqliteFile) {
  ASSERT_OK_AND_ASSIGN(auto test_db, TestDatabase::Create(DatabaseKind::kSqlite));
  SetEnv("SALESTEAM_DATABASE_URL", test_db->url());
  ASSERT_OK(ApplyEnvOverrides());
  EnterTempDir();
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<Database> db,
                       OpenDatabaseFromFlags("store_test", &migrations::store_test()));
  // The data went to the named file, and no default folder was made.
  EXPECT_FALSE(std::filesystem::exists("var/data"));
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<Database> direct, test_db->Open());
  EXPECT_THAT(SchemaVersion(*direct, "store_test"), IsOkAndHolds(NewestTestMigration()));
}

// PRAGMA synchronous reads 2 for FULL and 1 for NORMAL on the writer, the
// connection that commits.
absl::StatusOr<int64_t> WriterSynchronous(Database& db) {
  int64_t level = -1;
  RETURN_IF_ERROR(db.Transact([&](Transaction& tx) -> absl::Status {
    ASSIGN_OR_RETURN(ResultSet rows, tx.Query("PRAGMA synchronous"));
    ASSIGN_OR_RETURN(level, rows.front().Int64(0));
    return absl::OkStatus();
  }));
  return level;
}

TEST_F(DatabaseFlagsTest, SqliteSynchronousFlagReachesTheWriterConnection) {
  EnterTempDir();
  {
    ASSERT_OK_AND_ASSIGN(std::unique_ptr<Database> db, OpenDatabaseFromFlags("full"));
    EXPECT_THAT(WriterSynchronous(*db), IsOkAndHolds(2));
  }
  SetEnv("SALESTEAM_SQLITE_SYNCHRONOUS", "normal");
  ASSERT_OK(ApplyEnvOverrides());
  ASSERT_OK_AND_ASSIGN(DatabaseOptions options, DatabaseOptionsFromFlags());
  EXPECT_EQ(options.sqlite_synchronous, SqliteSynchronous::kNormal);
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<Database> db, OpenDatabaseFromFlags("normal"));
  EXPECT_THAT(WriterSynchronous(*db), IsOkAndHolds(1));
}

TEST_F(DatabaseFlagsTest, UnknownSynchronousModeIsRejectedNamingTheVariable) {
  SetEnv("SALESTEAM_SQLITE_SYNCHRONOUS", "off");
  EXPECT_THAT(ApplyEnvOverrides(), StatusIs(absl::StatusCode::kInvalidArgument,
                                            AllOf(HasSubstr("SALESTEAM_SQLITE_SYNCHRONOUS"),
                                                  HasSubstr("full or normal"))));
}

TEST_F(DatabaseFlagsTest, OutOfRangeValuesAreInvalidArgumentNamingTheFlag) {
  absl::SetFlag(&FLAGS_postgres_pool_size, 0);
  EXPECT_THAT(DatabaseOptionsFromFlags(),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("--postgres_pool_size")));
  absl::SetFlag(&FLAGS_postgres_pool_size, 8);
  absl::SetFlag(&FLAGS_sqlite_busy_timeout, absl::ZeroDuration());
  EXPECT_THAT(OpenDatabaseFromFlags("roster"),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("--sqlite_busy_timeout")));
  absl::SetFlag(&FLAGS_sqlite_busy_timeout, absl::Seconds(1));
  absl::SetFlag(&FLAGS_sqlite_readers, -1);
  EXPECT_THAT(DatabaseOptionsFromFlags(),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("--sqlite_readers")));
}

TEST_F(DatabaseFlagsTest, ServiceNameThatCouldLeaveVarDataIsRefused) {
  EnterTempDir();
  for (const char* name : {"", "../roster", "roster/x", "Roster", "a b"}) {
    EXPECT_THAT(OpenDatabaseFromFlags(name), StatusIs(absl::StatusCode::kInvalidArgument)) << name;
  }
  EXPECT_FALSE(std::filesystem::exists("var"));
}

TEST_F(DatabaseFlagsTest, UnreachablePostgresIsUnavailableAndNamesTheService) {
  SetEnv("SALESTEAM_DATABASE_URL",
         absl::StrCat("host=127.0.0.1 port=", salesteam::testing::PickUnusedPort(),
                      " user=nobody password=s3cret dbname=roster"));
  SetEnv("SALESTEAM_POSTGRES_CONNECT_TIMEOUT", "2s");
  ASSERT_OK(ApplyEnvOverrides());
  EXPECT_THAT(OpenDatabaseFromFlags("roster"),
              StatusIs(absl::StatusCode::kUnavailable,
                       AllOf(HasSubstr("roster database"), Not(HasSubstr("s3cret")))));
}

}  // namespace
}  // namespace salesteam::store
