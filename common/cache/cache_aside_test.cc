// CacheAside: hits, misses, outages and invalidation, on FakeCache (to see
// exactly which calls reach the cache) and on a real redis-server that is
// killed and restarted under it.
#include "common/cache/cache_aside.h"

#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/match.h"
#include "absl/time/clock.h"
#include "common/cache/fake_cache.h"
#include "common/cache/redis_cache.h"
#include "common/testing/redis_server.h"
#include "common/testing/status_matchers.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "salesteam/type/v1/money.pb.h"

namespace salesteam::cache {
namespace {

using ::salesteam::testing::IsOk;
using ::salesteam::testing::IsOkAndHolds;
using ::salesteam::testing::RedisServer;
using ::salesteam::testing::StatusIs;
using ::salesteam::type::v1::Money;
using ::testing::Optional;

// A loader standing in for the database: counts its calls.
struct Database {
  std::string value = "from-db";
  int loads = 0;
  absl::StatusOr<std::string> Load() {
    ++loads;
    return value;
  }
};

TEST(CacheAsideTest, MissLoadsAndStoresThenHitSkipsTheLoader) {
  FakeCache cache;
  CacheAside aside(&cache, {.ttl = absl::Minutes(2)});
  Database db;
  EXPECT_THAT(aside.GetOrLoad("k", [&] { return db.Load(); }), IsOkAndHolds("from-db"));
  EXPECT_EQ(db.loads, 1);
  EXPECT_THAT(cache.Get("k", {}), IsOkAndHolds(Optional(std::string("from-db"))));
  auto ttl = cache.Ttl("k", {});
  ASSERT_THAT(ttl, IsOk());
  ASSERT_TRUE(ttl->has_value());
  EXPECT_GT(**ttl, absl::Minutes(1));
  EXPECT_LE(**ttl, absl::Minutes(2));

  db.value = "changed-in-db";
  EXPECT_THAT(aside.GetOrLoad("k", [&] { return db.Load(); }), IsOkAndHolds("from-db"));
  EXPECT_EQ(db.loads, 1);
  EXPECT_EQ(aside.stats().hits, 1);
  EXPECT_EQ(aside.stats().misses, 1);
}

TEST(CacheAsideTest, InvalidateMakesTheNextReadLoad) {
  FakeCache cache;
  CacheAside aside(&cache);
  Database db;
  ASSERT_THAT(aside.GetOrLoad("k", [&] { return db.Load(); }), IsOk());
  db.value = "new";
  ASSERT_THAT(aside.Invalidate("k"), IsOk());
  EXPECT_THAT(aside.GetOrLoad("k", [&] { return db.Load(); }), IsOkAndHolds("new"));
  EXPECT_EQ(db.loads, 2);
}

TEST(CacheAsideTest, CacheDownReturnsTheLoaderAnswerWithoutWriting) {
  FakeCache cache;
  CacheAside aside(&cache);
  Database db;
  cache.SetAvailable(false);
  EXPECT_THAT(aside.GetOrLoad("k", [&] { return db.Load(); }), IsOkAndHolds("from-db"));
  EXPECT_EQ(db.loads, 1);
  // One failed GET, no SET attempted while the cache is down.
  EXPECT_EQ(cache.calls(), 1);
  EXPECT_EQ(aside.stats().bypassed, 1);
  cache.SetAvailable(true);
  EXPECT_THAT(cache.Get("k", {}), IsOkAndHolds(std::optional<std::string>()));
}

// A batch loader standing in for the database: knows k1..k3, counts calls.
struct BatchDatabase {
  int loads = 0;
  std::vector<std::string> asked;
  absl::StatusOr<CacheAside::ValuesByKey> Load(absl::Span<const std::string> missing) {
    ++loads;
    asked.assign(missing.begin(), missing.end());
    CacheAside::ValuesByKey found;
    for (const std::string& key : missing) {
      if (key != "absent") found[key] = "db-" + key;
    }
    return found;
  }
};

TEST(CacheAsideTest, ManyLoadsOnlyTheMissesInOneCallAndCachesThem) {
  FakeCache cache;
  CacheAside aside(&cache);
  ASSERT_THAT(cache.Set("k1", "cached-k1", {}, {}), IsOk());
  BatchDatabase db;
  const std::vector<std::string> keys = {"k1", "k2", "absent", "k3"};
  auto first = aside.GetOrLoadMany(keys, absl::Minutes(1),
                                   [&](absl::Span<const std::string> m) { return db.Load(m); });
  ASSERT_THAT(first, IsOk());
  EXPECT_EQ(db.loads, 1);
  EXPECT_THAT(db.asked, ::testing::ElementsAre("k2", "absent", "k3"));
  EXPECT_THAT(*first, ::testing::UnorderedElementsAre(::testing::Pair("k1", "cached-k1"),
                                                      ::testing::Pair("k2", "db-k2"),
                                                      ::testing::Pair("k3", "db-k3")));
  // The loaded values were stored with the TTL; an absent key was not.
  auto ttl = cache.Ttl("k2", {});
  ASSERT_THAT(ttl, IsOk());
  ASSERT_TRUE(ttl->has_value());
  EXPECT_LE(**ttl, absl::Minutes(1));
  EXPECT_THAT(cache.Get("absent", {}), IsOkAndHolds(std::optional<std::string>()));

  auto second = aside.GetOrLoadMany({"k2", "k3"}, absl::Minutes(1),
                                    [&](absl::Span<const std::string> m) { return db.Load(m); });
  ASSERT_THAT(second, IsOk());
  EXPECT_EQ(db.loads, 1);
  EXPECT_EQ(second->at("k3"), "db-k3");
}

TEST(CacheAsideTest, ManyWithTheCacheDownLoadsEverythingAndWritesNothing) {
  FakeCache cache;
  CacheAside aside(&cache);
  cache.SetAvailable(false);
  BatchDatabase db;
  auto found = aside.GetOrLoadMany({"k1", "k2"}, absl::Minutes(1),
                                   [&](absl::Span<const std::string> m) { return db.Load(m); });
  ASSERT_THAT(found, IsOk());
  EXPECT_EQ(found->size(), 2u);
  EXPECT_EQ(cache.calls(), 1);  // the failed MGET only
  EXPECT_EQ(aside.stats().bypassed, 2);
}

TEST(CacheAsideTest, ManyReturnsTheLoaderErrorAndCachesNothing) {
  FakeCache cache;
  CacheAside aside(&cache);
  auto found = aside.GetOrLoadMany({"k1"}, absl::Minutes(1), [](absl::Span<const std::string>) {
    return absl::StatusOr<CacheAside::ValuesByKey>(absl::UnavailableError("db down"));
  });
  EXPECT_THAT(found, StatusIs(absl::StatusCode::kUnavailable));
  EXPECT_THAT(cache.Get("k1", {}), IsOkAndHolds(std::optional<std::string>()));
}

TEST(CacheAsideTest, InvalidateReportsAnUnreachableCache) {
  FakeCache cache;
  CacheAside aside(&cache);
  cache.SetAvailable(false);
  EXPECT_THAT(aside.Invalidate("k"), StatusIs(absl::StatusCode::kUnavailable));
}

TEST(CacheAsideTest, LoaderErrorIsReturnedAndNothingIsCached) {
  FakeCache cache;
  CacheAside aside(&cache);
  EXPECT_THAT(
      aside.GetOrLoad("k",
                      [] { return absl::StatusOr<std::string>(absl::NotFoundError("member m1")); }),
      StatusIs(absl::StatusCode::kNotFound));
  EXPECT_THAT(cache.Get("k", {}), IsOkAndHolds(std::optional<std::string>()));
}

TEST(CacheAsideTest, KeyOfAnotherTypeIsRepairedByTheLoadedValue) {
  FakeCache cache;
  CacheAside aside(&cache);
  ASSERT_THAT(cache.ZAdd("k", {{"m", 1}}, {}), IsOk());
  Database db;
  EXPECT_THAT(aside.GetOrLoad("k", [&] { return db.Load(); }), IsOkAndHolds("from-db"));
  EXPECT_THAT(cache.Get("k", {}), IsOkAndHolds(Optional(std::string("from-db"))));
}

Money Usd(int64_t minor) {
  Money m;
  m.set_currency_code("USD");
  m.set_minor_units(minor);
  return m;
}

TEST(CacheAsideTest, MessagesRoundTripInWireForm) {
  FakeCache cache;
  CacheAside aside(&cache);
  int loads = 0;
  auto load = [&]() -> absl::StatusOr<Money> {
    ++loads;
    return Usd(2500);
  };
  ASSERT_OK_AND_ASSIGN(Money first, aside.GetOrLoadMessage<Money>("m", load));
  ASSERT_OK_AND_ASSIGN(Money second, aside.GetOrLoadMessage<Money>("m", load));
  EXPECT_EQ(loads, 1);
  EXPECT_EQ(second.currency_code(), "USD");
  EXPECT_EQ(second.minor_units(), 2500);
  EXPECT_EQ(first.SerializeAsString(), second.SerializeAsString());
  EXPECT_THAT(cache.Get("m", {}), IsOkAndHolds(Optional(Usd(2500).SerializeAsString())));
}

TEST(CacheAsideTest, UndecodableCachedMessageIsReloadedAndOverwritten) {
  FakeCache cache;
  CacheAside aside(&cache);
  ASSERT_THAT(cache.Set("m", std::string("\xff\xff\xff", 3), {}, {}), IsOk());
  int loads = 0;
  auto load = [&]() -> absl::StatusOr<Money> {
    ++loads;
    return Usd(7);
  };
  ASSERT_OK_AND_ASSIGN(Money money, aside.GetOrLoadMessage<Money>("m", load));
  EXPECT_EQ(money.minor_units(), 7);
  EXPECT_EQ(loads, 1);
  EXPECT_THAT(cache.Get("m", {}), IsOkAndHolds(Optional(Usd(7).SerializeAsString())));
}

// An exhausted pool is UNAVAILABLE like an outage: the loader answers and no
// SET is attempted, so the caller waits for one pooled connection, not two.
TEST(CacheAsideTest, RealRedisExhaustedPoolServesFromLoaderWithoutTryingToStore) {
  ASSERT_OK_AND_ASSIGN(auto server, RedisServer::Start());
  ASSERT_OK_AND_ASSIGN(auto redis,
                       RedisCache::Create({.address = server->address(), .max_connections = 1}));
  ASSERT_OK_AND_ASSIGN(auto observer, RedisCache::Create({.address = server->address()}));
  // The only pooled connection waits in BLPOP until the observer pushes.
  std::thread holder([&] {
    EXPECT_THAT(redis->Execute({"BLPOP", "queue", "0"}, {.timeout = absl::Seconds(30)}), IsOk());
  });
  const absl::Time give_up = absl::Now() + absl::Seconds(30);
  bool blocked = false;
  while (!blocked && absl::Now() < give_up) {
    auto info = observer->Execute({"INFO", "clients"}, {});
    blocked = info.ok() && absl::StrContains(info->str, "blocked_clients:1");
    if (!blocked) absl::SleepFor(absl::Milliseconds(5));
  }
  ASSERT_TRUE(blocked);

  CacheAside aside(redis.get(), {.call_options = {.timeout = absl::Milliseconds(50)}});
  Database db;
  EXPECT_THAT(aside.GetOrLoad("member:m1", [&] { return db.Load(); }), IsOkAndHolds("from-db"));
  EXPECT_EQ(aside.stats().bypassed, 1);
  EXPECT_EQ(redis->stats().pool_exhausted, 1);

  ASSERT_THAT(observer->Execute({"LPUSH", "queue", "job"}, {}), IsOk());
  holder.join();
  EXPECT_THAT(observer->Get("member:m1", {}), IsOkAndHolds(std::optional<std::string>()));
}

TEST(CacheAsideTest, RealRedisOutageServesFromLoaderAndRepopulatesAfterRestart) {
  ASSERT_OK_AND_ASSIGN(auto server, RedisServer::Start());
  const absl::Duration command_timeout = absl::Seconds(2);
  ASSERT_OK_AND_ASSIGN(auto redis, RedisCache::Create({.address = server->address(),
                                                       .connect_timeout = command_timeout,
                                                       .command_timeout = command_timeout,
                                                       .failure_threshold = 1,
                                                       .initial_cooldown = absl::Milliseconds(50),
                                                       .max_cooldown = absl::Milliseconds(200)}));
  CacheAside aside(redis.get(), {.ttl = absl::Minutes(1)});
  Database db;
  auto load = [&] { return db.Load(); };
  ASSERT_THAT(aside.GetOrLoad("member:m1", load), IsOkAndHolds("from-db"));
  ASSERT_THAT(aside.GetOrLoad("member:m1", load), IsOkAndHolds("from-db"));
  ASSERT_EQ(db.loads, 1);

  ASSERT_OK(server->Kill());
  db.value = "from-db-during-outage";
  for (int i = 0; i < 5; ++i) {
    const absl::Time start = absl::Now();
    EXPECT_THAT(aside.GetOrLoad("member:m1", load), IsOkAndHolds("from-db-during-outage"));
    EXPECT_LT(absl::Now() - start, command_timeout / 4);
  }
  EXPECT_EQ(db.loads, 6);
  EXPECT_EQ(aside.stats().bypassed, 5);

  ASSERT_OK(server->Restart());
  db.value = "from-db-after";
  // Once the circuit's probe reaches the new server, a read misses (Redis
  // restarted empty), loads, and stores the value again.
  const absl::Time give_up = absl::Now() + absl::Seconds(30);
  while (aside.stats().misses < 2 && absl::Now() < give_up) {
    ASSERT_THAT(aside.GetOrLoad("member:m1", load), IsOk());
    absl::SleepFor(absl::Milliseconds(10));
  }
  ASSERT_EQ(aside.stats().misses, 2);
  EXPECT_THAT(redis->Get("member:m1", {}), IsOkAndHolds(Optional(std::string("from-db-after"))));
  const int loads = db.loads;
  EXPECT_THAT(aside.GetOrLoad("member:m1", load), IsOkAndHolds("from-db-after"));
  EXPECT_EQ(db.loads, loads);
}

}  // namespace
}  // namespace salesteam::cache
