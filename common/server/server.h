// How every Salesteam service runs: one call builds the gRPC server the same
// way for all of them (listening port, TLS or mutual TLS, services, health,
// reflection, keepalive, message size limits, interceptors, metrics endpoint),
// serves until SIGTERM or SIGINT, then drains and returns the exit code.
// Handlers get the authenticated caller through Unary() / Authenticate().
//
// A service's main():
//
//   int main(int argc, char** argv) {
//     salesteam::ParseFlagsWithEnv(argc, argv);
//     salesteam::server::ServerOptions options =
//         salesteam::server::ServerOptionsFromFlags(/*default_port=*/50051,
//                                                   /*default_metrics_port=*/9101);
//     RosterServiceImpl roster(...);  // a ...::CallbackService
//     return salesteam::server::RunServer(
//         options, {{salesteam::roster::v1::RosterService::service_full_name(), &roster}});
//   }
//
// and a unary handler (callback API):
//
//   grpc::ServerUnaryReactor* RosterServiceImpl::GetMember(
//       grpc::CallbackServerContext* context, const GetMemberRequest* request,
//       Member* response) {
//     return salesteam::server::Unary(
//         context, [this, context, request, response](const auth::Principal& caller) {
//           RETURN_IF_ERROR(auth::CheckCanReadMember(caller, request->id(), ...));
//           ...
//           return absl::OkStatus();
//         });
//   }
//
// Authentication, and why it is done this way. Every method except
// /grpc.health.v1.Health/* and /grpc.reflection.v1alpha.ServerReflection/*
// needs `authorization: Bearer <JWT>`. gRPC 1.51 offers no hook that both runs
// on insecure and TLS credentials and can refuse a call before its handler:
// AuthMetadataProcessor runs only on secure credentials; a server interceptor
// cannot Hijack() (client side only: InterceptorBatchMethodsImpl asserts it),
// and TryCancel() ends the call as CANCELLED while the handler still runs. So:
//   1. The server interceptor verifies the token at POST_RECV_INITIAL_METADATA,
//      which gRPC runs before it invokes the method handler, and records the
//      result for the call.
//   2. Handlers reach the caller only through Authenticate(context), and
//      Unary() / the Finished*Reactor helpers make the handler body
//      unreachable without a verified Principal: an unauthenticated call is
//      finished with UNAUTHENTICATED before the body runs.
//   3. Backstop: at PRE_SEND_STATUS the interceptor rewrites the status of any
//      unauthenticated call to UNAUTHENTICATED (ModifySendStatus), so even a
//      handler that forgot steps 2 can never answer such a caller with
//      success. It cannot undo side effects, which is why step 2 is the rule.
//
// Blocking work. gRPC's callback API runs handlers on a handful of its own
// threads; a handler that blocks on a database would stall every other call,
// health checks included (measured with gRPC 1.51 here: 16 concurrent bodies
// that wait for each other never complete inline, and health stops answering;
// see HandlerBodiesMayBlockWithoutStallingOtherCalls in server_test.cc). Unary() therefore runs its
// body on a fixed pool of handler threads (--handler_threads) and finishes the reactor from there.
// Consequence for callers: the body runs after the handler function has
// returned, so capture by value ([this, context, request, response]), never
// [&]. Streaming reactors hand blocking work to Offload() for the same reason.
//
// Reads and writes have separate capacity. Unary() bodies run on the handler
// pool; UnaryWrite() bodies and OffloadWrite() work (anything that waits for
// a database's writer) run on a smaller write pool (--write_threads) of their
// own, so that however many writes wait for the writer, a read never waits
// behind them for a thread. When --write_queue_limit writes (stream batches
// included) already wait for a write thread, a new UnaryWrite() is shed at
// once with RESOURCE_EXHAUSTED, a message saying when to retry, and gRPC's
// `grpc-retry-pushback-ms` trailing metadata (the same figure: the queue's
// length times the recent time per write, divided by the write threads).
// OffloadWrite() is never refused: a stream hands it one batch at a time, and
// all streams together at most --stream_read_slots (below).
//
// Streams and memory. Every client-streaming, server-streaming and
// bidirectional call of a verified caller counts against
// --max_streams_per_principal, per token subject: one identity beyond it gets
// RESOURCE_EXHAUSTED naming the limit from Authenticate() (so the handler
// refuses it like an unauthenticated call, and the PRE_SEND_STATUS backstop
// below rewrites any other answer), and its other streams and other
// identities carry on. Each connection carries at most
// --max_concurrent_streams calls at once (HTTP/2 SETTINGS: further calls wait
// in the client). What gRPC buffers for all connections together (incoming
// frames, flow-control windows, outgoing messages) comes from one
// grpc::ResourceQuota of --memory_quota_mib: as it fills, gRPC shrinks the
// windows it offers, so clients that send without reading are held back by
// HTTP/2 flow control instead of growing the process. Streaming reactors read
// the next message only when they have room for it (see StreamActivities)
// and hold one of the server-wide StreamReadSlots() (--stream_read_slots)
// from StartRead() until they are done with the message, so parsed requests
// in memory are bounded by the slots, not by the number of streams. A stream
// whose read waits for its client holds its slot meanwhile: the per-identity
// limit keeps one identity from holding them all. Once no stream has held a
// slot for about 5 s after a burst, the server hands the memory glibc kept
// back to the system (malloc_trim), so the resident set comes back down.
//
// Overload. Unary() bodies wait for a handler thread in one queue; when
// --handler_queue_limit bodies already wait for a busy thread, a new call is
// refused at once with RESOURCE_EXHAUSTED ("server busy") and its body never
// runs, so that a slow dependency shows up as fast refusals rather than as
// unbounded memory and latency. A body whose caller cancelled, or whose
// deadline passed, while it waited is skipped (CANCELLED / DEADLINE_EXCEEDED):
// nobody would read its answer.
//
// Failures of the server itself. When a call ends with INTERNAL, UNKNOWN or
// DATA_LOSS, whichever path produced it (Unary(), a streaming reactor, a
// thrown exception, gRPC), the client gets only
// "internal error; see server log (ref 1a2b3c4d)"; the call's log line holds
// the real message under "error" and the same ref under "error_ref". Such
// messages name hosts, queries and data that callers must not see. Other
// codes reach the client with their message: write those for the caller.
//
// Shutdown (SIGTERM/SIGINT, or Server::Shutdown()): health turns NOT_SERVING
// for every name, the server keeps serving for --prestop_delay (Kubernetes
// removes the pod from its endpoints meanwhile), then refuses new calls and
// lets in-flight calls finish until --shutdown_grace has passed (the rest are
// cancelled), stops the metrics endpoint, and RunServer returns 0.
// gRPC 1.51 still waits for a cancelled call whose handler never returns
// (a body stuck on a database), so RunServer bounds the whole drain: if it is
// not done prestop_delay + shutdown_grace + 3 s after the signal, the process
// logs {"event":"drain_timeout",...} and exits 0 at once (it was asked to
// stop, and did; see WatchDrain in server.cc for why 0). A second SIGTERM or
// SIGINT while draining logs {"event":"aborted",...} and exits at once with
// 128 + the signal number (143, 130). Set Kubernetes'
// terminationGracePeriodSeconds above prestop_delay + shutdown_grace + 3 s.
// Server::Shutdown() itself has no such bound (a library must not end its
// process): it returns when gRPC does.
//
// Who may connect. The built-in development JWT secret (used when neither
// SALESTEAM_JWT_SECRET nor --jwt_secret_file is set) is public, so a server
// using it only starts on a loopback address (127.0.0.0/8, ::1, localhost, or
// a Unix socket); elsewhere Start fails with FAILED_PRECONDITION. The default
// --listen_address is therefore 127.0.0.1:<port>: one machine, no
// configuration. Deployments set --listen_address=0.0.0.0:<port> together
// with the secret.
#ifndef SALESTEAM_COMMON_SERVER_SERVER_H_
#define SALESTEAM_COMMON_SERVER_SERVER_H_

#include <functional>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include <grpcpp/server_context.h>
#include <grpcpp/support/server_callback.h>

#include "absl/base/thread_annotations.h"
#include "absl/functional/any_invocable.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"
#include "absl/synchronization/notification.h"
#include "absl/time/time.h"
#include "common/auth/auth.h"
#include "common/server/metrics.h"
#include "common/status.h"

namespace grpc {
class Server;
class Service;
}  // namespace grpc

namespace salesteam::server {

namespace internal {
struct ServerCore;
}  // namespace internal

// Everything that shapes a server. Defaults suit tests (loopback, port 0);
// ServerOptionsFromFlags() gives a service's production values.
struct ServerOptions {
  // "host:port"; port 0 picks a free port (see Server::port()). Beyond
  // loopback only with a configured JWT secret (see "Who may connect").
  std::string listen_address = "127.0.0.1:0";
  // Where GET /metrics and /healthz are served; empty: no metrics endpoint.
  std::string metrics_address = "127.0.0.1:0";

  // PEM files. With cert and key the server speaks TLS only; with client_ca
  // too, every client must present a certificate signed by that CA.
  std::string tls_cert_file;
  std::string tls_key_file;
  std::string tls_client_ca_file;

  // How long in-flight calls may take to finish after shutdown starts.
  absl::Duration shutdown_grace = absl::Seconds(20);
  // How long to keep serving (health NOT_SERVING) before draining.
  absl::Duration prestop_delay = absl::ZeroDuration();

  // Larger messages are refused by gRPC with RESOURCE_EXHAUSTED.
  int max_message_bytes = 8 << 20;

  // The server pings idle connections this often and drops them when a ping
  // goes unanswered for keepalive_timeout, so dead peers do not pin memory.
  absl::Duration keepalive_time = absl::Minutes(1);
  absl::Duration keepalive_timeout = absl::Seconds(20);
  // Clients may ping at most this often (also without calls in flight).
  absl::Duration keepalive_min_ping_interval = absl::Seconds(10);
  // Connections are closed gracefully after this age, so that clients
  // rebalance onto new replicas; infinite: never.
  absl::Duration max_connection_age = absl::InfiniteDuration();

  // Threads that run Unary() bodies and Offload() work (process-wide pool;
  // the first server started in a process sizes it).
  int handler_threads = 32;
  // Unary() bodies that may wait for a handler thread before new calls are
  // refused with RESOURCE_EXHAUSTED. The queue is process-wide; each server
  // compares it with its own limit.
  int handler_queue_limit = 1024;
  // Threads that run UnaryWrite() bodies and OffloadWrite() work
  // (process-wide, sized by the first server like the handler pool).
  int write_threads = 4;
  // UnaryWrite() bodies that may wait for a write thread before new ones are
  // shed with RESOURCE_EXHAUSTED and a retry hint.
  int write_queue_limit = 64;
  // What gRPC may buffer for all connections together, in MiB.
  int memory_quota_mib = 256;
  // Calls one connection may carry at once (HTTP/2 MAX_CONCURRENT_STREAMS).
  int max_concurrent_streams = 100;
  // Streaming calls one identity (token subject) may have open at once.
  int max_streams_per_principal = 64;
  // Messages that streaming handlers may be reading or holding at once,
  // server-wide (process-wide, sized by the first server).
  int stream_read_slots = 64;

  // Not flags:
  // Verifies bearer tokens; null: built from auth::LoadJwtSecret().
  std::shared_ptr<const auth::TokenVerifier> verifier;
  // Where the grpc_server_* figures go; null: MetricsRegistry::Default().
  std::shared_ptr<MetricsRegistry> metrics;
  // Receives each finished call's JSON log line (with its newline); null:
  // written to stderr with one write(2).
  std::function<void(absl::string_view line)> call_log;
};

// Options from the common server flags (--listen_address, --metrics_address,
// --tls_cert, --tls_key, --tls_client_ca, --shutdown_grace, --prestop_delay,
// --max_message_bytes, --keepalive_time, --keepalive_timeout,
// --keepalive_min_ping_interval, --max_connection_age, --handler_threads,
// --handler_queue_limit, --write_threads, --write_queue_limit,
// --memory_quota_mib, --max_concurrent_streams, --max_streams_per_principal,
// --stream_read_slots; each also SALESTEAM_<FLAG>). An empty
// --listen_address means 127.0.0.1:<default_port>, an empty --metrics_address
// 127.0.0.1:<default_metrics_port> (deployments set 0.0.0.0:<port> for both),
// and --metrics_address=off switches the endpoint off. Call after
// ParseFlagsWithEnv().
ServerOptions ServerOptionsFromFlags(int default_port, int default_metrics_port);

// One service to serve. `name` is the proto's full service name
// (XxxService::service_full_name()), under which health reports it and whose
// methods become metric labels.
struct ServiceRegistration {
  std::string name;
  grpc::Service* service;  // not owned; must outlive the server
};

// A running gRPC server with its health service, reflection, interceptors and
// metrics endpoint.
class Server {
 public:
  // Builds and starts serving; every registered name is SERVING, and so is "".
  // Fails on unreadable TLS files, an address that cannot be bound, a name
  // that is no compiled-in proto service, or the development JWT secret on a
  // non-loopback address.
  static absl::StatusOr<std::unique_ptr<Server>> Start(ServerOptions options,
                                                       std::vector<ServiceRegistration> services);
  // Shuts down first if nobody has.
  ~Server();

  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  // The bound gRPC port (the chosen one when the address said port 0).
  int port() const { return port_; }
  // The bound metrics port, 0 without an endpoint.
  int metrics_port() const;
  MetricsRegistry& metrics() { return *metrics_; }

  // The sequence described at the top of this file. Blocks until it is done;
  // concurrent and repeated calls wait for the first one. Thread-safe.
  void Shutdown();

 private:
  Server() = default;

  ServerOptions options_;
  std::vector<ServiceRegistration> services_;
  std::shared_ptr<MetricsRegistry> metrics_;
  std::shared_ptr<internal::ServerCore> core_;  // shared with the interceptors
  std::unique_ptr<grpc::Server> grpc_server_;
  std::unique_ptr<MetricsHttpServer> metrics_server_;
  int port_ = 0;

  absl::Mutex shutdown_mu_;
  bool shutdown_started_ ABSL_GUARDED_BY(shutdown_mu_) = false;
  absl::Notification shutdown_done_;
};

// Starts the server, serves until SIGTERM or SIGINT, shuts down as described
// above and returns the process exit code: 0 after a clean shutdown, 1 when
// the server could not start (the reason goes to stderr). Signals are turned
// into work through a self-pipe read by ordinary threads; no work happens in
// a signal handler. The process may also end inside this call: when the
// drain overruns its bound (exit 0) or on a second signal (128 + signal).
int RunServer(ServerOptions options, std::vector<ServiceRegistration> services);

// The verified caller of the current call, as recorded by the server's
// interceptor: UNAUTHENTICATED (with the reason) for a missing or bad token,
// for health and reflection calls, and for a context that no Salesteam
// Server created; RESOURCE_EXHAUSTED for a stream beyond its identity's
// --max_streams_per_principal (see "Streams and memory" above).
absl::StatusOr<auth::Principal> Authenticate(const grpc::ServerContextBase* context);

// Runs `work` on the handler pool (see "Blocking work" above).
void Offload(absl::AnyInvocable<void() &&> work);

// Runs `work` on the write pool (see "Reads and writes" above): for work
// that waits for a database's writer, such as a stream's batch. Never
// refused; the caller bounds how much it hands over.
void OffloadWrite(absl::AnyInvocable<void() &&> work);

class ReadSlots;
// The process-wide slots streaming reactors take before each read (see
// "Streams and memory" above and read_slots.h). Granted callbacks run on the
// handler pool.
ReadSlots& StreamReadSlots();

// A unary handler body that cannot run unauthenticated. `body` is called as
// absl::Status(const auth::Principal&) on the handler pool, only for a
// verified caller; its status finishes the call (via ToGrpcStatus). Fill the
// response before returning OK. Capture by value: see "Blocking work" above.
// An exception thrown by `body` fails only its call, with INTERNAL. When the
// handler queue is full the call is refused without running `body` (see
// "Overload" above).
template <typename Body>
grpc::ServerUnaryReactor* Unary(grpc::CallbackServerContext* context, Body body);

// Unary() for a handler that writes (waits for a database's writer): the body
// runs on the write pool, and is shed with RESOURCE_EXHAUSTED and a retry
// hint when too many writes already wait (see "Reads and writes" above).
template <typename Body>
grpc::ServerUnaryReactor* UnaryWrite(grpc::CallbackServerContext* context, Body body);

// Reactors that finish a streaming call at once with `status`, for handlers
// that must refuse before starting (typically Authenticate() failed):
//
//   grpc::ServerReadReactor<Batch>* Ingest(grpc::CallbackServerContext* context,
//                                          Ack* response) override {
//     absl::StatusOr<auth::Principal> caller = server::Authenticate(context);
//     if (!caller.ok()) return server::FinishedReadReactor<Batch>(caller.status());
//     return new IngestReactor(*std::move(caller), response, ...);
//   }
template <typename Request>
grpc::ServerReadReactor<Request>* FinishedReadReactor(const absl::Status& status);
template <typename Response>
grpc::ServerWriteReactor<Response>* FinishedWriteReactor(const absl::Status& status);
template <typename Request, typename Response>
grpc::ServerBidiReactor<Request, Response>* FinishedBidiReactor(const absl::Status& status);

// ---- Implementation details of the templates above ----

namespace internal {
using UnaryBody = absl::AnyInvocable<absl::Status(const auth::Principal&) &&>;
// Which pool a unary body runs on: the handler pool or the write pool.
enum class Lane { kRead, kWrite };
// Unary() and UnaryWrite() without the template: authentication, the queue
// bound (and shedding with a retry hint for writes), the expiry check and
// the exception guard.
void RunUnary(grpc::CallbackServerContext* context, grpc::ServerUnaryReactor* reactor,
              UnaryBody body, Lane lane = Lane::kRead);

template <typename Base>
class FinishedReactor final : public Base {
 public:
  explicit FinishedReactor(const absl::Status& status) { this->Finish(ToGrpcStatus(status)); }
  void OnDone() override { delete this; }
};
}  // namespace internal

template <typename Body>
grpc::ServerUnaryReactor* Unary(grpc::CallbackServerContext* context, Body body) {
  grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
  internal::RunUnary(context, reactor,
                     [body = std::move(body)](const auth::Principal& caller) mutable {
                       return absl::Status(body(caller));
                     });
  return reactor;
}

template <typename Body>
grpc::ServerUnaryReactor* UnaryWrite(grpc::CallbackServerContext* context, Body body) {
  grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
  internal::RunUnary(
      context, reactor,
      [body = std::move(body)](const auth::Principal& caller) mutable {
        return absl::Status(body(caller));
      },
      internal::Lane::kWrite);
  return reactor;
}

template <typename Request>
grpc::ServerReadReactor<Request>* FinishedReadReactor(const absl::Status& status) {
  return new internal::FinishedReactor<grpc::ServerReadReactor<Request>>(status);
}
template <typename Response>
grpc::ServerWriteReactor<Response>* FinishedWriteReactor(const absl::Status& status) {
  return new internal::FinishedReactor<grpc::ServerWriteReactor<Response>>(status);
}
template <typename Request, typename Response>
grpc::ServerBidiReactor<Request, Response>* FinishedBidiReactor(const absl::Status& status) {
  return new internal::FinishedReactor<grpc::ServerBidiReactor<Request, Response>>(status);
}

}  // namespace salesteam::server

#endif  // SALESTEAM_COMMON_SERVER_SERVER_H_
