// The roster as other services see it: members with their whole assignment
// history (to attribute a fact to the team and role of its day) and the facts
// of their teams (time zone, currency, sales model, stage ownership,
// expectation policy), as plain structs that callers own.
//
// RosterClient is the interface services depend on; FakeRosterClient
// (fake_roster_client.h) is its double for unit tests. GrpcRosterClient asks
// the RosterService with a service token, inside the current call's deadline
// (capped by --roster_deadline), lets gRPC retry its idempotent reads on
// UNAVAILABLE, and keeps answers in a small in-process cache in front of a
// Redis cache, so that hot paths rarely leave the process. When the roster
// cannot be reached and an answer is not cached, the affected ids are
// reported unavailable, never guessed.
#ifndef SALESTEAM_CLIENTS_ROSTER_ROSTER_CLIENT_H_
#define SALESTEAM_CLIENTS_ROSTER_ROSTER_CLIENT_H_

#include <array>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "absl/types/span.h"
#include "common/cache/cache.h"
#include "common/client/peer_channel.h"
#include "common/time/date.h"
#include "salesteam/roster/v1/roster.pb.h"

namespace grpc {
class Channel;
}  // namespace grpc

namespace salesteam::clients {

namespace rosterpb = ::salesteam::roster::v1;

// One stretch of a member's history: a team and role from a day until a day.
struct RosterAssignment {
  std::string team_id = "";
  rosterpb::MemberRole role = rosterpb::MEMBER_ROLE_UNSPECIFIED;
  std::optional<periods::Date> effective_from = std::nullopt;   // absent: since hiring
  std::optional<periods::Date> effective_until = std::nullopt;  // absent: open-ended
};

struct RosterMember {
  std::string id = "";
  std::string name = "";
  // Today's team and role.
  std::string team_id = "";
  rosterpb::MemberRole role = rosterpb::MEMBER_ROLE_UNSPECIFIED;
  std::optional<periods::Date> hire_date = std::nullopt;
  std::optional<periods::Date> deactivation_date = std::nullopt;
  bool active = false;
  // Management data: present only when the service token may see it.
  std::optional<int> value_tier = std::nullopt;
  // Oldest first.
  std::vector<RosterAssignment> assignments = {};
};

// A team's time zone and currency from a day on.
struct RosterTerms {
  // The first day (in `zone`) they apply; absent: since the team began.
  std::optional<periods::Date> effective_from = std::nullopt;
  absl::TimeZone zone = absl::UTCTimeZone();
  std::string currency_code = "";
};

struct RosterTeam {
  std::string id = "";
  std::string name = "";
  // Today's zone and currency; `terms` has them for every day.
  absl::TimeZone zone = absl::UTCTimeZone();
  std::string currency_code = "";
  // Oldest first.
  std::vector<RosterTerms> terms = {};
  rosterpb::SalesModel sales_model = rosterpb::SALES_MODEL_UNSPECIFIED;
  // The role owning each JourneyStage (index = stage number), UNSPECIFIED
  // where nobody does.
  std::array<rosterpb::MemberRole, 5> stage_owner = {};
  std::string manager_id = "";
  // The team's expectation policy (0 when the team has none).
  int min_attainment_bps = 0;
  int consecutive_periods = 0;

  // The terms in force on local day `day` (zone and currency_code when
  // `terms` is empty).
  RosterTerms TermsOn(periods::Date day) const;
  // The terms in force at `instant`, and its local day in their zone: the
  // latest terms whose first day the instant's day (in their zone) has
  // reached.
  RosterTerms TermsAt(absl::Time instant, periods::Date* local_day) const;
  // The first day in [start, end) on which the currency differs from the
  // one in force on `start`, if any.
  std::optional<periods::Date> CurrencyChangeWithin(periods::Date start, periods::Date end) const;
};

// From the roster's messages. A team whose time zone this server cannot load
// is INTERNAL (the roster validated it, so the tzdata here is behind).
RosterMember RosterMemberFromProto(const rosterpb::Member& member);
absl::StatusOr<RosterTeam> RosterTeamFromProto(const rosterpb::Team& team);

struct MemberLookup {
  // Found members, by id.
  absl::flat_hash_map<std::string, std::shared_ptr<const RosterMember>> found;
  // Ids the roster does not know.
  absl::flat_hash_set<std::string> missing;
  // Ids nobody could answer for (roster unreachable, not cached), and why.
  absl::flat_hash_set<std::string> unavailable;
  absl::Status unavailable_reason;
};

class RosterClient {
 public:
  virtual ~RosterClient() = default;
  // Every id lands in exactly one of found, missing, unavailable.
  virtual MemberLookup GetMembers(absl::Span<const std::string> ids) = 0;
  // UNAVAILABLE when the roster cannot be reached, NOT_FOUND for an unknown
  // team.
  virtual absl::StatusOr<std::shared_ptr<const RosterTeam>> GetTeam(absl::string_view team_id) = 0;
};

struct GrpcRosterClientOptions {
  // The longest one roster call may take (a caller's shorter deadline wins).
  absl::Duration deadline = absl::Seconds(2);
  // How long a member or team stays in the Redis cache, and in this
  // process's cache in front of it.
  absl::Duration redis_ttl = absl::Minutes(2);
  absl::Duration local_ttl = absl::Seconds(10);
  absl::Duration cache_timeout = absl::Milliseconds(50);
  // Mints the bearer token for the roster (a service token).
  client::TokenFunction token = nullptr;
  std::function<absl::Time()> clock = [] { return absl::Now(); };
};

class RosterChangeFollower;

// Following the roster's change feed (UseFeed with a RosterChangeFollower
// whose apply and rebuild call ApplyChanges and Rebuild), the client serves
// no copy older than a change it has applied: every cached copy carries the
// roster sequence it was read at (BatchGetMembersResponse.roster_sequence),
// and one older than the newest applied change of its member or team is
// read again. Before trusting any cached copy it also reads the roster's
// published head (clients/roster/change_head.h, one Redis call): while the
// follower has not applied a change the roster has already acknowledged,
// the lookup goes to the roster itself, so a caller that has just written
// the roster is answered with its write. While the follower is
// disconnected, cached copies are served for their TTLs as before.
class GrpcRosterClient final : public RosterClient {
 public:
  GrpcRosterClient(std::shared_ptr<grpc::Channel> channel, cache::Cache* cache,
                   GrpcRosterClientOptions options);
  ~GrpcRosterClient() override;

  MemberLookup GetMembers(absl::Span<const std::string> ids) override;
  absl::StatusOr<std::shared_ptr<const RosterTeam>> GetTeam(absl::string_view team_id) override;

  // The follower whose progress gates the caches (must outlive the client;
  // null: none).
  void UseFeed(const RosterChangeFollower* follower);
  // Drops the copies these changes made stale, here and in Redis.
  absl::Status ApplyChanges(
      const google::protobuf::RepeatedPtrField<rosterpb::RosterChange>& changes);
  // Drops every copy read before `head`.
  absl::Status Rebuild(int64_t head);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// The roster reads gRPC may retry: GetTeam, GetMember, BatchGetMembers.
client::RetryPolicy RosterRetryPolicy();

}  // namespace salesteam::clients

#endif  // SALESTEAM_CLIENTS_ROSTER_ROSTER_CLIENT_H_
