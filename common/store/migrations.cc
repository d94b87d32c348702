#include "common/store/migrations.h"

#include <string>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "common/io.h"
#include "common/status.h"

namespace salesteam::store {
namespace {

// pg_advisory_xact_lock key of the migration runner (ASCII "SalesMig").
constexpr int64_t kMigrationLock = 0x53616c65734d6967;

constexpr absl::string_view kCreateTable =
    "CREATE TABLE IF NOT EXISTS schema_migrations ("
    " service TEXT NOT NULL,"
    " version BIGINT NOT NULL,"
    " name TEXT NOT NULL,"
    " applied_at TEXT NOT NULL,"
    " PRIMARY KEY (service, version))";

// Serialises migration runners for the rest of the transaction. SQLite needs
// nothing: its write transactions already run one at a time.
absl::Status LockMigrations(Transaction& tx) {
  if (tx.dialect() != Dialect::kPostgres) return absl::OkStatus();
  return tx.Query("SELECT pg_advisory_xact_lock($1)", {kMigrationLock}).status();
}

// Fills `applied` with the versions recorded for the set's service, after
// checking that each is one this binary knows under the same name.
absl::Status CheckApplied(Transaction& tx, const MigrationSet& set,
                          absl::flat_hash_map<int64_t, std::string>* applied) {
  ASSIGN_OR_RETURN(
      ResultSet rows,
      tx.Query("SELECT version, name FROM schema_migrations WHERE service = $1 ORDER BY version",
               {set.service}));
  const int64_t newest_known = set.migrations.empty() ? 0 : set.migrations.back().version;
  absl::flat_hash_map<int64_t, absl::string_view> known;
  for (const Migration& m : set.migrations) known[m.version] = m.name;
  for (Row row : rows) {
    ASSIGN_OR_RETURN(int64_t version, row.Int64(0));
    ASSIGN_OR_RETURN(std::string name, row.Text(1));
    if (version > newest_known) {
      return absl::FailedPreconditionError(
          absl::StrCat("the ", set.service, " database schema is at version ", version,
                       ", newer than the newest migration this binary knows (", newest_known,
                       "): refusing to start; run a newer binary"));
    }
    auto it = known.find(version);
    if (it == known.end() || it->second != name) {
      return absl::FailedPreconditionError(absl::StrCat(
          "the ", set.service, " database recorded migration ", version, " (", name,
          ") but this binary has ",
          it == known.end() ? std::string("no such migration") : std::string(it->second),
          ": refusing to start"));
    }
    (*applied)[version] = std::move(name);
  }
  return absl::OkStatus();
}

}  // namespace

absl::Status ApplyMigrations(Database& db, const MigrationSet& set) {
  int64_t previous = 0;
  for (const Migration& m : set.migrations) {
    if (m.version <= previous) {
      return absl::InternalError(
          absl::StrCat(set.service, " migrations out of order at version ", m.version));
    }
    previous = m.version;
  }
  RETURN_IF_ERROR(db.Transact([&](Transaction& tx) -> absl::Status {
    RETURN_IF_ERROR(LockMigrations(tx));
    RETURN_IF_ERROR(tx.ExecuteScript(kCreateTable));
    absl::flat_hash_map<int64_t, std::string> applied;
    return CheckApplied(tx, set, &applied);
  }));
  for (const Migration& m : set.migrations) {
    absl::Status status = db.Transact([&](Transaction& tx) -> absl::Status {
      RETURN_IF_ERROR(LockMigrations(tx));
      absl::flat_hash_map<int64_t, std::string> applied;
      RETURN_IF_ERROR(CheckApplied(tx, set, &applied));
      if (applied.contains(m.version)) return absl::OkStatus();  // another starter did it
      RETURN_IF_ERROR(tx.ExecuteScript(m.sql));
      const std::string now = FormatUtcMicros(absl::Now());
      return tx
          .Execute(
              "INSERT INTO schema_migrations (service, version, name, applied_at) "
              "VALUES ($1, $2, $3, $4)",
              {set.service, m.version, m.name, now})
          .status();
    });
    if (!status.ok()) {
      return absl::Status(status.code(), absl::StrCat(set.service, " migration ", m.version, " (",
                                                      m.name, ") failed: ", status.message()));
    }
  }
  return absl::OkStatus();
}

absl::StatusOr<int64_t> SchemaVersion(Database& db, absl::string_view service) {
  int64_t version = 0;
  RETURN_IF_ERROR(db.Transact([&](Transaction& tx) -> absl::Status {
    RETURN_IF_ERROR(LockMigrations(tx));
    RETURN_IF_ERROR(tx.ExecuteScript(kCreateTable));
    ASSIGN_OR_RETURN(
        ResultSet rows,
        tx.Query("SELECT MAX(version) FROM schema_migrations WHERE service = $1", {service}));
    ASSIGN_OR_RETURN(std::optional<int64_t> newest, rows.front().OptionalInt64(0));
    version = newest.value_or(0);
    return absl::OkStatus();
  }));
  return version;
}

}  // namespace salesteam::store
