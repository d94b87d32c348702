#include "common/server/metrics.h"

#include <dirent.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <map>
#include <sstream>

#include <httplib.h>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "common/io.h"
#include "common/server/internal/utf8.h"
#include "common/status.h"

namespace salesteam::server {
namespace {

// Registration mistakes are programming errors: the exposition would be
// invalid, so the process must not start serving it.
[[noreturn]] void DieBadRegistration(absl::string_view name, absl::string_view why) {
  std::fprintf(stderr, "metrics: cannot register %s: %s\n", std::string(name).c_str(),
               std::string(why).c_str());
  std::abort();
}

std::string FormatValue(double value) {
  if (std::isnan(value)) return "NaN";
  if (std::isinf(value)) return value > 0 ? "+Inf" : "-Inf";
  if (value == static_cast<double>(static_cast<int64_t>(value)) && std::abs(value) < 1e15) {
    return absl::StrCat(static_cast<int64_t>(value));
  }
  return absl::StrFormat("%.15g", value);
}

// Label values escape backslash, double quote and newline, and must be UTF-8:
// a method path comes from the client, so invalid bytes become U+FFFD rather
// than make the whole exposition unparseable.
void AppendLabelValue(std::string& out, absl::string_view value) {
  for (size_t i = 0; i < value.size();) {
    const char c = value[i];
    switch (c) {
      case '\\':
        out += "\\\\";
        break;
      case '"':
        out += "\\\"";
        break;
      case '\n':
        out += "\\n";
        break;
      default: {
        const size_t len = internal::Utf8SequenceLength(value, i);
        if (len == 0) {
          out += internal::kReplacementCharacter;
          ++i;
        } else {
          out.append(value.data() + i, len);
          i += len;
        }
        continue;
      }
    }
    ++i;
  }
}

// HELP text escapes backslash and newline only.
std::string EscapeHelp(absl::string_view help) {
  std::string out;
  for (char c : help) {
    if (c == '\\') {
      out += "\\\\";
    } else if (c == '\n') {
      out += "\\n";
    } else {
      out.push_back(c);
    }
  }
  return out;
}

// {a="x",b="y"} plus an optional extra label (histograms' `le`).
std::string LabelSet(const std::vector<std::string>& names, const std::vector<std::string>& values,
                     absl::string_view extra_name = "", absl::string_view extra_value = "") {
  if (names.empty() && extra_name.empty()) return "";
  std::string out = "{";
  for (size_t i = 0; i < names.size(); ++i) {
    if (i > 0) out += ",";
    absl::StrAppend(&out, names[i], "=\"");
    AppendLabelValue(out, values[i]);
    out += "\"";
  }
  if (!extra_name.empty()) {
    if (!names.empty()) out += ",";
    absl::StrAppend(&out, extra_name, "=\"", extra_value, "\"");
  }
  out += "}";
  return out;
}

absl::string_view TypeName(MetricType type) {
  switch (type) {
    case MetricType::kCounter:
      return "counter";
    case MetricType::kGauge:
      return "gauge";
    case MetricType::kHistogram:
      return "histogram";
  }
  return "untyped";
}

bool ValidName(absl::string_view name) {
  if (name.empty()) return false;
  for (size_t i = 0; i < name.size(); ++i) {
    const char c = name[i];
    const bool letter = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || c == ':';
    const bool digit = c >= '0' && c <= '9';
    if (!letter && !(digit && i > 0)) return false;
  }
  return true;
}

// /proc/self/stat fields after the command name, which may hold spaces and
// parentheses, so parsing starts after the last ')'. Index 0 is field 3.
std::vector<std::string> ProcSelfStatFields() {
  std::ifstream in("/proc/self/stat");
  std::string line;
  std::getline(in, line);
  const size_t close = line.rfind(')');
  if (close == std::string::npos) return {};
  return absl::StrSplit(absl::string_view(line).substr(close + 1), ' ', absl::SkipEmpty());
}

double ProcStatField(int field) {  // field numbers as in proc(5)
  const std::vector<std::string> fields = ProcSelfStatFields();
  const size_t index = static_cast<size_t>(field - 3);
  double value = 0;
  if (index >= fields.size() || !absl::SimpleAtod(fields[index], &value)) return 0;
  return value;
}

double StatmPages(int index) {
  std::ifstream in("/proc/self/statm");
  double pages[2] = {0, 0};
  in >> pages[0] >> pages[1];
  return pages[index] * static_cast<double>(::sysconf(_SC_PAGESIZE));
}

double BootTimeSeconds() {
  std::ifstream in("/proc/stat");
  std::string line;
  while (std::getline(in, line)) {
    if (absl::StartsWith(line, "btime ")) {
      double value = 0;
      if (absl::SimpleAtod(absl::string_view(line).substr(6), &value)) return value;
    }
  }
  return 0;
}

double OpenFds() {
  DIR* dir = ::opendir("/proc/self/fd");
  if (dir == nullptr) return 0;
  double count = 0;
  while (const dirent* entry = ::readdir(dir)) {
    if (entry->d_name[0] != '.') ++count;
  }
  ::closedir(dir);
  return count - 1;  // the descriptor opendir itself holds
}

}  // namespace

Histogram::Histogram(std::vector<double> bounds)
    : bounds_(std::move(bounds)), counts_(new std::atomic<uint64_t>[bounds_.size() + 1]) {
  for (size_t i = 0; i <= bounds_.size(); ++i) counts_[i].store(0, std::memory_order_relaxed);
}

void Histogram::Observe(double value) {
  const size_t bucket = static_cast<size_t>(
      std::lower_bound(bounds_.begin(), bounds_.end(), value) - bounds_.begin());
  counts_[bucket].fetch_add(1, std::memory_order_relaxed);
  sum_.fetch_add(value, std::memory_order_relaxed);
}

std::vector<uint64_t> Histogram::CumulativeCounts() const {
  std::vector<uint64_t> out(bounds_.size() + 1);
  uint64_t total = 0;
  for (size_t i = 0; i <= bounds_.size(); ++i) {
    total += counts_[i].load(std::memory_order_relaxed);
    out[i] = total;
  }
  return out;
}

std::vector<double> DefaultLatencyBuckets() {
  return {0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10};
}

template <typename Metric>
MetricFamily<Metric>::MetricFamily(std::string name, std::string help,
                                   std::vector<std::string> label_names,
                                   std::function<std::unique_ptr<Metric>()> make)
    : name_(std::move(name)),
      help_(std::move(help)),
      label_names_(std::move(label_names)),
      make_(std::move(make)) {}

template <typename Metric>
Metric& MetricFamily<Metric>::WithLabels(absl::Span<const absl::string_view> values) {
  if (values.size() != label_names_.size()) {
    DieBadRegistration(name_, absl::StrCat("expected ", label_names_.size(), " label values, got ",
                                           values.size()));
  }
  const std::string key = absl::StrJoin(values, absl::string_view("\0", 1));
  {
    absl::ReaderMutexLock lock(&mu_);
    if (auto it = children_.find(key); it != children_.end()) return *it->second.second;
  }
  absl::MutexLock lock(&mu_);
  auto& slot = children_[key];
  if (slot.second == nullptr) {
    slot.first.reserve(values.size());
    for (absl::string_view v : values) slot.first.emplace_back(v);
    slot.second = make_();
  }
  return *slot.second;
}

template <typename Metric>
void MetricFamily<Metric>::ForEach(
    const std::function<void(const std::vector<std::string>&, const Metric&)>& visit) const {
  std::vector<std::pair<const std::vector<std::string>*, const Metric*>> children;
  {
    absl::ReaderMutexLock lock(&mu_);
    children.reserve(children_.size());
    for (const auto& [key, child] : children_) {
      children.emplace_back(&child.first, child.second.get());
    }
  }
  // Children are never removed, so the pointers outlive the lock.
  std::sort(children.begin(), children.end(),
            [](const auto& a, const auto& b) { return *a.first < *b.first; });
  for (const auto& [values, metric] : children) visit(*values, *metric);
}

template class MetricFamily<Counter>;
template class MetricFamily<Gauge>;
template class MetricFamily<Histogram>;

std::shared_ptr<MetricsRegistry> MetricsRegistry::Default() {
  static const auto* registry =
      new std::shared_ptr<MetricsRegistry>(std::make_shared<MetricsRegistry>());
  return *registry;
}

MetricsRegistry::Entry* MetricsRegistry::Find(absl::string_view name) {
  for (auto& entry : entries_) {
    if (entry->name == name) return entry.get();
  }
  return nullptr;
}

CounterFamily& MetricsRegistry::AddCounterFamily(absl::string_view name, absl::string_view help,
                                                 std::vector<std::string> label_names) {
  if (!ValidName(name)) DieBadRegistration(name, "invalid metric name");
  absl::MutexLock lock(&mu_);
  if (Entry* existing = Find(name)) {
    if (existing->counters == nullptr || existing->counters->label_names() != label_names) {
      DieBadRegistration(name, "already registered with another type or labels");
    }
    return *existing->counters;
  }
  auto entry = std::make_unique<Entry>();
  entry->type = MetricType::kCounter;
  entry->name = std::string(name);
  entry->help = std::string(help);
  entry->counters = std::make_unique<CounterFamily>(
      entry->name, entry->help, std::move(label_names), [] { return std::make_unique<Counter>(); });
  entries_.push_back(std::move(entry));
  return *entries_.back()->counters;
}

GaugeFamily& MetricsRegistry::AddGaugeFamily(absl::string_view name, absl::string_view help,
                                             std::vector<std::string> label_names) {
  if (!ValidName(name)) DieBadRegistration(name, "invalid metric name");
  absl::MutexLock lock(&mu_);
  if (Entry* existing = Find(name)) {
    if (existing->gauges == nullptr || existing->gauges->label_names() != label_names) {
      DieBadRegistration(name, "already registered with another type or labels");
    }
    return *existing->gauges;
  }
  auto entry = std::make_unique<Entry>();
  entry->type = MetricType::kGauge;
  entry->name = std::string(name);
  entry->help = std::string(help);
  entry->gauges = std::make_unique<GaugeFamily>(entry->name, entry->help, std::move(label_names),
                                                [] { return std::make_unique<Gauge>(); });
  entries_.push_back(std::move(entry));
  return *entries_.back()->gauges;
}

HistogramFamily& MetricsRegistry::AddHistogramFamily(absl::string_view name, absl::string_view help,
                                                     std::vector<std::string> label_names,
                                                     std::vector<double> bounds) {
  if (!ValidName(name)) DieBadRegistration(name, "invalid metric name");
  if (bounds.empty() || !std::is_sorted(bounds.begin(), bounds.end()) ||
      std::adjacent_find(bounds.begin(), bounds.end()) != bounds.end()) {
    DieBadRegistration(name, "histogram bounds must be non-empty and strictly ascending");
  }
  for (const std::string& label : label_names) {
    if (label == "le") DieBadRegistration(name, "histograms may not have a label named le");
  }
  absl::MutexLock lock(&mu_);
  if (Entry* existing = Find(name)) {
    if (existing->histograms == nullptr || existing->histograms->label_names() != label_names) {
      DieBadRegistration(name, "already registered with another type or labels");
    }
    return *existing->histograms;
  }
  auto entry = std::make_unique<Entry>();
  entry->type = MetricType::kHistogram;
  entry->name = std::string(name);
  entry->help = std::string(help);
  entry->histograms = std::make_unique<HistogramFamily>(
      entry->name, entry->help, std::move(label_names),
      [bounds = std::move(bounds)] { return std::make_unique<Histogram>(bounds); });
  entries_.push_back(std::move(entry));
  return *entries_.back()->histograms;
}

Counter& MetricsRegistry::AddCounter(absl::string_view name, absl::string_view help) {
  return AddCounterFamily(name, help, {}).WithLabels({});
}

Gauge& MetricsRegistry::AddGauge(absl::string_view name, absl::string_view help) {
  return AddGaugeFamily(name, help, {}).WithLabels({});
}

void MetricsRegistry::AddCallback(absl::string_view name, absl::string_view help, MetricType type,
                                  std::function<double()> read) {
  if (!ValidName(name)) DieBadRegistration(name, "invalid metric name");
  if (type == MetricType::kHistogram) DieBadRegistration(name, "a callback cannot be a histogram");
  absl::MutexLock lock(&mu_);
  if (Entry* existing = Find(name)) {
    if (existing->read == nullptr || existing->type != type) {
      DieBadRegistration(name, "already registered with another type");
    }
    existing->read = std::move(read);
    return;
  }
  auto entry = std::make_unique<Entry>();
  entry->type = type;
  entry->name = std::string(name);
  entry->help = std::string(help);
  entry->read = std::move(read);
  entries_.push_back(std::move(entry));
}

std::string MetricsRegistry::Render() const {
  std::string out;
  absl::ReaderMutexLock lock(&mu_);
  for (const auto& entry : entries_) {
    absl::StrAppend(&out, "# HELP ", entry->name, " ", EscapeHelp(entry->help), "\n", "# TYPE ",
                    entry->name, " ", TypeName(entry->type), "\n");
    if (entry->read != nullptr) {
      absl::StrAppend(&out, entry->name, " ", FormatValue(entry->read()), "\n");
    } else if (entry->counters != nullptr) {
      const auto& names = entry->counters->label_names();
      entry->counters->ForEach([&](const std::vector<std::string>& values, const Counter& c) {
        absl::StrAppend(&out, entry->name, LabelSet(names, values), " ", FormatValue(c.Value()),
                        "\n");
      });
    } else if (entry->gauges != nullptr) {
      const auto& names = entry->gauges->label_names();
      entry->gauges->ForEach([&](const std::vector<std::string>& values, const Gauge& g) {
        absl::StrAppend(&out, entry->name, LabelSet(names, values), " ", FormatValue(g.Value()),
                        "\n");
      });
    } else if (entry->histograms != nullptr) {
      const auto& names = entry->histograms->label_names();
      entry->histograms->ForEach([&](const std::vector<std::string>& values, const Histogram& h) {
        const std::vector<uint64_t> counts = h.CumulativeCounts();
        for (size_t i = 0; i < h.bounds().size(); ++i) {
          absl::StrAppend(&out, entry->name, "_bucket",
                          LabelSet(names, values, "le", FormatValue(h.bounds()[i])), " ", counts[i],
                          "\n");
        }
        absl::StrAppend(&out, entry->name, "_bucket", LabelSet(names, values, "le", "+Inf"), " ",
                        counts.back(), "\n");
        absl::StrAppend(&out, entry->name, "_sum", LabelSet(names, values), " ",
                        FormatValue(h.Sum()), "\n");
        absl::StrAppend(&out, entry->name, "_count", LabelSet(names, values), " ", counts.back(),
                        "\n");
      });
    }
  }
  return out;
}

void RegisterProcessMetrics(MetricsRegistry& registry) {
  registry.AddCallback("process_resident_memory_bytes", "Resident memory size in bytes.",
                       MetricType::kGauge, [] { return StatmPages(1); });
  registry.AddCallback("process_virtual_memory_bytes", "Virtual memory size in bytes.",
                       MetricType::kGauge, [] { return StatmPages(0); });
  registry.AddCallback("process_cpu_seconds_total", "Total user and system CPU time in seconds.",
                       MetricType::kCounter, [] {
                         const double ticks = static_cast<double>(::sysconf(_SC_CLK_TCK));
                         return (ProcStatField(14) + ProcStatField(15)) / ticks;
                       });
  registry.AddCallback("process_open_fds", "Number of open file descriptors.", MetricType::kGauge,
                       [] { return OpenFds(); });
  registry.AddCallback("process_max_fds", "Maximum number of open file descriptors.",
                       MetricType::kGauge, [] {
                         rlimit limit{};
                         if (::getrlimit(RLIMIT_NOFILE, &limit) != 0) return 0.0;
                         return static_cast<double>(limit.rlim_cur);
                       });
  // Fixed for the process' lifetime, so computed once.
  const double start =
      BootTimeSeconds() + ProcStatField(22) / static_cast<double>(::sysconf(_SC_CLK_TCK));
  registry.AddCallback("process_start_time_seconds",
                       "Start time of the process since the Unix epoch in seconds.",
                       MetricType::kGauge, [start] { return start; });
}

namespace {
absl::Mutex health_mu;
std::map<std::string, std::string>& HealthDetails() ABSL_EXCLUSIVE_LOCKS_REQUIRED(health_mu) {
  static auto* details = new std::map<std::string, std::string>();
  return *details;
}
}  // namespace

void SetHealthDetail(absl::string_view key, std::string text) {
  absl::MutexLock lock(&health_mu);
  if (text.empty()) {
    HealthDetails().erase(std::string(key));
  } else {
    HealthDetails()[std::string(key)] = std::move(text);
  }
}

std::string RenderHealth() {
  std::string out = "ok\n";
  absl::MutexLock lock(&health_mu);
  for (const auto& [key, text] : HealthDetails()) absl::StrAppend(&out, key, ": ", text, "\n");
  return out;
}

absl::StatusOr<std::unique_ptr<MetricsHttpServer>> MetricsHttpServer::Start(
    absl::string_view address, std::shared_ptr<const MetricsRegistry> registry) {
  ASSIGN_OR_RETURN(HostPort host_port, ParseHostPort(address, "--metrics_address"));
  // ":9101" means every interface, as for gRPC's own listening address.
  if (host_port.host.empty()) host_port.host = "0.0.0.0";
  std::unique_ptr<MetricsHttpServer> server(new MetricsHttpServer());
  server->registry_ = std::move(registry);
  server->http_ = std::make_unique<httplib::Server>();
  // Scrapes are rare; two workers keep the endpoint from competing with RPCs.
  server->http_->new_task_queue = [] { return new httplib::ThreadPool(2); };
  // httplib's default also sets SO_REUSEPORT, which would let a second copy
  // of a service share (and steal scrapes from) a port already in use.
  server->http_->set_socket_options([](int sock) {
    int yes = 1;
    ::setsockopt(sock, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof(yes));
  });
  const MetricsRegistry* reg = server->registry_.get();
  server->http_->Get("/metrics", [reg](const httplib::Request&, httplib::Response& res) {
    res.set_content(reg->Render(), "text/plain; version=0.0.4; charset=utf-8");
  });
  server->http_->Get("/healthz", [](const httplib::Request&, httplib::Response& res) {
    res.set_content(RenderHealth(), "text/plain; charset=utf-8");
  });
  const auto& [host, port] = host_port;
  if (port == 0) {
    server->port_ = server->http_->bind_to_any_port(host);
  } else if (server->http_->bind_to_port(host, port)) {
    server->port_ = port;
  } else {
    server->port_ = -1;
  }
  if (server->port_ <= 0) {
    return absl::UnavailableError(absl::StrCat("metrics: cannot listen on ", address));
  }
  httplib::Server* http = server->http_.get();
  auto finished = std::make_shared<std::atomic<bool>>(false);
  server->thread_ = std::thread([http, finished] {
    http->listen_after_bind();
    finished->store(true);
  });
  // stop() is a no-op until the accept loop runs, so a Stop() right after
  // Start() would otherwise leave the thread serving forever.
  while (!http->is_running() && !finished->load()) {
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  if (finished->load()) {
    server->thread_.join();
    return absl::UnavailableError(absl::StrCat("metrics: cannot serve on ", address));
  }
  return server;
}

void MetricsHttpServer::Stop() {
  if (!thread_.joinable()) return;
  http_->stop();
  thread_.join();
}

MetricsHttpServer::~MetricsHttpServer() { Stop(); }

}  // namespace salesteam::server
