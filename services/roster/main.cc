// The roster server: teams, members, assignments over time, training and role
// suggestions (salesteam.roster.v1.RosterService), on port 50051 by default.
#include <memory>

#include "absl/flags/flag.h"
#include "absl/time/time.h"
#include "common/server/service_main.h"
#include "roster_migrations.h"
#include "services/roster/roster_service.h"

ABSL_FLAG(absl::Duration, member_cache_ttl, absl::Minutes(5),
          "How long a member stays cached in Redis: the longest it may be served stale after "
          "a write whose invalidation could not reach Redis.");

int main(int argc, char** argv) {
  namespace roster = salesteam::roster;
  return salesteam::server::ServiceMain(
      argc, argv,
      {.name = "roster",
       .default_ports = {50051, 9101},
       .migrations = &salesteam::migrations::roster(),
       .build = [](salesteam::server::ServiceContext& context) {
         roster::RosterServiceOptions options;
         options.member_cache_ttl = absl::GetFlag(FLAGS_member_cache_ttl);
         options.page_token_key = context.secret().value;
         return context.Serve(
             roster::v1::RosterService::service_full_name(),
             std::make_unique<roster::RosterServiceImpl>(context.db(), context.cache(), options));
       }});
}
