// Where the roster publishes the newest change it has committed, so that its
// clients can tell, before trusting a cached member or team, whether a change
// exists that their feed follower has not applied yet (read-your-writes for a
// caller that writes the roster and then calls another service at once).
//
// A Redis sorted set with one member, "head", whose score is the sequence;
// the roster raises it with ZADD GT after each commit and before it answers
// the write, so a reader never sees it go back. Sequences stay exact as
// doubles up to 2^53. The key names the change log (its feed id, in every
// WatchRosterChangesResponse), so that rosters on different databases that
// share a Redis never mix their heads.
#ifndef SALESTEAM_CLIENTS_ROSTER_CHANGE_HEAD_H_
#define SALESTEAM_CLIENTS_ROSTER_CHANGE_HEAD_H_

#include <string>

#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"

namespace salesteam::clients {

inline std::string RosterChangeHeadKey(absl::string_view feed_id) {
  return absl::StrCat("roster:v1:change-head:", feed_id);
}
inline constexpr absl::string_view kRosterChangeHeadMember = "head";

}  // namespace salesteam::clients

#endif  // SALESTEAM_CLIENTS_ROSTER_CHANGE_HEAD_H_
