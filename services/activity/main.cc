// The activity server (salesteam.activity.v1.ActivityService) on port 50052:
// exactly-once ingest of what reps do, KPIs, funnels and leaderboards, with
// the roster followed through its change feed.
#include <memory>

#include "activity_migrations.h"
#include "clients/roster/roster_feed.h"
#include "common/server/service_main.h"
#include "common/status.h"
#include "services/activity/activity_service.h"
#include "services/activity/activity_store.h"

int main(int argc, char** argv) {
  namespace activity = salesteam::activity;
  return salesteam::server::ServiceMain(
      argc, argv,
      {.name = "activity",
       .default_ports = {50052, 9102},
       .migrations = &salesteam::migrations::activity(),
       .malloc_arenas = 2,  // batches pass between threads (docs/benchmarks.md)
       .before_open = [](auto& url) { return activity::LockSqliteForIngest(url).status(); },
       .build = [](salesteam::server::ServiceContext& context) -> absl::Status {
         ASSIGN_OR_RETURN(auto roster,
                          salesteam::clients::FollowRosterFromFlags(context, "activity"));
         return context.Serve(
             activity::v1::ActivityService::service_full_name(),
             std::make_unique<activity::ActivityServiceImpl>(
                 context.db(), context.cache(), context.Own(std::move(roster))->client.get(),
                 activity::ActivityServiceOptions{.page_token_key = context.secret().value}));
       }});
}
