#include "clients/roster/testing/test_roster.h"

#include <utility>

#include "absl/strings/str_cat.h"
#include "common/server/server.h"
#include "common/status.h"
#include "grpcpp/grpcpp.h"
#include "roster_migrations.h"
#include "services/roster/roster_service.h"

namespace salesteam::clients::testing {

absl::StatusOr<std::unique_ptr<TestRoster>> TestRoster::Start(std::string secret,
                                                              salesteam::testing::CacheKind cache,
                                                              absl::Duration clock_lag) {
  std::unique_ptr<TestRoster> roster(new TestRoster());
  roster->secret_ = secret;
  roster->clock_lag_ = clock_lag;
  ASSIGN_OR_RETURN(roster->harness_, salesteam::testing::ServiceHarness::Create(
                                         {.database = salesteam::testing::DatabaseKind::kSqlite,
                                          .migrations = &salesteam::migrations::roster(),
                                          .cache = cache,
                                          .secret = std::move(secret),
                                          .server_options = [](server::ServerOptions& options) {
                                            options.shutdown_grace = absl::Seconds(1);
                                            options.call_log = [](absl::string_view) {};
                                          }}));
  roster::RosterServiceOptions options;
  options.page_token_key = roster->secret_;
  // The roster's today follows the real one, `clock_lag` behind, because
  // hire dates are set relative to the real today.
  options.clock = [clock_lag] { return absl::Now() - clock_lag; };
  salesteam::testing::ServiceHarness& harness = *roster->harness_;
  RETURN_IF_ERROR(harness.Serve(
      rosterpb::RosterService::service_full_name(),
      std::make_unique<roster::RosterServiceImpl>(&harness.db(), &harness.cache(), options)));
  roster->stub_ = rosterpb::RosterService::NewStub(harness.channel());
  roster->admin_token_ = roster->Token("test-admin", auth::Role::kAdmin);
  return roster;
}

TestRoster::~TestRoster() = default;

const std::string& TestRoster::address() const { return harness_->address(); }

void TestRoster::Stop() { harness_->Stop(); }

periods::Date TestRoster::Today() const {
  return absl::ToCivilDay(absl::Now() - clock_lag_, absl::UTCTimeZone());
}

std::string TestRoster::Token(absl::string_view subject, auth::Role role,
                              std::vector<std::string> teams) const {
  return harness_->Token(subject, role, std::move(teams));
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

absl::StatusOr<rosterpb::Team> TestRoster::ChangeTeamTerms(absl::string_view team_id,
                                                           absl::string_view time_zone,
                                                           absl::string_view currency_code,
                                                           periods::Date day) {
  rosterpb::GetTeamRequest get;
  get.set_team_id(std::string(team_id));
  rosterpb::GetTeamResponse current;
  {
    grpc::ClientContext context;
    auth::AttachBearerToken(context, admin_token_);
    grpc::Status status = stub_->GetTeam(&context, get, &current);
    if (!status.ok()) return FromDownstreamStatus(status, "roster GetTeam");
  }
  rosterpb::UpdateTeamRequest request;
  request.mutable_team()->set_id(std::string(team_id));
  request.mutable_team()->set_version(current.team().version());
  request.mutable_team()->set_time_zone(std::string(time_zone));
  request.mutable_team()->set_currency_code(std::string(currency_code));
  periods::DateToProto(day, request.mutable_terms_effective_date());
  rosterpb::UpdateTeamResponse response;
  grpc::ClientContext context;
  auth::AttachBearerToken(context, admin_token_);
  grpc::Status status = stub_->UpdateTeam(&context, request, &response);
  if (!status.ok()) return FromDownstreamStatus(status, "roster UpdateTeam");
  return response.team();
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

}  // namespace salesteam::clients::testing
