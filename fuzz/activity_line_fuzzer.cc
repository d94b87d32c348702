// Fuzzes salesctl's activity JSON-lines parser,
// activity_cli::ParseActivityLine, which reads files a person or a CRM export
// wrote. A line it accepts prints back to JSON that parses to the same
// Activity, and then goes through the service's own item validation
// (activity::ValidateActivity) as activity-record would send it; a line it
// refuses is INVALID_ARGUMENT naming the file and line. The JSON parser itself
// is protobuf's (Debian's library, not instrumented), so coverage feedback
// comes from the project code around it.
#include <cstddef>
#include <cstdint>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "fuzz/check.h"
#include "google/protobuf/util/json_util.h"
#include "google/protobuf/util/message_differencer.h"
#include "services/activity/domain.h"
#include "tools/salesctl/activity_cli.h"

namespace {

// 2026-12-07T00:00:00Z: any fixed instant will do.
const absl::Time kNow = absl::FromUnixSeconds(1796601600);

}  // namespace

extern "C" int LLVMFuzzerInitialize(int* /*argc*/, char*** /*argv*/) {
  salesteam::fuzz::SilenceProtobufLogs();
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  namespace activity_cli = salesteam::salesctl::activity_cli;
  const std::string line(reinterpret_cast<const char*>(data), size);
  absl::StatusOr<activity_cli::activitypb::Activity> activity =
      activity_cli::ParseActivityLine(line, "activities.jsonl", 7);
  if (!activity.ok()) {
    FUZZ_CHECK(salesteam::fuzz::IsInvalidArgumentNaming(activity.status(), "activities.jsonl:7: "));
    return 0;
  }
  std::string json;
  google::protobuf::util::JsonPrintOptions options;
  options.preserve_proto_field_names = true;
  // Printing is protobuf's alone (it refuses strings that are not UTF-8,
  // which its parser may let through as escapes): only what prints is read back.
  if (google::protobuf::util::MessageToJsonString(*activity, &json, options).ok()) {
    absl::StatusOr<activity_cli::activitypb::Activity> again =
        activity_cli::ParseActivityLine(json, "activities.jsonl", 8);
    FUZZ_CHECK(again.ok());
    FUZZ_CHECK(google::protobuf::util::MessageDifferencer::Equals(*activity, *again));
  }
  const absl::Status valid =
      salesteam::activity::ValidateActivity(*activity, "activities[0]", kNow);
  if (!valid.ok()) {
    FUZZ_CHECK(salesteam::fuzz::IsInvalidArgumentNaming(valid, "activities[0]"));
  }
  return 0;
}
