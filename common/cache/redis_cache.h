// The real Cache: a Redis client on hiredis 0.14 (blocking contexts) with a
// bounded connection pool, separate connect and command timeouts, pipelining,
// and a circuit breaker that makes calls fail fast while Redis is down.
//
// Why a circuit: when Redis dies or hangs, every call would otherwise pay a
// connect or command timeout before its caller falls back to the database.
// After `failure_threshold` consecutive transport failures (refused, reset,
// timed out) the circuit opens and calls fail with UNAVAILABLE at once,
// without touching the network. After a cool-down one call is let through as
// a probe (half-open): if it reaches Redis the circuit closes, otherwise it
// opens again with the cool-down doubled (capped, with jitter), which is the
// reconnect backoff. Error replies from Redis (WRONGTYPE, ...) prove Redis is
// up and never open the circuit.
//
// hiredis 0.14 makes the timeout given to redisConnectWithTimeout the
// command timeout too; this client connects with `connect_timeout` and then
// sets each call's timeout on the socket with redisSetTimeout.
#ifndef SALESTEAM_COMMON_CACHE_REDIS_CACHE_H_
#define SALESTEAM_COMMON_CACHE_REDIS_CACHE_H_

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "common/cache/cache.h"

namespace salesteam::cache {

struct RedisCacheOptions {
  // "host:port"; IPv6 literals in brackets ("[::1]:6379").
  std::string address = "127.0.0.1:6379";
  // AUTH password; empty sends no AUTH.
  std::string password = "";
  // SELECT db; 0 sends no SELECT.
  int db = 0;
  // At most this many connections are open at once; a call that finds all of
  // them busy waits (within its timeout) for one to come back.
  int max_connections = 8;
  // Bounds establishing one TCP connection (and AUTH/SELECT on it).
  absl::Duration connect_timeout = absl::Milliseconds(200);
  // The call timeout when CallOptions::timeout is unset.
  absl::Duration command_timeout = absl::Milliseconds(250);
  // Consecutive transport failures that open the circuit.
  int failure_threshold = 5;
  // The first cool-down after the circuit opens; each failed probe doubles
  // it, up to max_cooldown. A successful probe resets it.
  absl::Duration initial_cooldown = absl::Milliseconds(250);
  absl::Duration max_cooldown = absl::Seconds(10);
};

// What the circuit breaker is doing, for health reporting and metrics.
enum class CircuitState { kClosed, kOpen, kHalfOpen };

// Counters for metrics; monotonic except open_connections.
struct RedisCacheStats {
  int64_t calls = 0;               // Pipeline/Execute calls made
  int64_t transport_failures = 0;  // attempts that failed on the network
  int64_t rejected_open = 0;       // calls failed fast by the open circuit
  int64_t pool_exhausted = 0;      // calls that found no free connection in time
  int64_t connects = 0;            // TCP connections established
  int open_connections = 0;        // connections open now
  CircuitState circuit = CircuitState::kClosed;
};

class RedisCache final : public Cache {
 public:
  // Connects lazily: construction never fails or blocks; an unreachable
  // Redis shows up as UNAVAILABLE from the calls. Validates the address.
  static absl::StatusOr<std::unique_ptr<RedisCache>> Create(RedisCacheOptions options);

  ~RedisCache() override;
  RedisCache(const RedisCache&) = delete;
  RedisCache& operator=(const RedisCache&) = delete;

  absl::StatusOr<std::vector<absl::StatusOr<Reply>>> Pipeline(absl::Span<const Command> commands,
                                                              const CallOptions& options) override;

  RedisCacheStats stats() const;
  const RedisCacheOptions& options() const { return options_; }

 private:
  struct Connection;
  // Whether a call may go to the network, and whether it is the probe.
  enum class Admission { kRejected, kAdmitted, kProbe };
  // How one attempt ended.
  enum class Outcome { kReachedRedis, kTransportFailure, kInconclusive };

  RedisCache(RedisCacheOptions options, std::string host, int port);

  Admission Admit();
  void Record(Admission admission, Outcome outcome);

  // On failure `*transport_failure` says whether Redis was unreachable (as
  // opposed to the pool being busy or the call's time running out).
  absl::StatusOr<std::unique_ptr<Connection>> Acquire(absl::Time deadline, bool* transport_failure);
  absl::StatusOr<std::unique_ptr<Connection>> Connect(absl::Time deadline, bool* transport_failure);
  void Release(std::unique_ptr<Connection> connection, bool healthy);
  // Closes every idle connection: after a transport failure they are
  // probably dead too (Redis restarted or went away).
  void DropIdle();

  const RedisCacheOptions options_;
  const std::string host_;
  const int port_;

  mutable absl::Mutex mu_;
  std::vector<std::unique_ptr<Connection>> idle_ ABSL_GUARDED_BY(mu_);
  int open_connections_ ABSL_GUARDED_BY(mu_) = 0;
  CircuitState circuit_ ABSL_GUARDED_BY(mu_) = CircuitState::kClosed;
  int consecutive_failures_ ABSL_GUARDED_BY(mu_) = 0;
  absl::Duration cooldown_ ABSL_GUARDED_BY(mu_);
  absl::Time open_until_ ABSL_GUARDED_BY(mu_);
  RedisCacheStats stats_ ABSL_GUARDED_BY(mu_);
};

}  // namespace salesteam::cache

#endif  // SALESTEAM_COMMON_CACHE_REDIS_CACHE_H_
