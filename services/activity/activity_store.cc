// The activity store: group commit of concurrent Record calls, the tables a
// group writes (activities, deal_steps, activity_daily, team_day_counts; the
// idempotency index is IdIndex's), and the listing and aggregate reads.
#include "services/activity/activity_store.h"

#include <algorithm>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <utility>

#include "absl/container/flat_hash_set.h"
#include "absl/random/random.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "common/status.h"
#include "common/time/timestamp.h"
#include "services/activity/id_index_postgres.h"
#include "services/activity/id_index_sqlite.h"
#include "services/activity/internal/statements.h"

namespace salesteam::activity {
namespace {

using store::Dialect;
using store::Param;
using store::ResultSet;
using store::Row;
using store::Transaction;

constexpr int kActivityColumns = 18;
constexpr absl::string_view kInsertActivity =
    "INSERT INTO activities (id_hash, id_check, activity_id, member_id, team_id, role, type, "
    "occurred_at_us, utc_day, local_day, deal_id, amount_minor, currency_code, minutes, selling, "
    "out_of_stage, source_system, record_time_us)";
constexpr absl::string_view kActivityColumnsList =
    "id_hash, activity_id, member_id, team_id, role, type, occurred_at_us, local_day, deal_id, "
    "amount_minor, currency_code, minutes, selling, out_of_stage, source_system, record_time_us";
constexpr int kShards = 8;

constexpr int64_t kMicrosPerDay = int64_t{86400} * 1000 * 1000;

// The UTC day of an instant, as days since 1970-01-01 (floor, also before).
int64_t UtcDay(int64_t micros) {
  return micros >= 0 ? micros / kMicrosPerDay : -((-micros + kMicrosPerDay - 1) / kMicrosPerDay);
}

// activity_daily's value columns, after member_id, local_day, team_id and
// role: a count per type, won amount, logged and selling minutes, the four
// funnel steps and the out-of-stage count.
constexpr int kTypes = 12;
static_assert(activitypb::ActivityType_ARRAYSIZE == kTypes + 1,
              "a new activity type needs a column in activity_daily");
constexpr int kFunnelSteps = 4;
constexpr int kDailyValues = kTypes + 3 + kFunnelSteps + 1;

std::vector<std::string> DailyValueNames() {
  std::vector<std::string> names;
  for (int type = 1; type <= kTypes; ++type) names.push_back(absl::StrCat("n", type));
  names.push_back("won_amount_minor");
  names.push_back("logged_minutes");
  names.push_back("selling_minutes");
  for (int step = 1; step <= kFunnelSteps; ++step) names.push_back(absl::StrCat("funnel_", step));
  names.push_back("out_of_stage_count");
  return names;
}

const std::string& DailyColumns() {
  static const std::string* const columns = new std::string(absl::StrJoin(DailyValueNames(), ", "));
  return *columns;
}

const std::string& DailySums() {
  static const std::string* const sums = [] {
    std::vector<std::string> parts;
    for (const std::string& name : DailyValueNames())
      parts.push_back(absl::StrCat("SUM(", name, ")"));
    return new std::string(absl::StrJoin(parts, ", "));
  }();
  return *sums;
}

const std::string& DailyUpsert() {
  static const std::string* const sql = [] {
    std::vector<std::string> sets;
    for (const std::string& name : DailyValueNames()) {
      sets.push_back(absl::StrCat(name, " = activity_daily.", name, " + excluded.", name));
    }
    return new std::string(absl::StrCat("ON CONFLICT (member_id, local_day) DO UPDATE SET ",
                                        absl::StrJoin(sets, ", ")));
  }();
  return *sql;
}

// The type each funnel step counts under (step 1..4).
constexpr activitypb::ActivityType kFunnelTypes[kFunnelSteps + 1] = {
    activitypb::ACTIVITY_TYPE_UNSPECIFIED, activitypb::ACTIVITY_TYPE_LEAD_CREATED,
    activitypb::ACTIVITY_TYPE_MEETING_HELD, activitypb::ACTIVITY_TYPE_PROPOSAL_SENT,
    activitypb::ACTIVITY_TYPE_DEAL_WON};

// Where each value sits among activity_daily's kDailyValues columns.
constexpr int kWonAmount = kTypes;
constexpr int kLoggedMinutes = kTypes + 1;
constexpr int kSellingMinutes = kTypes + 2;
constexpr int FunnelColumn(int step) { return kTypes + 2 + step; }  // step 1..4
constexpr int kOutOfStage = kDailyValues - 1;

// Reads the kDailyValues columns from `first` on and appends one DailyTotals
// per type with anything to count (minutes go with TIME_LOGGED, the won
// amount with DEAL_WON, out-of-stage work with the first type present).
absl::Status ExpandDaily(const Row& row, size_t first, Date day,
                         const std::function<void(DailyTotals)>& add) {
  int64_t values[kDailyValues];
  for (int i = 0; i < kDailyValues; ++i) {
    ASSIGN_OR_RETURN(values[i], row.Int64(first + i));
  }
  int64_t out_of_stage = values[kOutOfStage];
  for (int type = 1; type <= kTypes; ++type) {
    DailyTotals totals;
    totals.day = day;
    totals.type = static_cast<activitypb::ActivityType>(type);
    totals.count = values[type - 1];
    if (totals.type == activitypb::ACTIVITY_TYPE_DEAL_WON) totals.amount_minor = values[kWonAmount];
    if (totals.type == activitypb::ACTIVITY_TYPE_TIME_LOGGED) {
      totals.minutes = values[kLoggedMinutes];
      totals.selling_minutes = values[kSellingMinutes];
    }
    for (int step = 1; step <= kFunnelSteps; ++step) {
      if (kFunnelTypes[step] == totals.type) totals.funnel_count = values[FunnelColumn(step)];
    }
    if (totals.count == 0 && totals.amount_minor == 0 && totals.minutes == 0 &&
        totals.funnel_count == 0) {
      continue;
    }
    totals.out_of_stage_count = out_of_stage;
    out_of_stage = 0;
    add(totals);
  }
  return absl::OkStatus();
}

absl::StatusOr<activitypb::Activity> ActivityFromRow(const Row& row) {
  activitypb::Activity activity;
  ASSIGN_OR_RETURN(std::string activity_id, row.Text(1));
  activity.set_activity_id(std::move(activity_id));
  ASSIGN_OR_RETURN(std::string member_id, row.Text(2));
  activity.set_member_id(std::move(member_id));
  ASSIGN_OR_RETURN(std::string team_id, row.Text(3));
  activity.set_team_id(std::move(team_id));
  ASSIGN_OR_RETURN(int64_t role, row.Int64(4));
  activity.set_role(static_cast<rosterpb::MemberRole>(role));
  ASSIGN_OR_RETURN(int64_t type, row.Int64(5));
  activity.set_type(static_cast<activitypb::ActivityType>(type));
  ASSIGN_OR_RETURN(int64_t occurred_us, row.Int64(6));
  periods::TimeToProto(absl::FromUnixMicros(occurred_us), activity.mutable_occurred_at());
  ASSIGN_OR_RETURN(int64_t day, row.Int64(7));
  periods::DateToProto(DayFromNumber(day), activity.mutable_local_date());
  ASSIGN_OR_RETURN(std::optional<std::string> deal_id, row.OptionalText(8));
  if (deal_id.has_value()) activity.set_deal_id(*std::move(deal_id));
  ASSIGN_OR_RETURN(std::optional<int64_t> amount, row.OptionalInt64(9));
  ASSIGN_OR_RETURN(std::optional<std::string> currency, row.OptionalText(10));
  if (amount.has_value() && currency.has_value()) {
    activity.mutable_amount()->set_minor_units(*amount);
    activity.mutable_amount()->set_currency_code(*std::move(currency));
  }
  ASSIGN_OR_RETURN(int64_t minutes, row.Int64(11));
  activity.set_minutes(static_cast<int32_t>(minutes));
  ASSIGN_OR_RETURN(int64_t selling, row.Int64(12));
  activity.set_selling(selling != 0);
  ASSIGN_OR_RETURN(int64_t out_of_stage, row.Int64(13));
  activity.set_out_of_stage(out_of_stage != 0);
  ASSIGN_OR_RETURN(std::string source, row.Text(14));
  activity.set_source_system(std::move(source));
  ASSIGN_OR_RETURN(int64_t record_us, row.Int64(15));
  periods::TimeToProto(absl::FromUnixMicros(record_us), activity.mutable_record_time());
  return activity;
}

// ---- The write path: one function per table a group writes ----

// Where an item's outcome goes: its call's outcomes, at its place in the
// call's batch.
struct OutcomeSlot {
  std::vector<RecordOutcome>* outcomes;
  int index;

  void Set(RecordOutcome outcome) const { (*outcomes)[index] = outcome; }
};

// One activity of a group: which call's item it answers, and the values its
// rows are keyed by.
struct GroupItem {
  OutcomeSlot slot;
  const NewActivity* recorded;
  int64_t occurred_us;
  int64_t local_day;  // DayNumber of the attributed local day
  int64_t record_us;

  const activitypb::Activity& activity() const { return *recorded->activity; }
};

using AcceptedItems = absl::Span<const GroupItem* const>;

// activities: one row per accepted activity, appended.
absl::Status InsertActivities(Transaction& tx, AcceptedItems accepted) {
  std::vector<Param> values;
  values.reserve(accepted.size() * kActivityColumns);
  for (const GroupItem* item : accepted) {
    const NewActivity& recorded = *item->recorded;
    const activitypb::Activity& activity = item->activity();
    values.push_back(recorded.id_hash);
    values.push_back(recorded.id_check);
    values.push_back(activity.activity_id());
    values.push_back(activity.member_id());
    values.push_back(recorded.attribution.team_id);
    values.push_back(static_cast<int64_t>(recorded.attribution.role));
    values.push_back(static_cast<int64_t>(activity.type()));
    values.push_back(item->occurred_us);
    values.push_back(UtcDay(item->occurred_us));
    values.push_back(item->local_day);
    values.push_back(activity.deal_id().empty() ? Param() : Param(activity.deal_id()));
    values.push_back(activity.has_amount() ? Param(activity.amount().minor_units()) : Param());
    values.push_back(activity.has_amount() ? Param(activity.amount().currency_code()) : Param());
    values.push_back(static_cast<int64_t>(activity.minutes()));
    values.push_back(activity.selling());
    values.push_back(recorded.attribution.out_of_stage);
    values.push_back(activity.source_system());
    values.push_back(item->record_us);
  }
  return tx.InsertRows(kInsertActivity, kActivityColumns, values).status();
}

// deal_steps: the first time each deal reached each funnel step. Returns,
// per accepted activity, whether it counts in the funnel: one without a deal
// always does, one with a deal only as its deal's first at that step.
absl::StatusOr<std::vector<bool>> RecordFirstDealSteps(Transaction& tx, AcceptedItems accepted) {
  std::vector<bool> counts_in_funnel(accepted.size(), false);
  std::vector<size_t> firsts_in_group;
  absl::flat_hash_set<std::pair<absl::string_view, int>> seen;
  for (size_t k = 0; k < accepted.size(); ++k) {
    const activitypb::Activity& activity = accepted[k]->activity();
    const int step = FunnelStepOf(activity.type());
    if (step == 0) continue;
    if (activity.deal_id().empty()) {
      counts_in_funnel[k] = true;
    } else if (seen.emplace(absl::string_view(activity.deal_id()), step).second) {
      firsts_in_group.push_back(k);
    }
  }
  if (firsts_in_group.empty()) return counts_in_funnel;
  auto deal_step = [&](size_t k) {
    const activitypb::Activity& activity = accepted[k]->activity();
    return std::make_pair(absl::string_view(activity.deal_id()), FunnelStepOf(activity.type()));
  };
  // In key order, as every writer takes these row locks: two writers meeting
  // the same deals in another order would otherwise deadlock.
  std::sort(firsts_in_group.begin(), firsts_in_group.end(),
            [&](size_t x, size_t y) { return deal_step(x) < deal_step(y); });
  std::vector<Param> rows;
  rows.reserve(firsts_in_group.size() * 2);
  for (size_t k : firsts_in_group) {
    rows.push_back(accepted[k]->activity().deal_id());
    rows.push_back(static_cast<int64_t>(deal_step(k).second));
  }
  auto key = [](absl::string_view deal, int64_t step) { return absl::StrCat(step, ":", deal); };
  ASSIGN_OR_RETURN(std::vector<bool> new_steps,
                   internal::InsertNew(
                       tx, "INSERT INTO deal_steps (deal_id, step)", 2, rows,
                       "ON CONFLICT (deal_id, step) DO NOTHING", "deal_id, step",
                       [&](const Row& row) -> absl::StatusOr<std::string> {
                         ASSIGN_OR_RETURN(std::string deal, row.Text(0));
                         ASSIGN_OR_RETURN(int64_t step, row.Int64(1));
                         return key(deal, step);
                       },
                       [&](int r) {
                         const auto [deal, step] = deal_step(firsts_in_group[r]);
                         return key(deal, step);
                       }));
  for (size_t j = 0; j < firsts_in_group.size(); ++j) {
    if (new_steps[j]) counts_in_funnel[firsts_in_group[j]] = true;
  }
  return counts_in_funnel;
}

// What a group adds to one member's day.
struct MemberDayDelta {
  absl::string_view team_id;
  int64_t role = 0;
  int64_t values[kDailyValues] = {};
};

void AddToMemberDay(const GroupItem& item, bool counts_in_funnel, MemberDayDelta& delta) {
  const NewActivity& recorded = *item.recorded;
  const activitypb::Activity& activity = item.activity();
  delta.team_id = recorded.attribution.team_id;
  delta.role = static_cast<int64_t>(recorded.attribution.role);
  const int type = static_cast<int>(activity.type());
  if (type >= 1 && type <= kTypes) delta.values[type - 1] += 1;
  if (activity.type() == activitypb::ACTIVITY_TYPE_DEAL_WON) {
    delta.values[kWonAmount] += activity.amount().minor_units();
  }
  delta.values[kLoggedMinutes] += activity.minutes();
  if (activity.selling()) delta.values[kSellingMinutes] += activity.minutes();
  const int step = FunnelStepOf(activity.type());
  if (counts_in_funnel && step > 0) delta.values[FunnelColumn(step)] += 1;
  if (recorded.attribution.out_of_stage) delta.values[kOutOfStage] += 1;
}

// activity_daily: each member-day's counts, won amount, minutes, funnel
// steps and out-of-stage work, added to in key order.
absl::Status AddToDailyTotals(Transaction& tx, AcceptedItems accepted,
                              const std::vector<bool>& counts_in_funnel) {
  std::map<std::pair<absl::string_view, int64_t>, MemberDayDelta> member_days;
  for (size_t k = 0; k < accepted.size(); ++k) {
    const GroupItem& item = *accepted[k];
    AddToMemberDay(item, counts_in_funnel[k],
                   member_days[{item.activity().member_id(), item.local_day}]);
  }
  std::vector<Param> rows;
  rows.reserve(member_days.size() * (4 + kDailyValues));
  for (const auto& [member_day, delta] : member_days) {
    rows.push_back(member_day.first);
    rows.push_back(member_day.second);
    rows.push_back(delta.team_id);
    rows.push_back(delta.role);
    for (int64_t value : delta.values) rows.push_back(value);
  }
  return tx
      .InsertRows(absl::StrCat("INSERT INTO activity_daily (member_id, local_day, team_id, role, ",
                               DailyColumns(), ")"),
                  4 + kDailyValues, rows, DailyUpsert())
      .status();
}

// team_day_counts: how many activities each team-day gained, on `shard`, in
// key order.
absl::Status AddToTeamDayCounts(Transaction& tx, AcceptedItems accepted, int shard) {
  std::map<std::pair<absl::string_view, int64_t>, int64_t> team_days;
  for (const GroupItem* item : accepted) {
    team_days[{item->recorded->attribution.team_id, item->local_day}] += 1;
  }
  std::vector<Param> rows;
  rows.reserve(team_days.size() * 4);
  for (const auto& [team_day, count] : team_days) {
    rows.push_back(team_day.first);
    rows.push_back(team_day.second);
    rows.push_back(shard);
    rows.push_back(count);
  }
  return tx
      .InsertRows("INSERT INTO team_day_counts (team_id, local_day, shard, activity_count)", 4,
                  rows,
                  "ON CONFLICT (team_id, local_day, shard) DO UPDATE SET "
                  "activity_count = team_day_counts.activity_count + excluded.activity_count")
      .status();
}

// Every table but the idempotency index, for the accepted items of a group.
absl::Status WriteAcceptedActivities(Transaction& tx, absl::Span<const GroupItem> items,
                                     absl::Span<const RecordOutcome> outcomes, int shard) {
  std::vector<const GroupItem*> accepted;
  accepted.reserve(items.size());
  for (size_t k = 0; k < items.size(); ++k) {
    if (outcomes[k] == RecordOutcome::kAccepted) accepted.push_back(&items[k]);
  }
  if (accepted.empty()) return absl::OkStatus();
  RETURN_IF_ERROR(InsertActivities(tx, accepted));
  ASSIGN_OR_RETURN(const std::vector<bool> counts_in_funnel, RecordFirstDealSteps(tx, accepted));
  RETURN_IF_ERROR(AddToDailyTotals(tx, accepted, counts_in_funnel));
  return AddToTeamDayCounts(tx, accepted, shard);
}

std::unique_ptr<IdIndex> IdIndexFor(store::Database* db, const ActivityStoreOptions& options) {
  if (db->dialect() == Dialect::kSqlite) {
    return std::make_unique<SqliteIdIndex>(
        db, SqliteIdIndexOptions{.merge_threshold = options.sqlite_merge_threshold,
                                 .filter_build_page = options.sqlite_filter_build_page});
  }
  return std::make_unique<PostgresIdIndex>(db);
}

}  // namespace

// One Record call waiting to be written.
struct ActivityStore::Pending {
  absl::Span<const NewActivity> batch;
  absl::Time record_time;
  std::vector<RecordOutcome> outcomes;
  absl::Status status;
  bool done = false;
};

// The calls one transaction writes, and its view of their items.
struct ActivityStore::Group {
  explicit Group(std::vector<Pending*> calls);

  // The group's ids, in items' order.
  std::vector<ActivityFingerprint> Ids() const;
  // Gives each call the outcome of each of its items.
  void Answer(absl::Span<const RecordOutcome> outcomes) const;

  std::vector<Pending*> requests;
  // The first occurrence of each id in the group, in id_hash order (index
  // locks in one order: concurrent groups never deadlock on PostgreSQL).
  std::vector<GroupItem> items;
  // Later occurrences: (item, index into items of the first).
  std::vector<std::pair<GroupItem, size_t>> repeats;
};

ActivityStore::Group::Group(std::vector<Pending*> calls) : requests(std::move(calls)) {
  // Every item, in id_hash order; the first occurrence of each id (in call
  // order) is the one written.
  std::vector<GroupItem> all;
  for (Pending* request : requests) {
    const int64_t record_us = absl::ToUnixMicros(request->record_time);
    for (size_t i = 0; i < request->batch.size(); ++i) {
      const NewActivity& recorded = request->batch[i];
      all.push_back({{&request->outcomes, static_cast<int>(i)},
                     &recorded,
                     absl::ToUnixMicros(recorded.occurred_at),
                     DayNumber(recorded.attribution.local_day),
                     record_us});
    }
  }
  std::stable_sort(all.begin(), all.end(), [](const GroupItem& x, const GroupItem& y) {
    return x.recorded->id_hash < y.recorded->id_hash;
  });
  for (const GroupItem& item : all) {
    if (!items.empty() && items.back().recorded->id_hash == item.recorded->id_hash) {
      repeats.emplace_back(item, items.size() - 1);
    } else {
      items.push_back(item);
    }
  }
}

std::vector<ActivityFingerprint> ActivityStore::Group::Ids() const {
  std::vector<ActivityFingerprint> ids;
  ids.reserve(items.size());
  for (const GroupItem& item : items)
    ids.push_back({item.recorded->id_hash, item.recorded->id_check});
  return ids;
}

void ActivityStore::Group::Answer(absl::Span<const RecordOutcome> outcomes) const {
  for (size_t k = 0; k < items.size(); ++k) items[k].slot.Set(outcomes[k]);
  for (const auto& [item, first] : repeats) {
    // A repeat within the group: the same id as a written (or known) one,
    // unless only the fingerprint is shared.
    item.slot.Set(item.recorded->id_check == items[first].recorded->id_check
                      ? RecordOutcome::kDuplicate
                      : RecordOutcome::kFingerprintCollision);
  }
}

ActivityStore::ActivityStore(store::Database* db, ActivityStoreOptions options)
    : db_(db),
      options_(options),
      id_index_(IdIndexFor(db, options)),
      max_writers_(db->dialect() == Dialect::kSqlite ? 1 : std::max(1, options.postgres_writers)) {}

ActivityStore::~ActivityStore() = default;

absl::StatusOr<std::vector<RecordOutcome>> ActivityStore::Record(
    absl::Span<const NewActivity> batch, absl::Time record_time) {
  if (batch.empty()) return std::vector<RecordOutcome>{};
  Pending pending;
  pending.batch = batch;
  pending.record_time = record_time;
  pending.outcomes.assign(batch.size(), RecordOutcome::kDuplicate);
  queue_mu_.Lock();
  queue_.push_back(&pending);
  while (!pending.done) {
    if (writers_ >= max_writers_ || queue_.empty()) {
      queue_changed_.Wait(&queue_mu_);
      continue;
    }
    // Lead: write the waiting calls, oldest first, up to the group size.
    Group group(TakeGroupLocked());
    ++writers_;
    queue_mu_.Unlock();
    const absl::Status status = CommitGroup(group);
    queue_mu_.Lock();
    --writers_;
    for (Pending* request : group.requests) {
      request->status = status;
      request->done = true;
    }
    queue_changed_.SignalAll();
  }
  queue_mu_.Unlock();
  if (!pending.status.ok()) return pending.status;
  return std::move(pending.outcomes);
}

std::vector<ActivityStore::Pending*> ActivityStore::TakeGroupLocked() {
  size_t taken = 0;
  size_t activities = 0;
  // With writer slots free, share the waiting calls between them, so that
  // PostgreSQL commits several groups at once.
  const int free_writers = max_writers_ - writers_;
  const size_t share = (queue_.size() + free_writers - 1) / free_writers;
  while (taken < share && (taken == 0 || activities + queue_[taken]->batch.size() <=
                                             static_cast<size_t>(options_.max_group_activities))) {
    activities += queue_[taken]->batch.size();
    ++taken;
  }
  std::vector<Pending*> calls(queue_.begin(), queue_.begin() + taken);
  queue_.erase(queue_.begin(), queue_.begin() + taken);
  return calls;
}

absl::Status ActivityStore::CommitGroup(Group& group) {
  // One team_day_counts shard per group (also across a retried attempt), so
  // that concurrent writers to one busy team-day rarely meet on a row.
  const int shard = absl::Uniform(absl::BitGen(), 0, kShards);
  ASSIGN_OR_RETURN(const std::vector<RecordOutcome> outcomes,
                   id_index_->Transact(
                       group.Ids(), [&](Transaction& tx, absl::Span<const RecordOutcome> judged) {
                         return WriteAcceptedActivities(tx, group.items, judged, shard);
                       }));
  group.Answer(outcomes);
  return absl::OkStatus();
}

absl::StatusOr<ListPage> ActivityStore::List(const ListQuery& query) {
  std::vector<Param> params;
  std::string sql = absl::StrCat("SELECT ", kActivityColumnsList, " FROM activities WHERE ");
  if (!query.member_id.empty()) {
    params.push_back(query.member_id);
    absl::StrAppend(&sql, "member_id = $1");
  } else {
    params.push_back(query.team_id);
    absl::StrAppend(&sql, "team_id = $1");
  }
  std::vector<int64_t> numbers;
  numbers.reserve(8 + query.types.size());
  // Bounds on utc_day let the (member_id | team_id, utc_day) index narrow
  // the scan; the bounds on the instant make it exact.
  auto bound = [&](absl::string_view condition, int64_t value) {
    numbers.push_back(value);
    params.push_back(numbers.back());
    absl::StrAppend(&sql, " AND ", condition, " $", params.size());
  };
  if (query.start.has_value()) {
    const int64_t start_us = absl::ToUnixMicros(*query.start);
    bound("utc_day >=", UtcDay(start_us));
    bound("occurred_at_us >=", start_us);
  }
  if (query.end.has_value()) {
    const int64_t end_us = absl::ToUnixMicros(*query.end);
    bound("utc_day <=", UtcDay(end_us - 1));
    bound("occurred_at_us <", end_us);
  }
  if (!query.types.empty()) {
    absl::StrAppend(&sql, " AND type IN (");
    for (size_t i = 0; i < query.types.size(); ++i) {
      params.push_back(static_cast<int64_t>(query.types[i]));
      absl::StrAppend(&sql, i == 0 ? "$" : ", $", params.size());
    }
    absl::StrAppend(&sql, ")");
  }
  if (query.after.has_value()) {
    bound("utc_day <=", UtcDay(query.after->first));
    params.push_back(query.after->first);
    params.push_back(query.after->first);
    params.push_back(query.after->second);
    const size_t n = params.size();
    absl::StrAppend(&sql, " AND (occurred_at_us < $", n - 2, " OR (occurred_at_us = $", n - 1,
                    " AND id_hash < $", n, "))");
  }
  params.push_back(static_cast<int64_t>(query.limit) + 1);
  absl::StrAppend(&sql, " ORDER BY utc_day DESC, occurred_at_us DESC, id_hash DESC LIMIT $",
                  params.size());
  ASSIGN_OR_RETURN(ResultSet rows, db_->Query(sql, params));
  ListPage page;
  for (Row row : rows) {
    if (static_cast<int>(page.activities.size()) == query.limit) {
      const activitypb::Activity& last = page.activities.back();
      ASSIGN_OR_RETURN(absl::Time at, periods::TimeFromProto(last.occurred_at(), "occurred_at"));
      page.next = std::make_pair(absl::ToUnixMicros(at), ActivityIdHash(last.activity_id()));
      break;
    }
    ASSIGN_OR_RETURN(activitypb::Activity activity, ActivityFromRow(row));
    page.activities.push_back(std::move(activity));
  }
  return page;
}

absl::StatusOr<std::vector<MemberDailyTotals>> ActivityStore::MemberTotals(
    absl::string_view member_id, Date start, Date end) {
  const int64_t first = DayNumber(start);
  const int64_t last = DayNumber(end);
  ASSIGN_OR_RETURN(ResultSet rows,
                   db_->Query(absl::StrCat("SELECT team_id, local_day, ", DailyColumns(),
                                           " FROM activity_daily WHERE member_id = $1 "
                                           "AND local_day >= $2 AND local_day < $3"),
                              {member_id, first, last}));
  std::vector<MemberDailyTotals> totals;
  for (Row row : rows) {
    ASSIGN_OR_RETURN(std::string team_id, row.Text(0));
    ASSIGN_OR_RETURN(int64_t day, row.Int64(1));
    RETURN_IF_ERROR(ExpandDaily(row, 2, DayFromNumber(day), [&](DailyTotals t) {
      totals.push_back({team_id, t});
    }));
  }
  return totals;
}

absl::StatusOr<std::vector<DailyTotals>> ActivityStore::TeamTotals(absl::string_view team_id,
                                                                   Date start, Date end) {
  const int64_t first = DayNumber(start);
  const int64_t last = DayNumber(end);
  ASSIGN_OR_RETURN(
      ResultSet rows,
      db_->Query(absl::StrCat("SELECT local_day, ", DailySums(),
                              " FROM activity_daily WHERE team_id = $1 AND local_day >= $2 "
                              "AND local_day < $3 GROUP BY local_day"),
                 {team_id, first, last}));
  std::vector<DailyTotals> totals;
  for (Row row : rows) {
    ASSIGN_OR_RETURN(int64_t day, row.Int64(0));
    RETURN_IF_ERROR(
        ExpandDaily(row, 1, DayFromNumber(day), [&](DailyTotals t) { totals.push_back(t); }));
  }
  return totals;
}

absl::StatusOr<std::vector<MemberDayTotals>> ActivityStore::TeamDayMemberTotals(
    absl::string_view team_id, Date day) {
  return TeamMemberTotals(team_id, day, day + 1);
}

absl::StatusOr<std::vector<MemberDayTotals>> ActivityStore::TeamMemberTotals(
    absl::string_view team_id, Date start, Date end) {
  const int64_t first = DayNumber(start);
  const int64_t last = DayNumber(end);
  ASSIGN_OR_RETURN(ResultSet rows,
                   db_->Query(absl::StrCat("SELECT member_id, local_day, ", DailyColumns(),
                                           " FROM activity_daily WHERE team_id = $1 "
                                           "AND local_day >= $2 AND local_day < $3"),
                              {team_id, first, last}));
  std::vector<MemberDayTotals> totals;
  for (Row row : rows) {
    ASSIGN_OR_RETURN(std::string member_id, row.Text(0));
    ASSIGN_OR_RETURN(int64_t day, row.Int64(1));
    RETURN_IF_ERROR(ExpandDaily(row, 2, DayFromNumber(day), [&](DailyTotals t) {
      totals.push_back({member_id, t});
    }));
  }
  return totals;
}

absl::StatusOr<std::vector<std::pair<Date, int64_t>>> ActivityStore::TeamDayCounts(
    absl::string_view team_id, Date start, Date end) {
  const int64_t first = DayNumber(start);
  const int64_t last = DayNumber(end);
  ASSIGN_OR_RETURN(ResultSet rows,
                   db_->Query("SELECT local_day, SUM(activity_count) FROM team_day_counts "
                              "WHERE team_id = $1 AND local_day >= $2 AND local_day < $3 "
                              "GROUP BY local_day ORDER BY local_day",
                              {team_id, first, last}));
  std::vector<std::pair<Date, int64_t>> counts;
  for (Row row : rows) {
    ASSIGN_OR_RETURN(int64_t day, row.Int64(0));
    ASSIGN_OR_RETURN(int64_t n, row.Int64(1));
    counts.emplace_back(DayFromNumber(day), n);
  }
  return counts;
}

absl::StatusOr<int64_t> ActivityStore::CountActivities() {
  ASSIGN_OR_RETURN(ResultSet rows, db_->Query("SELECT COUNT(*) FROM activities"));
  return rows.front().Int64(0);
}

}  // namespace salesteam::activity
