#include "common/store/database.h"

#include <string>

#include "absl/strings/match.h"
#include "absl/strings/strip.h"
#include "common/store/postgres_database.h"
#include "common/store/sqlite_database.h"

namespace salesteam::store {

absl::string_view DialectName(Dialect dialect) {
  return dialect == Dialect::kPostgres ? "postgres" : "sqlite";
}

absl::StatusOr<std::unique_ptr<Database>> OpenDatabase(absl::string_view url,
                                                       const DatabaseOptions& options) {
  if (url == "sqlite::memory:") return OpenSqliteDatabase(":memory:", options);
  if (absl::ConsumePrefix(&url, "sqlite://")) {
    if (url.empty()) return absl::InvalidArgumentError("database URL names no SQLite file");
    return OpenSqliteDatabase(std::string(url), options);
  }
  if (absl::StartsWith(url, "postgresql://") || absl::StartsWith(url, "postgres://") ||
      absl::StrContains(url, '=')) {
    return OpenPostgresDatabase(std::string(url), options);
  }
  // The URL itself is not echoed: it may hold a password.
  return absl::InvalidArgumentError(
      "database URL must start with sqlite:// or postgresql://, or be a libpq conninfo string");
}

}  // namespace salesteam::store
