#include "common/server/service_main.h"

#include <malloc.h>

#include <cstdio>
#include <utility>

#include "absl/strings/str_cat.h"
#include "common/cache/redis_cache.h"
#include "common/cache/redis_flags.h"
#include "common/config.h"
#include "common/status.h"
#include "common/store/database_flags.h"
#include "grpcpp/impl/service_type.h"

namespace salesteam::server {
namespace {

int Fail(absl::string_view name, const absl::Status& status) {
  std::fprintf(stderr, "%s: %s\n", std::string(name).c_str(), status.ToString().c_str());
  return 1;
}

}  // namespace

ServiceContext::ServiceContext(absl::string_view name, const auth::JwtSecret& secret,
                               store::Database* db, cache::Cache* cache)
    : name_(name), secret_(secret), db_(db), cache_(cache), tokens_(secret.value, name_) {}

ServiceContext::~ServiceContext() {
  // Newest first: a service goes before the clients it was built on.
  while (!owned_.empty()) owned_.pop_back();
}

client::TokenFunction ServiceContext::service_token() {
  return [this] { return tokens_.Token(); };
}

absl::Status ServiceContext::Serve(absl::string_view full_name,
                                   std::unique_ptr<grpc::Service> service) {
  if (service == nullptr) return absl::InvalidArgumentError("no service to serve");
  registrations_.push_back({std::string(full_name), service.get()});
  Own(std::move(service));
  return absl::OkStatus();
}

std::vector<ServiceRegistration> ServiceContext::registrations() const { return registrations_; }

int ServiceMain(int argc, char** argv, const ServiceDefinition& definition) {
  // glibc gives each handler thread's first allocations an arena of its own
  // and keeps what they free: a service passing large batches between
  // threads grows its resident set by that much unless it caps them.
  if (definition.malloc_arenas > 0) mallopt(M_ARENA_MAX, definition.malloc_arenas);
  ParseFlagsWithEnv(argc, argv);
  const std::string& name = definition.name;
  ServerOptions options =
      ServerOptionsFromFlags(definition.default_ports.grpc, definition.default_ports.metrics);
  absl::StatusOr<auth::JwtSecret> secret = auth::LoadJwtSecret();
  if (!secret.ok()) return Fail(name, secret.status());
  const std::string database_url = store::DatabaseUrlFromFlags(name);
  if (definition.before_open) {
    if (absl::Status status = definition.before_open(database_url); !status.ok()) {
      return Fail(name, status);
    }
  }
  std::unique_ptr<store::Database> db;
  if (definition.migrations != nullptr) {
    absl::StatusOr<std::unique_ptr<store::Database>> opened =
        store::OpenDatabaseFromFlags(name, definition.migrations);
    if (!opened.ok()) return Fail(name, opened.status());
    db = *std::move(opened);
  }
  // Redis is a cache: the server starts and answers without it.
  absl::StatusOr<std::unique_ptr<cache::RedisCache>> cache =
      cache::RedisCache::Create(cache::RedisCacheOptionsFromFlags());
  if (!cache.ok()) return Fail(name, cache.status());
  ServiceContext context(name, *secret, db.get(), cache->get());
  if (absl::Status status = definition.build(context); !status.ok()) return Fail(name, status);
  return RunServer(std::move(options), context.registrations());
}

}  // namespace salesteam::server
