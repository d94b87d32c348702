#include "common/time/time_zone.h"
#include "common/status.h"

#include <string>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"

namespace salesteam::periods {
namespace {

// Longer than any IANA name (the longest is about 32 characters).
constexpr size_t kMaxNameLength = 64;

bool IsNameCharacter(char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' ||
         c == '+' || c == '-';
}

absl::Status NotAZoneName(absl::string_view name, absl::string_view field, absl::string_view why) {
  return absl::InvalidArgumentError(
      absl::StrCat(field, ": ", QuoteInput(name), " is not an IANA time zone name (", why, ")"));
}

}  // namespace

absl::Status ValidateTimeZoneName(absl::string_view name, absl::string_view field) {
  if (name.empty()) {
    return absl::InvalidArgumentError(
        absl::StrCat(field, ": is required (an IANA time zone such as \"Europe/Berlin\")"));
  }
  if (name.size() > kMaxNameLength) return NotAZoneName(name, field, "too long");
  for (absl::string_view part : absl::StrSplit(name, '/')) {
    if (part.empty()) return NotAZoneName(name, field, "empty path part");
    if (part.front() == '-' || part.front() == '+') {
      return NotAZoneName(name, field, "a part starts with a sign");
    }
    for (char c : part) {
      if (!IsNameCharacter(c)) {
        return NotAZoneName(name, field, "only letters, digits and / _ + - are allowed");
      }
    }
  }
  // Files in the zoneinfo folder that are not zones of their own, and the two
  // alternative copies of the database.
  if (name == "localtime" || name == "posixrules" || name == "Factory" ||
      absl::StartsWith(name, "posix/") || absl::StartsWith(name, "right/")) {
    return NotAZoneName(name, field, "not a zone of the IANA database");
  }
  return absl::OkStatus();
}

absl::StatusOr<absl::TimeZone> LoadTimeZone(absl::string_view name, absl::string_view field) {
  if (absl::Status valid = ValidateTimeZoneName(name, field); !valid.ok()) return valid;
  absl::TimeZone zone;
  if (!absl::LoadTimeZone(std::string(name), &zone)) {
    return absl::InvalidArgumentError(absl::StrCat(
        field, ": ", QuoteInput(name), " is not an IANA time zone known to this system's tzdata"));
  }
  return zone;
}

absl::Status CheckTimeZoneDatabase() {
  // UTC is built into Abseil and loads without tzdata; these two need the
  // files, and one of them has DST rules, which exercises the whole format.
  for (const char* name : {"Etc/UTC", "America/New_York"}) {
    absl::TimeZone zone;
    if (!absl::LoadTimeZone(name, &zone)) {
      return absl::FailedPreconditionError(absl::StrCat(
          "time zone database unusable: cannot load ", name,
          " (install the Debian package tzdata, or point TZDIR at a zoneinfo folder)"));
    }
  }
  return absl::OkStatus();
}

}  // namespace salesteam::periods
