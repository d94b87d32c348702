// FakeCache: an in-memory Cache for unit tests of code that uses the cache
// (services, CacheAside). It interprets the subset of Redis commands that the
// typed Cache methods send (strings, counters, TTLs, sorted sets, hashes),
// with Redis's replies and error texts, and has a switch that makes every
// call fail with UNAVAILABLE, as RedisCache does while Redis is down or its
// circuit is open. Expiry follows an injectable clock so tests need not sleep.
//
// The real client is tested against a real redis-server (redis_cache_test.cc);
// this fake is for callers that want to test their fallback paths.
#ifndef SALESTEAM_COMMON_CACHE_FAKE_CACHE_H_
#define SALESTEAM_COMMON_CACHE_FAKE_CACHE_H_

#include <cstdint>
#include <functional>
#include <string>
#include <variant>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "common/cache/cache.h"

namespace salesteam::cache {

class FakeCache final : public Cache {
 public:
  // `clock` decides when keys expire; absl::Now by default.
  explicit FakeCache(std::function<absl::Time()> clock = absl::Now);

  absl::StatusOr<std::vector<absl::StatusOr<Reply>>> Pipeline(absl::Span<const Command> commands,
                                                              const CallOptions& options) override;

  // false: every call fails with UNAVAILABLE without touching the data, as
  // when Redis is down. The data survives and is there again when set back
  // to true (use Clear() to simulate a Redis that restarted empty).
  void SetAvailable(bool available);
  // Drops every key.
  void Clear();
  // Pipeline/Execute calls made so far, including failed ones.
  int64_t calls() const;
  // Commands that reached the data (not failed by SetAvailable(false)).
  int64_t commands_executed() const;

 private:
  struct SortedSet {
    absl::flat_hash_map<std::string, double> scores;
  };
  using Hash = absl::flat_hash_map<std::string, std::string>;
  struct Entry {
    std::variant<std::string, SortedSet, Hash> value;
    absl::Time expires_at = absl::InfiniteFuture();
  };

  absl::StatusOr<Reply> Run(const Command& command) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // The live entry for `key`, or nullptr (dropping it if it has expired).
  Entry* Find(const std::string& key) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  const std::function<absl::Time()> clock_;
  mutable absl::Mutex mu_;
  absl::flat_hash_map<std::string, Entry> data_ ABSL_GUARDED_BY(mu_);
  bool available_ ABSL_GUARDED_BY(mu_) = true;
  int64_t calls_ ABSL_GUARDED_BY(mu_) = 0;
  int64_t commands_executed_ ABSL_GUARDED_BY(mu_) = 0;
};

}  // namespace salesteam::cache

#endif  // SALESTEAM_COMMON_CACHE_FAKE_CACHE_H_
