#include "common/validation.h"

#include <string>

#include "common/testing/status_matchers.h"
#include "gmock/gmock.h"
#include "google/protobuf/type.pb.h"
#include "gtest/gtest.h"

namespace salesteam {
namespace {

using ::google::protobuf::Field_Cardinality;
using ::salesteam::testing::IsOk;
using ::salesteam::testing::StatusIs;
using ::testing::HasSubstr;
using ::testing::StartsWith;

constexpr auto kInvalid = absl::StatusCode::kInvalidArgument;

TEST(FieldPaths, JoinNestedAndIndexedNames) {
  EXPECT_EQ(SubField("member", "name"), "member.name");
  EXPECT_EQ(SubField("", "name"), "name");
  EXPECT_EQ(IndexedField("member.skills", 1), "member.skills[1]");
  EXPECT_EQ(SubField(IndexedField("member.skills", 1), "level"), "member.skills[1].level");
}

TEST(Utf8, AcceptsWellFormedTextInEveryEncodedLength) {
  EXPECT_TRUE(IsValidUtf8(""));
  EXPECT_TRUE(IsValidUtf8("plain ascii"));
  EXPECT_TRUE(IsValidUtf8("Zo\xc3\xab"));            // U+00EB, 2 bytes.
  EXPECT_TRUE(IsValidUtf8("\xe2\x82\xac"));          // U+20AC, 3 bytes.
  EXPECT_TRUE(IsValidUtf8("\xf0\x9f\x98\x80"));      // U+1F600, 4 bytes.
  EXPECT_TRUE(IsValidUtf8("\xf4\x8f\xbf\xbf"));      // U+10FFFF, the last.
  EXPECT_TRUE(IsValidUtf8(std::string("a\0b", 3)));  // NUL is valid UTF-8.
}

TEST(Utf8, RefusesMalformedSequences) {
  EXPECT_FALSE(IsValidUtf8("\x80"));               // Stray continuation byte.
  EXPECT_FALSE(IsValidUtf8("\xc3"));               // Truncated 2-byte sequence.
  EXPECT_FALSE(IsValidUtf8("\xe2\x82"));           // Truncated 3-byte sequence.
  EXPECT_FALSE(IsValidUtf8("\xc0\xaf"));           // Overlong "/".
  EXPECT_FALSE(IsValidUtf8("\xe0\x80\xaf"));       // Overlong "/" in 3 bytes.
  EXPECT_FALSE(IsValidUtf8("\xf0\x80\x80\xaf"));   // Overlong "/" in 4 bytes.
  EXPECT_FALSE(IsValidUtf8("\xed\xa0\x80"));       // Surrogate U+D800.
  EXPECT_FALSE(IsValidUtf8("\xf4\x90\x80\x80"));   // U+110000, beyond Unicode.
  EXPECT_FALSE(IsValidUtf8("\xff"));               // Never valid.
  EXPECT_FALSE(IsValidUtf8("ok\xc3(still bad)"));  // Bad continuation byte.
}

TEST(Utf8, CountsCodePointsNotBytes) {
  EXPECT_EQ(CountCodePoints(""), 0);
  EXPECT_EQ(CountCodePoints("abc"), 3);
  EXPECT_EQ(CountCodePoints("Zo\xc3\xab"), 3);
  EXPECT_EQ(CountCodePoints("\xf0\x9f\x98\x80\xe2\x82\xac"), 2);
}

TEST(ValidateText, AcceptsTextWithinTheLimits) {
  EXPECT_THAT(ValidateText("Ada", "member.name", 1, 200), IsOk());
  EXPECT_THAT(ValidateText("Zo\xc3\xab M\xc3\xbcller", "member.name", 1, 200), IsOk());
  EXPECT_THAT(ValidateText("", "note", 0, 10), IsOk());
  EXPECT_THAT(ValidateText(std::string(200, 'x'), "member.name", 1, 200), IsOk());
}

TEST(ValidateText, EmptyRequiredTextIsRequired) {
  EXPECT_THAT(ValidateText("", "member.name", 1, 200),
              StatusIs(kInvalid, "member.name: is required"));
}

TEST(ValidateText, TooLongTextNamesTheFieldAndTheLimit) {
  EXPECT_THAT(ValidateText(std::string(10000, 'x'), "member.name", 1, 200),
              StatusIs(kInvalid, "member.name: must be at most 200 characters (got 10000)"));
  EXPECT_THAT(ValidateText(std::string(201, 'x'), "member.name", 1, 200),
              StatusIs(kInvalid, HasSubstr("at most 200")));
}

TEST(ValidateText, LimitsCountCharactersNotBytes) {
  // Three 2-byte characters: 6 bytes but 3 characters.
  EXPECT_THAT(ValidateText("\xc3\xab\xc3\xab\xc3\xab", "f", 1, 3), IsOk());
  EXPECT_THAT(ValidateText("\xc3\xab\xc3\xab\xc3\xab\xc3\xab", "f", 1, 3),
              StatusIs(kInvalid, "f: must be at most 3 characters (got 4)"));
}

TEST(ValidateText, TooShortTextNamesTheMinimum) {
  EXPECT_THAT(ValidateText("ab", "code", 3, 10),
              StatusIs(kInvalid, "code: must be at least 3 characters (got 2)"));
  EXPECT_THAT(ValidateText("abc", "code", 3, 10), IsOk());
}

TEST(ValidateText, RefusesInvalidUtf8WithTheOffset) {
  EXPECT_THAT(
      ValidateText("ab\xff", "member.name", 1, 200),
      StatusIs(kInvalid, "member.name: is not valid UTF-8 (bad byte 0xff at byte offset 2)"));
}

TEST(ValidateText, RefusesControlCharacters) {
  EXPECT_THAT(ValidateText("Ada\nLovelace", "member.name", 1, 200),
              StatusIs(kInvalid, HasSubstr("member.name: must not contain control characters "
                                           "(U+000A at character 4)")));
  EXPECT_THAT(ValidateText(std::string("a\0b", 3), "f", 1, 10),
              StatusIs(kInvalid, HasSubstr("U+0000")));
  EXPECT_THAT(ValidateText("a\x7f", "f", 1, 10), StatusIs(kInvalid, HasSubstr("U+007F")));
  EXPECT_THAT(ValidateText("a\xc2\x85", "f", 1, 10),  // C1 NEL.
              StatusIs(kInvalid, HasSubstr("U+0085")));
  EXPECT_THAT(ValidateText("a\tb", "f", 1, 10), StatusIs(kInvalid, HasSubstr("U+0009")));
}

TEST(ValidateText, RefusesTextMadeOnlyOfWhitespace) {
  EXPECT_THAT(ValidateText("   ", "team.name", 1, 200),
              StatusIs(kInvalid, "team.name: must not be only whitespace"));
  // No-break and ideographic spaces and a zero-width space are blank too.
  EXPECT_THAT(ValidateText("\xc2\xa0\xe3\x80\x80\xe2\x80\x8b", "team.name", 1, 200),
              StatusIs(kInvalid, HasSubstr("only whitespace")));
  EXPECT_THAT(ValidateText(" x ", "team.name", 1, 200), IsOk());
}

TEST(ValidateMultilineText, AllowsLineBreaksAndTabsButNotOtherControls) {
  EXPECT_THAT(ValidateMultilineText("line one\r\nline\ttwo", "session.note", 0, 2000), IsOk());
  EXPECT_THAT(ValidateMultilineText("bell\a", "session.note", 0, 2000),
              StatusIs(kInvalid, HasSubstr("session.note: must not contain control characters")));
  EXPECT_THAT(ValidateMultilineText("\n\n", "session.note", 0, 2000),
              StatusIs(kInvalid, HasSubstr("only whitespace")));
  EXPECT_THAT(ValidateMultilineText(std::string(2001, 'x'), "session.note", 0, 2000),
              StatusIs(kInvalid, HasSubstr("at most 2000 characters")));
}

TEST(ValidateEmail, AcceptsOrdinaryAddresses) {
  for (const char* email :
       {"ada@example.com", "Ada.Lovelace@Example.CO.uk", "first.last+tag@sub.example.org",
        "o'brien@example.ie", "x@a-b.example", "j\xc3\xbcrgen@m\xc3\xbcller.de"}) {
    EXPECT_THAT(ValidateEmail(email, "member.email"), IsOk()) << email;
  }
}

TEST(ValidateEmail, RefusesMalformedAddressesNamingTheField) {
  const struct {
    const char* email;
    const char* problem;
  } kCases[] = {
      {"", "member.email: is required"},
      {"ada.example.com", "has no @"},
      {"ada@@example.com", "more than one @"},
      {"ada@b@example.com", "more than one @"},
      {"@example.com", "nothing before the @"},
      {"ada@", "nothing after the @"},
      {"ada@localhost", "the domain has no dot"},
      {"ada lovelace@example.com", "contains a space"},
      {" ada@example.com", "contains a space"},
      {"ada@example.com\n", "control character"},
      {".ada@example.com", "starts or ends with a dot"},
      {"ada.@example.com", "starts or ends with a dot"},
      {"ada..l@example.com", "two dots in a row"},
      {"ada,l@example.com", "',' is not allowed before the @"},
      {"<ada>@example.com", "'<' is not allowed before the @"},
      {"ada@example..com", "two dots in a row"},
      {"ada@.example.com", "starts or ends with a dot"},
      {"ada@example.com.", "starts or ends with a dot"},
      {"ada@-example.com", "starts or ends with a hyphen"},
      {"ada@exa_mple.com", "'_' is not allowed in the domain"},
      {"ada@[192.168.0.1]", "'[' is not allowed in the domain"},
      {"ada@192.168.0.1", "ends in a number"},
  };
  for (const auto& c : kCases) {
    EXPECT_THAT(
        ValidateEmail(c.email, "member.email"),
        StatusIs(kInvalid, ::testing::AllOf(StartsWith("member.email: "), HasSubstr(c.problem))))
        << c.email;
  }
}

TEST(ValidateEmail, RefusesOverlongAddressesAndParts) {
  const std::string domain =
      "@" + std::string(60, 'd') + "." + std::string(60, 'e') + "." + std::string(60, 'f') + ".com";
  EXPECT_THAT(ValidateEmail(std::string(64, 'a') + domain, "member.email"), IsOk());
  EXPECT_THAT(ValidateEmail(std::string(65, 'a') + "@example.com", "member.email"),
              StatusIs(kInvalid, HasSubstr("longer than 64")));
  EXPECT_THAT(ValidateEmail("a@" + std::string(64, 'd') + ".com", "member.email"),
              StatusIs(kInvalid, HasSubstr("longer than 63")));
  const std::string too_long = std::string(64, 'a') + "@" + std::string(63, 'd') + "." +
                               std::string(63, 'e') + "." + std::string(62, 'f') + ".com";
  ASSERT_EQ(too_long.size(), 259u);
  EXPECT_THAT(ValidateEmail(too_long, "member.email"),
              StatusIs(kInvalid, "member.email: must be at most 254 characters (got 259)"));
}

TEST(ValidateEmail, RefusesInvalidUtf8) {
  EXPECT_THAT(ValidateEmail("ada\xff@example.com", "member.email"),
              StatusIs(kInvalid, HasSubstr("member.email: is not valid UTF-8")));
}

TEST(ValidateEmail, EchoesTheInputQuotedAndCut) {
  const std::string long_local = std::string(200, 'a') + " x@example.com";
  const absl::Status status = ValidateEmail(long_local, "member.email");
  EXPECT_THAT(status, StatusIs(kInvalid, HasSubstr("\"aaaa")));
  EXPECT_LT(status.message().size(), 200u) << status.message();
}

TEST(ValidateRange, AcceptsTheBoundsAndRefusesOutside) {
  EXPECT_THAT(ValidateRange(1, "member.value_tier", 1, 3), IsOk());
  EXPECT_THAT(ValidateRange(3, "member.value_tier", 1, 3), IsOk());
  EXPECT_THAT(ValidateRange(0, "member.value_tier", 1, 3),
              StatusIs(kInvalid, "member.value_tier: must be 1..3 (got 0)"));
  EXPECT_THAT(ValidateRange(4, "member.value_tier", 1, 3),
              StatusIs(kInvalid, "member.value_tier: must be 1..3 (got 4)"));
}

TEST(ValidateEnum, AcceptsDeclaredValues) {
  EXPECT_THAT(ValidateEnum(google::protobuf::Field::CARDINALITY_OPTIONAL, "field.cardinality"),
              IsOk());
  EXPECT_THAT(ValidateEnum(google::protobuf::Field::CARDINALITY_UNKNOWN, "field.cardinality",
                           Unspecified::kAllow),
              IsOk());
}

TEST(ValidateEnum, RefusesAnUnknownNumberNamingTheFieldAndTheChoices) {
  EXPECT_THAT(ValidateEnum(static_cast<Field_Cardinality>(99), "member.archetype"),
              StatusIs(kInvalid,
                       "member.archetype: unknown value 99 (expected one of "
                       "CARDINALITY_OPTIONAL, CARDINALITY_REQUIRED, "
                       "CARDINALITY_REPEATED)"));
  // Allowing UNSPECIFIED does not let unknown values through.
  EXPECT_THAT(ValidateEnum(static_cast<Field_Cardinality>(-1), "f", Unspecified::kAllow),
              StatusIs(kInvalid, HasSubstr("f: unknown value -1")));
}

TEST(ValidateEnum, RefusesUnspecifiedWhenRequired) {
  EXPECT_THAT(ValidateEnum(google::protobuf::Field::CARDINALITY_UNKNOWN, "team.sales_model"),
              StatusIs(kInvalid, StartsWith("team.sales_model: is required (one of "
                                            "CARDINALITY_OPTIONAL")));
}

TEST(EnumName, NamesDeclaredValuesAndNumbersTheRest) {
  EXPECT_EQ(EnumName(google::protobuf::Field::CARDINALITY_REPEATED), "CARDINALITY_REPEATED");
  EXPECT_EQ(EnumName(static_cast<Field_Cardinality>(42)), "42");
}

TEST(ValidateId, RequiresAnIdOfAtMost128Bytes) {
  EXPECT_THAT(ValidateId("mb_1", "member_id"), IsOk());
  EXPECT_THAT(ValidateId(std::string(128, 'x'), "member_id"), IsOk());
  EXPECT_THAT(ValidateId("", "member_id"), StatusIs(kInvalid, HasSubstr("member_id: required")));
  EXPECT_THAT(ValidateId(std::string(129, 'x'), "team_id"),
              StatusIs(kInvalid, HasSubstr("team_id: longer than 128")));
}

}  // namespace
}  // namespace salesteam
