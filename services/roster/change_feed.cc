#include "services/roster/change_feed.h"

#include <cstdio>
#include <string>
#include <utility>
#include <vector>

#include "absl/random/random.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "clients/roster/change_head.h"

namespace salesteam::roster {

ChangeFeed::ChangeFeed(RosterStore* store, cache::Cache* cache, ChangeFeedOptions options)
    : store_(store), cache_(cache), options_(std::move(options)) {}

ChangeFeed::~ChangeFeed() {
  {
    absl::MutexLock lock(&mu_);
    stopping_ = true;
  }
  if (poller_.joinable()) poller_.join();
}

std::string ChangeFeed::feed_id() const {
  absl::MutexLock lock(&mu_);
  return feed_id_;
}

void ChangeFeed::LoadFeedId() {
  {
    absl::MutexLock lock(&mu_);
    if (!feed_id_.empty()) return;
  }
  absl::BitGen bits;
  const std::string proposed =
      absl::StrFormat("%016x%016x", absl::Uniform<uint64_t>(bits), absl::Uniform<uint64_t>(bits));
  absl::StatusOr<std::string> id = store_->FeedId(proposed);
  if (!id.ok() || id->empty()) return;
  absl::MutexLock lock(&mu_);
  feed_id_ = *std::move(id);
}

void ChangeFeed::Start() {
  LoadFeedId();
  // Every retained change, so that the newest change of each member and team
  // is known before the first cached copy is judged; then the head.
  while (CatchUp()) {
  }
  // Set, not raised: a database restored from a backup has an older head
  // than Redis remembers, and clients would read through until it passed it.
  Publish(head(), /*raise_only=*/false);
  poller_ = std::thread([this] { Run(); });
}

void ChangeFeed::Committed(const CommittedChange& change) {
  Publish(change.sequence);
  absl::MutexLock lock(&mu_);
  Record(change);
  // The poller reads any change of another replica numbered below this one;
  // until then the head may skip past it, which only makes it later news.
  AdvanceLocked(change.sequence);
}

int64_t ChangeFeed::LastChangeOfMember(absl::string_view member_id) const {
  absl::MutexLock lock(&mu_);
  auto it = last_change_of_member_.find(member_id);
  return it == last_change_of_member_.end() ? 0 : it->second;
}

int64_t ChangeFeed::LastChangeOfTeam(absl::string_view team_id) const {
  absl::MutexLock lock(&mu_);
  auto it = last_change_of_team_.find(team_id);
  return it == last_change_of_team_.end() ? 0 : it->second;
}

void ChangeFeed::Record(const CommittedChange& change) {
  auto raise = [&](absl::flat_hash_map<std::string, int64_t>& map, const std::string& id) {
    int64_t& last = map[id];
    if (change.sequence > last) last = change.sequence;
  };
  if (!change.member_id.empty()) raise(last_change_of_member_, change.member_id);
  if (!change.team_id.empty()) raise(last_change_of_team_, change.team_id);
}

bool ChangeFeed::CatchUp() {
  int64_t after;
  {
    absl::MutexLock lock(&mu_);
    after = read_through_;
  }
  absl::StatusOr<ChangePage> page = store_->ReadChanges(after, 1000);
  if (!page.ok()) return false;
  absl::MutexLock lock(&mu_);
  if (page->changes.empty() && after < page->pruned_through) {
    // Pruned past what this process read: start from what is left.
    read_through_ = page->pruned_through;
    return true;
  }
  for (const rosterpb::RosterChange& change : page->changes) {
    Record({.sequence = change.sequence(),
            .team_id = change.team_id(),
            .member_id = change.member_id()});
    read_through_ = change.sequence();
  }
  const int64_t before = head_;
  AdvanceLocked(read_through_);
  return head_ > before || !page->changes.empty();
}

int64_t ChangeFeed::head() const {
  absl::MutexLock lock(&mu_);
  return head_;
}

void ChangeFeed::Subscribe(Subscriber* subscriber) {
  absl::MutexLock lock(&mu_);
  subscribers_.insert(subscriber);
}

void ChangeFeed::Unsubscribe(Subscriber* subscriber) {
  absl::MutexLock lock(&mu_);
  subscribers_.erase(subscriber);
}

void ChangeFeed::AdvanceLocked(int64_t sequence) {
  if (sequence <= head_) return;
  head_ = sequence;
  for (Subscriber* subscriber : subscribers_) subscriber->OnFeedAdvanced(head_, false);
}

void ChangeFeed::Publish(int64_t sequence, bool raise_only) {
  if (cache_ == nullptr) return;
  const std::string id = feed_id();
  if (id.empty()) return;
  cache::Command command = {"ZADD", clients::RosterChangeHeadKey(id)};
  if (raise_only) command.push_back("GT");
  command.push_back(absl::StrCat(sequence));
  command.push_back(std::string(clients::kRosterChangeHeadMember));
  // Best effort: a client that cannot read the head reads the roster itself.
  cache_->Execute(command, {.timeout = options_.cache_timeout}).IgnoreError();
}

void ChangeFeed::Run() {
  absl::Time next_heartbeat = options_.clock() + options_.heartbeat_interval;
  absl::Time next_prune = options_.clock();
  bool prune_failed_logged = false;
  for (;;) {
    {
      absl::MutexLock lock(&mu_);
      if (mu_.AwaitWithTimeout(absl::Condition(&stopping_), options_.poll_interval)) return;
    }
    LoadFeedId();
    // Other replicas' writes (they published their heads themselves).
    while (CatchUp()) {
    }
    // Again each round: a publish that failed (Redis slow or away) is made
    // good within a poll.
    Publish(head());
    const absl::Time now = options_.clock();
    if (now >= next_heartbeat) {
      next_heartbeat = now + options_.heartbeat_interval;
      absl::MutexLock lock(&mu_);
      for (Subscriber* subscriber : subscribers_) subscriber->OnFeedAdvanced(head_, true);
    }
    if (now >= next_prune) {
      next_prune = now + options_.prune_interval;
      absl::StatusOr<int64_t> pruned = store_->PruneChanges(now - options_.retention);
      if (!pruned.ok() && !prune_failed_logged) {
        std::fprintf(stderr, "roster change feed: pruning failed (will retry): %s\n",
                     pruned.status().ToString().c_str());
      }
      prune_failed_logged = !pruned.ok();
    }
  }
}

}  // namespace salesteam::roster
