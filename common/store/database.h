// The one database interface every Salesteam service stores its data through,
// with two real drivers behind it: SQLite (the embedded default, one file per
// service) and PostgreSQL (production, via libpq). Services write one SQL text
// that runs on both; OpenDatabase picks the driver from a URL:
//
//   sqlite:///abs/path/roster.db   a SQLite file (created if missing)
//   sqlite://relative/roster.db    a SQLite file relative to the working folder
//   sqlite::memory:                a private in-memory SQLite database (tests)
//   postgresql://... postgres://...   PostgreSQL, handed to libpq as it is
//   host=... dbname=...               a libpq conninfo string, likewise
//
// The SQL subset that runs on both backends:
//   - Parameters are numbered: $1, $2, ... (in any order, each may repeat). The
//     SQLite driver rewrites them to ?1, ?2, ... itself.
//   - Column types: BIGINT (also for booleans, 0/1, and for money in minor
//     units), DOUBLE PRECISION, TEXT, BYTEA (SQLite stores the bytes unchanged).
//     Casts are written CAST(x AS BIGINT), never x::bigint.
//   - INSERT ... ON CONFLICT (cols) DO NOTHING / DO UPDATE SET c = excluded.c,
//     and INSERT/UPDATE/DELETE ... RETURNING.
//   - Aggregates: PostgreSQL's SUM/AVG of BIGINT are NUMERIC; the driver reads an
//     integral NUMERIC that fits as INT64 and any other as DOUBLE, so
//     SUM(amount_minor) reads with Int64() on both backends.
//   - Foreign keys are enforced on both (SQLite's foreign_keys pragma is on).
// For the rare statement that must differ, branch on dialect().
//
// Errors, chosen by what the caller should do next:
//   ALREADY_EXISTS       unique or primary-key violation (message names the
//                        constraint or table)
//   FAILED_PRECONDITION  foreign-key violation
//   ABORTED              serialization failure or deadlock (PostgreSQL 40001,
//                        40P01), SQLite still locked by another writer after the
//                        busy timeout: retry the whole transaction
//   UNAVAILABLE          lost connection, server down, pool exhausted: retry
//   RESOURCE_EXHAUSTED   storage full (SQLITE_FULL, an I/O error for lack of
//                        space, PostgreSQL 53100) or the server out of
//                        resources (53000, 53200, 53400): nothing was
//                        written, and the same request succeeds once an
//                        operator frees space; the message says what is full
//                        and names no file (see storage_state.h)
//   INTERNAL             syntax errors, type mismatches and other bugs
//
// Transactions: Database::Transact runs a function inside a transaction that
// commits when it returns OK and rolls back otherwise. The first failed
// statement fails the transaction: it is rolled back even if the function goes
// on and returns OK, and Transact returns that statement's error, so a
// half-applied change is never committed. When the database itself answered
// ABORTED, Transact runs the function again, up to TransactOptions::max_attempts
// times in all, so the function must have no effects outside the transaction
// (an ABORTED the function returns by itself, e.g. a stale version, is not
// retried).
//
// Prepared statements: each connection keeps the statements it prepared,
// keyed by SQL text, in a bounded LRU cache, so repeating a statement costs
// only binding and execution on both backends.
#ifndef SALESTEAM_COMMON_STORE_DATABASE_H_
#define SALESTEAM_COMMON_STORE_DATABASE_H_

#include <cstdint>
#include <functional>
#include <memory>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "absl/types/span.h"
#include "common/store/types.h"

namespace salesteam::store {

enum class Dialect { kSqlite, kPostgres };

// "sqlite" or "postgres".
absl::string_view DialectName(Dialect dialect);

// Anything that runs SQL: a Transaction, or the Database itself (each call its
// own transaction). Store code that needs only single statements can take an
// Executor& and so run both inside and outside a transaction.
class Executor {
 public:
  virtual ~Executor() = default;

  virtual Dialect dialect() const = 0;

  // Runs one statement and returns its rows (SELECT, or RETURNING).
  absl::StatusOr<ResultSet> Query(absl::string_view sql, absl::Span<const Param> params = {}) {
    return DoQuery(sql, params);
  }

  // Runs one statement and returns how many rows it changed.
  absl::StatusOr<int64_t> Execute(absl::string_view sql, absl::Span<const Param> params = {}) {
    return DoExecute(sql, params);
  }

 protected:
  virtual absl::StatusOr<ResultSet> DoQuery(absl::string_view sql,
                                            absl::Span<const Param> params) = 0;
  virtual absl::StatusOr<int64_t> DoExecute(absl::string_view sql,
                                            absl::Span<const Param> params) = 0;
};

// A transaction in progress; only valid inside the function given to
// Database::Transact.
class Transaction : public Executor {
 public:
  // Inserts many rows at the speed of the driver's own batch path:
  //   InsertRows("INSERT INTO t (k, v)", 2, {k1, v1, k2, v2, ...},
  //              "ON CONFLICT (k) DO NOTHING")
  // `values` holds columns_per_row parameters per row, row after row. On
  // SQLite it runs one reused single-row statement per row; on PostgreSQL it
  // sends multi-row VALUES statements of up to kMaxRowsPerStatement rows, each
  // prepared once per connection. `tail` follows VALUES (ON CONFLICT ...; a
  // RETURNING clause there is executed but its rows are not returned). Returns
  // the number of rows inserted or updated.
  absl::StatusOr<int64_t> InsertRows(absl::string_view insert_head, int columns_per_row,
                                     absl::Span<const Param> values, absl::string_view tail = "") {
    return DoInsertRows(insert_head, columns_per_row, values, tail);
  }

  // Runs several ';'-separated statements without parameters (DDL, the
  // migration files).
  absl::Status ExecuteScript(absl::string_view sql) { return DoExecuteScript(sql); }

  static constexpr int kMaxRowsPerStatement = 1000;

 protected:
  virtual absl::StatusOr<int64_t> DoInsertRows(absl::string_view insert_head, int columns_per_row,
                                               absl::Span<const Param> values,
                                               absl::string_view tail) = 0;
  virtual absl::Status DoExecuteScript(absl::string_view sql) = 0;
};

enum class Isolation {
  // PostgreSQL's READ COMMITTED; SQLite transactions are always serializable.
  kReadCommitted,
  // SERIALIZABLE on both: conflicting transactions fail with ABORTED.
  kSerializable,
};

struct TransactOptions {
  // A read-only transaction (on SQLite it runs on a reader connection, beside
  // the writer; on PostgreSQL it is BEGIN READ ONLY).
  bool read_only = false;
  Isolation isolation = Isolation::kReadCommitted;
  // How many times in all the function runs while the database answers
  // ABORTED (serialization failure, deadlock, busy). 1 disables retries.
  int max_attempts = 3;
};

using TransactionFunction = std::function<absl::Status(Transaction&)>;

class Database : public Executor {
 public:
  // Runs `fn` in a transaction: commit on OK, roll back otherwise (see the
  // file comment for retries). Calling Transact, Query or Execute on the same
  // Database from inside `fn` is an error (use the Transaction).
  absl::Status Transact(const TransactionFunction& fn, const TransactOptions& options = {}) {
    return DoTransact(fn, options);
  }

 protected:
  virtual absl::Status DoTransact(const TransactionFunction& fn,
                                  const TransactOptions& options) = 0;
};

enum class SqliteSynchronous {
  // Every acknowledged commit is on disk (fsync per commit): survives power
  // loss. The default, because compensation data pays people.
  kFull,
  // WAL commits are durable across process crashes but the last ones may be
  // lost on power loss; about twice the write throughput on slow disks.
  kNormal,
};

struct DatabaseOptions {
  // SQLite: durability of commits (see SqliteSynchronous).
  SqliteSynchronous sqlite_synchronous = SqliteSynchronous::kFull;
  // SQLite: how long a writer waits for another process's write lock before
  // the transaction fails with ABORTED.
  absl::Duration sqlite_busy_timeout = absl::Seconds(5);
  // SQLite: reader connections beside the one writer (0 for :memory:).
  int sqlite_readers = 4;
  // SQLite: the writer's page cache. Write-heavy tables with random keys
  // (an idempotency index) re-read their pages on every insert once the index
  // outgrows the cache; readers keep SQLite's default (2 MiB).
  int sqlite_writer_cache_mib = 32;
  // SQLite: the WAL is copied back into the database file (a checkpoint, run
  // by the committing writer) once it holds this many pages. Pages that every
  // commit changes (the ends of append-ordered indexes, today's aggregates)
  // are copied once per checkpoint, so a larger WAL writes less in all.
  int sqlite_wal_autocheckpoint_pages = 1000;

  // PostgreSQL: the most connections open at once.
  int postgres_pool_size = 8;
  // PostgreSQL: how long a call waits for a free pooled connection before it
  // fails with UNAVAILABLE.
  absl::Duration postgres_acquire_timeout = absl::Seconds(10);
  // PostgreSQL: connect timeout for each new connection (unless the URL sets
  // connect_timeout itself).
  absl::Duration postgres_connect_timeout = absl::Seconds(5);

  // Prepared statements kept per connection.
  int statement_cache_size = 256;
};

// Opens the database the URL names (see the file comment). SQLite files are
// opened, switched to WAL and checked at once; PostgreSQL opens its first
// connection at once, so a wrong address fails here with UNAVAILABLE.
absl::StatusOr<std::unique_ptr<Database>> OpenDatabase(absl::string_view url,
                                                       const DatabaseOptions& options = {});

}  // namespace salesteam::store

#endif  // SALESTEAM_COMMON_STORE_DATABASE_H_
