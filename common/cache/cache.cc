#include "common/cache/cache.h"

#include <algorithm>
#include <cmath>
#include <cstdio>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "common/status.h"

namespace salesteam::cache {
namespace {

std::string S(absl::string_view s) { return std::string(s.data(), s.size()); }

absl::Status UnexpectedReply(absl::string_view command, const Reply& reply) {
  return absl::InternalError(
      absl::StrCat("redis ", command, ": unexpected reply type ", static_cast<int>(reply.type)));
}

absl::StatusOr<int64_t> AsInteger(absl::string_view command, const Reply& reply) {
  if (reply.type != Reply::Type::kInteger) return UnexpectedReply(command, reply);
  return reply.integer;
}

absl::StatusOr<double> ParseScore(absl::string_view command, const Reply& reply) {
  if (reply.type != Reply::Type::kString) return UnexpectedReply(command, reply);
  double score = 0;
  if (!absl::SimpleAtod(reply.str, &score)) {
    return absl::InternalError(
        absl::StrCat("redis ", command, ": score '", reply.str, "' is not a number"));
  }
  return score;
}

// PX takes whole milliseconds; a positive TTL below 1 ms still expires.
int64_t TtlMillis(absl::Duration ttl) {
  return std::max<int64_t>(1, absl::ToInt64Milliseconds(absl::Ceil(ttl, absl::Milliseconds(1))));
}

}  // namespace

absl::Status StatusFromErrorReply(absl::string_view error) {
  const std::string message = absl::StrCat("redis: ", error);
  // Redis is busy, loading, failing over or replicating: transient.
  for (absl::string_view prefix :
       {"LOADING", "BUSY", "TRYAGAIN", "MASTERDOWN", "READONLY", "CLUSTERDOWN"}) {
    if (absl::StartsWith(error, prefix)) return absl::UnavailableError(message);
  }
  // maxmemory reached with nothing to evict: writes fail until keys expire
  // or are deleted, which is the cache's problem, not the caller's input.
  if (absl::StartsWith(error, "OOM")) return absl::UnavailableError(message);
  // The key's current content does not suit the command: the caller's data,
  // not the command, must change first.
  if (absl::StartsWith(error, "WRONGTYPE") || absl::StartsWith(error, "NOSCRIPT") ||
      absl::StrContains(error, "not an integer") || absl::StrContains(error, "not a valid float") ||
      absl::StrContains(error, "increment or decrement would overflow") ||
      absl::StrContains(error, "resulting score is not a number")) {
    return absl::FailedPreconditionError(message);
  }
  return absl::InternalError(message);
}

std::string FormatScore(double score) {
  if (std::isinf(score)) return score > 0 ? "inf" : "-inf";
  char buf[32];
  std::snprintf(buf, sizeof(buf), "%.17g", score);
  return buf;
}

absl::StatusOr<Reply> Cache::Execute(const Command& command, const CallOptions& options) {
  ASSIGN_OR_RETURN(auto replies, Pipeline(absl::MakeConstSpan(&command, 1), options));
  if (replies.size() != 1) return absl::InternalError("redis: pipeline lost a reply");
  return std::move(replies[0]);
}

absl::Status Cache::Ping(const CallOptions& options) {
  ASSIGN_OR_RETURN(Reply reply, Execute({"PING"}, options));
  if (reply.type != Reply::Type::kStatus) return UnexpectedReply("PING", reply);
  return absl::OkStatus();
}

absl::StatusOr<std::optional<std::string>> Cache::Get(absl::string_view key,
                                                      const CallOptions& options) {
  ASSIGN_OR_RETURN(Reply reply, Execute({"GET", S(key)}, options));
  if (reply.is_nil()) return std::optional<std::string>();
  if (reply.type != Reply::Type::kString) return UnexpectedReply("GET", reply);
  return std::optional<std::string>(std::move(reply.str));
}

absl::StatusOr<bool> Cache::Set(absl::string_view key, absl::string_view value,
                                const SetOptions& set_options, const CallOptions& options) {
  Command command = {"SET", S(key), S(value)};
  if (set_options.ttl.has_value()) {
    if (*set_options.ttl <= absl::ZeroDuration()) {
      return absl::InvalidArgumentError("redis SET: ttl must be positive");
    }
    command.push_back("PX");
    command.push_back(absl::StrCat(TtlMillis(*set_options.ttl)));
  }
  if (set_options.only_if_absent) command.push_back("NX");
  ASSIGN_OR_RETURN(Reply reply, Execute(command, options));
  if (reply.is_nil()) return false;  // NX and the key existed.
  if (reply.type != Reply::Type::kStatus) return UnexpectedReply("SET", reply);
  return true;
}

absl::StatusOr<int64_t> Cache::Del(absl::Span<const std::string> keys, const CallOptions& options) {
  if (keys.empty()) return 0;
  Command command = {"DEL"};
  command.insert(command.end(), keys.begin(), keys.end());
  ASSIGN_OR_RETURN(Reply reply, Execute(command, options));
  return AsInteger("DEL", reply);
}

absl::StatusOr<std::vector<std::optional<std::string>>> Cache::MGet(
    absl::Span<const std::string> keys, const CallOptions& options) {
  std::vector<std::optional<std::string>> values;
  if (keys.empty()) return values;
  Command command = {"MGET"};
  command.insert(command.end(), keys.begin(), keys.end());
  ASSIGN_OR_RETURN(Reply reply, Execute(command, options));
  if (reply.type != Reply::Type::kArray || reply.elements.size() != keys.size()) {
    return UnexpectedReply("MGET", reply);
  }
  values.reserve(keys.size());
  for (Reply& element : reply.elements) {
    if (element.type == Reply::Type::kString) {
      values.emplace_back(std::move(element.str));
    } else {
      values.emplace_back(std::nullopt);
    }
  }
  return values;
}

absl::StatusOr<int64_t> Cache::IncrBy(absl::string_view key, int64_t delta,
                                      const CallOptions& options) {
  ASSIGN_OR_RETURN(Reply reply, Execute({"INCRBY", S(key), absl::StrCat(delta)}, options));
  return AsInteger("INCRBY", reply);
}

absl::StatusOr<bool> Cache::Expire(absl::string_view key, absl::Duration ttl,
                                   const CallOptions& options) {
  if (ttl <= absl::ZeroDuration()) return absl::InvalidArgumentError("redis PEXPIRE: ttl <= 0");
  ASSIGN_OR_RETURN(Reply reply,
                   Execute({"PEXPIRE", S(key), absl::StrCat(TtlMillis(ttl))}, options));
  ASSIGN_OR_RETURN(int64_t set, AsInteger("PEXPIRE", reply));
  return set == 1;
}

absl::StatusOr<std::optional<absl::Duration>> Cache::Ttl(absl::string_view key,
                                                         const CallOptions& options) {
  ASSIGN_OR_RETURN(Reply reply, Execute({"PTTL", S(key)}, options));
  ASSIGN_OR_RETURN(int64_t millis, AsInteger("PTTL", reply));
  if (millis == -2) return std::optional<absl::Duration>();
  if (millis == -1) return std::optional<absl::Duration>(absl::InfiniteDuration());
  return std::optional<absl::Duration>(absl::Milliseconds(millis));
}

absl::StatusOr<int64_t> Cache::ZAdd(absl::string_view key, absl::Span<const ScoredMember> members,
                                    const CallOptions& options) {
  if (members.empty()) return 0;
  Command command = {"ZADD", S(key)};
  command.reserve(2 + 2 * members.size());
  for (const ScoredMember& m : members) {
    command.push_back(FormatScore(m.score));
    command.push_back(m.member);
  }
  ASSIGN_OR_RETURN(Reply reply, Execute(command, options));
  return AsInteger("ZADD", reply);
}

absl::StatusOr<double> Cache::ZIncrBy(absl::string_view key, double delta, absl::string_view member,
                                      const CallOptions& options) {
  ASSIGN_OR_RETURN(Reply reply,
                   Execute({"ZINCRBY", S(key), FormatScore(delta), S(member)}, options));
  return ParseScore("ZINCRBY", reply);
}

absl::StatusOr<std::vector<ScoredMember>> Cache::ZRevRangeWithScores(absl::string_view key,
                                                                     int64_t offset, int64_t limit,
                                                                     const CallOptions& options) {
  std::vector<ScoredMember> members;
  if (offset < 0 || limit < 0) {
    return absl::InvalidArgumentError("redis ZREVRANGE: offset and limit must be >= 0");
  }
  if (limit == 0) return members;
  ASSIGN_OR_RETURN(Reply reply, Execute({"ZREVRANGE", S(key), absl::StrCat(offset),
                                         absl::StrCat(offset + limit - 1), "WITHSCORES"},
                                        options));
  if (reply.type != Reply::Type::kArray || reply.elements.size() % 2 != 0) {
    return UnexpectedReply("ZREVRANGE", reply);
  }
  members.reserve(reply.elements.size() / 2);
  for (size_t i = 0; i < reply.elements.size(); i += 2) {
    if (reply.elements[i].type != Reply::Type::kString) return UnexpectedReply("ZREVRANGE", reply);
    ASSIGN_OR_RETURN(double score, ParseScore("ZREVRANGE", reply.elements[i + 1]));
    members.push_back(ScoredMember{std::move(reply.elements[i].str), score});
  }
  return members;
}

absl::StatusOr<std::optional<double>> Cache::ZScore(absl::string_view key, absl::string_view member,
                                                    const CallOptions& options) {
  ASSIGN_OR_RETURN(Reply reply, Execute({"ZSCORE", S(key), S(member)}, options));
  if (reply.is_nil()) return std::optional<double>();
  ASSIGN_OR_RETURN(double score, ParseScore("ZSCORE", reply));
  return std::optional<double>(score);
}

absl::StatusOr<int64_t> Cache::ZCard(absl::string_view key, const CallOptions& options) {
  ASSIGN_OR_RETURN(Reply reply, Execute({"ZCARD", S(key)}, options));
  return AsInteger("ZCARD", reply);
}

absl::StatusOr<int64_t> Cache::HIncrBy(absl::string_view key, absl::string_view field,
                                       int64_t delta, const CallOptions& options) {
  ASSIGN_OR_RETURN(Reply reply,
                   Execute({"HINCRBY", S(key), S(field), absl::StrCat(delta)}, options));
  return AsInteger("HINCRBY", reply);
}

absl::StatusOr<absl::flat_hash_map<std::string, std::string>> Cache::HGetAll(
    absl::string_view key, const CallOptions& options) {
  ASSIGN_OR_RETURN(Reply reply, Execute({"HGETALL", S(key)}, options));
  if (reply.type != Reply::Type::kArray || reply.elements.size() % 2 != 0) {
    return UnexpectedReply("HGETALL", reply);
  }
  absl::flat_hash_map<std::string, std::string> fields;
  fields.reserve(reply.elements.size() / 2);
  for (size_t i = 0; i < reply.elements.size(); i += 2) {
    fields[std::move(reply.elements[i].str)] = std::move(reply.elements[i + 1].str);
  }
  return fields;
}

}  // namespace salesteam::cache
