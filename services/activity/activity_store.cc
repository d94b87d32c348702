#include "services/activity/activity_store.h"

#include <openssl/sha.h>

#include <algorithm>
#include <cstring>
#include <map>
#include <numeric>
#include <tuple>
#include <utility>

#include "absl/container/flat_hash_map.h"
#include "absl/random/random.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "common/status.h"
#include "common/time/timestamp.h"

namespace salesteam::activity {
namespace {

using store::Dialect;
using store::Param;
using store::ResultSet;
using store::Row;
using store::Transaction;

constexpr int kActivityColumns = 16;
constexpr absl::string_view kInsertActivity =
    "INSERT INTO activities (id_hash, activity_id, member_id, team_id, role, type, "
    "occurred_at_us, local_day, deal_id, amount_minor, currency_code, minutes, selling, "
    "out_of_stage, source_system, record_time_us)";
constexpr absl::string_view kActivityColumnsList =
    "id_hash, activity_id, member_id, team_id, role, type, occurred_at_us, local_day, deal_id, "
    "amount_minor, currency_code, minutes, selling, out_of_stage, source_system, record_time_us";
constexpr int kShards = 8;

// Statement sizes multi-row statements are cut into, largest first, so that a
// connection prepares at most this many texts per statement kind whatever the
// batch sizes.
constexpr int kChunkSizes[] = {256, 64, 16, 4, 1};

int ChunkAt(int remaining) {
  for (int size : kChunkSizes) {
    if (size <= remaining) return size;
  }
  return 1;
}

// "($1, $2), ($3, $4)" for `rows` rows of `columns` parameters.
std::string ValuesList(int rows, int columns) {
  std::string sql;
  int n = 1;
  for (int r = 0; r < rows; ++r) {
    absl::StrAppend(&sql, r == 0 ? "(" : ", (");
    for (int c = 0; c < columns; ++c) absl::StrAppend(&sql, c == 0 ? "$" : ", $", n++);
    absl::StrAppend(&sql, ")");
  }
  return sql;
}

// "$1, $2, ..., $n".
std::string ParamList(int n) {
  std::string sql;
  for (int i = 1; i <= n; ++i) absl::StrAppend(&sql, i == 1 ? "$" : ", $", i);
  return sql;
}

// Inserts rows with `conflict` = "ON CONFLICT (...) DO NOTHING" and tells
// which were inserted. On SQLite each row is one reused statement whose change
// count answers; on PostgreSQL rows go in multi-row statements whose
// RETURNING `returning` columns are matched back to the rows by `row_key`
// (built from the returned row) and `input_key` (built from row index).
template <typename RowKey, typename InputKey>
absl::StatusOr<std::vector<bool>> InsertNew(Transaction& tx, absl::string_view head, int columns,
                                            absl::Span<const Param> values,
                                            absl::string_view conflict, absl::string_view returning,
                                            RowKey row_key, InputKey input_key) {
  const int rows = static_cast<int>(values.size()) / columns;
  std::vector<bool> inserted(rows, false);
  if (tx.dialect() == Dialect::kSqlite) {
    const std::string sql = absl::StrCat(head, " VALUES ", ValuesList(1, columns), " ", conflict);
    for (int r = 0; r < rows; ++r) {
      ASSIGN_OR_RETURN(int64_t changed, tx.Execute(sql, values.subspan(r * columns, columns)));
      inserted[r] = changed > 0;
    }
    return inserted;
  }
  for (int start = 0; start < rows;) {
    const int n = ChunkAt(rows - start);
    const std::string sql = absl::StrCat(head, " VALUES ", ValuesList(n, columns), " ", conflict,
                                         " RETURNING ", returning);
    ASSIGN_OR_RETURN(ResultSet result, tx.Query(sql, values.subspan(start * columns, n * columns)));
    absl::flat_hash_map<std::string, int> index;
    for (int r = start; r < start + n; ++r) index.emplace(input_key(r), r);
    for (Row row : result) {
      ASSIGN_OR_RETURN(std::string key, row_key(row));
      auto it = index.find(key);
      if (it != index.end()) inserted[it->second] = true;
    }
    start += n;
  }
  return inserted;
}

std::string HashKey(int64_t hash) { return std::string(reinterpret_cast<char*>(&hash), 8); }

struct DailyKey {
  absl::string_view member_id;
  int64_t day;
  int type;
  friend bool operator<(const DailyKey& a, const DailyKey& b) {
    return std::tie(a.member_id, a.day, a.type) < std::tie(b.member_id, b.day, b.type);
  }
};

struct DailyDelta {
  absl::string_view team_id;
  int64_t role = 0;
  int64_t count = 0;
  int64_t amount = 0;
  int64_t minutes = 0;
  int64_t selling = 0;
  int64_t funnel = 0;
  int64_t out_of_stage = 0;
};

absl::StatusOr<activitypb::Activity> ActivityFromRow(const Row& row) {
  activitypb::Activity a;
  ASSIGN_OR_RETURN(std::string activity_id, row.Text(1));
  a.set_activity_id(std::move(activity_id));
  ASSIGN_OR_RETURN(std::string member_id, row.Text(2));
  a.set_member_id(std::move(member_id));
  ASSIGN_OR_RETURN(std::string team_id, row.Text(3));
  a.set_team_id(std::move(team_id));
  ASSIGN_OR_RETURN(int64_t role, row.Int64(4));
  a.set_role(static_cast<rosterpb::MemberRole>(role));
  ASSIGN_OR_RETURN(int64_t type, row.Int64(5));
  a.set_type(static_cast<activitypb::ActivityType>(type));
  ASSIGN_OR_RETURN(int64_t occurred_us, row.Int64(6));
  periods::TimeToProto(absl::FromUnixMicros(occurred_us), a.mutable_occurred_at());
  ASSIGN_OR_RETURN(int64_t day, row.Int64(7));
  periods::DateToProto(DayFromNumber(day), a.mutable_local_date());
  ASSIGN_OR_RETURN(std::optional<std::string> deal_id, row.OptionalText(8));
  if (deal_id.has_value()) a.set_deal_id(*std::move(deal_id));
  ASSIGN_OR_RETURN(std::optional<int64_t> amount, row.OptionalInt64(9));
  ASSIGN_OR_RETURN(std::optional<std::string> currency, row.OptionalText(10));
  if (amount.has_value() && currency.has_value()) {
    a.mutable_amount()->set_minor_units(*amount);
    a.mutable_amount()->set_currency_code(*std::move(currency));
  }
  ASSIGN_OR_RETURN(int64_t minutes, row.Int64(11));
  a.set_minutes(static_cast<int32_t>(minutes));
  ASSIGN_OR_RETURN(int64_t selling, row.Int64(12));
  a.set_selling(selling != 0);
  ASSIGN_OR_RETURN(int64_t out_of_stage, row.Int64(13));
  a.set_out_of_stage(out_of_stage != 0);
  ASSIGN_OR_RETURN(std::string source, row.Text(14));
  a.set_source_system(std::move(source));
  ASSIGN_OR_RETURN(int64_t record_us, row.Int64(15));
  periods::TimeToProto(absl::FromUnixMicros(record_us), a.mutable_record_time());
  return a;
}

absl::StatusOr<DailyTotals> TotalsFromRow(const Row& row, size_t first) {
  DailyTotals t;
  ASSIGN_OR_RETURN(int64_t day, row.Int64(first));
  t.day = DayFromNumber(day);
  ASSIGN_OR_RETURN(int64_t type, row.Int64(first + 1));
  t.type = static_cast<activitypb::ActivityType>(type);
  ASSIGN_OR_RETURN(t.count, row.Int64(first + 2));
  ASSIGN_OR_RETURN(t.amount_minor, row.Int64(first + 3));
  ASSIGN_OR_RETURN(t.minutes, row.Int64(first + 4));
  ASSIGN_OR_RETURN(t.selling_minutes, row.Int64(first + 5));
  ASSIGN_OR_RETURN(t.funnel_count, row.Int64(first + 6));
  ASSIGN_OR_RETURN(t.out_of_stage_count, row.Int64(first + 7));
  return t;
}

}  // namespace

int64_t ActivityIdHash(absl::string_view activity_id) {
  unsigned char digest[SHA256_DIGEST_LENGTH];
  SHA256(reinterpret_cast<const unsigned char*>(activity_id.data()), activity_id.size(), digest);
  int64_t hash;
  std::memcpy(&hash, digest, sizeof(hash));
  return hash;
}

absl::StatusOr<std::vector<RecordOutcome>> ActivityStore::Record(
    absl::Span<const NewActivity> batch, absl::Time record_time) {
  std::vector<RecordOutcome> outcomes(batch.size(), RecordOutcome::kDuplicate);
  if (batch.empty()) return outcomes;
  // Rows go in fingerprint order, so that concurrent batches that share ids
  // take their index locks in one order and never deadlock (PostgreSQL).
  std::vector<int> order(batch.size());
  std::iota(order.begin(), order.end(), 0);
  std::sort(order.begin(), order.end(),
            [&](int a, int b) { return batch[a].id_hash < batch[b].id_hash; });
  const int64_t record_us = absl::ToUnixMicros(record_time);
  std::vector<int64_t> occurred_us(batch.size());
  std::vector<int64_t> days(batch.size());
  for (size_t i = 0; i < batch.size(); ++i) {
    occurred_us[i] = absl::ToUnixMicros(batch[i].occurred_at);
    days[i] = DayNumber(batch[i].attribution.local_day);
  }
  const int shard = absl::Uniform(absl::BitGen(), 0, kShards);

  absl::Status status = db_->Transact([&](Transaction& tx) -> absl::Status {
    std::fill(outcomes.begin(), outcomes.end(), RecordOutcome::kDuplicate);
    std::vector<Param> values;
    values.reserve(batch.size() * kActivityColumns);
    for (int i : order) {
      const NewActivity& item = batch[i];
      const activitypb::Activity& a = *item.activity;
      values.push_back(item.id_hash);
      values.push_back(a.activity_id());
      values.push_back(a.member_id());
      values.push_back(item.attribution.team_id);
      values.push_back(static_cast<int64_t>(item.attribution.role));
      values.push_back(static_cast<int64_t>(a.type()));
      values.push_back(occurred_us[i]);
      values.push_back(days[i]);
      values.push_back(a.deal_id().empty() ? Param() : Param(a.deal_id()));
      values.push_back(a.has_amount() ? Param(a.amount().minor_units()) : Param());
      values.push_back(a.has_amount() ? Param(a.amount().currency_code()) : Param());
      values.push_back(static_cast<int64_t>(a.minutes()));
      values.push_back(a.selling());
      values.push_back(item.attribution.out_of_stage);
      values.push_back(a.source_system());
      values.push_back(record_us);
    }
    ASSIGN_OR_RETURN(std::vector<bool> inserted,
                     InsertNew(
                         tx, kInsertActivity, kActivityColumns, values,
                         "ON CONFLICT (id_hash) DO NOTHING", "id_hash",
                         [](const Row& row) -> absl::StatusOr<std::string> {
                           ASSIGN_OR_RETURN(int64_t hash, row.Int64(0));
                           return HashKey(hash);
                         },
                         [&](int r) { return HashKey(batch[order[r]].id_hash); }));

    // Ids already present: a repeat, or (when the stored id differs) a
    // fingerprint collision.
    std::vector<int> repeats;
    for (size_t r = 0; r < order.size(); ++r) {
      if (inserted[r]) {
        outcomes[order[r]] = RecordOutcome::kAccepted;
      } else {
        repeats.push_back(order[r]);
      }
    }
    for (size_t start = 0; start < repeats.size();) {
      const int n = ChunkAt(static_cast<int>(repeats.size() - start));
      std::vector<Param> hashes;
      for (int k = 0; k < n; ++k) hashes.push_back(batch[repeats[start + k]].id_hash);
      ASSIGN_OR_RETURN(ResultSet stored,
                       tx.Query(absl::StrCat("SELECT id_hash, activity_id FROM activities "
                                             "WHERE id_hash IN (",
                                             ParamList(n), ")"),
                                hashes));
      absl::flat_hash_map<int64_t, std::string> stored_ids;
      for (Row row : stored) {
        ASSIGN_OR_RETURN(int64_t hash, row.Int64(0));
        ASSIGN_OR_RETURN(std::string id, row.Text(1));
        stored_ids.emplace(hash, std::move(id));
      }
      for (int k = 0; k < n; ++k) {
        const NewActivity& item = batch[repeats[start + k]];
        auto it = stored_ids.find(item.id_hash);
        if (it != stored_ids.end() && it->second != item.activity->activity_id()) {
          outcomes[repeats[start + k]] = RecordOutcome::kFingerprintCollision;
        }
      }
      start += n;
    }

    // Funnel steps: a deal counts once per step, on its first activity.
    std::vector<int> funnel_items;
    std::map<std::pair<absl::string_view, int>, int> first_step;
    std::vector<bool> counts_in_funnel(batch.size(), false);
    for (int i : order) {
      if (outcomes[i] != RecordOutcome::kAccepted) continue;
      const activitypb::Activity& a = *batch[i].activity;
      const int step = FunnelStepOf(a.type());
      if (step == 0) continue;
      if (a.deal_id().empty()) {
        counts_in_funnel[i] = true;
      } else if (first_step.emplace(std::make_pair(absl::string_view(a.deal_id()), step), i)
                     .second) {
        funnel_items.push_back(i);
      }
    }
    if (!funnel_items.empty()) {
      std::vector<int64_t> steps;
      steps.reserve(funnel_items.size());
      for (int i : funnel_items) steps.push_back(FunnelStepOf(batch[i].activity->type()));
      std::vector<Param> step_values;
      for (size_t k = 0; k < funnel_items.size(); ++k) {
        step_values.push_back(batch[funnel_items[k]].activity->deal_id());
        step_values.push_back(steps[k]);
      }
      ASSIGN_OR_RETURN(std::vector<bool> new_steps,
                       InsertNew(
                           tx, "INSERT INTO deal_steps (deal_id, step)", 2, step_values,
                           "ON CONFLICT (deal_id, step) DO NOTHING", "deal_id, step",
                           [](const Row& row) -> absl::StatusOr<std::string> {
                             ASSIGN_OR_RETURN(std::string deal, row.Text(0));
                             ASSIGN_OR_RETURN(int64_t step, row.Int64(1));
                             return absl::StrCat(step, ":", deal);
                           },
                           [&](int r) {
                             return absl::StrCat(steps[r], ":",
                                                 batch[funnel_items[r]].activity->deal_id());
                           }));
      for (size_t k = 0; k < funnel_items.size(); ++k) {
        if (new_steps[k]) counts_in_funnel[funnel_items[k]] = true;
      }
    }

    // The daily aggregates and per-team-day counts, in key order.
    std::map<DailyKey, DailyDelta> daily;
    std::map<std::pair<absl::string_view, int64_t>, int64_t> team_days;
    for (size_t i = 0; i < batch.size(); ++i) {
      if (outcomes[i] != RecordOutcome::kAccepted) continue;
      const NewActivity& item = batch[i];
      const activitypb::Activity& a = *item.activity;
      DailyDelta& d = daily[DailyKey{a.member_id(), days[i], static_cast<int>(a.type())}];
      d.team_id = item.attribution.team_id;
      d.role = static_cast<int64_t>(item.attribution.role);
      d.count += 1;
      if (a.type() == activitypb::ACTIVITY_TYPE_DEAL_WON) d.amount += a.amount().minor_units();
      d.minutes += a.minutes();
      if (a.selling()) d.selling += a.minutes();
      if (counts_in_funnel[i]) d.funnel += 1;
      if (item.attribution.out_of_stage) d.out_of_stage += 1;
      team_days[{item.attribution.team_id, days[i]}] += 1;
    }
    if (daily.empty()) return absl::OkStatus();
    std::vector<int64_t> types;
    types.reserve(daily.size());
    for (const auto& [key, delta] : daily) types.push_back(key.type);
    std::vector<Param> rows;
    rows.reserve(daily.size() * 11);
    size_t k = 0;
    for (const auto& [key, delta] : daily) {
      rows.push_back(key.member_id);
      rows.push_back(key.day);
      rows.push_back(types[k++]);
      rows.push_back(delta.team_id);
      rows.push_back(delta.role);
      rows.push_back(delta.count);
      rows.push_back(delta.amount);
      rows.push_back(delta.minutes);
      rows.push_back(delta.selling);
      rows.push_back(delta.funnel);
      rows.push_back(delta.out_of_stage);
    }
    RETURN_IF_ERROR(
        tx.InsertRows(
              "INSERT INTO activity_daily (member_id, local_day, type, team_id, role, "
              "activity_count, amount_minor, minutes, selling_minutes, funnel_count, "
              "out_of_stage_count)",
              11, rows,
              "ON CONFLICT (member_id, local_day, type) DO UPDATE SET "
              "activity_count = activity_daily.activity_count + excluded.activity_count, "
              "amount_minor = activity_daily.amount_minor + excluded.amount_minor, "
              "minutes = activity_daily.minutes + excluded.minutes, "
              "selling_minutes = activity_daily.selling_minutes + excluded.selling_minutes, "
              "funnel_count = activity_daily.funnel_count + excluded.funnel_count, "
              "out_of_stage_count = activity_daily.out_of_stage_count + "
              "excluded.out_of_stage_count")
            .status());
    std::vector<Param> counts;
    for (const auto& [key, n] : team_days) {
      counts.push_back(key.first);
      counts.push_back(key.second);
      counts.push_back(shard);
      counts.push_back(n);
    }
    return tx
        .InsertRows("INSERT INTO team_day_counts (team_id, local_day, shard, activity_count)", 4,
                    counts,
                    "ON CONFLICT (team_id, local_day, shard) DO UPDATE SET "
                    "activity_count = team_day_counts.activity_count + excluded.activity_count")
        .status();
  });
  RETURN_IF_ERROR(status);
  return outcomes;
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
  numbers.reserve(4 + query.types.size());
  if (query.start.has_value()) {
    numbers.push_back(absl::ToUnixMicros(*query.start));
    params.push_back(numbers.back());
    absl::StrAppend(&sql, " AND occurred_at_us >= $", params.size());
  }
  if (query.end.has_value()) {
    numbers.push_back(absl::ToUnixMicros(*query.end));
    params.push_back(numbers.back());
    absl::StrAppend(&sql, " AND occurred_at_us < $", params.size());
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
    params.push_back(query.after->first);
    params.push_back(query.after->first);
    params.push_back(query.after->second);
    const size_t n = params.size();
    absl::StrAppend(&sql, " AND (occurred_at_us < $", n - 2, " OR (occurred_at_us = $", n - 1,
                    " AND id_hash < $", n, "))");
  }
  params.push_back(static_cast<int64_t>(query.limit) + 1);
  absl::StrAppend(&sql, " ORDER BY occurred_at_us DESC, id_hash DESC LIMIT $", params.size());
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
  ASSIGN_OR_RETURN(
      ResultSet rows,
      db_->Query("SELECT team_id, local_day, type, activity_count, amount_minor, minutes, "
                 "selling_minutes, funnel_count, out_of_stage_count FROM activity_daily "
                 "WHERE member_id = $1 AND local_day >= $2 AND local_day < $3",
                 {member_id, first, last}));
  std::vector<MemberDailyTotals> totals;
  totals.reserve(rows.size());
  for (Row row : rows) {
    MemberDailyTotals& t = totals.emplace_back();
    ASSIGN_OR_RETURN(t.team_id, row.Text(0));
    ASSIGN_OR_RETURN(t.totals, TotalsFromRow(row, 1));
  }
  return totals;
}

absl::StatusOr<std::vector<DailyTotals>> ActivityStore::TeamTotals(absl::string_view team_id,
                                                                   Date start, Date end) {
  const int64_t first = DayNumber(start);
  const int64_t last = DayNumber(end);
  ASSIGN_OR_RETURN(
      ResultSet rows,
      db_->Query("SELECT local_day, type, SUM(activity_count), SUM(amount_minor), SUM(minutes), "
                 "SUM(selling_minutes), SUM(funnel_count), SUM(out_of_stage_count) "
                 "FROM activity_daily WHERE team_id = $1 AND local_day >= $2 AND local_day < $3 "
                 "GROUP BY local_day, type",
                 {team_id, first, last}));
  std::vector<DailyTotals> totals;
  totals.reserve(rows.size());
  for (Row row : rows) {
    ASSIGN_OR_RETURN(DailyTotals t, TotalsFromRow(row, 0));
    totals.push_back(t);
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
  ASSIGN_OR_RETURN(
      ResultSet rows,
      db_->Query("SELECT member_id, local_day, type, activity_count, amount_minor, minutes, "
                 "selling_minutes, funnel_count, out_of_stage_count FROM activity_daily "
                 "WHERE team_id = $1 AND local_day >= $2 AND local_day < $3",
                 {team_id, first, last}));
  std::vector<MemberDayTotals> totals;
  totals.reserve(rows.size());
  for (Row row : rows) {
    MemberDayTotals& t = totals.emplace_back();
    ASSIGN_OR_RETURN(t.member_id, row.Text(0));
    ASSIGN_OR_RETURN(t.totals, TotalsFromRow(row, 1));
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
