// The migration runner on both backends, with migration files embedded by the
// same salesteam_migrations() CMake function the services use
// (testdata/migrations, service name "store_test").
#include "common/store/migrations.h"

#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "common/status.h"
#include "common/testing/databases.h"
#include "common/testing/status_matchers.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "store_test_migrations.h"

namespace salesteam::store {
namespace {

using ::salesteam::testing::DatabaseTest;
using ::salesteam::testing::IsOkAndHolds;
using ::salesteam::testing::StatusIs;
using ::testing::AllOf;
using ::testing::HasSubstr;

class MigrationsTest : public DatabaseTest {
 protected:
  // (service, version, name) rows of schema_migrations, in order.
  std::vector<std::string> Recorded() {
    std::vector<std::string> out;
    auto rows = db().Query(
        "SELECT service, version, name, applied_at FROM schema_migrations ORDER BY service, "
        "version");
    EXPECT_TRUE(rows.ok()) << rows.status();
    if (!rows.ok()) return out;
    for (Row row : *rows) {
      EXPECT_FALSE(row.Text("applied_at")->empty());
      out.push_back(
          absl::StrCat(*row.Text("service"), "/", *row.Int64("version"), "/", *row.Text("name")));
    }
    return out;
  }

  bool TableExists(absl::string_view table) {
    return db().Query(absl::StrCat("SELECT COUNT(*) FROM ", table)).ok();
  }
};

TEST_P(MigrationsTest, EmbeddedFilesAreNumberedNamedAndByteExact) {
  const MigrationSet& set = migrations::store_test();
  EXPECT_EQ(set.service, "store_test");
  ASSERT_EQ(set.migrations.size(), 2u);
  EXPECT_EQ(set.migrations[0].version, 1);
  EXPECT_EQ(set.migrations[0].name, "create_teams");
  EXPECT_EQ(set.migrations[1].version, 2);
  EXPECT_EQ(set.migrations[1].name, "create_members");
  EXPECT_THAT(std::string(set.migrations[0].sql), HasSubstr("DEFAULT 'it''s $1'"));
}

TEST_P(MigrationsTest, AppliesEveryMigrationInOrderAndRecordsIt) {
  ASSERT_OK(ApplyMigrations(db(), migrations::store_test()));
  EXPECT_THAT(SchemaVersion(db(), "store_test"), IsOkAndHolds(2));
  EXPECT_THAT(Recorded(),
              ::testing::ElementsAre("store_test/1/create_teams", "store_test/2/create_members"));
  ASSERT_OK(db().Execute("INSERT INTO teams (id, name) VALUES ($1, $2)", {"t1", "Team"}));
  ASSERT_OK(db().Execute("INSERT INTO members (id, team_id, quota_minor) VALUES ($1, $2, $3)",
                         {"m1", "t1", 100}));
  ASSERT_OK_AND_ASSIGN(ResultSet rows, db().Query("SELECT note FROM teams"));
  EXPECT_EQ(*rows.front().Text(0), "it's $1");
}

TEST_P(MigrationsTest, RunningAgainChangesNothing) {
  ASSERT_OK(ApplyMigrations(db(), migrations::store_test()));
  ASSERT_OK(db().Execute("INSERT INTO teams (id, name) VALUES ($1, $2)", {"t1", "Team"}));
  ASSERT_OK(ApplyMigrations(db(), migrations::store_test()));
  EXPECT_THAT(Recorded(),
              ::testing::ElementsAre("store_test/1/create_teams", "store_test/2/create_members"));
  ASSERT_OK_AND_ASSIGN(ResultSet rows, db().Query("SELECT COUNT(*) FROM teams"));
  EXPECT_EQ(*rows.front().Int64(0), 1);
}

TEST_P(MigrationsTest, RefusesASchemaNewerThanTheBinaryKnows) {
  ASSERT_OK(ApplyMigrations(db(), migrations::store_test()));
  // An older binary that only knows migration 1.
  const MigrationSet older{"store_test", migrations::store_test().migrations.subspan(0, 1)};
  EXPECT_THAT(ApplyMigrations(db(), older),
              StatusIs(absl::StatusCode::kFailedPrecondition,
                       AllOf(HasSubstr("store_test"), HasSubstr("version 2"), HasSubstr("(1)"))));
}

TEST_P(MigrationsTest, RefusesARecordedMigrationUnderAnotherName) {
  ASSERT_OK(ApplyMigrations(db(), migrations::store_test()));
  const Migration renamed[] = {{1, "create_teams", "SELECT 1"}, {2, "something_else", "SELECT 1"}};
  EXPECT_THAT(ApplyMigrations(db(), {"store_test", renamed}),
              StatusIs(absl::StatusCode::kFailedPrecondition, HasSubstr("something_else")));
}

TEST_P(MigrationsTest, FailingMigrationLeavesNothingOfItselfApplied) {
  const Migration broken[] = {
      {1, "create_a", "CREATE TABLE a (x TEXT);"},
      {2, "create_b_then_fail",
       "CREATE TABLE b (x TEXT); INSERT INTO a (x) VALUES ('y'); CREATE TABL oops;"},
  };
  EXPECT_THAT(ApplyMigrations(db(), {"svc", broken}),
              StatusIs(absl::StatusCode::kInternal, HasSubstr("migration 2 (create_b_then_fail)")));
  EXPECT_THAT(SchemaVersion(db(), "svc"), IsOkAndHolds(1));
  EXPECT_TRUE(TableExists("a"));
  EXPECT_FALSE(TableExists("b"));
  ASSERT_OK_AND_ASSIGN(ResultSet rows, db().Query("SELECT COUNT(*) FROM a"));
  EXPECT_EQ(*rows.front().Int64(0), 0);

  // The fixed migration applies on the next start.
  const Migration fixed[] = {
      {1, "create_a", "CREATE TABLE a (x TEXT);"},
      {2, "create_b_then_fail", "CREATE TABLE b (x TEXT); INSERT INTO a (x) VALUES ('y');"},
  };
  ASSERT_OK(ApplyMigrations(db(), {"svc", fixed}));
  EXPECT_THAT(SchemaVersion(db(), "svc"), IsOkAndHolds(2));
  EXPECT_TRUE(TableExists("b"));
}

TEST_P(MigrationsTest, ServicesSharingADatabaseKeepSeparateVersions) {
  const Migration other[] = {{1, "create_x", "CREATE TABLE x (a TEXT)"},
                             {2, "create_y", "CREATE TABLE y (a TEXT)"},
                             {3, "create_z", "CREATE TABLE z (a TEXT)"}};
  ASSERT_OK(ApplyMigrations(db(), {"other", other}));
  ASSERT_OK(ApplyMigrations(db(), migrations::store_test()));
  EXPECT_THAT(SchemaVersion(db(), "other"), IsOkAndHolds(3));
  EXPECT_THAT(SchemaVersion(db(), "store_test"), IsOkAndHolds(2));
  EXPECT_THAT(SchemaVersion(db(), "nobody"), IsOkAndHolds(0));
}

TEST_P(MigrationsTest, ConcurrentStartersApplyEachMigrationOnce) {
  ASSERT_OK_AND_ASSIGN(auto second, test_database().Open());
  absl::Status first_status, second_status;
  std::thread t([&] { first_status = ApplyMigrations(db(), migrations::store_test()); });
  second_status = ApplyMigrations(*second, migrations::store_test());
  t.join();
  EXPECT_OK(first_status);
  EXPECT_OK(second_status);
  EXPECT_THAT(Recorded(),
              ::testing::ElementsAre("store_test/1/create_teams", "store_test/2/create_members"));
}

TEST_P(MigrationsTest, EmptySetCreatesOnlyTheBookkeepingTable) {
  ASSERT_OK(ApplyMigrations(db(), {"empty", {}}));
  EXPECT_THAT(SchemaVersion(db(), "empty"), IsOkAndHolds(0));
  EXPECT_TRUE(TableExists("schema_migrations"));
}

SALESTEAM_INSTANTIATE_DATABASE_TEST(MigrationsTest);

}  // namespace
}  // namespace salesteam::store
