// The roster client as configured by flags, for binaries that call the
// roster (servers, loadgen): --roster_address, --roster_tls_ca/_cert/_key,
// --roster_deadline and --roster_cache_ttl, each also SALESTEAM_<FLAG>. A
// separate library, so that a binary with its own --roster_address (salesctl)
// can still link the client.
#ifndef SALESTEAM_CLIENTS_ROSTER_ROSTER_CLIENT_FLAGS_H_
#define SALESTEAM_CLIENTS_ROSTER_ROSTER_CLIENT_FLAGS_H_

#include <memory>

#include "absl/status/statusor.h"
#include "clients/roster/roster_client.h"

namespace salesteam::clients {

client::PeerOptions RosterPeerOptionsFromFlags();
// Options from --roster_deadline and --roster_cache_ttl (without a token).
GrpcRosterClientOptions RosterClientOptionsFromFlags();
// A client on a channel from the flags, calling with `token`.
absl::StatusOr<std::unique_ptr<GrpcRosterClient>> GrpcRosterClientFromFlags(
    cache::Cache* cache, client::TokenFunction token);

}  // namespace salesteam::clients

#endif  // SALESTEAM_CLIENTS_ROSTER_ROSTER_CLIENT_FLAGS_H_
