// The migration runner: each service keeps numbered SQL files
// (services/<svc>/migrations/0001_create_teams.sql, 0002_..., ...), which the
// CMake function salesteam_migrations(<target> <service> <dir>) (see
// common/store/CMakeLists.txt) embeds into the binary as a MigrationSet:
//
//   #include "roster_migrations.h"   // generated
//   RETURN_IF_ERROR(store::ApplyMigrations(*db, salesteam::migrations::roster()));
//
// At start, ApplyMigrations applies every file the database has not seen, in
// order, each in its own transaction together with its row in
// schema_migrations (service, version, name, applied_at), so a migration is
// either wholly applied and recorded or not at all; running it again is a
// no-op. schema_migrations is keyed by service because several services may
// share one PostgreSQL database. A database whose schema is newer than the
// newest file this binary knows (an older binary started after an upgrade) is
// refused with FAILED_PRECONDITION naming both versions, as is one whose
// recorded migration names differ from the binary's. Concurrent starters (two
// replicas) take turns: on PostgreSQL through an advisory lock, on SQLite
// through its single writer.
//
// Migration files hold plain SQL statements separated by ';', without
// BEGIN/COMMIT, written in the subset described in database.h.
#ifndef SALESTEAM_COMMON_STORE_MIGRATIONS_H_
#define SALESTEAM_COMMON_STORE_MIGRATIONS_H_

#include <cstdint>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/types/span.h"
#include "common/store/database.h"

namespace salesteam::store {

struct Migration {
  int64_t version;         // from the file name's number, > 0
  absl::string_view name;  // the file name without number and ".sql"
  absl::string_view sql;   // the file's contents
};

struct MigrationSet {
  absl::string_view service;
  absl::Span<const Migration> migrations;  // ascending versions
};

// Brings the service's schema up to the newest migration (see above).
absl::Status ApplyMigrations(Database& db, const MigrationSet& set);

// The newest migration version recorded for `service`; 0 when none.
absl::StatusOr<int64_t> SchemaVersion(Database& db, absl::string_view service);

}  // namespace salesteam::store

#endif  // SALESTEAM_COMMON_STORE_MIGRATIONS_H_
