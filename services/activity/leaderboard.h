// Live leaderboards: per team and local day, Redis sorted sets of each
// member's counts per type, won value and selling/logged minutes, updated
// after each committed batch. Redis is never the only copy: every team-day's
// sets carry the number of activities they include, and a read compares it
// with the store's team_day_counts; a day whose number differs (Redis was
// down, restarted, evicted the keys, or a process died between its commit
// and its update) is rebuilt from the store's daily aggregates before it is
// used. With Redis unreachable, scores come from the store alone.
#ifndef SALESTEAM_SERVICES_ACTIVITY_LEADERBOARD_H_
#define SALESTEAM_SERVICES_ACTIVITY_LEADERBOARD_H_

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "absl/types/span.h"
#include "common/cache/cache.h"
#include "services/activity/activity_store.h"
#include "services/activity/domain.h"

namespace salesteam::activity {

struct LeaderboardOptions {
  // Each Redis call's budget; the ingest path never waits longer for Redis.
  absl::Duration timeout = absl::Milliseconds(100);
  // Idle team-days leave Redis after this long (they are rebuilt on demand).
  absl::Duration key_ttl = absl::Hours(24 * 35);
};

class Leaderboards {
 public:
  Leaderboards(cache::Cache* cache, ActivityStore* store, LeaderboardOptions options = {});

  // Adds accepted activities to their team-days' sets. Best effort: a
  // failure leaves the affected days' counts behind the store's, so the next
  // read rebuilds them.
  void Apply(absl::Span<const NewActivity> accepted);

  // Every member of the team with a value over [start, end), for `metric`
  // (and `type` for ACTIVITY_COUNT), unranked.
  absl::StatusOr<std::vector<LeaderboardScore>> Scores(absl::string_view team_id,
                                                       activitypb::LeaderboardMetric metric,
                                                       activitypb::ActivityType type, Date start,
                                                       Date end);

 private:
  cache::Cache* cache_;
  ActivityStore* store_;
  LeaderboardOptions options_;
};

}  // namespace salesteam::activity

#endif  // SALESTEAM_SERVICES_ACTIVITY_LEADERBOARD_H_
