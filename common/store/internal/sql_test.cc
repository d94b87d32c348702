#include "common/store/internal/sql.h"

#include <string>

#include "common/store/internal/statement_cache.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace salesteam::store::internal {
namespace {

TEST(RewriteNumberedParamsTest, TurnsDollarParamsIntoSqliteNumberedParams) {
  EXPECT_EQ(RewriteNumberedParams("SELECT $2, $1 FROM t WHERE a = $12 AND b = $1"),
            "SELECT ?2, ?1 FROM t WHERE a = ?12 AND b = ?1");
}

TEST(RewriteNumberedParamsTest, LeavesLiteralsIdentifiersAndCommentsAlone) {
  EXPECT_EQ(RewriteNumberedParams("SELECT '$1', 'it''s $2', \"col$3\", a$4 -- $5\n, $6 /* $7 */"),
            "SELECT '$1', 'it''s $2', \"col$3\", a$4 -- $5\n, ?6 /* $7 */");
}

TEST(RewriteNumberedParamsTest, SurvivesUnterminatedQuotes) {
  EXPECT_EQ(RewriteNumberedParams("SELECT 'abc"), "SELECT 'abc");
  EXPECT_EQ(RewriteNumberedParams("SELECT /* x"), "SELECT /* x");
}

TEST(AppendValuesRowsTest, NumbersParametersAcrossRowsPerDialect) {
  std::string pg;
  AppendValuesRows(&pg, Dialect::kPostgres, 2, 3);
  EXPECT_EQ(pg, "($1, $2), ($3, $4), ($5, $6)");
  std::string lite;
  AppendValuesRows(&lite, Dialect::kSqlite, 3, 1);
  EXPECT_EQ(lite, "(?1, ?2, ?3)");
}

TEST(StatementCacheTest, EvictsLeastRecentlyUsedAndReleasesEverythingAtTheEnd) {
  std::vector<int> released;
  {
    StatementCache<int> cache(2, [&](int& v) { released.push_back(v); });
    cache.Insert("a", 1);
    cache.Insert("b", 2);
    ASSERT_NE(cache.Find("a"), nullptr);  // b is now the least recently used
    cache.Insert("c", 3);
    EXPECT_THAT(released, ::testing::ElementsAre(2));
    EXPECT_EQ(cache.Find("b"), nullptr);
    EXPECT_EQ(*cache.Find("a"), 1);
    EXPECT_EQ(*cache.Find("c"), 3);
    cache.Erase("a");
    EXPECT_THAT(released, ::testing::ElementsAre(2, 1));
    EXPECT_EQ(cache.size(), 1u);
  }
  EXPECT_THAT(released, ::testing::ElementsAre(2, 1, 3));
}

TEST(RunTransactionTest, RetriesOnlyDatabaseConflictsUpToTheLimit) {
  int db = 0;
  int calls = 0;
  TransactOptions options;
  options.max_attempts = 3;
  absl::Status status = RunTransaction(&db, options, [&](bool* conflict) {
    ++calls;
    *conflict = true;
    return absl::AbortedError("serialization failure");
  });
  EXPECT_EQ(status.code(), absl::StatusCode::kAborted);
  EXPECT_EQ(calls, 3);

  calls = 0;
  status = RunTransaction(&db, options, [&](bool* conflict) {
    ++calls;
    *conflict = false;
    return absl::AbortedError("stale version");
  });
  EXPECT_EQ(calls, 1);

  calls = 0;
  status = RunTransaction(&db, options, [&](bool* conflict) {
    *conflict = ++calls < 2;
    return *conflict ? absl::AbortedError("busy") : absl::OkStatus();
  });
  EXPECT_TRUE(status.ok());
  EXPECT_EQ(calls, 2);
}

TEST(RunTransactionTest, RefusesNestedUseOfTheSameDatabase) {
  int db = 0;
  absl::Status inner;
  ASSERT_TRUE(RunTransaction(&db, {}, [&](bool*) {
                inner = RunTransaction(&db, {}, [](bool*) { return absl::OkStatus(); });
                return absl::OkStatus();
              }).ok());
  EXPECT_EQ(inner.code(), absl::StatusCode::kInternal);
}

}  // namespace
}  // namespace salesteam::store::internal
