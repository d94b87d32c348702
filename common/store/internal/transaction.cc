#include "common/store/internal/transaction.h"

#include "absl/strings/str_cat.h"

namespace salesteam::store::internal {

absl::StatusOr<ResultSet> TransactionBase::DoQuery(absl::string_view sql,
                                                   absl::Span<const Param> params) {
  if (absl::Status s = CheckUsable(); !s.ok()) return s;
  absl::StatusOr<ResultSet> result = RunQuery(sql, params);
  Record(result.status());
  return result;
}

absl::StatusOr<int64_t> TransactionBase::DoExecute(absl::string_view sql,
                                                   absl::Span<const Param> params) {
  if (absl::Status s = CheckUsable(); !s.ok()) return s;
  absl::StatusOr<int64_t> changed = RunExecute(sql, params);
  Record(changed.status());
  return changed;
}

absl::StatusOr<int64_t> TransactionBase::DoInsertRows(absl::string_view insert_head,
                                                      int columns_per_row,
                                                      absl::Span<const Param> values,
                                                      absl::string_view tail) {
  if (absl::Status s = CheckUsable(); !s.ok()) return s;
  if (columns_per_row <= 0 || values.size() % columns_per_row != 0) {
    return Record(absl::InternalError(absl::StrCat(
        "InsertRows: ", values.size(), " values do not fill rows of ", columns_per_row)));
  }
  if (values.empty()) return 0;
  absl::StatusOr<int64_t> changed = RunInsertRows(insert_head, columns_per_row, values, tail);
  Record(changed.status());
  return changed;
}

absl::Status TransactionBase::DoExecuteScript(absl::string_view sql) {
  if (absl::Status s = CheckUsable(); !s.ok()) return s;
  return Record(RunExecuteScript(sql));
}

absl::Status TransactionBase::CheckUsable() const {
  if (failure_.ok()) return absl::OkStatus();
  return absl::Status(failure_.code(),
                      absl::StrCat("transaction already failed: ", failure_.message()));
}

const absl::Status& TransactionBase::Record(const absl::Status& status) {
  if (!status.ok() && failure_.ok()) failure_ = status;
  return status;
}

absl::Status RunAttempt(TransactionBase& tx, const TransactionFunction& fn,
                        absl::FunctionRef<absl::Status()> commit, bool* database_conflict) {
  absl::Status status = fn(tx);
  if (!status.ok()) {
    // The function's own ABORTED (a stale version it detected) is its answer,
    // not a conflict: only one that came from a failed statement is retried.
    *database_conflict = tx.failure().code() == absl::StatusCode::kAborted &&
                         status.code() == absl::StatusCode::kAborted;
    return status;
  }
  if (!tx.failure().ok()) {
    // The function swallowed a failed statement; the transaction still fails.
    *database_conflict = tx.failure().code() == absl::StatusCode::kAborted;
    return tx.failure();
  }
  status = commit();
  *database_conflict = status.code() == absl::StatusCode::kAborted;
  return status;
}

}  // namespace salesteam::store::internal
