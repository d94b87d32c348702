// The one JSON line every Salesteam server writes per RPC (to stderr by
// default), so that log pipelines can filter by method, status code,
// principal and latency without parsing free text:
//
//   {"ts":"2024-05-01T09:30:00.123456Z","method":"/salesteam.roster.v1.RosterService/GetMember",
//    "code":"OK","latency_ms":1.204,"principal":"m-42","peer":"ipv4:10.0.0.7:53422"}
//
// Failed calls add "error" with the status message. When the client was told
// only "internal error; see server log (ref 1a2b3c4d)" (server.h), "error"
// holds the real message and "error_ref" that ref. There is no logging
// library in this build (Abseil 20220623 has no absl/log), so the JSON
// escaping lives here.
#ifndef SALESTEAM_COMMON_SERVER_CALL_LOG_H_
#define SALESTEAM_COMMON_SERVER_CALL_LOG_H_

#include <string>

#include <grpcpp/support/status.h>

#include "absl/strings/string_view.h"
#include "absl/time/time.h"

namespace salesteam::server {

// What one finished RPC looked like.
struct CallLogEntry {
  std::string method;  // "/package.Service/Method"
  grpc::StatusCode code = grpc::StatusCode::OK;
  std::string error;  // the status message; empty when OK
  // The ref the client was given instead of `error`; empty when the client
  // saw the message itself.
  std::string error_ref;
  absl::Duration latency;
  std::string principal;  // the verified `sub`, or "-" for anonymous calls
  std::string peer;       // as gRPC names it, e.g. "ipv4:127.0.0.1:5555"
};

// The JSON object for `entry`, stamped `now`, with a trailing newline.
std::string FormatCallLogLine(const CallLogEntry& entry, absl::Time now);

// "OK", "CANCELLED", ..., "UNAUTHENTICATED": the canonical code names used in
// logs and in the grpc_code metric label.
absl::string_view GrpcCodeName(grpc::StatusCode code);

// Appends `value` as a JSON string literal (with quotes). Control characters
// are escaped; bytes that are not valid UTF-8 become U+FFFD, so the line is
// always valid JSON whatever a client put into a status message.
void AppendJsonString(std::string& out, absl::string_view value);

}  // namespace salesteam::server

#endif  // SALESTEAM_COMMON_SERVER_CALL_LOG_H_
