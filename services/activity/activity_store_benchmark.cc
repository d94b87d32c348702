// Throughput of ActivityStore::Record alone (no validation, roster or gRPC):
// batches of --batch random-id activities for --members members over the
// last 30 days, --events in all, printing the rate every --report events so
// that its course as the tables grow is visible. The store's share of the
// ingest budget (docs/benchmarks.md).
//
//   activity_store_benchmark --database_url=sqlite:///tmp/b/activity.db --events=2000000
#include <algorithm>
#include <atomic>
#include <cstdio>
#include <memory>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"
#include "activity_migrations.h"
#include "common/store/database.h"
#include "common/store/migrations.h"
#include "common/time/timestamp.h"
#include "services/activity/activity_store.h"

ABSL_FLAG(std::string, database_url, "", "where to write (a fresh database)");
ABSL_FLAG(int64_t, events, 1000000, "activities to record");
ABSL_FLAG(int, batch, 1000, "activities per Record call");
ABSL_FLAG(int, members, 200, "members the activities belong to");
ABSL_FLAG(int64_t, report, 200000, "print the rate every this many activities");
ABSL_FLAG(absl::Duration, spread, absl::Hours(1),
          "occurred_at is spread over this long before now (a live feed: recent; a backfill: "
          "weeks)");
ABSL_FLAG(int, threads, 4, "concurrent callers (their batches are group-committed)");
ABSL_FLAG(int, wal_pages, 1000, "SQLite wal_autocheckpoint");
ABSL_FLAG(bool, synchronous_normal, false, "SQLite synchronous=NORMAL instead of FULL");

namespace {

namespace activitypb = salesteam::activity::v1;
using salesteam::activity::NewActivity;

int Run() {
  salesteam::store::DatabaseOptions options;
  if (absl::GetFlag(FLAGS_synchronous_normal)) {
    options.sqlite_synchronous = salesteam::store::SqliteSynchronous::kNormal;
  }
  options.sqlite_wal_autocheckpoint_pages = absl::GetFlag(FLAGS_wal_pages);
  auto db = salesteam::store::OpenDatabase(absl::GetFlag(FLAGS_database_url), options);
  if (!db.ok()) {
    std::fprintf(stderr, "%s\n", db.status().ToString().c_str());
    return 1;
  }
  absl::Status migrated =
      salesteam::store::ApplyMigrations(**db, salesteam::migrations::activity());
  if (!migrated.ok()) {
    std::fprintf(stderr, "%s\n", migrated.ToString().c_str());
    return 1;
  }
  salesteam::activity::ActivityStore store(db->get());
  const int batch_size = absl::GetFlag(FLAGS_batch);
  const int members = absl::GetFlag(FLAGS_members);
  std::vector<std::string> member_ids;
  for (int m = 0; m < members; ++m) member_ids.push_back(absl::StrFormat("mb_%024x", m));
  const absl::Time now = absl::Now();
  const uint64_t spread_seconds =
      std::max<int64_t>(1, absl::ToInt64Seconds(absl::GetFlag(FLAGS_spread)));
  const int64_t total = absl::GetFlag(FLAGS_events);
  const int64_t report = absl::GetFlag(FLAGS_report);
  const int threads = std::max(1, absl::GetFlag(FLAGS_threads));
  std::atomic<int64_t> done{0};
  std::atomic<bool> failed{false};
  absl::Mutex report_mu;
  const absl::Time start = absl::Now();
  absl::Time last = start;
  int64_t last_done = 0;
  auto caller = [&](int thread) {
    std::mt19937_64 random(42 + thread);
    std::vector<activitypb::Activity> activities(batch_size);
    std::vector<NewActivity> batch(batch_size);
    while (!failed && done.fetch_add(batch_size) < total) {
      for (int i = 0; i < batch_size; ++i) {
        activitypb::Activity& a = activities[i];
        a.Clear();
        a.set_activity_id(absl::StrFormat("%016x%08x", random(), random() & 0xffffffff));
        const int m = static_cast<int>(random() % members);
        a.set_member_id(member_ids[m]);
        const int type = 1 + static_cast<int>(random() % 11);
        a.set_type(static_cast<activitypb::ActivityType>(type));
        if (type == activitypb::ACTIVITY_TYPE_DEAL_WON) {
          a.mutable_amount()->set_currency_code("EUR");
          a.mutable_amount()->set_minor_units(100000);
        }
        a.set_source_system("bench");
        const absl::Time at = now - absl::Seconds(static_cast<int64_t>(random() % spread_seconds));
        NewActivity& item = batch[i];
        item.activity = &a;
        const salesteam::activity::ActivityFingerprint fingerprint =
            salesteam::activity::FingerprintOf(a.activity_id());
        item.id_hash = fingerprint.hash;
        item.id_check = fingerprint.check;
        item.occurred_at = at;
        item.attribution.team_id = absl::StrCat("tm_", m % 4);
        item.attribution.role = salesteam::roster::v1::MEMBER_ROLE_FULL_CYCLE;
        item.attribution.local_day = absl::ToCivilDay(at, absl::UTCTimeZone());
      }
      auto outcomes = store.Record(batch, now);
      if (!outcomes.ok()) {
        std::fprintf(stderr, "%s\n", outcomes.status().ToString().c_str());
        failed = true;
        return;
      }
      absl::MutexLock lock(&report_mu);
      const int64_t recorded = std::min(done.load(), total);
      if (recorded - last_done >= report) {
        const absl::Time t = absl::Now();
        std::printf("%10lld events  %8.0f events/s (last %lld)  %8.0f events/s (overall)\n",
                    static_cast<long long>(recorded),
                    static_cast<double>(recorded - last_done) / absl::ToDoubleSeconds(t - last),
                    static_cast<long long>(recorded - last_done),
                    static_cast<double>(recorded) / absl::ToDoubleSeconds(t - start));
        std::fflush(stdout);
        last = t;
        last_done = recorded;
      }
    }
  };
  std::vector<std::thread> pool;
  for (int t = 0; t < threads; ++t) pool.emplace_back(caller, t);
  for (std::thread& t : pool) t.join();
  if (failed) return 1;
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  absl::ParseCommandLine(argc, argv);
  return Run();
}
