#include "common/money/money.h"

#include <cstdint>
#include <limits>
#include <sstream>
#include <string>
#include <vector>

#include "common/testing/status_matchers.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "salesteam/type/v1/money.pb.h"

namespace salesteam::money {
namespace {

using ::salesteam::testing::IsOk;
using ::salesteam::testing::StatusIs;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::StartsWith;

constexpr int64_t kMax = std::numeric_limits<int64_t>::max();
constexpr int64_t kMin = std::numeric_limits<int64_t>::min();

using ::salesteam::testing::IsOkAndHolds;

Money M(absl::string_view code, int64_t minor_units) {
  absl::StatusOr<Money> money = Money::Create(code, minor_units);
  EXPECT_THAT(money, IsOk());
  return *money;
}

Money Usd(int64_t cents) { return M("USD", cents); }

// --- Construction.

TEST(MoneyCreate, KeepsCodeAmountAndExponent) {
  ASSERT_OK_AND_ASSIGN(const Money money, Money::Create("KWD", -1234));
  EXPECT_EQ(money.currency_code(), "KWD");
  EXPECT_EQ(money.minor_units(), -1234);
  EXPECT_EQ(money.exponent(), 3);
  EXPECT_TRUE(money.is_negative());
  EXPECT_FALSE(money.is_zero());
  EXPECT_FALSE(money.is_positive());
}

TEST(MoneyCreate, UnknownCurrencyIsInvalidArgumentNamingTheField) {
  EXPECT_THAT(Money::Create("usd", 1, "quota.currency_code"),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       StartsWith("quota.currency_code: \"usd\" is not an ISO 4217 code")));
  EXPECT_THAT(Money::Zero("XYZ"),
              StatusIs(absl::StatusCode::kInvalidArgument, StartsWith("currency_code: \"XYZ\"")));
}

TEST(MoneyEquality, NeedsSameCurrencyAndSameAmount) {
  EXPECT_EQ(Usd(100), Usd(100));
  EXPECT_FALSE(Usd(100) == Usd(101));
  EXPECT_FALSE(M("USD", 0) == M("EUR", 0));
}

// --- Add / Subtract / Negate / Multiply / Sum.

TEST(MoneyAdd, AddsMinorUnits) {
  EXPECT_THAT(Add(Usd(150), Usd(-200)), IsOkAndHolds(Usd(-50)));
  ASSERT_OK_AND_ASSIGN(const Money sum, Add(M("JPY", 1000), M("JPY", 2345)));
  EXPECT_EQ(sum, M("JPY", 3345));
}

TEST(MoneyAdd, MixedCurrenciesAreInvalidArgumentNamingBoth) {
  EXPECT_THAT(Add(Usd(1), M("EUR", 1)), StatusIs(absl::StatusCode::kInvalidArgument,
                                                 HasSubstr("currency mismatch: USD and EUR")));
  EXPECT_THAT(Subtract(Usd(1), M("EUR", 1)), StatusIs(absl::StatusCode::kInvalidArgument));
}

TEST(MoneyAdd, OverflowAtInt64LimitsIsOutOfRangeNotAWrap) {
  EXPECT_THAT(Add(Usd(kMax), Usd(1)), StatusIs(absl::StatusCode::kOutOfRange,
                                               HasSubstr("92233720368547758.07 USD + 0.01 USD")));
  EXPECT_THAT(Add(Usd(kMin), Usd(-1)), StatusIs(absl::StatusCode::kOutOfRange));
  EXPECT_THAT(Add(Usd(kMax), Usd(0)), IsOkAndHolds(Usd(kMax)));
  EXPECT_THAT(Add(Usd(kMax), Usd(kMin)), IsOkAndHolds(Usd(-1)));
}

TEST(MoneySubtract, OverflowAtInt64LimitsIsOutOfRange) {
  EXPECT_THAT(Subtract(Usd(kMin), Usd(1)), StatusIs(absl::StatusCode::kOutOfRange));
  EXPECT_THAT(Subtract(Usd(0), Usd(kMin)), StatusIs(absl::StatusCode::kOutOfRange));
  EXPECT_THAT(Subtract(Usd(-1), Usd(kMax)), IsOkAndHolds(Usd(kMin)));
  EXPECT_THAT(Subtract(Usd(500), Usd(750)), IsOkAndHolds(Usd(-250)));
}

TEST(MoneyNegate, NegatesAndRefusesTheOneValueWithoutANegation) {
  EXPECT_THAT(Negate(Usd(2500)), IsOkAndHolds(Usd(-2500)));
  EXPECT_THAT(Negate(Usd(kMax)), IsOkAndHolds(Usd(-kMax)));
  EXPECT_THAT(Negate(Usd(kMin)), StatusIs(absl::StatusCode::kOutOfRange));
}

TEST(MoneyMultiply, MultipliesByACountAndDetectsOverflow) {
  EXPECT_THAT(Multiply(Usd(2500), 4), IsOkAndHolds(Usd(10000)));
  EXPECT_THAT(Multiply(Usd(2500), -2), IsOkAndHolds(Usd(-5000)));
  EXPECT_THAT(Multiply(Usd(kMax / 2 + 1), 2), StatusIs(absl::StatusCode::kOutOfRange));
  EXPECT_THAT(Multiply(Usd(kMin), -1), StatusIs(absl::StatusCode::kOutOfRange));
  EXPECT_THAT(Multiply(Usd(-1), kMin), StatusIs(absl::StatusCode::kOutOfRange));
  EXPECT_THAT(Multiply(Usd(1), kMin), IsOkAndHolds(Usd(kMin)));
}

TEST(MoneySum, EmptyIsZeroAndLinesAddUp) {
  EXPECT_THAT(Sum("EUR", {}), IsOkAndHolds(M("EUR", 0)));
  const std::vector<Money> lines = {Usd(2500), Usd(-700), Usd(1)};
  EXPECT_THAT(Sum("USD", lines), IsOkAndHolds(Usd(1801)));
}

TEST(MoneySum, AForeignLineOrOverflowFailsTheWholeSum) {
  const std::vector<Money> mixed = {Usd(1), M("EUR", 1)};
  EXPECT_THAT(Sum("USD", mixed), StatusIs(absl::StatusCode::kInvalidArgument));
  const std::vector<Money> other = {M("EUR", 1)};
  EXPECT_THAT(Sum("USD", other), StatusIs(absl::StatusCode::kInvalidArgument));
  const std::vector<Money> huge = {Usd(kMax), Usd(1), Usd(-5)};
  EXPECT_THAT(Sum("USD", huge), StatusIs(absl::StatusCode::kOutOfRange));
  EXPECT_THAT(Sum("usd", {}), StatusIs(absl::StatusCode::kInvalidArgument));
}

// --- Compare / Min / Max.

TEST(MoneyCompare, OrdersAmountsOfOneCurrencyAndRefusesToCompareTwo) {
  EXPECT_THAT(Compare(Usd(1), Usd(2)), IsOkAndHolds(-1));
  EXPECT_THAT(Compare(Usd(2), Usd(2)), IsOkAndHolds(0));
  EXPECT_THAT(Compare(Usd(3), Usd(-2)), IsOkAndHolds(1));
  EXPECT_THAT(Compare(Usd(1), M("EUR", 1)), StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(Min(Usd(900000), Usd(500000)), IsOkAndHolds(Usd(500000)));
  EXPECT_THAT(Max(Usd(-1), Usd(-5)), IsOkAndHolds(Usd(-1)));
  EXPECT_THAT(Min(Usd(1), M("GBP", 1)), StatusIs(absl::StatusCode::kInvalidArgument));
}

// --- ApplyRateBps: half away from zero, exact.

TEST(ApplyRateBps, DesignExampleFivePercentOfFiveHundredDollarsIsTwentyFive) {
  EXPECT_THAT(ApplyRateBps(Usd(50000), 500), IsOkAndHolds(Usd(2500)));
}

TEST(ApplyRateBps, RoundsHalfAwayFromZeroAtEveryBoundaryBothSigns) {
  const struct {
    int64_t cents;
    int64_t bps;
    int64_t expected;
  } kTable[] = {
      // Exactly half a cent: away from zero.
      {1, 5000, 1},
      {-1, 5000, -1},
      {1, -5000, -1},
      {3, 5000, 2},    // 1.5 -> 2
      {-3, 5000, -2},  // -1.5 -> -2
      {5, 5000, 3},    // 2.5 -> 3 (not banker's 2)
      {-5, 5000, -3},
      // Just below half: toward zero.
      {1, 4999, 0},
      {-1, 4999, 0},
      // Just above half: away from zero.
      {1, 5001, 1},
      {-1, 5001, -1},
      // 12.345 cents, 12.3449, 12.3451.
      {12345, 1000, 1235},
      {-12345, 1000, -1235},
      {123449, 100, 1234},
      {-123449, 100, -1234},
      {123451, 100, 1235},
      {-123451, 100, -1235},
      // Zero and identity.
      {0, 500, 0},
      {12345, 0, 0},
      {12345, kBasisPointsPerUnit, 12345},
      {-12345, kBasisPointsPerUnit, -12345},
      // Accelerator above 100%.
      {99999, 15000, 149999},  // 1499.985 -> 1499.99
  };
  for (const auto& row : kTable) {
    EXPECT_THAT(ApplyRateBps(Usd(row.cents), row.bps), IsOkAndHolds(Usd(row.expected)))
        << row.cents << " cents at " << row.bps << " bps";
  }
}

TEST(ApplyRateBps, ReversedDealsCommissionExactlyCancelsTheOriginal) {
  for (int64_t cents = -20001; cents <= 20001; cents += 7) {
    for (int64_t bps : {1, 333, 500, 800, 1250, 4999, 5000, 5001}) {
      ASSERT_OK_AND_ASSIGN(const Money paid, ApplyRateBps(Usd(cents), bps));
      ASSERT_OK_AND_ASSIGN(const Money clawed_back, ApplyRateBps(Usd(-cents), bps));
      EXPECT_EQ(paid.minor_units(), -clawed_back.minor_units()) << cents << " at " << bps;
    }
  }
}

TEST(ApplyRateBps, ZeroAndThreeDecimalCurrenciesRoundToTheirOwnMinorUnit) {
  // JPY has no minor unit: 5% of 1,010 yen is 50.5 yen -> 51.
  EXPECT_THAT(ApplyRateBps(M("JPY", 1010), 500), IsOkAndHolds(M("JPY", 51)));
  EXPECT_THAT(ApplyRateBps(M("JPY", -1010), 500), IsOkAndHolds(M("JPY", -51)));
  // KWD has fils (0.001): 5% of 0.010 KWD is 0.0005 -> 0.001.
  EXPECT_THAT(ApplyRateBps(M("KWD", 10), 500), IsOkAndHolds(M("KWD", 1)));
  EXPECT_THAT(ApplyRateBps(M("KWD", 9), 500), IsOkAndHolds(M("KWD", 0)));
}

TEST(ApplyRateBps, IsExactNearInt64LimitsAndOutOfRangeOnlyWhenTheResultIs) {
  // The intermediate product kMax * 10000 overflows int64 but not 128 bits.
  EXPECT_THAT(ApplyRateBps(Usd(kMax), kBasisPointsPerUnit), IsOkAndHolds(Usd(kMax)));
  EXPECT_THAT(ApplyRateBps(Usd(kMin), kBasisPointsPerUnit), IsOkAndHolds(Usd(kMin)));
  // kMax / 2 = 4611686018427387903.5 -> ...904.
  EXPECT_THAT(ApplyRateBps(Usd(kMax), 5000), IsOkAndHolds(Usd(kMax / 2 + 1)));
  EXPECT_THAT(ApplyRateBps(Usd(kMin), 5000), IsOkAndHolds(Usd(kMin / 2)));
  EXPECT_THAT(ApplyRateBps(Usd(kMax), 10001),
              StatusIs(absl::StatusCode::kOutOfRange, HasSubstr("at 10001 bps")));
  EXPECT_THAT(ApplyRateBps(Usd(kMin), -10000), StatusIs(absl::StatusCode::kOutOfRange));
  EXPECT_THAT(ApplyRateBps(Usd(kMax), kMax), StatusIs(absl::StatusCode::kOutOfRange));
  EXPECT_THAT(ApplyRateBps(Usd(kMin), kMin), StatusIs(absl::StatusCode::kOutOfRange));
  EXPECT_THAT(ApplyRateBps(Usd(1), kMax), IsOkAndHolds(Usd(kMax / 10000 + 1)));
}

TEST(ApplyRatio, ProratesWithTheSameRoundingAndRejectsABadDenominator) {
  // A USD 1,000.00 stretch bonus at 70% of the stretch target.
  EXPECT_THAT(ApplyRatio(Usd(100000), 70, 100), IsOkAndHolds(Usd(70000)));
  EXPECT_THAT(ApplyRatio(Usd(100), 1, 3), IsOkAndHolds(Usd(33)));
  EXPECT_THAT(ApplyRatio(Usd(100), 2, 3), IsOkAndHolds(Usd(67)));
  EXPECT_THAT(ApplyRatio(Usd(-100), 2, 3), IsOkAndHolds(Usd(-67)));
  EXPECT_THAT(ApplyRatio(Usd(1), 1, 2), IsOkAndHolds(Usd(1)));
  EXPECT_THAT(ApplyRatio(Usd(-1), 1, 2), IsOkAndHolds(Usd(-1)));
  EXPECT_THAT(ApplyRatio(Usd(kMax), kMax, kMax), IsOkAndHolds(Usd(kMax)));
  EXPECT_THAT(ApplyRatio(Usd(kMax), 3, 2), StatusIs(absl::StatusCode::kOutOfRange));
  EXPECT_THAT(ApplyRatio(Usd(1), 1, 0), StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(ApplyRatio(Usd(1), 1, -2), StatusIs(absl::StatusCode::kInvalidArgument));
}

// --- Allocate / Split.

std::vector<int64_t> Units(const std::vector<Money>& parts) {
  std::vector<int64_t> units;
  for (const Money& part : parts) units.push_back(part.minor_units());
  return units;
}

TEST(Allocate, ThreeWaySplitLosesNoCentAndGivesTheExtraToTheFirst) {
  ASSERT_OK_AND_ASSIGN(const auto parts, Split(Usd(10000), 3));
  EXPECT_THAT(Units(parts), ElementsAre(3334, 3333, 3333));
  ASSERT_OK_AND_ASSIGN(const auto negative, Split(Usd(-10000), 3));
  EXPECT_THAT(Units(negative), ElementsAre(-3334, -3333, -3333));
  EXPECT_EQ(negative[0].currency_code(), "USD");
}

TEST(Allocate, LeftoverGoesToTheLargestRemaindersAndNeverToAZeroWeight) {
  // 100 over 3:0:7 -> 30, 0, 70 exactly.
  ASSERT_OK_AND_ASSIGN(const auto exact, Allocate(Usd(100), {3, 0, 7}));
  EXPECT_THAT(Units(exact), ElementsAre(30, 0, 70));
  // 5 over 1:1:2:0 -> exact 1.25, 1.25, 2.5, 0: floors 1, 1, 2 and one unit
  // left for the largest remainder, the 2.5.
  ASSERT_OK_AND_ASSIGN(const auto parts, Allocate(Usd(5), {1, 1, 2, 0}));
  EXPECT_THAT(Units(parts), ElementsAre(1, 1, 3, 0));
  // 2 cents over 1:1:1 -> 1, 1, 0.
  ASSERT_OK_AND_ASSIGN(const auto small, Allocate(Usd(2), {1, 1, 1}));
  EXPECT_THAT(Units(small), ElementsAre(1, 1, 0));
}

TEST(Allocate, PartsAlwaysAddUpExactlyEvenAtInt64Limits) {
  for (const int64_t amount : {kMax, kMin, kMin + 1, int64_t{7}, int64_t{-7}, int64_t{0}}) {
    const std::vector<int64_t> weights = {kMax, 3, kMax, 1, 0, 12345};
    ASSERT_OK_AND_ASSIGN(const auto parts, Allocate(Usd(amount), weights));
    __int128 total = 0;
    for (const Money& part : parts) {
      total += part.minor_units();
      EXPECT_TRUE(amount >= 0 ? part.minor_units() >= 0 : part.minor_units() <= 0);
    }
    EXPECT_TRUE(total == amount) << amount;
    EXPECT_EQ(parts[4].minor_units(), 0);
  }
}

TEST(Allocate, RejectsEmptyNegativeAndAllZeroWeights) {
  EXPECT_THAT(Allocate(Usd(100), {}), StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(Allocate(Usd(100), {1, -1}),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("weights[1]")));
  EXPECT_THAT(Allocate(Usd(100), {0, 0}), StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(Split(Usd(100), 0), StatusIs(absl::StatusCode::kInvalidArgument));
}

// --- Formatting.

TEST(FormatMoney, WritesExactlyTheCurrencysDecimals) {
  EXPECT_EQ(FormatAmount(Usd(123456)), "1234.56");
  EXPECT_EQ(FormatAmount(Usd(-5)), "-0.05");
  EXPECT_EQ(FormatAmount(Usd(0)), "0.00");
  EXPECT_EQ(FormatAmount(M("JPY", 123456)), "123456");
  EXPECT_EQ(FormatAmount(M("KWD", 1234)), "1.234");
  EXPECT_EQ(FormatAmount(M("KWD", -1)), "-0.001");
  EXPECT_EQ(FormatAmount(M("CLF", 12345)), "1.2345");
  EXPECT_EQ(FormatWithCode(Usd(123456)), "1234.56 USD");
}

TEST(FormatMoney, DisplayFormGroupsThousandsAfterTheCode) {
  EXPECT_EQ(FormatForDisplay(Usd(123456)), "USD 1,234.56");
  EXPECT_EQ(FormatForDisplay(Usd(-123456)), "USD -1,234.56");
  EXPECT_EQ(FormatForDisplay(Usd(99999)), "USD 999.99");
  EXPECT_EQ(FormatForDisplay(Usd(100000000)), "USD 1,000,000.00");
  EXPECT_EQ(FormatForDisplay(M("JPY", 1234567)), "JPY 1,234,567");
  EXPECT_EQ(FormatForDisplay(M("BHD", 1234567)), "BHD 1,234.567");
}

TEST(FormatMoney, HandlesInt64LimitsWithoutOverflow) {
  EXPECT_EQ(FormatAmount(Usd(kMax)), "92233720368547758.07");
  EXPECT_EQ(FormatAmount(Usd(kMin)), "-92233720368547758.08");
  EXPECT_EQ(FormatForDisplay(M("JPY", kMin)), "JPY -9,223,372,036,854,775,808");
}

TEST(FormatMoney, StreamsAsAmountAndCode) {
  std::ostringstream out;
  out << M("EUR", -250);
  EXPECT_EQ(out.str(), "-2.50 EUR");
}

// --- Parsing.

TEST(ParseAmount, ReadsAmountsWithUpToTheCurrencysDecimals) {
  EXPECT_THAT(ParseAmount("1234.56", "USD", "amount"), IsOkAndHolds(Usd(123456)));
  EXPECT_THAT(ParseAmount("-12.5", "USD", "amount"), IsOkAndHolds(Usd(-1250)));
  EXPECT_THAT(ParseAmount("+7", "USD", "amount"), IsOkAndHolds(Usd(700)));
  EXPECT_THAT(ParseAmount("0007.10", "USD", "amount"), IsOkAndHolds(Usd(710)));
  EXPECT_THAT(ParseAmount("-0", "USD", "amount"), IsOkAndHolds(Usd(0)));
  EXPECT_THAT(ParseAmount("1234", "JPY", "amount"), IsOkAndHolds(M("JPY", 1234)));
  EXPECT_THAT(ParseAmount("1.234", "KWD", "amount"), IsOkAndHolds(M("KWD", 1234)));
  EXPECT_THAT(ParseAmount("1.2", "KWD", "amount"), IsOkAndHolds(M("KWD", 1200)));
}

TEST(ParseAmount, TooManyDecimalsIsRejectedNotRounded) {
  EXPECT_THAT(ParseAmount("12.345", "USD", "deal.amount"),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       StartsWith("deal.amount: \"12.345\" has 3 decimal places; USD has 2")));
  EXPECT_THAT(ParseAmount("100.0", "JPY", "deal.amount"),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("JPY has 0")));
  EXPECT_THAT(ParseAmount("1.2345", "KWD", "deal.amount"),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("KWD has 3")));
}

TEST(ParseAmount, MalformedTextIsRejectedNamingTheField) {
  for (const char* text : {"", "abc", "1,234.56", "12.", ".5", " 1", "1 ", "1e3", "--1", "+-1", "-",
                           "1.2.3", "0x10", "١٢"}) {
    EXPECT_THAT(ParseAmount(text, "USD", "deal.amount"),
                StatusIs(absl::StatusCode::kInvalidArgument, StartsWith("deal.amount: ")))
        << text;
  }
}

TEST(ParseAmount, AcceptsExactlyTheInt64RangeOfMinorUnits) {
  EXPECT_THAT(ParseAmount("92233720368547758.07", "USD", "a"), IsOkAndHolds(Usd(kMax)));
  EXPECT_THAT(ParseAmount("-92233720368547758.08", "USD", "a"), IsOkAndHolds(Usd(kMin)));
  EXPECT_THAT(ParseAmount("92233720368547758.08", "USD", "a"),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("beyond")));
  EXPECT_THAT(ParseAmount("-92233720368547758.09", "USD", "a"),
              StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(ParseAmount(std::string(400, '9'), "USD", "a"),
              StatusIs(absl::StatusCode::kInvalidArgument));
}

TEST(ParseAmount, UnknownCurrencyIsRejected) {
  EXPECT_THAT(ParseAmount("1.00", "usd", "amount"),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("\"usd\"")));
}

TEST(ParseMoney, ReadsWhatFormatWithCodeWrites) {
  for (const Money& money : {Usd(123456), Usd(kMin), M("JPY", -5), M("KWD", 1), M("CLF", 10001)}) {
    EXPECT_THAT(ParseMoney(FormatWithCode(money), "m"), IsOkAndHolds(money));
    EXPECT_THAT(ParseAmount(FormatAmount(money), money.currency_code(), "m"), IsOkAndHolds(money));
  }
  EXPECT_THAT(ParseMoney("1234.56", "bonus"),
              StatusIs(absl::StatusCode::kInvalidArgument, StartsWith("bonus: ")));
  EXPECT_THAT(ParseMoney("1234.56 usd", "bonus"), StatusIs(absl::StatusCode::kInvalidArgument));
}

// --- Proto.

TEST(MoneyProto, RoundTrips) {
  const Money money = M("BHD", -123456);
  const salesteam::type::v1::Money proto = ToProto(money);
  EXPECT_EQ(proto.currency_code(), "BHD");
  EXPECT_EQ(proto.minor_units(), -123456);
  EXPECT_THAT(FromProto(proto, "x"), IsOkAndHolds(money));
}

TEST(MoneyProto, BadCurrencyIsRejectedNamingTheNestedField) {
  salesteam::type::v1::Money proto;
  proto.set_currency_code("usd");
  proto.set_minor_units(100);
  EXPECT_THAT(FromProto(proto, "deal.amount"),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       StartsWith("deal.amount.currency_code: \"usd\" is not an ISO 4217 code")));
  proto.clear_currency_code();
  EXPECT_THAT(FromProto(proto, "deal.amount"),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       StartsWith("deal.amount.currency_code: is required")));
}

}  // namespace
}  // namespace salesteam::money
