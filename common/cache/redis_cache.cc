#include "common/cache/redis_cache.h"

#include <hiredis/hiredis.h>
#include <poll.h>
#include <sys/time.h>

#include <algorithm>
#include <cerrno>
#include <utility>

#include "absl/random/random.h"
#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "common/io.h"
#include "common/status.h"

namespace salesteam::cache {
namespace {

timeval SocketTimeval(absl::Duration d) {
  d = std::max(d, absl::Milliseconds(1));
  return absl::ToTimeval(d);
}

// Commands whose effect and answer do not change when Redis runs them twice,
// so a call may re-send them after a failure that left it unknown whether the
// first copy ran. INCRBY, ZINCRBY, HINCRBY and SET NX are deliberately absent.
bool IsIdempotent(const Command& command) {
  if (command.empty()) return false;
  const std::string name = absl::AsciiStrToUpper(command[0]);
  static constexpr absl::string_view kAlways[] = {
      "GET",     "MGET",     "EXISTS", "PTTL",      "TTL",           "PING",
      "ZSCORE",  "ZCARD",    "ZRANGE", "ZREVRANGE", "ZRANGEBYSCORE", "ZREVRANGEBYSCORE",
      "ZRANK",   "ZREVRANK", "HGET",   "HMGET",     "HGETALL",       "HLEN",
      "STRLEN",  "TYPE",     "DEL",    "UNLINK",    "EXPIRE",        "PEXPIRE",
      "PERSIST", "HSET",     "HDEL",   "ZREM"};
  for (absl::string_view known : kAlways) {
    if (name == known) return true;
  }
  if (name == "SET" || name == "ZADD") {
    for (size_t i = 3; i < command.size(); ++i) {
      const std::string option = absl::AsciiStrToUpper(command[i]);
      // SET NX/GET and ZADD INCR answer differently the second time.
      if (option == "NX" || option == "GET" || option == "INCR") return false;
    }
    return true;
  }
  return false;
}

// Pooled connections are shared by every caller, so a pipeline must leave
// its connection as it found it: no database switch, no subscriber or
// monitor mode, no open transaction or WATCH (MULTI ... EXEC is fine within
// one pipeline, and makes it atomic).
absl::Status CheckLeavesConnectionClean(absl::Span<const Command> commands) {
  static constexpr absl::string_view kStateful[] = {
      "SELECT",     "AUTH",       "HELLO",   "RESET", "QUIT",    "SUBSCRIBE",
      "PSUBSCRIBE", "SSUBSCRIBE", "MONITOR", "WATCH", "UNWATCH", "SWAPDB"};
  bool in_transaction = false;
  for (const Command& command : commands) {
    if (command.empty()) return absl::InvalidArgumentError("redis: empty command in pipeline");
    const std::string name = absl::AsciiStrToUpper(command[0]);
    for (absl::string_view stateful : kStateful) {
      if (name == stateful) {
        return absl::InvalidArgumentError(
            absl::StrCat("redis: ", name, " would change a shared pooled connection"));
      }
    }
    if (name == "CLIENT" && command.size() > 1 && absl::AsciiStrToUpper(command[1]) == "REPLY") {
      return absl::InvalidArgumentError("redis: CLIENT REPLY would desynchronise the pipeline");
    }
    if (name == "MULTI") {
      if (in_transaction) return absl::InvalidArgumentError("redis: nested MULTI");
      in_transaction = true;
    } else if (name == "EXEC" || name == "DISCARD") {
      if (!in_transaction)
        return absl::InvalidArgumentError(absl::StrCat("redis: ", name, " without MULTI"));
      in_transaction = false;
    }
  }
  if (in_transaction) return absl::InvalidArgumentError("redis: MULTI without EXEC in pipeline");
  return absl::OkStatus();
}

Reply ConvertReply(const redisReply* r) {
  switch (r->type) {
    case REDIS_REPLY_STRING:
      return Reply::String(std::string(r->str, r->len));
    case REDIS_REPLY_STATUS:
      return Reply::Status(std::string(r->str, r->len));
    case REDIS_REPLY_ERROR:
      return Reply::Error(std::string(r->str, r->len));
    case REDIS_REPLY_INTEGER:
      return Reply::Integer(r->integer);
    case REDIS_REPLY_ARRAY: {
      std::vector<Reply> elements;
      elements.reserve(r->elements);
      for (size_t i = 0; i < r->elements; ++i) elements.push_back(ConvertReply(r->element[i]));
      return Reply::Array(std::move(elements));
    }
    default:
      return Reply::Nil();
  }
}

double Jitter() {
  thread_local absl::BitGen gen;
  return absl::Uniform(gen, 0.8, 1.2);
}

}  // namespace

struct RedisCache::Connection {
  explicit Connection(redisContext* c) : ctx(c) {}
  ~Connection() { redisFree(ctx); }
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

  // A pooled connection that is readable while idle has been closed by the
  // server (EOF) or is out of step; either way it must not be reused. This
  // catches connections left over from a Redis that has since restarted,
  // before a non-idempotent command is sent into them.
  bool LooksDead() const {
    pollfd pfd{ctx->fd, POLLIN, 0};
    return ::poll(&pfd, 1, 0) != 0;
  }

  redisContext* ctx;
  // The socket timeout currently set, in ms; redisSetTimeout is two
  // setsockopt calls, so it is only made when the value changes.
  int64_t timeout_ms = -1;
};

absl::StatusOr<std::unique_ptr<RedisCache>> RedisCache::Create(RedisCacheOptions options) {
  ASSIGN_OR_RETURN(HostPort endpoint, ParseHostPort(options.address, "redis address"));
  // hiredis needs a host to connect to, and port 0 is never a listening one.
  if (endpoint.host.empty() || endpoint.port == 0) {
    return absl::InvalidArgumentError(absl::StrCat("redis address: ", QuoteInput(options.address),
                                                   " needs a host and a port above 0"));
  }
  if (options.max_connections < 1) {
    return absl::InvalidArgumentError("redis max_connections must be at least 1");
  }
  if (options.failure_threshold < 1) {
    return absl::InvalidArgumentError("redis failure_threshold must be at least 1");
  }
  if (options.connect_timeout <= absl::ZeroDuration() ||
      options.command_timeout <= absl::ZeroDuration() ||
      options.initial_cooldown <= absl::ZeroDuration() ||
      options.max_cooldown < options.initial_cooldown) {
    return absl::InvalidArgumentError(
        "redis timeouts and cool-downs must be positive, max_cooldown >= initial_cooldown");
  }
  return std::unique_ptr<RedisCache>(
      new RedisCache(std::move(options), std::move(endpoint.host), endpoint.port));
}

RedisCache::RedisCache(RedisCacheOptions options, std::string host, int port)
    : options_(std::move(options)),
      host_(std::move(host)),
      port_(port),
      cooldown_(options_.initial_cooldown) {}

RedisCache::~RedisCache() = default;

RedisCacheStats RedisCache::stats() const {
  absl::MutexLock lock(&mu_);
  RedisCacheStats stats = stats_;
  stats.open_connections = open_connections_;
  stats.circuit = circuit_;
  return stats;
}

RedisCache::Admission RedisCache::Admit() {
  absl::MutexLock lock(&mu_);
  switch (circuit_) {
    case CircuitState::kClosed:
      return Admission::kAdmitted;
    case CircuitState::kOpen:
      if (absl::Now() >= open_until_) {
        circuit_ = CircuitState::kHalfOpen;
        return Admission::kProbe;
      }
      break;
    case CircuitState::kHalfOpen:
      break;  // The probe is in flight; everyone else still fails fast.
  }
  ++stats_.rejected_open;
  return Admission::kRejected;
}

void RedisCache::Record(Admission admission, Outcome outcome) {
  bool opened = false;
  {
    absl::MutexLock lock(&mu_);
    if (outcome == Outcome::kTransportFailure) ++stats_.transport_failures;
    if (admission == Admission::kProbe) {
      switch (outcome) {
        case Outcome::kReachedRedis:
          circuit_ = CircuitState::kClosed;
          consecutive_failures_ = 0;
          cooldown_ = options_.initial_cooldown;
          break;
        case Outcome::kTransportFailure:
          circuit_ = CircuitState::kOpen;
          cooldown_ = std::min(cooldown_ * 2, options_.max_cooldown);
          open_until_ = absl::Now() + cooldown_ * Jitter();
          opened = true;
          break;
        case Outcome::kInconclusive:
          // The probe never got to the network (its deadline or the pool
          // ran out): let the next call probe without extending the backoff.
          circuit_ = CircuitState::kOpen;
          open_until_ = absl::Now();
          break;
      }
    } else if (outcome == Outcome::kReachedRedis) {
      consecutive_failures_ = 0;
    } else if (outcome == Outcome::kTransportFailure) {
      ++consecutive_failures_;
      if (circuit_ == CircuitState::kClosed &&
          consecutive_failures_ >= options_.failure_threshold) {
        circuit_ = CircuitState::kOpen;
        cooldown_ = options_.initial_cooldown;
        open_until_ = absl::Now() + cooldown_ * Jitter();
        opened = true;
      }
    }
  }
  if (opened) DropIdle();
}

void RedisCache::DropIdle() {
  std::vector<std::unique_ptr<Connection>> dropped;
  {
    absl::MutexLock lock(&mu_);
    dropped.swap(idle_);
    open_connections_ -= static_cast<int>(dropped.size());
  }
  // `dropped` closes the sockets here, outside the lock.
}

absl::StatusOr<std::unique_ptr<RedisCache::Connection>> RedisCache::Connect(
    absl::Time deadline, bool* transport_failure) {
  *transport_failure = false;
  const absl::Duration budget = std::min(options_.connect_timeout, deadline - absl::Now());
  if (budget <= absl::ZeroDuration()) {
    return absl::UnavailableError(
        absl::StrCat("redis ", options_.address, ": call timeout expired before connecting"));
  }
  redisContext* ctx = redisConnectWithTimeout(host_.c_str(), port_, SocketTimeval(budget));
  if (ctx == nullptr) return absl::UnavailableError("redis: out of memory connecting");
  auto connection = std::make_unique<Connection>(ctx);
  if (ctx->err != 0) {
    *transport_failure = true;
    return absl::UnavailableError(
        absl::StrCat("redis ", options_.address, ": connect failed: ", ctx->errstr));
  }
  // Until the call sets its own, the connect budget also bounds AUTH/SELECT.
  connection->timeout_ms = -1;
  redisEnableKeepAlive(ctx);
  auto setup = [&](std::vector<std::string> args) -> absl::Status {
    std::vector<const char*> argv;
    std::vector<size_t> argvlen;
    for (const std::string& a : args) {
      argv.push_back(a.data());
      argvlen.push_back(a.size());
    }
    auto* reply = static_cast<redisReply*>(
        redisCommandArgv(ctx, static_cast<int>(argv.size()), argv.data(), argvlen.data()));
    if (reply == nullptr) {
      *transport_failure = true;
      return absl::UnavailableError(
          absl::StrCat("redis ", options_.address, ": ", args[0], " failed: ", ctx->errstr));
    }
    absl::Status status;
    if (reply->type == REDIS_REPLY_ERROR) {
      status = StatusFromErrorReply(absl::string_view(reply->str, reply->len));
    }
    freeReplyObject(reply);
    return status;
  };
  if (!options_.password.empty()) RETURN_IF_ERROR(setup({"AUTH", options_.password}));
  if (options_.db != 0) RETURN_IF_ERROR(setup({"SELECT", absl::StrCat(options_.db)}));
  absl::MutexLock lock(&mu_);
  ++stats_.connects;
  return connection;
}

absl::StatusOr<std::unique_ptr<RedisCache::Connection>> RedisCache::Acquire(
    absl::Time deadline, bool* transport_failure) {
  *transport_failure = false;
  // Closed after the lock is released: closing is a syscall.
  std::vector<std::unique_ptr<Connection>> dead;
  {
    absl::MutexLock lock(&mu_);
    while (true) {
      const auto usable = [this]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
        return !idle_.empty() || open_connections_ < options_.max_connections;
      };
      if (!mu_.AwaitWithDeadline(absl::Condition(&usable), deadline)) {
        ++stats_.pool_exhausted;
        // Transient, like the store's exhausted pool: the caller may retry
        // (RESOURCE_EXHAUSTED is for a client's oversize input or rate).
        return absl::UnavailableError(
            absl::StrCat("redis ", options_.address, ": all ", options_.max_connections,
                         " pooled connections stayed busy for the whole call timeout"));
      }
      if (idle_.empty()) {
        ++open_connections_;  // Reserve the slot; connect outside the lock.
        break;
      }
      std::unique_ptr<Connection> connection = std::move(idle_.back());
      idle_.pop_back();
      if (!connection->LooksDead()) return connection;
      --open_connections_;
      dead.push_back(std::move(connection));
    }
  }
  absl::StatusOr<std::unique_ptr<Connection>> connection = Connect(deadline, transport_failure);
  if (!connection.ok()) {
    absl::MutexLock lock(&mu_);
    --open_connections_;
  }
  return connection;
}

void RedisCache::Release(std::unique_ptr<Connection> connection, bool healthy) {
  absl::MutexLock lock(&mu_);
  if (healthy) {
    idle_.push_back(std::move(connection));
  } else {
    --open_connections_;
    // `connection` is closed when this returns; the slot is free already.
  }
}

absl::StatusOr<std::vector<absl::StatusOr<Reply>>> RedisCache::Pipeline(
    absl::Span<const Command> commands, const CallOptions& options) {
  std::vector<absl::StatusOr<Reply>> replies;
  if (commands.empty()) return replies;
  RETURN_IF_ERROR(CheckLeavesConnectionClean(commands));
  const absl::Duration timeout = options.timeout.value_or(options_.command_timeout);
  const absl::Time deadline = absl::Now() + timeout;
  {
    absl::MutexLock lock(&mu_);
    ++stats_.calls;
  }
  const bool idempotent = std::all_of(commands.begin(), commands.end(), IsIdempotent);
  std::vector<const char*> argv;
  std::vector<size_t> argvlen;
  absl::Status last_failure;
  for (int attempt = 0; attempt <= std::max(0, options.retries); ++attempt) {
    const Admission admission = Admit();
    if (admission == Admission::kRejected) {
      if (!last_failure.ok()) return last_failure;
      return absl::UnavailableError(
          absl::StrCat("redis ", options_.address, ": circuit open after repeated failures"));
    }
    bool transport = false;
    absl::StatusOr<std::unique_ptr<Connection>> leased = Acquire(deadline, &transport);
    if (!leased.ok()) {
      Record(admission, transport ? Outcome::kTransportFailure : Outcome::kInconclusive);
      if (!transport) return leased.status();
      last_failure = leased.status();
      continue;  // Nothing was sent: any command may try again.
    }
    std::unique_ptr<Connection> connection = std::move(leased).value();
    redisContext* ctx = connection->ctx;

    const int64_t timeout_ms =
        absl::ToInt64Milliseconds(absl::Ceil(deadline - absl::Now(), absl::Milliseconds(1)));
    if (timeout_ms <= 0) {
      Release(std::move(connection), /*healthy=*/true);
      Record(admission, Outcome::kInconclusive);
      return absl::UnavailableError(absl::StrCat("redis ", options_.address, ": call timeout of ",
                                                 absl::FormatDuration(timeout),
                                                 " expired before sending"));
    }
    if (connection->timeout_ms != timeout_ms) {
      redisSetTimeout(ctx, SocketTimeval(absl::Milliseconds(timeout_ms)));
      connection->timeout_ms = timeout_ms;
    }

    bool failed = false;
    for (const Command& command : commands) {
      argv.clear();
      argvlen.clear();
      for (const std::string& arg : command) {
        argv.push_back(arg.data());
        argvlen.push_back(arg.size());
      }
      if (redisAppendCommandArgv(ctx, static_cast<int>(argv.size()), argv.data(), argvlen.data()) !=
          REDIS_OK) {
        failed = true;
        break;
      }
    }
    replies.clear();
    replies.reserve(commands.size());
    while (!failed && replies.size() < commands.size()) {
      void* raw = nullptr;
      if (redisGetReply(ctx, &raw) != REDIS_OK || raw == nullptr) {
        failed = true;
        break;
      }
      auto* reply = static_cast<redisReply*>(raw);
      if (reply->type == REDIS_REPLY_ERROR) {
        replies.push_back(StatusFromErrorReply(absl::string_view(reply->str, reply->len)));
      } else {
        replies.push_back(ConvertReply(reply));
      }
      freeReplyObject(reply);
    }
    if (!failed) {
      Release(std::move(connection), /*healthy=*/true);
      Record(admission, Outcome::kReachedRedis);
      return replies;
    }

    const bool timed_out = ctx->err == REDIS_ERR_IO && (errno == EAGAIN || errno == EWOULDBLOCK);
    last_failure = absl::UnavailableError(
        timed_out
            ? absl::StrCat("redis ", options_.address, ": no reply within ", timeout_ms, " ms")
            : absl::StrCat("redis ", options_.address, ": ", ctx->errstr));
    // The connection's stream is out of step (replies may still arrive), so
    // it is closed, and so are its idle siblings, which likely share its fate.
    Release(std::move(connection), /*healthy=*/false);
    DropIdle();
    Record(admission, Outcome::kTransportFailure);
    // A timeout used up the call's budget, and a sent command may have run.
    if (timed_out || !idempotent) return last_failure;
  }
  return last_failure;
}

}  // namespace salesteam::cache
