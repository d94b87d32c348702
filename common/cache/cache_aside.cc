#include "common/cache/cache_aside.h"

#include <optional>

namespace salesteam::cache {

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
  if (cached.ok() && cached->has_value() && accept_cached(**cached)) {
    hits_.fetch_add(1, std::memory_order_relaxed);
    return absl::OkStatus();
  }
  // Unreachable or overloaded cache (down, circuit open, pool exhausted: all
  // UNAVAILABLE, see cache.h): answer from the database and leave the cache
  // alone, so the caller does not pay a second failing call. Any other error
  // (e.g. the key holds another type) is repaired by overwriting it.
  const bool cache_down = !cached.ok() && (absl::IsUnavailable(cached.status()) ||
                                           absl::IsDeadlineExceeded(cached.status()));
  absl::StatusOr<std::string> loaded = load();
  if (!loaded.ok()) return loaded.status();
  if (cache_down) {
    bypassed_.fetch_add(1, std::memory_order_relaxed);
    return absl::OkStatus();
  }
  misses_.fetch_add(1, std::memory_order_relaxed);
  // Best effort: the answer is correct whether or not it could be stored.
  cache_->Set(key, *loaded, SetOptions{.ttl = ttl}, options_.call_options).IgnoreError();
  return absl::OkStatus();
}

absl::Status CacheAside::Invalidate(absl::Span<const std::string> keys) {
  return cache_->Del(keys, options_.call_options).status();
}

CacheAsideStats CacheAside::stats() const {
  return CacheAsideStats{hits_.load(std::memory_order_relaxed),
                         misses_.load(std::memory_order_relaxed),
                         bypassed_.load(std::memory_order_relaxed)};
}

}  // namespace salesteam::cache
