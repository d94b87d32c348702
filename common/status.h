// Status handling for every Salesteam service: absl::Status inside, grpc::Status
// at the edge. The conversion happens in exactly one place (this file), in both
// directions, so that an error raised deep in a store reaches the caller with
// the code and message it was raised with. Abseil 20220623 has no status
// macros, so the project's RETURN_IF_ERROR / ASSIGN_OR_RETURN live here too.
#ifndef SALESTEAM_COMMON_STATUS_H_
#define SALESTEAM_COMMON_STATUS_H_

#include <cstdint>
#include <string>
#include <utility>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace grpc {
class Status;
}  // namespace grpc

namespace salesteam {

// The gRPC status a client sees for an internal status: same code, same message.
grpc::Status ToGrpcStatus(const absl::Status& status);

// The internal status for what a gRPC call answered, code and message as they
// are (salesctl and other clients showing a server's answer).
absl::Status FromGrpcStatus(const grpc::Status& status);

// The status a service passes on when one of its own calls to another service
// (`method`, e.g. "roster.BatchGetMembers") failed. Codes that describe this
// service's request or credentials (INVALID_ARGUMENT, UNAUTHENTICATED,
// PERMISSION_DENIED, UNIMPLEMENTED, OUT_OF_RANGE) are this service's fault,
// not the caller's, so they become INTERNAL: the caller must not be told its
// own token is bad when ours expired. The others (UNAVAILABLE,
// DEADLINE_EXCEEDED, NOT_FOUND, ABORTED, ...) keep their code, so that a
// retryable fault stays retryable. The message names the method.
absl::Status FromDownstreamStatus(const grpc::Status& status, absl::string_view method);

// ABORTED for an optimistic-concurrency conflict: the caller's update read
// version `read` of `kind` `id`, which is now at `current`. The one wording
// every service uses, e.g.
//   member "mb_1" was changed: version is 4, the update read 3; read it again
//   and reapply the change
absl::Status StaleVersionError(absl::string_view kind, absl::string_view id, int64_t current,
                               int64_t read);

// A caller's input quoted for an error message: in double quotes, C-escaped so
// that control bytes cannot forge log lines, and cut after 64 bytes (room for
// any id and most emails) so that a megabyte of garbage does not become a
// megabyte of error message.
std::string QuoteInput(absl::string_view text);

}  // namespace salesteam

#define SALESTEAM_STATUS_CONCAT_INNER_(a, b) a##b
#define SALESTEAM_STATUS_CONCAT_(a, b) SALESTEAM_STATUS_CONCAT_INNER_(a, b)

// Returns the status from the enclosing function when `expr` is not OK.
#define RETURN_IF_ERROR(expr)                                   \
  do {                                                          \
    if (::absl::Status _st_status = (expr); !_st_status.ok()) { \
      return _st_status;                                        \
    }                                                           \
  } while (false)

// ASSIGN_OR_RETURN(lhs, expr): evaluates the absl::StatusOr `expr`; on error
// returns its status, otherwise moves the value into `lhs` (which may declare
// a variable, e.g. `auto rows`).
#define ASSIGN_OR_RETURN(lhs, expr) \
  SALESTEAM_ASSIGN_OR_RETURN_IMPL_(SALESTEAM_STATUS_CONCAT_(_st_statusor_, __LINE__), lhs, expr)

#define SALESTEAM_ASSIGN_OR_RETURN_IMPL_(statusor, lhs, expr) \
  auto statusor = (expr);                                     \
  if (!statusor.ok()) {                                       \
    return std::move(statusor).status();                      \
  }                                                           \
  lhs = std::move(statusor).value()

#endif  // SALESTEAM_COMMON_STATUS_H_
