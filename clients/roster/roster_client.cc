#include "clients/roster/roster_client.h"

#include <algorithm>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "common/cache/cache_aside.h"
#include "common/status.h"
#include "common/time/time_zone.h"
#include "grpcpp/grpcpp.h"
#include "salesteam/roster/v1/roster.grpc.pb.h"

namespace salesteam::clients {
namespace {

// The roster answers at most this many ids per BatchGetMembers.
constexpr int kRosterBatchLimit = 1000;
// Past this many entries the in-process cache starts over: it is a hot-path
// shortcut, not a copy of the roster.
constexpr size_t kMaxLocalEntries = 200000;

// Shared by every service that uses this client: the values are the roster's
// own messages, whoever cached them.
std::string MemberKey(absl::string_view id) { return absl::StrCat("roster-client:v1:member:", id); }
std::string TeamKey(absl::string_view id) { return absl::StrCat("roster-client:v1:team:", id); }

std::optional<periods::Date> OptionalDate(const salesteam::type::v1::Date& date, bool present) {
  if (!present) return std::nullopt;
  absl::StatusOr<periods::Date> day = periods::DateFromProto(date, "date");
  if (!day.ok()) return std::nullopt;
  return *day;
}

template <typename T>
struct Local {
  std::shared_ptr<const T> value;
  absl::Time expires;
};

}  // namespace

RosterMember RosterMemberFromProto(const rosterpb::Member& member) {
  RosterMember out;
  out.id = member.id();
  out.name = member.name();
  out.team_id = member.team_id();
  out.role = member.role();
  out.hire_date = OptionalDate(member.hire_date(), member.has_hire_date());
  out.deactivation_date = OptionalDate(member.deactivation_date(), member.has_deactivation_date());
  out.active = member.active();
  if (member.has_value_tier()) out.value_tier = member.value_tier();
  out.assignments.reserve(member.assignments_size());
  for (const rosterpb::Assignment& assignment : member.assignments()) {
    out.assignments.push_back({.team_id = assignment.team_id(),
                               .role = assignment.role(),
                               .effective_from = OptionalDate(assignment.effective_from(),
                                                              assignment.has_effective_from()),
                               .effective_until = OptionalDate(assignment.effective_until(),
                                                               assignment.has_effective_until())});
  }
  return out;
}

absl::StatusOr<RosterTeam> RosterTeamFromProto(const rosterpb::Team& team) {
  RosterTeam out;
  out.id = team.id();
  out.name = team.name();
  absl::StatusOr<absl::TimeZone> zone = periods::LoadTimeZone(team.time_zone(), "team.time_zone");
  if (!zone.ok()) {
    return absl::InternalError(
        absl::StrCat("team ", QuoteInput(team.id()),
                     " has a time zone this server cannot load: ", zone.status().message()));
  }
  out.zone = *zone;
  out.currency_code = team.currency_code();
  out.sales_model = team.sales_model();
  for (const rosterpb::StageOwnership& ownership : team.stage_ownership()) {
    const int stage = static_cast<int>(ownership.stage());
    if (stage > 0 && stage < static_cast<int>(out.stage_owner.size())) {
      out.stage_owner[stage] = ownership.role();
    }
  }
  out.manager_id = team.manager_id();
  out.min_attainment_bps = team.expectation_policy().min_attainment_bps();
  out.consecutive_periods = team.expectation_policy().consecutive_periods();
  return out;
}

struct GrpcRosterClient::Impl {
  Impl(std::shared_ptr<grpc::Channel> channel, cache::Cache* cache, GrpcRosterClientOptions options)
      : stub(rosterpb::RosterService::NewStub(std::move(channel))),
        cache_aside(cache, {.call_options = {.timeout = options.cache_timeout}}),
        options(std::move(options)) {}

  // BatchGetMembers for `keys` (any number), serialized members by cache key.
  absl::StatusOr<cache::CacheAside::ValuesByKey> LoadMembers(absl::Span<const std::string> keys) {
    cache::CacheAside::ValuesByKey values;
    const size_t prefix = MemberKey("").size();
    for (size_t start = 0; start < keys.size(); start += kRosterBatchLimit) {
      rosterpb::BatchGetMembersRequest request;
      for (size_t i = start; i < keys.size() && i < start + kRosterBatchLimit; ++i) {
        request.add_member_ids(keys[i].substr(prefix));
      }
      rosterpb::BatchGetMembersResponse response;
      ASSIGN_OR_RETURN(std::unique_ptr<grpc::ClientContext> context,
                       client::NewPeerContext(options.deadline, options.token));
      grpc::Status status = stub->BatchGetMembers(context.get(), request, &response);
      if (!status.ok()) return FromDownstreamStatus(status, "roster BatchGetMembers");
      for (const rosterpb::Member& member : response.members()) {
        values.emplace(MemberKey(member.id()), member.SerializeAsString());
      }
    }
    return values;
  }

  absl::StatusOr<rosterpb::Team> LoadTeam(absl::string_view team_id) {
    rosterpb::GetTeamRequest request;
    request.set_team_id(std::string(team_id));
    rosterpb::GetTeamResponse response;
    ASSIGN_OR_RETURN(std::unique_ptr<grpc::ClientContext> context,
                     client::NewPeerContext(options.deadline, options.token));
    grpc::Status status = stub->GetTeam(context.get(), request, &response);
    if (!status.ok()) return FromDownstreamStatus(status, "roster GetTeam");
    return response.team();
  }

  // The ids of `ids` not in the in-process cache, as sorted unique cache keys;
  // the others go into `lookup`.
  std::vector<std::string> FromLocal(absl::Span<const std::string> ids, absl::Time now,
                                     MemberLookup& lookup) ABSL_LOCKS_EXCLUDED(mu) {
    std::vector<std::string> keys;
    absl::MutexLock lock(&mu);
    for (const std::string& id : ids) {
      if (lookup.found.contains(id)) continue;
      auto it = members.find(id);
      if (it != members.end() && it->second.expires > now) {
        lookup.found.emplace(id, it->second.value);
      } else {
        keys.push_back(MemberKey(id));
      }
    }
    std::sort(keys.begin(), keys.end());
    keys.erase(std::unique(keys.begin(), keys.end()), keys.end());
    return keys;
  }

  std::unique_ptr<rosterpb::RosterService::Stub> stub;
  cache::CacheAside cache_aside;
  GrpcRosterClientOptions options;

  absl::Mutex mu;
  absl::flat_hash_map<std::string, Local<RosterMember>> members ABSL_GUARDED_BY(mu);
  absl::flat_hash_map<std::string, Local<RosterTeam>> teams ABSL_GUARDED_BY(mu);
};

GrpcRosterClient::GrpcRosterClient(std::shared_ptr<grpc::Channel> channel, cache::Cache* cache,
                                   GrpcRosterClientOptions options)
    : impl_(std::make_unique<Impl>(std::move(channel), cache, std::move(options))) {}

GrpcRosterClient::~GrpcRosterClient() = default;

MemberLookup GrpcRosterClient::GetMembers(absl::Span<const std::string> ids) {
  MemberLookup lookup;
  const absl::Time now = impl_->options.clock();
  const std::vector<std::string> keys = impl_->FromLocal(ids, now, lookup);
  if (keys.empty()) return lookup;
  absl::StatusOr<cache::CacheAside::ValuesByKey> values = impl_->cache_aside.GetOrLoadMany(
      keys, impl_->options.redis_ttl,
      [this](absl::Span<const std::string> missing) { return impl_->LoadMembers(missing); });
  const size_t prefix = MemberKey("").size();
  if (!values.ok()) {
    lookup.unavailable_reason = values.status();
    for (const std::string& key : keys) lookup.unavailable.insert(key.substr(prefix));
    return lookup;
  }
  absl::MutexLock lock(&impl_->mu);
  if (impl_->members.size() > kMaxLocalEntries) impl_->members.clear();
  for (const std::string& key : keys) {
    std::string id = key.substr(prefix);
    auto it = values->find(key);
    if (it == values->end()) {
      lookup.missing.insert(std::move(id));
      continue;
    }
    rosterpb::Member proto;
    if (!proto.ParseFromString(it->second)) {
      lookup.unavailable.insert(id);
      lookup.unavailable_reason =
          absl::InternalError(absl::StrCat("cached member ", QuoteInput(id), " does not parse"));
      continue;
    }
    auto member = std::make_shared<const RosterMember>(RosterMemberFromProto(proto));
    impl_->members[id] = {member, now + impl_->options.local_ttl};
    lookup.found.emplace(std::move(id), std::move(member));
  }
  return lookup;
}

absl::StatusOr<std::shared_ptr<const RosterTeam>> GrpcRosterClient::GetTeam(
    absl::string_view team_id) {
  const absl::Time now = impl_->options.clock();
  {
    absl::MutexLock lock(&impl_->mu);
    auto it = impl_->teams.find(team_id);
    if (it != impl_->teams.end() && it->second.expires > now) return it->second.value;
  }
  ASSIGN_OR_RETURN(rosterpb::Team proto, impl_->cache_aside.GetOrLoadMessage<rosterpb::Team>(
                                             TeamKey(team_id), impl_->options.redis_ttl,
                                             [&]() { return impl_->LoadTeam(team_id); }));
  ASSIGN_OR_RETURN(RosterTeam team, RosterTeamFromProto(proto));
  auto shared = std::make_shared<const RosterTeam>(std::move(team));
  absl::MutexLock lock(&impl_->mu);
  if (impl_->teams.size() > kMaxLocalEntries) impl_->teams.clear();
  impl_->teams[std::string(team_id)] = {shared, now + impl_->options.local_ttl};
  return shared;
}

client::RetryPolicy RosterRetryPolicy() {
  return {.service = rosterpb::RosterService::service_full_name(),
          .idempotent_methods = {"GetTeam", "GetMember", "BatchGetMembers"}};
}

}  // namespace salesteam::clients
