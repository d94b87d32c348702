// Fuzzes pagination::PageTokenCodec::Decode, which reads the page_token of
// every List RPC. The first input byte picks what the rest is:
//   0: a token as a client sends it, decoded in a fixed scope: refused with
//      INVALID_ARGUMENT naming page_token, or (a token the seeds signed)
//      accepted only in the one form Encode gives it;
//   1: a scope and cursor parts (any bytes, separators included): Encode then
//      Decode gives the same parts back; the same token is refused in another
//      scope, with another part count, and with any one byte changed.
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "common/pagination/page_token.h"
#include "fuzz/check.h"
#include "fuzzer/FuzzedDataProvider.h"

namespace salesteam::pagination {
namespace {

void CheckRefused(const absl::StatusOr<std::vector<std::string>>& decoded) {
  FUZZ_CHECK(!decoded.ok());
  FUZZ_CHECK(fuzz::IsInvalidArgumentNaming(decoded.status(), "page_token"));
}

void RoundTrip(FuzzedDataProvider& in, const PageTokenCodec& codec) {
  const std::string scope = in.ConsumeRandomLengthString(64);
  const std::string other_scope = in.ConsumeRandomLengthString(64);
  const std::string tamper_at = in.ConsumeBytesAsString(2);
  std::vector<std::string> parts;
  const int count = in.ConsumeIntegralInRange(1, 4);
  for (int i = 0; i < count; ++i) parts.push_back(in.ConsumeRandomLengthString(64));

  const std::string token = codec.Encode(scope, parts);
  absl::StatusOr<std::vector<std::string>> decoded = codec.Decode(token, scope, count);
  if (token.size() > 4096) {
    // Decode refuses tokens over 4 KiB; Encode never makes one that long for
    // the short cursors above.
    FUZZ_CHECK(false);
  }
  FUZZ_CHECK(decoded.ok());
  FUZZ_CHECK(*decoded == parts);
  if (other_scope != scope) CheckRefused(codec.Decode(token, other_scope, count));
  CheckRefused(codec.Decode(token, scope, count + 1));
  if (tamper_at.size() == 2) {
    std::string altered = token;
    const size_t at = static_cast<uint8_t>(tamper_at[0]) % altered.size();
    if (altered[at] != tamper_at[1]) {
      altered[at] = tamper_at[1];
      CheckRefused(codec.Decode(altered, scope, count));
    }
  }
}

}  // namespace
}  // namespace salesteam::pagination

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using salesteam::pagination::PageTokenCodec;
  static const PageTokenCodec* const codec = new PageTokenCodec("fuzz page-token secret");
  FuzzedDataProvider in(data, size);
  if (in.ConsumeBool()) {
    salesteam::pagination::RoundTrip(in, *codec);
  } else {
    constexpr absl::string_view kScope = "ListMembers|tm_1|0|0|today";
    const int parts = in.ConsumeIntegralInRange(1, 3);
    const std::string token = in.ConsumeRemainingBytesAsString();
    absl::StatusOr<std::vector<std::string>> decoded = codec->Decode(token, kScope, parts);
    if (decoded.ok()) {
      FUZZ_CHECK(codec->Encode(kScope, *decoded) == token);
    } else {
      salesteam::pagination::CheckRefused(decoded);
    }
  }
  return 0;
}
