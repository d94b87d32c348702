// SQL text helpers shared by the drivers: rewriting numbered parameters for
// SQLite, building multi-row VALUES lists, and the transaction retry loop that
// both drivers run their Transact through.
#ifndef SALESTEAM_COMMON_STORE_INTERNAL_SQL_H_
#define SALESTEAM_COMMON_STORE_INTERNAL_SQL_H_

#include <string>

#include "absl/functional/function_ref.h"
#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "common/store/database.h"

namespace salesteam::store::internal {

// Rewrites $1, $2, ... into SQLite's ?1, ?2, ..., leaving string literals,
// quoted identifiers and comments alone.
std::string RewriteNumberedParams(absl::string_view sql);

// Appends "(p1, p2), (p3, p4), ..." for `rows` rows of `columns` parameters,
// numbered from 1: "$n" for PostgreSQL, "?n" for SQLite.
void AppendValuesRows(std::string* out, Dialect dialect, int columns, int rows);

// Runs one attempt of a transaction up to options.max_attempts times while the
// attempt sets *database_conflict (the database answered ABORTED), with a short
// randomised pause between attempts. Also refuses to start when the calling
// thread is already inside a transaction, call or query of `database`
// (which would deadlock on SQLite's writer or exhaust a connection pool).
absl::Status RunTransaction(const void* database, const TransactOptions& options,
                            absl::FunctionRef<absl::Status(bool* database_conflict)> attempt);

// Marks the calling thread as using `database` while alive; Busy() says
// whether it is (see RunTransaction).
class ScopedDatabaseUse {
 public:
  explicit ScopedDatabaseUse(const void* database);
  ScopedDatabaseUse(const ScopedDatabaseUse&) = delete;
  ScopedDatabaseUse& operator=(const ScopedDatabaseUse&) = delete;
  ~ScopedDatabaseUse();

  static bool Busy(const void* database);
  static absl::Status NestedUseError();

 private:
  const void* previous_;
};

}  // namespace salesteam::store::internal

#endif  // SALESTEAM_COMMON_STORE_INTERNAL_SQL_H_
