#include "tools/loadgen/driver.h"

#include <algorithm>
#include <deque>
#include <thread>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/synchronization/notification.h"
#include "common/status.h"
#include "grpcpp/client_context.h"
#include "grpcpp/create_channel.h"
#include "grpcpp/security/credentials.h"
#include "grpcpp/support/channel_arguments.h"
#include "salesteam/activity/v1/activity.grpc.pb.h"

namespace salesteam::loadgen {
namespace {

namespace activityv1 = ::salesteam::activity::v1;

// After a failed call a worker waits this long before the next, so that a
// server that is down is not hammered in a tight loop.
constexpr absl::Duration kPauseAfterError = absl::Milliseconds(100);
// A worker gives up after this many failed calls in a row: the target is
// down, and the run has failed anyway.
constexpr int kMaxFailuresInARow = 5;

std::string CodeName(int code) {
  return absl::StatusCodeToString(static_cast<absl::StatusCode>(code));
}

std::string CodeCounts(const std::map<int, int64_t>& by_code) {
  std::vector<std::string> parts;
  for (const auto& [code, count] : by_code) {
    parts.push_back(absl::StrCat(CodeName(code), " ", count));
  }
  return absl::StrJoin(parts, ", ");
}

double Percentile(const std::vector<double>& sorted, double p) {
  if (sorted.empty()) return 0;
  return sorted[std::min(sorted.size() - 1, static_cast<size_t>(p * sorted.size()))];
}

class UnaryTarget final : public Target {
 public:
  UnaryTarget(std::vector<std::shared_ptr<grpc::Channel>> channels, TokenSource token,
              absl::Duration timeout)
      : token_(std::move(token)), timeout_(timeout) {
    for (const std::shared_ptr<grpc::Channel>& channel : channels) {
      stubs_.push_back(activityv1::ActivityService::NewStub(channel));
    }
  }

  void RunWorker(int worker, BatchSource& source, LoadStats& stats) override {
    activityv1::ActivityService::Stub& stub = *stubs_[worker % stubs_.size()];
    activityv1::RecordActivitiesRequest request;
    int failures_in_a_row = 0;
    while (failures_in_a_row < kMaxFailuresInARow && source.Next(request.mutable_activities())) {
      absl::StatusOr<std::string> token = token_();
      if (!token.ok()) {
        stats.Failed(token.status());
        return;
      }
      grpc::ClientContext context;
      context.set_deadline(absl::ToChronoTime(absl::Now() + timeout_));
      auth::AttachBearerToken(context, *token);
      activityv1::RecordActivitiesResponse response;
      stats.Sent(request.activities_size());
      const absl::Time sent_at = absl::Now();
      const grpc::Status status = stub.RecordActivities(&context, request, &response);
      if (status.ok()) {
        stats.Answered(absl::Now() - sent_at, response.results());
        failures_in_a_row = 0;
      } else {
        stats.Failed(FromGrpcStatus(status));
        ++failures_in_a_row;
        absl::SleepFor(kPauseAfterError);
      }
    }
  }

 private:
  std::vector<std::unique_ptr<activityv1::ActivityService::Stub>> stubs_;
  TokenSource token_;
  const absl::Duration timeout_;
};

// One stream per worker: this thread writes batches while a reader thread
// takes the answers, which come in batch order; at most `window` batches are
// unanswered at a time. A stream that fails is replaced by a new one while
// the source has batches left.
class StreamTarget final : public Target {
 public:
  StreamTarget(std::vector<std::shared_ptr<grpc::Channel>> channels, TokenSource token, int window)
      : token_(std::move(token)), window_(window) {
    for (const std::shared_ptr<grpc::Channel>& channel : channels) {
      stubs_.push_back(activityv1::ActivityService::NewStub(channel));
    }
  }

  void RunWorker(int worker, BatchSource& source, LoadStats& stats) override {
    activityv1::ActivityService::Stub& stub = *stubs_[worker % stubs_.size()];
    Batches batches(source);
    for (int failures_in_a_row = 0; failures_in_a_row < kMaxFailuresInARow;) {
      absl::StatusOr<std::string> token = token_();
      if (!token.ok()) {
        stats.Failed(token.status());
        return;
      }
      const bool failed = RunStream(stub, *token, batches, stats);
      if (!batches.pending && batches.source_done) return;
      failures_in_a_row = failed ? failures_in_a_row + 1 : 0;
      if (failed) absl::SleepFor(kPauseAfterError);
    }
  }

 private:
  // A worker's batches across its streams: one taken from the source but
  // not yet sent stays pending for the next stream.
  struct Batches {
    explicit Batches(BatchSource& source) : source(source) {}

    BatchSource& source;
    activityv1::StreamActivitiesRequest request;
    bool pending = false;
    bool source_done = false;
    int64_t last_number = 0;

    bool Next() {
      if (!pending) pending = source.Next(request.mutable_activities());
      source_done = !pending;
      return pending;
    }
  };

  struct InFlight {
    int64_t batch_number;
    absl::Time sent_at;
  };

  // One stream, until the batches run out or the stream fails; returns
  // whether it failed.
  bool RunStream(activityv1::ActivityService::Stub& stub, const std::string& token,
                 Batches& batches, LoadStats& stats) {
    grpc::ClientContext context;
    auth::AttachBearerToken(context, token);
    std::unique_ptr<grpc::ClientReaderWriter<activityv1::StreamActivitiesRequest,
                                             activityv1::StreamActivitiesResponse>>
        stream = stub.StreamActivities(&context);

    absl::Mutex mu;
    std::deque<InFlight> in_flight;
    bool reader_done = false;
    bool out_of_order = false;
    std::thread reader([&] {
      activityv1::StreamActivitiesResponse response;
      while (stream->Read(&response)) {
        InFlight sent;
        {
          absl::MutexLock lock(&mu);
          if (in_flight.empty() || in_flight.front().batch_number != response.batch_number()) {
            out_of_order = true;
            break;
          }
          sent = in_flight.front();
          in_flight.pop_front();
        }
        stats.Answered(absl::Now() - sent.sent_at, response.results());
      }
      absl::MutexLock lock(&mu);
      // Unblocks a writer stuck on flow control when answers stop being read.
      if (out_of_order) context.TryCancel();
      reader_done = true;
    });

    while (batches.Next()) {
      {
        absl::MutexLock lock(&mu);
        auto room = [&] { return reader_done || static_cast<int>(in_flight.size()) < window_; };
        mu.Await(absl::Condition(&room));
        if (reader_done) break;  // the pending batch goes to the next stream
        batches.request.set_batch_number(++batches.last_number);
        in_flight.push_back({batches.last_number, absl::Now()});
      }
      batches.pending = false;
      stats.Sent(batches.request.activities_size());
      if (!stream->Write(batches.request)) break;
    }
    stream->WritesDone();
    reader.join();
    const grpc::Status status = stream->Finish();
    if (out_of_order) {
      stats.Failed(absl::InternalError(
          "StreamActivities: an answer did not match the oldest unanswered batch"));
      return true;
    }
    if (!status.ok()) {
      stats.Failed(FromGrpcStatus(status));
      return true;
    }
    absl::MutexLock lock(&mu);
    if (!in_flight.empty()) {
      stats.Failed(absl::DataLossError(absl::StrCat("StreamActivities ended OK with ",
                                                    in_flight.size(), " batches unanswered")));
      return true;
    }
    return false;
  }

  std::vector<std::unique_ptr<activityv1::ActivityService::Stub>> stubs_;
  TokenSource token_;
  const int window_;
};

class DirectTarget final : public Target {
 public:
  DirectTarget(activity::Ingestor* ingestor, auth::Principal caller)
      : ingestor_(ingestor), caller_(std::move(caller)) {}

  void RunWorker(int, BatchSource& source, LoadStats& stats) override {
    google::protobuf::RepeatedPtrField<activityv1::Activity> items;
    google::protobuf::RepeatedPtrField<activityv1::RecordResult> results;
    int failures_in_a_row = 0;
    while (failures_in_a_row < kMaxFailuresInARow && source.Next(&items)) {
      stats.Sent(items.size());
      const absl::Time sent_at = absl::Now();
      activity::IngestCounts counts;
      const absl::Status status = ingestor_->Record(caller_, items, &results, &counts);
      if (status.ok()) {
        stats.Answered(absl::Now() - sent_at, results);
        failures_in_a_row = 0;
      } else {
        stats.Failed(status);
        ++failures_in_a_row;
        absl::SleepFor(kPauseAfterError);
      }
    }
  }

 private:
  activity::Ingestor* const ingestor_;
  const auth::Principal caller_;
};

void PrintProgress(const std::string& label, absl::Duration since_start, absl::Duration interval,
                   const LoadStats::Counts& now, const LoadStats::Counts& before,
                   std::vector<double> latencies, std::FILE* out) {
  std::sort(latencies.begin(), latencies.end());
  const double seconds = std::max(1e-9, absl::ToDoubleSeconds(interval));
  std::fprintf(out,
               "[%s %6.1fs] sent %lld (%.0f/s)  accepted %lld (%.0f/s)  duplicate %lld  "
               "rejected %lld  ack p50 %.1f ms p99 %.1f ms max %.1f ms  errors %lld\n",
               label.c_str(), absl::ToDoubleSeconds(since_start), static_cast<long long>(now.sent),
               (now.sent - before.sent) / seconds, static_cast<long long>(now.accepted),
               (now.accepted - before.accepted) / seconds, static_cast<long long>(now.duplicate),
               static_cast<long long>(now.rejected), Percentile(latencies, 0.5),
               Percentile(latencies, 0.99), latencies.empty() ? 0.0 : latencies.back(),
               static_cast<long long>(now.errors));
  std::fflush(out);
}

// A probe's line under the load's: its calls in the interval.
struct ProbeProgress {
  size_t latencies_seen = 0;
  int64_t errors_before = 0;
};

void PrintProbeProgress(const std::string& label, absl::Duration since_start,
                        absl::Duration interval, const PacedProbe& probe, ProbeProgress& progress,
                        std::FILE* out) {
  std::vector<double> latencies = probe.LatenciesSince(progress.latencies_seen);
  progress.latencies_seen += latencies.size();
  const int64_t errors = probe.errors();
  std::sort(latencies.begin(), latencies.end());
  const double seconds = std::max(1e-9, absl::ToDoubleSeconds(interval));
  std::fprintf(out,
               "[%s %6.1fs]   %s %lld (%.0f/s)  p50 %.2f ms p99 %.2f ms max %.2f ms  errors %lld "
               "(+%lld)\n",
               label.c_str(), absl::ToDoubleSeconds(since_start), probe.name().c_str(),
               static_cast<long long>(progress.latencies_seen), latencies.size() / seconds,
               Percentile(latencies, 0.5), Percentile(latencies, 0.99),
               latencies.empty() ? 0.0 : latencies.back(), static_cast<long long>(errors),
               static_cast<long long>(errors - progress.errors_before));
  progress.errors_before = errors;
  std::fflush(out);
}

}  // namespace

absl::StatusOr<Mode> ParseMode(absl::string_view name) {
  if (name == "unary") return Mode::kUnary;
  if (name == "stream") return Mode::kStream;
  if (name == "direct") return Mode::kDirect;
  return absl::InvalidArgumentError(
      absl::StrCat("--mode: unary, stream or direct, got ", QuoteInput(name)));
}

absl::string_view ModeName(Mode mode) {
  switch (mode) {
    case Mode::kUnary:
      return "unary";
    case Mode::kStream:
      return "stream";
    case Mode::kDirect:
      return "direct";
  }
  return "unknown";
}

absl::Status ValidateLoadOptions(const LoadOptions& options) {
  if (options.concurrency < 1 || options.concurrency > 1024) {
    return absl::InvalidArgumentError(
        absl::StrCat("--concurrency: must be 1..1024, got ", options.concurrency));
  }
  if (options.batch < 1 || options.batch > activity::kMaxBatchItems) {
    return absl::InvalidArgumentError(absl::StrCat("--batch: must be 1..", activity::kMaxBatchItems,
                                                   " (the service's limit), got ", options.batch));
  }
  if (options.window < 1 || options.window > 64) {
    return absl::InvalidArgumentError(
        absl::StrCat("--window: must be 1..64, got ", options.window));
  }
  if (options.events < 0) {
    return absl::InvalidArgumentError(absl::StrCat("--events: must be >= 0, got ", options.events));
  }
  if (options.duration < absl::ZeroDuration()) {
    return absl::InvalidArgumentError("--duration: must not be negative");
  }
  if (options.events == 0 && options.duration == absl::ZeroDuration()) {
    return absl::InvalidArgumentError("--events=0 (no limit) needs a --duration");
  }
  return ValidateGeneratorOptions(options.generator);
}

BatchSource::BatchSource(std::unique_ptr<ActivityGenerator> generator, int64_t quota, int batch,
                         absl::Time end)
    : generator_(std::move(generator)), remaining_(quota), batch_(batch), end_(end) {}

bool BatchSource::Next(google::protobuf::RepeatedPtrField<activity::v1::Activity>* items) {
  if (remaining_ == 0 || absl::Now() >= end_) return false;
  int n = batch_;
  if (remaining_ > 0) {
    n = static_cast<int>(std::min<int64_t>(n, remaining_));
    remaining_ -= n;
  }
  generator_->NextBatch(n, items, &generated_);
  return true;
}

void LoadStats::Sent(int64_t items) {
  absl::MutexLock lock(&mu_);
  counts_.sent += items;
}

void LoadStats::Answered(
    absl::Duration latency,
    const google::protobuf::RepeatedPtrField<activity::v1::RecordResult>& results) {
  int64_t accepted = 0;
  int64_t duplicate = 0;
  std::map<int, int64_t> rejected;
  for (const activity::v1::RecordResult& result : results) {
    switch (result.outcome()) {
      case activity::v1::RECORD_OUTCOME_ACCEPTED:
        ++accepted;
        break;
      case activity::v1::RECORD_OUTCOME_DUPLICATE:
        ++duplicate;
        break;
      default:
        ++rejected[result.code()];
        break;
    }
  }
  absl::MutexLock lock(&mu_);
  ++counts_.batches;
  counts_.accepted += accepted;
  counts_.duplicate += duplicate;
  for (const auto& [code, count] : rejected) {
    counts_.rejected += count;
    rejected_by_code_[code] += count;
  }
  latencies_ms_.push_back(absl::ToDoubleMilliseconds(latency));
}

void LoadStats::Failed(const absl::Status& status) {
  absl::MutexLock lock(&mu_);
  ++counts_.errors;
  ++errors_by_code_[static_cast<int>(status.code())];
  if (first_error_.empty()) first_error_ = status.ToString();
}

LoadStats::Counts LoadStats::counts() const {
  absl::MutexLock lock(&mu_);
  return counts_;
}

std::vector<double> LoadStats::LatenciesSince(size_t from) const {
  absl::MutexLock lock(&mu_);
  if (from >= latencies_ms_.size()) return {};
  return std::vector<double>(latencies_ms_.begin() + from, latencies_ms_.end());
}

std::map<int, int64_t> LoadStats::rejected_by_code() const {
  absl::MutexLock lock(&mu_);
  return rejected_by_code_;
}

std::map<int, int64_t> LoadStats::errors_by_code() const {
  absl::MutexLock lock(&mu_);
  return errors_by_code_;
}

std::string LoadStats::first_error() const {
  absl::MutexLock lock(&mu_);
  return first_error_;
}

std::vector<std::shared_ptr<grpc::Channel>> OpenWorkerChannels(const std::string& address,
                                                               int count) {
  std::vector<std::shared_ptr<grpc::Channel>> channels;
  for (int i = 0; i < count; ++i) {
    grpc::ChannelArguments args;
    // Channels with equal arguments would share one connection; a distinct
    // argument and a private subchannel pool give each its own.
    args.SetInt("salesteam.loadgen_channel", i);
    args.SetInt(GRPC_ARG_USE_LOCAL_SUBCHANNEL_POOL, 1);
    channels.push_back(
        grpc::CreateCustomChannel(address, grpc::InsecureChannelCredentials(), args));
  }
  return channels;
}

std::unique_ptr<Target> NewUnaryTarget(std::vector<std::shared_ptr<grpc::Channel>> channels,
                                       TokenSource token, absl::Duration timeout) {
  return std::make_unique<UnaryTarget>(std::move(channels), std::move(token), timeout);
}

std::unique_ptr<Target> NewStreamTarget(std::vector<std::shared_ptr<grpc::Channel>> channels,
                                        TokenSource token, int window) {
  return std::make_unique<StreamTarget>(std::move(channels), std::move(token), window);
}

std::unique_ptr<Target> NewDirectTarget(activity::Ingestor* ingestor, auth::Principal caller) {
  return std::make_unique<DirectTarget>(ingestor, std::move(caller));
}

bool LoadSummary::ok() const {
  for (const ProbeSummary& probe : probes) {
    if (probe.errors > 0) return false;
  }
  return counts.errors == 0 && Balanced();
}

double LoadSummary::SentPerSecond() const {
  const double seconds = absl::ToDoubleSeconds(elapsed);
  return seconds > 0 ? counts.sent / seconds : 0;
}

double LoadSummary::AcceptedPerSecond() const {
  const double seconds = absl::ToDoubleSeconds(elapsed);
  return seconds > 0 ? counts.accepted / seconds : 0;
}

double LoadSummary::LatencyPercentile(double p) const { return Percentile(latencies_ms, p); }

absl::StatusOr<LoadSummary> RunLoad(const std::string& label, Target& target,
                                    const LoadRoster& roster, const LoadOptions& options,
                                    std::FILE* out, const std::vector<ProbeSpec>& probes) {
  RETURN_IF_ERROR(ValidateLoadOptions(options));
  for (const ProbeSpec& probe : probes) RETURN_IF_ERROR(ValidateProbeSpec(probe));
  const int workers = options.concurrency;
  const absl::Time start = absl::Now();
  const absl::Time end =
      options.duration > absl::ZeroDuration() ? start + options.duration : absl::InfiniteFuture();
  std::vector<std::unique_ptr<BatchSource>> sources;
  for (int w = 0; w < workers; ++w) {
    GeneratorOptions generator_options = options.generator;
    generator_options.stream = static_cast<uint64_t>(w);
    ASSIGN_OR_RETURN(std::unique_ptr<ActivityGenerator> generator,
                     ActivityGenerator::Create(&roster, std::move(generator_options)));
    const int64_t quota =
        options.events == 0 ? -1 : options.events / workers + (w < options.events % workers);
    sources.push_back(
        std::make_unique<BatchSource>(std::move(generator), quota, options.batch, end));
  }

  LoadStats stats;
  std::vector<std::unique_ptr<PacedProbe>> running_probes;
  for (const ProbeSpec& probe : probes)
    running_probes.push_back(std::make_unique<PacedProbe>(probe));
  absl::Notification done;
  std::thread reporter([&] {
    if (options.report_every <= absl::ZeroDuration()) return;
    LoadStats::Counts before;
    size_t latencies_seen = 0;
    std::vector<ProbeProgress> probe_progress(running_probes.size());
    absl::Time last = start;
    while (!done.WaitForNotificationWithTimeout(options.report_every)) {
      const absl::Time now = absl::Now();
      const LoadStats::Counts counts = stats.counts();
      std::vector<double> latencies = stats.LatenciesSince(latencies_seen);
      latencies_seen += latencies.size();
      PrintProgress(label, now - start, now - last, counts, before, std::move(latencies), out);
      for (size_t i = 0; i < running_probes.size(); ++i) {
        PrintProbeProgress(label, now - start, now - last, *running_probes[i], probe_progress[i],
                           out);
      }
      before = counts;
      last = now;
    }
  });
  std::vector<std::thread> threads;
  for (int w = 0; w < workers; ++w) {
    threads.emplace_back([&, w] { target.RunWorker(w, *sources[w], stats); });
  }
  for (std::thread& thread : threads) thread.join();
  const absl::Time finished = absl::Now();
  for (const std::unique_ptr<PacedProbe>& probe : running_probes) probe->Stop();
  done.Notify();
  reporter.join();

  LoadSummary summary;
  summary.label = label;
  summary.elapsed = finished - start;
  summary.counts = stats.counts();
  summary.rejected_by_code = stats.rejected_by_code();
  summary.errors_by_code = stats.errors_by_code();
  summary.first_error = stats.first_error();
  summary.latencies_ms = stats.LatenciesSince(0);
  std::sort(summary.latencies_ms.begin(), summary.latencies_ms.end());
  for (const std::unique_ptr<BatchSource>& source : sources)
    summary.generated += source->generated();
  for (const std::unique_ptr<PacedProbe>& probe : running_probes) {
    summary.probes.push_back(probe->Summary());
  }
  return summary;
}

void PrintSummary(const LoadSummary& summary, Mode mode, const LoadOptions& options,
                  std::FILE* out) {
  const LoadStats::Counts& c = summary.counts;
  std::fprintf(out, "== %s: %lld items in %.2f s (concurrency %d, batch %d", summary.label.c_str(),
               static_cast<long long>(c.sent), absl::ToDoubleSeconds(summary.elapsed),
               options.concurrency, options.batch);
  if (mode == Mode::kStream) std::fprintf(out, ", window %d", options.window);
  std::fprintf(out, ")\n");
  std::fprintf(out, "  sent       %10lld  %9.0f items/s\n", static_cast<long long>(c.sent),
               summary.SentPerSecond());
  std::fprintf(out, "  accepted   %10lld  %9.0f items/s\n", static_cast<long long>(c.accepted),
               summary.AcceptedPerSecond());
  std::fprintf(out, "  duplicate  %10lld\n", static_cast<long long>(c.duplicate));
  std::fprintf(out, "  rejected   %10lld%s\n", static_cast<long long>(c.rejected),
               summary.rejected_by_code.empty()
                   ? ""
                   : absl::StrCat("  (", CodeCounts(summary.rejected_by_code), ")").c_str());
  std::fprintf(out, "  generated  %lld good, %lld duplicates, %lld bad\n",
               static_cast<long long>(summary.generated.good),
               static_cast<long long>(summary.generated.duplicate),
               static_cast<long long>(summary.generated.bad));
  std::fprintf(out, "  batch ack latency: p50 %.2f ms  p99 %.2f ms  max %.2f ms  (%lld batches)\n",
               summary.LatencyPercentile(0.5), summary.LatencyPercentile(0.99),
               summary.latencies_ms.empty() ? 0.0 : summary.latencies_ms.back(),
               static_cast<long long>(c.batches));
  std::fprintf(out, "  errors     %10lld%s\n", static_cast<long long>(c.errors),
               summary.errors_by_code.empty()
                   ? ""
                   : absl::StrCat("  (", CodeCounts(summary.errors_by_code),
                                  "; first: ", summary.first_error, ")")
                         .c_str());
  for (const ProbeSummary& probe : summary.probes) {
    std::fprintf(
        out,
        "  %s at %d/s: %lld calls (%.0f/s), latency from scheduled start: p50 %.2f ms  "
        "p99 %.2f ms  max %.2f ms, errors %lld%s\n",
        probe.name.c_str(), probe.rate, static_cast<long long>(probe.calls), probe.CallsPerSecond(),
        probe.LatencyPercentile(0.5), probe.LatencyPercentile(0.99),
        probe.latencies_ms.empty() ? 0.0 : probe.latencies_ms.back(),
        static_cast<long long>(probe.errors),
        probe.errors_by_code.empty() ? ""
                                     : absl::StrCat("  (", CodeCounts(probe.errors_by_code),
                                                    "; first: ", probe.first_error, ")")
                                           .c_str());
  }
  std::fprintf(out, "  accepted + duplicate + rejected = sent: %s\n",
               summary.Balanced() ? "yes"
                                  : absl::StrCat("NO (", c.accepted + c.duplicate + c.rejected,
                                                 " answered of ", c.sent, ")")
                                        .c_str());
  std::fflush(out);
}

}  // namespace salesteam::loadgen
