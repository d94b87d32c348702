// The gRPC face of the activity service (salesteam.activity.v1.ActivityService):
// decodes requests, authorises the caller, and hands the work to the ingest
// pipeline (ingest.h), the store (activity_store.h), the KPI rules
// (domain.h) and the leaderboards (leaderboard.h).
#ifndef SALESTEAM_SERVICES_ACTIVITY_ACTIVITY_SERVICE_H_
#define SALESTEAM_SERVICES_ACTIVITY_ACTIVITY_SERVICE_H_

#include <functional>
#include <memory>
#include <string>

#include "absl/time/time.h"
#include "clients/roster/roster_client.h"
#include "common/cache/cache.h"
#include "common/store/database.h"
#include "salesteam/activity/v1/activity.grpc.pb.h"

namespace salesteam::activity {

class ActivityCore;

struct ActivityServiceOptions {
  // Signs page tokens (the JWT secret is fine).
  std::string page_token_key;
  std::function<absl::Time()> clock = [] { return absl::Now(); };
  // How long a Redis call of the leaderboards may take.
  absl::Duration cache_timeout = absl::Milliseconds(100);
};

class ActivityServiceImpl final : public v1::ActivityService::CallbackService {
 public:
  // `roster` answers member and team lookups; all three must outlive this.
  ActivityServiceImpl(store::Database* db, cache::Cache* cache, clients::RosterClient* roster,
                      ActivityServiceOptions options);
  ~ActivityServiceImpl() override;

  grpc::ServerUnaryReactor* RecordActivities(grpc::CallbackServerContext* context,
                                             const v1::RecordActivitiesRequest* request,
                                             v1::RecordActivitiesResponse* response) override;
  grpc::ServerBidiReactor<v1::StreamActivitiesRequest, v1::StreamActivitiesResponse>*
  StreamActivities(grpc::CallbackServerContext* context) override;
  grpc::ServerUnaryReactor* ListActivities(grpc::CallbackServerContext* context,
                                           const v1::ListActivitiesRequest* request,
                                           v1::ListActivitiesResponse* response) override;
  grpc::ServerUnaryReactor* GetKpis(grpc::CallbackServerContext* context,
                                    const v1::GetKpisRequest* request,
                                    v1::GetKpisResponse* response) override;
  grpc::ServerUnaryReactor* GetLeaderboard(grpc::CallbackServerContext* context,
                                           const v1::GetLeaderboardRequest* request,
                                           v1::GetLeaderboardResponse* response) override;

 private:
  std::unique_ptr<ActivityCore> core_;
};

}  // namespace salesteam::activity

#endif  // SALESTEAM_SERVICES_ACTIVITY_ACTIVITY_SERVICE_H_
