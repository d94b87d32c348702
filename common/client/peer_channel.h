// How a service reaches its peers: one channel per peer from flags
// (--<peer>_address, --<peer>_tls_ca/_cert/_key, --<peer>_deadline), gRPC's
// own retries for the peer's idempotent reads (a service-config retryPolicy),
// and one ClientContext per call that carries the current server call's
// deadline and cancellation (capped at the peer's deadline) and the service's
// bearer token. Typed clients in clients/<peer> are built on this; services
// never make channels themselves.
//
// A client library defines its peer's flags once, in its .cc file:
//
//   SALESTEAM_PEER_FLAGS(roster, "127.0.0.1:50051", absl::Seconds(2));
//   client::PeerOptions RosterPeerOptionsFromFlags() { return SALESTEAM_PEER_OPTIONS(roster); }
#ifndef SALESTEAM_COMMON_CLIENT_PEER_CHANNEL_H_
#define SALESTEAM_COMMON_CLIENT_PEER_CHANNEL_H_

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"

namespace grpc {
class Channel;
class ClientContext;
}  // namespace grpc

namespace salesteam::client {

// Where a peer is and how to talk to it.
struct PeerOptions {
  // The peer's name in messages and flags ("roster").
  std::string name = "";
  // host:port (or any gRPC target).
  std::string address = "";
  // PEM files: a CA switches TLS on; cert and key add a client certificate
  // (mutual TLS).
  std::string tls_ca_file = "";
  std::string tls_cert_file = "";
  std::string tls_key_file = "";
  // The longest one call may take, whatever the caller's own deadline.
  absl::Duration deadline = absl::Seconds(2);
};

// How gRPC retries a peer's idempotent methods: UNAVAILABLE only (the peer
// did not act), up to `max_attempts` in all, backing off from 50 ms to 1 s.
// Other codes, and every other method, are never retried.
struct RetryPolicy {
  std::string service = "";  // full proto name, e.g. "salesteam.roster.v1.RosterService"
  std::vector<std::string> idempotent_methods = {};
  int max_attempts = 3;
};

// The service config JSON for `policy` (exposed for tests and docs).
std::string RetryServiceConfig(const RetryPolicy& policy);

// A channel to the peer, with TLS when configured and the retry policy as its
// default service config. INVALID_ARGUMENT for an empty address or a key
// without a certificate; NOT_FOUND (naming the flag) for unreadable files.
absl::StatusOr<std::shared_ptr<grpc::Channel>> MakePeerChannel(const PeerOptions& options,
                                                               const RetryPolicy& retry);

// Mints the bearer token of one call (a service token).
using TokenFunction = std::function<absl::StatusOr<std::string>()>;

// The context of one call to a peer: a child of the current server call when
// there is one (client::CurrentCall(): its deadline and cancellation reach
// the peer), never longer than `cap`, with the token attached.
absl::StatusOr<std::unique_ptr<grpc::ClientContext>> NewPeerContext(absl::Duration cap,
                                                                    const TokenFunction& token);

}  // namespace salesteam::client

// Defines --<peer>_address, --<peer>_tls_ca, --<peer>_tls_cert,
// --<peer>_tls_key and --<peer>_deadline (each also SALESTEAM_<FLAG>). Use at
// namespace scope, once per peer and binary.
#define SALESTEAM_PEER_FLAGS(peer, default_address, default_deadline)                            \
  ABSL_FLAG(std::string, peer##_address, default_address, "host:port of the " #peer " service"); \
  ABSL_FLAG(std::string, peer##_tls_ca, "",                                                      \
            "PEM CA certificate to verify the " #peer                                            \
            " service's TLS certificate; empty: "                                                \
            "plaintext");                                                                        \
  ABSL_FLAG(std::string, peer##_tls_cert, "",                                                    \
            "PEM client certificate for mutual TLS to the " #peer " service (with --" #peer      \
            "_tls_key)");                                                                        \
  ABSL_FLAG(std::string, peer##_tls_key, "", "PEM private key of --" #peer "_tls_cert");         \
  ABSL_FLAG(absl::Duration, peer##_deadline, default_deadline,                                   \
            "the longest one call to the " #peer                                                 \
            " service may take (a caller's shorter deadline wins)")

// The PeerOptions those flags hold.
#define SALESTEAM_PEER_OPTIONS(peer)                             \
  (::salesteam::client::PeerOptions{                             \
      .name = #peer,                                             \
      .address = ::absl::GetFlag(FLAGS_##peer##_address),        \
      .tls_ca_file = ::absl::GetFlag(FLAGS_##peer##_tls_ca),     \
      .tls_cert_file = ::absl::GetFlag(FLAGS_##peer##_tls_cert), \
      .tls_key_file = ::absl::GetFlag(FLAGS_##peer##_tls_key),   \
      .deadline = ::absl::GetFlag(FLAGS_##peer##_deadline),      \
  })

#endif  // SALESTEAM_COMMON_CLIENT_PEER_CHANNEL_H_
