#include "common/money/currency.h"

#include <string>

#include "common/testing/status_matchers.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace salesteam::money {
namespace {

using ::salesteam::testing::IsOk;
using ::salesteam::testing::StatusIs;
using ::testing::HasSubstr;
using ::testing::StartsWith;

TEST(CurrencyTable, IsSortedWithoutDuplicatesSoLookupsFindEveryCode) {
  const auto all = AllCurrencies();
  ASSERT_GT(all.size(), 150u);
  for (size_t i = 1; i < all.size(); ++i) {
    EXPECT_LT(all[i - 1].code, all[i].code) << "at " << i;
  }
  for (const Currency& currency : all) {
    const Currency* found = FindCurrency(currency.code);
    ASSERT_NE(found, nullptr) << currency.code;
    EXPECT_EQ(found->code, currency.code);
  }
}

TEST(CurrencyTable, EveryCodeIsThreeUpperCaseLettersWithAnIsoExponent) {
  for (const Currency& currency : AllCurrencies()) {
    EXPECT_THAT(ValidateCurrencyCode(currency.code, "code"), IsOk());
    EXPECT_TRUE(currency.exponent == 0 || currency.exponent == 2 || currency.exponent == 3 ||
                currency.exponent == 4)
        << currency.code << " " << currency.exponent;
  }
}

TEST(CurrencyTable, MinorUnitExponentsMatchIso4217) {
  const struct {
    const char* code;
    int exponent;
  } kExpected[] = {
      {"USD", 2}, {"EUR", 2}, {"GBP", 2}, {"JPY", 0}, {"CHF", 2}, {"CAD", 2}, {"AUD", 2},
      {"NZD", 2}, {"SEK", 2}, {"NOK", 2}, {"DKK", 2}, {"PLN", 2}, {"CZK", 2}, {"HUF", 2},
      {"INR", 2}, {"CNY", 2}, {"HKD", 2}, {"SGD", 2}, {"KRW", 0}, {"BRL", 2}, {"MXN", 2},
      {"ZAR", 2}, {"TRY", 2}, {"ILS", 2}, {"AED", 2}, {"SAR", 2}, {"KWD", 3}, {"BHD", 3},
      {"OMR", 3}, {"JOD", 3}, {"TND", 3}, {"IQD", 3}, {"LYD", 3}, {"CLP", 0}, {"ISK", 0},
      {"VND", 0}, {"IDR", 2}, {"PYG", 0}, {"UGX", 0}, {"XAF", 0}, {"XOF", 0}, {"XPF", 0},
      {"CLF", 4}, {"UYW", 4}, {"ZWG", 2}, {"XCG", 2},
  };
  for (const auto& expected : kExpected) {
    const Currency* currency = FindCurrency(expected.code);
    ASSERT_NE(currency, nullptr) << expected.code;
    EXPECT_EQ(currency->exponent, expected.exponent) << expected.code;
  }
}

TEST(CurrencyTable, LeavesOutCodesThatAreNotMoneyAnyonePaysIn) {
  for (const char* code : {"XAU", "XAG", "XPT", "XPD", "XDR", "XTS", "XXX", "HRK"}) {
    EXPECT_EQ(FindCurrency(code), nullptr) << code;
  }
}

TEST(ValidateCurrencyCode, LowerCaseIsRejectedNamingTheFieldAndTheValue) {
  EXPECT_THAT(ValidateCurrencyCode("usd", "deal.amount.currency_code"),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       StartsWith("deal.amount.currency_code: \"usd\" is not an ISO 4217 code")));
}

TEST(ValidateCurrencyCode, WellFormedButUnknownCodeIsRejected) {
  EXPECT_THAT(ValidateCurrencyCode("ABC", "plan.currency_code"),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       StartsWith("plan.currency_code: \"ABC\" is not an ISO 4217 code")));
}

TEST(ValidateCurrencyCode, EmptyCodeIsReportedAsMissing) {
  EXPECT_THAT(
      ValidateCurrencyCode("", "plan.currency_code"),
      StatusIs(absl::StatusCode::kInvalidArgument, StartsWith("plan.currency_code: is required")));
}

TEST(ValidateCurrencyCode, WrongLengthsAndNonLettersAreRejected) {
  for (const char* code : {"US", "USDD", "US1", "U D", " USD", "USD ", "ÜSD"}) {
    EXPECT_THAT(ValidateCurrencyCode(code, "c"), StatusIs(absl::StatusCode::kInvalidArgument))
        << code;
  }
}

TEST(ValidateCurrencyCode, HostileInputIsEscapedAndCutShortInTheMessage) {
  const std::string hostile = "US\n{\"forged\":1}" + std::string(1000, 'A');
  const absl::Status status = ValidateCurrencyCode(hostile, "c");
  EXPECT_THAT(status, StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("US\\n")));
  EXPECT_LT(status.message().size(), 200u);
  EXPECT_EQ(status.message().find('\n'), absl::string_view::npos);
}

}  // namespace
}  // namespace salesteam::money
