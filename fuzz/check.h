// What the fuzz targets share: FUZZ_CHECK states an invariant (when it does
// not hold, print what was expected and abort, which libFuzzer reports as a
// crash and saves the input that caused it), and protobuf's log is silenced
// (it logs every string that is not UTF-8, which fuzz inputs mostly are).
#ifndef SALESTEAM_FUZZ_CHECK_H_
#define SALESTEAM_FUZZ_CHECK_H_

#include <cstdio>
#include <cstdlib>

#include "absl/status/status.h"
#include "absl/strings/match.h"
#include "absl/strings/string_view.h"
#include "google/protobuf/stubs/logging.h"

namespace salesteam::fuzz {

[[noreturn]] inline void Fail(const char* file, int line, const char* what) {
  std::fprintf(stderr, "%s:%d: fuzz invariant failed: %s\n", file, line, what);
  std::abort();
}

// An error from a validator that promises INVALID_ARGUMENT naming the field:
// the code is INVALID_ARGUMENT and the message starts with `field`.
inline bool IsInvalidArgumentNaming(const absl::Status& status, absl::string_view field) {
  return absl::IsInvalidArgument(status) && absl::StartsWith(status.message(), field);
}

// For LLVMFuzzerInitialize: refusing such input is protobuf's business, and
// printing each refusal would slow fuzzing tenfold.
inline void SilenceProtobufLogs() { google::protobuf::SetLogHandler(nullptr); }

}  // namespace salesteam::fuzz

#define FUZZ_CHECK(condition) \
  ((condition) ? (void)0 : ::salesteam::fuzz::Fail(__FILE__, __LINE__, #condition))

#endif  // SALESTEAM_FUZZ_CHECK_H_
