#include "clients/roster/roster_feed.h"

#include <cstdio>
#include <utility>

#include "absl/flags/flag.h"
#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "clients/roster/roster_client_flags.h"
#include "common/server/metrics.h"
#include "common/status.h"

ABSL_FLAG(bool, roster_feed, true,
          "follow the roster's change feed, so that roster changes reach this service at once "
          "(off: cached members and teams are current within --roster_cache_ttl)");
ABSL_FLAG(absl::Duration, roster_feed_catch_up, absl::Seconds(5),
          "at startup, how long to wait for the roster changes missed while stopped");

namespace salesteam::clients {
namespace {

struct FeedMetrics {
  server::Gauge& connected;
  server::Gauge& applied;
  server::Gauge& head;
  server::Gauge& lag;
  server::Gauge& reconnects;
  server::Gauge& rebuilds;
};

FeedMetrics& Metrics() {
  static FeedMetrics* metrics = [] {
    server::MetricsRegistry& registry = *server::MetricsRegistry::Default();
    return new FeedMetrics{
        registry.AddGauge("salesteam_roster_feed_connected",
                          "1 while the roster change feed is followed, 0 while it is not"),
        registry.AddGauge("salesteam_roster_feed_applied_sequence",
                          "the newest roster change applied here"),
        registry.AddGauge("salesteam_roster_feed_head_sequence",
                          "the newest roster change the roster reported"),
        registry.AddGauge("salesteam_roster_feed_lag",
                          "roster changes reported but not yet applied here"),
        registry.AddGauge("salesteam_roster_feed_reconnects",
                          "times the roster change stream was reopened"),
        registry.AddGauge(
            "salesteam_roster_feed_rebuilds",
            "times the follower started again at the head (position past the retention, ahead of "
            "the roster, or of another change log) and dropped its caches"),
    };
  }();
  return *metrics;
}

void Report(const RosterFeedState& state) {
  FeedMetrics& metrics = Metrics();
  metrics.connected.Set(state.connected ? 1 : 0);
  metrics.applied.Set(static_cast<double>(state.applied_sequence));
  metrics.head.Set(static_cast<double>(state.head_sequence));
  metrics.lag.Set(
      static_cast<double>(std::max<int64_t>(0, state.head_sequence - state.applied_sequence)));
  metrics.reconnects.Set(static_cast<double>(state.reconnects));
  metrics.rebuilds.Set(static_cast<double>(state.rebuilds));
  server::SetHealthDetail(
      "roster_feed",
      state.connected
          ? std::string()
          : absl::StrCat(
                "disconnected since ",
                absl::FormatTime(absl::RFC3339_sec, state.disconnected_since, absl::UTCTimeZone()),
                " (", state.last_error, "); roster data may be stale up to --roster_cache_ttl"));
}

}  // namespace

absl::StatusOr<std::optional<RosterFeedPosition>> LoadRosterFeedPosition(
    store::Database& db, absl::string_view consumer) {
  ASSIGN_OR_RETURN(
      store::ResultSet rows,
      db.Query("SELECT sequence, feed_id FROM roster_feed_position WHERE consumer = $1",
               {consumer}));
  if (rows.empty()) return std::optional<RosterFeedPosition>();
  RosterFeedPosition position;
  ASSIGN_OR_RETURN(position.sequence, rows.front().Int64(0));
  ASSIGN_OR_RETURN(position.feed_id, rows.front().Text(1));
  return std::optional<RosterFeedPosition>(std::move(position));
}

absl::Status SaveRosterFeedPosition(store::Database& db, absl::string_view consumer,
                                    const RosterFeedPosition& position) {
  return db
      .Execute(
          "INSERT INTO roster_feed_position (consumer, sequence, feed_id) VALUES ($1, $2, $3) "
          "ON CONFLICT (consumer) DO UPDATE SET sequence = excluded.sequence, "
          "feed_id = excluded.feed_id",
          {consumer, position.sequence, position.feed_id})
      .status();
}

absl::StatusOr<std::unique_ptr<FollowedRosterClient>> FollowedRosterClientFromFlags(
    cache::Cache* cache, client::TokenFunction token, store::Database* db,
    absl::string_view consumer) {
  ASSIGN_OR_RETURN(std::shared_ptr<grpc::Channel> channel,
                   client::MakePeerChannel(RosterPeerOptionsFromFlags(), RosterRetryPolicy()));
  GrpcRosterClientOptions options = RosterClientOptionsFromFlags();
  options.token = token;
  auto followed = std::make_unique<FollowedRosterClient>();
  followed->client = std::make_unique<GrpcRosterClient>(channel, cache, std::move(options));
  if (!absl::GetFlag(FLAGS_roster_feed)) return followed;
  GrpcRosterClient* client = followed->client.get();
  const std::string name(consumer);
  followed->follower = std::make_unique<RosterChangeFollower>(
      channel, RosterChangeFollowerOptions{
                   .token = std::move(token),
                   .load_position = [db, name] { return LoadRosterFeedPosition(*db, name); },
                   .save_position =
                       [db, name](const RosterFeedPosition& position) {
                         return SaveRosterFeedPosition(*db, name, position);
                       },
                   .apply = [client](const auto& changes) { return client->ApplyChanges(changes); },
                   .rebuild = [client](int64_t head) { return client->Rebuild(head); },
                   .on_state = Report,
               });
  client->UseFeed(followed->follower.get());
  followed->follower->Start();
  const absl::Duration wait = absl::GetFlag(FLAGS_roster_feed_catch_up);
  if (!followed->follower->AwaitCaughtUp(wait)) {
    std::fprintf(stderr,
                 "{\"event\":\"roster_feed_behind\",\"detail\":\"not caught up with the roster "
                 "within %s; serving, and reading the roster directly while behind\"}\n",
                 absl::FormatDuration(wait).c_str());
  }
  return followed;
}

absl::StatusOr<std::unique_ptr<FollowedRosterClient>> FollowRosterFromFlags(
    server::ServiceContext& context, absl::string_view consumer) {
  return FollowedRosterClientFromFlags(context.cache(), context.service_token(), context.db(),
                                       consumer);
}

}  // namespace salesteam::clients
