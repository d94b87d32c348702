#include "common/server/server.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <malloc.h>
#include <poll.h>
#include <signal.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <deque>
#include <mutex>
#include <thread>

#include <grpcpp/ext/proto_server_reflection_plugin.h>
#include <grpcpp/grpcpp.h>
#include <grpcpp/health_check_service_interface.h>
#include <grpcpp/resource_quota.h>
#include <grpcpp/security/server_credentials.h>
#include <grpcpp/support/server_interceptor.h>

#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "absl/flags/flag.h"
#include "absl/hash/hash.h"
#include "absl/random/random.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "common/client/current_call.h"
#include "common/io.h"
#include "common/server/call_log.h"
#include "common/server/read_slots.h"
#include "common/server/stream_limiter.h"
#include "common/store/storage_state.h"
#include "google/protobuf/descriptor.h"

ABSL_FLAG(std::string, listen_address, "",
          "host:port to serve gRPC on; empty: 127.0.0.1 and the service's default port "
          "(roster 50051, activity 50052, sprint 50053, compensation 50054). Listening beyond "
          "loopback (e.g. 0.0.0.0:50051) needs SALESTEAM_JWT_SECRET or --jwt_secret_file");
ABSL_FLAG(std::string, metrics_address, "",
          "host:port for GET /metrics and /healthz; empty: 127.0.0.1 and the service's default "
          "metrics port (9101-9104); \"off\": no endpoint");
ABSL_FLAG(std::string, tls_cert, "", "PEM server certificate chain; set with --tls_key for TLS");
ABSL_FLAG(std::string, tls_key, "", "PEM private key of --tls_cert");
ABSL_FLAG(std::string, tls_client_ca, "",
          "PEM CA bundle; when set, clients must present a certificate it signed (mutual TLS)");
ABSL_FLAG(absl::Duration, shutdown_grace, absl::Seconds(20),
          "after SIGTERM, how long in-flight calls may take to finish before they are cancelled; "
          "the process exits at the latest prestop_delay + shutdown_grace + 3s after the signal");
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
ABSL_FLAG(int32_t, handler_queue_limit, 1024,
          "unary calls that may wait for a handler thread; more are refused with "
          "RESOURCE_EXHAUSTED (\"server busy\") without running");
ABSL_FLAG(int32_t, write_threads, 4,
          "threads that run handler work which waits for the database's writer (unary writes, "
          "stream batches), apart from the handler threads, so that reads never wait behind it");
ABSL_FLAG(int32_t, write_queue_limit, 64,
          "unary writes that may wait for a write thread; more are shed with RESOURCE_EXHAUSTED "
          "and a retry hint (grpc-retry-pushback-ms)");
ABSL_FLAG(int32_t, memory_quota_mib, 256,
          "MiB that gRPC may buffer for all connections together (grpc::ResourceQuota); as it "
          "fills, flow-control windows shrink and clients that send without reading wait");
ABSL_FLAG(int32_t, max_concurrent_streams, 100,
          "calls one connection may carry at once (HTTP/2 MAX_CONCURRENT_STREAMS)");
ABSL_FLAG(int32_t, stream_read_slots, 64,
          "messages that streaming calls may be reading or holding at once, server-wide (a "
          "StreamActivities batch holds one until it is recorded); bounds their memory however "
          "many streams are open");
ABSL_FLAG(int32_t, max_streams_per_principal, 64,
          "streaming calls one identity (token subject) may have open at once; more are refused "
          "with RESOURCE_EXHAUSTED");

namespace salesteam::server {
namespace internal {

// What every call's interceptor needs from its server. Immutable once the
// server is built.
struct ServerCore {
  std::shared_ptr<const auth::TokenVerifier> verifier;
  std::function<void(absl::string_view)> call_log;
  // "/package.Service/Method" of every method the server serves; only these
  // become metric labels, since a client can send any path.
  absl::flat_hash_set<std::string> known_methods;
  size_t handler_queue_limit = 0;
  size_t write_queue_limit = 0;
  std::unique_ptr<StreamLimiter> streams;
  std::shared_ptr<MetricsRegistry> metrics;  // owns the families below
  CounterFamily* started = nullptr;
  CounterFamily* handled = nullptr;
  HistogramFamily* handling_seconds = nullptr;
  Counter* busy_refusals = nullptr;
  Counter* write_sheds = nullptr;
  Counter* stream_refusals = nullptr;
};

}  // namespace internal

namespace {

using grpc::experimental::InterceptionHookPoints;

// How long after prestop_delay + shutdown_grace RunServer still waits for
// cancelled calls to return before it ends the process regardless: enough for
// handlers that notice cancellation to finish and for their log lines.
constexpr absl::Duration kDrainMargin = absl::Seconds(3);

// Methods every server serves besides the registered services.
constexpr const char* kBuiltInMethods[] = {
    "/grpc.health.v1.Health/Check",
    "/grpc.health.v1.Health/Watch",
    "/grpc.reflection.v1alpha.ServerReflection/ServerReflectionInfo",
    "/grpc.reflection.v1.ServerReflection/ServerReflectionInfo",
};

// The metric labels of calls to methods the server does not serve.
constexpr char kUnknownLabel[] = "unknown";

// Logs each change of the database storage's state (defined with LogEvent).
void LogStorageChanges();

// ---- The handler and write pools ----

class HandlerPool {
 public:
  explicit HandlerPool(int threads) : threads_(threads) {
    for (int i = 0; i < threads; ++i) std::thread([this] { Loop(); }).detach();
  }

  void Run(absl::AnyInvocable<void() &&> work) {
    absl::MutexLock lock(&mu_);
    queue_.push_back(std::move(work));
  }

  // Queues `work` unless `limit` items already wait for a busy thread.
  // Items that idle threads are about to take do not count, or a burst of
  // calls arriving faster than threads wake up would be refused while
  // threads sit idle.
  bool TryRun(size_t limit, absl::AnyInvocable<void() &&>& work) {
    absl::MutexLock lock(&mu_);
    if (queue_.size() >= idle_ + limit) return false;
    queue_.push_back(std::move(work));
    return true;
  }

  double Queued() {
    absl::MutexLock lock(&mu_);
    return static_cast<double>(queue_.size());
  }

  // How long until a call queued now would likely get a thread: the queue's
  // length times the recent time per item, spread over the threads. What a
  // shed caller is told to wait before retrying.
  absl::Duration ExpectedWait() {
    absl::MutexLock lock(&mu_);
    const double items = static_cast<double>(queue_.size() + 1);
    return absl::Seconds(items * average_seconds_ / threads_);
  }

 private:
  void Loop() {
    while (true) {
      absl::AnyInvocable<void() &&> work;
      {
        absl::MutexLock lock(&mu_);
        ++idle_;
        mu_.Await(absl::Condition(this, &HandlerPool::HasWork));
        --idle_;
        work = std::move(queue_.front());
        queue_.pop_front();
      }
      const absl::Time start = absl::Now();
      std::move(work)();
      const double seconds = absl::ToDoubleSeconds(absl::Now() - start);
      absl::MutexLock lock(&mu_);
      // An exponential moving average over roughly the last 20 items.
      average_seconds_ += (seconds - average_seconds_) / 20;
    }
  }
  bool HasWork() const ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) { return !queue_.empty(); }

  const int threads_;
  absl::Mutex mu_;
  std::deque<absl::AnyInvocable<void() &&>> queue_ ABSL_GUARDED_BY(mu_);
  size_t idle_ ABSL_GUARDED_BY(mu_) = 0;  // threads waiting for work
  double average_seconds_ ABSL_GUARDED_BY(mu_) = 0;
};

std::atomic<int> g_pool_threads{32};
std::atomic<int> g_write_threads{4};
std::atomic<int> g_stream_read_slots{64};

// Both live for the whole process: their threads may still be finishing work
// while static destructors run.
HandlerPool& Pool() {
  static HandlerPool* pool = new HandlerPool(g_pool_threads.load());
  return *pool;
}
HandlerPool& WritePool() {
  static HandlerPool* pool = new HandlerPool(g_write_threads.load());
  return *pool;
}

ReadSlots& ReadSlotsInstance() {
  static ReadSlots* slots =
      new ReadSlots(g_stream_read_slots.load(), [](ReadSlots::Granted granted) {
        Pool().Run([granted = std::move(granted)]() mutable { std::move(granted)(); });
      });
  return *slots;
}

// glibc keeps what a burst of streamed batches freed (hundreds of MiB after a
// few hundred hostile streams) for reuse, so the resident set stays high long
// after they left. Once no stream has held a read slot for a few seconds,
// give it back to the system: once per burst, since malloc_trim walks the
// whole heap.
void TrimAfterStreamBursts() {
  bool busy_since_trim = false;
  while (true) {
    absl::SleepFor(absl::Seconds(5));
    if (ReadSlotsInstance().InUse() > 0) {
      busy_since_trim = true;
    } else if (busy_since_trim) {
      malloc_trim(0);
      busy_since_trim = false;
    }
  }
}

// The retry hint of a shed write: at least 50 ms, so that clients back off
// noticeably, and at most a minute, so that a stale estimate cannot park them.
absl::Duration WritePushback() {
  return std::clamp(absl::Ceil(WritePool().ExpectedWait(), absl::Milliseconds(1)),
                    absl::Milliseconds(50), absl::Minutes(1));
}

// ---- Which principal each call has ----

struct CallRecord {
  absl::StatusOr<auth::Principal> caller = absl::UnauthenticatedError("call not authenticated");
  // Not OK for a stream refused by the per-identity limit.
  absl::Status admission;
  const internal::ServerCore* core = nullptr;
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
  // A copy of the call's record; fails closed (UNAUTHENTICATED, no core) for
  // a context that no Salesteam server verified.
  CallRecord Find(const void* context) {
    Shard& shard = ShardFor(context);
    absl::MutexLock lock(&shard.mu);
    auto it = shard.calls.find(context);
    if (it == shard.calls.end()) {
      CallRecord unknown;
      unknown.caller =
          absl::UnauthenticatedError("call was not authenticated by a Salesteam server");
      return unknown;
    }
    return *it->second;
  }
  size_t Count() {
    size_t count = 0;
    for (Shard& shard : shards_) {
      absl::MutexLock lock(&shard.mu);
      count += shard.calls.size();
    }
    return count;
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

// Codes whose message describes the server's own failure (a database error,
// a bug), which is for the operator, not the caller.
bool IsHiddenCode(grpc::StatusCode code) {
  return code == grpc::StatusCode::INTERNAL || code == grpc::StatusCode::UNKNOWN ||
         code == grpc::StatusCode::DATA_LOSS;
}

// Eight hex digits: enough to find one line among a day's logs.
std::string NewErrorRef() {
  thread_local absl::BitGen gen;
  return absl::StrFormat("%08x", absl::Uniform<uint32_t>(gen));
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
        stream_(info->type() != grpc::experimental::ServerRpcInfo::Type::UNARY),
        open_(IsOpenMethod(method_)),
        start_(absl::Now()) {
    if (core_->known_methods.contains(method_)) {
      absl::string_view full = method_;
      full.remove_prefix(1);
      const size_t slash = full.find('/');
      service_ = std::string(full.substr(0, slash));
      method_name_ = std::string(full.substr(slash + 1));
    } else {
      // The path is whatever the client sent: as a label it would let any
      // client create unbounded series.
      service_ = kUnknownLabel;
      method_name_ = kUnknownLabel;
    }
    record_.core = core_.get();
  }

  ~CallInterceptor() override {
    if (registered_) Calls().Remove(context_);
    if (stream_counted_) core_->streams->Release(record_.caller->subject);
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
    entry.error_ref = error_ref_;
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
      if (stream_ && record_.caller.ok()) {
        record_.admission = core_->streams->Acquire(record_.caller->subject);
        stream_counted_ = record_.admission.ok();
        if (!stream_counted_) core_->stream_refusals->Increment();
      }
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
    // The same for a stream over its identity's limit whose handler did not
    // ask Authenticate(): it never answers with anything but the refusal.
    if (!record_.admission.ok() && status.error_code() != grpc::StatusCode::RESOURCE_EXHAUSTED) {
      status = ToGrpcStatus(record_.admission);
      methods->ModifySendStatus(status);
    }
    code_ = status.error_code();
    error_ = status.error_message();
    // Whatever path produced it (Unary, a streaming reactor, gRPC itself),
    // the server's own failure reaches the caller as a ref into this log
    // line, never as its text: that may name hosts, queries or data.
    if (IsHiddenCode(code_)) {
      error_ref_ = NewErrorRef();
      methods->ModifySendStatus(grpc::Status(
          code_, absl::StrCat("internal error; see server log (ref ", error_ref_, ")")));
    }
    end_ = absl::Now();
    finished_ = true;
  }

  const std::shared_ptr<const internal::ServerCore> core_;
  const grpc::ServerContextBase* const context_;
  const std::string method_;
  const absl::string_view type_;
  const bool stream_;
  const bool open_;
  const absl::Time start_;
  std::string service_;
  std::string method_name_;
  std::string peer_;
  CallRecord record_;
  bool registered_ = false;
  bool stream_counted_ = false;
  bool finished_ = false;
  absl::Time end_;
  grpc::StatusCode code_ = grpc::StatusCode::OK;
  std::string error_;
  std::string error_ref_;
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

absl::StatusOr<std::string> ReadPemFile(const std::string& path, absl::string_view what) {
  ASSIGN_OR_RETURN(std::string contents, ReadFileToString(path, what));
  // gRPC would fail later, on the first handshake, with a vaguer message.
  if (contents.empty()) {
    return absl::FailedPreconditionError(absl::StrCat(what, " ", QuoteInput(path), " is empty"));
  }
  return contents;
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
  ASSIGN_OR_RETURN(pair.private_key, ReadPemFile(options.tls_key_file, "--tls_key"));
  ASSIGN_OR_RETURN(pair.cert_chain, ReadPemFile(options.tls_cert_file, "--tls_cert"));
  ssl.pem_key_cert_pairs.push_back(std::move(pair));
  if (!options.tls_client_ca_file.empty()) {
    ASSIGN_OR_RETURN(ssl.pem_root_certs,
                     ReadPemFile(options.tls_client_ca_file, "--tls_client_ca"));
    ssl.client_certificate_request = GRPC_SSL_REQUEST_AND_REQUIRE_CLIENT_CERTIFICATE_AND_VERIFY;
  }
  return grpc::SslServerCredentials(ssl);
}

int ClampMillis(absl::Duration d) {
  if (d == absl::InfiniteDuration()) return INT32_MAX;
  return static_cast<int>(std::min<int64_t>(absl::ToInt64Milliseconds(d), INT32_MAX));
}

// Adds "/<service>/<method>" for every method of the named proto service.
absl::Status AddMethodsOf(const std::string& service_name,
                          absl::flat_hash_set<std::string>& methods) {
  const google::protobuf::ServiceDescriptor* service =
      google::protobuf::DescriptorPool::generated_pool()->FindServiceByName(service_name);
  if (service == nullptr) {
    return absl::InvalidArgumentError(
        absl::StrCat("service name ", QuoteInput(service_name),
                     " is not a compiled-in proto service; use XxxService::service_full_name()"));
  }
  for (int i = 0; i < service->method_count(); ++i) {
    methods.insert(absl::StrCat("/", service->full_name(), "/", service->method(i)->name()));
  }
  return absl::OkStatus();
}

// Whether only this machine can reach `address`: loopback IPs, localhost, and
// Unix domain sockets.
bool IsLoopbackAddress(absl::string_view address) {
  if (absl::StartsWith(address, "unix:") || absl::StartsWith(address, "unix-abstract:")) {
    return true;
  }
  absl::StatusOr<HostPort> host_port = ParseHostPort(address, "--listen_address");
  if (!host_port.ok()) return false;
  const std::string& host = host_port->host;
  if (absl::EqualsIgnoreCase(host, "localhost")) return true;
  in_addr v4{};
  if (::inet_pton(AF_INET, host.c_str(), &v4) == 1) return (ntohl(v4.s_addr) >> 24) == 127;
  in6_addr v6{};
  if (::inet_pton(AF_INET6, host.c_str(), &v6) == 1) {
    return IN6_IS_ADDR_LOOPBACK(&v6) || (IN6_IS_ADDR_V4MAPPED(&v6) && v6.s6_addr[12] == 127);
  }
  return false;
}

}  // namespace

// ---- Public API ----

ServerOptions ServerOptionsFromFlags(int default_port, int default_metrics_port) {
  ServerOptions options;
  options.listen_address = absl::GetFlag(FLAGS_listen_address);
  if (options.listen_address.empty()) {
    options.listen_address = absl::StrCat("127.0.0.1:", default_port);
  }
  options.metrics_address = absl::GetFlag(FLAGS_metrics_address);
  if (options.metrics_address.empty()) {
    options.metrics_address = absl::StrCat("127.0.0.1:", default_metrics_port);
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
  options.handler_queue_limit = absl::GetFlag(FLAGS_handler_queue_limit);
  options.write_threads = absl::GetFlag(FLAGS_write_threads);
  options.write_queue_limit = absl::GetFlag(FLAGS_write_queue_limit);
  options.memory_quota_mib = absl::GetFlag(FLAGS_memory_quota_mib);
  options.max_concurrent_streams = absl::GetFlag(FLAGS_max_concurrent_streams);
  options.max_streams_per_principal = absl::GetFlag(FLAGS_max_streams_per_principal);
  options.stream_read_slots = absl::GetFlag(FLAGS_stream_read_slots);
  return options;
}

absl::StatusOr<auth::Principal> Authenticate(const grpc::ServerContextBase* context) {
  CallRecord record = Calls().Find(context);
  if (record.caller.ok() && !record.admission.ok()) return record.admission;
  return std::move(record.caller);
}

void Offload(absl::AnyInvocable<void() &&> work) { Pool().Run(std::move(work)); }

void OffloadWrite(absl::AnyInvocable<void() &&> work) { WritePool().Run(std::move(work)); }

ReadSlots& StreamReadSlots() { return ReadSlotsInstance(); }

namespace internal {

void RunUnary(grpc::CallbackServerContext* context, grpc::ServerUnaryReactor* reactor,
              UnaryBody body, Lane lane) {
  CallRecord record = Calls().Find(context);
  if (!record.caller.ok()) {
    reactor->Finish(ToGrpcStatus(record.caller.status()));
    return;
  }
  absl::AnyInvocable<void()&&> work = [context, reactor, caller = *std::move(record.caller),
                                       body = std::move(body)]() mutable {
    // The caller may have given up while the body waited for a thread; its
    // work would be wasted, and under overload that waste is what keeps the
    // queue long.
    if (std::chrono::system_clock::now() >= context->deadline()) {
      reactor->Finish(grpc::Status(grpc::StatusCode::DEADLINE_EXCEEDED,
                                   "deadline passed while waiting for a handler thread"));
      return;
    }
    if (context->IsCancelled()) {
      reactor->Finish(grpc::Status(grpc::StatusCode::CANCELLED,
                                   "call cancelled while waiting for a handler thread"));
      return;
    }
    absl::Status status;
    // An exception escaping a pool thread would end the process and every
    // call in it; one failed call is the right blast radius.
    try {
      // Calls to peers made by the body carry this call's deadline and
      // cancellation (common/client/peer_channel.h).
      client::ScopedCurrentCall current(context);
      status = std::move(body)(static_cast<const auth::Principal&>(caller));
    } catch (const std::exception& e) {
      status = absl::InternalError(absl::StrCat("handler failed: ", e.what()));
    } catch (...) {
      status = absl::InternalError("handler failed with a non-standard exception");
    }
    reactor->Finish(ToGrpcStatus(status));
  };
  if (lane == Lane::kWrite) {
    if (WritePool().TryRun(record.core->write_queue_limit, work)) return;
    record.core->write_sheds->Increment();
    const int64_t pushback_ms = absl::ToInt64Milliseconds(WritePushback());
    // gRPC clients with a retry policy wait this long before their retry;
    // others read it in the message.
    context->AddTrailingMetadata("grpc-retry-pushback-ms", absl::StrCat(pushback_ms));
    reactor->Finish(grpc::Status(
        grpc::StatusCode::RESOURCE_EXHAUSTED,
        absl::StrCat("server busy writing: ", record.core->write_queue_limit,
                     " writes already wait for the database (--write_queue_limit); nothing of "
                     "this call was written; retry in ",
                     pushback_ms, " ms")));
    return;
  }
  if (!Pool().TryRun(record.core->handler_queue_limit, work)) {
    record.core->busy_refusals->Increment();
    reactor->Finish(grpc::Status(
        grpc::StatusCode::RESOURCE_EXHAUSTED,
        "server busy: too many calls are waiting for a handler thread; retry with backoff"));
  }
}

}  // namespace internal

namespace {

// Every option Start refuses, with the flag it came from.
absl::Status ValidateOptions(const ServerOptions& options) {
  if (options.max_message_bytes <= 0) {
    return absl::InvalidArgumentError("--max_message_bytes must be positive");
  }
  if (options.handler_threads <= 0) {
    return absl::InvalidArgumentError("--handler_threads must be positive");
  }
  if (options.handler_queue_limit <= 0) {
    return absl::InvalidArgumentError("--handler_queue_limit must be positive");
  }
  if (options.write_threads <= 0 || options.write_queue_limit <= 0) {
    return absl::InvalidArgumentError("--write_threads and --write_queue_limit must be positive");
  }
  if (options.memory_quota_mib <= 0 || options.max_concurrent_streams <= 0 ||
      options.max_streams_per_principal <= 0 || options.stream_read_slots <= 0) {
    return absl::InvalidArgumentError(
        "--memory_quota_mib, --max_concurrent_streams, --max_streams_per_principal and "
        "--stream_read_slots must be positive");
  }
  if (options.shutdown_grace < absl::ZeroDuration() ||
      options.prestop_delay < absl::ZeroDuration()) {
    return absl::InvalidArgumentError("--shutdown_grace and --prestop_delay must not be negative");
  }
  return absl::OkStatus();
}

// The server's gauges, counters and histograms, and where the interceptor
// finds them (`core`).
void RegisterServerMetrics(MetricsRegistry& metrics, const ServerOptions& options,
                           internal::ServerCore& core) {
  RegisterProcessMetrics(metrics);
  metrics.AddCallback("salesteam_handler_queue_length",
                      "Handler bodies waiting for a free handler thread.", MetricType::kGauge,
                      [] { return Pool().Queued(); });
  metrics.AddCallback("salesteam_handler_threads", "Threads that run handler bodies.",
                      MetricType::kGauge,
                      [] { return static_cast<double>(g_pool_threads.load()); });
  metrics.AddCallback("salesteam_write_queue_length",
                      "Writes (unary bodies and stream batches) waiting for a write thread.",
                      MetricType::kGauge, [] { return WritePool().Queued(); });
  metrics.AddCallback("salesteam_write_threads", "Threads that run writes.", MetricType::kGauge,
                      [] { return static_cast<double>(g_write_threads.load()); });
  metrics.AddCallback(
      "salesteam_storage_exhausted",
      "1 while the database's storage is full (writes are refused with RESOURCE_EXHAUSTED "
      "until one commits again), else 0.",
      MetricType::kGauge, [] { return store::StorageExhausted() ? 1.0 : 0.0; });
  LogStorageChanges();
  metrics.AddCallback("salesteam_stream_read_slots_in_use",
                      "Streamed messages being read or held (of --stream_read_slots).",
                      MetricType::kGauge,
                      [] { return static_cast<double>(ReadSlotsInstance().InUse()); });
  metrics.AddCallback("salesteam_stream_read_slots_waiting",
                      "Streams waiting for a read slot (their clients are held back by flow "
                      "control meanwhile).",
                      MetricType::kGauge,
                      [] { return static_cast<double>(ReadSlotsInstance().Waiting()); });
  core.verifier = options.verifier;
  core.call_log = options.call_log;
  core.handler_queue_limit = static_cast<size_t>(options.handler_queue_limit);
  core.write_queue_limit = static_cast<size_t>(options.write_queue_limit);
  core.streams = std::make_unique<StreamLimiter>(options.max_streams_per_principal);
  core.metrics = options.metrics;
  core.started =
      &metrics.AddCounterFamily("grpc_server_started_total", "RPCs started on the server.",
                                {"grpc_service", "grpc_method", "grpc_type"});
  core.handled = &metrics.AddCounterFamily(
      "grpc_server_handled_total", "RPCs completed on the server, by status code.",
      {"grpc_service", "grpc_method", "grpc_type", "grpc_code"});
  core.handling_seconds = &metrics.AddHistogramFamily(
      "grpc_server_handling_seconds", "Time from an RPC's start until its status is sent.",
      {"grpc_service", "grpc_method", "grpc_type"}, DefaultLatencyBuckets());
  core.busy_refusals = &metrics.AddCounter(
      "salesteam_handler_queue_refusals_total",
      "Unary calls refused with RESOURCE_EXHAUSTED because the handler queue was full.");
  core.write_sheds = &metrics.AddCounter(
      "salesteam_write_sheds_total",
      "Unary writes shed with RESOURCE_EXHAUSTED and a retry hint because the write queue was "
      "full.");
  core.stream_refusals =
      &metrics.AddCounter("salesteam_stream_refusals_total",
                          "Streams refused with RESOURCE_EXHAUSTED because their identity had "
                          "--max_streams_per_principal open.");
}

// The listening port, services, limits, keepalive and interceptors of the
// gRPC server; `port` receives the bound port when the server starts, and
// `quota` is sized for the server's memory.
void ConfigureBuilder(const ServerOptions& options,
                      std::shared_ptr<grpc::ServerCredentials> credentials,
                      const std::vector<ServiceRegistration>& services,
                      std::shared_ptr<internal::ServerCore> core, int& port,
                      grpc::ResourceQuota& quota, grpc::ServerBuilder& builder) {
  builder.AddListeningPort(options.listen_address, credentials, &port);
  for (const ServiceRegistration& s : services) builder.RegisterService(s.service);
  // gRPC turns SO_REUSEPORT on by default, which would let a second copy of a
  // service start on a port already in use and take half its calls.
  builder.AddChannelArgument(GRPC_ARG_ALLOW_REUSEPORT, 0);
  // What gRPC buffers for every connection together; as it fills, gRPC offers
  // smaller flow-control windows, so senders that do not read are held back.
  quota.Resize(static_cast<size_t>(options.memory_quota_mib) << 20);
  builder.SetResourceQuota(quota);
  builder.AddChannelArgument(GRPC_ARG_MAX_CONCURRENT_STREAMS, options.max_concurrent_streams);
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
}

}  // namespace

absl::StatusOr<std::unique_ptr<Server>> Server::Start(ServerOptions options,
                                                      std::vector<ServiceRegistration> services) {
  if (services.empty()) return absl::InvalidArgumentError("no services to serve");
  auto core = std::make_shared<internal::ServerCore>();
  for (const ServiceRegistration& s : services) {
    if (s.service == nullptr || s.name.empty()) {
      return absl::InvalidArgumentError("every service needs a name and an implementation");
    }
    RETURN_IF_ERROR(AddMethodsOf(s.name, core->known_methods));
  }
  for (const char* method : kBuiltInMethods) core->known_methods.insert(method);
  RETURN_IF_ERROR(ValidateOptions(options));
  if (options.verifier == nullptr) {
    ASSIGN_OR_RETURN(auth::JwtSecret secret, auth::LoadJwtSecret());
    // Anyone can mint tokens with the development secret: it may only guard
    // a server that nobody else can reach.
    if (secret.is_development && !IsLoopbackAddress(options.listen_address)) {
      return absl::FailedPreconditionError(absl::StrCat(
          "--listen_address ", QuoteInput(options.listen_address),
          " is reachable from other machines, but no JWT secret is configured and the built-in "
          "development secret is public: set SALESTEAM_JWT_SECRET or --jwt_secret_file, or "
          "listen on 127.0.0.1"));
    }
    options.verifier = std::make_shared<auth::TokenVerifier>(std::move(secret.value));
  }
  if (options.metrics == nullptr) options.metrics = MetricsRegistry::Default();
  if (options.call_log == nullptr) options.call_log = WriteToStderr;
  ASSIGN_OR_RETURN(std::shared_ptr<grpc::ServerCredentials> credentials, Credentials(options));

  // The first server in the process sizes the pool; later ones share it.
  static std::once_flag pool_once;
  std::call_once(pool_once, [&] {
    g_pool_threads.store(options.handler_threads);
    g_write_threads.store(options.write_threads);
    g_stream_read_slots.store(options.stream_read_slots);
    Pool();
    WritePool();
    ReadSlotsInstance();
    std::thread(TrimAfterStreamBursts).detach();
  });

  std::unique_ptr<Server> server(new Server());
  server->metrics_ = options.metrics;
  MetricsRegistry& metrics = *server->metrics_;
  RegisterServerMetrics(metrics, options, *core);
  server->core_ = core;

  // Both are process-wide switches; the reflection plugin must be added once
  // or every later server would register the reflection service twice.
  grpc::EnableDefaultHealthCheckService(true);
  static std::once_flag reflection_once;
  std::call_once(reflection_once,
                 [] { grpc::reflection::InitProtoReflectionServerBuilderPlugin(); });

  // Lives until the server is built, as it did when this was one function.
  grpc::ResourceQuota quota("salesteam-server");
  grpc::ServerBuilder builder;
  int port = 0;
  ConfigureBuilder(options, std::move(credentials), services, core, port, quota, builder);
  server->grpc_server_ = builder.BuildAndStart();
  if (server->grpc_server_ == nullptr || port == 0) {
    server->grpc_server_.reset();
    return absl::UnavailableError(absl::StrCat(
        "cannot serve gRPC on ", QuoteInput(options.listen_address), " (in use or invalid?)"));
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

// Async-signal-safe: only write(2). Everything else happens on ordinary
// threads that read the pipe.
extern "C" void OnShutdownSignal(int signo) {
  const int saved_errno = errno;
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

absl::string_view SignalName(int signo) { return signo == SIGINT ? "SIGINT" : "SIGTERM"; }

// The fields of one JSON event line, every value escaped.
class EventFields {
 public:
  EventFields& Add(absl::string_view key, absl::string_view value) {
    Key(key);
    AppendJsonString(json_, value);
    return *this;
  }
  EventFields& Add(absl::string_view key, int64_t value) {
    Key(key);
    absl::StrAppend(&json_, value);
    return *this;
  }
  EventFields& Add(absl::string_view key, const std::vector<std::string>& values) {
    Key(key);
    json_ += "[";
    for (size_t i = 0; i < values.size(); ++i) {
      if (i > 0) json_ += ",";
      AppendJsonString(json_, values[i]);
    }
    json_ += "]";
    return *this;
  }
  const std::string& json() const { return json_; }

 private:
  void Key(absl::string_view key) {
    json_ += ",";
    AppendJsonString(json_, key);
    json_ += ":";
  }
  std::string json_;
};

void LogEvent(absl::string_view event, const EventFields& fields = EventFields()) {
  std::string line = "{\"ts\":";
  AppendJsonString(line, FormatUtcMicros(absl::Now()));
  line += ",\"event\":";
  AppendJsonString(line, event);
  absl::StrAppend(&line, fields.json(), "}\n");
  WriteToStderr(line);
}

void LogStorageChanges() {
  store::SetStorageListener([](bool exhausted, absl::string_view detail) {
    if (exhausted) {
      LogEvent(
          "storage_exhausted",
          EventFields()
              .Add("detail", detail)
              .Add("effect", "writes are refused with RESOURCE_EXHAUSTED until space is freed"));
    } else {
      LogEvent("storage_writable");
    }
  });
}

// Runs while the server drains. gRPC 1.51 waits for every callback call to
// finish even after the grace has passed and the calls were cancelled, so a
// handler body stuck on a database would keep the process alive until the
// orchestrator kills it. This bounds that: when `drained_fd` is not
// signalled within `bound`, the process ends. It also ends the process at
// once on a second SIGTERM or SIGINT.
void WatchDrain(int drained_fd, absl::Duration bound) {
  const absl::Time give_up = absl::Now() + bound;
  while (true) {
    pollfd fds[2] = {{drained_fd, POLLIN, 0}, {g_signal_pipe[0], POLLIN, 0}};
    const absl::Duration left = std::max(give_up - absl::Now(), absl::ZeroDuration());
    const int ready = ::poll(fds, 2, ClampMillis(absl::Ceil(left, absl::Milliseconds(1))));
    if (ready < 0 && errno == EINTR) continue;
    if (ready > 0 && (fds[0].revents & POLLIN) != 0) return;
    if (ready > 0 && (fds[1].revents & POLLIN) != 0) {
      unsigned char byte = 0;
      if (::read(g_signal_pipe[0], &byte, 1) == 1) {
        LogEvent("aborted", EventFields()
                                .Add("signal", SignalName(byte))
                                .Add("reason", "second signal while draining")
                                .Add("calls_in_flight", static_cast<int64_t>(Calls().Count())));
        // What a shell reports for a process the signal ended.
        ::_exit(128 + byte);
      }
      continue;
    }
    if (absl::Now() >= give_up || ready < 0) {
      // Exit 0: the process was asked to stop and has stopped. The calls it
      // abandons were cancelled at the grace deadline already, so their
      // callers know; this line is where operators see that it happened. A
      // non-zero code would make restart-on-failure policies start a service
      // that was meant to stay down.
      LogEvent("drain_timeout", EventFields()
                                    .Add("waited_ms", absl::ToInt64Milliseconds(bound))
                                    .Add("calls_in_flight", static_cast<int64_t>(Calls().Count()))
                                    .Add("exit_code", int64_t{0}));
      ::_exit(0);
    }
  }
}

}  // namespace

int RunServer(ServerOptions options, std::vector<ServiceRegistration> services) {
  // Debian's Abseil is built with Mutex deadlock detection on, which keeps a
  // global lock-order graph and costs every lock (measured: a few percent of
  // a loaded server's CPU). It is a debugging aid: tests keep it, production
  // servers switch it off.
  absl::SetMutexDeadlockDetectionMode(absl::OnDeadlockCycle::kIgnore);
  if (absl::Status status = InstallSignalPipe(); !status.ok()) {
    LogEvent("start_failed", EventFields().Add("error", status.ToString()));
    return 1;
  }
  std::vector<std::string> names;
  for (const ServiceRegistration& s : services) names.push_back(s.name);
  const std::string address = options.listen_address;
  const absl::Duration drain_bound = options.prestop_delay + options.shutdown_grace + kDrainMargin;
  absl::StatusOr<std::unique_ptr<Server>> server =
      Server::Start(std::move(options), std::move(services));
  if (!server.ok()) {
    LogEvent("start_failed", EventFields().Add("error", server.status().ToString()));
    return 1;
  }
  LogEvent("serving", EventFields()
                          .Add("address", address)
                          .Add("port", (*server)->port())
                          .Add("metrics_port", (*server)->metrics_port())
                          .Add("services", names));

  const int signo = WaitForShutdownSignal();
  LogEvent("draining", EventFields().Add("signal", SignalName(signo)));
  const int drained_fd = ::eventfd(0, EFD_CLOEXEC);
  std::thread watchdog;
  if (drained_fd >= 0) {
    watchdog = std::thread([drained_fd, drain_bound] { WatchDrain(drained_fd, drain_bound); });
  } else {
    LogEvent("drain_unbounded", EventFields().Add("error", std::strerror(errno)));
  }
  (*server)->Shutdown();
  server->reset();
  if (watchdog.joinable()) {
    const uint64_t one = 1;
    [[maybe_unused]] const ssize_t n = ::write(drained_fd, &one, sizeof(one));
    watchdog.join();
    ::close(drained_fd);
  }
  LogEvent("stopped");
  return 0;
}

}  // namespace salesteam::server
