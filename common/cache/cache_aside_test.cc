// CacheAside: hits, misses, outages and invalidation (tombstones, and the
// race they close: a reader storing a value it loaded before a writer's
// commit), on FakeCache (to see exactly which calls reach the cache, on a
// clock the test moves) and on a real redis-server that is killed and
// restarted under it.
#include "common/cache/cache_aside.h"

#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
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

// Any instant: FakeCache expiry follows the test's clock, not the wall's.
constexpr absl::Time kStart = absl::FromUnixSeconds(1'700'000'000);

// What a key holds after Invalidate.
std::optional<std::string> Tombstone() { return std::string(kCacheAsideTombstone); }

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

// A key of another type is replaced by a tombstone, not by the loaded value
// (a plain SET could overwrite a writer's tombstone); the first read after
// the tombstone expires stores the value.
TEST(CacheAsideTest, KeyOfAnotherTypeIsRepairedOnceItsTombstoneExpires) {
  absl::Time now = kStart;
  FakeCache cache([&now] { return now; });
  CacheAside aside(&cache, {.tombstone_ttl = absl::Seconds(10)});
  ASSERT_THAT(cache.ZAdd("k", {{"m", 1}}, {}), IsOk());
  Database db;
  EXPECT_THAT(aside.GetOrLoad("k", [&] { return db.Load(); }), IsOkAndHolds("from-db"));
  EXPECT_THAT(cache.Get("k", {}), IsOkAndHolds(Tombstone()));
  now += absl::Seconds(11);
  EXPECT_THAT(aside.GetOrLoad("k", [&] { return db.Load(); }), IsOkAndHolds("from-db"));
  EXPECT_THAT(cache.Get("k", {}), IsOkAndHolds(Optional(std::string("from-db"))));
  EXPECT_EQ(db.loads, 2);
  EXPECT_EQ(aside.stats().misses, 2);
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

TEST(CacheAsideTest, UndecodableCachedMessageIsReloadedAndStoredOnceItsTombstoneExpires) {
  absl::Time now = kStart;
  FakeCache cache([&now] { return now; });
  CacheAside aside(&cache, {.tombstone_ttl = absl::Seconds(10)});
  ASSERT_THAT(cache.Set("m", std::string("\xff\xff\xff", 3), {}, {}), IsOk());
  int loads = 0;
  auto load = [&]() -> absl::StatusOr<Money> {
    ++loads;
    return Usd(7);
  };
  ASSERT_OK_AND_ASSIGN(Money money, aside.GetOrLoadMessage<Money>("m", load));
  EXPECT_EQ(money.minor_units(), 7);
  EXPECT_EQ(loads, 1);
  EXPECT_THAT(cache.Get("m", {}), IsOkAndHolds(Tombstone()));
  now += absl::Seconds(11);
  ASSERT_OK_AND_ASSIGN(money, aside.GetOrLoadMessage<Money>("m", load));
  EXPECT_EQ(money.minor_units(), 7);
  EXPECT_THAT(cache.Get("m", {}), IsOkAndHolds(Optional(Usd(7).SerializeAsString())));
  ASSERT_OK_AND_ASSIGN(money, aside.GetOrLoadMessage<Money>("m", load));
  EXPECT_EQ(loads, 2);
}

// ---- Invalidation tombstones ----

// The race: a reader misses and loads the old row; before it stores, a
// writer commits and invalidates. The reader still answers what it loaded
// (it was true when read), but must not leave it in the cache.
TEST(CacheAsideTest, WriterInvalidatingDuringALoadKeepsTheOldValueOutOfTheCache) {
  absl::Time now = kStart;
  FakeCache cache([&now] { return now; });
  CacheAside aside(&cache, {.ttl = absl::Minutes(5), .tombstone_ttl = absl::Seconds(10)});
  Database db;
  db.value = "active";
  auto load_racing_a_writer = [&]() -> absl::StatusOr<std::string> {
    absl::StatusOr<std::string> old = db.Load();
    db.value = "deactivated";                            // the writer commits...
    EXPECT_THAT(aside.Invalidate("member:m1"), IsOk());  // ...and invalidates
    now += absl::Seconds(3);                             // the reader is slow to store
    return old;
  };
  EXPECT_THAT(aside.GetOrLoad("member:m1", load_racing_a_writer), IsOkAndHolds("active"));
  EXPECT_THAT(cache.Get("member:m1", {}), IsOkAndHolds(Tombstone()));
  EXPECT_THAT(aside.GetOrLoad("member:m1", [&] { return db.Load(); }), IsOkAndHolds("deactivated"));
  EXPECT_EQ(db.loads, 2);
}

TEST(CacheAsideTest, WriterInvalidatingDuringAMessageLoadKeepsTheOldMessageOutOfTheCache) {
  FakeCache cache;
  CacheAside aside(&cache);
  int64_t in_db = 100;
  int loads = 0;
  auto load = [&]() -> absl::StatusOr<Money> {
    ++loads;
    return Usd(in_db);
  };
  auto load_racing_a_writer = [&]() -> absl::StatusOr<Money> {
    absl::StatusOr<Money> old = load();
    in_db = 200;
    EXPECT_THAT(aside.Invalidate("m"), IsOk());
    return old;
  };
  ASSERT_OK_AND_ASSIGN(Money money, aside.GetOrLoadMessage<Money>("m", load_racing_a_writer));
  EXPECT_EQ(money.minor_units(), 100);
  EXPECT_THAT(cache.Get("m", {}), IsOkAndHolds(Tombstone()));
  ASSERT_OK_AND_ASSIGN(money, aside.GetOrLoadMessage<Money>("m", load));
  EXPECT_EQ(money.minor_units(), 200);
  EXPECT_EQ(loads, 2);
}

TEST(CacheAsideTest, TombstoneIsAMissWhoseLoadedValueIsReturnedButNotStored) {
  FakeCache cache;
  CacheAside aside(&cache, {.tombstone_ttl = absl::Seconds(10)});
  Database db;
  ASSERT_THAT(aside.GetOrLoad("k", [&] { return db.Load(); }), IsOkAndHolds("from-db"));
  db.value = "new";
  ASSERT_THAT(aside.Invalidate("k"), IsOk());
  EXPECT_THAT(cache.Get("k", {}), IsOkAndHolds(Tombstone()));
  auto ttl = cache.Ttl("k", {});
  ASSERT_THAT(ttl, IsOk());
  ASSERT_TRUE(ttl->has_value());
  EXPECT_LE(**ttl, absl::Seconds(10));

  EXPECT_THAT(aside.GetOrLoad("k", [&] { return db.Load(); }), IsOkAndHolds("new"));
  EXPECT_THAT(aside.GetOrLoad("k", [&] { return db.Load(); }), IsOkAndHolds("new"));
  EXPECT_EQ(db.loads, 3);  // every read while the tombstone lasts goes to the loader
  EXPECT_THAT(cache.Get("k", {}), IsOkAndHolds(Tombstone()));
  EXPECT_EQ(aside.stats().hits, 0);
  EXPECT_EQ(aside.stats().misses, 3);
}

// A message type that accepts any bytes, so only CacheAside itself can keep
// a tombstone from being decoded and returned as a value.
struct AnyBytes {
  std::string bytes;
  void Clear() { bytes.clear(); }
  bool ParseFromString(const std::string& in) {
    bytes = in;
    return true;
  }
  bool SerializeToString(std::string* out) const {
    *out = bytes;
    return true;
  }
};

TEST(CacheAsideTest, TombstoneIsNeverDecodedAsAMessage) {
  FakeCache cache;
  CacheAside aside(&cache);
  ASSERT_THAT(aside.Invalidate("m"), IsOk());
  int loads = 0;
  auto load = [&]() -> absl::StatusOr<AnyBytes> {
    ++loads;
    return AnyBytes{"loaded"};
  };
  ASSERT_OK_AND_ASSIGN(AnyBytes got, aside.GetOrLoadMessage<AnyBytes>("m", load));
  EXPECT_EQ(got.bytes, "loaded");
  EXPECT_EQ(loads, 1);
  EXPECT_EQ(aside.stats().misses, 1);
}

TEST(CacheAsideTest, AfterTheTombstoneExpiresTheNextReadStoresAgain) {
  absl::Time now = kStart;
  FakeCache cache([&now] { return now; });
  CacheAside aside(&cache, {.ttl = absl::Minutes(5), .tombstone_ttl = absl::Seconds(10)});
  Database db;
  ASSERT_THAT(aside.Invalidate("k"), IsOk());
  ASSERT_THAT(aside.GetOrLoad("k", [&] { return db.Load(); }), IsOkAndHolds("from-db"));
  now += absl::Seconds(9);
  EXPECT_THAT(cache.Get("k", {}), IsOkAndHolds(Tombstone()));
  now += absl::Seconds(2);
  EXPECT_THAT(aside.GetOrLoad("k", [&] { return db.Load(); }), IsOkAndHolds("from-db"));
  EXPECT_THAT(cache.Get("k", {}), IsOkAndHolds(Optional(std::string("from-db"))));
  auto ttl = cache.Ttl("k", {});
  ASSERT_THAT(ttl, IsOk());
  ASSERT_TRUE(ttl->has_value());
  EXPECT_EQ(**ttl, absl::Minutes(5));  // the value's TTL, not the tombstone's
  EXPECT_THAT(aside.GetOrLoad("k", [&] { return db.Load(); }), IsOkAndHolds("from-db"));
  EXPECT_EQ(db.loads, 2);
  EXPECT_EQ(aside.stats().hits, 1);
}

TEST(CacheAsideTest, InvalidatingManyKeysIsOnePipelinedRoundTrip) {
  FakeCache cache;
  CacheAside aside(&cache, {.tombstone_ttl = absl::Seconds(10)});
  ASSERT_THAT(cache.Set("k1", "v1", {}, {}), IsOk());
  ASSERT_THAT(cache.Set("k2", "v2", {.ttl = absl::Minutes(5)}, {}), IsOk());
  const int64_t calls = cache.calls();
  const int64_t commands = cache.commands_executed();
  ASSERT_THAT(aside.Invalidate({"k1", "k2", "k3"}), IsOk());
  EXPECT_EQ(cache.calls(), calls + 1);
  EXPECT_EQ(cache.commands_executed(), commands + 3);
  for (const char* key : {"k1", "k2", "k3"}) {
    SCOPED_TRACE(key);
    EXPECT_THAT(cache.Get(key, {}), IsOkAndHolds(Tombstone()));
    auto ttl = cache.Ttl(key, {});
    ASSERT_THAT(ttl, IsOk());
    ASSERT_TRUE(ttl->has_value());
    EXPECT_LE(**ttl, absl::Seconds(10));
  }
  const int64_t calls_before_empty = cache.calls();
  EXPECT_THAT(aside.Invalidate(std::vector<std::string>{}), IsOk());
  EXPECT_EQ(cache.calls(), calls_before_empty);  // nothing to invalidate: no call
}

TEST(CacheAsideTest, ManyLoadsTombstonedKeysWithoutStoringThem) {
  FakeCache cache;
  CacheAside aside(&cache);
  ASSERT_THAT(cache.Set("k1", "cached-k1", {}, {}), IsOk());
  ASSERT_THAT(aside.Invalidate("k2"), IsOk());
  BatchDatabase db;
  auto found = aside.GetOrLoadMany({"k1", "k2", "k3"}, absl::Minutes(1),
                                   [&](absl::Span<const std::string> m) { return db.Load(m); });
  ASSERT_THAT(found, IsOk());
  EXPECT_THAT(db.asked, ::testing::ElementsAre("k2", "k3"));
  EXPECT_THAT(*found, ::testing::UnorderedElementsAre(::testing::Pair("k1", "cached-k1"),
                                                      ::testing::Pair("k2", "db-k2"),
                                                      ::testing::Pair("k3", "db-k3")));
  EXPECT_THAT(cache.Get("k2", {}), IsOkAndHolds(Tombstone()));
  EXPECT_THAT(cache.Get("k3", {}), IsOkAndHolds(Optional(std::string("db-k3"))));
  EXPECT_EQ(aside.stats().hits, 1);
  EXPECT_EQ(aside.stats().misses, 2);
}

TEST(CacheAsideTest, WriterInvalidatingDuringAManyLoadKeepsItsOldValuesOutOfTheCache) {
  FakeCache cache;
  CacheAside aside(&cache);
  BatchDatabase db;
  auto load_racing_a_writer = [&](absl::Span<const std::string> missing) {
    auto old = db.Load(missing);
    EXPECT_THAT(aside.Invalidate("k2"), IsOk());  // a writer changed k2 meanwhile
    return old;
  };
  auto found = aside.GetOrLoadMany({"k1", "k2"}, absl::Minutes(1), load_racing_a_writer);
  ASSERT_THAT(found, IsOk());
  EXPECT_EQ(found->at("k2"), "db-k2");
  EXPECT_THAT(cache.Get("k1", {}), IsOkAndHolds(Optional(std::string("db-k1"))));
  EXPECT_THAT(cache.Get("k2", {}), IsOkAndHolds(Tombstone()));
}

// The prefix is reserved: a loaded value starting with it would read back as
// a tombstone, so it is answered but never stored.
TEST(CacheAsideTest, LoadedValueThatLooksLikeATombstoneIsReturnedButNotStored) {
  FakeCache cache;
  CacheAside aside(&cache);
  const std::string odd = absl::StrCat(kCacheAsideTombstone, "-not-really");
  EXPECT_THAT(aside.GetOrLoad("k", [&] { return absl::StatusOr<std::string>(odd); }),
              IsOkAndHolds(odd));
  EXPECT_THAT(cache.Get("k", {}), IsOkAndHolds(std::optional<std::string>()));
  auto found = aside.GetOrLoadMany({"k"}, absl::Minutes(1), [&](absl::Span<const std::string>) {
    return absl::StatusOr<CacheAside::ValuesByKey>(CacheAside::ValuesByKey{{"k", odd}});
  });
  ASSERT_THAT(found, IsOk());
  EXPECT_EQ(found->at("k"), odd);
  EXPECT_THAT(cache.Get("k", {}), IsOkAndHolds(std::optional<std::string>()));
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

// The race and the tombstone's lifetime on a real Redis (SET NX PX, PTTL,
// expiry by Redis's own clock).
TEST(CacheAsideTest, RealRedisTombstoneKeepsARacingReaderOutUntilItExpires) {
  ASSERT_OK_AND_ASSIGN(auto server, RedisServer::Start());
  ASSERT_OK_AND_ASSIGN(auto redis, RedisCache::Create({.address = server->address()}));
  const absl::Duration tombstone_ttl = absl::Milliseconds(300);
  CacheAside aside(redis.get(), {.ttl = absl::Minutes(5), .tombstone_ttl = tombstone_ttl});
  Database db;
  db.value = "active";
  auto load = [&] { return db.Load(); };
  auto load_racing_a_writer = [&]() -> absl::StatusOr<std::string> {
    absl::StatusOr<std::string> old = db.Load();
    db.value = "deactivated";
    EXPECT_THAT(aside.Invalidate("member:m1"), IsOk());
    return old;
  };
  EXPECT_THAT(aside.GetOrLoad("member:m1", load_racing_a_writer), IsOkAndHolds("active"));
  EXPECT_THAT(redis->Get("member:m1", {}), IsOkAndHolds(Tombstone()));
  auto ttl = redis->Ttl("member:m1", {});
  ASSERT_THAT(ttl, IsOk());
  ASSERT_TRUE(ttl->has_value());
  EXPECT_LE(**ttl, tombstone_ttl);
  EXPECT_THAT(aside.GetOrLoad("member:m1", load), IsOkAndHolds("deactivated"));
  EXPECT_THAT(redis->Get("member:m1", {}), IsOkAndHolds(Tombstone()));

  // The batch path: k2's writer invalidates while the batch loads.
  BatchDatabase batch_db;
  auto found = aside.GetOrLoadMany({"k1", "k2"}, absl::Minutes(1),
                                   [&](absl::Span<const std::string> missing) {
                                     auto old = batch_db.Load(missing);
                                     EXPECT_THAT(aside.Invalidate("k2"), IsOk());
                                     return old;
                                   });
  ASSERT_THAT(found, IsOk());
  EXPECT_EQ(found->size(), 2u);
  EXPECT_THAT(redis->Get("k1", {}), IsOkAndHolds(Optional(std::string("db-k1"))));
  EXPECT_THAT(redis->Get("k2", {}), IsOkAndHolds(Tombstone()));

  // Once Redis expired the tombstone, the next read stores again.
  const absl::Time give_up = absl::Now() + absl::Seconds(10);
  absl::StatusOr<std::optional<std::string>> held = redis->Get("member:m1", {});
  while (held.ok() && held->has_value() && absl::Now() < give_up) {
    absl::SleepFor(absl::Milliseconds(20));
    held = redis->Get("member:m1", {});
  }
  ASSERT_THAT(held, IsOkAndHolds(std::optional<std::string>()));
  EXPECT_THAT(aside.GetOrLoad("member:m1", load), IsOkAndHolds("deactivated"));
  EXPECT_THAT(redis->Get("member:m1", {}), IsOkAndHolds(Optional(std::string("deactivated"))));
  const int loads = db.loads;
  EXPECT_THAT(aside.GetOrLoad("member:m1", load), IsOkAndHolds("deactivated"));
  EXPECT_EQ(db.loads, loads);
}

}  // namespace
}  // namespace salesteam::cache
