#include "tools/loadgen/prober.h"

#include <algorithm>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "common/status.h"
#include "common/time/date.h"
#include "grpcpp/client_context.h"
#include "grpcpp/create_channel.h"
#include "grpcpp/security/credentials.h"
#include "grpcpp/support/channel_arguments.h"
#include "salesteam/activity/v1/activity.grpc.pb.h"

namespace salesteam::loadgen {
namespace {

namespace activityv1 = ::salesteam::activity::v1;

// A dashboard's usual window: this week so far and the days before it.
constexpr int kProbeDays = 7;

// [today - 6, today + 1) in `zone`: the last 7 days, today included.
template <typename Request>
void SetLastDays(absl::TimeZone zone, absl::Time now, Request* request) {
  const periods::Date today = absl::ToCivilDay(now, zone);
  periods::DateToProto(today - (kProbeDays - 1), request->mutable_start_date());
  periods::DateToProto(today + 1, request->mutable_end_date());
}

double Percentile(const std::vector<double>& sorted, double p) {
  if (sorted.empty()) return 0;
  return sorted[std::min(sorted.size() - 1, static_cast<size_t>(p * sorted.size()))];
}

// Sets the bearer token and deadline of one probe call.
absl::Status Prepare(const TokenSource& token, absl::Duration deadline,
                     grpc::ClientContext& context) {
  ASSIGN_OR_RETURN(std::string bearer, token());
  auth::AttachBearerToken(context, bearer);
  context.set_deadline(absl::ToChronoTime(absl::Now() + deadline));
  return absl::OkStatus();
}

}  // namespace

absl::Status ValidateProbeSpec(const ProbeSpec& spec) {
  if (spec.rate < 1 || spec.rate > 100000) {
    return absl::InvalidArgumentError(
        absl::StrCat(spec.name, " probe: rate must be 1..100000 calls/s, got ", spec.rate));
  }
  if (spec.callers < 1 || spec.callers > 64 || spec.callers > spec.rate) {
    return absl::InvalidArgumentError(
        absl::StrCat(spec.name, " probe: callers must be 1..64 and at most the rate (", spec.rate,
                     "), got ", spec.callers));
  }
  if (!spec.call) return absl::InvalidArgumentError(absl::StrCat(spec.name, " probe: no call"));
  return absl::OkStatus();
}

double ProbeSummary::CallsPerSecond() const {
  const double seconds = absl::ToDoubleSeconds(elapsed);
  return seconds > 0 ? calls / seconds : 0;
}

double ProbeSummary::LatencyPercentile(double p) const { return Percentile(latencies_ms, p); }

PacedProbe::PacedProbe(ProbeSpec spec) : spec_(std::move(spec)), start_(absl::Now()) {
  for (int t = 0; t < spec_.callers; ++t) {
    threads_.emplace_back([this, t] { RunCaller(t); });
  }
}

PacedProbe::~PacedProbe() { Stop(); }

void PacedProbe::Stop() {
  if (stopped_) return;
  stopped_ = true;
  stop_.Notify();
  for (std::thread& thread : threads_) thread.join();
  stopped_at_ = absl::Now();
}

void PacedProbe::RunCaller(int caller) {
  absl::BitGen bitgen;
  const absl::Duration interval = absl::Seconds(1) * spec_.callers / spec_.rate;
  // Callers start spread over one interval, not in lockstep.
  absl::Time scheduled = start_ + interval * caller / spec_.callers;
  while (true) {
    // Sleeps until the scheduled start, or not at all when behind.
    if (stop_.WaitForNotificationWithTimeout(scheduled - absl::Now())) return;
    int64_t n;
    {
      absl::MutexLock lock(&mu_);
      n = next_call_++;
    }
    const absl::Status status = spec_.call(n, bitgen);
    const double latency_ms = absl::ToDoubleMilliseconds(absl::Now() - scheduled);
    scheduled += interval;
    absl::MutexLock lock(&mu_);
    latencies_ms_.push_back(latency_ms);
    if (!status.ok()) {
      ++errors_;
      ++errors_by_code_[static_cast<int>(status.code())];
      if (first_error_.empty()) first_error_ = status.ToString();
    }
  }
}

int64_t PacedProbe::calls() const {
  absl::MutexLock lock(&mu_);
  return static_cast<int64_t>(latencies_ms_.size());
}

int64_t PacedProbe::errors() const {
  absl::MutexLock lock(&mu_);
  return errors_;
}

std::vector<double> PacedProbe::LatenciesSince(size_t from) const {
  absl::MutexLock lock(&mu_);
  if (from >= latencies_ms_.size()) return {};
  return std::vector<double>(latencies_ms_.begin() + from, latencies_ms_.end());
}

ProbeSummary PacedProbe::Summary() const {
  ProbeSummary summary;
  summary.name = spec_.name;
  summary.rate = spec_.rate;
  summary.elapsed = (stopped_ ? stopped_at_ : absl::Now()) - start_;
  absl::MutexLock lock(&mu_);
  summary.calls = static_cast<int64_t>(latencies_ms_.size());
  summary.errors = errors_;
  summary.errors_by_code = errors_by_code_;
  summary.first_error = first_error_;
  summary.latencies_ms = latencies_ms_;
  std::sort(summary.latencies_ms.begin(), summary.latencies_ms.end());
  return summary;
}

activityv1::GetKpisRequest KpisProbeRequest(const LoadRoster& roster, int64_t n, uint64_t random,
                                            absl::Time now) {
  activityv1::GetKpisRequest request;
  int team;
  if (n % 2 == 0) {
    const LoadRoster::Member& member = roster.members[random % roster.members.size()];
    request.set_member_id(member.id);
    team = member.team;
  } else {
    team = static_cast<int>(random % roster.teams.size());
    request.set_team_id(roster.teams[team].id);
  }
  SetLastDays(roster.teams[team].zone, now, &request);
  request.set_bucket(activityv1::KPI_BUCKET_DAY);
  return request;
}

activityv1::GetLeaderboardRequest LeaderboardProbeRequest(const LoadRoster& roster, uint64_t random,
                                                          absl::Time now) {
  const activity::TeamFacts& team = roster.teams[random % roster.teams.size()];
  activityv1::GetLeaderboardRequest request;
  request.set_team_id(team.id);
  request.set_metric(activityv1::LEADERBOARD_METRIC_WON_VALUE);
  SetLastDays(team.zone, now, &request);
  request.set_top_n(10);
  return request;
}

std::shared_ptr<grpc::Channel> OpenProbeChannel(const std::string& address,
                                                const std::string& name) {
  grpc::ChannelArguments args;
  // A private subchannel pool and a distinct argument: a connection of its
  // own, so that the probe's calls do not queue behind the workers' batches.
  args.SetString("salesteam.loadgen_probe", name);
  args.SetInt(GRPC_ARG_USE_LOCAL_SUBCHANNEL_POOL, 1);
  return grpc::CreateCustomChannel(address, grpc::InsecureChannelCredentials(), args);
}

TokenSource RenewingTokenSource(std::string secret, auth::Principal principal) {
  struct State {
    absl::Mutex mu;
    std::string token ABSL_GUARDED_BY(mu);
    absl::Time renew_at ABSL_GUARDED_BY(mu) = absl::InfinitePast();
  };
  auto state = std::make_shared<State>();
  return [state, secret = std::move(secret),
          principal = std::move(principal)]() -> absl::StatusOr<std::string> {
    constexpr absl::Duration kTtl = absl::Hours(1);
    const absl::Time now = absl::Now();
    absl::MutexLock lock(&state->mu);
    if (now >= state->renew_at) {
      ASSIGN_OR_RETURN(state->token, auth::MintToken(secret, principal, kTtl, now));
      state->renew_at = now + kTtl / 2;
    }
    return state->token;
  };
}

ProbeCall NewKpisProbeCall(std::shared_ptr<grpc::Channel> channel, TokenSource token,
                           const LoadRoster* roster, absl::Duration deadline) {
  std::shared_ptr<activityv1::ActivityService::Stub> stub =
      activityv1::ActivityService::NewStub(channel);
  return [stub, token = std::move(token), roster, deadline](int64_t n,
                                                            absl::BitGen& bitgen) -> absl::Status {
    const activityv1::GetKpisRequest request =
        KpisProbeRequest(*roster, n, absl::Uniform<uint64_t>(bitgen), absl::Now());
    grpc::ClientContext context;
    RETURN_IF_ERROR(Prepare(token, deadline, context));
    activityv1::GetKpisResponse response;
    return FromGrpcStatus(stub->GetKpis(&context, request, &response));
  };
}

ProbeCall NewLeaderboardProbeCall(std::shared_ptr<grpc::Channel> channel, TokenSource token,
                                  const LoadRoster* roster, absl::Duration deadline) {
  std::shared_ptr<activityv1::ActivityService::Stub> stub =
      activityv1::ActivityService::NewStub(channel);
  return [stub, token = std::move(token), roster, deadline](int64_t,
                                                            absl::BitGen& bitgen) -> absl::Status {
    const activityv1::GetLeaderboardRequest request =
        LeaderboardProbeRequest(*roster, absl::Uniform<uint64_t>(bitgen), absl::Now());
    grpc::ClientContext context;
    RETURN_IF_ERROR(Prepare(token, deadline, context));
    activityv1::GetLeaderboardResponse response;
    return FromGrpcStatus(stub->GetLeaderboard(&context, request, &response));
  };
}

}  // namespace salesteam::loadgen
