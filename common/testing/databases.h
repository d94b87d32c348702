// Fresh databases for store tests, so that every store test runs on both
// backends and tests stay independent (and may run in parallel):
//   - SQLite: a file in a new temporary folder, removed afterwards;
//   - PostgreSQL: a new database on the server at SALESTEAM_TEST_POSTGRES
//     (test_env.h), dropped afterwards.
//
// Typical use, for any store (common/store or a service's):
//
//   class TeamStoreTest : public salesteam::testing::DatabaseTest {};
//   TEST_P(TeamStoreTest, CreatesTeam) { ... db() ... }
//   SALESTEAM_INSTANTIATE_DATABASE_TEST(TeamStoreTest);
//
// which runs each TEST_P as .../sqlite and .../postgres.
#ifndef SALESTEAM_COMMON_TESTING_DATABASES_H_
#define SALESTEAM_COMMON_TESTING_DATABASES_H_

#include <memory>
#include <ostream>
#include <string>

#include "absl/status/statusor.h"
#include "common/store/database.h"
#include "gtest/gtest.h"

namespace salesteam::testing {

enum class DatabaseKind { kSqlite, kPostgres };

// "sqlite" or "postgres": the suffix of each parametrised test's name.
std::string DatabaseKindName(DatabaseKind kind);
std::string DatabaseKindParamName(const ::testing::TestParamInfo<DatabaseKind>& info);
// Prints the kind by name in gtest output (and so in ctest's test names).
void PrintTo(DatabaseKind kind, std::ostream* os);

// Runs one statement on the test PostgreSQL server (SALESTEAM_TEST_POSTGRES)
// on a connection of its own, outside any transaction: for what may not run
// in one (CREATE/DROP TABLESPACE) or concerns a whole database.
absl::Status ExecOnTestPostgres(const std::string& sql);

// A new, empty database of one kind, removed when this object is destroyed
// (close every store::Database opened on it first).
class TestDatabase {
 public:
  static absl::StatusOr<std::unique_ptr<TestDatabase>> Create(DatabaseKind kind);
  TestDatabase(const TestDatabase&) = delete;
  TestDatabase& operator=(const TestDatabase&) = delete;
  ~TestDatabase();

  DatabaseKind kind() const { return kind_; }
  // What store::OpenDatabase takes: sqlite:///tmp/.../test.db or a conninfo.
  const std::string& url() const { return url_; }
  // PostgreSQL: the database's name on the test server ("" for SQLite).
  const std::string& postgres_name() const { return pg_name_; }
  // Opens another handle on this database (e.g. a second writer).
  absl::StatusOr<std::unique_ptr<store::Database>> Open(
      const store::DatabaseOptions& options = {}) const;

 private:
  TestDatabase(DatabaseKind kind, std::string url) : kind_(kind), url_(std::move(url)) {}

  DatabaseKind kind_;
  std::string url_;
  std::string temp_dir_;        // SQLite
  std::string admin_conninfo_;  // PostgreSQL: where to drop it from
  std::string pg_name_;         // PostgreSQL database name
};

// Fixture: each test gets a fresh database of the parameter's kind, opened
// with default options as db().
class DatabaseTest : public ::testing::TestWithParam<DatabaseKind> {
 protected:
  void SetUp() override;
  void TearDown() override;

  store::Database& db() { return *db_; }
  TestDatabase& test_database() { return *test_db_; }
  DatabaseKind kind() const { return GetParam(); }

 private:
  std::unique_ptr<TestDatabase> test_db_;
  std::unique_ptr<store::Database> db_;
};

}  // namespace salesteam::testing

#define SALESTEAM_INSTANTIATE_DATABASE_TEST(fixture)                                         \
  INSTANTIATE_TEST_SUITE_P(BothDatabases, fixture,                                           \
                           ::testing::Values(::salesteam::testing::DatabaseKind::kSqlite,    \
                                             ::salesteam::testing::DatabaseKind::kPostgres), \
                           ::salesteam::testing::DatabaseKindParamName)

#endif  // SALESTEAM_COMMON_TESTING_DATABASES_H_
