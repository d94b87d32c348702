// loadgen: the activity service's benchmark client. It creates teams and
// reps in the roster, then sends generated activity (generator.h) in batches
// from concurrent workers and prints throughput, batch acknowledgement
// latency and the per-item outcomes (driver.h). Usage: tools/loadgen/README.md.
//
//   --mode=stream    StreamActivities to --activity_address (the default)
//   --mode=unary     RecordActivities to --activity_address
//   --mode=direct    no activity server: this process runs the service's
//                    ingest pipeline (Ingestor) on --database_url itself
//   --compare        direct, then stream, with the same generator settings,
//                    and the ratio of the two (--rounds times, alternately);
//                    the direct phase needs a database of its own, of the
//                    same kind as the server's
//   --kpis_rate=N    while a phase talks to the server, also call GetKpis
//                    N times a second (paced) and report its latency;
//                    --leaderboard_rate likewise for GetLeaderboard
//
// Exits 1 when a call failed or when accepted + duplicate + rejected differs
// from the items sent, 2 on bad flags or a failed setup.
#include <cstdint>
#include <cstdio>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "activity_migrations.h"
#include "clients/roster/roster_client_flags.h"
#include "common/auth/auth.h"
#include "common/cache/redis_cache.h"
#include "common/cache/redis_flags.h"
#include "common/config.h"
#include "common/status.h"
#include "common/store/database_flags.h"
#include "grpcpp/create_channel.h"
#include "grpcpp/security/credentials.h"
#include "services/activity/activity_store.h"
#include "services/activity/ingest.h"
#include "services/activity/leaderboard.h"
#include "tools/loadgen/driver.h"
#include "tools/loadgen/generator.h"
#include "tools/loadgen/roster_setup.h"

// --roster_address (and TLS, deadline) are the roster client's flags.
ABSL_FLAG(std::string, activity_address, "127.0.0.1:50052",
          "host:port of the ActivityService (unary, stream and compare modes)");
ABSL_FLAG(std::string, mode, "stream",
          "unary (RecordActivities), stream (StreamActivities) or direct (the ingest pipeline "
          "in this process, on --database_url)");
ABSL_FLAG(bool, compare, false,
          "run direct, then stream, with the same generator settings and print the ratio; the "
          "direct phase ingests into --database_url, which must not be the server's (on SQLite "
          "one process owns a database): give both an empty database of the same kind");
ABSL_FLAG(int, rounds, 1,
          "compare mode: direct and stream phases, alternately, this many times each (the "
          "database grows during a run, which slows later phases)");
ABSL_FLAG(int, teams, 4, "teams to create (island and assembly-line, EUR and USD)");
ABSL_FLAG(int, reps, 200, "reps to create, spread over the teams");
ABSL_FLAG(bool, reuse_teams, false,
          "use the roster's existing \"loadgen ...\" teams and their active members instead of "
          "creating new ones");
ABSL_FLAG(std::string, run_id, "",
          "names this run's teams and keys its activity ids; empty: random. The same --seed and "
          "--run_id with --reuse_teams resend the same items (all DUPLICATE)");
ABSL_FLAG(uint64_t, seed, 1, "seed of the activity generator");
ABSL_FLAG(std::string, mix,
          "calls=40,emails=25,leads=10,follow_ups=8,meetings_scheduled=5,meetings_held=4,"
          "proposals=3,won=1,lost=1,referrals=1,partnerships=0.5,time_logged=1.5",
          "relative weights of the activity types; types not named are not sent");
ABSL_FLAG(int, days, 30, "activities occur within the last this many days (1..400)");
ABSL_FLAG(double, duplicate_rate, 0.01, "share of items that resend an earlier item's id");
ABSL_FLAG(double, bad_rate, 0.001, "share of items that are invalid on purpose");
ABSL_FLAG(int, concurrency, 4, "workers: streams or callers, each on its own connection");
ABSL_FLAG(int, batch, 1000, "items per batch (1..5000)");
ABSL_FLAG(int, window, 2, "stream mode: batches in flight per stream");
ABSL_FLAG(int64_t, events, 1000000, "items to send in all; 0: until --duration is up");
ABSL_FLAG(absl::Duration, duration, absl::ZeroDuration(),
          "stop sending after this long even if --events are not all sent; 0: no limit");
ABSL_FLAG(absl::Duration, report_every, absl::Seconds(5), "progress line interval; 0: none");
ABSL_FLAG(absl::Duration, rpc_timeout, absl::Seconds(60), "deadline of each RecordActivities");
ABSL_FLAG(int, kpis_rate, 0,
          "GetKpis calls/s (paced, as an admin's dashboard: a random rep's or team's last 7 days "
          "by day, in turn) while the ingest runs; latency counts from each call's scheduled "
          "start. Phases that talk to the server only (unary, stream, the stream phases of "
          "--compare); 0: off");
ABSL_FLAG(int, leaderboard_rate, 0,
          "GetLeaderboard calls/s (paced: a random team's top 10 by won value over the last 7 "
          "days) while the ingest runs, like --kpis_rate; 0: off");
ABSL_FLAG(int, probe_callers, 2,
          "threads sharing each probe's rate (a slow call delays only its own thread's next)");
ABSL_FLAG(absl::Duration, probe_timeout, absl::Seconds(10),
          "deadline of each GetKpis and GetLeaderboard call of the probes");

namespace salesteam::loadgen {
namespace {

constexpr int kExitFailed = 1;
constexpr int kExitSetup = 2;

int SetupFailed(const absl::Status& status) {
  std::fprintf(stderr, "loadgen: %s\n", status.ToString().c_str());
  return kExitSetup;
}

// FNV-1a: a stable id key from the run id and phase (absl::Hash is salted
// per process, and the key must be the same in every run).
uint64_t IdKey(absl::string_view run_id, int phase) {
  uint64_t hash = 14695981039346656037ull;
  for (char c : absl::StrCat(run_id, "/", phase)) {
    hash = (hash ^ static_cast<unsigned char>(c)) * 1099511628211ull;
  }
  return hash;
}

// What the activity server builds around its Ingestor, built here instead.
struct DirectPath {
  std::unique_ptr<store::Database> db;
  std::unique_ptr<cache::RedisCache> cache;
  std::unique_ptr<clients::GrpcRosterClient> roster;
  std::unique_ptr<activity::ActivityStore> store;
  std::unique_ptr<activity::Leaderboards> leaderboards;
  std::unique_ptr<activity::Ingestor> ingestor;
};

absl::StatusOr<DirectPath> OpenDirectPath(auth::ServiceTokenSource* tokens) {
  DirectPath path;
  const store::MigrationSet& migrations = migrations::activity();
  // Like the server, direct mode owns a SQLite file while it ingests: in
  // compare mode give it a database of its own, not the server's.
  RETURN_IF_ERROR(activity::LockSqliteForIngest(store::DatabaseUrlFromFlags("activity")).status());
  ASSIGN_OR_RETURN(path.db, store::OpenDatabaseFromFlags("activity", &migrations));
  ASSIGN_OR_RETURN(path.cache, cache::RedisCache::Create(cache::RedisCacheOptionsFromFlags()));
  ASSIGN_OR_RETURN(path.roster, clients::GrpcRosterClientFromFlags(
                                    path.cache.get(), [tokens] { return tokens->Token(); }));
  path.store = std::make_unique<activity::ActivityStore>(path.db.get());
  path.leaderboards = std::make_unique<activity::Leaderboards>(path.cache.get(), path.store.get());
  path.ingestor = std::make_unique<activity::Ingestor>(
      path.store.get(), path.roster.get(), path.leaderboards.get(), [] { return absl::Now(); });
  return path;
}

void PrintRoster(const LoadRoster& roster) {
  // Teams of the same shape counted together: a reused roster may hold many.
  std::map<std::string, int> shapes;
  for (const activity::TeamFacts& team : roster.teams) {
    ++shapes[absl::StrCat(
        team.sales_model == rosterpb::SALES_MODEL_ASSEMBLY_LINE ? "assembly line" : "island", " ",
        team.zone.name(), " ", team.currency_code)];
  }
  std::vector<std::string> parts;
  for (const auto& [shape, count] : shapes) parts.push_back(absl::StrCat(count, " ", shape));
  std::printf("roster: %zu reps in %zu teams (%s)\n", roster.members.size(), roster.teams.size(),
              absl::StrJoin(parts, "; ").c_str());
}

// The phases of several rounds as one: their items over their summed time.
LoadSummary Total(const std::vector<LoadSummary>& phases) {
  LoadSummary total;
  for (const LoadSummary& phase : phases) {
    total.elapsed += phase.elapsed;
    total.counts.sent += phase.counts.sent;
    total.counts.accepted += phase.counts.accepted;
  }
  return total;
}

void PrintComparison(const std::string& what, const LoadSummary& grpc, const LoadSummary& direct) {
  auto percent = [](double a, double b) { return b > 0 ? 100 * a / b : 0.0; };
  std::printf(
      "compare (%s): accepted items/s gRPC stream %.0f / direct %.0f = %.1f%%; sent items/s "
      "%.0f / %.0f = %.1f%%\n",
      what.c_str(), grpc.AcceptedPerSecond(), direct.AcceptedPerSecond(),
      percent(grpc.AcceptedPerSecond(), direct.AcceptedPerSecond()), grpc.SentPerSecond(),
      direct.SentPerSecond(), percent(grpc.SentPerSecond(), direct.SentPerSecond()));
  std::fflush(stdout);
}

int Run() {
  absl::StatusOr<Mode> mode = ParseMode(absl::GetFlag(FLAGS_mode));
  if (!mode.ok()) return SetupFailed(mode.status());
  const bool compare = absl::GetFlag(FLAGS_compare);
  absl::StatusOr<ActivityMix> mix = ParseMix(absl::GetFlag(FLAGS_mix));
  if (!mix.ok()) return SetupFailed(mix.status());

  LoadOptions load;
  load.concurrency = absl::GetFlag(FLAGS_concurrency);
  load.batch = absl::GetFlag(FLAGS_batch);
  load.window = absl::GetFlag(FLAGS_window);
  load.events = absl::GetFlag(FLAGS_events);
  load.duration = absl::GetFlag(FLAGS_duration);
  load.report_every = absl::GetFlag(FLAGS_report_every);
  load.rpc_timeout = absl::GetFlag(FLAGS_rpc_timeout);
  load.generator.seed = absl::GetFlag(FLAGS_seed);
  load.generator.mix = *mix;
  load.generator.days = absl::GetFlag(FLAGS_days);
  load.generator.duplicate_rate = absl::GetFlag(FLAGS_duplicate_rate);
  load.generator.bad_rate = absl::GetFlag(FLAGS_bad_rate);
  load.generator.now = absl::Now();
  if (absl::Status valid = ValidateLoadOptions(load); !valid.ok()) return SetupFailed(valid);

  const int kpis_rate = absl::GetFlag(FLAGS_kpis_rate);
  const int leaderboard_rate = absl::GetFlag(FLAGS_leaderboard_rate);
  if (kpis_rate < 0 || leaderboard_rate < 0) {
    return SetupFailed(absl::InvalidArgumentError("--kpis_rate, --leaderboard_rate: must be >= 0"));
  }
  if ((kpis_rate > 0 || leaderboard_rate > 0) && *mode == Mode::kDirect && !compare) {
    // Direct mode has no server to read from, and reading the store it
    // ingests into would measure something other than the RPC.
    return SetupFailed(absl::InvalidArgumentError(
        "--kpis_rate, --leaderboard_rate: need an activity server (unary or stream mode, or "
        "--compare, whose stream phases they probe)"));
  }

  const int rounds = compare ? absl::GetFlag(FLAGS_rounds) : 1;
  if (rounds < 1 || rounds > 100) {
    return SetupFailed(
        absl::InvalidArgumentError(absl::StrCat("--rounds: must be 1..100, got ", rounds)));
  }

  RosterSetupOptions setup;
  setup.teams = absl::GetFlag(FLAGS_teams);
  setup.reps = absl::GetFlag(FLAGS_reps);
  setup.reuse_teams = absl::GetFlag(FLAGS_reuse_teams);
  setup.run_id = absl::GetFlag(FLAGS_run_id);
  if (setup.run_id.empty()) setup.run_id = NewRunId();
  if (absl::Status valid = ValidateRosterSetupOptions(setup); !valid.ok()) {
    return SetupFailed(valid);
  }

  absl::StatusOr<auth::JwtSecret> secret = auth::LoadJwtSecret();
  if (!secret.ok()) return SetupFailed(secret.status());
  absl::StatusOr<std::string> admin_token = auth::MintToken(
      secret->value, {.subject = "loadgen", .role = auth::Role::kAdmin, .teams = {}},
      absl::Hours(1), absl::Now());
  if (!admin_token.ok()) return SetupFailed(admin_token.status());
  // Calls to the activity service (and the direct path's roster lookups)
  // carry a service token: loadgen stands in for the CRM sync.
  auth::ServiceTokenSource tokens(secret->value, "loadgen");
  const TokenSource token = [&tokens] { return tokens.Token(); };

  std::printf("loadgen: run %s, seed %llu, mix %s\n", setup.run_id.c_str(),
              static_cast<unsigned long long>(load.generator.seed), FormatMix(*mix).c_str());
  std::unique_ptr<roster::v1::RosterService::Stub> roster_stub =
      roster::v1::RosterService::NewStub(grpc::CreateChannel(
          clients::RosterPeerOptionsFromFlags().address, grpc::InsecureChannelCredentials()));
  const absl::Time setup_start = absl::Now();
  absl::StatusOr<LoadRoster> roster = SetUpRoster(*roster_stub, *admin_token, setup);
  if (!roster.ok()) return SetupFailed(roster.status());
  PrintRoster(*roster);
  std::printf("roster set up in %.1f s\n", absl::ToDoubleSeconds(absl::Now() - setup_start));
  std::fflush(stdout);

  // The targets, built once for every round.
  std::optional<DirectPath> direct;
  std::unique_ptr<Target> direct_target;
  if (compare || *mode == Mode::kDirect) {
    absl::StatusOr<DirectPath> opened = OpenDirectPath(&tokens);
    if (!opened.ok()) return SetupFailed(opened.status());
    direct = *std::move(opened);
    std::printf("direct: the ingest pipeline on the %s database at --database_url\n",
                std::string(store::DialectName(direct->db->dialect())).c_str());
    direct_target = NewDirectTarget(
        direct->ingestor.get(), {.subject = "loadgen", .role = auth::Role::kService, .teams = {}});
  }
  const Mode grpc_mode = compare ? Mode::kStream : *mode;
  std::unique_ptr<Target> grpc_target;
  std::vector<ProbeSpec> probes;
  if (compare || *mode != Mode::kDirect) {
    const std::string address = absl::GetFlag(FLAGS_activity_address);
    std::printf("%s: ActivityService at %s\n", std::string(ModeName(grpc_mode)).c_str(),
                address.c_str());
    std::vector<std::shared_ptr<grpc::Channel>> channels =
        OpenWorkerChannels(address, load.concurrency);
    grpc_target = grpc_mode == Mode::kStream
                      ? NewStreamTarget(std::move(channels), token, load.window)
                      : NewUnaryTarget(std::move(channels), token, load.rpc_timeout);

    // The probes read as an admin (every team), each on a connection of its own.
    const TokenSource admin = RenewingTokenSource(
        secret->value, {.subject = "loadgen", .role = auth::Role::kAdmin, .teams = {}});
    const int callers = absl::GetFlag(FLAGS_probe_callers);
    const absl::Duration probe_timeout = absl::GetFlag(FLAGS_probe_timeout);
    if (kpis_rate > 0) {
      probes.push_back({.name = "GetKpis",
                        .rate = kpis_rate,
                        .callers = callers,
                        .call = NewKpisProbeCall(OpenProbeChannel(address, "kpis"), admin, &*roster,
                                                 probe_timeout)});
    }
    if (leaderboard_rate > 0) {
      probes.push_back({.name = "GetLeaderboard",
                        .rate = leaderboard_rate,
                        .callers = callers,
                        .call = NewLeaderboardProbeCall(OpenProbeChannel(address, "leaderboard"),
                                                        admin, &*roster, probe_timeout)});
    }
    for (const ProbeSpec& probe : probes) {
      if (absl::Status valid = ValidateProbeSpec(probe); !valid.ok()) return SetupFailed(valid);
      std::printf("probe: %s at %d calls/s from %d threads during the %s phases\n",
                  probe.name.c_str(), probe.rate, probe.callers,
                  std::string(ModeName(grpc_mode)).c_str());
    }
  }
  std::fflush(stdout);

  // Every phase gets its own ids: the same content resent under an earlier
  // phase's ids would be all duplicates.
  int phase_number = 0;
  auto run_phase = [&](Mode phase_mode, Target& target, int round,
                       const std::vector<ProbeSpec>& phase_probes) -> absl::StatusOr<LoadSummary> {
    LoadOptions phase = load;
    // One `now` for every phase (set above), so that the phases send the
    // same content: the generator's choices depend on it.
    phase.generator.id_key = IdKey(setup.run_id, phase_number++);
    std::string label(ModeName(phase_mode));
    if (rounds > 1) absl::StrAppend(&label, " round ", round);
    ASSIGN_OR_RETURN(LoadSummary summary,
                     RunLoad(label, target, *roster, phase, stdout, phase_probes));
    PrintSummary(summary, phase_mode, phase, stdout);
    return summary;
  };
  std::vector<LoadSummary> direct_summaries;
  std::vector<LoadSummary> grpc_summaries;
  for (int round = 1; round <= rounds; ++round) {
    if (direct_target != nullptr) {
      absl::StatusOr<LoadSummary> summary = run_phase(Mode::kDirect, *direct_target, round, {});
      if (!summary.ok()) return SetupFailed(summary.status());
      direct_summaries.push_back(*std::move(summary));
    }
    if (grpc_target != nullptr) {
      absl::StatusOr<LoadSummary> summary = run_phase(grpc_mode, *grpc_target, round, probes);
      if (!summary.ok()) return SetupFailed(summary.status());
      grpc_summaries.push_back(*std::move(summary));
    }
    if (compare) {
      PrintComparison(absl::StrCat("round ", round), grpc_summaries.back(),
                      direct_summaries.back());
    }
  }
  if (compare && rounds > 1) {
    PrintComparison("all rounds", Total(grpc_summaries), Total(direct_summaries));
  }

  std::vector<LoadSummary> summaries = direct_summaries;
  summaries.insert(summaries.end(), grpc_summaries.begin(), grpc_summaries.end());
  bool ok = true;
  for (const LoadSummary& summary : summaries) ok = ok && summary.ok();
  std::printf("result: %s\n", ok ? "ok" : "FAILED (errors, or answers missing)");
  return ok ? 0 : kExitFailed;
}

}  // namespace
}  // namespace salesteam::loadgen

int main(int argc, char** argv) {
  salesteam::ParseFlagsWithEnv(argc, argv);
  // The deadlock detector costs every lock; the servers switch it off
  // (common/server/server.cc), so the pipeline direct mode runs must too.
  absl::SetMutexDeadlockDetectionMode(absl::OnDeadlockCycle::kIgnore);
  return salesteam::loadgen::Run();
}
