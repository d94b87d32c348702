#include "common/io.h"

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "absl/status/status.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "common/status.h"

namespace salesteam {

absl::StatusOr<std::string> ReadFileToString(const std::string& path, absl::string_view what) {
  // An ifstream opens a folder without complaint and reads nothing; an empty
  // --ca_cert would then make gRPC fall back to the system roots silently.
  std::error_code ec;
  if (std::filesystem::is_directory(path, ec)) {
    return absl::FailedPreconditionError(
        absl::StrCat("cannot read ", what, " ", QuoteInput(path), ": it is a folder, not a file"));
  }
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    return absl::FailedPreconditionError(
        absl::StrCat("cannot read ", what, " ", QuoteInput(path), ": ", std::strerror(errno)));
  }
  std::ostringstream contents;
  contents << in.rdbuf();
  return std::move(contents).str();
}

absl::StatusOr<HostPort> ParseHostPort(absl::string_view address, absl::string_view what) {
  const size_t colon = address.rfind(':');
  if (colon == absl::string_view::npos || colon + 1 == address.size()) {
    return absl::InvalidArgumentError(
        absl::StrCat(what, ": ", QuoteInput(address), " is not host:port"));
  }
  absl::string_view host = address.substr(0, colon);
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']') {
    host = host.substr(1, host.size() - 2);
  }
  int port = 0;
  if (!absl::SimpleAtoi(address.substr(colon + 1), &port) || port < 0 || port > 65535) {
    return absl::InvalidArgumentError(
        absl::StrCat(what, ": ", QuoteInput(address), " has no port in 0..65535"));
  }
  return HostPort{std::string(host), port};
}

std::string FormatUtcMicros(absl::Time time) {
  return absl::FormatTime("%Y-%m-%dT%H:%M:%E6SZ", time, absl::UTCTimeZone());
}

}  // namespace salesteam
