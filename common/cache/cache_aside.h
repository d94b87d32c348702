// Cache-aside reads for values whose source of truth is a database: look in
// the cache, and on a miss ask the loader (the database), store its answer
// with a TTL, and return it. When the cache is unavailable (Redis down, its
// circuit open, the pool exhausted) the loader's answer is returned and no
// write is attempted, so a Redis outage costs one failed-fast call, never a
// wait. Writers call Invalidate after committing to the database.
//
// The race it closes: a reader misses, loads the old row, the writer commits
// and invalidates, then the reader stores the old row, which would be served
// until its TTL (for roster members: a deactivated rep reported active for
// minutes). So Invalidate does not delete the key: it overwrites it with a
// short-lived tombstone (CacheAsideOptions::tombstone_ttl), and readers store
// only with SET NX, which never overwrites a tombstone (nor anything else). A
// reader that finds a tombstone treats it as a miss: it loads, returns the
// loaded value and does not store it; the first read after the tombstone
// expires stores the value again.
//
// Staleness bound: no stale value survives an invalidation that reached
// Redis, provided the stale reader's store happens within tombstone_ttl after
// the invalidation, i.e. the reader's whole load (from its GET to its SET)
// takes less than tombstone_ttl, and Redis did not evict the tombstone under
// memory pressure. Past that, and when an invalidation failed because Redis
// was unreachable (Invalidate then says UNAVAILABLE), the TTL is what bounds
// how long an old value can be served. Choose the TTL as the longest
// staleness the data may show, and tombstone_ttl well above the slowest load.
//
// Reserved values: a cached value starting with kCacheAsideTombstone (a NUL
// byte, then "salesteam-cache-tombstone") is a tombstone. Stored values must
// not start with it; a loaded value that does is returned but never stored.
// Protobuf wire bytes cannot start with a NUL byte (it would be field number
// 0, which is invalid), so messages are safe.
//
// GetOrLoadMessage stores protobuf messages in their wire form. It is a
// template over any type with ParseFromString/SerializeToString, so this
// header does not pull in protobuf.
#ifndef SALESTEAM_COMMON_CACHE_CACHE_ASIDE_H_
#define SALESTEAM_COMMON_CACHE_CACHE_ASIDE_H_

#include <atomic>
#include <cstdint>
#include <string>
#include <utility>

#include "absl/container/flat_hash_map.h"
#include "absl/functional/function_ref.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/match.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "absl/types/span.h"
#include "common/cache/cache.h"

namespace salesteam::cache {

// The value Invalidate writes; see "Reserved values" above. It is also the
// reserved prefix: any cached value starting with it counts as a tombstone.
inline constexpr char kCacheAsideTombstoneBytes[] = "\0salesteam-cache-tombstone";
inline constexpr absl::string_view kCacheAsideTombstone(kCacheAsideTombstoneBytes,
                                                        sizeof(kCacheAsideTombstoneBytes) - 1);

// Whether a cached value is a tombstone rather than a stored value.
inline bool IsCacheAsideTombstone(absl::string_view value) {
  return absl::StartsWith(value, kCacheAsideTombstone);
}

struct CacheAsideOptions {
  // How long a loaded value stays cached unless a call says otherwise.
  absl::Duration ttl = absl::Minutes(5);
  // How long an invalidation's tombstone keeps readers from storing: must be
  // longer than the slowest load (GET to SET) a reader may take, or a reader
  // that loaded before the writer's commit can store the old value after
  // the tombstone expired. While it lasts, reads of the key go to the loader.
  absl::Duration tombstone_ttl = absl::Seconds(10);
  // The budget of each cache call (GET, MGET, SET, pipeline) the helper makes.
  CallOptions call_options = {};
};

// Counters for metrics.
struct CacheAsideStats {
  int64_t hits = 0;      // answered from the cache
  int64_t misses = 0;    // key absent, a tombstone or undecodable: loaded (stored if absent)
  int64_t bypassed = 0;  // cache unavailable: loaded, not stored
};

class CacheAside {
 public:
  // `cache` must outlive this object.
  explicit CacheAside(Cache* cache, CacheAsideOptions options = {});

  // The cached value of `key`, or the loader's answer (stored for `ttl` with
  // SET NX when the key was absent; not stored when it held a tombstone). A
  // loader error is returned as is and nothing is stored (NOT_FOUND is not
  // cached either).
  absl::StatusOr<std::string> GetOrLoad(absl::string_view key, absl::Duration ttl,
                                        absl::FunctionRef<absl::StatusOr<std::string>()> load);
  absl::StatusOr<std::string> GetOrLoad(absl::string_view key,
                                        absl::FunctionRef<absl::StatusOr<std::string>()> load) {
    return GetOrLoad(key, options_.ttl, load);
  }

  // The same for a protobuf message: `load` returns absl::StatusOr<Message>.
  // A cached value that does not parse (or a key of another type) counts as a
  // miss and is replaced by a tombstone, not by the loaded value: overwriting
  // it with a plain SET could overwrite a writer's tombstone that landed
  // meanwhile. The first read after tombstone_ttl stores the value again.
  //   auto member = aside.GetOrLoadMessage<Member>(key, [&] { return store.GetMember(id); });
  template <typename Message, typename LoadFn>
  absl::StatusOr<Message> GetOrLoadMessage(absl::string_view key, absl::Duration ttl,
                                           LoadFn&& load);
  template <typename Message, typename LoadFn>
  absl::StatusOr<Message> GetOrLoadMessage(absl::string_view key, LoadFn&& load) {
    return GetOrLoadMessage<Message>(key, options_.ttl, std::forward<LoadFn>(load));
  }

  // Many keys in two round trips at most: one MGET, then (after `load` has
  // fetched every key that was not cached, in one call) one pipelined
  // SET NX of what it found for the keys that were absent. `load` gets the
  // missing keys (absent or tombstoned) and returns the values it found, by
  // key; keys it does not return do not exist and are neither cached nor in
  // the answer. Tombstoned keys are loaded but not stored. Values are
  // returned as cached, undecoded: a caller that finds one it cannot decode
  // calls Invalidate for it. When the cache is unavailable every key is
  // loaded and nothing is stored, as in GetOrLoad.
  using ValuesByKey = absl::flat_hash_map<std::string, std::string>;
  absl::StatusOr<ValuesByKey> GetOrLoadMany(
      absl::Span<const std::string> keys, absl::Duration ttl,
      absl::FunctionRef<absl::StatusOr<ValuesByKey>(absl::Span<const std::string> missing)> load);

  // Replaces the cached values by tombstones (for tombstone_ttl, in one
  // pipelined round trip) so the next reads load from the database and no
  // reader stores a value it loaded before this call. UNAVAILABLE when Redis
  // could not be reached: the old value may then be served until its TTL
  // ends.
  absl::Status Invalidate(absl::Span<const std::string> keys);
  absl::Status Invalidate(absl::string_view key) {
    const std::string owned(key);
    return Invalidate(absl::MakeConstSpan(&owned, 1));
  }

  CacheAsideStats stats() const;

 private:
  // The core: `accept_cached` decodes a cached value (false: treat as a
  // miss; it never sees a tombstone); `load` produces the value to return,
  // in its stored form.
  absl::Status GetOrLoadInto(absl::string_view key, absl::Duration ttl,
                             absl::FunctionRef<bool(const std::string&)> accept_cached,
                             absl::FunctionRef<absl::StatusOr<std::string>()> load);

  Cache* const cache_;
  const CacheAsideOptions options_;
  std::atomic<int64_t> hits_{0};
  std::atomic<int64_t> misses_{0};
  std::atomic<int64_t> bypassed_{0};
};

template <typename Message, typename LoadFn>
absl::StatusOr<Message> CacheAside::GetOrLoadMessage(absl::string_view key, absl::Duration ttl,
                                                     LoadFn&& load) {
  Message message;
  absl::Status status = GetOrLoadInto(
      key, ttl,
      [&message](const std::string& cached) {
        message.Clear();
        return message.ParseFromString(cached);
      },
      [&message, &load]() -> absl::StatusOr<std::string> {
        absl::StatusOr<Message> loaded = load();
        if (!loaded.ok()) return loaded.status();
        message = *std::move(loaded);
        std::string bytes;
        if (!message.SerializeToString(&bytes)) {
          return absl::InternalError("cache-aside: loaded message does not serialize");
        }
        return bytes;
      });
  if (!status.ok()) return status;
  return message;
}

}  // namespace salesteam::cache

#endif  // SALESTEAM_COMMON_CACHE_CACHE_ASIDE_H_
