#include "services/activity/roster_directory.h"

#include <algorithm>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "common/auth/auth.h"
#include "common/cache/cache_aside.h"
#include "common/status.h"
#include "grpcpp/grpcpp.h"
#include "salesteam/roster/v1/roster.grpc.pb.h"

namespace salesteam::activity {
namespace {

// The roster answers at most this many ids per BatchGetMembers.
constexpr int kRosterBatchLimit = 1000;
// Past this many entries the in-process cache starts over: it is a hot-path
// shortcut, not a copy of the roster.
constexpr size_t kMaxLocalEntries = 200000;

std::string MemberKey(absl::string_view id) { return absl::StrCat("activity:v1:member:", id); }
std::string TeamKey(absl::string_view id) { return absl::StrCat("activity:v1:team:", id); }

template <typename T>
struct Local {
  std::shared_ptr<const T> value;
  absl::Time expires;
};

}  // namespace

struct GrpcRosterDirectory::Impl {
  Impl(std::shared_ptr<grpc::Channel> channel, cache::Cache* cache,
       GrpcRosterDirectoryOptions options)
      : stub(rosterpb::RosterService::NewStub(std::move(channel))),
        cache_aside(cache, {.call_options = {.timeout = options.cache_timeout}}),
        options(std::move(options)) {}

  absl::Status Prepare(grpc::ClientContext& context) {
    context.set_deadline(absl::ToChronoTime(absl::Now() + options.deadline));
    ASSIGN_OR_RETURN(std::string token, options.token());
    auth::AttachBearerToken(context, token);
    return absl::OkStatus();
  }

  // BatchGetMembers for `ids` (any number), serialized members by cache key.
  absl::StatusOr<cache::CacheAside::ValuesByKey> LoadMembers(absl::Span<const std::string> keys) {
    cache::CacheAside::ValuesByKey values;
    const size_t prefix = MemberKey("").size();
    for (size_t start = 0; start < keys.size(); start += kRosterBatchLimit) {
      rosterpb::BatchGetMembersRequest request;
      for (size_t i = start; i < keys.size() && i < start + kRosterBatchLimit; ++i) {
        request.add_member_ids(keys[i].substr(prefix));
      }
      rosterpb::BatchGetMembersResponse response;
      grpc::ClientContext context;
      RETURN_IF_ERROR(Prepare(context));
      grpc::Status status = stub->BatchGetMembers(&context, request, &response);
      if (!status.ok()) return FromDownstreamStatus(status, "roster BatchGetMembers");
      for (const rosterpb::Member& member : response.members()) {
        values.emplace(MemberKey(member.id()), member.SerializeAsString());
      }
    }
    return values;
  }

  std::unique_ptr<rosterpb::RosterService::Stub> stub;
  cache::CacheAside cache_aside;
  GrpcRosterDirectoryOptions options;

  absl::Mutex mu;
  absl::flat_hash_map<std::string, Local<rosterpb::Member>> members ABSL_GUARDED_BY(mu);
  absl::flat_hash_map<std::string, Local<TeamFacts>> teams ABSL_GUARDED_BY(mu);
};

GrpcRosterDirectory::GrpcRosterDirectory(std::shared_ptr<grpc::Channel> channel,
                                         cache::Cache* cache, GrpcRosterDirectoryOptions options)
    : impl_(std::make_unique<Impl>(std::move(channel), cache, std::move(options))) {}

GrpcRosterDirectory::~GrpcRosterDirectory() = default;

MemberLookup GrpcRosterDirectory::GetMembers(absl::Span<const std::string> ids) {
  MemberLookup lookup;
  const absl::Time now = impl_->options.clock();
  std::vector<std::string> keys;
  {
    absl::MutexLock lock(&impl_->mu);
    for (const std::string& id : ids) {
      if (lookup.found.contains(id)) continue;
      auto it = impl_->members.find(id);
      if (it != impl_->members.end() && it->second.expires > now) {
        lookup.found.emplace(id, it->second.value);
      } else {
        keys.push_back(MemberKey(id));
      }
    }
  }
  if (keys.empty()) return lookup;
  std::sort(keys.begin(), keys.end());
  keys.erase(std::unique(keys.begin(), keys.end()), keys.end());
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
    auto member = std::make_shared<rosterpb::Member>();
    if (!member->ParseFromString(it->second)) {
      lookup.unavailable.insert(id);
      lookup.unavailable_reason =
          absl::InternalError(absl::StrCat("cached member ", QuoteInput(id), " does not parse"));
      continue;
    }
    impl_->members[id] = {member, now + impl_->options.local_ttl};
    lookup.found.emplace(std::move(id), std::move(member));
  }
  return lookup;
}

absl::StatusOr<std::shared_ptr<const TeamFacts>> GrpcRosterDirectory::GetTeam(
    absl::string_view team_id) {
  const absl::Time now = impl_->options.clock();
  {
    absl::MutexLock lock(&impl_->mu);
    auto it = impl_->teams.find(team_id);
    if (it != impl_->teams.end() && it->second.expires > now) return it->second.value;
  }
  ASSIGN_OR_RETURN(
      rosterpb::Team team,
      impl_->cache_aside.GetOrLoadMessage<rosterpb::Team>(
          TeamKey(team_id), impl_->options.redis_ttl, [&]() -> absl::StatusOr<rosterpb::Team> {
            rosterpb::GetTeamRequest request;
            request.set_team_id(std::string(team_id));
            rosterpb::GetTeamResponse response;
            grpc::ClientContext context;
            RETURN_IF_ERROR(impl_->Prepare(context));
            grpc::Status status = impl_->stub->GetTeam(&context, request, &response);
            if (!status.ok()) return FromDownstreamStatus(status, "roster GetTeam");
            return response.team();
          }));
  ASSIGN_OR_RETURN(TeamFacts facts, TeamFactsFromRoster(team));
  auto shared = std::make_shared<const TeamFacts>(std::move(facts));
  absl::MutexLock lock(&impl_->mu);
  if (impl_->teams.size() > kMaxLocalEntries) impl_->teams.clear();
  impl_->teams[std::string(team_id)] = {shared, now + impl_->options.local_ttl};
  return shared;
}

ServiceTokenSource::ServiceTokenSource(std::string secret, std::string service_name)
    : secret_(std::move(secret)), service_name_(std::move(service_name)) {}

absl::StatusOr<std::string> ServiceTokenSource::Token() {
  const absl::Time now = absl::Now();
  absl::MutexLock lock(&mu_);
  if (now < renew_at_) return token_;
  auth::Principal principal;
  principal.subject = service_name_;
  principal.role = auth::Role::kService;
  constexpr absl::Duration kTtl = absl::Hours(1);
  ASSIGN_OR_RETURN(token_, auth::MintToken(secret_, principal, kTtl, now));
  renew_at_ = now + kTtl / 2;
  return token_;
}

}  // namespace salesteam::activity
