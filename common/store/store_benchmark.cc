// Batched insert speed of the store layer against the same inserts written
// directly against each driver's C API, in the same run: 1,000 rows per
// transaction into CREATE TABLE t (k TEXT PRIMARY KEY, v BIGINT), with random
// 32-character keys. The goal (issue 2) is store >= 90% of direct on both
// backends. Rows/s print as items_per_second.
//
//   . /tmp/devenv/env   # or any SALESTEAM_TEST_POSTGRES
//   build/common/store/store_benchmark
//
// SQLite runs in WAL with the same synchronous setting on both sides (NORMAL
// and FULL); PostgreSQL direct uses one prepared statement with unnest() of
// two array parameters, and as a second reference one prepared multi-row
// VALUES statement with binary parameters.
#include <libpq-fe.h>
#include <sqlite3.h>

#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <memory>
#include <string>
#include <system_error>
#include <vector>

#include "absl/random/random.h"
#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "benchmark/benchmark.h"
#include "common/store/database.h"
#include "common/store/internal/sql.h"
#include "common/testing/databases.h"
#include "common/testing/test_env.h"

namespace salesteam::store {
namespace {

constexpr int kRowsPerTransaction = 1000;
constexpr int kBatches = 40;  // same row count on every side: tables grow alike
constexpr char kCreate[] = "CREATE TABLE t (k TEXT PRIMARY KEY, v BIGINT)";

// Fills `keys` with fresh random 32-character hex keys (outside the timing).
void NewKeys(absl::BitGen& gen, std::vector<std::string>* keys) {
  keys->resize(kRowsPerTransaction);
  for (std::string& key : *keys) {
    const uint64_t a = absl::Uniform<uint64_t>(gen);
    const uint64_t b = absl::Uniform<uint64_t>(gen);
    key.assign(absl::StrCat(absl::Hex(a, absl::kZeroPad16), absl::Hex(b, absl::kZeroPad16)));
  }
}

bool Check(benchmark::State& state, bool ok, const std::string& what) {
  if (!ok) state.SkipWithError(what.c_str());
  return ok;
}

class TempDir {
 public:
  TempDir() : path_(testing::MakeTempDir("salesteam-store-bench")) {}
  ~TempDir() {
    std::error_code ignored;
    std::filesystem::remove_all(path_, ignored);
  }
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

// --- SQLite -----------------------------------------------------------------

const char* SyncPragma(int64_t full) {
  return full ? "PRAGMA synchronous=FULL" : "PRAGMA synchronous=NORMAL";
}

void BM_SqliteDirect(benchmark::State& state) {
  TempDir dir;
  sqlite3* db = nullptr;
  if (!Check(state, sqlite3_open((dir.path() + "/direct.db").c_str(), &db) == SQLITE_OK, "open"))
    return;
  sqlite3_exec(db, "PRAGMA journal_mode=WAL", nullptr, nullptr, nullptr);
  sqlite3_exec(db, SyncPragma(state.range(0)), nullptr, nullptr, nullptr);
  sqlite3_exec(db, kCreate, nullptr, nullptr, nullptr);
  sqlite3_stmt* insert = nullptr;
  sqlite3_prepare_v2(db, "INSERT INTO t (k, v) VALUES (?1, ?2)", -1, &insert, nullptr);
  absl::BitGen gen;
  std::vector<std::string> keys;
  int64_t v = 0;
  for (auto _ : state) {
    state.PauseTiming();
    NewKeys(gen, &keys);
    state.ResumeTiming();
    sqlite3_exec(db, "BEGIN", nullptr, nullptr, nullptr);
    for (const std::string& key : keys) {
      sqlite3_bind_text(insert, 1, key.data(), static_cast<int>(key.size()), SQLITE_STATIC);
      sqlite3_bind_int64(insert, 2, ++v);
      if (sqlite3_step(insert) != SQLITE_DONE) {
        state.SkipWithError(sqlite3_errmsg(db));
        break;
      }
      sqlite3_reset(insert);
    }
    if (sqlite3_exec(db, "COMMIT", nullptr, nullptr, nullptr) != SQLITE_OK) {
      state.SkipWithError(sqlite3_errmsg(db));
    }
  }
  sqlite3_finalize(insert);
  sqlite3_close(db);
  state.SetItemsProcessed(state.iterations() * kRowsPerTransaction);
}

// The store side of every comparison: one InsertRows of kRowsPerTransaction
// fresh random keys per transaction, as the services' batches do.
void InsertThroughStore(benchmark::State& state, Database& db) {
  if (!Check(state, db.Execute(kCreate).ok(), "create")) return;
  absl::BitGen gen;
  std::vector<std::string> keys;
  std::vector<Param> params;
  int64_t v = 0;
  for (auto _ : state) {
    state.PauseTiming();
    NewKeys(gen, &keys);
    state.ResumeTiming();
    params.clear();
    for (const std::string& key : keys) {
      params.emplace_back(key);
      params.emplace_back(++v);
    }
    absl::Status status = db.Transact(
        [&](Transaction& tx) { return tx.InsertRows("INSERT INTO t (k, v)", 2, params).status(); });
    if (!status.ok()) {
      state.SkipWithError(status.ToString().c_str());
      break;
    }
  }
}

void BM_SqliteStore(benchmark::State& state) {
  TempDir dir;
  DatabaseOptions options;
  options.sqlite_synchronous =
      state.range(0) ? SqliteSynchronous::kFull : SqliteSynchronous::kNormal;
  auto db = OpenDatabase(absl::StrCat("sqlite://", dir.path(), "/store.db"), options);
  if (!Check(state, db.ok(), db.status().ToString())) return;
  InsertThroughStore(state, **db);
  state.SetItemsProcessed(state.iterations() * kRowsPerTransaction);
}

// --- PostgreSQL -------------------------------------------------------------

std::unique_ptr<testing::TestDatabase> NewPostgresDatabase(benchmark::State& state) {
  const char* conninfo = std::getenv("SALESTEAM_TEST_POSTGRES");
  if (conninfo == nullptr || *conninfo == '\0') {
    state.SkipWithError("SALESTEAM_TEST_POSTGRES is not set");
    return nullptr;
  }
  auto db = testing::TestDatabase::Create(testing::DatabaseKind::kPostgres);
  if (!db.ok()) {
    state.SkipWithError(db.status().ToString().c_str());
    return nullptr;
  }
  return std::move(*db);
}

bool PgOk(benchmark::State& state, PGconn* conn, PGresult* res) {
  const ExecStatusType st = PQresultStatus(res);
  PQclear(res);
  if (st == PGRES_COMMAND_OK || st == PGRES_TUPLES_OK) return true;
  state.SkipWithError(PQerrorMessage(conn));
  return false;
}

void BM_PostgresDirectUnnest(benchmark::State& state) {
  auto test_db = NewPostgresDatabase(state);
  if (test_db == nullptr) return;
  PGconn* conn = PQconnectdb(test_db->url().c_str());
  if (!Check(state, PQstatus(conn) == CONNECTION_OK, PQerrorMessage(conn))) return;
  if (PgOk(state, conn, PQexec(conn, kCreate)) &&
      PgOk(state, conn,
           PQprepare(conn, "ins",
                     "INSERT INTO t (k, v) SELECT * FROM unnest($1::text[], $2::bigint[])", 2,
                     nullptr))) {
    absl::BitGen gen;
    std::vector<std::string> keys;
    std::string key_array, value_array;
    int64_t v = 0;
    for (auto _ : state) {
      state.PauseTiming();
      NewKeys(gen, &keys);
      state.ResumeTiming();
      // Hex keys need no quoting inside an array literal.
      key_array.assign("{");
      value_array.assign("{");
      for (size_t i = 0; i < keys.size(); ++i) {
        if (i > 0) {
          key_array.push_back(',');
          value_array.push_back(',');
        }
        key_array.append(keys[i]);
        absl::StrAppend(&value_array, ++v);
      }
      key_array.push_back('}');
      value_array.push_back('}');
      const char* values[] = {key_array.c_str(), value_array.c_str()};
      if (!PgOk(state, conn, PQexec(conn, "BEGIN")) ||
          !PgOk(state, conn, PQexecPrepared(conn, "ins", 2, values, nullptr, nullptr, 0)) ||
          !PgOk(state, conn, PQexec(conn, "COMMIT"))) {
        break;
      }
    }
  }
  PQfinish(conn);
  state.SetItemsProcessed(state.iterations() * kRowsPerTransaction);
}

void BM_PostgresDirectValues(benchmark::State& state) {
  auto test_db = NewPostgresDatabase(state);
  if (test_db == nullptr) return;
  PGconn* conn = PQconnectdb(test_db->url().c_str());
  if (!Check(state, PQstatus(conn) == CONNECTION_OK, PQerrorMessage(conn))) return;
  std::string sql = "INSERT INTO t (k, v) VALUES ";
  internal::AppendValuesRows(&sql, Dialect::kPostgres, 2, kRowsPerTransaction);
  std::vector<Oid> types;
  for (int i = 0; i < kRowsPerTransaction; ++i) {
    types.push_back(25);  // text
    types.push_back(20);  // int8
  }
  if (PgOk(state, conn, PQexec(conn, kCreate)) &&
      PgOk(state, conn,
           PQprepare(conn, "ins", sql.c_str(), 2 * kRowsPerTransaction, types.data()))) {
    absl::BitGen gen;
    std::vector<std::string> keys;
    std::vector<const char*> values(2 * kRowsPerTransaction);
    std::vector<int> lengths(2 * kRowsPerTransaction);
    std::vector<int> formats(2 * kRowsPerTransaction, 1);
    std::vector<char> ints(8 * kRowsPerTransaction);
    int64_t v = 0;
    for (auto _ : state) {
      state.PauseTiming();
      NewKeys(gen, &keys);
      state.ResumeTiming();
      for (int i = 0; i < kRowsPerTransaction; ++i) {
        values[2 * i] = keys[i].data();
        lengths[2 * i] = static_cast<int>(keys[i].size());
        uint64_t be = static_cast<uint64_t>(++v);
        char* out = &ints[8 * i];
        for (int b = 7; b >= 0; --b, be >>= 8) out[b] = static_cast<char>(be & 0xff);
        values[2 * i + 1] = out;
        lengths[2 * i + 1] = 8;
      }
      if (!PgOk(state, conn, PQexec(conn, "BEGIN")) ||
          !PgOk(state, conn,
                PQexecPrepared(conn, "ins", 2 * kRowsPerTransaction, values.data(), lengths.data(),
                               formats.data(), 0)) ||
          !PgOk(state, conn, PQexec(conn, "COMMIT"))) {
        break;
      }
    }
  }
  PQfinish(conn);
  state.SetItemsProcessed(state.iterations() * kRowsPerTransaction);
}

void BM_PostgresStore(benchmark::State& state) {
  auto test_db = NewPostgresDatabase(state);
  if (test_db == nullptr) return;
  {
    auto db = test_db->Open();
    if (!Check(state, db.ok(), db.status().ToString())) return;
    InsertThroughStore(state, **db);
  }
  state.SetItemsProcessed(state.iterations() * kRowsPerTransaction);
}

// Registered so that direct and store alternate: drift in the machine's load
// then hits both alike.
#define SALESTEAM_BENCH(fn, ...) \
  BENCHMARK(fn)                  \
  __VA_ARGS__->Iterations(kBatches)->Repetitions(3)->UseRealTime()->Unit(benchmark::kMillisecond)

SALESTEAM_BENCH(BM_SqliteDirect, ->ArgName("full")->Arg(0));
SALESTEAM_BENCH(BM_SqliteStore, ->ArgName("full")->Arg(0));
SALESTEAM_BENCH(BM_SqliteDirect, ->ArgName("full")->Arg(1));
SALESTEAM_BENCH(BM_SqliteStore, ->ArgName("full")->Arg(1));
SALESTEAM_BENCH(BM_PostgresDirectUnnest);
SALESTEAM_BENCH(BM_PostgresStore);
SALESTEAM_BENCH(BM_PostgresDirectValues);

}  // namespace
}  // namespace salesteam::store

BENCHMARK_MAIN();
