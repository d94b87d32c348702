#include "common/store/types.h"

#include <cstdint>
#include <limits>
#include <optional>
#include <string>

#include "common/testing/status_matchers.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace salesteam::store {
namespace {

using ::salesteam::testing::StatusIs;
using ::testing::HasSubstr;

TEST(ParamTest, KeepsTypeAndValueOfEachKind) {
  const std::string text = "hello";
  std::optional<int64_t> none;
  std::optional<int64_t> some = 7;
  EXPECT_TRUE(Param().is_null());
  EXPECT_TRUE(Param(nullptr).is_null());
  EXPECT_TRUE(Param(none).is_null());
  EXPECT_EQ(Param(some).int64(), 7);
  EXPECT_EQ(Param(std::numeric_limits<int64_t>::min()).int64(),
            std::numeric_limits<int64_t>::min());
  EXPECT_EQ(Param(2.5).type(), ValueType::kDouble);
  EXPECT_EQ(Param(text).view(), "hello");
  EXPECT_EQ(Param("lit").type(), ValueType::kText);
  EXPECT_EQ(Param::Bytes(std::string("\0\1", 2)).type(), ValueType::kBytes);
  EXPECT_EQ(Param::Bytes(std::string("\0\1", 2)).size(), 2u);
}

TEST(ParamTest, EmptyTextIsNotNull) {
  const Param empty{absl::string_view()};
  EXPECT_EQ(empty.type(), ValueType::kText);
  ASSERT_NE(empty.data(), nullptr);
  EXPECT_EQ(empty.size(), 0u);
}

ResultSet MakeResult() {
  ResultSet rs({"id", "amount", "note", "blob"});
  rs.AddCell(Value::Int64(1));
  rs.AddCell(Value::Double(1.5));
  rs.AddCell(Value::Text("x"));
  rs.AddCell(Value());
  return rs;
}

TEST(RowTest, TypedGettersReturnTheStoredValue) {
  ResultSet rs = MakeResult();
  ASSERT_EQ(rs.size(), 1u);
  Row row = rs.front();
  EXPECT_EQ(*row.Int64(0), 1);
  EXPECT_EQ(*row.Double("amount"), 1.5);
  EXPECT_EQ(*row.Text("note"), "x");
  EXPECT_EQ(*row.OptionalBytes("blob"), std::nullopt);
  EXPECT_EQ(*row.OptionalInt64("id"), std::optional<int64_t>(1));
}

TEST(RowTest, TypeMismatchNullAndUnknownColumnAreErrors) {
  ResultSet rs = MakeResult();
  Row row = rs.front();
  EXPECT_THAT(row.Text(0), StatusIs(absl::StatusCode::kInternal, HasSubstr("INT64")));
  EXPECT_THAT(row.Int64("note"), StatusIs(absl::StatusCode::kInternal, HasSubstr("note")));
  EXPECT_THAT(row.Bytes("blob"), StatusIs(absl::StatusCode::kInternal, HasSubstr("NULL")));
  EXPECT_THAT(row.OptionalText("id"), StatusIs(absl::StatusCode::kInternal));
  EXPECT_THAT(row.Int64("missing"), StatusIs(absl::StatusCode::kInternal, HasSubstr("missing")));
  EXPECT_THAT(row.Int64(9), StatusIs(absl::StatusCode::kInternal));
}

}  // namespace
}  // namespace salesteam::store
