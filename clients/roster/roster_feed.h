// A roster client that follows the roster's change feed, as a service's
// main() builds it from flags: GrpcRosterClientFromFlags plus a
// RosterChangeFollower whose position is kept in the service's own database
// (table roster_feed_position, which the service's migrations create; see
// docs/adding-a-service.md), reported as metrics
// (salesteam_roster_feed_connected, _applied_sequence, _head_sequence,
// _lag, _reconnects, _rebuilds), as a line of GET /healthz while
// the feed is down, and as log events. Flags: --roster_feed (default on) and
// --roster_feed_catch_up (how long startup waits for the backlog).
#ifndef SALESTEAM_CLIENTS_ROSTER_ROSTER_FEED_H_
#define SALESTEAM_CLIENTS_ROSTER_ROSTER_FEED_H_

#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "clients/roster/roster_change_follower.h"
#include "clients/roster/roster_client.h"
#include "common/server/service_main.h"
#include "common/store/database.h"

namespace salesteam::clients {

struct FollowedRosterClient {
  std::unique_ptr<GrpcRosterClient> client;
  // Null with --roster_feed=false. Declared after the client, so destroyed
  // (stopped) before it.
  std::unique_ptr<RosterChangeFollower> follower;
};

// The position row of `consumer` in `db`.
absl::StatusOr<std::optional<RosterFeedPosition>> LoadRosterFeedPosition(
    store::Database& db, absl::string_view consumer);
absl::Status SaveRosterFeedPosition(store::Database& db, absl::string_view consumer,
                                    const RosterFeedPosition& position);

// Builds the client and, unless --roster_feed=false, starts following and
// waits up to --roster_feed_catch_up for the backlog (a roster that cannot
// be reached does not stop startup: the caches then fall back on their TTLs
// and the feed's outage shows in health and metrics).
absl::StatusOr<std::unique_ptr<FollowedRosterClient>> FollowedRosterClientFromFlags(
    cache::Cache* cache, client::TokenFunction token, store::Database* db,
    absl::string_view consumer);

// The same for a service's build step: its cache, service token and database.
absl::StatusOr<std::unique_ptr<FollowedRosterClient>> FollowRosterFromFlags(
    server::ServiceContext& context, absl::string_view consumer);

}  // namespace salesteam::clients

#endif  // SALESTEAM_CLIENTS_ROSTER_ROSTER_FEED_H_
