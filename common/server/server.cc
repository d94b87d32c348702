#include "common/server/server.h"

#include <fcntl.h>
#include <signal.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <deque>
#include <fstream>
#include <mutex>
#include <sstream>
#include <thread>

#include <grpcpp/ext/proto_server_reflection_plugin.h>
#include <grpcpp/grpcpp.h>
#include <grpcpp/health_check_service_interface.h>
#include <grpcpp/security/server_credentials.h>
#include <grpcpp/support/server_interceptor.h>

#include "absl/container/flat_hash_map.h"
#include "absl/flags/flag.h"
#include "absl/hash/hash.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "common/server/call_log.h"

ABSL_FLAG(std::string, listen_address, "",
          "host:port to serve gRPC on; empty: 0.0.0.0 and the service's default port "
          "(roster 50051, activity 50052, sprint 50053, compensation 50054)");
ABSL_FLAG(std::string, metrics_address, "",
          "host:port for GET /metrics and /healthz; empty: 0.0.0.0 and the service's default "
          "metrics port (9101-9104); \"off\": no endpoint");
ABSL_FLAG(std::string, tls_cert, "", "PEM server certificate chain; set with --tls_key for TLS");
ABSL_FLAG(std::string, tls_key, "", "PEM private key of --tls_cert");
ABSL_FLAG(std::string, tls_client_ca, "",
          "PEM CA bundle; when set, clients must present a certificate it signed (mutual TLS)");
ABSL_FLAG(absl::Duration, shutdown_grace, absl::Seconds(20),
          "after SIGTERM, how long in-flight calls may take to finish before they are cancelled");
ABSL_FLAG(absl::Duration, prestop_delay, absl::ZeroDuration(),
          "after SIGTERM, how long to keep serving (health NOT_SERVING) before draining; "
          "a few seconds on Kubernetes, where endpoints are updated after the signal");
ABSL_FLAG(int32_t, max_message_bytes, 8 << 20,
          "largest request or response message; larger ones fail with RESOURCE_EXHAUSTED");
ABSL_FLAG(absl::Duration, keepalive_time, absl::Minutes(1),
          "how often the server pings an idle connection");
ABSL_FLAG(absl::Duration, keepalive_timeout, absl::Seconds(20),
          "how long a keepalive ping may go unanswered before the connection is closed");
ABSL_FLAG(absl::Duration, keepalive_min_ping_interval, absl::Seconds(10),
          "the shortest interval at which clients may send keepalive pings");
ABSL_FLAG(absl::Duration, max_connection_age, absl::InfiniteDuration(),
          "close connections gracefully after this age so that clients rebalance; inf: never");
ABSL_FLAG(int32_t, handler_threads, 32, "threads that run blocking handler work");

namespace salesteam::server {
namespace internal {

// What every call's interceptor needs from its server.
struct ServerCore {
  std::shared_ptr<const auth::TokenVerifier> verifier;
  std::function<void(absl::string_view)> call_log;
  std::shared_ptr<MetricsRegistry> metrics;  // owns the families below
  CounterFamily* started = nullptr;
  CounterFamily* handled = nullptr;
  HistogramFamily* handling_seconds = nullptr;
};

}  // namespace internal

namespace {

using grpc::experimental::InterceptionHookPoints;

// ---- The handler pool ----

class HandlerPool {
 public:
  explicit HandlerPool(int threads) {
    for (int i = 0; i < threads; ++i) std::thread([this] { Loop(); }).detach();
  }

  void Run(absl::AnyInvocable<void() &&> work) {
    absl::MutexLock lock(&mu_);
    queue_.push_back(std::move(work));
  }

  double Queued() {
    absl::MutexLock lock(&mu_);
    return static_cast<double>(queue_.size());
  }

 private:
  void Loop() {
    while (true) {
      absl::AnyInvocable<void() &&> work;
      {
        absl::MutexLock lock(&mu_, absl::Condition(this, &HandlerPool::HasWork));
        work = std::move(queue_.front());
        queue_.pop_front();
      }
      std::move(work)();
    }
  }
  bool HasWork() const ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) { return !queue_.empty(); }

  absl::Mutex mu_;
  std::deque<absl::AnyInvocable<void() &&>> queue_ ABSL_GUARDED_BY(mu_);
};

std::atomic<int> g_pool_threads{32};

// Lives for the whole process: its threads may still be finishing work while
// static destructors run.
HandlerPool& Pool() {
  static HandlerPool* pool = new HandlerPool(g_pool_threads.load());
  return *pool;
}

// ---- Which principal each call has ----

struct CallRecord {
  absl::StatusOr<auth::Principal> caller = absl::UnauthenticatedError("call not authenticated");
};

// Calls in flight, keyed by their ServerContextBase. Sharded so that
// concurrent calls rarely meet on one lock.
class CallRegistry {
 public:
  void Add(const void* context, const CallRecord* record) {
    Shard& shard = ShardFor(context);
    absl::MutexLock lock(&shard.mu);
    shard.calls[context] = record;
  }
  void Remove(const void* context) {
    Shard& shard = ShardFor(context);
    absl::MutexLock lock(&shard.mu);
    shard.calls.erase(context);
  }
  absl::StatusOr<auth::Principal> Caller(const void* context) {
    Shard& shard = ShardFor(context);
    absl::MutexLock lock(&shard.mu);
    auto it = shard.calls.find(context);
    if (it == shard.calls.end()) {
      // Fail closed: a handler on a server that did not verify the call.
      return absl::UnauthenticatedError("call was not authenticated by a Salesteam server");
    }
    return it->second->caller;
  }

 private:
  static constexpr size_t kShards = 16;
  struct Shard {
    absl::Mutex mu;
    absl::flat_hash_map<const void*, const CallRecord*> calls ABSL_GUARDED_BY(mu);
  };
  Shard& ShardFor(const void* context) { return shards_[absl::HashOf(context) % kShards]; }

  Shard shards_[kShards];
};

CallRegistry& Calls() {
  static CallRegistry* registry = new CallRegistry();
  return *registry;
}

// ---- The interceptor: authentication, call log, metrics ----

bool IsOpenMethod(absl::string_view method) {
  return absl::StartsWith(method, "/grpc.health.v1.Health/") ||
         absl::StartsWith(method, "/grpc.reflection.v1alpha.ServerReflection/") ||
         absl::StartsWith(method, "/grpc.reflection.v1.ServerReflection/");
}

absl::string_view TypeLabel(grpc::experimental::ServerRpcInfo::Type type) {
  switch (type) {
    case grpc::experimental::ServerRpcInfo::Type::UNARY:
      return "unary";
    case grpc::experimental::ServerRpcInfo::Type::CLIENT_STREAMING:
      return "client_stream";
    case grpc::experimental::ServerRpcInfo::Type::SERVER_STREAMING:
      return "server_stream";
    case grpc::experimental::ServerRpcInfo::Type::BIDI_STREAMING:
      return "bidi_stream";
  }
  return "unknown";
}

class CallInterceptor final : public grpc::experimental::Interceptor {
 public:
  CallInterceptor(std::shared_ptr<const internal::ServerCore> core,
                  grpc::experimental::ServerRpcInfo* info)
      : core_(std::move(core)),
        context_(info->server_context()),
        method_(info->method() != nullptr ? info->method() : ""),
        type_(TypeLabel(info->type())),
        open_(IsOpenMethod(method_)),
        start_(absl::Now()) {
    absl::string_view full = method_;
    if (absl::StartsWith(full, "/")) full.remove_prefix(1);
    const size_t slash = full.find('/');
    service_ = std::string(full.substr(0, slash));
    method_name_ = slash == absl::string_view::npos ? "" : std::string(full.substr(slash + 1));
  }

  ~CallInterceptor() override {
    if (registered_) Calls().Remove(context_);
    const absl::Duration latency = (finished_ ? end_ : absl::Now()) - start_;
    if (!finished_) {
      // The handler never sent a status (the call was cancelled first).
      code_ = grpc::StatusCode::CANCELLED;
      error_ = "call ended before the server answered";
    }
    const absl::string_view code_name = GrpcCodeName(code_);
    core_->handled->WithLabels({service_, method_name_, type_, code_name}).Increment();
    core_->handling_seconds->WithLabels({service_, method_name_, type_})
        .Observe(absl::ToDoubleSeconds(latency));
    CallLogEntry entry;
    entry.method = method_;
    entry.code = code_;
    entry.error = error_;
    entry.latency = latency;
    entry.principal = record_.caller.ok() ? record_.caller->subject : "-";
    entry.peer = peer_;
    core_->call_log(FormatCallLogLine(entry, absl::Now()));
  }

  void Intercept(grpc::experimental::InterceptorBatchMethods* methods) override {
    if (methods->QueryInterceptionHookPoint(InterceptionHookPoints::POST_RECV_INITIAL_METADATA)) {
      OnInitialMetadata(methods);
    }
    if (methods->QueryInterceptionHookPoint(InterceptionHookPoints::PRE_SEND_STATUS)) {
      OnSendStatus(methods);
    }
    methods->Proceed();
  }

 private:
  // Runs before gRPC invokes the method handler.
  void OnInitialMetadata(grpc::experimental::InterceptorBatchMethods* methods) {
    core_->started->WithLabels({service_, method_name_, type_}).Increment();
    peer_ = context_->peer();
    if (open_) {
      record_.caller = absl::UnauthenticatedError("health and reflection calls carry no principal");
    } else {
      record_.caller = Verify(methods->GetRecvInitialMetadata());
    }
    Calls().Add(context_, &record_);
    registered_ = true;
  }

  absl::StatusOr<auth::Principal> Verify(
      const std::multimap<grpc::string_ref, grpc::string_ref>* metadata) const {
    if (metadata == nullptr) return absl::UnauthenticatedError("no request metadata");
    const auto [first, last] = metadata->equal_range("authorization");
    if (first == last) return absl::UnauthenticatedError("missing authorization metadata");
    if (std::next(first) != last) {
      return absl::UnauthenticatedError("more than one authorization metadata entry");
    }
    const absl::string_view value(first->second.data(), first->second.size());
    return core_->verifier->Verify(value, absl::Now());
  }

  void OnSendStatus(grpc::experimental::InterceptorBatchMethods* methods) {
    grpc::Status status = methods->GetSendStatus();
    // Backstop for handlers that did not go through Unary()/Authenticate():
    // an unauthenticated caller never sees anything but UNAUTHENTICATED.
    if (!open_ && !record_.caller.ok() &&
        status.error_code() != grpc::StatusCode::UNAUTHENTICATED) {
      status = ToGrpcStatus(record_.caller.status());
      methods->ModifySendStatus(status);
    }
    code_ = status.error_code();
    error_ = status.error_message();
    end_ = absl::Now();
    finished_ = true;
  }

  const std::shared_ptr<const internal::ServerCore> core_;
  const grpc::ServerContextBase* const context_;
  const std::string method_;
  const absl::string_view type_;
  const bool open_;
  const absl::Time start_;
  std::string service_;
  std::string method_name_;
  std::string peer_;
  CallRecord record_;
  bool registered_ = false;
  bool finished_ = false;
  absl::Time end_;
  grpc::StatusCode code_ = grpc::StatusCode::OK;
  std::string error_;
};

class CallInterceptorFactory final : public grpc::experimental::ServerInterceptorFactoryInterface {
 public:
  explicit CallInterceptorFactory(std::shared_ptr<const internal::ServerCore> core)
      : core_(std::move(core)) {}
  grpc::experimental::Interceptor* CreateServerInterceptor(
      grpc::experimental::ServerRpcInfo* info) override {
    return new CallInterceptor(core_, info);
  }

 private:
  const std::shared_ptr<const internal::ServerCore> core_;
};

// ---- Building the server ----

void WriteToStderr(absl::string_view line) {
  // One write(2) per line keeps lines from concurrent calls whole.
  size_t done = 0;
  while (done < line.size()) {
    const ssize_t n = ::write(STDERR_FILENO, line.data() + done, line.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return;
    done += static_cast<size_t>(n);
  }
}

absl::StatusOr<std::string> ReadFile(const std::string& path, absl::string_view what) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return absl::FailedPreconditionError(absl::StrCat("cannot read ", what, " ", path));
  std::stringstream contents;
  contents << in.rdbuf();
  if (contents.str().empty()) {
    return absl::FailedPreconditionError(absl::StrCat(what, " ", path, " is empty"));
  }
  return contents.str();
}

absl::StatusOr<std::shared_ptr<grpc::ServerCredentials>> Credentials(const ServerOptions& options) {
  if (options.tls_cert_file.empty() && options.tls_key_file.empty()) {
    if (!options.tls_client_ca_file.empty()) {
      return absl::InvalidArgumentError("--tls_client_ca needs --tls_cert and --tls_key");
    }
    return grpc::InsecureServerCredentials();
  }
  if (options.tls_cert_file.empty() || options.tls_key_file.empty()) {
    return absl::InvalidArgumentError("--tls_cert and --tls_key go together");
  }
  grpc::SslServerCredentialsOptions ssl;
  grpc::SslServerCredentialsOptions::PemKeyCertPair pair;
  ASSIGN_OR_RETURN(pair.private_key, ReadFile(options.tls_key_file, "TLS key"));
  ASSIGN_OR_RETURN(pair.cert_chain, ReadFile(options.tls_cert_file, "TLS certificate"));
  ssl.pem_key_cert_pairs.push_back(std::move(pair));
  if (!options.tls_client_ca_file.empty()) {
    ASSIGN_OR_RETURN(ssl.pem_root_certs, ReadFile(options.tls_client_ca_file, "client CA"));
    ssl.client_certificate_request = GRPC_SSL_REQUEST_AND_REQUIRE_CLIENT_CERTIFICATE_AND_VERIFY;
  }
  return grpc::SslServerCredentials(ssl);
}

int ClampMillis(absl::Duration d) {
  if (d == absl::InfiniteDuration()) return INT32_MAX;
  return static_cast<int>(std::min<int64_t>(absl::ToInt64Milliseconds(d), INT32_MAX));
}

}  // namespace

// ---- Public API ----

ServerOptions ServerOptionsFromFlags(int default_port, int default_metrics_port) {
  ServerOptions options;
  options.listen_address = absl::GetFlag(FLAGS_listen_address);
  if (options.listen_address.empty()) {
    options.listen_address = absl::StrCat("0.0.0.0:", default_port);
  }
  options.metrics_address = absl::GetFlag(FLAGS_metrics_address);
  if (options.metrics_address.empty()) {
    options.metrics_address = absl::StrCat("0.0.0.0:", default_metrics_port);
  } else if (options.metrics_address == "off") {
    options.metrics_address.clear();
  }
  options.tls_cert_file = absl::GetFlag(FLAGS_tls_cert);
  options.tls_key_file = absl::GetFlag(FLAGS_tls_key);
  options.tls_client_ca_file = absl::GetFlag(FLAGS_tls_client_ca);
  options.shutdown_grace = absl::GetFlag(FLAGS_shutdown_grace);
  options.prestop_delay = absl::GetFlag(FLAGS_prestop_delay);
  options.max_message_bytes = absl::GetFlag(FLAGS_max_message_bytes);
  options.keepalive_time = absl::GetFlag(FLAGS_keepalive_time);
  options.keepalive_timeout = absl::GetFlag(FLAGS_keepalive_timeout);
  options.keepalive_min_ping_interval = absl::GetFlag(FLAGS_keepalive_min_ping_interval);
  options.max_connection_age = absl::GetFlag(FLAGS_max_connection_age);
  options.handler_threads = absl::GetFlag(FLAGS_handler_threads);
  return options;
}

absl::StatusOr<auth::Principal> Authenticate(const grpc::ServerContextBase* context) {
  return Calls().Caller(context);
}

void Offload(absl::AnyInvocable<void() &&> work) { Pool().Run(std::move(work)); }

absl::StatusOr<std::unique_ptr<Server>> Server::Start(ServerOptions options,
                                                      std::vector<ServiceRegistration> services) {
  if (services.empty()) return absl::InvalidArgumentError("no services to serve");
  for (const ServiceRegistration& s : services) {
    if (s.service == nullptr || s.name.empty()) {
      return absl::InvalidArgumentError("every service needs a name and an implementation");
    }
  }
  if (options.max_message_bytes <= 0) {
    return absl::InvalidArgumentError("--max_message_bytes must be positive");
  }
  if (options.handler_threads <= 0) {
    return absl::InvalidArgumentError("--handler_threads must be positive");
  }
  if (options.shutdown_grace < absl::ZeroDuration() ||
      options.prestop_delay < absl::ZeroDuration()) {
    return absl::InvalidArgumentError("--shutdown_grace and --prestop_delay must not be negative");
  }
  if (options.verifier == nullptr) {
    ASSIGN_OR_RETURN(auth::JwtSecret secret, auth::LoadJwtSecret());
    options.verifier = std::make_shared<auth::TokenVerifier>(std::move(secret.value));
  }
  if (options.metrics == nullptr) options.metrics = MetricsRegistry::Default();
  if (options.call_log == nullptr) options.call_log = WriteToStderr;
  ASSIGN_OR_RETURN(std::shared_ptr<grpc::ServerCredentials> credentials, Credentials(options));

  // The first server in the process sizes the pool; later ones share it.
  static std::once_flag pool_once;
  std::call_once(pool_once, [&] {
    g_pool_threads.store(options.handler_threads);
    Pool();
  });

  std::unique_ptr<Server> server(new Server());
  server->metrics_ = options.metrics;
  MetricsRegistry& metrics = *server->metrics_;
  RegisterProcessMetrics(metrics);
  metrics.AddCallback("salesteam_handler_queue_length",
                      "Handler bodies waiting for a free handler thread.", MetricType::kGauge,
                      [] { return Pool().Queued(); });
  auto core = std::make_shared<internal::ServerCore>();
  core->verifier = options.verifier;
  core->call_log = options.call_log;
  core->metrics = options.metrics;
  core->started =
      &metrics.AddCounterFamily("grpc_server_started_total", "RPCs started on the server.",
                                {"grpc_service", "grpc_method", "grpc_type"});
  core->handled = &metrics.AddCounterFamily(
      "grpc_server_handled_total", "RPCs completed on the server, by status code.",
      {"grpc_service", "grpc_method", "grpc_type", "grpc_code"});
  core->handling_seconds = &metrics.AddHistogramFamily(
      "grpc_server_handling_seconds", "Time from an RPC's start until its status is sent.",
      {"grpc_service", "grpc_method", "grpc_type"}, DefaultLatencyBuckets());
  server->core_ = core;

  // Both are process-wide switches; the reflection plugin must be added once
  // or every later server would register the reflection service twice.
  grpc::EnableDefaultHealthCheckService(true);
  static std::once_flag reflection_once;
  std::call_once(reflection_once,
                 [] { grpc::reflection::InitProtoReflectionServerBuilderPlugin(); });

  grpc::ServerBuilder builder;
  int port = 0;
  builder.AddListeningPort(options.listen_address, credentials, &port);
  for (const ServiceRegistration& s : services) builder.RegisterService(s.service);
  // gRPC turns SO_REUSEPORT on by default, which would let a second copy of a
  // service start on a port already in use and take half its calls.
  builder.AddChannelArgument(GRPC_ARG_ALLOW_REUSEPORT, 0);
  builder.SetMaxReceiveMessageSize(options.max_message_bytes);
  builder.SetMaxSendMessageSize(options.max_message_bytes);
  builder.AddChannelArgument(GRPC_ARG_KEEPALIVE_TIME_MS, ClampMillis(options.keepalive_time));
  builder.AddChannelArgument(GRPC_ARG_KEEPALIVE_TIMEOUT_MS, ClampMillis(options.keepalive_timeout));
  builder.AddChannelArgument(GRPC_ARG_KEEPALIVE_PERMIT_WITHOUT_CALLS, 1);
  builder.AddChannelArgument(GRPC_ARG_HTTP2_MAX_PINGS_WITHOUT_DATA, 0);
  builder.AddChannelArgument(GRPC_ARG_HTTP2_MIN_RECV_PING_INTERVAL_WITHOUT_DATA_MS,
                             ClampMillis(options.keepalive_min_ping_interval));
  if (options.max_connection_age != absl::InfiniteDuration()) {
    builder.AddChannelArgument(GRPC_ARG_MAX_CONNECTION_AGE_MS,
                               ClampMillis(options.max_connection_age));
    builder.AddChannelArgument(GRPC_ARG_MAX_CONNECTION_AGE_GRACE_MS,
                               ClampMillis(options.shutdown_grace));
  }
  std::vector<std::unique_ptr<grpc::experimental::ServerInterceptorFactoryInterface>> creators;
  creators.push_back(std::make_unique<CallInterceptorFactory>(core));
  builder.experimental().SetInterceptorCreators(std::move(creators));

  server->grpc_server_ = builder.BuildAndStart();
  if (server->grpc_server_ == nullptr || port == 0) {
    server->grpc_server_.reset();
    return absl::UnavailableError(
        absl::StrCat("cannot serve gRPC on ", options.listen_address, " (in use or invalid?)"));
  }
  server->port_ = port;
  grpc::HealthCheckServiceInterface* health = server->grpc_server_->GetHealthCheckService();
  health->SetServingStatus("", true);
  for (const ServiceRegistration& s : services) health->SetServingStatus(s.name, true);

  if (!options.metrics_address.empty()) {
    auto http = MetricsHttpServer::Start(options.metrics_address, server->metrics_);
    if (!http.ok()) {
      server->grpc_server_->Shutdown(std::chrono::system_clock::now());
      server->grpc_server_.reset();
      return http.status();
    }
    server->metrics_server_ = *std::move(http);
  }
  server->options_ = std::move(options);
  server->services_ = std::move(services);
  return server;
}

int Server::metrics_port() const {
  return metrics_server_ != nullptr ? metrics_server_->port() : 0;
}

void Server::Shutdown() {
  bool first = false;
  {
    absl::MutexLock lock(&shutdown_mu_);
    first = !shutdown_started_;
    shutdown_started_ = true;
  }
  if (!first) {
    shutdown_done_.WaitForNotification();
    return;
  }
  if (grpc_server_ != nullptr) {
    // Every name, "" included, answers NOT_SERVING from here on.
    grpc_server_->GetHealthCheckService()->Shutdown();
    absl::SleepFor(options_.prestop_delay);
    grpc_server_->Shutdown(absl::ToChronoTime(absl::Now() + options_.shutdown_grace));
    grpc_server_->Wait();
  }
  if (metrics_server_ != nullptr) metrics_server_->Stop();
  shutdown_done_.Notify();
}

Server::~Server() { Shutdown(); }

// ---- RunServer ----

namespace {

int g_signal_pipe[2] = {-1, -1};
std::atomic<int> g_signals_seen{0};
static_assert(std::atomic<int>::is_always_lock_free, "signal handler needs a lock-free counter");

// Async-signal-safe: only an atomic add, write(2) and _exit(2).
extern "C" void OnShutdownSignal(int signo) {
  const int saved_errno = errno;
  if (g_signals_seen.fetch_add(1) > 0 && signo == SIGINT) ::_exit(130);
  const unsigned char byte = static_cast<unsigned char>(signo);
  [[maybe_unused]] const ssize_t n = ::write(g_signal_pipe[1], &byte, 1);
  errno = saved_errno;
}

absl::Status InstallSignalPipe() {
  if (g_signal_pipe[0] < 0) {
    if (::pipe2(g_signal_pipe, O_CLOEXEC) != 0) {
      return absl::InternalError(absl::StrCat("pipe2: ", std::strerror(errno)));
    }
    // The handler must never block, even if signals pile up.
    ::fcntl(g_signal_pipe[1], F_SETFL, ::fcntl(g_signal_pipe[1], F_GETFL) | O_NONBLOCK);
  }
  struct sigaction action {};
  action.sa_handler = OnShutdownSignal;
  sigemptyset(&action.sa_mask);
  action.sa_flags = SA_RESTART;
  if (::sigaction(SIGTERM, &action, nullptr) != 0 || ::sigaction(SIGINT, &action, nullptr) != 0) {
    return absl::InternalError(absl::StrCat("sigaction: ", std::strerror(errno)));
  }
  // A peer closing a metrics connection must not kill the process.
  ::signal(SIGPIPE, SIG_IGN);
  return absl::OkStatus();
}

int WaitForShutdownSignal() {
  unsigned char byte = 0;
  while (true) {
    const ssize_t n = ::read(g_signal_pipe[0], &byte, 1);
    if (n == 1) return byte;
    if (n < 0 && errno == EINTR) continue;
    return SIGTERM;  // the pipe broke: treat as a request to stop
  }
}

void LogEvent(absl::string_view event, absl::string_view details_json) {
  std::string line = "{\"ts\":";
  AppendJsonString(line,
                   absl::FormatTime("%Y-%m-%dT%H:%M:%E6SZ", absl::Now(), absl::UTCTimeZone()));
  line += ",\"event\":";
  AppendJsonString(line, event);
  if (!details_json.empty()) absl::StrAppend(&line, ",", details_json);
  line += "}\n";
  WriteToStderr(line);
}

}  // namespace

int RunServer(ServerOptions options, std::vector<ServiceRegistration> services) {
  if (absl::Status status = InstallSignalPipe(); !status.ok()) {
    LogEvent("start_failed", absl::StrCat("\"error\":\"", status.message(), "\""));
    return 1;
  }
  std::vector<std::string> names;
  for (const ServiceRegistration& s : services) names.push_back(s.name);
  const std::string address = options.listen_address;
  absl::StatusOr<std::unique_ptr<Server>> server =
      Server::Start(std::move(options), std::move(services));
  if (!server.ok()) {
    std::string error;
    AppendJsonString(error, server.status().ToString());
    LogEvent("start_failed", absl::StrCat("\"error\":", error));
    return 1;
  }
  std::string details = "\"address\":";
  AppendJsonString(details, address);
  absl::StrAppend(&details, ",\"port\":", (*server)->port(),
                  ",\"metrics_port\":", (*server)->metrics_port(), ",\"services\":[");
  for (size_t i = 0; i < names.size(); ++i) {
    if (i > 0) details += ",";
    AppendJsonString(details, names[i]);
  }
  details += "]";
  LogEvent("serving", details);

  const int signo = WaitForShutdownSignal();
  LogEvent("draining", absl::StrCat("\"signal\":\"", signo == SIGINT ? "SIGINT" : "SIGTERM", "\""));
  (*server)->Shutdown();
  server->reset();
  LogEvent("stopped", "");
  return 0;
}

}  // namespace salesteam::server
