// Follows the roster's change feed (RosterService.WatchRosterChanges) for a
// service that keeps what it read from the roster: one thread holds the
// stream open, hands each message's changes to `apply`, then records the
// last sequence with `save_position` (durably, in the service's own
// database), and resumes from it after any disconnect or restart, so that
// every change is applied at least once and, because the position moves
// only after `apply` returned OK, none is skipped. `apply` must therefore be
// idempotent. Whenever it starts at the head (no position saved yet, or
// after one of the cases below), `rebuild` runs first with that head, since
// anything cached before may lag changes it will never be sent.
//
// When the roster answers FAILED_PRECONDITION (the saved position is past
// the feed's retention, or ahead of a roster restored from a backup), or
// names another change log than before (WatchRosterChangesResponse.feed_id),
// the follower starts again at the head: everything derived before is
// suspect.
//
// The follower is healthy while its stream is open and it has heard from
// the roster within idle_timeout (the roster beats about every 10 s); the
// state it reports (connected, applied and head sequences, last error)
// feeds the service's health details and metrics.
#ifndef SALESTEAM_CLIENTS_ROSTER_ROSTER_CHANGE_FOLLOWER_H_
#define SALESTEAM_CLIENTS_ROSTER_ROSTER_CHANGE_FOLLOWER_H_

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <thread>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "absl/types/span.h"
#include "common/client/peer_channel.h"
#include "salesteam/roster/v1/roster.pb.h"

namespace grpc {
class Channel;
class ClientContext;
}  // namespace grpc

namespace salesteam::clients {

struct RosterFeedState {
  bool connected = false;
  // The newest change applied (and saved), and the newest the roster has.
  int64_t applied_sequence = 0;
  int64_t head_sequence = 0;
  // Since when the follower is disconnected (connected == false), and why.
  absl::Time disconnected_since = absl::InfinitePast();
  std::string last_error = "";
  int64_t reconnects = 0;
  int64_t rebuilds = 0;
};

// Where a follower is in the feed: the newest change applied, and the
// change log it belongs to (WatchRosterChangesResponse.feed_id).
struct RosterFeedPosition {
  int64_t sequence = 0;
  std::string feed_id = "";
};

struct RosterChangeFollowerOptions {
  // Mints the bearer token (a service token).
  client::TokenFunction token = nullptr;
  // The position to resume from; nullopt: none saved yet.
  std::function<absl::StatusOr<std::optional<RosterFeedPosition>>()> load_position = nullptr;
  std::function<absl::Status(const RosterFeedPosition& position)> save_position = nullptr;
  // Applies consecutive changes (idempotently). An error stops the stream;
  // the same changes come again after the reconnect pause.
  std::function<absl::Status(
      const google::protobuf::RepeatedPtrField<roster::v1::RosterChange>& changes)>
      apply = nullptr;
  // Drops everything derived from the roster before `head`.
  std::function<absl::Status(int64_t head)> rebuild = nullptr;
  // Each change of state (connect, disconnect, progress).
  std::function<void(const RosterFeedState& state)> on_state = nullptr;
  // A stream silent this long is taken for dead and reopened.
  absl::Duration idle_timeout = absl::Seconds(35);
  // Pause before reopening, doubling from min to max while failures last.
  absl::Duration min_backoff = absl::Milliseconds(100);
  absl::Duration max_backoff = absl::Seconds(5);
};

class RosterChangeFollower {
 public:
  RosterChangeFollower(std::shared_ptr<grpc::Channel> channel, RosterChangeFollowerOptions options);
  // Stops and joins the thread.
  ~RosterChangeFollower();
  RosterChangeFollower(const RosterChangeFollower&) = delete;
  RosterChangeFollower& operator=(const RosterChangeFollower&) = delete;

  void Start() ABSL_LOCKS_EXCLUDED(mu_);
  void Stop() ABSL_LOCKS_EXCLUDED(mu_);

  // Waits until the follower has applied everything the roster had when it
  // connected (true), or `timeout` passed (false).
  bool AwaitCaughtUp(absl::Duration timeout) ABSL_LOCKS_EXCLUDED(mu_);

  RosterFeedState state() const ABSL_LOCKS_EXCLUDED(mu_);
  // The newest change applied; cheap, for hot paths.
  int64_t applied_sequence() const { return applied_.load(std::memory_order_acquire); }
  bool connected() const { return connected_.load(std::memory_order_acquire); }
  // The roster's change log id (empty until the first message).
  std::string feed_id() const ABSL_LOCKS_EXCLUDED(mu_);

 private:
  void Run() ABSL_LOCKS_EXCLUDED(mu_);
  // One stream from `after` (or the head); returns why it ended.
  absl::Status Follow(std::optional<int64_t> after) ABSL_LOCKS_EXCLUDED(mu_);
  // Applies one message: rebuild (starting at the head), apply, save, then
  // the state; an error ends the stream with the position unmoved.
  absl::Status Take(const roster::v1::WatchRosterChangesResponse& response, bool at_head)
      ABSL_LOCKS_EXCLUDED(mu_);
  // FAILED_PRECONDITION when the message names another change log than the
  // one followed so far.
  absl::Status CheckFeedId(absl::string_view feed_id) ABSL_LOCKS_EXCLUDED(mu_);
  void Watchdog() ABSL_LOCKS_EXCLUDED(mu_);
  void Publish() ABSL_LOCKS_EXCLUDED(mu_);

  struct Stub;
  std::unique_ptr<Stub> stub_;
  const RosterChangeFollowerOptions options_;

  std::atomic<int64_t> applied_{0};
  std::atomic<bool> connected_{false};

  mutable absl::Mutex mu_;
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  bool caught_up_ ABSL_GUARDED_BY(mu_) = false;
  grpc::ClientContext* context_ ABSL_GUARDED_BY(mu_) = nullptr;
  absl::Time last_heard_ ABSL_GUARDED_BY(mu_) = absl::InfinitePast();
  RosterFeedState state_ ABSL_GUARDED_BY(mu_);
  std::string feed_id_ ABSL_GUARDED_BY(mu_);
  std::thread thread_;
  std::thread watchdog_;
};

}  // namespace salesteam::clients

#endif  // SALESTEAM_CLIENTS_ROSTER_ROSTER_CHANGE_FOLLOWER_H_
