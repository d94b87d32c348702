// The idempotency index on PostgreSQL: the table activity_ids, one row per
// recorded id. Each group inserts its ids there first (ON CONFLICT DO
// NOTHING), so that of concurrent writers, in this process or in other
// replicas, exactly one inserts an id; only the ids a transaction inserted
// become its activities. Holds no state of its own, so any number of
// writers and processes may use it at once.
#ifndef SALESTEAM_SERVICES_ACTIVITY_ID_INDEX_POSTGRES_H_
#define SALESTEAM_SERVICES_ACTIVITY_ID_INDEX_POSTGRES_H_

#include <vector>

#include "absl/status/statusor.h"
#include "absl/types/span.h"
#include "common/store/database.h"
#include "services/activity/id_index.h"

namespace salesteam::activity {

class PostgresIdIndex final : public IdIndex {
 public:
  explicit PostgresIdIndex(store::Database* db) : db_(db) {}

  absl::StatusOr<std::vector<RecordOutcome>> Transact(absl::Span<const ActivityFingerprint> ids,
                                                      WriteAccepted write) override;

 private:
  // Inserts the ids not yet in activity_ids and judges the others by the
  // id_check stored with them.
  static absl::Status ClaimIds(store::Transaction& tx, absl::Span<const ActivityFingerprint> ids,
                               std::vector<RecordOutcome>& outcomes);

  store::Database* const db_;
};

}  // namespace salesteam::activity

#endif  // SALESTEAM_SERVICES_ACTIVITY_ID_INDEX_POSTGRES_H_
