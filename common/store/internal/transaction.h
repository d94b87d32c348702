// The transaction bookkeeping every Transaction implementation shares (the
// SQLite and PostgreSQL drivers and the fault-injecting test double), written
// once so that they cannot drift apart:
//   - TransactionBase: the first failed statement fails the whole
//     transaction; every later statement is refused with that error, and
//     failure() reports it so that the attempt is rolled back even when the
//     function swallowed the error and returned OK.
//   - RunAttempt: one attempt's outcome and the retry rule of database.h: the
//     attempt counts as a database conflict (retry the function) only when the
//     database itself answered ABORTED, never when the function returned an
//     ABORTED of its own (e.g. a stale version).
#ifndef SALESTEAM_COMMON_STORE_INTERNAL_TRANSACTION_H_
#define SALESTEAM_COMMON_STORE_INTERNAL_TRANSACTION_H_

#include <cstdint>

#include "absl/functional/function_ref.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/types/span.h"
#include "common/store/database.h"
#include "common/store/types.h"

namespace salesteam::store::internal {

// A Transaction that records its first failure. Drivers implement the Run*
// methods, which only ever see a transaction that has not failed yet and, for
// RunInsertRows, whole non-empty rows.
class TransactionBase : public Transaction {
 public:
  // The first statement error, which fails the whole transaction; OK if none.
  const absl::Status& failure() const { return failure_; }

 protected:
  virtual absl::StatusOr<ResultSet> RunQuery(absl::string_view sql,
                                             absl::Span<const Param> params) = 0;
  virtual absl::StatusOr<int64_t> RunExecute(absl::string_view sql,
                                             absl::Span<const Param> params) = 0;
  virtual absl::StatusOr<int64_t> RunInsertRows(absl::string_view insert_head, int columns_per_row,
                                                absl::Span<const Param> values,
                                                absl::string_view tail) = 0;
  virtual absl::Status RunExecuteScript(absl::string_view sql) = 0;

 private:
  absl::StatusOr<ResultSet> DoQuery(absl::string_view sql, absl::Span<const Param> params) final;
  absl::StatusOr<int64_t> DoExecute(absl::string_view sql, absl::Span<const Param> params) final;
  absl::StatusOr<int64_t> DoInsertRows(absl::string_view insert_head, int columns_per_row,
                                       absl::Span<const Param> values,
                                       absl::string_view tail) final;
  absl::Status DoExecuteScript(absl::string_view sql) final;

  // The error for a statement issued after the transaction failed.
  absl::Status CheckUsable() const;
  // Remembers `status` when it is the first failure; returns it unchanged.
  const absl::Status& Record(const absl::Status& status);

  absl::Status failure_;
};

// Runs `fn` on `tx` and, when both it and every statement succeeded, `commit`.
// Returns the attempt's result: the function's error, else the first failed
// statement's, else the commit's. Sets *database_conflict when that result is
// an ABORTED the database answered (a failed statement or the commit), which
// RunTransaction (sql.h) retries. The caller rolls back whatever is still open.
absl::Status RunAttempt(TransactionBase& tx, const TransactionFunction& fn,
                        absl::FunctionRef<absl::Status()> commit, bool* database_conflict);

}  // namespace salesteam::store::internal

#endif  // SALESTEAM_COMMON_STORE_INTERNAL_TRANSACTION_H_
