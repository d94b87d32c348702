// The ingest pipeline shared by RecordActivities, StreamActivities and the
// direct (no gRPC) path tools/loadgen measures against: validate each item,
// answer repeats within the batch, look the members up in the roster,
// attribute each activity to its day's team and role, check the caller may
// write it and that amounts are in the team's currency, then record the
// valid items in one transaction and update the live leaderboards. Items are
// judged one by one, so a bad item never costs its neighbours; only a store
// failure fails the whole batch, and then nothing of it was recorded.
#ifndef SALESTEAM_SERVICES_ACTIVITY_INGEST_H_
#define SALESTEAM_SERVICES_ACTIVITY_INGEST_H_

#include <functional>

#include "absl/status/status.h"
#include "absl/time/time.h"
#include "clients/roster/roster_client.h"
#include "common/auth/auth.h"
#include "google/protobuf/repeated_ptr_field.h"
#include "services/activity/activity_store.h"
#include "services/activity/domain.h"
#include "services/activity/leaderboard.h"

namespace salesteam::activity {

struct IngestCounts {
  int accepted = 0;
  int duplicate = 0;
  int rejected = 0;
};

class Ingestor {
 public:
  Ingestor(ActivityStore* store, clients::RosterClient* roster, Leaderboards* leaderboards,
           std::function<absl::Time()> clock)
      : store_(store), roster_(roster), leaderboards_(leaderboards), clock_(std::move(clock)) {}

  // Checks the batch's size (INVALID_ARGUMENT when empty, RESOURCE_EXHAUSTED
  // above kMaxBatchItems items or kMaxBatchBytes bytes), then judges and
  // records every item: `results` gets one per item, in order. Returns an
  // error only when the batch was refused as a whole or the store failed.
  absl::Status Record(const auth::Principal& caller,
                      const google::protobuf::RepeatedPtrField<activitypb::Activity>& items,
                      google::protobuf::RepeatedPtrField<activitypb::RecordResult>* results,
                      IngestCounts* counts);

 private:
  ActivityStore* store_;
  clients::RosterClient* roster_;
  Leaderboards* leaderboards_;
  std::function<absl::Time()> clock_;
};

}  // namespace salesteam::activity

#endif  // SALESTEAM_SERVICES_ACTIVITY_INGEST_H_
