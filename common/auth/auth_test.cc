#include "common/auth/auth.h"

#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <stdlib.h>

#include <fstream>
#include <memory>
#include <string>
#include <tuple>
#include <vector>

#include "absl/flags/declare.h"
#include "absl/flags/flag.h"
#include "absl/flags/reflection.h"
#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "gmock/gmock.h"
#include "grpcpp/create_channel.h"
#include "grpcpp/security/credentials.h"
#include "grpcpp/security/server_credentials.h"
#include "grpcpp/server.h"
#include "grpcpp/server_builder.h"
#include "gtest/gtest.h"
#include "salesteam/testing/v1/echo.grpc.pb.h"

#include "common/testing/status_matchers.h"
#include "common/testing/test_env.h"

ABSL_DECLARE_FLAG(std::string, jwt_secret_file);

namespace salesteam::auth {
namespace {

using ::salesteam::testing::IsOk;
using ::salesteam::testing::StatusIs;
using ::testing::AllOf;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::Not;

constexpr char kSecret[] = "0123456789abcdef0123456789abcdef-test-secret";
const absl::Time kNow = absl::FromUnixSeconds(1'800'000'000);

Principal Who(std::string subject, Role role = Role::kRep, std::vector<std::string> teams = {}) {
  return Principal{.subject = std::move(subject), .role = role, .teams = std::move(teams)};
}

std::string B64(absl::string_view s) { return absl::WebSafeBase64Escape(s); }

// header.payload.signature with an HMAC over the first two segments made with
// `md` (nullptr: empty signature), whatever the header claims.
std::string Craft(absl::string_view header_json, absl::string_view payload_json,
                  const EVP_MD* md = EVP_sha256(), absl::string_view secret = kSecret) {
  std::string signing_input = absl::StrCat(B64(header_json), ".", B64(payload_json));
  std::string signature;
  if (md != nullptr) {
    unsigned char mac[EVP_MAX_MD_SIZE];
    unsigned int mac_len = 0;
    HMAC(md, secret.data(), static_cast<int>(secret.size()),
         reinterpret_cast<const unsigned char*>(signing_input.data()), signing_input.size(), mac,
         &mac_len);
    signature = B64(absl::string_view(reinterpret_cast<const char*>(mac), mac_len));
  }
  return absl::StrCat(signing_input, ".", signature);
}

const char kHs256Header[] = R"({"alg":"HS256","typ":"JWT"})";

// Claims that verify at kNow; tests replace one piece to make one defect.
std::string Claims(absl::string_view extra = "", absl::string_view role = R"("role":"manager",)") {
  return absl::StrCat(R"({"sub":"m-1",)", role, R"("teams":["t-1","t-2"],"iat":)",
                      absl::ToUnixSeconds(kNow) - 60, R"(,"exp":)",
                      absl::ToUnixSeconds(kNow) + 3600, extra, "}");
}

absl::StatusOr<Principal> VerifyRaw(absl::string_view token, absl::Time now = kNow) {
  return TokenVerifier(kSecret).Verify(absl::StrCat("Bearer ", token), now);
}

TEST(TokenVerifierTest, CraftedWellFormedTokenIsAccepted) {
  // Guards the crafting helper: every rejection below differs from this token
  // in exactly the defect it names.
  ASSERT_OK_AND_ASSIGN(Principal principal, VerifyRaw(Craft(kHs256Header, Claims())));
  EXPECT_EQ(principal.subject, "m-1");
  EXPECT_EQ(principal.role, Role::kManager);
  EXPECT_THAT(principal.teams, ElementsAre("t-1", "t-2"));
}

TEST(TokenVerifierTest, MintedTokenRoundTripsEveryRole) {
  for (Role role : {Role::kRep, Role::kManager, Role::kAdmin, Role::kService}) {
    Principal in{.subject = "m-7", .role = role, .teams = {"t-9"}};
    ASSERT_OK_AND_ASSIGN(std::string token, MintToken(kSecret, in, absl::Hours(1), kNow));
    ASSERT_OK_AND_ASSIGN(Principal out,
                         TokenVerifier(kSecret).Verify(absl::StrCat("Bearer ", token), kNow));
    EXPECT_EQ(out.subject, "m-7");
    EXPECT_EQ(out.role, role);
    EXPECT_THAT(out.teams, ElementsAre("t-9"));
  }
}

TEST(TokenVerifierTest, MintedTokenWithoutTeamsHasEmptyTeams) {
  ASSERT_OK_AND_ASSIGN(std::string token, MintToken(kSecret, Who("svc-activity", Role::kService),
                                                    absl::Minutes(5), kNow));
  ASSERT_OK_AND_ASSIGN(Principal out, VerifyRaw(token));
  EXPECT_THAT(out.teams, IsEmpty());
}

TEST(TokenVerifierTest, TeamIdsWithJsonSpecialCharactersSurvive) {
  Principal in{.subject = "m-\"1\"", .role = Role::kRep, .teams = {"t\\1", "t\"2", "ü"}};
  ASSERT_OK_AND_ASSIGN(std::string token, MintToken(kSecret, in, absl::Hours(1), kNow));
  ASSERT_OK_AND_ASSIGN(Principal out, VerifyRaw(token));
  EXPECT_EQ(out.subject, in.subject);
  EXPECT_EQ(out.teams, in.teams);
}

TEST(TokenVerifierTest, SchemeIsCaseInsensitive) {
  ASSERT_OK_AND_ASSIGN(std::string token, MintToken(kSecret, Who("m-1"), absl::Hours(1), kNow));
  EXPECT_THAT(TokenVerifier(kSecret).Verify(absl::StrCat("bearer ", token), kNow), IsOk());
}

TEST(TokenVerifierTest, MissingAuthorizationIsUnauthenticated) {
  EXPECT_THAT(TokenVerifier(kSecret).Verify("", kNow),
              StatusIs(absl::StatusCode::kUnauthenticated, HasSubstr("missing")));
}

TEST(TokenVerifierTest, TokenWithoutBearerSchemeIsUnauthenticated) {
  const std::string token = Craft(kHs256Header, Claims());
  const TokenVerifier verifier(kSecret);
  EXPECT_THAT(verifier.Verify(token, kNow),
              StatusIs(absl::StatusCode::kUnauthenticated, HasSubstr("not a bearer token")));
  EXPECT_THAT(verifier.Verify(absl::StrCat("Basic ", token), kNow),
              StatusIs(absl::StatusCode::kUnauthenticated));
  EXPECT_THAT(verifier.Verify(absl::StrCat("Bearer", token), kNow),
              StatusIs(absl::StatusCode::kUnauthenticated));
  EXPECT_THAT(verifier.Verify("Bearer ", kNow), StatusIs(absl::StatusCode::kUnauthenticated));
}

TEST(TokenVerifierTest, GarbageIsUnauthenticated) {
  for (absl::string_view garbage : {"garbage", "a.b", "a.b.c.d", "!!!.???.***", "..", "e30.e30.",
                                    "bm90IGpzb24.e30.c2ln", "W10.e30.c2ln" /* header is [] */}) {
    EXPECT_THAT(VerifyRaw(garbage), StatusIs(absl::StatusCode::kUnauthenticated)) << garbage;
  }
  EXPECT_THAT(VerifyRaw(std::string(9000, 'a')),
              StatusIs(absl::StatusCode::kUnauthenticated, HasSubstr("8 KiB")));
}

TEST(TokenVerifierTest, AlgNoneWithEmptySignatureIsUnauthenticated) {
  for (absl::string_view header :
       {R"({"alg":"none","typ":"JWT"})", R"({"alg":"None"})", R"({"alg":"NONE"})"}) {
    EXPECT_THAT(VerifyRaw(Craft(header, Claims(), nullptr)),
                StatusIs(absl::StatusCode::kUnauthenticated))
        << header;
  }
}

TEST(TokenVerifierTest, AlgNoneIsRefusedEvenWithAValidHmac) {
  EXPECT_THAT(VerifyRaw(Craft(R"({"alg":"none"})", Claims())),
              StatusIs(absl::StatusCode::kUnauthenticated, HasSubstr("\"none\" is not accepted")));
}

TEST(TokenVerifierTest, AsymmetricHeaderSignedWithTheSecretIsUnauthenticated) {
  // The RS256/HS256 confusion: an attacker who knows a public key signs with
  // it as an HMAC key. Here we even use the real secret; the header alone
  // must sink the token.
  for (absl::string_view header :
       {R"({"alg":"RS256","typ":"JWT"})", R"({"alg":"ES256","typ":"JWT"})",
        R"({"alg":"PS256","typ":"JWT"})"}) {
    EXPECT_THAT(VerifyRaw(Craft(header, Claims())),
                StatusIs(absl::StatusCode::kUnauthenticated, HasSubstr("only HS256")))
        << header;
  }
}

TEST(TokenVerifierTest, OtherHmacAlgorithmsAreUnauthenticated) {
  EXPECT_THAT(VerifyRaw(Craft(R"({"alg":"HS384"})", Claims(), EVP_sha384())),
              StatusIs(absl::StatusCode::kUnauthenticated, HasSubstr("only HS256")));
  EXPECT_THAT(VerifyRaw(Craft(R"({"alg":"HS512"})", Claims(), EVP_sha512())),
              StatusIs(absl::StatusCode::kUnauthenticated, HasSubstr("only HS256")));
}

TEST(TokenVerifierTest, HeaderWithoutAlgIsUnauthenticated) {
  EXPECT_THAT(VerifyRaw(Craft(R"({"typ":"JWT"})", Claims())),
              StatusIs(absl::StatusCode::kUnauthenticated, HasSubstr("alg")));
  EXPECT_THAT(VerifyRaw(Craft(R"({"alg":256})", Claims())),
              StatusIs(absl::StatusCode::kUnauthenticated, HasSubstr("alg")));
}

TEST(TokenVerifierTest, CriticalHeaderExtensionsAreUnauthenticated) {
  EXPECT_THAT(VerifyRaw(Craft(R"({"alg":"HS256","crit":["exp"]})", Claims())),
              StatusIs(absl::StatusCode::kUnauthenticated, HasSubstr("crit")));
}

TEST(TokenVerifierTest, WrongSecretIsUnauthenticated) {
  const std::string other = "another-secret-of-at-least-thirty-two-bytes";
  EXPECT_THAT(VerifyRaw(Craft(kHs256Header, Claims(), EVP_sha256(), other)),
              StatusIs(absl::StatusCode::kUnauthenticated, HasSubstr("signature")));
  ASSERT_OK_AND_ASSIGN(std::string minted, MintToken(other, Who("m-1"), absl::Hours(1), kNow));
  EXPECT_THAT(VerifyRaw(minted), StatusIs(absl::StatusCode::kUnauthenticated));
}

TEST(TokenVerifierTest, TamperedPayloadIsUnauthenticated) {
  const std::string genuine = Craft(kHs256Header, Claims());
  const std::string forged_payload = B64(Claims("", R"("role":"admin",)"));
  std::vector<std::string> parts = absl::StrSplit(genuine, '.');
  ASSERT_EQ(parts.size(), 3u);
  EXPECT_THAT(VerifyRaw(absl::StrCat(parts[0], ".", forged_payload, ".", parts[2])),
              StatusIs(absl::StatusCode::kUnauthenticated, HasSubstr("signature")));
}

TEST(TokenVerifierTest, ExpiredTokenIsUnauthenticated) {
  ASSERT_OK_AND_ASSIGN(std::string token, MintToken(kSecret, Who("m-1"), absl::Minutes(10), kNow));
  EXPECT_THAT(VerifyRaw(token, kNow + absl::Minutes(10) + kClockSkew),
              StatusIs(absl::StatusCode::kUnauthenticated, HasSubstr("expired")));
  EXPECT_THAT(VerifyRaw(token, kNow + absl::Hours(24)),
              StatusIs(absl::StatusCode::kUnauthenticated, HasSubstr("expired")));
}

TEST(TokenVerifierTest, ExpiryWithinClockSkewIsTolerated) {
  ASSERT_OK_AND_ASSIGN(std::string token, MintToken(kSecret, Who("m-1"), absl::Minutes(10), kNow));
  EXPECT_THAT(VerifyRaw(token, kNow + absl::Minutes(10) + kClockSkew - absl::Seconds(1)), IsOk());
}

TEST(TokenVerifierTest, NotBeforeInTheFutureIsUnauthenticated) {
  const std::string nbf = absl::StrCat(R"(,"nbf":)", absl::ToUnixSeconds(kNow + absl::Minutes(5)));
  EXPECT_THAT(VerifyRaw(Craft(kHs256Header, Claims(nbf))),
              StatusIs(absl::StatusCode::kUnauthenticated, HasSubstr("not valid before")));
  // Once its time has come, the same token is good.
  EXPECT_THAT(VerifyRaw(Craft(kHs256Header, Claims(nbf)), kNow + absl::Minutes(5)), IsOk());
}

TEST(TokenVerifierTest, NotBeforeWithinClockSkewIsTolerated) {
  const std::string nbf = absl::StrCat(R"(,"nbf":)", absl::ToUnixSeconds(kNow + absl::Seconds(10)));
  EXPECT_THAT(VerifyRaw(Craft(kHs256Header, Claims(nbf))), IsOk());
}

TEST(TokenVerifierTest, IssuedInTheFutureIsUnauthenticated) {
  ASSERT_OK_AND_ASSIGN(std::string token, MintToken(kSecret, Who("m-1"), absl::Hours(1), kNow));
  EXPECT_THAT(VerifyRaw(token, kNow - absl::Minutes(5)),
              StatusIs(absl::StatusCode::kUnauthenticated, HasSubstr("issued in the future")));
}

TEST(TokenVerifierTest, MissingOrMistypedClaimsAreUnauthenticated) {
  // Each case lacks or spoils exactly one claim: `exp` carries a valid `iat`
  // along with it.
  const std::string exp =
      absl::StrCat(absl::ToUnixSeconds(kNow) + 3600, R"(,"iat":)", absl::ToUnixSeconds(kNow) - 60);
  const std::string iat = absl::StrCat(R"("iat":)", absl::ToUnixSeconds(kNow) - 60);
  const std::vector<std::tuple<std::string, std::string>> cases = {
      {absl::StrCat(R"({"role":"rep","exp":)", exp, "}"), R"("sub" is missing)"},
      {absl::StrCat(R"({"sub":"","role":"rep","exp":)", exp, "}"), R"("sub" is not)"},
      {absl::StrCat(R"({"sub":7,"role":"rep","exp":)", exp, "}"), R"("sub" is not)"},
      {absl::StrCat(R"({"sub":"m-1","exp":)", exp, "}"), R"("role" is missing)"},
      {absl::StrCat(R"({"sub":"m-1","role":"superuser","exp":)", exp, "}"), "unknown role"},
      {absl::StrCat(R"({"sub":"m-1","role":"Admin","exp":)", exp, "}"), "unknown role"},
      {absl::StrCat(R"({"sub":"m-1","role":["admin"],"exp":)", exp, "}"), R"("role" is not)"},
      {absl::StrCat(R"({"sub":"m-1","role":"rep",)", iat, "}"), R"("exp" is missing)"},
      {absl::StrCat(R"({"sub":"m-1","role":"rep","exp":"tomorrow",)", iat, "}"), "NumericDate"},
      {absl::StrCat(R"({"sub":"m-1","role":"rep","exp":)", absl::ToUnixSeconds(kNow) + 3600, "}"),
       R"("iat" is missing)"},
      {absl::StrCat(R"({"sub":"m-1","role":"rep","iat":"now","exp":)",
                    absl::ToUnixSeconds(kNow) + 3600, "}"),
       R"("iat" is not a NumericDate)"},
      {absl::StrCat(R"({"sub":"m-1","role":"rep","teams":"t-1","exp":)", exp, "}"), "not an array"},
      {absl::StrCat(R"({"sub":"m-1","role":"rep","teams":[1],"exp":)", exp, "}"),
       "other than team ids"},
      {absl::StrCat(R"({"sub":"m-1","role":"rep","teams":[""],"exp":)", exp, "}"),
       "other than team ids"},
      {absl::StrCat(R"({"sub":"m-1","role":"rep","nbf":"soon","exp":)", exp, "}"), "NumericDate"},
  };
  for (const auto& [claims, reason] : cases) {
    EXPECT_THAT(VerifyRaw(Craft(kHs256Header, claims)),
                StatusIs(absl::StatusCode::kUnauthenticated, HasSubstr(reason)))
        << claims;
  }
}

// Issue 2 lists `iat` among the claims every token carries: a token that
// would otherwise verify is refused without it.
TEST(TokenVerifierTest, TokenWithoutIssuedAtIsUnauthenticated) {
  const std::string claims = absl::StrCat(R"({"sub":"m-1","role":"manager","teams":["t-1"],"exp":)",
                                          absl::ToUnixSeconds(kNow) + 3600, "}");
  EXPECT_THAT(VerifyRaw(Craft(kHs256Header, claims)),
              StatusIs(absl::StatusCode::kUnauthenticated, HasSubstr(R"("iat" is missing)")));
}

// A caller controls the header and payload of the token it sends; what the
// verifier echoes of them must not be able to forge a log line or flood it.
TEST(TokenVerifierTest, RejectedAlgorithmIsQuotedAndEscapedInTheMessage) {
  absl::StatusOr<Principal> result =
      VerifyRaw(Craft(R"({"alg":"RS256\nFAKE log line"})", Claims()));
  EXPECT_THAT(result, StatusIs(absl::StatusCode::kUnauthenticated,
                               HasSubstr(R"(algorithm "RS256\nFAKE log line" is not accepted)")));
  EXPECT_THAT(std::string(result.status().message()), Not(HasSubstr("\n")));

  result = VerifyRaw(Craft(absl::StrCat(R"({"alg":")", std::string(1000, 'X'), R"("})"), Claims()));
  EXPECT_THAT(result, StatusIs(absl::StatusCode::kUnauthenticated,
                               HasSubstr(absl::StrCat("\"", std::string(64, 'X'), "...\""))));
  EXPECT_LT(result.status().message().size(), 200u);
}

TEST(TokenVerifierTest, UnknownRoleIsQuotedAndEscapedInTheMessage) {
  absl::StatusOr<Principal> result =
      VerifyRaw(Craft(kHs256Header, Claims("", R"("role":"admin\r\nrole=admin",)")));
  EXPECT_THAT(result, StatusIs(absl::StatusCode::kUnauthenticated,
                               HasSubstr(R"(unknown role "admin\r\nrole=admin")")));
  EXPECT_THAT(std::string(result.status().message()), Not(HasSubstr("\n")));
  EXPECT_THAT(ParseRole(std::string(1000, 'r')),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr(absl::StrCat("\"", std::string(64, 'r'), "...\""))));
}

// The minted `iat` is what makes minted tokens pass the verifier's
// requirement above; check the claim itself, not only the round trip.
TEST(MintTokenTest, SetsIssuedAtToNow) {
  ASSERT_OK_AND_ASSIGN(std::string token, MintToken(kSecret, Who("m-1"), absl::Hours(1), kNow));
  std::vector<std::string> parts = absl::StrSplit(token, '.');
  ASSERT_EQ(parts.size(), 3u);
  std::string payload;
  ASSERT_TRUE(absl::WebSafeBase64Unescape(parts[1], &payload));
  EXPECT_THAT(payload, HasSubstr(absl::StrCat(R"("iat":)", absl::ToUnixSeconds(kNow))));
}

TEST(MintTokenTest, RefusesBadInput) {
  EXPECT_THAT(MintToken("short", Who("m-1"), absl::Hours(1), kNow),
              StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(MintToken(kSecret, Who(""), absl::Hours(1), kNow),
              StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(MintToken(kSecret, Who("m-1"), absl::ZeroDuration(), kNow),
              StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(MintToken(kSecret, Who("m-1", Role::kRep, {""}), absl::Hours(1), kNow),
              StatusIs(absl::StatusCode::kInvalidArgument));
}

// Found by fuzz/token_verifier_fuzzer: a subject that is not UTF-8 failed with
// INTERNAL, and one with a NUL byte was minted cut short at the NUL.
TEST(MintTokenTest, RefusesClaimsThatAreNotUtf8TextWithoutNul) {
  for (const std::string& bad :
       {std::string("m-\xce\xfe"), std::string("m-1\0admin", 9), std::string("\xff")}) {
    EXPECT_THAT(MintToken(kSecret, Who(bad), absl::Hours(1), kNow),
                StatusIs(absl::StatusCode::kInvalidArgument));
    EXPECT_THAT(MintToken(kSecret, Who("m-1", Role::kRep, {bad}), absl::Hours(1), kNow),
                StatusIs(absl::StatusCode::kInvalidArgument));
  }
}

TEST(RoleTest, NamesRoundTrip) {
  for (Role role : {Role::kRep, Role::kManager, Role::kAdmin, Role::kService}) {
    ASSERT_OK_AND_ASSIGN(Role parsed, ParseRole(RoleName(role)));
    EXPECT_EQ(parsed, role);
  }
  EXPECT_THAT(ParseRole("root"), StatusIs(absl::StatusCode::kInvalidArgument));
}

// LoadJwtSecret reads process-wide state; each test restores it.
class LoadJwtSecretTest : public ::testing::Test {
 protected:
  void SetUp() override { unsetenv("SALESTEAM_JWT_SECRET"); }
  void TearDown() override { unsetenv("SALESTEAM_JWT_SECRET"); }

  absl::FlagSaver flag_saver_;
};

TEST_F(LoadJwtSecretTest, EnvironmentWins) {
  const std::string dir = testing::MakeTempDir("auth");
  const std::string path = dir + "/secret";
  std::ofstream(path) << "from-the-file-from-the-file-from-the-file\n";
  absl::SetFlag(&FLAGS_jwt_secret_file, path);
  setenv("SALESTEAM_JWT_SECRET", kSecret, 1);
  ASSERT_OK_AND_ASSIGN(JwtSecret secret, LoadJwtSecret());
  EXPECT_EQ(secret.value, kSecret);
  EXPECT_FALSE(secret.is_development);
}

TEST_F(LoadJwtSecretTest, FileIsReadWithoutTrailingNewline) {
  const std::string dir = testing::MakeTempDir("auth");
  const std::string path = dir + "/secret";
  std::ofstream(path) << "from-the-file-from-the-file-from-the-file\n";
  absl::SetFlag(&FLAGS_jwt_secret_file, path);
  ASSERT_OK_AND_ASSIGN(JwtSecret secret, LoadJwtSecret());
  EXPECT_EQ(secret.value, "from-the-file-from-the-file-from-the-file");
  EXPECT_FALSE(secret.is_development);
}

TEST_F(LoadJwtSecretTest, UnreadableFileIsAnError) {
  absl::SetFlag(&FLAGS_jwt_secret_file, "/nonexistent/secret");
  // The common ReadFileToString message: the flag, the path and the reason.
  EXPECT_THAT(LoadJwtSecret(),
              StatusIs(absl::StatusCode::kFailedPrecondition,
                       AllOf(HasSubstr("--jwt_secret_file"), HasSubstr("/nonexistent/secret"),
                             HasSubstr("No such file or directory"))));
}

TEST_F(LoadJwtSecretTest, ShortSecretsAreRefused) {
  setenv("SALESTEAM_JWT_SECRET", "too-short", 1);
  EXPECT_THAT(LoadJwtSecret(),
              StatusIs(absl::StatusCode::kFailedPrecondition, HasSubstr("SALESTEAM_JWT_SECRET")));
  setenv("SALESTEAM_JWT_SECRET", "", 1);
  EXPECT_THAT(LoadJwtSecret(), StatusIs(absl::StatusCode::kFailedPrecondition));
}

TEST_F(LoadJwtSecretTest, WithoutConfigurationTheDevelopmentSecretMintsUsableTokens) {
  absl::SetFlag(&FLAGS_jwt_secret_file, "");
  ASSERT_OK_AND_ASSIGN(JwtSecret secret, LoadJwtSecret());
  ASSERT_OK_AND_ASSIGN(std::string token,
                       MintToken(secret.value, Who("m-1"), absl::Hours(1), absl::Now()));
  EXPECT_THAT(TokenVerifier(secret.value).Verify(absl::StrCat("Bearer ", token), absl::Now()),
              IsOk());
}

// The server refuses a non-loopback listener when the secret is the public
// development one, so the flag must be set exactly then.
TEST_F(LoadJwtSecretTest, OnlyTheBuiltInSecretIsMarkedAsDevelopment) {
  absl::SetFlag(&FLAGS_jwt_secret_file, "");
  ASSERT_OK_AND_ASSIGN(JwtSecret development, LoadJwtSecret());
  EXPECT_TRUE(development.is_development);

  setenv("SALESTEAM_JWT_SECRET", kSecret, 1);
  ASSERT_OK_AND_ASSIGN(JwtSecret configured, LoadJwtSecret());
  EXPECT_FALSE(configured.is_development);
}

// The policy matrix: every role against own and foreign teams and members.
// The principal is member "m-1" in team "t-1"; "m-2" is a teammate; "m-3" is
// in team "t-2".
struct PolicyCase {
  Role role;
  bool read_own_team, read_other_team, write_own_team, write_other_team;
  bool read_self, read_teammate, read_outsider;
  bool write_self, write_teammate, write_outsider;
  bool management_own_team, management_other_team;
};

class PolicyTest : public ::testing::TestWithParam<PolicyCase> {};

TEST_P(PolicyTest, GrantsExactlyWhatTheRoleMay) {
  const PolicyCase& c = GetParam();
  const Principal p{.subject = "m-1", .role = c.role, .teams = {"t-1"}};
  auto allowed = [](const absl::Status& status) {
    EXPECT_TRUE(status.ok() || status.code() == absl::StatusCode::kPermissionDenied) << status;
    return status.ok();
  };
  EXPECT_EQ(allowed(CheckCanReadTeam(p, "t-1")), c.read_own_team);
  EXPECT_EQ(allowed(CheckCanReadTeam(p, "t-2")), c.read_other_team);
  EXPECT_EQ(allowed(CheckCanWriteTeam(p, "t-1")), c.write_own_team);
  EXPECT_EQ(allowed(CheckCanWriteTeam(p, "t-2")), c.write_other_team);
  EXPECT_EQ(allowed(CheckCanReadMember(p, "m-1", "t-1")), c.read_self);
  EXPECT_EQ(allowed(CheckCanReadMember(p, "m-2", "t-1")), c.read_teammate);
  EXPECT_EQ(allowed(CheckCanReadMember(p, "m-3", "t-2")), c.read_outsider);
  EXPECT_EQ(allowed(CheckCanWriteMember(p, "m-1", "t-1")), c.write_self);
  EXPECT_EQ(allowed(CheckCanWriteMember(p, "m-2", "t-1")), c.write_teammate);
  EXPECT_EQ(allowed(CheckCanWriteMember(p, "m-3", "t-2")), c.write_outsider);
  EXPECT_EQ(CanSeeManagementData(p, "t-1"), c.management_own_team);
  EXPECT_EQ(CanSeeManagementData(p, "t-2"), c.management_other_team);
}

INSTANTIATE_TEST_SUITE_P(
    AllRoles, PolicyTest,
    ::testing::Values(
        //          team: rd own, rd oth, wr own, wr oth; member rd: self, mate, out;
        //          member wr: self, mate, out; management: own, other
        PolicyCase{Role::kRep, true, false, false, false, true, true, false, false, false, false,
                   false, false},
        PolicyCase{Role::kManager, true, false, true, false, true, true, false, true, true, false,
                   true, false},
        PolicyCase{Role::kAdmin, true, true, true, true, true, true, true, true, true, true, true,
                   true},
        PolicyCase{Role::kService, true, true, true, true, true, true, true, true, true, true, true,
                   true}),
    [](const ::testing::TestParamInfo<PolicyCase>& info) {
      return std::string(RoleName(info.param.role));
    });

TEST(PolicyTest, RepReadsOwnMemberRecordAfterMovingTeams) {
  // The record now sits in a team the token does not name yet.
  const Principal rep{.subject = "m-1", .role = Role::kRep, .teams = {"t-1"}};
  EXPECT_THAT(CheckCanReadMember(rep, "m-1", "t-9"), IsOk());
  EXPECT_THAT(CheckCanWriteMember(rep, "m-1", "t-9"),
              StatusIs(absl::StatusCode::kPermissionDenied));
}

TEST(PolicyTest, EmptyTeamIdNeverMatches) {
  const Principal manager{.subject = "m-1", .role = Role::kManager, .teams = {"t-1"}};
  EXPECT_THAT(CheckCanReadTeam(manager, ""), StatusIs(absl::StatusCode::kPermissionDenied));
  EXPECT_FALSE(CanSeeManagementData(manager, ""));
}

TEST(PolicyTest, DenialsNameThePrincipalAndWhatWasRefused) {
  const Principal rep{.subject = "m-1", .role = Role::kRep, .teams = {"t-1"}};
  EXPECT_THAT(CheckCanWriteTeam(rep, "t-2"),
              StatusIs(absl::StatusCode::kPermissionDenied,
                       R"(principal "m-1" (rep) may not write team "t-2")"));
  EXPECT_THAT(CheckCanReadMember(rep, "m-3", "t-2"),
              StatusIs(absl::StatusCode::kPermissionDenied,
                       R"(principal "m-1" (rep) may not read member "m-3" of team "t-2")"));
  EXPECT_THAT(CheckRole(rep, {Role::kManager, Role::kAdmin}),
              StatusIs(absl::StatusCode::kPermissionDenied,
                       HasSubstr("(rep) may not call this method (it needs role manager or "
                                 "admin)")));
}

TEST(PolicyTest, CheckRolePassesExactlyTheListedRoles) {
  const Principal admin = Who("a", Role::kAdmin);
  const Principal service = Who("svc", Role::kService);
  EXPECT_THAT(CheckRole(service, {Role::kService}), IsOk());
  EXPECT_THAT(CheckRole(admin, {Role::kService}), StatusIs(absl::StatusCode::kPermissionDenied));
  EXPECT_THAT(CheckRole(admin, {Role::kManager, Role::kAdmin}), IsOk());
}

// Over a real gRPC channel without TLS: the server echoes the authorization
// metadata it received and the subject it verified from it.
class EchoAuthorization final : public salesteam::testing::v1::EchoService::CallbackService {
 public:
  grpc::ServerUnaryReactor* Echo(grpc::CallbackServerContext* context,
                                 const salesteam::testing::v1::EchoRequest* /*request*/,
                                 salesteam::testing::v1::EchoResponse* response) override {
    std::string authorization;
    auto it = context->client_metadata().find(kAuthorizationMetadataKey);
    if (it != context->client_metadata().end()) {
      authorization.assign(it->second.data(), it->second.size());
    }
    response->set_message(authorization);
    if (absl::StatusOr<Principal> principal =
            TokenVerifier(kSecret).Verify(authorization, absl::Now());
        principal.ok()) {
      response->set_principal(principal->subject);
    }
    grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
    reactor->Finish(grpc::Status::OK);
    return reactor;
  }
};

// ---- A member's own data (activities, commitments, pay) ----

Principal Person(absl::string_view subject, Role role, std::vector<std::string> teams) {
  return {.subject = std::string(subject), .role = role, .teams = std::move(teams)};
}

TEST(MemberDataTest, RepsSeeOnlyTheirOwnDataNeverATeammates) {
  const Principal rep = Person("m-1", Role::kRep, {"t-1"});
  auto team = [] { return absl::StatusOr<std::string>("t-1"); };
  EXPECT_OK(CheckCanReadMemberData(rep, "m-1", team));
  EXPECT_OK(CheckCanWriteMemberData(rep, "m-1", team));
  EXPECT_THAT(CheckCanReadMemberData(rep, "m-2", team),
              StatusIs(absl::StatusCode::kPermissionDenied, HasSubstr("only their own data")));
  EXPECT_THAT(CheckCanWriteMemberData(rep, "m-2", team),
              StatusIs(absl::StatusCode::kPermissionDenied));
  EXPECT_THAT(CheckCanReadTeamData(rep, "t-1"), StatusIs(absl::StatusCode::kPermissionDenied));
  EXPECT_OK(PrecheckCanWriteMemberData(rep, "m-1"));
  EXPECT_THAT(PrecheckCanWriteMemberData(rep, "m-2"),
              StatusIs(absl::StatusCode::kPermissionDenied, HasSubstr("\"m-2\"")));
  // A manager's answer depends on the member's team: the precheck passes.
  EXPECT_OK(PrecheckCanWriteMemberData(Person("m-9", Role::kManager, {"t-1"}), "m-2"));
}

TEST(MemberDataTest, ManagersSeeTheirTeamsMembersByTheMembersTeam) {
  const Principal manager = Person("m-9", Role::kManager, {"t-1"});
  EXPECT_OK(
      CheckCanReadMemberData(manager, "m-1", [] { return absl::StatusOr<std::string>("t-1"); }));
  EXPECT_THAT(
      CheckCanWriteMemberData(manager, "m-2", [] { return absl::StatusOr<std::string>("t-2"); }),
      StatusIs(absl::StatusCode::kPermissionDenied, HasSubstr("\"t-2\"")));
  EXPECT_OK(CheckCanReadTeamData(manager, "t-1"));
  EXPECT_THAT(CheckCanReadTeamData(manager, "t-2"), StatusIs(absl::StatusCode::kPermissionDenied));
  // A lookup that fails is the answer: nothing is guessed.
  EXPECT_THAT(
      CheckCanReadMemberData(
          manager, "m-3",
          [] { return absl::StatusOr<std::string>(absl::UnavailableError("roster down")); }),
      StatusIs(absl::StatusCode::kUnavailable));
}

TEST(MemberDataTest, AdminAndServiceSeeEverythingWithoutALookup) {
  int lookups = 0;
  auto team = [&lookups] {
    ++lookups;
    return absl::StatusOr<std::string>("t-1");
  };
  for (Role role : {Role::kAdmin, Role::kService}) {
    const Principal principal = Person("x", role, {});
    EXPECT_OK(CheckCanReadMemberData(principal, "m-1", team));
    EXPECT_OK(CheckCanWriteMemberData(principal, "m-1", team));
    EXPECT_OK(CheckCanReadTeamData(principal, "t-7"));
  }
  EXPECT_EQ(lookups, 0);
  const Principal rep = Person("m-1", Role::kRep, {"t-1"});
  EXPECT_OK(CheckCanReadMemberData(rep, "m-1", team));
  EXPECT_EQ(lookups, 0) << "a rep's own data needs no lookup";
}

// ---- Service tokens ----

TEST(ServiceTokenSourceTest, MintsAServiceTokenAndRenewsItAfterHalfItsLife) {
  absl::Time now = absl::FromUnixSeconds(1'800'000'000);
  ServiceTokenSource tokens(kSecret, "activity", [&now] { return now; });
  ASSERT_OK_AND_ASSIGN(std::string first, tokens.Token());
  ASSERT_OK_AND_ASSIGN(Principal principal,
                       TokenVerifier(kSecret).Verify(absl::StrCat("Bearer ", first), now));
  EXPECT_EQ(principal.subject, "activity");
  EXPECT_EQ(principal.role, Role::kService);
  now += absl::Minutes(29);
  EXPECT_THAT(tokens.Token(), ::salesteam::testing::IsOkAndHolds(first));
  now += absl::Minutes(2);
  ASSERT_OK_AND_ASSIGN(std::string renewed, tokens.Token());
  EXPECT_NE(renewed, first);
  EXPECT_OK(
      TokenVerifier(kSecret).Verify(absl::StrCat("Bearer ", renewed), now + absl::Minutes(50)));
}

class BearerOverInsecureChannelTest : public ::testing::Test {
 protected:
  void SetUp() override {
    grpc::ServerBuilder builder;
    builder.AddListeningPort("127.0.0.1:0", grpc::InsecureServerCredentials(), &port_);
    builder.RegisterService(&service_);
    server_ = builder.BuildAndStart();
    ASSERT_NE(server_, nullptr);
    ASSERT_GT(port_, 0);
    ASSERT_OK_AND_ASSIGN(token_, MintToken(kSecret, Who("svc-sprint", Role::kService),
                                           absl::Minutes(5), absl::Now()));
  }
  void TearDown() override { server_->Shutdown(); }

  std::string Address() const { return absl::StrCat("127.0.0.1:", port_); }

  salesteam::testing::v1::EchoResponse Call(
      const std::shared_ptr<grpc::ChannelCredentials>& channel_credentials,
      const std::function<void(grpc::ClientContext&)>& prepare) {
    auto stub = salesteam::testing::v1::EchoService::NewStub(
        grpc::CreateChannel(Address(), channel_credentials));
    grpc::ClientContext context;
    context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(10));
    prepare(context);
    salesteam::testing::v1::EchoRequest request;
    request.set_message("hello");
    salesteam::testing::v1::EchoResponse response;
    grpc::Status status = stub->Echo(&context, request, &response);
    EXPECT_TRUE(status.ok()) << status.error_code() << ": " << status.error_message();
    return response;
  }

  EchoAuthorization service_;
  std::unique_ptr<grpc::Server> server_;
  int port_ = 0;
  std::string token_;
};

TEST_F(BearerOverInsecureChannelTest, PerCallCredentialsDeliverTheToken) {
  auto response = Call(grpc::InsecureChannelCredentials(), [&](grpc::ClientContext& context) {
    context.set_credentials(BearerTokenCredentials(token_));
  });
  EXPECT_EQ(response.message(), absl::StrCat("Bearer ", token_));
  EXPECT_EQ(response.principal(), "svc-sprint");
}

TEST_F(BearerOverInsecureChannelTest, AttachBearerTokenDeliversTheToken) {
  auto response = Call(grpc::InsecureChannelCredentials(),
                       [&](grpc::ClientContext& context) { AttachBearerToken(context, token_); });
  EXPECT_EQ(response.message(), absl::StrCat("Bearer ", token_));
  EXPECT_EQ(response.principal(), "svc-sprint");
}

TEST_F(BearerOverInsecureChannelTest, CallWithoutCredentialsCarriesNoToken) {
  auto response = Call(grpc::InsecureChannelCredentials(), [](grpc::ClientContext&) {});
  EXPECT_EQ(response.message(), "");
  EXPECT_EQ(response.principal(), "");
}

}  // namespace
}  // namespace salesteam::auth
