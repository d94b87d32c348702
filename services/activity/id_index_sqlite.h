// The idempotency index on SQLite, where one process owns the database file
// and a random insert into one large index would cost a page write per
// activity. The ids recorded since the last merge are held in memory (read
// back from activities at start and after any failure); every
// `merge_threshold` of them are appended to activity_id_runs as a new sorted
// run (an append, the same cost however many ids came before); and a Bloom
// filter of the merged ids (IdFilter) spares the lookup in the runs for
// every new id it rules out. Because the recent ids live in one process's
// memory, that process holds the ingest lock (LockSqliteForIngest).
#ifndef SALESTEAM_SERVICES_ACTIVITY_ID_INDEX_SQLITE_H_
#define SALESTEAM_SERVICES_ACTIVITY_ID_INDEX_SQLITE_H_

#include <cstdint>
#include <memory>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"
#include "absl/types/span.h"
#include "common/store/database.h"
#include "services/activity/id_filter.h"
#include "services/activity/id_index.h"

namespace salesteam::activity {

// On SQLite the ids recorded since the last merge live in the ingesting
// process's memory, so exactly one process may ingest into a file: a second
// one would not see the first one's recent ids. Takes an advisory lock on
// "<file>.ingest-lock", held until the process exits, and answers
// FAILED_PRECONDITION when another process holds it. A no-op (-1) for
// PostgreSQL URLs and in-memory SQLite. Call it before opening the store.
absl::StatusOr<int> LockSqliteForIngest(absl::string_view database_url);

struct SqliteIdIndexOptions {
  // Recent ids held in memory (about 40 bytes each) before they are merged
  // as a new run (holding up ingest for its duration: about a second at
  // 500,000, however many ids were merged before).
  int64_t merge_threshold = 500000;
  // Rows read per query while the filter of merged ids is built (at start
  // and when it fills up).
  int64_t filter_build_page = 100000;
};

class SqliteIdIndex final : public IdIndex {
 public:
  SqliteIdIndex(store::Database* db, SqliteIdIndexOptions options);
  ~SqliteIdIndex() override;

  // Holds the index for the whole transaction: SQLite has one writer, and the
  // recent ids are read before it and added to after it commits.
  absl::StatusOr<std::vector<RecordOutcome>> Transact(absl::Span<const ActivityFingerprint> ids,
                                                      WriteAccepted write) override;

 private:
  // Sets the verdict on every id found among the recent ones or in the
  // runs; the rest stay kAccepted.
  absl::Status JudgeIds(store::Transaction& tx, absl::Span<const ActivityFingerprint> ids,
                        std::vector<RecordOutcome>& outcomes) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // After the commit: the accepted ids join the recent ones, which are
  // merged into a new run once there are enough of them.
  void RememberAccepted(absl::Span<const ActivityFingerprint> ids,
                        absl::Span<const RecordOutcome> outcomes)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  absl::Status LoadRecentIds() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  absl::Status MergeRecentIds() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // Builds merged_filter_ from activity_id_runs, sized for twice what it
  // holds.
  absl::Status BuildMergedFilter() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  store::Database* const db_;
  const SqliteIdIndexOptions options_;

  absl::Mutex mu_;
  // False until the recent ids are read, and again after a failure (a commit
  // that reported an error may have persisted).
  bool recent_loaded_ ABSL_GUARDED_BY(mu_) = false;
  int64_t runs_ ABSL_GUARDED_BY(mu_) = 0;  // activity_id_runs has runs 0 .. runs_ - 1
  // The ids recorded after the merge watermark: id_hash -> id_check.
  absl::flat_hash_map<int64_t, int64_t> recent_ ABSL_GUARDED_BY(mu_);
  // The ids merged into activity_id_runs: a new id it rules out needs no
  // lookup there.
  std::unique_ptr<IdFilter> merged_filter_ ABSL_GUARDED_BY(mu_);
  int64_t filter_runs_ ABSL_GUARDED_BY(mu_) = -1;  // the runs merged_filter_ covers
};

}  // namespace salesteam::activity

#endif  // SALESTEAM_SERVICES_ACTIVITY_ID_INDEX_SQLITE_H_
