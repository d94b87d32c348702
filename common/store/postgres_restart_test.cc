// PostgreSQL restarted (and stopped) in the middle of a test suite: the store
// keeps working once the server is back, without reopening the Database.
// These tests restart the shared test server (SALESTEAM_TEST_PGDATA with
// pg_ctl from SALESTEAM_TEST_PGBIN), so ctest runs them with RUN_SERIAL.
#include <unistd.h>

#include <atomic>
#include <cstdlib>
#include <fstream>
#include <memory>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "absl/synchronization/notification.h"
#include "common/status.h"
#include "common/store/database.h"
#include "common/testing/databases.h"
#include "common/testing/status_matchers.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace salesteam::store {
namespace {

using ::salesteam::testing::DatabaseKind;
using ::salesteam::testing::StatusIs;
using ::salesteam::testing::TestDatabase;

std::string Env(const char* name) {
  const char* value = std::getenv(name);
  return value != nullptr ? value : "";
}

std::string ShellQuote(const std::string& s) {
  std::string out = "'";
  for (char c : s) {
    if (c == '\'') {
      out += "'\\''";
    } else {
      out += c;
    }
  }
  return out + "'";
}

// Runs pg_ctl on the test cluster (as the postgres user when we are root,
// because PostgreSQL refuses to run as root).
absl::Status PgCtl(const std::string& args) {
  const std::string pgdata = Env("SALESTEAM_TEST_PGDATA");
  const std::string pgbin = Env("SALESTEAM_TEST_PGBIN");
  if (pgdata.empty() || pgbin.empty()) {
    return absl::FailedPreconditionError(
        "SALESTEAM_TEST_PGDATA and SALESTEAM_TEST_PGBIN must name the test cluster");
  }
  std::string command =
      absl::StrCat(ShellQuote(pgbin + "/pg_ctl"), " -D ", ShellQuote(pgdata), " ", args);
  if (::geteuid() == 0) command = "runuser -u postgres -- " + command;
  command += " >/dev/null";
  if (std::system(command.c_str()) != 0) {
    return absl::InternalError(absl::StrCat("failed: ", command));
  }
  return absl::OkStatus();
}

class PostgresRestartTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_OK_AND_ASSIGN(test_db_, TestDatabase::Create(DatabaseKind::kPostgres));
    DatabaseOptions options;
    options.postgres_pool_size = 4;
    ASSERT_OK_AND_ASSIGN(db_, test_db_->Open(options));
    ASSERT_OK(db_->Execute("CREATE TABLE kv (k TEXT PRIMARY KEY, v BIGINT NOT NULL)"));
  }
  void TearDown() override {
    db_.reset();
    test_db_.reset();
  }

  // Leaves several pooled connections idle, so that all of them go stale.
  void WarmPool() {
    absl::Notification all_in;
    std::atomic<int> inside{0};
    std::vector<std::thread> threads;
    for (int i = 0; i < 4; ++i) {
      threads.emplace_back([&] {
        EXPECT_OK(db_->Transact([&](Transaction& tx) -> absl::Status {
          RETURN_IF_ERROR(tx.Query("SELECT COUNT(*) FROM kv").status());
          if (++inside == 4) all_in.Notify();
          all_in.WaitForNotification();
          return absl::OkStatus();
        }));
      });
    }
    for (std::thread& t : threads) t.join();
  }

  std::unique_ptr<TestDatabase> test_db_;
  std::unique_ptr<Database> db_;
};

TEST_F(PostgresRestartTest, NextCallsAfterARestartSucceedOnEveryPooledConnection) {
  ASSERT_OK(db_->Execute("INSERT INTO kv (k, v) VALUES ('before', 1)"));
  WarmPool();
  ASSERT_OK(PgCtl("-m fast -w restart"));
  for (int i = 0; i < 8; ++i) {
    const std::string key = absl::StrCat("after", i);
    EXPECT_OK(db_->Execute("INSERT INTO kv (k, v) VALUES ($1, $2)", {key, i}));
  }
  ASSERT_OK_AND_ASSIGN(ResultSet rows, db_->Query("SELECT COUNT(*) FROM kv"));
  EXPECT_EQ(*rows.front().Int64(0), 9);
}

TEST_F(PostgresRestartTest, TransactionCutByARestartFailsUnavailableAndLeavesNothing) {
  absl::Status status = db_->Transact([&](Transaction& tx) -> absl::Status {
    RETURN_IF_ERROR(tx.Execute("INSERT INTO kv (k, v) VALUES ('cut', 1)").status());
    RETURN_IF_ERROR(PgCtl("-m fast -w restart"));
    return tx.Execute("INSERT INTO kv (k, v) VALUES ('cut too', 2)").status();
  });
  EXPECT_THAT(status, StatusIs(absl::StatusCode::kUnavailable));
  EXPECT_OK(db_->Execute("INSERT INTO kv (k, v) VALUES ('next', 3)"));
  ASSERT_OK_AND_ASSIGN(ResultSet rows, db_->Query("SELECT k FROM kv"));
  ASSERT_EQ(rows.size(), 1u);
  EXPECT_EQ(*rows.front().Text(0), "next");
}

TEST_F(PostgresRestartTest, CallsWhileTheServerIsDownFailUnavailableThenSucceedOnceItIsBack) {
  WarmPool();
  // pg_ctl start needs the options the server was started with.
  std::ifstream opts_file(Env("SALESTEAM_TEST_PGDATA") + "/postmaster.opts");
  std::stringstream opts;
  opts << opts_file.rdbuf();
  std::string command_line(absl::StripAsciiWhitespace(opts.str()));
  const size_t first_space = command_line.find(' ');
  ASSERT_NE(first_space, std::string::npos) << command_line;
  const std::string server_options = command_line.substr(first_space + 1);
  const std::string log = Env("SALESTEAM_TEST_PGDATA") + "/../postgres.log";

  ASSERT_OK(PgCtl("-m fast -w stop"));
  const absl::Status down = db_->Execute("INSERT INTO kv (k, v) VALUES ('down', 1)").status();
  const absl::Status started =
      PgCtl(absl::StrCat("-w -l ", ShellQuote(log), " -o ", ShellQuote(server_options), " start"));
  ASSERT_OK(started);
  EXPECT_THAT(down, StatusIs(absl::StatusCode::kUnavailable));
  EXPECT_OK(db_->Execute("INSERT INTO kv (k, v) VALUES ('back', 2)"));
  ASSERT_OK_AND_ASSIGN(ResultSet rows, db_->Query("SELECT k FROM kv"));
  ASSERT_EQ(rows.size(), 1u);
  EXPECT_EQ(*rows.front().Text(0), "back");
}

}  // namespace
}  // namespace salesteam::store
