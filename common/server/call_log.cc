#include "common/server/call_log.h"

#include <cstdint>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "common/io.h"
#include "common/server/internal/utf8.h"

namespace salesteam::server {
void AppendJsonString(std::string& out, absl::string_view value) {
  out.push_back('"');
  for (size_t i = 0; i < value.size();) {
    const unsigned char c = static_cast<unsigned char>(value[i]);
    if (c < 0x80) {
      switch (c) {
        case '"':
          out += "\\\"";
          break;
        case '\\':
          out += "\\\\";
          break;
        case '\n':
          out += "\\n";
          break;
        case '\r':
          out += "\\r";
          break;
        case '\t':
          out += "\\t";
          break;
        default:
          if (c < 0x20 || c == 0x7F) {
            absl::StrAppendFormat(&out, "\\u%04x", c);
          } else {
            out.push_back(static_cast<char>(c));
          }
      }
      ++i;
      continue;
    }
    const size_t len = internal::Utf8SequenceLength(value, i);
    if (len == 0) {
      out += "\\ufffd";
      ++i;
    } else {
      out.append(value.data() + i, len);
      i += len;
    }
  }
  out.push_back('"');
}

absl::string_view GrpcCodeName(grpc::StatusCode code) {
  switch (code) {
    case grpc::StatusCode::OK:
      return "OK";
    case grpc::StatusCode::CANCELLED:
      return "CANCELLED";
    case grpc::StatusCode::UNKNOWN:
      return "UNKNOWN";
    case grpc::StatusCode::INVALID_ARGUMENT:
      return "INVALID_ARGUMENT";
    case grpc::StatusCode::DEADLINE_EXCEEDED:
      return "DEADLINE_EXCEEDED";
    case grpc::StatusCode::NOT_FOUND:
      return "NOT_FOUND";
    case grpc::StatusCode::ALREADY_EXISTS:
      return "ALREADY_EXISTS";
    case grpc::StatusCode::PERMISSION_DENIED:
      return "PERMISSION_DENIED";
    case grpc::StatusCode::RESOURCE_EXHAUSTED:
      return "RESOURCE_EXHAUSTED";
    case grpc::StatusCode::FAILED_PRECONDITION:
      return "FAILED_PRECONDITION";
    case grpc::StatusCode::ABORTED:
      return "ABORTED";
    case grpc::StatusCode::OUT_OF_RANGE:
      return "OUT_OF_RANGE";
    case grpc::StatusCode::UNIMPLEMENTED:
      return "UNIMPLEMENTED";
    case grpc::StatusCode::INTERNAL:
      return "INTERNAL";
    case grpc::StatusCode::UNAVAILABLE:
      return "UNAVAILABLE";
    case grpc::StatusCode::DATA_LOSS:
      return "DATA_LOSS";
    case grpc::StatusCode::UNAUTHENTICATED:
      return "UNAUTHENTICATED";
    default:
      return "UNKNOWN";
  }
}

std::string FormatCallLogLine(const CallLogEntry& entry, absl::Time now) {
  std::string line = "{\"ts\":";
  AppendJsonString(line, FormatUtcMicros(now));
  line += ",\"method\":";
  AppendJsonString(line, entry.method);
  line += ",\"code\":";
  AppendJsonString(line, GrpcCodeName(entry.code));
  absl::StrAppendFormat(&line, ",\"latency_ms\":%.3f", absl::ToDoubleMilliseconds(entry.latency));
  line += ",\"principal\":";
  AppendJsonString(line, entry.principal.empty() ? "-" : entry.principal);
  line += ",\"peer\":";
  AppendJsonString(line, entry.peer);
  if (entry.code != grpc::StatusCode::OK && !entry.error.empty()) {
    line += ",\"error\":";
    AppendJsonString(line, entry.error);
  }
  if (!entry.error_ref.empty()) {
    line += ",\"error_ref\":";
    AppendJsonString(line, entry.error_ref);
  }
  line += "}\n";
  return line;
}

}  // namespace salesteam::server
