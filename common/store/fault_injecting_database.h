// The test double for store::Database: it forwards every call to a real
// database (an SQLite file or PostgreSQL, so SQL still really runs) and makes
// chosen calls fail, for the faults a service test cannot cause on demand
// (a connection lost at the worst moment, a commit that fails, a commit
// whose reply is lost). Injected
// failures behave like real ones: a failed statement fails its transaction,
// which is rolled back, and an injected ABORTED is retried by Transact like a
// real serialization failure.
#ifndef SALESTEAM_COMMON_STORE_FAULT_INJECTING_DATABASE_H_
#define SALESTEAM_COMMON_STORE_FAULT_INJECTING_DATABASE_H_

#include <cstdint>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/synchronization/mutex.h"
#include "common/store/database.h"

namespace salesteam::store {

class FaultInjectingDatabase final : public Database {
 public:
  // `real` must outlive this object.
  explicit FaultInjectingDatabase(Database* real) : real_(real) {}

  Dialect dialect() const override { return real_->dialect(); }

  // The next `count` statements (Query, Execute, InsertRows, ExecuteScript,
  // inside transactions or not) fail with `status` without running.
  void FailNextStatements(absl::Status status, int count = 1);
  // The next `count` transactions whose function succeeds fail with `status`
  // at commit, and are rolled back.
  void FailNextCommits(absl::Status status, int count = 1);
  // The next `count` transactions that commit for real then report `status`
  // anyway: a commit whose reply was lost (an I/O error after the WAL write,
  // a connection dropped after COMMIT), persisted yet failed to the caller.
  void LoseNextCommitReplies(absl::Status status, int count = 1);
  // Statements that reached the real database so far.
  int64_t statements_run() const;

 protected:
  absl::StatusOr<ResultSet> DoQuery(absl::string_view sql, absl::Span<const Param> params) override;
  absl::StatusOr<int64_t> DoExecute(absl::string_view sql, absl::Span<const Param> params) override;
  absl::Status DoTransact(const TransactionFunction& fn, const TransactOptions& options) override;

 private:
  class FaultyTransaction;

  // The injected failure for the next statement, or OK (and counts it run).
  absl::Status NextStatement();
  absl::Status NextCommit();
  absl::Status NextCommitReply();

  Database* const real_;
  mutable absl::Mutex mu_;
  absl::Status statement_fault_ ABSL_GUARDED_BY(mu_);
  int statement_faults_ ABSL_GUARDED_BY(mu_) = 0;
  absl::Status commit_fault_ ABSL_GUARDED_BY(mu_);
  int commit_faults_ ABSL_GUARDED_BY(mu_) = 0;
  absl::Status reply_fault_ ABSL_GUARDED_BY(mu_);
  int reply_faults_ ABSL_GUARDED_BY(mu_) = 0;
  int64_t statements_run_ ABSL_GUARDED_BY(mu_) = 0;
};

}  // namespace salesteam::store

#endif  // SALESTEAM_COMMON_STORE_FAULT_INJECTING_DATABASE_H_
