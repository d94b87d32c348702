// Reads measured while loadgen's ingest runs: a probe calls one read RPC of
// the activity service (GetKpis, GetLeaderboard) at a fixed rate from a few
// threads on a channel of its own, as a manager's dashboard would while the
// CRM sync pours in, and records each call's latency from its scheduled
// start, so that a call that had to wait for a late predecessor is charged
// for the wait too (a closed loop would hide the queueing: coordinated
// omission). Progress lines and the summary show count, errors and
// p50/p99/max.
//
// The requests are built by pure functions (KpisProbeRequest,
// LeaderboardProbeRequest) so that what is asked can be tested without a
// server.
#ifndef SALESTEAM_TOOLS_LOADGEN_PROBER_H_
#define SALESTEAM_TOOLS_LOADGEN_PROBER_H_

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/random/random.h"
#include "absl/status/status.h"
#include "absl/synchronization/mutex.h"
#include "absl/synchronization/notification.h"
#include "absl/time/time.h"
#include "common/auth/auth.h"
#include "grpcpp/channel.h"
#include "salesteam/activity/v1/activity.pb.h"
#include "tools/loadgen/generator.h"

namespace salesteam::loadgen {

// Bearer tokens for the activity service.
using TokenSource = std::function<absl::StatusOr<std::string>()>;

// One call of a probe: the n-th of the run (0, 1, ...), with the calling
// thread's random generator. Returns the call's status.
using ProbeCall = std::function<absl::Status(int64_t n, absl::BitGen& bitgen)>;

struct ProbeSpec {
  // What the lines say, e.g. "GetKpis".
  std::string name;
  // Calls per second in all; must be > 0.
  int rate = 0;
  // Threads sharing the rate; a call slower than the interval delays only
  // its own thread's next call.
  int callers = 2;
  ProbeCall call;
};

// INVALID_ARGUMENT naming the probe: rate outside 1..100000, callers outside
// 1..64 or more than the rate, no call.
absl::Status ValidateProbeSpec(const ProbeSpec& spec);

// A probe's results over a run.
struct ProbeSummary {
  std::string name;
  int rate = 0;
  absl::Duration elapsed;
  int64_t calls = 0;
  int64_t errors = 0;
  std::map<int, int64_t> errors_by_code;
  std::string first_error;
  // Latencies from each call's scheduled start, in ms, ascending.
  std::vector<double> latencies_ms;

  double CallsPerSecond() const;
  // The p-th (0..1) latency in ms; 0 without calls.
  double LatencyPercentile(double p) const;
};

// One run of a probe: its callers start when it is constructed and stop
// (after their current call) on Stop() or destruction. Thread-safe.
class PacedProbe {
 public:
  explicit PacedProbe(ProbeSpec spec);
  ~PacedProbe();
  PacedProbe(const PacedProbe&) = delete;
  PacedProbe& operator=(const PacedProbe&) = delete;

  // Waits for the callers to finish their calls; idempotent.
  void Stop();

  const std::string& name() const { return spec_.name; }
  int64_t calls() const;
  int64_t errors() const;
  // Latencies (ms) of the calls finished after the first `from`.
  std::vector<double> LatenciesSince(size_t from) const;
  ProbeSummary Summary() const;

 private:
  void RunCaller(int caller);

  const ProbeSpec spec_;
  const absl::Time start_;
  absl::Notification stop_;
  std::vector<std::thread> threads_;
  bool stopped_ = false;  // touched by Stop's caller only
  absl::Time stopped_at_;

  mutable absl::Mutex mu_;
  int64_t next_call_ ABSL_GUARDED_BY(mu_) = 0;
  int64_t errors_ ABSL_GUARDED_BY(mu_) = 0;
  std::map<int, int64_t> errors_by_code_ ABSL_GUARDED_BY(mu_);
  std::string first_error_ ABSL_GUARDED_BY(mu_);
  std::vector<double> latencies_ms_ ABSL_GUARDED_BY(mu_);
};

// The n-th GetKpis of a dashboard: even n a member's KPIs (the rep picked by
// `random`), odd n a team's (the team picked by `random`), over the last 7
// days ([today - 6, today + 1) in the team's zone at `now`) by day. The
// roster needs at least one team and one member.
activity::v1::GetKpisRequest KpisProbeRequest(const LoadRoster& roster, int64_t n, uint64_t random,
                                              absl::Time now);

// A team's (picked by `random`) top 10 by won value over the last 7 days, as
// KpisProbeRequest counts them.
activity::v1::GetLeaderboardRequest LeaderboardProbeRequest(const LoadRoster& roster,
                                                            uint64_t random, absl::Time now);

// A plaintext channel to `address` on a TCP connection of its own (not
// shared with the workers' channels).
std::shared_ptr<grpc::Channel> OpenProbeChannel(const std::string& address,
                                                const std::string& name);

// Tokens for `principal`, minted with `secret` and renewed well before they
// expire (a run may outlast one token).
TokenSource RenewingTokenSource(std::string secret, auth::Principal principal);

// Probe calls over `channel` with a bearer token from `token`, each with
// `deadline`; `roster` must outlive them.
ProbeCall NewKpisProbeCall(std::shared_ptr<grpc::Channel> channel, TokenSource token,
                           const LoadRoster* roster, absl::Duration deadline);
ProbeCall NewLeaderboardProbeCall(std::shared_ptr<grpc::Channel> channel, TokenSource token,
                                  const LoadRoster* roster, absl::Duration deadline);

}  // namespace salesteam::loadgen

#endif  // SALESTEAM_TOOLS_LOADGEN_PROBER_H_
