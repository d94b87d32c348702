// The roster server: teams, members, assignments over time, training and role
// suggestions (salesteam.roster.v1.RosterService), on port 50051 by default.
#include <cstdio>
#include <memory>
#include <utility>

#include "absl/flags/flag.h"
#include "absl/time/time.h"
#include "common/auth/auth.h"
#include "common/cache/redis_cache.h"
#include "common/cache/redis_flags.h"
#include "common/config.h"
#include "common/server/server.h"
#include "common/store/database_flags.h"
#include "roster_migrations.h"
#include "services/roster/roster_service.h"

ABSL_FLAG(absl::Duration, member_cache_ttl, absl::Minutes(5),
          "How long a member stays cached in Redis: the longest a member may be served stale "
          "after a write whose invalidation could not reach Redis.");

int main(int argc, char** argv) {
  salesteam::ParseFlagsWithEnv(argc, argv);
  salesteam::server::ServerOptions options =
      salesteam::server::ServerOptionsFromFlags(/*default_port=*/50051,
                                                /*default_metrics_port=*/9101);
  absl::StatusOr<salesteam::auth::JwtSecret> secret = salesteam::auth::LoadJwtSecret();
  if (!secret.ok()) {
    std::fprintf(stderr, "roster: %s\n", secret.status().ToString().c_str());
    return 1;
  }
  const salesteam::store::MigrationSet& migrations = salesteam::migrations::roster();
  absl::StatusOr<std::unique_ptr<salesteam::store::Database>> db =
      salesteam::store::OpenDatabaseFromFlags("roster", &migrations);
  if (!db.ok()) {
    std::fprintf(stderr, "roster: %s\n", db.status().ToString().c_str());
    return 1;
  }
  // Redis is a cache: the server starts and answers without it.
  absl::StatusOr<std::unique_ptr<salesteam::cache::RedisCache>> cache =
      salesteam::cache::RedisCache::Create(salesteam::cache::RedisCacheOptionsFromFlags());
  if (!cache.ok()) {
    std::fprintf(stderr, "roster: %s\n", cache.status().ToString().c_str());
    return 1;
  }
  salesteam::roster::RosterServiceImpl roster(
      db->get(), cache->get(),
      {.member_cache_ttl = absl::GetFlag(FLAGS_member_cache_ttl), .page_token_key = secret->value});
  return salesteam::server::RunServer(
      std::move(options), {{salesteam::roster::v1::RosterService::service_full_name(), &roster}});
}
