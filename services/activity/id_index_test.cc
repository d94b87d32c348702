// The idempotency index's contract, for each implementation on its own
// backend (SqliteIdIndex on /sqlite, PostgresIdIndex on /postgres), against
// real databases with the activity migrations applied: an id is accepted
// once and is a duplicate ever after (also for a new index on the same
// database, after merges, and when a commit's reply was lost); a different id
// sharing a recorded fingerprint is a collision; a transaction that fails
// records none of its ids; concurrent writers accept each id once.
#include "services/activity/id_index.h"

#include <algorithm>
#include <atomic>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/container/flat_hash_set.h"
#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "activity_migrations.h"
#include "common/status.h"
#include "common/store/fault_injecting_database.h"
#include "common/store/migrations.h"
#include "common/testing/databases.h"
#include "common/testing/status_matchers.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "services/activity/id_index_postgres.h"
#include "services/activity/id_index_sqlite.h"

namespace salesteam::activity {
namespace {

using ::salesteam::testing::DatabaseKind;
using ::salesteam::testing::IsOkAndHolds;
using ::salesteam::testing::StatusIs;
using ::testing::Each;
using ::testing::ElementsAre;

std::vector<ActivityFingerprint> Ids(int from, int to) {
  std::vector<ActivityFingerprint> ids;
  for (int i = from; i < to; ++i) ids.push_back(FingerprintOf(absl::StrCat("crm-", i)));
  // The index takes distinct hashes in ascending order, as the store gives them.
  std::sort(ids.begin(), ids.end(), [](const ActivityFingerprint& x, const ActivityFingerprint& y) {
    return x.hash < y.hash;
  });
  return ids;
}

std::vector<std::string> Names(const std::vector<RecordOutcome>& outcomes) {
  std::vector<std::string> names;
  for (RecordOutcome outcome : outcomes) {
    switch (outcome) {
      case RecordOutcome::kAccepted:
        names.push_back("accepted");
        break;
      case RecordOutcome::kDuplicate:
        names.push_back("duplicate");
        break;
      case RecordOutcome::kFingerprintCollision:
        names.push_back("collision");
        break;
    }
  }
  return names;
}

// What the store does in the index's transaction, reduced to what the index
// relies on: an activities row for every accepted id.
absl::Status InsertActivityRows(store::Transaction& tx, absl::Span<const ActivityFingerprint> ids,
                                absl::Span<const RecordOutcome> outcomes) {
  for (size_t k = 0; k < ids.size(); ++k) {
    if (outcomes[k] != RecordOutcome::kAccepted) continue;
    RETURN_IF_ERROR(
        tx.Execute("INSERT INTO activities (id_hash, id_check, activity_id, member_id, team_id, "
                   "role, type, occurred_at_us, utc_day, local_day, minutes, selling, "
                   "out_of_stage, source_system, record_time_us) "
                   "VALUES ($1, $2, 'id', 'mb_a', 'tm_a', 1, 2, 0, 0, 0, 0, 0, 0, 'crm', 0)",
                   {ids[k].hash, ids[k].check})
            .status());
  }
  return absl::OkStatus();
}

class IdIndexTest : public ::salesteam::testing::DatabaseTest {
 protected:
  void SetUp() override {
    DatabaseTest::SetUp();
    if (HasFatalFailure()) return;  // no database: the base class said why
    ASSERT_OK(store::ApplyMigrations(db(), migrations::activity()));
  }

  // The backend's own index, as the store would pick it.
  std::unique_ptr<IdIndex> NewIndex(store::Database* on, SqliteIdIndexOptions options = {}) {
    if (kind() == DatabaseKind::kSqlite) return std::make_unique<SqliteIdIndex>(on, options);
    return std::make_unique<PostgresIdIndex>(on);
  }

  // Judges and records `ids` in one transaction, as the store does.
  static absl::StatusOr<std::vector<std::string>> Record(
      IdIndex& index, const std::vector<ActivityFingerprint>& ids) {
    ASSIGN_OR_RETURN(
        std::vector<RecordOutcome> outcomes,
        index.Transact(ids, [&](store::Transaction& tx, absl::Span<const RecordOutcome> judged) {
          return InsertActivityRows(tx, ids, judged);
        }));
    return Names(outcomes);
  }

  absl::StatusOr<int64_t> StoredActivities() {
    ASSIGN_OR_RETURN(store::ResultSet rows, db().Query("SELECT COUNT(*) FROM activities"));
    return rows.row(0).Int64(0);
  }
};

TEST_P(IdIndexTest, NewIdsAreAcceptedOnceAndDuplicatesEverAfterAlsoForANewIndex) {
  {
    std::unique_ptr<IdIndex> index = NewIndex(&db());
    EXPECT_THAT(Record(*index, Ids(0, 10)), IsOkAndHolds(Each("accepted")));
    EXPECT_THAT(Record(*index, Ids(5, 10)), IsOkAndHolds(Each("duplicate")));
  }
  // A restart: what the first index recorded is found by the next one.
  absl::flat_hash_set<int64_t> recorded;
  for (const ActivityFingerprint& id : Ids(0, 10)) recorded.insert(id.hash);
  std::unique_ptr<IdIndex> restarted = NewIndex(&db());
  const std::vector<ActivityFingerprint> mixed = Ids(8, 12);  // 8 and 9 recorded
  ASSERT_OK_AND_ASSIGN(std::vector<std::string> outcomes, Record(*restarted, mixed));
  for (size_t k = 0; k < mixed.size(); ++k) {
    EXPECT_EQ(outcomes[k], recorded.contains(mixed[k].hash) ? "duplicate" : "accepted") << k;
  }
  EXPECT_THAT(StoredActivities(), IsOkAndHolds(12));
}

TEST_P(IdIndexTest, AnotherIdSharingARecordedHashIsACollision) {
  std::unique_ptr<IdIndex> index = NewIndex(&db());
  const std::vector<ActivityFingerprint> recorded = Ids(0, 1);
  ASSERT_THAT(Record(*index, recorded), IsOkAndHolds(ElementsAre("accepted")));
  ActivityFingerprint other = recorded[0];
  other.check ^= 1;  // the same first 8 bytes of SHA-256, different next 8
  EXPECT_THAT(Record(*index, {other}), IsOkAndHolds(ElementsAre("collision")));
  EXPECT_THAT(Record(*index, recorded), IsOkAndHolds(ElementsAre("duplicate")));
}

TEST_P(IdIndexTest, ATransactionThatFailsRecordsNoneOfItsIds) {
  std::unique_ptr<IdIndex> index = NewIndex(&db());
  const std::vector<ActivityFingerprint> ids = Ids(0, 20);
  EXPECT_THAT(index->Transact(ids,
                              [&](store::Transaction& tx, absl::Span<const RecordOutcome> judged) {
                                RETURN_IF_ERROR(InsertActivityRows(tx, ids, judged));
                                return absl::InternalError("a later table failed");
                              }),
              StatusIs(absl::StatusCode::kInternal));
  EXPECT_THAT(Record(*index, ids), IsOkAndHolds(Each("accepted")));
}

TEST_P(IdIndexTest, IdsOfACommitWhoseReplyWasLostAreDuplicatesWhenResent) {
  store::FaultInjectingDatabase lossy(&db());
  SqliteIdIndexOptions options;
  options.merge_threshold = 20;
  std::unique_ptr<IdIndex> index = NewIndex(&lossy, options);
  ASSERT_OK(Record(*index, Ids(0, 30)).status());  // SQLite: merged into a run
  lossy.LoseNextCommitReplies(absl::UnavailableError("the commit's reply was lost"));
  EXPECT_THAT(Record(*index, Ids(30, 40)), StatusIs(absl::StatusCode::kUnavailable));
  EXPECT_THAT(Record(*index, Ids(30, 40)), IsOkAndHolds(Each("duplicate")));
  // And after the next merge has taken them into a run.
  ASSERT_OK(Record(*index, Ids(40, 70)).status());
  EXPECT_THAT(Record(*index, Ids(30, 40)), IsOkAndHolds(Each("duplicate")));
  EXPECT_THAT(StoredActivities(), IsOkAndHolds(70));
}

TEST_P(IdIndexTest, IdsStayDuplicatesThroughManyMergesAndARestart) {
  // SQLite merges every 40 ids into a new run; the filter is rebuilt as it
  // fills past 1,024 ids, a few rows per query. PostgreSQL has nothing to
  // merge, and must answer the same.
  SqliteIdIndexOptions options;
  options.merge_threshold = 40;
  options.filter_build_page = 7;
  {
    std::unique_ptr<IdIndex> index = NewIndex(&db(), options);
    for (int start = 0; start < 1500; start += 100) {
      ASSERT_THAT(Record(*index, Ids(start, start + 100)), IsOkAndHolds(Each("accepted")))
          << "ids " << start << "..";
      ASSERT_THAT(Record(*index, Ids(0, start + 100)), IsOkAndHolds(Each("duplicate")))
          << "after ids " << start << "..";
    }
    ASSERT_OK(Record(*index, Ids(1500, 1525)).status());  // not merged yet
  }
  std::unique_ptr<IdIndex> restarted = NewIndex(&db(), options);
  EXPECT_THAT(Record(*restarted, Ids(0, 1525)), IsOkAndHolds(Each("duplicate")));
  EXPECT_THAT(Record(*restarted, Ids(1525, 1600)), IsOkAndHolds(Each("accepted")));
  EXPECT_THAT(StoredActivities(), IsOkAndHolds(1600));
}

TEST_P(IdIndexTest, ConcurrentWritersOfOverlappingIdsAcceptEachIdOnce) {
  std::unique_ptr<IdIndex> index = NewIndex(&db());
  constexpr int kWriters = 4;
  std::atomic<int> accepted{0};
  std::vector<std::thread> writers;
  for (int w = 0; w < kWriters; ++w) {
    writers.emplace_back([&, w] {
      // Each writer's ids overlap its neighbours'; together they cover
      // [0, 1050).
      for (int round = 0; round < 5; ++round) {
        const int from = (w * 50 + round * 200) % 1000;
        absl::StatusOr<std::vector<std::string>> outcomes = Record(*index, Ids(from, from + 100));
        EXPECT_OK(outcomes);
        if (!outcomes.ok()) return;
        for (const std::string& outcome : *outcomes) accepted += outcome == "accepted";
      }
    });
  }
  for (std::thread& writer : writers) writer.join();
  EXPECT_EQ(accepted.load(), 1050);
  EXPECT_THAT(StoredActivities(), IsOkAndHolds(1050));
  EXPECT_THAT(Record(*index, Ids(0, 1050)), IsOkAndHolds(Each("duplicate")));
}

SALESTEAM_INSTANTIATE_DATABASE_TEST(IdIndexTest);

}  // namespace
}  // namespace salesteam::activity
