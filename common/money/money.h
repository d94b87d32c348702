// Money for everything Salesteam counts or pays: won deal values, quotas,
// commission and incentive amounts, statement lines. An amount is a whole
// number of the currency's minor unit (cents for USD, yen for JPY, fils for
// KWD) in an int64 plus its ISO 4217 code; there is no floating point
// anywhere, so that a statement adds up to the cent every time.
//
// Rules (DESIGN.md section 3), each enforced here rather than in the services:
// - Every operation that can fail returns absl::StatusOr<Money>. Arithmetic
//   that would leave int64 is OUT_OF_RANGE, never a wrapped value.
// - Mixing currencies (USD + EUR) is INVALID_ARGUMENT: the arguments are wrong
//   whatever the system's state, and there is no exchange rate here. A service
//   that mixes because of stored state (a EUR deal credited on a USD plan)
//   should check the currency itself first and answer FAILED_PRECONDITION
//   with its own field names.
// - Rates are basis points (1 bps = 0.01%; 500 bps = 5%). A rate applied to an
//   amount is rounded once, to the minor unit, half away from zero: 0.5 cent
//   becomes 1 cent and -0.5 cent becomes -1 cent. That is "half-up" on the
//   magnitude, which makes the commission of a reversed (negative) deal the
//   exact negation of the commission it reverses, so a clawback cancels a
//   payout to the cent. Totals are sums of rounded lines.
// - Validation errors are INVALID_ARGUMENT and begin with the caller's field
//   name, e.g. `deal.amount.currency_code: "usd" is not an ISO 4217 code`.
#ifndef SALESTEAM_COMMON_MONEY_MONEY_H_
#define SALESTEAM_COMMON_MONEY_MONEY_H_

#include <cstdint>
#include <ostream>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/types/span.h"
#include "common/money/currency.h"

namespace salesteam::type::v1 {
class Money;
}  // namespace salesteam::type::v1

namespace salesteam::money {

// Basis points in a whole: a rate of kBasisPointsPerUnit bps is 100%.
inline constexpr int64_t kBasisPointsPerUnit = 10000;

// An amount of one currency. Always holds a known ISO 4217 currency: the only
// ways to make one validate the code. Cheap to copy (a pointer and an int64).
class Money {
 public:
  // `minor_units` of the currency `currency_code`; INVALID_ARGUMENT naming
  // `field` when the code is not a known ISO 4217 code.
  static absl::StatusOr<Money> Create(absl::string_view currency_code, int64_t minor_units,
                                      absl::string_view field = "currency_code");
  // Nothing, in `currency_code`: the starting point of a sum.
  static absl::StatusOr<Money> Zero(absl::string_view currency_code,
                                    absl::string_view field = "currency_code");

  // The ISO 4217 code, e.g. "USD".
  absl::string_view currency_code() const { return currency_->code; }
  const Currency& currency() const { return *currency_; }
  // Decimal places of the minor unit (2 for USD, 0 for JPY, 3 for KWD).
  int exponent() const { return currency_->exponent; }
  // The amount in minor units: 123456 is USD 1,234.56 and JPY 123,456.
  int64_t minor_units() const { return minor_units_; }

  bool is_zero() const { return minor_units_ == 0; }
  bool is_negative() const { return minor_units_ < 0; }
  bool is_positive() const { return minor_units_ > 0; }

  // Same currency and same amount. USD 0.00 and EUR 0.00 are not equal.
  friend bool operator==(const Money& a, const Money& b) {
    return a.minor_units_ == b.minor_units_ && a.currency_code() == b.currency_code();
  }

 private:
  Money(const Currency* currency, int64_t minor_units)
      : currency_(currency), minor_units_(minor_units) {}

  friend Money WithAmount(const Money& like, int64_t minor_units);

  const Currency* currency_;  // Never null: points into the static table.
  int64_t minor_units_;
};

// Prints "1234.56 USD" (FormatWithCode), e.g. in test failure messages.
std::ostream& operator<<(std::ostream& os, const Money& money);

// The same currency as `like` with another amount. Never fails.
Money WithAmount(const Money& like, int64_t minor_units);

// --- Arithmetic. Mixed currencies: INVALID_ARGUMENT. Overflow: OUT_OF_RANGE.

absl::StatusOr<Money> Add(const Money& a, const Money& b);
absl::StatusOr<Money> Subtract(const Money& a, const Money& b);
// OUT_OF_RANGE only for the most negative int64, whose negation does not exist.
absl::StatusOr<Money> Negate(const Money& money);
// `money` times a whole count (e.g. a per-meeting bonus times meetings held).
absl::StatusOr<Money> Multiply(const Money& money, int64_t count);
// The sum of `amounts`, all of which must be in `currency_code`; zero when
// `amounts` is empty. A statement total is Sum of its rounded lines.
absl::StatusOr<Money> Sum(absl::string_view currency_code, absl::Span<const Money> amounts);

// -1, 0 or 1 as `a` is less than, equal to or greater than `b`; mixed
// currencies: INVALID_ARGUMENT.
absl::StatusOr<int> Compare(const Money& a, const Money& b);
// The smaller / larger of two amounts of one currency (e.g. a payout capped
// at the plan's cap is Min(payout, cap)).
absl::StatusOr<Money> Min(const Money& a, const Money& b);
absl::StatusOr<Money> Max(const Money& a, const Money& b);

// --- Rates and ratios, rounded half away from zero to the minor unit, computed
// exactly in 128 bits (no intermediate overflow); only a result outside int64
// is OUT_OF_RANGE.

// money * basis_points / 10000: USD 500.00 at 500 bps is USD 25.00; USD 0.01 at
// 5000 bps is USD 0.01 (0.5 cent rounds up); USD -0.01 at 5000 bps is
// USD -0.01. Negative rates are allowed (adjustments) and round the same way.
absl::StatusOr<Money> ApplyRateBps(const Money& money, int64_t basis_points);
// money * numerator / denominator (e.g. a stretch bonus paid in proportion to
// attainment). `denominator` must be positive, else INVALID_ARGUMENT.
absl::StatusOr<Money> ApplyRatio(const Money& money, int64_t numerator, int64_t denominator);

// Splits `money` into parts proportional to `weights`, losing nothing: the
// parts always add up to `money` exactly, each part is the exact share
// rounded toward zero, and the minor units left over go one each to the
// parts with the largest remainders (earlier parts first on ties). A zero
// weight gets zero. Weights must be non-negative with a positive sum, else
// INVALID_ARGUMENT. E.g. USD 100.00 over {1, 1, 1} is 33.34, 33.33, 33.33.
absl::StatusOr<std::vector<Money>> Allocate(const Money& money, absl::Span<const int64_t> weights);
// Allocate over `parts` equal weights; `parts` must be at least 1.
absl::StatusOr<std::vector<Money>> Split(const Money& money, int parts);

// --- Text.

// The amount alone, with exactly exponent() decimals, no grouping:
// "1234.56", "-0.05", "1234" (JPY), "1.234" (KWD). What ParseAmount reads.
std::string FormatAmount(const Money& money);
// "1234.56 USD": FormatAmount and the code. What ParseMoney reads; also what
// operator<< prints.
std::string FormatWithCode(const Money& money);
// For people: "USD 1,234.56", "USD -1,234.56", "JPY 1,234".
std::string FormatForDisplay(const Money& money);

// Reads an amount of `currency_code` written as FormatAmount writes it: an
// optional sign, digits, and optionally a point followed by 1 to exponent()
// digits ("1234.56", "-12.5", "+7", "1234" are USD amounts; "12.345", "1,234",
// "12.", ".5", " 1", "1e3" are not). More decimals than the currency has is
// an error, never a silent rounding. Errors are INVALID_ARGUMENT naming
// `field` (also for an unknown currency and for amounts beyond int64).
absl::StatusOr<Money> ParseAmount(absl::string_view text, absl::string_view currency_code,
                                  absl::string_view field);
// Reads "1234.56 USD" (FormatWithCode's output): an amount, one space, a code.
absl::StatusOr<Money> ParseMoney(absl::string_view text, absl::string_view field);

// --- salesteam.type.v1.Money.

// The Money in `proto`, validated: an unknown or malformed currency code is
// INVALID_ARGUMENT naming `<field>.currency_code`, e.g. FromProto(p,
// "deal.amount") -> `deal.amount.currency_code: "usd" is not an ISO 4217 code`.
absl::StatusOr<Money> FromProto(const salesteam::type::v1::Money& proto, absl::string_view field);
salesteam::type::v1::Money ToProto(const Money& money);
void ToProto(const Money& money, salesteam::type::v1::Money* proto);

}  // namespace salesteam::money

#endif  // SALESTEAM_COMMON_MONEY_MONEY_H_
