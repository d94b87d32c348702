// Fuzzes auth::TokenVerifier::Verify, the first thing every RPC runs on bytes
// from the network. The first input byte picks what the rest is:
//   0: the whole authorization metadata value, as sent;
//   1: a token after "Bearer ";
//   2: a principal (subject, role, teams) that MintToken signs: Verify must
//      then give back the same principal, and refuse the token once expired
//      or when any one byte of it is changed.
// Verify must never crash, and every refusal is UNAUTHENTICATED.
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "common/auth/auth.h"
#include "fuzz/check.h"
#include "fuzzer/FuzzedDataProvider.h"

namespace salesteam::auth {
namespace {

constexpr char kSecret[] = "fuzz-secret-0123456789abcdef0123456789";
// 2026-12-07T00:00:00Z: any fixed instant will do.
const absl::Time kNow = absl::FromUnixSeconds(1796601600);

void CheckRefusal(const absl::StatusOr<Principal>& result) {
  if (!result.ok()) FUZZ_CHECK(absl::IsUnauthenticated(result.status()));
}

void MintAndVerify(FuzzedDataProvider& in, const TokenVerifier& verifier) {
  Principal principal;
  principal.subject = in.ConsumeRandomLengthString(64);
  principal.role = in.PickValueInArray({Role::kRep, Role::kManager, Role::kAdmin, Role::kService});
  const int teams = in.ConsumeIntegralInRange(0, 4);
  for (int i = 0; i < teams; ++i) principal.teams.push_back(in.ConsumeRandomLengthString(32));
  const absl::Duration ttl = absl::Seconds(in.ConsumeIntegralInRange<int64_t>(-10, 100000));
  const std::string tamper_at = in.ConsumeBytesAsString(2);
  absl::StatusOr<std::string> token = MintToken(kSecret, principal, ttl, kNow);
  if (!token.ok()) {
    FUZZ_CHECK(absl::IsInvalidArgument(token.status()));
    return;
  }
  absl::StatusOr<Principal> verified = verifier.Verify(absl::StrCat("Bearer ", *token), kNow);
  // A token this suite minted (non-empty subject and teams, positive ttl)
  // verifies, and says what it was minted with.
  FUZZ_CHECK(verified.ok());
  FUZZ_CHECK(verified->subject == principal.subject);
  FUZZ_CHECK(verified->role == principal.role);
  FUZZ_CHECK(verified->teams == principal.teams);
  // Expired beyond the allowed skew.
  CheckRefusal(verifier.Verify(absl::StrCat("Bearer ", *token), kNow + ttl + kClockSkew));
  FUZZ_CHECK(!verifier.Verify(absl::StrCat("Bearer ", *token), kNow + ttl + kClockSkew).ok());
  // One byte changed: refused, or (when the change only touches the unused
  // low bits of a segment's last base64url character) the very same claims.
  if (tamper_at.size() == 2) {
    std::string altered = *token;
    const size_t at = static_cast<uint8_t>(tamper_at[0]) % altered.size();
    const char replacement = tamper_at[1];
    if (altered[at] != replacement) {
      altered[at] = replacement;
      absl::StatusOr<Principal> result = verifier.Verify(absl::StrCat("Bearer ", altered), kNow);
      CheckRefusal(result);
      if (result.ok()) {
        FUZZ_CHECK(result->subject == principal.subject && result->role == principal.role &&
                   result->teams == principal.teams);
      }
    }
  }
}

}  // namespace
}  // namespace salesteam::auth

extern "C" int LLVMFuzzerInitialize(int* /*argc*/, char*** /*argv*/) {
  salesteam::fuzz::SilenceProtobufLogs();
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using salesteam::auth::TokenVerifier;
  static const TokenVerifier* const verifier = new TokenVerifier(salesteam::auth::kSecret);
  FuzzedDataProvider in(data, size);
  switch (in.ConsumeIntegralInRange(0, 2)) {
    case 0:
      salesteam::auth::CheckRefusal(
          verifier->Verify(in.ConsumeRemainingBytesAsString(), salesteam::auth::kNow));
      break;
    case 1:
      salesteam::auth::CheckRefusal(verifier->Verify(
          absl::StrCat("Bearer ", in.ConsumeRemainingBytesAsString()), salesteam::auth::kNow));
      break;
    default:
      salesteam::auth::MintAndVerify(in, *verifier);
      break;
  }
  return 0;
}
