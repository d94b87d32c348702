// Fuzzes the money parsers: money::ParseAmount (an amount in a currency,
// e.g. salesctl's --amount and JSON amounts), money::ParseMoney ("1234.56
// USD"), FindCurrency and ValidateCurrencyCode. Every amount parsed formats
// back to text that parses to the same Money (nothing is rounded or wrapped),
// and every refusal is INVALID_ARGUMENT naming the field.
#include <cstddef>
#include <cstdint>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/ascii.h"
#include "common/money/currency.h"
#include "common/money/money.h"
#include "fuzz/check.h"
#include "fuzzer/FuzzedDataProvider.h"

namespace salesteam::money {
namespace {

void CheckAmount(absl::string_view text, absl::string_view code) {
  absl::StatusOr<Money> parsed = ParseAmount(text, code, "amount");
  if (!parsed.ok()) {
    FUZZ_CHECK(fuzz::IsInvalidArgumentNaming(parsed.status(), "amount"));
    return;
  }
  FUZZ_CHECK(parsed->currency_code() == code);
  // Digits only, an optional sign and point: nothing else gets through.
  for (char c : text) {
    FUZZ_CHECK(absl::ascii_isdigit(static_cast<unsigned char>(c)) || c == '-' || c == '+' ||
               c == '.');
  }
  absl::StatusOr<Money> again = ParseAmount(FormatAmount(*parsed), code, "amount");
  FUZZ_CHECK(again.ok() && *again == *parsed);
  absl::StatusOr<Money> with_code = ParseMoney(FormatWithCode(*parsed), "money");
  FUZZ_CHECK(with_code.ok() && *with_code == *parsed);
}

void CheckCode(absl::string_view code) {
  const Currency* found = FindCurrency(code);
  const absl::Status valid = ValidateCurrencyCode(code, "currency_code");
  FUZZ_CHECK(valid.ok() == (found != nullptr));
  if (found != nullptr) FUZZ_CHECK(found->code == code);
  if (!valid.ok()) FUZZ_CHECK(fuzz::IsInvalidArgumentNaming(valid, "currency_code"));
}

}  // namespace
}  // namespace salesteam::money

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using salesteam::money::AllCurrencies;
  FuzzedDataProvider in(data, size);
  switch (in.ConsumeIntegralInRange(0, 2)) {
    case 0: {
      // A known currency (so that the amount's syntax is what is explored).
      const auto currencies = AllCurrencies();
      const auto& currency =
          currencies[in.ConsumeIntegralInRange<size_t>(0, currencies.size() - 1)];
      salesteam::money::CheckAmount(in.ConsumeRemainingBytesAsString(), currency.code);
      break;
    }
    case 1: {
      const std::string code = in.ConsumeRandomLengthString(8);
      salesteam::money::CheckCode(code);
      salesteam::money::CheckAmount(in.ConsumeRemainingBytesAsString(), code);
      break;
    }
    default: {
      const std::string text = in.ConsumeRemainingBytesAsString();
      absl::StatusOr<salesteam::money::Money> money = salesteam::money::ParseMoney(text, "money");
      if (money.ok()) {
        absl::StatusOr<salesteam::money::Money> again =
            salesteam::money::ParseMoney(salesteam::money::FormatWithCode(*money), "money");
        FUZZ_CHECK(again.ok() && *again == *money);
      } else {
        FUZZ_CHECK(salesteam::fuzz::IsInvalidArgumentNaming(money.status(), "money"));
      }
      break;
    }
  }
  return 0;
}
