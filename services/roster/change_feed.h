// The roster's change feed as this process serves it (WatchRosterChanges):
// which sequence is the newest committed, and who to wake when it moves.
//
// The changes themselves are rows the store appends in each write's
// transaction (RosterStore::ReadChanges reads them). ChangeFeed learns of a
// new one two ways: at once from this process's own writes (the store's
// ChangeListener calls Committed), and by reading the change log every
// poll_interval for the writes of other replicas. It remembers the newest
// change of each member and team in the retained log, so that the service
// can tell whether a cached copy read at some sequence is still current. On each advance it raises
// the head in Redis (clients/roster/change_head.h) and wakes the watching
// streams; every heartbeat_interval it wakes them with nothing new, so that
// a client can tell a quiet feed from a dead connection. Every
// prune_interval it deletes the changes older than the retention.
#ifndef SALESTEAM_SERVICES_ROSTER_CHANGE_FEED_H_
#define SALESTEAM_SERVICES_ROSTER_CHANGE_FEED_H_

#include <cstdint>
#include <functional>
#include <string>
#include <thread>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "common/cache/cache.h"
#include "services/roster/roster_store.h"

namespace salesteam::roster {

struct ChangeFeedOptions {
  // How often the change log is read for other replicas' writes.
  absl::Duration poll_interval = absl::Milliseconds(200);
  // How often a watcher with nothing new gets an empty message.
  absl::Duration heartbeat_interval = absl::Seconds(10);
  // How long changes are kept; a watcher further behind must rebuild.
  absl::Duration retention = absl::Hours(7 * 24);
  absl::Duration prune_interval = absl::Minutes(10);
  // The budget of the Redis call that raises the published head.
  absl::Duration cache_timeout = absl::Milliseconds(50);
  std::function<absl::Time()> clock = [] { return absl::Now(); };
};

class ChangeFeed {
 public:
  class Subscriber {
   public:
    virtual ~Subscriber() = default;
    // The feed's head is now `head` (or, with `heartbeat`, nothing changed
    // for a heartbeat interval). Called with the feed's lock held: it must
    // not block, nor call back into the feed.
    virtual void OnFeedAdvanced(int64_t head, bool heartbeat) = 0;
  };

  // `store` and `cache` (may be null) must outlive the feed.
  ChangeFeed(RosterStore* store, cache::Cache* cache, ChangeFeedOptions options);
  // Stops the poller.
  ~ChangeFeed();
  ChangeFeed(const ChangeFeed&) = delete;
  ChangeFeed& operator=(const ChangeFeed&) = delete;

  // Reads the head and starts polling.
  void Start() ABSL_LOCKS_EXCLUDED(mu_);

  // A write of this process committed: publishes its sequence and wakes the
  // watchers, before the write is answered.
  void Committed(const CommittedChange& change) ABSL_LOCKS_EXCLUDED(mu_);

  // The newest sequence this process knows committed (a lower bound of the
  // database's: another replica's write shows after at most a poll).
  int64_t head() const ABSL_LOCKS_EXCLUDED(mu_);

  // The sequence of the newest change to this member or team that this
  // process knows of (0: none retained). A copy of one read from the
  // database at sequence s (a label: head() taken before the read) is
  // current only if s is at least this.
  int64_t LastChangeOfMember(absl::string_view member_id) const ABSL_LOCKS_EXCLUDED(mu_);
  int64_t LastChangeOfTeam(absl::string_view team_id) const ABSL_LOCKS_EXCLUDED(mu_);

  // After Unsubscribe returns, the subscriber is never called again.
  void Subscribe(Subscriber* subscriber) ABSL_LOCKS_EXCLUDED(mu_);
  void Unsubscribe(Subscriber* subscriber) ABSL_LOCKS_EXCLUDED(mu_);

  const ChangeFeedOptions& options() const { return options_; }

  // The change log's id (empty until the database has answered once).
  std::string feed_id() const ABSL_LOCKS_EXCLUDED(mu_);

 private:
  void Run() ABSL_LOCKS_EXCLUDED(mu_);
  // Reads the changes after the head from the log, records what they
  // changed and advances to them; returns whether the head rose.
  bool CatchUp() ABSL_LOCKS_EXCLUDED(mu_);
  void Record(const CommittedChange& change) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // Raises the head to `sequence` (if higher) and wakes the subscribers.
  void AdvanceLocked(int64_t sequence) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // Raises (or, with raise_only false, sets) the head in Redis.
  void Publish(int64_t sequence, bool raise_only = true) ABSL_LOCKS_EXCLUDED(mu_);
  // Reads (or sets) the change log's id when it is not known yet.
  void LoadFeedId() ABSL_LOCKS_EXCLUDED(mu_);

  RosterStore* const store_;
  cache::Cache* const cache_;
  const ChangeFeedOptions options_;

  mutable absl::Mutex mu_;
  int64_t head_ ABSL_GUARDED_BY(mu_) = 0;
  std::string feed_id_ ABSL_GUARDED_BY(mu_);
  // The log is read through this sequence (this process's own commits may
  // have moved head_ past it).
  int64_t read_through_ ABSL_GUARDED_BY(mu_) = 0;
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  absl::flat_hash_set<Subscriber*> subscribers_ ABSL_GUARDED_BY(mu_);
  absl::flat_hash_map<std::string, int64_t> last_change_of_member_ ABSL_GUARDED_BY(mu_);
  absl::flat_hash_map<std::string, int64_t> last_change_of_team_ ABSL_GUARDED_BY(mu_);
  std::thread poller_;
};

}  // namespace salesteam::roster

#endif  // SALESTEAM_SERVICES_ROSTER_CHANGE_FEED_H_
