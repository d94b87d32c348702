#include "common/money/money.h"

#include <algorithm>
#include <cstdint>
#include <limits>
#include <numeric>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "common/status.h"
#include "salesteam/type/v1/money.pb.h"

namespace salesteam::money {
namespace {

absl::Status Mismatch(const Money& a, const Money& b) {
  return absl::InvalidArgumentError(absl::StrCat("currency mismatch: ", a.currency_code(), " and ",
                                                 b.currency_code(), " cannot be combined"));
}

absl::Status CheckSameCurrency(const Money& a, const Money& b) {
  if (a.currency_code() != b.currency_code()) return Mismatch(a, b);
  return absl::OkStatus();
}

// 10^exponent for the exponents in the table (0..4).
uint64_t PowerOfTen(int exponent) {
  uint64_t result = 1;
  for (int i = 0; i < exponent; ++i) result *= 10;
  return result;
}

// |value| without the overflow that -INT64_MIN would be.
uint64_t Magnitude(int64_t value) {
  return value < 0 ? uint64_t{0} - static_cast<uint64_t>(value) : static_cast<uint64_t>(value);
}

// The 128-bit `value` as Money like `like`, or OUT_OF_RANGE saying what was
// being computed.
absl::StatusOr<Money> Narrow(const Money& like, __int128 value, absl::string_view what) {
  if (value > std::numeric_limits<int64_t>::max() || value < std::numeric_limits<int64_t>::min()) {
    return absl::OutOfRangeError(absl::StrCat("money overflow: ", what, " is beyond what ",
                                              like.currency_code(),
                                              " amounts can hold (int64 minor units)"));
  }
  return WithAmount(like, static_cast<int64_t>(value));
}

// numerator / denominator rounded half away from zero; denominator > 0.
// |remainder| < denominator <= 2^63, so twice it fits in 128 bits easily.
__int128 DivideRoundingHalfAwayFromZero(__int128 numerator, __int128 denominator) {
  __int128 quotient = numerator / denominator;         // Truncates toward zero.
  const __int128 remainder = numerator % denominator;  // Sign of numerator.
  const __int128 twice_remainder = remainder < 0 ? -2 * remainder : 2 * remainder;
  if (twice_remainder >= denominator) quotient += numerator < 0 ? -1 : 1;
  return quotient;
}

// Digits of `value` with a comma between groups of three: 1234567 -> 1,234,567.
std::string GroupThousands(const std::string& digits) {
  std::string grouped;
  grouped.reserve(digits.size() + digits.size() / 3);
  for (size_t i = 0; i < digits.size(); ++i) {
    if (i > 0 && (digits.size() - i) % 3 == 0) grouped.push_back(',');
    grouped.push_back(digits[i]);
  }
  return grouped;
}

// The parts of FormatAmount: sign, whole units, fraction digits (possibly empty).
struct AmountText {
  bool negative;
  std::string whole;
  std::string fraction;
};

AmountText Decompose(const Money& money) {
  const uint64_t magnitude = Magnitude(money.minor_units());
  const uint64_t scale = PowerOfTen(money.exponent());
  AmountText text{money.is_negative(), absl::StrCat(magnitude / scale), ""};
  if (money.exponent() > 0) {
    text.fraction = absl::StrCat(magnitude % scale);
    text.fraction.insert(0, money.exponent() - text.fraction.size(), '0');
  }
  return text;
}

bool IsDigit(char c) { return c >= '0' && c <= '9'; }

}  // namespace

absl::StatusOr<Money> Money::Create(absl::string_view currency_code, int64_t minor_units,
                                    absl::string_view field) {
  RETURN_IF_ERROR(ValidateCurrencyCode(currency_code, field));
  return Money(FindCurrency(currency_code), minor_units);
}

absl::StatusOr<Money> Money::Zero(absl::string_view currency_code, absl::string_view field) {
  return Create(currency_code, 0, field);
}

Money WithAmount(const Money& like, int64_t minor_units) {
  return Money(like.currency_, minor_units);
}

std::ostream& operator<<(std::ostream& os, const Money& money) {
  return os << FormatWithCode(money);
}

absl::StatusOr<Money> Add(const Money& a, const Money& b) {
  RETURN_IF_ERROR(CheckSameCurrency(a, b));
  int64_t sum;
  if (__builtin_add_overflow(a.minor_units(), b.minor_units(), &sum)) {
    return Narrow(a, static_cast<__int128>(a.minor_units()) + b.minor_units(),
                  absl::StrCat(FormatWithCode(a), " + ", FormatWithCode(b)));
  }
  return WithAmount(a, sum);
}

absl::StatusOr<Money> Subtract(const Money& a, const Money& b) {
  RETURN_IF_ERROR(CheckSameCurrency(a, b));
  int64_t difference;
  if (__builtin_sub_overflow(a.minor_units(), b.minor_units(), &difference)) {
    return Narrow(a, static_cast<__int128>(a.minor_units()) - b.minor_units(),
                  absl::StrCat(FormatWithCode(a), " - ", FormatWithCode(b)));
  }
  return WithAmount(a, difference);
}

absl::StatusOr<Money> Negate(const Money& money) {
  return Narrow(money, -static_cast<__int128>(money.minor_units()),
                absl::StrCat("-(", FormatWithCode(money), ")"));
}

absl::StatusOr<Money> Multiply(const Money& money, int64_t count) {
  int64_t product;
  if (__builtin_mul_overflow(money.minor_units(), count, &product)) {
    return Narrow(money, static_cast<__int128>(money.minor_units()) * count,
                  absl::StrCat(FormatWithCode(money), " * ", count));
  }
  return WithAmount(money, product);
}

absl::StatusOr<Money> Sum(absl::string_view currency_code, absl::Span<const Money> amounts) {
  ASSIGN_OR_RETURN(Money total, Money::Zero(currency_code));
  for (const Money& amount : amounts) {
    ASSIGN_OR_RETURN(total, Add(total, amount));
  }
  return total;
}

absl::StatusOr<int> Compare(const Money& a, const Money& b) {
  RETURN_IF_ERROR(CheckSameCurrency(a, b));
  if (a.minor_units() < b.minor_units()) return -1;
  if (a.minor_units() > b.minor_units()) return 1;
  return 0;
}

absl::StatusOr<Money> Min(const Money& a, const Money& b) {
  ASSIGN_OR_RETURN(const int order, Compare(a, b));
  return order <= 0 ? a : b;
}

absl::StatusOr<Money> Max(const Money& a, const Money& b) {
  ASSIGN_OR_RETURN(const int order, Compare(a, b));
  return order >= 0 ? a : b;
}

absl::StatusOr<Money> ApplyRateBps(const Money& money, int64_t basis_points) {
  // |minor_units * basis_points| < 2^126: exact in 128 bits.
  const __int128 product = static_cast<__int128>(money.minor_units()) * basis_points;
  return Narrow(money, DivideRoundingHalfAwayFromZero(product, kBasisPointsPerUnit),
                absl::StrCat(FormatWithCode(money), " at ", basis_points, " bps"));
}

absl::StatusOr<Money> ApplyRatio(const Money& money, int64_t numerator, int64_t denominator) {
  if (denominator <= 0) {
    return absl::InvalidArgumentError(
        absl::StrCat("ratio denominator must be positive, got ", denominator));
  }
  const __int128 product = static_cast<__int128>(money.minor_units()) * numerator;
  return Narrow(money, DivideRoundingHalfAwayFromZero(product, denominator),
                absl::StrCat(FormatWithCode(money), " * ", numerator, " / ", denominator));
}

absl::StatusOr<std::vector<Money>> Allocate(const Money& money, absl::Span<const int64_t> weights) {
  if (weights.empty()) {
    return absl::InvalidArgumentError("allocation weights: at least one weight is required");
  }
  __int128 total_weight = 0;
  for (size_t i = 0; i < weights.size(); ++i) {
    if (weights[i] < 0) {
      return absl::InvalidArgumentError(
          absl::StrCat("allocation weights[", i, "]: ", weights[i], " is negative"));
    }
    total_weight += weights[i];  // At most 2^63 * size: no 128-bit overflow.
  }
  if (total_weight == 0) {
    return absl::InvalidArgumentError("allocation weights: the weights add up to zero");
  }
  // Work on the magnitude so that every part rounds toward zero and carries
  // the sign of the whole; |amount| * weight < 2^127.
  const __int128 magnitude = Magnitude(money.minor_units());
  const int sign = money.is_negative() ? -1 : 1;
  std::vector<__int128> shares(weights.size());
  std::vector<__int128> remainders(weights.size());
  __int128 allocated = 0;
  for (size_t i = 0; i < weights.size(); ++i) {
    const __int128 exact = magnitude * weights[i];
    shares[i] = exact / total_weight;
    remainders[i] = exact % total_weight;
    allocated += shares[i];
  }
  // Fewer units are left over than there are parts with a non-zero
  // remainder (each remainder is below total_weight, and the remainders add
  // up to left_over * total_weight), so each of those parts gets at most one,
  // largest remainder first, earlier part first on ties.
  const __int128 left_over = magnitude - allocated;
  std::vector<size_t> order(weights.size());
  std::iota(order.begin(), order.end(), size_t{0});
  std::stable_sort(order.begin(), order.end(),
                   [&](size_t a, size_t b) { return remainders[a] > remainders[b]; });
  for (__int128 i = 0; i < left_over; ++i) shares[order[static_cast<size_t>(i)]] += 1;
  std::vector<Money> parts;
  parts.reserve(weights.size());
  for (const __int128 share : shares) {
    // |share| <= |amount|, so the signed value fits in int64.
    parts.push_back(WithAmount(money, static_cast<int64_t>(sign * share)));
  }
  return parts;
}

absl::StatusOr<std::vector<Money>> Split(const Money& money, int parts) {
  if (parts < 1) {
    return absl::InvalidArgumentError(absl::StrCat("split parts: ", parts, " is less than 1"));
  }
  return Allocate(money, std::vector<int64_t>(parts, 1));
}

std::string FormatAmount(const Money& money) {
  const AmountText text = Decompose(money);
  return absl::StrCat(text.negative ? "-" : "", text.whole, text.fraction.empty() ? "" : ".",
                      text.fraction);
}

std::string FormatWithCode(const Money& money) {
  return absl::StrCat(FormatAmount(money), " ", money.currency_code());
}

std::string FormatForDisplay(const Money& money) {
  const AmountText text = Decompose(money);
  return absl::StrCat(money.currency_code(), " ", text.negative ? "-" : "",
                      GroupThousands(text.whole), text.fraction.empty() ? "" : ".", text.fraction);
}

absl::StatusOr<Money> ParseAmount(absl::string_view text, absl::string_view currency_code,
                                  absl::string_view field) {
  ASSIGN_OR_RETURN(const Money zero, Money::Zero(currency_code, field));
  if (text.empty()) {
    return absl::InvalidArgumentError(
        absl::StrCat(field, ": is empty; want an amount such as \"1234.56\""));
  }
  absl::string_view rest = text;
  const bool negative = rest.front() == '-';
  if (rest.front() == '-' || rest.front() == '+') rest.remove_prefix(1);
  const size_t point = rest.find('.');
  const absl::string_view whole = rest.substr(0, point);
  const absl::string_view fraction =
      point == absl::string_view::npos ? absl::string_view() : rest.substr(point + 1);
  auto all_digits = [](absl::string_view s) {
    for (char c : s) {
      if (!IsDigit(c)) return false;
    }
    return !s.empty();
  };
  if (!all_digits(whole) || (point != absl::string_view::npos && !all_digits(fraction))) {
    return absl::InvalidArgumentError(absl::StrCat(
        field, ": ", QuoteInput(text),
        " is not an amount (digits, an optional sign and decimal point, e.g. \"1234.56\")"));
  }
  if (fraction.size() > static_cast<size_t>(zero.exponent())) {
    return absl::InvalidArgumentError(absl::StrCat(field, ": ", QuoteInput(text), " has ",
                                                   fraction.size(), " decimal places; ",
                                                   currency_code, " has ", zero.exponent()));
  }
  // Accumulate the magnitude in minor units; anything above 2^63 is out.
  const unsigned __int128 limit =
      static_cast<unsigned __int128>(std::numeric_limits<int64_t>::max()) + (negative ? 1 : 0);
  unsigned __int128 magnitude = 0;
  auto append = [&](char digit) {
    magnitude = magnitude * 10 + static_cast<unsigned>(digit - '0');
    return magnitude <= limit;
  };
  bool fits = true;
  for (char c : whole) fits = fits && append(c);
  for (char c : fraction) fits = fits && append(c);
  for (size_t i = fraction.size(); i < static_cast<size_t>(zero.exponent()); ++i) {
    fits = fits && append('0');
  }
  if (!fits) {
    return absl::InvalidArgumentError(absl::StrCat(field, ": ", QuoteInput(text),
                                                   " is beyond the largest amount ", currency_code,
                                                   " can hold"));
  }
  const __int128 value = negative ? -static_cast<__int128>(magnitude) : magnitude;
  return WithAmount(zero, static_cast<int64_t>(value));
}

absl::StatusOr<Money> ParseMoney(absl::string_view text, absl::string_view field) {
  const size_t space = text.rfind(' ');
  if (space == absl::string_view::npos) {
    return absl::InvalidArgumentError(absl::StrCat(
        field, ": ", QuoteInput(text), " is not an amount with a currency (e.g. \"1234.56 USD\")"));
  }
  return ParseAmount(text.substr(0, space), text.substr(space + 1), field);
}

absl::StatusOr<Money> FromProto(const salesteam::type::v1::Money& proto, absl::string_view field) {
  return Money::Create(proto.currency_code(), proto.minor_units(),
                       absl::StrCat(field, field.empty() ? "" : ".", "currency_code"));
}

salesteam::type::v1::Money ToProto(const Money& money) {
  salesteam::type::v1::Money proto;
  ToProto(money, &proto);
  return proto;
}

void ToProto(const Money& money, salesteam::type::v1::Money* proto) {
  proto->set_currency_code(std::string(money.currency_code()));
  proto->set_minor_units(money.minor_units());
}

}  // namespace salesteam::money
