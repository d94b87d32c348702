#include "common/cache/cache_aside.h"

#include <algorithm>
#include <optional>
#include <vector>

#include "absl/strings/str_cat.h"

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

absl::StatusOr<CacheAside::ValuesByKey> CacheAside::GetOrLoadMany(
    absl::Span<const std::string> keys, absl::Duration ttl,
    absl::FunctionRef<absl::StatusOr<ValuesByKey>(absl::Span<const std::string> missing)> load) {
  ValuesByKey found;
  if (keys.empty()) return found;
  absl::StatusOr<std::vector<std::optional<std::string>>> cached =
      cache_->MGet(keys, options_.call_options);
  std::vector<std::string> missing;
  if (cached.ok() && cached->size() == keys.size()) {
    for (size_t i = 0; i < keys.size(); ++i) {
      if ((*cached)[i].has_value()) {
        found.emplace(keys[i], *std::move((*cached)[i]));
      } else {
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
    const std::string ttl_ms = absl::StrCat(std::max<int64_t>(1, absl::ToInt64Milliseconds(ttl)));
    std::vector<Command> sets;
    sets.reserve(loaded->size());
    for (const auto& [key, value] : *loaded) sets.push_back({"SET", key, value, "PX", ttl_ms});
    // Best effort: the answer is correct whether or not it could be stored.
    if (!sets.empty()) cache_->Pipeline(sets, options_.call_options).IgnoreError();
  }
  for (auto& [key, value] : *loaded) found.insert_or_assign(key, std::move(value));
  return found;
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
