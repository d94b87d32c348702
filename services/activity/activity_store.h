// The activity service's SQL: recording batches of attributed activities
// exactly once together with the daily aggregates and funnel steps they
// change (one transaction), listing activities, and reading the aggregates
// that KPIs and leaderboards are computed from. Runs on SQLite and
// PostgreSQL alike (the tables are in migrations/). Which ids were recorded
// before is the idempotency index's business (id_index.h), one per backend.
#ifndef SALESTEAM_SERVICES_ACTIVITY_ACTIVITY_STORE_H_
#define SALESTEAM_SERVICES_ACTIVITY_ACTIVITY_STORE_H_

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "absl/types/span.h"
#include "common/store/database.h"
#include "services/activity/domain.h"
#include "services/activity/id_index.h"
#include "services/activity/id_index_sqlite.h"  // LockSqliteForIngest

namespace salesteam::activity {

// One validated, attributed activity to record. Borrows the activity. The
// fingerprint is computed by the caller (FingerprintOf), off the store's
// single writer.
struct NewActivity {
  const activitypb::Activity* activity = nullptr;
  int64_t id_hash = 0;
  int64_t id_check = 0;
  absl::Time occurred_at;
  Attribution attribution;
};

// One stored activity, as ListActivities returns it.
struct ListQuery {
  // Exactly one of the two.
  std::string member_id;
  std::string team_id;
  std::optional<absl::Time> start;              // inclusive
  std::optional<absl::Time> end;                // exclusive
  std::vector<activitypb::ActivityType> types;  // empty: all
  int limit = 100;
  // Continue after this (occurred_at_us, id_hash), exclusive, newest first.
  std::optional<std::pair<int64_t, int64_t>> after;
};

struct ListPage {
  std::vector<activitypb::Activity> activities;
  // The cursor of the last activity when more may follow.
  std::optional<std::pair<int64_t, int64_t>> next;
};

// One member's totals of one type on one day (leaderboard rebuilds).
struct MemberDayTotals {
  std::string member_id;
  DailyTotals totals;
};

// A member's rows of one day also say which team they counted for.
struct MemberDailyTotals {
  std::string team_id;
  DailyTotals totals;
};

struct ActivityStoreOptions {
  // SQLite: ids recorded since the last merge are held in memory (about 40
  // bytes each); at this many they are written as a new sorted run of
  // activity_id_runs (holding up ingest for its duration: about a second
  // here, however many ids were merged before).
  int64_t sqlite_merge_threshold = 500000;
  // SQLite: rows read per query while the filter of merged ids is built
  // (at start and when it fills up).
  int64_t sqlite_filter_build_page = 100000;
  // Group commit: concurrent Record calls are written together, in one
  // transaction of at most this many activities.
  int max_group_activities = 20000;
  // Transactions writing groups at once (PostgreSQL; SQLite has one writer).
  int postgres_writers = 2;
};

// Thread-safe. Concurrent Record calls are committed together (group
// commit): one caller writes the waiting batches in one transaction while
// the others wait for it, so that a commit's fsync and its index pages are
// shared by many batches.
class ActivityStore {
 public:
  explicit ActivityStore(store::Database* db, ActivityStoreOptions options = {});
  ~ActivityStore();

  // Records `batch` and returns an outcome per item, in order, once the
  // accepted items are committed. A repeated id within `batch` (or within a
  // group) is kDuplicate after its first occurrence. Accepted items add to
  // activity_daily, deal_steps and team_day_counts in the same transaction.
  // An error means nothing of `batch` was recorded.
  absl::StatusOr<std::vector<RecordOutcome>> Record(absl::Span<const NewActivity> batch,
                                                    absl::Time record_time);

  absl::StatusOr<ListPage> List(const ListQuery& query);

  // activity_daily rows of a member, days in [start, end).
  absl::StatusOr<std::vector<MemberDailyTotals>> MemberTotals(absl::string_view member_id,
                                                              Date start, Date end);
  // activity_daily summed over a team's members, per day and type.
  absl::StatusOr<std::vector<DailyTotals>> TeamTotals(absl::string_view team_id, Date start,
                                                      Date end);
  // Per-member rows of one team and day (to rebuild its leaderboard).
  absl::StatusOr<std::vector<MemberDayTotals>> TeamDayMemberTotals(absl::string_view team_id,
                                                                   Date day);
  // Per-member rows of a team over days in [start, end).
  absl::StatusOr<std::vector<MemberDayTotals>> TeamMemberTotals(absl::string_view team_id,
                                                                Date start, Date end);
  // How many activities the team recorded on each day of [start, end) that
  // has any (days without activity are absent).
  absl::StatusOr<std::vector<std::pair<Date, int64_t>>> TeamDayCounts(absl::string_view team_id,
                                                                      Date start, Date end);
  // All recorded activities (tests and tools).
  absl::StatusOr<int64_t> CountActivities();

 private:
  struct Pending;
  struct Group;
  // Takes the oldest waiting calls off the queue, as many as one group holds
  // (shared between the free writer slots).
  std::vector<Pending*> TakeGroupLocked() ABSL_EXCLUSIVE_LOCKS_REQUIRED(queue_mu_);
  // Writes `group` in one transaction and fills each request's outcomes.
  absl::Status CommitGroup(Group& group);

  store::Database* db_;
  const ActivityStoreOptions options_;
  // SQLite's or PostgreSQL's, chosen by the database's dialect.
  const std::unique_ptr<IdIndex> id_index_;
  // Groups written at once: SQLite has one writer.
  const int max_writers_;

  absl::Mutex queue_mu_;
  absl::CondVar queue_changed_;
  std::vector<Pending*> queue_ ABSL_GUARDED_BY(queue_mu_);
  int writers_ ABSL_GUARDED_BY(queue_mu_) = 0;
};

}  // namespace salesteam::activity

#endif  // SALESTEAM_SERVICES_ACTIVITY_ACTIVITY_STORE_H_
