// A bounded least-recently-used cache of prepared statements, one per
// connection, keyed by SQL text. Lookups take an absl::string_view so that the
// hot path (the same statement again) neither copies nor allocates.
#ifndef SALESTEAM_COMMON_STORE_INTERNAL_STATEMENT_CACHE_H_
#define SALESTEAM_COMMON_STORE_INTERNAL_STATEMENT_CACHE_H_

#include <cstddef>
#include <functional>
#include <list>
#include <string>
#include <utility>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/string_view.h"

namespace salesteam::store::internal {

template <typename V>
class StatementCache {
 public:
  // `evict` releases a statement (sqlite3_finalize, DEALLOCATE) when the cache
  // drops it.
  StatementCache(size_t capacity, std::function<void(V&)> evict)
      : capacity_(capacity < 1 ? 1 : capacity), evict_(std::move(evict)) {}
  StatementCache(const StatementCache&) = delete;
  StatementCache& operator=(const StatementCache&) = delete;
  ~StatementCache() { Clear(); }

  // The cached statement for `key`, marked most recently used; nullptr if none.
  V* Find(absl::string_view key) {
    auto it = index_.find(key);
    if (it == index_.end()) return nullptr;
    if (it->second != lru_.begin()) lru_.splice(lru_.begin(), lru_, it->second);
    return &it->second->value;
  }

  // Caches `value` under `key` (which must not be cached yet), evicting the
  // least recently used statement when full.
  V* Insert(absl::string_view key, V value) {
    if (lru_.size() >= capacity_) {
      Entry& last = lru_.back();
      index_.erase(absl::string_view(last.key));
      evict_(last.value);
      lru_.pop_back();
    }
    lru_.push_front(Entry{std::string(key), std::move(value)});
    index_.emplace(absl::string_view(lru_.front().key), lru_.begin());
    return &lru_.front().value;
  }

  // Drops one statement, e.g. after the server said its plan is stale.
  void Erase(absl::string_view key) {
    auto it = index_.find(key);
    if (it == index_.end()) return;
    auto entry = it->second;
    index_.erase(it);
    evict_(entry->value);
    lru_.erase(entry);
  }

  // Drops every statement.
  void Clear() {
    for (Entry& entry : lru_) evict_(entry.value);
    index_.clear();
    lru_.clear();
  }

  size_t size() const { return lru_.size(); }

 private:
  struct Entry {
    std::string key;
    V value;
  };

  const size_t capacity_;
  std::function<void(V&)> evict_;
  std::list<Entry> lru_;  // most recently used first
  // Keys point into the list's entries, which never move.
  absl::flat_hash_map<absl::string_view, typename std::list<Entry>::iterator> index_;
};

}  // namespace salesteam::store::internal

#endif  // SALESTEAM_COMMON_STORE_INTERNAL_STATEMENT_CACHE_H_
