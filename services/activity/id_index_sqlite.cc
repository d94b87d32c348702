#include "services/activity/id_index_sqlite.h"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <optional>
#include <string>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "common/status.h"

namespace salesteam::activity {

absl::StatusOr<int> LockSqliteForIngest(absl::string_view database_url) {
  absl::string_view path = database_url;
  if (!absl::ConsumePrefix(&path, "sqlite://") || path == ":memory:") return -1;
  const std::string lock_path = absl::StrCat(path, ".ingest-lock");
  const int fd = open(lock_path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
  if (fd < 0) {
    return absl::FailedPreconditionError(
        absl::StrCat("cannot open ", lock_path, ": ", std::strerror(errno)));
  }
  if (flock(fd, LOCK_EX | LOCK_NB) != 0) {
    close(fd);
    return absl::FailedPreconditionError(
        absl::StrCat("another process already ingests into ", path, " (", lock_path,
                     " is locked): on SQLite one process owns the activity database"));
  }
  return fd;
}

SqliteIdIndex::SqliteIdIndex(store::Database* db, SqliteIdIndexOptions options)
    : db_(db), options_(options) {}

SqliteIdIndex::~SqliteIdIndex() = default;

absl::StatusOr<std::vector<RecordOutcome>> SqliteIdIndex::Transact(
    absl::Span<const ActivityFingerprint> ids, WriteAccepted write) {
  absl::MutexLock lock(&mu_);
  if (!recent_loaded_) RETURN_IF_ERROR(LoadRecentIds());
  std::vector<RecordOutcome> outcomes;
  // The transaction runs on this thread, within the lock taken above.
  const absl::Status status =
      db_->Transact([&](store::Transaction& tx) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) -> absl::Status {
        outcomes.assign(ids.size(), RecordOutcome::kAccepted);
        RETURN_IF_ERROR(JudgeIds(tx, ids, outcomes));
        return write(tx, outcomes);
      });
  if (!status.ok()) {
    // A failed commit may still have persisted (an I/O error after the WAL
    // write): the recent ids are read again from activities before the next
    // group.
    recent_loaded_ = false;
    return status;
  }
  RememberAccepted(ids, outcomes);
  return outcomes;
}

absl::Status SqliteIdIndex::JudgeIds(store::Transaction& tx,
                                     absl::Span<const ActivityFingerprint> ids,
                                     std::vector<RecordOutcome>& outcomes) {
  std::vector<size_t> maybe_merged;
  for (size_t k = 0; k < ids.size(); ++k) {
    auto it = recent_.find(ids[k].hash);
    if (it != recent_.end()) {
      outcomes[k] = VerdictOnRecorded(ids[k], it->second);
    } else if (merged_filter_->MayContain(ids[k].hash)) {
      maybe_merged.push_back(k);
    }  // else never recorded: no lookup needed
  }
  // The ids the filter could not rule out, in every run: one seek per run and
  // id. (Before the first merge the filter is empty and rules out every id.)
  if (maybe_merged.empty()) return absl::OkStatus();
  std::string runs;
  for (int64_t run = 0; run < runs_; ++run) absl::StrAppend(&runs, run == 0 ? "" : ", ", run);
  return JudgeRecordedIds(tx,
                          absl::StrCat("SELECT id_hash, id_check FROM activity_id_runs "
                                       "WHERE run IN (",
                                       runs, ") AND id_hash IN ("),
                          ids, maybe_merged, outcomes)
      .status();
}

void SqliteIdIndex::RememberAccepted(absl::Span<const ActivityFingerprint> ids,
                                     absl::Span<const RecordOutcome> outcomes) {
  for (size_t k = 0; k < ids.size(); ++k) {
    if (outcomes[k] == RecordOutcome::kAccepted) recent_.emplace(ids[k].hash, ids[k].check);
  }
  if (static_cast<int64_t>(recent_.size()) < options_.merge_threshold) return;
  // The group is committed whatever happens here; a failed merge is tried
  // again after the next group, from what the database holds.
  if (!MergeRecentIds().ok()) recent_loaded_ = false;
}

absl::Status SqliteIdIndex::LoadRecentIds() {
  ASSIGN_OR_RETURN(store::ResultSet merged,
                   db_->Query("SELECT last_rowid, runs FROM activity_ids_merged WHERE id = 1"));
  if (merged.empty()) return absl::InternalError("activity_ids_merged has no row");
  ASSIGN_OR_RETURN(const int64_t last_rowid, merged.row(0).Int64(0));
  ASSIGN_OR_RETURN(runs_, merged.row(0).Int64(1));
  ASSIGN_OR_RETURN(store::ResultSet rows, db_->Query("SELECT id_hash, id_check FROM activities "
                                                     "WHERE rowid > $1",
                                                     {last_rowid}));
  recent_.clear();
  recent_.reserve(rows.size());
  for (store::Row row : rows) {
    ASSIGN_OR_RETURN(int64_t hash, row.Int64(0));
    ASSIGN_OR_RETURN(int64_t check, row.Int64(1));
    recent_.emplace(hash, check);
  }
  // The filter needs building at start, and again only if a merge it did
  // not see was committed (one whose reply was lost to an error).
  if (merged_filter_ == nullptr || filter_runs_ != runs_) RETURN_IF_ERROR(BuildMergedFilter());
  recent_loaded_ = true;
  return absl::OkStatus();
}

absl::Status SqliteIdIndex::BuildMergedFilter() {
  ASSIGN_OR_RETURN(store::ResultSet counted, db_->Query("SELECT COUNT(*) FROM activity_id_runs"));
  int64_t merged = 0;
  if (!counted.empty()) {
    ASSIGN_OR_RETURN(merged, counted.row(0).Int64(0));
  }
  // Twice the ids it holds now, so that it is rebuilt once per doubling (the
  // threshold's share bounded: a huge one means "merge rarely", not "size
  // the filter for billions").
  const int64_t pending = std::clamp<int64_t>(options_.merge_threshold, 0, 1 << 24);
  auto filter = std::make_unique<IdFilter>(2 * (merged + pending));
  // A run at a time, in key order, a page at a time: the whole index would
  // not fit in memory.
  const int64_t page_rows = std::max<int64_t>(1, options_.filter_build_page);
  for (int64_t run = 0; run < runs_; ++run) {
    std::optional<int64_t> after;
    for (;;) {
      std::vector<store::Param> params = {run};
      std::string sql = "SELECT id_hash FROM activity_id_runs WHERE run = $1";
      if (after.has_value()) {
        sql += " AND id_hash > $2";
        params.push_back(*after);
      }
      absl::StrAppend(&sql, " ORDER BY id_hash LIMIT ", page_rows);
      ASSIGN_OR_RETURN(store::ResultSet page, db_->Query(sql, params));
      for (store::Row row : page) {
        ASSIGN_OR_RETURN(int64_t hash, row.Int64(0));
        filter->Add(hash);
        after = hash;
      }
      if (static_cast<int64_t>(page.size()) < page_rows) break;
    }
  }
  merged_filter_ = std::move(filter);
  filter_runs_ = runs_;
  return absl::OkStatus();
}

absl::Status SqliteIdIndex::MergeRecentIds() {
  // The ids since the last merge become the next run, written in key order:
  // appended to the end of activity_id_runs, not spread over it.
  const int64_t run = runs_;
  int64_t merged = 0;
  RETURN_IF_ERROR(db_->Transact([run, &merged](store::Transaction& tx) -> absl::Status {
    ASSIGN_OR_RETURN(merged,
                     tx.Execute("INSERT INTO activity_id_runs (run, id_hash, id_check) "
                                "SELECT $1, id_hash, id_check FROM activities WHERE rowid > "
                                "(SELECT last_rowid FROM activity_ids_merged WHERE id = 1) "
                                "ORDER BY id_hash",
                                {run}));
    return tx
        .Execute(
            "UPDATE activity_ids_merged SET last_rowid = "
            "(SELECT COALESCE(MAX(rowid), 0) FROM activities), runs = $1 WHERE id = 1",
            {run + 1})
        .status();
  }));
  runs_ = run + 1;
  // The run holds every activity since the watermark; recent_ should be
  // exactly those. Should they differ (a commit that reported an error yet
  // persisted), the filter is built from the run itself, never from memory.
  if (merged != static_cast<int64_t>(recent_.size()) ||
      merged_filter_->size() + merged > merged_filter_->capacity()) {
    RETURN_IF_ERROR(BuildMergedFilter());
  } else {
    for (const auto& [hash, check] : recent_) merged_filter_->Add(hash);
    filter_runs_ = runs_;
  }
  recent_.clear();
  return absl::OkStatus();
}

}  // namespace salesteam::activity
