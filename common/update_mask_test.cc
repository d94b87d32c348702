#include "common/update_mask.h"

#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "salesteam/roster/v1/roster.pb.h"

namespace salesteam {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;

constexpr absl::string_view kUpdatable[] = {"name",       "email",  "archetype",
                                            "value_tier", "skills", "hire_date"};

google::protobuf::FieldMask Mask(std::vector<std::string> paths) {
  google::protobuf::FieldMask mask;
  for (std::string& path : paths) mask.add_paths(std::move(path));
  return mask;
}

TEST(UpdatePathsTest, OmittedMaskMeansOnlyThePopulatedFields) {
  roster::v1::Member patch;
  patch.set_name("Ada");
  patch.add_skills()->set_level(3);
  absl::StatusOr<std::vector<std::string>> paths = UpdatePaths(Mask({}), patch, kUpdatable);
  ASSERT_TRUE(paths.ok()) << paths.status();
  EXPECT_THAT(*paths, ElementsAre("name", "skills"));
}

TEST(UpdatePathsTest, OmittedMaskCountsAnExplicitZeroOfAnOptionalFieldAsPopulated) {
  roster::v1::Member patch;
  patch.set_value_tier(0);
  patch.mutable_hire_date();
  absl::StatusOr<std::vector<std::string>> paths = UpdatePaths(Mask({}), patch, kUpdatable);
  ASSERT_TRUE(paths.ok()) << paths.status();
  EXPECT_THAT(*paths, ElementsAre("value_tier", "hire_date"));
}

TEST(UpdatePathsTest, OmittedMaskOnAnEmptyPatchChangesNothing) {
  absl::StatusOr<std::vector<std::string>> paths =
      UpdatePaths(Mask({}), roster::v1::Member(), kUpdatable);
  ASSERT_TRUE(paths.ok()) << paths.status();
  EXPECT_THAT(*paths, IsEmpty());
}

TEST(UpdatePathsTest, NamedPathsApplyEvenWhenTheirFieldIsEmptySoThatTheyClearIt) {
  roster::v1::Member patch;
  patch.set_name("Ada");
  absl::StatusOr<std::vector<std::string>> paths =
      UpdatePaths(Mask({"email", "skills"}), patch, kUpdatable);
  ASSERT_TRUE(paths.ok()) << paths.status();
  EXPECT_THAT(*paths, ElementsAre("email", "skills"));
}

TEST(UpdatePathsTest, WildcardReplacesEveryUpdatableField) {
  absl::StatusOr<std::vector<std::string>> paths =
      UpdatePaths(Mask({"*"}), roster::v1::Member(), kUpdatable);
  ASSERT_TRUE(paths.ok()) << paths.status();
  EXPECT_THAT(*paths,
              ElementsAre("name", "email", "archetype", "value_tier", "skills", "hire_date"));
}

TEST(UpdatePathsTest, RefusesAPathThatIsNotUpdatableNamingItsIndex) {
  absl::StatusOr<std::vector<std::string>> paths =
      UpdatePaths(Mask({"name", "team_id"}), roster::v1::Member(), kUpdatable,
                  "; team and role change with MoveMember");
  EXPECT_EQ(paths.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(paths.status().message(), HasSubstr("update_mask.paths[1]: \"team_id\""));
  EXPECT_THAT(paths.status().message(), HasSubstr("MoveMember"));
}

TEST(UpdatePathsTest, RefusesARepeatedPathAndAWildcardBesideOthers) {
  EXPECT_THAT(
      UpdatePaths(Mask({"name", "name"}), roster::v1::Member(), kUpdatable).status().message(),
      HasSubstr("update_mask.paths[1]: \"name\" is named twice"));
  EXPECT_THAT(UpdatePaths(Mask({"name", "*"}), roster::v1::Member(), kUpdatable).status().message(),
              HasSubstr("update_mask.paths[1]: \"*\""));
}

TEST(UpdatePathsTest, AnUpdatablePathThatNamesNoFieldIsAProgrammingError) {
  constexpr absl::string_view kWrong[] = {"nmae"};
  EXPECT_EQ(UpdatePaths(Mask({}), roster::v1::Member(), kWrong).status().code(),
            absl::StatusCode::kInternal);
}

}  // namespace
}  // namespace salesteam
