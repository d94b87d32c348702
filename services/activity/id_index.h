// The activity store's idempotency index: which of a group's activity ids
// were recorded before, and recording the new ones in the same transaction
// as their activities, so that each activity_id is counted once, ever (also
// across restarts, lost commit replies and concurrent writers).
//
// Ids are kept by fingerprint (the first 16 bytes of their SHA-256). Two
// implementations, one per backend, chosen by the store at construction:
// SqliteIdIndex (id_index_sqlite.h: recent ids in memory, merged ones in
// sorted runs behind a Bloom filter, one ingesting process per file) and
// PostgresIdIndex (id_index_postgres.h: one activity_ids table that
// concurrent writers insert into).
#ifndef SALESTEAM_SERVICES_ACTIVITY_ID_INDEX_H_
#define SALESTEAM_SERVICES_ACTIVITY_ID_INDEX_H_

#include <cstdint>
#include <vector>

#include "absl/functional/function_ref.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/types/span.h"
#include "common/store/database.h"

namespace salesteam::activity {

// The 64-bit fingerprint of an activity_id the store is keyed by (the first
// 8 bytes of its SHA-256), and the next 8 bytes, which tell a repeat from a
// fingerprint collision.
struct ActivityFingerprint {
  int64_t hash = 0;
  int64_t check = 0;
};
ActivityFingerprint FingerprintOf(absl::string_view activity_id);
int64_t ActivityIdHash(absl::string_view activity_id);
int64_t ActivityIdCheck(absl::string_view activity_id);

enum class RecordOutcome {
  kAccepted,
  // The activity_id was recorded before.
  kDuplicate,
  // Another activity_id with the same fingerprint was recorded before; this
  // one cannot be stored (about one chance in 10^12 per pair of ids).
  kFingerprintCollision,
};

class IdIndex {
 public:
  // What the store writes in the transaction once the ids are judged:
  // `outcomes[k]` is the verdict on the k-th id (kAccepted: never recorded).
  // It must insert the activities row of every accepted id, whose presence
  // is what the SQLite index reads back after a restart or a failure.
  using WriteAccepted =
      absl::FunctionRef<absl::Status(store::Transaction& tx, absl::Span<const RecordOutcome>)>;

  virtual ~IdIndex() = default;

  // Runs one transaction in which `ids` (distinct hashes, ascending: the
  // order every writer takes index locks in) are judged, the new ones are
  // recorded as seen, and `write` adds the group's rows. Returns the verdicts
  // of the attempt that committed (an aborted attempt is retried whole). On
  // error the caller must assume nothing was recorded, and the index itself
  // copes with a commit that persisted although it reported failure.
  virtual absl::StatusOr<std::vector<RecordOutcome>> Transact(
      absl::Span<const ActivityFingerprint> ids, WriteAccepted write) = 0;

 protected:
  // Looks up the ids[k] of `candidates` with `select_head`, a query returning
  // (id_hash, id_check) that ends in "id_hash IN (" (the parameter list and
  // ")" are appended, a chunk of candidates at a time), and sets outcomes[k]
  // to kDuplicate or kFingerprintCollision for each one found. Returns how
  // many were found.
  static absl::StatusOr<size_t> JudgeRecordedIds(store::Transaction& tx,
                                                 absl::string_view select_head,
                                                 absl::Span<const ActivityFingerprint> ids,
                                                 absl::Span<const size_t> candidates,
                                                 std::vector<RecordOutcome>& outcomes);

  // The verdict on `id` when its hash is recorded with `stored_check`.
  static RecordOutcome VerdictOnRecorded(const ActivityFingerprint& id, int64_t stored_check) {
    return stored_check == id.check ? RecordOutcome::kDuplicate
                                    : RecordOutcome::kFingerprintCollision;
  }
};

}  // namespace salesteam::activity

#endif  // SALESTEAM_SERVICES_ACTIVITY_ID_INDEX_H_
