#include "common/cache/cache_aside.h"

#include <algorithm>
#include <optional>
#include <vector>

#include "absl/container/flat_hash_set.h"
#include "absl/strings/str_cat.h"

namespace salesteam::cache {
namespace {

// A TTL as SET's PX argument (Redis refuses 0).
std::string TtlMilliseconds(absl::Duration ttl) {
  return absl::StrCat(std::max<int64_t>(1, absl::ToInt64Milliseconds(ttl)));
}

}  // namespace

CacheAside::CacheAside(Cache* cache, CacheAsideOptions options)
    : cache_(cache), options_(std::move(options)) {}

absl::StatusOr<std::string> CacheAside::GetOrLoad(
    absl::string_view key, absl::Duration ttl,
    absl::FunctionRef<absl::StatusOr<std::string>()> load) {
  std::string value;
  absl::Status status = GetOrLoadInto(
      key, ttl,
      [&value](const std::string& cached) {
        value = cached;
        return true;
      },
      [&value, &load]() -> absl::StatusOr<std::string> {
        absl::StatusOr<std::string> loaded = load();
        if (loaded.ok()) value = *loaded;
        return loaded;
      });
  if (!status.ok()) return status;
  return value;
}

absl::Status CacheAside::GetOrLoadInto(absl::string_view key, absl::Duration ttl,
                                       absl::FunctionRef<bool(const std::string&)> accept_cached,
                                       absl::FunctionRef<absl::StatusOr<std::string>()> load) {
  absl::StatusOr<std::optional<std::string>> cached = cache_->Get(key, options_.call_options);
  // A tombstone is checked first so that it is never decoded or returned.
  const bool tombstone = cached.ok() && cached->has_value() && IsCacheAsideTombstone(**cached);
  if (cached.ok() && cached->has_value() && !tombstone && accept_cached(**cached)) {
    hits_.fetch_add(1, std::memory_order_relaxed);
    return absl::OkStatus();
  }
  // Unreachable or overloaded cache (down, circuit open, pool exhausted: all
  // UNAVAILABLE, see cache.h): answer from the database and leave the cache
  // alone, so the caller does not pay a second failing call.
  const bool cache_down = !cached.ok() && (absl::IsUnavailable(cached.status()) ||
                                           absl::IsDeadlineExceeded(cached.status()));
  // Anything else that is neither absent nor a tombstone (an undecodable
  // value, a key of another type) is replaced by a tombstone before loading.
  // Overwriting it with the loaded value would need a plain SET, which could
  // overwrite a writer's tombstone set meanwhile; a tombstone never makes a
  // value stale, so writing one is always safe. Best effort, like the store.
  const bool absent = cached.ok() && !cached->has_value();
  if (!cache_down && !absent && !tombstone) {
    Invalidate(key).IgnoreError();
  }
  absl::StatusOr<std::string> loaded = load();
  if (!loaded.ok()) return loaded.status();
  if (cache_down) {
    bypassed_.fetch_add(1, std::memory_order_relaxed);
    return absl::OkStatus();
  }
  misses_.fetch_add(1, std::memory_order_relaxed);
  // Only a key that was absent is stored, and only if it still is (NX): a
  // tombstone written while we loaded means our value may predate a commit.
  // Best effort: the answer is correct whether or not it could be stored.
  if (absent && !IsCacheAsideTombstone(*loaded)) {
    cache_->Set(key, *loaded, SetOptions{.ttl = ttl, .only_if_absent = true}, options_.call_options)
        .IgnoreError();
  }
  return absl::OkStatus();
}

absl::StatusOr<CacheAside::ValuesByKey> CacheAside::GetOrLoadMany(
    absl::Span<const std::string> keys, absl::Duration ttl,
    absl::FunctionRef<absl::StatusOr<ValuesByKey>(absl::Span<const std::string> missing)> load) {
  ValuesByKey found;
  if (keys.empty()) return found;
  absl::StatusOr<std::vector<std::optional<std::string>>> cached =
      cache_->MGet(keys, options_.call_options);
  std::vector<std::string> missing;
  // The missing keys that held a tombstone: loaded, but not stored.
  absl::flat_hash_set<std::string> tombstoned;
  if (cached.ok() && cached->size() == keys.size()) {
    for (size_t i = 0; i < keys.size(); ++i) {
      std::optional<std::string>& value = (*cached)[i];
      if (value.has_value() && !IsCacheAsideTombstone(*value)) {
        found.emplace(keys[i], *std::move(value));
      } else {
        if (value.has_value()) tombstoned.insert(keys[i]);
        missing.push_back(keys[i]);
      }
    }
  } else {
    missing.assign(keys.begin(), keys.end());
  }
  hits_.fetch_add(static_cast<int64_t>(found.size()), std::memory_order_relaxed);
  if (missing.empty()) return found;
  // As in GetOrLoadInto: an unreachable cache is not asked again.
  const bool cache_down = !cached.ok() && (absl::IsUnavailable(cached.status()) ||
                                           absl::IsDeadlineExceeded(cached.status()));
  absl::StatusOr<ValuesByKey> loaded = load(missing);
  if (!loaded.ok()) return loaded.status();
  if (cache_down) {
    bypassed_.fetch_add(static_cast<int64_t>(missing.size()), std::memory_order_relaxed);
  } else {
    misses_.fetch_add(static_cast<int64_t>(missing.size()), std::memory_order_relaxed);
    const std::string ttl_ms = TtlMilliseconds(ttl);
    std::vector<Command> sets;
    sets.reserve(loaded->size());
    for (const auto& [key, value] : *loaded) {
      if (tombstoned.contains(key) || IsCacheAsideTombstone(value)) continue;
      // NX, as in GetOrLoadInto: never over a tombstone written while we loaded.
      sets.push_back({"SET", key, value, "PX", ttl_ms, "NX"});
    }
    // Best effort: the answer is correct whether or not it could be stored.
    if (!sets.empty()) cache_->Pipeline(sets, options_.call_options).IgnoreError();
  }
  for (auto& [key, value] : *loaded) found.insert_or_assign(key, std::move(value));
  return found;
}

absl::Status CacheAside::Invalidate(absl::Span<const std::string> keys) {
  if (keys.empty()) return absl::OkStatus();
  const std::string ttl_ms = TtlMilliseconds(options_.tombstone_ttl);
  const std::string tombstone(kCacheAsideTombstone);
  std::vector<Command> sets;
  sets.reserve(keys.size());
  // A plain SET (no NX): it must replace whatever is there, of any type.
  for (const std::string& key : keys) sets.push_back({"SET", key, tombstone, "PX", ttl_ms});
  absl::StatusOr<std::vector<absl::StatusOr<Reply>>> replies =
      cache_->Pipeline(sets, options_.call_options);
  if (!replies.ok()) return replies.status();
  for (const absl::StatusOr<Reply>& reply : *replies) {
    if (!reply.ok()) return reply.status();
  }
  return absl::OkStatus();
}

CacheAsideStats CacheAside::stats() const {
  return CacheAsideStats{hits_.load(std::memory_order_relaxed),
                         misses_.load(std::memory_order_relaxed),
                         bypassed_.load(std::memory_order_relaxed)};
}

}  // namespace salesteam::cache
