#include "services/activity/activity_service.h"

#include <deque>
#include <optional>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/synchronization/mutex.h"
#include "common/auth/auth.h"
#include "common/pagination/page_token.h"
#include "common/server/handler.h"
#include "common/server/read_slots.h"
#include "common/server/server.h"
#include "common/status.h"
#include "common/time/date.h"
#include "common/time/timestamp.h"
#include "common/validation.h"
#include "services/activity/activity_store.h"
#include "services/activity/domain.h"
#include "services/activity/ingest.h"
#include "services/activity/leaderboard.h"

namespace salesteam::activity {

using auth::Principal;
using auth::Role;

namespace {

constexpr int kDefaultPageSize = 100;
constexpr int kMaxPageSize = 1000;
constexpr int kDefaultTopN = 10;
constexpr int kMaxTopN = 1000;

// Exactly one of member_id and team_id.
absl::Status ValidateSubject(absl::string_view member_id, absl::string_view team_id) {
  if (member_id.empty() == team_id.empty()) {
    return absl::InvalidArgumentError("member_id, team_id: exactly one of them is required");
  }
  return member_id.empty() ? ValidateId(team_id, "team_id") : ValidateId(member_id, "member_id");
}

// [start, end) of calendar days, at most kMaxRangeDays long.
absl::StatusOr<std::pair<Date, Date>> ValidateDays(bool has_start,
                                                   const salesteam::type::v1::Date& start,
                                                   bool has_end,
                                                   const salesteam::type::v1::Date& end) {
  if (!has_start) return absl::InvalidArgumentError("start_date: is required");
  if (!has_end) return absl::InvalidArgumentError("end_date: is required");
  ASSIGN_OR_RETURN(Date first, periods::DateFromProto(start, "start_date"));
  ASSIGN_OR_RETURN(Date last, periods::DateFromProto(end, "end_date"));
  if (last <= first) {
    return absl::InvalidArgumentError(absl::StrCat("end_date: must be after start_date (",
                                                   periods::FormatIsoDate(first), "), got ",
                                                   periods::FormatIsoDate(last)));
  }
  if (last - first > kMaxRangeDays) {
    return absl::InvalidArgumentError(absl::StrCat("end_date: the range is at most ", kMaxRangeDays,
                                                   " days, got ", last - first));
  }
  return std::make_pair(first, last);
}

}  // namespace

class ActivityCore {
 public:
  ActivityCore(store::Database* db, cache::Cache* cache, clients::RosterClient* roster,
               ActivityServiceOptions options)
      : store_(db),
        leaderboards_(cache, &store_, {.timeout = options.cache_timeout}),
        roster_(roster),
        ingestor_(&store_, roster, &leaderboards_, options.clock),
        page_tokens_(options.page_token_key),
        options_(std::move(options)) {}

  Ingestor& ingestor() { return ingestor_; }

  absl::Status RecordActivities(const Principal& caller, const v1::RecordActivitiesRequest& request,
                                v1::RecordActivitiesResponse& response) {
    IngestCounts counts;
    RETURN_IF_ERROR(
        ingestor_.Record(caller, request.activities(), response.mutable_results(), &counts));
    response.set_accepted_count(counts.accepted);
    response.set_duplicate_count(counts.duplicate);
    response.set_rejected_count(counts.rejected);
    return absl::OkStatus();
  }

  absl::Status ListActivities(const Principal& caller, const v1::ListActivitiesRequest& request,
                              v1::ListActivitiesResponse& response) {
    RETURN_IF_ERROR(ValidateSubject(request.member_id(), request.team_id()));
    ASSIGN_OR_RETURN(int page_size, pagination::ResolvePageSize(request.page_size(),
                                                                kDefaultPageSize, kMaxPageSize));
    ListQuery query;
    query.member_id = request.member_id();
    query.team_id = request.team_id();
    query.limit = page_size;
    if (request.has_start_time()) {
      ASSIGN_OR_RETURN(query.start, periods::TimeFromProto(request.start_time(), "start_time"));
    }
    if (request.has_end_time()) {
      ASSIGN_OR_RETURN(query.end, periods::TimeFromProto(request.end_time(), "end_time"));
    }
    if (query.start.has_value() && query.end.has_value() && *query.end <= *query.start) {
      return absl::InvalidArgumentError("end_time: must be after start_time");
    }
    absl::flat_hash_set<int> seen_types;
    for (int i = 0; i < request.types_size(); ++i) {
      RETURN_IF_ERROR(ValidateEnum(request.types(i), IndexedField("types", i)));
      if (seen_types.insert(request.types(i)).second) query.types.push_back(request.types(i));
    }
    std::sort(query.types.begin(), query.types.end());
    RETURN_IF_ERROR(CheckCanRead(caller, request.member_id(), request.team_id()));

    const std::string scope = pagination::ListScope(request, caller.subject);
    if (!request.page_token().empty()) {
      ASSIGN_OR_RETURN(std::vector<std::string> cursor,
                       page_tokens_.Decode(request.page_token(), scope, 2));
      int64_t at = 0;
      int64_t hash = 0;
      if (!absl::SimpleAtoi(cursor[0], &at) || !absl::SimpleAtoi(cursor[1], &hash)) {
        return absl::InvalidArgumentError("page_token: is not a token this listing issued");
      }
      query.after = std::make_pair(at, hash);
    }
    ASSIGN_OR_RETURN(ListPage page, store_.List(query));
    for (activitypb::Activity& activity : page.activities) {
      *response.add_activities() = std::move(activity);
    }
    if (page.next.has_value()) {
      response.set_next_page_token(page_tokens_.Encode(
          scope, {absl::StrCat(page.next->first), absl::StrCat(page.next->second)}));
    }
    return absl::OkStatus();
  }

  absl::Status GetKpis(const Principal& caller, const v1::GetKpisRequest& request,
                       v1::GetKpisResponse& response) {
    RETURN_IF_ERROR(ValidateSubject(request.member_id(), request.team_id()));
    ASSIGN_OR_RETURN(auto range, ValidateDays(request.has_start_date(), request.start_date(),
                                              request.has_end_date(), request.end_date()));
    RETURN_IF_ERROR(ValidateEnum(request.bucket(), "bucket", Unspecified::kAllow));
    RETURN_IF_ERROR(CheckCanRead(caller, request.member_id(), request.team_id()));
    if (!request.team_id().empty()) {
      ASSIGN_OR_RETURN(std::shared_ptr<const TeamFacts> team, Team(request.team_id()));
      RETURN_IF_ERROR(CheckOneCurrency(*team, range.first, range.second));
      ASSIGN_OR_RETURN(std::vector<DailyTotals> rows,
                       store_.TeamTotals(request.team_id(), range.first, range.second));
      ComputeKpiResponse(rows, range.first, range.second, request.bucket(),
                         team->TermsOn(range.first).currency_code, std::nullopt, &response);
      response.set_time_zone(std::string(team->TermsOn(range.second - 1).zone.name()));
      return absl::OkStatus();
    }
    ASSIGN_OR_RETURN(std::shared_ptr<const clients::RosterMember> member,
                     Member(request.member_id()));
    ASSIGN_OR_RETURN(std::shared_ptr<const TeamFacts> current, Team(member->team_id));
    ASSIGN_OR_RETURN(std::vector<MemberDailyTotals> member_rows,
                     store_.MemberTotals(request.member_id(), range.first, range.second));
    // Won value adds up only within one currency: each day's rows are in
    // the currency their team had that day.
    std::string currency = current->currency_code;
    std::vector<DailyTotals> rows;
    rows.reserve(member_rows.size());
    std::optional<Date> first_day;
    absl::flat_hash_map<std::string, std::shared_ptr<const TeamFacts>> teams;
    for (MemberDailyTotals& row : member_rows) {
      std::shared_ptr<const TeamFacts>& team = teams[row.team_id];
      if (team == nullptr) {
        ASSIGN_OR_RETURN(team, Team(row.team_id));
      }
      const std::string day_currency = team->TermsOn(row.totals.day).currency_code;
      if (!first_day.has_value()) {
        currency = day_currency;
        first_day = row.totals.day;
      } else if (day_currency != currency) {
        return absl::FailedPreconditionError(absl::StrCat(
            "start_date, end_date: member ", QuoteInput(request.member_id()), "'s won value is in ",
            currency, " on ", periods::FormatIsoDate(*first_day), " and in ", day_currency, " on ",
            periods::FormatIsoDate(row.totals.day),
            " (amounts are never converted); ask for a range within one currency"));
      }
      rows.push_back(row.totals);
    }
    std::optional<int> tier;
    if (member->value_tier.has_value() && auth::CanSeeManagementData(caller, member->team_id)) {
      tier = *member->value_tier;
    }
    ComputeKpiResponse(rows, range.first, range.second, request.bucket(), currency, tier,
                       &response);
    response.set_time_zone(std::string(current->zone.name()));
    return absl::OkStatus();
  }

  absl::Status GetLeaderboard(const Principal& caller, const v1::GetLeaderboardRequest& request,
                              v1::GetLeaderboardResponse& response) {
    RETURN_IF_ERROR(ValidateId(request.team_id(), "team_id"));
    RETURN_IF_ERROR(ValidateEnum(request.metric(), "metric"));
    if (request.metric() == activitypb::LEADERBOARD_METRIC_ACTIVITY_COUNT) {
      RETURN_IF_ERROR(ValidateEnum(request.activity_type(), "activity_type"));
    } else if (request.activity_type() != activitypb::ACTIVITY_TYPE_UNSPECIFIED) {
      return absl::InvalidArgumentError(
          "activity_type: only LEADERBOARD_METRIC_ACTIVITY_COUNT takes an activity type");
    }
    ASSIGN_OR_RETURN(auto range, ValidateDays(request.has_start_date(), request.start_date(),
                                              request.has_end_date(), request.end_date()));
    int top_n = request.top_n() == 0 ? kDefaultTopN : request.top_n();
    RETURN_IF_ERROR(ValidateRange(top_n, "top_n", 1, kMaxTopN));
    RETURN_IF_ERROR(auth::CheckCanReadTeam(caller, request.team_id()));
    ASSIGN_OR_RETURN(std::shared_ptr<const TeamFacts> team, Team(request.team_id()));
    if (request.metric() == activitypb::LEADERBOARD_METRIC_WON_VALUE) {
      RETURN_IF_ERROR(CheckOneCurrency(*team, range.first, range.second));
    }
    ASSIGN_OR_RETURN(std::vector<LeaderboardScore> scores,
                     leaderboards_.Scores(request.team_id(), request.metric(),
                                          request.activity_type(), range.first, range.second));
    int ranked = 0;
    for (activitypb::LeaderboardEntry& entry :
         RankLeaderboard(std::move(scores), request.metric(), top_n, &ranked)) {
      *response.add_entries() = std::move(entry);
    }
    response.set_ranked_count(ranked);
    return absl::OkStatus();
  }

 private:
  absl::StatusOr<std::shared_ptr<const clients::RosterMember>> Member(
      const std::string& member_id) {
    clients::MemberLookup lookup = roster_->GetMembers(absl::MakeConstSpan(&member_id, 1));
    if (!lookup.unavailable.empty()) {
      return absl::UnavailableError(absl::StrCat("the roster could not be asked about member ",
                                                 QuoteInput(member_id), ": ",
                                                 lookup.unavailable_reason.message()));
    }
    auto it = lookup.found.find(member_id);
    if (it == lookup.found.end()) {
      return absl::NotFoundError(absl::StrCat("member ", QuoteInput(member_id), " not found"));
    }
    return it->second;
  }

  // Money over [start, end) of a team adds up only when its currency does
  // not change within: FAILED_PRECONDITION naming the day it does.
  static absl::Status CheckOneCurrency(const TeamFacts& team, Date start, Date end) {
    const std::optional<Date> change = team.CurrencyChangeWithin(start, end);
    if (!change.has_value()) return absl::OkStatus();
    return absl::FailedPreconditionError(
        absl::StrCat("start_date, end_date: team ", QuoteInput(team.id),
                     "'s currency changes from ", team.TermsOn(start).currency_code, " to ",
                     team.TermsOn(*change).currency_code, " on ", periods::FormatIsoDate(*change),
                     " (amounts are never converted); ask for a range before or from that day"));
  }

  absl::StatusOr<std::shared_ptr<const TeamFacts>> Team(absl::string_view team_id) {
    absl::StatusOr<std::shared_ptr<const TeamFacts>> team = roster_->GetTeam(team_id);
    if (!team.ok() && team.status().code() == absl::StatusCode::kNotFound) {
      return absl::NotFoundError(absl::StrCat("team ", QuoteInput(team_id), " not found"));
    }
    return team;
  }

  // Reps read their own activities; managers their teams' (a member by their
  // current team); admins and services everything (common/auth's rule for a
  // member's data). A team must exist.
  absl::Status CheckCanRead(const Principal& caller, const std::string& member_id,
                            absl::string_view team_id) {
    if (!team_id.empty()) {
      RETURN_IF_ERROR(auth::CheckCanReadTeamData(caller, team_id));
      return Team(team_id).status();
    }
    return auth::CheckCanReadMemberData(caller, member_id, [&]() -> absl::StatusOr<std::string> {
      ASSIGN_OR_RETURN(std::shared_ptr<const clients::RosterMember> member, Member(member_id));
      return member->team_id;
    });
  }

  ActivityStore store_;
  Leaderboards leaderboards_;
  clients::RosterClient* roster_;
  Ingestor ingestor_;
  pagination::PageTokenCodec page_tokens_;
  ActivityServiceOptions options_;
};

namespace {

using StreamRequest = v1::StreamActivitiesRequest;
using StreamResponse = v1::StreamActivitiesResponse;

// StreamActivities: reads a batch, records it on the write pool, writes its
// answer, in batch order. The next batch is read only while the stream's
// window has room: fewer than kMaxHeld batches and answers held (read ahead,
// being recorded, or waiting to be sent), fewer than kMaxHeldBytes of them,
// and one of the server's read slots (server::StreamReadSlots()) free. So a
// stream holds at most two batches and their answers, about 8 MiB at the
// largest batch (kMaxBatchBytes, 4 MiB), and all streams together hold at
// most one batch per read slot, whatever their clients do: a client that
// sends without reading answers stops being read once its answers wait, and
// one that waits for a slot is held back by gRPC's flow control (under the
// server's memory quota).
class StreamReactor final : public grpc::ServerBidiReactor<StreamRequest, StreamResponse> {
 public:
  StreamReactor(ActivityCore* core, Principal caller) : core_(core), caller_(std::move(caller)) {
    absl::MutexLock lock(&mu_);
    MaybeReadLocked();
  }

  ~StreamReactor() override {
    // Batches read but never recorded (the stream broke) give their slots
    // back here, when nothing can use them any more.
    absl::MutexLock lock(&mu_);
    if (slots_ > 0) server::StreamReadSlots().Release(slots_);
  }

  void OnReadDone(bool ok) override {
    std::optional<grpc::Status> done;
    {
      absl::MutexLock lock(&mu_);
      done = ReadDoneLocked(ok);
    }
    FinishIf(done);
  }

  void OnWriteDone(bool ok) override {
    std::optional<grpc::Status> done;
    {
      absl::MutexLock lock(&mu_);
      done = WriteDoneLocked(ok);
    }
    FinishIf(done);
  }

  void OnCancel() override {
    std::optional<grpc::Status> done;
    {
      absl::MutexLock lock(&mu_);
      broken_ = true;
      // A stream waiting for a slot has nothing else in flight that would
      // finish it.
      if (waiting_slot_ && server::StreamReadSlots().Cancel(slot_ticket_)) waiting_slot_ = false;
      done = MaybeFinishLocked();
    }
    FinishIf(done);
  }

  void OnDone() override { delete this; }

 private:
  static constexpr int kMaxHeld = 2;
  static constexpr size_t kMaxHeldBytes = 4 << 20;

  std::optional<grpc::Status> ReadDoneLocked(bool ok) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    reading_ = false;
    if (!ok) {
      reads_done_ = true;
      ReleaseSlotsLocked(1);
    } else {
      held_bytes_ += next_->ByteSizeLong();
      pending_.push_back(std::move(next_));
      next_ = nullptr;
      MaybeProcessLocked();
    }
    MaybeReadLocked();
    return MaybeFinishLocked();
  }

  std::optional<grpc::Status> WriteDoneLocked(bool ok) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    writing_ = false;
    if (!ok) {
      // The client is gone: nothing more will be read or answered.
      broken_ = true;
      for (const StreamResponse& answer : to_write_) held_bytes_ -= answer.ByteSizeLong();
      to_write_.clear();
    } else {
      held_bytes_ -= to_write_.front().ByteSizeLong();
      to_write_.pop_front();
    }
    MaybeWriteLocked();
    MaybeReadLocked();
    return MaybeFinishLocked();
  }

  int HeldLocked() const ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    return static_cast<int>(pending_.size() + to_write_.size()) + (processing_ ? 1 : 0) +
           (reading_ ? 1 : 0) + (waiting_slot_ ? 1 : 0);
  }

  void MaybeReadLocked() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    if (reading_ || waiting_slot_ || reads_done_ || broken_ || finished_ ||
        HeldLocked() >= kMaxHeld || held_bytes_ >= kMaxHeldBytes) {
      return;
    }
    if (!server::StreamReadSlots().Acquire(&slot_ticket_, [this] { OnSlot(); })) {
      waiting_slot_ = true;
      return;
    }
    StartReadLocked();
  }

  // A slot came free for this stream (on a handler thread).
  void OnSlot() {
    std::optional<grpc::Status> done;
    {
      absl::MutexLock lock(&mu_);
      waiting_slot_ = false;
      if (broken_ || finished_ || reads_done_) {
        server::StreamReadSlots().Release(1);
      } else {
        StartReadLocked();
      }
      done = MaybeFinishLocked();
    }
    FinishIf(done);
  }

  void StartReadLocked() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    ++slots_;
    reading_ = true;
    next_ = std::make_unique<StreamRequest>();
    StartRead(next_.get());
  }

  void ReleaseSlotsLocked(int n) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    slots_ -= n;
    server::StreamReadSlots().Release(n);
  }

  void MaybeProcessLocked() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    if (processing_ || pending_.empty() || broken_ || finished_) return;
    processing_ = true;
    std::shared_ptr<StreamRequest> batch(std::move(pending_.front()));
    pending_.pop_front();
    // It waits for the database's writer: on the write pool, so that reads
    // never wait behind it for a handler thread.
    server::OffloadWrite([this, batch, bytes = batch->ByteSizeLong()]() mutable {
      StreamResponse response;
      response.set_batch_number(batch->batch_number());
      IngestCounts counts;
      absl::Status status = core_->ingestor().Record(caller_, batch->activities(),
                                                     response.mutable_results(), &counts);
      if (!status.ok()) {
        status = absl::Status(
            status.code(), absl::StrCat("batch ", batch->batch_number(), ": ", status.message()));
      }
      response.set_accepted_count(counts.accepted);
      response.set_duplicate_count(counts.duplicate);
      response.set_rejected_count(counts.rejected);
      batch.reset();
      std::optional<grpc::Status> done;
      {
        absl::MutexLock lock(&mu_);
        held_bytes_ -= bytes;
        ReleaseSlotsLocked(1);
        done = RecordedLocked(status, std::move(response));
      }
      // Not FinishIf(done): unlike a reaction, this runs on a pool thread that
      // gRPC does not wait for, so once mu_ is released another thread may
      // finish the stream and OnDone delete `this`. Only the thread that got
      // the status may still touch the reactor (UBSan/ASan, fault test).
      if (done.has_value()) Finish(*done);
    });
  }

  std::optional<grpc::Status> RecordedLocked(const absl::Status& status, StreamResponse response)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    processing_ = false;
    if (!status.ok()) {
      if (!error_.has_value()) error_ = status;
      for (const auto& batch : pending_) held_bytes_ -= batch->ByteSizeLong();
      ReleaseSlotsLocked(static_cast<int>(pending_.size()));
      pending_.clear();
      reads_done_ = true;
    } else if (!broken_) {
      held_bytes_ += response.ByteSizeLong();
      to_write_.push_back(std::move(response));
      MaybeWriteLocked();
    }
    MaybeProcessLocked();
    MaybeReadLocked();
    return MaybeFinishLocked();
  }

  void MaybeWriteLocked() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    if (writing_ || to_write_.empty() || broken_) return;
    writing_ = true;
    StartWrite(&to_write_.front());
  }

  // The status to finish with once nothing is in flight. The caller calls
  // Finish after releasing mu_: OnDone may run (and delete this) at once.
  std::optional<grpc::Status> MaybeFinishLocked() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    if (finished_ || processing_ || writing_ || waiting_slot_) return std::nullopt;
    // After a failure a read may stay outstanding (the client waits for an
    // answer); Finish completes it.
    if (reading_ && !error_.has_value() && !broken_) return std::nullopt;
    if (!broken_ && (!reads_done_ || !pending_.empty() || !to_write_.empty())) {
      return std::nullopt;
    }
    finished_ = true;
    if (error_.has_value()) return ToGrpcStatus(*error_);
    if (broken_) return grpc::Status(grpc::StatusCode::CANCELLED, "the stream was cancelled");
    return grpc::Status::OK;
  }

  void FinishIf(const std::optional<grpc::Status>& status) {
    if (status.has_value()) Finish(*status);
  }

  ActivityCore* const core_;
  const Principal caller_;
  absl::Mutex mu_;
  std::unique_ptr<StreamRequest> next_ ABSL_GUARDED_BY(mu_);
  std::deque<std::unique_ptr<StreamRequest>> pending_ ABSL_GUARDED_BY(mu_);
  std::deque<StreamResponse> to_write_ ABSL_GUARDED_BY(mu_);
  // Bytes of the batches in pending_ and being recorded, and of the answers
  // in to_write_.
  size_t held_bytes_ ABSL_GUARDED_BY(mu_) = 0;
  // Read slots this stream holds: one per batch being read, pending or
  // being recorded.
  int slots_ ABSL_GUARDED_BY(mu_) = 0;
  bool waiting_slot_ ABSL_GUARDED_BY(mu_) = false;
  uint64_t slot_ticket_ ABSL_GUARDED_BY(mu_) = 0;
  bool reading_ ABSL_GUARDED_BY(mu_) = false;
  bool reads_done_ ABSL_GUARDED_BY(mu_) = false;
  bool processing_ ABSL_GUARDED_BY(mu_) = false;
  bool writing_ ABSL_GUARDED_BY(mu_) = false;
  bool broken_ ABSL_GUARDED_BY(mu_) = false;
  bool finished_ ABSL_GUARDED_BY(mu_) = false;
  std::optional<absl::Status> error_ ABSL_GUARDED_BY(mu_);
};

}  // namespace

ActivityServiceImpl::ActivityServiceImpl(store::Database* db, cache::Cache* cache,
                                         clients::RosterClient* roster,
                                         ActivityServiceOptions options)
    : core_(std::make_unique<ActivityCore>(db, cache, roster, std::move(options))) {}

ActivityServiceImpl::~ActivityServiceImpl() = default;

grpc::ServerBidiReactor<StreamRequest, StreamResponse>* ActivityServiceImpl::StreamActivities(
    grpc::CallbackServerContext* context) {
  absl::StatusOr<Principal> caller = server::Authenticate(context);
  if (!caller.ok()) {
    return server::FinishedBidiReactor<StreamRequest, StreamResponse>(caller.status());
  }
  return new StreamReactor(core_.get(), *std::move(caller));
}

// RecordActivities waits for the database's writer: it runs on the write
// pool ("Reads and writes" in common/server/server.h).
SALESTEAM_UNARY_WRITE_HANDLER(ActivityServiceImpl, RecordActivities)
SALESTEAM_UNARY_HANDLER(ActivityServiceImpl, ListActivities)
SALESTEAM_UNARY_HANDLER(ActivityServiceImpl, GetKpis)
SALESTEAM_UNARY_HANDLER(ActivityServiceImpl, GetLeaderboard)

}  // namespace salesteam::activity
