// Service tests of RosterService over a real gRPC channel. Each test starts the
// server in-process the way main.cc does (server::Server with the bearer-token
// verifier) on a fresh database (a SQLite file and a PostgreSQL database: every
// test runs on both), a real Redis (or, for the Redis-down tests, a FakeCache
// that can be switched off), a fixed clock (2026-06-15 12:00 UTC) and tokens
// for every kind of caller, then calls the RPCs through a stub as salesctl and
// the other services do. Covered: each RPC's happy path, the sales-model
// rules, the privacy matrix (each caller role x each read, with and without the
// management data), who may write what, each bad input of issue 3, and the
// change feed (backlog then live changes, resuming, the head, retention, who
// may watch, and the roster_sequence reads carry).
#include "services/roster/roster_service.h"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <functional>
#include <iostream>
#include <limits>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <thread>
#include <tuple>
#include <utility>
#include <vector>

#include <grpcpp/grpcpp.h>

#include "absl/algorithm/container.h"
#include "absl/base/thread_annotations.h"
#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "absl/strings/strip.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/civil_time.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "common/auth/auth.h"
#include "common/cache/fake_cache.h"
#include "common/cache/redis_cache.h"
#include "common/server/server.h"
#include "common/status.h"
#include "common/store/migrations.h"
#include "common/testing/databases.h"
#include "common/testing/proto_matchers.h"
#include "common/testing/service_harness.h"
#include "common/testing/status_matchers.h"
#include "common/testing/test_env.h"
#include "common/time/date.h"
#include "gmock/gmock.h"
#include "google/protobuf/util/message_differencer.h"
#include "gtest/gtest.h"
#include "roster_migrations.h"
#include "salesteam/roster/v1/roster.grpc.pb.h"
#include "services/roster/roster_store.h"

namespace salesteam::roster {
namespace {

namespace rosterpb = ::salesteam::roster::v1;
using DateProto = ::salesteam::type::v1::Date;
using ::salesteam::testing::DatabaseKind;
using ::salesteam::testing::EqualsProto;
using ::salesteam::testing::ServiceHarness;
using ::salesteam::testing::StatusIs;
using ::salesteam::testing::TestDatabase;
using ::testing::AllOf;
using ::testing::AnyOf;
using ::testing::Contains;
using ::testing::ElementsAre;
using ::testing::ElementsAreArray;
using ::testing::Ge;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::Le;
using ::testing::Not;
using ::testing::Pair;
using ::testing::SizeIs;
using ::testing::UnorderedElementsAre;
using ::testing::UnorderedElementsAreArray;

constexpr absl::StatusCode kInvalidArgument = absl::StatusCode::kInvalidArgument;
constexpr absl::StatusCode kNotFound = absl::StatusCode::kNotFound;
constexpr absl::StatusCode kPermissionDenied = absl::StatusCode::kPermissionDenied;
constexpr absl::StatusCode kFailedPrecondition = absl::StatusCode::kFailedPrecondition;

constexpr char kPageTokenKey[] = "roster-service-test-page-token-key";

// The service's "now": 2026-06-15 12:00 UTC (also "today" in Europe/Berlin and
// America/New_York, the test teams' zones).
absl::Time FixedNow() {
  return absl::FromCivil(absl::CivilSecond(2026, 6, 15, 12, 0, 0), absl::UTCTimeZone());
}
periods::Date Today() { return periods::Date(2026, 6, 15); }
// The hire date of the members the tests create.
periods::Date HireDay() { return periods::Date(2026, 1, 5); }

DateProto Day(int year, int month, int day) {
  return periods::DateToProto(periods::Date(year, month, day));
}
periods::Date FromProto(const DateProto& proto) {
  return periods::Date(proto.year(), proto.month(), proto.day());
}
std::string Iso(const DateProto& proto) { return periods::FormatIsoDate(FromProto(proto)); }

MATCHER_P(DateIs, iso, std::string("is the date ") + iso) { return Iso(arg) == iso; }

// The same member without the fields that legitimately differ between two
// reads of it (the timestamps are compared on their own where it matters).
rosterpb::Member WithoutTimes(rosterpb::Member member) {
  member.clear_create_time();
  member.clear_update_time();
  return member;
}
rosterpb::Team WithoutTimes(rosterpb::Team team) {
  team.clear_create_time();
  team.clear_update_time();
  return team;
}

template <typename Message>
std::vector<std::string> Ids(const google::protobuf::RepeatedPtrField<Message>& messages) {
  std::vector<std::string> ids;
  for (const Message& message : messages) ids.push_back(message.id());
  return ids;
}

const rosterpb::Member* FindMember(const google::protobuf::RepeatedPtrField<rosterpb::Member>& all,
                                   absl::string_view id) {
  for (const rosterpb::Member& member : all) {
    if (member.id() == id) return &member;
  }
  return nullptr;
}

// Value tier and motivators are present exactly when the caller may see them.
void ExpectManagementData(const rosterpb::Member& member, bool visible) {
  SCOPED_TRACE(
      absl::StrCat("member ", member.id(), visible ? " with" : " without", " management data"));
  if (visible) {
    EXPECT_TRUE(member.has_value_tier());
    EXPECT_THAT(member.motivators(), Not(IsEmpty()));
  } else {
    EXPECT_FALSE(member.has_value_tier()) << "value_tier " << member.value_tier();
    EXPECT_THAT(member.motivators(), IsEmpty());
  }
}

// The same token with one character in the middle changed (a middle base64
// character carries six payload bits, so the decoded bytes differ too).
std::string Tampered(std::string token) {
  const size_t i = token.size() / 2;
  token[i] = token[i] == 'A' ? 'B' : 'A';
  return token;
}

// A team selling as an assembly line (the standard stage split is left to
// the service), in Berlin, with two training cadences.
rosterpb::Team AssemblyTeam(absl::string_view name) {
  rosterpb::Team team;
  team.set_name(std::string(name));
  team.set_time_zone("Europe/Berlin");
  team.set_currency_code("EUR");
  team.set_sales_model(rosterpb::SALES_MODEL_ASSEMBLY_LINE);
  team.mutable_expectation_policy()->set_min_attainment_bps(8000);
  team.mutable_expectation_policy()->set_consecutive_periods(2);
  rosterpb::TrainingCadence* product = team.add_training_cadence();
  product->set_area(rosterpb::TRAINING_AREA_PRODUCT_KNOWLEDGE);
  product->set_max_days_between_sessions(90);
  rosterpb::TrainingCadence* prospecting = team.add_training_cadence();
  prospecting->set_area(rosterpb::TRAINING_AREA_PROSPECTING);
  prospecting->set_max_days_between_sessions(30);
  return team;
}

// An island team in New York whose full-cycle sellers own every stage.
rosterpb::Team IslandTeam(absl::string_view name) {
  rosterpb::Team team;
  team.set_name(std::string(name));
  team.set_time_zone("America/New_York");
  team.set_currency_code("USD");
  team.set_sales_model(rosterpb::SALES_MODEL_ISLAND);
  team.mutable_expectation_policy()->set_min_attainment_bps(9000);
  team.mutable_expectation_policy()->set_consecutive_periods(3);
  rosterpb::TrainingCadence* communication = team.add_training_cadence();
  communication->set_area(rosterpb::TRAINING_AREA_PROFESSIONAL_COMMUNICATION);
  communication->set_max_days_between_sessions(60);
  for (rosterpb::JourneyStage stage :
       {rosterpb::JOURNEY_STAGE_LEAD_GENERATION, rosterpb::JOURNEY_STAGE_QUALIFICATION,
        rosterpb::JOURNEY_STAGE_PROPOSAL_AND_CLOSE, rosterpb::JOURNEY_STAGE_AFTER_SALE}) {
    rosterpb::StageOwnership* owner = team.add_stage_ownership();
    owner->set_stage(stage);
    owner->set_role(rosterpb::MEMBER_ROLE_FULL_CYCLE);
  }
  return team;
}

rosterpb::TrainingSession Session(absl::string_view member_id, rosterpb::TrainingArea area,
                                  DateProto date) {
  rosterpb::TrainingSession session;
  session.set_member_id(std::string(member_id));
  session.set_area(area);
  *session.mutable_date() = date;
  session.set_hours(1.5);
  session.set_note("Workshop");
  return session;
}

void AddSkill(rosterpb::Member& member, rosterpb::Skill skill, int level) {
  rosterpb::SkillLevel* entry = member.add_skills();
  entry->set_skill(skill);
  entry->set_level(level);
}

// ---- Watching the change feed ----

// How long a test waits for the feed to deliver what it expects.
constexpr absl::Duration kFeedWait = absl::Seconds(5);

rosterpb::WatchRosterChangesRequest WatchAfter(int64_t after_sequence) {
  rosterpb::WatchRosterChangesRequest request;
  request.set_after_sequence(after_sequence);
  return request;
}

rosterpb::WatchRosterChangesRequest WatchFromHead() {
  rosterpb::WatchRosterChangesRequest request;
  request.set_start_at_head(true);
  return request;
}

std::vector<int64_t> Sequences(const std::vector<rosterpb::RosterChange>& changes) {
  std::vector<int64_t> sequences;
  for (const rosterpb::RosterChange& change : changes) sequences.push_back(change.sequence());
  return sequences;
}

// The `count` sequences after `after`: after + 1, ..., after + count.
std::vector<int64_t> SequencesAfter(int64_t after, int64_t count) {
  std::vector<int64_t> sequences;
  for (int64_t s = after + 1; s <= after + count; ++s) sequences.push_back(s);
  return sequences;
}

// "MEMBER_MOVED mb_..." for each change: what it was and whom it was about.
std::vector<std::string> Subjects(const std::vector<rosterpb::RosterChange>& changes) {
  std::vector<std::string> subjects;
  for (const rosterpb::RosterChange& change : changes) {
    subjects.push_back(absl::StrCat(
        absl::StripPrefix(rosterpb::RosterChangeKind_Name(change.kind()), "ROSTER_CHANGE_KIND_"),
        " ", change.team_id(), change.member_id()));
  }
  return subjects;
}

// The sequence of the newest change of `kind` about `id` (0: none).
int64_t SequenceOf(const std::vector<rosterpb::RosterChange>& changes,
                   rosterpb::RosterChangeKind kind, absl::string_view id) {
  int64_t found = 0;
  for (const rosterpb::RosterChange& change : changes) {
    if (change.kind() == kind && (change.member_id() == id || change.team_id() == id)) {
      found = change.sequence();
    }
  }
  return found;
}

// One WatchRosterChanges call, read on a thread of its own until the stream
// ends (destruction cancels it). The test waits for what it expects, at most
// kFeedWait: a wait that runs out returns what arrived, and the test's
// expectations on it fail.
class ChangeStream {
 public:
  ChangeStream(rosterpb::RosterService::Stub& stub, absl::string_view token,
               const rosterpb::WatchRosterChangesRequest& request) {
    context_.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(60));
    if (!token.empty()) auth::AttachBearerToken(context_, token);
    reader_ = stub.WatchRosterChanges(&context_, request);
    reader_thread_ = std::thread([this] { ReadUntilTheEnd(); });
  }

  ~ChangeStream() {
    context_.TryCancel();
    reader_thread_.join();
  }

  // The messages so far, once there are at least `count`.
  std::vector<rosterpb::WatchRosterChangesResponse> AwaitMessages(size_t count) {
    absl::MutexLock lock(&mu_);
    const auto enough = [&]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
      return ended_ || messages_.size() >= count;
    };
    mu_.AwaitWithTimeout(absl::Condition(&enough), kFeedWait);
    return messages_;
  }

  // The changes so far, in the order received, once there are at least
  // `count`.
  std::vector<rosterpb::RosterChange> AwaitChanges(size_t count) {
    absl::MutexLock lock(&mu_);
    const auto enough = [&]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
      return ended_ || changes_.size() >= count;
    };
    mu_.AwaitWithTimeout(absl::Condition(&enough), kFeedWait);
    return changes_;
  }

  // How the stream ended (DEADLINE_EXCEEDED here: it is still open).
  absl::Status AwaitEnd() {
    absl::MutexLock lock(&mu_);
    if (!mu_.AwaitWithTimeout(absl::Condition(&ended_), kFeedWait)) {
      return absl::DeadlineExceededError("the stream is still open");
    }
    return status_;
  }

 private:
  void ReadUntilTheEnd() {
    rosterpb::WatchRosterChangesResponse message;
    while (reader_->Read(&message)) {
      absl::MutexLock lock(&mu_);
      messages_.push_back(message);
      changes_.insert(changes_.end(), message.changes().begin(), message.changes().end());
    }
    const grpc::Status status = reader_->Finish();
    absl::MutexLock lock(&mu_);
    status_ = FromGrpcStatus(status);
    ended_ = true;
  }

  grpc::ClientContext context_;
  std::unique_ptr<grpc::ClientReader<rosterpb::WatchRosterChangesResponse>> reader_;
  absl::Mutex mu_;
  std::vector<rosterpb::WatchRosterChangesResponse> messages_ ABSL_GUARDED_BY(mu_);
  std::vector<rosterpb::RosterChange> changes_ ABSL_GUARDED_BY(mu_);
  bool ended_ ABSL_GUARDED_BY(mu_) = false;
  absl::Status status_ ABSL_GUARDED_BY(mu_);
  std::thread reader_thread_;
};

// ---- The fixture ----

// A roster server on a fresh database of the parameter's kind, with two teams
// (A: assembly line; B: island), their members, and a token for each kind of
// caller:
//   team A: manager_a_ (MANAGER), rep_a1_ (LEAD_GENERATION), rep_a2_ (ACCOUNT_EXECUTIVE)
//   team B: manager_b_ (MANAGER), rep_b1_ (FULL_CYCLE)
//   tokens: admin, service, manager of A, manager of B, rep_a1 (in A), rep_b1 (in B)
class RosterServiceTest : public ::testing::TestWithParam<DatabaseKind> {
 protected:
  // The Redis-down tests serve from a FakeCache they can switch off.
  virtual bool UseFakeCache() const { return false; }

  void SetUp() override {
    using ::salesteam::testing::CacheKind;
    ASSERT_OK_AND_ASSIGN(harness_,
                         ServiceHarness::Create(
                             {.database = GetParam(),
                              .migrations = &salesteam::migrations::roster(),
                              .cache = UseFakeCache() ? CacheKind::kFake : CacheKind::kSharedRedis,
                              .start = FixedNow()}));
    fake_cache_ = harness_->fake_cache();
    RosterServiceOptions options;
    options.page_token_key = kPageTokenKey;
    options.clock = harness_->clock().AsFunction();
    ASSERT_OK(harness_->Serve(
        rosterpb::RosterService::service_full_name(),
        std::make_unique<RosterServiceImpl>(&harness_->db(), &harness_->cache(), options)));
    stub_ = rosterpb::RosterService::NewStub(harness_->channel());

    admin_token_ = Mint("admin-1", auth::Role::kAdmin, {});
    service_token_ = Mint("activity-service", auth::Role::kService, {});

    ASSERT_OK_AND_ASSIGN(team_a_, CreateTeam(admin_token_, AssemblyTeam("Team A")));
    ASSERT_OK_AND_ASSIGN(team_b_, CreateTeam(admin_token_, IslandTeam("Team B")));

    rosterpb::Member manager_a = Profile("Alice Manager");
    manager_a.clear_motivators();
    manager_a.add_motivators(rosterpb::MOTIVATOR_PURPOSE);
    ASSERT_OK_AND_ASSIGN(manager_a_, CreateMember(admin_token_, manager_a, team_a_.id(),
                                                  rosterpb::MEMBER_ROLE_MANAGER));
    rosterpb::Member rep_a1 = Profile("Ann Prospector");
    rep_a1.set_value_tier(3);
    ASSERT_OK_AND_ASSIGN(rep_a1_, CreateMember(admin_token_, rep_a1, team_a_.id(),
                                               rosterpb::MEMBER_ROLE_LEAD_GENERATION));
    rosterpb::Member rep_a2 = Profile("Arno Closer");
    rep_a2.set_value_tier(1);
    rep_a2.clear_motivators();
    rep_a2.add_motivators(rosterpb::MOTIVATOR_COMPETITION);
    rep_a2.add_motivators(rosterpb::MOTIVATOR_MONEY);
    ASSERT_OK_AND_ASSIGN(rep_a2_, CreateMember(admin_token_, rep_a2, team_a_.id(),
                                               rosterpb::MEMBER_ROLE_ACCOUNT_EXECUTIVE));
    ASSERT_OK_AND_ASSIGN(manager_b_, CreateMember(admin_token_, Profile("Bea Manager"),
                                                  team_b_.id(), rosterpb::MEMBER_ROLE_MANAGER));
    ASSERT_OK_AND_ASSIGN(rep_b1_, CreateMember(admin_token_, Profile("Ben Islander"), team_b_.id(),
                                               rosterpb::MEMBER_ROLE_FULL_CYCLE));

    manager_a_token_ = Mint(manager_a_.id(), auth::Role::kManager, {team_a_.id()});
    manager_b_token_ = Mint(manager_b_.id(), auth::Role::kManager, {team_b_.id()});
    rep_a_token_ = Mint(rep_a1_.id(), auth::Role::kRep, {team_a_.id()});
    rep_b_token_ = Mint(rep_b1_.id(), auth::Role::kRep, {team_b_.id()});
  }

  void TearDown() override {
    stub_.reset();
    harness_.reset();
  }

  std::string Mint(absl::string_view subject, auth::Role role, std::vector<std::string> teams) {
    // Tokens are checked against the real clock, not the service's.
    return harness_->Token(subject, role, std::move(teams));
  }

  // A complete, valid profile with an email no other member has.
  rosterpb::Member Profile(absl::string_view name) {
    const int n = ++next_email_;
    rosterpb::Member member;
    member.set_name(std::string(name));
    member.set_email(absl::StrCat("member", n, "@example.com"));
    member.set_archetype(rosterpb::ARCHETYPE_PRODUCER);
    member.set_value_tier(2);
    AddSkill(member, rosterpb::SKILL_PROSPECTING, 4);
    AddSkill(member, rosterpb::SKILL_PRESENTING, 3);
    member.add_motivators(rosterpb::MOTIVATOR_MONEY);
    member.add_motivators(rosterpb::MOTIVATOR_RECOGNITION);
    rosterpb::ContactChannel* email = member.add_contact_channels();
    email->set_kind(rosterpb::CONTACT_CHANNEL_KIND_EMAIL);
    email->set_address(member.email());
    email->set_preferred(true);
    rosterpb::ContactChannel* slack = member.add_contact_channels();
    slack->set_kind(rosterpb::CONTACT_CHANNEL_KIND_SLACK);
    slack->set_address(absl::StrCat("@member", n));
    *member.mutable_hire_date() = periods::DateToProto(HireDay());
    return member;
  }

  // ---- One wrapper per RPC: the call as `token` (none when empty) ----

  template <typename Request, typename Response>
  absl::StatusOr<Response> Call(grpc::Status (rosterpb::RosterService::Stub::*method)(
                                    grpc::ClientContext*, const Request&, Response*),
                                absl::string_view token, const Request& request) {
    grpc::ClientContext context;
    context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(30));
    if (!token.empty()) auth::AttachBearerToken(context, token);
    Response response;
    const grpc::Status status = ((*stub_).*method)(&context, request, &response);
    if (!status.ok()) return FromGrpcStatus(status);
    return response;
  }

  absl::StatusOr<rosterpb::Team> CreateTeam(absl::string_view token, const rosterpb::Team& team) {
    rosterpb::CreateTeamRequest request;
    *request.mutable_team() = team;
    auto response = Call(&rosterpb::RosterService::Stub::CreateTeam, token, request);
    if (!response.ok()) return response.status();
    return response->team();
  }

  absl::StatusOr<rosterpb::Team> GetTeam(absl::string_view token, absl::string_view team_id) {
    rosterpb::GetTeamRequest request;
    request.set_team_id(std::string(team_id));
    auto response = Call(&rosterpb::RosterService::Stub::GetTeam, token, request);
    if (!response.ok()) return response.status();
    return response->team();
  }

  absl::StatusOr<rosterpb::Team> UpdateTeam(absl::string_view token, const rosterpb::Team& team,
                                            const std::vector<std::string>& paths) {
    rosterpb::UpdateTeamRequest request;
    *request.mutable_team() = team;
    for (const std::string& path : paths) request.mutable_update_mask()->add_paths(path);
    auto response = Call(&rosterpb::RosterService::Stub::UpdateTeam, token, request);
    if (!response.ok()) return response.status();
    return response->team();
  }

  absl::StatusOr<rosterpb::ListTeamsResponse> ListTeams(absl::string_view token, int page_size,
                                                        absl::string_view page_token = "") {
    rosterpb::ListTeamsRequest request;
    request.set_page_size(page_size);
    request.set_page_token(std::string(page_token));
    return Call(&rosterpb::RosterService::Stub::ListTeams, token, request);
  }

  absl::StatusOr<rosterpb::Member> CreateMember(absl::string_view token,
                                                const rosterpb::Member& member,
                                                absl::string_view team_id,
                                                rosterpb::MemberRole role) {
    rosterpb::CreateMemberRequest request;
    *request.mutable_member() = member;
    request.set_team_id(std::string(team_id));
    request.set_role(role);
    auto response = Call(&rosterpb::RosterService::Stub::CreateMember, token, request);
    if (!response.ok()) return response.status();
    return response->member();
  }

  // A new member of `team_id` with a standard profile, created by the admin.
  absl::StatusOr<rosterpb::Member> NewMember(absl::string_view team_id, rosterpb::MemberRole role,
                                             absl::string_view name = "New Member") {
    return CreateMember(admin_token_, Profile(name), team_id, role);
  }

  absl::StatusOr<rosterpb::Member> GetMember(absl::string_view token, absl::string_view member_id,
                                             std::optional<DateProto> as_of = std::nullopt) {
    rosterpb::GetMemberRequest request;
    request.set_member_id(std::string(member_id));
    if (as_of.has_value()) *request.mutable_as_of() = *as_of;
    auto response = Call(&rosterpb::RosterService::Stub::GetMember, token, request);
    if (!response.ok()) return response.status();
    return response->member();
  }

  absl::StatusOr<rosterpb::BatchGetMembersResponse> BatchGetMembers(
      absl::string_view token, const std::vector<std::string>& ids,
      std::optional<DateProto> as_of = std::nullopt) {
    rosterpb::BatchGetMembersRequest request;
    for (const std::string& id : ids) request.add_member_ids(id);
    if (as_of.has_value()) *request.mutable_as_of() = *as_of;
    return Call(&rosterpb::RosterService::Stub::BatchGetMembers, token, request);
  }

  absl::StatusOr<rosterpb::Member> UpdateMember(absl::string_view token,
                                                const rosterpb::Member& member,
                                                const std::vector<std::string>& paths) {
    rosterpb::UpdateMemberRequest request;
    *request.mutable_member() = member;
    for (const std::string& path : paths) request.mutable_update_mask()->add_paths(path);
    auto response = Call(&rosterpb::RosterService::Stub::UpdateMember, token, request);
    if (!response.ok()) return response.status();
    return response->member();
  }

  absl::StatusOr<rosterpb::Member> MoveMember(absl::string_view token,
                                              const rosterpb::Member& member,
                                              absl::string_view team_id, rosterpb::MemberRole role,
                                              DateProto effective_date) {
    rosterpb::MoveMemberRequest request;
    request.set_member_id(member.id());
    request.set_version(member.version());
    request.set_team_id(std::string(team_id));
    request.set_role(role);
    *request.mutable_effective_date() = effective_date;
    auto response = Call(&rosterpb::RosterService::Stub::MoveMember, token, request);
    if (!response.ok()) return response.status();
    return response->member();
  }

  absl::StatusOr<rosterpb::Member> DeactivateMember(
      absl::string_view token, const rosterpb::Member& member,
      std::optional<DateProto> effective_date = std::nullopt) {
    rosterpb::DeactivateMemberRequest request;
    request.set_member_id(member.id());
    request.set_version(member.version());
    if (effective_date.has_value()) *request.mutable_effective_date() = *effective_date;
    auto response = Call(&rosterpb::RosterService::Stub::DeactivateMember, token, request);
    if (!response.ok()) return response.status();
    return response->member();
  }

  absl::StatusOr<rosterpb::ListMembersResponse> ListMembers(
      absl::string_view token, const rosterpb::ListMembersRequest& request) {
    return Call(&rosterpb::RosterService::Stub::ListMembers, token, request);
  }

  absl::StatusOr<rosterpb::ListMembersResponse> ListTeamMembers(absl::string_view token,
                                                                absl::string_view team_id) {
    rosterpb::ListMembersRequest request;
    request.set_team_id(std::string(team_id));
    return ListMembers(token, request);
  }

  absl::StatusOr<rosterpb::TrainingSession> RecordTraining(
      absl::string_view token, const rosterpb::TrainingSession& session) {
    rosterpb::RecordTrainingRequest request;
    *request.mutable_session() = session;
    auto response = Call(&rosterpb::RosterService::Stub::RecordTraining, token, request);
    if (!response.ok()) return response.status();
    return response->session();
  }

  absl::StatusOr<rosterpb::ListTrainingSessionsResponse> ListTrainingSessions(
      absl::string_view token, const rosterpb::ListTrainingSessionsRequest& request) {
    return Call(&rosterpb::RosterService::Stub::ListTrainingSessions, token, request);
  }

  absl::StatusOr<rosterpb::ListTrainingSessionsResponse> MemberSessions(absl::string_view token,
                                                                        absl::string_view id) {
    rosterpb::ListTrainingSessionsRequest request;
    request.set_member_id(std::string(id));
    return ListTrainingSessions(token, request);
  }

  absl::StatusOr<rosterpb::ListTrainingSessionsResponse> TeamSessions(absl::string_view token,
                                                                      absl::string_view id) {
    rosterpb::ListTrainingSessionsRequest request;
    request.set_team_id(std::string(id));
    return ListTrainingSessions(token, request);
  }

  absl::StatusOr<rosterpb::GetTrainingComplianceResponse> GetTrainingCompliance(
      absl::string_view token, absl::string_view team_id,
      std::optional<DateProto> as_of = std::nullopt) {
    rosterpb::GetTrainingComplianceRequest request;
    request.set_team_id(std::string(team_id));
    if (as_of.has_value()) *request.mutable_as_of() = *as_of;
    return Call(&rosterpb::RosterService::Stub::GetTrainingCompliance, token, request);
  }

  absl::StatusOr<rosterpb::SuggestRolesResponse> SuggestRoles(absl::string_view token,
                                                              absl::string_view team_id) {
    rosterpb::SuggestRolesRequest request;
    request.set_team_id(std::string(team_id));
    return Call(&rosterpb::RosterService::Stub::SuggestRoles, token, request);
  }

  // A stream of the roster's changes, as `token` (none when empty).
  std::unique_ptr<ChangeStream> Watch(absl::string_view token,
                                      const rosterpb::WatchRosterChangesRequest& request) {
    return std::make_unique<ChangeStream>(*stub_, token, request);
  }

  // The store of the server's database, as another replica of the roster
  // would write it (the server learns of its writes only by polling).
  RosterStore OtherReplica() { return RosterStore(&harness_->db()); }

  std::unique_ptr<ServiceHarness> harness_;
  cache::FakeCache* fake_cache_ = nullptr;  // the harness's, when UseFakeCache()
  std::unique_ptr<rosterpb::RosterService::Stub> stub_;

  int next_email_ = 0;
  rosterpb::Team team_a_;
  rosterpb::Team team_b_;
  rosterpb::Member manager_a_;
  rosterpb::Member rep_a1_;
  rosterpb::Member rep_a2_;
  rosterpb::Member manager_b_;
  rosterpb::Member rep_b1_;
  std::string admin_token_;
  std::string service_token_;
  std::string manager_a_token_;
  std::string manager_b_token_;
  std::string rep_a_token_;
  std::string rep_b_token_;
};

// The same server with a FakeCache, so that Redis can be "down".
class RosterServiceRedisDownTest : public RosterServiceTest {
 protected:
  bool UseFakeCache() const override { return true; }
};

// ---- Teams ----

TEST_P(RosterServiceTest, CreateTeamSetsIdVersionTimesAndTheStandardAssemblyLineSplit) {
  rosterpb::Team input = AssemblyTeam("Berlin hunters");
  input.set_id("tm_chosen_by_the_client");
  input.set_version(42);

  ASSERT_OK_AND_ASSIGN(rosterpb::Team team, CreateTeam(admin_token_, input));

  EXPECT_FALSE(team.id().empty());
  EXPECT_NE(team.id(), "tm_chosen_by_the_client");
  EXPECT_EQ(team.version(), 1);
  EXPECT_TRUE(team.has_create_time());
  EXPECT_TRUE(team.has_update_time());
  EXPECT_EQ(team.name(), "Berlin hunters");
  EXPECT_EQ(team.time_zone(), "Europe/Berlin");
  EXPECT_EQ(team.currency_code(), "EUR");
  EXPECT_EQ(team.sales_model(), rosterpb::SALES_MODEL_ASSEMBLY_LINE);
  EXPECT_EQ(team.expectation_policy().min_attainment_bps(), 8000);
  EXPECT_EQ(team.expectation_policy().consecutive_periods(), 2);
  EXPECT_THAT(team.training_cadence(), SizeIs(2));
  EXPECT_EQ(team.manager_id(), "");
  std::map<int, int> owners;
  for (const rosterpb::StageOwnership& owner : team.stage_ownership()) {
    owners[owner.stage()] = owner.role();
  }
  EXPECT_THAT(
      owners,
      ElementsAre(
          Pair(rosterpb::JOURNEY_STAGE_LEAD_GENERATION, rosterpb::MEMBER_ROLE_LEAD_GENERATION),
          Pair(rosterpb::JOURNEY_STAGE_QUALIFICATION, rosterpb::MEMBER_ROLE_SALES_DEVELOPMENT),
          Pair(rosterpb::JOURNEY_STAGE_PROPOSAL_AND_CLOSE, rosterpb::MEMBER_ROLE_ACCOUNT_EXECUTIVE),
          Pair(rosterpb::JOURNEY_STAGE_AFTER_SALE, rosterpb::MEMBER_ROLE_CUSTOMER_SUCCESS)));
  EXPECT_THAT(team.stage_ownership(), SizeIs(4));

  ASSERT_OK_AND_ASSIGN(rosterpb::Team read, GetTeam(admin_token_, team.id()));
  EXPECT_THAT(WithoutTimes(read), EqualsProto(WithoutTimes(team)));
}

TEST_P(RosterServiceTest, GetTeamOfAnUnknownIdIsNotFoundNamingTheId) {
  EXPECT_THAT(GetTeam(admin_token_, "tm_missing"), StatusIs(kNotFound, HasSubstr("tm_missing")));
}

TEST_P(RosterServiceTest, UpdateTeamChangesOnlyTheMaskedFieldsAndBumpsTheVersion) {
  rosterpb::Team change = team_a_;
  change.set_name("Team A renamed");
  change.set_time_zone("Asia/Tokyo");  // not in the mask: must stay
  ASSERT_OK_AND_ASSIGN(rosterpb::Team renamed, UpdateTeam(admin_token_, change, {"name"}));
  EXPECT_EQ(renamed.name(), "Team A renamed");
  EXPECT_EQ(renamed.time_zone(), "Europe/Berlin");
  EXPECT_EQ(renamed.version(), 2);

  change = renamed;
  change.set_currency_code("CHF");
  change.mutable_expectation_policy()->set_min_attainment_bps(9500);
  change.set_name("not in the mask either");
  ASSERT_OK_AND_ASSIGN(rosterpb::Team updated,
                       UpdateTeam(admin_token_, change, {"currency_code", "expectation_policy"}));
  // A new currency applies from the team's tomorrow: today shows the old.
  EXPECT_EQ(updated.currency_code(), "EUR");
  ASSERT_EQ(updated.terms_size(), 2);
  EXPECT_EQ(updated.terms(1).currency_code(), "CHF");
  EXPECT_EQ(updated.terms(1).effective_from().day(), 16);
  EXPECT_EQ(updated.expectation_policy().min_attainment_bps(), 9500);
  EXPECT_EQ(updated.name(), "Team A renamed");
  EXPECT_EQ(updated.version(), 3);

  ASSERT_OK_AND_ASSIGN(rosterpb::Team read, GetTeam(rep_a_token_, team_a_.id()));
  EXPECT_EQ(read.name(), "Team A renamed");
  EXPECT_EQ(read.currency_code(), "EUR");
  EXPECT_EQ(read.terms_size(), 2);
  EXPECT_EQ(read.time_zone(), "Europe/Berlin");
  EXPECT_EQ(read.version(), 3);
}

TEST_P(RosterServiceTest, SendingBackTheWholeTeamAsReadChangesNoTermsEvenWithAChangeScheduled) {
  rosterpb::Team change = team_a_;
  change.set_currency_code("CHF");
  ASSERT_OK_AND_ASSIGN(rosterpb::Team scheduled, UpdateTeam(admin_token_, change, {}));
  ASSERT_EQ(scheduled.terms_size(), 2);
  // A dashboard sends the team as it read it (today's EUR), renamed.
  rosterpb::Team whole = scheduled;
  whole.set_name("Renamed with everything");
  ASSERT_OK_AND_ASSIGN(rosterpb::Team renamed, UpdateTeam(admin_token_, whole, {"*"}));
  EXPECT_EQ(renamed.name(), "Renamed with everything");
  ASSERT_EQ(renamed.terms_size(), 2);
  EXPECT_EQ(renamed.terms(1).currency_code(), "CHF");

  rosterpb::UpdateTeamRequest dated;
  *dated.mutable_team() = renamed;
  dated.mutable_team()->set_name("Dated but no new terms");
  *dated.mutable_terms_effective_date() = Day(2026, 8, 1);
  dated.mutable_update_mask()->add_paths("name");
  EXPECT_THAT(Call(&rosterpb::RosterService::Stub::UpdateTeam, admin_token_, dated),
              StatusIs(kInvalidArgument, HasSubstr("terms_effective_date")));
}

TEST_P(RosterServiceTest, UpdateTeamWithAStaleVersionIsAbortedAndChangesNothing) {
  rosterpb::Team change = team_a_;
  change.set_name("First writer");
  ASSERT_OK(UpdateTeam(admin_token_, change, {"name"}).status());

  change = team_a_;  // still version 1
  change.set_name("Second writer");
  EXPECT_THAT(UpdateTeam(admin_token_, change, {"name"}), StatusIs(absl::StatusCode::kAborted));

  ASSERT_OK_AND_ASSIGN(rosterpb::Team read, GetTeam(admin_token_, team_a_.id()));
  EXPECT_EQ(read.name(), "First writer");
  EXPECT_EQ(read.version(), 2);
}

TEST_P(RosterServiceTest, ManagerIdMustNameAnActiveMemberWithRoleManager) {
  rosterpb::Team change = team_a_;
  change.set_manager_id(manager_a_.id());
  ASSERT_OK_AND_ASSIGN(rosterpb::Team managed, UpdateTeam(admin_token_, change, {"manager_id"}));
  EXPECT_EQ(managed.manager_id(), manager_a_.id());
  ASSERT_OK_AND_ASSIGN(rosterpb::Team read, GetTeam(admin_token_, team_a_.id()));
  EXPECT_EQ(read.manager_id(), manager_a_.id());

  ASSERT_OK_AND_ASSIGN(rosterpb::Member retired,
                       NewMember(team_a_.id(), rosterpb::MEMBER_ROLE_MANAGER, "Retired Manager"));
  ASSERT_OK(DeactivateMember(admin_token_, retired, Day(2026, 6, 1)).status());

  for (const auto& [why, id] :
       std::vector<std::pair<std::string, std::string>>{{"not a member", "mb_nobody"},
                                                        {"a rep, not a manager", rep_a1_.id()},
                                                        {"a deactivated manager", retired.id()}}) {
    SCOPED_TRACE(why);
    change = managed;
    change.set_manager_id(id);
    EXPECT_THAT(UpdateTeam(admin_token_, change, {"manager_id"}),
                StatusIs(kInvalidArgument, HasSubstr("team.manager_id")));
    rosterpb::Team fresh = AssemblyTeam("Managed from the start");
    fresh.set_manager_id(id);
    EXPECT_THAT(CreateTeam(admin_token_, fresh),
                StatusIs(kInvalidArgument, HasSubstr("team.manager_id")));
  }
  ASSERT_OK_AND_ASSIGN(read, GetTeam(admin_token_, team_a_.id()));
  EXPECT_EQ(read.manager_id(), manager_a_.id());
  EXPECT_EQ(read.version(), managed.version());
  ASSERT_OK_AND_ASSIGN(rosterpb::ListTeamsResponse teams, ListTeams(admin_token_, 0));
  EXPECT_THAT(teams.teams(), SizeIs(2));
}

TEST_P(RosterServiceTest, ATeamsManagerCannotLeaveTheRoleOrBeDeactivatedWhileNamedManager) {
  rosterpb::Team change = team_a_;
  change.set_manager_id(manager_a_.id());
  ASSERT_OK(UpdateTeam(admin_token_, change, {"manager_id"}).status());

  EXPECT_THAT(MoveMember(admin_token_, manager_a_, team_a_.id(),
                         rosterpb::MEMBER_ROLE_ACCOUNT_EXECUTIVE, Day(2026, 6, 15)),
              StatusIs(kFailedPrecondition, HasSubstr(team_a_.id())));
  EXPECT_THAT(DeactivateMember(admin_token_, manager_a_, Day(2026, 6, 15)),
              StatusIs(kFailedPrecondition, HasSubstr(team_a_.id())));
  // Still the active manager of the team.
  ASSERT_OK_AND_ASSIGN(rosterpb::Member read, GetMember(admin_token_, manager_a_.id()));
  EXPECT_TRUE(read.active());
  EXPECT_EQ(read.role(), rosterpb::MEMBER_ROLE_MANAGER);

  // Once the team names nobody, both are allowed.
  ASSERT_OK_AND_ASSIGN(rosterpb::Team managed, GetTeam(admin_token_, team_a_.id()));
  managed.clear_manager_id();
  ASSERT_OK(UpdateTeam(admin_token_, managed, {"manager_id"}).status());
  EXPECT_OK(DeactivateMember(admin_token_, read, Day(2026, 6, 15)).status());
}

TEST_P(RosterServiceTest, ListTeamsPagesThroughEveryTeamExactlyOnceInIdOrder) {
  std::set<std::string> expected = {team_a_.id(), team_b_.id()};
  for (const char* name : {"Team C", "Team D", "Team E"}) {
    ASSERT_OK_AND_ASSIGN(rosterpb::Team team, CreateTeam(admin_token_, AssemblyTeam(name)));
    expected.insert(team.id());
  }

  std::vector<std::string> seen;
  std::vector<int> page_sizes;
  std::string token;
  do {
    ASSERT_OK_AND_ASSIGN(rosterpb::ListTeamsResponse page, ListTeams(admin_token_, 2, token));
    for (const rosterpb::Team& team : page.teams()) seen.push_back(team.id());
    page_sizes.push_back(page.teams_size());
    token = page.next_page_token();
  } while (!token.empty() && page_sizes.size() < 10);

  EXPECT_THAT(page_sizes, ElementsAre(2, 2, 1));
  EXPECT_THAT(seen, ElementsAreArray(expected));  // std::set iterates in id order

  ASSERT_OK_AND_ASSIGN(rosterpb::ListTeamsResponse all, ListTeams(admin_token_, 0));
  EXPECT_THAT(Ids(all.teams()), ElementsAreArray(expected));
  EXPECT_EQ(all.next_page_token(), "");
}

// ---- Members ----

TEST_P(RosterServiceTest, CreateMemberStartsActiveWithOneAssignmentFromTheHireDate) {
  rosterpb::Member input = Profile("Grace Hopper");
  // Output-only fields and the ones MoveMember owns are ignored.
  input.set_id("mb_chosen_by_the_client");
  input.set_team_id(team_b_.id());
  input.set_role(rosterpb::MEMBER_ROLE_FULL_CYCLE);
  input.set_active(false);
  input.set_version(7);

  ASSERT_OK_AND_ASSIGN(
      rosterpb::Member member,
      CreateMember(manager_a_token_, input, team_a_.id(), rosterpb::MEMBER_ROLE_SALES_DEVELOPMENT));

  EXPECT_FALSE(member.id().empty());
  EXPECT_NE(member.id(), "mb_chosen_by_the_client");
  EXPECT_EQ(member.team_id(), team_a_.id());
  EXPECT_EQ(member.role(), rosterpb::MEMBER_ROLE_SALES_DEVELOPMENT);
  EXPECT_TRUE(member.active());
  EXPECT_FALSE(member.has_deactivation_date());
  EXPECT_EQ(member.version(), 1);
  EXPECT_TRUE(member.has_create_time());
  EXPECT_EQ(member.name(), "Grace Hopper");
  EXPECT_EQ(member.email(), input.email());
  EXPECT_EQ(member.archetype(), rosterpb::ARCHETYPE_PRODUCER);
  EXPECT_EQ(member.value_tier(), 2);
  EXPECT_THAT(member.skills(), SizeIs(2));
  EXPECT_THAT(member.motivators(),
              ElementsAre(rosterpb::MOTIVATOR_MONEY, rosterpb::MOTIVATOR_RECOGNITION));
  EXPECT_THAT(member.contact_channels(), SizeIs(2));
  EXPECT_THAT(member.hire_date(), DateIs("2026-01-05"));
  ASSERT_THAT(member.assignments(), SizeIs(1));
  EXPECT_EQ(member.assignments(0).team_id(), team_a_.id());
  EXPECT_EQ(member.assignments(0).role(), rosterpb::MEMBER_ROLE_SALES_DEVELOPMENT);
  EXPECT_THAT(member.assignments(0).effective_from(), DateIs("2026-01-05"));
  EXPECT_FALSE(member.assignments(0).has_effective_until());

  ASSERT_OK_AND_ASSIGN(rosterpb::Member read, GetMember(admin_token_, member.id()));
  EXPECT_THAT(WithoutTimes(read), EqualsProto(WithoutTimes(member)));
}

TEST_P(RosterServiceTest, GetMemberAsOfADayBeforeTheHireDateIsNotActive) {
  ASSERT_OK_AND_ASSIGN(rosterpb::Member before,
                       GetMember(admin_token_, rep_a1_.id(), Day(2026, 1, 4)));
  EXPECT_FALSE(before.active());
  EXPECT_EQ(before.team_id(), team_a_.id());
  EXPECT_EQ(before.role(), rosterpb::MEMBER_ROLE_LEAD_GENERATION);

  ASSERT_OK_AND_ASSIGN(rosterpb::Member on_hire_day,
                       GetMember(admin_token_, rep_a1_.id(), Day(2026, 1, 5)));
  EXPECT_TRUE(on_hire_day.active());
}

TEST_P(RosterServiceTest, GetMemberOfAnUnknownIdIsNotFoundNamingTheId) {
  EXPECT_THAT(GetMember(admin_token_, "mb_missing"), StatusIs(kNotFound, HasSubstr("mb_missing")));
}

TEST_P(RosterServiceTest, BatchGetMembersKeepsFirstOccurrenceOrderAndListsMissingIds) {
  ASSERT_OK_AND_ASSIGN(
      rosterpb::BatchGetMembersResponse batch,
      BatchGetMembers(service_token_, {rep_a2_.id(), rep_b1_.id(), rep_a2_.id(), "mb_missing",
                                       manager_a_.id(), rep_b1_.id()}));
  EXPECT_THAT(Ids(batch.members()), ElementsAre(rep_a2_.id(), rep_b1_.id(), manager_a_.id()));
  EXPECT_THAT(batch.missing_member_ids(), ElementsAre("mb_missing"));
  const rosterpb::Member* a2 = FindMember(batch.members(), rep_a2_.id());
  ASSERT_NE(a2, nullptr);
  EXPECT_THAT(WithoutTimes(*a2), EqualsProto(WithoutTimes(rep_a2_)));

  // Served again (now from the cache): the same answer.
  ASSERT_OK_AND_ASSIGN(rosterpb::BatchGetMembersResponse again,
                       BatchGetMembers(service_token_, {rep_a2_.id(), "mb_missing"}));
  EXPECT_THAT(Ids(again.members()), ElementsAre(rep_a2_.id()));
  EXPECT_THAT(again.missing_member_ids(), ElementsAre("mb_missing"));
}

TEST_P(RosterServiceTest, UpdateMemberChangesOnlyTheMaskedFields) {
  rosterpb::Member change = rep_a1_;
  change.set_name("Ann Renamed");
  change.set_email("not-in-the-mask@example.com");
  ASSERT_OK_AND_ASSIGN(rosterpb::Member renamed, UpdateMember(admin_token_, change, {"name"}));
  EXPECT_EQ(renamed.name(), "Ann Renamed");
  EXPECT_EQ(renamed.email(), rep_a1_.email());
  EXPECT_EQ(renamed.version(), 2);
  EXPECT_EQ(renamed.team_id(), team_a_.id());
  EXPECT_EQ(renamed.role(), rosterpb::MEMBER_ROLE_LEAD_GENERATION);

  change = renamed;
  change.set_value_tier(1);
  change.clear_motivators();
  change.add_motivators(rosterpb::MOTIVATOR_GROWTH);
  change.clear_skills();
  AddSkill(change, rosterpb::SKILL_CLOSING, 5);  // not in the mask
  ASSERT_OK_AND_ASSIGN(rosterpb::Member updated,
                       UpdateMember(manager_a_token_, change, {"value_tier", "motivators"}));
  EXPECT_EQ(updated.value_tier(), 1);
  EXPECT_THAT(updated.motivators(), ElementsAre(rosterpb::MOTIVATOR_GROWTH));
  EXPECT_THAT(updated.skills(), SizeIs(2));
  EXPECT_EQ(updated.version(), 3);

  ASSERT_OK_AND_ASSIGN(rosterpb::Member read, GetMember(admin_token_, rep_a1_.id()));
  EXPECT_THAT(WithoutTimes(read), EqualsProto(WithoutTimes(updated)));
}

// AIP-134: a client that does not know a field (or does not send it) must not
// clear it by updating another one without a mask.
TEST_P(RosterServiceTest, UpdateWithoutAMaskChangesOnlyTheFieldsTheClientSent) {
  rosterpb::Member patch;
  patch.set_id(rep_a1_.id());
  patch.set_version(rep_a1_.version());
  patch.set_name("Ann Unmasked");
  ASSERT_OK_AND_ASSIGN(rosterpb::Member renamed, UpdateMember(admin_token_, patch, {}));
  EXPECT_EQ(renamed.name(), "Ann Unmasked");
  EXPECT_EQ(renamed.email(), rep_a1_.email());
  EXPECT_THAT(renamed.skills(), SizeIs(rep_a1_.skills_size()));
  EXPECT_EQ(renamed.hire_date().year(), rep_a1_.hire_date().year());

  rosterpb::Team team_patch;
  team_patch.set_id(team_a_.id());
  team_patch.set_version(team_a_.version());
  team_patch.set_name("Team A Unmasked");
  ASSERT_OK_AND_ASSIGN(rosterpb::Team team, UpdateTeam(admin_token_, team_patch, {}));
  EXPECT_EQ(team.name(), "Team A Unmasked");
  EXPECT_EQ(team.time_zone(), team_a_.time_zone());
  EXPECT_EQ(team.currency_code(), team_a_.currency_code());
  EXPECT_EQ(team.manager_id(), team_a_.manager_id());
  EXPECT_EQ(team.sales_model(), team_a_.sales_model());
}

TEST_P(RosterServiceTest, ClearingAFieldNeedsItNamedInTheMask) {
  rosterpb::Member patch = rep_a1_;
  patch.clear_skills();
  ASSERT_OK_AND_ASSIGN(rosterpb::Member kept, UpdateMember(admin_token_, patch, {}));
  EXPECT_THAT(kept.skills(), SizeIs(rep_a1_.skills_size()));
  patch.set_version(kept.version());
  ASSERT_OK_AND_ASSIGN(rosterpb::Member cleared, UpdateMember(admin_token_, patch, {"skills"}));
  EXPECT_THAT(cleared.skills(), IsEmpty());
}

TEST_P(RosterServiceTest, AMoveCannotReachBackToOrBeforeTheLatestStartSoHistoryStays) {
  // rep_a1_ was hired on 2026-01-05 as lead generation on team A.
  for (const DateProto& day : {Day(2026, 1, 5), Day(2025, 12, 1)}) {
    EXPECT_THAT(MoveMember(admin_token_, rep_a1_, team_a_.id(),
                           rosterpb::MEMBER_ROLE_SALES_DEVELOPMENT, day),
                StatusIs(kInvalidArgument, HasSubstr("effective_date")));
  }
  ASSERT_OK_AND_ASSIGN(rosterpb::Member then,
                       GetMember(admin_token_, rep_a1_.id(), Day(2026, 2, 1)));
  EXPECT_EQ(then.role(), rosterpb::MEMBER_ROLE_LEAD_GENERATION);
  EXPECT_EQ(then.version(), rep_a1_.version());

  // A move scheduled for a later day may be corrected from that same day.
  ASSERT_OK_AND_ASSIGN(rosterpb::Member scheduled,
                       MoveMember(admin_token_, rep_a1_, team_a_.id(),
                                  rosterpb::MEMBER_ROLE_SALES_DEVELOPMENT, Day(2026, 7, 1)));
  ASSERT_OK_AND_ASSIGN(rosterpb::Member corrected,
                       MoveMember(admin_token_, scheduled, team_a_.id(),
                                  rosterpb::MEMBER_ROLE_ACCOUNT_EXECUTIVE, Day(2026, 7, 1)));
  ASSERT_THAT(corrected.assignments(), SizeIs(2));
  EXPECT_EQ(corrected.assignments(1).role(), rosterpb::MEMBER_ROLE_ACCOUNT_EXECUTIVE);
}

TEST_P(RosterServiceTest, ARepCannotReadAFormerTeammateThroughAPastDayNorLearnTheirTeam) {
  // rep_a1_ (whose token rep_a_token_ is) reads rep_a2_, who moves to team B.
  ASSERT_OK_AND_ASSIGN(rosterpb::Member moved,
                       MoveMember(admin_token_, rep_a2_, team_b_.id(),
                                  rosterpb::MEMBER_ROLE_FULL_CYCLE, Day(2026, 3, 1)));
  absl::StatusOr<rosterpb::Member> read = GetMember(rep_a_token_, moved.id(), Day(2026, 2, 1));
  EXPECT_THAT(read, StatusIs(kPermissionDenied, Not(HasSubstr(team_b_.id()))));
  // Their manager then still reads what their team had on that day.
  ASSERT_OK_AND_ASSIGN(rosterpb::Member by_manager,
                       GetMember(manager_a_token_, moved.id(), Day(2026, 2, 1)));
  EXPECT_EQ(by_manager.team_id(), team_a_.id());
  EXPECT_FALSE(by_manager.has_value_tier());  // management data follows the current team
}

TEST_P(RosterServiceTest, PagingMembersWithTheDefaultDayContinuesAcrossMidnight) {
  // Team A has rep_a1_, rep_a2_ and manager_a_ today (2026-06-15).
  rosterpb::ListMembersRequest request;
  request.set_team_id(team_a_.id());
  request.set_page_size(1);
  ASSERT_OK_AND_ASSIGN(rosterpb::ListMembersResponse first, ListMembers(admin_token_, request));
  ASSERT_FALSE(first.next_page_token().empty());
  std::vector<std::string> seen = Ids(first.members());

  // rep_a2_ leaves team A from 2026-06-16, and the service's day turns.
  ASSERT_OK(MoveMember(admin_token_, rep_a2_, team_b_.id(), rosterpb::MEMBER_ROLE_FULL_CYCLE,
                       Day(2026, 6, 16))
                .status());
  harness_->clock().Advance(absl::Hours(24));

  // The token still pages, and every page answers for the first page's day.
  std::string token = first.next_page_token();
  while (!token.empty()) {
    request.set_page_token(token);
    ASSERT_OK_AND_ASSIGN(rosterpb::ListMembersResponse page, ListMembers(admin_token_, request));
    for (const std::string& id : Ids(page.members())) seen.push_back(id);
    token = page.next_page_token();
  }
  EXPECT_THAT(seen, UnorderedElementsAre(rep_a1_.id(), rep_a2_.id(), manager_a_.id()));
}

TEST_P(RosterServiceTest, MoveMemberRecordsHistoryAndAsOfAnswersWhatWasTrueThen) {
  ASSERT_OK_AND_ASSIGN(rosterpb::Team team_c, CreateTeam(admin_token_, AssemblyTeam("Team C")));

  ASSERT_OK_AND_ASSIGN(rosterpb::Member moved,
                       MoveMember(admin_token_, rep_a1_, team_c.id(),
                                  rosterpb::MEMBER_ROLE_SALES_DEVELOPMENT, Day(2026, 3, 1)));
  EXPECT_EQ(moved.team_id(), team_c.id());
  EXPECT_EQ(moved.role(), rosterpb::MEMBER_ROLE_SALES_DEVELOPMENT);
  EXPECT_EQ(moved.version(), 2);
  ASSERT_THAT(moved.assignments(), SizeIs(2));
  EXPECT_EQ(moved.assignments(0).team_id(), team_a_.id());
  EXPECT_EQ(moved.assignments(0).role(), rosterpb::MEMBER_ROLE_LEAD_GENERATION);
  EXPECT_THAT(moved.assignments(0).effective_from(), DateIs("2026-01-05"));
  EXPECT_THAT(moved.assignments(0).effective_until(), DateIs("2026-03-01"));
  EXPECT_EQ(moved.assignments(1).team_id(), team_c.id());
  EXPECT_EQ(moved.assignments(1).role(), rosterpb::MEMBER_ROLE_SALES_DEVELOPMENT);
  EXPECT_THAT(moved.assignments(1).effective_from(), DateIs("2026-03-01"));
  EXPECT_FALSE(moved.assignments(1).has_effective_until());

  ASSERT_OK_AND_ASSIGN(rosterpb::Member before,
                       GetMember(service_token_, rep_a1_.id(), Day(2026, 2, 28)));
  EXPECT_EQ(before.team_id(), team_a_.id());
  EXPECT_EQ(before.role(), rosterpb::MEMBER_ROLE_LEAD_GENERATION);
  EXPECT_TRUE(before.active());
  ASSERT_OK_AND_ASSIGN(rosterpb::Member on_the_day,
                       GetMember(service_token_, rep_a1_.id(), Day(2026, 3, 1)));
  EXPECT_EQ(on_the_day.team_id(), team_c.id());
  EXPECT_EQ(on_the_day.role(), rosterpb::MEMBER_ROLE_SALES_DEVELOPMENT);
  ASSERT_OK_AND_ASSIGN(rosterpb::Member today, GetMember(service_token_, rep_a1_.id()));
  EXPECT_EQ(today.team_id(), team_c.id());

  ASSERT_OK_AND_ASSIGN(rosterpb::BatchGetMembersResponse batch,
                       BatchGetMembers(service_token_, {rep_a1_.id()}, Day(2026, 2, 28)));
  ASSERT_THAT(batch.members(), SizeIs(1));
  EXPECT_EQ(batch.members(0).team_id(), team_a_.id());
  EXPECT_EQ(batch.members(0).role(), rosterpb::MEMBER_ROLE_LEAD_GENERATION);
  ASSERT_OK_AND_ASSIGN(batch, BatchGetMembers(service_token_, {rep_a1_.id()}));
  ASSERT_THAT(batch.members(), SizeIs(1));
  EXPECT_EQ(batch.members(0).team_id(), team_c.id());

  rosterpb::ListMembersRequest in_a;
  in_a.set_team_id(team_a_.id());
  ASSERT_OK_AND_ASSIGN(rosterpb::ListMembersResponse a_today, ListMembers(admin_token_, in_a));
  EXPECT_THAT(Ids(a_today.members()), Not(Contains(rep_a1_.id())));
  *in_a.mutable_as_of() = Day(2026, 2, 28);
  ASSERT_OK_AND_ASSIGN(rosterpb::ListMembersResponse a_then, ListMembers(admin_token_, in_a));
  EXPECT_THAT(Ids(a_then.members()), Contains(rep_a1_.id()));
  ASSERT_OK_AND_ASSIGN(rosterpb::ListMembersResponse c_today,
                       ListTeamMembers(admin_token_, team_c.id()));
  EXPECT_THAT(Ids(c_today.members()), ElementsAre(rep_a1_.id()));
}

TEST_P(RosterServiceTest, MoveMemberWithinTheTeamChangesOnlyTheRoleFromTheDay) {
  ASSERT_OK_AND_ASSIGN(rosterpb::Member moved,
                       MoveMember(manager_a_token_, rep_a2_, team_a_.id(),
                                  rosterpb::MEMBER_ROLE_CUSTOMER_SUCCESS, Day(2026, 6, 15)));
  EXPECT_EQ(moved.team_id(), team_a_.id());
  EXPECT_EQ(moved.role(), rosterpb::MEMBER_ROLE_CUSTOMER_SUCCESS);
  ASSERT_OK_AND_ASSIGN(rosterpb::Member yesterday,
                       GetMember(admin_token_, rep_a2_.id(), Day(2026, 6, 14)));
  EXPECT_EQ(yesterday.role(), rosterpb::MEMBER_ROLE_ACCOUNT_EXECUTIVE);
  ASSERT_OK_AND_ASSIGN(rosterpb::Member today, GetMember(admin_token_, rep_a2_.id()));
  EXPECT_EQ(today.role(), rosterpb::MEMBER_ROLE_CUSTOMER_SUCCESS);
}

TEST_P(RosterServiceTest, MoveMemberRefusesAnEffectiveDateBeforeTheLatestAssignmentOrBeyondAYear) {
  EXPECT_THAT(MoveMember(admin_token_, rep_a1_, team_a_.id(),
                         rosterpb::MEMBER_ROLE_SALES_DEVELOPMENT, Day(2026, 1, 4)),
              AnyOf(StatusIs(kInvalidArgument, HasSubstr("effective_date")),
                    StatusIs(absl::StatusCode::kFailedPrecondition, HasSubstr("effective_date"))));
  EXPECT_THAT(MoveMember(admin_token_, rep_a1_, team_a_.id(),
                         rosterpb::MEMBER_ROLE_SALES_DEVELOPMENT, Day(2027, 6, 16)),
              StatusIs(kInvalidArgument, HasSubstr("effective_date")));
  ASSERT_OK_AND_ASSIGN(rosterpb::Member read, GetMember(admin_token_, rep_a1_.id()));
  EXPECT_EQ(read.version(), 1);
  EXPECT_THAT(read.assignments(), SizeIs(1));
}

TEST_P(RosterServiceTest, DeactivateMemberMakesItInactiveFromTheDayOnly) {
  ASSERT_OK_AND_ASSIGN(rosterpb::Member deactivated,
                       DeactivateMember(manager_a_token_, rep_a2_, Day(2026, 6, 1)));
  EXPECT_FALSE(deactivated.active());
  EXPECT_THAT(deactivated.deactivation_date(), DateIs("2026-06-01"));
  EXPECT_EQ(deactivated.version(), 2);

  ASSERT_OK_AND_ASSIGN(rosterpb::Member today, GetMember(admin_token_, rep_a2_.id()));
  EXPECT_FALSE(today.active());
  ASSERT_OK_AND_ASSIGN(rosterpb::Member day_before,
                       GetMember(admin_token_, rep_a2_.id(), Day(2026, 5, 31)));
  EXPECT_TRUE(day_before.active());
  ASSERT_OK_AND_ASSIGN(rosterpb::Member first_day,
                       GetMember(admin_token_, rep_a2_.id(), Day(2026, 6, 1)));
  EXPECT_FALSE(first_day.active());
  ASSERT_OK_AND_ASSIGN(rosterpb::BatchGetMembersResponse batch,
                       BatchGetMembers(service_token_, {rep_a2_.id()}));
  ASSERT_THAT(batch.members(), SizeIs(1));
  EXPECT_FALSE(batch.members(0).active());

  // Without a date: from today.
  ASSERT_OK_AND_ASSIGN(rosterpb::Member from_today, DeactivateMember(admin_token_, rep_b1_));
  EXPECT_THAT(from_today.deactivation_date(), DateIs("2026-06-15"));
  EXPECT_FALSE(from_today.active());
}

TEST_P(RosterServiceTest, ListMembersFiltersByTeamAndRoleInIdOrder) {
  ASSERT_OK_AND_ASSIGN(rosterpb::ListMembersResponse a,
                       ListTeamMembers(admin_token_, team_a_.id()));
  std::vector<std::string> expected = {manager_a_.id(), rep_a1_.id(), rep_a2_.id()};
  std::sort(expected.begin(), expected.end());
  EXPECT_THAT(Ids(a.members()), ElementsAreArray(expected));
  EXPECT_EQ(a.next_page_token(), "");

  rosterpb::ListMembersRequest request;
  request.set_team_id(team_a_.id());
  request.set_role(rosterpb::MEMBER_ROLE_LEAD_GENERATION);
  ASSERT_OK_AND_ASSIGN(rosterpb::ListMembersResponse lead_gen, ListMembers(admin_token_, request));
  EXPECT_THAT(Ids(lead_gen.members()), ElementsAre(rep_a1_.id()));
  request.set_role(rosterpb::MEMBER_ROLE_MANAGER);
  ASSERT_OK_AND_ASSIGN(rosterpb::ListMembersResponse managers, ListMembers(admin_token_, request));
  EXPECT_THAT(Ids(managers.members()), ElementsAre(manager_a_.id()));
  request.set_role(rosterpb::MEMBER_ROLE_CUSTOMER_SUCCESS);
  ASSERT_OK_AND_ASSIGN(rosterpb::ListMembersResponse none, ListMembers(admin_token_, request));
  EXPECT_THAT(none.members(), IsEmpty());

  ASSERT_OK_AND_ASSIGN(rosterpb::ListMembersResponse b,
                       ListTeamMembers(admin_token_, team_b_.id()));
  EXPECT_THAT(Ids(b.members()), UnorderedElementsAre(manager_b_.id(), rep_b1_.id()));
}

TEST_P(RosterServiceTest, ListMembersLeavesOutInactiveMembersUnlessAsked) {
  ASSERT_OK(DeactivateMember(admin_token_, rep_a2_, Day(2026, 6, 1)).status());

  rosterpb::ListMembersRequest request;
  request.set_team_id(team_a_.id());
  ASSERT_OK_AND_ASSIGN(rosterpb::ListMembersResponse active, ListMembers(admin_token_, request));
  EXPECT_THAT(Ids(active.members()), UnorderedElementsAre(manager_a_.id(), rep_a1_.id()));

  request.set_include_inactive(true);
  ASSERT_OK_AND_ASSIGN(rosterpb::ListMembersResponse all, ListMembers(admin_token_, request));
  EXPECT_THAT(Ids(all.members()),
              UnorderedElementsAre(manager_a_.id(), rep_a1_.id(), rep_a2_.id()));
  const rosterpb::Member* gone = FindMember(all.members(), rep_a2_.id());
  ASSERT_NE(gone, nullptr);
  EXPECT_FALSE(gone->active());

  request.set_include_inactive(false);
  *request.mutable_as_of() = Day(2026, 5, 31);
  ASSERT_OK_AND_ASSIGN(rosterpb::ListMembersResponse then, ListMembers(admin_token_, request));
  EXPECT_THAT(Ids(then.members()),
              UnorderedElementsAre(manager_a_.id(), rep_a1_.id(), rep_a2_.id()));
}

TEST_P(RosterServiceTest, ListMembersPagesThroughEveryMemberExactlyOnce) {
  std::set<std::string> expected = {manager_a_.id(), rep_a1_.id(), rep_a2_.id()};
  for (int i = 0; i < 3; ++i) {
    ASSERT_OK_AND_ASSIGN(rosterpb::Member member,
                         NewMember(team_a_.id(), rosterpb::MEMBER_ROLE_CUSTOMER_SUCCESS));
    expected.insert(member.id());
  }
  std::vector<std::string> seen;
  int pages = 0;
  rosterpb::ListMembersRequest request;
  request.set_team_id(team_a_.id());
  request.set_page_size(2);
  do {
    ASSERT_OK_AND_ASSIGN(rosterpb::ListMembersResponse page,
                         ListMembers(manager_a_token_, request));
    EXPECT_THAT(page.members(), SizeIs(2));
    for (const rosterpb::Member& member : page.members()) seen.push_back(member.id());
    request.set_page_token(page.next_page_token());
  } while (!request.page_token().empty() && ++pages < 10);
  EXPECT_THAT(seen, ElementsAreArray(expected));
}

TEST_P(RosterServiceTest, ListMembersWithoutATeamListsEveryoneForAdminAndService) {
  const std::vector<std::string> everyone = {manager_a_.id(), rep_a1_.id(), rep_a2_.id(),
                                             manager_b_.id(), rep_b1_.id()};
  for (const std::string* token : {&admin_token_, &service_token_}) {
    ASSERT_OK_AND_ASSIGN(rosterpb::ListMembersResponse all,
                         ListMembers(*token, rosterpb::ListMembersRequest()));
    EXPECT_THAT(Ids(all.members()), UnorderedElementsAreArray(everyone));
  }
}

// ---- Training ----

TEST_P(RosterServiceTest, RecordTrainingStoresTheSessionAndWhoRecordedIt) {
  rosterpb::TrainingSession input =
      Session(rep_a1_.id(), rosterpb::TRAINING_AREA_PROSPECTING, Day(2026, 6, 1));
  input.set_id("ts_chosen_by_the_client");
  input.set_recorded_by("someone-else");
  input.set_note("Cold-call workshop");

  ASSERT_OK_AND_ASSIGN(rosterpb::TrainingSession session, RecordTraining(manager_a_token_, input));
  EXPECT_FALSE(session.id().empty());
  EXPECT_NE(session.id(), "ts_chosen_by_the_client");
  EXPECT_EQ(session.member_id(), rep_a1_.id());
  EXPECT_EQ(session.area(), rosterpb::TRAINING_AREA_PROSPECTING);
  EXPECT_THAT(session.date(), DateIs("2026-06-01"));
  EXPECT_DOUBLE_EQ(session.hours(), 1.5);
  EXPECT_EQ(session.note(), "Cold-call workshop");
  EXPECT_EQ(session.recorded_by(), manager_a_.id());
  EXPECT_TRUE(session.has_create_time());

  ASSERT_OK_AND_ASSIGN(rosterpb::ListTrainingSessionsResponse listed,
                       MemberSessions(admin_token_, rep_a1_.id()));
  ASSERT_THAT(listed.sessions(), SizeIs(1));
  rosterpb::TrainingSession stored = listed.sessions(0);
  stored.clear_create_time();
  session.clear_create_time();
  EXPECT_THAT(stored, EqualsProto(session));
}

TEST_P(RosterServiceTest, ListTrainingSessionsIsNewestFirstByMemberTeamAndArea) {
  for (const auto& [member, area, date] :
       std::vector<std::tuple<std::string, rosterpb::TrainingArea, DateProto>>{
           {rep_a1_.id(), rosterpb::TRAINING_AREA_PROSPECTING, Day(2026, 4, 1)},
           {rep_a1_.id(), rosterpb::TRAINING_AREA_PRODUCT_KNOWLEDGE, Day(2026, 6, 1)},
           {rep_a1_.id(), rosterpb::TRAINING_AREA_PROSPECTING, Day(2026, 5, 1)},
           {rep_a2_.id(), rosterpb::TRAINING_AREA_TERRITORY_PLANNING, Day(2026, 5, 15)}}) {
    ASSERT_OK(RecordTraining(admin_token_, Session(member, area, date)).status());
  }
  auto dates = [](const rosterpb::ListTrainingSessionsResponse& response) {
    std::vector<std::string> out;
    for (const rosterpb::TrainingSession& s : response.sessions()) out.push_back(Iso(s.date()));
    return out;
  };

  ASSERT_OK_AND_ASSIGN(rosterpb::ListTrainingSessionsResponse member,
                       MemberSessions(admin_token_, rep_a1_.id()));
  EXPECT_THAT(dates(member), ElementsAre("2026-06-01", "2026-05-01", "2026-04-01"));

  rosterpb::ListTrainingSessionsRequest request;
  request.set_member_id(rep_a1_.id());
  request.set_area(rosterpb::TRAINING_AREA_PROSPECTING);
  ASSERT_OK_AND_ASSIGN(rosterpb::ListTrainingSessionsResponse prospecting,
                       ListTrainingSessions(admin_token_, request));
  EXPECT_THAT(dates(prospecting), ElementsAre("2026-05-01", "2026-04-01"));

  ASSERT_OK_AND_ASSIGN(rosterpb::ListTrainingSessionsResponse team,
                       TeamSessions(manager_a_token_, team_a_.id()));
  EXPECT_THAT(dates(team), ElementsAre("2026-06-01", "2026-05-15", "2026-05-01", "2026-04-01"));
  ASSERT_OK_AND_ASSIGN(rosterpb::ListTrainingSessionsResponse other,
                       TeamSessions(admin_token_, team_b_.id()));
  EXPECT_THAT(other.sessions(), IsEmpty());

  request.clear_area();
  request.set_page_size(2);
  ASSERT_OK_AND_ASSIGN(rosterpb::ListTrainingSessionsResponse first,
                       ListTrainingSessions(admin_token_, request));
  EXPECT_THAT(dates(first), ElementsAre("2026-06-01", "2026-05-01"));
  ASSERT_FALSE(first.next_page_token().empty());
  request.set_page_token(first.next_page_token());
  ASSERT_OK_AND_ASSIGN(rosterpb::ListTrainingSessionsResponse second,
                       ListTrainingSessions(admin_token_, request));
  EXPECT_THAT(dates(second), ElementsAre("2026-04-01"));
  EXPECT_EQ(second.next_page_token(), "");
}

TEST_P(RosterServiceTest, GetTrainingComplianceReportsWhoIsOverdueInWhichArea) {
  // Team A's cadence: product knowledge every 90 days, prospecting every 30.
  ASSERT_OK_AND_ASSIGN(rosterpb::Team team, CreateTeam(admin_token_, AssemblyTeam("Compliance")));
  ASSERT_OK_AND_ASSIGN(rosterpb::Member veteran,
                       NewMember(team.id(), rosterpb::MEMBER_ROLE_LEAD_GENERATION, "Veteran"));
  rosterpb::Member newcomer_profile = Profile("Newcomer");
  *newcomer_profile.mutable_hire_date() = Day(2026, 6, 1);
  ASSERT_OK_AND_ASSIGN(rosterpb::Member newcomer,
                       CreateMember(admin_token_, newcomer_profile, team.id(),
                                    rosterpb::MEMBER_ROLE_SALES_DEVELOPMENT));
  ASSERT_OK_AND_ASSIGN(rosterpb::Member leaver,
                       NewMember(team.id(), rosterpb::MEMBER_ROLE_ACCOUNT_EXECUTIVE, "Leaver"));
  ASSERT_OK(DeactivateMember(admin_token_, leaver, Day(2026, 6, 10)).status());
  ASSERT_OK(RecordTraining(admin_token_, Session(veteran.id(), rosterpb::TRAINING_AREA_PROSPECTING,
                                                 Day(2026, 3, 1)))
                .status());
  ASSERT_OK(RecordTraining(admin_token_, Session(veteran.id(), rosterpb::TRAINING_AREA_PROSPECTING,
                                                 Day(2026, 6, 1)))
                .status());

  // Today (2026-06-15 in Berlin).
  ASSERT_OK_AND_ASSIGN(rosterpb::GetTrainingComplianceResponse report,
                       GetTrainingCompliance(admin_token_, team.id()));
  EXPECT_EQ(report.team_id(), team.id());
  EXPECT_THAT(report.as_of(), DateIs("2026-06-15"));
  ASSERT_THAT(report.members(), SizeIs(2));  // the leaver is inactive
  EXPECT_EQ(report.overdue_member_count(), 1);
  std::map<std::string, rosterpb::MemberCompliance> by_member;
  for (const rosterpb::MemberCompliance& m : report.members()) by_member[m.member_id()] = m;
  ASSERT_EQ(by_member.count(veteran.id()), 1u);
  ASSERT_EQ(by_member.count(newcomer.id()), 1u);

  const rosterpb::MemberCompliance& v = by_member[veteran.id()];
  EXPECT_EQ(v.member_name(), "Veteran");
  EXPECT_EQ(v.role(), rosterpb::MEMBER_ROLE_LEAD_GENERATION);
  EXPECT_TRUE(v.any_overdue());
  ASSERT_THAT(v.areas(), SizeIs(2));
  // Product knowledge: never trained; due 90 days after the hire date.
  EXPECT_EQ(v.areas(0).area(), rosterpb::TRAINING_AREA_PRODUCT_KNOWLEDGE);
  EXPECT_FALSE(v.areas(0).has_last_session_date());
  EXPECT_THAT(v.areas(0).due_date(), DateIs(periods::FormatIsoDate(HireDay() + 90)));
  EXPECT_TRUE(v.areas(0).overdue());
  EXPECT_EQ(v.areas(0).days_overdue(), Today() - (HireDay() + 90));
  EXPECT_EQ(v.areas(0).days_overdue(), 71);
  // Prospecting: the latest session counts.
  EXPECT_EQ(v.areas(1).area(), rosterpb::TRAINING_AREA_PROSPECTING);
  EXPECT_THAT(v.areas(1).last_session_date(), DateIs("2026-06-01"));
  EXPECT_THAT(v.areas(1).due_date(), DateIs("2026-07-01"));
  EXPECT_FALSE(v.areas(1).overdue());
  EXPECT_EQ(v.areas(1).days_overdue(), 0);

  const rosterpb::MemberCompliance& n = by_member[newcomer.id()];
  EXPECT_FALSE(n.any_overdue());
  ASSERT_THAT(n.areas(), SizeIs(2));
  EXPECT_THAT(n.areas(0).due_date(),
              DateIs(periods::FormatIsoDate(periods::Date(2026, 6, 1) + 90)));
  EXPECT_THAT(n.areas(1).due_date(), DateIs("2026-07-01"));

  // As of 2026-04-01: the June session does not count yet, the newcomer was
  // not hired and the leaver was still there.
  ASSERT_OK_AND_ASSIGN(rosterpb::GetTrainingComplianceResponse then,
                       GetTrainingCompliance(admin_token_, team.id(), Day(2026, 4, 1)));
  EXPECT_THAT(then.as_of(), DateIs("2026-04-01"));
  by_member.clear();
  for (const rosterpb::MemberCompliance& m : then.members()) by_member[m.member_id()] = m;
  EXPECT_EQ(by_member.count(newcomer.id()), 0u);
  ASSERT_EQ(by_member.count(veteran.id()), 1u);
  ASSERT_EQ(by_member.count(leaver.id()), 1u);
  EXPECT_EQ(then.overdue_member_count(), 2);
  const rosterpb::MemberCompliance& v_then = by_member[veteran.id()];
  ASSERT_THAT(v_then.areas(), SizeIs(2));
  EXPECT_FALSE(v_then.areas(0).overdue());  // due 2026-04-05
  EXPECT_THAT(v_then.areas(1).last_session_date(), DateIs("2026-03-01"));
  EXPECT_THAT(v_then.areas(1).due_date(), DateIs("2026-03-31"));
  EXPECT_TRUE(v_then.areas(1).overdue());
  EXPECT_EQ(v_then.areas(1).days_overdue(), 1);
  const rosterpb::MemberCompliance& l_then = by_member[leaver.id()];
  ASSERT_THAT(l_then.areas(), SizeIs(2));
  EXPECT_TRUE(l_then.areas(1).overdue());
  EXPECT_EQ(l_then.areas(1).days_overdue(), periods::Date(2026, 4, 1) - (HireDay() + 30));
}

TEST_P(RosterServiceTest, SuggestRolesFollowsEachSellersSkillProfile) {
  ASSERT_OK_AND_ASSIGN(rosterpb::Team team, CreateTeam(admin_token_, AssemblyTeam("Suggestions")));
  auto add =
      [&](absl::string_view name, rosterpb::MemberRole role,
          std::vector<std::pair<rosterpb::Skill, int>> skills) -> absl::StatusOr<rosterpb::Member> {
    rosterpb::Member profile = Profile(name);
    profile.clear_skills();
    for (const auto& [skill, level] : skills) AddSkill(profile, skill, level);
    return CreateMember(admin_token_, profile, team.id(), role);
  };
  ASSERT_OK_AND_ASSIGN(rosterpb::Member closer, add("Closer", rosterpb::MEMBER_ROLE_LEAD_GENERATION,
                                                    {{rosterpb::SKILL_CLOSING, 5}}));
  ASSERT_OK_AND_ASSIGN(rosterpb::Member hunter,
                       add("Hunter", rosterpb::MEMBER_ROLE_SALES_DEVELOPMENT,
                           {{rosterpb::SKILL_PROSPECTING, 5}, {rosterpb::SKILL_PRESENTING, 2}}));
  ASSERT_OK_AND_ASSIGN(
      rosterpb::Member farmer,
      add("Farmer", rosterpb::MEMBER_ROLE_CUSTOMER_SUCCESS,
          {{rosterpb::SKILL_RELATIONSHIP_BUILDING, 4}, {rosterpb::SKILL_ACCOUNT_MANAGEMENT, 5}}));
  ASSERT_OK_AND_ASSIGN(
      rosterpb::Member qualifier,
      add("Qualifier", rosterpb::MEMBER_ROLE_ACCOUNT_EXECUTIVE, {{rosterpb::SKILL_QUALIFYING, 4}}));
  ASSERT_OK_AND_ASSIGN(rosterpb::Member gone, add("Gone", rosterpb::MEMBER_ROLE_LEAD_GENERATION,
                                                  {{rosterpb::SKILL_CLOSING, 5}}));
  ASSERT_OK(DeactivateMember(admin_token_, gone, Day(2026, 6, 1)).status());

  ASSERT_OK_AND_ASSIGN(rosterpb::SuggestRolesResponse response,
                       SuggestRoles(admin_token_, team.id()));
  std::map<std::string, rosterpb::RoleSuggestion> by_member;
  for (const rosterpb::RoleSuggestion& s : response.suggestions()) by_member[s.member_id()] = s;
  EXPECT_EQ(by_member.count(gone.id()), 0u) << "inactive members get no suggestion";
  ASSERT_EQ(by_member.size(), 4u);

  const rosterpb::RoleSuggestion& c = by_member[closer.id()];
  EXPECT_EQ(c.member_name(), "Closer");
  EXPECT_EQ(c.current_role(), rosterpb::MEMBER_ROLE_LEAD_GENERATION);
  EXPECT_EQ(c.suggested_role(), rosterpb::MEMBER_ROLE_ACCOUNT_EXECUTIVE);
  EXPECT_TRUE(c.is_change());
  EXPECT_THAT(c.reason(), HasSubstr("closing"));

  const rosterpb::RoleSuggestion& h = by_member[hunter.id()];
  EXPECT_EQ(h.suggested_role(), rosterpb::MEMBER_ROLE_LEAD_GENERATION);
  EXPECT_TRUE(h.is_change());
  EXPECT_THAT(h.reason(), AllOf(HasSubstr("prospecting"), HasSubstr("presenting")));

  const rosterpb::RoleSuggestion& f = by_member[farmer.id()];
  EXPECT_EQ(f.suggested_role(), rosterpb::MEMBER_ROLE_CUSTOMER_SUCCESS);
  EXPECT_FALSE(f.is_change());
  EXPECT_THAT(f.reason(), HasSubstr("relationship building"));

  const rosterpb::RoleSuggestion& q = by_member[qualifier.id()];
  EXPECT_EQ(q.suggested_role(), rosterpb::MEMBER_ROLE_SALES_DEVELOPMENT);
  EXPECT_TRUE(q.is_change());

  // Island team: every seller runs the whole cycle, whatever their skills.
  ASSERT_OK_AND_ASSIGN(rosterpb::SuggestRolesResponse island,
                       SuggestRoles(admin_token_, team_b_.id()));
  bool found = false;
  for (const rosterpb::RoleSuggestion& s : island.suggestions()) {
    if (s.member_id() != rep_b1_.id()) continue;
    found = true;
    EXPECT_EQ(s.suggested_role(), rosterpb::MEMBER_ROLE_FULL_CYCLE);
    EXPECT_FALSE(s.is_change());
    EXPECT_FALSE(s.reason().empty());
  }
  EXPECT_TRUE(found);
}

// ---- Sales-model rules ----

TEST_P(RosterServiceTest, AnAssemblyLineRefusesFullCycleOnCreateAndOnMove) {
  EXPECT_THAT(NewMember(team_a_.id(), rosterpb::MEMBER_ROLE_FULL_CYCLE),
              StatusIs(kInvalidArgument, HasSubstr("role")));
  EXPECT_THAT(MoveMember(admin_token_, rep_a1_, team_a_.id(), rosterpb::MEMBER_ROLE_FULL_CYCLE,
                         Day(2026, 6, 15)),
              StatusIs(kInvalidArgument, HasSubstr("role")));
  EXPECT_THAT(MoveMember(admin_token_, rep_b1_, team_a_.id(), rosterpb::MEMBER_ROLE_FULL_CYCLE,
                         Day(2026, 6, 15)),
              StatusIs(kInvalidArgument, HasSubstr("role")));

  ASSERT_OK_AND_ASSIGN(rosterpb::ListMembersResponse a,
                       ListTeamMembers(admin_token_, team_a_.id()));
  EXPECT_THAT(a.members(), SizeIs(3));
  ASSERT_OK_AND_ASSIGN(rosterpb::Member a1, GetMember(admin_token_, rep_a1_.id()));
  EXPECT_EQ(a1.role(), rosterpb::MEMBER_ROLE_LEAD_GENERATION);
  EXPECT_EQ(a1.version(), 1);

  for (rosterpb::MemberRole role :
       {rosterpb::MEMBER_ROLE_LEAD_GENERATION, rosterpb::MEMBER_ROLE_SALES_DEVELOPMENT,
        rosterpb::MEMBER_ROLE_ACCOUNT_EXECUTIVE, rosterpb::MEMBER_ROLE_CUSTOMER_SUCCESS,
        rosterpb::MEMBER_ROLE_MANAGER}) {
    SCOPED_TRACE(rosterpb::MemberRole_Name(role));
    EXPECT_OK(NewMember(team_a_.id(), role).status());
  }
}

TEST_P(RosterServiceTest, AnIslandTeamTakesFullCycleSellersAndManagersOnly) {
  for (rosterpb::MemberRole role :
       {rosterpb::MEMBER_ROLE_LEAD_GENERATION, rosterpb::MEMBER_ROLE_SALES_DEVELOPMENT,
        rosterpb::MEMBER_ROLE_ACCOUNT_EXECUTIVE, rosterpb::MEMBER_ROLE_CUSTOMER_SUCCESS}) {
    SCOPED_TRACE(rosterpb::MemberRole_Name(role));
    EXPECT_THAT(NewMember(team_b_.id(), role), StatusIs(kInvalidArgument, HasSubstr("role")));
  }
  EXPECT_OK(NewMember(team_b_.id(), rosterpb::MEMBER_ROLE_FULL_CYCLE).status());
  EXPECT_OK(NewMember(team_b_.id(), rosterpb::MEMBER_ROLE_MANAGER).status());

  EXPECT_THAT(MoveMember(admin_token_, rep_a1_, team_b_.id(), rosterpb::MEMBER_ROLE_LEAD_GENERATION,
                         Day(2026, 6, 15)),
              StatusIs(kInvalidArgument, HasSubstr("role")));
  ASSERT_OK_AND_ASSIGN(rosterpb::Member moved,
                       MoveMember(admin_token_, rep_a1_, team_b_.id(),
                                  rosterpb::MEMBER_ROLE_FULL_CYCLE, Day(2026, 6, 15)));
  EXPECT_EQ(moved.team_id(), team_b_.id());
  EXPECT_EQ(moved.role(), rosterpb::MEMBER_ROLE_FULL_CYCLE);
}

TEST_P(RosterServiceTest, MovingToATeamThatDoesNotExistIsRefusedNamingIt) {
  EXPECT_THAT(
      MoveMember(admin_token_, rep_a1_, "tm_missing", rosterpb::MEMBER_ROLE_LEAD_GENERATION,
                 Day(2026, 6, 15)),
      AnyOf(StatusIs(kInvalidArgument, AllOf(HasSubstr("team_id"), HasSubstr("tm_missing"))),
            StatusIs(kNotFound, HasSubstr("tm_missing"))));
  EXPECT_THAT(
      NewMember("tm_missing", rosterpb::MEMBER_ROLE_LEAD_GENERATION),
      AnyOf(StatusIs(kInvalidArgument, AllOf(HasSubstr("team_id"), HasSubstr("tm_missing"))),
            StatusIs(kNotFound, HasSubstr("tm_missing"))));
  ASSERT_OK_AND_ASSIGN(rosterpb::Member read, GetMember(admin_token_, rep_a1_.id()));
  EXPECT_EQ(read.team_id(), team_a_.id());
  EXPECT_EQ(read.version(), 1);
}

// ---- The cache ----

TEST_P(RosterServiceTest, EveryMemberWriteInvalidatesTheCachedMember) {
  auto read_both = [&](const std::string& why) -> std::pair<rosterpb::Member, rosterpb::Member> {
    SCOPED_TRACE(why);
    absl::StatusOr<rosterpb::Member> single = GetMember(service_token_, rep_a1_.id());
    absl::StatusOr<rosterpb::BatchGetMembersResponse> batch =
        BatchGetMembers(service_token_, {rep_a1_.id()});
    EXPECT_OK(single.status());
    EXPECT_OK(batch.status());
    if (!single.ok() || !batch.ok() || batch->members_size() != 1) return {};
    return {*single, batch->members(0)};
  };
  read_both("warm the cache");
  read_both("served from the cache");

  rosterpb::Member change = rep_a1_;
  change.set_name("Renamed While Cached");
  ASSERT_OK_AND_ASSIGN(rosterpb::Member renamed, UpdateMember(admin_token_, change, {"name"}));
  auto [single, batched] = read_both("after UpdateMember");
  EXPECT_EQ(single.name(), "Renamed While Cached");
  EXPECT_EQ(batched.name(), "Renamed While Cached");
  EXPECT_EQ(single.version(), 2);

  ASSERT_OK_AND_ASSIGN(rosterpb::Member moved,
                       MoveMember(admin_token_, renamed, team_a_.id(),
                                  rosterpb::MEMBER_ROLE_SALES_DEVELOPMENT, Day(2026, 6, 15)));
  std::tie(single, batched) = read_both("after MoveMember");
  EXPECT_EQ(single.role(), rosterpb::MEMBER_ROLE_SALES_DEVELOPMENT);
  EXPECT_EQ(batched.role(), rosterpb::MEMBER_ROLE_SALES_DEVELOPMENT);
  EXPECT_THAT(batched.assignments(), SizeIs(2));

  ASSERT_OK(DeactivateMember(admin_token_, moved, Day(2026, 6, 15)).status());
  std::tie(single, batched) = read_both("after DeactivateMember");
  EXPECT_FALSE(single.active());
  EXPECT_FALSE(batched.active());
  EXPECT_EQ(batched.version(), 4);
}

TEST_P(RosterServiceRedisDownTest, MemberLookupsUseTheCacheAndWritesInvalidateIt) {
  const int64_t before = fake_cache_->commands_executed();
  ASSERT_OK(GetMember(service_token_, rep_a1_.id()).status());
  ASSERT_OK(BatchGetMembers(service_token_, {rep_a1_.id(), rep_a2_.id()}).status());
  EXPECT_GT(fake_cache_->commands_executed(), before) << "member lookups never reach the cache";

  rosterpb::Member change = rep_a1_;
  change.set_name("Seen At Once");
  ASSERT_OK_AND_ASSIGN(rosterpb::Member renamed, UpdateMember(admin_token_, change, {"name"}));
  ASSERT_OK_AND_ASSIGN(rosterpb::Member read, GetMember(service_token_, rep_a1_.id()));
  EXPECT_EQ(read.name(), "Seen At Once");
  ASSERT_OK_AND_ASSIGN(rosterpb::BatchGetMembersResponse batch,
                       BatchGetMembers(service_token_, {rep_a1_.id()}));
  ASSERT_THAT(batch.members(), SizeIs(1));
  EXPECT_EQ(batch.members(0).name(), "Seen At Once");

  // Redis goes away: answers come from the database, and are current.
  fake_cache_->SetAvailable(false);
  change = renamed;
  change.set_name("Written While Redis Was Down");
  ASSERT_OK(UpdateMember(admin_token_, change, {"name"}).status());
  ASSERT_OK_AND_ASSIGN(read, GetMember(service_token_, rep_a1_.id()));
  EXPECT_EQ(read.name(), "Written While Redis Was Down");
  ASSERT_OK_AND_ASSIGN(batch, BatchGetMembers(service_token_, {rep_a1_.id(), rep_a2_.id()}));
  EXPECT_THAT(Ids(batch.members()), ElementsAre(rep_a1_.id(), rep_a2_.id()));
  EXPECT_EQ(batch.members(0).name(), "Written While Redis Was Down");
}

TEST_P(RosterServiceRedisDownTest, EveryRpcAnswersCorrectlyWhileRedisIsDown) {
  fake_cache_->SetAvailable(false);
  const int64_t calls_before = fake_cache_->calls();

  ASSERT_OK_AND_ASSIGN(rosterpb::Team team, CreateTeam(admin_token_, AssemblyTeam("Offline")));
  EXPECT_EQ(team.version(), 1);
  ASSERT_OK_AND_ASSIGN(rosterpb::Team read_team, GetTeam(admin_token_, team.id()));
  EXPECT_EQ(read_team.name(), "Offline");
  rosterpb::Team team_change = read_team;
  team_change.set_name("Offline renamed");
  ASSERT_OK_AND_ASSIGN(rosterpb::Team renamed_team,
                       UpdateTeam(admin_token_, team_change, {"name"}));
  EXPECT_EQ(renamed_team.version(), 2);
  ASSERT_OK_AND_ASSIGN(rosterpb::ListTeamsResponse teams, ListTeams(admin_token_, 0));
  EXPECT_THAT(teams.teams(), SizeIs(3));

  ASSERT_OK_AND_ASSIGN(rosterpb::Member member,
                       NewMember(team.id(), rosterpb::MEMBER_ROLE_LEAD_GENERATION, "Offline Rep"));
  ASSERT_OK_AND_ASSIGN(rosterpb::Member read, GetMember(rep_a_token_, rep_a2_.id()));
  EXPECT_EQ(read.name(), "Arno Closer");
  ExpectManagementData(read, false);
  ASSERT_OK_AND_ASSIGN(read, GetMember(service_token_, member.id()));
  EXPECT_EQ(read.name(), "Offline Rep");
  ExpectManagementData(read, true);
  ASSERT_OK_AND_ASSIGN(rosterpb::BatchGetMembersResponse batch,
                       BatchGetMembers(service_token_, {member.id(), "mb_missing", rep_a1_.id()}));
  EXPECT_THAT(Ids(batch.members()), ElementsAre(member.id(), rep_a1_.id()));
  EXPECT_THAT(batch.missing_member_ids(), ElementsAre("mb_missing"));

  rosterpb::Member change = member;
  change.set_name("Offline Renamed");
  ASSERT_OK_AND_ASSIGN(member, UpdateMember(admin_token_, change, {"name"}));
  ASSERT_OK_AND_ASSIGN(read, GetMember(service_token_, member.id()));
  EXPECT_EQ(read.name(), "Offline Renamed");

  ASSERT_OK_AND_ASSIGN(
      member, MoveMember(admin_token_, member, team.id(), rosterpb::MEMBER_ROLE_ACCOUNT_EXECUTIVE,
                         Day(2026, 3, 1)));
  ASSERT_OK_AND_ASSIGN(read, GetMember(service_token_, member.id(), Day(2026, 2, 1)));
  EXPECT_EQ(read.role(), rosterpb::MEMBER_ROLE_LEAD_GENERATION);
  ASSERT_OK_AND_ASSIGN(read, GetMember(service_token_, member.id()));
  EXPECT_EQ(read.role(), rosterpb::MEMBER_ROLE_ACCOUNT_EXECUTIVE);

  ASSERT_OK(RecordTraining(admin_token_, Session(member.id(), rosterpb::TRAINING_AREA_PROSPECTING,
                                                 Day(2026, 6, 1)))
                .status());
  ASSERT_OK_AND_ASSIGN(rosterpb::ListTrainingSessionsResponse sessions,
                       MemberSessions(admin_token_, member.id()));
  EXPECT_THAT(sessions.sessions(), SizeIs(1));
  ASSERT_OK_AND_ASSIGN(rosterpb::GetTrainingComplianceResponse compliance,
                       GetTrainingCompliance(admin_token_, team.id()));
  ASSERT_THAT(compliance.members(), SizeIs(1));
  EXPECT_EQ(compliance.overdue_member_count(), 1);  // product knowledge, due 2026-04-05
  ASSERT_OK_AND_ASSIGN(rosterpb::SuggestRolesResponse suggestions,
                       SuggestRoles(admin_token_, team.id()));
  EXPECT_THAT(suggestions.suggestions(), SizeIs(1));

  ASSERT_OK_AND_ASSIGN(member, DeactivateMember(admin_token_, member, Day(2026, 6, 10)));
  ASSERT_OK_AND_ASSIGN(read, GetMember(service_token_, member.id()));
  EXPECT_FALSE(read.active());
  ASSERT_OK_AND_ASSIGN(rosterpb::ListMembersResponse listed,
                       ListTeamMembers(admin_token_, team.id()));
  EXPECT_THAT(listed.members(), IsEmpty());

  EXPECT_GT(fake_cache_->calls(), calls_before) << "the service never tried the cache";
}

// ---- Privacy: who reads what ----

// Each member read (GetMember, BatchGetMembers, ListMembers of the member's
// team, ListTrainingSessions of the member) for each kind of caller, with the
// management data present exactly for the member's managers, admin and
// service. The rows alternate between callers who see management data and
// callers who do not, so a member cached for one caller and served unchanged
// to the next is caught either way.
TEST_P(RosterServiceTest, MemberReadsFollowThePrivacyMatrix) {
  for (const rosterpb::Member* member : {&rep_a1_, &rep_a2_, &rep_b1_}) {
    ASSERT_OK(
        RecordTraining(admin_token_,
                       Session(member->id(), rosterpb::TRAINING_AREA_PROSPECTING, Day(2026, 6, 1)))
            .status());
  }
  struct Case {
    std::string who;
    const std::string* token;
    const rosterpb::Member* target;
    bool allowed;
    bool management_data;
    // Training records are management reports: a rep sees only their own.
    bool training;
  };
  const std::vector<Case> cases = {
      {"rep reading themself", &rep_a_token_, &rep_a1_, true, false, true},
      {"manager of the member's team", &manager_a_token_, &rep_a1_, true, true, true},
      {"rep reading a teammate", &rep_a_token_, &rep_a2_, true, false, false},
      {"admin", &admin_token_, &rep_a2_, true, true, true},
      {"rep reading themself again", &rep_a_token_, &rep_a1_, true, false, true},
      {"service", &service_token_, &rep_a1_, true, true, true},
      {"rep of another team", &rep_b_token_, &rep_a1_, false, false, false},
      {"manager of another team", &manager_b_token_, &rep_a1_, false, false, false},
      {"rep reading a teammate again", &rep_a_token_, &rep_a2_, true, false, false},
      {"manager of team B on their rep", &manager_b_token_, &rep_b1_, true, true, true},
      {"rep B reading themself", &rep_b_token_, &rep_b1_, true, false, true},
      {"rep of team A on team B", &rep_a_token_, &rep_b1_, false, false, false},
      {"manager of team A on team B", &manager_a_token_, &rep_b1_, false, false, false},
      {"rep reading their manager", &rep_a_token_, &manager_a_, true, false, false},
      {"admin on a manager", &admin_token_, &manager_a_, true, true, true},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.who);
    const std::string& token = *c.token;
    const rosterpb::Member& target = *c.target;

    for (const std::optional<DateProto>& as_of :
         {std::optional<DateProto>(), std::optional<DateProto>(Day(2026, 3, 1))}) {
      SCOPED_TRACE(as_of.has_value() ? "GetMember as of 2026-03-01" : "GetMember");
      absl::StatusOr<rosterpb::Member> got = GetMember(token, target.id(), as_of);
      if (!c.allowed) {
        EXPECT_THAT(got, StatusIs(kPermissionDenied));
        continue;
      }
      ASSERT_OK(got.status());
      EXPECT_EQ(got->name(), target.name());
      EXPECT_EQ(got->role(), target.role());
      EXPECT_THAT(got->contact_channels(), SizeIs(target.contact_channels_size()));
      ExpectManagementData(*got, c.management_data);
      if (c.management_data) {
        EXPECT_EQ(got->value_tier(), target.value_tier());
        EXPECT_THAT(got->motivators(), ElementsAreArray(target.motivators()));
      }
    }

    {
      SCOPED_TRACE("BatchGetMembers");
      absl::StatusOr<rosterpb::BatchGetMembersResponse> batch =
          BatchGetMembers(token, {target.id()});
      if (!c.allowed) {
        EXPECT_THAT(batch, StatusIs(kPermissionDenied));
      } else {
        ASSERT_OK(batch.status());
        ASSERT_THAT(batch->members(), SizeIs(1));
        EXPECT_EQ(batch->members(0).name(), target.name());
        ExpectManagementData(batch->members(0), c.management_data);
      }
    }

    {
      SCOPED_TRACE("ListMembers of the member's team");
      absl::StatusOr<rosterpb::ListMembersResponse> list = ListTeamMembers(token, target.team_id());
      if (!c.allowed) {
        EXPECT_THAT(list, StatusIs(kPermissionDenied));
      } else {
        ASSERT_OK(list.status());
        ASSERT_NE(FindMember(list->members(), target.id()), nullptr);
        for (const rosterpb::Member& member : list->members()) {
          ExpectManagementData(member, c.management_data);
        }
      }
    }

    {
      SCOPED_TRACE("ListTrainingSessions of the member");
      absl::StatusOr<rosterpb::ListTrainingSessionsResponse> sessions =
          MemberSessions(token, target.id());
      if (c.training) {
        ASSERT_OK(sessions.status());
        EXPECT_THAT(sessions->sessions(), SizeIs(target.id() == manager_a_.id() ? 0 : 1));
      } else {
        EXPECT_THAT(sessions, StatusIs(kPermissionDenied));
      }
    }
  }
}

// A batch mixing members the caller may read with one they may not must not
// hand out the latter.
TEST_P(RosterServiceTest, BatchGetMembersNeverReturnsAnotherTeamsMemberToARep) {
  absl::StatusOr<rosterpb::BatchGetMembersResponse> batch =
      BatchGetMembers(rep_a_token_, {rep_a2_.id(), rep_b1_.id()});
  if (batch.ok()) {
    EXPECT_EQ(FindMember(batch->members(), rep_b1_.id()), nullptr);
  } else {
    EXPECT_THAT(batch, StatusIs(kPermissionDenied));
  }
  absl::StatusOr<rosterpb::BatchGetMembersResponse> manager_batch =
      BatchGetMembers(manager_b_token_, {rep_a2_.id(), rep_b1_.id()});
  if (manager_batch.ok()) {
    EXPECT_EQ(FindMember(manager_batch->members(), rep_a2_.id()), nullptr);
  } else {
    EXPECT_THAT(manager_batch, StatusIs(kPermissionDenied));
  }
}

// Each team read (GetTeam, ListTeams, ListMembers, ListTrainingSessions of
// the team, GetTrainingCompliance, SuggestRoles) for each kind of caller.
TEST_P(RosterServiceTest, TeamReadsFollowThePrivacyMatrix) {
  ASSERT_OK(RecordTraining(admin_token_, Session(rep_a1_.id(), rosterpb::TRAINING_AREA_PROSPECTING,
                                                 Day(2026, 6, 1)))
                .status());
  struct Case {
    std::string who;
    const std::string* token;
    const rosterpb::Team* team;
    bool roster;  // GetTeam, ListTeams, ListMembers
    // Training sessions, compliance and role suggestions of the team are
    // management reports: for its managers, admin and service, not its reps.
    bool management_reads;
  };
  const std::vector<Case> cases = {
      {"rep of the team", &rep_a_token_, &team_a_, true, false},
      {"rep of another team", &rep_b_token_, &team_a_, false, false},
      {"manager of the team", &manager_a_token_, &team_a_, true, true},
      {"manager of another team", &manager_b_token_, &team_a_, false, false},
      {"admin", &admin_token_, &team_a_, true, true},
      {"service", &service_token_, &team_a_, true, true},
      {"rep of team A on team B", &rep_a_token_, &team_b_, false, false},
      {"manager of team A on team B", &manager_a_token_, &team_b_, false, false},
      {"manager of team B on team B", &manager_b_token_, &team_b_, true, true},
      {"rep of team B on team B", &rep_b_token_, &team_b_, true, false},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.who);
    const std::string& token = *c.token;
    const std::string& team_id = c.team->id();

    absl::StatusOr<rosterpb::Team> team = GetTeam(token, team_id);
    if (c.roster) {
      ASSERT_OK(team.status()) << "GetTeam";
      EXPECT_EQ(team->name(), c.team->name());
    } else {
      EXPECT_THAT(team, StatusIs(kPermissionDenied)) << "GetTeam";
    }

    absl::StatusOr<rosterpb::ListTeamsResponse> teams = ListTeams(token, 0);
    ASSERT_OK(teams.status()) << "ListTeams";
    EXPECT_EQ(absl::c_linear_search(Ids(teams->teams()), team_id), c.roster) << "ListTeams";

    absl::StatusOr<rosterpb::ListMembersResponse> members = ListTeamMembers(token, team_id);
    if (c.roster) {
      EXPECT_OK(members.status()) << "ListMembers";
    } else {
      EXPECT_THAT(members, StatusIs(kPermissionDenied)) << "ListMembers";
    }

    const std::vector<std::pair<std::string, absl::Status>> reads = {
        {"ListTrainingSessions", TeamSessions(token, team_id).status()},
        {"GetTrainingCompliance", GetTrainingCompliance(token, team_id).status()},
        {"SuggestRoles", SuggestRoles(token, team_id).status()},
    };
    for (const auto& [rpc, status] : reads) {
      SCOPED_TRACE(rpc);
      if (c.management_reads) {
        EXPECT_OK(status);
      } else {
        EXPECT_THAT(status, StatusIs(kPermissionDenied));
      }
    }
  }

  // ListTeams lists exactly the teams the caller may read.
  for (const auto& [who, token, expected] :
       std::vector<std::tuple<std::string, std::string, std::vector<std::string>>>{
           {"rep of A", rep_a_token_, {team_a_.id()}},
           {"rep of B", rep_b_token_, {team_b_.id()}},
           {"manager of A", manager_a_token_, {team_a_.id()}},
           {"manager of B", manager_b_token_, {team_b_.id()}},
           {"admin", admin_token_, {team_a_.id(), team_b_.id()}},
           {"service", service_token_, {team_a_.id(), team_b_.id()}}}) {
    SCOPED_TRACE(who);
    ASSERT_OK_AND_ASSIGN(rosterpb::ListTeamsResponse teams, ListTeams(token, 0));
    EXPECT_THAT(Ids(teams.teams()), UnorderedElementsAreArray(expected));
  }

  // Listing every member is for admin and service only.
  for (const std::string* token :
       {&rep_a_token_, &rep_b_token_, &manager_a_token_, &manager_b_token_}) {
    EXPECT_THAT(
        ListMembers(*token, rosterpb::ListMembersRequest()),
        AnyOf(StatusIs(kPermissionDenied), StatusIs(kInvalidArgument, HasSubstr("team_id"))));
  }
}

// ---- Privacy: who writes what ----

TEST_P(RosterServiceTest, OnlyAdminsAndTheTeamsManagersWrite) {
  struct Caller {
    std::string who;
    const std::string* token;
  };
  const std::vector<Caller> callers = {
      {"rep of A", &rep_a_token_},
      {"rep of B", &rep_b_token_},
      {"manager of A", &manager_a_token_},
      {"manager of B", &manager_b_token_},
      {"admin", &admin_token_},
  };
  // Each write runs on a fresh member (created by the admin) so that the
  // cases do not depend on each other; it returns the write's status and the
  // id of the member it touched ("" when none).
  struct Write {
    std::string what;
    std::set<std::string> allowed;  // callers who may
    std::function<std::pair<absl::Status, std::string>(const std::string& token)> run;
  };
  const std::set<std::string> only_admin = {"admin"};
  const std::set<std::string> team_a_writers = {"admin", "manager of A"};
  const std::set<std::string> team_b_writers = {"admin", "manager of B"};
  auto fresh = [this](const rosterpb::Team& team) {
    const rosterpb::MemberRole role = team.sales_model() == rosterpb::SALES_MODEL_ISLAND
                                          ? rosterpb::MEMBER_ROLE_FULL_CYCLE
                                          : rosterpb::MEMBER_ROLE_ACCOUNT_EXECUTIVE;
    absl::StatusOr<rosterpb::Member> member = NewMember(team.id(), role, "Write Target");
    EXPECT_OK(member.status()) << "creating the target";
    return member.ok() ? *member : rosterpb::Member();
  };
  auto update_member = [this, fresh](const rosterpb::Team& team) {
    return [this, fresh, &team](const std::string& token) {
      rosterpb::Member member = fresh(team);
      member.set_name("Changed");
      return std::make_pair(UpdateMember(token, member, {"name"}).status(), member.id());
    };
  };
  auto move_member = [this, fresh](const rosterpb::Team& from, const rosterpb::Team& to,
                                   rosterpb::MemberRole role) {
    return [this, fresh, &from, &to, role](const std::string& token) {
      rosterpb::Member member = fresh(from);
      return std::make_pair(MoveMember(token, member, to.id(), role, Day(2026, 6, 15)).status(),
                            member.id());
    };
  };
  auto deactivate_member = [this, fresh](const rosterpb::Team& team) {
    return [this, fresh, &team](const std::string& token) {
      rosterpb::Member member = fresh(team);
      return std::make_pair(DeactivateMember(token, member, Day(2026, 6, 15)).status(),
                            member.id());
    };
  };
  auto record_training = [this, fresh](const rosterpb::Team& team) {
    return [this, fresh, &team](const std::string& token) {
      rosterpb::Member member = fresh(team);
      absl::Status status =
          RecordTraining(token,
                         Session(member.id(), rosterpb::TRAINING_AREA_PROSPECTING, Day(2026, 6, 1)))
              .status();
      return std::make_pair(status, std::string());
    };
  };
  auto update_team = [this](const rosterpb::Team& team) {
    return [this, &team](const std::string& token) {
      absl::StatusOr<rosterpb::Team> current = GetTeam(admin_token_, team.id());
      EXPECT_OK(current.status());
      rosterpb::Team change = current.ok() ? *current : team;
      change.set_name(absl::StrCat(team.name(), "+"));
      return std::make_pair(UpdateTeam(token, change, {"name"}).status(), std::string());
    };
  };
  auto create_member = [this](const rosterpb::Team& team) {
    return [this, &team](const std::string& token) {
      const rosterpb::MemberRole role = team.sales_model() == rosterpb::SALES_MODEL_ISLAND
                                            ? rosterpb::MEMBER_ROLE_FULL_CYCLE
                                            : rosterpb::MEMBER_ROLE_LEAD_GENERATION;
      return std::make_pair(CreateMember(token, Profile("Created"), team.id(), role).status(),
                            std::string());
    };
  };
  const std::vector<Write> writes = {
      {"CreateTeam", only_admin,
       [this](const std::string& token) {
         return std::make_pair(CreateTeam(token, AssemblyTeam("New team")).status(), std::string());
       }},
      {"UpdateTeam A", team_a_writers, update_team(team_a_)},
      {"UpdateTeam B", team_b_writers, update_team(team_b_)},
      {"CreateMember in A", team_a_writers, create_member(team_a_)},
      {"CreateMember in B", team_b_writers, create_member(team_b_)},
      {"UpdateMember in A", team_a_writers, update_member(team_a_)},
      {"UpdateMember in B", team_b_writers, update_member(team_b_)},
      {"MoveMember within A", team_a_writers,
       move_member(team_a_, team_a_, rosterpb::MEMBER_ROLE_CUSTOMER_SUCCESS)},
      {"MoveMember within B", team_b_writers,
       move_member(team_b_, team_b_, rosterpb::MEMBER_ROLE_MANAGER)},
      // Moving someone into a team writes that team's roster too.
      {"MoveMember from A to B", only_admin,
       move_member(team_a_, team_b_, rosterpb::MEMBER_ROLE_FULL_CYCLE)},
      {"DeactivateMember in A", team_a_writers, deactivate_member(team_a_)},
      {"DeactivateMember in B", team_b_writers, deactivate_member(team_b_)},
      {"RecordTraining in A", team_a_writers, record_training(team_a_)},
      {"RecordTraining in B", team_b_writers, record_training(team_b_)},
  };
  for (const Write& write : writes) {
    for (const Caller& caller : callers) {
      SCOPED_TRACE(absl::StrCat(write.what, " by ", caller.who));
      const auto [status, member_id] = write.run(*caller.token);
      if (write.allowed.count(caller.who) > 0) {
        EXPECT_OK(status);
      } else {
        EXPECT_THAT(status, StatusIs(kPermissionDenied));
        if (!member_id.empty()) {
          absl::StatusOr<rosterpb::Member> after = GetMember(admin_token_, member_id);
          ASSERT_OK(after.status());
          EXPECT_EQ(after->version(), 1) << "a refused write changed the member";
        }
      }
    }
  }

  // A rep may not write their own record either.
  rosterpb::Member self = rep_a1_;
  self.set_name("Self Promoted");
  EXPECT_THAT(UpdateMember(rep_a_token_, self, {"name"}), StatusIs(kPermissionDenied));
  self.set_value_tier(1);
  EXPECT_THAT(UpdateMember(rep_a_token_, self, {"value_tier"}), StatusIs(kPermissionDenied));
  EXPECT_THAT(
      RecordTraining(rep_a_token_,
                     Session(rep_a1_.id(), rosterpb::TRAINING_AREA_PROSPECTING, Day(2026, 6, 1))),
      StatusIs(kPermissionDenied));
  EXPECT_THAT(DeactivateMember(rep_a_token_, rep_a1_), StatusIs(kPermissionDenied));
  ASSERT_OK_AND_ASSIGN(rosterpb::Member read, GetMember(admin_token_, rep_a1_.id()));
  EXPECT_EQ(read.version(), 1);
  ASSERT_OK_AND_ASSIGN(rosterpb::ListTrainingSessionsResponse sessions,
                       MemberSessions(admin_token_, rep_a1_.id()));
  EXPECT_THAT(sessions.sessions(), IsEmpty());
}

TEST_P(RosterServiceTest, CallsWithoutAValidTokenAreUnauthenticated) {
  auth::Principal stranger;
  stranger.subject = "admin-1";
  stranger.role = auth::Role::kAdmin;
  absl::StatusOr<std::string> wrong_secret = auth::MintToken(
      "another-secret-that-is-long-enough-0123456789", stranger, absl::Hours(1), absl::Now());
  ASSERT_OK(wrong_secret.status());
  absl::StatusOr<std::string> expired =
      auth::MintToken(harness_->secret(), stranger, absl::Minutes(1), absl::Now() - absl::Hours(2));
  ASSERT_OK(expired.status());

  rosterpb::Member change = rep_a1_;
  change.set_name("Anonymous");
  const std::vector<std::pair<std::string, std::function<absl::Status(const std::string&)>>> rpcs =
      {
          {"CreateTeam",
           [&](const std::string& t) { return CreateTeam(t, AssemblyTeam("Anon")).status(); }},
          {"GetTeam", [&](const std::string& t) { return GetTeam(t, team_a_.id()).status(); }},
          {"UpdateTeam",
           [&](const std::string& t) { return UpdateTeam(t, team_a_, {"name"}).status(); }},
          {"ListTeams", [&](const std::string& t) { return ListTeams(t, 0).status(); }},
          {"CreateMember",
           [&](const std::string& t) {
             return CreateMember(t, Profile("Anon"), team_a_.id(),
                                 rosterpb::MEMBER_ROLE_LEAD_GENERATION)
                 .status();
           }},
          {"GetMember", [&](const std::string& t) { return GetMember(t, rep_a1_.id()).status(); }},
          {"BatchGetMembers",
           [&](const std::string& t) { return BatchGetMembers(t, {rep_a1_.id()}).status(); }},
          {"UpdateMember",
           [&](const std::string& t) { return UpdateMember(t, change, {"name"}).status(); }},
          {"MoveMember",
           [&](const std::string& t) {
             return MoveMember(t, rep_a1_, team_a_.id(), rosterpb::MEMBER_ROLE_SALES_DEVELOPMENT,
                               Day(2026, 6, 15))
                 .status();
           }},
          {"DeactivateMember",
           [&](const std::string& t) { return DeactivateMember(t, rep_a1_).status(); }},
          {"ListMembers",
           [&](const std::string& t) { return ListTeamMembers(t, team_a_.id()).status(); }},
          {"RecordTraining",
           [&](const std::string& t) {
             return RecordTraining(t, Session(rep_a1_.id(), rosterpb::TRAINING_AREA_PROSPECTING,
                                              Day(2026, 6, 1)))
                 .status();
           }},
          {"ListTrainingSessions",
           [&](const std::string& t) { return MemberSessions(t, rep_a1_.id()).status(); }},
          {"GetTrainingCompliance",
           [&](const std::string& t) { return GetTrainingCompliance(t, team_a_.id()).status(); }},
          {"SuggestRoles",
           [&](const std::string& t) { return SuggestRoles(t, team_a_.id()).status(); }},
      };
  for (const auto& [rpc, call] : rpcs) {
    SCOPED_TRACE(rpc);
    EXPECT_THAT(call(""), StatusIs(absl::StatusCode::kUnauthenticated)) << "no token";
    EXPECT_THAT(call(*wrong_secret), StatusIs(absl::StatusCode::kUnauthenticated))
        << "wrong secret";
    EXPECT_THAT(call(*expired), StatusIs(absl::StatusCode::kUnauthenticated)) << "expired";
  }
  ASSERT_OK_AND_ASSIGN(rosterpb::Member read, GetMember(admin_token_, rep_a1_.id()));
  EXPECT_EQ(read.version(), 1);
  ASSERT_OK_AND_ASSIGN(rosterpb::ListTeamsResponse teams, ListTeams(admin_token_, 0));
  EXPECT_THAT(teams.teams(), SizeIs(2));
}

// ---- Bad input ----

TEST_P(RosterServiceTest, BadTeamInputIsInvalidArgumentNamingTheField) {
  struct BadInput {
    std::string what;
    std::function<void(rosterpb::Team&)> mutate;
    std::string field;
  };
  const std::vector<BadInput> inputs = {
      {"empty name", [](rosterpb::Team& t) { t.set_name(""); }, "team.name"},
      {"blank name", [](rosterpb::Team& t) { t.set_name("   "); }, "team.name"},
      {"10,000-character name", [](rosterpb::Team& t) { t.set_name(std::string(10000, 'x')); },
       "team.name"},
      {"201-character name", [](rosterpb::Team& t) { t.set_name(std::string(201, 'x')); },
       "team.name"},
      {"name with a line break", [](rosterpb::Team& t) { t.set_name("Team\nA"); }, "team.name"},
      {"unknown time zone", [](rosterpb::Team& t) { t.set_time_zone("Mars/Olympus_Mons"); },
       "team.time_zone"},
      {"empty time zone", [](rosterpb::Team& t) { t.set_time_zone(""); }, "team.time_zone"},
      {"unknown currency", [](rosterpb::Team& t) { t.set_currency_code("EURO"); },
       "team.currency_code"},
      {"unknown sales model",
       [](rosterpb::Team& t) { t.set_sales_model(static_cast<rosterpb::SalesModel>(99)); },
       "team.sales_model"},
      {"unspecified sales model",
       [](rosterpb::Team& t) { t.set_sales_model(rosterpb::SALES_MODEL_UNSPECIFIED); },
       "team.sales_model"},
      {"manager id that is not a member", [](rosterpb::Team& t) { t.set_manager_id("mb_nobody"); },
       "team.manager_id"},
      {"no expectation policy", [](rosterpb::Team& t) { t.clear_expectation_policy(); },
       "team.expectation_policy"},
      {"attainment 0 bps",
       [](rosterpb::Team& t) { t.mutable_expectation_policy()->set_min_attainment_bps(0); },
       "team.expectation_policy"},
      {"25 consecutive periods",
       [](rosterpb::Team& t) { t.mutable_expectation_policy()->set_consecutive_periods(25); },
       "team.expectation_policy"},
      {"unknown training area",
       [](rosterpb::Team& t) {
         t.mutable_training_cadence(0)->set_area(static_cast<rosterpb::TrainingArea>(99));
       },
       "team.training_cadence"},
      {"cadence of 0 days",
       [](rosterpb::Team& t) { t.mutable_training_cadence(0)->set_max_days_between_sessions(0); },
       "team.training_cadence"},
      {"cadence of 731 days",
       [](rosterpb::Team& t) { t.mutable_training_cadence(0)->set_max_days_between_sessions(731); },
       "team.training_cadence"},
      {"one area twice",
       [](rosterpb::Team& t) {
         t.mutable_training_cadence(1)->set_area(t.training_cadence(0).area());
       },
       "team.training_cadence"},
      {"unknown stage owner role",
       [](rosterpb::Team& t) {
         t.clear_stage_ownership();
         for (int stage = 1; stage <= 4; ++stage) {
           rosterpb::StageOwnership* owner = t.add_stage_ownership();
           owner->set_stage(static_cast<rosterpb::JourneyStage>(stage));
           owner->set_role(static_cast<rosterpb::MemberRole>(99));
         }
       },
       "team.stage_ownership"},
      {"full cycle owning a stage on an assembly line",
       [](rosterpb::Team& t) {
         t.clear_stage_ownership();
         for (int stage = 1; stage <= 4; ++stage) {
           rosterpb::StageOwnership* owner = t.add_stage_ownership();
           owner->set_stage(static_cast<rosterpb::JourneyStage>(stage));
           owner->set_role(rosterpb::MEMBER_ROLE_FULL_CYCLE);
         }
       },
       "team.stage_ownership"},
  };
  for (const BadInput& input : inputs) {
    SCOPED_TRACE(input.what);
    rosterpb::Team create = AssemblyTeam("Valid");
    input.mutate(create);
    EXPECT_THAT(CreateTeam(admin_token_, create),
                StatusIs(kInvalidArgument, HasSubstr(input.field)))
        << "CreateTeam";
    rosterpb::Team update = team_a_;
    input.mutate(update);
    EXPECT_THAT(UpdateTeam(admin_token_, update, {"*"}),
                StatusIs(kInvalidArgument, HasSubstr(input.field)))
        << "UpdateTeam";
  }
  ASSERT_OK_AND_ASSIGN(rosterpb::ListTeamsResponse teams, ListTeams(admin_token_, 0));
  EXPECT_THAT(teams.teams(), SizeIs(2));
  ASSERT_OK_AND_ASSIGN(rosterpb::Team a, GetTeam(admin_token_, team_a_.id()));
  EXPECT_THAT(WithoutTimes(a), EqualsProto(WithoutTimes(team_a_)));

  rosterpb::Team bad_mask = team_a_;
  EXPECT_THAT(UpdateTeam(admin_token_, bad_mask, {"version"}),
              StatusIs(kInvalidArgument, HasSubstr("update_mask")));
  EXPECT_THAT(UpdateTeam(admin_token_, bad_mask, {"no_such_field"}),
              StatusIs(kInvalidArgument, HasSubstr("update_mask")));
}

TEST_P(RosterServiceTest, BadMemberInputIsInvalidArgumentNamingTheField) {
  struct BadInput {
    std::string what;
    std::function<void(rosterpb::Member&)> mutate;
    std::string field;
  };
  auto email = [](std::string address) {
    return [address](rosterpb::Member& m) { m.set_email(address); };
  };
  const std::vector<BadInput> inputs = {
      {"empty name", [](rosterpb::Member& m) { m.set_name(""); }, "member.name"},
      {"blank name", [](rosterpb::Member& m) { m.set_name(" \t "); }, "member.name"},
      {"10,000-character name", [](rosterpb::Member& m) { m.set_name(std::string(10000, 'y')); },
       "member.name"},
      {"name with a control character", [](rosterpb::Member& m) { m.set_name("Ann\x01"); },
       "member.name"},
      {"empty email", email(""), "member.email"},
      {"email without @", email("plainaddress"), "member.email"},
      {"email without local part", email("@example.com"), "member.email"},
      {"email without domain", email("user@"), "member.email"},
      {"email with two @", email("user@@example.com"), "member.email"},
      {"email with a space", email("us er@example.com"), "member.email"},
      {"email with a one-label domain", email("user@example"), "member.email"},
      {"email of 255 characters", email(std::string(243, 'a') + "@example.com"), "member.email"},
      {"unknown archetype",
       [](rosterpb::Member& m) { m.set_archetype(static_cast<rosterpb::Archetype>(99)); },
       "member.archetype"},
      {"value tier 0", [](rosterpb::Member& m) { m.set_value_tier(0); }, "member.value_tier"},
      {"value tier 4", [](rosterpb::Member& m) { m.set_value_tier(4); }, "member.value_tier"},
      {"no value tier", [](rosterpb::Member& m) { m.clear_value_tier(); }, "member.value_tier"},
      {"unknown skill",
       [](rosterpb::Member& m) {
         m.mutable_skills(0)->set_skill(static_cast<rosterpb::Skill>(99));
       },
       "member.skills"},
      {"skill level 0", [](rosterpb::Member& m) { m.mutable_skills(0)->set_level(0); },
       "member.skills"},
      {"skill level 6", [](rosterpb::Member& m) { m.mutable_skills(0)->set_level(6); },
       "member.skills"},
      {"one skill twice",
       [](rosterpb::Member& m) { m.mutable_skills(1)->set_skill(m.skills(0).skill()); },
       "member.skills"},
      {"unknown motivator",
       [](rosterpb::Member& m) { m.add_motivators(static_cast<rosterpb::Motivator>(99)); },
       "member.motivators"},
      {"one motivator twice", [](rosterpb::Member& m) { m.add_motivators(m.motivators(0)); },
       "member.motivators"},
      {"unknown contact channel kind",
       [](rosterpb::Member& m) {
         m.mutable_contact_channels(1)->set_kind(static_cast<rosterpb::ContactChannelKind>(99));
       },
       "member.contact_channels"},
      {"empty channel address",
       [](rosterpb::Member& m) { m.mutable_contact_channels(1)->set_address(""); },
       "member.contact_channels"},
      {"two preferred channels",
       [](rosterpb::Member& m) { m.mutable_contact_channels(1)->set_preferred(true); },
       "member.contact_channels"},
      {"an email channel that is no email",
       [](rosterpb::Member& m) { m.mutable_contact_channels(0)->set_address("not an email"); },
       "member.contact_channels"},
      {"hire date more than a year ahead",
       [](rosterpb::Member& m) { *m.mutable_hire_date() = Day(2027, 6, 16); }, "member.hire_date"},
      {"hire date that is no day",
       [](rosterpb::Member& m) {
         m.mutable_hire_date()->set_month(2);
         m.mutable_hire_date()->set_day(30);
       },
       "member.hire_date"},
      {"no hire date", [](rosterpb::Member& m) { m.clear_hire_date(); }, "member.hire_date"},
  };
  for (const BadInput& input : inputs) {
    SCOPED_TRACE(input.what);
    rosterpb::Member create = Profile("Valid Member");
    input.mutate(create);
    EXPECT_THAT(
        CreateMember(admin_token_, create, team_a_.id(), rosterpb::MEMBER_ROLE_LEAD_GENERATION),
        StatusIs(kInvalidArgument, HasSubstr(input.field)))
        << "CreateMember";
    rosterpb::Member update = rep_a1_;
    input.mutate(update);
    EXPECT_THAT(UpdateMember(admin_token_, update, {"*"}),
                StatusIs(kInvalidArgument, HasSubstr(input.field)))
        << "UpdateMember";
  }
  ASSERT_OK_AND_ASSIGN(rosterpb::Member a1, GetMember(admin_token_, rep_a1_.id()));
  EXPECT_THAT(WithoutTimes(a1), EqualsProto(WithoutTimes(rep_a1_)));
  rosterpb::ListMembersRequest everyone;
  everyone.set_include_inactive(true);
  ASSERT_OK_AND_ASSIGN(rosterpb::ListMembersResponse listed, ListMembers(admin_token_, everyone));
  EXPECT_THAT(listed.members(), SizeIs(5));

  // The request's own fields.
  EXPECT_THAT(CreateMember(admin_token_, Profile("Role"), team_a_.id(),
                           static_cast<rosterpb::MemberRole>(99)),
              StatusIs(kInvalidArgument, HasSubstr("role")));
  EXPECT_THAT(
      CreateMember(admin_token_, Profile("Role"), team_a_.id(), rosterpb::MEMBER_ROLE_UNSPECIFIED),
      StatusIs(kInvalidArgument, HasSubstr("role")));
  EXPECT_THAT(CreateMember(admin_token_, Profile("Team"), "", rosterpb::MEMBER_ROLE_MANAGER),
              StatusIs(kInvalidArgument, HasSubstr("team_id")));
  EXPECT_THAT(MoveMember(admin_token_, rep_a1_, team_a_.id(), static_cast<rosterpb::MemberRole>(99),
                         Day(2026, 6, 15)),
              StatusIs(kInvalidArgument, HasSubstr("role")));
  rosterpb::ListMembersRequest bad_role;
  bad_role.set_team_id(team_a_.id());
  bad_role.set_role(static_cast<rosterpb::MemberRole>(99));
  EXPECT_THAT(ListMembers(admin_token_, bad_role), StatusIs(kInvalidArgument, HasSubstr("role")));
  EXPECT_THAT(UpdateMember(admin_token_, rep_a1_, {"team_id"}),
              StatusIs(kInvalidArgument, HasSubstr("update_mask")));
}

TEST_P(RosterServiceTest, ADuplicateEmailIsAlreadyExistsWhateverItsCase) {
  rosterpb::Member copy = Profile("Copy Cat");
  copy.set_email(rep_a1_.email());
  EXPECT_THAT(CreateMember(admin_token_, copy, team_b_.id(), rosterpb::MEMBER_ROLE_FULL_CYCLE),
              StatusIs(absl::StatusCode::kAlreadyExists, HasSubstr("member.email")));
  copy.set_email(absl::AsciiStrToUpper(rep_a1_.email()));
  EXPECT_THAT(CreateMember(admin_token_, copy, team_b_.id(), rosterpb::MEMBER_ROLE_FULL_CYCLE),
              StatusIs(absl::StatusCode::kAlreadyExists, HasSubstr("member.email")));

  rosterpb::Member change = rep_a2_;
  change.set_email(rep_a1_.email());
  EXPECT_THAT(UpdateMember(admin_token_, change, {"email"}),
              StatusIs(absl::StatusCode::kAlreadyExists, HasSubstr("member.email")));
  ASSERT_OK_AND_ASSIGN(rosterpb::Member a2, GetMember(admin_token_, rep_a2_.id()));
  EXPECT_EQ(a2.email(), rep_a2_.email());
}

TEST_P(RosterServiceTest, AHireDateMayLieAtMostAYearAhead) {
  rosterpb::Member last_day = Profile("Future Hire");
  *last_day.mutable_hire_date() = periods::DateToProto(Today() + 365);
  ASSERT_OK_AND_ASSIGN(rosterpb::Member hired, CreateMember(admin_token_, last_day, team_a_.id(),
                                                            rosterpb::MEMBER_ROLE_LEAD_GENERATION));
  EXPECT_FALSE(hired.active()) << "not yet hired today";

  rosterpb::Member too_far = Profile("Too Far Ahead");
  *too_far.mutable_hire_date() = periods::DateToProto(Today() + 366);
  EXPECT_THAT(
      CreateMember(admin_token_, too_far, team_a_.id(), rosterpb::MEMBER_ROLE_LEAD_GENERATION),
      StatusIs(kInvalidArgument, HasSubstr("member.hire_date")));
}

TEST_P(RosterServiceTest, BatchGetMembersTakesOneToOneThousandIds) {
  std::vector<std::string> ids = {rep_a1_.id()};
  for (int i = 1; i < 1000; ++i) ids.push_back(absl::StrCat("mb_missing_", i));
  ASSERT_OK_AND_ASSIGN(rosterpb::BatchGetMembersResponse batch,
                       BatchGetMembers(service_token_, ids));
  EXPECT_THAT(Ids(batch.members()), ElementsAre(rep_a1_.id()));
  EXPECT_THAT(batch.missing_member_ids(), SizeIs(999));

  ids.push_back("mb_one_too_many");
  EXPECT_THAT(BatchGetMembers(service_token_, ids),
              StatusIs(kInvalidArgument, HasSubstr("member_ids")));
  EXPECT_THAT(BatchGetMembers(service_token_, {}),
              StatusIs(kInvalidArgument, HasSubstr("member_ids")));
}

TEST_P(RosterServiceTest, TamperedOrForeignPageTokensAreInvalidArgument) {
  ASSERT_OK_AND_ASSIGN(rosterpb::ListTeamsResponse first_teams, ListTeams(admin_token_, 1));
  const std::string teams_token = first_teams.next_page_token();
  ASSERT_FALSE(teams_token.empty());
  ASSERT_OK_AND_ASSIGN(rosterpb::ListTeamsResponse second_teams,
                       ListTeams(admin_token_, 1, teams_token));
  EXPECT_THAT(second_teams.teams(), SizeIs(1));

  rosterpb::ListMembersRequest members_request;
  members_request.set_team_id(team_a_.id());
  members_request.set_page_size(1);
  ASSERT_OK_AND_ASSIGN(rosterpb::ListMembersResponse first_members,
                       ListMembers(admin_token_, members_request));
  const std::string members_token = first_members.next_page_token();
  ASSERT_FALSE(members_token.empty());
  members_request.set_page_token(members_token);
  ASSERT_OK(ListMembers(admin_token_, members_request).status());

  for (const std::string& bad : {Tampered(teams_token), std::string("garbage"), std::string("AAAA"),
                                 std::string("%%%not base64%%%"), members_token}) {
    SCOPED_TRACE(absl::StrCat("ListTeams with ", bad));
    EXPECT_THAT(ListTeams(admin_token_, 1, bad),
                StatusIs(kInvalidArgument, HasSubstr("page_token")));
  }
  for (const std::string& bad : {Tampered(members_token), std::string("garbage"), teams_token}) {
    SCOPED_TRACE(absl::StrCat("ListMembers with ", bad));
    members_request.set_page_token(bad);
    EXPECT_THAT(ListMembers(admin_token_, members_request),
                StatusIs(kInvalidArgument, HasSubstr("page_token")));
  }
  // A token is for the listing it came from, filters included.
  members_request.set_page_token(members_token);
  members_request.set_role(rosterpb::MEMBER_ROLE_LEAD_GENERATION);
  EXPECT_THAT(ListMembers(admin_token_, members_request),
              StatusIs(kInvalidArgument, HasSubstr("page_token")));
  members_request.clear_role();
  members_request.set_team_id(team_b_.id());
  EXPECT_THAT(ListMembers(admin_token_, members_request),
              StatusIs(kInvalidArgument, HasSubstr("page_token")));

  rosterpb::ListTrainingSessionsRequest sessions;
  sessions.set_member_id(rep_a1_.id());
  sessions.set_page_token("garbage");
  EXPECT_THAT(ListTrainingSessions(admin_token_, sessions),
              StatusIs(kInvalidArgument, HasSubstr("page_token")));
  sessions.set_page_token(teams_token);
  EXPECT_THAT(ListTrainingSessions(admin_token_, sessions),
              StatusIs(kInvalidArgument, HasSubstr("page_token")));
}

TEST_P(RosterServiceTest, PageSizesOutsideOneToFiveHundredAreInvalidArgument) {
  for (int size : {-1, 501}) {
    SCOPED_TRACE(size);
    EXPECT_THAT(ListTeams(admin_token_, size), StatusIs(kInvalidArgument, HasSubstr("page_size")));
    rosterpb::ListMembersRequest request;
    request.set_team_id(team_a_.id());
    request.set_page_size(size);
    EXPECT_THAT(ListMembers(admin_token_, request),
                StatusIs(kInvalidArgument, HasSubstr("page_size")));
  }
  ASSERT_OK_AND_ASSIGN(rosterpb::ListTeamsResponse most, ListTeams(admin_token_, 500));
  EXPECT_THAT(most.teams(), SizeIs(2));
}

TEST_P(RosterServiceTest, WritesWithAStaleVersionAreAborted) {
  rosterpb::Team team_change = team_a_;
  team_change.set_name("Fresh");
  ASSERT_OK(UpdateTeam(admin_token_, team_change, {"name"}).status());
  EXPECT_THAT(UpdateTeam(admin_token_, team_a_, {"name"}),
              StatusIs(absl::StatusCode::kAborted, HasSubstr("version")));

  rosterpb::Member change = rep_a1_;
  change.set_name("First Writer");
  ASSERT_OK(UpdateMember(admin_token_, change, {"name"}).status());
  // rep_a1_ still carries version 1.
  change = rep_a1_;
  change.set_name("Second Writer");
  EXPECT_THAT(UpdateMember(admin_token_, change, {"name"}),
              StatusIs(absl::StatusCode::kAborted, HasSubstr("version")));
  EXPECT_THAT(MoveMember(admin_token_, rep_a1_, team_a_.id(),
                         rosterpb::MEMBER_ROLE_SALES_DEVELOPMENT, Day(2026, 6, 15)),
              StatusIs(absl::StatusCode::kAborted, HasSubstr("version")));
  EXPECT_THAT(DeactivateMember(admin_token_, rep_a1_, Day(2026, 6, 15)),
              StatusIs(absl::StatusCode::kAborted, HasSubstr("version")));

  ASSERT_OK_AND_ASSIGN(rosterpb::Member read, GetMember(admin_token_, rep_a1_.id()));
  EXPECT_EQ(read.name(), "First Writer");
  EXPECT_EQ(read.version(), 2);
  EXPECT_EQ(read.role(), rosterpb::MEMBER_ROLE_LEAD_GENERATION);
  EXPECT_TRUE(read.active());
}

TEST_P(RosterServiceTest, ADeactivatedMemberRefusesEveryWriteButCanStillBeRead) {
  ASSERT_OK_AND_ASSIGN(rosterpb::Member gone,
                       DeactivateMember(admin_token_, rep_a2_, Day(2026, 6, 1)));

  rosterpb::Member change = gone;
  change.set_name("Back From The Dead");
  EXPECT_THAT(UpdateMember(admin_token_, change, {"name"}), StatusIs(kFailedPrecondition));
  EXPECT_THAT(MoveMember(admin_token_, gone, team_a_.id(), rosterpb::MEMBER_ROLE_CUSTOMER_SUCCESS,
                         Day(2026, 6, 15)),
              StatusIs(kFailedPrecondition));
  EXPECT_THAT(DeactivateMember(admin_token_, gone, Day(2026, 6, 15)),
              StatusIs(kFailedPrecondition));
  EXPECT_THAT(RecordTraining(admin_token_, Session(gone.id(), rosterpb::TRAINING_AREA_PROSPECTING,
                                                   Day(2026, 6, 10))),
              StatusIs(kFailedPrecondition));

  ASSERT_OK_AND_ASSIGN(rosterpb::Member read, GetMember(manager_a_token_, rep_a2_.id()));
  EXPECT_EQ(read.name(), "Arno Closer");
  EXPECT_FALSE(read.active());
  EXPECT_EQ(read.version(), 2);
  EXPECT_THAT(read.assignments(), SizeIs(1));
  ASSERT_OK_AND_ASSIGN(rosterpb::BatchGetMembersResponse batch,
                       BatchGetMembers(service_token_, {rep_a2_.id()}));
  EXPECT_THAT(Ids(batch.members()), ElementsAre(rep_a2_.id()));
  ASSERT_OK_AND_ASSIGN(rosterpb::ListTrainingSessionsResponse sessions,
                       MemberSessions(admin_token_, rep_a2_.id()));
  EXPECT_THAT(sessions.sessions(), IsEmpty());
}

TEST_P(RosterServiceTest, BadTrainingInputIsInvalidArgumentNamingTheField) {
  struct BadInput {
    std::string what;
    std::function<void(rosterpb::TrainingSession&)> mutate;
    std::string field;
  };
  const std::vector<BadInput> inputs = {
      {"no member", [](rosterpb::TrainingSession& s) { s.clear_member_id(); }, "session.member_id"},
      {"unknown area",
       [](rosterpb::TrainingSession& s) { s.set_area(static_cast<rosterpb::TrainingArea>(99)); },
       "session.area"},
      {"unspecified area",
       [](rosterpb::TrainingSession& s) { s.set_area(rosterpb::TRAINING_AREA_UNSPECIFIED); },
       "session.area"},
      {"tomorrow", [](rosterpb::TrainingSession& s) { *s.mutable_date() = Day(2026, 6, 16); },
       "session.date"},
      {"no date", [](rosterpb::TrainingSession& s) { s.clear_date(); }, "session.date"},
      {"0 hours", [](rosterpb::TrainingSession& s) { s.set_hours(0); }, "session.hours"},
      {"negative hours", [](rosterpb::TrainingSession& s) { s.set_hours(-1); }, "session.hours"},
      {"25 hours", [](rosterpb::TrainingSession& s) { s.set_hours(25); }, "session.hours"},
      {"NaN hours",
       [](rosterpb::TrainingSession& s) { s.set_hours(std::numeric_limits<double>::quiet_NaN()); },
       "session.hours"},
      {"2,001-character note",
       [](rosterpb::TrainingSession& s) { s.set_note(std::string(2001, 'n')); }, "session.note"},
  };
  for (const BadInput& input : inputs) {
    SCOPED_TRACE(input.what);
    rosterpb::TrainingSession session =
        Session(rep_a1_.id(), rosterpb::TRAINING_AREA_PROSPECTING, Day(2026, 6, 1));
    input.mutate(session);
    EXPECT_THAT(RecordTraining(admin_token_, session),
                StatusIs(kInvalidArgument, HasSubstr(input.field)));
  }
  ASSERT_OK_AND_ASSIGN(rosterpb::ListTrainingSessionsResponse sessions,
                       MemberSessions(admin_token_, rep_a1_.id()));
  EXPECT_THAT(sessions.sessions(), IsEmpty());

  rosterpb::ListTrainingSessionsRequest both;
  both.set_member_id(rep_a1_.id());
  both.set_team_id(team_a_.id());
  EXPECT_THAT(ListTrainingSessions(admin_token_, both), StatusIs(kInvalidArgument));
  EXPECT_THAT(ListTrainingSessions(admin_token_, rosterpb::ListTrainingSessionsRequest()),
              StatusIs(kInvalidArgument));
}

TEST_P(RosterServiceTest, UnknownIdsAreNotFoundNamingTheId) {
  rosterpb::Member ghost = rep_a1_;
  ghost.set_id("mb_ghost");
  EXPECT_THAT(UpdateMember(admin_token_, ghost, {"name"}),
              StatusIs(kNotFound, HasSubstr("mb_ghost")));
  EXPECT_THAT(MoveMember(admin_token_, ghost, team_a_.id(), rosterpb::MEMBER_ROLE_SALES_DEVELOPMENT,
                         Day(2026, 6, 15)),
              StatusIs(kNotFound, HasSubstr("mb_ghost")));
  EXPECT_THAT(DeactivateMember(admin_token_, ghost), StatusIs(kNotFound, HasSubstr("mb_ghost")));
  EXPECT_THAT(RecordTraining(admin_token_, Session("mb_ghost", rosterpb::TRAINING_AREA_PROSPECTING,
                                                   Day(2026, 6, 1))),
              AnyOf(StatusIs(kNotFound, HasSubstr("mb_ghost")),
                    StatusIs(kInvalidArgument,
                             AllOf(HasSubstr("session.member_id"), HasSubstr("mb_ghost")))));
  rosterpb::Team ghost_team = team_a_;
  ghost_team.set_id("tm_ghost");
  EXPECT_THAT(UpdateTeam(admin_token_, ghost_team, {"name"}),
              StatusIs(kNotFound, HasSubstr("tm_ghost")));
  EXPECT_THAT(GetTrainingCompliance(admin_token_, "tm_ghost"),
              StatusIs(kNotFound, HasSubstr("tm_ghost")));
  EXPECT_THAT(SuggestRoles(admin_token_, "tm_ghost"), StatusIs(kNotFound, HasSubstr("tm_ghost")));
}

// Value tier and motivators describe the member now, so they follow the
// member's current team: a manager the member has left may read what was
// true while the member was in their team, but not the new team's
// assessment of them.
TEST_P(RosterServiceTest, AFormerManagerDoesNotSeeTheManagementDataOfAMemberWhoLeft) {
  ASSERT_OK(MoveMember(admin_token_, rep_a1_, team_b_.id(), rosterpb::MEMBER_ROLE_FULL_CYCLE,
                       Day(2026, 3, 1))
                .status());

  EXPECT_THAT(GetMember(manager_a_token_, rep_a1_.id()), StatusIs(kPermissionDenied));
  absl::StatusOr<rosterpb::Member> then =
      GetMember(manager_a_token_, rep_a1_.id(), Day(2026, 2, 1));
  if (then.ok()) {
    EXPECT_EQ(then->team_id(), team_a_.id());
    ExpectManagementData(*then, false);
  } else {
    EXPECT_THAT(then, StatusIs(kPermissionDenied));
  }
  absl::StatusOr<rosterpb::BatchGetMembersResponse> batch =
      BatchGetMembers(manager_a_token_, {rep_a1_.id()}, Day(2026, 2, 1));
  if (batch.ok()) {
    ASSERT_THAT(batch->members(), SizeIs(1));
    ExpectManagementData(batch->members(0), false);
  } else {
    EXPECT_THAT(batch, StatusIs(kPermissionDenied));
  }
  rosterpb::ListMembersRequest history;
  history.set_team_id(team_a_.id());
  *history.mutable_as_of() = Day(2026, 2, 1);
  ASSERT_OK_AND_ASSIGN(rosterpb::ListMembersResponse listed,
                       ListMembers(manager_a_token_, history));
  const rosterpb::Member* former = FindMember(listed.members(), rep_a1_.id());
  ASSERT_NE(former, nullptr) << "the team's history lists the member";
  ExpectManagementData(*former, false);
  const rosterpb::Member* stayed = FindMember(listed.members(), rep_a2_.id());
  ASSERT_NE(stayed, nullptr);
  ExpectManagementData(*stayed, true);

  // The new manager sees the member's whole history with the management data.
  ASSERT_OK_AND_ASSIGN(rosterpb::Member past,
                       GetMember(manager_b_token_, rep_a1_.id(), Day(2026, 2, 1)));
  EXPECT_EQ(past.team_id(), team_a_.id());
  ExpectManagementData(past, true);
}

TEST_P(RosterServiceTest, ComplianceDefaultsToTodayInTheTeamsTimeZone) {
  // 2026-06-15 12:00 UTC is already 2026-06-16 02:00 on Kiritimati (UTC+14).
  rosterpb::Team far_east = AssemblyTeam("Line Islands");
  far_east.set_time_zone("Pacific/Kiritimati");
  ASSERT_OK_AND_ASSIGN(rosterpb::Team team, CreateTeam(admin_token_, far_east));
  ASSERT_OK_AND_ASSIGN(rosterpb::GetTrainingComplianceResponse report,
                       GetTrainingCompliance(admin_token_, team.id()));
  EXPECT_THAT(report.as_of(), DateIs("2026-06-16"));
  ASSERT_OK_AND_ASSIGN(report, GetTrainingCompliance(admin_token_, team_b_.id()));
  EXPECT_THAT(report.as_of(), DateIs("2026-06-15"));  // 08:00 in New York
}

TEST_P(RosterServiceTest, ChangingTheSalesModelRequiresMembersThatFitIt) {
  rosterpb::Team change = team_a_;
  change.set_sales_model(rosterpb::SALES_MODEL_ISLAND);
  EXPECT_THAT(UpdateTeam(admin_token_, change, {"sales_model"}),
              StatusIs(absl::StatusCode::kFailedPrecondition, HasSubstr("team.sales_model")));
  ASSERT_OK_AND_ASSIGN(rosterpb::Team unchanged, GetTeam(admin_token_, team_a_.id()));
  EXPECT_EQ(unchanged.sales_model(), rosterpb::SALES_MODEL_ASSEMBLY_LINE);
  EXPECT_EQ(unchanged.version(), 1);

  // A team without sellers switches, and its stages get the island owner.
  ASSERT_OK_AND_ASSIGN(rosterpb::Team empty, CreateTeam(admin_token_, AssemblyTeam("Empty")));
  change = empty;
  change.set_sales_model(rosterpb::SALES_MODEL_ISLAND);
  ASSERT_OK_AND_ASSIGN(rosterpb::Team island, UpdateTeam(admin_token_, change, {"sales_model"}));
  EXPECT_EQ(island.sales_model(), rosterpb::SALES_MODEL_ISLAND);
  ASSERT_THAT(island.stage_ownership(), SizeIs(4));
  for (const rosterpb::StageOwnership& owner : island.stage_ownership()) {
    EXPECT_EQ(owner.role(), rosterpb::MEMBER_ROLE_FULL_CYCLE);
  }
}

TEST_P(RosterServiceTest, AModelChangeRefusesARoleScheduledToStartLater) {
  ASSERT_OK_AND_ASSIGN(rosterpb::Team island, CreateTeam(admin_token_, IslandTeam("Future hire")));
  rosterpb::Member hire = Profile("Future Seller");
  *hire.mutable_hire_date() = Day(2026, 9, 1);  // after today (2026-06-15)
  ASSERT_OK(
      CreateMember(admin_token_, hire, island.id(), rosterpb::MEMBER_ROLE_FULL_CYCLE).status());
  rosterpb::Team change = island;
  change.set_sales_model(rosterpb::SALES_MODEL_ASSEMBLY_LINE);
  EXPECT_THAT(UpdateTeam(admin_token_, change, {"sales_model"}),
              StatusIs(kFailedPrecondition, HasSubstr("team.sales_model")));
}

TEST_P(RosterServiceTest, AHireAndAModelChangeRacingNeverLeaveARoleTheModelRefuses) {
  // Each round: an island team; at once, a FULL_CYCLE hire and a switch to
  // an assembly line. Either may win, never both.
  for (int round = 0; round < 8; ++round) {
    SCOPED_TRACE(absl::StrCat("round ", round));
    ASSERT_OK_AND_ASSIGN(rosterpb::Team island,
                         CreateTeam(admin_token_, IslandTeam(absl::StrCat("Race ", round))));
    const rosterpb::Member profile = Profile(absl::StrCat("Racer ", round));
    rosterpb::Team change = island;
    change.set_sales_model(rosterpb::SALES_MODEL_ASSEMBLY_LINE);
    absl::Status hired;
    absl::Status switched;
    std::thread hire([&] {
      hired = CreateMember(admin_token_, profile, island.id(), rosterpb::MEMBER_ROLE_FULL_CYCLE)
                  .status();
    });
    std::thread model(
        [&] { switched = UpdateTeam(admin_token_, change, {"sales_model"}).status(); });
    hire.join();
    model.join();
    EXPECT_FALSE(hired.ok() && switched.ok()) << hired << " / " << switched;
    EXPECT_TRUE(hired.ok() || switched.ok()) << hired << " / " << switched;
  }
}

TEST_P(RosterServiceTest, ATeamNamingAManagerAndTheirDeactivationRacingNeverBothWin) {
  for (int round = 0; round < 8; ++round) {
    SCOPED_TRACE(absl::StrCat("round ", round));
    ASSERT_OK_AND_ASSIGN(
        rosterpb::Member manager,
        NewMember(team_a_.id(), rosterpb::MEMBER_ROLE_MANAGER, absl::StrCat("Boss ", round)));
    rosterpb::Team team = AssemblyTeam(absl::StrCat("Managed ", round));
    team.set_manager_id(manager.id());
    absl::Status created;
    absl::Status deactivated;
    std::thread create([&] { created = CreateTeam(admin_token_, team).status(); });
    std::thread deactivate(
        [&] { deactivated = DeactivateMember(admin_token_, manager, Day(2026, 6, 15)).status(); });
    create.join();
    deactivate.join();
    EXPECT_FALSE(created.ok() && deactivated.ok()) << created << " / " << deactivated;
    EXPECT_TRUE(created.ok() || deactivated.ok()) << created << " / " << deactivated;
  }
}

TEST_P(RosterServiceTest, ConcurrentWritesOfTheSameVersionSucceedExactlyOnce) {
  constexpr int kWriters = 6;
  std::vector<absl::Status> results(kWriters);
  std::vector<std::thread> threads;
  for (int i = 0; i < kWriters; ++i) {
    threads.emplace_back([this, i, &results] {
      rosterpb::Member change = rep_a1_;  // all read version 1
      change.set_name(absl::StrCat("Writer ", i));
      results[i] = UpdateMember(admin_token_, change, {"name"}).status();
    });
  }
  for (std::thread& thread : threads) thread.join();
  int ok = 0;
  for (const absl::Status& status : results) {
    if (status.ok()) {
      ++ok;
    } else {
      EXPECT_THAT(status, StatusIs(absl::StatusCode::kAborted));
    }
  }
  EXPECT_EQ(ok, 1);
  ASSERT_OK_AND_ASSIGN(rosterpb::Member read, GetMember(admin_token_, rep_a1_.id()));
  EXPECT_EQ(read.version(), 2);

  // The same new email from several writers at once: one member gets it.
  std::vector<absl::Status> creates(kWriters);
  threads.clear();
  for (int i = 0; i < kWriters; ++i) {
    threads.emplace_back([this, i, &creates] {
      rosterpb::Member profile = Profile(absl::StrCat("Racer ", i));
      profile.set_email(i % 2 == 0 ? "racer@example.com" : "RACER@example.com");
      creates[i] =
          CreateMember(admin_token_, profile, team_a_.id(), rosterpb::MEMBER_ROLE_LEAD_GENERATION)
              .status();
    });
  }
  for (std::thread& thread : threads) thread.join();
  ok = 0;
  for (const absl::Status& status : creates) {
    if (status.ok()) {
      ++ok;
    } else {
      EXPECT_THAT(status, StatusIs(absl::StatusCode::kAlreadyExists, HasSubstr("member.email")));
    }
  }
  EXPECT_EQ(ok, 1);
}

TEST_P(RosterServiceTest, NamesAreCountedInCharactersNotBytes) {
  std::string longest;
  for (int i = 0; i < 200; ++i) longest += "\xC3\xA9";  // é: two bytes, one character
  rosterpb::Member member = Profile("x");
  member.set_name(longest);
  ASSERT_OK_AND_ASSIGN(
      rosterpb::Member created,
      CreateMember(admin_token_, member, team_a_.id(), rosterpb::MEMBER_ROLE_LEAD_GENERATION));
  EXPECT_EQ(created.name(), longest);
  rosterpb::Team team = AssemblyTeam(longest);
  ASSERT_OK(CreateTeam(admin_token_, team).status());

  member = Profile("x");
  member.set_name(longest + "\xC3\xA9");
  EXPECT_THAT(
      CreateMember(admin_token_, member, team_a_.id(), rosterpb::MEMBER_ROLE_LEAD_GENERATION),
      StatusIs(kInvalidArgument, HasSubstr("member.name")));
}

TEST_P(RosterServiceTest, DatesBeforeTheHireDateAreRefusedNamingTheField) {
  EXPECT_THAT(DeactivateMember(admin_token_, rep_a1_, Day(2026, 1, 4)),
              AnyOf(StatusIs(kInvalidArgument, HasSubstr("effective_date")),
                    StatusIs(absl::StatusCode::kFailedPrecondition, HasSubstr("effective_date"))));
  EXPECT_THAT(
      RecordTraining(admin_token_,
                     Session(rep_a1_.id(), rosterpb::TRAINING_AREA_PROSPECTING, Day(2026, 1, 4))),
      StatusIs(kInvalidArgument, HasSubstr("session.date")));
  ASSERT_OK_AND_ASSIGN(rosterpb::Member read, GetMember(admin_token_, rep_a1_.id()));
  EXPECT_TRUE(read.active());
  EXPECT_EQ(read.version(), 1);
}

TEST_P(RosterServiceTest, MissingOrMalformedIdsAreInvalidArgumentNamingTheField) {
  EXPECT_THAT(GetMember(admin_token_, ""), StatusIs(kInvalidArgument, HasSubstr("member_id")));
  EXPECT_THAT(GetTeam(admin_token_, ""), StatusIs(kInvalidArgument, HasSubstr("team_id")));
  EXPECT_THAT(GetMember(admin_token_, std::string(10000, 'm')),
              StatusIs(kInvalidArgument, HasSubstr("member_id")));
  EXPECT_THAT(BatchGetMembers(admin_token_, {rep_a1_.id(), ""}),
              StatusIs(kInvalidArgument, HasSubstr("member_ids")));
  EXPECT_THAT(GetTrainingCompliance(admin_token_, ""),
              StatusIs(kInvalidArgument, HasSubstr("team_id")));
  EXPECT_THAT(SuggestRoles(admin_token_, ""), StatusIs(kInvalidArgument, HasSubstr("team_id")));
  rosterpb::Member no_id = rep_a1_;
  no_id.clear_id();
  EXPECT_THAT(UpdateMember(admin_token_, no_id, {"name"}),
              StatusIs(kInvalidArgument, HasSubstr("member.id")));
}

// ---- Effective-dated time zone and currency ----

// The clock stands at 2026-06-15: a change may apply from that day on, never
// before, so that days already recorded and paid keep their currency.
TEST_P(RosterServiceTest, ACurrencyChangeAppliesFromTodayOrLaterNeverToPastDays) {
  rosterpb::UpdateTeamRequest request;
  request.mutable_team()->set_id(team_a_.id());
  request.mutable_team()->set_version(team_a_.version());
  request.mutable_team()->set_currency_code("JPY");
  *request.mutable_terms_effective_date() = Day(2026, 6, 14);
  EXPECT_THAT(Call(&rosterpb::RosterService::Stub::UpdateTeam, admin_token_, request),
              StatusIs(kInvalidArgument, HasSubstr("terms_effective_date")));

  *request.mutable_terms_effective_date() = Day(2026, 7, 1);
  ASSERT_OK_AND_ASSIGN(rosterpb::UpdateTeamResponse scheduled,
                       Call(&rosterpb::RosterService::Stub::UpdateTeam, admin_token_, request));
  // Today's currency is still the old one; the history shows both.
  EXPECT_EQ(scheduled.team().currency_code(), team_a_.currency_code());
  ASSERT_EQ(scheduled.team().terms_size(), 2);
  EXPECT_EQ(scheduled.team().terms(0).currency_code(), team_a_.currency_code());
  EXPECT_EQ(scheduled.team().terms(1).currency_code(), "JPY");
  EXPECT_EQ(scheduled.team().terms(1).effective_from().day(), 1);

  // Without a date: from today, and today's answer shows it.
  request.mutable_team()->set_version(scheduled.team().version());
  request.mutable_team()->set_time_zone("Asia/Tokyo");
  request.mutable_team()->clear_currency_code();
  request.clear_terms_effective_date();
  EXPECT_THAT(Call(&rosterpb::RosterService::Stub::UpdateTeam, admin_token_, request),
              StatusIs(absl::StatusCode::kFailedPrecondition, HasSubstr("already scheduled")));
}

// ---- Change feed ----

// The fixture's writes are changes 1..7: teams A and B, then manager_a_,
// rep_a1_, rep_a2_, manager_b_ and rep_b1_.
constexpr int64_t kFixtureChanges = 7;

TEST_P(RosterServiceTest, AWatcherFromZeroGetsTheBacklogInOrderThenALiveChange) {
  std::unique_ptr<ChangeStream> stream = Watch(service_token_, WatchAfter(0));
  const std::vector<rosterpb::RosterChange> backlog = stream->AwaitChanges(kFixtureChanges);
  EXPECT_THAT(Sequences(backlog), ElementsAreArray(SequencesAfter(0, kFixtureChanges)));
  EXPECT_THAT(Subjects(backlog), ElementsAre(absl::StrCat("TEAM_CREATED ", team_a_.id()),
                                             absl::StrCat("TEAM_CREATED ", team_b_.id()),
                                             absl::StrCat("MEMBER_CREATED ", manager_a_.id()),
                                             absl::StrCat("MEMBER_CREATED ", rep_a1_.id()),
                                             absl::StrCat("MEMBER_CREATED ", rep_a2_.id()),
                                             absl::StrCat("MEMBER_CREATED ", manager_b_.id()),
                                             absl::StrCat("MEMBER_CREATED ", rep_b1_.id())));
  const std::vector<rosterpb::WatchRosterChangesResponse> caught_up = stream->AwaitMessages(1);
  ASSERT_THAT(caught_up, Not(IsEmpty()));
  EXPECT_EQ(caught_up.back().head_sequence(), kFixtureChanges);

  // Caught up: a write now reaches the open stream.
  ASSERT_OK(MoveMember(admin_token_, rep_a1_, team_a_.id(), rosterpb::MEMBER_ROLE_SALES_DEVELOPMENT,
                       Day(2026, 6, 15))
                .status());
  const std::vector<rosterpb::RosterChange> changes = stream->AwaitChanges(kFixtureChanges + 1);
  ASSERT_THAT(changes, SizeIs(kFixtureChanges + 1))
      << "the move did not arrive within " << kFeedWait;
  const rosterpb::RosterChange& live = changes.back();
  EXPECT_EQ(live.sequence(), kFixtureChanges + 1);
  EXPECT_EQ(live.kind(), rosterpb::ROSTER_CHANGE_KIND_MEMBER_MOVED);
  EXPECT_EQ(live.member_id(), rep_a1_.id());
  EXPECT_THAT(live.effective_date(), DateIs("2026-06-15"));
  // The member as the move left it, resolved as of today.
  EXPECT_EQ(live.member().role(), rosterpb::MEMBER_ROLE_SALES_DEVELOPMENT);
  EXPECT_EQ(live.member().team_id(), team_a_.id());
  EXPECT_EQ(live.member().version(), 2);
  EXPECT_THAT(live.member().assignments(), SizeIs(2));
  EXPECT_EQ(stream->AwaitMessages(2).back().head_sequence(), kFixtureChanges + 1);
}

TEST_P(RosterServiceTest, AWatcherResumingAfterItsLastSequenceMissesNothingAndGetsNothingTwice) {
  int64_t last_received = 0;
  {
    std::unique_ptr<ChangeStream> stream = Watch(service_token_, WatchAfter(0));
    const std::vector<rosterpb::RosterChange> backlog = stream->AwaitChanges(kFixtureChanges);
    ASSERT_THAT(backlog, SizeIs(kFixtureChanges));
    last_received = backlog.back().sequence();
  }
  // Written while nobody watched.
  ASSERT_OK(MoveMember(admin_token_, rep_a1_, team_a_.id(), rosterpb::MEMBER_ROLE_SALES_DEVELOPMENT,
                       Day(2026, 6, 15))
                .status());
  rosterpb::Member renamed = rep_a2_;
  renamed.set_name("Arno Renamed");
  ASSERT_OK(UpdateMember(admin_token_, renamed, {"name"}).status());

  std::unique_ptr<ChangeStream> resumed = Watch(service_token_, WatchAfter(last_received));
  EXPECT_THAT(Subjects(resumed->AwaitChanges(2)),
              ElementsAre(absl::StrCat("MEMBER_MOVED ", rep_a1_.id()),
                          absl::StrCat("MEMBER_UPDATED ", rep_a2_.id())));
  // A live write follows the backlog directly: anything sent twice would
  // come before it.
  ASSERT_OK(DeactivateMember(admin_token_, rep_b1_, Day(2026, 6, 15)).status());
  EXPECT_THAT(Sequences(resumed->AwaitChanges(3)),
              ElementsAre(last_received + 1, last_received + 2, last_received + 3));
}

TEST_P(RosterServiceTest, StartAtHeadFirstSendsTheHeadWithoutChangesThenOnlyLaterChanges) {
  // after_sequence is ignored at the head.
  rosterpb::WatchRosterChangesRequest request = WatchFromHead();
  request.set_after_sequence(3);
  std::unique_ptr<ChangeStream> stream = Watch(service_token_, request);
  const std::vector<rosterpb::WatchRosterChangesResponse> first = stream->AwaitMessages(1);
  ASSERT_THAT(first, SizeIs(1));
  EXPECT_THAT(first[0].changes(), IsEmpty());
  EXPECT_EQ(first[0].head_sequence(), kFixtureChanges);

  ASSERT_OK(MoveMember(admin_token_, rep_a1_, team_a_.id(), rosterpb::MEMBER_ROLE_SALES_DEVELOPMENT,
                       Day(2026, 6, 15))
                .status());
  const std::vector<rosterpb::RosterChange> changes = stream->AwaitChanges(1);
  EXPECT_THAT(Subjects(changes), ElementsAre(absl::StrCat("MEMBER_MOVED ", rep_a1_.id())));
  EXPECT_THAT(Sequences(changes), ElementsAre(kFixtureChanges + 1));
}

TEST_P(RosterServiceTest, AnAfterSequenceAheadOfTheFeedIsFailedPrecondition) {
  std::unique_ptr<ChangeStream> ahead = Watch(service_token_, WatchAfter(kFixtureChanges + 1));
  EXPECT_THAT(ahead->AwaitEnd(), StatusIs(kFailedPrecondition, HasSubstr("ahead")));
  EXPECT_THAT(ahead->AwaitMessages(1), IsEmpty());

  // At the head itself: a first message that says so.
  std::unique_ptr<ChangeStream> at_head = Watch(service_token_, WatchAfter(kFixtureChanges));
  const std::vector<rosterpb::WatchRosterChangesResponse> first = at_head->AwaitMessages(1);
  ASSERT_THAT(first, SizeIs(1));
  EXPECT_THAT(first[0].changes(), IsEmpty());
  EXPECT_EQ(first[0].head_sequence(), kFixtureChanges);
}

TEST_P(RosterServiceTest, AnAfterSequenceOlderThanTheRetentionIsFailedPreconditionSayingSo) {
  // Every fixture change was committed at FixedNow().
  ASSERT_OK_AND_ASSIGN(const int64_t pruned_through,
                       OtherReplica().PruneChanges(FixedNow() + absl::Seconds(1)));
  ASSERT_EQ(pruned_through, kFixtureChanges);

  for (int64_t after : {int64_t{0}, kFixtureChanges - 1}) {
    SCOPED_TRACE(absl::StrCat("after_sequence ", after));
    std::unique_ptr<ChangeStream> stream = Watch(service_token_, WatchAfter(after));
    EXPECT_THAT(stream->AwaitEnd(), StatusIs(kFailedPrecondition, HasSubstr("retention")));
    EXPECT_THAT(stream->AwaitMessages(1), IsEmpty());
  }

  // From the end of the pruned range the feed goes on.
  std::unique_ptr<ChangeStream> stream = Watch(service_token_, WatchAfter(pruned_through));
  ASSERT_THAT(stream->AwaitMessages(1), SizeIs(1));
  ASSERT_OK(MoveMember(admin_token_, rep_a1_, team_a_.id(), rosterpb::MEMBER_ROLE_SALES_DEVELOPMENT,
                       Day(2026, 6, 15))
                .status());
  EXPECT_THAT(Sequences(stream->AwaitChanges(1)), ElementsAre(pruned_through + 1));
}

// For people reading the log (salesctl roster-changes): an old position
// starts at the oldest change kept instead of failing.
TEST_P(RosterServiceTest, FromOldestRetainedStartsAfterThePrunedChangesInsteadOfFailing) {
  ASSERT_OK_AND_ASSIGN(const int64_t pruned_through,
                       OtherReplica().PruneChanges(FixedNow() + absl::Seconds(1)));
  ASSERT_EQ(pruned_through, kFixtureChanges);
  ASSERT_OK(MoveMember(admin_token_, rep_a1_, team_a_.id(), rosterpb::MEMBER_ROLE_SALES_DEVELOPMENT,
                       Day(2026, 6, 15))
                .status());
  rosterpb::WatchRosterChangesRequest request = WatchAfter(0);
  request.set_from_oldest_retained(true);
  std::unique_ptr<ChangeStream> stream = Watch(service_token_, request);
  EXPECT_THAT(Sequences(stream->AwaitChanges(1)), ElementsAre(pruned_through + 1));
}

TEST_P(RosterServiceTest, TheFeedDeletesChangesOlderThanTheRetentionByTheServicesClock) {
  // A change three days after the fixture's, then eight days after them:
  // only the fixture's are past the retention (seven days).
  harness_->clock().Advance(absl::Hours(3 * 24));
  ASSERT_OK(MoveMember(admin_token_, rep_a1_, team_a_.id(), rosterpb::MEMBER_ROLE_SALES_DEVELOPMENT,
                       Day(2026, 6, 18))
                .status());
  harness_->clock().Advance(absl::Hours(5 * 24));

  // The feed prunes on its own, at its next poll.
  RosterStore replica = OtherReplica();
  absl::StatusOr<ChangePage> page = replica.ReadChanges(0, 1);
  for (const absl::Time give_up = absl::Now() + kFeedWait;
       page.ok() && page->pruned_through == 0 && absl::Now() < give_up;
       page = replica.ReadChanges(0, 1)) {
    absl::SleepFor(absl::Milliseconds(20));
  }
  ASSERT_OK(page.status());
  EXPECT_EQ(page->pruned_through, kFixtureChanges);
  std::unique_ptr<ChangeStream> too_old = Watch(service_token_, WatchAfter(0));
  EXPECT_THAT(too_old->AwaitEnd(), StatusIs(kFailedPrecondition, HasSubstr("retention")));
  std::unique_ptr<ChangeStream> retained = Watch(service_token_, WatchAfter(kFixtureChanges));
  EXPECT_THAT(Subjects(retained->AwaitChanges(1)),
              ElementsAre(absl::StrCat("MEMBER_MOVED ", rep_a1_.id())));
}

TEST_P(RosterServiceTest, OnlyAdminsAndServicesMayWatchTheChanges) {
  for (const std::string* token : {&rep_a_token_, &manager_a_token_, &manager_b_token_}) {
    std::unique_ptr<ChangeStream> stream = Watch(*token, WatchAfter(0));
    EXPECT_THAT(stream->AwaitEnd(), StatusIs(kPermissionDenied));
    EXPECT_THAT(stream->AwaitMessages(1), IsEmpty());
  }
  std::unique_ptr<ChangeStream> anonymous = Watch("", WatchAfter(0));
  EXPECT_THAT(anonymous->AwaitEnd(), StatusIs(absl::StatusCode::kUnauthenticated));
  EXPECT_THAT(anonymous->AwaitMessages(1), IsEmpty());

  for (const std::string* token : {&admin_token_, &service_token_}) {
    std::unique_ptr<ChangeStream> stream = Watch(*token, WatchAfter(0));
    EXPECT_THAT(stream->AwaitChanges(kFixtureChanges), SizeIs(kFixtureChanges));
  }
}

TEST_P(RosterServiceTest, ANegativeAfterSequenceIsInvalidArgumentNamingIt) {
  std::unique_ptr<ChangeStream> stream = Watch(service_token_, WatchAfter(-1));
  EXPECT_THAT(stream->AwaitEnd(), StatusIs(kInvalidArgument, HasSubstr("after_sequence")));
  EXPECT_THAT(stream->AwaitMessages(1), IsEmpty());
}

TEST_P(RosterServiceTest, ABacklogLongerThanOneMessageArrivesWholeAndInOrder) {
  // More changes than one message carries (500), written by another replica.
  constexpr int kWrites = 520;
  RosterStore replica = OtherReplica();
  rosterpb::Team team = team_b_;
  for (int i = 0; i < kWrites; ++i) {
    team.set_name(absl::StrCat("Team B, version ", team.version() + 1));
    ASSERT_OK_AND_ASSIGN(team, replica.UpdateTeam(team, team.version(), FixedNow()));
  }

  std::unique_ptr<ChangeStream> stream = Watch(service_token_, WatchAfter(0));
  const std::vector<rosterpb::RosterChange> changes =
      stream->AwaitChanges(kFixtureChanges + kWrites);
  EXPECT_THAT(Sequences(changes), ElementsAreArray(SequencesAfter(0, kFixtureChanges + kWrites)));
  ASSERT_THAT(changes, Not(IsEmpty()));
  EXPECT_EQ(changes.back().team().name(), absl::StrCat("Team B, version ", kWrites + 1));
  const std::vector<rosterpb::WatchRosterChangesResponse> messages = stream->AwaitMessages(2);
  EXPECT_THAT(messages, SizeIs(Ge(2)));
  for (const rosterpb::WatchRosterChangesResponse& message : messages) {
    EXPECT_THAT(message.changes(), SizeIs(Le(500)));
  }
}

TEST_P(RosterServiceTest, AChangeCommittedByAnotherReplicaReachesAWatcherAtTheHead) {
  std::unique_ptr<ChangeStream> stream = Watch(service_token_, WatchFromHead());
  ASSERT_THAT(stream->AwaitMessages(1), SizeIs(1));

  rosterpb::Team team = team_b_;
  team.set_name("Renamed Elsewhere");
  ASSERT_OK(OtherReplica().UpdateTeam(team, team.version(), FixedNow()).status());
  const std::vector<rosterpb::RosterChange> changes = stream->AwaitChanges(1);
  EXPECT_THAT(Subjects(changes), ElementsAre(absl::StrCat("TEAM_UPDATED ", team_b_.id())));
  ASSERT_THAT(changes, SizeIs(1));
  EXPECT_EQ(changes[0].team().name(), "Renamed Elsewhere");
}

TEST_P(RosterServiceTest, ReadsAfterAWriteCarryARosterSequenceAtLeastTheWrites) {
  // The member is cached as it was before the write.
  ASSERT_OK(BatchGetMembers(service_token_, {rep_a1_.id()}).status());
  ASSERT_OK(MoveMember(admin_token_, rep_a1_, team_a_.id(), rosterpb::MEMBER_ROLE_SALES_DEVELOPMENT,
                       Day(2026, 6, 15))
                .status());
  ASSERT_OK_AND_ASSIGN(rosterpb::BatchGetMembersResponse batch,
                       BatchGetMembers(service_token_, {rep_a1_.id()}));
  rosterpb::Team renamed = team_a_;
  renamed.set_name("Team A Renamed");
  ASSERT_OK(UpdateTeam(admin_token_, renamed, {"name"}).status());
  rosterpb::GetTeamRequest get_team;
  get_team.set_team_id(team_a_.id());
  ASSERT_OK_AND_ASSIGN(rosterpb::GetTeamResponse team,
                       Call(&rosterpb::RosterService::Stub::GetTeam, service_token_, get_team));

  // The writes' own sequences, as the feed numbered them.
  std::unique_ptr<ChangeStream> stream = Watch(service_token_, WatchAfter(0));
  const std::vector<rosterpb::RosterChange> changes = stream->AwaitChanges(kFixtureChanges + 2);
  const int64_t move = SequenceOf(changes, rosterpb::ROSTER_CHANGE_KIND_MEMBER_MOVED, rep_a1_.id());
  const int64_t rename =
      SequenceOf(changes, rosterpb::ROSTER_CHANGE_KIND_TEAM_UPDATED, team_a_.id());
  ASSERT_GT(move, 0);
  ASSERT_GT(rename, 0);
  EXPECT_GE(batch.roster_sequence(), move);
  ASSERT_THAT(batch.members(), SizeIs(1));
  EXPECT_EQ(batch.members(0).role(), rosterpb::MEMBER_ROLE_SALES_DEVELOPMENT);
  EXPECT_GE(team.roster_sequence(), rename);
  EXPECT_EQ(team.team().name(), "Team A Renamed");
}

TEST_P(RosterServiceRedisDownTest, ACachedMemberWhoseInvalidationWasLostIsNotServedAfterAMove) {
  ASSERT_OK(GetMember(service_token_, rep_a1_.id()).status());  // cached before the move
  // The write's invalidation fails: the old copy stays in the cache.
  fake_cache_->SetAvailable(false);
  ASSERT_OK(MoveMember(admin_token_, rep_a1_, team_a_.id(), rosterpb::MEMBER_ROLE_SALES_DEVELOPMENT,
                       Day(2026, 6, 15))
                .status());
  fake_cache_->SetAvailable(true);

  ASSERT_OK_AND_ASSIGN(rosterpb::Member single, GetMember(service_token_, rep_a1_.id()));
  EXPECT_EQ(single.role(), rosterpb::MEMBER_ROLE_SALES_DEVELOPMENT);
  EXPECT_EQ(single.version(), 2);
  ASSERT_OK_AND_ASSIGN(rosterpb::BatchGetMembersResponse batch,
                       BatchGetMembers(service_token_, {rep_a1_.id(), rep_a2_.id()}));
  ASSERT_THAT(batch.members(), SizeIs(2));
  EXPECT_EQ(batch.members(0).role(), rosterpb::MEMBER_ROLE_SALES_DEVELOPMENT);
  EXPECT_THAT(batch.members(0).assignments(), SizeIs(2));
}

SALESTEAM_INSTANTIATE_DATABASE_TEST(RosterServiceTest);
SALESTEAM_INSTANTIATE_DATABASE_TEST(RosterServiceRedisDownTest);

}  // namespace
}  // namespace salesteam::roster
