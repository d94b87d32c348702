#include "common/store/database_flags.h"

#include <filesystem>
#include <system_error>

#include "absl/flags/flag.h"
#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "common/status.h"

ABSL_FLAG(std::string, database_url, "",
          "database of this service: sqlite://path, postgresql://... or a libpq conninfo; "
          "empty: sqlite://var/data/<service>.db under the working folder");
ABSL_FLAG(salesteam::store::SqliteSynchronous, sqlite_synchronous,
          salesteam::store::DatabaseOptions().sqlite_synchronous,
          "SQLite durability: full (acknowledged commits survive power loss) or normal "
          "(survive a process crash only; faster)");
ABSL_FLAG(absl::Duration, sqlite_busy_timeout,
          salesteam::store::DatabaseOptions().sqlite_busy_timeout,
          "how long a SQLite writer waits for another process's write lock");
ABSL_FLAG(int, sqlite_readers, salesteam::store::DatabaseOptions().sqlite_readers,
          "SQLite reader connections beside the one writer");
ABSL_FLAG(int, sqlite_writer_cache_mib, salesteam::store::DatabaseOptions().sqlite_writer_cache_mib,
          "page cache of the SQLite writer connection, in MiB");
ABSL_FLAG(int, sqlite_wal_autocheckpoint_pages,
          salesteam::store::DatabaseOptions().sqlite_wal_autocheckpoint_pages,
          "SQLite: copy the WAL back into the database file once it holds this many pages");
ABSL_FLAG(int, postgres_pool_size, salesteam::store::DatabaseOptions().postgres_pool_size,
          "most PostgreSQL connections open at once");
ABSL_FLAG(absl::Duration, postgres_acquire_timeout,
          salesteam::store::DatabaseOptions().postgres_acquire_timeout,
          "how long a call waits for a free PostgreSQL connection");
ABSL_FLAG(absl::Duration, postgres_connect_timeout,
          salesteam::store::DatabaseOptions().postgres_connect_timeout,
          "connect timeout of each new PostgreSQL connection");

namespace salesteam::store {
namespace {

// The service name becomes a file name: nothing that could leave var/data.
absl::Status CheckServiceName(absl::string_view name) {
  bool ok = !name.empty();
  for (char c : name) {
    ok = ok && (absl::ascii_islower(c) || absl::ascii_isdigit(c) || c == '_' || c == '-');
  }
  if (ok) return absl::OkStatus();
  return absl::InvalidArgumentError(absl::StrCat(
      "service name ", QuoteInput(name), " must be lower-case letters, digits, '_' or '-'"));
}

absl::Status Positive(absl::string_view flag, absl::Duration value) {
  if (value > absl::ZeroDuration()) return absl::OkStatus();
  return absl::InvalidArgumentError(
      absl::StrCat("--", flag, " must be positive, not ", absl::FormatDuration(value)));
}

}  // namespace

bool AbslParseFlag(absl::string_view text, SqliteSynchronous* value, std::string* error) {
  if (text == "full") {
    *value = SqliteSynchronous::kFull;
    return true;
  }
  if (text == "normal") {
    *value = SqliteSynchronous::kNormal;
    return true;
  }
  *error = "must be full or normal";
  return false;
}

std::string AbslUnparseFlag(SqliteSynchronous value) {
  return value == SqliteSynchronous::kFull ? "full" : "normal";
}

std::string DatabaseUrlFromFlags(absl::string_view service_name) {
  std::string url = absl::GetFlag(FLAGS_database_url);
  if (url.empty()) url = absl::StrCat("sqlite://var/data/", service_name, ".db");
  return url;
}

absl::StatusOr<DatabaseOptions> DatabaseOptionsFromFlags() {
  DatabaseOptions options;
  options.sqlite_synchronous = absl::GetFlag(FLAGS_sqlite_synchronous);
  options.sqlite_busy_timeout = absl::GetFlag(FLAGS_sqlite_busy_timeout);
  options.sqlite_readers = absl::GetFlag(FLAGS_sqlite_readers);
  options.sqlite_writer_cache_mib = absl::GetFlag(FLAGS_sqlite_writer_cache_mib);
  options.sqlite_wal_autocheckpoint_pages = absl::GetFlag(FLAGS_sqlite_wal_autocheckpoint_pages);
  options.postgres_pool_size = absl::GetFlag(FLAGS_postgres_pool_size);
  options.postgres_acquire_timeout = absl::GetFlag(FLAGS_postgres_acquire_timeout);
  options.postgres_connect_timeout = absl::GetFlag(FLAGS_postgres_connect_timeout);
  // A zero busy timeout is valid SQLite (fail at once) but never what a
  // service sharing its file with a migration run wants.
  RETURN_IF_ERROR(Positive("sqlite_busy_timeout", options.sqlite_busy_timeout));
  RETURN_IF_ERROR(Positive("postgres_acquire_timeout", options.postgres_acquire_timeout));
  RETURN_IF_ERROR(Positive("postgres_connect_timeout", options.postgres_connect_timeout));
  if (options.sqlite_readers < 0) {
    return absl::InvalidArgumentError(
        absl::StrCat("--sqlite_readers must be 0 or more, not ", options.sqlite_readers));
  }
  if (options.sqlite_writer_cache_mib < 1) {
    return absl::InvalidArgumentError(absl::StrCat(
        "--sqlite_writer_cache_mib must be 1 or more, not ", options.sqlite_writer_cache_mib));
  }
  if (options.sqlite_wal_autocheckpoint_pages < 1) {
    return absl::InvalidArgumentError(
        absl::StrCat("--sqlite_wal_autocheckpoint_pages must be 1 or more, not ",
                     options.sqlite_wal_autocheckpoint_pages));
  }
  if (options.postgres_pool_size < 1) {
    return absl::InvalidArgumentError(
        absl::StrCat("--postgres_pool_size must be 1 or more, not ", options.postgres_pool_size));
  }
  return options;
}

absl::StatusOr<std::unique_ptr<Database>> OpenDatabaseFromFlags(absl::string_view service_name,
                                                                const MigrationSet* migrations) {
  RETURN_IF_ERROR(CheckServiceName(service_name));
  ASSIGN_OR_RETURN(DatabaseOptions options, DatabaseOptionsFromFlags());
  if (absl::GetFlag(FLAGS_database_url).empty()) {
    // The one-machine default: the service's file in the working folder's
    // var/data, which a fresh checkout does not have yet.
    std::error_code error;
    std::filesystem::create_directories("var/data", error);
    if (error) {
      return absl::FailedPreconditionError(absl::StrCat(
          "cannot create var/data for the ", service_name, " database: ", error.message()));
    }
  }
  absl::StatusOr<std::unique_ptr<Database>> db =
      OpenDatabase(DatabaseUrlFromFlags(service_name), options);
  if (!db.ok()) {
    return absl::Status(db.status().code(), absl::StrCat("opening the ", service_name,
                                                         " database: ", db.status().message()));
  }
  if (migrations != nullptr) RETURN_IF_ERROR(ApplyMigrations(**db, *migrations));
  return db;
}

}  // namespace salesteam::store
