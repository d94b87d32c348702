#include "common/pagination/page_token.h"

#include <string>
#include <vector>

#include "common/testing/status_matchers.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace salesteam::pagination {
namespace {

using ::salesteam::testing::IsOkAndHolds;
using ::salesteam::testing::StatusIs;
using ::testing::ElementsAre;
using ::testing::HasSubstr;

TEST(PageTokenTest, RoundTripsTheCursorOfItsScope) {
  PageTokenCodec codec("secret");
  const std::vector<std::string> cursor = {"2026-01-02", "id:with:colons", ""};
  const std::string token = codec.Encode("ListMembers|team=t1", cursor);
  EXPECT_THAT(codec.Decode(token, "ListMembers|team=t1", 3),
              IsOkAndHolds(ElementsAre("2026-01-02", "id:with:colons", "")));
}

TEST(PageTokenTest, RefusesATokenOfAnotherScope) {
  PageTokenCodec codec("secret");
  const std::string token = codec.Encode("ListMembers|team=t1", {std::string("m1")});
  EXPECT_THAT(codec.Decode(token, "ListMembers|team=t2", 1),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("page_token")));
}

TEST(PageTokenTest, RefusesATokenSignedWithAnotherSecret) {
  const std::string token = PageTokenCodec("one").Encode("s", {std::string("m1")});
  EXPECT_THAT(PageTokenCodec("two").Decode(token, "s", 1),
              StatusIs(absl::StatusCode::kInvalidArgument));
}

TEST(PageTokenTest, RefusesEveryOneCharacterAlteration) {
  PageTokenCodec codec("secret");
  const std::string token = codec.Encode("s", {std::string("member-42")});
  for (size_t i = 0; i < token.size(); ++i) {
    std::string altered = token;
    altered[i] = altered[i] == 'A' ? 'B' : 'A';
    if (altered == token) continue;
    EXPECT_THAT(codec.Decode(altered, "s", 1), StatusIs(absl::StatusCode::kInvalidArgument))
        << "position " << i;
  }
}

TEST(PageTokenTest, RefusesGarbageNamingTheField) {
  PageTokenCodec codec("secret");
  for (const char* garbage : {"", "x", "1..", "1.a.b", "2.AAAA.AAAA", "not a token at all"}) {
    EXPECT_THAT(codec.Decode(garbage, "s", 1, "request.page_token"),
                StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("request.page_token")))
        << garbage;
  }
}

TEST(PageTokenTest, RefusesACursorWithTheWrongNumberOfParts) {
  PageTokenCodec codec("secret");
  const std::string token = codec.Encode("s", {std::string("a"), std::string("b")});
  EXPECT_THAT(codec.Decode(token, "s", 1), StatusIs(absl::StatusCode::kInvalidArgument));
}

TEST(PageSizeTest, ZeroMeansTheDefaultAndTheRangeIsEnforced) {
  EXPECT_THAT(ResolvePageSize(0, 50, 500), IsOkAndHolds(50));
  EXPECT_THAT(ResolvePageSize(500, 50, 500), IsOkAndHolds(500));
  EXPECT_THAT(ResolvePageSize(501, 50, 500),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("page_size: must be 1..500")));
  EXPECT_THAT(ResolvePageSize(-1, 50, 500), StatusIs(absl::StatusCode::kInvalidArgument));
}

}  // namespace
}  // namespace salesteam::pagination
