// Fuzzes the request validation of every ActivityService RPC. The first
// input byte picks the RPC; the rest is parsed as its request message (inputs
// that do not parse are skipped), and the checks the handler applies to it
// before it reads the store or the roster run on it: activity::
// ValidateActivity on every item of RecordActivities and of a
// StreamActivities batch (what Ingestor::Record calls), and the common
// validators for the reads; a valid GetKpis range is then bucketed as
// GetKpis would (ComputeKpiResponse over no rows). Every refusal must be
// INVALID_ARGUMENT naming the field.
//
// Not reachable without a server, so not fuzzed as such: activity_service.cc's
// ValidateSubject ("exactly one of member_id, team_id") and ValidateDays
// (start before end, at most kMaxRangeDays), both in its anonymous namespace,
// and the batch bounds and the rep-records-only-their-own check inline in
// Ingestor::Record (ingest.cc). The range rule is restated below only to
// pick the ranges GetKpis would accept; the page-size and top_n limits are
// copies of activity_service.cc's.
#include <cstddef>
#include <cstdint>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "common/pagination/page_token.h"
#include "common/time/date.h"
#include "common/time/timestamp.h"
#include "common/validation.h"
#include "fuzz/check.h"
#include "salesteam/activity/v1/activity.pb.h"
#include "services/activity/domain.h"

namespace salesteam::activity {
namespace {

namespace v1 = ::salesteam::activity::v1;

// 2026-12-07T00:00:00Z: any fixed instant will do.
const absl::Time kNow = absl::FromUnixSeconds(1796601600);
constexpr int kDefaultPageSize = 100;
constexpr int kMaxPageSize = 1000;
constexpr int kMaxTopN = 1000;

bool Valid(const absl::Status& status, absl::string_view field) {
  if (status.ok()) return true;
  FUZZ_CHECK(fuzz::IsInvalidArgumentNaming(status, field));
  return false;
}

void Items(const google::protobuf::RepeatedPtrField<activitypb::Activity>& items) {
  for (int i = 0; i < items.size(); ++i) {
    const std::string field = IndexedField("activities", i);
    Valid(ValidateActivity(items[i], field, kNow), field);
  }
}

// The subject of a read: one of member_id, team_id.
bool ValidSubject(const std::string& member_id, const std::string& team_id) {
  if (member_id.empty() == team_id.empty()) return false;
  return member_id.empty() ? Valid(ValidateId(team_id, "team_id"), "team_id")
                           : Valid(ValidateId(member_id, "member_id"), "member_id");
}

// GetKpis' and GetLeaderboard's [start_date, end_date).
bool ValidDays(const v1::GetKpisRequest& request, Date* start, Date* end) {
  if (!request.has_start_date() || !request.has_end_date()) return false;
  absl::StatusOr<Date> first = periods::DateFromProto(request.start_date(), "start_date");
  if (!Valid(first.status(), "start_date")) return false;
  absl::StatusOr<Date> last = periods::DateFromProto(request.end_date(), "end_date");
  if (!Valid(last.status(), "end_date")) return false;
  if (*last <= *first || *last - *first > kMaxRangeDays) return false;
  *start = *first;
  *end = *last;
  return true;
}

void ListActivities(const v1::ListActivitiesRequest& request) {
  if (!ValidSubject(request.member_id(), request.team_id())) return;
  if (!Valid(
          pagination::ResolvePageSize(request.page_size(), kDefaultPageSize, kMaxPageSize).status(),
          "page_size")) {
    return;
  }
  if (request.has_start_time() &&
      !Valid(periods::TimeFromProto(request.start_time(), "start_time").status(), "start_time")) {
    return;
  }
  if (request.has_end_time() &&
      !Valid(periods::TimeFromProto(request.end_time(), "end_time").status(), "end_time")) {
    return;
  }
  for (int i = 0; i < request.types_size(); ++i) {
    const std::string field = IndexedField("types", i);
    if (!Valid(ValidateEnum(request.types(i), field), field)) return;
  }
}

void GetKpis(const v1::GetKpisRequest& request) {
  if (!ValidSubject(request.member_id(), request.team_id())) return;
  Date start;
  Date end;
  if (!ValidDays(request, &start, &end)) return;
  if (!Valid(ValidateEnum(request.bucket(), "bucket", Unspecified::kAllow), "bucket")) return;
  v1::GetKpisResponse response;
  ComputeKpiResponse({}, start, end, request.bucket(), "EUR", std::nullopt, &response);
  // The buckets are real days.
  for (const v1::KpiBucketResult& bucket : response.buckets()) {
    FUZZ_CHECK(periods::DateFromProto(bucket.start_date(), "bucket.start_date").ok());
    FUZZ_CHECK(periods::DateFromProto(bucket.end_date(), "bucket.end_date").ok());
  }
}

void GetLeaderboard(const v1::GetLeaderboardRequest& request) {
  if (!Valid(ValidateId(request.team_id(), "team_id"), "team_id")) return;
  if (!Valid(ValidateEnum(request.metric(), "metric"), "metric")) return;
  if (request.metric() == activitypb::LEADERBOARD_METRIC_ACTIVITY_COUNT &&
      !Valid(ValidateEnum(request.activity_type(), "activity_type"), "activity_type")) {
    return;
  }
  v1::GetKpisRequest days;
  if (request.has_start_date()) *days.mutable_start_date() = request.start_date();
  if (request.has_end_date()) *days.mutable_end_date() = request.end_date();
  Date start;
  Date end;
  if (!ValidDays(days, &start, &end)) return;
  const int top_n = request.top_n() == 0 ? 10 : request.top_n();
  Valid(ValidateRange(top_n, "top_n", 1, kMaxTopN), "top_n");
}

template <typename Request, typename Check>
void Run(const uint8_t* data, size_t size, Check check) {
  Request request;
  if (!request.ParseFromArray(data, static_cast<int>(size))) return;
  check(request);
}

}  // namespace
}  // namespace salesteam::activity

extern "C" int LLVMFuzzerInitialize(int* /*argc*/, char*** /*argv*/) {
  salesteam::fuzz::SilenceProtobufLogs();
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace salesteam::activity;  // NOLINT: the file's one subject
  if (size == 0) return 0;
  const uint8_t method = data[0];
  ++data;
  --size;
  switch (method % 5) {
    case 0:
      Run<v1::RecordActivitiesRequest>(
          data, size, [](const v1::RecordActivitiesRequest& r) { Items(r.activities()); });
      break;
    case 1:
      Run<v1::StreamActivitiesRequest>(
          data, size, [](const v1::StreamActivitiesRequest& r) { Items(r.activities()); });
      break;
    case 2:
      Run<v1::ListActivitiesRequest>(data, size, ListActivities);
      break;
    case 3:
      Run<v1::GetKpisRequest>(data, size, GetKpis);
      break;
    default:
      Run<v1::GetLeaderboardRequest>(data, size, GetLeaderboard);
      break;
  }
  return 0;
}
