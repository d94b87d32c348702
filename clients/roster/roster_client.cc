#include "clients/roster/roster_client.h"

#include <algorithm>
#include <iterator>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "clients/roster/change_head.h"
#include "clients/roster/roster_change_follower.h"
#include "common/cache/cache_aside.h"
#include "common/cache/labelled_value.h"
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
// v2: values are labelled with the roster sequence they were read at
// (common/cache/labelled_value.h).
// The roster's change log (feed id) is part of the key: labels are sequences
// of one log, and copies read from another are never compared with them.
std::string MemberKey(absl::string_view feed, absl::string_view id) {
  return absl::StrCat("roster-client:v2:", feed, ":member:", id);
}
std::string TeamKey(absl::string_view feed, absl::string_view id) {
  return absl::StrCat("roster-client:v2:", feed, ":team:", id);
}

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
  // The roster sequence the copy was read at.
  int64_t label = 0;
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
  for (const rosterpb::TeamTerms& terms : team.terms()) {
    absl::StatusOr<absl::TimeZone> terms_zone =
        periods::LoadTimeZone(terms.time_zone(), "team.terms.time_zone");
    if (!terms_zone.ok()) {
      return absl::InternalError(absl::StrCat(
          "team ", QuoteInput(team.id()),
          " has a time zone this server cannot load: ", terms_zone.status().message()));
    }
    out.terms.push_back(
        {.effective_from = OptionalDate(terms.effective_from(), terms.has_effective_from()),
         .zone = *terms_zone,
         .currency_code = terms.currency_code()});
  }
  // A roster from before effective-dated terms: today's, since always.
  if (out.terms.empty())
    out.terms.push_back({.zone = out.zone, .currency_code = out.currency_code});
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

RosterTerms RosterTeam::TermsOn(periods::Date day) const {
  RosterTerms in_force{.zone = zone, .currency_code = currency_code};
  for (size_t i = 0; i < terms.size(); ++i) {
    const RosterTerms& t = terms[i];
    if (i > 0 && t.effective_from.has_value() && *t.effective_from > day) break;
    in_force = t;
  }
  return in_force;
}

RosterTerms RosterTeam::TermsAt(absl::Time instant, periods::Date* local_day) const {
  for (auto it = terms.rbegin(); it != terms.rend(); ++it) {
    const periods::Date day = absl::ToCivilDay(instant, it->zone);
    if (!it->effective_from.has_value() || day >= *it->effective_from ||
        std::next(it) == terms.rend()) {
      *local_day = day;
      return *it;
    }
  }
  *local_day = absl::ToCivilDay(instant, zone);
  return RosterTerms{.zone = zone, .currency_code = currency_code};
}

std::optional<periods::Date> RosterTeam::CurrencyChangeWithin(periods::Date start,
                                                              periods::Date end) const {
  const std::string first = TermsOn(start).currency_code;
  for (const RosterTerms& t : terms) {
    if (!t.effective_from.has_value()) continue;
    const periods::Date day = *t.effective_from;
    if (day > start && day < end && t.currency_code != first) return day;
  }
  return std::nullopt;
}

struct GrpcRosterClient::Impl {
  Impl(std::shared_ptr<grpc::Channel> channel, cache::Cache* cache, GrpcRosterClientOptions options)
      : stub(rosterpb::RosterService::NewStub(std::move(channel))),
        cache(cache),
        cache_aside(cache, {.call_options = {.timeout = options.cache_timeout}}),
        options(std::move(options)) {}

  // BatchGetMembers for `keys` (any number): labelled serialized members by
  // cache key.
  absl::StatusOr<cache::CacheAside::ValuesByKey> LoadMembers(absl::string_view feed,
                                                             absl::Span<const std::string> keys) {
    cache::CacheAside::ValuesByKey values;
    const size_t prefix = MemberKey(feed, "").size();
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
        values.emplace(MemberKey(feed, member.id()),
                       cache::Labelled(response.roster_sequence(), member.SerializeAsString()));
      }
    }
    return values;
  }

  // GetTeam: the labelled serialized team.
  absl::StatusOr<std::string> LoadTeam(absl::string_view team_id) {
    rosterpb::GetTeamRequest request;
    request.set_team_id(std::string(team_id));
    rosterpb::GetTeamResponse response;
    ASSIGN_OR_RETURN(std::unique_ptr<grpc::ClientContext> context,
                     client::NewPeerContext(options.deadline, options.token));
    grpc::Status status = stub->GetTeam(context.get(), request, &response);
    if (!status.ok()) return FromDownstreamStatus(status, "roster GetTeam");
    return cache::Labelled(response.roster_sequence(), response.team().SerializeAsString());
  }

  // Whether this lookup must skip the caches: the follower has not applied
  // a change the roster has published (and so may have acknowledged to a
  // caller), because it lags or is reconnecting. When the roster cannot be
  // reached either, the lookup falls back on the caches.
  bool MustReadThrough(absl::string_view feed_id) {
    if (follower == nullptr || feed_id.empty()) return false;
    absl::StatusOr<std::optional<double>> head = cache->ZScore(
        RosterChangeHeadKey(feed_id), kRosterChangeHeadMember, {.timeout = options.cache_timeout});
    // A head nobody can read (Redis away or restarted) may hide a change the
    // roster acknowledged: slower, but never stale.
    if (!head.ok() || !head->has_value()) return true;
    return static_cast<int64_t>(**head) > follower->applied_sequence();
  }

  // The change log the follower follows ("" without one).
  std::string Feed() const { return follower == nullptr ? std::string() : follower->feed_id(); }

  // The oldest label a copy of this member or team may carry.
  int64_t MemberFloor(absl::string_view id) const ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu) {
    auto it = member_changed.find(id);
    return std::max(floor, it == member_changed.end() ? 0 : it->second);
  }
  int64_t TeamFloor(absl::string_view id) const ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu) {
    auto it = team_changed.find(id);
    return std::max(floor, it == team_changed.end() ? 0 : it->second);
  }

  // The ids of `ids` without a current copy in the in-process cache, as
  // sorted unique cache keys; the others go into `lookup`.
  std::vector<std::string> FromLocal(absl::string_view feed, absl::Span<const std::string> ids,
                                     absl::Time now, bool read_through, MemberLookup& lookup)
      ABSL_LOCKS_EXCLUDED(mu) {
    std::vector<std::string> keys;
    absl::MutexLock lock(&mu);
    for (const std::string& id : ids) {
      if (lookup.found.contains(id)) continue;
      auto it = members.find(id);
      if (!read_through && it != members.end() && it->second.expires > now &&
          it->second.label >= MemberFloor(id)) {
        lookup.found.emplace(id, it->second.value);
      } else {
        keys.push_back(MemberKey(feed, id));
      }
    }
    std::sort(keys.begin(), keys.end());
    keys.erase(std::unique(keys.begin(), keys.end()), keys.end());
    return keys;
  }

  // Parses the labelled copies of `keys` into `lookup` and the local cache;
  // returns the keys whose copy is older than a change applied here.
  std::vector<std::string> Accept(absl::string_view feed, absl::Span<const std::string> keys,
                                  const cache::CacheAside::ValuesByKey& values, absl::Time now,
                                  bool stale_ok, MemberLookup& lookup) ABSL_LOCKS_EXCLUDED(mu) {
    const size_t prefix = MemberKey(feed, "").size();
    std::vector<std::string> stale;
    absl::MutexLock lock(&mu);
    if (members.size() > kMaxLocalEntries) members.clear();
    for (const std::string& key : keys) {
      std::string id = key.substr(prefix);
      auto it = values.find(key);
      if (it == values.end()) {
        lookup.missing.insert(std::move(id));
        continue;
      }
      std::optional<cache::LabelledValue> copy = cache::Unlabel(it->second);
      rosterpb::Member proto;
      if (!copy.has_value() ||
          !proto.ParseFromArray(copy->value.data(), static_cast<int>(copy->value.size()))) {
        lookup.unavailable.insert(id);
        lookup.unavailable_reason =
            absl::InternalError(absl::StrCat("cached member ", QuoteInput(id), " does not parse"));
        continue;
      }
      if (!stale_ok && copy->label < MemberFloor(id)) {
        stale.push_back(key);
        continue;
      }
      auto member = std::make_shared<const RosterMember>(RosterMemberFromProto(proto));
      members[id] = {member, now + options.local_ttl, copy->label};
      lookup.found.emplace(std::move(id), std::move(member));
    }
    return stale;
  }

  std::unique_ptr<rosterpb::RosterService::Stub> stub;
  cache::Cache* const cache;
  cache::CacheAside cache_aside;
  GrpcRosterClientOptions options;
  const RosterChangeFollower* follower = nullptr;

  absl::Mutex mu;
  absl::flat_hash_map<std::string, Local<RosterMember>> members ABSL_GUARDED_BY(mu);
  absl::flat_hash_map<std::string, Local<RosterTeam>> teams ABSL_GUARDED_BY(mu);
  // The newest applied change of each member and team, and the rebuild's
  // head: no copy labelled below them is served.
  absl::flat_hash_map<std::string, int64_t> member_changed ABSL_GUARDED_BY(mu);
  absl::flat_hash_map<std::string, int64_t> team_changed ABSL_GUARDED_BY(mu);
  int64_t floor ABSL_GUARDED_BY(mu) = 0;
};

GrpcRosterClient::GrpcRosterClient(std::shared_ptr<grpc::Channel> channel, cache::Cache* cache,
                                   GrpcRosterClientOptions options)
    : impl_(std::make_unique<Impl>(std::move(channel), cache, std::move(options))) {}

GrpcRosterClient::~GrpcRosterClient() = default;

void GrpcRosterClient::UseFeed(const RosterChangeFollower* follower) { impl_->follower = follower; }

absl::Status GrpcRosterClient::ApplyChanges(
    const google::protobuf::RepeatedPtrField<rosterpb::RosterChange>& changes) {
  const std::string feed = impl_->Feed();
  std::vector<std::string> keys;
  {
    absl::MutexLock lock(&impl_->mu);
    for (const rosterpb::RosterChange& change : changes) {
      auto raise = [&](absl::flat_hash_map<std::string, int64_t>& map, const std::string& id) {
        int64_t& last = map[id];
        last = std::max(last, change.sequence());
      };
      if (!change.member_id().empty()) {
        raise(impl_->member_changed, change.member_id());
        impl_->members.erase(change.member_id());
        keys.push_back(MemberKey(feed, change.member_id()));
      }
      if (!change.team_id().empty()) {
        raise(impl_->team_changed, change.team_id());
        impl_->teams.erase(change.team_id());
        keys.push_back(TeamKey(feed, change.team_id()));
      }
    }
  }
  // Tombstones (cache_aside.h), best effort: a copy left in Redis is
  // refused by its label anyway.
  if (!keys.empty()) impl_->cache_aside.Invalidate(keys).IgnoreError();
  return absl::OkStatus();
}

absl::Status GrpcRosterClient::Rebuild(int64_t head) {
  absl::MutexLock lock(&impl_->mu);
  impl_->floor = std::max(impl_->floor, head);
  impl_->members.clear();
  impl_->teams.clear();
  impl_->member_changed.clear();
  impl_->team_changed.clear();
  return absl::OkStatus();
}

MemberLookup GrpcRosterClient::GetMembers(absl::Span<const std::string> ids) {
  MemberLookup lookup;
  const absl::Time now = impl_->options.clock();
  const std::string feed = impl_->Feed();
  bool read_through = impl_->MustReadThrough(feed);
  std::vector<std::string> keys = impl_->FromLocal(feed, ids, now, read_through, lookup);
  if (keys.empty()) return lookup;
  auto load = [this, &feed](absl::Span<const std::string> missing) {
    return impl_->LoadMembers(feed, missing);
  };
  absl::StatusOr<cache::CacheAside::ValuesByKey> values =
      read_through ? impl_->LoadMembers(feed, keys) : absl::UnavailableError("not reading through");
  if (!values.ok()) {
    // Not reading through, or the roster did not answer: the caches, this
    // process's first.
    if (read_through) {
      read_through = false;
      keys = impl_->FromLocal(feed, ids, now, /*read_through=*/false, lookup);
      if (keys.empty()) return lookup;
    }
    values = impl_->cache_aside.GetOrLoadMany(keys, impl_->options.redis_ttl, load);
  }
  const size_t prefix = MemberKey(feed, "").size();
  if (!values.ok()) {
    lookup.unavailable_reason = values.status();
    for (const std::string& key : keys) lookup.unavailable.insert(key.substr(prefix));
    return lookup;
  }
  const std::vector<std::string> stale =
      impl_->Accept(feed, keys, *values, now, /*stale_ok=*/read_through, lookup);
  if (stale.empty()) return lookup;
  // Copies older than a change applied here: the roster answers, and its
  // answer stands even if a lagging roster replica labels it lower.
  impl_->cache_aside.Invalidate(stale).IgnoreError();
  absl::StatusOr<cache::CacheAside::ValuesByKey> fresh = impl_->LoadMembers(feed, stale);
  if (!fresh.ok()) {
    lookup.unavailable_reason = fresh.status();
    for (const std::string& key : stale) lookup.unavailable.insert(key.substr(prefix));
    return lookup;
  }
  impl_->Accept(feed, stale, *fresh, now, /*stale_ok=*/true, lookup);
  return lookup;
}

absl::StatusOr<std::shared_ptr<const RosterTeam>> GrpcRosterClient::GetTeam(
    absl::string_view team_id) {
  const absl::Time now = impl_->options.clock();
  const std::string feed = impl_->Feed();
  bool read_through = impl_->MustReadThrough(feed);
  auto local = [&]() -> std::shared_ptr<const RosterTeam> {
    absl::MutexLock lock(&impl_->mu);
    auto it = impl_->teams.find(team_id);
    if (it != impl_->teams.end() && it->second.expires > now &&
        it->second.label >= impl_->TeamFloor(team_id)) {
      return it->second.value;
    }
    return nullptr;
  };
  if (!read_through) {
    if (std::shared_ptr<const RosterTeam> team = local()) return team;
  }
  const std::string key = TeamKey(feed, team_id);
  auto load = [&]() { return impl_->LoadTeam(team_id); };
  absl::StatusOr<std::string> loaded =
      read_through ? load() : absl::UnavailableError("not reading through");
  if (!loaded.ok()) {
    // Not reading through, or the roster did not answer: the caches, this
    // process's first.
    if (read_through) {
      read_through = false;
      if (std::shared_ptr<const RosterTeam> team = local()) return team;
    }
    loaded = impl_->cache_aside.GetOrLoad(key, impl_->options.redis_ttl, load);
  }
  ASSIGN_OR_RETURN(std::string stored, std::move(loaded));
  std::optional<cache::LabelledValue> copy = cache::Unlabel(stored);
  bool current = false;
  if (copy.has_value()) {
    absl::MutexLock lock(&impl_->mu);
    current = read_through || copy->label >= impl_->TeamFloor(team_id);
  }
  if (!current) {
    impl_->cache_aside.Invalidate(key).IgnoreError();
    ASSIGN_OR_RETURN(stored, load());
    copy = cache::Unlabel(stored);
  }
  rosterpb::Team proto;
  if (!copy.has_value() ||
      !proto.ParseFromArray(copy->value.data(), static_cast<int>(copy->value.size()))) {
    impl_->cache_aside.Invalidate(key).IgnoreError();
    return absl::InternalError(
        absl::StrCat("cached team ", QuoteInput(team_id), " does not parse"));
  }
  ASSIGN_OR_RETURN(RosterTeam team, RosterTeamFromProto(proto));
  auto shared = std::make_shared<const RosterTeam>(std::move(team));
  absl::MutexLock lock(&impl_->mu);
  if (impl_->teams.size() > kMaxLocalEntries) impl_->teams.clear();
  impl_->teams[std::string(team_id)] = {shared, now + impl_->options.local_ttl, copy->label};
  return shared;
}

client::RetryPolicy RosterRetryPolicy() {
  return {.service = rosterpb::RosterService::service_full_name(),
          .idempotent_methods = {"GetTeam", "GetMember", "BatchGetMembers"}};
}

}  // namespace salesteam::clients
