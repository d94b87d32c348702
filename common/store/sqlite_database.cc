#include "common/store/sqlite_database.h"

#include <sqlite3.h>

#include <cerrno>
#include <cstdint>
#include <cstring>
#include <string>
#include <utility>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "common/status.h"
#include "common/store/internal/sql.h"
#include "common/store/internal/statement_cache.h"
#include "common/store/internal/transaction.h"
#include "common/store/storage_state.h"

namespace salesteam::store {
namespace {

// Whether `rc` (with the errno of the failed system call) means the storage
// has no room: SQLITE_FULL (the disk, or the file's max_page_count), or an
// I/O error whose cause was a full disk or an exhausted quota.
bool IsStorageFull(int rc, int system_errno) {
  if ((rc & 0xff) == SQLITE_FULL) return true;
  return (rc & 0xff) == SQLITE_IOERR && (system_errno == ENOSPC || system_errno == EDQUOT);
}

// Maps a SQLite result code to the status the caller should act on (see
// database.h). `rc` is the extended code when available; `system_errno` the
// errno of the system call that failed (sqlite3_system_errno), 0 if none.
absl::Status SqliteError(int rc, absl::string_view message, int system_errno = 0) {
  const std::string text = absl::StrCat("sqlite: ", message);
  if (IsStorageFull(rc, system_errno)) {
    // Not INTERNAL: nothing is wrong with the request or the code, and the
    // same request succeeds once space is freed. The message is the
    // caller's (it reaches clients), so it says what is full but names no
    // file; the operator's log line has the detail.
    NoteStorageExhausted(absl::StrCat(
        text, system_errno != 0 ? absl::StrCat(" (", std::strerror(system_errno), ")") : ""));
    return absl::ResourceExhaustedError(
        "storage full: the service's SQLite database cannot grow (its disk or its size limit "
        "is full); nothing of this request was written; resend it once space is freed");
  }
  switch (rc & 0xff) {
    case SQLITE_CONSTRAINT:
      switch (rc) {
        case SQLITE_CONSTRAINT_UNIQUE:
        case SQLITE_CONSTRAINT_PRIMARYKEY:
          return absl::AlreadyExistsError(text);
        case SQLITE_CONSTRAINT_FOREIGNKEY:
        case SQLITE_CONSTRAINT_CHECK:
          return absl::FailedPreconditionError(text);
        default:
          return absl::InternalError(text);
      }
    case SQLITE_BUSY:
    case SQLITE_LOCKED:
      return absl::AbortedError(text);
    case SQLITE_IOERR:
    case SQLITE_CANTOPEN:
    case SQLITE_NOMEM:
      return absl::UnavailableError(text);
    default:
      return absl::InternalError(text);
  }
}

// One sqlite3 handle and its prepared statements. Not thread-safe: the
// database hands each connection to one thread at a time.
class Connection {
 public:
  static absl::StatusOr<std::unique_ptr<Connection>> Open(const std::string& path, bool writer,
                                                          const DatabaseOptions& options) {
    sqlite3* db = nullptr;
    const int flags = (writer ? SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE : SQLITE_OPEN_READONLY) |
                      SQLITE_OPEN_NOMUTEX;
    int rc = sqlite3_open_v2(path.c_str(), &db, flags, nullptr);
    if (rc != SQLITE_OK) {
      absl::Status status = SqliteError(
          rc, absl::StrCat("cannot open ", path, ": ", db ? sqlite3_errmsg(db) : "out of memory"));
      sqlite3_close(db);
      return status;
    }
    sqlite3_extended_result_codes(db, 1);
    sqlite3_busy_timeout(db,
                         static_cast<int>(absl::ToInt64Milliseconds(options.sqlite_busy_timeout)));
    auto conn = std::unique_ptr<Connection>(new Connection(db, options.statement_cache_size));
    if (writer) {
      if (path != ":memory:") {
        ASSIGN_OR_RETURN(ResultSet mode, conn->QueryRaw("PRAGMA journal_mode=WAL"));
        if (mode.empty() || mode.front().value(0).str() != "wal") {
          return absl::FailedPreconditionError(
              absl::StrCat("sqlite: cannot switch ", path, " to WAL"));
        }
      }
      RETURN_IF_ERROR(conn->Exec(options.sqlite_synchronous == SqliteSynchronous::kFull
                                     ? "PRAGMA synchronous=FULL"
                                     : "PRAGMA synchronous=NORMAL"));
      RETURN_IF_ERROR(conn->Exec(
          absl::StrCat("PRAGMA cache_size=-", int64_t{options.sqlite_writer_cache_mib} * 1024)));
      RETURN_IF_ERROR(conn->Exec(
          absl::StrCat("PRAGMA wal_autocheckpoint=", options.sqlite_wal_autocheckpoint_pages)));
    }
    RETURN_IF_ERROR(conn->Exec("PRAGMA foreign_keys=ON"));
    return conn;
  }

  ~Connection() {
    cache_.Clear();
    sqlite3_close(db_);
  }

  // The cached statement for `sql` (numbered $n parameters), prepared on a miss.
  absl::StatusOr<sqlite3_stmt*> Prepare(absl::string_view sql) {
    if (sqlite3_stmt** cached = cache_.Find(sql)) return *cached;
    return PrepareUncached(sql, internal::RewriteNumberedParams(sql));
  }

  // Like Prepare, for SQL already written with SQLite's ?n parameters.
  absl::StatusOr<sqlite3_stmt*> PrepareNative(absl::string_view sql) {
    if (sqlite3_stmt** cached = cache_.Find(sql)) return *cached;
    return PrepareUncached(sql, std::string(sql));
  }

  absl::Status Bind(sqlite3_stmt* stmt, absl::Span<const Param> params) {
    const int expected = sqlite3_bind_parameter_count(stmt);
    if (expected != static_cast<int>(params.size())) {
      return absl::InternalError(absl::StrCat("sqlite: statement takes ", expected, " parameters, ",
                                              params.size(), " given: ", sqlite3_sql(stmt)));
    }
    for (size_t i = 0; i < params.size(); ++i) {
      const int rc = BindOne(stmt, static_cast<int>(i) + 1, params[i]);
      if (rc != SQLITE_OK) return Error(rc);
    }
    return absl::OkStatus();
  }

  static int BindOne(sqlite3_stmt* stmt, int index, const Param& p) {
    switch (p.type()) {
      case ValueType::kNull:
        return sqlite3_bind_null(stmt, index);
      case ValueType::kInt64:
        return sqlite3_bind_int64(stmt, index, p.int64());
      case ValueType::kDouble:
        return sqlite3_bind_double(stmt, index, p.dbl());
      case ValueType::kText:
        return sqlite3_bind_text64(stmt, index, p.data(), p.size(), SQLITE_STATIC, SQLITE_UTF8);
      case ValueType::kBytes:
        return sqlite3_bind_blob64(stmt, index, p.data(), p.size(), SQLITE_STATIC);
    }
    return SQLITE_MISUSE;
  }

  // Steps `stmt` to the end, collecting its rows, then resets it (the
  // borrowed parameters are unbound so that nothing dangles).
  absl::StatusOr<ResultSet> Run(sqlite3_stmt* stmt) {
    const int columns = sqlite3_column_count(stmt);
    std::vector<std::string> names;
    names.reserve(columns);
    for (int c = 0; c < columns; ++c) names.emplace_back(sqlite3_column_name(stmt, c));
    ResultSet result(std::move(names));
    const int64_t changes_before = sqlite3_total_changes64(db_);
    int rc;
    while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
      for (int c = 0; c < columns; ++c) result.AddCell(ReadColumn(stmt, c));
    }
    absl::Status status = rc == SQLITE_DONE ? absl::OkStatus() : Error(rc);
    if (status.ok() && sqlite3_total_changes64(db_) != changes_before) {
      result.set_rows_affected(sqlite3_changes64(db_));
    }
    sqlite3_reset(stmt);
    sqlite3_clear_bindings(stmt);
    if (!status.ok()) return status;
    return result;
  }

  // Like Run for statements whose rows are not wanted; returns rows changed.
  absl::StatusOr<int64_t> RunNoRows(sqlite3_stmt* stmt) {
    const int64_t changes_before = sqlite3_total_changes64(db_);
    int rc;
    while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
    }
    absl::Status status = rc == SQLITE_DONE ? absl::OkStatus() : Error(rc);
    const int64_t changes =
        sqlite3_total_changes64(db_) != changes_before ? sqlite3_changes64(db_) : 0;
    sqlite3_reset(stmt);
    sqlite3_clear_bindings(stmt);
    if (!status.ok()) return status;
    return changes;
  }

  absl::StatusOr<ResultSet> QueryRaw(absl::string_view sql) {
    ASSIGN_OR_RETURN(sqlite3_stmt * stmt, Prepare(sql));
    return Run(stmt);
  }

  // Runs a parameterless statement (or several) without caching them.
  absl::Status Exec(const std::string& sql) {
    char* message = nullptr;
    const int rc = sqlite3_exec(db_, sql.c_str(), nullptr, nullptr, &message);
    if (rc == SQLITE_OK) return absl::OkStatus();
    absl::Status status =
        SqliteError(sqlite3_extended_errcode(db_),
                    message != nullptr ? message : sqlite3_errstr(rc), sqlite3_system_errno(db_));
    sqlite3_free(message);
    return status;
  }

  // Runs a cached parameterless statement (BEGIN, COMMIT, ...).
  absl::Status ExecCached(absl::string_view sql) {
    ASSIGN_OR_RETURN(sqlite3_stmt * stmt, Prepare(sql));
    return RunNoRows(stmt).status();
  }

  absl::Status Error(int rc) {
    return SqliteError(rc, sqlite3_errmsg(db_), sqlite3_system_errno(db_));
  }

  bool in_transaction() const { return sqlite3_get_autocommit(db_) == 0; }
  sqlite3* db() const { return db_; }

  // Scratch space for InsertRows' statement text, kept to avoid reallocating.
  std::string& scratch() { return scratch_; }

 private:
  Connection(sqlite3* db, int cache_size)
      : db_(db), cache_(cache_size, [](sqlite3_stmt*& stmt) { sqlite3_finalize(stmt); }) {}

  absl::StatusOr<sqlite3_stmt*> PrepareUncached(absl::string_view key, const std::string& native) {
    sqlite3_stmt* stmt = nullptr;
    const int rc = sqlite3_prepare_v3(db_, native.data(), static_cast<int>(native.size()),
                                      SQLITE_PREPARE_PERSISTENT, &stmt, nullptr);
    if (rc != SQLITE_OK) return Error(rc);
    if (stmt == nullptr) return absl::InternalError("sqlite: empty statement");
    return *cache_.Insert(key, stmt);
  }

  static Value ReadColumn(sqlite3_stmt* stmt, int c) {
    switch (sqlite3_column_type(stmt, c)) {
      case SQLITE_INTEGER:
        return Value::Int64(sqlite3_column_int64(stmt, c));
      case SQLITE_FLOAT:
        return Value::Double(sqlite3_column_double(stmt, c));
      case SQLITE_TEXT: {
        const char* text = reinterpret_cast<const char*>(sqlite3_column_text(stmt, c));
        return Value::Text(std::string(text, sqlite3_column_bytes(stmt, c)));
      }
      case SQLITE_BLOB: {
        const char* blob = static_cast<const char*>(sqlite3_column_blob(stmt, c));
        const int size = sqlite3_column_bytes(stmt, c);
        return Value::Bytes(blob != nullptr ? std::string(blob, size) : std::string());
      }
      default:
        return Value();
    }
  }

  sqlite3* db_;
  internal::StatementCache<sqlite3_stmt*> cache_;
  std::string scratch_;
};

class SqliteTransaction final : public internal::TransactionBase {
 public:
  explicit SqliteTransaction(Connection* conn) : conn_(conn) {}

  Dialect dialect() const override { return Dialect::kSqlite; }

 protected:
  absl::StatusOr<ResultSet> RunQuery(absl::string_view sql,
                                     absl::Span<const Param> params) override {
    ASSIGN_OR_RETURN(sqlite3_stmt * stmt, conn_->Prepare(sql));
    RETURN_IF_ERROR(conn_->Bind(stmt, params));
    return conn_->Run(stmt);
  }

  absl::StatusOr<int64_t> RunExecute(absl::string_view sql,
                                     absl::Span<const Param> params) override {
    ASSIGN_OR_RETURN(sqlite3_stmt * stmt, conn_->Prepare(sql));
    RETURN_IF_ERROR(conn_->Bind(stmt, params));
    return conn_->RunNoRows(stmt);
  }

  absl::StatusOr<int64_t> RunInsertRows(absl::string_view insert_head, int columns_per_row,
                                        absl::Span<const Param> values,
                                        absl::string_view tail) override {
    // SQLite has no network round trip to save: one reused single-row
    // statement per row is its fastest path (the same as hand-written C).
    std::string& sql = conn_->scratch();
    sql.assign(insert_head.data(), insert_head.size());
    sql.append(" VALUES ");
    internal::AppendValuesRows(&sql, Dialect::kSqlite, columns_per_row, 1);
    if (!tail.empty()) {
      sql.push_back(' ');
      sql.append(tail.data(), tail.size());
    }
    ASSIGN_OR_RETURN(sqlite3_stmt * stmt, conn_->PrepareNative(sql));
    if (sqlite3_bind_parameter_count(stmt) != columns_per_row) {
      return absl::InternalError(absl::StrCat("InsertRows: statement takes ",
                                              sqlite3_bind_parameter_count(stmt),
                                              " parameters per row, not ", columns_per_row));
    }
    sqlite3* db = conn_->db();
    int64_t changed = 0;
    const size_t rows = values.size() / columns_per_row;
    for (size_t r = 0; r < rows; ++r) {
      const Param* row = values.data() + r * columns_per_row;
      int rc = SQLITE_OK;
      for (int c = 0; c < columns_per_row && rc == SQLITE_OK; ++c) {
        rc = Connection::BindOne(stmt, c + 1, row[c]);
      }
      if (rc == SQLITE_OK) {
        const int64_t before = sqlite3_total_changes64(db);
        while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
        }
        if (rc == SQLITE_DONE) {
          rc = SQLITE_OK;
          if (sqlite3_total_changes64(db) != before) changed += sqlite3_changes64(db);
        }
      }
      if (rc != SQLITE_OK) {
        absl::Status status = conn_->Error(rc);
        sqlite3_reset(stmt);
        sqlite3_clear_bindings(stmt);
        return status;
      }
      sqlite3_reset(stmt);
    }
    sqlite3_clear_bindings(stmt);
    return changed;
  }

  absl::Status RunExecuteScript(absl::string_view sql) override {
    return conn_->Exec(std::string(sql));
  }

 private:
  Connection* conn_;
};

class SqliteDatabase final : public Database {
 public:
  SqliteDatabase(std::unique_ptr<Connection> writer,
                 std::vector<std::unique_ptr<Connection>> readers)
      : writer_(std::move(writer)), idle_readers_(std::move(readers)) {
    has_readers_ = !idle_readers_.empty();
  }

  Dialect dialect() const override { return Dialect::kSqlite; }

 protected:
  absl::StatusOr<ResultSet> DoQuery(absl::string_view sql,
                                    absl::Span<const Param> params) override {
    if (internal::ScopedDatabaseUse::Busy(this))
      return internal::ScopedDatabaseUse::NestedUseError();
    if (has_readers_) {
      bool needs_writer = false;
      absl::StatusOr<ResultSet> result =
          WithReader([&](Connection& conn) -> absl::StatusOr<ResultSet> {
            ASSIGN_OR_RETURN(sqlite3_stmt * stmt, conn.Prepare(sql));
            if (!sqlite3_stmt_readonly(stmt)) {
              needs_writer = true;
              return ResultSet();
            }
            RETURN_IF_ERROR(conn.Bind(stmt, params));
            return conn.Run(stmt);
          });
      if (!needs_writer) return result;
    }
    ResultSet result;
    RETURN_IF_ERROR(Transact([&](Transaction& tx) -> absl::Status {
      ASSIGN_OR_RETURN(result, tx.Query(sql, params));
      return absl::OkStatus();
    }));
    return result;
  }

  absl::StatusOr<int64_t> DoExecute(absl::string_view sql,
                                    absl::Span<const Param> params) override {
    int64_t changed = 0;
    RETURN_IF_ERROR(Transact([&](Transaction& tx) -> absl::Status {
      ASSIGN_OR_RETURN(changed, tx.Execute(sql, params));
      return absl::OkStatus();
    }));
    return changed;
  }

  absl::Status DoTransact(const TransactionFunction& fn, const TransactOptions& options) override {
    return internal::RunTransaction(this, options, [&](bool* conflict) -> absl::Status {
      if (options.read_only && has_readers_) {
        return WithReader([&](Connection& conn) { return RunOnce(conn, "BEGIN", fn, conflict); });
      }
      absl::MutexLock lock(&writer_mu_);
      absl::Status status =
          RunOnce(*writer_, options.read_only ? "BEGIN" : "BEGIN IMMEDIATE", fn, conflict);
      if (status.ok() && !options.read_only) NoteStorageWritable();
      return status;
    });
  }

 private:
  // One attempt of a transaction on `conn`.
  static absl::Status RunOnce(Connection& conn, absl::string_view begin,
                              const TransactionFunction& fn, bool* conflict) {
    if (absl::Status s = conn.ExecCached(begin); !s.ok()) {
      *conflict = s.code() == absl::StatusCode::kAborted;
      return s;
    }
    SqliteTransaction tx(&conn);
    absl::Status status = internal::RunAttempt(
        tx, fn, [&] { return conn.ExecCached("COMMIT"); }, conflict);
    // After a failed statement or COMMIT the transaction may still be open;
    // end it so that the connection is clean for the next caller.
    if (conn.in_transaction()) (void)conn.ExecCached("ROLLBACK");
    return status;
  }

  template <typename F>
  auto WithReader(F&& f) -> decltype(f(std::declval<Connection&>())) {
    std::unique_ptr<Connection> conn;
    {
      absl::MutexLock lock(&readers_mu_);
      readers_mu_.Await(absl::Condition(
          +[](std::vector<std::unique_ptr<Connection>>* idle) { return !idle->empty(); },
          &idle_readers_));
      conn = std::move(idle_readers_.back());
      idle_readers_.pop_back();
    }
    auto result = f(*conn);
    absl::MutexLock lock(&readers_mu_);
    idle_readers_.push_back(std::move(conn));
    return result;
  }

  absl::Mutex writer_mu_;
  std::unique_ptr<Connection> writer_ ABSL_GUARDED_BY(writer_mu_);
  absl::Mutex readers_mu_;
  std::vector<std::unique_ptr<Connection>> idle_readers_ ABSL_GUARDED_BY(readers_mu_);
  bool has_readers_ = false;
};

}  // namespace

absl::StatusOr<std::unique_ptr<Database>> OpenSqliteDatabase(const std::string& path,
                                                             const DatabaseOptions& options) {
  ASSIGN_OR_RETURN(std::unique_ptr<Connection> writer, Connection::Open(path, true, options));
  std::vector<std::unique_ptr<Connection>> readers;
  if (path != ":memory:") {
    for (int i = 0; i < options.sqlite_readers; ++i) {
      ASSIGN_OR_RETURN(std::unique_ptr<Connection> reader, Connection::Open(path, false, options));
      readers.push_back(std::move(reader));
    }
  }
  return std::unique_ptr<Database>(new SqliteDatabase(std::move(writer), std::move(readers)));
}

}  // namespace salesteam::store
