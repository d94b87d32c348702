// What the activity service asks the roster: members with their whole
// assignment history (to attribute each activity to the team and role of its
// day) and the facts of their teams (time zone, currency, sales model, stage
// ownership). RosterDirectory is the interface; GrpcRosterDirectory asks the
// RosterService over gRPC with a service token and a deadline, and keeps the
// answers in a small in-process cache in front of a Redis cache, so that the
// ingest hot path rarely leaves the process. When the roster cannot be
// reached and an answer is not cached, the affected ids are reported
// unavailable, never guessed.
#ifndef SALESTEAM_SERVICES_ACTIVITY_ROSTER_DIRECTORY_H_
#define SALESTEAM_SERVICES_ACTIVITY_ROSTER_DIRECTORY_H_

#include <functional>
#include <memory>
#include <string>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "absl/functional/any_invocable.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "absl/types/span.h"
#include "common/cache/cache.h"
#include "services/activity/domain.h"

namespace grpc {
class Channel;
}

namespace salesteam::activity {

struct MemberLookup {
  // Found members, by id.
  absl::flat_hash_map<std::string, std::shared_ptr<const rosterpb::Member>> found;
  // Ids the roster does not know.
  absl::flat_hash_set<std::string> missing;
  // Ids nobody could answer for (roster unreachable, not cached), and why.
  absl::flat_hash_set<std::string> unavailable;
  absl::Status unavailable_reason;
};

class RosterDirectory {
 public:
  virtual ~RosterDirectory() = default;
  // Every id lands in exactly one of found, missing, unavailable.
  virtual MemberLookup GetMembers(absl::Span<const std::string> ids) = 0;
  // A team's facts; UNAVAILABLE when the roster cannot be reached, NOT_FOUND
  // for an unknown team.
  virtual absl::StatusOr<std::shared_ptr<const TeamFacts>> GetTeam(absl::string_view team_id) = 0;
};

struct GrpcRosterDirectoryOptions {
  // How long one roster call may take.
  absl::Duration deadline = absl::Seconds(2);
  // How long a member or team stays in the Redis cache, and in this
  // process's cache in front of it. A move made in the roster is seen by
  // ingest at most this late (moves are dated, so a late-seen move only
  // matters for activities of its first day).
  absl::Duration redis_ttl = absl::Minutes(2);
  absl::Duration local_ttl = absl::Seconds(10);
  absl::Duration cache_timeout = absl::Milliseconds(50);
  // Mints the bearer token for the roster (a service token).
  absl::AnyInvocable<absl::StatusOr<std::string>()> token;
  std::function<absl::Time()> clock = [] { return absl::Now(); };
};

class GrpcRosterDirectory final : public RosterDirectory {
 public:
  GrpcRosterDirectory(std::shared_ptr<grpc::Channel> channel, cache::Cache* cache,
                      GrpcRosterDirectoryOptions options);
  ~GrpcRosterDirectory() override;

  MemberLookup GetMembers(absl::Span<const std::string> ids) override;
  absl::StatusOr<std::shared_ptr<const TeamFacts>> GetTeam(absl::string_view team_id) override;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// A service token for calls to other services, minted from the shared JWT
// secret and renewed before it expires.
class ServiceTokenSource {
 public:
  ServiceTokenSource(std::string secret, std::string service_name);
  absl::StatusOr<std::string> Token();

 private:
  const std::string secret_;
  const std::string service_name_;
  absl::Mutex mu_;
  std::string token_ ABSL_GUARDED_BY(mu_);
  absl::Time renew_at_ ABSL_GUARDED_BY(mu_) = absl::InfinitePast();
};

}  // namespace salesteam::activity

#endif  // SALESTEAM_SERVICES_ACTIVITY_ROSTER_DIRECTORY_H_
