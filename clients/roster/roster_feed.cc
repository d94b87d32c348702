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
        registry.AddGauge("salesteam_roster_feed_reconnects_total",
                          "times the roster change stream was reopened"),
        registry.AddGauge("salesteam_roster_feed_rebuilds_total",
                          "times the feed position was lost (retention) and caches dropped"),
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

absl::StatusOr<std::optional<int64_t>> LoadRosterFeedPosition(store::Database& db,
                                                              absl::string_view consumer) {
  ASSIGN_OR_RETURN(
      store::ResultSet rows,
      db.Query("SELECT sequence FROM roster_feed_position WHERE consumer = $1", {consumer}));
  if (rows.empty()) return std::optional<int64_t>();
  ASSIGN_OR_RETURN(int64_t sequence, rows.front().Int64(0));
  return std::optional<int64_t>(sequence);
}

absl::Status SaveRosterFeedPosition(store::Database& db, absl::string_view consumer,
                                    int64_t sequence) {
  return db
      .Execute(
          "INSERT INTO roster_feed_position (consumer, sequence) VALUES ($1, $2) "
          "ON CONFLICT (consumer) DO UPDATE SET sequence = excluded.sequence",
          {consumer, sequence})
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
      channel,
      RosterChangeFollowerOptions{
          .token = std::move(token),
          .load_position = [db, name] { return LoadRosterFeedPosition(*db, name); },
          .save_position =
              [db, name](int64_t sequence) { return SaveRosterFeedPosition(*db, name, sequence); },
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
