#include "common/store/fault_injecting_database.h"

#include "common/status.h"
#include "common/testing/databases.h"
#include "common/testing/status_matchers.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace salesteam::store {
namespace {

using ::salesteam::testing::DatabaseTest;
using ::salesteam::testing::StatusIs;

class FaultInjectingDatabaseTest : public DatabaseTest {
 protected:
  void SetUp() override {
    DatabaseTest::SetUp();
    ASSERT_OK(db().Execute("CREATE TABLE kv (k TEXT PRIMARY KEY, v BIGINT NOT NULL)"));
  }
  int64_t Rows() { return *(*db().Query("SELECT COUNT(*) FROM kv")).front().Int64(0); }
};

TEST_P(FaultInjectingDatabaseTest, InjectedStatementFailureRollsBackTheTransaction) {
  FaultInjectingDatabase faulty(&db());
  faulty.FailNextStatements(absl::UnavailableError("connection lost"));
  EXPECT_THAT(faulty.Execute("INSERT INTO kv (k, v) VALUES ('a', 1)"),
              StatusIs(absl::StatusCode::kUnavailable));
  EXPECT_EQ(Rows(), 0);

  absl::Status status = faulty.Transact([&](Transaction& tx) -> absl::Status {
    RETURN_IF_ERROR(tx.Execute("INSERT INTO kv (k, v) VALUES ('b', 1)").status());
    faulty.FailNextStatements(absl::UnavailableError("connection lost"));
    (void)tx.Execute("INSERT INTO kv (k, v) VALUES ('c', 1)");
    return absl::OkStatus();  // swallowed, yet the transaction must roll back
  });
  EXPECT_THAT(status, StatusIs(absl::StatusCode::kUnavailable));
  EXPECT_EQ(Rows(), 0);
  EXPECT_EQ(faulty.statements_run(), 1);
}

TEST_P(FaultInjectingDatabaseTest, InjectedCommitFailureRollsBackAndAbortedIsRetried) {
  FaultInjectingDatabase faulty(&db());
  faulty.FailNextCommits(absl::UnavailableError("commit lost"));
  EXPECT_THAT(faulty.Transact([](Transaction& tx) {
    return tx.Execute("INSERT INTO kv (k, v) VALUES ('a', 1)").status();
  }),
              StatusIs(absl::StatusCode::kUnavailable));
  EXPECT_EQ(Rows(), 0);

  faulty.FailNextCommits(absl::AbortedError("serialization failure"), 2);
  int runs = 0;
  EXPECT_OK(faulty.Transact([&](Transaction& tx) {
    ++runs;
    return tx.Execute("INSERT INTO kv (k, v) VALUES ('a', 1)").status();
  }));
  EXPECT_EQ(runs, 3);
  EXPECT_EQ(Rows(), 1);
}

TEST_P(FaultInjectingDatabaseTest, ALostCommitReplyKeepsTheRowsButReportsTheFailure) {
  FaultInjectingDatabase faulty(&db());
  faulty.LoseNextCommitReplies(absl::UnavailableError("reply lost"));
  int runs = 0;
  EXPECT_THAT(faulty.Transact([&](Transaction& tx) {
    ++runs;
    return tx.Execute("INSERT INTO kv (k, v) VALUES ('a', 1)").status();
  }),
              StatusIs(absl::StatusCode::kUnavailable));
  EXPECT_EQ(runs, 1);
  EXPECT_EQ(Rows(), 1);  // committed all the same
  // Once only.
  EXPECT_OK(faulty.Transact([](Transaction& tx) {
    return tx.Execute("INSERT INTO kv (k, v) VALUES ('b', 1)").status();
  }));
  EXPECT_EQ(Rows(), 2);
}

// The double retries by the real drivers' rule (database.h): an ABORTED the
// function returns by itself (a stale version) is its answer and runs once,
// on the double exactly as on the real database beneath it.
TEST_P(FaultInjectingDatabaseTest, AbortedReturnedByTheFunctionItselfIsNotRetried) {
  FaultInjectingDatabase faulty(&db());
  for (Database* database : {static_cast<Database*>(&faulty), &db()}) {
    int runs = 0;
    EXPECT_THAT(database->Transact([&](Transaction& tx) -> absl::Status {
      ++runs;
      RETURN_IF_ERROR(tx.Execute("INSERT INTO kv (k, v) VALUES ('a', 1)").status());
      return absl::AbortedError("stale version");
    }),
                StatusIs(absl::StatusCode::kAborted, ::testing::HasSubstr("stale version")));
    EXPECT_EQ(runs, 1) << (database == &faulty ? "fault-injecting" : "real");
    EXPECT_EQ(Rows(), 0);
  }
}

// An ABORTED from a statement is the database's conflict: retried, and the
// retry's statements run for real.
TEST_P(FaultInjectingDatabaseTest, InjectedAbortedStatementIsRetriedEvenWhenSwallowed) {
  FaultInjectingDatabase faulty(&db());
  int runs = 0;
  EXPECT_OK(faulty.Transact([&](Transaction& tx) -> absl::Status {
    if (++runs == 1) {
      faulty.FailNextStatements(absl::AbortedError("deadlock detected"));
      (void)tx.Execute("INSERT INTO kv (k, v) VALUES ('lost', 1)");
    }
    return tx.Execute("INSERT INTO kv (k, v) VALUES ('a', 1)").status();
  }));
  EXPECT_EQ(runs, 2);
  EXPECT_EQ(Rows(), 1);
}

SALESTEAM_INSTANTIATE_DATABASE_TEST(FaultInjectingDatabaseTest);

}  // namespace
}  // namespace salesteam::store
