// The activity server: exactly-once ingest of what reps do, and the KPIs,
// funnels and leaderboards built on it (salesteam.activity.v1.ActivityService),
// on port 50052 by default. Stateless apart from its database and Redis, so
// that it scales out on its own; members and teams come from the roster.
#include <malloc.h>

#include <cstdio>
#include <memory>
#include <string>
#include <utility>

#include "absl/flags/flag.h"
#include "absl/time/time.h"
#include "activity_migrations.h"
#include "common/auth/auth.h"
#include "common/cache/redis_cache.h"
#include "common/cache/redis_flags.h"
#include "common/config.h"
#include "common/io.h"
#include "common/server/server.h"
#include "common/status.h"
#include "common/store/database_flags.h"
#include "grpcpp/grpcpp.h"
#include "services/activity/activity_service.h"
#include "services/activity/activity_store.h"
#include "services/activity/domain.h"
#include "services/activity/roster_directory.h"

ABSL_FLAG(std::string, roster_address, "127.0.0.1:50051",
          "host:port of the RosterService (members, their teams and roles over time)");
ABSL_FLAG(std::string, roster_tls_ca, "",
          "PEM CA certificate to verify the roster's TLS certificate; empty: plaintext");
ABSL_FLAG(std::string, roster_tls_cert, "",
          "PEM client certificate for mutual TLS to the roster (with --roster_tls_key)");
ABSL_FLAG(std::string, roster_tls_key, "", "PEM private key of --roster_tls_cert");
ABSL_FLAG(absl::Duration, roster_deadline, absl::Seconds(2),
          "deadline of each call to the roster; items whose members it cannot answer for in "
          "time are refused as retryable");
ABSL_FLAG(absl::Duration, roster_cache_ttl, absl::Minutes(2),
          "how long members and teams stay cached in Redis (and, up to 10 s, in the process)");

namespace {

int Fail(const absl::Status& status) {
  std::fprintf(stderr, "activity: %s\n", status.ToString().c_str());
  return 1;
}

absl::StatusOr<std::shared_ptr<grpc::ChannelCredentials>> RosterCredentials() {
  const std::string ca = absl::GetFlag(FLAGS_roster_tls_ca);
  if (ca.empty()) return grpc::InsecureChannelCredentials();
  grpc::SslCredentialsOptions ssl;
  ASSIGN_OR_RETURN(ssl.pem_root_certs, salesteam::ReadFileToString(ca, "--roster_tls_ca"));
  const std::string cert = absl::GetFlag(FLAGS_roster_tls_cert);
  if (!cert.empty()) {
    ASSIGN_OR_RETURN(ssl.pem_cert_chain, salesteam::ReadFileToString(cert, "--roster_tls_cert"));
    ASSIGN_OR_RETURN(
        ssl.pem_private_key,
        salesteam::ReadFileToString(absl::GetFlag(FLAGS_roster_tls_key), "--roster_tls_key"));
  }
  return grpc::SslCredentials(ssl);
}

}  // namespace

int main(int argc, char** argv) {
  // glibc gives each of the handler threads' first allocations an arena of
  // its own (up to 8 per core) and keeps what they free: with batches of
  // thousands of messages passing between threads, that grew the resident
  // set by ~100 MiB. Two arenas hold it near the live data.
  mallopt(M_ARENA_MAX, 2);
  salesteam::ParseFlagsWithEnv(argc, argv);
  salesteam::server::ServerOptions options =
      salesteam::server::ServerOptionsFromFlags(/*default_port=*/50052,
                                                /*default_metrics_port=*/9102);
  absl::StatusOr<salesteam::auth::JwtSecret> secret = salesteam::auth::LoadJwtSecret();
  if (!secret.ok()) return Fail(secret.status());
  absl::StatusOr<int> lock =
      salesteam::activity::LockSqliteForIngest(salesteam::store::DatabaseUrlFromFlags("activity"));
  if (!lock.ok()) return Fail(lock.status());
  const salesteam::store::MigrationSet& migrations = salesteam::migrations::activity();
  absl::StatusOr<std::unique_ptr<salesteam::store::Database>> db =
      salesteam::store::OpenDatabaseFromFlags("activity", &migrations);
  if (!db.ok()) return Fail(db.status());
  // Redis is a cache: the server starts and answers without it.
  absl::StatusOr<std::unique_ptr<salesteam::cache::RedisCache>> cache =
      salesteam::cache::RedisCache::Create(salesteam::cache::RedisCacheOptionsFromFlags());
  if (!cache.ok()) return Fail(cache.status());
  absl::StatusOr<std::shared_ptr<grpc::ChannelCredentials>> credentials = RosterCredentials();
  if (!credentials.ok()) return Fail(credentials.status());

  salesteam::activity::ServiceTokenSource tokens(secret->value, "activity");
  salesteam::activity::GrpcRosterDirectory roster(
      grpc::CreateChannel(absl::GetFlag(FLAGS_roster_address), *credentials), cache->get(),
      {.deadline = absl::GetFlag(FLAGS_roster_deadline),
       .redis_ttl = absl::GetFlag(FLAGS_roster_cache_ttl),
       .token = [&tokens] { return tokens.Token(); }});
  salesteam::activity::ActivityServiceImpl activity(db->get(), cache->get(), &roster,
                                                    {.page_token_key = secret->value});
  return salesteam::server::RunServer(
      std::move(options),
      {{salesteam::activity::v1::ActivityService::service_full_name(), &activity}});
}
