// Cache-aside reads for values whose source of truth is a database: look in
// the cache, and on a miss ask the loader (the database), store its answer
// with a TTL, and return it. When the cache is unavailable (Redis down, its
// circuit open, the pool exhausted) the loader's answer is returned and no
// write is attempted, so a Redis outage costs one failed-fast call, never a
// wait. Writers call Invalidate after committing to the database.
//
// Staleness bound: a reader that loaded before a writer's commit may store
// the old value after the writer invalidated it; the TTL is what bounds how
// long such a value (or one whose invalidation failed while Redis was
// unreachable) can be served. Choose the TTL as the longest staleness the
// data may show.
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
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "absl/types/span.h"
#include "common/cache/cache.h"

namespace salesteam::cache {

struct CacheAsideOptions {
  // How long a loaded value stays cached unless a call says otherwise.
  absl::Duration ttl = absl::Minutes(5);
  // The budget of each cache call (GET, SET, DEL) the helper makes.
  CallOptions call_options = {};
};

// Counters for metrics.
struct CacheAsideStats {
  int64_t hits = 0;      // answered from the cache
  int64_t misses = 0;    // key absent (or undecodable): loaded and stored
  int64_t bypassed = 0;  // cache unavailable: loaded, not stored
};

class CacheAside {
 public:
  // `cache` must outlive this object.
  explicit CacheAside(Cache* cache, CacheAsideOptions options = {});

  // The cached value of `key`, or the loader's answer (stored for `ttl` when
  // the cache answered with a miss). A loader error is returned as is and
  // nothing is stored (NOT_FOUND is not cached either).
  absl::StatusOr<std::string> GetOrLoad(absl::string_view key, absl::Duration ttl,
                                        absl::FunctionRef<absl::StatusOr<std::string>()> load);
  absl::StatusOr<std::string> GetOrLoad(absl::string_view key,
                                        absl::FunctionRef<absl::StatusOr<std::string>()> load) {
    return GetOrLoad(key, options_.ttl, load);
  }

  // The same for a protobuf message: `load` returns absl::StatusOr<Message>.
  // A cached value that does not parse counts as a miss and is overwritten.
  //   auto member = aside.GetOrLoadMessage<Member>(key, [&] { return store.GetMember(id); });
  template <typename Message, typename LoadFn>
  absl::StatusOr<Message> GetOrLoadMessage(absl::string_view key, absl::Duration ttl,
                                           LoadFn&& load);
  template <typename Message, typename LoadFn>
  absl::StatusOr<Message> GetOrLoadMessage(absl::string_view key, LoadFn&& load) {
    return GetOrLoadMessage<Message>(key, options_.ttl, std::forward<LoadFn>(load));
  }

  // Many keys in two round trips at most: one MGET, then (after `load` has
  // fetched every key that was not cached, in one call) one pipelined SET of
  // what it found. `load` gets the missing keys and returns the values it
  // found, by key; keys it does not return do not exist and are neither
  // cached nor in the answer. When the cache is unavailable every key is
  // loaded and nothing is stored, as in GetOrLoad.
  using ValuesByKey = absl::flat_hash_map<std::string, std::string>;
  absl::StatusOr<ValuesByKey> GetOrLoadMany(
      absl::Span<const std::string> keys, absl::Duration ttl,
      absl::FunctionRef<absl::StatusOr<ValuesByKey>(absl::Span<const std::string> missing)> load);

  // Deletes the cached values so the next read loads from the database.
  // UNAVAILABLE when Redis could not be reached: the old value may then be
  // served until its TTL ends.
  absl::Status Invalidate(absl::Span<const std::string> keys);
  absl::Status Invalidate(absl::string_view key) {
    const std::string owned(key);
    return Invalidate(absl::MakeConstSpan(&owned, 1));
  }

  CacheAsideStats stats() const;

 private:
  // The core: `accept_cached` decodes a cached value (false: treat as a
  // miss); `load` produces the value to return, in its stored form.
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
