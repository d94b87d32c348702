#include "services/activity/activity_store.h"

#include <fcntl.h>
#include <openssl/evp.h>
#include <openssl/sha.h>
#include <sys/file.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <functional>
#include <map>
#include <memory>
#include <numeric>
#include <optional>
#include <tuple>
#include <utility>

#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "absl/random/random.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/strip.h"
#include "common/status.h"
#include "common/time/timestamp.h"

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

constexpr int64_t kMicrosPerDay = int64_t{86400} * 1000 * 1000;

// The UTC day of an instant, as days since 1970-01-01 (floor, also before).
int64_t UtcDay(int64_t micros) {
  return micros >= 0 ? micros / kMicrosPerDay : -((-micros + kMicrosPerDay - 1) / kMicrosPerDay);
}

std::string HashKey(int64_t hash) { return std::string(reinterpret_cast<char*>(&hash), 8); }

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

// One member-day's change.
struct DailyDelta {
  absl::string_view team_id;
  int64_t role = 0;
  int64_t values[kDailyValues] = {};
};

// Reads the kDailyValues columns from `first` on and appends one DailyTotals
// per type with anything to count (minutes go with TIME_LOGGED, the won
// amount with DEAL_WON, out-of-stage work with the first type present).
absl::Status ExpandDaily(const Row& row, size_t first, Date day,
                         const std::function<void(DailyTotals)>& add) {
  int64_t v[kDailyValues];
  for (int i = 0; i < kDailyValues; ++i) {
    ASSIGN_OR_RETURN(v[i], row.Int64(first + i));
  }
  int64_t out_of_stage = v[kDailyValues - 1];
  for (int type = 1; type <= kTypes; ++type) {
    DailyTotals t;
    t.day = day;
    t.type = static_cast<activitypb::ActivityType>(type);
    t.count = v[type - 1];
    if (t.type == activitypb::ACTIVITY_TYPE_DEAL_WON) t.amount_minor = v[kTypes];
    if (t.type == activitypb::ACTIVITY_TYPE_TIME_LOGGED) {
      t.minutes = v[kTypes + 1];
      t.selling_minutes = v[kTypes + 2];
    }
    for (int step = 1; step <= kFunnelSteps; ++step) {
      if (kFunnelTypes[step] == t.type) t.funnel_count = v[kTypes + 2 + step];
    }
    if (t.count == 0 && t.amount_minor == 0 && t.minutes == 0 && t.funnel_count == 0) continue;
    t.out_of_stage_count = out_of_stage;
    out_of_stage = 0;
    add(t);
  }
  return absl::OkStatus();
}

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

}  // namespace

namespace {

// OpenSSL 3's one-shot SHA256() looks the algorithm up on every call (a
// shared lock and reference counts); this fetches it once and reuses one
// digest context per thread.
const EVP_MD* Sha256() {
  static const EVP_MD* const md = EVP_MD_fetch(nullptr, "SHA256", nullptr);
  return md;
}

}  // namespace

ActivityFingerprint FingerprintOf(absl::string_view activity_id) {
  thread_local std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)> ctx(EVP_MD_CTX_new(),
                                                                           &EVP_MD_CTX_free);
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  if (Sha256() == nullptr || ctx == nullptr || !EVP_DigestInit_ex2(ctx.get(), Sha256(), nullptr) ||
      !EVP_DigestUpdate(ctx.get(), activity_id.data(), activity_id.size()) ||
      !EVP_DigestFinal_ex(ctx.get(), digest, &length)) {
    // Only a broken OpenSSL installation gets here.
    SHA256(reinterpret_cast<const unsigned char*>(activity_id.data()), activity_id.size(), digest);
  }
  ActivityFingerprint fingerprint;
  std::memcpy(&fingerprint.hash, digest, sizeof(fingerprint.hash));
  std::memcpy(&fingerprint.check, digest + sizeof(fingerprint.hash), sizeof(fingerprint.check));
  return fingerprint;
}

int64_t ActivityIdHash(absl::string_view activity_id) { return FingerprintOf(activity_id).hash; }

int64_t ActivityIdCheck(absl::string_view activity_id) { return FingerprintOf(activity_id).check; }

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
  struct Item {
    Pending* request;
    int index;  // in request->batch
    const NewActivity* activity;
    int64_t id_check;
    int64_t occurred_us;
    int64_t day;
    int64_t record_us;
  };
  std::vector<Pending*> requests;
  // The first occurrence of each id in the group, in id_hash order (index
  // locks in one order: concurrent groups never deadlock on PostgreSQL).
  std::vector<Item> items;
  // Later occurrences: (item, index into items of the first).
  std::vector<std::pair<Item, size_t>> repeats;
};

ActivityStore::ActivityStore(store::Database* db, ActivityStoreOptions options)
    : db_(db), options_(options) {}

ActivityStore::~ActivityStore() = default;

absl::StatusOr<std::vector<RecordOutcome>> ActivityStore::Record(
    absl::Span<const NewActivity> batch, absl::Time record_time) {
  if (batch.empty()) return std::vector<RecordOutcome>{};
  Pending pending;
  pending.batch = batch;
  pending.record_time = record_time;
  pending.outcomes.assign(batch.size(), RecordOutcome::kDuplicate);
  const int max_writers =
      db_->dialect() == Dialect::kSqlite ? 1 : std::max(1, options_.postgres_writers);
  queue_mu_.Lock();
  queue_.push_back(&pending);
  while (!pending.done) {
    if (writers_ >= max_writers || queue_.empty()) {
      queue_changed_.Wait(&queue_mu_);
      continue;
    }
    // Lead: write the waiting calls, oldest first, up to the group size.
    Group group;
    size_t taken = 0;
    size_t activities = 0;
    // With writer slots free, share the waiting calls between them, so that
    // PostgreSQL commits several groups at once.
    const size_t share = (queue_.size() + (max_writers - writers_) - 1) / (max_writers - writers_);
    while (taken < share &&
           (taken == 0 || activities + queue_[taken]->batch.size() <=
                              static_cast<size_t>(options_.max_group_activities))) {
      activities += queue_[taken]->batch.size();
      ++taken;
    }
    group.requests.assign(queue_.begin(), queue_.begin() + taken);
    queue_.erase(queue_.begin(), queue_.begin() + taken);
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

absl::Status ActivityStore::LoadRecentIds() {
  ASSIGN_OR_RETURN(ResultSet merged,
                   db_->Query("SELECT last_rowid, runs FROM activity_ids_merged WHERE id = 1"));
  if (merged.empty()) return absl::InternalError("activity_ids_merged has no row");
  ASSIGN_OR_RETURN(const int64_t last_rowid, merged.row(0).Int64(0));
  ASSIGN_OR_RETURN(runs_, merged.row(0).Int64(1));
  ASSIGN_OR_RETURN(ResultSet rows, db_->Query("SELECT id_hash, id_check FROM activities "
                                              "WHERE rowid > $1",
                                              {last_rowid}));
  recent_.clear();
  recent_.reserve(rows.size());
  for (Row row : rows) {
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

absl::Status ActivityStore::BuildMergedFilter() {
  ASSIGN_OR_RETURN(ResultSet counted, db_->Query("SELECT COUNT(*) FROM activity_id_runs"));
  int64_t merged = 0;
  if (!counted.empty()) {
    ASSIGN_OR_RETURN(merged, counted.row(0).Int64(0));
  }
  // Twice the ids it holds now, so that it is rebuilt once per doubling (the
  // threshold's share bounded: a huge one means "merge rarely", not "size
  // the filter for billions").
  const int64_t pending = std::clamp<int64_t>(options_.sqlite_merge_threshold, 0, 1 << 24);
  auto filter = std::make_unique<IdFilter>(2 * (merged + pending));
  // A run at a time, in key order, a page at a time: the whole index would
  // not fit in memory.
  const int64_t page_rows = std::max<int64_t>(1, options_.sqlite_filter_build_page);
  for (int64_t run = 0; run < runs_; ++run) {
    std::optional<int64_t> after;
    for (;;) {
      std::vector<Param> params = {run};
      std::string sql = "SELECT id_hash FROM activity_id_runs WHERE run = $1";
      if (after.has_value()) {
        sql += " AND id_hash > $2";
        params.push_back(*after);
      }
      absl::StrAppend(&sql, " ORDER BY id_hash LIMIT ", page_rows);
      ASSIGN_OR_RETURN(ResultSet page, db_->Query(sql, params));
      for (Row row : page) {
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

absl::Status ActivityStore::MergeRecentIds() {
  // The ids since the last merge become the next run, written in key order:
  // appended to the end of activity_id_runs, not spread over it.
  const int64_t run = runs_;
  int64_t merged = 0;
  RETURN_IF_ERROR(db_->Transact([run, &merged](Transaction& tx) -> absl::Status {
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

absl::Status ActivityStore::CommitGroup(Group& group) {
  // Every item, in id_hash order; the first occurrence of each id (in call
  // order) is the one written.
  std::vector<Group::Item> all;
  for (Pending* request : group.requests) {
    const int64_t record_us = absl::ToUnixMicros(request->record_time);
    for (size_t i = 0; i < request->batch.size(); ++i) {
      const NewActivity& activity = request->batch[i];
      all.push_back({request, static_cast<int>(i), &activity, activity.id_check,
                     absl::ToUnixMicros(activity.occurred_at),
                     DayNumber(activity.attribution.local_day), record_us});
    }
  }
  std::stable_sort(all.begin(), all.end(), [](const Group::Item& a, const Group::Item& b) {
    return a.activity->id_hash < b.activity->id_hash;
  });
  for (const Group::Item& item : all) {
    if (!group.items.empty() && group.items.back().activity->id_hash == item.activity->id_hash) {
      group.repeats.emplace_back(item, group.items.size() - 1);
    } else {
      group.items.push_back(item);
    }
  }
  const std::vector<Group::Item>& items = group.items;
  const bool sqlite = db_->dialect() == Dialect::kSqlite;
  const int shard = absl::Uniform(absl::BitGen(), 0, kShards);
  std::vector<RecordOutcome> outcome(items.size());

  // SQLite has one writer, and the recent-id map that goes with it;
  // PostgreSQL's writers commit side by side.
  std::optional<absl::MutexLock> write_lock;
  if (sqlite) write_lock.emplace(&write_mu_);
  if (sqlite && !recent_loaded_) RETURN_IF_ERROR(LoadRecentIds());
  absl::Status status = db_->Transact([&](Transaction& tx) -> absl::Status {
    std::fill(outcome.begin(), outcome.end(), RecordOutcome::kAccepted);
    auto judge = [&](size_t k, int64_t stored_check) {
      outcome[k] = stored_check == items[k].id_check ? RecordOutcome::kDuplicate
                                                     : RecordOutcome::kFingerprintCollision;
    };
    // Which ids were recorded before, and their id_check.
    std::vector<size_t> unknown;
    if (sqlite) {
      for (size_t k = 0; k < items.size(); ++k) {
        const int64_t hash = items[k].activity->id_hash;
        auto it = recent_.find(hash);
        if (it != recent_.end()) {
          judge(k, it->second);
        } else if (merged_filter_->MayContain(hash)) {
          unknown.push_back(k);
        }  // else never recorded: no lookup needed
      }
    } else {
      std::vector<Param> ids;
      ids.reserve(items.size() * 2);
      for (const Group::Item& item : items) {
        ids.push_back(item.activity->id_hash);
        ids.push_back(item.id_check);
      }
      ASSIGN_OR_RETURN(std::vector<bool> inserted,
                       InsertNew(
                           tx, "INSERT INTO activity_ids (id_hash, id_check)", 2, ids,
                           "ON CONFLICT (id_hash) DO NOTHING", "id_hash",
                           [](const Row& row) -> absl::StatusOr<std::string> {
                             ASSIGN_OR_RETURN(int64_t hash, row.Int64(0));
                             return HashKey(hash);
                           },
                           [&](int r) { return HashKey(items[r].activity->id_hash); }));
      for (size_t k = 0; k < items.size(); ++k) {
        if (!inserted[k]) unknown.push_back(k);
      }
    }
    // SQLite: the ids the filter could not rule out, in every run (one seek
    // per run and id); PostgreSQL: the ids recorded before, in activity_ids.
    // (Before the first merge the filter is empty and rules out every id.)
    std::string runs;
    if (sqlite && !unknown.empty()) {
      for (int64_t run = 0; run < runs_; ++run) absl::StrAppend(&runs, run == 0 ? "" : ", ", run);
    }
    for (size_t start = 0; start < unknown.size();) {
      const int n = ChunkAt(static_cast<int>(unknown.size() - start));
      std::vector<Param> hashes;
      hashes.reserve(n);
      for (int j = 0; j < n; ++j) hashes.push_back(items[unknown[start + j]].activity->id_hash);
      ASSIGN_OR_RETURN(
          ResultSet stored,
          tx.Query(sqlite ? absl::StrCat("SELECT id_hash, id_check FROM activity_id_runs "
                                         "WHERE run IN (",
                                         runs, ") AND id_hash IN (", ParamList(n), ")")
                          : absl::StrCat("SELECT id_hash, id_check FROM activity_ids "
                                         "WHERE id_hash IN (",
                                         ParamList(n), ")"),
                   hashes));
      absl::flat_hash_map<int64_t, int64_t> checks;
      for (Row row : stored) {
        ASSIGN_OR_RETURN(int64_t hash, row.Int64(0));
        ASSIGN_OR_RETURN(int64_t check, row.Int64(1));
        checks.emplace(hash, check);
      }
      for (int j = 0; j < n; ++j) {
        const size_t k = unknown[start + j];
        auto it = checks.find(items[k].activity->id_hash);
        if (it != checks.end()) {
          judge(k, it->second);
        } else if (!sqlite) {
          // Inserted by a concurrent transaction that has not committed
          // yet cannot happen (ON CONFLICT waited for it); absent here
          // means a bug, not a race.
          return absl::InternalError("activity_ids: an id neither inserted nor found");
        }
      }
      start += n;
    }

    // The activities.
    std::vector<Param> values;
    values.reserve(items.size() * kActivityColumns);
    for (size_t k = 0; k < items.size(); ++k) {
      if (outcome[k] != RecordOutcome::kAccepted) continue;
      const Group::Item& item = items[k];
      const NewActivity& na = *item.activity;
      const activitypb::Activity& a = *na.activity;
      values.push_back(na.id_hash);
      values.push_back(item.id_check);
      values.push_back(a.activity_id());
      values.push_back(a.member_id());
      values.push_back(na.attribution.team_id);
      values.push_back(static_cast<int64_t>(na.attribution.role));
      values.push_back(static_cast<int64_t>(a.type()));
      values.push_back(item.occurred_us);
      values.push_back(UtcDay(item.occurred_us));
      values.push_back(item.day);
      values.push_back(a.deal_id().empty() ? Param() : Param(a.deal_id()));
      values.push_back(a.has_amount() ? Param(a.amount().minor_units()) : Param());
      values.push_back(a.has_amount() ? Param(a.amount().currency_code()) : Param());
      values.push_back(static_cast<int64_t>(a.minutes()));
      values.push_back(a.selling());
      values.push_back(na.attribution.out_of_stage);
      values.push_back(a.source_system());
      values.push_back(item.record_us);
    }
    if (values.empty()) return absl::OkStatus();
    RETURN_IF_ERROR(tx.InsertRows(kInsertActivity, kActivityColumns, values).status());

    // Funnel steps: a deal counts once per step, on its first activity.
    std::vector<bool> counts_in_funnel(items.size(), false);
    std::vector<size_t> funnel_items;
    absl::flat_hash_set<std::pair<absl::string_view, int>> first_step;
    for (size_t k = 0; k < items.size(); ++k) {
      if (outcome[k] != RecordOutcome::kAccepted) continue;
      const activitypb::Activity& a = *items[k].activity->activity;
      const int step = FunnelStepOf(a.type());
      if (step == 0) continue;
      if (a.deal_id().empty()) {
        counts_in_funnel[k] = true;
      } else if (first_step.emplace(absl::string_view(a.deal_id()), step).second) {
        funnel_items.push_back(k);
      }
    }
    if (!funnel_items.empty()) {
      // In key order, as every writer takes these row locks: two writers
      // meeting the same deals in another order would otherwise deadlock.
      std::sort(funnel_items.begin(), funnel_items.end(), [&](size_t x, size_t y) {
        const activitypb::Activity& a = *items[x].activity->activity;
        const activitypb::Activity& b = *items[y].activity->activity;
        return std::make_pair(absl::string_view(a.deal_id()), FunnelStepOf(a.type())) <
               std::make_pair(absl::string_view(b.deal_id()), FunnelStepOf(b.type()));
      });
      std::vector<int64_t> steps;
      steps.reserve(funnel_items.size());
      std::vector<Param> step_values;
      step_values.reserve(funnel_items.size() * 2);
      for (size_t k : funnel_items)
        steps.push_back(FunnelStepOf(items[k].activity->activity->type()));
      for (size_t j = 0; j < funnel_items.size(); ++j) {
        step_values.push_back(items[funnel_items[j]].activity->activity->deal_id());
        step_values.push_back(steps[j]);
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
                             return absl::StrCat(
                                 steps[r], ":",
                                 items[funnel_items[r]].activity->activity->deal_id());
                           }));
      for (size_t j = 0; j < funnel_items.size(); ++j) {
        if (new_steps[j]) counts_in_funnel[funnel_items[j]] = true;
      }
    }

    // The daily aggregates and per-team-day counts, in key order.
    std::map<std::pair<absl::string_view, int64_t>, DailyDelta> daily;
    std::map<std::pair<absl::string_view, int64_t>, int64_t> team_days;
    for (size_t k = 0; k < items.size(); ++k) {
      if (outcome[k] != RecordOutcome::kAccepted) continue;
      const NewActivity& na = *items[k].activity;
      const activitypb::Activity& a = *na.activity;
      DailyDelta& d = daily[{a.member_id(), items[k].day}];
      d.team_id = na.attribution.team_id;
      d.role = static_cast<int64_t>(na.attribution.role);
      const int type = static_cast<int>(a.type());
      if (type >= 1 && type <= kTypes) d.values[type - 1] += 1;
      if (a.type() == activitypb::ACTIVITY_TYPE_DEAL_WON) {
        d.values[kTypes] += a.amount().minor_units();
      }
      d.values[kTypes + 1] += a.minutes();
      if (a.selling()) d.values[kTypes + 2] += a.minutes();
      const int step = FunnelStepOf(a.type());
      if (counts_in_funnel[k] && step > 0) d.values[kTypes + 2 + step] += 1;
      if (na.attribution.out_of_stage) d.values[kDailyValues - 1] += 1;
      team_days[{na.attribution.team_id, items[k].day}] += 1;
    }
    std::vector<Param> rows;
    rows.reserve(daily.size() * (4 + kDailyValues));
    for (const auto& [key, delta] : daily) {
      rows.push_back(key.first);
      rows.push_back(key.second);
      rows.push_back(delta.team_id);
      rows.push_back(delta.role);
      for (int64_t value : delta.values) rows.push_back(value);
    }
    RETURN_IF_ERROR(
        tx.InsertRows(absl::StrCat("INSERT INTO activity_daily (member_id, local_day, team_id, "
                                   "role, ",
                                   DailyColumns(), ")"),
                      4 + kDailyValues, rows, DailyUpsert())
            .status());
    std::vector<Param> counts;
    counts.reserve(team_days.size() * 4);
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
  if (!status.ok()) {
    // A failed commit may still have persisted (an I/O error after the
    // WAL write): recent_ is read again from the table before the next group.
    if (sqlite) recent_loaded_ = false;
    return status;
  }

  for (size_t k = 0; k < items.size(); ++k) {
    items[k].request->outcomes[items[k].index] = outcome[k];
    if (sqlite && outcome[k] == RecordOutcome::kAccepted) {
      recent_.emplace(items[k].activity->id_hash, items[k].id_check);
    }
  }
  for (const auto& [item, first] : group.repeats) {
    // A repeat within the group: the same id as a written (or known) one,
    // unless only the fingerprint is shared.
    item.request->outcomes[item.index] = item.id_check == items[first].id_check
                                             ? RecordOutcome::kDuplicate
                                             : RecordOutcome::kFingerprintCollision;
  }
  if (sqlite && static_cast<int64_t>(recent_.size()) >= options_.sqlite_merge_threshold) {
    // The group is committed whatever happens here; a failed merge is tried
    // again after the next group.
    absl::Status merged = MergeRecentIds();
    if (!merged.ok()) recent_loaded_ = false;
  }
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
