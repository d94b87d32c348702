// The command-line flags that say which database a service stores its data in,
// defined once here so that every service spells them the same way (and gets
// the matching SALESTEAM_* environment overrides from ParseFlagsWithEnv):
//   --database_url              see database.h; empty: the service's own SQLite
//                               file, sqlite://var/data/<service>.db relative
//                               to the working folder (created if missing)
//   --sqlite_synchronous        full | normal      (full: survives power loss)
//   --sqlite_busy_timeout       wait for another writer   (5s)
//   --sqlite_readers            reader connections         (4)
//   --postgres_pool_size        most connections open      (8)
//   --postgres_acquire_timeout  wait for a free connection (10s)
//   --postgres_connect_timeout  per new connection         (5s)
// Each service has its own database, so the default names the service; in
// production SALESTEAM_DATABASE_URL points each service's pods at its own
// PostgreSQL database. A binary that calls OpenDatabaseFromFlags links these
// flags in:
//
//   ASSIGN_OR_RETURN(std::unique_ptr<store::Database> db,
//                    store::OpenDatabaseFromFlags("roster", &migrations::roster()));
#ifndef SALESTEAM_COMMON_STORE_DATABASE_FLAGS_H_
#define SALESTEAM_COMMON_STORE_DATABASE_FLAGS_H_

#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "common/store/database.h"
#include "common/store/migrations.h"

namespace salesteam::store {

// The URL the flags name for `service_name`: --database_url, or the default
// sqlite://var/data/<service_name>.db when it is empty.
std::string DatabaseUrlFromFlags(absl::string_view service_name);

// DatabaseOptions from the flags above (after ParseFlagsWithEnv).
// INVALID_ARGUMENT naming the flag when a value is out of range.
absl::StatusOr<DatabaseOptions> DatabaseOptionsFromFlags();

// Opens the service's database as the flags say (creating var/data for the
// default SQLite file) and, when `migrations` is given, brings its schema up
// to date (ApplyMigrations). `service_name` is lower-case letters, digits,
// '_' and '-' (it names a file). Errors keep the code of the failed step;
// their messages never echo the URL, which may hold a password.
absl::StatusOr<std::unique_ptr<Database>> OpenDatabaseFromFlags(
    absl::string_view service_name, const MigrationSet* migrations = nullptr);

// --sqlite_synchronous reads and writes "full" and "normal".
bool AbslParseFlag(absl::string_view text, SqliteSynchronous* value, std::string* error);
std::string AbslUnparseFlag(SqliteSynchronous value);

}  // namespace salesteam::store

#endif  // SALESTEAM_COMMON_STORE_DATABASE_FLAGS_H_
