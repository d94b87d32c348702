#include "common/store/fault_injecting_database.h"

#include "common/status.h"
#include "common/store/internal/sql.h"

namespace salesteam::store {

// Forwards to the real transaction unless a fault is due; remembers the first
// failure so that the transaction is rolled back like a real failed one.
class FaultInjectingDatabase::FaultyTransaction final : public Transaction {
 public:
  FaultyTransaction(FaultInjectingDatabase* db, Transaction* real) : db_(db), real_(real) {}

  Dialect dialect() const override { return real_->dialect(); }
  const absl::Status& failure() const { return failure_; }

 protected:
  absl::StatusOr<ResultSet> DoQuery(absl::string_view sql,
                                    absl::Span<const Param> params) override {
    RETURN_IF_ERROR(Next());
    return Track(real_->Query(sql, params));
  }
  absl::StatusOr<int64_t> DoExecute(absl::string_view sql,
                                    absl::Span<const Param> params) override {
    RETURN_IF_ERROR(Next());
    return Track(real_->Execute(sql, params));
  }
  absl::StatusOr<int64_t> DoInsertRows(absl::string_view insert_head, int columns_per_row,
                                       absl::Span<const Param> values,
                                       absl::string_view tail) override {
    RETURN_IF_ERROR(Next());
    return Track(real_->InsertRows(insert_head, columns_per_row, values, tail));
  }
  absl::Status DoExecuteScript(absl::string_view sql) override {
    RETURN_IF_ERROR(Next());
    return Track(real_->ExecuteScript(sql));
  }

 private:
  absl::Status Next() {
    if (!failure_.ok()) return failure_;
    absl::Status fault = db_->NextStatement();
    if (!fault.ok()) failure_ = fault;
    return fault;
  }

  template <typename T>
  T Track(T result) {
    if (!result.ok() && failure_.ok()) failure_ = GetStatus(result);
    return result;
  }
  static const absl::Status& GetStatus(const absl::Status& s) { return s; }
  template <typename V>
  static const absl::Status& GetStatus(const absl::StatusOr<V>& s) {
    return s.status();
  }

  FaultInjectingDatabase* db_;
  Transaction* real_;
  absl::Status failure_;
};

void FaultInjectingDatabase::FailNextStatements(absl::Status status, int count) {
  absl::MutexLock lock(&mu_);
  statement_fault_ = std::move(status);
  statement_faults_ = count;
}

void FaultInjectingDatabase::FailNextCommits(absl::Status status, int count) {
  absl::MutexLock lock(&mu_);
  commit_fault_ = std::move(status);
  commit_faults_ = count;
}

int64_t FaultInjectingDatabase::statements_run() const {
  absl::MutexLock lock(&mu_);
  return statements_run_;
}

absl::Status FaultInjectingDatabase::NextStatement() {
  absl::MutexLock lock(&mu_);
  if (statement_faults_ > 0) {
    --statement_faults_;
    return statement_fault_;
  }
  ++statements_run_;
  return absl::OkStatus();
}

absl::Status FaultInjectingDatabase::NextCommit() {
  absl::MutexLock lock(&mu_);
  if (commit_faults_ > 0) {
    --commit_faults_;
    return commit_fault_;
  }
  return absl::OkStatus();
}

absl::StatusOr<ResultSet> FaultInjectingDatabase::DoQuery(absl::string_view sql,
                                                          absl::Span<const Param> params) {
  RETURN_IF_ERROR(NextStatement());
  return real_->Query(sql, params);
}

absl::StatusOr<int64_t> FaultInjectingDatabase::DoExecute(absl::string_view sql,
                                                          absl::Span<const Param> params) {
  RETURN_IF_ERROR(NextStatement());
  return real_->Execute(sql, params);
}

absl::Status FaultInjectingDatabase::DoTransact(const TransactionFunction& fn,
                                                const TransactOptions& options) {
  // Retries follow the real drivers' rule: again only when the database
  // (here: an injected fault) answered ABORTED.
  return internal::RunTransaction(this, options, [&](bool* conflict) {
    TransactOptions once = options;
    once.max_attempts = 1;
    absl::Status status = real_->Transact(
        [&](Transaction& real_tx) {
          FaultyTransaction tx(this, &real_tx);
          absl::Status s = fn(tx);
          if (s.ok()) s = tx.failure();
          if (s.ok()) s = NextCommit();
          *conflict = s.code() == absl::StatusCode::kAborted;
          return s;
        },
        once);
    return status;
  });
}

}  // namespace salesteam::store
