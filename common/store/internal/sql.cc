#include "common/store/internal/sql.h"

#include <algorithm>
#include <thread>

#include "absl/random/random.h"
#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"

namespace salesteam::store::internal {
namespace {

// The database the calling thread is inside of. One is enough: a thread that
// uses two databases at once uses them one inside the other.
thread_local const void* active_database = nullptr;

}  // namespace

std::string RewriteNumberedParams(absl::string_view sql) {
  std::string out;
  out.reserve(sql.size());
  size_t i = 0;
  const size_t n = sql.size();
  while (i < n) {
    const char c = sql[i];
    if (c == '\'' || c == '"') {
      // A literal or quoted identifier; a doubled quote inside it is escaped.
      size_t j = i + 1;
      while (j < n) {
        if (sql[j] == c) {
          if (j + 1 < n && sql[j + 1] == c) {
            j += 2;
            continue;
          }
          break;
        }
        ++j;
      }
      j = std::min(j + 1, n);
      out.append(sql.data() + i, j - i);
      i = j;
    } else if (c == '-' && i + 1 < n && sql[i + 1] == '-') {
      size_t j = sql.find('\n', i);
      j = j == absl::string_view::npos ? n : j;
      out.append(sql.data() + i, j - i);
      i = j;
    } else if (c == '/' && i + 1 < n && sql[i + 1] == '*') {
      size_t j = sql.find("*/", i + 2);
      j = j == absl::string_view::npos ? n : j + 2;
      out.append(sql.data() + i, j - i);
      i = j;
    } else if (c == '$' && i + 1 < n && absl::ascii_isdigit(sql[i + 1]) &&
               (i == 0 || !(absl::ascii_isalnum(sql[i - 1]) || sql[i - 1] == '_'))) {
      // A parameter, not a '$' inside an identifier such as a$1.
      out.push_back('?');
      ++i;
    } else {
      out.push_back(c);
      ++i;
    }
  }
  return out;
}

void AppendValuesRows(std::string* out, Dialect dialect, int columns, int rows) {
  const char mark = dialect == Dialect::kPostgres ? '$' : '?';
  int param = 1;
  for (int r = 0; r < rows; ++r) {
    out->append(r == 0 ? "(" : ", (");
    for (int c = 0; c < columns; ++c) {
      if (c > 0) out->append(", ");
      out->push_back(mark);
      absl::StrAppend(out, param++);
    }
    out->push_back(')');
  }
}

ScopedDatabaseUse::ScopedDatabaseUse(const void* database) : previous_(active_database) {
  active_database = database;
}

ScopedDatabaseUse::~ScopedDatabaseUse() { active_database = previous_; }

bool ScopedDatabaseUse::Busy(const void* database) { return active_database == database; }

absl::Status ScopedDatabaseUse::NestedUseError() {
  return absl::InternalError(
      "database used from inside one of its own transactions: use the Transaction");
}

absl::Status RunTransaction(const void* database, const TransactOptions& options,
                            absl::FunctionRef<absl::Status(bool* database_conflict)> attempt) {
  if (ScopedDatabaseUse::Busy(database)) return ScopedDatabaseUse::NestedUseError();
  ScopedDatabaseUse use(database);
  const int attempts = std::max(1, options.max_attempts);
  absl::Status status;
  for (int i = 1;; ++i) {
    bool conflict = false;
    status = attempt(&conflict);
    if (status.ok() || !conflict || i >= attempts) return status;
    // Two transactions that just collided would collide again if both
    // retried at once; a random pause that grows per attempt spreads them.
    thread_local absl::BitGen gen;
    absl::SleepFor(absl::Microseconds(absl::Uniform(gen, 0, 2000 * i)));
  }
}

}  // namespace salesteam::store::internal
