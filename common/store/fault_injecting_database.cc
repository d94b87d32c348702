#include "common/store/fault_injecting_database.h"

#include "common/status.h"
#include "common/store/internal/sql.h"
#include "common/store/internal/transaction.h"

namespace salesteam::store {

// Forwards to the real transaction unless a fault is due. TransactionBase
// remembers the first failure, injected or real, so that the transaction is
// rolled back like a real failed one.
class FaultInjectingDatabase::FaultyTransaction final : public internal::TransactionBase {
 public:
  FaultyTransaction(FaultInjectingDatabase* db, Transaction* real) : db_(db), real_(real) {}

  Dialect dialect() const override { return real_->dialect(); }

 protected:
  absl::StatusOr<ResultSet> RunQuery(absl::string_view sql,
                                     absl::Span<const Param> params) override {
    RETURN_IF_ERROR(db_->NextStatement());
    return real_->Query(sql, params);
  }
  absl::StatusOr<int64_t> RunExecute(absl::string_view sql,
                                     absl::Span<const Param> params) override {
    RETURN_IF_ERROR(db_->NextStatement());
    return real_->Execute(sql, params);
  }
  absl::StatusOr<int64_t> RunInsertRows(absl::string_view insert_head, int columns_per_row,
                                        absl::Span<const Param> values,
                                        absl::string_view tail) override {
    RETURN_IF_ERROR(db_->NextStatement());
    return real_->InsertRows(insert_head, columns_per_row, values, tail);
  }
  absl::Status RunExecuteScript(absl::string_view sql) override {
    RETURN_IF_ERROR(db_->NextStatement());
    return real_->ExecuteScript(sql);
  }

 private:
  FaultInjectingDatabase* db_;
  Transaction* real_;
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

void FaultInjectingDatabase::LoseNextCommitReplies(absl::Status status, int count) {
  absl::MutexLock lock(&mu_);
  reply_fault_ = std::move(status);
  reply_faults_ = count;
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

namespace {

// The armed fault, counted down, or OK once `remaining` has run out.
absl::Status TakeFault(const absl::Status& fault, int& remaining) {
  if (remaining <= 0) return absl::OkStatus();
  --remaining;
  return fault;
}

}  // namespace

absl::Status FaultInjectingDatabase::NextCommit() {
  absl::MutexLock lock(&mu_);
  return TakeFault(commit_fault_, commit_faults_);
}

absl::Status FaultInjectingDatabase::NextCommitReply() {
  absl::MutexLock lock(&mu_);
  return TakeFault(reply_fault_, reply_faults_);
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
  // Each attempt is one real transaction without retries of its own; the
  // retry decision is made here, by the drivers' rule (RunAttempt), so that an
  // ABORTED the function returns by itself is not retried.
  RETURN_IF_ERROR(internal::RunTransaction(this, options, [&](bool* conflict) {
    TransactOptions once = options;
    once.max_attempts = 1;
    bool function_ran = false;
    absl::Status attempt;
    absl::Status status = real_->Transact(
        [&](Transaction& real_tx) {
          FaultyTransaction tx(this, &real_tx);
          function_ran = true;
          attempt = internal::RunAttempt(
              tx, fn, [this] { return NextCommit(); }, conflict);
          return attempt;
        },
        once);
    // Past a successful attempt (or before it, at BEGIN) only the real
    // database spoke: its ABORTED is a conflict, as in the drivers.
    if (!function_ran || attempt.ok()) *conflict = status.code() == absl::StatusCode::kAborted;
    return status;
  }));
  // Committed: the reply may still be lost on its way back.
  return NextCommitReply();
}

}  // namespace salesteam::store
