// Team time zones. Every team has an IANA time zone (DESIGN.md section 3) and
// every day, week, month and quarter of that team is cut in it, so the zone
// name that a client sends is checked here once, and loaded from the system's
// tzdata (Debian package tzdata, /usr/share/zoneinfo) through Abseil.
//
// The time part of common/ (common/time/) uses namespace salesteam::periods,
// not salesteam::time: a namespace named `time` inside salesteam would hide
// the C library's ::time() from all code in namespace salesteam.
#ifndef SALESTEAM_COMMON_TIME_TIME_ZONE_H_
#define SALESTEAM_COMMON_TIME_TIME_ZONE_H_

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"

namespace salesteam::periods {

// OK when `name` looks like an IANA zone name ("Europe/Berlin",
// "America/Argentina/Buenos_Aires", "Etc/GMT+5", "UTC"): letters, digits and
// "/_+-", no empty, leading or trailing path parts. Refuses what the zone
// loader would otherwise read as a file path or a special file ("/etc/passwd",
// "../x", "localtime", "posixrules", "Factory") and the "posix/" and "right/"
// copies of the database ("right/" counts leap seconds, which would shift
// every instant). Errors are INVALID_ARGUMENT beginning with `field`. This
// does not check that the zone exists; LoadTimeZone does.
absl::Status ValidateTimeZoneName(absl::string_view name, absl::string_view field);

// The zone called `name`, loaded from the system's tzdata (Abseil caches it,
// so repeated loads are cheap). An invalid or unknown name is INVALID_ARGUMENT
// naming `field`, e.g. `team.time_zone: "Mars/Olympus" is not an IANA time
// zone known to this system's tzdata`.
absl::StatusOr<absl::TimeZone> LoadTimeZone(absl::string_view name, absl::string_view field);

// OK when the system's tzdata is installed and usable; FAILED_PRECONDITION
// saying to install the tzdata package otherwise. Servers call this at start
// so that a missing package is one clear error, not every team's zone
// rejected as unknown.
absl::Status CheckTimeZoneDatabase();

}  // namespace salesteam::periods

#endif  // SALESTEAM_COMMON_TIME_TIME_ZONE_H_
