// The roster's speed goals, measured over real gRPC on this machine
// (docs/benchmarks.md):
//   1. BatchGetMembers of 100 ids answered from the Redis cache: p99 under
//      2 ms with 8 concurrent callers.
//   2. GetMember throughput at least 50% of an empty unary RPC (the test
//      EchoService) served by the same server framework in the same process,
//      measured alternately in the same run.
// It starts a private redis-server (or uses --redis), a SQLite database in a
// temp folder (or --database_url), one server with both services, and seeds
// --members members. Exits 2 when a goal is missed.
#include <algorithm>
#include <atomic>
#include <cstdio>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include <grpcpp/grpcpp.h>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/random/random.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"
#include "common/auth/auth.h"
#include "common/cache/redis_cache.h"
#include "common/server/server.h"
#include "common/server/testing/echo_service.h"
#include "common/store/database.h"
#include "common/store/migrations.h"
#include "common/testing/service_harness.h"
#include "common/testing/test_env.h"
#include "roster_migrations.h"
#include "services/roster/roster_service.h"

ABSL_FLAG(std::string, redis, "private",
          "private: a redis-server of the benchmark's own; shared: SALESTEAM_TEST_REDIS");
ABSL_FLAG(std::string, database, "sqlite",
          "sqlite: a file in a temp folder; postgres: a new database on SALESTEAM_TEST_POSTGRES");
ABSL_FLAG(int, members, 2000, "members to seed");
ABSL_FLAG(int, callers, 8, "concurrent callers, each on its own channel");
ABSL_FLAG(int, batch, 100, "ids per BatchGetMembers");
ABSL_FLAG(absl::Duration, duration, absl::Seconds(5), "length of each measurement");
ABSL_FLAG(int, paced_rate, 400,
          "BatchGetMembers calls/s in all for the paced measurement (callers share it evenly); "
          "0 skips it");
ABSL_FLAG(int, rounds, 3, "alternating GetMember / empty-RPC rounds; the best of each counts");

namespace salesteam::roster {
namespace {

namespace echopb = ::salesteam::testing::v1;
namespace rosterpb = ::salesteam::roster::v1;

constexpr char kSecret[] = "roster-benchmark-secret-of-at-least-32-bytes";

int Fail(const absl::Status& status, absl::string_view what) {
  std::fprintf(stderr, "roster_benchmark: %s: %s\n", std::string(what).c_str(),
               status.ToString().c_str());
  return 1;
}

std::shared_ptr<grpc::Channel> NewChannel(int port, int index) {
  grpc::ChannelArguments args;
  // A connection per caller, as separate client processes would have.
  args.SetInt("salesteam.benchmark_channel", index);
  args.SetInt(GRPC_ARG_USE_LOCAL_SUBCHANNEL_POOL, 1);
  return grpc::CreateCustomChannel(absl::StrCat("127.0.0.1:", port),
                                   grpc::InsecureChannelCredentials(), args);
}

// Runs `call` (returns false on error) from `callers` threads for `duration`;
// returns every latency in microseconds and counts errors. With `rate` 0
// each caller calls back to back (closed loop: the machine saturates and
// latency is mostly queueing); otherwise each caller starts its calls on a
// fixed schedule of rate / callers per second, and latency counts from the
// scheduled start, so a late call is charged for its wait too.
template <typename Call>
std::vector<double> Drive(int callers, absl::Duration duration, std::atomic<int64_t>& errors,
                          Call call, int rate = 0) {
  std::vector<std::vector<double>> per_thread(callers);
  std::vector<std::thread> threads;
  const absl::Time end = absl::Now() + duration;
  for (int t = 0; t < callers; ++t) {
    threads.emplace_back([&, t] {
      absl::BitGen bitgen;
      const absl::Duration interval =
          rate > 0 ? absl::Seconds(1) * callers / rate : absl::ZeroDuration();
      // Callers start spread over one interval, not in lockstep.
      absl::Time next = absl::Now() + interval * t / callers;
      while (absl::Now() < end) {
        absl::Time start = absl::Now();
        if (rate > 0) {
          if (next > start) absl::SleepFor(next - start);
          start = next;
          next += interval;
        }
        if (!call(t, bitgen)) errors.fetch_add(1);
        per_thread[t].push_back(absl::ToDoubleMicroseconds(absl::Now() - start));
      }
    });
  }
  for (std::thread& thread : threads) thread.join();
  std::vector<double> all;
  for (const std::vector<double>& latencies : per_thread) {
    all.insert(all.end(), latencies.begin(), latencies.end());
  }
  std::sort(all.begin(), all.end());
  return all;
}

double Percentile(const std::vector<double>& sorted, double p) {
  if (sorted.empty()) return 0;
  return sorted[std::min(sorted.size() - 1, static_cast<size_t>(p * sorted.size()))];
}

int Run() {
  const int callers = absl::GetFlag(FLAGS_callers);
  const absl::Duration duration = absl::GetFlag(FLAGS_duration);

  using salesteam::testing::CacheKind;
  using salesteam::testing::DatabaseKind;
  const std::string database = absl::GetFlag(FLAGS_database);
  const std::string redis = absl::GetFlag(FLAGS_redis);
  if ((database != "sqlite" && database != "postgres") ||
      (redis != "private" && redis != "shared")) {
    return Fail(
        absl::InvalidArgumentError("--database: sqlite or postgres; --redis: private or shared"),
        "flags");
  }
  absl::StatusOr<std::unique_ptr<salesteam::testing::ServiceHarness>> harness =
      salesteam::testing::ServiceHarness::Create(
          {.database = database == "postgres" ? DatabaseKind::kPostgres : DatabaseKind::kSqlite,
           .migrations = &migrations::roster(),
           .cache = redis == "private" ? CacheKind::kPrivateRedis : CacheKind::kSharedRedis,
           .redis_max_connections = callers * 2,
           .secret = kSecret,
           .server_options = [](server::ServerOptions& options) {
             options.call_log = [](absl::string_view) {};  // the log is not what is measured
           }});
  if (!harness.ok()) return Fail(harness.status(), "harness");
  salesteam::testing::ServiceHarness& host = **harness;
  if (absl::Status served = host.Serve(
          v1::RosterService::service_full_name(),
          std::make_unique<RosterServiceImpl>(&host.db(), &host.cache(),
                                              RosterServiceOptions{.page_token_key = kSecret}),
          /*start=*/false);
      !served.ok()) {
    return Fail(served, "server");
  }
  if (absl::Status served = host.Serve(echopb::EchoService::service_full_name(),
                                       std::make_unique<server::testing::EchoServiceImpl>());
      !served.ok()) {
    return Fail(served, "server");
  }
  const int port = host.server().port();

  const absl::Time now = absl::Now();
  const std::string admin =
      *auth::MintToken(kSecret, {.subject = "bench-admin", .role = auth::Role::kAdmin, .teams = {}},
                       absl::Hours(1), now);
  const std::string service =
      *auth::MintToken(kSecret, {.subject = "activity", .role = auth::Role::kService, .teams = {}},
                       absl::Hours(1), now);

  // Seed one team and its members through the API.
  std::unique_ptr<v1::RosterService::Stub> seeder =
      v1::RosterService::NewStub(NewChannel(port, -1));
  std::string team_id;
  {
    grpc::ClientContext context;
    auth::AttachBearerToken(context, admin);
    v1::CreateTeamRequest request;
    v1::CreateTeamResponse response;
    rosterpb::Team& team = *request.mutable_team();
    team.set_name("Benchmark team");
    team.set_time_zone("Europe/Berlin");
    team.set_currency_code("EUR");
    team.set_sales_model(rosterpb::SALES_MODEL_ASSEMBLY_LINE);
    team.mutable_expectation_policy()->set_min_attainment_bps(8000);
    team.mutable_expectation_policy()->set_consecutive_periods(2);
    grpc::Status status = seeder->CreateTeam(&context, request, &response);
    if (!status.ok()) return Fail(absl::InternalError(status.error_message()), "CreateTeam");
    team_id = response.team().id();
  }
  std::vector<std::string> ids;
  const rosterpb::MemberRole roles[] = {
      rosterpb::MEMBER_ROLE_LEAD_GENERATION, rosterpb::MEMBER_ROLE_SALES_DEVELOPMENT,
      rosterpb::MEMBER_ROLE_ACCOUNT_EXECUTIVE, rosterpb::MEMBER_ROLE_CUSTOMER_SUCCESS};
  for (int i = 0; i < absl::GetFlag(FLAGS_members); ++i) {
    grpc::ClientContext context;
    auth::AttachBearerToken(context, admin);
    v1::CreateMemberRequest request;
    v1::CreateMemberResponse response;
    request.set_team_id(team_id);
    request.set_role(roles[i % 4]);
    rosterpb::Member& member = *request.mutable_member();
    member.set_name(absl::StrCat("Rep ", i));
    member.set_email(absl::StrCat("rep", i, "@bench.example"));
    member.set_archetype(rosterpb::ARCHETYPE_PRODUCER);
    member.set_value_tier(1 + i % 3);
    for (int s = 1; s <= 7; ++s) {
      rosterpb::SkillLevel* skill = member.add_skills();
      skill->set_skill(static_cast<rosterpb::Skill>(s));
      skill->set_level(1 + (i + s) % 5);
    }
    member.add_motivators(rosterpb::MOTIVATOR_MONEY);
    member.add_motivators(rosterpb::MOTIVATOR_GROWTH);
    rosterpb::ContactChannel* channel = member.add_contact_channels();
    channel->set_kind(rosterpb::CONTACT_CHANNEL_KIND_EMAIL);
    channel->set_address(member.email());
    channel->set_preferred(true);
    member.mutable_hire_date()->set_year(2024);
    member.mutable_hire_date()->set_month(1 + i % 12);
    member.mutable_hire_date()->set_day(1 + i % 28);
    grpc::Status status = seeder->CreateMember(&context, request, &response);
    if (!status.ok()) return Fail(absl::InternalError(status.error_message()), "CreateMember");
    ids.push_back(response.member().id());
  }

  std::vector<std::unique_ptr<v1::RosterService::Stub>> roster_stubs;
  std::vector<std::unique_ptr<echopb::EchoService::Stub>> echo_stubs;
  for (int t = 0; t < callers; ++t) {
    std::shared_ptr<grpc::Channel> channel = NewChannel(port, t);
    roster_stubs.push_back(v1::RosterService::NewStub(channel));
    echo_stubs.push_back(echopb::EchoService::NewStub(channel));
  }
  const int batch = absl::GetFlag(FLAGS_batch);
  auto batch_get = [&](int t, absl::BitGen& bitgen) {
    grpc::ClientContext context;
    auth::AttachBearerToken(context, service);
    v1::BatchGetMembersRequest request;
    for (int i = 0; i < batch; ++i) {
      request.add_member_ids(ids[absl::Uniform<size_t>(bitgen, 0, ids.size())]);
    }
    v1::BatchGetMembersResponse response;
    return roster_stubs[t]->BatchGetMembers(&context, request, &response).ok() &&
           response.missing_member_ids().empty();
  };
  auto get_member = [&](int t, absl::BitGen& bitgen) {
    grpc::ClientContext context;
    auth::AttachBearerToken(context, service);
    v1::GetMemberRequest request;
    request.set_member_id(ids[absl::Uniform<size_t>(bitgen, 0, ids.size())]);
    v1::GetMemberResponse response;
    return roster_stubs[t]->GetMember(&context, request, &response).ok();
  };
  auto empty_rpc = [&](int t, absl::BitGen&) {
    grpc::ClientContext context;
    auth::AttachBearerToken(context, service);
    echopb::EchoRequest request;
    echopb::EchoResponse response;
    return echo_stubs[t]->Echo(&context, request, &response).ok();
  };

  std::atomic<int64_t> errors{0};
  // Warm: every member into the cache, every connection open.
  Drive(callers, absl::Seconds(1), errors, batch_get);
  Drive(callers, absl::Seconds(1), errors, empty_rpc);
  errors = 0;

  std::printf("members=%zu callers=%d batch=%d duration=%s database=%s\n", ids.size(), callers,
              batch, absl::FormatDuration(duration).c_str(), database.c_str());
  auto report = [&](const std::string& mode, const std::vector<double>& latencies) {
    std::printf(
        "BatchGetMembers(%d ids, cached), %s: %zu calls, %.0f calls/s, p50 %.3f ms, "
        "p99 %.3f ms, max %.3f ms\n",
        batch, mode.c_str(), latencies.size(), latencies.size() / absl::ToDoubleSeconds(duration),
        Percentile(latencies, 0.50) / 1000, Percentile(latencies, 0.99) / 1000,
        latencies.empty() ? 0 : latencies.back() / 1000);
    return Percentile(latencies, 0.99);
  };
  report("closed loop (saturated)", Drive(callers, duration, errors, batch_get));
  double p99 = 0;
  if (const int rate = absl::GetFlag(FLAGS_paced_rate); rate > 0) {
    p99 = report(absl::StrCat("paced at ", rate, " calls/s"),
                 Drive(callers, duration, errors, batch_get, rate));
    // The framework's own floor at the same pace: an empty RPC.
    const std::vector<double> empty = Drive(callers, duration, errors, empty_rpc, rate);
    std::printf("empty RPC, paced at %d calls/s: p50 %.3f ms, p99 %.3f ms\n", rate,
                Percentile(empty, 0.50) / 1000, Percentile(empty, 0.99) / 1000);
  }

  double best_get = 0;
  double best_empty = 0;
  for (int round = 1; round <= absl::GetFlag(FLAGS_rounds); ++round) {
    const double get_rate =
        Drive(callers, duration, errors, get_member).size() / absl::ToDoubleSeconds(duration);
    const double empty_rate =
        Drive(callers, duration, errors, empty_rpc).size() / absl::ToDoubleSeconds(duration);
    std::printf("round %d: GetMember %.0f calls/s, empty RPC %.0f calls/s (%.1f%%)\n", round,
                get_rate, empty_rate, 100 * get_rate / empty_rate);
    best_get = std::max(best_get, get_rate);
    best_empty = std::max(best_empty, empty_rate);
  }
  const double ratio = best_get / best_empty;
  std::printf("GetMember vs empty RPC (best of each): %.0f / %.0f calls/s = %.1f%%\n", best_get,
              best_empty, 100 * ratio);
  std::printf("errors: %lld\n", static_cast<long long>(errors.load()));
  const bool met = p99 < 2000 && ratio >= 0.5 && errors.load() == 0;
  std::printf("goals (paced p99 < 2 ms; >= 50%%; no errors): %s\n", met ? "met" : "MISSED");
  host.Stop();
  return met ? 0 : 2;
}

}  // namespace
}  // namespace salesteam::roster

int main(int argc, char** argv) {
  absl::ParseCommandLine(argc, argv);
  // As RunServer does for production servers (see server.cc).
  absl::SetMutexDeadlockDetectionMode(absl::OnDeadlockCycle::kIgnore);
  return salesteam::roster::Run();
}
