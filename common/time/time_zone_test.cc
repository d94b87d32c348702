#include "common/time/time_zone.h"

#include <string>

#include "absl/time/civil_time.h"
#include "absl/time/time.h"
#include "common/testing/status_matchers.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace salesteam::periods {
namespace {

using ::salesteam::testing::IsOk;
using ::salesteam::testing::StatusIs;
using ::testing::HasSubstr;
using ::testing::StartsWith;

TEST(TimeZoneDatabase, IsInstalledAndUsable) {
  // Fails when the tzdata package is missing: every team zone would be refused.
  EXPECT_THAT(CheckTimeZoneDatabase(), IsOk());
}

TEST(LoadTimeZone, LoadsTeamZonesFromTheSystemTzdataWithTheirRealOffsets) {
  const struct {
    const char* name;
    absl::CivilSecond local;
    int utc_offset_seconds;
  } kZones[] = {
      {"America/New_York", absl::CivilSecond(2026, 1, 15, 12, 0, 0), -5 * 3600},
      {"America/New_York", absl::CivilSecond(2026, 7, 15, 12, 0, 0), -4 * 3600},
      {"Europe/Berlin", absl::CivilSecond(2026, 1, 15, 12, 0, 0), 3600},
      {"Europe/Berlin", absl::CivilSecond(2026, 7, 15, 12, 0, 0), 2 * 3600},
      {"Asia/Kolkata", absl::CivilSecond(2026, 7, 15, 12, 0, 0), 5 * 3600 + 1800},
      {"Australia/Lord_Howe", absl::CivilSecond(2026, 1, 15, 12, 0, 0), 11 * 3600},
      {"Australia/Lord_Howe", absl::CivilSecond(2026, 7, 15, 12, 0, 0), 10 * 3600 + 1800},
      {"America/Argentina/Buenos_Aires", absl::CivilSecond(2026, 7, 15, 12, 0, 0), -3 * 3600},
      {"America/Port-au-Prince", absl::CivilSecond(2026, 1, 15, 12, 0, 0), -5 * 3600},
      {"Etc/GMT+5", absl::CivilSecond(2026, 7, 15, 12, 0, 0), -5 * 3600},
      {"UTC", absl::CivilSecond(2026, 7, 15, 12, 0, 0), 0},
  };
  for (const auto& zone_case : kZones) {
    ASSERT_OK_AND_ASSIGN(const absl::TimeZone zone, LoadTimeZone(zone_case.name, "team.time_zone"));
    EXPECT_EQ(zone.name(), zone_case.name);
    const absl::Time t = absl::FromCivil(zone_case.local, zone);
    EXPECT_EQ(zone.At(t).offset, zone_case.utc_offset_seconds) << zone_case.name;
  }
}

TEST(LoadTimeZone, UnknownZoneIsInvalidArgumentNamingTheField) {
  EXPECT_THAT(LoadTimeZone("Mars/Olympus_Mons", "team.time_zone"),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       StartsWith("team.time_zone: \"Mars/Olympus_Mons\" is not an IANA time zone "
                                  "known to this system's tzdata")));
  // Zone names are case-sensitive.
  EXPECT_THAT(LoadTimeZone("america/new_york", "team.time_zone"),
              StatusIs(absl::StatusCode::kInvalidArgument, StartsWith("team.time_zone: ")));
}

TEST(LoadTimeZone, EmptyNameIsRequired) {
  EXPECT_THAT(
      LoadTimeZone("", "team.time_zone"),
      StatusIs(absl::StatusCode::kInvalidArgument, StartsWith("team.time_zone: is required")));
}

TEST(LoadTimeZone, RefusesPathsSpecialFilesAndLeapSecondCopies) {
  for (const char* name :
       {"/etc/localtime", "/usr/share/zoneinfo/UTC", "../zoneinfo/UTC", "Europe/../UTC",
        "Europe//Berlin", "Europe/Berlin/", "localtime", "posixrules", "Factory",
        "right/Europe/Berlin", "posix/Europe/Berlin", "Fixed/UTC+05:00", "Europe/Berlin ",
        "Europe/Berlin\n", "-05", "<+05>-5"}) {
    EXPECT_THAT(LoadTimeZone(name, "team.time_zone"),
                StatusIs(absl::StatusCode::kInvalidArgument, StartsWith("team.time_zone: ")))
        << name;
  }
}

TEST(ValidateTimeZoneName, AcceptsIanaShapedNamesAndEscapesHostileOnes) {
  EXPECT_THAT(ValidateTimeZoneName("America/Argentina/Buenos_Aires", "z"), IsOk());
  EXPECT_THAT(ValidateTimeZoneName("Etc/GMT-14", "z"), IsOk());
  const absl::Status status =
      ValidateTimeZoneName(std::string("Europe\n") + std::string(500, 'x'), "z");
  EXPECT_THAT(status, StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("Europe\\n")));
  EXPECT_LT(status.message().size(), 200u);
}

}  // namespace
}  // namespace salesteam::periods
