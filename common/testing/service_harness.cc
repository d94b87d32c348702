#include "common/testing/service_harness.h"

#include <iostream>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "common/cache/fake_cache.h"
#include "common/cache/redis_cache.h"
#include "common/status.h"
#include "common/testing/redis_server.h"
#include "common/testing/test_env.h"
#include "grpcpp/create_channel.h"
#include "grpcpp/impl/service_type.h"
#include "grpcpp/security/credentials.h"
#include "gtest/gtest.h"

namespace salesteam::testing {

absl::Time TestClock::Now() const {
  absl::MutexLock lock(&mu_);
  return now_;
}

void TestClock::Advance(absl::Duration by) {
  absl::MutexLock lock(&mu_);
  now_ += by;
}

void TestClock::Set(absl::Time to) {
  absl::MutexLock lock(&mu_);
  now_ = to;
}

std::function<absl::Time()> TestClock::AsFunction() {
  return [this] { return Now(); };
}

ServiceHarness::ServiceHarness(HarnessOptions options)
    : options_(std::move(options)), clock_(options_.start) {}

absl::StatusOr<std::unique_ptr<ServiceHarness>> ServiceHarness::Create(HarnessOptions options) {
  std::unique_ptr<ServiceHarness> harness(new ServiceHarness(std::move(options)));
  RETURN_IF_ERROR(harness->SetUpDatabase());
  RETURN_IF_ERROR(harness->SetUpCache());
  return harness;
}

absl::Status ServiceHarness::SetUpDatabase() {
  if (options_.migrations == nullptr) return absl::OkStatus();
  ASSIGN_OR_RETURN(test_db_, TestDatabase::Create(options_.database));
  ASSIGN_OR_RETURN(db_, test_db_->Open());
  return store::ApplyMigrations(*db_, *options_.migrations);
}

absl::Status ServiceHarness::SetUpCache() {
  cache::RedisCacheOptions redis;
  redis.max_connections = options_.redis_max_connections;
  switch (options_.cache) {
    case CacheKind::kNone:
      return absl::OkStatus();
    case CacheKind::kFake: {
      auto fake = std::make_unique<cache::FakeCache>();
      fake_cache_ = fake.get();
      cache_ = std::move(fake);
      return absl::OkStatus();
    }
    case CacheKind::kPrivateRedis: {
      ASSIGN_OR_RETURN(private_redis_, RedisServer::Start());
      redis.address = private_redis_->address();
      // Short cool-downs, so that the client finds a restarted Redis at once.
      redis.initial_cooldown = absl::Milliseconds(20);
      redis.max_cooldown = absl::Milliseconds(100);
      break;
    }
    case CacheKind::kSharedRedis:
      redis.address = TestRedisAddress();
      break;
  }
  ASSIGN_OR_RETURN(std::unique_ptr<cache::RedisCache> client, cache::RedisCache::Create(redis));
  // Without a Redis these would silently become Redis-down tests.
  absl::Status ping = client->Ping({});
  if (!ping.ok()) {
    return absl::FailedPreconditionError(
        absl::StrCat("no Redis at ", redis.address, ": ", ping.message()));
  }
  cache_ = std::move(client);
  return absl::OkStatus();
}

ServiceHarness::~ServiceHarness() {
  Stop();
  // The server's own account of failed calls: the only place an INTERNAL
  // error's real message appears.
  if (::testing::Test::HasFailure()) {
    for (const std::string& line : CallLog()) {
      if (!absl::StrContains(line, "\"code\":\"OK\"")) std::cerr << "server: " << line;
    }
  }
  server_.reset();
  services_.clear();
  cache_.reset();
  db_.reset();
  test_db_.reset();
}

absl::Status ServiceHarness::Serve(absl::string_view name, std::unique_ptr<grpc::Service> service,
                                   bool start) {
  if (server_ != nullptr) return absl::FailedPreconditionError("the server is already serving");
  registrations_.push_back({std::string(name), service.get()});
  services_.push_back(std::move(service));
  if (!start) return absl::OkStatus();
  server::ServerOptions server_options;
  server_options.verifier = std::make_shared<auth::TokenVerifier>(options_.secret);
  server_options.metrics_address = "";
  server_options.shutdown_grace = absl::Seconds(2);
  server_options.call_log = [this](absl::string_view line) {
    absl::MutexLock lock(&log_mu_);
    call_log_.emplace_back(line);
  };
  if (options_.server_options) options_.server_options(server_options);
  ASSIGN_OR_RETURN(server_, server::Server::Start(std::move(server_options), registrations_));
  address_ = absl::StrCat("127.0.0.1:", server_->port());
  return absl::OkStatus();
}

std::shared_ptr<grpc::Channel> ServiceHarness::channel() const {
  return grpc::CreateChannel(address_, grpc::InsecureChannelCredentials());
}

std::string ServiceHarness::Token(absl::string_view subject, auth::Role role,
                                  std::vector<std::string> teams) const {
  auth::Principal principal;
  principal.subject = std::string(subject);
  principal.role = role;
  principal.teams = std::move(teams);
  absl::StatusOr<std::string> token =
      auth::MintToken(options_.secret, principal, absl::Hours(2), absl::Now());
  EXPECT_TRUE(token.ok()) << token.status();
  return token.ok() ? *token : std::string();
}

void ServiceHarness::Stop() {
  if (server_ == nullptr) return;
  server_->Shutdown();
}

std::vector<std::string> ServiceHarness::AwaitCallLog(size_t lines) const {
  absl::MutexLock lock(&log_mu_);
  auto enough = [this, lines]()
                    ABSL_EXCLUSIVE_LOCKS_REQUIRED(log_mu_) { return call_log_.size() >= lines; };
  log_mu_.AwaitWithTimeout(absl::Condition(&enough), absl::Seconds(10));
  return call_log_;
}

std::vector<std::string> ServiceHarness::CallLog() const {
  absl::MutexLock lock(&log_mu_);
  return call_log_;
}

}  // namespace salesteam::testing
