// Prometheus metrics for every Salesteam server: a registry of counters,
// gauges and histograms (optionally labelled), rendered in the Prometheus text
// exposition format (version 0.0.4), and a small HTTP endpoint that serves it
// on GET /metrics next to GET /healthz. The gRPC server (server.h) records
// per-method call counts by code and latency histograms here; a service adds
// its own figures through the same registry:
//
//   auto& accepted = registry.AddCounterFamily(
//       "salesteam_activities_accepted_total", "Activities recorded.", {"source"});
//   accepted.WithLabels({"crm"}).Increment(batch_size);
//
// Updating a metric is one atomic add; finding a labelled child takes a reader
// lock on its family only (hold on to the returned reference on hot paths).
#ifndef SALESTEAM_COMMON_SERVER_METRICS_H_
#define SALESTEAM_COMMON_SERVER_METRICS_H_

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"
#include "absl/types/span.h"

namespace httplib {
class Server;
}  // namespace httplib

namespace salesteam::server {

// A value that only goes up (resets when the process restarts).
class Counter {
 public:
  void Increment(double by = 1) { value_.fetch_add(by, std::memory_order_relaxed); }
  double Value() const { return value_.load(std::memory_order_relaxed); }

 private:
  std::atomic<double> value_{0};
};

// A value that goes up and down.
class Gauge {
 public:
  void Set(double value) { value_.store(value, std::memory_order_relaxed); }
  void Add(double by) { value_.fetch_add(by, std::memory_order_relaxed); }
  double Value() const { return value_.load(std::memory_order_relaxed); }

 private:
  std::atomic<double> value_{0};
};

// Observations counted into fixed buckets (upper bounds, ascending), plus
// their sum and count.
class Histogram {
 public:
  explicit Histogram(std::vector<double> bounds);

  void Observe(double value);

  const std::vector<double>& bounds() const { return bounds_; }
  // Cumulative counts per bound, then the +Inf bucket (== count).
  std::vector<uint64_t> CumulativeCounts() const;
  double Sum() const { return sum_.load(std::memory_order_relaxed); }

 private:
  const std::vector<double> bounds_;
  // Per bucket (not cumulative); the last one is +Inf.
  std::unique_ptr<std::atomic<uint64_t>[]> counts_;
  std::atomic<double> sum_{0};
};

// Prometheus' default latency buckets, in seconds (5 ms to 10 s).
std::vector<double> DefaultLatencyBuckets();

enum class MetricType { kCounter, kGauge, kHistogram };

// All metrics of one name: one child per combination of label values.
template <typename Metric>
class MetricFamily {
 public:
  // `make` builds a new child (histograms need their bounds).
  MetricFamily(std::string name, std::string help, std::vector<std::string> label_names,
               std::function<std::unique_ptr<Metric>()> make);

  const std::string& name() const { return name_; }
  const std::string& help() const { return help_; }
  const std::vector<std::string>& label_names() const { return label_names_; }

  // The child for these label values (as many as label_names()), created on
  // first use. The reference stays valid for the registry's lifetime.
  Metric& WithLabels(absl::Span<const absl::string_view> values);
  Metric& WithLabels(std::initializer_list<absl::string_view> values) {
    return WithLabels(absl::MakeConstSpan(values.begin(), values.size()));
  }

  // Calls `visit` for every child, ordered by label values.
  void ForEach(const std::function<void(const std::vector<std::string>& values,
                                        const Metric& metric)>& visit) const;

 private:
  const std::string name_;
  const std::string help_;
  const std::vector<std::string> label_names_;
  const std::function<std::unique_ptr<Metric>()> make_;
  mutable absl::Mutex mu_;
  // Keyed by the label values joined with '\0' (which no label value holds).
  absl::flat_hash_map<std::string, std::pair<std::vector<std::string>, std::unique_ptr<Metric>>>
      children_ ABSL_GUARDED_BY(mu_);
};

using CounterFamily = MetricFamily<Counter>;
using GaugeFamily = MetricFamily<Gauge>;
using HistogramFamily = MetricFamily<Histogram>;

// The metrics of one process. Registering a name twice with the same type and
// labels returns the existing family; with a different shape it is a
// programming error and aborts, since the exposition would be invalid.
class MetricsRegistry {
 public:
  MetricsRegistry() = default;
  MetricsRegistry(const MetricsRegistry&) = delete;
  MetricsRegistry& operator=(const MetricsRegistry&) = delete;

  // The process-wide registry that servers use unless told otherwise.
  static std::shared_ptr<MetricsRegistry> Default();

  CounterFamily& AddCounterFamily(absl::string_view name, absl::string_view help,
                                  std::vector<std::string> label_names);
  GaugeFamily& AddGaugeFamily(absl::string_view name, absl::string_view help,
                              std::vector<std::string> label_names);
  HistogramFamily& AddHistogramFamily(absl::string_view name, absl::string_view help,
                                      std::vector<std::string> label_names,
                                      std::vector<double> bounds);

  // Unlabelled shorthands.
  Counter& AddCounter(absl::string_view name, absl::string_view help);
  Gauge& AddGauge(absl::string_view name, absl::string_view help);

  // A metric whose value is read when scraped (process figures, queue
  // lengths). `type` is kCounter or kGauge.
  void AddCallback(absl::string_view name, absl::string_view help, MetricType type,
                   std::function<double()> read);

  // Everything, in the text exposition format, families in registration order.
  std::string Render() const;

 private:
  struct Entry {
    MetricType type;
    std::unique_ptr<CounterFamily> counters;
    std::unique_ptr<GaugeFamily> gauges;
    std::unique_ptr<HistogramFamily> histograms;
    std::string name;
    std::string help;
    std::function<double()> read;  // callbacks only
  };
  Entry* Find(absl::string_view name) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  mutable absl::Mutex mu_;
  std::vector<std::unique_ptr<Entry>> entries_ ABSL_GUARDED_BY(mu_);
};

// Lines GET /healthz prints under its "ok" (the process still serves): a
// degraded dependency and since when, e.g. "roster_feed: disconnected since
// ...". An empty `text` removes the line. Process-wide.
void SetHealthDetail(absl::string_view key, std::string text);
// "ok\n" and then each detail as "key: text\n", keys in order.
std::string RenderHealth();

// Adds process_resident_memory_bytes, process_virtual_memory_bytes,
// process_cpu_seconds_total, process_open_fds, process_max_fds and
// process_start_time_seconds, read from /proc/self when scraped. Safe to call
// more than once on the same registry.
void RegisterProcessMetrics(MetricsRegistry& registry);

// GET /metrics (text/plain; version=0.0.4) and GET /healthz ("ok") over HTTP.
class MetricsHttpServer {
 public:
  // Binds `address` ("host:port"; port 0 picks a free one) and serves from a
  // background thread until Stop() or destruction.
  static absl::StatusOr<std::unique_ptr<MetricsHttpServer>> Start(
      absl::string_view address, std::shared_ptr<const MetricsRegistry> registry);
  ~MetricsHttpServer();

  int port() const { return port_; }
  // Stops accepting and joins the serving thread. Idempotent.
  void Stop();

 private:
  MetricsHttpServer() = default;

  std::shared_ptr<const MetricsRegistry> registry_;
  std::unique_ptr<httplib::Server> http_;
  std::thread thread_;
  int port_ = 0;
};

}  // namespace salesteam::server

#endif  // SALESTEAM_COMMON_SERVER_METRICS_H_
