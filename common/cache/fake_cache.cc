#include "common/cache/fake_cache.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"

namespace salesteam::cache {
namespace {

// Redis's own error texts, so StatusFromErrorReply maps them as for Redis.
constexpr char kWrongType[] = "WRONGTYPE Operation against a key holding the wrong kind of value";
constexpr char kNotInteger[] = "ERR value is not an integer or out of range";
constexpr char kNotFloat[] = "ERR value is not a valid float";
constexpr char kSyntax[] = "ERR syntax error";

absl::Status Error(absl::string_view text) { return StatusFromErrorReply(text); }

absl::Status WrongArity(const std::string& name) {
  return Error(absl::StrCat("ERR wrong number of arguments for '", absl::AsciiStrToLower(name),
                            "' command"));
}

bool ParseInt(const std::string& s, int64_t* out) { return absl::SimpleAtoi(s, out); }

bool ParseScore(const std::string& s, double* out) {
  return absl::SimpleAtod(s, out) && !std::isnan(*out);
}

bool AddOverflows(int64_t a, int64_t b) {
  return (b > 0 && a > std::numeric_limits<int64_t>::max() - b) ||
         (b < 0 && a < std::numeric_limits<int64_t>::min() - b);
}

}  // namespace

FakeCache::FakeCache(std::function<absl::Time()> clock) : clock_(std::move(clock)) {}

void FakeCache::SetAvailable(bool available) {
  absl::MutexLock lock(&mu_);
  available_ = available;
}

void FakeCache::Clear() {
  absl::MutexLock lock(&mu_);
  data_.clear();
}

int64_t FakeCache::calls() const {
  absl::MutexLock lock(&mu_);
  return calls_;
}

int64_t FakeCache::commands_executed() const {
  absl::MutexLock lock(&mu_);
  return commands_executed_;
}

absl::StatusOr<std::vector<absl::StatusOr<Reply>>> FakeCache::Pipeline(
    absl::Span<const Command> commands, const CallOptions& /*options*/) {
  absl::MutexLock lock(&mu_);
  ++calls_;
  if (!available_) return absl::UnavailableError("fake redis: unavailable (simulated outage)");
  std::vector<absl::StatusOr<Reply>> replies;
  replies.reserve(commands.size());
  for (const Command& command : commands) {
    if (command.empty()) return absl::InvalidArgumentError("redis: empty command in pipeline");
  }
  for (const Command& command : commands) {
    ++commands_executed_;
    replies.push_back(Run(command));
  }
  return replies;
}

FakeCache::Entry* FakeCache::Find(const std::string& key) {
  auto it = data_.find(key);
  if (it == data_.end()) return nullptr;
  if (it->second.expires_at <= clock_()) {
    data_.erase(it);
    return nullptr;
  }
  return &it->second;
}

absl::StatusOr<Reply> FakeCache::Run(const Command& c) {
  const std::string name = absl::AsciiStrToUpper(c[0]);
  const size_t argc = c.size();
  const absl::Time now = clock_();

  if (name == "PING") return Reply::Status("PONG");

  if (name == "GET") {
    if (argc != 2) return WrongArity(name);
    Entry* e = Find(c[1]);
    if (e == nullptr) return Reply::Nil();
    auto* s = std::get_if<std::string>(&e->value);
    if (s == nullptr) return Error(kWrongType);
    return Reply::String(*s);
  }

  if (name == "SET") {
    if (argc < 3) return WrongArity(name);
    bool nx = false, xx = false;
    absl::Time expires_at = absl::InfiniteFuture();
    for (size_t i = 3; i < argc; ++i) {
      const std::string option = absl::AsciiStrToUpper(c[i]);
      if (option == "NX") {
        nx = true;
      } else if (option == "XX") {
        xx = true;
      } else if ((option == "PX" || option == "EX") && i + 1 < argc) {
        int64_t amount = 0;
        if (!ParseInt(c[++i], &amount)) return Error(kNotInteger);
        if (amount <= 0) return Error("ERR invalid expire time in 'set' command");
        expires_at = now + (option == "PX" ? absl::Milliseconds(amount) : absl::Seconds(amount));
      } else {
        return Error(kSyntax);
      }
    }
    if (nx && xx) return Error(kSyntax);
    const bool exists = Find(c[1]) != nullptr;
    if ((nx && exists) || (xx && !exists)) return Reply::Nil();
    data_[c[1]] = Entry{c[2], expires_at};
    return Reply::Status("OK");
  }

  if (name == "DEL" || name == "UNLINK") {
    if (argc < 2) return WrongArity(name);
    int64_t removed = 0;
    for (size_t i = 1; i < argc; ++i) {
      if (Find(c[i]) != nullptr) {
        data_.erase(c[i]);
        ++removed;
      }
    }
    return Reply::Integer(removed);
  }

  if (name == "EXISTS") {
    if (argc < 2) return WrongArity(name);
    int64_t found = 0;
    for (size_t i = 1; i < argc; ++i) found += Find(c[i]) != nullptr ? 1 : 0;
    return Reply::Integer(found);
  }

  if (name == "MGET") {
    if (argc < 2) return WrongArity(name);
    std::vector<Reply> values;
    for (size_t i = 1; i < argc; ++i) {
      Entry* e = Find(c[i]);
      auto* s = e == nullptr ? nullptr : std::get_if<std::string>(&e->value);
      values.push_back(s == nullptr ? Reply::Nil() : Reply::String(*s));
    }
    return Reply::Array(std::move(values));
  }

  if (name == "INCR" || name == "INCRBY" || name == "DECR" || name == "DECRBY") {
    const bool by = name == "INCRBY" || name == "DECRBY";
    if (argc != (by ? 3u : 2u)) return WrongArity(name);
    int64_t delta = 1;
    if (by && !ParseInt(c[2], &delta)) return Error(kNotInteger);
    if (name[0] == 'D') {
      if (delta == std::numeric_limits<int64_t>::min()) return Error(kNotInteger);
      delta = -delta;
    }
    Entry* e = Find(c[1]);
    int64_t current = 0;
    if (e != nullptr) {
      auto* s = std::get_if<std::string>(&e->value);
      if (s == nullptr) return Error(kWrongType);
      if (!ParseInt(*s, &current)) return Error(kNotInteger);
    }
    if (AddOverflows(current, delta)) return Error("ERR increment or decrement would overflow");
    current += delta;
    if (e == nullptr) {
      data_[c[1]] = Entry{absl::StrCat(current), absl::InfiniteFuture()};
    } else {
      e->value = absl::StrCat(current);  // INCR keeps the key's TTL.
    }
    return Reply::Integer(current);
  }

  if (name == "EXPIRE" || name == "PEXPIRE") {
    if (argc != 3) return WrongArity(name);
    int64_t amount = 0;
    if (!ParseInt(c[2], &amount)) return Error(kNotInteger);
    Entry* e = Find(c[1]);
    if (e == nullptr) return Reply::Integer(0);
    const absl::Duration ttl =
        name == "PEXPIRE" ? absl::Milliseconds(amount) : absl::Seconds(amount);
    if (ttl <= absl::ZeroDuration()) {
      data_.erase(c[1]);
    } else {
      e->expires_at = now + ttl;
    }
    return Reply::Integer(1);
  }

  if (name == "PTTL" || name == "TTL") {
    if (argc != 2) return WrongArity(name);
    Entry* e = Find(c[1]);
    if (e == nullptr) return Reply::Integer(-2);
    if (e->expires_at == absl::InfiniteFuture()) return Reply::Integer(-1);
    const absl::Duration left = e->expires_at - now;
    return Reply::Integer(name == "PTTL" ? absl::ToInt64Milliseconds(left)
                                         : absl::ToInt64Seconds(left + absl::Milliseconds(500)));
  }

  if (name == "ZADD") {
    // Options as Redis 6.2+: NX/XX (only new / only existing members), GT/LT
    // (update only to a greater / lesser score; new members are added).
    size_t first = 2;
    bool nx = false, xx = false, gt = false, lt = false;
    for (; first < argc; ++first) {
      const std::string option = absl::AsciiStrToUpper(c[first]);
      if (option == "NX")
        nx = true;
      else if (option == "XX")
        xx = true;
      else if (option == "GT")
        gt = true;
      else if (option == "LT")
        lt = true;
      else
        break;
    }
    if ((nx && (xx || gt || lt)) || (gt && lt)) return Error(kSyntax);
    if (argc < first + 2 || (argc - first) % 2 != 0) {
      return argc < first + 2 ? WrongArity(name) : Error(kSyntax);
    }
    std::vector<std::pair<double, std::string>> pairs;
    for (size_t i = first; i < argc; i += 2) {
      double score = 0;
      if (!ParseScore(c[i], &score)) return Error(kNotFloat);
      pairs.emplace_back(score, c[i + 1]);
    }
    Entry* e = Find(c[1]);
    if (e == nullptr) {
      e = &(data_[c[1]] = Entry{SortedSet{}, absl::InfiniteFuture()});
    }
    auto* z = std::get_if<SortedSet>(&e->value);
    if (z == nullptr) return Error(kWrongType);
    int64_t added = 0;
    for (auto& [score, member] : pairs) {
      auto it = z->scores.find(member);
      if (it == z->scores.end()) {
        if (xx) continue;
        z->scores.emplace(member, score);
        ++added;
        continue;
      }
      if (nx || (gt && score <= it->second) || (lt && score >= it->second)) continue;
      it->second = score;
    }
    return Reply::Integer(added);
  }

  if (name == "ZINCRBY") {
    if (argc != 4) return WrongArity(name);
    double delta = 0;
    if (!ParseScore(c[2], &delta)) return Error(kNotFloat);
    Entry* e = Find(c[1]);
    if (e == nullptr) e = &(data_[c[1]] = Entry{SortedSet{}, absl::InfiniteFuture()});
    auto* z = std::get_if<SortedSet>(&e->value);
    if (z == nullptr) return Error(kWrongType);
    double& score = z->scores[c[3]];
    if (std::isnan(score + delta)) return Error("ERR resulting score is not a number (NaN)");
    score += delta;
    return Reply::String(FormatScore(score));
  }

  if (name == "ZSCORE" || name == "ZCARD") {
    if (argc != (name == "ZSCORE" ? 3u : 2u)) return WrongArity(name);
    Entry* e = Find(c[1]);
    if (e == nullptr) return name == "ZCARD" ? Reply::Integer(0) : Reply::Nil();
    auto* z = std::get_if<SortedSet>(&e->value);
    if (z == nullptr) return Error(kWrongType);
    if (name == "ZCARD") return Reply::Integer(static_cast<int64_t>(z->scores.size()));
    auto it = z->scores.find(c[2]);
    if (it == z->scores.end()) return Reply::Nil();
    return Reply::String(FormatScore(it->second));
  }

  if (name == "ZREVRANGE") {
    if (argc != 4 && argc != 5) return WrongArity(name);
    const bool with_scores = argc == 5 && absl::AsciiStrToUpper(c[4]) == "WITHSCORES";
    if (argc == 5 && !with_scores) return Error(kSyntax);
    int64_t start = 0, stop = 0;
    if (!ParseInt(c[2], &start) || !ParseInt(c[3], &stop)) return Error(kNotInteger);
    Entry* e = Find(c[1]);
    if (e == nullptr) return Reply::Array({});
    auto* z = std::get_if<SortedSet>(&e->value);
    if (z == nullptr) return Error(kWrongType);
    std::vector<std::pair<double, std::string>> ranked;
    for (const auto& [member, score] : z->scores) ranked.emplace_back(score, member);
    // Highest score first; equal scores in reverse lexicographic order, as Redis.
    std::sort(ranked.begin(), ranked.end(), [](const auto& a, const auto& b) { return a > b; });
    const int64_t n = static_cast<int64_t>(ranked.size());
    if (start < 0) start = std::max<int64_t>(0, n + start);
    if (stop < 0) stop = n + stop;
    stop = std::min(stop, n - 1);
    std::vector<Reply> out;
    for (int64_t i = start; i <= stop; ++i) {
      out.push_back(Reply::String(ranked[i].second));
      if (with_scores) out.push_back(Reply::String(FormatScore(ranked[i].first)));
    }
    return Reply::Array(std::move(out));
  }

  if (name == "HINCRBY") {
    if (argc != 4) return WrongArity(name);
    int64_t delta = 0;
    if (!ParseInt(c[3], &delta)) return Error(kNotInteger);
    Entry* e = Find(c[1]);
    if (e == nullptr) e = &(data_[c[1]] = Entry{Hash{}, absl::InfiniteFuture()});
    auto* h = std::get_if<Hash>(&e->value);
    if (h == nullptr) return Error(kWrongType);
    int64_t current = 0;
    auto it = h->find(c[2]);
    if (it != h->end() && !ParseInt(it->second, &current)) {
      return Error("ERR hash value is not an integer");
    }
    if (AddOverflows(current, delta)) return Error("ERR increment or decrement would overflow");
    (*h)[c[2]] = absl::StrCat(current + delta);
    return Reply::Integer(current + delta);
  }

  if (name == "HSET") {
    if (argc < 4 || argc % 2 != 0) return WrongArity(name);
    Entry* e = Find(c[1]);
    if (e == nullptr) e = &(data_[c[1]] = Entry{Hash{}, absl::InfiniteFuture()});
    auto* h = std::get_if<Hash>(&e->value);
    if (h == nullptr) return Error(kWrongType);
    int64_t added = 0;
    for (size_t i = 2; i < argc; i += 2) added += h->insert_or_assign(c[i], c[i + 1]).second;
    return Reply::Integer(added);
  }

  if (name == "HGET" || name == "HGETALL") {
    if (argc != (name == "HGET" ? 3u : 2u)) return WrongArity(name);
    Entry* e = Find(c[1]);
    if (e == nullptr) return name == "HGET" ? Reply::Nil() : Reply::Array({});
    auto* h = std::get_if<Hash>(&e->value);
    if (h == nullptr) return Error(kWrongType);
    if (name == "HGET") {
      auto it = h->find(c[2]);
      return it == h->end() ? Reply::Nil() : Reply::String(it->second);
    }
    std::vector<Reply> out;
    for (const auto& [field, value] : *h) {
      out.push_back(Reply::String(field));
      out.push_back(Reply::String(value));
    }
    return Reply::Array(std::move(out));
  }

  return Error(absl::StrCat("ERR unknown command '", c[0], "'"));
}

}  // namespace salesteam::cache
