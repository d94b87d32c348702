#include "clients/roster/roster_change_follower.h"

#include <algorithm>
#include <cstdio>
#include <utility>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "common/auth/auth.h"
#include "common/status.h"
#include "grpcpp/grpcpp.h"
#include "salesteam/roster/v1/roster.grpc.pb.h"

namespace salesteam::clients {

namespace rosterpb = ::salesteam::roster::v1;

struct RosterChangeFollower::Stub {
  std::unique_ptr<rosterpb::RosterService::Stub> stub;
};

RosterChangeFollower::RosterChangeFollower(std::shared_ptr<grpc::Channel> channel,
                                           RosterChangeFollowerOptions options)
    : stub_(std::make_unique<Stub>(Stub{rosterpb::RosterService::NewStub(std::move(channel))})),
      options_(std::move(options)) {
  state_.disconnected_since = absl::Now();
  state_.last_error = "not started";
}

RosterChangeFollower::~RosterChangeFollower() { Stop(); }

void RosterChangeFollower::Start() {
  thread_ = std::thread([this] { Run(); });
  watchdog_ = std::thread([this] { Watchdog(); });
}

void RosterChangeFollower::Stop() {
  {
    absl::MutexLock lock(&mu_);
    stopping_ = true;
    if (context_ != nullptr) context_->TryCancel();
  }
  if (thread_.joinable()) thread_.join();
  if (watchdog_.joinable()) watchdog_.join();
}

bool RosterChangeFollower::AwaitCaughtUp(absl::Duration timeout) {
  absl::MutexLock lock(&mu_);
  return mu_.AwaitWithTimeout(absl::Condition(&caught_up_), timeout);
}

std::string RosterChangeFollower::feed_id() const {
  absl::MutexLock lock(&mu_);
  return feed_id_;
}

RosterFeedState RosterChangeFollower::state() const {
  absl::MutexLock lock(&mu_);
  return state_;
}

void RosterChangeFollower::Publish() {
  if (!options_.on_state) return;
  options_.on_state(state());
}

void RosterChangeFollower::Run() {
  absl::Duration backoff = options_.min_backoff;
  std::optional<int64_t> position;
  bool loaded = false;
  for (;;) {
    {
      absl::MutexLock lock(&mu_);
      if (stopping_) return;
    }
    absl::Status ended;
    if (!loaded) {
      absl::StatusOr<std::optional<RosterFeedPosition>> saved = options_.load_position();
      if (saved.ok()) {
        if (saved->has_value()) {
          position = (*saved)->sequence;
          absl::MutexLock lock(&mu_);
          feed_id_ = (*saved)->feed_id;
        }
        loaded = true;
      } else {
        ended = saved.status();
      }
    }
    if (loaded) ended = Follow(position);
    // Follow saved each applied position; resume from it.
    if (loaded) {
      absl::MutexLock lock(&mu_);
      if (state_.applied_sequence > 0 || position.has_value()) position = state_.applied_sequence;
    }
    if (absl::IsFailedPrecondition(ended)) {
      // Behind the retention or ahead of the roster: start over at the head.
      position.reset();
      applied_.store(0, std::memory_order_release);
      absl::MutexLock lock(&mu_);
      ++state_.rebuilds;
      state_.applied_sequence = 0;
    }
    const bool healthy_end = ended.ok();
    {
      absl::MutexLock lock(&mu_);
      if (stopping_) return;
      connected_.store(false, std::memory_order_release);
      if (state_.connected) state_.disconnected_since = absl::Now();
      state_.connected = false;
      state_.last_error = ended.ToString();
      ++state_.reconnects;
    }
    Publish();
    std::fprintf(stderr,
                 "{\"ts\":\"%s\",\"event\":\"roster_feed_disconnected\",\"error\":\"%s\"}\n",
                 absl::FormatTime(absl::RFC3339_full, absl::Now(), absl::UTCTimeZone()).c_str(),
                 std::string(absl::CEscape(ended.ToString())).c_str());
    if (healthy_end || absl::IsFailedPrecondition(ended)) backoff = options_.min_backoff;
    {
      absl::MutexLock lock(&mu_);
      if (mu_.AwaitWithTimeout(absl::Condition(&stopping_), backoff)) return;
    }
    backoff = std::min(backoff * 2, options_.max_backoff);
  }
}

absl::Status RosterChangeFollower::Follow(std::optional<int64_t> after) {
  rosterpb::WatchRosterChangesRequest request;
  if (after.has_value()) {
    request.set_after_sequence(*after);
  } else {
    request.set_start_at_head(true);
  }
  grpc::ClientContext context;
  // A roster that is starting (or restarting) is waited for, not retried on
  // a timer: the stream opens the moment it listens.
  context.set_wait_for_ready(true);
  ASSIGN_OR_RETURN(std::string bearer, options_.token());
  auth::AttachBearerToken(context, bearer);
  {
    absl::MutexLock lock(&mu_);
    if (stopping_) return absl::CancelledError("stopping");
    context_ = &context;
    last_heard_ = absl::Now();
    // Resuming: everything up to the saved position is applied.
    if (after.has_value() && *after > state_.applied_sequence) {
      state_.applied_sequence = *after;
      applied_.store(*after, std::memory_order_release);
    }
  }
  std::unique_ptr<grpc::ClientReader<rosterpb::WatchRosterChangesResponse>> reader =
      stub_->stub->WatchRosterChanges(&context, request);
  rosterpb::WatchRosterChangesResponse response;
  absl::Status failed;
  // Starting at the head: the first message is the position from now on.
  bool at_head = !after.has_value();
  while (failed.ok() && reader->Read(&response)) {
    failed = Take(response, at_head);
    at_head = false;
  }
  if (!failed.ok()) context.TryCancel();
  grpc::Status status = reader->Finish();
  {
    absl::MutexLock lock(&mu_);
    context_ = nullptr;
  }
  if (!failed.ok()) return failed;
  if (status.ok()) return absl::UnavailableError("the roster ended the change stream");
  return FromDownstreamStatus(status, "roster WatchRosterChanges");
}

absl::Status RosterChangeFollower::CheckFeedId(absl::string_view feed_id) {
  absl::MutexLock lock(&mu_);
  last_heard_ = absl::Now();
  if (feed_id.empty() || feed_id == feed_id_) return absl::OkStatus();
  const std::string before = std::exchange(feed_id_, std::string(feed_id));
  if (before.empty()) return absl::OkStatus();
  // Another change log: its sequences are not the ones saved.
  return absl::FailedPreconditionError(
      absl::StrCat("the roster's change log is another one (", feed_id, ", was ", before, ")"));
}

absl::Status RosterChangeFollower::Take(const rosterpb::WatchRosterChangesResponse& response,
                                        bool at_head) {
  RETURN_IF_ERROR(CheckFeedId(response.feed_id()));
  int64_t applied = applied_.load(std::memory_order_acquire);
  if (at_head) {
    // Everything cached or derived before this head is suspect.
    if (options_.rebuild) RETURN_IF_ERROR(options_.rebuild(response.head_sequence()));
    applied = response.head_sequence();
  }
  if (!response.changes().empty()) {
    RETURN_IF_ERROR(options_.apply(response.changes()));
    applied = response.changes().rbegin()->sequence();
  }
  if (at_head || !response.changes().empty()) {
    RETURN_IF_ERROR(options_.save_position({.sequence = applied, .feed_id = feed_id()}));
  }
  applied_.store(applied, std::memory_order_release);
  {
    absl::MutexLock lock(&mu_);
    state_.applied_sequence = applied;
    state_.head_sequence = std::max(state_.head_sequence, response.head_sequence());
    if (!state_.connected) {
      state_.connected = true;
      state_.last_error.clear();
      connected_.store(true, std::memory_order_release);
    }
    if (applied >= response.head_sequence()) caught_up_ = true;
  }
  Publish();
  return absl::OkStatus();
}

void RosterChangeFollower::Watchdog() {
  absl::MutexLock lock(&mu_);
  for (;;) {
    if (mu_.AwaitWithTimeout(absl::Condition(&stopping_), absl::Seconds(1))) return;
    if (context_ != nullptr && absl::Now() - last_heard_ > options_.idle_timeout) {
      // No heartbeat: the connection is gone without a word. Reopen.
      context_->TryCancel();
      last_heard_ = absl::Now();
    }
  }
}

}  // namespace salesteam::clients
