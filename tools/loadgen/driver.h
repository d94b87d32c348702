// The measuring half of loadgen: concurrent workers, each with its own
// generator (and, over gRPC, its own channel), send batches of activities to
// a Target until --events are sent or --duration is up, while a reporter
// prints progress every few seconds; the run ends with a summary: items/s
// sent and accepted, batch acknowledgement latency (from sending a batch to
// its answer) p50/p99/max, accepted/duplicate/rejected counts (rejected by
// code) and errors (calls that failed as a whole). Probes (prober.h) read
// the service at a fixed rate while the workers send, and report beside them.
//
// Three targets:
//   unary   RecordActivities, one batch per call, one call in flight per worker
//   stream  StreamActivities, one stream per worker, numbered batches with up
//           to `window` of them unanswered at a time
//   direct  no gRPC to the activity service: Ingestor::Record (the pipeline
//           behind both RPCs) called from the worker threads on the
//           service's own store, roster directory and leaderboards
#ifndef SALESTEAM_TOOLS_LOADGEN_DRIVER_H_
#define SALESTEAM_TOOLS_LOADGEN_DRIVER_H_

#include <cstdint>
#include <cstdio>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "common/auth/auth.h"
#include "google/protobuf/repeated_ptr_field.h"
#include "grpcpp/channel.h"
#include "salesteam/activity/v1/activity.pb.h"
#include "services/activity/ingest.h"
#include "tools/loadgen/generator.h"
#include "tools/loadgen/prober.h"

namespace salesteam::loadgen {

enum class Mode { kUnary, kStream, kDirect };

// "unary", "stream", "direct"; INVALID_ARGUMENT naming --mode otherwise.
absl::StatusOr<Mode> ParseMode(absl::string_view name);
absl::string_view ModeName(Mode mode);

struct LoadOptions {
  int concurrency = 4;
  int batch = 1000;
  // Stream mode: batches in flight per stream.
  int window = 2;
  // Items to send in all (split evenly over the workers); 0: no limit.
  int64_t events = 1000000;
  // Stop sending after this long; zero: when `events` are sent.
  absl::Duration duration = absl::ZeroDuration();
  // Progress lines; zero: none.
  absl::Duration report_every = absl::Seconds(5);
  // The deadline of each RecordActivities call.
  absl::Duration rpc_timeout = absl::Seconds(60);
  // Each worker's generator gets these with `stream` set to its number.
  GeneratorOptions generator;
};

// INVALID_ARGUMENT naming the flag: concurrency outside 1..1024, batch
// outside 1..5000, window outside 1..64, events < 0, neither events nor
// duration set, a negative duration.
absl::Status ValidateLoadOptions(const LoadOptions& options);

// One worker's batches: generated on demand until its share of the events
// is sent or the run's time is up.
class BatchSource {
 public:
  // `quota` < 0: no limit.
  BatchSource(std::unique_ptr<ActivityGenerator> generator, int64_t quota, int batch,
              absl::Time end);

  // Replaces `items` with the next batch; false when there is none.
  bool Next(google::protobuf::RepeatedPtrField<activity::v1::Activity>* items);
  const ItemCounts& generated() const { return generated_; }

 private:
  std::unique_ptr<ActivityGenerator> generator_;
  int64_t remaining_;
  const int batch_;
  const absl::Time end_;
  ItemCounts generated_;
};

// What the workers saw, shared by them (thread-safe).
class LoadStats {
 public:
  struct Counts {
    int64_t sent = 0;
    int64_t accepted = 0;
    int64_t duplicate = 0;
    int64_t rejected = 0;
    int64_t batches = 0;  // answered
    int64_t errors = 0;
  };

  // `items` were sent (before their answer is awaited).
  void Sent(int64_t items);
  // A batch was answered `latency` after it was sent.
  void Answered(absl::Duration latency,
                const google::protobuf::RepeatedPtrField<activity::v1::RecordResult>& results);
  // A call (or a whole stream, or a Record) failed.
  void Failed(const absl::Status& status);

  Counts counts() const;
  // Latencies (ms) of the batches answered after the first `from`.
  std::vector<double> LatenciesSince(size_t from) const;
  std::map<int, int64_t> rejected_by_code() const;
  std::map<int, int64_t> errors_by_code() const;
  std::string first_error() const;

 private:
  mutable absl::Mutex mu_;
  Counts counts_ ABSL_GUARDED_BY(mu_);
  std::vector<double> latencies_ms_ ABSL_GUARDED_BY(mu_);
  std::map<int, int64_t> rejected_by_code_ ABSL_GUARDED_BY(mu_);
  std::map<int, int64_t> errors_by_code_ ABSL_GUARDED_BY(mu_);
  std::string first_error_ ABSL_GUARDED_BY(mu_);
};

// Where the batches go.
class Target {
 public:
  virtual ~Target() = default;
  // Sends every batch of `source` and reports to `stats`; runs once per
  // worker, on the worker's own thread, concurrently with the others.
  virtual void RunWorker(int worker, BatchSource& source, LoadStats& stats) = 0;
};

// `count` plaintext channels to `address`, each on its own TCP connection
// (as separate clients would be).
std::vector<std::shared_ptr<grpc::Channel>> OpenWorkerChannels(const std::string& address,
                                                               int count);

// Worker i uses channels[i % channels.size()].
std::unique_ptr<Target> NewUnaryTarget(std::vector<std::shared_ptr<grpc::Channel>> channels,
                                       TokenSource token, absl::Duration timeout);
std::unique_ptr<Target> NewStreamTarget(std::vector<std::shared_ptr<grpc::Channel>> channels,
                                        TokenSource token, int window);
// Records as `caller` through `ingestor`, which must outlive the target.
std::unique_ptr<Target> NewDirectTarget(activity::Ingestor* ingestor, auth::Principal caller);

struct LoadSummary {
  std::string label;
  absl::Duration elapsed;
  LoadStats::Counts counts;
  std::map<int, int64_t> rejected_by_code;
  std::map<int, int64_t> errors_by_code;
  std::string first_error;
  // Batch acknowledgement latencies in milliseconds, ascending.
  std::vector<double> latencies_ms;
  // What the generators meant the answers to be.
  ItemCounts generated;
  // The probes that ran beside the workers, in the order given.
  std::vector<ProbeSummary> probes;

  // Every sent item was answered.
  bool Balanced() const {
    return counts.accepted + counts.duplicate + counts.rejected == counts.sent;
  }
  // No failed batch, every item answered, and no probe call failed.
  bool ok() const;
  double SentPerSecond() const;
  double AcceptedPerSecond() const;
  // The p-th (0..1) latency in ms; 0 without answers.
  double LatencyPercentile(double p) const;
};

// Runs the load against `target` and returns what happened; progress lines
// go to `out` (labelled `label`). Each of `probes` runs from the moment the
// workers start until the last of them is done. INVALID_ARGUMENT for invalid
// options or probes.
absl::StatusOr<LoadSummary> RunLoad(const std::string& label, Target& target,
                                    const LoadRoster& roster, const LoadOptions& options,
                                    std::FILE* out, const std::vector<ProbeSpec>& probes = {});

// The summary of a run in `mode` with `options`.
void PrintSummary(const LoadSummary& summary, Mode mode, const LoadOptions& options,
                  std::FILE* out);

}  // namespace salesteam::loadgen

#endif  // SALESTEAM_TOOLS_LOADGEN_DRIVER_H_
