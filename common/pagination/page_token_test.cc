#include "common/pagination/page_token.h"

#include <string>
#include <vector>

#include "common/testing/status_matchers.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "salesteam/roster/v1/roster.pb.h"

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

// A List request with filters and page fields (any service's would do).
::salesteam::roster::v1::ListMembersRequest Listing() {
  ::salesteam::roster::v1::ListMembersRequest request;
  request.set_team_id("team-1");
  request.set_role(::salesteam::roster::v1::MEMBER_ROLE_ACCOUNT_EXECUTIVE);
  request.set_page_size(10);
  return request;
}

TEST(ListScopeTest, IgnoresThePageFieldsOnly) {
  ::salesteam::roster::v1::ListMembersRequest next = Listing();
  next.set_page_size(25);
  next.set_page_token("whatever");
  EXPECT_EQ(ListScope(Listing(), "m-1"), ListScope(next, "m-1"));
}

TEST(ListScopeTest, ChangesWithEveryFilterTheCallerAndTheListing) {
  const std::string scope = ListScope(Listing(), "m-1");
  ::salesteam::roster::v1::ListMembersRequest other_team = Listing();
  other_team.set_team_id("team-2");
  ::salesteam::roster::v1::ListMembersRequest inactive_too = Listing();
  inactive_too.set_include_inactive(true);
  ::salesteam::roster::v1::ListMembersRequest dated = Listing();
  dated.mutable_as_of()->set_year(2026);
  EXPECT_NE(scope, ListScope(other_team, "m-1"));
  EXPECT_NE(scope, ListScope(inactive_too, "m-1"));
  EXPECT_NE(scope, ListScope(dated, "m-1"));
  EXPECT_NE(scope, ListScope(Listing(), "m-2"));
  ::salesteam::roster::v1::ListTeamsRequest teams;
  EXPECT_NE(ListScope(teams, ""), ListScope(::salesteam::roster::v1::ListMembersRequest(), ""));
}

TEST(ListScopeTest, ATokenOfOneFilterIsRefusedWithAnother) {
  PageTokenCodec codec("secret");
  const std::string token = codec.Encode(ListScope(Listing(), "m-1"), {std::string("member-9")});
  ::salesteam::roster::v1::ListMembersRequest widened = Listing();
  widened.clear_team_id();
  EXPECT_THAT(codec.Decode(token, ListScope(widened, "m-1"), 1),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("page_token")));
  EXPECT_THAT(codec.Decode(token, ListScope(Listing(), "m-1"), 1),
              IsOkAndHolds(ElementsAre("member-9")));
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
