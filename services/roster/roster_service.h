// The gRPC face of the roster (salesteam.roster.v1.RosterService): decode,
// authorise, validate, apply the rules in domain.h, store through
// RosterStore, encode. Member lookups by id (GetMember, BatchGetMembers: the
// other services' hot path) are served from Redis through MemberCache and
// invalidated by every write that changes a member; when Redis is down every
// RPC still answers from the database.
//
// Who may do what (common/auth): admins create teams and write anything;
// managers update their own teams and write their members; reps read their
// own team and their own record and write nothing; the service role reads
// everything. Value tier and motivators are shown only to the member's
// managers, admins and services.
#ifndef SALESTEAM_SERVICES_ROSTER_ROSTER_SERVICE_H_
#define SALESTEAM_SERVICES_ROSTER_ROSTER_SERVICE_H_

#include <functional>
#include <memory>
#include <string>

#include "absl/time/time.h"
#include "common/cache/cache.h"
#include "common/store/database.h"
#include "salesteam/roster/v1/roster.grpc.pb.h"
#include "services/roster/change_feed.h"

namespace salesteam::roster {

class RosterCore;

struct RosterServiceOptions {
  // How long a member stays cached in Redis: the longest a reader may see a
  // member whose invalidation failed while Redis was unreachable.
  absl::Duration member_cache_ttl = absl::Minutes(5);
  // The budget of each Redis call on the hot path.
  absl::Duration cache_timeout = absl::Milliseconds(50);
  // Signs page tokens so that a tampered one is refused; every replica must
  // use the same key (main derives it from the JWT secret).
  std::string page_token_key;
  // The clock ("today" for defaults and validation); tests inject one.
  std::function<absl::Time()> clock = [] { return absl::Now(); };
  // The change feed: retention, polling, heartbeats (change_feed.h). Its
  // clock is `clock` above, which stamps the changes' commit times.
  ChangeFeedOptions feed = {};
};

class RosterServiceImpl final : public salesteam::roster::v1::RosterService::CallbackService {
 public:
  // `db` (roster migrations applied) and `cache` must outlive the service.
  RosterServiceImpl(store::Database* db, cache::Cache* cache, RosterServiceOptions options);
  ~RosterServiceImpl() override;

  grpc::ServerUnaryReactor* CreateTeam(grpc::CallbackServerContext* context,
                                       const v1::CreateTeamRequest* request,
                                       v1::CreateTeamResponse* response) override;
  grpc::ServerUnaryReactor* GetTeam(grpc::CallbackServerContext* context,
                                    const v1::GetTeamRequest* request,
                                    v1::GetTeamResponse* response) override;
  grpc::ServerUnaryReactor* UpdateTeam(grpc::CallbackServerContext* context,
                                       const v1::UpdateTeamRequest* request,
                                       v1::UpdateTeamResponse* response) override;
  grpc::ServerUnaryReactor* ListTeams(grpc::CallbackServerContext* context,
                                      const v1::ListTeamsRequest* request,
                                      v1::ListTeamsResponse* response) override;
  grpc::ServerUnaryReactor* CreateMember(grpc::CallbackServerContext* context,
                                         const v1::CreateMemberRequest* request,
                                         v1::CreateMemberResponse* response) override;
  grpc::ServerUnaryReactor* GetMember(grpc::CallbackServerContext* context,
                                      const v1::GetMemberRequest* request,
                                      v1::GetMemberResponse* response) override;
  grpc::ServerUnaryReactor* BatchGetMembers(grpc::CallbackServerContext* context,
                                            const v1::BatchGetMembersRequest* request,
                                            v1::BatchGetMembersResponse* response) override;
  grpc::ServerUnaryReactor* UpdateMember(grpc::CallbackServerContext* context,
                                         const v1::UpdateMemberRequest* request,
                                         v1::UpdateMemberResponse* response) override;
  grpc::ServerUnaryReactor* MoveMember(grpc::CallbackServerContext* context,
                                       const v1::MoveMemberRequest* request,
                                       v1::MoveMemberResponse* response) override;
  grpc::ServerUnaryReactor* DeactivateMember(grpc::CallbackServerContext* context,
                                             const v1::DeactivateMemberRequest* request,
                                             v1::DeactivateMemberResponse* response) override;
  grpc::ServerUnaryReactor* ListMembers(grpc::CallbackServerContext* context,
                                        const v1::ListMembersRequest* request,
                                        v1::ListMembersResponse* response) override;
  grpc::ServerUnaryReactor* RecordTraining(grpc::CallbackServerContext* context,
                                           const v1::RecordTrainingRequest* request,
                                           v1::RecordTrainingResponse* response) override;
  grpc::ServerUnaryReactor* ListTrainingSessions(
      grpc::CallbackServerContext* context, const v1::ListTrainingSessionsRequest* request,
      v1::ListTrainingSessionsResponse* response) override;
  grpc::ServerUnaryReactor* GetTrainingCompliance(
      grpc::CallbackServerContext* context, const v1::GetTrainingComplianceRequest* request,
      v1::GetTrainingComplianceResponse* response) override;
  grpc::ServerUnaryReactor* SuggestRoles(grpc::CallbackServerContext* context,
                                         const v1::SuggestRolesRequest* request,
                                         v1::SuggestRolesResponse* response) override;
  grpc::ServerWriteReactor<v1::WatchRosterChangesResponse>* WatchRosterChanges(
      grpc::CallbackServerContext* context, const v1::WatchRosterChangesRequest* request) override;

 private:
  std::unique_ptr<RosterCore> core_;
};

}  // namespace salesteam::roster

#endif  // SALESTEAM_SERVICES_ROSTER_ROSTER_SERVICE_H_
