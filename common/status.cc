#include "common/status.h"

#include <string>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "grpcpp/support/status.h"

namespace salesteam {

// absl::StatusCode and grpc::StatusCode share the canonical numbering 0..16;
// anything outside it is UNKNOWN rather than a code the peer cannot read.
grpc::Status ToGrpcStatus(const absl::Status& status) {
  if (status.ok()) return grpc::Status::OK;
  const int code = static_cast<int>(status.code());
  if (code < 1 || code > 16) {
    return grpc::Status(grpc::StatusCode::UNKNOWN, std::string(status.message()));
  }
  return grpc::Status(static_cast<grpc::StatusCode>(code), std::string(status.message()));
}

absl::Status FromGrpcStatus(const grpc::Status& status) {
  if (status.ok()) return absl::OkStatus();
  const int code = static_cast<int>(status.error_code());
  if (code < 1 || code > 16) return absl::UnknownError(status.error_message());
  return absl::Status(static_cast<absl::StatusCode>(code), status.error_message());
}

absl::Status FromDownstreamStatus(const grpc::Status& status, absl::string_view method) {
  if (status.ok()) return absl::OkStatus();
  const absl::Status as_sent = FromGrpcStatus(status);
  const std::string message = absl::StrCat(method, ": ", as_sent.message());
  switch (as_sent.code()) {
    case absl::StatusCode::kInvalidArgument:
    case absl::StatusCode::kUnauthenticated:
    case absl::StatusCode::kPermissionDenied:
    case absl::StatusCode::kUnimplemented:
    case absl::StatusCode::kOutOfRange:
      return absl::InternalError(
          absl::StrCat(message, " (", absl::StatusCodeToString(as_sent.code()), ")"));
    default:
      return absl::Status(as_sent.code(), message);
  }
}

absl::Status StaleVersionError(absl::string_view kind, absl::string_view id, int64_t current,
                               int64_t read) {
  return absl::AbortedError(absl::StrCat(kind, " ", QuoteInput(id), " was changed: version is ",
                                         current, ", the update read ", read,
                                         "; read it again and reapply the change"));
}

std::string QuoteInput(absl::string_view text) {
  constexpr std::size_t kMaxShown = 64;
  if (text.size() > kMaxShown) {
    return absl::StrCat("\"", absl::CHexEscape(text.substr(0, kMaxShown)), "...\"");
  }
  return absl::StrCat("\"", absl::CHexEscape(text), "\"");
}

}  // namespace salesteam
