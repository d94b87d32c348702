// Everything a service's main() does, in one call, the same for every
// service: parse flags (with SALESTEAM_* overrides), load the JWT secret,
// open the service's database and run its migrations, connect Redis (a
// cache: the service starts and answers without it), give the service a
// token for its peers, let the service build its gRPC services and the
// clients they use, then serve until SIGTERM and drain (server.h).
//
//   int main(int argc, char** argv) {
//     return salesteam::server::ServiceMain(argc, argv, {
//         .name = "roster", .default_ports = {50051, 9101},
//         .migrations = &salesteam::migrations::roster(),
//         .build = [](salesteam::server::ServiceContext& context) {
//           return context.Serve(RosterService::service_full_name(),
//               std::make_unique<RosterServiceImpl>(context.db(), context.cache(), ...));
//         }});
//   }
//
// A failure before serving prints "<name>: <reason>" on stderr and exits 1.
#ifndef SALESTEAM_COMMON_SERVER_SERVICE_MAIN_H_
#define SALESTEAM_COMMON_SERVER_SERVICE_MAIN_H_

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "common/auth/auth.h"
#include "common/client/peer_channel.h"
#include "common/server/server.h"

namespace grpc {
class Service;
}  // namespace grpc

namespace salesteam::cache {
class Cache;
}  // namespace salesteam::cache

namespace salesteam::store {
class Database;
struct MigrationSet;
}  // namespace salesteam::store

namespace salesteam::server {

// What a service's build function gets: the parts ServiceMain made, and a
// place to put what it makes so that it lives as long as the server.
class ServiceContext {
 public:
  ServiceContext(absl::string_view name, const auth::JwtSecret& secret, store::Database* db,
                 cache::Cache* cache);
  ~ServiceContext();

  const std::string& name() const { return name_; }
  // The shared JWT secret (services also sign page tokens with it).
  const auth::JwtSecret& secret() const { return secret_; }
  // Null when the service declared no migrations.
  store::Database* db() const { return db_; }
  cache::Cache* cache() const { return cache_; }
  // This service's bearer token for its peers (role service, subject name()).
  client::TokenFunction service_token();

  // Keeps `part` (a peer client, a directory, ...) alive until the server
  // has stopped, and returns it.
  template <typename T>
  T* Own(std::unique_ptr<T> part) {
    T* raw = part.get();
    owned_.push_back(std::shared_ptr<void>(std::move(part)));
    return raw;
  }

  // Serves `service` under its proto's full name.
  absl::Status Serve(absl::string_view full_name, std::unique_ptr<grpc::Service> service);

  std::vector<ServiceRegistration> registrations() const;

 private:
  std::string name_;
  const auth::JwtSecret& secret_;
  store::Database* db_;
  cache::Cache* cache_;
  auth::ServiceTokenSource tokens_;
  // Destroyed last-first: services before the parts they use.
  std::vector<std::shared_ptr<void>> owned_;
  std::vector<ServiceRegistration> registrations_;
};

struct ServiceDefinition {
  // "roster": names the database (var/data/<name>.db), the service token's
  // subject and the log prefix.
  std::string name = "";
  // The gRPC and metrics ports when --listen_address / --metrics_address
  // are not set (DESIGN.md: 50051.. and 9101..).
  struct Ports {
    int grpc = 0;
    int metrics = 0;
  };
  Ports default_ports = {};
  // The service's migrations; null: the service keeps no database.
  const store::MigrationSet* migrations = nullptr;
  // glibc malloc arenas (M_ARENA_MAX); 0 keeps glibc's default (8 per core).
  int malloc_arenas = 0;
  // Runs before the database opens, with its URL (e.g. to take a lock that
  // makes one process the database's only writer).
  std::function<absl::Status(const std::string& database_url)> before_open = nullptr;
  // Builds the service's gRPC services (ServiceContext::Serve) and the
  // clients they use.
  std::function<absl::Status(ServiceContext& context)> build = nullptr;
};

// Runs the service; returns the process exit code (see RunServer).
int ServiceMain(int argc, char** argv, const ServiceDefinition& definition);

}  // namespace salesteam::server

#endif  // SALESTEAM_COMMON_SERVER_SERVICE_MAIN_H_
