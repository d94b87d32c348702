// A real RosterService for activity tests: served in-process over gRPC on a
// loopback port, on its own SQLite database, so that the activity service
// under test asks it exactly as it asks the deployed roster. The roster's
// clock can run behind the real one, so that tests can date moves and
// deactivations in the activity service's past (the roster only accepts
// them from its own today on).
#ifndef SALESTEAM_CLIENTS_ROSTER_TESTING_TEST_ROSTER_H_
#define SALESTEAM_CLIENTS_ROSTER_TESTING_TEST_ROSTER_H_

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "common/auth/auth.h"
#include "common/testing/service_harness.h"
#include "common/time/date.h"
#include "salesteam/roster/v1/roster.grpc.pb.h"

namespace salesteam::clients::testing {

namespace rosterpb = ::salesteam::roster::v1;

class TestRoster {
 public:
  // Starts the roster on a ServiceHarness (SQLite), verifying tokens signed
  // with `secret`, caching in a cache of the given kind, its clock
  // `clock_lag` behind the real one.
  static absl::StatusOr<std::unique_ptr<TestRoster>> Start(std::string secret,
                                                           salesteam::testing::CacheKind cache,
                                                           absl::Duration clock_lag);
  ~TestRoster();

  // host:port to dial.
  const std::string& address() const;
  // The roster's "today" (UTC).
  periods::Date Today() const;

  // Stops serving: later calls to address() fail (the roster is unreachable).
  void Stop();

  // Admin calls. Teams: `stage_owners` is used on assembly lines (empty: the
  // roster's standard split).
  absl::StatusOr<rosterpb::Team> CreateTeam(absl::string_view name, rosterpb::SalesModel model,
                                            absl::string_view time_zone,
                                            absl::string_view currency_code);
  // A member hired on `hire_date` (default: 420 days before the real today,
  // so that every activity day the service accepts is covered).
  absl::StatusOr<rosterpb::Member> CreateMember(
      absl::string_view name, absl::string_view team_id, rosterpb::MemberRole role,
      std::optional<int> value_tier = std::nullopt,
      std::optional<periods::Date> hire_date = std::nullopt);
  // Moves from `day` on (must be after the roster's Today()).
  absl::StatusOr<rosterpb::Member> MoveMember(absl::string_view member_id,
                                              absl::string_view team_id, rosterpb::MemberRole role,
                                              periods::Date day);
  // The team's zone and currency from `day` on (on or after the roster's
  // Today()).
  absl::StatusOr<rosterpb::Team> ChangeTeamTerms(absl::string_view team_id,
                                                 absl::string_view time_zone,
                                                 absl::string_view currency_code,
                                                 periods::Date day);
  // Inactive from `day` on (must be after the roster's Today()).
  absl::StatusOr<rosterpb::Member> DeactivateMember(absl::string_view member_id, periods::Date day);

  // A token for the roster or the activity service (same secret).
  std::string Token(absl::string_view subject, auth::Role role,
                    std::vector<std::string> teams = {}) const;

 private:
  TestRoster() = default;
  absl::StatusOr<rosterpb::Member> GetMember(absl::string_view member_id);

  std::unique_ptr<salesteam::testing::ServiceHarness> harness_;
  std::string secret_;
  absl::Duration clock_lag_;
  std::unique_ptr<rosterpb::RosterService::Stub> stub_;
  std::string admin_token_;
  int next_email_ = 0;
};

}  // namespace salesteam::clients::testing

#endif  // SALESTEAM_CLIENTS_ROSTER_TESTING_TEST_ROSTER_H_
