#include "services/activity/testing/test_roster.h"

#include <utility>

#include "absl/strings/str_cat.h"
#include "common/server/server.h"
#include "common/status.h"
#include "common/store/migrations.h"
#include "common/testing/databases.h"
#include "grpcpp/grpcpp.h"
#include "roster_migrations.h"
#include "services/roster/roster_service.h"

namespace salesteam::activity::testing {

struct TestRoster::State {
  std::unique_ptr<salesteam::testing::TestDatabase> test_db;
  std::unique_ptr<store::Database> db;
  std::unique_ptr<roster::RosterServiceImpl> service;
  std::unique_ptr<server::Server> server;
};

absl::StatusOr<std::unique_ptr<TestRoster>> TestRoster::Start(std::string secret,
                                                              cache::Cache* cache,
                                                              absl::Duration clock_lag) {
  std::unique_ptr<TestRoster> roster(new TestRoster());
  roster->secret_ = std::move(secret);
  roster->clock_lag_ = clock_lag;
  roster->state_ = std::make_unique<State>();
  State& state = *roster->state_;
  ASSIGN_OR_RETURN(state.test_db, salesteam::testing::TestDatabase::Create(
                                      salesteam::testing::DatabaseKind::kSqlite));
  ASSIGN_OR_RETURN(state.db, state.test_db->Open());
  RETURN_IF_ERROR(store::ApplyMigrations(*state.db, salesteam::migrations::roster()));
  roster::RosterServiceOptions options;
  options.page_token_key = roster->secret_;
  options.clock = [clock_lag] { return absl::Now() - clock_lag; };
  state.service = std::make_unique<roster::RosterServiceImpl>(state.db.get(), cache, options);
  server::ServerOptions server_options;
  server_options.verifier = std::make_shared<auth::TokenVerifier>(roster->secret_);
  server_options.metrics_address = "";
  server_options.shutdown_grace = absl::Seconds(1);
  server_options.call_log = [](absl::string_view) {};
  ASSIGN_OR_RETURN(
      state.server,
      server::Server::Start(server_options,
                            {{rosterpb::RosterService::service_full_name(), state.service.get()}}));
  roster->address_ = absl::StrCat("127.0.0.1:", state.server->port());
  roster->stub_ = rosterpb::RosterService::NewStub(
      grpc::CreateChannel(roster->address_, grpc::InsecureChannelCredentials()));
  roster->admin_token_ = roster->Token("test-admin", auth::Role::kAdmin);
  return roster;
}

TestRoster::~TestRoster() { Stop(); }

void TestRoster::Stop() {
  if (state_ == nullptr || state_->server == nullptr) return;
  state_->server->Shutdown();
  state_->server.reset();
}

periods::Date TestRoster::Today() const {
  return absl::ToCivilDay(absl::Now() - clock_lag_, absl::UTCTimeZone());
}

std::string TestRoster::Token(absl::string_view subject, auth::Role role,
                              std::vector<std::string> teams) const {
  auth::Principal principal;
  principal.subject = std::string(subject);
  principal.role = role;
  principal.teams = std::move(teams);
  absl::StatusOr<std::string> token =
      auth::MintToken(secret_, principal, absl::Hours(2), absl::Now());
  return token.ok() ? *token : std::string();
}

absl::StatusOr<rosterpb::Team> TestRoster::CreateTeam(absl::string_view name,
                                                      rosterpb::SalesModel model,
                                                      absl::string_view time_zone,
                                                      absl::string_view currency_code) {
  rosterpb::CreateTeamRequest request;
  rosterpb::Team* team = request.mutable_team();
  team->set_name(std::string(name));
  team->set_time_zone(std::string(time_zone));
  team->set_currency_code(std::string(currency_code));
  team->set_sales_model(model);
  team->mutable_expectation_policy()->set_min_attainment_bps(9000);
  team->mutable_expectation_policy()->set_consecutive_periods(2);
  rosterpb::CreateTeamResponse response;
  grpc::ClientContext context;
  auth::AttachBearerToken(context, admin_token_);
  grpc::Status status = stub_->CreateTeam(&context, request, &response);
  if (!status.ok()) return FromDownstreamStatus(status, "roster CreateTeam");
  return response.team();
}

absl::StatusOr<rosterpb::Member> TestRoster::CreateMember(absl::string_view name,
                                                          absl::string_view team_id,
                                                          rosterpb::MemberRole role,
                                                          std::optional<int> value_tier,
                                                          std::optional<periods::Date> hire_date) {
  rosterpb::CreateMemberRequest request;
  rosterpb::Member* member = request.mutable_member();
  member->set_name(std::string(name));
  member->set_email(absl::StrCat("member", ++next_email_, "@activity-test.example.com"));
  member->set_archetype(rosterpb::ARCHETYPE_PRODUCER);
  if (value_tier.has_value()) member->set_value_tier(*value_tier);
  const periods::Date hired =
      hire_date.value_or(absl::ToCivilDay(absl::Now(), absl::UTCTimeZone()) - 420);
  periods::DateToProto(hired, member->mutable_hire_date());
  request.set_team_id(std::string(team_id));
  request.set_role(role);
  rosterpb::CreateMemberResponse response;
  grpc::ClientContext context;
  auth::AttachBearerToken(context, admin_token_);
  grpc::Status status = stub_->CreateMember(&context, request, &response);
  if (!status.ok()) return FromDownstreamStatus(status, "roster CreateMember");
  return response.member();
}

absl::StatusOr<rosterpb::Member> TestRoster::GetMember(absl::string_view member_id) {
  rosterpb::GetMemberRequest request;
  request.set_member_id(std::string(member_id));
  rosterpb::GetMemberResponse response;
  grpc::ClientContext context;
  auth::AttachBearerToken(context, admin_token_);
  grpc::Status status = stub_->GetMember(&context, request, &response);
  if (!status.ok()) return FromDownstreamStatus(status, "roster GetMember");
  return response.member();
}

absl::StatusOr<rosterpb::Member> TestRoster::MoveMember(absl::string_view member_id,
                                                        absl::string_view team_id,
                                                        rosterpb::MemberRole role,
                                                        periods::Date day) {
  ASSIGN_OR_RETURN(rosterpb::Member member, GetMember(member_id));
  rosterpb::MoveMemberRequest request;
  request.set_member_id(std::string(member_id));
  request.set_version(member.version());
  request.set_team_id(std::string(team_id));
  request.set_role(role);
  periods::DateToProto(day, request.mutable_effective_date());
  rosterpb::MoveMemberResponse response;
  grpc::ClientContext context;
  auth::AttachBearerToken(context, admin_token_);
  grpc::Status status = stub_->MoveMember(&context, request, &response);
  if (!status.ok()) return FromDownstreamStatus(status, "roster MoveMember");
  return response.member();
}

absl::StatusOr<rosterpb::Member> TestRoster::DeactivateMember(absl::string_view member_id,
                                                              periods::Date day) {
  ASSIGN_OR_RETURN(rosterpb::Member member, GetMember(member_id));
  rosterpb::DeactivateMemberRequest request;
  request.set_member_id(std::string(member_id));
  request.set_version(member.version());
  periods::DateToProto(day, request.mutable_effective_date());
  rosterpb::DeactivateMemberResponse response;
  grpc::ClientContext context;
  auth::AttachBearerToken(context, admin_token_);
  grpc::Status status = stub_->DeactivateMember(&context, request, &response);
  if (!status.ok()) return FromDownstreamStatus(status, "roster DeactivateMember");
  return response.member();
}

}  // namespace salesteam::activity::testing
