// The ISO 4217 currencies Salesteam accepts and how many decimal places each
// one's minor unit has (USD 2: cents; JPY 0; KWD 3: fils). Every Money value
// carries one of these codes, and the exponent here decides how an amount is
// rounded, formatted and parsed, so a code that is not in this table is
// refused at the edge rather than guessed at.
//
// The table is ISO 4217's list of current currency and fund codes (the
// iso-codes 4.15 snapshot plus the 2024/2025 amendments: ZWG and XCG added,
// HRK withdrawn). Codes without a minor unit in ISO 4217 (precious metals
// XAU/XAG/XPT/XPD, bond units XBA-XBD, XDR, XSU, XUA, the testing code XTS and
// "no currency" XXX) are left out: they are not amounts anyone is paid in.
#ifndef SALESTEAM_COMMON_MONEY_CURRENCY_H_
#define SALESTEAM_COMMON_MONEY_CURRENCY_H_

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "absl/types/span.h"

namespace salesteam::money {

// One ISO 4217 currency. Instances live in a static table for the life of
// the process, so pointers to them may be kept.
struct Currency {
  // Three upper-case letters, e.g. "USD".
  absl::string_view code;
  // Decimal places of the minor unit: 0 (JPY), 2 (USD), 3 (KWD) or 4 (CLF).
  int exponent;
};

// The currency with this exact code, or nullptr when the code is not a
// known ISO 4217 currency. Case-sensitive: "usd" is not found.
const Currency* FindCurrency(absl::string_view code);

// Every currency in the table, sorted by code.
absl::Span<const Currency> AllCurrencies();

// OK when `code` is three upper-case ASCII letters and a known currency;
// otherwise INVALID_ARGUMENT whose message starts with `field`, e.g.
// `deal.amount.currency_code: "usd" is not an ISO 4217 code`.
absl::Status ValidateCurrencyCode(absl::string_view code, absl::string_view field);

}  // namespace salesteam::money

#endif  // SALESTEAM_COMMON_MONEY_CURRENCY_H_
