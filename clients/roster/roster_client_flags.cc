#include "clients/roster/roster_client_flags.h"

#include <utility>

#include "absl/flags/flag.h"
#include "absl/time/time.h"
#include "common/status.h"

SALESTEAM_PEER_FLAGS(roster, "127.0.0.1:50051", absl::Seconds(2));
ABSL_FLAG(absl::Duration, roster_cache_ttl, absl::Minutes(2),
          "how long members and teams stay cached in Redis (and, up to 10 s, in the process)");

namespace salesteam::clients {

client::PeerOptions RosterPeerOptionsFromFlags() { return SALESTEAM_PEER_OPTIONS(roster); }

GrpcRosterClientOptions RosterClientOptionsFromFlags() {
  GrpcRosterClientOptions options;
  options.deadline = absl::GetFlag(FLAGS_roster_deadline);
  options.redis_ttl = absl::GetFlag(FLAGS_roster_cache_ttl);
  return options;
}

absl::StatusOr<std::unique_ptr<GrpcRosterClient>> GrpcRosterClientFromFlags(
    cache::Cache* cache, client::TokenFunction token) {
  ASSIGN_OR_RETURN(std::shared_ptr<grpc::Channel> channel,
                   client::MakePeerChannel(RosterPeerOptionsFromFlags(), RosterRetryPolicy()));
  GrpcRosterClientOptions options = RosterClientOptionsFromFlags();
  options.token = std::move(token);
  return std::make_unique<GrpcRosterClient>(std::move(channel), cache, std::move(options));
}

}  // namespace salesteam::clients
