// The cache every Salesteam service talks to: a small, typed view of the Redis
// commands the services use (strings, counters, TTLs, sorted sets for
// leaderboards, hashes) plus a pipeline that sends many commands in one round
// trip. Redis is shared cache and derived state, never the only copy of
// anything, so every call is bounded by the timeout in its CallOptions and a
// caller treats any error as "fall back to the database".
//
// Implementations: RedisCache (redis_cache.h, the real client) and FakeCache
// (fake_cache.h, in memory, for unit tests of callers). Both implement the two
// primitives Execute and Pipeline; the typed helpers here are built on them,
// so the fake and the real client decode replies with the same code.
//
// Errors, chosen by what the caller should do next:
//   UNAVAILABLE          Redis unreachable, timed out, out of memory (OOM), or
//                        the circuit is open, or no pooled connection became
//                        free within the timeout: all transient (fall back to
//                        the database; retrying later may work). The cache
//                        never answers RESOURCE_EXHAUSTED, which the suite
//                        keeps for a client's oversize input and rate limits.
//   FAILED_PRECONDITION  the key holds the wrong type or a non-numeric value
//   INTERNAL             any other error reply (a bug in the command)
// Values and keys are byte strings: serialized protos round-trip unchanged.
#ifndef SALESTEAM_COMMON_CACHE_CACHE_H_
#define SALESTEAM_COMMON_CACHE_CACHE_H_

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "absl/types/span.h"

namespace salesteam::cache {

// The budget of one call. Every method of Cache takes one.
struct CallOptions {
  // Bounds waiting for a pooled connection and each network read and write
  // of the call. Unset: the client's configured command timeout.
  std::optional<absl::Duration> timeout = std::nullopt;
  // Extra attempts on a fresh connection after a transient failure (a stale
  // pooled connection, a dropped socket). A command is re-sent only when that
  // cannot change its outcome: always when nothing reached Redis yet, and
  // after a send only for idempotent commands (GET, SET without NX, DEL, ...).
  int retries = 1;
};

// One Redis command and its arguments, e.g. {"ZADD", key, "3", member}.
using Command = std::vector<std::string>;

// A decoded Redis reply (RESP2).
struct Reply {
  enum class Type { kNil, kString, kStatus, kInteger, kArray, kError };
  Type type = Type::kNil;
  std::string str;              // kString, kStatus, kError
  int64_t integer = 0;          // kInteger
  std::vector<Reply> elements;  // kArray

  static Reply Nil() { return Reply{}; }
  static Reply String(std::string s) { return Reply{Type::kString, std::move(s), 0, {}}; }
  static Reply Status(std::string s) { return Reply{Type::kStatus, std::move(s), 0, {}}; }
  static Reply Integer(int64_t i) { return Reply{Type::kInteger, {}, i, {}}; }
  static Reply Array(std::vector<Reply> e) { return Reply{Type::kArray, {}, 0, std::move(e)}; }
  static Reply Error(std::string s) { return Reply{Type::kError, std::move(s), 0, {}}; }

  bool is_nil() const { return type == Type::kNil; }
};

// SET's options.
struct SetOptions {
  // Expire the key after this long; unset keeps it until deleted.
  std::optional<absl::Duration> ttl = std::nullopt;
  // NX: write only when the key does not exist yet.
  bool only_if_absent = false;
};

// A sorted-set member and its score (leaderboards: rep id and metric value).
// Scores are doubles in Redis: integers up to 2^53 are exact.
struct ScoredMember {
  std::string member;
  double score = 0;

  friend bool operator==(const ScoredMember& a, const ScoredMember& b) {
    return a.member == b.member && a.score == b.score;
  }
};

// The status for a Redis error reply such as "WRONGTYPE Operation against a
// key holding the wrong kind of value" (see the table at the top).
absl::Status StatusFromErrorReply(absl::string_view error);

// The abstract cache. Thread-safe: one instance serves a whole process.
class Cache {
 public:
  virtual ~Cache() = default;

  // Sends every command in one round trip. The outer status fails when the
  // round trip failed as a whole (UNAVAILABLE); otherwise
  // there is one entry per command, in order: its reply, or the status of its
  // error reply (a failing command does not affect its neighbours).
  virtual absl::StatusOr<std::vector<absl::StatusOr<Reply>>> Pipeline(
      absl::Span<const Command> commands, const CallOptions& options) = 0;

  // Sends one command; an error reply becomes the returned status.
  virtual absl::StatusOr<Reply> Execute(const Command& command, const CallOptions& options);

  // PING: OK when Redis answers.
  absl::Status Ping(const CallOptions& options);

  // GET: the value, or nullopt when the key does not exist (or expired).
  absl::StatusOr<std::optional<std::string>> Get(absl::string_view key, const CallOptions& options);

  // SET [PX ttl] [NX]: true when written, false when only_if_absent and the
  // key already existed.
  absl::StatusOr<bool> Set(absl::string_view key, absl::string_view value,
                           const SetOptions& set_options, const CallOptions& options);

  // DEL: how many of the keys existed.
  absl::StatusOr<int64_t> Del(absl::Span<const std::string> keys, const CallOptions& options);

  // MGET: one entry per key, in order, nullopt for missing keys.
  absl::StatusOr<std::vector<std::optional<std::string>>> MGet(absl::Span<const std::string> keys,
                                                               const CallOptions& options);

  // INCRBY: the value after adding `delta` (a missing key counts as 0).
  absl::StatusOr<int64_t> IncrBy(absl::string_view key, int64_t delta, const CallOptions& options);

  // PEXPIRE: true when the key exists and now expires after `ttl`.
  absl::StatusOr<bool> Expire(absl::string_view key, absl::Duration ttl,
                              const CallOptions& options);

  // PTTL: the time left; InfiniteDuration when the key has no expiry;
  // nullopt when the key does not exist.
  absl::StatusOr<std::optional<absl::Duration>> Ttl(absl::string_view key,
                                                    const CallOptions& options);

  // ZADD: how many members were new.
  absl::StatusOr<int64_t> ZAdd(absl::string_view key, absl::Span<const ScoredMember> members,
                               const CallOptions& options);

  // ZINCRBY: the member's score after adding `delta`.
  absl::StatusOr<double> ZIncrBy(absl::string_view key, double delta, absl::string_view member,
                                 const CallOptions& options);

  // ZREVRANGE key offset offset+limit-1 WITHSCORES: up to `limit` members
  // from rank `offset` (0 = highest score), highest first. Ties are ordered
  // by member, reverse lexicographically (Redis's rule).
  absl::StatusOr<std::vector<ScoredMember>> ZRevRangeWithScores(absl::string_view key,
                                                                int64_t offset, int64_t limit,
                                                                const CallOptions& options);

  // ZSCORE: the member's score, nullopt when absent.
  absl::StatusOr<std::optional<double>> ZScore(absl::string_view key, absl::string_view member,
                                               const CallOptions& options);

  // ZCARD: the number of members (0 for a missing key).
  absl::StatusOr<int64_t> ZCard(absl::string_view key, const CallOptions& options);

  // HINCRBY: the field's value after adding `delta`.
  absl::StatusOr<int64_t> HIncrBy(absl::string_view key, absl::string_view field, int64_t delta,
                                  const CallOptions& options);

  // HGETALL: every field and value (empty for a missing key).
  absl::StatusOr<absl::flat_hash_map<std::string, std::string>> HGetAll(absl::string_view key,
                                                                        const CallOptions& options);
};

// Formats a score the way Redis reads it back exactly ("%.17g", "inf").
std::string FormatScore(double score);

}  // namespace salesteam::cache

#endif  // SALESTEAM_COMMON_CACHE_CACHE_H_
