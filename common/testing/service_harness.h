// The one way to run a service in-process for a test or a benchmark: a real
// gRPC server on a loopback port (server::Server, exactly as in production:
// interceptors, auth, handler pool), a fresh database of the chosen kind with
// the service's migrations applied, a real Redis (the shared test server, a
// private one a test may kill, or the in-memory FakeCache a test may switch
// off), an injected clock, tokens for every role, and the server's call log,
// printed for the failed calls when the test has failed.
//
//   ASSERT_OK_AND_ASSIGN(harness_, ServiceHarness::Create(
//       {.database = GetParam(), .migrations = &salesteam::migrations::roster()}));
//   RosterServiceOptions options;
//   options.clock = harness_->clock().AsFunction();
//   ASSERT_OK(harness_->Serve(rosterpb::RosterService::service_full_name(),
//       std::make_unique<RosterServiceImpl>(&harness_->db(), &harness_->cache(), options)));
//   stub_ = rosterpb::RosterService::NewStub(harness_->channel());
//   std::string token = harness_->Token("m-1", auth::Role::kManager, {"t-1"});
//
// Destruction stops the server first, then the services, the cache and the
// database, so nothing outlives what it uses.
#ifndef SALESTEAM_COMMON_TESTING_SERVICE_HARNESS_H_
#define SALESTEAM_COMMON_TESTING_SERVICE_HARNESS_H_

#include <functional>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "common/auth/auth.h"
#include "common/cache/cache.h"
#include "common/server/server.h"
#include "common/store/database.h"
#include "common/store/migrations.h"
#include "common/testing/databases.h"

namespace grpc {
class Channel;
class Service;
}  // namespace grpc

namespace salesteam::cache {
class FakeCache;
}  // namespace salesteam::cache

namespace salesteam::testing {

class RedisServer;

// The JWT secret test servers verify tokens with (and sign page tokens with).
inline constexpr char kTestSecret[] = "salesteam-test-secret-0123456789abcdef";

// A clock a test controls: it stands still at `start` until moved. Services
// take it as their std::function<absl::Time()> clock. Thread-safe.
class TestClock {
 public:
  explicit TestClock(absl::Time start) : now_(start) {}
  absl::Time Now() const;
  void Advance(absl::Duration by);
  void Set(absl::Time to);
  // A function reading this clock (which must outlive it).
  std::function<absl::Time()> AsFunction();

 private:
  mutable absl::Mutex mu_;
  absl::Time now_ ABSL_GUARDED_BY(mu_);
};

enum class CacheKind {
  kSharedRedis,   // the test Redis at SALESTEAM_TEST_REDIS (must answer)
  kPrivateRedis,  // a redis-server of the test's own, which it may stop
  kFake,          // cache::FakeCache, which the test may switch off
  kNone,          // no cache at all: cache() must not be used
};

struct HarnessOptions {
  DatabaseKind database = DatabaseKind::kSqlite;
  // The service's migrations; null: no database.
  const store::MigrationSet* migrations = nullptr;
  CacheKind cache = CacheKind::kSharedRedis;
  // Connections the Redis client may open at once (benchmarks with many
  // callers raise it).
  int redis_max_connections = 8;
  // Where the injected clock starts. The server's token checks use the real
  // clock (tokens are minted with it), whatever this says.
  absl::Time start = absl::Now();
  std::string secret = kTestSecret;
  // Adjusts the server's options (queue limits, grace, ...) before it starts.
  std::function<void(server::ServerOptions&)> server_options = nullptr;
};

class ServiceHarness {
 public:
  static absl::StatusOr<std::unique_ptr<ServiceHarness>> Create(HarnessOptions options = {});
  ~ServiceHarness();
  ServiceHarness(const ServiceHarness&) = delete;
  ServiceHarness& operator=(const ServiceHarness&) = delete;

  store::Database& db() { return *db_; }
  TestDatabase& test_database() { return *test_db_; }
  DatabaseKind database_kind() const { return options_.database; }
  cache::Cache& cache() { return *cache_; }
  // The FakeCache (kFake) or the private redis-server (kPrivateRedis); null
  // otherwise.
  cache::FakeCache* fake_cache() { return fake_cache_; }
  RedisServer* private_redis() { return private_redis_.get(); }
  TestClock& clock() { return clock_; }
  const std::string& secret() const { return options_.secret; }

  // Registers `service` under its proto's full name and, on the first call
  // with `start` true (the default), starts serving every registered
  // service. The harness owns the service.
  absl::Status Serve(absl::string_view name, std::unique_ptr<grpc::Service> service,
                     bool start = true);

  // The server's "127.0.0.1:<port>" and a new plaintext channel to it.
  const std::string& address() const { return address_; }
  std::shared_ptr<grpc::Channel> channel() const;
  server::Server& server() { return *server_; }

  // A token for the server, valid for two hours of real time.
  std::string Token(absl::string_view subject, auth::Role role,
                    std::vector<std::string> teams = {}) const;

  // Stops serving (later calls fail UNAVAILABLE); idempotent.
  void Stop();

  // Every finished call's JSON log line so far.
  std::vector<std::string> CallLog() const;
  // The log once it holds at least `lines` lines: a call's line is written
  // after its client has the answer. Whatever it holds after 10 s otherwise.
  std::vector<std::string> AwaitCallLog(size_t lines) const;

 private:
  explicit ServiceHarness(HarnessOptions options);
  absl::Status SetUpDatabase();
  absl::Status SetUpCache();

  HarnessOptions options_;
  TestClock clock_;
  std::unique_ptr<TestDatabase> test_db_;
  std::unique_ptr<store::Database> db_;
  std::unique_ptr<RedisServer> private_redis_;
  std::unique_ptr<cache::Cache> cache_;
  cache::FakeCache* fake_cache_ = nullptr;
  std::vector<server::ServiceRegistration> registrations_;
  std::vector<std::unique_ptr<grpc::Service>> services_;
  std::unique_ptr<server::Server> server_;
  std::string address_;

  mutable absl::Mutex log_mu_;
  std::vector<std::string> call_log_ ABSL_GUARDED_BY(log_mu_);
};

}  // namespace salesteam::testing

#endif  // SALESTEAM_COMMON_TESTING_SERVICE_HARNESS_H_
