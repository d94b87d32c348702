// The behaviour callers rely on from any Cache, asserted on the real client
// against the shared test redis-server (instances named RealRedis) and on
// FakeCache (instances named Fake), so that the fake cannot drift from Redis.
#include <unistd.h>

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "common/cache/cache.h"
#include "common/cache/fake_cache.h"
#include "common/cache/redis_cache.h"
#include "common/testing/status_matchers.h"
#include "common/testing/test_env.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace salesteam::cache {
namespace {

using ::salesteam::testing::IsOk;
using ::salesteam::testing::IsOkAndHolds;
using ::salesteam::testing::StatusIs;
using ::testing::ElementsAre;
using ::testing::Optional;
using ::testing::Pair;
using ::testing::UnorderedElementsAre;

enum class Impl { kFake, kRealRedis };

class CacheContractTest : public ::testing::TestWithParam<Impl> {
 protected:
  void SetUp() override {
    if (GetParam() == Impl::kFake) {
      cache_ = std::make_unique<FakeCache>();
    } else {
      RedisCacheOptions options;
      options.address = salesteam::testing::TestRedisAddress();
      options.command_timeout = absl::Seconds(2);
      options.connect_timeout = absl::Seconds(2);
      auto redis = RedisCache::Create(options);
      ASSERT_THAT(redis, IsOk());
      cache_ = *std::move(redis);
      ASSERT_THAT(cache_->Ping(call_), IsOk()) << "run with SALESTEAM_TEST_REDIS set";
    }
    const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
    // Tests share one server and run in parallel: every key is namespaced.
    prefix_ =
        absl::StrCat("test:", info->test_suite_name(), ".", info->name(), ":", ::getpid(), ":");
  }

  void TearDown() override {
    if (cache_ == nullptr || keys_.empty()) return;
    cache_->Del(keys_, call_).IgnoreError();
  }

  std::string Key(absl::string_view name) {
    keys_.push_back(absl::StrCat(prefix_, name));
    return keys_.back();
  }

  std::unique_ptr<Cache> cache_;
  CallOptions call_;
  std::string prefix_;
  std::vector<std::string> keys_;
};

TEST_P(CacheContractTest, GetOfMissingKeyIsNullopt) {
  EXPECT_THAT(cache_->Get(Key("missing"), call_), IsOkAndHolds(std::optional<std::string>()));
}

// The roster's change head (a high-water mark many writers raise) relies on
// ZADD GT never lowering a score.
TEST_P(CacheContractTest, ZAddGreaterThanOnlyRaisesAScore) {
  const std::string key = Key("head");
  ASSERT_TRUE(cache_->Execute({"ZADD", key, "GT", "5", "head"}, call_).ok());
  ASSERT_TRUE(cache_->Execute({"ZADD", key, "GT", "3", "head"}, call_).ok());
  EXPECT_THAT(cache_->ZScore(key, "head", call_), IsOkAndHolds(Optional(5.0)));
  ASSERT_TRUE(cache_->Execute({"ZADD", key, "GT", "9", "head"}, call_).ok());
  EXPECT_THAT(cache_->ZScore(key, "head", call_), IsOkAndHolds(Optional(9.0)));
}

TEST_P(CacheContractTest, SetThenGetReturnsTheValue) {
  const std::string key = Key("k");
  ASSERT_THAT(cache_->Set(key, "v1", {}, call_), IsOkAndHolds(true));
  EXPECT_THAT(cache_->Get(key, call_), IsOkAndHolds(Optional(std::string("v1"))));
  ASSERT_THAT(cache_->Set(key, "v2", {}, call_), IsOkAndHolds(true));
  EXPECT_THAT(cache_->Get(key, call_), IsOkAndHolds(Optional(std::string("v2"))));
}

TEST_P(CacheContractTest, ValuesAndKeysAreBinarySafe) {
  std::string value;
  for (int i = 0; i < 256; ++i) value.push_back(static_cast<char>(i));
  value += std::string("\0\r\n$3\r\nGET\r\n", 13);
  const std::string key = Key(std::string("bin\0key\r\n", 9));
  ASSERT_THAT(cache_->Set(key, value, {}, call_), IsOkAndHolds(true));
  auto got = cache_->Get(key, call_);
  ASSERT_THAT(got, IsOk());
  ASSERT_TRUE(got->has_value());
  EXPECT_EQ(**got, value);
  EXPECT_EQ((*got)->size(), 256u + 13u);
}

TEST_P(CacheContractTest, SetOnlyIfAbsentDoesNotOverwrite) {
  const std::string key = Key("nx");
  EXPECT_THAT(cache_->Set(key, "first", SetOptions{.only_if_absent = true}, call_),
              IsOkAndHolds(true));
  EXPECT_THAT(cache_->Set(key, "second", SetOptions{.only_if_absent = true}, call_),
              IsOkAndHolds(false));
  EXPECT_THAT(cache_->Get(key, call_), IsOkAndHolds(Optional(std::string("first"))));
}

TEST_P(CacheContractTest, SetWithTtlGivesTheKeyThatTtl) {
  const std::string key = Key("ttl");
  ASSERT_THAT(cache_->Set(key, "v", SetOptions{.ttl = absl::Seconds(60)}, call_),
              IsOkAndHolds(true));
  auto ttl = cache_->Ttl(key, call_);
  ASSERT_THAT(ttl, IsOk());
  ASSERT_TRUE(ttl->has_value());
  EXPECT_GT(**ttl, absl::Seconds(50));
  EXPECT_LE(**ttl, absl::Seconds(60));
}

TEST_P(CacheContractTest, TtlDistinguishesMissingAndPersistentKeys) {
  const std::string key = Key("persistent");
  EXPECT_THAT(cache_->Ttl(key, call_), IsOkAndHolds(std::optional<absl::Duration>()));
  ASSERT_THAT(cache_->Set(key, "v", {}, call_), IsOk());
  EXPECT_THAT(cache_->Ttl(key, call_), IsOkAndHolds(Optional(absl::InfiniteDuration())));
}

TEST_P(CacheContractTest, ExpireSetsTtlOnlyOnExistingKeys) {
  const std::string key = Key("expire");
  EXPECT_THAT(cache_->Expire(key, absl::Seconds(30), call_), IsOkAndHolds(false));
  ASSERT_THAT(cache_->Set(key, "v", {}, call_), IsOk());
  EXPECT_THAT(cache_->Expire(key, absl::Seconds(30), call_), IsOkAndHolds(true));
  auto ttl = cache_->Ttl(key, call_);
  ASSERT_THAT(ttl, IsOk());
  ASSERT_TRUE(ttl->has_value());
  EXPECT_GT(**ttl, absl::Seconds(20));
  EXPECT_LE(**ttl, absl::Seconds(30));
}

TEST_P(CacheContractTest, KeyIsGoneAfterItsTtl) {
  const std::string key = Key("short");
  ASSERT_THAT(cache_->Set(key, "v", SetOptions{.ttl = absl::Milliseconds(5)}, call_), IsOk());
  // Waits for expiry only as long as needed; the bound just stops a hang.
  const absl::Time give_up = absl::Now() + absl::Seconds(10);
  std::optional<std::string> value = "v";
  while (value.has_value() && absl::Now() < give_up) {
    absl::SleepFor(absl::Milliseconds(5));
    auto got = cache_->Get(key, call_);
    ASSERT_THAT(got, IsOk());
    value = *got;
  }
  EXPECT_EQ(value, std::nullopt);
}

TEST_P(CacheContractTest, DelCountsOnlyExistingKeys) {
  const std::string a = Key("a"), b = Key("b"), c = Key("c");
  ASSERT_THAT(cache_->Set(a, "1", {}, call_), IsOk());
  ASSERT_THAT(cache_->Set(b, "2", {}, call_), IsOk());
  EXPECT_THAT(cache_->Del({a, b, c}, call_), IsOkAndHolds(2));
  EXPECT_THAT(cache_->Get(a, call_), IsOkAndHolds(std::optional<std::string>()));
}

TEST_P(CacheContractTest, MGetAnswersInKeyOrderWithGaps) {
  const std::string a = Key("a"), b = Key("b"), c = Key("c");
  ASSERT_THAT(cache_->Set(a, "1", {}, call_), IsOk());
  ASSERT_THAT(cache_->Set(c, "3", {}, call_), IsOk());
  EXPECT_THAT(cache_->MGet({c, b, a}, call_),
              IsOkAndHolds(ElementsAre(Optional(std::string("3")), std::nullopt,
                                       Optional(std::string("1")))));
}

TEST_P(CacheContractTest, IncrByStartsFromZeroAndAccumulates) {
  const std::string key = Key("counter");
  EXPECT_THAT(cache_->IncrBy(key, 5, call_), IsOkAndHolds(5));
  EXPECT_THAT(cache_->IncrBy(key, -2, call_), IsOkAndHolds(3));
  EXPECT_THAT(cache_->Get(key, call_), IsOkAndHolds(Optional(std::string("3"))));
}

TEST_P(CacheContractTest, IncrByOnNonNumberIsFailedPrecondition) {
  const std::string key = Key("text");
  ASSERT_THAT(cache_->Set(key, "abc", {}, call_), IsOk());
  EXPECT_THAT(cache_->IncrBy(key, 1, call_), StatusIs(absl::StatusCode::kFailedPrecondition));
}

TEST_P(CacheContractTest, IncrByOverflowIsAnErrorNotAWrap) {
  const std::string key = Key("big");
  ASSERT_THAT(cache_->Set(key, "9223372036854775807", {}, call_), IsOk());
  EXPECT_THAT(cache_->IncrBy(key, 1, call_), StatusIs(absl::StatusCode::kFailedPrecondition));
}

TEST_P(CacheContractTest, LeaderboardReturnsTopNHighestFirstWithScores) {
  const std::string board = Key("board");
  ASSERT_THAT(cache_->ZAdd(board, {{"alice", 10}, {"bob", 30}, {"carol", 20}, {"dave", 5}}, call_),
              IsOkAndHolds(4));
  EXPECT_THAT(cache_->ZIncrBy(board, 25, "alice", call_), IsOkAndHolds(35.0));
  EXPECT_THAT(cache_->ZRevRangeWithScores(board, 0, 3, call_),
              IsOkAndHolds(ElementsAre(ScoredMember{"alice", 35}, ScoredMember{"bob", 30},
                                       ScoredMember{"carol", 20})));
  EXPECT_THAT(cache_->ZRevRangeWithScores(board, 3, 10, call_),
              IsOkAndHolds(ElementsAre(ScoredMember{"dave", 5})));
  EXPECT_THAT(cache_->ZRevRangeWithScores(board, 0, 0, call_), IsOkAndHolds(ElementsAre()));
  EXPECT_THAT(cache_->ZScore(board, "carol", call_), IsOkAndHolds(Optional(20.0)));
  EXPECT_THAT(cache_->ZScore(board, "nobody", call_), IsOkAndHolds(std::optional<double>()));
  EXPECT_THAT(cache_->ZCard(board, call_), IsOkAndHolds(4));
  EXPECT_THAT(cache_->ZCard(Key("empty-board"), call_), IsOkAndHolds(0));
}

TEST_P(CacheContractTest, LeaderboardTiesOrderByMemberDescending) {
  const std::string board = Key("ties");
  ASSERT_THAT(cache_->ZAdd(board, {{"ann", 7}, {"cid", 7}, {"bea", 7}}, call_), IsOk());
  EXPECT_THAT(cache_->ZRevRangeWithScores(board, 0, 10, call_),
              IsOkAndHolds(ElementsAre(ScoredMember{"cid", 7}, ScoredMember{"bea", 7},
                                       ScoredMember{"ann", 7})));
}

TEST_P(CacheContractTest, ZAddCountsOnlyNewMembersAndUpdatesScores) {
  const std::string board = Key("update");
  ASSERT_THAT(cache_->ZAdd(board, {{"a", 1}}, call_), IsOkAndHolds(1));
  EXPECT_THAT(cache_->ZAdd(board, {{"a", 2.5}, {"b", -1}}, call_), IsOkAndHolds(1));
  EXPECT_THAT(cache_->ZScore(board, "a", call_), IsOkAndHolds(Optional(2.5)));
}

TEST_P(CacheContractTest, LargeIntegerScoresRoundTripExactly) {
  const std::string board = Key("money");
  const double cents = 9007199254740991.0;  // 2^53 - 1
  ASSERT_THAT(cache_->ZAdd(board, {{"rep", cents}}, call_), IsOk());
  EXPECT_THAT(cache_->ZScore(board, "rep", call_), IsOkAndHolds(Optional(cents)));
}

TEST_P(CacheContractTest, HashCountersAccumulatePerField) {
  const std::string key = Key("hash");
  EXPECT_THAT(cache_->HIncrBy(key, "calls", 2, call_), IsOkAndHolds(2));
  EXPECT_THAT(cache_->HIncrBy(key, "calls", 3, call_), IsOkAndHolds(5));
  EXPECT_THAT(cache_->HIncrBy(key, "meetings", 1, call_), IsOkAndHolds(1));
  EXPECT_THAT(cache_->HGetAll(key, call_),
              IsOkAndHolds(UnorderedElementsAre(Pair("calls", "5"), Pair("meetings", "1"))));
  EXPECT_THAT(cache_->HGetAll(Key("no-hash"), call_), IsOkAndHolds(::testing::IsEmpty()));
}

TEST_P(CacheContractTest, WrongTypeIsFailedPrecondition) {
  const std::string key = Key("string");
  ASSERT_THAT(cache_->Set(key, "v", {}, call_), IsOk());
  EXPECT_THAT(cache_->ZAdd(key, {{"m", 1}}, call_),
              StatusIs(absl::StatusCode::kFailedPrecondition, ::testing::HasSubstr("WRONGTYPE")));
  EXPECT_THAT(cache_->HGetAll(key, call_), StatusIs(absl::StatusCode::kFailedPrecondition));
}

TEST_P(CacheContractTest, PipelineAnswersInOrderWithPerCommandErrors) {
  const std::string counter = Key("pc"), text = Key("pt");
  auto replies = cache_->Pipeline(
      {
          {"SET", counter, "10"},
          {"INCRBY", counter, "5"},
          {"SET", text, "abc"},
          {"INCRBY", text, "1"},     // Not a number: fails alone.
          {"ZADD", text, "1", "m"},  // Wrong type: fails alone.
          {"NOSUCHCOMMAND", counter},
          {"GET", counter},
          {"GET", Key("absent")},
      },
      call_);
  ASSERT_THAT(replies, IsOk());
  ASSERT_EQ(replies->size(), 8u);
  const auto& r = *replies;
  ASSERT_THAT(r[0], IsOk());
  EXPECT_EQ(r[0]->type, Reply::Type::kStatus);
  ASSERT_THAT(r[1], IsOk());
  EXPECT_EQ(r[1]->integer, 15);
  EXPECT_THAT(r[2], IsOk());
  EXPECT_THAT(r[3], StatusIs(absl::StatusCode::kFailedPrecondition));
  EXPECT_THAT(r[4], StatusIs(absl::StatusCode::kFailedPrecondition));
  EXPECT_THAT(r[5], StatusIs(absl::StatusCode::kInternal, ::testing::HasSubstr("unknown")));
  ASSERT_THAT(r[6], IsOk());
  EXPECT_EQ(r[6]->str, "15");
  ASSERT_THAT(r[7], IsOk());
  EXPECT_TRUE(r[7]->is_nil());
}

TEST_P(CacheContractTest, ManyCommandsInOnePipeline) {
  const std::string key = Key("many");
  std::vector<Command> commands(1000, Command{"INCRBY", key, "2"});
  auto replies = cache_->Pipeline(commands, call_);
  ASSERT_THAT(replies, IsOk());
  ASSERT_EQ(replies->size(), 1000u);
  for (size_t i = 0; i < replies->size(); ++i) {
    ASSERT_THAT((*replies)[i], IsOk());
    EXPECT_EQ((*replies)[i]->integer, 2 * static_cast<int64_t>(i + 1));
  }
}

TEST_P(CacheContractTest, EmptyPipelineAnswersNothing) {
  EXPECT_THAT(cache_->Pipeline({}, call_), IsOkAndHolds(ElementsAre()));
}

INSTANTIATE_TEST_SUITE_P(Implementations, CacheContractTest,
                         ::testing::Values(Impl::kFake, Impl::kRealRedis),
                         [](const ::testing::TestParamInfo<Impl>& info) {
                           return info.param == Impl::kFake ? "Fake" : "RealRedis";
                         });

}  // namespace
}  // namespace salesteam::cache
