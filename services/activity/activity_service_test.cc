// Service tests of ActivityService over a real gRPC channel. Each test starts
// the server in-process the way main.cc does (server::Server with the
// bearer-token verifier) on a fresh database (a SQLite file and a PostgreSQL
// database: every test runs on both), a real Redis (the shared test server,
// or for the Redis-loss tests a private redis-server they flush, kill and
// restart), and a real RosterService (TestRoster) that the service asks over
// gRPC through GrpcRosterClient, exactly as deployed. The roster's clock
// runs 30 days behind, so that moves and deactivations can be dated in the
// activity service's past. Tokens cover every kind of caller. Covered:
// exactly-once ingest and per-item results (unary and streaming), every
// invalid field, batch limits, who may record and read what, attribution to
// the team, role and local day of each activity, a roster that cannot be
// reached, KPIs with day and week buckets, leaderboards, Redis losing its
// data or going down, and paging.
#include "services/activity/activity_service.h"

#include <algorithm>
#include <chrono>
#include <functional>
#include <iostream>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include <grpcpp/grpcpp.h>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/civil_time.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "activity_migrations.h"
#include "clients/roster/roster_change_follower.h"
#include "clients/roster/roster_client.h"
#include "clients/roster/roster_feed.h"
#include "clients/roster/testing/test_roster.h"
#include "common/auth/auth.h"
#include "common/cache/redis_cache.h"
#include "common/client/peer_channel.h"
#include "common/server/server.h"
#include "common/status.h"
#include "common/store/migrations.h"
#include "common/testing/databases.h"
#include "common/testing/redis_server.h"
#include "common/testing/service_harness.h"
#include "common/testing/status_matchers.h"
#include "common/testing/test_env.h"
#include "common/time/date.h"
#include "common/time/timestamp.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "salesteam/activity/v1/activity.grpc.pb.h"
#include "services/activity/domain.h"

namespace salesteam::activity {
namespace {

using ::salesteam::clients::testing::TestRoster;
using ::salesteam::testing::DatabaseKind;
using ::salesteam::testing::IsOkAndHolds;
using ::salesteam::testing::ServiceHarness;
using ::salesteam::testing::StatusIs;
using ::salesteam::testing::TestDatabase;
using ::testing::AllOf;
using ::testing::ElementsAre;
using ::testing::ElementsAreArray;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::SizeIs;
using ::testing::StartsWith;
using ::testing::UnorderedElementsAre;
using ::testing::UnorderedElementsAreArray;
using DateProto = ::salesteam::type::v1::Date;
using Stub = activitypb::ActivityService::Stub;

constexpr absl::StatusCode kInvalidArgument = absl::StatusCode::kInvalidArgument;
constexpr absl::StatusCode kNotFound = absl::StatusCode::kNotFound;
constexpr absl::StatusCode kPermissionDenied = absl::StatusCode::kPermissionDenied;
constexpr absl::StatusCode kFailedPrecondition = absl::StatusCode::kFailedPrecondition;
constexpr absl::StatusCode kResourceExhausted = absl::StatusCode::kResourceExhausted;
constexpr absl::StatusCode kUnauthenticated = absl::StatusCode::kUnauthenticated;
constexpr absl::StatusCode kUnavailable = absl::StatusCode::kUnavailable;

constexpr char kPageTokenKey[] = "activity-service-test-page-token-key";
// The roster's "today" is this far behind the activity service's, so that a
// move or deactivation from the roster's tomorrow lies in the activity
// service's past (the roster only dates them from its tomorrow on).
constexpr absl::Duration kRosterLag = absl::Hours(24 * 30);

using activitypb::ACTIVITY_TYPE_CALL_MADE;
using activitypb::ACTIVITY_TYPE_DEAL_LOST;
using activitypb::ACTIVITY_TYPE_DEAL_WON;
using activitypb::ACTIVITY_TYPE_EMAIL_SENT;
using activitypb::ACTIVITY_TYPE_LEAD_CREATED;
using activitypb::ACTIVITY_TYPE_MEETING_HELD;
using activitypb::ACTIVITY_TYPE_MEETING_SCHEDULED;
using activitypb::ACTIVITY_TYPE_PROPOSAL_SENT;
using activitypb::ACTIVITY_TYPE_REFERRAL;
using activitypb::ACTIVITY_TYPE_TIME_LOGGED;
using activitypb::ActivityType;

// ---- Building activities ----

absl::Time At(Date day, int hour, int minute = 0) {
  return absl::FromCivil(absl::CivilMinute(day.year(), day.month(), day.day(), hour, minute),
                         absl::UTCTimeZone());
}

activitypb::Activity Act(absl::string_view id, absl::string_view member_id, ActivityType type,
                         absl::Time at) {
  activitypb::Activity activity;
  activity.set_activity_id(std::string(id));
  activity.set_member_id(std::string(member_id));
  activity.set_type(type);
  periods::TimeToProto(at, activity.mutable_occurred_at());
  activity.set_source_system("crm");
  return activity;
}

activitypb::Activity OnDeal(activitypb::Activity activity, absl::string_view deal_id) {
  activity.set_deal_id(std::string(deal_id));
  return activity;
}

activitypb::Activity Won(absl::string_view id, absl::string_view member_id, absl::Time at,
                         int64_t minor_units, absl::string_view currency,
                         absl::string_view deal_id = "") {
  activitypb::Activity activity = Act(id, member_id, ACTIVITY_TYPE_DEAL_WON, at);
  activity.mutable_amount()->set_minor_units(minor_units);
  activity.mutable_amount()->set_currency_code(std::string(currency));
  activity.set_deal_id(std::string(deal_id));
  return activity;
}

activitypb::Activity Lost(absl::string_view id, absl::string_view member_id, absl::Time at,
                          absl::string_view deal_id = "") {
  return OnDeal(Act(id, member_id, ACTIVITY_TYPE_DEAL_LOST, at), deal_id);
}

activitypb::Activity Logged(absl::string_view id, absl::string_view member_id, absl::Time at,
                            int minutes, bool selling) {
  activitypb::Activity activity = Act(id, member_id, ACTIVITY_TYPE_TIME_LOGGED, at);
  activity.set_minutes(minutes);
  activity.set_selling(selling);
  return activity;
}

// `count` calls of `member_id` on `day`, ids "<prefix>-0", "<prefix>-1", ...
std::vector<activitypb::Activity> Calls(absl::string_view prefix, absl::string_view member_id,
                                        Date day, int count) {
  std::vector<activitypb::Activity> calls;
  for (int i = 0; i < count; ++i) {
    calls.push_back(Act(absl::StrCat(prefix, "-", i), member_id, ACTIVITY_TYPE_CALL_MADE,
                        At(day, 12) + absl::Seconds(i)));
  }
  return calls;
}

std::vector<activitypb::Activity> Concat(std::vector<std::vector<activitypb::Activity>> parts) {
  std::vector<activitypb::Activity> all;
  for (std::vector<activitypb::Activity>& part : parts) {
    for (activitypb::Activity& activity : part) all.push_back(std::move(activity));
  }
  return all;
}

// ---- Reading answers ----

Date FromProto(const DateProto& proto) { return Date(proto.year(), proto.month(), proto.day()); }

std::vector<std::string> Ids(const std::vector<activitypb::Activity>& activities) {
  std::vector<std::string> ids;
  for (const activitypb::Activity& activity : activities) ids.push_back(activity.activity_id());
  return ids;
}

const activitypb::Activity* Find(const std::vector<activitypb::Activity>& activities,
                                 absl::string_view id) {
  for (const activitypb::Activity& activity : activities) {
    if (activity.activity_id() == id) return &activity;
  }
  return nullptr;
}

// The non-zero counts of a Kpis, by type (zeros are checked apart).
std::map<ActivityType, int64_t> NonZeroCounts(const activitypb::Kpis& kpis) {
  std::map<ActivityType, int64_t> counts;
  for (const activitypb::ActivityCount& count : kpis.counts()) {
    if (count.count() != 0) counts[count.type()] = count.count();
  }
  return counts;
}

int64_t CountOf(const activitypb::Kpis& kpis, ActivityType type) {
  for (const activitypb::ActivityCount& count : kpis.counts()) {
    if (count.type() == type) return count.count();
  }
  return -1;
}

MATCHER(IsAccepted, "is ACCEPTED") {
  *result_listener << arg.ShortDebugString();
  return arg.outcome() == activitypb::RECORD_OUTCOME_ACCEPTED && arg.code() == 0 &&
         arg.reason().empty() && !arg.retryable();
}

MATCHER(IsDuplicate, "is DUPLICATE") {
  *result_listener << arg.ShortDebugString();
  return arg.outcome() == activitypb::RECORD_OUTCOME_DUPLICATE && arg.code() == 0 &&
         arg.reason().empty();
}

MATCHER_P3(IsRejected, code, reason_matcher, retryable,
           "is REJECTED with code " + absl::StatusCodeToString(code) +
               (retryable ? ", retryable" : ", not retryable")) {
  *result_listener << arg.ShortDebugString();
  return arg.outcome() == activitypb::RECORD_OUTCOME_REJECTED &&
         arg.code() == static_cast<int>(code) && arg.retryable() == retryable &&
         ::testing::ExplainMatchResult(reason_matcher, arg.reason(), result_listener);
}

MATCHER_P3(EntryIs, rank, member_id, value,
           absl::StrCat("is rank ", rank, " ", member_id, " with ", value)) {
  *result_listener << arg.ShortDebugString();
  return arg.rank() == rank && arg.member_id() == member_id && arg.value() == value;
}

MATCHER_P2(BucketIs, start, end,
           absl::StrCat("is the bucket [", periods::FormatIsoDate(start), ", ",
                        periods::FormatIsoDate(end), ")")) {
  *result_listener << "is [" << periods::FormatIsoDate(FromProto(arg.start_date())) << ", "
                   << periods::FormatIsoDate(FromProto(arg.end_date())) << ")";
  return FromProto(arg.start_date()) == start && FromProto(arg.end_date()) == end;
}

// The same token with one character in the middle changed.
std::string Tampered(std::string token) {
  const size_t i = token.size() / 2;
  token[i] = token[i] == 'A' ? 'B' : 'A';
  return token;
}

// ---- The fixture ----

// An activity server on a fresh database of the parameter's kind, asking a
// TestRoster (clock 30 days behind) with two teams:
//   team A: assembly line, Europe/Berlin, EUR: manager_a_, sdr_a_
//           (SALES_DEVELOPMENT), ae_a_ (ACCOUNT_EXECUTIVE)
//   team B: island, America/New_York, USD: manager_b_, ben_ (FULL_CYCLE,
//           value tier 1), bo_ (FULL_CYCLE, value tier 2)
// and tokens for admin, service, both managers and the reps ben_, bo_, sdr_a_.
// Activities are dated on whole days before today_ (UTC), at hours that fall
// on the same calendar day in Berlin and New York.
class ActivityServiceTest : public ::testing::TestWithParam<DatabaseKind> {
 protected:
  // The Redis-loss tests give the activity service a private redis-server.
  virtual bool UsePrivateRedis() const { return false; }

  void SetUp() override {
    using ::salesteam::testing::CacheKind;
    ASSERT_OK_AND_ASSIGN(
        harness_, ServiceHarness::Create({.database = GetParam(),
                                          .migrations = &salesteam::migrations::activity(),
                                          .cache = UsePrivateRedis() ? CacheKind::kPrivateRedis
                                                                     : CacheKind::kSharedRedis}));
    today_ = absl::ToCivilDay(Now(), absl::UTCTimeZone());
    // The roster caches in the shared Redis, so that breaking the private
    // one affects the activity service only.
    ASSERT_OK_AND_ASSIGN(
        roster_, TestRoster::Start(harness_->secret(), CacheKind::kSharedRedis, kRosterLag));
    tokens_ = std::make_unique<auth::ServiceTokenSource>(harness_->secret(), "activity");
    clients::GrpcRosterClientOptions roster_options;
    roster_options.token = [this] { return tokens_->Token(); };
    ASSERT_OK_AND_ASSIGN(std::shared_ptr<grpc::Channel> roster_channel,
                         client::MakePeerChannel({.name = "roster", .address = roster_->address()},
                                                 clients::RosterRetryPolicy()));
    roster_client_ = std::make_unique<clients::GrpcRosterClient>(roster_channel, &harness_->cache(),
                                                                 std::move(roster_options));

    ActivityServiceOptions options;
    options.page_token_key = kPageTokenKey;
    options.clock = harness_->clock().AsFunction();
    ASSERT_OK(
        harness_->Serve(activitypb::ActivityService::service_full_name(),
                        std::make_unique<ActivityServiceImpl>(&harness_->db(), &harness_->cache(),
                                                              roster_client_.get(), options)));
    stub_ = activitypb::ActivityService::NewStub(harness_->channel());

    ASSERT_OK_AND_ASSIGN(team_a_, roster_->CreateTeam("Team A", rosterpb::SALES_MODEL_ASSEMBLY_LINE,
                                                      "Europe/Berlin", "EUR"));
    ASSERT_OK_AND_ASSIGN(team_b_, roster_->CreateTeam("Team B", rosterpb::SALES_MODEL_ISLAND,
                                                      "America/New_York", "USD"));
    ASSERT_OK_AND_ASSIGN(manager_a_, roster_->CreateMember("Alice Manager", team_a_.id(),
                                                           rosterpb::MEMBER_ROLE_MANAGER, 2));
    ASSERT_OK_AND_ASSIGN(sdr_a_, roster_->CreateMember("Sam Developer", team_a_.id(),
                                                       rosterpb::MEMBER_ROLE_SALES_DEVELOPMENT, 3));
    ASSERT_OK_AND_ASSIGN(ae_a_, roster_->CreateMember("Ada Closer", team_a_.id(),
                                                      rosterpb::MEMBER_ROLE_ACCOUNT_EXECUTIVE, 2));
    ASSERT_OK_AND_ASSIGN(manager_b_, roster_->CreateMember("Bea Manager", team_b_.id(),
                                                           rosterpb::MEMBER_ROLE_MANAGER, 2));
    ASSERT_OK_AND_ASSIGN(ben_, roster_->CreateMember("Ben Islander", team_b_.id(),
                                                     rosterpb::MEMBER_ROLE_FULL_CYCLE, 1));
    ASSERT_OK_AND_ASSIGN(bo_, roster_->CreateMember("Bo Islander", team_b_.id(),
                                                    rosterpb::MEMBER_ROLE_FULL_CYCLE, 2));

    admin_token_ = roster_->Token("admin-1", auth::Role::kAdmin);
    service_token_ = roster_->Token("sprint", auth::Role::kService);
    manager_a_token_ = roster_->Token(manager_a_.id(), auth::Role::kManager, {team_a_.id()});
    manager_b_token_ = roster_->Token(manager_b_.id(), auth::Role::kManager, {team_b_.id()});
    ben_token_ = roster_->Token(ben_.id(), auth::Role::kRep, {team_b_.id()});
    bo_token_ = roster_->Token(bo_.id(), auth::Role::kRep, {team_b_.id()});
    sdr_a_token_ = roster_->Token(sdr_a_.id(), auth::Role::kRep, {team_a_.id()});
    for (const std::string* token : {&admin_token_, &service_token_, &manager_a_token_,
                                     &manager_b_token_, &ben_token_, &bo_token_, &sdr_a_token_}) {
      ASSERT_FALSE(token->empty());
    }
  }

  void TearDown() override {
    stub_.reset();
    // The server stops before the roster client it uses goes.
    harness_.reset();
    roster_client_.reset();
    roster_.reset();
  }

  // The service's clock (the harness's, standing still).
  absl::Time Now() const { return harness_->clock().Now(); }
  cache::Cache& cache() { return harness_->cache(); }

  // ---- One wrapper per RPC: the call as `token` (none when empty) ----

  template <typename Request, typename Response>
  absl::StatusOr<Response> Call(grpc::Status (Stub::*method)(grpc::ClientContext*, const Request&,
                                                             Response*),
                                absl::string_view token, const Request& request) {
    grpc::ClientContext context;
    context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(30));
    if (!token.empty()) auth::AttachBearerToken(context, token);
    Response response;
    const grpc::Status status = ((*stub_).*method)(&context, request, &response);
    if (!status.ok()) return FromGrpcStatus(status);
    return response;
  }

  absl::StatusOr<activitypb::RecordActivitiesResponse> Record(
      absl::string_view token, const std::vector<activitypb::Activity>& items) {
    activitypb::RecordActivitiesRequest request;
    for (const activitypb::Activity& item : items) *request.add_activities() = item;
    return Call(&Stub::RecordActivities, token, request);
  }

  absl::StatusOr<activitypb::ListActivitiesResponse> List(
      absl::string_view token, const activitypb::ListActivitiesRequest& request) {
    return Call(&Stub::ListActivities, token, request);
  }

  // Every activity of the member or team, page by page, in the order served.
  absl::StatusOr<std::vector<activitypb::Activity>> ListAll(absl::string_view token,
                                                            absl::string_view member_id,
                                                            absl::string_view team_id) {
    activitypb::ListActivitiesRequest request;
    request.set_member_id(std::string(member_id));
    request.set_team_id(std::string(team_id));
    request.set_page_size(1000);
    std::vector<activitypb::Activity> all;
    for (int page = 0; page < 100; ++page) {
      ASSIGN_OR_RETURN(activitypb::ListActivitiesResponse response, List(token, request));
      for (activitypb::Activity& activity : *response.mutable_activities()) {
        all.push_back(std::move(activity));
      }
      if (response.next_page_token().empty()) return all;
      request.set_page_token(response.next_page_token());
    }
    return absl::InternalError("ListActivities did not end after 100 pages");
  }

  absl::StatusOr<activitypb::GetKpisResponse> Kpis(
      absl::string_view token, absl::string_view member_id, absl::string_view team_id, Date start,
      Date end, activitypb::KpiBucket bucket = activitypb::KPI_BUCKET_UNSPECIFIED) {
    activitypb::GetKpisRequest request;
    request.set_member_id(std::string(member_id));
    request.set_team_id(std::string(team_id));
    periods::DateToProto(start, request.mutable_start_date());
    periods::DateToProto(end, request.mutable_end_date());
    request.set_bucket(bucket);
    return Call(&Stub::GetKpis, token, request);
  }

  absl::StatusOr<activitypb::GetLeaderboardResponse> Leaderboard(
      absl::string_view token, absl::string_view team_id, activitypb::LeaderboardMetric metric,
      ActivityType type, Date start, Date end, int top_n = 0) {
    activitypb::GetLeaderboardRequest request;
    request.set_team_id(std::string(team_id));
    request.set_metric(metric);
    request.set_activity_type(type);
    periods::DateToProto(start, request.mutable_start_date());
    periods::DateToProto(end, request.mutable_end_date());
    request.set_top_n(top_n);
    return Call(&Stub::GetLeaderboard, token, request);
  }

  // The CALL_MADE leaderboard of team B over the last 10 days.
  absl::StatusOr<activitypb::GetLeaderboardResponse> CallBoard() {
    return Leaderboard(admin_token_, team_b_.id(), activitypb::LEADERBOARD_METRIC_ACTIVITY_COUNT,
                       ACTIVITY_TYPE_CALL_MADE, today_ - 10, today_);
  }

  // Records `items` as the service and expects every one ACCEPTED.
  void RecordAll(const std::vector<activitypb::Activity>& items) {
    absl::StatusOr<activitypb::RecordActivitiesResponse> response = Record(service_token_, items);
    ASSERT_OK(response.status());
    ASSERT_EQ(response->accepted_count(), static_cast<int>(items.size()))
        << response->ShortDebugString();
  }

  std::unique_ptr<grpc::ClientReaderWriter<activitypb::StreamActivitiesRequest,
                                           activitypb::StreamActivitiesResponse>>
  OpenStream(grpc::ClientContext& context, absl::string_view token) {
    context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(60));
    if (!token.empty()) auth::AttachBearerToken(context, token);
    return stub_->StreamActivities(&context);
  }

  static activitypb::StreamActivitiesRequest Batch(int64_t number,
                                                   const std::vector<activitypb::Activity>& items) {
    activitypb::StreamActivitiesRequest batch;
    batch.set_batch_number(number);
    for (const activitypb::Activity& item : items) *batch.add_activities() = item;
    return batch;
  }

  Date today_;
  std::unique_ptr<ServiceHarness> harness_;
  std::unique_ptr<TestRoster> roster_;
  std::unique_ptr<auth::ServiceTokenSource> tokens_;
  std::unique_ptr<clients::GrpcRosterClient> roster_client_;
  std::unique_ptr<Stub> stub_;

  rosterpb::Team team_a_;
  rosterpb::Team team_b_;
  rosterpb::Member manager_a_;
  rosterpb::Member sdr_a_;
  rosterpb::Member ae_a_;
  rosterpb::Member manager_b_;
  rosterpb::Member ben_;
  rosterpb::Member bo_;

  std::string admin_token_;
  std::string service_token_;
  std::string manager_a_token_;
  std::string manager_b_token_;
  std::string ben_token_;
  std::string bo_token_;
  std::string sdr_a_token_;
};

// The same server whose Redis is a private redis-server the test breaks.
class ActivityServiceRedisLossTest : public ActivityServiceTest {
 protected:
  bool UsePrivateRedis() const override { return true; }

  // Waits until the service's Redis client reaches Redis again.
  void AwaitRedis() {
    const absl::Time deadline = absl::Now() + absl::Seconds(10);
    while (!cache().Ping({}).ok()) {
      ASSERT_LT(absl::Now(), deadline) << "Redis did not come back";
      absl::SleepFor(absl::Milliseconds(20));
    }
  }
};

// The service as deployed: its roster client follows the roster's change
// feed, with the position saved in the activity database.
class ActivityRosterFeedTest : public ActivityServiceTest {
 protected:
  void SetUp() override {
    ActivityServiceTest::SetUp();
    if (HasFatalFailure()) return;
    follower_ = StartFollower();
    roster_client_->UseFeed(follower_.get());
    ASSERT_TRUE(follower_->AwaitCaughtUp(absl::Seconds(10)));
  }

  void TearDown() override {
    if (roster_client_ != nullptr) roster_client_->UseFeed(nullptr);
    follower_.reset();
    ActivityServiceTest::TearDown();
  }

  std::unique_ptr<clients::RosterChangeFollower> StartFollower(
      std::function<void(int64_t first, int64_t last)> on_apply = nullptr) {
    absl::StatusOr<std::shared_ptr<grpc::Channel>> channel = client::MakePeerChannel(
        {.name = "roster", .address = roster_->address()}, clients::RosterRetryPolicy());
    if (!channel.ok()) {
      ADD_FAILURE() << channel.status();
      return nullptr;
    }
    store::Database* db = &harness_->db();
    clients::GrpcRosterClient* client = roster_client_.get();
    auto follower = std::make_unique<clients::RosterChangeFollower>(
        *channel,
        clients::RosterChangeFollowerOptions{
            .token = [this] { return tokens_->Token(); },
            .load_position = [db] { return clients::LoadRosterFeedPosition(*db, "activity"); },
            .save_position =
                [db](const clients::RosterFeedPosition& position) {
                  return clients::SaveRosterFeedPosition(*db, "activity", position);
                },
            .apply =
                [client, on_apply](const auto& changes) {
                  if (on_apply) {
                    on_apply(changes.begin()->sequence(), changes.rbegin()->sequence());
                  }
                  return client->ApplyChanges(changes);
                },
            .rebuild = [client](int64_t head) { return client->Rebuild(head); },
        });
    follower->Start();
    return follower;
  }

  std::unique_ptr<clients::RosterChangeFollower> follower_;
};

// ---- RecordActivities: exactly once, per-item results ----

TEST_P(ActivityServiceTest, ANewActivityIsAcceptedAndEveryResendIsDuplicateCountedOnce) {
  const activitypb::Activity call =
      Act("crm-1", ben_.id(), ACTIVITY_TYPE_CALL_MADE, At(today_ - 2, 15));
  ASSERT_OK_AND_ASSIGN(activitypb::RecordActivitiesResponse first, Record(service_token_, {call}));
  EXPECT_THAT(first.results(), ElementsAre(IsAccepted()));
  EXPECT_EQ(first.results(0).activity_id(), "crm-1");
  EXPECT_EQ(first.accepted_count(), 1);
  EXPECT_EQ(first.duplicate_count(), 0);
  EXPECT_EQ(first.rejected_count(), 0);

  for (int resend = 0; resend < 2; ++resend) {
    ASSERT_OK_AND_ASSIGN(activitypb::RecordActivitiesResponse again,
                         Record(service_token_, {call}));
    EXPECT_THAT(again.results(), ElementsAre(IsDuplicate()));
    EXPECT_EQ(again.results(0).activity_id(), "crm-1");
    EXPECT_EQ(again.accepted_count(), 0);
    EXPECT_EQ(again.duplicate_count(), 1);
    EXPECT_EQ(again.rejected_count(), 0);
  }

  ASSERT_OK_AND_ASSIGN(std::vector<activitypb::Activity> listed,
                       ListAll(admin_token_, ben_.id(), ""));
  ASSERT_THAT(listed, SizeIs(1));
  const activitypb::Activity& stored = listed[0];
  EXPECT_EQ(stored.activity_id(), "crm-1");
  EXPECT_EQ(stored.member_id(), ben_.id());
  EXPECT_EQ(stored.type(), ACTIVITY_TYPE_CALL_MADE);
  EXPECT_EQ(stored.occurred_at().seconds(), absl::ToUnixSeconds(At(today_ - 2, 15)));
  EXPECT_EQ(stored.source_system(), "crm");
  EXPECT_EQ(stored.team_id(), team_b_.id());
  EXPECT_EQ(stored.role(), rosterpb::MEMBER_ROLE_FULL_CYCLE);
  EXPECT_EQ(FromProto(stored.local_date()), today_ - 2);
  EXPECT_FALSE(stored.out_of_stage());
  EXPECT_TRUE(stored.has_record_time());

  ASSERT_OK_AND_ASSIGN(activitypb::GetKpisResponse kpis,
                       Kpis(admin_token_, ben_.id(), "", today_ - 7, today_));
  EXPECT_EQ(CountOf(kpis.total(), ACTIVITY_TYPE_CALL_MADE), 1);
}

TEST_P(ActivityServiceTest, ASameIdWithOtherContentIsDuplicateAndTheFirstContentStands) {
  RecordAll({Act("crm-7", ben_.id(), ACTIVITY_TYPE_CALL_MADE, At(today_ - 3, 14))});

  // The CRM sends the id again, now as Bo's won deal on another day.
  ASSERT_OK_AND_ASSIGN(
      activitypb::RecordActivitiesResponse response,
      Record(service_token_, {Won("crm-7", bo_.id(), At(today_ - 1, 16), 90000, "USD", "d-1")}));
  EXPECT_THAT(response.results(), ElementsAre(IsDuplicate()));

  ASSERT_OK_AND_ASSIGN(std::vector<activitypb::Activity> bens,
                       ListAll(admin_token_, ben_.id(), ""));
  ASSERT_THAT(bens, SizeIs(1));
  EXPECT_EQ(bens[0].type(), ACTIVITY_TYPE_CALL_MADE);
  EXPECT_EQ(bens[0].occurred_at().seconds(), absl::ToUnixSeconds(At(today_ - 3, 14)));
  EXPECT_FALSE(bens[0].has_amount());
  EXPECT_THAT(ListAll(admin_token_, bo_.id(), ""), IsOkAndHolds(IsEmpty()));
  ASSERT_OK_AND_ASSIGN(activitypb::GetKpisResponse team,
                       Kpis(admin_token_, "", team_b_.id(), today_ - 7, today_));
  EXPECT_EQ(team.total().deals_won(), 0);
  EXPECT_EQ(team.total().won_value().minor_units(), 0);
  EXPECT_EQ(CountOf(team.total(), ACTIVITY_TYPE_CALL_MADE), 1);
}

TEST_P(ActivityServiceTest, ARepeatedIdWithinOneBatchIsRecordedOnceAndAnswersDuplicate) {
  ASSERT_OK_AND_ASSIGN(
      activitypb::RecordActivitiesResponse response,
      Record(service_token_,
             {Act("dup-1", ben_.id(), ACTIVITY_TYPE_CALL_MADE, At(today_ - 2, 12)),
              Act("other", ben_.id(), ACTIVITY_TYPE_EMAIL_SENT, At(today_ - 2, 13)),
              Act("dup-1", ben_.id(), ACTIVITY_TYPE_REFERRAL, At(today_ - 2, 14))}));
  EXPECT_THAT(response.results(), ElementsAre(IsAccepted(), IsAccepted(), IsDuplicate()));
  EXPECT_EQ(response.results(2).activity_id(), "dup-1");
  EXPECT_EQ(response.accepted_count(), 2);
  EXPECT_EQ(response.duplicate_count(), 1);
  EXPECT_EQ(response.rejected_count(), 0);

  ASSERT_OK_AND_ASSIGN(std::vector<activitypb::Activity> listed,
                       ListAll(admin_token_, ben_.id(), ""));
  EXPECT_THAT(Ids(listed), UnorderedElementsAre("dup-1", "other"));
  const activitypb::Activity* first = Find(listed, "dup-1");
  ASSERT_NE(first, nullptr);
  EXPECT_EQ(first->type(), ACTIVITY_TYPE_CALL_MADE);
}

TEST_P(ActivityServiceTest, ValidItemsAreKeptWhenTheirNeighboursAreRefused) {
  activitypb::Activity no_minutes = Logged("mix-1", ben_.id(), At(today_ - 2, 12), 0, true);
  activitypb::Activity bad_type =
      Act("mix-5", ben_.id(), ACTIVITY_TYPE_CALL_MADE, At(today_ - 2, 12));
  bad_type.set_type(static_cast<ActivityType>(99));
  ASSERT_OK_AND_ASSIGN(
      activitypb::RecordActivitiesResponse response,
      Record(
          service_token_,
          {Act("mix-0", ben_.id(), ACTIVITY_TYPE_CALL_MADE, At(today_ - 2, 12)), no_minutes,
           Act("mix-2", bo_.id(), ACTIVITY_TYPE_EMAIL_SENT, At(today_ - 2, 13)),
           Act("mix-3", "mb_00000000000000000000dead", ACTIVITY_TYPE_CALL_MADE, At(today_ - 2, 14)),
           Won("mix-4", ben_.id(), At(today_ - 2, 15), 120000, "USD", "deal-9"), bad_type}));
  EXPECT_THAT(
      response.results(),
      ElementsAre(
          IsAccepted(), IsRejected(kInvalidArgument, StartsWith("activities[1].minutes"), false),
          IsAccepted(), IsRejected(kNotFound, StartsWith("activities[3].member_id"), false),
          IsAccepted(), IsRejected(kInvalidArgument, StartsWith("activities[5].type"), false)));
  for (int i = 0; i < response.results_size(); ++i) {
    EXPECT_EQ(response.results(i).activity_id(), absl::StrCat("mix-", i));
  }
  EXPECT_EQ(response.accepted_count(), 3);
  EXPECT_EQ(response.duplicate_count(), 0);
  EXPECT_EQ(response.rejected_count(), 3);

  ASSERT_OK_AND_ASSIGN(std::vector<activitypb::Activity> listed,
                       ListAll(admin_token_, "", team_b_.id()));
  EXPECT_THAT(Ids(listed), UnorderedElementsAre("mix-0", "mix-2", "mix-4"));
}

TEST_P(ActivityServiceTest, EveryInvalidFieldIsRejectedAsInvalidArgumentNamingTheField) {
  const absl::Time t = At(today_ - 1, 12);
  const std::string ben = ben_.id();
  auto call = [&](std::string id) { return Act(id, ben, ACTIVITY_TYPE_CALL_MADE, t); };
  struct Bad {
    std::string what;
    activitypb::Activity activity;
    std::string field;  // under activities[i]
  };
  std::vector<Bad> bad;
  {
    activitypb::Activity a = call("ahead");
    periods::TimeToProto(Now() + absl::Hours(25), a.mutable_occurred_at());
    bad.push_back({"more than a day ahead", a, "occurred_at"});
  }
  {
    activitypb::Activity a = call("too-old");
    periods::TimeToProto(Now() - absl::Hours(24 * 401), a.mutable_occurred_at());
    bad.push_back({"more than 400 days back", a, "occurred_at"});
  }
  {
    activitypb::Activity a = call("no-time");
    a.clear_occurred_at();
    bad.push_back({"no occurred_at", a, "occurred_at"});
  }
  {
    activitypb::Activity a = call("won-without-amount");
    a.set_type(ACTIVITY_TYPE_DEAL_WON);
    bad.push_back({"DEAL_WON without an amount", a, "amount"});
  }
  bad.push_back({"DEAL_WON of zero", Won("won-zero", ben, t, 0, "USD"), "amount.minor_units"});
  bad.push_back({"an amount in another currency than the team's",
                 Won("won-in-euros", ben, t, 5000, "EUR"), "amount.currency_code"});
  {
    activitypb::Activity a = call("negative-amount");
    a.mutable_amount()->set_minor_units(-1);
    a.mutable_amount()->set_currency_code("USD");
    bad.push_back({"a negative amount", a, "amount.minor_units"});
  }
  bad.push_back({"0 minutes", Logged("minutes-0", ben, t, 0, false), "minutes"});
  bad.push_back({"1441 minutes", Logged("minutes-1441", ben, t, 1441, true), "minutes"});
  {
    activitypb::Activity a = call("minutes-on-a-call");
    a.set_minutes(5);
    bad.push_back({"minutes on a call", a, "minutes"});
  }
  {
    activitypb::Activity a = call("selling-call");
    a.set_selling(true);
    bad.push_back({"the selling flag on a call", a, "selling"});
  }
  {
    activitypb::Activity a = call("type-99");
    a.set_type(static_cast<ActivityType>(99));
    bad.push_back({"an unknown type", a, "type"});
  }
  {
    activitypb::Activity a = call("no-type");
    a.set_type(activitypb::ACTIVITY_TYPE_UNSPECIFIED);
    bad.push_back({"no type", a, "type"});
  }
  bad.push_back({"an empty id", call(""), "activity_id"});
  bad.push_back({"a 129-character id", call(std::string(129, 'x')), "activity_id"});
  bad.push_back({"a non-printable id",
                 call("crm\x01"
                      "42"),
                 "activity_id"});
  bad.push_back({"an id with a space", call("crm 42"), "activity_id"});
  {
    activitypb::Activity a = call("no-member");
    a.clear_member_id();
    bad.push_back({"no member", a, "member_id"});
  }
  bad.push_back(
      {"a 129-character deal id", OnDeal(call("long-deal"), std::string(129, 'd')), "deal_id"});
  {
    activitypb::Activity a = call("long-source");
    a.set_source_system(std::string(65, 's'));
    bad.push_back({"a 65-character source system", a, "source_system"});
  }

  std::vector<activitypb::Activity> items = {call("valid-first")};
  for (const Bad& b : bad) items.push_back(b.activity);
  items.push_back(Logged("valid-last", ben, t, 1440, true));
  ASSERT_OK_AND_ASSIGN(activitypb::RecordActivitiesResponse response,
                       Record(service_token_, items));
  ASSERT_EQ(response.results_size(), static_cast<int>(items.size()));
  EXPECT_THAT(response.results(0), IsAccepted());
  for (size_t k = 0; k < bad.size(); ++k) {
    const int i = static_cast<int>(k) + 1;
    EXPECT_THAT(
        response.results(i),
        IsRejected(kInvalidArgument,
                   StartsWith(absl::StrCat("activities[", i, "].", bad[k].field, ":")), false))
        << bad[k].what;
  }
  EXPECT_THAT(response.results(static_cast<int>(items.size()) - 1), IsAccepted());
  EXPECT_EQ(response.accepted_count(), 2);
  EXPECT_EQ(response.rejected_count(), static_cast<int>(bad.size()));

  ASSERT_OK_AND_ASSIGN(std::vector<activitypb::Activity> listed,
                       ListAll(admin_token_, ben_.id(), ""));
  EXPECT_THAT(Ids(listed), UnorderedElementsAre("valid-first", "valid-last"));
}

TEST_P(ActivityServiceTest, AnUnknownMemberIsRejectedAsNotFound) {
  ASSERT_OK_AND_ASSIGN(activitypb::RecordActivitiesResponse response,
                       Record(service_token_, {Act("ghost-1", "mb_000000000000000000000000",
                                                   ACTIVITY_TYPE_CALL_MADE, At(today_ - 1, 12))}));
  EXPECT_THAT(response.results(),
              ElementsAre(IsRejected(kNotFound,
                                     AllOf(StartsWith("activities[0].member_id"),
                                           HasSubstr("mb_000000000000000000000000")),
                                     false)));
  EXPECT_EQ(response.rejected_count(), 1);
}

TEST_P(ActivityServiceTest, AMemberNotActiveOnTheActivitysDayIsRejectedAsFailedPrecondition) {
  const Date hired = today_ - 5;
  ASSERT_OK_AND_ASSIGN(rosterpb::Member newcomer,
                       roster_->CreateMember("Nia Newcomer", team_b_.id(),
                                             rosterpb::MEMBER_ROLE_FULL_CYCLE, 3, hired));
  ASSERT_OK_AND_ASSIGN(
      rosterpb::Member leaver,
      roster_->CreateMember("Lou Leaver", team_b_.id(), rosterpb::MEMBER_ROLE_FULL_CYCLE, 3));
  // Inactive from the roster's tomorrow, which is 29 days ago here.
  const Date gone = roster_->Today() + 1;
  ASSERT_LT(gone, today_ - 20);
  ASSERT_OK(roster_->DeactivateMember(leaver.id(), gone).status());

  // Noon UTC is the same day in New York.
  ASSERT_OK_AND_ASSIGN(
      activitypb::RecordActivitiesResponse response,
      Record(service_token_,
             {Act("before-hire", newcomer.id(), ACTIVITY_TYPE_CALL_MADE, At(hired - 1, 12)),
              Act("hire-day", newcomer.id(), ACTIVITY_TYPE_CALL_MADE, At(hired, 12)),
              Act("last-day", leaver.id(), ACTIVITY_TYPE_CALL_MADE, At(gone - 1, 12)),
              Act("first-day-gone", leaver.id(), ACTIVITY_TYPE_CALL_MADE, At(gone, 12)),
              Act("long-gone", leaver.id(), ACTIVITY_TYPE_CALL_MADE, At(today_ - 2, 12))}));
  EXPECT_THAT(
      response.results(),
      ElementsAre(IsRejected(kFailedPrecondition,
                             AllOf(StartsWith("activities[0].member_id"),
                                   HasSubstr(periods::FormatIsoDate(hired - 1))),
                             false),
                  IsAccepted(), IsAccepted(),
                  IsRejected(kFailedPrecondition,
                             AllOf(StartsWith("activities[3].member_id"),
                                   HasSubstr(periods::FormatIsoDate(gone))),
                             false),
                  IsRejected(kFailedPrecondition, StartsWith("activities[4].member_id"), false)));
  ASSERT_OK_AND_ASSIGN(std::vector<activitypb::Activity> listed,
                       ListAll(admin_token_, "", team_b_.id()));
  EXPECT_THAT(Ids(listed), UnorderedElementsAre("hire-day", "last-day"));
}

TEST_P(ActivityServiceTest, FiveThousandItemsAreAcceptedAndOneMoreRefusesTheWholeCall) {
  std::vector<activitypb::Activity> items = Calls("max", ben_.id(), today_ - 3, 5000);
  ASSERT_OK_AND_ASSIGN(activitypb::RecordActivitiesResponse response,
                       Record(service_token_, items));
  EXPECT_EQ(response.accepted_count(), 5000);
  EXPECT_EQ(response.results_size(), 5000);

  std::vector<activitypb::Activity> too_many = Calls("over", ben_.id(), today_ - 2, 5001);
  EXPECT_THAT(Record(service_token_, too_many),
              StatusIs(kResourceExhausted, AllOf(HasSubstr("activities"), HasSubstr("5001"))));
  // Nothing of the refused call was recorded.
  ASSERT_OK_AND_ASSIGN(activitypb::GetKpisResponse kpis,
                       Kpis(admin_token_, ben_.id(), "", today_ - 7, today_));
  EXPECT_EQ(CountOf(kpis.total(), ACTIVITY_TYPE_CALL_MADE), 5000);
}

TEST_P(ActivityServiceTest, ABatchOverFourMebibytesIsResourceExhaustedAndRecordsNothing) {
  // Below gRPC's 8 MiB message limit, so the service itself must refuse it:
  // a valid call first, then items carrying 2 KB each.
  std::vector<activitypb::Activity> items = {
      Act("small", ben_.id(), ACTIVITY_TYPE_CALL_MADE, At(today_ - 1, 12))};
  for (int i = 0; i < 2600; ++i) {
    items.push_back(
        OnDeal(Act(absl::StrCat("big-", i), ben_.id(), ACTIVITY_TYPE_CALL_MADE, At(today_ - 1, 13)),
               std::string(2000, 'd')));
  }
  EXPECT_THAT(Record(service_token_, items),
              StatusIs(kResourceExhausted, AllOf(HasSubstr("activities"), HasSubstr("bytes"))));

  // Past 8 MiB gRPC refuses the message before the service sees it.
  for (int i = 2600; i < 4700; ++i) items.push_back(items.back());
  EXPECT_THAT(Record(service_token_, items), StatusIs(kResourceExhausted));

  EXPECT_THAT(ListAll(admin_token_, ben_.id(), ""), IsOkAndHolds(IsEmpty()));
}

TEST_P(ActivityServiceTest, AnEmptyBatchIsInvalidArgument) {
  EXPECT_THAT(Record(service_token_, {}), StatusIs(kInvalidArgument, HasSubstr("activities")));
}

// ---- Who may record ----

TEST_P(ActivityServiceTest, ARepRecordsTheirOwnActivitiesButNoOneElses) {
  ASSERT_OK_AND_ASSIGN(
      activitypb::RecordActivitiesResponse response,
      Record(ben_token_, {Act("own-1", ben_.id(), ACTIVITY_TYPE_CALL_MADE, At(today_ - 1, 12)),
                          Act("bos", bo_.id(), ACTIVITY_TYPE_CALL_MADE, At(today_ - 1, 12)),
                          Act("own-2", ben_.id(), ACTIVITY_TYPE_EMAIL_SENT, At(today_ - 1, 13))}));
  EXPECT_THAT(
      response.results(),
      ElementsAre(
          IsAccepted(),
          IsRejected(kPermissionDenied,
                     AllOf(StartsWith("activities[1].member_id"), HasSubstr(bo_.id())), false),
          IsAccepted()));
  ASSERT_OK_AND_ASSIGN(std::vector<activitypb::Activity> listed,
                       ListAll(admin_token_, "", team_b_.id()));
  EXPECT_THAT(Ids(listed), UnorderedElementsAre("own-1", "own-2"));
}

TEST_P(ActivityServiceTest, AManagerRecordsForTheirTeamsMembersOnly) {
  ASSERT_OK_AND_ASSIGN(
      activitypb::RecordActivitiesResponse response,
      Record(manager_b_token_,
             {Act("for-ben", ben_.id(), ACTIVITY_TYPE_CALL_MADE, At(today_ - 1, 12)),
              Act("for-sdr", sdr_a_.id(), ACTIVITY_TYPE_CALL_MADE, At(today_ - 1, 12)),
              Act("for-self", manager_b_.id(), ACTIVITY_TYPE_MEETING_HELD, At(today_ - 1, 14))}));
  EXPECT_THAT(
      response.results(),
      ElementsAre(
          IsAccepted(),
          IsRejected(kPermissionDenied,
                     AllOf(StartsWith("activities[1].member_id"), HasSubstr(team_a_.id())), false),
          IsAccepted()));

  ASSERT_OK_AND_ASSIGN(
      activitypb::RecordActivitiesResponse own_team,
      Record(manager_a_token_,
             {Act("a-for-sdr", sdr_a_.id(), ACTIVITY_TYPE_CALL_MADE, At(today_ - 1, 12))}));
  EXPECT_THAT(own_team.results(), ElementsAre(IsAccepted()));
  EXPECT_THAT(ListAll(admin_token_, sdr_a_.id(), ""),
              IsOkAndHolds(ElementsAre(
                  ::testing::Property(&activitypb::Activity::activity_id, "a-for-sdr"))));
}

TEST_P(ActivityServiceTest, ServicesAndAdminsRecordForAnyMember) {
  for (const std::string* token : {&service_token_, &admin_token_}) {
    const std::string prefix = token == &service_token_ ? "svc" : "adm";
    ASSERT_OK_AND_ASSIGN(
        activitypb::RecordActivitiesResponse response,
        Record(
            *token,
            {Act(prefix + "-ben", ben_.id(), ACTIVITY_TYPE_CALL_MADE, At(today_ - 1, 12)),
             Act(prefix + "-sdr", sdr_a_.id(), ACTIVITY_TYPE_CALL_MADE, At(today_ - 1, 12)),
             Act(prefix + "-mgr", manager_a_.id(), ACTIVITY_TYPE_REFERRAL, At(today_ - 1, 12))}));
    EXPECT_THAT(response.results(), ElementsAre(IsAccepted(), IsAccepted(), IsAccepted()))
        << prefix;
  }
}

TEST_P(ActivityServiceTest, CallsWithoutAValidTokenAreUnauthenticatedAndChangeNothing) {
  const std::string foreign = [] {
    auth::Principal principal;
    principal.subject = "admin-1";
    principal.role = auth::Role::kAdmin;
    absl::StatusOr<std::string> token = auth::MintToken(
        "another-secret-of-at-least-32-bytes-0123456789", principal, absl::Hours(1), absl::Now());
    return token.ok() ? *token : "";
  }();
  for (const std::string& token : {std::string(), foreign, Tampered(admin_token_)}) {
    SCOPED_TRACE(token.empty() ? "no token" : "a token that does not verify");
    EXPECT_THAT(
        Record(token, {Act("anon", ben_.id(), ACTIVITY_TYPE_CALL_MADE, At(today_ - 1, 12))}),
        StatusIs(kUnauthenticated));
    activitypb::ListActivitiesRequest list;
    list.set_member_id(ben_.id());
    EXPECT_THAT(List(token, list), StatusIs(kUnauthenticated));
    EXPECT_THAT(Kpis(token, ben_.id(), "", today_ - 7, today_), StatusIs(kUnauthenticated));
    EXPECT_THAT(Leaderboard(token, team_b_.id(), activitypb::LEADERBOARD_METRIC_WON_VALUE,
                            activitypb::ACTIVITY_TYPE_UNSPECIFIED, today_ - 7, today_),
                StatusIs(kUnauthenticated));

    grpc::ClientContext context;
    auto stream = OpenStream(context, token);
    stream->Write(
        Batch(1, {Act("anon-stream", ben_.id(), ACTIVITY_TYPE_CALL_MADE, At(today_ - 1, 12))}));
    stream->WritesDone();
    activitypb::StreamActivitiesResponse answer;
    EXPECT_FALSE(stream->Read(&answer));
    EXPECT_THAT(FromGrpcStatus(stream->Finish()), StatusIs(kUnauthenticated));
  }
  EXPECT_THAT(ListAll(admin_token_, ben_.id(), ""), IsOkAndHolds(IsEmpty()));
}

// ---- Who may read ----

TEST_P(ActivityServiceTest, ARepReadsTheirOwnActivitiesAndKpisButNotOthersNorTheTeams) {
  RecordAll({Act("ben-1", ben_.id(), ACTIVITY_TYPE_CALL_MADE, At(today_ - 1, 12)),
             Act("bo-1", bo_.id(), ACTIVITY_TYPE_CALL_MADE, At(today_ - 1, 12))});
  activitypb::ListActivitiesRequest own;
  own.set_member_id(ben_.id());
  ASSERT_OK_AND_ASSIGN(activitypb::ListActivitiesResponse listed, List(ben_token_, own));
  EXPECT_THAT(listed.activities(),
              ElementsAre(::testing::Property(&activitypb::Activity::activity_id, "ben-1")));
  ASSERT_OK_AND_ASSIGN(activitypb::GetKpisResponse kpis,
                       Kpis(ben_token_, ben_.id(), "", today_ - 7, today_));
  EXPECT_EQ(CountOf(kpis.total(), ACTIVITY_TYPE_CALL_MADE), 1);

  activitypb::ListActivitiesRequest other;
  other.set_member_id(bo_.id());
  EXPECT_THAT(List(ben_token_, other), StatusIs(kPermissionDenied, HasSubstr(bo_.id())));
  EXPECT_THAT(Kpis(ben_token_, bo_.id(), "", today_ - 7, today_), StatusIs(kPermissionDenied));
  activitypb::ListActivitiesRequest team;
  team.set_team_id(team_b_.id());
  EXPECT_THAT(List(ben_token_, team), StatusIs(kPermissionDenied, HasSubstr(team_b_.id())));
  EXPECT_THAT(Kpis(ben_token_, "", team_b_.id(), today_ - 7, today_), StatusIs(kPermissionDenied));
}

TEST_P(ActivityServiceTest, AManagerReadsTheirTeamAndItsMembersButNotAnotherTeam) {
  RecordAll({Act("ben-1", ben_.id(), ACTIVITY_TYPE_CALL_MADE, At(today_ - 1, 12)),
             Act("sdr-1", sdr_a_.id(), ACTIVITY_TYPE_CALL_MADE, At(today_ - 1, 12))});
  EXPECT_THAT(ListAll(manager_b_token_, "", team_b_.id()), IsOkAndHolds(SizeIs(1)));
  EXPECT_THAT(ListAll(manager_b_token_, ben_.id(), ""), IsOkAndHolds(SizeIs(1)));
  EXPECT_OK(Kpis(manager_b_token_, "", team_b_.id(), today_ - 7, today_).status());
  EXPECT_OK(Kpis(manager_b_token_, ben_.id(), "", today_ - 7, today_).status());

  EXPECT_THAT(ListAll(manager_b_token_, "", team_a_.id()), StatusIs(kPermissionDenied));
  EXPECT_THAT(ListAll(manager_b_token_, sdr_a_.id(), ""), StatusIs(kPermissionDenied));
  EXPECT_THAT(Kpis(manager_b_token_, "", team_a_.id(), today_ - 7, today_),
              StatusIs(kPermissionDenied));
  EXPECT_THAT(Kpis(manager_b_token_, sdr_a_.id(), "", today_ - 7, today_),
              StatusIs(kPermissionDenied));
}

TEST_P(ActivityServiceTest, ATeamsLeaderboardIsReadableByItsRepsAndManagerOnly) {
  RecordAll(Calls("lb", ben_.id(), today_ - 2, 2));
  for (const std::string* token :
       {&ben_token_, &bo_token_, &manager_b_token_, &admin_token_, &service_token_}) {
    ASSERT_OK_AND_ASSIGN(
        activitypb::GetLeaderboardResponse board,
        Leaderboard(*token, team_b_.id(), activitypb::LEADERBOARD_METRIC_ACTIVITY_COUNT,
                    ACTIVITY_TYPE_CALL_MADE, today_ - 7, today_));
    EXPECT_THAT(board.entries(), ElementsAre(EntryIs(1, ben_.id(), 2)));
  }
  for (const std::string* token : {&sdr_a_token_, &manager_a_token_}) {
    EXPECT_THAT(Leaderboard(*token, team_b_.id(), activitypb::LEADERBOARD_METRIC_ACTIVITY_COUNT,
                            ACTIVITY_TYPE_CALL_MADE, today_ - 7, today_),
                StatusIs(kPermissionDenied));
  }
}

// ---- Attribution ----

TEST_P(ActivityServiceTest, AMovedMembersActivitiesCountForTheTeamAndRoleOfTheirDay) {
  ASSERT_OK_AND_ASSIGN(
      rosterpb::Team west,
      roster_->CreateTeam("West", rosterpb::SALES_MODEL_ISLAND, "America/Los_Angeles", "USD"));
  ASSERT_OK_AND_ASSIGN(
      rosterpb::Team east,
      roster_->CreateTeam("East", rosterpb::SALES_MODEL_ASSEMBLY_LINE, "Asia/Tokyo", "USD"));
  ASSERT_OK_AND_ASSIGN(
      rosterpb::Member mover,
      roster_->CreateMember("Mo Mover", west.id(), rosterpb::MEMBER_ROLE_FULL_CYCLE, 3));
  // 29 days ago for the activity service.
  const Date moved = roster_->Today() + 1;
  ASSERT_OK(
      roster_->MoveMember(mover.id(), east.id(), rosterpb::MEMBER_ROLE_ACCOUNT_EXECUTIVE, moved)
          .status());

  RecordAll({
      // Noon UTC: early morning of the same day in Los Angeles.
      Act("west-day", mover.id(), ACTIVITY_TYPE_CALL_MADE, At(moved - 3, 12)),
      // 03:00 UTC is the evening before in Los Angeles.
      Act("west-evening", mover.id(), ACTIVITY_TYPE_EMAIL_SENT, At(moved - 5, 3)),
      // 01:00 UTC on the move day: still the day before in Los Angeles (the
      // old assignment) and already the move day in Tokyo (the new one); the
      // older assignment wins.
      Act("overlap", mover.id(), ACTIVITY_TYPE_CALL_MADE, At(moved, 1)),
      // Noon UTC on the move day: the move day in both zones: Tokyo.
      Act("east-first-day", mover.id(), ACTIVITY_TYPE_CALL_MADE, At(moved, 12)),
      Act("east-day", mover.id(), ACTIVITY_TYPE_PROPOSAL_SENT, At(moved + 3, 12)),
      // 23:30 UTC is the next morning in Tokyo; an account executive creating
      // leads works outside their stage.
      Act("east-morning", mover.id(), ACTIVITY_TYPE_LEAD_CREATED, At(moved + 5, 23, 30)),
  });

  struct Expected {
    std::string id;
    const rosterpb::Team* team;
    rosterpb::MemberRole role;
    Date local_date;
    bool out_of_stage;
  };
  const std::vector<Expected> expected = {
      {"west-day", &west, rosterpb::MEMBER_ROLE_FULL_CYCLE, moved - 3, false},
      {"west-evening", &west, rosterpb::MEMBER_ROLE_FULL_CYCLE, moved - 6, false},
      {"overlap", &west, rosterpb::MEMBER_ROLE_FULL_CYCLE, moved - 1, false},
      {"east-first-day", &east, rosterpb::MEMBER_ROLE_ACCOUNT_EXECUTIVE, moved, false},
      {"east-day", &east, rosterpb::MEMBER_ROLE_ACCOUNT_EXECUTIVE, moved + 3, false},
      {"east-morning", &east, rosterpb::MEMBER_ROLE_ACCOUNT_EXECUTIVE, moved + 6, true},
  };
  ASSERT_OK_AND_ASSIGN(std::vector<activitypb::Activity> all,
                       ListAll(admin_token_, mover.id(), ""));
  ASSERT_THAT(all, SizeIs(expected.size()));
  for (const Expected& e : expected) {
    SCOPED_TRACE(e.id);
    const activitypb::Activity* activity = Find(all, e.id);
    ASSERT_NE(activity, nullptr);
    EXPECT_EQ(activity->team_id(), e.team->id());
    EXPECT_EQ(activity->role(), e.role);
    EXPECT_EQ(FromProto(activity->local_date()), e.local_date)
        << periods::FormatIsoDate(FromProto(activity->local_date()));
    EXPECT_EQ(activity->out_of_stage(), e.out_of_stage);
  }

  ASSERT_OK_AND_ASSIGN(std::vector<activitypb::Activity> west_list,
                       ListAll(admin_token_, "", west.id()));
  EXPECT_THAT(Ids(west_list), UnorderedElementsAre("west-day", "west-evening", "overlap"));
  ASSERT_OK_AND_ASSIGN(std::vector<activitypb::Activity> east_list,
                       ListAll(admin_token_, "", east.id()));
  EXPECT_THAT(Ids(east_list), UnorderedElementsAre("east-first-day", "east-day", "east-morning"));

  ASSERT_OK_AND_ASSIGN(activitypb::GetKpisResponse west_kpis,
                       Kpis(admin_token_, "", west.id(), moved - 10, moved + 10));
  EXPECT_EQ(west_kpis.time_zone(), "America/Los_Angeles");
  EXPECT_THAT(NonZeroCounts(west_kpis.total()),
              ElementsAre(::testing::Pair(ACTIVITY_TYPE_CALL_MADE, 2),
                          ::testing::Pair(ACTIVITY_TYPE_EMAIL_SENT, 1)));
  EXPECT_EQ(west_kpis.total().out_of_stage_count(), 0);
  ASSERT_OK_AND_ASSIGN(
      activitypb::GetKpisResponse east_kpis,
      Kpis(admin_token_, "", east.id(), moved - 10, moved + 10, activitypb::KPI_BUCKET_DAY));
  EXPECT_EQ(east_kpis.time_zone(), "Asia/Tokyo");
  EXPECT_THAT(NonZeroCounts(east_kpis.total()),
              ElementsAre(::testing::Pair(ACTIVITY_TYPE_LEAD_CREATED, 1),
                          ::testing::Pair(ACTIVITY_TYPE_CALL_MADE, 1),
                          ::testing::Pair(ACTIVITY_TYPE_PROPOSAL_SENT, 1)));
  EXPECT_EQ(east_kpis.total().out_of_stage_count(), 1);
  // The lead counts on Tokyo's day, the day after its UTC date.
  ASSERT_THAT(east_kpis.buckets(), SizeIs(20));
  EXPECT_EQ(CountOf(east_kpis.buckets(15).kpis(), ACTIVITY_TYPE_LEAD_CREATED), 0);
  EXPECT_EQ(CountOf(east_kpis.buckets(16).kpis(), ACTIVITY_TYPE_LEAD_CREATED), 1);

  // The member's own KPIs cover both teams.
  ASSERT_OK_AND_ASSIGN(activitypb::GetKpisResponse member_kpis,
                       Kpis(admin_token_, mover.id(), "", moved - 10, moved + 10));
  EXPECT_EQ(member_kpis.total().activity_count(), 6);
  EXPECT_EQ(member_kpis.total().out_of_stage_count(), 1);
}

TEST_P(ActivityServiceTest, LocalDateIsTheActivitysDayInItsTeamsTimeZone) {
  ASSERT_OK_AND_ASSIGN(
      rosterpb::Team tokyo,
      roster_->CreateTeam("Tokyo", rosterpb::SALES_MODEL_ISLAND, "Asia/Tokyo", "JPY"));
  ASSERT_OK_AND_ASSIGN(rosterpb::Team la, roster_->CreateTeam("LA", rosterpb::SALES_MODEL_ISLAND,
                                                              "America/Los_Angeles", "USD"));
  ASSERT_OK_AND_ASSIGN(
      rosterpb::Member kai,
      roster_->CreateMember("Kai", tokyo.id(), rosterpb::MEMBER_ROLE_FULL_CYCLE, 3));
  ASSERT_OK_AND_ASSIGN(rosterpb::Member lee,
                       roster_->CreateMember("Lee", la.id(), rosterpb::MEMBER_ROLE_FULL_CYCLE, 3));
  const Date d = today_ - 4;
  RecordAll({
      // Tokyo is UTC+9: 14:59 UTC is 23:59 on d, 15:00 UTC is midnight of d+1.
      Act("kai-2359", kai.id(), ACTIVITY_TYPE_CALL_MADE, At(d, 14, 59)),
      Act("kai-0000", kai.id(), ACTIVITY_TYPE_CALL_MADE, At(d, 15, 0)),
      Act("kai-0830", kai.id(), ACTIVITY_TYPE_CALL_MADE, At(d, 23, 30)),
      // Los Angeles is UTC-7 or UTC-8: 23:30 UTC and 06:59 UTC next day are
      // still d there, 08:00 UTC next day is d+1.
      Act("lee-afternoon", lee.id(), ACTIVITY_TYPE_CALL_MADE, At(d, 23, 30)),
      Act("lee-late", lee.id(), ACTIVITY_TYPE_CALL_MADE, At(d + 1, 6, 59)),
      Act("lee-next", lee.id(), ACTIVITY_TYPE_CALL_MADE, At(d + 1, 8, 0)),
  });
  const std::map<std::string, Date> expected = {
      {"kai-2359", d},      {"kai-0000", d + 1}, {"kai-0830", d + 1},
      {"lee-afternoon", d}, {"lee-late", d},     {"lee-next", d + 1},
  };
  for (const rosterpb::Member* member : {&kai, &lee}) {
    ASSERT_OK_AND_ASSIGN(std::vector<activitypb::Activity> listed,
                         ListAll(admin_token_, member->id(), ""));
    ASSERT_THAT(listed, SizeIs(3));
    for (const activitypb::Activity& activity : listed) {
      EXPECT_EQ(FromProto(activity.local_date()), expected.at(activity.activity_id()))
          << activity.activity_id() << " "
          << periods::FormatIsoDate(FromProto(activity.local_date()));
    }
  }
  // Day buckets follow the local days.
  ASSERT_OK_AND_ASSIGN(activitypb::GetKpisResponse tokyo_days,
                       Kpis(admin_token_, "", tokyo.id(), d, d + 2, activitypb::KPI_BUCKET_DAY));
  EXPECT_EQ(tokyo_days.time_zone(), "Asia/Tokyo");
  ASSERT_THAT(tokyo_days.buckets(), SizeIs(2));
  EXPECT_EQ(CountOf(tokyo_days.buckets(0).kpis(), ACTIVITY_TYPE_CALL_MADE), 1);
  EXPECT_EQ(CountOf(tokyo_days.buckets(1).kpis(), ACTIVITY_TYPE_CALL_MADE), 2);
  ASSERT_OK_AND_ASSIGN(activitypb::GetKpisResponse la_days,
                       Kpis(admin_token_, "", la.id(), d, d + 2, activitypb::KPI_BUCKET_DAY));
  ASSERT_THAT(la_days.buckets(), SizeIs(2));
  EXPECT_EQ(CountOf(la_days.buckets(0).kpis(), ACTIVITY_TYPE_CALL_MADE), 2);
  EXPECT_EQ(CountOf(la_days.buckets(1).kpis(), ACTIVITY_TYPE_CALL_MADE), 1);
}

// ---- The roster cannot be reached ----

TEST_P(ActivityServiceTest, WithTheRosterUnreachableUncachedMembersAreRetryableAndNothingIsLost) {
  // Ben (and team B) are looked up, and so cached, now.
  RecordAll({Act("before", ben_.id(), ACTIVITY_TYPE_CALL_MADE, At(today_ - 1, 12))});
  ASSERT_OK_AND_ASSIGN(
      rosterpb::Member fresh,
      roster_->CreateMember("Fay Newhire", team_b_.id(), rosterpb::MEMBER_ROLE_FULL_CYCLE, 3));
  roster_->Stop();

  ASSERT_OK_AND_ASSIGN(
      activitypb::RecordActivitiesResponse response,
      Record(service_token_,
             {Act("cached-1", ben_.id(), ACTIVITY_TYPE_CALL_MADE, At(today_ - 1, 13)),
              Act("fresh-1", fresh.id(), ACTIVITY_TYPE_CALL_MADE, At(today_ - 1, 13)),
              Act("cached-2", ben_.id(), ACTIVITY_TYPE_EMAIL_SENT, At(today_ - 1, 14)),
              Act("fresh-2", fresh.id(), ACTIVITY_TYPE_EMAIL_SENT, At(today_ - 1, 14))}));
  EXPECT_THAT(
      response.results(),
      ElementsAre(
          IsAccepted(),
          IsRejected(kUnavailable,
                     AllOf(StartsWith("activities[1].member_id"), HasSubstr(fresh.id())), true),
          IsAccepted(), IsRejected(kUnavailable, StartsWith("activities[3].member_id"), true)));
  EXPECT_EQ(response.accepted_count(), 2);
  EXPECT_EQ(response.rejected_count(), 2);

  EXPECT_THAT(ListAll(admin_token_, fresh.id(), ""), IsOkAndHolds(IsEmpty()));
  ASSERT_OK_AND_ASSIGN(std::vector<activitypb::Activity> bens,
                       ListAll(admin_token_, ben_.id(), ""));
  EXPECT_THAT(Ids(bens), UnorderedElementsAre("before", "cached-1", "cached-2"));
  // A read that needs the uncached member is a transient failure too.
  EXPECT_THAT(Kpis(admin_token_, fresh.id(), "", today_ - 7, today_), StatusIs(kUnavailable));
}

// ---- StreamActivities ----

TEST_P(ActivityServiceTest, AStreamAnswersEachBatchInOrderWithItsNumberAndPerItemResults) {
  RecordAll({Act("s-old", ben_.id(), ACTIVITY_TYPE_CALL_MADE, At(today_ - 2, 12))});
  grpc::ClientContext context;
  auto stream = OpenStream(context, ben_token_);
  ASSERT_TRUE(
      stream->Write(Batch(7, {Act("s-1", ben_.id(), ACTIVITY_TYPE_CALL_MADE, At(today_ - 1, 12)),
                              Logged("s-2", ben_.id(), At(today_ - 1, 13), 0, true),
                              Act("s-old", ben_.id(), ACTIVITY_TYPE_CALL_MADE, At(today_ - 2, 12)),
                              Act("s-3", bo_.id(), ACTIVITY_TYPE_CALL_MADE, At(today_ - 1, 14))})));
  activitypb::StreamActivitiesResponse answer;
  ASSERT_TRUE(stream->Read(&answer));
  EXPECT_EQ(answer.batch_number(), 7);
  EXPECT_THAT(
      answer.results(),
      ElementsAre(IsAccepted(),
                  IsRejected(kInvalidArgument, StartsWith("activities[1].minutes"), false),
                  IsDuplicate(),
                  IsRejected(kPermissionDenied, StartsWith("activities[3].member_id"), false)));
  EXPECT_EQ(answer.accepted_count(), 1);
  EXPECT_EQ(answer.duplicate_count(), 1);
  EXPECT_EQ(answer.rejected_count(), 2);
  // An answered batch is recorded while the stream is still open.
  EXPECT_THAT(ListAll(admin_token_, ben_.id(), ""), IsOkAndHolds(SizeIs(2)));

  ASSERT_TRUE(stream->Write(
      Batch(8, {Act("s-4", ben_.id(), ACTIVITY_TYPE_EMAIL_SENT, At(today_ - 1, 15))})));
  ASSERT_TRUE(stream->Read(&answer));
  EXPECT_EQ(answer.batch_number(), 8);
  EXPECT_THAT(answer.results(), ElementsAre(IsAccepted()));
  ASSERT_TRUE(stream->WritesDone());
  EXPECT_FALSE(stream->Read(&answer));
  EXPECT_OK(FromGrpcStatus(stream->Finish()));

  ASSERT_OK_AND_ASSIGN(std::vector<activitypb::Activity> listed,
                       ListAll(admin_token_, "", team_b_.id()));
  EXPECT_THAT(Ids(listed), UnorderedElementsAre("s-old", "s-1", "s-4"));
}

TEST_P(ActivityServiceTest, AStreamTakesManyBatchesWrittenAheadAndAnswersEachInOrder) {
  constexpr int kBatches = 30;
  constexpr int kPerBatch = 500;
  grpc::ClientContext context;
  auto stream = OpenStream(context, service_token_);
  std::thread writer([&] {
    for (int b = 0; b < kBatches; ++b) {
      std::vector<activitypb::Activity> items;
      for (int i = 0; i < kPerBatch; ++i) {
        const rosterpb::Member& member = i % 2 == 0 ? ben_ : bo_;
        items.push_back(Act(absl::StrCat("bulk-", b, "-", i), member.id(), ACTIVITY_TYPE_CALL_MADE,
                            At(today_ - 1 - (b % 20), 12) + absl::Seconds(i)));
      }
      if (!stream->Write(Batch(100 + b, items))) return;
    }
    stream->WritesDone();
  });
  std::vector<int64_t> numbers;
  activitypb::StreamActivitiesResponse answer;
  while (stream->Read(&answer)) {
    numbers.push_back(answer.batch_number());
    EXPECT_EQ(answer.accepted_count(), kPerBatch) << "batch " << answer.batch_number();
    EXPECT_EQ(answer.results_size(), kPerBatch);
  }
  writer.join();
  EXPECT_OK(FromGrpcStatus(stream->Finish()));
  std::vector<int64_t> expected;
  for (int b = 0; b < kBatches; ++b) expected.push_back(100 + b);
  EXPECT_THAT(numbers, ElementsAreArray(expected));

  ASSERT_OK_AND_ASSIGN(activitypb::GetKpisResponse team,
                       Kpis(admin_token_, "", team_b_.id(), today_ - 25, today_));
  EXPECT_EQ(CountOf(team.total(), ACTIVITY_TYPE_CALL_MADE), kBatches * kPerBatch);
  ASSERT_OK_AND_ASSIGN(activitypb::GetKpisResponse ben,
                       Kpis(admin_token_, ben_.id(), "", today_ - 25, today_));
  EXPECT_EQ(CountOf(ben.total(), ACTIVITY_TYPE_CALL_MADE), kBatches * kPerBatch / 2);
}

TEST_P(ActivityServiceTest, AnOversizeStreamBatchEndsTheStreamWithResourceExhaustedNamingIt) {
  grpc::ClientContext context;
  auto stream = OpenStream(context, service_token_);
  ASSERT_TRUE(stream->Write(Batch(1, Calls("ok", ben_.id(), today_ - 1, 2))));
  stream->Write(Batch(2, Calls("over", ben_.id(), today_ - 2, 5001)));
  stream->WritesDone();
  activitypb::StreamActivitiesResponse answer;
  ASSERT_TRUE(stream->Read(&answer));
  EXPECT_EQ(answer.batch_number(), 1);
  EXPECT_EQ(answer.accepted_count(), 2);
  EXPECT_FALSE(stream->Read(&answer));
  EXPECT_THAT(FromGrpcStatus(stream->Finish()),
              StatusIs(kResourceExhausted, AllOf(HasSubstr("batch 2"), HasSubstr("5001"))));
  ASSERT_OK_AND_ASSIGN(std::vector<activitypb::Activity> listed,
                       ListAll(admin_token_, ben_.id(), ""));
  EXPECT_THAT(Ids(listed), UnorderedElementsAre("ok-0", "ok-1"));
}

// ---- KPIs ----

TEST_P(ActivityServiceTest, MemberAndTeamKpisWithDayAndWeekBucketsEqualWhatWasRecorded) {
  // Two full ISO weeks; noon to 17:00 UTC is the same day in New York.
  const Date d0 = periods::MondayOnOrBefore(today_ - 20);
  const Date end = d0 + 14;
  const std::string ben = ben_.id();
  const std::string bo = bo_.id();
  RecordAll({
      // Week 1, Monday: prospecting.
      OnDeal(Act("lead-1", ben, ACTIVITY_TYPE_LEAD_CREATED, At(d0, 12)), "deal-1"),
      OnDeal(Act("lead-2", ben, ACTIVITY_TYPE_LEAD_CREATED, At(d0, 12, 5)), "deal-2"),
      Act("lead-3", ben, ACTIVITY_TYPE_LEAD_CREATED, At(d0, 12, 10)),
      Act("call-1", ben, ACTIVITY_TYPE_CALL_MADE, At(d0, 13)),
      Act("call-2", ben, ACTIVITY_TYPE_CALL_MADE, At(d0, 13, 5)),
      Act("call-3", ben, ACTIVITY_TYPE_CALL_MADE, At(d0, 13, 10)),
      Act("email-1", ben, ACTIVITY_TYPE_EMAIL_SENT, At(d0, 14)),
      Logged("time-1", ben, At(d0, 15), 120, true),
      Logged("time-2", ben, At(d0, 16), 60, false),
      // Tuesday: meetings (deal-1 twice: its funnel step counts once), a
      // proposal, one deal won and one lost.
      OnDeal(Act("meet-1", ben, ACTIVITY_TYPE_MEETING_HELD, At(d0 + 1, 12)), "deal-1"),
      OnDeal(Act("meet-2", ben, ACTIVITY_TYPE_MEETING_HELD, At(d0 + 1, 13)), "deal-1"),
      OnDeal(Act("meet-3", ben, ACTIVITY_TYPE_MEETING_HELD, At(d0 + 1, 14)), "deal-2"),
      OnDeal(Act("prop-1", ben, ACTIVITY_TYPE_PROPOSAL_SENT, At(d0 + 1, 15)), "deal-1"),
      Won("won-1", ben, At(d0 + 1, 16), 500000, "USD", "deal-1"),
      Lost("lost-1", ben, At(d0 + 1, 17), "deal-2"),
      // Week 2, Tuesday: a whole deal and a referral.
      OnDeal(Act("lead-4", ben, ACTIVITY_TYPE_LEAD_CREATED, At(d0 + 8, 12)), "deal-3"),
      OnDeal(Act("meet-4", ben, ACTIVITY_TYPE_MEETING_HELD, At(d0 + 8, 13)), "deal-3"),
      OnDeal(Act("prop-2", ben, ACTIVITY_TYPE_PROPOSAL_SENT, At(d0 + 8, 14)), "deal-3"),
      Won("won-2", ben, At(d0 + 8, 15), 250000, "USD", "deal-3"),
      Act("ref-1", ben, ACTIVITY_TYPE_REFERRAL, At(d0 + 8, 16)),
      Logged("time-3", ben, At(d0 + 8, 17), 30, true),
      // Outside the range: the day before and the end day.
      Act("call-early", ben, ACTIVITY_TYPE_CALL_MADE, At(d0 - 1, 12)),
      Act("call-late", ben, ACTIVITY_TYPE_CALL_MADE, At(end, 12)),
      // Bo.
      Act("bo-call-1", bo, ACTIVITY_TYPE_CALL_MADE, At(d0 + 2, 12)),
      Act("bo-call-2", bo, ACTIVITY_TYPE_CALL_MADE, At(d0 + 2, 13)),
      Lost("bo-lost-1", bo, At(d0 + 9, 12), "deal-9"),
  });

  ASSERT_OK_AND_ASSIGN(activitypb::GetKpisResponse days,
                       Kpis(admin_token_, ben, "", d0, end, activitypb::KPI_BUCKET_DAY));
  EXPECT_EQ(days.time_zone(), "America/New_York");
  EXPECT_EQ(days.currency_code(), "USD");
  const activitypb::Kpis& total = days.total();
  ASSERT_THAT(total.counts(), SizeIs(12));
  for (int i = 0; i < total.counts_size(); ++i) EXPECT_EQ(total.counts(i).type(), i + 1);
  EXPECT_THAT(NonZeroCounts(total), ElementsAre(::testing::Pair(ACTIVITY_TYPE_LEAD_CREATED, 4),
                                                ::testing::Pair(ACTIVITY_TYPE_CALL_MADE, 3),
                                                ::testing::Pair(ACTIVITY_TYPE_EMAIL_SENT, 1),
                                                ::testing::Pair(ACTIVITY_TYPE_MEETING_HELD, 4),
                                                ::testing::Pair(ACTIVITY_TYPE_PROPOSAL_SENT, 2),
                                                ::testing::Pair(ACTIVITY_TYPE_DEAL_WON, 2),
                                                ::testing::Pair(ACTIVITY_TYPE_DEAL_LOST, 1),
                                                ::testing::Pair(ACTIVITY_TYPE_REFERRAL, 1),
                                                ::testing::Pair(ACTIVITY_TYPE_TIME_LOGGED, 3)));
  EXPECT_EQ(total.activity_count(), 15);
  EXPECT_EQ(total.deals_won(), 2);
  EXPECT_EQ(total.deals_lost(), 1);
  EXPECT_EQ(total.won_value().minor_units(), 750000);
  EXPECT_EQ(total.won_value().currency_code(), "USD");
  EXPECT_EQ(total.activities_per_won_deal_centi(), 750);
  EXPECT_EQ(total.win_rate_bps(), 6667);
  EXPECT_EQ(total.funnel().leads(), 4);
  EXPECT_EQ(total.funnel().meetings_held(), 3);
  EXPECT_EQ(total.funnel().proposals_sent(), 2);
  EXPECT_EQ(total.funnel().deals_won(), 2);
  EXPECT_EQ(total.funnel().lead_to_meeting_bps(), 7500);
  EXPECT_EQ(total.funnel().meeting_to_proposal_bps(), 6667);
  EXPECT_EQ(total.funnel().proposal_to_won_bps(), 10000);
  EXPECT_EQ(total.logged_minutes(), 210);
  EXPECT_EQ(total.selling_minutes(), 150);
  EXPECT_EQ(total.selling_time_share_bps(), 7143);
  EXPECT_EQ(total.value_mix().high_value_count(), 5);
  EXPECT_EQ(total.value_mix().high_volume_count(), 8);
  EXPECT_EQ(total.value_mix().high_value_share_bps(), 3846);
  EXPECT_EQ(total.out_of_stage_count(), 0);

  ASSERT_THAT(days.buckets(), SizeIs(14));
  for (int i = 0; i < 14; ++i) {
    EXPECT_THAT(days.buckets(i), BucketIs(d0 + i, d0 + i + 1));
    const std::map<ActivityType, int64_t> counts = NonZeroCounts(days.buckets(i).kpis());
    if (i == 0) {
      EXPECT_THAT(counts, ElementsAre(::testing::Pair(ACTIVITY_TYPE_LEAD_CREATED, 3),
                                      ::testing::Pair(ACTIVITY_TYPE_CALL_MADE, 3),
                                      ::testing::Pair(ACTIVITY_TYPE_EMAIL_SENT, 1),
                                      ::testing::Pair(ACTIVITY_TYPE_TIME_LOGGED, 2)));
      EXPECT_EQ(days.buckets(i).kpis().logged_minutes(), 180);
      EXPECT_EQ(days.buckets(i).kpis().selling_minutes(), 120);
    } else if (i == 1) {
      EXPECT_THAT(counts, ElementsAre(::testing::Pair(ACTIVITY_TYPE_MEETING_HELD, 3),
                                      ::testing::Pair(ACTIVITY_TYPE_PROPOSAL_SENT, 1),
                                      ::testing::Pair(ACTIVITY_TYPE_DEAL_WON, 1),
                                      ::testing::Pair(ACTIVITY_TYPE_DEAL_LOST, 1)));
      EXPECT_EQ(days.buckets(i).kpis().won_value().minor_units(), 500000);
      EXPECT_EQ(days.buckets(i).kpis().funnel().meetings_held(), 2);
    } else if (i == 8) {
      EXPECT_THAT(counts, ElementsAre(::testing::Pair(ACTIVITY_TYPE_LEAD_CREATED, 1),
                                      ::testing::Pair(ACTIVITY_TYPE_MEETING_HELD, 1),
                                      ::testing::Pair(ACTIVITY_TYPE_PROPOSAL_SENT, 1),
                                      ::testing::Pair(ACTIVITY_TYPE_DEAL_WON, 1),
                                      ::testing::Pair(ACTIVITY_TYPE_REFERRAL, 1),
                                      ::testing::Pair(ACTIVITY_TYPE_TIME_LOGGED, 1)));
      EXPECT_EQ(days.buckets(i).kpis().won_value().minor_units(), 250000);
    } else {
      EXPECT_THAT(counts, IsEmpty()) << "day " << i;
      EXPECT_FALSE(days.buckets(i).kpis().has_win_rate_bps());
    }
  }

  ASSERT_OK_AND_ASSIGN(activitypb::GetKpisResponse weeks,
                       Kpis(admin_token_, ben, "", d0, end, activitypb::KPI_BUCKET_WEEK));
  ASSERT_THAT(weeks.buckets(), SizeIs(2));
  EXPECT_THAT(weeks.buckets(0), BucketIs(d0, d0 + 7));
  EXPECT_THAT(weeks.buckets(1), BucketIs(d0 + 7, end));
  const activitypb::Kpis& week1 = weeks.buckets(0).kpis();
  EXPECT_EQ(week1.activity_count(), 11);
  EXPECT_EQ(week1.won_value().minor_units(), 500000);
  EXPECT_EQ(week1.win_rate_bps(), 5000);
  EXPECT_EQ(week1.funnel().leads(), 3);
  EXPECT_EQ(week1.funnel().meetings_held(), 2);
  EXPECT_EQ(week1.funnel().proposals_sent(), 1);
  EXPECT_EQ(week1.funnel().deals_won(), 1);
  const activitypb::Kpis& week2 = weeks.buckets(1).kpis();
  EXPECT_EQ(week2.activity_count(), 4);
  EXPECT_EQ(week2.won_value().minor_units(), 250000);
  EXPECT_EQ(week2.win_rate_bps(), 10000);
  EXPECT_EQ(week2.logged_minutes(), 30);
  EXPECT_EQ(week2.selling_time_share_bps(), 10000);
  EXPECT_EQ(weeks.total().activity_count(), 15);

  // A range starting mid-week: the weeks are clipped to it.
  ASSERT_OK_AND_ASSIGN(activitypb::GetKpisResponse clipped,
                       Kpis(admin_token_, ben, "", d0 + 1, d0 + 10, activitypb::KPI_BUCKET_WEEK));
  ASSERT_THAT(clipped.buckets(), SizeIs(2));
  EXPECT_THAT(clipped.buckets(0), BucketIs(d0 + 1, d0 + 7));
  EXPECT_THAT(clipped.buckets(1), BucketIs(d0 + 7, d0 + 10));
  EXPECT_EQ(clipped.total().activity_count(), 8);

  // The team: Ben and Bo together.
  ASSERT_OK_AND_ASSIGN(activitypb::GetKpisResponse team,
                       Kpis(admin_token_, "", team_b_.id(), d0, end, activitypb::KPI_BUCKET_WEEK));
  EXPECT_EQ(CountOf(team.total(), ACTIVITY_TYPE_CALL_MADE), 5);
  EXPECT_EQ(team.total().activity_count(), 17);
  EXPECT_EQ(team.total().deals_lost(), 2);
  EXPECT_EQ(team.total().win_rate_bps(), 5000);
  EXPECT_EQ(team.total().won_value().minor_units(), 750000);
  EXPECT_FALSE(team.total().value_mix().mostly_volume_for_tier());
  ASSERT_THAT(team.buckets(), SizeIs(2));
  EXPECT_EQ(CountOf(team.buckets(0).kpis(), ACTIVITY_TYPE_CALL_MADE), 5);
  EXPECT_EQ(team.buckets(1).kpis().deals_lost(), 1);
}

TEST_P(ActivityServiceTest, TheVolumeForTierFlagIsShownToManagersButNotToTheRepThemself) {
  // Ben is value tier 1 and makes mostly calls; Bo (tier 2) too.
  RecordAll(Concat({Calls("ben", ben_.id(), today_ - 3, 4),
                    {Act("ben-meeting", ben_.id(), ACTIVITY_TYPE_MEETING_HELD, At(today_ - 3, 15))},
                    Calls("bo", bo_.id(), today_ - 3, 4)}));
  for (const std::string* token : {&manager_b_token_, &admin_token_}) {
    ASSERT_OK_AND_ASSIGN(activitypb::GetKpisResponse kpis,
                         Kpis(*token, ben_.id(), "", today_ - 7, today_));
    EXPECT_TRUE(kpis.total().value_mix().mostly_volume_for_tier());
    EXPECT_EQ(kpis.total().value_mix().high_value_share_bps(), 2000);
  }
  ASSERT_OK_AND_ASSIGN(activitypb::GetKpisResponse own,
                       Kpis(ben_token_, ben_.id(), "", today_ - 7, today_));
  EXPECT_FALSE(own.total().value_mix().mostly_volume_for_tier());
  EXPECT_EQ(own.total().value_mix().high_value_share_bps(), 2000);
  ASSERT_OK_AND_ASSIGN(activitypb::GetKpisResponse tier2,
                       Kpis(manager_b_token_, bo_.id(), "", today_ - 7, today_));
  EXPECT_FALSE(tier2.total().value_mix().mostly_volume_for_tier());
}

TEST_P(ActivityServiceTest, WorkInAStageAnotherRoleOwnsIsCountedOutOfStageOnAnAssemblyLine) {
  RecordAll({
      Act("sdr-proposal", sdr_a_.id(), ACTIVITY_TYPE_PROPOSAL_SENT, At(today_ - 2, 12)),
      Act("sdr-lead", sdr_a_.id(), ACTIVITY_TYPE_LEAD_CREATED, At(today_ - 2, 12)),
      Act("sdr-meeting", sdr_a_.id(), ACTIVITY_TYPE_MEETING_SCHEDULED, At(today_ - 2, 12)),
      Act("sdr-call", sdr_a_.id(), ACTIVITY_TYPE_CALL_MADE, At(today_ - 2, 12)),
      Act("ae-proposal", ae_a_.id(), ACTIVITY_TYPE_PROPOSAL_SENT, At(today_ - 2, 12)),
      Act("ae-referral", ae_a_.id(), ACTIVITY_TYPE_REFERRAL, At(today_ - 2, 12)),
      Act("mgr-lead", manager_a_.id(), ACTIVITY_TYPE_LEAD_CREATED, At(today_ - 2, 12)),
      // An island team has no stages to leave.
      Act("ben-lead", ben_.id(), ACTIVITY_TYPE_LEAD_CREATED, At(today_ - 2, 12)),
  });
  const std::map<std::string, bool> out_of_stage = {
      {"sdr-proposal", true}, {"sdr-lead", true},    {"sdr-meeting", false}, {"sdr-call", false},
      {"ae-proposal", false}, {"ae-referral", true}, {"mgr-lead", false},
  };
  ASSERT_OK_AND_ASSIGN(std::vector<activitypb::Activity> listed,
                       ListAll(admin_token_, "", team_a_.id()));
  ASSERT_THAT(listed, SizeIs(out_of_stage.size()));
  for (const activitypb::Activity& activity : listed) {
    EXPECT_EQ(activity.out_of_stage(), out_of_stage.at(activity.activity_id()))
        << activity.activity_id();
  }
  ASSERT_OK_AND_ASSIGN(activitypb::GetKpisResponse sdr,
                       Kpis(manager_a_token_, sdr_a_.id(), "", today_ - 7, today_));
  EXPECT_EQ(sdr.total().out_of_stage_count(), 2);
  ASSERT_OK_AND_ASSIGN(activitypb::GetKpisResponse team,
                       Kpis(manager_a_token_, "", team_a_.id(), today_ - 7, today_));
  EXPECT_EQ(team.total().out_of_stage_count(), 3);
  ASSERT_OK_AND_ASSIGN(activitypb::GetKpisResponse island,
                       Kpis(admin_token_, "", team_b_.id(), today_ - 7, today_));
  EXPECT_EQ(island.total().out_of_stage_count(), 0);
}

TEST_P(ActivityServiceTest, KpiRangesAndSubjectsAreValidatedNamingTheField) {
  auto request = [&] {
    activitypb::GetKpisRequest r;
    r.set_member_id(ben_.id());
    periods::DateToProto(today_ - 7, r.mutable_start_date());
    periods::DateToProto(today_, r.mutable_end_date());
    return r;
  };
  auto kpis = [&](const activitypb::GetKpisRequest& r) {
    return Call(&Stub::GetKpis, admin_token_, r);
  };
  EXPECT_OK(kpis(request()).status());
  {
    activitypb::GetKpisRequest r = request();
    r.clear_start_date();
    EXPECT_THAT(kpis(r), StatusIs(kInvalidArgument, StartsWith("start_date")));
  }
  {
    activitypb::GetKpisRequest r = request();
    r.clear_end_date();
    EXPECT_THAT(kpis(r), StatusIs(kInvalidArgument, StartsWith("end_date")));
  }
  for (Date end : {today_ - 7, today_ - 8}) {
    activitypb::GetKpisRequest r = request();
    periods::DateToProto(end, r.mutable_end_date());
    EXPECT_THAT(kpis(r), StatusIs(kInvalidArgument, StartsWith("end_date")))
        << periods::FormatIsoDate(end);
  }
  {
    activitypb::GetKpisRequest r = request();
    periods::DateToProto(today_ - 400, r.mutable_start_date());
    EXPECT_OK(kpis(r).status());
    periods::DateToProto(today_ - 401, r.mutable_start_date());
    EXPECT_THAT(kpis(r),
                StatusIs(kInvalidArgument, AllOf(StartsWith("end_date"), HasSubstr("400"))));
  }
  {
    activitypb::GetKpisRequest r = request();
    r.mutable_start_date()->set_month(13);
    EXPECT_THAT(kpis(r), StatusIs(kInvalidArgument, StartsWith("start_date")));
  }
  {
    activitypb::GetKpisRequest r = request();
    r.set_team_id(team_b_.id());
    EXPECT_THAT(kpis(r), StatusIs(kInvalidArgument, HasSubstr("member_id, team_id")));
    r.clear_member_id();
    r.clear_team_id();
    EXPECT_THAT(kpis(r), StatusIs(kInvalidArgument, HasSubstr("member_id, team_id")));
  }
  {
    activitypb::GetKpisRequest r = request();
    r.set_bucket(static_cast<activitypb::KpiBucket>(7));
    EXPECT_THAT(kpis(r), StatusIs(kInvalidArgument, StartsWith("bucket")));
  }
  {
    activitypb::GetKpisRequest r = request();
    r.clear_member_id();
    r.set_team_id("tm_000000000000000000000000");
    EXPECT_THAT(kpis(r), StatusIs(kNotFound, HasSubstr("tm_000000000000000000000000")));
  }
}

// ---- Leaderboards ----

TEST_P(ActivityServiceTest, LeaderboardsRankEachMetricWithSharedRanksForTiesInMemberIdOrder) {
  ASSERT_OK_AND_ASSIGN(
      rosterpb::Member cy,
      roster_->CreateMember("Cy Islander", team_b_.id(), rosterpb::MEMBER_ROLE_FULL_CYCLE, 3));
  ASSERT_OK_AND_ASSIGN(
      rosterpb::Member di,
      roster_->CreateMember("Di Islander", team_b_.id(), rosterpb::MEMBER_ROLE_FULL_CYCLE, 3));
  const std::string ben = ben_.id();
  const std::string bo = bo_.id();
  RecordAll(Concat({
      Calls("ben-a", ben, today_ - 9, 3),
      Calls("ben-b", ben, today_ - 2, 2),
      Calls("bo", bo, today_ - 5, 3),
      Calls("cy", cy.id(), today_ - 2, 3),
      Calls("di", di.id(), today_ - 9, 1),
      // Outside the range.
      Calls("di-old", di.id(), today_ - 20, 9),
      {
          Won("ben-won", ben, At(today_ - 5, 14), 10000, "USD"),
          Lost("ben-lost", ben, At(today_ - 2, 14)),
          Won("bo-won", bo, At(today_ - 9, 14), 30000, "USD"),
          Lost("di-lost", di.id(), At(today_ - 5, 14)),
          Logged("ben-sell", ben, At(today_ - 9, 15), 60, true),
          Logged("ben-admin", ben, At(today_ - 5, 15), 60, false),
          Logged("bo-sell", bo, At(today_ - 2, 15), 30, true),
          Logged("cy-sell", cy.id(), At(today_ - 5, 15), 45, true),
          Logged("cy-admin", cy.id(), At(today_ - 2, 15), 45, false),
      },
  }));
  const Date start = today_ - 10;
  // Ties are ordered by member id.
  auto tied = [](std::string a, std::string b) {
    if (b < a) std::swap(a, b);
    return std::make_pair(a, b);
  };

  ASSERT_OK_AND_ASSIGN(
      activitypb::GetLeaderboardResponse calls,
      Leaderboard(admin_token_, team_b_.id(), activitypb::LEADERBOARD_METRIC_ACTIVITY_COUNT,
                  ACTIVITY_TYPE_CALL_MADE, start, today_));
  const auto [calls_2a, calls_2b] = tied(bo, cy.id());
  EXPECT_THAT(calls.entries(), ElementsAre(EntryIs(1, ben, 5), EntryIs(2, calls_2a, 3),
                                           EntryIs(2, calls_2b, 3), EntryIs(4, di.id(), 1)));
  EXPECT_EQ(calls.ranked_count(), 4);

  ASSERT_OK_AND_ASSIGN(
      activitypb::GetLeaderboardResponse won,
      Leaderboard(admin_token_, team_b_.id(), activitypb::LEADERBOARD_METRIC_WON_VALUE,
                  activitypb::ACTIVITY_TYPE_UNSPECIFIED, start, today_));
  EXPECT_THAT(won.entries(), ElementsAre(EntryIs(1, bo, 30000), EntryIs(2, ben, 10000)));
  EXPECT_EQ(won.ranked_count(), 2);

  ASSERT_OK_AND_ASSIGN(
      activitypb::GetLeaderboardResponse win_rate,
      Leaderboard(admin_token_, team_b_.id(), activitypb::LEADERBOARD_METRIC_WIN_RATE,
                  activitypb::ACTIVITY_TYPE_UNSPECIFIED, start, today_));
  EXPECT_THAT(win_rate.entries(),
              ElementsAre(EntryIs(1, bo, 10000), EntryIs(2, ben, 5000), EntryIs(3, di.id(), 0)));
  EXPECT_EQ(win_rate.ranked_count(), 3);

  ASSERT_OK_AND_ASSIGN(
      activitypb::GetLeaderboardResponse selling,
      Leaderboard(admin_token_, team_b_.id(), activitypb::LEADERBOARD_METRIC_SELLING_TIME_SHARE,
                  activitypb::ACTIVITY_TYPE_UNSPECIFIED, start, today_));
  const auto [share_2a, share_2b] = tied(ben, cy.id());
  EXPECT_THAT(selling.entries(), ElementsAre(EntryIs(1, bo, 10000), EntryIs(2, share_2a, 5000),
                                             EntryIs(2, share_2b, 5000)));
  EXPECT_EQ(selling.ranked_count(), 3);

  // top_n cuts the list, even inside a tie; ranked_count still counts all.
  ASSERT_OK_AND_ASSIGN(
      activitypb::GetLeaderboardResponse top2,
      Leaderboard(admin_token_, team_b_.id(), activitypb::LEADERBOARD_METRIC_ACTIVITY_COUNT,
                  ACTIVITY_TYPE_CALL_MADE, start, today_, 2));
  EXPECT_THAT(top2.entries(), ElementsAre(EntryIs(1, ben, 5), EntryIs(2, calls_2a, 3)));
  EXPECT_EQ(top2.ranked_count(), 4);

  // A narrower range: only what happened in it.
  ASSERT_OK_AND_ASSIGN(
      activitypb::GetLeaderboardResponse recent,
      Leaderboard(admin_token_, team_b_.id(), activitypb::LEADERBOARD_METRIC_ACTIVITY_COUNT,
                  ACTIVITY_TYPE_CALL_MADE, today_ - 3, today_));
  EXPECT_THAT(recent.entries(), ElementsAre(EntryIs(1, cy.id(), 3), EntryIs(2, ben, 2)));

  // A type nobody did ranks nobody.
  ASSERT_OK_AND_ASSIGN(
      activitypb::GetLeaderboardResponse none,
      Leaderboard(admin_token_, team_b_.id(), activitypb::LEADERBOARD_METRIC_ACTIVITY_COUNT,
                  ACTIVITY_TYPE_PROPOSAL_SENT, start, today_));
  EXPECT_THAT(none.entries(), IsEmpty());
  EXPECT_EQ(none.ranked_count(), 0);
}

TEST_P(ActivityServiceTest, BadLeaderboardRequestsAreRefusedNamingTheFieldOrTheTeam) {
  const std::string team = team_b_.id();
  EXPECT_THAT(Leaderboard(admin_token_, team, activitypb::LEADERBOARD_METRIC_WON_VALUE,
                          ACTIVITY_TYPE_CALL_MADE, today_ - 7, today_),
              StatusIs(kInvalidArgument, StartsWith("activity_type")));
  EXPECT_THAT(Leaderboard(admin_token_, team, activitypb::LEADERBOARD_METRIC_ACTIVITY_COUNT,
                          activitypb::ACTIVITY_TYPE_UNSPECIFIED, today_ - 7, today_),
              StatusIs(kInvalidArgument, StartsWith("activity_type")));
  EXPECT_THAT(Leaderboard(admin_token_, team, activitypb::LEADERBOARD_METRIC_UNSPECIFIED,
                          activitypb::ACTIVITY_TYPE_UNSPECIFIED, today_ - 7, today_),
              StatusIs(kInvalidArgument, StartsWith("metric")));
  EXPECT_THAT(Leaderboard(admin_token_, team, activitypb::LEADERBOARD_METRIC_WON_VALUE,
                          activitypb::ACTIVITY_TYPE_UNSPECIFIED, today_, today_ - 7),
              StatusIs(kInvalidArgument, StartsWith("end_date")));
  EXPECT_THAT(Leaderboard(admin_token_, team, activitypb::LEADERBOARD_METRIC_WON_VALUE,
                          activitypb::ACTIVITY_TYPE_UNSPECIFIED, today_ - 401, today_),
              StatusIs(kInvalidArgument, StartsWith("end_date")));
  EXPECT_THAT(Leaderboard(admin_token_, team, activitypb::LEADERBOARD_METRIC_WON_VALUE,
                          activitypb::ACTIVITY_TYPE_UNSPECIFIED, today_ - 7, today_, 1001),
              StatusIs(kInvalidArgument, StartsWith("top_n")));
  EXPECT_THAT(Leaderboard(admin_token_, team, activitypb::LEADERBOARD_METRIC_WON_VALUE,
                          activitypb::ACTIVITY_TYPE_UNSPECIFIED, today_ - 7, today_, -1),
              StatusIs(kInvalidArgument, StartsWith("top_n")));
  EXPECT_THAT(Leaderboard(admin_token_, "tm_000000000000000000000000",
                          activitypb::LEADERBOARD_METRIC_WON_VALUE,
                          activitypb::ACTIVITY_TYPE_UNSPECIFIED, today_ - 7, today_),
              StatusIs(kNotFound, HasSubstr("tm_000000000000000000000000")));
}

// ---- Redis loses its data or goes away ----

TEST_P(ActivityServiceRedisLossTest,
       ALeaderboardIsRebuiltFromTheDatabaseAfterRedisLosesEverything) {
  RecordAll(
      Concat({Calls("ben-1", ben_.id(), today_ - 3, 3), Calls("bo-1", bo_.id(), today_ - 3, 2),
              Calls("ben-2", ben_.id(), today_ - 2, 1)}));
  ASSERT_OK_AND_ASSIGN(activitypb::GetLeaderboardResponse before, CallBoard());
  EXPECT_THAT(before.entries(), ElementsAre(EntryIs(1, ben_.id(), 4), EntryIs(2, bo_.id(), 2)));

  ASSERT_OK(cache().Execute({"FLUSHALL"}, {}).status());
  ASSERT_OK_AND_ASSIGN(activitypb::GetLeaderboardResponse flushed, CallBoard());
  EXPECT_THAT(flushed.entries(), ElementsAre(EntryIs(1, ben_.id(), 4), EntryIs(2, bo_.id(), 2)));

  // New activities on a flushed day add to the rebuilt sets, not to nothing.
  RecordAll(Calls("bo-2", bo_.id(), today_ - 3, 3));
  for (int read = 0; read < 2; ++read) {
    ASSERT_OK_AND_ASSIGN(activitypb::GetLeaderboardResponse after, CallBoard());
    EXPECT_THAT(after.entries(), ElementsAre(EntryIs(1, bo_.id(), 5), EntryIs(2, ben_.id(), 4)))
        << "read " << read;
  }
}

TEST_P(ActivityServiceRedisLossTest, IngestWhileRedisIsDownLosesNothingAndTheLeaderboardCatchesUp) {
  RecordAll(Calls("ben-1", ben_.id(), today_ - 3, 2));
  ASSERT_OK_AND_ASSIGN(activitypb::GetLeaderboardResponse before, CallBoard());
  EXPECT_THAT(before.entries(), ElementsAre(EntryIs(1, ben_.id(), 2)));

  ASSERT_OK(harness_->private_redis()->Kill());
  // Every item is still accepted (and asked of the roster directly).
  RecordAll(Concat({Calls("ben-2", ben_.id(), today_ - 3, 3),
                    Calls("bo-1", bo_.id(), today_ - 2, 1),
                    {Act("sdr-1", sdr_a_.id(), ACTIVITY_TYPE_CALL_MADE, At(today_ - 2, 12))}}));
  ASSERT_OK_AND_ASSIGN(activitypb::GetLeaderboardResponse down, CallBoard());
  EXPECT_THAT(down.entries(), ElementsAre(EntryIs(1, ben_.id(), 5), EntryIs(2, bo_.id(), 1)));

  ASSERT_OK(harness_->private_redis()->Restart());
  AwaitRedis();
  for (int read = 0; read < 2; ++read) {
    ASSERT_OK_AND_ASSIGN(activitypb::GetLeaderboardResponse back, CallBoard());
    EXPECT_THAT(back.entries(), ElementsAre(EntryIs(1, ben_.id(), 5), EntryIs(2, bo_.id(), 1)))
        << "read " << read;
  }
  // Counting goes on from the rebuilt sets, once.
  RecordAll(Calls("bo-2", bo_.id(), today_ - 2, 2));
  RecordAll(Calls("ben-3", ben_.id(), today_ - 3, 1));
  for (int read = 0; read < 2; ++read) {
    ASSERT_OK_AND_ASSIGN(activitypb::GetLeaderboardResponse later, CallBoard());
    EXPECT_THAT(later.entries(), ElementsAre(EntryIs(1, ben_.id(), 6), EntryIs(2, bo_.id(), 3)))
        << "read " << read;
  }
  ASSERT_OK_AND_ASSIGN(activitypb::GetKpisResponse team,
                       Kpis(admin_token_, "", team_b_.id(), today_ - 10, today_));
  EXPECT_EQ(CountOf(team.total(), ACTIVITY_TYPE_CALL_MADE), 9);
  EXPECT_THAT(ListAll(admin_token_, sdr_a_.id(), ""), IsOkAndHolds(SizeIs(1)));
}

TEST_P(ActivityServiceRedisLossTest, IngestWhileRedisHangsStaysCorrectOnceItAnswersAgain) {
  RecordAll(Calls("ben-1", ben_.id(), today_ - 3, 2));
  ASSERT_OK_AND_ASSIGN(activitypb::GetLeaderboardResponse before, CallBoard());
  EXPECT_THAT(before.entries(), ElementsAre(EntryIs(1, ben_.id(), 2)));

  ASSERT_OK(harness_->private_redis()->Freeze());
  RecordAll(
      Concat({Calls("ben-2", ben_.id(), today_ - 3, 3), Calls("bo-1", bo_.id(), today_ - 3, 1)}));
  ASSERT_OK_AND_ASSIGN(activitypb::GetLeaderboardResponse frozen, CallBoard());
  EXPECT_THAT(frozen.entries(), ElementsAre(EntryIs(1, ben_.id(), 5), EntryIs(2, bo_.id(), 1)));
  // Redis may still carry out what it was sent while frozen: it must not be
  // counted twice.
  ASSERT_OK(harness_->private_redis()->Thaw());
  AwaitRedis();
  RecordAll(Calls("bo-2", bo_.id(), today_ - 3, 1));
  for (int read = 0; read < 2; ++read) {
    ASSERT_OK_AND_ASSIGN(activitypb::GetLeaderboardResponse thawed, CallBoard());
    EXPECT_THAT(thawed.entries(), ElementsAre(EntryIs(1, ben_.id(), 5), EntryIs(2, bo_.id(), 2)))
        << "read " << read;
  }
}

// ---- ListActivities paging ----

TEST_P(ActivityServiceTest, ListActivitiesPagesNewestFirstReturningEachActivityOnce) {
  std::vector<activitypb::Activity> items;
  for (int i = 0; i < 10; ++i) {
    // Two pairs share their instant, so pages must break ties consistently.
    const int minute = i == 3 ? 2 : (i == 7 ? 6 : i);
    items.push_back(Act(absl::StrCat("page-", i), ben_.id(), ACTIVITY_TYPE_CALL_MADE,
                        At(today_ - 5, 12, minute)));
  }
  RecordAll(items);
  RecordAll({Act("bo-page", bo_.id(), ACTIVITY_TYPE_CALL_MADE, At(today_ - 5, 12))});

  activitypb::ListActivitiesRequest request;
  request.set_member_id(ben_.id());
  request.set_page_size(3);
  std::vector<activitypb::Activity> seen;
  std::vector<int> page_sizes;
  for (int page = 0; page < 10; ++page) {
    ASSERT_OK_AND_ASSIGN(activitypb::ListActivitiesResponse response, List(ben_token_, request));
    page_sizes.push_back(response.activities_size());
    for (const activitypb::Activity& activity : response.activities()) seen.push_back(activity);
    if (response.next_page_token().empty()) break;
    request.set_page_token(response.next_page_token());
  }
  EXPECT_THAT(page_sizes, ElementsAre(3, 3, 3, 1));
  EXPECT_THAT(Ids(seen), UnorderedElementsAreArray(Ids(items)));
  for (size_t i = 1; i < seen.size(); ++i) {
    EXPECT_GE(seen[i - 1].occurred_at().seconds(), seen[i].occurred_at().seconds())
        << seen[i - 1].activity_id() << " before " << seen[i].activity_id();
  }
  EXPECT_EQ(seen.front().activity_id(), "page-9");
  EXPECT_EQ(seen.back().activity_id(), "page-0");

  // The types filter pages too.
  activitypb::ListActivitiesRequest emails;
  emails.set_member_id(ben_.id());
  emails.add_types(ACTIVITY_TYPE_EMAIL_SENT);
  ASSERT_OK_AND_ASSIGN(activitypb::ListActivitiesResponse none, List(ben_token_, emails));
  EXPECT_THAT(none.activities(), IsEmpty());
  EXPECT_TRUE(none.next_page_token().empty());
}

TEST_P(ActivityServiceTest, TamperedOrForeignPageTokensAreInvalidArgument) {
  RecordAll(Concat({Calls("ben", ben_.id(), today_ - 5, 4), Calls("bo", bo_.id(), today_ - 5, 4)}));
  activitypb::ListActivitiesRequest request;
  request.set_member_id(ben_.id());
  request.set_page_size(2);
  ASSERT_OK_AND_ASSIGN(activitypb::ListActivitiesResponse first, List(admin_token_, request));
  ASSERT_FALSE(first.next_page_token().empty());
  const std::string token = first.next_page_token();

  request.set_page_token(token);
  EXPECT_OK(List(admin_token_, request).status());

  request.set_page_token(Tampered(token));
  EXPECT_THAT(List(admin_token_, request), StatusIs(kInvalidArgument, StartsWith("page_token")));
  request.set_page_token("not-a-token");
  EXPECT_THAT(List(admin_token_, request), StatusIs(kInvalidArgument, StartsWith("page_token")));

  activitypb::ListActivitiesRequest other_member;
  other_member.set_member_id(bo_.id());
  other_member.set_page_size(2);
  other_member.set_page_token(token);
  EXPECT_THAT(List(admin_token_, other_member),
              StatusIs(kInvalidArgument, StartsWith("page_token")));
  activitypb::ListActivitiesRequest other_types;
  other_types.set_member_id(ben_.id());
  other_types.set_page_size(2);
  other_types.add_types(ACTIVITY_TYPE_CALL_MADE);
  other_types.set_page_token(token);
  EXPECT_THAT(List(admin_token_, other_types),
              StatusIs(kInvalidArgument, StartsWith("page_token")));
  activitypb::ListActivitiesRequest team;
  team.set_team_id(team_b_.id());
  team.set_page_size(2);
  team.set_page_token(token);
  EXPECT_THAT(List(admin_token_, team), StatusIs(kInvalidArgument, StartsWith("page_token")));
}

// ---- Effective-dated currency and zone: money never mixes ----

TEST_P(ActivityRosterFeedTest, ACurrencyChangeAppliesFromItsDayAndMoneyIsNeverAddedAcrossIt) {
  const Date change = roster_->Today() + 10;  // 20 days ago for the activity service
  RecordAll({Won("usd-won", ben_.id(), At(change - 3, 15), 80000, "USD", "deal-usd")});
  ASSERT_OK(roster_->ChangeTeamTerms(team_b_.id(), "America/New_York", "EUR", change).status());
  // Right after the change: each deal is checked against its own day's
  // currency.
  const activitypb::Activity eur_won =
      Won("eur-won", ben_.id(), At(change + 1, 15), 50000, "EUR", "deal-eur");
  const activitypb::Activity eur_before =
      Won("eur-before", ben_.id(), At(change - 1, 15), 100, "EUR", "deal-eur-early");
  const activitypb::Activity usd_after =
      Won("usd-after", ben_.id(), At(change + 2, 15), 100, "USD", "deal-usd-late");
  ASSERT_OK_AND_ASSIGN(activitypb::RecordActivitiesResponse recorded,
                       Record(service_token_, {eur_won, eur_before, usd_after}));
  EXPECT_THAT(recorded.results(),
              ElementsAre(IsAccepted(),
                          IsRejected(absl::StatusCode::kInvalidArgument,
                                     HasSubstr("must be the team's currency USD"), false),
                          IsRejected(absl::StatusCode::kInvalidArgument,
                                     HasSubstr("must be the team's currency EUR"), false)));

  // Never USD 800 + EUR 500 under one code: a range across the change is
  // refused naming the day; each side answers in its own currency.
  EXPECT_THAT(
      Kpis(admin_token_, "", team_b_.id(), change - 5, change + 5),
      StatusIs(absl::StatusCode::kFailedPrecondition, HasSubstr(periods::FormatIsoDate(change))));
  EXPECT_THAT(Kpis(admin_token_, ben_.id(), "", change - 5, change + 5),
              StatusIs(absl::StatusCode::kFailedPrecondition, HasSubstr("EUR")));
  EXPECT_THAT(
      Leaderboard(admin_token_, team_b_.id(), activitypb::LEADERBOARD_METRIC_WON_VALUE,
                  activitypb::ACTIVITY_TYPE_UNSPECIFIED, change - 5, change + 5),
      StatusIs(absl::StatusCode::kFailedPrecondition, HasSubstr(periods::FormatIsoDate(change))));
  ASSERT_OK_AND_ASSIGN(activitypb::GetKpisResponse before,
                       Kpis(admin_token_, "", team_b_.id(), change - 5, change));
  EXPECT_EQ(before.total().won_value().currency_code(), "USD");
  EXPECT_EQ(before.total().won_value().minor_units(), 80000);
  ASSERT_OK_AND_ASSIGN(activitypb::GetKpisResponse after,
                       Kpis(admin_token_, "", team_b_.id(), change, change + 5));
  EXPECT_EQ(after.total().won_value().currency_code(), "EUR");
  EXPECT_EQ(after.total().won_value().minor_units(), 50000);
}

TEST_P(ActivityRosterFeedTest, AZoneChangeLeavesTheDaysBeforeItInTheOldZone) {
  ASSERT_OK_AND_ASSIGN(
      rosterpb::Team tokyo,
      roster_->CreateTeam("Tokyo", rosterpb::SALES_MODEL_ISLAND, "Asia/Tokyo", "USD"));
  ASSERT_OK_AND_ASSIGN(
      rosterpb::Member rep,
      roster_->CreateMember("Kei Traveller", tokyo.id(), rosterpb::MEMBER_ROLE_FULL_CYCLE, 2));
  const Date change = roster_->Today() + 10;
  // 20:00 UTC is the next morning in Tokyo and midday in Los Angeles.
  const absl::Time before_change = At(change - 3, 20);
  const absl::Time after_change = At(change + 3, 20);
  RecordAll({Act("tokyo-1", rep.id(), ACTIVITY_TYPE_CALL_MADE, before_change)});
  ASSERT_OK(roster_->ChangeTeamTerms(tokyo.id(), "America/Los_Angeles", "USD", change).status());
  // The same instant recorded before and after the change: the same day.
  RecordAll({Act("tokyo-2", rep.id(), ACTIVITY_TYPE_CALL_MADE, before_change),
             Act("los-angeles", rep.id(), ACTIVITY_TYPE_CALL_MADE, after_change)});
  ASSERT_OK_AND_ASSIGN(std::vector<activitypb::Activity> all, ListAll(admin_token_, rep.id(), ""));
  ASSERT_THAT(all, SizeIs(3));
  EXPECT_EQ(FromProto(Find(all, "tokyo-1")->local_date()), change - 2);
  EXPECT_EQ(FromProto(Find(all, "tokyo-2")->local_date()), change - 2);
  EXPECT_EQ(FromProto(Find(all, "los-angeles")->local_date()), change + 3);
}

// ---- Roster changes reach attribution at once (the change feed) ----

TEST_P(ActivityRosterFeedTest, AnActivityRecordedRightAfterAMoveGoesToTheNewTeam) {
  ASSERT_OK_AND_ASSIGN(
      rosterpb::Team south,
      roster_->CreateTeam("South", rosterpb::SALES_MODEL_ISLAND, "America/New_York", "USD"));
  const Date moved = roster_->Today() + 5;
  // Ben's member and team are now cached, here and in Redis.
  RecordAll({Act("before-move", ben_.id(), ACTIVITY_TYPE_CALL_MADE, At(moved + 2, 15))});
  ASSERT_OK(
      roster_->MoveMember(ben_.id(), south.id(), rosterpb::MEMBER_ROLE_FULL_CYCLE, moved).status());
  // No waiting: the roster has answered the move, so its change is published.
  RecordAll({Act("after-move", ben_.id(), ACTIVITY_TYPE_CALL_MADE, At(moved + 3, 15)),
             Act("before-the-move-day", ben_.id(), ACTIVITY_TYPE_CALL_MADE, At(moved - 1, 15))});
  ASSERT_OK_AND_ASSIGN(std::vector<activitypb::Activity> all, ListAll(admin_token_, ben_.id(), ""));
  ASSERT_THAT(all, SizeIs(3));
  EXPECT_EQ(Find(all, "after-move")->team_id(), south.id());
  EXPECT_EQ(Find(all, "before-the-move-day")->team_id(), team_b_.id());
}

TEST_P(ActivityRosterFeedTest, AnActivityAfterADeactivationIsRefusedAtOnce) {
  const Date gone = roster_->Today() + 5;
  RecordAll({Act("while-active", bo_.id(), ACTIVITY_TYPE_CALL_MADE, At(gone - 1, 15))});
  ASSERT_OK(roster_->DeactivateMember(bo_.id(), gone).status());
  ASSERT_OK_AND_ASSIGN(
      activitypb::RecordActivitiesResponse response,
      Record(service_token_,
             {Act("after-leaving", bo_.id(), ACTIVITY_TYPE_CALL_MADE, At(gone + 1, 15)),
              Act("last-day", bo_.id(), ACTIVITY_TYPE_CALL_MADE, At(gone - 1, 16))}));
  EXPECT_THAT(response.results(), ElementsAre(IsRejected(absl::StatusCode::kFailedPrecondition,
                                                         HasSubstr("was not active"), false),
                                              IsAccepted()));
}

TEST_P(ActivityRosterFeedTest, TheFeedPositionIsSavedAndAFollowerResumesAfterIt) {
  ASSERT_OK(
      roster_
          ->MoveMember(ben_.id(), team_b_.id(), rosterpb::MEMBER_ROLE_MANAGER, roster_->Today() + 3)
          .status());
  // Applied and saved.
  const absl::Time deadline = absl::Now() + absl::Seconds(10);
  while (follower_->applied_sequence() < follower_->state().head_sequence ||
         follower_->state().head_sequence == 0) {
    ASSERT_LT(absl::Now(), deadline) << "the move was not applied";
    absl::SleepFor(absl::Milliseconds(10));
  }
  follower_.reset();
  ASSERT_OK_AND_ASSIGN(std::optional<clients::RosterFeedPosition> position,
                       clients::LoadRosterFeedPosition(harness_->db(), "activity"));
  ASSERT_TRUE(position.has_value());
  ASSERT_FALSE(position->feed_id.empty());
  const std::optional<int64_t> saved = position->sequence;
  ASSERT_GT(*saved, 0);

  // A restarted follower starts after the saved position: it applies only
  // what changed since.
  ASSERT_OK(roster_->DeactivateMember(bo_.id(), roster_->Today() + 4).status());
  absl::Mutex mu;
  std::vector<std::pair<int64_t, int64_t>> applied;
  follower_ = StartFollower([&](int64_t first, int64_t last) {
    absl::MutexLock lock(&mu);
    applied.emplace_back(first, last);
  });
  ASSERT_TRUE(follower_->AwaitCaughtUp(absl::Seconds(10)));
  {
    absl::MutexLock lock(&mu);
    ASSERT_THAT(applied, SizeIs(1));
    EXPECT_EQ(applied[0].first, *saved + 1);
    EXPECT_EQ(applied[0].second, follower_->state().head_sequence);
  }
  const int64_t head = follower_->applied_sequence();

  // Restarted with nothing new: caught up at once, nothing applied.
  follower_.reset();
  follower_ = StartFollower([&](int64_t, int64_t) { ADD_FAILURE() << "nothing was new"; });
  EXPECT_TRUE(follower_->AwaitCaughtUp(absl::Seconds(10)));
  EXPECT_EQ(follower_->applied_sequence(), head);
}

// A saved position the roster's log does not have (past its retention, or
// from a roster restored from a backup): the roster says FAILED_PRECONDITION,
// and the follower drops everything it cached and starts again at the head.
TEST_P(ActivityRosterFeedTest, AFollowerWhosePositionTheRosterRefusesRebuildsFromTheHead) {
  RecordAll({Act("cached", ben_.id(), ACTIVITY_TYPE_CALL_MADE, At(today_ - 2, 15))});
  follower_.reset();
  ASSERT_OK(clients::SaveRosterFeedPosition(harness_->db(), "activity",
                                            {.sequence = 1000000, .feed_id = "another-log"}));
  follower_ = StartFollower();
  roster_client_->UseFeed(follower_.get());
  const absl::Time deadline = absl::Now() + absl::Seconds(10);
  while (follower_->state().rebuilds == 0 || !follower_->connected()) {
    ASSERT_LT(absl::Now(), deadline) << "no rebuild: " << follower_->state().last_error;
    absl::SleepFor(absl::Milliseconds(10));
  }
  ASSERT_TRUE(follower_->AwaitCaughtUp(absl::Seconds(10)));
  ASSERT_OK_AND_ASSIGN(std::optional<clients::RosterFeedPosition> saved,
                       clients::LoadRosterFeedPosition(harness_->db(), "activity"));
  ASSERT_TRUE(saved.has_value());
  EXPECT_EQ(saved->sequence, follower_->state().head_sequence);
  EXPECT_EQ(saved->feed_id, follower_->feed_id());
  // Still served, and later changes are followed again.
  ASSERT_OK(
      roster_
          ->MoveMember(ben_.id(), team_b_.id(), rosterpb::MEMBER_ROLE_MANAGER, roster_->Today() + 2)
          .status());
  RecordAll(
      {Act("after-rebuild", ben_.id(), ACTIVITY_TYPE_CALL_MADE, At(roster_->Today() + 3, 15))});
  ASSERT_OK_AND_ASSIGN(std::vector<activitypb::Activity> all, ListAll(admin_token_, ben_.id(), ""));
  EXPECT_EQ(Find(all, "after-rebuild")->role(), rosterpb::MEMBER_ROLE_MANAGER);
}

TEST_P(ActivityRosterFeedTest, WhileTheRosterIsDownTheFeedShowsDisconnectedAndCachedMembersServe) {
  RecordAll({Act("cached", ben_.id(), ACTIVITY_TYPE_CALL_MADE, At(today_ - 2, 15))});
  roster_->Stop();
  const absl::Time deadline = absl::Now() + absl::Seconds(10);
  while (follower_->connected() && absl::Now() < deadline) absl::SleepFor(absl::Milliseconds(10));
  EXPECT_FALSE(follower_->connected());
  EXPECT_FALSE(follower_->state().last_error.empty());
  RecordAll({Act("still-cached", ben_.id(), ACTIVITY_TYPE_CALL_MADE, At(today_ - 2, 16))});
}

SALESTEAM_INSTANTIATE_DATABASE_TEST(ActivityServiceTest);
SALESTEAM_INSTANTIATE_DATABASE_TEST(ActivityServiceRedisLossTest);
SALESTEAM_INSTANTIATE_DATABASE_TEST(ActivityRosterFeedTest);

}  // namespace
}  // namespace salesteam::activity
