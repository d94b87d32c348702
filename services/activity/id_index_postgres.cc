#include "services/activity/id_index_postgres.h"

#include <string>

#include "absl/status/status.h"
#include "common/status.h"
#include "services/activity/internal/statements.h"

namespace salesteam::activity {
namespace {

// activity_ids rows are matched back to the ids by their hash's bytes.
std::string HashKey(int64_t hash) { return std::string(reinterpret_cast<char*>(&hash), 8); }

}  // namespace

absl::StatusOr<std::vector<RecordOutcome>> PostgresIdIndex::Transact(
    absl::Span<const ActivityFingerprint> ids, WriteAccepted write) {
  std::vector<RecordOutcome> outcomes;
  RETURN_IF_ERROR(db_->Transact([&](store::Transaction& tx) -> absl::Status {
    // Every attempt judges afresh: a retried one may find what a concurrent
    // writer committed meanwhile.
    outcomes.assign(ids.size(), RecordOutcome::kAccepted);
    RETURN_IF_ERROR(ClaimIds(tx, ids, outcomes));
    return write(tx, outcomes);
  }));
  return outcomes;
}

absl::Status PostgresIdIndex::ClaimIds(store::Transaction& tx,
                                       absl::Span<const ActivityFingerprint> ids,
                                       std::vector<RecordOutcome>& outcomes) {
  std::vector<store::Param> rows;
  rows.reserve(ids.size() * 2);
  for (const ActivityFingerprint& id : ids) {
    rows.push_back(id.hash);
    rows.push_back(id.check);
  }
  ASSIGN_OR_RETURN(std::vector<bool> inserted,
                   internal::InsertNew(
                       tx, "INSERT INTO activity_ids (id_hash, id_check)", 2, rows,
                       "ON CONFLICT (id_hash) DO NOTHING", "id_hash",
                       [](const store::Row& row) -> absl::StatusOr<std::string> {
                         ASSIGN_OR_RETURN(int64_t hash, row.Int64(0));
                         return HashKey(hash);
                       },
                       [&](int r) { return HashKey(ids[r].hash); }));
  std::vector<size_t> recorded_before;
  for (size_t k = 0; k < ids.size(); ++k) {
    if (!inserted[k]) recorded_before.push_back(k);
  }
  ASSIGN_OR_RETURN(
      const size_t found,
      JudgeRecordedIds(tx, "SELECT id_hash, id_check FROM activity_ids WHERE id_hash IN (", ids,
                       recorded_before, outcomes));
  if (found != recorded_before.size()) {
    // ON CONFLICT waited for any concurrent transaction that inserted the
    // same id, so an id neither inserted nor found is a bug, not a race.
    return absl::InternalError("activity_ids: an id neither inserted nor found");
  }
  return absl::OkStatus();
}

}  // namespace salesteam::activity
