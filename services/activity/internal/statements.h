// Statement building blocks of the activity store and its idempotency
// indexes: parameter and VALUES lists, the sizes a long list is cut into (so
// that a connection prepares only a handful of statement texts per kind,
// whatever the batch sizes), and "insert these rows unless present, and tell
// which were new", the one statement whose best form differs between SQLite
// and PostgreSQL (a candidate for common/store).
#ifndef SALESTEAM_SERVICES_ACTIVITY_INTERNAL_STATEMENTS_H_
#define SALESTEAM_SERVICES_ACTIVITY_INTERNAL_STATEMENTS_H_

#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "absl/types/span.h"
#include "common/status.h"
#include "common/store/database.h"

namespace salesteam::activity::internal {

// The size of the next statement for `remaining` rows: the largest of 256,
// 64, 16, 4 and 1 that fits.
int ChunkAt(int remaining);

// "($1, $2), ($3, $4)" for `rows` rows of `columns` parameters.
std::string ValuesList(int rows, int columns);

// "$1, $2, ..., $n".
std::string ParamList(int n);

// Inserts rows with `conflict` = "ON CONFLICT (...) DO NOTHING" and tells
// which were inserted. On SQLite each row is one reused statement whose change
// count answers; on PostgreSQL rows go in multi-row statements whose
// RETURNING `returning` columns are matched back to the rows by `row_key`
// (built from the returned row) and `input_key` (built from row index).
template <typename RowKey, typename InputKey>
absl::StatusOr<std::vector<bool>> InsertNew(store::Transaction& tx, absl::string_view head,
                                            int columns, absl::Span<const store::Param> values,
                                            absl::string_view conflict, absl::string_view returning,
                                            RowKey row_key, InputKey input_key) {
  const int rows = static_cast<int>(values.size()) / columns;
  std::vector<bool> inserted(rows, false);
  if (tx.dialect() == store::Dialect::kSqlite) {
    const std::string sql = absl::StrCat(head, " VALUES ", ValuesList(1, columns), " ", conflict);
    for (int r = 0; r < rows; ++r) {
      ASSIGN_OR_RETURN(int64_t changed, tx.Execute(sql, values.subspan(r * columns, columns)));
      inserted[r] = changed > 0;
    }
    return inserted;
  }
  for (int start = 0; start < rows;) {
    const int n = ChunkAt(rows - start);
    const std::string sql = absl::StrCat(head, " VALUES ", ValuesList(n, columns), " ", conflict,
                                         " RETURNING ", returning);
    ASSIGN_OR_RETURN(store::ResultSet result,
                     tx.Query(sql, values.subspan(start * columns, n * columns)));
    absl::flat_hash_map<std::string, int> index;
    for (int r = start; r < start + n; ++r) index.emplace(input_key(r), r);
    for (store::Row row : result) {
      ASSIGN_OR_RETURN(std::string key, row_key(row));
      auto it = index.find(key);
      if (it != index.end()) inserted[it->second] = true;
    }
    start += n;
  }
  return inserted;
}

}  // namespace salesteam::activity::internal

#endif  // SALESTEAM_SERVICES_ACTIVITY_INTERNAL_STATEMENTS_H_
