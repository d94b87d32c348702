// RedisCache's own behaviour against real redis-servers: the shared test
// server for configuration and pooling, and a private server (RedisServer)
// for the faults: killed, frozen, restarted. Behaviour shared with the fake
// is in cache_contract_test.cc.
#include "common/cache/redis_cache.h"

#include <unistd.h>

#include <memory>
#include <string>
#include <thread>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "common/testing/redis_server.h"
#include "common/testing/status_matchers.h"
#include "common/testing/test_env.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace salesteam::cache {
namespace {

using ::salesteam::testing::IsOk;
using ::salesteam::testing::IsOkAndHolds;
using ::salesteam::testing::RedisServer;
using ::salesteam::testing::StatusIs;
using ::testing::HasSubstr;
using ::testing::Optional;

std::string UniqueKey(absl::string_view name) {
  const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
  return absl::StrCat("test:", info->test_suite_name(), ".", info->name(), ":", ::getpid(), ":",
                      name);
}

std::unique_ptr<RedisCache> MakeCache(RedisCacheOptions options) {
  auto cache = RedisCache::Create(std::move(options));
  EXPECT_THAT(cache, IsOk());
  return cache.ok() ? *std::move(cache) : nullptr;
}

// Calls Get until it succeeds; the bound only stops a broken build hanging.
absl::Status WaitUntilServing(Cache& cache, const std::string& key) {
  const absl::Time give_up = absl::Now() + absl::Seconds(30);
  absl::Status last;
  while (absl::Now() < give_up) {
    last = cache.Get(key, {}).status();
    if (last.ok()) return last;
    absl::SleepFor(absl::Milliseconds(20));
  }
  return last;
}

TEST(RedisCacheTest, RejectsAddressesWithoutPort) {
  EXPECT_THAT(RedisCache::Create({.address = "localhost"}),
              StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(RedisCache::Create({.address = "localhost:http"}),
              StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(RedisCache::Create({.address = "localhost:70000"}),
              StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(RedisCache::Create({.address = ":6379"}),
              StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(RedisCache::Create({.address = "localhost:0"}),
              StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(RedisCache::Create({.address = "[::1]:6379"}), IsOk());
}

TEST(RedisCacheTest, NothingListeningIsUnavailable) {
  RedisCacheOptions options;
  options.address = absl::StrCat("127.0.0.1:", salesteam::testing::PickUnusedPort());
  auto cache = MakeCache(options);
  ASSERT_NE(cache, nullptr);
  EXPECT_THAT(cache->Get("k", {}),
              StatusIs(absl::StatusCode::kUnavailable, HasSubstr(options.address)));
}

TEST(RedisCacheTest, RealRedisSelectsTheConfiguredDatabase) {
  const std::string key = UniqueKey("db");
  auto db0 = MakeCache({.address = salesteam::testing::TestRedisAddress()});
  auto db3 = MakeCache({.address = salesteam::testing::TestRedisAddress(), .db = 3});
  ASSERT_THAT(db3->Set(key, "in-db-3", {}, {}), IsOk());
  EXPECT_THAT(db0->Get(key, {}), IsOkAndHolds(std::optional<std::string>()));
  EXPECT_THAT(db3->Get(key, {}), IsOkAndHolds(Optional(std::string("in-db-3"))));
  ASSERT_THAT(db3->Del({key}, {}), IsOk());
}

TEST(RedisCacheTest, RealRedisWrongPasswordIsAnErrorThatKeepsTheCircuitClosed) {
  // The shared server has no password: AUTH with one is an error reply.
  auto cache = MakeCache({.address = salesteam::testing::TestRedisAddress(),
                          .password = "not-the-password",
                          .failure_threshold = 1});
  const absl::Status status = cache->Ping({});
  EXPECT_FALSE(status.ok());
  EXPECT_FALSE(absl::IsUnavailable(status)) << status;
  EXPECT_EQ(cache->stats().circuit, CircuitState::kClosed);
}

TEST(RedisCacheTest, RealRedisReusesPooledConnections) {
  auto cache = MakeCache({.address = salesteam::testing::TestRedisAddress()});
  const std::string key = UniqueKey("reuse");
  for (int i = 0; i < 50; ++i) ASSERT_THAT(cache->IncrBy(key, 1, {}), IsOkAndHolds(i + 1));
  EXPECT_EQ(cache->stats().connects, 1);
  EXPECT_EQ(cache->stats().open_connections, 1);
  ASSERT_THAT(cache->Del({key}, {}), IsOk());
}

TEST(RedisCacheTest, RealRedisConcurrentCallersNeverExceedThePool) {
  auto cache = MakeCache({.address = salesteam::testing::TestRedisAddress(),
                          .max_connections = 3,
                          .command_timeout = absl::Seconds(5)});
  const std::string key = UniqueKey("concurrent");
  std::vector<std::thread> threads;
  for (int t = 0; t < 8; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < 200; ++i) EXPECT_THAT(cache->IncrBy(key, 1, {}), IsOk());
    });
  }
  for (std::thread& t : threads) t.join();
  EXPECT_THAT(cache->Get(key, {}), IsOkAndHolds(Optional(std::string("1600"))));
  EXPECT_LE(cache->stats().connects, 3);
  ASSERT_THAT(cache->Del({key}, {}), IsOk());
}

TEST(RedisCacheTest, RealRedisMultiExecInOnePipelineAppliesAllCommands) {
  auto cache = MakeCache({.address = salesteam::testing::TestRedisAddress()});
  const std::string board = UniqueKey("board"), stamp = UniqueKey("stamp");
  // A leaderboard rebuild: readers see the old board or the new one, whole.
  auto replies = cache->Pipeline({{"MULTI"},
                                  {"DEL", board},
                                  {"ZADD", board, "3", "ann", "5", "bob"},
                                  {"SET", stamp, "rebuilt"},
                                  {"EXEC"}},
                                 {});
  ASSERT_THAT(replies, IsOk());
  ASSERT_EQ(replies->size(), 5u);
  ASSERT_THAT(replies->back(), IsOk());
  EXPECT_EQ(replies->back()->type, Reply::Type::kArray);
  EXPECT_EQ(replies->back()->elements.size(), 3u);
  EXPECT_THAT(cache->ZCard(board, {}), IsOkAndHolds(2));
  EXPECT_THAT(cache->Get(stamp, {}), IsOkAndHolds(Optional(std::string("rebuilt"))));
  ASSERT_THAT(cache->Del({board, stamp}, {}), IsOk());
}

TEST(RedisCacheTest, RealRedisPipelineThatWouldAlterThePooledConnectionIsRejected) {
  auto cache = MakeCache({.address = salesteam::testing::TestRedisAddress()});
  const std::string key = UniqueKey("k");
  ASSERT_THAT(cache->Set(key, "db0", {}, {}), IsOk());
  EXPECT_THAT(cache->Pipeline({{"SELECT", "5"}}, {}), StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(cache->Pipeline({{"MULTI"}, {"SET", key, "x"}}, {}),
              StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(cache->Pipeline({{"SUBSCRIBE", "channel"}}, {}),
              StatusIs(absl::StatusCode::kInvalidArgument));
  // Nothing was sent: the pooled connection still reads database 0.
  EXPECT_THAT(cache->Get(key, {}), IsOkAndHolds(Optional(std::string("db0"))));
  ASSERT_THAT(cache->Del({key}, {}), IsOk());
}

// Counts the clients blocked in a command on the server (INFO clients).
int BlockedClients(Cache& cache) {
  auto info = cache.Execute({"INFO", "clients"}, {});
  if (!info.ok()) return -1;
  const size_t at = info->str.find("blocked_clients:");
  if (at == std::string::npos) return -1;
  return std::atoi(info->str.c_str() + at + 16);
}

// A busy pool is transient (retry the call), like the store's: UNAVAILABLE,
// not RESOURCE_EXHAUSTED, which the suite keeps for a client's own excess.
TEST(RedisCacheTest, RealRedisPoolExhaustionIsUnavailableAndRecovers) {
  // A private server: the test counts blocked clients server-wide.
  ASSERT_OK_AND_ASSIGN(auto server, RedisServer::Start());
  auto cache = MakeCache({.address = server->address(), .max_connections = 1});
  auto observer = MakeCache({.address = server->address()});
  // The only connection waits in BLPOP until the observer pushes.
  std::thread holder([&] {
    EXPECT_THAT(cache->Execute({"BLPOP", "queue", "0"}, {.timeout = absl::Seconds(30)}), IsOk());
  });
  const absl::Time give_up = absl::Now() + absl::Seconds(30);
  while (BlockedClients(*observer) != 1 && absl::Now() < give_up) {
    absl::SleepFor(absl::Milliseconds(5));
  }
  ASSERT_EQ(BlockedClients(*observer), 1);

  EXPECT_THAT(cache->Get("k", {.timeout = absl::Milliseconds(50)}),
              StatusIs(absl::StatusCode::kUnavailable, HasSubstr("pooled connections")));
  EXPECT_EQ(cache->stats().pool_exhausted, 1);
  // A busy pool says nothing about Redis's health.
  EXPECT_EQ(cache->stats().circuit, CircuitState::kClosed);

  ASSERT_THAT(observer->Execute({"LPUSH", "queue", "job"}, {}), IsOk());
  holder.join();
  EXPECT_THAT(cache->Get("k", {.timeout = absl::Seconds(5)}), IsOk());
  EXPECT_EQ(cache->stats().connects, 1);
}

// Redis at maxmemory with nothing to evict refuses writes until keys expire:
// transient for the caller (fall back, retry later), and proof that Redis is
// up, so the circuit stays closed.
TEST(RedisCacheTest, RealRedisOutOfMemoryIsUnavailableAndKeepsTheCircuitClosed) {
  ASSERT_OK_AND_ASSIGN(auto server, RedisServer::Start());
  auto cache = MakeCache({.address = server->address()});
  ASSERT_THAT(cache->Execute({"CONFIG", "SET", "maxmemory-policy", "noeviction"}, {}), IsOk());
  ASSERT_THAT(cache->Execute({"CONFIG", "SET", "maxmemory", "1"}, {}), IsOk());
  for (int i = 0; i < 10; ++i) {
    EXPECT_THAT(cache->Set("k", "v", {}, {}),
                StatusIs(absl::StatusCode::kUnavailable, HasSubstr("OOM")));
  }
  EXPECT_EQ(cache->stats().circuit, CircuitState::kClosed);
  ASSERT_THAT(cache->Execute({"CONFIG", "SET", "maxmemory", "0"}, {}), IsOk());
  EXPECT_THAT(cache->Set("k", "v", {}, {}), IsOkAndHolds(true));
}

TEST(RedisCacheTest, RealRedisRestartedServerIsUsedAgainWithoutFailingACall) {
  ASSERT_OK_AND_ASSIGN(auto server, RedisServer::Start());
  auto cache = MakeCache({.address = server->address()});
  ASSERT_THAT(cache->IncrBy("counter", 1, {}), IsOkAndHolds(1));
  ASSERT_OK(server->Restart());
  // The pooled connection died with the old server. INCRBY is not
  // idempotent, so it must not be sent into the dead connection (and then
  // refused a retry): the client notices the dead socket before sending.
  EXPECT_THAT(cache->IncrBy("counter", 1, {}), IsOkAndHolds(1));
  EXPECT_EQ(cache->stats().connects, 2);
}

TEST(RedisCacheTest, RealRedisKilledServerFailsFastThenRecoversInProcess) {
  ASSERT_OK_AND_ASSIGN(auto server, RedisServer::Start());
  const absl::Duration command_timeout = absl::Seconds(2);
  auto cache = MakeCache({.address = server->address(),
                          .connect_timeout = command_timeout,
                          .command_timeout = command_timeout,
                          .failure_threshold = 3,
                          .initial_cooldown = absl::Seconds(1),
                          .max_cooldown = absl::Seconds(2)});
  ASSERT_THAT(cache->Set("k", "before", {}, {}), IsOk());

  ASSERT_OK(server->Kill());
  for (int i = 0; i < 3 && cache->stats().circuit != CircuitState::kOpen; ++i) {
    EXPECT_THAT(cache->Get("k", {}), StatusIs(absl::StatusCode::kUnavailable));
  }
  ASSERT_EQ(cache->stats().circuit, CircuitState::kOpen);

  const int64_t rejected_before = cache->stats().rejected_open;
  for (int i = 0; i < 20; ++i) {
    const absl::Time start = absl::Now();
    const auto status = cache->Set("k", "during", {}, {}).status();
    const absl::Duration took = absl::Now() - start;
    EXPECT_THAT(status, StatusIs(absl::StatusCode::kUnavailable, HasSubstr("circuit open")));
    EXPECT_LT(took, command_timeout / 4) << "call " << i << " waited while the circuit was open";
  }
  // Failing fast came from the circuit, without touching the network.
  EXPECT_EQ(cache->stats().rejected_open - rejected_before, 20);

  ASSERT_OK(server->Restart());
  ASSERT_OK(WaitUntilServing(*cache, "k"));
  EXPECT_EQ(cache->stats().circuit, CircuitState::kClosed);
  EXPECT_THAT(cache->Set("k", "after", {}, {}), IsOkAndHolds(true));
  EXPECT_THAT(cache->Get("k", {}), IsOkAndHolds(Optional(std::string("after"))));
}

TEST(RedisCacheTest, RealRedisFrozenServerOpensCircuitSoCallsStopWaitingForTimeouts) {
  ASSERT_OK_AND_ASSIGN(auto server, RedisServer::Start());
  const absl::Duration command_timeout = absl::Milliseconds(500);
  auto cache = MakeCache({.address = server->address(),
                          .command_timeout = command_timeout,
                          .failure_threshold = 2,
                          .initial_cooldown = absl::Seconds(2),
                          .max_cooldown = absl::Seconds(4)});
  ASSERT_THAT(cache->Set("k", "v", {}, {}), IsOk());

  ASSERT_OK(server->Freeze());
  // A hung Redis accepts connections but never answers: each call until the
  // circuit opens costs its timeout, and a timeout is not retried.
  for (int i = 0; i < 2; ++i) {
    EXPECT_THAT(cache->Get("k", {}),
                StatusIs(absl::StatusCode::kUnavailable, HasSubstr("no reply within")));
  }
  ASSERT_EQ(cache->stats().circuit, CircuitState::kOpen);
  for (int i = 0; i < 10; ++i) {
    const absl::Time start = absl::Now();
    EXPECT_THAT(cache->Get("k", {}), StatusIs(absl::StatusCode::kUnavailable));
    EXPECT_LT(absl::Now() - start, command_timeout / 4);
  }

  ASSERT_OK(server->Thaw());
  ASSERT_OK(WaitUntilServing(*cache, "k"));
  EXPECT_THAT(cache->Get("k", {}), IsOkAndHolds(Optional(std::string("v"))));
}

TEST(RedisCacheTest, RealRedisFailedProbeDoublesTheCooldown) {
  ASSERT_OK_AND_ASSIGN(auto server, RedisServer::Start());
  auto cache = MakeCache({.address = server->address(),
                          .failure_threshold = 1,
                          .initial_cooldown = absl::Milliseconds(20),
                          .max_cooldown = absl::Seconds(60)});
  ASSERT_OK(server->Kill());
  EXPECT_THAT(cache->Ping({}), StatusIs(absl::StatusCode::kUnavailable));
  ASSERT_EQ(cache->stats().circuit, CircuitState::kOpen);
  // Probe until three probes have failed; each one doubles the cool-down, so
  // the fourth cannot come for at least 0.8 * 160 ms and calls in between are
  // rejected without a network attempt.
  int64_t failures = cache->stats().transport_failures;
  const absl::Time give_up = absl::Now() + absl::Seconds(30);
  while (cache->stats().transport_failures < failures + 3 && absl::Now() < give_up) {
    cache->Ping({}).IgnoreError();
    absl::SleepFor(absl::Milliseconds(2));
  }
  failures = cache->stats().transport_failures;
  const int64_t rejected = cache->stats().rejected_open;
  for (int i = 0; i < 5; ++i) cache->Ping({}).IgnoreError();
  EXPECT_EQ(cache->stats().transport_failures, failures);
  EXPECT_EQ(cache->stats().rejected_open, rejected + 5);
}

TEST(RedisCacheTest, RealRedisConnectionClosedByServerIsReplacedWithinOneCall) {
  ASSERT_OK_AND_ASSIGN(auto server, RedisServer::Start());
  auto cache = MakeCache({.address = server->address()});
  auto admin = MakeCache({.address = server->address()});
  ASSERT_THAT(cache->Set("k", "v", {}, {}), IsOk());
  // The server closes the pooled connection (as on its idle `timeout` or a
  // CLIENT KILL by an operator); the next call still succeeds, on a fresh
  // connection, instead of reporting the stale socket as an outage.
  ASSERT_THAT(admin->Execute({"CLIENT", "KILL", "TYPE", "normal", "SKIPME", "yes"}, {}), IsOk());
  EXPECT_THAT(cache->Get("k", {}), IsOkAndHolds(Optional(std::string("v"))));
  EXPECT_EQ(cache->stats().connects, 2);
}

}  // namespace
}  // namespace salesteam::cache
