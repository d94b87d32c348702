// An in-memory RosterClient for other services' unit tests: members and teams
// are whatever the test put in, and the roster can be made unreachable. For
// tests that need the real RosterService behind a real channel, use
// clients/roster/testing/test_roster.h.
#ifndef SALESTEAM_CLIENTS_ROSTER_FAKE_ROSTER_CLIENT_H_
#define SALESTEAM_CLIENTS_ROSTER_FAKE_ROSTER_CLIENT_H_

#include <memory>
#include <string>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/status/status.h"
#include "absl/synchronization/mutex.h"
#include "clients/roster/roster_client.h"

namespace salesteam::clients {

class FakeRosterClient final : public RosterClient {
 public:
  // Adds or replaces.
  void PutMember(RosterMember member);
  void PutTeam(RosterTeam team);
  // While `status` is not OK every lookup fails with it (members are
  // reported unavailable, teams answer it).
  void SetUnavailable(absl::Status status);
  // Lookups answered so far (members and teams), to check caching callers.
  int calls() const;

  MemberLookup GetMembers(absl::Span<const std::string> ids) override;
  absl::StatusOr<std::shared_ptr<const RosterTeam>> GetTeam(absl::string_view team_id) override;

 private:
  mutable absl::Mutex mu_;
  absl::flat_hash_map<std::string, std::shared_ptr<const RosterMember>> members_
      ABSL_GUARDED_BY(mu_);
  absl::flat_hash_map<std::string, std::shared_ptr<const RosterTeam>> teams_ ABSL_GUARDED_BY(mu_);
  absl::Status unavailable_ ABSL_GUARDED_BY(mu_);
  int calls_ ABSL_GUARDED_BY(mu_) = 0;
};

}  // namespace salesteam::clients

#endif  // SALESTEAM_CLIENTS_ROSTER_FAKE_ROSTER_CLIENT_H_
