#include "common/store/types.h"

#include <cstdint>
#include <limits>
#include <optional>
#include <string>
#include <type_traits>
#include <utility>

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
  const std::string bytes("\0\1", 2);
  EXPECT_EQ(Param::Bytes(bytes).type(), ValueType::kBytes);
  EXPECT_EQ(Param::Bytes(bytes).size(), 2u);
}

// Booleans are BIGINT 0/1 columns (database.h); as DOUBLE they would compare
// and insert differently on PostgreSQL than on SQLite.
TEST(ParamTest, BoolBindsAsInt64ZeroOrOne) {
  EXPECT_EQ(Param(true).type(), ValueType::kInt64);
  EXPECT_EQ(Param(true).int64(), 1);
  EXPECT_EQ(Param(false).type(), ValueType::kInt64);
  EXPECT_EQ(Param(false).int64(), 0);
  EXPECT_EQ(Param(std::optional<bool>(true)).int64(), 1);
  EXPECT_TRUE(Param(std::optional<bool>()).is_null());
}

TEST(ParamTest, UnsignedNarrowerThan64BitsBindsAsInt64) {
  EXPECT_EQ(Param(uint32_t{4'000'000'000}).type(), ValueType::kInt64);
  EXPECT_EQ(Param(uint32_t{4'000'000'000}).int64(), 4'000'000'000);
  EXPECT_EQ(Param(2.5f).type(), ValueType::kDouble);
}

// A uint64_t/size_t used to become DOUBLE silently (LIMIT $1 then failed on
// PostgreSQL only); it must now be cast where its range is known.
static_assert(!std::is_constructible_v<Param, uint64_t>);
static_assert(!std::is_constructible_v<Param, size_t>);
static_assert(!std::is_constructible_v<Param, std::optional<uint64_t>>);
static_assert(std::is_constructible_v<Param, uint32_t>);
// Temporaries that own their text would be destroyed before the statement
// binds them.
static_assert(!std::is_constructible_v<Param, std::string>);
static_assert(!std::is_constructible_v<Param, std::string&&>);
static_assert(!std::is_constructible_v<Param, std::optional<std::string>>);
static_assert(!std::is_convertible_v<std::string, Param>);
static_assert(std::is_constructible_v<Param, const std::string&>);
static_assert(std::is_constructible_v<Param, std::string&>);
static_assert(std::is_constructible_v<Param, const std::optional<std::string>&>);
template <typename T>
concept BindsAsBytes = requires(T&& bytes) {
  Param::Bytes(std::forward<T>(bytes));
};
static_assert(!BindsAsBytes<std::string>);
static_assert(BindsAsBytes<const std::string&>);
static_assert(BindsAsBytes<absl::string_view>);

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
