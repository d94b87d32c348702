#include "common/store/postgres_database.h"

#include <libpq-fe.h>
#include <poll.h>

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <string>
#include <utility>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/synchronization/mutex.h"
#include "common/status.h"
#include "common/store/internal/sql.h"
#include "common/store/internal/statement_cache.h"
#include "common/store/internal/transaction.h"
#include "common/store/storage_state.h"

namespace salesteam::store {
namespace {

// Type OIDs from PostgreSQL's catalog (pg_type.dat); stable across versions.
constexpr Oid kBoolOid = 16;
constexpr Oid kByteaOid = 17;
constexpr Oid kInt8Oid = 20;
constexpr Oid kInt2Oid = 21;
constexpr Oid kInt4Oid = 23;
constexpr Oid kTextOid = 25;
constexpr Oid kOidOid = 26;
constexpr Oid kFloat4Oid = 700;
constexpr Oid kFloat8Oid = 701;
constexpr Oid kNumericOid = 1700;

// PostgreSQL accepts up to 65,535 parameters in one statement, but libpq
// (15) refuses a ParameterDescription message over 30,000 bytes (4 bytes per
// parameter) as "lost synchronization with server", so a prepared statement
// must stay well under 7,500 parameters.
constexpr size_t kMaxParams = 7000;

absl::string_view Field(const PGresult* res, int field) {
  const char* value = PQresultErrorField(res, field);
  return value != nullptr ? value : "";
}

// Maps a failed result to the status the caller should act on (database.h).
absl::Status ResultError(PGconn* conn, const PGresult* res) {
  const absl::string_view state = res != nullptr ? Field(res, PG_DIAG_SQLSTATE) : "";
  std::string message = res != nullptr && *PQresultErrorMessage(res) != '\0'
                            ? PQresultErrorMessage(res)
                            : PQerrorMessage(conn);
  while (!message.empty() && (message.back() == '\n' || message.back() == ' ')) {
    message.pop_back();
  }
  std::string text = absl::StrCat("postgres: ", message);
  if (!state.empty()) absl::StrAppend(&text, " [", state, "]");
  if (state == "23505") {
    const absl::string_view constraint = Field(res, PG_DIAG_CONSTRAINT_NAME);
    const absl::string_view table = Field(res, PG_DIAG_TABLE_NAME);
    if (!constraint.empty() || !table.empty()) {
      absl::StrAppend(&text, " (constraint ", constraint, " on table ", table, ")");
    }
    return absl::AlreadyExistsError(text);
  }
  if (state == "23503" || state == "23514") return absl::FailedPreconditionError(text);
  if (state == "40001" || state == "40P01") return absl::AbortedError(text);
  if (state == "57014") return absl::DeadlineExceededError(text);
  // Class 53, insufficient resources, except too_many_connections (below):
  // nothing is wrong with the request, and the same request succeeds once
  // the server has room again. The message reaches clients, so it says what
  // is exhausted but not the server's own text (it names its files); the
  // operator's log line has that.
  if (state == "53100") {
    NoteStorageExhausted(text);
    return absl::ResourceExhaustedError(
        "storage full: the service's PostgreSQL server has no disk space left (SQLSTATE 53100 "
        "disk_full); nothing of this request was written; resend it once space is freed");
  }
  if (state == "53000" || state == "53200" || state == "53400") {
    return absl::ResourceExhaustedError(
        absl::StrCat("the service's PostgreSQL server is out of resources (SQLSTATE ", state,
                     state == "53200"   ? " out_of_memory"
                     : state == "53400" ? " configuration_limit_exceeded"
                                        : " insufficient_resources",
                     "); nothing of this request was written; resend it later"));
  }
  if (PQstatus(conn) != CONNECTION_OK || state.substr(0, 2) == "08" || state == "57P01" ||
      state == "57P02" || state == "57P03" || state == "53300") {
    return absl::UnavailableError(text);
  }
  return absl::InternalError(text);
}

void PutBigEndian64(uint64_t v, char* out) {
  for (int i = 7; i >= 0; --i) {
    out[i] = static_cast<char>(v & 0xff);
    v >>= 8;
  }
}

// One libpq connection and the statements it prepared. Not thread-safe: the
// pool hands each connection to one caller at a time.
class Connection {
 public:
  static absl::StatusOr<std::unique_ptr<Connection>> Connect(const std::string& conninfo,
                                                             const DatabaseOptions& options) {
    const std::string timeout =
        absl::StrCat(std::max<int64_t>(2, absl::ToInt64Seconds(options.postgres_connect_timeout)));
    // Settings before "dbname" are defaults that the caller's conninfo, which
    // libpq expands in its place, may override.
    const char* keywords[] = {"connect_timeout", "application_name", "client_encoding", "dbname",
                              nullptr};
    const char* values[] = {timeout.c_str(), "salesteam", "UTF8", conninfo.c_str(), nullptr};
    PGconn* conn = PQconnectdbParams(keywords, values, /*expand_dbname=*/1);
    if (conn == nullptr) return absl::UnavailableError("postgres: out of memory");
    if (PQstatus(conn) != CONNECTION_OK) {
      std::string message = PQerrorMessage(conn);
      while (!message.empty() && message.back() == '\n') message.pop_back();
      PQfinish(conn);
      return absl::UnavailableError(absl::StrCat("postgres: cannot connect: ", message));
    }
    // NOTICEs ("relation already exists, skipping") are not errors; libpq
    // would print them on stderr.
    PQsetNoticeProcessor(
        conn, [](void*, const char*) {}, nullptr);
    return std::unique_ptr<Connection>(new Connection(conn, options.statement_cache_size));
  }

  ~Connection() {
    closing_ = true;
    cache_.Clear();
    PQfinish(conn_);
  }

  bool broken() const { return PQstatus(conn_) != CONNECTION_OK; }
  bool idle() const { return PQtransactionStatus(conn_) == PQTRANS_IDLE; }

  // An idle connection has nothing to read unless the server terminated it
  // (a restart, pg_terminate_backend) or closed the socket.
  bool LooksStale() const {
    if (broken()) return true;
    pollfd fd{PQsocket(conn_), POLLIN, 0};
    return ::poll(&fd, 1, 0) != 0;
  }

  // Runs one parameterised statement through its cached prepared statement.
  // Fills `*result` with the rows when it is not null; returns rows changed.
  absl::StatusOr<int64_t> Run(absl::string_view sql, absl::Span<const Param> params,
                              ResultSet* result) {
    const size_t n = params.size();
    if (n > kMaxParams) {
      return absl::InternalError(
          absl::StrCat("postgres: ", n, " parameters, at most ", kMaxParams, " allowed"));
    }
    // A prepared statement fixes its parameter types, so the cache key is the
    // SQL text plus one type letter per parameter.
    key_.assign(sql.data(), sql.size());
    key_.push_back('\0');
    types_.resize(n);
    values_.resize(n);
    lengths_.resize(n);
    formats_.resize(n);
    binary_.resize(n * 8);
    for (size_t i = 0; i < n; ++i) {
      const Param& p = params[i];
      formats_[i] = 1;
      switch (p.type()) {
        case ValueType::kNull:
          key_.push_back('n');
          types_[i] = 0;
          values_[i] = nullptr;
          lengths_[i] = 0;
          break;
        case ValueType::kInt64:
          key_.push_back('i');
          types_[i] = kInt8Oid;
          PutBigEndian64(static_cast<uint64_t>(p.int64()), &binary_[i * 8]);
          values_[i] = &binary_[i * 8];
          lengths_[i] = 8;
          break;
        case ValueType::kDouble: {
          key_.push_back('d');
          types_[i] = kFloat8Oid;
          uint64_t bits;
          const double d = p.dbl();
          std::memcpy(&bits, &d, sizeof(bits));
          PutBigEndian64(bits, &binary_[i * 8]);
          values_[i] = &binary_[i * 8];
          lengths_[i] = 8;
          break;
        }
        case ValueType::kText:
          key_.push_back('t');
          types_[i] = kTextOid;
          values_[i] = p.data();
          lengths_[i] = static_cast<int>(p.size());
          break;
        case ValueType::kBytes:
          key_.push_back('b');
          types_[i] = kByteaOid;
          values_[i] = p.data();
          lengths_[i] = static_cast<int>(p.size());
          break;
      }
    }
    const std::string* name = cache_.Find(key_);
    if (name == nullptr) {
      std::string new_name = absl::StrCat("salesteam_", ++statement_counter_);
      const std::string text(sql);
      PGresult* res =
          PQprepare(conn_, new_name.c_str(), text.c_str(), static_cast<int>(n), types_.data());
      absl::Status status =
          PQresultStatus(res) == PGRES_COMMAND_OK ? absl::OkStatus() : ResultError(conn_, res);
      PQclear(res);
      if (status.ok()) {
        // The server infers types for parameters the caller did not supply;
        // a statement that wants more than were given is the caller's bug.
        res = PQdescribePrepared(conn_, new_name.c_str());
        if (PQresultStatus(res) != PGRES_COMMAND_OK) {
          status = ResultError(conn_, res);
        } else if (PQnparams(res) != static_cast<int>(n)) {
          status = absl::InternalError(absl::StrCat("postgres: statement takes ", PQnparams(res),
                                                    " parameters, ", n, " given: ", sql));
        }
        PQclear(res);
        if (!status.ok()) dropped_.push_back(new_name);
      }
      RETURN_IF_ERROR(status);
      name = cache_.Insert(key_, std::move(new_name));
    }
    PGresult* res = PQexecPrepared(conn_, name->c_str(), static_cast<int>(n), values_.data(),
                                   lengths_.data(), formats_.data(), /*resultFormat=*/0);
    const ExecStatusType st = PQresultStatus(res);
    if (st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK) {
      absl::Status status = ResultError(conn_, res);
      // A copy: the field lives in `res`, which PQclear frees.
      const std::string state(res != nullptr ? Field(res, PG_DIAG_SQLSTATE) : "");
      PQclear(res);
      // The server no longer accepts this prepared statement (e.g. a table it
      // reads changed shape): prepare it afresh next time.
      if (state == "0A000" || state == "26000") cache_.Erase(key_);
      return status;
    }
    if (result != nullptr) Collect(res, result);
    int64_t changed = 0;
    const char* tuples = PQcmdTuples(res);
    if (tuples != nullptr && *tuples != '\0') (void)absl::SimpleAtoi(tuples, &changed);
    if (result != nullptr) result->set_rows_affected(changed);
    PQclear(res);
    return changed;
  }

  // Runs parameterless SQL (BEGIN, COMMIT, scripts of several statements).
  absl::Status Simple(const std::string& sql) {
    PGresult* res = PQexec(conn_, sql.c_str());
    const ExecStatusType st = PQresultStatus(res);
    absl::Status status = st == PGRES_COMMAND_OK || st == PGRES_TUPLES_OK ? absl::OkStatus()
                                                                          : ResultError(conn_, res);
    PQclear(res);
    return status;
  }

  // Closes the statements the cache dropped; only between transactions,
  // because in a failed transaction the server refuses every command.
  void CloseDroppedStatements() {
    if (dropped_.empty() || broken() || !idle()) return;
    std::string sql;
    for (const std::string& name : dropped_) absl::StrAppend(&sql, "DEALLOCATE ", name, ";");
    dropped_.clear();
    (void)Simple(sql);
  }

  std::string& scratch() { return scratch_; }

 private:
  Connection(PGconn* conn, int cache_size)
      : conn_(conn), cache_(cache_size, [this](std::string& name) {
          if (!closing_) dropped_.push_back(std::move(name));
        }) {}

  static void Collect(const PGresult* res, ResultSet* result) {
    const int columns = PQnfields(res);
    std::vector<std::string> names;
    names.reserve(columns);
    for (int c = 0; c < columns; ++c) names.emplace_back(PQfname(res, c));
    *result = ResultSet(std::move(names));
    const int rows = PQntuples(res);
    for (int r = 0; r < rows; ++r) {
      for (int c = 0; c < columns; ++c) {
        if (PQgetisnull(res, r, c)) {
          result->AddCell(Value());
          continue;
        }
        const char* text = PQgetvalue(res, r, c);
        const absl::string_view view(text, PQgetlength(res, r, c));
        result->AddCell(Decode(PQftype(res, c), text, view));
      }
    }
  }

  // Decodes one text-format result cell into the store's five types.
  static Value Decode(Oid type, const char* text, absl::string_view view) {
    int64_t i;
    double d;
    switch (type) {
      case kInt8Oid:
      case kInt4Oid:
      case kInt2Oid:
      case kOidOid:
        if (absl::SimpleAtoi(view, &i)) return Value::Int64(i);
        break;
      case kBoolOid:
        return Value::Int64(view == "t" ? 1 : 0);
      case kFloat4Oid:
      case kFloat8Oid:
        if (absl::SimpleAtod(view, &d)) return Value::Double(d);
        break;
      case kNumericOid:
        // SUM/AVG of BIGINT: integral sums read as INT64 like on SQLite.
        if (absl::SimpleAtoi(view, &i)) return Value::Int64(i);
        if (absl::SimpleAtod(view, &d)) return Value::Double(d);
        break;
      case kByteaOid: {
        size_t size = 0;
        unsigned char* bytes = PQunescapeBytea(reinterpret_cast<const unsigned char*>(text), &size);
        if (bytes == nullptr) break;
        Value value = Value::Bytes(std::string(reinterpret_cast<const char*>(bytes), size));
        PQfreemem(bytes);
        return value;
      }
      default:
        break;
    }
    return Value::Text(std::string(view));
  }

  PGconn* conn_;
  bool closing_ = false;
  uint64_t statement_counter_ = 0;
  std::vector<std::string> dropped_;
  internal::StatementCache<std::string> cache_;  // key -> statement name
  // Per-call buffers, reused so that repeated statements do not allocate.
  std::string key_;
  std::vector<Oid> types_;
  std::vector<const char*> values_;
  std::vector<int> lengths_;
  std::vector<int> formats_;
  std::vector<char> binary_;
  std::string scratch_;
};

class Pool;

// A connection taken from the pool, given back when the lease ends.
class Lease {
 public:
  Lease(Pool* pool, std::unique_ptr<Connection> conn) : pool_(pool), conn_(std::move(conn)) {}
  Lease(Lease&&) = default;
  Lease& operator=(Lease&&) = delete;
  ~Lease();
  Connection* operator->() const { return conn_.get(); }
  Connection& operator*() const { return *conn_; }

 private:
  Pool* pool_;
  std::unique_ptr<Connection> conn_;
};

class Pool {
 public:
  Pool(std::string conninfo, const DatabaseOptions& options)
      : conninfo_(std::move(conninfo)),
        options_(options),
        max_open_(std::max(1, options.postgres_pool_size)) {}

  ~Pool() {
    absl::MutexLock lock(&mu_);
    idle_.clear();
  }

  absl::StatusOr<Lease> Acquire() {
    std::unique_ptr<Connection> conn;
    {
      absl::MutexLock lock(&mu_);
      if (!mu_.AwaitWithTimeout(absl::Condition(this, &Pool::CanAcquire),
                                options_.postgres_acquire_timeout)) {
        return absl::UnavailableError(absl::StrCat(
            "postgres: no connection free within ",
            absl::FormatDuration(options_.postgres_acquire_timeout), " (pool of ", max_open_, ")"));
      }
      if (!idle_.empty()) {
        conn = std::move(idle_.back());
        idle_.pop_back();
      } else {
        ++open_;
      }
    }
    // A connection the server dropped while it sat idle is replaced here, in
    // its slot, so that the call after a server restart succeeds.
    if (conn != nullptr && conn->LooksStale()) conn.reset();
    if (conn == nullptr) {
      auto fresh = Connection::Connect(conninfo_, options_);
      if (!fresh.ok()) {
        absl::MutexLock lock(&mu_);
        --open_;
        return fresh.status();
      }
      conn = std::move(*fresh);
    }
    return Lease(this, std::move(conn));
  }

  void Release(std::unique_ptr<Connection> conn) {
    if (conn->broken() || !conn->idle()) {
      conn.reset();  // disconnect outside the lock
      absl::MutexLock lock(&mu_);
      --open_;
      return;
    }
    conn->CloseDroppedStatements();
    absl::MutexLock lock(&mu_);
    idle_.push_back(std::move(conn));
  }

 private:
  bool CanAcquire() const ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    return !idle_.empty() || open_ < max_open_;
  }

  const std::string conninfo_;
  const DatabaseOptions options_;
  const int max_open_;
  absl::Mutex mu_;
  std::vector<std::unique_ptr<Connection>> idle_ ABSL_GUARDED_BY(mu_);
  int open_ ABSL_GUARDED_BY(mu_) = 0;  // idle and leased
};

Lease::~Lease() {
  if (conn_ != nullptr) pool_->Release(std::move(conn_));
}

class PostgresTransaction final : public internal::TransactionBase {
 public:
  explicit PostgresTransaction(Connection* conn) : conn_(conn) {}

  Dialect dialect() const override { return Dialect::kPostgres; }

 protected:
  absl::StatusOr<ResultSet> RunQuery(absl::string_view sql,
                                     absl::Span<const Param> params) override {
    ResultSet result;
    RETURN_IF_ERROR(conn_->Run(sql, params, &result).status());
    return result;
  }

  absl::StatusOr<int64_t> RunExecute(absl::string_view sql,
                                     absl::Span<const Param> params) override {
    return conn_->Run(sql, params, nullptr);
  }

  absl::StatusOr<int64_t> RunInsertRows(absl::string_view insert_head, int columns_per_row,
                                        absl::Span<const Param> values,
                                        absl::string_view tail) override {
    // One round trip per chunk: multi-row VALUES, prepared once per chunk size.
    const size_t max_rows =
        std::min<size_t>(kMaxRowsPerStatement, kMaxParams / static_cast<size_t>(columns_per_row));
    const size_t rows = values.size() / columns_per_row;
    int64_t changed = 0;
    std::string& sql = conn_->scratch();
    for (size_t first = 0; first < rows;) {
      // Full chunks, then the rest in chunks of 256, 64, 16, 4 and 1 rows,
      // so that any batch size prepares at most six statement texts.
      size_t count = std::min(max_rows, rows - first);
      if (count < max_rows) {
        for (size_t size : {size_t{256}, size_t{64}, size_t{16}, size_t{4}, size_t{1}}) {
          if (size <= count) {
            count = size;
            break;
          }
        }
      }
      sql.assign(insert_head.data(), insert_head.size());
      sql.append(" VALUES ");
      internal::AppendValuesRows(&sql, Dialect::kPostgres, columns_per_row,
                                 static_cast<int>(count));
      if (!tail.empty()) {
        sql.push_back(' ');
        sql.append(tail.data(), tail.size());
      }
      ASSIGN_OR_RETURN(
          int64_t chunk,
          conn_->Run(sql, values.subspan(first * columns_per_row, count * columns_per_row),
                     nullptr));
      changed += chunk;
      first += count;
    }
    return changed;
  }

  absl::Status RunExecuteScript(absl::string_view sql) override {
    return conn_->Simple(std::string(sql));
  }

 private:
  Connection* conn_;
};

class PostgresDatabase final : public Database {
 public:
  PostgresDatabase(std::string conninfo, const DatabaseOptions& options)
      : pool_(std::move(conninfo), options) {}

  absl::Status Connect() { return pool_.Acquire().status(); }

  Dialect dialect() const override { return Dialect::kPostgres; }

 protected:
  absl::StatusOr<ResultSet> DoQuery(absl::string_view sql,
                                    absl::Span<const Param> params) override {
    if (internal::ScopedDatabaseUse::Busy(this))
      return internal::ScopedDatabaseUse::NestedUseError();
    ASSIGN_OR_RETURN(Lease conn, pool_.Acquire());
    ResultSet result;
    RETURN_IF_ERROR(conn->Run(sql, params, &result).status());
    return result;
  }

  absl::StatusOr<int64_t> DoExecute(absl::string_view sql,
                                    absl::Span<const Param> params) override {
    if (internal::ScopedDatabaseUse::Busy(this))
      return internal::ScopedDatabaseUse::NestedUseError();
    ASSIGN_OR_RETURN(Lease conn, pool_.Acquire());
    absl::StatusOr<int64_t> changed = conn->Run(sql, params, nullptr);
    if (changed.ok()) NoteStorageWritable();
    return changed;
  }

  absl::Status DoTransact(const TransactionFunction& fn, const TransactOptions& options) override {
    std::string begin = "BEGIN";
    if (options.isolation == Isolation::kSerializable) begin += " ISOLATION LEVEL SERIALIZABLE";
    if (options.read_only) begin += " READ ONLY";
    return internal::RunTransaction(this, options, [&](bool* conflict) -> absl::Status {
      ASSIGN_OR_RETURN(Lease conn, pool_.Acquire());
      RETURN_IF_ERROR(conn->Simple(begin));
      PostgresTransaction tx(&*conn);
      absl::Status status = internal::RunAttempt(
          tx, fn, [&] { return conn->Simple("COMMIT"); }, conflict);
      // A failed COMMIT ends the transaction on the server already; anything
      // else still open is rolled back (a broken connection is discarded by
      // the pool instead).
      if (!conn->broken() && !conn->idle()) (void)conn->Simple("ROLLBACK");
      if (status.ok() && !options.read_only) NoteStorageWritable();
      return status;
    });
  }

 private:
  Pool pool_;
};

}  // namespace

absl::StatusOr<std::unique_ptr<Database>> OpenPostgresDatabase(const std::string& conninfo,
                                                               const DatabaseOptions& options) {
  auto db = std::make_unique<PostgresDatabase>(conninfo, options);
  RETURN_IF_ERROR(db->Connect());
  return std::unique_ptr<Database>(std::move(db));
}

}  // namespace salesteam::store
