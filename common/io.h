// Small I/O helpers every binary needs once: reading a whole file (secrets,
// certificates), splitting "host:port" addresses (Redis, metrics, peers), and
// the one timestamp format the suite writes into logs and tables. One copy
// each, here, so that every part reports the same errors the same way.
#ifndef SALESTEAM_COMMON_IO_H_
#define SALESTEAM_COMMON_IO_H_

#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"

namespace salesteam {

// The file's bytes. FAILED_PRECONDITION naming `what` (e.g. "--tls_cert") and
// the path when it cannot be read: a missing file is a configuration error.
absl::StatusOr<std::string> ReadFileToString(const std::string& path, absl::string_view what);

struct HostPort {
  std::string host;  // without IPv6 brackets; "" when the address was ":port"
  int port = 0;      // 0..65535
};

// Splits "host:port", "[::1]:port" or ":port". INVALID_ARGUMENT naming `what`
// when there is no port or it is not a number in 0..65535.
absl::StatusOr<HostPort> ParseHostPort(absl::string_view address, absl::string_view what);

// "2026-11-28T12:00:00.123456Z": UTC with microseconds, for log lines and
// audit columns.
std::string FormatUtcMicros(absl::Time time);

}  // namespace salesteam

#endif  // SALESTEAM_COMMON_IO_H_
