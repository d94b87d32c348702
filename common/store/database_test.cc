// The store's contract, run on both backends (test names end in /sqlite and
// /postgres), against real SQLite files and a real PostgreSQL server.
#include "common/store/database.h"

#include <cstdint>
#include <limits>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/synchronization/notification.h"
#include "common/status.h"
#include "common/testing/databases.h"
#include "common/testing/status_matchers.h"
#include "common/testing/test_env.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace salesteam::store {
namespace {

using ::salesteam::testing::DatabaseKind;
using ::salesteam::testing::DatabaseTest;
using ::salesteam::testing::IsOk;
using ::salesteam::testing::IsOkAndHolds;
using ::salesteam::testing::StatusIs;
using ::salesteam::testing::TestDatabase;
using ::testing::AllOf;
using ::testing::AnyOf;
using ::testing::HasSubstr;

constexpr absl::string_view kCreateKv = "CREATE TABLE kv (k TEXT PRIMARY KEY, v BIGINT NOT NULL)";

absl::StatusOr<int64_t> Count(Executor& db, absl::string_view table) {
  ASSIGN_OR_RETURN(ResultSet rows, db.Query(absl::StrCat("SELECT COUNT(*) FROM ", table)));
  return rows.front().Int64(0);
}

class StoreDatabaseTest : public DatabaseTest {
 protected:
  void CreateKv() { ASSERT_OK(db().Execute(kCreateKv)); }
};

TEST_P(StoreDatabaseTest, ReportsItsDialect) {
  EXPECT_EQ(db().dialect(),
            kind() == DatabaseKind::kSqlite ? Dialect::kSqlite : Dialect::kPostgres);
}

TEST_P(StoreDatabaseTest, RoundTripsEveryTypeIncludingNullBytesAndExtremeInt64) {
  ASSERT_OK(db().Execute(
      "CREATE TABLE vals (id BIGINT PRIMARY KEY, i BIGINT, d DOUBLE PRECISION, s TEXT, b BYTEA)"));
  const std::string bytes("\0\x01\xff\x80 end", 7);
  const std::string text = "Zoë's \"quote\" — 東京";
  const std::optional<std::string> no_bytes;
  ASSERT_OK(db().Execute("INSERT INTO vals (id, i, d, s, b) VALUES ($1, $2, $3, $4, $5)",
                         {1, std::numeric_limits<int64_t>::max(), 0.1, text, Param::Bytes(bytes)}));
  ASSERT_OK(db().Execute("INSERT INTO vals (id, i, d, s, b) VALUES ($1, $2, $3, $4, $5)",
                         {2, std::numeric_limits<int64_t>::min(), -1e300, "", Param::Bytes("")}));
  ASSERT_OK(db().Execute("INSERT INTO vals (id, i, d, s, b) VALUES ($1, $2, $3, $4, $5)",
                         {3, nullptr, std::nullopt, Param(), no_bytes}));

  ASSERT_OK_AND_ASSIGN(ResultSet rows, db().Query("SELECT id, i, d, s, b FROM vals ORDER BY id"));
  ASSERT_EQ(rows.size(), 3u);
  EXPECT_EQ(*rows.row(0).Int64("i"), std::numeric_limits<int64_t>::max());
  EXPECT_EQ(*rows.row(0).Double("d"), 0.1);
  EXPECT_EQ(*rows.row(0).Text("s"), text);
  EXPECT_EQ(*rows.row(0).Bytes("b"), bytes);
  EXPECT_EQ(*rows.row(1).Int64("i"), std::numeric_limits<int64_t>::min());
  EXPECT_EQ(*rows.row(1).Double("d"), -1e300);
  EXPECT_EQ(*rows.row(1).Text("s"), "");  // empty, not NULL
  EXPECT_EQ(*rows.row(1).Bytes("b"), "");
  for (int c = 1; c <= 4; ++c) EXPECT_TRUE(rows.row(2).IsNull(c)) << "column " << c;
  EXPECT_EQ(*rows.row(2).OptionalInt64("i"), std::nullopt);
  EXPECT_EQ(*rows.row(2).OptionalText("s"), std::nullopt);
  // Typed getters refuse the wrong type on both backends.
  EXPECT_THAT(rows.row(0).Text("i"), StatusIs(absl::StatusCode::kInternal));
  EXPECT_THAT(rows.row(0).Text("b"), StatusIs(absl::StatusCode::kInternal));
  EXPECT_THAT(rows.row(2).Int64("i"), StatusIs(absl::StatusCode::kInternal));
}

TEST_P(StoreDatabaseTest, NumberedParamsMayComeOutOfOrderAndRepeat) {
  ASSERT_OK(db().Execute("CREATE TABLE t (a TEXT, b TEXT, c TEXT, n BIGINT)"));
  ASSERT_OK(db().Execute("INSERT INTO t (a, b, c, n) VALUES ($2, $1, $2, $3)", {"one", "two", 5}));
  ASSERT_OK_AND_ASSIGN(
      ResultSet rows,
      db().Query("SELECT a, b, c, n + $1 AS m FROM t WHERE n = $1 AND a = $2", {5, "two"}));
  ASSERT_EQ(rows.size(), 1u);
  EXPECT_EQ(*rows.front().Text("a"), "two");
  EXPECT_EQ(*rows.front().Text("b"), "one");
  EXPECT_EQ(*rows.front().Text("c"), "two");
  EXPECT_EQ(*rows.front().Int64("m"), 10);
  // Literals that look like parameters are left alone.
  ASSERT_OK_AND_ASSIGN(ResultSet lit, db().Query("SELECT '$1' AS x, $1 AS y", {"real"}));
  EXPECT_EQ(*lit.front().Text("x"), "$1");
  EXPECT_EQ(*lit.front().Text("y"), "real");
}

TEST_P(StoreDatabaseTest, WrongNumberOfParamsIsAnError) {
  CreateKv();
  EXPECT_THAT(db().Execute("INSERT INTO kv (k, v) VALUES ($1, $2)", {"only one"}),
              StatusIs(absl::StatusCode::kInternal));
}

TEST_P(StoreDatabaseTest, OnConflictDoNothingAndDoUpdateWithReturning) {
  CreateKv();
  ASSERT_OK_AND_ASSIGN(
      ResultSet inserted,
      db().Query("INSERT INTO kv (k, v) VALUES ($1, $2) RETURNING k, v", {"a", 1}));
  ASSERT_EQ(inserted.size(), 1u);
  EXPECT_EQ(*inserted.front().Int64("v"), 1);
  EXPECT_EQ(inserted.rows_affected(), 1);

  ASSERT_OK_AND_ASSIGN(
      int64_t ignored,
      db().Execute("INSERT INTO kv (k, v) VALUES ($1, $2) ON CONFLICT DO NOTHING", {"a", 2}));
  EXPECT_EQ(ignored, 0);

  ASSERT_OK_AND_ASSIGN(ResultSet upserted,
                       db().Query("INSERT INTO kv (k, v) VALUES ($1, $2) ON CONFLICT (k) DO "
                                  "UPDATE SET v = kv.v + excluded.v RETURNING v",
                                  {"a", 10}));
  ASSERT_EQ(upserted.size(), 1u);
  EXPECT_EQ(*upserted.front().Int64(0), 11);

  ASSERT_OK_AND_ASSIGN(ResultSet updated,
                       db().Query("UPDATE kv SET v = v * 2 WHERE k = $1 RETURNING v", {"a"}));
  EXPECT_EQ(*updated.front().Int64(0), 22);
  ASSERT_OK_AND_ASSIGN(int64_t deleted, db().Execute("DELETE FROM kv WHERE k = $1", {"a"}));
  EXPECT_EQ(deleted, 1);
}

TEST_P(StoreDatabaseTest, SumOfBigintReadsAsInt64OnBothBackends) {
  CreateKv();
  ASSERT_OK(db().Execute("INSERT INTO kv (k, v) VALUES ('a', 5000000000), ('b', 7)"));
  ASSERT_OK_AND_ASSIGN(ResultSet rows, db().Query("SELECT SUM(v) AS total FROM kv"));
  EXPECT_THAT(rows.front().Int64("total"), IsOk());
  EXPECT_EQ(*rows.front().Int64("total"), 5000000007);
}

TEST_P(StoreDatabaseTest, TransactionCommitsOnOkAndRollsBackOnError) {
  CreateKv();
  ASSERT_OK(db().Transact([](Transaction& tx) -> absl::Status {
    RETURN_IF_ERROR(tx.Execute("INSERT INTO kv (k, v) VALUES ($1, $2)", {"kept", 1}).status());
    return tx.Execute("INSERT INTO kv (k, v) VALUES ($1, $2)", {"kept too", 2}).status();
  }));
  EXPECT_THAT(db().Transact([](Transaction& tx) -> absl::Status {
    RETURN_IF_ERROR(tx.Execute("INSERT INTO kv (k, v) VALUES ($1, $2)", {"gone", 3}).status());
    ASSIGN_OR_RETURN(int64_t inside, Count(tx, "kv"));
    if (inside != 3) return absl::InternalError("transaction does not see its own write");
    return absl::FailedPreconditionError("caller changed its mind");
  }),
              StatusIs(absl::StatusCode::kFailedPrecondition, HasSubstr("changed its mind")));
  ASSERT_OK_AND_ASSIGN(ResultSet rows, db().Query("SELECT k FROM kv ORDER BY k"));
  ASSERT_EQ(rows.size(), 2u);
  EXPECT_EQ(*rows.row(0).Text(0), "kept");
  EXPECT_EQ(*rows.row(1).Text(0), "kept too");
}

// A version check that fails (the function's own ABORTED) is the caller's
// answer, not a serialization failure: running the function again would only
// repeat it.
TEST_P(StoreDatabaseTest, AbortedReturnedByTheFunctionItselfIsNotRetried) {
  CreateKv();
  int runs = 0;
  EXPECT_THAT(db().Transact([&](Transaction& tx) -> absl::Status {
    ++runs;
    RETURN_IF_ERROR(tx.Execute("INSERT INTO kv (k, v) VALUES ('a', 1)").status());
    return absl::AbortedError("member m1 is at version 4, not 3");
  }),
              StatusIs(absl::StatusCode::kAborted, HasSubstr("version 4")));
  EXPECT_EQ(runs, 1);
  EXPECT_THAT(Count(db(), "kv"), IsOkAndHolds(0));
}

// Booleans are BIGINT 0/1 on both backends; a bool (or an unsigned page size
// cast to int64_t) must bind as BIGINT, not DOUBLE, or LIMIT and integer
// comparisons behave differently on PostgreSQL than on SQLite.
TEST_P(StoreDatabaseTest, BoolAndUnsignedParamsBindAsBigint) {
  ASSERT_OK(db().Execute("CREATE TABLE flags (k TEXT PRIMARY KEY, active BIGINT NOT NULL)"));
  const std::vector<std::pair<std::string, bool>> members = {
      {"a", true}, {"b", false}, {"c", true}};
  for (const auto& [key, active] : members) {
    ASSERT_OK(db().Execute("INSERT INTO flags (k, active) VALUES ($1, $2)", {key, active}));
  }
  ASSERT_OK_AND_ASSIGN(ResultSet echoed, db().Query("SELECT $1, $2", {true, false}));
  EXPECT_THAT(echoed.front().Int64(0), IsOkAndHolds(1));
  EXPECT_THAT(echoed.front().Int64(1), IsOkAndHolds(0));
  const std::optional<bool> wanted = true;
  const size_t page_size = 1;
  ASSERT_OK_AND_ASSIGN(
      ResultSet rows,
      db().Query("SELECT k, active FROM flags WHERE active = $1 ORDER BY k LIMIT $2",
                 {wanted, static_cast<int64_t>(page_size)}));
  ASSERT_EQ(rows.size(), 1u);
  EXPECT_THAT(rows.front().Text(0), IsOkAndHolds("a"));
  EXPECT_THAT(rows.front().Int64(1), IsOkAndHolds(1));
  ASSERT_OK_AND_ASSIGN(ResultSet limited,
                       db().Query("SELECT k FROM flags ORDER BY k LIMIT $1", {uint32_t{2}}));
  EXPECT_EQ(limited.size(), 2u);
}

TEST_P(StoreDatabaseTest, ConstraintViolationRollsBackTheWholeTransactionAsAlreadyExists) {
  CreateKv();
  ASSERT_OK(db().Execute("INSERT INTO kv (k, v) VALUES ($1, $2)", {"taken", 1}));
  absl::Status second_statement;
  // The function swallows the error and returns OK: the transaction must
  // still roll back, and Transact must report the violation.
  absl::Status status = db().Transact([&](Transaction& tx) -> absl::Status {
    RETURN_IF_ERROR(tx.Execute("INSERT INTO kv (k, v) VALUES ($1, $2)", {"new", 2}).status());
    RETURN_IF_ERROR(tx.Execute("UPDATE kv SET v = 100 WHERE k = $1", {"taken"}).status());
    (void)tx.Execute("INSERT INTO kv (k, v) VALUES ($1, $2)", {"taken", 3});
    second_statement = tx.Execute("INSERT INTO kv (k, v) VALUES ($1, $2)", {"later", 4}).status();
    return absl::OkStatus();
  });
  EXPECT_THAT(status, StatusIs(absl::StatusCode::kAlreadyExists, HasSubstr("kv")));
  EXPECT_THAT(second_statement,
              StatusIs(absl::StatusCode::kAlreadyExists, HasSubstr("transaction already failed")));
  ASSERT_OK_AND_ASSIGN(ResultSet rows, db().Query("SELECT k, v FROM kv"));
  ASSERT_EQ(rows.size(), 1u);
  EXPECT_EQ(*rows.front().Text("k"), "taken");
  EXPECT_EQ(*rows.front().Int64("v"), 1);
  // The connection is clean afterwards.
  EXPECT_OK(db().Execute("INSERT INTO kv (k, v) VALUES ($1, $2)", {"new", 2}));
}

TEST_P(StoreDatabaseTest, ForeignKeyViolationIsFailedPrecondition) {
  ASSERT_OK(db().Transact([](Transaction& tx) {
    return tx.ExecuteScript(
        "CREATE TABLE teams (id TEXT PRIMARY KEY);"
        "CREATE TABLE members (id TEXT PRIMARY KEY, team_id TEXT NOT NULL REFERENCES teams (id));");
  }));
  EXPECT_THAT(db().Execute("INSERT INTO members (id, team_id) VALUES ($1, $2)", {"m1", "nope"}),
              StatusIs(absl::StatusCode::kFailedPrecondition));
  EXPECT_THAT(Count(db(), "members"), IsOkAndHolds(0));
}

TEST_P(StoreDatabaseTest, SyntaxErrorsAndUnknownTablesAreInternal) {
  EXPECT_THAT(db().Query("SELEC 1"), StatusIs(absl::StatusCode::kInternal));
  EXPECT_THAT(db().Query("SELECT * FROM no_such_table"), StatusIs(absl::StatusCode::kInternal));
  EXPECT_THAT(
      db().Transact([](Transaction& tx) { return tx.ExecuteScript("CREATE TABL x (a TEXT)"); }),
      StatusIs(absl::StatusCode::kInternal));
}

TEST_P(StoreDatabaseTest, ReadOnlyTransactionRefusesWrites) {
  CreateKv();
  TransactOptions read_only;
  read_only.read_only = true;
  EXPECT_THAT(db().Transact(
                  [](Transaction& tx) {
                    return tx.Execute("INSERT INTO kv (k, v) VALUES ('x', 1)").status();
                  },
                  read_only),
              StatusIs(absl::StatusCode::kInternal));
  EXPECT_THAT(Count(db(), "kv"), IsOkAndHolds(0));
  int64_t seen = -1;
  ASSERT_OK(db().Transact(
      [&](Transaction& tx) -> absl::Status {
        ASSIGN_OR_RETURN(seen, Count(tx, "kv"));
        return absl::OkStatus();
      },
      read_only));
  EXPECT_EQ(seen, 0);
}

TEST_P(StoreDatabaseTest, UsingTheDatabaseInsideItsOwnTransactionIsRefused) {
  CreateKv();
  absl::Status nested_transact, nested_query;
  ASSERT_OK(db().Transact([&](Transaction&) {
    nested_transact = db().Transact([](Transaction&) { return absl::OkStatus(); });
    nested_query = db().Query("SELECT 1").status();
    return absl::OkStatus();
  }));
  EXPECT_THAT(nested_transact, StatusIs(absl::StatusCode::kInternal));
  EXPECT_THAT(nested_query, StatusIs(absl::StatusCode::kInternal));
}

TEST_P(StoreDatabaseTest, ReadsOutsideTransactionsNeitherSeeNorWaitForUncommittedWrites) {
  CreateKv();
  absl::Notification written, checked;
  std::thread writer([&] {
    EXPECT_OK(db().Transact([&](Transaction& tx) -> absl::Status {
      RETURN_IF_ERROR(tx.Execute("INSERT INTO kv (k, v) VALUES ('pending', 1)").status());
      written.Notify();
      checked.WaitForNotification();
      return absl::OkStatus();
    }));
  });
  written.WaitForNotification();
  // Answered by a reader connection (SQLite) or another pooled connection
  // (PostgreSQL) while the write transaction is still open.
  EXPECT_THAT(Count(db(), "kv"), IsOkAndHolds(0));
  checked.Notify();
  writer.join();
  EXPECT_THAT(Count(db(), "kv"), IsOkAndHolds(1));
}

TEST_P(StoreDatabaseTest, ManyThreadsWritingAndReadingLoseNothing) {
  CreateKv();
  constexpr int kThreads = 4;
  constexpr int kPerThread = 25;
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kPerThread; ++i) {
        const std::string key = absl::StrCat(t, "-", i);
        EXPECT_OK(db().Execute("INSERT INTO kv (k, v) VALUES ($1, $2)", {key, i}));
        EXPECT_THAT(db().Query("SELECT v FROM kv WHERE k = $1", {key}), IsOk());
      }
    });
  }
  for (std::thread& t : threads) t.join();
  EXPECT_THAT(Count(db(), "kv"), IsOkAndHolds(kThreads * kPerThread));
}

TEST_P(StoreDatabaseTest, PreparedStatementIsReusedOnItsConnection) {
  CreateKv();
  constexpr absl::string_view kInsert = "INSERT INTO kv (k, v) VALUES ($1, $2)";
  int64_t prepared = -1;
  int64_t runs = -1;
  ASSERT_OK(db().Transact([&](Transaction& tx) -> absl::Status {
    for (int i = 0; i < 5; ++i) {
      const std::string key = absl::StrCat("k", i);
      RETURN_IF_ERROR(tx.Execute(kInsert, {key, i}).status());
    }
    // Ask the connection itself which statements it holds prepared.
    if (tx.dialect() == Dialect::kSqlite) {
      ASSIGN_OR_RETURN(ResultSet rows,
                       tx.Query("SELECT COUNT(*), MAX(run) FROM sqlite_stmt "
                                "WHERE sql = 'INSERT INTO kv (k, v) VALUES (?1, ?2)'"));
      ASSIGN_OR_RETURN(prepared, rows.front().Int64(0));
      ASSIGN_OR_RETURN(runs, rows.front().Int64(1));
    } else {
      ASSIGN_OR_RETURN(
          ResultSet rows,
          tx.Query("SELECT COUNT(*) FROM pg_prepared_statements WHERE statement = $1", {kInsert}));
      ASSIGN_OR_RETURN(prepared, rows.front().Int64(0));
      runs = 5;
    }
    return absl::OkStatus();
  }));
  EXPECT_EQ(prepared, 1);
  EXPECT_EQ(runs, 5);
}

TEST_P(StoreDatabaseTest, InsertRowsInsertsEveryRowAndHonoursOnConflict) {
  CreateKv();
  constexpr int kRows = 2500;  // more than one PostgreSQL statement's worth
  std::vector<std::string> keys;
  for (int i = 0; i < kRows; ++i) keys.push_back(absl::StrCat("key-", i));
  std::vector<Param> values;
  for (int i = 0; i < kRows; ++i) {
    values.emplace_back(keys[i]);
    values.emplace_back(i);
  }
  int64_t inserted = -1;
  ASSERT_OK(db().Transact([&](Transaction& tx) -> absl::Status {
    ASSIGN_OR_RETURN(inserted, tx.InsertRows("INSERT INTO kv (k, v)", 2, values));
    return absl::OkStatus();
  }));
  EXPECT_EQ(inserted, kRows);
  ASSERT_OK_AND_ASSIGN(ResultSet sum, db().Query("SELECT COUNT(*), SUM(v) FROM kv"));
  EXPECT_EQ(*sum.front().Int64(0), kRows);
  EXPECT_EQ(*sum.front().Int64(1), int64_t{kRows} * (kRows - 1) / 2);

  // Again, overlapping by half: DO NOTHING skips the existing keys.
  std::vector<std::string> more;
  for (int i = kRows / 2; i < kRows + kRows / 2; ++i) more.push_back(absl::StrCat("key-", i));
  std::vector<Param> more_values;
  for (const std::string& k : more) {
    more_values.emplace_back(k);
    more_values.emplace_back(-1);
  }
  ASSERT_OK(db().Transact([&](Transaction& tx) -> absl::Status {
    ASSIGN_OR_RETURN(inserted, tx.InsertRows("INSERT INTO kv (k, v)", 2, more_values,
                                             "ON CONFLICT (k) DO NOTHING"));
    return absl::OkStatus();
  }));
  EXPECT_EQ(inserted, kRows / 2);
  EXPECT_THAT(Count(db(), "kv"), IsOkAndHolds(kRows + kRows / 2));

  // Without ON CONFLICT a duplicate fails the whole batch.
  EXPECT_THAT(db().Transact([&](Transaction& tx) {
    return tx.InsertRows("INSERT INTO kv (k, v)", 2, {"brand-new", 1, "key-1", 1}).status();
  }),
              StatusIs(absl::StatusCode::kAlreadyExists));
  ASSERT_OK_AND_ASSIGN(ResultSet brand_new, db().Query("SELECT k FROM kv WHERE k = 'brand-new'"));
  EXPECT_TRUE(brand_new.empty());

  EXPECT_THAT(db().Transact([&](Transaction& tx) {
    return tx.InsertRows("INSERT INTO kv (k, v)", 2, {"odd", 1, "count"}).status();
  }),
              StatusIs(absl::StatusCode::kInternal));
}

TEST_P(StoreDatabaseTest, ConflictingWritersGetAbortedAndRetriesResolveIt) {
  CreateKv();
  ASSERT_OK(db().Execute("INSERT INTO kv (k, v) VALUES ('a', 100), ('b', 100)"));
  if (kind() == DatabaseKind::kSqlite) {
    // A second writer (as from another process) finds the file locked by
    // the first for longer than its busy timeout.
    DatabaseOptions impatient;
    impatient.sqlite_busy_timeout = absl::Milliseconds(50);
    ASSERT_OK_AND_ASSIGN(auto second, test_database().Open(impatient));
    absl::Notification locked, done;
    std::thread first([&] {
      EXPECT_OK(db().Transact([&](Transaction& tx) -> absl::Status {
        RETURN_IF_ERROR(tx.Execute("UPDATE kv SET v = 1 WHERE k = 'a'").status());
        locked.Notify();
        done.WaitForNotification();
        return absl::OkStatus();
      }));
    });
    locked.WaitForNotification();
    TransactOptions once;
    once.max_attempts = 1;
    EXPECT_THAT(second->Transact(
                    [](Transaction& tx) {
                      return tx.Execute("UPDATE kv SET v = 2 WHERE k = 'b'").status();
                    },
                    once),
                StatusIs(absl::StatusCode::kAborted));
    done.Notify();
    first.join();
    // With the lock released, the retried transaction succeeds.
    EXPECT_OK(second->Execute("UPDATE kv SET v = 2 WHERE k = 'b'"));
    return;
  }
  // PostgreSQL: write skew between two SERIALIZABLE transactions (each reads
  // both rows, then each changes a different one) is a real 40001.
  for (int attempts : {1, 10}) {
    SCOPED_TRACE(absl::StrCat("max_attempts=", attempts));
    TransactOptions options;
    options.isolation = Isolation::kSerializable;
    options.max_attempts = attempts;
    absl::Notification read_a, read_b;
    int runs_a = 0, runs_b = 0;
    auto skew = [&](absl::string_view key, absl::Notification& mine, absl::Notification& theirs,
                    int& runs) {
      return db().Transact(
          [&](Transaction& tx) -> absl::Status {
            ++runs;
            RETURN_IF_ERROR(tx.Query("SELECT SUM(v) FROM kv").status());
            if (!mine.HasBeenNotified()) mine.Notify();
            theirs.WaitForNotification();
            return tx.Execute("UPDATE kv SET v = v - 150 WHERE k = $1", {key}).status();
          },
          options);
    };
    absl::Status status_a;
    std::thread ta([&] { status_a = skew("a", read_a, read_b, runs_a); });
    absl::Status status_b = skew("b", read_b, read_a, runs_b);
    ta.join();
    if (attempts == 1) {
      // At least one of them must fail (PostgreSQL may cancel both), and
      // only ever with ABORTED, the code that says "retry the transaction".
      EXPECT_FALSE(status_a.ok() && status_b.ok());
      for (const absl::Status& s : {status_a, status_b}) {
        if (!s.ok()) {
          EXPECT_THAT(s, StatusIs(absl::StatusCode::kAborted));
        }
      }
    } else {
      EXPECT_OK(status_a);
      EXPECT_OK(status_b);
      EXPECT_GE(runs_a + runs_b, 3);  // at least one of them was retried
    }
    ASSERT_OK(db().Execute("UPDATE kv SET v = 100"));
  }
}

TEST_P(StoreDatabaseTest, UnreachableDatabaseIsUnavailable) {
  std::string url;
  if (kind() == DatabaseKind::kSqlite) {
    url = "sqlite:///nonexistent-salesteam-folder/x.db";
  } else {
    url = absl::StrCat("host=127.0.0.1 port=", salesteam::testing::PickUnusedPort(),
                       " user=postgres dbname=postgres connect_timeout=2");
  }
  EXPECT_THAT(OpenDatabase(url), StatusIs(absl::StatusCode::kUnavailable));
}

SALESTEAM_INSTANTIATE_DATABASE_TEST(StoreDatabaseTest);

TEST(OpenDatabaseTest, RejectsUnknownUrlsWithoutEchoingThem) {
  EXPECT_THAT(OpenDatabase("mysql://user:secret@host/db"),
              StatusIs(absl::StatusCode::kInvalidArgument, ::testing::Not(HasSubstr("secret"))));
  EXPECT_THAT(OpenDatabase("sqlite://"), StatusIs(absl::StatusCode::kInvalidArgument));
}

// A full database is nothing the caller did wrong and nothing a bug did:
// RESOURCE_EXHAUSTED saying what is full (the same request succeeds once
// space is freed, see storage_full_test.cc for a real full disk), never
// INTERNAL. max_page_count makes SQLite's own "database or disk is full"
// (SQLITE_FULL) without filling the machine's disk.
TEST(SqliteDatabaseTest, FullDatabaseIsResourceExhaustedSayingWhatIsFullAndRollsBack) {
  ASSERT_OK_AND_ASSIGN(auto test_db,
                       salesteam::testing::TestDatabase::Create(DatabaseKind::kSqlite));
  ASSERT_OK_AND_ASSIGN(auto db, test_db->Open());
  ASSERT_OK(db->Execute("CREATE TABLE blobs (id BIGINT PRIMARY KEY, data BYTEA NOT NULL)"));
  ASSERT_OK(db->Execute("INSERT INTO blobs (id, data) VALUES (1, randomblob(100))"));
  // Caps the writer connection's file at its current size.
  ASSERT_OK(db->Execute("PRAGMA max_page_count = 1"));
  EXPECT_THAT(db->Execute("INSERT INTO blobs (id, data) VALUES (2, randomblob(200000))"),
              StatusIs(absl::StatusCode::kResourceExhausted,
                       AllOf(HasSubstr("storage full"), HasSubstr("SQLite"))));
  EXPECT_THAT(Count(*db, "blobs"), IsOkAndHolds(1));
}

TEST(OpenDatabaseTest, InMemorySqliteWorks) {
  ASSERT_OK_AND_ASSIGN(auto db, OpenDatabase("sqlite::memory:"));
  ASSERT_OK(db->Execute(kCreateKv));
  ASSERT_OK(db->Execute("INSERT INTO kv (k, v) VALUES ($1, $2)", {"a", 1}));
  EXPECT_THAT(Count(*db, "kv"), IsOkAndHolds(1));
}

// PostgreSQL's pool and connection faults; SQLite has neither.
class PostgresPoolTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_OK_AND_ASSIGN(test_db_, TestDatabase::Create(DatabaseKind::kPostgres));
  }
  void TearDown() override { test_db_.reset(); }
  std::unique_ptr<TestDatabase> test_db_;
};

TEST_F(PostgresPoolTest, ExhaustedPoolFailsWithUnavailableAndRecoversWhenFreed) {
  DatabaseOptions options;
  options.postgres_pool_size = 2;
  options.postgres_acquire_timeout = absl::Milliseconds(200);
  ASSERT_OK_AND_ASSIGN(auto db, test_db_->Open(options));
  absl::Notification holding_1, holding_2, release;
  auto hold = [&](absl::Notification& holding) {
    EXPECT_OK(db->Transact([&](Transaction& tx) -> absl::Status {
      RETURN_IF_ERROR(tx.Query("SELECT 1").status());
      holding.Notify();
      release.WaitForNotification();
      return absl::OkStatus();
    }));
  };
  std::thread t1([&] { hold(holding_1); });
  std::thread t2([&] { hold(holding_2); });
  holding_1.WaitForNotification();
  holding_2.WaitForNotification();
  EXPECT_THAT(db->Query("SELECT 1"), StatusIs(absl::StatusCode::kUnavailable, HasSubstr("pool")));
  release.Notify();
  t1.join();
  t2.join();
  EXPECT_OK(db->Query("SELECT 1"));
  // Both connections went back to the pool rather than being reopened.
  ASSERT_OK_AND_ASSIGN(ResultSet rows,
                       db->Query("SELECT COUNT(*) FROM pg_stat_activity WHERE datname = "
                                 "current_database() AND application_name = 'salesteam'"));
  EXPECT_EQ(*rows.front().Int64(0), 2);
}

TEST_F(PostgresPoolTest, ConnectionKilledMidTransactionFailsThatCallOnlyWithUnavailable) {
  ASSERT_OK_AND_ASSIGN(auto db, test_db_->Open());
  ASSERT_OK_AND_ASSIGN(auto admin, test_db_->Open());
  ASSERT_OK(db->Execute(kCreateKv));
  absl::Status status = db->Transact([&](Transaction& tx) -> absl::Status {
    RETURN_IF_ERROR(tx.Execute("INSERT INTO kv (k, v) VALUES ('lost', 1)").status());
    ASSIGN_OR_RETURN(ResultSet pid, tx.Query("SELECT pg_backend_pid()"));
    ASSIGN_OR_RETURN(int64_t backend, pid.front().Int64(0));
    RETURN_IF_ERROR(
        admin->Query("SELECT pg_terminate_backend(CAST($1 AS INTEGER))", {backend}).status());
    return tx.Execute("INSERT INTO kv (k, v) VALUES ('after', 2)").status();
  });
  EXPECT_THAT(status, StatusIs(absl::StatusCode::kUnavailable));
  // The broken connection was discarded: the next call succeeds, and the
  // interrupted transaction left nothing behind.
  EXPECT_THAT(Count(*db, "kv"), IsOkAndHolds(0));
  EXPECT_OK(db->Execute("INSERT INTO kv (k, v) VALUES ('next', 3)"));
}

TEST_F(PostgresPoolTest, IdleConnectionsKilledByTheServerAreReplacedBeforeUse) {
  DatabaseOptions options;
  options.postgres_pool_size = 3;
  ASSERT_OK_AND_ASSIGN(auto db, test_db_->Open(options));
  ASSERT_OK_AND_ASSIGN(auto admin, test_db_->Open());
  ASSERT_OK(db->Execute(kCreateKv));
  // Kill every connection `db` holds (admin's own backend survives).
  ASSERT_OK(admin->Query(
      "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = current_database() "
      "AND pid <> pg_backend_pid()"));
  // Wait (bounded) until the server has closed them; then every call must
  // succeed.
  for (int i = 0; i < 100; ++i) {
    ASSERT_OK_AND_ASSIGN(ResultSet others,
                         admin->Query("SELECT COUNT(*) FROM pg_stat_activity WHERE datname = "
                                      "current_database() AND pid <> pg_backend_pid()"));
    if (*others.front().Int64(0) == 0) break;
    absl::SleepFor(absl::Milliseconds(50));
  }
  for (int i = 0; i < 5; ++i) {
    const std::string key = absl::StrCat("k", i);
    EXPECT_OK(db->Execute("INSERT INTO kv (k, v) VALUES ($1, $2)", {key, i}));
  }
}

}  // namespace
}  // namespace salesteam::store
